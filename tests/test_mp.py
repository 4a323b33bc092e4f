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
    val, _ = integrate.quad(lambda x: fun(x) * rmt.mp_density(x, c, s2), a, b, limit=200,
                            epsabs=1e-12, epsrel=1e-12)
    return val


@pytest.mark.parametrize("c", [0.1, 0.5, 1.0, 2.0, 4.0])
def test_density_mass_plus_atom_is_one(c):
    mass = _quad_continuous(lambda x: 1.0, c)
    assert abs(mass + rmt.mp_atom(c) - 1) < 1e-7, "continuous mass + atom must be 1 (quad 1e-7)"


@pytest.mark.parametrize("c,s2", [(0.3, 1.0), (0.5, 2.0), (2.5, 0.7)])
def test_moments_match_quadrature_and_narayana(c, s2):
    for k in range(1, 6):
        quad = _quad_continuous(lambda x: x**k, c, s2)  # the atom at 0 adds nothing for k >= 1
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
    n = 800
    G = np.random.default_rng(5).standard_normal((n, n))
    W = (G + G.T) / np.sqrt(2 * n)
    ev = np.linalg.eigvalsh(W)
    assert abs(np.mean(ev**2) - 1) < 0.02 and abs(np.mean(ev**4) - 2) < 0.05, "Catalan moments"


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
