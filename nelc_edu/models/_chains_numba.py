"""The latent chains compiled by Numba: the twins of :mod:`._chains_numpy`.

Same public functions, same arguments, same random numbers as the NumPy reference (read its
module docstring for the random-number layout); the tests compare the two number for
number. Where the reference works on all chains at once, these loop over the chains and,
inside a chain, over its steps: a chain step costs about 1 µs at N = 784 instead of several.

Two habits make the loops fast without making them obscure:

* the visible units are drawn in one loop without branches (two pixels per 64-bit draw),
  which LLVM vectorises;
* the encoder logits ``W x + c`` are sums of the rows of ``W.T`` over the *active* pixels
  only (about one in seven on the datasets here), listed first by :func:`_list_active`.
  The same lists serve the gradients' sums and scatters.

Private module: :mod:`.sampling` and :mod:`.pcd` import it only when the Numba backend is
in use, so ``import nelc_edu`` never imports Numba.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit
from .._rng import GAMMA
from .._rng_numba import splitmix64, uniform

_LOW32 = np.uint64(0xFFFFFFFF)
_INV31 = 1.0 / 2147483648.0  # 2**-31


# ----------------------------------------------------------------------------- one step
@njit(cache=True)
def _sample_visible(p, key, first, x):
    """``x_i = (u_i < p_i)`` with the pixel uniforms of draws ``first, first + 1, ...``.

    Draw ``j`` gives pixel ``j`` its high 31 bits and pixel ``M + j`` its low 31 bits
    (``M = ceil(N / 2)``). Slicing both halves first keeps every index non-negative and
    contiguous, which lets LLVM vectorise the loop.
    """
    N = x.shape[0]
    M = (N + 1) // 2
    p_high, p_low, x_high, x_low = p[:M], p[M:], x[:M], x[M:]
    for j in range(N - M):
        bits = splitmix64(key + (first + np.uint64(j)) * GAMMA)
        x_high[j] = np.int64(bits >> np.uint64(33)) * _INV31 < p_high[j]
        x_low[j] = np.int64((bits & _LOW32) >> np.uint64(1)) * _INV31 < p_low[j]
    if N - M < M:  # N odd: the last draw serves only pixel M - 1
        bits = splitmix64(key + (first + np.uint64(M - 1)) * GAMMA)
        x[M - 1] = np.int64(bits >> np.uint64(33)) * _INV31 < p[M - 1]


@njit(cache=True)
def _list_active(x, active):
    """Write the indices ``i`` with ``x[i] = 1`` to ``active[:n]``; return ``n``.

    Branch-free: every ``i`` is written, and kept (``n`` advances) only when ``x[i] = 1``.
    A branch here would be mispredicted at every other active pixel.
    """
    n = 0
    for i in range(x.shape[0]):
        active[n] = i
        n += x[i]
    return n


@njit(cache=True)
def _sum_rows(WT, active, n, out):
    """``out[k] = sum_j WT[active[j], k]`` over ``j < n`` (the rows of the active pixels).

    Two rows per pass: each pass over ``k`` costs a fixed overhead (K is small), which this
    halves (at N = 784, 0.41 -> 0.25 µs per chain step).
    """
    K = out.shape[0]
    for k in range(K):
        out[k] = 0.0
    for j in range(0, n - 1, 2):
        a, b = active[j], active[j + 1]
        for k in range(K):
            out[k] += WT[a, k] + WT[b, k]
    if n % 2 == 1:
        for k in range(K):
            out[k] += WT[active[n - 1], k]


@njit(cache=True)
def _scatter_rows(active, n, values, out):
    """``out[active[j], :] += values`` for ``j < n``."""
    K = values.shape[0]
    for j in range(n):
        i = active[j]
        for k in range(K):
            out[i, k] += values[k]


@njit(cache=True)
def _softmax(a):
    """Replace ``a`` by ``exp(a - max a)`` in place; return the sum (the normaliser)."""
    m = a[0]
    for k in range(1, a.shape[0]):
        m = max(m, a[k])
    total = 0.0
    for k in range(a.shape[0]):
        a[k] = np.exp(a[k] - m)
        total += a[k]
    return total


@njit(cache=True)
def _chain_step(P, WT, c, z, key, t, x, active, q):
    """Step ``t`` of the chain with stream ``key`` from ``z``: fill ``x`` and ``q``; return ``z'``.

    ``q`` receives ``q(.|x)``; ``active`` (length N) is scratch for the active pixels.
    """
    N = x.shape[0]
    K = c.shape[0]
    M = (N + 1) // 2
    first = np.uint64(t) * np.uint64(M + 1)  # the step's first draw
    _sample_visible(P[z], key, first, x)
    _sum_rows(WT, active, _list_active(x, active), q)
    for k in range(K):
        q[k] += c[k]
    total = _softmax(q)
    target = uniform(key, first + np.uint64(M)) * total
    z_new = 0  # the first k with target < q_0 + ... + q_k, by counting the k before it
    cumulative = 0.0
    for k in range(K - 1):
        cumulative += q[k]
        z_new += cumulative <= target
    for k in range(K):
        q[k] /= total
    return z_new


# ----------------------------------------------------------------------------- sampling
@njit(cache=True)
def run_chains(P, WT, c, z0, keys, n_steps, burn_in, thin, record_visible):
    """Twin of :func:`._chains_numpy.run_chains` (one chain after the other)."""
    K, N = P.shape
    C = z0.shape[0]
    n_kept = n_steps // thin
    z_traj = np.empty((n_kept, C), dtype=np.int64)
    x_last = np.empty((C, N), dtype=np.uint8)
    x_traj = np.empty((n_kept if record_visible else 0, C, N), dtype=np.uint8)
    active = np.empty(N, dtype=np.int64)
    q = np.empty(K)
    for s in range(C):
        z = z0[s]
        x = x_last[s]
        for t in range(burn_in + n_steps):
            z = _chain_step(P, WT, c, z, keys[s], t, x, active, q)
            done = t + 1 - burn_in  # steps taken after the burn-in
            if done > 0 and done % thin == 0 and done // thin <= n_kept:
                z_traj[done // thin - 1, s] = z
                if record_visible:
                    for i in range(N):  # (an explicit loop compiles faster than a slice)
                        x_traj[done // thin - 1, s, i] = x[i]
    return z_traj, x_last, x_traj


# ----------------------------------------------------------------------------- PCD
@njit(cache=True)
def advance(P, WT, c, z, z_prev, x, q, keys, step, T_running, visits, decay):
    """Twin of :func:`._chains_numpy.advance` (same in-place updates)."""
    K, N = P.shape
    C = z.shape[0]
    active = np.empty(N, dtype=np.int64)
    for s in range(C):
        z_prev[s] = z[s]
        z[s] = _chain_step(P, WT, c, z[s], keys[s], step, x[s], active, q[s])
    counts = np.zeros(K)  # n_z
    sums = np.zeros((K, K))  # n_z * T_hat[z]
    for s in range(C):
        counts[z_prev[s]] += 1.0
        for k in range(K):
            sums[z_prev[s], k] += q[s, k]
    for a in range(K):
        visits[a] = decay * visits[a] + counts[a]
        if counts[a] > 0:
            for k in range(K):
                T_running[a, k] += (sums[a, k] - counts[a] * T_running[a, k]) / visits[a]


def two_matrix_terms(data, rows, UB, P, log1mp_sum, pi, Z, x, q, z_prev):
    """Twin of :func:`._chains_numpy.two_matrix_terms`; the minibatch as active-pixel lists.

    The sums over the minibatch and over the chains run in the kernels below; the K x K
    algebra and the final assembly are NumPy, as in the reference.
    """
    K, N = P.shape
    dU = np.zeros((N, K))  # the sums over x of the data and of the chains; s_z terms last
    dWT = np.zeros((N, K))
    dc = np.zeros(K)
    rho = _data_term(data.indices, data.indptr, rows, UB, log1mp_sum + np.log(pi), dU)
    h = Z @ (rho / pi)
    h -= pi @ h
    H_sum = _stationary_term(x, q, z_prev, h, dU, dWT, dc)
    dW, db = np.empty((K, N)), np.empty(N)
    _finish(P, rho + H_sum, dU, dWT, dW, db)
    return dW, dc, dU, db


@njit(cache=True)
def _finish(P, G, dU, dWT, dW, db):
    """``dU -= P.T * G`` (the ``s_z`` terms), ``db`` its row sums, ``dW = dWT.T``: one pass."""
    N, K = dU.shape
    for i in range(N):
        total = 0.0
        for k in range(K):
            dU[i, k] -= P[k, i] * G[k]
            total += dU[i, k]
            dW[k, i] = dWT[i, k]
        db[i] = total


@njit(cache=True)
def _data_term(indices, indptr, rows, UB, log_prior, dU):
    """Responsibilities ``r(z|x) ~ pi_z p(x|z)`` of the minibatch; ``dU += X.T r / B``.

    ``log p(x|z) = sum_{i active} UB[i, z] + sum_i log(1 - P[z, i])``, so the logits are the
    rows of ``UB`` summed over the active pixels plus ``log_prior = log1mp_sum + log(pi)``.
    Returns ``rho``, the mean responsibility.
    """
    K = UB.shape[1]
    B = rows.shape[0]
    r = np.empty(K)
    rho = np.zeros(K)
    for n in range(B):
        active = indices[indptr[rows[n]] : indptr[rows[n] + 1]]
        _sum_rows(UB, active, active.shape[0], r)
        for k in range(K):
            r[k] += log_prior[k]
        total = _softmax(r) * B
        for k in range(K):
            r[k] /= total
            rho[k] += r[k]
        _scatter_rows(active, active.shape[0], r, dU)
    return rho


@njit(cache=True)
def _stationary_term(x, q, z_prev, h, dU, dWT, dc):
    """The chains' triples ``(z_prev, x, q)``: ``dWT``, ``dc`` and their part of ``dU``.

    With ``H = q.h`` for each chain: ``dWT[i] += q (h - H) / C`` and ``dU[i, z_prev] += H / C``
    over its active pixels ``i``. Returns ``H_sum[z]``, the sum of ``H / C`` over the chains
    that left ``z``.
    """
    C, N = x.shape
    K = h.shape[0]
    active = np.empty(N, dtype=np.int64)
    coef = np.empty(K)
    H_sum = np.zeros(K)
    for s in range(C):
        n = _list_active(x[s], active)
        H = 0.0
        for k in range(K):
            H += q[s, k] * h[k]
        for k in range(K):
            coef[k] = q[s, k] * (h[k] - H) / C
            dc[k] += coef[k]
        _scatter_rows(active, n, coef, dWT)
        H_sum[z_prev[s]] += H / C
        for j in range(n):
            dU[active[j], z_prev[s]] += H / C
    return H_sum


def onehot_rbm_terms(batch, WT, c, x, q):
    """Twin of :func:`._chains_numpy.onehot_rbm_terms`."""
    N, K = WT.shape
    dWT = np.zeros((N, K))
    dc = np.zeros(K)
    db = np.zeros(N)
    _onehot_rbm_phases(batch, WT, c, x, q, dWT, dc, db)
    return np.ascontiguousarray(dWT.T), dc, db


@njit(cache=True)
def _onehot_rbm_phases(batch, WT, c, x, q, dWT, dc, db):
    """Positive phase over the rows of ``batch``, negative over the chains, into dWT, dc, db."""
    N, K = WT.shape
    B = batch.shape[0]
    C = x.shape[0]
    active = np.empty(N, dtype=np.int64)
    r = np.empty(K)
    for n in range(B):  # positive phase, r = q(.|x) of the data
        m = _list_active(batch[n], active)
        _sum_rows(WT, active, m, r)
        for k in range(K):
            r[k] += c[k]
        total = _softmax(r) * B
        for k in range(K):
            r[k] /= total
            dc[k] += r[k]
        _scatter_rows(active, m, r, dWT)
        for j in range(m):
            db[active[j]] += 1.0 / B
    for s in range(C):  # negative phase over the chains
        m = _list_active(x[s], active)
        for k in range(K):
            r[k] = -q[s, k] / C
            dc[k] += r[k]
        _scatter_rows(active, m, r, dWT)
        for j in range(m):
            db[active[j]] -= 1.0 / C
