"""Self-checks of notebook 07 (why cycles emerge): exercises 7.1 to 7.3.

Each checker recomputes what the answer should be with the library and says what to look
at when it is not right, never the expected value.

Examples
--------
>>> from nelc_edu import checks
>>> checks.check("7.2", [(1, 0, 3, 2)])  # doctest: +NORMALIZE_WHITESPACE
Not yet (exercise 7.2): compute sigma for each of your permutations: some permutations
without a fixed point give a reversible chain.
False
"""

from __future__ import annotations

import itertools

import numpy as np

from . import exercise

__all__: list[str] = []

#: Exercise 7.2: the chain of a permutation P is ``(1 - SMOOTH) P + SMOOTH / K``.
SMOOTH = 0.1
#: Exercise 7.2: the number of states.
K_PERMUTATIONS = 4
#: Exercise 7.3: the least number of updates of the noisy run.
MIN_UPDATES = 200


def _smoothed_chain(perm: tuple[int, ...]) -> np.ndarray:
    K = len(perm)
    P = np.zeros((K, K))
    P[np.arange(K), list(perm)] = 1.0
    return (1.0 - SMOOTH) * P + SMOOTH / K


def irreversible_derangements(K: int = K_PERMUTATIONS) -> set[tuple[int, ...]]:
    """The permutations of K states without a fixed point whose smoothed chain is irreversible.

    Examples
    --------
    >>> sorted(irreversible_derangements(3))
    [(1, 2, 0), (2, 0, 1)]
    """
    from .. import markov

    out = set()
    for perm in itertools.permutations(range(K)):
        if any(perm[k] == k for k in range(K)):
            continue
        T = _smoothed_chain(perm)
        if markov.entropy_production(T, markov.stationary_distribution(T)) > 1e-9:
            out.add(tuple(int(v) for v in perm))
    return out


@exercise("7.1")
def self_overlap(answer) -> tuple[bool, str]:
    """Answer: ``(rbm, overlap)``, the trained one-hot RBM and its K self-overlaps."""
    if not isinstance(answer, tuple) or len(answer) != 2:
        return False, ("pass a pair (rbm, overlap): the trained one-hot RBM and your array of "
                       "K self-overlaps")
    model, overlap = answer
    if not hasattr(model, "latent_marginal") or getattr(model, "N", 99) > 20:
        return False, ("the first item must be the trained one-hot RBM (a OneHotRBM with few "
                       "visible units, such as rbm_trace.model)")
    overlap = np.asarray(overlap, dtype=float)
    if overlap.shape != (model.K,):
        return False, f"give one self-overlap per latent state: an array of shape ({model.K},)"
    expected = model.self_transition("exact")
    if np.allclose(overlap, expected, atol=1e-8):
        return True, ""
    from ..models import all_binary_states

    images = all_binary_states(model.N)
    P_x = np.exp(model.log_prob(images))
    q = np.exp(model.log_encoder(images))
    P_z = model.latent_marginal()
    if np.allclose(overlap, expected * P_z, atol=1e-8):
        return False, "you have E_P[q(z|x)^2]; divide it by P(z) = rbm.latent_marginal()"
    if np.allclose(overlap, P_x @ q, atol=1e-8) or np.allclose(overlap, 1.0, atol=1e-8):
        return False, "square the posterior q(z|x) before you average it over the images"
    if np.allclose(overlap, (q ** 2).mean(axis=0) / P_z, atol=1e-8):
        return False, "weight each image by its probability P(x) = exp(rbm.log_prob(images))"
    return False, ("sum over all 2^N images, weight each by P(x) = exp(rbm.log_prob(images)), "
                   "square q(z|x) = exp(rbm.log_encoder(images)) and divide by "
                   "P(z) = rbm.latent_marginal()")


@exercise("7.2")
def circulating_permutations(answer) -> tuple[bool, str]:
    """Answer: the permutations of 4 states without a fixed point whose chain is irreversible."""
    K = K_PERMUTATIONS
    try:
        given = {tuple(int(v) for v in perm) for perm in answer}
    except TypeError:
        return False, ("give a list of tuples, one per permutation, e.g. perm = (0, 2, 1, 3) "
                       "sends state k to perm[k]")
    if any(sorted(perm) != list(range(K)) for perm in given):
        return False, (f"each permutation is a tuple of length {K} holding every state 0..{K - 1} "
                       "once (perm[k] is where state k goes)")
    if any(any(perm[k] == k for k in range(K)) for perm in given):
        return False, ("leave out the permutations that keep a state in place (perm[k] == k): "
                       "they have a self-transition")
    expected = irreversible_derangements(K)
    if given - expected:
        return False, ("compute sigma for each of your permutations: some permutations without "
                       "a fixed point give a reversible chain")
    if expected - given:
        return False, ("some permutations without a fixed point whose chain is irreversible are "
                       "missing; go through all of itertools.permutations(range(4))")
    return True, ""


@exercise("7.3")
def noisy_plain_ascent(answer) -> tuple[bool, str]:
    """Answer: the ExactTrace of the two-matrix model trained by plain ascent on minibatches."""
    from ..exact_training import ExactTrace, snapshot

    if not isinstance(answer, ExactTrace):
        return False, ("pass the trace of your run: trace_parameters(model, X, path) with the "
                       "parameters recorded after every update")
    if answer.encoder_self_change is None:
        return False, ("train the two-matrix model (TwoMatrixModel.random(3, 9, seed=1)), "
                       "not the RBM")
    if len(answer) - 1 < MIN_UPDATES:
        return False, f"train for at least {MIN_UPDATES} updates, one minibatch each"
    final = snapshot(answer.model, answer.data)
    if abs(final.sigma - answer.sigma[-1]) > 1e-9 * max(1.0, final.sigma):
        return False, ("the trace's last state is not its model's: record the parameters after "
                       "every update, including the last")
    if answer.log_likelihood[-1] < answer.log_likelihood[0] + 1.0:
        return False, ("the log-likelihood barely moved: step along +gradient (ascent) with "
                       "the learning rate of the full-batch run")
    if answer.sigma[-1] <= 0.3 or answer.mean_self_transition[-1] >= 1.0 / answer.K:
        return False, ("your run ends with a small sigma, like full-batch plain ascent: did every "
                       "update use the gradient of a fresh random minibatch of 20 images?")
    return True, ""
