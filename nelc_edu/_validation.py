"""Input checks shared by the whole package.

Every public function validates in Python (clear messages, nothing silently coerced) and
only then hands contiguous arrays of a known dtype to the Numba kernels.
"""

from __future__ import annotations

import numpy as np

#: Default tolerance on row sums of a stochastic matrix.
ROW_SUM_ATOL = 1e-9


def as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a float64 array, refusing NaN/inf and wrong dimensionality."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; got {type(a).__name__} ({exc}).") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); clean the input "
            "(or check the training run that produced it)."
        )
    return arr


def check_stochastic_matrix(T, name: str = "T", atol: float = ROW_SUM_ATOL) -> np.ndarray:
    """Validate a row-stochastic matrix and return it as float64.

    Raises ``ValueError`` naming the broken rule: not square, non-finite entries,
    negative entries, or a row whose sum differs from 1 by more than ``atol``.
    """
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
            "Each row T[i, :] holds P(next = j | now = i) and must sum to 1; "
            "normalise with T / T.sum(axis=1, keepdims=True) if that is what you meant."
        )
    return arr


def check_distribution(p, n: int, name: str = "pi", atol: float = 1e-9) -> np.ndarray:
    """Validate a probability vector of length ``n``."""
    arr = as_float_array(p, name, ndim=1)
    if arr.shape[0] != n:
        raise ValueError(f"{name} must have length {n} to match T; got length {arr.shape[0]}.")
    if np.any(arr < 0):
        raise ValueError(f"{name} has negative entries; a probability vector must be >= 0.")
    if abs(arr.sum() - 1.0) > atol:
        raise ValueError(f"{name} sums to {arr.sum()!r}, not 1 (atol = {atol:g}).")
    return arr


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
