"""Time every notebook on one core, in fast and full mode, and write the guide's table.

The one source of the course's timings. Each notebook is executed from a fresh kernel with
``jupyter nbconvert --execute`` pinned to one core (``taskset -c 0`` where available), once in
fast mode (``NELC_FAST=1``) and once in full mode, after one untimed run that fills the Numba
cache (students run with a warm cache after their first notebook). The results go to
``docs/notebook-times.json``; the table of ``docs/lecturer-guide.md`` (between the markers
``<!-- notebook-times:start -->`` and ``<!-- notebook-times:end -->``) is regenerated from that
file and from each notebook's own header ("**Time:** about N minutes"). The README and the
guide quote no other notebook timing.

    python scripts/time_notebooks.py               # every notebook (about 15 minutes)
    python scripts/time_notebooks.py --table-only  # rewrite the guide's table from the JSON
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TIMES = ROOT / "docs" / "notebook-times.json"
GUIDE = ROOT / "docs" / "lecturer-guide.md"
START, END = "<!-- notebook-times:start -->", "<!-- notebook-times:end -->"


def class_time(nb_path: Path) -> str:
    """The class time a notebook's header states ("about 60 minutes" -> "60 min")."""
    text = json.loads(nb_path.read_text())["cells"][0]["source"]
    text = "".join(text) if isinstance(text, list) else text
    m = re.search(r"\*\*Time:?\*\*:?\s*(?:about\s+)?([0-9][0-9–-]*)\s*min", text)
    if not m:
        raise ValueError(
            f"{nb_path.name}: its header states no time ('**Time:** about N minutes')."
        )
    return f"{m.group(1)} min"


def title(nb_path: Path) -> str:
    """The guide's own heading of the notebook (``## 07 Why cycles emerge``), else its name."""
    number, _, rest = nb_path.stem.partition("_")
    m = re.search(rf"^## ({number} .+)$", GUIDE.read_text(), re.M)
    return m.group(1).strip() if m else f"{number} {rest.replace('_', ' ').capitalize()}"


def anchor(nb_path: Path) -> str:
    return "#" + nb_path.stem.replace("_", "-")


def table(times: dict) -> str:
    """The guide's table: notebook, class time (its header), computer time fast / full."""
    rows = ["| notebook | class time | computer time on one core (fast / full) |",
            "| --- | --- | --- |"]
    for nb_path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        t = times["notebooks"].get(nb_path.stem)
        cell = f"{t['fast_s']:.0f} s / {t['full_s']:.0f} s" if t else "not measured yet"
        rows.append(f"| [{title(nb_path)}]({anchor(nb_path)}) | {class_time(nb_path)} | {cell} |")
    m = times.get("machine", {})
    rows.append("")
    rows.append(f"*Computer time*: `python scripts/time_notebooks.py` on {times.get('date', '?')}, "
                f"{m.get('cpu', '?')}, one core, warm Numba cache, kernel start-up included; "
                "budgets 30 s (fast) and 3 min (full).")
    return "\n".join(rows)


def write_table(times: dict) -> None:
    text = GUIDE.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{GUIDE} has no {START} ... {END} block for the table.")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    GUIDE.write_text(head + START + "\n" + table(times) + "\n" + END + tail)


def run_notebook(nb_path: Path, fast: bool) -> float:
    env = dict(os.environ, NELC_FAST="1" if fast else "0")
    env.pop("NELC_STRICT_CLAIMS", None)
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*pin, sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
               "--execute", "--ExecutePreprocessor.timeout=900", "--output-dir", tmp,
               str(nb_path)]
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=NOTEBOOKS, check=True, capture_output=True)
        return time.perf_counter() - t0


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "python": platform.python_version()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table-only", action="store_true",
                    help="only rewrite the guide's table from docs/notebook-times.json")
    ap.add_argument("notebooks", nargs="*", help="names to time (default: all)")
    args = ap.parse_args(argv)
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {"notebooks": {}}
    if not args.table_only:
        paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
        if args.notebooks:
            paths = [p for p in paths if any(n in p.stem for n in args.notebooks)]
        for nb_path in paths:
            run_notebook(nb_path, fast=True)  # fills the Numba cache; not timed
            fast, full = run_notebook(nb_path, True), run_notebook(nb_path, False)
            times["notebooks"][nb_path.stem] = {"fast_s": round(fast, 1), "full_s": round(full, 1)}
            print(f"{nb_path.stem}: fast {fast:.1f} s, full {full:.1f} s", flush=True)
        times["date"] = time.strftime("%Y-%m-%d")
        times["machine"] = machine()
        TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
    write_table(times)
    print(f"wrote {GUIDE.relative_to(ROOT)}'s table from {TIMES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
