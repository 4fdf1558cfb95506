"""Does the noise floor bound? Estimate sigma of exactly reversible models many times.

For every reversible test model (random one-hot RBMs, random tied two-matrix models,
trained-like one-hot RBMs with sharp components and latent weights down to 1e-6, also as
tied two-matrix models, and untied models whose chain is exactly reversible by symmetry,
:meth:`~nelc_edu.models.TwoMatrixModel.reversible_untied`), at N = 64 and N = 784 (780 for
the symmetric ones) and budgets from 100 to 10^4 draws per component, this script calls
:func:`nelc_edu.models.estimators.entropy_production_with_floor` and counts

* how often ``sigma > 3 * noise_floor`` (a false "finite entropy production");
* how many edges of the latent graph carry a "measured" current (``|J|`` above
  ``est.current_threshold()``, three null standard errors): every one is false.

It then does the same for untied two-matrix models to show that real entropy production
stays far above the floor. The acceptance rule of the course: on reversible models at most 5%
of estimates exceed 3 floors, and at most 5% of the edges of any graph are false.

Usage::

    python scripts/check_noise_floor.py                # the full battery (about 10 minutes)
    python scripts/check_noise_floor.py --quick        # a smaller one (about 1 minute)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nelc_edu.models import OneHotRBM, TwoMatrixModel
from nelc_edu.models.estimators import entropy_production_with_floor

K = 10


def reversible_models(N: int, seed: int):
    """(name, model) pairs of exactly reversible latent-chain models."""
    scale = 1.0 if N <= 64 else 0.3
    yield "random one-hot RBM", OneHotRBM.random(K, N, scale=scale, seed=seed)
    yield "random tied two-matrix", TwoMatrixModel.random(K, N, scale=2 * scale, seed=seed).tied()
    for sharpness in ((2.0, 4.0, 6.0) if N <= 64 else (1.0, 2.0, 3.0)):
        for rarest in (1e-2, 1e-6):
            rbm = OneHotRBM.sharp(K, N, sharpness=sharpness, rarest=rarest, seed=seed)
            yield f"sharp RBM s={sharpness:g} rarest={rarest:g}", rbm
    rbm = OneHotRBM.sharp(K, N, sharpness=3.0 if N <= 64 else 1.5, rarest=1e-6, seed=seed)
    yield "sharp tied two-matrix", TwoMatrixModel(rbm.W, rbm.c, rbm.W.T, rbm.b)
    # untied, yet exactly reversible: the estimator's noise is not symmetric here
    block = max(1, N // K)
    for enc, dec in ((0.5, 0.5), (1.0, 2.0), (0.3, 3.0)):
        yield f"reversible untied {enc:g}/{dec:g}", TwoMatrixModel.reversible_untied(
            K, block, encoder_scale=enc * (6 / block) ** 0.5, decoder_scale=dec, seed=seed)


def battery(Ns, budgets, n_seeds: int, rng) -> list[dict]:
    rows = []
    for N in Ns:
        for S in budgets:
            n = exceed = false_edges = worst_graph = 0
            worst = 0.0
            t0 = time.perf_counter()
            for seed in range(n_seeds):
                for _, model in reversible_models(N, seed):
                    try:
                        est = entropy_production_with_floor(model, n_samples=S, seed=rng)
                    except ValueError:  # T reducible in floating point: refused, not estimated
                        continue
                    iu = np.triu_indices(K, 1)
                    edges = int(np.sum(np.abs(est.currents[iu]) > est.current_threshold()))
                    n += 1
                    exceed += est.sigma > 3 * est.noise_floor
                    false_edges += edges
                    worst_graph = max(worst_graph, edges)
                    worst = max(worst, est.sigma / est.noise_floor)
            rows.append(dict(N=N, S=S, n=n, exceed=exceed, false_edges=false_edges,
                             worst_graph=worst_graph, worst_ratio=worst,
                             seconds=time.perf_counter() - t0))
            r = rows[-1]
            edges = 45 * max(r["n"], 1)
            print(f"N = {N:4d}, S = {S:5d}: {r['n']:3d} estimates, sigma > 3 floors in "
                  f"{r['exceed']} ({r['exceed'] / max(r['n'], 1):.1%}); false edges "
                  f"{r['false_edges']} of {edges} ({r['false_edges'] / edges:.2%}), "
                  f"at most {r['worst_graph']} in one graph; largest sigma/floor "
                  f"{r['worst_ratio']:.2f}  [{r['seconds']:.0f} s]", flush=True)
    return rows


def untied(Ns, budgets, rng) -> None:
    for N in Ns:
        for S in budgets:
            ratios = []
            for seed in range(3):
                model = TwoMatrixModel.random(K, N, scale=1.0 if N <= 64 else 0.3, seed=seed)
                est = entropy_production_with_floor(model, n_samples=S, seed=rng)
                ratios.append(est.sigma / est.noise_floor)
            print(f"untied two-matrix N = {N}, S = {S}: sigma / floor = "
                  + ", ".join(f"{r:.3g}" for r in ratios))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller battery")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.quick:
        battery([64], [100, 1000], 2, rng)
        untied([64], [100, 1000], rng)
    else:
        battery([64, 784], [100, 300, 1000, 3000, 10000], 5, rng)
        untied([64, 784], [100, 1000, 10000], rng)


if __name__ == "__main__":
    main()
