"""Compile (and cache) every Numba kernel once, on tiny inputs.

Used by ``nelc-edu warmup`` and by ``binder/postBuild`` so that students on Binder never wait
for the compiler. Returns the names of what it exercised (nothing without Numba: the NumPy
backend has nothing to compile).
"""

from __future__ import annotations


def warmup() -> list[str]:
    """Call every kernel entry point once on a tiny problem; return their names.

    Runs with the Numba backend whatever the current choice (and restores that choice).

    Examples
    --------
    >>> names = warmup()  # doctest: +SKIP
    """
    from . import _backend

    if not _backend.numba_available():
        return []
    saved = _backend._chosen
    _backend.set_backend("numba")
    try:
        return _compile_everything()
    finally:
        _backend._chosen = saved


def _compile_everything() -> list[str]:
    import numpy as np

    from . import markov
    from .models.binary_rbm import BinaryRBM
    from .models.onehot_rbm import OneHotRBM
    from .models.two_matrix import TwoMatrixModel
    from .training import train

    done = []
    T = markov.driven_ring(3, affinity=1.0)
    markov.simulate(T, 10, seed=0, n_chains=2)
    done.append("markov.simulate")

    X = (np.random.default_rng(0).random((20, 6)) < 0.5).astype(np.uint8)
    for model in (TwoMatrixModel.random(3, 6, seed=0), OneHotRBM.random(3, 6, seed=0)):
        model.sample(4, 3, seed=0, return_visible=True)
        train(model, X, method="pcd", n_updates=2, batch_size=5, n_chains=4, seed=0,
              progress=False)
        done.append(f"{type(model).__name__}: sample, pcd_gradient")

    rbm = BinaryRBM.random(3, 6, seed=0)
    rbm.gibbs(4, 3, seed=0)
    for method in ("pcd", "cd"):
        train(rbm, X, method=method, n_updates=2, batch_size=5, n_chains=4, seed=0,
              progress=False)
    done.append("BinaryRBM: gibbs, cd, pcd")
    return done
