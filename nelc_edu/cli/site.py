"""``nelc-edu build-site`` and ``add-launch-cells`` (:mod:`nelc_edu.site`)."""

from __future__ import annotations

import argparse
import sys
import time

__all__: list[str] = []  # a subcommand of `nelc-edu` (nelc_edu.cli.main), not an API


def _cmd_build_site(args: argparse.Namespace) -> int:
    from ..site.build import build_site

    t0 = time.perf_counter()
    try:
        report = build_site(args.out_dir, repo_root=args.repo_root, fast=args.fast,
                            jobs=args.jobs, log=print)
    except RuntimeError as exc:  # a failed notebook or Sphinx run: one line, exit code 2
        raise ValueError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"nelc-edu build-site: interrupted; {args.out_dir} was left as it was",
              file=sys.stderr)
        return 130
    for warning in report.warnings[:5]:
        print(f"  Sphinx: {warning}")
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in report.timings.items())
    print(f"wrote {report.pages} pages to {args.out_dir} in {time.perf_counter() - t0:.0f} s "
          f"({steps}); {len(report.warnings)} Sphinx warnings. Open "
          f"{args.out_dir}/index.html in a browser.")
    return 0


def _cmd_add_launch_cells(args: argparse.Namespace) -> int:
    from ..site.launch import add_launch_cells, repository_url

    url = repository_url(args.folder)
    changed = add_launch_cells(args.folder, url)
    print(f"updated {len(changed)} notebook{'' if len(changed) == 1 else 's'} in "
          f"{args.folder} (links to {url})")
    return 0


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, got {value}")
    return value


def add_site_parser(subparsers) -> None:
    """Add ``build-site`` and ``add-launch-cells`` to the ``nelc-edu`` command line.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="nelc-edu")
    >>> add_site_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["build-site", "_site", "--fast", "--jobs", "2"])
    >>> args.out_dir, args.fast, args.jobs, args.repo_root
    ('_site', True, 2, '.')
    """
    p = subparsers.add_parser(
        "build-site",
        help="build the course website (offline; notebooks executed at full budgets)",
        description="Build a static website of the course into OUT_DIR: every notebook "
        "executed (in parallel, one kernel per core) with its figures, the docs pages, an "
        "API reference, offline math and search, and launch buttons that open the student "
        "edition on Binder or Colab. Needs the site tools: pip install \".[site]\".",
    )
    p.add_argument("out_dir", metavar="OUT_DIR",
                   help="folder to write (a site built earlier there is replaced)")
    p.add_argument("--repo-root", default=".",
                   help="the repository to build from (default: %(default)s)")
    p.add_argument("--fast", action="store_true",
                   help="execute at the fast budgets (NELC_FAST=1), for a quick preview")
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="notebooks executed at once (default: one per core)")
    p.set_defaults(func=_cmd_build_site)

    q = subparsers.add_parser(
        "add-launch-cells",
        help="insert or refresh the badge and Colab set-up cells of every notebook",
        description="Insert (or update) in every notebook of FOLDER, after its title cell, "
        "the Binder/Colab badge cell and the Colab set-up cell, derived from "
        "[project.urls] Repository in pyproject.toml.",
    )
    q.add_argument("folder", nargs="?", default="notebooks",
                   help="folder of notebooks (default: %(default)s)")
    q.set_defaults(func=_cmd_add_launch_cells)
