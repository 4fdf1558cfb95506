"""Numba kernels of :mod:`nelc_edu.markov.simulate` (NumPy reference: ``_simulate_numpy``)."""

from __future__ import annotations

import numpy as np

from .._numba import njit
from .._rng_numba import uniform


@njit(cache=True)
def simulate_chains(cum, x0, keys, n_steps):
    """Run ``len(keys)`` chains for ``n_steps`` steps by inverse-CDF sampling.

    ``cum[i]`` is the cumulative row ``i`` of T with ``+inf`` from its last positive entry
    on; step ``t`` (1-based) of chain ``c`` uses draw ``t`` of stream ``keys[c]`` and moves
    to the first ``j`` with ``u < cum[x, j]``. Returns an int64 array (n_steps + 1, n_chains).
    """
    n_chains = keys.shape[0]
    out = np.empty((n_steps + 1, n_chains), dtype=np.int64)
    for c in range(n_chains):
        x = x0[c]
        out[0, c] = x
        key = keys[c]
        for t in range(n_steps):
            u = uniform(key, np.uint64(t + 1))
            j = 0
            while u >= cum[x, j]:
                j += 1
            x = j
            out[t + 1, c] = x
    return out


@njit(cache=True)
def gth_textbook(T):
    """The textbook GTH loop of :mod:`nelc_edu.markov._gth`, compiled (small chains).

    Returns ``(pi, k)``: ``k = -1`` on success, else the state at which the elimination
    broke down (a censored state that cannot be left). The caller checks that ``pi`` is
    positive and finite, exactly as for the NumPy loop.
    """
    n = T.shape[0]
    A = T.copy()
    for k in range(n - 1):
        s = 0.0
        for j in range(k + 1, n):
            s += A[k, j]
        if not s > 0.0:
            return np.zeros(n), k
        for i in range(k + 1, n):
            A[i, k] /= s
        for i in range(k + 1, n):
            a = A[i, k]
            for j in range(k + 1, n):
                A[i, j] += a * A[k, j]
    x = np.zeros(n)
    x[n - 1] = 1.0
    for k in range(n - 2, -1, -1):
        acc = 0.0
        for i in range(k + 1, n):
            acc += x[i] * A[i, k]
        x[k] = acc
    total = 0.0
    for i in range(n):
        total += x[i]
    for i in range(n):
        x[i] /= total
    return x, -1
