"""The measurement behind the digits defaults: learning rate x budget, several seeds.

    python scripts/tune_digits.py            # about 3 minutes on one core

For each learning rate and update count it trains the two-matrix model and the one-hot RBM
with PCD (the package's defaults otherwise) and prints mean ± std over seeds of the final
log-likelihood, entropy production, mean self-transition and class KL.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from nelc_edu.experiments import RunSettings, default_settings, run
from nelc_edu.training import TrainingDivergedError


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    rows = []
    for lr, n_updates in itertools.product((0.003, 0.01, 0.03), (2000, 4000)):
        for kind in ("two_matrix", "rbm"):
            vals = []
            for seed in (0, 1, 2):
                params = default_settings("digits", learning_rate=lr, n_updates=n_updates,
                                          n_checkpoints=2)
                try:
                    r = run(RunSettings(kind=kind, dataset="digits", K=10, seed=seed, **params),
                            progress=False, keep_params=False)
                except TrainingDivergedError:
                    print(f"| {lr:g} | {n_updates} | {kind} | seed {seed} diverged |", flush=True)
                    continue
                f = r.final
                vals.append([f["log_likelihood"], f["log_likelihood_heldout"],
                             f["entropy_production"], f["mean_self_transition"],
                             f["class_kl"]])
            if len(vals) < 2:
                continue
            v = np.asarray(vals)
            rows.append((lr, n_updates, kind, v.mean(0), v.std(0, ddof=1)))
            m, s = rows[-1][3], rows[-1][4]
            print(f"| {lr:g} | {n_updates} | {kind} | {m[0]:.2f} ± {s[0]:.2f} | "
                  f"{m[1]:.2f} ± {s[1]:.2f} | {m[2]:.3g} ± {s[2]:.2g} | {m[3]:.3f} ± {s[3]:.3f} "
                  f"| {m[4]:.3f} ± {s[4]:.3f} |", flush=True)


if __name__ == "__main__":
    print("| learning rate | updates | model | log-lik train | log-lik held-out | σ | "
          "mean diag T | class KL |")
    print("|---|---|---|---|---|---|---|---|")
    main()
