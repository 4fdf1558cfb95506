"""Benchmark of the chain machinery (nelc_edu.models.chains); run by hand.

    python benchmarks/bench_chains.py            # about 1-2 minutes
    python benchmarks/bench_chains.py --quick    # fewer repeats

Prints three tables, every number a median over repeats, the Numba and NumPy versions
timed alternately in the same process (so their ratio is measured side by side):

(a) chain steps per second (one step = x ~ p(.|z), then z' ~ q(.|x)) of the Numba kernel
    versus a straightforward vectorised NumPy step (``rng.random``, comparisons, matmul),
    K = 10, 100 chains, N = 784 and N = 64;
(b) the floor set by the work per step on this machine: N counter-based uniforms (splitmix64
    with a running counter, vectorised by LLVM) plus the dense K x N float64 encoder dot
    product (vectorised, ``fastmath``);
(c) the full PCD training step of the two-matrix model (minibatch of 100 for the data term,
    one step of 100 persistent chains, the two-step statistics, the K x K algebra and an
    RMSprop update), Numba versus NumPy, on MNIST-5k (N = 784) and on the 8x8 digits (N = 64).

All arithmetic is float64. NumPy's BLAS is pinned to one thread; the Numba kernels are
timed with 1 thread and, when available, 2 threads (``numba.set_num_threads``).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from nelc_edu import _rng  # noqa: E402
from nelc_edu._numba import njit, numba  # noqa: E402
from nelc_edu._rng_kernels import mix64  # noqa: E402

_INV53 = 1.0 / 9007199254740992.0
from nelc_edu.models import _chain_kernels as kern  # noqa: E402
from nelc_edu.models.chains import (  # noqa: E402
    PersistentChains,
    _decoder_parts,
    stationary_and_fundamental,
    two_matrix_pcd_gradient,
)
from nelc_edu.training import RMSprop as TrainingRMSprop  # noqa: E402

K = 10
N_CHAINS = 100
BATCH = 100
# N: (target M chain steps/s per core, NumPy M steps/s on the core where it was set), from
# ../shared/RECIPES.md: one NumPy step took 2.4 us at N = 784 and 0.37 us at N = 64 there
STEP_TARGETS = {784: (1.5, 1 / 2.4), 64: (8.0, 1 / 0.37)}
PCD_TARGET = 3.0  # speed-up of the Numba PCD step over the NumPy one, MNIST-5k


# ----------------------------------------------------------------------------- helpers
def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def side_by_side(fns, repeats):
    """Median time of each function, calls interleaved so that load affects all alike."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm-up (compilation, caches)
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(t)) for name, t in times.items()}


def with_threads(n, fn):
    def run():
        saved = numba.get_num_threads()
        numba.set_num_threads(n)
        try:
            return fn()
        finally:
            numba.set_num_threads(saved)

    return run


def thread_counts():
    return [1, 2] if numba.config.NUMBA_NUM_THREADS >= 2 else [1]


def model(N, seed=0, density=0.13):
    """Random weights whose decoder switches on about ``density`` of the pixels."""
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.1, (K, N))
    c = np.zeros(K)
    U = rng.normal(0, 0.5, (N, K))
    b = np.full(N, np.log(density / (1 - density)))
    return W, c, U, b


def load_data(N):
    """MNIST-5k for N = 784 and digits for N = 64 when available, else random binary data."""
    try:
        from nelc_edu import datasets

        X = datasets.load_mnist5k()[0] if N == 784 else datasets.load_digits()[0]
        if X.shape[1] == N:
            return np.ascontiguousarray(X, dtype=np.uint8), "real"
    except Exception:  # noqa: BLE001 - the loader may not exist yet
        pass
    rng = np.random.default_rng(1)
    return (rng.random((5000, N)) < 0.13).astype(np.uint8), "random 13% ones"


# ----------------------------------------------------------------------------- (a) NumPy step
def numpy_chain_steps(P, W, c, z, rng, n_steps):
    """Straightforward vectorised NumPy: all chains at once, one step per iteration."""
    C = z.shape[0]
    WT = W.T
    for _ in range(n_steps):
        x = rng.random((C, P.shape[1])) < P[z]
        a = x @ WT + c
        e = np.exp(a - a.max(axis=1, keepdims=True))
        cdf = np.cumsum(e, axis=1)
        u = rng.random(C) * cdf[:, -1]
        z = np.minimum((cdf <= u[:, None]).sum(axis=1), K - 1)
    return z


def bench_steps(repeats):
    rows = []
    for N, n_nb, n_np in ((784, 400, 40), (64, 4000, 400)):
        W, c, U, b = model(N)
        P = _decoder_parts(U + b[:, None])[0]
        WT = np.ascontiguousarray(W.T)
        z0 = np.arange(N_CHAINS, dtype=np.int64) % K
        keys = _rng.stream_keys(1, N_CHAINS)
        rng = np.random.default_rng(0)
        fns = {"numpy": lambda: numpy_chain_steps(P, W, c, z0, rng, n_np)}  # noqa: B023
        for nt in thread_counts():
            fns[f"numba x{nt}"] = with_threads(
                nt, lambda: kern.run_chains(P, WT, c, z0, keys, n_nb, 0, 1, False)  # noqa: B023
            )
        t = side_by_side(fns, repeats)
        n_of = {name: (n_np if name == "numpy" else n_nb) for name in fns}
        rate = {name: N_CHAINS * n_of[name] / t[name] / 1e6 for name in fns}
        rows.append((N, rate, float(P.mean())))
    return rows


# ----------------------------------------------------------------------------- (b) floor
@njit(cache=False)
def _floor_uniforms(key, N, n_steps, out):
    # Vectorised: the counter is a running ``v += GAMMA`` (an induction variable), so LLVM
    # emits AVX-512 code with two 64-bit multiplies (vpmullq) per draw; one draw per pixel.
    v = key
    for _ in range(n_steps):
        for i in range(N):
            out[i] = np.float64(mix64(v) >> np.uint64(11)) * _INV53
            v += _rng.GAMMA
    return out[0]


@njit(cache=False, fastmath=True)
def _floor_dot(W, xf, n_steps, a):
    Kk, N = W.shape
    tot = 0.0
    for _ in range(n_steps):
        for k in range(Kk):
            s = 0.0
            for i in range(N):
                s += W[k, i] * xf[i]
            a[k] = s
        tot += a[0]
    return tot


def bench_floor(repeats):
    rows = []
    for N, n in ((784, 20000), (64, 200000)):
        W = np.random.default_rng(0).normal(size=(K, N))
        xf = (np.random.default_rng(1).random(N) < 0.13).astype(np.float64)
        out = np.empty(N)
        a = np.empty(K)
        key = np.uint64(12345)
        t = side_by_side(
            {
                "rng": lambda: _floor_uniforms(key, N, n, out),  # noqa: B023
                "dot": lambda: _floor_dot(W, xf, n, a),  # noqa: B023
            },
            repeats,
        )
        us_rng, us_dot = t["rng"] / n * 1e6, t["dot"] / n * 1e6
        rows.append((N, us_rng, us_dot, 1.0 / (us_rng + us_dot)))
    return rows


# ----------------------------------------------------------------------------- (c) PCD step
class RMSprop:
    """The training loop's RMSprop: its fused Numba step, or its plain NumPy step."""

    def __init__(self, params, lr=1e-3, fused=False):
        self.opt = TrainingRMSprop(params, learning_rate=lr)
        self.fused = fused

    def step(self, params, grads):
        (self.opt.step if self.fused else self.opt.step_numpy)(grads)


class NumpyPCD:
    """Straightforward vectorised NumPy PCD step for the two-matrix model (same maths)."""

    def __init__(self, N, seed=0, decay=0.9):
        self.rng = np.random.default_rng(seed)
        self.z = self.rng.integers(0, K, N_CHAINS)
        self.T = np.full((K, K), 1.0 / K)
        self.visits = np.zeros(K)
        self.decay = decay

    def gradient(self, W, c, U, b, batch):
        UB = U + b[:, None]
        P, log1mp_sum = _decoder_parts(UB)
        # one step of the persistent chains
        z_prev = self.z
        x = (self.rng.random((N_CHAINS, UB.shape[0])) < P[z_prev]).astype(np.float64)
        a = x @ W.T + c
        e = np.exp(a - a.max(axis=1, keepdims=True))
        cdf = np.cumsum(e, axis=1)
        q = e / cdf[:, -1:]
        u = self.rng.random(N_CHAINS) * cdf[:, -1]
        self.z = np.minimum((cdf <= u[:, None]).sum(axis=1), K - 1)
        # running T_hat
        onehot = np.eye(K)[z_prev]
        counts = onehot.sum(axis=0)
        self.visits = self.decay * self.visits + counts
        seen = counts > 0
        sums = onehot.T @ q
        self.T[seen] += (sums[seen] - counts[seen, None] * self.T[seen]) / self.visits[seen, None]
        pi, Z = stationary_and_fundamental(self.T)
        # data term
        X = batch.astype(np.float64)
        logr = X @ UB + log1mp_sum + np.log(pi)
        r = np.exp(logr - logr.max(axis=1, keepdims=True))
        r /= r.sum(axis=1, keepdims=True)
        rho = r.mean(axis=0)
        dU = X.T @ r / X.shape[0] - P.T * rho
        # stationary two-step term
        h = Z @ (rho / pi)
        h -= pi @ h
        H = q @ h
        wH = onehot * H[:, None] / N_CHAINS
        dU += x.T @ wH - P.T * wH.sum(axis=0)
        coef = q * (h - H[:, None]) / N_CHAINS
        return {"W": coef.T @ x, "c": coef.sum(axis=0), "U": dU, "b": dU.sum(axis=1)}


def bench_pcd(repeats, n_updates):
    rows = []
    for N in (784, 64):
        X, source = load_data(N)
        W, c, U, b = model(N)
        rng = np.random.default_rng(2)
        batch_rows = [rng.choice(len(X), BATCH, replace=False) for _ in range(n_updates)]
        batches = [X[r] for r in batch_rows]
        # The training path: TwoMatrixModel.pcd_gradient_rows (the minibatch as row numbers
        # into the data's active-pixel lists, made once, as nelc_edu.training.train does;
        # then the unchecked fused kernel) on the model's live arrays.
        from nelc_edu.models import TwoMatrixModel
        from nelc_edu.models.chains import ActiveRows

        data = ActiveRows.from_dense(X)

        tm = TwoMatrixModel(W, c, U, b)
        p_nb = tm.params()
        p_np = {"W": W.copy(), "c": c.copy(), "U": U.copy(), "b": b.copy()}
        p_ref = {"W": W.copy(), "c": c.copy(), "U": U.copy(), "b": b.copy()}
        opt_nb, opt_np, opt_ref = RMSprop(p_nb, fused=True), RMSprop(p_np), RMSprop(p_ref)
        chains = PersistentChains.start(K, N, N_CHAINS, seed=3)
        chains_ref = PersistentChains.start(K, N, N_CHAINS, seed=3)
        npcd = NumpyPCD(N)

        def run_numba(batch_rows=batch_rows):
            for rows in batch_rows:
                g = tm.pcd_gradient_rows(data, rows, chains)  # noqa: B023
                opt_nb.step(p_nb, g)  # noqa: B023

        def run_numpy(batches=batches):
            for batch in batches:
                g = npcd.gradient(p_np["W"], p_np["c"], p_np["U"], p_np["b"], batch)  # noqa: B023
                opt_np.step(p_np, g)  # noqa: B023

        def run_reference(batches=batches):
            for batch in batches[: max(1, n_updates // 10)]:
                g = two_matrix_pcd_gradient(
                    p_ref["W"], p_ref["c"], p_ref["U"], p_ref["b"], batch, chains_ref,  # noqa: B023
                    backend="numpy",
                )
                opt_ref.step(p_ref, g)  # noqa: B023

        fns = {"numpy": run_numpy, "reference": run_reference}
        for nt in thread_counts():
            fns[f"numba x{nt}"] = with_threads(nt, run_numba)
        t = side_by_side(fns, repeats)
        per = {
            name: t[name] / (max(1, n_updates // 10) if name == "reference" else n_updates) * 1e6
            for name in fns
        }
        rows.append((N, source, per))
    return rows


# ----------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 11
    print(f"# bench_chains: {platform.processor() or platform.machine()}, "
          f"numba {numba.__version__}, numpy {np.__version__}, "
          f"NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}, float64, K={K}, "
          f"{N_CHAINS} chains, medians of {repeats} repeats")

    print("\n(a) chain steps per second (M steps/s)")
    print(f"{'N':>5} {'mean P':>7} {'NumPy':>8} " + " ".join(
        f"{'Numba x' + str(n):>9} {'ratio':>6}" for n in thread_counts()))
    steps = bench_steps(repeats)
    for N, rate, pmean in steps:
        cells = " ".join(
            f"{rate[f'numba x{n}']:9.2f} {rate[f'numba x{n}'] / rate['numpy']:5.1f}x"
            for n in thread_counts()
        )
        print(f"{N:5d} {pmean:7.3f} {rate['numpy']:8.2f} {cells}")
    print("    per-core targets, set on the AMD Zen 5 core of RECIPES.md, as multiples of the")
    print("    NumPy step measured there (the same code runs at a different speed on each CPU):")
    for N, rate, _ in steps:
        target, numpy_there = STEP_TARGETS[N]
        need = target / numpy_there
        got = rate["numba x1"] / rate["numpy"]
        verdict = "met" if got >= need else "NOT met"
        print(f"    N = {N}: {target:g} M/s there = {need:.1f}x NumPy ({numpy_there:.2f} M/s); "
              f"here 1 thread {got:.1f}x NumPy = {rate['numba x1']:.2f} M/s: {verdict}")

    print("\n(b) floor of the work per step (1 thread): N uniforms + dense K x N dot product")
    print(f"{'N':>5} {'rng us':>8} {'dot us':>8} {'floor M steps/s':>16}")
    for N, us_rng, us_dot, rate in bench_floor(repeats):
        print(f"{N:5d} {us_rng:8.3f} {us_dot:8.3f} {rate:16.2f}")

    print("\n(c) full PCD training step of the two-matrix model (microseconds per update)")
    print(f"{'N':>5} {'data':>16} {'NumPy':>8} {'NumPy-ref':>10} " + " ".join(
        f"{'Numba x' + str(n):>9} {'speed-up':>8}" for n in thread_counts()))
    for N, source, per in bench_pcd(repeats, n_updates=20 if args.quick else 40):
        cells = " ".join(
            f"{per[f'numba x{n}']:9.1f} {per['numpy'] / per[f'numba x{n}']:7.1f}x"
            for n in thread_counts()
        )
        print(f"{N:5d} {source:>16} {per['numpy']:8.1f} {per['reference']:10.1f} {cells}")
        if N == 784:
            got = per["numpy"] / per["numba x1"]
            verdict = "met" if got >= PCD_TARGET else "NOT met"
            print(f"    target on MNIST-5k: {PCD_TARGET:g}x NumPy on one core: {got:.1f}x, "
                  f"{verdict}")


if __name__ == "__main__":
    main()
