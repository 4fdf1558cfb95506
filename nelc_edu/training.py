"""One training loop for every model: RMSprop gradient ascent, minibatches, persistent chains.

A model plugs in by offering

* ``params()`` -> dict of the live parameter arrays (updated in place here);
* ``gradient(batch)`` for ``method="exact"`` (exact given the model; a gradient-ascent
  direction of the mean log-likelihood of the minibatch);
* ``cd_gradient(batch, k=..., seed=...)`` for ``method="cd"`` (binary RBM only);
* ``init_chains(n_chains, seed)`` and ``pcd_gradient(batch, chains, **kw)`` for
  ``method="pcd"`` (the persistent chains run on between updates).

Checkpoints record a copy of the parameters plus whatever ``diagnostics(model)`` returns, so a
notebook can scrub through training afterwards (see :meth:`TrainingHistory.model_at`).

Examples
--------
>>> import numpy as np
>>> from nelc_edu.training import RMSprop
>>> p = {"w": np.zeros(2)}
>>> opt = RMSprop(p, learning_rate=0.1)
>>> opt.step({"w": np.array([1.0, -2.0])})
>>> np.round(p["w"], 3)  # first step moves by lr / sqrt(1 - decay) in the gradient's sign
array([ 0.316, -0.316])
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _backend, _rng
from ._validation import check_binary_data, check_positive_int

__all__ = ["RMSprop", "TrainingHistory", "TrainingDivergedError", "TrainingInterrupted",
           "stop_on", "train"]

_METHODS = ("pcd", "cd", "exact")

# what train() polls between updates (see stop_on); one per thread or task (a context variable)
_STOP: contextvars.ContextVar[Any] = contextvars.ContextVar("nelc_edu_training_stop",
                                                              default=None)


class TrainingInterrupted(KeyboardInterrupt):
    """Raised by :func:`train` between two updates once its stop event is set (:func:`stop_on`).

    A :class:`KeyboardInterrupt`: code that handles Ctrl-C handles it too.
    """


@contextlib.contextmanager
def stop_on(event) -> Iterator[None]:
    """Within the block, :func:`train` stops (:class:`TrainingInterrupted`) once ``event.is_set()``.

    Used by the sweeps: Ctrl-C sets the event, and every run training in a thread or a
    worker process stops at its next update instead of training on. ``event`` is anything
    with an ``is_set()`` method (:class:`threading.Event`); None means no stop.

    Examples
    --------
    >>> import threading, numpy as np
    >>> from nelc_edu.models import OneHotRBM
    >>> stop = threading.Event(); stop.set()
    >>> X = np.zeros((10, 4), dtype=np.uint8)
    >>> try:  # a KeyboardInterrupt: caught here, it would stop a doctest run otherwise
    ...     with stop_on(stop):
    ...         train(OneHotRBM.random(2, 4, seed=0), X, n_updates=5, progress=False, seed=0)
    ... except TrainingInterrupted as exc:
    ...     print(exc)
    training stopped before update 1 of 5: a stop was requested.
    """
    token = _STOP.set(event)
    try:
        yield
    finally:
        _STOP.reset(token)


def _check_stop(stop, step: int, n_updates: int) -> None:
    if stop is not None and stop.is_set():
        raise TrainingInterrupted(f"training stopped before update {step} of {n_updates}: a "
                                  "stop was requested.")


class TrainingDivergedError(FloatingPointError):
    """Raised when a gradient or a parameter becomes NaN or infinite during training.

    The partial :class:`TrainingHistory` is attached as ``.history`` so the run up to the
    failure can still be inspected.
    """

    def __init__(self, message: str, history: TrainingHistory | None = None):
        super().__init__(message)
        self.history = history


class RMSprop:
    """RMSprop for gradient **ascent** on a dict of arrays (updated in place).

    ``v <- decay * v + (1 - decay) * g**2``, ``p <- p + lr * g / (sqrt(v) + eps)``.

    Parameters
    ----------
    params : dict of ndarray
        The live parameter arrays.
    learning_rate : float
        Step size (> 0).
    decay : float
        Averaging constant of the squared gradient, in [0, 1).
    eps : float
        Regulariser of the denominator.
    """

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        learning_rate: float = 1e-2,
        decay: float = 0.9,
        eps: float = 1e-8,
    ):
        if not (learning_rate > 0 and math.isfinite(learning_rate)):
            raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}.")
        if not 0 <= decay < 1:
            raise ValueError(f"decay must be in [0, 1); got {decay!r}.")
        self.params = params
        self.learning_rate = float(learning_rate)
        self.decay = float(decay)
        self.eps = float(eps)
        self._v = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
        self._buf = {k: np.empty_like(v, dtype=np.float64) for k, v in params.items()}
        self._fused = _backend.backend() == "numba"

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Apply one ascent step with the gradient dict ``grads``.

        With the Numba backend, one fused loop per parameter (:mod:`nelc_edu._optim_numba`):
        the same operations in the same order as :meth:`step_numpy`, so the same bits. A
        parameter that is not a C-contiguous float64 array takes the NumPy path.
        """
        if not self._fused:
            self.step_numpy(grads)
            return
        from ._optim_numba import rmsprop_ascent

        for name, p in self.params.items():
            g = grads[name]
            v = self._v[name]
            if p.dtype == np.float64 and p.flags.c_contiguous and g.shape == p.shape:
                rmsprop_ascent(p.reshape(-1), np.ascontiguousarray(g, dtype=np.float64).reshape(-1),
                               v.reshape(-1), self.learning_rate, self.decay, self.eps)
            else:
                self._step_numpy_one(p, g, v, self._buf[name])

    def step_numpy(self, grads: Mapping[str, np.ndarray]) -> None:
        """:meth:`step` in plain NumPy (the readable reference the tests compare against)."""
        for name, p in self.params.items():
            self._step_numpy_one(p, grads[name], self._v[name], self._buf[name])

    def _step_numpy_one(self, p, g, v, buf) -> None:
        v *= self.decay
        np.multiply(g, g, out=buf)
        buf *= 1.0 - self.decay
        v += buf
        np.sqrt(v, out=buf)
        buf += self.eps
        np.divide(g, buf, out=buf)
        buf *= self.learning_rate
        p += buf


@dataclass
class TrainingHistory:
    """What :func:`train` recorded.

    Attributes
    ----------
    steps : list of int
        Update counts at which checkpoints were taken (0 = before training).
    records : list of dict
        Diagnostics at each checkpoint.
    params : list of dict
        Parameter copies at each checkpoint (empty if ``keep_params=False``).
    settings : dict
        The training settings, for reports and JSON.
    wall_time : float
        Seconds spent in :func:`train` (diagnostics included).
    """

    model: Any
    settings: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    records: list = field(default_factory=list)
    params: list = field(default_factory=list)
    wall_time: float = 0.0

    def __len__(self) -> int:
        return len(self.steps)

    def keys(self) -> list[str]:
        """Names of the recorded diagnostics."""
        names: list[str] = []
        for rec in self.records:
            names.extend(k for k in rec if k not in names)
        return names

    def get(self, key: str) -> np.ndarray:
        """Array of diagnostic ``key`` over the checkpoints (NaN where missing)."""
        if key not in self.keys():
            raise KeyError(f"no diagnostic {key!r}; recorded: {self.keys()}")
        return np.array([rec.get(key, np.nan) for rec in self.records], dtype=float)

    def params_at(self, i: int) -> dict[str, np.ndarray]:
        """Parameter copies at checkpoint ``i``."""
        if not self.params:
            raise ValueError("parameters were not kept; train with keep_params=True.")
        return self.params[i]

    def model_at(self, i: int):
        """A copy of the model with the parameters of checkpoint ``i``."""
        model = self.model.copy()
        for name, value in self.params_at(i).items():
            model.params()[name][...] = value
        return model

    def to_dict(self) -> dict:
        """JSON-ready summary (settings, steps, diagnostics; no parameters).

        Standard JSON, in the package's one convention (:mod:`nelc_edu._json`): arrays as
        lists, NaN as null, infinities as ``"inf"``.
        """
        from ._json import to_jsonable

        return {
            "settings": to_jsonable(self.settings),
            "steps": list(self.steps),
            "records": to_jsonable(self.records),
            "wall_time": self.wall_time,
        }


def _progress_bar(total: int, enabled: bool, desc: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False, mininterval=0.5)


def _check_finite(named: Mapping[str, np.ndarray], what: str, step: int, history) -> None:
    for name, arr in named.items():
        if not np.isfinite(arr).all():
            raise TrainingDivergedError(
                f"{what} {name!r} became NaN or infinite at update {step}. The run diverged: "
                "lower the learning rate (or use more persistent chains) and train again. "
                "The history up to the failure is attached as .history.",
                history,
            )


def _scalar_summary(record: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for k, v in record.items():
        if isinstance(v, (float, int, np.floating, np.integer)) and len(out) < 3:
            out[k] = f"{float(v):.3g}"
    return out


def train(
    model,
    X,
    *,
    method: str = "pcd",
    n_updates: int = 1000,
    batch_size: int = 100,
    n_chains: int = 100,
    learning_rate: float = 1e-2,
    decay: float = 0.9,
    eps: float = 1e-8,
    cd_k: int = 1,
    checkpoint_every: int | None = None,
    diagnostics: Callable[[Any], Mapping[str, Any]] | None = None,
    keep_params: bool = True,
    seed=None,
    progress: bool = True,
    desc: str | None = None,
    tie_penalty: float = 0.0,
    stationary_term: str = "exact",
) -> TrainingHistory:
    """Train ``model`` on binary data ``X`` in place by RMSprop gradient ascent.

    Parameters
    ----------
    model
        Any model of the package (``TwoMatrixModel``, ``OneHotRBM``, ``BinaryRBM``).
    X : array of 0/1, shape (n_samples, N)
        Training data.
    method : {"pcd", "cd", "exact"}
        ``"pcd"``: persistent chains (``n_chains`` of them, independent of the batch size);
        ``"cd"``: contrastive divergence CD-``cd_k`` (binary RBM);
        ``"exact"``: the model's exact gradient of the minibatch log-likelihood.
    n_updates : int
        Number of parameter updates (minibatches).
    batch_size, n_chains : int
        Minibatch size and number of persistent chains.
    learning_rate, decay, eps : float
        RMSprop settings.
    cd_k : int
        Gibbs steps per update for CD-k and PCD-k (the latent models take one).
    checkpoint_every : int, optional
        Record diagnostics (and parameters) every this many updates; default: 10 checkpoints.
    diagnostics : callable, optional
        ``diagnostics(model) -> dict`` evaluated at checkpoints (log-likelihood, entropy
        production, ...). Default: nothing but the step. A callable with a keyword
        parameter ``chains`` also receives the persistent chains (None unless
        ``method="pcd"``); it must not advance them (copy them first).
    keep_params : bool
        Keep a copy of the parameters at each checkpoint (for checkpoint scrubbers).
    seed : int, Generator or None
        Seeds the minibatch order and the chains; same seed, same run.
    progress : bool
        Show a progress bar (tqdm: a widget in Jupyter, text in a terminal).
    tie_penalty : float
        Two-matrix model only: ascend the log-likelihood plus
        ``-(tie_penalty / 2) * sum (U - W.T)^2`` (:meth:`TwoMatrixModel.tie_penalty`), the
        reversibility dial (0: the free model; large: a near-RBM). The penalty's gradient is
        *decoupled* from RMSprop (as weight decay is in AdamW): each update adds
        ``learning_rate * gradient_of_penalty`` after the RMSprop step of the likelihood.
        Inside RMSprop it would be divided by the size of the likelihood's own gradient, so
        on a weight the data leave unconstrained (the encoder weight of a pixel that is never
        on) it would move a full step per update whatever ``tie_penalty`` is; decoupled, its
        effect is proportional to ``tie_penalty``. Stable for ``learning_rate *
        tie_penalty < 1``.
    stationary_term : {"exact", "one_step"}
        Two-matrix model only: ``"one_step"`` trains with the truncated rule
        ``h = rho / pi - 1`` instead of ``h = Z (rho / pi)``.

    Returns
    -------
    TrainingHistory

    Raises
    ------
    ValueError
        Bad data (not binary, NaN, wrong shape) or bad settings.
    TrainingDivergedError
        A gradient or parameter became NaN or infinite; the message says what to change.
    TrainingInterrupted
        The stop event of :func:`stop_on` was set (checked before every update).

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.training import train
    >>> class Toy:  # maximise -|p - mean(x)|^2: the minimal protocol of a model
    ...     def __init__(self): self.p = {"m": np.zeros(2)}
    ...     def params(self): return self.p
    ...     def copy(self):
    ...         t = Toy(); t.p = {k: v.copy() for k, v in self.p.items()}; return t
    ...     def gradient(self, batch): return {"m": batch.mean(0) - self.p["m"]}
    >>> X = np.array([[1, 0], [1, 1]] * 10)
    >>> hist = train(Toy(), X, method="exact", n_updates=300, batch_size=20,
    ...              learning_rate=0.01, seed=0, progress=False)
    >>> np.round(hist.model.params()["m"], 1)
    array([1. , 0.5])
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    X = check_binary_data(X, "X", n_features=getattr(model, "N", None))
    n_updates = check_positive_int(n_updates, "n_updates", minimum=0)
    batch_size = min(check_positive_int(batch_size, "batch_size"), X.shape[0])
    n_chains = check_positive_int(n_chains, "n_chains")
    cd_k = check_positive_int(cd_k, "cd_k")
    checkpoint_every = check_positive_int(
        max(1, n_updates // 10) if checkpoint_every is None else checkpoint_every,
        "checkpoint_every")
    tie_penalty = float(tie_penalty)
    two_matrix_only = _two_matrix_options(model, method, tie_penalty, stationary_term)
    if tie_penalty * learning_rate >= 1:
        raise ValueError(
            f"tie_penalty * learning_rate must be < 1 (the decoupled penalty step would "
            f"overshoot the tie); got {tie_penalty!r} * {learning_rate!r}. Lower tie_penalty.")

    rng = _rng.as_generator(seed)
    params = model.params()
    opt = RMSprop(params, learning_rate=learning_rate, decay=decay, eps=eps)
    history = TrainingHistory(model=model, settings=dict(
        model=type(model).__name__, method=method, n_updates=n_updates, batch_size=batch_size,
        n_chains=n_chains if method == "pcd" else None,
        cd_k=cd_k if method in ("cd", "pcd") else None, optimizer="RMSprop",
        learning_rate=float(learning_rate), decay=float(decay), n_train=int(X.shape[0]),
        tie_penalty=tie_penalty, stationary_term=stationary_term))
    step_gradient = _Gradient(model, X, method, n_chains, cd_k, rng, two_matrix_only, history)
    checkpoint = _Checkpoints(model, params, history, diagnostics, keep_params,
                              step_gradient.chains)

    t0 = time.perf_counter()
    stop = _STOP.get()
    _check_stop(stop, 1, n_updates)
    checkpoint.bar = _progress_bar(n_updates, progress,
                                   desc or f"{type(model).__name__} ({method})")
    try:
        checkpoint(0)
        next_batch = _Minibatches(X.shape[0], batch_size, rng)
        for step in range(1, n_updates + 1):
            _check_stop(stop, step, n_updates)
            grads = step_gradient(next_batch(), step)
            _check_finite(grads, "the gradient of", step, history)
            penalty = model.tie_penalty(tie_penalty)[1] if tie_penalty > 0 else {}
            opt.step(grads)
            for name, g in penalty.items():  # decoupled: a plain gradient step, not rescaled
                params[name] += opt.learning_rate * g
            _check_finite(params, "parameter", step, history)
            if checkpoint.bar is not None:
                checkpoint.bar.update(1)
            if step % checkpoint_every == 0 or step == n_updates:
                checkpoint(step)
    finally:
        history.wall_time = time.perf_counter() - t0
        if checkpoint.bar is not None:
            checkpoint.bar.close()
    return history


def _two_matrix_options(model, method: str, tie_penalty: float,
                        stationary_term: str) -> dict[str, str]:
    """Check the two-matrix-only settings; the keyword the gradient needs (or none)."""
    if not (tie_penalty >= 0 and math.isfinite(tie_penalty)):
        raise ValueError(f"tie_penalty must be a finite number >= 0; got {tie_penalty!r}.")
    if tie_penalty == 0 and stationary_term == "exact":
        return {}
    if not hasattr(model, "tie_penalty"):
        raise ValueError(
            "tie_penalty and stationary_term apply to the two-matrix model only; got a "
            f"{type(model).__name__}. Leave them at 0 and 'exact'."
        )
    from .models.pcd import check_stationary_term

    check_stationary_term(stationary_term)
    if method == "cd":
        raise ValueError("stationary_term applies to the 'pcd' and 'exact' methods only.")
    return {"stationary_term": stationary_term}


class _Minibatches:
    """Row numbers of successive minibatches: a fresh permutation whenever one runs out."""

    def __init__(self, n: int, batch_size: int, rng):
        self.n, self.batch_size, self.rng = n, batch_size, rng
        self.order, self.pos = rng.permutation(n), 0

    def __call__(self) -> np.ndarray:
        if self.pos + self.batch_size > self.n:
            self.order, self.pos = self.rng.permutation(self.n), 0
        rows = self.order[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return rows


class _Gradient:
    """The gradient of one update, by ``method`` (the persistent chains live here)."""

    def __init__(self, model, X, method, n_chains, cd_k, rng, two_matrix_only, history):
        self.model, self.X, self.method, self.cd_k, self.rng = model, X, method, cd_k, rng
        self.extra, self.history = two_matrix_only, history
        self.chains = (model.init_chains(n_chains, seed=_rng.kernel_seed(rng))
                       if method == "pcd" else None)
        self.pcd_kw = {"k": cd_k} if method == "pcd" and cd_k != 1 else {}
        # Models that can take minibatches as row numbers into the data's active-pixel
        # lists (the two-matrix model) get them listed once here instead of once per update.
        self.rows_data = None
        if method == "pcd" and not self.pcd_kw and hasattr(model, "pcd_gradient_rows"):
            from .models.pcd import ActiveRows

            self.rows_data = ActiveRows.from_dense(X)

    def __call__(self, rows: np.ndarray, step: int) -> dict[str, np.ndarray]:
        model = self.model
        if self.method == "cd":
            return model.cd_gradient(self.X[rows], k=self.cd_k, seed=self.rng)
        if self.method == "exact":
            return model.gradient(self.X[rows], **self.extra)
        try:
            if self.rows_data is None:
                return model.pcd_gradient(self.X[rows], self.chains, **self.pcd_kw,
                                          **self.extra)
            return model.pcd_gradient_rows(self.rows_data, rows, self.chains, **self.extra)
        except ValueError as exc:
            err = _diverged(exc, step, "the persistent chains' latent transition matrix "
                            "became reducible", self.history)
            if err is None:
                raise
            raise err from exc


def _diverged(exc: ValueError, step: int, what: str, history) -> TrainingDivergedError | None:
    """A reducible latent chain met during training is a divergence (too large a step):
    the error to raise instead of ``exc``; None for any other ValueError."""
    if "reducible" not in str(exc):
        return None
    return TrainingDivergedError(
        f"At update {step} {what} ({exc}) This usually means the weights grew so large that "
        "some transition probabilities underflow to 0: lower the learning rate (or use more "
        "persistent chains). The history up to the failure is attached as .history.",
        history,
    )


class _Checkpoints:
    """Records diagnostics (and a copy of the parameters) at a checkpoint."""

    def __init__(self, model, params, history, diagnostics, keep_params: bool, chains):
        self.model, self.params = model, params
        self.history, self.diagnostics = history, diagnostics
        self.keep_params, self.chains, self.bar = keep_params, chains, None
        self.wants_chains = diagnostics is not None and "chains" in inspect.signature(
            diagnostics).parameters

    def __call__(self, step: int) -> None:
        rec: dict[str, Any] = {"step": step}
        if self.diagnostics is not None:
            try:
                rec.update(self.diagnostics(self.model, chains=self.chains)
                           if self.wants_chains else self.diagnostics(self.model))
            except ValueError as exc:
                err = _diverged(exc, step, "the diagnostics found the model's latent chain "
                                "reducible", self.history)
                if err is None:
                    raise
                raise err from exc
        self.history.steps.append(step)
        self.history.records.append(rec)
        if self.keep_params:
            self.history.params.append({k: v.copy() for k, v in self.params.items()})
        if self.bar is not None:
            self.bar.set_postfix(_scalar_summary({k: v for k, v in rec.items() if k != "step"}))
