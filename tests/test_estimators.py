"""Monte Carlo over the decoder's components, log-space entropy production, the noise floor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nelc_edu import markov
from nelc_edu.models import (
    OneHotRBM,
    TwoMatrixModel,
    component_samples,
    entropy_production_from_log_T,
    entropy_production_with_floor,
)
from nelc_edu.models.exact import Enumeration, all_binary_states, logsumexp


def test_component_samples_follow_the_decoder_and_weigh_every_row():
    model = TwoMatrixModel.random(3, 6, scale=1.5, seed=0)
    blocks = component_samples(model, n_samples=5000, seed=1)
    P = model.decoder_probs()
    X = np.concatenate([X for X, _ in blocks])
    assert X.shape == (15000, 6) and X.dtype == np.uint8
    for z in range(3):  # draws come in component order, 5000 from each
        Xz = X[5000 * z : 5000 * (z + 1)]
        se = np.sqrt(P[z] * (1 - P[z]) / 5000)
        assert np.all(np.abs(Xz.mean(axis=0) - P[z]) < 5 * se)
    log_w = np.concatenate([lw for _, lw in blocks])
    np.testing.assert_allclose(np.exp(log_w).sum(axis=0), 1.0)
    # balance heuristic: each draw's weights are proportional to p(x|i) / sum_z p(x|z)
    log_p = model.log_decoder(X)
    ratio = log_w - (log_p - logsumexp(log_p, axis=1)[:, None])
    np.testing.assert_allclose(ratio - ratio[0], 0.0, atol=1e-9)
    # every row's weighted average of a test function converges to the exact expectation
    f = X.sum(axis=1).astype(float)
    exact = np.array([sum(np.exp(lw[:, i]) @ Xe.sum(axis=1) for Xe, lw in Enumeration(model))
                      for i in range(3)])
    np.testing.assert_allclose(np.exp(log_w).T @ f, exact, rtol=0.02)
    again = component_samples(model, n_samples=5000, seed=1)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(blocks, again, strict=True))


def test_mc_transition_matrix_converges_to_enumeration():
    model = TwoMatrixModel.random(4, 10, scale=1.5, seed=4)
    exact = model.latent_transition_matrix("exact")
    errors = [np.abs(model.latent_transition_matrix("mc", n_samples=S, seed=0) - exact).max()
              for S in (100, 10_000)]
    assert errors[1] < 0.01 and errors[1] < errors[0] / 3


def test_pooled_estimate_of_a_tied_model_is_reversible_whatever_the_draws():
    # docs/theory.md, "Estimating T": with balance-heuristic weights, pi_i T_hat_ij is
    # symmetric for a tied model for any set of draws, so sigma_hat is rounding.
    for seed in range(3):
        rbm = OneHotRBM.sharp(6, 12, sharpness=4.0, rarest=1e-6, seed=seed)
        T = rbm.latent_transition_matrix("mc", n_samples=50, seed=seed)
        assert markov.is_reversible(T)  # every log flux ratio within 1e-10
        assert rbm.entropy_production("mc", n_samples=50, seed=seed) < 1e-20


def test_enumeration_weights_are_the_decoder():
    model = TwoMatrixModel.random(2, 4, scale=1.0, seed=0)
    (X, log_w), = list(Enumeration(model))
    np.testing.assert_array_equal(X, all_binary_states(4))
    np.testing.assert_allclose(logsumexp(log_w, axis=0), 0.0, atol=1e-14)


def test_log_space_ep_matches_markov():
    rng = np.random.default_rng(0)
    for _ in range(10):
        T = rng.random((5, 5)) ** 3
        T /= T.sum(axis=1, keepdims=True)
        pi = markov.stationary_distribution(T)
        ours = entropy_production_from_log_T(np.log(T), pi)
        assert ours == pytest.approx(markov.entropy_production(T, pi), rel=1e-12)


def test_log_space_ep_one_way_and_underflow():
    T = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    pi = markov.stationary_distribution(T)
    with np.errstate(divide="ignore"):
        assert entropy_production_from_log_T(np.log(T), pi) == math.inf
    # An entry far below the smallest double is still a finite, tiny flux in log space.
    log_T = np.log(np.full((3, 3), 1 / 3))
    log_T[0, 1] = -800.0
    log_T[0] = log_T[0] - logsumexp(log_T[0])
    pi = markov.stationary_distribution(np.exp(log_T) / np.exp(log_T).sum(axis=1, keepdims=True))
    sigma = entropy_production_from_log_T(log_T, pi)
    assert math.isfinite(sigma) and sigma > 0


def dihedral_model(K: int, block: int, enc_scale: float, dec_scale: float, seed: int):
    return TwoMatrixModel.reversible_untied(
        K, block, encoder_scale=enc_scale, decoder_scale=dec_scale, seed=seed
    )


def test_dihedral_model_is_untied_and_exactly_reversible():
    model = dihedral_model(5, 3, 1.0, 2.0, seed=0)
    assert not model.is_tied
    T = model.latent_transition_matrix("exact")
    np.testing.assert_allclose(T, T.T, atol=1e-15)
    assert model.entropy_production("exact") < 1e-15
    # ...yet its Monte Carlo estimate is not symmetric: the floor has work to do
    T_hat = model.latent_transition_matrix("mc", n_samples=100, seed=0)
    assert np.abs(T_hat - T_hat.T).max() > 1e-4


def _flags(est) -> tuple[bool, int]:
    iu = np.triu_indices(est.T.shape[0], 1)
    edges = int(np.sum(np.abs(est.currents[iu]) > est.current_threshold()))
    return est.sigma > 3 * est.noise_floor, edges


@pytest.mark.slow
def test_noise_floor_bounds_on_reversible_models():
    """Acceptance: on exactly reversible models sigma > 3 floors in at most 5% of estimates
    and at most 5% of the edges of any latent graph are false (N = 64 and 784, budgets from
    100 to 10^4 draws per component). scripts/check_noise_floor.py runs the full battery."""
    rng = np.random.default_rng(2026)
    models = []
    for seed in range(2):
        models += [(64, OneHotRBM.sharp(10, 64, sharpness=s, rarest=1e-6, seed=seed))
                   for s in (2.0, 6.0)]
        models += [(64, dihedral_model(10, 6, e, d, seed)) for e, d in ((0.5, 0.5), (0.3, 3.0))]
        models.append((784, dihedral_model(10, 78, 0.15, 2.0, seed)))
        models.append((784, OneHotRBM.sharp(10, 784, sharpness=1.5, rarest=1e-6, seed=seed)))
    exceed = n = 0
    for N, model in models:
        for S in ((100, 1000, 10_000) if N == 64 else (100, 300)):
            est = entropy_production_with_floor(model, n_samples=S, seed=rng)
            high, false_edges = _flags(est)
            n += 1
            exceed += high
            assert false_edges <= 2, (N, S, model)  # at most 5% of 45 edges
    assert exceed <= 0.05 * n, f"{exceed} of {n} reversible estimates above 3 floors"


def test_noise_floor_separates_equilibrium_from_nonequilibrium():
    # untied but reversible: the estimate has sampling noise, and it sits within the floor
    rev = dihedral_model(6, 4, 1.0, 2.0, seed=0)
    est = entropy_production_with_floor(rev, n_samples=2000, n_bootstrap=100, seed=0)
    assert est.null_sigmas.shape == (100,) and est.n_samples == 2000
    assert 0 < est.sigma < 3 * est.noise_floor and est.noise_floor > 1e-8
    assert not np.any(np.abs(est.currents) > est.current_threshold())
    # tied: the pooled estimate is reversible whatever the draws (rounding only)
    rbm = OneHotRBM.random(4, 8, scale=1.0, seed=0)
    est = entropy_production_with_floor(rbm, n_samples=2000, seed=0)
    assert est.sigma < 1e-20 and est.sigma < 3 * est.noise_floor

    tm = TwoMatrixModel.random(4, 8, scale=2.0, seed=3)
    exact = tm.entropy_production("exact")
    est2 = tm.entropy_production_with_floor(n_samples=2000, seed=0)
    assert est2.sigma > 100 * est2.noise_floor
    assert abs(est2.sigma - exact) < 4 * est2.sigma_se and est2.sigma_se < 0.1 * exact
    J = markov.probability_currents(tm.latent_transition_matrix("exact"))
    assert np.sum(np.abs(est2.currents) > est2.current_threshold()) >= 6  # real currents seen
    # every edge the estimate calls measured carries a real current of the same sign
    sig = np.abs(est2.currents) > est2.current_threshold()
    assert np.all(np.sign(est2.currents[sig]) == np.sign(J[sig]))


def test_noise_floor_of_a_reversible_chain_shrinks_like_one_over_samples():
    # second order in the noise: sigma of a reversible chain's estimate ~ 1/S
    model = dihedral_model(6, 4, 1.0, 1.0, seed=1)
    small = entropy_production_with_floor(model, n_samples=200, seed=0)
    large = entropy_production_with_floor(model, n_samples=3200, seed=0)
    ratio = small.noise_floor / large.noise_floor
    assert 6 < ratio < 40  # expected 16
    assert large.sigma < small.sigma


def test_noise_floor_arguments_are_checked():
    rbm = OneHotRBM.random(3, 4, seed=0)
    with pytest.raises(ValueError, match="n_bootstrap"):
        entropy_production_with_floor(rbm, n_samples=10, n_bootstrap=5)
    with pytest.raises(ValueError, match="n_samples"):
        entropy_production_with_floor(rbm, n_samples=0)


