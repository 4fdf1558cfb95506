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
  from a *copy* of the training chains at fixed parameters, and the reference.

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
from collections.abc import Mapping

import numpy as np

from ._validation import check_positive_int

__all__ = ["cosine", "reference_gradient", "pcd_gradient_cosine"]


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
