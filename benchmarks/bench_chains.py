"""Chain steps and the PCD training step: the Numba backend against vectorised NumPy.

    python benchmarks/bench_chains.py            # 11 interleaved repeats (about a minute)
    python benchmarks/bench_chains.py --quick    # 5 repeats

Two tables, K = 10 latent states, 100 chains, float64, NumPy's BLAS on one thread:

(a) chain steps per second (one step: x ~ p(.|z), then z' ~ q(.|x)) at N = 784 and 64:
    ``nelc_edu.models.sampling.run_chains`` with the Numba backend, against a
    straightforward vectorised NumPy chain written below (all chains at once:
    ``rng.random``, a comparison, a matrix product, an inverse-CDF draw), and the package's
    own NumPy backend (the reference, which also computes the counter-based random numbers);
(b) one PCD training update of the two-matrix model (a minibatch of 100 for the data term,
    one step of the 100 persistent chains, pi and Z of their running T, the two-step
    statistics, an RMSprop step) on MNIST-5k (N = 784) and the 8x8 digits (N = 64):
    ``TwoMatrixModel.pcd_gradient_rows`` and ``RMSprop.step`` as ``nelc_edu.training.train``
    calls them, against the same update in vectorised NumPy written below, and the
    package's NumPy backend; then where the Numba update's time goes.

The contenders run alternately in one process, and each figure is the median over the
repeats of the *CPU time* of this process (``time.process_time``): on a shared machine the
wall clock also counts the time other jobs hold the core, which would make the ratios
depend on the neighbours. Targets (issue 12): (a) at N = 784 at least 3x the vectorised
NumPy chain; (b) on MNIST-5k at least 2x the NumPy update.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import nelc_edu  # noqa: E402
from nelc_edu import _rng  # noqa: E402
from nelc_edu.models import TwoMatrixModel  # noqa: E402
from nelc_edu.models.pcd import (  # noqa: E402
    ActiveRows,
    _decoder_parts,
    _stationary_and_fundamental,
)
from nelc_edu.models.sampling import run_chains  # noqa: E402
from nelc_edu.training import RMSprop  # noqa: E402

K, CHAINS, BATCH = 10, 100, 100
TARGETS = {"steps": 3.0, "pcd": 2.0}


def side_by_side(fns: dict, repeats: int) -> dict:
    """Median CPU seconds of each function, the calls interleaved; one warm-up call each."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn()
            times[name].append(time.process_time() - t0)
    return {name: float(np.median(t)) for name, t in times.items()}


def random_model(N: int, density: float = 0.13):
    """Small random weights whose decoder switches on about ``density`` of the pixels."""
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.1, (K, N))
    U = rng.normal(0, 0.5, (N, K))
    return W, np.zeros(K), U, np.full(N, np.log(density / (1 - density)))


# ----------------------------------------------------------------------------- (a)
def numpy_chain(P, W, c, z, rng, n_steps):
    """Vectorised NumPy: every chain at once, one step per iteration."""
    for _ in range(n_steps):
        x = rng.random((z.shape[0], P.shape[1])) < P[z]
        a = x @ W.T + c
        e = np.exp(a - a.max(axis=1, keepdims=True))
        cdf = np.cumsum(e, axis=1)
        u = rng.random(z.shape[0]) * cdf[:, -1]
        z = np.minimum((cdf <= u[:, None]).sum(axis=1), K - 1)
    return z


def bench_steps(repeats: int) -> list:
    rows = []
    for N, n_fast, n_slow in ((784, 300, 30), (64, 3000, 300)):
        W, c, U, b = random_model(N)
        P = _decoder_parts(U + b[:, None])[0]
        z0 = np.arange(CHAINS) % K
        rng = np.random.default_rng(1)
        fns = {
            "numpy": (lambda: numpy_chain(P, W, c, z0, rng, n_slow), n_slow),  # noqa: B023
            "numba": (lambda: run_chains(P, W, c, z0, 1, n_fast, backend="numba"), n_fast),  # noqa: B023
            "reference": (
                lambda: run_chains(P, W, c, z0, 1, n_slow, backend="numpy"), n_slow  # noqa: B023
            ),
        }
        t = side_by_side({name: fn for name, (fn, _) in fns.items()}, repeats)
        rate = {name: CHAINS * n / t[name] / 1e6 for name, (_, n) in fns.items()}
        rows.append((N, rate))
    return rows


# ----------------------------------------------------------------------------- (b)
class NumpyPCD:
    """The two-matrix PCD update in vectorised NumPy (the same mathematics)."""

    def __init__(self, N: int, decay: float = 0.9):
        self.rng = np.random.default_rng(2)
        self.z = self.rng.integers(0, K, CHAINS)
        self.T = np.full((K, K), 1.0 / K)
        self.visits = np.zeros(K)
        self.decay = decay

    def gradient(self, W, c, U, b, batch):
        UB = U + b[:, None]
        P, log1mp_sum = _decoder_parts(UB)
        # one step of the persistent chains, and their running T
        z_prev = self.z
        x = (self.rng.random((CHAINS, UB.shape[0])) < P[z_prev]).astype(np.float64)
        a = x @ W.T + c
        e = np.exp(a - a.max(axis=1, keepdims=True))
        cdf = np.cumsum(e, axis=1)
        q = e / cdf[:, -1:]
        u = self.rng.random(CHAINS) * cdf[:, -1]
        self.z = np.minimum((cdf <= u[:, None]).sum(axis=1), K - 1)
        left = np.eye(K)[z_prev]
        counts = left.sum(axis=0)
        self.visits = self.decay * self.visits + counts
        seen = counts > 0
        sums = left.T @ q
        self.T[seen] += (sums[seen] - counts[seen, None] * self.T[seen]) / self.visits[seen, None]
        # pi and Z by plain linear algebra
        A = np.eye(K) - self.T
        M = A.T.copy()
        M[-1] = 1.0
        pi = np.linalg.solve(M, np.eye(K)[-1])
        Z = np.linalg.inv(A + pi)
        # data term, then the stationary two-step term
        X = batch.astype(np.float64)
        log_r = X @ UB + log1mp_sum + np.log(pi)
        r = np.exp(log_r - log_r.max(axis=1, keepdims=True))
        r /= r.sum(axis=1, keepdims=True)
        rho = r.mean(axis=0)
        dU = X.T @ r / X.shape[0] - P.T * rho
        h = Z @ (rho / pi)
        h -= pi @ h
        H = q @ h
        left_H = left * H[:, None] / CHAINS
        dU += x.T @ left_H - P.T * left_H.sum(axis=0)
        coef = q * (h - H[:, None]) / CHAINS
        return {"W": coef.T @ x, "c": coef.sum(axis=0), "U": dU, "b": dU.sum(axis=1)}


def load_data(N: int) -> np.ndarray:
    from nelc_edu import datasets

    X = datasets.load_mnist5k()[0] if N == 784 else datasets.load_digits()[0]
    return np.ascontiguousarray(X, dtype=np.uint8)


def bench_pcd(repeats: int, n_updates: int) -> list:
    return [bench_pcd_one(N, repeats, n_updates) for N in (784, 64)]


def bench_pcd_one(N: int, repeats: int, n_updates: int) -> tuple:
    X = load_data(N)
    data = ActiveRows.from_dense(X)
    rng = np.random.default_rng(3)
    minibatches = [rng.choice(len(X), BATCH, replace=False) for _ in range(n_updates)]
    W, c, U, b = random_model(N)

    def package_run(backend: str, n: int):
        """The training loop's update with ``backend`` (the reference: a few updates)."""
        model = TwoMatrixModel(W, c, U, b)
        chains = model.init_chains(CHAINS, seed=4)
        opt = RMSprop(model.params(), learning_rate=1e-3)
        opt._fused = backend == "numba"

        def run():
            nelc_edu.set_backend(backend)
            for rows in minibatches[:n]:
                opt.step(model.pcd_gradient_rows(data, rows, chains))
            nelc_edu.set_backend("auto")

        return run

    npcd = NumpyPCD(N)
    params = {"W": W.copy(), "c": c.copy(), "U": U.copy(), "b": b.copy()}
    opt_np = RMSprop(params, learning_rate=1e-3)
    opt_np._fused = False  # the NumPy step

    def run_numpy():
        for rows in minibatches:
            opt_np.step(npcd.gradient(*params.values(), X[rows]))

    n_ref = 4
    t = side_by_side({"numpy": run_numpy, "numba": package_run("numba", n_updates),
                      "reference": package_run("numpy", n_ref)}, repeats)
    per = {name: t[name] / (n_ref if name == "reference" else n_updates) * 1e6 for name in t}
    return N, per, pcd_pieces(X, data, minibatches[0], W, c, U, b)


def pcd_pieces(X, data, rows, W, c, U, b) -> dict:
    """Where the Numba update's time goes (medians of 50 calls each, microseconds)."""
    from nelc_edu.models import _chains_numba as kernels  # needs Numba

    N = X.shape[1]
    chains = TwoMatrixModel(W, c, U, b).init_chains(CHAINS, seed=4)
    UB = U + b[:, None]
    P, log1mp_sum = _decoder_parts(UB)
    WT = np.ascontiguousarray(W.T)
    pi, Z = _stationary_and_fundamental(chains.T_running)
    args = (chains.z.copy(), chains.z_prev.copy(), chains.x.copy(), chains.q.copy())
    params = {"W": W.copy(), "c": c.copy(), "U": U.copy(), "b": b.copy()}
    grads = {k: np.ones_like(v) for k, v in params.items()}
    opt = RMSprop(params, learning_rate=1e-3)
    pieces = {
        "decoder P, log-normaliser (NumPy)": lambda: _decoder_parts(U + b[:, None]),
        "chain step + running T (kernel)": lambda: kernels.advance(
            P, WT, c, *args, chains.keys, 5, chains.T_running.copy(), chains.visits.copy(),
            0.9),
        "pi and Z (nelc_edu.markov)": lambda: _stationary_and_fundamental(chains.T_running),
        "data + stationary terms (kernel)": lambda: kernels.two_matrix_terms(
            data, rows, UB, P, log1mp_sum, pi, Z, args[2], args[3], args[1]),
        "RMSprop (kernel)": lambda: opt.step(grads),
    }
    out = {}
    for name, fn in pieces.items():
        fn()
        t = []
        for _ in range(50):
            t0 = time.process_time()
            fn()
            t.append(time.process_time() - t0)
        out[name] = float(np.median(t)) * 1e6
    assert N == X.shape[1]
    return out


# ----------------------------------------------------------------------------- main
def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 repeats instead of 11")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 11
    try:
        import numba
    except ImportError:
        raise SystemExit("bench_chains compares the Numba backend with NumPy: it needs Numba "
                         "(pip install numba).") from None

    print(f"# bench_chains: {platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, numba {numba.__version__}; K = {K}, {CHAINS} chains; "
          f"medians of {repeats} interleaved repeats, CPU time")
    _rng.as_generator(0)

    print("\n(a) chain steps, million steps per second (one core)")
    print(f"{'N':>5} {'NumPy':>8} {'Numba':>8} {'ratio':>7} {'reference':>10}")
    for N, rate in bench_steps(repeats):
        ratio = rate["numba"] / rate["numpy"]
        verdict = "" if N != 784 else (
            "  (target 3x: " + ("met" if ratio >= TARGETS["steps"] else "NOT met") + ")")
        print(f"{N:5d} {rate['numpy']:8.2f} {rate['numba']:8.2f} {ratio:6.1f}x "
              f"{rate['reference']:10.2f}{verdict}")

    print("\n(b) PCD update of the two-matrix model, microseconds per update (one core)")
    print(f"{'N':>5} {'NumPy':>8} {'Numba':>8} {'ratio':>7} {'reference':>10}")
    for N, per, pieces in bench_pcd(repeats, n_updates=20 if args.quick else 40):
        ratio = per["numpy"] / per["numba"]
        verdict = "" if N != 784 else (
            "  (target 2x: " + ("met" if ratio >= TARGETS["pcd"] else "NOT met") + ")")
        print(f"{N:5d} {per['numpy']:8.0f} {per['numba']:8.0f} {ratio:6.1f}x "
              f"{per['reference']:10.0f}{verdict}")
        for name, us in pieces.items():
            print(f"        {name:38s} {us:7.0f}")


if __name__ == "__main__":
    main()
