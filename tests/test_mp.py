"""Marchenko–Pastur and semicircle laws: closed forms against quadrature, moments and simulation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import rmtlib as rmt

ratios = st.floats(0.05, 6.0)
variances = st.floats(0.2, 5.0)


def _quad_continuous(fun, c, s2=1.0):
    a, b = rmt.mp_edges(c, s2)
    val, _ = integrate.quad(
        lambda x: fun(x) * rmt.mp_density(x, c, s2), a, b, limit=200, epsabs=1e-12, epsrel=1e-12
    )
    return val


@pytest.mark.parametrize("c", [0.1, 0.5, 1.0, 2.0, 4.0])
def test_density_mass_plus_atom_is_one(c):
    mass = _quad_continuous(lambda x: 1.0, c)
    assert abs(mass + rmt.mp_atom(c) - 1) < 1e-7, "continuous mass + atom must be 1 (quad 1e-7)"


@pytest.mark.parametrize("c,s2", [(0.3, 1.0), (0.5, 2.0), (2.5, 0.7)])
def test_moments_match_quadrature_and_narayana(c, s2):
    for k in range(1, 6):
        quad = _quad_continuous(lambda x, k=k: x**k, c, s2)  # the atom at 0 adds nothing for k >= 1
        assert abs(quad - rmt.mp_moment(k, c, s2)) < 1e-8 * s2**k * 10, f"moment {k} vs quad"
    plan = [s2, s2**2 * (1 + c), s2**3 * (1 + 3 * c + c**2), s2**4 * (1 + 6 * c + 6 * c**2 + c**3)]
    for k, v in enumerate(plan, start=1):
        assert abs(rmt.mp_moment(k, c, s2) - v) < 1e-12 * v, f"moment {k} vs closed form"


@pytest.mark.parametrize("z", [-1.0, -0.01, -5.0 + 0j, 1.0 + 0.5j, 0.3 - 2j, 10.0])
@pytest.mark.parametrize("c", [0.5, 3.0])
def test_stieltjes_matches_integral_of_density(z, c):
    if c > 1 and z == -0.01:
        z = -0.3
    re = _quad_continuous(lambda x: (1 / (x - z)).real, c)
    im = _quad_continuous(lambda x: (1 / (x - z)).imag, c)
    expected = re + 1j * im + rmt.mp_atom(c) / (0 - z)
    assert abs(rmt.mp_stieltjes(z, c) - expected) < 1e-7, "m(z) = ∫ μ(dt)/(t - z) (quad 1e-7)"


def test_branch_on_negative_real_axis_is_continuous_and_positive():
    m = rmt.mp_stieltjes(-1.0, 0.5)
    assert abs(m - 0.5615528128) < 1e-9, "m(-1) for c=1/2 is the root 0.5616, not -3.56 (Part 6)"
    for eps in (1e-6, -1e-6):
        assert abs(rmt.mp_stieltjes(-1.0 + 1j * eps, 0.5) - m) < 1e-5, "no jump across R⁻"
    x = -np.logspace(-3, 3, 50)
    assert np.all(np.asarray(rmt.mp_stieltjes(x, 0.5)).real > 0), "m > 0 left of the support"


@given(c=ratios, s2=variances, x=st.floats(-50, 50), y=st.floats(1e-3, 50))
@settings(max_examples=60, deadline=None)
def test_stieltjes_maps_upper_half_plane_to_itself(c, s2, x, y):
    assert rmt.mp_stieltjes(x + 1j * y, c, s2).imag > 0


@given(c=ratios, s2=variances, theta=st.floats(0.1, 3.0))
@settings(max_examples=40, deadline=None)
def test_stieltjes_behaves_like_minus_one_over_z(c, s2, theta):
    z = 1e6 * np.exp(1j * theta)
    assert abs(z * rmt.mp_stieltjes(z, c, s2) + 1) < 1e-4, "z m(z) → -1 at infinity"


@given(c=ratios, s2=variances, x=st.floats(-20, 20), y=st.floats(0.01, 20))
@settings(max_examples=40, deadline=None)
def test_stieltjes_solves_its_quadratic(c, s2, x, y):
    z = x + 1j * y
    m = rmt.mp_stieltjes(z, c, s2)
    resid = c * s2 * z * m**2 - (s2 * (1 - c) - z) * m + 1
    assert abs(resid) < 1e-9 * (1 + abs(z) * abs(m) ** 2)


@pytest.mark.parametrize("z", [-2.0, 4.0 + 1j, 0.5 + 0.2j])
def test_derivative_matches_finite_difference(z):
    h = 1e-5
    fd = (rmt.mp_stieltjes(z + h, 0.7) - rmt.mp_stieltjes(z - h, 0.7)) / (2 * h)
    assert abs(rmt.mp_stieltjes_derivative(z, 0.7) - fd) < 1e-7, "central difference, h=1e-5"


@given(c=ratios, s2=variances)
@settings(max_examples=40, deadline=None)
def test_density_nonnegative_and_mass_is_one_minus_atom(c, s2):
    a, b = rmt.mp_edges(c, s2)
    x = np.linspace(a - 1, b + 1, 500)
    assert np.all(rmt.mp_density(x, c, s2) >= 0)
    total = rmt.mp_cdf(b + 1, c, s2) - rmt.mp_cdf(-1.0, c, s2)
    assert abs(total - 1) < 1e-10
    assert abs(rmt.mp_cdf(b, c, s2) - rmt.mp_cdf(0.0, c, s2) - (1 - rmt.mp_atom(c))) < 1e-10


def test_cdf_derivative_is_density():
    x = np.linspace(0.2, 2.7, 40)
    h = 1e-6
    fd = (rmt.mp_cdf(x + h, 0.5) - rmt.mp_cdf(x - h, 0.5)) / (2 * h)
    assert np.max(np.abs(fd - rmt.mp_density(x, 0.5))) < 1e-6


def test_pdf_cdf_and_sampling_agree_on_the_atom():
    c = 2.5
    atom = rmt.mp_atom(c)
    jump = rmt.mp_cdf(0.0, c) - rmt.mp_cdf(-1e-12, c)
    assert abs(jump - atom) < 1e-12, "the cdf jumps by the atom mass at 0"
    s = rmt.mp_sample(200_000, c, rng=3)
    # binomial standard error sqrt(0.6*0.4/2e5) ≈ 1.1e-3; 5 s.e.
    assert abs(np.mean(s == 0) - atom) < 6e-3
    a, b = rmt.mp_edges(c)
    grid = np.linspace(a, b, 50)
    ecdf = np.searchsorted(np.sort(s), grid, side="right") / s.size
    assert np.max(np.abs(ecdf - rmt.mp_cdf(grid, c))) < 6e-3, "KS distance of 2e5 samples"


@pytest.mark.parametrize("c,dist", [(0.5, "gaussian"), (2.0, "rademacher"), (0.25, "student-t")])
def test_simulated_spectrum_matches_mp(c, dist):
    n = 800
    p = int(c * n)
    eigs = rmt.sample_covariance_eigvals(rmt.covariance_data(p, n, rng=7, distribution=dist))
    grid = np.linspace(-0.1, 8, 200)
    ecdf = np.searchsorted(eigs, grid, side="right") / p
    # finite-n KS distance is O(1/p) in the bulk plus edge effects; 0.03 is generous but sharp
    # enough to catch a wrong ratio (c vs 1/c) or a missing atom.
    assert np.max(np.abs(ecdf - rmt.mp_cdf(grid, c))) < 0.03
    for k in (1, 2):
        assert abs(np.mean(eigs**k) - rmt.mp_moment(k, c)) < 0.05 * rmt.mp_moment(k, c)


def test_operator_norm_of_deviation_matches_2sqrtc_plus_c():
    c = 0.25
    eigs = rmt.sample_covariance_eigvals(rmt.covariance_data(250, 1000, rng=1))
    dev = max(eigs.max() - 1, 1 - eigs.min())
    assert abs(dev - (2 * np.sqrt(c) + c)) < 0.05, "edge fluctuations are O(n^{-2/3})"


def test_semicircle_density_and_stieltjes():
    mass, _ = integrate.quad(rmt.semicircle_density, -2, 2)
    assert abs(mass - 1) < 1e-10
    z = 0.5 + 1j
    re, _ = integrate.quad(lambda x: (rmt.semicircle_density(x) / (x - z)).real, -2, 2)
    im, _ = integrate.quad(lambda x: (rmt.semicircle_density(x) / (x - z)).imag, -2, 2)
    assert abs(rmt.semicircle_stieltjes(z) - (re + 1j * im)) < 1e-8


def test_wigner_simulation_matches_semicircle():
    n, s2 = 800, 2.0
    G = np.random.default_rng(5).standard_normal((n, n))
    ev = np.linalg.eigvalsh(np.sqrt(s2) * (G + G.T) / np.sqrt(2 * n))
    x = np.linspace(-3, 3, 6001)
    # Kolmogorov distance of a GOE spectrum to its limit is O(log n / n); 0.02 is ~10x that.
    assert rmt.kolmogorov_distance(ev, x, rmt.semicircle_density(x, s2)) < 0.02
    z = np.array([0.5 + 0.5j, -1.0 + 0.2j, 4.0])
    emp = np.mean(1.0 / (ev[:, None] - z), axis=0)
    assert np.max(np.abs(emp - rmt.semicircle_stieltjes(z, s2))) < 0.02, "Im z >= 0.2: O(1/n)"
    # and the law's own moments are the Catalan numbers times σ^{2k} (σ² = 2: 2, 8, 40)
    for k, catalan in ((1, 1), (2, 2), (3, 5)):
        mk, _ = integrate.quad(lambda t, j=2 * k: t**j * rmt.semicircle_density(t, s2), -3, 3)
        assert mk == pytest.approx(catalan * s2**k, rel=1e-8)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_invalid_ratio_is_rejected(bad):
    with pytest.raises(ValueError, match="ratio"):
        rmt.mp_density(1.0, bad)
    with pytest.raises(ValueError, match="ratio"):
        rmt.mp_edges(bad)


def test_invalid_variance_and_z_are_rejected():
    with pytest.raises(ValueError, match="sigma2"):
        rmt.mp_density(1.0, 0.5, sigma2=-1.0)
    with pytest.raises(ValueError, match="support"):
        rmt.mp_stieltjes(1.0, 0.5)
    with pytest.raises(ValueError, match="pole"):
        rmt.mp_stieltjes(0.0, 2.0)
    with pytest.raises(TypeError, match="rng"):
        rmt.mp_sample(10, 0.5, rng=None)


def test_norm_deviation_limit_and_classical_regime():
    assert rmt.mp_norm_deviation(0.25, 2.0) == pytest.approx(2.0 * 1.25)
    # p fixed: the error shrinks like sqrt(p/n)
    eigs = rmt.sample_covariance_eigvals(rmt.covariance_data(5, 20_000, rng=2))
    assert max(eigs.max() - 1, 1 - eigs.min()) < 5 * np.sqrt(5 / 20_000)


def test_ks_distance_is_small_for_mp_samples_and_large_for_wrong_ratio():
    eigs = rmt.sample_covariance_eigvals(rmt.covariance_data(400, 800, rng=4))
    assert rmt.mp_ks_distance(eigs, 0.5) < 0.02
    assert rmt.mp_ks_distance(eigs, 2.0) > 0.4, "the wrong law (c=2 has an atom 1/2) is far"
    iid = rmt.mp_sample(4000, 0.5, rng=0)
    # Kolmogorov statistic of 4000 i.i.d. draws: 1.63/sqrt(4000) ≈ 0.026 is its 99% quantile
    assert rmt.mp_ks_distance(iid, 0.5) < 0.026


# --- accuracy at the edges of the valid range (independent references: mpmath, exact rationals)

mpmath = pytest.importorskip("mpmath")


def _cdf_reference(x, c):
    """40-digit quadrature of the density, split near the edge a (its √ singularity)."""
    with mpmath.workdps(40):
        c, x = mpmath.mpf(c), mpmath.mpf(x)
        a, b = (1 - mpmath.sqrt(c)) ** 2, (1 + mpmath.sqrt(c)) ** 2
        x = min(x, b)
        f = lambda t: mpmath.sqrt((b - t) * (t - a)) / (2 * mpmath.pi * c * t)  # noqa: E731
        d = x - a
        return mpmath.quad(f, [a, a + d * 1e-9, a + d * 1e-6, a + d * 1e-3, x])


@pytest.mark.parametrize("c", [1.0, 1 - 1e-8, 1 + 1e-8, 0.999, 0.5, 0.01, 1e-6, 3.0, 100.0])
@pytest.mark.slow
def test_cdf_has_full_relative_accuracy_up_to_its_condition_number(c):
    # The CDF of the continuous part near the left edge a is a (x-a)^{3/2} (or √x at the hard
    # edge c = 1); rounding x - a costs a relative error eps * x / (x - a), nothing more.
    eps = np.finfo(float).eps
    a, b = rmt.mp_edges(c)
    xs = [a + (b - a) * f for f in (1e-16, 1e-12, 1e-8, 1e-4, 1e-2, 0.3, 0.5, 0.9)]
    xs = [x for x in xs if x - a > 1e3 * eps * a]  # offsets below the rounding of a are moot
    xs += [1e-24, 1e-12] if c == 1.0 else []
    atom = rmt.mp_atom(c)
    for x in xs:
        ref = float(_cdf_reference(x, c))
        kappa = 1 + (x / (x - a) if a > 0 else 0)
        err = abs(rmt.mp_cdf(x, c) - atom - ref)
        assert err <= 8 * eps * (kappa * ref + atom), f"c={c}, x={x}: error {err / ref:.1e}"


def test_cdf_at_the_hard_edge_of_c_equal_one():
    # Issue 12: mp_cdf(1e-24, 1) had a relative error of 2e-5; F(x) = (2/π)√x (1 - x/24 + ...)
    assert rmt.mp_cdf(1e-24, 1.0) == pytest.approx(2e-12 / np.pi, rel=4e-16)


def _narayana_exact(k, c, s2):
    from fractions import Fraction
    from math import comb

    c, s2 = Fraction(c), Fraction(s2)
    return s2**k * sum(c**r * Fraction(comb(k, r) * comb(k - 1, r), r + 1) for r in range(k))


@pytest.mark.parametrize(
    "k,c,s2",
    [
        (2000, 0.5, 0.3),
        (2000, 2.0, 0.1),
        (500, 1.0, 1.0),
        (41, 0.25, 1.0),
        (40, 0.25, 1.0),
        (7, 3.0, 0.5),
    ],
)
def test_high_moments_match_exact_rational_arithmetic(k, c, s2):
    exact = _narayana_exact(k, c, s2)
    assert rmt.mp_moment(k, c, s2) == pytest.approx(float(exact), rel=1e-12)


def test_moments_beyond_the_floating_point_range_are_refused():
    # Issue 12: mp_moment(2000, 0.5) raised OverflowError; the moment is about 1e924.
    with pytest.raises(ValueError, match="k = 2000 exceeds the floating-point range"):
        rmt.mp_moment(2000, 0.5)
    with pytest.raises(ValueError, match="k must be an integer <= 100000"):
        rmt.mp_moment(10**12, 0.5)


def test_semicircle_stieltjes_at_large_z_has_no_cancellation():
    # m(z) = -2/(z + sqrt(z^2 - 4)) = -1/z - 1/z^3 - 2/z^5 - ... (Catalan numbers)
    for z in (1e9, -1e9, 1e9j, 1e150 + 1e150j, 37.0):
        w = 1 / complex(z)
        series = -w * sum(cat * w ** (2 * j) for j, cat in enumerate([1, 1, 2, 5, 14, 42, 132]))
        assert abs(rmt.semicircle_stieltjes(z) - series) <= 1e-15 * abs(series)
    assert rmt.semicircle_stieltjes(1e9) != 0


def test_laws_with_huge_variance_or_extreme_ratio():
    # The law with variance σ² is σ² times the unit one; ratios whose support cannot be
    # resolved in double precision are refused.
    assert rmt.mp_cdf(1e300, 0.5, 1e300) == pytest.approx(rmt.mp_cdf(1.0, 0.5), rel=1e-14)
    assert rmt.mp_density(2e300, 0.5, 1e300) == pytest.approx(
        rmt.mp_density(2.0, 0.5) / 1e300, rel=1e-14
    )
    s = rmt.mp_sample(1000, 0.5, 1e300, rng=0)
    assert np.all(np.isfinite(s)) and 0.08e300 < s.min() and s.max() < 2.92e300
    for c in (1e-300, 1e300):
        with pytest.raises(ValueError, match="ratio must lie in"):
            rmt.mp_cdf(1.0, c)
