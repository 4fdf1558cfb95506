"""BinaryRBM: every quantity against an independent truth (enumeration, finite differences,
the exact transition matrix), the Numba kernels against their NumPy references number for
number, and every error path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nelc_edu.models import _rbm_numpy as ref
from nelc_edu.models.binary_rbm import (
    MAX_ENUMERATION_UNITS,
    BinaryRBM,
    RBMChains,
    _state_index,
    enumerate_states,
)


def _model(M: int, N: int, scale: float = 0.8, seed: int = 0) -> BinaryRBM:
    rng = np.random.default_rng(seed)
    return BinaryRBM(
        scale * rng.standard_normal((M, N)),
        0.5 * rng.standard_normal(M),
        0.5 * rng.standard_normal(N),
    )


def _brute_force_joint(rbm: BinaryRBM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log of exp(-E(x, h)) for every (x, h), by explicit loops over both layers."""
    xs = [np.array(x, dtype=float) for x in itertools.product([0, 1], repeat=rbm.N)]
    hs = [np.array(h, dtype=float) for h in itertools.product([0, 1], repeat=rbm.M)]
    logw = np.empty((len(xs), len(hs)))
    for a, x in enumerate(xs):
        for k, h in enumerate(hs):
            logw[a, k] = h @ rbm.W @ x + rbm.b @ x + rbm.c @ h  # -E(x, h)
    return logw, np.array(xs), np.array(hs)


def _logsumexp(a, axis=None):
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else float(out.squeeze())


# --------------------------------------------------------------------------- enumeration


def test_enumerate_states_order_and_index():
    S = enumerate_states(3)
    assert S.shape == (8, 3) and S.dtype == np.uint8
    assert [int("".join(map(str, row)), 2) for row in S] == list(range(8))
    np.testing.assert_array_equal(_state_index(S), np.arange(8))
    np.testing.assert_array_equal(enumerate_states(4, 3, 7), enumerate_states(4)[3:7])


@pytest.mark.parametrize("M,N", [(3, 4), (4, 3), (1, 5), (5, 1)])
def test_log_partition_matches_brute_force_over_both_layers(M, N):
    rbm = _model(M, N, scale=1.5, seed=M * 10 + N)
    logw, _, _ = _brute_force_joint(rbm)
    log_z = _logsumexp(logw)
    assert rbm.log_partition() == pytest.approx(log_z, abs=1e-12)
    assert rbm.log_partition("visible") == pytest.approx(log_z, abs=1e-12)
    assert rbm.log_partition("hidden") == pytest.approx(log_z, abs=1e-12)


def test_log_partition_in_chunks_matches_single_pass():
    # 2**15 hidden states is two enumeration chunks; compare with one big logsumexp.
    rbm = _model(15, 6, scale=0.3, seed=3)
    H = enumerate_states(15).astype(float)
    logw = H @ rbm.c + np.logaddexp(0.0, H @ rbm.W + rbm.b).sum(axis=1)
    assert rbm.log_partition("hidden") == pytest.approx(_logsumexp(logw), abs=1e-10)
    assert rbm.log_partition("visible") == pytest.approx(_logsumexp(logw), abs=1e-10)


def test_free_energy_and_log_prob_match_joint():
    rbm = _model(3, 4, seed=1)
    logw, _, _ = _brute_force_joint(rbm)
    X = enumerate_states(4)
    np.testing.assert_allclose(-rbm.free_energy(X), _logsumexp(logw, axis=1), atol=1e-12)
    np.testing.assert_allclose(
        rbm.log_prob(X), _logsumexp(logw, axis=1) - _logsumexp(logw), atol=1e-12
    )
    assert rbm.log_likelihood(X[[1, 5, 5]]) == pytest.approx(
        np.mean(rbm.log_prob(X[[1, 5, 5]])), abs=1e-14
    )


def test_probabilities_sum_to_one():
    rbm = _model(3, 5, scale=2.0, seed=2)
    assert np.exp(rbm.log_prob(enumerate_states(5))).sum() == pytest.approx(1.0, abs=1e-12)
    assert rbm.marginal("visible").sum() == pytest.approx(1.0, abs=1e-12)
    assert rbm.marginal("hidden").sum() == pytest.approx(1.0, abs=1e-12)
    for layer in ("visible", "hidden"):
        K = rbm.transition_matrix(layer)
        np.testing.assert_allclose(K.sum(axis=1), 1.0, atol=1e-12)
        assert np.all(K > 0)


def test_conditionals_match_the_joint():
    rbm = _model(3, 4, seed=4)
    logw, xs, hs = _brute_force_joint(rbm)
    p_joint = np.exp(logw - _logsumexp(logw))
    p_h_given_x = p_joint / p_joint.sum(axis=1, keepdims=True)  # (2^N, 2^M)
    np.testing.assert_allclose(rbm.p_h_given_x(xs), p_h_given_x @ hs, atol=1e-12)
    p_x_given_h = (p_joint / p_joint.sum(axis=0, keepdims=True)).T  # (2^M, 2^N)
    np.testing.assert_allclose(rbm.p_x_given_h(hs), p_x_given_h @ xs, atol=1e-12)
    # hidden marginal from the joint
    np.testing.assert_allclose(rbm.marginal("hidden"), p_joint.sum(axis=0), atol=1e-12)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("M,N", [(3, 5), (5, 3)])  # enumerate the hidden, then the visible layer
def test_exact_gradient_matches_finite_differences(M, N):
    rbm = _model(M, N, scale=1.0, seed=7)
    X = np.random.default_rng(0).integers(0, 2, size=(11, N))
    g = rbm.gradient(X)
    eps = 1e-5
    for name, arr in rbm.params().items():
        fd = np.empty_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = rbm.log_likelihood(X)
            arr[idx] = old - eps
            down = rbm.log_likelihood(X)
            arr[idx] = old
            fd[idx] = (up - down) / (2 * eps)
        rel = np.linalg.norm(g[name] - fd) / np.linalg.norm(fd)
        assert rel < 1e-6, (name, rel)


def _rb_stat(rbm: BinaryRBM, X: np.ndarray) -> dict[str, np.ndarray]:
    """Rao-Blackwellised statistics of each row: p(h|x) x^T, p(h|x), x."""
    P = rbm.p_h_given_x(X)
    Xf = X.astype(float)
    return {"W": P[:, :, None] * Xf[:, None, :], "c": P, "b": Xf}


def test_cd_gradient_expectation_matches_transition_matrix_truth():
    # E[CD-k] = data term - mean_x sum_x' K^k(x, x') stat(x'), with K the exact x -> x' kernel.
    rbm = _model(3, 4, scale=1.0, seed=5)
    X = enumerate_states(4)[[3, 6, 9, 12, 15]]
    k = 2
    Kk = np.linalg.matrix_power(rbm.transition_matrix("visible"), k)
    S_all = _rb_stat(rbm, enumerate_states(4))
    S_data = _rb_stat(rbm, X)
    rows = _state_index(X)
    truth = {
        name: S_data[name].mean(axis=0) - np.tensordot(Kk[rows].mean(axis=0), S_all[name], 1)
        for name in S_all
    }
    reps = 4000
    batch = np.repeat(X, reps, axis=0)  # one CD call with 20,000 independent chains
    g = rbm.cd_gradient(batch, k=k, seed=11)
    for name in truth:
        # each chain's statistic lies in [-1, 1]: std of the mean <= 1 / sqrt(20000) ~ 0.007
        np.testing.assert_allclose(g[name], truth[name], atol=0.03)
    # CD-k is biased for small k: the truth differs from the exact gradient here
    exact = rbm.gradient(X)
    assert np.abs(truth["W"] - exact["W"]).max() > 0.01


def test_cd_gradient_with_long_chains_and_pcd_match_exact_gradient():
    rbm = _model(3, 4, scale=1.0, seed=6)
    X = enumerate_states(4)[[1, 2, 7, 11]]
    exact = rbm.gradient(X)
    g_cd = rbm.cd_gradient(np.repeat(X, 5000, axis=0), k=50, seed=0)
    for name in exact:
        np.testing.assert_allclose(g_cd[name], exact[name], atol=0.03)
    # PCD: 20,000 persistent chains (more than the 4-example batch), burnt in first
    chains = rbm.init_chains(20_000, seed=1)
    rbm.gibbs(chains, n_steps=100)
    grads = [rbm.pcd_gradient(X, chains, k=1) for _ in range(5)]
    for name in exact:
        mean = np.mean([g[name] for g in grads], axis=0)
        np.testing.assert_allclose(mean, exact[name], atol=0.02)


# --------------------------------------------------------------------------- Gibbs sampler


def test_gibbs_samples_the_exact_marginal():
    rbm = _model(3, 4, scale=1.5, seed=8)
    X = rbm.gibbs(40_000, n_steps=30, seed=3)
    counts = np.bincount(_state_index(X), minlength=16)
    p = rbm.marginal("visible")
    expected = 40_000 * p
    chi2 = np.sum((counts - expected) ** 2 / expected)
    assert chi2 < 50  # 15 degrees of freedom: P(chi2 > 50) ~ 1e-5
    assert 0.5 * np.abs(counts / 40_000 - p).sum() < 0.02


def test_one_gibbs_step_follows_the_transition_matrix():
    rbm = _model(3, 4, scale=1.5, seed=9)
    K = rbm.transition_matrix("visible")
    x0 = enumerate_states(4)[[5]]
    X1 = rbm.gibbs(np.repeat(x0, 40_000, axis=0), n_steps=1, seed=4)
    freq = np.bincount(_state_index(X1), minlength=16) / 40_000
    np.testing.assert_allclose(freq, K[5], atol=0.015)
    # the hidden states returned are those drawn in the (only) step
    _, H = rbm.gibbs(np.repeat(x0, 40_000, axis=0), n_steps=1, seed=4, return_hidden=True)
    np.testing.assert_allclose(H.mean(axis=0), rbm.p_h_given_x(x0)[0], atol=0.015)


@pytest.mark.parametrize("layer", ["visible", "hidden"])
def test_detailed_balance_of_the_gibbs_kernels(layer):
    rbm = _model(4, 5, scale=2.0, seed=10)
    K = rbm.transition_matrix(layer)
    p = rbm.marginal(layer)
    flux = p[:, None] * K
    np.testing.assert_allclose(flux, flux.T, atol=1e-14)  # p(x) K(x, x') symmetric
    np.testing.assert_allclose(p @ K, p, atol=1e-13)  # hence stationary


def test_the_symmetry_check_can_fail():
    # Sanity check that the symmetry test above can fail: a random stochastic matrix with the
    # same stationary distribution is not reversible.
    rbm = _model(2, 3, scale=2.0, seed=12)
    p = rbm.marginal("visible")
    K = rbm.transition_matrix("visible")
    perm = np.roll(np.arange(8), 1)
    P = np.eye(8)[perm]  # a deterministic cycle keeps the uniform law, not p
    flux = p[:, None] * (0.5 * K + 0.5 * P)
    assert np.abs(flux - flux.T).max() > 1e-3


# --------------------------------------------------------------------------- kernels vs references


@pytest.mark.numba
def test_sigmoid_kernel_equals_reference_and_is_accurate():
    from nelc_edu.models._rbm_numba import _sigmoid

    rng = np.random.default_rng(0)
    a = np.concatenate(
        [
            rng.standard_normal(2_000) * 10,
            np.linspace(-45, 45, 901),
            [0.0, -0.0, 40.0, -40.0, 1e-300, -1e-300, 700.0, -700.0, 1e10, -1e10],
        ]
    )
    ours = np.array([_sigmoid(v) for v in a])
    np.testing.assert_allclose(ours, ref.sigmoid(a), rtol=4e-16, atol=0)
    with np.errstate(over="ignore"):
        exact = np.array([1 / (1 + np.exp(-np.longdouble(v))) for v in a], dtype=np.float64)
    np.testing.assert_allclose(ref.sigmoid(a), exact, rtol=1e-15, atol=0)
    assert np.all(np.isfinite(ours)) and ours.min() == 0.0 and ours.max() == 1.0


@pytest.mark.numba
@pytest.mark.parametrize("M,N,C,steps", [(3, 4, 50, 7), (7, 2, 13, 3), (16, 64, 20, 5)])
def test_gibbs_kernel_equals_numpy_reference(M, N, C, steps):
    rbm = _model(M, N, scale=1.0, seed=M + N)
    X0 = np.random.default_rng(1).integers(0, 2, size=(C, N))
    a, ha = rbm.gibbs(X0, n_steps=steps, seed=5, return_hidden=True, backend="numba")
    b, hb = rbm.gibbs(X0, n_steps=steps, seed=5, return_hidden=True, backend="numpy")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ha, hb)
    # chains advanced in place by both backends stay in lockstep
    c1 = rbm.init_chains(C, seed=2)
    c2 = c1.copy()
    rbm.gibbs(c1, n_steps=steps, backend="numba")
    rbm.gibbs(c2, n_steps=steps, backend="numpy")
    np.testing.assert_array_equal(c1.x, c2.x)
    np.testing.assert_array_equal(c1.counters, c2.counters)
    assert int(c1.counters[0]) == steps * (M + N)


@pytest.mark.numba
def test_gibbs_kernel_equals_reference_called_directly():
    from nelc_edu._rng import stream_keys
    from nelc_edu.models import _rbm_numba

    rbm = _model(5, 6, seed=13)
    X0 = np.random.default_rng(3).integers(0, 2, size=(30, 6)).astype(np.uint8)
    keys = stream_keys(99, 30)
    out = {}
    for name, impl in (("numba", _rbm_numba), ("numpy", ref)):
        X, H = X0.copy(), np.zeros((30, 5), dtype=np.uint8)
        counters = np.arange(30, dtype=np.uint64) * np.uint64(7)  # chains at different counters
        impl.gibbs(X, H, rbm.W, rbm.b, rbm.c, keys, counters, 4)
        out[name] = X, H, counters
    for u, v in zip(out["numba"], out["numpy"], strict=True):
        np.testing.assert_array_equal(u, v)


def _statistics_truth(rbm, X_data, X_model):
    """<p(h|x) x^T>_data - <p(h|x) x^T>_model by an explicit loop over the rows."""
    def mean_outer(X):
        tot = np.zeros((rbm.M, rbm.N))
        for x in X.astype(float):
            tot += np.outer(1 / (1 + np.exp(-(rbm.W @ x + rbm.c))), x)
        return tot / len(X)

    return mean_outer(X_data) - mean_outer(X_model)


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.numba), "numpy"])
@pytest.mark.parametrize("M,N,k", [(4, 7, 1), (4, 7, 3), (9, 3, 2), (16, 64, 1)])
def test_pcd_update_backends_agree_and_follow_the_formula(M, N, k, backend):
    from nelc_edu import set_backend

    rbm = _model(M, N, seed=M * N)
    Xd = np.random.default_rng(4).integers(0, 2, size=(9, N)).astype(np.uint8)
    chains = rbm.init_chains(13, seed=5)  # more chains than examples
    twin = chains.copy()
    set_backend(backend)
    try:
        g = rbm.pcd_gradient(Xd, chains, k=k)
    finally:
        set_backend("auto")
    gW, gc, gb = ref.update(Xd, twin.x, twin.h, rbm.W, rbm.b, rbm.c, twin.keys, twin.counters,
                            k, False)
    np.testing.assert_array_equal(chains.x, twin.x)
    np.testing.assert_array_equal(chains.h, twin.h)
    np.testing.assert_array_equal(chains.counters, twin.counters)
    assert int(chains.counters[0]) == k * (M + N)
    for name, r in (("W", gW), ("c", gc), ("b", gb)):
        np.testing.assert_allclose(g[name], r, atol=1e-13)
    np.testing.assert_allclose(g["W"], _statistics_truth(rbm, Xd, chains.x), atol=1e-13)


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.numba), "numpy"])
@pytest.mark.parametrize("k", [1, 4])
def test_cd_update_backends_agree(k, backend):
    from nelc_edu import set_backend
    from nelc_edu._rng import as_generator, kernel_seed, stream_keys

    rbm = _model(5, 6, seed=21)
    Xd = np.random.default_rng(6).integers(0, 2, size=(11, 6)).astype(np.uint8)
    set_backend(backend)
    try:
        g = rbm.cd_gradient(Xd, k=k, seed=7)
    finally:
        set_backend("auto")
    keys = stream_keys(kernel_seed(as_generator(7)), 11)  # the streams cd_gradient uses
    counters = np.zeros(11, dtype=np.uint64)
    X, H = Xd.copy(), np.zeros((11, 5), dtype=np.uint8)
    gW, gc, gb = ref.update(Xd, X, H, rbm.W, rbm.b, rbm.c, keys, counters, k, True)
    for name, r in (("W", gW), ("c", gc), ("b", gb)):
        np.testing.assert_allclose(g[name], r, atol=1e-13)
    np.testing.assert_allclose(g["W"], _statistics_truth(rbm, Xd, X), atol=1e-13)


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_same_numbers():
    rbm = _model(4, 6, seed=15)
    np.testing.assert_array_equal(rbm.gibbs(50, 10, seed=1), rbm.gibbs(50, 10, seed=1))
    assert not np.array_equal(rbm.gibbs(50, 10, seed=1), rbm.gibbs(50, 10, seed=2))
    c1, c2 = rbm.init_chains(20, seed=3), rbm.init_chains(20, seed=3)
    np.testing.assert_array_equal(c1.x, c2.x)
    np.testing.assert_array_equal(c1.keys, c2.keys)
    X = enumerate_states(6)[:10]
    g1, g2 = rbm.cd_gradient(X, k=2, seed=4), rbm.cd_gradient(X, k=2, seed=4)
    for name in g1:
        np.testing.assert_array_equal(g1[name], g2[name])
    w1, w2 = BinaryRBM.random(3, 4, seed=0).W, BinaryRBM.random(3, 4, seed=0).W
    np.testing.assert_array_equal(w1, w2)
    # a Generator as seed is consumed: two calls give different draws
    gen = np.random.default_rng(0)
    assert not np.array_equal(rbm.gibbs(50, 5, seed=gen), rbm.gibbs(50, 5, seed=gen))


@pytest.mark.parametrize("method", ["pcd", "cd", "exact"])
def test_training_is_reproducible_and_improves_the_likelihood(method):
    from nelc_edu.datasets import bars_and_stripes
    from nelc_edu.training import train

    X = np.repeat(bars_and_stripes(3), 4, axis=0)
    runs = []
    for _ in range(2):
        rbm = BinaryRBM.random(6, 9, seed=0)
        hist = train(
            rbm, X, method=method, n_updates=200, batch_size=14, n_chains=30,
            learning_rate=0.05, cd_k=2, checkpoint_every=100, seed=1, progress=False,
            diagnostics=lambda m: {"log_likelihood": m.log_likelihood(X)},
        )
        runs.append((rbm, hist))
    (r1, h1), (r2, h2) = runs
    np.testing.assert_array_equal(r1.W, r2.W)
    ll = h1.get("log_likelihood")
    assert ll[-1] > ll[0] + 0.5  # from -9 log 2 = -6.24 towards -log 14 = -2.64
    assert hist.model_at(0).log_likelihood(X) == pytest.approx(ll[0])


def test_params_are_live_and_copy_is_independent():
    rbm = _model(2, 3)
    p = rbm.params()
    p["W"] += 1.0
    np.testing.assert_array_equal(rbm.W, p["W"])
    twin = rbm.copy()
    twin.params()["b"][:] = 7.0
    assert not np.any(rbm.b == 7.0)
    assert repr(rbm) == "BinaryRBM(M=2, N=3)"


def test_from_sklearn_duck_typed():
    class Fitted:
        components_ = np.ones((2, 3))
        intercept_hidden_ = np.zeros(2)
        intercept_visible_ = np.full(3, -1.0)

    rbm = BinaryRBM.from_sklearn(Fitted())
    np.testing.assert_array_equal(rbm.b, -1.0)
    with pytest.raises(ValueError, match="fitted sklearn BernoulliRBM"):
        BinaryRBM.from_sklearn(object())


# --------------------------------------------------------------------------- error paths


@pytest.mark.parametrize(
    "W,c,b,match",
    [
        (np.zeros((0, 3)), np.zeros(0), np.zeros(3), "at least one hidden unit"),
        (np.zeros((2, 0)), np.zeros(2), np.zeros(0), "at least one hidden unit"),
        (np.zeros(3), np.zeros(1), np.zeros(3), "2-dimensional"),
        (np.zeros((2, 3)), np.zeros(3), np.zeros(3), r"c \(hidden biases\) must have shape"),
        (np.zeros((2, 3)), np.zeros(2), np.zeros(2), r"b \(visible biases\) must have shape"),
        (np.full((2, 3), np.nan), np.zeros(2), np.zeros(3), "NaN"),
        (np.zeros((2, 3)), np.array([0.0, np.inf]), np.zeros(3), "NaN or infinite"),
        ([["a", "b"]], np.zeros(1), np.zeros(2), "numeric"),
    ],
)
def test_constructor_errors(W, c, b, match):
    with pytest.raises(ValueError, match=match):
        BinaryRBM(W, c, b)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(M=0, N=3), "M .* must be >= 1"),
        (dict(M=2, N=0), "N .* must be >= 1"),
        (dict(M=2.5, N=3), "must be an integer"),
        (dict(M=2, N=3, scale=-1.0), "scale must be a finite number >= 0"),
        (dict(M=2, N=3, scale="big"), "scale must be a number"),
        (dict(M=2, N=3, seed="x"), "seed must be"),
    ],
)
def test_random_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BinaryRBM.random(**kwargs)


@pytest.mark.parametrize(
    "X,match",
    [
        (np.array([[0, 2, 1]]), r"not binary: found value\(s\) \[2\]"),
        (np.array([[0.0, np.nan, 1.0]]), "NaN"),
        (np.array([[0, 1]]), "2 features per example but the model has N = 3"),
        (np.array([0, 1, 1]), "1-dimensional"),
        (np.zeros((0, 3)), "no rows"),
        (np.array([[0.5, 1, 0]]), "not binary"),
    ],
)
def test_data_errors_in_every_method(X, match):
    rbm = _model(2, 3)
    chains = rbm.init_chains(4, seed=0)
    for call in (
        rbm.p_h_given_x,
        rbm.free_energy,
        rbm.log_prob,
        rbm.log_likelihood,
        rbm.gradient,
        rbm.cd_gradient,
        lambda X: rbm.pcd_gradient(X, chains),
        lambda X: rbm.gibbs(X, 1),
    ):
        with pytest.raises(ValueError, match=match):
            call(X)


def test_other_errors():
    rbm = _model(2, 3)
    with pytest.raises(ValueError, match="H has 3 columns but the model has M = 2 hidden"):
        rbm.p_x_given_h(np.array([[0, 1, 1]]))
    with pytest.raises(ValueError, match="not binary"):
        rbm.p_x_given_h(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="k must be >= 1"):
        rbm.cd_gradient([[0, 1, 1]], k=0)
    with pytest.raises(ValueError, match="k must be >= 1"):
        rbm.pcd_gradient([[0, 1, 1]], rbm.init_chains(2, seed=0), k=0)
    with pytest.raises(ValueError, match="n_steps must be >= 0"):
        rbm.gibbs(3, n_steps=-1)
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        rbm.gibbs(0, n_steps=1)
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        rbm.init_chains(0)
    with pytest.raises(ValueError, match="backend must be"):
        rbm.gibbs(3, n_steps=1, backend="cuda")
    with pytest.raises(ValueError, match="chains must be an RBMChains"):
        rbm.pcd_gradient([[0, 1, 1]], chains=np.zeros((2, 3)))
    other = _model(2, 4).init_chains(3, seed=0)
    with pytest.raises(ValueError, match="call init_chains"):
        rbm.pcd_gradient([[0, 1, 1]], other)
    with pytest.raises(ValueError, match="layer must be"):
        rbm.log_partition("middle")
    with pytest.raises(ValueError, match="layer must be"):
        rbm.transition_matrix("both")
    with pytest.raises(ValueError, match="n <= 20"):
        enumerate_states(31)
    # NaN written into the live parameters is reported, not silently used
    rbm.params()["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match="W contains NaN"):
        rbm.p_h_given_x([[0, 1, 1]])
    with pytest.raises(ValueError, match="W contains NaN"):
        rbm.log_partition()


def test_too_large_to_enumerate_is_refused_clearly():
    n = MAX_ENUMERATION_UNITS + 1
    big = BinaryRBM(np.zeros((n, n)), np.zeros(n), np.zeros(n))
    with pytest.raises(ValueError, match=r"at most 20 units.*M = 21 hidden and N = 21"):
        big.log_likelihood(np.zeros((1, n)))
    with pytest.raises(ValueError, match="at most 20 units"):
        big.gradient(np.zeros((1, n)))
    with pytest.raises(ValueError, match="2\\*\\*21"):
        big.marginal("visible")
    with pytest.raises(ValueError, match="both must be <= 12"):
        BinaryRBM(np.zeros((2, 13)), np.zeros(2), np.zeros(13)).transition_matrix()
    # forcing the large layer is refused too, while the default picks the small one
    tall = BinaryRBM(np.zeros((2, n)), np.zeros(2), np.zeros(n))
    assert tall.log_partition() == pytest.approx((n + 2) * np.log(2))
    with pytest.raises(ValueError, match="visible layer would need 2\\*\\*21"):
        tall.log_partition("visible")


def test_chains_object():
    rbm = _model(2, 3)
    chains = rbm.init_chains(5, seed=0)
    assert isinstance(chains, RBMChains) and chains.n_chains == 5
    assert chains.x.dtype == np.uint8 and chains.keys.dtype == np.uint64
    twin = chains.copy()
    rbm.gibbs(chains, 2)
    assert int(twin.counters[0]) == 0 and int(chains.counters[0]) == 2 * 5
