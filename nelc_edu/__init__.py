"""nelc_edu: nonequilibrium latent cycles, taught and reproduced.

A teaching package for the two-matrix latent-variable model of Baiesi & Rosso,
"Emergence of Nonequilibrium Latent Cycles in Unsupervised Generative Modeling",
arXiv:2512.11415 (2025), and its equilibrium reference, the restricted Boltzmann machine.

Importing the package is cheap: submodules (and Numba, matplotlib, networkx) load on
first use. Every computation has a NumPy implementation; when Numba is installed, compiled
kernels run instead (they compile on their first call, then come from the on-disk cache).
:func:`backend` says which one runs; :func:`set_backend` or the environment variable
``NELC_BACKEND=numpy|numba`` chooses.

Examples
--------
>>> import nelc_edu
>>> from nelc_edu import markov
>>> T = markov.driven_ring(3, affinity=0.0)
>>> markov.entropy_production(T) < 1e-12
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._backend import backend, set_backend  # noqa: F401  (public API)
from ._config import budget, fast_mode  # noqa: F401  (public API)

__version__ = "0.1.0"

_SUBMODULES = {
    "markov",
    "datasets",
    "models",
    "training",
    "classify",
    "io",
    "plotting",
    "widgets",
    "cli",
    "experiments",
    "sweeps",
    "editions",
    "untying",
    "finite_differences",
    "exact_training",
    "gradient_fidelity",
}

# Public names that live in submodules, resolved on first access.
_LAZY_ATTRS = {
    "TwoMatrixModel": "nelc_edu.models.two_matrix",
    "OneHotRBM": "nelc_edu.models.onehot_rbm",
    "BinaryRBM": "nelc_edu.models.binary_rbm",
    "load_digits": "nelc_edu.datasets",
    "load_mnist5k": "nelc_edu.datasets",
    "train": "nelc_edu.training",
    "compare": "nelc_edu.experiments",
    "fit_labeller": "nelc_edu.classify",
    "class_histogram_kl": "nelc_edu.classify",
    "save_model": "nelc_edu.io",
    "load_model": "nelc_edu.io",
}

__all__ = sorted(
    _SUBMODULES
    | set(_LAZY_ATTRS)
    | {"backend", "set_backend", "budget", "fast_mode", "__version__"}
)

if TYPE_CHECKING:  # pragma: no cover - for static type checkers only
    from . import classify, datasets, markov, models, plotting, training, widgets  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"nelc_edu.{name}")
        globals()[name] = module
        return module
    if name in _LAZY_ATTRS:
        value = getattr(importlib.import_module(_LAZY_ATTRS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nelc_edu' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
