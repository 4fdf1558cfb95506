"""Numbers that are not what they seem (issue 13, section 3): each case reproduced.

Every bad input gets a ValueError that names the parameter; nothing is silently coerced
and nothing comes back as NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nelc_edu import markov
from nelc_edu._rng import as_generator
from nelc_edu._validation import (
    FLOAT32_ATOL,
    MAX_ABS_PARAM,
    as_float_array,
    check_state_list,
    check_stochastic_matrix,
    check_tolerance,
)
from nelc_edu.models import BinaryRBM, OneHotRBM, TwoMatrixModel

RING = markov.driven_ring(3, affinity=1.0)
REV = markov.random_reversible_chain(6, seed=0)

# ----------------------------------------------------------------------------------------
# Tolerances: one helper, every tolerance of markov
# ----------------------------------------------------------------------------------------

TOLERANCE_CALLS = [
    ("stationary_distribution", lambda a: markov.stationary_distribution(RING, atol=a)),
    ("stationary_distributions", lambda a: markov.stationary_distributions(RING, atol=a)),
    ("stationary_and_fundamental", lambda a: markov.stationary_and_fundamental(RING, atol=a)),
    ("is_reversible", lambda a: markov.is_reversible(RING, atol=a)),
    ("kolmogorov_check", lambda a: markov.kolmogorov_check(RING, atol=a)),
    ("is_reversible_kolmogorov", lambda a: markov.is_reversible_kolmogorov(RING, atol=a)),
    ("net_current_graph", lambda a: markov.net_current_graph(RING, threshold=a)),
    ("dominant_cycle", lambda a: markov.dominant_cycle(RING, threshold=a)),
]


@pytest.mark.parametrize(("name", "call"), TOLERANCE_CALLS, ids=[c[0] for c in TOLERANCE_CALLS])
@pytest.mark.parametrize("bad", [math.nan, -1.0, "x", math.inf, True, [1e-9], np.array(1e-9)])
def test_bad_tolerances_are_refused_naming_the_parameter(name, call, bad):
    param = "threshold" if "current" in name or "dominant" in name else "atol"
    with pytest.raises(ValueError, match=rf"{param} must be a finite number >= 0"):
        call(bad)


@pytest.mark.parametrize(("name", "call"), TOLERANCE_CALLS, ids=[c[0] for c in TOLERANCE_CALLS])
def test_none_tolerance_is_the_default(name, call):
    default = call(None)
    explicit = call(0.0 if "current" in name or "dominant" in name else None)
    if isinstance(default, tuple):
        default, explicit = default[0], explicit[0]
    if isinstance(default, np.ndarray):
        np.testing.assert_array_equal(default, explicit)
    elif name == "kolmogorov_check":
        assert default.atol == 1e-10 and not default.reversible
    elif name == "net_current_graph":
        assert sorted(default.edges) == [(0, 1), (1, 2), (2, 0)]
    else:
        assert default == explicit


def test_nan_tolerance_no_longer_skips_validation():
    not_stochastic = [[0.5, 0.6], [0.5, 0.5]]
    with pytest.raises(ValueError, match="atol"):
        markov.stationary_distribution(not_stochastic, atol=math.nan)
    with pytest.raises(ValueError, match="row-stochastic"):
        markov.stationary_distribution(not_stochastic)


def test_check_tolerance_unit():
    assert check_tolerance(None, "atol", 1e-9) == 1e-9
    assert check_tolerance(0, "atol", 1e-9) == 0.0
    assert check_tolerance(np.float32(1e-3), "atol", 1e-9) == pytest.approx(1e-3)
    assert check_tolerance(None, "atol", 1e-9, data=np.zeros(2, np.float32)) == FLOAT32_ATOL
    assert check_tolerance(None, "atol", 1e-9, data=np.zeros(2)) == 1e-9
    with pytest.raises(ValueError, match="default 1e-09"):
        check_tolerance(-0.5, "atol", 1e-9)


# ----------------------------------------------------------------------------------------
# Subnormal and extreme probabilities: a positive pi or a ValueError, never NaN
# ----------------------------------------------------------------------------------------


def _birth_death(n: int, up: float, down: float) -> np.ndarray:
    T = np.zeros((n, n))
    i = np.arange(n - 1)
    T[i, i + 1] = up
    T[i + 1, i] = down
    T[np.arange(n), np.arange(n)] = 1.0 - T.sum(axis=1)
    return T


def test_subnormal_entry_gives_a_clear_error_not_nan():
    T = [[1.0, 1e-320], [0.5, 0.5]]  # exact pi = [1, 2e-320] / (1 + 2e-320)
    for f in (
        markov.stationary_distribution,
        markov.probability_currents,
        markov.entropy_production,
        markov.fundamental_matrix,
        markov.stationary_and_fundamental,
        markov.is_reversible,
        lambda T: markov.simulate(T, 3, seed=0),
    ):
        with pytest.raises(ValueError, match="float64"):
            f(T)


@pytest.mark.parametrize(
    "T",
    [
        [[0.5, 0.5], [1e-320, 1.0]],  # pi_0 = 2e-320 / (1 + 2e-320): subnormal but positive
        [[1 - 1e-300, 1e-300], [0.5, 0.5]],
        _birth_death(12, 1e-25, 0.5),  # pi spans 1e-300: still representable
    ],
)
def test_extreme_but_representable_chains_give_positive_pi(T):
    pi = markov.stationary_distribution(T)
    assert np.all(pi > 0) and np.all(np.isfinite(pi))
    assert abs(pi.sum() - 1.0) < 1e-15


def test_extreme_birth_death_chain_has_the_exact_geometric_pi():
    # detailed balance: pi_{i+1} / pi_i = up / down exactly
    up, down = 1e-25, 0.5
    pi = markov.stationary_distribution(_birth_death(12, up, down))
    np.testing.assert_allclose(pi[1:] / pi[:-1], up / down, rtol=1e-13)


def test_stationary_probabilities_beyond_float64_are_refused():
    T = _birth_death(20, 1e-25, 0.5)  # pi_19 / pi_0 = 2e-480: below float64
    with pytest.raises(ValueError, match="float64") as exc:
        markov.stationary_distribution(T)
    assert "T is reducible" not in str(exc.value)  # the chain is irreducible
    assert markov.is_irreducible(T)


# ----------------------------------------------------------------------------------------
# Complex numbers, strings, sparse and masked input
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda T: markov.stationary_distribution(T),
        lambda T: markov.is_reversible(T),
        lambda T: markov.kolmogorov_check(T),
        lambda T: markov.entropy_production(T),
        lambda T: markov.lump(T, [[0], [1, 2]]),
        lambda T: markov.simulate(T, 3, x0=0, seed=0),
    ],
)
def test_complex_matrix_is_refused(call):
    with pytest.raises(ValueError, match="complex"):
        call(RING + 0j)
    with pytest.raises(ValueError, match="complex"):
        call(RING.tolist()[:2] + [[0.8, 0.2j, 0.0]])


def test_complex_pi_is_refused():
    with pytest.raises(ValueError, match="pi has complex"):
        markov.entropy_production(RING, pi=np.full(3, 1 / 3) + 0j)


@pytest.mark.parametrize(
    "make",
    [
        lambda z: TwoMatrixModel(np.zeros((2, 3)) + z, np.zeros(2), np.zeros((3, 2)), np.zeros(3)),
        lambda z: TwoMatrixModel(np.zeros((2, 3)), np.zeros(2), np.zeros((3, 2)) + z, np.zeros(3)),
        lambda z: OneHotRBM(np.zeros((2, 3)), np.zeros(2) + z, np.zeros(3)),
        lambda z: BinaryRBM(np.zeros((2, 3)), np.zeros(2), np.zeros(3) + z),
    ],
)
def test_model_constructors_refuse_complex(make):
    make(0.0)  # fine when real
    with pytest.raises(ValueError, match="complex"):
        make(1j)
    with pytest.raises(ValueError, match="complex"):
        make(0j)  # even a zero imaginary part: nothing is silently cast


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (["0.5", "0.5"], "dtype <U3"),
        ([[1, None]], "real numbers; it contains None"),
        ([0.5, "0.5"], "dtype <U32"),
        (np.array([0.5, "x"], dtype=object), "'x'"),
        (np.array([0.5, 1j], dtype=object), "1j"),
        ([[0.5, 0.5], [1.0]], "cannot turn"),
    ],
)
def test_non_numbers_are_refused(value, pattern):
    with pytest.raises(ValueError, match=pattern):
        as_float_array(value, "x")


def test_object_arrays_of_real_numbers_are_read():
    from fractions import Fraction

    out = as_float_array(np.array([Fraction(1, 2), 0.25, 1], dtype=object), "x")
    assert out.dtype == np.float64 and out.tolist() == [0.5, 0.25, 1.0]


def test_scipy_sparse_is_refused_with_the_fix():
    sparse = pytest.importorskip("scipy.sparse")
    for make in (sparse.csr_matrix, sparse.csr_array, sparse.coo_matrix):
        with pytest.raises(ValueError, match=r"scipy\.sparse.*T\.toarray\(\)"):
            markov.stationary_distribution(make(RING))
    # the advice works
    np.testing.assert_allclose(
        markov.stationary_distribution(sparse.csr_matrix(RING).toarray()), 1 / 3
    )


def test_masked_entries_are_refused_not_read_under_the_mask():
    T = np.ma.masked_array(RING, mask=np.eye(3, dtype=bool))
    with pytest.raises(ValueError, match="masked"):
        markov.stationary_distribution(T)
    unmasked = np.ma.masked_array(RING)  # no masked entry: fine
    np.testing.assert_allclose(markov.stationary_distribution(unmasked), 1 / 3)


# ----------------------------------------------------------------------------------------
# float32
# ----------------------------------------------------------------------------------------


def _float32_normalised(T):
    T32 = np.asarray(T, dtype=np.float32)
    return T32 / T32.sum(axis=1, keepdims=True)


def test_float32_matrices_are_accepted_with_a_float32_tolerance():
    T = markov.random_nonreversible_chain(40, seed=2)
    T32 = _float32_normalised(T)
    assert np.max(np.abs(T32.astype(np.float64).sum(axis=1) - 1)) > 1e-9  # float32 rounding
    pi32 = markov.stationary_distribution(T32)
    assert pi32.dtype == np.float64
    np.testing.assert_allclose(pi32, markov.stationary_distribution(T), rtol=1e-5)
    # the stated tolerance: 1e-5 for float32, and still checked
    T_bad = T32.copy()
    T_bad[0, 0] += np.float32(1e-3)
    with pytest.raises(ValueError, match="atol = 1e-05"):
        markov.stationary_distribution(T_bad)


def test_float32_reversibility_uses_the_float32_tolerance():
    T32 = _float32_normalised(markov.random_reversible_chain(30, seed=1))
    assert markov.is_reversible(T32)
    assert markov.kolmogorov_check(T32).reversible
    assert markov.kolmogorov_check(T32).atol == FLOAT32_ATOL
    assert not markov.is_reversible(_float32_normalised(markov.driven_ring(5, affinity=0.1)))


def test_the_row_sum_hint_actually_fixes_the_matrix():
    T = markov.random_nonreversible_chain(30, seed=3).astype(np.float16)  # rows off by ~1e-3
    with pytest.raises(ValueError, match="normalise in float64") as exc:
        markov.stationary_distribution(T)
    assert "T = np.asarray(T, dtype=float); T = T / T.sum(axis=1, keepdims=True)" in str(
        exc.value
    )
    T = np.asarray(T, dtype=float)
    T = T / T.sum(axis=1, keepdims=True)
    assert markov.stationary_distribution(T).shape == (30,)


def test_float32_row_sums_are_checked_in_check_stochastic_matrix():
    T32 = _float32_normalised(REV)
    assert check_stochastic_matrix(T32).dtype == np.float64
    with pytest.raises(ValueError, match="atol = 1e-09"):
        check_stochastic_matrix(T32.astype(np.float64) * (1 + 1e-6))


# ----------------------------------------------------------------------------------------
# One reversibility rule: is_reversible and kolmogorov_check agree
# ----------------------------------------------------------------------------------------


def _both(T):
    return markov.is_reversible(T), markov.kolmogorov_check(T).reversible


def test_driven_cycle_with_rare_transitions_is_irreversible_for_both():
    T = markov.driven_ring(3, affinity=3.0, p_stay=1 - 2e-11)
    assert np.max(np.abs(markov.probability_currents(T))) < 1e-11  # tiny currents
    assert _both(T) == (False, False)


def test_symmetric_cycle_with_rare_transitions_is_reversible_for_both():
    T = markov.driven_ring(3, affinity=0.0, p_stay=1 - 2e-11)
    assert _both(T) == (True, True)


def test_large_chain_perturbed_by_1e_6_is_irreversible_for_both():
    T = markov.random_reversible_chain(500, seed=0)
    assert _both(T) == (True, True)
    P = T * (1 + 1e-6 * np.random.default_rng(1).random(T.shape))  # relative perturbation
    P /= P.sum(axis=1, keepdims=True)
    assert np.max(np.abs(markov.probability_currents(P))) < 1e-10  # the old test said True
    assert _both(P) == (False, False)


def test_passing_is_reversible_implies_passing_kolmogorov():
    # a cycle's affinity is the sum of its edges' log-ratios, so |A| / len <= max |edge|
    rng = np.random.default_rng(4)
    n_checked = 0
    for seed in range(40):
        base = markov.random_reversible_chain(3 + seed % 6, seed=seed, density=0.6)
        for eps in (1e-13, 1e-11, 1e-9):
            P = base * np.exp(eps * rng.normal(size=base.shape))
            P /= P.sum(axis=1, keepdims=True)
            if markov.is_reversible(P, atol=1e-10):
                n_checked += 1
                assert markov.kolmogorov_check(P, atol=1e-10).reversible
    assert n_checked > 40


# ----------------------------------------------------------------------------------------
# State lists: integers only
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cycle",
    [[0.9, 1.9, 2.9], [0.0, 1.0, 2.0], np.array([0.0, 1.0, 2.0]), [True, False], [0, True, 2]],
)
def test_cycle_affinity_refuses_non_integer_states(cycle):
    with pytest.raises(ValueError, match="integer states"):
        markov.cycle_affinity(RING, cycle)


def test_cycle_affinity_accepts_integer_sequences():
    expected = markov.cycle_affinity(RING, [0, 1, 2])
    for cycle in ((0, 1, 2), range(3), np.array([0, 1, 2]), [np.int32(0), 1, np.uint8(2)]):
        assert markov.cycle_affinity(RING, cycle) == expected


@pytest.mark.parametrize(
    ("partition", "pattern"),
    [
        ("abc", "partition must be a list of blocks"),
        (b"ab", "partition must be a list of blocks"),
        ({0: [0]}, "partition must be a list of blocks"),
        ([0.0, 0.0, 1.0], "labels must be 3 integers"),
        ([True, True, False], "labels must be 3 integers"),
        ([0, True, 1], "labels must be 3 integers"),
        (np.array([0.0, 0.0, 1.0]), "labels must be 3 integers"),
        ([[0.0, 1.0], [2.0]], "partition block 0 must hold integer states"),
        ([[0, True], [2]], "partition block 0 must hold integer states"),
    ],
)
def test_lump_refuses_unclear_partitions(partition, pattern):
    with pytest.raises(ValueError, match=pattern):
        markov.lump(RING, partition)


def test_lump_accepts_sets_as_blocks():
    np.testing.assert_allclose(markov.lump(RING, [{1, 0}, {2}]), markov.lump(RING, [[0, 1], [2]]))


@pytest.mark.parametrize("x0", [1.0, [0, True], np.array([0.0, 1.0]), True, "0"])
def test_simulate_refuses_non_integer_start_states(x0):
    with pytest.raises(ValueError, match="x0"):
        markov.simulate(RING, 3, x0=x0, seed=0, n_chains=2)


def test_simulate_accepts_integer_start_states():
    a = markov.simulate(RING, 5, x0=np.int64(1), seed=0, n_chains=2)
    b = markov.simulate(RING, 5, x0=[1, 1], seed=0, n_chains=2)
    c = markov.simulate(RING, 5, x0=np.array(1), seed=0, n_chains=2)
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_trajectory_with_bools_is_refused():
    with pytest.raises(ValueError, match="True/False"):
        markov.estimate_currents([0, True, 2, 0], 3)


def test_check_state_list_unit():
    assert check_state_list(range(3), 3, "s") == [0, 1, 2]
    with pytest.raises(ValueError, match="out of range 0..2"):
        check_state_list([0, 3], 3, "s")
    with pytest.raises(ValueError, match="list of integer states"):
        check_state_list({0, 1}, 3, "s")


# ----------------------------------------------------------------------------------------
# Model parameters: huge or NaN weights
# ----------------------------------------------------------------------------------------

X4 = np.eye(4, dtype=np.uint8)


@pytest.mark.parametrize(
    "make",
    [
        lambda W: TwoMatrixModel(W, np.zeros(3), np.zeros((4, 3)), np.zeros(4)),
        lambda W: OneHotRBM(W, np.zeros(3), np.zeros(4)),
        lambda W: BinaryRBM(W, np.zeros(3), np.zeros(4)),
    ],
)
def test_constructors_refuse_weights_near_float64_max(make):
    W = np.full((3, 4), 1e308)
    with pytest.raises(ValueError, match=r"W.*magnitude 1e\+308"):
        make(W)
    make(np.full((3, 4), MAX_ABS_PARAM))  # the stated bound itself is fine


def _corrupt(model, value, name="W"):
    model.params()[name].flat[0] = value
    return model


@pytest.mark.parametrize("value", [1e308, -1e300, np.nan, np.inf])
@pytest.mark.parametrize(
    "call",
    [
        lambda v: _corrupt(TwoMatrixModel.random(3, 4, seed=0), v).log_likelihood(X4),
        lambda v: _corrupt(TwoMatrixModel.random(3, 4, seed=0), v, "U").log_likelihood(X4),
        lambda v: _corrupt(TwoMatrixModel.random(3, 4, seed=0), v).latent_transition_matrix(),
        lambda v: _corrupt(TwoMatrixModel.random(3, 4, seed=0), v, "b").sample(2, 2, seed=0),
        lambda v: _corrupt(TwoMatrixModel.random(3, 4, seed=0), v, "c").gradient(X4),
        lambda v: _corrupt(OneHotRBM.random(3, 4, seed=0), v).log_likelihood(X4),
        lambda v: _corrupt(OneHotRBM.random(3, 4, seed=0), v).latent_marginal(),
        lambda v: _corrupt(OneHotRBM.random(3, 4, seed=0), v).stationary_distribution(),
        lambda v: _corrupt(BinaryRBM.random(3, 4, seed=0), v).gibbs(3, 2, seed=0),
        lambda v: _corrupt(BinaryRBM.random(3, 4, seed=0), v).gibbs(
            3, 2, seed=0, backend="numpy"
        ),
        lambda v: _corrupt(BinaryRBM.random(3, 4, seed=0), v).log_likelihood(X4),
    ],
)
def test_corrupted_live_parameters_are_named_not_propagated(call, value):
    with pytest.raises(ValueError, match=r"the model's [WUbc] (contains NaN|has an entry)"):
        call(value)


def test_large_but_finite_weights_blame_underflow_not_just_reducibility():
    model = TwoMatrixModel.random(3, 4, scale=1e5, seed=0)  # T has exact zeros
    with pytest.raises(ValueError, match="underflow") as exc:
        model.log_likelihood(X4)
    assert "reducible" in str(exc.value)  # and it says what the chain looks like


# ----------------------------------------------------------------------------------------
# Seeds
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda s: as_generator(s),
        lambda s: markov.simulate(RING, 3, seed=s),
        lambda s: markov.random_reversible_chain(4, seed=s),
        lambda s: TwoMatrixModel.random(2, 3, seed=s),
        lambda s: BinaryRBM.random(2, 3, seed=s).gibbs(2, 1, seed=s),
    ],
)
def test_negative_seed_is_refused_naming_seed(call):
    with pytest.raises(ValueError, match=r"seed must be an integer >= 0.*got -1"):
        call(-1)
    with pytest.raises(ValueError, match="seed"):
        call(np.int64(-5))
    call(0)  # zero is a valid seed


# ----------------------------------------------------------------------------------------
# Unclear messages
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        markov.estimate_entropy_production,
        markov.estimate_entropy_production_observed,
        markov.estimate_currents,
        markov.empirical_transition_counts,
    ],
)
@pytest.mark.parametrize("traj", [[], np.array([], dtype=np.int64), [[]]])
def test_empty_trajectory_says_empty(call, traj):
    with pytest.raises(ValueError, match="traj is empty"):
        call(traj, 3)


def test_kolmogorov_check_atol_none_is_the_default():
    assert markov.kolmogorov_check(REV, atol=None).reversible
    assert markov.kolmogorov_check(REV, atol=None).atol == markov.kolmogorov_check(REV).atol


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: markov.random_reversible_chain(5, seed=0, density="x"), "density must be"),
        (lambda: markov.random_nonreversible_chain(5, seed=0, density=True), "density must be"),
        (lambda: markov.random_nonreversible_chain(5, seed=0, density=math.nan), "density"),
        (lambda: markov.driven_ring(3, affinity=True), "affinity must be a real number"),
        (lambda: markov.driven_ring(3, affinity=1j), "affinity must be a real number"),
        (lambda: markov.driven_ring(3, 1.0, p_stay="0.1"), "p_stay must be a real number"),
        (
            lambda: TwoMatrixModel.random(3, 4, seed=0).sample(2, 3, z0=[0, True], seed=0),
            "z0 must hold integer states",
        ),
        (
            lambda: TwoMatrixModel.random(3, 4, seed=0).sample(2, 3, z0=[0.0, 1.0], seed=0),
            "z0 must hold integer states",
        ),
    ],
)
def test_siblings_numbers_and_states_of_the_example_chains_and_models(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
