"""Tests of nelc_edu.markov.core and nelc_edu.markov.examples against independent truths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nelc_edu import markov

N_RANDOM = 200


def _random_pairs(kind: str):
    """(seed, T) for N_RANDOM random chains of 2..14 states and varied density."""
    make = {
        "rev": markov.random_reversible_chain,
        "nonrev": markov.random_nonreversible_chain,
    }[kind]
    for seed in range(N_RANDOM):
        n = 3 + seed % 12
        density = (1.0, 0.5, 0.2, 0.0)[seed % 4]
        yield seed, make(n, seed=seed, density=density)


def _ep_bruteforce(T, pi):
    """1/2 sum_{i != j} J_ij log(pi_i T_ij / (pi_j T_ji)), literal double loop."""
    n = len(pi)
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            a, b = pi[i] * T[i, j], pi[j] * T[j, i]
            if a == 0 and b == 0:
                continue
            total += 0.5 * (a - b) * math.log(a / b)
    return total


def _left_eigvec_pi(T):
    """Stationary distribution from numpy's eigen-decomposition (independent method)."""
    lam, V = np.linalg.eig(T.T)
    v = np.real(V[:, np.argmin(np.abs(lam - 1.0))])
    return v / v.sum()


# ----------------------------------------------------------------------------------------
# Validation and error paths
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "func",
    [
        markov.stationary_distribution,
        markov.probability_currents,
        markov.entropy_production,
        markov.is_reversible,
        markov.fundamental_matrix,
        markov.period,
        markov.relaxation_time,
        markov.communication_classes,
        markov.kolmogorov_check,
        markov.cycle_decomposition,
    ],
)
@pytest.mark.parametrize(
    ("T", "pattern"),
    [
        (np.ones((2, 3)) / 3, "square"),
        ([[1.2, -0.2], [0.5, 0.5]], "negative"),
        ([[0.5, 0.4], [0.5, 0.5]], "row-stochastic"),
        ([[np.nan, 1.0], [0.5, 0.5]], "NaN"),
        ([[np.inf, 1.0], [0.5, 0.5]], "infinite"),
        (np.ones(3) / 3, "2-dimensional"),
    ],
)
def test_bad_matrix_raises_naming_the_rule(func, T, pattern):
    with pytest.raises(ValueError, match=pattern):
        func(T)


def test_row_sum_tolerance_is_the_stated_one():
    T = np.array([[0.5, 0.5 + 1e-7], [0.5, 0.5]])
    with pytest.raises(ValueError, match="atol"):
        markov.stationary_distribution(T)
    pi = markov.stationary_distribution(T, atol=1e-6)
    assert pi.shape == (2,)


def test_reducible_names_closed_classes_and_transient_states():
    T = np.array(
        [
            [0.5, 0.5, 0.0, 0.0],
            [0.5, 0.5, 0.0, 0.0],
            [0.2, 0.3, 0.0, 0.5],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    with pytest.raises(ValueError, match="reducible") as exc:
        markov.stationary_distribution(T)
    msg = str(exc.value)
    assert "closed classes: {0, 1}, {3}" in msg
    assert "transient states: {2}" in msg
    assert markov.closed_classes(T) == [[0, 1], [3]]
    assert markov.transient_states(T) == [2]
    assert markov.communication_classes(T) == [[0, 1], [2], [3]]
    assert not markov.is_irreducible(T)


def test_reducible_with_one_closed_class_still_raises():
    T = np.array([[0.5, 0.5], [0.0, 1.0]])
    pattern = r"reducible.*closed classes: \{1\}.*transient states: \{0\}"
    with pytest.raises(ValueError, match=pattern):
        markov.stationary_distribution(T)
    with pytest.raises(ValueError, match="reducible"):
        markov.period(T)
    with pytest.raises(ValueError, match="reducible"):
        markov.entropy_production(T)


def test_stationary_distributions_of_reducible_chain():
    T = np.array(
        [
            [0.5, 0.5, 0.0, 0.0],
            [0.25, 0.75, 0.0, 0.0],
            [0.2, 0.3, 0.0, 0.5],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    P = markov.stationary_distributions(T)
    np.testing.assert_allclose(P, [[1 / 3, 2 / 3, 0, 0], [0, 0, 0, 1]], atol=1e-15)
    np.testing.assert_allclose(P @ T, P, atol=1e-15)


@pytest.mark.parametrize(
    "func", [markov.probability_currents, markov.entropy_production, markov.fundamental_matrix]
)
def test_pi_with_wrong_length_or_values_raises(func):
    T = markov.driven_ring(3, affinity=1.0)
    with pytest.raises(ValueError, match="length 3"):
        func(T, pi=[0.5, 0.5])
    with pytest.raises(ValueError, match="negative"):
        func(T, pi=[1.5, -0.25, -0.25])
    with pytest.raises(ValueError, match="sums to"):
        func(T, pi=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        func(T, pi=[np.nan, 0.5, 0.5])


def test_is_reversible_rejects_negative_atol():
    with pytest.raises(ValueError, match="atol"):
        markov.is_reversible(markov.driven_ring(3, 0.0), atol=-1.0)


# ----------------------------------------------------------------------------------------
# Stationary distribution and structure
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("T", "pi"),
    [
        ([[0.0, 1.0], [1.0, 0.0]], [0.5, 0.5]),
        ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], [1 / 3, 1 / 3, 1 / 3]),
        ([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 1.0, 0.0]], [0.25, 0.5, 0.25]),
        ([[0.9, 0.1], [0.3, 0.7]], [0.75, 0.25]),
        ([[1.0]], [1.0]),
    ],
)
def test_stationary_distribution_known_cases_including_periodic(T, pi):
    np.testing.assert_allclose(markov.stationary_distribution(T), pi, rtol=1e-14, atol=0)


def test_stationary_distribution_of_periodic_chains_where_power_iteration_fails():
    T = np.array([[0.0, 1.0], [1.0, 0.0]])
    p = np.array([1.0, 0.0])
    for _ in range(101):
        p = p @ T
    assert p.tolist() == [0.0, 1.0]  # power iteration does not converge ...
    assert markov.period(T) == 2
    np.testing.assert_allclose(markov.stationary_distribution(T), [0.5, 0.5])  # ... we do


def test_stationary_distribution_random_chains_against_eigenvector():
    for _, T in _random_pairs("nonrev"):
        pi = markov.stationary_distribution(T)
        assert np.all(pi > 0)
        assert abs(pi.sum() - 1.0) < 1e-14
        np.testing.assert_allclose(pi @ T, pi, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(pi, _left_eigvec_pi(T), rtol=1e-9)


def test_stationary_distribution_of_weighted_graph_walk_is_degree_proportional():
    rng = np.random.default_rng(5)
    for n in (2, 5, 17):
        W = rng.exponential(size=(n, n))
        W = W + W.T
        T = W / W.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(
            markov.stationary_distribution(T), W.sum(axis=1) / W.sum(), rtol=1e-13
        )


def test_stationary_distribution_keeps_relative_accuracy_of_tiny_entries():
    eps = 1e-14
    T = np.array([[1 - eps, eps], [0.5, 0.5]])
    pi = markov.stationary_distribution(T)
    # exact: pi_1 / pi_0 = eps / 0.5
    assert math.isclose(pi[1] / pi[0], 2 * eps, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("T", "d"),
    [
        ([[0.0, 1.0], [1.0, 0.0]], 2),
        ([[0.5, 0.5], [1.0, 0.0]], 1),
        ([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 1.0, 0.0]], 2),
        (markov.driven_ring(4, 1.0), 2),
        (markov.driven_ring(5, 1.0), 1),
        (markov.driven_ring(6, math.inf), 6),
        (markov.driven_ring(6, math.inf, p_stay=0.1), 1),
        # cycles of lengths 2 and 3 through state 0 -> gcd 1
        ([[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, 0, 0, 0]], 1),
        # cycles of lengths 2 and 4 -> period 2
        (
            [
                [0, 0.5, 0.5, 0, 0],
                [1, 0, 0, 0, 0],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 1],
                [1, 0, 0, 0, 0],
            ],
            2,
        ),
        # cycles of lengths 2 and 4 through different states -> period 2
        ([[0, 0.5, 0.5, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]], 2),
    ],
)
def test_period(T, d):
    assert markov.period(T) == d


def test_period_of_random_chains_with_self_loops_is_one():
    for _, T in _random_pairs("rev"):
        assert markov.period(T) == 1
        assert markov.is_irreducible(T)


# ----------------------------------------------------------------------------------------
# Currents and entropy production
# ----------------------------------------------------------------------------------------


def test_currents_antisymmetric_rows_sum_to_zero_on_random_chains():
    for _, T in _random_pairs("nonrev"):
        J = markov.probability_currents(T)
        assert np.array_equal(J, -J.T)
        assert np.max(np.abs(J.sum(axis=1))) < 1e-15
        np.testing.assert_array_equal(np.diag(J), 0.0)


def test_uniform_ring_analytic_currents_and_entropy_production():
    for n in (3, 4, 7):
        for p_stay in (0.0, 0.3):
            for A in (0.0, 0.5, 3.0, -2.0):
                T = markov.driven_ring(n, affinity=A, p_stay=p_stay)
                p, q = T[0, 1], T[0, n - 1]
                assert math.isclose(p + q, 1 - p_stay, rel_tol=1e-15)
                assert math.isclose(n * math.log(p / q), A, abs_tol=1e-12)
                np.testing.assert_allclose(markov.stationary_distribution(T), 1 / n, rtol=1e-13)
                J = markov.probability_currents(T)
                for i in range(n):
                    assert math.isclose(J[i, (i + 1) % n], (p - q) / n, abs_tol=1e-15)
                sigma = markov.entropy_production(T)
                assert math.isclose(sigma, (p - q) * math.log(p / q), rel_tol=1e-12, abs_tol=1e-16)


def test_uniform_ring_textbook_numbers():
    # p = 0.8, q = 0.2 on 3 states: sigma = 0.6 log 4, independent of n
    for n in (3, 5, 8):
        T = markov.driven_ring(n, affinity=n * math.log(4.0))
        assert math.isclose(T[0, 1], 0.8, rel_tol=1e-14)
        assert math.isclose(markov.entropy_production(T), 0.6 * math.log(4.0), rel_tol=1e-13)


def test_entropy_production_matches_bruteforce_and_is_nonnegative():
    for _, T in _random_pairs("nonrev"):
        pi = markov.stationary_distribution(T)
        sigma = markov.entropy_production(T)
        assert sigma >= 0.0
        assert math.isclose(sigma, _ep_bruteforce(T, pi), rel_tol=1e-11)
        assert sigma > 1e-6  # non-reversible with probability 1


def test_entropy_production_of_reversible_chains_is_rounding_small_without_clamping():
    values = []
    for _, T in _random_pairs("rev"):
        sigma = markov.entropy_production(T)
        assert 0.0 <= sigma < 1e-12
        assert markov.is_reversible(T)
        values.append(sigma)
    # The code computes, it does not clamp: a random pi makes it clearly positive.
    T = markov.random_reversible_chain(5, seed=0)
    pi = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    assert markov.entropy_production(T, pi=pi) == pytest.approx(_ep_bruteforce(T, pi), rel=1e-12)
    assert markov.entropy_production(T, pi=pi) > 1e-3


def test_entropy_production_infinite_when_reverse_transition_missing():
    assert markov.entropy_production(markov.driven_ring(4, math.inf)) == math.inf
    assert markov.entropy_production(markov.driven_ring(4, -math.inf)) == math.inf
    T = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    assert markov.entropy_production(T) == math.inf
    # one single one-way pair among two-way pairs
    T = np.array([[0.2, 0.4, 0.4], [0.3, 0.7, 0.0], [0.5, 0.25, 0.25]])
    value = markov.entropy_production(T)
    assert value == math.inf and not math.isnan(value)
    assert not markov.is_reversible(T)


def test_is_reversible_uses_the_stated_tolerance():
    # every edge of a uniform driven ring has log(pi_i T_ij / pi_j T_ji) = A / n exactly
    A = 3e-6
    T = markov.driven_ring(3, affinity=A)
    assert markov.is_reversible(T, atol=2 * A / 3)
    assert not markov.is_reversible(T, atol=A / 6)
    assert not markov.is_reversible(T)  # default 1e-10 < A / 3


def test_is_reversible_on_random_chains():
    for _, T in _random_pairs("rev"):
        assert markov.is_reversible(T)
    for _, T in _random_pairs("nonrev"):
        assert not markov.is_reversible(T)


# ----------------------------------------------------------------------------------------
# Fundamental matrix, spectrum
# ----------------------------------------------------------------------------------------


def test_fundamental_matrix_identities_on_random_chains():
    for seed, T in _random_pairs("nonrev"):
        if seed % 5:
            continue
        n = T.shape[0]
        pi = markov.stationary_distribution(T)
        Z = markov.fundamental_matrix(T)
        one_pi = np.outer(np.ones(n), pi)
        np.testing.assert_allclose(Z @ (np.eye(n) - T + one_pi), np.eye(n), atol=1e-12)
        np.testing.assert_allclose(pi @ Z, pi, atol=1e-13)
        np.testing.assert_allclose(Z @ np.ones(n), np.ones(n), atol=1e-12)


def test_fundamental_matrix_gives_the_derivative_of_pi():
    # d pi = pi dT Z, checked by central finite differences
    T = markov.random_nonreversible_chain(5, seed=3)
    rng = np.random.default_rng(0)
    dT = rng.normal(size=T.shape)
    dT -= dT.mean(axis=1, keepdims=True)  # keep rows summing to 1
    h = 1e-6
    fd = (
        markov.stationary_distribution(T + h * dT) - markov.stationary_distribution(T - h * dT)
    ) / (2 * h)
    pi = markov.stationary_distribution(T)
    np.testing.assert_allclose(pi @ dT @ markov.fundamental_matrix(T), fd, atol=1e-8)


@pytest.mark.parametrize(("a", "b"), [(0.1, 0.3), (0.5, 0.2), (0.7, 0.6), (0.99, 0.9)])
def test_relaxation_time_two_states_analytic(a, b):
    T = [[1 - a, a], [b, 1 - b]]
    lam2 = 1 - a - b
    assert math.isclose(markov.second_eigenvalue_modulus(T), abs(lam2), rel_tol=1e-12)
    assert math.isclose(markov.relaxation_time(T), -1 / math.log(abs(lam2)), rel_tol=1e-12)
    assert math.isclose(markov.spectral_gap(T), 1 - abs(lam2), rel_tol=1e-12)


def test_relaxation_time_special_cases():
    assert markov.relaxation_time([[0.0, 1.0], [1.0, 0.0]]) == math.inf
    assert markov.relaxation_time(markov.driven_ring(4, 0.3)) == math.inf  # period 2
    assert markov.relaxation_time([[1.0, 0.0], [0.0, 1.0]]) == math.inf  # reducible
    assert markov.relaxation_time([[0.3, 0.7], [0.3, 0.7]]) == 0.0  # lambda_2 = 0
    assert markov.relaxation_time([[1.0]]) == 0.0


def test_relaxation_time_matches_decay_of_distance_to_pi():
    # symmetric ring: real eigenvalues 0.9 + 0.1 cos(2 pi k / 5), a clean exponential tail
    T = markov.driven_ring(5, affinity=0.0, p_stay=0.9)
    assert math.isclose(markov.second_eigenvalue_modulus(T), 0.9 + 0.1 * math.cos(0.4 * math.pi))
    tau = markov.relaxation_time(T)
    pi = markov.stationary_distribution(T)
    p = np.eye(5)[0]
    d = []
    for _ in range(200):
        p = p @ T
        d.append(np.abs(p - pi).sum())
    rate = -math.log(d[199] / d[149]) / 50
    assert math.isclose(rate, 1 / tau, rel_tol=1e-3)


# ----------------------------------------------------------------------------------------
# Lumping
# ----------------------------------------------------------------------------------------


def test_lump_hand_example():
    T = np.array([[0.0, 0.8, 0.2], [0.2, 0.0, 0.8], [0.8, 0.2, 0.0]])
    # pi uniform; block {0,1}: flux to itself (0.8 + 0.2)/3, to {2}: (0.2 + 0.8)/3
    np.testing.assert_allclose(markov.lump(T, [[0, 1], [2]]), [[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(markov.lump(T, [0, 0, 1]), [[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(markov.lump(T, [[2], [0, 1]]), [[0.0, 1.0], [0.5, 0.5]])
    np.testing.assert_allclose(markov.lump(T, [[0], [1], [2]]), T)


def test_lumping_never_increases_entropy_production():
    rng = np.random.default_rng(11)
    n_strict = 0
    for _, T in _random_pairs("nonrev"):
        n = T.shape[0]
        m = int(rng.integers(2, n + 1)) if n > 2 else 2
        labels = np.concatenate([np.arange(m), rng.integers(0, m, n - m)])
        rng.shuffle(labels)
        L = markov.lump(T, labels)
        pi = markov.stationary_distribution(T)
        pi_blocks = np.bincount(labels, weights=pi, minlength=m)
        np.testing.assert_allclose(L.sum(axis=1), 1.0, atol=1e-14)
        np.testing.assert_allclose(markov.stationary_distribution(L), pi_blocks, rtol=1e-10)
        fine, coarse = markov.entropy_production(T), markov.entropy_production(L)
        assert coarse <= fine + 1e-13
        n_strict += coarse < fine - 1e-6
    assert n_strict > N_RANDOM // 2  # the inequality is usually strict


def test_lump_of_reversible_chain_is_reversible():
    T = markov.random_reversible_chain(8, seed=4)
    L = markov.lump(T, [[0, 3, 5], [1, 2], [4, 6, 7]])
    assert markov.entropy_production(L) < 1e-12


@pytest.mark.parametrize(
    ("partition", "pattern"),
    [
        ([[0, 1], [1, 2]], "repeated"),
        ([[0, 1]], "missing"),
        ([[0, 1, 2, 3]], "out of range"),
        ([[0, 1], [], [2]], "empty"),
        ([0, 1], "labels"),
        ([[0, 1], 2], "list of blocks"),
    ],
)
def test_lump_bad_partition(partition, pattern):
    with pytest.raises(ValueError, match=pattern):
        markov.lump(markov.driven_ring(3, 1.0), partition)


# ----------------------------------------------------------------------------------------
# Example chains
# ----------------------------------------------------------------------------------------


def test_driven_ring_affinity_is_exact_and_limits():
    for A in (-5.0, 0.0, 1e-3, 2.5, 700.0):
        T = markov.driven_ring(6, affinity=A, p_stay=0.2)
        np.testing.assert_allclose(T.sum(axis=1), 1.0, atol=1e-15)
        assert math.isclose(markov.cycle_affinity(T, range(6)), A, rel_tol=1e-12, abs_tol=1e-12)
    T = markov.driven_ring(4, affinity=math.inf)
    assert T[0, 1] == 1.0 and T[1, 0] == 0.0
    assert markov.cycle_affinity(T, [0, 1, 2, 3]) == math.inf
    assert np.array_equal(markov.driven_ring(5, 0.0), markov.driven_ring(5, 0.0).T)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n": 2, "affinity": 1.0}, ">= 3"),
        ({"n": 3.0, "affinity": 1.0}, "integer"),
        ({"n": 3, "affinity": math.nan}, "nan"),
        ({"n": 3, "affinity": 1.0, "p_stay": 1.0}, "p_stay"),
        ({"n": 3, "affinity": 1.0, "p_stay": -0.1}, "p_stay"),
    ],
)
def test_driven_ring_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        markov.driven_ring(**kwargs)


@pytest.mark.parametrize(
    "make", [markov.random_reversible_chain, markov.random_nonreversible_chain]
)
def test_random_chains_are_seeded_stochastic_and_irreducible(make):
    A, B, C = make(6, seed=7), make(6, seed=7), make(6, seed=8)
    assert np.array_equal(A, B)
    assert not np.array_equal(A, C)
    assert np.array_equal(make(6, seed=np.random.default_rng(7)), A)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, atol=1e-15)
    sparse = make(12, seed=1, density=0.0)
    assert markov.is_irreducible(sparse)
    offdiag = (sparse > 0) & ~np.eye(12, dtype=bool)
    assert offdiag.sum() == 2 * 12  # just the Hamiltonian ring, both directions
    dense = make(12, seed=1, density=1.0)
    assert np.all(dense > 0)
    with pytest.raises(ValueError, match="density"):
        make(5, seed=0, density=1.5)
    with pytest.raises(ValueError, match="seed"):
        make(5, seed="abc")


# ----------------------------------------------------------------------------------------
# At scale: blocked GTH, graph searches without networkx (issue 12)
# ----------------------------------------------------------------------------------------


def _gth_textbook(T):
    """The textbook GTH loop, one state at a time (Stewart 2009, ch. 10): the reference."""
    A = np.array(T, dtype=np.float64)
    n = A.shape[0]
    for k in range(n - 1):
        A[k + 1 :, k] /= A[k, k + 1 :].sum()
        A[k + 1 :, k + 1 :] += np.outer(A[k + 1 :, k], A[k, k + 1 :])
    x = np.zeros(n)
    x[-1] = 1.0
    for k in range(n - 2, -1, -1):
        x[k] = x[k + 1 :] @ A[k + 1 :, k]
    return x / x.sum()


def _chain_of_kind(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "dense":
        W = rng.random((n, n))
    elif kind == "sparse":
        W = (rng.random((n, n)) < 3 / n) * rng.random((n, n))
        W[np.arange(n), (np.arange(n) + 1) % n] += 1.0  # a ring: irreducible
    else:  # "stiff": weights over ~25 decades
        W = np.exp(rng.normal(scale=8.0, size=(n, n)))
    return W / W.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["dense", "sparse", "stiff"])
@pytest.mark.parametrize("n", [2, 63, 64, 65, 129, 200])
def test_blocked_gth_equals_the_textbook_loop(kind, n):
    # sizes around the block size (64): one block, exactly one, one plus one state, ...
    T = _chain_of_kind(kind, n, seed=n)
    pi = markov.stationary_distribution(T)
    np.testing.assert_allclose(pi, _gth_textbook(T), rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", ["dense", "sparse", "stiff"])
def test_large_reversible_chain_against_the_exact_pi(kind):
    # T = W / rowsum(W) with W symmetric: pi is proportional to rowsum(W), exactly
    n = 300
    W = _chain_of_kind(kind, n, seed=1)
    W = W + W.T
    if kind == "stiff":  # and states whose weights span 13 decades
        a = np.exp(np.random.default_rng(2).permutation(np.linspace(-15, 15, n)))
        W = a[:, None] * W * a[None, :]
    T = W / W.sum(axis=1, keepdims=True)
    exact = W.sum(axis=1) / W.sum()
    pi = markov.stationary_distribution(T)
    np.testing.assert_allclose(pi, exact, rtol=1e-12, atol=0)  # relative, entry by entry
    if kind == "stiff":
        assert pi.max() / pi.min() > 1e10  # the relative accuracy covers tiny entries too


def test_large_chain_residual_is_rounding_sized():
    T = _chain_of_kind("dense", 1000, seed=0)
    pi = markov.stationary_distribution(T)
    assert np.max(np.abs(pi @ T - pi) / pi) < 1e-12
    assert abs(pi.sum() - 1.0) < 1e-14


def _networkx_classes(T):
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(range(len(T)))
    G.add_edges_from(zip(*np.nonzero(np.asarray(T) > 0), strict=True))
    C = nx.condensation(G)
    out = sorted(
        (sorted(int(s) for s in C.nodes[v]["members"]), C.out_degree(v) == 0) for v in C.nodes
    )
    return [m for m, _ in out], [m for m, closed in out if closed]


def _random_reducible(n, p, rng):
    W = (rng.random((n, n)) < p) * rng.random((n, n))
    W[W.sum(axis=1) == 0, 0] = 1.0  # every row needs mass
    W[0, 0] += float(W[0].sum() == 0)
    return W / W.sum(axis=1, keepdims=True)


def test_communication_classes_match_networkx():
    rng = np.random.default_rng(7)
    n_reducible = 0
    for trial in range(400):
        n = 1 + trial % 40
        T = _random_reducible(n, p=rng.uniform(0.02, 0.3), rng=rng)
        classes, closed = _networkx_classes(T)
        assert markov.communication_classes(T) == classes
        assert markov.closed_classes(T) == closed
        assert markov.is_irreducible(T) == (len(classes) == 1)
        closed_states = {s for c in closed for s in c}
        assert markov.transient_states(T) == [s for s in range(n) if s not in closed_states]
        n_reducible += len(classes) > 1
    assert 100 < n_reducible < 390  # both kinds well represented


def test_reducible_message_on_a_large_chain_names_the_classes():
    n = 300
    T = np.zeros((n, n))
    a, b = np.arange(0, 150), np.arange(150, 299)
    T[np.ix_(a, a)] = 1 / 150
    T[np.ix_(b, b)] = 1 / 149
    T[299, [0, 150]] = 0.5  # state 299 is transient
    with pytest.raises(ValueError, match="2 closed") as exc:
        markov.stationary_distribution(T)
    msg = str(exc.value)
    assert "{0, 1, 2," in msg and "148, 149}" in msg and "{150, 151," in msg
    assert "transient states: {299}" in msg
    P = markov.stationary_distributions(T)
    np.testing.assert_allclose(P[0, :150], 1 / 150, rtol=1e-13)
    np.testing.assert_allclose(P[1, 150:299], 1 / 149, rtol=1e-13)


@pytest.mark.parametrize("where", [0, 5, 9])
def test_one_closed_class_with_transient_states_is_called_reducible(where):
    # GTH alone would not break down here (it leaves zeros on the transient states): the
    # message must still say reducible, never "out of float64's range"
    T = markov.random_nonreversible_chain(10, seed=where)
    T[where] = 0.0
    T[where, (where + 1) % 10] = 1.0  # `where` leaves and is never entered
    T[:, where] = 0.0
    T[where, (where + 1) % 10] = 1.0
    T = T / T.sum(axis=1, keepdims=True)
    with pytest.raises(ValueError, match=rf"reducible.*transient states: \{{{where}\}}"):
        markov.stationary_distribution(T)
    with pytest.raises(ValueError, match="reducible"):
        markov.stationary_and_fundamental(T)


def test_period_of_long_rings():
    n = 300
    one_way = markov.driven_ring(n, affinity=math.inf)
    assert markov.period(one_way) == n
    T = one_way.copy()
    T[0, 0], T[0, 1] = 0.0, 0.5
    T[0, n // 2] = 0.5  # a shortcut: cycles of lengths n and n/2 + 1 (gcd 1 for n = 300)
    assert markov.period(T) == math.gcd(n, n - n // 2 + 1)
    T2 = one_way.copy()
    T2[0, 1], T2[0, 101] = 0.5, 0.5  # cycles of lengths 300 and 200: period 100
    assert markov.period(T2) == 100


def test_stationary_and_fundamental_agree_with_the_separate_functions():
    for n in (3, 10, 70):
        T = markov.random_nonreversible_chain(n, seed=n)
        pi, Z = markov.stationary_and_fundamental(T)
        np.testing.assert_array_equal(pi, markov.stationary_distribution(T))
        np.testing.assert_array_equal(Z, markov.fundamental_matrix(T))
        np.testing.assert_allclose(Z @ (np.eye(n) - T + pi[None, :]), np.eye(n), atol=1e-12)
        np.testing.assert_allclose(Z.sum(axis=1), 1.0, atol=1e-12)


def test_stationary_and_fundamental_refuses_reducible_chains_naming_the_classes():
    with pytest.raises(ValueError, match=r"closed classes: \{0\}, \{1\}"):
        markov.stationary_and_fundamental([[1.0, 0.0], [0.0, 1.0]])


def test_the_stationary_solver_does_not_import_networkx():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np; from nelc_edu import markov; "
        "T = markov.random_nonreversible_chain(50, seed=0); "
        "markov.stationary_distribution(T); markov.stationary_and_fundamental(T); "
        "markov.is_irreducible(T); markov.communication_classes(T); markov.period(T); "
        "print('networkx' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
