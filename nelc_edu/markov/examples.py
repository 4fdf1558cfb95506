"""Example chains for teaching: a driven ring, random reversible and non-reversible chains.

All random constructors are deterministic given ``seed`` (an int, ``None`` or a
``numpy.random.Generator``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._rng import as_generator
from .._validation import check_positive_int

__all__ = ["driven_ring", "random_reversible_chain", "random_nonreversible_chain"]


def driven_ring(n: int, affinity: float, p_stay: float = 0.0) -> np.ndarray:
    r"""A uniform ring of ``n`` states driven by a tunable cycle affinity.

    From every state the chain steps forward (``i -> i+1 mod n``) with probability ``p``,
    backward with probability ``q`` and stays with probability ``p_stay``, where
    ``p + q = 1 - p_stay`` and ``p / q = exp(affinity / n)``. So the affinity of the ring,

    .. math:: \log\frac{\prod T(\text{forward})}{\prod T(\text{backward})} = n \log\frac pq,

    equals ``affinity``. By symmetry ``pi`` is uniform, every edge carries the current
    ``J = (p - q) / n`` and the entropy production is ``sigma = (p - q) log(p / q)``.
    ``affinity = 0`` gives a reversible (symmetric) ring; ``affinity = +inf`` a ring that
    never steps back (``q = 0``, infinite entropy production).

    With ``p_stay = 0`` the ring is periodic (period 2) when ``n`` is even, and period
    ``n`` when moreover ``q = 0``; that does not affect ``pi``, ``J`` or ``sigma``.

    Parameters
    ----------
    n : int
        Number of states, ``n >= 3`` (with 2 states "forward" and "backward" coincide).
    affinity : float
        Cycle affinity ``log(p / q) * n``; may be ``+-math.inf``.
    p_stay : float, optional
        Self-transition probability, ``0 <= p_stay < 1``.

    Returns
    -------
    T : ndarray, shape (n, n)

    Examples
    --------
    >>> import math
    >>> from nelc_edu.markov import entropy_production
    >>> T = driven_ring(3, affinity=3 * math.log(4))
    >>> T.round(3)
    array([[0. , 0.8, 0.2],
           [0.2, 0. , 0.8],
           [0.8, 0.2, 0. ]])
    >>> math.isclose(entropy_production(T), 0.6 * math.log(4))
    True
    """
    n = check_positive_int(n, "n", minimum=3)
    for name, value in (("affinity", affinity), ("p_stay", p_stay)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a real number; got {value!r}.")
    affinity, p_stay = float(affinity), float(p_stay)
    if math.isnan(affinity):
        raise ValueError("affinity is nan; pass a real number (or +-math.inf).")
    if not 0.0 <= p_stay < 1.0:
        raise ValueError(f"p_stay must satisfy 0 <= p_stay < 1; got {p_stay!r}.")
    move = 1.0 - p_stay
    if affinity == math.inf:
        p, q = move, 0.0
    elif affinity == -math.inf:
        p, q = 0.0, move
    else:
        # p / q = exp(x), p + q = move, written with a sigmoid that never overflows.
        x = affinity / n
        if x >= 0:
            e = math.exp(-x)
            p, q = move / (1.0 + e), move * e / (1.0 + e)
        else:
            e = math.exp(x)
            p, q = move * e / (1.0 + e), move / (1.0 + e)
    T = np.zeros((n, n))
    idx = np.arange(n)
    T[idx, (idx + 1) % n] = p
    T[idx, (idx - 1) % n] = q
    T[idx, idx] = p_stay
    return T


def _check_density(density) -> float:
    real = isinstance(density, numbers.Real) and not isinstance(density, (bool, np.bool_))
    if not real or not 0.0 <= density <= 1.0:
        raise ValueError(f"density must be a number in [0, 1]; got {density!r}.")
    return float(density)


def _random_support(n: int, density: float, rng: np.random.Generator) -> np.ndarray:
    """Symmetric boolean adjacency: a random Hamiltonian ring plus random extra pairs."""
    S = np.zeros((n, n), dtype=bool)
    perm = rng.permutation(n)
    S[perm, np.roll(perm, -1)] = True
    extra = rng.random((n, n)) < density
    S |= np.triu(extra, k=1)
    S |= S.T
    np.fill_diagonal(S, False)
    return S


def random_reversible_chain(
    n: int, seed: int | np.random.Generator | None = None, density: float = 1.0
) -> np.ndarray:
    """A random reversible (detailed-balance) chain on ``n`` states.

    Built from a random symmetric weight matrix ``W`` (exponential weights on a random
    connected support, positive diagonal): ``T[i, j] = W[i, j] / sum_k W[i, k]`` satisfies
    detailed balance with ``pi_i`` proportional to ``sum_k W[i, k]``. The support always
    contains a random Hamiltonian ring (so the chain is irreducible), plus each other pair
    of states with probability ``density``; the self-loops make it aperiodic.

    Parameters
    ----------
    n : int
        Number of states (``n >= 2``).
    seed : int, numpy.random.Generator or None
        Same seed, same chain.
    density : float, optional
        Fraction of extra pairs of states that are connected (1.0: all of them).

    Examples
    --------
    >>> from nelc_edu.markov import is_reversible
    >>> T = random_reversible_chain(6, seed=0)
    >>> T.shape, is_reversible(T)
    ((6, 6), True)
    """
    n = check_positive_int(n, "n", minimum=2)
    rng = as_generator(seed)
    S = _random_support(n, _check_density(density), rng)
    W = np.triu(rng.exponential(1.0, (n, n)) * S, k=1)
    W = W + W.T + np.diag(rng.exponential(1.0, n))
    return W / W.sum(axis=1, keepdims=True)


def random_nonreversible_chain(
    n: int, seed: int | np.random.Generator | None = None, density: float = 1.0
) -> np.ndarray:
    """A random chain with no detailed balance (finite entropy production) on ``n`` states.

    Independent exponential weights for ``i -> j`` and ``j -> i`` on a random connected
    support that contains a Hamiltonian ring (so there is at least one cycle; chains whose
    graph is a tree are always reversible), plus each other pair with probability
    ``density``, plus positive self-loops; rows normalised. Every transition has a reverse,
    so the entropy production is finite; it is positive with probability 1.

    Parameters
    ----------
    n : int
        Number of states (``n >= 3``: every 2-state chain is reversible).
    seed : int, numpy.random.Generator or None
        Same seed, same chain.
    density : float, optional
        Fraction of extra pairs of states that are connected (1.0: all of them).

    Examples
    --------
    >>> from nelc_edu.markov import entropy_production
    >>> T = random_nonreversible_chain(5, seed=1)
    >>> entropy_production(T) > 0.01
    True
    """
    n = check_positive_int(n, "n", minimum=3)
    rng = as_generator(seed)
    S = _random_support(n, _check_density(density), rng)
    W = rng.exponential(1.0, (n, n)) * S + np.diag(rng.exponential(1.0, n))
    return W / W.sum(axis=1, keepdims=True)
