"""The logistic labeller and the class-histogram KL protocol (docs/theory.md section 9)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from nelc_edu.classify import (
    ClassHistogramKL,
    LogisticLabeller,
    class_histogram,
    class_histogram_kl,
    fit_labeller,
    kl_divergence,
    logistic_loss_grad,
)
from nelc_edu.datasets import load_digits

# --------------------------------------------------------------------------- labeller


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    C, N, n = 4, 7, 30
    W = rng.normal(size=(C, N))
    b = rng.normal(size=C)
    X = (rng.random((n, N)) < 0.4).astype(np.float64)
    y = rng.integers(0, C, size=n)
    l2 = 0.3
    _, dW, db = logistic_loss_grad(W, b, X, y, l2)
    eps = 1e-6
    num_W = np.zeros_like(W)
    for i in range(C):
        for j in range(N):
            Wp, Wm = W.copy(), W.copy()
            Wp[i, j] += eps
            Wm[i, j] -= eps
            num_W[i, j] = (
                logistic_loss_grad(Wp, b, X, y, l2)[0] - logistic_loss_grad(Wm, b, X, y, l2)[0]
            ) / (2 * eps)
    num_b = np.zeros_like(b)
    for i in range(C):
        bp, bm = b.copy(), b.copy()
        bp[i] += eps
        bm[i] -= eps
        num_b[i] = (
            logistic_loss_grad(W, bp, X, y, l2)[0] - logistic_loss_grad(W, bm, X, y, l2)[0]
        ) / (2 * eps)
    np.testing.assert_allclose(dW, num_W, atol=1e-8)
    np.testing.assert_allclose(db, num_b, atol=1e-8)


def test_loss_matches_direct_formula():
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 5)), rng.normal(size=3)
    X = rng.integers(0, 2, size=(8, 5)).astype(float)
    y = rng.integers(0, 3, size=8)
    logits = X @ W.T + b
    P = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    direct = -np.mean(np.log(P[np.arange(8), y])) + 0.05 * np.sum(W**2)
    assert logistic_loss_grad(W, b, X, y, 0.1)[0] == pytest.approx(direct, rel=1e-12)


def test_separates_a_separable_set():
    # Class c turns on pixels 3c..3c+2 (plus noise elsewhere): linearly separable.
    rng = np.random.default_rng(2)
    n, C, N = 300, 4, 16
    y = rng.integers(0, C, size=n)
    X = (rng.random((n, N)) < 0.1).astype(np.uint8)
    X[:, : 3 * C] = 0
    for c in range(C):
        X[y == c, 3 * c : 3 * c + 3] = 1
    lab = LogisticLabeller(l2=1e-3).fit(X, y)
    assert lab.converged_
    assert lab.train_accuracy == 1.0
    np.testing.assert_array_equal(lab.predict(X), y)
    P = lab.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    assert P[np.arange(n), y].min() > 0.5
    np.testing.assert_array_equal(np.argmax(P, axis=1), lab.predict(X))


def test_fit_reaches_the_optimum_and_is_deterministic():
    X, y = load_digits()
    X, y = X[:600], y[:600]
    a = LogisticLabeller(l2=1e-2).fit(X, y)
    b = LogisticLabeller(l2=1e-2).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    _, dW, db = logistic_loss_grad(a.coef_, a.intercept_, X.astype(float), y, 1e-2)
    assert np.sqrt(np.sum(dW**2) + np.sum(db**2)) < 1e-6
    assert a.converged_


def test_agrees_with_sklearn_when_available():
    lm = pytest.importorskip("sklearn.linear_model")
    X, y = load_digits()
    X, y = X[:500], y[:500]
    l2 = 1e-2
    ours = LogisticLabeller(l2=l2, tol=1e-9, max_iter=3000).fit(X, y)
    # sklearn minimises 0.5||W||^2 + C sum_i CE_i  <=>  ours with l2 = 1 / (C n)
    sk = lm.LogisticRegression(C=1.0 / (l2 * len(y)), tol=1e-10, max_iter=10000).fit(X, y)
    # The softmax is invariant to adding a constant to all intercepts: compare centred.
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=2e-3)
    np.testing.assert_allclose(
        ours.intercept_ - ours.intercept_.mean(), sk.intercept_ - sk.intercept_.mean(), atol=2e-3
    )


def test_fit_labeller_digits_heldout_accuracy():
    X, y = load_digits()
    lab = fit_labeller(X, y, seed=0)
    assert lab.n_train + lab.n_test == 1797
    assert abs(lab.n_test - 0.2 * 1797) < 10
    assert 0.88 < lab.heldout_accuracy < 0.97
    assert lab.train_accuracy >= lab.heldout_accuracy
    assert "held-out accuracy" in repr(lab)
    again = fit_labeller(X, y, seed=0)
    assert again.heldout_accuracy == lab.heldout_accuracy


@pytest.mark.slow
def test_fit_labeller_mnist5k_heldout_accuracy():
    from nelc_edu.datasets import load_mnist5k

    X, y = load_mnist5k()
    lab = fit_labeller(X, y, seed=0)
    assert lab.converged_
    assert 0.85 < lab.heldout_accuracy < 0.97


def test_labeller_errors():
    lab = LogisticLabeller()
    with pytest.raises(ValueError, match="not fitted"):
        lab.predict(np.zeros((2, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="l2 must be a positive"):
        LogisticLabeller(l2=0.0)
    with pytest.raises(ValueError, match="not binary"):
        lab.fit(np.full((4, 2), 0.5), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="must match"):
        lab.fit(np.zeros((4, 2), dtype=np.uint8), np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="at least 2 classes"):
        lab.fit(np.zeros((4, 2), dtype=np.uint8), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="non-integer"):
        lab.fit(np.zeros((2, 2), dtype=np.uint8), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="n_classes = 2"):
        LogisticLabeller(n_classes=2).fit(np.zeros((3, 2), dtype=np.uint8), np.array([0, 1, 2]))
    lab.fit(np.eye(2, dtype=np.uint8), np.array([0, 1]))
    with pytest.raises(ValueError, match="N = 2 visible units"):
        lab.predict(np.zeros((2, 3), dtype=np.uint8))


# --------------------------------------------------------------------------- histograms


def test_class_histogram_pseudo_counts():
    h = class_histogram([0, 0, 0, 2], n_classes=4, pseudo_count=1)
    np.testing.assert_allclose(h, np.array([4, 1, 2, 1]) / 8)
    h0 = class_histogram([1, 1], n_classes=3, pseudo_count=0)
    np.testing.assert_allclose(h0, [0, 1, 0])
    np.testing.assert_allclose(class_histogram([], n_classes=5), np.full(5, 0.2))
    with pytest.raises(ValueError, match="n_classes = 3"):
        class_histogram([3], n_classes=3)
    with pytest.raises(ValueError, match="pseudo_count"):
        class_histogram([0], n_classes=3, pseudo_count=-1)
    with pytest.raises(ValueError, match="undefined"):
        class_histogram([], n_classes=3, pseudo_count=0)


def test_kl_divergence_values():
    p = np.array([0.2, 0.3, 0.5])
    q = np.array([0.4, 0.4, 0.2])
    assert kl_divergence(p, q) == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-14)
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(np.log(2))
    assert kl_divergence([0.5, 0.5], [0.0, 1.0]) == np.inf
    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        assert kl_divergence(a, b) >= 0
    with pytest.raises(ValueError, match="sums to"):
        kl_divergence([0.5, 0.6], [0.5, 0.5])
    with pytest.raises(ValueError, match="length 2"):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        kl_divergence([np.nan, 1.0], [0.5, 0.5])


# --------------------------------------------------------------------------- the protocol


class _SampleResult(NamedTuple):
    z: np.ndarray
    x: np.ndarray
    x_traj: np.ndarray


class FakeModel:
    """Stand-in for the contract of model.sample: emits given images, records its calls."""

    def __init__(self, images: np.ndarray, shape_override=None):
        self.images = images
        self.calls = []
        self.shape_override = shape_override

    def sample(self, n_chains, n_steps, seed=None, burn_in=0, thin=1, return_visible=False):
        self.calls.append(
            dict(n_chains=n_chains, n_steps=n_steps, seed=seed, burn_in=burn_in, thin=thin,
                 return_visible=return_visible)
        )
        rng = np.random.default_rng(seed)
        n_kept = n_steps // thin
        idx = rng.integers(0, len(self.images), size=(n_kept, n_chains))
        x_traj = self.images[idx]
        if self.shape_override is not None:
            x_traj = x_traj.reshape(self.shape_override)
        return _SampleResult(np.zeros((n_kept, n_chains), dtype=np.int64), x_traj[-1], x_traj)


@pytest.fixture(scope="module")
def digits_labeller():
    X, y = load_digits()
    return X, y, fit_labeller(X, y, seed=0)


def test_protocol_exact_kl_for_a_one_class_model(digits_labeller):
    X, y, lab = digits_labeller
    zeros = X[lab.predict(X) == 0]
    model = FakeModel(zeros)
    res = class_histogram_kl(model, lab, X, n_chains=7, burn_in=13, n_steps=20, thin=2, seed=5)
    assert model.calls == [
        dict(n_chains=7, n_steps=20, seed=5, burn_in=13, thin=2, return_visible=True)
    ]
    assert isinstance(res, ClassHistogramKL)
    assert res.n_samples == 70 and res.model_counts.tolist() == [70] + [0] * 9
    # by hand: data histogram from the labeller's predictions, one pseudo-count per class
    counts = np.bincount(lab.predict(X), minlength=10)
    p = (counts + 1) / (counts.sum() + 10)
    q = (np.array([70] + [0] * 9) + 1) / 80
    assert res.kl == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-12)
    np.testing.assert_allclose(res.data_hist, p)
    np.testing.assert_allclose(res.model_hist, q)
    assert (res.n_chains, res.burn_in, res.n_steps, res.thin) == (7, 13, 20, 2)
    assert res.reference == "predicted" and "random latent" in res.init
    text = str(res)
    assert "burn-in 13" in text and "7 chains" in text and "held-out accuracy" in text


def test_protocol_data_replay_gives_small_kl(digits_labeller):
    X, y, lab = digits_labeller
    res = class_histogram_kl(FakeModel(X), lab, X, n_chains=50, burn_in=0, n_steps=100, seed=0)
    assert res.kl < 0.005  # 5,000 labelled samples from the data itself
    res_true = class_histogram_kl(
        FakeModel(X), lab, X, y, n_chains=50, burn_in=0, n_steps=100, seed=0, reference="true"
    )
    np.testing.assert_allclose(res_true.data_counts, np.bincount(y, minlength=10))
    assert res_true.reference == "true"
    assert res_true.labeller_heldout_accuracy == lab.heldout_accuracy


def test_protocol_errors(digits_labeller):
    X, y, lab = digits_labeller
    model = FakeModel(X)
    kw = dict(n_chains=2, burn_in=1, n_steps=3)
    with pytest.raises(ValueError, match="1-dimensional"):
        class_histogram_kl(model, lab, y, **kw)
    with pytest.raises(ValueError, match="pass y_data"):
        class_histogram_kl(model, lab, X, reference="true", **kw)
    with pytest.raises(ValueError, match="reference must be"):
        class_histogram_kl(model, lab, X, reference="both", **kw)
    with pytest.raises(ValueError, match="burn_in must be >= 0"):
        class_histogram_kl(model, lab, X, n_chains=2, burn_in=-1, n_steps=3)
    with pytest.raises(ValueError, match="LogisticLabeller"):
        class_histogram_kl(model, object(), X, **kw)
    with pytest.raises(ValueError, match="not fitted"):
        class_histogram_kl(model, LogisticLabeller(), X, **kw)
    bad = FakeModel(X, shape_override=(3, 1, 128))
    with pytest.raises(ValueError, match="x_traj of shape"):
        class_histogram_kl(bad, lab, X, **kw)
    grey = FakeModel(X * 2)
    with pytest.raises(ValueError, match="not binary"):
        class_histogram_kl(grey, lab, X, **kw)
