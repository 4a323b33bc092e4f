"""Tests of rmtlib.joint_scaling: limits, closed forms, simulation, the compute-optimal frontier."""

import numpy as np
import pytest

import rmtlib as rmt

A, B, P = 1.5, 1.0, 1500
T, E = rmt.power_law_spectrum(P, A), rmt.power_law_target(P, B)


@pytest.mark.parametrize("lam,noise_var", [(0.0, 0.1), (1e-3, 0.0), (0.1, 0.5)])
def test_infinitely_many_features_is_ridge_on_the_data(lam, noise_var):
    n = np.array([50.0, 300.0, 1200.0])
    joint = rmt.joint_ridge_risk(n, 1e13, T, E, lam, noise_var)
    ridge = rmt.anisotropic_ridge_risk(n, T, E, lam, noise_var)
    for field in ("bias", "variance", "excess_risk", "kappa", "df1"):
        assert getattr(joint, field) == pytest.approx(getattr(ridge, field), rel=1e-8), field
    # Υ, the feature-space df2, becomes the df2 of C
    assert joint.df2 == pytest.approx(ridge.df2, rel=1e-8)


def test_infinitely_many_samples_is_the_model_size_curve():
    N = np.array([20.0, 200.0, 1000.0])
    joint = rmt.joint_scaling_curve(1e14, N, A, B, P, 0.0, 0.0)
    assert joint.excess_risk == pytest.approx(rmt.model_size_curve(N, A, B, P), rel=1e-8)


def test_the_two_effective_ridges_solve_the_two_renormalisation_equations():
    n, N, lam = np.array([80.0, 700.0]), np.array([600.0, 90.0]), np.array([1e-4, 0.3])
    r = rmt.joint_ridge_risk(n, N, T, E, lam)
    # data side: F acts on C as N samples do, with ridge kappa_features (chapter 5's equation)
    assert rmt.renormalised_ridge(N, T, r.kappa_features) == pytest.approx(r.kappa, rel=1e-10)
    # feature side: λ = κ̃ (1 − df1/n)
    assert r.kappa_features * (1 - r.df1 / n) == pytest.approx(lam, rel=1e-9)


@pytest.mark.parametrize(
    "psi1,psi2,lam,noise_var",
    [(2.0, 2.0, 0.5, 0.0), (0.5, 2.0, 0.1, 0.2), (3.0, 0.7, 0.05, 0.5), (1.5, 1.5, 1.0, 0.0)],
)
def test_isotropic_case_is_mei_montanari_with_a_linear_activation(psi1, psi2, lam, noise_var):
    # σ(t) = t + 1e-4 t²: μ1 = 1, μ⋆² = 2e-8, so Mei–Montanari's λ̄ = λ/μ⋆² and ζ = μ1/μ⋆ describe
    # linear features up to O(μ⋆²/λ); their λ is ours (the N/d factor of their penalty is the
    # 1/N variance of our F) and their isotropic sphere data are C = I_p.
    p = 400
    ours = rmt.joint_ridge_risk(psi2 * p, psi1 * p, np.ones(p), np.full(p, 1 / p), lam, noise_var)
    mm = rmt.mei_montanari_risk(psi1, psi2, lam, rmt.poly2(1e-4, 1.0), noise_var=noise_var)
    assert ours.excess_risk == pytest.approx(mm.excess_risk, rel=1e-5)


def test_ridgeless_underparametrised_variance_is_the_least_squares_one():
    # λ = 0, N < n: least squares in N dimensions with noise σ² + approximation error, whose
    # variance factor is N/(n − N − 0) in the proportional limit (the classical OLS value).
    n, N, s2 = 800.0, np.array([100.0, 400.0]), 0.3
    r = rmt.joint_ridge_risk(n, N, T, E, 0.0, s2)
    assert r.variance == pytest.approx(s2 * N / (n - N), rel=1e-10)
    approx = rmt.model_size_curve(N, A, B, P)
    assert r.excess_risk == pytest.approx((approx + s2) * n / (n - N) - s2, rel=1e-8)
    assert np.isinf(rmt.joint_ridge_risk(300.0, 300.0, T, E, 0.0, 0.1).excess_risk)


SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    "n,N,lam,noise_var,tol",
    [
        (400, 200, 0.0, 0.1, 0.05),
        pytest.param(600, 300, 1e-3, 0.1, 0.05, marks=SLOW),
        pytest.param(400, 800, 1e-3, 0.05, 0.05, marks=SLOW),
        pytest.param(250, 600, 0.0, 0.05, 0.05, marks=SLOW),
        pytest.param(400, 800, 1e-3, 0.0, 0.08, marks=SLOW),
    ],
)
def test_simulation_agrees_with_the_equivalent(n, N, lam, noise_var, tol):
    # With noise the mean of 4 draws is within 2% for seeds 11-14; noiseless, the risk is carried
    # by the few leading directions and the mean of 4 draws scatters by ±4% around the theory.
    s = rmt.simulate_joint_ridge(n, N, T, E, lam, noise_var, n_draws=4, rng=11)
    assert s.mean == pytest.approx(float(s.theory.excess_risk), rel=tol)


def test_relu_features_simulate_and_differ_from_the_linear_theory():
    # Not covered by the equivalent: ReLU features carry a constant and a nonlinear part, which
    # act as an extra ridge; the result must be a finite risk, not the linear one.
    s = rmt.simulate_joint_ridge(300, 200, T, E, 1e-3, 0.0, "relu", n_draws=2, rng=3, n_test=500)
    assert np.all(np.isfinite(s.excess_risk)) and s.mean > 0
    lin = rmt.simulate_joint_ridge(300, 200, T, E, 1e-3, 0.0, n_draws=2, rng=3)
    assert abs(s.mean / lin.mean - 1) > 0.05


@pytest.mark.slow
def test_frontier_matches_a_brute_force_search():
    # brute force through the λ-solver path of joint_scaling_curve, on a 20 × 20 grid of (n, λ)
    f = rmt.compute_optimal_frontier([1e6], 2.0, 1.0, 5000, 1.0)
    ns, lams = np.logspace(3.5, 4.5, 20), np.logspace(-3.5, -2.0, 20)
    r = rmt.joint_scaling_curve(ns[:, None], 1e6 / ns[:, None], 2.0, 1.0, 5000, lams, 1.0)
    i, j = np.unravel_index(np.argmin(r.excess_risk), r.excess_risk.shape)
    assert 0 < i < 19 and 0 < j < 19, "the grid brackets the optimum"
    assert f.excess_risk[0] <= r.excess_risk[i, j] * (1 + 1e-3)
    assert f.excess_risk[0] == pytest.approx(r.excess_risk[i, j], rel=0.01)
    assert f.N[0] == pytest.approx(1e6 / ns[i], rel=0.2)
    assert f.lam[0] == pytest.approx(lams[j], rel=0.3)
    # the frontier's λ* reproduces its risk through the solver path
    again = rmt.joint_scaling_curve(f.n[0], f.N[0], 2.0, 1.0, 5000, f.lam[0], 1.0)
    assert float(again.excess_risk) == pytest.approx(f.excess_risk[0], rel=0.01)


def test_frontier_point_agrees_with_simulation():
    C, p = 2e5, 2000
    f = rmt.compute_optimal_frontier([C], A, 0.5, p, 0.5)
    n, N = int(round(f.n[0])), int(round(f.N[0]))
    t, e = rmt.power_law_spectrum(p, A), rmt.power_law_target(p, 0.5)
    s = rmt.simulate_joint_ridge(n, N, t, e, float(f.lam[0]), 0.5, n_draws=3, rng=5)
    assert s.mean == pytest.approx(f.excess_risk[0], rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("a,b,noise_var", [(1.5, 0.5, 1.0), (2.0, 0.5, 0.5), (2.0, 1.0, 0.0)])
def test_fitted_frontier_exponents_match_the_balance_heuristic(a, b, noise_var):
    C = np.logspace(5, 9, 9)
    fit = rmt.fit_frontier_exponents(rmt.compute_optimal_frontier(C, a, b, 100_000, noise_var))
    pred = rmt.frontier_exponents(a, b, noise_var)
    assert fit.model == pytest.approx(pred.model, abs=0.05)
    assert fit.risk == pytest.approx(pred.risk, abs=0.06)
    assert fit.data + fit.model == pytest.approx(1.0, abs=1e-9), "n* N* = C by construction"


def test_frontier_refuses_an_optimum_at_the_end_of_its_range():
    # noiseless, C = 1e9 needs n, N ≈ 3e4 > p: the optimum runs into the truncation
    with pytest.raises(ValueError, match="raise p or lower compute"):
        rmt.compute_optimal_frontier([1e9], 2.0, 1.0, 10_000, 0.0)
    assert rmt.compute_optimal_frontier([1e6], 2.0, 1.0, 10_000, 0.0).N[0] > 100


def test_simulator_refuses_sizes_above_the_memory_budget():
    with rmt.memory_budget("8M"), pytest.raises(rmt.MemoryBudgetError, match="n, N"):
        rmt.simulate_joint_ridge(2000, 2000, T, E, 0.1, rng=0)


@pytest.mark.slow
def test_tuned_joint_risk_with_exact_features_is_the_tuned_learning_curve():
    n = np.array([200.0, 1000.0])
    joint = rmt.joint_scaling_optimal(n, 1e13, 2.0, 1.0, 5000, 1.0)
    ch6 = rmt.learning_curve_optimal(n, 2.0, 1.0, 5000, 1.0)  # golden section, another search
    assert joint.excess_risk == pytest.approx(ch6.excess_risk, rel=2e-3)
    assert joint.lam == pytest.approx(ch6.lam, rel=0.1)


def test_tuned_joint_risk_is_below_every_fixed_ridge():
    n, N = np.array([[100.0], [800.0]]), np.array([[50.0, 400.0]])
    best = rmt.joint_scaling_optimal(n, N, A, 0.5, P, 0.2).excess_risk
    lams = np.logspace(-6, 1, 30)[:, None, None]
    fixed = rmt.joint_scaling_curve(n, N, A, 0.5, P, lams, 0.2).excess_risk
    assert np.all(best <= fixed.min(0) * (1 + 1e-3))
    assert best == pytest.approx(fixed.min(0), rel=0.02)
