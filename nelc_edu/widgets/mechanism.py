"""The widget of notebook 07: replay an exact training run, update by update.

:func:`training_replay` takes finished traces (:class:`nelc_edu.exact_training.ExactTrace`;
nothing is retrained) and redraws, through :func:`~nelc_edu.widgets._common.redraw_into`,
one figure per move of the slider: the latent chain at that update with its currents, ``pi``
against ``rho``, ``diag T``, and sigma and the mean self-transition along the whole run
(:func:`nelc_edu.plotting.mechanism.draw_trace_step`). A play button steps through training.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.models import TwoMatrixModel
>>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
>>> from nelc_edu.exact_training import train_exact
>>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
>>> box = training_replay(train_exact(TwoMatrixModel.random(3, 9, seed=1), X, n_updates=10))
>>> [o["output_type"] for o in box.children[-1].outputs]
['stream', 'display_data']
"""

from __future__ import annotations

from typing import Any

from ._common import controls, redraw_into, slider_kwargs

__all__ = ["training_replay"]


def training_replay(traces: Any, *, label: str | None = None, step: int = -1,
                    n_frames: int = 60, figsize: tuple[float, float] = (16.0, 6.6)):
    """A slider (and a play button) over the updates of exact training runs.

    Parameters
    ----------
    traces : ExactTrace or dict label -> ExactTrace
        Finished traces (:func:`nelc_edu.exact_training.train_exact`). With several, a
        dropdown chooses whose graph and bars are drawn; the curves show all of them.
    label : str, optional
        The trace shown first (default: the first).
    step : int
        Initial state (default: the last; 0 is the untrained model).
    n_frames : int
        The play button goes through training in about this many frames.
    figsize : tuple

    Returns
    -------
    ipywidgets.VBox
        Controls, then an ``Output`` holding one line of numbers and exactly one figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from nelc_edu.models import OneHotRBM
    >>> from nelc_edu.exact_training import train_exact
    >>> tr = train_exact(OneHotRBM.random(3, 4, seed=0), np.eye(4, dtype=np.uint8), n_updates=8)
    >>> box = training_replay({"RBM": tr}, step=0)
    >>> box.children[-1].outputs[0]["text"].startswith("update 0 (RBM)")
    True
    """
    import ipywidgets as widgets

    from ..plotting.mechanism import _as_traces, draw_trace_step

    traces = _as_traces(traces)
    label = next(iter(traces)) if label is None else label
    if label not in traces:
        raise ValueError(f"label {label!r} is not among the traces {list(traces)}.")
    n = min(len(t) for t in traces.values())
    if isinstance(step, bool) or not isinstance(step, int) or not -n <= step < n:
        raise ValueError(f"step must be an integer in [-{n}, {n}); got {step!r}.")
    slider = widgets.IntSlider(**slider_kwargs("update", value=step % n, min=0, max=n - 1,
                                               step=1))
    play = widgets.Play(value=slider.value, min=0, max=n - 1, step=max(1, (n - 1) // n_frames),
                        interval=700, description="play")
    widgets.jslink((play, "value"), (slider, "value"))
    chooser = widgets.Dropdown(options=list(traces), value=label, description="run",
                               style={"description_width": "initial"},
                               layout=widgets.Layout(width="420px"))
    out = widgets.Output()

    def update(_change=None):
        redraw_into(out, lambda fig: draw_trace_step(fig, traces, slider.value,
                                                     label=chooser.value), figsize=figsize)

    slider.observe(update, names="value")
    chooser.observe(update, names="value")
    update()
    return widgets.VBox([controls(play, slider, chooser), out])
