"""Self-checks of notebook 09 (equilibrium vs nonequilibrium): exercises 9.1-9.3.

Each checker recomputes the expected answer with the library, from the shipped results or
from the objects the answer names, and never shows it: the message says what to look at.

* 9.1 the control, seed by seed: ``{"two_matrix - rbm": [...], "rbm_exact - rbm": [...]}``,
  the training log-likelihood gaps of the shipped MNIST-5k runs, one per seed in
  increasing seed order.
* 9.2 resuming and extending a sweep: ``{"done_before": live_grid, "grid": grid_82,
  "trained": n, "skipped": m, "redone": k}``: the runs the extended grid trains and skips in
  a directory that holds the runs of ``done_before``, and how many a rerun redoes after one
  record was deleted.
* 9.3 the dial on held-out data: ``{name: rho}`` for each shipped dial sweep
  (``"digits"``, ``"mnist5k"``): the rank correlation, within the two-matrix family, of the
  held-out log-likelihood with the entropy production.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import exercise

#: Exercise 9.1: the gaps asked for, as (first kind, second kind).
GAPS = {"two_matrix - rbm": ("two_matrix", "rbm"), "rbm_exact - rbm": ("rbm_exact", "rbm")}


def _mnist_gaps() -> tuple[list[int], dict[str, np.ndarray]]:
    from ..sweeps import load_shipped_results

    records, _ = load_shipped_results("mnist5k")
    ll = {(r["settings"]["kind"], int(r["settings"]["seed"])): float(
        r["final"]["log_likelihood"]) for r in records}
    seeds = sorted({s for _, s in ll})
    return seeds, {name: np.array([ll[a, s] - ll[b, s] for s in seeds])
                   for name, (a, b) in GAPS.items()}


@exercise("9.1")
def check_control_gaps(answer) -> tuple[bool, str]:
    if not isinstance(answer, Mapping) or set(answer) != set(GAPS):
        raise ValueError(f"pass a dict with exactly the keys {', '.join(map(repr, GAPS))}")
    seeds, expected = _mnist_gaps()
    for name, want in expected.items():
        got = np.asarray(answer[name], dtype=float).ravel()
        if got.size != want.size:
            return False, (f"{name!r}: one gap per seed ({len(seeds)} seeds in the shipped "
                           "results), in increasing seed order")
        if np.allclose(got, -want, atol=1e-6) and not np.allclose(want, 0.0):
            return False, (f"{name!r}: the sign is flipped; the gap is the first model's "
                           "log-likelihood minus the second's")
        if np.allclose(np.sort(got), np.sort(want), atol=1e-6) and not np.allclose(
                got, want, atol=1e-6):
            return False, f"{name!r}: the values are right but not in increasing seed order"
        if not np.allclose(got, want, atol=1e-6):
            return False, (f"{name!r}: compare the two runs of the SAME seed, with "
                           "r['final']['log_likelihood'] (train, not held-out)")
    return True, ""


@exercise("9.2")
def check_resume(answer) -> tuple[bool, str]:
    from ..sweeps import run_id

    keys = ("done_before", "grid", "trained", "skipped", "redone")
    if not isinstance(answer, Mapping) or not set(keys) <= set(answer):
        raise ValueError(f"pass a dict with the keys {', '.join(map(repr, keys))}")
    before = {run_id(s) for s in answer["done_before"].expand()}
    new = [run_id(s) for s in answer["grid"].expand()]
    skipped = sum(1 for r in new if r in before)
    trained = len(new) - skipped
    if int(answer["trained"]) + int(answer["skipped"]) != len(new):
        return False, ("trained + skipped must be every run of the extended grid: count its "
                       "runs (len(grid), seeds x latents x learning rates x kinds)")
    if int(answer["trained"]) != trained:
        return False, ("a run is skipped when its settings are exactly those of a finished "
                       "run in the directory: which learning rate is the digits default?")
    if int(answer["redone"]) != 1:
        return False, ("after one record is deleted, the sweep retrains only the runs whose "
                       "record is missing or damaged")
    return True, ""


@exercise("9.3")
def check_heldout_dial(answer) -> tuple[bool, str]:
    from ..dial import dial_table, within_family
    from ..sweeps import load_shipped_results

    if not isinstance(answer, Mapping) or not answer:
        raise ValueError("pass a dict {'digits': rho, 'mnist5k': rho}")
    for name, value in answer.items():
        records, _ = load_shipped_results(f"dial_{name}")
        table = dial_table(records)
        rho, _ = within_family(table, "entropy_production", "log_likelihood_heldout")
        rho_train, _ = within_family(table, "entropy_production", "log_likelihood")
        value = float(value)
        if math.isclose(value, rho, abs_tol=1e-9):
            continue
        if math.isclose(value, rho_train, abs_tol=1e-9):
            return False, (f"{name!r}: that is the correlation with the TRAINING "
                           "log-likelihood; use the column 'log_likelihood_heldout'")
        return False, (f"{name!r}: use dial.within_family(table, x, y) with x the entropy "
                       "production and y the held-out log-likelihood (two-matrix runs only)")
    return True, ""
