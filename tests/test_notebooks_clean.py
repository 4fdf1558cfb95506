"""Notebooks are committed clean and follow the course conventions (see CONTRIBUTING.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_cleared(path):
    nb = _load(path)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs", []) == [], f"{path.name} cell {i} has outputs: clear them"
        assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name} stores widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_course_conventions(path):
    nb = _load(path)
    cells = nb["cells"]
    header = _source(cells[0])
    assert cells[0]["cell_type"] == "markdown" and header.lstrip().startswith("# "), "title first"
    assert re.search(r"objectives", header, re.I), f"{path.name}: header lacks objectives"
    assert "lecturer-guide.md" in header, f"{path.name}: header must link the lecturer guide"
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    assert "widgets." in code, f"{path.name}: needs at least one widget from nelc_edu.widgets"
    exercises = [c for c in cells if c["cell_type"] == "markdown"
                 and re.search(r"^### Exercise \d+\.\d+", _source(c), re.M)]
    solutions = [c for c in cells if "solution" in c.get("metadata", {}).get("tags", [])]
    assert exercises, f"{path.name}: needs at least one exercise"
    assert len(solutions) >= len(exercises), f"{path.name}: every exercise needs a solution cell"
    for cell in solutions:
        assert _source(cell).startswith("# Solution to Exercise"), (
            f"{path.name}: solution cells start with '# Solution to Exercise N.M'"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_later_cells_do_not_use_solution_names(path):
    """The story continues through library calls, never through an exercise's answer."""
    nb = _load(path)
    defined: dict[str, int] = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = _source(cell)
        if "solution" in cell.get("metadata", {}).get("tags", []):
            for name in re.findall(r"^([A-Za-z_]\w*)\s*=", src, re.M):
                defined[name] = i
            continue
        for name, j in defined.items():
            if re.search(rf"\b{re.escape(name)}\b", src) and not re.search(
                rf"^{re.escape(name)}\s*=", src, re.M
            ):
                pytest.fail(f"{path.name} cell {i} uses {name!r} defined in solution cell {j}")
