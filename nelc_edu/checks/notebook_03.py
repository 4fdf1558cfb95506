"""Self-checks for the exercises of notebook 03 (RBMs and Gibbs sampling).

Each checker rebuilds the notebook's small RBM and recomputes the expected answer with the
library; it returns ``(ok, hint)``, and the hint says what to look at, never the answer.

Examples
--------
>>> from nelc_edu import checks
>>> checks.check("3.1", [0.5, 0.5, 0.5])
Not yet (exercise 3.1): weigh every hidden state h by exp(-E(x, h)), normalise over the 2^M
states, and add up the probabilities of the states with h_k = 1.
False
"""

from __future__ import annotations

import numbers

import numpy as np

from ..models.binary_rbm import BinaryRBM, compare_training_methods, enumerate_states
from . import exercise

__all__: list[str] = []

#: The notebook's RBM (sections 1-4) and its image x.
RBM_ARGS = {"M": 3, "N": 4, "scale": 1.5, "seed": 1}
X_STATE = (1, 0, 1, 1)
#: Exercise 3.3: the training examples and the numbers of Gibbs steps.
TOY_ROWS = (3, 5, 10, 12, 15)
CD_STEPS = tuple(range(1, 11))
#: Exercise 3.4: the bars-and-stripes training of section 5, over its first updates.
PCD_CHAINS, PCD_UPDATES = (5, 500), 300


def _rbm() -> BinaryRBM:
    return BinaryRBM.random(**RBM_ARGS)


@exercise("3.1")
def conditional_by_enumeration(answer) -> tuple[bool, str]:
    """Exercise 3.1: p(h_k = 1 | x) of the notebook's RBM, one number per hidden unit."""
    rbm = _rbm()
    got = np.asarray(answer, dtype=float).ravel()
    if got.shape != (rbm.M,):
        return False, f"give one probability per hidden unit ({rbm.M} numbers)"
    expected = rbm.p_h_given_x(np.array([X_STATE]))[0]
    if np.allclose(got, expected, atol=1e-8):
        return True, ""
    if np.allclose(got, 1 - expected, atol=1e-8):
        return False, "you added up the states with h_k = 0: keep those with h_k = 1"
    return False, ("weigh every hidden state h by exp(-E(x, h)), normalise over the 2^M "
                   "states, and add up the probabilities of the states with h_k = 1")


@exercise("3.2")
def latent_transition_matrix(answer) -> tuple[bool, str]:
    """Exercise 3.2: T(h, h') = sum_x p(x | h) p(h' | x) of the notebook's RBM, built by hand."""
    rbm = _rbm()
    n = 2 ** rbm.M
    T = np.asarray(answer, dtype=float)
    if T.shape != (n, n):
        return False, f"the hidden layer has 2^M = {n} states, so T is a {n} x {n} matrix"
    expected = rbm.transition_matrix("hidden")
    if np.allclose(T, expected, atol=1e-10):
        return True, ""
    if not np.allclose(T.sum(axis=1), 1.0):
        if np.allclose(T.sum(axis=0), 1.0):
            return False, ("the columns of your matrix sum to 1, not its rows: row h is the "
                           "state the chain leaves, T[h, h'] = sum_x p(x | h) p(h' | x)")
        return False, ("each row of T must sum to 1: multiply the (2^M, 2^N) matrix of "
                       "p(x | h) by the (2^N, 2^M) matrix of p(h' | x)")
    return False, ("list the hidden and the visible states in enumerate_states order, and "
                   "compare your matrix with rbm.transition_matrix('hidden') entry by entry")


def cd_bias(rbm: BinaryRBM, X, ks) -> np.ndarray:
    """Exact ``|E[g_CD-k] - g|`` (weights) of chains started at the rows of X, for each k.

    After k Gibbs steps a chain started at ``x0`` has the distribution ``delta_x0 K^k``
    (K: the visible transition matrix); CD-k's negative term is the average of
    ``p(h | x) x^T`` under it.
    """
    X = np.asarray(X, dtype=float)
    states = enumerate_states(rbm.N).astype(float)
    index = {tuple(s): i for i, s in enumerate(states.astype(int).tolist())}
    p0 = np.zeros(len(states))
    for x in X.astype(int).tolist():
        p0[index[tuple(x)]] += 1.0 / len(X)
    K = rbm.transition_matrix("visible")
    P_h = rbm.p_h_given_x(states.astype(np.uint8))
    positive = rbm.p_h_given_x(X.astype(np.uint8)).T @ X / len(X)
    g_exact = rbm.gradient(X.astype(np.uint8))["W"]
    out, p = [], p0
    for k in range(1, max(ks) + 1):
        p = p @ K
        if k in ks:
            negative = (P_h * p[:, None]).T @ states
            out.append(np.linalg.norm(positive - negative - g_exact))
    return np.array(out)


@exercise("3.3")
def exact_cd_bias(answer) -> tuple[bool, str]:
    """Exercise 3.3: the exact bias of CD-k for k = 1, ..., 10 on the notebook's examples."""
    got = np.asarray(answer, dtype=float).ravel()
    if got.shape != (len(CD_STEPS),):
        return False, "give one distance per k = 1, 2, ..., 10 (10 numbers)"
    rbm = _rbm()
    X = enumerate_states(rbm.N)[list(TOY_ROWS)]
    expected = cd_bias(rbm, X, CD_STEPS)
    if np.allclose(got, expected, rtol=1e-6, atol=1e-15):
        return True, ""
    shifted = cd_bias(rbm, X, tuple(range(1, len(CD_STEPS) + 2)))
    if np.allclose(got, shifted[1:], rtol=1e-6) or np.allclose(got[1:], expected[:-1], rtol=1e-6):
        return False, "your k is off by one: after k steps the chains have the law p0 K^k"
    if (np.diff(got) > 0).any():
        return False, ("your distances do not fall at every step, like Monte Carlo estimates: "
                       "use the exact law of the chains after k steps, p0 K^k, no sampling")
    if np.allclose(got[0], expected[0], rtol=1e-6):
        return False, ("k = 1 is right: for k steps use the k-th power of K "
                       "(np.linalg.matrix_power), not K times k")
    return False, ("start from p0, the uniform distribution over the training examples, "
                   "take p0 K^k, and average p(h = 1 | x) x^T under it for the negative term")


@exercise("3.4")
def how_many_chains(answer) -> tuple[bool, str]:
    """Exercise 3.4: which number of persistent chains follows the exact curve more closely."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral) \
            or int(answer) not in PCD_CHAINS:
        return False, "answer with the number of persistent chains, 5 or 500"
    from ..datasets import bars_and_stripes

    X = bars_and_stripes(3)
    common = {"M": 8, "n_updates": PCD_UPDATES, "learning_rate": 0.02, "batch_size": 14,
              "seed": 0}
    exact = compare_training_methods(X, methods=("exact",), **common)["exact gradient"]
    gaps = {}
    for n_chains in PCD_CHAINS:
        h = compare_training_methods(X, methods=[("pcd", 1)], n_chains=n_chains,
                                     **common)["PCD-1"]
        gaps[n_chains] = np.mean(np.abs(h.get("log_likelihood") - exact.get("log_likelihood")))
    if int(answer) == min(gaps, key=gaps.get):
        return True, ""
    return False, (f"over the first {PCD_UPDATES} updates, average the distance between each "
                   "PCD curve and the exact curve: which one stays closer?")
