"""Checkpoint scrubber and the figures of notebooks 04 and 07: correct, one figure per redraw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import classify, markov, plotting, widgets  # noqa: E402
from nelc_edu.experiments import (  # noqa: E402
    RunSettings,
    checkpoint_threshold,
    relaxation_times,
    run,
)
from nelc_edu.plotting import runs as pruns  # noqa: E402
from nelc_edu.plotting.graphs import GID_CURRENT  # noqa: E402
from nelc_edu.widgets._common import figure_to_png, new_figure  # noqa: E402

SMALL = dict(K=5, seed=0, n_updates=600, n_checkpoints=3, diag_samples=600,
             kl_chains=20, kl_burn_in=10, kl_steps=10, learning_rate=0.03)


@pytest.fixture(scope="module")
def runs():
    return {kind: run(RunSettings(kind=kind, **SMALL), progress=False)
            for kind in ("two_matrix", "rbm")}


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _output(box):
    (out,) = [w for w in _walk(box) if isinstance(w, ipywidgets.Output)]
    return out


def _one_png(out) -> str:
    imgs = [o for o in out.outputs
            if o["output_type"] == "display_data" and "image/png" in o["data"]]
    assert len(imgs) == 1, f"expected exactly one figure, got {len(imgs)}"
    assert not [o for o in out.outputs if o.get("name") == "stderr"], out.outputs
    assert len(imgs[0]["data"]["image/png"]) > 5_000
    return imgs[0]["data"]["image/png"]


# ----------------------------------------------------------------------------- the widget
def test_scrubber_replaces_exactly_one_figure(runs):
    figs_before = plt.get_fignums()
    box = widgets.checkpoint_scrubber(runs)
    assert isinstance(box, ipywidgets.VBox)
    out = _output(box)
    (slider,) = [w for w in _walk(box) if isinstance(w, ipywidgets.IntSlider)]
    (chooser,) = [w for w in _walk(box) if isinstance(w, ipywidgets.Dropdown)]
    assert slider.max == len(runs["two_matrix"].history) - 1
    assert slider.value == slider.max  # starts at the end of training
    last = _one_png(out)
    slider.value = 0
    first = _one_png(out)
    assert first != last, "the figure did not change with the slider"
    assert "checkpoint 0 of" in out.outputs[0]["text"]
    chooser.value = "rbm"
    rbm_png = _one_png(out)
    assert rbm_png != first
    slider.value = 0  # same value: no event, nothing appended
    _one_png(out)
    assert plt.get_fignums() == figs_before, "widgets must not leave pyplot figures behind"


def test_scrubber_accepts_one_run_and_validates(runs):
    box = widgets.checkpoint_scrubber(runs["rbm"], checkpoint=0)
    assert not [w for w in _walk(box) if isinstance(w, ipywidgets.Dropdown)]
    _one_png(_output(box))
    with pytest.raises(ValueError, match="kind"):
        widgets.checkpoint_scrubber(runs, kind="binary")
    with pytest.raises(ValueError, match="out of range"):
        widgets.checkpoint_scrubber(runs, checkpoint=99)


# ----------------------------------------------------------------------------- plot_checkpoint
def test_checkpoint_arrows_are_the_significant_currents(runs):
    for kind in runs:
        h = runs[kind].history
        for i in range(len(h)):
            fig = new_figure((13, 7))
            _, report = plotting.plot_checkpoint(runs, i, kind=kind, fig=fig)
            graph_ax = fig.subfigs[0].axes[0]
            rec = h.records[i]
            thr = checkpoint_threshold(rec)
            J = markov.probability_currents(rec["T"], rec["pi"])
            n_arrows = sum(p.get_gid() == GID_CURRENT for p in graph_ax.patches)
            assert n_arrows == int(np.sum(J > thr))
            assert f"checkpoint {i} of {len(h) - 1}" in report
            assert len(figure_to_png(fig)) > 10_000
            fig.clear()


def test_trained_two_matrix_has_currents_and_rbm_has_none(runs):
    rec = runs["two_matrix"].history.records[-1]
    J = markov.probability_currents(rec["T"], rec["pi"])
    assert np.sum(J > checkpoint_threshold(rec)) >= 3
    # the RBM is reversible: at 3 standard errors at most a rare false alarm
    rec = runs["rbm"].history.records[-1]
    J = markov.probability_currents(rec["T"], rec["pi"])
    assert np.sum(J > checkpoint_threshold(rec)) <= 1


def test_curves_stop_at_the_checkpoint(runs):
    fig = new_figure((13, 7))
    plotting.plot_checkpoint(runs, 1, fig=fig)
    ax = fig.subfigs[1].axes[0]  # log-likelihood panel
    steps = runs["two_matrix"].history.steps
    xmax = max(float(np.max(line.get_xdata())) for line in ax.lines if len(line.get_xdata()))
    assert xmax == steps[1]
    assert ax.get_xlim()[1] >= steps[-1]  # axes keep the full-run range
    fig.clear()


def test_checkpoint_threshold_and_bad_index(runs):
    assert checkpoint_threshold({}) == 1e-12
    rec = {"T": np.full((2, 2), 0.5), "pi": np.full(2, 0.5), "current_se": np.full((2, 2), 0.01)}
    assert checkpoint_threshold(rec, n_se=2) == 0.02
    with pytest.raises(ValueError, match="out of range"):
        plotting.plot_checkpoint(runs, 50)
    with pytest.raises(ValueError, match="RunResult"):
        pruns.as_runs(42)


# ----------------------------------------------------------------------------- mixing figures
def test_relaxation_times_match_markov(runs):
    h = runs["rbm"].history
    tau = relaxation_times(runs["rbm"])
    assert tau.shape == (len(h),)
    assert tau[-1] == pytest.approx(markov.relaxation_time(h.records[-1]["T"]))
    fig, ax = plotting.plot_along_training(runs, {"rbm": tau}, logy=True, ylabel="tau")
    assert len(ax.lines) == 1 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="entries"):
        plotting.plot_along_training(runs, {"rbm": tau[:-1]})
    plt.close("all")


def test_kl_vs_burn_in_from_a_single_state_starts_high():
    from nelc_edu.classify import fit_labeller
    from nelc_edu.datasets import load_digits
    from nelc_edu.models import OneHotRBM

    X, y = load_digits()
    lab = fit_labeller(X, y, seed=0)
    # a sharp model: components = class means, so a chain stuck in one state shows one class
    means = np.stack([X[y == k].mean(axis=0) for k in range(10)])
    W = np.log(np.clip(means, 0.02, 0.98) / (1 - np.clip(means, 0.02, 0.98))) * 3
    rbm = OneHotRBM(W, np.zeros(10), np.zeros(64))
    kl = classify.class_kl_vs_burn_in(rbm, lab, X, [0, 5], n_chains=50, n_steps=5, start=0)
    assert kl[0] > 1.0  # every image from state 0: one class, far from the data's ten
    kl_uniform = classify.class_kl_vs_burn_in(rbm, lab, X, [0], n_chains=200, n_steps=5)
    assert kl_uniform[0] < kl[0]
    fig, ax = plotting.plot_kl_vs_burn_in([0, 5], {"rbm": kl}, references={"rbm": 0.1})
    assert ax.get_xscale() == "log"
    assert len(figure_to_png(fig)) > 5_000
    plt.close(fig)


# ----------------------------------------------------------------------------- cycle walks
def test_find_cycle_walk_follows_the_cycle():
    rng = np.random.default_rng(0)
    z = rng.integers(0, 5, size=(200, 7))
    z[50:61, 3] = [1, 4, 2, 1, 4, 2, 1, 4, 2, 1, 4]
    walk = markov.find_cycle_walk(z, [1, 4, 2], max_states=20)
    nxt = {1: 4, 4: 2, 2: 1}
    assert all(nxt[a] == b for a, b in zip(walk.states[:-1], walk.states[1:], strict=True))
    assert len(walk.states) >= 11 and walk.laps >= 10 / 3
    assert walk.states == list(z[walk.start:walk.start + len(walk.states), walk.chain])
    short = markov.find_cycle_walk(z, [1, 4, 2])
    assert len(short.states) == 7  # default: two laps plus one state
    with pytest.raises(ValueError, match="distinct"):
        markov.find_cycle_walk(z, [1, 1])
    with pytest.raises(ValueError, match="no step"):
        markov.find_cycle_walk(np.zeros((5, 2), dtype=int), [0, 1])


def test_cycle_walk_images_come_from_the_walk(runs):
    from nelc_edu.untying import prototype_model

    model = prototype_model(1.0, decoder="shifted")
    fig, axes, walk = plotting.plot_cycle_walk(model, [0, 1, 2, 3], n_chains=20, n_steps=60)
    assert walk.laps == 2.0
    # the sampled images shown are the chain's own: re-run the same sample and compare
    s = model.sample(20, 60, seed=0, burn_in=50, return_visible=True)
    shown = s.x_traj[walk.start + 1:walk.start + len(walk.states), walk.chain]
    assert shown.shape[0] == len(walk.states) - 1
    assert len(axes[1].texts) == len(walk.states) - 1
    assert axes[1].texts[0].get_text() == f"{walk.states[0]}→{walk.states[1]}"
    assert len(figure_to_png(fig)) > 5_000
    plt.close(fig)
    cyc = runs["two_matrix"].final["dominant_cycle"]
    if cyc:  # the trained digits model: a real walk around its dominant cycle
        fig, axes, walk = plotting.plot_cycle_walk(runs["two_matrix"].model, cyc,
                                                   n_chains=200, n_steps=200)
        assert set(walk.states) <= set(cyc) and len(walk.states) >= 2
        plt.close(fig)
