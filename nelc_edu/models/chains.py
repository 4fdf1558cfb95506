"""Chains of the latent-variable models: sampling, persistent chains and PCD gradients.

One step of the alternating chain goes ``z -> x ~ p(.|z) -> z' ~ q(.|x)`` with

* decoder ``p(x_i = 1 | z) = P[z, i]``, ``P = sigmoid(U.T + b)`` of shape (K, N);
* encoder ``q(z | x) = softmax(W x + c)``, ``W`` of shape (K, N).

This module validates its inputs and hands contiguous float64/uint8 arrays to the Numba
kernels of :mod:`._chain_kernels` (imported only when a function needs them) or, with
``backend="numpy"``, to their readable NumPy twins in :mod:`._chains_reference`. Both
backends draw the same random numbers: chain ``s`` owns the splitmix64 stream
``keys[s]`` of :func:`nelc_edu._rng.stream_keys`, and step ``t`` of a chain uses the
``M + 1`` counters ``t * (M + 1) + j`` (``M = ceil(N / 2)``): two 31-bit pixel uniforms
per 64-bit draw, then one 53-bit uniform for the latent draw (details in
:mod:`._chain_kernels`). Results therefore do not depend on thread scheduling.

The gradients follow ``MODEL.md`` sections 4-5 (Baiesi & Rosso, arXiv:2512.11415): the
two-matrix model's log-likelihood gradient is a data term plus a stationary "two-step"
term over the chains' last triples ``(z, x, z')``, with ``pi``, ``Z`` and ``h`` computed
from a running estimate of the latent transition matrix.

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models.chains import PersistentChains, two_matrix_pcd_gradient
>>> rng = np.random.default_rng(0)
>>> K, N = 3, 6
>>> W, U = rng.normal(0, 0.5, (K, N)), rng.normal(0, 0.5, (N, K))
>>> c, b = np.zeros(K), np.zeros(N)
>>> X = rng.integers(0, 2, size=(20, N))
>>> chains = PersistentChains.start(K, N, n_chains=50, seed=1)
>>> grad = two_matrix_pcd_gradient(W, c, U, b, X, chains)
>>> sorted(grad), grad["W"].shape, grad["U"].shape, chains.step
(['U', 'W', 'b', 'c'], (3, 6), (6, 3), 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .. import _rng
from .._validation import as_float_array, check_binary_data, check_n_latent, check_positive_int

Backend = Literal["numba", "numpy"]

__all__ = [
    "PersistentChains",
    "decoder_probs",
    "onehot_rbm_pcd_gradient",
    "run_chains",
    "STATIONARY_TERMS",
    "check_stationary_term",
    "stationary_and_fundamental",
    "two_matrix_pcd_gradient",
]

#: Largest visible trajectory ``run_chains(..., record_visible=True)`` will allocate.
MAX_TRAJECTORY_BYTES = 2_000_000_000


# ----------------------------------------------------------------------------- helpers
def _backend_module(backend: str):
    if backend == "numba":
        from . import _chain_kernels

        return _chain_kernels
    if backend == "numpy":
        from . import _chains_reference

        return _chains_reference
    raise ValueError(f"backend must be 'numba' or 'numpy'; got {backend!r}.")


def _finite(a, name: str, shape: tuple) -> np.ndarray:
    arr = as_float_array(a, name, ndim=len(shape))
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {arr.shape}.")
    return np.ascontiguousarray(arr)


def _decoder_parts(UB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decoder means and log-normaliser from the logits ``UB = U + b[:, None]`` (N, K).

    Returns ``P = sigmoid(UB.T)`` (K, N, C-contiguous) and ``log1mp_sum[z] = sum_i
    log(1 - P[z, i])``, without overflow: with ``L = log1p(exp(-|A|))``,
    ``log(1 - P) = -max(A, 0) - L`` and ``P = exp(min(A, 0) - L)``. Row sums go through
    BLAS (a NumPy reduction over short rows is slow).
    """
    A = np.ascontiguousarray(UB.T)
    ones = np.ones(A.shape[1])
    absA = np.abs(A)
    L = np.negative(absA)
    np.exp(L, out=L)
    np.log1p(L, out=L)
    # sum_i max(A, 0) = (sum_i A + sum_i |A|) / 2
    log1mp_sum = -(0.5 * (A @ ones + absA @ ones) + L @ ones)
    np.minimum(A, 0.0, out=absA)
    absA -= L
    np.exp(absA, out=absA)
    return absA, log1mp_sum


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
    N, K = U.shape
    b = _finite(b, "b", (N,))
    return _decoder_parts(U + b[:, None])[0]


def stationary_and_fundamental(T) -> tuple[np.ndarray, np.ndarray]:
    """Stationary distribution ``pi`` and fundamental matrix ``Z = inv(I - T + 1 pi)``.

    ``pi`` solves ``pi (I - T) = 0`` with one equation replaced by ``sum(pi) = 1``. A
    reducible estimate (no unique ``pi``) raises ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> pi, Z = stationary_and_fundamental(np.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> np.round(pi, 6)
    array([0.666667, 0.333333])
    >>> bool(np.allclose(Z.sum(axis=1), 1.0))
    True
    """
    T = np.asarray(T, dtype=np.float64)
    K = T.shape[0]
    A = np.eye(K) - T
    M = A.T.copy()
    M[-1] = 1.0
    rhs = np.zeros(K)
    rhs[-1] = 1.0
    try:
        pi = np.linalg.solve(M, rhs)
        Z = np.linalg.inv(A + pi[None, :])
    except np.linalg.LinAlgError:
        pi = None
    if pi is None or not np.all(pi > 0) or not np.all(np.isfinite(Z)):
        raise ValueError(
            "the latent transition matrix has no unique, strictly positive stationary "
            "distribution (the latent chain looks reducible). With persistent chains this "
            "happens when some latent state is never reached: use more chains, or check "
            "the weights for extreme values."
        )
    return pi, Z


# ----------------------------------------------------------------------------- sampling
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
    backend: Backend = "numba",
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
    backend : {"numba", "numpy"}
        The Numba kernel (parallel over chains) or its NumPy reference; both return
        the same integers for the same seed.

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
    P = as_float_array(P, "P", ndim=2)
    K, N = P.shape
    K = check_n_latent(K)
    if np.any((P < 0) | (P > 1)):
        raise ValueError("P holds probabilities p(x_i = 1 | z) and must lie in [0, 1].")
    P = np.ascontiguousarray(P)
    WT = np.ascontiguousarray(_finite(W, "W", (K, N)).T)
    c = _finite(c, "c", (K,))
    z0 = np.asarray(z0)
    if z0.ndim != 1 or z0.shape[0] < 1 or z0.dtype.kind not in "iu":
        raise ValueError(
            f"z0 must be a 1-D integer array with one initial latent state per chain; "
            f"got dtype {z0.dtype} and shape {z0.shape}."
        )
    if np.any((z0 < 0) | (z0 >= K)):
        raise ValueError(f"z0 holds latent states and must lie in 0 .. {K - 1} (K = {K}).")
    z0 = np.ascontiguousarray(z0, dtype=np.int64)
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
    mod = _backend_module(backend)
    keys = _rng.stream_keys(_rng.kernel_seed(seed), C)
    z_traj, x_final, x_traj = mod.run_chains(
        P, WT, c, z0, keys, n_steps, burn_in, thin, bool(record_visible)
    )
    return z_traj, x_final, (x_traj if record_visible else None)


# ----------------------------------------------------------------------------- persistent
@dataclass(eq=False)
class PersistentChains:
    """``C`` persistent chains and a running estimate of the latent transition matrix.

    Create them with :meth:`start`; :meth:`advance` moves every chain one step and folds
    the step's Rao-Blackwellised estimate ``T_hat`` into ``T_running``.

    Attributes
    ----------
    z : ndarray of int64, shape (C,)
        Current latent states.
    x : ndarray of uint8, shape (C, N)
        Visible states drawn in the last step (from ``z_prev``).
    q : ndarray of float64, shape (C, K)
        Encoder probabilities ``q(.|x)`` of the last step (``z`` was drawn from them).
    keys : ndarray of uint64, shape (C,)
        Per-chain random streams.
    step : int
        Steps taken so far (step ``t`` uses the counters documented in the module).
    T_running : ndarray of float64, shape (K, K)
        Running estimate of ``T``. Each step gives ``T_hat[z] = mean of q(.|x)`` over the
        chains whose previous state was ``z``; row ``z`` is then the visit-weighted
        average of past ``T_hat[z]``, each step's weight decaying by ``decay``::

            visits[z] <- decay * visits[z] + n_z
            T_running[z] <- T_running[z] + n_z / visits[z] * (T_hat[z] - T_running[z])

        (``n_z`` = chains that left ``z`` this step), an exponential moving average with a
        memory of about ``1 / (1 - decay)`` steps. Rows with no visits keep their value;
        the first visit replaces the initial uniform row.
    visits : ndarray of float64, shape (K,)
        Decayed visit counts of the rows of ``T_running``.
    z_prev : ndarray of int64, shape (C,)
        Latent states before the last step: ``(z_prev, x, q)`` are the last triples.
    decay : float
        Per-step decay of ``T_running`` (default 0.9, a memory of about 10 steps).
    n_on : ndarray of int64, shape (C,)
        Number of active pixels of each ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> ch = PersistentChains.start(K=3, N=4, n_chains=100, seed=0)
    >>> P, W, c = np.full((3, 4), 0.5), np.zeros((3, 4)), np.zeros(3)
    >>> for _ in range(5):
    ...     ch.advance(P, W, c)
    >>> ch.step, bool(np.allclose(ch.T_running, 1 / 3, atol=0.05))
    (5, True)
    """

    z: np.ndarray
    x: np.ndarray
    q: np.ndarray
    keys: np.ndarray
    step: int
    T_running: np.ndarray
    visits: np.ndarray
    z_prev: np.ndarray
    decay: float = 0.9
    n_on: np.ndarray = field(default=None, repr=False)

    def __post_init__(self):
        if self.n_on is None:
            self.n_on = np.asarray(self.x, dtype=np.int64).sum(axis=1)
        if not 0.0 <= self.decay <= 1.0:
            raise ValueError(f"decay must lie in [0, 1]; got {self.decay}.")

    @classmethod
    def start(
        cls, K: int, N: int, n_chains: int, seed: int | np.random.Generator | None = None,
        *, decay: float = 0.9,
    ) -> PersistentChains:
        """Start ``n_chains`` chains from uniformly random latent states.

        ``seed`` feeds one Generator that first draws the kernel seed of the streams,
        then the initial states. ``x`` starts at zeros, ``q`` and ``T_running`` uniform.

        Examples
        --------
        >>> ch = PersistentChains.start(K=4, N=10, n_chains=3, seed=0)
        >>> ch.z.shape, ch.x.shape, ch.q.shape, ch.T_running.shape, ch.step
        ((3,), (3, 10), (3, 4), (4, 4), 0)
        """
        K = check_n_latent(K)
        N = check_positive_int(N, "N")
        C = check_positive_int(n_chains, "n_chains")
        rng = _rng.as_generator(seed)
        keys = _rng.stream_keys(_rng.kernel_seed(rng), C)
        z = rng.integers(0, K, size=C).astype(np.int64)
        return cls(
            z=z,
            x=np.zeros((C, N), dtype=np.uint8),
            q=np.full((C, K), 1.0 / K),
            keys=keys,
            step=0,
            T_running=np.full((K, K), 1.0 / K),
            visits=np.zeros(K),
            z_prev=z.copy(),
            decay=float(decay),
        )

    @property
    def n_chains(self) -> int:
        """Number of chains ``C``."""
        return int(self.z.shape[0])

    @property
    def n_latent(self) -> int:
        """Number of latent states ``K``."""
        return int(self.q.shape[1])

    @property
    def n_visible(self) -> int:
        """Number of visible units ``N``."""
        return int(self.x.shape[1])

    def _check(self, K: int, N: int) -> None:
        if (self.n_latent, self.n_visible) != (K, N):
            raise ValueError(
                f"the chains were started for K = {self.n_latent}, N = {self.n_visible} "
                f"but the model has K = {K}, N = {N}; start new chains."
            )

    def _advance(self, P: np.ndarray, WT: np.ndarray, c: np.ndarray, mod) -> None:
        mod.advance(
            P, WT, c, self.z, self.z_prev, self.x, self.q, self.keys, self.step, self.n_on,
            self.T_running, self.visits, self.decay,
        )
        self.step += 1

    def advance(self, P, W, c, *, backend: Backend = "numba") -> None:
        """Move every chain one step with decoder means ``P`` (K, N) and encoder ``W, c``.

        Examples
        --------
        >>> import numpy as np
        >>> ch = PersistentChains.start(K=2, N=5, n_chains=4, seed=0)
        >>> ch.advance(np.full((2, 5), 0.5), np.zeros((2, 5)), np.zeros(2))
        >>> ch.step, bool(np.allclose(ch.T_running, 0.5))
        (1, True)
        """
        P = as_float_array(P, "P", ndim=2)
        K, N = P.shape
        self._check(K, N)
        if np.any((P < 0) | (P > 1)):
            raise ValueError("P holds probabilities p(x_i = 1 | z) and must lie in [0, 1].")
        WT = np.ascontiguousarray(_finite(W, "W", (K, N)).T)
        c = _finite(c, "c", (K,))
        self._advance(np.ascontiguousarray(P), WT, c, _backend_module(backend))


# ----------------------------------------------------------------------------- gradients
#: How the stationary (two-step) term weighs the last triples: ``"exact"`` uses
#: ``h = Z (rho / pi)`` (Z the fundamental matrix), ``"one_step"`` its first term only,
#: ``h = rho / pi - 1`` (the series ``Z = I + (T - 1 pi) + (T - 1 pi)^2 + ...`` cut after I).
STATIONARY_TERMS = ("exact", "one_step")


def check_stationary_term(stationary_term: str) -> bool:
    """Validate ``stationary_term``; return True for the truncated (one-step) rule.

    Examples
    --------
    >>> check_stationary_term("exact"), check_stationary_term("one_step")
    (False, True)
    """
    if stationary_term not in STATIONARY_TERMS:
        raise ValueError(
            f"stationary_term must be one of {STATIONARY_TERMS} ('exact': h = Z (rho/pi); "
            f"'one_step': h = rho/pi - 1); got {stationary_term!r}."
        )
    return stationary_term == "one_step"


def two_matrix_pcd_gradient(
    W, c, U, b, batch, chains: PersistentChains, *, T=None, backend: Backend = "numba",
    stationary_term: str = "exact",
) -> dict[str, np.ndarray]:
    """Persistent-chain estimate of the two-matrix log-likelihood gradient (ascent).

    Advances ``chains`` one step, then returns the data term on ``batch`` plus the
    stationary two-step term over the chains' last triples ``(z_prev, x, q(.|x))``
    (MODEL.md sections 4-5):

    * ``pi``, ``Z = inv(I - T + 1 pi)`` from ``chains.T_running`` (or from ``T``);
    * responsibilities ``r(z|x) ~ pi_z p(x|z)`` (log space), ``rho = mean r``;
    * ``h = Z (rho / pi)``, centred (``h - pi.h``), and ``H(x) = q(.|x).h``;
    * ``dU[:, z] = mean_x r(z|x)(x - s_z) + (1/C) sum_{s: z_prev = z} H_s (x_s - s_z)``
      with ``s_z = sigmoid(U[:, z] + b)``, and ``db`` the sum of the columns of ``dU``;
    * ``dW[k] = (1/C) sum_s q_s[k] (h_k - H_s) x_s``, ``dc[k]`` the same without ``x_s``.

    Parameters
    ----------
    W, c, U, b : array_like
        Encoder (K, N), (K,) and decoder (N, K), (N,).
    batch : array_like, shape (B, N)
        Binary minibatch (uint8 is fastest).
    chains : PersistentChains
        Advanced in place by one step.
    T : array_like, shape (K, K), optional
        Use this latent transition matrix instead of ``chains.T_running`` (e.g. the exact
        one, to study the estimator). ``chains.T_running`` is updated either way.
    backend : {"numba", "numpy"}
    stationary_term : {"exact", "one_step"}
        ``"exact"``: ``h = Z (rho / pi)``; ``"one_step"``: the truncated rule
        ``h = rho / pi - 1`` (see :data:`STATIONARY_TERMS`).

    Returns
    -------
    dict
        ``{"W", "c", "U", "b"}``: gradient-ascent directions (add ``lr * grad``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> W, U = rng.normal(size=(2, 4)), rng.normal(size=(4, 2))
    >>> ch = PersistentChains.start(2, 4, n_chains=10, seed=0)
    >>> g = two_matrix_pcd_gradient(W, np.zeros(2), U, np.zeros(4), np.eye(4), ch)
    >>> g["b"].shape, bool(np.allclose(g["b"], g["U"].sum(axis=1)))
    ((4,), True)
    """
    W = as_float_array(W, "W", ndim=2)
    K, N = W.shape
    K = check_n_latent(K)
    W = np.ascontiguousarray(W)
    c = _finite(c, "c", (K,))
    U = _finite(U, "U", (N, K))
    b = _finite(b, "b", (N,))
    chains._check(K, N)
    batch = check_binary_data(batch, "batch", n_features=N)
    mod = _backend_module(backend)
    one_step = check_stationary_term(stationary_term)
    T = None if T is None else _finite(T, "T", (K, K))
    if backend == "numba":
        return _two_matrix_pcd_gradient_unchecked(
            W, c, U, b, ActiveRows._from_checked(batch), _all_rows(batch), chains, T=T,
            one_step=one_step,
        )
    UB = U + b[:, None]  # decoder logits, (N, K)
    P, log1mp_sum = _decoder_parts(UB)
    chains._advance(P, np.ascontiguousarray(W.T), c, mod)
    T_used = chains.T_running if T is None else T
    pi, Z = stationary_and_fundamental(T_used)
    if one_step:
        Z = np.eye(K)
    dW, dc, dU, db = mod.two_matrix_terms(
        batch, UB, P, log1mp_sum, pi, Z, chains.x, chains.q, chains.z_prev
    )
    return {"W": dW, "c": dc, "U": dU, "b": db}


_NO_T = np.empty((0, 0))

_REDUCIBLE = (
    "the latent transition matrix has no unique, strictly positive stationary "
    "distribution (the latent chain looks reducible). With persistent chains this "
    "happens when some latent state is never reached: use more chains, or check "
    "the weights for extreme values."
)


def _all_rows(batch: np.ndarray) -> np.ndarray:
    return np.arange(batch.shape[0], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class ActiveRows:
    """A binary dataset as the lists of its active pixels (CSR), made once per dataset.

    Row ``r``'s ones are ``indices[indptr[r]:indptr[r + 1]]``, in increasing order. The
    training loop hands minibatches to :meth:`TwoMatrixModel.pcd_gradient_rows` as row
    numbers into one of these, so the pixels of the data are listed once rather than once
    per minibatch (about 8% of a PCD update at N = 784).

    Examples
    --------
    >>> rows = ActiveRows.from_dense(np.array([[1, 0, 1], [0, 0, 0]], dtype=np.uint8))
    >>> rows.indices.tolist(), rows.indptr.tolist(), rows.shape
    ([0, 2], [0, 2, 2], (2, 3))
    """

    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_dense(cls, X) -> ActiveRows:
        """List the active pixels of a binary matrix (validated here)."""
        return cls._from_checked(check_binary_data(X, "X"))

    @classmethod
    def _from_checked(cls, X: np.ndarray) -> ActiveRows:
        """:meth:`from_dense` of a C-contiguous uint8 0/1 matrix the caller has checked."""
        from . import _chain_kernels as kern

        indices, indptr = kern.dense_rows(X)
        return cls(indices, indptr, (int(X.shape[0]), int(X.shape[1])))


def _two_matrix_pcd_gradient_unchecked(
    W: np.ndarray,
    c: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
    data: ActiveRows,
    rows: np.ndarray,
    chains: PersistentChains,
    *,
    T: np.ndarray | None = None,
    one_step: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`two_matrix_pcd_gradient` (Numba backend) without the input validation.

    For the training loop (:meth:`TwoMatrixModel.pcd_gradient_rows`) and the checked entry
    points: the parameters are validated, C-contiguous float64 arrays, and the minibatch is
    the rows ``rows`` (int64, within bounds) of ``data``. Only the cheap shape check of the
    chains is kept. One NumPy call (the vectorised ``exp`` of the decoder logits) and one
    fused kernel (:func:`._chain_kernels.two_matrix_pcd_step`) per update. Passing anything
    else is undefined behaviour: use the public function.
    """
    from . import _chain_kernels as kern

    K, N = W.shape
    chains._check(K, N)
    E = U + b[:, None]
    np.abs(E, out=E)
    np.negative(E, out=E)
    np.exp(E, out=E)
    ok, dW, dc, dU, db = kern.two_matrix_pcd_step(
        W, c, U, b, E, data.indices, data.indptr, rows, chains.z, chains.z_prev, chains.x,
        chains.q, chains.keys, chains.step, chains.n_on, chains.T_running, chains.visits,
        chains.decay, _NO_T if T is None else T, bool(one_step),
    )
    chains.step += 1
    if not ok:
        raise ValueError(_REDUCIBLE)
    return {"W": dW, "c": dc, "U": dU, "b": db}


def onehot_rbm_pcd_gradient(
    W, c, b, batch, chains: PersistentChains, *, backend: Backend = "numba"
) -> dict[str, np.ndarray]:
    """Persistent-contrastive-divergence gradient of the one-hot RBM (ascent).

    The one-hot RBM is the tied model ``U = W.T``. Advances ``chains`` one step with
    ``P = sigmoid(W + b)`` and returns positive minus negative phase, both
    Rao-Blackwellised over the hidden unit with ``q(.|x) = softmax(W x + c)``:

    * ``dW[z] = E_data[q(z|x) x] - (1/C) sum_s q(z|x_s) x_s``;
    * ``dc[z] = E_data[q(z|x)] - (1/C) sum_s q(z|x_s)``;
    * ``db = E_data[x] - (1/C) sum_s x_s``.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.random.default_rng(0).normal(size=(3, 5))
    >>> ch = PersistentChains.start(3, 5, n_chains=20, seed=0)
    >>> g = onehot_rbm_pcd_gradient(W, np.zeros(3), np.zeros(5), np.eye(5), ch)
    >>> sorted(g), g["W"].shape, bool(abs(g["c"].sum()) < 1e-12)
    (['W', 'b', 'c'], (3, 5), True)
    """
    W = as_float_array(W, "W", ndim=2)
    K, N = W.shape
    K = check_n_latent(K)
    W = np.ascontiguousarray(W)
    c = _finite(c, "c", (K,))
    b = _finite(b, "b", (N,))
    chains._check(K, N)
    batch = check_binary_data(batch, "batch", n_features=N)
    mod = _backend_module(backend)
    P, _ = _decoder_parts(W.T + b[:, None])
    WT = np.ascontiguousarray(W.T)
    chains._advance(P, WT, c, mod)
    dW, dc, db = mod.onehot_rbm_terms(batch, WT, c, chains.x, chains.q)
    return {"W": dW, "c": dc, "b": db}
