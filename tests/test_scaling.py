"""Tests of rmtlib.scaling: exponents, model-size curve, simulations."""

import numpy as np
import pytest

import rmtlib as rmt


def _slope(n, r):
    return -np.log(r[1] / r[0]) / np.log(n[1] / n[0])


@pytest.mark.parametrize("a,b,tol", [(1.5, 0.5, 0.05), (2.0, 2.0, 0.05), (1.5, 3.5, 0.1)])
def test_ridgeless_exponent_matches_deterministic_equivalent(a, b, tol):
    n = np.array([1000.0, 4000.0])
    r = rmt.learning_curve(n, a, b, 200_000).excess_risk
    assert _slope(n, r) == pytest.approx(rmt.scaling_exponents(a, b).ridgeless, abs=tol), (
        "local slope of the κ learning curve at n≈2000 must match min(a+b-1, 2a); the saturated "
        "case b > a+1 approaches 2a slowly (slope 3.07 at n≈2000), hence tol 0.1 there"
    )


@pytest.mark.slow
@pytest.mark.parametrize("a,b", [(2.0, 0.5), (2.0, 2.0)])
def test_optimal_ridge_exponent_matches_deterministic_equivalent(a, b):
    n = np.array([1000.0, 4000.0])
    r = rmt.learning_curve_optimal(n, a, b, 100_000, 1.0).excess_risk
    assert _slope(n, r) == pytest.approx(rmt.scaling_exponents(a, b).optimal_ridge, abs=0.03)


@pytest.mark.parametrize("a,b", [(2.0, 0.5), (2.0, 2.0), (1.5, 2.5)])
def test_model_size_exponent(a, b):
    N = np.array([1000.0, 4000.0])
    r = rmt.model_size_curve(N, a, b, 200_000)
    assert _slope(N, r) == pytest.approx(rmt.scaling_exponents(a, b).model_size, abs=0.05)


def test_model_size_curve_against_an_independent_root_of_the_kappa_equation():
    # κ_N solves 1 = (1/N) Σ t/(t + κ): found here by bracketing (brentq), not by rmtlib.
    from scipy.optimize import brentq

    a, b, p, N = 1.5, 1.0, 3000, 200.0
    t, e = np.arange(1, p + 1) ** -a, np.arange(1, p + 1) ** -b
    k = brentq(lambda k: np.sum(t / (t + k)) / N - 1, 1e-12, 1.0, xtol=1e-16, rtol=1e-14)
    assert rmt.model_size_curve(N, a, b, p) == pytest.approx(k * np.sum(t * e / (t + k)), rel=1e-10)
    assert rmt.model_size_curve(float(p), a, b, p) == 0.0, "N >= p spans everything"


def test_power_law_curves_refuse_spectra_that_underflow():
    # 2000^-100 = 1e-330 is no float64: the tail would silently become exact zeros.
    with pytest.raises(ValueError, match="a log10 p must be at most 300"):
        rmt.learning_curve([10.0], 100.0, 1.0, 2000)
    with pytest.raises(ValueError, match="a log10 p"):
        rmt.simulate_model_size([5], 100.0, 1.0, 2000, rng=0)
    assert np.isfinite(rmt.learning_curve([10.0], 90.0, 1.0, 2000).excess_risk).all()


def test_tuned_ridge_refuses_an_optimum_at_the_end_of_its_range():
    # σ² = 0.01: the optimal λ is about 1.5e-3, outside (1e-1, 10); the search would return 0.1.
    with pytest.raises(ValueError, match="widen lam_range"):
        rmt.learning_curve_optimal([100.0], 2.0, 1.0, 2000, 1e-2, lam_range=(1e-1, 10.0))
    with pytest.raises(ValueError, match="lam_range"):
        rmt.learning_curve_optimal([100.0], 2.0, 1.0, 2000, 1.0, lam_range=(1.0, 0.1))
    ok = rmt.learning_curve_optimal([100.0], 2.0, 1.0, 2000, 1e-2)
    grid = np.logspace(-6, 0, 600)
    r = rmt.learning_curve(100.0, 2.0, 1.0, 2000, grid, 1e-2).excess_risk
    assert ok.excess_risk[0] <= r.min() * (1 + 1e-9), "golden section finds the grid minimum"
    assert grid[np.argmin(r)] == pytest.approx(ok.lam[0], rel=0.03)


def test_simulate_model_size_refuses_more_projections_than_dimensions():
    with pytest.raises(ValueError, match="N_values must be an integer <= 50"):
        rmt.simulate_model_size([60], 1.5, 1.0, 50, rng=0)


def test_optimal_ridge_beats_ridgeless_and_fixed_ridge():
    n = np.array([100.0, 1000.0])
    opt = rmt.learning_curve_optimal(n, 1.5, 1.0, 20000, 0.5)
    for lam in (0.0, 1e-3, 1e-1):
        r = rmt.learning_curve(n, 1.5, 1.0, 20000, lam, 0.5).excess_risk
        assert np.all(opt.excess_risk <= r + 1e-12)


def test_learning_curve_simulation_matches_theory():
    n = np.array([50, 100, 200])
    sim = rmt.simulate_learning_curve(n, 1.5, 1.0, 1000, n_draws=20, rng=2)
    th = rmt.learning_curve(n.astype(float), 1.5, 1.0, 1000).excess_risk
    rel = np.abs(sim.mean(1) / th - 1)
    assert np.all(rel < 0.1), f"ridgeless power-law learning curve, 20 reps: rel gaps {rel}"


def test_model_size_simulation_matches_theory():
    N = np.array([25, 50, 100])
    sim = rmt.simulate_model_size(N, 1.5, 1.0, 800, n_draws=20, rng=4)
    th = rmt.model_size_curve(N.astype(float), 1.5, 1.0, 800)
    rel = np.abs(sim.mean(1) / th - 1)
    assert np.all(rel < 0.08), f"random-projection error, 20 reps: relative gaps {rel}"


def test_invalid_exponents_raise():
    with pytest.raises(ValueError, match="a must lie"):
        rmt.power_law_spectrum(10, 1.0)
    with pytest.raises(ValueError, match="a \\+ b must exceed 1"):
        rmt.scaling_exponents(1.2, -0.5)
    with pytest.raises(ValueError, match="N must lie"):
        rmt.model_size_curve(0.0, 1.5, 1.0, 100)
