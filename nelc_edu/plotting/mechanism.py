"""Figures of notebook 07 (why cycles emerge): exact training traces, drawn step by step.

Everything drawn here was computed by :mod:`nelc_edu.exact_training`: an
:class:`~nelc_edu.exact_training.ExactTrace` holds, at every update, ``T``, ``pi``, ``rho``,
``h``, the currents, ``sigma`` and ``diag T`` of a small model trained by its exact gradient.

* :func:`plot_trace_curves`: log-likelihood, entropy production and mean self-transition
  along training, one colour per model kind;
* :func:`plot_occupation`: ``pi`` against ``rho``, the vector ``h`` and ``KL(rho || pi)``
  along training (what the encoder's gradient responds to);
* :func:`plot_self_transition_ledger`: where the change of ``mean(diag T)`` came from (the
  encoder's half of each update, split by crowded and sparse states, and the decoder's);
* :func:`draw_trace_graph`: the latent chain at one step (decoder-mean images as nodes,
  net currents as arrows, the dominant cycle in orange);
* :func:`draw_trace_step`: all of it at one step, the figure of
  :func:`nelc_edu.widgets.training_replay`.

Every function returns matplotlib objects and never calls ``plt.show()``.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from nelc_edu.models import TwoMatrixModel
>>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
>>> from nelc_edu.exact_training import train_exact
>>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
>>> trace = train_exact(TwoMatrixModel.random(3, 9, seed=1), X, n_updates=30)
>>> fig, axes = plot_trace_curves({"two-matrix": trace})
>>> [ax.get_ylabel() for ax in axes][1]
'entropy production σ (nats/step)'
>>> plt.close(fig)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..exact_training import ExactTrace, SelfTransitionLedger
from .style import BLACK, GREY, HIGHLIGHT, REDDISH_PURPLE, SKY_BLUE, YELLOW, add_caption, kind_style

__all__ = [
    "plot_trace_curves",
    "plot_occupation",
    "plot_self_transition_ledger",
    "draw_trace_graph",
    "draw_trace_step",
]

#: Values below this are rounding noise of a quantity that is exactly zero.
_ZERO = 1e-12
#: Colours of the latent states in per-state panels (none of them is a model kind's colour).
STATE_COLORS = (REDDISH_PURPLE, SKY_BLUE, BLACK, YELLOW)
#: Line styles of successive traces of the same model kind.
_KIND_LINESTYLES = ("-", ":", "-.", (0, (5, 1)))
#: Where each panel's curves leave room for a legend.
_LEGEND_LOC = {"log_likelihood": "lower right", "sigma": "upper left", "kl": "upper right",
               "mean_self_transition": "center right"}
_CURVE_LABELS = {
    "log_likelihood": "log-likelihood (nats/image)",
    "sigma": "entropy production σ (nats/step)",
    "mean_self_transition": "mean self-transition\nmean(diag T)",
    "kl": "KL(ρ ‖ π) (nats)",
}


def _new_axes(axes, n: int, figsize):
    if axes is not None:
        axes = list(np.atleast_1d(axes))
        if len(axes) != n:
            raise ValueError(f"axes must hold {n} Axes, one per panel; got {len(axes)}.")
        return axes[0].figure, axes
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=figsize, layout="constrained")
    return fig, list(np.atleast_1d(axes))


def _as_traces(traces) -> dict[str, ExactTrace]:
    if isinstance(traces, ExactTrace):
        return {traces.label: traces}
    if not isinstance(traces, Mapping) or not traces:
        raise ValueError("traces must be an ExactTrace or a non-empty dict label -> ExactTrace.")
    for name, tr in traces.items():
        if not isinstance(tr, ExactTrace):
            raise ValueError(f"traces[{name!r}] is a {type(tr).__name__}, not an ExactTrace "
                             "(from nelc_edu.exact_training.train_exact or trace_parameters).")
    return dict(traces)


def _trace_styles(traces: dict[str, ExactTrace]) -> dict[str, dict[str, Any]]:
    """Colour by model kind; a second trace of the same kind gets the next line style."""
    seen: dict[str, int] = {}
    styles = {}
    for name, tr in traces.items():
        n = seen.get(tr.kind, 0)
        seen[tr.kind] = n + 1
        style = kind_style(tr.kind)
        if n:
            style["ls"] = _KIND_LINESTYLES[n % len(_KIND_LINESTYLES)]
        style["label"] = name
        styles[name] = style
    return styles


def _values(trace: ExactTrace, key: str) -> np.ndarray:
    if key == "mean_self_transition":
        return trace.mean_self_transition
    if key in ("log_likelihood", "sigma", "kl"):
        return np.asarray(getattr(trace, key), dtype=float)
    raise ValueError(f"key must be one of {sorted(_CURVE_LABELS)}; got {key!r}.")


def plot_trace_curves(
    traces: Any,
    *,
    keys: Sequence[str] = ("log_likelihood", "sigma", "mean_self_transition"),
    axes=None,
    marker: int | None = None,
    legend_panel: int | None = 0,
    figsize: tuple[float, float] = (14.0, 4.2),
):
    """Curves along training for each trace: one panel per quantity.

    ``sigma`` and ``kl`` are drawn on a log axis; values that are zero to rounding (a tied
    model's sigma, about 1e-33) cannot sit there, so they are left out and the panel says
    so. The mean self-transition panel has a grey guide at ``1/K``.

    Parameters
    ----------
    traces : ExactTrace or dict label -> ExactTrace
        Colour by model kind (:data:`~nelc_edu.plotting.KIND_STYLES`); a second trace of
        the same kind is dotted.
    keys : sequence of {"log_likelihood", "sigma", "mean_self_transition", "kl"}
    axes : sequence of Axes, optional
        One per key.
    marker : int, optional
        Mark the state ``marker`` with an orange vertical line and dots.
    legend_panel : int or None
        The panel that holds the legend (placed where the curves leave room); None: no
        legend.
    figsize : tuple, optional

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from nelc_edu.models import OneHotRBM
    >>> from nelc_edu.exact_training import train_exact
    >>> trace = train_exact(OneHotRBM.random(3, 4, seed=0), np.eye(4, dtype=np.uint8),
    ...                     n_updates=10)
    >>> fig, axes = plot_trace_curves(trace, marker=5)
    >>> "rounding" in axes[1].texts[0].get_text()     # a tied model's sigma is exactly 0
    True
    >>> plt.close(fig)
    """
    traces = _as_traces(traces)
    fig, axes = _new_axes(axes, len(keys), figsize)
    styles = _trace_styles(traces)
    for ax, key in zip(axes, keys, strict=True):
        log = key in ("sigma", "kl")
        hidden = []
        for name, tr in traces.items():
            y = _values(tr, key)
            x = np.asarray(tr.steps, dtype=float)
            ok = y > _ZERO if log else np.isfinite(y)
            if log and not ok.any():
                hidden.append(name)
            st = styles[name]
            ax.plot(x[ok], y[ok], color=st["color"], ls=st["ls"], label=st["label"], lw=2)
            if marker is not None and 0 <= marker < len(tr) and ok[marker]:
                ax.plot([x[marker]], [y[marker]], "o", color=st["color"], ms=7, zorder=4)
        if log:
            ax.set_yscale("log")
        if hidden:
            symbol = "σ" if key == "sigma" else "KL"
            ax.text(0.98, 0.04, f"{symbol} = 0 to rounding (not on a log axis):\n"
                    + ", ".join(hidden),
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=10,
                    color="#333333")
        if key == "mean_self_transition":
            K = next(iter(traces.values())).K
            ax.axhline(1.0 / K, color=GREY, ls="--", lw=1.5, zorder=0)
            ax.text(0.99, 1.0 / K, f"1/K = {1 / K:.2f}", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize=10, color="#555555")
            ax.set_ylim(0.0, 1.0)
        ax.set_ylabel(_CURVE_LABELS[key])
        ax.set_xlabel("update")
        if marker is not None:
            ax.axvline(marker, color=HIGHLIGHT, lw=1.5, zorder=0)
    if legend_panel is not None:
        axes[legend_panel].legend(loc=_LEGEND_LOC[keys[legend_panel]], fontsize=10)
    return fig, axes


def plot_occupation(trace: ExactTrace, *, axes=None, marker: int | None = None,
                    figsize: tuple[float, float] = (14.0, 4.2)):
    """What the encoder's gradient responds to, along training: three panels.

    Left: ``pi_k`` (solid, where the chain is) and ``rho_k`` (dashed, where the data want
    it) of every latent state. Middle: ``h_k = (Z (rho / pi - 1))_k``; ``h_k > 0`` when the
    chain heads from ``k`` towards states that are under-occupied. Right: ``KL(rho || pi)``
    (log axis), the one quantity the encoder's gradient lowers.

    Parameters
    ----------
    trace : ExactTrace
    axes : sequence of three Axes, optional
    marker : int, optional
        Mark state ``marker`` with an orange vertical line.
    figsize : tuple, optional

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu.models import TwoMatrixModel
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
    >>> from nelc_edu.exact_training import train_exact
    >>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
    >>> fig, axes = plot_occupation(train_exact(TwoMatrixModel.random(3, 9, seed=1), X,
    ...                                         n_updates=20))
    >>> len(axes[0].lines)                       # pi and rho of each of the 3 states
    6
    >>> plt.close(fig)
    """
    if not isinstance(trace, ExactTrace):
        raise ValueError(f"trace must be an ExactTrace; got {type(trace).__name__}.")
    fig, (ax_p, ax_h, ax_kl) = _new_axes(axes, 3, figsize)
    x = np.asarray(trace.steps, dtype=float)
    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=4.5, foreground="white")]
    for k in range(trace.K):
        color = STATE_COLORS[k % len(STATE_COLORS)]
        ax_p.plot(x, trace.pi[:, k], color=color, lw=1.2, alpha=0.75, label=f"π_{k}  (chain)")
        ax_h.plot(x, trace.h[:, k], color=color, lw=1.2, alpha=0.85, label=f"h_{k}")
    for k in range(trace.K):  # the data's occupation on top, so the bands cannot hide it
        color = STATE_COLORS[k % len(STATE_COLORS)]
        ax_p.plot(x, trace.rho[:, k], color=color, lw=2.5, ls="--", path_effects=halo,
                  label=f"ρ_{k}  (data)", zorder=3)
    ax_h.axhline(0.0, color=GREY, lw=1, zorder=0)
    ok = trace.kl > _ZERO
    ax_kl.plot(x[ok], trace.kl[ok], color=kind_style(trace.kind)["color"], lw=1.8)
    ax_kl.set_yscale("log")
    ax_p.set_ylabel("occupation of latent state k")
    ax_h.set_ylabel("$h_k$  (future excess demand)")
    ax_kl.set_ylabel(_CURVE_LABELS["kl"])
    handles, labels = ax_p.get_legend_handles_labels()
    order = [j for k in range(trace.K) for j in (k, trace.K + k)]  # one column per state
    ax_p.legend([handles[j] for j in order], [labels[j] for j in order], ncols=trace.K,
                fontsize=9, loc="upper right", handlelength=1.6, columnspacing=0.8)
    ax_h.legend(fontsize=10, loc="upper right")
    ax_p.set_ylim(0.0, max(1.0, float(np.max(trace.pi)) * 1.0) * 1.05)
    for ax in (ax_p, ax_h, ax_kl):
        ax.set_xlabel("update")
        if marker is not None:
            ax.axvline(marker, color=HIGHLIGHT, lw=1.5, zorder=0)
    ax_p.set_title("π (solid) against ρ (dashed)")
    ax_h.set_title("h = Z (ρ/π − 1)")
    ax_kl.set_title("how far π is from ρ")
    return fig, [ax_p, ax_h, ax_kl]


def plot_self_transition_ledger(ledger: SelfTransitionLedger, *, axes=None,
                                figsize: tuple[float, float] = (13.0, 4.4)):
    """Where the fall of ``mean(diag T)`` came from, added up over training: two panels.

    Left: the encoder's half of the updates, split by the state's situation at that step:
    crowded states (``pi_k > rho_k``) lose self-transition, sparse states regain it. Right:
    the net of the two (the encoder's part), the decoder's part and the observed total.

    Parameters
    ----------
    ledger : SelfTransitionLedger
        From :func:`nelc_edu.exact_training.self_transition_ledger`.
    axes : sequence of two Axes, optional
    figsize : tuple, optional

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu.models import TwoMatrixModel
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
    >>> from nelc_edu.exact_training import self_transition_ledger, train_exact
    >>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
    >>> ledger = self_transition_ledger(train_exact(TwoMatrixModel.random(3, 9, seed=1), X,
    ...                                             n_updates=20))
    >>> fig, axes = plot_self_transition_ledger(ledger)
    >>> len(axes[1].lines) >= 3
    True
    >>> plt.close(fig)
    """
    if not isinstance(ledger, SelfTransitionLedger):
        raise ValueError("ledger must be a SelfTransitionLedger (from "
                         "nelc_edu.exact_training.self_transition_ledger).")
    fig, (ax_s, ax_n) = _new_axes(axes, 2, figsize)
    x = ledger.steps
    ax_s.plot(x, ledger.crowded, color=REDDISH_PURPLE, lw=2, label="crowded states (π > ρ)")
    ax_s.plot(x, ledger.sparse, color=SKY_BLUE, lw=2, label="sparse states (π ≤ ρ)")
    ax_s.plot(x, ledger.encoder, color=BLACK, lw=2, label="their sum")
    ax_s.axhline(0.0, color=GREY, lw=1, zorder=0)
    ax_s.set_title("encoder's half of each update, added up")
    ax_s.legend(loc="lower left", fontsize=10)
    ax_n.plot(x, ledger.encoder, color=BLACK, lw=2, label="encoder (W, c)")
    ax_n.plot(x, ledger.decoder, color=GREY, lw=2, label="decoder (U, b)")
    ax_n.plot(x, ledger.total, color=kind_style("two_matrix")["color"], lw=2.5, ls="--",
              label="observed change")
    ax_n.axhline(0.0, color=GREY, lw=1, zorder=0)
    ax_n.set_title("net change of mean(diag T)")
    ax_n.legend(loc="lower left", fontsize=10)
    for ax in (ax_s, ax_n):
        ax.set_xlabel("update")
        ax.set_ylabel("cumulative change of mean(diag T)")
    return fig, [ax_s, ax_n]


def _image_shape(N: int) -> tuple[int, int] | None:
    side = int(round(math.sqrt(N)))
    return (side, side) if side * side == N else None


#: Arrows are the currents above this fraction of the run's largest current.
ARROW_FRACTION = 0.01


def _arrow_threshold(trace: ExactTrace) -> float:
    """Draw the currents above 1% of the run's largest (never below rounding)."""
    return max(_ZERO, ARROW_FRACTION * float(np.max(trace.currents)))


def draw_trace_graph(trace: ExactTrace, i: int, *, ax=None, title: str | None = None,
                     caption: bool | str = True, figsize: tuple[float, float] = (6.4, 5.6)):
    """The latent chain of a trace at state ``i``: decoder means as nodes, currents as arrows.

    Node ``z`` is the decoder-mean image ``p(x_j = 1 | z)`` (for square N), its size grows
    with ``pi_z``, "stay" is ``T_zz``; arrows are the net currents above 1% of the run's
    largest current, on one scale for the whole run (so widths compare between steps); the
    orange halo is the dominant cycle.

    Parameters
    ----------
    trace : ExactTrace
    i : int
        State index (0 = before training; negative counts from the end).
    ax : Axes, optional
    title : str, optional
        Default: the label, the update and sigma.
    caption : bool or str
    figsize : tuple, optional

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu.models import TwoMatrixModel
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
    >>> from nelc_edu.exact_training import train_exact
    >>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
    >>> trace = train_exact(TwoMatrixModel.random(3, 9, seed=1), X, n_updates=60)
    >>> fig, ax = draw_trace_graph(trace, -1)
    >>> sum(p.get_gid() == "nelc-current" for p in ax.patches) >= 1
    True
    >>> plt.close(fig)
    """
    from .. import markov
    from .graphs import draw_chain_graph

    if not isinstance(trace, ExactTrace):
        raise ValueError(f"trace must be an ExactTrace; got {type(trace).__name__}.")
    i = trace._index(i)
    T, pi = trace.T[i], trace.pi[i]
    thr = _arrow_threshold(trace)
    found = markov.dominant_cycle(T, pi, threshold=thr)
    cycle = found[0] if found is not None else None
    shape = _image_shape(trace.model.N)
    means = trace.decoder_means(i)
    images = None if shape is None else means.reshape((trace.K, *shape))
    if caption is True:
        caption = ("Node z: decoder mean p(x_j = 1 | z) (black = 1), size ∝ π_z; 'stay' = T_zz. "
                   + ("Arrows: net currents J (same scale at every step)"
                      + (", orange = dominant cycle." if cycle else ".")
                      if float(np.max(trace.currents[i])) > thr else
                      "No arrow: no net current above 1% of the run's largest."))
    if title is None:
        title = f"{trace.label}\nupdate {trace.steps[i]}: σ = {trace.sigma[i]:.2g} nats/step"
    fig = ax.figure if ax is not None else None
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    draw_chain_graph(T, pi, ax=ax, node_images=images, threshold=thr, highlight_cycle=cycle,
                     current_scale=max(float(np.max(trace.currents)), _ZERO),
                     show_self_loops=True, title=title, caption=caption, show_support=False)
    y0, y1 = ax.get_ylim()
    pad = 0.14 * (y1 - y0)
    ax.set_ylim(y0 - pad, y1 + pad)
    return fig, ax


def _bars(ax, values: Sequence[np.ndarray], labels: Sequence[str], colors, hatches, title,
          ylabel, ylim=None) -> None:
    K = len(values[0])
    width = 0.8 / len(values)
    for j, (v, lab, col, hatch) in enumerate(zip(values, labels, colors, hatches, strict=True)):
        ax.bar(np.arange(K) + (j - (len(values) - 1) / 2) * width, v, width=width, color=col,
               edgecolor=BLACK, hatch=hatch, label=lab)
    ax.set_xticks(np.arange(K), [f"z = {k}" for k in range(K)])
    ax.set_title(title, fontsize=12)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)


def draw_trace_step(fig, traces: Any, i: int, *, label: str | None = None) -> str:
    """Training at state ``i`` of a trace, in one figure (the widget's callback).

    Left: :func:`draw_trace_graph`. Middle: ``pi`` against ``rho`` (top) and ``diag T``
    against ``1/K`` (bottom) at that step. Right: sigma and the mean self-transition along
    training for every trace, with the step marked.

    Parameters
    ----------
    fig : Figure
        An empty figure (e.g. from :func:`nelc_edu.widgets._common.redraw_into`).
    traces : ExactTrace or dict label -> ExactTrace
    i : int
        State index (negative counts from the end).
    label : str, optional
        Which trace's graph and bars to draw (default: the first).

    Returns
    -------
    str
        The step's numbers, one line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> from nelc_edu.models import TwoMatrixModel
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
    >>> from nelc_edu.exact_training import train_exact
    >>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
    >>> trace = train_exact(TwoMatrixModel.random(3, 9, seed=1), X, n_updates=20)
    >>> draw_trace_step(Figure(figsize=(15, 6)), trace, 10).startswith("update 10")
    True
    """
    from .. import markov

    traces = _as_traces(traces)
    label = next(iter(traces)) if label is None else label
    if label not in traces:
        raise ValueError(f"label {label!r} is not among the traces {list(traces)}.")
    trace = traces[label]
    i = trace._index(i)
    left, middle, right = fig.subfigures(1, 3, width_ratios=[1.25, 0.8, 1.0])
    draw_trace_graph(trace, i, ax=left.subplots(), caption=False,
                     title=f"{label}\nupdate {trace.steps[i]}")
    ax_p, ax_d = middle.subplots(2, 1, gridspec_kw={"hspace": 0.15})
    K = trace.K
    _bars(ax_p, [trace.pi[i], trace.rho[i]], ["π (chain)", "ρ (data)"],
          [kind_style(trace.kind)["color"], "white"], ["", "//"], "occupation: π vs ρ",
          "probability", (0, 1))
    ax_p.legend(fontsize=9, loc="upper right")
    _bars(ax_d, [trace.self_transition[i]], ["diag T"], [GREY], [""],
          "self-transitions T_zz", "T_zz", (0, 1))
    ax_d.axhline(1.0 / K, color=BLACK, ls="--", lw=1.2)
    ax_d.text(K - 0.5, 1.0 / K, "1/K", ha="right", va="bottom", fontsize=10)
    ax_s, ax_m = right.subplots(2, 1, sharex=True)
    plot_trace_curves(traces, keys=("sigma", "mean_self_transition"), axes=[ax_s, ax_m],
                      marker=i if all(len(t) > i for t in traces.values()) else None,
                      legend_panel=1)
    ax_s.set_xlabel("")
    add_caption(fig, "Left: node = decoder mean (size ∝ π), arrows = net currents, orange = "
                     "dominant cycle. Middle: occupations and self-transitions at this update. "
                     "Right: the whole run, this update in orange.", fontsize=10.5)
    found = markov.dominant_cycle(trace.T[i], trace.pi[i], threshold=_arrow_threshold(trace))
    cyc = (", dominant cycle " + " -> ".join(map(str, [*found[0], found[0][0]]))
           if found else "")
    return (f"update {trace.steps[i]} ({label}): sigma = {trace.sigma[i]:.3g} nats/step, "
            f"mean diag T = {trace.mean_self_transition[i]:.3f} (1/K = {1 / K:.2f}), "
            f"KL(rho || pi) = {trace.kl[i]:.1e}{cyc}")
