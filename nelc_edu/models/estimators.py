"""Stratified Monte Carlo for the latent chain, and entropy production with a noise floor.

MODEL.md section 5, estimator 2: for each latent state z draw S visible states
``x ~ p(.|z)`` and estimate ``T_hat[z] = mean_s q(.|x_s)`` (Rao-Blackwellised: the
probabilities are averaged, the next latent state is never sampled). ``T_hat`` is unbiased,
but pi, the log-likelihood and above all the entropy production are nonlinear in it: the
entropy production of a noisy ``T_hat`` is biased upward. :func:`entropy_production_with_floor`
therefore reports it together with a *noise floor* measured from independent replicates, so
that "this model's entropy production is zero" becomes a measured statement.

Everything is computed in log space (at N = 784, ``p(x|z)`` and ``q(z|x)`` underflow).

Examples
--------
>>> from nelc_edu.models import TwoMatrixModel
>>> model = TwoMatrixModel.random(3, 5, scale=1.0, seed=1)
>>> T_hat = model.latent_transition_matrix(method="mc", n_samples=2000, seed=0)
>>> T = model.latent_transition_matrix(method="exact")
>>> bool(abs(T_hat - T).max() < 0.05)
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .._rng import as_generator
from .._validation import check_positive_int
from .exact import logsumexp

if TYPE_CHECKING:  # pragma: no cover
    from .base import LatentChainModel

#: Default number of visible samples per latent state for ``method="mc"``.
DEFAULT_N_SAMPLES = 1000

#: Target number of float64 entries in one block of sampled visible states.
_BLOCK_ENTRIES = 1 << 21


def stratified_samples(
    model: LatentChainModel, n_samples: int = DEFAULT_N_SAMPLES, seed=None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Draw ``n_samples`` visible states from ``p(.|z)`` for every latent state ``z``.

    Parameters
    ----------
    model : LatentChainModel
    n_samples : int
        Samples per latent state (S).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    list of (X, log_w)
        Blocks of samples: X uint8 (m, N) drawn from ``p(.|z)`` for one z, and ``log_w``
        (m, K) equal to ``-log S`` in column z and ``-inf`` elsewhere, so that
        ``sum_m exp(log_w[m, z]) f(x_m)`` is the stratified estimate of
        ``E_{x ~ p(.|z)}[f(x)]``: the same convention as the exact
        :class:`~nelc_edu.models.exact.Enumeration`.

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> model = TwoMatrixModel.random(2, 3, seed=0)
    >>> blocks = stratified_samples(model, n_samples=10, seed=0)
    >>> sum(X.shape[0] for X, _ in blocks)
    20
    """
    S = check_positive_int(n_samples, "n_samples")
    rng = as_generator(seed)
    K, N = model.K, model.N
    P = model.decoder_probs()
    per_block = max(1, _BLOCK_ENTRIES // max(N, K * K))
    blocks = []
    log_S = math.log(S)
    for z in range(K):
        for start in range(0, S, per_block):
            m = min(per_block, S - start)
            X = (rng.random((m, N)) < P[z][None, :]).astype(np.uint8)
            log_w = np.full((m, K), -np.inf)
            log_w[:, z] = -log_S
            blocks.append((X, log_w))
    return blocks


def entropy_production_from_log_T(log_T: np.ndarray, pi: np.ndarray) -> float:
    """Latent entropy production per step from ``log T`` (MODEL.md section 1), in log space.

    ``sigma = sum_{i<j} (F_ij - F_ji) log(F_ij / F_ji)`` with fluxes ``F_ij = pi_i T_ij``;
    the logarithm is taken from ``log T`` directly, so an entry of T that would underflow in
    linear space does not turn sigma into ``inf``. A transition that is truly one-way
    (``log T_ij`` finite, ``log T_ji = -inf``) gives ``math.inf``.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]) * 0.9 + 0.1 / 3
    >>> pi = np.full(3, 1 / 3)
    >>> round(entropy_production_from_log_T(np.log(T), pi), 6)
    2.998984
    """
    log_T = np.asarray(log_T, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_F = np.log(np.asarray(pi, dtype=np.float64))[:, None] + log_T
    iu, ju = np.triu_indices(log_T.shape[0], k=1)
    a, b = log_F[iu, ju], log_F[ju, iu]
    fa, fb = np.isfinite(a), np.isfinite(b)
    if np.any(fa != fb):
        return math.inf
    both = fa & fb
    a, b = a[both], b[both]
    return float(np.sum((np.exp(a) - np.exp(b)) * (a - b)))


class EntropyProductionEstimate(NamedTuple):
    """Latent entropy production estimated by stratified Monte Carlo, with its noise floor.

    Attributes
    ----------
    sigma : float
        Entropy production of the pooled estimate ``T_hat`` (all replicates together).
    noise_floor : float
        The entropy production that sampling noise alone gives the pooled estimate:
        ``sum_{i<j} se(J_ij)^2 / Fbar_ij``, with ``se(J_ij)`` the standard error of the pooled
        current (from the spread of the currents over the replicates) and
        ``Fbar_ij = (pi_i T_ij + pi_j T_ji) / 2``. For a reversible chain the estimate
        fluctuates around this value; a sigma several times above it is a measured, finite
        entropy production.
    replicates : numpy.ndarray
        Entropy production of each replicate ``T_hat`` on its own (n_replicates,).
    currents : numpy.ndarray
        Pooled probability currents J (K, K).
    current_se : numpy.ndarray
        Standard error of each pooled current (K, K): an edge whose ``|J|`` exceeds a few
        times this is a measured current.
    n_samples : int
        Visible samples per latent state in the pooled estimate (n_samples * n_replicates).
    T : numpy.ndarray
        The pooled estimate ``T_hat`` itself (K, K), the mean of the replicates'.
    replicate_T : numpy.ndarray
        Each replicate's ``T_hat`` (n_replicates, K, K): for standard errors of other
        functions of T computed the same way (for example currents with a known pi).
    """

    sigma: float
    noise_floor: float
    replicates: np.ndarray
    currents: np.ndarray
    current_se: np.ndarray
    n_samples: int
    T: np.ndarray
    replicate_T: np.ndarray

    def current_se_given(self, pi: np.ndarray) -> np.ndarray:
        """Standard errors of the currents ``J(T, pi)`` of the pooled ``T`` with a known ``pi``.

        :attr:`current_se` is the error of the currents with ``pi`` solved from ``T`` (each
        replicate's from its own ``T``); with a ``pi`` known in advance (the exact Boltzmann
        marginal of a tied model) the currents ``pi_i T_ij - pi_j T_ji`` have other errors,
        estimated here from the same replicates with that ``pi``.

        Examples
        --------
        >>> from nelc_edu import markov
        >>> from nelc_edu.models import OneHotRBM
        >>> rbm = OneHotRBM.random(4, 8, scale=1.0, seed=0)
        >>> est = entropy_production_with_floor(rbm, n_samples=300, n_replicates=4, seed=0)
        >>> pi = rbm.latent_marginal()
        >>> J = markov.probability_currents(est.T, pi)
        >>> bool(np.all(np.abs(J) < 5 * est.current_se_given(pi) + 1e-15))  # reversible
        True
        """
        from .. import markov

        pi = np.asarray(pi, dtype=np.float64)
        return _standard_error([markov.probability_currents(t, pi) for t in self.replicate_T])


def _standard_error(values) -> np.ndarray:
    """Standard error of the mean of independent replicate estimates (stacked on axis 0)."""
    values = np.stack(values)
    return np.std(values, axis=0, ddof=1) / math.sqrt(values.shape[0])


def entropy_production_with_floor(
    model: LatentChainModel,
    *,
    n_samples: int = DEFAULT_N_SAMPLES,
    n_replicates: int = 8,
    seed=None,
) -> EntropyProductionEstimate:
    """Latent entropy production from ``n_replicates`` independent stratified estimates of T.

    Each replicate draws ``n_samples`` visible states per latent state. The replicates are
    pooled (their ``T_hat`` averaged) for the estimate; their spread gives the noise floor
    (see :class:`EntropyProductionEstimate`).

    Parameters
    ----------
    model : LatentChainModel
    n_samples : int
        Samples per latent state in each replicate.
    n_replicates : int
        Independent replicates (at least 2).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    EntropyProductionEstimate

    Examples
    --------
    >>> from nelc_edu.models import OneHotRBM
    >>> rbm = OneHotRBM.random(4, 8, scale=1.0, seed=0)
    >>> est = entropy_production_with_floor(rbm, n_samples=500, n_replicates=4, seed=0)
    >>> bool(est.sigma < 5 * est.noise_floor)   # the RBM is at zero, within noise
    True
    """
    from .. import markov

    S = check_positive_int(n_samples, "n_samples")
    R = check_positive_int(n_replicates, "n_replicates", minimum=2)
    rng = as_generator(seed)
    log_Ts, Ts, sigmas, currents = [], [], [], []
    for _ in range(R):
        log_T = model._log_transition_matrix(stratified_samples(model, S, rng))
        T = model._linear_T(log_T)
        pi = model._stationary_from_T(T, "mc")
        log_Ts.append(log_T)
        Ts.append(T)
        sigmas.append(entropy_production_from_log_T(log_T, pi))
        currents.append(markov.probability_currents(T, pi))
    log_T = logsumexp(np.stack(log_Ts), axis=0) - math.log(R)
    T = model._linear_T(log_T)
    pi = model._stationary_from_T(T, "mc")
    sigma = entropy_production_from_log_T(log_T, pi)
    J = markov.probability_currents(T, pi)
    J_se = _standard_error(currents)
    F = pi[:, None] * T
    F_bar = 0.5 * (F + F.T)
    iu, ju = np.triu_indices(model.K, k=1)
    ok = F_bar[iu, ju] > 0
    floor = float(np.sum(J_se[iu, ju][ok] ** 2 / F_bar[iu, ju][ok]))
    return EntropyProductionEstimate(
        sigma=sigma,
        noise_floor=floor,
        replicates=np.asarray(sigmas),
        currents=J,
        current_se=J_se,
        n_samples=S * R,
        T=T,
        replicate_T=np.stack(Ts),
    )


def symmetric_latent_joint(
    model: LatentChainModel, n_samples: int = DEFAULT_N_SAMPLES, seed=None
) -> np.ndarray:
    """Estimate ``F[z, z'] = pi_z T[z, z']`` of a *tied* model, symmetric by construction.

    For a one-hot RBM (or a two-matrix model with ``U = W.T``) the encoder is the exact
    posterior of the Boltzmann joint, so ``pi_z T[z, z'] = E_{x ~ P}[q(z|x) q(z'|x)]``
    (MODEL.md section 2) with ``P(z)`` the Boltzmann marginal. This estimate is symmetric
    whatever the noise: currents and entropy production are zero exactly, and the chain
    ``T = F / F.sum(axis=1)`` is reversible. Use it when the model is known to be tied;
    use :func:`entropy_production_with_floor` to *measure* that a model is at equilibrium.

    Returns
    -------
    numpy.ndarray
        Symmetric (K, K) array with entries summing to 1.

    Examples
    --------
    >>> from nelc_edu.models import OneHotRBM
    >>> rbm = OneHotRBM.random(3, 6, scale=1.0, seed=0)
    >>> F = symmetric_latent_joint(rbm, n_samples=200, seed=0)
    >>> bool(np.array_equal(F, F.T)), round(float(F.sum()), 12)
    (True, 1.0)
    """
    if not np.array_equal(model.U, model.W.T):
        raise ValueError(
            "symmetric_latent_joint needs a tied model (U == W.T, e.g. a OneHotRBM): only then "
            "is the encoder the posterior of the decoder's joint. For an untied model use "
            "latent_transition_matrix(method='mc') or entropy_production_with_floor."
        )
    from .onehot_rbm import OneHotRBM

    rbm = model if isinstance(model, OneHotRBM) else OneHotRBM(model.W, model.c, model.b)
    P_z = rbm.latent_marginal()
    K = model.K
    F = np.zeros((K, K))
    for X, log_w in stratified_samples(model, n_samples, seed):
        w = np.exp(log_w) * P_z[None, :]
        q = np.exp(model.log_encoder(X))
        F += (q * w.sum(axis=1)[:, None]).T @ q
    F = 0.5 * (F + F.T)
    return F / F.sum()
