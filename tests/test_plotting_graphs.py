"""Every plotting function renders (Agg, to PNG), and chain graphs mean what they say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nelc_edu import markov, plotting  # noqa: E402
from nelc_edu.plotting import graphs  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _save(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    # not blank (matplotlib 3.7, the oldest supported, writes the same images ~20% smaller)
    assert path.stat().st_size > 3_000, f"{name}.png is suspiciously small"
    return path


def _arrows(ax, gid=graphs.GID_CURRENT):
    return [p for p in ax.patches if p.get_gid() == gid]


def _nodes(ax):
    (nodes,) = [c for c in ax.collections if c.get_gid() == graphs.GID_NODES]
    return nodes


def test_style_is_colour_blind_palette_and_large_fonts():
    plotting.use_style()
    assert matplotlib.rcParams["font.size"] >= 12
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == plotting.PALETTE
    assert set(plotting.PALETTE) <= set(plotting.OKABE_ITO.values())


CHAINS = {
    "ring": markov.driven_ring(5, affinity=3.0, p_stay=0.2),
    "reversible": markov.random_reversible_chain(6, seed=1),
    "random": markov.random_nonreversible_chain(7, seed=2, density=0.6),
    "sparse": markov.random_nonreversible_chain(8, seed=3, density=0.2),
}


@pytest.mark.parametrize("name", sorted(CHAINS))
@pytest.mark.parametrize("threshold", [1e-12, 0.005, 0.02])
def test_one_arrow_per_current_above_threshold(name, threshold):
    T = CHAINS[name]
    J = markov.probability_currents(T)
    fig, ax = plotting.draw_chain_graph(T, threshold=threshold)
    expected = int(((J > threshold) & ~np.eye(len(T), dtype=bool)).sum())
    assert len(_arrows(ax)) == expected
    # never both directions of a pair
    assert expected == markov.net_current_graph(T, threshold=threshold).number_of_edges()


def test_reversible_chain_has_no_arrows():
    fig, ax = plotting.draw_chain_graph(CHAINS["reversible"])
    assert _arrows(ax) == []


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_node_area_is_ordered_like_pi(name):
    T = CHAINS[name]
    pi = markov.stationary_distribution(T)
    fig, ax = plotting.draw_chain_graph(T)
    sizes = _nodes(ax).get_sizes()
    order = np.argsort(pi)
    assert np.all(np.diff(sizes[order]) >= 0)
    # proportional above the visibility floor
    big = sizes > 40
    ratio = sizes[big] / pi[big]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)


def test_arrow_width_grows_with_current():
    T = CHAINS["random"]
    J = markov.probability_currents(T)
    fig, ax = plotting.draw_chain_graph(T)
    edges = [(i, j) for i in range(len(T)) for j in range(len(T)) if i != j and J[i, j] > 1e-12]
    widths = np.array([p.get_linewidth() for p in _arrows(ax)])
    currents = np.array([J[e] for e in edges])
    assert np.all(np.diff(widths[np.argsort(currents)]) >= -1e-12)


def test_highlight_cycle_and_pi_given(tmp_path):
    T = CHAINS["random"]
    cycle, _ = markov.dominant_cycle(T)
    pi = markov.stationary_distribution(T)
    fig, ax = plotting.draw_chain_graph(T, pi, highlight_cycle=cycle, show_self_loops=True,
                                        title="dominant cycle", layout="spring")
    assert len(_arrows(ax, graphs.GID_HIGHLIGHT)) == len(cycle)
    assert "Orange halo" in ax.get_xlabel().replace("\n", " ")
    _save(fig, tmp_path, "highlight")


def test_node_images_and_labels(tmp_path):
    T = CHAINS["ring"]
    images = np.random.default_rng(0).random((5, 8, 8))
    fig, ax = plotting.draw_chain_graph(T, node_images=images,
                                        node_labels=list("abcde"))
    from matplotlib.offsetbox import AnnotationBbox

    assert sum(isinstance(a, AnnotationBbox) for a in ax.artists) == 5
    _save(fig, tmp_path, "images")
    fig, ax = plotting.draw_chain_graph(T, node_images=images.reshape(5, 64))
    with pytest.raises(ValueError, match="one image per state"):
        plotting.draw_chain_graph(T, node_images=images[:4])


def test_graph_errors():
    T = CHAINS["ring"]
    with pytest.raises(ValueError, match="layout"):
        plotting.draw_chain_graph(T, layout="nonsense")
    with pytest.raises(ValueError, match="no position"):
        plotting.draw_chain_graph(T, layout={0: (0, 0)})
    with pytest.raises(ValueError, match="node_labels"):
        plotting.draw_chain_graph(T, node_labels=["a"])
    with pytest.raises(ValueError):
        plotting.draw_chain_graph([[0.5, 0.6], [0.5, 0.5]])  # rows do not sum to 1


def test_circular_layout_is_clockwise_from_top():
    pos = plotting.circular_layout(4)
    np.testing.assert_allclose(pos[0], [0, 1], atol=1e-12)
    np.testing.assert_allclose(pos[1], [1, 0], atol=1e-12)


def test_every_plotting_function_renders(tmp_path):
    T = CHAINS["random"]
    figs = {
        "graph": plotting.draw_chain_graph(T)[0],
        "graph_loops": plotting.draw_chain_graph(CHAINS["ring"], show_self_loops=True)[0],
        "matrix": plotting.draw_transition_matrix(T)[0],
        "currents": plotting.draw_current_matrix(T)[0],
        "evolution": plotting.plot_distribution_evolution(T, 0, 20)[0],
        "evolution_p0": plotting.plot_distribution_evolution(T, np.full(7, 1 / 7), 60)[0],
        "cycles": plotting.plot_cycle_decomposition(T)[0],
        "lumping": plotting.plot_lumping(T, [0, 0, 1, 1, 2, 2, 2])[0],
    }
    n = np.array([10, 100, 1000, 10000])
    est = 0.3 + np.array([[np.inf, 0.5], [0.2, 0.4], [0.33, 0.28], [0.31, 0.295]])
    figs["estimates"] = plotting.plot_estimates(n, est, 0.3)[0]
    figs["convergence"] = plotting.plot_convergence(n, est, 0.3)[0]
    figs["convergence_1d"] = plotting.plot_convergence(n, est[:, 1], 0.3)[0]
    X = (np.random.default_rng(1).random((20, 64)) > 0.5).astype(float)
    figs["grid"] = plotting.image_grid(X, titles=[str(k) for k in range(20)])[0]
    figs["strip"] = plotting.image_strip(X[:6], labels=[f"t={t}" for t in range(6)])[0]
    figs["grid28"] = plotting.image_grid(np.random.default_rng(2).random((6, 784)))[0]
    for name, fig in figs.items():
        _save(fig, tmp_path, name)


def test_cycle_decomposition_bars_sum_to_sigma():
    T = CHAINS["random"]
    fig, ax = plotting.plot_cycle_decomposition(T)
    widths = [p.get_width() for p in ax.patches]
    assert np.isclose(sum(widths[:-1]), widths[-1])
    assert np.isclose(widths[-1], markov.entropy_production(T))


def test_lumping_never_raises_sigma():
    T = CHAINS["random"]
    fig, (_, _, ax_b) = plotting.plot_lumping(T, [[0, 1, 2], [3, 4], [5, 6]])
    fine, lumped = (p.get_height() for p in ax_b.patches)
    assert lumped <= fine + 1e-15


def test_convergence_marks_infinite_estimates():
    n = np.array([10, 100, 1000])
    est = np.array([[np.inf, np.inf], [0.5, np.inf], [0.41, 0.39]])
    fig, ax = plotting.plot_convergence(n, est, 0.4)
    markers = [c for c in ax.collections if c.get_label() == "estimate = ∞"]
    assert len(markers) == 1 and len(markers[0].get_offsets()) == 2


def test_image_helpers_validate():
    with pytest.raises(ValueError, match="cannot guess"):
        plotting.image_grid(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="titles"):
        plotting.image_grid(np.zeros((3, 64)), titles=["a"])
    fig, ax = plotting.image_grid(np.zeros((3, 10)), shape=(2, 5), ncols=3)
    assert ax.images[0].get_array().shape[1] == 3 * 5 + 2


def test_convergence_figure_names_whose_rate_its_guide_is():
    """A reversible chain's plug-in sigma has an O(1/n) error, not 1/sqrt(n): the default
    title promises no rate, and the guide says it is an irreversible chain's."""
    n = np.array([100, 1000, 10000])
    fig, ax = plotting.plot_convergence(n, 0.4 + np.array([0.1, 0.03, 0.01]), 0.4)
    assert "sqrt" not in ax.get_title()
    assert any("irreversible" in line.get_label() for line in ax.get_lines())


def test_training_curves_say_when_sigma_is_rounding():
    """A tied model's sigma and floor (1e-32, 1e-26) are rounding: the panel says so instead of
    drawing them on a 1e-25 offset scale; a measured sigma gets no such note."""
    from nelc_edu.training import TrainingHistory

    def history(sigma, floor):
        return TrainingHistory(model=None, steps=[0, 10], records=[
            {"log_likelihood": -40.0, "entropy_production": s, "ep_noise_floor": floor,
             "mean_self_transition": 0.5} for s in sigma])

    fig, axes = plotting.plot_training_curves({"rbm": history([1e-32, 4e-31], 1e-26)})
    texts = [t.get_text() for t in axes[1].texts]
    assert any("rounding level" in t for t in texts) and axes[1].get_ylim()[1] == 1e-20
    fig, axes = plotting.plot_training_curves({"two_matrix": history([1e-4, 0.2], 1e-5)})
    assert not any("rounding level" in t.get_text() for t in axes[1].texts)
