"""Self-checks of the notebooks' exercises (``nelc_edu.checks``).

For every checker: a right answer, computed here independently of the checker, is accepted;
a wrong one is refused with a hint; and the hint does not give the answer away. Each block
of this file belongs to the notebooks it names.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nelc_edu import checks
from nelc_edu.checks import notebook_08


def _feedback(capsys, number, answer):
    ok = checks.check(number, answer)
    return ok, capsys.readouterr().out


def _no_number_of(values, text: str) -> None:
    """None of ``values``, printed the usual ways, appears in ``text``."""
    for v in np.ravel(values):
        for fmt in ("{:.2f}", "{:.3f}", "{:.4f}", "{:.2e}", "{:.3g}", "{}"):
            s = fmt.format(float(v)) if fmt != "{}" else str(v)
            if s.strip("0.-") and len(s.strip("0.-")) > 1:
                assert s not in text, f"the hint reveals {s}: {text}"


# ======================================================================================
# notebook 05: breaking detailed balance (exercises 5.1 to 5.4)
# ======================================================================================

def _nb05_tied():
    from nelc_edu.untying import prototype_model

    return prototype_model(0.0)


def _nb05_changed(model, name, index, delta):
    from nelc_edu.models import TwoMatrixModel

    params = {k: v.copy() for k, v in model.params().items()}
    params[name][index] += delta
    return TwoMatrixModel(params["W"], params["c"], params["U"], params["b"])


def _nb05_answer_5_1():
    tied = _nb05_tied()
    return {"c": _nb05_changed(tied, "c", 0, 1.0).entropy_production("exact"),
            "b": _nb05_changed(tied, "b", slice(None), 1.0).entropy_production("exact"),
            "U": _nb05_changed(tied, "U", (4, 0), 1.0).entropy_production("exact")}


def test_nb05_exercises_have_checkers():
    assert {"5.1", "5.2", "5.3", "5.4"} <= set(checks.exercises())


def test_nb05_5_1_accepts_the_right_answer_and_explains_a_wrong_one(capsys):
    right = _nb05_answer_5_1()
    assert right["U"] > 1e-6                         # the one change that breaks it
    ok, out = _feedback(capsys, "5.1", right)
    assert ok and out.startswith("Right")
    # changing W as well as U (not tied, another sigma): refused, the hint names U[4, 0]
    wrong_U = _nb05_changed(_nb05_changed(_nb05_tied(), "U", (4, 0), 1.0), "W", (0, 4), 1.0)
    wrong = dict(right, U=wrong_U.entropy_production("exact"))
    ok, out = _feedback(capsys, "5.1", wrong)
    assert not ok and "U[4, 0]" in out
    _no_number_of(right["U"], out)
    # a change of c measured on an untied model: refused, hint about c
    ok, out = _feedback(capsys, "5.1", dict(right, c=right["U"]))
    assert not ok and "encoder bias c" in out
    _no_number_of(right["U"], out)
    # the measured model was still tied: U's sigma at rounding level
    ok, out = _feedback(capsys, "5.1", dict(right, U=0.0))
    assert not ok and "modified U" in out


def test_nb05_5_1_wrong_shapes_get_a_message(capsys):
    ok, out = _feedback(capsys, "5.1", [0.0, 0.0, 1.0])
    assert not ok and '"c", "b" and "U"' in out
    ok, out = _feedback(capsys, "5.1", {"c": 0.0, "b": 0.0, "U": np.ones(3)})
    assert not ok and "could not be read" in out


def test_nb05_5_2_affinity_of_the_clock(capsys):
    from nelc_edu.untying import prototype_model

    T = prototype_model(1.0, decoder="shifted").latent_transition_matrix("exact")
    forward = T[0, 1] * T[1, 2] * T[2, 3] * T[3, 0]
    backward = T[0, 3] * T[3, 2] * T[2, 1] * T[1, 0]
    right = float(np.log(forward / backward))         # by hand, not markov.cycle_affinity
    ok, out = _feedback(capsys, "5.2", right)
    assert ok
    ok, out = _feedback(capsys, "5.2", -right)
    assert not ok and "direction" in out
    _no_number_of(right, out)
    ok, out = _feedback(capsys, "5.2", float(np.log10(forward / backward)))
    assert not ok and "natural logarithm" in out
    _no_number_of(right, out)


def test_nb05_5_3_path_entropy_production_by_hand(capsys):
    from nelc_edu.models import all_binary_states
    from nelc_edu.untying import prototype_model

    model = prototype_model(1.0)
    X = all_binary_states(model.N)
    pi = model.stationary_distribution("exact")
    P = (pi[None, :, None] * np.exp(model.log_decoder(X))[:, :, None]
         * np.exp(model.log_encoder(X))[:, None, :])           # P[x, z, z']
    right = float(np.sum(P * np.log(P / np.transpose(P, (0, 2, 1)))))
    ok, _ = _feedback(capsys, "5.3", right)
    assert ok
    latent = model.entropy_production("exact")
    ok, out = _feedback(capsys, "5.3", latent)
    assert not ok and "latent entropy production" in out
    _no_number_of(right, out)
    # the classic slip: reversing the image's decoder but not the encoder
    slip = float(np.sum(P * np.log(P / (pi[None, None, :]
                                        * np.exp(model.log_decoder(X))[:, None, :]
                                        * np.exp(model.log_encoder(X))[:, None, :]))))
    ok, out = _feedback(capsys, "5.3", slip)
    assert not ok and "only z and z' swap" in out
    _no_number_of(right, out)


def test_nb05_5_4_sigma_grows_quadratically(capsys):
    from nelc_edu.models import TwoMatrixModel

    rev = TwoMatrixModel.reversible_untied(4, 3, encoder_scale=2.0, decoder_scale=2.0, seed=0)
    sig = [_nb05_changed(rev, "U", (0, 0), d).entropy_production("exact") for d in (0.01, 0.1)]
    right = float(np.log10(sig[1] / sig[0]))             # log base 10 of a factor-10 step
    assert abs(right - 2.0) < 0.1                          # the physics the exercise finds
    ok, _ = _feedback(capsys, "5.4", right)
    assert ok
    ok, out = _feedback(capsys, "5.4", 1.0)
    assert not ok and "U[0, 0]" in out
    _no_number_of(right, out)


# ======================================================================================
# notebook 06: the two-step gradient (exercises 6.1 to 6.4)
# ======================================================================================

def _nb06_model_and_data():
    from nelc_edu.datasets.toy import patterns_3x3
    from nelc_edu.models import TwoMatrixModel

    return TwoMatrixModel.random(4, 9, scale=1.0, seed=1), patterns_3x3(200, seed=0)[0]


def _nb06_chain(model):
    T = model.latent_transition_matrix("exact")
    w, vl = np.linalg.eig(T.T)                 # pi by eigenvector, not the library's solver
    pi = np.real(vl[:, np.argmin(np.abs(w - 1))])
    return T, pi / pi.sum()


def test_nb06_exercises_have_checkers():
    assert {"6.1", "6.2", "6.3", "6.4"} <= set(checks.exercises())


def test_nb06_6_1_fundamental_matrix(capsys):
    model, _ = _nb06_model_and_data()
    T, pi = _nb06_chain(model)
    K = model.K
    right = np.linalg.inv(np.eye(K) - T + np.outer(np.ones(K), pi))
    assert np.allclose(right @ np.ones(K), 1) and np.allclose(pi @ right, pi)
    ok, _ = _feedback(capsys, "6.1", right)
    assert ok
    transposed = np.linalg.inv(np.eye(K) - T + np.outer(pi, np.ones(K)))
    ok, out = _feedback(capsys, "6.1", transposed)
    assert not ok and "np.outer" in out
    _no_number_of(right, out)
    ok, out = _feedback(capsys, "6.1", np.eye(K))
    assert not ok and "invert" in out
    ok, out = _feedback(capsys, "6.1", np.eye(K + 1))
    assert not ok and "shape" in out


def test_nb06_6_2_encoder_bias_gradient_by_enumeration(capsys):
    from nelc_edu.finite_differences import finite_difference_gradient

    model, X = _nb06_model_and_data()
    right = finite_difference_gradient(model, X, "c")     # an independent truth
    ok, _ = _feedback(capsys, "6.2", right)
    assert ok
    ok, out = _feedback(capsys, "6.2", -right)
    assert not ok and "sign" in out
    _no_number_of(right, out)
    ok, out = _feedback(capsys, "6.2", right[::-1])
    assert not ok and "H(x)" in out
    _no_number_of(right, out)


def test_nb06_6_3_bias_and_noise_floor(capsys):
    model, _ = _nb06_model_and_data()
    means = [float(np.mean([model.entropy_production("mc", n_samples=S, seed=r)
                            for r in range(10)])) for S in (3, 10, 100, 1000)]
    exact = model.entropy_production("exact")
    assert means[0] > exact                             # the upward bias the exercise shows
    est = model.entropy_production_with_floor(n_samples=100, seed=0)
    right = {"mean_sigma": means, "floor_ratio": est.sigma / est.noise_floor}
    ok, _ = _feedback(capsys, "6.3", right)
    assert ok
    ok, out = _feedback(capsys, "6.3", dict(right, mean_sigma=means[::-1]))
    assert not ok and "in that order" in out
    _no_number_of(means, out)
    ok, out = _feedback(capsys, "6.3", dict(right, floor_ratio=est.noise_floor / est.sigma))
    assert not ok and "divide its sigma by its noise_floor" in out
    _no_number_of(right["floor_ratio"], out)
    ok, out = _feedback(capsys, "6.3", means)
    assert not ok and '"mean_sigma"' in out


def test_nb06_6_4_terms_of_the_series(capsys):
    from nelc_edu.untying import prototype_model

    _, X = _nb06_model_and_data()
    tied = prototype_model(0.0)
    T, pi = _nb06_chain(tied)
    log_joint = np.log(pi)[None, :] + tied.log_decoder(X)
    r = np.exp(log_joint - np.logaddexp.reduce(log_joint, axis=1)[:, None])
    v = r.mean(axis=0) / pi - 1
    h = np.linalg.solve(np.eye(tied.K) - T + np.outer(np.ones(tied.K), pi), v)
    partial, term, right = np.zeros_like(v), v.copy(), None
    for M in range(1000):
        partial += term
        if np.linalg.norm(partial - h) <= 0.01 * np.linalg.norm(h):
            right = M
            break
        term = T @ term
    assert right is not None and right > 5              # a sticky chain needs many terms
    ok, _ = _feedback(capsys, "6.4", right)
    assert ok
    ok, out = _feedback(capsys, "6.4", right + 1)
    assert not ok and "close" in out and str(right) not in out
    ok, out = _feedback(capsys, "6.4", 0)
    assert not ok and "prototype_model(0.0)" in out and str(right) not in out
    ok, out = _feedback(capsys, "6.4", float(right))
    assert not ok and "integer" in out


@pytest.mark.parametrize("number", ["5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "6.4"])
def test_nb05_nb06_placeholder_answer_is_refused(capsys, number):
    ok, out = _feedback(capsys, number, ...)
    assert not ok and "replace the ..." in out


def _hint_hides(hint: str, *values) -> None:
    """The hint names none of the expected values (as the student would print them)."""
    for v in values:
        for text in {str(v), f"{v:.3f}" if isinstance(v, float) else str(v),
                     f"{v:.2f}" if isinstance(v, float) else str(v)}:
            assert text not in hint, f"the hint {hint!r} gives away {text!r}"


def test_check_prints_one_line_and_never_the_answer(capsys):
    assert checks.check("0.1", 13) is True
    assert capsys.readouterr().out == "Right: exercise 0.1 checks out.\n"
    assert checks.check("0.1", 7) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet (exercise 0.1): ") and "13" not in out
    assert checks.check("0.1", ...) is False
    assert "replace the ..." in capsys.readouterr().out


# ---- notebooks 00-04 (branch nb-early) --------------------------------------------------

from nelc_edu.checks import (  # noqa: E402
    notebook_00,
    notebook_01,
    notebook_02,
    notebook_03,
    notebook_04,
)


def test_every_exercise_of_notebooks_00_to_04_has_a_checker():
    for number in ["0.1", "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4",
                   "4.1", "4.2", "4.3"]:
        assert checks.has_check(number), number


# --- 00 ---

def test_0_1_steps_to_settle():
    # (1 - pi_0) (1 - a - b)^t < 1e-3 with pi_0 = b / (a + b)
    a, b = 0.3, 0.1
    expected = math.ceil(math.log(1e-3 / (1 - b / (a + b))) / math.log(1 - a - b))
    assert notebook_00.steps_to_settle(expected) == (True, "")
    for wrong in (expected - 1, expected + 5, 0):
        ok, hint = notebook_00.steps_to_settle(wrong)
        assert not ok and hint
        _hint_hides(hint, expected)
    ok, hint = notebook_00.steps_to_settle(float(expected))
    assert not ok and "whole number" in hint


# --- 01 ---

def test_1_1_uniform_but_irreversible():
    T_doubly = np.array([[0.2, 0.6, 0.2], [0.1, 0.3, 0.6], [0.7, 0.1, 0.2]])
    assert notebook_01.uniform_but_irreversible(T_doubly) == (True, "")
    wrong = {
        "reversible": np.full((3, 3), 1 / 3),
        "not uniform": np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.2, 0.0, 0.8]]),
        "not stochastic": np.array([[0.5, 0.6, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]),
        "wrong shape": np.eye(4),
    }
    hints = {}
    for name, T in wrong.items():
        ok, hints[name] = notebook_01.uniform_but_irreversible(T)
        assert not ok and hints[name]
    assert "reversible" in hints["reversible"] and "columns" in hints["not uniform"]


def test_1_2_simple_cycle_counts():
    nx = pytest.importorskip("networkx")
    counts = [sum(1 for c in nx.simple_cycles(nx.complete_graph(n, create_using=nx.DiGraph))
                  if len(c) >= 3) for n in range(3, 8)]
    assert notebook_01.simple_cycle_counts(counts) == (True, "")
    with_two_cycles = [c + n * (n - 1) // 2 for c, n in zip(counts, range(3, 8), strict=True)]
    ok, hint = notebook_01.simple_cycle_counts(with_two_cycles)
    assert not ok and "2-cycles" in hint
    ok, hint = notebook_01.simple_cycle_counts(counts[:4])
    assert not ok and "5 numbers" in hint
    ok, hint = notebook_01.simple_cycle_counts([c + 1 for c in counts])
    assert not ok
    _hint_hides(hint, *counts)


def _period_by_cycles(T) -> int:
    """gcd of the lengths of the cycles of the support graph (self-loops have length 1)."""
    nx = pytest.importorskip("networkx")
    G = nx.DiGraph([(i, j) for i, j in zip(*np.nonzero(np.asarray(T) > 0), strict=True)])
    return math.gcd(*[len(c) for c in nx.simple_cycles(G)])


def test_1_3_ring_periods():
    from nelc_edu import markov

    periods = [_period_by_cycles(markov.driven_ring(n, a, p_stay=s))
               for n, a, s in notebook_01.PERIOD_RINGS]
    assert notebook_01.ring_periods(periods) == (True, "")
    ok, hint = notebook_01.ring_periods([2, 2, 2, 2])
    assert not ok and "n = 5" in hint
    ok, hint = notebook_01.ring_periods([1.0, 2, 1, 5])
    assert not ok and "whole numbers" in hint


# --- 02 ---

def _ring_sigma(n, affinity, p_stay):
    ratio = np.exp(affinity / n)
    p, q = (1 - p_stay) * ratio / (1 + ratio), (1 - p_stay) / (1 + ratio)
    return (p - q) * np.log(p / q)


def test_2_1_ring_entropy_production():
    assert notebook_02.ring_entropy_production(_ring_sigma) == (True, "")
    ok, hint = notebook_02.ring_entropy_production(lambda n, a, s: n * _ring_sigma(n, a, s))
    assert not ok and "n times" in hint
    ok, hint = notebook_02.ring_entropy_production(lambda n, a, s: 0.5)
    assert not ok and "markov.entropy_production" in hint
    _hint_hides(hint, float(_ring_sigma(3, 1.0, 0.0)))
    ok, hint = notebook_02.ring_entropy_production(0.3)
    assert not ok and "function" in hint


def test_2_2_length_until_finite():
    n, affinity, p_stay = notebook_02.TRAJECTORY_RING
    q = (1 - p_stay) / (1 + math.exp(affinity / n))          # the backward step, by hand
    expected = math.log(0.1 / n) / math.log(1 - q / n)
    assert notebook_02.length_until_finite(expected)[0]
    assert notebook_02.length_until_finite(round(expected))[0]
    ok, hint = notebook_02.length_until_finite(math.log(0.1 / n) / math.log(1 - q))
    assert not ok and hint
    _hint_hides(hint, round(expected), float(expected))


def _lumped_sigma_by_hand(T, labels) -> float:
    pi = np.linalg.matrix_power(T, 2000)[0]
    F = pi[:, None] * T
    blocks = sorted(set(labels))
    FB = np.array([[F[np.ix_([i for i, b in enumerate(labels) if b == A],
                             [j for j, b in enumerate(labels) if b == B])].sum()
                    for B in blocks] for A in blocks])
    off = ~np.eye(len(blocks), dtype=bool)
    return float(np.sum(FB[off] * np.log(FB[off] / FB.T[off])))


def test_2_3_best_partition():
    from nelc_edu import markov

    T = markov.random_nonreversible_chain(6, seed=0)
    scores = {lab: _lumped_sigma_by_hand(T, lab) for lab in itertools.product(range(3), repeat=6)
              if len(set(lab)) in (2, 3)}
    best = max(scores, key=scores.get)
    worst = min(scores, key=scores.get)
    assert notebook_02.best_partition(list(best)) == (True, "")
    ok, hint = notebook_02.best_partition(list(worst))
    assert not ok and "another partition" in hint and str(list(best)) not in hint
    assert not notebook_02.best_partition([0, 0, 0, 0, 0, 0])[0]
    assert not notebook_02.best_partition([0, 1, 2, 3, 0, 1])[0]
    assert not notebook_02.best_partition([0, 1])[0]


# --- 03 ---

def _rbm():
    from nelc_edu import BinaryRBM

    return BinaryRBM.random(**notebook_03.RBM_ARGS)


def test_3_1_conditional_by_enumeration():
    from nelc_edu.models.binary_rbm import enumerate_states

    rbm = _rbm()
    x = np.array(notebook_03.X_STATE, dtype=float)
    H = enumerate_states(rbm.M).astype(float)
    w = np.exp(H @ rbm.W @ x + H @ rbm.c)
    p_on = (w / w.sum()) @ H
    assert notebook_03.conditional_by_enumeration(p_on) == (True, "")
    ok, hint = notebook_03.conditional_by_enumeration(1 - p_on)
    assert not ok and "h_k = 0" in hint
    ok, hint = notebook_03.conditional_by_enumeration(np.full(rbm.M, 0.5))
    assert not ok
    _hint_hides(hint, *[float(v) for v in p_on])
    assert not notebook_03.conditional_by_enumeration(p_on[:2])[0]


def test_3_2_latent_transition_matrix():
    from nelc_edu.models.binary_rbm import enumerate_states

    rbm = _rbm()
    H, X = enumerate_states(rbm.M), enumerate_states(rbm.N)
    # by hand, unit by unit: p(x | h) and p(h' | x) as products of sigmoids
    def prob(states, on):                     # P(states) of independent units, P(unit on) = on
        return np.prod(np.where(states == 1, on, 1 - on))

    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    px = np.array([[prob(x, sig(rbm.W.T @ h + rbm.b)) for x in X] for h in H])
    ph = np.array([[prob(h, sig(rbm.W @ x + rbm.c)) for h in H] for x in X])
    T = px @ ph
    assert notebook_03.latent_transition_matrix(T) == (True, "")
    ok, hint = notebook_03.latent_transition_matrix(T.T)
    assert not ok and "columns" in hint
    ok, hint = notebook_03.latent_transition_matrix(np.eye(len(H)))
    assert not ok and hint
    assert not notebook_03.latent_transition_matrix(T[:4, :4])[0]


def test_3_3_cd_bias_agrees_with_monte_carlo_and_checks():
    from nelc_edu.models.binary_rbm import enumerate_states

    rbm = _rbm()
    X = enumerate_states(rbm.N)[list(notebook_03.TOY_ROWS)]
    bias = notebook_03.cd_bias(rbm, X, notebook_03.CD_STEPS)
    # independent truth for k = 1: a large Monte Carlo CD-1 estimate
    g = rbm.gradient(X)["W"]
    mc = np.linalg.norm(rbm.cd_gradient(np.repeat(X, 40_000, axis=0), k=1, seed=0)["W"] - g)
    assert abs(mc - bias[0]) < 0.01
    assert (np.diff(bias) < 0).all()
    assert notebook_03.exact_cd_bias(bias) == (True, "")
    longer = notebook_03.cd_bias(rbm, X, tuple(range(1, 12)))
    ok, hint = notebook_03.exact_cd_bias(longer[1:])
    assert not ok and "off by one" in hint
    noisy = bias + np.array([0, 0.01, 0.02, 0.005, 0.01, 0.003, 0.008, 0.002, 0.006, 0.004])
    ok, hint = notebook_03.exact_cd_bias(noisy)
    assert not ok and "Monte Carlo" in hint
    _hint_hides(hint, *[float(b) for b in bias[:3]])
    assert not notebook_03.exact_cd_bias(bias[:5])[0]


def test_3_4_how_many_chains():
    assert notebook_03.how_many_chains(500) == (True, "")
    ok, hint = notebook_03.how_many_chains(5)
    assert not ok and "closer" in hint
    ok, hint = notebook_03.how_many_chains(50)
    assert not ok and "5 or 500" in hint


# --- 04 ---

def test_4_1_latent_marginal_by_enumeration():
    from nelc_edu import OneHotRBM

    m = OneHotRBM.random(**notebook_04.SMALL_MODEL_ARGS)
    X = ((np.arange(2 ** m.N)[:, None] >> np.arange(m.N)) & 1).astype(float)
    neg_E = X @ m.W.T + (X @ m.b)[:, None] + m.c
    w = np.exp(neg_E - neg_E.max()).sum(axis=0)
    P = w / w.sum()
    assert notebook_04.latent_marginal_by_enumeration(P) == (True, "")
    ok, hint = notebook_04.latent_marginal_by_enumeration(w)
    assert not ok and "sum to 1" in hint
    ok, hint = notebook_04.latent_marginal_by_enumeration(P[::-1])
    assert not ok
    _hint_hides(hint, *[float(p) for p in P])


def test_4_2_steps_to_forget():
    from nelc_edu import markov

    T = markov.random_reversible_chain(5, seed=3)
    T = 0.9 * np.eye(5) + 0.1 * T                        # a sticky chain
    pi = np.linalg.matrix_power(T, 100_000)[0]
    p, t = np.full(5, 0.2), 0
    while 0.5 * np.abs(p - pi).sum() >= 0.05:
        p, t = p @ T, t + 1
    assert notebook_04.steps_to_forget((T, t)) == (True, "")
    ok, hint = notebook_04.steps_to_forget((T, t + 1))
    assert not ok and "count t from 0" in hint
    ok, hint = notebook_04.steps_to_forget((T, t - 1))
    assert not ok
    ok, hint = notebook_04.steps_to_forget((T, 3 * t))
    assert not ok
    _hint_hides(hint, t)
    assert not notebook_04.steps_to_forget(t)[0]
    assert not notebook_04.steps_to_forget((np.ones((3, 3)), t))[0]


def test_4_3_own_posterior():
    from nelc_edu import OneHotRBM

    m = OneHotRBM.random(5, 30, scale=3.0, seed=2)
    rng = np.random.default_rng(0)
    own, anyone = [], []
    for z in range(m.K):
        xs = (rng.random((4000, m.N)) < m.decoder_probs()[z]).astype(np.uint8)
        q = np.exp(m.log_encoder(xs))
        own.append(q[:, z].mean())
        anyone.append(q.mean(axis=0)[(z + 1) % m.K])     # another component's column
    assert notebook_04.own_posterior((m, own)) == (True, "")
    ok, hint = notebook_04.own_posterior((m, anyone))
    assert not ok and "same z" in hint
    assert not notebook_04.own_posterior(own)[0]
    assert not notebook_04.own_posterior((own, m))[0]
    assert not notebook_04.own_posterior((m, own[:3]))[0]

# ---- end of notebooks 00-04 --------------------------------------------------------------


# ======================================================================================
# notebook 07: why cycles emerge (exercises 7.1-7.3)
# ======================================================================================
@pytest.fixture(scope="module")
def nb07_data():
    from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes

    return noisy_prototypes(PROTOTYPES_3X3[:3], 60, flip_prob=0.1, seed=0)[0]


@pytest.fixture(scope="module")
def nb07_rbm():
    from nelc_edu.models import OneHotRBM

    return OneHotRBM.random(3, 9, scale=2.0, seed=3)


class TestNotebook07:
    """Exercises of notebook 07, checked against independent computations."""

    @staticmethod
    def _overlap_by_hand(rbm):
        """(1/P(z)) sum_x P(x) q(z|x)^2 with explicit loops: P(x, z) from the energy."""
        K, N = rbm.W.shape
        weights = np.zeros((2 ** N, K))
        for m, bits in enumerate(itertools.product((0, 1), repeat=N)):
            x = np.array(bits, dtype=float)
            weights[m] = np.exp(rbm.W @ x + rbm.c + rbm.b @ x)       # e^{-E(x, z)}
        P_xz = weights / weights.sum()
        P_x, P_z = P_xz.sum(axis=1), P_xz.sum(axis=0)
        q = P_xz / P_x[:, None]
        return (P_x[:, None] * q ** 2).sum(axis=0) / P_z

    def test_7_1_accepts_the_self_overlap(self, nb07_rbm, capsys):
        rbm = nb07_rbm
        assert checks.check("7.1", (rbm, self._overlap_by_hand(rbm)))
        assert "Right" in capsys.readouterr().out

    @pytest.mark.parametrize("mistake, word", [
        ("unnormalised", "divide"),
        ("not squared", "square"),
        ("unweighted", "weight each image"),
        ("noise", "sum over all"),
    ])
    def test_7_1_refuses_wrong_overlaps_with_a_hint(self, nb07_rbm, capsys, mistake, word):
        rbm = nb07_rbm
        right = self._overlap_by_hand(rbm)
        P_z = rbm.latent_marginal()
        from nelc_edu.models import all_binary_states

        q = np.exp(rbm.log_encoder(all_binary_states(rbm.N)))
        wrong = {"unnormalised": right * P_z, "not squared": P_z,
                 "unweighted": (q ** 2).mean(axis=0) / P_z, "noise": right + 0.01}[mistake]
        assert not checks.check("7.1", (rbm, wrong))
        out = capsys.readouterr().out
        assert word in out
        for value in right:                                  # the hint never holds the answer
            assert f"{value:.2f}" not in out and f"{value:.3f}" not in out

    def test_7_1_refuses_malformed_answers(self, nb07_rbm, capsys):
        rbm = nb07_rbm
        from nelc_edu.models import TwoMatrixModel

        assert not checks.check("7.1", self._overlap_by_hand(rbm))       # no model
        assert not checks.check("7.1", (rbm, [0.5, 0.5]))                # wrong shape
        assert not checks.check("7.1", (TwoMatrixModel.random(3, 9, seed=0), [0, 0, 0]))
        out = capsys.readouterr().out
        assert "pair" in out and "shape (3,)" in out and "one-hot RBM" in out

    @staticmethod
    def _four_cycles():
        """Permutations of 4 states that form one 4-cycle: by following the orbit of 0."""
        out = []
        for perm in itertools.permutations(range(4)):
            k, orbit = 0, set()
            while k not in orbit:
                orbit.add(k)
                k = perm[k]
            if len(orbit) == 4:
                out.append(perm)
        return out

    def test_7_2_accepts_the_four_cycles(self, capsys):
        answer = self._four_cycles()
        assert len(answer) == 6
        assert checks.check("7.2", answer)
        assert "Right" in capsys.readouterr().out

    def test_7_2_hints_without_the_answer(self, capsys):
        cycles = self._four_cycles()
        swaps = [(1, 0, 3, 2), (2, 3, 0, 1), (3, 2, 1, 0)]
        assert not checks.check("7.2", cycles + swaps)        # double swaps are reversible
        assert not checks.check("7.2", cycles[:3])            # some missing
        assert not checks.check("7.2", cycles + [(0, 2, 3, 1)])  # a fixed point
        assert not checks.check("7.2", [(0, 0, 1, 2)])        # not a permutation
        assert not checks.check("7.2", 5)                     # not a list
        out = capsys.readouterr().out
        assert "reversible" in out and "missing" in out and "in place" in out
        assert "every state" in out and "list of tuples" in out
        for perm in cycles:
            assert str(perm) not in out

    def test_7_3_accepts_a_noisy_run_and_refuses_a_full_batch_one(self, nb07_data, capsys):
        data = nb07_data
        from nelc_edu.exact_training import trace_parameters
        from nelc_edu.models import TwoMatrixModel

        def plain_ascent(batch):
            model = TwoMatrixModel.random(3, 9, seed=1)
            rng = np.random.default_rng(0)
            path = [{k: v.copy() for k, v in model.params().items()}]
            for _ in range(checks.notebook_07.MIN_UPDATES):
                rows = rng.choice(len(data), batch, replace=False)
                g = model.gradient(data[rows], method="exact")
                for name, value in model.params().items():
                    value += 2.0 * g[name]
                path.append({k: v.copy() for k, v in model.params().items()})
            return trace_parameters(model, data, path)

        noisy = plain_ascent(20)
        assert noisy.sigma[-1] > 0.3                       # independent of the checker
        assert checks.check("7.3", noisy)
        full = plain_ascent(len(data))
        assert full.sigma[-1] < 0.05
        assert not checks.check("7.3", full)
        assert not checks.check("7.3", "a trace")
        out = capsys.readouterr().out
        assert "Right" in out and "fresh random minibatch" in out and "trace_parameters" in out


# ======================================================================================
# Notebooks 08 and 09 (training latent cycles; equilibrium vs nonequilibrium)
# ======================================================================================


def _nb0809_number_strings(values) -> list[str]:
    """How a checker could leak a number: its usual printed forms."""
    out = []
    for v in np.ravel(values):
        v = float(v)
        out += [f"{v:.2f}", f"{v:.3g}", repr(v)]
        if v == int(v):
            out.append(str(int(v)))
    return [s for s in out if len(s) >= 2]


def _nb0809_run(number, answer):
    return checks._REGISTRY[number](answer)


@pytest.fixture(scope="module")
def small_two_matrix():
    from nelc_edu import markov
    from nelc_edu.models import TwoMatrixModel

    model = TwoMatrixModel.random(4, 9, scale=1.5, seed=2)
    T = model.latent_transition_matrix(method="exact")
    cycle, _ = markov.dominant_cycle(T, markov.stationary_distribution(T))
    return model, list(cycle)


def _laps_like_the_notebook(z, cycle):
    """The notebook's solution (window stacks): an independent count to compare with."""
    L = len(cycle)
    forward = backward = 0
    for k in range(L):
        fwd = [cycle[(k + j) % L] for j in range(L + 1)]
        bwd = fwd[::-1]
        windows = np.stack([z[j:len(z) - L + j] for j in range(L + 1)])
        forward += np.all(windows == np.array(fwd)[:, None, None], axis=0).sum()
        backward += np.all(windows == np.array(bwd)[:, None, None], axis=0).sum()
    return int(forward), int(backward)


def test_08_1_laps_right_and_wrong(small_two_matrix, monkeypatch):
    model, cycle = small_two_matrix
    monkeypatch.setattr(notebook_08, "LAP_SAMPLE",
                        {"n_chains": 300, "n_steps": 200, "seed": 1, "burn_in": 10})
    z = model.sample(300, 200, seed=1, burn_in=10).z
    fwd, bwd = _laps_like_the_notebook(z, cycle)
    assert fwd > bwd > 0, "the test model must circulate, with laps both ways"
    # the checker's own count (strings) agrees with the notebook's (window stacks)
    assert notebook_08._count_laps(z, cycle) == (fwd, bwd)
    right = {"model": model, "cycle": cycle, "forward": fwd, "backward": bwd}
    assert _nb0809_run("8.1", right) == (True, "")
    for wrong, word in [({**right, "forward": bwd, "backward": fwd}, "exchanged"),
                        ({**right, "forward": fwd // 2}, "missing"),
                        ({**right, "backward": bwd + 5}, "too many")]:
        ok, hint = _nb0809_run("8.1", wrong)
        assert not ok and word in hint
        assert not any(s in hint for s in _nb0809_number_strings([fwd, bwd]))


def test_08_1_count_is_not_fooled_by_partial_or_reversed_windows():
    z = np.array([[0, 1, 2, 0, 1, 2, 0, 2, 1, 0, 1, 0]]).T  # one chain
    # forward laps (0->1->2->0 and rotations): 0120, 1201, 2012, 0120 -> 4; backward 0210 -> 1,
    # 2102? no (2,1,0,1); 1021? no
    assert notebook_08._count_laps(z, [0, 1, 2]) == _laps_like_the_notebook(z, [0, 1, 2])
    assert notebook_08._count_laps(z, [0, 1, 2]) == (4, 1)


def test_08_2_sigma_vs_budget():
    from nelc_edu.models import OneHotRBM, TwoMatrixModel

    tm = TwoMatrixModel.random(3, 8, scale=1.5, seed=0)
    rbm = OneHotRBM.random(3, 8, scale=1.5, seed=0)
    Ss = (50, 100)
    ests = {k: {S: m.entropy_production_with_floor(n_samples=S, seed=S) for S in Ss}
            for k, m in (("two_matrix", tm), ("rbm", rbm))}
    right = {"two_matrix": (tm, {S: e.sigma for S, e in ests["two_matrix"].items()}),
             "rbm": (rbm, {S: e.sigma for S, e in ests["rbm"].items()})}
    assert _nb0809_run("8.2", right) == (True, "")
    floors = {**right, "two_matrix": (tm, {S: e.noise_floor
                                           for S, e in ests["two_matrix"].items()})}
    ok, hint = _nb0809_run("8.2", floors)
    assert not ok and ".sigma" in hint
    other_seed = {**right, "two_matrix": (tm, {S: tm.entropy_production_with_floor(
        n_samples=S, seed=S + 1).sigma for S in Ss})}
    ok, hint = _nb0809_run("8.2", other_seed)
    assert not ok and "seed=S" in hint
    assert not any(s in hint for s in _nb0809_number_strings(
        [e.sigma for e in ests["two_matrix"].values()]))


def _fidelity_records():
    """PCD RBM runs with known first checkpoints below 0.5 (and a two-matrix run)."""
    steps = [0, 100, 200, 300]
    cos = {0: [1.0, 0.9, 0.4, 0.6], 1: [1.0, 0.3, 0.2, 0.1], 2: [1.0, 0.9, 0.8, 0.7]}
    recs = [{"settings": {"kind": "rbm", "seed": s},
             "history": {"steps": steps, "records": [
                 {"pcd_gradient_cosine": c, "mean_self_transition": 0.1 + 0.2 * i}
                 for i, c in enumerate(cs)]}} for s, cs in cos.items()]
    recs.append({"settings": {"kind": "two_matrix", "seed": 0},
                 "history": {"steps": steps, "records": [
                     {"pcd_gradient_cosine": 0.2, "mean_self_transition": 0.1}] * 4}})
    return recs, {0: 200, 1: 100, 2: None}


def test_08_3_turning_points(monkeypatch):
    import nelc_edu.sweeps as sweeps

    recs, expected = _fidelity_records()
    monkeypatch.setattr(sweeps, "load_shipped_results", lambda name: (recs, {}))
    assert _nb0809_run("8.3", expected) == (True, "")
    ok, hint = _nb0809_run("8.3", {**expected, 0: 300})
    assert not ok and "earlier" in hint and "200" not in hint
    ok, hint = _nb0809_run("8.3", {**expected, 1: 1})       # an index, not updates
    assert not ok and "history['steps']" in hint and "100" not in hint
    ok, hint = _nb0809_run("8.3", {0: 200, 1: 100})
    assert not ok and "one entry per" in hint
    assert checks.check("8.3", {**expected, 2: 300}) is False


def _mnist_records():
    rng = np.random.default_rng(0)
    recs = []
    for seed in (3, 1, 2):  # not in order on purpose
        for kind, base in (("two_matrix", -165.0), ("rbm", -195.0), ("rbm_exact", -170.0)):
            recs.append({"settings": {"kind": kind, "seed": seed},
                         "final": {"log_likelihood": base + rng.normal()}})
    return recs


def test_09_1_control_gaps(monkeypatch):
    import nelc_edu.sweeps as sweeps

    recs = _mnist_records()
    monkeypatch.setattr(sweeps, "load_shipped_results", lambda name="mnist5k": (recs, {}))
    ll = {(r["settings"]["kind"], r["settings"]["seed"]): r["final"]["log_likelihood"]
          for r in recs}
    right = {"two_matrix - rbm": [ll["two_matrix", s] - ll["rbm", s] for s in (1, 2, 3)],
             "rbm_exact - rbm": [ll["rbm_exact", s] - ll["rbm", s] for s in (1, 2, 3)]}
    assert _nb0809_run("9.1", right) == (True, "")
    flipped = {**right, "rbm_exact - rbm": [-g for g in right["rbm_exact - rbm"]]}
    ok, hint = _nb0809_run("9.1", flipped)
    assert not ok and "sign" in hint
    shuffled = {**right, "two_matrix - rbm": right["two_matrix - rbm"][::-1]}
    ok, hint = _nb0809_run("9.1", shuffled)
    assert not ok and "order" in hint
    ok, hint = _nb0809_run("9.1", {**right, "two_matrix - rbm": [1.0, 2.0, 3.0]})
    assert not ok and "SAME seed" in hint
    assert not any(s in hint for s in _nb0809_number_strings(right["two_matrix - rbm"]))
    with pytest.raises(ValueError):
        _nb0809_run("9.1", {"two_matrix - rbm": []})


def test_09_2_resume_counts():
    from nelc_edu.sweeps import SweepGrid

    old = SweepGrid(dataset="digits", seeds=[0, 1], latents=[10], kinds=["two_matrix", "rbm"])
    new = SweepGrid(dataset="digits", seeds=[0, 1], latents=[10], kinds=["two_matrix", "rbm"],
                    learning_rates=[0.01, 0.005])
    right = {"done_before": old, "grid": new, "trained": 4, "skipped": 4, "redone": 1}
    assert _nb0809_run("9.2", right) == (True, "")
    ok, hint = _nb0809_run("9.2", {**right, "trained": 8, "skipped": 0})
    assert not ok and "default" in hint
    ok, hint = _nb0809_run("9.2", {**right, "trained": 3})
    assert not ok and "every run" in hint
    ok, hint = _nb0809_run("9.2", {**right, "redone": 4})
    assert not ok and "missing" in hint


def test_09_3_heldout_dial(monkeypatch):
    import nelc_edu.sweeps as sweeps
    from nelc_edu.dial import dial_table, within_family

    def recs(sign):
        return [{"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": s},
                 "final": {"log_likelihood": -20 - lam + 0.1 * s,
                           "log_likelihood_heldout": -21 - sign * lam - 0.3 * s,
                           "entropy_production": 1 / (1 + lam) + 0.01 * s,
                           "ep_noise_floor": 1e-6, "mean_self_transition": 0.1}}
                for lam in (0.0, 1.0, 10.0) for s in (0, 1)]

    data = {"dial_digits": recs(1), "dial_mnist5k": recs(-1)}
    monkeypatch.setattr(sweeps, "load_shipped_results", lambda name: (data[name], {}))
    rho = {n: within_family(dial_table(data[f"dial_{n}"]), "entropy_production",
                            "log_likelihood_heldout")[0] for n in ("digits", "mnist5k")}
    train = within_family(dial_table(data["dial_digits"]), "entropy_production",
                          "log_likelihood")[0]
    assert rho["digits"] != train
    assert _nb0809_run("9.3", rho) == (True, "")
    ok, hint = _nb0809_run("9.3", {**rho, "digits": train})
    assert not ok and "TRAINING" in hint
    ok, hint = _nb0809_run("9.3", {**rho, "mnist5k": 0.123})
    assert not ok and "within_family" in hint
    assert not any(s in hint for s in _nb0809_number_strings(list(rho.values())))


def test_08_09_every_exercise_has_a_checker():
    for number in ("8.1", "8.2", "8.3", "9.1", "9.2", "9.3"):
        assert checks.has_check(number), number
# ===================================================== end of the block of notebooks 08-09
