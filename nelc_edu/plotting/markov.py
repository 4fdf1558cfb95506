"""Figures of finite Markov chains beyond the graph (notebooks 00-02).

* :func:`plot_distribution_evolution`: ``p_t = p_0 T^t`` approaching ``pi``;
* :func:`plot_estimates` and :func:`plot_convergence`: estimates of a quantity from
  trajectories of growing length, and their error;
* :func:`plot_cycle_decomposition`: Schnakenberg's ``sigma = sum_C J_C A_C``, cycle by cycle;
* :func:`plot_lumping`: a chain, its lumped chain, and their entropy productions;
* :func:`draw_two_state`, :func:`draw_ring` and :func:`draw_trajectory_estimate`: the
  figures of the widgets of notebooks 00-02 (:mod:`nelc_edu.widgets.markov` wires them).

The chain graph itself is :func:`nelc_edu.plotting.graphs.draw_chain_graph`, the matrices
:mod:`nelc_edu.plotting.matrices`. Every function returns matplotlib objects and never calls
``plt.show()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .graphs import _as_matrix, _cycle_label, _new_axes, draw_chain_graph
from .style import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    GREY,
    HIGHLIGHT,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
)

__all__ = [
    "plot_distribution_evolution",
    "plot_estimates",
    "plot_convergence",
    "plot_cycle_decomposition",
    "plot_lumping",
    "draw_two_state",
    "draw_ring",
    "draw_trajectory_estimate",
]

#: Node colours for blocks of a partition (lumping); no orange (the highlight colour).
BLOCK_COLORS = [SKY_BLUE, YELLOW, BLUISH_GREEN, REDDISH_PURPLE, "#FFFFFF", GREY]

#: Trajectory lengths offered by :func:`nelc_edu.widgets.trajectory_estimator_demo`.
TRAJECTORY_LENGTHS = (10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000)


def plot_distribution_evolution(
    T: Any,
    p0: Any,
    n_steps: int = 30,
    *,
    ax: Any = None,
    states: Sequence[int] | None = None,
    show_pi: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (7.0, 4.4),
):
    """Plot ``p_t(i) = (p0 T^t)_i`` against ``t``, with ``pi_i`` as dashed lines.

    Parameters
    ----------
    T : array_like, shape (K, K)
    p0 : int or array_like, shape (K,)
        Initial distribution, or a state (a point mass there).
    n_steps : int, optional
    ax : matplotlib Axes, optional
    states : sequence of int, optional
        Which states to plot (default: all, at most 8).
    show_pi : bool, optional
        Dashed lines at the stationary probabilities (skipped if ``T`` has no unique
        ``pi``, i.e. more than one closed class).
    title : str, optional
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plot_distribution_evolution([[0.5, 0.5], [0.2, 0.8]], p0=0, n_steps=10)
    >>> len(ax.lines)
    4
    >>> plt.close(fig)
    """
    from matplotlib.ticker import MaxNLocator

    from .. import markov

    T = _as_matrix(T)
    K = T.shape[0]
    traj = markov.distribution_over_time(T, p0, n_steps)
    states = list(range(min(K, 8))) if states is None else list(states)
    pi = None
    if show_pi:
        dists = markov.stationary_distributions(T)  # one per closed class
        pi = dists[0] if len(dists) == 1 else None
    fig, ax = _new_axes(ax, figsize)
    t = np.arange(n_steps + 1)
    markers = "osD^vP*X"
    for rank, k in enumerate(states):
        # earlier states drawn wider, so lines that coincide (e.g. periodic chains) show
        (line,) = ax.plot(t, traj[:, k], marker=markers[rank % 8] if n_steps <= 40 else None,
                          ms=max(9.0 - 1.2 * rank, 3.5), lw=max(3.2 - 0.35 * rank, 1.2),
                          label=f"state {k}", zorder=2 + 0.1 * rank)
        if pi is not None:
            ax.axhline(pi[k], color=line.get_color(), ls="--", lw=1.2, alpha=0.9, zorder=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step $t$")
    ax.set_ylabel("$P(X_t = i)$")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(0, n_steps)
    ax.legend(loc="upper right", ncols=2 if len(states) > 4 else 1)
    ax.set_title(title if title is not None else
                 "distribution after t steps (dashed: stationary π)" if pi is not None
                 else "distribution after t steps")
    return fig, ax


def _as_estimates(n_values, estimates):
    n = np.asarray(n_values, dtype=float)
    est = np.asarray(estimates, dtype=float)
    if est.ndim == 1:
        est = est[:, None]
    if est.ndim != 2 or est.shape[0] != n.size:
        raise ValueError(f"estimates has shape {np.shape(estimates)}; expected "
                         f"({n.size},) or ({n.size}, n_repeats), one row per length.")
    return n, est


def _mark_infinite(ax, n, est, label):
    """Triangles at the top of the axes where an estimate is +inf."""
    import matplotlib.transforms as mtransforms

    n_inf = np.isinf(est).sum(axis=1)
    sel = n_inf > 0
    if not sel.any():
        return
    tr = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    ax.scatter(n[sel], np.full(sel.sum(), 0.96), marker="^", s=40 + 8 * n_inf[sel],
               color=BLACK, transform=tr, clip_on=False, zorder=4, label=label)


def plot_estimates(
    n_values: Any,
    estimates: Any,
    exact: float,
    *,
    ax: Any = None,
    quantity: str = r"\sigma",
    title: str | None = "estimate vs trajectory length",
    figsize: tuple[float, float] = (6.4, 4.4),
):
    """Estimates from trajectories of increasing length ``n``, and the exact value.

    Parameters
    ----------
    n_values : array_like, shape (L,)
        Trajectory lengths (number of transitions).
    estimates : array_like, shape (L,) or (L, R)
        One estimate per length, or ``R`` independent repeats per length; ``inf``
        entries (a transition seen without its reverse) are shown as triangles on top.
    exact : float
        The exact value (horizontal dashed line).
    ax : matplotlib Axes, optional
    quantity : str, optional
        LaTeX symbol of the quantity (without dollars).
    title : str, optional
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plot_estimates([10, 100, 1000], [float("inf"), 0.5, 0.42], exact=0.4)
    >>> ax.get_xscale()
    'log'
    >>> plt.close(fig)
    """
    n, est = _as_estimates(n_values, estimates)
    fig, ax = _new_axes(ax, figsize)
    finite = np.where(np.isfinite(est), est, np.nan)
    R = est.shape[1]
    for r in range(R):
        ax.plot(n, finite[:, r], color=BLUE, alpha=0.35 if R > 1 else 1.0, lw=1.2,
                marker="o", ms=3, label=f"estimate $\\hat{{{quantity}}}$" if r == 0 else None)
    ax.axhline(exact, color=BLACK, ls="--", lw=1.8, label=f"exact ${quantity}$")
    _mark_infinite(ax, n, est, "estimate = ∞\n(a reverse jump not seen yet)")
    ax.set_xscale("log")
    ax.set_xlim(n.min() / 1.6, n.max() * 1.6)
    ax.set_xlabel("trajectory length $n$ (steps)")
    ax.set_ylabel(f"${quantity}$ (nats per step)")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return fig, ax


def plot_convergence(
    n_values: Any,
    estimates: Any,
    exact: float,
    *,
    ax: Any = None,
    quantity: str = r"\sigma",
    title: str | None = "error vs trajectory length",
    figsize: tuple[float, float] = (6.4, 4.4),
):
    """Log-log plot of the error ``|estimate - exact|`` against trajectory length.

    Faint dots: each repeat; line: the root-mean-square error over the finite repeats;
    dashed grey: a ``c / sqrt(n)`` guide anchored at the longest trajectory, the rate of an
    irreversible chain's estimate (a reversible chain's plug-in sigma is biased upward and
    its error falls like ``1/n``, faster than the guide: ``docs/theory.md``, "The noise
    floor"). Lengths where some repeat returned ``inf`` get a triangle at the top.

    Parameters
    ----------
    n_values : array_like, shape (L,)
    estimates : array_like, shape (L,) or (L, R)
    exact : float
    ax : matplotlib Axes, optional
    quantity : str, optional
    title : str, optional
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> n = np.array([100, 1000, 10000])
    >>> est = 0.4 + np.array([[0.1, -0.08], [0.03, -0.02], [0.01, 0.012]])
    >>> fig, ax = plot_convergence(n, est, exact=0.4)
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    >>> plt.close(fig)
    """
    n, est = _as_estimates(n_values, estimates)
    fig, ax = _new_axes(ax, figsize)
    err = np.abs(est - exact)
    finite = np.isfinite(err)
    with np.errstate(invalid="ignore"):
        sq = np.where(finite, err, 0.0) ** 2
        cnt = finite.sum(axis=1)
        rms = np.where(cnt > 0, np.sqrt(sq.sum(axis=1) / np.maximum(cnt, 1)), np.nan)
    floor = 1e-300
    rows, cols = np.nonzero(finite)
    if est.shape[1] > 1:
        ax.scatter(n[rows], np.maximum(err[rows, cols], floor), s=10, color=BLUE, alpha=0.3,
                   lw=0, label="one trajectory")
    ok = np.isfinite(rms) & (rms > 0)
    ax.plot(n[ok], rms[ok], color=BLUE, marker="o", ms=6,
            label="RMS error" if est.shape[1] > 1 else "error")
    if ok.any():
        k = np.flatnonzero(ok)[-1]
        c = rms[k] * math.sqrt(n[k])
        guide_n = np.geomspace(n.min(), n.max(), 50)
        ax.plot(guide_n, c / np.sqrt(guide_n), color=GREY, ls="--", lw=1.8,
                label=r"$\propto 1/\sqrt{n}$ (irreversible chain)")
    _mark_infinite(ax, n, est, "estimate = ∞")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(n.min() / 1.6, n.max() * 1.6)
    if ok.any():
        good = err[finite & (err > 0)]
        lo = max(float(good.min()) if good.size else rms[ok].min(), rms[ok].min() * 1e-2)
        ax.set_ylim(lo / 2, max(float(good.max()) if good.size else 1.0, rms[ok].max()) * 3)
    ax.set_xlabel("trajectory length $n$ (steps)")
    ax.set_ylabel(f"$|\\hat{{{quantity}}} - {quantity}|$")
    ax.legend(loc="lower left")
    if title:
        ax.set_title(title)
    return fig, ax


def plot_cycle_decomposition(
    T: Any,
    pi: Any = None,
    *,
    ax: Any = None,
    title: str | None = "Schnakenberg: $\\sigma = \\sum_C J_C A_C$",
    figsize: tuple[float, float] = (7.0, 4.4),
):
    """Bar chart of each fundamental cycle's contribution ``J_C A_C`` and their sum.

    Parameters
    ----------
    T : array_like, shape (K, K)
    pi : array_like, optional
    ax : matplotlib Axes, optional
    title : str, optional
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu import markov
    >>> fig, ax = plot_cycle_decomposition(markov.random_nonreversible_chain(4, seed=0))
    >>> len(ax.patches)  # 3 fundamental cycles + the total
    4
    >>> plt.close(fig)
    """
    from .. import markov

    d = markov.cycle_decomposition(T, pi)
    fig, ax = _new_axes(ax, figsize)
    labels = [_cycle_label(c) for c in d.cycles] + ["total σ"]
    values = np.append(np.asarray(d.contributions, dtype=float), d.total)
    if not np.all(np.isfinite(values)):
        ax.text(0.5, 0.5, "σ = ∞: a transition has no reverse,\nso affinities are infinite",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig, ax
    colors = [BLUE if v >= 0 else VERMILLION for v in values[:-1]] + [BLACK]
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=colors, height=0.65)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.axvline(0.0, color=GREY, lw=1)
    span = max(float(np.abs(values).max()), 1e-12)
    for yy, v in zip(y, values, strict=True):
        ax.text(v + (0.02 * span if v >= 0 else -0.02 * span), yy, f"{v:.4f}",
                va="center", ha="left" if v >= 0 else "right", fontsize=11)
    lo = min(0.0, float(values.min()))
    hi = max(0.0, float(values.max()))
    ax.set_xlim(lo - 0.3 * span * (lo < 0), hi + 0.3 * span)
    ax.set_xlabel("contribution $J_C A_C$ (nats per step)")
    if title:
        ax.set_title(title)
    return fig, ax


def _normalise_partition(partition, K: int) -> list[list[int]]:
    part = list(partition)
    if part and all(np.ndim(b) == 0 for b in part):
        if len(part) != K:
            raise ValueError(f"partition has {len(part)} labels; expected one per state ({K}).")
        keys = sorted(set(int(b) for b in part))
        return [[k for k in range(K) if int(part[k]) == key] for key in keys]
    return [[int(s) for s in block] for block in part]


def plot_lumping(
    T: Any,
    partition: Any,
    pi: Any = None,
    *,
    fig: Any = None,
    block_names: Sequence[str] | None = None,
    figsize: tuple[float, float] = (13.0, 5.0),
):
    """Coarse-graining at a glance: the fine chain, the lumped chain, and both sigmas.

    Left: the fine chain with nodes coloured by block. Middle: the lumped chain
    (:func:`nelc_edu.markov.lump`), same current scale. Right: the entropy production of
    each; the lumped one is never larger.

    Parameters
    ----------
    T : array_like, shape (K, K)
    partition : sequence of sequences of int, or K labels
    pi : array_like, optional
    fig : matplotlib Figure, optional
        Draw into this (empty) figure; a new pyplot figure otherwise.
    block_names : sequence of str, optional
        Default "A", "B", ...
    figsize : tuple, optional

    Returns
    -------
    fig, axes
        ``axes`` = (fine graph, lumped graph, bar chart).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu import markov
    >>> fig, axes = plot_lumping(markov.driven_ring(6, affinity=3.0), [[0, 1], [2, 3], [4, 5]])
    >>> len(axes)
    3
    >>> plt.close(fig)
    """
    from .. import markov

    T = _as_matrix(T)
    K = T.shape[0]
    blocks = _normalise_partition(partition, K)
    pi = markov.stationary_distribution(T) if pi is None else np.asarray(pi, dtype=float)
    TL = markov.lump(T, blocks, pi)
    piL = np.array([pi[b].sum() for b in blocks])
    names = ([chr(ord("A") + m) for m in range(len(blocks))] if block_names is None
             else list(block_names))
    sig_f = markov.entropy_production(T, pi)
    sig_l = markov.entropy_production(TL, piL)
    JF = markov.probability_currents(T, pi)
    JL = markov.probability_currents(TL, piL)
    scale = max(float(JF.max()), float(JL.max()), 1e-12)
    colour_of = {}
    for m, b in enumerate(blocks):
        for s in b:
            colour_of[s] = BLOCK_COLORS[m % len(BLOCK_COLORS)]
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize)
    gs = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.0, 0.55])
    ax_f, ax_l, ax_b = (fig.add_subplot(gs[0, i]) for i in range(3))
    described = "; ".join(f"{nm}={{{','.join(map(str, b))}}}"
                          for nm, b in zip(names, blocks, strict=True))
    draw_chain_graph(T, pi, ax=ax_f, node_color=[colour_of[k] for k in range(K)],
                     current_scale=scale, colorbar=False, title="fine chain",
                     caption="Colours mark the blocks. " + described)
    draw_chain_graph(TL, piL, ax=ax_l, node_labels=names,
                     node_color=[BLOCK_COLORS[m % len(BLOCK_COLORS)] for m in range(len(blocks))],
                     current_scale=scale, colorbar=True, title="lumped chain",
                     caption="Same current scale as the fine chain. Node area ∝ π(block).")
    vals = [sig_f, sig_l]
    shown = [v if math.isfinite(v) else 0.0 for v in vals]
    bars = ax_b.bar([0, 1], shown, color=[BLUE, REDDISH_PURPLE], width=0.6)
    for bar, v in zip(bars, vals, strict=True):
        ax_b.text(bar.get_x() + bar.get_width() / 2, bar.get_height(),
                  f"{v:.3f}" if math.isfinite(v) else "∞", ha="center", va="bottom",
                  fontsize=12)
    ax_b.set_xticks([0, 1])
    ax_b.set_xticklabels(["fine", "lumped"])
    ax_b.set_ylabel("σ (nats per step)")
    top = max(shown) if max(shown) > 0 else 1.0
    ax_b.set_ylim(0, 1.2 * top)
    ax_b.set_title("entropy production")
    return fig, (ax_f, ax_l, ax_b)


# --------------------------------------------------------------------------------------
# the figures of the widgets of notebooks 00-02
# --------------------------------------------------------------------------------------

def _fmt_vec(v) -> str:
    return "(" + ", ".join(f"{x:.3f}" for x in np.asarray(v)) + ")"


def draw_two_state(fig, a: float, b: float, n_steps: int = 25) -> str:
    """Draw the chain ``[[1-a, a], [b, 1-b]]`` and its distribution over time.

    Returns the text report (``T``, ``pi``, the convergence factor ``1 - a - b``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> report = draw_two_state(Figure(layout="constrained"), a=0.3, b=0.1)
    >>> "(0.250, 0.750)" in report
    True
    """
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
        draw_chain_graph(T, pi, ax=ax_g, layout={0: (-1.0, 0.0), 1: (1.0, 0.0)},
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
    plot_distribution_evolution(T, 0, n_steps, ax=ax_t,
                                         title="start in state 0: $P(X_t = i)$")
    return "\n".join(lines)


def _ring_rates(n: int, affinity: float, p_stay: float) -> tuple[float, float]:
    """Forward and backward step probabilities ``(p, q)`` of :func:`nelc_edu.markov.driven_ring`."""
    from .. import markov

    T = markov.driven_ring(n, affinity, p_stay=p_stay)
    return float(T[0, 1]), float(T[0, n - 1])


def _ring_curves(n: int, p_stay: float, affinities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Current ``J`` on an edge and entropy production of the driven ring, for each affinity."""
    from .. import markov

    J, sigma = [], []
    for a in affinities:
        T = markov.driven_ring(n, float(a), p_stay=p_stay)
        pi = markov.stationary_distribution(T)
        J.append(markov.probability_currents(T, pi)[0, 1])
        sigma.append(markov.entropy_production(T, pi))
    return np.array(J), np.array(sigma)


def draw_ring(fig, n: int = 6, affinity: float = 2.0, p_stay: float = 0.0,
              a_max: float = 10.0) -> str:
    """The driven ring: graph with currents, and ``J``, ``sigma`` as functions of ``A``.

    Returns the text report (``p``, ``q``, ``pi``, ``J``, ``sigma``, period, Kolmogorov).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> report = draw_ring(Figure(layout="constrained"), n=4, affinity=0.0)
    >>> "reversible: True" in report
    True
    """
    from .. import markov

    T = markov.driven_ring(n, affinity, p_stay=p_stay)
    pi = markov.stationary_distribution(T)
    J = markov.probability_currents(T, pi)
    sigma = markov.entropy_production(T, pi)
    kol = markov.kolmogorov_check(T)
    per = markov.period(T)
    p, q = _ring_rates(n, affinity, p_stay)

    gs = fig.add_gridspec(2, 2, width_ratios=[1.15, 1.0])
    ax_g = fig.add_subplot(gs[:, 0])
    ax_j = fig.add_subplot(gs[0, 1])
    ax_s = fig.add_subplot(gs[1, 1], sharex=ax_j)
    p_max, q_max = _ring_rates(n, a_max, 0.0)
    j_max = (p_max - q_max) / n  # the largest current the sliders can reach for this n
    draw_chain_graph(
        T, pi, ax=ax_g, current_scale=j_max, show_self_loops=p_stay > 0,
        title=f"driven ring, n = {n}, A = {affinity:.1f}",
        caption=f"Node area ∝ π (uniform here). Arrow width and colour ∝ net current J; "
                f"the widest arrow is J = {j_max:.3f}, reached at A = ±{a_max:g} "
                "without stays.",
    )
    grid = np.linspace(-a_max, a_max, 201)
    J_curve, s_curve = _ring_curves(n, p_stay, grid)
    J_now = J[0, 1 % n]
    ax_j.plot(grid, J_curve, color=BLUE)
    ax_j.plot([affinity], [J_now], "o", color=HIGHLIGHT, ms=10, zorder=3)
    ax_j.axhline(0, color=BLACK, lw=0.8)
    ax_j.set_ylabel("current $J$")
    ax_j.set_title("current and entropy production vs affinity $A$")
    ax_j.tick_params(labelbottom=False)
    ax_s.plot(grid, s_curve, color=BLUE)
    ax_s.plot([affinity], [sigma], "o", color=HIGHLIGHT, ms=10, zorder=3)
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


def draw_trajectory_estimate(fig, T: Any, traj: np.ndarray, n: int,
                             lengths: tuple[int, ...] = TRAJECTORY_LENGTHS) -> str:
    """Estimated ``sigma`` along one trajectory, and estimated vs exact edge currents.

    ``traj`` is one trajectory at least ``max(lengths)`` steps long; ``n`` the length
    examined. Returns the text report.

    Examples
    --------
    >>> from nelc_edu import markov
    >>> from matplotlib.figure import Figure
    >>> T = markov.driven_ring(4, affinity=6.0, p_stay=0.3)
    >>> traj = markov.simulate(T, 1000, seed=0)
    >>> fig = Figure(layout="constrained")
    >>> print(draw_trajectory_estimate(fig, T, traj, 1000, (10, 100, 1000)))
    n = 1,000 steps: estimated sigma = ...
    ...
    """
    from .. import markov

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
    plot_estimates(lengths, est, exact, ax=ax_e,
                            title="one trajectory, read up to length n")
    if math.isfinite(sig_hat):
        ax_e.plot([n], [sig_hat], "o", ms=14, mfc="none", mec=HIGHLIGHT, mew=2.5, zorder=5)
    else:
        ax_e.axvline(n, color=HIGHLIGHT, lw=1.5, ls=":")
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
