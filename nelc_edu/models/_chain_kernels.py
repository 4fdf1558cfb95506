"""Numba kernels of the latent-variable chains (twins of :mod:`._chains_reference`).

Private module: import it lazily, inside the functions of :mod:`.chains` that need it, so
that ``import nelc_edu`` never imports Numba. Every kernel here has a readable NumPy twin
in :mod:`._chains_reference` with the same name and the same random numbers; the tests
compare them number for number.

Random-number layout (shared with the reference)
------------------------------------------------
Chain ``s`` owns the splitmix64 stream ``keys[s]`` (:func:`nelc_edu._rng.stream_keys`). With
``M = ceil(N / 2)``, step ``t`` of a chain (counted from the start of its stream) uses the
``M + 1`` counters ``t * (M + 1) + j``, ``j = 0, ..., M``. Draw ``j < M`` gives 64 random
bits ``r``: pixel ``j`` uses ``u = (r >> 33) * 2**-31`` and pixel ``M + j`` (when ``< N``)
uses ``u = ((r & 0xFFFFFFFF) >> 1) * 2**-31``, and ``x_i = (u < P[z, i])``. Two 31-bit
uniforms per 64-bit draw halve the dominant cost of a step (probabilities are resolved to
2**-31, far below any statistical error), and ``u < P`` is evaluated exactly as the int32
comparison ``u31 <= ceil(P * 2**31) - 1`` (8 lanes per vector instruction). Draw ``M`` is
the 53-bit uniform of :func:`nelc_edu._rng_kernels.uniform`; the new latent state is the
first ``k`` with ``u * S < e_0 + ... + e_k``, where ``e = exp(a - max a)``, ``a = W x + c``
and ``S = sum(e)``.

Every kernel here is compiled with LLVM's SLP vectoriser on (:func:`nelc_edu._numba.njit_slp`,
scoped to these functions): it turns the encoder's twelve running column sums into three
4-wide vector adds, about 4x faster than the scalar sums Numba's default settings produce.
Kernels whose every denominator is positive by construction (a softmax normaliser ``>= 1``,
``sqrt(v) + eps`` with ``eps > 0``, a visit count of a row that was visited, ``pi > 0`` of
an irreducible chain, a batch size) use ``error_model="numpy"``: Python's error model puts
a zero test and a branch in front of every division, which stops LLVM from vectorising the
loop. The per-step helpers
(:func:`sample_visible`, :func:`on_indices`, :func:`encoder_logits`, :func:`draw_latent`)
are ``inline="always"``: a call between Numba functions passes every array as a struct of
fields, which cost about 40 ns per step (a quarter of a step at N = 64).

Two primitives come from :mod:`nelc_edu._simd`: ``compress16`` lists the active pixels 16
at a time with AVX-512 (:func:`on_indices`), and ``exp`` replaces the C library's ``exp``
(a call, about 9 ns, that LLVM cannot vectorise) in the softmax of every latent draw and
of the gradient's data term. ``exp`` is within 1 ulp of ``np.exp``, so ``q`` agrees with
the NumPy reference to rounding and ``z`` is identical unless a uniform falls within
about 1e-16 of a cumulative-probability boundary (the same argument as for the order of
the sums).
"""

from __future__ import annotations

import numpy as np

from .._numba import njit_slp, prange
from .._rng_kernels import mix64, uniform
from .._simd import HAS_COMPRESS, LANES, compress16, exp

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO31 = 2147483648.0  # 2**31
_COMPRESS_MIN = 64  # below this, the compress loop's fixed cost outweighs its gain
_U1, _U2, _U3, _U4, _U5, _U6, _U7, _U8, _U9, _U10, _U11 = (np.uint64(k) for k in range(1, 12))


@njit_slp(cache=True)
def thresholds(P):
    """Integer thresholds ``ceil(P * 2**31) - 1`` (int32): ``u < P`` iff ``u31 <= thr``.

    Shape (K, 2, M), ``M = ceil(N / 2)``, in the order the random bits are used:
    ``thr[z, 0, j]`` is pixel ``j`` (high half of draw ``j``), ``thr[z, 1, j]`` pixel
    ``M + j`` (low half; ``-1``, never firing, in the unused slot when N is odd).
    """
    K, N = P.shape
    M = (N + 1) // 2
    thr = np.full((K, 2, M), -1, dtype=np.int32)
    for k in range(K):
        for i in range(N):
            v = np.int32(np.ceil(P[k, i] * _TWO31) - 1.0)
            if i < M:
                thr[k, 0, i] = v
            else:
                thr[k, 1, i - M] = v
    return thr


@njit_slp(cache=True, inline="always")
def _visible_halves(thr_hi, thr_lo, v, x_hi, x_lo, n_lo):
    # One loop, no loop-carried dependency except the counter (an induction variable),
    # so LLVM vectorises it: two splitmix64 multiplies per 64-bit draw, two 31-bit
    # uniforms per draw, compared as int32 against the precomputed thresholds.
    for j in range(n_lo):
        r = mix64(v)
        v += _GAMMA
        x_hi[j] = np.int32(r >> np.uint64(33)) <= thr_hi[j]
        x_lo[j] = np.int32((r & _LOW32) >> np.uint64(1)) <= thr_lo[j]
    return v


@njit_slp(cache=True, inline="always")
def sample_visible(thr_z, key, t, x):
    """Fill ``x`` (uint8, N) with ``x_i = (u_i < P[z, i])`` for step ``t`` of stream ``key``.

    ``thr_z`` is row ``z`` of :func:`thresholds`, shape (2, M). With
    ``u_i = u31_i * 2**-31``, ``u_i < P`` is exactly ``u31_i <= thr``.
    """
    N = x.shape[0]
    M = thr_z.shape[1]
    # splitmix64(key + c * GAMMA) = mix64(key + (c + 1) * GAMMA), c = t * (M + 1) + j
    v = key + (np.uint64(t) * np.uint64(M + 1) + np.uint64(1)) * _GAMMA
    v = _visible_halves(thr_z[0], thr_z[1], v, x[:M], x[M:], N - M)
    if N - M < M:  # N odd: the last draw feeds only pixel M - 1
        r = mix64(v)
        x[M - 1] = np.int32(r >> np.uint64(33)) <= thr_z[0, M - 1]


@njit_slp(cache=True, inline="always")
def on_indices_scalar(x, idx, start=0, n=0):
    """:func:`on_indices` from pixel ``start`` on, ``n`` indices already listed (scalar)."""
    for i in range(start, x.shape[0]):
        idx[n] = i  # written every time, kept only when x[i] = 1: no branch
        n += np.int64(x[i])
    return n


@njit_slp(cache=True, inline="always")
def on_indices(x, idx):
    """Write the indices of the ones of ``x`` into ``idx``; return how many.

    ``x`` (uint8) and ``idx`` (int64, at least as long as ``x``) are C-contiguous. With
    AVX-512 and ``N >= 64``, 16 pixels per ``vpcompressd`` (:func:`nelc_edu._simd.compress16`;
    0.29 -> 0.12 µs at N = 784, and a chain step at N = 64 about 8% faster), the last
    ``N % 16`` by the branch-free scalar loop (:func:`on_indices_scalar`), which does all of
    it on other CPUs and for shorter vectors.
    """
    n = 0
    start = 0
    if HAS_COMPRESS:
        stop = x.shape[0] - x.shape[0] % LANES if x.shape[0] >= _COMPRESS_MIN else 0
        while start < stop:
            n = compress16(x, start, idx, n)
            start += LANES
    return on_indices_scalar(x, idx, start, n)


@njit_slp(cache=True)
def pad_columns(WT):
    """Copy of ``WT`` (N, K), zero columns added up to a multiple of 4 (:func:`encoder_logits`)."""
    N, K = WT.shape
    KP = (K + 3) // 4 * 4
    out = np.zeros((N, KP))
    for i in range(N):
        for k in range(K):
            out[i, k] = WT[i, k]
    return out


@njit_slp(cache=True, inline="always")
def _rows_sum12(Wf, stride, o, idx, n_on):
    # Twelve running sums in local variables: one load and one add per column and active
    # pixel, no stores. Unsigned offsets spare Numba's negative-index wraparound, so the
    # twelve loads of a row are visibly contiguous and LLVM's SLP vectoriser turns them into
    # three 4-wide loads and adds. (A second set of sums for alternate rows, to shorten the
    # chain of dependent adds, defeats the vectoriser and runs 2.5x slower. Three passes of
    # _rows_sum4 instead, one list walk per 4 columns, make a step at N = 784 15% slower.)
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = s9 = s10 = s11 = 0.0
    for j in range(n_on):
        b = np.uint64(idx[j]) * stride + o
        s0 += Wf[b]
        s1 += Wf[b + _U1]
        s2 += Wf[b + _U2]
        s3 += Wf[b + _U3]
        s4 += Wf[b + _U4]
        s5 += Wf[b + _U5]
        s6 += Wf[b + _U6]
        s7 += Wf[b + _U7]
        s8 += Wf[b + _U8]
        s9 += Wf[b + _U9]
        s10 += Wf[b + _U10]
        s11 += Wf[b + _U11]
    return (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11)


@njit_slp(cache=True, inline="always")
def _rows_sum4(Wf, stride, o, idx, n_on, s0=0.0, s1=0.0, s2=0.0, s3=0.0):
    # also the binary RBM's activations, whose sums start from the biases
    for j in range(n_on):
        b = np.uint64(idx[j]) * stride + o
        s0 += Wf[b]
        s1 += Wf[b + _U1]
        s2 += Wf[b + _U2]
        s3 += Wf[b + _U3]
    return (s0, s1, s2, s3)


@njit_slp(cache=True, inline="always")
def encoder_logits(Wf, KP, c, idx, n_on, q):
    """``q[k] = c[k] + sum_j WTp[idx[j], k]``: the encoder logits ``W x + c``.

    ``Wf`` is ``WTp.reshape(-1)``, the C-contiguous (N, KP) rows of :func:`pad_columns`
    flattened once by the caller (a reshape per call would cost more than the sum at N = 64).
    The sum runs over the ``n_on`` active pixels only, in blocks of 12 (then 4) columns
    kept in local variables; each column is summed in the order of ``idx``. (The NumPy
    reference uses ``x @ W.T``, whose order is BLAS's: the two agree to rounding, and the
    tests check that the latent states they sample are identical.)
    """
    K = c.shape[0]
    stride = np.uint64(KP)
    k0 = 0
    for _ in range(KP // 12):
        w12 = _rows_sum12(Wf, stride, np.uint64(k0), idx, n_on)
        for k in range(12):
            if k0 + k < K:
                q[k0 + k] = w12[k] + c[k0 + k]
        k0 += 12
    while k0 < KP:
        w4 = _rows_sum4(Wf, stride, np.uint64(k0), idx, n_on)
        for k in range(4):
            if k0 + k < K:
                q[k0 + k] = w4[k] + c[k0 + k]
        k0 += 4


@njit_slp(cache=True, error_model="numpy", inline="always")
def draw_latent(Wf, KP, c, idx, n_on, key, t, M, q, normalise=True):
    """Encoder step: fill ``q = softmax(W x + c)`` and return ``z' ~ q`` (inverse CDF).

    With ``normalise=False``, ``q`` is left as ``exp(W x + c - max)``, unnormalised (for a
    caller that only needs ``z'``: ten divisions fewer per step).

    ``W x`` is the sum of the rows of ``WTp`` (:func:`pad_columns`; ``Wf`` is it flattened,
    ``KP`` its number of columns) over the ``n_on`` active pixels ``idx``;
    ``M = ceil(N / 2)`` places the latent uniform in the stream.

    Each step of a chain waits for the previous one, so this function is written for
    latency: the maximum with two running maxima, the exponentials by the inlined,
    vectorised :func:`nelc_edu._simd.exp`, and the draw ``z' = #{k < K - 1 : e_0 + ... +
    e_k <= u S}`` as a count instead of a search that stops at a data-dependent ``k`` (same
    result as the first ``k`` with ``u S < e_0 + ... + e_k``, without a mispredicted branch).
    """
    K = c.shape[0]
    encoder_logits(Wf, KP, c, idx, n_on, q)
    m0 = q[0]
    m1 = q[1]
    for k in range(2, K - 1, 2):
        m0 = max(m0, q[k])
        m1 = max(m1, q[k + 1])
    if K % 2 == 1:
        m0 = max(m0, q[K - 1])
    m = max(m0, m1)
    for k in range(K):
        q[k] = exp(q[k] - m)
    s = 0.0
    for k in range(K):
        s += q[k]
    u = uniform(key, np.uint64(t) * np.uint64(M + 1) + np.uint64(M)) * s
    z_new = 0
    acc = 0.0
    for k in range(K - 1):
        acc += q[k]
        z_new += acc <= u
    if normalise:
        for k in range(K):
            q[k] /= s
    return z_new


@njit_slp(cache=True, parallel=True)
def run_chains(P, WT, c, z0, keys, n_steps, burn_in, thin, record_visible):
    """Run ``C`` independent chains from ``z0``; see :func:`nelc_edu.models.chains.run_chains`."""
    K, N = P.shape
    C = z0.shape[0]
    n_kept = n_steps // thin
    z_traj = np.empty((n_kept, C), dtype=np.int64)
    x_final = np.empty((C, N), dtype=np.uint8)
    n_rec = n_kept if record_visible else 0
    x_traj = np.empty((n_rec, C, N), dtype=np.uint8)
    M = (N + 1) // 2
    thr = thresholds(P)
    WTp = pad_columns(WT)
    KP = WTp.shape[1]
    Wf = WTp.reshape(WTp.size)
    for s in prange(C):
        x = np.empty(N, dtype=np.uint8)
        idx = np.empty(N, dtype=np.int64)
        q = np.empty(K)
        key = keys[s]
        z = z0[s]
        for t in range(burn_in):
            sample_visible(thr[z], key, t, x)
            z = draw_latent(Wf, KP, c, idx, on_indices(x, idx), key, t, M, q, False)
        t = burn_in
        for r in range(n_kept):
            for _ in range(thin):
                sample_visible(thr[z], key, t, x)
                z = draw_latent(Wf, KP, c, idx, on_indices(x, idx), key, t, M, q, False)
                t += 1
            z_traj[r, s] = z
            if record_visible:
                x_traj[r, s, :] = x
        for t in range(burn_in + n_kept * thin, burn_in + n_steps):
            sample_visible(thr[z], key, t, x)
            z = draw_latent(Wf, KP, c, idx, on_indices(x, idx), key, t, M, q, False)
        x_final[s, :] = x
    return z_traj, x_final, x_traj


@njit_slp(cache=True, error_model="numpy")
def advance(P, WT, c, z, z_prev, x, q, keys, step, n_on, T_running, visits, decay):
    """One step of every persistent chain, and the running estimate of T, in place.

    On return ``z_prev`` holds the old latent states, ``x`` the visible states drawn from
    them, ``q`` the encoder probabilities ``q(.|x)``, ``z`` the new latent states and
    ``n_on[s]`` the number of active pixels of ``x[s]``. With ``n_z`` the number of chains
    whose previous state was ``z`` and ``T_hat[z]`` the mean of their ``q(.|x)``:
    ``visits[z] <- decay * visits[z] + n_z`` and
    ``T_running[z] += n_z / visits[z] * (T_hat[z] - T_running[z])`` (rows with ``n_z = 0``
    are left unchanged).
    """
    K, N = P.shape
    C = z.shape[0]
    M = (N + 1) // 2
    thr = thresholds(P)
    WTp = pad_columns(WT)
    KP = WTp.shape[1]
    Wf = WTp.reshape(WTp.size)
    idx = np.empty(N, dtype=np.int64)
    # Serial on purpose: one step of ~100 chains is ~0.1 ms, too short to pay for a parallel
    # region, and on a busy machine a parallel region waits for its slowest thread.
    for s in range(C):
        z_prev[s] = z[s]
        sample_visible(thr[z[s]], keys[s], step, x[s])
        n = on_indices(x[s], idx)
        n_on[s] = n
        z[s] = draw_latent(Wf, KP, c, idx, n, keys[s], step, M, q[s])
    # Rao-Blackwellised T_hat: sums of q(.|x) per previous state
    sums = np.zeros((K, K))
    counts = np.zeros(K)
    for s in range(C):
        zp = z_prev[s]
        counts[zp] += 1.0
        for k in range(K):
            sums[zp, k] += q[s, k]
    for a in range(K):
        visits[a] = decay * visits[a] + counts[a]
        if counts[a] > 0:
            for k in range(K):
                T_running[a, k] += (sums[a, k] - counts[a] * T_running[a, k]) / visits[a]


@njit_slp(cache=True)
def onehot_rbm_terms(batch, WT, c, x, q):
    """Positive minus negative phase of the one-hot RBM log-likelihood gradient.

    Positive phase: ``E_data[q(z|x) x]``, ``E_data[q(z|x)]``, ``E_data[x]``; negative phase:
    the same averages over the chains' visible states ``x`` with their ``q(.|x)``.
    Returns ``dW (K, N), dc (K,), db (N,)``.
    """
    N, K = WT.shape
    B = batch.shape[0]
    C = x.shape[0]
    idx = np.empty(N, dtype=np.int64)
    dWT = np.zeros((N, K))
    dc = np.zeros(K)
    db = np.zeros(N)
    a = np.empty(K)
    for n in range(B):
        n_on = on_indices(batch[n], idx)
        for k in range(K):
            a[k] = c[k]
        for j in range(n_on):
            i = idx[j]
            db[i] += 1.0 / B
            for k in range(K):
                a[k] += WT[i, k]
        m = -np.inf
        for k in range(K):
            if a[k] > m:
                m = a[k]
        tot = 0.0
        for k in range(K):
            a[k] = exp(a[k] - m)
            tot += a[k]
        for k in range(K):
            a[k] /= tot * B
            dc[k] += a[k]
        for j in range(n_on):
            i = idx[j]
            for k in range(K):
                dWT[i, k] += a[k]
    for s in range(C):
        n_on = on_indices(x[s], idx)
        for k in range(K):
            a[k] = q[s, k] / C
            dc[k] -= a[k]
        for j in range(n_on):
            i = idx[j]
            db[i] -= 1.0 / C
            for k in range(K):
                dWT[i, k] -= a[k]
    return np.ascontiguousarray(dWT.T), dc, db


# ----------------------------------------------------------------------------- fused PCD step
# The kernels below serve the training loop's two-matrix PCD step
# (:func:`nelc_edu.models.chains._two_matrix_pcd_gradient_unchecked`): one call per update
# builds every per-update table from the parameters, advances the chains, computes pi and
# Z and accumulates the gradient. Their NumPy twins are ``_decoder_parts`` +
# ``stationary_and_fundamental`` + :func:`advance` + ``two_matrix_terms`` of the
# reference; the tests compare the two backends number for number.
_LOG_CHUNK = 256  # factors (1 + e), e in (0, 1], multiplied before one log: < 2**256


@njit_slp(cache=True, error_model="numpy")
def pcd_tables(W, U, b, E):
    """Per-update tables of the two-matrix PCD step, from ``W (K, N)``, ``U (N, K)``, ``b``.

    ``E[i, k] = exp(-|U[i, k] + b[i]|)`` (computed by NumPy, whose ``exp`` is vectorised).
    Returns ``UBp`` (N, KP) the decoder logits and ``WTp`` (N, KP) the encoder rows, both
    zero-padded to ``KP`` columns (:func:`pad_columns`); ``P = sigmoid(UB.T)`` (K, N);
    ``thr`` the int32 thresholds of :func:`thresholds`; ``log1mp_sum[k] = sum_i log(1 -
    P[k, i]) = -sum_i (max(A, 0) + log1p(e))``, the ``log1p`` summed as the log of products
    of ``_LOG_CHUNK`` factors ``1 + e`` (one ``log`` per chunk instead of one per pixel).
    """
    K, N = W.shape
    KP = (K + 3) // 4 * 4
    M = (N + 1) // 2
    UBp = np.zeros((N, KP))
    WTp = np.zeros((N, KP))
    P = np.empty((K, N))
    thr = np.full((K, 2, M), -1, dtype=np.int32)
    pos_sum = np.zeros(K)
    log_sum = np.zeros(K)
    prod = np.ones(K)
    for i in range(N):
        half = 0 if i < M else 1
        jj = i if i < M else i - M
        for k in range(K):
            a = U[i, k] + b[i]
            e = E[i, k]
            d = 1.0 + e
            UBp[i, k] = a
            WTp[i, k] = W[k, i]
            if a >= 0.0:
                p = 1.0 / d
                pos_sum[k] += a
            else:
                p = e / d
            P[k, i] = p
            thr[k, half, jj] = np.int32(np.ceil(p * _TWO31) - 1.0)
            prod[k] *= d
        if (i + 1) % _LOG_CHUNK == 0:
            for k in range(K):
                log_sum[k] += np.log(prod[k])
                prod[k] = 1.0
    log1mp_sum = np.empty(K)
    for k in range(K):
        log1mp_sum[k] = -(pos_sum[k] + log_sum[k] + np.log(prod[k]))
    return UBp, WTp, P, thr, log1mp_sum


@njit_slp(cache=True, error_model="numpy")
def advance_tables(
    thr, WTp, c, z, z_prev, x, q, keys, step, n_on, T_running, visits, decay, idx_all
):
    """:func:`advance` with the thresholds and padded encoder rows already built.

    Also leaves the active pixels of ``x[s]`` in ``idx_all[s, :n_on[s]]`` (C, N).
    """
    K = c.shape[0]
    N = x.shape[1]
    C = z.shape[0]
    M = (N + 1) // 2
    KP = WTp.shape[1]
    Wf = WTp.reshape(WTp.size)
    for s in range(C):
        z_prev[s] = z[s]
        sample_visible(thr[z[s]], keys[s], step, x[s])
        idx = idx_all[s]
        n = on_indices(x[s], idx)
        n_on[s] = n
        z[s] = draw_latent(Wf, KP, c, idx, n, keys[s], step, M, q[s])
    sums = np.zeros((K, K))
    counts = np.zeros(K)
    for s in range(C):
        zp = z_prev[s]
        counts[zp] += 1.0
        for k in range(K):
            sums[zp, k] += q[s, k]
    for a in range(K):
        visits[a] = decay * visits[a] + counts[a]
        if counts[a] > 0:
            for k in range(K):
                T_running[a, k] += (sums[a, k] - counts[a] * T_running[a, k]) / visits[a]


@njit_slp(cache=True)
def _solve_inplace(A, B):
    """Solve ``A X = B`` in place (Gauss-Jordan, partial pivoting); False if singular."""
    n = A.shape[0]
    m = B.shape[1]
    for col in range(n):
        piv = col
        best = abs(A[col, col])
        for r in range(col + 1, n):
            if abs(A[r, col]) > best:
                best = abs(A[r, col])
                piv = r
        if not best > 0.0:
            return False
        if piv != col:
            for j in range(n):
                A[col, j], A[piv, j] = A[piv, j], A[col, j]
            for j in range(m):
                B[col, j], B[piv, j] = B[piv, j], B[col, j]
        inv = 1.0 / A[col, col]
        for r in range(n):
            if r != col:
                f = A[r, col] * inv
                if f != 0.0:
                    for j in range(col, n):
                        A[r, j] -= f * A[col, j]
                    for j in range(m):
                        B[r, j] -= f * B[col, j]
        for j in range(m):
            B[col, j] *= inv
        for j in range(col, n):
            A[col, j] *= inv
    return True


@njit_slp(cache=True)
def stationary_fundamental(T):
    """``(ok, pi, Z)``: twin of :func:`nelc_edu.models.chains.stationary_and_fundamental`.

    ``pi`` solves ``pi (I - T) = 0`` with the last equation replaced by ``sum(pi) = 1``,
    ``Z = inv(I - T + 1 pi)``; ``ok`` is False when either system is singular, ``pi`` is
    not strictly positive or ``Z`` not finite (the caller raises the ``ValueError``).
    """
    K = T.shape[0]
    A = np.empty((K, K))
    for i in range(K):
        for j in range(K):
            A[i, j] = (1.0 if i == j else 0.0) - T[j, i]  # (I - T).T
    for j in range(K):
        A[K - 1, j] = 1.0
    rhs = np.zeros((K, 1))
    rhs[K - 1, 0] = 1.0
    pi = np.empty(K)
    Z = np.eye(K)
    if not _solve_inplace(A, rhs):
        return False, pi, Z
    for k in range(K):
        pi[k] = rhs[k, 0]
        if not pi[k] > 0.0:
            return False, pi, Z
    for i in range(K):
        for j in range(K):
            A[i, j] = (1.0 if i == j else 0.0) - T[i, j] + pi[j]
    if not _solve_inplace(A, Z):
        return False, pi, Z
    for i in range(K):
        for j in range(K):
            if not np.isfinite(Z[i, j]):
                return False, pi, Z
    return True, pi, Z


@njit_slp(cache=True)
def _scatter_rows(flat, KP, idx, n_on, vals, w=1.0):
    """``dst[idx[j], :] += w * vals`` for ``j < n_on``, with ``flat = dst.reshape(-1)``.

    ``dst`` is (N, KP), C-contiguous, ``KP % 4 == 0``.

    In blocks of 4 columns held in local variables (no reload of ``vals`` per pixel), with
    unsigned flat offsets so that the four loads, adds and stores of a row are contiguous
    (one 4-wide vector operation each under the SLP vectoriser).
    """
    stride = np.uint64(KP)
    for k0 in range(0, KP, 4):
        o = np.uint64(k0)
        v0 = w * vals[k0]  # w = 1.0 leaves vals' bits unchanged
        v1 = w * vals[k0 + 1]
        v2 = w * vals[k0 + 2]
        v3 = w * vals[k0 + 3]
        for j in range(n_on):
            b = np.uint64(idx[j]) * stride + o
            flat[b] += v0
            flat[b + _U1] += v1
            flat[b + _U2] += v2
            flat[b + _U3] += v3


@njit_slp(cache=True, error_model="numpy")
def two_matrix_terms_tables(
    d_indices, d_indptr, rows, UBp, P, log1mp_sum, pi, Z, x, q, z_prev, n_on_chain, idx_all
):
    """Data term and stationary (two-step) term of the two-matrix gradient, from the tables
    of :func:`pcd_tables` (twin: ``_chains_reference.two_matrix_terms``).

    The minibatch is given by its active pixels: example ``n`` is data row ``r = rows[n]``,
    whose ones are ``d_indices[d_indptr[r]:d_indptr[r + 1]]`` (in increasing order; see
    :func:`dense_rows`). ``idx_all[s, :n_on_chain[s]]`` are the active pixels of the
    chains' ``x[s]`` (from :func:`advance_tables`).

    Same sums in a faster order: the responsibilities' logits are the rows of ``UBp`` summed
    over the active pixels by :func:`encoder_logits`; the scatters into ``dU`` and ``dW.T``
    use :func:`_scatter_rows`. Returns ``dW (K, N), dc (K,), dU (N, K), db (N,)``.
    """
    K, N = P.shape
    KP = UBp.shape[1]
    B = rows.shape[0]
    C = x.shape[0]
    dUp = np.zeros((N, KP))
    dWTp = np.zeros((N, KP))
    dUf = dUp.reshape(N * KP)
    dWf = dWTp.reshape(N * KP)
    UBf = UBp.reshape(N * KP)
    dc = np.zeros(K)
    rho = np.zeros(K)
    r = np.zeros(KP)
    log_w = np.empty(K)
    for k in range(K):
        log_w[k] = np.log(pi[k]) + log1mp_sum[k]
    # ---- data term
    for n in range(B):
        start = d_indptr[rows[n]]
        n_on = d_indptr[rows[n] + 1] - start
        idx = d_indices[start : start + n_on]
        encoder_logits(UBf, KP, log_w, idx, n_on, r)
        m = -np.inf
        for k in range(K):
            if r[k] > m:
                m = r[k]
        tot = 0.0
        for k in range(K):
            r[k] = exp(r[k] - m)
            tot += r[k]
        for k in range(K):
            r[k] /= tot * B
            rho[k] += r[k]
        _scatter_rows(dUf, KP, idx, n_on, r)
    # ---- h = Z (rho / pi), centred
    h = np.zeros(K)
    for k in range(K):
        for j in range(K):
            h[k] += Z[k, j] * (rho[j] / pi[j])
    ph = 0.0
    for k in range(K):
        ph += pi[k] * h[k]
    for k in range(K):
        h[k] -= ph
    # ---- stationary term
    G = np.zeros(K)
    coef = np.zeros(KP)
    for s in range(C):
        n_on = n_on_chain[s]
        idx = idx_all[s]
        H = 0.0
        for k in range(K):
            H += q[s, k] * h[k]
        zp = z_prev[s]
        G[zp] += H / C
        for k in range(K):
            coef[k] = q[s, k] * (h[k] - H) / C
            dc[k] += coef[k]
        hc = H / C
        for j in range(n_on):
            dUp[idx[j], zp] += hc
        _scatter_rows(dWf, KP, idx, n_on, coef)
    for k in range(K):
        G[k] += rho[k]
    dU = np.empty((N, K))
    db = np.zeros(N)
    dW = np.empty((K, N))
    for i in range(N):
        s = 0.0
        for k in range(K):
            v = dUp[i, k] - G[k] * P[k, i]
            dU[i, k] = v
            s += v
            dW[k, i] = dWTp[i, k]
        db[i] = s
    return dW, dc, dU, db


@njit_slp(cache=True)
def dense_rows(X):
    """Active-pixel lists of the rows of ``X`` (n, N) uint8: ``(indices, indptr)`` (CSR).

    The ones of row ``r`` are ``indices[indptr[r]:indptr[r + 1]]``, in increasing order.
    """
    n, N = X.shape
    indptr = np.zeros(n + 1, dtype=np.int64)
    for r in range(n):
        count = 0
        for i in range(N):
            count += np.int64(X[r, i])
        indptr[r + 1] = indptr[r] + count
    indices = np.empty(indptr[n] + N, dtype=np.int64)  # on_indices writes up to N past its start
    for r in range(n):
        on_indices(X[r], indices[indptr[r] : indptr[r] + N])
    return indices[: indptr[n]], indptr


@njit_slp(cache=True)
def two_matrix_pcd_step(
    W,
    c,
    U,
    b,
    E,
    d_indices,
    d_indptr,
    rows,
    z,
    z_prev,
    x,
    q,
    keys,
    step,
    n_on,
    T_running,
    visits,
    decay,
    T,
    one_step,
):
    """The whole two-matrix PCD update after validation, in one call.

    :func:`pcd_tables`, :func:`advance_tables` (chains and ``T_running`` in place),
    :func:`stationary_fundamental` of ``T_running`` (or of ``T`` when it has rows) and
    :func:`two_matrix_terms_tables` on the minibatch ``rows`` of the data given as active
    pixel lists ``(d_indices, d_indptr)`` (:func:`dense_rows`; the training loop lists a
    dataset once, instead of once per minibatch). With ``one_step`` the fundamental matrix
    is replaced by the identity, so that ``h = rho / pi - 1`` (the truncated rule). Returns
    ``(ok, dW, dc, dU, db)``; ``ok`` False means the latent chain looked reducible (the
    gradients are then empty).
    """
    UBp, WTp, P, thr, log1mp_sum = pcd_tables(W, U, b, E)
    idx_all = np.empty(x.shape, dtype=np.int64)
    advance_tables(
        thr, WTp, c, z, z_prev, x, q, keys, step, n_on, T_running, visits, decay, idx_all
    )
    ok, pi, Z = stationary_fundamental(T_running if T.shape[0] == 0 else T)
    if not ok:
        K, N = W.shape
        return False, np.empty((0, N)), np.empty(0), np.empty((N, 0)), np.empty(0)
    if one_step:
        Z = np.eye(W.shape[0])
    dW, dc, dU, db = two_matrix_terms_tables(
        d_indices, d_indptr, rows, UBp, P, log1mp_sum, pi, Z, x, q, z_prev, n_on, idx_all
    )
    return True, dW, dc, dU, db
