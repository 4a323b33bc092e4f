"""One gradient step: the spike of W₁ (BBP), the deterministic-equivalent weights, the readout.

Each formula is checked against an independent computation (a closed form written out here, a
contour integral, the Mei–Montanari closed form, the isotropic ridge formula) and against a
seeded simulation of the actual gradient step and the actual ridge fit.
"""

from __future__ import annotations

import numpy as np
import pytest

import rmtlib as rmt


def _rectangular_bbp(theta2, q):
    """Benaych-Georges & Nadakuditi (2012), Sec. 3.1: X + θ u vᵀ, X with N(0, 1/N) entries."""
    sv2 = (1 + theta2) * (q + theta2) / theta2
    align = 1 - q * (1 + theta2) / (theta2 * (theta2 + q))
    return sv2, align


@pytest.mark.parametrize("act", ["relu", "tanh", "linear"])
def test_spike_matches_the_rectangular_bbp_closed_form(act):
    c, q, s2 = 0.5, 0.25, 0.04
    steps = np.array([1.0, 2.0, 5.0])
    s = rmt.one_step_spike(steps, c, q, act, "tanh", s2)
    mu1 = rmt.normalised_activation(act).b
    mu_star = rmt.normalised_activation("tanh").b
    g2 = mu_star**2 + c * (1 + s2)
    theta2 = (steps * mu1) ** 2 * g2
    assert np.all(theta2**2 > q)  # all above the threshold
    sv2, align = _rectangular_bbp(theta2, q)
    np.testing.assert_allclose(s.top_eigenvalue, sv2, rtol=1e-12)
    np.testing.assert_allclose(s.weight_alignment, align * mu_star**2 / g2, rtol=1e-12)
    # the threshold is where θ⁴ = p/N
    t = rmt.one_step_spike(s.threshold, c, q, act, "tanh", s2)
    assert t.strength**4 == pytest.approx(q, rel=1e-12)


def test_spike_alignment_agrees_with_the_contour_integral():
    # the alignment through the residue of uᵀQ̄(z)u (an independent route in rmtlib.spiked)
    s = rmt.one_step_spike(3.0, 0.5, 0.5, "tanh", "tanh", 0.0)
    contour = rmt.spike_alignment_contour(float(s.strength) ** 2, 0.5)
    assert float(s.singular_alignment) == pytest.approx(float(contour), abs=1e-8)


def test_spike_below_threshold_gives_the_bulk_edge_and_no_alignment():
    s = rmt.one_step_spike(0.1, 0.5, 0.5)
    assert float(s.top_eigenvalue) == pytest.approx((1 + np.sqrt(0.5)) ** 2, rel=1e-12)
    assert float(s.weight_alignment) == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_spike_matches_the_simulated_gradient_step(act):
    # p = 300, N = n = 600, three networks. θ² ∝ ‖g‖² of one batch fluctuates by about 5 %
    # (the component (1/n)Σ ξⱼyⱼ along β* has sd ≈ 1.2/√n), so λ₁ of the mean of three draws
    # is within ~3 % (1 sd); the gradient's bulk part adds O(η/√p). Tolerances 8 % and 0.05.
    p, n, N = 300, 600, 600
    steps = np.array([1.5, 3.0])
    sims = [rmt.simulate_one_step(steps, n, p, N, act, rng=k, n_test=10) for k in range(3)]
    th = rmt.one_step_spike(steps, p / n, p / N, act, "tanh", 0.01)
    top = np.mean([s.top_eigenvalue for s in sims], axis=0)
    align = np.mean([s.weight_alignment for s in sims], axis=0)
    np.testing.assert_allclose(top, th.top_eigenvalue, rtol=0.08)
    np.testing.assert_allclose(align, th.weight_alignment, atol=0.05)


@pytest.mark.slow
def test_spike_matches_chapter_12s_independent_simulator():
    # rmtlib.one_step_feature_learning (lazy module) draws and steps with its own code; its
    # alignment_weights is (v₁ᵀβ*)². Positional call (its keywords are being renamed).
    p, n, N = 300, 600, 600
    th = rmt.one_step_spike(2.0, p / n, p / N, "relu", "tanh", 0.01)
    got = [
        rmt.one_step_feature_learning(2.0, n, p, N, "relu", rng=k).alignment_weights
        for k in range(3)
    ]
    assert np.mean(got) == pytest.approx(float(th.weight_alignment), abs=0.05)


def test_spiked_step_weights_has_the_stated_direction_and_norm():
    rng = np.random.default_rng(0)
    N, p, c, s2, eta = 50, 40, 0.5, 0.2, 1.5
    W0 = rng.standard_normal((N, p))
    a = rng.choice([-1.0, 1.0], N)
    beta = rng.standard_normal(p)
    beta /= np.linalg.norm(beta)
    W = rmt.spiked_step_weights(W0, a, beta, eta, c, "relu", "relu", s2, rng=1)
    mu1 = rmt.normalised_activation("relu").b
    mu_star = rmt.normalised_activation("relu").b
    g = (W - W0)[0] / (eta * mu1 * a[0])
    assert g @ beta == pytest.approx(mu_star, rel=1e-12)
    assert g @ g == pytest.approx(mu_star**2 + c * (1 + s2), rel=1e-12)
    assert np.linalg.matrix_rank(W - W0) == 1


@pytest.mark.slow
def test_spiked_step_weights_match_the_actual_gradient_step():
    # The rank-one part of W₁ − W₀: its norm and angle to β* from the actual step, p = 400.
    # ‖g‖² fluctuates by O(n^{-1/2}); the bulk part of the gradient has relative norm O(n^{-1/2}).
    p, n, N, eta = 400, 800, 800, 2.0
    sim = rmt.simulate_one_step(eta, n, p, N, "tanh", rng=8, n_test=10)
    D = sim.weights_after[0] - sim.weights
    W = rmt.spiked_step_weights(sim.weights, sim.second_layer, sim.beta, eta, p / n, "tanh", rng=0)
    E = W - sim.weights
    sd, se = np.linalg.svd(D, compute_uv=False)[0], np.linalg.svd(E, compute_uv=False)[0]
    assert sd == pytest.approx(se, rel=0.05)
    vd = np.linalg.svd(D)[2][0]
    ve = np.linalg.svd(E)[2][0]
    assert (vd @ sim.beta) ** 2 == pytest.approx((ve @ sim.beta) ** 2, abs=0.05)


def test_readout_risk_linear_case_is_isotropic_ridge():
    # σ, g linear, W = √p I: the features are x, and the readout is ridge_risk at p/n = 1/4
    p = 100
    for lam in [0.1, 1.0]:
        W = np.sqrt(p) * np.eye(p)
        r = rmt.readout_risk(W, np.eye(p)[3], 4 * p, lam, "linear", "linear", 0.5)
        ref = rmt.ridge_risk(0.25, lam, noise_var=0.5)
        assert float(r.excess_risk) == pytest.approx(float(ref.excess_risk), rel=1e-9)
        assert r.linear_floor == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_readout_risk_at_step_zero_is_the_mei_montanari_risk(act):
    # At W = W₀ the conditional equivalent fluctuates with W₀ by O(p^{-1/2}); averaged over three
    # draws at p = 300 it must meet the fully deterministic random-features risk within 3 %.
    p, n, N = 300, 900, 600
    mu_star = rmt.normalised_activation("tanh").b
    lam = np.array([0.05, 0.5])
    f = rmt.normalised_activation(act).fn
    mm = rmt.mei_montanari_risk(N / p, n / p, lam, f, mu_star**2, 1 - mu_star**2, 0.01)
    got = []
    for k in range(3):
        g = np.random.default_rng(k)
        W0 = g.standard_normal((N, p))
        b = g.standard_normal(p)
        got.append(rmt.readout_risk(W0, b, n, lam, act).test_mse)
    np.testing.assert_allclose(np.mean(got, axis=0), mm.test_mse, rtol=0.03)


@pytest.mark.slow
def test_readout_risk_matches_the_simulated_ridge_fit():
    # Theory given the simulated W₁, against the ridge fit averaged over 6 readout batches
    # (the test error of one batch fluctuates by ~10 % at p = 200; 6 batches bring it to ~4 %).
    p, n, N = 200, 400, 800
    steps = np.array([0.0, 2.0])
    sim = rmt.simulate_one_step(steps, n, p, N, "tanh", rng=1, lam=0.1, n_draws=6, n_test=1000)
    th = [rmt.readout_risk(W, sim.beta, n, 0.1, "tanh").test_mse for W in sim.weights_after]
    np.testing.assert_allclose(sim.test_mse[:, 0], th, rtol=0.08)
    assert sim.test_mse[1, 0] < 0.9 * sim.test_mse[0, 0]  # the step helps, and the theory says so
    assert th[1] < 0.9 * th[0]


def test_several_steps_pass_the_one_step_ceiling():
    # One step cannot align v₁ with β* beyond the gradient's alignment (μ₁*)²/‖g‖² (0.65 here);
    # two steps on fresh batches average the gradients' noise. At p = 200 the one-step
    # simulation sits within 0.05 of the ceiling, and two steps clear it by more than 0.08.
    p, n, N = 200, 400, 800
    ceiling = rmt.one_step_spike(4.0, p / n, p / N, "relu", "tanh", 0.01).direction_alignment
    one = rmt.simulate_one_step(4.0, n, p, N, "relu", rng=2, n_test=10)
    two = rmt.simulate_one_step(4.0, n, p, N, "relu", rng=2, n_test=10, n_steps=2)
    assert one.weight_alignment[0] < ceiling + 0.05
    assert two.weight_alignment[0] > ceiling + 0.08
