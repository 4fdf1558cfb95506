"""The course website's pieces, the launch links and cells, and the committed student edition.

The built site itself is tested in a real browser in ``tests/browser/test_site.py``.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import types
from pathlib import Path, PurePosixPath

import nbformat
import pytest

from nelc_edu import editions
from nelc_edu.site import build, execute, launch

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
STUDENT = REPO / launch.STUDENT_DIR


def _pyproject_url() -> str:
    """The address, read independently of the package (a plain pattern on the file)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M).group(1).rstrip("/")


URL = _pyproject_url()
OWNER, NAME = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", URL).groups()


# --- the one repository address ------------------------------------------------------------

def test_repository_url_comes_from_pyproject():
    assert launch.repository_url(REPO) == URL
    assert launch.repository_url(REPO / "notebooks") == URL, "looked up from a subfolder"
    assert launch.repository_url() == URL, "installed metadata disagrees with pyproject.toml"


def test_repository_url_errors_are_clear(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(ValueError, match=r"no pyproject\.toml with \[project\.urls\] Repository"):
        launch.repository_url(tmp_path)
    with pytest.raises(ValueError, match="not https://github.com/OWNER/REPO"):
        launch.github_repo("https://gitlab.com/o/r")


def test_launch_urls_open_the_student_edition():
    name = NOTEBOOKS[0].name
    assert launch.binder_url(name, URL) == (
        f"https://mybinder.org/v2/gh/{OWNER}/{NAME}/HEAD?labpath=student%2F{name}")
    assert launch.colab_url(name, URL) == (
        f"https://colab.research.google.com/github/{OWNER}/{NAME}/blob/main/student/{name}")
    hub = launch.nbgitpuller_url("https://hub.example.edu/", name, URL, edition="notebooks")
    assert hub.startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=")
    assert f"urlpath=lab%2Ftree%2F{NAME}%2Fnotebooks%2F{name}" in hub
    with pytest.raises(ValueError, match="edition must be"):
        launch.nbgitpuller_url("https://h", name, URL, edition="answers")
    with pytest.raises(ValueError, match=r"ending in \.ipynb"):
        launch.colab_url("00_start_here", URL)


# --- badges and the Colab set-up cell in every notebook ------------------------------------

@pytest.mark.parametrize("folder", [REPO / "notebooks", STUDENT], ids=["notebooks", "student"])
def test_every_notebook_has_its_launch_cells(folder):
    paths = sorted(folder.glob("*.ipynb"))
    assert [p.name for p in paths] == [p.name for p in NOTEBOOKS]
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        assert launch.launch_cell_problems(nb, path.name, URL) == []
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert launch.SETUP_TAG in first_code.metadata.get("tags", []), (
            f"{path.name}: the Colab set-up cell must be the first code cell")


def test_badges_are_consistent_across_notebooks():
    """Same cell in every notebook but for the notebook's own name; links to files that exist."""
    shapes = set()
    for path in NOTEBOOKS:
        badges = nbformat.read(path, as_version=4).cells[1].source
        links = re.findall(r"\]\((https://[^)]+)\)", badges)
        assert len(links) == 4, badges  # two images, two targets
        for target in re.findall(r"(?:labpath=student%2F|/student/)([\w.]+)", badges):
            assert target == path.name and (STUDENT / target).is_file()
        assert f"/{OWNER}/{NAME}/" in badges
        shapes.add(badges.replace(path.name, "NAME"))
    assert len(shapes) == 1, "the badge cells differ beyond the notebook name"


def _setup_source() -> str:
    return nbformat.read(NOTEBOOKS[0], as_version=4).cells[2].source


def test_setup_cell_does_nothing_off_colab(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError("the set-up cell ran a command off Colab")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    before = set(sys.modules)
    namespace: dict = {}
    exec(compile(_setup_source(), "<setup>", "exec"), namespace)
    assert sorted(k for k in namespace if not k.startswith("__")) == ["sys"]
    assert set(sys.modules) - before == set(), "the set-up cell imported something"


def test_setup_cell_installs_from_the_repository_on_colab(monkeypatch):
    calls, enabled = [], []
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: enabled.append(1))
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    exec(compile(_setup_source(), "<setup>", "exec"), {})
    assert len(calls) == 1 and calls[0][1] == {"check": True}
    cmd = calls[0][0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"]
    assert cmd[-1] == f"nelc-edu @ git+{URL}"
    assert enabled == [1], "Colab's widget manager (needed by ipywidgets 8) was not enabled"


def test_apply_launch_cells_is_idempotent_and_refreshes(tmp_path):
    nb = nbformat.read(NOTEBOOKS[1], as_version=4)
    again = launch.apply_launch_cells(copy.deepcopy(nb), NOTEBOOKS[1].name, URL)
    assert again.cells == nb.cells
    moved = launch.apply_launch_cells(copy.deepcopy(nb), NOTEBOOKS[1].name, "https://github.com/a/b")
    assert "/gh/a/b/" in moved.cells[1].source and "github/a/b/" in moved.cells[1].source
    assert "git+https://github.com/a/b" in moved.cells[2].source
    assert len(moved.cells) == len(nb.cells)
    fix = "run nelc-edu add-launch-cells"
    assert launch.launch_cell_problems(moved, NOTEBOOKS[1].name, URL) == [
        f"{NOTEBOOKS[1].name}: the launch-badges cell is out of date; {fix}",
        f"{NOTEBOOKS[1].name}: the colab-setup cell is out of date; {fix}",
    ]
    # a brand-new notebook gets both cells from the command
    (tmp_path / "pyproject.toml").write_text(f'[project.urls]\nRepository = "{URL}"\n')
    (tmp_path / "nbs").mkdir()
    fresh = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 09 · New")])
    nbformat.write(fresh, tmp_path / "nbs" / "09_new.ipynb")
    from nelc_edu import cli

    assert cli.main(["add-launch-cells", str(tmp_path / "nbs")]) == 0
    done = nbformat.read(tmp_path / "nbs" / "09_new.ipynb", as_version=4)
    assert launch.launch_cell_problems(done, "09_new.ipynb", URL) == []


# --- the committed student edition ---------------------------------------------------------

def test_committed_student_edition_is_up_to_date(tmp_path):
    """student/ is what Binder, Colab and the site's buttons open: it must match notebooks/."""
    editions.make_student_edition(REPO / "notebooks", tmp_path / "student")
    fresh = {p.name: p.read_bytes() for p in sorted((tmp_path / "student").iterdir())}
    committed = {p.name: p.read_bytes() for p in sorted(STUDENT.iterdir())}
    stale = sorted(n for n in fresh.keys() | committed.keys() if fresh.get(n) != committed.get(n))
    assert not stale, (f"student/ is out of date for {stale}: run "
                       "`nelc-edu make-student-edition student --force` and commit it")


# --- the site's configuration and staging ---------------------------------------------------

def test_sphinx_config_has_launch_urls_and_offline_math(tmp_path):
    pages = {f"notebooks/{p.stem}": p.name for p in NOTEBOOKS}
    conf = build.sphinx_config(repo_url=URL, notebooks=pages, title="T", version="0")
    for page, name in pages.items():
        assert conf["nelc_launch"]["pages"][page] == {"binder": launch.binder_url(name, URL),
                                                     "colab": launch.colab_url(name, URL)}
    assert conf["nb_execution_mode"] == "off", "the site tool must not execute again"
    assert not re.match(r"https?:", conf["mathjax_path"]), "MathJax must be a local file"
    assert conf["html_theme_options"]["repository_url"] == URL
    build.write_conf(conf, tmp_path / "conf.py")
    import runpy

    assert runpy.run_path(str(tmp_path / "conf.py"))["nelc_launch"] == conf["nelc_launch"]


def test_mathjax_ships_with_the_site_tools():
    path = build.mathjax_script()
    assert path.name == "tex-svg-full.js" and path.stat().st_size > 1_000_000
    assert re.search(r'\.VERSION="3\.\d+\.\d+"', path.read_text(encoding="utf-8")), "not MathJax 3"


def test_links_point_at_pages_or_at_the_repository():
    staged = {"docs/lecturer-guide.md", "notebooks/01_a.ipynb", "README.md"}
    docs = PurePosixPath("docs")
    text = ("[guide](lecturer-guide.md#x) [nb](../notebooks/01_a.ipynb) "
            "[script](../scripts/tune.py) [web](https://a.b/c) [anchor](#sec) "
            f"[![Binder]({launch.BINDER_BADGE})](https://mybinder.org/v2/gh/o/r/HEAD)")
    out = build.rewrite_links(text, docs, staged, URL)
    assert "[guide](lecturer-guide.md#x)" in out and "[nb](../notebooks/01_a.ipynb)" in out
    assert f"[script]({URL}/blob/main/scripts/tune.py)" in out
    assert "[web](https://a.b/c)" in out and "[anchor](#sec)" in out
    assert "![Binder](../_images_static/binder-badge.svg)" in out, "remote badge image left"
    assert "(https://mybinder.org/v2/gh/o/r/HEAD)" in out, "the badge's link target is kept"


def test_site_notebook_folds_solutions_and_drops_the_colab_cell():
    path = NOTEBOOKS[1]
    nb = nbformat.read(path, as_version=4)
    site = build.site_notebook(nb, path.name, URL, {f"notebooks/{path.name}"})
    assert len(site.cells) == len(nb.cells) - 1
    assert not any(launch.SETUP_TAG in c.metadata.get("tags", []) for c in site.cells)
    solutions = [c for c in site.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and all("hide-cell" in c.metadata["tags"] for c in solutions)
    assert all(c.metadata["mystnb"]["code_prompt_show"] == "Show the solution"
               for c in solutions)
    assert "_images_static/binder-badge.svg" in site.cells[1].source
    assert nbformat.read(path, as_version=4).cells == nb.cells, "input modified"


def test_api_pages_cover_the_public_modules():
    pages = build.api_pages()
    assert "index.md" in pages and "markov.md" in pages and "site.md" in pages
    assert ".. automodule:: nelc_edu.markov.core" in pages["markov.md"]
    assert ".. automodule:: nelc_edu.site.launch" in pages["site.md"]
    assert not any("_kernels" in text for text in pages.values())


def test_index_lists_every_notebook_with_its_course_map_line():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    what = build.course_map(readme)
    assert set(what) == {p.stem for p in NOTEBOOKS}
    titles = [(p.stem, p.stem) for p in NOTEBOOKS]
    index = build.index_page(titles, [("docs/lecturer-guide", "Guide")], has_theory=True,
                             has_readme=True, what=what)
    for p in NOTEBOOKS:
        assert f"(notebooks/{p.stem}.ipynb) | {what[p.stem]} |" in index
        assert f"\nnotebooks/{p.stem}\n" in index
    assert "\ndocs/theory\n" in index and "\napi/index\n" in index
    no_theory = build.index_page(titles, [], has_theory=False, has_readme=False)
    assert "docs/theory" not in no_theory and "README" not in no_theory


def test_widget_stills_keep_figures_and_progress_text():
    png = "iVBORw0KGgo="
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": [
            "IPY_MODEL_s", "IPY_MODEL_d", "IPY_MODEL_o"]}},
        "s": {"model_name": "IntSliderModel", "state": {"description": "n", "value": 6}},
        "d": {"model_name": "DropdownModel", "state": {"description": "run", "index": 1,
                                                      "_options_labels": ["a", "b"]}},
        "o": {"model_name": "OutputModel", "state": {"outputs": [
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": png, "text/plain": "Figure"}}]}},
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_h", "IPY_MODEL_p"]}},
        "h": {"model_name": "HTMLModel", "state": {"value": "100%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 1.0}},
    }

    def view(mid):
        return {"output_type": "display_data", "metadata": {},
                "data": {execute.WIDGET_VIEW: {"model_id": mid}, "text/plain": "W"}}

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w")])
    nb.cells[0].outputs = [view("box"), view("bar"), view("missing")]
    nb.metadata["widgets"] = {execute.WIDGET_STATE: {"state": state}}
    assert execute.widgets_to_stills(nb) == 3
    outs = nb.cells[0].outputs
    assert outs[0]["data"]["text/plain"] == (
        "Interactive widget shown at its default settings: n = 6; run = b.")
    assert outs[1]["data"]["image/png"] == png
    assert outs[2] == {"output_type": "stream", "name": "stderr", "text": "100%\n"}
    assert len(outs) == 3, "a widget whose state is missing leaves nothing behind"
    assert "widgets" not in nb.metadata
    nbformat.validate(nbformat.from_dict(nb))


def test_build_site_checks_the_output_folder_before_any_work(tmp_path, monkeypatch):
    def must_not_stage(*args, **kwargs):
        raise AssertionError("staged before the output folder was checked")

    monkeypatch.setattr(build, "stage", must_not_stage)
    with pytest.raises(ValueError, match="overlaps"):
        build.build_site(REPO / "notebooks" / "site", repo_root=REPO)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    with pytest.raises(ValueError, match="not empty and holds no site built by nelc-edu"):
        build.build_site(tmp_path / "mine", repo_root=REPO)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        build.build_site(tmp_path / "afile", repo_root=REPO)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "x"


def test_cli_build_site_errors_are_one_line(tmp_path, capsys):
    from nelc_edu import cli

    (tmp_path / "afile").write_text("x")
    assert cli.main(["build-site", str(tmp_path / "afile"), "--repo-root", str(REPO)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a folder" in err
    with pytest.raises(SystemExit):
        cli.main(["build-site", "x", "--jobs", "0"])


def test_site_package_imports_no_site_tool():
    code = ("import sys, nelc_edu, nelc_edu.site, nelc_edu.site.launch, nelc_edu.site.build, "
            "nelc_edu.site.execute, nelc_edu.cli; nelc_edu.cli.build_parser(); "
            "print(','.join(m for m in ('sphinx', 'myst_nb', 'nbclient', 'nbformat', "
            "'numba', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "", f"imported eagerly: {out.stdout.strip()}"


def test_execution_budgets_and_failures(tmp_path):
    """Full budgets unset NELC_FAST (the tests set it), fast sets it; a failing cell is one
    line naming the notebook; widget-free notebooks run in parallel kernels."""
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os; print(repr(os.environ.get('NELC_FAST')), os.environ['NUMBA_NUM_THREADS'])")])
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    nbformat.write(probe, tmp_path / "probe.ipynb")
    pairs = [(tmp_path / "probe.ipynb", tmp_path / "full.ipynb"),
             (tmp_path / "probe.ipynb", tmp_path / "full2.ipynb")]
    results = execute.execute_notebooks(pairs, fast=False, jobs=2, log=lambda s: None)
    assert [r.name for r in results] == ["probe.ipynb", "probe.ipynb"]
    text = nbformat.read(tmp_path / "full.ipynb", as_version=4).cells[0].outputs[0].text
    assert text.strip() == "None 1", "full budgets must not inherit NELC_FAST"
    execute.execute_notebook(tmp_path / "probe.ipynb", tmp_path / "fast.ipynb", fast=True)
    text = nbformat.read(tmp_path / "fast.ipynb", as_version=4).cells[0].outputs[0].text
    assert text.strip() == "'1' 1"
    probe.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(probe, tmp_path / "bad.ipynb")
    with pytest.raises(RuntimeError, match=r"^bad\.ipynb: a cell failed: .*ZeroDivisionError"):
        execute.execute_notebooks([(tmp_path / "bad.ipynb", tmp_path / "bad-out.ipynb")],
                                  log=lambda s: None)
    assert not (tmp_path / "bad-out.ipynb").exists(), "a failed notebook must not be written"


def test_stage_includes_the_theory_page_and_its_figures(tmp_path):
    """docs/theory.md (written later) and any figure under docs/ become pages of the site."""
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "docs" / "figures").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 01 · A\n\n[theory](../docs/theory.md#cycles) and [script](../scripts/x.py)")])
    launch.apply_launch_cells(nb, "01_a.ipynb", URL)
    nbformat.write(nb, repo / "notebooks" / "01_a.ipynb")
    (repo / "docs" / "theory.md").write_text("# Theory\n\n## Cycles\n\n![f](figures/f.png)\n")
    (repo / "docs" / "lecturer-guide.md").write_text("# Guide\n")
    (repo / "docs" / "figures" / "f.png").write_bytes(b"\x89PNG")
    staged = build.stage(repo, tmp_path / "src", URL)
    src = tmp_path / "src"
    assert (src / "docs" / "theory.md").read_text().endswith("![f](figures/f.png)\n")
    assert (src / "docs" / "figures" / "f.png").read_bytes() == b"\x89PNG"
    index = (src / "index.md").read_text()
    assert ":caption: Theory" in index and "\ndocs/theory\n" in index
    page = nbformat.read(src / "notebooks" / "01_a.ipynb", as_version=4)
    assert "[theory](../docs/theory.md#cycles)" in page.cells[0].source
    assert f"[script]({URL}/blob/main/scripts/x.py)" in page.cells[0].source
    assert [c.metadata.get("tags") for c in page.cells] == [None, ["launch-badges"]]
    assert (src / "_static" / "mathjax" / "tex-svg-full.js").is_file()
    assert staged["notebooks"] == [(src / "notebooks" / "01_a.ipynb",) * 2]
    assert staged["config"]["nelc_launch"]["pages"]["notebooks/01_a"]["binder"].endswith(
        "labpath=student%2F01_a.ipynb")
