"""The training loop (nelc_edu.training): RMSprop, divergence, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from nelc_edu.training import RMSprop, TrainingDivergedError, train


def _params(rng):
    return {
        "W": rng.normal(size=(5, 13)),
        "c": rng.normal(size=5),
        "U": np.asfortranarray(rng.normal(size=(13, 5))),  # not C-contiguous: NumPy path
    }


@pytest.mark.numba
def test_rmsprop_kernel_equals_numpy_bit_for_bit():
    from nelc_edu import set_backend

    rng = np.random.default_rng(0)
    a, b = _params(rng), None
    b = {k: v.copy() for k, v in a.items()}
    set_backend("numba")
    try:
        opt_a, opt_b = RMSprop(a, learning_rate=0.03), RMSprop(b, learning_rate=0.03)
    finally:
        set_backend("auto")
    assert opt_a._fused
    for _ in range(25):
        g = {k: rng.normal(size=v.shape) * rng.exponential() for k, v in a.items()}
        g["W"] = g["W"][:, ::-1]  # a non-contiguous gradient is fine too
        opt_a.step(g)
        opt_b.step_numpy(g)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(opt_a._v[k], opt_b._v[k])


def test_rmsprop_follows_its_formula():
    rng = np.random.default_rng(1)
    p = {"w": rng.normal(size=40)}
    p0 = p["w"].copy()
    opt = RMSprop(p, learning_rate=0.1, decay=0.8, eps=1e-3)
    g1, g2 = rng.normal(size=40), rng.normal(size=40)
    opt.step({"w": g1})
    opt.step({"w": g2})
    v1 = 0.2 * g1**2
    v2 = 0.8 * v1 + 0.2 * g2**2
    expected = p0 + 0.1 * g1 / (np.sqrt(v1) + 1e-3) + 0.1 * g2 / (np.sqrt(v2) + 1e-3)
    np.testing.assert_allclose(p["w"], expected, rtol=1e-13)


@pytest.mark.parametrize("kw, msg", [({"learning_rate": 0.0}, "learning_rate"),
                                     ({"learning_rate": float("nan")}, "learning_rate"),
                                     ({"decay": 1.0}, "decay"), ({"decay": -0.1}, "decay")])
def test_rmsprop_rejects_bad_settings(kw, msg):
    with pytest.raises(ValueError, match=msg):
        RMSprop({"w": np.zeros(2)}, **kw)


class _Toy:
    """Minimal model: ascend -|m - mean(batch)|^2 (optionally blowing up at some update)."""

    def __init__(self, blow_up_at=None):
        self.p = {"m": np.zeros(3)}
        self.calls = 0
        self.blow_up_at = blow_up_at

    def params(self):
        return self.p

    def copy(self):
        t = _Toy()
        t.p = {k: v.copy() for k, v in self.p.items()}
        return t

    def gradient(self, batch):
        self.calls += 1
        g = batch.mean(0) - self.p["m"]
        if self.calls == self.blow_up_at:
            g = g * getattr(self, "bad", np.nan)
        return {"m": g}


def test_train_converges_on_the_toy_and_is_reproducible():
    X = np.random.default_rng(2).integers(0, 2, size=(60, 3))
    h1 = train(_Toy(), X, method="exact", n_updates=400, batch_size=60, learning_rate=0.01,
               seed=5, progress=False)
    h2 = train(_Toy(), X, method="exact", n_updates=400, batch_size=60, learning_rate=0.01,
               seed=5, progress=False)
    np.testing.assert_allclose(h1.model.p["m"], X.mean(0), atol=0.02)
    np.testing.assert_array_equal(h1.params[-1]["m"], h2.params[-1]["m"])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_train_stops_with_the_history_when_the_gradient_becomes_nan(bad):
    X = np.ones((10, 3), dtype=np.uint8)
    toy = _Toy(blow_up_at=7)
    toy.bad = bad
    with pytest.raises(TrainingDivergedError, match="NaN or infinite at update 7") as info:
        train(toy, X, method="exact", n_updates=20, batch_size=10,
              checkpoint_every=2, seed=0, progress=False)
    assert info.value.history.steps == [0, 2, 4, 6]
    assert np.all(np.isfinite(toy.p["m"]))  # the bad gradient was never applied


def test_train_rejects_non_binary_data():
    with pytest.raises(ValueError, match="not binary"):
        train(_Toy(), np.full((4, 3), 0.5), method="exact", n_updates=1, progress=False)


# --- the tie penalty (the reversibility dial) --------------------------------------------

def _dead_pixel_data(n=60, N=6, seed=0):
    """Binary data whose last pixel is never on: the likelihood leaves its encoder weights
    almost unconstrained (only the chains' own samples ever turn it on)."""
    X = (np.random.default_rng(seed).random((n, N)) < 0.5).astype(np.uint8)
    X[:, -1] = 0
    return X


def _two_matrix(seed=1):
    from nelc_edu.models import TwoMatrixModel

    return TwoMatrixModel.random(3, 6, scale=0.5, seed=seed)


@pytest.mark.parametrize("lam", [1e-3, 0.7, 20.0])
def test_tie_penalty_step_is_the_likelihood_step_plus_lr_times_its_gradient(lam):
    """One update with the penalty minus the same update without it (same seed, same
    minibatch, same chains) is exactly learning_rate * (penalty gradient at the start)."""
    lr = 0.01
    start = _two_matrix()
    D = start.U - start.W.T                      # by hand: d/dU of -(lam/2) sum D^2 = -lam D
    free, pen = _two_matrix(), _two_matrix()
    X = _dead_pixel_data()
    train(free, X, method="pcd", n_updates=1, learning_rate=lr, seed=3, progress=False,
          n_chains=20)
    train(pen, X, method="pcd", n_updates=1, learning_rate=lr, seed=3, progress=False,
          n_chains=20, tie_penalty=lam)
    np.testing.assert_allclose(pen.U - free.U, lr * (-lam * D), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(pen.W - free.W, lr * (lam * D.T), rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(pen.c, free.c)
    np.testing.assert_array_equal(pen.b, free.b)


def test_a_tiny_tie_penalty_barely_moves_an_unconstrained_weight():
    """The reason the penalty is decoupled from RMSprop: inside it, lambda = 1e-6 would move
    the dead pixel's encoder weights by a full step per update; decoupled, by ~lr * lambda."""
    X = _dead_pixel_data()
    kw = dict(method="pcd", n_updates=300, learning_rate=0.01, seed=4, progress=False,
              n_chains=20)
    free, tiny = _two_matrix(), _two_matrix()
    train(free, X, **kw)
    train(tiny, X, tie_penalty=1e-6, **kw)
    assert np.abs(tiny.W - free.W).max() < 1e-4
    assert np.abs(tiny.U - free.U).max() < 1e-4


def test_a_strong_tie_penalty_pins_the_decoder_to_the_encoder():
    X = _dead_pixel_data()
    kw = dict(method="pcd", n_updates=300, learning_rate=0.01, seed=4, progress=False,
              n_chains=20)
    free, tied = _two_matrix(), _two_matrix()
    train(free, X, **kw)
    train(tied, X, tie_penalty=50.0, **kw)
    gap = lambda m: np.abs(m.U - m.W.T).max()  # noqa: E731
    assert gap(tied) < 0.05 * gap(free)


def test_tie_penalty_too_large_for_the_step_is_refused():
    with pytest.raises(ValueError, match="tie_penalty \\* learning_rate"):
        train(_two_matrix(), _dead_pixel_data(), method="pcd", n_updates=1,
              learning_rate=0.01, tie_penalty=100.0, progress=False)


def test_a_reducible_chain_at_a_checkpoint_is_a_training_divergence_with_its_history():
    calls = []

    def diagnostics(model):
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("T is reducible: its 3 states form 2 communicating classes")
        return {"x": 1.0}

    with pytest.raises(TrainingDivergedError, match="lower the learning rate") as err:
        train(_two_matrix(), _dead_pixel_data(), method="pcd", n_updates=4, n_chains=10,
              checkpoint_every=2, diagnostics=diagnostics, progress=False, seed=0)
    assert err.value.history.steps == [0]
    with pytest.raises(ValueError, match="something else"):
        train(_two_matrix(), _dead_pixel_data(), method="pcd", n_updates=2, n_chains=10,
              diagnostics=lambda m: (_ for _ in ()).throw(ValueError("something else")),
              progress=False)
