"""Notebook 07's room: exact training traces, against independent truths.

Brute-force enumeration with plain loops (no model method), the RMSprop update replayed by
hand, finite differences, closed forms (the RBM's exact latent marginal, the Poisson
equation of h), and the identity "the encoder's gradient climbs sum_z rho_z log pi_z".
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nelc_edu import markov
from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
from nelc_edu.exact_training import (
    ExactTrace,
    self_transition_ledger,
    snapshot,
    trace_parameters,
    train_exact,
)
from nelc_edu.finite_differences import finite_difference_gradient
from nelc_edu.models import OneHotRBM, TwoMatrixModel
from nelc_edu.training import RMSprop

X3, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, flip_prob=0.1, seed=0)


@pytest.fixture(scope="module")
def trace():
    return train_exact(TwoMatrixModel.random(3, 9, seed=1), X3, n_updates=60)


@pytest.fixture(scope="module")
def rbm_trace():
    return train_exact(OneHotRBM.random(3, 9, seed=1), X3, n_updates=40)


# ------------------------------------------------------------------ brute force, no model code
def _brute_force(W, c, U, b, X):
    """T, pi, rho, log-likelihood of a two-matrix model, with explicit loops over images."""
    K, N = W.shape
    images = np.array(list(itertools.product((0, 1), repeat=N)), dtype=float)

    def p_given(x, z):
        prob = 1.0
        for i in range(N):
            s = 1.0 / (1.0 + np.exp(-(U[i, z] + b[i])))
            prob *= s if x[i] else 1.0 - s
        return prob

    def q_given(x):
        a = W @ x + c
        e = np.exp(a - a.max())
        return e / e.sum()

    T = np.zeros((K, K))
    for x in images:
        q = q_given(x)
        for z in range(K):
            T[z] += p_given(x, z) * q
    # pi: the left eigenvector of eigenvalue 1, by the power method (independent of GTH)
    pi = np.full(K, 1.0 / K)
    for _ in range(20_000):
        pi = pi @ T
    pi /= pi.sum()
    joint = np.array([[pi[z] * p_given(x, z) for z in range(K)] for x in X])
    r = joint / joint.sum(axis=1, keepdims=True)
    return T, pi, r.mean(axis=0), float(np.mean(np.log(joint.sum(axis=1))))


def test_snapshot_matches_brute_force_enumeration():
    model = TwoMatrixModel.random(3, 6, scale=1.0, seed=4)
    X = X3[:20, :6]
    s = snapshot(model, X)
    T, pi, rho, ll = _brute_force(model.W, model.c, model.U, model.b, X)
    np.testing.assert_allclose(s.T, T, atol=1e-12)
    np.testing.assert_allclose(s.pi, pi, atol=1e-10)
    np.testing.assert_allclose(s.rho, rho, atol=1e-10)
    assert s.log_likelihood == pytest.approx(ll, abs=1e-10)
    assert s.kl == pytest.approx(float(np.sum(rho * np.log(rho / pi))), abs=1e-10)
    np.testing.assert_allclose(s.self_transition, np.diag(T), atol=1e-12)


def test_snapshot_h_solves_the_poisson_equation():
    s = snapshot(TwoMatrixModel.random(3, 6, scale=1.5, seed=2), X3[:25, :6])
    # (I - T) h = rho / pi - 1 and pi . h = 0 (theory section 5): h is fixed by these alone
    np.testing.assert_allclose((np.eye(3) - s.T) @ s.h, s.rho / s.pi - 1.0, atol=1e-12)
    assert abs(s.pi @ s.h) < 1e-14
    np.testing.assert_allclose(s.Z, np.linalg.inv(np.eye(3) - s.T + np.outer(np.ones(3), s.pi)),
                               atol=1e-12)


def test_snapshot_currents_and_sigma_by_their_definitions():
    s = snapshot(TwoMatrixModel.random(3, 6, scale=1.5, seed=2), X3[:25, :6])
    F = s.pi[:, None] * s.T
    np.testing.assert_allclose(s.currents, F - F.T, atol=1e-15)
    sigma = sum((F[i, j] - F[j, i]) * np.log(F[i, j] / F[j, i])
                for i in range(3) for j in range(i + 1, 3))
    assert s.sigma == pytest.approx(sigma, rel=1e-10)


# ------------------------------------------------------------------ the recorded trace
def test_recorded_sigma_equals_markov_entropy_production_of_recorded_T(trace):
    for t in range(len(trace)):
        assert trace.sigma[t] == pytest.approx(
            markov.entropy_production(trace.T[t], markov.stationary_distribution(trace.T[t])),
            rel=1e-9, abs=1e-15)


def test_recorded_states_are_snapshots_of_recorded_parameters(trace):
    for t in (0, 17, len(trace) - 1):
        fresh = snapshot(trace.model_at(t), X3)
        rec = trace.snapshot(t)
        for name in ("T", "pi", "rho", "h", "currents", "self_transition"):
            np.testing.assert_allclose(getattr(rec, name), getattr(fresh, name), atol=1e-13)
        assert rec.log_likelihood == pytest.approx(fresh.log_likelihood, abs=1e-13)


def test_recorded_path_is_rmsprop_on_the_exact_gradient_replayed_by_hand(trace):
    model = TwoMatrixModel(**trace.params[0])
    opt = RMSprop(model.params(), learning_rate=0.05)
    for t in range(1, len(trace)):
        opt.step_numpy(model.gradient(X3, method="exact"))
        for name, value in model.params().items():
            np.testing.assert_allclose(value, trace.params[t][name], rtol=0, atol=1e-11,
                                       err_msg=f"{name} at update {t}")


def test_trace_gradient_equals_finite_differences_at_one_step(trace):
    i = 30
    g = trace.gradient(i)
    for name in ("W", "c", "U", "b"):
        fd = finite_difference_gradient(trace.model_at(i), X3, name, eps=1e-5)
        assert np.linalg.norm(g[name] - fd) <= 1e-6 * max(np.linalg.norm(g[name]), 1e-3), name


def test_encoder_gradient_climbs_sum_rho_log_pi_with_rho_held_fixed(trace):
    """dL/d(encoder) = d/d(encoder) sum_z rho_z log pi_z(theta), rho frozen (theory section 5)."""
    model = trace.model_at(25)
    rho = trace.rho[25]
    g = model.gradient(X3, method="exact")
    eps = 1e-6
    for name, idx in (("c", (0,)), ("c", (2,)), ("W", (1, 4)), ("W", (2, 0))):
        up, down = model.copy(), model.copy()
        up.params()[name][idx] += eps
        down.params()[name][idx] -= eps
        fd = (rho @ np.log(up.stationary_distribution("exact"))
              - rho @ np.log(down.stationary_distribution("exact"))) / (2 * eps)
        assert fd == pytest.approx(g[name][idx], abs=1e-8)


def test_rbm_trace_is_reversible_and_its_pi_is_the_closed_form_marginal(rbm_trace):
    assert rbm_trace.kind == "rbm_exact"
    assert rbm_trace.sigma.max() < 1e-12
    assert np.abs(rbm_trace.currents).max() < 1e-14
    for t in (0, 20, len(rbm_trace) - 1):
        np.testing.assert_allclose(rbm_trace.pi[t], rbm_trace.model_at(t).latent_marginal(),
                                   atol=1e-12)
    assert rbm_trace.encoder_self_change is None


def test_untied_training_makes_sigma_rise_from_near_zero(trace):
    assert trace.sigma[0] < 1e-6
    assert trace.sigma[-1] > 1e3 * trace.sigma[0]
    assert trace.log_likelihood[-1] > trace.log_likelihood[0] + 1.0


# ------------------------------------------------------------------ the ledger
def test_encoder_and_decoder_halves_are_what_they_say(trace):
    t = 40
    old, new = trace.params[t], trace.params[t + 1]
    enc_model = TwoMatrixModel(new["W"], new["c"], old["U"], old["b"])
    dec_model = TwoMatrixModel(old["W"], old["c"], new["U"], new["b"])
    np.testing.assert_allclose(trace.encoder_self_change[t],
                               enc_model.self_transition("exact") - trace.self_transition[t],
                               atol=1e-14)
    np.testing.assert_allclose(trace.decoder_self_change[t],
                               dec_model.self_transition("exact") - trace.self_transition[t],
                               atol=1e-14)


def test_ledger_adds_up(trace):
    led = self_transition_ledger(trace)
    n = len(trace) - 1
    assert led.steps.tolist() == list(range(1, n + 1))
    np.testing.assert_allclose(led.crowded + led.sparse, led.encoder, atol=1e-14)
    np.testing.assert_allclose(led.encoder + led.decoder + led.interaction, led.total,
                               atol=1e-14)
    np.testing.assert_allclose(led.total[-1],
                               trace.mean_self_transition[-1] - trace.mean_self_transition[0],
                               atol=1e-14)
    # by hand: the states crowded at step t, their encoder changes summed over the run
    crowded = sum(trace.encoder_self_change[t, k] for t in range(n) for k in range(3)
                  if trace.pi[t, k] > trace.rho[t, k]) / 3
    assert led.crowded[-1] == pytest.approx(crowded, abs=1e-13)


def test_ledger_self_shares_by_hand(trace):
    led = self_transition_ledger(trace)
    own = {True: 0.0, False: 0.0}
    inflow = {True: 0.0, False: 0.0}
    for t in range(len(trace) - 1):
        dT = trace.encoder_T_change[t]
        np.testing.assert_allclose(dT.sum(axis=1), 0.0, atol=1e-13)   # rows still sum to 1
        for k in range(3):
            crowded = bool(trace.pi[t, k] > trace.rho[t, k])
            own[crowded] += trace.pi[t, k] * dT[k, k]
            inflow[crowded] += sum(trace.pi[t, z] * dT[z, k] for z in range(3))
    assert inflow[True] < 0 < inflow[False]          # crowded states lose inflow, sparse gain
    assert led.crowded_self_share == pytest.approx(own[True] / inflow[True], rel=1e-10)
    assert led.sparse_self_share == pytest.approx(own[False] / inflow[False], rel=1e-10)


def test_ledger_refuses_a_tied_trace(rbm_trace):
    with pytest.raises(ValueError, match="tied model"):
        self_transition_ledger(rbm_trace)
    with pytest.raises(ValueError, match="ExactTrace"):
        self_transition_ledger({"T": 1})


# ------------------------------------------------------------------ any path, bad input
def test_trace_parameters_of_a_handwritten_plain_ascent():
    model = TwoMatrixModel.random(3, 9, seed=1)
    path = [{k: v.copy() for k, v in model.params().items()}]
    for _ in range(5):
        g = model.gradient(X3, method="exact")
        for name, value in model.params().items():
            value += 0.5 * g[name]
        path.append({k: v.copy() for k, v in model.params().items()})
    tr = trace_parameters(model, X3, path, label="plain")
    assert isinstance(tr, ExactTrace) and tr.label == "plain" and tr.kind == "two_matrix"
    assert tr.steps.tolist() == list(range(6))
    np.testing.assert_array_equal(tr.model.W, model.W)
    assert np.all(np.diff(tr.log_likelihood) > 0)


@pytest.mark.parametrize("params, match", [
    ([], "non-empty list"),
    ({"W": 1}, "non-empty list"),
    ([{"W": np.zeros((3, 9))}], "keys"),
    ([{"W": np.zeros((3, 8)), "c": np.zeros(3), "U": np.zeros((9, 3)), "b": np.zeros(9)}],
     "shape"),
    ([{"W": np.full((3, 9), np.nan), "c": np.zeros(3), "U": np.zeros((9, 3)),
       "b": np.zeros(9)}], "finite"),
])
def test_trace_parameters_refuses_bad_paths(params, match):
    with pytest.raises(ValueError, match=match):
        trace_parameters(TwoMatrixModel.random(3, 9, seed=0), X3, params)


def test_bad_input_gets_clear_errors(trace):
    with pytest.raises(ValueError, match="N <= 20"):
        snapshot(TwoMatrixModel.random(2, 21, seed=0), np.zeros((2, 21), dtype=np.uint8))
    with pytest.raises(ValueError, match="X"):
        snapshot(TwoMatrixModel.random(3, 9, seed=0), X3[:, :5])
    with pytest.raises(ValueError, match="n_updates"):
        train_exact(TwoMatrixModel.random(3, 9, seed=0), X3, n_updates=0)
    with pytest.raises(ValueError, match="steps"):
        trace_parameters(TwoMatrixModel.random(3, 9, seed=0), X3, trace.params[:2], steps=[0])
    with pytest.raises(ValueError, match="state index"):
        trace.model_at(len(trace))
