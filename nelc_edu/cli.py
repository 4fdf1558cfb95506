"""The ``nelc-edu`` command line.

Subcommands
-----------
compare
    Train the two-matrix model and the one-hot RBM at equal budget and compare them
    (the README's main job).
warmup
    Compile (and cache) every Numba kernel once, e.g. while a Binder image builds.
make-student-edition / make-instructor-edition
    Write the notebooks with exercise solutions replaced by stubs (or kept).
"""

from __future__ import annotations

import argparse
import sys
import time


def _cmd_warmup(args: argparse.Namespace) -> int:
    from ._warmup import warmup

    t0 = time.perf_counter()
    names = warmup()
    print(f"compiled {len(names)} kernel entry points in {time.perf_counter() - t0:.1f} s")
    return 0


def _add_compare_parser(sub) -> None:
    from .experiments import add_compare_arguments

    p = sub.add_parser(
        "compare",
        help="train the two-matrix model and the one-hot RBM at equal budget and compare",
        description=(
            "Train the two-matrix (nonequilibrium) model and the one-hot RBM with persistent "
            "chains (PCD) at equal budget, plus the exact-gradient one-hot RBM as a control; "
            "print a table, write JSON and a figure."
        ),
    )
    add_compare_arguments(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nelc-edu",
        description="Nonequilibrium latent cycles (Baiesi & Rosso, arXiv:2512.11415): "
        "course tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_compare_parser(sub)
    p = sub.add_parser("warmup", help="compile and cache every Numba kernel")
    p.set_defaults(func=_cmd_warmup)
    try:
        from .editions import add_editions_parser
    except ImportError:  # pragma: no cover - editions module optional during development
        pass
    else:
        add_editions_parser(sub)
    from .site import add_site_parser

    add_site_parser(sub)
    try:
        from .sweeps import add_sweep_parsers
    except ImportError:  # pragma: no cover
        pass
    else:
        add_sweep_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``nelc-edu``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # bad input: one clear line, no traceback
        print(f"nelc-edu {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
