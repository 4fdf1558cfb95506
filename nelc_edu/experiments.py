"""Experiments: train one model with the standard diagnostics, and the equal-budget comparison.

This is the code behind ``nelc-edu compare`` (the README's main job), the notebooks 04 and
07, and the sweeps. Every run states how it was trained (:class:`RunSettings`), and every
comparison includes the exact-gradient one-hot RBM as a control: the one-hot RBM and the
two-matrix model describe the same family of distributions (K-component Bernoulli mixtures),
so the difference the paper reports lives in **PCD training and mixing** (``docs/theory.md``,
"Why the exact-gradient RBM control matters").

Examples
--------
>>> from nelc_edu.experiments import RunSettings, run
>>> s = RunSettings(kind="two_matrix", dataset="digits", K=4, seed=0, n_updates=20,
...                 n_checkpoints=2, diag_samples=200, kl_chains=10,
...                 kl_burn_in=5, kl_steps=10)
>>> result = run(s, progress=False)
>>> sorted(result.summary())[:3]
['class_kl', 'dominant_cycle', 'dominant_cycle_current']
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _rng
from ._json import to_jsonable

__all__ = [
    "KINDS",
    "DATASETS",
    "RunSettings",
    "RunResult",
    "default_settings",
    "load_dataset",
    "diagnose",
    "run",
    "compare",
    "format_table",
    "KIND_LABELS",
    "relaxation_times",
    "checkpoint_threshold",
]

#: Model kinds: the nonequilibrium model, the PCD-trained one-hot RBM, the exact-gradient
#: one-hot RBM (the control).
KINDS = ("two_matrix", "rbm", "rbm_exact")
KIND_LABELS = {
    "two_matrix": "two-matrix model (PCD)",
    "rbm": "one-hot RBM (PCD)",
    "rbm_exact": "one-hot RBM (exact gradient, control)",
}
DATASETS = ("digits", "mnist5k")

# Defaults chosen by measurement (scripts/tune_digits.py reports the scan): see
# docs/tuning-digits.md. MNIST-5k defaults belong to the reproduction (docs/results.md).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": dict(
        n_updates=4000,
        batch_size=100,
        n_chains=100,
        learning_rate=0.01,
        init_scale=0.01,
        n_checkpoints=20,
        diag_samples=1000,
        kl_chains=100,
        kl_burn_in=200,
        kl_steps=200,
    ),
    # measured by a scan of learning rates x updates (docs/results.md, "MNIST-5k settings"):
    # at 0.003 and above the two-matrix model's entropy production runs away (sigma 7-18)
    "mnist5k": dict(
        n_updates=12000,
        batch_size=100,
        n_chains=100,
        learning_rate=0.001,
        init_scale=0.01,
        n_checkpoints=12,
        diag_samples=500,
        kl_chains=100,
        kl_burn_in=200,
        kl_steps=200,
    ),
}


@dataclass
class RunSettings:
    """Everything that defines one training run (and is written to its record).

    Attributes
    ----------
    kind : {"two_matrix", "rbm", "rbm_exact"}
        ``"rbm"`` is the one-hot RBM trained with persistent chains (PCD), ``"rbm_exact"`` the
        one-hot RBM trained with its exact gradient (the control).
    dataset : {"digits", "mnist5k"}
    K : int
        Number of latent states.
    seed : int
        Seeds the split, the initial weights, the minibatches, the chains and diagnostics.
    n_updates, batch_size, n_chains, learning_rate
        Training budget (RMSprop, minibatches; ``n_chains`` persistent chains for PCD).
    init_scale : float
        Standard deviation of the small random initial weights.
    n_checkpoints : int
        Diagnostics are recorded this many times (plus at the start).
    diag_samples : int
        Monte Carlo for T at every checkpoint: visible draws per decoder component (the
        final diagnostics take four times as many). The noise floor of the entropy
        production comes from a bootstrap of the same draws.
    kl_chains, kl_burn_in, kl_steps : int
        Class-histogram protocol: chains from uniformly random latent states.
    heldout_fraction : float
        Fraction of the data held out for the held-out log-likelihood.
    tie_penalty : float
        Two-matrix model only: the reversibility dial lambda >= 0, a penalty
        ``-(lambda/2) sum (U - W.T)^2`` added to the objective (0: the free model; large: the
        decoder pinned to the encoder, a near-RBM trained by the two-step rule).
    stationary_term : {"exact", "one_step"}
        Two-matrix model only: ``"one_step"`` trains with the truncated gradient
        ``h = rho / pi - 1`` instead of ``h = Z (rho / pi)``.
    fidelity_steps : int
        When > 0 (PCD kinds), every checkpoint also records ``pcd_gradient_cosine``: the
        cosine between the average of this many PCD gradients from a copy of the training
        chains (with the run's ``stationary_term``) and the reference gradient (exact rule;
        :mod:`nelc_edu.gradient_fidelity`).
    """

    kind: str = "two_matrix"
    dataset: str = "digits"
    K: int = 10
    seed: int = 0
    n_updates: int = 4000
    batch_size: int = 100
    n_chains: int = 100
    learning_rate: float = 0.01
    init_scale: float = 0.01
    n_checkpoints: int = 20
    diag_samples: int = 1000
    kl_chains: int = 100
    kl_burn_in: int = 200
    kl_steps: int = 200
    heldout_fraction: float = 0.2
    tie_penalty: float = 0.0
    stationary_term: str = "exact"
    fidelity_steps: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}.")
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}; got {self.dataset!r}.")
        from ._validation import check_n_latent

        check_n_latent(self.K)
        if not 0 < self.heldout_fraction < 1:
            raise ValueError(f"heldout_fraction must be in (0, 1); got {self.heldout_fraction}.")
        if not (isinstance(self.tie_penalty, (int, float)) and math.isfinite(self.tie_penalty)
                and self.tie_penalty >= 0):
            raise ValueError(f"tie_penalty must be a number >= 0; got {self.tie_penalty!r}.")
        self.tie_penalty = float(self.tie_penalty)
        if self.tie_penalty * self.learning_rate >= 1:
            raise ValueError(
                f"tie_penalty * learning_rate must be < 1 (the decoupled penalty step would "
                f"overshoot the tie); got {self.tie_penalty:g} * {self.learning_rate:g}. "
                f"Use tie_penalty < {1 / self.learning_rate:g} at this learning rate.")
        from .models.pcd import check_stationary_term

        check_stationary_term(self.stationary_term)
        if not (isinstance(self.fidelity_steps, int) and self.fidelity_steps >= 0):
            raise ValueError(
                f"fidelity_steps must be an integer >= 0; got {self.fidelity_steps!r}.")
        if self.kind != "two_matrix" and (self.tie_penalty > 0 or self.stationary_term != "exact"):
            raise ValueError(
                f"tie_penalty and stationary_term apply to kind='two_matrix' only; got "
                f"kind={self.kind!r} with tie_penalty={self.tie_penalty}, "
                f"stationary_term={self.stationary_term!r}."
            )

    @property
    def method(self) -> str:
        """Training method of :func:`nelc_edu.training.train` for this kind."""
        return "exact" if self.kind == "rbm_exact" else "pcd"

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["training"] = self.method
        return d


def default_settings(dataset: str = "digits", **overrides) -> dict[str, Any]:
    """The measured default budget for ``dataset``, updated with ``overrides``.

    In fast mode (``NELC_FAST=1``) the budgets shrink so that notebooks and tests finish in
    seconds.

    Examples
    --------
    >>> default_settings("digits")["batch_size"]
    100
    """
    from ._config import fast_mode

    if dataset not in _DEFAULTS:
        raise ValueError(f"dataset must be one of {DATASETS}; got {dataset!r}.")
    out = dict(_DEFAULTS[dataset])
    if fast_mode():
        out.update(
            n_updates=min(out["n_updates"], 300),
            n_checkpoints=min(out["n_checkpoints"], 5),
            diag_samples=min(out["diag_samples"], 200),
            kl_chains=min(out["kl_chains"], 50),
            kl_burn_in=min(out["kl_burn_in"], 50),
            kl_steps=min(out["kl_steps"], 50),
        )
    out.update(overrides)
    return out


_DATA_CACHE: dict[tuple[str, int, float], tuple] = {}


def load_dataset(name: str, seed: int = 0, heldout_fraction: float = 0.2):
    """``(X_train, X_heldout, y_train, y_heldout)`` of a shipped dataset, split by ``seed``."""
    key = (name, int(seed), float(heldout_fraction))
    if key not in _DATA_CACHE:
        from .datasets import load_digits, load_mnist5k, train_test_split

        loaders = {"digits": load_digits, "mnist5k": load_mnist5k}
        if name not in loaders:
            raise ValueError(f"dataset must be one of {DATASETS}; got {name!r}.")
        X, y = loaders[name]()
        _DATA_CACHE[key] = train_test_split(X, y, test_fraction=heldout_fraction, seed=seed)
    return _DATA_CACHE[key]


_LABELLER_CACHE: dict[str, Any] = {}


def _labeller(dataset: str):
    """The class labeller of ``dataset`` (fit once per process on 80 %, scored on 20 %)."""
    if dataset not in _LABELLER_CACHE:
        from .classify import fit_labeller
        from .datasets import load_digits, load_mnist5k

        X, y = {"digits": load_digits, "mnist5k": load_mnist5k}[dataset]()
        _LABELLER_CACHE[dataset] = fit_labeller(X, y, seed=0)
    return _LABELLER_CACHE[dataset]


def make_model(kind: str, K: int, N: int, *, init_scale: float = 0.01, seed=None):
    """A freshly initialised model of ``kind`` (small random weights, zero biases)."""
    from .models.onehot_rbm import OneHotRBM
    from .models.two_matrix import TwoMatrixModel

    if kind == "two_matrix":
        return TwoMatrixModel.random(K, N, scale=init_scale, seed=seed)
    if kind in ("rbm", "rbm_exact"):
        return OneHotRBM.random(K, N, scale=init_scale, seed=seed)
    raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")


def diagnose(
    model,
    X_train,
    X_heldout=None,
    *,
    n_samples: int = 1000,
    seed=None,
) -> dict[str, Any]:
    """The standard diagnostics of a latent-chain model.

    The latent transition matrix is estimated once by Monte Carlo (``n_samples`` draws from
    every decoder component, :func:`~nelc_edu.models.estimators.entropy_production_with_floor`);
    pi, the currents and the entropy production follow from that estimate, and the noise
    floor and the currents' standard errors come from a bootstrap of the same draws under the
    reversible null, so that "zero" is a measured statement and an edge above
    ``current_threshold`` is a measured current. The log-likelihood is exact given pi (for
    the one-hot RBM, its exact Boltzmann marginal P(z)).

    Returns
    -------
    dict
        ``log_likelihood`` (train, nats per example), ``log_likelihood_heldout``,
        ``entropy_production`` with its bootstrap standard error ``ep_se`` and its
        ``ep_noise_floor`` (latent), ``path_entropy_production``, ``mean_self_transition``,
        ``T`` (K, K), ``pi`` (K,, stationary for T), ``current_se`` (K, K) and
        ``current_threshold`` (three null standard errors of the noisiest current).
    """
    from .models.estimators import entropy_production_with_floor

    rng = _rng.as_generator(seed)
    est = entropy_production_with_floor(model, n_samples=n_samples, seed=rng)
    # exact given pi: log p(x) = log sum_z pi_z p(x|z); the RBM's pi is known exactly
    pi_ll = model.latent_marginal() if hasattr(model, "latent_marginal") else est.pi
    ll = float(np.mean(model._log_prob_given_pi(np.asarray(X_train), pi_ll)))
    ll_held = (
        float(np.mean(model._log_prob_given_pi(np.asarray(X_heldout), pi_ll)))
        if X_heldout is not None
        else math.nan
    )
    path_ep = model.path_entropy_production("mc", n_samples=n_samples, seed=rng)
    return {
        "log_likelihood": ll,
        "log_likelihood_heldout": ll_held,
        "entropy_production": est.sigma,
        "ep_se": est.sigma_se,
        "ep_noise_floor": est.noise_floor,
        "path_entropy_production": float(path_ep),
        "mean_self_transition": float(np.mean(np.diag(est.T))),
        "T": est.T,
        "pi": est.pi,
        "current_se": est.current_se,
        "current_threshold": est.current_threshold(),
    }


@dataclass
class RunResult:
    """One trained model, its history and its final diagnostics."""

    settings: RunSettings
    model: Any
    history: Any
    final: dict[str, Any]
    wall_time: float
    labeller_heldout_accuracy: float = math.nan
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready final numbers (the entry of ``nelc-edu compare --json``)."""
        keys = (
            "log_likelihood",
            "log_likelihood_heldout",
            "entropy_production",
            "ep_noise_floor",
            "path_entropy_production",
            "mean_self_transition",
            "class_kl",
            "dominant_cycle",
            "dominant_cycle_current",
        )
        out = {k: to_jsonable(self.final.get(k)) for k in keys}
        out["training"] = KIND_LABELS[self.settings.kind]
        out["wall_time_s"] = round(self.wall_time, 3)
        return out

    def to_record(self) -> dict[str, Any]:
        """Full JSON-ready record: settings, final diagnostics, per-checkpoint diagnostics."""
        return {
            "settings": self.settings.to_dict(),
            "final": {k: to_jsonable(v) for k, v in self.final.items()},
            "history": {
                "steps": list(self.history.steps),
                "records": [
                    {k: to_jsonable(v) for k, v in rec.items()} for rec in self.history.records
                ],
            },
            "labeller_heldout_accuracy": self.labeller_heldout_accuracy,
            "wall_time_s": self.wall_time,
        }


def run(settings: RunSettings, *, progress: bool = True, keep_params: bool = True) -> RunResult:
    """Train one model as ``settings`` say and compute its final diagnostics.

    Three steps, each seeded by its own stream of ``settings.seed``: train with the
    checkpoint diagnostics of :func:`diagnose` (:func:`_train`), then the final diagnostics
    (:func:`_final_diagnostics`): those of :func:`diagnose` with 4x the checkpoint sample
    size, the class-histogram KL (``docs/theory.md``, "The class-histogram protocol") and the
    dominant cycle of the net currents above the run's ``current_threshold``.
    """
    s = settings
    t0 = time.perf_counter()
    X_tr, X_held, _, _ = load_dataset(s.dataset, seed=s.seed, heldout_fraction=s.heldout_fraction)
    seeds = np.random.SeedSequence(s.seed).spawn(4)
    model = make_model(
        s.kind, s.K, X_tr.shape[1], init_scale=s.init_scale, seed=np.random.default_rng(seeds[0])
    )
    history = _train(model, s, X_tr, X_held, diag_rng=np.random.default_rng(seeds[1]),
                     rng=np.random.default_rng(seeds[2]), progress=progress,
                     keep_params=keep_params)
    labeller = _labeller(s.dataset)
    final = _final_diagnostics(model, s, X_tr, X_held, labeller,
                               rng=np.random.default_rng(seeds[3]))
    return RunResult(
        settings=s,
        model=model,
        history=history,
        final=final,
        wall_time=time.perf_counter() - t0,
        labeller_heldout_accuracy=float(labeller.heldout_accuracy),
    )


def _train(model, s: RunSettings, X_tr, X_held, *, diag_rng, rng, progress: bool,
           keep_params: bool):
    """:func:`nelc_edu.training.train` as ``s`` says, with :func:`diagnose` at checkpoints."""
    from .training import train

    def diagnostics(m, chains=None):
        rec = diagnose(m, X_tr, X_held, n_samples=s.diag_samples, seed=diag_rng)
        if s.fidelity_steps > 0 and chains is not None:
            from .gradient_fidelity import pcd_gradient_cosine

            rec["pcd_gradient_cosine"] = pcd_gradient_cosine(
                m, chains, X_tr, n_steps=s.fidelity_steps, n_samples=s.diag_samples,
                seed=diag_rng, stationary_term=s.stationary_term)
        return rec

    return train(
        model,
        X_tr,
        method=s.method,
        n_updates=s.n_updates,
        batch_size=s.batch_size,
        n_chains=s.n_chains,
        learning_rate=s.learning_rate,
        checkpoint_every=max(1, s.n_updates // max(1, s.n_checkpoints)),
        diagnostics=diagnostics,
        keep_params=keep_params,
        seed=rng,
        progress=progress,
        desc=KIND_LABELS[s.kind],
        tie_penalty=s.tie_penalty,
        stationary_term=s.stationary_term,
    )


def _final_diagnostics(model, s: RunSettings, X_tr, X_held, labeller, *, rng) -> dict[str, Any]:
    """:func:`diagnose` at 4x the budget, the class-histogram KL and the dominant cycle."""
    from . import markov
    from .classify import class_histogram_kl

    final = diagnose(model, X_tr, X_held, n_samples=4 * s.diag_samples, seed=rng)
    kl = class_histogram_kl(
        model, labeller, X_tr, n_chains=s.kl_chains, burn_in=s.kl_burn_in,
        n_steps=s.kl_steps, seed=s.seed,
    )
    final["class_kl"] = kl.kl
    final["model_class_hist"] = kl.model_hist
    final["data_class_hist"] = kl.data_hist
    # an edge carries a measured net current when it exceeds 3 null standard errors of the
    # noisiest estimated current (final["current_threshold"]): for a reversible model
    # this leaves no edge at all
    cyc = markov.dominant_cycle(final["T"], final["pi"], threshold=final["current_threshold"])
    final["dominant_cycle"] = list(map(int, cyc[0])) if cyc else None
    final["dominant_cycle_current"] = float(cyc[1]) if cyc else None
    return final


def compare(
    dataset: str = "digits",
    K: int = 10,
    seed: int = 0,
    *,
    progress: bool = True,
    kinds: tuple[str, ...] = KINDS,
    **overrides,
) -> dict[str, RunResult]:
    """Train every model kind at equal budget (same updates, batch, chains, optimizer).

    Returns
    -------
    dict
        kind -> :class:`RunResult`, for kinds ``"two_matrix"``, ``"rbm"`` (PCD) and
        ``"rbm_exact"`` (exact-gradient control).
    """
    params = default_settings(dataset, **overrides)
    results = {}
    for kind in kinds:
        settings = RunSettings(kind=kind, dataset=dataset, K=K, seed=seed, **params)
        results[kind] = run(settings, progress=progress)
    return results


def format_table(results: dict[str, RunResult]) -> str:
    """A plain-text table of the final numbers (what ``nelc-edu compare`` prints)."""
    cols = [
        ("log-lik train", "log_likelihood", "{:.3f}"),
        ("log-lik held", "log_likelihood_heldout", "{:.3f}"),
        ("sigma", "entropy_production", "{:.4f}"),
        ("noise floor", "ep_noise_floor", "{:.1e}"),
        ("mean diag T", "mean_self_transition", "{:.3f}"),
        ("class KL", "class_kl", "{:.4f}"),
        ("time [s]", None, "{:.1f}"),
    ]
    name_w = max(len(KIND_LABELS[k]) for k in results) + 2
    head = "model".ljust(name_w) + "".join(f"{c[0]:>14s}" for c in cols)
    lines = [head, "-" * len(head)]
    for kind, res in results.items():
        row = KIND_LABELS[kind].ljust(name_w)
        for _, key, fmt in cols:
            v = res.wall_time if key is None else res.final[key]
            row += f"{fmt.format(v):>14s}"
        lines.append(row)
    any_res = next(iter(results.values()))
    s = any_res.settings
    lines.append("")
    lines.append(
        f"{s.dataset}, K = {s.K}, seed {s.seed}: {s.n_updates} RMSprop updates "
        f"(learning rate {s.learning_rate:g}), minibatch {s.batch_size}, {s.n_chains} "
        "persistent chains for the PCD models. sigma = latent entropy production per step "
        "(nats), with its noise floor; compare mean diag T with 1/K = "
        f"{1 / s.K:.3f}. Class KL: {s.kl_chains} chains from random latent states, "
        f"burn-in {s.kl_burn_in}, {s.kl_steps} steps; labeller held-out accuracy "
        f"{any_res.labeller_heldout_accuracy:.3f}."
    )
    cyc = results.get("two_matrix")
    if cyc is not None and cyc.final.get("dominant_cycle"):
        states = cyc.final["dominant_cycle"]
        lines.append(
            "Dominant latent cycle of the two-matrix model: "
            + " -> ".join(map(str, [*states, states[0]]))
            + f" (bottleneck current {cyc.final['dominant_cycle_current']:.2e})."
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ along a run's checkpoints
def checkpoint_threshold(record: dict[str, Any], n_se: float = 3.0) -> float:
    """Current threshold of a checkpoint record: ``n_se`` null standard errors of its currents.

    The one rule, :func:`nelc_edu.models.estimators.current_threshold`, applied to the
    ``T``, ``pi`` and ``current_se`` that :func:`diagnose` recorded (at ``n_se = 3`` it is the
    record's own ``current_threshold``): an edge counts as carrying a net current only above
    it, so a reversible model shows, correctly, no current at all. A record without
    standard errors gets the rounding level 1e-12.

    Examples
    --------
    >>> rec = {"T": np.full((2, 2), 0.5), "pi": np.full(2, 0.5),
    ...        "current_se": np.array([[0.0, 1e-3], [2e-3, 0.0]])}
    >>> checkpoint_threshold(rec)
    0.006
    """
    from .models.estimators import current_threshold

    se = record.get("current_se")
    if se is None:
        return 1e-12
    return current_threshold(record["T"], record["pi"], np.asarray(se, dtype=float), n_se)


def relaxation_times(run) -> np.ndarray:
    """Relaxation time ``-1/log|lambda_2|`` (steps) of the latent chain at each checkpoint.

    ``run`` is a :class:`RunResult` or a :class:`~nelc_edu.training.TrainingHistory`; the
    time comes from the transition matrix ``T`` recorded at each checkpoint
    (:func:`nelc_edu.markov.relaxation_time`), NaN where none was recorded.

    Examples
    --------
    >>> from nelc_edu.training import TrainingHistory
    >>> h = TrainingHistory(model=None, steps=[0], records=[
    ...     {"T": np.array([[0.9, 0.1], [0.1, 0.9]])}])
    >>> np.round(relaxation_times(h), 3)
    array([4.481])
    """
    from . import markov

    h = getattr(run, "history", run)
    return np.array([markov.relaxation_time(rec["T"]) if "T" in rec else math.nan
                     for rec in h.records], dtype=float)
