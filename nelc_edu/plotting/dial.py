"""Figures of the reversibility dial: one family of models moved toward equilibrium (09).

The runs are those of a tie-penalty sweep (``scripts/reproduce_dial.py``; the shipped
``dial_digits`` and ``dial_mnist5k`` results): the two-matrix model trained with the penalty
``-(lambda/2) sum (U - W^T)^2`` for a grid of lambdas and seeds, and both one-hot RBMs at the
same budget. What is computed (the table of final diagnostics, the rank correlations, the
summaries per lambda) comes from :mod:`nelc_edu.dial`; these functions only draw it.

* :func:`plot_dial` -- log-likelihood against the entropy production and against the mean
  self-transition, one point per run: the two-matrix runs coloured by lambda (a sequential
  map with a colour bar), the RBMs in their kind's colour; each panel's title gives the
  rank correlation within the family;
* :func:`plot_dial_by_lambda` -- the same diagnostics against lambda (median and range over
  seeds), the RBMs' medians as reference lines;
* :func:`draw_dial_run` -- the widget's figure: both scatters with one lambda highlighted,
  and one run's latent graph and decoder means.

Filled markers: sigma above three noise floors (a measured entropy production); hollow
markers: not distinguishable from a reversible chain at the estimator's budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..dial import dial_table, find_run, tie_penalties, within_family
from .style import GREY, HIGHLIGHT, add_caption, kind_style

__all__ = ["plot_dial", "plot_dial_by_lambda", "draw_dial_run", "DIAL_CMAP"]

#: Sequential, perceptually ordered, colour-blind-safe map for lambda (dark: free model,
#: light: pinned to the encoder).
DIAL_CMAP = "cividis"
_RBM_MARKERS = {"rbm": "s", "rbm_exact": "D"}
_XLABELS = {
    "entropy_production": "latent entropy production σ (nats / step, log scale)",
    "mean_self_transition": "mean self-transition mean(diag T)",
}
_YLABELS = {
    "log_likelihood": "log-likelihood (nats / image, train)",
    "log_likelihood_heldout": "log-likelihood (nats / image, held-out)",
    "entropy_production": "σ (nats / step)",
    "mean_self_transition": "mean(diag T)",
    "class_kl": "class-histogram KL",
}


def _as_table(data) -> Mapping[str, np.ndarray]:
    if isinstance(data, Mapping) and "kind" in data and "tie_penalty" in data:
        return data
    return dial_table(list(data))


def _latent_sizes(data, K) -> list[int]:
    """The K of the runs (for the 1/K line): given, or read from the records' settings."""
    if K is not None:
        return [int(K)]
    if isinstance(data, Mapping):
        return []
    return sorted({int(r["settings"]["K"]) for r in data if "K" in r["settings"]})


def _lambda_colours(table):
    """(levels, norm, cmap): one colour per lambda of the grid, whatever the grid."""
    import matplotlib as mpl
    from matplotlib.colors import BoundaryNorm, ListedColormap

    levels = tie_penalties(table)
    base = mpl.colormaps[DIAL_CMAP]
    n = len(levels)
    colours = base(np.linspace(0.0, 0.92, n)) if n > 1 else base([0.0])
    cmap = ListedColormap(colours, name="nelc_dial")
    norm = BoundaryNorm(np.arange(n + 1) - 0.5, n)
    return levels, norm, cmap


def _lambda_label(lam: float) -> str:
    return "0" if lam == 0 else f"{lam:g}"


#: Entropy productions below this are rounding (a tied model's estimate is exactly
#: reversible; docs/theory.md, section 6): drawn on the left edge of a log axis.
ROUNDING_LEVEL = 1e-20


def _log_edge(table) -> float:
    """Left edge of the log σ axis: a decade below the smallest σ above rounding level."""
    sig = np.asarray(table["entropy_production"], float)
    pos = sig[np.isfinite(sig) & (sig > ROUNDING_LEVEL)]
    if not pos.size:
        return 1e-12
    return 10.0 ** (math.floor(math.log10(float(pos.min()))) - 1)


def _panel(ax, table, x: str, y: str, levels, norm, cmap, highlight, chosen,
           edge: float | None = None) -> None:
    kinds = np.asarray(table["kind"])
    xs, ys = np.asarray(table[x], float), np.asarray(table[y], float)
    if edge is not None:  # σ at rounding level: on the left edge of the log axis
        xs = np.where(xs < edge, edge, xs)
    measured = np.asarray(table["measured"], bool)
    lam = np.asarray(table["tie_penalty"], float)
    fam = kinds == "two_matrix"
    idx = np.array([levels.index(v) if f else -1 for v, f in zip(lam, fam, strict=True)])
    for filled in (True, False):
        sel = fam & (measured == filled)
        if sel.any():
            colours = cmap(norm(idx[sel]))
            ax.scatter(xs[sel], ys[sel], s=46, marker="o", zorder=3, linewidths=1.2, clip_on=False,
                       c=colours if filled else "none",
                       edgecolors="#333333" if filled else colours)
    for kind, marker in _RBM_MARKERS.items():
        sel = kinds == kind
        if sel.any():
            st = kind_style(kind)
            ax.scatter(xs[sel], ys[sel], s=60, marker=marker, zorder=3, facecolors="none",
                       edgecolors=st["color"], linewidths=1.8, clip_on=False)
    if highlight is not None:
        sel = fam & (lam == float(highlight))
        ax.scatter(xs[sel], ys[sel], s=170, marker="o", facecolors="none",
                   edgecolors=HIGHLIGHT, linewidths=2.2, zorder=4, clip_on=False)
    if chosen is not None:
        ax.scatter(xs[chosen], ys[chosen], s=330, marker="o", facecolors="none",
                   edgecolors=HIGHLIGHT, linewidths=3.0, zorder=5, clip_on=False)


def _rho_title(table, x: str, y: str, title: str | None = None) -> str:
    head = f"{title} · " if title else ""
    n = int(np.sum(np.asarray(table["kind"]) == "two_matrix"))
    if n < 3:
        return f"{head}{n} two-matrix runs: too few for a rank correlation"
    rho, n = within_family(table, x, y)
    return f"{head}Spearman ρ over the {n} two-matrix runs: {rho:+.2f}"


def _legend_handles(table, show_measured: bool = True):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", mfc="#777777", mec="#333333", ms=8,
                      label="two-matrix (PCD), colour = λ")]
    kinds = set(np.asarray(table["kind"]))
    for kind, marker in _RBM_MARKERS.items():
        if kind in kinds:
            st = kind_style(kind)
            handles.append(Line2D([], [], marker=marker, ls="", mfc="none", mec=st["color"],
                                  mew=1.8, ms=8, label=st["label"]))
    if show_measured:
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec="#777777", ms=8,
                              label="hollow: σ ≤ 3 noise floors"))
    return handles


def plot_dial(data, *, axes=None, y: str = "log_likelihood", highlight: float | None = None,
              run: Mapping[str, Any] | None = None, K: int | None = None,
              title: str | None = None, caption: bool = True):
    """Log-likelihood against σ and against mean diag T, one point per run of a dial sweep.

    Parameters
    ----------
    data : sequence of dict or dict of arrays
        The sweep's records (``load_shipped_results("dial_digits")``) or their
        :func:`nelc_edu.dial.dial_table`.
    axes : two Axes, optional
        Where to draw (a new figure otherwise).
    y : str
        The column on the vertical axes (``"log_likelihood"`` or
        ``"log_likelihood_heldout"``).
    highlight : float, optional
        A lambda whose runs get an orange ring.
    run : dict, optional
        One run (a record of the sweep) that gets a larger orange ring.
    K : int, optional
        Latent states, for the 1/K line (default: read from the records).
    title : str, optional
        A name for the sweep (e.g. the dataset), at the head of both panel titles.
    caption : bool
        Write what the marks mean under a new figure.

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": k, "tie_penalty": lam, "seed": s, "K": 10},
    ...          "final": {"log_likelihood": -20 - lam - s / 10, "ep_noise_floor": 1e-5,
    ...                    "entropy_production": 0.3 / (1 + lam),
    ...                    "mean_self_transition": 0.1 + lam / 20}}
    ...         for k, lam in [("two_matrix", 0.0), ("two_matrix", 1.0), ("two_matrix", 10.0),
    ...                        ("rbm", 0.0)] for s in (0, 1)]
    >>> fig, axes = plot_dial(recs, highlight=1.0)
    >>> axes[0].get_title()
    'Spearman ρ over the 6 two-matrix runs: +0.96'
    >>> plt.close(fig)
    """
    table = _as_table(data)
    new = axes is None
    if new:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(13.0, 5.4), layout="constrained")
    axes = list(np.atleast_1d(axes))
    fig = axes[0].figure
    levels, norm, cmap = _lambda_colours(table)
    chosen = None
    if run is not None:
        s = run["settings"]
        lam = float(s.get("tie_penalty", 0.0)) if s["kind"] == "two_matrix" else math.nan
        chosen = ((np.asarray(table["kind"]) == s["kind"])
                  & (np.asarray(table["seed"]) == int(s["seed"]))
                  & ((np.asarray(table["tie_penalty"]) == lam) if s["kind"] == "two_matrix"
                     else True))
    edge = _log_edge(table)
    for ax, x in zip(axes, ("entropy_production", "mean_self_transition"), strict=True):
        _panel(ax, table, x, y, levels, norm, cmap, highlight, chosen,
               edge=edge if x == "entropy_production" else None)
        ax.set_xlabel(_XLABELS[x])
        ax.set_ylabel(_YLABELS.get(y, y))
        ax.set_title(_rho_title(table, x, y, title), fontsize=12)
    ax0 = axes[0]
    ax0.set_xscale("log")
    sig = np.asarray(table["entropy_production"], float)
    right = float(np.nanmax(sig[np.isfinite(sig)])) if np.isfinite(sig).any() else 1.0
    ax0.set_xlim(edge, max(3.0 * right, 10 * edge))
    if np.any(sig < edge):  # the left edge stands for "at rounding level"
        from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation

        sci = LogFormatterSciNotation()
        ax0.xaxis.set_major_formatter(FuncFormatter(
            lambda v, pos: "≈ 0" if math.isclose(v, edge, rel_tol=1e-9) else sci(v, pos)))
    ax1 = axes[1]
    for k in _latent_sizes(data, K):
        ax1.axvline(1.0 / k, color="k", lw=1, ls=":")
        ax1.annotate(f"1/K = {1 / k:.2f}", xy=(1.0 / k, 1.0), xycoords=("data", "axes fraction"),
                     xytext=(4, -4), textcoords="offset points", va="top", fontsize=10)
    ax1.set_xlim(-0.02, 1.02)
    import matplotlib as mpl

    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=axes, ticks=np.arange(len(levels)), shrink=0.9, pad=0.01)
    cb.ax.set_yticklabels([_lambda_label(v) for v in levels], fontsize=10)
    cb.set_label("tie penalty λ (two-matrix runs)")
    fig.legend(handles=_legend_handles(table), loc="outside upper center",
               ncols=4, fontsize=10, frameon=False)
    if caption and new:
        add_caption(fig, f"{len(table['kind'])} runs, one point per trained model. Left: σ "
                         "on a log axis; runs whose σ is at rounding level (the RBMs: a tied "
                         "model's estimate is exactly reversible) sit on the left edge, "
                         "marked ≈ 0. "
                         "Right: the dotted line is 1/K. Titles: Spearman rank correlation "
                         "over the two-matrix runs of every λ and seed.")
    return fig, axes


def plot_dial_by_lambda(data, metrics: Sequence[str] = ("log_likelihood", "entropy_production",
                                                       "mean_self_transition"),
                        *, axes=None, K: int | None = None, title: str | None = None):
    """Final diagnostics of the two-matrix family against lambda; RBMs as reference lines.

    One dot per run, the median over seeds joined by a line, the range over seeds shaded
    (:func:`nelc_edu.dial.dial_by_lambda`). The lambdas of the grid are evenly spaced on
    the horizontal axis (0, the free model, at the left); σ on a log axis with each run's
    noise floor as a grey tick. The RBMs' medians are horizontal lines in their kind's
    colour (not for σ: theirs is at rounding level by construction). ``title`` (e.g. the
    dataset) is written above the first panel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": k, "tie_penalty": lam, "seed": 0, "K": 10},
    ...          "final": {"log_likelihood": -20 - lam, "entropy_production": 0.3 / (1 + lam),
    ...                    "ep_noise_floor": 1e-5, "mean_self_transition": 0.1}}
    ...         for k, lam in [("two_matrix", 0.0), ("two_matrix", 1.0), ("rbm", 0.0)]]
    >>> fig, axes = plot_dial_by_lambda(recs)
    >>> len(axes)
    3
    >>> plt.close(fig)
    """
    from ..dial import dial_by_lambda

    table = _as_table(data)
    metrics = list(metrics)
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 4.2),
                                 layout="constrained")
    axes = list(np.atleast_1d(axes))
    fig = axes[0].figure
    levels = tie_penalties(table)
    pos = {v: i for i, v in enumerate(levels)}
    fam = np.asarray(table["kind"]) == "two_matrix"
    xs = np.array([pos.get(float(v), -1) for v in np.asarray(table["tie_penalty"], float)])
    colour = kind_style("two_matrix")["color"]
    for ax, metric in zip(axes, metrics, strict=True):
        c = dial_by_lambda(table, metric)
        at = np.arange(len(levels))
        ax.fill_between(at, c.low, c.high, color=colour, alpha=0.18, lw=0)
        ax.plot(at, c.median, color=colour, lw=2, marker="o", ms=5,
                label="two-matrix (PCD): median over seeds (band: range)")
        ax.scatter(xs[fam], np.asarray(table[metric], float)[fam], s=14, color="k",
                   alpha=0.5, zorder=3, label="one run")
        if metric == "entropy_production":
            ax.set_yscale("log")
            ax.scatter(xs[fam], np.asarray(table["ep_noise_floor"], float)[fam],
                       marker="_", s=90, color=GREY, zorder=2, label="its noise floor")
        else:
            for kind in _RBM_MARKERS:
                sel = np.asarray(table["kind"]) == kind
                if sel.any():
                    st = kind_style(kind)
                    ax.axhline(float(np.nanmedian(np.asarray(table[metric], float)[sel])),
                               color=st["color"], ls=st["ls"], lw=1.6,
                               label=f"{st['label']}: median")
        ax.set_xticks(at, [_lambda_label(v) for v in levels], rotation=60, fontsize=10)
        ax.set_xlim(-0.5, len(levels) - 0.5)
        ax.set_xlabel("tie penalty λ (the grid of the sweep)")
        ax.set_ylabel(_YLABELS.get(metric, metric))
        if metric == "mean_self_transition":
            for k in _latent_sizes(data, K):
                ax.axhline(1.0 / k, color="k", lw=1, ls=":")
                ax.annotate(f"1/K = {1 / k:.2f}", xy=(0.0, 1.0 / k),
                            xycoords=("axes fraction", "data"), xytext=(4, 4),
                            textcoords="offset points", fontsize=10)
            ax.set_ylim(-0.02, 1.02)
    if title:
        axes[0].set_title(title, loc="left", fontweight="bold")
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=10,
               frameon=False)
    return fig, axes


def draw_dial_run(fig, records: Sequence[Mapping[str, Any]], tie_penalty: float,
                  seed: int | None = None, *, all_currents: bool = False,
                  table: Mapping[str, np.ndarray] | None = None,
                  title: str | None = None) -> str:
    """The dial widget's figure: the two scatters with ``tie_penalty`` highlighted, and the
    latent graph and decoder means of one of its runs (seed ``seed``), into ``fig``.
    ``title`` names the sweep (e.g. the dataset) in the scatters' titles.

    Returns
    -------
    str
        One line: the run's numbers, and the median over seeds at that lambda.

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.widgets._common import new_figure
    >>> recs = [{"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": s, "K": 3},
    ...          "final": {"log_likelihood": -20.0 - lam, "entropy_production": 0.1,
    ...                    "ep_noise_floor": 1e-5, "mean_self_transition": 0.3,
    ...                    "T": np.full((3, 3), 1 / 3).tolist(), "pi": [1 / 3] * 3,
    ...                    "current_threshold": 1e-3},
    ...          "decoder_means": np.full((3, 64), 0.5)}
    ...         for lam in (0.0, 1.0) for s in (0, 1, 2)]
    >>> draw_dial_run(new_figure((12, 9)), recs, 1.0, seed=2)[:34]
    'two-matrix (PCD), λ = 1, seed 2: l'
    """
    from .graphs import _format_pi, draw_trained_graph
    from .images import image_grid

    table = _as_table(records) if table is None else table
    rec = find_run(records, "two_matrix", tie_penalty, seed)
    f, s = rec["final"], rec["settings"]
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.15])
    plot_dial(table, axes=top.subplots(1, 2), highlight=tie_penalty, run=rec,
              K=int(s.get("K", len(f["pi"]))), title=title, caption=False)
    left, right = bottom.subplots(1, 2, width_ratios=[1.2, 1.0])
    means = np.asarray(rec["decoder_means"], float)
    pi = np.asarray(f["pi"], float)
    cyc = f.get("dominant_cycle")
    draw_trained_graph(left, np.asarray(f["T"], float), pi, node_images=means,
                       threshold=float(f.get("current_threshold") or 0.0), cycle=cyc,
                       all_currents=all_currents, caption=False,
                       current_scale=_sweep_current_scale(records),
                       title=f"latent graph, λ = {_lambda_label(tie_penalty)}, seed {s['seed']}"
                             "\n(arrow scale shared by every run of the sweep)")
    image_grid(means, ax=right, ncols=min(5, len(means)), titles=[_format_pi(p) for p in pi],
               title="decoder means p(x | z) (label: π)")
    return _report(rec, table, tie_penalty, cyc)


def _sweep_current_scale(records) -> float | None:
    """The largest net current above its run's threshold in the whole sweep, so that arrow
    widths and colours compare between runs (a run with tiny currents gets thin arrows)."""
    from ..markov import probability_currents

    best = 0.0
    for rec in records:
        f = rec.get("final", {})
        if f.get("T") is None or f.get("pi") is None:
            continue
        J = probability_currents(np.asarray(f["T"], float), np.asarray(f["pi"], float))
        above = J[J > float(f.get("current_threshold") or 0.0)]
        if above.size:
            best = max(best, float(above.max()))
    return best if best > 0 else None


def _report(rec, table, lam: float, cyc) -> str:
    from ..dial import dial_by_lambda

    f, s = rec["final"], rec["settings"]
    K = int(s.get("K", len(f["pi"])))

    def num(key):
        v = f.get(key)
        return math.nan if v is None else float(v)

    i = tie_penalties(table).index(float(lam))
    med_ll = dial_by_lambda(table, "log_likelihood").median[i]
    med_sig = dial_by_lambda(table, "entropy_production").median[i]
    cyc_txt = (" -> ".join(map(str, [*cyc, cyc[0]])) if cyc
               else "none (no current exceeds 3 standard errors)")
    return (f"two-matrix (PCD), λ = {_lambda_label(lam)}, seed {s['seed']}: log-lik "
            f"{num('log_likelihood'):.2f}, σ = {num('entropy_production'):.3g} (noise floor "
            f"{num('ep_noise_floor'):.1e}), mean diag T = {num('mean_self_transition'):.3f} "
            f"(1/K = {1 / K:.2f}); dominant cycle: {cyc_txt}\n"
            f"median over the seeds of λ = {_lambda_label(lam)}: log-lik {med_ll:.2f}, "
            f"σ = {med_sig:.3g}")
