"""Searches on the directed graph of a chain (edge ``i -> j`` when ``T[i, j] > 0``).

The graph is held as its boolean adjacency matrix ``S = T > 0``; every step below works
on whole rows of ``S`` with NumPy, so a search costs O(n^2) array operations and O(n)
Python steps, whatever the number of edges (a dense chain on 2000 states has 4 million).

* :func:`bfs_levels`, :func:`reachable`: breadth-first search, one frontier at a time.
* :func:`is_strongly_connected`: every state reaches state 0 and is reached from it.
* :func:`strongly_connected_components`: Tarjan's algorithm, iterative.
"""

from __future__ import annotations

import numpy as np


def bfs_levels(S: np.ndarray, start: int) -> np.ndarray:
    """Breadth-first distances from ``start`` (``-1`` for the states it cannot reach).

    One frontier at a time: the next frontier is every successor of the current one not
    seen yet, ``S[frontier].any(axis=0) & (level < 0)``.

    Examples
    --------
    >>> S = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=bool)
    >>> bfs_levels(S, 0).tolist(), bfs_levels(S, 2).tolist()
    ([0, 1, -1], [1, 2, 0])
    """
    level = np.full(S.shape[0], -1, dtype=np.int64)
    level[start] = 0
    frontier = np.array([start])
    d = 0
    while frontier.size:
        d += 1
        new = S[frontier].any(axis=0) & (level < 0)
        level[new] = d
        frontier = np.flatnonzero(new)
    return level


def reachable(S: np.ndarray, start: int) -> np.ndarray:
    """Boolean mask of the states reachable from ``start`` (``start`` included)."""
    return bfs_levels(S, start) >= 0


def is_strongly_connected(S: np.ndarray) -> bool:
    """True when every state reaches every other one (the chain is irreducible).

    It is enough that state 0 reaches every state (search along ``S``) and that every
    state reaches state 0 (the same search along the reversed edges, ``S.T``).
    """
    return bool(reachable(S, 0).all() and reachable(S.T, 0).all())


def strongly_connected_components(S: np.ndarray) -> list[np.ndarray]:
    """The strongly connected components (communicating classes), sinks first.

    Tarjan's algorithm (1972), written with an explicit stack instead of recursion. A
    depth-first search numbers the states in the order it discovers them (``index``);
    ``low[v]`` is the smallest number reachable from ``v``'s subtree through states still
    waiting on ``stack``. When ``v`` is finished and ``low[v] == index[v]``, nothing below
    ``v`` leads back above it: ``v`` and the states above it on ``stack`` form a component.

    The vectorised detail: instead of looking at ``v``'s edges one at a time, the search
    picks ``v``'s first undiscovered successor with ``argmax`` over a boolean row, and when
    ``v`` has none left, takes ``low[v] = min(low[v], low[w])`` over all successors ``w``
    still on ``stack`` at once (using ``low[w]`` rather than ``index[w]`` is a known,
    equally correct variant).

    Returns
    -------
    list of ndarray
        Each component as a sorted array of states, in the order Tarjan's algorithm
        completes them (a component is completed only after every component it can reach).

    Examples
    --------
    >>> S = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0]], dtype=bool)  # {0, 1} <- {2}
    >>> [c.tolist() for c in strongly_connected_components(S)]
    [[0, 1], [2]]
    """
    n = S.shape[0]
    index = np.full(n, -1, dtype=np.int64)  # discovery number
    low = np.zeros(n, dtype=np.int64)
    undiscovered = np.ones(n, dtype=bool)
    on_stack = np.zeros(n, dtype=bool)
    position = np.zeros(n, dtype=np.int64)  # where each state sits on the stack
    stack: list[int] = []  # discovered states not yet assigned to a component
    path: list[int] = []  # the depth-first path to the current state
    components: list[np.ndarray] = []
    n_discovered = 0

    def discover(w: int) -> None:
        nonlocal n_discovered
        index[w] = low[w] = n_discovered
        n_discovered += 1
        undiscovered[w] = False
        position[w] = len(stack)
        stack.append(w)
        on_stack[w] = True
        path.append(w)

    for root in range(n):
        if undiscovered[root]:
            discover(root)
        while path:
            v = path[-1]
            candidates = S[v] & undiscovered
            w = int(np.argmax(candidates))
            if candidates[w]:  # go deeper
                discover(w)
                continue
            # Every successor of v is discovered: v is finished.
            back = S[v] & on_stack
            if back.any():
                low[v] = min(low[v], int(low[back].min()))
            path.pop()  # (its parent reads low[v] when the parent is finished)
            if low[v] == index[v]:  # v is the first state of a component: pop it
                members = np.sort(np.array(stack[position[v] :], dtype=np.int64))
                del stack[position[v] :]
                on_stack[members] = False
                components.append(members)
    return components
