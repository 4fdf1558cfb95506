"""Package-level contracts: lazy imports, doctests, where the package is imported from."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nelc_edu

REPO = Path(__file__).resolve().parents[1]


def test_import_is_lazy():
    """`import nelc_edu` must not import the heavy libraries (import time stays small)."""
    code = (
        "import sys, nelc_edu; "
        "heavy = [m for m in ('numba', 'matplotlib', 'networkx', 'ipywidgets', 'scipy') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import nelc_edu pulled in: {out.stdout.strip()}"


def test_unknown_attribute_is_a_clear_error():
    with pytest.raises(AttributeError, match="no attribute"):
        nelc_edu.does_not_exist  # noqa: B018


def _modules():
    names = []
    for info in pkgutil.walk_packages(nelc_edu.__path__, prefix="nelc_edu."):
        if info.name.endswith(("_kernels", "_numba")) or ".cli" in info.name:  # needs numba
            continue
        names.append(info.name)
    return ["nelc_edu", *sorted(names)]


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, monkeypatch):
    """Every numpydoc Examples section is a doctest that passes."""
    monkeypatch.setenv("NELC_FAST", "1")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only meaningful in CI")
def test_ci_tests_the_installed_wheel():
    """CI installs non-editable: the package (and its data) must come from site-packages."""
    path = Path(nelc_edu.__file__).resolve()
    # The venv may live inside the checkout (.venv/), so test for the source package itself.
    assert path.parent != (REPO / "nelc_edu").resolve(), (
        f"nelc_edu imported from the source tree: {path}"
    )
    assert "site-packages" in path.parts, f"nelc_edu not imported from an installed wheel: {path}"


@pytest.mark.parametrize("name", sorted(nelc_edu._LAZY_ATTRS))
def test_lazy_exports_resolve(name):
    assert getattr(nelc_edu, name) is not None


def test_advertised_submodules_exist():
    for name in nelc_edu._SUBMODULES:
        if name == "sweeps" and importlib.util.find_spec("nelc_edu.sweeps") is None:
            continue  # being written
        importlib.import_module(f"nelc_edu.{name}")


def test_claims_print_check_or_say_what_is_not_shown(capsys, monkeypatch):
    from nelc_edu.claims import ClaimNotShown, claim

    monkeypatch.setenv("NELC_STRICT_CLAIMS", "0")
    monkeypatch.setenv("NELC_FAST", "0")
    assert claim("it holds", 1 > 0) is True
    assert claim("it fails", False, too_small="tiny budget") is False
    out = capsys.readouterr().out
    assert "✓ it holds" in out and "✗ not shown by this run: it fails" in out
    monkeypatch.setenv("NELC_FAST", "1")
    assert claim("it fails", False, too_small="tiny budget") is False
    assert "Fast mode: tiny budget (the full run shows that it fails)." in capsys.readouterr().out
    monkeypatch.setenv("NELC_STRICT_CLAIMS", "1")
    claim("excused in fast mode", False, too_small="tiny budget")  # no raise
    import pytest

    with pytest.raises(ClaimNotShown, match="the notebook states that it fails"):
        claim("it fails", False)
