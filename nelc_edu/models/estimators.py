"""Monte Carlo for the latent chain, and entropy production with a noise floor that bounds.

The latent transition matrix ``T[i, j] = E_{x ~ p(.|i)}[q(j|x)]`` is an average over visible
states. Monte Carlo draws S visible states from every decoder component ``p(.|z)`` and lets
*every* draw count for *every* row ``i``, with the weight ``p(x|i) / sum_z p(x|z)`` (the
posterior of ``i`` under a uniform prior; "multiple importance sampling" with the balance
heuristic), normalised so that each row's weights sum to 1 (:func:`component_samples`). The
probabilities ``q(.|x)`` are averaged, the next latent state is never sampled
(Rao-Blackwellised). Pooling matters for sharp components: the rare visible states that carry
a chain from a common state i to a rare state j are typical draws of component j, which
draws from ``p(.|i)`` alone almost never produce.

``T_hat`` is consistent, but pi, the log-likelihood and above all the entropy production are
nonlinear in it: sigma of a noisy ``T_hat`` is biased upward, and a reversible chain shows a
positive sigma. :func:`entropy_production_with_floor` reports sigma with a *noise floor*: the
95th percentile of the sigma that the same sampling noise gives a reversible chain, estimated
by a bootstrap under the reversible null (``docs/theory.md``, section "The noise floor").
"sigma > 3 x floor" is then a measured, finite entropy production.

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

#: Bootstrap draws behind the noise floor.
DEFAULT_N_BOOTSTRAP = 200

#: The noise floor is this quantile of the entropy production of the null draws.
FLOOR_QUANTILE = 0.95

#: Relative accuracy to which fluxes ``pi_i T_ij`` are computed (log-sum-exp over many
#: samples, logarithms of order -1000 at N = 784, the stationary solve). Differences below it
#: are rounding: the noise floor is never below ``sum_{i<j} Fbar_ij * RESOLUTION**2`` (the
#: entropy production of fluxes that differ by RESOLUTION), and no current below
#: ``RESOLUTION * max(Fbar)`` counts as measured.
RESOLUTION = 1e-12

#: Target number of float64 entries in one block of sampled visible states.
_BLOCK_ENTRIES = 1 << 21


class _Block(NamedTuple):
    z: int  # the component p(.|z) the block was drawn from (its stratum)
    X: np.ndarray  # uint8 (m, N)
    log_w: np.ndarray  # (m, K): log weight of each draw in each row of T


def _component_blocks(model: LatentChainModel, S: int, rng) -> list[_Block]:
    """S draws from every component, with balance-heuristic weights normalised per row."""
    K, N = model.K, model.N
    P = model.decoder_probs()
    per_block = max(1, _BLOCK_ENTRIES // max(N, K * K))
    blocks = []
    for z in range(K):
        for start in range(0, S, per_block):
            m = min(per_block, S - start)
            X = (rng.random((m, N)) < P[z][None, :]).astype(np.uint8)
            log_p = model.log_decoder(X)
            blocks.append(_Block(z, X, log_p - logsumexp(log_p, axis=1)[:, None]))
    log_norm = logsumexp(np.stack([logsumexp(b.log_w, axis=0) for b in blocks]), axis=0)
    return [b._replace(log_w=b.log_w - log_norm[None, :]) for b in blocks]


def component_samples(
    model: LatentChainModel, n_samples: int = DEFAULT_N_SAMPLES, seed=None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Draw ``n_samples`` visible states from every component ``p(.|z)``, weighted for every row.

    Parameters
    ----------
    model : LatentChainModel
    n_samples : int
        Draws per component (S); K * S draws in all.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    list of (X, log_w)
        Blocks of draws: X uint8 (m, N), all from one component, and ``log_w`` (m, K) with
        ``w[m, i]`` proportional to ``p(x_m|i) / sum_z p(x_m|z)`` and each column summing
        to 1 over all blocks, so that ``sum_m w[m, i] f(x_m)`` estimates
        ``E_{x ~ p(.|i)}[f(x)]``: the same convention as the exact
        :class:`~nelc_edu.models.exact.Enumeration` (``docs/theory.md``, "Estimating T").

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> model = TwoMatrixModel.random(2, 3, seed=0)
    >>> blocks = component_samples(model, n_samples=10, seed=0)
    >>> sum(X.shape[0] for X, _ in blocks)
    20
    >>> np.round(sum(np.exp(log_w).sum(axis=0) for _, log_w in blocks), 12)
    array([1., 1.])
    """
    S = check_positive_int(n_samples, "n_samples")
    return [(b.X, b.log_w) for b in _component_blocks(model, S, as_generator(seed))]


def entropy_production_from_log_T(log_T: np.ndarray, pi: np.ndarray) -> float:
    """Latent entropy production per step from ``log T``, in log space (theory page, section 2).

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
    """Latent entropy production estimated by Monte Carlo, with its noise floor.

    Attributes
    ----------
    sigma : float
        Entropy production of the estimate ``T`` (with ``pi`` solved from it).
    noise_floor : float
        What sampling noise alone gives a reversible chain at this budget: the 95th
        percentile of sigma over the bootstrap draws under the reversible null (and never
        below the rounding level, see :data:`RESOLUTION`). For a reversible model,
        ``sigma > 3 * noise_floor`` is rare (tested: at most 5% of estimates on reversible
        models with sharp components and rare states); a sigma well above it is a measured,
        finite entropy production.
    currents : numpy.ndarray
        Probability currents ``J = pi_i T_ij - pi_j T_ji`` of the estimate (K, K).
    current_se : numpy.ndarray
        Standard error of each current under the reversible null (K, K): the spread that
        sampling noise alone gives the currents of a reversible chain.
    T : numpy.ndarray
        The estimated latent transition matrix (K, K).
    pi : numpy.ndarray
        Its stationary distribution (K,).
    n_samples : int
        Visible draws per component.
    null_sigmas : numpy.ndarray
        Entropy production of every bootstrap draw under the null (n_bootstrap,); ``inf``
        where a draw had a one-way transition.
    sigma_se : float
        Bootstrap standard error of ``sigma`` itself (the spread of sigma over the plain
        bootstrap draws ``T*``): the error bar of a finite entropy production. It says
        nothing about zero; that is the floor's job.
    """

    sigma: float
    noise_floor: float
    currents: np.ndarray
    current_se: np.ndarray
    T: np.ndarray
    pi: np.ndarray
    n_samples: int
    null_sigmas: np.ndarray
    sigma_se: float

    def current_threshold(self, n_se: float = 3.0) -> float:
        """The smallest ``|J|`` that counts as a measured current: ``n_se`` null standard
        errors of the noisiest current, and never below the rounding level.

        Examples
        --------
        >>> from nelc_edu.models import TwoMatrixModel
        >>> reversible = TwoMatrixModel.reversible_untied(6, 4, decoder_scale=2.0, seed=0)
        >>> est = entropy_production_with_floor(reversible, n_samples=500, seed=0)
        >>> int(np.sum(np.abs(est.currents) > est.current_threshold()))  # reversible: none
        0
        """
        return current_threshold(self.T, self.pi, self.current_se, n_se)


def current_threshold(T, pi, current_se, n_se: float = 3.0) -> float:
    """``max(n_se * max(current_se), RESOLUTION * max(pi_i T_ij))``: the smallest measured ``|J|``.

    Examples
    --------
    >>> T = np.array([[0.5, 0.5], [0.5, 0.5]])
    >>> current_threshold(T, [0.5, 0.5], np.array([[0.0, 1e-3], [1e-3, 0.0]]))
    0.003
    """
    F = np.asarray(pi, dtype=np.float64)[:, None] * np.asarray(T, dtype=np.float64)
    return max(float(n_se) * float(np.max(current_se)), RESOLUTION * float(np.max(F)))


def entropy_production_with_floor(
    model: LatentChainModel,
    *,
    n_samples: int = DEFAULT_N_SAMPLES,
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    seed=None,
) -> EntropyProductionEstimate:
    """Latent entropy production of a Monte Carlo ``T_hat``, with a noise floor that bounds.

    The floor answers: *what would this estimator report for a reversible chain at the
    same budget?* (``docs/theory.md``, "The noise floor").

    1. Estimate ``T_hat`` from ``n_samples`` draws per component (:func:`component_samples`),
       its ``pi`` and sigma.
    2. Build the reversible surrogate of ``T_hat``: symmetrise the fluxes,
       ``F_rev = (F + F.T) / 2`` with ``F = pi_i T_ij``, and normalise the rows. Its
       stationary distribution is still ``pi``, and its sigma is exactly 0.
    3. Bootstrap: resample the draws of every component with replacement and recompute
       ``T*``. The ratio ``T* / T_hat`` is one realisation of the sampling noise, entry by
       entry; apply it *relatively* to the surrogate, ``T_null = T_rev * T* / T_hat``
       (rows renormalised): relative, because the noise of a tiny entry is tiny in absolute
       terms and large in relative terms.
    4. The floor is the 95th percentile of sigma over the null draws; the standard errors of
       the currents are their spread over the same draws. The plain draws ``T*`` give the
       standard error of sigma itself.

    Parameters
    ----------
    model : LatentChainModel
    n_samples : int
        Visible draws per component.
    n_bootstrap : int
        Bootstrap draws (at least 20).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    EntropyProductionEstimate

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> reversible = TwoMatrixModel.reversible_untied(6, 4, decoder_scale=2.0, seed=0)
    >>> est = entropy_production_with_floor(reversible, n_samples=2000, seed=0)
    >>> bool(0 < est.sigma < 3 * est.noise_floor)   # untied, reversible: zero within noise
    True
    >>> model = TwoMatrixModel.random(4, 8, scale=2.0, seed=3)
    >>> est = entropy_production_with_floor(model, n_samples=2000, seed=0)
    >>> bool(est.sigma > 100 * est.noise_floor)  # a measured, finite entropy production
    True
    """
    S = check_positive_int(n_samples, "n_samples")
    B = check_positive_int(n_bootstrap, "n_bootstrap", minimum=20)
    rng = as_generator(seed)
    blocks = _component_blocks(model, S, rng)
    log_q = [model.log_encoder(b.X) for b in blocks]
    log_T = _normalise_rows(_log_T_of_blocks(blocks, log_q))
    T = model._linear_T(log_T)
    pi = model._stationary_from_T(T, "mc")
    sigma = entropy_production_from_log_T(log_T, pi)
    noise = _bootstrap_noise(blocks, log_q, log_T, S, B, rng)
    null_sigmas, null_J = _sigma_and_currents(
        _normalise_rows(_reversible_surrogate(log_T, pi)[None] + noise)
    )
    boot_sigmas = _sigma_and_currents(log_T[None] + noise)[0]
    F = pi[:, None] * T
    F_bar = 0.5 * (F + F.T)
    rounding = float(np.sum(np.triu(F_bar, 1))) * RESOLUTION**2
    finite = np.all(np.isfinite(null_J), axis=(1, 2))
    current_se = (
        np.std(null_J[finite], axis=0, ddof=1) if finite.sum() > 1 else np.full_like(T, np.inf)
    )
    return EntropyProductionEstimate(
        sigma=float(sigma),
        noise_floor=max(_upper_quantile(null_sigmas, FLOOR_QUANTILE), rounding),
        currents=F - F.T,
        current_se=current_se,
        T=T,
        pi=pi,
        n_samples=S,
        null_sigmas=null_sigmas,
        sigma_se=float(np.std(boot_sigmas[np.isfinite(boot_sigmas)], ddof=1)),
    )


def _upper_quantile(values: np.ndarray, q: float) -> float:
    """The ``q`` quantile without interpolation (an ``inf`` draw stays ``inf``, not NaN)."""
    return float(np.quantile(values, q, method="higher"))


def _normalise_rows(log_T: np.ndarray) -> np.ndarray:
    """Rows of ``log T`` (any leading axes) shifted so that each row of ``T`` sums to 1."""
    return log_T - logsumexp(log_T, axis=-1)[..., None]


def _log_T_of_blocks(blocks: list[_Block], log_q: list[np.ndarray]) -> np.ndarray:
    """``log T[i, j] = log sum_m w[m, i] q(j|x_m)`` over all blocks (unnormalised rows)."""
    parts = [logsumexp(b.log_w[:, :, None] + lq[:, None, :], axis=0) for b, lq in zip(
        blocks, log_q, strict=True)]
    return logsumexp(np.stack(parts), axis=0)


def _reversible_surrogate(log_T: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """``log T_rev``: the fluxes ``pi_i T_ij`` symmetrised, rows normalised (pi is kept)."""
    log_F = np.log(pi)[:, None] + log_T
    return _normalise_rows(np.logaddexp(log_F, log_F.T))


def _bootstrap_noise(blocks, log_q, log_T, S: int, B: int, rng) -> np.ndarray:
    """``log(T* / T_hat)`` for B bootstrap resamples of every component's draws (B, K, K).

    ``T*`` itself is ``T_hat`` times this noise (rows already normalised).

    A resample gives each draw a count ``c_m`` (multinomial within its component), and
    ``T*[i, j] = sum_m c_m w[m, i] q(j|x_m)``. The sums are matrix products with the
    largest term of each entry factored out; an entry whose surviving terms all underflow
    that way is summed again in log space.
    """
    K = log_T.shape[0]
    by_z: dict[int, list[int]] = {}
    for n, b in enumerate(blocks):
        by_z.setdefault(b.z, []).append(n)
    log_T_star = np.full((B, K * K), -np.inf)
    for members in by_z.values():
        counts = _resample_counts(S, B, rng)
        offset = 0
        for n in members:
            L = (blocks[n].log_w[:, :, None] + log_q[n][:, None, :]).reshape(-1, K * K)
            c = counts[:, offset : offset + L.shape[0]]
            offset += L.shape[0]
            top = L.max(axis=0)
            with np.errstate(divide="ignore"):
                part = np.log(c @ np.exp(L - top)) + top
            for b in np.flatnonzero(np.any(np.isneginf(part), axis=1)):
                alive = c[b] > 0
                if alive.any():
                    part[b] = logsumexp(np.log(c[b, alive])[:, None] + L[alive], axis=0)
            log_T_star = np.logaddexp(log_T_star, part)
    log_T_star = _normalise_rows(log_T_star.reshape(B, K, K))
    with np.errstate(invalid="ignore"):
        noise = log_T_star - log_T[None]
    return np.where(np.isneginf(log_T_star), -np.inf, noise)


def _resample_counts(S: int, B: int, rng) -> np.ndarray:
    """How often each of S draws is picked in each of B resamples with replacement (B, S).

    Each row is multinomial(S, uniform): S uniform picks, counted (faster than
    ``rng.multinomial`` with S equal categories).
    """
    picks = rng.integers(0, S, size=(B, S)) + S * np.arange(B)[:, None]
    return np.bincount(picks.ravel(), minlength=B * S).reshape(B, S).astype(np.float64)


def _sigma_and_currents(log_T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entropy production (B,) and currents (B, K, K) of a stack of chains ``log T``.

    A draw whose chain is reducible in floating point has no unique pi: its sigma counts
    as ``inf`` (the estimator cannot resolve it) and its currents as NaN.
    """
    from .. import markov

    sigmas = np.empty(log_T.shape[0])
    J = np.full(log_T.shape, np.nan)
    for b, lt in enumerate(log_T):
        T = np.exp(lt)
        T /= T.sum(axis=1, keepdims=True)
        try:
            pi = markov.stationary_distribution(T)
        except ValueError:
            sigmas[b] = math.inf
            continue
        sigmas[b] = entropy_production_from_log_T(lt, pi)
        F = pi[:, None] * T
        J[b] = F - F.T
    return sigmas, J
