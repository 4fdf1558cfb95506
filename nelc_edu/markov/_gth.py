"""Grassmann-Taksar-Heyman (GTH) elimination: the stationary distribution of a chain.

The textbook algorithm (Grassmann, Taksar & Heyman 1985; W. J. Stewart, *Probability,
Markov Chains, Queues, and Simulation*, 2009, ch. 10) removes the states one by one.
Removing state ``k`` from the chain on the states ``k, ..., n-1`` leaves the chain
*censored* to ``k+1, ..., n-1`` (the same chain, watched only while it is there)::

    s = sum(A[k, k+1:])                 # probability of leaving k: a sum, no "1 - A[k, k]"
    A[k+1:, k] /= s                     # how often each later state enters k, per exit
    A[k+1:, k+1:] += outer(A[k+1:, k], A[k, k+1:])   # paths through k become direct jumps

After the last removal, ``pi`` is rebuilt backwards: ``x[n-1] = 1`` and
``x[k] = x[k+1:] @ A[k+1:, k]``, then ``pi = x / sum(x)``. Only sums and products of
non-negative numbers occur, so every ``pi_i``, however small, comes out with a small
*relative* error (this is what makes GTH the accurate method; see
``QuantEcon.py``'s ``quantecon/markov/gth_solve.py`` for the same loop compiled by Numba).

:func:`gth_solve` performs exactly these operations. The last (at most :data:`BLOCK`)
states are removed by the loop above, :func:`_remove_one_by_one`; before them, the states
are removed in blocks of :data:`BLOCK` (:func:`_remove_block`), so that most of the work
on a large chain is one matrix product per block (which NumPy hands to BLAS) instead of
one rank-1 update per state. The grouping changes the order of the additions, never their
sign: the accuracy is that of the textbook loop.

GTH also reveals reducibility by itself: it breaks down (a censored state that cannot be
left) when T has two closed classes, and it leaves exact zeros in ``pi`` on transient
states. So a positive ``pi`` proves that T is irreducible, and the callers search the
graph of T (to name its classes) only when :func:`gth_solve` fails.
"""

from __future__ import annotations

import numpy as np

from .. import _backend

#: States removed per block (64: best measured at n = 500 and n = 2000).
BLOCK = 64


class GTHBreakdown(ValueError):
    """The elimination met a zero exit probability, or pi over/underflowed float64."""


def gth_solve(T: np.ndarray) -> np.ndarray:
    """Stationary distribution of an irreducible row-stochastic float64 matrix ``T``.

    NumPy first; with the Numba backend, a chain of at most :data:`BLOCK` states runs the
    same textbook loop compiled (:func:`nelc_edu.markov._kernels.gth_textbook`). ``T`` is
    not modified. Raises :class:`GTHBreakdown` when a state cannot be left
    (``T`` is reducible, or a probability underflowed to 0), or when the result is not a
    positive, finite vector (the stationary probabilities span more than float64 can hold).
    """
    n = T.shape[0]
    if n <= BLOCK and _backend.backend() == "numba":
        pi = _compiled_textbook_loop(T)
    else:
        pi = _numpy_gth(T)
    if not np.all((pi > 0) & np.isfinite(pi)):
        raise GTHBreakdown(
            "the stationary probabilities of T span more than float64 can represent (GTH "
            "elimination over- or underflowed). Some transition probabilities are too close "
            f"to 0: the smallest positive entry is {T[T > 0].min():.3g} (below 2.2e-308 "
            "float64 is subnormal and imprecise). Set such entries to 0 if they are rounding "
            "noise (the chain may then be reducible), or rescale the model."
        )
    return pi


def _compiled_textbook_loop(T: np.ndarray) -> np.ndarray:
    """The loop of :func:`_remove_one_by_one` and the back substitution, by Numba.

    A small chain (the K x K latent chain of every PCD update) spends most of the NumPy
    loop's time in the overhead of small array operations; the compiled loop is the same
    arithmetic, about 50 times faster at n = 10.
    """
    from ._kernels import gth_textbook

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        pi, k = gth_textbook(np.ascontiguousarray(T, dtype=np.float64))
    if k >= 0:
        raise _breakdown(int(k))
    return pi


def _numpy_gth(T: np.ndarray) -> np.ndarray:
    A = np.array(T, dtype=np.float64, copy=True)
    n = A.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        k0 = 0
        while n - k0 > BLOCK:
            _remove_block(A, k0, k0 + BLOCK)
            k0 += BLOCK
        _remove_one_by_one(A, k0)
        x = np.zeros(n)
        x[n - 1] = 1.0
        for k in range(n - 2, -1, -1):
            x[k] = x[k + 1 :] @ A[k + 1 :, k]
        return x / x.sum()


def _remove_one_by_one(A: np.ndarray, k0: int) -> None:
    """The textbook loop: remove states ``k0, ..., n-2`` from the censored chain in ``A``."""
    n = A.shape[0]
    for k in range(k0, n - 1):
        out_of_k = A[k, k + 1 :]
        s = out_of_k.sum()
        if not s > 0.0:
            raise _breakdown(k)
        into_k = A[k + 1 :, k]
        into_k /= s
        A[k + 1 :, k + 1 :] += into_k[:, None] * out_of_k


def _breakdown(k: int) -> GTHBreakdown:
    return GTHBreakdown(
        f"GTH elimination broke down at state {k}: the chain, censored to the states not "
        "yet removed, cannot leave it (T is reducible, or a probability underflowed to 0)."
    )


def _remove_block(A: np.ndarray, k0: int, k1: int) -> None:
    """Remove states ``k0 .. k1-1`` (``k1 < n``) from the censored chain held in ``A``.

    Exactly the operations of :func:`_remove_one_by_one` for these states, grouped. The
    textbook step for state ``k`` touches three parts of ``A``; for the block they are

    * the *panel* ``A[k0:, k0:k1]`` (the block's columns): updated state by state, as in the
      textbook, on a contiguous copy;
    * the block's rows to the right, ``A[k0:k1, k1:]``: their sums are all the textbook step
      needs (``s``), so they are tracked as the vector ``beyond``, and the rows themselves
      are brought up to date at the end, with one product;
    * the trailing matrix ``A[k1:, k1:]``: one product ``panel_below @ rows_right`` adds the
      paths through all the block's states at once.
    """
    panel = A[k0:, k0:k1].copy()  # rows k0.., columns of the block
    beyond = A[k0:, k1:].sum(axis=1)  # each row's probability of jumping past the block
    for j in range(k1 - k0):  # state k = k0 + j
        s = panel[j, j + 1 :].sum() + beyond[j]
        if not s > 0.0:
            raise _breakdown(k0 + j)
        into_k = panel[j + 1 :, j]
        into_k /= s
        panel[j + 1 :, j + 1 :] += into_k[:, None] * panel[j, j + 1 :]
        beyond[j + 1 :] += into_k * beyond[j]
    A[k0:, k0:k1] = panel
    # Row k of the block, right part, gains sum_{m < k in block} A[k, m] * (row m): rows =
    # rows_0 + L rows with L the block's multipliers below the diagonal, so
    # rows = inv(I - L) rows_0, and inv(I - L) = I + L + L^2 + ... has no negative entry.
    b = k1 - k0
    rows_right = _inv_unit_lower(panel[:b]) @ A[k0:k1, k1:]
    A[k0:k1, k1:] = rows_right
    A[k1:, k1:] += panel[b:] @ rows_right


def _inv_unit_lower(L: np.ndarray) -> np.ndarray:
    """``inv(I - tril(L, -1))`` by forward substitution (sums of non-negative terms only)."""
    b = L.shape[0]
    M = np.eye(b)
    for j in range(1, b):
        M[j, :j] = L[j, :j] @ M[:j, :j]
    return M
