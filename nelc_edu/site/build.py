"""``nelc-edu build-site OUT``: the course as a static website, built with no network.

Why Sphinx + MyST-NB + sphinx-book-theme (the stack under Jupyter Book 1, used directly):

* it renders notebooks with their stored outputs (``nb_execution_mode = "off"``), so this
  module executes them itself, in parallel, and the site tool never runs a cell again;
* the API reference comes from the package's own numpydoc docstrings (autodoc + napoleon);
* its search (a JavaScript index loaded by a ``<script>`` tag) works from ``file://`` and
  needs no server, and the theme ships its fonts and icons, so the site reads offline and
  from disk;
* MathJax 3 is configurable as a local file: the single-file ``tex-svg-full.js`` (from the
  ``sphinx-mathjax-offline`` package) is copied into the site's ``_static/``, and SVG output
  needs no web fonts;
* launch buttons are a theme feature; this module adds its own group (``_sphinx_ext``) so
  Binder and Colab open the *student edition* (``student/``), not the page's source.

Jupyter Book 2 (MyST-MD) needs Node.js and downloads its theme at build time, which this
workplace and an offline learner cannot do.

The steps of :func:`build_site`: check the output folder; stage the notebooks (instructor
edition, solutions folded behind "Show the solution", the Colab set-up cell dropped, badges
drawn from local images), the ``docs/*.md`` pages (the theory page, the lecturer guide,
results), the README and a generated API reference into a temporary folder; execute the
notebooks there (one kernel per core); write ``conf.py`` (:func:`sphinx_config`); run Sphinx;
rename the finished site onto ``OUT``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import launch

__all__ = ["build_site", "BuildReport"]

#: File at the root of every built site; ``build-site`` only replaces folders that have it.
SITE_MARKER = ".nelc-edu-site"
MATHJAX_FILE = "tex-svg-full.js"
_STATIC = Path(__file__).with_name("static")
_LOCAL_IMAGES = {launch.BINDER_BADGE: "binder-badge.svg", launch.COLAB_BADGE: "colab-badge.svg"}
_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")
_API_PACKAGES = ["markov", "models", "training", "experiments", "sweeps", "classify",
                 "untying", "finite_differences", "gradient_fidelity", "io", "datasets",
                 "plotting", "widgets", "editions", "site"]


@dataclass
class BuildReport:
    """What :func:`build_site` did and how long each step took (seconds)."""

    out: Path
    pages: int = 0
    notebooks: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def mathjax_script() -> Path:
    """The single-file MathJax 3 build shipped by the ``sphinx-mathjax-offline`` package.

    Raises
    ------
    ValueError
        If the package is missing (``pip install ".[site]"``).
    """
    from importlib import metadata

    try:
        files = metadata.files("sphinx-mathjax-offline") or []
    except metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == MATHJAX_FILE:
            path = Path(f.locate())
            if path.is_file():
                return path
    raise ValueError("the site needs MathJax from the package sphinx-mathjax-offline: "
                     'pip install ".[site]"')


def sphinx_config(*, repo_url: str, notebooks: dict[str, str], title: str,
                  version: str) -> dict:
    """The values of the site's ``conf.py``.

    Parameters
    ----------
    repo_url : str
        The repository address (launch buttons, the repository button).
    notebooks : dict
        Page name (``"notebooks/00_start_here"``) to notebook file name, for the launch
        buttons.
    title, version : str

    Returns
    -------
    dict
        Name to value; every value is a Python literal.

    Examples
    --------
    >>> conf = sphinx_config(repo_url="https://github.com/o/r", title="T", version="1",
    ...                      notebooks={"notebooks/01_a": "01_a.ipynb"})
    >>> conf["nb_execution_mode"], conf["mathjax_path"]
    ('off', 'mathjax/tex-svg-full.js')
    >>> conf["nelc_launch"]["pages"]["notebooks/01_a"]["colab"]
    'https://colab.research.google.com/github/o/r/blob/main/student/01_a.ipynb'
    """
    pages = {page: {"binder": launch.binder_url(name, repo_url),
                    "colab": launch.colab_url(name, repo_url)}
             for page, name in notebooks.items()}
    return {
        "project": title,
        "author": "nelc_edu developers",
        "copyright": "nelc_edu developers (MIT licence)",
        "version": version,
        "release": version,
        "extensions": ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon",
                       "sphinx.ext.mathjax", "nelc_edu.site._sphinx_ext"],
        "exclude_patterns": ["_build", "**.ipynb_checkpoints", "conf.py"],
        "nb_execution_mode": "off",
        "nb_merge_streams": True,
        "nb_output_stderr": "show",
        "myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence", "deflist"],
        "myst_heading_anchors": 3,
        "myst_dmath_double_inline": True,
        # ref.python: a docstring type such as "(K, N)" names several attributes called K
        "suppress_warnings": ["mystnb.unknown_mime_type", "myst.header",
                              "misc.highlighting_failure", "ref.python"],
        "autodoc_default_options": {"members": True, "show-inheritance": True},
        "autodoc_member_order": "bysource",
        "autodoc_typehints": "description",
        "napoleon_google_docstring": False,
        "napoleon_numpy_docstring": True,
        "napoleon_use_rtype": False,
        "napoleon_use_param": False,
        "napoleon_use_ivar": True,
        "mathjax_path": f"mathjax/{MATHJAX_FILE}",
        "mathjax3_config": {"svg": {"fontCache": "global"}},
        "html_theme": "sphinx_book_theme",
        "html_title": title,
        "html_static_path": ["_static"],
        "html_css_files": ["nelc-site.css"],
        "html_last_updated_fmt": None,
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "html_theme_options": {
            "repository_url": repo_url,
            "repository_branch": launch.BRANCH,
            "use_repository_button": True,
            "use_download_button": False,
            "use_fullscreen_button": False,
            "home_page_in_toc": True,
            "show_toc_level": 2,
            "navigation_with_keys": False,
        },
        "nelc_launch": {"pages": pages},
    }


def write_conf(config: dict, path: str | os.PathLike) -> None:
    """Write ``config`` as a ``conf.py`` of plain assignments (every value a literal).

    Examples
    --------
    >>> import tempfile, runpy, os
    >>> path = os.path.join(tempfile.mkdtemp(), "conf.py")
    >>> write_conf({"project": "T", "html_theme_options": {"a": [1, None]}}, path)
    >>> runpy.run_path(path)["html_theme_options"]
    {'a': [1, None]}
    """
    lines = ['"""Sphinx configuration of the course site, written by nelc-edu build-site."""',
             ""]
    for name, value in config.items():
        lines.append(f"{name} = {value!r}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def rewrite_links(text: str, where: PurePosixPath, staged: set[str], repo_url: str) -> str:
    """Point a page's links at what exists in the site.

    * a relative link to a file that is staged stays as it is (Sphinx resolves it);
    * a relative link to another file of the repository becomes its address on GitHub;
    * the remote Binder and Colab badge images become the site's own copies (offline).

    Parameters
    ----------
    text : str
        Markdown.
    where : PurePosixPath
        The page's folder, relative to the repository root (``docs``, ``notebooks``, ``.``).
    staged : set of str
        Repository-relative paths of the files that are pages of the site.
    repo_url : str

    Examples
    --------
    >>> rewrite_links("[s](../scripts/x.py) [g](lecturer-guide.md#a)",
    ...               PurePosixPath("docs"), {"docs/lecturer-guide.md"}, "https://github.com/o/r")
    '[s](https://github.com/o/r/blob/main/scripts/x.py) [g](lecturer-guide.md#a)'
    """
    def fix(m: re.Match) -> str:
        head, target, tail = m.groups()
        if target in _LOCAL_IMAGES:
            depth = len([p for p in where.parts if p not in ("", ".")])
            return f"{head}{'../' * depth}_images_static/{_LOCAL_IMAGES[target]}{tail}"
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/")):
            return m.group(0)
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(str(where), path)).replace(os.sep, "/")
        if resolved.startswith(".."):
            return m.group(0)
        if resolved in staged:
            return m.group(0)
        url = f"{repo_url}/blob/{launch.BRANCH}/{resolved}" + (f"#{anchor}" if anchor else "")
        return f"{head}{url}{tail}"

    return _LINK.sub(fix, text)


def site_notebook(nb, name: str, repo_url: str, staged: set[str]):
    """The notebook as the site shows it (the input is not modified).

    The Colab set-up cell is dropped (it does nothing off Colab), the badge cell uses the
    site's own badge images, solution cells are folded behind "Show the solution", links to
    repository files that are not pages point at GitHub, and outputs are cleared (the site
    shows the outputs of its own run).
    """
    import nbformat

    out = nbformat.reads(nbformat.writes(nb), as_version=4)
    cells = []
    for cell in out.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if launch.SETUP_TAG in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = rewrite_links(cell.source, PurePosixPath("notebooks"), staged,
                                        repo_url)
        elif "solution" in tags:
            cell.metadata["tags"] = [*tags, "hide-cell"]
            cell.metadata["mystnb"] = {"code_prompt_show": "Show the solution",
                                       "code_prompt_hide": "Hide the solution"}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("widgets", None)
    return out


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return fallback


def _md_title(text: str, fallback: str) -> str:
    m = re.search(r"^#\s+(.+)$", text, re.M)
    return m.group(1).strip() if m else fallback


def api_pages() -> dict[str, str]:
    """The API reference: file name to MyST text, one page per public part of the package.

    A package's page documents each public submodule (``automodule`` with its members);
    what a module lists in ``__all__`` is what appears.
    """
    import importlib
    import pkgutil

    pages = {}
    for name in _API_PACKAGES:
        full = f"nelc_edu.{name}"
        try:
            module = importlib.import_module(full)
        except ImportError:
            continue
        modules = [full]
        if hasattr(module, "__path__"):
            modules += sorted(
                f"{full}.{info.name}" for info in pkgutil.iter_modules(module.__path__)
                if not info.name.startswith("_") and not info.name.endswith("_kernels")
                and info.name != "cli")
        body = [f"# `{full}`", ""]
        for mod in modules:
            if mod != full:
                body += [f"## `{mod}`", ""]
            body += ["```{eval-rst}", f".. automodule:: {mod}",
                     *(["   :no-members:"] if mod == full and len(modules) > 1 else []),
                     "```", ""]
        pages[f"{name}.md"] = "\n".join(body)
    index = ["# API reference", "",
             "Every public function and class of `nelc_edu`, from its docstring "
             "(numpydoc: parameters, returns, errors and a runnable example).", "",
             "```{toctree}", ":maxdepth: 1", "", *[p[:-3] for p in pages], "```", ""]
    pages["index.md"] = "\n".join(index)
    return pages


def course_map(readme: str) -> dict[str, str]:
    r"""What each notebook teaches, from the README's course map (``| `stem` | text |``).

    Examples
    --------
    >>> course_map("| `01_markov` | stationary distribution |\n| other | row |")
    {'01_markov': 'stationary distribution'}
    """
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"^\|\s*`(\d\d_\w+)`\s*\|(.+?)\|\s*$", readme, re.M)}


def index_page(notebooks: list[tuple[str, str]], docs: list[tuple[str, str]],
               has_theory: bool, has_readme: bool, what: dict[str, str] | None = None,
               fast: bool = False) -> str:
    """The home page: what the course is, the notebooks, and the navigation tree."""
    what = what or {}
    rows = "\n".join(f"| [{title}](notebooks/{stem}.ipynb) | {what.get(stem, '')} |"
                     for stem, title in notebooks)
    doc_pages = [d for d, _ in docs if d != "docs/theory" and d != "docs/lecturer-guide"]
    lines = [
        "# Nonequilibrium latent cycles: the course", "",
        "A course built around one result: M. Baiesi and A. Rosso, *Emergence of "
        "Nonequilibrium Latent Cycles in Unsupervised Generative Modeling*, "
        "[arXiv:2512.11415](https://arxiv.org/abs/2512.11415) (2025). A latent-variable "
        "model whose encoder and decoder have independent parameters samples with a Markov "
        "chain that breaks detailed balance; trained by maximum likelihood it develops "
        "latent cycles with probability currents, and it beats the equilibrium RBM when "
        "both are trained with persistent chains.", "",
        "Each notebook page shows the notebook as it ran at the "
        + ("fast budgets (this is a quick preview build)" if fast else "full budgets")
        + ", with its figures. Solutions are folded: try the exercise first. Interactive "
        "widgets are shown at their default settings; to move the sliders, open the "
        "notebook with the launch button at the top of its page (Binder or Colab): it "
        "opens the *student edition*, with the exercises to do.", "",
        "| notebook | what you learn |", "| --- | --- |", rows, "",
        "```{toctree}", ":caption: Course", ":hidden:", "",
        *[f"notebooks/{stem}" for stem, _ in notebooks], "```", "",
    ]
    if has_theory:
        lines += ["```{toctree}", ":caption: Theory", ":hidden:", "", "docs/theory", "```", ""]
    lines += ["```{toctree}", ":caption: Teaching and results", ":hidden:", "",
              "docs/lecturer-guide", *doc_pages, "```", "",
              "```{toctree}", ":caption: Reference", ":hidden:", "", "api/index",
              *(["README"] if has_readme else []), "```", ""]
    return "\n".join(lines)


def _check_output(out: Path, repo_root: Path) -> None:
    """Refuse an output folder that is not ours to replace, before any work."""
    resolved = out.resolve()
    for keep in (repo_root / "notebooks", repo_root / "docs", repo_root / "nelc_edu",
                 repo_root / launch.STUDENT_DIR):
        keep = keep.resolve()
        if resolved == keep or keep in resolved.parents or resolved in keep.parents:
            raise ValueError(f"the output folder {str(out)!r} overlaps {str(keep)!r}; "
                             "choose a folder such as _site/.")
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output {str(out)!r} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).exists():
        raise ValueError(f"the folder {str(out)!r} is not empty and holds no site built by "
                         "nelc-edu; choose an empty or new folder.")
    parent = resolved.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write the site to {str(out)!r}: {str(parent)!r} is not a "
                         "writable folder.")


def stage(repo_root: Path, staging: Path, repo_url: str, fast: bool = False) -> dict:
    """Copy and prepare every page of the site into ``staging`` (nothing is executed).

    Returns
    -------
    dict
        ``notebooks``: list of (source path, staged path); ``config``: the conf values.
    """
    import nbformat

    notebooks = sorted((repo_root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"no notebooks in {str(repo_root / 'notebooks')!r}; pass --repo-root.")
    docs = sorted((repo_root / "docs").glob("*.md"))
    readme = repo_root / "README.md"
    staged = {f"notebooks/{p.name}" for p in notebooks}
    staged |= {f"docs/{p.name}" for p in docs}
    figures = [p for p in sorted((repo_root / "docs").rglob("*"))
               if p.is_file() and p.suffix != ".md" and not p.name.startswith(".")]
    staged |= {f"docs/{p.relative_to(repo_root / 'docs').as_posix()}" for p in figures}
    if readme.is_file():
        staged.add("README.md")
    for folder in ("notebooks", "docs", "api", "_static", "_images_static"):
        (staging / folder).mkdir(parents=True, exist_ok=True)
    pairs, nb_pages, titles = [], {}, []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        target = staging / "notebooks" / path.name
        nbformat.write(site_notebook(nb, path.name, repo_url, staged), target)
        pairs.append((target, target))
        nb_pages[f"notebooks/{path.stem}"] = path.name
        titles.append((path.stem, _title(nb, path.stem)))
    doc_titles = []
    for path in docs:
        text = path.read_text(encoding="utf-8")
        (staging / "docs" / path.name).write_text(
            rewrite_links(text, PurePosixPath("docs"), staged, repo_url), encoding="utf-8")
        doc_titles.append((f"docs/{path.stem}", _md_title(text, path.stem)))
    for path in figures:  # images the pages show
        target = staging / "docs" / path.relative_to(repo_root / "docs")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    if readme.is_file():
        (staging / "README.md").write_text(
            rewrite_links(readme.read_text(encoding="utf-8"), PurePosixPath("."), staged,
                          repo_url), encoding="utf-8")
    for name, text in api_pages().items():
        (staging / "api" / name).write_text(text, encoding="utf-8")
    (staging / "index.md").write_text(
        index_page(titles, doc_titles, (repo_root / "docs" / "theory.md").is_file(),
                   readme.is_file(),
                   course_map(readme.read_text(encoding="utf-8")) if readme.is_file() else {},
                   fast=fast),
        encoding="utf-8")
    (staging / "_static" / "mathjax").mkdir()
    shutil.copy2(mathjax_script(), staging / "_static" / "mathjax" / MATHJAX_FILE)
    shutil.copy2(_STATIC / "nelc-site.css", staging / "_static" / "nelc-site.css")
    for name in _LOCAL_IMAGES.values():
        shutil.copy2(_STATIC / name, staging / "_images_static" / name)
    from .. import __version__

    config = sphinx_config(repo_url=repo_url, notebooks=nb_pages, version=__version__,
                           title="Nonequilibrium latent cycles")
    write_conf(config, staging / "conf.py")
    return {"notebooks": pairs, "config": config}


def _run_sphinx(staging: Path, html: Path, log) -> list[str]:
    warnings_file = staging / "_sphinx-warnings.txt"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "--keep-going",
           "-w", str(warnings_file), str(staging), str(html)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(cmd, cwd=staging, env=env, capture_output=True, text=True)
    warnings = [ln for ln in (warnings_file.read_text().splitlines()
                              if warnings_file.exists() else []) if "WARNING" in ln]
    if proc.returncode != 0 or not (html / "index.html").is_file():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"Sphinx failed (exit {proc.returncode}): {tail}")
    return warnings


def build_site(out: str | os.PathLike, *, repo_root: str | os.PathLike = ".",
               fast: bool = False, jobs: int | None = None, log=print) -> BuildReport:
    """Build the course website into ``out``.

    Parameters
    ----------
    out : path-like
        The folder to write (created; a previous site there is replaced as a whole, and
        only once the new one is complete).
    repo_root : path-like
        The repository (its ``notebooks/``, ``docs/``, ``README.md``, ``pyproject.toml``).
    fast : bool
        Execute the notebooks at the fast budgets (``NELC_FAST=1``); the default is the full
        budgets, what a reader should see.
    jobs : int, optional
        Notebooks executed at once (default: one per core).
    log : callable
        Progress lines.

    Returns
    -------
    BuildReport

    Raises
    ------
    ValueError
        Bad output folder or repository (before any work), a missing site tool, or an OS
        error while writing (one line naming the path).
    RuntimeError
        A notebook cell failed or Sphinx failed (the message says which).
    """
    from .execute import execute_notebooks

    out, repo_root = Path(out), Path(repo_root).resolve()
    _check_output(out, repo_root)
    repo_url = launch.repository_url(repo_root)
    launch.github_repo(repo_url)
    mathjax_script()
    for tool in ("sphinx", "myst_nb", "sphinx_book_theme", "nbclient"):
        try:
            __import__(tool)
        except ImportError:
            raise ValueError(f"the site needs {tool}: pip install \".[site]\"") from None
    report = BuildReport(out=out)
    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".nelc-site-", dir=out.resolve().parent))
    try:
        t0 = time.perf_counter()
        staged = stage(repo_root, work / "src", repo_url, fast=fast)
        report.timings["stage"] = time.perf_counter() - t0
        mode = "fast" if fast else "full"
        log(f"executing {len(staged['notebooks'])} notebooks ({mode} budgets)")
        t0 = time.perf_counter()
        report.notebooks = execute_notebooks(staged["notebooks"], fast=fast, jobs=jobs, log=log)
        report.timings["execute"] = time.perf_counter() - t0
        log("rendering the site with Sphinx")
        t0 = time.perf_counter()
        html = work / "html"
        report.warnings = _run_sphinx(work / "src", html, log)
        report.timings["sphinx"] = time.perf_counter() - t0
        (html / SITE_MARKER).write_text(f"built by nelc-edu build-site ({mode} budgets)\n")
        (html / ".nojekyll").write_text("")
        report.pages = len(list(html.rglob("*.html")))
        if out.exists():
            old = work / "old"
            os.replace(out, old)
        os.replace(html, out)
    except OSError as exc:
        where = exc.filename or out
        raise ValueError(f"could not write {str(where)!r}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report
