"""Self-checks of the notebooks' exercises: a right answer passes, a wrong one gets a hint
that does not give the answer away. One block per notebook (each helper keeps to its own)."""

from __future__ import annotations

import numpy as np
import pytest

from nelc_edu import checks


def _number_strings(values) -> list[str]:
    """How a checker could leak a number: its usual printed forms."""
    out = []
    for v in np.ravel(values):
        v = float(v)
        out += [f"{v:.2f}", f"{v:.3g}", repr(v)]
        if v == int(v):
            out.append(str(int(v)))
    return [s for s in out if len(s) >= 2]


def _run(number, answer):
    return checks._REGISTRY[number](answer)


# =========================================================================================
# notebooks 08 and 09 (training latent cycles; equilibrium vs nonequilibrium)
# =========================================================================================
from nelc_edu.checks import notebook_08  # noqa: E402


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
    assert _run("8.1", right) == (True, "")
    for wrong, word in [({**right, "forward": bwd, "backward": fwd}, "exchanged"),
                        ({**right, "forward": fwd // 2}, "missing"),
                        ({**right, "backward": bwd + 5}, "too many")]:
        ok, hint = _run("8.1", wrong)
        assert not ok and word in hint
        assert not any(s in hint for s in _number_strings([fwd, bwd]))


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
    assert _run("8.2", right) == (True, "")
    floors = {**right, "two_matrix": (tm, {S: e.noise_floor
                                           for S, e in ests["two_matrix"].items()})}
    ok, hint = _run("8.2", floors)
    assert not ok and ".sigma" in hint
    other_seed = {**right, "two_matrix": (tm, {S: tm.entropy_production_with_floor(
        n_samples=S, seed=S + 1).sigma for S in Ss})}
    ok, hint = _run("8.2", other_seed)
    assert not ok and "seed=S" in hint
    assert not any(s in hint for s in _number_strings(
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
    assert _run("8.3", expected) == (True, "")
    ok, hint = _run("8.3", {**expected, 0: 300})
    assert not ok and "earlier" in hint and "200" not in hint
    ok, hint = _run("8.3", {**expected, 1: 1})       # an index, not updates
    assert not ok and "history['steps']" in hint and "100" not in hint
    ok, hint = _run("8.3", {0: 200, 1: 100})
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
    assert _run("9.1", right) == (True, "")
    flipped = {**right, "rbm_exact - rbm": [-g for g in right["rbm_exact - rbm"]]}
    ok, hint = _run("9.1", flipped)
    assert not ok and "sign" in hint
    shuffled = {**right, "two_matrix - rbm": right["two_matrix - rbm"][::-1]}
    ok, hint = _run("9.1", shuffled)
    assert not ok and "order" in hint
    ok, hint = _run("9.1", {**right, "two_matrix - rbm": [1.0, 2.0, 3.0]})
    assert not ok and "SAME seed" in hint
    assert not any(s in hint for s in _number_strings(right["two_matrix - rbm"]))
    with pytest.raises(ValueError):
        _run("9.1", {"two_matrix - rbm": []})


def test_09_2_resume_counts():
    from nelc_edu.sweeps import SweepGrid

    old = SweepGrid(dataset="digits", seeds=[0, 1], latents=[10], kinds=["two_matrix", "rbm"])
    new = SweepGrid(dataset="digits", seeds=[0, 1], latents=[10], kinds=["two_matrix", "rbm"],
                    learning_rates=[0.01, 0.005])
    right = {"done_before": old, "grid": new, "trained": 4, "skipped": 4, "redone": 1}
    assert _run("9.2", right) == (True, "")
    ok, hint = _run("9.2", {**right, "trained": 8, "skipped": 0})
    assert not ok and "default" in hint
    ok, hint = _run("9.2", {**right, "trained": 3})
    assert not ok and "every run" in hint
    ok, hint = _run("9.2", {**right, "redone": 4})
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
    assert _run("9.3", rho) == (True, "")
    ok, hint = _run("9.3", {**rho, "digits": train})
    assert not ok and "TRAINING" in hint
    ok, hint = _run("9.3", {**rho, "mnist5k": 0.123})
    assert not ok and "within_family" in hint
    assert not any(s in hint for s in _number_strings(list(rho.values())))


def test_08_09_every_exercise_has_a_checker():
    for number in ("8.1", "8.2", "8.3", "9.1", "9.2", "9.3"):
        assert checks.has_check(number), number
# ===================================================== end of the block of notebooks 08-09
