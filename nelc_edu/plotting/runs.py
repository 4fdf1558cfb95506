"""Figures of trained runs: checkpoints, quantities along training, sampler mixing (04, 08).

* :func:`plot_checkpoint` draws one training checkpoint: the latent graph (decoder-mean
  images as nodes, the strongest net currents above the run's threshold as arrows, the
  dominant cycle) beside the training curves up to that checkpoint. It is the callback of
  :func:`nelc_edu.widgets.checkpoint_scrubber`.
* :func:`plot_along_training` follows a quantity over the checkpoints of several runs (e.g.
  :func:`nelc_edu.experiments.relaxation_times`), in the course's colour per model kind.
* :func:`plot_kl_vs_burn_in` shows how the class histogram of finite sampler runs approaches
  the model's own as the burn-in grows (:func:`nelc_edu.classify.class_kl_vs_burn_in`).
* :func:`plot_cycle_walk` samples a chain, finds a segment that walks around a latent cycle
  (:func:`nelc_edu.markov.find_cycle_walk`) and shows its images.

Runs are :class:`nelc_edu.experiments.RunResult` objects (or bare
:class:`~nelc_edu.training.TrainingHistory` objects), usually a mapping kind -> run with kinds
``"two_matrix"``, ``"rbm"`` (PCD) and ``"rbm_exact"`` (exact-gradient control).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..experiments import checkpoint_threshold
from ..markov.cycles import find_cycle_walk
from .style import GREY, add_caption, kind_style

__all__ = [
    "plot_checkpoint",
    "plot_along_training",
    "plot_kl_vs_burn_in",
    "plot_cycle_walk",
]

_CURVE_KEYS = ("log_likelihood", "entropy_production", "mean_self_transition")


def _history_of(obj):
    return getattr(obj, "history", obj)


def _kind_label(kind: str) -> str:
    return kind_style(kind)["label"]


def as_runs(runs: Any) -> dict[str, Any]:
    """Normalise runs to a dict kind -> run.

    Accepts a :class:`~nelc_edu.experiments.RunResult` (keyed by its kind), a
    :class:`~nelc_edu.training.TrainingHistory` (keyed ``"model"``), or a mapping of those.

    Examples
    --------
    >>> from nelc_edu.training import TrainingHistory
    >>> list(as_runs(TrainingHistory(model=None, steps=[0], records=[{}])))
    ['model']
    """
    if isinstance(runs, Mapping):
        out = dict(runs)
    elif hasattr(runs, "settings") and hasattr(runs, "history"):
        out = {runs.settings.kind: runs}
    elif hasattr(runs, "records") and hasattr(runs, "steps"):
        out = {"model": runs}
    else:
        raise ValueError(
            f"expected a RunResult, a TrainingHistory or a mapping of them; got "
            f"{type(runs).__name__}."
        )
    if not out:
        raise ValueError("no runs given.")
    for kind, run in out.items():
        h = _history_of(run)
        if not getattr(h, "records", None):
            raise ValueError(f"run {kind!r} has no checkpoints.")
    return out


def _graph_parts(record: Mapping[str, Any], n_se: float):
    from .. import markov

    T = np.asarray(record["T"], dtype=float)
    pi = np.asarray(record["pi"], dtype=float)
    thr = checkpoint_threshold(record, n_se)
    J = markov.probability_currents(T, pi)
    return T, pi, J, thr


def _current_scale(history, n_se: float) -> float:
    """Largest significant current over all checkpoints (fixed arrow scale while scrubbing)."""
    best = 0.0
    for rec in history.records:
        if "T" not in rec:
            continue
        _, _, J, thr = _graph_parts(rec, n_se)
        above = J[J > thr]
        if above.size:
            best = max(best, float(above.max()))
    return best if best > 0 else None


def plot_checkpoint(
    runs: Any,
    i: int,
    *,
    kind: str | None = None,
    keys: Sequence[str] = _CURVE_KEYS,
    n_se: float = 3.0,
    all_currents: bool = False,
    fig=None,
) -> tuple[Any, str]:
    """One training checkpoint: latent graph of one run beside the curves of all runs.

    Left: the latent chain of run ``kind`` at checkpoint ``i`` (its estimated ``T`` and
    ``pi`` from the checkpoint record), node = decoder-mean image of that checkpoint's
    parameters, node area ∝ pi, arrows = the strongest net currents above ``n_se`` standard
    errors (all of them with ``all_currents``; arrow scale fixed over the whole run so widths
    compare between checkpoints), orange = dominant cycle. Right: ``keys`` along training
    for every run, up to checkpoint ``i`` (axes keep the full-run limits, so nothing jumps
    while scrubbing).

    Parameters
    ----------
    runs : RunResult, TrainingHistory or mapping of them
        Trained with parameters kept at checkpoints (the default of
        :func:`nelc_edu.experiments.run`); records hold ``T``, ``pi`` and ``current_se``.
    i : int
        Checkpoint index (0 = before training; negative counts from the end).
    kind : str, optional
        Which run's graph to draw (default: the first).
    keys : sequence of str
        Diagnostics for the curves (see :func:`~nelc_edu.plotting.plot_training_curves`).
    n_se : float
        Arrow threshold in standard errors of the estimated currents.
    all_currents : bool
        Draw every current above the threshold, not only the strongest ones.
    fig : matplotlib Figure, optional
        Draw into it (e.g. the figure of :func:`nelc_edu.widgets._common.redraw_into`);
        a new pyplot figure otherwise.

    Returns
    -------
    fig, report : Figure, str
        ``report`` states the checkpoint's numbers in one line per run.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu.experiments import RunSettings, run
    >>> res = run(RunSettings(kind="two_matrix", K=4, n_updates=40, n_checkpoints=2,
    ...                       diag_samples=100, kl_chains=10, kl_burn_in=5, kl_steps=10),
    ...           progress=False)
    >>> fig, report = plot_checkpoint(res, -1)
    >>> report.splitlines()[0].startswith("checkpoint 2 of 2")
    True
    >>> plt.close(fig)
    """
    runs = as_runs(runs)
    kind, i = _checkpoint_of(runs, kind, i)
    h = _history_of(runs[kind])
    model = h.model_at(i)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(13.0, 7.2), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.25, 1.0])
    _curves_up_to(runs, keys, np.atleast_1d(right.subplots(len(keys), 1, sharex=True)), i,
                  model.K)
    cyc, n_drawn, n_above = _checkpoint_graph(left.subplots(), h, i, kind, model, n_se,
                                              all_currents)
    shown = (f"the {n_drawn} strongest of the {n_above} net currents" if n_drawn < n_above
             else "net currents")
    add_caption(
        fig,
        f"Left: latent chain of the {_kind_label(kind)} at checkpoint {i} of "
        f"{len(h.records) - 1}. Node = decoder-mean image p(x_i = 1 | z), node area ∝ π, "
        f"arrows = {shown} above {n_se:g} standard errors"
        + (", orange = dominant cycle" if cyc else "")
        + ". Right: training curves up to this checkpoint (dot); shaded = noise floor of σ.",
        fontsize=10.5,
    )
    return fig, _checkpoint_report(runs, i, kind, model.K, cyc)


def _checkpoint_of(runs: dict, kind: str | None, i: int) -> tuple[str, int]:
    """The run whose graph is drawn, and checkpoint ``i`` as an index from the start."""
    kind = next(iter(runs)) if kind is None else kind
    if kind not in runs:
        raise ValueError(f"kind {kind!r} is not among the runs {list(runs)}.")
    n = len(_history_of(runs[kind]).records)
    if not -n <= int(i) < n:
        raise ValueError(f"checkpoint {i} out of range: the run has {n} checkpoints (0..{n - 1}).")
    return kind, int(i) % n


def _curves_up_to(runs: dict, keys, axes, i: int, K: int) -> None:
    """The curves of every run up to checkpoint ``i``, on the axes limits of the full runs."""
    from .training import plot_training_curves

    plot_training_curves(runs, keys, axes=axes, K=K)
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in axes]
    for ax in axes:
        ax.cla()
    shortest = min(len(_history_of(r).records) for r in runs.values())
    plot_training_curves(runs, keys, axes=axes, K=K, upto=min(i, shortest - 1))
    for ax, (xl, yl) in zip(axes, limits, strict=True):
        ax.set_xlim(xl)
        ax.set_ylim(yl)
        ax.yaxis.label.set_fontsize(11)
    for ax in axes[:-1]:
        ax.set_xlabel("")


def _checkpoint_graph(ax, h, i: int, kind: str, model, n_se: float, all_currents: bool):
    """The latent graph of checkpoint ``i``; returns its dominant cycle and arrow counts."""
    from .. import markov
    from .graphs import draw_trained_graph

    rec = h.records[i]
    T, pi, _, thr = _graph_parts(rec, n_se)
    cyc = markov.dominant_cycle(T, pi, threshold=thr)
    sigma = rec.get("entropy_production", math.nan)
    floor = rec.get("ep_noise_floor", math.nan)
    n_drawn, n_above = draw_trained_graph(
        ax, T, pi, node_images=model.decoder_probs(), threshold=thr,
        cycle=cyc[0] if cyc else None, all_currents=all_currents,
        current_scale=_current_scale(h, n_se), caption=False,
        title=f"{_kind_label(kind)} after {h.steps[i]} updates\nσ = {sigma:.3g} (noise floor "
              f"{floor:.0e}), mean diag T = {rec.get('mean_self_transition', math.nan):.2f}",
    )
    return cyc, n_drawn, n_above


def _checkpoint_report(runs: dict, i: int, kind: str, K: int, cyc) -> str:
    """One line per run with its numbers at checkpoint ``i`` (under a head line)."""
    lines = []
    for k, r in runs.items():
        hk = _history_of(r)
        j = min(i, len(hk.records) - 1)
        rk = hk.records[j]
        lines.append(
            f"update {hk.steps[j]:>5d}  {_kind_label(k):<30s} log-lik "
            f"{rk.get('log_likelihood', math.nan):8.3f}  σ {rk.get('entropy_production', 0):<9.3g}"
            f" (floor {rk.get('ep_noise_floor', math.nan):.0e})  mean diag T "
            f"{rk.get('mean_self_transition', math.nan):.3f}")
    n = len(_history_of(runs[kind]).records)
    head = f"checkpoint {i} of {n - 1} (K = {K}, 1/K = {1 / K:.2f})"
    if cyc:
        head += (f"; dominant cycle of the {_kind_label(kind)}: "
                 + " -> ".join(map(str, [*cyc[0], cyc[0][0]])) + f" (bottleneck {cyc[1]:.2g})")
    return "\n".join([head, *lines])


def plot_along_training(
    runs: Any,
    values: Mapping[str, Any],
    *,
    ax=None,
    ylabel: str = "",
    logy: bool = False,
    reference: float | None = None,
    reference_label: str | None = None,
):
    """Plot one value per checkpoint for each run, against the number of updates.

    Parameters
    ----------
    runs : RunResult, TrainingHistory or mapping of them
    values : mapping kind -> array_like
        One value per checkpoint of that run (kinds missing from ``values`` are skipped).
    ax : Axes, optional
    ylabel : str
    logy : bool
        Logarithmic y axis (e.g. relaxation times).
    reference : float, optional
        A horizontal reference line.

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu.training import TrainingHistory
    >>> h = TrainingHistory(model=None, steps=[0, 10], records=[{}, {}])
    >>> fig, ax = plot_along_training({"rbm": h}, {"rbm": [1.0, 5.0]}, ylabel="tau")
    >>> len(ax.lines)
    1
    >>> plt.close(fig)
    """
    runs = as_runs(runs)
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    else:
        fig = ax.figure
    for kind, run in runs.items():
        if kind not in values:
            continue
        steps = np.asarray(_history_of(run).steps)
        y = np.asarray(values[kind], dtype=float)
        if y.shape != steps.shape:
            raise ValueError(f"values[{kind!r}] has {y.size} entries for {steps.size} "
                             "checkpoints.")
        style = kind_style(kind)
        ax.plot(steps, y, color=style["color"], ls=style["ls"], label=style["label"], lw=2,
                marker="o", ms=4)
    if reference is not None:
        ax.axhline(reference, color="k", lw=1, ls=":")
        if reference_label:
            ax.annotate(reference_label, xy=(1.0, reference),
                        xycoords=("axes fraction", "data"), xytext=(-4, 4),
                        textcoords="offset points", ha="right", fontsize=11)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("parameter updates")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=10, loc="best")
    return fig, ax


def plot_kl_vs_burn_in(
    burn_ins: Sequence[int],
    kls: Mapping[str, Any],
    *,
    references: Mapping[str, float] | None = None,
    ax=None,
    n_chains: int | None = None,
    n_steps: int | None = None,
    title: str = "Finite sampler runs vs the model's own distribution",
    legend: bool = True,
):
    """Class-histogram KL of finite runs against the burn-in, one line per model kind.

    ``references`` (kind -> KL of exact, chain-free samples of the same model) are drawn as
    dotted lines in the same colour: where a curve should end up once the sampler has mixed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plot_kl_vs_burn_in([0, 10, 100], {"rbm": [0.1, 0.2, 0.5]},
    ...                              references={"rbm": 0.9})
    >>> len(ax.lines)
    2
    >>> plt.close(fig)
    """
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(11.0, 4.6), layout="constrained")
    else:
        fig = ax.figure
    x = np.asarray(burn_ins, dtype=float)
    x_plot = np.where(x > 0, x, np.nan)
    has_zero = bool(np.any(x == 0))
    if has_zero:  # log axis: show burn-in 0 at half the smallest positive burn-in
        pos = x[x > 0]
        x_plot = np.where(x > 0, x, (pos.min() / 2) if pos.size else 1.0)
    for kind, kl in kls.items():
        style = kind_style(kind)
        ax.plot(x_plot, np.asarray(kl, float), color=style["color"], ls=style["ls"], lw=2,
                marker="o", label=f"{style['label']}: sampler runs")
        if references and kind in references:
            ax.axhline(references[kind], color=style["color"], ls=":", lw=1.8,
                       label=f"{style['label']}: exact samples (no chain)")
    ax.set_xscale("log")
    if has_zero:
        ticks = list(x_plot)
        ax.set_xticks(ticks, [f"{int(v)}" for v in x])
        ax.minorticks_off()
    ax.set_xlabel("burn-in (steps discarded before recording)")
    ax.set_ylabel("class-histogram KL(data ‖ model)")
    ax.set_yscale("log")
    if legend:
        ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_title(title, fontsize=13)
    if n_chains is not None and n_steps is not None:
        ax.set_xlabel(ax.get_xlabel() + f"\n{n_chains} chains, then {n_steps} recorded steps")
    return fig, ax


def plot_cycle_walk(
    model,
    cycle: Sequence[int],
    *,
    n_chains: int = 200,
    n_steps: int = 300,
    seed: int = 0,
    max_states: int | None = None,
    fig=None,
):
    """Sample the chain, find a segment that walks around ``cycle``, and show it.

    Top row: the decoder mean ``p(x_i = 1 | z)`` of each latent state along the walk. Bottom
    row: the image ``x ~ p(.|z)`` the chain actually drew in that state; the encoder then sent
    it to the next state (label ``z → z'``). The chains start from uniformly random latent
    states and run ``n_steps`` steps after a burn-in of 50.

    Returns
    -------
    fig, axes, walk : Figure, array of 2 Axes, CycleWalk

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from nelc_edu.plotting.latent import prototype_model
    >>> fig, axes, walk = plot_cycle_walk(prototype_model(1.0, decoder="shifted"),
    ...                                   [0, 1, 2, 3], n_chains=20, n_steps=50)
    >>> walk.laps
    2.0
    >>> plt.close(fig)
    """
    from .images import image_strip

    sample = model.sample(n_chains, n_steps, seed=seed, burn_in=50, return_visible=True)
    walk = find_cycle_walk(sample.z, cycle, max_states=max_states)
    states = walk.states[:-1]  # each shown state draws an image that leads to the next one
    t = walk.start
    # x_traj[t + 1] was drawn from z[t] and encoded into z[t + 1]
    xs = sample.x_traj[t + 1:t + 1 + len(states), walk.chain]
    means = model.decoder_probs()[states]
    n = len(states)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(max(6.0, 1.05 * n + 1.5), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(2, 1))
    image_strip(means, labels=[f"z = {s}" for s in states], ax=axes[0])
    image_strip(xs, labels=[f"{a}→{b}" for a, b in zip(walk.states[:-1], walk.states[1:],
                                                        strict=True)], ax=axes[1])
    axes[0].set_ylabel("decoder\nmean", rotation=0, ha="right", va="center", fontsize=12)
    axes[1].set_ylabel("sampled\nimage x", rotation=0, ha="right", va="center", fontsize=12)
    cyc_txt = " → ".join(map(str, [*cycle, cycle[0]]))
    laps = f"{walk.laps:.2g} lap" + ("" if walk.laps == 1 else "s")
    axes[0].set_title(f"A chain following the cycle {cyc_txt} for {n} steps ({laps})",
                      fontsize=13)
    add_caption(
        fig,
        f"Chain {walk.chain} of {n_chains}, steps {walk.start}–{walk.start + n} after a burn-in "
        "of 50. Top: decoder mean of the latent state z. Bottom: the image the chain drew "
        "in state z; the encoder q(z'|x) then moved it to z' (label z→z').",
        fontsize=10.5,
    )
    for ax in axes:
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_facecolor("white")
        ax.grid(False)
        ax.tick_params(length=0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.patch.set_edgecolor(GREY)
    return fig, axes, walk
