"""Tests of rmtlib.deep: every formula against an independent route and a seeded simulation."""

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

import rmtlib as rmt
from rmtlib.deep import _nested
from rmtlib.deep import ck as deep_ck


def _mp_quadrature(gamma0, nodes=200):
    """Gauss–Legendre nodes/weights for ∫ f dMP_γ (γ < 1), smooth after λ = c - r cos θ."""
    a, b = rmt.mp_edges(gamma0)
    th, w = np.polynomial.legendre.leggauss(nodes)
    th = (th + 1) * np.pi / 2
    w = w * np.pi / 2
    c, r = (a + b) / 2, (b - a) / 2
    lam = c - r * np.cos(th)
    return lam, w * r**2 * np.sin(th) ** 2 / (2 * np.pi * gamma0 * lam)


# ---------------------------------------------------------------- normalisation and validation
def test_relu_constants_match_closed_form():
    act = rmt.normalised_activation("relu")
    var = 0.5 - 1 / (2 * np.pi)
    assert act.b == pytest.approx(np.sqrt(0.25 / var), abs=1e-10), "b_relu = (1/2)/sd"
    assert act.a == pytest.approx(0.5 / var, abs=1e-10), "a_relu = P(ξ>0)/Var"


def test_numerical_derivative_matches_analytic_for_a_callable():
    a_named = rmt.normalised_activation("tanh").a
    a_callable = rmt.normalised_activation(lambda t: np.tanh(t)).a
    assert a_callable == pytest.approx(a_named, abs=1e-6), "central difference h=1e-6: error ~1e-6"


def test_jensen_a_at_least_b_squared():
    for name in ["relu", "tanh", "erf", "leaky_relu", "abs", "sin"]:
        act = rmt.normalised_activation(name)
        assert act.a >= act.b**2 - 1e-12, f"Jensen: E σ'² ≥ (E σ')² for {name}"


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="cannot be normalised"):
        rmt.ck_stieltjes(1j, [0.5, 0.5], activation=lambda t: np.ones_like(t))
    with pytest.raises(ValueError, match="length L \\+ 1"):
        rmt.ck_stieltjes(1j, [])
    with pytest.raises(ValueError, match="layer_ratios must lie in"):
        rmt.ntk_stieltjes(1j, [0.5, -1.0])
    with pytest.raises(ValueError, match="imaginary part"):
        rmt.ck_stieltjes(1.0, [0.5, 0.5])
    with pytest.raises(ValueError, match="imaginary part"):
        rmt.ntk_stieltjes(3.0, [0.5, 0.5])
    with pytest.raises(ValueError, match="square-integrable"):
        rmt.ntk_stieltjes(1j, [0.5, 0.5], activation="sign")
    with pytest.raises(ValueError, match="unknown activation"):
        rmt.ck_stieltjes(1j, [0.5], activation="nope")
    with pytest.raises(ValueError, match="depth"):
        rmt.ntk_weights(-1)


def test_conjugate_symmetry_and_negative_real_axis():
    z = np.array([1.0 + 0.3j, 2.0 - 0.3j])
    m = rmt.ntk_stieltjes(z, [0.5, 0.5, 0.5])
    assert m[0] == pytest.approx(np.conj(rmt.ntk_stieltjes(np.conj(z[0]), [0.5, 0.5, 0.5])))
    assert m[1].imag < 0, "m(z̄) = conj m(z)"
    assert rmt.ck_stieltjes(-2.0, [0.5, 0.5]).imag == pytest.approx(0.0, abs=1e-14)


# ---------------------------------------------------------------- CK: recursion vs independent
@pytest.mark.slow
def test_ck_with_atom_at_zero_matches_simulation_off_axis():
    # γ_L = 2: an atom of mass 1/2 at 0; the CK Stieltjes transform at -0.05 is large and > 0.
    X0 = rmt.sphere_data(1000, 500, rng=0)
    ev = np.linalg.eigvalsh(rmt.simulate_deep_network(X0, [500, 250], rng=1, ntk=False).ck[-1])
    for z in (-0.05, -0.3, 0.5 + 0.2j):
        assert rmt.ck_stieltjes(z, [0.5, 1.0, 2.0]) == pytest.approx(
            np.mean(1 / (ev - z)), rel=0.02
        ), "n = 500: 2%"


def test_depth_zero_is_marchenko_pastur():
    z = np.array([-1.0, 0.5 + 0.2j, 3 + 1e-3j])
    assert np.allclose(rmt.ck_stieltjes(z, [0.7]), rmt.mp_stieltjes(z, 0.7), atol=1e-12)


@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.generate])
@example(g0=0.5, g1=1.0, g2=2.0, act="relu")  # γ_L > 1: an atom at 0 next to the contour
@given(
    g0=st.floats(0.2, 0.9),
    g1=st.floats(0.2, 2.0),
    g2=st.floats(0.2, 2.0),
    act=st.sampled_from(["relu", "tanh", "erf"]),
)
def test_ck_moments_closed_form_match_contour_integral_of_recursion(g0, g1, g2, act):
    gam = [g0, g1, g2]
    closed = rmt.ck_moments(4, gam, act)
    b = rmt.normalised_activation(act).b
    sh, sl = _nested.layer_maps(np.array(gam), b)
    hi = _nested.upper_bound(np.array(gam), sh, sl)
    ks = np.arange(1, 5)
    contour = rmt.spectral_integral(
        lambda z: z[:, None] ** ks,
        lambda z: rmt.ck_stieltjes(z, gam, act)[:, None] * np.ones(4),
        -0.3,
        hi + 0.3,
        n_nodes=800,
    )
    assert np.allclose(contour, closed, rtol=1e-7), "NC-partition moments vs ∮ z^k m(z) dz"


def test_ck_variance_recursion():
    b = rmt.normalised_activation("relu").b
    gam = [0.5, 0.3, 0.8, 1.2]
    v = gam[0]
    for g in gam[1:]:
        v = b**4 * v + g
    m = rmt.ck_moments(2, gam)
    assert m[1] - m[0] ** 2 == pytest.approx(v, rel=1e-12), "v_ℓ = b⁴ v_{ℓ-1} + γ_ℓ"


@pytest.mark.parametrize("L", [1, 2, 3])
def test_nested_trace_with_top_weight_only_equals_ck_recursion(L):
    gam = np.array([0.5] + [0.7] * L)
    b = rmt.normalised_activation("tanh").b
    sh, sl = _nested.layer_maps(gam, b)
    z = np.array([0.4 + 0.05j, 1.5 + 0.01j, -1.0 + 0j, 5 + 2j])
    c = np.zeros(L + 1)
    c[-1] = 1.0
    T, U = _nested.nested_trace(-z, c, gam, sh, sl)
    assert np.allclose(T, deep_ck._ck_recursion(z, gam, sh, sl), atol=1e-10), (
        "δ form (nested trace) vs m_ℓ form (Fan–Wang recursion) of the CK Stieltjes transform"
    )
    assert np.allclose(U[..., -1], 1 + z * T, atol=1e-10), "(1/n) tr K_L Q = 1 + z m"


def test_ck_density_is_normalised():
    x = np.linspace(1e-3, 6, 400)
    rho = rmt.ck_density(x, [0.5, 0.5, 0.5])
    assert np.trapezoid(rho, x) == pytest.approx(1.0, abs=2e-3), "no atom when γ_L < 1"


def test_zero_b_forgets_the_input():
    z = np.array([0.5 + 0.1j, 2 + 0.3j])
    assert np.allclose(rmt.ck_stieltjes(z, [0.5, 0.5, 0.8], "abs"), rmt.mp_stieltjes(z, 0.8))


# ---------------------------------------------------------------- NTK
def test_ntk_l1_matches_independent_silverstein_quadrature():
    g0, g1 = 0.5, 0.7
    act = rmt.normalised_activation("relu")
    b2, a = act.b**2, act.a
    lam, w = _mp_quadrature(g0)
    phi = 1 - b2 + b2 * lam
    for z in [2.0 + 0.5j, -1.0 + 0j, 4.0 + 0.05j]:
        # K_NTK = K_1 + Φ + (a - 1) I, K_1 a sample covariance of population Φ (ratio γ_1).
        delta = 0.0
        for _ in range(20000):
            new = g1 * np.sum(w * phi / (phi / (1 + delta) + phi + a - 1 - z))
            if abs(new - delta) < 1e-14:
                break
            delta = 0.5 * delta + 0.5 * new
        T = np.sum(w / (phi / (1 + delta) + phi + a - 1 - z))
        assert rmt.ntk_stieltjes(z, [g0, g1]) == pytest.approx(T, abs=1e-9), (
            "nested-trace vs scalar Silverstein equation with MP quadrature (L = 1)"
        )


def test_ntk_l1_moments_match_closed_form():
    g0, g1 = 0.5, 0.7
    act = rmt.normalised_activation("tanh")
    b2, a = act.b**2, act.a
    lam, w = _mp_quadrature(g0)
    A = b2 * lam + a - b2
    C = b2 * lam + 1 - b2
    E = lambda f: np.sum(w * f)  # noqa: E731
    m1 = E(A) + E(C)
    m2 = E(A**2) + 2 * E(A * C) + E(C**2) + g1 * E(C) ** 2
    m3 = (
        E(A**3)
        + 3 * E(A**2 * C)
        + 3 * (E(A * C**2) + g1 * E(C) * E(A * C))
        + (E(C**3) + 3 * g1 * E(C) * E(C**2) + g1**2 * E(C) ** 3)
    )
    assert np.allclose(rmt.ntk_moments(3, [g0, g1], "tanh"), [m1, m2, m3], rtol=1e-8)


@pytest.mark.parametrize("L", [0, 1, 2, 3])
def test_ntk_first_moment_is_sum_of_powers_of_a(L):
    a = rmt.normalised_activation("relu").a
    m1 = rmt.ntk_moments(1, [0.5] * (L + 1))[0]
    assert m1 == pytest.approx(sum(a**k for k in range(L + 1)), rel=1e-9)


def test_ntk_density_integrates_to_one():
    lo, hi = rmt.ntk_edges([0.5, 0.5, 0.5])
    x = np.linspace(lo - 0.05, hi + 0.05, 600)
    assert np.trapezoid(rmt.ntk_density(x, [0.5, 0.5, 0.5]), x) == pytest.approx(1, abs=3e-3)


@pytest.mark.parametrize("L", [1, 2])
@pytest.mark.slow
def test_ck_and_ntk_moments_match_simulation(L):
    n, d0 = 400, 800
    gam = [n / d0] + [0.5] * L
    ck, nt = [], []
    for seed in range(4):
        s = rmt.simulate_deep_network(
            rmt.sphere_data(d0, n, rng=50 + seed), [800] * L, "relu", rng=seed
        )
        ck.append([np.mean(np.linalg.eigvalsh(s.ck[-1]) ** k) for k in (1, 2, 3)])
        nt.append([np.mean(np.linalg.eigvalsh(s.ntk) ** k) for k in (1, 2, 3)])
    assert np.allclose(np.mean(ck, 0), rmt.ck_moments(3, gam), rtol=0.03), (
        "CK moments: 4 seeds at n=400, finite-size bias O(1/n) plus outlier terms: 3%"
    )
    assert np.allclose(np.mean(nt, 0), rmt.ntk_moments(3, gam), rtol=0.04), (
        "NTK moments ([RECONSTRUCTED] weights): 4 seeds, common-mode fluctuation: 4%"
    )


@pytest.mark.slow
def test_ntk_spectrum_matches_simulated_histogram_l2():
    n, gam = 500, [0.5, 0.5, 0.5]
    lo, hi = rmt.ntk_edges(gam)
    x = np.linspace(lo - 0.1, hi + 0.1, 800)
    rho = rmt.ntk_density(x, gam)
    cdf = np.concatenate([[0], np.cumsum((rho[1:] + rho[:-1]) / 2 * np.diff(x))])
    eig = np.concatenate(
        [
            np.linalg.eigvalsh(
                rmt.simulate_deep_network(
                    rmt.sphere_data(1000, n, rng=seed), [1000, 1000], rng=seed + 7
                ).ntk
            )
            for seed in range(3)
        ]
    )
    ks = np.max(np.abs(np.searchsorted(np.sort(eig), x) / eig.size - cdf))
    assert ks < 0.03, f"Kolmogorov distance {ks:.3f}: 3 seeds × 500 eigenvalues, ~0.02 expected"
    assert np.max(eig) == pytest.approx(hi, rel=0.04), "right edge (Tracy–Widom scale n^-2/3)"


# ---------------------------------------------------------------- compression, GMM, DEQ
def test_ternary_matches_relu_constant_b():
    f = rmt.match_ternary("relu")
    assert rmt.normalised_activation(f).b == pytest.approx(
        rmt.normalised_activation("relu").b, abs=1e-9
    )
    with pytest.raises(ValueError, match="outside the range"):
        rmt.match_ternary("linear")


def test_equal_b_gives_equal_ck_spectra_in_simulation():
    n, d0 = 400, 800
    q = np.linspace(0.02, 0.98, 25)
    tern = rmt.match_ternary("relu")
    ev = {}
    for name, act in [("relu", "relu"), ("ternary", tern)]:
        ev[name] = np.concatenate(
            [
                np.linalg.eigvalsh(
                    rmt.simulate_deep_network(
                        rmt.sphere_data(d0, n, rng=s), [800, 800], act, rng=100 + s, ntk=False
                    ).ck[-1]
                )
                for s in range(2)
            ]
        )
    gap = np.max(np.abs(np.quantile(ev["relu"], q) - np.quantile(ev["ternary"], q)))
    assert gap < 0.05, f"quantile gap {gap:.3f} between ReLU and matched ternary CK (L=2)"


def test_gmm_scalars_relu_closed_form():
    s = rmt.gmm_ck_scalars(["relu", "relu"])
    assert s.tau[1] ** 2 == pytest.approx(0.5 - 1 / (2 * np.pi), abs=1e-10)
    assert s.alpha1[2] == pytest.approx(1 / 16, abs=1e-10), "(E σ')² = 1/4 per ReLU layer"
    assert s.alpha3[1] == pytest.approx(0.5 / (2 * np.pi), abs=1e-10), "½ (E σ'')², E σ'' = φ(0)"


def test_ternary_gmm_matches_alpha_scalars():
    f, shift = rmt.match_ternary_gmm("relu", 1.1)
    s, r = rmt.gmm_ck_scalars([f], 1.1), rmt.gmm_ck_scalars(["relu"], 1.1)
    for field in ("alpha1", "alpha2", "alpha3"):
        assert getattr(s, field)[1] == pytest.approx(getattr(r, field)[1], rel=1e-8)
    assert s.tau[1] ** 2 - r.tau[1] ** 2 == pytest.approx(shift, rel=1e-8)


def test_gmm_equivalent_and_compression_in_simulation():
    p, n, N = 400, 400, 1600
    means = np.zeros((2, p))
    means[0, 0], means[1, 0] = 2.5, -2.5
    cov = np.ones((2, p))
    cov[1] *= 1.3
    X, lab = rmt.gaussian_mixture(p, n, means, rng=3, covariances=cov)
    X /= np.sqrt(p)
    tau0 = np.sqrt(cov.mean())
    tern, shift = rmt.match_ternary_gmm("relu", tau0)
    sims = {}
    for name, act in [("relu", "relu"), ("ternary", tern)]:
        sc = rmt.gmm_ck_scalars([act], tau0)
        K = rmt.simulate_deep_network(
            X, [N], [act], rng=5, ntk=False, normalise=False, tau=sc.tau
        ).ck[-1]
        sims[name] = (np.linalg.eigvalsh(K), sc)
    ev_r, sc_r = sims["relu"]
    Kt = rmt.gmm_ck_equivalent(X, lab, cov, sc_r)
    # finite width: moments of MP_{n/N} ⊠ law(K̃) against the simulation
    kt_eigs = np.linalg.eigvalsh(Kt)
    kt_eigs[kt_eigs < 1e-10 * kt_eigs.max()] = 0.0  # round-off around the null space
    pred = np.array([rmt.silverstein_moment(k, n / N, kt_eigs) for k in (1, 2, 3)])
    emp = np.array([np.mean(ev_r**k) for k in (1, 2, 3)])
    assert np.allclose(emp, pred, rtol=0.03), "K̃ with MP width noise vs simulated moments: 3%"
    ev_t = sims["ternary"][0]
    assert np.mean(ev_t) - np.mean(ev_r) == pytest.approx(shift, abs=0.01), (
        "the ternary CK sits shifted by Δ = τ_T² - τ_σ²"
    )


def test_deq_fixed_point_and_linear_coefficient_match_simulation():
    c = rmt.deq_ck_coefficients("tanh", 0.2, 1.0)
    X = rmt.sphere_data(300, 200, rng=0)
    K = rmt.simulate_deq(X, 1500, "tanh", 0.2, 1.0, rng=1)
    G = X.T @ X
    off = ~np.eye(200, dtype=bool)
    slope = np.polyfit(G[off], K[off], 1)[0]
    assert np.mean(np.diag(K)) == pytest.approx(c.q, rel=0.01), "diagonal q*: d=1500, 1%"
    assert slope == pytest.approx(c.alpha, rel=0.04), "off-diagonal slope α*: 4%"
    f = rmt.deq_explicit_activation(c)
    assert rmt.gaussian_expectation(lambda t: f(t) ** 2) == pytest.approx(c.q, rel=1e-9)
    assert rmt.gaussian_expectation(lambda t: t * f(t)) ** 2 == pytest.approx(c.alpha, rel=1e-9)


def test_deq_rejects_unstable_recurrence():
    with pytest.raises(ValueError, match="sigma_a2"):
        rmt.deq_ck_coefficients("tanh", 1.5, 1.0)


def test_finite_width_density_of_identity_kernel_is_mp():
    x = np.array([0.3, 1.0, 2.0])
    assert np.allclose(
        rmt.finite_width_density(x, np.ones(10), 0.5), rmt.mp_density(x, 0.5), atol=1e-5
    )


def test_simulator_is_seeded_and_ntk_trace_matches_the_limit():
    X = rmt.sphere_data(60, 30, rng=0)
    s1 = rmt.simulate_deep_network(X, [90], rng=3)
    s2 = rmt.simulate_deep_network(X, [90], rng=3)
    assert np.array_equal(s1.ntk, s2.ntk)
    s3 = rmt.simulate_deep_network(X, [90], rng=4)
    assert not np.array_equal(s1.ntk, s3.ntk), "the seed is used"
    # (1/n) tr K^NTK = (1/n) tr K_1 + (1/n) Σ_j ‖x_j‖² ‖g_j‖², each term → its mean: 1 + a_σ.
    tr = np.mean(
        [
            np.trace(rmt.simulate_deep_network(rmt.sphere_data(400, 200, rng=k), [800], rng=k).ntk)
            / 200
            for k in range(2)
        ]
    )
    assert tr == pytest.approx(rmt.ntk_weights(1).trace, rel=0.02), (
        "trace: d = 800, n = 200, 2 seeds: sampling error ~0.5%"
    )
    with pytest.raises(TypeError, match="rng"):
        rmt.simulate_deep_network(X, [90], rng=None)


def test_sample_deep_spectrum_matches_limit_trace_and_validates():
    ev = rmt.sample_deep_spectrum(150, [0.5, 0.5, 0.5], "tanh", kernel="ntk", n_draws=2, rng=1)
    assert ev.shape == (2, 150)
    assert ev.mean() == pytest.approx(rmt.ntk_weights(2, "tanh").trace, rel=0.05), (
        "mean NTK eigenvalue → Σ a^k (n = 150, 2 seeds: 5%)"
    )
    with pytest.raises(ValueError, match="kernel"):
        rmt.sample_deep_spectrum(10, [0.5], kernel="rf", rng=0)


# ---------------------------------------------------------------- issue 12: silent garbage
def _ck_chain(mL, z, gammas, b):
    """(z_ℓ, m_ℓ), ℓ = L..0, of the subordination chain of the CK recursion from m_L(z)."""
    g = np.asarray(gammas, float)
    s, t = 1 - b * b, b * b
    zs, ms = [z], [mL]
    for ell in range(g.size - 1, 0, -1):
        w = 1 - g[ell] - g[ell] * zs[-1] * ms[-1]
        zs.append((zs[-1] / w - s) / t)
        ms.append(t * w * ms[-1])
    return np.array(zs), np.array(ms)


def _ck_polynomial_residual(m, z, gammas, b):
    """Relative residual of m_L(z) in the algebraic equation of degree 2^(L+1) of the CK law.

    With p_ℓ = z_ℓ m_ℓ the chain is polynomial in m = m_L: w_ℓ = 1 - γ_ℓ - γ_ℓ p_ℓ,
    m_{ℓ-1} = b² w_ℓ m_ℓ, p_{ℓ-1} = p_ℓ - (1 - b²) w_ℓ m_ℓ, and MP_γ₀ at the bottom gives
    γ₀ p₀ m₀ + p₀ + (γ₀ - 1) m₀ + 1 = 0.
    """
    g = np.asarray(gammas, float)
    s, t = 1 - b * b, b * b
    p = z * m
    for ell in range(g.size - 1, 0, -1):
        wm = (1 - g[ell] - g[ell] * p) * m
        m, p = t * wm, p - s * wm
    terms = np.array([g[0] * p * m, p, (g[0] - 1) * m, 1.0])
    return abs(terms.sum()) / np.abs(terms).sum()


def test_ck_density_of_six_narrow_layers_stays_on_the_stieltjes_branch():
    # Issue 12: 0.01031, 0.01429, 0.01030 at x = 4.171, 4.172, 4.173 (a jump to another root).
    g = [10.0] * 6
    b = rmt.normalised_activation("relu").b
    x = np.array([4.170, 4.171, 4.172, 4.173, 4.174])
    m = rmt.ck_stieltjes(x + 1e-6j, g)
    for xi, mi in zip(x, m):
        assert _ck_polynomial_residual(mi, xi + 1e-6j, g, b) < 1e-12, "a root of the CK equation"
        zs, ms = _ck_chain(mi, xi + 1e-6j, g, b)
        assert np.all(zs.imag > 0) and np.all(ms.imag > 0), "the Stieltjes (subordination) branch"
    rho = rmt.ck_density(x, g)
    assert np.allclose(rho, m.imag / np.pi)
    assert np.max(np.abs(np.diff(rho, 2))) < 1e-6, "smooth: no isolated jump (was 4e-3)"


def test_ntk_edges_inside_a_wide_enclosure():
    # Issue 12: six layers at γ = 3 gave "no support found" (support ≈ [16, 63], enclosure ≈ 1e5).
    g = [3.0] * 6
    left, right = rmt.ntk_edges(g)
    mean = rmt.ntk_weights(5).trace
    assert 15 < left < mean < right < 64
    w = right - left
    inside = rmt.ntk_density(np.array([left + 0.01 * w, right - 0.01 * w]), g)
    outside = rmt.ntk_density(np.array([left - 0.01 * w, right + 0.01 * w]), g)
    assert np.all(inside > 1e-4) and np.all(outside < 1e-6), "density changes at the edges"
    with pytest.raises(ValueError, match="resolution"):
        rmt.ntk_edges([0.5, 0.5], resolution=1e-300)


def _narayana_moment(k, g):
    from math import comb

    return sum(comb(k, r) * comb(k, r - 1) // k * g ** (r - 1) for r in range(1, k + 1))


def _nc_moments_bruteforce(nu, gamma, k_max):
    """Σ over non-crossing partitions by block sizes (Kreweras' count), exact rationals."""
    from fractions import Fraction
    from math import factorial

    def partitions(k, largest):
        if k == 0:
            yield []
            return
        for first in range(min(k, largest), 0, -1):
            for rest in partitions(k - first, first):
                yield [first, *rest]

    out = []
    for k in range(1, k_max + 1):
        total = Fraction(0)
        for part in partitions(k, k):
            r = len(part)
            counts = np.bincount(part)
            coef = Fraction(factorial(k), factorial(k - r + 1))
            for c in counts:
                coef /= factorial(int(c))
            term = coef * gamma ** (r - 1)
            for j in part:
                term *= nu[j - 1]
            total += term
        out.append(total)
    return out


def test_free_mp_moments_match_the_non_crossing_partition_sum():
    from fractions import Fraction

    nu = [Fraction(j + 2, 3) ** j for j in range(1, 13)]
    exact = _nc_moments_bruteforce(nu, Fraction(3, 7), 12)
    fast = rmt.silverstein_moments(3 / 7, np.array([float(v) for v in nu]))
    assert np.allclose(fast, [float(v) for v in exact], rtol=1e-13, atol=0)


@pytest.mark.slow  # 2-6 s measured in the fast loop (CONTRIBUTING: marks by time)
def test_high_moments_against_closed_forms():
    # L = 0: both are MP moments (Narayana polynomials, exact integers).
    for k in (1, 50, 100, 200):
        ref = _narayana_moment(k, 0.5)
        assert rmt.ck_moments(k, [0.5])[-1] == pytest.approx(ref, rel=1e-13)
    ntk0 = rmt.ntk_moments(200, [0.5])
    assert np.allclose(
        ntk0[[0, 49, 99, 199]], [_narayana_moment(k, 0.5) for k in (1, 50, 100, 200)], rtol=1e-9
    ), "NTK contour at L = 0 vs Narayana (was NaN past k = 300)"
    # L = 2: the same Bernstein-ellipse contour, applied to the CK transform, vs the closed form.
    gam = np.array([0.5, 0.7, 0.6])
    b = rmt.normalised_activation("relu").b
    sh, sl = _nested.layer_maps(gam, b)
    m = lambda z: rmt.ck_stieltjes(z, gam, tol=1e-13)  # noqa: E731
    left, right = _nested.support_edges(m, 0.0, _nested.upper_bound(gam, sh, sl), 1.0, 1e-6)
    contour = _nested.edge_contour_moments(m, left, right, 150)
    closed = rmt.ck_moments(150, gam)
    assert np.allclose(contour[[0, 49, 99, 149]], closed[[0, 49, 99, 149]], rtol=1e-8), (
        "the old wide contour was off by orders of magnitude at k = 100"
    )
    assert np.all(np.isfinite(rmt.ck_moments(25, [0.5, 0.5]))), "was OverflowError"
    with pytest.raises(ValueError, match="k_max"):
        rmt.ntk_moments(401, [0.5, 0.5])
    with pytest.raises(ValueError, match="k_max"):
        rmt.ck_moments(400, [10.0] * 6)  # the moments of order ~150 and beyond overflow


def test_ntk_traces_match_simulation():
    n, d0, d1 = 400, 800, 800
    z = np.array([-1.0, 1.5 + 0.8j])
    U = rmt.ntk_traces(z, [n / d0, n / d1])
    sims = []
    for seed in range(2):
        X0 = rmt.sphere_data(d0, n, rng=30 + seed)
        s = rmt.simulate_deep_network(X0, [d1], rng=seed)
        Q = [np.linalg.inv(s.ntk - zz * np.eye(n)) for zz in z]
        sims.append([[np.trace(K @ Qz) / n for K in s.ck] for Qz in Q])
    assert np.allclose(np.mean(sims, 0), U, rtol=0.03), (
        "(1/n) tr K_j (K^NTK - z)^-1 at n = 400, 2 seeds: 3%"
    )
    w = rmt.ntk_weights(1)
    assert np.allclose(
        np.sum(w.q * U, axis=1) + (w.shift - z) * rmt.ntk_stieltjes(z, [0.5, 0.5]), 1.0
    ), "Σ q_j U_j + (r_+ - z) m = 1"


def test_finite_width_density_of_a_two_atom_kernel_matches_silverstein():
    x = np.linspace(0.2, 4.5, 12)
    eigs = np.repeat([0.5, 2.0], 5)
    rho = rmt.finite_width_density(x, eigs, 0.3)
    ref = rmt.silverstein_density(x, 0.3, [0.5, 2.0])
    assert np.allclose(rho, ref, atol=1e-5), "two independent implementations of MP ⊠ ν"
    assert np.max(rho) > 0.1


def test_simulators_refuse_sizes_and_bad_controls():
    X = rmt.sphere_data(5, 4, rng=0)
    with pytest.raises(ValueError, match="width"):
        rmt.simulate_deq(X, 10**9, rng=1)  # 8e18 bytes of recurrent weights
    with pytest.raises(ValueError, match="max_iter"):
        rmt.simulate_deq(X, 10, rng=1, max_iter=0)
    with pytest.raises(ValueError, match="tol"):
        rmt.simulate_deq(X, 10, rng=1, tol=-1.0)
    with pytest.raises(ValueError, match="n_draws"):
        rmt.sample_deep_spectrum(10, [0.5], n_draws=10**12, rng=0)


# ---------------------------------------------------------------- one core per equation
def test_ck_and_ntk_at_depth_zero_are_the_library_mp_transform():
    # ratio 3 > 1 near the pole at 0 is where a copy without mp_stieltjes' fix differed (1e-10).
    for c in (0.7, 3.0):
        z = np.array([-1e-6, -1.0, 0.5 + 0.2j, 3 + 1e-3j])
        ref = rmt.mp_stieltjes(z, c)
        assert np.array_equal(rmt.ck_stieltjes(z, [c]), ref), "the CK calls mp_stieltjes"
        assert np.array_equal(rmt.ntk_stieltjes(z, [c]), ref), "so does the NTK (r_+ = 0)"


def test_finite_width_density_is_the_silverstein_solver():
    x = np.linspace(0.1, 5.0, 9)
    eigs = np.repeat([0.5, 2.0, 3.0], [4, 3, 3])
    m = rmt.silverstein_solve(x + 1e-6j, 0.4, eigs, tol=1e-12).m
    assert np.array_equal(rmt.finite_width_density(x, eigs, 0.4), np.maximum(m.imag / np.pi, 0))


@pytest.mark.slow
def test_finite_width_density_of_a_spread_kernel_matches_simulation():
    # ν = three atoms (not δ₁): S = Φ^{1/2} Z Zᵀ Φ^{1/2}/d, n = 600, d = 1000 (γ = 0.6). At
    # η = 0.05 the smoothed density (1/πn) Σ Im 1/(λ_i - x - iη) fluctuates by O(1/(nη)).
    n, d, eta = 600, 1000, 0.05
    phi = np.repeat([0.5, 1.5, 4.0], n // 3)
    x = np.linspace(0.3, 9.0, 12)
    gen = np.random.default_rng(7)
    sim = []
    for _ in range(3):
        Y = np.sqrt(phi)[:, None] * gen.standard_normal((n, d))
        lam = np.linalg.eigvalsh(Y @ Y.T / d)
        sim.append(np.mean((eta / ((lam[None, :] - x[:, None]) ** 2 + eta**2)), axis=1) / np.pi)
    theory = rmt.finite_width_density(x, phi, n / d, eta=eta)
    assert np.allclose(np.mean(sim, 0), theory, rtol=0.03, atol=3e-3), "3 seeds at n = 600"


def test_resolvent_traces_are_one_solve_for_m_and_u():
    z = np.array([-1.0, 2.0 + 0.4j, 5.0 - 0.1j])
    r = rmt.ntk_resolvent_traces(z, [0.5, 0.7, 0.6], "tanh")
    assert np.array_equal(r.m, rmt.ntk_stieltjes(z, [0.5, 0.7, 0.6], "tanh"))
    assert np.array_equal(r.U, rmt.ntk_traces(z, [0.5, 0.7, 0.6], "tanh"))
    with pytest.raises(ValueError, match="activation"):
        rmt.ntk_resolvent_traces(1j, [0.5, 0.5], "abs")  # b_σ = 0
    with pytest.raises(ValueError, match="z must"):
        rmt.ntk_resolvent_traces(-1e12, [0.5, 0.5])  # U_j would lose its digits


def test_moment_form_of_silverstein_law_agrees_with_silverstein_moment():
    # silverstein_moments works from the moments of ν (the CK's population is itself a
    # continuous law); for an atomic ν it must agree with silverstein_moment, which shares its
    # recurrence but scales by the largest atom instead of max α_j^{1/j} (so: rounding apart).
    t, w = np.array([0.3, 1.0, 2.5]), np.array([0.2, 0.5, 0.3])
    nu = np.array([np.sum(w * t**j) for j in range(1, 9)])
    fast = rmt.silverstein_moments(0.8, nu)
    ref = [rmt.silverstein_moment(k, 0.8, t, w) for k in range(1, 9)]
    assert np.allclose(fast, ref, rtol=1e-12)


def test_ck_moments_are_silverstein_moments_layer_by_layer(monkeypatch):
    # One moment recursion in the library: the deep CK composes silverstein_moments (there used
    # to be a second recursion in rmtlib.deep.ck, 1e-13 apart from this one).
    assert not hasattr(deep_ck, "_free_mp_moments")
    assert np.array_equal(rmt.ck_moments(30, [0.4]), rmt.silverstein_moments(0.4, np.ones(30)))
    calls = []
    real = deep_ck.silverstein_moments
    monkeypatch.setattr(
        deep_ck, "silverstein_moments", lambda c, nu: calls.append(c) or real(c, nu)
    )
    # (the overflow path calls it again on the finite prefix; none here)
    rmt.ck_moments(10, [0.5, 0.7, 0.6])
    assert calls == [0.5, 0.7, 0.6], "one Silverstein moment solve per layer"


def test_doctest_values_against_independent_routes():
    b = rmt.normalised_activation("relu").b
    gam = np.array([0.5, 0.5])
    sh, sl = _nested.layer_maps(gam, b)
    # ck_stieltjes: the δ form vs the m_ℓ form of the recursion.
    assert deep_ck._ck_recursion(np.array([-1.0 + 0j]), gam, sh, sl)[0].real == pytest.approx(
        0.585429, abs=5e-7
    )
    # ck_density at L = 1: μ_1 = MP_γ₁ ⊠ ((1 - b²) + b² MP_γ₀), the population by quadrature.
    lam, w = _mp_quadrature(0.5, nodes=400)
    rho = rmt.silverstein_density(1.0, 0.5, (1 - b * b) + b * b * lam, w / w.sum())
    assert rho == pytest.approx(0.3372, abs=5e-5)
    # ntk_stieltjes at L = 1: the scalar Silverstein equation of K_1 + Φ + (a - 1) I.
    a = rmt.normalised_activation("relu").a
    lam, w = _mp_quadrature(0.5)
    phi = 1 - b * b + b * b * lam
    delta = 0.0
    for _ in range(2000):
        delta = 0.5 * delta + 0.5 * 0.5 * np.sum(w * phi / (phi / (1 + delta) + phi + a))
    assert np.sum(w / (phi / (1 + delta) + phi + a)) == pytest.approx(0.323262, abs=5e-7)
    # ntk_moments: m₁ = 1 + a, m₂ from the closed form of test_ntk_l1_moments_match_closed_form.
    A, C = b * b * lam + a - b * b, phi
    m2 = np.sum(w * (A + C) ** 2) + 0.5 * np.sum(w * C) ** 2
    assert [1 + a, m2] == pytest.approx([2.466942, 7.661764], abs=5e-7)
    # ntk_edges: ρ > 0 just inside [0.968, 6.283], 0 just outside.
    left, right = rmt.ntk_edges(gam)
    assert [left, right] == pytest.approx([0.968, 6.283], abs=5e-4)
    inside = rmt.ntk_density(np.array([left + 0.01, right - 0.01]), gam)
    outside = rmt.ntk_density(np.array([left - 0.01, right + 0.01]), gam)
    assert np.all(inside > 1e-3) and np.all(outside < 1e-5)
    # gmm_ck_equivalent: tr K̃/n = τ₁² = Var relu(ξ) = 1/2 - 1/(2π) for centred isotropic data.
    assert 0.5 - 1 / (2 * np.pi) == pytest.approx(0.34, abs=5e-3)
