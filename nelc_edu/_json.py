"""The one JSON convention of the package's records: how numbers are written and read back.

Records (``nelc-edu compare --json``, the sweep records, :meth:`TrainingHistory.to_dict`)
are standard JSON, which has no NaN and no infinity. :func:`to_jsonable` writes NumPy
arrays as lists, NumPy scalars as Python numbers, NaN as ``null`` and +-infinity as the
strings ``"inf"`` / ``"-inf"`` (an infinite entropy production is a result, not a missing
value); :func:`number` reads such a value back as a float.

Examples
--------
>>> import numpy as np
>>> to_jsonable({"sigma": np.float64("inf"), "T": np.eye(2), "ll": float("nan")})
{'sigma': 'inf', 'T': [[1.0, 0.0], [0.0, 1.0]], 'll': None}
>>> number("inf"), number(None)
(inf, nan)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["to_jsonable", "number"]


def to_jsonable(value: Any) -> Any:
    """``value`` with arrays, NumPy scalars, NaN and infinities made standard JSON.

    Dicts (keys kept), lists and tuples are converted element by element; anything else is
    returned as it is (``json.dumps`` then decides).

    Examples
    --------
    >>> to_jsonable([np.int64(3), (1.5, -np.inf)])
    [3, [1.5, '-inf']]
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, (np.floating, np.integer, np.bool_)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def number(value: Any) -> float:
    """A number written by :func:`to_jsonable`, as a float (``None`` -> NaN, ``"inf"`` -> inf).

    Examples
    --------
    >>> number(2), number("-inf")
    (2.0, -inf)
    """
    if value is None:
        return math.nan
    return float(value)
