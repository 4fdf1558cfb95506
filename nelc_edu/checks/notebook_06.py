"""Self-checks for notebook 06 (the two-step gradient): exercises 6.1 to 6.4.

The notebook's model is ``TwoMatrixModel.random(4, 9, scale=1.0, seed=1)`` and its data
``patterns_3x3(200, seed=0)``; each checker rebuilds them, computes the expected answer
with the library (exactly, or with the seeds the exercise names) and compares. The hints say
what to look at, never the value.

Examples
--------
>>> from nelc_edu import checks
>>> checks.check("6.4", 1)
Not yet (exercise 6.4): ...
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import exercise

__all__: list[str] = []

#: The sample sizes and seeds of exercise 6.3.
SAMPLE_SIZES = (3, 10, 100, 1000)
N_SEEDS = 10
#: Exercise 6.4: the partial sum is close enough when ||h_M - h|| <= TOLERANCE ||h||.
TOLERANCE = 0.01


def _model_and_data():
    from ..datasets.toy import patterns_3x3
    from ..models import TwoMatrixModel

    return TwoMatrixModel.random(4, 9, scale=1.0, seed=1), patterns_3x3(200, seed=0)[0]


def _array(answer, shape: tuple[int, ...], what: str) -> np.ndarray:
    value = np.asarray(answer, dtype=float)
    if value.shape != shape:
        raise ValueError(f"{what} has shape {shape}; got {value.shape}")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{what} has entries that are not finite numbers")
    return value


def _chain(model):
    from .. import markov

    T = model.latent_transition_matrix("exact")
    return T, markov.stationary_distribution(T)


@exercise("6.1")
def check_6_1(answer) -> tuple[bool, str]:
    """The fundamental matrix Z of the notebook's model, computed from its definition."""
    from .. import markov

    model, _ = _model_and_data()
    T, pi = _chain(model)
    Z = _array(answer, T.shape, "Z")
    if np.allclose(Z, markov.fundamental_matrix(T, pi), rtol=1e-8, atol=1e-10):
        return True, ""
    K = T.shape[0]
    if np.allclose(Z, np.linalg.inv(np.eye(K) - T + np.outer(pi, np.ones(K))), atol=1e-8):
        return False, ("the matrix 1 pi has every ROW equal to pi (a column of ones times the "
                       "row pi): look at the order of the arguments of np.outer")
    return False, ("invert I - T + 1 pi, with T and pi of the notebook's model "
                   "(method='exact') and 1 pi the K x K matrix whose rows are all pi")


@exercise("6.2")
def check_6_2(answer) -> tuple[bool, str]:
    """dL/dc of the notebook's model, computed by enumerating the 512 images."""
    model, X = _model_and_data()
    expected = model.gradient(X, method="exact")["c"]
    value = _array(answer, expected.shape, "dL/dc")
    if np.allclose(value, expected, rtol=1e-6, atol=1e-10):
        return True, ""
    if np.allclose(-value, expected, rtol=1e-6, atol=1e-10):
        return False, "look at the sign of h_k - H(x): the gradient is an ascent direction"
    return False, ("weight each image by sum_z pi_z p(x|z) and sum q(k|x) (h_k - H(x)) over "
                   "the 512 images, with H(x) = sum_k q(k|x) h_k and h = Z (rho / pi)")


def _mean_mc_sigmas(model) -> np.ndarray:
    return np.array([np.mean([model.entropy_production("mc", n_samples=S, seed=r)
                              for r in range(N_SEEDS)]) for S in SAMPLE_SIZES])


@exercise("6.3")
def check_6_3(answer) -> tuple[bool, str]:
    """``{"mean_sigma": 4 means, "floor_ratio": sigma / noise_floor}``."""
    if not isinstance(answer, Mapping) or set(answer) != {"mean_sigma", "floor_ratio"}:
        return False, ('pass a dict with the keys "mean_sigma" (your four means) and '
                       '"floor_ratio" (sigma / noise_floor)')
    model, _ = _model_and_data()
    means = _array(answer["mean_sigma"], (len(SAMPLE_SIZES),), "mean_sigma")
    if not np.allclose(means, _mean_mc_sigmas(model), rtol=1e-6):
        return False, ("mean_sigma: for each S in (3, 10, 100, 1000), in that order, average "
                       "model.entropy_production('mc', n_samples=S, seed=r) over the seeds "
                       f"r = 0, ..., {N_SEEDS - 1}")
    ratio = float(np.asarray(answer["floor_ratio"], dtype=float))
    est = model.entropy_production_with_floor(n_samples=100, seed=0)
    if not (math.isfinite(ratio) and math.isclose(ratio, est.sigma / est.noise_floor,
                                                  rel_tol=1e-6)):
        return False, ("floor_ratio: call model.entropy_production_with_floor(n_samples=100, "
                       "seed=0) and divide its sigma by its noise_floor")
    return True, ""


def _terms_needed(model, X, tolerance: float = TOLERANCE, max_terms: int = 10_000) -> int:
    """Smallest M with ||sum_{m<=M} T^m v - h|| <= tolerance ||h||, v = rho / pi - 1."""
    from .. import markov

    T, pi = _chain(model)
    v = model.responsibilities(X, pi).mean(axis=0) / pi - 1.0
    h = markov.fundamental_matrix(T, pi) @ v
    partial, term = np.zeros_like(v), v.copy()
    for M in range(max_terms):
        partial += term
        if np.linalg.norm(partial - h) <= tolerance * np.linalg.norm(h):
            return M
        term = T @ term
    raise RuntimeError("the series did not converge")  # pragma: no cover - T is irreducible


@exercise("6.4")
def check_6_4(answer) -> tuple[bool, str]:
    """How many terms of h = sum_m T^m (rho/pi - 1) the tied prototype model needs."""
    from ..untying import prototype_model

    value = np.asarray(answer)
    if value.ndim != 0 or value.dtype.kind not in "iu":
        raise ValueError("M is one integer (the index of the last term kept)")
    _, X = _model_and_data()
    expected = _terms_needed(prototype_model(0.0), X)
    if int(value) == expected:
        return True, ""
    if abs(int(value) - expected) == 1:
        return False, ("close: count the terms from m = 0 (h_0 = rho/pi - 1 is the one-step "
                       "rule) and stop at the first M whose partial sum is within 1% of h")
    return False, ("use the tied prototype model untying.prototype_model(0.0) with the "
                   "notebook's data X, v = rho/pi - 1 and partial sums h_M = v + T v + ... + "
                   "T^M v; compare each with h = Z v (Euclidean norms, 1% of ||h||)")
