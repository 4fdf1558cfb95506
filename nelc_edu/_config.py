"""Fast mode: one switch that shrinks every budget in the notebooks and scripts.

Set the environment variable ``NELC_FAST=1`` (the test-suite does) and every notebook runs
the same cells with small budgets. Unset, or ``NELC_FAST=0``, gives the full budgets.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def fast_mode() -> bool:
    """Return True when ``NELC_FAST`` asks for small budgets.

    Examples
    --------
    >>> isinstance(fast_mode(), bool)
    True
    """
    value = os.environ.get("NELC_FAST", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"NELC_FAST={value!r} is not understood; set it to 1 (fast, small budgets) "
        "or 0 (full budgets)."
    )


def budget(fast: T, full: T) -> T:
    """Pick ``fast`` in fast mode and ``full`` otherwise.

    Notebooks write every budget as ``budget(fast=..., full=...)`` so that the same cells
    run in a few seconds under the tests and at full size for students.

    Examples
    --------
    >>> n_steps = budget(fast=100, full=10_000)
    >>> n_steps in (100, 10_000)
    True
    """
    return fast if fast_mode() else full
