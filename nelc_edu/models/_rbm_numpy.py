"""Gibbs sampling and CD/PCD updates of the binary RBM in NumPy: the reference.

:mod:`._rbm_numba` has the same functions, with the same arguments and the same random
numbers, compiled by Numba; the tests compare the two number for number. (The activations
are summed in different orders, so probabilities agree to rounding and a sample could
differ only if a uniform fell within a rounding error of its probability.)

Random numbers: chain ``s`` owns the splitmix64 stream ``keys[s]`` (:mod:`nelc_edu._rng`)
and ``counters[s]`` counts the draws it has used. Each layer update draws one uniform per
unit, in unit order, and advances the counter by the number of units:

* :func:`gibbs`, one step ``x -> h -> x'``: first the M hidden units, then the N visible;
* :func:`update` (CD-k, PCD-k), one step ``h -> x -> h'``: first the N visible units, then
  the M hidden; CD first draws ``h ~ p(h | x0)`` (M draws).

Examples
--------
>>> import numpy as np
>>> from nelc_edu._rng import stream_keys
>>> W, b, c = np.zeros((2, 3)), np.zeros(3), np.zeros(2)
>>> X, H = np.zeros((4, 3), dtype=np.uint8), np.zeros((4, 2), dtype=np.uint8)
>>> counters = np.zeros(4, dtype=np.uint64)
>>> gibbs(X, H, W, b, c, stream_keys(0, 4), counters, n_steps=2)
>>> counters.tolist()
[10, 10, 10, 10]
"""

from __future__ import annotations

import numpy as np

from .._rng import _INV53, GAMMA, splitmix64


def sigmoid(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-a))`` without overflow: ``exp`` only ever sees ``-|a|``."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


def uniforms(keys: np.ndarray, counters: np.ndarray, n: int) -> np.ndarray:
    """Draws ``counters[s], ..., counters[s] + n - 1`` of stream ``keys[s]``: shape (S, n)."""
    t = counters[:, None] + np.arange(n, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        bits = splitmix64(keys[:, None] + t * GAMMA)
    return (bits >> np.uint64(11)).astype(np.float64) * _INV53


def _draw(prob: np.ndarray, keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Units on with probabilities ``prob`` (S, n), using the next n draws of each stream."""
    on = (uniforms(keys, counters, prob.shape[1]) < prob).astype(np.uint8)
    counters += np.uint64(prob.shape[1])
    return on


def gibbs(X, H, W, b, c, keys, counters, n_steps):
    """``n_steps`` steps ``x -> h -> x`` of every chain, in place.

    ``X`` (C, N) uint8 holds the states, ``H`` (C, M) uint8 receives the hidden states of
    the last step, ``counters`` advances by ``n_steps * (M + N)``.
    """
    for _ in range(n_steps):
        H[:] = _draw(sigmoid(X @ W.T + c), keys, counters)
        X[:] = _draw(sigmoid(H @ W + b), keys, counters)


def update(X_data, X, H, W, b, c, keys, counters, n_steps, cd):
    """One CD-k or PCD-k update: ``n_steps`` chain steps and the Rao-Blackwellised gradient.

    Each chain step is ``h -> x -> h``: ``x ~ p(x | h)``, ``q = p(h = 1 | x)``, ``h ~ q``.
    PCD (``cd=False``): ``X``, ``H`` are the persistent chains (any number), advanced in
    place. CD (``cd=True``): ``X`` must be a copy of ``X_data`` (one chain per example); the
    chains first draw ``h ~ p(h | x0)``. The gradient is
    ``<q x^T>_data - <q x^T>_chains`` (and the bias terms), with ``q`` the hidden
    probabilities of the data and of the chains' last ``x``.

    Returns ``(gW (M, N), gc (M,), gb (N,))``.
    """
    q_data = sigmoid(X_data @ W.T + c)
    if cd:
        H[:] = _draw(q_data, keys, counters)
    for _ in range(n_steps):
        X[:] = _draw(sigmoid(H @ W + b), keys, counters)
        q = sigmoid(X @ W.T + c)
        H[:] = _draw(q, keys, counters)
    Xd, Xc = X_data.astype(np.float64), X.astype(np.float64)
    gW = q_data.T @ Xd / Xd.shape[0] - q.T @ Xc / Xc.shape[0]
    gc = q_data.mean(axis=0) - q.mean(axis=0)
    gb = Xd.mean(axis=0) - Xc.mean(axis=0)
    return gW, gc, gb
