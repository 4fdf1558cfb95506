"""Persistent chains and the persistent-chain (PCD) gradients of the latent-chain models.

Training keeps ``C`` chains running between parameter updates (:class:`PersistentChains`):
each update moves every chain one step (:mod:`.sampling` describes a step) and uses the
chains' last triples ``(z, x, z')`` as samples of the model. Two gradients are built on them
(``docs/theory.md``, sections 5 and 8; Baiesi & Rosso, arXiv:2512.11415):

* :func:`two_matrix_pcd_gradient`: the two-matrix model's log-likelihood gradient, a data
  term plus a stationary "two-step" term, with ``pi`` and the fundamental matrix ``Z``
  of a running estimate of the latent transition matrix (:mod:`nelc_edu.markov` computes
  both);
* :func:`onehot_rbm_pcd_gradient`: the one-hot RBM's positive minus negative phase.

The arithmetic runs in the current backend (:mod:`nelc_edu._backend`): the NumPy reference
:mod:`._chains_numpy` or its Numba twin :mod:`._chains_numba`, which draw the same random
numbers.

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models.pcd import PersistentChains, two_matrix_pcd_gradient
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

from dataclasses import dataclass

import numpy as np

from .. import _rng
from .._validation import (
    as_float_array,
    check_binary_data,
    check_n_latent,
    check_positive_int,
    check_stochastic_matrix,
)
from .sampling import Backend, _chain_module, _check_probabilities, _checked, _decoder_parts

__all__ = [
    "ActiveRows",
    "PersistentChains",
    "STATIONARY_TERMS",
    "check_stationary_term",
    "onehot_rbm_pcd_gradient",
    "two_matrix_pcd_gradient",
]


# ----------------------------------------------------------------------------- chains
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
        Steps taken so far (step ``t`` uses the draws documented in :mod:`._chains_numpy`).
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

    def __post_init__(self):
        if not 0.0 <= self.decay <= 1.0:
            raise ValueError(f"decay must lie in [0, 1]; got {self.decay}.")

    @classmethod
    def start(
        cls, K: int, N: int, n_chains: int, seed: int | np.random.Generator | None = None,
        *, decay: float = 0.9,
    ) -> PersistentChains:
        """Start ``n_chains`` chains from uniformly random latent states.

        ``seed`` feeds one Generator that first draws the seed of the streams, then the
        initial states. ``x`` starts at zeros, ``q`` and ``T_running`` uniform.

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

    def _advance(self, P: np.ndarray, WT: np.ndarray, c: np.ndarray, impl) -> None:
        """One step with checked, C-contiguous ``P`` (K, N), ``WT = W.T`` and ``c``."""
        impl.advance(
            P, WT, c, self.z, self.z_prev, self.x, self.q, self.keys, self.step,
            self.T_running, self.visits, self.decay,
        )
        self.step += 1

    def advance(self, P, W, c, *, backend: Backend | None = None) -> None:
        """Move every chain one step with decoder means ``P`` (K, N) and encoder ``W, c``.

        ``backend`` chooses the implementation for this call (None: the current backend).

        Examples
        --------
        >>> import numpy as np
        >>> ch = PersistentChains.start(K=2, N=5, n_chains=4, seed=0)
        >>> ch.advance(np.full((2, 5), 0.5), np.zeros((2, 5)), np.zeros(2))
        >>> ch.step, bool(np.allclose(ch.T_running, 0.5))
        (1, True)
        """
        P = _check_probabilities(P)
        K, N = P.shape
        self._check(K, N)
        WT = np.ascontiguousarray(_checked(W, "W", (K, N)).T)
        self._advance(P, WT, _checked(c, "c", (K,)), _chain_module(backend))


@dataclass(frozen=True, eq=False)
class ActiveRows:
    """A binary dataset, and the lists of the active pixels of its rows (made once).

    Row ``r``'s ones are ``indices[indptr[r]:indptr[r + 1]]``, in increasing order (the
    compressed-sparse-row layout). The training loop hands minibatches to
    :meth:`~nelc_edu.models.TwoMatrixModel.pcd_gradient_rows` as row numbers into one of
    these, so that the Numba backend lists the pixels of the data once rather than at every
    update; the NumPy backend uses the ``dense`` rows.

    Examples
    --------
    >>> rows = ActiveRows.from_dense(np.array([[1, 0, 1], [0, 0, 0]], dtype=np.uint8))
    >>> rows.indices.tolist(), rows.indptr.tolist(), rows.shape
    ([0, 2], [0, 2, 2], (2, 3))
    """

    dense: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, N)``."""
        return (int(self.dense.shape[0]), int(self.dense.shape[1]))

    @classmethod
    def from_dense(cls, X) -> ActiveRows:
        """List the active pixels of a binary matrix (validated here)."""
        return cls._from_checked(check_binary_data(X, "X"))

    @classmethod
    def _from_checked(cls, X: np.ndarray) -> ActiveRows:
        """:meth:`from_dense` of a uint8 0/1 matrix the caller has checked."""
        X = np.ascontiguousarray(X)
        row_of, indices = np.nonzero(X)  # row-major order: columns increase within a row
        indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=X.shape[0]), out=indptr[1:])
        return cls(X, indices.astype(np.int64), indptr)


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


#: Smallest stationary probability the persistent-chain gradient accepts: the smallest
#: normal float64. A latent state far below the chains' reach (pi of 1e-20, say) is a
#: nearly dead state, a legitimate outcome of training: GTH computes its pi with a small
#: relative error, ``h = Z (rho / pi)`` stays finite (rho_k is proportional to pi_k), and
#: training goes on. Below this floor pi is subnormal and imprecise: the chain has, in
#: float64, lost the state.
PI_FLOOR = float(np.finfo(np.float64).tiny)


def _stationary_and_fundamental(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pi`` and ``Z`` of the chains' estimate ``T`` by :mod:`nelc_edu.markov`.

    Raises ``ValueError`` when ``T`` has no unique stationary distribution, or when a
    latent state's stationary probability is below :data:`PI_FLOOR` (the chain has, in
    float64, lost that state). The word "reducible" in the message is what the training
    loop turns into a :class:`~nelc_edu.training.TrainingDivergedError`.
    """
    from .. import markov

    advice = (
        "With persistent chains this happens when some latent state is never reached: lower "
        "the learning rate, use more chains, or check the weights for extreme values."
    )
    try:
        pi, Z = markov.stationary_and_fundamental(T)
    except ValueError as exc:
        raise ValueError(
            "the latent transition matrix estimated by the persistent chains has no unique, "
            f"strictly positive stationary distribution (it looks reducible): {exc} {advice}"
        ) from exc
    if pi.min() < PI_FLOOR:
        k = int(np.argmin(pi))
        raise ValueError(
            f"the latent chain estimated by the persistent chains is numerically reducible: "
            f"latent state {k} has stationary probability {pi[k]:.2g}, below float64's "
            f"resolution ({PI_FLOOR:.2g}). {advice}"
        )
    return pi, Z


def two_matrix_pcd_gradient(
    W, c, U, b, batch, chains: PersistentChains, *, T=None, backend: Backend | None = None,
    stationary_term: str = "exact",
) -> dict[str, np.ndarray]:
    """Persistent-chain estimate of the two-matrix log-likelihood gradient (ascent).

    Advances ``chains`` one step, then returns the data term on ``batch`` plus the
    stationary two-step term over the chains' last triples ``(z_prev, x, q(.|x))``
    (``docs/theory.md``, sections 5 and 8):

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
    backend : {"numba", "numpy", None}
        The implementation for this call (None: the current backend).
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
    W = np.ascontiguousarray(as_float_array(W, "W", ndim=2))
    K, N = W.shape
    K = check_n_latent(K)
    c = _checked(c, "c", (K,))
    U = _checked(U, "U", (N, K))
    b = _checked(b, "b", (N,))
    chains._check(K, N)
    batch = check_binary_data(batch, "batch", n_features=N)
    one_step = check_stationary_term(stationary_term)
    if T is not None:
        T = _checked(check_stochastic_matrix(T), "T", (K, K))
    rows = np.arange(batch.shape[0], dtype=np.int64)
    return _two_matrix_gradient(
        W, c, U, b, ActiveRows._from_checked(batch), rows, chains, T=T, one_step=one_step,
        backend=backend,
    )


def _two_matrix_gradient(
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
    backend: Backend | None = None,
) -> dict[str, np.ndarray]:
    """:func:`two_matrix_pcd_gradient` on the minibatch ``data.dense[rows]``, unchecked.

    For the training loop (:meth:`~nelc_edu.models.TwoMatrixModel.pcd_gradient_rows`) and
    the checked entry points: the parameters are validated, C-contiguous float64 arrays and
    ``rows`` (int64) lie within ``data``.
    """
    K, N = W.shape
    chains._check(K, N)
    impl = _chain_module(backend)
    UB = U + b[:, None]  # decoder logits (N, K)
    P, log1mp_sum = _decoder_parts(UB)
    chains._advance(P, np.ascontiguousarray(W.T), c, impl)
    pi, Z = _stationary_and_fundamental(chains.T_running if T is None else T)
    if one_step:
        Z = np.eye(K)
    dW, dc, dU, db = impl.two_matrix_terms(
        data, rows, UB, P, log1mp_sum, pi, Z, chains.x, chains.q, chains.z_prev
    )
    return {"W": dW, "c": dc, "U": dU, "b": db}


def onehot_rbm_pcd_gradient(
    W, c, b, batch, chains: PersistentChains, *, backend: Backend | None = None
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
    W = np.ascontiguousarray(as_float_array(W, "W", ndim=2))
    K, N = W.shape
    K = check_n_latent(K)
    c = _checked(c, "c", (K,))
    b = _checked(b, "b", (N,))
    chains._check(K, N)
    batch = check_binary_data(batch, "batch", n_features=N)
    impl = _chain_module(backend)
    P, _ = _decoder_parts(W.T + b[:, None])
    WT = np.ascontiguousarray(W.T)
    chains._advance(P, WT, c, impl)
    dW, dc, db = impl.onehot_rbm_terms(batch, WT, c, chains.x, chains.q)
    return {"W": dW, "c": dc, "b": db}
