"""Tests of rmtlib.dynamics: gradient flow / GD limits and the Gaussian-mixture dynamics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

import rmtlib as rmt


@pytest.mark.parametrize("gamma", [0.3, 0.7, 1.5, 3.0])
@pytest.mark.slow
def test_flow_at_infinity_is_ridgeless(gamma):
    late = rmt.gradient_flow_risk(1e6, gamma, r2=1.0, noise_var=0.5)
    lim = rmt.ridge_risk(gamma, 0.0, r2=1.0, noise_var=0.5)
    for f in ("bias", "variance", "train_error"):
        assert getattr(late, f) == pytest.approx(getattr(lim, f), rel=1e-9, abs=1e-12), (
            f"{f}: the flow at t=1e6 must equal the ridgeless limit (quadrature error < 1e-9)"
        )
    inf = rmt.gradient_flow_risk(np.inf, gamma, r2=1.0, noise_var=0.5)
    assert inf.excess_risk == pytest.approx(lim.excess_risk, rel=1e-14)


def test_flow_at_time_zero_is_the_null_estimator():
    r = rmt.gradient_flow_risk(0.0, 2.0, r2=1.5, noise_var=0.4, init_var=0.3)
    assert r.bias == pytest.approx(1.8, rel=1e-12), "β_0 = init: risk r2 + σ0²"
    assert r.variance == pytest.approx(0.0, abs=1e-14)
    assert r.train_error == pytest.approx(1.5 + 0.3 + 0.4, rel=1e-12), "‖y - Xᵀβ0‖²/n"


@pytest.mark.parametrize("gamma,t", [(0.5, 0.7), (1.0, 3.0), (2.5, 20.0)])
@pytest.mark.slow
def test_flow_variance_matches_adaptive_quadrature(gamma, t):
    a, b = rmt.mp_edges(gamma)
    ref = (
        gamma
        * quad(lambda x: (1 - np.exp(-t * x)) ** 2 / x * rmt.mp_density(x, gamma), a, b, limit=200)[
            0
        ]
    )
    assert rmt.gradient_flow_risk(t, gamma, 0.0, 1.0).variance == pytest.approx(ref, rel=1e-8)


def test_flow_bias_matches_moment_series_at_small_time():
    gamma, t = 0.6, 0.05
    series = sum(
        (-2 * t) ** k / np.prod(np.arange(1, k + 1)) * rmt.mp_moment(k, gamma) for k in range(25)
    )
    assert rmt.gradient_flow_risk(t, gamma, 1.0, 0.0).bias == pytest.approx(series, rel=1e-12)


def test_atom_keeps_bias_and_initialisation_forever_when_overparameterised():
    r = rmt.gradient_flow_risk(np.inf, 4.0, r2=1.0, noise_var=0.0, init_var=0.5)
    assert r.bias == pytest.approx(1.5 * 0.75), "the MP atom 1 - 1/γ of (r2 + σ0²) is never learned"


def test_gd_with_small_step_tracks_flow():
    k = np.array([10, 100, 1000])
    gd = rmt.gd_risk(k, 0.5, 0.001).excess_risk
    flow = rmt.gradient_flow_risk(0.001 * k, 0.5).excess_risk
    np.testing.assert_allclose(gd, flow, rtol=2e-3, err_msg="GD(k, η) ≈ flow(ηk) to O(η)")


def test_linear_gd_step_limit_and_error():
    assert rmt.linear_gd_step_limit(4.0) == pytest.approx(2 / 9)
    with pytest.raises(ValueError, match="stability limit"):
        rmt.gd_risk(10, 4.0, 0.25)
    diverged = rmt.gd_risk(np.array([400]), 4.0, 0.25, require_stable=False).excess_risk
    assert diverged[0] > 1e6, "beyond the limit the top modes blow up"


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="t must lie"):
        rmt.gradient_flow_risk(-1.0, 0.5)
    with pytest.raises(ValueError, match="ratio must lie"):
        rmt.gradient_flow_risk(1.0, -0.5)
    with pytest.raises(TypeError, match="integer"):
        rmt.gd_risk(1.5, 0.5, 0.1)
    with pytest.raises(ValueError, match="stability limit"):
        rmt.gmm_gd_error(10, 0.5, 1.0, 1.0)


@settings(max_examples=30, deadline=None)
@given(
    t=st.floats(0.0, 1e4),
    gamma=st.floats(0.05, 5.0),
    s2=st.floats(0.0, 3.0),
    v0=st.floats(0.0, 2.0),
)
@pytest.mark.slow
def test_flow_errors_are_nonnegative_and_bias_decreases(t, gamma, s2, v0):
    r = rmt.gradient_flow_risk(np.array([t, 2 * t + 0.1]), gamma, 1.0, s2, v0)
    assert np.all(r.bias >= 0) and np.all(r.variance >= 0) and np.all(r.train_error >= 0)
    assert r.bias[1] <= r.bias[0] + 1e-12, "bias decreases along the flow"
    assert r.variance[1] >= r.variance[0] - 1e-12, "variance grows along the flow"
    assert r.train_error[1] <= r.train_error[0] + 1e-12, "training error decreases along the flow"


@pytest.mark.parametrize("p,n,init_var", [(200, 400, 0.0), (800, 400, 0.5)])
def test_flow_simulation_matches_theory(p, n, init_var):
    ts = np.logspace(-2, 3, 15)
    sim = rmt.simulate_linear_dynamics(p, n, ts, 1.0, 1.0, init_var, n_draws=10, rng=0)
    th = rmt.gradient_flow_risk(ts, p / n, 1.0, 1.0, init_var)
    np.testing.assert_allclose(
        sim.excess_risk.mean(0),
        th.excess_risk,
        atol=0.04,
        err_msg="n=400, 10 reps: fluctuations O(1/sqrt(n reps)) ≈ 0.02",
    )
    np.testing.assert_allclose(
        sim.train_error.mean(0),
        th.train_error,
        atol=0.06,
        err_msg="train error: ‖Xᵀβ*‖²/n fluctuates by ~sqrt(2/n)/sqrt(reps)",
    )


@pytest.mark.slow
def test_gd_simulation_matches_theory():
    ks = np.arange(0, 300, 20)
    sim = rmt.simulate_linear_dynamics(800, 400, ks, 1.0, 1.0, step=0.3, n_draws=10, rng=0)
    th = rmt.gd_risk(ks, 2.0, 0.3)
    np.testing.assert_allclose(sim.excess_risk.mean(0), th.excess_risk, atol=0.04)


@pytest.mark.parametrize(
    "p,n,m2,step,lam",
    [(256, 512, 1.0, 0.01, 0.0), (512, 256, 2.0, 0.05, 0.0), (384, 384, 2.0, 0.1, 0.1)],
)
@pytest.mark.slow
def test_gmm_test_and_train_error_match_simulation(p, n, m2, step, lam):
    ts = np.array([0, 1, 5, 20, 100, 500])
    sim = rmt.simulate_gmm_gd(p, n, m2, ts, step, lam, 0.1, n_draws=15, rng=1)
    th = rmt.gmm_gd_error(ts, p / n, m2, step, lam, 0.1)
    np.testing.assert_allclose(
        sim.error.mean(0),
        th.error,
        atol=0.015,
        err_msg="test misclassification: 15 reps, n≈400",
    )
    np.testing.assert_allclose(
        sim.train_error.mean(0),
        th.train_error,
        atol=0.02,
        err_msg="train misclassification: 15 reps, n≈400",
    )


def test_gmm_spike_and_no_learning_at_time_zero():
    assert rmt.gmm_spike(1.0, 2.0) == pytest.approx(4.5)
    assert rmt.gmm_gd_error(0, 0.5, 1.0, 0.01, init_var=0.1).error == pytest.approx(0.5)


def test_gmm_spike_is_the_bbp_eigenvalue_of_the_mixture():
    # Above √c: 1 + c + ‖μ‖² + c/‖μ‖²; below: the bulk edge (issue 13: 3.47 was returned).
    c = 0.5
    assert rmt.gmm_spike(c, 2.0) == pytest.approx(1 + c + 2.0 + c / 2.0, rel=1e-15)
    assert rmt.gmm_spike(c, 0.3) == pytest.approx((1 + np.sqrt(c)) ** 2, rel=1e-15)
    m2 = np.array([0.3, 0.7, 1.0, 2.0])
    np.testing.assert_array_equal(rmt.gmm_spike(c, m2), rmt.spike_eigenvalue(m2, c))
    # seeded simulation: the top eigenvalue of X Xᵀ/n for x = ±μ + z, p = 400, n = 800
    gen = np.random.default_rng(3)
    p, n = 400, 800
    y = np.where(np.arange(n) < n // 2, -1.0, 1.0)
    # (edge fluctuations are O(n^-2/3), those of an outlier O(n^-1/2): the tolerances)
    for mu2, tol in [(0.3, 0.05), (2.0, 0.15)]:
        X = gen.standard_normal((p, n))
        X[0] += np.sqrt(mu2) * y
        top = np.linalg.eigvalsh(X @ X.T / n)[-1]
        assert top == pytest.approx(rmt.gmm_spike(c, mu2), abs=tol), mu2


@pytest.mark.slow
def test_gmm_gd_below_the_spike_threshold_matches_simulation():
    # ‖μ‖² = 0.6 < √c = 1: no outlier, the limit is the bulk one and the spike terms vanish.
    c, m2 = 1.0, 0.6
    bulk = 2 / (1 + np.sqrt(c)) ** 2
    assert rmt.linear_gd_step_limit(c, spike=rmt.gmm_spike(c, m2)) == pytest.approx(bulk)
    with pytest.raises(ValueError, match="stability limit"):
        rmt.gmm_gd_error(10, c, m2, 1.01 * bulk)
    step, times = 0.3, [0, 10, 50, 200]
    th = rmt.gmm_gd_error(times, c, m2, step, init_var=0.1)
    sim = rmt.simulate_gmm_gd(300, 300, m2, times, step, init_var=0.1, n_draws=20, rng=4)
    np.testing.assert_allclose(sim.error.mean(0), th.error, atol=0.02)
    assert th.error[-1] < 0.45, "below threshold the mixture is still learned (no outlier needed)"


@pytest.mark.parametrize("gamma", [1e4, 1e8, 1e12])
def test_flow_at_large_aspect_ratio_reaches_the_ridgeless_limit(gamma):
    # GAMMA_MAX: the bulk quadrature at huge p/n against the closed ridgeless limit.
    late = rmt.gradient_flow_risk(1e3, gamma, 1.0, 1.0)
    lim = rmt.ridge_risk(gamma, 0.0, 1.0, 1.0)
    assert late.bias == pytest.approx(lim.bias, rel=1e-13)
    assert late.variance == pytest.approx(lim.variance, rel=1e-12)
    with pytest.raises(ValueError, match="ratio must lie in"):
        rmt.gradient_flow_risk(1.0, 1e13)


def test_overflowing_results_are_refused_not_returned_as_inf():
    with pytest.raises(ValueError, match="overflows float64"):
        rmt.gradient_flow_risk(1.0, 1.0, r2=1e308, init_var=1e308)
    with pytest.raises(ValueError, match="step"):
        rmt.simulate_linear_dynamics(20, 40, [0, 10**4], step=3.0, n_draws=1, rng=0)
    # a divergence that stays finite is returned: it is what GD does (chapter 7 shows it)
    limit = rmt.linear_gd_step_limit(2.0)
    d = rmt.simulate_linear_dynamics(60, 30, [0, 50], step=1.03 * limit, n_draws=1, rng=0)
    assert np.isfinite(d.excess_risk).all() and d.excess_risk[0, 1] > d.excess_risk[0, 0]
