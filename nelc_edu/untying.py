"""Untying the decoder: from a one-hot RBM (reversible) to a two-matrix model (notebook 05).

A one-hot RBM is a two-matrix model whose decoder is tied to its encoder, ``U = W.T``; its
latent chain obeys detailed balance. Moving the decoder away,
``U = (1 - a) W.T + a U_target``, breaks it: currents and entropy production appear
(``docs/theory.md``, "Untying breaks detailed balance generically, but not necessarily").

* :func:`prototype_model` is the course's running example: K = 4 latent states, N = 9 pixels
  (every quantity exact), built on the four 3x3 prototypes (plus, cross, ring, tee);
* :func:`interpolate_decoder` moves any tied model's decoder towards a target;
* :func:`untying_sweep` computes latent and path entropy production along that path;
* :func:`random_entropy_productions` shows the log-sum inequality ``path >= latent`` over
  many random untied models.

Every quantity is exact (``method="exact"``, enumeration of the 2^N visible states), so the
models must be small (N <= 20). The figures are in :mod:`nelc_edu.plotting.latent`.

Examples
--------
>>> from nelc_edu.untying import prototype_model
>>> prototype_model(0.0).entropy_production() < 1e-12      # tied: an RBM
True
>>> prototype_model(1.0, decoder="shifted").entropy_production() > 1.0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "prototype_model",
    "interpolate_decoder",
    "UntyingSweep",
    "untying_sweep",
    "random_entropy_productions",
]

_DECODERS = ("random", "shifted")


def interpolate_decoder(model, U_target, a: float):
    """The two-matrix model with decoder ``U = (1 - a) W.T + a U_target`` (encoder unchanged).

    ``a = 0`` is the tied model (a one-hot RBM), ``a = 1`` has decoder ``U_target``.

    Parameters
    ----------
    model : TwoMatrixModel or OneHotRBM
        Provides the encoder ``W, c`` and the visible bias ``b``.
    U_target : array (N, K)
        The decoder reached at ``a = 1``.
    a : float in [0, 1]

    Returns
    -------
    TwoMatrixModel

    Examples
    --------
    >>> from nelc_edu.models import OneHotRBM
    >>> rbm = OneHotRBM.random(3, 4, scale=1.0, seed=0)
    >>> interpolate_decoder(rbm, np.zeros((4, 3)), 0.0).is_tied
    True
    """
    from .models import TwoMatrixModel

    a = float(a)
    if not 0.0 <= a <= 1.0:
        raise ValueError(f"a interpolates between tied (0) and untied (1); got a = {a}.")
    W = np.asarray(model.W, dtype=np.float64)
    U_target = np.asarray(U_target, dtype=np.float64)
    if U_target.shape != W.T.shape:
        raise ValueError(f"U_target must have shape (N, K) = {W.T.shape}; got {U_target.shape}.")
    U = W.T.copy() if a == 0.0 else (1.0 - a) * W.T + a * U_target
    return TwoMatrixModel(W, model.c, U, model.b)


def _prototype_parts(beta: float, decoder: str, seed: int):
    """The tied prototype model (a one-hot RBM) and the decoder reached at ``a = 1``."""
    from .datasets.toy import PROTOTYPES_3X3
    from .models import OneHotRBM

    if decoder not in _DECODERS:
        raise ValueError(f"decoder must be one of {_DECODERS}; got {decoder!r}.")
    P = PROTOTYPES_3X3.astype(np.float64)
    W = float(beta) * (2.0 * P - 1.0)
    # c balances the Boltzmann marginal P(z) ∝ exp(c_z) prod_i (1 + exp(W_zi)): uniform
    c = -np.logaddexp(0.0, W).sum(axis=1)
    rbm = OneHotRBM(W, c - c.mean(), np.zeros(W.shape[1]))
    if decoder == "shifted":
        U_target = np.roll(W.T, -1, axis=1)  # column z draws prototype z + 1
    else:
        U_target = float(beta) * np.random.default_rng(seed).standard_normal(W.T.shape)
    return rbm, U_target


def prototype_model(
    a: float = 0.0, *, decoder: str = "random", beta: float = 2.0, seed: int = 0
):
    """A 4-state, 9-pixel two-matrix model built on the 3x3 prototypes (plus, cross, ring, tee).

    The encoder is ``W[z] = beta (2 p_z - 1)`` (``p_z`` the z-th prototype of
    :data:`nelc_edu.datasets.toy.PROTOTYPES_3X3`), ``b = 0``, and
    ``c_z = -sum_i log(1 + exp(W[z, i]))`` (up to a constant), which makes the tied model's
    Boltzmann marginal ``P(z)`` uniform. At ``a = 0`` the decoder
    is tied, ``U = W.T``: a one-hot RBM whose component ``z`` is a noisy copy of prototype ``z``.
    The decoder then moves linearly to

    * ``decoder="random"``: ``beta`` times a standard normal (N, K) matrix drawn from ``seed``;
    * ``decoder="shifted"``: the tied decoder with its columns rotated, so that latent state
      ``z`` draws prototype ``z + 1`` (mod 4) and the encoder recognises it as ``z + 1``: a
      latent clock.

    Examples
    --------
    >>> m = prototype_model(0.5, decoder="shifted")
    >>> m.K, m.N, m.is_tied
    (4, 9, False)
    """
    rbm, U_target = _prototype_parts(beta, decoder, seed)
    return interpolate_decoder(rbm, U_target, a)


class UntyingSweep(NamedTuple):
    """Exact latent quantities along ``U = (1 - a) W.T + a U_target``.

    Attributes
    ----------
    a : numpy.ndarray
        The interpolation parameters.
    sigma : numpy.ndarray
        Latent (coarse-grained) entropy production per step, nats.
    path : numpy.ndarray
        Path entropy production of the triples ``(z, x, z')``, nats.
    mean_self : numpy.ndarray
        Mean self-transition ``mean(diag T)``.
    max_current : numpy.ndarray
        Largest net current ``max J_ij``.
    """

    a: np.ndarray
    sigma: np.ndarray
    path: np.ndarray
    mean_self: np.ndarray
    max_current: np.ndarray


def untying_sweep(
    a_values: Sequence[float] | None = None,
    *,
    decoder: str = "random",
    beta: float = 2.0,
    seed: int = 0,
) -> UntyingSweep:
    """Latent and path entropy production of :func:`prototype_model` for each ``a`` (exact).

    Parameters
    ----------
    a_values : sequence of float in [0, 1], optional
        Default: 21 values ``0, 0.05, ..., 1``.
    decoder, beta, seed
        As in :func:`prototype_model`.

    Returns
    -------
    UntyingSweep

    Examples
    --------
    >>> s = untying_sweep([0.0, 0.5, 1.0])
    >>> bool(s.sigma[0] < 1e-12), bool(np.all(s.path >= s.sigma - 1e-12))
    (True, True)
    """
    from . import markov

    a_values = np.linspace(0.0, 1.0, 21) if a_values is None else np.asarray(a_values, float)
    rbm, U_target = _prototype_parts(beta, decoder, seed)
    rows = []
    for a in a_values:
        m = interpolate_decoder(rbm, U_target, a)
        T = m.latent_transition_matrix("exact")
        pi = markov.stationary_distribution(T)
        J = markov.probability_currents(T, pi)
        rows.append((m.entropy_production("exact"), m.path_entropy_production("exact"),
                     float(np.mean(np.diag(T))), float(J.max())))
    sig, path, selft, jmax = (np.array(col) for col in zip(*rows, strict=True))
    return UntyingSweep(a_values, sig, path, selft, jmax)


def random_entropy_productions(
    n_models: int = 60, *, K: int = 3, N: int = 6,
    scales: Sequence[float] = (0.3, 0.6, 1.0, 1.5, 2.5), seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Latent and path entropy production of random untied models (exact).

    Model ``m`` is ``TwoMatrixModel.random(K, N, scale=scales[m % len(scales)])`` with
    seed ``seed + m``.

    Returns
    -------
    latent, path : numpy.ndarray
        Each of shape (n_models,).

    Examples
    --------
    >>> lat, path = random_entropy_productions(5)
    >>> bool(np.all(path >= lat))
    True
    """
    from .models import TwoMatrixModel

    lat, path = [], []
    for m in range(int(n_models)):
        model = TwoMatrixModel.random(K, N, scale=scales[m % len(scales)], seed=seed + m)
        lat.append(model.entropy_production("exact"))
        path.append(model.path_entropy_production("exact"))
    return np.array(lat), np.array(path)
