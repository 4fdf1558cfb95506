"""Fixtures for the real-browser tests: one private JupyterLab server, one headless Chromium.

The tests drive JupyterLab the way a student does (open a notebook, Run All Cells, move a
slider) and look at what the browser shows. Both the server and the browser are shared by
every notebook of the session to keep the wall time down.

Tools needed:

* Debian's Chromium, ``apt-get install -y chromium`` (launched as ``/usr/lib/chromium/chromium``,
  or the binary named by ``NELC_CHROMIUM``);
* Python Playwright, ``pip install playwright`` (its own browser download is not used).

When a tool is missing the tests are skipped, except under ``CI=true``, where they fail with a
message naming what to install. Screenshots, timings and the server log go to
``artifacts/screenshots/`` (``NELC_BROWSER_ARTIFACTS`` overrides the folder).
``NELC_BROWSER_NOTEBOOKS`` points the tests at another folder of notebooks (development).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_DEFAULT = "/usr/lib/chromium/chromium"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_TIMEOUT = 90.0

_TIMINGS: dict[str, float] = {}
_NOTES: dict[str, list[str]] = {}
_SESSION_T0: list[float] = []


def notebooks_dir() -> Path:
    """Return the folder whose notebooks the browser tests open.

    Returns
    -------
    pathlib.Path
        ``$NELC_BROWSER_NOTEBOOKS`` if set, else the repository's ``notebooks/``.
    """
    return Path(os.environ.get("NELC_BROWSER_NOTEBOOKS", REPO / "notebooks")).resolve()


def artifacts_dir() -> Path:
    """Return (and create) the folder for screenshots, timings and logs.

    Returns
    -------
    pathlib.Path
        ``$NELC_BROWSER_ARTIFACTS`` if set, else ``artifacts/screenshots`` in the repository.
    """
    path = Path(os.environ.get("NELC_BROWSER_ARTIFACTS", REPO / "artifacts" / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def record_timing(name: str, seconds: float) -> None:
    """Remember how long one notebook took (printed in the terminal summary)."""
    _TIMINGS[name] = seconds


def record_note(name: str, note: str) -> None:
    """Remember a non-fatal observation about a notebook (e.g. a warning shown to students)."""
    _NOTES.setdefault(name, []).append(note)


@pytest.fixture(scope="session")
def browser_report():
    """Where the tests put screenshots, and how they record timings and notes.

    Returns
    -------
    types.SimpleNamespace
        ``artifacts`` (a folder), ``timing(name, seconds)`` and ``note(name, text)``.
    """
    folder = artifacts_dir()
    for stale in folder.glob("*.png"):  # pictures of an earlier run would mislead
        stale.unlink()
    return SimpleNamespace(artifacts=folder, timing=record_timing, note=record_note)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _missing(what: str, how: str) -> None:
    message = f"browser tests need {what}: install it with `{how}`"
    if _in_ci():
        pytest.fail(f"{message} (CI=true, so this is an error, not a skip)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium binary; skip (or fail under CI) when it is missing."""
    path = os.environ.get("NELC_CHROMIUM", CHROMIUM_DEFAULT)
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        _missing(f"Chromium at {path}", "apt-get update && apt-get install -y chromium")
    return path


@pytest.fixture(scope="session")
def sync_playwright_factory():
    """The ``sync_playwright`` entry point; skip (or fail under CI) when Playwright is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright", f"{sys.executable} -m pip install playwright")
    return sync_playwright


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_copy(src: Path, dst: Path) -> list[str]:
    """Copy ``src`` to ``dst`` with every notebook's outputs and widget state cleared."""
    shutil.copytree(
        src, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    names = []
    for path in sorted(dst.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
        nb.get("metadata", {}).pop("widgets", None)
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
        names.append(path.name)
    return names


def _write_user_settings(config_dir: Path) -> None:
    """No news pop-up over the screenshots; every cell in the DOM (no notebook windowing)."""
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


class LabServer:
    """A running private JupyterLab server (what the fixture yields).

    Attributes
    ----------
    url : str
        Base URL, e.g. ``http://127.0.0.1:PORT``.
    token : str
        The server's token.
    root : pathlib.Path
        The server's root directory (throwaway notebook copies).
    notebooks : list of str
        Names of the notebooks copied into ``root``.
    pid : int
        Process id of the server (it is stopped by this id).
    """

    def __init__(self, url, token, root, notebooks, proc, log_path):
        self.url, self.token, self.root = url, token, root
        self.notebooks, self.proc, self.log_path = notebooks, proc, log_path
        self.pid = proc.pid

    def api(self, path: str, method: str = "GET") -> object:
        """Call the server's REST API with the token; return the decoded JSON (or None)."""
        req = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernel_of(self, notebook: str) -> None:
        """Shut down the kernel session of ``notebook`` (frees memory between notebooks)."""
        try:
            for s in self.api("/api/sessions"):
                if s.get("path", "").endswith(notebook):
                    self.api(f"/api/sessions/{s['id']}", method="DELETE")
        except (OSError, ValueError):
            pass

    def log_tail(self, n: int = 40) -> str:
        """Last ``n`` lines of the server log (for failure messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory) -> LabServer:
    """Start one private JupyterLab server for the session and stop it by its PID."""
    pytest.importorskip("jupyterlab")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    names = _clean_copy(notebooks_dir(), root)
    config_dir, runtime_dir, data_dir = base / "config", base / "runtime", base / "data"
    for d in (config_dir, runtime_dir, data_dir):
        d.mkdir()
    _write_user_settings(config_dir)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_RUNTIME_DIR=str(runtime_dir),
        JUPYTER_DATA_DIR=str(data_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        NELC_FAST="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTERLAB_SETTINGS_DIR", None)
    log_path = artifacts_dir() / "jupyter-server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in the finalizer
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, names, proc, log_path)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode}:\n"
                            f"{server.log_tail()}", pytrace=False)
            try:
                status, _ = _get(f"{server.url}/api/status?token={token}", timeout=2)
            except OSError:
                status = None
            if status == 200:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer /api/status within "
                            f"{SERVER_START_TIMEOUT:.0f} s:\n{server.log_tail()}", pytrace=False)
            time.sleep(0.25)
        yield server
    finally:
        _stop_server(server)
        log.close()


def _stop_server(server: LabServer) -> None:
    """Ask the server to shut down (kernels included), then make sure its PID is gone."""
    proc = server.proc
    if proc.poll() is None:
        try:
            server.api("/api/shutdown", method="POST")
        except OSError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.terminate()  # SIGTERM to this PID only
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium_path, sync_playwright_factory, tmp_path_factory):
    """One headless Chromium (system binary, fresh profile) for the whole session."""
    _SESSION_T0.append(time.perf_counter())
    pw = sync_playwright_factory().start()
    try:
        b = pw.chromium.launch(
            executable_path=chromium_path,
            args=CHROMIUM_FLAGS,
            headless=True,
        )
    except Exception as exc:  # noqa: BLE001 - turn any launch problem into one clear line
        pw.stop()
        pytest.fail(f"could not launch {chromium_path} through Playwright: {exc}", pytrace=False)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


def pytest_terminal_summary(terminalreporter):
    """Print (and save) the time each notebook took in the browser."""
    if not _TIMINGS:
        return
    total = time.perf_counter() - _SESSION_T0[0] if _SESSION_T0 else sum(_TIMINGS.values())
    tr = terminalreporter
    tr.section("browser tests: wall time per notebook")
    for name, sec in _TIMINGS.items():
        tr.write_line(f"{sec:7.1f} s  {name}")
    tr.write_line(f"{total:7.1f} s  total (browser launch to last notebook)")
    for name, notes in _NOTES.items():
        for note in notes:
            tr.write_line(f"note: {name}: {note}")
    out = artifacts_dir() / "timings.json"
    out.write_text(json.dumps({"notebooks": _TIMINGS, "total_s": total, "notes": _NOTES},
                              indent=1))
    tr.write_line(f"screenshots and timings in {artifacts_dir()}")
