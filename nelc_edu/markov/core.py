"""Finite discrete-time Markov chains: stationary law, currents, entropy production.

Conventions: ``T[i, j] = P(next = j | now = i)`` is row-stochastic, ``pi = pi T`` with
``sum(pi) = 1``. The graph of the chain has an edge ``i -> j`` when ``T[i, j] > 0``.

Every public function validates its input with :mod:`nelc_edu._validation` and raises a
``ValueError`` that names the broken rule. Nothing is clamped or silently repaired: the
entropy production of a reversible chain comes out as a rounding-sized number (about
``1e-17``), not as an exact zero, and tests compare it with a tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._validation import (
    check_distribution,
    check_positive_int,
    check_state_list,
    check_stochastic_matrix,
    check_tolerance,
    is_int,
)
from ._graph import bfs_levels, is_strongly_connected, strongly_connected_components
from ._gth import GTHBreakdown, gth_solve

__all__ = [
    "communication_classes",
    "closed_classes",
    "transient_states",
    "is_irreducible",
    "period",
    "stationary_distribution",
    "stationary_distributions",
    "stationary_and_fundamental",
    "probability_currents",
    "entropy_production",
    "is_reversible",
    "fundamental_matrix",
    "second_eigenvalue_modulus",
    "spectral_gap",
    "relaxation_time",
    "distribution_over_time",
    "lump",
]


# ----------------------------------------------------------------------------------------
# Graph structure
# ----------------------------------------------------------------------------------------


def _classes(T: np.ndarray) -> tuple[list[list[int]], list[bool]]:
    """Communicating classes (sorted) and, for each, whether it is closed.

    A class is closed when no edge leaves it: it is a sink of the graph of classes.
    """
    S = T > 0
    components = strongly_connected_components(S)
    label = np.empty(T.shape[0], dtype=np.int64)
    for k, members in enumerate(components):
        label[members] = k
    classes = []
    for k, members in enumerate(components):
        leaves = bool(np.any(S[members] & (label != k)[None, :]))
        classes.append((members.tolist(), not leaves))
    classes.sort(key=lambda mc: mc[0][0])
    return [m for m, _ in classes], [c for _, c in classes]


def _split(T: np.ndarray) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """All classes, the closed ones, and the sorted transient states."""
    classes, closed = _classes(T)
    closed_cls = [c for c, is_closed in zip(classes, closed, strict=True) if is_closed]
    transient = sorted(s for c in classes if c not in closed_cls for s in c)
    return classes, closed_cls, transient


def _fmt_set(states: Iterable[int]) -> str:
    return "{" + ", ".join(str(s) for s in states) + "}"


def _reducible_message(T: np.ndarray, what: str) -> str:
    classes, closed_cls, transient = _split(T)
    msg = (
        f"T is reducible: its {T.shape[0]} states form {len(classes)} communicating classes, "
        f"of which {len(closed_cls)} closed (recurrent); closed classes: "
        + ", ".join(_fmt_set(c) for c in closed_cls)
        + "; transient states: "
        + (_fmt_set(transient) if transient else "none")
        + f". {what} "
    )
    if len(closed_cls) > 1:
        msg += (
            "A reducible chain with several closed classes has one stationary distribution per "
            "closed class (and every mixture of them), so there is no unique pi. "
        )
    else:
        msg += (
            "Its stationary distribution is zero on the transient states; the package works "
            "with irreducible chains only. "
        )
    msg += (
        "Restrict T to one closed class, e.g. T[np.ix_(c, c)], or call "
        "stationary_distributions(T) for one distribution per closed class."
    )
    return msg


def communication_classes(T: ArrayLike) -> list[list[int]]:
    """Communicating classes of the chain (strongly connected components of its graph).

    Found by Tarjan's algorithm on the boolean matrix ``T > 0`` (O(n^2) NumPy work).

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.

    Returns
    -------
    list of list of int
        Each class as a sorted list of states; classes ordered by their smallest state.

    Examples
    --------
    >>> T = [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]
    >>> communication_classes(T)
    [[0, 1], [2]]
    """
    T = check_stochastic_matrix(T)
    return _classes(T)[0]


def closed_classes(T: ArrayLike) -> list[list[int]]:
    """Closed (recurrent) communicating classes: classes the chain can never leave.

    They are the sinks of the graph whose nodes are the classes. A finite chain always has
    at least one; it is irreducible when it has exactly one class.

    Examples
    --------
    >>> T = [[0.5, 0.5, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0],
    ...      [0.2, 0.3, 0.0, 0.5], [0.0, 0.0, 0.0, 1.0]]
    >>> closed_classes(T)
    [[0, 1], [3]]
    """
    T = check_stochastic_matrix(T)
    return _split(T)[1]


def transient_states(T: ArrayLike) -> list[int]:
    """States outside every closed class (visited finitely often), sorted.

    Examples
    --------
    >>> transient_states([[0.5, 0.5], [0.0, 1.0]])
    [0]
    """
    T = check_stochastic_matrix(T)
    return _split(T)[2]


def is_irreducible(T: ArrayLike) -> bool:
    """True when every state can reach every other one (a single communicating class).

    Two breadth-first searches from state 0, along the edges and against them: O(n^2)
    NumPy work, a few milliseconds for a dense chain on 2000 states.

    Examples
    --------
    >>> is_irreducible([[0.0, 1.0], [1.0, 0.0]])
    True
    >>> is_irreducible([[1.0, 0.0], [0.5, 0.5]])
    False
    """
    T = check_stochastic_matrix(T)
    return is_strongly_connected(T > 0)


def _require_irreducible(T: np.ndarray, what: str) -> None:
    if not is_strongly_connected(T > 0):
        raise ValueError(_reducible_message(T, what))


def _stationary(T: np.ndarray, what: str) -> np.ndarray:
    """GTH's ``pi`` of a validated T; if GTH fails, say why: reducible or out of range.

    A positive ``pi`` from GTH proves T irreducible (see :mod:`nelc_edu.markov._gth`), so
    the graph is searched only when GTH fails, to name the classes in the message.
    """
    try:
        return gth_solve(T)
    except GTHBreakdown:
        _require_irreducible(T, what)
        raise


def period(T: ArrayLike) -> int:
    """Period of an irreducible chain: the gcd of the lengths of all its cycles.

    Period 1 means aperiodic. A periodic chain (period d > 1) still has a unique stationary
    distribution; it only fails to converge to it from a fixed start (the distribution
    cycles through d sub-classes). The package reports the period, it never rejects such
    chains.

    Computed in O(n^2) by a breadth-first search: with ``level`` the BFS depth from state 0,
    the period is ``gcd(level[u] + 1 - level[v])`` over all edges ``u -> v``.

    Raises
    ------
    ValueError
        If T is reducible (the period is then a property of each class, not of the chain).

    Examples
    --------
    >>> period([[0.0, 1.0], [1.0, 0.0]])
    2
    >>> period([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    3
    >>> period([[0.5, 0.5], [1.0, 0.0]])
    1
    """
    T = check_stochastic_matrix(T)
    _require_irreducible(T, "The period is defined per class; restrict T to one class.")
    S = T > 0
    level = bfs_levels(S, 0)
    rows, cols = np.nonzero(S)
    return int(np.gcd.reduce(np.abs(level[rows] + 1 - level[cols])))


# ----------------------------------------------------------------------------------------
# Stationary distribution
# ----------------------------------------------------------------------------------------


def stationary_distribution(T: ArrayLike, atol: float | None = None) -> np.ndarray:
    """The unique stationary distribution ``pi = pi T`` of an irreducible chain.

    Uses Grassmann-Taksar-Heyman (GTH) elimination, a variant of Gaussian elimination on
    the linear system ``pi (I - T) = 0``, ``sum(pi) = 1`` that never subtracts: every
    ``pi_i`` comes out strictly positive with small *relative* error. No power iteration is
    involved, so periodic chains (which do not converge under ``pi <- pi T``) are handled
    like any other irreducible chain. The elimination runs in blocks (most of the work is
    matrix products): a dense chain on 2000 states takes well under a second; see
    :mod:`nelc_edu.markov._gth` for the algorithm, step by step.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix, ``T[i, j] = P(next = j | now = i)``. A float32
        matrix is accepted (computed in float64); complex numbers and scipy sparse
        matrices are refused (pass ``T.toarray()``).
    atol : float or None, optional
        Tolerance on the row sums (``|sum_j T[i, j] - 1| <= atol``); None means 1e-9, or
        1e-5 for a float32 matrix. GTH reads the off-diagonal entries only: ``pi`` is the
        stationary distribution of T with each ``T[i, i]`` set to
        ``1 - sum_{j != i} T[i, j]`` (a change of at most ``atol``).

    Returns
    -------
    pi : ndarray, shape (n,)
        Positive, sums to 1, float64.

    Raises
    ------
    ValueError
        If T is not a real square array, has NaN/inf or negative entries, or a row sum off
        by more than ``atol``; if T is reducible (the message lists the closed classes and
        the transient states); or if its probabilities are so close to 0 that ``pi`` cannot
        be represented in float64 (never a NaN or a zero in the result).

    See Also
    --------
    stationary_distributions : one distribution per closed class, for reducible chains.
    stationary_and_fundamental : ``pi`` and the fundamental matrix together.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.9, 0.1], [0.3, 0.7]])
    >>> stationary_distribution(T).round(6)
    array([0.75, 0.25])

    A periodic chain (deterministic 3-cycle) is fine:

    >>> stationary_distribution([[0, 1, 0], [0, 0, 1], [1, 0, 0]]).round(6)
    array([0.333333, 0.333333, 0.333333])

    A reducible chain is not:

    >>> stationary_distribution([[1.0, 0.0], [0.0, 1.0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: T is reducible: its 2 states form 2 communicating classes, of which 2 closed (recurrent); closed classes: {0}, {1}; transient states: none. ...
    """  # noqa: E501
    T = check_stochastic_matrix(T, atol=atol)
    return _stationary(T, "It has no unique stationary distribution to return.")


def stationary_distributions(T: ArrayLike, atol: float | None = None) -> np.ndarray:
    """One stationary distribution per closed class (any chain, reducible or not).

    Row ``k`` is the stationary distribution of the chain restricted to the ``k``-th class
    of :func:`closed_classes` (zero elsewhere). Every stationary distribution of ``T`` is
    a mixture of these rows; an irreducible chain gives a single row.

    Examples
    --------
    >>> T = [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> stationary_distributions(T)
    array([[0., 1., 0.],
           [0., 0., 1.]])
    """
    T = check_stochastic_matrix(T, atol=atol)
    closed_cls = _split(T)[1]
    out = np.zeros((len(closed_cls), T.shape[0]))
    for k, c in enumerate(closed_cls):
        out[k, c] = gth_solve(T[np.ix_(c, c)])
    return out


def _pi_or_compute(T: np.ndarray, pi) -> np.ndarray:
    if pi is None:
        return _stationary(T, "Pass pi explicitly if you know which distribution you mean.")
    return check_distribution(pi, T.shape[0])


# ----------------------------------------------------------------------------------------
# Currents and entropy production
# ----------------------------------------------------------------------------------------


def probability_currents(T: ArrayLike, pi: ArrayLike | None = None) -> np.ndarray:
    """Net probability currents ``J[i, j] = pi_i T[i, j] - pi_j T[j, i]``.

    ``J`` is antisymmetric (exactly: ``J.T == -J``) and, when ``pi`` is stationary, every
    row sums to 0 (Kirchhoff's current law: as much probability enters a state per step
    as leaves it). ``J == 0`` is detailed balance.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    pi : array_like, shape (n,), optional
        Distribution to use; defaults to :func:`stationary_distribution` of T (which
        requires T to be irreducible).

    Returns
    -------
    J : ndarray, shape (n, n)

    Examples
    --------
    >>> T = [[0.0, 0.8, 0.2], [0.2, 0.0, 0.8], [0.8, 0.2, 0.0]]
    >>> probability_currents(T).round(4)
    array([[ 0. ,  0.2, -0.2],
           [-0.2,  0. ,  0.2],
           [ 0.2, -0.2,  0. ]])
    """
    T = check_stochastic_matrix(T)
    pi = _pi_or_compute(T, pi)
    F = pi[:, None] * T
    return F - F.T


def _entropy_production_from_flux(F: np.ndarray) -> tuple[float, int]:
    """``1/2 sum_{i != j} (F_ij - F_ji) log(F_ij / F_ji)`` and the number of one-way pairs.

    Summed over pairs ``i < j`` as ``(a - b) * (log a - log b)``: each term is >= 0 in
    floating point too (log is monotone), and a pair with ``a == b == 0`` contributes 0.
    A pair with exactly one of ``a, b`` zero makes the result ``math.inf``.
    """
    iu, ju = np.triu_indices(F.shape[0], k=1)
    a = F[iu, ju]
    b = F[ju, iu]
    both = (a > 0) & (b > 0)
    one_way = int(np.count_nonzero((a > 0) != (b > 0)))
    a, b = a[both], b[both]
    value = float(np.sum((a - b) * (np.log(a) - np.log(b))))
    return value, one_way


def entropy_production(T: ArrayLike, pi: ArrayLike | None = None) -> float:
    r"""Entropy production per step of a stationary chain.

    .. math::

        \sigma = \frac12 \sum_{i \ne j} J_{ij}
                 \log\frac{\pi_i T_{ij}}{\pi_j T_{ji}} \;\ge\; 0,

    zero if and only if detailed balance holds. Self-transitions ``T[i, i]`` do not
    contribute. It is computed as a sum over pairs ``i < j`` of
    ``(a - b) * (log a - log b)`` with ``a = pi_i T_ij``, ``b = pi_j T_ji``; every term is
    non-negative in floating point too, and a pair with ``a = b = 0`` (no edge) adds 0.

    If some transition has no reverse (``T[i, j] > 0`` but ``T[j, i] == 0``) the time
    reverse of a possible path is impossible and ``sigma`` is infinite: the function returns
    ``math.inf``, never nan.

    Nothing is clamped: for a reversible chain the result is a rounding-sized number
    (about 1e-17 with a computed ``pi``), so compare it with a tolerance.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    pi : array_like, shape (n,), optional
        Defaults to the stationary distribution of T.

    Returns
    -------
    float
        ``sigma >= 0`` in nats per step, or ``math.inf``.

    Examples
    --------
    A uniform ring with forward probability p and backward probability q has
    ``sigma = (p - q) log(p / q)``:

    >>> import math
    >>> T = [[0.0, 0.8, 0.2], [0.2, 0.0, 0.8], [0.8, 0.2, 0.0]]
    >>> math.isclose(entropy_production(T), 0.6 * math.log(4))
    True
    >>> entropy_production([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
    inf
    """
    T = check_stochastic_matrix(T)
    pi = _pi_or_compute(T, pi)
    value, one_way = _entropy_production_from_flux(pi[:, None] * T)
    return math.inf if one_way else value


#: Default tolerance of the reversibility tests on a log-ratio per transition (float64
#: input; float32 input gets :data:`nelc_edu._validation.FLOAT32_ATOL`). Rounding makes
#: these log-ratios about 1e-15 to 1e-13; a physical imbalance is far larger.
REVERSIBILITY_ATOL = 1e-10


def _reversibility_atol(atol, T_input) -> float:
    return check_tolerance(atol, "atol", REVERSIBILITY_ATOL, data=T_input)


def _edge_log_ratios(T: np.ndarray, pi: np.ndarray) -> tuple[np.ndarray, int]:
    """``log(pi_i T_ij / (pi_j T_ji))`` over the pairs ``i < j`` with both fluxes > 0.

    Computed as a difference of sums of logs (no underflow of ``pi_i T_ij``). Also returns
    the number of one-way pairs (exactly one of the two fluxes is 0: log-ratio infinite).
    """
    with np.errstate(divide="ignore"):
        log_flux = np.log(pi)[:, None] + np.log(T)
    iu, ju = np.triu_indices(T.shape[0], k=1)
    a, b = log_flux[iu, ju], log_flux[ju, iu]
    a_on, b_on = a > -np.inf, b > -np.inf
    both = a_on & b_on
    return a[both] - b[both], int(np.count_nonzero(a_on != b_on))


def is_reversible(
    T: ArrayLike, pi: ArrayLike | None = None, atol: float | None = None
) -> bool:
    r"""Detailed balance test, on the log-ratio of the two fluxes of every pair of states.

    **The tolerance rule** (the same in :func:`nelc_edu.markov.kolmogorov_check`): a chain
    is declared reversible when no transition is one-way and the log-ratio of forward to
    backward probability, *per transition*, is at most ``atol`` in absolute value. Here the
    transitions are the pairs ``i <-> j`` and the test is

    .. math:: \left|\log \frac{\pi_i T_{ij}}{\pi_j T_{ji}}\right| \le \text{atol}
              \quad\text{for every pair with } T_{ij} + T_{ji} > 0,

    equivalently a bound on the *relative* current
    ``|J_ij| / (pi_i T_ij + pi_j T_ji) = tanh(|log-ratio| / 2) <= tanh(atol / 2)``.
    It does not depend on how much probability flows: a chain with tiny fluxes (rare
    transitions, many states) is judged like any other, where a bound on ``|J|`` itself
    would call almost any large or slow chain reversible. Kolmogorov's test applies the
    same bound to each basis cycle's affinity divided by its length; a cycle's affinity is
    the sum of the log-ratios of its transitions, so a chain that passes this test passes
    that one too.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    pi : array_like, shape (n,), optional
        Defaults to the stationary distribution of T.
    atol : float or None, optional
        Tolerance on the log-ratios; None means :data:`REVERSIBILITY_ATOL` (1e-10, far
        above rounding, about 1e-14, and far below any physical imbalance), or 1e-5 for a
        float32 ``T``.

    See Also
    --------
    nelc_edu.markov.kolmogorov_check : the same question answered without ``pi``.

    Examples
    --------
    >>> is_reversible([[0.5, 0.5], [0.25, 0.75]])
    True
    >>> is_reversible([[0.0, 0.8, 0.2], [0.2, 0.0, 0.8], [0.8, 0.2, 0.0]])
    False

    Rare transitions do not hide a driven cycle (here every current is about 1e-12):

    >>> from nelc_edu.markov import driven_ring
    >>> is_reversible(driven_ring(3, affinity=3.0, p_stay=1 - 2e-11))
    False
    """
    tol = _reversibility_atol(atol, T)
    T = check_stochastic_matrix(T)
    pi = _pi_or_compute(T, pi)
    log_ratios, one_way = _edge_log_ratios(T, pi)
    return one_way == 0 and bool(np.all(np.abs(log_ratios) <= tol))


# ----------------------------------------------------------------------------------------
# Fundamental matrix, spectrum, relaxation
# ----------------------------------------------------------------------------------------


def fundamental_matrix(T: ArrayLike, pi: ArrayLike | None = None) -> np.ndarray:
    """Fundamental matrix ``Z = inv(I - T + 1 pi)`` of an irreducible chain.

    ``1 pi`` is the matrix whose every row is ``pi``. ``Z`` satisfies ``pi Z = pi`` and
    ``Z 1 = 1``; it turns a perturbation of T into the perturbation of pi:
    ``d pi = pi dT Z`` (used for the gradient of the two-matrix model).

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.9, 0.1], [0.3, 0.7]])
    >>> Z = fundamental_matrix(T)
    >>> pi = stationary_distribution(T)
    >>> bool(np.allclose(Z @ (np.eye(2) - T + np.outer(np.ones(2), pi)), np.eye(2)))
    True
    >>> bool(np.allclose(pi @ Z, pi))
    True
    """
    T = check_stochastic_matrix(T)
    return _fundamental(T, _pi_or_compute(T, pi))


def _fundamental(T: np.ndarray, pi: np.ndarray) -> np.ndarray:
    n = T.shape[0]
    A = np.eye(n) - T + pi[None, :]
    try:
        Z = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        Z = None
    if Z is None or not np.all(np.isfinite(Z)):
        raise ValueError(
            "I - T + 1 pi is singular in floating point, so the fundamental matrix does not "
            "exist: pi is not the stationary distribution of an irreducible T, or T is "
            "numerically reducible (some transition probabilities are too close to 0)."
        )
    return Z


def stationary_and_fundamental(
    T: ArrayLike, atol: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(pi, Z)``: :func:`stationary_distribution` and :func:`fundamental_matrix` at once.

    For callers that need both for the same chain, e.g. the gradient of the two-matrix
    model (``d pi = pi dT Z``) at every training step; ``pi`` is computed once.

    Raises
    ------
    ValueError
        As :func:`stationary_distribution`: not stochastic, reducible (the message names
        the closed classes and transient states), or out of float64's range.

    Examples
    --------
    >>> import numpy as np
    >>> pi, Z = stationary_and_fundamental([[0.9, 0.1], [0.2, 0.8]])
    >>> pi.round(6)
    array([0.666667, 0.333333])
    >>> bool(np.allclose(Z.sum(axis=1), 1.0)), bool(np.allclose(pi @ Z, pi))
    (True, True)
    """
    T = check_stochastic_matrix(T, atol=atol)
    pi = _stationary(T, "It has no unique stationary distribution to return.")
    return pi, _fundamental(T, pi)


def second_eigenvalue_modulus(T: ArrayLike) -> float:
    """``|lambda_2|``: the largest modulus among the eigenvalues of T other than 1.

    Equals 1 exactly (by definition here, not by rounding) for reducible chains (1 is a
    repeated eigenvalue) and for periodic chains (the d-th roots of unity are eigenvalues).
    Otherwise the eigenvalue closest to 1 is removed and the largest remaining modulus is
    returned.

    Examples
    --------
    >>> round(second_eigenvalue_modulus([[0.9, 0.1], [0.3, 0.7]]), 12)
    0.6
    >>> second_eigenvalue_modulus([[0.0, 1.0], [1.0, 0.0]])
    1.0
    """
    T = check_stochastic_matrix(T)
    if T.shape[0] == 1:
        return 0.0
    if not is_strongly_connected(T > 0) or period(T) > 1:
        return 1.0
    lam = np.linalg.eigvals(T)
    k = int(np.argmin(np.abs(lam - 1.0)))
    return float(np.max(np.abs(np.delete(lam, k))))


def spectral_gap(T: ArrayLike) -> float:
    """``1 - |lambda_2|`` (0 for reducible or periodic chains).

    Examples
    --------
    >>> round(spectral_gap([[0.9, 0.1], [0.3, 0.7]]), 12)
    0.4
    """
    return 1.0 - second_eigenvalue_modulus(T)


def relaxation_time(T: ArrayLike) -> float:
    """Relaxation time ``tau = -1 / log|lambda_2|`` in steps.

    Distances to stationarity decay like ``|lambda_2|**t = exp(-t / tau)``. It is
    ``math.inf`` when ``|lambda_2| == 1``: periodic chains (the distribution keeps cycling
    and never converges from a fixed start) and reducible chains. It is 0 when
    ``lambda_2 == 0`` (e.g. all rows equal: stationary after one step).

    Examples
    --------
    Two states, ``T = [[1-a, a], [b, 1-b]]``: ``lambda_2 = 1 - a - b``.

    >>> import math
    >>> a, b = 0.1, 0.3
    >>> math.isclose(relaxation_time([[1 - a, a], [b, 1 - b]]), -1 / math.log(1 - a - b))
    True
    >>> relaxation_time([[0.0, 1.0], [1.0, 0.0]])
    inf
    """
    lam2 = second_eigenvalue_modulus(T)
    if lam2 >= 1.0:
        return math.inf
    if lam2 == 0.0:
        return 0.0
    return -1.0 / math.log(lam2)


def distribution_over_time(T: ArrayLike, p0, n_steps: int) -> np.ndarray:
    """``p_t = p_0 T^t`` for ``t = 0, ..., n_steps``: the distribution of the chain over time.

    Parameters
    ----------
    T : array_like, shape (K, K)
    p0 : int or array_like, shape (K,)
        The initial distribution, or a state (the chain starts there).
    n_steps : int

    Returns
    -------
    numpy.ndarray, shape (n_steps + 1, K)
        Row ``t`` is ``p_t``.

    Examples
    --------
    >>> distribution_over_time([[0.5, 0.5], [0.2, 0.8]], 0, 2).round(3).tolist()
    [[1.0, 0.0], [0.5, 0.5], [0.35, 0.65]]
    """
    T = check_stochastic_matrix(T)
    K = T.shape[0]
    n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
    if np.ndim(p0) == 0:
        if not is_int(p0) or not 0 <= int(p0) < K:
            raise ValueError(f"p0 = {p0!r} is not a state of this chain: give 0..{K - 1} or "
                             f"a probability vector of length {K}.")
        p = np.zeros(K)
        p[int(p0)] = 1.0
    else:
        p = np.asarray(p0, dtype=float).copy()
        if p.shape != (K,) or abs(p.sum() - 1.0) > 1e-9 or (p < 0).any():
            raise ValueError(f"p0 must be a state or a probability vector of length {K}.")
    out = np.empty((n_steps + 1, K))
    out[0] = p
    for t in range(n_steps):
        p = p @ T
        out[t + 1] = p
    return out


# ----------------------------------------------------------------------------------------
# Coarse-graining
# ----------------------------------------------------------------------------------------


_PARTITION_HINT = (
    "partition must be a list of blocks (lists of states), e.g. [[0, 1], [2]], or one "
    "integer label per state, e.g. [0, 0, 1]"
)
_BLOCK_TYPES = (list, tuple, range, np.ndarray, set, frozenset)


def _blocks_from_labels(labels, n: int) -> list[list[int]]:
    arr = np.asarray(labels)
    integers = arr.dtype.kind in "iu" and (
        isinstance(labels, np.ndarray) or all(is_int(x) for x in labels)
    )
    if arr.shape != (n,) or not integers:
        raise ValueError(
            f"partition given as labels must be {n} integers (one block label per state; "
            f"not floats, not True/False); got {labels!r}."
        )
    return [np.flatnonzero(arr == v).tolist() for v in np.unique(arr)]


def _as_blocks(partition, n: int) -> list[list[int]]:
    if isinstance(partition, np.ndarray) and partition.ndim == 1:
        return _blocks_from_labels(partition, n)
    if isinstance(partition, np.ndarray):
        partition = list(partition)
    if isinstance(partition, (str, bytes)) or not isinstance(partition, (list, tuple)):
        raise ValueError(f"{_PARTITION_HINT}; got {type(partition).__name__} {partition!r}.")
    is_block = [isinstance(b, _BLOCK_TYPES) for b in partition]
    if partition and not any(is_block):
        return _blocks_from_labels(partition, n)
    if not all(is_block):
        raise ValueError(f"{_PARTITION_HINT}; got {partition!r}.")
    blocks = []
    for k, b in enumerate(partition):
        if isinstance(b, (set, frozenset)):
            b = list(b)
        block = check_state_list(b, n, f"partition block {k}")
        if not block:
            raise ValueError("partition contains an empty block; every block needs a state.")
        blocks.append(block)
    seen = [s for b in blocks for s in b]
    if sorted(seen) != list(range(n)):
        missing = sorted(set(range(n)) - set(seen))
        dup = sorted({s for s in seen if seen.count(s) > 1})
        raise ValueError(
            f"partition must use every state 0..{n - 1} exactly once; "
            f"missing: {missing}, repeated: {dup}."
        )
    return blocks


def lump(
    T: ArrayLike, partition: ArrayLike | Sequence[Sequence[int]], pi: ArrayLike | None = None
) -> np.ndarray:
    """Coarse-grained (lumped) transition matrix of a partition of the states into blocks.

    ``T_lumped[A, B] = sum_{i in A, j in B} pi_i T[i, j] / pi(A)``: the probability that
    the *stationary* chain, seen in block A, is in block B one step later. The lumped
    chain has the lumped ``pi`` as stationary distribution and the same block-to-block
    fluxes, and by the log-sum inequality its entropy production is never larger than the
    fine one: coarse-graining can hide, never create, irreversibility.

    (The block process itself is generally not Markov; this is the Markov chain with the
    same one-step block statistics.)

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    partition : sequence of sequences of int, or sequence of n int labels
        The blocks, e.g. ``[[0, 1], [2, 3, 4]]`` (block order = row order of the result),
        or one label per state, e.g. ``[0, 0, 1, 1, 1]`` (blocks in increasing label order).
    pi : array_like, shape (n,), optional
        Defaults to the stationary distribution of T.

    Returns
    -------
    ndarray, shape (m, m)
        Row-stochastic, ``m`` the number of blocks.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[0.0, 0.8, 0.2], [0.2, 0.0, 0.8], [0.8, 0.2, 0.0]])
    >>> lump(T, [[0, 1], [2]]).round(4)
    array([[0.5, 0.5],
           [1. , 0. ]])
    >>> entropy_production(lump(T, [[0, 1], [2]])) <= entropy_production(T)
    True
    """
    T = check_stochastic_matrix(T)
    pi = _pi_or_compute(T, pi)
    blocks = _as_blocks(partition, T.shape[0])
    m = len(blocks)
    S = np.zeros((T.shape[0], m))
    for k, b in enumerate(blocks):
        S[b, k] = 1.0
    F = S.T @ (pi[:, None] * T) @ S
    pi_blocks = S.T @ pi
    if np.any(pi_blocks <= 0):
        k = int(np.flatnonzero(pi_blocks <= 0)[0])
        raise ValueError(
            f"block {k} = {_fmt_set(blocks[k])} has probability 0 under pi; the lumped "
            "transition out of it is undefined."
        )
    return F / pi_blocks[:, None]
