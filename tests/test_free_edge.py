"""Free convolutions, R- and S-transforms, and products of layers (the edge-fluctuation tests
are in tests/test_edge.py).

Each function is checked against an independent reference (literature moments, closed forms,
the book's Stieltjes transforms) and against a seeded simulation.
"""

import numpy as np
import pytest

import rmtlib as rmt


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


@pytest.mark.slow
def test_silverstein_law_is_mp_free_times_the_population():
    x = np.linspace(0.5, 5.0, 19)
    ours = rmt.free_multiplicative_density(x, _mp_quantile_atoms(0.5, 3000), [1.0, 3.0])
    core = rmt.silverstein_density(x, 0.5, [1.0, 3.0])
    # The MP law enters through 3000 quantile atoms, a discretisation error that averages out
    # in the smooth density (measured 6e-7).
    assert np.max(np.abs(ours - core) / np.maximum(core, 0.05)) < 1e-5


def _haar(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _ks_against_density(eigs, density, grid):
    cdf = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    emp = np.searchsorted(np.sort(eigs), grid, side="right") / eigs.size
    return np.max(np.abs(emp - cdf / cdf[-1]))


@pytest.mark.slow
def test_free_convolutions_match_haar_rotated_matrices():
    n, rng = 1000, np.random.default_rng(7)
    a = np.repeat([0.0, 1.0, 3.0], [300, 400, 300]).astype(float)
    b = np.repeat([-1.0, 2.0], [500, 500]).astype(float)
    U = _haar(n, rng)
    summed = np.linalg.eigvalsh(np.diag(a) + U @ np.diag(b) @ U.T)
    # Asymmetric laws: the support has gaps in which G vanishes, so omega_1 has poles there
    # (the case that the last solver could not do).
    grid = np.linspace(-3.5, 7.5, 4001)
    dens = rmt.free_additive_density(grid, [0, 1, 3], [-1, 2], [0.3, 0.4, 0.3], [0.5, 0.5])
    # n = 1000: the KS distance of 1000 eigenvalues to their limit is O(1/n) (rigidity; measured
    # 0.003, and 0.005 for the product below).
    assert _ks_against_density(summed, dens, grid) < 0.01
    bp = np.repeat([0.5, 2.0], [500, 500])
    sq = np.sqrt(a)
    prod = np.linalg.eigvalsh(sq[:, None] * (U @ np.diag(bp) @ U.T) * sq[None, :])
    prod = prod[prod > 1e-9]  # the atom at 0 (mass 0.3) is reported separately
    grid = np.linspace(1e-4, 9.0, 4001)
    dens = rmt.free_multiplicative_density(grid, [0, 1, 3], [0.5, 2.0], [0.3, 0.4, 0.3])
    assert _ks_against_density(prod, dens, grid) < 0.01


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
    w = np.array([0.1, 0.2, -0.2])
    assert np.allclose(
        rmt.discrete_r_transform(w, [-1, 1]), (np.sqrt(1 + 4 * w**2) - 1) / (2 * w), atol=1e-12
    )
    q = 0.3
    assert np.allclose(
        rmt.discrete_s_transform(w, [0, 1], [1 - q, q]), (1 + w) / (q + w), atol=1e-12
    )


def test_free_inputs_are_checked():
    with pytest.raises(ValueError, match="atoms_a"):
        rmt.free_multiplicative_density(1.0, [-1, 1], [1])
    with pytest.raises(ValueError, match="weights_b"):
        rmt.free_additive_density(0.0, [0, 1], [0, 1], weights_b=[0.7, 0.7])
    with pytest.raises(ValueError, match="w"):
        rmt.mp_r_transform(5.0, 0.5)


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
        W = (
            _haar(n, rng) * np.sqrt(1 / q)
            if weights == "orthogonal"
            else rng.standard_normal((n, n)) * np.sqrt(1 / (q * n))
        )
        # Exactly q n active units per layer: a random count would shift the atom at 0 by
        # O(1/sqrt(n)) (the rank of the product is the smallest count), a finite-n artefact.
        D = (rng.permutation(n) < q * n).astype(float)
        J = (D[:, None] * W) @ J
    return np.linalg.eigvalsh(J @ J.T)


@pytest.mark.slow
@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
def test_relu_jacobian_law_matches_simulation(weights):
    depth, q, n = 3, 0.5, 600
    eigs = _jacobian_eigs(depth, weights, q, n, np.random.default_rng(5))
    mom = rmt.jacobian_moments(depth, weights=weights, active_fraction=q)
    assert abs(eigs.mean() - mom.mean) < 0.1 and abs(eigs.var() / mom.variance - 1) < 0.15
    nz = eigs[eigs > 1e-8]
    grid = np.concatenate([np.geomspace(1e-10, 1e-2, 400), np.linspace(0.0101, 2 * nz.max(), 3000)])
    dens = rmt.jacobian_density(grid, depth, weights=weights, active_fraction=q)
    assert _ks_against_density(nz, dens, grid) < 0.03
    # The atom at 0 has mass 1 - q: rank q n, up to the few smallest singular values of the
    # product that fall below the cut (the hard edge at 0 puts them near n^-4).
    assert abs(nz.size - q * n) <= 3


def _free_cumulants(moments):
    """Free cumulants from moments m_1..m_K, by M(z) = C(z M(z)) (Speicher's functional equation)."""
    K = len(moments)
    M = np.concatenate([[1.0], moments])
    kappa = np.zeros(K + 1)
    for n in range(1, K + 1):
        # m_n = sum_s kappa_s [z^(n-s)] M(z)^s; the s = n term is kappa_n itself
        total, power = 0.0, np.array([1.0])
        for s_ in range(1, n):
            power = np.convolve(power, M)[: K + 1]
            total += kappa[s_] * (power[n - s_] if n - s_ < power.size else 0.0)
        kappa[n] = M[n] - total
    return kappa[1:]


def _moments_from_cumulants(kappa):
    K = len(kappa)
    M = np.array([1.0])
    for _ in range(K + 1):  # fixed point of M = C(z M): exact to order K after K + 1 passes
        zM = np.concatenate([[0.0], M])[: K + 1]
        new, power = np.zeros(K + 1), np.zeros(K + 1)
        new[0], power[0] = 1.0, 1.0
        for s_ in range(1, K + 1):
            power = np.convolve(power, zM)[: K + 1]
            new += kappa[s_ - 1] * power
        M = new
    return M[1:]


@pytest.mark.slow  # 2-6 s measured in the fast loop (CONTRIBUTING: marks by time)
def test_free_sum_moments_match_free_cumulants():
    # Independent reference: free cumulants add under ⊞ (Speicher 1994), and the density's
    # moments by quadrature (Gauss–Legendre in theta on each support interval, x = cosine map:
    # exact for the square-root edges up to the location of the edges, found by bisection;
    # measured agreement 6e-15).
    a, pa = np.array([0.0, 1.0, 3.0]), np.array([0.3, 0.4, 0.3])
    b, pb = np.array([-1.0, 2.0]), np.array([0.5, 0.5])
    K = 4
    kappa = _free_cumulants([pa @ a**k for k in range(1, K + 1)])
    kappa = kappa + _free_cumulants([pb @ b**k for k in range(1, K + 1)])
    ref = _moments_from_cumulants(kappa)
    grid = np.linspace(-3.0, 7.0, 2001)
    inside = rmt.free_additive_density(grid, a, b, pa, pb) > 0
    flips = np.flatnonzero(np.diff(inside.astype(int)))

    lo, hi = grid[flips], grid[flips + 1]
    want = inside[flips]  # the value at the left end of each bracket
    for _ in range(45):  # bisection of all brackets at once
        mid = (lo + hi) / 2
        same = (rmt.free_additive_density(mid, a, b, pa, pb) > 0) == want
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    edges = (lo + hi) / 2
    theta, wt = np.polynomial.legendre.leggauss(200)
    theta, wt = (theta + 1) * np.pi / 2, wt * np.pi / 2
    got = np.zeros(K + 1)
    for lo, hi in zip(edges[::2], edges[1::2]):
        x = lo + (hi - lo) * (1 - np.cos(theta)) / 2
        jac = (hi - lo) * np.sin(theta) / 2
        d = rmt.free_additive_density(x, a, b, pa, pb)
        got += [wt @ (x**k * d * jac) for k in range(K + 1)]
    assert abs(got[0] - 1) < 1e-10, got[0]
    assert np.allclose(got[1:], ref, rtol=1e-10, atol=0), (got[1:], ref)


def test_transforms_match_simulated_spectra():
    # Seeded simulation at n = 800: an empirical Cauchy transform (1/n) tr (z - M)^-1 at a point
    # off the axis has fluctuations O(1/n) (the Stieltjes-transform local law), so 1e-2 means
    # agreement. z is chosen as R(g) + 1/g, where the transform says G(z) = g.
    n, rng = 800, np.random.default_rng(3)
    g = np.array([0.1 + 0.1j, -0.15 + 0.05j])

    def cauchy(eigs, z):
        return np.mean(1.0 / (z[:, None] - eigs), axis=1)

    X = rng.standard_normal((n, n))
    wigner = np.linalg.eigvalsh((X + X.T) / np.sqrt(2 * n))  # semicircle, variance 1
    z = rmt.semicircle_r_transform(g) + 1 / g
    assert np.max(np.abs(cauchy(wigner, z) - g)) < 1e-2
    Y = rng.standard_normal((n // 2, n))
    wishart = np.linalg.eigvalsh(Y @ Y.T / n)  # MP, ratio 1/2
    z = rmt.mp_r_transform(g, 0.5) + 1 / g
    assert np.max(np.abs(cauchy(wishart, z) - g)) < 1e-2
    w = np.array([0.2, 0.5])
    chi = rmt.mp_s_transform(w, 0.5) * w / (1 + w)  # chi = psi^-1
    psi = np.mean(chi[:, None] * wishart / (1 - chi[:, None] * wishart), axis=1)
    assert np.allclose(psi, w, atol=1e-2)
    a, b = np.repeat([0.0, 1.0, 3.0], [240, 320, 240]), np.repeat([-1.0, 2.0], [400, 400])
    U = _haar(n, rng)
    summed = np.linalg.eigvalsh(np.diag(a) + U @ np.diag(b) @ U.T)
    g = np.array([0.05 + 0.03j, -0.04 + 0.02j])  # inside the R-transforms' disc of analyticity
    z = (
        rmt.discrete_r_transform(g, [0, 1, 3], [0.3, 0.4, 0.3])
        + rmt.discrete_r_transform(g, [-1, 2])
        + 1 / g
    )
    assert np.max(np.abs(cauchy(summed, z) - g)) < 1e-2 * np.abs(g).max()
    # S-transforms multiply under ⊠: psi of A^1/2 U B U^T A^1/2 at chi_A chi_B (1 + w) / w.
    bp = np.repeat([0.5, 2.0], [400, 400])
    sq = np.sqrt(a)
    prod = np.linalg.eigvalsh(sq[:, None] * (U @ np.diag(bp) @ U.T) * sq[None, :])
    w = np.array([0.1, 0.3])
    s = rmt.discrete_s_transform(w, [0, 1, 3], [0.3, 0.4, 0.3]) * rmt.discrete_s_transform(
        w, [0.5, 2.0]
    )
    chi = s * w / (1 + w)
    psi = np.mean(chi[:, None] * prod / (1 - chi[:, None] * prod), axis=1)
    assert np.allclose(psi, w, atol=1e-2)
