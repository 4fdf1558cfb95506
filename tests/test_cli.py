"""The command line's promises about files and errors.

Every output path (``compare --json/--figure``, ``sweep --out``, ``figures --out``) is
checked before any training; files are written through a temporary file and a rename; an
OS error (permission, not a directory, disk full) is one line naming the path, exit status 2,
no traceback, no empty file left behind. Permission errors and a full disk are simulated in
the process (the tests may run as root, which ignores permission bits, and no small file
system is at hand): the simulation raises exactly what the kernel would, where it would.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from nelc_edu import experiments
from nelc_edu.cli import compare as cli_compare
from nelc_edu.cli import main

TINY = dict(n_updates=12, n_checkpoints=2, diag_samples=20, kl_chains=6,
            kl_burn_in=2, kl_steps=4)
TINY_SET = [f"--set={k}={v}" for k, v in TINY.items() if k != "n_updates"]
COMPARE = ["compare", "--latent", "3", "--updates", "12", "--no-progress"]


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if anything is trained (the path checks must come first)."""

    def trained(*args, **kwargs):
        raise AssertionError("training started before the output paths were checked")

    monkeypatch.setattr(experiments, "run", trained)


@pytest.fixture
def tiny_compare(monkeypatch):
    """compare at a budget of a fraction of a second."""
    real = experiments.default_settings

    def small(dataset="digits", **overrides):
        return real(dataset, **{**TINY, **overrides})

    monkeypatch.setattr(experiments, "default_settings", small)


def one_error_line(capsys) -> str:
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def leftovers(directory: Path) -> list[str]:
    """Temporary or empty files in ``directory`` (there must be none after a failure)."""
    return sorted(p.name for p in directory.rglob("*")
                  if p.is_file() and (p.name.endswith(".tmp") or p.stat().st_size == 0))


def full_disk(monkeypatch, where: Path) -> None:
    """Make every fsync of a file under ``where`` fail as on a full disk (ENOSPC)."""
    real = os.fsync

    def fsync(fd):
        if str(where) in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


# ----------------------------------------------------------------- compare: paths first
@pytest.mark.parametrize("option", ["--json", "--figure"])
def test_compare_refuses_a_directory_before_training(tmp_path, capsys, no_training, option):
    assert main([*COMPARE, option, str(tmp_path)]) == 2
    line = one_error_line(capsys)
    assert f"{option} {tmp_path} is a directory" in line


@pytest.mark.parametrize("option", ["--json", "--figure"])
def test_compare_refuses_a_path_under_a_file_before_training(tmp_path, capsys, no_training,
                                                             option):
    (tmp_path / "afile").write_text("x")
    name = "out.json" if option == "--json" else "out.png"
    assert main([*COMPARE, option, str(tmp_path / "afile" / name)]) == 2
    assert "is a file, not a directory" in one_error_line(capsys)


def test_compare_reports_permission_denied_before_training(tmp_path, capsys, no_training,
                                                           monkeypatch):
    import tempfile

    locked = tmp_path / "locked"
    locked.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # what a directory without write permission gives
        if dir is not None and Path(dir) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES),
                                  str(Path(dir) / "x"))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert main([*COMPARE, "--json", str(locked / "out.json")]) == 2
    line = one_error_line(capsys)
    assert "Permission denied" in line and str(locked / "out.json") in line


def test_compare_refuses_an_unknown_figure_format_before_training(tmp_path, capsys,
                                                                  no_training):
    assert main([*COMPARE, "--figure", str(tmp_path / "fig.xyz")]) == 2
    assert "cannot write '.xyz' files" in one_error_line(capsys)


def test_compare_figure_without_suffix_says_where_it_wrote(tmp_path, capsys, tiny_compare):
    assert main([*COMPARE, "--figure", str(tmp_path / "adir")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'adir.png'}" in out
    assert (tmp_path / "adir.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "adir").exists()


def test_compare_on_a_full_disk_is_one_line_and_leaves_no_empty_file(tmp_path, capsys,
                                                                     tiny_compare,
                                                                     monkeypatch):
    out = tmp_path / "res"
    full_disk(monkeypatch, out)
    assert main([*COMPARE, "--json", str(out / "out.json")]) == 2
    line = one_error_line(capsys)
    assert line == f"nelc-edu compare: error: {out / 'out.json'}: No space left on device"
    assert list(out.iterdir()) == []  # no 0-byte JSON, no temporary file


def test_compare_writes_json_and_figure_atomically(tmp_path, capsys, tiny_compare,
                                                   monkeypatch):
    replaced = []
    real = os.replace

    def replace(src, dst):
        replaced.append(Path(dst).name)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert main([*COMPARE, "--json", str(tmp_path / "c.json")]) == 0
    assert {"c.json", "c.png"} <= set(replaced)
    assert json.loads((tmp_path / "c.json").read_text())["settings"]["K"] == 3
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ sweep and figures
def test_sweep_out_must_be_a_writable_directory(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    argv = ["sweep", "--seeds", "0", "--latent", "3", "--kinds", "rbm", "--serial"]
    assert main([*argv, "--out", str(tmp_path / "afile")]) == 2
    assert "--out" in one_error_line(capsys)
    assert main([*argv, "--out", str(tmp_path / "afile" / "res")]) == 2
    assert "is a file" in one_error_line(capsys)
    assert (tmp_path / "afile").read_text() == "x"


@pytest.fixture
def results(tmp_path):
    out = tmp_path / "res"
    argv = ["sweep", "--seeds", "0", "--latent", "3", "--kinds", "two_matrix,rbm",
            "--updates", "12", "--out", str(out), "--serial", *TINY_SET]
    assert main(argv) == 0
    return out


def test_figures_help_and_files_agree(results, capsys):
    from nelc_edu.cli import build_parser
    from nelc_edu.plotting.sweeps import SWEEP_FIGURES

    with pytest.raises(SystemExit):
        build_parser().parse_args(["figures", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"write {len(SWEEP_FIGURES)} PNG figures" in text
    assert main(["figures", str(results), "--out", str(results / "f")]) == 0
    written = sorted(p.stem for p in (results / "f").glob("*.png"))
    assert written == sorted(SWEEP_FIGURES)
    assert all(f"{name}.png" in text for name in written)


def test_figures_out_checked_before_drawing_and_full_disk(results, capsys, monkeypatch):
    (results / "afile").write_text("x")
    assert main(["figures", str(results), "--out", str(results / "afile")]) == 2
    assert "--out" in one_error_line(capsys)
    figs = results / "figs"
    full_disk(monkeypatch, figs)
    assert main(["figures", str(results), "--out", str(figs)]) == 2
    line = one_error_line(capsys)
    assert "No space left on device" in line and str(figs) in line
    assert leftovers(figs) == [] and not list(figs.glob("*.png"))


# ------------------------------------------------------------------------ the guard
@pytest.mark.parametrize("exc, code, text", [
    (OSError(errno.EROFS, os.strerror(errno.EROFS), "/ro/out.json"), 2,
     "nelc-edu compare: error: /ro/out.json: Read-only file system"),
    (KeyboardInterrupt(), 130, "nelc-edu compare: interrupted"),
    (FloatingPointError("the run diverged: lower the learning rate"), 2,
     "nelc-edu compare: error: the run diverged"),
])
def test_no_traceback_reaches_the_user(monkeypatch, capsys, exc, code, text):
    def boom(args):
        raise exc

    monkeypatch.setattr(cli_compare, "_cmd_compare", boom)
    assert main(["compare"]) == code
    assert one_error_line(capsys).startswith(text)


def test_ctrl_c_inside_a_numba_kernel_is_an_interrupt_too(monkeypatch, capsys):
    """Ctrl-C during a kernel surfaces as a SystemError whose context is the interrupt."""

    def boom(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise SystemError("CPUDispatcher(<f>) returned a result with an exception set")  # noqa: B904

    monkeypatch.setattr(cli_compare, "_cmd_compare", boom)
    assert main(["compare"]) == 130
    assert one_error_line(capsys) == "nelc-edu compare: interrupted"


def test_other_errors_are_not_hidden(monkeypatch):
    def boom(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli_compare, "_cmd_compare", boom)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["compare"])


def test_written_files_get_the_usual_mode_not_a_private_one(results, tmp_path):
    from nelc_edu._files import FILE_MODE

    assert FILE_MODE & 0o600 == 0o600
    main(["figures", str(results), "--out", str(tmp_path / "f")])
    files = [*results.glob("*.json"), *results.glob("*.npz"), *(tmp_path / "f").glob("*.png")]
    assert len(files) == 4 + 5
    assert {p.stat().st_mode & 0o777 for p in files} == {FILE_MODE}
