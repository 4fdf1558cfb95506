"""The latent chains in NumPy: the reference implementation (read this one first).

One step of the alternating chain goes ``z -> x ~ p(.|z) -> z' ~ q(.|x)``, with decoder
means ``P[z, i] = p(x_i = 1 | z)`` (K, N) and encoder ``q(.|x) = softmax(W x + c)``. Every
function here works on all chains at once (vectorised over chains, a Python loop over
steps). :mod:`._chains_numba` has the same functions, with the same arguments and the same
random numbers, compiled by Numba; the tests compare the two number for number.

Random numbers
--------------
Chain ``s`` owns the splitmix64 stream ``keys[s]`` (:mod:`nelc_edu._rng`). With
``M = ceil(N / 2)``, step ``t`` of a chain uses the ``M + 1`` draws ``t * (M + 1) + j``,
``j = 0, ..., M``:

* draw ``j < M`` is 64 random bits ``r``; pixel ``j`` uses the uniform
  ``(r >> 33) * 2**-31`` and pixel ``M + j`` (when ``M + j < N``) the uniform
  ``((r & 0xFFFFFFFF) >> 1) * 2**-31``, and ``x_i = (u_i < P[z, i])``. Two 31-bit uniforms
  per draw halve the cost of a step; a probability is resolved to 2**-31, far below any
  statistical error;
* draw ``M`` is a 53-bit uniform ``u``; the new latent state is the first ``k`` with
  ``u * S < e_0 + ... + e_k``, where ``e = exp(a - max(a))``, ``a = W x + c``, ``S = sum(e)``.

The two backends add the encoder logits in different orders (a matrix product here, a
running sum over the active pixels there), so ``q`` agrees to rounding and a latent draw
could differ only if ``u`` fell within a rounding error (about 1e-16) of a boundary.
"""

from __future__ import annotations

import numpy as np

from .. import _rng

_INV31 = 1.0 / 2147483648.0  # 2**-31
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def step_bits(keys: np.ndarray, t: int, N: int) -> np.ndarray:
    """The ``M + 1`` raw 64-bit draws of step ``t`` of every stream: shape (C, M + 1)."""
    M = (N + 1) // 2
    counters = np.uint64(t * (M + 1)) + np.arange(M + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _rng.splitmix64(keys[:, None] + counters[None, :] * _rng.GAMMA)


def pixel_uniforms(bits: np.ndarray, N: int) -> np.ndarray:
    """The N pixel uniforms (multiples of 2**-31) of one step, from :func:`step_bits`."""
    M = (N + 1) // 2
    high = (bits[:, :M] >> np.uint64(33)).astype(np.float64) * _INV31
    low = ((bits[:, : N - M] & np.uint64(0xFFFFFFFF)) >> np.uint64(1)).astype(np.float64)
    return np.concatenate([high, low * _INV31], axis=1)


def latent_uniform(bits: np.ndarray) -> np.ndarray:
    """The 53-bit uniform of the latent draw (the last column of :func:`step_bits`)."""
    return (bits[:, -1] >> np.uint64(11)).astype(np.float64) * _INV53


def chain_step(P, WT, c, z, keys, t):
    """One step of every chain: ``x ~ p(.|z)``, then ``z' ~ q(.|x)``.

    ``WT`` is ``W.T`` (N, K). Returns ``x`` uint8 (C, N), ``q`` (C, K), ``z'`` int64 (C,).
    """
    N = P.shape[1]
    K = c.shape[0]
    bits = step_bits(keys, t, N)
    x = (pixel_uniforms(bits, N) < P[z]).astype(np.uint8)
    logits = x @ WT + c
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(e, axis=1)
    target = latent_uniform(bits) * cdf[:, -1]
    z_new = np.minimum((cdf <= target[:, None]).sum(axis=1), K - 1).astype(np.int64)
    q = e / cdf[:, -1:]
    return x, q, z_new


def run_chains(P, WT, c, z0, keys, n_steps, burn_in, thin, record_visible):
    """Run the chains ``burn_in + n_steps`` steps from ``z0``, keeping every ``thin``-th.

    Returns ``z_traj`` (n_steps // thin, C), the last ``x`` (C, N) and ``x_traj``
    (n_steps // thin, C, N), empty along its first axis unless ``record_visible``.
    """
    C = z0.shape[0]
    N = P.shape[1]
    n_kept = n_steps // thin
    z_traj = np.empty((n_kept, C), dtype=np.int64)
    x_traj = np.empty((n_kept if record_visible else 0, C, N), dtype=np.uint8)
    z = z0.astype(np.int64)
    x = np.zeros((C, N), dtype=np.uint8)
    for t in range(burn_in + n_steps):
        x, _, z = chain_step(P, WT, c, z, keys, t)
        done = t + 1 - burn_in  # steps taken after the burn-in
        if done > 0 and done % thin == 0 and done // thin <= n_kept:
            z_traj[done // thin - 1] = z
            if record_visible:
                x_traj[done // thin - 1] = x
    return z_traj, x, x_traj


def advance(P, WT, c, z, z_prev, x, q, keys, step, T_running, visits, decay):
    """One step of every persistent chain, and the running estimate of T, in place.

    Afterwards ``z_prev`` holds the old latent states, ``x`` the visible states drawn from
    them, ``q`` the encoder probabilities ``q(.|x)`` and ``z`` the new latent states. With
    ``n_z`` the number of chains that left ``z`` and ``T_hat[z]`` the mean of their
    ``q(.|x)``: ``visits[z] <- decay * visits[z] + n_z`` and
    ``T_running[z] += n_z / visits[z] * (T_hat[z] - T_running[z])`` (rows with ``n_z = 0``
    are left as they are).
    """
    K = c.shape[0]
    z_prev[:] = z
    x[:], q[:], z[:] = chain_step(P, WT, c, z_prev, keys, step)
    left = np.eye(K)[z_prev]  # (C, K): one-hot of the state each chain left
    counts = left.sum(axis=0)  # n_z
    sums = left.T @ q  # n_z * T_hat[z]
    visits *= decay
    visits += counts
    seen = counts > 0
    T_running[seen] += (sums[seen] - counts[seen, None] * T_running[seen]) / visits[seen, None]


def two_matrix_terms(data, rows, UB, P, log1mp_sum, pi, Z, x, q, z_prev):
    """Data term plus stationary (two-step) term of the two-matrix gradient.

    The minibatch is ``data.dense[rows]`` (``data`` an :class:`~.pcd.ActiveRows`), the
    chains' last triples are ``(z_prev, x, q)``; ``UB = U + b[:, None]`` (N, K) are the
    decoder logits, ``P = sigmoid(UB.T)`` and ``log1mp_sum[z] = sum_i log(1 - P[z, i])``.
    Returns ``dW (K, N), dc (K,), dU (N, K), db (N,)`` (see :func:`.pcd.two_matrix_pcd_gradient`).
    """
    K = P.shape[0]
    X = data.dense[rows].astype(np.float64)
    Xc = x.astype(np.float64)
    B, C = X.shape[0], Xc.shape[0]
    # data term: responsibilities r(z|x) ~ pi_z p(x|z), in log space
    log_r = X @ UB + log1mp_sum + np.log(pi)
    r = np.exp(log_r - log_r.max(axis=1, keepdims=True))
    r /= r.sum(axis=1, keepdims=True)
    rho = r.mean(axis=0)
    dU = X.T @ r / B - P.T * rho
    # h = Z (rho / pi), centred
    h = Z @ (rho / pi)
    h -= pi @ h
    # stationary term over the triples (z_prev, x, q(.|x)), with H(x) = q(.|x).h
    H = q @ h
    left_H = np.eye(K)[z_prev] * H[:, None] / C  # (C, K): H_s / C in the column z_prev[s]
    dU += Xc.T @ left_H - P.T * left_H.sum(axis=0)
    coef = q * (h[None, :] - H[:, None]) / C
    dW = coef.T @ Xc
    dc = coef.sum(axis=0)
    return dW, dc, dU, dU.sum(axis=1)


def onehot_rbm_terms(batch, WT, c, x, q):
    """Positive minus negative phase of the one-hot RBM gradient (Rao-Blackwellised).

    Positive phase ``E_data[q(z|x) x]``, ``E_data[q(z|x)]``, ``E_data[x]`` over the rows of
    ``batch``; negative phase the same averages over the chains' ``x`` with their ``q``.
    Returns ``dW (K, N), dc (K,), db (N,)``.
    """
    X = batch.astype(np.float64)
    Xc = x.astype(np.float64)
    logits = X @ WT + c
    r = np.exp(logits - logits.max(axis=1, keepdims=True))
    r /= r.sum(axis=1, keepdims=True)
    dW = r.T @ X / X.shape[0] - q.T @ Xc / Xc.shape[0]
    dc = r.mean(axis=0) - q.mean(axis=0)
    db = X.mean(axis=0) - Xc.mean(axis=0)
    return dW, dc, db
