"""How faithful is a persistent-chain gradient? Its cosine with a reference gradient.

PCD estimates the model term of the log-likelihood gradient from a few persistent chains.
That estimate is only as good as the chains' mixing: when the one-hot RBM's components
sharpen, its sampler freezes (diag T -> 1), the chains stop representing the model's
distribution, and the PCD gradient points the wrong way. The two-matrix model's chain keeps
circulating, and its two-step gradient stays aligned with the true one. This module measures
that along training (``docs/theory.md``, "Why PCD fails the RBM"):

* :func:`reference_gradient`: the one-hot RBM's exact gradient; for the two-matrix model the
  two-step gradient computed with T, pi and the expectations from a large Monte Carlo
  sample (exact given that estimate of T) or by enumeration when N <= 20;
* :func:`pcd_gradient_cosine`: the cosine between the average of a few PCD gradients, taken
  from a *copy* of the training chains at fixed parameters, and the reference;
* :func:`compare_gradient_estimators`: the exact gradient beside stratified Monte Carlo and
  persistent-chain estimates of it, over sample sizes and repeats (notebook 06).

Examples
--------
>>> import numpy as np
>>> from nelc_edu.models import TwoMatrixModel
>>> X = (np.random.default_rng(0).random((50, 6)) < 0.4).astype(np.uint8)
>>> model = TwoMatrixModel.random(3, 6, scale=1.0, seed=0)
>>> chains = model.init_chains(2000, seed=0)
>>> for _ in range(20):                    # let the chains reach the model's chain
...     _ = model.pcd_gradient(X, chains)
>>> round(pcd_gradient_cosine(model, chains, X, n_steps=5), 1)   # well-mixed: aligned
1.0
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ._validation import check_positive_int

__all__ = ["cosine", "reference_gradient", "pcd_gradient_cosine", "EstimatorComparison",
           "compare_gradient_estimators", "checkpoint_matrix", "FidelityCurves",
           "fidelity_curves", "RuleComparison", "rule_comparison"]


def cosine(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """Cosine between two gradients (dicts of arrays), over the parameters they share.

    Examples
    --------
    >>> cosine({"w": np.array([1.0, 0.0])}, {"w": np.array([1.0, 1.0]), "c": np.ones(3)})
    0.7071067811865475
    """
    names = sorted(set(a) & set(b))
    if not names:
        raise ValueError("the two gradients share no parameter name.")
    u = np.concatenate([np.ravel(a[k]) for k in names])
    v = np.concatenate([np.ravel(b[k]) for k in names])
    norm = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(u @ v) / norm if norm > 0 else math.nan


def reference_gradient(model, X, *, n_samples: int = 2000, seed=None) -> dict[str, np.ndarray]:
    """The gradient a PCD estimate should approximate.

    One-hot RBM: its exact gradient (closed form at any N). Two-matrix model: the two-step
    gradient with every expectation over ``x ~ p(.|z)`` by enumeration (N <= 20) or by
    Monte Carlo with ``n_samples`` draws per component (then exact given that estimate).
    """
    if hasattr(model, "latent_marginal"):  # the one-hot RBM
        return model.gradient(X)
    return model.gradient(X, n_samples=n_samples, seed=seed)


def pcd_gradient_cosine(
    model,
    chains,
    X,
    *,
    n_steps: int = 10,
    reference: Mapping[str, np.ndarray] | None = None,
    n_samples: int = 2000,
    seed=None,
    stationary_term: str = "exact",
) -> float:
    """Cosine between the PCD gradient from ``chains`` and :func:`reference_gradient`.

    The chains are copied (training is not disturbed) and advanced ``n_steps`` times at the
    model's current parameters; the PCD gradients of these steps, on the whole of ``X``,
    are averaged (averaging removes most of the sampling noise, not the error of chains
    that do not mix).

    Parameters
    ----------
    model
        A :class:`~nelc_edu.models.TwoMatrixModel` or :class:`~nelc_edu.models.OneHotRBM`.
    chains
        The persistent chains of training (``model.init_chains``); left untouched.
    X : array (n, N) of 0/1
        The data the gradients are taken on.
    n_steps : int
        PCD steps averaged.
    reference : dict, optional
        A precomputed reference gradient on ``X``.
    n_samples, seed
        Monte Carlo budget and randomness of the two-matrix model's reference.
    stationary_term : {"exact", "one_step"}
        Two-matrix model: the rule of the PCD gradient (``"one_step"``: the truncated rule,
        so that the cosine measures the truncation and the chains together). The reference
        is always the exact rule.

    Returns
    -------
    float
        1 for a perfectly aligned gradient, 0 for an orthogonal one.
    """
    n_steps = check_positive_int(n_steps, "n_steps")
    if reference is None:
        reference = reference_gradient(model, X, n_samples=n_samples, seed=seed)
    chains = copy.deepcopy(chains)
    rule = {} if stationary_term == "exact" else {"stationary_term": stationary_term}
    total: dict[str, np.ndarray] = {}
    for _ in range(n_steps):
        for name, g in model.pcd_gradient(X, chains, **rule).items():
            total[name] = total.get(name, 0.0) + g
    return cosine(total, reference)


class EstimatorComparison(NamedTuple):
    """Gradient estimates of one model from three estimators (flattened W, c, U, b).

    Attributes
    ----------
    exact : numpy.ndarray
        The exact gradient (P,).
    mc_sizes : numpy.ndarray
        Samples per latent state ``S`` of the stratified Monte Carlo runs.
    mc : numpy.ndarray
        (len(mc_sizes), n_repeats, P) Monte Carlo estimates.
    pcd_sizes : numpy.ndarray
        Numbers of persistent chains ``C``.
    pcd : numpy.ndarray
        (len(pcd_sizes), n_repeats, P) persistent-chain estimates.
    K : int
        Number of latent states (MC draws ``K * S`` visible samples per estimate).
    slices : dict
        Where each parameter array sits in the flat vector.
    shapes : dict
        Shape of each parameter array.
    """

    exact: np.ndarray
    mc_sizes: np.ndarray
    mc: np.ndarray
    pcd_sizes: np.ndarray
    pcd: np.ndarray
    K: int
    slices: dict[str, slice]
    shapes: dict[str, tuple[int, ...]]


def _flatten(g: Mapping[str, np.ndarray]) -> np.ndarray:
    from .finite_differences import PARAM_NAMES

    return np.concatenate([np.asarray(g[k]).ravel() for k in PARAM_NAMES])


def _pcd_estimates(model, X, n_chains, n_repeats: int, burn_in: int, rng) -> np.ndarray:
    """(len(n_chains), n_repeats, P): one PCD gradient from fresh chains after ``burn_in``."""
    P = model.decoder_probs()
    pcd = []
    for C in n_chains:
        row = []
        for _ in range(n_repeats):
            chains = model.init_chains(int(C), seed=int(rng.integers(2**62)))
            for _ in range(int(burn_in)):
                chains.advance(P, model.W, model.c)
            row.append(_flatten(model.pcd_gradient(X, chains)))
        pcd.append(row)
    return np.array(pcd)


def compare_gradient_estimators(
    model, X, *, n_samples: Sequence[int] = (10, 30, 100, 300, 1000),
    n_chains: Sequence[int] = (30, 100, 300, 1000, 3000), n_repeats: int = 10,
    burn_in: int = 30, seed: int = 0,
) -> EstimatorComparison:
    """Exact, stratified Monte Carlo and persistent-chain estimates of the gradient.

    * Monte Carlo: ``model.gradient(X, method="mc", n_samples=S, seed=...)`` (``K S``
      visible samples per estimate), ``n_repeats`` independent seeds per ``S``;
    * persistent chains: ``n_repeats`` independent sets of ``C`` chains, each run
      ``burn_in`` steps at the fixed parameters, then one ``model.pcd_gradient(X, chains)``
      (its ``T`` is the running average of the last ~10 steps).

    The whole of ``X`` is the batch, so the data term is the same for every estimator and
    all the differences come from the stationary (two-step) term. The figure is
    :func:`nelc_edu.plotting.latent.plot_estimator_comparison`.

    Returns
    -------
    EstimatorComparison

    Examples
    --------
    >>> from nelc_edu.models import TwoMatrixModel
    >>> m = TwoMatrixModel.random(3, 5, scale=1.0, seed=0)
    >>> X = np.eye(5, dtype=np.uint8)
    >>> cmp = compare_gradient_estimators(m, X, n_samples=[10], n_chains=[20], n_repeats=2)
    >>> cmp.mc.shape, cmp.pcd.shape
    ((1, 2, 38), (1, 2, 38))
    """
    from .finite_differences import PARAM_NAMES

    X = np.asarray(X)
    exact_g = model.gradient(X, method="exact")
    shapes = {k: tuple(np.shape(exact_g[k])) for k in PARAM_NAMES}
    slices, start = {}, 0
    for k in PARAM_NAMES:
        size = int(np.prod(shapes[k]))
        slices[k] = slice(start, start + size)
        start += size
    R = int(n_repeats)
    rng = np.random.default_rng(seed)
    mc = np.array([[_flatten(model.gradient(X, method="mc", n_samples=int(S),
                                            seed=int(rng.integers(2**62))))
                    for _ in range(R)] for S in n_samples])
    pcd = _pcd_estimates(model, X, n_chains, R, burn_in, rng)
    return EstimatorComparison(_flatten(exact_g), np.asarray(n_samples), mc,
                               np.asarray(n_chains), pcd, model.K, slices, shapes)


def _value(v) -> float:
    return math.nan if v is None else float(v)


def checkpoint_matrix(records: Sequence[Mapping], key: str) -> tuple[np.ndarray, np.ndarray]:
    """A diagnostic along training for several runs: ``(steps, values)``.

    ``values[r, c]`` is ``key`` at checkpoint ``c`` of run ``r`` (NaN where it was not
    measured). The runs must share their checkpoints (same ``n_updates`` and
    ``n_checkpoints``), as the runs of one sweep do.

    Examples
    --------
    >>> recs = [{"history": {"steps": [0, 10], "records": [{"c": 1.0}, {"c": v}]}}
    ...         for v in (0.5, None)]
    >>> steps, values = checkpoint_matrix(recs, "c")
    >>> steps.tolist(), values.tolist()
    ([0, 10], [[1.0, 0.5], [1.0, nan]])
    """
    records = list(records)
    if not records:
        raise ValueError("no records: pass the runs of a sweep (load_shipped_results).")
    steps = np.asarray(records[0]["history"]["steps"])
    rows = []
    for rec in records:
        h = rec["history"]
        if not np.array_equal(np.asarray(h["steps"]), steps):
            raise ValueError("the runs do not share their checkpoints (different n_updates or "
                             "n_checkpoints): compare runs of one sweep.")
        rows.append([_value(r.get(key)) for r in h["records"]])
    return steps, np.array(rows, dtype=float)


class FidelityCurves(NamedTuple):
    """Gradient fidelity and mean self-transition along training, one row per run.

    Attributes
    ----------
    steps : numpy.ndarray
        (C,) parameter updates at the checkpoints.
    cosine : numpy.ndarray
        (R, C) cosine between the PCD gradient and the reference (NaN where not measured).
    self_transition : numpy.ndarray
        (R, C) mean diag T of the estimated latent chain.
    seeds : numpy.ndarray
        (R,) the runs' seeds, increasing.
    """

    steps: np.ndarray
    cosine: np.ndarray
    self_transition: np.ndarray
    seeds: np.ndarray


def _select(records, kind: str, stationary_term: str | None) -> list:
    sel = [r for r in records if r["settings"]["kind"] == kind
           and (stationary_term is None or kind != "two_matrix"
                or r["settings"].get("stationary_term", "exact") == stationary_term)
           and not float(r["settings"].get("tie_penalty", 0.0) or 0.0)]
    return sorted(sel, key=lambda r: int(r["settings"]["seed"]))


def fidelity_curves(records: Sequence[Mapping], kind: str = "rbm", *,
                    stationary_term: str = "exact") -> FidelityCurves:
    """The gradient-fidelity curves of one model kind in a sweep (``history`` key
    ``pcd_gradient_cosine``, recorded when ``RunSettings.fidelity_steps > 0``).

    Parameters
    ----------
    records : sequence of dict
        Sweep records (e.g. ``load_shipped_results("gradients_digits")``).
    kind : {"rbm", "two_matrix"}
        The PCD-trained kind to follow (the exact-gradient RBM has no PCD gradient).
    stationary_term : {"exact", "one_step"}
        Two-matrix runs: which training rule (runs with a tie penalty are left out).

    Examples
    --------
    >>> recs = [{"settings": {"kind": "rbm", "seed": s},
    ...          "history": {"steps": [0, 5], "records": [
    ...              {"pcd_gradient_cosine": 1.0, "mean_self_transition": 0.1},
    ...              {"pcd_gradient_cosine": c, "mean_self_transition": 0.9}]}}
    ...         for s, c in ((1, 0.2), (0, 0.4))]
    >>> fc = fidelity_curves(recs)
    >>> fc.seeds.tolist(), fc.cosine[:, -1].tolist()
    ([0, 1], [0.4, 0.2])
    """
    sel = _select(records, kind, stationary_term)
    if not sel:
        raise ValueError(f"no {kind!r} runs among the records"
                         + (f" with stationary_term={stationary_term!r}"
                            if kind == "two_matrix" else "") + ".")
    steps, cos = checkpoint_matrix(sel, "pcd_gradient_cosine")
    if np.isnan(cos).all():
        raise ValueError(f"the {kind!r} runs recorded no gradient fidelity: train them with "
                         "RunSettings(fidelity_steps=10) (scripts/reproduce_gradients.py).")
    _, diag = checkpoint_matrix(sel, "mean_self_transition")
    return FidelityCurves(steps, cos, diag, np.array([int(r["settings"]["seed"]) for r in sel]))


class RuleComparison(NamedTuple):
    """The two-matrix model trained with the exact and the one-step rule, seed by seed.

    Attributes
    ----------
    seeds : numpy.ndarray
        Seeds trained with both rules, increasing.
    exact, one_step : dict of str to numpy.ndarray
        Final diagnostics per seed (``log_likelihood``, ``log_likelihood_heldout``,
        ``entropy_production``, ``ep_noise_floor``, ``mean_self_transition``).
    """

    seeds: np.ndarray
    exact: dict[str, np.ndarray]
    one_step: dict[str, np.ndarray]


_RULE_METRICS = ("log_likelihood", "log_likelihood_heldout", "entropy_production",
                 "ep_noise_floor", "mean_self_transition")


def rule_comparison(records: Sequence[Mapping]) -> RuleComparison:
    """Pair the exact-rule and one-step-rule two-matrix runs of a sweep by seed.

    Examples
    --------
    >>> recs = [{"settings": {"kind": "two_matrix", "seed": s, "stationary_term": rule},
    ...          "final": {"log_likelihood": ll}}
    ...         for s, rule, ll in [(0, "exact", -19.0), (0, "one_step", -20.0),
    ...                             (1, "exact", -19.5)]]
    >>> rc = rule_comparison(recs)
    >>> rc.seeds.tolist(), rc.exact["log_likelihood"], rc.one_step["log_likelihood"]
    ([0], array([-19.]), array([-20.]))
    """
    by_rule: dict[str, dict[int, Mapping]] = {"exact": {}, "one_step": {}}
    for rule in by_rule:
        for rec in _select(records, "two_matrix", rule):
            by_rule[rule][int(rec["settings"]["seed"])] = rec
    seeds = sorted(set(by_rule["exact"]) & set(by_rule["one_step"]))
    if not seeds:
        raise ValueError("no seed was trained with both rules: sweep with "
                         "stationary_terms=('exact', 'one_step') (scripts/reproduce_gradients.py).")

    def table(rule):
        return {m: np.array([_value(by_rule[rule][s]["final"].get(m)) for s in seeds])
                for m in _RULE_METRICS}

    return RuleComparison(np.array(seeds), table("exact"), table("one_step"))
