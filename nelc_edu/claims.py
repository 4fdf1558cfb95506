"""Claims a notebook states, checked against the output the student sees.

Every conclusion a notebook draws from a computation goes through :func:`claim`: it prints
the sentence with a check mark when the run shows it, and otherwise says so in one line. In
fast mode (``NELC_FAST=1``) a budget may be too small to show something the full run shows;
the notebook then passes ``too_small=`` and the student reads one line saying what the fast
budget cannot show. Under the tests (``NELC_STRICT_CLAIMS=1``, set by the repository's
``conftest.py``) a claim that does not hold, and has no fast-mode excuse, raises
:class:`ClaimNotShown`, so running the notebooks checks every claim they state.

Examples
--------
>>> claim("the chain is reversible", True)
✓ the chain is reversible
True
>>> claim("sigma is zero", False, too_small="the budget is tiny")  # doctest: +SKIP
✗ not shown by this run: sigma is zero
"""

from __future__ import annotations

import os

from ._config import fast_mode

__all__ = ["ClaimNotShown", "claim"]


class ClaimNotShown(AssertionError):
    """A notebook states something its own output does not show."""


def _strict() -> bool:
    return os.environ.get("NELC_STRICT_CLAIMS", "").strip().lower() in {"1", "true", "yes"}


def claim(text: str, holds, *, too_small: str | None = None) -> bool:
    """Print ``text`` with a check mark if ``holds``; otherwise say it is not shown.

    Parameters
    ----------
    text : str
        The sentence, as the notebook states it ("the two-matrix model reaches a higher
        log-likelihood than the PCD-trained RBM").
    holds : bool
        Whether this run's numbers show it.
    too_small : str, optional
        In fast mode, the one line to print instead when the claim does not hold because
        the fast budget is too small ("300 updates are too few for the RBM's chain to
        freeze"). Ignored in full mode.

    Returns
    -------
    bool
        ``holds``.

    Raises
    ------
    ClaimNotShown
        Under ``NELC_STRICT_CLAIMS=1``, when the claim does not hold (in fast mode: and no
        ``too_small`` is given).
    """
    holds = bool(holds)
    if holds:
        print(f"✓ {text}")
        return True
    if fast_mode() and too_small:
        print(f"Fast mode: {too_small} (the full run shows that {text}).")
        return False
    print(f"✗ not shown by this run: {text}")
    if _strict():
        raise ClaimNotShown(f"the notebook states that {text}, but this run does not show it.")
    return False
