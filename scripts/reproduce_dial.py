"""The reversibility dial: sweep the tie penalty lambda of the two-matrix model over seeds.

One family of models moved continuously toward equilibrium (``docs/theory.md``, sections
5 and 10): the two-matrix model trained with the penalty ``-(lambda/2) sum (U - W^T)^2``
for lambda on a log grid from 0 to 30, plus both one-hot RBMs (PCD and exact gradient) for
reference, on the same seeds and budget. Prints, per lambda, the log-likelihood, the latent
entropy production (and how many runs exceed three noise floors) and the mean
self-transition, then the rank correlation of the log-likelihood with sigma and with mean
diag T over the two-matrix runs. Writes the sweep figures and a small results file shipped
with the package (``nelc_edu/results/dial_<dataset>.npz``, shown in notebook 09).

    python scripts/reproduce_dial.py --dataset digits --workers 2
    python scripts/reproduce_dial.py --dataset mnist5k --workers 2

The same runs on the command line:

    nelc-edu sweep --dataset digits --seeds 0-4 --kinds two_matrix,rbm,rbm_exact \\
        --tie-penalty 0,0.01,0.03,0.1,0.3,1,3,10,30 --out results/dial-digits
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from nelc_edu import __version__
from nelc_edu.cli.sweep import parse_float_list, parse_int_list
from nelc_edu.dial import dial_table, format_dial_summary
from nelc_edu.experiments import default_settings
from nelc_edu.sweeps import (
    SweepGrid,
    compact_results,
    load_results,
    machine_info,
    run_id,
    run_sweep,
)

ROOT = Path(__file__).resolve().parents[1]
LAMBDAS = "0,0.01,0.03,0.1,0.3,1,3,10,30"
KINDS = ("two_matrix", "rbm", "rbm_exact")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=("digits", "mnist5k"), default="digits")
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--tie-penalty", default=LAMBDAS, help="comma-separated lambdas")
    ap.add_argument("--updates", type=int, default=None, help="default: the dataset default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="results directory")
    ap.add_argument("--no-ship", action="store_true", help="do not write the shipped file")
    args = ap.parse_args(argv)
    raw = argv if argv is not None else sys.argv[1:]
    command = "python scripts/reproduce_dial.py " + " ".join(shlex.quote(a) for a in raw)
    out = args.out or ROOT / "results" / f"dial-{args.dataset}"
    overrides = {} if args.updates is None else {"n_updates": args.updates}
    grid = SweepGrid(dataset=args.dataset, seeds=parse_int_list(args.seeds), latents=[10],
                     kinds=KINDS, tie_penalties=parse_float_list(args.tie_penalty),
                     overrides=overrides)
    s = grid.expand()[0]
    print(f"{len(grid)} runs: {args.dataset}, K = {s.K}, {s.n_updates} RMSprop updates at "
          f"learning rate {s.learning_rate:g}; {args.workers} worker(s) -> {out}", flush=True)
    t0 = time.perf_counter()
    report = run_sweep(grid, out, max_workers=args.workers, raise_on_error=False,
                       progress=lambda line: print(line, flush=True))
    wall = time.perf_counter() - t0
    print(report)
    ids = {run_id(x) for x in grid.expand()}
    records = [r for r in load_results(out) if r["run_id"] in ids]
    table = dial_table(records)
    summary = format_dial_summary(table)
    # A run that diverged is reported, never hidden: it is left out of the table and named.
    failed = {rid: msg.split(" (")[0] for rid, msg in sorted(report.failed.items())}
    for rid, msg in failed.items():
        summary += f"\nleft out, training diverged: {rid}: {msg}"
    print()
    print(summary)
    (out / "dial_summary.txt").write_text(summary + "\n")

    import matplotlib

    matplotlib.use("Agg")
    from nelc_edu.plotting.sweeps import save_sweep_figures

    for p in save_sweep_figures(records, out / "figures"):
        print(f"wrote {p}")
    if not args.no_ship:
        prov = {
            "command": command.strip(),
            "nelc_edu_version": __version__,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine_info(),
            "workers": args.workers,
            "wall_time_s": round(wall, 1),
            "cpu_seconds": round(sum(r["wall_time_s"] for r in records), 1),
            "settings": default_settings(args.dataset, **overrides),
            "tie_penalties": list(grid.tie_penalties),
            "summary": summary,
            "failed_runs": failed,
        }
        path = compact_results(records, ROOT / "nelc_edu" / "results" /
                               f"dial_{args.dataset}.npz", provenance=prov, params_dir=out,
                               n_samples=8)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    print(json.dumps({"runs": len(records), "wall_time_min": round(wall / 60, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
