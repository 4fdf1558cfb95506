"""Cycles of a Markov chain: Kolmogorov's criterion, Schnakenberg's decomposition, the
dominant cycle of the net-current graph, and trajectories that walk around a cycle.

The *support graph* of a discrete-time chain is the undirected graph with an edge
``{i, j}`` (``i != j``) when ``T[i, j] > 0`` or ``T[j, i] > 0``. Self-loops ``T[i, i]`` are
not part of it: a self-transition is its own time reverse and carries no current.

All cycle-space computations use one **fundamental cycle basis**: take a spanning tree of
the support graph (breadth-first from the smallest state of each connected component);
every remaining edge ``u -> v`` (a *chord*, ``u < v``) closes exactly one cycle
``C_e = u -> v -> (tree path) -> u``. Every cycle of the graph, with its orientation, is
a signed integer combination of these ``C_e``; that is why checking a property that is
additive along cycles (the log-ratio of products of T) on the basis checks it on *every*
cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .._validation import check_state_list, check_stochastic_matrix, check_tolerance
from .core import _entropy_production_from_flux, _pi_or_compute, _reversibility_atol

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

__all__ = [
    "support_graph",
    "fundamental_cycles",
    "cycle_affinity",
    "cycle_affinities",
    "KolmogorovResult",
    "kolmogorov_check",
    "is_reversible_kolmogorov",
    "CycleDecomposition",
    "cycle_decomposition",
    "net_current_graph",
    "dominant_cycle",
    "CycleWalk",
    "find_cycle_walk",
]


# ----------------------------------------------------------------------------------------
# Graph and cycle basis
# ----------------------------------------------------------------------------------------


def support_graph(T: ArrayLike) -> nx.Graph:
    """Undirected support graph: edge ``{i, j}`` when ``T[i, j] > 0`` or ``T[j, i] > 0``.

    Self-loops are left out (see the module docstring). Nodes are ``0 .. n-1``.

    Examples
    --------
    >>> G = support_graph([[0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
    >>> sorted(G.edges)
    [(0, 1), (1, 2)]
    """
    import networkx as nx

    T = check_stochastic_matrix(T)
    G = nx.Graph()
    G.add_nodes_from(range(T.shape[0]))
    S = (T > 0) | (T.T > 0)
    rows, cols = np.nonzero(np.triu(S, k=1))
    G.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    return G


def _fundamental_basis(T: np.ndarray) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Fundamental cycles and the tree edges of a BFS spanning forest (deterministic)."""
    n = T.shape[0]
    S = (T > 0) | (T.T > 0)
    np.fill_diagonal(S, False)
    parent = np.full(n, -1, dtype=np.int64)
    depth = np.full(n, -1, dtype=np.int64)
    tree: list[tuple[int, int]] = []
    for root in range(n):
        if depth[root] >= 0:
            continue
        depth[root] = 0
        frontier = [root]
        while frontier:
            nxt = []
            for u in frontier:
                for v in np.flatnonzero(S[u]).tolist():
                    if depth[v] < 0:
                        depth[v] = depth[u] + 1
                        parent[v] = u
                        tree.append((min(u, v), max(u, v)))
                        nxt.append(v)
            frontier = nxt
    tree_set = set(tree)
    cycles = []
    rows, cols = np.nonzero(np.triu(S, k=1))
    for u, v in zip(rows.tolist(), cols.tolist(), strict=True):
        if (u, v) in tree_set:
            continue
        # Tree paths from v and from u up to their lowest common ancestor.
        path_v, path_u = [v], [u]
        a, b = v, u
        while depth[a] > depth[b]:
            a = int(parent[a])
            path_v.append(a)
        while depth[b] > depth[a]:
            b = int(parent[b])
            path_u.append(b)
        while a != b:
            a, b = int(parent[a]), int(parent[b])
            path_v.append(a)
            path_u.append(b)
        # v -> ... -> lca -> ... -> u, then close with the chord u -> v.
        seq = path_v + path_u[::-1][1:]
        cycle = [u] + seq[:-1]
        cycles.append(cycle)
    return cycles, sorted(tree)


def fundamental_cycles(T: ArrayLike) -> list[list[int]]:
    """The fundamental cycle basis used throughout this module.

    Each cycle is a list of states ``[u, v, ..., w]`` meaning ``u -> v -> ... -> w -> u``;
    its first edge ``u -> v`` (``u < v``) is the chord that defines it. A connected support
    graph with n states and E edges has ``E - n + 1`` of them (0 for a tree: chains on a
    tree are always reversible).

    Examples
    --------
    >>> from nelc_edu.markov import driven_ring
    >>> fundamental_cycles(driven_ring(4, affinity=1.0))
    [[2, 3, 0, 1]]
    """
    T = check_stochastic_matrix(T)
    return _fundamental_basis(T)[0]


def _log_T(T: np.ndarray) -> np.ndarray:
    out = np.full(T.shape, -np.inf)
    np.log(T, out=out, where=T > 0)
    return out


def _check_cycle(cycle, n: int) -> list[int]:
    states = check_state_list(cycle, n, "cycle")
    if len(states) < 2 or len(set(states)) != len(states):
        raise ValueError(
            f"cycle must list at least 2 distinct states in 0..{n - 1} (without repeating the "
            f"first one at the end); got {list(cycle)!r}."
        )
    return states


def _cycle_logs(logT: np.ndarray, cycle: list[int]) -> tuple[float, float]:
    nxt = cycle[1:] + cycle[:1]
    fwd = float(np.sum(logT[cycle, nxt]))
    bwd = float(np.sum(logT[nxt, cycle]))
    return fwd, bwd


def _affinity(fwd: float, bwd: float) -> float:
    if fwd == -math.inf and bwd == -math.inf:
        return math.nan  # neither direction possible: not a cycle of the chain
    if fwd == -math.inf:
        return -math.inf
    if bwd == -math.inf:
        return math.inf
    return fwd - bwd


def cycle_affinity(T: ArrayLike, cycle: Sequence[int]) -> float:
    """Affinity of one cycle: ``log( prod T(forward) / prod T(backward) )``.

    ``cycle = [s0, s1, ..., sk]`` means ``s0 -> s1 -> ... -> sk -> s0``: integer states
    (a list, tuple, range or integer array; floats and True/False are refused, never
    truncated or read as 1/0). The affinity is
    ``+inf`` if the backward cycle is impossible, ``-inf`` if the forward one is, and a
    ``ValueError`` is raised if neither is possible. It is computed as a sum of logs, so
    long cycles do not underflow.

    Examples
    --------
    >>> import math
    >>> from nelc_edu.markov import driven_ring
    >>> T = driven_ring(5, affinity=2.0)
    >>> math.isclose(cycle_affinity(T, [0, 1, 2, 3, 4]), 2.0)
    True
    >>> math.isclose(cycle_affinity(T, [4, 3, 2, 1, 0]), -2.0)
    True
    """
    T = check_stochastic_matrix(T)
    cycle = _check_cycle(cycle, T.shape[0])
    fwd, bwd = _cycle_logs(_log_T(T), cycle)
    a = _affinity(fwd, bwd)
    if math.isnan(a):
        raise ValueError(f"cycle {cycle} is impossible in both directions (some T entry is 0).")
    return a


def cycle_affinities(T: ArrayLike) -> tuple[list[list[int]], np.ndarray]:
    """Affinities of the fundamental cycles (see :func:`fundamental_cycles`).

    Returns
    -------
    cycles : list of list of int
    affinities : ndarray, shape (len(cycles),)
        ``log prod T(forward) / prod T(backward)`` for each cycle (``+-inf`` when one
        direction is impossible).

    Examples
    --------
    >>> from nelc_edu.markov import driven_ring
    >>> cycles, A = cycle_affinities(driven_ring(4, affinity=1.5))
    >>> cycles, A.round(12)
    ([[2, 3, 0, 1]], array([1.5]))
    """
    T = check_stochastic_matrix(T)
    cycles, _ = _fundamental_basis(T)
    logT = _log_T(T)
    aff = np.array([_affinity(*_cycle_logs(logT, c)) for c in cycles], dtype=np.float64)
    return cycles, aff


# ----------------------------------------------------------------------------------------
# Kolmogorov's criterion
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KolmogorovResult:
    """Outcome of :func:`kolmogorov_check`.

    Attributes
    ----------
    cycles : list of list of int
        The fundamental cycles checked (``[u, v, ..., w]`` = ``u -> v -> ... -> w -> u``).
    forward, backward : ndarray
        Products of T along each cycle and along its reverse.
    affinities : ndarray
        ``log(forward / backward)`` computed from sums of logs (``+-inf`` if one is 0).
    one_way_edges : list of tuple of int
        Pairs ``(i, j)`` with ``T[i, j] > 0`` but ``T[j, i] == 0``.
    atol : float
        Tolerance on ``|affinity| / len(cycle)``, the affinity per transition.
    reversible : bool
        No one-way edge and every ``|affinity| / len(cycle) <= atol``.
    """

    cycles: list[list[int]]
    forward: np.ndarray
    backward: np.ndarray
    affinities: np.ndarray
    one_way_edges: list[tuple[int, int]]
    atol: float
    reversible: bool

    @property
    def max_abs_affinity(self) -> float:
        """Largest ``|affinity|`` over the basis (0.0 for a tree)."""
        return float(np.max(np.abs(self.affinities))) if len(self.affinities) else 0.0

    def __str__(self) -> str:
        lines = [
            f"Kolmogorov check on {len(self.cycles)} basis cycle(s), "
            f"atol = {self.atol:g} on log(fwd/bwd) per transition:"
        ]
        for c, a in zip(self.cycles, self.affinities, strict=True):
            path = " -> ".join(str(s) for s in c + c[:1])
            lines.append(f"  {path:<30s} log(fwd/bwd) = {a:+.3g}")
        if self.one_way_edges:
            lines.append(f"  one-way transitions: {self.one_way_edges}")
        lines.append("  reversible" if self.reversible else "  NOT reversible")
        return "\n".join(lines)


def kolmogorov_check(T: ArrayLike, atol: float | None = None) -> KolmogorovResult:
    """Kolmogorov's criterion for reversibility, checked on a cycle basis.

    A chain is reversible (detailed balance) if and only if, for every cycle, the product
    of the transition probabilities around it equals the product around the reversed
    cycle, and every transition has a reverse (``T[i, j] > 0 <=> T[j, i] > 0``).
    No stationary distribution is needed.

    There are far too many simple cycles to list, but a basis is enough: the log-ratio
    ``log T[i, j] - log T[j, i]`` is additive along a cycle, and every oriented cycle of
    the support graph is a signed integer combination of the fundamental cycles of a
    spanning tree (:func:`fundamental_cycles`). If the affinity of every basis cycle
    vanishes, so does that of every cycle.

    **The tolerance rule** (the same in :func:`nelc_edu.markov.is_reversible`): a chain is
    declared reversible when no transition is one-way and the log-ratio of forward to
    backward probability, *per transition*, is at most ``atol`` in absolute value. Here
    that is each basis cycle's affinity divided by its length, ``|A_c| / len(c) <= atol``.
    A log-ratio does not depend on how much probability flows, so chains with tiny fluxes
    are judged like any other. ``is_reversible`` bounds the log-ratio of each pair's fluxes
    ``log(pi_i T_ij / (pi_j T_ji))``; a cycle's affinity is the sum of those of its
    transitions, so a chain that passes ``is_reversible`` passes this test too (the two
    can differ only on chains whose imbalance is within a factor of a cycle's length of
    ``atol``).

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    atol : float or None, optional
        Tolerance on ``|log(forward / backward)| / len(cycle)`` for each basis cycle; None
        means 1e-10 (1e-5 for a float32 ``T``), as in ``is_reversible``.

    Returns
    -------
    KolmogorovResult
        With ``.reversible`` and the per-cycle details.

    Examples
    --------
    >>> from nelc_edu.markov import driven_ring
    >>> kolmogorov_check(driven_ring(3, affinity=0.0)).reversible
    True
    >>> res = kolmogorov_check(driven_ring(3, affinity=1.0))
    >>> res.reversible, res.affinities.round(6)
    (False, array([1.]))
    """
    atol = _reversibility_atol(atol, T)
    T = check_stochastic_matrix(T)
    cycles, _ = _fundamental_basis(T)
    logT = _log_T(T)
    logs = [_cycle_logs(logT, c) for c in cycles]
    fwd = np.array([f for f, _ in logs], dtype=np.float64)
    bwd = np.array([b for _, b in logs], dtype=np.float64)
    aff = np.array([_affinity(f, b) for f, b in logs], dtype=np.float64)
    lengths = np.array([len(c) for c in cycles], dtype=np.float64)
    off = ~np.eye(T.shape[0], dtype=bool)
    rows, cols = np.nonzero((T > 0) & (T.T == 0) & off)
    one_way = list(zip(rows.tolist(), cols.tolist(), strict=True))
    ok = not one_way and bool(np.all(np.abs(aff) <= atol * lengths))
    return KolmogorovResult(
        cycles=cycles,
        forward=np.exp(fwd),
        backward=np.exp(bwd),
        affinities=aff,
        one_way_edges=one_way,
        atol=float(atol),
        reversible=ok,
    )


def is_reversible_kolmogorov(T: ArrayLike, atol: float | None = None) -> bool:
    """``kolmogorov_check(T, atol).reversible``.

    Examples
    --------
    >>> is_reversible_kolmogorov([[0.5, 0.5], [0.25, 0.75]])
    True
    """
    return kolmogorov_check(T, atol).reversible


# ----------------------------------------------------------------------------------------
# Schnakenberg decomposition
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleDecomposition:
    """Schnakenberg's decomposition ``sigma = sum_e J_e A_e`` over fundamental cycles.

    Attributes
    ----------
    cycles : list of list of int
        Fundamental cycles; ``cycles[e][:2]`` is the chord ``u -> v`` that defines cycle e.
    chords : list of tuple of int
        The chords ``(u, v)``.
    currents : ndarray
        Cycle currents: the net current ``J[u, v]`` on each chord.
    affinities : ndarray
        Cycle affinities ``log prod T(forward) / prod T(backward)``.
    contributions : ndarray
        ``currents * affinities`` (non-negative only in sum, not term by term).
    tree_edges : list of tuple of int
        Edges of the spanning tree.
    total : float
        ``sum(contributions)``, equal to :func:`entropy_production` (``math.inf`` when a
        transition has no reverse).
    """

    cycles: list[list[int]]
    chords: list[tuple[int, int]]
    currents: np.ndarray
    affinities: np.ndarray
    contributions: np.ndarray
    tree_edges: list[tuple[int, int]] = field(default_factory=list)
    total: float = 0.0

    def __len__(self) -> int:
        return len(self.cycles)

    def __str__(self) -> str:
        lines = [f"{'cycle':<32s} {'current':>10s} {'affinity':>10s} {'J*A':>10s}"]
        rows = zip(self.cycles, self.currents, self.affinities, self.contributions, strict=True)
        for c, j, a, s in rows:
            path = " -> ".join(str(x) for x in c + c[:1])
            lines.append(f"{path:<32s} {j:>10.4g} {a:>10.4g} {s:>10.4g}")
        lines.append(f"{'total (entropy production)':<54s} {self.total:>10.4g}")
        return "\n".join(lines)


def cycle_decomposition(T: ArrayLike, pi: ArrayLike | None = None) -> CycleDecomposition:
    r"""Decompose the entropy production over a fundamental cycle basis (Schnakenberg).

    With a spanning tree of the support graph, each chord ``e = u -> v`` closes one cycle
    ``C_e``. Because ``J`` is a circulation (rows sum to 0), it is the superposition of its
    chord values: ``J = sum_e J_e C_e`` with ``J_e = J[u, v]``. The ``log pi`` part of
    ``log(pi_i T_ij / pi_j T_ji)`` sums to zero against a circulation, which leaves

    .. math::

        \sigma = \sum_e J_e A_e, \qquad
        A_e = \log \frac{\prod_{C_e} T(\text{forward})}{\prod_{C_e} T(\text{backward})}.

    Affinities depend on T only; currents need ``pi``. Individual terms can be negative
    (a cycle can turn against its affinity, dragged by others); the sum cannot.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix (self-loops play no role).
    pi : array_like, shape (n,), optional
        Defaults to the stationary distribution of T.

    Returns
    -------
    CycleDecomposition
        ``.total`` equals :func:`entropy_production` up to rounding; ``math.inf`` when a
        transition has no reverse (the decomposition then has infinite affinities and its
        terms are not meaningful individually).

    Examples
    --------
    >>> import math
    >>> from nelc_edu.markov import driven_ring, entropy_production
    >>> d = cycle_decomposition(driven_ring(3, affinity=1.2))
    >>> len(d), math.isclose(d.total, entropy_production(driven_ring(3, affinity=1.2)))
    (1, True)
    """
    T = check_stochastic_matrix(T)
    pi = _pi_or_compute(T, pi)
    cycles, tree = _fundamental_basis(T)
    logT = _log_T(T)
    F = pi[:, None] * T
    J = F - F.T
    chords = [(c[0], c[1]) for c in cycles]
    currents = np.array([J[u, v] for u, v in chords], dtype=np.float64)
    aff = np.array([_affinity(*_cycle_logs(logT, c)) for c in cycles], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        contrib = currents * aff
    _, one_way = _entropy_production_from_flux(F)
    total = math.inf if one_way else float(np.sum(contrib))
    return CycleDecomposition(
        cycles=cycles,
        chords=chords,
        currents=currents,
        affinities=aff,
        contributions=contrib,
        tree_edges=tree,
        total=total,
    )


# ----------------------------------------------------------------------------------------
# Net-current graph and its dominant cycle
# ----------------------------------------------------------------------------------------


def net_current_graph(
    T: ArrayLike, pi: ArrayLike | None = None, threshold: float = 0.0
) -> nx.DiGraph:
    """Directed graph of the net currents: edge ``i -> j`` when ``J[i, j] > threshold``.

    Each pair carries at most one edge, in the direction of its net current. Edge attribute
    ``"current"`` holds ``J[i, j]``; node attribute ``"pi"`` holds ``pi_i``. Set
    ``threshold`` to a noise floor (e.g. the spread of currents estimated from samples) to
    keep only currents you trust. It must be a finite number ``>= 0`` (currents are
    antisymmetric: a negative threshold would keep both directions of a pair).

    Examples
    --------
    >>> from nelc_edu.markov import driven_ring
    >>> G = net_current_graph(driven_ring(3, affinity=1.0))
    >>> sorted(G.edges)
    [(0, 1), (1, 2), (2, 0)]
    """
    import networkx as nx

    threshold = check_tolerance(threshold, "threshold", 0.0)
    T = check_stochastic_matrix(T)
    pi = _pi_or_compute(T, pi)
    F = pi[:, None] * T
    J = F - F.T
    G = nx.DiGraph()
    for i in range(T.shape[0]):
        G.add_node(i, pi=float(pi[i]))
    rows, cols = np.nonzero(J > threshold)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        G.add_edge(i, j, current=float(J[i, j]))
    return G


def dominant_cycle(
    T: ArrayLike, pi: ArrayLike | None = None, threshold: float = 0.0
) -> tuple[list[int], float] | None:
    """The directed cycle of the net-current graph with the largest bottleneck current.

    The bottleneck of a cycle is the smallest current along it: the cycle current it can
    carry on its own. The answer is found exactly without listing simple cycles (there can
    be exponentially many): insert the edges of :func:`net_current_graph` by decreasing
    current; the first edge ``u -> v`` that closes a directed cycle is the bottleneck of the
    best cycle, and the cycle is ``u -> v`` followed by a shortest path from ``v`` back to
    ``u`` among the edges inserted so far. Cost: O(E (n + E)), instant for n <= 100.
    Ties between equal currents are broken by the order of the states.

    Parameters
    ----------
    T : array_like, shape (n, n)
        Row-stochastic transition matrix.
    pi : array_like, shape (n,), optional
        Defaults to the stationary distribution of T.
    threshold : float, optional
        Only currents ``> threshold`` count (see :func:`net_current_graph`).

    Returns
    -------
    (cycle, bottleneck) or None
        ``cycle`` is a list of states starting at its smallest state, meaning
        ``cycle[0] -> cycle[1] -> ... -> cycle[0]``; ``None`` if the net-current graph has
        no directed cycle (e.g. a reversible chain).

    Examples
    --------
    >>> from nelc_edu.markov import driven_ring
    >>> cycle, bottleneck = dominant_cycle(driven_ring(4, affinity=2.0))
    >>> cycle, round(bottleneck, 4)
    ([0, 1, 2, 3], 0.0612)
    >>> dominant_cycle(driven_ring(4, affinity=0.0)) is None
    True
    """
    import networkx as nx

    G = net_current_graph(T, pi, threshold)
    edges = sorted(G.edges(data="current"), key=lambda e: (-e[2], e[0], e[1]))
    H = nx.DiGraph()
    H.add_nodes_from(G.nodes)
    for u, v, c in edges:
        if u in H and nx.has_path(H, v, u):
            path = nx.shortest_path(H, v, u)  # v -> ... -> u
            cycle = [u] + path[:-1]
            k = cycle.index(min(cycle))
            return cycle[k:] + cycle[:k], float(c)
        H.add_edge(u, v)
    return None


# ----------------------------------------------------------------------------------------
# Trajectories around a cycle
# ----------------------------------------------------------------------------------------

class CycleWalk(NamedTuple):
    """A chain segment that follows a latent cycle (from :func:`find_cycle_walk`).

    Attributes
    ----------
    chain : int
        Which chain (column of the latent trajectory).
    start : int
        Index of the first latent state of the segment in the trajectory.
    states : list of int
        Latent states ``z_start, z_start+1, ...``; each step goes to the next state of the
        cycle.
    laps : float
        Number of times the segment goes around the cycle (transitions / cycle length).
    """

    chain: int
    start: int
    states: list
    laps: float


def find_cycle_walk(z, cycle: Sequence[int], *, max_states: int | None = None) -> CycleWalk:
    """The longest chain segment whose every step moves to the next state of ``cycle``.

    Parameters
    ----------
    z : array of int, shape (n_steps, n_chains)
        Latent trajectory (e.g. ``model.sample(...).z``).
    cycle : sequence of int
        ``cycle[0] -> cycle[1] -> ... -> cycle[0]`` (e.g. from
        :func:`nelc_edu.markov.dominant_cycle`).
    max_states : int, optional
        Cut the segment to at most this many states (default: two laps plus one state).

    Returns
    -------
    CycleWalk
        The longest such segment (first found among equals); ``laps`` may be below 1 if no
        chain completed a lap.

    Raises
    ------
    ValueError
        If the cycle has fewer than 2 distinct states or no step of any chain follows it.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[3, 0], [1, 1], [2, 2], [1, 0], [1, 1]])
    >>> find_cycle_walk(z, [0, 1, 2])
    CycleWalk(chain=1, start=0, states=[0, 1, 2, 0, 1], laps=1.3333333333333333)
    """
    z = np.asarray(z)
    if z.ndim == 1:
        z = z[:, None]
    if z.ndim != 2 or z.dtype.kind not in "iu":
        raise ValueError(f"z must be an integer array (n_steps, n_chains); got shape "
                         f"{z.shape}, dtype {z.dtype}.")
    cyc = [int(s) for s in cycle]
    if len(set(cyc)) != len(cyc) or len(cyc) < 2:
        raise ValueError(f"cycle must list at least 2 distinct states; got {cyc}.")
    L = len(cyc)
    if max_states is None:
        max_states = 2 * L + 1
    nxt = np.full(max(int(z.max()), max(cyc)) + 1, -1, dtype=np.int64)
    for k, s in enumerate(cyc):
        nxt[s] = cyc[(k + 1) % L]
    follows = nxt[z[:-1]] == z[1:]  # (n_steps - 1, n_chains): step t -> t+1 follows
    best = (0, 0, 0)  # (length in steps, chain, start)
    for c in range(z.shape[1]):
        run = 0
        for t, ok in enumerate(follows[:, c]):
            run = run + 1 if ok else 0
            if run > best[0]:
                best = (run, c, t - run + 1)
    n_trans, c, start = best
    if n_trans == 0:
        raise ValueError(f"no step of any chain follows the cycle {cyc}: run more chains or "
                         "steps, or check the cycle.")
    n_trans = min(n_trans, max_states - 1)
    states = [int(s) for s in z[start:start + n_trans + 1, c]]
    return CycleWalk(chain=int(c), start=int(start), states=states, laps=n_trans / L)
