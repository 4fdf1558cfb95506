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
