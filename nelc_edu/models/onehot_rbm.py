"""The one-hot RBM: one softmax hidden unit with K states (the equilibrium reference).

Energy ``E(x, z) = -W[z] . x - b . x - c_z``. Both conditionals come from this one joint,
``q(z|x) = softmax_z(W[z] . x + c_z)`` and
``p(x|z) = prod_i Bernoulli(x_i; sigmoid(W[z, i] + b_i))``, so it is the two-matrix model
with the decoder tied to the encoder, ``U = W.T``. Its marginal is a Bernoulli mixture with
exact weights ``P(z) ∝ exp(c_z) prod_i (1 + exp(W[z, i] + b_i))``: the log-likelihood and
its gradient are exact and cheap at any N. The alternating sampler obeys detailed balance
with respect to ``P(z)`` (``docs/theory.md``, section 3).

Examples
--------
>>> from nelc_edu.models import OneHotRBM
>>> rbm = OneHotRBM.random(3, 5, scale=1.0, seed=0)
>>> bool(np.allclose(rbm.stationary_distribution(), rbm.latent_marginal()))
True
>>> rbm.entropy_production() < 1e-12
True
"""

from __future__ import annotations

import numpy as np

from .._rng import as_generator
from .._validation import as_float_array, check_n_latent, check_positive_int
from . import exact as _exact
from .base import LatentChainModel, _check_params
from .estimators import DEFAULT_N_SAMPLES
from .exact import logsumexp


class OneHotRBM(LatentChainModel):
    """Restricted Boltzmann machine with one K-state softmax hidden unit.

    Parameters
    ----------
    W : array (K, N)
        Weights, hidden-first (encoder and, transposed, decoder).
    c : array (K,)
        Hidden (latent) bias.
    b : array (N,)
        Visible bias.

    Examples
    --------
    >>> import numpy as np
    >>> rbm = OneHotRBM(np.zeros((2, 3)), np.zeros(2), np.zeros(3))
    >>> rbm, rbm.U.shape
    (OneHotRBM(K=2, N=3), (3, 2))
    """

    def __init__(self, W, c, b) -> None:
        W_arr = as_float_array(W, "W (weights, shape (K, N))", ndim=2)
        self._W, self._c, _, self._b = _check_params(W_arr, c, W_arr.T, b)

    @classmethod
    def random(cls, K: int, N: int, *, scale: float = 0.01, seed=None) -> OneHotRBM:
        """Small random weights ``scale * Normal(0, 1)``, zero biases.

        Examples
        --------
        >>> OneHotRBM.random(4, 6, seed=0).W.shape
        (4, 6)
        """
        K = check_n_latent(K)
        N = check_positive_int(N, "N")
        scale = float(as_float_array(scale, "scale", ndim=0))
        W = scale * as_generator(seed).standard_normal((K, N))
        return cls(W, np.zeros(K), np.zeros(N))

    @classmethod
    def sharp(
        cls,
        K: int,
        N: int,
        *,
        sharpness: float = 3.0,
        rarest: float = 1e-6,
        density: float = 0.2,
        seed=None,
    ) -> OneHotRBM:
        """A one-hot RBM like the ones PCD training produces: sharp components, rare states.

        Each component is a binary template (variations of three random prototypes with
        ``density`` ones, so some components overlap) with ``p(x_i = 1 | z) =
        sigmoid(+-sharpness)``; the latent weights ``P(z)`` fall geometrically from the
        commonest state to ``rarest``. Its chain is reversible and nearly frozen
        (diag T close to 1): the hard case for every estimator of currents and entropy
        production.

        Examples
        --------
        >>> rbm = OneHotRBM.sharp(5, 16, sharpness=3.0, rarest=1e-6, seed=0)
        >>> P = rbm.latent_marginal()
        >>> round(float(P.min() / P.max()), 7) > 0, bool(P.min() < 1e-5)
        (True, True)
        >>> bool(rbm.self_transition().mean() > 0.5)
        True
        """
        K = check_n_latent(K)
        N = check_positive_int(N, "N")
        sharpness = float(as_float_array(sharpness, "sharpness", ndim=0))
        rarest = float(as_float_array(rarest, "rarest", ndim=0))
        density = float(as_float_array(density, "density", ndim=0))
        if not 0 < rarest < 1:
            raise ValueError(
                f"rarest (the smallest latent weight) must lie in (0, 1); got {rarest}."
            )
        if not 0 < density < 1:
            raise ValueError(f"density must lie in (0, 1); got {density}.")
        rng = as_generator(seed)
        prototypes = rng.random((3, N)) < density
        flips = rng.random((K, N)) < 0.3 * density
        templates = prototypes[np.arange(K) % 3] ^ flips
        W = sharpness * (2.0 * templates - 1.0)
        weights = np.geomspace(1.0, rarest, K)
        c = np.log(weights / weights.sum()) - np.logaddexp(0.0, W).sum(axis=1)
        return cls(W, c, np.zeros(N))

    @property
    def U(self) -> np.ndarray:
        """Decoder weights ``W.T`` (N, K): a view, so it follows in-place updates of W."""
        return self._W.T

    def params(self) -> dict[str, np.ndarray]:
        """The live arrays ``{"W", "c", "b"}`` (updated in place by the trainer)."""
        return {"W": self._W, "c": self._c, "b": self._b}

    @property
    def is_tied(self) -> bool:
        """Always True: the decoder is ``W.T``."""
        return True

    def as_two_matrix(self):
        """The equal :class:`~nelc_edu.models.TwoMatrixModel` ``(W, c, W.T, b)`` (copied).

        Examples
        --------
        >>> rbm = OneHotRBM.random(3, 4, scale=1.0, seed=0)
        >>> X = np.eye(4, dtype=np.uint8)
        >>> bool(np.isclose(rbm.log_likelihood(X), rbm.as_two_matrix().log_likelihood(X)))
        True
        """
        from .two_matrix import TwoMatrixModel

        return TwoMatrixModel(self._W, self._c, self._W.T, self._b)

    # ------------------------------------------------------------------ closed forms
    def log_latent_marginal(self) -> np.ndarray:
        """``log P(z)``, ``P(z) ∝ exp(c_z) prod_i (1 + exp(W[z, i] + b_i))`` (K,)."""
        self._check_live_params()
        a = self._c + np.logaddexp(0.0, self._W + self._b[None, :]).sum(axis=1)
        return a - logsumexp(a)

    def latent_marginal(self) -> np.ndarray:
        """The exact Boltzmann marginal ``P(z)`` of the hidden unit (K,).

        The latent chain's stationary distribution equals it (detailed balance).

        Examples
        --------
        >>> rbm = OneHotRBM(np.zeros((2, 3)), np.array([0.0, np.log(3)]), np.zeros(3))
        >>> rbm.latent_marginal()
        array([0.25, 0.75])
        """
        return np.exp(self.log_latent_marginal())

    def log_prob(
        self, X, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> np.ndarray:
        """``log p(x)`` for every row of X (n,).

        ``method=None`` (default) uses the exact Bernoulli mixture with weights
        :meth:`latent_marginal` (any N). ``"exact"`` or ``"mc"`` take pi from the latent
        chain instead, exactly as the two-matrix model does (a consistency check: equal to
        rounding for ``"exact"``).

        Examples
        --------
        >>> from nelc_edu.models import all_binary_states
        >>> rbm = OneHotRBM.random(3, 4, scale=1.0, seed=0)
        >>> round(float(np.exp(rbm.log_prob(all_binary_states(4))).sum()), 12)
        1.0
        """
        if method is not None:
            return super().log_prob(X, method, n_samples=n_samples, seed=seed)
        X = self._check_X(X)
        return self._log_prob_given_pi(X, self.latent_marginal())

    def log_likelihood(
        self, X, method: str | None = None, *, n_samples: int = DEFAULT_N_SAMPLES, seed=None
    ) -> float:
        """Mean log-likelihood in nats per example (exact mixture by default; see :meth:`log_prob`).

        Examples
        --------
        >>> rbm = OneHotRBM.random(10, 784, seed=0)    # any N: no enumeration needed
        >>> round(rbm.log_likelihood(np.zeros((2, 784))) / 784, 2)
        -0.69
        """
        return float(np.mean(self.log_prob(X, method, n_samples=n_samples, seed=seed)))

    def gradient(self, X, method: str | None = None, **kwargs) -> dict[str, np.ndarray]:
        """Exact gradient of the mixture log-likelihood (the "exact-gradient RBM" control).

        ``L = mean_x [log sum_z exp(c_z + W[z] . x) + b . x] - log Z`` gives, with the
        posterior ``r(z|x) = q(z|x)`` and the marginal ``P(z)``:
        ``dL/dW[z] = mean_x r(z|x) x - P(z) sigmoid(W[z] + b)``,
        ``dL/dc = mean_x r(.|x) - P``, ``dL/db = mean_x x - sum_z P(z) sigmoid(W[z] + b)``.

        Parameters
        ----------
        X : array (n, N) of 0/1
        method : {None, "exact"}
            The gradient is closed-form at any N, so there is nothing to estimate; any
            ``n_samples``/``seed`` keyword is ignored. For the sampled (PCD) gradient use
            :meth:`pcd_gradient`.

        Returns
        -------
        dict
            ``{"W": (K, N), "c": (K,), "b": (N,)}``.

        Examples
        --------
        >>> rbm = OneHotRBM.random(3, 4, scale=1.0, seed=0)
        >>> g = rbm.gradient(np.eye(4, dtype=np.uint8))
        >>> sorted(g)
        ['W', 'b', 'c']
        """
        if method not in (None, "exact"):
            raise ValueError(
                f"OneHotRBM.gradient is exact in closed form at any N (method=None or 'exact');"
                f" got method={method!r}. For a sampled gradient use pcd_gradient(batch, chains)."
            )
        unknown = set(kwargs) - {"n_samples", "seed"}
        if unknown:
            raise ValueError(f"Unexpected keyword argument(s) {sorted(unknown)} for gradient.")
        X = self._check_X(X)
        n = X.shape[0]
        Xf = X.astype(np.float64)
        r = np.exp(self.log_encoder(X))
        P = self.latent_marginal()
        s = _exact.sigmoid(self._W + self._b[None, :])  # (K, N)
        dW = (r.T @ Xf) / n - P[:, None] * s
        dc = r.mean(axis=0) - P
        db = Xf.mean(axis=0) - P @ s
        return {"W": dW, "c": dc, "b": db}

    def pcd_gradient(self, batch, chains) -> dict[str, np.ndarray]:
        """Persistent contrastive divergence gradient (advances ``chains`` one step).

        Delegates to :func:`nelc_edu.models.pcd.onehot_rbm_pcd_gradient`.
        """
        from .pcd import onehot_rbm_pcd_gradient

        batch = self._check_X(batch, "batch")
        return onehot_rbm_pcd_gradient(self._W, self._c, self._b, batch, chains)
