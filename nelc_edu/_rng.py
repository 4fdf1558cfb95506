"""Seeding, and the counter-based generator shared by both backends.

Two kinds of randomness live in the package:

* Python/NumPy code takes ``seed`` (an int, ``None`` or a ``numpy.random.Generator``) and
  turns it into a ``Generator`` with :func:`as_generator`.
* The samplers use **splitmix64 on a counter**: draw number ``t`` of stream ``key`` is
  ``splitmix64(key + t * GAMMA)``, mapped to a double in [0, 1). A stream per chain makes the
  numbers independent of the order in which chains are run. The NumPy functions below and
  their Numba twins (:mod:`nelc_edu._rng_numba`) produce exactly the same numbers, so the
  two backends draw the same random numbers and the tests compare them number for number.

Examples
--------
>>> import numpy as np
>>> u = uniforms(stream_keys(seed=1, n_streams=2), np.arange(3, dtype=np.uint64))
>>> u.shape
(2, 3)
>>> bool(np.all((0 <= u) & (u < 1)))
True
"""

from __future__ import annotations

import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

SeedLike = "int | np.random.Generator | None"


def as_generator(seed=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from an int ``>= 0``, ``None`` or a Generator.

    A ``Generator`` is passed through unchanged (so callers can share one stream). Anything
    else (a negative int, a float, a bool, a string) raises ``ValueError`` naming ``seed``.

    Examples
    --------
    >>> int(as_generator(3).integers(10)) == int(as_generator(3).integers(10))
    True
    >>> as_generator(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an integer >= 0, None or a numpy.random.Generator; got -1.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(
                f"seed must be an integer >= 0, None or a numpy.random.Generator; got {seed}."
            )
        return np.random.default_rng(seed)
    raise ValueError(
        f"seed must be an int, None or a numpy.random.Generator; got {type(seed).__name__}."
    )


def kernel_seed(seed=None) -> int:
    """Draw a 63-bit integer seed for a Numba kernel from ``seed`` (reproducibly)."""
    return int(as_generator(seed).integers(0, 2**63 - 1))


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser applied elementwise to a uint64 array (wraps mod 2**64)."""
    z = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z + GAMMA
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stream_keys(seed: int, n_streams: int) -> np.ndarray:
    """Keys of ``n_streams`` independent streams derived from one integer ``seed``."""
    base = splitmix64(np.array([seed], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        return splitmix64(base + np.arange(n_streams, dtype=np.uint64) * _M1)


def uniforms(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Doubles in [0, 1): element ``[s, t]`` is draw ``counters[t]`` of stream ``keys[s]``."""
    keys = np.asarray(keys, dtype=np.uint64)[:, None]
    counters = np.asarray(counters, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        bits = splitmix64(keys + counters * GAMMA)
    return (bits >> _S11).astype(np.float64) * _INV53
