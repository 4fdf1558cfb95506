r"""The binary restricted Boltzmann machine (Bernoulli visible and hidden units).

The equilibrium reference of the course (``docs/theory.md``, section 3). Visible units
:math:`x \in \{0,1\}^N`, hidden units :math:`h \in \{0,1\}^M`, and the Boltzmann joint

.. math::

    p(x, h) = e^{-E(x, h)} / Z, \qquad E(x, h) = -h^\top W x - b^\top x - c^\top h,

with ``W`` of shape (M, N) (hidden-first, like every model of the package), hidden bias
``c`` (M,) and visible bias ``b`` (N,). Both conditionals factorise,

.. math::

    p(h_k = 1 \mid x) = \sigma(W_k \cdot x + c_k), \qquad
    p(x_i = 1 \mid h) = \sigma(W_{:, i} \cdot h + b_i),

and summing out ``h`` gives the free energy
:math:`F(x) = -b^\top x - \sum_k \log(1 + e^{W_k \cdot x + c_k})`, :math:`p(x) = e^{-F(x)} / Z`.

Everything that needs ``Z`` (log-likelihood, exact gradient) enumerates the smaller layer
(with the helpers of :mod:`.exact`), which must have at most :data:`MAX_ENUMERATION_UNITS`
units. Gibbs sampling, CD-k and PCD-k give every chain its own counter-based random stream;
they run in the current backend (:mod:`nelc_edu._backend`: the NumPy reference
:mod:`._rbm_numpy` or its Numba twin :mod:`._rbm_numba`), with the same samples for the
same seed.

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models.binary_rbm import BinaryRBM
>>> rbm = BinaryRBM.random(M=3, N=4, scale=0.5, seed=0)
>>> X = np.array([[1, 0, 1, 0], [0, 0, 1, 1]])
>>> ll = rbm.log_likelihood(X)   # exact: log Z sums the 2**3 hidden states
>>> bool(ll < 0)
True
>>> samples = rbm.gibbs(5, n_steps=10, seed=1)   # 5 chains from random starts
>>> samples.shape, samples.dtype
((5, 4), dtype('uint8'))
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._rng import as_generator, kernel_seed, stream_keys
from .._validation import as_param_array, check_binary_data, check_param_values, check_positive_int
from .exact import N_MAX_EXACT, all_binary_states, binary_state_chunks, logsumexp, sigmoid, softplus

__all__ = [
    "BinaryRBM",
    "RBMChains",
    "enumerate_states",
    "compare_training_methods",
    "MAX_ENUMERATION_UNITS",
]

#: Largest layer that :meth:`BinaryRBM.log_partition` enumerates (2**20 terms).
MAX_ENUMERATION_UNITS = N_MAX_EXACT

#: Largest layers for the full transition matrices of :meth:`BinaryRBM.transition_matrix`.
MAX_TRANSITION_UNITS = 12

_LAYERS = ("visible", "hidden")


def enumerate_states(n: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """All binary vectors of length ``n`` (or the rows ``start:stop`` of that list).

    Row ``s`` is the binary expansion of ``s``, most significant bit first, so the state
    index of a vector ``x`` is ``int("".join(map(str, x)), 2)``. The same list as
    :func:`nelc_edu.models.exact.all_binary_states`.

    Parameters
    ----------
    n : int
        Number of units (1 <= n <= :data:`MAX_ENUMERATION_UNITS`).
    start, stop : int
        Range of state indices (default: all ``2**n``).

    Returns
    -------
    ndarray of uint8, shape (stop - start, n)

    Examples
    --------
    >>> enumerate_states(2).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    >>> enumerate_states(3, start=5, stop=6).tolist()
    [[1, 0, 1]]
    """
    n = check_positive_int(n, "n")
    if n > MAX_ENUMERATION_UNITS:
        raise ValueError(
            f"n = {n}: enumerating 2**{n} states is not sensible (n <= {MAX_ENUMERATION_UNITS})."
        )
    return all_binary_states(n, start, stop)


def _state_index(S: np.ndarray) -> np.ndarray:
    """Inverse of :func:`enumerate_states`: the index of each row of ``S``."""
    n = S.shape[1]
    weights = np.left_shift(np.int64(1), np.arange(n - 1, -1, -1, dtype=np.int64))
    return S.astype(np.int64) @ weights


def _rbm_module(backend: str | None):
    """The Gibbs/CD/PCD implementation for ``backend`` (None: the current backend)."""
    from .. import _backend

    if _backend.resolve(backend) == "numba":
        from . import _rbm_numba as impl
    else:
        from . import _rbm_numpy as impl
    return impl


@dataclass
class RBMChains:
    """State of persistent Gibbs chains (PCD): states, random streams and their counters.

    Created by :meth:`BinaryRBM.init_chains`; :meth:`BinaryRBM.pcd_gradient` and
    :meth:`BinaryRBM.gibbs` advance it in place.

    Attributes
    ----------
    x : ndarray of uint8, shape (n_chains, N)
        Current visible states.
    h : ndarray of uint8, shape (n_chains, M)
        Hidden states drawn in the last step (zeros before the first step).
    keys, counters : ndarray of uint64, shape (n_chains,)
        Each chain's random stream and how many numbers it has used.
    """

    x: np.ndarray
    h: np.ndarray
    keys: np.ndarray
    counters: np.ndarray

    @property
    def n_chains(self) -> int:
        """Number of chains."""
        return int(self.x.shape[0])

    def copy(self) -> RBMChains:
        """An independent copy (continues with exactly the same random numbers)."""
        return RBMChains(self.x.copy(), self.h.copy(), self.keys.copy(), self.counters.copy())


def _check_layer(layer: str) -> str:
    if layer not in _LAYERS:
        raise ValueError(f"layer must be 'visible' or 'hidden'; got {layer!r}.")
    return layer


class BinaryRBM:
    r"""Bernoulli-Bernoulli restricted Boltzmann machine, hidden-first weights.

    Parameters
    ----------
    W : array_like, shape (M, N)
        Couplings: ``W[k, i]`` links hidden unit ``k`` to visible unit ``i``.
    c : array_like, shape (M,)
        Hidden biases.
    b : array_like, shape (N,)
        Visible biases.

    Notes
    -----
    The arrays are copied on construction; :meth:`params` returns the live arrays, which
    :func:`nelc_edu.training.train` updates in place. Energy
    :math:`E(x, h) = -h^\top W x - b^\top x - c^\top h`.

    Examples
    --------
    >>> import numpy as np
    >>> rbm = BinaryRBM(np.zeros((2, 3)), np.zeros(2), np.zeros(3))
    >>> rbm.M, rbm.N
    (2, 3)
    >>> round(rbm.log_likelihood([[0, 1, 1]]), 6)  # all 2**3 states equally likely: -log 8
    -2.079442
    >>> BinaryRBM(np.zeros((2, 3)), np.zeros(3), np.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: c (hidden biases) must have shape (2,) to match W of shape (2, 3); got shape (3,).
    """

    def __init__(self, W, c, b):
        W = as_param_array(W, "W", ndim=2)
        M, N = W.shape
        if M < 1 or N < 1:
            raise ValueError(
                f"W has shape {W.shape}; an RBM needs at least one hidden unit (M >= 1) and "
                "one visible unit (N >= 1)."
            )
        c = as_param_array(c, "c", ndim=1)
        if c.shape != (M,):
            raise ValueError(
                f"c (hidden biases) must have shape ({M},) to match W of shape {W.shape}; "
                f"got shape {c.shape}."
            )
        b = as_param_array(b, "b", ndim=1)
        if b.shape != (N,):
            raise ValueError(
                f"b (visible biases) must have shape ({N},) to match W of shape {W.shape}; "
                f"got shape {b.shape}."
            )
        self._params = {
            "W": np.array(W, dtype=np.float64, order="C", copy=True),
            "c": np.array(c, dtype=np.float64, copy=True),
            "b": np.array(b, dtype=np.float64, copy=True),
        }

    # ------------------------------------------------------------------ construction
    @classmethod
    def random(
        cls,
        M: int,
        N: int,
        *,
        scale: float = 0.01,
        seed=None,
    ) -> BinaryRBM:
        """Small random couplings ``W ~ scale * Normal(0, 1)``, zero biases.

        Parameters
        ----------
        M, N : int
            Numbers of hidden and visible units (>= 1).
        scale : float
            Standard deviation of the couplings (>= 0).
        seed : int, Generator or None

        Examples
        --------
        >>> rbm = BinaryRBM.random(M=4, N=9, seed=0)
        >>> rbm.W.shape, float(abs(rbm.W).max()) < 0.1
        ((4, 9), True)
        """
        M = check_positive_int(M, "M (number of hidden units)")
        N = check_positive_int(N, "N (number of visible units)")
        if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)):
            raise ValueError(f"scale must be a number >= 0; got {scale!r}.")
        if not (np.isfinite(scale) and scale >= 0):
            raise ValueError(f"scale must be a finite number >= 0; got {scale!r}.")
        rng = as_generator(seed)
        W = float(scale) * rng.standard_normal((M, N))
        return cls(W, np.zeros(M), np.zeros(N))

    @classmethod
    def from_sklearn(cls, estimator) -> BinaryRBM:
        """Wrap a fitted ``sklearn.neural_network.BernoulliRBM`` (same energy function).

        scikit-learn stores ``components_`` (M, N), ``intercept_hidden_`` (M,) and
        ``intercept_visible_`` (N,): exactly ``W``, ``c`` and ``b`` here. scikit-learn is not
        imported; any object with those attributes works.

        Examples
        --------
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> fake = SimpleNamespace(components_=np.ones((2, 3)), intercept_hidden_=np.zeros(2),
        ...                        intercept_visible_=np.zeros(3))
        >>> BinaryRBM.from_sklearn(fake).W.shape
        (2, 3)
        """
        try:
            W = estimator.components_
            c = estimator.intercept_hidden_
            b = estimator.intercept_visible_
        except AttributeError as exc:
            raise ValueError(
                f"{type(estimator).__name__} has no components_/intercept_hidden_/"
                "intercept_visible_; pass a fitted sklearn BernoulliRBM."
            ) from exc
        return cls(W, c, b)

    # ------------------------------------------------------------------ parameters
    @property
    def W(self) -> np.ndarray:
        """Couplings, shape (M, N) (the live array)."""
        return self._params["W"]

    @property
    def c(self) -> np.ndarray:
        """Hidden biases, shape (M,) (the live array)."""
        return self._params["c"]

    @property
    def b(self) -> np.ndarray:
        """Visible biases, shape (N,) (the live array)."""
        return self._params["b"]

    @property
    def M(self) -> int:
        """Number of hidden units."""
        return int(self._params["W"].shape[0])

    @property
    def N(self) -> int:
        """Number of visible units."""
        return int(self._params["W"].shape[1])

    def params(self) -> dict[str, np.ndarray]:
        """The live parameter arrays ``{"W", "c", "b"}`` (training updates them in place).

        Examples
        --------
        >>> rbm = BinaryRBM.random(2, 3, seed=0)
        >>> rbm.params()["c"][0] = 1.0
        >>> float(rbm.c[0])
        1.0
        """
        return {"W": self._params["W"], "c": self._params["c"], "b": self._params["b"]}

    def copy(self) -> BinaryRBM:
        """An independent copy of the model."""
        return BinaryRBM(self.W, self.c, self.b)

    def __repr__(self) -> str:
        return f"BinaryRBM(M={self.M}, N={self.N})"

    def _checked_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The parameters, checked finite and not huge (they may have been edited in place)."""
        W, c, b = self.W, self.c, self.b
        for name, arr in (("W", W), ("c", c), ("b", b)):
            check_param_values(arr, name)
        return W, c, b

    # ------------------------------------------------------------------ conditionals
    def p_h_given_x(self, X) -> np.ndarray:
        """``p(h_k = 1 | x)`` for every row of ``X``: shape (n, M).

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM(np.array([[2.0, 0.0]]), np.array([-1.0]), np.zeros(2))
        >>> np.round(rbm.p_h_given_x([[1, 0], [0, 1]]), 4).tolist()
        [[0.7311], [0.2689]]
        """
        X = check_binary_data(X, "X", n_features=self.N)
        W, c, _ = self._checked_params()
        return sigmoid(X.astype(np.float64) @ W.T + c)

    def p_x_given_h(self, H) -> np.ndarray:
        """``p(x_i = 1 | h)`` for every row of ``H``: shape (n, N).

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM(np.array([[2.0, 0.0]]), np.zeros(1), np.zeros(2))
        >>> np.round(rbm.p_x_given_h([[1]]), 4).tolist()
        [[0.8808, 0.5]]
        """
        H_arr = np.asarray(H)
        if H_arr.ndim == 2 and H_arr.shape[1] != self.M:
            raise ValueError(
                f"H has {H_arr.shape[1]} columns but the model has M = {self.M} hidden units."
            )
        H = check_binary_data(H_arr, "H", n_features=self.M)
        W, _, b = self._checked_params()
        return sigmoid(H.astype(np.float64) @ W + b)

    def free_energy(self, X) -> np.ndarray:
        r"""Free energy :math:`F(x) = -b^\top x - \sum_k \log(1 + e^{W_k x + c_k})`, shape (n,).

        ``p(x) = exp(-F(x)) / Z``.

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM(np.zeros((1, 2)), np.zeros(1), np.array([1.0, 0.0]))
        >>> np.round(rbm.free_energy([[1, 0]]), 4).tolist()   # -1 - log 2
        [-1.6931]
        """
        X = check_binary_data(X, "X", n_features=self.N)
        return -self._log_weights(X, "visible")

    def _log_weights(self, S: np.ndarray, layer: str) -> np.ndarray:
        """Unnormalised log marginal of states ``S`` of ``layer`` (the other one summed out)."""
        W, c, b = self._checked_params()
        Sf = S.astype(np.float64)
        if layer == "visible":
            return Sf @ b + softplus(Sf @ W.T + c).sum(axis=1)
        return Sf @ c + softplus(Sf @ W + b).sum(axis=1)

    # ------------------------------------------------------------------ exact quantities
    def _enumeration_layer(self, layer: str | None) -> str:
        if layer is None:
            layer = "visible" if self.N <= self.M else "hidden"
        _check_layer(layer)
        n = self.N if layer == "visible" else self.M
        if n > MAX_ENUMERATION_UNITS:
            raise ValueError(
                f"exact computation needs a layer of at most {MAX_ENUMERATION_UNITS} units to "
                f"enumerate; this RBM has M = {self.M} hidden and N = {self.N} visible units "
                f"(the {layer} layer would need 2**{n} terms). Use fewer hidden units "
                "(e.g. M = 16 on digits) or an estimator such as annealed importance sampling."
            )
        return layer

    def _chunks(self, layer: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = self.N if layer == "visible" else self.M
        for S in binary_state_chunks(n, width=max(self.M, self.N)):
            yield S, self._log_weights(S, layer)

    def log_partition(self, layer: str | None = None) -> float:
        """Exact ``log Z``, summing the smaller layer (or ``layer``) out by enumeration.

        Parameters
        ----------
        layer : {"visible", "hidden"}, optional
            Which layer to enumerate (the other is summed analytically). Default: the
            smaller one. Both give the same number (up to rounding).

        Raises
        ------
        ValueError
            If the enumerated layer has more than :data:`MAX_ENUMERATION_UNITS` units.

        Examples
        --------
        >>> rbm = BinaryRBM.random(3, 5, scale=1.0, seed=0)
        >>> a, b = rbm.log_partition("visible"), rbm.log_partition("hidden")
        >>> abs(a - b) < 1e-12
        True
        """
        layer = self._enumeration_layer(layer)
        parts = []
        for _, logw in self._chunks(layer):
            m = float(logw.max())
            parts.append(m + float(np.log(np.exp(logw - m).sum())))
        return float(logsumexp(np.array(parts)))

    def log_prob(self, X) -> np.ndarray:
        """Exact ``log p(x)`` (nats) for every row of ``X``, shape (n,).

        Examples
        --------
        >>> import numpy as np
        >>> from nelc_edu.models.binary_rbm import enumerate_states
        >>> rbm = BinaryRBM.random(2, 3, scale=1.0, seed=0)
        >>> float(np.exp(rbm.log_prob(enumerate_states(3))).sum())  # doctest: +ELLIPSIS
        1.0...
        """
        X = check_binary_data(X, "X", n_features=self.N)
        return self._log_weights(X, "visible") - self.log_partition()

    def log_likelihood(self, X) -> float:
        """Exact mean log-likelihood of the rows of ``X``, in nats per example.

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM(np.zeros((3, 4)), np.zeros(3), np.zeros(4))
        >>> round(rbm.log_likelihood(np.eye(4)), 6)   # uniform over 2**4 states: -4 log 2
        -2.772589
        """
        return float(np.mean(self.log_prob(X)))

    def marginal(self, layer: str = "visible") -> np.ndarray:
        """Exact marginal of ``layer`` over all its states, in :func:`enumerate_states` order.

        Examples
        --------
        >>> rbm = BinaryRBM.random(2, 3, scale=1.0, seed=0)
        >>> p = rbm.marginal("hidden")
        >>> p.shape, round(float(p.sum()), 12)
        ((4,), 1.0)
        """
        layer = _check_layer(layer)
        n = self.N if layer == "visible" else self.M
        if n > MAX_ENUMERATION_UNITS:
            raise ValueError(
                f"the {layer} layer has {n} units; listing its 2**{n} probabilities needs "
                f"n <= {MAX_ENUMERATION_UNITS}."
            )
        log_z = self.log_partition()
        return np.exp(self._log_weights(enumerate_states(n), layer) - log_z)

    def transition_matrix(self, layer: str = "visible") -> np.ndarray:
        """Exact transition matrix of the Gibbs sampler seen on one layer.

        ``"visible"``: ``K[x, x'] = sum_h p(h | x) p(x' | h)`` (one step ``x -> h -> x'``);
        ``"hidden"``: ``T[h, h'] = sum_x p(x | h) p(h' | x)``. States are in
        :func:`enumerate_states` order. Both layers must have at most
        ``MAX_TRANSITION_UNITS`` = 12 units.

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM.random(2, 3, scale=1.0, seed=0)
        >>> K = rbm.transition_matrix("visible")
        >>> p = rbm.marginal("visible")
        >>> F = p[:, None] * K   # probability flux p(x) K(x, x')
        >>> bool(np.allclose(F, F.T))   # detailed balance
        True
        """
        layer = _check_layer(layer)
        if max(self.M, self.N) > MAX_TRANSITION_UNITS:
            raise ValueError(
                f"the exact transition matrix enumerates both layers; this RBM has M = {self.M}"
                f" and N = {self.N} (both must be <= {MAX_TRANSITION_UNITS})."
            )
        W, c, b = self._checked_params()
        Xall = enumerate_states(self.N).astype(np.float64)
        Hall = enumerate_states(self.M).astype(np.float64)
        A = Xall @ W.T + c  # (2^N, M) hidden activations
        B = Hall @ W + b  # (2^M, N) visible activations
        # log p(h | x) = h.a - sum softplus(a), as a (2^N, 2^M) matrix; same for p(x | h)
        log_h_given_x = A @ Hall.T - softplus(A).sum(axis=1)[:, None]
        log_x_given_h = B @ Xall.T - softplus(B).sum(axis=1)[:, None]
        P_hx = np.exp(log_h_given_x)  # rows x, columns h
        P_xh = np.exp(log_x_given_h)  # rows h, columns x
        if layer == "visible":
            return P_hx @ P_xh
        return P_xh @ P_hx

    def _model_statistics(self) -> dict[str, np.ndarray]:
        """Exact ``<h x^T>``, ``<h>``, ``<x>`` under the model, by enumeration."""
        layer = self._enumeration_layer(None)
        log_z = self.log_partition(layer)
        W, c, b = self._checked_params()
        EhX = np.zeros_like(W)
        Eh = np.zeros_like(c)
        Ex = np.zeros_like(b)
        for S, logw in self._chunks(layer):
            p = np.exp(logw - log_z)
            Sf = S.astype(np.float64)
            if layer == "hidden":
                Q = sigmoid(Sf @ W + b)  # E[x | h], (chunk, N)
                EhX += (Sf * p[:, None]).T @ Q
                Eh += p @ Sf
                Ex += p @ Q
            else:
                Q = sigmoid(Sf @ W.T + c)  # E[h | x], (chunk, M)
                EhX += (Q * p[:, None]).T @ Sf
                Eh += p @ Q
                Ex += p @ Sf
        return {"W": EhX, "c": Eh, "b": Ex}

    def gradient(self, X) -> dict[str, np.ndarray]:
        """Exact gradient of the mean log-likelihood of the rows of ``X``.

        ``dL/dW = <p(h|x) x^T>_data - <h x^T>_model`` (and the bias terms), the model term
        computed exactly by enumerating the smaller layer.

        Returns
        -------
        dict with keys ``"W"`` (M, N), ``"c"`` (M,), ``"b"`` (N,)

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM.random(2, 3, scale=0.5, seed=0)
        >>> g = rbm.gradient([[1, 0, 1], [1, 1, 1]])
        >>> sorted(g), g["W"].shape
        (['W', 'b', 'c'], (2, 3))
        """
        X = check_binary_data(X, "X", n_features=self.N)
        W, c, _ = self._checked_params()
        Xf = X.astype(np.float64)
        P = sigmoid(Xf @ W.T + c)
        model = self._model_statistics()
        n = X.shape[0]
        return {
            "W": P.T @ Xf / n - model["W"],
            "c": P.mean(axis=0) - model["c"],
            "b": Xf.mean(axis=0) - model["b"],
        }

    # ------------------------------------------------------------------ sampling
    def _new_chains(self, X0: np.ndarray, key_seed: int) -> RBMChains:
        C = X0.shape[0]
        return RBMChains(
            x=np.array(X0, dtype=np.uint8, order="C", copy=True),
            h=np.zeros((C, self.M), dtype=np.uint8),
            keys=stream_keys(key_seed, C),
            counters=np.zeros(C, dtype=np.uint64),
        )

    def _check_chains(self, chains) -> RBMChains:
        if not isinstance(chains, RBMChains):
            raise ValueError(
                f"chains must be an RBMChains from init_chains(); got {type(chains).__name__}."
            )
        if chains.x.shape[1] != self.N or chains.h.shape[1] != self.M:
            raise ValueError(
                f"the chains hold states with N = {chains.x.shape[1]}, M = {chains.h.shape[1]}"
                f" but the model has N = {self.N}, M = {self.M}; call init_chains() on this model."
            )
        return chains

    def init_chains(self, n_chains: int, seed=None) -> RBMChains:
        """Persistent chains for PCD: uniformly random states of both layers, one stream each.

        Parameters
        ----------
        n_chains : int
            Number of chains (independent of the minibatch size).
        seed : int, Generator or None

        Examples
        --------
        >>> rbm = BinaryRBM.random(2, 5, seed=0)
        >>> chains = rbm.init_chains(7, seed=1)
        >>> chains.n_chains, chains.x.shape
        (7, (7, 5))
        """
        n_chains = check_positive_int(n_chains, "n_chains")
        rng = as_generator(seed)
        X0 = rng.integers(0, 2, size=(n_chains, self.N), dtype=np.uint8)
        H0 = rng.integers(0, 2, size=(n_chains, self.M), dtype=np.uint8)
        chains = self._new_chains(X0, kernel_seed(rng))
        chains.h[...] = H0
        return chains

    def gibbs(
        self,
        start,
        n_steps: int = 1,
        *,
        seed=None,
        return_hidden: bool = False,
        backend: str | None = None,
    ):
        """Alternating Gibbs sampling ``x -> h -> x``, ``n_steps`` steps on every chain.

        Parameters
        ----------
        start : int, array of 0/1 (n_chains, N), or RBMChains
            An int starts that many chains from uniformly random states; an array gives the
            start states; an :class:`RBMChains` is advanced in place (``seed`` is then unused:
            the chains carry their own streams).
        n_steps : int
            Number of full steps ``x -> h -> x`` (>= 0).
        seed : int, Generator or None
            Seeds the start states (for an int ``start``) and the chains' streams.
        return_hidden : bool
            Also return the hidden states drawn in the last step.
        backend : {"numba", "numpy", None}
            The implementation for this call (None: the current backend,
            :func:`nelc_edu.backend`): same seed, same samples.

        Returns
        -------
        X : ndarray of uint8, shape (n_chains, N)
            The states after ``n_steps`` steps.
        H : ndarray of uint8, shape (n_chains, M)
            Only with ``return_hidden=True``.

        Examples
        --------
        >>> import numpy as np
        >>> rbm = BinaryRBM.random(3, 4, scale=1.0, seed=0)
        >>> a = rbm.gibbs(100, n_steps=5, seed=2)
        >>> b = rbm.gibbs(100, n_steps=5, seed=2, backend="numpy")
        >>> bool(np.array_equal(a, b))
        True
        """
        n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
        impl = _rbm_module(backend)
        self._checked_params()
        if isinstance(start, RBMChains):
            chains = self._check_chains(start)
        elif isinstance(start, (int, np.integer)) and not isinstance(start, bool):
            n_chains = check_positive_int(start, "n_chains")
            rng = as_generator(seed)
            X0 = rng.integers(0, 2, size=(n_chains, self.N), dtype=np.uint8)
            chains = self._new_chains(X0, kernel_seed(rng))
        else:
            X0 = check_binary_data(start, "start", n_features=self.N)
            chains = self._new_chains(X0, kernel_seed(as_generator(seed)))
        if n_steps > 0:
            impl.gibbs(chains.x, chains.h, self.W, self.b, self.c, chains.keys,
                       chains.counters, n_steps)
        X = chains.x.copy()
        return (X, chains.h.copy()) if return_hidden else X

    # ------------------------------------------------------------------ training gradients
    def _update(self, batch: np.ndarray, chains: RBMChains, k: int, cd: bool):
        """Move the chains and compute the Rao-Blackwellised statistics (one call).

        No finiteness check here (the hot path of training): NaN parameters give NaN
        gradients, which the training loop reports.
        """
        gW, gc, gb = _rbm_module(None).update(
            batch, chains.x, chains.h, self.W, self.b, self.c, chains.keys, chains.counters,
            k, cd,
        )
        return {"W": gW, "c": gc, "b": gb}

    def cd_gradient(self, batch, k: int = 1, seed=None) -> dict[str, np.ndarray]:
        """Contrastive divergence CD-k: chains start at the data and run ``k`` Gibbs steps.

        One chain per example: ``h0 ~ p(h | x0)``, then ``k`` times ``x ~ p(x | h)``,
        ``h ~ p(h | x)``. Rao-Blackwellised: the hidden units enter the statistics through
        ``p(h = 1 | x)``, both for the data and for the ``k``-step samples,
        ``<p(h|x) x^T>_data - <p(h|x_k) x_k^T>_chains``. Biased (it does not follow the
        log-likelihood gradient exactly, except as ``k -> infinity``), cheap.

        Returns
        -------
        dict with keys ``"W"``, ``"c"``, ``"b"``

        Examples
        --------
        >>> rbm = BinaryRBM.random(2, 3, seed=0)
        >>> g = rbm.cd_gradient([[1, 0, 1], [0, 1, 1]], k=2, seed=0)
        >>> g["W"].shape, g["c"].shape, g["b"].shape
        ((2, 3), (2,), (3,))
        """
        batch = check_binary_data(batch, "batch", n_features=self.N)
        k = check_positive_int(k, "k")
        chains = self._new_chains(batch, kernel_seed(as_generator(seed)))
        return self._update(batch, chains, k, cd=True)

    def pcd_gradient(self, batch, chains: RBMChains, k: int = 1) -> dict[str, np.ndarray]:
        """Persistent contrastive divergence PCD-k.

        The persistent ``chains`` (any number, independent of the batch size) advance ``k``
        steps ``h -> x -> h`` in place; the model term averages ``p(h|x) x^T`` over their new
        visible states. Rao-Blackwellised as in :meth:`cd_gradient`. With chains in
        equilibrium its expectation is the exact gradient (:meth:`gradient`).

        Examples
        --------
        >>> rbm = BinaryRBM.random(2, 3, seed=0)
        >>> chains = rbm.init_chains(50, seed=0)
        >>> g = rbm.pcd_gradient([[1, 0, 1], [0, 1, 1]], chains)
        >>> int(chains.counters[0])   # one step used N + M = 5 random numbers per chain
        5
        """
        batch = check_binary_data(batch, "batch", n_features=self.N)
        chains = self._check_chains(chains)
        k = check_positive_int(k, "k")
        return self._update(batch, chains, k, cd=False)


def compare_training_methods(
    X,
    *,
    M: int = 8,
    methods: Sequence[str | tuple[str, int]] = ("exact", "cd", "pcd"),
    cd_k: int = 1,
    n_updates: int = 1000,
    learning_rate: float = 0.05,
    batch_size: int = 16,
    n_chains: int = 100,
    n_checkpoints: int = 40,
    scale: float = 0.01,
    seed=0,
    progress: bool = False,
) -> dict[str, Any]:
    """Train the same initial RBM with several gradient estimators; exact log-likelihoods.

    Every run starts from ``BinaryRBM.random(M, N, scale=scale, seed=seed)`` and uses
    :func:`nelc_edu.training.train` with the same minibatch order (same ``seed``), so the
    curves differ only by the gradient estimator. The exact log-likelihood of ``X`` is
    recorded at ``n_checkpoints`` checkpoints (the model must be small enough to enumerate).

    Parameters
    ----------
    X : array of 0/1, shape (n, N)
        Training data.
    M : int
        Hidden units.
    methods : sequence of "exact", "cd", "pcd" or (method, k) pairs
        A plain "cd"/"pcd" uses ``cd_k`` Gibbs steps per update.
    cd_k, n_updates, learning_rate, batch_size, n_chains : training settings
        As in :func:`nelc_edu.training.train` (RMSprop).
    n_checkpoints : int
        Number of log-likelihood evaluations along the run.
    scale, seed
        Initial weights and the seed of everything.

    Returns
    -------
    dict label -> TrainingHistory
        Labels like ``"exact gradient"``, ``"CD-1"``, ``"PCD-1"``; each history's
        ``.get("log_likelihood")`` is the curve and ``.model`` the trained model.

    Examples
    --------
    >>> from nelc_edu.datasets import bars_and_stripes
    >>> runs = compare_training_methods(bars_and_stripes(3), M=4, n_updates=20,
    ...                                 n_checkpoints=2, methods=["exact", ("cd", 3)])
    >>> list(runs)
    ['exact gradient', 'CD-3']
    >>> runs["CD-3"].get("log_likelihood").shape
    (3,)
    """
    from ..training import train

    X = check_binary_data(X, "X")
    n_updates = check_positive_int(n_updates, "n_updates")
    n_checkpoints = check_positive_int(n_checkpoints, "n_checkpoints")
    runs: dict[str, Any] = {}
    for spec in methods:
        method, k = (spec, cd_k) if isinstance(spec, str) else spec
        if method not in ("exact", "cd", "pcd"):
            raise ValueError(f"unknown method {method!r}; use 'exact', 'cd' or 'pcd'.")
        label = {"exact": "exact gradient", "cd": f"CD-{k}", "pcd": f"PCD-{k}"}[method]
        rbm = BinaryRBM.random(M, X.shape[1], scale=scale, seed=seed)
        runs[label] = train(
            rbm, X, method=method, n_updates=n_updates, batch_size=batch_size,
            n_chains=n_chains, learning_rate=learning_rate, cd_k=k,
            checkpoint_every=max(1, n_updates // n_checkpoints),
            diagnostics=lambda m: {"log_likelihood": m.log_likelihood(X)},
            keep_params=False, seed=seed, progress=progress, desc=label,
        )
    return runs
