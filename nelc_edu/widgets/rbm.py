"""Widgets for notebook 03: retrain a toy RBM with CD-k, PCD-k and the exact gradient.

The callback is a library function (:func:`draw_training_comparison`); the widget redraws
into an ``ipywidgets.Output`` with ``clear_output(wait=True)``, so each figure is drawn once.

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

import numpy as np

from ._common import redraw_into

__all__ = ["draw_training_comparison", "rbm_training_widget"]


def draw_training_comparison(
    X=None,
    *,
    k: int = 1,
    learning_rate: float = 0.05,
    M: int = 8,
    n_updates: int = 600,
    n_chains: int = 100,
    batch_size: int = 16,
    seed: int = 0,
    ax=None,
):
    """Train one toy RBM three ways (exact gradient, CD-k, PCD-k) and plot the curves.

    Parameters
    ----------
    X : array of 0/1, optional
        Training data; default: the 14 bars-and-stripes patterns on a 3x3 grid.
    k : int
        Gibbs steps per update for CD-k and PCD-k.
    learning_rate : float
        RMSprop step size, the same for the three runs.
    M, n_updates, n_chains, batch_size, seed
        Model size and training budget (as in :func:`nelc_edu.training.train`).
    ax : matplotlib Axes, optional
        Where to draw (a new figure if omitted).

    Returns
    -------
    fig, ax

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = draw_training_comparison(k=2, n_updates=20)
    >>> len(ax.lines)   # three runs and the reference line
    4
    """
    from ..datasets import bars_and_stripes
    from ..models.binary_rbm import compare_training_methods
    from ..plotting.rbm import plot_rbm_training_curves

    if X is None:
        X = bars_and_stripes(3)
    X = np.asarray(X)
    runs = compare_training_methods(
        X, M=M, methods=("exact", ("cd", k), ("pcd", k)), n_updates=n_updates,
        learning_rate=learning_rate, batch_size=batch_size, n_chains=n_chains,
        n_checkpoints=30, seed=seed,
    )
    n_distinct = np.unique(X, axis=0).shape[0]
    best = -np.log(n_distinct) if n_distinct == X.shape[0] else None
    return plot_rbm_training_curves(
        runs, reference=best, ax=ax, reference_label=f"best possible ($-\\log {n_distinct}$)",
        title=f"M = {M} hidden units, RMSprop learning rate {learning_rate:.3g}, k = {k}",
    )


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
