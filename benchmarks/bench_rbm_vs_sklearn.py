"""Benchmark: nelc_edu's binary RBM trainer against scikit-learn's BernoulliRBM.

Same data (binarized 8x8 digits, 80/20 split), same number of hidden units (M = 16, so the
exact log-likelihood is computable by summing the 2**16 hidden states), same batch size,
same number of epochs and parameter updates, same persistent-chain algorithm (PCD-1 with
``batch_size`` chains, Rao-Blackwellised hidden statistics), same initialisation
(``W ~ N(0, 0.01**2)``, zero biases). What differs is the implementation (Numba kernels with
counter-based random streams vs NumPy) and the optimiser (RMSprop vs plain SGD): each side
gets the best learning rate of a small grid, chosen on the training log-likelihood.

Both trainers run in the same process, interleaved (repeat r trains ours then sklearn's,
or the other way round on odd r), so machine load affects both alike. Timing covers the
training only (no diagnostics); the Numba kernels are compiled before the clock starts.

Run (scikit-learn is needed for this script only)::

    python benchmarks/bench_rbm_vs_sklearn.py              # 30 epochs, 5 repeats
    python benchmarks/bench_rbm_vs_sklearn.py --quick      # 10 epochs, 3 repeats

It prints a table: median time per epoch, the ratio, and the exact mean log-likelihood
(nats per image) each model reaches on the training and the held-out images.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time

import numpy as np

from nelc_edu.datasets import load_digits, train_test_split
from nelc_edu.models.binary_rbm import BinaryRBM
from nelc_edu.training import train


def _ours(X, *, M, batch_size, epochs, lr, seed):
    n_updates = epochs * math.ceil(X.shape[0] / batch_size)
    rbm = BinaryRBM.random(M, X.shape[1], scale=0.01, seed=seed)
    t0 = time.perf_counter()
    train(
        rbm, X, method="pcd", n_updates=n_updates, batch_size=batch_size,
        n_chains=batch_size, learning_rate=lr, cd_k=1, checkpoint_every=n_updates,
        keep_params=False, seed=seed, progress=False,
    )
    return rbm, time.perf_counter() - t0


def _sklearn(X, *, M, batch_size, epochs, lr, seed):
    from sklearn.neural_network import BernoulliRBM

    est = BernoulliRBM(
        n_components=M, learning_rate=lr, batch_size=batch_size, n_iter=epochs,
        random_state=seed, verbose=0,
    )
    Xf = X.astype(np.float64)
    t0 = time.perf_counter()
    est.fit(Xf)
    return BinaryRBM.from_sklearn(est), time.perf_counter() - t0


TRAINERS = {"nelc_edu": _ours, "sklearn": _sklearn}
LABELS = {
    "nelc_edu": "nelc_edu BinaryRBM  (PCD-1, RMSprop)",
    "sklearn": "sklearn BernoulliRBM (PCD-1, SGD)",
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--ours-lr", type=float, nargs="+", default=[3e-3, 1e-2, 3e-2])
    ap.add_argument("--sklearn-lr", type=float, nargs="+", default=[0.03, 0.1, 0.3, 1.0])
    ap.add_argument("--quick", action="store_true", help="10 epochs, 3 repeats")
    args = ap.parse_args(argv)
    if args.quick:
        args.epochs, args.repeats = 10, 3

    import sklearn

    X, y = load_digits()
    X_tr, X_te, _, _ = train_test_split(X, y, test_fraction=0.2, seed=0)
    M, B, E = args.hidden, args.batch_size, args.epochs
    updates = math.ceil(X_tr.shape[0] / B)
    print(
        f"digits: {X_tr.shape[0]} training / {X_te.shape[0]} held-out images, N = {X.shape[1]};"
        f" M = {M} hidden units; batch {B}; {E} epochs x {updates} updates; "
        f"PCD-1 with {B} persistent chains"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    # Compile the Numba kernels before any timing.
    t0 = time.perf_counter()
    _ours(X_tr[:200], M=M, batch_size=B, epochs=1, lr=1e-2, seed=0)
    print(f"first call (Numba compile or cache load): {time.perf_counter() - t0:.2f} s\n")

    # 1. Learning rate: the best of a small grid for each side (one run each, seed 0).
    best = {}
    for name, grid in (("nelc_edu", args.ours_lr), ("sklearn", args.sklearn_lr)):
        scores = {}
        for lr in grid:
            model, _ = TRAINERS[name](X_tr, M=M, batch_size=B, epochs=E, lr=lr, seed=0)
            scores[lr] = model.log_likelihood(X_tr)
        best[name] = max(scores, key=scores.get)
        shown = ", ".join(f"{lr:g}: {ll:.2f}" for lr, ll in scores.items())
        print(f"learning-rate grid {name:8s} (train LL): {shown}  -> {best[name]:g}")

    # 2. Timed, interleaved repeats with the chosen learning rates.
    times = {name: [] for name in TRAINERS}
    ll_tr = {name: [] for name in TRAINERS}
    ll_te = {name: [] for name in TRAINERS}
    for r in range(args.repeats):
        order = list(TRAINERS) if r % 2 == 0 else list(TRAINERS)[::-1]
        for name in order:
            model, dt = TRAINERS[name](
                X_tr, M=M, batch_size=B, epochs=E, lr=best[name], seed=100 + r
            )
            times[name].append(dt / E)
            ll_tr[name].append(model.log_likelihood(X_tr))
            ll_te[name].append(model.log_likelihood(X_te))

    med = {name: statistics.median(times[name]) for name in TRAINERS}
    print(
        f"\n{args.repeats} interleaved repeats (medians; spread = min..max over repeats)\n"
        f"{'trainer':38s} {'lr':>6s} {'ms/epoch':>9s} {'(min..max)':>15s} "
        f"{'exact LL train':>15s} {'exact LL held-out':>18s}"
    )
    for name in TRAINERS:
        t = np.array(times[name]) * 1e3
        print(
            f"{LABELS[name]:38s} {best[name]:6g} {np.median(t):9.2f} "
            f"{f'({t.min():.2f}..{t.max():.2f})':>15s} "
            f"{statistics.median(ll_tr[name]):15.2f} {statistics.median(ll_te[name]):18.2f}"
        )
    ratio = med["sklearn"] / med["nelc_edu"]
    print(f"\ntime ratio sklearn / nelc_edu: {ratio:.2f}  (> 1: nelc_edu is faster)")
    gain = statistics.median(ll_tr["nelc_edu"]) - statistics.median(ll_tr["sklearn"])
    print(f"log-likelihood gain of nelc_edu (train, nats per image): {gain:+.2f}")
    print(
        "reference: a model that ignores the data (every pixel on with probability 1/2) "
        f"scores {-X.shape[1] * np.log(2):.2f}"
    )


if __name__ == "__main__":
    main()
