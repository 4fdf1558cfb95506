"""The chain graph: states as discs (or images), net probability currents as arrows.

:func:`draw_chain_graph` draws states as discs whose *area* is proportional to the
stationary probability ``pi``, and the net probability currents
``J[i, j] = pi_i T[i, j] - pi_j T[j, i]`` as arrows ``i -> j`` (drawn only where
``J[i, j]`` exceeds a threshold, so at most one arrow per pair of states), their width and
colour growing with ``J``. The same function draws the latent graph of a trained model,
with decoder means as node images; there ``max_currents`` keeps the strongest currents
(and the dominant cycle) so that a graph of ten states stays readable.

It reads as a sequence of named steps: the geometry (:class:`_Geometry`: positions, node
sizes, arrow shapes), which currents to draw (:func:`_currents_to_draw`), then the support
lines, the highlighted cycle, the arrows, the nodes, their images and labels, the frame,
the colour bar and the caption.

Every function returns matplotlib objects and never calls ``plt.show()``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .style import BLACK, GREY, HIGHLIGHT, IMAGE_CMAP, SKY_BLUE, current_cmap

__all__ = ["draw_chain_graph", "circular_layout"]

# gids let tests (and curious students) find what was drawn.
GID_NODES = "nelc-nodes"
GID_CURRENT = "nelc-current"
GID_HIGHLIGHT = "nelc-highlight"
GID_SUPPORT = "nelc-support"

#: Arrows of a trained latent graph by default: the strongest this many currents above the
#: run's threshold, plus the dominant cycle (ask for all of them with ``all_currents``).
TRAINED_MAX_CURRENTS = 10

#: Arrow widths (points) of the smallest and of the largest current drawn.
_WIDTH_MIN, _WIDTH_MAX = 1.2, 8.0


# --------------------------------------------------------------------------------------
# small helpers shared by the figures of chains
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


def _cycle_label(cycle: Sequence[int]) -> str:
    return "→".join(str(s) for s in [*cycle, cycle[0]])


def _wrap(text: str, width_in: float, fontsize: float) -> str:
    chars = max(30, int(width_in * 72 / (0.5 * fontsize)))
    return "\n".join(textwrap.wrap(text, chars))


def _set_caption(ax, text: str, fontsize: float = 11.0) -> None:
    """Caption under a graph panel (the x-label of an axes without ticks or spines)."""
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    ax.set_xlabel(_wrap(text, width_in, fontsize), fontsize=fontsize, color="#333333",
                  style="italic", labelpad=6)


def _format_pi(p: float) -> str:
    return f"{p:.2f}" if p >= 0.095 else f"{p:.3f}" if p >= 0.001 else f"{p:.0e}"


# --------------------------------------------------------------------------------------
# geometry: where the states are, how big, how arrows bend
# --------------------------------------------------------------------------------------

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


@dataclass
class _Geometry:
    """Positions (data units), node sizes (points) and the arrow shape of one graph."""

    xy: np.ndarray  # (K, 2)
    areas: np.ndarray  # marker areas, points^2
    radii: np.ndarray  # node radius, points (half the image side with images)
    sides: np.ndarray | None  # image sides, points
    curvature: float

    @classmethod
    def build(cls, T, pi, layout, node_images, node_scale, curvature) -> _Geometry:
        K = T.shape[0]
        pos = _resolve_layout(layout, T)
        areas = _node_areas(pi, node_scale)
        radii = np.sqrt(areas) / 2.0
        sides = None
        if node_images is not None:
            # image side grows like sqrt(pi) (area ∝ pi), 40 pt for pi = 1/K, clamped readable
            sides = np.clip(40.0 * np.sqrt(K * np.clip(pi, 0.0, None)), 22.0, 80.0)
            radii = sides / 2.0 + 3.0
        return cls(np.array([pos[k] for k in range(K)]), areas, radii, sides, curvature)

    @property
    def centre(self) -> np.ndarray:
        return self.xy.mean(axis=0)

    def outward(self, k: int) -> np.ndarray:
        """Unit vector from the centre of the layout to state ``k`` (up for the centre)."""
        d = self.xy[k] - self.centre
        nrm = float(np.hypot(*d))
        return d / nrm if nrm > 1e-9 else np.array([0.0, 1.0])

    def bend(self, i: int, j: int) -> str:
        """The ``arc3`` connection of ``i -> j``, bulging towards the centre of the layout.

        matplotlib's arc3 pushes the control point by ``rad * (dy, -dx)``: the sign is the
        one that bulges away from the states on the rim.
        """
        d = self.xy[j] - self.xy[i]
        towards = self.centre - (self.xy[i] + self.xy[j]) / 2.0
        sign = -1.0 if d[1] * towards[0] - d[0] * towards[1] < -1e-12 else 1.0
        return f"arc3,rad={sign * self.curvature}"

    def arrow(self, ax, i, j, lw, color, z, gid, alpha=1.0, head=True):
        """Add the arrow (or, with ``head=False``, the band) ``i -> j`` to ``ax``."""
        from matplotlib.patches import ArrowStyle, FancyArrowPatch

        style = ArrowStyle("-|>", head_length=0.7, head_width=0.45) if head else ArrowStyle("-")
        patch = FancyArrowPatch(
            self.xy[i], self.xy[j], arrowstyle=style, connectionstyle=self.bend(i, j),
            mutation_scale=8.0 + 1.2 * lw, lw=lw, color=color, alpha=alpha,
            shrinkA=self.radii[i] + 3, shrinkB=self.radii[j] + 3, zorder=z, joinstyle="miter",
            capstyle="butt",
        )
        patch.set_gid(gid)
        ax.add_patch(patch)
        return patch


# --------------------------------------------------------------------------------------
# which currents, at which scale
# --------------------------------------------------------------------------------------

def _cycle_edges(highlight_cycle) -> set[tuple[int, int]]:
    if highlight_cycle is None or len(highlight_cycle) < 2:
        return set()
    cyc = [int(s) for s in highlight_cycle]
    return {(cyc[k], cyc[(k + 1) % len(cyc)]) for k in range(len(cyc))}


def _currents_to_draw(J: np.ndarray, threshold: float, max_currents: int | None,
                      keep: set[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """The arrows to draw, and how many currents exceed the threshold.

    Every ``J[i, j] > threshold`` (``i != j``), or with ``max_currents`` the strongest
    ``max_currents`` of them plus the edges in ``keep`` (the highlighted cycle). The arrows
    come in row-major order.
    """
    K = J.shape[0]
    above = [(i, j) for i in range(K) for j in range(K) if i != j and J[i, j] > threshold]
    if max_currents is None or len(above) <= max_currents:
        return above, len(above)
    strongest = sorted(above, key=lambda e: (-J[e], e))[:int(max_currents)]
    chosen = set(strongest) | {e for e in keep if e in set(above)}
    return [e for e in above if e in chosen], len(above)


def _width(Jij: float, scale: float) -> float:
    return _WIDTH_MIN + (_WIDTH_MAX - _WIDTH_MIN) * min(max(Jij, 0.0) / scale, 1.0)


# --------------------------------------------------------------------------------------
# the drawing steps
# --------------------------------------------------------------------------------------

def _draw_support(ax, T: np.ndarray, g: _Geometry) -> None:
    """Thin grey lines between every pair of states the chain can move between."""
    K = T.shape[0]
    for i in range(K):
        for j in range(i + 1, K):
            if T[i, j] > 0 or T[j, i] > 0:
                (line,) = ax.plot(g.xy[[i, j], 0], g.xy[[i, j], 1], color=GREY, lw=1.0,
                                  alpha=0.45, zorder=0.5, solid_capstyle="round")
                line.set_gid(GID_SUPPORT)


def _draw_highlight(ax, g: _Geometry, J: np.ndarray, cyc_edges, scale: float) -> None:
    """An orange band under each arrow of the highlighted cycle."""
    for i, j in cyc_edges:
        g.arrow(ax, i, j, _width(J[i, j], scale) + 7.0, HIGHLIGHT, 1.5, GID_HIGHLIGHT,
                alpha=0.55, head=False)


def _draw_currents(ax, g: _Geometry, J: np.ndarray, edges, norm, cmap) -> None:
    """One arrow per drawn current, width and colour growing with ``J``."""
    scale = norm.vmax
    for i, j in edges:
        g.arrow(ax, i, j, _width(J[i, j], scale), cmap(norm(min(J[i, j], scale))), 2.0,
                GID_CURRENT)


def _node_colors(node_color, K: int) -> list:
    if node_color is None:
        return [SKY_BLUE] * K
    if isinstance(node_color, str):
        return [node_color] * K
    colors = list(node_color)
    if len(colors) != K:
        raise ValueError(f"node_color has {len(colors)} entries; expected {K}.")
    return colors


def _draw_nodes(ax, g: _Geometry, colors, cyc_edges) -> tuple[list, list]:
    """Discs of area ∝ pi; the states of the highlighted cycle get an orange outline."""
    K = len(colors)
    on_cycle = {k for e in cyc_edges for k in e}
    edgecolors = [HIGHLIGHT if k in on_cycle else BLACK for k in range(K)]
    lws = [3.0 if k in on_cycle else 1.2 for k in range(K)]
    nodes = ax.scatter(g.xy[:, 0], g.xy[:, 1], s=g.areas, c=colors, edgecolors=edgecolors,
                       linewidths=lws, zorder=3)
    nodes.set_gid(GID_NODES)
    return edgecolors, lws


def _draw_node_images(ax, g: _Geometry, images: np.ndarray, edgecolors, lws) -> None:
    """Each state's image (ink = 1) over its disc, framed like the disc."""
    import matplotlib as mpl
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    for k, img in enumerate(images):
        zoom = g.sides[k] / max(img.shape)
        box = OffsetImage(img, cmap=IMAGE_CMAP, norm=mpl.colors.Normalize(0.0, 1.0),
                          zoom=zoom, interpolation="nearest")
        ab = AnnotationBbox(box, g.xy[k], frameon=True, pad=0.15, zorder=4,
                            bboxprops={"edgecolor": edgecolors[k], "lw": lws[k]})
        ax.add_artist(ab)


def _draw_labels(ax, g: _Geometry, T, pi, labels, *, images: bool, annotate_pi: bool,
                 show_self_loops: bool) -> None:
    """State labels in the discs (or beside the images), pi and the self-loops outside."""
    from matplotlib.transforms import offset_copy

    for k, label in enumerate(labels):
        if not images:
            ax.text(g.xy[k, 0], g.xy[k, 1], label, ha="center", va="center", zorder=5,
                    fontsize=12 if len(label) <= 2 else 10, fontweight="bold")
    for k in range(len(labels)):
        d = g.outward(k)
        parts = [labels[k]] if images else []
        if annotate_pi:
            parts.append(f"π={_format_pi(pi[k])}")
        extra = 0.0
        if show_self_loops and T[k, k] > 0:
            loop_d = 14.0
            off = (g.radii[k] + loop_d / 2 - 2) * d
            tr = offset_copy(ax.transData, fig=ax.figure, x=off[0], y=off[1], units="points")
            ax.plot([g.xy[k, 0]], [g.xy[k, 1]], marker="o", ms=loop_d, mfc="none", mec=GREY,
                    mew=1.5, transform=tr, zorder=1)
            parts.append(f"stay {T[k, k]:.2f}")
            extra = loop_d
        if parts:
            off = (g.radii[k] + extra + 9.0) * d
            ha = "left" if d[0] > 0.3 else "right" if d[0] < -0.3 else "center"
            va = "bottom" if d[1] > 0.3 else "top" if d[1] < -0.3 else "center"
            ax.annotate("\n".join(parts), g.xy[k], xytext=off, textcoords="offset points",
                        ha=ha, va=va, fontsize=11, zorder=6, color="#222222",
                        linespacing=1.1)


def _frame(ax, xy: np.ndarray, title: str | None) -> None:
    """Equal aspect, room around the states, no ticks or spines."""
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


def _current_colorbar(fig, ax, norm, cmap) -> None:
    import matplotlib as mpl

    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.02, aspect=25)
    cb.set_label("net current $J_{ij}$")


def _default_caption(n_drawn: int, n_above: int, show_support: bool, highlight_cycle,
                     threshold: float) -> str:
    text = "Node area ∝ stationary probability π. "
    if n_drawn:
        text += ("Arrow i→j: net current J_ij = π_i T_ij − π_j T_ji > 0, "
                 "width and colour ∝ J_ij.")
        if n_drawn < n_above:
            text += (f" The {n_drawn} strongest of the {n_above} currents above "
                     f"{threshold:.1e} are drawn (max_currents=None draws all).")
    elif n_above == 0 and threshold <= 1e-12:
        text += "No arrows: every net current J_ij is zero (detailed balance)."
    else:
        text += f"No arrows: no net current exceeds {threshold:.1e}."
    if show_support:
        text += " Grey lines: allowed transitions."
    if highlight_cycle is not None and len(highlight_cycle) >= 2:
        text += " Orange halo: the cycle " + _cycle_label(highlight_cycle) + "."
    return text


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
    max_currents: int | None = None,
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
        rounding noise (about 1e-17) of a reversible chain; pass the run's
        ``current_threshold`` for an estimated ``T``.
    max_currents : int, optional
        Draw only the ``max_currents`` strongest currents above ``threshold``, plus those
        of ``highlight_cycle`` (the caption says how many were left out). Default: all. A
        trained latent graph at K = 10 reads best with about K of them.
    show_self_loops : bool, optional
        Draw a small loop labelled ``T[i, i]`` beside each state with ``T[i, i] > 0``.
    current_scale : float, optional
        The current that gets the widest arrow and the top of the colour bar. Defaults
        to the largest drawn current; fix it (e.g. in a widget) so that widths stay
        comparable between redraws.
    title : str, optional
    highlight_cycle : sequence of int, optional
        States of a cycle ``c[0] -> c[1] -> ... -> c[0]`` to emphasise (e.g. from
        :func:`nelc_edu.markov.dominant_cycle`): its arrows get an orange band and its
        nodes an orange outline.
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

    from .. import markov

    T = _as_matrix(T)
    K = T.shape[0]
    pi = markov.stationary_distribution(T) if pi is None else np.asarray(pi, dtype=float)
    if pi.shape != (K,):
        raise ValueError(f"pi has shape {pi.shape}; expected ({K},), one entry per state.")
    labels = [str(k) for k in range(K)] if node_labels is None else list(node_labels)
    if len(labels) != K:
        raise ValueError(f"node_labels has {len(labels)} entries; expected {K}.")
    colors = _node_colors(node_color, K)
    images = None if node_images is None else _images_3d(node_images, K)
    J = markov.probability_currents(T, pi)
    g = _Geometry.build(T, pi, layout, images, node_scale, curvature)
    fig, ax = _new_axes(ax, figsize)

    cyc_edges = _cycle_edges(highlight_cycle)
    edges, n_above = _currents_to_draw(J, threshold, max_currents, cyc_edges)
    scale = float(current_scale) if current_scale else (
        max(J[e] for e in edges) if edges else 1.0)
    norm, cmap = mpl.colors.Normalize(vmin=0.0, vmax=scale), current_cmap()
    if show_support:
        _draw_support(ax, T, g)
    _draw_highlight(ax, g, J, cyc_edges, scale)
    _draw_currents(ax, g, J, edges, norm, cmap)
    edgecolors, lws = _draw_nodes(ax, g, colors, cyc_edges)
    if images is not None:
        _draw_node_images(ax, g, images, edgecolors, lws)
    _draw_labels(ax, g, T, pi, labels, images=images is not None,
                 annotate_pi=K <= 12 if annotate_pi is None else annotate_pi,
                 show_self_loops=show_self_loops)
    _frame(ax, g.xy, title)
    if colorbar and edges:
        _current_colorbar(fig, ax, norm, cmap)
    if caption:
        _set_caption(ax, caption if isinstance(caption, str) else _default_caption(
            len(edges), n_above, show_support, highlight_cycle, threshold))
    return fig, ax


def draw_trained_graph(ax, T, pi, *, node_images, threshold: float, cycle=None,
                       all_currents: bool = False, **kwargs) -> tuple[int, int]:
    """The latent graph of a trained model, readable at K = 10.

    :func:`draw_chain_graph` with the decoder means as nodes, the run's ``threshold``, its
    dominant ``cycle`` highlighted, and by default only the :data:`TRAINED_MAX_CURRENTS`
    strongest currents (plus the cycle's); ``all_currents=True`` draws every current above
    the threshold. The grey support lines are left out when every pair of states is
    connected (they would only say so). ``kwargs`` go to :func:`draw_chain_graph`.

    Returns
    -------
    n_drawn, n_above : int
        Arrows drawn, and currents above the threshold.
    """
    T = _as_matrix(T)
    K = T.shape[0]
    max_currents = None if all_currents else TRAINED_MAX_CURRENTS
    J = _currents(T, pi)
    edges, n_above = _currents_to_draw(J, threshold, max_currents, _cycle_edges(cycle))
    complete = bool(np.all((T + T.T)[~np.eye(K, dtype=bool)] > 0))
    kwargs.setdefault("show_support", not complete)
    draw_chain_graph(T, pi, ax=ax, node_images=node_images, threshold=threshold,
                     highlight_cycle=cycle, max_currents=max_currents, **kwargs)
    if not edges:
        # a trained model's T is estimated: its threshold is 3 null standard errors
        ax.text(0.5, 0.5, "no net current exceeds\n3 standard errors", transform=ax.transAxes,
                ha="center", va="center", fontsize=12, color="#555555", style="italic")
    return len(edges), n_above


def _currents(T, pi) -> np.ndarray:
    from .. import markov

    return markov.probability_currents(T, np.asarray(pi, dtype=float))
