"""The README's promises: launch links, the set-up commands CI runs, the course map, the site."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_binder_link_uses_the_repository_address():
    pyproject = (REPO / "pyproject.toml").read_text()
    url = re.search(r'^Repository\s*=\s*"([^"]+)"', pyproject, re.M).group(1)
    owner_repo = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)/?", url).group(1)
    links = re.findall(r"https://mybinder\.org/v2/gh/([^/]+/[^/]+)/", README)
    assert links, "README has no Binder link"
    assert set(links) == {owner_repo}, f"Binder link {links} does not match {url}"


def test_binder_link_opens_an_existing_notebook():
    targets = re.findall(r"labpath=(notebooks|student)%2F([\w.]+)", README)
    assert targets, "README has no Binder link to a notebook"
    for folder, target in targets:
        assert (REPO / folder / target).exists(), f"{folder}/{target}"


def test_launch_links_open_the_student_edition():
    """Binder and Colab badges open student/ (what learners use), derived from pyproject."""
    from nelc_edu.site import launch

    url = launch.repository_url(REPO)
    binder = re.findall(r"\((https://mybinder\.org/v2/gh/[^)]+)\)", README)
    colab = re.findall(r"\((https://colab\.research\.google\.com/github/[^)]+)\)", README)
    assert binder == [launch.binder_url("00_start_here.ipynb", url)]
    assert colab == [launch.colab_url("00_start_here.ipynb", url)]


def test_readme_documents_the_site_command():
    assert "nelc-edu build-site" in README and 'pip install ".[site]"' in README
    from nelc_edu import cli

    help_text = cli.build_parser().format_help()
    assert "build-site" in help_text and "add-launch-cells" in help_text


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^(python3 -m venv .*)$", README, re.M)
    assert len(commands) == 2, "README set-up is two commands"
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci, "CI must run the README's test command verbatim"


def test_course_map_lists_every_notebook():
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert f"`{nb.stem}`" in README, f"README course map lacks {nb.stem}"
