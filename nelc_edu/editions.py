"""Student and instructor editions of the course notebooks.

The exercise convention (see ``CONTRIBUTING.md`` and ``docs/lecturer-guide.md``):

* a markdown cell whose heading reads ``### Exercise N.M: title`` states the task;
* the solution is a later code cell tagged ``solution`` whose first line is
  ``# Solution to Exercise N.M``;
* markdown cells tagged ``solution`` (worked explanations) may accompany it.

The **student edition** replaces every solution code cell by a *scaffold* (tagged
``exercise-stub``): the solution's imports and function signatures are kept, every other line
becomes a ``...`` template of the solution's shape (``name = ...``, a commented loop header,
``# print(...)``), under a hint taken from the exercise text. A scaffold runs without error, so
``Run All`` goes through a student notebook. Markdown solution cells are dropped, and nbval
markers such as ``# NBVAL_CHECK_OUTPUT`` become the equivalent cell tags, so students never see
them. The **instructor edition** is the notebooks as they are. Both are written with outputs
cleared.

Self-checks: if a module ``nelc_edu.checks`` exists and its ``check`` function knows an
exercise (``checks.has_check("N.M")`` is true, or ``has_check`` is absent), the scaffold ends
with a commented call ``# checks.check("N.M", ...)`` that shows the student how to check an
answer (see :func:`self_check_line`). Nothing else depends on that module.

Writing is safe: no file is written before every notebook has been validated and every
output path checked; each file is written to a temporary file in the output folder and then
renamed into place, so an existing file is replaced, never written through; and no output
path may be, resolve to, or be a hard link of a file of the source folder (a folder of
symlinks to the course would otherwise overwrite it).

Command line (:mod:`nelc_edu.cli.editions`)::

    nelc-edu make-student-edition OUT_DIR [--source notebooks] [--force]
    nelc-edu make-instructor-edition OUT_DIR [--source notebooks] [--force]
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "make_student_edition",
    "make_instructor_edition",
    "student_notebook",
    "find_exercises",
]

SOLUTION_TAG = "solution"
STUB_TAG = "exercise-stub"
#: Tags of a stub that could not be scaffolded (its solution is not plain Python) and raises.
RAISING_STUB_TAGS = [STUB_TAG, "raises-exception"]
#: nbval comment markers and the cell tags that mean the same to nbval.
NBVAL_MARKERS = {
    "NBVAL_CHECK_OUTPUT": "nbval-check-output",
    "NBVAL_IGNORE_OUTPUT": "nbval-ignore-output",
    "NBVAL_SKIP": "nbval-skip",
    "NBVAL_RAISES_EXCEPTION": "raises-exception",
}
_MARKER_LINE = re.compile(r"^[ \t]*#[ \t]*(NBVAL_[A-Z_]+)[ \t]*$")
EXERCISE_HEADING = re.compile(r"^###\s+Exercise\s+(\d+\.\d+)\s*[:.]?\s*(.*?)\s*$", re.M)
SOLUTION_FIRST_LINE = re.compile(r"^#\s*Solution to Exercise\s+(\d+\.\d+)\b")
_HINT = re.compile(r"^\s*[*_]{0,2}Hint[*_]{0,2}\s*:\s*[*_]{0,2}\s*(.+)$", re.I | re.M)
_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook and where its cells are.

    Attributes
    ----------
    number : str
        The exercise number ``"N.M"``.
    title : str
        The title after the number in the heading.
    task : str
        The markdown text of the exercise cell (heading included).
    exercise_cell : int
        Index of the markdown cell that states the exercise.
    solution_cell : int
        Index of the code cell tagged ``solution``.
    """

    number: str
    title: str
    task: str
    exercise_cell: int
    solution_cell: int


def _nbformat():
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - nbformat comes with jupyterlab
        raise ImportError(
            "the editions need nbformat (installed with jupyterlab): pip install nbformat"
        ) from exc
    return nbformat


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def find_exercises(nb, name: str = "notebook") -> list[Exercise]:
    """List a notebook's exercises and check that each has exactly one solution cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode or dict
        The notebook (version 4).
    name : str
        The notebook's name, used in error messages.

    Returns
    -------
    list of Exercise
        In the order of the notebook.

    Raises
    ------
    ValueError
        If an exercise has no solution cell, a solution names no exercise of this notebook
        (or comes before it), two exercises share a number, a cell tagged ``solution`` does
        not start with ``# Solution to Exercise N.M``, or a code cell starting that way is not
        tagged ``solution`` (it would leak into the student edition).

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "metadata": {}, "source": "### Exercise 1.1: add\\nAdd."},
    ...     {"cell_type": "code", "metadata": {"tags": ["solution"]},
    ...      "source": "# Solution to Exercise 1.1\\n1 + 1", "outputs": []}]}
    >>> [(e.number, e.title, e.solution_cell) for e in find_exercises(nb)]
    [('1.1', 'add', 1)]
    """
    exercises: dict[str, tuple[str, str, int]] = {}
    solutions: dict[str, int] = {}
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            for m in EXERCISE_HEADING.finditer(src):
                number = m.group(1)
                if number in exercises:
                    raise ValueError(
                        f"{name}: Exercise {number} is stated twice (cells "
                        f"{exercises[number][2]} and {i}); give each exercise its own number."
                    )
                exercises[number] = (m.group(2), src, i)
            continue
        if cell["cell_type"] != "code":
            continue
        first = src.lstrip().splitlines()[0] if src.strip() else ""
        m = SOLUTION_FIRST_LINE.match(first)
        tagged = SOLUTION_TAG in _tags(cell)
        if tagged and not m:
            raise ValueError(
                f"{name}: cell {i} is tagged 'solution' but does not start with "
                f"'# Solution to Exercise N.M' (it starts with {first[:60]!r}); add that line."
            )
        if m and not tagged:
            raise ValueError(
                f"{name}: cell {i} is the solution to Exercise {m.group(1)} but is not tagged "
                "'solution'; tag it, or the student edition would show the answer."
            )
        if not m:
            continue
        number = m.group(1)
        if number not in exercises:
            raise ValueError(
                f"{name}: cell {i} is a solution to Exercise {number}, but no markdown cell "
                f"before it states '### Exercise {number}: ...'; add the exercise or fix the "
                "number."
            )
        if number in solutions:
            raise ValueError(
                f"{name}: Exercise {number} has two solution cells ({solutions[number]} and "
                f"{i}); merge them into one."
            )
        solutions[number] = i
    missing = [n for n in exercises if n not in solutions]
    if missing:
        raise ValueError(
            f"{name}: Exercise {', '.join(missing)} has no solution cell (a code cell tagged "
            f"'solution' starting with '# Solution to Exercise {missing[0]}'); add one."
        )
    return [
        Exercise(number, title, task, cell, solutions[number])
        for number, (title, task, cell) in exercises.items()
    ]


def _plain(text: str) -> str:
    """Markdown to one plain line: drop links and emphasis marks, keep code names and maths."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    parts = text.split("`")
    for k in range(0, len(parts), 2):  # outside code spans only
        parts[k] = re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", parts[k])
        parts[k] = re.sub(r"(?<!\w)_{1,2}([^_]+)_{1,2}(?!\w)", r"\1", parts[k])
    return " ".join("".join(parts).split())


def _hint_lines(exercise: Exercise) -> list[str]:
    body = EXERCISE_HEADING.sub("", exercise.task, count=1)
    m = _HINT.search(body)
    if m:
        hint = "Hint: " + _plain(m.group(1))
    else:
        names = re.findall(r"`((?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*)\(?\)?`", body)
        names = [n for n in dict.fromkeys(names) if "_" in n or "." in n][:4]
        hint = ("You may need: " + ", ".join(names)) if names else ""
    if not hint:
        return []
    return textwrap.wrap(hint, width=92, initial_indent="# ", subsequent_indent="#   ")[:3]


def _header(node: ast.stmt) -> str:
    """First line of a compound statement, without its body: ``for k in (1, 3):``."""
    if isinstance(node, (ast.For, ast.AsyncFor)):
        target = node.target
        names = (", ".join(ast.unparse(e) for e in target.elts)
                 if isinstance(target, ast.Tuple) else ast.unparse(target))
        header = f"for {names} in {ast.unparse(node.iter)}:"
        return header if len(header) <= 80 else f"for {names} in ...:"
    if isinstance(node, ast.While):
        return f"while {ast.unparse(node.test)}:"
    if isinstance(node, ast.If):
        return f"if {ast.unparse(node.test)}:"
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return f"with {', '.join(ast.unparse(i) for i in node.items)}:"
    return {ast.Try: "try:"}.get(type(node), type(node).__name__.lower() + ":")


def _call_shape(node: ast.expr) -> str:
    """``print("x", y)`` -> ``print(...)``, ``plt.show()`` stays; other expressions -> ``...``."""
    if isinstance(node, ast.Call):
        empty = not node.args and not node.keywords
        return f"{ast.unparse(node.func)}({'' if empty else '...'})"
    return "..."


def _target_template(target: ast.expr) -> str | None:
    """``x`` -> ``x = ...``; ``a, b`` -> ``a, b = ..., ...``; else None (not a plain name)."""
    if isinstance(target, ast.Name):
        return f"{target.id} = ..."
    if isinstance(target, (ast.Tuple, ast.List)) and target.elts and all(
        isinstance(e, ast.Name) for e in target.elts
    ):
        names = ", ".join(e.id for e in target.elts)
        return f"{names} = {', '.join(['...'] * len(target.elts))}"
    return None


def _scaffold_statement(node: ast.stmt) -> list[str]:
    """Template lines of one top-level statement of a solution (each line runs)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [ast.unparse(node)]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        body: list[ast.stmt] = []
        doc = ast.get_docstring(node, clean=False)
        if doc is not None:
            body.append(node.body[0])
        body.append(ast.Expr(ast.Constant(...)))
        shell = type(node)(**{**{f: getattr(node, f) for f in node._fields}, "body": body})
        lines = ast.unparse(ast.fix_missing_locations(shell)).splitlines()
        lines[-1] += "  # your code here"
        return ["", *lines, ""]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) == 1 and _target_template(targets[0]):
            return [_target_template(targets[0])]
        if all(isinstance(t, ast.Name) for t in targets):  # a = b = value
            return [" = ".join([t.id for t in targets] + ["..."])]
        return [f"# {' = '.join(ast.unparse(t) for t in targets)} = ..."]
    if isinstance(node, ast.AugAssign):
        return [f"# {ast.unparse(node.target)} {_AUG_OPS.get(type(node.op), '?')}= ..."]
    if isinstance(node, ast.Expr):
        return [f"# {_call_shape(node.value)}"]
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith,
                         ast.Try)):
        return [f"# {_header(node)}", "#     ..."]
    return [f"# {type(node).__name__.lower()} ..."]


_AUG_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
            ast.Mod: "%", ast.Pow: "**", ast.BitOr: "|", ast.BitAnd: "&", ast.MatMult: "@"}


def scaffold_lines(solution: str) -> list[str] | None:
    r"""A ``...`` template of a solution's shape, or None if it is not plain Python.

    Imports and function (or class) signatures are kept; assignments to names become
    ``name = ...``; calls become comments such as ``# print(...)``; loops and conditions
    become commented headers. Comments of the solution (they often hold the answer) and
    every literal value are dropped. Every line of the template runs.

    Parameters
    ----------
    solution : str
        The solution cell's code (its first line ``# Solution to Exercise N.M`` included).

    Returns
    -------
    list of str or None
        The template lines; None when the code does not parse (IPython magics, say).

    Examples
    --------
    >>> print("\n".join(scaffold_lines(
    ...     "# Solution to Exercise 1.1\nimport math\nphi = (1 + math.sqrt(5)) / 2\n"
    ...     "for k in range(3):\n    print(k, phi ** k)\nphi")))
    import math
    phi = ...
    # for k in range(3):
    #     ...
    # ...
    """
    try:
        tree = ast.parse(solution)
    except SyntaxError:
        return None
    lines: list[str] = []
    for node in tree.body:
        lines.extend(_scaffold_statement(node))
    while lines and lines[0] == "":
        lines.pop(0)
    while lines and lines[-1] == "":
        lines.pop()
    return [ln for i, ln in enumerate(lines) if ln or (i and lines[i - 1])]


def self_check_line(number: str) -> str | None:
    """The commented call that checks an exercise's answer, if a checker exists.

    The hook for self-checks: it looks for a module ``nelc_edu.checks`` with a function
    ``check(number, answer)`` (and, optionally, ``has_check(number)``). Without that module
    (today) it returns None and the scaffold has no such line.

    Parameters
    ----------
    number : str
        The exercise number ``"N.M"``.

    Returns
    -------
    str or None
        ``# Check your answer: from nelc_edu import checks; checks.check("N.M", ...)``,
        or None.

    Examples
    --------
    >>> import importlib.util
    >>> has_checks = importlib.util.find_spec("nelc_edu.checks") is not None
    >>> self_check_line("0.1") is None or has_checks
    True
    """
    try:
        if importlib.util.find_spec("nelc_edu.checks") is None:
            return None
        checks = importlib.import_module("nelc_edu.checks")
    except ImportError:
        return None
    if not callable(getattr(checks, "check", None)):
        return None
    has_check = getattr(checks, "has_check", None)
    if callable(has_check) and not has_check(number):
        return None
    return f'# Check your answer: from nelc_edu import checks; checks.check("{number}", ...)'


def stub_source(exercise: Exercise, solution: str | None = None) -> str:
    """The code of the stub that replaces an exercise's solution.

    Parameters
    ----------
    exercise : Exercise
        The exercise (its task text supplies the hint).
    solution : str, optional
        The solution's code. Given, the stub is a runnable scaffold of its shape
        (:func:`scaffold_lines`); without it, or when the solution is not plain Python, the
        stub raises ``NotImplementedError`` (the student edition then tags it
        ``raises-exception``).

    Returns
    -------
    str
        ``# Exercise N.M: your code here``, a short hint (the task's ``Hint:`` line if it has
        one, else the library names it mentions), then the scaffold (or the ``raise``).

    Examples
    --------
    >>> ex = Exercise("2.1", "a ring", "### Exercise 2.1: a ring\\n*Hint:* use `np.roll`.",
    ...               0, 1)
    >>> print(stub_source(ex, "# Solution to Exercise 2.1\\nimport numpy as np\\n"
    ...                       "ring = np.roll(np.eye(3), 1, axis=1)\\nprint(ring)"))
    # Exercise 2.1: your code here
    # Hint: use np.roll.
    import numpy as np
    ring = ...
    # print(...)
    >>> print(stub_source(ex))
    # Exercise 2.1: your code here
    # Hint: use np.roll.
    raise NotImplementedError("Exercise 2.1: a ring")
    """
    lines = [f"# Exercise {exercise.number}: your code here", *_hint_lines(exercise)]
    scaffold = scaffold_lines(solution) if solution is not None else None
    if scaffold is None:
        title = exercise.title.replace("\\", "\\\\").replace('"', '\\"') or "not done yet"
        lines.append(f'raise NotImplementedError("Exercise {exercise.number}: {title}")')
        return "\n".join(lines)
    lines += scaffold
    check = self_check_line(exercise.number)
    if check:
        lines.append(check)
    return "\n".join(lines)


def markers_to_tags(cell) -> None:
    """Move nbval comment markers (``# NBVAL_CHECK_OUTPUT``, ...) of a code cell to tags.

    nbval reads the tags as it reads the markers, so the cell behaves the same under the
    tests, and the student never sees the marker.

    Examples
    --------
    >>> cell = {"cell_type": "code", "metadata": {}, "source": "# NBVAL_CHECK_OUTPUT\\nx = 1"}
    >>> markers_to_tags(cell)
    >>> cell["source"], cell["metadata"]["tags"]
    ('x = 1', ['nbval-check-output'])
    """
    if cell.get("cell_type") != "code":
        return
    kept, tags = [], _tags(cell)
    for line in _source(cell).splitlines():
        m = _MARKER_LINE.match(line)
        if m and m.group(1) in NBVAL_MARKERS:
            tag = NBVAL_MARKERS[m.group(1)]
            if tag not in tags:
                tags.append(tag)
        else:
            kept.append(line)
    if tags != _tags(cell):
        cell.setdefault("metadata", {})["tags"] = tags
        cell["source"] = "\n".join(kept)


def _clear(nb) -> None:
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)


def student_notebook(nb, name: str = "notebook"):
    """Return the student version of a notebook (the input is not modified).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The instructor's notebook (version 4).
    name : str
        The notebook's name, used in error messages.

    Returns
    -------
    nbformat.NotebookNode
        Solution code cells replaced by scaffolds (:func:`stub_source`), markdown solution
        cells removed, nbval markers moved to tags (:func:`markers_to_tags`), outputs
        cleared.

    Raises
    ------
    ValueError
        If the exercises and solutions do not pair up (see :func:`find_exercises`).
    """
    nbformat = _nbformat()
    exercises = {e.solution_cell: e for e in find_exercises(nb, name)}
    out = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    cells = []
    for i, cell in enumerate(out.cells):
        if i in exercises:
            source = stub_source(exercises[i], _source(cell))
            stub = nbformat.v4.new_code_cell(source)
            raises = source.splitlines()[-1].startswith("raise NotImplementedError")
            stub.metadata["tags"] = list(RAISING_STUB_TAGS if raises else [STUB_TAG])
            if "id" in cell:
                stub["id"] = cell["id"]
            cells.append(stub)
        elif cell.cell_type == "markdown" and SOLUTION_TAG in _tags(cell):
            continue
        else:
            markers_to_tags(cell)
            cells.append(cell)
    out.cells = cells
    _clear(out)
    return out


def _ancestor_dir(path: Path) -> Path:
    """The nearest existing ancestor of ``path`` (``path`` itself if it exists)."""
    p = path
    while not os.path.lexists(p) and p != p.parent:
        p = p.parent
    return p


def _prepare(src_dir, out_dir, overwrite: bool) -> tuple[Path, Path, list[Path]]:
    """Check the source and the output folder before any work; return resolved paths."""
    src, out = Path(src_dir).resolve(), Path(out_dir).resolve()
    notebooks = sorted(src.glob("*.ipynb")) if src.is_dir() else []
    if not notebooks:
        raise ValueError(
            f"no notebooks (*.ipynb) found in {str(src_dir)!r}; run from the repository root "
            "or pass --source DIR."
        )
    if out == src or src in out.parents or out in src.parents:
        raise ValueError(
            f"the output folder {str(out_dir)!r} overlaps the source {str(src_dir)!r}; "
            "choose a folder outside it."
        )
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output {str(out_dir)!r} exists and is not a folder; "
                         "choose a folder.")
    base = _ancestor_dir(out)
    if not base.is_dir():
        raise ValueError(f"cannot create the folder {str(out_dir)!r}: {str(base)!r} is not a "
                         "folder.")
    if not os.access(base, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write to {str(base)!r} (permission denied); choose another "
                         "output folder.")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ValueError(
            f"the output folder {str(out_dir)!r} is not empty; choose a new folder or pass "
            "--force to replace its notebooks."
        )
    return src, out, notebooks


def _plan_other_files(src: Path, out: Path) -> list[tuple[Path, Path]]:
    """(source, target) of every file that is not a top-level notebook (images, data)."""
    plan = []
    for item in sorted(src.iterdir()):
        if item.suffix == ".ipynb" or _IGNORE(str(src), [item.name]):
            continue
        if item.is_dir():
            for root, dirs, files in os.walk(item):
                ignored = _IGNORE(root, dirs + files)
                dirs[:] = sorted(d for d in dirs if d not in ignored)
                for f in sorted(files):
                    if f not in ignored:
                        path = Path(root) / f
                        plan.append((path, out / path.relative_to(src)))
        elif item.is_file():
            plan.append((item, out / item.name))
    return plan


def _check_targets(src: Path, targets: list[Path]) -> None:
    """Refuse any target that is, resolves into, or is a hard link of the source folder.

    Every target is replaced by a rename, which never writes through a link; this check
    makes the intent plain (a folder of links to the course is not an output folder) and
    also catches a target folder that is a symlink into the source.
    """
    inodes = {}
    for root, _dirs, files in os.walk(src):
        for f in files:
            st = os.stat(Path(root) / f)
            inodes[(st.st_dev, st.st_ino)] = Path(root) / f
    for target in targets:
        resolved = target.resolve()
        if resolved == src or src in resolved.parents:
            raise ValueError(
                f"{str(target)!r} is a link into the source folder {str(src)!r} (it resolves "
                f"to {str(resolved)!r}); writing there would overwrite the course. Remove the "
                "link or choose another output folder."
            )
        if os.path.lexists(target) and os.path.exists(target):
            st = os.stat(target)
            if (st.st_dev, st.st_ino) in inodes:
                raise ValueError(
                    f"{str(target)!r} is a hard link of the source file "
                    f"{str(inodes[(st.st_dev, st.st_ino)])!r}; writing there would overwrite "
                    "the course. Remove it or choose another output folder."
                )


def _replace_atomically(target: Path, write) -> None:
    """Call ``write(tmp_path)``, then rename the temporary file onto ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):  # name the file the user asked for, not the temporary
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise


def _make_edition(src_dir, out_dir, transform, overwrite: bool) -> list[Path]:
    nbformat = _nbformat()
    src, out, notebooks = _prepare(src_dir, out_dir, overwrite)
    others = _plan_other_files(src, out)
    _check_targets(src, [out / p.name for p in notebooks] + [t for _, t in others])
    # Validate every notebook before writing anything.
    books = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nb = transform(nb, path.name)
        nbformat.validate(nb)
        books.append((path.name, nb))
    try:
        out.mkdir(parents=True, exist_ok=True)
        for source, target in others:
            _replace_atomically(target, lambda tmp, s=source: shutil.copy2(s, tmp))
        written = []
        for name, nb in books:
            target = out / name
            _replace_atomically(target, lambda tmp, nb=nb: nbformat.write(nb, tmp))
            written.append(target)
    except OSError as exc:  # permission, not a folder, disk full: one line naming the path
        where = exc.filename or out_dir
        raise ValueError(f"could not write {str(where)!r}: {exc.strerror or exc}") from exc
    return written


def make_student_edition(src_dir, out_dir, overwrite: bool = False):
    """Write the student edition: solutions replaced by runnable scaffolds.

    Parameters
    ----------
    src_dir : str or path-like
        Folder with the course notebooks (the instructor's version).
    out_dir : str or path-like
        Folder to write to; created if needed. Other files of ``src_dir`` (images, data)
        are copied along.
    overwrite : bool
        Allow writing into a folder that is not empty.

    Returns
    -------
    list of pathlib.Path
        The notebooks written.

    Raises
    ------
    ValueError
        If ``src_dir`` holds no notebook, ``out_dir`` overlaps it, is not empty (without
        ``overwrite``), cannot be written, or holds a link (symbolic or hard) to a file of
        ``src_dir``, or a notebook's exercises and solutions do not pair up (the message
        names the notebook and the exercise). Nothing is written then. An OS error while
        writing (disk full, say) is a ValueError naming the file; files already replaced
        are complete (each is renamed into place only once fully written).

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("### Exercise 1.1: add\\nAdd two numbers."),
    ...     nbformat.v4.new_code_cell("# Solution to Exercise 1.1\\n1 + 1",
    ...                               metadata={"tags": ["solution"]})])
    >>> (tmp / "src").mkdir(); nbformat.write(nb, tmp / "src" / "01_a.ipynb")
    >>> [p.name for p in make_student_edition(tmp / "src", tmp / "out")]
    ['01_a.ipynb']
    >>> print(nbformat.read(tmp / "out" / "01_a.ipynb", as_version=4).cells[1].source)
    # Exercise 1.1: your code here
    # ...
    """
    return _make_edition(src_dir, out_dir, student_notebook, overwrite)


def _instructor_notebook(nb, name):
    find_exercises(nb, name)
    _clear(nb)
    return nb


def make_instructor_edition(src_dir, out_dir, overwrite: bool = False):
    """Write the instructor edition: the notebooks as they are, with outputs cleared.

    Parameters
    ----------
    src_dir : str or path-like
        Folder with the course notebooks.
    out_dir : str or path-like
        Folder to write to; created if needed.
    overwrite : bool
        Allow writing into a folder that is not empty.

    Returns
    -------
    list of pathlib.Path
        The notebooks written.

    Raises
    ------
    ValueError
        As :func:`make_student_edition` (the exercises are validated here too).
    """
    return _make_edition(src_dir, out_dir, _instructor_notebook, overwrite)
