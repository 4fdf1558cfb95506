"""Widgets for notebooks 00-02: a two-state chain, the driven ring, trajectory estimates.

Each builder returns an ``ipywidgets.VBox`` (controls on top, an ``Output`` below). The
figures are drawn by :func:`nelc_edu.plotting.markov.draw_two_state`,
:func:`~nelc_edu.plotting.markov.draw_ring` and
:func:`~nelc_edu.plotting.markov.draw_trajectory_estimate`, plain functions of a matplotlib
Figure and the slider values; the widgets only wire sliders to them through
:func:`nelc_edu.widgets._common.redraw_into`, so one slider move = one figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plotting.markov import (
    TRAJECTORY_LENGTHS,
    draw_ring,
    draw_trajectory_estimate,
    draw_two_state,
)
from ._common import controls, redraw_into, slider_kwargs

__all__ = ["two_state_explorer", "ring_explorer", "trajectory_estimator_demo"]

# --------------------------------------------------------------------------------------
# two states
# --------------------------------------------------------------------------------------

def two_state_explorer(a: float = 0.3, b: float = 0.1, n_steps: int = 25):
    """Sliders for ``a = P(0 -> 1)`` and ``b = P(1 -> 0)``: graph, ``pi``, convergence.

    Try ``a = b = 1`` (periodic) and ``a = b = 0`` (reducible).

    Examples
    --------
    >>> box = two_state_explorer()
    >>> [o["output_type"] for o in box.children[-1].outputs]
    ['stream', 'display_data']
    """
    import ipywidgets

    sa = ipywidgets.FloatSlider(value=a, **slider_kwargs("a = P(0→1)", min=0.0, max=1.0,
                                                         step=0.05, readout_format=".2f"))
    sb = ipywidgets.FloatSlider(value=b, **slider_kwargs("b = P(1→0)", min=0.0, max=1.0,
                                                         step=0.05, readout_format=".2f"))
    out = ipywidgets.Output()

    def update(change: Any = None) -> None:
        redraw_into(out, lambda fig: draw_two_state(fig, sa.value, sb.value, n_steps),
                    figsize=(11.0, 4.4))

    for s in (sa, sb):
        s.observe(update, names="value")
    update()
    return ipywidgets.VBox([controls(sa, sb), out])


# --------------------------------------------------------------------------------------
# the driven ring
# --------------------------------------------------------------------------------------

def ring_explorer(n: int = 6, affinity: float = 2.0, p_stay: float = 0.0):
    """Sliders for the driven ring: affinity ``A``, number of states ``n``, ``p_stay``.

    Redraws the ring (node area ∝ ``pi``, arrows = net current), the curves ``J(A)`` and
    ``sigma(A)`` with the current point, and prints ``pi``, ``J``, ``sigma`` and the
    Kolmogorov product ratio of the ring.

    Examples
    --------
    >>> box = ring_explorer(n=4)
    >>> len(box.children[-1].outputs)
    2
    """
    import ipywidgets

    s_a = ipywidgets.FloatSlider(value=affinity, **slider_kwargs(
        "affinity A", min=-10.0, max=10.0, step=0.1, readout_format=".1f"))
    s_n = ipywidgets.IntSlider(value=n, **slider_kwargs("states n", min=3, max=12))
    s_s = ipywidgets.FloatSlider(value=p_stay, **slider_kwargs(
        "p_stay", min=0.0, max=0.9, step=0.05, readout_format=".2f"))
    out = ipywidgets.Output()

    def update(change: Any = None) -> None:
        redraw_into(out, lambda fig: draw_ring(fig, s_n.value, s_a.value, s_s.value),
                    figsize=(12.0, 5.6))

    for s in (s_a, s_n, s_s):
        s.observe(update, names="value")
    update()
    return ipywidgets.VBox([controls(s_a, s_n, s_s), out])


# --------------------------------------------------------------------------------------
# estimating sigma from a trajectory
# --------------------------------------------------------------------------------------

def trajectory_estimator_demo(T: Any = None, seed: int = 0, n: int = 1_000,
                              lengths: tuple[int, ...] = TRAJECTORY_LENGTHS):
    """Sliders for the trajectory length and the seed: estimated vs exact ``sigma``.

    Parameters
    ----------
    T : array_like, optional
        The chain; default a 4-state driven ring (``A = 6``, ``p_stay = 0.3``) whose
        backward steps are rare enough that short trajectories often return ``inf``.
    seed : int, optional
        Initial seed.
    n : int, optional
        Initial trajectory length (one of ``lengths``).
    lengths : tuple of int, optional
        Lengths offered by the slider.

    Examples
    --------
    >>> box = trajectory_estimator_demo(lengths=(10, 100, 1000), n=100)
    >>> box.children[-1].outputs[-1]["output_type"]
    'display_data'
    """
    import ipywidgets

    from .. import markov

    T = markov.driven_ring(4, affinity=6.0, p_stay=0.3) if T is None else np.asarray(T, float)
    lengths = tuple(sorted(int(m) for m in lengths))
    if n not in lengths:
        raise ValueError(f"n={n} is not one of the offered lengths {lengths}.")
    s_n = ipywidgets.SelectionSlider(options=list(lengths), value=n,
                                     **slider_kwargs("trajectory length n"))
    s_seed = ipywidgets.IntSlider(value=seed, **slider_kwargs("seed", min=0, max=30))
    out = ipywidgets.Output()
    cache: dict[int, np.ndarray] = {}

    def trajectory(sd: int) -> np.ndarray:
        if sd not in cache:
            cache.clear()
            cache[sd] = markov.simulate(T, max(lengths), seed=sd)
        return cache[sd]

    def update(change: Any = None) -> None:
        redraw_into(out, lambda fig: draw_trajectory_estimate(
            fig, T, trajectory(s_seed.value), s_n.value, lengths), figsize=(12.0, 4.8))

    for s in (s_n, s_seed):
        s.observe(update, names="value")
    update()
    return ipywidgets.VBox([controls(s_n, s_seed), out])
