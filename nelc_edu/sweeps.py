"""Sweeps: grids of training runs over seeds and settings, on any ``concurrent.futures`` executor.

A sweep trains one model per point of a grid (seeds x latent sizes x learning rates x model
kinds) with :func:`nelc_edu.experiments.run`, and writes one JSON record per run (its
settings, final and per-checkpoint diagnostics, wall time, package version) plus the trained
parameters as a pickle-free ``.npz`` (:func:`nelc_edu.io.save_model`) into a results
directory. The records feed :mod:`nelc_edu.plotting.sweeps` (``nelc-edu figures``) and the
README table (``scripts/reproduce_mnist.py``).

**Resumable, and nothing finished is lost.** The *parent* process writes every file, the
moment each run finishes, whatever the executor: the parameters, then the record
``<run_id>.json`` that marks the run finished, each through a temporary file, ``fsync`` and a
rename (workers need no shared file system, so a Dask cluster works as it is). Rerunning a
sweep skips finished runs and trains the rest, including runs whose record or ``.npz`` is
missing or damaged. Ctrl-C (or SIGTERM) stops a sweep within seconds, keeps every finished
run and raises :class:`SweepInterrupted`; killing it (even ``kill -9``) leaves no worker
process behind; a worker that crashes (out of memory) costs one retry of its run, not the
grid. See :func:`run_sweep`.

**Executors.** :func:`run_sweep` accepts any :class:`concurrent.futures.Executor`:

* default: a local :class:`~concurrent.futures.ProcessPoolExecutor` (``spawn`` context) using
  all cores, each worker single-threaded (Numba, OpenMP and BLAS set to one thread) so the
  cores are not oversubscribed;
* a :class:`~concurrent.futures.ThreadPoolExecutor` or ``executor="serial"`` for notebooks on
  Binder (1 core, 2 GB): no extra processes, no extra memory;
* Dask: ``dask.distributed.Client(address).get_executor()`` runs the same sweep on a
  cluster (``pip install "nelc-edu[dask]"``). Every task limits its own thread pools, so a
  worker with ``threads_per_worker=1`` uses one core.

Examples
--------
>>> import tempfile
>>> from nelc_edu.sweeps import SweepGrid, run_sweep, load_results
>>> grid = SweepGrid(dataset="digits", seeds=[0], latents=[3], kinds=["two_matrix", "rbm"],
...                  overrides=dict(n_updates=20, n_checkpoints=2, diag_samples=50,
...                                 kl_chains=10, kl_burn_in=5,
...                                 kl_steps=10))
>>> len(grid)
2
>>> out = tempfile.mkdtemp()
>>> report = run_sweep(grid, out, executor="serial")
>>> report.n_run, report.n_skipped
(2, 0)
>>> run_sweep(grid, out, executor="serial").n_skipped  # resumable: nothing left to do
2
>>> sorted(r["settings"]["kind"] for r in load_results(out))
['rbm', 'two_matrix']
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import platform
import signal
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _sweep_runtime as _rt
from ._files import atomic_write_bytes, check_output_dir
from ._json import number as _num
from ._sweep_runtime import THREAD_ENV as _THREAD_ENV  # noqa: F401 - the workers' environment

__all__ = [
    "SweepGrid",
    "run_sweep",
    "SweepReport",
    "SweepInterrupted",
    "run_id",
    "run_one",
    "default_executor",
    "load_results",
    "scan_results",
    "ResultsScan",
    "summarize",
    "format_summary",
    "group_settings",
    "varying_settings",
    "compact_results",
    "read_results_file",
    "load_shipped_results",
    "machine_info",
]

#: Tag and version written into every record (``record["format"]``).
RECORD_FORMAT = "nelc_edu-sweep-record-1"

# scalar diagnostics summarised per model kind (key, label, format)
SUMMARY_METRICS: tuple[tuple[str, str, str], ...] = (
    ("log_likelihood", "log-lik (train)", "{:.2f}"),
    ("log_likelihood_heldout", "log-lik (held-out)", "{:.2f}"),
    ("entropy_production", "σ (nats/step)", "{:.3g}"),
    ("ep_noise_floor", "σ noise floor", "{:.1e}"),
    ("mean_self_transition", "mean diag T", "{:.3f}"),
    ("class_kl", "class KL", "{:.3f}"),
)


# ----------------------------------------------------------------------------------- grids
def _as_tuple(values, name: str, cast) -> tuple:
    if values is None:
        return ()
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    out = tuple(cast(v) for v in values)
    if not out:
        raise ValueError(f"{name} is empty: a sweep needs at least one value.")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} has repeated values {list(out)}: give each value once.")
    return out


@dataclass(frozen=True)
class SweepGrid:
    """A grid of runs: seeds x latent sizes x learning rates x model kinds (x two-matrix options).

    Parameters
    ----------
    dataset : {"digits", "mnist5k"}
    seeds : sequence of int
    latents : sequence of int
        Numbers of latent states K (each >= 2).
    learning_rates : sequence of float, optional
        RMSprop steps; default: the dataset's measured default
        (:func:`nelc_edu.experiments.default_settings`).
    kinds : sequence of str
        Model kinds among :data:`nelc_edu.experiments.KINDS`.
    tie_penalties : sequence of float, optional
        Two-matrix model only: values of the reversibility dial lambda >= 0
        (:attr:`~nelc_edu.experiments.RunSettings.tie_penalty`); default 0. The RBM kinds
        have no such dial: they run once per other grid point, not once per lambda.
    stationary_terms : sequence of {"exact", "one_step"}, optional
        Two-matrix model only: gradient rules
        (:attr:`~nelc_edu.experiments.RunSettings.stationary_term`); default "exact".
    overrides : dict, optional
        Any other field of :class:`~nelc_edu.experiments.RunSettings` (``n_updates``,
        ``batch_size``, ...), applied on top of the dataset defaults.

    Examples
    --------
    >>> g = SweepGrid(dataset="digits", seeds=range(3), latents=[5, 10],
    ...               learning_rates=[0.01], kinds=["two_matrix", "rbm"])
    >>> len(g), g.expand()[0].kind, g.expand()[0].K
    (12, 'two_matrix', 5)
    >>> g = SweepGrid(seeds=[0], kinds=["two_matrix", "rbm"], tie_penalties=[0, 1e-3, 1e-2])
    >>> [(r.kind, r.tie_penalty) for r in g.expand()]
    [('two_matrix', 0.0), ('two_matrix', 0.001), ('two_matrix', 0.01), ('rbm', 0.0)]
    >>> SweepGrid(kinds=["boltzmann"])
    Traceback (most recent call last):
    ...
    ValueError: unknown model kind 'boltzmann'; choose from ('two_matrix', 'rbm', 'rbm_exact').
    """

    dataset: str = "digits"
    seeds: Sequence[int] = (0,)
    latents: Sequence[int] = (10,)
    learning_rates: Sequence[float] | None = None
    kinds: Sequence[str] = ("two_matrix", "rbm", "rbm_exact")
    overrides: Mapping[str, Any] = field(default_factory=dict)
    tie_penalties: Sequence[float] | None = None
    stationary_terms: Sequence[str] | None = None

    def __post_init__(self):
        from ._validation import check_n_latent
        from .experiments import DATASETS, KINDS, RunSettings

        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}; got {self.dataset!r}.")
        object.__setattr__(self, "seeds", _as_tuple(self.seeds, "seeds", _as_int))
        object.__setattr__(self, "latents", _as_tuple(self.latents, "latents", _as_int))
        for K in self.latents:
            check_n_latent(K)
        kinds = _as_tuple(self.kinds, "kinds", str)
        for k in kinds:
            if k not in KINDS:
                raise ValueError(f"unknown model kind {k!r}; choose from {KINDS}.")
        object.__setattr__(self, "kinds", kinds)
        if self.learning_rates is not None:
            lrs = _as_tuple(self.learning_rates, "learning_rates", float)
            for lr in lrs:
                if not (lr > 0 and math.isfinite(lr)):
                    raise ValueError(f"learning rates must be positive numbers; got {lr!r}.")
            object.__setattr__(self, "learning_rates", lrs)
        self._check_two_matrix_axes()
        if not self.seeds or not self.latents or not self.kinds:
            raise ValueError("the grid is empty: give at least one seed, latent size and kind.")
        names = {f.name for f in dataclasses.fields(RunSettings)}
        reserved = {"kind", "dataset", "K", "seed", "learning_rate", "tie_penalty",
                    "stationary_term"}
        for key in self.overrides:
            if key in reserved:
                raise ValueError(f"override {key!r} is a grid axis: set it with the grid's "
                                 "own argument (kinds, dataset, latents, seeds, "
                                 "learning_rates, tie_penalties, stationary_terms).")
            if key not in names:
                raise ValueError(f"unknown run setting {key!r}; RunSettings has "
                                 f"{sorted(names - reserved)}.")
        object.__setattr__(self, "overrides", dict(self.overrides))

    def _check_two_matrix_axes(self) -> None:
        from .models.pcd import check_stationary_term

        if self.tie_penalties is not None:
            lams = _as_tuple(self.tie_penalties, "tie_penalties", _as_float)
            for lam in lams:
                if not (lam >= 0 and math.isfinite(lam)):
                    raise ValueError(f"tie penalties must be numbers >= 0; got {lam!r}.")
            object.__setattr__(self, "tie_penalties", lams)
        if self.stationary_terms is not None:
            terms = _as_tuple(self.stationary_terms, "stationary_terms", str)
            for term in terms:
                check_stationary_term(term)
            object.__setattr__(self, "stationary_terms", terms)
        special = (any(lam != 0 for lam in self.tie_penalties or ())
                   or any(t != "exact" for t in self.stationary_terms or ()))
        if special and "two_matrix" not in self.kinds:
            raise ValueError("tie_penalties and stationary_terms apply to the two-matrix model "
                             "only: add 'two_matrix' to kinds.")

    def _two_matrix_variants(self) -> list[tuple[str, float]]:
        return [(term, lam) for term in (self.stationary_terms or ("exact",))
                for lam in (self.tie_penalties or (0.0,))]

    def expand(self) -> list:
        """All runs of the grid as :class:`~nelc_edu.experiments.RunSettings`.

        Ordered seed-major (all kinds of seed 0 first), so a sweep interrupted halfway has
        complete comparisons for its first seeds. Within one (seed, K, learning rate) the
        two-matrix model runs once per (stationary term, tie penalty), every other kind once.
        """
        from .experiments import RunSettings, default_settings

        base = default_settings(self.dataset, **self.overrides)
        lrs = self.learning_rates or (base["learning_rate"],)
        out = []
        for seed in self.seeds:
            for K in self.latents:
                for lr in lrs:
                    for kind in self.kinds:
                        variants = (self._two_matrix_variants() if kind == "two_matrix"
                                    else [("exact", 0.0)])
                        for term, lam in variants:
                            params = {**base, "learning_rate": lr, "tie_penalty": lam,
                                      "stationary_term": term}
                            out.append(RunSettings(kind=kind, dataset=self.dataset, K=K,
                                                   seed=seed, **params))
        return out

    def __len__(self) -> int:
        n_lr = len(self.learning_rates) if self.learning_rates else 1
        per_point = sum(len(self._two_matrix_variants()) if k == "two_matrix" else 1
                        for k in self.kinds)
        return len(self.seeds) * len(self.latents) * n_lr * per_point


def _as_int(v) -> int:
    if isinstance(v, bool) or not float(v).is_integer():
        raise ValueError(f"expected an integer; got {v!r}.")
    return int(v)


def _as_float(v) -> float:
    if isinstance(v, bool):
        raise ValueError(f"expected a number; got {v!r}.")
    return float(v)


#: Settings added after the first records were written, with the value those records had.
#: At these values they are left out of the run id's hash, so a resumed sweep still finds
#: the runs it finished before they existed.
_LATER_SETTINGS = {"tie_penalty": 0.0, "stationary_term": "exact", "fidelity_steps": 0}


def run_id(settings) -> str:
    """A readable, unique file stem for one run: its grid coordinates and a settings hash.

    The hash covers every setting, so the same seed with a different budget is a different
    run (and a resumed sweep never mistakes one for the other). A two-matrix run with a tie
    penalty or the truncated gradient says so in its name (``-tie0.001``, ``-one_step``);
    at their defaults these two settings are left out of the hash, so the run ids of runs
    made before they existed are unchanged.

    Examples
    --------
    >>> from nelc_edu.experiments import RunSettings
    >>> run_id(RunSettings(kind="rbm", dataset="digits", K=10, seed=3))[:28]
    'digits-rbm-K10-lr0.01-seed3-'
    >>> run_id(RunSettings(K=10, seed=3, tie_penalty=1e-3, stationary_term="one_step"))[:46]
    'digits-two_matrix-K10-lr0.01-tie0.001-one_step'
    """
    d = settings.to_dict() if hasattr(settings, "to_dict") else dict(settings)
    hashed = {k: v for k, v in d.items()
              if not (k in _LATER_SETTINGS and v == _LATER_SETTINGS[k])}
    digest = hashlib.sha1(json.dumps(hashed, sort_keys=True).encode()).hexdigest()[:8]
    extra = ""
    if d.get("tie_penalty", 0.0):
        extra += f"-tie{d['tie_penalty']:g}"
    if d.get("stationary_term", "exact") != "exact":
        extra += f"-{d['stationary_term']}"
    return (f"{d['dataset']}-{d['kind']}-K{d['K']}-lr{d['learning_rate']:g}{extra}-"
            f"seed{d['seed']}-{digest}")


# -------------------------------------------------------------------------------- workers
def run_one(settings_dict: dict[str, Any], single_thread: bool = True,
            stop=None) -> dict[str, Any]:
    """Train one run in the current process; return its record and its trained model.

    This is the task :func:`run_sweep` sends to the executor. It writes nothing (the parent
    writes the files), so it works unchanged on a remote Dask worker.

    Parameters
    ----------
    settings_dict : dict
        Keyword arguments of :class:`~nelc_edu.experiments.RunSettings`.
    single_thread : bool
        Limit Numba/BLAS to one thread in the calling thread while it trains (restored
        afterwards; the environment is left alone).
    stop : threading.Event, optional
        Once set, training stops at its next update
        (:class:`~nelc_edu.training.TrainingInterrupted`). In a worker of the sweep's own
        process pool, the worker's own stop (set by SIGINT) is used.

    Returns
    -------
    dict
        ``{"record": dict, "model": model}``.
    """
    from . import __version__
    from .experiments import RunSettings, run
    from .training import TrainingInterrupted, stop_on

    stop = stop if stop is not None else _rt.worker_stop()
    settings = RunSettings(**{k: v for k, v in settings_dict.items() if k != "training"})
    rid = run_id(settings)
    if stop is not None and stop.is_set():
        raise TrainingInterrupted(f"{rid} not started: the sweep is stopping.")
    _rt.announce_start(rid)
    t0 = time.perf_counter()
    with stop_on(stop), _rt.single_threaded() if single_thread else contextlib.nullcontext():
        result = run(settings, progress=False, keep_params=False)
    record = result.to_record()
    record["format"] = RECORD_FORMAT
    record["run_id"] = rid
    record["nelc_edu_version"] = __version__
    record["wall_time_s"] = time.perf_counter() - t0
    record["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    record["worker"] = {"host": platform.node(), "pid": os.getpid()}
    return {"record": record, "model": result.model}


def default_executor(max_workers: int | None = None) -> Executor:
    """A local process pool (``spawn``), one single-threaded worker per core by default.

    Its workers end with this process (see :func:`run_sweep`, which makes its own pool).

    Examples
    --------
    >>> ex = default_executor(1)
    >>> type(ex).__name__
    'ProcessPoolExecutor'
    >>> ex.shutdown()
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = max_workers or os.cpu_count() or 1
    if n < 1:
        raise ValueError(f"max_workers must be >= 1; got {max_workers}.")
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_rt.worker_initializer,
                               initargs=(os.getpid(), None))


# ------------------------------------------------------------------------------- writing
def _run_state(out_dir: Path, rid: str, want_params: bool) -> str | None:
    """None if run ``rid`` is finished in ``out_dir``; otherwise why it must be (re)done.

    Finished means: a valid record of this run and, when parameters are wanted, a complete
    parameter file. A record without one (a kill between the two files, a deleted or
    truncated ``.npz``, or a sweep run with ``--no-params``) is redone: training is
    deterministic, so the redone run has the same numbers and now its parameters.
    """
    from .io import load_model

    path = out_dir / f"{rid}.json"
    if not path.exists():
        return "new"
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return "record unreadable"
    problem = _record_problem(rec)
    if problem is not None:
        return f"record is {problem}"
    if rec["run_id"] != rid:
        return "record belongs to another run"
    if not want_params:
        return None
    pfile = rec.get("params_file")
    if not pfile:
        return "no parameter file (run with --no-params)"
    if not isinstance(pfile, str) or Path(pfile).name != pfile:
        return "record names no valid parameter file"
    try:
        load_model(out_dir / pfile)
    except FileNotFoundError:
        return "parameter file missing"
    except (OSError, ValueError):
        return "parameter file truncated or unreadable"
    return None


@dataclass
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out_dir : pathlib.Path
    run_ids : list of str
        Every run of the grid, in grid order.
    n_run, n_skipped : int
        Runs trained now, runs skipped because they were already finished.
    failed : dict
        run_id -> error message of runs that raised (their record is not written).
    n_interrupted : int
        Runs stopped by Ctrl-C or SIGTERM before they finished (nothing written for them;
        rerunning the sweep trains them).
    n_retried : int
        Runs retried because the worker process training them died (see :func:`run_sweep`).
    notes : list of str
        What the sweep noticed on its way (runs redone, temporary files removed, crashes).
    wall_time : float
        Seconds.
    """

    out_dir: Path
    run_ids: list[str]
    n_run: int = 0
    n_skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    n_interrupted: int = 0
    n_retried: int = 0
    notes: list[str] = field(default_factory=list)
    wall_time: float = 0.0

    def __str__(self) -> str:
        s = (f"{len(self.run_ids)} runs in {self.out_dir}: {self.n_run} trained, "
             f"{self.n_skipped} already finished (skipped), {len(self.failed)} failed")
        if self.n_interrupted:
            s += f", {self.n_interrupted} interrupted"
        if self.n_retried:
            s += f", {self.n_retried} retried after a worker crash"
        return s + f"; wall time {self.wall_time:.1f} s"


class SweepInterrupted(KeyboardInterrupt):
    """Raised by :func:`run_sweep` when Ctrl-C (SIGINT) or SIGTERM stopped it.

    Every run that finished, before or during the shutdown, was written first; rerunning
    the same sweep resumes it. ``report`` is the :class:`SweepReport`, ``signum`` the signal,
    ``exit_code`` the conventional exit status (128 + signal number: 130 for Ctrl-C).
    """

    def __init__(self, report: SweepReport, signum: int):
        self.report = report
        self.signum = int(signum)
        try:
            name = signal.Signals(self.signum).name
        except ValueError:  # pragma: no cover
            name = f"signal {self.signum}"
        done = report.n_run + report.n_skipped
        super().__init__(
            f"interrupted ({name}): {done} of {len(report.run_ids)} runs are finished and "
            f"saved in {report.out_dir} ({report.n_run} trained now); run the same command "
            "again to resume.")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def run_sweep(
    grid: SweepGrid | Sequence,
    out_dir: str | os.PathLike,
    executor: Executor | str | None = None,
    *,
    max_workers: int | None = None,
    save_params: bool = True,
    progress: Callable[[str], None] | None = None,
    raise_on_error: bool = True,
) -> SweepReport:
    """Run every point of ``grid`` not finished yet in ``out_dir``, on ``executor``.

    Every run is written (parameters, then its JSON record, each through a temporary file,
    ``fsync`` and a rename) the moment it finishes, whatever the executor: a sweep killed at
    any moment keeps every run that finished, and rerunning it trains only the rest.

    **Resuming.** A run counts as finished when its record is a valid record of that run
    and, if ``save_params``, its ``.npz`` file loads. Anything else (a damaged record, a
    missing or truncated ``.npz``, a run made with ``save_params=False``) is trained again
    (training is deterministic: same numbers). Temporary files left by a kill are deleted.
    Only one sweep at a time may write into ``out_dir`` (a lock file, ``.nelc-sweep.lock``).

    **Stopping.** Ctrl-C (SIGINT) or SIGTERM, when the sweep runs in the main thread: runs
    not started are cancelled, running ones stop at their next update (serial runs at once),
    runs that finish within a few seconds are still written, and :class:`SweepInterrupted`
    is raised. The sweep's own worker processes never outlive it, even after ``kill -9``.

    **Worker crashes.** In the default process pool, a worker that dies (the out-of-memory
    killer, a segmentation fault) breaks the pool; a new pool takes the unfinished runs. The
    run the dead worker was training is retried once; if it kills its worker again it is
    reported failed. The rest of the grid goes on.

    Parameters
    ----------
    grid : SweepGrid or sequence of RunSettings
    out_dir : path
        Results directory (created if needed). One ``<run_id>.json`` record per run, plus
        ``<run_id>.npz`` parameters when ``save_params``.
    executor : concurrent.futures.Executor, "serial" or None
        None: the sweep's own local process pool (``max_workers`` single-threaded workers,
        all cores by default), shut down at the end. ``"serial"``: run in this thread. Any
        other executor (a ``ThreadPoolExecutor``, a Dask ``Client.get_executor()``) is used
        as given and left running.
    max_workers : int, optional
        Size of the default pool.
    save_params : bool
        Write the trained parameters (``.npz``, :func:`nelc_edu.io.save_model`).
    progress : callable, optional
        Called with one line of text per finished run (e.g. ``print``), and with notes.
    raise_on_error : bool
        Re-raise the first failed run's error after the others finished (their records are
        kept). With False, failures are only listed in the report.

    Returns
    -------
    SweepReport

    Raises
    ------
    SweepInterrupted
        Stopped by SIGINT or SIGTERM (after writing every finished run).
    OSError
        A file could not be written (disk full, permission); it names the file. The sweep
        stops; every run written before stays.
    """
    t0 = time.perf_counter()
    settings_list = grid.expand() if isinstance(grid, SweepGrid) else list(grid)
    if not settings_list:
        raise ValueError("the grid is empty: nothing to run.")
    if isinstance(executor, str) and executor != "serial":
        raise ValueError(f"executor must be an Executor, 'serial' or None; got {executor!r}.")
    out = check_output_dir(out_dir, "results directory")
    ids = [run_id(s) for s in settings_list]
    if len(set(ids)) != len(ids):
        raise ValueError("the grid contains the same run twice.")
    say = progress or (lambda line: None)
    with _rt.DirectoryLock(out) as lock:
        report = SweepReport(out_dir=out, run_ids=ids)
        todo = _runs_to_do(out, ids, settings_list, save_params, lock, report, say)
        if not todo:
            report.wall_time = time.perf_counter() - t0
            return report
        with _rt.Stop() as stop:
            job = _rt.Job(out, todo, save_params, progress, report, stop)
            try:
                if executor == "serial":
                    _rt.drive_serial(job, run_one)
                else:
                    own = executor is None
                    with _rt.child_thread_env() if own else contextlib.nullcontext():
                        _rt.drive_pool(job, run_one, executor, max_workers)
            except KeyboardInterrupt:  # not through the handler (e.g. SIGINT was not ours)
                stop.interrupted()
            finally:
                report.wall_time = time.perf_counter() - t0
    if job.write_error is not None:
        raise job.write_error
    if stop.signum is not None:
        raise SweepInterrupted(report, stop.signum)
    if job.first_error is not None and raise_on_error:
        raise job.first_error
    return report


def _runs_to_do(out: Path, ids: list[str], settings_list, save_params: bool, lock,
                report: SweepReport, say) -> list:
    """``(run_id, settings)`` of the runs not finished in ``out``; notes what is redone.

    Temporary files a killed sweep left are removed first (the lock says whether it may).
    """
    n_tmp = _rt.remove_temp_files(out, lock.exclusive)
    if n_tmp:
        report.notes.append(f"removed {n_tmp} temporary files left by an interrupted write")
        say(f"note: {report.notes[-1]}.")
    states = {rid: _run_state(out, rid, save_params) for rid in ids}
    todo = [(rid, s) for rid, s in zip(ids, settings_list, strict=True)
            if states[rid] is not None]
    report.n_skipped = len(ids) - len(todo)
    redo: dict[str, int] = {}
    for state in states.values():
        if state not in (None, "new"):
            redo[state] = redo.get(state, 0) + 1
    if redo:
        report.notes.append(f"{sum(redo.values())} recorded runs are trained again: "
                            + "; ".join(f"{n} {why}" for why, n in sorted(redo.items())))
        say(f"note: {report.notes[-1]}.")
    return todo


# ------------------------------------------------------------------------------- reading
#: Settings every record carries (what the tables, figures and run ids need).
_REQUIRED_SETTINGS = ("kind", "dataset", "K", "seed", "learning_rate")


def _record_problem(rec: Any) -> str | None:
    """None for a valid sweep record; otherwise what is wrong with it (a short phrase).

    Examples
    --------
    >>> _record_problem([1, 2])
    'not a sweep record'
    >>> _record_problem({"format": RECORD_FORMAT, "run_id": "x"})
    "a sweep record without 'settings'"
    """
    if not isinstance(rec, dict) or rec.get("format") != RECORD_FORMAT:
        return "not a sweep record"
    s = rec.get("settings")
    if not isinstance(s, dict):
        return "a sweep record without 'settings'"
    missing = [k for k in _REQUIRED_SETTINGS if k not in s]
    if missing:
        return f"a sweep record whose settings lack {missing}"
    if not (isinstance(s["K"], int) and isinstance(s["seed"], int)
            and isinstance(s["learning_rate"], (int, float))
            and isinstance(s["kind"], str) and isinstance(s["dataset"], str)):
        return "a sweep record with settings of the wrong type"
    if not isinstance(rec.get("run_id"), str):
        return "a sweep record without 'run_id'"
    if not isinstance(rec.get("final"), dict):
        return "a sweep record without 'final'"
    h = rec.get("history")
    if not (isinstance(h, dict) and isinstance(h.get("steps"), list)
            and isinstance(h.get("records"), list)):
        return "a sweep record without a valid 'history'"
    return None


@dataclass
class ResultsScan:
    """The JSON files of a results directory: valid records, and the files skipped (and why).

    Attributes
    ----------
    records : list of dict
        Valid records, sorted by dataset, kind, K, learning rate, seed.
    skipped : dict
        File name -> why it is not used ("not valid JSON", "not a sweep record", "a sweep
        record without 'settings'", ...).
    """

    directory: Path
    records: list[dict[str, Any]]
    skipped: dict[str, str] = field(default_factory=dict)

    def note(self) -> str | None:
        """One line about the skipped files (None if there are none)."""
        if not self.skipped:
            return None
        items = sorted(self.skipped.items())
        shown = ", ".join(f"{name} ({why})" for name, why in items[:3])
        more = f" and {len(items) - 3} more" if len(items) > 3 else ""
        return (f"ignored {len(items)} JSON file{'s' if len(items) > 1 else ''} in "
                f"{self.directory} that {'are' if len(items) > 1 else 'is'} not a valid "
                f"sweep record: {shown}{more}")


def scan_results(out_dir: str | os.PathLike) -> ResultsScan:
    """Read every ``*.json`` of a results directory; keep valid records, list the others.

    Never raises for a bad file: unreadable JSON, a file that is not a record (any other
    JSON) and a record of the wrong shape are listed in :attr:`ResultsScan.skipped`.
    (:func:`run_sweep` trains a run again when its own record is one of those.)

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.json").write_text("[1, 2]")
    >>> scan = scan_results(d)
    >>> scan.records, scan.skipped
    ([], {'notes.json': 'not a sweep record'})
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise ValueError(f"results directory {out} does not exist; run `nelc-edu sweep` "
                         "first.")
    records, skipped = [], {}
    for path in sorted(out.glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            skipped[path.name] = ("not valid JSON" if isinstance(exc, ValueError)
                                  else f"unreadable: {exc.strerror or exc}")
            continue
        problem = _record_problem(rec)
        if problem is None:
            records.append(rec)
        else:
            skipped[path.name] = problem
    records.sort(key=_record_key)
    return ResultsScan(directory=out, records=records, skipped=skipped)


def load_results(out_dir: str | os.PathLike, *, warn: bool = True) -> list[dict[str, Any]]:
    """Every valid record of a results directory (temporary files are ignored).

    Records are sorted by dataset, kind, K, learning rate and seed. JSON files that are not
    valid records are skipped, with one :class:`UserWarning` naming them (``warn=False``:
    silently; :func:`scan_results` lists them).
    """
    scan = scan_results(out_dir)
    if warn and scan.skipped:
        warnings.warn(scan.note(), UserWarning, stacklevel=2)
    return scan.records


_KIND_RANK = {"two_matrix": 0, "rbm": 1, "rbm_exact": 2}


def _record_key(rec):
    s = rec["settings"]
    return (s["dataset"], s["kind"], s["K"], s["learning_rate"], s["seed"])


#: Settings that do not define a group of runs: the seed (runs of a group differ in it
#: only) and ``training`` (it follows from the kind).
_NOT_GROUPED = ("seed", "training")


def group_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that define a run's group: all but the seed, with later defaults filled.

    Records written before ``tie_penalty`` and ``stationary_term`` existed get their
    defaults (0 and "exact"), so old and new runs of the same setting form one group.

    Examples
    --------
    >>> group_settings({"kind": "rbm", "K": 3, "seed": 4})
    {'tie_penalty': 0.0, 'stationary_term': 'exact', 'fidelity_steps': 0, 'kind': 'rbm', 'K': 3}
    """
    return {**_LATER_SETTINGS, **{k: v for k, v in settings.items() if k not in _NOT_GROUPED}}


def varying_settings(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Settings (other than the model kind and the seed) whose value differs between runs.

    Figures and tables never average runs across these (:func:`group_settings`).

    Examples
    --------
    >>> recs = [{"settings": {"kind": "rbm", "K": 10, "seed": s, "n_updates": n}}
    ...         for s, n in [(0, 100), (1, 1500)]]
    >>> varying_settings(recs)
    ['n_updates']
    """
    all_settings = [group_settings(r["settings"]) for r in records]
    keys = sorted({k for s in all_settings for k in s} - {"kind"})
    first = ["K", "learning_rate"]
    keys = [k for k in first if k in keys] + [k for k in keys if k not in first]
    return [k for k in keys if len({json.dumps(s.get(k)) for s in all_settings}) > 1]


def _group_key(settings: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, json.dumps(v, sort_keys=True))
                        for k, v in group_settings(settings).items()))


def summarize(records: Sequence[Mapping[str, Any]],
              by: Sequence[str] | None = None,
              metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Mean, standard deviation, min and max of each final metric per group of runs.

    A group is a set of runs whose settings are all equal but for the seed: runs of
    different budgets, learning rates, tie penalties... are never averaged together.

    Parameters
    ----------
    records : sequence of dict
        From :func:`load_results` (or the shipped results).
    by : sequence of str, optional
        The settings to report at the top level of each entry (default: all of them). They
        do not loosen the grouping: if the records of one value of ``by`` differ in another
        setting, a ValueError says which (summarise those runs separately).
    metrics : sequence of str, optional
        Final diagnostics to summarise (default: log-likelihoods, σ and its noise floor,
        mean self-transition, class KL).

    Returns
    -------
    list of dict
        One entry per group: its settings (``entry["settings"]``, and at the top level the
        ``by`` ones), ``n`` and per metric ``{"mean", "std", "min", "max"}``, plus
        ``"dominant_cycles"`` (how often each cycle was the dominant one, among edges whose
        current exceeds the run's ``current_threshold``; "none" for a run without one).

    Examples
    --------
    >>> recs = [{"settings": {"kind": "rbm", "K": 3, "seed": s}, "final": {"class_kl": x}}
    ...         for s, x in enumerate((0.1, 0.3))]
    >>> g = summarize(recs, by=["kind"], metrics=["class_kl"])[0]
    >>> g["n"], round(g["class_kl"]["mean"], 3), round(g["class_kl"]["std"], 3)
    (2, 0.2, 0.141)
    >>> mixed = recs + [{"settings": {"kind": "rbm", "K": 5, "seed": 0},
    ...                  "final": {"class_kl": 0.2}}]
    >>> summarize(mixed, by=["kind"])
    Traceback (most recent call last):
    ...
    ValueError: the runs with kind='rbm' differ in K (3, 5): ...
    """
    metrics = list(metrics or [m for m, _, _ in SUMMARY_METRICS])
    groups: dict[tuple, list] = {}
    for rec in records:
        groups.setdefault(_group_key(rec["settings"]), []).append(rec)
    if by is not None:
        _refuse_mixing(groups, list(by))
    out = []
    for recs in groups.values():
        settings = group_settings(recs[0]["settings"])
        shown = list(by) if by is not None else list(settings)
        entry: dict[str, Any] = {b: settings.get(b) for b in shown}
        entry["settings"] = settings
        entry["n"] = len(recs)
        for m in metrics:
            vals = np.array([_num(r["final"].get(m)) for r in recs], dtype=float)
            ok = vals[np.isfinite(vals)]
            entry[m] = {
                "mean": float(ok.mean()) if ok.size else math.nan,
                "std": float(ok.std(ddof=1)) if ok.size > 1 else 0.0 if ok.size else math.nan,
                "min": float(ok.min()) if ok.size else math.nan,
                "max": float(ok.max()) if ok.size else math.nan,
                "n_finite": int(ok.size),
            }
        cycles: dict[str, int] = {}
        for r in recs:
            cyc = r["final"].get("dominant_cycle")
            name = " -> ".join(map(str, [*cyc, cyc[0]])) if cyc else "none"
            cycles[name] = cycles.get(name, 0) + 1
        entry["dominant_cycles"] = dict(sorted(cycles.items(), key=lambda kv: -kv[1]))
        out.append(entry)
    return out


def _refuse_mixing(groups: Mapping[tuple, list], by: list[str]) -> None:
    seen: dict[tuple, dict[str, Any]] = {}
    for recs in groups.values():
        s = group_settings(recs[0]["settings"])
        key = tuple(json.dumps(s.get(b)) for b in by)
        if key not in seen:
            seen[key] = s
            continue
        other = seen[key]
        diff = sorted(k for k in set(s) | set(other) if s.get(k) != other.get(k))
        where = ", ".join(f"{b}={s.get(b)!r}" for b in by)
        what = "; ".join(f"{k} ({other.get(k)}, {s.get(k)})" for k in diff)
        raise ValueError(f"the runs with {where} differ in {what}: averaging them would mix "
                         f"settings. Group by those too (by={by + diff}) or by=None.")


#: Column titles of settings in the summary table.
_SETTING_LABELS = {"dataset": "dataset", "K": "K", "learning_rate": "learning rate",
                   "n_updates": "updates", "batch_size": "batch", "n_chains": "chains",
                   "tie_penalty": "tie penalty λ", "stationary_term": "stationary term"}
#: Settings that mean something for the two-matrix model only (shown as "–" for the RBMs).
_TWO_MATRIX_ONLY = ("tie_penalty", "stationary_term")


def _sortable(v) -> tuple:
    return (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0,
                                                                                         str(v))


def _cell(key: str, value, kind: str) -> str:
    if key in _TWO_MATRIX_ONLY and kind != "two_matrix":
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def format_summary(records: Sequence[Mapping[str, Any]], *, markdown: bool = False) -> str:
    """A table of mean ± standard deviation (over seeds) per group of runs.

    One row per model kind and setting (:func:`summarize`): K and the learning rate always
    have a column, and so does every other setting that differs between the rows (a budget,
    a tie penalty...), so no row mixes runs of different settings.

    Examples
    --------
    >>> recs = [{"settings": {"dataset": "digits", "K": 3, "learning_rate": 0.01,
    ...                       "kind": "rbm"},
    ...          "final": {m: 0.5 for m, _, _ in SUMMARY_METRICS}}]
    >>> print(format_summary(recs, markdown=True).splitlines()[0][:36])
    | model | K | learning rate | runs |
    """
    from .experiments import KIND_LABELS

    groups = summarize(records)
    keys = sorted({k for g in groups for k in g["settings"]} - {"kind"})
    varying = [k for k in keys
               if len({json.dumps(g["settings"].get(k)) for g in groups}) > 1
               or (k in _TWO_MATRIX_ONLY
                   and any(g["settings"].get(k) != _LATER_SETTINGS[k] for g in groups))]
    shown = ["K", "learning_rate"] + [k for k in varying if k not in ("K", "learning_rate")]
    shown = (["dataset"] if "dataset" in varying else []) + [k for k in shown if k != "dataset"]
    grid_keys = [k for k in shown if k in ("dataset", "K", "learning_rate")]
    rows = sorted(groups, key=lambda g: (
        tuple(_sortable(g["settings"].get(k)) for k in grid_keys),
        _KIND_RANK.get(g["settings"]["kind"], 9),
        tuple(_sortable(g["settings"].get(k)) for k in shown if k not in grid_keys)))
    head = (["model"] + [_SETTING_LABELS.get(k, k) for k in shown] + ["runs"]
            + [lbl for _, lbl, _ in SUMMARY_METRICS])
    table = []
    for g in rows:
        kind = g["settings"]["kind"]
        cells = [KIND_LABELS.get(kind, str(kind))]
        cells += [_cell(k, g["settings"].get(k), kind) for k in shown]
        cells.append(str(g["n"]))
        for m, _, fmt in SUMMARY_METRICS:
            st = g[m]
            if m == "ep_noise_floor":
                cells.append(f"≤ {fmt.format(st['max'])}")
            else:
                cells.append(f"{fmt.format(st['mean'])} ± {fmt.format(st['std'])}")
        table.append(cells)
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c) + " |" for c in table]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("-" * len(lines[0]))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    """Provenance: platform, CPU model, core count, Python and NumPy versions.

    Examples
    --------
    >>> sorted(machine_info())[:3]
    ['cores', 'cpu', 'numpy']
    """
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


# --------------------------------------------------------------------- shipped results
#: Tag of the small results files made by :func:`compact_results`.
SHIPPED_FORMAT = "nelc_edu-sweep-results-1"
_RESULTS_DIR = Path(__file__).resolve().parent / "results"
_SCALAR_KEYS = ("log_likelihood", "log_likelihood_heldout", "entropy_production", "ep_se",
                "ep_noise_floor", "path_entropy_production", "mean_self_transition",
                "pcd_gradient_cosine")


def _compact_record(rec: Mapping[str, Any]) -> dict[str, Any]:
    f = rec["final"]
    keep_final = [*_SCALAR_KEYS, "T", "pi", "class_kl", "model_class_hist", "data_class_hist",
                  "dominant_cycle", "dominant_cycle_current", "current_threshold"]
    return {
        "format": RECORD_FORMAT,
        "run_id": rec["run_id"],
        "settings": rec["settings"],
        "final": {k: f.get(k) for k in keep_final},
        "history": {
            "steps": rec["history"]["steps"],
            "records": [{k: r.get(k) for k in _SCALAR_KEYS}
                        for r in rec["history"]["records"]],
        },
        "labeller_heldout_accuracy": rec.get("labeller_heldout_accuracy"),
        "wall_time_s": rec.get("wall_time_s"),
        "nelc_edu_version": rec.get("nelc_edu_version"),
    }


def compact_results(
    records_or_dir,
    path: str | os.PathLike,
    *,
    provenance: Mapping[str, Any] | None = None,
    n_samples: int = 16,
    burn_in: int | None = None,
    params_dir: str | os.PathLike | None = None,
) -> Path:
    """Write a small, self-contained results file for notebooks (no parameter sets).

    Per run: settings, final scalar diagnostics, the final latent ``T`` and ``pi`` (for a
    one-hot RBM its exact latent marginal ``P(z)``; the stationary vector of its estimated,
    nearly reducible ``T`` is kept as ``pi_from_T``), class
    histograms, per-checkpoint scalar curves, the decoder means as ``uint8`` (0-255) and
    ``n_samples`` chain samples (random latent starts, ``burn_in`` steps, bit-packed),
    drawn from the run's saved parameters. The file is a pickle-free ``.npz``.

    Parameters
    ----------
    records_or_dir : path or sequence of dict
        A results directory of :func:`run_sweep` (with ``.npz`` parameters), or its records.
    path : path
        Output file (``.npz``), written atomically.
    provenance : dict, optional
        Command, date, machine... (stored as JSON).
    n_samples : int
        Chain samples per run.
    burn_in : int, optional
        Burn-in of those chains; default: each run's ``kl_burn_in``.
    params_dir : path, optional
        Where the runs' ``.npz`` parameters are when ``records_or_dir`` is a list of records.

    Returns
    -------
    pathlib.Path
    """
    from .io import load_model

    if isinstance(records_or_dir, (str, os.PathLike)):
        src = Path(records_or_dir)
        records = load_results(src)
    else:
        records = list(records_or_dir)
        src = Path(params_dir) if params_dir is not None else None
    if not records:
        raise ValueError("no records to compact.")
    arrays: dict[str, np.ndarray] = {}
    compact = []
    for i, rec in enumerate(records):
        pfile = rec.get("params_file")
        if src is None or not pfile or not (src / pfile).exists():
            raise ValueError(f"run {rec['run_id']} has no saved parameters (.npz): rerun the "
                             "same sweep without --no-params (it trains the runs that lack "
                             "them again), then compact.")
        model = load_model(src / pfile)
        means = model.decoder_probs()  # (K, N)
        arrays[f"decoder_means_{i}"] = np.round(255 * means).astype(np.uint8)
        s = rec["settings"]
        bi = int(s.get("kl_burn_in", 200)) if burn_in is None else int(burn_in)
        smp = model.sample(n_samples, 1, burn_in=bi, seed=np.random.default_rng(
            [int(s["seed"]), 8]), return_visible=True)
        x = np.asarray(smp.x, dtype=np.uint8)
        arrays[f"samples_{i}"] = np.packbits(x, axis=1)
        c = _compact_record(rec)
        c["n_pixels"] = int(x.shape[1])
        # pi is the stationary distribution of the estimated T, so that the currents drawn
        # from (T, pi) are the ones current_threshold was measured for
        compact.append(c)
    prov = dict(provenance or {})
    arrays["format"] = np.array(SHIPPED_FORMAT)
    arrays["records"] = np.array(json.dumps(compact, separators=(",", ":")))
    arrays["provenance"] = np.array(json.dumps(prov))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    import io as _io

    buf = _io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(out, buf.getvalue())
    return out


def read_results_file(path: str | os.PathLike) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a file written by :func:`compact_results`: ``(records, provenance)``.

    Each record gets ``decoder_means`` (float array (K, N) in [0, 1]) and ``samples``
    (0/1 array (n_samples, N)).
    """
    with np.load(path, allow_pickle=False) as z:
        if "format" not in z.files or str(z["format"]) != SHIPPED_FORMAT:
            raise ValueError(f"{path} is not a nelc_edu results file (format tag missing or "
                             f"not {SHIPPED_FORMAT!r}).")
        records = json.loads(str(z["records"]))
        prov = json.loads(str(z["provenance"]))
        for i, rec in enumerate(records):
            rec["decoder_means"] = z[f"decoder_means_{i}"].astype(float) / 255.0
            n = rec.get("n_pixels")
            rec["samples"] = np.unpackbits(z[f"samples_{i}"], axis=1)[:, :n]
    return records, prov


def shipped_results_path(name: str = "mnist5k") -> Path:
    """Path of a results file shipped with the package (``nelc_edu/results/<name>.npz``)."""
    path = _RESULTS_DIR / f"{name}.npz"
    if not path.exists():
        have = sorted(p.stem for p in _RESULTS_DIR.glob("*.npz"))
        raise ValueError(f"no shipped results named {name!r}; available: {have}. "
                         "scripts/reproduce_mnist.py makes them.")
    return path


def load_shipped_results(name: str = "mnist5k") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The full-scale results shipped with the package: ``(records, provenance)``.

    Made by ``scripts/reproduce_mnist.py`` (see ``docs/results.md``); notebook 09 shows
    them without retraining.
    """
    return read_results_file(shipped_results_path(name))
