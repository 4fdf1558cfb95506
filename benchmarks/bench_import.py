"""Time `import nelc_edu` (cold interpreter each time) against `import numpy` alone.

Run: python benchmarks/bench_import.py [repeats]
Prints the median over fresh interpreters, and the ratio to importing numpy alone
(the floor: nelc_edu depends on numpy).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys


def _time(stmt: str, repeats: int) -> list[float]:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    return [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(repeats)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repeats", type=int, nargs="?", default=15,
                        help="fresh interpreters per statement")
    repeats = parser.parse_args().repeats
    rows = {}
    for label, stmt in [
        ("import numpy", "import numpy"),
        ("import nelc_edu", "import nelc_edu"),
        ("import nelc_edu.markov", "import nelc_edu.markov"),
        ("import nelc_edu + numba", "import nelc_edu, numba"),
    ]:
        rows[label] = statistics.median(_time(stmt, repeats))
    base = rows["import numpy"]
    print(f"{'statement':28s} {'median [ms]':>12s} {'vs numpy':>9s}")
    for label, t in rows.items():
        print(f"{label:28s} {1e3 * t:12.1f} {t / base:9.2f}")


if __name__ == "__main__":
    main()
