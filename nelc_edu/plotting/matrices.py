"""Heat maps of a chain's matrices: the transition matrix ``T`` and the current matrix ``J``.

``T`` is drawn on a fixed 0-1 sequential scale; ``J`` on the course's diverging map (purple
positive, green negative), whose purple half colours the arrows of the chain graphs. Both
have a colour bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .graphs import _as_matrix, _new_axes
from .style import DIVERGING_CMAP, SEQUENTIAL_CMAP

__all__ = ["draw_transition_matrix", "draw_current_matrix"]


def _annotate_cells(ax, M, fmt, cmap, norm, fontsize):
    cm = _colormap(cmap)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            r, g, b, _ = cm(norm(M[i, j]))
            light = 0.299 * r + 0.587 * g + 0.114 * b
            ax.text(j, i, fmt(M[i, j]), ha="center", va="center", fontsize=fontsize,
                    color="black" if light > 0.5 else "white")


def _colormap(cmap):
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

    Purple: net flow from row state ``i`` to column state ``j``, in the hue of the arrows of
    :func:`~nelc_edu.plotting.draw_chain_graph`; green: the reverse (``J`` is antisymmetric,
    so the picture is too).

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
    cmap = mpl.colormaps[DIVERGING_CMAP]  # purple = positive, green = negative
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
