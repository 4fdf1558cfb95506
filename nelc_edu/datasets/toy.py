"""Toy binary datasets small enough for exact enumeration (generated in code).

* :func:`bars_and_stripes` -- the classic test set of MacKay (2003) and of many RBM papers:
  on an ``n x n`` grid, either every row is all-on or all-off ("stripes"), or every column is
  ("bars"). There are ``2**n`` row patterns and ``2**n`` column patterns; the empty and the
  full grid are both, so there are ``2**(n + 1) - 2`` distinct patterns.
* :func:`noisy_prototypes` -- a Bernoulli mixture: pick a prototype, flip each pixel with
  probability ``flip_prob``. This is exactly the family a one-hot RBM or two-matrix model
  represents (``docs/theory.md``, section 3), and :func:`prototype_log_prob` gives the exact
  log-likelihood of the generating distribution, a ceiling for any fitted model.
* :func:`patterns_3x3` -- :func:`noisy_prototypes` with four 3x3 prototypes
  (:data:`PROTOTYPES_3X3`): N = 9 visible units, 512 states, everything enumerable.

Examples
--------
>>> from nelc_edu.datasets.toy import bars_and_stripes, patterns_3x3
>>> bars_and_stripes(3).shape
(14, 9)
>>> X, y = patterns_3x3(n_samples=100, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((100, 9), [0, 1, 2, 3])
"""

from __future__ import annotations

import numpy as np

from .._rng import as_generator
from .._validation import check_binary_data, check_distribution, check_positive_int

__all__ = [
    "bars_and_stripes",
    "noisy_prototypes",
    "patterns_3x3",
    "prototype_log_prob",
    "PROTOTYPES_3X3",
    "PROTOTYPE_NAMES_3X3",
]

#: Names of the rows of :data:`PROTOTYPES_3X3`.
PROTOTYPE_NAMES_3X3 = ("plus", "cross", "ring", "tee")

#: Four 3x3 prototypes (rows are flattened row-major images), pairwise Hamming distance >= 4.
PROTOTYPES_3X3 = np.array(
    [
        [0, 1, 0, 1, 1, 1, 0, 1, 0],  # plus
        [1, 0, 1, 0, 1, 0, 1, 0, 1],  # cross (an X)
        [1, 1, 1, 1, 0, 1, 1, 1, 1],  # ring
        [1, 1, 1, 0, 1, 0, 0, 1, 0],  # tee (a T)
    ],
    dtype=np.uint8,
)
PROTOTYPES_3X3.setflags(write=False)

_MAX_BAS_SIDE = 16


def bars_and_stripes(n: int = 3) -> np.ndarray:
    """All distinct bars-and-stripes patterns on an ``n x n`` grid.

    A pattern is either "stripes" (each row entirely on or entirely off) or "bars"
    (each column entirely on or off). The empty and the full grid are both, so the number
    of distinct patterns is ``2**(n + 1) - 2``.

    Parameters
    ----------
    n : int, 1 <= n <= 16
        Side of the grid; the patterns have ``n * n`` pixels.

    Returns
    -------
    X : ndarray of uint8, shape (2**(n + 1) - 2, n * n)
        Unique patterns, flattened row-major, in lexicographic order.

    Examples
    --------
    >>> X = bars_and_stripes(2)
    >>> X.tolist()
    [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]
    >>> len(bars_and_stripes(4)) == 2 ** 5 - 2
    True
    """
    n = check_positive_int(n, "n")
    if n > _MAX_BAS_SIDE:
        raise ValueError(
            f"n = {n} would give 2**{n + 1} - 2 patterns of {n * n} pixels; "
            f"use n <= {_MAX_BAS_SIDE}."
        )
    codes = np.arange(2**n, dtype=np.int64)
    on = ((codes[:, None] >> np.arange(n)[None, :]) & 1).astype(np.uint8)  # (2**n, n)
    stripes = np.repeat(on[:, :, None], n, axis=2).reshape(2**n, n * n)  # rows constant
    bars = np.repeat(on[:, None, :], n, axis=1).reshape(2**n, n * n)  # columns constant
    return np.unique(np.concatenate([stripes, bars]), axis=0)


def noisy_prototypes(
    prototypes,
    n_samples: int,
    flip_prob: float = 0.1,
    weights=None,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample a Bernoulli mixture: a random prototype with each pixel flipped independently.

    Parameters
    ----------
    prototypes : array_like of 0/1, shape (K, N)
        The mixture centres.
    n_samples : int
        Number of examples to draw.
    flip_prob : float in [0, 1)
        Probability that each pixel is flipped.
    weights : array_like, shape (K,), optional
        Mixture weights (a probability vector); uniform by default.
    seed : int, Generator or None
        Same seed, same data.

    Returns
    -------
    X : ndarray of uint8, shape (n_samples, N)
    y : ndarray of int64, shape (n_samples,)
        Index of the prototype each example was drawn from.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = noisy_prototypes([[1, 1, 0], [0, 0, 1]], n_samples=4, flip_prob=0.0, seed=3)
    >>> bool(np.all(X == np.array([[1, 1, 0], [0, 0, 1]])[y]))
    True
    """
    P = check_binary_data(prototypes, name="prototypes")
    n_samples = check_positive_int(n_samples, "n_samples")
    flip_prob = _check_flip_prob(flip_prob)
    K = P.shape[0]
    w = np.full(K, 1.0 / K) if weights is None else check_distribution(weights, K, "weights")
    rng = as_generator(seed)
    y = rng.choice(K, size=n_samples, p=w).astype(np.int64)
    flips = (rng.random((n_samples, P.shape[1])) < flip_prob).astype(np.uint8)
    return P[y] ^ flips, y


def patterns_3x3(
    n_samples: int = 500,
    flip_prob: float = 0.1,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of the four 3x3 prototypes :data:`PROTOTYPES_3X3` (N = 9, K = 4).

    With 2**9 = 512 visible states, every quantity of a model trained on this set (the
    likelihood, the latent transition matrix, the entropy production) can be computed
    exactly by enumeration. The exact log-likelihood of the generating mixture is
    ``prototype_log_prob(X, PROTOTYPES_3X3, flip_prob).mean()``.

    Parameters
    ----------
    n_samples : int
        Number of examples (default 500).
    flip_prob : float in [0, 1)
        Per-pixel flip probability (default 0.1).
    seed : int, Generator or None

    Returns
    -------
    X : ndarray of uint8, shape (n_samples, 9)
    y : ndarray of int64, shape (n_samples,)
        Which prototype (0 plus, 1 cross, 2 ring, 3 tee) each example came from.

    Examples
    --------
    >>> X, y = patterns_3x3(n_samples=5, flip_prob=0.0, seed=0)
    >>> X[0].reshape(3, 3).tolist() == PROTOTYPES_3X3[y[0]].reshape(3, 3).tolist()
    True
    """
    return noisy_prototypes(PROTOTYPES_3X3, n_samples, flip_prob=flip_prob, seed=seed)


def prototype_log_prob(X, prototypes, flip_prob: float, weights=None) -> np.ndarray:
    """Exact log-probability (nats) of each row of ``X`` under the noisy-prototype mixture.

    ``log p(x) = log sum_k w_k f**d_k (1 - f)**(N - d_k)``, with ``d_k`` the Hamming
    distance from ``x`` to prototype ``k`` and ``f = flip_prob``; computed in log space.

    Parameters
    ----------
    X : array_like of 0/1, shape (n_samples, N)
    prototypes : array_like of 0/1, shape (K, N)
    flip_prob : float in [0, 1)
    weights : array_like, shape (K,), optional
        Mixture weights; uniform by default.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        ``-inf`` where a row cannot occur (only possible with ``flip_prob = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3
    >>> X = np.array([[int(b) for b in np.binary_repr(s, 9)] for s in range(512)])
    >>> p = np.exp(prototype_log_prob(X, PROTOTYPES_3X3, 0.1))
    >>> round(float(p.sum()), 12)
    1.0
    """
    P = check_binary_data(prototypes, name="prototypes")
    X = check_binary_data(X, name="X", n_features=P.shape[1])
    flip_prob = _check_flip_prob(flip_prob)
    K, N = P.shape
    w = np.full(K, 1.0 / K) if weights is None else check_distribution(weights, K, "weights")
    d = (X[:, None, :] != P[None, :, :]).sum(axis=2).astype(np.float64)  # (n, K)
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
        if flip_prob == 0.0:
            log_comp = np.where(d == 0, 0.0, -np.inf)
        else:
            log_comp = d * np.log(flip_prob) + (N - d) * np.log1p(-flip_prob)
    a = log_comp + log_w[None, :]
    m = a.max(axis=1)
    finite = np.isfinite(m)
    out = np.full(X.shape[0], -np.inf)
    out[finite] = m[finite] + np.log(np.exp(a[finite] - m[finite, None]).sum(axis=1))
    return out


def _check_flip_prob(flip_prob) -> float:
    if isinstance(flip_prob, bool) or not isinstance(flip_prob, (float, int, np.floating)):
        raise ValueError(f"flip_prob must be a number in [0, 1); got {flip_prob!r}.")
    f = float(flip_prob)
    if not 0.0 <= f < 1.0:
        raise ValueError(f"flip_prob must lie in [0, 1); got {flip_prob}.")
    return f
