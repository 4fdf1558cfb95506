"""The two-matrix model of Baiesi & Rosso (arXiv:2512.11415): the nonequilibrium latent chain.

The encoder ``q(z|x) = softmax_z(W[z] . x + c_z)`` and the decoder
``p(x|z) = prod_i Bernoulli(x_i; sigmoid(U[i, z] + b_i))`` have **independent** parameters.
Tying ``U = W.T`` gives back the one-hot RBM (the equilibrium special case); untied, the latent
chain is generically not reversible (``docs/theory.md``, section 4).

The gradient of the log-likelihood is the two-step rule (``docs/theory.md``, section 5), exact
given T:
responsibilities ``r(z|x)``, ``rho = mean_x r(.|x)``, ``h = Z (rho / pi)`` (Z the fundamental
matrix of T, h centred as ``h - pi.h``) and ``H(x) = q(.|x) . h``:

* decoder: ``dL/dU[:, z] = mean_x r(z|x)(x - s_z) + pi_z E_{x~p(.|z)}[H(x)(x - s_z)]`` with
  ``s_z = sigmoid(U[:, z] + b)``; ``dL/db`` is the sum over z;
* encoder: ``dL/dW[k] = sum_z pi_z E_{x~p(.|z)}[q(k|x)(h_k - H(x)) x]``, ``dL/dc_k`` the same
  without x.

Examples
--------
>>> from nelc_edu.models import TwoMatrixModel
>>> model = TwoMatrixModel.random(4, 6, scale=2.0, seed=0)
>>> model.entropy_production() > 0        # untied: a nonequilibrium latent chain
True
>>> model.tied().entropy_production() < 1e-12
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


class TwoMatrixModel(LatentChainModel):
    """Latent-variable model with independent encoder (W, c) and decoder (U, b).

    Parameters
    ----------
    W : array (K, N)
        Encoder weights: ``q(z|x) = softmax_z(W[z] . x + c_z)``.
    c : array (K,)
        Encoder bias.
    U : array (N, K)
        Decoder weights: ``p(x_i = 1 | z) = sigmoid(U[i, z] + b_i)``.
    b : array (N,)
        Decoder (visible) bias.

    The arrays are validated (K >= 2, consistent shapes, finite values) and copied as
    float64, C-contiguous.

    Examples
    --------
    >>> import numpy as np
    >>> model = TwoMatrixModel(np.zeros((2, 3)), np.zeros(2), np.zeros((3, 2)), np.zeros(3))
    >>> model
    TwoMatrixModel(K=2, N=3)
    >>> TwoMatrixModel(np.zeros((2, 3)), np.zeros(2), np.zeros((2, 3)), np.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: U must have shape (N, K) = (3, 2) to match W (2, 3); got (2, 3) (it looks ...
    """

    def __init__(self, W, c, U, b) -> None:
        self._W, self._c, self._U, self._b = _check_params(W, c, U, b)

    @classmethod
    def random(cls, K: int, N: int, *, scale: float = 0.01, seed=None) -> TwoMatrixModel:
        """Small random initial weights.

        ``W`` and ``U`` have independent entries ``scale * Normal(0, 1)`` (encoder drawn first,
        then decoder, from ``seed``); the biases ``c`` and ``b`` are zero. The default
        ``scale = 0.01`` is the training start: an almost uniform, almost reversible chain
        (entropy production near 0). Use ``scale`` of order 1 for a visibly irreversible
        model.

        Examples
        --------
        >>> model = TwoMatrixModel.random(3, 5, seed=0)
        >>> model.W.shape, model.U.shape
        ((3, 5), (5, 3))
        """
        K = check_n_latent(K)
        N = check_positive_int(N, "N")
        scale = float(as_float_array(scale, "scale", ndim=0))
        rng = as_generator(seed)
        W = scale * rng.standard_normal((K, N))
        U = scale * rng.standard_normal((N, K))
        return cls(W, np.zeros(K), U, np.zeros(N))

    @classmethod
    def reversible_untied(
        cls,
        K: int,
        block: int,
        *,
        encoder_scale: float = 1.0,
        decoder_scale: float = 1.0,
        seed=None,
    ) -> TwoMatrixModel:
        """An untied model whose latent chain is nonetheless exactly reversible.

        The ``N = K * block`` pixels form K blocks. Component z's encoder row ``W[z]`` and
        decoder column ``U[:, z]`` are two independent random base patterns shifted by z
        blocks, and each base pattern is symmetric under the reflection block k -> block -k.
        Rotating the blocks maps state z to z + 1 and the reflection maps z to -z, so
        ``T[i, j]`` depends only on the distance between i and j around the ring: T is
        symmetric, pi uniform, every current zero. Detailed balance is a property of T, not of
        the parameters: untying does not force it to break. (A test case for estimators:
        nothing in the parameters tells them the answer.)

        Examples
        --------
        >>> model = TwoMatrixModel.reversible_untied(5, 3, decoder_scale=2.0, seed=0)
        >>> model.is_tied
        False
        >>> T = model.latent_transition_matrix("exact")
        >>> bool(np.allclose(T, T.T)), model.entropy_production("exact") < 1e-15
        (True, True)
        """
        K = check_n_latent(K)
        block = check_positive_int(block, "block")
        scales = [float(as_float_array(v, name, ndim=0)) for v, name in (
            (encoder_scale, "encoder_scale"), (decoder_scale, "decoder_scale"))]
        rng = as_generator(seed)
        mirror = (-np.arange(K)) % K

        def base(scale):
            v = scale * rng.standard_normal((K, block))
            return 0.5 * (v + v[mirror])

        w, u = base(scales[0]), base(scales[1])
        W = np.stack([np.roll(w, z, axis=0).ravel() for z in range(K)])
        U = np.stack([np.roll(u, z, axis=0).ravel() for z in range(K)], axis=1)
        return cls(W, np.zeros(K), U, np.zeros(K * block))

    @property
    def U(self) -> np.ndarray:
        """Decoder weights (N, K) (the live array)."""
        return self._U

    def params(self) -> dict[str, np.ndarray]:
        """The live arrays ``{"W", "c", "U", "b"}`` (updated in place by the trainer)."""
        return {"W": self._W, "c": self._c, "U": self._U, "b": self._b}

    @property
    def is_tied(self) -> bool:
        """True when ``U == W.T`` exactly (the model is then a one-hot RBM)."""
        return bool(np.array_equal(self._U, self._W.T))

    def tied(self) -> TwoMatrixModel:
        """A copy with the decoder tied to the encoder, ``U = W.T`` (an equilibrium model).

        Examples
        --------
        >>> TwoMatrixModel.random(3, 4, seed=0).tied().is_tied
        True
        """
        return TwoMatrixModel(self._W, self._c, self._W.T, self._b)

    def tie_penalty(self, strength: float) -> tuple[float, dict[str, np.ndarray]]:
        """The tie penalty ``-(strength / 2) * sum_iz (U[i, z] - W[z, i])^2`` and its gradient.

        Added to the log-likelihood it pulls the decoder towards the encoder: ``strength = 0``
        is the free two-matrix model, a large ``strength`` pins ``U`` to ``W.T`` (a near-RBM
        trained by the two-step rule). This is the reversibility dial of the course.

        Returns
        -------
        value : float
            The penalty (<= 0).
        grads : dict
            ``{"W": (K, N), "U": (N, K)}``, its gradient (ascent direction).

        Examples
        --------
        >>> model = TwoMatrixModel.random(2, 3, scale=1.0, seed=0)
        >>> value, g = model.tie_penalty(0.5)
        >>> bool(np.allclose(g["U"], -g["W"].T)), value <= 0
        (True, True)
        >>> model.tied().tie_penalty(0.5)[0]
        0.0
        """
        strength = float(as_float_array(strength, "strength (the tie penalty)", ndim=0))
        if not strength >= 0:
            raise ValueError(f"the tie penalty must be >= 0; got {strength!r}.")
        D = self._U - self._W.T
        grad_U = -strength * D
        value = 0.0 - 0.5 * strength * float(np.sum(D * D))  # 0.0, not -0.0, when tied
        return value, {"W": -grad_U.T, "U": grad_U}

    def gradient(
        self,
        X,
        method: str | None = None,
        *,
        n_samples: int = DEFAULT_N_SAMPLES,
        seed=None,
        stationary_term: str = "exact",
    ) -> dict[str, np.ndarray]:
        """Two-step gradient of :meth:`log_likelihood`, exact given T (theory page, section 5).

        Parameters
        ----------
        X : array (n, N) of 0/1
            Data (a minibatch).
        method : {"exact", "mc", None}
            How expectations over ``x ~ p(.|z)`` (and so T, pi, Z, h) are computed:
            enumeration, or stratified Monte Carlo with ``n_samples`` per latent state.
        n_samples : int
        seed : int, numpy.random.Generator or None
        stationary_term : {"exact", "one_step"}
            ``"exact"``: ``h = Z (rho / pi)``, the true gradient. ``"one_step"``: the
            truncated rule ``h = rho / pi - 1`` (the fundamental-matrix series cut after
            its first term): one reading of the approximate gradient of the paper, not the
            gradient of anything.

        Returns
        -------
        dict
            ``{"W": (K, N), "c": (K,), "U": (N, K), "b": (N,)}`` (ascent direction).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> model = TwoMatrixModel.random(3, 5, scale=1.0, seed=0)
        >>> X = (rng.random((20, 5)) < 0.5).astype(np.uint8)
        >>> g = model.gradient(X, method="exact")
        >>> sorted(g), g["U"].shape
        (['U', 'W', 'b', 'c'], (5, 3))
        """
        from .. import markov
        from .pcd import check_stationary_term

        one_step = check_stationary_term(stationary_term)
        X = self._check_X(X)
        strata, _, T, pi = self._chain(method, n_samples, seed)
        n = X.shape[0]
        K, N = self.K, self.N
        Xf = X.astype(np.float64)

        # Data term: responsibilities.
        log_joint = np.log(pi)[None, :] + self.log_decoder(X)
        r = np.exp(log_joint - logsumexp(log_joint, axis=1)[:, None])
        rho = r.mean(axis=0)
        s = _exact.sigmoid(self.decoder_logits())  # (N, K)
        dU = (Xf.T @ r) / n - s * rho[None, :]

        # Stationary term: h = Z (rho / pi), centred.
        h = rho / pi if one_step else markov.fundamental_matrix(T, pi) @ (rho / pi)
        h = h - pi @ h

        G = np.zeros((N, K))
        g0 = np.zeros(K)
        dW = np.zeros((K, N))
        dc = np.zeros(K)
        for Xs, log_w in strata:
            q = np.exp(self.log_encoder(Xs))
            H = q @ h
            w = np.exp(log_w)
            Xsf = Xs.astype(np.float64)
            wH = w * H[:, None]
            G += Xsf.T @ wH
            g0 += wH.sum(axis=0)
            Y = (w @ pi)[:, None] * q * (h[None, :] - H[:, None])
            dW += Y.T @ Xsf
            dc += Y.sum(axis=0)
        dU += pi[None, :] * (G - s * g0[None, :])
        return {"W": dW, "c": dc, "U": dU, "b": dU.sum(axis=1)}

    def pcd_gradient(
        self, batch, chains, *, stationary_term: str = "exact"
    ) -> dict[str, np.ndarray]:
        """Persistent-chain two-step gradient on a minibatch (advances ``chains`` one step).

        The same numbers as :func:`nelc_edu.models.pcd.two_matrix_pcd_gradient` with this
        model's parameters.
        """
        from . import pcd

        one_step = pcd.check_stationary_term(stationary_term)
        batch = self._check_X(batch, "batch")
        rows = np.arange(batch.shape[0], dtype=np.int64)
        return pcd._two_matrix_gradient(
            self._W, self._c, self._U, self._b, pcd.ActiveRows._from_checked(batch), rows,
            chains, one_step=one_step,
        )

    def pcd_gradient_rows(
        self, data, rows, chains, *, stationary_term: str = "exact"
    ) -> dict[str, np.ndarray]:
        """:meth:`pcd_gradient` on the minibatch ``data.dense[rows]`` of a listed dataset.

        ``data`` is an :class:`~nelc_edu.models.pcd.ActiveRows` of the training set and
        ``rows`` the minibatch's row numbers: the same numbers as
        ``pcd_gradient(X[rows], chains)``, without listing the minibatch's active pixels
        again at every update (the training loop uses it).

        Examples
        --------
        >>> from nelc_edu.models.pcd import ActiveRows
        >>> X = np.eye(4, dtype=np.uint8)
        >>> model = TwoMatrixModel.random(2, 4, seed=0)
        >>> chains = model.init_chains(8, seed=0)
        >>> g = model.pcd_gradient_rows(ActiveRows.from_dense(X), [0, 2], chains)
        >>> sorted(g)
        ['U', 'W', 'b', 'c']
        """
        from . import pcd

        one_step = pcd.check_stationary_term(stationary_term)
        if not isinstance(data, pcd.ActiveRows) or data.shape[1] != self.N:
            raise ValueError(
                "data must be an ActiveRows of a dataset with N = "
                f"{self.N} columns: ActiveRows.from_dense(X)."
            )
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            raise ValueError(f"rows must be a non-empty 1-D array of row numbers; got {rows!r}.")
        if rows.min() < 0 or rows.max() >= data.shape[0]:
            raise ValueError(
                f"rows must lie in [0, {data.shape[0]}) (the rows of data); got "
                f"{rows.min()}..{rows.max()}."
            )
        return pcd._two_matrix_gradient(
            self._W, self._c, self._U, self._b, data, rows.astype(np.int64, copy=False), chains,
            one_step=one_step,
        )
