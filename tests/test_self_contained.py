"""The repository never points outside itself: no file it does not contain is referenced.

The course has its own theory page (``docs/theory.md``); docstrings, notebooks, docs,
scripts and tests cite it by section. A reference to a file that is not in the repository
(a development brief, a path on one machine) is a dead end for a student, so it fails here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Names of files outside the repository, and absolute paths of one machine.
OUTSIDE = re.compile(r"MODEL\.md|RECIPES\.md|\.\./shared\b|/work/(?:main|shared|wt-)")
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".txt", ".cfg", ".yml", ".yaml", ".rst", ""}


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        skip = {".git", ".venv", "build", "dist", "artifacts", "__pycache__"}
        return [p for p in REPO.rglob("*") if p.is_file()
                and not skip & set(p.relative_to(REPO).parts)]
    return [REPO / f for f in out]


def test_no_reference_to_files_outside_the_repository():
    hits = []
    for path in _tracked_files():
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        if path == Path(__file__):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{path.relative_to(REPO)}:{n}: {line.strip()[:100]}")
    assert not hits, ("references to files outside the repository (cite docs/theory.md "
                      "by section instead):\n" + "\n".join(hits))


# Built from pieces, so that this file does not itself point outside the repository.
@pytest.mark.parametrize("line", ["see " + "MODEL" + ".md section 2",
                                  "../" + "shared/" + "RECIPES" + ".md",
                                  "/work/main/README.md"])
def test_the_pattern_catches_outside_references(line):
    assert OUTSIDE.search(line)
