"""Self-checks of notebook 08 (training latent cycles): exercises 8.1-8.3.

Each checker recomputes the expected answer with the library, from the objects the answer
names (the trained model, the dominant cycle) or from the shipped results, and never shows
it: the message says what to look at.

* 8.1 counting laps: ``{"model": model, "cycle": cycle, "forward": f, "backward": b}``,
  the laps of ``model.sample(2000, 500, seed=1, burn_in=50)`` around ``cycle``.
* 8.2 a real entropy production does not go away: ``{"two_matrix": (model, sigmas),
  "rbm": (model, sigmas)}`` with ``sigmas = {S: sigma}`` from
  ``model.entropy_production_with_floor(n_samples=S, seed=S)``.
* 8.3 when the RBM's gradient turns: ``{seed: update}``, for every PCD RBM run of the
  shipped ``gradients_digits`` results, the first checkpoint (in parameter updates) whose
  gradient cosine is below 0.5, or ``None`` if there is none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import exercise

#: Exercise 8.1: the sample whose laps are counted.
LAP_SAMPLE = {"n_chains": 2000, "n_steps": 500, "seed": 1, "burn_in": 50}
#: Exercise 8.3: a cosine below this counts as "turned away".
TURN_COSINE = 0.5


def _count_laps(z: np.ndarray, cycle) -> tuple[int, int]:
    """Windows of L + 1 consecutive states going once around ``cycle``, each way.

    Written independently of the notebook's solution: each chain becomes a string (one
    character per state) and overlapping occurrences of each rotation are counted.
    """
    import re

    cycle = [int(c) for c in cycle]
    L = len(cycle)

    def text(states) -> str:
        return "".join(chr(0x100 + int(v)) for v in states)

    chains = [text(chain) for chain in np.asarray(z).T]

    def laps(order) -> int:
        total = 0
        for k in range(L):
            pattern = re.compile("(?=" + re.escape(text(order[(k + j) % L]
                                                         for j in range(L + 1))) + ")")
            total += sum(len(pattern.findall(c)) for c in chains)
        return total

    return laps(cycle), laps(cycle[::-1])


def _need(answer, keys) -> None:
    if not isinstance(answer, Mapping) or not set(keys) <= set(answer):
        raise ValueError(f"pass a dict with the keys {', '.join(map(repr, keys))}")


@exercise("8.1")
def check_laps(answer) -> tuple[bool, str]:
    _need(answer, ("model", "cycle", "forward", "backward"))
    model, cycle = answer["model"], list(answer["cycle"])
    if len(cycle) < 3:
        return False, "a latent cycle has at least 3 states: pass the dominant cycle itself"
    s = LAP_SAMPLE
    z = model.sample(s["n_chains"], s["n_steps"], seed=s["seed"], burn_in=s["burn_in"]).z
    fwd, bwd = _count_laps(z, cycle)
    got_f, got_b = int(answer["forward"]), int(answer["backward"])
    if (got_f, got_b) == (fwd, bwd):
        return True, ""
    if (got_f, got_b) == (bwd, fwd) and fwd != bwd:
        return False, ("forward and backward look exchanged: a forward lap follows the order "
                       "of `cycle`, c0 -> c1 -> ... -> c0")
    if got_f < fwd or got_b < bwd:
        return False, ("some laps are missing: a lap may start at any state of the cycle (all "
                       "L rotations), at any time, in any of the chains")
    return False, ("too many laps: a lap is a window of exactly L + 1 consecutive states that "
                   "starts and ends at the same state and goes once around; count each window "
                   f"once, in the sample of model.sample({s['n_chains']}, {s['n_steps']}, "
                   f"seed={s['seed']}, burn_in={s['burn_in']})")


@exercise("8.2")
def check_sigma_vs_budget(answer) -> tuple[bool, str]:
    _need(answer, ("two_matrix", "rbm"))
    for kind in ("two_matrix", "rbm"):
        model, sigmas = answer[kind]
        if not isinstance(sigmas, Mapping) or not sigmas:
            return False, f"for {kind!r}, pass (model, {{S: sigma}}) with one sigma per S"
        for S, value in sigmas.items():
            est = model.entropy_production_with_floor(n_samples=int(S), seed=int(S))
            if math.isclose(float(value), est.noise_floor, rel_tol=1e-9) and not math.isclose(
                    float(value), est.sigma, rel_tol=1e-9):
                return False, (f"for {kind!r} at S = {S} that is the noise floor: the "
                               "estimate of σ is the attribute .sigma")
            if not math.isclose(float(value), est.sigma, rel_tol=1e-6, abs_tol=1e-25):
                return False, (f"the σ of {kind!r} at S = {S} differs from "
                               "model.entropy_production_with_floor(n_samples=S, seed=S).sigma"
                               ": use that model, that S and seed=S")
    return True, ""


def _turning_points(records) -> dict[int, int | None]:
    from ..gradient_fidelity import fidelity_curves

    fc = fidelity_curves(records, "rbm")
    out = {}
    for seed, cos in zip(fc.seeds, fc.cosine, strict=True):
        below = np.flatnonzero(np.nan_to_num(cos, nan=1.0) < TURN_COSINE)
        out[int(seed)] = int(fc.steps[below[0]]) if below.size else None
    return out


@exercise("8.3")
def check_turning_points(answer) -> tuple[bool, str]:
    from ..sweeps import load_shipped_results

    if not isinstance(answer, Mapping):
        raise ValueError("pass a dict {seed: update}")
    records, _ = load_shipped_results("gradients_digits")
    expected = _turning_points(records)
    got = {int(k): (None if v is None else int(v)) for k, v in answer.items()}
    if set(got) != set(expected):
        return False, ("one entry per PCD-trained RBM run (kind 'rbm'), keyed by its seed; "
                       "the exact-gradient RBM has no PCD gradient")
    for seed in sorted(expected):
        want, have = expected[seed], got[seed]
        if have == want:
            continue
        if want is not None and (have is None or have > want):
            return False, (f"seed {seed}: an earlier checkpoint already has a "
                           f"pcd_gradient_cosine below {TURN_COSINE} (history['records'] "
                           "in order; report history['steps'] at the first one)")
        return False, (f"seed {seed}: the cosine at that checkpoint is not below "
                       f"{TURN_COSINE}, or the number is not in parameter updates "
                       "(history['steps'], not the checkpoint's index)")
    return True, ""
