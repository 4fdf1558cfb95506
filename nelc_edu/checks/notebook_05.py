"""Self-checks for notebook 05 (breaking detailed balance): exercises 5.1 to 5.4.

Each checker rebuilds the notebook's model with :mod:`nelc_edu.untying` or
:class:`~nelc_edu.models.TwoMatrixModel`, computes the expected answer exactly (enumeration
of the 2^N images), and compares. The hints say what to look at, never the value.

Examples
--------
>>> from nelc_edu import checks
>>> from nelc_edu.untying import prototype_model
>>> checks.check("5.3", prototype_model(1.0).path_entropy_production("exact"))
Right: exercise 5.3 checks out.
True
>>> checks.check("5.3", 1.0)
Not yet (exercise 5.3): ...
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import exercise

__all__: list[str] = []

#: Below this an exact entropy production is rounding noise of a zero.
_ROUNDING = 1e-12
_RTOL = 1e-6


def _close(answer: float, expected: float, rtol: float = _RTOL) -> bool:
    return math.isfinite(answer) and abs(answer - expected) <= rtol * max(abs(expected), 1e-300)


def _number(answer, what: str) -> float:
    value = np.asarray(answer, dtype=float)
    if value.ndim != 0:
        raise ValueError(f"{what} is one number; got an array of shape {value.shape}")
    return float(value)


def _tied():
    from ..untying import prototype_model

    return prototype_model(0.0)


def _reversible_untied():
    from ..models import TwoMatrixModel

    return TwoMatrixModel.reversible_untied(4, 3, encoder_scale=2.0, decoder_scale=2.0, seed=0)


def _with_decoder_entry(model, index: tuple[int, int], delta: float):
    """``model`` with ``delta`` added to the single decoder entry ``U[index]``."""
    from ..models import TwoMatrixModel

    params = model.params()
    U = params["U"].copy()
    U[index] += delta
    return TwoMatrixModel(params["W"], params["c"], U, params["b"])


@exercise("5.1")
def check_5_1(answer) -> tuple[bool, str]:
    """``{"c": sigma, "b": sigma, "U": sigma}``: the latent entropy production of each change."""
    if not isinstance(answer, Mapping) or set(answer) != {"c", "b", "U"}:
        return False, ('pass a dict with the keys "c", "b" and "U", each the latent entropy '
                       "production (method='exact') of the model with that change")
    sig = {k: _number(answer[k], f"sigma for the change of {k}") for k in ("c", "b", "U")}
    for key, what in (("c", "one entry of the encoder bias c"),
                      ("b", "every entry of the visible bias b")):
        if not (math.isfinite(sig[key]) and sig[key] >= 0):
            return False, f"an entropy production is a finite number >= 0 (look at {key!r})"
        if sig[key] > _ROUNDING:
            return False, (f"your sigma for the change of {what} is above rounding level: "
                           "change only that parameter, keep U = W.T, and use method='exact'")
    expected = _with_decoder_entry(_tied(), (4, 0), 1.0).entropy_production("exact")
    if not _close(sig["U"], expected):
        if sig["U"] <= _ROUNDING:
            return False, ("with U[4, 0] changed the decoder is no longer W.T: check that the "
                           "model you measured was built with the modified U")
        return False, ("your sigma for the change of U does not match: add 1 to the single "
                       "entry U[4, 0] of the tied model (a copy of U), keep W, c and b, and "
                       "use method='exact'")
    return True, ""


@exercise("5.2")
def check_5_2(answer) -> tuple[bool, str]:
    """The affinity of the cycle 0 -> 1 -> 2 -> 3 -> 0 of the latent clock."""
    from .. import markov
    from ..untying import prototype_model

    value = _number(answer, "the affinity")
    T = prototype_model(1.0, decoder="shifted").latent_transition_matrix("exact")
    expected = markov.cycle_affinity(T, [0, 1, 2, 3])
    if _close(value, expected):
        return True, ""
    if _close(-value, expected):
        return False, ("look at the direction: the forward transitions 0->1, 1->2, 2->3, 3->0 "
                       "go in the numerator")
    return False, ("use the exact T of prototype_model(1.0, decoder=\"shifted\") and the "
                   "natural logarithm of (product of the forward transitions) / (product of "
                   "the backward ones) along 0 -> 1 -> 2 -> 3 -> 0")


@exercise("5.3")
def check_5_3(answer) -> tuple[bool, str]:
    """The path entropy production of the prototype model at a = 1 (random decoder)."""
    from ..untying import prototype_model

    value = _number(answer, "the path entropy production")
    model = prototype_model(1.0)
    expected = model.path_entropy_production("exact")
    if _close(value, expected):
        return True, ""
    if _close(value, model.entropy_production("exact"), rtol=1e-3):
        return False, ("that is the latent entropy production: keep the image x in the "
                       "triple and sum over all 512 images as well")
    return False, ("sum P(z, x, z') log(P(z, x, z') / P(z', x, z)) over z, all 512 images x "
                   "and z', with P(z, x, z') = pi_z p(x|z) q(z'|x): in the reversed triple the "
                   "image stays, only z and z' swap")


@exercise("5.4")
def check_5_4(answer) -> tuple[bool, str]:
    """The log-log slope of sigma against delta (U[0, 0] of the reversible untied model)."""
    value = _number(answer, "the slope")
    rev = _reversible_untied()
    small, large = (_with_decoder_entry(rev, (0, 0), d).entropy_production("exact")
                    for d in (0.01, 0.1))
    expected = math.log(large / small) / math.log(0.1 / 0.01)
    if _close(value, expected, rtol=1e-4):
        return True, ""
    return False, ("the slope is log(sigma(0.1) / sigma(0.01)) / log(0.1 / 0.01), with sigma "
                   "the exact latent entropy production of the reversible model after adding "
                   "delta to U[0, 0] only (start from an unchanged copy each time)")
