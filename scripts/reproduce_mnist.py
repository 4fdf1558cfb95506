"""Reproduce the paper's claims on MNIST-5k over 10 seeds (two-matrix, PCD RBM, exact RBM).

Runs the sweep (``nelc_edu.sweeps``; resumable: rerunning skips finished runs), then prints
mean ± standard deviation over seeds per model kind of the train and held-out
log-likelihood, the latent entropy production (with its noise floor), the mean
self-transition (vs 1/K), the class-histogram KL and the dominant cycles; checks each claim
of ``docs/theory.md`` section 10 seed by seed; writes the README table (markdown), the sweep
figures, and the small results file shipped with the package
(``nelc_edu/results/mnist5k.npz``, read by notebook 09).

    python scripts/reproduce_mnist.py --workers 2          # about 10 min on 2 cores
    python scripts/reproduce_mnist.py --seeds 0-2 --out /tmp/mnist_quick --no-ship

Equivalent sweep on the command line (then ``nelc-edu figures RESULTS_DIR``):

    nelc-edu sweep --dataset mnist5k --seeds 0-9 --latent 10 \\
        --kinds two_matrix,rbm,rbm_exact --out results/mnist5k --workers 2
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from nelc_edu import __version__
from nelc_edu.cli.sweep import parse_int_list
from nelc_edu.experiments import KIND_LABELS, default_settings
from nelc_edu.sweeps import (
    SweepGrid,
    compact_results,
    load_results,
    machine_info,
    run_id,
    run_sweep,
    summarize,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "nelc_edu" / "results" / "mnist5k.npz"
KINDS = ("two_matrix", "rbm", "rbm_exact")
#: An RBM's estimated σ is zero up to numerical error (rounding, and the error of the
#: stationary distribution of a nearly reducible chain): up to about 1e-5 nats/step here.
NUMERICAL_ZERO = 1e-4


def _pm(st, fmt="{:.2f}") -> str:
    return f"{fmt.format(st['mean'])} ± {fmt.format(st['std'])}"


def claims_by_seed(records, K: int) -> dict[str, list[bool]]:
    """The claims of docs/theory.md section 10, checked seed by seed (two-matrix vs PCD RBM)."""
    by = {(r["settings"]["seed"], r["settings"]["kind"]): r["final"] for r in records}
    seeds = sorted({s for s, _ in by})
    out: dict[str, list[bool]] = {
        "two-matrix log-lik (train) > PCD RBM's": [],
        "two-matrix log-lik (held-out) > PCD RBM's": [],
        "two-matrix class KL < PCD RBM's": [],
        "two-matrix σ > 10 × its noise floor (finite EP)": [],
        "two-matrix mean diag T < 1/K": [],
        f"PCD RBM σ < {NUMERICAL_ZERO:g} nats/step (numerically zero EP)": [],
        f"exact-gradient RBM σ < {NUMERICAL_ZERO:g} nats/step": [],
        "exact-gradient RBM log-lik (train) > PCD RBM's": [],
        "two-matrix log-lik (train) > exact-gradient RBM's": [],
    }
    for s in seeds:
        tm, rbm, ex = by.get((s, "two_matrix")), by.get((s, "rbm")), by.get((s, "rbm_exact"))
        if tm is None or rbm is None:
            continue
        v = list(out.values())
        v[0].append(tm["log_likelihood"] > rbm["log_likelihood"])
        v[1].append(tm["log_likelihood_heldout"] > rbm["log_likelihood_heldout"])
        v[2].append(tm["class_kl"] < rbm["class_kl"])
        v[3].append(tm["entropy_production"] > 10 * tm["ep_noise_floor"])
        v[4].append(tm["mean_self_transition"] < 1 / K)
        v[5].append(rbm["entropy_production"] < NUMERICAL_ZERO)
        if ex is not None:
            v[6].append(ex["entropy_production"] < NUMERICAL_ZERO)
            v[7].append(ex["log_likelihood"] > rbm["log_likelihood"])
            v[8].append(tm["log_likelihood"] > ex["log_likelihood"])
    return {k: v for k, v in out.items() if v}


def markdown_table(records, K: int, header: str) -> str:
    groups = {g["kind"]: g for g in summarize(records, by=["kind"])}
    lines = [
        "| model (training) | log-lik train | log-lik held-out | σ (nats/step) "
        "[noise floor] | mean diag T (1/K = " + f"{1 / K:.2f})" + " | class KL |",
        "|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        g = groups.get(kind)
        if g is None:
            continue
        lines.append(
            f"| {KIND_LABELS[kind]} | {_pm(g['log_likelihood'])} | "
            f"{_pm(g['log_likelihood_heldout'])} | {_pm(g['entropy_production'], '{:.3g}')} "
            f"[≤ {g['ep_noise_floor']['max']:.0e}] | {_pm(g['mean_self_transition'], '{:.3f}')}"
            f" | {_pm(g['class_kl'], '{:.3f}')} |"
        )
    return header + "\n\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-9")
    ap.add_argument("--latent", type=int, default=10)
    ap.add_argument("--updates", type=int, default=None, help="default: the mnist5k default")
    ap.add_argument("--learning-rate", type=float, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "mnist5k",
                    help="results directory (records + parameters)")
    ap.add_argument("--ship", type=Path, default=SHIPPED,
                    help="small results file for notebook 09")
    ap.add_argument("--no-ship", action="store_true", help="do not write the shipped file")
    args = ap.parse_args(argv)
    raw = argv if argv is not None else sys.argv[1:]
    command = "python scripts/reproduce_mnist.py " + " ".join(
        shlex.quote(a.replace(str(ROOT) + "/", "")) for a in raw)

    overrides = {}
    if args.updates is not None:
        overrides["n_updates"] = args.updates
    grid = SweepGrid(dataset="mnist5k", seeds=parse_int_list(args.seeds), latents=[args.latent],
                     learning_rates=[args.learning_rate] if args.learning_rate else None,
                     kinds=KINDS, overrides=overrides)
    s = grid.expand()[0]
    print(f"{len(grid)} runs: MNIST-5k, K = {s.K}, {s.n_updates} RMSprop updates at learning "
          f"rate {s.learning_rate:g}, minibatch {s.batch_size}, {s.n_chains} persistent "
          f"chains; {args.workers} worker(s) -> {args.out}", flush=True)
    t0 = time.perf_counter()
    report = run_sweep(grid, args.out, max_workers=args.workers,
                       progress=lambda line: print(line, flush=True))
    wall = time.perf_counter() - t0
    print(report)
    # wall time of every invocation that trained something (a resumed sweep adds up)
    log_path = args.out / "invocations.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else []
    if report.n_run:
        log.append({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs_trained": report.n_run,
                    "workers": args.workers, "wall_time_s": round(wall, 1)})
        log_path.write_text(json.dumps(log, indent=1))
    sweep_wall = sum(e["wall_time_s"] for e in log) if log else wall
    ids = {run_id(x) for x in grid.expand()}
    records = [r for r in load_results(args.out) if r["run_id"] in ids]
    cpu_seconds = sum(r["wall_time_s"] for r in records)

    K = s.K
    print()
    print(f"MNIST-5k, K = {K}, {len(grid.seeds)} seeds: mean ± std over seeds")
    groups = {g["kind"]: g for g in summarize(records, by=["kind"])}
    for kind in KINDS:
        g = groups[kind]
        print(f"\n{KIND_LABELS[kind]} ({g['n']} runs)")
        print(f"  log-likelihood (train)    {_pm(g['log_likelihood'])}")
        print(f"  log-likelihood (held-out) {_pm(g['log_likelihood_heldout'])}")
        print(f"  entropy production σ      {_pm(g['entropy_production'], '{:.3g}')} "
              f"(noise floor ≤ {g['ep_noise_floor']['max']:.1e})")
        print(f"  mean self-transition      {_pm(g['mean_self_transition'], '{:.3f}')} "
              f"(1/K = {1 / K:.3f})")
        print(f"  class-histogram KL        {_pm(g['class_kl'], '{:.3f}')}")
        print(f"  dominant cycle            {g['dominant_cycles']}")
    claims = claims_by_seed(records, K)
    print("\nclaims, seed by seed:")
    for name, ok in claims.items():
        print(f"  {sum(ok)}/{len(ok)}  {name}")

    labeller = records[0].get("labeller_heldout_accuracy")
    header = (
        f"MNIST-5k (N = 784), K = {K}, seeds {min(grid.seeds)}–{max(grid.seeds)} "
        f"({len(grid.seeds)} per model), {s.n_updates} RMSprop updates at learning rate "
        f"{s.learning_rate:g}, minibatch {s.batch_size}, {s.n_chains} persistent chains for "
        f"the PCD models; mean ± standard deviation over seeds. σ: latent entropy production "
        f"per step (largest noise floor in brackets). Class KL: {s.kl_chains} chains from "
        f"random latent states, burn-in {s.kl_burn_in}, {s.kl_steps} steps; labeller "
        f"held-out accuracy {labeller:.3f}. nelc_edu {__version__}; {len(records)} runs, "
        f"{cpu_seconds / 60:.0f} CPU-minutes, {sweep_wall / 60:.1f} min wall time on "
        f"{args.workers} worker(s). Regenerate: `{command.strip()}`."
    )
    table = markdown_table(records, K, header)
    claim_lines = "\n".join(f"- {sum(ok)}/{len(ok)} seeds: {name}" for name, ok in claims.items())
    table += "\n\nSeed by seed:\n\n" + claim_lines
    (args.out / "README_table.md").write_text(table + "\n")
    print("\n" + table)

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
            "sweep_wall_time_s": round(sweep_wall, 1),
            "invocations": log,
            "cpu_seconds": round(cpu_seconds, 1),
            "settings": {k: v for k, v in default_settings("mnist5k", **overrides).items()},
            "readme_table": table,
        }
        path = compact_results(records, args.ship, provenance=prov, params_dir=args.out)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    print(f"sweep wall time {sweep_wall / 60:.1f} min over {len(log)} invocation(s) that "
          f"trained runs ({report.n_run} trained now)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
