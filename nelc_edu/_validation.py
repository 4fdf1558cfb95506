"""Input checks shared by the whole package.

Every public function validates in Python (clear messages, nothing silently coerced) and
only then hands contiguous arrays of a known dtype to the Numba kernels.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: Default tolerance on row sums of a float64 stochastic matrix (and on a distribution's sum).
ROW_SUM_ATOL = 1e-9

#: Default tolerance for float32 (or float16) input, whose entries carry about 7 significant
#: digits: rows of a float32 matrix normalised in float32 sum to 1 only within ~1e-7. Used
#: for row sums and for the reversibility tests of :mod:`nelc_edu.markov`.
FLOAT32_ATOL = 1e-5


def _refuse_special_containers(a, name: str) -> None:
    """Clear errors for containers that ``np.asarray`` would silently misread."""
    if type(a).__module__.startswith("scipy.sparse"):
        raise ValueError(
            f"{name} is a scipy.sparse {type(a).__name__}; nelc_edu works with dense NumPy "
            f"arrays (its algorithms fill in the zeros anyway): pass {name}.toarray()."
        )
    if isinstance(a, np.ma.MaskedArray) and np.ma.is_masked(a):
        raise ValueError(
            f"{name} is a masked array with masked entries; NumPy would silently use the "
            f"values under the mask. Fill them first, e.g. {name}.filled(0.0)."
        )


def _as_real_array(a, name: str) -> np.ndarray:
    """``np.asarray(a)`` of real numbers (bool, integer or float), or a clear ValueError."""
    _refuse_special_containers(a, name)
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as exc:  # e.g. ragged nested lists
        raise ValueError(
            f"{name} must be a numeric array; got {type(a).__name__} that NumPy cannot turn "
            f"into one ({exc})."
        ) from exc
    kind = arr.dtype.kind
    if kind == "c":
        raise ValueError(
            f"{name} has complex dtype {arr.dtype}; probabilities and parameters are real "
            "numbers. If the imaginary parts are rounding noise, pass the real part (.real)."
        )
    if kind == "O":
        for x in arr.flat:
            if not isinstance(x, numbers.Number) or (
                isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real)
            ):
                raise ValueError(
                    f"{name} must hold real numbers; it contains {x!r} "
                    f"({type(x).__name__})."
                )
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must hold real numbers only ({exc}).") from exc
    elif kind not in "biuf":
        raise ValueError(
            f"{name} must be numeric; got an array of dtype {arr.dtype} ({type(a).__name__})."
        )
    return arr


def as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a float64 array, refusing NaN/inf, complex numbers, strings, scipy
    sparse matrices and wrong dimensionality (never silently coerced)."""
    arr = _as_real_array(a, name).astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); clean the input "
            "(or check the training run that produced it)."
        )
    return arr


#: Largest magnitude accepted for a model parameter. Logits are sums of up to N weights
#: and training squares gradients: below 1e100 all of these stay finite in float64, far
#: beyond any meaningful weight (exp(-750) is already 0 in float64).
MAX_ABS_PARAM = 1e100


def check_param_values(arr: np.ndarray, name: str) -> np.ndarray:
    """Refuse NaN, infinite or absurdly large (> :data:`MAX_ABS_PARAM`) model parameters.

    For the live arrays of a model, which training or an in-place edit may have changed
    since the constructor checked them.
    """
    n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if n_bad:
        raise ValueError(
            f"the model's {name} contains NaN or infinite values ({n_bad} of them): the "
            "parameters were corrupted (a diverged training run, or an in-place edit). Use an "
            "earlier checkpoint or a smaller learning rate."
        )
    largest = float(np.max(np.abs(arr))) if arr.size else 0.0
    if largest > MAX_ABS_PARAM:
        raise ValueError(
            f"the model's {name} has an entry of magnitude {largest:.3g}, above "
            f"{MAX_ABS_PARAM:g}: the model's sums of weights would overflow float64 and give "
            "NaN probabilities. Pass parameters of sensible size (a logit beyond about 750 "
            "already gives a probability of exactly 0 or 1)."
        )
    return arr


def as_param_array(a, name: str, ndim: int) -> np.ndarray:
    """:func:`as_float_array` for a model parameter, with the magnitude check too."""
    return check_param_values(as_float_array(a, name, ndim=ndim), name)


def is_single_precision(a) -> bool:
    """True when ``a`` is a float32 (or float16) array: its default tolerances are looser."""
    dtype = getattr(a, "dtype", None)
    return isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8


def check_tolerance(value, name: str, default: float, data=None) -> float:
    """Validate a tolerance: a finite real number ``>= 0``, or None for ``default``.

    With ``value=None`` and ``data`` a float32 (or float16) array, the default is raised to
    at least :data:`FLOAT32_ATOL`. A NaN, an infinity, a negative number, a bool or a
    non-number raises ``ValueError`` naming the parameter.

    Examples
    --------
    >>> check_tolerance(None, "atol", 1e-9)
    1e-09
    >>> check_tolerance(None, "atol", 1e-9, data=np.zeros(2, dtype=np.float32))
    1e-05
    >>> check_tolerance(float("nan"), "atol", 1e-9)
    Traceback (most recent call last):
    ...
    ValueError: atol must be a finite number >= 0 (or None for the default 1e-09); got nan.
    """
    if value is None:
        return max(default, FLOAT32_ATOL) if is_single_precision(data) else float(default)
    ok_type = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if not ok_type or not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"{name} must be a finite number >= 0 (or None for the default {default:g}); "
            f"got {value!r}."
        )
    return float(value)


def check_stochastic_matrix(T, name: str = "T", atol: float | None = None) -> np.ndarray:
    """Validate a row-stochastic matrix and return it as float64.

    Raises ``ValueError`` naming the broken rule: not a real 2-D array, not square,
    non-finite entries, negative entries, or a row whose sum differs from 1 by more than
    ``atol``. ``atol=None`` means :data:`ROW_SUM_ATOL` (1e-9), or :data:`FLOAT32_ATOL`
    (1e-5) for a float32 matrix (whose rows, normalised in float32, sum to 1 within ~1e-7);
    the result is float64 either way.
    """
    atol = check_tolerance(atol, "atol", ROW_SUM_ATOL, data=T)
    arr = as_float_array(T, name, ndim=2)
    n, m = arr.shape
    if n != m:
        raise ValueError(f"{name} must be square (n x n); got shape {arr.shape}.")
    if n < 1:
        raise ValueError(f"{name} is empty; a Markov chain needs at least one state.")
    if np.any(arr < 0):
        i, j = np.argwhere(arr < 0)[0]
        raise ValueError(
            f"{name} has negative entries, e.g. {name}[{i}, {j}] = {arr[i, j]:.3g}; "
            "transition probabilities must be >= 0."
        )
    sums = arr.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > atol)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name} is not row-stochastic: row {i} sums to {sums[i]!r} "
            f"(|sum - 1| > atol = {atol:g}; {bad.size} bad row(s)). "
            "Each row T[i, :] holds P(next = j | now = i) and must sum to 1. If that is what "
            "you meant, normalise in float64: T = np.asarray(T, dtype=float); "
            "T = T / T.sum(axis=1, keepdims=True)."
        )
    return arr


def check_distribution(p, n: int, name: str = "pi", atol: float | None = None) -> np.ndarray:
    """Validate a probability vector of length ``n`` (``atol`` on its sum, as for rows)."""
    atol = check_tolerance(atol, "atol", ROW_SUM_ATOL, data=p)
    arr = as_float_array(p, name, ndim=1)
    if arr.shape[0] != n:
        raise ValueError(f"{name} must have length {n} to match T; got length {arr.shape[0]}.")
    if np.any(arr < 0):
        raise ValueError(f"{name} has negative entries; a probability vector must be >= 0.")
    if abs(arr.sum() - 1.0) > atol:
        raise ValueError(f"{name} sums to {arr.sum()!r}, not 1 (atol = {atol:g}).")
    return arr


def is_int(x) -> bool:
    """True for a Python or NumPy integer, False for bools and everything else."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_state(s, n: int, name: str) -> int:
    """Validate one state: an integer (not a bool, not a float) in ``0 .. n-1``."""
    if not is_int(s):
        raise ValueError(
            f"{name} must hold integer states 0..{n - 1}; got {s!r} ({type(s).__name__}). "
            "Floats are not truncated and True/False are not taken as 1/0."
        )
    if not 0 <= s < n:
        raise ValueError(f"{name} contains state {s}, out of range 0..{n - 1}.")
    return int(s)


def check_state_list(states, n: int, name: str) -> list[int]:
    """Validate a sequence of states (list, tuple, range or integer array) in ``0 .. n-1``."""
    if isinstance(states, np.ndarray):
        if states.ndim != 1 or states.dtype.kind not in "iu":
            raise ValueError(
                f"{name} must be a 1-D sequence of integer states 0..{n - 1}; got an array "
                f"of dtype {states.dtype} and shape {states.shape}."
            )
        bad = states[(states < 0) | (states >= n)]
        if bad.size:
            raise ValueError(f"{name} contains state {bad[0]}, out of range 0..{n - 1}.")
        return states.tolist()
    if isinstance(states, (str, bytes)) or not isinstance(states, (list, tuple, range)):
        raise ValueError(
            f"{name} must be a list of integer states 0..{n - 1}, e.g. [0, 1, 2]; "
            f"got {type(states).__name__} {states!r}."
        )
    return [check_state(s, n, name) for s in states]


def check_binary_data(X, name: str = "X", n_features: int | None = None) -> np.ndarray:
    """Validate a binary data matrix (n_samples, n_features) and return it as uint8.

    Accepts bool, integer or float arrays whose entries are exactly 0 or 1. Anything
    else (NaN, grey levels, wrong shape) raises ``ValueError`` saying what was found.
    """
    arr = np.asarray(X)
    if arr.dtype == object:
        raise ValueError(f"{name} has dtype object; pass a numeric array of 0s and 1s.")
    if arr.ndim == 1 and n_features is not None and arr.shape[0] == n_features:
        raise ValueError(
            f"{name} is 1-dimensional with shape {arr.shape}; pass a 2-D array "
            f"(n_samples, {n_features}), e.g. {name}[None, :] for a single example."
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-dimensional (n_samples, n_features); got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows; pass at least one example.")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features per example but the model has "
            f"N = {n_features} visible units."
        )
    if arr.dtype.kind == "f":
        n_nan = int(np.count_nonzero(~np.isfinite(arr)))
        if n_nan:
            raise ValueError(f"{name} contains {n_nan} NaN or infinite value(s); data must be 0/1.")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} has dtype {arr.dtype}; pass a numeric array of 0s and 1s.")
    if arr.dtype.kind in "ui":  # one pass, no temporaries (this runs once per minibatch)
        binary = arr.max() <= 1 and (arr.dtype.kind == "u" or arr.min() >= 0)
    else:
        binary = arr.dtype.kind == "b" or not np.any((arr != 0) & (arr != 1))
    if not binary:
        vals = np.unique(arr[(arr != 0) & (arr != 1)])[:5]
        raise ValueError(
            f"{name} is not binary: found value(s) {vals.tolist()} besides 0 and 1. "
            "Binarize first, e.g. (X >= threshold).astype(np.uint8)."
        )
    return np.ascontiguousarray(arr, dtype=np.uint8)


def check_n_latent(K) -> int:
    """Validate the number of latent states (K >= 2)."""
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)):
        raise ValueError(f"K (number of latent states) must be an integer; got {K!r}.")
    if K < 2:
        raise ValueError(
            f"K = {K}: a latent chain needs at least 2 states (K >= 2) to have any dynamics."
        )
    return int(K)


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Validate an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)
