"""Which implementation computes: the NumPy reference, or its Numba acceleration.

Every computation of the package has a readable NumPy implementation (the reference, in the
``*_numpy.py`` modules and :mod:`nelc_edu._rng`). Where Numba is installed, compiled kernels
with the same names and the same random numbers (the ``*_numba.py`` modules) run instead;
they return the same integers for the same seed, and floats equal to rounding.

The backend is chosen in this order:

1. :func:`set_backend` (``"numba"``, ``"numpy"``, or ``"auto"`` to undo a choice);
2. the environment variable ``NELC_BACKEND`` (``numba``, ``numpy`` or ``auto``), read when
   the backend is first needed;
3. ``"numba"`` if ``import numba`` succeeds, else ``"numpy"``.

Functions with a ``backend=`` argument (``run_chains``, ``BinaryRBM.gibbs``,
``markov.simulate``, ...) use it for that call only; ``backend=None`` means "the current
backend". Nothing here imports Numba until a backend is asked for, so ``import nelc_edu``
stays cheap.

Examples
--------
>>> import nelc_edu
>>> nelc_edu.backend() in ("numba", "numpy")
True
>>> nelc_edu.set_backend("numpy")
>>> nelc_edu.backend()
'numpy'
>>> nelc_edu.set_backend("auto")   # back to the environment variable, or the default
"""

from __future__ import annotations

import os

#: The environment variable that forces a backend.
ENV_VAR = "NELC_BACKEND"

BACKENDS = ("numba", "numpy")
_CHOICES = (*BACKENDS, "auto")

_chosen: str | None = None  # set_backend's choice; None: the environment variable decides
_numba_error: str | None = None  # why Numba did not import (None: not tried yet, or fine)
_numba_tried = False


def numba_available() -> bool:
    """True when Numba imports (tried once per process; a failure is remembered).

    Examples
    --------
    >>> isinstance(numba_available(), bool)
    True
    """
    global _numba_tried, _numba_error
    if not _numba_tried:
        _numba_tried = True
        try:
            from . import _numba  # noqa: F401  (imports numba, guards its cache folder)
        except Exception as exc:  # noqa: BLE001 - an ImportError, or a broken install
            _numba_error = f"{type(exc).__name__}: {exc}"
    return _numba_error is None


def _check_name(name, where: str) -> str:
    if name not in _CHOICES:
        raise ValueError(f"{where} must be one of {_CHOICES}; got {name!r}.")
    return name


def _require_numba(where: str) -> str:
    if not numba_available():
        raise ValueError(
            f"{where} asks for the Numba backend, but Numba cannot be imported "
            f"({_numba_error}). Install it (pip install numba), or use the NumPy backend: "
            f"nelc_edu.set_backend('numpy') or {ENV_VAR}=numpy."
        )
    return "numba"


def backend() -> str:
    """The current backend, ``"numba"`` or ``"numpy"`` (see the module for the rules).

    Examples
    --------
    >>> backend() in ("numba", "numpy")
    True
    """
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    env = _check_name(env, f"the environment variable {ENV_VAR}")
    if env == "numpy":
        return "numpy"
    if env == "numba":
        return _require_numba(f"{ENV_VAR}=numba")
    return "numba" if numba_available() else "numpy"


def set_backend(name: str) -> None:
    """Use ``name`` (``"numba"`` or ``"numpy"``) from now on; ``"auto"`` undoes the choice.

    ``"numba"`` raises ``ValueError`` when Numba cannot be imported. The choice holds for
    the whole process (it overrides ``NELC_BACKEND``); a ``backend=`` argument still wins
    for its own call.

    Examples
    --------
    >>> set_backend("numpy"); backend()
    'numpy'
    >>> set_backend("auto")
    >>> set_backend("cuda")
    Traceback (most recent call last):
    ...
    ValueError: backend must be one of ('numba', 'numpy', 'auto'); got 'cuda'.
    """
    global _chosen
    name = _check_name(name, "backend")
    if name == "numba":
        _require_numba("set_backend('numba')")
    _chosen = None if name == "auto" else name


def resolve(name: str | None) -> str:
    """The backend for one call: ``name`` if given (validated), else :func:`backend`.

    Examples
    --------
    >>> resolve("numpy")
    'numpy'
    >>> resolve(None) == backend()
    True
    """
    if name is None:
        return backend()
    if name not in BACKENDS:
        raise ValueError(f"backend must be 'numba', 'numpy' or None; got {name!r}.")
    return _require_numba(f"backend={name!r}") if name == "numba" else "numpy"
