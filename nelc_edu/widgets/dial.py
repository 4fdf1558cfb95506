"""Widget for notebook 09: turn the reversibility dial and look at one run.

Choose a tie penalty lambda (and a seed, and the dataset when several are given): the runs
of that lambda are ringed in orange in both scatters (log-likelihood against sigma and
against mean diag T, every run of the sweep), and the chosen run's latent graph and decoder
means are drawn below. The drawing is :func:`nelc_edu.plotting.dial.draw_dial_run`,
redrawn through :func:`nelc_edu.widgets._common.redraw_into` (one control change = one
figure).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> recs = [{"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": s, "K": 3},
...          "final": {"log_likelihood": -20.0 - lam, "entropy_production": 0.1 / (1 + lam),
...                    "ep_noise_floor": 1e-5, "mean_self_transition": 0.3,
...                    "T": np.full((3, 3), 1 / 3).tolist(), "pi": [1 / 3] * 3,
...                    "current_threshold": 1e-3},
...          "decoder_means": np.full((3, 64), 0.5)}
...         for lam in (0.0, 1.0) for s in (0, 1, 2)]
>>> box = dial_explorer(recs, tie_penalty=1.0)
>>> [o["output_type"] for o in box.children[-1].outputs]
['stream', 'display_data']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._common import controls, redraw_into, slider_kwargs

__all__ = ["dial_explorer"]


def _lambda_label(lam: float) -> str:
    return "λ = 0 (free)" if lam == 0 else f"λ = {lam:g}"


def dial_explorer(
    records: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    tie_penalty: float | None = None,
    seed: int | None = None,
    figsize: tuple[float, float] = (13.0, 10.5),
):
    """Pick a tie penalty and a seed; see where its runs sit and one run's latent graph.

    Parameters
    ----------
    records : sequence of dict, or mapping of name -> sequence of dict
        The records of a dial sweep (``load_shipped_results("dial_digits")``); a mapping
        such as ``{"digits": ..., "MNIST-5k": ...}`` adds a toggle between sweeps.
    tie_penalty : float, optional
        Initially selected lambda (default: the smallest, 0 if present).
    seed : int, optional
        Initially selected seed (default: the smallest).
    figsize : tuple

    Returns
    -------
    ipywidgets.VBox
        Controls, then an ``Output`` holding the run's numbers and one figure.
    """
    import ipywidgets

    from ..dial import dial_table, tie_penalties
    from ..plotting.dial import draw_dial_run

    sweeps = dict(records) if isinstance(records, Mapping) else {"sweep": records}
    sweeps = {name: list(recs) for name, recs in sweeps.items()}
    tables = {}
    for name, recs in sweeps.items():
        if not any(r["settings"]["kind"] == "two_matrix" for r in recs):
            raise ValueError(f"the records of {name!r} hold no two-matrix run: pass the "
                             "records of a dial sweep (scripts/reproduce_dial.py).")
        tables[name] = dial_table(recs)
    names = list(sweeps)
    sweep_w = ipywidgets.ToggleButtons(
        options=names, value=names[0], style={"button_width": "auto"},
        layout=ipywidgets.Layout(display="" if len(names) > 1 else "none"))

    def lambda_options(name):
        return [(_lambda_label(v), v) for v in tie_penalties(tables[name])]

    def seed_options(name, lam):
        return sorted({int(r["settings"]["seed"]) for r in sweeps[name]
                       if r["settings"]["kind"] == "two_matrix"
                       and float(r["settings"].get("tie_penalty", 0.0)) == lam})

    lams = [v for _, v in lambda_options(names[0])]
    lam0 = tie_penalty if tie_penalty in lams else lams[0]
    lam_w = ipywidgets.SelectionSlider(**slider_kwargs(
        "tie penalty", options=lambda_options(names[0]), value=lam0,
        layout=ipywidgets.Layout(width="420px")))
    seeds = seed_options(names[0], lam0)
    seed_w = ipywidgets.SelectionSlider(**slider_kwargs(
        "seed", options=seeds, value=seed if seed in seeds else seeds[0]))
    all_w = ipywidgets.Checkbox(value=False, description="all currents", indent=False,
                                layout=ipywidgets.Layout(width="140px"))
    out = ipywidgets.Output()
    busy = {"on": False}

    def update(change=None):
        if busy["on"]:
            return
        name = sweep_w.value
        redraw_into(out, lambda fig: draw_dial_run(
            fig, sweeps[name], lam_w.value, seed_w.value, all_currents=all_w.value,
            table=tables[name], title=name if len(names) > 1 else None), figsize=figsize)

    def new_sweep(change=None):
        busy["on"] = True
        try:
            opts = lambda_options(sweep_w.value)
            keep = lam_w.value if lam_w.value in [v for _, v in opts] else opts[0][1]
            lam_w.options = opts
            lam_w.value = keep
            new_lambda()
        finally:
            busy["on"] = False
        update()

    def new_lambda(change=None):
        was = busy["on"]
        busy["on"] = True
        try:
            seeds = seed_options(sweep_w.value, lam_w.value)
            keep = seed_w.value if seed_w.value in seeds else seeds[0]
            seed_w.options = seeds
            seed_w.value = keep
        finally:
            busy["on"] = was
        update()

    sweep_w.observe(new_sweep, names="value")
    lam_w.observe(new_lambda, names="value")
    seed_w.observe(update, names="value")
    all_w.observe(update, names="value")
    update()
    return ipywidgets.VBox([sweep_w, controls(lam_w, seed_w, all_w), out])
