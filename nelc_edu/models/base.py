"""Shared machinery of the latent-chain models (two-matrix model and one-hot RBM).

Both models have one latent variable ``z`` in {0, ..., K-1} and N binary visible units, an
encoder ``q(z|x) = softmax_z(W[z] . x + c_z)`` (W of shape (K, N)) and a decoder
``p(x|z) = prod_i Bernoulli(x_i; sigmoid(U[i, z] + b_i))`` (U of shape (N, K)). The sampler
alternates ``z -> x ~ p(.|z) -> z' ~ q(.|x)``; its latent transition matrix is
``T[z, z'] = E_{x ~ p(.|z)}[q(z'|x)]`` and the model's distribution of data is
``p(x) = sum_z pi_z p(x|z)`` with ``pi`` the stationary distribution of T
(``docs/theory.md``, sections 3-6).

Every quantity that needs an expectation over ``x ~ p(.|z)`` takes ``method``:

* ``"exact"``: sum over all 2^N visible states (N <= ``N_MAX_EXACT`` = 20);
* ``"mc"``: Monte Carlo, ``n_samples`` draws of ``x ~ p(.|z)`` from every component z, with
  ``seed`` (Rao-Blackwellised, log space);
* ``None`` (default): ``"exact"`` if N <= 20, else ``"mc"``.

Nothing is cached: the trainer updates the parameters in place, and every call recomputes
from the current values.

Examples
--------
>>> from nelc_edu.models import TwoMatrixModel
>>> model = TwoMatrixModel.random(3, 6, scale=1.0, seed=0)
>>> T = model.latent_transition_matrix()
>>> T.shape, bool(np.allclose(T.sum(axis=1), 1.0))
((3, 3), True)
>>> pi = model.stationary_distribution()
>>> bool(np.allclose(pi @ T, pi))
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from .._rng import as_generator, kernel_seed
from .._validation import (
    as_param_array,
    check_binary_data,
    check_n_latent,
    check_param_values,
    check_positive_int,
    check_state_list,
)
from . import exact as _exact
from .estimators import DEFAULT_N_SAMPLES, component_samples, entropy_production_from_log_T
from .exact import N_MAX_EXACT, logsumexp

_METHODS = ("exact", "mc")


class ChainSample(NamedTuple):
    """Output of :meth:`LatentChainModel.sample`.

    Attributes
    ----------
    z : numpy.ndarray
        int64 (n_kept, n_chains): latent state after each kept step.
    x : numpy.ndarray
        uint8 (n_chains, N): the final visible state of every chain.
    x_traj : numpy.ndarray or None
        uint8 (n_kept, n_chains, N): the visible state drawn in each kept step (the ``x``
        from which ``z[t]`` was drawn), or None unless ``return_visible=True``.
    """

    z: np.ndarray
    x: np.ndarray
    x_traj: np.ndarray | None


def _check_params(W, c, U, b) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate encoder (W, c) and decoder (U, b); return float64 C-contiguous copies."""
    W = as_param_array(W, "W (encoder weights, shape (K, N))", ndim=2)
    K = check_n_latent(W.shape[0])
    N = W.shape[1]
    if N < 1:
        raise ValueError(f"W has shape {W.shape}: the model needs at least one visible unit.")
    c = as_param_array(c, "c (encoder bias, shape (K,))", ndim=1)
    if c.shape != (K,):
        raise ValueError(f"c must have shape (K,) = ({K},) to match W {W.shape}; got {c.shape}.")
    U = as_param_array(U, "U (decoder weights, shape (N, K))", ndim=2)
    if U.shape != (N, K):
        hint = " (it looks transposed: pass U.T)" if U.shape == (K, N) else ""
        raise ValueError(
            f"U must have shape (N, K) = ({N}, {K}) to match W {W.shape}; got {U.shape}{hint}."
        )
    b = as_param_array(b, "b (visible bias, shape (N,))", ndim=1)
    if b.shape != (N,):
        raise ValueError(f"b must have shape (N,) = ({N},) to match W {W.shape}; got {b.shape}.")
    return tuple(np.array(a, dtype=np.float64, order="C", copy=True) for a in (W, c, U, b))


class LatentChainModel:
    """Base class: an encoder/decoder pair and its alternating latent chain.

    Subclasses (:class:`~nelc_edu.models.TwoMatrixModel`,
    :class:`~nelc_edu.models.OneHotRBM`) store the parameters and define :meth:`params`
    and :meth:`gradient`; everything else lives here.
    """

    #: Largest N for which ``method="exact"`` is allowed.
    N_MAX_EXACT = N_MAX_EXACT

    _W: np.ndarray
    _c: np.ndarray
    _b: np.ndarray

    # ------------------------------------------------------------------ parameters
    @property
    def K(self) -> int:
        """Number of latent states."""
        return int(self._W.shape[0])

    @property
    def N(self) -> int:
        """Number of visible units."""
        return int(self._W.shape[1])

    @property
    def W(self) -> np.ndarray:
        """Encoder weights (K, N) (the live array)."""
        return self._W

    @property
    def c(self) -> np.ndarray:
        """Encoder bias (K,) (the live array)."""
        return self._c

    @property
    def U(self) -> np.ndarray:
        """Decoder weights (N, K)."""
        raise NotImplementedError

    @property
    def b(self) -> np.ndarray:
        """Visible (decoder) bias (N,) (the live array)."""
        return self._b

    def params(self) -> dict[str, np.ndarray]:
        """The live parameter arrays (the trainer updates them in place)."""
        raise NotImplementedError

    def copy(self):
        """An independent copy of the model (same class, copied parameters)."""
        return type(self)(**{k: v.copy() for k, v in self.params().items()})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(K={self.K}, N={self.N})"

    # ------------------------------------------------------------------ conditionals
    def _check_live_params(self) -> None:
        """Refuse parameters made NaN, infinite or huge since construction (in place)."""
        for name, arr in self.params().items():
            check_param_values(arr, name)

    def decoder_logits(self) -> np.ndarray:
        """``U + b[:, None]``, shape (N, K): the logit of ``p(x_i = 1 | z)``."""
        self._check_live_params()
        return self.U + self._b[:, None]

    def decoder_probs(self) -> np.ndarray:
        """``p(x_i = 1 | z) = sigmoid(U[i, z] + b_i)`` as a C-contiguous (K, N) array.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> TwoMatrixModel.random(2, 3, seed=0).decoder_probs().shape
        (2, 3)
        """
        return np.ascontiguousarray(_exact.sigmoid(self.decoder_logits().T))

    def _check_X(self, X, name: str = "X") -> np.ndarray:
        return check_binary_data(X, name, n_features=self.N)

    def log_decoder(self, X) -> np.ndarray:
        """``log p(x|z)`` for every row x of X and every z: float64 (n, K), in log space.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(2, 3, seed=0)
        >>> model.log_decoder(np.zeros((1, 3), dtype=np.uint8)).shape
        (1, 2)
        """
        X = self._check_X(X)
        return _exact.log_bernoulli_rows(X, self.decoder_logits())

    def log_encoder(self, X) -> np.ndarray:
        """``log q(z|x) = log_softmax(X W^T + c)``: float64 (n, K).

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(2, 3, seed=0)
        >>> lq = model.log_encoder(np.ones((4, 3), dtype=np.uint8))
        >>> bool(np.allclose(np.exp(lq).sum(axis=1), 1.0))
        True
        """
        X = self._check_X(X)
        self._check_live_params()
        return _exact.log_softmax_rows(X.astype(np.float64) @ self._W.T + self._c[None, :])

    # ------------------------------------------------------------------ estimators
    def _resolve_method(self, method: str | None) -> str:
        if method is None:
            return "exact" if self.N <= N_MAX_EXACT else "mc"
        if method not in _METHODS:
            raise ValueError(
                f"method must be 'exact' (enumerate all 2^N visible states, N <= {N_MAX_EXACT}),"
                f" 'mc' (Monte Carlo) or None (choose by N); got {method!r}."
            )
        if method == "exact":
            _exact.check_exact_size(self.N)
        return method

    def _strata(
        self, method: str | None, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        """Weighted visible states ``(X, log_w)`` representing ``E_{x ~ p(.|z)}``."""
        method = self._resolve_method(method)
        if method == "exact":
            return _exact.Enumeration(self)
        return component_samples(self, n_samples, seed)

    def _log_transition_matrix(self, strata) -> np.ndarray:
        """``log T[z, z'] = log sum_m w[m, z] q(z'|x_m)`` accumulated over the strata."""
        K = self.K
        log_T = np.full((K, K), -np.inf)
        for X, log_w in strata:
            log_q = self.log_encoder(X)
            part = logsumexp(log_w[:, :, None] + log_q[:, None, :], axis=0)
            log_T = np.logaddexp(log_T, part)
        # Rows sum to 1 mathematically; remove the rounding.
        return log_T - logsumexp(log_T, axis=1)[:, None]

    @staticmethod
    def _linear_T(log_T: np.ndarray) -> np.ndarray:
        T = np.exp(log_T)
        return T / T.sum(axis=1, keepdims=True)

    def _stationary_from_T(self, T: np.ndarray, method: str) -> np.ndarray:
        from .. import markov

        try:
            return markov.stationary_distribution(T)
        except ValueError as exc:
            raise ValueError(
                f"The latent chain of this {type(self).__name__} (T computed with "
                f"method={method!r}) has no unique stationary distribution in float64: {exc} "
                "The weights are so large that some latent transition probabilities "
                "underflow (to 0, or below float64's range)."
            ) from exc

    def _chain(self, method, n_samples, seed):
        """(strata, log_T, T, pi) for one method: the shared first pass."""
        method = self._resolve_method(method)
        strata = self._strata(method, n_samples, seed)
        log_T = self._log_transition_matrix(strata)
        T = self._linear_T(log_T)
        pi = self._stationary_from_T(T, method)
        return strata, log_T, T, pi

    def latent_transition_matrix(
        self, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> np.ndarray:
        """Latent transition matrix ``T[z, z'] = E_{x ~ p(.|z)}[q(z'|x)]`` (K, K).

        Parameters
        ----------
        method : {"exact", "mc", None}
            ``"exact"`` enumerates the 2^N visible states (refused above N = 20); ``"mc"``
            averages ``q(.|x)`` over ``n_samples`` draws from every component, pooled with
            balance-heuristic weights (consistent, self-normalised rows);
            None picks ``"exact"`` when N <= 20.
        n_samples : int
            Samples per latent state (``"mc"`` only).
        seed : int, numpy.random.Generator or None
            Randomness of ``"mc"``.

        Returns
        -------
        numpy.ndarray
            Row-stochastic (K, K) array.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
        >>> T = model.latent_transition_matrix(method="exact")
        >>> bool(np.allclose(T.sum(axis=1), 1))
        True
        """
        method = self._resolve_method(method)
        return self._linear_T(self._log_transition_matrix(self._strata(method, n_samples, seed)))

    def stationary_distribution(
        self, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> np.ndarray:
        """Stationary distribution ``pi`` of the latent chain (K,).

        Raises ``ValueError`` if the latent chain is reducible in floating point.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> pi = TwoMatrixModel.random(3, 4, seed=0).stationary_distribution()
        >>> round(float(pi.sum()), 12)
        1.0
        """
        return self._chain(method, n_samples, seed)[3]

    def probability_currents(
        self, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> np.ndarray:
        """Latent probability currents ``J[z, z'] = pi_z T[z,z'] - pi_z' T[z',z]`` (K, K).

        Examples
        --------
        >>> from nelc_edu.models import OneHotRBM
        >>> J = OneHotRBM.random(3, 4, scale=1.0, seed=0).probability_currents()
        >>> bool(abs(J).max() < 1e-14)   # the RBM obeys detailed balance
        True
        """
        from .. import markov

        _, _, T, pi = self._chain(method, n_samples, seed)
        return markov.probability_currents(T, pi)

    def entropy_production(
        self, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> float:
        """Latent (coarse-grained) entropy production per step, in nats (theory page, section 2).

        Computed from ``log T`` so that underflowing entries do not fake an infinite value.
        With ``method="mc"`` the estimate is biased upward by the noise in ``T_hat``; see
        :meth:`entropy_production_with_floor`.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(3, 5, scale=2.0, seed=3)
        >>> model.entropy_production() > 0
        True
        >>> model.tied().entropy_production() < 1e-12
        True
        """
        _, log_T, _, pi = self._chain(method, n_samples, seed)
        return entropy_production_from_log_T(log_T, pi)

    def entropy_production_with_floor(
        self, *, n_samples: int = DEFAULT_N_SAMPLES, n_bootstrap: int = 200, seed=None
    ):
        """Monte Carlo latent entropy production with its noise floor.

        See :func:`nelc_edu.models.estimators.entropy_production_with_floor`.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(4, 8, scale=2.0, seed=3)
        >>> est = model.entropy_production_with_floor(n_samples=2000, seed=0)
        >>> bool(est.sigma > 5 * est.noise_floor)
        True
        """
        from .estimators import entropy_production_with_floor

        return entropy_production_with_floor(
            self, n_samples=n_samples, n_bootstrap=n_bootstrap, seed=seed
        )

    def path_entropy_production(
        self, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> float:
        """Path entropy production per step over stationary triples (z, x, z') (theory, section 4).

        ``E[log(pi_z p(x|z) q(z'|x) / (pi_z' p(x|z') q(z|x)))]`` with ``z ~ pi``,
        ``x ~ p(.|z)``, ``z' ~ q(.|x)``. With ``a(z, x) = log pi_z + log p(x|z) - log q(z|x)``
        the integrand is ``a(z, x) - a(z', x)``; ``z'`` is summed analytically, and the
        expectation over ``x ~ p(.|z)`` is exact (enumeration) or stratified Monte Carlo
        (``n_samples`` per z, with pi from the same samples). It is >= the latent entropy
        production (log-sum inequality) and zero pointwise for a tied model.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(3, 5, scale=2.0, seed=3)
        >>> model.path_entropy_production() >= model.entropy_production()
        True
        """
        strata, _, _, pi = self._chain(method, n_samples, seed)
        log_pi = np.log(pi)
        total = 0.0
        for X, log_w in strata:
            log_p = self.log_decoder(X)
            log_q = self.log_encoder(X)
            a = log_pi[None, :] + log_p - log_q
            mean_a = np.sum(np.exp(log_q) * a, axis=1)
            total += float(np.sum(np.exp(log_w) * pi[None, :] * (a - mean_a[:, None])))
        return total

    def self_transition(
        self, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> np.ndarray:
        """The vector ``diag T`` (K,): probability that one step returns to the same state.

        "Mean self-transition" everywhere means ``self_transition().mean()``.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> TwoMatrixModel.random(4, 5, seed=0).self_transition().shape
        (4,)
        """
        return np.diag(self.latent_transition_matrix(method, n_samples=n_samples, seed=seed)).copy()

    # ------------------------------------------------------------------ likelihood
    def responsibilities(self, X, pi) -> np.ndarray:
        """Posterior ``r(z|x) = pi_z p(x|z) / sum_z' pi_z' p(x|z')`` for every row of X (n, K).

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(3, 4, seed=0)
        >>> r = model.responsibilities(np.ones((2, 4)), model.stationary_distribution())
        >>> bool(np.allclose(r.sum(axis=1), 1))
        True
        """
        from .._validation import check_distribution

        pi = check_distribution(pi, self.K, "pi")
        with np.errstate(divide="ignore"):
            log_joint = np.log(pi)[None, :] + self.log_decoder(X)
        return np.exp(log_joint - logsumexp(log_joint, axis=1)[:, None])

    def _log_prob_given_pi(self, X, pi) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_joint = np.log(pi)[None, :] + self.log_decoder(X)
        return logsumexp(log_joint, axis=1)

    def log_prob(
        self, X, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> np.ndarray:
        """``log p(x) = log sum_z pi_z p(x|z)`` for every row of X (n,), pi from T by ``method``.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel, all_binary_states
        >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
        >>> p = np.exp(model.log_prob(all_binary_states(4)))
        >>> round(float(p.sum()), 12)
        1.0
        """
        X = self._check_X(X)
        pi = self._chain(method, n_samples, seed)[3]
        return self._log_prob_given_pi(X, pi)

    def log_likelihood(
        self, X, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> float:
        """Mean log-likelihood in nats per example, ``mean_x log sum_z pi_z p(x|z)``.

        Exact given T (K terms per example); ``method`` says how T (hence pi) is computed.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(3, 4, seed=0)
        >>> round(model.log_likelihood(np.zeros((5, 4))), 1)   # about 4 log(1/2)
        -2.8
        """
        return float(np.mean(self.log_prob(X, method, n_samples=n_samples, seed=seed)))

    def gradient(self, X, method: str | None = None, **kwargs) -> dict[str, np.ndarray]:
        """Gradient of :meth:`log_likelihood` w.r.t. every array of :meth:`params`."""
        raise NotImplementedError

    # ------------------------------------------------------------------ chains
    def sample(
        self,
        n_chains: int,
        n_steps: int,
        *,
        seed=None,
        z0=None,
        burn_in: int = 0,
        thin: int = 1,
        return_visible: bool = False,
    ) -> ChainSample:
        """Run ``n_chains`` independent alternating chains ``z -> x ~ p(.|z) -> z' ~ q(.|x)``.

        Parameters
        ----------
        n_chains, n_steps : int
            Number of chains, and of steps recorded after burn-in (before thinning).
        seed : int, numpy.random.Generator or None
        z0 : array of int (n_chains,), optional
            Initial latent states; by default uniformly random.
        burn_in : int
            Steps run and discarded first.
        thin : int
            Keep every ``thin``-th step: ``n_steps // thin`` states per chain.
        return_visible : bool
            Also return the visible trajectory (for image strips).

        Returns
        -------
        ChainSample
            ``z`` int64 (n_steps // thin, n_chains), ``x`` uint8 (n_chains, N) final visible
            states, ``x_traj`` uint8 (n_kept, n_chains, N) or None.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> out = TwoMatrixModel.random(3, 4, seed=0).sample(5, 10, seed=1)
        >>> out.z.shape, out.x.shape, out.x_traj is None
        ((10, 5), (5, 4), True)
        """
        from .sampling import run_chains

        C = check_positive_int(n_chains, "n_chains")
        n_steps = check_positive_int(n_steps, "n_steps")
        burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
        thin = check_positive_int(thin, "thin")
        if n_steps // thin < 1:
            raise ValueError(f"n_steps = {n_steps} < thin = {thin}: no state would be kept.")
        rng = as_generator(seed)
        if z0 is None:
            z0 = rng.integers(0, self.K, size=C)
        else:
            if isinstance(z0, (list, tuple, range)):  # no floats or True/False inside
                z0 = check_state_list(z0, self.K, "z0")
            z0 = np.asarray(z0)
            if z0.shape != (C,) or z0.dtype.kind not in "iu":
                raise ValueError(
                    f"z0 must be an integer array of shape (n_chains,) = ({C},); got "
                    f"shape {z0.shape}, dtype {z0.dtype}."
                )
            if np.any((z0 < 0) | (z0 >= self.K)):
                raise ValueError(f"z0 entries must lie in 0..K-1 = 0..{self.K - 1}.")
        z0 = np.ascontiguousarray(z0, dtype=np.int64)
        z_traj, x_final, x_traj = run_chains(
            self.decoder_probs(),
            np.ascontiguousarray(self._W),
            np.ascontiguousarray(self._c),
            z0,
            kernel_seed(rng),
            n_steps,
            burn_in=burn_in,
            thin=thin,
            record_visible=bool(return_visible),
        )
        return ChainSample(z_traj, x_final, x_traj)

    def init_chains(self, n_chains: int, seed=None):
        """Start persistent chains for :meth:`pcd_gradient` (uniformly random latent states).

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> model = TwoMatrixModel.random(3, 4, seed=0)
        >>> chains = model.init_chains(10, seed=0)
        """
        from .pcd import PersistentChains

        n_chains = check_positive_int(n_chains, "n_chains")
        return PersistentChains.start(self.K, self.N, n_chains, seed)

    def pcd_gradient(self, batch, chains) -> dict[str, np.ndarray]:
        """Persistent-chain gradient estimate on a minibatch (advances ``chains`` one step)."""
        raise NotImplementedError

