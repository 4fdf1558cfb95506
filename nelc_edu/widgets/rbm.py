"""Widgets for notebook 03: retrain a toy RBM with CD-k, PCD-k and the exact gradient.

The figure is :func:`nelc_edu.plotting.rbm.draw_training_comparison` (three trainings and
their curves); the widget redraws it through :func:`nelc_edu.widgets._common.redraw_into`, so
each figure is drawn once.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from nelc_edu.widgets.rbm import rbm_training_widget
>>> import contextlib, io
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter, Output prints to stdout
...     w = rbm_training_widget(n_updates=30)
>>> type(w).__name__
'VBox'
"""

from __future__ import annotations

from ..plotting.rbm import draw_training_comparison
from ._common import redraw_into

__all__ = ["rbm_training_widget"]


def rbm_training_widget(X=None, *, M: int = 8, n_updates: int = 600, seed: int = 0):
    """Sliders for ``k`` and the learning rate; each change retrains and redraws the curves.

    Three runs from the same initial model and minibatches: exact gradient, CD-k, PCD-k
    (100 persistent chains), exact log-likelihood along the way. About 0.5-1.5 s per redraw
    for the default 3x3 bars-and-stripes toy.

    Returns
    -------
    ipywidgets.VBox
        Display it (the last expression of a cell).
    """
    import ipywidgets as widgets

    k_slider = widgets.IntSlider(value=1, min=1, max=20, step=1, description="k",
                                 continuous_update=False)
    lr_slider = widgets.FloatLogSlider(value=0.05, base=10, min=-2.5, max=-0.5, step=0.125,
                                       description="learning rate", readout_format=".3f",
                                       continuous_update=False,
                                       style={"description_width": "initial"})
    out = widgets.Output()

    def update(_change=None):
        redraw_into(out, lambda fig: draw_training_comparison(
            X, k=k_slider.value, learning_rate=lr_slider.value, M=M, n_updates=n_updates,
            seed=seed, ax=fig.add_subplot(),
        ) and None, figsize=(10.0, 5.0))

    k_slider.observe(update, names="value")
    lr_slider.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([k_slider, lr_slider]), out])
