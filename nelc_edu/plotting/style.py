"""Colours, colour maps and the projector-friendly matplotlib style of the course.

Every colour comes from the Okabe-Ito palette (Okabe & Ito, 2008), which stays
distinguishable under the common forms of colour blindness. Each colour that carries a
meaning carries one meaning in every figure of the course:

- one colour per **model kind** (:data:`KIND_STYLES`): the two-matrix model vermillion, the
  PCD-trained one-hot RBM blue, the exact-gradient one-hot RBM (the control) bluish green,
  dashed;
- **orange** (:data:`HIGHLIGHT`) marks what a figure points at: the dominant cycle of a
  chain graph, the value a slider has chosen;
- **grey** is context: allowed transitions, guide lines, noise-floor bands.

Continuous quantities use colour maps that are perceptually ordered and colour-blind safe:

- ``SEQUENTIAL_CMAP`` (``"cividis"``) for probabilities (transition matrices);
- ``DIVERGING_CMAP`` (``"PRGn_r"``, ColorBrewer's colour-blind-safe purple-green map) for
  signed quantities: purple positive, green negative, white 0 (the current matrix ``J``,
  weights);
- :func:`current_cmap` for the arrows of chain graphs: the purple half of the same map,
  without its white end (so a small current stays visible), so that a current has the same
  hue in a matrix and in a graph.

:func:`use_style` sets font sizes that stay readable on a projector. It changes
``matplotlib.rcParams`` for the whole session (call it once in a notebook's setup cell).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.plotting import style
>>> style.use_style()
>>> matplotlib.rcParams["font.size"]
13.0
>>> style.PALETTE[0] == style.BLUE
True
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "use_style",
    "style_context",
    "add_caption",
    "KIND_STYLES",
    "kind_style",
    "HIGHLIGHT",
    "OKABE_ITO",
    "PALETTE",
    "DIVERGING_CMAP",
]

# Okabe-Ito, in the authors' order.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
#: A neutral grey for context (support edges, guides); not part of Okabe-Ito.
GREY = "#8C8C8C"

#: The eight Okabe-Ito colours by name.
OKABE_ITO: dict[str, str] = {
    "black": BLACK,
    "orange": ORANGE,
    "sky_blue": SKY_BLUE,
    "bluish_green": BLUISH_GREEN,
    "yellow": YELLOW,
    "blue": BLUE,
    "vermillion": VERMILLION,
    "reddish_purple": REDDISH_PURPLE,
}

#: What a figure points at (the dominant cycle, the chosen value): orange, and nothing else is.
HIGHLIGHT = ORANGE

#: One style per model kind, in every figure of the course (curves, points, bars, labels).
KIND_STYLES: dict[str, dict[str, Any]] = {
    "two_matrix": {"color": VERMILLION, "ls": "-", "label": "two-matrix (PCD)"},
    "rbm": {"color": BLUE, "ls": "-", "label": "one-hot RBM (PCD)"},
    "rbm_exact": {"color": BLUISH_GREEN, "ls": "--", "label": "one-hot RBM (exact gradient)"},
}


def kind_style(kind: str) -> dict[str, Any]:
    """The style of a model kind (:data:`KIND_STYLES`); black and solid for any other label.

    Examples
    --------
    >>> kind_style("two_matrix")["color"] == VERMILLION
    True
    >>> kind_style("my run")
    {'color': '#000000', 'ls': '-', 'label': 'my run'}
    """
    return dict(KIND_STYLES.get(kind, {"color": BLACK, "ls": "-", "label": str(kind)}))


#: Colour cycle for lines: strong colours first, yellow (poor on white) last. Orange is
#: left out (the highlight colour), and vermillion, too close to it, comes late.
PALETTE: list[str] = [
    BLUE,
    REDDISH_PURPLE,
    BLUISH_GREEN,
    SKY_BLUE,
    BLACK,
    VERMILLION,
    YELLOW,
]

SEQUENTIAL_CMAP = "cividis"
#: Signed quantities (currents J, weights): purple positive, green negative.
DIVERGING_CMAP = "PRGn_r"
#: Binary images: black ink (1) on white paper (0).
IMAGE_CMAP = "gray_r"

#: The rcParams that :func:`use_style` applies.
STYLE: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.figsize": (7.0, 4.8),
    "figure.constrained_layout.use": True,
    "figure.facecolor": "white",
    "font.size": 13.0,
    "axes.titlesize": 14.0,
    "axes.labelsize": 13.0,
    "xtick.labelsize": 12.0,
    "ytick.labelsize": 12.0,
    "legend.fontsize": 12.0,
    "legend.title_fontsize": 12.0,
    "legend.frameon": False,
    "figure.titlesize": 15.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.linewidth": 1.0,
    "lines.linewidth": 2.0,
    "lines.markersize": 7.0,
    "image.cmap": SEQUENTIAL_CMAP,
    "image.interpolation": "nearest",
}


def use_style() -> None:
    """Apply the course style to ``matplotlib.rcParams`` (session-wide).

    Font sizes of 12-15 pt, the Okabe-Ito colour cycle, no top/right spines,
    constrained layout, 100 dpi on screen and 150 dpi when saved.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> use_style()
    >>> matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][:2]
    ['#0072B2', '#CC79A7']
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=PALETTE)


def style_context():
    """Context manager: the course style inside a ``with`` block only.

    Widgets draw inside it, so they look the same whether or not the notebook called
    :func:`use_style`, and leave the session's rcParams alone.

    Examples
    --------
    >>> import matplotlib
    >>> with style_context():
    ...     matplotlib.rcParams["axes.titlesize"]
    14.0
    """
    import matplotlib as mpl
    from cycler import cycler

    return mpl.rc_context({**STYLE, "axes.prop_cycle": cycler(color=PALETTE)})


def current_cmap():
    """Colour map for net currents in chain graphs: light to dark purple.

    The positive (purple) half of :data:`DIVERGING_CMAP`, the map of the current matrix,
    without its near-white end, so that even the smallest current drawn stays visible on a
    white background. Darker (and thicker) means more current.

    Examples
    --------
    >>> cmap = current_cmap()
    >>> cmap.name
    'nelc_current'
    >>> cmap(0.0) != cmap(1.0)
    True
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.colors import ListedColormap

    base = mpl.colormaps[DIVERGING_CMAP]
    return ListedColormap(base(np.linspace(0.64, 1.0, 256)), name="nelc_current")


def add_caption(fig, text: str, *, fontsize: float = 11.0) -> None:
    """Write a caption under a figure (what its marks mean, for every reader).

    The caption is part of the image, so it travels with it (screenshots, slides) and
    doubles as a text description for readers who cannot see the colours.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    text : str
        One or two short sentences.
    fontsize : float, optional

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> add_caption(fig, "Node area is proportional to the stationary probability.")
    >>> fig.texts[-1].get_text()[:4]
    'Node'
    """
    import textwrap

    width_in = fig.get_figwidth()
    chars = max(40, int(width_in * 72 / (0.55 * fontsize)))
    wrapped = "\n".join(textwrap.wrap(text, chars))
    # With constrained layout a supxlabel gets its own space under the axes.
    fig.supxlabel(wrapped, fontsize=fontsize, color="#333333", ha="center",
                  style="italic")
