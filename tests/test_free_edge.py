"""Tracy–Widom laws, the spike test, free convolutions and R/S-transforms.

Each function is checked against an independent reference (literature moments, closed forms,
the book's Stieltjes transforms) and against a seeded simulation.
"""
import numpy as np
import pytest
from scipy import stats

import rmtlib as rmt
from rmtlib import edge, free

# Literature values (Bornemann 2010, Table 4; Tracy & Widom 1994, 1996): mean and variance.
TW_MOMENTS = {1: (-1.2065335745820, 1.607781034581), 2: (-1.771086807411, 0.8131947928329),
              4: (-2.306884893241, 0.5177237207726)}


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_tracy_widom_moments_match_the_literature(beta):
    x, w = np.polynomial.legendre.leggauss(240)
    s, w = 13 * x - 1, 13 * w  # [-14, 12]: the mass left outside is below 1e-12
    f = rmt.tracy_widom_pdf(s, beta)
    mean = w @ (s * f)
    var = w @ (s * s * f) - mean**2
    ref_mean, ref_var = TW_MOMENTS[beta]
    assert abs(w @ f - 1) < 1e-10
    assert abs(mean - ref_mean) < 1e-9 and abs(var - ref_var) < 1e-9, (mean, var)


def test_tracy_widom_quadrature_has_converged():
    pts = [-12.0, -7.5, -4.0, -2.2, -1.0, 0.0, 1.5, 4.0, 9.0]
    for beta in (1, 2, 4):
        for s in pts:
            ours = edge._cdf_pdf(s, beta, edge._NODES, True)
            fine = edge._cdf_pdf(s, beta, 160, True)
            assert abs(ours[0] - fine[0]) < 1e-12 and abs(ours[1] - fine[1]) < 1e-11, (beta, s)


def test_tracy_widom_pdf_is_the_derivative_and_quantile_the_inverse():
    s, h = np.array([-3.0, -1.2, 0.4, 2.0]), 1e-4
    for beta in (1, 2, 4):
        diff = (rmt.tracy_widom_cdf(s + h, beta) - rmt.tracy_widom_cdf(s - h, beta)) / (2 * h)
        assert np.allclose(diff, rmt.tracy_widom_pdf(s, beta), atol=1e-7)
        q = np.array([0.01, 0.5, 0.95, 0.99])
        assert np.allclose(rmt.tracy_widom_cdf(rmt.tracy_widom_quantile(q, beta), beta), q,
                           atol=1e-11)
    assert rmt.tracy_widom_cdf(-20.0) == 0.0 and rmt.tracy_widom_cdf(30.0) == 1.0


def _top_eigs(p, n, reps, ell=0.0, seed=0):
    rng = np.random.default_rng(seed)
    tops = np.empty(reps)
    for r in range(reps):
        X = rng.standard_normal((p, n))
        X[0] *= np.sqrt(1 + ell)  # population covariance I + ell e1 e1^T
        tops[r] = np.linalg.eigvalsh(X @ X.T / n)[-1]
    return tops


@pytest.mark.slow
def test_largest_eigenvalue_follows_tracy_widom_after_johnstone_scaling():
    p, n, reps = 100, 200, 400
    t = rmt.tracy_widom_scaling(n, p)
    scaled = (_top_eigs(p, n, reps) - t.centre) / t.scale
    ks = stats.kstest(scaled, lambda s: rmt.tracy_widom_cdf(s, 1)).statistic
    # 400 draws: the KS distance of the exact law would be below 0.068 with 95% probability;
    # Johnstone's n - 1 refinement keeps the finite-size bias below the rest of the margin.
    assert ks < 0.09, ks


@pytest.mark.slow
def test_spike_test_has_its_level_and_detects_spikes_above_bbp():
    p, n, reps, level = 100, 200, 200, 0.1
    c = p / n

    def rate(ell, seed):
        rng = np.random.default_rng(seed)
        hits = 0
        for _ in range(reps):
            X = rng.standard_normal((p, n))
            X[0] *= np.sqrt(1 + ell)
            hits += rmt.spike_detection_test(X, level).reject
        return hits / reps

    false_alarm = rate(0.0, 1)
    # Binomial(200, 0.1): standard deviation 0.021; accept +-3 of them.
    assert abs(false_alarm - level) < 0.064, false_alarm
    assert rate(3 * np.sqrt(c), 2) > 0.95, "a spike well above the BBP threshold is missed"
    assert rate(0.3 * np.sqrt(c), 3) < level + 0.1, "below BBP the test has no power"


def test_tracy_widom_inputs_are_checked():
    with pytest.raises(ValueError, match="beta"):
        rmt.tracy_widom_cdf(0.0, beta=3)
    with pytest.raises(ValueError, match="q"):
        rmt.tracy_widom_quantile(1.0)
    with pytest.raises(ValueError, match="n"):
        rmt.tracy_widom_scaling(1, 10)
    with pytest.raises(ValueError, match="level"):
        rmt.spike_detection_test(np.ones((3, 4)), level=0.0)


def test_free_sum_of_bernoulli_laws_is_the_arcsine_law():
    x = np.linspace(-1.95, 1.95, 41)
    ref = 1 / (np.pi * np.sqrt(4 - x**2))
    assert np.max(np.abs(rmt.free_additive_density(x, [-1, 1], [-1, 1]) - ref)) < 1e-9


@pytest.mark.parametrize("alpha,beta", [(0.5, 0.5), (0.3, 0.6)])
def test_free_product_of_projections_matches_voiculescu(alpha, beta):
    root = 2 * np.sqrt(alpha * beta * (1 - alpha) * (1 - beta))
    lo, hi = alpha + beta - 2 * alpha * beta - root, alpha + beta - 2 * alpha * beta + root
    x = np.linspace(lo + 1e-3, hi - 1e-3, 25)
    ref = np.sqrt((x - lo) * (hi - x)) / (2 * np.pi * x * (1 - x))
    got = rmt.free_multiplicative_density(x, [0, 1], [0, 1], [1 - alpha, alpha], [1 - beta, beta])
    assert np.max(np.abs(got - ref) / ref) < 1e-5  # relative: the density is 1/sqrt at the edges


def _mp_quantile_atoms(c, m):
    a, b = rmt.mp_edges(c)
    grid = np.linspace(a, b, 40001)
    cdf = rmt.mp_cdf(grid, c)
    return np.interp((np.arange(m) + 0.5) / m, cdf, grid)


def test_silverstein_law_is_mp_free_times_the_population():
    x = np.linspace(0.5, 5.0, 19)
    ours = rmt.free_multiplicative_density(x, _mp_quantile_atoms(0.5, 3000), [1.0, 3.0])
    core = rmt.silverstein_density(x, 0.5, [1.0, 3.0])
    # The MP law enters through 3000 quantile atoms: an O(1/3000) discretisation error.
    assert np.max(np.abs(ours - core) / np.maximum(core, 0.05)) < 2e-3


def _haar(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _ks_against_density(eigs, density, lo, hi):
    grid = np.linspace(lo, hi, 4001)
    cdf = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    emp = np.searchsorted(np.sort(eigs), grid, side="right") / eigs.size
    return np.max(np.abs(emp - cdf / cdf[-1]))


def test_free_convolutions_match_haar_rotated_matrices():
    n, rng = 1000, np.random.default_rng(7)
    a = np.repeat([0.0, 1.0, 3.0], [300, 400, 300]).astype(float)
    b = np.repeat([-1.0, 2.0], [500, 500]).astype(float)
    U = _haar(n, rng)
    summed = np.linalg.eigvalsh(np.diag(a) + U @ np.diag(b) @ U.T)
    # Two symmetric laws: the subordination stays tame on the whole line (see the note in
    # free.py on laws whose subordination function grows large just outside the support).
    a2 = np.repeat([-1.0, 1.0], [500, 500])
    summed = np.linalg.eigvalsh(np.diag(a2) + U @ np.diag(b - 0.5) @ U.T)
    grid = np.linspace(-3.6, 3.6, 2001)
    dens = rmt.free_additive_density(grid, [-1, 1], [-1.5, 1.5])
    assert _ks_against_density(summed, dens, -3.6, 3.6) < 0.02
    bp = np.repeat([0.5, 2.0], [500, 500])
    sq = np.sqrt(a)
    prod = np.linalg.eigvalsh(sq[:, None] * (U @ np.diag(bp) @ U.T) * sq[None, :])
    prod = prod[prod > 1e-9]  # the atom at 0 (mass 0.3) is reported separately
    grid = np.linspace(1e-4, 9.0, 4001)
    dens = rmt.free_multiplicative_density(grid, [0, 1, 3], [0.5, 2.0], [0.3, 0.4, 0.3])
    assert _ks_against_density(prod, dens, 1e-4, 9.0) < 0.02


def test_r_transforms_invert_the_books_stieltjes_transforms():
    w = np.array([-0.2, -0.05, 0.05, 0.2])
    z = rmt.mp_r_transform(w, 0.5, 1.5) + 1 / w  # G(z) = w with G = -m
    assert np.allclose(-rmt.mp_stieltjes(z, 0.5, 1.5), w, atol=1e-12)
    z = rmt.semicircle_r_transform(w, 2.0) + 1 / w
    assert np.allclose(-rmt.semicircle_stieltjes(z, 2.0), w, atol=1e-12)


def test_s_transform_of_mp_inverts_psi():
    c, s2 = 0.5, 1.5
    w = np.array([-0.3, -0.1, 0.1, 0.4])
    chi = rmt.mp_s_transform(w, c, s2) * w / (1 + w)
    psi = -rmt.mp_stieltjes(1 / chi, c, s2) / chi - 1  # psi(z) = G(1/z)/z - 1
    assert np.allclose(psi, w, atol=1e-12)
    approx = rmt.discrete_s_transform(w, _mp_quantile_atoms(c, 4000) * s2)
    assert np.allclose(approx.real, rmt.mp_s_transform(w, c, s2), rtol=2e-3)


def test_discrete_transforms_match_closed_forms():
    w = np.array([0.1, 0.3, -0.2])
    assert np.allclose(rmt.discrete_r_transform(w, [-1, 1]), (np.sqrt(1 + 4 * w**2) - 1) / (2 * w),
                       atol=1e-12)
    q = 0.3
    assert np.allclose(rmt.discrete_s_transform(w, [0, 1], [1 - q, q]), (1 + w) / (q + w),
                       atol=1e-12)


def test_free_inputs_are_checked():
    with pytest.raises(ValueError, match="atoms_a"):
        rmt.free_multiplicative_density(1.0, [-1, 1], [1])
    with pytest.raises(ValueError, match="weights_b"):
        rmt.free_additive_density(0.0, [0, 1], [0, 1], weights_b=[0.7, 0.7])
    with pytest.raises(ValueError, match="w"):
        rmt.mp_r_transform(5.0, 0.5)


def test_linear_statistic_clt_matches_closed_forms():
    c = 0.5
    s = rmt.mp_linear_statistic(lambda x: x**2, 400, 200)
    assert np.isclose(s.centre, 200 * (1 + c)) and np.isclose(s.mean, c)
    assert np.isclose(s.variance, 4 * c * (2 * c**2 + 5 * c + 2))  # Bai & Silverstein (2004)
    s = rmt.mp_linear_statistic(np.log, 400, 200)
    assert np.isclose(s.mean, 0.5 * np.log(1 - c)) and np.isclose(s.variance, -2 * np.log(1 - c))
    assert np.isclose(rmt.mp_linear_statistic(np.log, 400, 200, beta=2).variance, -np.log(1 - c))


@pytest.mark.slow
def test_linear_statistic_clt_matches_simulation():
    p, n, reps = 100, 200, 600
    rng = np.random.default_rng(11)
    f = np.log
    vals = np.array([f(np.linalg.eigvalsh((X := rng.standard_normal((p, n))) @ X.T / n)).sum()
                     for _ in range(reps)])
    s = rmt.mp_linear_statistic(f, n, p)
    se = np.sqrt(s.variance / reps)
    assert abs(vals.mean() - s.centre - s.mean) < 4 * se + 0.02, (vals.mean() - s.centre, s.mean)
    # The sample variance of 600 Gaussian draws is within 20% of the truth (about 3.5 sigma).
    assert abs(vals.var() / s.variance - 1) < 0.2, (vals.var(), s.variance)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_deep_linear_jacobian_is_fuss_catalan(depth):
    edge_ = (depth + 1) ** (depth + 1) / depth**depth
    x, w = np.polynomial.legendre.leggauss(400)
    # x = edge (1 - cos^2 phi) ... integrate in t = sqrt(x) to tame the x^(-L/(L+1)) edge at 0
    t = (x + 1) / 2 * np.sqrt(edge_)
    wt = w / 2 * np.sqrt(edge_)
    dens = rmt.jacobian_density(t**2, depth)
    for k in range(4):
        assert abs(wt @ (2 * t * t ** (2 * k) * dens) - rmt.fuss_catalan_moment(k, depth)) < 5e-3
    assert rmt.jacobian_moments(depth) == (1.0, float(depth))


def _jacobian_eigs(depth, weights, q, n, rng):
    J = np.eye(n)
    for _ in range(depth):
        W = _haar(n, rng) * np.sqrt(1 / q) if weights == "orthogonal" else \
            rng.standard_normal((n, n)) * np.sqrt(1 / (q * n))
        D = (rng.random(n) < q).astype(float)
        J = (D[:, None] * W) @ J
    return np.linalg.eigvalsh(J @ J.T)


@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
def test_relu_jacobian_law_matches_simulation(weights):
    depth, q, n = 3, 0.5, 600
    eigs = _jacobian_eigs(depth, weights, q, n, np.random.default_rng(5))
    mom = rmt.jacobian_moments(depth, weights=weights, active_fraction=q)
    assert abs(eigs.mean() - mom.mean) < 0.1 and abs(eigs.var() / mom.variance - 1) < 0.15
    nz = eigs[eigs > 1e-8]
    grid = np.linspace(1e-4, nz.max() * 1.05, 3000)
    dens = rmt.jacobian_density(grid, depth, weights=weights, active_fraction=q)
    assert _ks_against_density(nz, dens, 1e-4, nz.max() * 1.05) < 0.05
    assert abs(nz.size / n - q) < 0.03  # the atom at 0 has mass 1 - q
