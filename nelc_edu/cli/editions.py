"""``nelc-edu make-student-edition`` and ``make-instructor-edition`` (:mod:`nelc_edu.editions`)."""

from __future__ import annotations

import argparse

from .. import editions

__all__: list[str] = []  # a subcommand of `nelc-edu` (nelc_edu.cli.main), not an API


def _cmd(make):
    def run(args: argparse.Namespace) -> int:
        written = make(args.source, args.out_dir, overwrite=args.force)
        n = len(written)
        print(f"wrote {n} notebook{'' if n == 1 else 's'} to {args.out_dir}")
        return 0

    return run


def add_editions_parser(subparsers) -> None:
    """Add ``make-student-edition`` and ``make-instructor-edition`` to the ``nelc-edu`` CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned. Each subcommand stores its handler
        in ``args.func`` (call ``args.func(args)``; it returns an exit code).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="nelc-edu")
    >>> add_editions_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["make-student-edition", "out", "--source", "nbs"])
    >>> args.out_dir, args.source, args.force
    ('out', 'nbs', False)
    """
    for name, make, what in [
        ("make-student-edition", editions.make_student_edition,
         "solutions replaced by runnable scaffolds (the solution's shape, with ...)"),
        ("make-instructor-edition", editions.make_instructor_edition,
         "solutions kept (outputs cleared)"),
    ]:
        p = subparsers.add_parser(
            name,
            help=f"write the notebooks with {what}",
            description=f"Write every notebook of --source into OUT_DIR with {what}. "
            "See docs/lecturer-guide.md for the exercise convention.",
        )
        p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write (created if needed)")
        p.add_argument("--source", default="notebooks",
                       help="folder with the course notebooks (default: %(default)s)")
        p.add_argument("--force", action="store_true",
                       help="write into OUT_DIR even if it is not empty (its notebooks are "
                       "replaced; links to the source are refused)")
        p.set_defaults(func=_cmd(make))
