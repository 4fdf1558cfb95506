"""The lecturer guide's timing table is the one `scripts/time_notebooks.py` wrote, for every
notebook, and the measured times are within the course's budgets."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "time_notebooks.py"


@pytest.fixture(scope="module")
def timing():
    spec = importlib.util.spec_from_file_location("time_notebooks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def times(timing):
    assert timing.TIMES.exists(), "run `python scripts/time_notebooks.py` to measure the notebooks"
    return json.loads(timing.TIMES.read_text())


def test_guide_table_is_the_measured_one(timing, times):
    guide = timing.GUIDE.read_text()
    block = guide.split(timing.START, 1)[1].split(timing.END, 1)[0]
    assert block.strip() == timing.table(times).strip(), (
        "the guide's table differs from docs/notebook-times.json: run "
        "`python scripts/time_notebooks.py --table-only`")


def test_every_notebook_is_measured_within_budget(timing, times):
    stems = {p.stem for p in timing.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert stems == set(times["notebooks"]), "time the new notebooks: scripts/time_notebooks.py"
    for stem, t in times["notebooks"].items():
        assert t["fast_s"] < 30, f"{stem}: fast mode {t['fast_s']} s (budget 30 s)"
        assert t["full_s"] < 180, f"{stem}: full mode {t['full_s']} s (budget 3 min)"


def test_table_states_each_notebooks_own_class_time(timing, times):
    table = timing.table(times)
    for nb_path in sorted(timing.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert f"| {timing.class_time(nb_path)} |" in table
