"""Numba twin of :mod:`nelc_edu._rng`: the same splitmix64 numbers, bit for bit.

Draw ``t`` of stream ``key`` is ``splitmix64(key + t * GAMMA)``; its top 53 bits make a
double in [0, 1). All arithmetic is on ``uint64`` and wraps modulo 2**64, as in NumPy.
(In Numba, ``uint64`` combined with a signed integer gives a float: cast every offset to
``np.uint64`` first.)
"""

from __future__ import annotations

import numpy as np

from ._numba import njit
from ._rng import _INV53, _M1, _M2, GAMMA


@njit(cache=True)
def splitmix64(x):
    """The splitmix64 mix of the uint64 ``x`` (see :func:`nelc_edu._rng.splitmix64`)."""
    z = x + GAMMA
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def uniform(key, counter):
    """Draw ``counter`` (uint64) of stream ``key`` (uint64) as a double in [0, 1)."""
    bits = splitmix64(key + counter * GAMMA)
    return np.float64(bits >> np.uint64(11)) * _INV53
