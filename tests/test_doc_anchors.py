"""Every `#anchor` a page of the course links to exists: in the docs, the README and the
notebooks (the browser test of the site finds the same, but only after a full build)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]*?)#([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's (and MyST's) anchor of a heading: lower case, punctuation dropped, spaces -.

    >>> slug("5. The likelihood gradient: the two-step rule")
    '5-the-likelihood-gradient-the-two-step-rule'
    """
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def sources() -> list[Path]:
    return sorted([REPO / "README.md", *(REPO / "docs").glob("*.md"),
                   *(REPO / "notebooks").glob("*.ipynb")])


def links(path: Path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    for target, anchor in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        yield (path.parent / target).resolve() if target else path, anchor


@pytest.mark.parametrize("page", sources(), ids=lambda p: p.name)
def test_every_internal_anchor_exists(page):
    missing = [f"{target.name}#{anchor}" for target, anchor in links(page)
               if target.suffix in (".md", ".ipynb") and target.exists()
               and anchor not in anchors(target)]
    assert not missing, f"{page.name} links to anchors that do not exist: {missing}"
