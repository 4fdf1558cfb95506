"""Notebook 07: the figures of exact training traces and the replay widget."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import markov, widgets  # noqa: E402
from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes  # noqa: E402
from nelc_edu.exact_training import self_transition_ledger, train_exact  # noqa: E402
from nelc_edu.models import OneHotRBM, TwoMatrixModel  # noqa: E402
from nelc_edu.plotting import mechanism as M  # noqa: E402
from nelc_edu.plotting.graphs import GID_CURRENT, GID_HIGHLIGHT  # noqa: E402
from nelc_edu.plotting.style import HIGHLIGHT, KIND_STYLES  # noqa: E402

X3, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, flip_prob=0.1, seed=0)


@pytest.fixture(scope="module")
def traces():
    tm = train_exact(TwoMatrixModel.random(3, 9, seed=1), X3, n_updates=120,
                     label="two-matrix")
    rbm = train_exact(OneHotRBM.random(3, 9, seed=1), X3, n_updates=120, label="RBM")
    return {"two-matrix": tm, "RBM": rbm}


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _control(box, cls):
    (w,) = [w for w in _walk(box) if isinstance(w, cls)]
    return w


def _figures(out):
    imgs = [o for o in out.outputs if o["output_type"] == "display_data"]
    assert not [o for o in out.outputs if o.get("name") == "stderr"], out.outputs
    return imgs


def _text(out):
    return "".join(o["text"] for o in out.outputs if o["output_type"] == "stream")


def test_curves_colour_by_kind_and_hide_a_tied_sigma(traces):
    fig, axes = M.plot_trace_curves(traces, keys=("log_likelihood", "sigma",
                                                  "mean_self_transition"))
    colours = {ln.get_label(): ln.get_color() for ln in axes[0].lines}
    assert colours["two-matrix"] == KIND_STYLES["two_matrix"]["color"]
    assert colours["RBM"] == KIND_STYLES["rbm_exact"]["color"]
    # the RBM's sigma (about 1e-33) is not on the log axis, and the panel says why
    assert [ln.get_label() for ln in axes[1].lines if len(ln.get_xdata())] == ["two-matrix"]
    assert "0 to rounding" in axes[1].texts[0].get_text()
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    plt.close(fig)


def test_a_second_trace_of_the_same_kind_is_dotted(traces):
    other = traces["two-matrix"]
    fig, axes = M.plot_trace_curves({"a": traces["two-matrix"], "b": other},
                                    keys=("log_likelihood",))
    styles = [ln.get_linestyle() for ln in axes[0].lines]
    assert styles[0] == "-" and styles[1] == ":"
    plt.close(fig)


def test_occupation_panels_show_pi_rho_h_and_kl(traces):
    tm = traces["two-matrix"]
    fig, axes = M.plot_occupation(tm, marker=10)
    assert len(axes[0].lines) >= 2 * tm.K and len(axes[1].lines) >= tm.K
    ys = np.concatenate([ln.get_ydata() for ln in axes[0].lines if ln.get_linestyle() == "--"])
    np.testing.assert_allclose(np.sort(ys), np.sort(tm.rho.T.ravel()))
    assert axes[2].get_yscale() == "log"
    plt.close(fig)


def test_ledger_figure_draws_the_ledger(traces):
    led = self_transition_ledger(traces["two-matrix"])
    fig, axes = M.plot_self_transition_ledger(led)
    drawn = {ln.get_label(): ln.get_ydata() for ln in axes[1].lines}
    np.testing.assert_allclose(drawn["observed change"], led.total)
    np.testing.assert_allclose(drawn["encoder (W, c)"], led.encoder)
    plt.close(fig)
    with pytest.raises(ValueError, match="SelfTransitionLedger"):
        M.plot_self_transition_ledger(traces["two-matrix"])


def test_graph_of_untied_trace_has_currents_and_the_dominant_cycle(traces):
    tm = traces["two-matrix"]
    fig, ax = M.draw_trace_graph(tm, -1)
    arrows = [p for p in ax.patches if p.get_gid() == GID_CURRENT]
    J = markov.probability_currents(tm.T[-1], tm.pi[-1])
    assert len(arrows) == int((J > M._arrow_threshold(tm)).sum())
    assert any(p.get_gid() == GID_HIGHLIGHT for p in ax.patches)
    plt.close(fig)
    fig, ax = M.draw_trace_graph(traces["RBM"], -1)
    assert not [p for p in ax.patches if p.get_gid() == GID_CURRENT]
    assert "No arrow" in ax.get_xlabel()
    plt.close(fig)


def test_step_figure_reports_the_recorded_numbers(traces):
    from nelc_edu.widgets._common import new_figure

    tm = traces["two-matrix"]
    report = M.draw_trace_step(new_figure((16, 6.6)), traces, 80)
    assert report.startswith("update 80 (two-matrix)")
    assert f"sigma = {tm.sigma[80]:.3g}" in report
    assert f"mean diag T = {tm.mean_self_transition[80]:.3f}" in report
    fig = new_figure((16, 6.6))
    M.draw_trace_step(fig, traces, 80)
    markers = [ln for ax in fig.axes for ln in ax.lines if ln.get_color() == HIGHLIGHT]
    assert markers, "the chosen update is marked in orange"
    with pytest.raises(ValueError, match="not among"):
        M.draw_trace_step(new_figure(), traces, 0, label="nope")
    with pytest.raises(ValueError, match="state index"):
        M.draw_trace_step(new_figure(), traces, 10_000)


def test_widget_redraws_one_figure_per_change(traces):
    box = widgets.training_replay(traces)
    out = _control(box, ipywidgets.Output)
    slider = _control(box, ipywidgets.IntSlider)
    assert slider.max == len(traces["two-matrix"]) - 1 and slider.value == slider.max
    assert len(_figures(out)) == 1
    slider.value = 7
    assert len(_figures(out)) == 1 and _text(out).startswith("update 7 (two-matrix)")
    chooser = _control(box, ipywidgets.Dropdown)
    chooser.value = "RBM"
    assert len(_figures(out)) == 1 and _text(out).startswith("update 7 (RBM)")
    play = _control(box, ipywidgets.Play)
    assert play.max == slider.max


def test_widget_refuses_bad_arguments(traces):
    with pytest.raises(ValueError, match="not among"):
        widgets.training_replay(traces, label="nope")
    with pytest.raises(ValueError, match="step"):
        widgets.training_replay(traces, step=10_000)
    with pytest.raises(ValueError, match="ExactTrace"):
        widgets.training_replay({"a": 1})
