"""Tests of rmtlib.lazy: contour-integral dynamics against independent routes and simulation."""

import numpy as np
import pytest
from scipy.linalg import expm

import rmtlib as rmt

GAM = [0.5, 0.5]


def test_loss_at_time_zero_is_label_energy():
    assert rmt.lazy_training_loss(0.0, GAM, noise_var=0.3, snr=2.0) == pytest.approx(2.3, abs=1e-9)


def test_contour_integral_matches_density_quadrature():
    lo, hi = rmt.ntk_edges(GAM)
    x = np.linspace(lo, hi, 4001)
    rho = rmt.ntk_density(x, GAM)
    t = np.array([0.1, 0.5, 2.0])
    quad = np.trapezoid(np.exp(-2 * np.outer(t, x)) * rho, x, axis=1)
    assert np.allclose(rmt.lazy_training_loss(t, GAM), quad, atol=2e-4), (
        "∮ e^{-2tz} m(z) dz vs ∫ e^{-2tx} ρ(x) dx (grid error ~1e-4 at the edges)"
    )


def test_pure_noise_and_structured_losses_match_simulation():
    n, d0 = 500, 1000
    t = np.array([0.1, 0.3, 1.0, 3.0])
    th_noise = rmt.lazy_training_loss(t, GAM)
    th_sig = rmt.lazy_training_loss(t, GAM, noise_var=0.0, snr=1.0)
    noise, sig = [], []
    for seed in range(2):
        X0 = rmt.sphere_data(d0, n, rng=20 + seed)
        K = rmt.simulate_deep_network(X0, [1000], rng=seed).ntk
        lam = np.linalg.eigvalsh(K)
        noise.append(np.mean(np.exp(-2 * np.outer(t, lam)), axis=1))
        B = np.random.default_rng(seed).standard_normal((d0, 30))
        B *= np.sqrt(d0) / np.linalg.norm(B, axis=0)
        sig.append(rmt.empirical_training_loss(t, K, X0.T @ B))
    assert np.allclose(np.mean(noise, 0), th_noise, rtol=0.03, atol=2e-4), (
        "(1/n) Σ e^{-2tλ_i} vs contour integral: 2 seeds, n = 500"
    )
    assert np.allclose(np.mean(sig, 0), th_sig, rtol=0.06, atol=2e-4), (
        "structured labels through U_0: 2 seeds × 30 targets"
    )


@pytest.mark.slow
def test_gd_loss_is_the_discrete_analogue_and_step_limit_is_two_over_edge():
    eta = 0.5 * rmt.gd_step_limit(GAM)
    lo, hi = rmt.ntk_edges(GAM)
    assert rmt.gd_step_limit(GAM) == pytest.approx(2 / hi)
    lam = np.linspace(lo, hi, 4001)
    rho = rmt.ntk_density(lam, GAM)
    k = np.array([1, 5, 20])
    quad = np.trapezoid((1 - eta * lam[None, :]) ** (2 * k[:, None]) * rho, lam, axis=1)
    assert np.allclose(rmt.lazy_training_loss(k, GAM, step=eta), quad, atol=3e-4)


def test_gd_diverges_above_the_step_limit_in_simulation():
    X0 = rmt.sphere_data(800, 400, rng=1)
    K = rmt.simulate_deep_network(X0, [800], rng=2).ntk
    y = np.random.default_rng(0).standard_normal(400)
    limit = rmt.gd_step_limit(GAM)
    assert rmt.empirical_training_loss(300, K, y, step=0.9 * limit) < 1e-3
    assert rmt.empirical_training_loss(300, K, y, step=1.15 * limit) > 1.0


def test_lazy_predictions_match_matrix_exponential():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    K = A @ A.T / 6 + 0.1 * np.eye(6)
    y = rng.standard_normal(6)
    t = 0.7
    direct = K @ np.linalg.solve(K, (np.eye(6) - expm(-t * K)) @ y)
    assert np.allclose(rmt.lazy_predictions(K, K, y, t), direct, atol=1e-12)
    assert np.allclose(rmt.lazy_predictions(K, K, y, np.inf), y, atol=1e-10), "interpolation"
    assert np.allclose(rmt.lazy_predictions(K, K, y, 0.0), 0.0), "f_0 = 0"
    many = rmt.lazy_predictions(K, K, y, np.array([0.0, t, np.inf]))
    assert many.shape == (3, 6) and np.allclose(many[1], direct, atol=1e-12)


def test_one_step_feature_learning_spike_and_alignment():
    small = rmt.one_step_feature_learning(0.0, 400, 200, 400, rng=0)
    big = rmt.one_step_feature_learning(6.0, 400, 200, 400, rng=0)
    assert small.top_eig == small.bulk_edge and small.alignment_weights < 0.05
    assert big.top_eig > 2 * big.bulk_edge, "a large step creates an outlier above the bulk"
    assert big.alignment_weights > 0.3, "the top weight direction aligns with β*"


def test_bad_inputs():
    with pytest.raises(ValueError, match="t must"):
        rmt.lazy_training_loss(-1.0, GAM)
    with pytest.raises(ValueError, match="step"):
        rmt.one_step_feature_learning(-1.0, rng=0)
    with pytest.raises(ValueError, match="singular"):
        rmt.lazy_predictions(np.zeros((2, 2)), np.zeros((2, 2)), np.ones(2), np.inf)


@pytest.mark.slow
def test_long_times_stay_positive_and_below_the_slowest_mode():
    lo, _ = rmt.ntk_edges(GAM)
    t = np.array([5.0, 30.0, 100.0])
    loss = rmt.lazy_training_loss(t, GAM)
    assert np.all(loss >= 0) and np.all(loss <= np.exp(-2 * t * lo) * (1 + 1e-9)), (
        "0 <= ∫ e^{-2tλ} dμ <= e^{-2tλ_-}: no cancellation error at large t"
    )


def test_one_step_errors_name_the_parameter():
    with pytest.raises(TypeError, match="target"):
        rmt.one_step_feature_learning(1.0, 20, 10, 20, rng=0, target=None)
    with pytest.raises(TypeError, match="activation"):
        rmt.one_step_feature_learning(1.0, 20, 10, 20, rng=0, activation=lambda: 0.0)
    with pytest.raises(ValueError, match="n, p, N"):
        rmt.one_step_feature_learning(1.0, 10**7, 10**6, 20, rng=0)


def test_gd_needs_whole_steps_and_kernels_must_be_psd():
    K = np.diag([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="whole numbers"):
        rmt.empirical_training_loss(0.5, K, np.ones(3), step=0.1)  # (1 - ηλ)^{2t}, t not a step
    with pytest.raises(ValueError, match="whole numbers"):
        rmt.lazy_training_loss(0.5, [0.5], step=0.1)
    with pytest.raises(ValueError, match="positive semi-definite"):
        rmt.empirical_training_loss(1.0, np.diag([-1.0, 2.0, 3.0]), np.ones(3))
    with pytest.raises(ValueError, match="y must have shape"):
        rmt.lazy_predictions(K, K, np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="step"):
        rmt.spectral_training_loss(3, [1.0], step=1e300)  # diverges past the float64 range
    # GD below the step limit still matches the eigen-sum (1 - ηλ)^{2t}.
    assert rmt.spectral_training_loss(2, [1.0, 3.0], step=0.1) == pytest.approx(
        (0.9**4 + 0.7**4) / 2
    )
