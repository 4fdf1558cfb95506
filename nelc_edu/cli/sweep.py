"""``nelc-edu sweep`` and ``nelc-edu figures``: a resumable grid of runs, and its figures.

The work is :func:`nelc_edu.sweeps.run_sweep` and
:func:`nelc_edu.plotting.sweeps.save_sweep_figures`; this module parses the arguments
(``--seeds 0-9``, ``--latent 5,10``, ``--set KEY=VALUE``...), checks the output directory
before any work, and prints what was done.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from .. import sweeps

__all__: list[str] = []  # a subcommand of `nelc-edu` (nelc_edu.cli.main), not an API


def parse_int_list(text: str) -> list[int]:
    """``"0-9"``, ``"0,2,5"`` or ``"0-3,7"`` -> list of int.

    Examples
    --------
    >>> parse_int_list("0-3,7")
    [0, 1, 2, 3, 7]
    """
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            a, b = part.split("-", 1) if not part.startswith("-") else (part, "")
            lo, hi = int(a), int(b)
            if hi < lo:
                raise ValueError(f"range {part!r} is empty (end < start).")
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(part))
    if not out:
        raise ValueError(f"no integers in {text!r}.")
    return out


def parse_float_list(text: str) -> list[float]:
    """``"0.01,0.003"`` -> list of float.

    Examples
    --------
    >>> parse_float_list("0.01, 3e-3")
    [0.01, 0.003]
    """
    out = [float(p) for p in str(text).split(",") if p.strip()]
    if not out:
        raise ValueError(f"no numbers in {text!r}.")
    return out


def _flatten(values, parse):
    out = []
    for v in values or []:
        out.extend(parse(v))
    return out


def _parse_set(items: Sequence[str]) -> dict[str, Any]:
    from ..experiments import RunSettings

    types = {f.name: type(f.default) for f in dataclasses.fields(RunSettings)}
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE; got {item!r}.")
        key, value = item.split("=", 1)
        key = key.strip()
        if key not in types:
            raise ValueError(f"unknown run setting {key!r}; choose from {sorted(types)}.")
        out[key] = types[key](value)
    return out


def add_sweep_parsers(sub) -> None:
    """Add the ``sweep`` and ``figures`` subcommands to the ``nelc-edu`` parser."""
    _add_sweep_parser(sub)
    _add_figures_parser(sub)


def _add_sweep_parser(sub) -> None:
    from ..experiments import DATASETS

    p = sub.add_parser(
        "sweep",
        help="train a grid of runs (seeds x latent sizes x learning rates x kinds)",
        description=(
            "Train a grid of runs and write one JSON record (+ .npz parameters) per run into "
            "OUT, each as soon as it finishes. Resumable: finished runs are skipped, so after "
            "Ctrl-C, a kill or a crash, run the same command again. Runs on a local process "
            "pool (single-threaded workers), in this process (--serial) or on a Dask "
            "scheduler (--scheduler)."
        ),
    )
    p.add_argument("--dataset", choices=DATASETS, default="digits")
    p.add_argument("--seeds", default="0", help="e.g. 0-9 or 0,3,5 (default 0)")
    p.add_argument("--latent", "-K", action="append", default=None,
                   help="number of latent states K; repeat or comma-separate (default 10)")
    p.add_argument("--learning-rate", action="append", default=None,
                   help="RMSprop step(s); repeat or comma-separate (default: the dataset's)")
    p.add_argument("--kinds", default="two_matrix,rbm,rbm_exact",
                   help="comma-separated model kinds (default: all three)")
    p.add_argument("--tie-penalty", action="append", default=None, metavar="LAMBDA",
                   help="two-matrix model only: tie penalty(s) lambda >= 0, the "
                        "reversibility dial; repeat or comma-separate for a grid axis, e.g. "
                        "0,1e-4,1e-3 (the RBM kinds run once per grid point; default 0)")
    p.add_argument("--stationary-term", action="append", default=None, metavar="TERM",
                   help="two-matrix model only: gradient rule(s), exact or one_step (the "
                        "truncated h = rho/pi - 1); comma-separate for a grid axis "
                        "(default exact)")
    p.add_argument("--updates", type=int, default=None, help="RMSprop updates per run")
    p.add_argument("--set", action="append", default=None, metavar="KEY=VALUE",
                   help="any other RunSettings field, e.g. --set batch_size=50")
    p.add_argument("--out", type=Path, required=True, help="results directory")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None,
                   help="address of a Dask scheduler (tcp://host:8786): run there instead")
    p.add_argument("--serial", action="store_true", help="run in this process, one by one")
    p.add_argument("--no-params", action="store_true", help="do not write the .npz files")
    p.set_defaults(func=_cmd_sweep)


def _add_figures_parser(sub) -> None:
    from ..plotting.sweeps import SWEEP_FIGURES

    f = sub.add_parser(
        "figures",
        help="figures of a results directory (log-likelihood vs entropy production, ...)",
        description=(
            f"Read the records of RESULTS_DIR and write {len(SWEEP_FIGURES)} PNG figures: "
            + "; ".join(f"{name}.png ({what})" for name, what in SWEEP_FIGURES.items())
            + ". Runs that differ in a setting other than the seed (a budget, a learning "
            "rate, a tie penalty) are shown as separate groups, never averaged together."
        ),
    )
    f.add_argument("results", type=Path, help="results directory of `nelc-edu sweep`")
    f.add_argument("--out", type=Path, default=None, help="output directory (default: "
                   "RESULTS_DIR/figures)")
    f.add_argument("--dpi", type=int, default=120)
    f.set_defaults(func=_cmd_figures)


def _grid_from_args(args: argparse.Namespace) -> sweeps.SweepGrid:
    overrides = _parse_set(args.set)
    if args.updates is not None:
        overrides["n_updates"] = args.updates
    latents = _flatten(args.latent, parse_int_list) or [10]
    lrs = _flatten(args.learning_rate, parse_float_list) or None
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    lams = _flatten(args.tie_penalty, parse_float_list) or None
    terms = [t.strip() for v in args.stationary_term or [] for t in v.split(",")
             if t.strip()] or None
    return sweeps.SweepGrid(dataset=args.dataset, seeds=parse_int_list(args.seeds),
                            latents=latents, learning_rates=lrs, kinds=kinds,
                            overrides=overrides, tie_penalties=lams, stationary_terms=terms)


def _describe_grid(grid: sweeps.SweepGrid, out: Path) -> str:
    options = ""
    if grid.tie_penalties:
        options += f"; tie penalties {list(grid.tie_penalties)}"
    if grid.stationary_terms:
        options += f"; stationary terms {list(grid.stationary_terms)}"
    return (f"sweep: {len(grid)} runs ({grid.dataset}; seeds {list(grid.seeds)}; K "
            f"{list(grid.latents)}; kinds {list(grid.kinds)}{options}) -> {out}")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .._files import check_output_dir

    grid = _grid_from_args(args)
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1; got {args.workers}.")
    out = check_output_dir(args.out, "--out")  # before any connection or training
    client = None
    executor: Executor | str | None = None
    if args.scheduler:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise ValueError("--scheduler needs Dask: pip install 'nelc-edu[dask]'.") from exc
        client = Client(args.scheduler)
        executor = client.get_executor()
    elif args.serial:
        executor = "serial"
    print(_describe_grid(grid, out), flush=True)
    try:
        report = sweeps.run_sweep(grid, out, executor, max_workers=args.workers,
                                  save_params=not args.no_params,
                                  progress=lambda line: print(line, flush=True),
                                  raise_on_error=False)
    finally:
        if client is not None:
            client.close()
    print(report)
    _print_summary(out, report)
    return 1 if report.failed else 0


def _print_summary(out: Path, report) -> None:
    scan = sweeps.scan_results(out)
    if scan.skipped:
        print(f"note: {scan.note()}.")
    ids = set(report.run_ids)
    records = [r for r in scan.records if r["run_id"] in ids]
    if records:
        print()
        print(sweeps.format_summary(records))


def _cmd_figures(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .._files import check_output_dir
    from ..plotting.sweeps import save_sweep_figures

    scan = sweeps.scan_results(args.results)
    if scan.skipped:
        print(f"note: {scan.note()}.")
    if not scan.records:
        raise ValueError(f"no finished records in {args.results}.")
    out = check_output_dir(args.out or (args.results / "figures"), "--out")
    varying = sweeps.varying_settings(scan.records)
    if varying:
        print(f"note: the runs differ in {', '.join(varying)} (besides kind and seed): the "
              "figures show each setting as its own group (marker shape), never averaged "
              "together.")
    paths = save_sweep_figures(scan.records, out, dpi=args.dpi)
    for p in paths:
        print(f"wrote {p}")
    return 0
