"""The API page (docs/api.md) lists exactly what the rooms export, one room per section."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
API = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
#: Rooms whose whole ``__all__`` the page lists (models: its own modules are the reference
#: while the kernels branch rewrites them).
ROOMS = ["markov", "datasets", "training", "experiments", "classify", "untying",
         "finite_differences", "exact_training", "gradient_fidelity", "dial", "sweeps", "io",
         "plotting", "widgets"]


def _section(room: str) -> str:
    m = re.search(rf"^## `nelc_edu\.{room}`.*?$(.*?)(?=^## |\Z)", API, re.S | re.M)
    assert m, f"docs/api.md has no section for nelc_edu.{room}"
    return m.group(1)


def _names(text: str) -> set[str]:
    """Identifiers written in backticks, also as the head of a call (`f(x)`)."""
    return {m.group(1) for m in re.finditer(r"`([A-Za-z_][A-Za-z0-9_]*)", text)}


@pytest.mark.parametrize("room", ROOMS)
def test_every_exported_name_is_on_the_api_page(room):
    module = importlib.import_module(f"nelc_edu.{room}")
    missing = sorted(set(module.__all__) - _names(_section(room)))
    assert missing == [], f"nelc_edu.{room} exports {missing}, which docs/api.md does not list"


@pytest.mark.parametrize("room", ROOMS)
def test_the_api_page_lists_only_exported_names(room):
    module = importlib.import_module(f"nelc_edu.{room}")
    listed = {n for n in _names(_section(room)) if hasattr(module, n)}
    extra = sorted(n for n in listed if n not in module.__all__)
    assert extra == [], f"docs/api.md lists {extra} under nelc_edu.{room}, not exported there"


def test_front_door_names_are_exported():
    import nelc_edu

    front = _names(re.search(r"^## `nelc_edu`:(.*?)(?=^## )", API, re.S | re.M).group(1))
    front -= {"nelc_edu", "NELC_FAST", "import"}
    assert front <= set(nelc_edu.__all__) | {"markov"}, sorted(front - set(nelc_edu.__all__))


def test_docstrings_have_no_stray_substitutions():
    """``|J|`` outside double backquotes is a reStructuredText substitution: the API pages
    of the site would show a broken link (it happened)."""
    pattern = re.compile(r"(?<![\w|])\|[A-Za-z_][\w.]*\|(?![\w|])")
    found = []
    for path in sorted((REPO / "nelc_edu").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        # blank out ``literals`` (they may span lines) but keep the line numbers
        text = re.sub(r"``.*?``", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
        for m in pattern.finditer(text):
            found.append(f"{path.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}")
    assert not found, "write these as ``|x|``: " + ", ".join(found)
