"""OneHotRBM: closed forms against brute-force sums over the Boltzmann joint."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nelc_edu import markov
from nelc_edu.models import OneHotRBM, TwoMatrixModel, all_binary_states


def _random_rbm(K, N, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return OneHotRBM(
        scale * rng.standard_normal((K, N)),
        scale * rng.standard_normal(K),
        scale * rng.standard_normal(N),
    )


def _data(N, n, seed):
    rng = np.random.default_rng(seed)
    return (rng.random((n, N)) < rng.uniform(0.2, 0.8, N)).astype(np.uint8)


def _boltzmann_joint(rbm):
    """P(x, z) ∝ exp(W[z].x + b.x + c_z) by brute force, shape (2^N, K)."""
    X = all_binary_states(rbm.N).astype(float)
    logits = X @ rbm.W.T + (X @ rbm.b)[:, None] + rbm.c[None, :]
    P = np.exp(logits - logits.max())
    return P / P.sum(), X


def test_latent_marginal_and_likelihood_match_brute_force():
    for seed in range(3):
        rbm = _random_rbm(3, 6, seed)
        P, X = _boltzmann_joint(rbm)
        np.testing.assert_allclose(rbm.latent_marginal(), P.sum(axis=0), atol=1e-13)
        log_px = np.log(P.sum(axis=1))
        np.testing.assert_allclose(rbm.log_prob(X.astype(np.uint8)), log_px, atol=1e-12)
        assert abs(np.exp(rbm.log_prob(X.astype(np.uint8))).sum() - 1) < 1e-12


def test_latent_chain_obeys_detailed_balance_wrt_boltzmann_marginal():
    rbm = _random_rbm(4, 6, 3, scale=1.5)
    P, _ = _boltzmann_joint(rbm)
    Px = P.sum(axis=1)
    q = P / Px[:, None]  # posterior q(z|x)
    F_sym = (q * Px[:, None]).T @ q  # sum_x P(x) q(z|x) q(z'|x)
    T = rbm.latent_transition_matrix("exact")
    Pz = rbm.latent_marginal()
    np.testing.assert_allclose(Pz[:, None] * T, F_sym, atol=1e-14)
    J = markov.probability_currents(T, Pz)
    assert np.abs(J).max() < 1e-15
    assert markov.is_reversible(T, Pz)
    assert rbm.entropy_production("exact") < 1e-12
    np.testing.assert_allclose(rbm.stationary_distribution("exact"), Pz, atol=1e-13)


def test_two_matrix_equivalence():
    rbm = _random_rbm(3, 5, 4)
    tm = rbm.as_two_matrix()
    assert isinstance(tm, TwoMatrixModel) and tm.is_tied
    X = _data(5, 40, 4)
    assert rbm.log_likelihood(X) == pytest.approx(tm.log_likelihood(X, method="exact"), abs=1e-12)
    assert rbm.log_likelihood(X) == pytest.approx(rbm.log_likelihood(X, method="exact"), abs=1e-12)
    np.testing.assert_allclose(
        rbm.latent_transition_matrix("exact"), tm.latent_transition_matrix("exact"), atol=0
    )
    back = OneHotRBM(tm.W, tm.c, tm.b)
    np.testing.assert_array_equal(back.W, rbm.W)


def _fd_gradient(rbm, X, eps=1e-5):
    out = {}
    for name, arr in rbm.params().items():
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            lp = rbm.log_likelihood(X)
            arr[idx] = old - eps
            lm = rbm.log_likelihood(X)
            arr[idx] = old
            g[idx] = (lp - lm) / (2 * eps)
        out[name] = g
    return out


@pytest.mark.parametrize("K,N,seed", [(2, 4, 0), (3, 6, 1), (4, 8, 2), (4, 30, 3)])
def test_exact_gradient_matches_finite_differences(K, N, seed):
    rbm = _random_rbm(K, N, seed)
    X = _data(N, 25, seed)
    g = rbm.gradient(X)
    fd = _fd_gradient(rbm, X)
    assert set(g) == {"W", "c", "b"}
    for name in g:
        err = np.linalg.norm(g[name] - fd[name]) / np.linalg.norm(fd[name])
        assert err < 1e-6, (name, err)


def test_large_N_closed_forms_without_warnings():
    rbm = _random_rbm(10, 784, 5, scale=3.0)
    X = _data(784, 5, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ll = rbm.log_likelihood(X)
        g = rbm.gradient(X)
    assert math.isfinite(ll)
    assert all(np.all(np.isfinite(v)) for v in g.values())


def test_U_follows_in_place_updates():
    rbm = _random_rbm(3, 4, 6)
    rbm.params()["W"][0, 0] += 1.0
    assert rbm.U[0, 0] == rbm.W[0, 0]
    cp = rbm.copy()
    cp.W[:] = 0
    assert not np.allclose(rbm.W, 0)


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 states"):
        OneHotRBM(np.zeros((1, 3)), np.zeros(1), np.zeros(3))
    with pytest.raises(ValueError, match="c must have shape"):
        OneHotRBM(np.zeros((2, 3)), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="b must have shape"):
        OneHotRBM(np.zeros((2, 3)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="NaN"):
        OneHotRBM(np.full((2, 3), np.nan), np.zeros(2), np.zeros(3))
    rbm = OneHotRBM.random(2, 3, seed=0)
    with pytest.raises(ValueError, match="not binary"):
        rbm.log_likelihood(np.array([[0, 2, 1]]))
    with pytest.raises(ValueError, match="pcd_gradient"):
        rbm.gradient(np.zeros((1, 3)), method="mc")


def test_sample_occupation_matches_boltzmann_marginal():
    rbm = _random_rbm(3, 5, 7)
    out = rbm.sample(300, 80, seed=0, burn_in=10)
    occ = np.bincount(out.z.ravel(), minlength=3) / out.z.size
    assert np.abs(occ - rbm.latent_marginal()).max() < 0.03


def test_pcd_gradient_at_stationarity_matches_exact_gradient():
    rbm = _random_rbm(3, 5, 8)
    X = _data(5, 40, 8)
    exact = rbm.gradient(X)
    ch = rbm.init_chains(20_000, seed=0)
    for _ in range(15):
        rbm.pcd_gradient(X, ch)
    avg = {k: np.zeros_like(v) for k, v in exact.items()}
    for _ in range(10):
        g = rbm.pcd_gradient(X, ch)
        for k in avg:
            avg[k] += g[k] / 10
    for k in exact:
        assert np.abs(avg[k] - exact[k]).max() < 0.01, k
