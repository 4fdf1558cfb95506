"""No two modules of the package import each other, not even inside a function.

The graph is built statically (``ast``, nothing is imported) by ``scripts/library_map.py``:
an edge for every ``import`` statement anywhere in a module, at the top or inside a function
(only ``if TYPE_CHECKING:`` blocks are left out); an edge to a package is an edge to its
``__init__``. A cycle is a group of modules that reach each other along these edges.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _library_map():
    spec = importlib.util.spec_from_file_location("library_map", REPO / "scripts" /
                                                  "library_map.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("library_map", module)
    spec.loader.exec_module(module)
    return module


LM = _library_map()
MODELS = "nelc_edu.models."


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_graph_sees_imports_inside_functions_and_relative_imports(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from . import b\n",
        "pkg/b.py": "def f():\n    from .sub.c import g\n    return g\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "import pkg.a\n",
        "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n",
        "pkg/e.py": "from .a import something_in_a\nfrom .. import outside\n",
    })
    graph = LM.import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}, "an import inside a function is an edge"
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert graph["pkg.d"] == set(), "TYPE_CHECKING imports are not edges"
    assert graph["pkg.e"] == {"pkg.a"}, "a name of a module is an edge to that module"
    assert LM.import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_no_import_cycles_outside_the_models():
    cycles = LM.import_cycles(LM.import_graph(REPO, "nelc_edu"))
    outside = [c for c in cycles if not all(m.startswith(MODELS) for m in c)]
    assert outside == [], (
        "modules that import each other (directly or through others): "
        + "; ".join(" <-> ".join(c) for c in outside)
        + ". Move what both need into a third module, or the caller's import into the caller."
    )


def test_no_import_cycles_in_the_models():
    cycles = LM.import_cycles(LM.import_graph(REPO, "nelc_edu"))
    assert [c for c in cycles if all(m.startswith(MODELS) for m in c)] == []


def test_no_star_imports():
    assert LM.star_imports(REPO, "nelc_edu") == []


def test_parsers_live_with_the_command_line():
    """argparse is imported by nelc_edu.cli only: the library never builds a parser."""
    users = []
    for mod, path in LM.module_files(REPO, "nelc_edu").items():
        if mod == "nelc_edu.cli" or mod.startswith("nelc_edu.cli."):
            continue
        if "argparse" in path.read_text(encoding="utf-8"):
            users.append(mod)
    assert users == []
