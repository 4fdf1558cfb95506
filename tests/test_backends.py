"""Backends: choosing one, working without Numba, and the two giving the same numbers.

Parity tests (marked ``numba``) run the same seeded computation on both backends: integers
(chains, samples) must be identical, floats equal to rounding.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import nelc_edu
from nelc_edu import _backend
from nelc_edu.models import OneHotRBM, TwoMatrixModel
from nelc_edu.models.binary_rbm import BinaryRBM
from nelc_edu.training import train


@pytest.fixture(autouse=True)
def _restore_backend():
    yield
    nelc_edu.set_backend("auto")


def _run(code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != _backend.ENV_VAR}
    return subprocess.run(
        [sys.executable, "-c", code], env={**environ, **env}, capture_output=True, text=True,
        timeout=600,
    )


def _data(N=9, n=60, seed=0):
    return (np.random.default_rng(seed).random((n, N)) < 0.4).astype(np.uint8)


# ----------------------------------------------------------------------------- choosing
def test_set_backend_and_backend(monkeypatch):
    monkeypatch.delenv("NELC_BACKEND", raising=False)
    nelc_edu.set_backend("numpy")
    assert nelc_edu.backend() == "numpy"
    assert _backend.resolve(None) == "numpy" and _backend.resolve("numpy") == "numpy"
    nelc_edu.set_backend("auto")
    assert nelc_edu.backend() == ("numba" if _backend.numba_available() else "numpy")
    with pytest.raises(ValueError, match="backend must be one of"):
        nelc_edu.set_backend("cuda")
    with pytest.raises(ValueError, match="backend must be 'numba', 'numpy' or None"):
        _backend.resolve("fast")


def test_the_environment_variable_chooses_and_is_checked(monkeypatch):
    monkeypatch.setenv("NELC_BACKEND", "numpy")
    assert nelc_edu.backend() == "numpy"
    monkeypatch.setenv("NELC_BACKEND", " NumPy ")
    assert nelc_edu.backend() == "numpy"
    monkeypatch.setenv("NELC_BACKEND", "auto")
    assert nelc_edu.backend() == ("numba" if _backend.numba_available() else "numpy")
    nelc_edu.set_backend("numpy")  # the function wins over the variable
    monkeypatch.setenv("NELC_BACKEND", "numba")
    assert nelc_edu.backend() == "numpy"
    nelc_edu.set_backend("auto")
    monkeypatch.setenv("NELC_BACKEND", "gpu")
    with pytest.raises(ValueError, match="NELC_BACKEND must be one of"):
        nelc_edu.backend()


def test_forcing_numpy_never_imports_numba():
    code = """
import sys
import numpy as np
import nelc_edu
from nelc_edu.models import TwoMatrixModel
from nelc_edu.training import train
X = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(np.uint8)
model = TwoMatrixModel.random(3, 6, seed=0)
model.sample(4, 5, seed=0)
train(model, X, method="pcd", n_updates=3, batch_size=10, n_chains=5, seed=0, progress=False)
print(nelc_edu.backend(), "numba" in sys.modules)
"""
    out = _run(code, NELC_BACKEND="numpy")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["numpy", "False"]


# ----------------------------------------------------------------------------- without Numba
_NO_NUMBA = "import sys; sys.modules['numba'] = None  # import numba now fails\n"


def test_everything_works_without_numba():
    """Sampling, PCD of every model kind, CD, simulation and warmup, with Numba unimportable."""
    code = _NO_NUMBA + """
import numpy as np
import nelc_edu
from nelc_edu import markov
from nelc_edu._warmup import warmup
from nelc_edu.models import OneHotRBM, TwoMatrixModel
from nelc_edu.models.binary_rbm import BinaryRBM
from nelc_edu.training import train
assert nelc_edu.backend() == "numpy"
X = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(np.uint8)
for model in (TwoMatrixModel.random(3, 6, seed=0), OneHotRBM.random(3, 6, seed=0)):
    assert model.sample(4, 5, seed=0).z.shape == (5, 4)
    train(model, X, method="pcd", n_updates=5, batch_size=10, n_chains=5, seed=0, progress=False)
rbm = BinaryRBM.random(3, 6, seed=0)
for method in ("pcd", "cd"):
    train(rbm, X, method=method, n_updates=5, batch_size=10, n_chains=5, seed=0, progress=False)
assert rbm.gibbs(4, 3, seed=0).shape == (4, 6)
assert markov.simulate(markov.driven_ring(3, affinity=1.0), 20, seed=0).shape == (21,)
assert warmup() == []
try:
    nelc_edu.set_backend("numba")
except ValueError as exc:
    print("refused:", "cannot be imported" in str(exc))
"""
    out = _run(code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "refused: True"


def test_asking_for_numba_without_it_is_a_clear_error():
    code = _NO_NUMBA + """
import nelc_edu
from nelc_edu.models import TwoMatrixModel
try:
    TwoMatrixModel.random(3, 6, seed=0).sample(4, 5, seed=0)
except ValueError as exc:
    print(exc)
"""
    out = _run(code, NELC_BACKEND="numba")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "NELC_BACKEND=numba asks for the Numba backend, but Numba cannot be imported" in (
        out.stdout)
    assert "pip install numba" in out.stdout


# ----------------------------------------------------------------------------- parity
def _trained(model_factory, backend, X, method="pcd"):
    nelc_edu.set_backend(backend)
    model = model_factory()
    history = train(model, X, method=method, n_updates=40, batch_size=20, n_chains=30,
                    learning_rate=0.05, seed=3, progress=False, checkpoint_every=40)
    return model, history


@pytest.mark.numba
@pytest.mark.parametrize("factory", [
    lambda: TwoMatrixModel.random(4, 9, scale=0.5, seed=1),
    lambda: OneHotRBM.random(4, 9, scale=0.5, seed=1),
])
def test_pcd_training_is_the_same_on_both_backends(factory):
    X = _data()
    a, _ = _trained(factory, "numba", X)
    b, _ = _trained(factory, "numpy", X)
    for name in a.params():
        np.testing.assert_allclose(a.params()[name], b.params()[name], rtol=1e-9, atol=1e-12)
    for backend in ("numba", "numpy"):  # the trained models sample the same chains
        nelc_edu.set_backend(backend)
        s = a.sample(20, 15, seed=4, return_visible=True)
        if backend == "numba":
            first = s
    for u, v in zip(first, s, strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.numba
@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_binary_rbm_training_is_the_same_on_both_backends(method):
    X = _data()
    a, _ = _trained(lambda: BinaryRBM.random(5, 9, scale=0.5, seed=1), "numba", X, method)
    b, _ = _trained(lambda: BinaryRBM.random(5, 9, scale=0.5, seed=1), "numpy", X, method)
    for name in a.params():
        np.testing.assert_allclose(a.params()[name], b.params()[name], rtol=1e-9, atol=1e-12)


@pytest.mark.numba
def test_one_step_rule_and_tie_penalty_are_the_same_on_both_backends():
    X = _data()
    runs = {}
    for backend in ("numba", "numpy"):
        nelc_edu.set_backend(backend)
        model = TwoMatrixModel.random(3, 9, scale=0.5, seed=2)
        train(model, X, method="pcd", n_updates=30, batch_size=20, n_chains=30, seed=1,
              progress=False, tie_penalty=0.3, stationary_term="one_step")
        runs[backend] = model
    for name, value in runs["numba"].params().items():
        np.testing.assert_allclose(value, runs["numpy"].params()[name], rtol=1e-9, atol=1e-12)


@pytest.mark.numba
def test_small_chain_gth_is_the_same_on_both_backends():
    """The compiled textbook GTH loop (small chains) against the NumPy one: pi to rounding,
    breakdowns named at the same state."""
    from nelc_edu import markov

    rng = np.random.default_rng(0)
    for n in (2, 5, 10, 40):
        T = rng.random((n, n)) ** 4
        T /= T.sum(axis=1, keepdims=True)
        pis = {}
        for backend in ("numba", "numpy"):
            nelc_edu.set_backend(backend)
            try:
                pis[backend] = markov.stationary_distribution(T)
            finally:
                nelc_edu.set_backend("auto")
        np.testing.assert_allclose(pis["numba"], pis["numpy"], rtol=1e-13)
    reducible = np.array([[1.0, 0.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0]])
    for backend in ("numba", "numpy"):
        nelc_edu.set_backend(backend)
        try:
            with pytest.raises(ValueError, match="closed classes"):
                markov.stationary_distribution(reducible)
        finally:
            nelc_edu.set_backend("auto")
