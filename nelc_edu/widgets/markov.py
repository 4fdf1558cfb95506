"""Widgets for notebooks 00-02: a two-state chain, the driven ring, trajectory estimates.

Each builder returns an ``ipywidgets.VBox`` (controls on top, an ``Output`` below). The
drawing functions (``draw_*``) are plain library functions of a matplotlib Figure and the
slider values; the widgets only wire sliders to them through
:func:`nelc_edu.widgets._common.redraw_into`, so one slider move = one figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._common import controls, redraw_into, slider_kwargs

__all__ = [
    "two_state_explorer",
    "ring_explorer",
    "trajectory_estimator_demo",
    "draw_two_state",
    "draw_ring",
    "draw_trajectory_estimate",
    "TRAJECTORY_LENGTHS",
]

#: Trajectory lengths offered by :func:`trajectory_estimator_demo`.
TRAJECTORY_LENGTHS = (10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000)


def _fmt_vec(v) -> str:
    return "(" + ", ".join(f"{x:.3f}" for x in np.asarray(v)) + ")"


# --------------------------------------------------------------------------------------
# two states
# --------------------------------------------------------------------------------------

def draw_two_state(fig, a: float, b: float, n_steps: int = 25) -> str:
    """Draw the chain ``[[1-a, a], [b, 1-b]]`` and its distribution over time.

    Returns the text report (``T``, ``pi``, the convergence factor ``1 - a - b``).

    Examples
    --------
    >>> from nelc_edu.widgets._common import new_figure
    >>> report = draw_two_state(new_figure(), a=0.3, b=0.1)
    >>> "(0.250, 0.750)" in report
    True
    """
    from .. import plotting

    T = np.array([[1.0 - a, a], [b, 1.0 - b]])
    gs = fig.add_gridspec(1, 2, width_ratios=[1.0, 1.5])
    ax_g, ax_t = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    lam = 1.0 - a - b
    lines = [f"T = [[{1 - a:.2f}, {a:.2f}],", f"     [{b:.2f}, {1 - b:.2f}]]"]
    if a + b == 0.0:
        ax_g.text(0.5, 0.5, "a = b = 0: the chain never moves.\nEvery distribution is\n"
                  "stationary: no unique π.", ha="center", va="center",
                  transform=ax_g.transAxes)
        ax_g.set_axis_off()
        lines.append("a = b = 0: reducible (two closed classes {0} and {1}); no unique pi.")
    else:
        pi = np.array([b, a]) / (a + b)
        plotting.draw_chain_graph(T, pi, ax=ax_g, layout={0: (-1.0, 0.0), 1: (1.0, 0.0)},
                                  show_self_loops=True, colorbar=False, curvature=0.0,
                                  title="the chain",
                                  caption="Node area ∝ π. A two-state chain has no net "
                                          "current: what flows 0→1 flows back.")
        lines.append(f"pi = (b, a) / (a + b) = {_fmt_vec(pi)}")
        if a == 0.0 or b == 0.0:
            lines.append(f"one-way chain: state {0 if a == 0 else 1} is absorbing, the other "
                         "transient. pi is unique, but the chain is not irreducible.")
        if lam == -1.0:
            lines.append("1 - a - b = -1: the chain alternates 0, 1, 0, 1, ... (period 2): "
                         "p_t oscillates forever, yet pi exists.")
        else:
            lines.append(f"1 - a - b = {lam:+.2f}: the distance to pi shrinks by this "
                         "factor each step.")
    plotting.plot_distribution_evolution(T, 0, n_steps, ax=ax_t,
                                         title="start in state 0: $P(X_t = i)$")
    return "\n".join(lines)


def two_state_explorer(a: float = 0.3, b: float = 0.1, n_steps: int = 25):
    """Sliders for ``a = P(0 -> 1)`` and ``b = P(1 -> 0)``: graph, ``pi``, convergence.

    Try ``a = b = 1`` (periodic) and ``a = b = 0`` (reducible).

    Examples
    --------
    >>> box = two_state_explorer()
    >>> [o["output_type"] for o in box.children[-1].outputs]
    ['stream', 'display_data']
    """
    import ipywidgets

    sa = ipywidgets.FloatSlider(value=a, **slider_kwargs("a = P(0→1)", min=0.0, max=1.0,
                                                         step=0.05, readout_format=".2f"))
    sb = ipywidgets.FloatSlider(value=b, **slider_kwargs("b = P(1→0)", min=0.0, max=1.0,
                                                         step=0.05, readout_format=".2f"))
    out = ipywidgets.Output()

    def update(change: Any = None) -> None:
        redraw_into(out, lambda fig: draw_two_state(fig, sa.value, sb.value, n_steps),
                    figsize=(11.0, 4.4))

    for s in (sa, sb):
        s.observe(update, names="value")
    update()
    return ipywidgets.VBox([controls(sa, sb), out])


# --------------------------------------------------------------------------------------
# the driven ring
# --------------------------------------------------------------------------------------

def _ring_probs(affinity: float, n: int, p_stay: float) -> tuple[float, float]:
    move = 1.0 - p_stay
    if math.isinf(affinity):
        return (move, 0.0) if affinity > 0 else (0.0, move)
    r = math.exp(affinity / n)
    return move * r / (1.0 + r), move / (1.0 + r)


def draw_ring(fig, n: int = 6, affinity: float = 2.0, p_stay: float = 0.0,
              a_max: float = 10.0) -> str:
    """The driven ring: graph with currents, and ``J``, ``sigma`` as functions of ``A``.

    Returns the text report (``p``, ``q``, ``pi``, ``J``, ``sigma``, period, Kolmogorov).

    Examples
    --------
    >>> from nelc_edu.widgets._common import new_figure
    >>> report = draw_ring(new_figure(), n=4, affinity=0.0)
    >>> "reversible: True" in report
    True
    """
    from .. import markov, plotting
    from ..plotting.style import BLACK, BLUE, VERMILLION

    T = markov.driven_ring(n, affinity, p_stay=p_stay)
    pi = markov.stationary_distribution(T)
    J = markov.probability_currents(T, pi)
    sigma = markov.entropy_production(T, pi)
    kol = markov.kolmogorov_check(T)
    per = markov.period(T)
    p, q = _ring_probs(affinity, n, p_stay)

    gs = fig.add_gridspec(2, 2, width_ratios=[1.15, 1.0])
    ax_g = fig.add_subplot(gs[:, 0])
    ax_j = fig.add_subplot(gs[0, 1])
    ax_s = fig.add_subplot(gs[1, 1], sharex=ax_j)
    p_max, q_max = _ring_probs(a_max, n, 0.0)
    j_max = (p_max - q_max) / n  # the largest current the sliders can reach for this n
    plotting.draw_chain_graph(
        T, pi, ax=ax_g, current_scale=j_max, show_self_loops=p_stay > 0,
        title=f"driven ring, n = {n}, A = {affinity:.1f}",
        caption=f"Node area ∝ π (uniform here). Arrow width and colour ∝ net current J; "
                f"the widest arrow is J = {j_max:.3f}, reached at A = ±{a_max:g} "
                "without stays.",
    )
    grid = np.linspace(-a_max, a_max, 201)
    pq = np.array([_ring_probs(a, n, p_stay) for a in grid])
    J_curve = (pq[:, 0] - pq[:, 1]) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        s_curve = (pq[:, 0] - pq[:, 1]) * np.log(pq[:, 0] / pq[:, 1])
    J_now = J[0, 1 % n]
    ax_j.plot(grid, J_curve, color=BLUE)
    ax_j.plot([affinity], [J_now], "o", color=VERMILLION, ms=10, zorder=3)
    ax_j.axhline(0, color=BLACK, lw=0.8)
    ax_j.set_ylabel("current $J$")
    ax_j.set_title("current and entropy production vs affinity $A$")
    ax_j.tick_params(labelbottom=False)
    ax_s.plot(grid, s_curve, color=BLUE)
    ax_s.plot([affinity], [sigma], "o", color=VERMILLION, ms=10, zorder=3)
    ax_s.set_ylabel("$\\sigma$ (nats/step)")
    ax_s.set_xlabel("cycle affinity $A = \\log \\prod T_{\\rm fwd} / \\prod T_{\\rm bwd}$")
    ax_s.set_ylim(bottom=-0.02 * max(float(np.nanmax(s_curve)), 1e-9))

    cyc = kol.cycles[0]
    cyc_txt = "→".join(map(str, [*cyc, cyc[0]]))
    lines = [
        f"n = {n} states, affinity A = {affinity:.2f}, p_stay = {p_stay:.2f}, "
        f"period = {per}" + (" (p_t oscillates, pi still unique)" if per > 1 else ""),
        f"step forward p = {p:.4f}, backward q = {q:.4f}   (p/q = e^(A/n))",
        f"pi = {_fmt_vec(pi)}" if n <= 8 else f"pi = uniform, 1/{n} = {1 / n:.4f}",
        f"J(i -> i+1) = {J_now:.5f} on every edge      sigma = {sigma:.5f} nats/step"
        f"   = J * A = {J_now * affinity:.5f}",
        f"Kolmogorov on the cycle {cyc_txt}: product of T forward = {kol.forward[0]:.3e}, "
        f"backward = {kol.backward[0]:.3e}",
        f"    log(forward/backward) = {kol.affinities[0]:+.4f}  ->  reversible: "
        f"{kol.reversible}",
    ]
    return "\n".join(lines)


def ring_explorer(n: int = 6, affinity: float = 2.0, p_stay: float = 0.0):
    """Sliders for the driven ring: affinity ``A``, number of states ``n``, ``p_stay``.

    Redraws the ring (node area ∝ ``pi``, arrows = net current), the curves ``J(A)`` and
    ``sigma(A)`` with the current point, and prints ``pi``, ``J``, ``sigma`` and the
    Kolmogorov product ratio of the ring.

    Examples
    --------
    >>> box = ring_explorer(n=4)
    >>> len(box.children[-1].outputs)
    2
    """
    import ipywidgets

    s_a = ipywidgets.FloatSlider(value=affinity, **slider_kwargs(
        "affinity A", min=-10.0, max=10.0, step=0.1, readout_format=".1f"))
    s_n = ipywidgets.IntSlider(value=n, **slider_kwargs("states n", min=3, max=12))
    s_s = ipywidgets.FloatSlider(value=p_stay, **slider_kwargs(
        "p_stay", min=0.0, max=0.9, step=0.05, readout_format=".2f"))
    out = ipywidgets.Output()

    def update(change: Any = None) -> None:
        redraw_into(out, lambda fig: draw_ring(fig, s_n.value, s_a.value, s_s.value),
                    figsize=(12.0, 5.6))

    for s in (s_a, s_n, s_s):
        s.observe(update, names="value")
    update()
    return ipywidgets.VBox([controls(s_a, s_n, s_s), out])


# --------------------------------------------------------------------------------------
# estimating sigma from a trajectory
# --------------------------------------------------------------------------------------

def _default_estimator_chain() -> np.ndarray:
    from .. import markov

    return markov.driven_ring(4, affinity=6.0, p_stay=0.3)


def draw_trajectory_estimate(fig, T: Any, traj: np.ndarray, n: int,
                             lengths: tuple[int, ...] = TRAJECTORY_LENGTHS) -> str:
    """Estimated ``sigma`` along one trajectory, and estimated vs exact edge currents.

    ``traj`` is one trajectory at least ``max(lengths)`` steps long; ``n`` the length
    examined. Returns the text report.

    Examples
    --------
    >>> from nelc_edu import markov
    >>> from nelc_edu.widgets._common import new_figure
    >>> T = markov.driven_ring(4, affinity=6.0, p_stay=0.3)
    >>> traj = markov.simulate(T, 1000, seed=0)
    >>> print(draw_trajectory_estimate(new_figure(), T, traj, 1000, (10, 100, 1000)))
    n = 1,000 steps: estimated sigma = ...
    ...
    """
    from .. import markov, plotting
    from ..plotting.style import BLACK, BLUE, VERMILLION

    T = np.asarray(T, dtype=float)
    K = T.shape[0]
    exact = markov.entropy_production(T)
    J = markov.probability_currents(T)
    lengths = tuple(m for m in lengths if m < len(traj))
    est = np.array([markov.estimate_entropy_production(traj[:m + 1], K) for m in lengths])
    now = traj[:n + 1]
    sig_hat = markov.estimate_entropy_production(now, K)
    J_hat = markov.estimate_currents(now, K)
    counts = markov.empirical_transition_counts(now, K)

    gs = fig.add_gridspec(1, 2, width_ratios=[1.3, 1.0])
    ax_e, ax_c = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    plotting.plot_estimates(lengths, est, exact, ax=ax_e,
                            title="one trajectory, read up to length n")
    if math.isfinite(sig_hat):
        ax_e.plot([n], [sig_hat], "o", ms=14, mfc="none", mec=VERMILLION, mew=2.5, zorder=5)
    else:
        ax_e.axvline(n, color=VERMILLION, lw=1.5, ls=":")
    edges = [(i, j) for i in range(K) for j in range(K) if i != j and J[i, j] > 1e-12]
    x = np.arange(len(edges))
    ax_c.bar(x - 0.2, [J[i, j] for i, j in edges], width=0.4, color="white",
             edgecolor=BLACK, lw=1.5, label="exact $J_{ij}$")
    ax_c.bar(x + 0.2, [J_hat[i, j] for i, j in edges], width=0.4, color=BLUE,
             label=f"estimate, n = {n:,}")
    ax_c.axhline(0, color=BLACK, lw=0.8)
    ax_c.set_xticks(x)
    ax_c.set_xticklabels([f"{i}→{j}" for i, j in edges])
    ax_c.set_ylabel("net current")
    ax_c.set_title("edge currents $\\hat J_{ij} = (N_{ij} - N_{ji})/n$")
    top = max(float(np.max([J[i, j] for i, j in edges], initial=0.0)),
              float(np.max([J_hat[i, j] for i, j in edges], initial=0.0)))
    bottom = min(0.0, float(np.min([J_hat[i, j] for i, j in edges], initial=0.0)))
    ax_c.set_ylim(bottom * 1.15, max(top, 1e-12) * 1.45)
    ax_c.legend(loc="upper center", ncols=2)

    one_way = [(i, j) for i in range(K) for j in range(K)
               if i != j and counts[i, j] > 0 and counts[j, i] == 0]
    lines = [f"n = {n:,} steps: estimated sigma = {sig_hat:.4f}   exact sigma = {exact:.4f}"]
    if one_way:
        shown = ", ".join(f"{i}→{j}" for i, j in one_way[:6])
        lines.append(f"inf: transitions seen one way only ({shown}); from these data they "
                     "look irreversible. Make the trajectory longer.")
    else:
        lines.append("every transition seen so far has also been seen in reverse.")
    return "\n".join(lines)


def trajectory_estimator_demo(T: Any = None, seed: int = 0, n: int = 1_000,
                              lengths: tuple[int, ...] = TRAJECTORY_LENGTHS):
    """Sliders for the trajectory length and the seed: estimated vs exact ``sigma``.

    Parameters
    ----------
    T : array_like, optional
        The chain; default a 4-state driven ring (``A = 6``, ``p_stay = 0.3``) whose
        backward steps are rare enough that short trajectories often return ``inf``.
    seed : int, optional
        Initial seed.
    n : int, optional
        Initial trajectory length (one of ``lengths``).
    lengths : tuple of int, optional
        Lengths offered by the slider.

    Examples
    --------
    >>> box = trajectory_estimator_demo(lengths=(10, 100, 1000), n=100)
    >>> box.children[-1].outputs[-1]["output_type"]
    'display_data'
    """
    import ipywidgets

    from .. import markov

    T = _default_estimator_chain() if T is None else np.asarray(T, dtype=float)
    lengths = tuple(sorted(int(m) for m in lengths))
    if n not in lengths:
        raise ValueError(f"n={n} is not one of the offered lengths {lengths}.")
    s_n = ipywidgets.SelectionSlider(options=list(lengths), value=n,
                                     **slider_kwargs("trajectory length n"))
    s_seed = ipywidgets.IntSlider(value=seed, **slider_kwargs("seed", min=0, max=30))
    out = ipywidgets.Output()
    cache: dict[int, np.ndarray] = {}

    def trajectory(sd: int) -> np.ndarray:
        if sd not in cache:
            cache.clear()
            cache[sd] = markov.simulate(T, max(lengths), seed=sd)
        return cache[sd]

    def update(change: Any = None) -> None:
        redraw_into(out, lambda fig: draw_trajectory_estimate(
            fig, T, trajectory(s_seed.value), s_n.value, lengths), figsize=(12.0, 4.8))

    for s in (s_n, s_seed):
        s.observe(update, names="value")
    update()
    return ipywidgets.VBox([controls(s_n, s_seed), out])
