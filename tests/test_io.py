"""save_model / load_model: round trips, and a clear ValueError for every kind of bad file."""

from __future__ import annotations

import importlib
import json
import sys
import types

import numpy as np
import pytest

from nelc_edu import io as nio
from nelc_edu.io import load_model, read_metadata, save_model

# --------------------------------------------------------------------------- fake models


class _Fake:
    names: tuple[str, ...] = ()

    def __init__(self, **arrays):
        if set(arrays) != set(self.names):
            raise TypeError(f"expected {self.names}")
        for v in arrays.values():
            if not np.all(np.isfinite(v)):
                raise ValueError("not finite")
        self._p = {k: np.array(v, dtype=float) for k, v in arrays.items()}

    def params(self):
        return self._p


class TwoMatrixModel(_Fake):
    names = ("W", "c", "U", "b")


class OneHotRBM(_Fake):
    names = ("W", "c", "b")


class BinaryRBM(_Fake):
    names = ("W", "c", "b")

    def __init__(self, W, c, b):
        if np.any(np.asarray(c) > 1e6):  # stands for a constructor-level check
            raise ValueError("hidden bias absurdly large")
        super().__init__(W=W, c=c, b=b)


_FAKES = {"TwoMatrixModel": TwoMatrixModel, "OneHotRBM": OneHotRBM, "BinaryRBM": BinaryRBM}


@pytest.fixture
def fake_modules(monkeypatch):
    """Make load_model import the fake classes instead of the real ones."""
    for name, cls in _FAKES.items():
        module_name = nio._MODEL_SPECS[name][0]
        mod = types.ModuleType(module_name)
        setattr(mod, name, cls)
        monkeypatch.setitem(sys.modules, module_name, mod)
    return _FAKES


def _fake_model(name, K=3, N=5, seed=0):
    rng = np.random.default_rng(seed)
    if name == "TwoMatrixModel":
        return TwoMatrixModel(W=rng.normal(size=(K, N)), c=rng.normal(size=K),
                              U=rng.normal(size=(N, K)), b=rng.normal(size=N))
    return _FAKES[name](W=rng.normal(size=(K, N)), c=rng.normal(size=K), b=rng.normal(size=N))


def _arrays_of(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path, arrays, allow_pickle=False):
    with open(path, "wb") as fh:
        if allow_pickle:
            np.savez(fh, **arrays)
        else:
            np.savez_compressed(fh, **arrays)
    return path


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", sorted(_FAKES))
def test_roundtrip_fakes(tmp_path, fake_modules, name):
    model = _fake_model(name)
    path = save_model(model, tmp_path / f"{name}.npz")
    loaded = load_model(path)
    assert type(loaded) is _FAKES[name]
    assert set(loaded.params()) == set(model.params())
    for k, v in model.params().items():
        np.testing.assert_array_equal(loaded.params()[k], v)
        assert loaded.params()[k].dtype == np.float64


def test_file_layout_is_plain_numpy(tmp_path, fake_modules):
    path = save_model(_fake_model("TwoMatrixModel"), tmp_path / "m.npz", metadata={"lr": 0.01})
    arrays = _arrays_of(path)  # readable without pickle by plain numpy
    assert str(arrays["format"]) == "nelc_edu-model"
    assert int(arrays["format_version"]) == nio.FORMAT_VERSION
    assert str(arrays["class_name"]) == "TwoMatrixModel"
    assert json.loads(str(arrays["metadata"])) == {"lr": 0.01}
    assert {k for k in arrays if k.startswith("param_")} == {
        "param_W", "param_c", "param_U", "param_b"
    }


def test_path_is_used_exactly_and_write_is_atomic(tmp_path, fake_modules):
    path = save_model(_fake_model("OneHotRBM"), tmp_path / "checkpoint.bin")
    assert path == tmp_path / "checkpoint.bin" and path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.bin"]  # no temp left
    save_model(_fake_model("OneHotRBM", seed=1), str(path))  # overwrite in place
    np.testing.assert_array_equal(load_model(path).params()["W"],
                                  _fake_model("OneHotRBM", seed=1).params()["W"])


def test_metadata(tmp_path, fake_modules):
    path = save_model(_fake_model("BinaryRBM"), tmp_path / "m.npz",
                      metadata={"epoch": 3, "seed": 0, "trainer": "pcd"})
    assert read_metadata(path) == {"epoch": 3, "seed": 0, "trainer": "pcd"}
    path2 = save_model(_fake_model("BinaryRBM"), tmp_path / "m2.npz")
    assert read_metadata(path2) == {}
    with pytest.raises(ValueError, match="JSON-serialisable"):
        save_model(_fake_model("BinaryRBM"), tmp_path / "m3.npz", metadata={"f": object()})
    assert not (tmp_path / "m3.npz").exists()


# --------------------------------------------------------------------------- refusing to save


def test_save_unsupported_class(tmp_path):
    class Mystery:
        def params(self):
            return {"W": np.zeros((2, 2))}

    with pytest.raises(ValueError, match="save_model supports"):
        save_model(Mystery(), tmp_path / "x.npz")


def test_save_refuses_nan(tmp_path, fake_modules):
    model = _fake_model("OneHotRBM")
    model.params()["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        save_model(model, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_save_refuses_inconsistent_shapes(tmp_path, fake_modules):
    model = _fake_model("TwoMatrixModel")
    model.params()["U"] = model.params()["U"].T.copy()
    with pytest.raises(ValueError, match="disagree on"):
        save_model(model, tmp_path / "x.npz")


# --------------------------------------------------------------------------- corrupt files


@pytest.fixture
def good_file(tmp_path, fake_modules):
    return save_model(_fake_model("TwoMatrixModel"), tmp_path / "good.npz")


def _mutated(tmp_path, good_file, name, **changes):
    arrays = _arrays_of(good_file)
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v
    return _write(tmp_path / name, arrays)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "nothing.npz")


def test_not_a_zip(tmp_path):
    p = tmp_path / "text.npz"
    p.write_text("hello, I am not a model")
    with pytest.raises(ValueError, match="save the model again with save_model"):
        load_model(p)


def test_truncated(tmp_path, good_file):
    data = good_file.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        p = tmp_path / f"cut{cut}.npz"
        p.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="nelc_edu model"):
            load_model(p)


def test_single_npy_array(tmp_path):
    p = tmp_path / "w.npy"
    np.save(p, np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        load_model(p)


def test_plain_npz_without_tag(tmp_path):
    p = _write(tmp_path / "plain.npz", {"W": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="not a nelc_edu model file"):
        load_model(p)


def test_wrong_tag(tmp_path, good_file):
    p = _mutated(tmp_path, good_file, "tag.npz", format=np.str_("someone-else"))
    with pytest.raises(ValueError, match="format tag 'someone-else'"):
        load_model(p)


def test_newer_version(tmp_path, good_file):
    p = _mutated(tmp_path, good_file, "ver.npz", format_version=np.int64(99))
    with pytest.raises(ValueError, match="upgrade nelc_edu"):
        load_model(p)


def test_missing_header_entry(tmp_path, good_file):
    p = _mutated(tmp_path, good_file, "hdr.npz", class_name=None)
    with pytest.raises(ValueError, match="missing entr.*class_name"):
        load_model(p)


def test_unknown_class(tmp_path, good_file):
    p = _mutated(tmp_path, good_file, "cls.npz", class_name=np.str_("GaussianRBM"))
    with pytest.raises(ValueError, match="unknown model class 'GaussianRBM'"):
        load_model(p)


def test_missing_and_extra_parameters(tmp_path, good_file):
    p = _mutated(tmp_path, good_file, "miss.npz", param_U=None)
    with pytest.raises(ValueError, match=r"missing \['U'\]"):
        load_model(p)
    p = _mutated(tmp_path, good_file, "extra.npz", param_Z=np.zeros(2))
    with pytest.raises(ValueError, match=r"unexpected \['Z'\]"):
        load_model(p)


def test_wrong_shapes(tmp_path, good_file):
    arrays = _arrays_of(good_file)
    p = _mutated(tmp_path, good_file, "shape.npz", param_U=arrays["param_U"].T.copy())
    with pytest.raises(ValueError, match=r"parameter U has shape \(3, 5\).*disagree on N"):
        load_model(p)
    p = _mutated(tmp_path, good_file, "ndim.npz", param_b=np.zeros((5, 1)))
    with pytest.raises(ValueError, match="expected 1 dimension"):
        load_model(p)


def test_nan_in_file(tmp_path, good_file):
    W = _arrays_of(good_file)["param_W"].copy()
    W[1, 2] = np.nan
    p = _mutated(tmp_path, good_file, "nan.npz", param_W=W)
    with pytest.raises(ValueError, match="1 NaN or infinite.*earlier checkpoint"):
        load_model(p)


def test_string_parameter(tmp_path, good_file):
    p = _mutated(tmp_path, good_file, "str.npz", param_c=np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="dtype <U1; expected floats"):
        load_model(p)


def test_pickled_entry_refused(tmp_path, good_file):
    arrays = _arrays_of(good_file)
    arrays["param_c"] = np.array([{"evil": True}], dtype=object)
    p = _write(tmp_path / "pickle.npz", arrays, allow_pickle=True)
    with pytest.raises(ValueError, match="cannot be read"):
        load_model(p)


def test_constructor_error_is_wrapped(tmp_path, fake_modules):
    model = _fake_model("BinaryRBM")
    model.params()["c"][:] = 1e9
    p = save_model(model, tmp_path / "big.npz")
    with pytest.raises(ValueError, match="do not make a valid BinaryRBM: hidden bias"):
        load_model(p)


# --------------------------------------------------------------------------- real classes


def _real(module, name):
    return getattr(importlib.import_module(module), name)


def test_real_two_matrix_roundtrip(tmp_path):
    cls = _real("nelc_edu.models.two_matrix", "TwoMatrixModel")
    model = cls.random(4, 6, scale=1.0, seed=0)
    loaded = load_model(save_model(model, tmp_path / "tm.npz"))
    assert type(loaded) is cls
    for k in ("W", "c", "U", "b"):
        np.testing.assert_array_equal(getattr(loaded, k), getattr(model, k))
    X = np.random.default_rng(0).integers(0, 2, size=(5, 6)).astype(np.uint8)
    assert loaded.log_likelihood(X) == model.log_likelihood(X)


def test_real_onehot_rbm_roundtrip(tmp_path):
    cls = _real("nelc_edu.models.onehot_rbm", "OneHotRBM")
    model = cls.random(3, 5, scale=1.0, seed=1)
    loaded = load_model(save_model(model, tmp_path / "oh.npz"))
    assert type(loaded) is cls
    np.testing.assert_array_equal(loaded.W, model.W)
    np.testing.assert_array_equal(loaded.U, model.W.T)


def test_real_binary_rbm_roundtrip(tmp_path):
    cls = _real("nelc_edu.models.binary_rbm", "BinaryRBM")
    model = cls.random(2, 3, seed=0)
    loaded = load_model(save_model(model, tmp_path / "brbm.npz"))
    assert type(loaded) is cls
    for k, v in model.params().items():
        np.testing.assert_array_equal(loaded.params()[k], v)



def test_real_model_with_huge_parameters_is_refused_on_load(tmp_path):
    cls = _real("nelc_edu.models.two_matrix", "TwoMatrixModel")
    model = cls.random(2, 3, seed=0)
    path = save_model(model, tmp_path / "m.npz")
    arrays = _arrays_of(path)
    arrays["param_U"] = np.full((3, 2), 1e300)
    p = _write(tmp_path / "huge.npz", arrays)
    with pytest.raises(ValueError, match=r"do not make a valid TwoMatrixModel: .*U.*magnitude"):
        load_model(p)


# --------------------------------------------------------------------------- folders (issue 13)


def test_save_into_a_missing_folder_names_the_folder(tmp_path, fake_modules):
    target = tmp_path / "no" / "such" / "m.npz"
    with pytest.raises(FileNotFoundError) as exc:
        save_model(_fake_model("OneHotRBM"), target)
    msg = str(exc.value)
    assert f"the folder {str(target.parent)!r} does not exist" in msg
    assert ".tmp" not in msg  # not the hidden temporary file
    assert list(tmp_path.iterdir()) == []


def test_save_onto_a_folder_or_under_a_file_is_refused(tmp_path, fake_modules):
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        save_model(_fake_model("OneHotRBM"), tmp_path)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        save_model(_fake_model("OneHotRBM"), tmp_path / "afile" / "m.npz")


def test_save_into_an_unwritable_folder_names_the_folder(tmp_path, fake_modules, monkeypatch):
    # (simulated: as root, a read-only folder would still be writable)
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".m.npz.abc.tmp"))

    monkeypatch.setattr(nio.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as exc:
        save_model(_fake_model("OneHotRBM"), tmp_path / "m.npz")
    assert f"cannot write in the folder {str(tmp_path)!r} (Permission denied)" in str(exc.value)
    assert ".tmp" not in str(exc.value)


def test_a_full_disk_names_the_file_and_leaves_nothing(tmp_path, fake_modules, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nio.np, "savez_compressed", full)
    with pytest.raises(OSError, match=r"cannot save the model to .*m\.npz.*No space left"):
        save_model(_fake_model("OneHotRBM"), tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- metadata (issue 13)


@pytest.mark.parametrize(
    ("metadata", "where"),
    [
        ({"loss": float("nan")}, "metadata['loss'] = nan"),
        ({"hist": [1.0, float("inf")]}, "metadata['hist'][1] = inf"),
        ({"a": {"b": -float("inf")}}, "metadata['a']['b'] = -inf"),
        ({"x": np.float64("nan")}, "metadata['x'] = "),
    ],
)
def test_metadata_with_nan_is_refused_naming_where(tmp_path, fake_modules, metadata, where):
    with pytest.raises(ValueError, match="JSON cannot represent") as exc:
        save_model(_fake_model("OneHotRBM"), tmp_path / "m.npz", metadata=metadata)
    assert where in str(exc.value) and "None" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_metadata_must_be_a_dict(tmp_path, fake_modules):
    with pytest.raises(ValueError, match="metadata must be a dict"):
        save_model(_fake_model("OneHotRBM"), tmp_path / "m.npz", metadata=[1, 2])


def test_written_metadata_is_standard_json(tmp_path, fake_modules):
    path = save_model(_fake_model("OneHotRBM"), tmp_path / "m.npz", metadata={"lr": 1e-3})

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    assert json.loads(str(_arrays_of(path)["metadata"]), parse_constant=refuse) == {"lr": 1e-3}


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("{not json", "not valid JSON"), ("[1, 2]", "JSON object; got list"), ('"a"', "got str")],
)
def test_load_model_refuses_invalid_metadata(tmp_path, good_file, text, pattern):
    p = _mutated(tmp_path, good_file, "badmeta.npz", metadata=np.str_(text))
    with pytest.raises(ValueError, match=pattern):
        load_model(p)
    with pytest.raises(ValueError, match=pattern):
        read_metadata(p)


def test_nan_metadata_of_older_files_is_still_read(tmp_path, good_file):
    # Decision: writing refuses NaN (standard JSON only); reading stays lenient, so a model
    # saved before this rule is never lost.
    p = _mutated(tmp_path, good_file, "oldmeta.npz", metadata=np.str_('{"loss": NaN}'))
    assert load_model(p) is not None
    assert np.isnan(read_metadata(p)["loss"])
