"""Notebooks 05-06: the latent-model figures and widgets (semantics, one figure per redraw)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import finite_differences as FD  # noqa: E402
from nelc_edu import gradient_fidelity as GF  # noqa: E402
from nelc_edu import markov, widgets  # noqa: E402
from nelc_edu import untying as U  # noqa: E402
from nelc_edu.models import OneHotRBM, TwoMatrixModel  # noqa: E402
from nelc_edu.plotting import latent as L  # noqa: E402
from nelc_edu.widgets._common import figure_to_png, new_figure  # noqa: E402


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _control(box, description):
    (w,) = [w for w in _walk(box) if getattr(w, "description", None) == description]
    return w


def _output(box):
    (out,) = [w for w in _walk(box) if isinstance(w, ipywidgets.Output)]
    return out


def _one_figure(out):
    imgs = [o for o in out.outputs
            if o["output_type"] == "display_data" and "image/png" in o["data"]]
    assert len(imgs) == 1, f"expected exactly one figure, got {len(imgs)}"
    assert not [o for o in out.outputs if o.get("name") == "stderr"], out.outputs
    assert len(imgs[0]["data"]["image/png"]) > 5_000
    return imgs[0]["data"]["image/png"]


def _text(out):
    return "".join(o["text"] for o in out.outputs if o["output_type"] == "stream")


# ----------------------------------------------------------------------------- 05: models
def test_prototype_model_tied_is_the_rbm_with_uniform_marginal():
    m = U.prototype_model(0.0)
    assert m.is_tied
    rbm = OneHotRBM(m.W, m.c, m.b)
    np.testing.assert_allclose(rbm.latent_marginal(), 0.25, atol=1e-12)
    np.testing.assert_allclose(m.stationary_distribution("exact"), rbm.latent_marginal(),
                               atol=1e-12)
    assert m.entropy_production("exact") < 1e-12
    assert abs(m.path_entropy_production("exact")) < 1e-12


def test_shifted_decoder_is_a_latent_clock():
    m = U.prototype_model(1.0, decoder="shifted")
    T = m.latent_transition_matrix("exact")
    assert all(T[z, (z + 1) % 4] > 0.5 for z in range(4))
    cycle, bottleneck = markov.dominant_cycle(T)
    assert cycle == [0, 1, 2, 3] and bottleneck > 0.1


def test_interpolate_decoder_endpoints_and_errors():
    rbm = OneHotRBM.random(3, 4, scale=1.0, seed=0)
    target = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(U.interpolate_decoder(rbm, target, 1.0).U, target)
    assert U.interpolate_decoder(rbm, target, 0.0).is_tied
    with pytest.raises(ValueError, match="between tied"):
        U.interpolate_decoder(rbm, target, 1.5)
    with pytest.raises(ValueError, match="shape"):
        U.interpolate_decoder(rbm, target.T, 0.5)
    with pytest.raises(ValueError, match="decoder must be"):
        U.prototype_model(0.5, decoder="sideways")


@pytest.mark.parametrize("decoder", ["random", "shifted"])
def test_untying_sweep_semantics(decoder):
    s = U.untying_sweep(np.linspace(0, 1, 6), decoder=decoder)
    assert s.sigma[0] < 1e-12 and abs(s.path[0]) < 1e-12 and s.max_current[0] < 1e-12
    assert np.all(s.path >= s.sigma - 1e-12)           # the log-sum inequality
    assert np.all(np.diff(s.sigma) > 0)                # more untied, more irreversible
    assert s.mean_self[-1] < s.mean_self[0]             # and the chain mixes faster
    m = U.prototype_model(0.4, decoder=decoder)
    assert np.isclose(s.sigma[2], m.entropy_production("exact"))


def test_random_models_obey_path_above_latent():
    lat, path = U.random_entropy_productions(12, seed=3)
    assert lat.shape == path.shape == (12,)
    assert np.all(lat > 0) and np.all(path >= lat)


# ----------------------------------------------------------------------------- 05: figures
def test_untying_figures_render():
    fig = new_figure((13, 5.6))
    report = L.draw_untying(fig, 1.0, decoder="shifted")
    assert "dominant cycle 0 -> 1 -> 2 -> 3 -> 0" in report
    assert len(figure_to_png(fig)) > 20_000
    ax_graph = fig.axes[0]
    assert sum(p.get_gid() == "nelc-current" for p in ax_graph.patches) >= 4
    assert sum(p.get_gid() == "nelc-highlight" for p in ax_graph.patches) == 4

    fig = new_figure((13, 5.6))
    report = L.draw_untying(fig, 0.0)
    assert "detailed balance" in report and "sigma = 0.0000" in report
    assert "-0.0000" not in report
    assert sum(p.get_gid() == "nelc-current" for p in fig.axes[0].patches) == 0

    fig, ax = L.plot_latent_vs_path([1e-3, 1e-2], [1e-1, 2e-2], highlight=(0.2, 3.0))
    assert ax.get_xscale() == "log" and len(figure_to_png(fig)) > 5_000
    plt.close(fig)


def test_untying_curves_skip_zeros_on_log_axis():
    fig, ax = L.plot_untying_curves(U.untying_sweep([0.0, 0.5, 1.0]), a_marker=0.5)
    data_lines = [ln for ln in ax.lines if len(ln.get_xdata()) > 2 or ln.get_marker() != "None"]
    assert all(np.all(np.asarray(ln.get_ydata()) > 0) for ln in data_lines)
    assert any("both are 0" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_untying_note_stays_readable_over_the_slider_marker():
    """At small a the slider's marker line crosses the "a = 0" note: the note sits on a box."""
    fig, ax = L.plot_untying_curves(U.untying_sweep([0.0, 0.05, 1.0]), a_marker=0.05)
    (note,) = [t for t in ax.texts if "both are 0" in t.get_text()]
    (marker,) = [ln for ln in ax.lines if np.all(np.asarray(ln.get_xdata()) == 0.05)]
    fig.canvas.draw()
    box = note.get_window_extent()
    x_marker = ax.transData.transform((0.05, 1.0))[0]
    assert box.x0 < x_marker < box.x1                     # the case the box is for
    assert note.get_bbox_patch() is not None and note.get_zorder() > marker.get_zorder()
    plt.close(fig)


# ----------------------------------------------------------------------------- 06: gradient
@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = (rng.random((30, 5)) < 0.4).astype(np.uint8)
    return TwoMatrixModel.random(3, 5, scale=1.0, seed=2), X


def test_finite_differences_agree_with_exact_gradient(small):
    model, X = small
    before = {k: v.copy() for k, v in model.params().items()}
    check = FD.gradient_check(model, X)
    assert check.rel_error < 1e-6
    for k, v in model.params().items():           # the model is left untouched
        np.testing.assert_array_equal(v, before[k])
    g = model.gradient(X, method="exact")
    assert np.isclose(FD.finite_difference_gradient(model, X, "U", (4, 1)), g["U"][4, 1],
                      rtol=1e-6)
    assert np.isclose(FD.finite_difference_gradient(model, X, "U", 13), g["U"].ravel()[13],
                      rtol=1e-6)
    with pytest.raises(ValueError, match="name must be"):
        FD.finite_difference_gradient(model, X, "V", 0)
    with pytest.raises(ValueError, match="out of range"):
        FD.finite_difference_gradient(model, X, "c", 7)


def test_fd_error_has_truncation_and_rounding_regimes(small):
    model, X = small
    err = FD.fd_error_vs_eps(model, X, "W", 3, [1e-12, 1e-5, 1e-1])
    assert err[1] < err[0] and err[1] < err[2]
    assert err[1] < 1e-7


def test_gradient_check_figure(small):
    model, X = small
    fig = new_figure((13, 5.4))
    text = L.draw_gradient_check(fig, name="b", index=7, X=X, K=3, seed=1)
    assert "entry b[2]" in text          # flat index wraps modulo the size of b (5)
    assert "relative error" in text and len(figure_to_png(fig)) > 20_000
    fig, ax = L.plot_gradient_check(FD.gradient_check(model, X), highlight=("W", 2))
    assert len(ax.collections) == 5      # four arrays and the highlighted entry
    plt.close(fig)


@pytest.mark.parametrize("name, index", [("W", 0), ("W", 1), ("U", 3), ("c", 1), ("b", 2)])
def test_gradient_check_legend_covers_no_measured_error(name, index):
    """The error-vs-step legend hides no measured point and no marker of the default step."""
    fig = new_figure((13, 5.4))
    L.draw_gradient_check(fig, name=name, index=index, seed=1)
    ax_e = fig.axes[1]
    fig.canvas.draw()
    box = ax_e.get_legend().get_window_extent()
    (measured,) = [ln for ln in ax_e.lines if ln.get_label() == "measured"]
    points = ax_e.transData.transform(np.column_stack(measured.get_data()))
    assert not any(box.contains(*p) for p in points), f"legend covers a point of {name}"
    # nor is it crossed by the orange line of the default step (eps = 1e-5)
    x_step = ax_e.transData.transform((1e-5, 1.0))[0]
    assert not box.x0 <= x_step <= box.x1
    plt.close(fig)


def test_estimator_comparison_errors_shrink(small):
    model, X = small
    cmp = GF.compare_gradient_estimators(model, X, n_samples=[10, 1000], n_chains=[20, 2000],
                                        n_repeats=6, seed=0)
    P = sum(v.size for v in model.params().values())
    assert cmp.mc.shape == cmp.pcd.shape == (2, 6, P)
    np.testing.assert_allclose(cmp.exact[cmp.slices["c"]],
                               model.gradient(X, method="exact")["c"])
    for est in (cmp.mc, cmp.pcd):
        err = np.linalg.norm(est - cmp.exact, axis=2).mean(axis=1)
        assert err[1] < 0.4 * err[0]
    fig, axes = L.plot_estimator_comparison(cmp)
    assert axes[0].get_xscale() == "log" and axes[0].get_yscale() == "log"
    assert len(figure_to_png(fig)) > 20_000
    plt.close(fig)


# ----------------------------------------------------------------------------- widgets
WIDGET_CASES = [
    (widgets.untying_explorer, {}, "untying a", 0.6),
    (widgets.untying_explorer, {"a": 0.5}, "U_target", "shifted"),
    (widgets.gradient_check_explorer, {"K": 3}, "entry (flat index)", 4),
    (widgets.gradient_check_explorer, {"K": 3}, "model seed", 3),
    (widgets.gradient_check_explorer, {"K": 3}, "step eps", 1e-2),
    (widgets.gradient_check_explorer, {"K": 3}, "parameter", "c"),
]


@pytest.mark.parametrize(("build", "kwargs", "description", "value"), WIDGET_CASES,
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_one_figure_per_redraw(build, kwargs, description, value):
    figs_before = plt.get_fignums()
    box = build(**kwargs)
    assert isinstance(box, ipywidgets.VBox)
    out = _output(box)
    first = _one_figure(out)
    _control(box, description).value = value
    second = _one_figure(out)
    assert second != first, "the figure did not change with the control"
    _control(box, description).value = value
    _one_figure(out)
    assert plt.get_fignums() == figs_before, "widgets must not leave pyplot figures behind"


def test_untying_report_follows_the_slider():
    box = widgets.untying_explorer()
    out = _output(box)
    assert "detailed balance" in _text(out)
    _control(box, "U_target").value = "shifted"
    _control(box, "untying a").value = 1.0
    assert "dominant cycle 0 -> 1 -> 2 -> 3 -> 0" in _text(out)


def test_gradient_widget_clamps_the_entry_when_the_parameter_shrinks():
    box = widgets.gradient_check_explorer(K=3, name="W", index=20)
    entry = _control(box, "entry (flat index)")
    assert entry.max == 26 and entry.value == 20
    _control(box, "parameter").value = "c"
    assert entry.max == 2 and entry.value == 2
    assert "entry c[2]" in _text(_output(box))
    with pytest.raises(ValueError, match="name must be"):
        widgets.gradient_check_explorer(name="Z")
