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

# ======================================================================================
# Notebooks 08 and 09 (training latent cycles; equilibrium vs nonequilibrium)
# ======================================================================================
from nelc_edu.checks import notebook_08  # noqa: E402


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
