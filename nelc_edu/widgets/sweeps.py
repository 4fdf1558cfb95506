"""Widget for notebook 09: pick any run of a sweep and see its latent graph and samples.

The graph shows the strongest net currents and the dominant cycle; the "all currents" box
draws every current above the run's threshold.

The drawing is :func:`nelc_edu.plotting.sweeps.draw_run`, redrawn through
:func:`nelc_edu.widgets._common.redraw_into` (one control change = one figure).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> from nelc_edu.widgets.sweeps import run_explorer
>>> rec = {"settings": {"kind": "two_matrix", "K": 3, "seed": 0, "learning_rate": 0.01},
...        "final": {"T": (np.full((3, 3), 1 / 3)).tolist(), "pi": [1 / 3] * 3,
...                  "log_likelihood": -20.0, "log_likelihood_heldout": -21.0,
...                  "entropy_production": 0.0, "ep_noise_floor": 1e-4,
...                  "mean_self_transition": 1 / 3, "class_kl": 0.1},
...        "decoder_means": np.full((3, 64), 0.5), "samples": np.zeros((4, 64))}
>>> box = run_explorer([rec])
>>> type(box).__name__
'VBox'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._common import controls, redraw_into, slider_kwargs

__all__ = ["run_explorer"]


def run_explorer(records: Sequence[Mapping[str, Any]] | None = None, *,
                 kind: str = "two_matrix", seed: int | None = None):
    """Choose a model kind and a seed; see that run's latent graph, decoder means, samples.

    Parameters
    ----------
    records : sequence of dict, optional
        Records with ``decoder_means`` (and ``samples``), as returned by
        :func:`nelc_edu.sweeps.load_shipped_results`; default: the shipped MNIST-5k results.
    kind : str
        Initially selected model kind.
    seed : int, optional
        Initially selected seed (default: the smallest).

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets

    from ..experiments import KIND_LABELS
    from ..plotting.sweeps import draw_run

    if records is None:
        from ..sweeps import load_shipped_results

        records, _ = load_shipped_results()
    records = list(records)
    if not records:
        raise ValueError("no runs to explore: pass records with decoder means.")
    by_key = {}
    for rec in records:
        s = rec["settings"]
        by_key[(s["kind"], s["seed"], s["K"], s["learning_rate"])] = rec
    kinds = [k for k in ("two_matrix", "rbm", "rbm_exact") if any(k == key[0] for key in by_key)]
    kinds += sorted({key[0] for key in by_key} - set(kinds))
    if kind not in kinds:
        kind = kinds[0]
    seeds = sorted({key[1] for key in by_key})
    variants = sorted({(key[2], key[3]) for key in by_key})

    kind_w = ipywidgets.ToggleButtons(
        options=[(KIND_LABELS.get(k, k).replace(", control", ""), k) for k in kinds],
        value=kind, style={"button_width": "auto"})
    seed_w = ipywidgets.SelectionSlider(**slider_kwargs(
        "seed", options=seeds, value=seed if seed in seeds else seeds[0]))
    var_w = ipywidgets.Dropdown(
        options=[(f"K = {K}, learning rate {lr:g}", (K, lr)) for K, lr in variants],
        value=variants[0], description="setting", style={"description_width": "initial"},
        layout=ipywidgets.Layout(display="" if len(variants) > 1 else "none"))
    all_w = ipywidgets.Checkbox(value=False, description="all currents",
                                indent=False, layout=ipywidgets.Layout(width="140px"))
    out = ipywidgets.Output()

    def update(change=None):
        K, lr = var_w.value
        rec = by_key.get((kind_w.value, seed_w.value, K, lr))
        if rec is None:
            with out:
                out.clear_output()
                print("no run with these settings in the results")
            return
        redraw_into(out, lambda fig: draw_run(fig, rec, all_currents=all_w.value),
                    figsize=(13.0, 6.0))

    for w in (kind_w, seed_w, var_w, all_w):
        w.observe(update, names="value")
    update()
    return ipywidgets.VBox([kind_w, controls(seed_w, var_w, all_w), out])
