"""Sphinx extension of the course site: launch buttons that open the student edition.

sphinx-book-theme builds its Binder/Colab links from the page's own source path; the course
site renders the instructor notebooks (solutions folded) but learners must open the student
edition, ``student/NAME.ipynb``. This extension adds the launch group from the URLs that
``nelc_edu.site.build.sphinx_config`` computed (config value ``nelc_launch``).
"""

from __future__ import annotations

from typing import Any


def _add_launch_buttons(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    urls = app.config.nelc_launch.get("pages", {}).get(pagename)
    buttons = context.get("header_buttons")
    if not urls or buttons is None:
        return
    buttons.append({
        "type": "group",
        "tooltip": "Run this notebook (student edition)",
        "icon": "fas fa-rocket",
        "label": "launch-buttons",
        "buttons": [
            {"type": "link", "text": "Binder", "tooltip": "Open the student edition on Binder",
             "icon": "_static/images/logo_binder.svg", "url": urls["binder"]},
            {"type": "link", "text": "Colab", "tooltip": "Open the student edition on Colab",
             "icon": "_static/images/logo_colab.png", "url": urls["colab"]},
        ],
    })


def setup(app) -> dict[str, Any]:
    """Register the ``nelc_launch`` config value and the launch-button hook."""
    app.add_config_value("nelc_launch", {}, "html")
    # after sphinx-book-theme's prep_header_buttons (default priority 500)
    app.connect("html-page-context", _add_launch_buttons, priority=501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
