"""Gibbs sampling and CD/PCD updates of the binary RBM compiled by Numba.

The twins of :mod:`._rbm_numpy` (same functions, arguments and random numbers; the layout
is documented there). Each chain is run on its own; the hidden activations ``c + W x`` are
sums of the rows of ``W.T`` over the active visible units, listed first (the helpers of
:mod:`._chains_numba`).
"""

from __future__ import annotations

import numpy as np

from .._numba import njit
from .._rng_numba import uniform
from ._chains_numba import _list_active, _scatter_rows, _sum_rows


@njit(cache=True)
def _sigmoid(a):
    """``1 / (1 + exp(-a))`` without overflow, as :func:`._rbm_numpy.sigmoid`."""
    e = np.exp(-abs(a))
    return (1.0 if a >= 0 else e) / (1.0 + e)


@njit(cache=True)
def _draw(prob, key, first, out):
    """``out[j] = (u_j < prob[j])`` with draw ``first + j`` of stream ``key``."""
    for j in range(prob.shape[0]):
        out[j] = uniform(key, first + np.uint64(j)) < prob[j]
    return first + np.uint64(prob.shape[0])


@njit(cache=True)
def _hidden_probs(x, WT, c, active, q):
    """``q = sigmoid(c + W x)``; the active pixels of ``x`` are left in ``active[:n]``."""
    n = _list_active(x, active)
    _sum_rows(WT, active, n, q)
    for k in range(q.shape[0]):
        q[k] = _sigmoid(q[k] + c[k])
    return n


@njit(cache=True)
def _visible_probs(h, W, b, p):
    """``p = sigmoid(b + W.T h)``: the rows of ``W`` of the hidden units that are on."""
    N = b.shape[0]
    for i in range(N):
        p[i] = b[i]
    for k in range(h.shape[0]):
        if h[k]:
            for i in range(N):
                p[i] += W[k, i]
    for i in range(N):
        p[i] = _sigmoid(p[i])


def gibbs(X, H, W, b, c, keys, counters, n_steps):
    """Twin of :func:`._rbm_numpy.gibbs` (in place)."""
    _gibbs(X, H, W, np.ascontiguousarray(W.T), b, c, keys, counters, n_steps)


@njit(cache=True)
def _gibbs(X, H, W, WT, b, c, keys, counters, n_steps):
    M, N = W.shape
    active = np.empty(N, dtype=np.int64)
    q = np.empty(M)
    p = np.empty(N)
    for s in range(X.shape[0]):
        t = counters[s]
        for _ in range(n_steps):
            _hidden_probs(X[s], WT, c, active, q)
            t = _draw(q, keys[s], t, H[s])
            _visible_probs(H[s], W, b, p)
            t = _draw(p, keys[s], t, X[s])
        counters[s] = t


@njit(cache=True)
def _add_statistics(x, WT, c, active, q, weight, gWT, gc, gb):
    """Add ``weight * (q x^T, q, x)`` to the statistics, ``q = p(h = 1 | x)``."""
    n = _hidden_probs(x, WT, c, active, q)
    for k in range(q.shape[0]):
        q[k] *= weight
        gc[k] += q[k]
    _scatter_rows(active, n, q, gWT)
    for j in range(n):
        gb[active[j]] += weight


def update(X_data, X, H, W, b, c, keys, counters, n_steps, cd):
    """Twin of :func:`._rbm_numpy.update`: returns ``(gW, gc, gb)``, chains in place."""
    M, N = W.shape
    gWT, gc, gb = np.zeros((N, M)), np.zeros(M), np.zeros(N)
    _update(X_data, X, H, W, np.ascontiguousarray(W.T), b, c, keys, counters, n_steps, cd,
            gWT, gc, gb)
    return np.ascontiguousarray(gWT.T), gc, gb


@njit(cache=True)
def _update(X_data, X, H, W, WT, b, c, keys, counters, n_steps, cd, gWT, gc, gb):
    M, N = W.shape
    active = np.empty(N, dtype=np.int64)
    q = np.empty(M)
    p = np.empty(N)
    for r in range(X_data.shape[0]):  # positive phase
        _add_statistics(X_data[r], WT, c, active, q, 1.0 / X_data.shape[0], gWT, gc, gb)
    for s in range(X.shape[0]):
        t = counters[s]
        if cd:
            _hidden_probs(X[s], WT, c, active, q)
            t = _draw(q, keys[s], t, H[s])
        for _ in range(n_steps):
            _visible_probs(H[s], W, b, p)
            t = _draw(p, keys[s], t, X[s])
            _hidden_probs(X[s], WT, c, active, q)
            t = _draw(q, keys[s], t, H[s])
        counters[s] = t
        _add_statistics(X[s], WT, c, active, q, -1.0 / X.shape[0], gWT, gc, gb)  # negative
