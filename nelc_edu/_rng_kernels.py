"""Numba twin of :mod:`nelc_edu._rng` (same numbers, bit for bit)."""

from __future__ import annotations

import numpy as np

from ._numba import njit

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def splitmix64(x):
    z = x + _GAMMA
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def mix64(z):
    """The splitmix64 finaliser alone: ``splitmix64(x) == mix64(x + GAMMA)``.

    Lets a kernel walk a stream with a running ``v += GAMMA`` (an induction variable
    that LLVM vectorises) instead of multiplying the counter by ``GAMMA`` each draw.
    """
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def uniform(key, counter):
    """Draw ``counter`` (uint64) of stream ``key`` (uint64) as a double in [0, 1)."""
    bits = splitmix64(key + counter * _GAMMA)
    return np.float64(bits >> np.uint64(11)) * _INV53


@njit(cache=True)
def uniforms(keys, counters):
    out = np.empty((keys.shape[0], counters.shape[0]))
    for s in range(keys.shape[0]):
        for t in range(counters.shape[0]):
            out[s, t] = uniform(keys[s], counters[t])
    return out
