"""Where learners open the course: Binder, Colab and JupyterHub links, badges, Colab set-up.

Every link is derived from one address, ``[project.urls] Repository`` in ``pyproject.toml``
(:func:`repository_url`), and opens the **student edition**, the folder ``student/`` that
``nelc-edu make-student-edition student --force`` generates from ``notebooks/`` and that is
committed so that Colab (which opens notebooks by their GitHub path) can find it.

Each course notebook carries two generated cells right after its title cell:

* a markdown cell of launch badges (tag ``launch-badges``): "launch binder" and "Open in
  Colab", both opening this notebook's student edition;
* a code cell (tag ``colab-setup``) that, on Google Colab only, installs the package from
  the repository and turns on Colab's widget manager (ipywidgets 8 needs it); anywhere
  else it does nothing.

:func:`apply_launch_cells` inserts or refreshes both (``nelc-edu add-launch-cells
notebooks/``), so a new notebook gets them with one command, and :func:`launch_cell_problems`
checks them (the tests run it on every notebook).

Examples
--------
>>> url = "https://github.com/nelc-edu/nelc_edu"
>>> colab_url("01_markov.ipynb", url)
'https://colab.research.google.com/github/nelc-edu/nelc_edu/blob/main/student/01_markov.ipynb'
>>> binder_url("01_markov.ipynb", url)
'https://mybinder.org/v2/gh/nelc-edu/nelc_edu/HEAD?labpath=student%2F01_markov.ipynb'
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

__all__ = [
    "repository_url",
    "binder_url",
    "colab_url",
    "nbgitpuller_url",
    "add_launch_cells",
    "launch_cell_problems",
]

#: The folder of the repository that holds the committed student edition.
STUDENT_DIR = "student"
#: The branch that Colab and nbgitpuller links open (Binder opens the default branch, HEAD).
BRANCH = "main"
BADGES_TAG = "launch-badges"
SETUP_TAG = "colab-setup"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
_GITHUB = re.compile(r"https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?")


def _find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _url_from_pyproject(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10: the one line we need, by pattern
        section = re.search(r"^\[project\.urls\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        m = section and re.search(r'^\s*Repository\s*=\s*"([^"]+)"', section.group(1), re.M)
        return m.group(1) if m else None
    return tomllib.loads(text).get("project", {}).get("urls", {}).get("Repository")


def repository_url(root: str | os.PathLike | None = None) -> str:
    """The repository's public address: ``[project.urls] Repository`` of ``pyproject.toml``.

    Parameters
    ----------
    root : path-like, optional
        A folder of the repository (its ``pyproject.toml`` is looked up from there). Without
        it the installed package's metadata is read (the same field, copied at install).

    Returns
    -------
    str
        The address, e.g. ``https://github.com/OWNER/REPO``.

    Raises
    ------
    ValueError
        If neither a ``pyproject.toml`` nor the installed metadata names the address.

    Examples
    --------
    >>> repository_url().startswith("https://github.com/")
    True
    """
    if root is not None:
        path = _find_pyproject(Path(root).resolve())
        url = _url_from_pyproject(path) if path else None
        if url:
            return url.rstrip("/")
        raise ValueError(f"no pyproject.toml with [project.urls] Repository at or above "
                         f"{str(root)!r}; run from the repository or pass --repo-root.")
    from importlib import metadata

    try:
        entries = metadata.metadata("nelc-edu").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        entries = []
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip().rstrip("/")
    raise ValueError("the installed nelc-edu names no Repository URL; reinstall it from the "
                     "repository (pip install .).")


def github_repo(url: str) -> tuple[str, str]:
    """``(owner, name)`` of a GitHub address.

    Raises
    ------
    ValueError
        If ``url`` is not ``https://github.com/OWNER/REPO`` (Binder's ``gh`` provider and
        Colab's GitHub loader need one).

    Examples
    --------
    >>> github_repo("https://github.com/nelc-edu/nelc_edu.git")
    ('nelc-edu', 'nelc_edu')
    """
    m = _GITHUB.fullmatch(url.strip())
    if not m:
        raise ValueError(f"the repository address {url!r} is not https://github.com/OWNER/REPO; "
                         "fix [project.urls] Repository in pyproject.toml.")
    return m.group(1), m.group(2)


def _student_path(notebook: str) -> str:
    name = Path(notebook).name
    if not name.endswith(".ipynb"):
        raise ValueError(f"notebook must be a file name ending in .ipynb, got {notebook!r}")
    return f"{STUDENT_DIR}/{name}"


def binder_url(notebook: str, repo_url: str) -> str:
    """Binder link that opens the student edition of ``notebook`` in JupyterLab."""
    owner, name = github_repo(repo_url)
    path = quote(_student_path(notebook), safe="")
    return f"https://mybinder.org/v2/gh/{owner}/{name}/HEAD?labpath={path}"


def colab_url(notebook: str, repo_url: str, branch: str = BRANCH) -> str:
    """Colab link that opens the student edition of ``notebook`` from GitHub."""
    owner, name = github_repo(repo_url)
    return (f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/"
            f"{_student_path(notebook)}")


def nbgitpuller_url(hub_url: str, notebook: str, repo_url: str, *, edition: str = STUDENT_DIR,
                    branch: str = BRANCH) -> str:
    """nbgitpuller link: clone (or update) the repository on a JupyterHub and open a notebook.

    Parameters
    ----------
    hub_url : str
        The hub's address, e.g. ``https://hub.example.edu``.
    notebook : str
        File name of the notebook to open.
    repo_url : str
        The repository address (:func:`repository_url`).
    edition : {"student", "notebooks"}
        ``"student"`` (the student edition) or ``"notebooks"`` (the instructor edition).
    branch : str

    Examples
    --------
    >>> nbgitpuller_url("https://hub.example.edu", "00_start_here.ipynb",
    ...                 "https://github.com/nelc-edu/nelc_edu")  # doctest: +NORMALIZE_WHITESPACE
    'https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fnelc-edu%2Fnelc_edu&branch=main&urlpath=lab%2Ftree%2Fnelc_edu%2Fstudent%2F00_start_here.ipynb'
    """
    if edition not in (STUDENT_DIR, "notebooks"):
        raise ValueError(f"edition must be 'student' or 'notebooks', got {edition!r}")
    _owner, name = github_repo(repo_url)
    query = urlencode({"repo": repo_url, "branch": branch,
                       "urlpath": f"lab/tree/{name}/{edition}/{Path(notebook).name}"})
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def badges_markdown(notebook: str, repo_url: str) -> str:
    """The badge cell: "launch binder" and "Open in Colab", both for the student edition.

    Examples
    --------
    >>> print(badges_markdown("00_start_here.ipynb", "https://github.com/o/r"))
    ... # doctest: +NORMALIZE_WHITESPACE
    [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/o/r/HEAD?labpath=student%2F00_start_here.ipynb)
    [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/o/r/blob/main/student/00_start_here.ipynb)
    <BLANKLINE>
    *Run this notebook online: Binder and Colab open the student edition (exercises to do).*
    """
    return (
        f"[![Launch on Binder]({BINDER_BADGE})]({binder_url(notebook, repo_url)})\n"
        f"[![Open in Colab]({COLAB_BADGE})]({colab_url(notebook, repo_url)})\n\n"
        "*Run this notebook online: Binder and Colab open the student edition "
        "(exercises to do).*"
    )


def colab_setup_source(repo_url: str) -> str:
    """The set-up cell: on Colab, install the package and enable the widget manager.

    Anywhere else the cell only imports ``sys`` and checks ``sys.modules``.

    Examples
    --------
    >>> src = colab_setup_source("https://github.com/o/r")
    >>> ns = {}
    >>> exec(src, ns)  # not on Colab: nothing happens
    >>> sorted(k for k in ns if not k.startswith("__"))
    ['sys']
    """
    github_repo(repo_url)
    return f'''\
# Colab set-up: on Google Colab this installs nelc_edu and turns on the widget manager that
# ipywidgets 8 needs there. Anywhere else (your computer, Binder, a JupyterHub) it does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "nelc-edu @ git+{repo_url}"], check=True)
    from google.colab import output

    output.enable_custom_widget_manager()
    import ipywidgets

    if int(ipywidgets.__version__.split(".")[0]) < 8:
        print("ipywidgets was upgraded: choose Runtime > Restart session, then run all cells.")'''


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def apply_launch_cells(nb, notebook: str, repo_url: str):
    """Insert (or refresh) the badge cell and the Colab set-up cell after the title cell.

    Idempotent: cells tagged ``launch-badges`` or ``colab-setup`` are removed first, so
    running it again after the address changed updates every link.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A course notebook whose first cell is its markdown title cell; modified in place.
    notebook : str
        The notebook's file name (the links open ``student/<notebook>``).
    repo_url : str
        The repository address (:func:`repository_url`).

    Returns
    -------
    nbformat.NotebookNode
        ``nb`` itself.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    >>> nb = apply_launch_cells(nb, "01_a.ipynb", "https://github.com/o/r")
    >>> [c.metadata.get("tags") for c in nb.cells]
    [None, ['launch-badges'], ['colab-setup']]
    >>> apply_launch_cells(nb, "01_a.ipynb", "https://github.com/o/r") is nb, len(nb.cells)
    (True, 3)
    """
    import nbformat

    cells = [c for c in nb.cells if not {BADGES_TAG, SETUP_TAG} & set(_tags(c))]
    if not cells or cells[0].get("cell_type") != "markdown":
        raise ValueError(f"{notebook}: the first cell must be the markdown title cell")
    badges = nbformat.v4.new_markdown_cell(badges_markdown(notebook, repo_url),
                                           metadata={"tags": [BADGES_TAG]})
    setup = nbformat.v4.new_code_cell(colab_setup_source(repo_url),
                                      metadata={"tags": [SETUP_TAG]})
    badges["id"], setup["id"] = BADGES_TAG, SETUP_TAG
    nb.cells = [cells[0], badges, setup, *cells[1:]]
    return nb


def launch_cell_problems(nb, notebook: str, repo_url: str) -> list[str]:
    """What is wrong with a notebook's launch cells (empty when they are as generated).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    >>> for line in launch_cell_problems(nb, "a.ipynb", "https://github.com/o/r"):
    ...     print(line)
    a.ipynb: cell 1 is not the launch-badges cell; run nelc-edu add-launch-cells
    a.ipynb: cell 2 is not the colab-setup cell; run nelc-edu add-launch-cells
    """
    problems = []
    expected = [(1, BADGES_TAG, "markdown", badges_markdown(notebook, repo_url)),
                (2, SETUP_TAG, "code", colab_setup_source(repo_url))]
    for index, tag, kind, source in expected:
        cell = nb.cells[index] if len(nb.cells) > index else {}
        if tag not in _tags(cell) or cell.get("cell_type") != kind:
            problems.append(f"{notebook}: cell {index} is not the {tag} cell; "
                            "run nelc-edu add-launch-cells")
        elif _source(cell) != source:
            problems.append(f"{notebook}: the {tag} cell is out of date; "
                            "run nelc-edu add-launch-cells")
    extra = [i for i, c in enumerate(nb.cells)
             if i > 2 and {BADGES_TAG, SETUP_TAG} & set(_tags(c))]
    if extra:
        problems.append(f"{notebook}: launch cells repeated at {extra}")
    return problems


def add_launch_cells(folder: str | os.PathLike, repo_url: str | None = None) -> list[Path]:
    """Apply :func:`apply_launch_cells` to every notebook of ``folder``; return those changed.

    Files are replaced through a temporary file and a rename; outputs are not touched.
    """
    import nbformat

    folder = Path(folder)
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks (*.ipynb) in {str(folder)!r}")
    repo_url = repo_url or repository_url(folder)
    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        after = nbformat.writes(apply_launch_cells(nb, path.name, repo_url))
        if after != before:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(after + ("" if after.endswith("\n") else "\n"))
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            changed.append(path)
    return changed
