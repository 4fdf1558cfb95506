"""The reversibility dial: one family of models moved continuously toward equilibrium.

The paper's abstract says that models which develop cycles "avoid the low-log-likelihood
regime associated with nearly reversible dynamics". Comparing model *kinds* (the two-matrix
model against RBMs) mixes that claim with everything else that differs between them. The
tie penalty ``-(lambda/2) sum (U - W^T)^2`` (:meth:`TwoMatrixModel.tie_penalty
<nelc_edu.models.TwoMatrixModel.tie_penalty>`) moves **one** family instead: lambda = 0 is the
free two-matrix model, a large lambda pins the decoder to the encoder (a near-RBM trained by
the same two-step rule). A sweep over lambda and seeds (``nelc-edu sweep --tie-penalty
0,1e-4,...``; ``scripts/reproduce_dial.py``) gives, for every run, its log-likelihood, its
entropy production and its mean self-transition; this module gathers them and measures the
within-family relation with a rank correlation (``docs/theory.md``, section 10).

Examples
--------
>>> recs = [{"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": 0},
...          "final": {"log_likelihood": ll, "entropy_production": s,
...                    "ep_noise_floor": 1e-6, "mean_self_transition": d}}
...         for lam, ll, s, d in [(0.0, -19.2, 0.4, 0.03), (1e-3, -20.1, 3e-3, 0.8),
...                               (1.0, -22.3, 1e-5, 0.4)]]
>>> table = dial_table(recs)
>>> table["tie_penalty"].tolist()
[0.0, 0.001, 1.0]
>>> round(rank_correlation(table["entropy_production"], table["log_likelihood"]), 2)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["rank_correlation", "dial_table", "within_family", "format_dial_summary",
           "DialCurve", "tie_penalties", "dial_by_lambda", "find_run"]

#: Final diagnostics gathered for every run.
DIAL_METRICS = ("log_likelihood", "log_likelihood_heldout", "entropy_production",
                "ep_noise_floor", "mean_self_transition", "class_kl")


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1, ties sharing their average rank."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=float)
    for value in np.unique(x):
        tied = x == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks


def rank_correlation(x, y) -> float:
    """Spearman's rank correlation of two samples (ties get their average rank).

    +1: y grows whenever x grows; -1: y falls whenever x grows; near 0: no monotone relation.
    NaN entries are dropped in pairs.

    Examples
    --------
    >>> rank_correlation([1, 2, 3, 4], [10, 20, 25, 100])
    1.0
    >>> rank_correlation([1, 2, 3, 4], [4, 3, 2, 1])
    -1.0
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of the same length; got {x.shape}, {y.shape}.")
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        raise ValueError(f"a rank correlation needs at least 3 pairs; got {int(ok.sum())}.")
    rx, ry = _ranks(x[ok]), _ranks(y[ok])
    rx -= rx.mean()
    ry -= ry.mean()
    den = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / den if den > 0 else math.nan


def _num(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, str):
        return {"inf": math.inf, "-inf": -math.inf}.get(v, math.nan)
    return float(v)


def dial_table(records: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """One row per run: ``kind``, ``tie_penalty``, ``seed`` and the :data:`DIAL_METRICS`.

    RBM runs (no tie penalty) are kept, with ``tie_penalty`` NaN, so that figures can show
    them beside the family. Rows are sorted by kind, then lambda, then seed.
    """
    rows = []
    for rec in records:
        s, f = rec["settings"], rec["final"]
        lam = float(s.get("tie_penalty", 0.0)) if s["kind"] == "two_matrix" else math.nan
        metrics = (_num(f.get(m)) for m in DIAL_METRICS)
        rows.append((s["kind"], lam, int(s.get("seed", 0)), *metrics))
    if not rows:
        raise ValueError("no records: run the sweep first (scripts/reproduce_dial.py).")
    rows.sort(key=lambda r: (r[0], -math.inf if math.isnan(r[1]) else r[1], r[2]))
    cols = list(zip(*rows, strict=True))
    table = {"kind": np.array(cols[0]), "tie_penalty": np.array(cols[1], dtype=float),
             "seed": np.array(cols[2], dtype=int)}
    for name, col in zip(DIAL_METRICS, cols[3:], strict=True):
        table[name] = np.array(col, dtype=float)
    table["measured"] = table["entropy_production"] > 3 * table["ep_noise_floor"]
    return table


def within_family(
    table: Mapping[str, np.ndarray], x: str = "entropy_production", y: str = "log_likelihood"
) -> tuple[float, int]:
    """Rank correlation of ``y`` with ``x`` over the two-matrix runs (every lambda, every
    seed): ``(rho, number of runs)``.

    Examples
    --------
    >>> t = {"kind": np.array(["two_matrix"] * 3 + ["rbm"]),
    ...      "entropy_production": np.array([0.1, 0.2, 0.3, 0.0]),
    ...      "log_likelihood": np.array([-3.0, -2.0, -1.0, -5.0])}
    >>> within_family(t)
    (1.0, 3)
    """
    fam = np.asarray(table["kind"]) == "two_matrix"
    return rank_correlation(table[x][fam], table[y][fam]), int(fam.sum())


def format_dial_summary(table: Mapping[str, np.ndarray]) -> str:
    """A plain-text summary: per lambda (and per RBM kind) the mean and spread over seeds,
    then the within-family rank correlations."""
    lines = [f"{'model':<26}{'runs':>5}{'log-lik train':>17}{'sigma':>20}{'>3 floors':>11}"
             f"{'mean diag T':>15}"]
    keys = []
    for kind, lam in zip(table["kind"], table["tie_penalty"], strict=True):
        key = (kind, None if math.isnan(lam) else float(lam))
        if key not in keys:
            keys.append(key)
    for kind, lam in keys:
        sel = np.asarray(table["kind"]) == kind
        if lam is not None:
            sel &= table["tie_penalty"] == lam
        name = f"two-matrix, lambda = {lam:g}" if lam is not None else kind
        ll, sg, dg = (table[m][sel] for m in ("log_likelihood", "entropy_production",
                                               "mean_self_transition"))
        lines.append(f"{name:<26}{int(sel.sum()):>5}{ll.mean():>10.2f} ± {ll.std():<5.2f}"
                     f"{np.median(sg):>12.2e} (med){int(table['measured'][sel].sum()):>6}/"
                     f"{int(sel.sum()):<4}{dg.mean():>9.3f} ± {dg.std():.3f}")
    n_family = int(np.sum(np.asarray(table["kind"]) == "two_matrix"))
    if n_family < 3:
        lines.append(f"({n_family} two-matrix runs: too few for a rank correlation)")
        return "\n".join(lines)
    for x, label in (("entropy_production", "sigma"), ("mean_self_transition", "mean diag T")):
        rho, n = within_family(table, x, "log_likelihood")
        lines.append(f"within the two-matrix family ({n} runs): rank correlation of the "
                     f"log-likelihood with {label} = {rho:+.2f}")
    return "\n".join(lines)


class DialCurve(NamedTuple):
    """One metric of the two-matrix family against the tie penalty (:func:`dial_by_lambda`).

    Attributes
    ----------
    tie_penalty : numpy.ndarray
        The distinct lambdas of the family, increasing.
    median, low, high : numpy.ndarray
        Median, smallest and largest value over the seeds of each lambda.
    n_runs : numpy.ndarray
        Runs with a finite value at each lambda.
    """

    tie_penalty: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_runs: np.ndarray


def tie_penalties(table: Mapping[str, np.ndarray]) -> list[float]:
    """The distinct lambdas of the two-matrix runs of a :func:`dial_table`, increasing.

    Examples
    --------
    >>> t = {"kind": np.array(["two_matrix", "two_matrix", "rbm", "two_matrix"]),
    ...      "tie_penalty": np.array([1e-2, 0.0, np.nan, 1e-2])}
    >>> tie_penalties(t)
    [0.0, 0.01]
    """
    fam = np.asarray(table["kind"]) == "two_matrix"
    return sorted({float(v) for v in np.asarray(table["tie_penalty"], float)[fam]})


def dial_by_lambda(table: Mapping[str, np.ndarray],
                   metric: str = "log_likelihood") -> DialCurve:
    """Median and range over seeds of ``metric`` at each lambda of the two-matrix family.

    Works with any grid of lambdas and any number of seeds (RBM rows are ignored; NaN
    values are left out of a lambda's summary).

    Examples
    --------
    >>> t = {"kind": np.array(["two_matrix"] * 4 + ["rbm"]),
    ...      "tie_penalty": np.array([0.0, 0.0, 1.0, 1.0, np.nan]),
    ...      "log_likelihood": np.array([-19.0, -20.0, -23.0, np.nan, -21.0])}
    >>> c = dial_by_lambda(t)
    >>> c.tie_penalty.tolist(), c.median.tolist(), c.n_runs.tolist()
    ([0.0, 1.0], [-19.5, -23.0], [2, 1])
    """
    if metric not in table:
        raise ValueError(f"metric {metric!r} is not a column of the table; columns: "
                         f"{sorted(table)}.")
    fam = np.asarray(table["kind"]) == "two_matrix"
    lams = tie_penalties(table)
    if not lams:
        raise ValueError("the table has no two-matrix runs: nothing to summarise per lambda.")
    values = np.asarray(table[metric], float)
    lam_col = np.asarray(table["tie_penalty"], float)
    med, lo, hi, n = [], [], [], []
    for lam in lams:
        v = values[fam & (lam_col == lam)]
        v = v[np.isfinite(v)]
        n.append(v.size)
        med.append(float(np.median(v)) if v.size else math.nan)
        lo.append(float(v.min()) if v.size else math.nan)
        hi.append(float(v.max()) if v.size else math.nan)
    return DialCurve(np.array(lams), np.array(med), np.array(lo), np.array(hi),
                     np.array(n, dtype=int))


def find_run(records: Sequence[Mapping[str, Any]], kind: str = "two_matrix",
             tie_penalty: float | None = None, seed: int | None = None) -> Mapping[str, Any]:
    """The record of one run of a dial sweep: a kind, a lambda (two-matrix runs) and a seed.

    ``seed=None`` takes the smallest seed present for that kind and lambda.

    Examples
    --------
    >>> recs = [{"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": s}}
    ...         for lam in (0.0, 1.0) for s in (3, 4)]
    >>> find_run(recs, tie_penalty=1.0)["settings"]
    {'kind': 'two_matrix', 'tie_penalty': 1.0, 'seed': 3}
    """
    def matches(rec) -> bool:
        s = rec["settings"]
        if s["kind"] != kind:
            return False
        if kind == "two_matrix" and tie_penalty is not None:
            return float(s.get("tie_penalty", 0.0)) == float(tie_penalty)
        return True

    found = sorted((r for r in records if matches(r)), key=lambda r: int(r["settings"]["seed"]))
    if seed is not None:
        found = [r for r in found if int(r["settings"]["seed"]) == int(seed)]
    if not found:
        what = f"kind {kind!r}" + (f", lambda {tie_penalty:g}" if tie_penalty is not None
                                   and kind == "two_matrix" else "")
        raise ValueError(f"no run with {what}" + (f" and seed {seed}" if seed is not None
                                                  else "") + " among the records.")
    return found[0]
