"""Tests of nelc_edu.markov.cycles: cycle basis, Kolmogorov, Schnakenberg, dominant cycle."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pytest

from nelc_edu import markov

N_RANDOM = 200


def _random_chains(kind: str, n_chains: int = N_RANDOM, max_states: int = 14):
    make = {
        "rev": markov.random_reversible_chain,
        "nonrev": markov.random_nonreversible_chain,
    }[kind]
    for seed in range(n_chains):
        n = 3 + seed % (max_states - 2)
        density = (1.0, 0.5, 0.2, 0.0)[seed % 4]
        yield make(n, seed=1000 + seed, density=density)


def _undirected_edges(T):
    n = T.shape[0]
    return {(i, j) for i in range(n) for j in range(i + 1, n) if T[i, j] > 0 or T[j, i] > 0}


def _cycle_edges(cycle):
    return list(zip(cycle, cycle[1:] + cycle[:1], strict=True))


# ----------------------------------------------------------------------------------------
# Fundamental cycle basis
# ----------------------------------------------------------------------------------------


def test_fundamental_cycles_form_a_basis_of_the_right_size():
    for T in _random_chains("nonrev", 60):
        n = T.shape[0]
        edges = _undirected_edges(T)
        cycles = markov.fundamental_cycles(T)
        assert len(cycles) == len(edges) - n + 1  # connected support graph
        chords = [tuple(c[:2]) for c in cycles]
        assert len(set(chords)) == len(chords)
        for c in cycles:
            assert len(set(c)) == len(c) >= 3
            assert c[0] < c[1]
            for u, v in _cycle_edges(c):
                assert (min(u, v), max(u, v)) in edges
        # each chord lies in its own cycle only: the basis is independent
        for k, (u, v) in enumerate(chords):
            for m, c in enumerate(cycles):
                es = {(min(a, b), max(a, b)) for a, b in _cycle_edges(c)}
                assert ((u, v) in es) == (k == m)
        G = markov.support_graph(T)
        assert set(G.edges) == edges
        assert nx.number_of_selfloops(G) == 0


def test_tree_support_has_no_cycles_and_is_reversible():
    # a path 0 - 1 - 2 - 3 with arbitrary (asymmetric) weights: always reversible
    T = np.array(
        [[0.3, 0.7, 0.0, 0.0], [0.1, 0.5, 0.4, 0.0], [0.0, 0.6, 0.1, 0.3], [0.0, 0.0, 0.9, 0.1]]
    )
    assert markov.fundamental_cycles(T) == []
    res = markov.kolmogorov_check(T)
    assert res.reversible and res.max_abs_affinity == 0.0
    assert markov.entropy_production(T) < 1e-15
    d = markov.cycle_decomposition(T)
    assert len(d) == 0 and d.total == 0.0


def test_cycle_affinity_and_bad_cycles():
    T = markov.driven_ring(4, affinity=2.0)
    assert math.isclose(markov.cycle_affinity(T, [0, 1, 2, 3]), 2.0, rel_tol=1e-13)
    assert math.isclose(markov.cycle_affinity(T, [1, 2, 3, 0]), 2.0, rel_tol=1e-13)
    assert math.isclose(markov.cycle_affinity(T, [0, 3, 2, 1]), -2.0, rel_tol=1e-13)
    assert math.isclose(markov.cycle_affinity(T, [0, 1]), 0.0, abs_tol=1e-15)
    with pytest.raises(ValueError, match="distinct"):
        markov.cycle_affinity(T, [0, 1, 2, 0])
    with pytest.raises(ValueError, match="out of range"):
        markov.cycle_affinity(T, [0, 7])
    with pytest.raises(ValueError, match="impossible"):
        markov.cycle_affinity(T, [0, 2])


# ----------------------------------------------------------------------------------------
# Kolmogorov
# ----------------------------------------------------------------------------------------


def test_kolmogorov_agrees_with_zero_currents_on_random_chains():
    for kind in ("rev", "nonrev"):
        for T in _random_chains(kind):
            res = markov.kolmogorov_check(T)
            assert res.reversible == markov.is_reversible(T) == (kind == "rev")
            assert markov.is_reversible_kolmogorov(T) == res.reversible
            np.testing.assert_allclose(
                np.log(res.forward / res.backward), res.affinities, atol=1e-9
            )


def test_kolmogorov_on_every_simple_cycle_agrees_with_the_basis():
    """Independent truth: enumerate all simple cycles of small support graphs."""
    for kind in ("rev", "nonrev"):
        for T in _random_chains(kind, 40, max_states=7):
            basis_ok = markov.kolmogorov_check(T).reversible
            G = markov.support_graph(T)
            all_ok = all(
                abs(markov.cycle_affinity(T, c)) <= 1e-10
                for c in nx.simple_cycles(G)
                if len(c) >= 3
            )
            assert basis_ok == all_ok == (kind == "rev")


def test_kolmogorov_reports_one_way_edges():
    T = np.array([[0.2, 0.4, 0.4], [0.3, 0.7, 0.0], [0.5, 0.25, 0.25]])
    res = markov.kolmogorov_check(T)
    assert not res.reversible
    assert res.one_way_edges == [(2, 1)]  # T[2, 1] > 0 but T[1, 2] == 0
    assert res.cycles == [[1, 2, 0]]
    assert res.affinities.tolist() == [-math.inf]  # 1 -> 2 is impossible
    assert markov.cycle_affinity(T, [0, 2, 1]) == math.inf  # its reverse needs 1 -> 2
    text = str(res)
    assert "NOT reversible" in text and "one-way" in text


def test_kolmogorov_tolerance():
    T = markov.driven_ring(5, affinity=1e-6)
    assert not markov.kolmogorov_check(T).reversible
    assert markov.kolmogorov_check(T, atol=1e-5).reversible
    with pytest.raises(ValueError, match="atol"):
        markov.kolmogorov_check(T, atol=-1.0)
    assert "reversible" in str(markov.kolmogorov_check(T, atol=1e-5))


# ----------------------------------------------------------------------------------------
# Schnakenberg decomposition
# ----------------------------------------------------------------------------------------


def test_cycle_decomposition_sums_to_entropy_production():
    for kind in ("rev", "nonrev"):
        for T in _random_chains(kind):
            sigma = markov.entropy_production(T)
            d = markov.cycle_decomposition(T)
            assert abs(d.total - sigma) <= 1e-12 * max(1.0, sigma)
            assert math.isclose(float(np.sum(d.contributions)), d.total, abs_tol=1e-15)


def test_cycle_currents_superpose_to_the_current_matrix():
    """Kirchhoff: J is the sum of chord currents around their fundamental cycles."""
    for T in _random_chains("nonrev", 60):
        J = markov.probability_currents(T)
        d = markov.cycle_decomposition(T)
        rebuilt = np.zeros_like(J)
        for c, j in zip(d.cycles, d.currents, strict=True):
            for u, v in _cycle_edges(c):
                rebuilt[u, v] += j
                rebuilt[v, u] -= j
        np.testing.assert_allclose(rebuilt, J, atol=1e-14)
        # currents and affinities are the chord currents and cycle affinities
        for (u, v), j in zip(d.chords, d.currents, strict=True):
            assert j == J[u, v]
        cycles, A = markov.cycle_affinities(T)
        assert cycles == d.cycles
        np.testing.assert_array_equal(A, d.affinities)


def test_cycle_decomposition_of_driven_ring():
    for n in (3, 6):
        A = 1.7
        T = markov.driven_ring(n, affinity=A, p_stay=0.1)
        p, q = T[0, 1], T[0, n - 1]
        d = markov.cycle_decomposition(T)
        assert len(d) == 1
        sign = 1.0 if d.cycles[0][1] == (d.cycles[0][0] + 1) % n else -1.0
        assert math.isclose(d.affinities[0], sign * A, rel_tol=1e-12)
        assert math.isclose(d.currents[0], sign * (p - q) / n, rel_tol=1e-12)
        assert math.isclose(d.total, (p - q) * math.log(p / q), rel_tol=1e-12)
        assert "total" in str(d)


def test_cycle_decomposition_with_one_way_edge_is_infinite_without_warnings():
    T = markov.driven_ring(4, affinity=math.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = markov.cycle_decomposition(T)
    assert d.total == math.inf
    assert np.all(np.isinf(d.affinities))


# ----------------------------------------------------------------------------------------
# Net-current graph and dominant cycle
# ----------------------------------------------------------------------------------------


def test_net_current_graph_edges_and_attributes():
    T = markov.random_nonreversible_chain(6, seed=2)
    J = markov.probability_currents(T)
    pi = markov.stationary_distribution(T)
    G = markov.net_current_graph(T)
    assert set(G.nodes) == set(range(6))
    assert {(i, j) for i, j in G.edges} == {tuple(e) for e in np.argwhere(J > 0).tolist()}
    for i, j, c in G.edges(data="current"):
        assert c == J[i, j] > 0
    for i, p in G.nodes(data="pi"):
        assert p == pi[i]
    thr = float(np.median(J[J > 0]))
    H = markov.net_current_graph(T, threshold=thr)
    assert all(c > thr for _, _, c in H.edges(data="current"))
    assert H.number_of_edges() < G.number_of_edges()
    with pytest.raises(ValueError, match="threshold"):
        markov.net_current_graph(T, threshold=-1e-3)
    assert (
        markov.net_current_graph(markov.random_reversible_chain(5, seed=0)).number_of_edges() <= 10
    )


def _bruteforce_dominant(T, threshold=0.0):
    G = markov.net_current_graph(T, threshold=threshold)
    best = None
    for c in nx.simple_cycles(G):
        b = min(G.edges[u, v]["current"] for u, v in _cycle_edges(c))
        if best is None or b > best:
            best = b
    return best


def test_dominant_cycle_matches_bruteforce_enumeration():
    for T in _random_chains("nonrev", 120, max_states=8):
        expected = _bruteforce_dominant(T)
        result = markov.dominant_cycle(T)
        if expected is None:
            assert result is None
            continue
        cycle, bottleneck = result
        assert bottleneck == expected
        assert cycle[0] == min(cycle) and len(set(cycle)) == len(cycle)
        G = markov.net_current_graph(T)
        currents = [G.edges[u, v]["current"] for u, v in _cycle_edges(cycle)]  # edges exist
        assert min(currents) == bottleneck


def test_dominant_cycle_of_driven_ring_and_reversible_chains():
    T = markov.driven_ring(5, affinity=3.0)
    cycle, b = markov.dominant_cycle(T)
    assert cycle == [0, 1, 2, 3, 4]
    assert math.isclose(b, (T[0, 1] - T[0, 4]) / 5, rel_tol=1e-12)
    cycle, _ = markov.dominant_cycle(markov.driven_ring(5, affinity=-3.0))
    assert cycle == [0, 4, 3, 2, 1]
    assert markov.dominant_cycle(markov.driven_ring(5, affinity=0.0)) is None
    assert markov.dominant_cycle(T, threshold=1.0) is None
    for T in _random_chains("rev", 20):
        assert markov.dominant_cycle(T, threshold=1e-12) is None


def test_dominant_cycle_is_fast_on_dense_30_state_chain():
    # 30-state tournament: far too many simple cycles to enumerate, still exact here
    T = markov.random_nonreversible_chain(30, seed=0)
    cycle, b = markov.dominant_cycle(T)
    G = markov.net_current_graph(T)
    # no cycle survives above the bottleneck, one does at it
    H = markov.net_current_graph(T, threshold=b)
    assert nx.is_directed_acyclic_graph(H)
    assert min(G.edges[u, v]["current"] for u, v in _cycle_edges(cycle)) == b
