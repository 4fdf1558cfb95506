"""TwoMatrixModel: each quantity against an independent truth (enumeration, finite differences)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nelc_edu import markov
from nelc_edu.models import N_MAX_EXACT, OneHotRBM, TwoMatrixModel, all_binary_states


def _random_model(K, N, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return TwoMatrixModel(
        scale * rng.standard_normal((K, N)),
        scale * rng.standard_normal(K),
        scale * rng.standard_normal((N, K)),
        scale * rng.standard_normal(N),
    )


def _data(N, n, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.2, 0.8, N)
    return (rng.random((n, N)) < p).astype(np.uint8)


# --------------------------------------------------------------------------- brute force truth
def _brute_T(model):
    """T[z, z'] = sum_x p(x|z) q(z'|x) with explicit linear-space products."""
    X = all_binary_states(model.N).astype(float)
    P = 1.0 / (1.0 + np.exp(-(model.U + model.b[:, None])))  # (N, K)
    px_z = np.prod(np.where(X[:, :, None] == 1, P[None], 1 - P[None]), axis=1)  # (2^N, K)
    logits = X @ model.W.T + model.c
    q = np.exp(logits - logits.max(axis=1, keepdims=True))
    q /= q.sum(axis=1, keepdims=True)
    return px_z.T @ q, px_z, q, X


def _brute_path_ep(model):
    T, px_z, q, _ = _brute_T(model)
    pi = markov.stationary_distribution(T)
    total = 0.0
    for m in range(px_z.shape[0]):
        for z in range(model.K):
            for z2 in range(model.K):
                w = pi[z] * px_z[m, z] * q[m, z2]
                num = pi[z] * px_z[m, z] * q[m, z2]
                den = pi[z2] * px_z[m, z2] * q[m, z]
                total += w * math.log(num / den)
    return total


def test_transition_matrix_matches_brute_force():
    for seed in range(3):
        model = _random_model(3, 5, seed)
        T_brute = _brute_T(model)[0]
        np.testing.assert_allclose(model.latent_transition_matrix("exact"), T_brute, atol=1e-13)


def test_visible_marginal_sums_to_one():
    model = _random_model(4, 7, 1)
    p = np.exp(model.log_prob(all_binary_states(7), method="exact"))
    assert abs(p.sum() - 1.0) < 1e-12


def test_log_likelihood_matches_brute_force():
    model = _random_model(3, 5, 2)
    X = _data(5, 30, 0)
    T, px_z, _, Xall = _brute_T(model)
    pi = markov.stationary_distribution(T)
    idx = X @ (1 << np.arange(4, -1, -1))
    expected = np.mean(np.log(px_z[idx] @ pi))
    assert model.log_likelihood(X, method="exact") == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- gradient
def _fd_gradient(model, X, eps=1e-5):
    grads = {}
    for name, arr in model.params().items():
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            lp = model.log_likelihood(X, method="exact")
            arr[idx] = old - eps
            lm = model.log_likelihood(X, method="exact")
            arr[idx] = old
            g[idx] = (lp - lm) / (2 * eps)
        grads[name] = g
    return grads


@pytest.mark.parametrize("K,N,seed", [(2, 4, 0), (3, 5, 1), (4, 6, 2), (3, 8, 3)])
def test_exact_gradient_matches_finite_differences(K, N, seed):
    model = _random_model(K, N, seed)
    X = _data(N, 25, seed)
    g = model.gradient(X, method="exact")
    fd = _fd_gradient(model, X)
    assert set(g) == {"W", "c", "U", "b"}
    for name in g:
        assert g[name].shape == model.params()[name].shape
        err = np.linalg.norm(g[name] - fd[name]) / np.linalg.norm(fd[name])
        assert err < 1e-6, (name, err)


def test_gradient_of_tied_model_is_the_rbm_gradient():
    """On the tied manifold dL/dW_rbm = dL/dW + (dL/dU).T: links the two gradient codes."""
    rbm = OneHotRBM.random(3, 6, scale=1.0, seed=4)
    rbm.c[:] = [0.3, -0.2, 0.5]
    rbm.b[:] = np.linspace(-1, 1, 6)
    X = _data(6, 40, 4)
    g2 = rbm.as_two_matrix().gradient(X, method="exact")
    g1 = rbm.gradient(X)
    np.testing.assert_allclose(g1["W"], g2["W"] + g2["U"].T, atol=1e-12)
    np.testing.assert_allclose(g1["c"], g2["c"], atol=1e-12)
    np.testing.assert_allclose(g1["b"], g2["b"], atol=1e-12)


# --------------------------------------------------------------------------- Monte Carlo
def test_mc_transition_matrix_within_standard_errors():
    model = _random_model(3, 6, 5)
    T, px_z, q, _ = _brute_T(model)
    var = px_z.T @ q**2 - T**2  # Var_{x ~ p(.|z)} q(z'|x)
    S = 4000
    T_hat = model.latent_transition_matrix("mc", n_samples=S, seed=0)
    z = np.abs(T_hat - T) / np.sqrt(var / S)
    assert z.max() < 5.0
    np.testing.assert_allclose(T_hat.sum(axis=1), 1.0, atol=1e-12)


def _mc_errors(model, S, X, seeds):
    pi = model.stationary_distribution("exact")
    ll = model.log_likelihood(X, method="exact")
    pep = model.path_entropy_production("exact")
    g = model.gradient(X, method="exact")
    gnorm = math.sqrt(sum(np.sum(v**2) for v in g.values()))
    errs = []
    for s in seeds:
        gm = model.gradient(X, method="mc", n_samples=S, seed=s)
        errs.append(
            [
                np.abs(model.stationary_distribution("mc", n_samples=S, seed=s) - pi).max(),
                abs(model.log_likelihood(X, method="mc", n_samples=S, seed=s) - ll),
                abs(model.path_entropy_production("mc", n_samples=S, seed=s) - pep),
                math.sqrt(sum(np.sum((gm[k] - g[k]) ** 2) for k in g)) / gnorm,
            ]
        )
    return np.array(errs)


def test_mc_estimates_converge_to_exact():
    """pi, log-likelihood, path EP and gradient: error falls like 1/sqrt(S) (x100 samples)."""
    model = _random_model(3, 6, 6)
    X = _data(6, 30, 6)
    small = _mc_errors(model, 100, X, seeds=range(4))
    large = _mc_errors(model, 10_000, X, seeds=range(10, 14))
    rms_small = np.sqrt((small**2).mean(axis=0))
    rms_large = np.sqrt((large**2).mean(axis=0))
    # Expected ratio 10; allow noise in the 4-seed RMS.
    assert np.all(rms_large < rms_small / 4), (rms_small, rms_large)
    assert np.all(rms_large < [0.01, 0.01, 0.02, 0.05]), rms_large


def test_mc_path_ep_within_standard_error():
    model = _random_model(3, 6, 7)
    exact = model.path_entropy_production("exact")
    reps = [model.path_entropy_production("mc", n_samples=3000, seed=s) for s in range(6)]
    se = np.std(reps, ddof=1) / math.sqrt(len(reps))
    assert abs(np.mean(reps) - exact) < 4 * se + 1e-3


# --------------------------------------------------------------------------- equilibrium
@pytest.mark.parametrize("seed", range(4))
def test_tied_model_is_at_equilibrium(seed):
    model = _random_model(4, 6, seed).tied()
    assert model.is_tied
    T = model.latent_transition_matrix("exact")
    pi = model.stationary_distribution("exact")
    assert np.abs(model.probability_currents("exact")).max() < 1e-14
    assert model.entropy_production("exact") < 1e-12
    assert markov.is_reversible(T, pi)
    assert abs(model.path_entropy_production("exact")) < 1e-10
    rbm = OneHotRBM(model.W, model.c, model.b)
    np.testing.assert_allclose(pi, rbm.latent_marginal(), atol=1e-13)
    np.testing.assert_allclose(T, rbm.latent_transition_matrix("exact"), atol=1e-15)
    X = _data(6, 20, seed)
    assert model.log_likelihood(X) == pytest.approx(rbm.log_likelihood(X), abs=1e-12)


def test_untied_model_has_currents_and_matches_markov_ep():
    model = _random_model(4, 6, 11, scale=1.5)
    T = model.latent_transition_matrix("exact")
    sigma = model.entropy_production("exact")
    assert sigma > 1e-3
    assert sigma == pytest.approx(markov.entropy_production(T), rel=1e-10)
    assert not markov.is_reversible(T)


def test_path_ep_matches_brute_force_and_bounds_latent_ep():
    model = _random_model(3, 4, 12)
    assert model.path_entropy_production("exact") == pytest.approx(_brute_path_ep(model), rel=1e-10)
    rng = np.random.default_rng(0)
    for _ in range(25):
        K, N = int(rng.integers(2, 5)), int(rng.integers(3, 7))
        m = _random_model(K, N, int(rng.integers(1 << 30)), scale=float(rng.uniform(0.3, 3.0)))
        latent, path = m.entropy_production("exact"), m.path_entropy_production("exact")
        assert latent >= 0
        assert path >= latent - 1e-12


def test_self_transition_is_diag_T():
    model = _random_model(3, 5, 13)
    np.testing.assert_array_equal(
        model.self_transition("exact"), np.diag(model.latent_transition_matrix("exact"))
    )


def test_params_are_live_and_nothing_is_cached():
    model = _random_model(3, 5, 14)
    T0 = model.latent_transition_matrix()
    assert model.params()["W"] is model.W and model.params()["U"] is model.U
    model.params()["U"][:] += 1.0
    assert not np.allclose(model.latent_transition_matrix(), T0)
    other = model.copy()
    other.W[:] = 0.0
    assert not np.allclose(model.W, 0.0)


def test_random_constructor():
    a = TwoMatrixModel.random(3, 5, seed=7)
    b = TwoMatrixModel.random(3, 5, seed=7)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.U, b.U)
    assert np.abs(a.W).max() < 0.1 and np.all(a.c == 0) and np.all(a.b == 0)
    assert a.W.flags.c_contiguous and a.U.flags.c_contiguous
    assert a.entropy_production() < 1e-4  # small init: almost at equilibrium


def test_log_space_at_large_N():
    """N = 784 with strong weights: no underflow to 0 in T, finite EP (MC, log space)."""
    model = _random_model(4, 784, 15, scale=0.5)
    T = model.latent_transition_matrix(n_samples=50, seed=0)
    assert np.all(np.isfinite(T))
    sigma = model.entropy_production(n_samples=50, seed=0)
    assert math.isfinite(sigma) and sigma >= 0
    X = _data(784, 3, 0)
    assert math.isfinite(model.log_likelihood(X, n_samples=50, seed=0))


# --------------------------------------------------------------------------- bad input
def test_bad_inputs_raise_clear_errors():
    K, N = 3, 4
    W, c, U, b = np.zeros((K, N)), np.zeros(K), np.zeros((N, K)), np.zeros(N)
    with pytest.raises(ValueError, match="at least 2 states"):
        TwoMatrixModel(np.zeros((1, N)), np.zeros(1), np.zeros((N, 1)), b)
    with pytest.raises(ValueError, match="at least 2 states"):
        TwoMatrixModel.random(1, 4)
    with pytest.raises(ValueError, match="c must have shape"):
        TwoMatrixModel(W, np.zeros(K + 1), U, b)
    with pytest.raises(ValueError, match="U must have shape.*transposed"):
        TwoMatrixModel(W, c, U.T, b)
    with pytest.raises(ValueError, match="U must have shape"):
        TwoMatrixModel(W, c, np.zeros((N + 1, K)), b)
    with pytest.raises(ValueError, match="b must have shape"):
        TwoMatrixModel(W, c, U, np.zeros(N + 1))
    with pytest.raises(ValueError, match="2-dimensional"):
        TwoMatrixModel(np.zeros(K), c, U, b)
    Wn = W.copy()
    Wn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TwoMatrixModel(Wn, c, U, b)
    model = TwoMatrixModel(W, c, U, b)
    with pytest.raises(ValueError, match="not binary"):
        model.log_likelihood(np.full((2, N), 0.5))
    with pytest.raises(ValueError, match="NaN"):
        model.log_likelihood(np.full((2, N), np.nan))
    with pytest.raises(ValueError, match="features"):
        model.gradient(np.zeros((2, N + 1)))
    with pytest.raises(ValueError, match="method must be"):
        model.latent_transition_matrix("enumerate")
    big = TwoMatrixModel.random(2, N_MAX_EXACT + 1, seed=0)
    with pytest.raises(ValueError, match="method='mc'"):
        big.latent_transition_matrix("exact")
    with pytest.raises(ValueError, match="n_samples"):
        model.latent_transition_matrix("mc", n_samples=0)


def test_reducible_latent_chain_is_refused():
    """Two groups of latent states that cannot reach each other (T block-diagonal in floats)."""
    big = 1000.0
    # x_0 = 1 is emitted only by z in {0, 1}; x_0 = 1 is read back only as z in {0, 1}.
    U = np.array([[big, big, -big, -big], [0.0, 0.0, 0.0, 0.0]])
    W = np.array([[2 * big, 0.0], [2 * big, 0.0], [0.0, 0.0], [0.0, 0.0]])
    c = np.array([-big, -big, 0.0, 0.0])
    model = TwoMatrixModel(W, c, U, np.zeros(2))
    T = model.latent_transition_matrix("exact")
    assert np.all(T[:2, 2:] == 0) and np.all(T[2:, :2] == 0)
    for method in ("exact", "mc"):
        with pytest.raises(ValueError, match="reducible"):
            model.stationary_distribution(method, n_samples=50, seed=0)
    with pytest.raises(ValueError, match="reducible"):
        model.log_likelihood(np.zeros((1, 2)))


# --------------------------------------------------------------------------- chains
def test_sample_transitions_follow_T():
    model = _random_model(3, 5, 16)
    T = model.latent_transition_matrix("exact")
    out = model.sample(400, 60, seed=0, burn_in=5)
    assert out.z.shape == (60, 400) and out.z.dtype == np.int64
    assert out.x.shape == (400, 5) and out.x.dtype == np.uint8 and out.x_traj is None
    counts = np.zeros((3, 3))
    np.add.at(counts, (out.z[:-1].ravel(), out.z[1:].ravel()), 1)
    T_emp = counts / counts.sum(axis=1, keepdims=True)
    se = np.sqrt(T * (1 - T) / counts.sum(axis=1, keepdims=True))
    assert np.all(np.abs(T_emp - T) < 5 * se + 1e-3)
    pi = model.stationary_distribution("exact")
    occ = np.bincount(out.z.ravel(), minlength=3) / out.z.size
    assert np.abs(occ - pi).max() < 0.03


def test_sample_options_and_errors():
    model = _random_model(3, 5, 17)
    out = model.sample(4, 10, seed=1, thin=3, return_visible=True, z0=np.array([0, 1, 2, 0]))
    assert out.z.shape == (3, 4)
    assert out.x_traj.shape == (3, 4, 5) and out.x_traj.dtype == np.uint8
    again = model.sample(4, 10, seed=1, thin=3, return_visible=True, z0=np.array([0, 1, 2, 0]))
    np.testing.assert_array_equal(out.z, again.z)
    with pytest.raises(ValueError, match="z0"):
        model.sample(4, 10, z0=np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="z0"):
        model.sample(4, 10, z0=np.array([0, 1]))
    with pytest.raises(ValueError, match="n_chains"):
        model.sample(0, 10)


def test_persistent_chain_gradient_agrees_with_exact_gradient():
    """Chains at stationarity + exact T: the PCD two-step gradient is unbiased for the exact one."""
    from nelc_edu.models import pcd

    model = _random_model(3, 5, 18)
    X = _data(5, 40, 18)
    T = model.latent_transition_matrix("exact")
    exact = model.gradient(X, method="exact")
    ch = model.init_chains(20_000, seed=0)
    for _ in range(15):  # burn in
        model.pcd_gradient(X, ch)
    n_avg = 10
    avg = {k: np.zeros_like(v) for k, v in exact.items()}
    for _ in range(n_avg):
        g = pcd.two_matrix_pcd_gradient(model.W, model.c, model.U, model.b, X, ch, T=T)
        for k in avg:
            avg[k] += g[k] / n_avg
    num = math.sqrt(sum(np.sum((avg[k] - exact[k]) ** 2) for k in exact))
    den = math.sqrt(sum(np.sum(exact[k] ** 2) for k in exact))
    assert num / den < 0.05, num / den


# --------------------------------------------------------------------------- minibatches as rows
def test_active_rows_list_the_ones_of_each_row():
    from nelc_edu.models.pcd import ActiveRows

    X = (np.random.default_rng(4).random((9, 13)) < 0.3).astype(np.uint8)
    X[2] = 0  # an empty row
    rows = ActiveRows.from_dense(X)
    assert rows.shape == (9, 13)
    for r in range(9):
        np.testing.assert_array_equal(
            rows.indices[rows.indptr[r] : rows.indptr[r + 1]], np.flatnonzero(X[r])
        )
    with pytest.raises(ValueError, match="not binary"):
        ActiveRows.from_dense(X * 2)


def test_pcd_gradient_rows_equals_pcd_gradient_on_the_same_minibatch():
    from nelc_edu.models.pcd import ActiveRows

    model = _random_model(4, 11, 21)
    X = (np.random.default_rng(5).random((30, 11)) < 0.4).astype(np.uint8)
    data = ActiveRows.from_dense(X)
    ch_a, ch_b = model.init_chains(16, seed=3), model.init_chains(16, seed=3)
    for rows in ([3, 1, 4, 1, 5], list(range(30)), [29]):
        ga = model.pcd_gradient(X[rows], ch_a)
        gb = model.pcd_gradient_rows(data, np.array(rows), ch_b)
        for k in ga:
            np.testing.assert_array_equal(ga[k], gb[k])
    np.testing.assert_array_equal(ch_a.z, ch_b.z)


@pytest.mark.parametrize(
    "rows, msg", [([], "non-empty"), ([0.5], "row numbers"), ([30], r"\[0, 30\)"), ([-1], "lie in")]
)
def test_pcd_gradient_rows_rejects_bad_rows(rows, msg):
    from nelc_edu.models.pcd import ActiveRows

    model = _random_model(3, 5, 22)
    data = ActiveRows.from_dense(np.zeros((30, 5), dtype=np.uint8))
    with pytest.raises(ValueError, match=msg):
        model.pcd_gradient_rows(data, np.array(rows), model.init_chains(4, seed=0))
    other = ActiveRows.from_dense(np.zeros((30, 6), dtype=np.uint8))
    with pytest.raises(ValueError, match="N = 5"):
        model.pcd_gradient_rows(other, np.array([0]), model.init_chains(4, seed=0))


# --------------------------------------------------------------------------- training options
def test_tie_penalty_value_and_gradient_match_finite_differences():
    model = _random_model(3, 5, 21)
    lam = 0.7
    value, g = model.tie_penalty(lam)
    assert value == pytest.approx(-0.5 * lam * np.sum((model.U - model.W.T) ** 2), rel=1e-14)
    eps = 1e-6
    for name in ("W", "U"):
        arr = model.params()[name]
        fd = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = model.tie_penalty(lam)[0]
            arr[idx] = old - eps
            minus = model.tie_penalty(lam)[0]
            arr[idx] = old
            fd[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(g[name], fd, atol=1e-7)
    assert model.tied().tie_penalty(5.0)[0] == 0.0
    with pytest.raises(ValueError, match="tie penalty"):
        model.tie_penalty(-1.0)


def _one_step_gradient_brute(model, X):
    """The truncated rule h = rho / pi - 1, summed by brute force over all visible states."""
    T, px_z, q, Xall = _brute_T(model)
    pi = markov.stationary_distribution(T)
    Xd = X.astype(float)
    P = 1.0 / (1.0 + np.exp(-(model.U + model.b[:, None])))  # (N, K)
    lik = np.prod(np.where(Xd[:, :, None] == 1, P[None], 1 - P[None]), axis=1)  # (n, K)
    r = pi * lik / (lik @ pi)[:, None]
    rho = r.mean(axis=0)
    h = rho / pi - 1.0
    H = q @ h  # (2^N,)
    dU = Xd.T @ r / len(X) - P * rho
    dW = np.zeros_like(model.W)
    for z in range(model.K):
        w = pi[z] * px_z[:, z]  # weight of each visible state in the stationary triple
        dU[:, z] += (Xall.T @ (w * H)) - P[:, z] * np.sum(w * H)
        dW += (q * (h[None, :] - H[:, None]) * w[:, None]).T @ Xall
    return {"U": dU, "W": dW}


def test_one_step_rule_is_the_truncated_stationary_term():
    model = _random_model(3, 6, 22)
    X = _data(6, 30, 22)
    ours = model.gradient(X, method="exact", stationary_term="one_step")
    brute = _one_step_gradient_brute(model, X)
    for name in ("U", "W"):
        np.testing.assert_allclose(ours[name], brute[name], atol=1e-12)
    np.testing.assert_allclose(ours["b"], ours["U"].sum(axis=1), atol=1e-14)
    exact = model.gradient(X, method="exact")
    # the data term is shared; only the stationary term changes
    assert np.abs(ours["W"] - exact["W"]).max() > 1e-4
    with pytest.raises(ValueError, match="stationary_term"):
        model.gradient(X, method="exact", stationary_term="two_step")


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.numba), "numpy"])
def test_persistent_one_step_gradient_agrees_with_exact_one_step(backend):
    from nelc_edu.models import pcd

    model = _random_model(3, 5, 23)
    X = _data(5, 40, 23)
    T = model.latent_transition_matrix("exact")
    exact = model.gradient(X, method="exact", stationary_term="one_step")
    ch = model.init_chains(20_000, seed=1)
    for _ in range(15):
        model.pcd_gradient(X, ch, stationary_term="one_step")
    avg = {k: np.zeros_like(v) for k, v in exact.items()}
    for _ in range(10):
        g = pcd.two_matrix_pcd_gradient(model.W, model.c, model.U, model.b, X, ch, T=T,
                                           backend=backend, stationary_term="one_step")
        for k in avg:
            avg[k] += g[k] / 10
    num = math.sqrt(sum(np.sum((avg[k] - exact[k]) ** 2) for k in exact))
    den = math.sqrt(sum(np.sum(exact[k] ** 2) for k in exact))
    assert num / den < 0.05, num / den


def test_training_with_a_large_tie_penalty_pins_the_decoder_to_the_encoder():
    from nelc_edu.training import train

    X = _data(6, 200, 24)
    free = TwoMatrixModel.random(3, 6, scale=0.5, seed=0)
    pinned = free.copy()
    train(free, X, method="exact", n_updates=150, learning_rate=0.05, seed=0, progress=False)
    train(pinned, X, method="exact", n_updates=150, learning_rate=0.05, seed=0,
          progress=False, tie_penalty=10.0)  # lr * lambda = 0.5 < 1
    gap = [np.abs(m.U - m.W.T).max() for m in (free, pinned)]
    assert gap[1] < 0.1 * gap[0]
    assert pinned.entropy_production("exact") < 0.1 * free.entropy_production("exact")
    with pytest.raises(ValueError, match="two-matrix model only"):
        train(OneHotRBM.random(3, 6, seed=0), X, method="exact", n_updates=1,
              progress=False, tie_penalty=1.0)
    with pytest.raises(ValueError, match="tie_penalty"):
        train(free, X, method="exact", n_updates=1, progress=False, tie_penalty=-1.0)


def test_gradient_fidelity_cosine_against_direct_computation():
    from nelc_edu.gradient_fidelity import cosine, pcd_gradient_cosine, reference_gradient

    model = _random_model(3, 6, 25)
    X = _data(6, 40, 25)
    ref = reference_gradient(model, X)  # N <= 20: by enumeration
    exact = model.gradient(X, method="exact")
    for k in exact:
        np.testing.assert_allclose(ref[k], exact[k])
    u = np.concatenate([exact[k].ravel() for k in sorted(exact)])
    assert cosine(exact, exact) == pytest.approx(1.0)
    neg = {k: -v for k, v in exact.items()}
    assert cosine(exact, neg) == pytest.approx(-1.0)
    ch = model.init_chains(4000, seed=0)
    for _ in range(20):
        model.pcd_gradient(X, ch)
    before = (ch.step, ch.z.copy())
    c_exact = pcd_gradient_cosine(model, ch, X, n_steps=5, reference=exact)
    c_trunc = pcd_gradient_cosine(model, ch, X, n_steps=5, reference=exact,
                                  stationary_term="one_step")
    assert ch.step == before[0] and np.array_equal(ch.z, before[1])  # chains untouched
    assert c_exact > 0.97  # well-mixed chains: the PCD gradient is the exact one
    # ... and with the truncated rule, the cosine is that of the exact one-step gradient
    one_step = model.gradient(X, method="exact", stationary_term="one_step")
    assert abs(c_trunc - cosine(one_step, exact)) < 0.02
    assert np.linalg.norm(u) > 0
    # the RBM's reference is its exact gradient
    rbm = OneHotRBM.random(3, 6, scale=1.0, seed=0)
    ref = reference_gradient(rbm, X)
    for k, v in rbm.gradient(X).items():
        np.testing.assert_array_equal(ref[k], v)
