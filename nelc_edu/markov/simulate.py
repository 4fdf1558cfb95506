"""Trajectories of a Markov chain, and estimators of currents and entropy production.

Simulation uses the package's counter-based generator: chain ``c`` uses the stream
``stream_keys(kernel_seed(seed), n_chains)[c]``, draw 0 for its initial state and draw ``t``
for step ``t``. It runs in the current backend (:mod:`nelc_edu._backend`): a NumPy loop over
steps (``_simulate_numpy``, the reference), or its Numba twin
(:mod:`nelc_edu.markov._kernels`, compiled on the first call and cached on disk), which
draws the very same numbers and gives the very same trajectories; the tests compare them.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .. import _backend
from .._rng import kernel_seed, stream_keys, uniforms
from .._validation import (
    check_positive_int,
    check_state,
    check_state_list,
    check_stochastic_matrix,
    is_int,
)
from .core import _entropy_production_from_flux, _stationary

__all__ = [
    "simulate",
    "simulate_reference",
    "empirical_transition_counts",
    "estimate_currents",
    "estimate_entropy_production",
    "estimate_entropy_production_observed",
    "ObservedEntropyProduction",
]

def _cumulative_rows(T: np.ndarray) -> np.ndarray:
    """Cumulative rows, ``+inf`` from the last positive entry of each row on.

    Sampling "first j with u < cum[x, j]" then never picks a zero-probability state, even
    when rounding makes a row sum slightly below 1.
    """
    cum = np.cumsum(T, axis=1)
    n = T.shape[1]
    last = n - 1 - np.argmax((T > 0)[:, ::-1], axis=1)
    cols = np.arange(n)
    cum[cols[None, :] >= last[:, None]] = np.inf
    return np.ascontiguousarray(cum)


def _initial_states(T: np.ndarray, x0, keys: np.ndarray) -> np.ndarray:
    n, n_chains = T.shape[0], keys.shape[0]
    if x0 is None:
        pi = _stationary(T, "simulate(x0=None) starts from pi: pass x0 instead.")
        u = uniforms(keys, np.zeros(1, dtype=np.uint64))[:, 0]
        cum = _cumulative_rows(pi[None, :])[0]
        return (cum[None, :] <= u[:, None]).sum(axis=1).astype(np.int64)
    if isinstance(x0, np.ndarray) and x0.ndim == 0 and x0.dtype.kind in "iu":
        x0 = x0.item()
    if is_int(x0):
        return np.full(n_chains, check_state(x0, n, "x0"), dtype=np.int64)
    if not isinstance(x0, (list, tuple, range, np.ndarray)):
        raise ValueError(
            f"x0 must be None (start from pi), an integer state or {n_chains} integer states; "
            f"got {x0!r}."
        )
    states = check_state_list(x0, n, "x0")
    if len(states) != n_chains:
        raise ValueError(f"x0 has {len(states)} entries but n_chains = {n_chains}.")
    return np.array(states, dtype=np.int64)


def _simulate_numpy(cum: np.ndarray, x0: np.ndarray, keys: np.ndarray, n_steps: int):
    """NumPy reference of :func:`nelc_edu.markov._kernels.simulate_chains` (same numbers)."""
    n_chains = keys.shape[0]
    out = np.empty((n_steps + 1, n_chains), dtype=np.int64)
    out[0] = x0
    x = x0.copy()
    chunk = 4096
    for start in range(0, n_steps, chunk):
        stop = min(start + chunk, n_steps)
        u = uniforms(keys, np.arange(start + 1, stop + 1, dtype=np.uint64))
        for k in range(stop - start):
            x = (cum[x] <= u[:, k, None]).sum(axis=1)
            out[start + k + 1] = x
    return out


def simulate(
    T: ArrayLike,
    n_steps: int,
    x0: int | ArrayLike | None = None,
    seed: int | np.random.Generator | None = None,
    n_chains: int = 1,
    backend: str | None = None,
) -> np.ndarray:
    """Simulate trajectories of the chain ``T``.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    n_steps : int
        Number of transitions (the trajectory has ``n_steps + 1`` states).
    x0 : int, array_like of int or None, optional
        Initial state of every chain, or one per chain. ``None`` (default) draws it from
        the stationary distribution (T must then be irreducible), so the trajectory is
        stationary from the start and the estimators below have no burn-in bias.
    seed : int, numpy.random.Generator or None
        Same seed, same trajectories (on every machine and for both backends).
    n_chains : int, optional
        Number of independent chains.
    backend : {"numba", "numpy", None}, optional
        ``"numba"``: compiled kernel (fast; first call compiles or loads the cache).
        ``"numpy"``: the pure-NumPy reference, identical output, slower for long runs.
        ``None`` (default): the current backend (:func:`nelc_edu.backend`).

    Returns
    -------
    ndarray of int64
        Shape ``(n_steps + 1,)`` when ``n_chains == 1``, else ``(n_steps + 1, n_chains)``
        (time first).

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.markov import driven_ring
    >>> T = driven_ring(3, affinity=6.0)
    >>> x = simulate(T, 10, x0=0, seed=1)
    >>> x.shape, x.dtype
    ((11,), dtype('int64'))
    >>> bool(np.array_equal(x, simulate(T, 10, x0=0, seed=1, backend="numpy")))
    True
    """
    T = check_stochastic_matrix(T)
    n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
    n_chains = check_positive_int(n_chains, "n_chains")
    backend = _backend.resolve(backend)
    keys = stream_keys(kernel_seed(seed), n_chains)
    start = _initial_states(T, x0, keys)
    cum = _cumulative_rows(T)
    if backend == "numba":
        from ._kernels import simulate_chains

        out = simulate_chains(cum, start, keys, n_steps)
    else:
        out = _simulate_numpy(cum, start, keys, n_steps)
    return out[:, 0] if n_chains == 1 else out


def simulate_reference(
    T: ArrayLike,
    n_steps: int,
    x0: int | ArrayLike | None = None,
    seed: int | np.random.Generator | None = None,
    n_chains: int = 1,
) -> np.ndarray:
    """:func:`simulate` with the pure-NumPy backend (identical trajectories).

    Examples
    --------
    >>> from nelc_edu.markov import driven_ring
    >>> simulate_reference(driven_ring(3, affinity=30.0), 4, x0=0, seed=0).tolist()
    [0, 1, 2, 0, 1]
    """
    return simulate(T, n_steps, x0=x0, seed=seed, n_chains=n_chains, backend="numpy")


# ----------------------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------------------


def _check_trajectory(traj, n_states) -> tuple[np.ndarray, int]:
    n = check_positive_int(n_states, "n_states")
    if isinstance(traj, (list, tuple)) and any(isinstance(x, (bool, np.bool_)) for x in traj):
        raise ValueError("traj holds True/False; pass integer states (e.g. simulate's output).")
    arr = np.asarray(traj)
    if arr.size == 0:
        raise ValueError(
            f"traj is empty (shape {arr.shape}); pass a trajectory of at least 2 states (one "
            "transition), e.g. the output of simulate(T, n_steps)."
        )
    if arr.dtype.kind not in "iu":
        raise ValueError(
            f"traj must hold integer states; got dtype {arr.dtype} (use the output of simulate)."
        )
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"traj must have shape (n_steps + 1,) or (n_steps + 1, n_chains); got {arr.shape}."
        )
    if arr.shape[0] < 2:
        raise ValueError(f"traj needs at least one transition; got shape {np.shape(traj)}.")
    if np.any((arr < 0) | (arr >= n)):
        raise ValueError(f"traj contains states outside 0..{n - 1} (n_states = {n}).")
    return arr.astype(np.int64, copy=False), n


def empirical_transition_counts(traj: ArrayLike, n_states: int) -> np.ndarray:
    """Transition counts ``N[i, j]`` = number of steps ``i -> j`` in the trajectory.

    A 2-D trajectory ``(n_steps + 1, n_chains)`` is pooled over chains (transitions are
    counted within each chain, never across chains).

    Examples
    --------
    >>> empirical_transition_counts([0, 1, 2, 0, 1], 3)
    array([[0, 2, 0],
           [0, 0, 1],
           [1, 0, 0]])
    """
    arr, n = _check_trajectory(traj, n_states)
    codes = (arr[:-1] * n + arr[1:]).ravel()
    return np.bincount(codes, minlength=n * n).reshape(n, n).astype(np.int64)


def estimate_currents(traj: ArrayLike, n_states: int) -> np.ndarray:
    """Estimated currents ``J_hat[i, j] = (N[i, j] - N[j, i]) / n_transitions``.

    ``N`` are the transition counts (pooled over chains) and ``n_transitions`` their total
    (``n_steps * n_chains``). For a stationary trajectory ``N[i, j] / n_transitions`` is an
    unbiased estimate of ``pi_i T[i, j]``, so ``J_hat`` is unbiased for ``J``; its error
    shrinks like ``1 / sqrt(n_transitions)``.

    Examples
    --------
    >>> estimate_currents([0, 1, 2, 0, 1], 3)
    array([[ 0.  ,  0.5 , -0.25],
           [-0.5 ,  0.  ,  0.25],
           [ 0.25, -0.25,  0.  ]])
    """
    N = empirical_transition_counts(traj, n_states)
    return (N - N.T) / N.sum()


def estimate_entropy_production(traj: ArrayLike, n_states: int) -> float:
    r"""Plug-in estimate of the entropy production per step from a trajectory.

    .. math::

        \hat\sigma = \frac12 \sum_{i \ne j} \frac{N_{ij} - N_{ji}}{n}
                     \log\frac{N_{ij}}{N_{ji}},

    the exact formula with the fluxes ``pi_i T_ij`` replaced by the observed frequencies
    ``N_ij / n``. Pairs never seen in either direction contribute 0.

    **A short trajectory.** If some transition ``i -> j`` has been seen but its reverse
    ``j -> i`` not yet, the estimate is ``math.inf``, exactly as the exact entropy
    production is infinite when ``T[j, i] == 0``: from the data alone, a transition never
    seen to reverse is indistinguishable from an irreversible one. Returning a finite number
    by dropping such pairs would silently discard the *most* asymmetric pairs (a downward
    bias); ``inf`` says honestly "the trajectory is too short to tell (or the chain really
    is irreversible)". As the trajectory grows, every reverse transition with
    ``T[j, i] > 0`` is eventually observed and the estimate becomes finite and converges to
    the exact value (error about ``1 / sqrt(n)``). For the finite estimate over the pairs
    seen both ways, and how many pairs were left out, use
    :func:`estimate_entropy_production_observed`.

    Examples
    --------
    >>> estimate_entropy_production([0, 1, 2, 0, 1], 3)
    inf
    >>> round(estimate_entropy_production([0, 1, 0, 1, 1, 0], 2), 12)
    0.0
    """
    N = empirical_transition_counts(traj, n_states)
    value, n_unmatched = _entropy_production_from_flux(N / N.sum())
    return math.inf if n_unmatched else value


class ObservedEntropyProduction(NamedTuple):
    """Finite entropy-production estimate over the pairs seen in both directions."""

    value: float
    """Estimate restricted to the pairs ``{i, j}`` observed both as ``i -> j`` and ``j -> i``."""
    n_unmatched: int
    """Number of pairs observed in one direction only (left out of ``value``)."""


def estimate_entropy_production_observed(
    traj: ArrayLike, n_states: int
) -> ObservedEntropyProduction:
    """Entropy-production estimate over the pairs observed in both directions only.

    Returns ``(value, n_unmatched)``. When ``n_unmatched == 0`` the value equals
    :func:`estimate_entropy_production`; otherwise it is a lower, finite number that leaves
    out the ``n_unmatched`` pairs seen in one direction only (see that function for why the
    main estimator returns ``inf`` then). Always report ``n_unmatched`` next to the value.

    Examples
    --------
    >>> est = estimate_entropy_production_observed([0, 1, 2, 0, 1], 3)
    >>> est.value, est.n_unmatched
    (0.0, 3)
    """
    N = empirical_transition_counts(traj, n_states)
    value, n_unmatched = _entropy_production_from_flux(N / N.sum())
    return ObservedEntropyProduction(value=value, n_unmatched=n_unmatched)
