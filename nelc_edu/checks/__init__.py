"""Self-checks for the notebooks' exercises: immediate feedback, no solution revealed.

A student who has written an answer calls ``checks.check("5.1", answer)``. The checker
recomputes what the answer should be with the library (never from the solution cell), and
prints either that the answer is right, or what to look at. It never prints the expected
value. The student edition's exercise scaffolds end with the call to make.

Checkers live in one module per notebook (``checks/notebook_05.py`` for exercises 5.x) and
register themselves with :func:`exercise`. A checker takes the answer and returns
``(ok, message)``; the message (what to look at) is shown only when the answer is not right.

Examples
--------
>>> from nelc_edu import checks
>>> # a made-up exercise number, so that no notebook's checker is replaced
>>> @checks.exercise("99.1")
... def _demo(answer):
...     return answer == 42, "count the states of the chain again"
>>> checks.check("99.1", 42)
Right: exercise 99.1 checks out.
True
>>> checks.check("99.1", 41)
Not yet (exercise 99.1): count the states of the chain again.
False
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

__all__ = ["check", "has_check", "exercise", "exercises"]

Checker = Callable[[Any], tuple[bool, str]]
_REGISTRY: dict[str, Checker] = {}
_LOADED = False


def exercise(number: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of exercise ``number`` ("N.M")."""

    def register(fn: Checker) -> Checker:
        _REGISTRY[str(number)] = fn
        return fn

    return register


def _load_all() -> None:
    global _LOADED
    if not _LOADED:
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("notebook_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _LOADED = True


def exercises() -> list[str]:
    """The exercise numbers that have a checker."""
    _load_all()
    return sorted(_REGISTRY, key=lambda n: tuple(int(p) for p in n.split(".")))


def has_check(number: str) -> bool:
    """Whether exercise ``number`` has a checker."""
    _load_all()
    return str(number) in _REGISTRY


def check(number: str, answer: Any) -> bool:
    """Check an answer to exercise ``number`` and print one line of feedback.

    Returns True when the answer is right. An answer of the wrong type or shape gets a
    message saying what was expected (never the expected value).
    """
    _load_all()
    number = str(number)
    if number not in _REGISTRY:
        raise ValueError(f"no self-check for exercise {number!r}; exercises with one: "
                         f"{', '.join(exercises())}.")
    if answer is ... or answer is None:
        print(f"Exercise {number}: replace the ... in the scaffold with your answer first.")
        return False
    try:
        ok, message = _REGISTRY[number](answer)
    except (TypeError, ValueError, IndexError) as exc:
        ok, message = False, f"the answer could not be read ({exc})"
    if ok:
        print(f"Right: exercise {number} checks out.")
    else:
        print(f"Not yet (exercise {number}): {message}.")
    return bool(ok)
