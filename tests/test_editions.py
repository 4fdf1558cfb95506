"""Student and instructor editions (nelc_edu.editions, ``nelc-edu make-student-edition``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nelc_edu import editions

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def _solution(number, body="x = 1", tags=("solution",)):
    return new_code(f"# Solution to Exercise {number}\n{body}", metadata={"tags": list(tags)})


def _toy(*extra):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        new_md("# Toy\n\n*Objectives*: none."),
        new_code("import math"),
        new_md("### Exercise 1.1: the golden ratio\n\nCompute $\\varphi$.\n\n"
               "*Hint:* use `math.sqrt`."),
        _solution("1.1", "phi = (1 + math.sqrt(5)) / 2\nphi"),
        new_md("Why it works: ...", metadata={"tags": ["solution"]}),
        new_md("### Exercise 1.2: a chain\n\nCall `markov.stationary_distribution` on `T`."),
        _solution("1.2"),
        new_code("print('the story continues')"),
    ]
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1.618\n")]
    nb.cells[3].execution_count = 3
    nb.cells.extend(extra)
    return nb


def _write(nb, folder, name="01_toy.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder


# --- the convention, on a toy notebook ----------------------------------------------------

def test_find_exercises_pairs_each_exercise_with_its_solution():
    found = editions.find_exercises(_toy(), "01_toy.ipynb")
    assert [(e.number, e.title, e.exercise_cell, e.solution_cell) for e in found] == [
        ("1.1", "the golden ratio", 2, 3), ("1.2", "a chain", 5, 6)]


def test_student_notebook_replaces_solutions_by_stubs(monkeypatch):
    # the toy's exercise numbers are real ones: leave their self-check lines out here
    # (test_self_check_hook checks that line)
    monkeypatch.setattr(editions, "self_check_line", lambda number: None)
    nb = _toy()
    before = nbformat.writes(nb)
    student = editions.student_notebook(nb, "01_toy.ipynb")
    assert nbformat.writes(nb) == before, "the instructor notebook must not be modified"
    nbformat.validate(student)
    sources = [c.source for c in student.cells]
    assert not any("Solution to Exercise" in s for s in sources)
    assert "Why it works: ..." not in sources, "markdown solution cells are removed"
    stubs = [c for c in student.cells if "exercise-stub" in c.metadata.get("tags", [])]
    assert len(stubs) == 2
    assert stubs[0].metadata["tags"] == ["exercise-stub"], "a scaffold runs: no raises tag"
    assert stubs[0].source.splitlines() == [
        "# Exercise 1.1: your code here",
        "# Hint: use math.sqrt.",
        "phi = ...",
        "# ...",
    ]
    assert stubs[1].source.splitlines()[1] == "# You may need: markov.stationary_distribution"
    assert all(c.outputs == [] and c.execution_count is None
               for c in student.cells if c.cell_type == "code")
    # every other cell is unchanged and in order
    kept = [c.source for c in _toy().cells if "solution" not in c.metadata.get("tags", [])]
    assert [s for s in sources if not s.startswith("# Exercise")] == kept


def test_scaffold_keeps_the_shape_and_drops_the_answer():
    solution = (
        "# Solution to Exercise 2.1\n"
        "# The answer is 42 (a comment that must not leak).\n"
        "import itertools\n"
        "from math import sqrt as root\n"
        "def area(r, *, pi=3.14):\n"
        '    """Area of a disc."""\n'
        "    return pi * r ** 2\n"
        "a, b = 1, 2\n"
        "x = y = root(2)\n"
        "table[3] = 7\n"
        "total += 1\n"
        "for i, j in itertools.product(range(2), repeat=2):\n"
        "    print(i, j)\n"
        "if x > 1:\n"
        "    x = 0\n"
        "with open('f') as fh:\n"
        "    fh.read()\n"
        "print('the answer', 42)\n"
        "plt.show()\n"
    )
    lines = editions.scaffold_lines(solution)
    assert lines == [
        "import itertools",
        "from math import sqrt as root",
        "",
        "def area(r, *, pi=3.14):",
        '    """Area of a disc."""',
        "    ...  # your code here",
        "",
        "a, b = ..., ...",
        "x = y = ...",
        "# table[3] = ...",
        "# total += ...",
        "# for i, j in itertools.product(range(2), repeat=2):",
        "#     ...",
        "# if x > 1:",
        "#     ...",
        "# with open('f') as fh:",
        "#     ...",
        "# print(...)",
        "# plt.show()",
    ]
    text = "\n".join(lines)
    assert "42" not in text and "answer" not in text and "pi * r" not in text
    namespace: dict = {}
    exec(compile(text, "<scaffold>", "exec"), namespace)  # runs, defines the names
    assert namespace["a"] is Ellipsis and namespace["area"](1.0) is None


def test_code_that_is_not_python_gets_a_raising_stub():
    nb = _toy()
    nb.cells[3].source = "# Solution to Exercise 1.1\n%timeit phi = 1"
    stub = editions.student_notebook(nb, "t").cells[3]
    assert stub.metadata["tags"] == ["exercise-stub", "raises-exception"]
    with pytest.raises(NotImplementedError, match="Exercise 1.1: the golden ratio"):
        exec(compile(stub.source, "<stub>", "exec"), {})


def test_nbval_markers_become_tags_in_the_student_edition():
    nb = _toy(new_code("# NBVAL_CHECK_OUTPUT\nprint(2)", metadata={"tags": ["keep"]}),
              new_code("x = 1  # NBVAL_SKIP is only a marker on a line of its own"))
    student = editions.student_notebook(nb, "t")
    checked, other = student.cells[-2], student.cells[-1]
    assert checked.source == "print(2)"
    assert checked.metadata["tags"] == ["keep", "nbval-check-output"]
    assert other.source == nb.cells[-1].source and "tags" not in other.metadata


def test_self_check_hook(monkeypatch):
    """With a ``nelc_edu.checks`` module, the scaffold shows how to call its checker."""
    import importlib.machinery
    import importlib.util
    import types

    ex = editions.Exercise("1.1", "t", "### Exercise 1.1: t", 0, 1)
    solution = "# Solution to Exercise 1.1\nphi = 1.618"
    if importlib.util.find_spec("nelc_edu.checks") is None:
        assert editions.self_check_line("1.1") is None
        assert "checks" not in editions.stub_source(ex, solution)
    fake = types.ModuleType("nelc_edu.checks")
    fake.__spec__ = importlib.machinery.ModuleSpec("nelc_edu.checks", None)
    fake.check = lambda number, answer: None
    fake.has_check = lambda number: number == "1.1"
    monkeypatch.setitem(sys.modules, "nelc_edu.checks", fake)
    last = editions.stub_source(ex, solution).splitlines()[-1]
    assert last == ('# Check your answer: from nelc_edu import checks; '
                    'checks.check("1.1", ...)')
    assert editions.self_check_line("2.1") is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([new_md("### Exercise 2.1: lonely")], r"nb\.ipynb: Exercise 2\.1 has no solution"),
        ([_solution("2.2")], r"nb\.ipynb: cell \d+ is a solution to Exercise 2\.2, but no"),
        ([_solution("2.3"), new_md("### Exercise 2.3: late")], r"Exercise 2\.3, but no"),
        ([new_md("### Exercise 2.4: a"), _solution("2.4", tags=())],
         r"nb\.ipynb: cell \d+ is the solution to Exercise 2\.4 but is not tagged"),
        ([new_md("### Exercise 2.5: a"), new_code("x = 1", metadata={"tags": ["solution"]})],
         r"nb\.ipynb: cell \d+ is tagged 'solution' but does not start"),
        ([new_md("### Exercise 1.1: again")], r"nb\.ipynb: Exercise 1\.1 is stated twice"),
        ([new_md("### Exercise 2.6: a"), _solution("2.6"), _solution("2.6")],
         r"Exercise 2\.6 has two solution cells"),
    ],
    ids=["no-solution", "no-exercise", "solution-first", "untagged", "bad-first-line",
         "duplicate-exercise", "two-solutions"],
)
def test_mismatched_exercises_raise_clear_errors(cells, message):
    with pytest.raises(ValueError, match=message):
        editions.student_notebook(_toy(*cells), "nb.ipynb")


def test_editions_write_folders_and_copy_other_files(tmp_path):
    src = _write(_toy(), tmp_path / "src")
    (src / "img").mkdir()
    (src / "img" / "ring.svg").write_text("<svg/>")
    (src / ".ipynb_checkpoints").mkdir()
    written = editions.make_student_edition(src, tmp_path / "student")
    assert [p.name for p in written] == ["01_toy.ipynb"]
    assert (tmp_path / "student" / "img" / "ring.svg").read_text() == "<svg/>"
    assert not (tmp_path / "student" / ".ipynb_checkpoints").exists()
    editions.make_instructor_edition(src, tmp_path / "instructor")
    inst = nbformat.read(tmp_path / "instructor" / "01_toy.ipynb", as_version=4)
    assert [c.source for c in inst.cells] == [c.source for c in _toy().cells]
    assert inst.cells[3].outputs == [] and inst.cells[3].execution_count is None


def test_editions_refuse_bad_folders(tmp_path):
    src = _write(_toy(), tmp_path / "src")
    with pytest.raises(ValueError, match="no notebooks"):
        editions.make_student_edition(tmp_path / "nowhere", tmp_path / "out")
    with pytest.raises(ValueError, match="overlaps the source"):
        editions.make_student_edition(src, src)
    with pytest.raises(ValueError, match="overlaps the source"):
        editions.make_student_edition(src, src / "student")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(ValueError, match="not empty.*--force"):
        editions.make_student_edition(src, tmp_path / "full")
    editions.make_student_edition(src, tmp_path / "full", overwrite=True)
    assert (tmp_path / "full" / "01_toy.ipynb").exists()


def test_an_invalid_notebook_writes_nothing(tmp_path):
    src = _write(_toy(), tmp_path / "src")
    _write(_toy(new_md("### Exercise 9.9: oops")), src, "02_bad.ipynb")
    with pytest.raises(ValueError, match=r"02_bad\.ipynb: Exercise 9\.9 has no solution"):
        editions.make_student_edition(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _linked_output(tmp_path, link):
    """A source folder and an output folder whose notebook is a link to the source's."""
    src = _write(_toy(), tmp_path / "src")
    (src / "data.txt").write_text("course data")
    out = tmp_path / "out"
    out.mkdir()
    link(src / "01_toy.ipynb", out / "01_toy.ipynb")
    return src, out


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_links_to_the_sources_are_never_written(tmp_path, kind):
    """Issue 13: OUT holding links to the course notebooks must not overwrite them."""
    link = ((lambda s, d: os.symlink(s, d)) if kind == "symlink"
            else (lambda s, d: os.link(s, d)))
    src, out = _linked_output(tmp_path, link)
    before = _snapshot(src)
    word = "a link into the source" if kind == "symlink" else "a hard link of the source"
    with pytest.raises(ValueError, match=rf"01_toy\.ipynb.*is {word}"):
        editions.make_student_edition(src, out, overwrite=True)
    assert _snapshot(src) == before, "the source notebook was modified"
    assert sorted(p.name for p in out.iterdir()) == ["01_toy.ipynb"], "nothing else written"
    with pytest.raises(ValueError, match="link"):
        editions.make_instructor_edition(src, out, overwrite=True)
    assert _snapshot(src) == before


def test_cli_refuses_links_in_one_line(tmp_path, capsys):
    src, out = _linked_output(tmp_path, os.symlink)
    before = _snapshot(src)
    main = _cli()
    assert main(["make-student-edition", str(out), "--source", str(src), "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "link into the source" in err
    assert _snapshot(src) == before


def test_a_linked_data_file_or_folder_is_refused(tmp_path):
    src = _write(_toy(), tmp_path / "src")
    (src / "img").mkdir()
    (src / "img" / "ring.svg").write_text("<svg/>")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(src / "img", out / "img")  # the copy of img/ would write into the source
    with pytest.raises(ValueError, match=r"img.*link into the source"):
        editions.make_student_edition(src, out, overwrite=True)
    assert (src / "img" / "ring.svg").read_text() == "<svg/>"
    os.unlink(out / "img")
    (out / "img").mkdir()
    os.link(src / "img" / "ring.svg", out / "img" / "ring.svg")
    with pytest.raises(ValueError, match=r"ring\.svg.*hard link"):
        editions.make_student_edition(src, out, overwrite=True)


def test_output_folder_that_is_a_symlink_to_the_source_is_refused(tmp_path):
    src = _write(_toy(), tmp_path / "src")
    os.symlink(src, tmp_path / "alias")
    before = _snapshot(src)
    with pytest.raises(ValueError, match="overlaps the source"):
        editions.make_student_edition(src, tmp_path / "alias", overwrite=True)
    assert _snapshot(src) == before


def test_existing_files_are_replaced_not_written_through(tmp_path):
    """An unrelated hard link in OUT keeps its content: the file is replaced by a rename."""
    src = _write(_toy(), tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere.ipynb").write_text("precious")
    os.link(tmp_path / "elsewhere.ipynb", out / "01_toy.ipynb")
    editions.make_student_edition(src, out, overwrite=True)
    assert (tmp_path / "elsewhere.ipynb").read_text() == "precious"
    assert "your code here" in (out / "01_toy.ipynb").read_text()
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_output_path_errors_are_one_line_before_any_work(tmp_path, monkeypatch):
    src = _write(_toy(), tmp_path / "src")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match=r"'.*afile' exists and is not a folder"):
        editions.make_student_edition(src, tmp_path / "afile")
    with pytest.raises(ValueError, match=r"cannot create the folder .*afile.*not a folder"):
        editions.make_student_edition(src, tmp_path / "afile" / "sub")

    def read_must_not_run(*args, **kwargs):
        raise AssertionError("a notebook was read before the output path was checked")

    monkeypatch.setattr(nbformat, "read", read_must_not_run)
    with pytest.raises(ValueError, match="not a folder"):
        editions.make_student_edition(src, tmp_path / "afile")


def test_a_full_disk_is_one_line_naming_the_file_and_keeps_the_old_file(tmp_path, monkeypatch):
    import errno

    src = _write(_toy(), tmp_path / "src")
    out = tmp_path / "out"
    editions.make_student_edition(src, out)
    before = (out / "01_toy.ipynb").read_bytes()

    def full_disk(nb, fp, *args, **kwargs):
        with open(fp, "w") as fh:
            fh.write("{")  # a partial file, as a full disk leaves it
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(nbformat, "write", full_disk)
    with pytest.raises(ValueError, match=r"could not write '.*01_toy\.ipynb': No space left"):
        editions.make_student_edition(src, out, overwrite=True)
    assert (out / "01_toy.ipynb").read_bytes() == before, "the previous file was damaged"
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def _cli():
    """``nelc_edu.cli.main`` (skipped while another subcommand's module is still missing)."""
    from nelc_edu import cli

    cli.build_parser()
    return cli.main


def test_cli(tmp_path, capsys):
    main = _cli()
    src = _write(_toy(), tmp_path / "src")
    out = tmp_path / "student"
    assert main(["make-student-edition", str(out), "--source", str(src)]) == 0
    assert "wrote 1 notebook to" in capsys.readouterr().out
    assert main(["make-instructor-edition", str(tmp_path / "inst"), "--source", str(src)]) == 0
    assert (tmp_path / "inst" / "01_toy.ipynb").exists()
    # a second run into the same folder: one clear line, exit code 2
    assert main(["make-student-edition", str(out), "--source", str(src)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["make-student-edition", str(out), "--source", str(src), "--force"]) == 0


# --- the course's own notebooks -----------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_solution_and_a_stub(path):
    nb = nbformat.read(path, as_version=4)
    exercises = editions.find_exercises(nb, path.name)
    assert exercises, f"{path.name}: no '### Exercise N.M: ...' cell"
    student = editions.student_notebook(nb, path.name)
    stubs = [c for c in student.cells if "exercise-stub" in c.metadata.get("tags", [])]
    assert [c.source.splitlines()[0] for c in stubs] == [
        f"# Exercise {e.number}: your code here" for e in exercises]
    for stub in stubs:  # scaffolds, not raises: each runs on its own
        assert "raises-exception" not in stub.metadata["tags"], stub.source
        assert "NotImplementedError" not in stub.source
        exec(compile(stub.source, f"<{path.name} stub>", "exec"), {})
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert not any("# Solution to Exercise" in c.source for c in student.cells)
    assert not any(re.search(r"^\s*#\s*NBVAL_", c.source, re.M) for c in student.cells
                   if c.cell_type == "code"), "nbval markers show in the student edition"


def test_instructor_edition_equals_the_source(tmp_path):
    assert NOTEBOOKS
    editions.make_instructor_edition(NOTEBOOK_DIR, tmp_path / "instructor")
    for path in NOTEBOOKS:
        src = nbformat.read(path, as_version=4)
        out = nbformat.read(tmp_path / "instructor" / path.name, as_version=4)
        assert out.cells == src.cells, f"{path.name}: the instructor edition differs"


@pytest.mark.slow
def test_student_edition_round_trips(tmp_path):
    """The student edition runs under nbval: errors only at the stubs (raises-exception).

    The instructor edition is the repository's notebooks themselves (checked above), which the
    main suite already runs with nbval; running them again here would only cost CI time.
    """
    assert NOTEBOOKS
    out = tmp_path / "student"
    written = editions.make_student_edition(NOTEBOOK_DIR, out)
    assert len(written) == len(NOTEBOOKS)
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", str(out),
           "-p", "no:cacheprovider", "-c", str(ini), "--rootdir", str(tmp_path), "-q"]
    sanitize = REPO / "tests" / "nbval_sanitize.cfg"
    if sanitize.exists():
        cmd.append(f"--nbval-sanitize-with={sanitize}")
    env = dict(os.environ, NELC_FAST="1")
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1800)
    tail = "\n".join(proc.stdout.splitlines()[-60:])
    assert proc.returncode == 0, f"the student edition failed under nbval:\n{tail}\n{proc.stderr}"
    assert " passed" in tail


# --- the lecturer guide documents the convention and has a section per notebook -------------

def _anchor(heading: str) -> str:
    """GitHub's anchor for a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_lecturer_guide_sections_match_the_notebooks():
    guide = (REPO / "docs" / "lecturer-guide.md").read_text(encoding="utf-8")
    anchors = {_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", guide, re.M)}
    for path in NOTEBOOKS:
        assert path.stem.replace("_", "-") in anchors, (
            f"docs/lecturer-guide.md has no section '## {path.stem[:2]} ...' for {path.name}"
        )
        header = nbformat.read(path, as_version=4).cells[0].source
        for target in re.findall(r"lecturer-guide\.md#([\w\-]+)", header):
            assert target in anchors, f"{path.name} links to a missing guide section #{target}"
    assert "make-student-edition" in guide and "### Exercise N.M" in guide
