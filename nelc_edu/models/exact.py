"""Exact enumeration helpers and log-space numerics for the latent-chain models.

Small models (N <= :data:`N_MAX_EXACT` visible units) are evaluated exactly by summing over
all 2^N visible states (``docs/theory.md``, section 6). The sums are done in chunks, so the
memory stays bounded, and in log space, so nothing underflows.

Examples
--------
>>> import numpy as np
>>> all_binary_states(2)
array([[0, 0],
       [0, 1],
       [1, 0],
       [1, 1]], dtype=uint8)
>>> round(float(logsumexp(np.log([0.25, 0.75]))), 12)
0.0
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: Largest number of visible units for which ``method="exact"`` enumerates the 2^N states.
N_MAX_EXACT = 20

#: Work-array budget (number of float64 entries) of one chunk of an enumeration.
_CHUNK_ENTRIES = 1 << 22


def check_exact_size(N: int, what: str = "method='exact'") -> None:
    """Refuse exact enumeration above :data:`N_MAX_EXACT` visible units, naming the alternative.

    Examples
    --------
    >>> check_exact_size(8)
    >>> check_exact_size(64)
    Traceback (most recent call last):
    ...
    ValueError: method='exact' enumerates all 2^N visible states, but N = 64 > N_MAX_EXACT = 20 ...
    """
    if N > N_MAX_EXACT:
        raise ValueError(
            f"{what} enumerates all 2^N visible states, but N = {N} > N_MAX_EXACT = "
            f"{N_MAX_EXACT} (2^{N} states is too many). Use method='mc' (stratified Monte "
            "Carlo, with n_samples and seed) instead."
        )


def all_binary_states(N: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """All binary vectors of length ``N`` (rows ``start:stop`` of the full list), as uint8.

    Row ``i`` is the binary expansion of ``i`` with the most significant bit first, so the
    rows are in lexicographic order.

    Parameters
    ----------
    N : int
        Number of visible units (at most :data:`N_MAX_EXACT`).
    start, stop : int, optional
        Return only rows ``start`` to ``stop - 1`` (for chunked enumeration).

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (stop - start, N).

    Examples
    --------
    >>> all_binary_states(3).shape
    (8, 3)
    >>> all_binary_states(3, start=5, stop=6)
    array([[1, 0, 1]], dtype=uint8)
    """
    check_exact_size(N, "all_binary_states")
    total = 1 << N
    stop = total if stop is None else min(int(stop), total)
    idx = np.arange(start, stop, dtype=np.int64)
    shifts = np.arange(N - 1, -1, -1, dtype=np.int64)
    return np.ascontiguousarray(((idx[:, None] >> shifts[None, :]) & 1).astype(np.uint8))


def binary_state_chunks(n: int, width: int) -> Iterator[np.ndarray]:
    """All ``2**n`` binary states of length ``n`` in :func:`all_binary_states` order, in chunks.

    Each chunk has at most ``_CHUNK_ENTRIES // width`` rows, so that the caller's work
    arrays of shape (chunk, width) stay within a fixed memory budget (32 MB of float64).

    Examples
    --------
    >>> [S.shape for S in binary_state_chunks(3, width=(1 << 22) // 4)]
    [(4, 3), (4, 3)]
    """
    check_exact_size(n, "enumeration")
    chunk = max(1, _CHUNK_ENTRIES // max(1, width))
    for start in range(0, 1 << n, chunk):
        yield all_binary_states(n, start, start + chunk)


def logsumexp(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis``, stable, and silent when every entry is ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> float(logsumexp(np.array([-np.inf, -np.inf])))
    -inf
    >>> round(float(logsumexp(np.array([1000.0, 1000.0]))) - 1000.0, 6)  # log 2
    0.693147
    """
    a = np.asarray(a, dtype=np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    if axis is None:
        return out.reshape(())[()]
    return np.squeeze(out, axis=axis)


def softplus(a: np.ndarray) -> np.ndarray:
    """``log(1 + exp(a))``, stable for any finite ``a``."""
    return np.logaddexp(0.0, np.asarray(a, dtype=np.float64))


def log_sigmoid(a: np.ndarray) -> np.ndarray:
    """``log(sigmoid(a)) = -log(1 + exp(-a))``, stable for any finite ``a``."""
    return -softplus(-np.asarray(a, dtype=np.float64))


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function, computed as ``exp(log_sigmoid(a))`` (no overflow warnings)."""
    return np.exp(log_sigmoid(a))


def log_bernoulli_rows(X: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """``log prod_i Bernoulli(x_i; sigmoid(logits[i, z]))`` for every row x of X and column z.

    Uses ``log p(x|z) = x . a_z - sum_i log(1 + exp(a_iz))`` (a = logits), which needs no
    log of a probability and so never produces ``-inf`` for finite logits.

    Parameters
    ----------
    X : uint8 array (n, N)
    logits : float array (N, K)

    Returns
    -------
    float64 array (n, K)
    """
    return np.asarray(X, dtype=np.float64) @ logits - softplus(logits).sum(axis=0)[None, :]


def log_softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise ``log softmax`` of a (n, K) array."""
    return logits - logsumexp(logits, axis=1)[:, None]


class Enumeration:
    """All 2^N visible states with their decoder weights, re-iterable in chunks.

    Iterating yields ``(X, log_w)`` with X a uint8 chunk (m, N) of the states and
    ``log_w[m, z] = log p(x_m | z)``, so that ``sum_m exp(log_w[m, z]) f(x_m)`` is the exact
    expectation ``E_{x ~ p(.|z)}[f(x)]``. The Monte Carlo counterpart is
    :func:`nelc_edu.models.estimators.component_samples`.

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
    >>> total = sum(np.exp(log_w).sum(axis=0) for X, log_w in Enumeration(model))
    >>> np.allclose(total, 1.0)
    True
    """

    def __init__(self, model) -> None:
        check_exact_size(model.N)
        self.model = model

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        model = self.model
        for X in binary_state_chunks(model.N, width=max(model.K * model.K, model.N)):
            yield X, model.log_decoder(X)
