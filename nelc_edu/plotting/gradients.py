"""Figures of the gradient sweep: gradient fidelity along training, and two training rules.

The runs are those of ``scripts/reproduce_gradients.py`` (the shipped ``gradients_digits``
results): the two-matrix model trained with the exact two-step rule and with its one-step
truncation, and both one-hot RBMs, over several seeds, with the gradient fidelity recorded
at every checkpoint. What is computed comes from :mod:`nelc_edu.gradient_fidelity`
(:func:`~nelc_edu.gradient_fidelity.fidelity_curves`,
:func:`~nelc_edu.gradient_fidelity.rule_comparison`,
:func:`~nelc_edu.gradient_fidelity.checkpoint_matrix`); these functions only draw it.

* :func:`plot_gradient_fidelity` -- the cosine between each run's PCD gradient and the
  reference gradient along training, the mean self-transition along training, and the one
  against the other (notebook 08);
* :func:`plot_rule_comparison` -- learning curves, final log-likelihood and entropy
  production of the exact and the one-step rule, seed by seed (notebook 09).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..gradient_fidelity import checkpoint_matrix, fidelity_curves, rule_comparison
from .style import GREY, add_caption, kind_style

__all__ = ["plot_gradient_fidelity", "plot_rule_comparison", "RULE_LABELS"]

#: How the two training rules of the two-matrix model are named in figures.
RULE_LABELS = {"exact": "exact two-step rule",
               "one_step": "one-step rule (h = ρ/π − 1; one reading of the paper's)"}
_RULE_LS = {"exact": "-", "one_step": (0, (5, 2, 1, 2))}
_FIDELITY_KINDS = ("two_matrix", "rbm")


def _kinds_present(records) -> list[str]:
    present = {r["settings"]["kind"] for r in records}
    return [k for k in _FIDELITY_KINDS if k in present]


def _thin_and_median(ax, x, Y, style, label) -> None:
    for y in Y:
        ax.plot(x, y, color=style["color"], ls=style["ls"], lw=0.8, alpha=0.35)
    with np.errstate(all="ignore"):
        med = np.nanmedian(Y, axis=0) if len(Y) else np.full(len(x), np.nan)
    ax.plot(x, med, color=style["color"], ls=style["ls"], lw=2.6, label=label)


def plot_gradient_fidelity(records: Sequence[Mapping[str, Any]], *, axes=None,
                           caption: bool = True):
    """Gradient fidelity and freezing along training, for the PCD-trained kinds.

    Left: the cosine between the PCD gradient and the reference gradient at every
    checkpoint (thin: each run; thick: the median over seeds). Middle: the mean
    self-transition of the same runs, with the exact-gradient RBM (whose training uses no
    chain) for comparison and the 1/K line. Right: cosine against mean diag T, one dot per
    checkpoint of every run (the untrained start left out).

    Parameters
    ----------
    records : sequence of dict
        Sweep records with ``pcd_gradient_cosine`` in their history
        (``load_shipped_results("gradients_digits")``). Two-matrix runs trained with the
        one-step rule are left out (the exact rule is the reference training).
    axes : three Axes, optional
    caption : bool

    Returns
    -------
    fig, axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": k, "seed": s, "K": 10},
    ...          "history": {"steps": [0, 10, 20], "records": [
    ...              {"pcd_gradient_cosine": 1.0, "mean_self_transition": 0.1},
    ...              {"pcd_gradient_cosine": c, "mean_self_transition": d},
    ...              {"pcd_gradient_cosine": c / 2, "mean_self_transition": d + 0.1}]}}
    ...         for k, c, d in [("rbm", 0.6, 0.7), ("two_matrix", 0.99, 0.05)] for s in (0, 1)]
    >>> fig, axes = plot_gradient_fidelity(recs)
    >>> [ax.get_xlabel() for ax in axes][2]
    'mean self-transition mean(diag T)'
    >>> plt.close(fig)
    """
    records = list(records)
    kinds = _kinds_present(records)
    if not kinds:
        raise ValueError("no PCD-trained runs (two_matrix or rbm) among the records.")
    new = axes is None
    if new:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(15.0, 4.6), layout="constrained")
    axes = list(np.atleast_1d(axes))
    fig = axes[0].figure
    ax_cos, ax_diag, ax_xy = axes
    for kind in kinds:
        st = kind_style(kind)
        fc = fidelity_curves(records, kind)
        label = f"{st['label']} ({len(fc.seeds)} seeds)"
        _thin_and_median(ax_cos, fc.steps, fc.cosine, st, label)
        _thin_and_median(ax_diag, fc.steps, fc.self_transition, st, label)
        ax_xy.scatter(fc.self_transition[:, 1:].ravel(), fc.cosine[:, 1:].ravel(), s=16,
                      color=st["color"], alpha=0.6, edgecolors="none")
    exact_rbm = [r for r in records if r["settings"]["kind"] == "rbm_exact"]
    if exact_rbm:
        st = kind_style("rbm_exact")
        steps, diag = checkpoint_matrix(exact_rbm, "mean_self_transition")
        _thin_and_median(ax_diag, steps, diag, st, f"{st['label']} (no chain in its gradient)")
    for ax in (ax_cos, ax_xy):
        ax.axhline(1.0, color=GREY, lw=1, ls=":")
        ax.axhline(0.0, color=GREY, lw=1)
        ax.set_ylim(min(-0.1, ax.get_ylim()[0]), 1.05)
        ax.set_ylabel("cosine(PCD gradient, reference)")
    Ks = sorted({int(r["settings"]["K"]) for r in records if "K" in r["settings"]})
    for K in Ks:
        ax_diag.axhline(1.0 / K, color="k", lw=1, ls=":")
        ax_xy.axvline(1.0 / K, color="k", lw=1, ls=":")
    ax_diag.set_ylim(-0.02, 1.02)
    ax_diag.set_ylabel("mean self-transition mean(diag T)")
    for ax in (ax_cos, ax_diag):
        ax.set_xlabel("parameter updates")
    ax_xy.set_xlabel("mean self-transition mean(diag T)")
    ax_xy.set_xlim(-0.02, 1.02)
    ax_cos.set_title("gradient fidelity", fontsize=12)
    ax_diag.set_title("how much the chains stay put", fontsize=12)
    ax_xy.set_title("every checkpoint of every run", fontsize=12)
    handles, labels = [], []
    for ax in (ax_cos, ax_diag):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=10,
               frameon=False)
    if caption and new:
        add_caption(fig, "Cosine 1: the PCD gradient points where the reference gradient "
                         "points (exact for the RBM, a large-sample two-step gradient for the "
                         "two-matrix model); 0: orthogonal. Dotted: 1/K. Thin lines: single "
                         "runs; thick: median over seeds.")
    return fig, axes


def _paired(ax, rc, metric: str, ylabel: str, log: bool = False) -> None:
    x = np.array([0.0, 1.0])
    colour = kind_style("two_matrix")["color"]
    for i in range(len(rc.seeds)):
        y = [rc.exact[metric][i], rc.one_step[metric][i]]
        ax.plot(x, y, color=GREY, lw=1, zorder=1)
    ax.scatter(np.zeros(len(rc.seeds)), rc.exact[metric], s=50, color=colour, zorder=3,
               edgecolors="white", label="exact rule")
    ax.scatter(np.ones(len(rc.seeds)), rc.one_step[metric], s=50, facecolors="none",
               edgecolors=colour, linewidths=1.8, zorder=3, label="one-step rule")
    if log:
        from matplotlib.ticker import FuncFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(x, ["exact\nrule", "one-step\nrule"])
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylabel(ylabel)


def plot_rule_comparison(records: Sequence[Mapping[str, Any]], *, axes=None,
                         caption: bool = True):
    """The two-matrix model trained with the exact and the one-step rule, seed by seed.

    Left: the training log-likelihood along training (thin: each run; thick: median over
    seeds), the first checkpoint (the untrained model) left out of the zoom. Middle: the
    final log-likelihood, one pair of dots per seed joined by a grey line. Right: the final
    entropy production, likewise, on a log axis.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> recs = [{"settings": {"kind": "two_matrix", "seed": s, "stationary_term": rule},
    ...          "final": {"log_likelihood": -19.0 - d, "entropy_production": 0.3 - d / 10},
    ...          "history": {"steps": [0, 10], "records": [{"log_likelihood": -44.0},
    ...                                                    {"log_likelihood": -19.0 - d}]}}
    ...         for s in (0, 1) for rule, d in (("exact", 0.0), ("one_step", 0.5))]
    >>> fig, axes = plot_rule_comparison(recs)
    >>> len(axes)
    3
    >>> plt.close(fig)
    """
    from .training import zoom_past_start

    records = list(records)
    rc = rule_comparison(records)
    new = axes is None
    if new:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(15.0, 4.6), layout="constrained",
                                 width_ratios=[1.6, 1.0, 1.0])
    axes = list(np.atleast_1d(axes))
    fig = axes[0].figure
    colour = kind_style("two_matrix")["color"]
    curves = []
    for rule in ("exact", "one_step"):
        sel = [r for r in records if r["settings"]["kind"] == "two_matrix"
               and r["settings"].get("stationary_term", "exact") == rule
               and int(r["settings"]["seed"]) in set(rc.seeds.tolist())]
        steps, Y = checkpoint_matrix(sel, "log_likelihood")
        style = {"color": colour, "ls": _RULE_LS[rule]}
        _thin_and_median(axes[0], steps, Y, style, RULE_LABELS[rule])
        curves += [(steps.astype(float), y, colour) for y in Y]
    axes[0].set_xlabel("parameter updates")
    axes[0].set_ylabel("log-likelihood (nats / image, train)")
    x_max = max((float(x.max()) for x, _, _ in curves if x.size), default=0.0)
    zoom_past_start(axes[0], curves, after=0.2 * x_max)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2,
               fontsize=10, frameon=False)
    _paired(axes[1], rc, "log_likelihood", "final log-likelihood (train)")
    _paired(axes[2], rc, "entropy_production", "final σ (nats / step, log scale)", log=True)
    axes[1].set_title(f"{len(rc.seeds)} seeds, one line each", fontsize=12)
    axes[2].set_title("latent entropy production", fontsize=12)
    if caption and new:
        add_caption(fig, "The two-matrix model (PCD) trained with the exact two-step rule "
                         "h = Z(ρ/π) and with its one-step truncation h = ρ/π − 1, same seeds "
                         "and budget. The truncation is one reading of the paper's "
                         "approximate gradient, not the paper's algorithm.")
    return fig, axes
