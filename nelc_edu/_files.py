"""Output files: check a path before the work, write through a temporary file and a rename.

Every file the command line writes (records, parameters, JSON, figures) goes through
:func:`atomic_write_bytes`: the bytes go to a hidden temporary file in the same directory,
are flushed to disk (``fsync``), and the file is renamed onto its name, so a reader never
sees a half-written file and a kill or a full disk leaves the old file (or none), never a
truncated one. :func:`check_output_file` and :func:`check_output_dir` are called *before* any
training, so a bad path costs a second, not a training run. Their errors name the path.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = check_output_file(d / "sub" / "out.json", "--json")
>>> atomic_write_bytes(p, b"{}")
>>> p.read_text()
'{}'
>>> check_output_file(d, "--json")
Traceback (most recent call last):
...
ValueError: --json ... is a directory: give a file name inside it, e.g. .../out.json.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

__all__ = ["FILE_MODE", "atomic_write_bytes", "check_output_dir", "check_output_file",
           "describe_os_error", "fsync_dir", "is_temp_name", "with_path"]

#: Temporary files are named ``.<final name>.<random>.tmp`` (see :func:`is_temp_name`).
TEMP_SUFFIX = ".tmp"


def _file_mode() -> int:
    """The mode ``open()`` would give a new file (0o666 less the umask, read once)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


#: ``mkstemp`` makes private files (0o600); a written file gets the usual mode instead.
FILE_MODE = _file_mode()


def is_temp_name(name: str) -> bool:
    """True for the name of a temporary file left by an interrupted :func:`atomic_write_bytes`.

    Examples
    --------
    >>> is_temp_name(".run.json.k2j3h.tmp"), is_temp_name("run.json")
    (True, False)
    """
    return name.startswith(".") and name.endswith(TEMP_SUFFIX) and name.count(".") >= 3


def with_path(exc: OSError, path: str | os.PathLike) -> OSError:
    """``exc`` naming ``path``, the file the user asked for.

    Errors on file descriptors name no file, and errors on the hidden temporary file name
    one the user never heard of.
    """
    if exc.filename == str(path):
        return exc
    new = type(exc)(exc.errno, exc.strerror or str(exc), str(path))
    new.__cause__ = exc
    return new


def describe_os_error(exc: OSError) -> str:
    """One line for a command-line user: the path, then what went wrong.

    Examples
    --------
    >>> describe_os_error(OSError(28, "No space left on device", "/data/out.json"))
    '/data/out.json: No space left on device'
    """
    what = exc.strerror or str(exc)
    if exc.filename is None:
        return what
    return f"{exc.filename}: {what}"


def fsync_dir(directory: str | os.PathLike) -> None:
    """Flush a directory entry (a rename) to disk; a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, ``fsync`` and a rename.

    On any error (disk full, permission, an interrupt) the temporary file is removed and
    ``path`` is left as it was; an :class:`OSError` names ``path``.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise with_path(exc, path) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            with contextlib.suppress(OSError, AttributeError):  # no fchmod on Windows
                os.fchmod(fh.fileno(), FILE_MODE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise with_path(exc, path) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


def _probe_writable(directory: Path, shown: Path) -> None:
    """Create and remove a temporary file in ``directory`` (the only test that root passes too)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".nelc-write-test.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise with_path(exc, shown) from exc
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _make_dir(directory: Path, option: str, shown: Path) -> None:
    """Create ``directory`` (and its parents) for the output ``shown`` of ``option``."""
    where = f"{option} {shown}" + ("" if shown == directory else f": {directory}")
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{where} is a file, not a directory: choose another path.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:  # a parent is a file
        raise ValueError(f"{where}: a parent of it is a file, not a directory: choose another "
                         "path.") from exc
    except OSError as exc:
        raise with_path(exc, directory) from exc


def check_output_dir(directory: str | os.PathLike, option: str = "output directory") -> Path:
    """Create ``directory`` if needed and check that files can be written into it.

    Raises
    ------
    ValueError
        The path is a file, or a parent is.
    OSError
        It cannot be created or written (permission, read-only file system, ...); the
        error names the path.
    """
    directory = Path(directory)
    _make_dir(directory, option, directory)
    _probe_writable(directory, directory)
    return directory


def check_output_file(path: str | os.PathLike, option: str = "output file") -> Path:
    """Check, before any work, that ``path`` can be written: not a directory, parent writable.

    The parent directory is created if needed. Returns ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path} is a directory: give a file name inside it, e.g. "
                         f"{path / ('out' + (path.suffix or '.json'))}.")
    parent = path.parent if str(path.parent) else Path(".")
    _make_dir(parent, option, path)
    _probe_writable(parent, path)
    return path


def no_space_error(path: str | os.PathLike) -> OSError:
    """The :class:`OSError` a full disk raises (for tests and simulations)."""
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
