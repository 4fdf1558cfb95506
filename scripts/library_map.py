"""Measure the library: lines, modules, public names, import cycles, long functions.

Static (``ast``, nothing is imported), so it runs on any checkout in a second::

    python scripts/library_map.py              # the numbers
    python scripts/library_map.py --long 60    # and every function longer than 60 lines
    python scripts/library_map.py --json       # machine-readable

Definitions (the numbers of ``benchmarks/README.md``, "Rooms"):

* **library lines**: every line of every ``.py`` file under ``nelc_edu/``;
* **modules**: those ``.py`` files;
* **public names**: module-level functions, classes and constants *defined* in a public
  module (no part of its dotted name starts with ``_``) that the module exports: listed in
  its ``__all__`` if it has one, otherwise not starting with ``_``; a name re-exported by a
  package ``__init__`` is counted once, where it is defined;
* **import cycles**: strongly connected groups of modules in the graph of every ``import``
  statement, at module level or inside functions (only ``if TYPE_CHECKING:`` blocks are
  left out); an edge to a package is an edge to its ``__init__``;
* **function length**: lines from ``def`` to the last line of the body, docstring included;
  ``code`` counts only the statements (from the first one after the docstring to the end).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "nelc_edu"


def module_files(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (anywhere in its code)."""
    files = module_files(root, package)
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_pkg = path.name == "__init__.py"
        for node in _import_nodes(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(mod, is_pkg, node)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in files else base)
            for t in targets:
                while t and t not in files:  # an attribute of a module: the module
                    t = t.rpartition(".")[0]
                if t and t != mod:
                    graph[mod].add(t)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def _is_public(module: str) -> bool:
    return not any(part.startswith("_") for part in module.split("."))


def _defined_names(tree: ast.Module) -> tuple[set[str], list[str] | None]:
    defined: set[str] = set()
    exported = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    if t.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                        # string entries only: a starred re-export is counted where defined
                        exported = [e.value for e in node.value.elts
                                    if isinstance(e, ast.Constant)]
                    defined.add(t.id)
    return defined, exported


def public_names(root: Path = ROOT, package: str = PACKAGE) -> dict[str, list[str]]:
    """Public module -> the public names it defines (see the module docstring)."""
    out = {}
    for mod, path in module_files(root, package).items():
        if not _is_public(mod):
            continue
        defined, exported = _defined_names(ast.parse(path.read_text(encoding="utf-8")))
        if exported is not None:
            names = [n for n in exported if n in defined and not n.startswith("__")]
        else:
            names = sorted(n for n in defined if not n.startswith("_"))
        out[mod] = names
    return out


def star_imports(root: Path = ROOT, package: str = PACKAGE) -> list[str]:
    """Modules that contain ``from x import *``."""
    out = []
    for mod, path in module_files(root, package).items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
               for n in ast.walk(tree)):
            out.append(mod)
    return out


def function_lengths(root: Path = ROOT, package: str = PACKAGE) -> list[dict]:
    """Every function and method: module, qualified name, total and body lines."""
    out = []
    for mod, path in module_files(root, package).items():
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node, prefix, mod=mod):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = f"{prefix}{child.name}"
                    first = child.body[0]
                    has_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                               and isinstance(first.value.value, str))
                    statements = child.body[1:] if has_doc else child.body
                    start = statements[0].lineno if statements else child.end_lineno
                    total = child.end_lineno - child.lineno + 1
                    n_args = len(child.args.args) + len(child.args.kwonlyargs)
                    out.append({"module": mod, "name": name, "lines": total,
                                "code": child.end_lineno - start + 1, "args": n_args})
                    visit(child, name + ".")
                elif isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
        visit(tree, "")
    return out


def measure(root: Path = ROOT) -> dict:
    files = module_files(root)
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files.values())
    names = public_names(root)
    cycles = import_cycles(import_graph(root))
    return {
        "library_lines": lines,
        "modules": len(files),
        "public_modules": len(names),
        "public_names": sum(len(v) for v in names.values()),
        "import_cycles": cycles,
        "star_imports": star_imports(root),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to measure")
    parser.add_argument("--long", type=int, default=None, metavar="N",
                        help="also list functions with more than N lines of code "
                             "(statements, without signature and docstring)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.root)
    if args.long is not None:
        result["long_functions"] = sorted(
            (f for f in function_lengths(args.root) if f["code"] > args.long),
            key=lambda f: -f["code"])
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"library lines   {result['library_lines']}")
    print(f"modules         {result['modules']} ({result['public_modules']} public)")
    print(f"public names    {result['public_names']}")
    print(f"import cycles   {len(result['import_cycles'])}")
    for cyc in result["import_cycles"]:
        print("   ", " <-> ".join(cyc))
    print(f"star imports    {len(result['star_imports'])}: {', '.join(result['star_imports'])}")
    for f in result.get("long_functions", []):
        print(f"  {f['code']:4d} code / {f['lines']:4d} lines  {f['args']:2d} args  "
              f"{f['module']}.{f['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
