"""Self-checks for the exercises of notebook 01 (Markov chains and detailed balance).

Each checker recomputes the expected answer with the library (or an independent formula)
and returns ``(ok, hint)``; the hint says what to look at, never the answer.

Examples
--------
>>> import numpy as np
>>> from nelc_edu import checks
>>> checks.check("1.1", np.full((3, 3), 1 / 3))
Not yet (exercise 1.1): this chain is reversible (the flow i -> j equals the flow j -> i for
every pair); for a doubly stochastic T, make some T[i, j] differ from T[j, i].
False
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import markov
from . import exercise

__all__: list[str] = []

#: Exercise 1.2: the numbers of states of the complete graphs.
CYCLE_SIZES = (3, 4, 5, 6, 7)
#: Exercise 1.3: the driven rings (n, affinity, p_stay), in the order of the exercise.
PERIOD_RINGS = ((5, 1.0, 0.0), (6, 1.0, 0.0), (6, 1.0, 0.1), (5, math.inf, 0.0))


def _matrix(answer, shape: tuple[int, int]) -> np.ndarray | None:
    arr = np.asarray(answer, dtype=float)
    return arr if arr.shape == shape else None


@exercise("1.1")
def uniform_but_irreversible(answer) -> tuple[bool, str]:
    """Exercise 1.1: a 3-state chain with uniform pi that is not reversible."""
    T = _matrix(answer, (3, 3))
    if T is None:
        return False, "a chain on 3 states is a 3 x 3 matrix T[i, j] = P(next = j | now = i)"
    if (T < 0).any() or not np.allclose(T.sum(axis=1), 1.0):
        return False, "every row of T must be a probability distribution (non-negative, sum 1)"
    try:
        pi = markov.stationary_distribution(T)
    except ValueError:
        return False, "this chain has no unique stationary distribution: make it irreducible"
    if not np.allclose(pi, 1 / 3, atol=1e-9):
        return False, ("its stationary distribution is not uniform: make the columns of T sum "
                       "to 1 as well (a doubly stochastic matrix)")
    if markov.is_reversible(T):
        return False, ("this chain is reversible (the flow i -> j equals the flow j -> i for "
                       "every pair); for a doubly stochastic T, make some T[i, j] differ from "
                       "T[j, i]")
    return True, ""


def _simple_cycles_complete_digraph(n: int) -> int:
    """Directed simple cycles of length >= 3 of the complete digraph on n nodes.

    A cycle through k chosen nodes can be arranged in (k - 1)! ways: sum over k of
    C(n, k) (k - 1)!.
    """
    return sum(math.comb(n, k) * math.factorial(k - 1) for k in range(3, n + 1))


@exercise("1.2")
def simple_cycle_counts(answer) -> tuple[bool, str]:
    """Exercise 1.2: the numbers of simple cycles (length >= 3) for K = 3, ..., 7."""
    counts = np.asarray(answer)
    if counts.shape != (len(CYCLE_SIZES),):
        return False, "give one count for each K = 3, 4, 5, 6, 7 (a list of 5 numbers)"
    expected = np.array([_simple_cycles_complete_digraph(n) for n in CYCLE_SIZES])
    if np.array_equal(counts, expected):
        return True, ""
    two_cycles = np.array([n * (n - 1) // 2 for n in CYCLE_SIZES])
    if np.array_equal(counts, expected + two_cycles):
        return False, ("you also counted the 2-cycles i -> j -> i: keep only cycles of length "
                       "3 or more")
    return False, ("count the directed simple cycles of the complete graph on K states "
                   "(networkx.simple_cycles on nx.complete_graph(K, create_using=nx.DiGraph)) "
                   "and keep those of length 3 or more")


@exercise("1.3")
def ring_periods(answer) -> tuple[bool, str]:
    """Exercise 1.3: the periods of four driven rings, in the order of the exercise."""
    periods = list(answer) if not isinstance(answer, (str, bytes)) else []
    if len(periods) != len(PERIOD_RINGS) or not all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in periods):
        return False, "give the four periods as whole numbers, in the order of the exercise"
    for (n, affinity, p_stay), got in zip(PERIOD_RINGS, periods, strict=True):
        if int(got) != markov.period(markov.driven_ring(n, affinity, p_stay=p_stay)):
            return False, (f"the ring with n = {n}, A = {affinity}, p_stay = {p_stay} has "
                           "another period: list the lengths of the returns to one state that "
                           "it allows, and take their greatest common divisor")
    return True, ""
