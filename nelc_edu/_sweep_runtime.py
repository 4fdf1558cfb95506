"""How a sweep runs: workers that die with it, Ctrl-C and SIGTERM, each run saved as it ends.

The machinery behind :func:`nelc_edu.sweeps.run_sweep` (read that docstring for what it
promises); nothing here is public.

* **Writing.** :func:`write_run` saves a finished run (parameters, then the JSON record that
  marks it finished), each through a temporary file, ``fsync`` and a rename;
  :class:`DirectoryLock` lets one sweep at a time write into a directory, which makes it
  safe to delete the temporary files a killed sweep left (:func:`remove_temp_files`).
* **Stopping.** :class:`Stop` catches SIGINT and SIGTERM in the main thread. Runs in this
  process poll its event between updates (:func:`nelc_edu.training.stop_on`); a serial run
  is interrupted at once. :func:`drive_serial` and :func:`drive_pool` write every result
  that arrives, also during the few seconds of the shutdown.
* **Workers.** The sweep's own pool (:class:`LocalPool`) starts its workers with SIGINT
  blocked; each one then turns SIGINT into "stop at the next update", ends when its parent
  ends (``prctl(PR_SET_PDEATHSIG)`` on Linux, a watcher thread elsewhere), and announces
  each run it starts, so that when a worker dies (the out-of-memory killer) the parent
  knows which run to retry, starts a new pool and goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from ._files import FILE_MODE, atomic_write_bytes, fsync_dir, is_temp_name, with_path
from ._json import number as num

#: Environment variables that make a worker single-threaded (set before its imports).
THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


#: In a worker process of the sweep's own pool: set when the worker receives SIGINT (Ctrl-C
#: in the terminal, or forwarded by the parent), so its run stops at its next update.
_WORKER_STOP: threading.Event | None = None
#: In a worker process of the sweep's own pool: the queue on which it announces
#: ``(pid, run_id)`` when it starts a run, so the parent knows which run a crashed worker had.
_WORKER_STARTS: Any = None


def worker_initializer(parent_pid: int | None = None, starts=None) -> None:
    """Set up a freshly started worker process.

    It is made single-threaded (Numba, OpenMP, BLAS); SIGINT no longer raises in it but asks
    its run to stop at the next update (the parent decides what to keep); and it ends with
    its parent (``parent_pid``), so killing a sweep never leaves workers behind.
    """
    global _WORKER_STOP, _WORKER_STARTS
    for k, v in THREAD_ENV.items():
        os.environ.setdefault(k, v)
    _WORKER_STOP = threading.Event()
    _WORKER_STARTS = starts
    if starts is not None:
        starts.cancel_join_thread()  # a worker's exit never waits on this queue
    signal.signal(signal.SIGINT, _worker_sigint)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent while it spawned us
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    try:
        import numba

        numba.set_num_threads(1)
    except Exception:  # pragma: no cover - numba missing
        pass


def worker_stop() -> threading.Event | None:
    """In a worker of the sweep's own pool: its stop (set by SIGINT); elsewhere None."""
    return _WORKER_STOP


def announce_start(rid: str) -> None:
    """In a worker of the sweep's own pool: tell the parent which run this process starts."""
    if _WORKER_STARTS is not None:
        with contextlib.suppress(Exception):
            _WORKER_STARTS.put((os.getpid(), rid))


def _worker_sigint(signum, frame) -> None:
    if _WORKER_STOP is not None:
        _WORKER_STOP.set()


def _die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (the sweep) dies, however it dies.

    Linux: the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``).
    Elsewhere a daemon thread checks the parent process id every half second. (The pool is
    always started, and shut down, by the thread that runs the sweep, which the death
    signal of Linux requires: it follows the thread that created the worker.)
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            if libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError):  # pragma: no cover - no usable libc
            pass

    def watch() -> None:  # pragma: no cover - non-Linux fallback
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="nelc-edu-parent-watch", daemon=True).start()


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run the body with one Numba/BLAS thread in the calling thread, then restore.

    It never touches ``os.environ``: in a process whose Numba thread pool is already running
    (a notebook kernel running a serial sweep), a changed ``NUMBA_NUM_THREADS`` makes every
    later compilation fail with "Cannot set NUMBA_NUM_THREADS to a different value".
    """
    try:
        import numba
    except ImportError:  # the NumPy backend: only BLAS has threads to limit
        numba = None
    saved = numba.get_num_threads() if numba else 1
    if numba:
        numba.set_num_threads(1)  # thread-local: it limits only the thread that runs kernels
    try:
        try:  # BLAS already loaded in this process: threadpoolctl limits it, if present
            from threadpoolctl import threadpool_limits

            blas = threadpool_limits(1)
        except Exception:  # pragma: no cover - optional
            blas = contextlib.nullcontext()
        with blas:
            yield
    finally:
        if numba:
            numba.set_num_threads(saved)


@contextlib.contextmanager
def child_thread_env() -> Iterator[None]:
    """Export the single-thread variables while worker processes are being spawned.

    A spawned child imports NumPy before the initializer runs; BLAS reads its thread count
    at that import, so the variables must already be in the environment it inherits.
    """
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update(THREAD_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back in this thread (and in processes it starts) for the block.

    A worker is spawned with SIGINT blocked and unblocks it only once its handler is set
    (:func:`worker_initializer`): a Ctrl-C while it starts can never kill it with a
    traceback. Here the signal stays pending and is handled when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class LocalPool:
    """The sweep's own process pool: workers that die with this process, stop on SIGINT, and
    announce the run they start (so the run of a worker that crashed is known)."""

    def __init__(self, n_workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")
        self.n_workers = n_workers
        self.starts = ctx.Queue()
        self.executor = ProcessPoolExecutor(
            max_workers=n_workers, mp_context=ctx, initializer=worker_initializer,
            initargs=(os.getpid(), self.starts))
        self.workers: dict[int, Any] = {}  # pid -> multiprocessing.Process
        self.current: dict[int, str] = {}  # pid -> run id it started last

    def submit(self, fn, *args) -> Future:
        import multiprocessing

        before = {p.pid for p in multiprocessing.active_children()}
        with _sigint_blocked():  # workers are spawned here, by this thread
            fut = self.executor.submit(fn, *args)
        for p in multiprocessing.active_children():
            if p.pid not in before:
                self.workers[p.pid] = p
        return fut

    def drain_starts(self) -> None:
        import queue

        while True:
            try:
                pid, rid = self.starts.get_nowait()
            except (queue.Empty, OSError, ValueError, EOFError):
                return
            self.current[pid] = rid

    def interrupt(self) -> None:
        """Ask every worker to stop its run at the next update (SIGINT, see the initializer)."""
        for pid, p in self.workers.items():
            if p.is_alive() and hasattr(signal, "pthread_sigmask"):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGINT)

    def kill(self) -> None:
        for p in self.workers.values():
            if p.is_alive():
                with contextlib.suppress(OSError):
                    p.kill()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.drain_starts()
        with contextlib.suppress(OSError, ValueError):
            self.starts.close()

    def crashed(self) -> list[tuple[int, int, str | None]]:
        """``(pid, exit code, run id)`` of workers that died on their own (after shutdown).

        A pool that breaks terminates its other workers (SIGTERM); those are not crashes.
        """
        self.drain_starts()
        out = []
        for pid, p in self.workers.items():
            code = p.exitcode
            if code in (None, 0, -int(signal.SIGTERM)):
                continue
            out.append((pid, code, self.current.get(pid)))
        return out


def _save_params(model, path: Path, metadata: dict[str, Any]) -> None:
    """Save a model's parameters (:func:`nelc_edu.io.save_model`), fsynced, then renamed."""
    from .io import save_model

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_model(model, tmp, metadata=metadata)
        os.chmod(tmp, FILE_MODE)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise with_path(exc, path) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_run(out_dir: Path, payload: dict[str, Any], save_params: bool) -> Path:
    record = payload["record"]
    rid = record["run_id"]
    if save_params:
        params_path = out_dir / f"{rid}.npz"
        _save_params(payload["model"], params_path,
                     metadata={"run_id": rid, "settings": record["settings"]})
        record["params_file"] = params_path.name
    else:
        record["params_file"] = None
    path = out_dir / f"{rid}.json"
    # the record is written last: its presence marks the run finished
    atomic_write_bytes(path, json.dumps(record, indent=1).encode())
    return path


class DirectoryLock:
    """One sweep at a time writes into a results directory (``flock`` on a hidden file).

    Holding it also makes it safe to delete the temporary files a killed sweep left.
    """

    NAME = ".nelc-sweep.lock"

    def __init__(self, directory: Path):
        self.path = directory / self.NAME
        self.fh = None
        self.exclusive = False

    def __enter__(self) -> DirectoryLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            return self
        try:
            self.fh = open(self.path, "a+")  # noqa: SIM115 - held until __exit__
        except OSError as exc:
            raise with_path(exc, self.path) from exc
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self.fh.seek(0)
            other = self.fh.read().strip() or "?"
            self.fh.close()
            raise ValueError(f"another sweep (process {other}) is writing into "
                             f"{self.path.parent}: wait until it ends, or give another "
                             "results directory.") from exc
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        self.exclusive = True
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()


def remove_temp_files(out_dir: Path, exclusive: bool) -> int:
    """Delete temporary files left by a killed sweep; return how many.

    Without the directory lock (no ``fcntl``) only files older than an hour are deleted.
    """
    n = 0
    for p in out_dir.iterdir():
        if not (is_temp_name(p.name) and p.is_file()):
            continue
        with contextlib.suppress(OSError):
            if exclusive or time.time() - p.stat().st_mtime > 3600:
                p.unlink()
                n += 1
    return n


#: How long the main loop waits for a result before it checks for a stop (seconds).
POLL_S = 0.2
#: After a stop: how long runs that are finishing may still deliver their result (seconds).
GRACE_S = 3.0


class Stop:
    """The sweep's stop switch, thrown by SIGINT or SIGTERM (or a failed write).

    While it is entered in the main thread it replaces the handlers of SIGINT and SIGTERM
    (unless they are ignored). A signal only sets ``event``, which every in-process run
    polls between updates. It never raises: a KeyboardInterrupt raised while a Numba kernel
    runs comes out as a ``SystemError``, and one raised while a finished run is being
    written would lose it. (So the main thread runs no training during a sweep: it waits,
    handles signals and writes.)
    """

    def __init__(self):
        self.event = threading.Event()
        self.signum: int | None = None
        self.n_signals = 0
        self._saved: dict[int, Any] = {}

    def _handler(self, signum, frame) -> None:
        self.n_signals += 1
        if self.signum is None:
            self.signum = signum
        self.event.set()

    def interrupted(self) -> None:
        """A KeyboardInterrupt that did not come through the handler."""
        if self.signum is None:
            self.signum = int(signal.SIGINT)
        self.event.set()

    def __enter__(self) -> Stop:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                old = signal.getsignal(sig)
                if old in (signal.SIG_IGN, None):
                    continue
                self._saved[sig] = old
                signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._saved.items():
            signal.signal(sig, old)


class Job:
    """The state of one sweep while it runs: what is left, what happened, how to report it."""

    def __init__(self, out: Path, todo, save_params: bool, progress, report,
                 stop: Stop):
        self.out = out
        self.todo = todo
        self.settings = dict(todo)
        self.save_params = save_params
        self.progress = progress
        self.report = report
        self.stop = stop
        self.n_done = 0
        self.first_error: BaseException | None = None
        self.write_error: OSError | None = None

    def say(self, line: str) -> None:
        if self.progress:
            self.progress(line)

    def finished(self, rid: str, payload: dict[str, Any]) -> None:
        try:
            write_run(self.out, payload, self.save_params)
        except OSError as exc:
            self.write_error = self.write_error or exc
            self.stop.event.set()
            return
        self.report.n_run += 1
        self.n_done += 1
        f = payload["record"]["final"]
        self.say(f"[{self.n_done}/{len(self.todo)}] {rid}: log-lik "
                 f"{num(f['log_likelihood']):.2f}, σ {num(f['entropy_production']):.3g}, "
                 f"mean diag T {num(f['mean_self_transition']):.3f}, class KL "
                 f"{num(f['class_kl']):.3f} ({payload['record']['wall_time_s']:.0f} s)")

    def failed(self, rid: str, exc: BaseException | str) -> None:
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        self.report.failed[rid] = text
        if not isinstance(exc, str):
            self.first_error = self.first_error or exc
        self.n_done += 1
        self.say(f"[{self.n_done}/{len(self.todo)}] {rid}: FAILED ({text})")

    def collect(self, rid: str, fut: Future) -> str:
        """Handle a done future: "ok", "failed", "interrupted", "cancelled" or "broken"."""
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        if fut.cancelled():
            return "cancelled"
        exc = fut.exception()
        if exc is None:
            self.finished(rid, fut.result())
            return "ok"
        if isinstance(exc, BrokenProcessPool):
            return "broken"
        if isinstance(exc, (KeyboardInterrupt, CancelledError)) or (
                self.stop.event.is_set() and type(exc).__name__ == "CancelledError"):
            self.report.n_interrupted += 1
            return "interrupted"
        self.failed(rid, exc)
        return "failed"


def _run_into(box: dict[str, Any], task: Callable, settings: dict[str, Any], stop) -> None:
    try:
        box["result"] = task(settings, True, stop)
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
        box["error"] = exc


def drive_serial(job: Job, task: Callable) -> None:
    """Train the runs one after another, writing each as it finishes.

    Each run trains in a daemon helper thread while this thread waits for it, so a signal
    is handled at once even while a kernel runs. After a stop, the run in progress may
    still end within the grace period (it stops at its next update, or finishes and is
    written); a run still busy after it is abandoned (the thread stops at its next update,
    or ends with the process).
    """
    stop = job.stop
    for rid, s in job.todo:
        if stop.event.is_set():
            break
        box: dict[str, Any] = {}
        thread = threading.Thread(target=_run_into, args=(box, task, s.to_dict(), stop.event),
                                  name=f"nelc-edu run {rid}", daemon=True)
        thread.start()
        while thread.is_alive() and not stop.event.is_set():
            thread.join(POLL_S)
        if thread.is_alive():
            thread.join(0.0 if job.write_error is not None else GRACE_S)
        if thread.is_alive():
            job.report.n_interrupted += 1
            break
        if "result" in box:
            job.finished(rid, box["result"])
        elif isinstance(box["error"], KeyboardInterrupt):
            job.report.n_interrupted += 1
        else:
            job.failed(rid, box["error"])


def _describe_exit(code: int) -> str:
    """Why a process ended, from its exit code (negative: the signal that killed it)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:  # pragma: no cover
            name = f"signal {-code}"
        hint = ", as the out-of-memory killer does" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit status {code}"


def drive_pool(job: Job, task: Callable, executor: Executor | None,
               max_workers: int | None) -> None:
    """Run on an executor (or the sweep's own process pool, if None), writing each result."""
    n_workers = max_workers or min(len(job.todo), os.cpu_count() or 1)
    runs = _Submitted(task, executor, LocalPool(n_workers) if executor is None else None,
                      job)
    try:
        try:
            runs.submit([rid for rid, _ in job.todo])
            _collect(job, runs)
        except KeyboardInterrupt:  # not through the sweep's handler
            job.stop.interrupted()
        if runs.pending:
            _wind_down(job, runs.pending, runs.local)
    except BaseException:
        if runs.local is not None:
            runs.local.kill()
        raise
    finally:
        if runs.local is not None:
            if job.stop.event.is_set():
                # every result worth having was collected: the workers need no clean exit
                # (which takes seconds with Numba loaded), and a busy one would not stop
                runs.local.kill()
            runs.local.shutdown()


class _Submitted:
    """The runs submitted to an executor or to the sweep's own pool, by future."""

    def __init__(self, task: Callable, executor: Executor | None, local: LocalPool | None,
                 job: Job):
        from concurrent.futures import ThreadPoolExecutor

        self.task, self.executor, self.local = task, executor, local
        # runs in this process's threads poll the sweep's stop; workers have their own
        self.extra = (job.stop.event,) if isinstance(executor, ThreadPoolExecutor) else ()
        self.settings = job.settings
        self.pending: dict[Future, str] = {}
        self.crashes: dict[str, int] = {}
        self.restarts = 0

    def submit(self, rids) -> None:
        for rid in rids:
            args = (self.task, self.settings[rid].to_dict(), True, *self.extra)
            pool = self.local if self.local is not None else self.executor
            self.pending[pool.submit(*args)] = rid


def _collect(job: Job, runs: _Submitted) -> None:
    """Write each run as it finishes, until none is pending or the sweep stops."""
    from concurrent.futures import FIRST_COMPLETED, wait

    while runs.pending and not job.stop.event.is_set():
        done, _ = wait(runs.pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        broken = []
        for fut in done:
            rid = runs.pending.pop(fut)
            if job.collect(rid, fut) == "broken":
                broken.append(rid)
        if not broken:
            continue
        if runs.local is None:
            for rid in broken:
                job.failed(rid, "the executor's process pool broke (a worker process "
                                "died); rerun the sweep to resume")
            continue
        if not _replace_broken_pool(job, runs, broken):
            break


def _replace_broken_pool(job: Job, runs: _Submitted, broken: list[str]) -> bool:
    """The sweep's pool broke: collect what finished, start a new pool for the rest.

    Returns False when the sweep must stop here (a stop was requested, or the pool keeps
    crashing).
    """
    from concurrent.futures import wait

    # the pool is broken: every unfinished run gets BrokenProcessPool at once
    wait(runs.pending, timeout=60)
    for fut, rid in list(runs.pending.items()):
        del runs.pending[fut]
        if not fut.done() or job.collect(rid, fut) == "broken":
            broken.append(rid)
    runs.local.shutdown()
    if job.stop.event.is_set():
        job.report.n_interrupted += len(broken)
        return False
    runs.local, again = _restart_after_crash(job, runs.local, broken, runs.crashes)
    runs.restarts += 1
    if runs.restarts > len(job.todo) + 1:  # pragma: no cover - a safety net
        for rid in again:
            job.failed(rid, "the process pool kept crashing")
        return False
    runs.submit(again)
    return True


def _restart_after_crash(job: Job, local: LocalPool, broken: list[str],
                         crashes: dict[str, int]):
    """A worker died (e.g. the out-of-memory killer): a new pool for the unfinished runs.

    The run the dead worker was training is retried once; if its worker dies again it is
    reported FAILED (no record; a later rerun of the sweep tries it again). Runs that were
    only waiting, or whose workers the broken pool terminated, are resubmitted as they are.
    """
    dead = local.crashed()
    suspects = {rid for _, _, rid in dead if rid in broken}
    if not suspects:  # no worker announced its run: every started, unfinished run is suspect
        suspects = set(local.current.values()) & set(broken)
    for pid, code, rid in dead:
        job.say(f"worker process {pid} died" + (f" while training {rid}" if rid else "")
                + f" ({_describe_exit(code)}).")
    again = []
    for rid in broken:
        if rid in suspects:
            crashes[rid] = crashes.get(rid, 0) + 1
            if crashes[rid] >= 2:
                job.failed(rid, "its worker process died twice (out of memory?); no record "
                                "written")
                continue
            job.report.n_retried += 1
        again.append(rid)
    job.report.notes.append(f"a worker process died; {len(again)} unfinished runs were "
                            "resubmitted to a new pool")
    job.say(f"starting a new process pool for the {len(again)} unfinished runs "
            f"({len(suspects & set(again))} of them retried after the crash).")
    return LocalPool(local.n_workers), again


def _wind_down(job: Job, pending: dict[Future, str], local: LocalPool | None) -> None:
    """After a stop: cancel what has not started, stop what runs, keep what finishes.

    Runs in this process's threads see the stop at their next update, the sweep's own
    workers get SIGINT (and stop at their next update too); a run finishing during the
    grace period is written like any other. Whatever still runs after it is abandoned (the
    caller kills its own workers).
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    for fut in list(pending):
        if fut.cancel():
            del pending[fut]
    if local is not None:
        local.interrupt()
    grace = 0.0 if job.write_error is not None else GRACE_S
    deadline = time.monotonic() + grace
    n_signals = job.stop.n_signals
    while pending and time.monotonic() < deadline and job.stop.n_signals == n_signals:
        done, _ = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        for fut in done:
            rid = pending.pop(fut)
            if job.collect(rid, fut) == "broken":
                job.report.n_interrupted += 1
    for fut in list(pending):
        fut.cancel()
    job.report.n_interrupted += len(pending)
    pending.clear()
