"""Figures of a sweep: many trained models at once (``nelc-edu figures``, notebook 09).

Every function takes **records**: the dicts of :func:`nelc_edu.sweeps.load_results` (one
per run) or of the shipped results (:func:`nelc_edu.sweeps.load_shipped_results`), which
share one schema: ``record["settings"]`` (kind, K, seed, ...), ``record["final"]`` (final
diagnostics) and ``record["history"]`` (``steps`` and per-checkpoint ``records``).
Colours are those of every course figure (:data:`~nelc_edu.plotting.style.KIND_STYLES`).

Runs whose settings differ in anything but the model kind and the seed (two budgets, two
learning rates, several tie penalties in one results directory) are never pooled: each
setting gets its own marker shape, and whatever is averaged (box plots, class histograms,
median curves) is averaged per kind *and* setting (:func:`varying_settings`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._json import number as _num
from ..sweeps import group_settings, varying_settings
from .style import GREY, add_caption, kind_style

__all__ = [
    "plot_ll_vs_entropy_production",
    "plot_self_transition_vs_ll",
    "plot_class_kl",
    "plot_sweep_curves",
    "plot_sweep_overview",
    "plot_sweep_class_histograms",
    "draw_run",
    "plot_samples_by_kind",
    "save_sweep_figures",
]

_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_KIND_ORDER = ("two_matrix", "rbm", "rbm_exact")




def _final(rec, key) -> float:
    return _num(rec["final"].get(key))


def _kinds(records) -> list[str]:
    present = {r["settings"]["kind"] for r in records}
    return [k for k in _KIND_ORDER if k in present] + sorted(present - set(_KIND_ORDER))


def _style(kind):
    return kind_style(kind)


#: The files :func:`save_sweep_figures` writes (``nelc-edu figures``): name -> content.
SWEEP_FIGURES = {
    "ll_vs_entropy_production": "log-likelihood vs latent entropy production",
    "self_transition_vs_ll": "mean self-transition vs log-likelihood",
    "class_kl": "class-histogram KL per model kind",
    "class_histograms": "class histograms of chain samples per model kind",
    "training_curves": "training curves",
}

_SETTING_NAMES = {"K": "K", "learning_rate": "lr", "n_updates": "updates",
                  "tie_penalty": "λ", "stationary_term": "stationary term"}


def _settings(rec) -> dict:
    return group_settings(rec["settings"])


def _order(v) -> tuple:
    """Sort key for setting values of any type (numbers first, in order)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, v, "")
    return (1, 0, str(v))


class _Variants:
    """The distinct settings among the runs (one marker each; kinds are colours)."""

    def __init__(self, records):
        self.keys = varying_settings(records)
        self.values = sorted({self.of(r) for r in records},
                             key=lambda v: tuple(_order(x) for x in v))

    def of(self, rec) -> tuple:
        s = _settings(rec)
        return tuple(s.get(k) for k in self.keys)

    def __len__(self) -> int:
        return len(self.values)

    def marker(self, rec) -> str:
        return _MARKERS[self.values.index(self.of(rec)) % len(_MARKERS)]

    def label(self, value: tuple) -> str:
        return ", ".join(f"{_SETTING_NAMES.get(k, k)} = {v:g}" if isinstance(v, float)
                         else f"{_SETTING_NAMES.get(k, k)} = {v}"
                         for k, v in zip(self.keys, value, strict=True))

    def groups(self, records, kinds) -> list[tuple[str, tuple, list]]:
        """``(kind, setting, records)`` for every combination present, kind-major."""
        out = []
        for kind in kinds:
            recs = [r for r in records if r["settings"]["kind"] == kind]
            for value in self.values:
                sub = [r for r in recs if self.of(r) == value]
                if sub:
                    out.append((kind, value, sub))
        return out


def _variants(records) -> _Variants:
    return _Variants(records)


def _marker(rec, variants) -> str:
    return variants.marker(rec)


def _new_ax(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _check_records(records) -> list:
    records = list(records)
    if not records:
        raise ValueError("no records to plot: run a sweep first (nelc-edu sweep).")
    return records


def _legend(ax, records, variants, loc="best"):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", color=_style(k)["color"], ms=8,
                      label=_style(k)["label"]) for k in _kinds(records)]
    if len(variants) > 1:
        handles += [Line2D([], [], marker=_MARKERS[i % len(_MARKERS)], ls="", color=GREY,
                           ms=8, label=variants.label(v))
                    for i, v in enumerate(variants.values)]
    ax.legend(handles=handles, fontsize=10, loc=loc)


def plot_ll_vs_entropy_production(records: Sequence[Mapping[str, Any]], *, ax=None,
                                  heldout: bool = False, caption: bool = True):
    """Log-likelihood against latent entropy production, one point per run.

    The horizontal axis is linear near zero and logarithmic beyond (``symlog``), so the
    equilibrium models (σ = 0 up to the estimator's noise) and the nonequilibrium ones
    (σ of order one) are both readable. The grey band is the largest noise floor of σ
    among the runs: a point inside it has no measurable entropy production.

    Parameters
    ----------
    records : sequence of dict
        Sweep records (:func:`nelc_edu.sweeps.load_results`).
    ax : Axes, optional
    heldout : bool
        Plot the held-out log-likelihood instead of the training one.
    caption : bool
        Write a caption under the axes (only when a new figure is made).

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": k, "K": 10, "learning_rate": 0.01, "seed": 0},
    ...          "final": {"log_likelihood": ll, "entropy_production": s,
    ...                    "ep_noise_floor": 1e-4}}
    ...         for k, ll, s in [("two_matrix", -20.0, 0.5), ("rbm", -22.0, 1e-5)]]
    >>> fig, ax = plot_ll_vs_entropy_production(recs)
    >>> len(ax.collections) >= 2
    True
    >>> plt.close(fig)
    """
    records = _check_records(records)
    new = ax is None
    fig, ax = _new_ax(ax, (7.2, 5.0))
    key = "log_likelihood_heldout" if heldout else "log_likelihood"
    variants = _variants(records)
    floors = np.array([_final(r, "ep_noise_floor") for r in records])
    floor = float(np.nanmax(floors)) if np.isfinite(floors).any() else 0.0
    sig = np.array([_final(r, "entropy_production") for r in records])
    big = sig[np.isfinite(sig) & (sig > 0)]
    linthresh = 10 ** math.floor(math.log10(max(floor, 1e-6))) if floor > 0 else 1e-4
    linthresh = max(linthresh, 1e-6)
    for kind in _kinds(records):
        st = _style(kind)
        for rec in (r for r in records if r["settings"]["kind"] == kind):
            x, y = _final(rec, "entropy_production"), _final(rec, key)
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            ax.scatter([x], [y], s=55, color=st["color"], marker=_marker(rec, variants),
                       alpha=0.8, edgecolors="white", linewidths=0.6, zorder=3)
    ax.set_xscale("symlog", linthresh=linthresh, linscale=1.0)
    ax.axvspan(0, floor if floor > 0 else linthresh, color=GREY, alpha=0.22, lw=0, zorder=1,
               label="_nolegend_")
    ax.annotate(f"← noise floor\n   (≤ {floor:.0e})",
                xy=(floor if floor > 0 else linthresh, 0.5),
                xycoords=("data", "axes fraction"), xytext=(3, 0), textcoords="offset points",
                ha="left", va="center", fontsize=10, color="0.35")
    right = float(big.max()) if big.size else 10 * linthresh
    ax.set_xlim(-0.3 * linthresh, max(right * 2.0, 10 * linthresh))
    ax.set_xlabel("latent entropy production σ (nats / step, symlog scale)")
    ax.set_ylabel("log-likelihood (nats / image, "
                  + ("held-out)" if heldout else "train)"))
    _legend(ax, records, variants, loc="lower right")
    if caption and new:
        add_caption(fig, f"{len(records)} runs, one point per trained model. Grey band: the "
                         "largest noise floor of σ (below it, σ is not distinguishable "
                         "from 0).")
    return fig, ax


def plot_self_transition_vs_ll(records: Sequence[Mapping[str, Any]], *, ax=None,
                               caption: bool = True):
    """Mean self-transition ``mean(diag T)`` against log-likelihood, with the 1/K line.

    A sampler that stays put (mean diag T near 1) barely mixes; 1/K is the value of a
    chain that jumps to a uniformly random state.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": "rbm", "K": 10, "learning_rate": 0.01, "seed": 0},
    ...          "final": {"log_likelihood": -20.0, "mean_self_transition": 0.9}}]
    >>> fig, ax = plot_self_transition_vs_ll(recs)
    >>> plt.close(fig)
    """
    records = _check_records(records)
    new = ax is None
    fig, ax = _new_ax(ax, (7.2, 5.0))
    variants = _variants(records)
    for kind in _kinds(records):
        st = _style(kind)
        for rec in (r for r in records if r["settings"]["kind"] == kind):
            x, y = _final(rec, "log_likelihood"), _final(rec, "mean_self_transition")
            ax.scatter([x], [y], s=55, color=st["color"], marker=_marker(rec, variants),
                       alpha=0.8, edgecolors="white", linewidths=0.6, zorder=3)
    for K in sorted({r["settings"]["K"] for r in records}):
        ax.axhline(1.0 / K, color="k", lw=1, ls=":")
        ax.annotate(f"1/K = {1 / K:.2f}", xy=(0.0, 1.0 / K), xycoords=("axes fraction", "data"),
                    xytext=(4, 4), textcoords="offset points", fontsize=10)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("log-likelihood (nats / image, train)")
    ax.set_ylabel("mean self-transition mean(diag T)")
    _legend(ax, records, variants, loc="center left")
    if caption and new:
        add_caption(fig, "Near 1 the latent sampler stays where it is (slow mixing); below "
                         "the dotted 1/K line it leaves its state more often than a "
                         "uniformly random jump would.")
    return fig, ax


def plot_class_kl(records: Sequence[Mapping[str, Any]], *, ax=None, caption: bool = True,
                  log: bool | None = None):
    """Class-histogram KL(data || model) per model kind: box plot and one dot per run.

    Parameters
    ----------
    log : bool, optional
        Logarithmic KL axis; default when the values span more than a factor 20.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": k, "K": 10, "learning_rate": 0.01, "seed": s},
    ...          "final": {"class_kl": 0.1 * (s + 1)}}
    ...         for k in ("two_matrix", "rbm") for s in range(3)]
    >>> fig, ax = plot_class_kl(recs)
    >>> [t.get_text() for t in ax.get_xticklabels()][:1]
    ['two-matrix\\n(PCD)']
    >>> plt.close(fig)
    """
    records = _check_records(records)
    new = ax is None
    variants = _variants(records)
    groups = variants.groups(records, _kinds(records))
    fig, ax = _new_ax(ax, (6.4 if len(groups) <= 3 else 1.9 * len(groups) + 1, 4.8))
    kinds = [k for k, _, _ in groups]
    data = [np.array([_final(r, "class_kl") for r in recs]) for _, _, recs in groups]
    data = [d[np.isfinite(d)] for d in data]
    allv = np.concatenate(data) if data else np.array([])
    if log is None:
        pos = allv[allv > 0]
        log = bool(pos.size and pos.max() / pos.min() > 20)
    bp = ax.boxplot(data, positions=range(len(groups)), widths=0.5, patch_artist=True,
                    showfliers=False, medianprops=dict(color="k", lw=1.5))
    for patch, k in zip(bp["boxes"], kinds, strict=True):
        patch.set_facecolor(_style(k)["color"])
        patch.set_alpha(0.25)
    rng = np.random.default_rng(0)
    for i, ((k, _, recs), d) in enumerate(zip(groups, data, strict=True)):
        ax.scatter(i + rng.uniform(-0.12, 0.12, d.size), d, s=36, color=_style(k)["color"],
                   marker=variants.marker(recs[0]), edgecolors="white", linewidths=0.6,
                   zorder=3)
    labels = [_style(k)["label"].replace(" (", "\n(")
              + (f"\n{variants.label(v)}" if len(variants) > 1 else "")
              for k, v, _ in groups]
    ax.set_xticks(range(len(groups)), labels)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel("class-histogram KL(data ‖ model)")
    if caption and new:
        add_caption(fig, "One dot per run: KL between the data's class frequencies and those "
                         "of chain samples from random latent starts (smaller is better).")
    return fig, ax


def _curve(rec, key) -> tuple[np.ndarray, np.ndarray]:
    h = rec["history"]
    steps = np.asarray(h["steps"], dtype=float)
    y = np.array([_num(r.get(key)) for r in h["records"]], dtype=float)
    return steps, y


def plot_sweep_curves(records: Sequence[Mapping[str, Any]],
                      keys: Sequence[str] = ("log_likelihood", "entropy_production",
                                             "mean_self_transition"),
                      *, axes=None):
    """Training curves of every run (thin) and the median per model kind and setting (thick).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> rec = {"settings": {"kind": "two_matrix", "K": 10, "learning_rate": 0.01, "seed": 0},
    ...        "history": {"steps": [0, 10], "records": [
    ...            {"log_likelihood": -40.0, "entropy_production": 0.0,
    ...             "mean_self_transition": 0.1},
    ...            {"log_likelihood": -30.0, "entropy_production": 0.3,
    ...             "mean_self_transition": 0.05}]}}
    >>> fig, axes = plot_sweep_curves([rec])
    >>> len(axes)
    3
    >>> plt.close(fig)
    """
    from .training import _YLABELS, legend_above, zoom_past_start

    records = _check_records(records)
    keys = list(keys)
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(keys), figsize=(4.8 * len(keys), 4.0),
                                 layout="constrained")
    axes = np.atleast_1d(axes)
    fig = axes[0].figure
    variants = _variants(records)
    for kind, value, recs in variants.groups(records, _kinds(records)):
        st = _style(kind)
        label = st["label"] + (f", {variants.label(value)}" if len(variants) > 1 else "")
        mark = dict(marker=variants.marker(recs[0]), markevery=0.2, ms=7) if len(
            variants) > 1 else {}
        for ax, key in zip(axes, keys, strict=False):
            ys = []
            for rec in recs:
                x, y = _curve(rec, key)
                ax.plot(x, y, color=st["color"], ls=st["ls"], lw=0.7, alpha=0.35)
                ys.append((x, y))
            lengths = {len(x) for x, _ in ys}
            if len(lengths) == 1:
                x = ys[0][0]
                med = np.nanmedian(np.vstack([y for _, y in ys]), axis=0)
                ax.plot(x, med, color=st["color"], ls=st["ls"], lw=2.6, label=label, **mark)
    from matplotlib.ticker import MaxNLocator

    for ax, key in zip(axes, keys, strict=False):
        ax.set_xlabel("parameter updates")
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.set_ylabel(_YLABELS.get(key, key))
        if key == "mean_self_transition":
            for K in sorted({r["settings"]["K"] for r in records}):
                ax.axhline(1.0 / K, color="k", lw=1, ls=":")
            ax.set_ylim(-0.02, 1.02)
        if key.startswith("log_likelihood"):
            # the first checkpoints (nearly untrained models) would squash the useful range
            curves = [(*_curve(r, key), _style(r["settings"]["kind"])["color"])
                      for r in records]
            x_max = max((x.max() for x, _, _ in curves if x.size), default=0.0)
            zoom_past_start(ax, curves, after=0.2 * x_max)
    legend_above(axes, ncols=min(3, len(variants.groups(records, _kinds(records)))))
    return fig, axes


def plot_sweep_class_histograms(records: Sequence[Mapping[str, Any]], *, ax=None):
    """Mean class histogram of chain samples per model kind and setting, beside the data's.

    Error bars: standard deviation over runs.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": "rbm", "K": 10, "learning_rate": 0.01, "seed": 0},
    ...          "final": {"data_class_hist": [0.1] * 10, "model_class_hist": [0.1] * 10,
    ...                    "class_kl": 0.0}}]
    >>> fig, ax = plot_sweep_class_histograms(recs)
    >>> plt.close(fig)
    """
    records = _check_records(records)
    fig, ax = _new_ax(ax, (9.0, 4.2))
    variants = _variants(records)
    groups = variants.groups(records, _kinds(records))
    data = np.mean([np.asarray(r["final"]["data_class_hist"], float) for r in records], axis=0)
    n = data.size
    width = 0.8 / (1 + len(groups))
    x = np.arange(n)
    ax.bar(x - 0.4 + width / 2, data, width, color="k", alpha=0.75, label="data")
    hatches = ["", "..", "xx", "--", "++", "oo", "**", "\\\\"]
    for i, (kind, value, recs) in enumerate(groups, start=1):
        st = _style(kind)
        H = np.array([r["final"]["model_class_hist"] for r in recs], dtype=float)
        kl = np.array([_final(r, "class_kl") for r in recs])
        if len(variants) > 1:
            hatch = hatches[variants.values.index(value) % len(hatches)] or None
            label = f"{st['label']}, {variants.label(value)} (mean KL {np.nanmean(kl):.3f})"
        else:
            hatch = "//" if kind == "rbm_exact" else None
            label = f"{st['label']} (mean KL {np.nanmean(kl):.3f})"
        ax.bar(x - 0.4 + width / 2 + i * width, H.mean(axis=0), width,
               yerr=H.std(axis=0) if len(H) > 1 else None, color=st["color"],
               error_kw=dict(lw=0.8, capsize=1.5), hatch=hatch, label=label)
    ax.set_xticks(x, [str(i) for i in x])
    ax.set_xlabel("class (assigned by the labeller)")
    ax.set_ylabel("fraction of samples")
    ax.legend(fontsize=10, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    return fig, ax


def plot_sweep_overview(records: Sequence[Mapping[str, Any]], *, fig=None):
    """The four sweep panels in one figure (for slides and the notebook).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": "rbm", "K": 10, "learning_rate": 0.01, "seed": 0},
    ...          "final": {"log_likelihood": -20.0, "entropy_production": 0.0,
    ...                    "ep_noise_floor": 1e-4, "mean_self_transition": 0.9,
    ...                    "class_kl": 0.2, "data_class_hist": [0.1] * 10,
    ...                    "model_class_hist": [0.1] * 10}}]
    >>> fig = plot_sweep_overview(recs)
    >>> len(fig.axes)
    4
    >>> plt.close(fig)
    """
    records = _check_records(records)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(14, 9.5), layout="constrained")
    axes = fig.subplots(2, 2)
    plot_ll_vs_entropy_production(records, ax=axes[0, 0], caption=False)
    plot_self_transition_vs_ll(records, ax=axes[0, 1], caption=False)
    plot_class_kl(records, ax=axes[1, 0], caption=False)
    plot_sweep_class_histograms(records, ax=axes[1, 1])
    ds = records[0]["settings"].get("dataset")
    add_caption(fig, _settings_caption(records) + (f" Dataset {ds}." if ds else ""))
    return fig


def _settings_caption(records) -> str:
    """What the runs share, and what differs between them (never one run's budget for all)."""
    s = records[0]["settings"]
    n_seeds = len({r["settings"].get("seed") for r in records})
    varying = varying_settings(records)
    budget = ""
    if "n_updates" in s and not {"n_updates", "batch_size", "n_chains"} & set(varying):
        budget = (f"{s['n_updates']} RMSprop updates, minibatch {s.get('batch_size')}, "
                  f"{s.get('n_chains')} persistent chains (PCD kinds). ")
    differ = ""
    if varying:
        values = {k: sorted({_settings(r).get(k) for r in records}, key=_order)
                  for k in varying}
        differ = ("Settings differ between runs (marker shapes): "
                  + "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in values.items())
                  + ". ")
    return (f"{len(records)} runs ({n_seeds} seeds); {budget}{differ}"
            "Grey band: σ noise floor; dotted: 1/K.")


def draw_run(fig, record: Mapping[str, Any], *, n_samples: int = 16,
             all_currents: bool = False) -> str:
    """One run from the shipped results: its latent graph and its samples, into ``fig``.

    Left: the latent graph of the final ``T`` (decoder-mean images as nodes, the strongest
    net currents above the run's threshold -- three null standard errors of the noisiest
    current -- as arrows, all of them with ``all_currents``, the dominant cycle in orange;
    :func:`~nelc_edu.plotting.graphs.draw_trained_graph`). Right: decoder means and chain
    samples (random latent starts, after burn-in). Needs a record with ``decoder_means``
    (and optionally ``samples``), as made by :func:`nelc_edu.sweeps.compact_results`.

    Returns
    -------
    str
        A one-line text report of the run's numbers.
    """
    from .graphs import _format_pi, draw_trained_graph
    from .images import image_grid

    s, f = record["settings"], record["final"]
    gs = fig.add_gridspec(2, 2, width_ratios=[1.35, 1.0], height_ratios=[1.0, 1.2])
    pi = np.asarray(f["pi"], float)
    means = np.asarray(record["decoder_means"], float)
    cyc = f.get("dominant_cycle")  # among the currents above the run's threshold, or None
    n_drawn, n_above = draw_trained_graph(
        fig.add_subplot(gs[:, 0]), np.asarray(f["T"], float), pi, node_images=means,
        threshold=_num(f.get("current_threshold")), cycle=cyc, all_currents=all_currents,
        title=f"{_style(s['kind'])['label']}, seed {s['seed']}", caption=False)
    image_grid(means, ax=fig.add_subplot(gs[0, 1]), ncols=min(5, len(means)),
               titles=[_format_pi(p) for p in pi], title="decoder means (label: π)")
    ax_s = fig.add_subplot(gs[1, 1])
    if record.get("samples") is not None:
        smp = np.asarray(record["samples"], float)[:n_samples]
        image_grid(smp, ax=ax_s, ncols=min(8, len(smp)), title="chain samples")
    else:
        ax_s.set_axis_off()
    return _run_report(record, cyc, n_drawn, n_above)


def _run_report(record, cyc, n_drawn: int, n_above: int) -> str:
    s = record["settings"]
    cyc_txt = (" -> ".join(map(str, [*cyc, cyc[0]])) if cyc
               else "none (no current exceeds 3 standard errors)")
    arrows = (f"; arrows: the {n_drawn} strongest of {n_above} net currents above the "
              "threshold" if n_drawn < n_above else "")
    return (f"{_style(s['kind'])['label']}, K = {s['K']}, seed {s['seed']}: log-lik "
            f"{_final(record, 'log_likelihood'):.2f} (held-out "
            f"{_final(record, 'log_likelihood_heldout'):.2f}), σ = "
            f"{_final(record, 'entropy_production'):.3g} (noise floor "
            f"{_final(record, 'ep_noise_floor'):.1e}), mean diag T = "
            f"{_final(record, 'mean_self_transition'):.3f} (1/K = {1 / s['K']:.2f}), class KL "
            f"{_final(record, 'class_kl'):.3f}; dominant cycle: {cyc_txt}{arrows}")


def save_sweep_figures(records: Sequence[Mapping[str, Any]], out_dir, *,
                       dpi: int = 120) -> list[Path]:
    """Write the sweep figures as PNG files into ``out_dir``; return their paths.

    Files: one per entry of :data:`SWEEP_FIGURES` (``ll_vs_entropy_production.png``,
    ``self_transition_vs_ll.png``, ``class_kl.png``, ``class_histograms.png``,
    ``training_curves.png``), each written through a temporary file and a rename.
    """
    import io

    import matplotlib.pyplot as plt

    from .._files import atomic_write_bytes
    from .style import style_context

    records = _check_records(records)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    makers = {
        "ll_vs_entropy_production": lambda: plot_ll_vs_entropy_production(records)[0],
        "self_transition_vs_ll": lambda: plot_self_transition_vs_ll(records)[0],
        "class_kl": lambda: plot_class_kl(records)[0],
        "class_histograms": lambda: _hist_with_caption(records),
        "training_curves": lambda: _curves_with_caption(records),
    }
    paths = []
    with style_context():
        for name in SWEEP_FIGURES:
            fig = makers[name]()
            buf = io.BytesIO()
            fig.savefig(buf, dpi=dpi, format="png")
            plt.close(fig)
            path = out / f"{name}.png"
            atomic_write_bytes(path, buf.getvalue())
            paths.append(path)
    return paths


def _curves_with_caption(records):
    fig, _ = plot_sweep_curves(records)
    add_caption(fig, "Thin: each run; thick: median per model kind and setting; dotted: 1/K. "
                + _settings_caption(records).split(" Grey band")[0])
    return fig


def _hist_with_caption(records):
    fig, _ = plot_sweep_class_histograms(records)
    add_caption(fig, "Bars: class frequencies of chain samples averaged over the runs of each "
                     "kind and setting (error bars: standard deviation over runs); mean KL: "
                     "the mean of the runs' KLs.")
    return fig


def plot_samples_by_kind(records: Sequence[Mapping[str, Any]], seed: int | None = None, *,
                         fig=None, n_samples: int = 16):
    """Decoder means (top) and chain samples (bottom) of one run per model kind.

    Needs records with ``decoder_means`` and ``samples`` (the shipped results,
    :func:`nelc_edu.sweeps.load_shipped_results`).

    Parameters
    ----------
    seed : int, optional
        Which seed to show (default: the smallest present).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> rec = {"settings": {"kind": "rbm", "K": 4, "seed": 0, "learning_rate": 0.01},
    ...        "final": {"pi": [0.25] * 4, "class_kl": 0.1},
    ...        "decoder_means": np.full((4, 64), 0.5), "samples": np.zeros((6, 64))}
    >>> fig = plot_samples_by_kind([rec])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    from .graphs import _format_pi
    from .images import image_grid

    records = [r for r in _check_records(records) if r.get("decoder_means") is not None]
    if not records:
        raise ValueError("these records carry no decoder means: use the shipped results "
                         "(nelc_edu.sweeps.load_shipped_results).")
    seeds = sorted({r["settings"]["seed"] for r in records})
    seed = seeds[0] if seed is None else seed
    chosen = {r["settings"]["kind"]: r for r in records if r["settings"]["seed"] == seed}
    if not chosen:
        raise ValueError(f"no run with seed {seed}; seeds present: {seeds}.")
    kinds = [k for k in _kinds(records) if k in chosen]
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(4.6 * len(kinds), 6.2), layout="constrained")
    axes = fig.subplots(2, len(kinds), squeeze=False, height_ratios=[1.0, 1.3])
    for j, kind in enumerate(kinds):
        rec = chosen[kind]
        pi = np.asarray(rec["final"]["pi"], float)
        means = np.asarray(rec["decoder_means"], float)
        image_grid(means, ax=axes[0, j], ncols=min(5, len(means)),
                   titles=[f"π={_format_pi(p)}" for p in pi],
                   title=_style(kind)["label"] + "\ndecoder means")
        smp = rec.get("samples")
        if smp is not None:
            smp = np.asarray(smp, float)[:n_samples]
            image_grid(smp, ax=axes[1, j], ncols=min(4, len(smp)),
                       title=f"chain samples (class KL {_final(rec, 'class_kl'):.3f})")
        else:
            axes[1, j].set_axis_off()
    add_caption(fig, f"Seed {seed}. Top: decoder means p(x|z) with the stationary weight π_z. "
                     "Bottom: samples of chains started from random latent states, after "
                     "burn-in.")
    return fig
