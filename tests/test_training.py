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
