"""Self-checks for the exercises of notebook 04 (the one-hot RBM and slow mixing).

Each checker recomputes the expected answer with the library and returns ``(ok, hint)``;
the hint says what to look at, never the answer.

Examples
--------
>>> from nelc_edu import checks
>>> checks.check("4.1", [1.0, 1.0, 1.0, 1.0])
Not yet (exercise 4.1): your numbers do not sum to 1: divide by the sum over every image x
and every state z (that sum is the partition function).
False
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import markov
from ..models import LatentChainModel, OneHotRBM
from . import exercise

__all__: list[str] = []

#: Exercise 4.1: the small model whose 2^10 images are listed.
SMALL_MODEL_ARGS = {"K": 4, "N": 10, "scale": 1.0, "seed": 1}
#: Exercise 4.2: the total-variation distance to reach.
TV_TARGET = 0.05
#: Exercise 4.3: tolerance on the own-posterior averages (Monte Carlo, a few thousand images).
OWN_POSTERIOR_ATOL = 0.03


@exercise("4.1")
def latent_marginal_by_enumeration(answer) -> tuple[bool, str]:
    """Exercise 4.1: P(z) of ``OneHotRBM.random(4, 10, scale=1.0, seed=1)`` by brute force."""
    model = OneHotRBM.random(**SMALL_MODEL_ARGS)
    got = np.asarray(answer, dtype=float).ravel()
    if got.shape != (model.K,):
        return False, f"give one probability per latent state ({model.K} numbers)"
    if not np.isclose(got.sum(), 1.0):
        return False, ("your numbers do not sum to 1: divide by the sum over every image x "
                       "and every state z (that sum is the partition function)")
    if np.allclose(got, model.latent_marginal(), atol=1e-9):
        return True, ""
    return False, ("for each z, add up exp(-E(x, z)) over all 1024 images x (sum the "
                   "(1024, K) array over its image axis), then normalise")


def _steps_to_tv(T: np.ndarray, target: float, horizon: int) -> int | None:
    """First t at which the chain started uniform is within TV ``target`` of pi."""
    pi = markov.stationary_distribution(T)
    K = T.shape[0]
    p = markov.distribution_over_time(T, np.full(K, 1.0 / K), horizon)
    below = np.flatnonzero(0.5 * np.abs(p - pi).sum(axis=1) < target)
    return int(below[0]) if below.size else None


@exercise("4.2")
def steps_to_forget(answer) -> tuple[bool, str]:
    """Exercise 4.2: ``(T, steps)``, the first t at which TV(p_t, pi) < 0.05 from uniform p_0."""
    try:
        T, steps = answer
    except (TypeError, ValueError):
        return False, "give a pair (T, steps): the matrix you used and your number of steps"
    T = np.asarray(T, dtype=float)
    if T.ndim != 2 or T.shape[0] != T.shape[1] or not np.allclose(T.sum(axis=1), 1.0):
        return False, "T must be the final transition matrix of the run: square, rows sum to 1"
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        return False, "give the number of steps as a whole number (an int)"
    expected = _steps_to_tv(T, TV_TARGET, max(10 * int(steps), 10_000))
    if expected is None:
        return False, "this chain needs more steps than you tried: iterate further"
    if int(steps) == expected:
        return True, ""
    if int(steps) == expected + 1:
        return False, "count t from 0: p_0 is the uniform start, p_1 = p_0 T after one step"
    if int(steps) == expected - 1:
        return False, "at that t the distance is not yet below 0.05: take the first t below it"
    return False, ("the total-variation distance is half the sum of |p_t(z) - pi_z| over z, "
                   "with p_0 uniform and pi the stationary distribution of the same T")


@exercise("4.3")
def own_posterior(answer) -> tuple[bool, str]:
    """Exercise 4.3: ``(model, own)``, the mean own posterior of each component of ``model``."""
    try:
        model, own = answer
    except (TypeError, ValueError):
        return False, "give a pair (model, own): the model and your K averages"
    if not isinstance(model, LatentChainModel):
        return False, "the first item must be the model (e.g. rbm), the second your averages"
    own = np.asarray(own, dtype=float).ravel()
    if own.shape != (model.K,):
        return False, f"give one average per component ({model.K} numbers)"
    diag = np.diag(model.latent_transition_matrix("mc", n_samples=4000, seed=0))
    if np.allclose(own, diag, atol=OWN_POSTERIOR_ATOL):
        return True, ""
    return False, ("for each component z, draw images x from p(. | z) and average q(z | x) "
                   "for that same z (the column of the component the images came from)")
