"""Widgets of notebooks 04 and 07: scrub through the checkpoints of training runs.

:func:`checkpoint_scrubber` takes finished runs (nothing is retrained: every redraw reads the
checkpoint records and parameters that :func:`nelc_edu.experiments.run` kept) and redraws,
through :func:`~nelc_edu.widgets._common.redraw_into`, one figure per slider move: the latent
graph of the chosen run at that checkpoint (decoder-mean images as nodes, the strongest net
currents above 3 standard errors as arrows; the "all currents" box draws every one of them)
beside the training curves up to that checkpoint
(:func:`nelc_edu.plotting.runs.plot_checkpoint`).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.experiments import RunSettings, run
>>> res = run(RunSettings(kind="rbm", K=4, n_updates=40, n_checkpoints=2, diag_samples=100,
...                       kl_chains=10, kl_burn_in=5, kl_steps=10), progress=False)
>>> box = checkpoint_scrubber(res)
>>> [o["output_type"] for o in box.children[-1].outputs]
['stream', 'display_data']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._common import controls, redraw_into, slider_kwargs

__all__ = ["checkpoint_scrubber"]

_KEYS = ("log_likelihood", "entropy_production", "mean_self_transition")


def checkpoint_scrubber(
    runs: Any,
    *,
    kind: str | None = None,
    checkpoint: int = -1,
    keys: Sequence[str] = _KEYS,
    n_se: float = 3.0,
    figsize: tuple[float, float] = (13.0, 7.4),
):
    """A slider over training checkpoints that redraws the latent graph and the curves.

    Parameters
    ----------
    runs : RunResult, TrainingHistory or mapping kind -> RunResult
        Finished runs of :func:`nelc_edu.experiments.run` (parameters kept at checkpoints).
        With several runs, a dropdown chooses whose latent graph is drawn; the curves show
        all of them.
    kind : str, optional
        Run whose graph is shown first (default: the first).
    checkpoint : int
        Initial checkpoint (default: the last; 0 is the untrained model).
    keys : sequence of str
        Diagnostics drawn as curves.
    n_se : float
        Arrows are net currents above ``n_se`` standard errors of the estimated currents.
    figsize : tuple

    Returns
    -------
    ipywidgets.VBox
        Controls, then an ``Output`` holding the report text and exactly one figure.
    """
    import ipywidgets as widgets

    from ..plotting.runs import _history_of, as_runs, plot_checkpoint
    from ..plotting.style import kind_style

    runs = as_runs(runs)
    kind = next(iter(runs)) if kind is None else kind
    if kind not in runs:
        raise ValueError(f"kind {kind!r} is not among the runs {list(runs)}.")
    n = min(len(_history_of(r).records) for r in runs.values())
    if not -n <= int(checkpoint) < n:
        raise ValueError(f"checkpoint {checkpoint} out of range 0..{n - 1}.")
    slider = widgets.IntSlider(**slider_kwargs(
        "checkpoint", value=int(checkpoint) % n, min=0, max=n - 1, step=1))
    step_label = widgets.Label()
    children = [slider, step_label]
    chooser = None
    if len(runs) > 1:
        chooser = widgets.Dropdown(
            options=[(kind_style(k)["label"], k) for k in runs],
            value=kind, description="latent graph of",
            style={"description_width": "initial"}, layout=widgets.Layout(width="380px"))
        children.insert(1, chooser)
    all_w = widgets.Checkbox(value=False, description="all currents", indent=False,
                             layout=widgets.Layout(width="140px"))
    children.append(all_w)
    out = widgets.Output()
    steps = list(_history_of(runs[kind]).steps)

    def draw(fig):
        _, report = plot_checkpoint(runs, slider.value, kind=chooser.value if chooser else kind,
                                    keys=keys, n_se=n_se, all_currents=all_w.value, fig=fig)
        return report

    def update(_change=None):
        step_label.value = f"= after {steps[slider.value]} parameter updates"
        redraw_into(out, draw, figsize=figsize)

    slider.observe(update, names="value")
    all_w.observe(update, names="value")
    if chooser is not None:
        chooser.observe(update, names="value")
    update()
    return widgets.VBox([controls(*children), out])
