"""Tests of nelc_edu.markov.simulate: Numba kernel vs NumPy reference, seeding, estimators."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from nelc_edu import markov

K = 5


@pytest.fixture(scope="module")
def chain():
    return markov.random_nonreversible_chain(K, seed=3)


# ----------------------------------------------------------------------------------------
# Kernel vs reference, seeding, shapes
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "T",
    [
        markov.random_nonreversible_chain(K, seed=3),
        markov.random_reversible_chain(7, seed=1, density=0.2),
        markov.driven_ring(4, affinity=math.inf),  # deterministic, periodic
        markov.driven_ring(6, affinity=1.0, p_stay=0.3),
        np.array([[0.0, 0.0, 1.0], [0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]),  # zeros at row ends
    ],
)
@pytest.mark.parametrize("x0", [None, 0, "per-chain"])
@pytest.mark.numba
def test_numba_kernel_and_numpy_reference_are_identical(T, x0):
    n_chains = 5
    if x0 == "per-chain":
        x0 = np.arange(n_chains) % T.shape[0]
    a = markov.simulate(T, 3000, x0=x0, seed=42, n_chains=n_chains, backend="numba")
    b = markov.simulate(T, 3000, x0=x0, seed=42, n_chains=n_chains, backend="numpy")
    c = markov.simulate_reference(T, 3000, x0=x0, seed=42, n_chains=n_chains)
    assert a.dtype == b.dtype == np.int64
    assert a.shape == (3001, n_chains)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_same_seed_same_trajectory_and_shapes(chain):
    a = markov.simulate(chain, 500, seed=7)
    assert a.shape == (501,)
    np.testing.assert_array_equal(a, markov.simulate(chain, 500, seed=7))
    np.testing.assert_array_equal(a, markov.simulate(chain, 500, seed=np.random.default_rng(7)))
    assert not np.array_equal(a, markov.simulate(chain, 500, seed=8))
    # a longer run extends the shorter one (counter-based streams)
    np.testing.assert_array_equal(markov.simulate(chain, 2000, seed=7)[:501], a)
    many = markov.simulate(chain, 500, seed=7, n_chains=3)
    assert many.shape == (501, 3)
    assert len({tuple(many[:, c]) for c in range(3)}) == 3  # independent streams
    assert markov.simulate(chain, 0, x0=2, seed=1).tolist() == [2]


def test_deterministic_ring_is_followed_exactly():
    T = markov.driven_ring(4, affinity=math.inf)
    x = markov.simulate(T, 9, x0=1, seed=0)
    assert x.tolist() == [1, 2, 3, 0, 1, 2, 3, 0, 1, 2]


def test_zero_probability_transitions_never_happen():
    T = markov.random_nonreversible_chain(8, seed=5, density=0.3)
    T[:, -1] = 0.0  # nobody jumps into the last state ...
    T[-1] = 0.0
    T[-1, 0] = 1.0  # ... which can only be left towards 0
    T /= T.sum(axis=1, keepdims=True)
    X = markov.simulate(T, 20000, x0=7, seed=0, n_chains=4)
    N = markov.empirical_transition_counts(X, 8)
    assert np.all(N[T == 0] == 0)


def test_empirical_transition_frequencies_match_T(chain):
    """Independent check of the sampler: N_ij / N_i -> T_ij (binomial error bars)."""
    X = markov.simulate(chain, 200_000, seed=11)
    N = markov.empirical_transition_counts(X, K)
    visits = N.sum(axis=1, keepdims=True)
    T_hat = N / visits
    se = np.sqrt(chain * (1 - chain) / visits)
    assert np.all(np.abs(T_hat - chain) <= 5 * se + 1e-12)


def test_initial_states_drawn_from_pi(chain):
    pi = markov.stationary_distribution(chain)
    n_chains = 40_000
    X = markov.simulate(chain, 0, seed=3, n_chains=n_chains)
    freq = np.bincount(X[0], minlength=K) / n_chains
    assert np.all(np.abs(freq - pi) <= 5 * np.sqrt(pi * (1 - pi) / n_chains))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"x0": 9}, "0..4"),
        ({"x0": -1}, "0..4"),
        ({"x0": 1.0}, "integer"),
        ({"x0": [0, 1], "n_chains": 3}, "n_chains"),
        ({"n_chains": 0}, "n_chains"),
        ({"backend": "cuda"}, "backend"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_simulate_bad_arguments(chain, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        markov.simulate(chain, 10, **kwargs)


def test_simulate_bad_matrix_and_reducible_chain():
    with pytest.raises(ValueError, match="row-stochastic"):
        markov.simulate([[0.5, 0.6], [0.5, 0.5]], 10)
    with pytest.raises(ValueError, match="n_steps"):
        markov.simulate([[0.5, 0.5], [0.5, 0.5]], -1)
    reducible = [[1.0, 0.0], [0.5, 0.5]]
    with pytest.raises(ValueError, match="reducible.*x0"):
        markov.simulate(reducible, 10, seed=0)
    x = markov.simulate(reducible, 50, x0=1, seed=0)
    assert x[-1] == 0


def test_importing_markov_does_not_import_numba():
    code = "import sys, nelc_edu.markov; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------------------


def test_counts_and_currents_by_hand():
    traj = [0, 1, 2, 0, 1, 0]
    N = markov.empirical_transition_counts(traj, 3)
    np.testing.assert_array_equal(N, [[0, 2, 0], [1, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(
        markov.estimate_currents(traj, 3), np.array([[0, 1, -1], [-1, 0, 1], [1, -1, 0]]) / 5
    )
    # 2-D: counted within chains, pooled over chains, never across chains
    X = np.array([[0, 2], [1, 2], [1, 0]])
    np.testing.assert_array_equal(
        markov.empirical_transition_counts(X, 3), [[0, 1, 0], [0, 1, 0], [1, 0, 1]]
    )


def test_entropy_production_estimate_by_hand():
    # N_01 = 4, N_10 = 3, n = 7: sigma_hat = (4 - 3) / 7 * log(4 / 3)
    traj = [0, 1, 0, 1, 0, 1, 0, 1]
    n = 7
    expected = (4 - 3) / n * math.log(4 / 3)
    assert math.isclose(markov.estimate_entropy_production(traj, 2), expected, rel_tol=1e-14)


def test_short_trajectory_unmatched_pairs():
    # 0 -> 1 -> 2 -> 0 seen, no reverse transition yet
    traj = [0, 1, 2, 0, 1]
    assert markov.estimate_entropy_production(traj, 3) == math.inf
    est = markov.estimate_entropy_production_observed(traj, 3)
    assert est == (0.0, 3)
    assert est.value == 0.0 and est.n_unmatched == 3
    # one matched pair, one unmatched
    traj = [0, 1, 0, 1, 2]  # 0->1 x2, 1->0 x1, 1->2 x1
    value, n_unmatched = markov.estimate_entropy_production_observed(traj, 3)
    assert n_unmatched == 1
    assert math.isclose(value, (2 - 1) / 4 * math.log(2), rel_tol=1e-14)
    assert markov.estimate_entropy_production(traj, 3) == math.inf


def test_infinite_estimate_for_an_irreversible_chain_stays_infinite():
    T = markov.driven_ring(5, affinity=math.inf, p_stay=0.2)
    x = markov.simulate(T, 10_000, seed=0)
    assert markov.estimate_entropy_production(x, 5) == math.inf
    assert markov.entropy_production(T) == math.inf


@pytest.mark.parametrize(
    ("traj", "pattern"),
    [
        ([0.0, 1.0], "integer"),
        ([0, 3], "outside"),
        ([0, -1], "outside"),
        ([0], "at least one transition"),
        (np.zeros((2, 2, 2), dtype=int), "shape"),
    ],
)
def test_estimator_bad_trajectories(traj, pattern):
    for f in (
        markov.empirical_transition_counts,
        markov.estimate_currents,
        markov.estimate_entropy_production,
        markov.estimate_entropy_production_observed,
    ):
        with pytest.raises(ValueError, match=pattern):
            f(traj, 3)


def test_estimates_converge_to_exact_values_like_one_over_sqrt_n(chain):
    """RMS error over 32 independent chains shrinks ~4x when n grows 16x."""
    J = markov.probability_currents(chain)
    sigma = markov.entropy_production(chain)
    n_chains = 32
    rms_J, rms_s = [], []
    for n in (16_000, 256_000):
        X = markov.simulate(chain, n, seed=2024, n_chains=n_chains)
        eJ = [np.abs(markov.estimate_currents(X[:, c], K) - J).max() for c in range(n_chains)]
        es = [markov.estimate_entropy_production(X[:, c], K) - sigma for c in range(n_chains)]
        assert all(np.isfinite(es))
        rms_J.append(math.sqrt(np.mean(np.square(eJ))))
        rms_s.append(math.sqrt(np.mean(np.square(es))))
    for small, large in (rms_J, rms_s):
        assert 2.5 < small / large < 6.5
    # the pooled estimate (8.2 M transitions) is close to the exact values
    assert np.abs(markov.estimate_currents(X, K) - J).max() < 5e-4  # |J| ~ 0.09
    assert abs(markov.estimate_entropy_production(X, K) - sigma) < 5e-3  # sigma ~ 0.87


def test_estimators_converge_on_driven_ring():
    T = markov.driven_ring(4, affinity=2.0, p_stay=0.5)
    p, q = T[0, 1], T[0, 3]
    x = markov.simulate(T, 1_000_000, seed=5)
    J_hat = markov.estimate_currents(x, 4)
    assert abs(J_hat[0, 1] - (p - q) / 4) < 3e-3
    sigma = (p - q) * math.log(p / q)
    assert abs(markov.estimate_entropy_production(x, 4) - sigma) < 0.01 * sigma + 1e-3
    obs = markov.estimate_entropy_production_observed(x, 4)
    assert obs.n_unmatched == 0
    assert obs.value == markov.estimate_entropy_production(x, 4)
