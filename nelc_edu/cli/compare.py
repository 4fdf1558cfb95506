"""``nelc-edu compare``: the equal-budget comparison of the README's main job.

The work is :func:`nelc_edu.experiments.run` (one per model kind) and the figure
:func:`nelc_edu.plotting.training.plot_comparison`; this module parses the arguments,
checks every output path before any training, and writes the files.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import time
from pathlib import Path
from typing import Any

from .. import experiments

__all__: list[str] = []  # a subcommand of `nelc-edu` (nelc_edu.cli.main), not an API


def add_compare_parser(sub) -> None:
    """Add ``compare`` to the subcommands ``sub`` of the ``nelc-edu`` parser."""
    from ..models.pcd import STATIONARY_TERMS

    p = sub.add_parser(
        "compare",
        help="train the two-matrix model and the one-hot RBM at equal budget and compare",
        description=(
            "Train the two-matrix (nonequilibrium) model and the one-hot RBM with persistent "
            "chains (PCD) at equal budget, plus the exact-gradient one-hot RBM as a control; "
            "print a table, write JSON and a figure."
        ),
    )
    p.add_argument("--dataset", choices=experiments.DATASETS, default="digits")
    p.add_argument("--latent", "-K", type=int, default=10, help="number of latent states K")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--updates", type=int, default=None, help="RMSprop updates per model")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--tie-penalty", type=float, default=0.0, metavar="LAMBDA",
                   help="two-matrix model only: the reversibility dial lambda >= 0, a penalty "
                        "(lambda/2) sum (U - W^T)^2 (default 0: the free model; the RBMs are "
                        "unaffected)")
    p.add_argument("--stationary-term", choices=STATIONARY_TERMS, default="exact",
                   help="two-matrix model only: the gradient's stationary term, exact "
                        "(h = Z rho/pi) or one_step (the truncated h = rho/pi - 1)")
    p.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    p.add_argument("--figure", type=Path, default=None,
                   help="write the comparison figure here (default: next to --json, or "
                        "compare.png; a name without a suffix gets .png)")
    p.add_argument("--all-currents", action="store_true",
                   help="draw every net current above the threshold in the latent graphs "
                        "(default: the strongest ones and the dominant cycle)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.set_defaults(func=_cmd_compare)


def _compare_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings of the three runs of ``nelc-edu compare`` (all validated before training).

    The tie penalty and the stationary term go to the two-matrix model only: the RBMs have
    neither, and train as in :func:`nelc_edu.experiments.compare`.
    """
    overrides = {}
    if args.updates is not None:
        overrides["n_updates"] = args.updates
    if args.learning_rate is not None:
        overrides["learning_rate"] = args.learning_rate
    if not (math.isfinite(args.tie_penalty) and args.tie_penalty >= 0):
        raise ValueError(f"--tie-penalty must be a number >= 0; got {args.tie_penalty}.")
    params = experiments.default_settings(args.dataset, **overrides)
    two_matrix = {"tie_penalty": args.tie_penalty, "stationary_term": args.stationary_term}
    return {kind: experiments.RunSettings(
                kind=kind, dataset=args.dataset, K=args.latent, seed=args.seed, **params,
                **(two_matrix if kind == "two_matrix" else {}))
            for kind in experiments.KINDS}


def _figure_path(args: argparse.Namespace) -> Path:
    """Where the figure goes: checked before training; a missing suffix becomes ``.png``."""
    from matplotlib.backend_bases import FigureCanvasBase

    from .._files import check_output_file

    path = args.figure or (args.json.with_suffix(".png") if args.json else Path("compare.png"))
    if path.is_dir():
        raise ValueError(f"--figure {path} is a directory: give a file name inside it, e.g. "
                         f"{path / 'compare.png'}.")
    if not path.suffix:
        path = path.with_name(path.name + ".png")
    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise ValueError(f"--figure {path}: matplotlib cannot write {path.suffix!r} files; use "
                         f"one of {', '.join('.' + f for f in sorted(formats))}.")
    return check_output_file(path, "--figure")


def _json_payload(results: dict, t0: float) -> dict[str, Any]:
    """What ``--json`` writes: each run's summary, and the settings they share."""
    payload: dict[str, Any] = {kind: res.summary() for kind, res in results.items()}
    payload["settings"] = {
        **{k: v for k, v in results["two_matrix"].settings.to_dict().items()
           if k not in ("kind", "training")},
        "two_matrix_only": ["tie_penalty", "stationary_term"],
        "labeller_heldout_accuracy": results["two_matrix"].labeller_heldout_accuracy,
        "trained": {kind: experiments.KIND_LABELS[kind] for kind in results},
        "wall_time_s": round(time.perf_counter() - t0, 2),
    }
    return payload


def _write_figure(results: dict, path: Path, all_currents: bool) -> None:
    import matplotlib.pyplot as plt

    from .._files import atomic_write_bytes
    from ..plotting.training import plot_comparison

    fig = plot_comparison(results, all_currents=all_currents)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=120, format=path.suffix[1:].lower())
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def _cmd_compare(args: argparse.Namespace) -> int:
    from .._files import atomic_write_bytes, check_output_file

    settings = _compare_settings(args)
    # every output path is checked before any training
    json_path = check_output_file(args.json, "--json") if args.json is not None else None
    fig_path = _figure_path(args)
    t0 = time.perf_counter()
    results = {kind: experiments.run(s, progress=not args.no_progress)
               for kind, s in settings.items()}
    print(experiments.format_table(results))
    tm = settings["two_matrix"]
    if tm.tie_penalty > 0 or tm.stationary_term != "exact":
        print(f"The two-matrix model was trained with tie penalty lambda = {tm.tie_penalty:g} "
              f"and the {tm.stationary_term!r} stationary term (the RBMs have neither).")
    if json_path is not None:
        payload = _json_payload(results, t0)
        atomic_write_bytes(json_path, json.dumps(payload, indent=2).encode())
        print(f"wrote {json_path}")
    _write_figure(results, fig_path, args.all_currents)
    print(f"wrote {fig_path}")
    return 0
