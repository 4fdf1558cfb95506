"""Stationary distribution of large chains: nelc_edu against QuantEcon and deeptime.

Run (by hand, never in the test suite)::

    python benchmarks/bench_markov.py            # n = 500 and 2000, 5 interleaved repeats
    python benchmarks/bench_markov.py --quick    # n = 200 and 500, 3 repeats
    python benchmarks/bench_markov.py --sizes 500 1000 --repeats 7

Needs two packages that are *not* dependencies of nelc_edu (install them for this script
only): ``pip install quantecon deeptime``.

What is timed, for each chain (all three start from the same dense float64 NumPy array):

* ``nelc_edu``: ``nelc_edu.markov.stationary_distribution(T)`` -- validation (square,
  finite, non-negative, rows sum to 1), the irreducibility check, GTH elimination.
* ``QuantEcon``: ``quantecon.MarkovChain(T).stationary_distributions`` -- its own checks,
  the communication classes (``scipy.sparse.csgraph``), GTH elimination compiled by Numba
  (compiled before timing starts).
* ``deeptime``: ``deeptime.markov.tools.analysis.stationary_distribution(T)`` -- its
  checks (transition matrix, connectivity), backward iteration with an LU solve.

Two kinds of chain, ``n`` states each (fixed seeds):

* ``dense``: every entry positive (uniform weights, rows normalised);
* ``sparse``: about 10 positive entries per row, stored as a dense array (a random ring
  plus random extra pairs and self-loops: ``markov.random_nonreversible_chain`` with
  ``density = 4 / n``);
* ``stiff``: every entry positive, log-normal weights spanning about 30 decades, so that
  ``pi`` spans many decades too (where relative accuracy matters).

The solvers run interleaved (round-robin, one call each per repeat) so that the load of
the machine hits all of them alike; the table shows medians, the ratios ours / theirs
(below 1: ours is faster) and two residuals of each answer: ``max |pi T - pi|`` and the
relative one, ``max_i |(pi T)_i - pi_i| / pi_i`` (small only when every ``pi_i``, however
small, is accurate). The target of issue 12 is ``ours / QuantEcon <= 1.5`` at n = 500 and
n = 2000, dense and sparse, with residuals as small as QuantEcon's.

A second table times the small case the models need at every PCD step with the NumPy
backend: ``markov.stationary_and_fundamental`` (validation, GTH, ``Z``) on a K x K chain,
against a bare LU solve (``np.linalg.solve`` for pi, ``np.linalg.inv`` for Z, no
validation: what ``models/chains.py`` did before issue 12).

BLAS threads: QuantEcon's elimination is a single-threaded Numba loop, while ours (matrix
products) and deeptime's (LU) call BLAS. For a like-for-like comparison the script limits
BLAS to one thread (``OPENBLAS_NUM_THREADS=1`` and friends, set before NumPy is imported);
``--blas-threads 0`` leaves the library's default. On a shared, loaded machine a
multi-threaded OpenBLAS can be several times slower than one thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

TARGET = 1.5
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _blas_threads_from_argv(argv) -> int:
    """``--blas-threads N`` must act before NumPy is imported (default 1)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--blas-threads" in argv:
        return int(argv[argv.index("--blas-threads") + 1])
    return 1


if __name__ == "__main__":
    _threads = _blas_threads_from_argv(None)
    if _threads > 0:
        for _var in _BLAS_VARS:
            os.environ[_var] = str(_threads)

import numpy as np  # noqa: E402

from nelc_edu import markov  # noqa: E402


def dense_chain(n: int, seed: int = 0) -> np.ndarray:
    """Every entry positive: uniform weights, rows normalised."""
    W = np.random.default_rng(seed).random((n, n)) + 1e-3
    return W / W.sum(axis=1, keepdims=True)


def sparse_chain(n: int, seed: int = 0) -> np.ndarray:
    """About 10 positive entries per row (a ring plus random pairs), as a dense array."""
    return markov.random_nonreversible_chain(n, seed=seed, density=min(1.0, 4.0 / n))


def stiff_chain(n: int, seed: int = 0) -> np.ndarray:
    """Every entry positive, log-normal weights spanning about 30 decades."""
    W = np.exp(np.random.default_rng(seed).normal(scale=8.0, size=(n, n)))
    return W / W.sum(axis=1, keepdims=True)


CHAINS = {"dense": dense_chain, "sparse": sparse_chain, "stiff": stiff_chain}


def _residuals(pi: np.ndarray, T: np.ndarray) -> tuple[float, float]:
    """``max |pi T - pi|`` and ``max |(pi T - pi) / pi|``."""
    r = np.abs(pi @ T - pi)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(pi > 0, r / pi, np.inf)
    return float(r.max()), float(rel.max())


def _solvers() -> dict:
    solvers = {"nelc_edu": markov.stationary_distribution}
    try:
        import quantecon

        solvers["QuantEcon"] = lambda T: quantecon.MarkovChain(T).stationary_distributions[0]
    except ImportError:
        print("quantecon is not installed (pip install quantecon): column left out")
    try:
        from deeptime.markov.tools.analysis import stationary_distribution as dt_pi

        solvers["deeptime"] = dt_pi
    except ImportError:
        print("deeptime is not installed (pip install deeptime): column left out")
    return solvers


def _bench(T: np.ndarray, solvers: dict, repeats: int) -> dict:
    """Median seconds and max residual per solver, interleaved round-robin."""
    times = {name: [] for name in solvers}
    resid = {}
    for name, solve in solvers.items():  # warm-up (Numba compilation, caches)
        resid[name] = _residuals(np.asarray(solve(T), dtype=np.float64), T)
    for _ in range(repeats):
        for name, solve in solvers.items():
            t0 = time.perf_counter()
            solve(T)
            times[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(times[name]), *resid[name]) for name in solvers}


def _lu_stationary_and_fundamental(T: np.ndarray):
    """pi by one LU solve (last equation replaced by sum(pi) = 1), Z by inv: no checks."""
    K = T.shape[0]
    A = np.eye(K) - T
    M = A.T.copy()
    M[-1] = 1.0
    rhs = np.zeros(K)
    rhs[-1] = 1.0
    pi = np.linalg.solve(M, rhs)
    return pi, np.linalg.inv(A + pi[None, :])


def _small_table(repeats: int) -> None:
    print("\nsmall chains: markov.stationary_and_fundamental vs a bare LU solve + inv")
    print(f"{'K':>5s} {'ours [us]':>10s} {'LU [us]':>10s} {'ratio':>7s} {'max |dpi/pi|':>13s}")
    solvers = {"ours": markov.stationary_and_fundamental, "LU": _lu_stationary_and_fundamental}
    for K in (5, 10, 30):
        T = markov.random_nonreversible_chain(K, seed=K)
        times = {name: [] for name in solvers}
        for _ in range(repeats):
            for name, f in solvers.items():
                t0 = time.perf_counter()
                for _ in range(200):
                    f(T)
                times[name].append((time.perf_counter() - t0) / 200)
        ours, lu = (statistics.median(times[k]) for k in solvers)
        dpi = np.max(np.abs(solvers["ours"](T)[0] / solvers["LU"](T)[0] - 1))
        print(f"{K:5d} {1e6 * ours:10.1f} {1e6 * lu:10.1f} {ours / lu:7.2f} {dpi:13.1e}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="n = 200 and 500, 3 repeats")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (0: library default)"
    )
    args = parser.parse_args(argv)
    sizes = args.sizes or ([200, 500] if args.quick else [500, 2000])
    repeats = args.repeats or (3 if args.quick else 5)
    solvers = _solvers()
    names = list(solvers)
    warnings.simplefilter("ignore")  # deeptime's and scipy's deprecation chatter

    head = f"{'n':>5s} {'chain':>6s} " + " ".join(f"{k + ' [ms]':>15s}" for k in names)
    head += "".join(f" {'ours/' + k:>14s}" for k in names[1:])
    head += "  " + " ".join(f"{'resid ' + k:>15s}" for k in names)
    head += "  " + " ".join(f"{'rel ' + k:>13s}" for k in names)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "library default")
    print(f"medians of {repeats} interleaved repeats; BLAS threads: {blas}")
    print("resid = max |pi T - pi|, rel = max |(pi T - pi) / pi|")
    print(head)
    verdicts = []
    for n in sizes:
        for kind, make in CHAINS.items():
            T = make(n)
            res = _bench(T, solvers, repeats)
            ours = res["nelc_edu"][0]
            line = f"{n:5d} {kind:>6s} " + " ".join(f"{1e3 * res[k][0]:15.1f}" for k in names)
            line += "".join(f" {ours / res[k][0]:14.2f}" for k in names[1:])
            line += "  " + " ".join(f"{res[k][1]:15.1e}" for k in names)
            line += "  " + " ".join(f"{res[k][2]:13.1e}" for k in names)
            print(line, flush=True)
            if "QuantEcon" in res:
                ratio = ours / res["QuantEcon"][0]
                verdicts.append((n, kind, ratio, ratio <= TARGET))
    for n, kind, ratio, ok in verdicts:
        status = "met" if ok else "NOT met"
        print(f"target ours/QuantEcon <= {TARGET} at n = {n} ({kind}): {ratio:.2f} {status}")
    _small_table(repeats)


if __name__ == "__main__":
    main()
