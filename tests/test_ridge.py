"""Tests of rmtlib.ridge: closed forms, the κ equation, and seeded simulations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rmtlib as rmt


@pytest.mark.parametrize("gamma", [0.2, 0.5, 0.8])
def test_ridgeless_underparameterised_closed_form(gamma):
    r = rmt.ridge_risk(gamma, 0.0, r2=2.0, noise_var=0.7)
    assert r.bias == 0.0
    assert r.variance == pytest.approx(0.7 * gamma / (1 - gamma), rel=1e-14)
    assert r.train_error == pytest.approx(0.7 * (1 - gamma), rel=1e-14)


@pytest.mark.parametrize("gamma", [1.5, 2.0, 5.0])
def test_ridgeless_overparameterised_closed_form(gamma):
    r = rmt.ridge_risk(gamma, 0.0, r2=2.0, noise_var=0.7)
    assert r.bias == pytest.approx(2.0 * (1 - 1 / gamma), rel=1e-14)
    assert r.variance == pytest.approx(0.7 / (gamma - 1), rel=1e-14)
    assert r.train_error == 0.0


@pytest.mark.parametrize("gamma", [0.3, 0.9, 1.1, 3.0])
def test_ridge_tends_to_ridgeless_as_lambda_vanishes(gamma):
    small = rmt.ridge_risk(gamma, 1e-9, r2=1.0, noise_var=0.5)
    limit = rmt.ridge_risk(gamma, 0.0, r2=1.0, noise_var=0.5)
    for f in ("bias", "variance", "train_error"):
        assert getattr(small, f) == pytest.approx(getattr(limit, f), rel=1e-5, abs=1e-9), (
            f"{f}: λ=1e-9 must be within 1e-5 (relative) of the ridgeless limit (linear in λ, "
            "slope ~ 1/|1-γ|³)"
        )


def test_interpolation_peak_is_infinite_only_without_ridge():
    assert rmt.ridge_risk(1.0, 0.0).excess_risk == np.inf
    assert np.isfinite(rmt.ridge_risk(1.0, 1e-3).excess_risk)


def test_vectorised_over_gamma_and_lambda():
    g = np.array([0.5, 2.0])[:, None]
    lam = np.array([0.0, 0.1, 1.0])[None, :]
    r = rmt.ridge_risk(g, lam)
    assert r.excess_risk.shape == (2, 3)
    for i, gi in enumerate([0.5, 2.0]):
        for j, lj in enumerate([0.0, 0.1, 1.0]):
            one = rmt.ridge_risk(gi, lj)
            assert r.excess_risk[i, j] == one.excess_risk and r.train_error[i, j] == one.train_error
    assert isinstance(rmt.ridge_risk(0.5, 0.1).bias, float)


@pytest.mark.parametrize("gamma,r2,sigma2", [(0.5, 1.0, 1.0), (1.0, 2.0, 0.5), (3.0, 1.0, 0.2)])
def test_optimal_ridge_risk_equals_sigma2_gamma_m(gamma, r2, sigma2):
    opt = rmt.ridge_optimal(gamma, r2, sigma2)
    assert opt.lam == pytest.approx(sigma2 * gamma / r2)
    m = rmt.mp_stieltjes(-opt.lam, gamma).real
    assert opt.excess_risk == pytest.approx(sigma2 * gamma * m, rel=1e-12)
    assert rmt.ridge_risk(gamma, opt.lam, r2, sigma2).excess_risk == pytest.approx(
        opt.excess_risk, rel=1e-12
    ), "R(λ*) from ridge_risk must equal σ²γ m(-λ*)"
    grid = rmt.ridge_risk(gamma, opt.lam * np.logspace(-2, 2, 41), r2, sigma2).excess_risk
    assert np.all(grid >= opt.excess_risk - 1e-12), "λ* must minimise the risk over a λ grid"


def test_optimal_ridge_removes_double_descent():
    g = np.linspace(0.05, 5, 200)
    risk = rmt.ridge_optimal(g, 1.0, 0.5).excess_risk
    assert np.all(np.diff(risk) > 0), "the optimally tuned risk must increase monotonically in γ"


@pytest.mark.parametrize(
    "gamma,lam",
    [(0.25, 0.5), (0.5, 1.0), (1.0, 0.01), (2.0, 0.1), (4.0, 2.0), (3.0, 0.0), (0.5, 0.0)],
)
def test_anisotropic_reduces_to_isotropic_with_identity_covariance(gamma, lam):
    n = 400
    p = int(gamma * n)
    a = rmt.anisotropic_ridge_risk(n, np.ones(p), np.full(p, 1.3 / p), lam, noise_var=0.6)
    r = rmt.ridge_risk(gamma, lam, r2=1.3, noise_var=0.6)
    for f in ("bias", "variance", "excess_risk", "train_error"):
        assert getattr(a, f) == pytest.approx(getattr(r, f), rel=1e-10, abs=1e-12), (
            f"{f}: the κ formulas with Σ = I must equal the m(-λ) formulas to 1e-10"
        )
    if lam > 0:
        m = rmt.mp_stieltjes(-lam, gamma).real
        assert lam * m == pytest.approx(a.kappa / (1 + a.kappa), rel=1e-12), "λ m(-λ) = κ/(1+κ)"


def test_kappa_solves_its_equation():
    t = np.arange(1, 3001) ** -1.3
    n = np.array([50.0, 200.0, 1000.0])
    for lam in (0.0, 1e-5, 0.1):
        k = rmt.renormalised_ridge(n, t, lam)
        lhs = k - lam
        rhs = k / n * np.sum(t[:, None] / (t[:, None] + k), axis=0)
        np.testing.assert_allclose(
            lhs, rhs, rtol=1e-12, atol=1e-15, err_msg="κ - λ = κ/n Σ t/(t+κ) must hold to 1e-12"
        )


def test_kappa_is_zero_when_ridgeless_and_underparameterised():
    assert rmt.renormalised_ridge(100, np.ones(50), 0.0) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    gamma=st.floats(0.05, 6.0),
    lam=st.just(0.0) | st.floats(1e-8, 10.0),
    r2=st.floats(0.0, 5.0),
    sigma2=st.floats(0.0, 5.0),
)
def test_risks_are_nonnegative_and_add_up(gamma, lam, r2, sigma2):
    r = rmt.ridge_risk(gamma, lam, r2, sigma2)
    assert r.bias >= -1e-12 and r.variance >= -1e-12 and r.train_error >= -1e-12
    if np.isfinite(r.excess_risk):
        assert r.excess_risk == pytest.approx(r.bias + r.variance)


@settings(max_examples=25, deadline=None)
@given(a=st.floats(1.1, 3.0), b=st.floats(0.0, 3.0), lam=st.floats(1e-6, 1.0))
def test_bias_decreases_with_sample_size(a, b, lam):
    t = np.arange(1, 801) ** -a
    e = np.arange(1, 801) ** -b
    bias = rmt.anisotropic_ridge_risk(np.array([20.0, 40, 80, 160]), t, e, lam).bias
    assert np.all(np.diff(bias) <= 1e-12), "more samples never increase the bias"


def test_variance_increases_with_gamma_below_one_at_fixed_lambda():
    v = rmt.ridge_risk(np.linspace(0.1, 0.9, 20), 0.01, noise_var=1.0).variance
    assert np.all(np.diff(v) > 0)


def test_simulation_matches_isotropic_theory():
    lam = np.array([0.0, 0.1, 1.0])
    for p, n in [(150, 300), (600, 300)]:
        sim = rmt.simulate_ridge(
            n, np.ones(p), np.full(p, 1.0 / p), lam, noise_var=0.5, n_draws=10, rng=1
        )
        th = rmt.ridge_risk(p / n, lam, 1.0, 0.5)
        for f in ("bias", "variance", "train_error"):
            np.testing.assert_allclose(
                getattr(sim, f).mean(0),
                getattr(th, f),
                atol=0.03,
                err_msg=f"{f}: n=300, 10 reps, O(1/sqrt(n·reps)) ≈ 0.01",
            )


def test_simulation_matches_kappa_theory_for_power_law_covariance():
    p, n = 800, 200
    t = np.arange(1, p + 1) ** -1.5
    e = np.arange(1, p + 1) ** -0.5
    lam = np.array([0.0, 1e-3, 1e-1])
    sim = rmt.simulate_ridge(n, t, e, lam, noise_var=0.1, n_draws=20, rng=3)
    th = rmt.anisotropic_ridge_risk(n, t, e, lam, noise_var=0.1)
    rel = np.abs(sim.excess_risk.mean(0) / th.excess_risk - 1)
    assert np.all(rel < 0.06), f"κ theory vs simulation (n=200, 20 reps): relative gaps {rel}"
    rel_tr = np.abs(sim.train_error.mean(0)[1:] / th.train_error[1:] - 1)
    assert np.all(rel_tr < 0.06), f"train error (GCV identity) relative gaps {rel_tr}"


def test_simulator_conditional_expectations_match_brute_force_ridge():
    rng = np.random.default_rng(7)
    p, n, lam, s2 = 30, 20, 0.3, 0.8
    t = np.linspace(0.5, 2.0, p)
    beta = np.sqrt(np.full(p, 1.0 / p))
    sim = rmt.simulate_ridge(n, t, beta**2, lam, s2, n_draws=1, rng=np.random.default_rng(5))
    X = np.sqrt(t)[:, None] * np.random.default_rng(5).standard_normal((1, p, n))[0]
    A = X @ X.T / n + lam * np.eye(p)
    eps = np.sqrt(s2) * rng.standard_normal((20000, n))
    B = np.linalg.solve(A, X @ (X.T @ beta + eps).T / n).T
    risk = np.mean(np.sum(t * (B - beta) ** 2, axis=1))
    train = np.mean(np.sum((X.T @ beta + eps - B @ X) ** 2, axis=1) / n)
    assert sim.excess_risk[0] == pytest.approx(risk, rel=0.02), "20000 noise draws: ~1% MC error"
    assert sim.train_error[0] == pytest.approx(train, rel=0.02)


def test_invalid_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="lam must lie"):
        rmt.ridge_risk(0.5, -0.1)
    with pytest.raises(ValueError, match="ratio must lie"):
        rmt.ridge_risk(0.0, 0.1)
    with pytest.raises(ValueError, match="same length"):
        rmt.anisotropic_ridge_risk(10, np.ones(5), np.ones(4), 0.1)
    with pytest.raises(ValueError, match="lam must lie"):
        rmt.anisotropic_ridge_risk(10, np.ones(5), np.ones(5), -1.0)
    with pytest.raises(TypeError, match="rng"):
        rmt.simulate_ridge(10, np.ones(5), np.ones(5), 0.1, rng=None)
    with pytest.raises(ValueError, match="positive eigenvalue"):
        rmt.renormalised_ridge(10, np.zeros(5), 0.1)


def test_kappa_solver_vectorised_against_the_isotropic_quadratic():
    # Σ = I_10: κ - λ = κ γ/(1 + κ), γ = 10/n, i.e. κ² + (1 - λ - γ)κ - λ = 0 (positive root).
    n, lam = np.array([[5.0], [20.0]]), np.array([0.0, 0.1, 1.0])
    k = rmt.renormalised_ridge(n, np.ones(10), lam)
    g = 10 / n
    a = lam + g - 1
    ref = (a + np.sqrt(a**2 + 4 * lam)) / 2
    assert k.shape == (2, 3)
    np.testing.assert_allclose(k, ref, rtol=1e-12, atol=1e-300)
    assert k[1, 0] == 0.0 and k[0, 0] == pytest.approx(1.0), "λ = 0: κ = (γ - 1)⁺"


@pytest.mark.parametrize("gamma", [0.2, 0.5, 0.9, 1.0, 1.3, 2.0, 5.0])
def test_ridge_risk_against_the_marchenko_pastur_transform(gamma):
    # Independent route: B = r² λ² m', V = σ² γ (m - λ m'), train = λ²[r²(m - λm') + σ² m̃'],
    # m̃' = γ m' + (1 - γ)/λ², with m = mp_stieltjes(-λ) (rmtlib.mp, not the κ form used).
    lam = np.array([1e-3, 0.05, 0.3, 1.0, 4.0, 50.0])
    m = np.real(rmt.mp_stieltjes(-lam, gamma))
    dm = np.real(rmt.mp_stieltjes_derivative(-lam, gamma))
    r2, s2 = 1.3, 0.6
    r = rmt.ridge_risk(gamma, lam, r2, s2)
    np.testing.assert_allclose(r.bias, r2 * lam**2 * dm, rtol=1e-9)
    np.testing.assert_allclose(r.variance, s2 * gamma * (m - lam * dm), rtol=1e-8)
    train = lam**2 * (r2 * (m - lam * dm) + s2 * (gamma * dm + (1 - gamma) / lam**2))
    np.testing.assert_allclose(r.train_error, train, rtol=1e-8)
    opt = rmt.ridge_optimal(gamma, r2, s2)
    ref = s2 * gamma * np.real(rmt.mp_stieltjes(-opt.lam, gamma))
    assert opt.excess_risk == pytest.approx(ref, rel=1e-10)


def test_ridge_risk_at_huge_ridge_follows_its_expansion():
    # Issue 12: bias was NaN at λ = 1e300 and the variance lost digits like λε from λ ~ 1e7.
    # For λ → ∞ with E x = 1, E x² = 1 + γ under MP(γ):
    # B = r²(1 - 2/λ + O(λ⁻²)), V = σ²γ(1/λ² + O(λ⁻³)), train → r² + σ².
    g, r2, s2 = 0.5, 1.0, 1.0
    for lam in (1e8, 1e12, 1e100, 1e300):
        r = rmt.ridge_risk(g, lam, r2, s2)
        assert r.bias == pytest.approx(r2 * (1 - 2 / lam), rel=1e-14)
        assert r.variance == pytest.approx(s2 * g / lam / lam, rel=10 / lam, abs=1e-320)
        assert r.train_error == pytest.approx(r2 + s2, rel=1e-7)
    assert rmt.ridge_risk(1e300, 1.0).bias == 1.0, "γ → ∞: nothing is learned"


def test_ridge_risk_refuses_an_overflowing_result():
    # V ~ σ²/(2√λ) at γ = 1: 1e300/(2·1e-150) is beyond float64.
    with pytest.raises(ValueError, match="overflows float64"):
        rmt.ridge_risk(1.0, 1e-300, 1.0, 1e300)
    assert np.isinf(rmt.ridge_risk(1.0, 0.0).variance), "the documented interpolation peak"


def test_anisotropic_risk_at_huge_ridge_is_the_null_estimator():
    t, e = np.array([1e200, 1.0, 0.5]), np.array([0.0, 0.3, 0.2])
    r = rmt.anisotropic_ridge_risk(10, t, e, 1e300, noise_var=0.5)
    # κ = λ(1 + O(1e-100)): the data are ignored and the risk is Σ t θ² = 0.4
    assert r.kappa >= 1e300 and r.bias == pytest.approx(0.3 + 0.1, rel=1e-12)
    assert r.train_error == pytest.approx(0.4 + 0.5, rel=1e-12)


def test_simulate_ridge_refuses_spectra_below_round_off():
    # 1e300 next to 1: the unit directions' sample eigenvalues are below the eigensolver's
    # round-off and would count as never learned (bias 0.75 where it is about 0.4).
    with pytest.raises(ValueError, match="spans too many decades"):
        rmt.simulate_ridge(10, [1e300, 1, 1, 1], np.full(4, 0.25), 1.0, n_draws=2, rng=0)


def test_sample_covariance_eigenpairs_primal_and_dual_agree():
    gen = np.random.default_rng(0)
    for p, n in [(30, 50), (50, 30)]:
        X = gen.standard_normal((2, p, n))
        e, U = rmt.sample_covariance_eigenpairs(X)
        S = X @ np.swapaxes(X, 1, 2) / n
        ref = np.linalg.eigvalsh(S)[:, -min(p, n) :]
        np.testing.assert_allclose(e, ref, rtol=1e-10)
        np.testing.assert_allclose(S @ U, U * e[:, None, :], atol=1e-10)


def test_ridge_risk_at_the_hard_edge_for_vanishing_ridge():
    # Issue 12: ridge_risk(1.0, 1e-300) gave bias NaN and variance -inf. At γ = 1,
    # B = λ² m'(-λ) ~ √λ/2 and V = m - λ m' ~ 1/(2√λ) as λ → 0 (relative corrections O(√λ)).
    for lam in (1e-300, 1e-200, 1e-100):
        r = rmt.ridge_risk(1.0, lam)
        assert r.bias == pytest.approx(np.sqrt(lam) / 2, rel=1e-12)
        assert r.variance == pytest.approx(1 / (2 * np.sqrt(lam)), rel=1e-12)
    from scipy import integrate

    lam = 1e-3
    rho = lambda x: np.sqrt(x * (4 - x)) / (2 * np.pi * x)  # noqa: E731  MP(1) density
    bias = integrate.quad(lambda x: lam**2 / (x + lam) ** 2 * rho(x), 0, 4, limit=200)[0]
    var = integrate.quad(lambda x: x / (x + lam) ** 2 * rho(x), 0, 4, limit=200)[0]
    r = rmt.ridge_risk(1.0, lam)
    assert r.bias == pytest.approx(bias, rel=1e-7) and r.variance == pytest.approx(var, rel=1e-7)
