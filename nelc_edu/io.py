"""Save and load models as ``.npz`` files, without pickle.

A model file is a plain NumPy ``.npz`` archive (readable with ``numpy.load(path,
allow_pickle=False)`` anywhere) holding:

* ``format`` = ``"nelc_edu-model"`` and ``format_version`` (currently 1);
* ``class_name``: ``"TwoMatrixModel"``, ``"OneHotRBM"`` or ``"BinaryRBM"``;
* ``nelc_edu_version``: the package version that wrote it;
* ``metadata``: a JSON object as a string (empty unless given), e.g. training settings.
  It is standard JSON: ``save_model`` refuses NaN and infinities (JSON has no such
  numbers; store ``None`` or a string), and ``load_model`` refuses metadata that does not
  parse as a JSON object (NaN written by older versions is still read);
* ``param_<name>``: one float64 array per entry of ``model.params()``.

:func:`load_model` checks every one of these (tag, version, class, the exact set of
parameters, their shapes' consistency, finiteness) and raises ``ValueError`` saying what is
wrong, before rebuilding the model with ``cls(**params)``. No code is ever executed from the
file.

Examples
--------
>>> import tempfile, os
>>> import numpy as np
>>> from nelc_edu.models.onehot_rbm import OneHotRBM
>>> rbm = OneHotRBM.random(3, 5, seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "rbm.npz")
>>> _ = save_model(rbm, path, metadata={"epochs": 10})
>>> loaded = load_model(path)
>>> loaded, bool(np.array_equal(loaded.W, rbm.W))
(OneHotRBM(K=3, N=5), True)
>>> read_metadata(path)
{'epochs': 10}
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["save_model", "load_model", "read_metadata"]

FORMAT_TAG = "nelc_edu-model"
FORMAT_VERSION = 1
_PREFIX = "param_"
_HEADER_KEYS = ("format", "format_version", "class_name", "nelc_edu_version", "metadata")

#: class name -> (module, {parameter: shape in symbols}). Classes are imported lazily.
_MODEL_SPECS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "TwoMatrixModel": (
        "nelc_edu.models.two_matrix",
        {"W": ("K", "N"), "c": ("K",), "U": ("N", "K"), "b": ("N",)},
    ),
    "OneHotRBM": ("nelc_edu.models.onehot_rbm", {"W": ("K", "N"), "c": ("K",), "b": ("N",)}),
    "BinaryRBM": ("nelc_edu.models.binary_rbm", {"W": ("M", "N"), "c": ("M",), "b": ("N",)}),
}


def _check_shapes(params: dict[str, np.ndarray], spec: dict[str, tuple[str, ...]], where: str):
    """Check that the parameter shapes agree with each other (e.g. U (N, K) for W (K, N))."""
    sizes: dict[str, tuple[int, str]] = {}
    for name, symbols in spec.items():
        shape = params[name].shape
        if len(shape) != len(symbols):
            raise ValueError(
                f"{where}: parameter {name} has shape {shape}; expected "
                f"{len(symbols)} dimension(s) ({', '.join(symbols)})."
            )
        for sym, size in zip(symbols, shape, strict=True):
            if sym in sizes and sizes[sym][0] != size:
                first_size, first_name = sizes[sym]
                raise ValueError(
                    f"{where}: parameter {name} has shape {shape}, but {first_name} has shape "
                    f"{params[first_name].shape}: they disagree on {sym} ({size} vs "
                    f"{first_size}). Expected shapes: "
                    + ", ".join(f"{k} ({', '.join(v)})" for k, v in spec.items())
                    + "."
                )
            sizes.setdefault(sym, (size, name))


def _check_values(params: dict[str, np.ndarray], where: str) -> None:
    for name, arr in params.items():
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{where}: parameter {name} has dtype {arr.dtype}; expected floats.")
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        if n_bad:
            raise ValueError(
                f"{where}: parameter {name} contains {n_bad} NaN or infinite value(s). "
                "The model diverged during training: use an earlier checkpoint or a smaller "
                "learning rate."
            )


def _find_non_finite(value, where: str = "metadata") -> str | None:
    """Where the first NaN or infinite float sits in a JSON-like value (None if nowhere)."""
    if isinstance(value, float) and not np.isfinite(value):
        return f"{where} = {value!r}"
    if isinstance(value, dict):
        items = ((f"{where}[{k!r}]", v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for sub_where, v in items:
        found = _find_non_finite(v, sub_where)
        if found:
            return found
    return None


def _metadata_json(metadata) -> str:
    """``metadata`` as standard JSON, or a ValueError saying what cannot be stored."""
    meta = {} if metadata is None else metadata
    if not isinstance(meta, dict):
        raise ValueError(f"metadata must be a dict (a JSON object); got {type(meta).__name__}.")
    try:
        return json.dumps(meta, sort_keys=True, allow_nan=False)
    except ValueError as exc:
        where = _find_non_finite(meta)
        if where is None:
            raise ValueError(f"metadata cannot be stored as JSON ({exc}).") from exc
        raise ValueError(
            f"metadata holds a number JSON cannot represent: {where}. Standard JSON has no "
            "NaN or infinity; store None or a string such as 'nan' instead."
        ) from exc
    except TypeError as exc:
        raise ValueError(
            f"metadata must be JSON-serialisable (str, int, float, bool, None, lists, dicts); "
            f"{exc}."
        ) from exc


def _parse_metadata(text: str, where: str) -> dict[str, Any]:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: metadata is not valid JSON ({exc}). Save it again.") from exc
    if not isinstance(meta, dict):
        raise ValueError(
            f"{where}: metadata should be a JSON object; got {type(meta).__name__}. Save it again."
        )
    return meta


def _temporary_file_beside(path: Path) -> tuple[int, str]:
    """A temporary file in ``path``'s folder, or an OSError naming the folder (not the file)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.exists():
        raise FileNotFoundError(
            f"cannot save the model to {str(path)!r}: the folder {str(directory)!r} does not "
            "exist. Create it first (e.g. os.makedirs(folder, exist_ok=True))."
        )
    if not directory.is_dir():
        raise NotADirectoryError(
            f"cannot save the model to {str(path)!r}: {str(directory)!r} is not a folder."
        )
    if path.is_dir():
        raise IsADirectoryError(
            f"cannot save the model to {str(path)!r}: it is a folder; give a file name, e.g. "
            f"{str(path / 'model.npz')!r}."
        )
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise type(exc)(
            f"cannot save the model to {str(path)!r}: cannot write in the folder "
            f"{str(directory)!r} ({exc.strerror or exc})."
        ) from exc


def save_model(model, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> Path:
    """Save ``model`` to ``path`` as a pickle-free ``.npz`` archive.

    The file is written exactly at ``path`` (no ``.npz`` is appended) and atomically (a
    temporary file is renamed), so an interrupted save never leaves a half-written model.

    Parameters
    ----------
    model : TwoMatrixModel, OneHotRBM or BinaryRBM
    path : str or path-like
    metadata : dict, optional
        JSON-serialisable information to store with the model (training settings, epoch,
        seed, ...); read it back with :func:`read_metadata`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If the model class is not supported, its parameters are not finite, or
        ``metadata`` is not a dict that standard JSON can hold (NaN and infinities are
        refused: store None or a string).
    FileNotFoundError, NotADirectoryError, PermissionError
        If the folder of ``path`` does not exist, is not a folder, or cannot be written;
        the message names the folder.

    Examples
    --------
    >>> import math, os, tempfile
    >>> from nelc_edu.models import OneHotRBM
    >>> save_model(OneHotRBM.random(2, 3, seed=0), os.path.join(tempfile.mkdtemp(), "m.npz"),
    ...            metadata={"loss": math.nan})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: metadata holds a number JSON cannot represent: metadata['loss'] = nan. ...
    """
    class_name = type(model).__name__
    if class_name not in _MODEL_SPECS:
        raise ValueError(
            f"save_model supports {sorted(_MODEL_SPECS)}; got a {class_name}. "
            "Save its arrays yourself with numpy.savez if it is something else."
        )
    spec = _MODEL_SPECS[class_name][1]
    params = {k: np.asarray(v) for k, v in model.params().items()}
    if set(params) != set(spec):
        raise ValueError(
            f"{class_name}.params() returned {sorted(params)}; expected {sorted(spec)}."
        )
    where = f"cannot save {class_name}"
    _check_values(params, where)
    _check_shapes(params, spec, where)
    meta_json = _metadata_json(metadata)
    from . import __version__

    arrays = {
        "format": np.str_(FORMAT_TAG),
        "format_version": np.int64(FORMAT_VERSION),
        "class_name": np.str_(class_name),
        "nelc_edu_version": np.str_(__version__),
        "metadata": np.str_(meta_json),
    }
    for name, arr in params.items():
        arrays[_PREFIX + name] = np.ascontiguousarray(arr, dtype=np.float64)

    path = Path(path)
    fd, tmp = _temporary_file_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # e.g. a full disk: name the file, not the temporary
            raise type(exc)(
                f"cannot save the model to {str(path)!r} ({exc.strerror or exc})."
            ) from exc
        raise
    return path


def _read_archive(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], str]:
    """All arrays of a model file, or a ValueError saying why it cannot be read."""
    path = Path(path)
    where = f"model file {str(path)!r}"
    if not path.exists():
        raise FileNotFoundError(f"{where} does not exist.")
    hint = "The file is not a complete nelc_edu model: save the model again with save_model."
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:  # e.g. pickled data, or not a NumPy file at all
        raise ValueError(f"{where} is not a NumPy .npz archive ({exc}). {hint}") from exc
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{where} cannot be read ({type(exc).__name__}: {exc}); it may be truncated or "
            f"corrupt. {hint}"
        ) from exc
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{where} holds a single array, not a model archive (.npz with several entries). "
            f"{hint}"
        )
    try:
        with loaded as npz:
            arrays = {k: npz[k] for k in npz.files}
    except ValueError as exc:
        raise ValueError(f"{where} contains an entry that cannot be read ({exc}). {hint}") from exc
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(
            f"{where} is corrupt ({type(exc).__name__}: {exc}). {hint}"
        ) from exc
    return arrays, where


def _header_string(arrays: dict[str, np.ndarray], key: str, where: str) -> str:
    value = arrays[key]
    if value.dtype.kind != "U" or value.ndim != 0:
        raise ValueError(
            f"{where}: entry {key!r} should be a string; got {value.dtype} {value.shape}. "
            "Save the model again."
        )
    return str(value)


def _check_header(arrays: dict[str, np.ndarray], where: str) -> str:
    missing = [k for k in _HEADER_KEYS if k not in arrays]
    if "format" in missing:
        raise ValueError(
            f"{where} is not a nelc_edu model file (no 'format' entry; it holds "
            f"{sorted(arrays)[:8]}). Load models saved with nelc_edu.save_model."
        )
    tag = _header_string(arrays, "format", where)
    if tag != FORMAT_TAG:
        raise ValueError(
            f"{where} has format tag {tag!r}, not {FORMAT_TAG!r}: it is not a nelc_edu model "
            "file. Load models saved with nelc_edu.save_model."
        )
    if missing:
        raise ValueError(
            f"{where} is incomplete: missing entr(y/ies) {missing}. Save the model again."
        )
    version_arr = arrays["format_version"]
    if version_arr.ndim != 0 or version_arr.dtype.kind not in "iu":
        raise ValueError(f"{where}: format_version should be an integer; got {version_arr!r}.")
    version = int(version_arr)
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{where} has format version {version}, newer than this nelc_edu understands "
            f"({FORMAT_VERSION}); upgrade nelc_edu."
        )
    if version < 1:
        raise ValueError(f"{where} has an invalid format version {version}. Save it again.")
    class_name = _header_string(arrays, "class_name", where)
    if class_name not in _MODEL_SPECS:
        raise ValueError(
            f"{where} holds an unknown model class {class_name!r}; this nelc_edu can load "
            f"{sorted(_MODEL_SPECS)}. Was it written by another version?"
        )
    return class_name


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``metadata`` dict stored by :func:`save_model` (``{}`` if none was given).

    Raises ``ValueError`` if the file is not a valid model file.
    """
    arrays, where = _read_archive(path)
    _check_header(arrays, where)
    return _parse_metadata(_header_string(arrays, "metadata", where), where)


def load_model(path: str | os.PathLike):
    """Load a model saved by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    TwoMatrixModel, OneHotRBM or BinaryRBM
        A new model with the stored parameters (float64 copies).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable ``.npz`` (not a zip, truncated, pickled content),
        lacks the nelc_edu format tag or an entry, was written by a newer format version,
        names an unknown class, has metadata that is not a JSON object, or has missing,
        extra, inconsistent or non-finite parameters.
        The message says what was found and what to do.
    """
    arrays, where = _read_archive(path)
    class_name = _check_header(arrays, where)
    _parse_metadata(_header_string(arrays, "metadata", where), where)
    module_name, spec = _MODEL_SPECS[class_name]
    params = {k[len(_PREFIX) :]: v for k, v in arrays.items() if k.startswith(_PREFIX)}
    missing = sorted(set(spec) - set(params))
    extra = sorted(set(params) - set(spec))
    if missing or extra:
        raise ValueError(
            f"{where}: a {class_name} needs parameters {sorted(spec)}; "
            + (f"missing {missing}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"unexpected {extra}" if extra else "")
            + ". The file is damaged or was edited: save the model again."
        )
    _check_values(params, where)
    _check_shapes(params, spec, where)
    cls = getattr(importlib.import_module(module_name), class_name)
    try:
        return cls(**{k: np.array(v, dtype=np.float64) for k, v in params.items()})
    except ValueError as exc:
        raise ValueError(
            f"{where}: the stored parameters do not make a valid {class_name}: {exc}"
        ) from exc
