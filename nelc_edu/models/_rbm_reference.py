"""NumPy references of the binary-RBM kernels in :mod:`._rbm_kernels` (same numbers).

Every function here does, in vectorised NumPy, exactly the arithmetic of its Numba twin:
the same counter-based random numbers (:mod:`nelc_edu._rng`), the same order of the sums
that build the activations (a sequential sum over the units of the other layer, starting
from the bias), the same sigmoid. The Gibbs samples therefore agree bit for bit, and the
tests check that they do. These functions favour clarity over speed; the library calls
the kernels.

Random-number layout (shared with the kernels): chain ``s`` owns stream ``keys[s]`` and
``t = counters[s]`` counts the draws it has used.

* :func:`gibbs_reference`, one step ``x -> h -> x'``: draws ``t .. t+M-1`` for the hidden
  units, ``t+M .. t+M+N-1`` for the visible units.
* :func:`update_reference` (CD/PCD), one step ``h -> x -> h'``: draws ``t .. t+N-1`` for the
  visible units, ``t+N .. t+N+M-1`` for the hidden units; CD first draws ``h ~ p(h | x0)``
  with ``t .. t+M-1``.

Examples
--------
>>> import numpy as np
>>> from nelc_edu._rng import stream_keys
>>> W = np.zeros((2, 3)); b = np.zeros(3); c = np.zeros(2)
>>> X = np.zeros((4, 3), dtype=np.uint8)
>>> keys = stream_keys(0, 4); counters = np.zeros(4, dtype=np.uint64)
>>> X1, H1 = gibbs_reference(X, W, b, c, keys, counters, n_steps=2)
>>> X1.shape, H1.shape, counters.tolist()
((4, 3), (4, 2), [10, 10, 10, 10])
"""

from __future__ import annotations

import numpy as np

from .._rng import _INV53, _S11, GAMMA, splitmix64

__all__ = [
    "EXP_TABLE",
    "TAYLOR",
    "SIGMOID_FLOOR",
    "sigmoid_reference",
    "chain_uniforms",
    "hidden_activations_reference",
    "visible_activations_reference",
    "gibbs_reference",
    "statistics_reference",
    "update_reference",
]


#: Table ``exp(-j / 8)``, j = 0..320, and Taylor coefficients ``1 / n!``, n = 0..10, of the
#: sampler's sigmoid (see :func:`sigmoid_reference`). The Numba kernels use the same constants.
EXP_TABLE = np.exp(-np.arange(0, 8 * 40 + 1, dtype=np.float64) / 8.0)
EXP_TABLE.setflags(write=False)
TAYLOR = tuple(1.0 / float(np.prod(np.arange(1, n + 1, dtype=np.float64))) for n in range(11))
#: Below ``-SIGMOID_FLOOR`` the sampler's sigmoid returns ``sigmoid(-SIGMOID_FLOOR)`` (4e-18).
SIGMOID_FLOOR = 40.0


def sigmoid_reference(a: np.ndarray) -> np.ndarray:
    """The samplers' logistic function ``1 / (1 + exp(-a))``, in plain arithmetic.

    ``exp(-|a|)`` is computed as ``exp(-j/8) * e^r`` with ``j = floor(8 |a|)`` from a table
    and ``e^r``, ``-1/8 < r <= 0``, from its degree-10 Taylor polynomial (relative error
    below 1e-15). Plain multiplications and additions (no ``libm`` call) let the Numba twin
    vectorise, and give the same bits in NumPy and Numba. ``|a|`` is capped at 40, where
    the sigmoid is below 4.3e-18, far below the resolution 2**-53 of the uniform draws it is
    compared with.
    """
    a = np.asarray(a, dtype=np.float64)
    y = -np.abs(a)
    z = np.where(y > -SIGMOID_FLOOR, y * -8.0, 8.0 * SIGMOID_FLOOR)
    j = z.astype(np.int64)
    r = (j - z) * 0.125
    q = np.full_like(r, TAYLOR[10])
    for coef in TAYLOR[9::-1]:
        q = q * r + coef
    e = EXP_TABLE[j] * q
    s = 1.0 / (1.0 + e)
    return np.where(a >= 0, s, e * s)


def chain_uniforms(keys: np.ndarray, counters: np.ndarray, n: int) -> np.ndarray:
    """Draws ``counters[s], ..., counters[s] + n - 1`` of stream ``keys[s]``, shape (S, n).

    Like :func:`nelc_edu._rng.uniforms`, but each stream starts at its own counter.
    """
    keys = np.asarray(keys, dtype=np.uint64)[:, None]
    t = np.asarray(counters, dtype=np.uint64)[:, None] + np.arange(n, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        bits = splitmix64(keys + t * GAMMA)
    return (bits >> _S11).astype(np.float64) * _INV53


def hidden_activations_reference(X: np.ndarray, W: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``c + W x`` for every row of ``X``, summed over visible units in order 0..N-1."""
    X = np.asarray(X)
    A = np.repeat(np.asarray(c, dtype=np.float64)[None, :], X.shape[0], axis=0)
    for i in range(W.shape[1]):
        on = X[:, i] != 0
        A[on] = A[on] + W[:, i][None, :]
    return A


def visible_activations_reference(H: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b + W^T h`` for every row of ``H``, summed over hidden units in order 0..M-1."""
    H = np.asarray(H)
    A = np.repeat(np.asarray(b, dtype=np.float64)[None, :], H.shape[0], axis=0)
    for k in range(W.shape[0]):
        on = H[:, k] != 0
        A[on] = A[on] + W[k][None, :]
    return A


def gibbs_reference(
    X0: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    keys: np.ndarray,
    counters: np.ndarray,
    n_steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_steps`` alternating Gibbs steps ``x -> h -> x`` on every chain.

    Parameters
    ----------
    X0 : uint8 array (C, N)
        Start states (not modified).
    W, b, c : float64 arrays (M, N), (N,), (M,)
    keys, counters : uint64 arrays (C,)
        Per-chain streams; ``counters`` is advanced in place by ``n_steps * (M + N)``.
    n_steps : int

    Returns
    -------
    X : uint8 (C, N)
        States after the last step.
    H : uint8 (C, M)
        Hidden states drawn in the last step (zeros if ``n_steps == 0``).
    """
    M, N = W.shape
    X = np.array(X0, dtype=np.uint8, copy=True)
    H = np.zeros((X.shape[0], M), dtype=np.uint8)
    for _ in range(n_steps):
        p_h = sigmoid_reference(hidden_activations_reference(X, W, c))
        H = (chain_uniforms(keys, counters, M) < p_h).astype(np.uint8)
        counters += np.uint64(M)
        p_x = sigmoid_reference(visible_activations_reference(H, W, b))
        X = (chain_uniforms(keys, counters, N) < p_x).astype(np.uint8)
        counters += np.uint64(N)
    return X, H


def statistics_reference(
    X_data: np.ndarray,
    X_model: np.ndarray,
    W: np.ndarray,
    c: np.ndarray,
) -> dict[str, np.ndarray]:
    """Rao-Blackwellised gradient ``<h x>_data - <h x>_model`` (and the bias terms).

    The hidden units enter through their conditional probabilities ``p(h = 1 | x)``,
    the visible units through the given states.
    """
    Xd = np.asarray(X_data, dtype=np.float64)
    Xm = np.asarray(X_model, dtype=np.float64)
    Pd = sigmoid_reference(hidden_activations_reference(X_data, W, c))
    Pm = sigmoid_reference(hidden_activations_reference(X_model, W, c))
    return {
        "W": Pd.T @ Xd / Xd.shape[0] - Pm.T @ Xm / Xm.shape[0],
        "c": Pd.mean(axis=0) - Pm.mean(axis=0),
        "b": Xd.mean(axis=0) - Xm.mean(axis=0),
    }


def update_reference(
    X_data: np.ndarray,
    X: np.ndarray,
    H: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    keys: np.ndarray,
    counters: np.ndarray,
    n_steps: int,
    cd: bool,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Reference of :func:`._rbm_kernels.update_kernel` (one CD-k or PCD-k update).

    Each step is ``h -> x -> h``: ``x ~ p(x | h)``, ``q = p(h = 1 | x)``, ``h ~ q``; the
    statistics use the last ``(x, q)``. With ``cd=True`` the chains start at ``X_data``
    (``X`` is ignored) and first draw ``h ~ p(h | x0)``, whose probabilities give the
    positive statistics. ``counters`` is advanced in place.

    Returns
    -------
    X, H : uint8 arrays, the chains after the update
    stats : dict ``{"W", "c", "b"}`` of ``<q x^T>_data - <q x^T>_chains`` and bias terms
    """
    M, N = W.shape
    Xd = np.asarray(X_data, dtype=np.uint8)
    if cd:
        X = Xd.copy()
        q0 = sigmoid_reference(hidden_activations_reference(X, W, c))
        H = (chain_uniforms(keys, counters, M) < q0).astype(np.uint8)
        counters += np.uint64(M)
        pos_q, pos_x = q0, Xd
    else:
        X = np.array(X, dtype=np.uint8, copy=True)
        H = np.array(H, dtype=np.uint8, copy=True)
        pos_q = sigmoid_reference(hidden_activations_reference(Xd, W, c))
        pos_x = Xd
    q = None
    for _ in range(n_steps):
        p_x = sigmoid_reference(visible_activations_reference(H, W, b))
        X = (chain_uniforms(keys, counters, N) < p_x).astype(np.uint8)
        counters += np.uint64(N)
        q = sigmoid_reference(hidden_activations_reference(X, W, c))
        H = (chain_uniforms(keys, counters, M) < q).astype(np.uint8)
        counters += np.uint64(M)
    Xp = pos_x.astype(np.float64)
    Xm = X.astype(np.float64)
    stats = {
        "W": pos_q.T @ Xp / Xp.shape[0] - q.T @ Xm / Xm.shape[0],
        "c": pos_q.mean(axis=0) - q.mean(axis=0),
        "b": Xp.mean(axis=0) - Xm.mean(axis=0),
    }
    return X, H, stats
