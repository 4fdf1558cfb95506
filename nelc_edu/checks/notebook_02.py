"""Self-checks for the exercises of notebook 02 (currents and entropy production).

Each checker recomputes the expected answer with the library and returns ``(ok, hint)``;
the hint says what to look at, never the answer.

Examples
--------
>>> from nelc_edu import checks
>>> checks.check("2.1", lambda n, affinity, p_stay: 0.0)
Not yet (exercise 2.1): for n = 3, A = 1.0, p_stay = 0.0 your function differs from
markov.entropy_production(markov.driven_ring(n, A, p_stay=p_stay)): write p and q from A, n
and p_stay first, then sigma from them.
False
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from .. import markov
from . import exercise

__all__: list[str] = []

#: Exercise 2.1: the rings (n, affinity, p_stay) on which the student's formula is tried.
RING_CASES = ((3, 1.0, 0.0), (5, 4.0, 0.2), (8, -2.5, 0.5), (4, 0.0, 0.3), (6, 12.0, 0.1))
#: Exercise 2.2: the ring of section 4 (n, affinity, p_stay) and the target fraction.
TRAJECTORY_RING, TARGET_FRACTION = (4, 6.0, 0.3), 0.1
#: Exercise 2.3: the chain whose partitions are compared.
LUMPING_CHAIN_SEED, LUMPING_STATES = 0, 6


@exercise("2.1")
def ring_entropy_production(answer) -> tuple[bool, str]:
    """Exercise 2.1: a function ``(n, affinity, p_stay) -> sigma`` of the driven ring."""
    if not callable(answer):
        return False, ("give your formula as a function of (n, affinity, p_stay), e.g. "
                       "def ring_sigma(n, affinity, p_stay): ...")
    for n, affinity, p_stay in RING_CASES:
        expected = markov.entropy_production(markov.driven_ring(n, affinity, p_stay=p_stay))
        got = float(answer(n, affinity, p_stay))
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        case = f"n = {n}, A = {affinity}, p_stay = {p_stay}"
        if math.isclose(got, n * expected, rel_tol=1e-9):
            return False, (f"for {case} your value is n times too large: the ring has a single "
                           "cycle, so sigma = J A with J the current on one edge")
        if expected > 0 and math.isclose(got, -expected, rel_tol=1e-9):
            return False, (f"for {case} your value is negative: sigma is never negative, "
                           "check what happens when the affinity is negative")
        return False, (f"for {case} your function differs from "
                       "markov.entropy_production(markov.driven_ring(n, A, p_stay=p_stay)): "
                       "write p and q from A, n and p_stay first, then sigma from them")
    return True, ""


def _prediction(n: int, affinity: float, p_stay: float, target: float) -> float:
    """Length at which ``n (1 - q/n)^length`` (some edge never crossed back) reaches target."""
    T = markov.driven_ring(n, affinity, p_stay=p_stay)
    q = T[1, 0]                              # one backward step
    return math.log(target / n) / math.log(1 - q / n)


@exercise("2.2")
def length_until_finite(answer) -> tuple[bool, str]:
    """Exercise 2.2: the predicted length at which < 10% of the estimates are still infinite."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return False, "give the predicted trajectory length as one number"
    expected = _prediction(*TRAJECTORY_RING, TARGET_FRACTION)
    if abs(float(answer) - expected) <= 0.1 * expected:
        return True, ""
    return False, ("q is the probability of one backward step, T_ring[i, i - 1] of "
                   "markov.driven_ring(4, 6.0, p_stay=0.3); solve 4 (1 - q/4)^n = 0.1 for n "
                   "(4 edges, each left uncrossed backwards with probability (1 - q/4)^n)")


def _lumped_sigma(T: np.ndarray, labels) -> float:
    return markov.entropy_production(markov.lump(T, list(labels)))


@exercise("2.3")
def best_partition(answer) -> tuple[bool, str]:
    """Exercise 2.3: the partition into 2 or 3 blocks that keeps the largest fraction of sigma."""
    labels = np.asarray(answer)
    if labels.shape != (LUMPING_STATES,) or not np.issubdtype(labels.dtype, np.integer):
        return False, "give one block label (an integer) per state: 6 labels, e.g. [0, 0, 1, ...]"
    n_blocks = len(set(labels.tolist()))
    if n_blocks not in (2, 3):
        return False, f"your partition has {n_blocks} block(s): the exercise asks for 2 or 3"
    T = markov.random_nonreversible_chain(LUMPING_STATES, seed=LUMPING_CHAIN_SEED)
    best = max(_lumped_sigma(T, lab)
               for lab in itertools.product(range(3), repeat=LUMPING_STATES)
               if len(set(lab)) in (2, 3))
    if _lumped_sigma(T, labels) >= best * (1 - 1e-9):
        return True, ""
    return False, ("another partition keeps more of sigma: try every partition into 2 and into "
                   "3 blocks (itertools.product(range(3), repeat=6) lists them all)")
