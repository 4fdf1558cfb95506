"""Self-checks for the exercises of notebook 00 (start here).

Each checker recomputes the expected answer with the library and returns ``(ok, hint)``;
the hint says what to look at, never the answer.

Examples
--------
>>> from nelc_edu import checks
>>> checks.check("0.1", 2)
Not yet (exercise 0.1): compute |P(X_t = 0) - pi_0| for t = 0, 1, 2, ... (the formula, or
markov.distribution_over_time) and take the first t at which it is below 1e-3.
False
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import markov
from . import exercise

__all__: list[str] = []

#: Exercise 0.1: the two-state chain (a, b) and the tolerance on |P(X_t = 0) - pi_0|.
RATE_A, RATE_B, TOLERANCE = 0.3, 0.1, 1e-3


def _steps_below(T: np.ndarray, state: int, tol: float, horizon: int = 10_000) -> int:
    """First t at which |P(X_t = state) - pi_state| < tol, starting in ``state``."""
    pi = markov.stationary_distribution(T)
    p = markov.distribution_over_time(T, state, horizon)
    below = np.flatnonzero(np.abs(p[:, state] - pi[state]) < tol)
    return int(below[0])


@exercise("0.1")
def steps_to_settle(answer) -> tuple[bool, str]:
    """Exercise 0.1: steps until P(X_t = 0) is within 1e-3 of pi_0 (a = 0.3, b = 0.1)."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return False, "give the number of steps as a whole number (an int)"
    T = np.array([[1 - RATE_A, RATE_A], [RATE_B, 1 - RATE_B]])
    expected = _steps_below(T, 0, TOLERANCE)
    steps = int(answer)
    if steps == expected:
        return True, ""
    if steps == expected - 1:
        return False, ("at that t the difference is still above 1e-3: you need the first t "
                       "at which it is *below* (round up)")
    return False, ("compute |P(X_t = 0) - pi_0| for t = 0, 1, 2, ... (the formula, or "
                   "markov.distribution_over_time) and take the first t at which it is below 1e-3")
