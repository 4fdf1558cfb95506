"""Training figures: diagnostics along training, and the equal-budget comparison.

Colours are fixed per model kind everywhere in the course: two-matrix model = vermillion,
PCD-trained one-hot RBM = blue, exact-gradient one-hot RBM (control) = grey, dashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .style import BLUE, GREY, VERMILLION, add_caption

__all__ = [
    "KIND_STYLES",
    "plot_training_curves",
    "plot_class_histograms",
    "plot_comparison",
]

KIND_STYLES: dict[str, dict[str, Any]] = {
    "two_matrix": dict(color=VERMILLION, ls="-", label="two-matrix (PCD)"),
    "rbm": dict(color=BLUE, ls="-", label="one-hot RBM (PCD)"),
    "rbm_exact": dict(color=GREY, ls="--", label="one-hot RBM (exact gradient)"),
}

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
        style = KIND_STYLES.get(kind, dict(color="k", ls="-", label=str(kind)))
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
        if key.startswith("log_likelihood"):
            # the first checkpoint (untrained model) would squash the interesting range
            vals = [np.asarray(_history_of(o).get(key))[1:] for o in runs.values()
                    if key in _history_of(o).keys() and len(_history_of(o).steps) > 1]
            vals = np.concatenate(vals) if vals else np.array([])
            vals = vals[np.isfinite(vals)]
            if vals.size:
                lo, hi = vals.min(), vals.max()
                pad = 0.1 * max(hi - lo, 0.5)
                ax.set_ylim(lo - pad, hi + pad)
    axes[0].legend(fontsize=10, loc="lower right")
    return fig, axes


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
        style = KIND_STYLES.get(kind, dict(color=GREY, label=str(kind)))
        label = style["label"]
        if kls and kind in kls:
            label += f"  (KL {kls[kind]:.3f})"
        ax.bar(x - 0.4 + width / 2 + i * width, np.asarray(hist, float), width,
               color=style["color"], label=label, hatch="//" if kind == "rbm_exact" else None)
    ax.set_xticks(x, class_names if class_names is not None else [str(i) for i in x])
    ax.set_xlabel("class (assigned by the labeller)")
    ax.set_ylabel("fraction")
    ax.legend(fontsize=10, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig, ax


def plot_comparison(results: Mapping[str, Any]):
    """The figure of ``nelc-edu compare``: curves, class histograms, latent graphs.

    Parameters
    ----------
    results : mapping
        kind -> :class:`nelc_edu.experiments.RunResult`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from .graphs import draw_chain_graph

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
    for ax, kind in zip(graph_axes, ("two_matrix", "rbm"), strict=False):
        if kind not in results:
            ax.set_axis_off()
            continue
        res = results[kind]
        f = res.final
        draw_chain_graph(
            f["T"], f["pi"], ax=ax, node_images=res.model.decoder_probs(),
            threshold=max(f.get("current_threshold", 0.0), 1e-12),
            highlight_cycle=f.get("dominant_cycle"), caption=False,
            title=(f"{KIND_STYLES[kind]['label']}: σ = {f['entropy_production']:.3f} "
                   f"(floor {f['ep_noise_floor']:.0e}), mean diag T = "
                   f"{f['mean_self_transition']:.2f}"),
        )
    s = any_res.settings
    add_caption(
        fig,
        f"{s.dataset}, K = {K}: equal budget of {s.n_updates} RMSprop updates (minibatch "
        f"{s.batch_size}, {s.n_chains} persistent chains). Shaded: entropy-production noise "
        "floor. Bottom: latent graphs after training; node = decoder mean image, node area ∝ π, "
        "arrows = net currents above 3 standard errors, orange halo = dominant cycle.",
    )
    return fig
