"""Numba, imported only by the ``*_numba.py`` kernel modules (never by ``import nelc_edu``).

The kernels use public Numba only: ``@njit(cache=True)`` (compiled on the first call, then
loaded from the on-disk cache). Whether this module imports at all decides the default
backend (:mod:`nelc_edu._backend`).

``@njit(cache=True)`` needs a writable cache directory, or the decorator raises at import
time. On a read-only install (a system site-packages, some JupyterHubs) we point
``NUMBA_CACHE_DIR`` at a per-user cache directory before importing Numba.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
        return True
    except OSError:
        return False


def _ensure_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    if _writable(Path(__file__).parent / "__pycache__"):
        return
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    for candidate in (base / "nelc_edu" / "numba", Path(tempfile.gettempdir()) / "nelc_edu_numba"):
        if _writable(candidate):
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            return


_ensure_cache_dir()

import numba  # noqa: E402
from numba import njit  # noqa: E402,F401

__all__ = ["numba", "njit"]
