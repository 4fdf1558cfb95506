"""Latent-variable models: the two-matrix model, the one-hot RBM, and their shared machinery.

* :class:`TwoMatrixModel`: encoder (W, c) and decoder (U, b) with independent parameters,
  the nonequilibrium model of Baiesi & Rosso (arXiv:2512.11415);
* :class:`OneHotRBM`: the tied special case ``U = W.T``, an equilibrium model;
* :class:`LatentChainModel`: their common base (latent chain, estimators, sampling);
* :mod:`~nelc_edu.models.exact` (enumeration) and :mod:`~nelc_edu.models.estimators`
  (Monte Carlo over the decoder's components, entropy production with its noise floor);
* :mod:`~nelc_edu.models.sampling` (running the latent chains) and
  :mod:`~nelc_edu.models.pcd` (persistent chains and the PCD gradients).

Examples
--------
>>> from nelc_edu.models import OneHotRBM
>>> rbm = OneHotRBM.random(3, 4, scale=1.0, seed=0)
>>> tm = rbm.as_two_matrix()
>>> bool(np.allclose(rbm.latent_transition_matrix(), tm.latent_transition_matrix()))
True
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np  # noqa: F401  (used by the doctest above)

from .base import ChainSample, LatentChainModel
from .estimators import (
    EntropyProductionEstimate,
    component_samples,
    entropy_production_from_log_T,
    entropy_production_with_floor,
)
from .exact import N_MAX_EXACT, all_binary_states
from .onehot_rbm import OneHotRBM
from .two_matrix import TwoMatrixModel

# Written by other modules of the package; resolved on first access.
_LAZY = {"BinaryRBM": "nelc_edu.models.binary_rbm"}

__all__ = [
    "N_MAX_EXACT",
    "ChainSample",
    "EntropyProductionEstimate",
    "LatentChainModel",
    "OneHotRBM",
    "TwoMatrixModel",
    "all_binary_states",
    "entropy_production_from_log_T",
    "entropy_production_with_floor",
    "component_samples",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nelc_edu.models' has no attribute {name!r}")
