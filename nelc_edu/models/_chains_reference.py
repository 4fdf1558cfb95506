"""Readable NumPy twins of the Numba kernels in :mod:`._chain_kernels`.

Same names, same arguments, same random numbers: ``x`` and ``z`` agree with the kernels
integer for integer, float statistics to rounding. Each function works on all chains at
once (vectorised over chains, a Python loop over steps), which keeps it short and
reasonably fast. Use ``backend="numpy"`` in :mod:`.chains` to run these.

Random-number layout (shared with the kernels)
----------------------------------------------
Chain ``s`` owns the splitmix64 stream ``keys[s]``. With ``M = ceil(N / 2)``, step ``t`` of
a chain uses the ``M + 1`` counters ``t * (M + 1) + j``. Draw ``j < M`` (64 bits ``r``) gives
pixel ``j`` the uniform ``(r >> 33) * 2**-31`` and pixel ``M + j`` (when ``< N``) the uniform
``((r & 0xFFFFFFFF) >> 1) * 2**-31``, and ``x_i = (u_i < P[z, i])``; draw ``M`` is the
53-bit uniform of :func:`nelc_edu._rng.uniforms` that picks the new latent state by inverse
CDF.

Floating-point sums are not always taken in the same order as in the kernels (``x @ W.T``
here, a running sum over active pixels there), and the kernels' ``exp`` is their own
(:func:`nelc_edu._simd.exp`, within 1 ulp of ``np.exp``), so a latent draw can differ only
if the uniform falls within a rounding error (about 1e-16) of a cumulative-probability
boundary.
"""

from __future__ import annotations

import numpy as np

from .. import _rng

_S33 = np.uint64(33)
_S1 = np.uint64(1)
_LOW32 = np.uint64(0xFFFFFFFF)
_INV31 = 1.0 / 2147483648.0  # 2**-31


def step_bits(keys: np.ndarray, t: int, N: int) -> np.ndarray:
    """The ``M + 1`` raw 64-bit draws of step ``t`` for each stream: shape (C, M + 1)."""
    M = (N + 1) // 2
    counters = np.uint64(t * (M + 1)) + np.arange(M + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _rng.splitmix64(keys[:, None] + counters[None, :] * _rng.GAMMA)


def pixel_uniforms(bits: np.ndarray, N: int) -> np.ndarray:
    """The N pixel uniforms (multiples of 2**-31) of one step, from :func:`step_bits`."""
    M = (N + 1) // 2
    hi = (bits[:, :M] >> _S33).astype(np.float64) * _INV31
    lo = ((bits[:, : N - M] & _LOW32) >> _S1).astype(np.float64) * _INV31
    return np.concatenate([hi, lo], axis=1)


def latent_uniform(bits: np.ndarray) -> np.ndarray:
    """The 53-bit uniform of the latent draw (last column of :func:`step_bits`)."""
    return (bits[:, -1] >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def encoder_probs(WT: np.ndarray, c: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``q(.|x) = softmax(W x + c)`` for each row of ``x``, max-subtracted: shape (C, K)."""
    a = x @ WT + c
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def chain_step(P, WT, c, z, keys, t):
    """One step of every chain: ``x ~ p(.|z)``, then ``z' ~ q(.|x)``.

    Returns ``(x uint8 (C, N), q (C, K), z' int64 (C,))``.
    """
    N = P.shape[1]
    K = c.shape[0]
    bits = step_bits(keys, t, N)
    x = (pixel_uniforms(bits, N) < P[z]).astype(np.uint8)
    a = x @ WT + c
    e = np.exp(a - a.max(axis=1, keepdims=True))
    cdf = np.cumsum(e, axis=1)
    target = latent_uniform(bits) * cdf[:, -1]
    z_new = np.minimum((cdf <= target[:, None]).sum(axis=1), K - 1).astype(np.int64)
    q = e / cdf[:, -1:]
    return x, q, z_new


def run_chains(P, WT, c, z0, keys, n_steps, burn_in, thin, record_visible):
    """Reference of :func:`._chain_kernels.run_chains`."""
    C = z0.shape[0]
    N = P.shape[1]
    n_kept = n_steps // thin
    z_traj = np.empty((n_kept, C), dtype=np.int64)
    x_traj = np.empty((n_kept if record_visible else 0, C, N), dtype=np.uint8)
    z = z0.astype(np.int64).copy()
    x = np.zeros((C, N), dtype=np.uint8)
    for t in range(burn_in + n_steps):
        x, _, z = chain_step(P, WT, c, z, keys, t)
        done = t + 1 - burn_in
        if done > 0 and done % thin == 0 and done // thin <= n_kept:
            z_traj[done // thin - 1] = z
            if record_visible:
                x_traj[done // thin - 1] = x
    return z_traj, x, x_traj


def advance(P, WT, c, z, z_prev, x, q, keys, step, n_on, T_running, visits, decay):
    """Reference of :func:`._chain_kernels.advance` (same in-place updates)."""
    K = c.shape[0]
    z_prev[:] = z
    x[:], q[:], z[:] = chain_step(P, WT, c, z_prev, keys, step)
    n_on[:] = x.sum(axis=1)
    onehot = np.eye(K)[z_prev]
    counts = onehot.sum(axis=0)  # n_z: chains whose previous state was z
    sums = onehot.T @ q  # n_z * T_hat[z]
    visits *= decay
    visits += counts
    seen = counts > 0
    T_running[seen] += (sums[seen] - counts[seen, None] * T_running[seen]) / visits[seen, None]


def two_matrix_terms(batch, UB, P, log1mp_sum, pi, Z, x, q, z_prev):
    """Reference of :func:`._chain_kernels.two_matrix_terms_tables` (dense minibatch, unpadded)."""
    K = P.shape[0]
    X = batch.astype(np.float64)
    Xc = x.astype(np.float64)
    B, C = X.shape[0], Xc.shape[0]
    # data term: responsibilities r(z|x) ~ pi_z p(x|z), in log space
    logr = X @ UB + log1mp_sum + np.log(pi)
    r = np.exp(logr - logr.max(axis=1, keepdims=True))
    r /= r.sum(axis=1, keepdims=True)
    rho = r.mean(axis=0)
    dU = X.T @ r / B - P.T * rho
    h = Z @ (rho / pi)
    h -= pi @ h
    # stationary term: triples (z_prev, x, q(.|x)), H(x) = q(.|x).h
    H = q @ h
    onehot = np.eye(K)[z_prev]
    dU += Xc.T @ (onehot * H[:, None]) / C - P.T * ((onehot * H[:, None]).sum(axis=0) / C)
    coef = q * (h[None, :] - H[:, None]) / C
    dW = coef.T @ Xc
    dc = coef.sum(axis=0)
    return dW, dc, dU, dU.sum(axis=1)


def onehot_rbm_terms(batch, WT, c, x, q):
    """Reference of :func:`._chain_kernels.onehot_rbm_terms`."""
    X = batch.astype(np.float64)
    Xc = x.astype(np.float64)
    r = encoder_probs(WT, c, X)
    dW = r.T @ X / X.shape[0] - q.T @ Xc / Xc.shape[0]
    dc = r.mean(axis=0) - q.mean(axis=0)
    db = X.mean(axis=0) - Xc.mean(axis=0)
    return dW, dc, db
