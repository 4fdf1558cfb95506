"""What moved into its own room does what it did, and the figures read as they say.

* the one JSON convention (``nelc_edu._json``) round-trips, and every writer of records uses it;
* ``markov.distribution_over_time`` against matrix powers;
* trained latent graphs: the strongest currents plus the dominant cycle by default, all of
  them on request, no support lines when every pair is connected, a note when none is drawn;
* one colour per model kind in the figures that show model kinds; orange only highlights;
* log-likelihood axes that clip the untrained start say where it is; legends sit outside
  the axes.
"""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import markov, plotting  # noqa: E402
from nelc_edu._json import number, to_jsonable  # noqa: E402
from nelc_edu.plotting import graphs  # noqa: E402
from nelc_edu.plotting.style import HIGHLIGHT, KIND_STYLES, ORANGE  # noqa: E402
from nelc_edu.training import TrainingHistory  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- one JSON rule
def test_json_convention_round_trips_and_is_standard_json():
    value = {"a": np.arange(3), "s": np.float32(0.5), "i": np.int64(7), "n": math.nan,
             "p": math.inf, "m": -np.inf, "nested": [(1.0, np.nan)], "b": np.bool_(True)}
    out = to_jsonable(value)
    text = json.dumps(out, allow_nan=False)  # standard JSON: no NaN, no Infinity
    back = json.loads(text)
    assert back["a"] == [0, 1, 2] and back["i"] == 7 and back["b"] is True
    assert back["n"] is None and back["p"] == "inf" and back["m"] == "-inf"
    assert back["nested"] == [[1.0, None]]
    assert math.isnan(number(back["n"])) and number(back["p"]) == math.inf
    assert number(back["m"]) == -math.inf and number(back["s"]) == 0.5


def test_training_history_and_run_records_use_the_one_convention():
    h = TrainingHistory(model=None, settings={"lr": np.float64(0.1)}, steps=[0, 5],
                        records=[{"sigma": np.inf, "T": np.eye(2)}, {"sigma": np.nan}])
    d = h.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["records"][0]["sigma"] == "inf" and d["records"][1]["sigma"] is None
    assert d["records"][0]["T"] == [[1.0, 0.0], [0.0, 1.0]]


# ------------------------------------------------------------------------ markov evolution
def test_distribution_over_time_is_p0_times_matrix_powers():
    T = markov.random_nonreversible_chain(5, seed=1)
    p0 = np.array([0.1, 0.2, 0.3, 0.4, 0.0])
    traj = markov.distribution_over_time(T, p0, 7)
    for t in range(8):
        np.testing.assert_allclose(traj[t], p0 @ np.linalg.matrix_power(T, t), atol=1e-14)
    np.testing.assert_array_equal(markov.distribution_over_time(T, 2, 0), [np.eye(5)[2]])
    with pytest.raises(ValueError, match="not a state"):
        markov.distribution_over_time(T, 5, 3)
    with pytest.raises(ValueError, match="probability vector"):
        markov.distribution_over_time(T, [0.5, 0.5], 3)


# ------------------------------------------------------------------- trained latent graphs
def _arrows(ax, gid=graphs.GID_CURRENT):
    return [p for p in ax.patches if p.get_gid() == gid]


def _dense_chain(K=10, seed=3):
    """A dense non-reversible chain: every pair connected, many currents."""
    rng = np.random.default_rng(seed)
    T = rng.random((K, K)) + 0.05
    return T / T.sum(axis=1, keepdims=True)


def test_max_currents_keeps_the_strongest_and_the_highlighted_cycle():
    T = _dense_chain()
    pi = markov.stationary_distribution(T)
    J = markov.probability_currents(T, pi)
    above = [(i, j) for i in range(10) for j in range(10) if i != j and J[i, j] > 1e-12]
    weakest = sorted(above, key=lambda e: J[e])[:3]
    cycle = [weakest[0][0], weakest[0][1]]  # a "cycle" through one weak edge and back
    cycle_edges = {(cycle[0], cycle[1]), (cycle[1], cycle[0])}
    fig, ax = plotting.draw_chain_graph(T, pi, max_currents=5, highlight_cycle=cycle)
    drawn = len(_arrows(ax))
    expected = 5 + len({e for e in cycle_edges if e in above} - set(
        sorted(above, key=lambda e: -J[e])[:5]))
    assert drawn == expected
    assert f"The {drawn} strongest of the {len(above)} currents" in ax.get_xlabel().replace(
        "\n", " ")
    fig, ax = plotting.draw_chain_graph(T, pi)  # default: every current
    assert len(_arrows(ax)) == len(above)


def test_trained_graph_defaults_and_all_currents():
    T = _dense_chain()
    pi = markov.stationary_distribution(T)
    cycle, _ = markov.dominant_cycle(T, pi)
    fig, ax = plt.subplots()
    n_drawn, n_above = graphs.draw_trained_graph(ax, T, pi, node_images=np.zeros((10, 4)),
                                                 threshold=1e-12, cycle=cycle)
    assert n_above > graphs.TRAINED_MAX_CURRENTS
    assert len(_arrows(ax)) == n_drawn <= graphs.TRAINED_MAX_CURRENTS + len(cycle)
    assert not [ln for ln in ax.lines if ln.get_gid() == graphs.GID_SUPPORT], (
        "a complete support draws no grey lines")
    assert len(_arrows(ax, graphs.GID_HIGHLIGHT)) == len(cycle)
    fig, ax = plt.subplots()
    n_all, _ = graphs.draw_trained_graph(ax, T, pi, node_images=np.zeros((10, 4)),
                                         threshold=1e-12, cycle=cycle, all_currents=True)
    assert n_all == n_above == len(_arrows(ax))
    # a reversible chain: no arrow, and the panel says so
    T_rev = markov.random_reversible_chain(10, seed=0)
    fig, ax = plt.subplots()
    assert graphs.draw_trained_graph(ax, T_rev, markov.stationary_distribution(T_rev),
                                     node_images=np.zeros((10, 4)), threshold=1e-12) == (0, 0)
    assert any("no net current" in t.get_text() for t in ax.texts)


def test_colour_bar_whenever_arrows_encode_currents():
    T = _dense_chain()
    fig, ax = plotting.draw_chain_graph(T)
    labels = [a.get_ylabel() for a in fig.axes if a is not ax]
    assert "net current $J_{ij}$" in labels


# ------------------------------------------------------------------------------- colours
def _training_history(kind_offset=0.0):
    return TrainingHistory(model=None, steps=[0, 10, 20], records=[
        {"log_likelihood": -44.0, "entropy_production": 0.0, "mean_self_transition": 0.1},
        {"log_likelihood": -21.0 - kind_offset, "entropy_production": 0.1,
         "mean_self_transition": 0.3},
        {"log_likelihood": -20.0 - kind_offset, "entropy_production": 0.2,
         "mean_self_transition": 0.5}])


def test_one_colour_per_model_kind_and_no_orange_for_them():
    assert len({s["color"] for s in KIND_STYLES.values()}) == 3
    assert HIGHLIGHT == ORANGE and ORANGE not in {s["color"] for s in KIND_STYLES.values()}
    assert ORANGE not in plotting.PALETTE
    runs = {k: _training_history(i) for i, k in enumerate(KIND_STYLES)}
    fig, axes = plotting.plot_training_curves(runs, K=10)
    colours = {ln.get_label(): matplotlib.colors.to_hex(ln.get_color())
               for ln in axes[0].lines if not ln.get_label().startswith("_")}
    assert colours == {s["label"]: s["color"].lower() for s in KIND_STYLES.values()}


def test_clipped_log_likelihood_start_is_marked_and_legend_is_outside():
    runs = {"two_matrix": _training_history(), "rbm": _training_history(1.0)}
    fig, axes = plotting.plot_training_curves(runs, K=10)
    ax = axes[0]
    lo, _ = ax.get_ylim()
    assert lo > -44.0, "the untrained start is clipped"
    assert any("untrained: -44.0" in t.get_text() for t in ax.texts)
    assert ax.get_legend() is None and len(fig.legends) == 1
    plotting.plot_training_curves(runs, axes=axes, K=10)
    assert len(fig.legends) == 1, "redrawing replaces the legend"
