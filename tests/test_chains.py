"""The latent chains (models/sampling.py) and persistent chains and PCD gradients
(models/pcd.py): the Numba backend against the NumPy reference, and every estimator against
enumeration."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from nelc_edu import _rng
from nelc_edu.models import _chains_numpy as ref
from nelc_edu.models.pcd import (
    ActiveRows,
    PersistentChains,
    _stationary_and_fundamental,
    _two_matrix_gradient,
    onehot_rbm_pcd_gradient,
    two_matrix_pcd_gradient,
)
from nelc_edu.models.sampling import decoder_probs, run_chains


def stationary_and_fundamental(T):
    """Independent truth: pi as the left eigenvector of eigenvalue 1, Z by its definition."""
    values, vectors = np.linalg.eig(T.T)
    pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    pi = pi / pi.sum()
    return pi, np.linalg.inv(np.eye(len(pi)) - T + pi[None, :])


# ----------------------------------------------------------------------------- helpers
def random_model(K, N, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, scale, (K, N))
    c = rng.normal(0, 0.5, K)
    U = rng.normal(0, scale, (N, K))
    b = rng.normal(0, 0.5, N)
    return W, c, U, b


def all_states(N):
    return np.array(list(itertools.product([0, 1], repeat=N)), dtype=np.float64)


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def exact_T(W, c, U, b):
    """T[z, z'] = sum_x p(x|z) q(z'|x) by enumerating all 2^N visible states."""
    X = all_states(W.shape[1])
    P = 1 / (1 + np.exp(-(U.T + b)))
    pxz = np.exp(X @ np.log(P).T + (1 - X) @ np.log1p(-P).T)  # (2^N, K)
    return pxz.T @ softmax(X @ W.T + c)


def two_matrix_loglik(W, c, U, b, X):
    pi, _ = stationary_and_fundamental(exact_T(W, c, U, b))
    P = 1 / (1 + np.exp(-(U.T + b)))
    logp = X @ np.log(P).T + (1 - X) @ np.log1p(-P).T + np.log(pi)
    m = logp.max(axis=1, keepdims=True)
    return float(np.mean(m[:, 0] + np.log(np.exp(logp - m).sum(axis=1))))


def two_matrix_exact_gradient(W, c, U, b, X):
    """docs/theory.md section 5, every expectation by enumeration."""
    K, N = W.shape
    Xall = all_states(N)
    P = 1 / (1 + np.exp(-(U.T + b)))
    pxz = np.exp(Xall @ np.log(P).T + (1 - Xall) @ np.log1p(-P).T)
    Q = softmax(Xall @ W.T + c)
    pi, Z = stationary_and_fundamental(pxz.T @ Q)
    logr = X @ np.log(P).T + (1 - X) @ np.log1p(-P).T + np.log(pi)
    r = softmax(logr)
    rho = r.mean(axis=0)
    h = Z @ (rho / pi)
    h -= pi @ h
    H = Q @ h
    wz = pxz * pi  # (2^N, K): pi_z p(x|z)
    dU = np.empty((N, K))
    for z in range(K):
        dU[:, z] = (r[:, z] @ (X - P[z])) / len(X) + (wz[:, z] * H) @ (Xall - P[z])
    wx = wz.sum(axis=1)  # stationary marginal of x
    coef = wx[:, None] * Q * (h[None, :] - H[:, None])
    return {"W": coef.T @ Xall, "c": coef.sum(axis=0), "U": dU, "b": dU.sum(axis=1)}


def rbm_loglik(W, c, b, X):
    logw = c + np.log1p(np.exp(W + b)).sum(axis=1)
    logZ = np.log(np.exp(logw - logw.max()).sum()) + logw.max()
    a = X @ W.T + c
    m = a.max(axis=1, keepdims=True)
    return float(np.mean(m[:, 0] + np.log(np.exp(a - m).sum(axis=1)) + X @ b - logZ))


def rbm_exact_gradient(W, c, b, X):
    logw = c + np.log1p(np.exp(W + b)).sum(axis=1)
    Pz = np.exp(logw - logw.max())
    Pz /= Pz.sum()
    S = 1 / (1 + np.exp(-(W + b)))
    r = softmax(X @ W.T + c)
    return {
        "W": r.T @ X / len(X) - Pz[:, None] * S,
        "c": r.mean(axis=0) - Pz,
        "b": X.mean(axis=0) - Pz @ S,
    }


def finite_difference(f, params, eps=1e-6):
    out = {}
    for name, p in params.items():
        g = np.empty_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            fp = f()
            p[i] = old - eps
            fm = f()
            p[i] = old
            g[i] = (fp - fm) / (2 * eps)
        out[name] = g
    return out


# ----------------------------------------------------------------------------- sampling
@pytest.mark.parametrize(
    "K, N, C, n_steps, burn_in, thin",
    [(3, 5, 7, 12, 0, 1), (2, 1, 3, 9, 4, 3), (10, 64, 20, 11, 2, 2), (4, 33, 5, 7, 1, 7),
     (7, 20, 6, 5, 1, 1), (14, 12, 4, 6, 0, 2), (25, 9, 3, 4, 0, 1), (10, 150, 6, 5, 1, 1)],
)
@pytest.mark.numba
def test_run_chains_numba_equals_numpy(K, N, C, n_steps, burn_in, thin):
    W, c, U, b = random_model(K, N, seed=K * N)
    P = decoder_probs(U, b)
    z0 = np.arange(C) % K
    out_nb = run_chains(P, W, c, z0, 5, n_steps, burn_in=burn_in, thin=thin, record_visible=True,
                        backend="numba")
    out_np = run_chains(
        P, W, c, z0, 5, n_steps, burn_in=burn_in, thin=thin, record_visible=True, backend="numpy"
    )
    assert out_nb[0].dtype == np.int64 and out_nb[0].shape == (n_steps // thin, C)
    assert out_nb[1].dtype == np.uint8 and out_nb[1].shape == (C, N)
    assert out_nb[2].dtype == np.uint8 and out_nb[2].shape == (n_steps // thin, C, N)
    for a, b_ in zip(out_nb, out_np, strict=True):
        np.testing.assert_array_equal(a, b_)


def test_run_chains_thinning_and_burn_in_are_views_of_one_trajectory():
    W, c, U, b = random_model(3, 6, seed=2)
    P = decoder_probs(U, b)
    z0 = np.array([0, 1, 2, 0])
    z_all, x_last, xs_all = run_chains(P, W, c, z0, 9, 12, record_visible=True)
    z_thin, x_thin, xs_thin = run_chains(P, W, c, z0, 9, 9, burn_in=3, thin=3, record_visible=True)
    np.testing.assert_array_equal(z_thin, z_all[[5, 8, 11]])
    np.testing.assert_array_equal(xs_thin, xs_all[[5, 8, 11]])
    np.testing.assert_array_equal(x_thin, x_last)
    np.testing.assert_array_equal(xs_all[-1], x_last)
    # n_steps not a multiple of thin: the last steps run but are not recorded
    z_odd, x_odd, _ = run_chains(P, W, c, z0, 9, 11, burn_in=1, thin=5)
    np.testing.assert_array_equal(z_odd, z_all[[5, 10]])
    np.testing.assert_array_equal(x_odd, x_last)
    assert run_chains(P, W, c, z0, 9, 4)[2] is None


def test_same_seed_same_result_other_seed_differs():
    W, c, U, b = random_model(4, 20, seed=3)
    P = decoder_probs(U, b)
    z0 = np.zeros(50, dtype=np.int64)
    a = run_chains(P, W, c, z0, 123, 30)
    b2 = run_chains(P, W, c, z0, 123, 30)
    d = run_chains(P, W, c, z0, 124, 30)
    np.testing.assert_array_equal(a[0], b2[0])
    np.testing.assert_array_equal(a[1], b2[1])
    assert not np.array_equal(a[0], d[0])
    gen = run_chains(P, W, c, z0, np.random.default_rng(123), 30)
    np.testing.assert_array_equal(a[0], gen[0])  # kernel_seed(int) == kernel_seed(Generator)


@pytest.mark.numba
@pytest.mark.parametrize("K", [2, 3, 10, 17])
@pytest.mark.parametrize("n_active", [0, 1, 2, 7, 14])
def test_encoder_logits_are_the_rows_of_the_active_pixels_summed(K, n_active):
    from nelc_edu.models import _chains_numba as kern

    rng = np.random.default_rng(K)
    N = 37
    WT = rng.normal(size=(N, K))
    active = np.full(N, -7, dtype=np.int64)  # entries past n must never be read
    active[:n_active] = rng.choice(N, n_active, replace=False)
    out = np.full(K, np.nan)
    kern._sum_rows(WT, active, n_active, out)
    expect = np.zeros(K)
    for j in range(0, n_active - 1, 2):  # the documented order: two rows per pass
        expect = expect + (WT[active[j]] + WT[active[j + 1]])
    if n_active % 2:
        expect = expect + WT[active[n_active - 1]]
    np.testing.assert_array_equal(out, expect)
    np.testing.assert_allclose(out, WT[active[:n_active]].sum(axis=0), atol=1e-13)


@pytest.mark.numba
@pytest.mark.parametrize("density", [0.0, 0.14, 1.0])
def test_listing_the_active_pixels(density):
    from nelc_edu.models import _chains_numba as kern

    rng = np.random.default_rng(3)
    for N in (1, 7, 64, 129):
        x = (rng.random(N) < density).astype(np.uint8)
        active = np.full(N, -1, dtype=np.int64)
        n = kern._list_active(x, active)
        np.testing.assert_array_equal(active[:n], np.flatnonzero(x))


def test_random_number_layout():
    # the latent uniform is the splitmix64 draw t*(M+1)+M of the chain's stream
    keys = _rng.stream_keys(11, 3)
    N, t = 7, 5
    M = (N + 1) // 2
    bits = ref.step_bits(keys, t, N)
    expected = _rng.uniforms(keys, np.array([t * (M + 1) + M], dtype=np.uint64))[:, 0]
    np.testing.assert_array_equal(ref.latent_uniform(bits), expected)
    u = ref.pixel_uniforms(bits, N)
    assert u.shape == (3, N) and np.all((u >= 0) & (u < 1))
    np.testing.assert_array_equal(u * 2**31, np.floor(u * 2**31))  # multiples of 2**-31


def test_pixel_sampling_is_exact_at_zero_and_one():
    K, N, C = 2, 9, 40
    P = np.zeros((K, N))
    P[:, ::2] = 1.0
    P[:, 1] = 2.0**-31  # the smallest nonzero probability that can fire
    W = np.zeros((K, N))
    for backend in (None, "numpy"):
        _, x, xs = run_chains(P, W, np.zeros(K), np.zeros(C, dtype=int), 0, 50,
                              record_visible=True, backend=backend)
        assert np.all(xs[:, :, ::2] == 1)
        assert np.all(xs[:, :, 3::2] == 0)


def test_empirical_latent_transitions_match_exact_T():
    K, N = 3, 5
    W, c, U, b = random_model(K, N, seed=6, scale=1.5)
    T = exact_T(W, c, U, b)
    P = decoder_probs(U, b)
    C, n_steps = 400, 250
    z0 = np.arange(C) % K
    z, _, xs = run_chains(P, W, c, z0, 21, n_steps, record_visible=True)
    zz = np.vstack([z0[None, :], z])
    prev, nxt = zz[:-1].ravel(), zz[1:].ravel()
    counts = np.zeros((K, K))
    np.add.at(counts, (prev, nxt), 1)
    n = counts.sum(axis=1, keepdims=True)
    freq = counts / n
    se = np.sqrt(T * (1 - T) / n)
    assert np.all(np.abs(freq - T) < 5 * se + 1e-12), (freq, T)
    # the visible states drawn from z have mean P[z]
    xs = xs.reshape(-1, N).astype(float)
    for zi in range(K):
        sel = prev == zi
        m = xs[sel].mean(axis=0)
        se_x = np.sqrt(P[zi] * (1 - P[zi]) / sel.sum())
        assert np.all(np.abs(m - P[zi]) < 5 * se_x + 1e-12)


# ----------------------------------------------------------------------------- persistent
def test_persistent_chains_start():
    ch = PersistentChains.start(K=4, N=6, n_chains=4000, seed=1)
    assert ch.z.dtype == np.int64 and ch.x.dtype == np.uint8 and ch.keys.dtype == np.uint64
    assert ch.q.shape == (4000, 4) and ch.T_running.shape == (4, 4) and ch.step == 0
    freq = np.bincount(ch.z, minlength=4) / 4000
    assert np.all(np.abs(freq - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 4000))
    again = PersistentChains.start(K=4, N=6, n_chains=4000, seed=1)
    np.testing.assert_array_equal(ch.z, again.z)
    np.testing.assert_array_equal(ch.keys, again.keys)


@pytest.mark.numba
def test_advance_numba_equals_numpy_and_running_average_rule():
    K, N, C = 4, 13, 30
    W, c, U, b = random_model(K, N, seed=8)
    P = decoder_probs(U, b)
    a = PersistentChains.start(K, N, C, seed=2, decay=0.8)
    r = PersistentChains.start(K, N, C, seed=2, decay=0.8)
    T_manual = np.full((K, K), 1.0 / K)
    visits = np.zeros(K)
    for _ in range(6):
        a.advance(P, W, c, backend="numba")
        r.advance(P, W, c, backend="numpy")
        for name in ("z", "z_prev", "x"):
            np.testing.assert_array_equal(getattr(a, name), getattr(r, name))
        np.testing.assert_allclose(a.q, r.q, rtol=1e-12)
        np.testing.assert_allclose(a.q, softmax(a.x @ W.T + c), rtol=1e-12)
        # the documented rule, by hand
        visits = 0.8 * visits
        for z in range(K):
            sel = a.z_prev == z
            if sel.any():
                visits[z] += sel.sum()
                T_hat = a.q[sel].mean(axis=0)
                T_manual[z] += sel.sum() / visits[z] * (T_hat - T_manual[z])
        np.testing.assert_allclose(a.T_running, T_manual, rtol=1e-12)
        np.testing.assert_allclose(r.T_running, T_manual, rtol=1e-12)
        np.testing.assert_allclose(a.T_running.sum(axis=1), 1.0)
    assert a.step == r.step == 6


def test_rows_without_visits_keep_their_value():
    K, N = 3, 4
    ch = PersistentChains.start(K, N, 5, seed=0)
    ch.z[:] = 0
    P = np.full((K, N), 0.5)
    W = np.zeros((K, N))
    c = np.array([0.0, -50.0, -50.0])  # every chain returns to state 0
    ch.advance(P, W, c)
    np.testing.assert_allclose(ch.T_running[1:], 1.0 / K)
    assert ch.T_running[0, 0] > 0.999 and np.all(ch.z == 0)


def test_persistent_chain_continues_run_chains_stream():
    # advancing persistent chains reproduces run_chains with the same keys and start
    K, N, C = 3, 10, 8
    W, c, U, b = random_model(K, N, seed=9)
    P = decoder_probs(U, b)
    ch = PersistentChains.start(K, N, C, seed=4)
    z0 = ch.z.copy()
    traj = []
    for _ in range(5):
        ch.advance(P, W, c)
        traj.append(ch.z.copy())
    from nelc_edu.models.sampling import _chain_module

    z_run, x_run, _ = _chain_module(None).run_chains(
        P, np.ascontiguousarray(W.T), c, z0, ch.keys, 5, 0, 1, False
    )
    np.testing.assert_array_equal(np.array(traj), z_run)
    np.testing.assert_array_equal(ch.x, x_run)


# ----------------------------------------------------------------------------- gradients
def test_exact_gradients_used_as_truth_match_finite_differences():
    K, N = 3, 5
    W, c, U, b = random_model(K, N, seed=10)
    X = np.random.default_rng(0).integers(0, 2, (15, N)).astype(float)
    params = {"W": W, "c": c, "U": U, "b": b}
    g = two_matrix_exact_gradient(W, c, U, b, X)
    fd = finite_difference(lambda: two_matrix_loglik(W, c, U, b, X), params)
    for k in params:
        np.testing.assert_allclose(g[k], fd[k], rtol=1e-6, atol=1e-8)
    params = {"W": W, "c": c, "b": b}
    g = rbm_exact_gradient(W, c, b, X)
    fd = finite_difference(lambda: rbm_loglik(W, c, b, X), params)
    for k in params:
        np.testing.assert_allclose(g[k], fd[k], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "K, N, B, C", [(3, 5, 12, 9), (10, 64, 40, 25), (4, 31, 7, 50), (7, 12, 10, 8), (13, 10, 9, 11)]
)
@pytest.mark.numba
def test_gradients_numba_equal_numpy(K, N, B, C):
    W, c, U, b = random_model(K, N, seed=K + N)
    X = np.random.default_rng(1).integers(0, 2, (B, N)).astype(np.uint8)
    a = PersistentChains.start(K, N, C, seed=3)
    r = PersistentChains.start(K, N, C, seed=3)
    for _ in range(3):
        ga = two_matrix_pcd_gradient(W, c, U, b, X, a, backend="numba")
        gr = two_matrix_pcd_gradient(W, c, U, b, X, r, backend="numpy")
        np.testing.assert_array_equal(a.z, r.z)
        np.testing.assert_array_equal(a.x, r.x)
        for k in ("W", "c", "U", "b"):
            assert ga[k].shape == {"W": (K, N), "c": (K,), "U": (N, K), "b": (N,)}[k]
            np.testing.assert_allclose(ga[k], gr[k], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(ga["b"], ga["U"].sum(axis=1), atol=1e-13)
        ha = onehot_rbm_pcd_gradient(W, c, b, X, a, backend="numba")
        hr = onehot_rbm_pcd_gradient(W, c, b, X, r, backend="numpy")
        np.testing.assert_array_equal(a.z, r.z)
        for k in ("W", "c", "b"):
            np.testing.assert_allclose(ha[k], hr[k], rtol=1e-10, atol=1e-13)


def _average_gradient(grad_fn, chains, n_calls, gap, advance_args):
    draws = []
    for _ in range(n_calls):
        for _ in range(gap):
            chains.advance(*advance_args)
        draws.append(grad_fn())
    keys = draws[0].keys()
    mean = {k: np.mean([d[k] for d in draws], axis=0) for k in keys}
    se = {k: np.std([d[k] for d in draws], axis=0) / np.sqrt(n_calls) for k in keys}
    return mean, se


def test_two_matrix_pcd_gradient_expectation_matches_exact_gradient():
    K, N = 3, 5
    W, c, U, b = random_model(K, N, seed=12)
    X = np.random.default_rng(5).integers(0, 2, (25, N)).astype(np.uint8)
    T = exact_T(W, c, U, b)
    exact = two_matrix_exact_gradient(W, c, U, b, X.astype(float))
    P = decoder_probs(U, b)
    chains = PersistentChains.start(K, N, 4000, seed=6)
    for _ in range(30):  # burn in to stationarity
        chains.advance(P, W, c)
    mean, se = _average_gradient(
        lambda: two_matrix_pcd_gradient(W, c, U, b, X, chains, T=T), chains, 40, 2, (P, W, c)
    )
    for k in ("W", "c", "U", "b"):
        scale = np.abs(exact[k]).max()
        assert np.all(np.abs(mean[k] - exact[k]) < 5 * se[k] + 1e-3 * scale), k
        # and the estimator is not trivially noisy: the error is small in absolute terms
        assert np.abs(mean[k] - exact[k]).max() < 0.05 * scale + 1e-3, k


def test_onehot_rbm_pcd_gradient_expectation_matches_exact_gradient():
    K, N = 3, 5
    W, c, _, b = random_model(K, N, seed=13)
    X = np.random.default_rng(7).integers(0, 2, (25, N)).astype(np.uint8)
    exact = rbm_exact_gradient(W, c, b, X.astype(float))
    P = decoder_probs(W.T, b)
    chains = PersistentChains.start(K, N, 4000, seed=8)
    for _ in range(30):
        chains.advance(P, W, c)
    mean, se = _average_gradient(
        lambda: onehot_rbm_pcd_gradient(W, c, b, X, chains), chains, 40, 2, (P, W, c)
    )
    for k in ("W", "c", "b"):
        scale = np.abs(exact[k]).max()
        assert np.all(np.abs(mean[k] - exact[k]) < 5 * se[k] + 1e-3 * scale), k


def test_tied_two_matrix_chain_is_the_rbm_chain():
    # U = W.T: the two-matrix chain and the RBM chain are the same process
    K, N = 3, 8
    W, c, _, b = random_model(K, N, seed=14)
    X = np.random.default_rng(2).integers(0, 2, (10, N)).astype(np.uint8)
    a = PersistentChains.start(K, N, 20, seed=1)
    r = PersistentChains.start(K, N, 20, seed=1)
    two_matrix_pcd_gradient(W, c, W.T, b, X, a)
    onehot_rbm_pcd_gradient(W, c, b, X, r)
    np.testing.assert_array_equal(a.z, r.z)
    np.testing.assert_array_equal(a.x, r.x)


def test_pi_and_Z_of_the_running_estimate_and_the_reducible_error():
    rng = np.random.default_rng(3)
    T = rng.random((5, 5))
    T /= T.sum(axis=1, keepdims=True)
    pi, Z = _stationary_and_fundamental(T)
    pi_true, Z_true = stationary_and_fundamental(T)
    np.testing.assert_allclose(pi, pi_true, rtol=1e-12)
    np.testing.assert_allclose(Z, Z_true, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="reducible.*use more chains"):
        _stationary_and_fundamental(np.eye(3))
    # irreducible, state 2 left at once and entered with probability 1e-18: a nearly dead
    # state, resolved with a small relative error (pi_2 = 0.5e-18 exactly), and Z finite
    T = np.array([[0.5, 0.5 - 1e-18, 1e-18], [0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    pi, Z = _stationary_and_fundamental(T)
    assert pi[2] == pytest.approx(0.5e-18, rel=1e-12) and np.all(np.isfinite(Z))
    # entered with a subnormal probability: float64 has lost the state
    T = np.array([[0.5, 0.5, 1e-320], [0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    with pytest.raises(ValueError, match="use more chains"):
        _stationary_and_fundamental(T)


def test_decoder_probs_is_stable():
    U = np.array([[-1000.0, 0.0, 1000.0]])
    P = decoder_probs(U, np.zeros(1))
    np.testing.assert_array_equal(P[:, 0], [0.0, 0.5, 1.0])
    assert P.shape == (3, 1) and P.flags.c_contiguous


# ----------------------------------------------------------------------------- errors
def test_bad_inputs_raise_clear_errors():
    K, N = 3, 4
    W, c, U, b = random_model(K, N, seed=0)
    P = decoder_probs(U, b)
    z0 = np.zeros(2, dtype=int)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        run_chains(P * 2, W, c, z0, 0, 3)
    with pytest.raises(ValueError, match="W must have shape"):
        run_chains(P, W.T, c, z0, 0, 3)
    with pytest.raises(ValueError, match="0 .. 2"):
        run_chains(P, W, c, np.array([0, 3]), 0, 3)
    with pytest.raises(ValueError, match="integer"):
        run_chains(P, W, c, np.array([0.0, 1.0]), 0, 3)
    with pytest.raises(ValueError, match="thin"):
        run_chains(P, W, c, z0, 0, 3, thin=4)
    with pytest.raises(ValueError, match="backend"):
        run_chains(P, W, c, z0, 0, 3, backend="cuda")
    with pytest.raises(ValueError, match="K >= 2"):
        run_chains(P[:1], W[:1], c[:1], z0, 0, 3)
    with pytest.raises(ValueError, match="NaN"):
        run_chains(P, np.full_like(W, np.nan), c, z0, 0, 3)
    with pytest.raises(ValueError, match="seed"):
        run_chains(P, W, c, z0, "abc", 3)
    ch = PersistentChains.start(K, N, 5, seed=0)
    with pytest.raises(ValueError, match="not binary"):
        two_matrix_pcd_gradient(W, c, U, b, np.full((2, N), 0.5), ch)
    with pytest.raises(ValueError, match="not binary"):
        onehot_rbm_pcd_gradient(W, c, b, np.full((2, N), 2, dtype=np.uint8), ch)
    with pytest.raises(ValueError, match="features"):
        two_matrix_pcd_gradient(W, c, U, b, np.zeros((2, N + 1)), ch)
    other = PersistentChains.start(K, N + 1, 5, seed=0)
    with pytest.raises(ValueError, match="start new chains"):
        two_matrix_pcd_gradient(W, c, U, b, np.zeros((2, N)), other)
    with pytest.raises(ValueError, match="U must have shape"):
        two_matrix_pcd_gradient(W, c, U.T, b, np.zeros((2, N)), ch)
    with pytest.raises(ValueError, match="decay"):
        PersistentChains.start(K, N, 5, seed=0, decay=1.5)
    with pytest.raises(ValueError, match="K >= 2"):
        PersistentChains.start(1, N, 5, seed=0)


def test_importing_the_chain_modules_does_not_import_numba():
    code = ("import sys, nelc_edu.models.sampling, nelc_edu.models.pcd; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == "False"


def test_exact_gradients_agree_with_the_model_classes():
    # cross-check of the enumerated truth used above against the models' own exact gradient
    from nelc_edu import models
    X = np.random.default_rng(0).integers(0, 2, (20, 5))
    tm = models.TwoMatrixModel.random(3, 5, seed=0)
    ours = two_matrix_exact_gradient(tm._W, tm._c, tm._U, tm._b, X.astype(float))
    theirs = tm.gradient(X, method="exact")
    for k in ("W", "c", "U", "b"):
        np.testing.assert_allclose(ours[k], theirs[k], atol=1e-12)
    rbm = models.OneHotRBM.random(3, 5, seed=0)
    ours = rbm_exact_gradient(rbm._W, rbm._c, rbm._b, X.astype(float))
    theirs = rbm.gradient(X, method="exact")
    for k in ("W", "c", "b"):
        np.testing.assert_allclose(ours[k], theirs[k], atol=1e-12)


# ----------------------------------------------------------------------------- training path
@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.numba), "numpy"])
def test_the_training_path_equals_the_public_gradient(backend):
    """``_two_matrix_gradient`` on listed rows is the checked public function, number for number."""
    rng = np.random.default_rng(7)
    for K, N in ((3, 9), (10, 64), (5, 33)):
        W, U = rng.normal(0, 0.7, (K, N)), rng.normal(0, 2.0, (N, K))
        c, b = rng.normal(size=K), rng.normal(size=N)
        ch_a = PersistentChains.start(K, N, 40, seed=1)
        ch_b = PersistentChains.start(K, N, 40, seed=1)
        X = (rng.random((60, N)) < 0.3).astype(np.uint8)
        data = ActiveRows.from_dense(X)
        for _ in range(4):
            rows = rng.choice(60, 25, replace=False)
            g_a = _two_matrix_gradient(W, c, U, b, data, rows, ch_a, backend=backend)
            g_b = two_matrix_pcd_gradient(W, c, U, b, X[rows], ch_b, backend=backend)
            assert np.array_equal(ch_a.x, ch_b.x) and np.array_equal(ch_a.z, ch_b.z)
            for key in g_a:
                np.testing.assert_array_equal(g_a[key], g_b[key])


def test_a_reducible_estimate_raises_the_error_training_reports():
    K, N = 3, 5
    ch = PersistentChains.start(K, N, 10, seed=0)
    T = np.eye(K)  # reducible
    with pytest.raises(ValueError, match="reducible"):
        _two_matrix_gradient(
            np.zeros((K, N)), np.zeros(K), np.zeros((N, K)), np.zeros(N),
            ActiveRows.from_dense(np.zeros((2, N), dtype=np.uint8)), np.arange(2), ch, T=T,
        )
    with pytest.raises(ValueError, match="not row-stochastic"):  # a user's T is checked first
        two_matrix_pcd_gradient(np.zeros((K, N)), np.zeros(K), np.zeros((N, K)), np.zeros(N),
                                np.zeros((2, N)), ch, T=np.full((K, K), 0.5))
