"""Student and instructor editions of the course notebooks.

The exercise convention (see ``CONTRIBUTING.md`` and ``docs/lecturer-guide.md``):

* a markdown cell whose heading reads ``### Exercise N.M: title`` states the task;
* the solution is a later code cell tagged ``solution`` whose first line is
  ``# Solution to Exercise N.M``;
* markdown cells tagged ``solution`` (worked explanations) may accompany it.

The **student edition** replaces every solution code cell by a stub that raises
``NotImplementedError`` (tagged ``exercise-stub`` and ``raises-exception``, so nbval expects the
error) and drops the markdown solution cells. The **instructor edition** is the notebooks as
they are. Both are written with outputs cleared.

Command line::

    nelc-edu make-student-edition OUT_DIR [--source notebooks] [--force]
    nelc-edu make-instructor-edition OUT_DIR [--source notebooks] [--force]
"""

from __future__ import annotations

import argparse
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Exercise",
    "find_exercises",
    "make_student_edition",
    "make_instructor_edition",
    "student_notebook",
    "add_editions_parser",
]

SOLUTION_TAG = "solution"
STUB_TAGS = ["exercise-stub", "raises-exception"]
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


def stub_source(exercise: Exercise) -> str:
    """The code of the stub that replaces an exercise's solution.

    Parameters
    ----------
    exercise : Exercise
        The exercise (its task text supplies the hint).

    Returns
    -------
    str
        ``# Exercise N.M: your code here``, a short hint (the task's ``Hint:`` line if it has
        one, else the library names it mentions), then ``raise NotImplementedError(...)``.

    Examples
    --------
    >>> ex = Exercise("2.1", "a ring", "### Exercise 2.1: a ring\\n*Hint:* use `np.roll`.",
    ...               0, 1)
    >>> print(stub_source(ex))
    # Exercise 2.1: your code here
    # Hint: use np.roll.
    raise NotImplementedError("Exercise 2.1: a ring")
    """
    lines = [f"# Exercise {exercise.number}: your code here"]
    body = EXERCISE_HEADING.sub("", exercise.task, count=1)
    m = _HINT.search(body)
    if m:
        hint = "Hint: " + _plain(m.group(1))
    else:
        names = re.findall(r"`((?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*)\(?\)?`", body)
        names = [n for n in dict.fromkeys(names) if "_" in n or "." in n][:4]
        hint = ("You may need: " + ", ".join(names)) if names else ""
    if hint:
        lines += textwrap.wrap(hint, width=92, initial_indent="# ", subsequent_indent="#   ")[:3]
    title = exercise.title.replace("\\", "\\\\").replace('"', '\\"') or "not done yet"
    lines.append(f'raise NotImplementedError("Exercise {exercise.number}: {title}")')
    return "\n".join(lines)


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
        Solution code cells replaced by stubs, markdown solution cells removed, outputs
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
            stub = nbformat.v4.new_code_cell(stub_source(exercises[i]))
            stub.metadata["tags"] = list(STUB_TAGS)
            if "id" in cell:
                stub["id"] = cell["id"]
            cells.append(stub)
        elif cell.cell_type == "markdown" and SOLUTION_TAG in _tags(cell):
            continue
        else:
            cells.append(cell)
    out.cells = cells
    _clear(out)
    return out


def _prepare(src_dir, out_dir, overwrite: bool) -> tuple[Path, Path, list[Path]]:
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
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ValueError(
            f"the output folder {str(out_dir)!r} is not empty; choose a new folder or pass "
            "--force to replace its notebooks."
        )
    return src, out, notebooks


def _copy_other_files(src: Path, out: Path) -> None:
    """Copy everything that is not a top-level notebook (images, data) next to them."""
    for item in src.iterdir():
        if item.suffix == ".ipynb" or _IGNORE(str(src), [item.name]):
            continue
        target = out / item.name
        if item.is_dir():
            shutil.copytree(item, target, ignore=_IGNORE, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)


def _make_edition(src_dir, out_dir, transform, overwrite: bool) -> list[Path]:
    nbformat = _nbformat()
    src, out, notebooks = _prepare(src_dir, out_dir, overwrite)
    # Validate every notebook before writing anything.
    books = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        books.append((path.name, transform(nb, path.name)))
    out.mkdir(parents=True, exist_ok=True)
    _copy_other_files(src, out)
    written = []
    for name, nb in books:
        nbformat.validate(nb)
        target = out / name
        nbformat.write(nb, target)
        written.append(target)
    return written


def make_student_edition(src_dir, out_dir, overwrite: bool = False):
    """Write the student edition: solutions replaced by stubs that raise.

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
        If ``src_dir`` holds no notebook, ``out_dir`` overlaps it or is not empty (without
        ``overwrite``), or a notebook's exercises and solutions do not pair up (the message
        names the notebook and the exercise). Nothing is written then.

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
    raise NotImplementedError("Exercise 1.1: add")
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
        ("make-student-edition", make_student_edition,
         "solutions replaced by stubs that raise NotImplementedError"),
        ("make-instructor-edition", make_instructor_edition,
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
                       help="write into OUT_DIR even if it is not empty")
        p.set_defaults(func=_cmd(make))
