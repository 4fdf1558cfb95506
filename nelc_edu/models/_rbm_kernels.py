"""Numba kernels of the binary RBM (twins of :mod:`._rbm_reference`, same numbers).

Python validates, Numba computes: the callers in :mod:`.binary_rbm` pass contiguous
``uint8`` states, ``float64`` parameters (``WT`` is ``W.T`` made contiguous) and ``uint64``
keys and counters. Each chain owns a counter-based random stream (:mod:`nelc_edu._rng`),
so the samples do not depend on how chains are scheduled, and the NumPy reference
reproduces them bit for bit.

Two details matter for speed and for the bit-for-bit agreement:

* ``error_model="numpy"``: Numba's default (Python) error model checks every float
  division for a zero divisor, which stops LLVM from vectorising the sigmoid loops.
* the sigmoid is plain arithmetic (a table and a polynomial, see
  :func:`._rbm_reference.sigmoid_reference`), not ``libm``'s ``exp``: it vectorises, and
  NumPy computes exactly the same bits.

Careful with Numba's integer typing: ``uint64 + int64`` is ``float64``, so every counter
offset below is cast to ``np.uint64`` first.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit, njit_slp
from .._rng_kernels import uniform
from ._chain_kernels import _rows_sum4, _scatter_rows, on_indices, pad_columns
from ._rbm_reference import EXP_TABLE, SIGMOID_FLOOR, TAYLOR

__all__ = ["gibbs_kernel", "sigmoid_kernel", "rb_statistics_kernel", "update_kernel"]

_T = np.array(EXP_TABLE)  # a global array is frozen into the compiled code as a constant
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10 = TAYLOR
_FLOOR = SIGMOID_FLOOR
_ZMAX = 8.0 * SIGMOID_FLOOR


@njit(cache=True, inline="always", error_model="numpy")
def _sigmoid(a):
    y = -a if a >= 0.0 else a
    z = y * -8.0 if y > -_FLOOR else _ZMAX
    j = int(z)
    r = (j - z) * 0.125
    q = _C10 * r + _C9
    q = q * r + _C8
    q = q * r + _C7
    q = q * r + _C6
    q = q * r + _C5
    q = q * r + _C4
    q = q * r + _C3
    q = q * r + _C2
    q = q * r + _C1
    q = q * r + _C0
    e = _T[j] * q
    s = 1.0 / (1.0 + e)
    return s if a >= 0.0 else e * s


@njit(cache=True, error_model="numpy")
def sigmoid_kernel(a, out):
    """``out[i] = sigmoid(a[i])`` with the samplers' sigmoid (for the tests)."""
    for i in range(a.shape[0]):
        out[i] = _sigmoid(a[i])


@njit(cache=True)
def _padded_rows(WT, c):
    """``pad_columns(WT)`` flattened, its width ``MP`` (a multiple of 4), and ``c`` padded."""
    WTp = pad_columns(WT)
    MP = WTp.shape[1]
    cp = np.zeros(MP)
    cp[: c.shape[0]] = c
    return WTp.reshape(WTp.size), MP, cp


@njit_slp(cache=True, inline="always", error_model="numpy")
def _hidden_act(x, WTp, MP, cp, a, idx):
    """a[k] = c[k] + sum_{i: x_i = 1} W[k, i], summed over i in order (then a[:M] is used).

    The active pixels are listed first (branch-free), then each block of 4 columns is
    summed in a local variable starting from ``c`` (unsigned offsets: one 4-wide vector
    add per active pixel under the SLP vectoriser). ``WTp``, ``MP``, ``cp`` come from
    :func:`_padded_rows`; ``a`` and ``idx`` are scratch of lengths >= MP and N.
    Returns the list length (``idx[:n]`` are the active pixels).
    """
    n = on_indices(x, idx)
    stride = np.uint64(MP)
    for k0 in range(0, MP, 4):
        s = _rows_sum4(WTp, stride, np.uint64(k0), idx, n,
                       cp[k0], cp[k0 + 1], cp[k0 + 2], cp[k0 + 3])
        a[k0] = s[0]
        a[k0 + 1] = s[1]
        a[k0 + 2] = s[2]
        a[k0 + 3] = s[3]
    return n


@njit(cache=True, inline="always", error_model="numpy")
def _visible_act(h, W, b, a):
    """a[i] = b[i] + sum_{k: h_k = 1} W[k, i], summed over k in order."""
    N = b.shape[0]
    for i in range(N):
        a[i] = b[i]
    for k in range(h.shape[0]):
        if h[k] != 0:
            for i in range(N):
                a[i] += W[k, i]


@njit(cache=True, inline="always", error_model="numpy")
def _sample(a, out, key, t):
    """out[j] = 1 with probability sigmoid(a[j]), using draws t, t + 1, ... of stream key."""
    for j in range(a.shape[0]):
        out[j] = 1 if uniform(key, t + np.uint64(j)) < _sigmoid(a[j]) else 0


@njit_slp(cache=True, error_model="numpy")
def gibbs_kernel(X, H, W, WT, b, c, keys, counters, n_steps):
    """Run ``n_steps`` steps ``x -> h -> x`` on every chain, in place.

    ``X`` (C, N) uint8 holds the states (overwritten), ``H`` (C, M) uint8 receives the hidden
    states of the last step, ``counters`` (C,) uint64 is advanced by ``n_steps * (M + N)``.
    """
    C = X.shape[0]
    M, N = W.shape
    WTp, MP, cp = _padded_rows(WT, c)
    ah_p = np.empty(MP)
    ah = ah_p[:M]
    ax = np.empty(N)
    idx = np.empty(N, dtype=np.int64)
    uM = np.uint64(M)
    uN = np.uint64(N)
    for s in range(C):
        key = keys[s]
        t = counters[s]
        x = X[s]
        h = H[s]
        for _ in range(n_steps):
            _hidden_act(x, WTp, MP, cp, ah_p, idx)
            _sample(ah, h, key, t)
            t += uM
            _visible_act(h, W, b, ax)
            _sample(ax, x, key, t)
            t += uN
        counters[s] = t


@njit_slp(cache=True, inline="always", error_model="numpy")
def _accumulate(idx, n, q, w, gWTp, MP, gc, gb):
    """Add w * (q x^T, q, x) to the statistics; ``idx[:n]`` lists the ones of x.

    ``gWTp`` is the flat (N, MP) padded transpose of gW; ``q`` has length MP (its padding
    only reaches the padding columns).
    """
    M = gc.shape[0]
    for k in range(M):
        gc[k] += w * q[k]
    _scatter_rows(gWTp, MP, idx, n, q, w)
    for j in range(n):
        gb[idx[j]] += w


@njit_slp(cache=True, error_model="numpy")
def rb_statistics_kernel(X_data, X_model, WT, c, gWT, gc, gb):
    """Rao-Blackwellised ``<p(h|x) x>_data - <p(h|x) x>_model`` into ``gWT`` (N, M), ``gc``, ``gb``.

    The outputs are overwritten; means are over the rows of ``X_data`` and ``X_model``.
    """
    N, M = WT.shape
    WTp, MP, cp = _padded_rows(WT, c)
    a = np.empty(MP)
    q = np.empty(MP)
    idx = np.empty(N, dtype=np.int64)
    gWTp = np.zeros(N * MP)
    gc[:] = 0.0
    gb[:] = 0.0
    for phase in range(2):
        Xs = X_data if phase == 0 else X_model
        n = Xs.shape[0]
        w = 1.0 / n if phase == 0 else -1.0 / n
        for r in range(n):
            n_on = _hidden_act(Xs[r], WTp, MP, cp, a, idx)
            for k in range(MP):
                q[k] = _sigmoid(a[k])
            _accumulate(idx, n_on, q, w, gWTp, MP, gc, gb)
    for i in range(N):
        for k in range(M):
            gWT[i, k] = gWTp[i * MP + k]


@njit_slp(cache=True, error_model="numpy")
def update_kernel(X_data, X, H, W, b, c, keys, counters, n_steps, cd):
    """One CD-k or PCD-k update: chain moves and Rao-Blackwellised statistics in one call.

    Every chain step is ``h -> x -> h`` (the order scikit-learn uses): draw
    ``x ~ p(x | h)`` (draws ``t .. t+N-1``), compute ``q = p(h = 1 | x)``, draw ``h ~ q``
    (draws ``t+N .. t+N+M-1``). The statistics of the last step use ``(x, q)``, so each step
    computes one hidden and one visible activation.

    ``cd=False`` (PCD): ``X``, ``H`` are the persistent chains (any number), advanced in
    place; the positive phase is taken over the rows of ``X_data``.
    ``cd=True`` (CD): ``X`` must be a copy of ``X_data`` (one chain per example); each chain
    first computes ``q0 = p(h | x0)`` (the positive statistics) and draws ``h ~ q0``
    (draws ``t .. t+M-1``), then runs the ``n_steps`` steps.

    Returns ``(gW (M, N), gc (M,), gb (N,))``.
    """
    M, N = W.shape
    C = X.shape[0]
    WT = np.empty((N, M))
    for k in range(M):
        for i in range(N):
            WT[i, k] = W[k, i]
    WTp, MP, cp = _padded_rows(WT, c)
    gWTp = np.zeros(N * MP)
    gc = np.zeros(M)
    gb = np.zeros(N)
    ah = np.empty(MP)
    ax = np.empty(N)
    q = np.empty(MP)
    idx = np.empty(N, dtype=np.int64)
    uM = np.uint64(M)
    uN = np.uint64(N)
    if not cd:
        w = 1.0 / X_data.shape[0]
        for r in range(X_data.shape[0]):
            n_on = _hidden_act(X_data[r], WTp, MP, cp, ah, idx)
            for k in range(MP):
                q[k] = _sigmoid(ah[k])
            _accumulate(idx, n_on, q, w, gWTp, MP, gc, gb)
    w_model = -1.0 / C
    w_data = 1.0 / C
    for s in range(C):
        key = keys[s]
        t = counters[s]
        x = X[s]
        h = H[s]
        n_on = 0
        if cd:
            n_on = _hidden_act(x, WTp, MP, cp, ah, idx)
            for k in range(MP):
                q[k] = _sigmoid(ah[k])
            for k in range(M):
                h[k] = 1 if uniform(key, t + np.uint64(k)) < q[k] else 0
            t += uM
            _accumulate(idx, n_on, q, w_data, gWTp, MP, gc, gb)
        for _ in range(n_steps):
            _visible_act(h, W, b, ax)
            _sample(ax, x, key, t)
            t += uN
            n_on = _hidden_act(x, WTp, MP, cp, ah, idx)
            for k in range(MP):
                q[k] = _sigmoid(ah[k])
            for k in range(M):
                h[k] = 1 if uniform(key, t + np.uint64(k)) < q[k] else 0
            t += uM
        counters[s] = t  # n_steps >= 1 (validated): idx, n_on and q are those of the last x
        _accumulate(idx, n_on, q, w_model, gWTp, MP, gc, gb)
    gW = np.empty((M, N))
    for k in range(M):
        for i in range(N):
            gW[k, i] = gWTp[i * MP + k]
    return gW, gc, gb
