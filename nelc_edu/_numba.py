"""Numba, imported only by kernel modules (never by ``import nelc_edu``).

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
from numba import njit, prange  # noqa: E402,F401
from numba.core import config as _config  # noqa: E402
from numba.core.compiler import Compiler as _Compiler  # noqa: E402


class _SLPCompiler(_Compiler):
    """Numba's default pipeline, with LLVM's SLP vectoriser on for this function only.

    Numba switched the SLP (superword-level parallelism) vectoriser off by default in 0.57
    after miscompilations were reported (numba/numba#8705, #8852). The encoder sums of the
    chain kernels need it: their running sums over 12 adjacent columns become three 4-wide
    vector adds (about 4x fewer instructions). So it is enabled here per function, only for
    the kernels decorated with :func:`njit_slp`, never process-wide (``NUMBA_SLP_VECTORIZE``
    is left alone, so a user's own Numba code is unaffected). Every such kernel has a NumPy
    twin that the tests compare with it number for number, which is what would catch a
    miscompilation. The flag is read when the function's LLVM module is optimised, inside
    ``_compile_core``; a cached kernel keeps the code it was compiled with.
    """

    def _compile_core(self):
        saved = _config.SLP_VECTORIZE
        _config.SLP_VECTORIZE = 1
        try:
            return super()._compile_core()
        finally:
            _config.SLP_VECTORIZE = saved


def njit_slp(**options):
    """``numba.njit(**options)`` with the SLP vectoriser on for the decorated function.

    Use it for a function that contains the hot loop *and* for every caller it is inlined
    into: LLVM re-optimises a caller's module with the caller's settings.
    """
    return njit(pipeline_class=_SLPCompiler, **options)


__all__ = ["numba", "njit", "njit_slp", "prange"]
