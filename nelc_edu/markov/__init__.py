"""Finite Markov chains, taught and computed.

Stationary distribution (GTH elimination, the one solver of the package), probability
currents, entropy production, reversibility (detailed balance and Kolmogorov's criterion,
one tolerance rule for both), Schnakenberg's cycle decomposition, the dominant cycle of the
net-current graph (and a trajectory segment that walks around it), fundamental matrix,
period, relaxation time, lumping, example chains, and seeded trajectory simulation with
estimators.

Input: dense real arrays (a float32 matrix is accepted with a looser row-sum tolerance;
complex numbers and scipy sparse matrices are refused: pass ``T.toarray()``). States are
integers (floats and True/False are refused, never truncated).

Convention: ``T[i, j] = P(next = j | now = i)`` (rows sum to 1), ``pi = pi T``.
Importing this module does not import Numba (the simulation kernel loads on first use).

Examples
--------
>>> import math
>>> from nelc_edu import markov
>>> T = markov.driven_ring(3, affinity=3 * math.log(4))
>>> pi = markov.stationary_distribution(T)
>>> math.isclose(markov.entropy_production(T), 0.6 * math.log(4))
True
>>> markov.kolmogorov_check(T).reversible
False
"""

from __future__ import annotations

from .core import (
    closed_classes,
    communication_classes,
    distribution_over_time,
    entropy_production,
    fundamental_matrix,
    is_irreducible,
    is_reversible,
    lump,
    period,
    probability_currents,
    relaxation_time,
    second_eigenvalue_modulus,
    spectral_gap,
    stationary_and_fundamental,
    stationary_distribution,
    stationary_distributions,
    transient_states,
)
from .cycles import (
    CycleDecomposition,
    CycleWalk,
    KolmogorovResult,
    cycle_affinities,
    cycle_affinity,
    cycle_decomposition,
    dominant_cycle,
    find_cycle_walk,
    fundamental_cycles,
    is_reversible_kolmogorov,
    kolmogorov_check,
    net_current_graph,
    support_graph,
)
from .examples import driven_ring, random_nonreversible_chain, random_reversible_chain
from .simulate import (
    ObservedEntropyProduction,
    empirical_transition_counts,
    estimate_currents,
    estimate_entropy_production,
    estimate_entropy_production_observed,
    simulate,
    simulate_reference,
)

__all__ = [
    # core
    "stationary_distribution",
    "stationary_distributions",
    "communication_classes",
    "closed_classes",
    "transient_states",
    "is_irreducible",
    "period",
    "probability_currents",
    "entropy_production",
    "is_reversible",
    "fundamental_matrix",
    "stationary_and_fundamental",
    "second_eigenvalue_modulus",
    "spectral_gap",
    "relaxation_time",
    "distribution_over_time",
    "lump",
    # cycles
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
    # examples
    "driven_ring",
    "random_reversible_chain",
    "random_nonreversible_chain",
    # simulation and estimators
    "simulate",
    "simulate_reference",
    "empirical_transition_counts",
    "estimate_currents",
    "estimate_entropy_production",
    "estimate_entropy_production_observed",
    "ObservedEntropyProduction",
]
