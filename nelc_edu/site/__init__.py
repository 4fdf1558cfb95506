"""The course where learners are: a static website, and the links that open the notebooks.

* :mod:`nelc_edu.site.launch`: the repository address (one place: ``pyproject.toml``),
  Binder / Colab / nbgitpuller links to the student edition, the badge cell and the Colab
  set-up cell of every notebook.
* :mod:`nelc_edu.site.execute`: runs the notebooks in parallel (one kernel per core) into a
  staging folder, and turns each widget into a still of its default state.
* :mod:`nelc_edu.site.build`: ``nelc-edu build-site OUT``: stages the notebooks, the docs and
  an API reference, writes the Sphinx configuration and builds the site (Sphinx, MyST-NB,
  sphinx-book-theme, MathJax shipped inside the site), with no network.

The site tools are an optional extra: ``pip install ".[site]"``. Importing this package
imports none of them. The command line is :mod:`nelc_edu.cli.site`.
"""

from __future__ import annotations

__all__ = ["launch", "execute", "build"]
