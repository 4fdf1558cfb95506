"""Stratified Monte Carlo, log-space entropy production and its noise floor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nelc_edu import markov
from nelc_edu.models import (
    OneHotRBM,
    TwoMatrixModel,
    entropy_production_from_log_T,
    entropy_production_with_floor,
    stratified_samples,
    symmetric_latent_joint,
)
from nelc_edu.models.exact import Enumeration, all_binary_states, logsumexp


def test_stratified_samples_follow_the_decoder():
    model = TwoMatrixModel.random(3, 6, scale=1.5, seed=0)
    blocks = stratified_samples(model, n_samples=5000, seed=1)
    P = model.decoder_probs()
    for z in range(3):
        Xz = np.concatenate([X for X, lw in blocks if np.isfinite(lw[0, z])])
        assert Xz.shape == (5000, 6) and Xz.dtype == np.uint8
        se = np.sqrt(P[z] * (1 - P[z]) / 5000)
        assert np.all(np.abs(Xz.mean(axis=0) - P[z]) < 5 * se)
    weights = sum(np.exp(lw).sum(axis=0) for _, lw in blocks)
    np.testing.assert_allclose(weights, 1.0)
    again = stratified_samples(model, n_samples=5000, seed=1)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(blocks, again, strict=True))


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


def test_noise_floor_separates_equilibrium_from_nonequilibrium():
    rbm = OneHotRBM.random(4, 8, scale=1.0, seed=0)
    est = entropy_production_with_floor(rbm, n_samples=400, n_replicates=6, seed=0)
    assert est.noise_floor > 0
    assert est.sigma < 4 * est.noise_floor
    assert est.replicates.shape == (6,) and est.n_samples == 2400
    assert np.all(np.abs(est.currents) < 5 * est.current_se + 1e-15)

    tm = TwoMatrixModel.random(4, 8, scale=2.0, seed=3)
    exact = tm.entropy_production("exact")
    est2 = tm.entropy_production_with_floor(n_samples=400, n_replicates=6, seed=0)
    assert est2.sigma > 20 * est2.noise_floor
    assert abs(est2.sigma - exact) < 0.1 * exact


def test_noise_floor_shrinks_like_one_over_samples():
    rbm = OneHotRBM.random(4, 8, scale=1.0, seed=1)
    small = entropy_production_with_floor(rbm, n_samples=100, n_replicates=8, seed=0)
    large = entropy_production_with_floor(rbm, n_samples=1600, n_replicates=8, seed=0)
    ratio = small.noise_floor / large.noise_floor
    assert 5 < ratio < 50  # expected 16
    assert large.sigma < small.sigma


def test_symmetric_joint_is_exactly_symmetric_and_converges():
    rbm = OneHotRBM.random(3, 6, scale=1.5, seed=2)
    exact = rbm.latent_marginal()[:, None] * rbm.latent_transition_matrix("exact")
    F = symmetric_latent_joint(rbm, n_samples=4000, seed=0)
    assert np.array_equal(F, F.T)
    assert np.abs(F - exact).max() < 0.01
    T = F / F.sum(axis=1, keepdims=True)
    assert markov.entropy_production(T) < 1e-12
    with pytest.raises(ValueError, match="tied"):
        symmetric_latent_joint(TwoMatrixModel.random(3, 6, seed=0), n_samples=10)
