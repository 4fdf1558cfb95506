"""Numba kernel of the RMSprop update of :class:`nelc_edu.training.RMSprop`.

Private module, imported lazily by :meth:`nelc_edu.training.RMSprop.step` (so that
``import nelc_edu`` never imports Numba). Its NumPy twin is
:meth:`nelc_edu.training.RMSprop.step_numpy`; the tests check the two agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from ._numba import njit


@njit(cache=True, error_model="numpy")
def rmsprop_ascent(param, grad, sq_avg, lr, decay, eps):
    """One RMSprop ascent step, in place, on flat float64 arrays of equal length.

    The operations, and their order, are those of the NumPy version (so the two give the
    same bits): ``v <- v * decay + (g * g) * (1 - decay)``, then
    ``p <- p + (g / (sqrt(v) + eps)) * lr``. No fused multiply-adds (Numba does not contract
    without ``fastmath``). ``error_model="numpy"``: the denominator is ``>= eps > 0``, and
    Python's zero-division test would stop the loop from vectorising.
    """
    omd = 1.0 - decay
    for i in range(param.shape[0]):
        g = grad[i]
        v = sq_avg[i] * decay + (g * g) * omd
        sq_avg[i] = v
        param[i] += (g / (np.sqrt(v) + eps)) * lr


@njit(cache=True)
def count_nonfinite(a):
    """How many entries of the flat float64 array ``a`` are NaN or infinite.

    An integer count (``abs(v) <= DBL_MAX`` is false exactly for NaN and +-inf), so the loop
    vectorises: far cheaper than ``np.isfinite(a).all()`` on the small arrays of a training
    step, where NumPy's per-call overhead dominates.
    """
    n = 0
    for i in range(a.shape[0]):
        n += 0 if abs(a[i]) <= 1.7976931348623157e308 else 1
    return n
