"""Running the latent chains of the two-matrix model and the one-hot RBM.

One step of the alternating chain goes ``z -> x ~ p(.|z) -> z' ~ q(.|x)`` with

* decoder ``p(x_i = 1 | z) = P[z, i]``, ``P = sigmoid(U.T + b)`` of shape (K, N);
* encoder ``q(z | x) = softmax(W x + c)``, ``W`` of shape (K, N).

This module validates its inputs and hands contiguous float64/uint8 arrays to the
implementation of the current backend (:mod:`nelc_edu._backend`): the readable NumPy
reference :mod:`._chains_numpy`, or its Numba twin :mod:`._chains_numba`. Both draw the
same random numbers (the layout is documented in :mod:`._chains_numpy`), so the same seed
gives the same chains on either backend and on every machine. Persistent chains and the
PCD gradients built on these steps live in :mod:`.pcd`.

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models.sampling import decoder_probs, run_chains
>>> rng = np.random.default_rng(0)
>>> W, U = rng.normal(size=(3, 8)), rng.normal(size=(8, 3))
>>> P = decoder_probs(U, np.zeros(8))
>>> z, x, _ = run_chains(P, W, np.zeros(3), np.zeros(4, dtype=int), seed=1, n_steps=10)
>>> z.shape, x.shape
((10, 4), (4, 8))
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .. import _backend, _rng
from .._validation import as_float_array, check_n_latent, check_positive_int

Backend = Literal["numba", "numpy"]

__all__ = ["decoder_probs", "run_chains", "MAX_TRAJECTORY_BYTES"]

#: Largest visible trajectory ``run_chains(..., record_visible=True)`` will allocate.
MAX_TRAJECTORY_BYTES = 2_000_000_000


def _chain_module(backend: str | None):
    """The implementation of the chains for ``backend`` (None: the current backend)."""
    if _backend.resolve(backend) == "numba":
        from . import _chains_numba as impl
    else:
        from . import _chains_numpy as impl
    return impl


def _checked(a, name: str, shape: tuple) -> np.ndarray:
    """``a`` as a finite, C-contiguous float64 array of the given shape."""
    arr = as_float_array(a, name, ndim=len(shape))
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {arr.shape}.")
    return np.ascontiguousarray(arr)


def _check_probabilities(P) -> np.ndarray:
    P = as_float_array(P, "P", ndim=2)
    check_n_latent(P.shape[0])
    if np.any((P < 0) | (P > 1)):
        raise ValueError("P holds probabilities p(x_i = 1 | z) and must lie in [0, 1].")
    return np.ascontiguousarray(P)


def _decoder_parts(UB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decoder means and log-normaliser from the logits ``UB = U + b[:, None]`` (N, K).

    Returns ``P = sigmoid(UB.T)`` (K, N, C-contiguous) and ``log1mp_sum[z] = sum_i
    log(1 - P[z, i])``, without overflow: with ``L = log(1 + exp(-|A|))`` and ``A = UB.T``,
    ``log(1 - P) = -max(A, 0) - L`` and ``P = exp(min(A, 0) - L)``.
    """
    A = np.ascontiguousarray(UB.T)
    L = np.log1p(np.exp(-np.abs(A)))
    log1mp_sum = -(np.maximum(A, 0.0) + L).sum(axis=1)
    P = np.exp(np.minimum(A, 0.0) - L)
    return P, log1mp_sum


def decoder_probs(U, b) -> np.ndarray:
    """Decoder means ``P[z, i] = p(x_i = 1 | z) = sigmoid(U[i, z] + b[i])``, shape (K, N).

    Computed without overflow for any finite ``U`` and ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> decoder_probs(np.zeros((3, 2)), np.array([0.0, 800.0, -800.0]))
    array([[0.5, 1. , 0. ],
           [0.5, 1. , 0. ]])
    """
    U = as_float_array(U, "U", ndim=2)
    b = _checked(b, "b", (U.shape[0],))
    return _decoder_parts(U + b[:, None])[0]


def _check_start(z0, K: int) -> np.ndarray:
    z0 = np.asarray(z0)
    if z0.ndim != 1 or z0.shape[0] < 1 or z0.dtype.kind not in "iu":
        raise ValueError(
            f"z0 must be a 1-D integer array with one initial latent state per chain; "
            f"got dtype {z0.dtype} and shape {z0.shape}."
        )
    if np.any((z0 < 0) | (z0 >= K)):
        raise ValueError(f"z0 holds latent states and must lie in 0 .. {K - 1} (K = {K}).")
    return np.ascontiguousarray(z0, dtype=np.int64)


def run_chains(
    P,
    W,
    c,
    z0,
    seed: int | np.random.Generator | None,
    n_steps: int,
    *,
    burn_in: int = 0,
    thin: int = 1,
    record_visible: bool = False,
    backend: Backend | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Run independent alternating chains ``z -> x ~ p(.|z) -> z' ~ q(.|x)``.

    Parameters
    ----------
    P : array_like, shape (K, N)
        Decoder means ``P[z, i] = p(x_i = 1 | z)`` (see :func:`decoder_probs`).
    W : array_like, shape (K, N)
        Encoder weights; ``q(.|x) = softmax(W x + c)``.
    c : array_like, shape (K,)
        Encoder biases.
    z0 : array_like of int, shape (C,)
        Initial latent state of each of the ``C`` chains, in ``0 .. K-1``.
    seed : int, Generator or None
        Seeds the per-chain streams ``_rng.stream_keys(_rng.kernel_seed(seed), C)``.
    n_steps : int
        Steps run (and recorded every ``thin``) after ``burn_in`` unrecorded steps.
    burn_in : int, default 0
        Steps run first and not recorded.
    thin : int, default 1
        Keep every ``thin``-th state.
    record_visible : bool, default False
        Also return the visible trajectory.
    backend : {"numba", "numpy", None}
        The implementation for this call (None: the current backend,
        :func:`nelc_edu.backend`); both return the same integers for the same seed.

    Returns
    -------
    z_traj : ndarray of int64, shape (n_steps // thin, C)
        ``z_traj[t]`` is the latent state after step ``burn_in + (t + 1) * thin``.
    x_final : ndarray of uint8, shape (C, N)
        The visible state drawn in the last step (``burn_in + n_steps``).
    x_traj : ndarray of uint8, shape (n_steps // thin, C, N), or None
        ``x_traj[t]`` is the visible state drawn in the step that produced ``z_traj[t]``;
        ``None`` unless ``record_visible``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> K, N = 3, 8
    >>> P = rng.uniform(0.1, 0.9, (K, N))
    >>> W, c = rng.normal(size=(K, N)), np.zeros(K)
    >>> z, x, xs = run_chains(P, W, c, np.zeros(4, dtype=int), seed=1, n_steps=10, thin=2,
    ...                       record_visible=True)
    >>> z.shape, x.shape, xs.shape
    ((5, 4), (4, 8), (5, 4, 8))
    >>> z_np, x_np, _ = run_chains(P, W, c, np.zeros(4, dtype=int), seed=1, n_steps=10,
    ...                            thin=2, backend="numpy")
    >>> bool(np.array_equal(z, z_np) and np.array_equal(x, x_np))
    True
    """
    P = _check_probabilities(P)
    K, N = P.shape
    WT = np.ascontiguousarray(_checked(W, "W", (K, N)).T)
    c = _checked(c, "c", (K,))
    z0 = _check_start(z0, K)
    n_steps = check_positive_int(n_steps, "n_steps")
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    thin = check_positive_int(thin, "thin")
    if n_steps < thin:
        raise ValueError(f"n_steps = {n_steps} < thin = {thin}: no state would be recorded.")
    C = z0.shape[0]
    n_kept = n_steps // thin
    if record_visible and n_kept * C * N > MAX_TRAJECTORY_BYTES:
        raise ValueError(
            f"the visible trajectory would take {n_kept * C * N / 1e9:.1f} GB; "
            "increase thin, or use fewer steps or chains."
        )
    impl = _chain_module(backend)
    keys = _rng.stream_keys(_rng.kernel_seed(seed), C)
    z_traj, x_final, x_traj = impl.run_chains(
        P, WT, c, z0, keys, n_steps, burn_in, thin, bool(record_visible)
    )
    return z_traj, x_final, (x_traj if record_visible else None)
