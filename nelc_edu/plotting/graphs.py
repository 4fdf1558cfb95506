"""Figures of finite Markov chains: graphs with currents, matrices, convergence plots.

The central figure is :func:`draw_chain_graph`: states as discs whose *area* is
proportional to the stationary probability ``pi``, and the net probability currents
``J[i, j] = pi_i T[i, j] - pi_j T[j, i]`` as arrows ``i -> j`` (drawn only where
``J[i, j]`` exceeds a threshold, so at most one arrow per pair of states), their width and
colour proportional to ``J``. The same function later draws the latent graph of a trained
model, with decoder means as node images.

Every function returns matplotlib objects and never calls ``plt.show()``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .style import (
    BLACK,
    BLUE,
    DIVERGING_CMAP,
    GREY,
    IMAGE_CMAP,
    OKABE_ITO,
    ORANGE,
    REDDISH_PURPLE,
    SEQUENTIAL_CMAP,
    SKY_BLUE,
    VERMILLION,
    current_cmap,
)

__all__ = [
    "circular_layout",
    "draw_chain_graph",
    "draw_transition_matrix",
    "draw_current_matrix",
    "plot_distribution_evolution",
    "plot_estimates",
    "plot_convergence",
    "plot_cycle_decomposition",
    "plot_lumping",
    "BLOCK_COLORS",
]

#: Node colours for blocks of a partition (lumping), Okabe-Ito.
BLOCK_COLORS = [SKY_BLUE, ORANGE, OKABE_ITO["bluish_green"], REDDISH_PURPLE,
                OKABE_ITO["yellow"], BLUE, VERMILLION, GREY]

# gids let tests (and curious students) find what was drawn.
GID_NODES = "nelc-nodes"
GID_CURRENT = "nelc-current"
GID_HIGHLIGHT = "nelc-highlight"
GID_SUPPORT = "nelc-support"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def _new_axes(ax, figsize):
    """Return (fig, ax): the given axes' figure, or a new pyplot figure."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def _as_matrix(T) -> np.ndarray:
    from .._validation import check_stochastic_matrix

    return check_stochastic_matrix(T)


def circular_layout(n: int, *, start_angle: float = 90.0) -> dict[int, np.ndarray]:
    """Positions of ``n`` states on the unit circle, state 0 on top, increasing clockwise.

    Clockwise like a clock face, so a ring driven "forward" (``i -> i+1``) circulates
    clockwise on screen.

    Examples
    --------
    >>> pos = circular_layout(4)
    >>> pos[0].round(6).tolist(), pos[1].round(6).tolist()
    ([0.0, 1.0], [1.0, 0.0])
    """
    angles = np.deg2rad(start_angle) - 2 * np.pi * np.arange(n) / n
    return {k: np.array([math.cos(a), math.sin(a)]) + 0.0 for k, a in enumerate(angles)}


def _resolve_layout(layout, T: np.ndarray) -> dict[int, np.ndarray]:
    K = T.shape[0]
    if isinstance(layout, Mapping):
        missing = [k for k in range(K) if k not in layout]
        if missing:
            raise ValueError(f"layout has no position for states {missing}; give one (x, y) "
                             f"per state 0..{K - 1}.")
        return {k: np.asarray(layout[k], dtype=float) for k in range(K)}
    if layout == "circular":
        return circular_layout(K)
    if layout in ("spring", "kamada_kawai"):
        import networkx as nx

        G = nx.Graph()
        G.add_nodes_from(range(K))
        G.add_edges_from((i, j) for i in range(K) for j in range(i + 1, K)
                         if T[i, j] > 0 or T[j, i] > 0)
        if layout == "spring":
            raw = nx.spring_layout(G, seed=0)
        else:
            raw = nx.kamada_kawai_layout(G)
        pos = np.array([raw[k] for k in range(K)], dtype=float)
        pos -= pos.mean(axis=0)
        pos /= max(np.abs(pos).max(), 1e-12)
        return {k: pos[k] for k in range(K)}
    raise ValueError(f"layout={layout!r} is not understood; use 'circular', 'spring', "
                     "'kamada_kawai' or a dict {state: (x, y)}.")


def _node_areas(pi: np.ndarray, node_scale: float | None) -> np.ndarray:
    """Marker areas (points^2) proportional to pi; uniform pi gives ``node_scale``."""
    K = pi.size
    if node_scale is None:
        node_scale = 2400.0 / (1.0 + K / 3.0)
    areas = node_scale * K * np.clip(pi, 0.0, None)
    cap = 4.0 * node_scale
    if areas.max() > cap:
        areas *= cap / areas.max()
    return np.maximum(areas, 40.0)


def _format_pi(p: float) -> str:
    return f"{p:.2f}" if p >= 0.095 else f"{p:.3f}" if p >= 0.001 else f"{p:.0e}"


def _wrap(text: str, width_in: float, fontsize: float) -> str:
    chars = max(30, int(width_in * 72 / (0.5 * fontsize)))
    return "\n".join(textwrap.wrap(text, chars))


def _set_caption(ax, text: str, fontsize: float = 11.0) -> None:
    """Caption under a graph panel (the x-label of an axes without ticks or spines)."""
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    ax.set_xlabel(_wrap(text, width_in, fontsize), fontsize=fontsize, color="#333333",
                  style="italic", labelpad=6)


def _images_3d(node_images, K: int) -> np.ndarray:
    imgs = np.asarray(node_images, dtype=float)
    if imgs.ndim == 2:
        side = int(round(math.sqrt(imgs.shape[1])))
        if side * side != imgs.shape[1]:
            raise ValueError(f"node_images has shape {imgs.shape}; give (K, h, w) images or "
                             "flattened square images (K, h*w).")
        imgs = imgs.reshape(imgs.shape[0], side, side)
    if imgs.ndim != 3 or imgs.shape[0] != K:
        raise ValueError(f"node_images has shape {np.shape(node_images)}; expected one image "
                         f"per state, shape ({K}, h, w).")
    return imgs


# --------------------------------------------------------------------------------------
# the chain graph
# --------------------------------------------------------------------------------------

def draw_chain_graph(
    T: Any,
    pi: Any = None,
    *,
    ax: Any = None,
    layout: str | Mapping[int, Sequence[float]] = "circular",
    node_labels: Sequence[str] | None = None,
    node_images: Any = None,
    threshold: float = 1e-12,
    show_self_loops: bool = False,
    current_scale: float | None = None,
    title: str | None = None,
    highlight_cycle: Sequence[int] | None = None,
    node_color: str | Sequence[str] | None = None,
    show_support: bool = True,
    annotate_pi: bool | None = None,
    colorbar: bool = True,
    caption: bool | str = True,
    node_scale: float | None = None,
    curvature: float = 0.18,
    figsize: tuple[float, float] = (6.4, 5.6),
):
    """Draw a Markov chain: node area ∝ ``pi``, arrows = net probability currents.

    An arrow ``i -> j`` is drawn when ``J[i, j] = pi_i T[i, j] - pi_j T[j, i]`` exceeds
    ``threshold``. ``J`` is antisymmetric, so at most one of ``i -> j`` and ``j -> i`` is
    ever drawn; arrows are also slightly curved so they never run through a third state
    on a ring. Arrow width and colour grow with ``J`` (a colour bar gives the scale).
    Thin grey lines show every pair of states the chain can move between (the support
    of ``T``), so "no arrow" reads as "no net current", not "no transition".

    Parameters
    ----------
    T : array_like, shape (K, K)
        Row-stochastic transition matrix.
    pi : array_like, shape (K,), optional
        Stationary distribution; computed with
        :func:`nelc_edu.markov.stationary_distribution` when omitted.
    ax : matplotlib Axes, optional
        Draw there; a new figure is made otherwise.
    layout : {"circular", "spring", "kamada_kawai"} or dict, optional
        ``"circular"`` puts state 0 on top and numbers clockwise; a dict gives ``(x, y)``
        per state.
    node_labels : sequence of str, optional
        Text in (or, with images, under) each node; defaults to the state numbers.
    node_images : array_like, shape (K, h, w) or (K, h*w), optional
        One image per state drawn as the node (e.g. decoder means of a latent model),
        in ``gray_r`` (ink = 1). Its size grows with ``pi`` too.
    threshold : float, optional
        Only currents ``J[i, j] > threshold`` are drawn. The default 1e-12 hides the
        rounding noise (about 1e-17) of a reversible chain; pass the noise floor of an
        estimated ``T`` there.
    show_self_loops : bool, optional
        Draw a small loop labelled ``T[i, i]`` beside each state with ``T[i, i] > 0``.
    current_scale : float, optional
        The current that gets the widest arrow and the top of the colour bar. Defaults
        to the largest drawn current; fix it (e.g. in a widget) so that widths stay
        comparable between redraws.
    title : str, optional
    highlight_cycle : sequence of int, optional
        States of a cycle ``c[0] -> c[1] -> ... -> c[0]`` to emphasise (e.g. from
        :func:`nelc_edu.markov.dominant_cycle`): its arrows get an orange halo and its
        nodes a vermillion outline.
    node_color : colour or sequence of colours, optional
        Node fill (default sky blue); one colour per state e.g. to show blocks.
    show_support : bool, optional
        Draw the grey support lines (default True).
    annotate_pi : bool, optional
        Print ``pi`` beside each node; default: when ``K <= 12``.
    colorbar : bool, optional
        Add a colour bar for the currents when at least one arrow is drawn.
    caption : bool or str, optional
        ``True``: a caption under the graph says what sizes and arrows mean; a string
        replaces it; ``False`` omits it.
    node_scale : float, optional
        Marker area (points^2) of a state with ``pi = 1/K``.
    curvature : float, optional
        Bend of the arrows (matplotlib ``arc3`` radius); 0 for straight arrows.
    figsize : tuple, optional
        Used only when ``ax`` is None.

    Returns
    -------
    fig, ax
        The arrows carry the gid ``"nelc-current"`` and the node markers the gid
        ``"nelc-nodes"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu import markov
    >>> T = markov.driven_ring(4, affinity=2.0)
    >>> fig, ax = draw_chain_graph(T, highlight_cycle=[0, 1, 2, 3])
    >>> sum(p.get_gid() == "nelc-current" for p in ax.patches)
    4
    >>> plt.close(fig)
    """
    import matplotlib as mpl
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage
    from matplotlib.patches import ArrowStyle, FancyArrowPatch
    from matplotlib.transforms import offset_copy

    from .. import markov

    T = _as_matrix(T)
    K = T.shape[0]
    pi = markov.stationary_distribution(T) if pi is None else np.asarray(pi, dtype=float)
    if pi.shape != (K,):
        raise ValueError(f"pi has shape {pi.shape}; expected ({K},), one entry per state.")
    J = markov.probability_currents(T, pi)
    pos = _resolve_layout(layout, T)
    fig, ax = _new_axes(ax, figsize)

    if annotate_pi is None:
        annotate_pi = K <= 12
    labels = [str(k) for k in range(K)] if node_labels is None else list(node_labels)
    if len(labels) != K:
        raise ValueError(f"node_labels has {len(labels)} entries; expected {K}.")
    if node_color is None:
        colors = [SKY_BLUE] * K
    elif isinstance(node_color, str):
        colors = [node_color] * K
    else:
        colors = list(node_color)
        if len(colors) != K:
            raise ValueError(f"node_color has {len(colors)} entries; expected {K}.")

    areas = _node_areas(pi, node_scale)
    radii = np.sqrt(areas) / 2.0  # points
    images = None if node_images is None else _images_3d(node_images, K)
    if images is not None:
        # image side grows like sqrt(pi) (area ∝ pi), 40 pt for pi = 1/K, clamped readable
        sides = np.clip(40.0 * np.sqrt(K * np.clip(pi, 0.0, None)), 22.0, 80.0)
        radii = sides / 2.0 + 3.0

    xy = np.array([pos[k] for k in range(K)])
    centre = xy.mean(axis=0)

    def outward(k: int) -> np.ndarray:
        d = xy[k] - centre
        nrm = float(np.hypot(*d))
        return d / nrm if nrm > 1e-9 else np.array([0.0, 1.0])

    # support of T (context), straight, light
    if show_support:
        for i in range(K):
            for j in range(i + 1, K):
                if T[i, j] > 0 or T[j, i] > 0:
                    (line,) = ax.plot([xy[i, 0], xy[j, 0]], [xy[i, 1], xy[j, 1]], color=GREY,
                                      lw=1.0, alpha=0.45, zorder=0.5, solid_capstyle="round")
                    line.set_gid(GID_SUPPORT)

    # net currents
    edges = [(i, j) for i in range(K) for j in range(K) if i != j and J[i, j] > threshold]
    drawn = [J[i, j] for i, j in edges]
    scale = float(current_scale) if current_scale else (max(drawn) if drawn else 1.0)
    cmap = current_cmap()
    norm = mpl.colors.Normalize(vmin=0.0, vmax=scale)
    w_min, w_max = 1.2, 8.0

    def bend(i: int, j: int) -> str:
        # matplotlib's arc3 pushes the control point by rad * (dy, -dx); choose the sign
        # that bulges towards the centre of the layout, away from the states on the rim.
        d = xy[j] - xy[i]
        towards = centre - (xy[i] + xy[j]) / 2.0
        sign = -1.0 if d[1] * towards[0] - d[0] * towards[1] < -1e-12 else 1.0
        return f"arc3,rad={sign * curvature}"

    def arrow(i, j, lw, color, z, gid, alpha=1.0, head=True):
        style = ArrowStyle("-|>", head_length=0.7, head_width=0.45) if head else ArrowStyle("-")
        patch = FancyArrowPatch(
            xy[i], xy[j], arrowstyle=style, connectionstyle=bend(i, j),
            mutation_scale=8.0 + 1.2 * lw, lw=lw, color=color, alpha=alpha,
            shrinkA=radii[i] + 3, shrinkB=radii[j] + 3, zorder=z, joinstyle="miter",
            capstyle="butt",
        )
        patch.set_gid(gid)
        ax.add_patch(patch)
        return patch

    cyc_edges = set()
    if highlight_cycle is not None and len(highlight_cycle) >= 2:
        cyc = [int(s) for s in highlight_cycle]
        cyc_edges = {(cyc[k], cyc[(k + 1) % len(cyc)]) for k in range(len(cyc))}
        for i, j in cyc_edges:
            width = w_min + (w_max - w_min) * min(max(J[i, j], 0.0) / scale, 1.0)
            arrow(i, j, width + 7.0, ORANGE, 1.5, GID_HIGHLIGHT, alpha=0.55, head=False)

    for (i, j), Jij in zip(edges, drawn, strict=True):
        frac = min(Jij / scale, 1.0)
        arrow(i, j, w_min + (w_max - w_min) * frac, cmap(norm(min(Jij, scale))), 2.0,
              GID_CURRENT)

    # nodes
    edgecolors = [VERMILLION if cyc_edges and any(k in e for e in cyc_edges) else BLACK
                  for k in range(K)]
    lws = [3.0 if c == VERMILLION else 1.2 for c in edgecolors]
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=areas, c=colors, edgecolors=edgecolors,
                       linewidths=lws, zorder=3)
    nodes.set_gid(GID_NODES)

    if images is not None:
        for k in range(K):
            img = images[k]
            zoom = sides[k] / max(img.shape)
            box = OffsetImage(img, cmap=IMAGE_CMAP, norm=mpl.colors.Normalize(0.0, 1.0),
                              zoom=zoom, interpolation="nearest")
            ab = AnnotationBbox(box, xy[k], frameon=True, pad=0.15, zorder=4,
                                bboxprops={"edgecolor": edgecolors[k], "lw": lws[k]})
            ax.add_artist(ab)

    # labels: inside the node, or under the image
    for k in range(K):
        if images is None:
            ax.text(xy[k, 0], xy[k, 1], labels[k], ha="center", va="center", zorder=5,
                    fontsize=12 if len(labels[k]) <= 2 else 10, fontweight="bold")
    # text beside each node, pushed outward past the node (and its loop)
    for k in range(K):
        d = outward(k)
        parts = []
        if images is not None:
            parts.append(labels[k])
        if annotate_pi:
            parts.append(f"π={_format_pi(pi[k])}")
        extra = 0.0
        if show_self_loops and T[k, k] > 0:
            loop_d = 14.0
            off = (radii[k] + loop_d / 2 - 2) * d
            tr = offset_copy(ax.transData, fig=fig, x=off[0], y=off[1], units="points")
            ax.plot([xy[k, 0]], [xy[k, 1]], marker="o", ms=loop_d, mfc="none", mec=GREY,
                    mew=1.5, transform=tr, zorder=1)
            parts.append(f"stay {T[k, k]:.2f}")
            extra = loop_d
        if parts:
            off = (radii[k] + extra + 9.0) * d
            ha = "left" if d[0] > 0.3 else "right" if d[0] < -0.3 else "center"
            va = "bottom" if d[1] > 0.3 else "top" if d[1] < -0.3 else "center"
            ax.annotate("\n".join(parts), xy[k], xytext=off, textcoords="offset points",
                        ha=ha, va=va, fontsize=11, zorder=6, color="#222222",
                        linespacing=1.1)

    # frame
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = max(float((hi - lo).max()), 1e-9)
    margin = 0.3 * span
    ax.set_xlim(lo[0] - margin, hi[0] + margin)
    ax.set_ylim(lo[1] - margin, hi[1] + margin)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)

    if colorbar and edges:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
        cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.02, aspect=25)
        cb.set_label("net current $J_{ij}$")
    if caption:
        if isinstance(caption, str):
            text = caption
        else:
            text = "Node area ∝ stationary probability π. "
            if edges:
                text += ("Arrow i→j: net current J_ij = π_i T_ij − π_j T_ji > 0, "
                         "width and colour ∝ J_ij.")
            else:
                text += "No arrows: every net current J_ij is zero (detailed balance)."
            if show_support:
                text += " Grey lines: allowed transitions."
            if cyc_edges:
                text += " Orange halo: the cycle " + _cycle_label(highlight_cycle) + "."
        _set_caption(ax, text)
    return fig, ax


# --------------------------------------------------------------------------------------
# matrices
# --------------------------------------------------------------------------------------

def _annotate_cells(ax, M, fmt, cmap, norm, fontsize):
    cm = mpl_colormap(cmap)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            r, g, b, _ = cm(norm(M[i, j]))
            light = 0.299 * r + 0.587 * g + 0.114 * b
            ax.text(j, i, fmt(M[i, j]), ha="center", va="center", fontsize=fontsize,
                    color="black" if light > 0.5 else "white")


def mpl_colormap(cmap):
    import matplotlib as mpl

    return mpl.colormaps[cmap] if isinstance(cmap, str) else cmap


def _matrix_axes(ax, K, labels):
    ticks = np.arange(K)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    if labels is not None:
        ax.set_xticklabels(labels)
        ax.set_yticklabels(labels)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def draw_transition_matrix(
    T: Any,
    *,
    ax: Any = None,
    annotate: bool | None = None,
    title: str | None = "transition matrix $T_{ij}$",
    labels: Sequence[str] | None = None,
    colorbar: bool = True,
    figsize: tuple[float, float] = (5.6, 4.8),
):
    """Heat map of ``T[i, j] = P(next = j | now = i)`` on a fixed 0-1 colour scale.

    Parameters
    ----------
    T : array_like, shape (K, K)
    ax : matplotlib Axes, optional
    annotate : bool, optional
        Write each entry in its cell; default when ``K <= 10``.
    title : str, optional
    labels : sequence of str, optional
        Tick labels for the states.
    colorbar : bool, optional
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = draw_transition_matrix([[0.9, 0.1], [0.5, 0.5]])
    >>> [t.get_text() for t in ax.texts]
    ['0.90', '0.10', '0.50', '0.50']
    >>> plt.close(fig)
    """
    import matplotlib as mpl

    T = _as_matrix(T)
    K = T.shape[0]
    fig, ax = _new_axes(ax, figsize)
    norm = mpl.colors.Normalize(0.0, 1.0)
    im = ax.imshow(T, cmap=SEQUENTIAL_CMAP, norm=norm)
    _matrix_axes(ax, K, labels)
    ax.set_xlabel("next state $j$")
    ax.set_ylabel("current state $i$")
    if annotate is None:
        annotate = K <= 10
    if annotate:
        _annotate_cells(ax, T, lambda v: f"{v:.2f}", SEQUENTIAL_CMAP, norm,
                        12 if K <= 6 else 10)
    if colorbar:
        fig.colorbar(im, ax=ax, shrink=0.85, label="probability")
    if title:
        ax.set_title(title)
    return fig, ax


def draw_current_matrix(
    T: Any,
    pi: Any = None,
    *,
    ax: Any = None,
    annotate: bool | None = None,
    title: str | None = "net currents $J_{ij}$",
    labels: Sequence[str] | None = None,
    colorbar: bool = True,
    figsize: tuple[float, float] = (5.6, 4.8),
):
    """Heat map of the antisymmetric current matrix ``J`` (diverging, centred at 0).

    Purple: net flow from row state ``i`` to column state ``j``; orange: the reverse
    (``J`` is antisymmetric, so the picture is too).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu import markov
    >>> fig, ax = draw_current_matrix(markov.driven_ring(3, affinity=1.0))
    >>> len(ax.images)
    1
    >>> plt.close(fig)
    """
    import matplotlib as mpl

    from .. import markov

    T = _as_matrix(T)
    K = T.shape[0]
    J = markov.probability_currents(T, pi)
    fig, ax = _new_axes(ax, figsize)
    vmax = float(np.abs(J).max())
    vmax = vmax if vmax > 1e-12 else 1e-12
    norm = mpl.colors.Normalize(-vmax, vmax)
    cmap = mpl.colormaps[DIVERGING_CMAP]  # purple = positive, orange = negative
    im = ax.imshow(J, cmap=cmap, norm=norm)
    _matrix_axes(ax, K, labels)
    ax.set_xlabel("to state $j$")
    ax.set_ylabel("from state $i$")
    if annotate is None:
        annotate = K <= 8
    if annotate:
        _annotate_cells(ax, J, lambda v: f"{v:+.3f}" if abs(v) > 5e-4 else "0", cmap, norm,
                        11 if K <= 6 else 9)
    if colorbar:
        fig.colorbar(im, ax=ax, shrink=0.85, label="$J_{ij}$")
    if title:
        ax.set_title(title)
    return fig, ax


# --------------------------------------------------------------------------------------
# time evolution and estimators
# --------------------------------------------------------------------------------------

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
    if np.ndim(p0) == 0:
        p = np.zeros(K)
        p[int(p0)] = 1.0
    else:
        p = np.asarray(p0, dtype=float).copy()
        if p.shape != (K,) or abs(p.sum() - 1.0) > 1e-9 or (p < 0).any():
            raise ValueError(f"p0 must be a state or a probability vector of length {K}.")
    traj = np.empty((n_steps + 1, K))
    traj[0] = p
    for t in range(n_steps):
        p = p @ T
        traj[t + 1] = p
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
               color=VERMILLION, transform=tr, clip_on=False, zorder=4, label=label)


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
    title: str | None = "error shrinks like $1/\\sqrt{n}$",
    figsize: tuple[float, float] = (6.4, 4.4),
):
    """Log-log plot of the error ``|estimate - exact|`` against trajectory length.

    Faint dots: each repeat; line: the root-mean-square error over the finite repeats;
    dashed grey: a ``c / sqrt(n)`` guide anchored at the longest trajectory. Lengths
    where some repeat returned ``inf`` get a triangle at the top.

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
                label=r"$\propto 1/\sqrt{n}$")
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


# --------------------------------------------------------------------------------------
# cycles and coarse-graining
# --------------------------------------------------------------------------------------

def _cycle_label(cycle: Sequence[int]) -> str:
    return "→".join(str(s) for s in [*cycle, cycle[0]])


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
    bars = ax_b.bar([0, 1], shown, color=[BLUE, ORANGE], width=0.6)
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
