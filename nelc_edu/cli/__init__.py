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
sweep / figures
    Train a resumable grid of runs; draw the figures of a results directory.
build-site / add-launch-cells
    Build the course website; refresh the Binder/Colab cells of the notebooks.

Every argument parser lives here, one module per subcommand (:mod:`.compare`, :mod:`.sweep`,
:mod:`.editions`, :mod:`.site`); they call into the library, never the reverse.

No traceback reaches a user: bad input and file-system errors are one line on stderr and exit
status 2; Ctrl-C is one line and status 130 (a sweep first saves every finished run; SIGTERM
gives 143).
"""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["main"]


def _cmd_warmup(args: argparse.Namespace) -> int:
    from .._warmup import warmup

    t0 = time.perf_counter()
    names = warmup()
    if not names:
        print("Numba is not installed: the NumPy backend has nothing to compile.")
        return 0
    print(f"compiled {len(names)} kernel entry points in {time.perf_counter() - t0:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``nelc-edu`` parser: one subcommand module each (compare, sweep, editions, site)."""
    from .compare import add_compare_parser
    from .editions import add_editions_parser
    from .site import add_site_parser
    from .sweep import add_sweep_parsers

    parser = argparse.ArgumentParser(
        prog="nelc-edu",
        description="Nonequilibrium latent cycles (Baiesi & Rosso, arXiv:2512.11415): "
        "course tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_compare_parser(sub)
    p = sub.add_parser("warmup", help="compile and cache every Numba kernel")
    p.set_defaults(func=_cmd_warmup)
    add_editions_parser(sub)
    add_site_parser(sub)
    add_sweep_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``nelc-edu``: one line and an exit status instead of a traceback.

    Exit status: 0 done; 1 some runs of a sweep failed; 2 bad input, a diverged training or
    a file-system error (the line names the path); 130 Ctrl-C; 128 + n another signal n
    that stopped a sweep (143 for SIGTERM).
    """
    from .._files import describe_os_error

    prog = "nelc-edu"
    try:
        args = build_parser().parse_args(argv)
        prog = f"nelc-edu {args.command}"
        return int(args.func(args) or 0)
    except KeyboardInterrupt as exc:  # Ctrl-C; a stopped sweep says what it kept
        print(f"{prog}: {str(exc) or 'interrupted'}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 130))
    except (ValueError, FloatingPointError) as exc:  # bad input, a diverged run
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # permission, not a directory, disk full, ...
        print(f"{prog}: error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        if not _caused_by_interrupt(exc):
            raise
        # Ctrl-C while a Numba kernel runs surfaces as "SystemError: CPUDispatcher(...)
        # returned a result with an exception set", with the KeyboardInterrupt as context
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def _caused_by_interrupt(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
