"""The paper's gradient against ours, and why PCD fails the RBM (digits, 5 seeds).

Two questions about gradients (``docs/theory.md``, sections 5 and 8), answered by one sweep:

1. **Exact or truncated two-step rule?** The two-matrix model trained with the exact rule
   ``h = Z (rho / pi)`` and with its one-step truncation ``h = rho / pi - 1`` (one reading of
   the paper's approximate gradient), same seeds and budget: final log-likelihood, entropy
   production, learning curves.
2. **Gradient fidelity along training.** At every checkpoint, the cosine between the
   persistent-chain gradient (averaged over 10 steps of a copy of the training chains) and a
   reference gradient (exact for the one-hot RBM; a large Monte Carlo estimate for the
   two-matrix model). The RBM's PCD gradient loses its direction as its chains freeze.

Prints both comparisons, writes the sweep figures and the small results file shipped with the
package (``nelc_edu/results/gradients_digits.npz``, shown in notebook 09).

    python scripts/reproduce_gradients.py --workers 2
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from nelc_edu import __version__
from nelc_edu.cli.sweep import parse_int_list
from nelc_edu.experiments import default_settings
from nelc_edu.sweeps import (
    SweepGrid,
    compact_results,
    format_summary,
    load_results,
    machine_info,
    run_id,
    run_sweep,
)

ROOT = Path(__file__).resolve().parents[1]
FIDELITY_STEPS = 10


def _label(settings) -> str:
    if settings["kind"] != "two_matrix":
        return {"rbm": "one-hot RBM (PCD)", "rbm_exact": "one-hot RBM (exact)"}[settings["kind"]]
    return f"two-matrix ({settings.get('stationary_term', 'exact')} rule)"


def fidelity_summary(records) -> str:
    """Median over seeds of the gradient cosine and of mean diag T, at a few checkpoints."""
    groups: dict[str, list] = {}
    for r in records:
        if r["settings"]["kind"] == "rbm_exact":
            continue
        groups.setdefault(_label(r["settings"]), []).append(r)
    lines = ["gradient fidelity: cosine(PCD gradient, reference) and mean diag T, median "
             "over seeds"]
    for name, recs in groups.items():
        steps = recs[0]["history"]["steps"]
        cos = np.array([[c if c is not None else np.nan for c in
                         (rec.get("pcd_gradient_cosine") for rec in r["history"]["records"])]
                        for r in recs], dtype=float)
        diag = np.array([[rec.get("mean_self_transition") for rec in r["history"]["records"]]
                         for r in recs], dtype=float)
        picks = sorted({1, len(steps) // 4, len(steps) // 2, len(steps) - 1})
        cells = ", ".join(f"update {steps[i]}: cos {np.nanmedian(cos[:, i]):+.2f}, "
                          f"diag T {np.median(diag[:, i]):.2f}" for i in picks)
        lines.append(f"  {name:<32} {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--updates", type=int, default=None, help="default: the digits default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "gradients-digits")
    ap.add_argument("--no-ship", action="store_true", help="do not write the shipped file")
    args = ap.parse_args(argv)
    raw = argv if argv is not None else sys.argv[1:]
    command = "python scripts/reproduce_gradients.py " + " ".join(shlex.quote(a) for a in raw)
    overrides = {"fidelity_steps": FIDELITY_STEPS}
    if args.updates is not None:
        overrides["n_updates"] = args.updates
    grid = SweepGrid(dataset="digits", seeds=parse_int_list(args.seeds), latents=[10],
                     kinds=("two_matrix", "rbm", "rbm_exact"),
                     stationary_terms=("exact", "one_step"), overrides=overrides)
    print(f"{len(grid)} runs -> {args.out}", flush=True)
    t0 = time.perf_counter()
    report = run_sweep(grid, args.out, max_workers=args.workers,
                       progress=lambda line: print(line, flush=True))
    wall = time.perf_counter() - t0
    print(report)
    ids = {run_id(x) for x in grid.expand()}
    records = [r for r in load_results(args.out) if r["run_id"] in ids]
    table = format_summary(records)
    fidelity = fidelity_summary(records)
    print("\n" + table + "\n\n" + fidelity)
    (args.out / "gradients_summary.txt").write_text(table + "\n\n" + fidelity + "\n")

    import matplotlib

    matplotlib.use("Agg")
    from nelc_edu.plotting.sweeps import save_sweep_figures

    for p in save_sweep_figures(records, args.out / "figures"):
        print(f"wrote {p}")
    if not args.no_ship:
        prov = {
            "command": command.strip(),
            "nelc_edu_version": __version__,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine_info(),
            "workers": args.workers,
            "wall_time_s": round(wall, 1),
            "settings": default_settings("digits", **overrides),
            "summary": table,
            "fidelity": fidelity,
        }
        path = compact_results(records, ROOT / "nelc_edu" / "results" / "gradients_digits.npz",
                               provenance=prov, params_dir=args.out, n_samples=8)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    print(json.dumps({"runs": len(records), "wall_time_min": round(wall / 60, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
