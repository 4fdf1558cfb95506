"""Training figures: diagnostics along training, and the equal-budget comparison.

Colours are fixed per model kind everywhere in the course
(:data:`nelc_edu.plotting.style.KIND_STYLES`): two-matrix model = vermillion, PCD-trained
one-hot RBM = blue, exact-gradient one-hot RBM (control) = bluish green, dashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .style import add_caption, kind_style

__all__ = [
    "plot_training_curves",
    "plot_class_histograms",
    "plot_comparison",
]

_LEGEND_GID = "nelc-legend"

_YLABELS = {
    "log_likelihood": "log-likelihood\n(nats / image, train)",
    "log_likelihood_heldout": "log-likelihood\n(nats / image, held-out)",
    "entropy_production": "entropy production σ\n(nats / step)",
    "mean_self_transition": "mean self-transition\nmean(diag T)",
    "path_entropy_production": "path entropy production\n(nats / step)",
}


def _history_of(obj):
    return getattr(obj, "history", obj)


def plot_training_curves(
    runs: Mapping[str, Any],
    keys=("log_likelihood", "entropy_production", "mean_self_transition"),
    *,
    axes=None,
    K: int | None = None,
    upto: int | None = None,
):
    """Diagnostics against the number of updates, one panel per key, one line per run.

    Parameters
    ----------
    runs : mapping
        kind (``"two_matrix"``, ``"rbm"``, ``"rbm_exact"`` or any label) -> a
        :class:`~nelc_edu.training.TrainingHistory` or an object with ``.history``.
    keys : sequence of str
        Diagnostics to plot. The entropy production panel shades the noise floor.
    axes : sequence of Axes, optional
    K : int, optional
        Draw the 1/K reference on the self-transition panel.
    upto : int, optional
        Only draw checkpoints up to this index (checkpoint scrubbers), with a marker there.

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from nelc_edu.training import TrainingHistory
    >>> h = TrainingHistory(model=None, steps=[0, 10], records=[
    ...     {"log_likelihood": -40.0, "entropy_production": 0.0, "ep_noise_floor": 1e-4,
    ...      "mean_self_transition": 0.1},
    ...     {"log_likelihood": -30.0, "entropy_production": 0.2, "ep_noise_floor": 1e-4,
    ...      "mean_self_transition": 0.05}])
    >>> fig, axes = plot_training_curves({"two_matrix": h}, K=10)
    >>> len(axes)
    3
    """
    import matplotlib.pyplot as plt

    keys = list(keys)
    if axes is None:
        fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 3.8),
                                 layout="constrained")
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    for kind, obj in runs.items():
        h = _history_of(obj)
        style = kind_style(kind)
        steps = np.asarray(h.steps)
        stop = len(steps) if upto is None else int(upto) + 1
        for ax, key in zip(axes, keys, strict=False):
            if key not in h.keys():
                continue
            y = h.get(key)
            ax.plot(steps[:stop], y[:stop], color=style["color"], ls=style["ls"],
                    label=style["label"], lw=2)
            if upto is not None:
                ax.plot(steps[stop - 1], y[stop - 1], "o", color=style["color"], ms=7)
            if key == "entropy_production" and "ep_noise_floor" in h.keys():
                floor = h.get("ep_noise_floor")
                ax.fill_between(steps[:stop], 0, floor[:stop], color=style["color"],
                                alpha=0.18, lw=0)
    for ax, key in zip(axes, keys, strict=False):
        ax.set_xlabel("parameter updates")
        ax.set_ylabel(_YLABELS.get(key, key))
        if key == "mean_self_transition" and K:
            ax.axhline(1.0 / K, color="k", lw=1, ls=":")
            ax.annotate(f"1/K = {1 / K:.2f}", xy=(1.0, 1.0 / K), xycoords=("axes fraction", "data"),
                        xytext=(-4, 4), textcoords="offset points", ha="right", fontsize=11)
        if key == "entropy_production":
            ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
            _note_rounding_level(ax, runs)
        if key.startswith("log_likelihood"):
            curves = [(np.asarray(_history_of(o).steps, float), _history_of(o).get(key),
                       kind_style(k)["color"]) for k, o in runs.items()
                      if key in _history_of(o).keys()]
            zoom_past_start(ax, curves)
    legend_above(axes, ncols=len(runs))
    return fig, axes


#: An entropy production (or noise floor) below this is rounding: the estimate of a tied model.
ROUNDING_SIGMA = 1e-20


def _note_rounding_level(ax, runs) -> None:
    """Say so when every sigma and floor on the panel is rounding (tied models, e.g. RBMs).

    Otherwise the axis would show rounding noise of order 1e-25 on an offset scale, which a
    student reads as a measurement (``docs/theory.md``, "Estimating T": a tied model's
    estimate is reversible whatever the draws).
    """
    vals = [np.asarray(_history_of(o).get(k), float) for o in runs.values()
            for k in ("entropy_production", "ep_noise_floor") if k in _history_of(o).keys()]
    vals = np.concatenate(vals) if vals else np.array([])
    vals = vals[np.isfinite(vals)]
    if not vals.size or np.abs(vals).max() >= ROUNDING_SIGMA:
        return
    ax.set_ylim(0.0, ROUNDING_SIGMA)
    ax.annotate(f"σ and its noise floor: rounding level\n(all below {ROUNDING_SIGMA:.0e})",
                xy=(0.5, 0.5), xycoords="axes fraction", ha="center", va="center",
                fontsize=10, color="#333333")


def zoom_past_start(ax, curves, *, after: float | None = None) -> None:
    """Zoom a log-likelihood axis on training, and mark where the clipped curves start.

    The untrained model (the first checkpoint) is tens of nats below the trained ones and
    would squash the part of the curves that tells the models apart. The y limits cover the
    values after the first checkpoint (or, with ``after``, from that update on); a curve
    whose start falls below the axis gets a triangle in its colour on the bottom edge, and
    the axis says where training started.

    Parameters
    ----------
    ax : Axes
    curves : sequence of (x, y, colour)
    after : float, optional
        Zoom on the values at ``x >= after`` instead of those after the first checkpoint.
    """
    shown = [np.asarray(y, float)[(np.asarray(x) >= after) if after is not None
                                  else slice(1, None)] for x, y, _ in curves]
    vals = np.concatenate(shown) if shown else np.array([])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return
    lo, hi = vals.min(), vals.max()
    pad = 0.1 * max(hi - lo, 0.5)
    ax.set_ylim(lo - pad, hi + pad)
    starts = [(x[0], y[0], c) for x, y, c in curves
              if len(y) and np.isfinite(y[0]) and y[0] < lo - pad]
    if not starts:
        return
    import matplotlib.transforms as mtransforms

    tr = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    for x0 in sorted({x0 for x0, _, _ in starts}):
        ax.plot([x0], [0.0], marker="v", ms=9, color="#333333", transform=tr, clip_on=False,
                zorder=5)
    first = min(y0 for _, y0, _ in starts)
    last = max(y0 for _, y0, _ in starts)
    where = f"{first:.1f}" if last - first < 0.05 else f"{first:.1f} to {last:.1f}"
    ax.annotate(f"▼ untrained: {where}\n(below the axis)", xy=(0.97, 0.03),
                xycoords="axes fraction", ha="right", va="bottom", fontsize=10,
                color="#333333")


def legend_above(axes, ncols: int = 3) -> None:
    """One legend for a row of panels, above them (so it covers no data).

    A legend of the (sub)figure that holds ``axes``, with the labelled lines of all of them
    (each label once); it replaces a legend this function drew there before.
    """
    axes = list(np.atleast_1d(axes))
    fig = axes[0].figure
    for old in [leg for leg in fig.legends if leg.get_gid() == _LEGEND_GID]:
        old.remove()
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels and not lab.startswith("_"):
                handles.append(h)
                labels.append(lab)
    if handles:
        leg = fig.legend(handles, labels, loc="outside upper center", ncols=ncols,
                         fontsize=10, frameon=False)
        leg.set_gid(_LEGEND_GID)


def plot_class_histograms(data_hist, model_hists: Mapping[str, Any], *, ax=None,
                          class_names=None, kls: Mapping[str, float] | None = None):
    """Bar chart of the data's class histogram beside each model's.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = plot_class_histograms(np.full(10, 0.1), {"rbm": np.full(10, 0.1)})
    >>> len(ax.patches)
    20
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    else:
        fig = ax.figure
    data_hist = np.asarray(data_hist, dtype=float)
    n = data_hist.size
    width = 0.8 / (1 + len(model_hists))
    x = np.arange(n)
    ax.bar(x - 0.4 + width / 2, data_hist, width, color="k", alpha=0.75, label="data")
    for i, (kind, hist) in enumerate(model_hists.items(), start=1):
        style = kind_style(kind)
        label = style["label"]
        if kls and kind in kls:
            label += f"  (KL {kls[kind]:.3f})"
        ax.bar(x - 0.4 + width / 2 + i * width, np.asarray(hist, float), width,
               color=style["color"], label=label, hatch="//" if kind == "rbm_exact" else None)
    ax.set_xticks(x, class_names if class_names is not None else [str(i) for i in x])
    ax.set_xlabel("class (assigned by the labeller)")
    ax.set_ylabel("fraction of samples")
    ax.legend(fontsize=10, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig, ax


def plot_comparison(results: Mapping[str, Any], *, all_currents: bool = False):
    """The figure of ``nelc-edu compare``: curves, class histograms, latent graphs.

    Parameters
    ----------
    results : mapping
        kind -> :class:`nelc_edu.experiments.RunResult`.
    all_currents : bool
        Draw every net current above the threshold in the latent graphs (default: the
        strongest ones and the dominant cycle).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .graphs import draw_trained_graph

    any_res = next(iter(results.values()))
    K = any_res.settings.K
    fig = plt.figure(figsize=(16, 10), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.25])
    axes = top.subplots(1, 4)
    plot_training_curves(results, axes=axes[:3], K=K)
    plot_class_histograms(
        any_res.final["data_class_hist"],
        {k: r.final["model_class_hist"] for k, r in results.items()},
        ax=axes[3],
        kls={k: r.final["class_kl"] for k, r in results.items()},
    )
    axes[3].set_title("class histograms of chain samples", fontsize=12)
    graph_axes = bottom.subplots(1, 2)
    shown = []
    for ax, kind in zip(graph_axes, ("two_matrix", "rbm"), strict=False):
        if kind not in results:
            ax.set_axis_off()
            continue
        res = results[kind]
        f = res.final
        n_drawn, n_above = draw_trained_graph(
            ax, f["T"], f["pi"], node_images=res.model.decoder_probs(),
            threshold=max(f.get("current_threshold", 0.0), 1e-12),
            cycle=f.get("dominant_cycle"), all_currents=all_currents, caption=False,
            title=(f"{kind_style(kind)['label']}: σ = {f['entropy_production']:.3f} "
                   f"(floor {f['ep_noise_floor']:.0e}), mean diag T = "
                   f"{f['mean_self_transition']:.2f}"),
        )
        if n_drawn < n_above:
            shown.append(f"{kind_style(kind)['label']}: the {n_drawn} strongest of "
                         f"{n_above}")
    s = any_res.settings
    add_caption(
        fig,
        f"{s.dataset}, K = {K}: equal budget of {s.n_updates} RMSprop updates (minibatch "
        f"{s.batch_size}, {s.n_chains} persistent chains). Shaded: entropy-production noise "
        "floor. Bottom: latent graphs after training; node = decoder mean image, node area ∝ π, "
        "arrows = net currents above 3 standard errors"
        + (f" ({'; '.join(shown)}; --all-currents draws all)" if shown else "")
        + ", orange = dominant cycle.",
    )
    return fig
