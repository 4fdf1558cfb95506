"""Self-checks of the notebooks' exercises (nelc_edu.checks): each checker accepts the right
answer, refuses a wrong one with a hint, and the hint never contains the answer.

Each notebook's checkers have their own block below; the right answers are recomputed here
independently of the checker (by hand, as a student would), never copied from it.
"""

from __future__ import annotations

import numpy as np
import pytest

from nelc_edu import checks


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
