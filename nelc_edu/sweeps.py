"""Sweeps: grids of training runs over seeds and settings, on any ``concurrent.futures`` executor.

A sweep trains one model per point of a grid (seeds x latent sizes x learning rates x model
kinds) with :func:`nelc_edu.experiments.run`, and writes one JSON record per run (its
settings, final and per-checkpoint diagnostics, wall time, package version) plus the trained
parameters as a pickle-free ``.npz`` (:func:`nelc_edu.io.save_model`) into a results
directory. The records feed :mod:`nelc_edu.plotting.sweeps` (``nelc-edu figures``) and the
README table (``scripts/reproduce_mnist.py``).

**Resumable.** A run is finished when its record ``<run_id>.json`` exists; rerunning a sweep
skips finished runs. The *parent* process writes every file, atomically (temporary file, then
:func:`os.replace`), so an interrupted sweep never leaves a half-written record, and workers
need no shared file system (a Dask cluster works as it is).

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
...                                 diag_replicates=2, kl_chains=10, kl_burn_in=5,
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

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SweepGrid",
    "SweepReport",
    "run_id",
    "run_one",
    "run_sweep",
    "default_executor",
    "load_results",
    "summarize",
    "format_summary",
    "parse_int_list",
    "parse_float_list",
    "machine_info",
    "compact_results",
    "read_results_file",
    "load_shipped_results",
    "shipped_results_path",
    "RECORD_FORMAT",
    "SHIPPED_FORMAT",
    "add_sweep_parsers",
]

#: Tag and version written into every record (``record["format"]``).
RECORD_FORMAT = "nelc_edu-sweep-record-1"

#: Environment variables that make a worker single-threaded (set before its imports).
_THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}

#: Net currents (per step) at or below this are numerical, not physical: the latent chain of
#: a trained one-hot RBM is reversible but nearly reducible (mean diag T about 0.9, some
#: entries of T below 1e-100), and its estimated currents reach 1e-8 through the error of
#: its computed stationary distribution. A "dominant cycle" carrying less is reported as
#: none. (The two-matrix model's dominant cycles on MNIST-5k carry about 1e-2.)
CYCLE_CURRENT_FLOOR = 1e-6

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
    """A grid of runs: seeds x latent sizes x learning rates x model kinds.

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
    overrides : dict, optional
        Any other field of :class:`~nelc_edu.experiments.RunSettings` (``n_updates``,
        ``batch_size``, ...), applied on top of the dataset defaults.

    Examples
    --------
    >>> g = SweepGrid(dataset="digits", seeds=range(3), latents=[5, 10],
    ...               learning_rates=[0.01], kinds=["two_matrix", "rbm"])
    >>> len(g), g.expand()[0].kind, g.expand()[0].K
    (12, 'two_matrix', 5)
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
        if not self.seeds or not self.latents or not self.kinds:
            raise ValueError("the grid is empty: give at least one seed, latent size and kind.")
        names = {f.name for f in dataclasses.fields(RunSettings)}
        reserved = {"kind", "dataset", "K", "seed", "learning_rate"}
        for key in self.overrides:
            if key in reserved:
                raise ValueError(f"override {key!r} is a grid axis: set it with the grid's "
                                 "own argument (kinds, dataset, latents, seeds, "
                                 "learning_rates).")
            if key not in names:
                raise ValueError(f"unknown run setting {key!r}; RunSettings has "
                                 f"{sorted(names - reserved)}.")
        object.__setattr__(self, "overrides", dict(self.overrides))

    def expand(self) -> list:
        """All runs of the grid as :class:`~nelc_edu.experiments.RunSettings`.

        Ordered seed-major (all kinds of seed 0 first), so a sweep interrupted halfway has
        complete comparisons for its first seeds.
        """
        from .experiments import RunSettings, default_settings

        base = default_settings(self.dataset, **self.overrides)
        lrs = self.learning_rates or (base["learning_rate"],)
        out = []
        for seed in self.seeds:
            for K in self.latents:
                for lr in lrs:
                    for kind in self.kinds:
                        params = {**base, "learning_rate": lr}
                        out.append(RunSettings(kind=kind, dataset=self.dataset, K=K,
                                               seed=seed, **params))
        return out

    def __len__(self) -> int:
        n_lr = len(self.learning_rates) if self.learning_rates else 1
        return len(self.seeds) * len(self.latents) * n_lr * len(self.kinds)


def _as_int(v) -> int:
    if isinstance(v, bool) or not float(v).is_integer():
        raise ValueError(f"expected an integer; got {v!r}.")
    return int(v)


def run_id(settings) -> str:
    """A readable, unique file stem for one run: its grid coordinates and a settings hash.

    The hash covers every setting, so the same seed with a different budget is a different
    run (and a resumed sweep never mistakes one for the other).

    Examples
    --------
    >>> from nelc_edu.experiments import RunSettings
    >>> run_id(RunSettings(kind="rbm", dataset="digits", K=10, seed=3))[:28]
    'digits-rbm-K10-lr0.01-seed3-'
    """
    d = settings.to_dict() if hasattr(settings, "to_dict") else dict(settings)
    digest = hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:8]
    return (f"{d['dataset']}-{d['kind']}-K{d['K']}-lr{d['learning_rate']:g}-"
            f"seed{d['seed']}-{digest}")


# -------------------------------------------------------------------------------- workers
def _worker_initializer() -> None:
    """Make a freshly started worker process single-threaded (Numba, OpenMP, BLAS)."""
    for k, v in _THREAD_ENV.items():
        os.environ.setdefault(k, v)
    try:
        import numba

        numba.set_num_threads(1)
    except Exception:  # pragma: no cover - numba missing
        pass


@contextlib.contextmanager
def _single_threaded() -> Iterator[None]:
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


def run_one(settings_dict: dict[str, Any], single_thread: bool = True) -> dict[str, Any]:
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

    Returns
    -------
    dict
        ``{"record": dict, "model": model}``.
    """
    from . import __version__
    from .experiments import RunSettings, run

    settings = RunSettings(**{k: v for k, v in settings_dict.items() if k != "training"})
    t0 = time.perf_counter()
    with _single_threaded() if single_thread else contextlib.nullcontext():
        result = run(settings, progress=False, keep_params=False)
    record = result.to_record()
    record["format"] = RECORD_FORMAT
    record["run_id"] = run_id(settings)
    record["nelc_edu_version"] = __version__
    record["wall_time_s"] = time.perf_counter() - t0
    record["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    record["worker"] = {"host": platform.node(), "pid": os.getpid()}
    return {"record": record, "model": result.model}


def default_executor(max_workers: int | None = None) -> Executor:
    """A local process pool (``spawn``), one single-threaded worker per core by default.

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
                               initializer=_worker_initializer)


@contextlib.contextmanager
def _child_thread_env() -> Iterator[None]:
    """Export the single-thread variables while worker processes are being spawned.

    A spawned child imports NumPy before the initializer runs; BLAS reads its thread count
    at that import, so the variables must already be in the environment it inherits.
    """
    saved = {k: os.environ.get(k) for k in _THREAD_ENV}
    os.environ.update(_THREAD_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _SerialExecutor(Executor):
    """Runs each task at submit time in the calling thread (no pool at all)."""

    def submit(self, fn, /, *args, **kwargs):
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future
            fut.set_exception(exc)
        return fut


# ------------------------------------------------------------------------------- writing
def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_run(out_dir: Path, payload: dict[str, Any], save_params: bool) -> Path:
    from .io import save_model

    record = payload["record"]
    rid = record["run_id"]
    if save_params:
        params_path = out_dir / f"{rid}.npz"
        save_model(payload["model"], params_path,
                   metadata={"run_id": rid, "settings": record["settings"]})
        record["params_file"] = params_path.name
    else:
        record["params_file"] = None
    path = out_dir / f"{rid}.json"
    # the record is written last: its presence marks the run finished
    _atomic_write_bytes(path, json.dumps(record, indent=1).encode())
    return path


def _is_finished(path: Path) -> bool:
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return rec.get("format") == RECORD_FORMAT


@dataclass
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out_dir : pathlib.Path
    run_ids : list of str
        Every run of the grid, in grid order.
    n_run, n_skipped : int
        Runs trained now, runs skipped because their record already existed.
    failed : dict
        run_id -> error message of runs that raised (their record is not written).
    wall_time : float
        Seconds.
    """

    out_dir: Path
    run_ids: list[str]
    n_run: int = 0
    n_skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    wall_time: float = 0.0

    def __str__(self) -> str:
        s = (f"{len(self.run_ids)} runs in {self.out_dir}: {self.n_run} trained, "
             f"{self.n_skipped} already finished (skipped), {len(self.failed)} failed; "
             f"wall time {self.wall_time:.1f} s")
        return s


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

    Parameters
    ----------
    grid : SweepGrid or sequence of RunSettings
    out_dir : path
        Results directory (created if needed). One ``<run_id>.json`` record per run, plus
        ``<run_id>.npz`` parameters when ``save_params``.
    executor : concurrent.futures.Executor, "serial" or None
        None: :func:`default_executor` (local process pool, ``max_workers`` single-threaded
        workers, all cores by default), shut down at the end. ``"serial"``: run in this
        thread. Any other executor (a ``ThreadPoolExecutor``, a Dask
        ``Client.get_executor()``) is used as given and left running.
    max_workers : int, optional
        Size of the default pool.
    save_params : bool
        Write the trained parameters (``.npz``, :func:`nelc_edu.io.save_model`).
    progress : callable, optional
        Called with one line of text per finished run (e.g. ``print``).
    raise_on_error : bool
        Re-raise the first failed run's error after the others finished (their records are
        kept). With False, failures are only listed in the report.

    Returns
    -------
    SweepReport
    """
    t0 = time.perf_counter()
    settings_list = grid.expand() if isinstance(grid, SweepGrid) else list(grid)
    if not settings_list:
        raise ValueError("the grid is empty: nothing to run.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids = [run_id(s) for s in settings_list]
    if len(set(ids)) != len(ids):
        raise ValueError("the grid contains the same run twice.")
    todo = [(rid, s) for rid, s in zip(ids, settings_list, strict=True)
            if not _is_finished(out / f"{rid}.json")]
    report = SweepReport(out_dir=out, run_ids=ids, n_skipped=len(ids) - len(todo))
    if not todo:
        report.wall_time = time.perf_counter() - t0
        return report

    own = executor is None
    if executor == "serial":
        executor = _SerialExecutor()
    elif isinstance(executor, str):
        raise ValueError(f"executor must be an Executor, 'serial' or None; got {executor!r}.")
    first_error: BaseException | None = None
    env = _child_thread_env() if own else contextlib.nullcontext()
    with env:
        if own:
            executor = default_executor(max_workers or min(len(todo), os.cpu_count() or 1))
        try:
            futures = {executor.submit(run_one, s.to_dict()): rid for rid, s in todo}
            for i, fut in enumerate(as_completed(futures), start=1):
                rid = futures[fut]
                try:
                    payload = fut.result()
                except Exception as exc:  # noqa: BLE001 - recorded, re-raised below
                    report.failed[rid] = f"{type(exc).__name__}: {exc}"
                    first_error = first_error or exc
                    if progress:
                        progress(f"[{i}/{len(todo)}] {rid}: FAILED ({report.failed[rid]})")
                    continue
                _write_run(out, payload, save_params)
                report.n_run += 1
                if progress:
                    f = payload["record"]["final"]
                    progress(f"[{i}/{len(todo)}] {rid}: log-lik {f['log_likelihood']:.2f}, "
                             f"σ {_num(f['entropy_production']):.3g}, mean diag T "
                             f"{f['mean_self_transition']:.3f}, class KL "
                             f"{f['class_kl']:.3f} "
                             f"({payload['record']['wall_time_s']:.0f} s)")
        finally:
            if own:
                executor.shutdown(wait=True, cancel_futures=True)
    report.wall_time = time.perf_counter() - t0
    if first_error is not None and raise_on_error:
        raise first_error
    return report


def _num(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, str):
        return float(v)  # "inf" / "-inf"
    return float(v)


# ------------------------------------------------------------------------------- reading
def load_results(out_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Every finished record of a results directory (temporary files are ignored).

    Records are sorted by dataset, kind, K, learning rate and seed.
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise ValueError(f"results directory {out} does not exist; run `nelc-edu sweep` "
                         "first.")
    records = []
    for path in sorted(out.glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            rec = json.loads(path.read_text())
        except ValueError as exc:
            raise ValueError(f"{path} is not valid JSON ({exc}); delete it and rerun the "
                             "sweep to recompute that run.") from exc
        if isinstance(rec, dict) and rec.get("format") == RECORD_FORMAT:
            records.append(rec)
    records.sort(key=_record_key)
    return records


_KIND_RANK = {"two_matrix": 0, "rbm": 1, "rbm_exact": 2}


def _record_key(rec):
    s = rec["settings"]
    return (s["dataset"], s["kind"], s["K"], s["learning_rate"], s["seed"])


def summarize(records: Sequence[Mapping[str, Any]],
              by: Sequence[str] = ("dataset", "K", "learning_rate", "kind"),
              metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Mean, standard deviation, min and max of each final metric per group of runs.

    Parameters
    ----------
    records : sequence of dict
        From :func:`load_results` (or the shipped results).
    by : sequence of str
        Settings that define a group.
    metrics : sequence of str, optional
        Final diagnostics to summarise (default: log-likelihoods, σ and its noise floor,
        mean self-transition, class KL).

    Returns
    -------
    list of dict
        One entry per group: the group's settings, ``n`` and per metric
        ``{"mean", "std", "min", "max"}``, plus ``"dominant_cycles"`` (how often each
        cycle was the dominant one; cycles whose bottleneck current is below
        :data:`CYCLE_CURRENT_FLOOR` count as none).

    Examples
    --------
    >>> recs = [{"settings": {"kind": "rbm", "K": 3}, "final": {"class_kl": x}}
    ...         for x in (0.1, 0.3)]
    >>> g = summarize(recs, by=["kind"], metrics=["class_kl"])[0]
    >>> g["n"], round(g["class_kl"]["mean"], 3), round(g["class_kl"]["std"], 3)
    (2, 0.2, 0.141)
    """
    metrics = list(metrics or [m for m, _, _ in SUMMARY_METRICS])
    groups: dict[tuple, list] = {}
    for rec in records:
        key = tuple(rec["settings"].get(b) for b in by)
        groups.setdefault(key, []).append(rec)
    out = []
    for key, recs in groups.items():
        entry: dict[str, Any] = dict(zip(by, key, strict=True))
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
            if _num(r["final"].get("dominant_cycle_current")) <= CYCLE_CURRENT_FLOOR:
                cyc = None  # rounding-level currents of a reversible chain are no cycle
            name = " -> ".join(map(str, [*cyc, cyc[0]])) if cyc else "none"
            cycles[name] = cycles.get(name, 0) + 1
        entry["dominant_cycles"] = dict(sorted(cycles.items(), key=lambda kv: -kv[1]))
        out.append(entry)
    return out


def format_summary(records: Sequence[Mapping[str, Any]], *, markdown: bool = False) -> str:
    """A table of mean ± standard deviation (over seeds) per model kind and setting.

    Examples
    --------
    >>> recs = [{"settings": {"dataset": "digits", "K": 3, "learning_rate": 0.01,
    ...                       "kind": "rbm"},
    ...          "final": {m: 0.5 for m, _, _ in SUMMARY_METRICS}}]
    >>> print(format_summary(recs, markdown=True).splitlines()[0][:36])
    | model | K | learning rate | runs |
    """
    from .experiments import KIND_LABELS

    rows = sorted(summarize(records), key=lambda g: (str(g["dataset"]), g["K"],
                                                     g["learning_rate"],
                                                     _KIND_RANK.get(g["kind"], 9)))
    head = ["model", "K", "learning rate", "runs"] + [lbl for _, lbl, _ in SUMMARY_METRICS]
    table = []
    for g in rows:
        cells = [KIND_LABELS.get(g["kind"], str(g["kind"])), str(g["K"]),
                 f"{g['learning_rate']:g}", str(g["n"])]
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
_SCALAR_KEYS = ("log_likelihood", "log_likelihood_heldout", "entropy_production",
                "ep_noise_floor", "path_entropy_production", "mean_self_transition")


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
                             "sweep without --no-params to compact it.")
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
        if hasattr(model, "latent_marginal"):
            # one-hot RBM: its latent chain is nearly reducible once trained, and the
            # stationary vector of the estimated T is then numerically unreliable; the exact
            # Boltzmann marginal P(z) is what pi means for it
            c["final"]["pi_from_T"] = c["final"]["pi"]
            c["final"]["pi"] = model.latent_marginal().tolist()
            c["final"]["pi_source"] = "exact latent marginal P(z)"
        else:
            c["final"]["pi_source"] = "stationary distribution of the estimated T"
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
    _atomic_write_bytes(out, buf.getvalue())
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

    Made by ``scripts/reproduce_mnist.py`` (see ``docs/results.md``); notebook 08 shows
    them without retraining.
    """
    return read_results_file(shipped_results_path(name))


# ---------------------------------------------------------------------------- command line
def parse_int_list(text: str) -> list[int]:
    """``"0-9"``, ``"0,2,5"`` or ``"0-3,7"`` -> list of int.

    Examples
    --------
    >>> parse_int_list("0-3,7")
    [0, 1, 2, 3, 7]
    """
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            a, b = part.split("-", 1) if not part.startswith("-") else (part, "")
            lo, hi = int(a), int(b)
            if hi < lo:
                raise ValueError(f"range {part!r} is empty (end < start).")
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(part))
    if not out:
        raise ValueError(f"no integers in {text!r}.")
    return out


def parse_float_list(text: str) -> list[float]:
    """``"0.01,0.003"`` -> list of float.

    Examples
    --------
    >>> parse_float_list("0.01, 3e-3")
    [0.01, 0.003]
    """
    out = [float(p) for p in str(text).split(",") if p.strip()]
    if not out:
        raise ValueError(f"no numbers in {text!r}.")
    return out


def _flatten(values, parse):
    out = []
    for v in values or []:
        out.extend(parse(v))
    return out


def _parse_set(items: Sequence[str]) -> dict[str, Any]:
    from .experiments import RunSettings

    types = {f.name: type(f.default) for f in dataclasses.fields(RunSettings)}
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE; got {item!r}.")
        key, value = item.split("=", 1)
        key = key.strip()
        if key not in types:
            raise ValueError(f"unknown run setting {key!r}; choose from {sorted(types)}.")
        out[key] = types[key](value)
    return out


def add_sweep_parsers(sub) -> None:
    """Add the ``sweep`` and ``figures`` subcommands to the ``nelc-edu`` parser."""
    from .experiments import DATASETS

    p = sub.add_parser(
        "sweep",
        help="train a grid of runs (seeds x latent sizes x learning rates x kinds)",
        description=(
            "Train a grid of runs and write one JSON record (+ .npz parameters) per run into "
            "OUT. Resumable: finished runs are skipped. Runs on a local process pool "
            "(single-threaded workers) or on a Dask scheduler (--scheduler)."
        ),
    )
    p.add_argument("--dataset", choices=DATASETS, default="digits")
    p.add_argument("--seeds", default="0", help="e.g. 0-9 or 0,3,5 (default 0)")
    p.add_argument("--latent", "-K", action="append", default=None,
                   help="number of latent states K; repeat or comma-separate (default 10)")
    p.add_argument("--learning-rate", action="append", default=None,
                   help="RMSprop step(s); repeat or comma-separate (default: the dataset's)")
    p.add_argument("--kinds", default="two_matrix,rbm,rbm_exact",
                   help="comma-separated model kinds (default: all three)")
    p.add_argument("--updates", type=int, default=None, help="RMSprop updates per run")
    p.add_argument("--set", action="append", default=None, metavar="KEY=VALUE",
                   help="any other RunSettings field, e.g. --set batch_size=50")
    p.add_argument("--out", type=Path, required=True, help="results directory")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None,
                   help="address of a Dask scheduler (tcp://host:8786): run there instead")
    p.add_argument("--serial", action="store_true", help="run in this process, one by one")
    p.add_argument("--no-params", action="store_true", help="do not write the .npz files")
    p.set_defaults(func=_cmd_sweep)

    f = sub.add_parser(
        "figures",
        help="figures of a results directory (log-likelihood vs entropy production, ...)",
        description=(
            "Read the records of RESULTS_DIR and write four PNG figures: log-likelihood vs "
            "entropy production, mean self-transition vs log-likelihood, class-histogram KL "
            "per model kind, training curves."
        ),
    )
    f.add_argument("results", type=Path, help="results directory of `nelc-edu sweep`")
    f.add_argument("--out", type=Path, default=None, help="output directory (default: "
                   "RESULTS_DIR/figures)")
    f.add_argument("--dpi", type=int, default=120)
    f.set_defaults(func=_cmd_figures)


def _grid_from_args(args: argparse.Namespace) -> SweepGrid:
    overrides = _parse_set(args.set)
    if args.updates is not None:
        overrides["n_updates"] = args.updates
    latents = _flatten(args.latent, parse_int_list) or [10]
    lrs = _flatten(args.learning_rate, parse_float_list) or None
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    return SweepGrid(dataset=args.dataset, seeds=parse_int_list(args.seeds), latents=latents,
                     learning_rates=lrs, kinds=kinds, overrides=overrides)


def _cmd_sweep(args: argparse.Namespace) -> int:
    grid = _grid_from_args(args)
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1; got {args.workers}.")
    client = None
    executor: Executor | str | None = None
    if args.scheduler:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise ValueError("--scheduler needs Dask: pip install 'nelc-edu[dask]'.") from exc
        client = Client(args.scheduler)
        executor = client.get_executor()
    elif args.serial:
        executor = "serial"
    print(f"sweep: {len(grid)} runs ({args.dataset}; seeds {list(grid.seeds)}; K "
          f"{list(grid.latents)}; kinds {list(grid.kinds)}) -> {args.out}", flush=True)
    try:
        report = run_sweep(grid, args.out, executor, max_workers=args.workers,
                           save_params=not args.no_params,
                           progress=lambda line: print(line, flush=True),
                           raise_on_error=False)
    finally:
        if client is not None:
            client.close()
    print(report)
    records = [r for r in load_results(args.out) if r["run_id"] in set(report.run_ids)]
    if records:
        print()
        print(format_summary(records))
    return 1 if report.failed else 0


def _cmd_figures(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .plotting.sweeps import save_sweep_figures

    records = load_results(args.results)
    if not records:
        raise ValueError(f"no finished records in {args.results}.")
    out = args.out or (args.results / "figures")
    paths = save_sweep_figures(records, out, dpi=args.dpi)
    for p in paths:
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    from .cli import main

    sys.exit(main(["sweep", *sys.argv[1:]]))
