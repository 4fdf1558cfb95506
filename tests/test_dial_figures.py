"""The reversibility dial and the gradient sweep: summaries, figures and the dial widget.

The summaries are checked against plain recomputations (statistics.median, loops); the
figures against the data they were given (one point per run, one colour per lambda of any
grid, the RBMs on the rounding edge, the chosen runs ringed); the widget redraws exactly one
figure per change.
"""

from __future__ import annotations

import statistics

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import dial, gradient_fidelity, plotting, widgets  # noqa: E402
from nelc_edu.plotting import dial as pdial  # noqa: E402
from nelc_edu.plotting.style import HIGHLIGHT as _HIGHLIGHT  # noqa: E402
from nelc_edu.widgets._common import new_figure  # noqa: E402

HIGHLIGHT = _HIGHLIGHT.lower()


def _dial_records(lambdas=(0.0, 1e-3, 1.0), seeds=(0, 1, 2), K=3, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    recs = []
    for lam in lambdas:
        for s in seeds:
            recs.append({"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": s,
                                      "K": K},
                         "final": {"log_likelihood": -20 - np.log1p(lam) + rng.normal(0, 0.1),
                                   "log_likelihood_heldout": -21 - lam + rng.normal(0, 0.1),
                                   "entropy_production": 0.5 / (1 + 1e4 * lam) * (1 + 0.1 * s),
                                   "ep_noise_floor": 1e-7, "mean_self_transition": 0.1 + lam / 10,
                                   "T": np.full((K, K), 1 / K).tolist(), "pi": [1 / K] * K,
                                   "current_threshold": 1e-3, "dominant_cycle": None},
                         "decoder_means": np.full((K, 16), 0.5)})
    for kind in ("rbm", "rbm_exact"):
        for s in seeds:
            recs.append({"settings": {"kind": kind, "seed": s, "K": K},
                         "final": {"log_likelihood": -22.0 + s, "log_likelihood_heldout": -22.5,
                                   "entropy_production": 1e-33, "ep_noise_floor": 1e-28,
                                   "mean_self_transition": 0.9}})
    return recs


# ----------------------------------------------------------------------------- nelc_edu.dial
def test_dial_by_lambda_matches_plain_medians():
    recs = _dial_records(lambdas=(0.0, 1e-6, 0.1, 10.0), seeds=(0, 1, 2, 3))
    table = dial.dial_table(recs)
    assert dial.tie_penalties(table) == [0.0, 1e-6, 0.1, 10.0]
    for metric in ("log_likelihood", "entropy_production", "mean_self_transition"):
        c = dial.dial_by_lambda(table, metric)
        for i, lam in enumerate(c.tie_penalty):
            vals = [r["final"][metric] for r in recs if r["settings"]["kind"] == "two_matrix"
                    and r["settings"]["tie_penalty"] == lam]
            assert c.median[i] == pytest.approx(statistics.median(vals))
            assert (c.low[i], c.high[i], c.n_runs[i]) == (min(vals), max(vals), len(vals))


def test_dial_by_lambda_skips_nan_and_refuses_bad_input():
    recs = _dial_records(lambdas=(0.0, 1.0), seeds=(0, 1))
    recs[0]["final"]["log_likelihood"] = None  # a run whose value is missing
    c = dial.dial_by_lambda(dial.dial_table(recs))
    assert c.n_runs.tolist() == [1, 2]
    with pytest.raises(ValueError, match="not a column"):
        dial.dial_by_lambda(dial.dial_table(recs), "nope")
    rbm_only = [r for r in recs if r["settings"]["kind"] != "two_matrix"]
    with pytest.raises(ValueError, match="no two-matrix runs"):
        dial.dial_by_lambda(dial.dial_table(rbm_only))


def test_find_run():
    recs = _dial_records(seeds=(4, 2))
    assert dial.find_run(recs, tie_penalty=1.0)["settings"]["seed"] == 2
    assert dial.find_run(recs, tie_penalty=1.0, seed=4)["settings"]["tie_penalty"] == 1.0
    assert dial.find_run(recs, "rbm_exact")["settings"]["kind"] == "rbm_exact"
    with pytest.raises(ValueError, match="lambda 5"):
        dial.find_run(recs, tie_penalty=5.0)
    with pytest.raises(ValueError, match="seed 9"):
        dial.find_run(recs, tie_penalty=1.0, seed=9)


# ---------------------------------------------------------------- nelc_edu.gradient_fidelity
def _grad_records(seeds=(2, 0, 1), n_ckpt=5):
    rng = np.random.default_rng(1)
    steps = list(range(0, 100 * n_ckpt, 100))
    recs = []
    for s in seeds:
        for kind, rule in (("two_matrix", "exact"), ("two_matrix", "one_step"), ("rbm", "exact"),
                           ("rbm_exact", "exact")):
            cos = [1.0] + list(rng.uniform(-0.5, 1.0, n_ckpt - 1))
            diag = list(np.linspace(0.1, 0.9 if kind != "two_matrix" else 0.05, n_ckpt))
            ll = list(np.linspace(-44, -19 - 0.1 * s - (rule == "one_step"), n_ckpt))
            recs.append({"settings": {"kind": kind, "seed": s, "stationary_term": rule,
                                      "tie_penalty": 0.0, "K": 10},
                         "final": {"log_likelihood": ll[-1], "log_likelihood_heldout": ll[-1],
                                   "entropy_production": 0.3 + s + (rule == "one_step"),
                                   "ep_noise_floor": 1e-5, "mean_self_transition": diag[-1]},
                         "history": {"steps": steps, "records": [
                             {"pcd_gradient_cosine": None if kind == "rbm_exact" else c,
                              "mean_self_transition": d, "log_likelihood": v}
                             for c, d, v in zip(cos, diag, ll, strict=True)]}})
    return recs


def test_checkpoint_matrix_and_fidelity_curves():
    recs = _grad_records()
    fc = gradient_fidelity.fidelity_curves(recs, "rbm")
    assert fc.seeds.tolist() == [0, 1, 2]
    for row, s in zip(fc.cosine, fc.seeds, strict=True):
        (rec,) = [r for r in recs if r["settings"]["kind"] == "rbm" and r["settings"]["seed"] == s]
        assert row.tolist() == [h["pcd_gradient_cosine"] for h in rec["history"]["records"]]
    tm = gradient_fidelity.fidelity_curves(recs, "two_matrix")
    assert tm.cosine.shape == (3, 5)   # the one-step runs are left out
    with pytest.raises(ValueError, match="no gradient fidelity"):
        gradient_fidelity.fidelity_curves(recs, "rbm_exact")
    _, m = gradient_fidelity.checkpoint_matrix(
        [r for r in recs if r["settings"]["kind"] == "rbm_exact"], "pcd_gradient_cosine")
    assert np.isnan(m).all()
    bad = _grad_records(seeds=(0,), n_ckpt=3) + _grad_records(seeds=(1,), n_ckpt=4)
    with pytest.raises(ValueError, match="share their checkpoints"):
        gradient_fidelity.checkpoint_matrix(bad, "mean_self_transition")


def test_rule_comparison_pairs_by_seed():
    recs = _grad_records(seeds=(1, 0))
    recs = [r for r in recs if not (r["settings"]["seed"] == 1
                                    and r["settings"]["stationary_term"] == "one_step")]
    rc = gradient_fidelity.rule_comparison(recs)
    assert rc.seeds.tolist() == [0]
    assert rc.one_step["entropy_production"][0] == rc.exact["entropy_production"][0] + 1
    with pytest.raises(ValueError, match="both rules"):
        gradient_fidelity.rule_comparison([r for r in recs
                                           if r["settings"]["stationary_term"] == "exact"])


# ----------------------------------------------------------------------------- the figures
@pytest.mark.parametrize("lambdas", [(0.0, 1e-3, 1.0), (0.0, 1e-6, 1e-4, 1e-2, 1.0, 100.0),
                                     (0.5,)])
def test_plot_dial_any_grid(lambdas):
    recs = _dial_records(lambdas=lambdas, seeds=(0, 1))
    fig, axes = plotting.plot_dial(recs, highlight=lambdas[-1], title="toy")
    n_runs = len(recs)
    for ax in axes:
        points = sum(len(c.get_offsets()) for c in ax.collections
                     if HIGHLIGHT not in _edge_hexes(c))
        assert points == n_runs
        rings = [c for c in ax.collections if HIGHLIGHT in _edge_hexes(c)]
        assert sum(len(c.get_offsets()) for c in rings) == 2  # the two seeds of that lambda
        assert ax.get_title().startswith("toy · ")
    (cbar,) = [a for a in fig.axes if a not in axes]
    assert [t.get_text() for t in cbar.get_yticklabels()] == [pdial._lambda_label(v)
                                                              for v in lambdas]
    # the RBMs' sigma (1e-33) sits on the left edge of the log axis
    left = axes[0].get_xlim()[0]
    rbm_x = [x for c in axes[0].collections for x, _ in c.get_offsets()
             if _edge_hexes(c) and np.allclose(x, left)]
    assert len(rbm_x) == 4
    plt.close(fig)


def _edge_hexes(collection) -> set[str]:
    from matplotlib.colors import to_hex

    return {to_hex(c) for c in collection.get_edgecolor()}


def test_plot_dial_title_is_the_family_rank_correlation():
    recs = _dial_records()
    table = dial.dial_table(recs)
    fig, axes = plotting.plot_dial(table, K=3)
    rho, n = dial.within_family(table, "mean_self_transition", "log_likelihood")
    assert axes[1].get_title() == f"Spearman ρ over the {n} two-matrix runs: {rho:+.2f}"
    assert any(line.get_xdata()[0] == pytest.approx(1 / 3) for line in axes[1].lines)
    plt.close(fig)


def test_plot_dial_by_lambda_ticks_and_medians():
    lambdas = (0.0, 1e-5, 1e-2, 10.0)
    recs = _dial_records(lambdas=lambdas)
    fig, axes = plotting.plot_dial_by_lambda(recs, title="toy")
    for ax, metric in zip(axes, ("log_likelihood", "entropy_production",
                                 "mean_self_transition"), strict=True):
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1e-05", "0.01", "10"]
        (median_line,) = [ln for ln in ax.lines if ln.get_marker() == "o"]
        assert np.allclose(median_line.get_ydata(),
                           dial.dial_by_lambda(dial.dial_table(recs), metric).median)
    assert axes[0].get_title(loc="left") == "toy"
    plt.close(fig)


def test_plot_gradient_fidelity_draws_the_medians():
    recs = _grad_records()
    fig, axes = plotting.plot_gradient_fidelity(recs)
    fc = gradient_fidelity.fidelity_curves(recs, "rbm")
    thick = [ln for ln in axes[0].lines if ln.get_linewidth() > 2]
    assert any(np.allclose(ln.get_ydata(), np.nanmedian(fc.cosine, axis=0)) for ln in thick)
    n_points = sum(len(c.get_offsets()) for c in axes[2].collections)
    assert n_points == 2 * 3 * 4  # two kinds, three seeds, checkpoints after the start
    plt.close(fig)


def test_plot_rule_comparison_one_line_per_seed():
    recs = _grad_records()
    fig, axes = plotting.plot_rule_comparison(recs)
    rc = gradient_fidelity.rule_comparison(recs)
    grey_pairs = [ln for ln in axes[1].lines if len(ln.get_xdata()) == 2]
    assert len(grey_pairs) == len(rc.seeds)
    assert axes[2].get_yscale() == "log"
    plt.close(fig)


def test_draw_dial_run_reports_the_chosen_run():
    recs = _dial_records()
    fig = new_figure((12, 9))
    report = pdial.draw_dial_run(fig, recs, 1e-3, seed=1)
    assert report.startswith("two-matrix (PCD), λ = 0.001, seed 1:")
    assert "no current exceeds 3 standard errors" in report


# ----------------------------------------------------------------------------- the widget
def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _one_png(box):
    (out,) = [w for w in _walk(box) if isinstance(w, ipywidgets.Output)]
    imgs = [o for o in out.outputs if o["output_type"] == "display_data"]
    assert len(imgs) == 1 and not [o for o in out.outputs if o.get("name") == "stderr"]
    return "".join(o.get("text", "") for o in out.outputs if o["output_type"] == "stream")


def test_dial_explorer_redraws_one_figure_per_change():
    figs_before = plt.get_fignums()
    sweeps = {"A": _dial_records(lambdas=(0.0, 1.0), seeds=(0, 1)),
              "B": _dial_records(lambdas=(0.0, 0.1, 10.0), seeds=(5,), rng_seed=1)}
    box = widgets.dial_explorer(sweeps, tie_penalty=1.0)
    assert "λ = 1, seed 0" in _one_png(box)
    toggle, sliders = [w for w in box.children if not isinstance(w, ipywidgets.Output)][:2]
    lam_w, seed_w, all_w = sliders.children
    seed_w.value = 1
    assert "seed 1" in _one_png(box)
    toggle.value = "B"                       # another grid and other seeds
    assert [v for _, v in lam_w.options] == [0.0, 0.1, 10.0]
    assert list(seed_w.options) == [5]
    lam_w.value = 10.0
    assert "λ = 10, seed 5" in _one_png(box)
    all_w.value = True
    _one_png(box)
    assert plt.get_fignums() == figs_before, "the widget must not leave pyplot figures"


def test_dial_explorer_refuses_records_without_the_family():
    recs = [r for r in _dial_records() if r["settings"]["kind"] != "two_matrix"]
    with pytest.raises(ValueError, match="no two-matrix run"):
        widgets.dial_explorer(recs)
