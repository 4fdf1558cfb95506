"""Reproduce the paper's claims on the embedded 8x8 digits, over several seeds.

Runs ``nelc_edu.experiments.compare`` (two-matrix model and one-hot RBM trained with PCD at
equal budget, plus the exact-gradient one-hot RBM as the control) for each seed with the
package defaults, then prints mean ± standard deviation per model and checks each claim of
``docs/theory.md``, section 10, seed by seed.

    python scripts/reproduce_digits.py --seeds 0-4            # about 1 minute on one core
    python scripts/reproduce_digits.py --seeds 0-4 --markdown  # the table for docs/results.md
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from nelc_edu import __version__
from nelc_edu.experiments import KIND_LABELS, compare, default_settings

METRICS = [
    ("log_likelihood", "log-lik (train)", "{:.2f}"),
    ("log_likelihood_heldout", "log-lik (held-out)", "{:.2f}"),
    ("entropy_production", "σ (nats/step)", "{:.3g}"),
    ("ep_noise_floor", "σ noise floor", "{:.1e}"),
    ("mean_self_transition", "mean diag T", "{:.3f}"),
    ("class_kl", "class KL", "{:.3f}"),
]


def parse_seeds(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--latent", type=int, default=10)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    K = args.latent

    t0 = time.perf_counter()
    per_kind: dict[str, dict[str, list[float]]] = {}
    claims = {"sigma_finite": [], "diag_below_1_over_K": [], "ll_beats_pcd_rbm": [],
              "kl_beats_pcd_rbm": [], "rbm_sigma_within_3_floors": [], "rbm_diag_rises": []}
    for seed in seeds:
        res = compare("digits", K, seed, progress=False)
        for kind, r in res.items():
            d = per_kind.setdefault(kind, {m: [] for m, _, _ in METRICS})
            for m, _, _ in METRICS:
                d[m].append(float(r.final[m]))
        tm, rbm = res["two_matrix"].final, res["rbm"].final
        claims["sigma_finite"].append(tm["entropy_production"] > 10 * tm["ep_noise_floor"])
        claims["diag_below_1_over_K"].append(tm["mean_self_transition"] < 1 / K)
        claims["ll_beats_pcd_rbm"].append(tm["log_likelihood"] > rbm["log_likelihood"])
        claims["kl_beats_pcd_rbm"].append(tm["class_kl"] < rbm["class_kl"])
        claims["rbm_sigma_within_3_floors"].append(
            rbm["entropy_production"] < 3 * rbm["ep_noise_floor"])
        h = res["rbm"].history.get("mean_self_transition")
        claims["rbm_diag_rises"].append(h[-1] > h[0] + 0.3)
        print(f"seed {seed}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    wall = time.perf_counter() - t0

    s = default_settings("digits")
    header = (f"digits, K = {K}, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}), "
              f"{s['n_updates']} RMSprop updates at learning rate {s['learning_rate']}, "
              f"minibatch {s['batch_size']}, {s['n_chains']} persistent chains; "
              f"mean ± std over seeds. nelc_edu {__version__}, {platform.machine()}, "
              f"wall time {wall:.0f} s.")
    if args.markdown:
        print("\n" + header + "\n")
        print("| model | " + " | ".join(lbl for _, lbl, _ in METRICS) + " |")
        print("|---" * (len(METRICS) + 1) + "|")
    else:
        print("\n" + header)
    for kind, d in per_kind.items():
        cells = []
        for m, _, fmt in METRICS:
            a = np.asarray(d[m])
            spread = a.std(ddof=1) if a.size > 1 else 0.0
            cells.append(f"{fmt.format(a.mean())} ± {fmt.format(spread)}")
        if args.markdown:
            print(f"| {KIND_LABELS[kind]} | " + " | ".join(cells) + " |")
        else:
            print(f"{KIND_LABELS[kind]:40s} " + "  ".join(f"{c:>18s}" for c in cells))
    print("\nClaims (seeds where it holds / seeds):")
    for name, ok in claims.items():
        print(f"  {name:28s} {sum(ok)}/{len(ok)}")
    if args.json:
        args.json.write_text(json.dumps({"per_kind": per_kind, "claims": {
            k: [bool(x) for x in v] for k, v in claims.items()}, "seeds": seeds,
            "wall_time_s": wall}, indent=2))


if __name__ == "__main__":
    main()
