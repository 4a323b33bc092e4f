"""Tests of rmtlib.rf, rmtlib.rf_spectrum and rmtlib.mei_montanari: RF Gram spectrum, LLC and RFF ridge errors,
Mei–Montanari."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rmtlib as rmt


def _gmm(p, n, seed):
    M = np.zeros((2, p))
    M[0, 0], M[1, 0] = 2.0, -2.0
    X, lab = rmt.gaussian_mixture(p, n, M, rng=seed)
    return X / np.sqrt(p), 2.0 * lab - 1


@pytest.fixture(scope="module")
def data():
    X, y = _gmm(128, 256, 0)
    Xt, yt = _gmm(128, 256, 1)
    return X, y, Xt, yt


def test_gram_stieltjes_with_identity_kernel_is_marchenko_pastur():
    z = np.array([-1.0 + 1e-9j, 0.5 + 0.3j, 2 + 0.01j])
    np.testing.assert_allclose(
        rmt.rf_gram_stieltjes(z, 0.5, [1.0]),
        rmt.mp_stieltjes(z, 0.5),
        atol=1e-8,
        err_msg="Φ = I: G is a Wishart matrix",
    )


def test_gram_stieltjes_is_silversteins_law_through_the_one_solver():
    # G = ΣᵀΣ/N is a sample covariance of N samples with population Φ: the transform is
    # Silverstein's at ratio n/N, computed by the same solver (bit-identical at equal tol), and
    # within the solver's accuracy of silverstein_stieltjes at its own default tolerance.
    t, w = rmt.rf_kernel_spectrum_iid("relu", 2.0)
    z = np.array([-0.5, -1e-3 + 0.2j, 0.4 + 0.05j, 3.0 + 1e-6j])
    m = rmt.rf_gram_stieltjes(z, 0.7, t, w, tol=1e-11)
    assert np.array_equal(m, rmt.silverstein_solve(z, 0.7, t, w, tol=1e-11).m)
    np.testing.assert_allclose(m, rmt.silverstein_stieltjes(z, 0.7, t, w), rtol=1e-9)


def test_rf_module_reexports_the_moved_names():
    from rmtlib import mei_montanari, rf, rf_spectrum

    for module in (mei_montanari, rf_spectrum):
        for name in module.__all__:
            assert getattr(rf, name) is getattr(module, name) is getattr(rmt, name)


def test_gram_density_matches_simulation_iid_relu():
    p, n, N = 300, 600, 900
    X = rmt.sphere_data(p, n, rng=2)
    W = np.random.default_rng(3).standard_normal((N, p))
    S = np.maximum(W @ X, 0)
    ev = np.linalg.eigvalsh(S.T @ S / N)[:-1]
    t, w = rmt.rf_kernel_spectrum_iid("relu", n / p)
    x = np.linspace(1e-3, 3, 400)
    cdf_theory = np.cumsum(rmt.rf_gram_density(x, n / N, t, w)) * (x[1] - x[0])
    cdf_emp = np.searchsorted(np.sort(ev), x) / n
    assert np.abs(cdf_theory - cdf_emp).max() < 0.04, "Kolmogorov distance, n = 600"


def test_rf_ridge_train_test_match_simulation(data):
    X, y, Xt, yt = data
    for N, lam in [(256, 1e-1), (512, 1e-3), (128, 1e-2)]:
        th = rmt.rf_ridge_errors(X, y, Xt, yt, N, lam, "relu")
        tr, te = rmt.rf_ridge_simulate(X, y, Xt, yt, N, lam, "relu", rng=0, n_draws=10)
        assert abs(th.train - tr.mean()) < 0.05 * tr.mean() + 1e-3, "train within 5%"
        assert abs(th.test - te.mean()) < 0.08 * te.mean(), "test within 8% (10 draws)"


def test_rf_ridge_vectorised_equals_scalar_calls(data):
    X, y, Xt, yt = data
    Ns, lams = np.array([64, 256]), np.array([1e-2, 1.0])
    vec = rmt.rf_ridge_errors(X, y, Xt, yt, Ns[:, None], lams[None, :], "erf")
    for i, N in enumerate(Ns):
        for j, lm in enumerate(lams):
            one = rmt.rf_ridge_errors(X, y, Xt, yt, int(N), float(lm), "erf")
            assert np.isclose(vec.train[i, j], one.train) and np.isclose(vec.test[i, j], one.test)


def test_single_kernel_path_agrees_with_general_multi_kernel_path(data):
    from rmtlib.rf import _multi_kernel_errors

    X, y, Xt, yt = data
    K, Kt = rmt.rf_kernel(X, activation="relu"), rmt.rf_kernel(Xt, X, activation="relu")
    d = np.diag(rmt.rf_kernel(Xt, activation="relu"))
    tr, te = _multi_kernel_errors([K], [Kt], [d], y, yt, 200, 0.05)
    e = rmt.rf_ridge_errors(X, y, Xt, yt, 200, 0.05, "relu")
    assert np.isclose(tr, e.train, rtol=1e-6) and np.isclose(te, e.test, rtol=1e-6)


def test_rff_train_and_test_match_simulation(data):
    X, y, Xt, yt = data
    for N, lam in [(128, 1e-3), (64, 1e-1)]:
        th = rmt.rff_ridge_errors(X, y, Xt, yt, N, lam)
        tr, te = rmt.rff_ridge_simulate(X, y, Xt, yt, N, lam, rng=1, n_draws=10)
        assert abs(th.train - tr.mean()) < 0.1 * tr.mean() + 1e-3, "train within 10% (2N = 128)"
        assert abs(th.test - te.mean()) < 0.1 * te.mean(), "test near 2N = n: 10% (10 draws)"


def test_rff_naive_gaussian_kernel_prediction_is_wrong_near_transition(data):
    X, y, _, _ = data
    naive = rmt.rff_gaussian_kernel_train_error(X, y, 128, 1e-2)
    rmtp = rmt.rff_ridge_errors(X, y, X, y, 128, 1e-2).train
    assert naive < 0.5 * rmtp, "at 2N = n the Gaussian-kernel prediction underestimates"


def test_mei_montanari_relu_zeta_and_peak_at_interpolation_threshold():
    assert np.isclose(rmt.mei_montanari_constants("relu").zeta, 1.658896739970306)
    psi1 = np.linspace(0.5, 4, 141)
    r = rmt.mei_montanari_risk(psi1, 2.0, 1e-4)
    assert abs(psi1[np.argmax(r.excess_risk)] - 2.0) < 0.1, "peak at N = n"


def test_mei_montanari_equal_zeta_gives_equal_curves():
    from scipy.optimize import brentq

    relu = rmt.mei_montanari_constants("relu")
    # a different family, tanh(a t), tuned to ReLU's ζ
    a = brentq(
        lambda a: rmt.mei_montanari_constants(lambda u: np.tanh(a * u)).zeta - relu.zeta, 0.05, 50
    )
    c2 = rmt.mei_montanari_constants(lambda u: np.tanh(a * u))
    psi1 = [0.5, 2.5, 6.0]
    r1 = rmt.mei_montanari_risk(psi1, 2.0, 0.01 * relu.mu_star**2)
    r2 = rmt.mei_montanari_risk(
        psi1, 2.0, 0.01 * c2.mu_star**2, activation=lambda u: np.tanh(a * u)
    )
    assert np.isclose(c2.zeta, relu.zeta)
    np.testing.assert_allclose(
        r1.excess_risk,
        r2.excess_risk,
        rtol=1e-8,
        err_msg="the risk depends on σ only through ζ at equal λ̄",
    )


def test_mei_montanari_matches_simulation_at_moderate_d():
    d = 150
    for N, lam in [(300, 1e-3), (75, 1e-2), (600, 0.1)]:
        sim = rmt.mei_montanari_simulate(
            d, N, 2 * d, lam, F1sq=1.0, noise_var=0.2, rng=2, n_draws=6, n_test=1000
        )
        th = rmt.mei_montanari_risk(N / d, 2.0, lam, F1sq=1.0, noise_var=0.2)
        se = sim.std() / np.sqrt(sim.size)
        assert abs(sim.mean() - th.excess_risk) < 4 * se + 0.06 * th.excess_risk, (
            f"N={N}: sim {sim.mean():.3f} vs theory {float(th.excess_risk):.3f}"
        )


@settings(max_examples=15, deadline=None)
@given(psi1=st.floats(0.2, 8), psi2=st.floats(0.2, 8), loglam=st.floats(-4, 1))
def test_mei_montanari_bias_variance_nonnegative_and_chi_negative(psi1, psi2, loglam):
    r = rmt.mei_montanari_risk(psi1, psi2, 10**loglam)
    assert r.bias >= -1e-10 and r.variance >= -1e-10 and r.chi < 0


def test_mei_montanari_large_ridge_limit_is_the_null_predictor():
    # λ → ∞: â → 0, so the excess risk tends to ‖f‖² = F1² + F⋆² and the variance to 0.
    r = rmt.mei_montanari_risk([0.5, 2.0, 5.0], 2.0, 1e6, F1sq=1.0, Fstar_sq=0.5, noise_var=0.3)
    assert np.allclose(r.bias, 1.0, rtol=1e-4) and np.allclose(r.variance, 0.0, atol=1e-4)
    assert np.allclose(r.excess_risk, 1.5, rtol=1e-4)


def test_mei_montanari_fixed_point_solved_near_threshold_at_tiny_ridge():
    # Anderson mixing alone stalls here (ψ₁ ≈ ψ₂, λ̄ = 3e-4); continuation + Newton must solve it
    zeta = rmt.mei_montanari_constants("relu").zeta
    p1, p2, lb = 2.0849, 2.0, 3e-4
    r = rmt.mei_montanari_risk(p1, p2, lb * rmt.mei_montanari_constants("relu").mu_star ** 2)
    v = rmt.mei_montanari_fixed_point(
        1j * np.sqrt(p1 * p2 * lb), p1, p2, zeta, nu0=np.array([0.1j, 0.1j])
    )
    n1, n2 = v
    den = 1 - zeta**2 * n1 * n2
    assert np.isclose(n1, p1 / (-1j * np.sqrt(p1 * p2 * lb) - n2 - zeta**2 * n2 / den), rtol=1e-9)
    assert np.isclose((n1 * n2).real, r.chi, rtol=1e-6), "same branch from cold start and ladder"


def test_mei_montanari_nonlinear_target_acts_as_noise_in_simulation():
    # The composition F1²·B + (τ² + F⋆²)·V + F⋆² says the nonlinear part of the target is
    # learned as noise. Checked against the simulator, whose target has a genuine quadratic part
    # (not noise): d = 120, 8 draws; the tolerance is 4 standard errors plus the O(1/√d) finite
    # size correction seen at this d (6%).
    d, N, n = 120, 240, 240
    sim = rmt.mei_montanari_simulate(
        d, N, n, 0.05, F1sq=1.0, Fstar_sq=0.5, noise_var=0.1, rng=5, n_draws=8, n_test=1000
    )
    th = rmt.mei_montanari_risk(N / d, n / d, 0.05, F1sq=1.0, Fstar_sq=0.5, noise_var=0.1)
    se = sim.std() / np.sqrt(sim.size)
    assert abs(sim.mean() - th.excess_risk) < 4 * se + 0.06 * th.excess_risk, (
        f"sim {sim.mean():.3f} vs theory {float(th.excess_risk):.3f}"
    )
    assert th.excess_risk > 0.5 + th.bias, "F⋆² is never learned: it stays in the risk"
    assert np.isclose(th.test_mse, th.excess_risk + 0.1), "the test MSE adds the noise"


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"psi1 must lie in \(0, inf\)"):
        rmt.mei_montanari_risk(0.0, 1.0, 0.1)
    with pytest.raises(ValueError, match=r"psi1 must lie in \(0, 1e\+08\]"):
        rmt.mei_montanari_risk(1e300, 1.0, 0.1)
    with pytest.raises(ValueError, match=r"psi2 must lie"):
        rmt.mei_montanari_risk(1.0, -1.0, 0.1)
    with pytest.raises(ValueError, match=r"lam must lie in \[0, inf\)"):
        rmt.mei_montanari_risk(1.0, 1.0, -0.1)
    with pytest.raises(ValueError, match="unknown activation 'relux'; known"):
        rmt.mei_montanari_risk(1.0, 1.0, 0.1, activation="relux")
    with pytest.raises(ValueError, match="non-finite"):
        rmt.mei_montanari_risk(1.0, 1.0, 0.1, activation=lambda t: np.where(t > 2, np.nan, t))
    with pytest.raises(ValueError, match="affine"):
        rmt.mei_montanari_constants("linear")
    X = np.eye(3)
    with pytest.raises(ValueError, match="n_features"):
        rmt.rf_ridge_errors(X, [1, 2, 3], X, [1, 2, 3], 0, 0.1)
    with pytest.raises(TypeError, match="rng"):
        rmt.rf_ridge_simulate(X, [1, 2, 3], X, [1, 2, 3], 2, 0.1, rng=None)


def test_huge_ridge_is_the_exact_null_predictor_not_nan(data):
    # λ = 1e300: β = 0 to machine precision, so every error is the mean square of its labels
    # (λ² overflowed to NaN before).
    X, y, Xt, yt = data
    e = rmt.rf_ridge_errors(X, y, Xt, yt, 64, 1e300)
    assert np.isclose(e.train, np.mean(y**2)) and np.isclose(e.test, np.mean(yt**2))
    r = rmt.mei_montanari_risk(2.0, 3.0, 1e300, F1sq=1.0, Fstar_sq=0.5)
    assert (r.bias, r.variance, r.excess_risk) == pytest.approx((1.0, 0.0, 1.5), abs=1e-12)


def test_mei_montanari_ridgeless_solved_where_the_plain_continuation_stalled():
    # λ = 0 on a grid of ψ₁ through the threshold ψ₁ = ψ₂ = 3: the warm-started ladder used to
    # stop with ConvergenceError at one ψ₁; the fixed point must hold at every point.
    psi1 = np.linspace(0.1, 6, 60)
    r = rmt.mei_montanari_risk(psi1, 3.0, 0.0)
    assert np.all(np.isfinite(r.excess_risk)) and np.all(r.variance >= 0)
    assert abs(psi1[np.argmax(r.variance)] - 3.0) < 0.1, "the variance peaks at N = n"


def test_errors_name_the_parameter_at_fault():
    with pytest.raises(ValueError, match="n_test"):
        rmt.mei_montanari_simulate(30, 60, 60, 0.1, rng=0, n_test=0)
    with pytest.raises(ValueError, match="kernel_eigs"):
        rmt.rf_gram_density(1.0, 0.5, [])
    X = rmt.sphere_data(5, 6, rng=0)
    with pytest.raises(ValueError, match="n_features"):
        rmt.rf_ridge_simulate(X, X[0], X, X[0], 10**12, 0.1, rng=0)
    with pytest.raises(ValueError, match="n_draws"):
        rmt.rf_ridge_simulate(X, X[0], X, X[0], 3, 0.1, rng=0, n_draws=10**12)
