"""Train a small latent model by its exact gradient and trace what the gradient sees (notebook 07).

Everything here is exact: every expectation over ``x ~ p(.|z)`` is a sum over the ``2^N``
visible states, so the model must be small (N <= 20; notebook 07 uses K = 3, N = 9). At
every step of training the trace holds the quantities of the two-step rule
(``docs/theory.md``, section 5, "The likelihood gradient: the two-step rule"):

* the latent transition matrix ``T``, its stationary distribution ``pi`` and fundamental
  matrix ``Z``;
* the data's occupation ``rho = mean_x r(.|x)`` (the mean responsibility) and the vector
  ``h = Z (rho / pi - 1)`` that weighs the stationary term (centred: ``pi . h = 0``);
* the net currents ``J``, the entropy production ``sigma``, the self-transitions
  ``diag T``, the log-likelihood and ``KL(rho || pi)``, the one quantity the encoder's
  gradient climbs (with ``rho`` held fixed).

The functions:

* :func:`snapshot`: those quantities for one model (a :class:`LatentSnapshot`);
* :func:`train_exact`: :func:`nelc_edu.training.train` with ``method="exact"`` and a
  checkpoint at every update, then :func:`trace_parameters` (an :class:`ExactTrace`);
* :func:`trace_parameters`: the snapshots of any recorded parameter path (your own loop,
  another optimiser), plus the split of each step's change of ``diag T`` into the part the
  encoder's half of the update made and the part the decoder's half made;
* :func:`self_transition_ledger`: those parts added up over training, the encoder's split
  by whether the state was crowded (``pi_k > rho_k``) or sparse at that step.

The figures are in :mod:`nelc_edu.plotting.mechanism`, the widget in
:mod:`nelc_edu.widgets.mechanism`.

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models import TwoMatrixModel
>>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
>>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
>>> trace = train_exact(TwoMatrixModel.random(3, 9, seed=1), X, n_updates=20)
>>> len(trace), trace.T.shape
(21, (21, 3, 3))
>>> bool(trace.sigma[0] < 1e-6)          # small random weights: an almost reversible start
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ._validation import check_binary_data, check_positive_int

__all__ = [
    "LatentSnapshot",
    "snapshot",
    "ExactTrace",
    "train_exact",
    "trace_parameters",
    "SelfTransitionLedger",
    "self_transition_ledger",
]

#: The model kind of each model class, for the colours of :mod:`nelc_edu.plotting.style`.
_KIND_OF_CLASS = {"TwoMatrixModel": "two_matrix", "OneHotRBM": "rbm_exact"}


class LatentSnapshot(NamedTuple):
    """What the exact two-step gradient sees at one point of training.

    Attributes
    ----------
    T : ndarray (K, K)
        Latent transition matrix ``T[z, z'] = E_{x ~ p(.|z)}[q(z'|x)]``.
    pi : ndarray (K,)
        Its stationary distribution: where the chain spends its time.
    rho : ndarray (K,)
        Mean responsibility over the data: where the data want it.
    Z : ndarray (K, K)
        Fundamental matrix ``inv(I - T + 1 pi)``.
    h : ndarray (K,)
        ``Z (rho / pi - 1)``: ``h_z > 0`` when the chain heads from ``z`` towards states
        the data want more than the chain visits them (``pi . h = 0``).
    currents : ndarray (K, K)
        Net currents ``J[z, z'] = pi_z T[z, z'] - pi_z' T[z', z]``.
    sigma : float
        Entropy production per step (nats).
    self_transition : ndarray (K,)
        ``diag T``.
    log_likelihood : float
        Mean log-likelihood of the data (nats per image).
    kl : float
        ``KL(rho || pi) = sum_z rho_z log(rho_z / pi_z)``.
    """

    T: np.ndarray
    pi: np.ndarray
    rho: np.ndarray
    Z: np.ndarray
    h: np.ndarray
    currents: np.ndarray
    sigma: float
    self_transition: np.ndarray
    log_likelihood: float
    kl: float


def _check_small(model) -> None:
    limit = getattr(model, "N_MAX_EXACT", 20)
    if model.N > limit:
        raise ValueError(
            f"the model has N = {model.N} visible units; exact training enumerates all 2^N "
            f"visible states and needs N <= {limit}. Use nelc_edu.training.train with "
            "method='pcd' for larger models."
        )


def _latent_transition(model) -> np.ndarray:
    return model.latent_transition_matrix("exact")


def snapshot(model, X) -> LatentSnapshot:
    """Every quantity of the two-step rule for ``model`` on data ``X``, by enumeration.

    Parameters
    ----------
    model : TwoMatrixModel or OneHotRBM
        With N <= 20 visible units.
    X : array (n, N) of 0/1
        The data.

    Returns
    -------
    LatentSnapshot

    Raises
    ------
    ValueError
        If N > 20 or ``X`` is not binary data with N columns.

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.models import OneHotRBM
    >>> s = snapshot(OneHotRBM.random(3, 4, scale=1.0, seed=0), np.eye(4, dtype=np.uint8))
    >>> s.sigma < 1e-12, abs(float(s.pi @ s.h)) < 1e-15     # tied: reversible; h centred
    (True, True)
    """
    from . import markov
    from .classify import kl_divergence
    from .models.exact import logsumexp

    _check_small(model)
    X = check_binary_data(X, "X", n_features=model.N)
    T = _latent_transition(model)
    pi, Z = markov.stationary_and_fundamental(T)
    log_joint = np.log(pi)[None, :] + model.log_decoder(X)
    log_px = logsumexp(log_joint, axis=1)       # log p(x); the same pass gives r(z|x)
    rho = np.exp(log_joint - log_px[:, None]).mean(axis=0)
    h = Z @ (rho / pi - 1.0)
    h = h - pi @ h  # zero already (pi Z = pi); removes the rounding
    kl = kl_divergence(rho, pi)
    return LatentSnapshot(
        T=T, pi=pi, rho=rho, Z=Z, h=h, currents=markov.probability_currents(T, pi),
        sigma=float(markov.entropy_production(T, pi)), self_transition=np.diag(T).copy(),
        log_likelihood=float(log_px.mean()), kl=kl,
    )


@dataclass
class ExactTrace:
    """A training run of a small latent model, with every step's :class:`LatentSnapshot`.

    The arrays are stacked over the recorded states: index 0 is before training, index
    ``t`` after ``t`` updates.

    Attributes
    ----------
    model : TwoMatrixModel or OneHotRBM
        The trained model (its final parameters).
    data : ndarray (n, N)
        The training data (what the log-likelihood and ``rho`` are computed on).
    params : list of dict
        The parameters at every recorded state (copies).
    label, kind : str
        A name for legends, and the model kind that sets the colour
        (``"two_matrix"`` or ``"rbm_exact"``; see :data:`nelc_edu.plotting.KIND_STYLES`).
    steps : ndarray (n_states,)
    T, Z, currents : ndarray (n_states, K, K)
    pi, rho, h, self_transition : ndarray (n_states, K)
    sigma, log_likelihood, kl : ndarray (n_states,)
    encoder_T_change, decoder_T_change : ndarray (n_states - 1, K, K) or None
        Change of ``T`` from state ``t`` to the model with only the encoder (``W``, ``c``),
        respectively only the decoder (``U``, ``b``), moved to state ``t + 1``: what each
        half of update ``t + 1`` does to the chain. None for a tied model, whose encoder and
        decoder are one matrix.
    settings : dict
        How the run was trained.
    """

    model: Any
    data: np.ndarray
    params: list
    label: str
    kind: str
    steps: np.ndarray
    T: np.ndarray
    pi: np.ndarray
    rho: np.ndarray
    Z: np.ndarray
    h: np.ndarray
    currents: np.ndarray
    sigma: np.ndarray
    self_transition: np.ndarray
    log_likelihood: np.ndarray
    kl: np.ndarray
    encoder_T_change: np.ndarray | None = None
    decoder_T_change: np.ndarray | None = None
    settings: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def K(self) -> int:
        """Number of latent states."""
        return self.T.shape[1]

    @property
    def encoder_self_change(self) -> np.ndarray | None:
        """The diagonal of :attr:`encoder_T_change` (n_states - 1, K); None when tied."""
        if self.encoder_T_change is None:
            return None
        return np.diagonal(self.encoder_T_change, axis1=1, axis2=2)

    @property
    def decoder_self_change(self) -> np.ndarray | None:
        """The diagonal of :attr:`decoder_T_change` (n_states - 1, K); None when tied."""
        if self.decoder_T_change is None:
            return None
        return np.diagonal(self.decoder_T_change, axis1=1, axis2=2)

    @property
    def mean_self_transition(self) -> np.ndarray:
        """``mean(diag T)`` at every recorded state (n_states,)."""
        return self.self_transition.mean(axis=1)

    def _index(self, i: int) -> int:
        n = len(self)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -n <= i < n:
            raise ValueError(f"state index must be an integer in [-{n}, {n}); got {i!r}.")
        return int(i) % n

    def model_at(self, i: int):
        """A copy of the model with the parameters of state ``i``.

        Examples
        --------
        >>> import numpy as np
        >>> from nelc_edu.models import OneHotRBM
        >>> trace = train_exact(OneHotRBM.random(2, 3, seed=0), np.eye(3, dtype=np.uint8),
        ...                     n_updates=3)
        >>> bool(np.array_equal(trace.model_at(0).W, trace.params[0]["W"]))
        True
        """
        model = self.model.copy()
        for name, value in self.params[self._index(i)].items():
            model.params()[name][...] = value
        return model

    def snapshot(self, i: int) -> LatentSnapshot:
        """The recorded :class:`LatentSnapshot` of state ``i`` (nothing is recomputed)."""
        i = self._index(i)
        return LatentSnapshot(
            T=self.T[i], pi=self.pi[i], rho=self.rho[i], Z=self.Z[i], h=self.h[i],
            currents=self.currents[i], sigma=float(self.sigma[i]),
            self_transition=self.self_transition[i],
            log_likelihood=float(self.log_likelihood[i]), kl=float(self.kl[i]),
        )

    def decoder_means(self, i: int) -> np.ndarray:
        """``p(x_j = 1 | z)`` at state ``i``, shape (K, N): the images of the latent states."""
        return self.model_at(i).decoder_probs()

    def gradient(self, i: int) -> dict[str, np.ndarray]:
        """The exact gradient of the mean log-likelihood of :attr:`data` at state ``i``."""
        return self.model_at(i).gradient(self.data, method="exact")


def _kind_of(model) -> str:
    return _KIND_OF_CLASS.get(type(model).__name__, type(model).__name__)


def _check_path(model, params: Sequence[Mapping[str, np.ndarray]]) -> list[dict]:
    if isinstance(params, Mapping) or not isinstance(params, Sequence) or len(params) == 0:
        raise ValueError("params must be a non-empty list of parameter dicts, one per state "
                         "(e.g. copies of model.params() taken after every update).")
    live = model.params()
    path = []
    for t, p in enumerate(params):
        if not isinstance(p, Mapping) or set(p) != set(live):
            raise ValueError(f"params[{t}] must be a dict with the keys {sorted(live)} of "
                             f"{type(model).__name__}.params(); got {p!r:.80}.")
        entry = {}
        for name, ref in live.items():
            value = np.asarray(p[name], dtype=np.float64)
            if value.shape != ref.shape or not np.all(np.isfinite(value)):
                raise ValueError(f"params[{t}][{name!r}] must be a finite array of shape "
                                 f"{ref.shape}; got shape {value.shape}.")
            entry[name] = value.copy()
        path.append(entry)
    return path


def _with_params(model, **arrays):
    m = model.copy()
    for name, value in arrays.items():
        m.params()[name][...] = value
    return m


def _half_step_changes(model, path, T):
    """Changes of ``T`` by the encoder-only and decoder-only halves of every update."""
    if "U" not in model.params():  # tied: encoder and decoder are one matrix
        return None, None
    enc, dec = [], []
    for t in range(len(path) - 1):
        old, new = path[t], path[t + 1]
        moved_enc = _with_params(model, **{**old, "W": new["W"], "c": new["c"]})
        moved_dec = _with_params(model, **{**old, "U": new["U"], "b": new["b"]})
        enc.append(_latent_transition(moved_enc) - T[t])
        dec.append(_latent_transition(moved_dec) - T[t])
    K = T.shape[1]
    return np.array(enc).reshape(-1, K, K), np.array(dec).reshape(-1, K, K)


def trace_parameters(
    model,
    X,
    params: Sequence[Mapping[str, np.ndarray]],
    *,
    steps: Sequence[int] | None = None,
    label: str | None = None,
    kind: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ExactTrace:
    """The :class:`ExactTrace` of a recorded parameter path, whatever trained it.

    Parameters
    ----------
    model : TwoMatrixModel or OneHotRBM
        Gives the class and the shapes (N <= 20); its own parameters are not used, and it
        is stored as the trace's model with the last parameters of the path.
    X : array (n, N) of 0/1
        The data for ``rho``, the log-likelihood and :meth:`ExactTrace.gradient`.
    params : list of dict
        One dict of parameter arrays per state (``{"W", "c", "U", "b"}`` for a two-matrix
        model, ``{"W", "c", "b"}`` for a one-hot RBM), in order.
    steps : sequence of int, optional
        The update count of each state (default ``0, 1, 2, ...``).
    label : str, optional
        Legend name (default: the class name and "exact gradient").
    kind : str, optional
        Model kind for the colours (default from the class).
    settings : dict, optional
        How the path was made, for reports.

    Returns
    -------
    ExactTrace

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.models import TwoMatrixModel
    >>> X = np.eye(4, dtype=np.uint8)
    >>> model = TwoMatrixModel.random(3, 4, scale=1.0, seed=0)
    >>> path = [{k: v.copy() for k, v in model.params().items()}]
    >>> for _ in range(5):                       # plain gradient ascent, written out
    ...     g = model.gradient(X, method="exact")
    ...     for name, value in model.params().items():
    ...         value += 0.1 * g[name]
    ...     path.append({k: v.copy() for k, v in model.params().items()})
    >>> trace = trace_parameters(model, X, path, label="plain ascent")
    >>> bool(np.all(np.diff(trace.log_likelihood) > 0))     # small steps climb L
    True
    >>> trace.encoder_T_change.shape, trace.encoder_self_change.shape
    ((5, 3, 3), (5, 3))
    """
    _check_small(model)
    X = check_binary_data(X, "X", n_features=model.N)
    path = _check_path(model, params)
    if steps is None:
        steps_arr = np.arange(len(path))
    else:
        steps_arr = np.asarray(steps)
        if steps_arr.shape != (len(path),) or steps_arr.dtype.kind not in "iu":
            raise ValueError(f"steps must be {len(path)} integers, one per state; got "
                             f"{steps!r:.80}.")
    snaps = [snapshot(_with_params(model, **p), X) for p in path]
    stack = {name: np.array([getattr(s, name) for s in snaps]) for name in LatentSnapshot._fields}
    enc, dec = _half_step_changes(model, path, stack["T"])
    final = _with_params(model, **path[-1])
    name = type(model).__name__
    return ExactTrace(
        model=final, data=X, params=path,
        label=label or f"{name} (exact gradient)", kind=kind or _kind_of(model),
        steps=steps_arr, encoder_T_change=enc, decoder_T_change=dec,
        settings=dict(settings or {}), **stack,
    )


def train_exact(
    model,
    X,
    *,
    n_updates: int = 600,
    learning_rate: float = 0.05,
    batch_size: int | None = None,
    seed=0,
    tie_penalty: float = 0.0,
    label: str | None = None,
) -> ExactTrace:
    """Train ``model`` in place by RMSprop on its exact gradient and trace every update.

    This is :func:`nelc_edu.training.train` with ``method="exact"``, a checkpoint after
    every update and the parameters kept, followed by :func:`trace_parameters` on the
    recorded path. About 1 ms per update and 2 ms per traced state at K = 3, N = 9.

    Parameters
    ----------
    model : TwoMatrixModel or OneHotRBM
        With N <= 20 visible units.
    X : array (n, N) of 0/1
        Training data.
    n_updates : int
        Number of RMSprop updates (the trace has ``n_updates + 1`` states).
    learning_rate : float
        RMSprop step size.
    batch_size : int, optional
        Minibatch size; default: the whole data set at every update (the exact gradient
        of the full log-likelihood, no sampling noise anywhere).
    seed : int, Generator or None
        Order of the minibatches.
    tie_penalty : float
        Two-matrix model only: the reversibility dial of :func:`nelc_edu.training.train`.
    label : str, optional
        Legend name.

    Returns
    -------
    ExactTrace

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.models import OneHotRBM
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
    >>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
    >>> trace = train_exact(OneHotRBM.random(3, 9, seed=1), X, n_updates=30)
    >>> bool(trace.log_likelihood[-1] > trace.log_likelihood[0])
    True
    >>> bool(trace.sigma.max() < 1e-12)                       # tied: never any current
    True
    """
    from .training import train

    _check_small(model)
    X = check_binary_data(X, "X", n_features=model.N)
    n_updates = check_positive_int(n_updates, "n_updates")
    batch = X.shape[0] if batch_size is None else check_positive_int(batch_size, "batch_size")
    history = train(model, X, method="exact", n_updates=n_updates, batch_size=batch,
                    learning_rate=learning_rate, seed=seed, tie_penalty=tie_penalty,
                    checkpoint_every=1, keep_params=True, progress=False)
    settings = {key: history.settings[key] for key in (
        "method", "optimizer", "learning_rate", "decay", "n_updates", "batch_size",
        "tie_penalty") if key in history.settings}
    return trace_parameters(model, X, history.params, steps=history.steps, label=label,
                            settings=settings)


class SelfTransitionLedger(NamedTuple):
    """Where the change of ``mean(diag T)`` came from, added up over training.

    Every entry is cumulative over the updates ``1..t`` (shape (n_updates,)), in units of
    the mean self-transition (the sum over states divided by K), so that
    ``encoder + decoder + interaction == total``.

    Attributes
    ----------
    steps : ndarray
        Update counts ``1..n_updates``.
    crowded : ndarray
        The encoder's part, from states that were crowded at that step (``pi_k > rho_k``).
    sparse : ndarray
        The encoder's part, from states that were sparse (``pi_k <= rho_k``).
    encoder : ndarray
        ``crowded + sparse``.
    decoder : ndarray
        The decoder's part.
    interaction : ndarray
        What neither half makes alone (second order in the step size).
    total : ndarray
        The observed change, ``mean(diag T)`` at step t minus at step 0.
    crowded_self_share, sparse_self_share : float
        Of all the inflow the encoder's halves took from crowded states (the change of
        ``sum_z pi_z T_zk`` at fixed ``pi``, added up over the updates), the share that was
        the state's own self-transition flux ``pi_k T_kk``; and the same for the inflow they
        gave to sparse states.
    """

    steps: np.ndarray
    crowded: np.ndarray
    sparse: np.ndarray
    encoder: np.ndarray
    decoder: np.ndarray
    interaction: np.ndarray
    total: np.ndarray
    crowded_self_share: float
    sparse_self_share: float


def self_transition_ledger(trace: ExactTrace) -> SelfTransitionLedger:
    """Split the change of ``mean(diag T)`` into the encoder's and the decoder's parts.

    At every update ``t -> t + 1`` the encoder's half (``W``, ``c`` moved, decoder held)
    changes each ``T_kk`` by :attr:`ExactTrace.encoder_self_change`; the ledger adds these
    up separately for the states that were crowded (``pi_k > rho_k`` at step t: the
    encoder's gradient pushes their occupation down) and sparse, and adds up the
    decoder's half. It also says how much of the inflow the encoder moved was
    self-transition: a crowded state loses inflow, a sparse one gains it, and if the
    crowded states' losses are more often their own self-transition than the sparse
    states' gains are, the self-transitions fall on balance.

    Parameters
    ----------
    trace : ExactTrace
        Of an untied model (a tied model has no separate encoder).

    Returns
    -------
    SelfTransitionLedger

    Raises
    ------
    ValueError
        For the trace of a tied model, or one with a single state.

    Examples
    --------
    >>> import numpy as np
    >>> from nelc_edu.models import TwoMatrixModel
    >>> from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes
    >>> X, _ = noisy_prototypes(PROTOTYPES_3X3[:3], 60, seed=0)
    >>> ledger = self_transition_ledger(train_exact(TwoMatrixModel.random(3, 9, seed=1), X,
    ...                                             n_updates=40))
    >>> bool(np.allclose(ledger.encoder + ledger.decoder + ledger.interaction, ledger.total))
    True
    >>> 0 <= ledger.sparse_self_share <= 1
    True
    """
    if not isinstance(trace, ExactTrace):
        raise ValueError(f"trace must be an ExactTrace; got {type(trace).__name__}.")
    if trace.encoder_self_change is None:
        raise ValueError("a tied model has one matrix for its encoder and decoder: its "
                         "change of diag T cannot be split. Pass the trace of an untied "
                         "(two-matrix) model.")
    if len(trace) < 2:
        raise ValueError("the trace has a single state: train for at least one update.")
    K = trace.K
    crowded_now = trace.pi[:-1] > trace.rho[:-1]
    enc = trace.encoder_self_change
    crowded = np.cumsum(np.where(crowded_now, enc, 0.0).sum(axis=1)) / K
    sparse = np.cumsum(np.where(crowded_now, 0.0, enc).sum(axis=1)) / K
    decoder = np.cumsum(trace.decoder_self_change.sum(axis=1)) / K
    total = trace.mean_self_transition[1:] - trace.mean_self_transition[0]
    encoder = crowded + sparse
    pi = trace.pi[:-1]
    inflow = np.einsum("tz,tzk->tk", pi, trace.encoder_T_change)  # change of sum_z pi_z T_zk
    own = pi * enc                                                  # change of pi_k T_kk

    def share(mask):
        total_in = float(np.sum(inflow[mask]))
        return float(np.sum(own[mask])) / total_in if total_in != 0 else float("nan")

    return SelfTransitionLedger(
        steps=np.asarray(trace.steps[1:]), crowded=crowded, sparse=sparse, encoder=encoder,
        decoder=decoder, interaction=total - encoder - decoder, total=total,
        crowded_self_share=share(crowded_now), sparse_self_share=share(~crowded_now),
    )
