"""Exact samplers of rmtlib.ensembles and the Gaussian law of a supercritical spike.

Each sampler is checked against an exact property or an independent sampler (a full dense
simulation) and against the limit law it is meant to show; the variance formula against the
literature's own parametrisation and against simulation.
"""

import numpy as np
import pytest
from scipy import stats

import rmtlib as rmt


def _ks_against_density(eigs, density, grid):
    cdf = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    emp = np.searchsorted(np.sort(eigs), grid, side="right") / eigs.size
    return np.max(np.abs(emp - cdf / cdf[-1]))


def test_haar_orthogonal_is_orthogonal_and_unbiased():
    rng = np.random.default_rng(0)
    traces = np.array([np.trace(rmt.haar_orthogonal(6, rng=rng)) for _ in range(4000)])
    U = rmt.haar_orthogonal(6, rng=1)
    assert np.allclose(U @ U.T, np.eye(6), atol=1e-12)
    # Haar: E tr U = 0 and E (tr U)^2 = 1 exactly (Diaconis & Shahshahani 1994). Standard errors
    # with 4000 draws: 0.016 and about 0.025; QR without the sign correction has E tr U near 2.
    assert abs(traces.mean()) < 0.07 and abs((traces**2).mean() - 1) < 0.1


def test_wigner_matrix_follows_the_semicircle():
    W = rmt.wigner_matrix(1000, 2.0, rng=3)
    eigs = np.linalg.eigvalsh(W)
    grid = np.linspace(-2 * np.sqrt(2), 2 * np.sqrt(2), 4001)
    # n = 1000: eigenvalue rigidity puts the KS distance at O(1/n) (measured 0.002).
    assert _ks_against_density(eigs, rmt.semicircle_density(grid, 2.0), grid) < 0.01
    z = np.array([0.5 + 0.3j, -2.0 + 0.5j])
    emp = np.mean(1.0 / (eigs[None, :] - z[:, None]), axis=1)
    assert np.max(np.abs(emp - rmt.semicircle_stieltjes(z, 2.0))) < 1e-2
    # Second moment: (1/n) tr W^2 has mean sigma^2 (n + 1)/n exactly, fluctuations O(1/n).
    assert abs(np.trace(W @ W) / 1000 - 2.0) < 0.02


def test_commuting_positions_are_the_classical_sums_and_products():
    a = np.arange(10.0)
    b = np.arange(10.0) ** 2
    s = rmt.rotated_sum_eigvals(a, b, "commuting", rng=0)
    perm = np.random.default_rng(0).permutation(b)
    assert np.array_equal(s, np.sort(a + perm))
    pr = rmt.rotated_product_eigvals(a, b, "commuting", rng=0)
    assert np.array_equal(pr, np.sort(a * perm))


@pytest.mark.slow
def test_free_positions_preserve_the_trace_and_match_free_convolutions():
    n = 800
    a = np.repeat([0.0, 1.0, 3.0], [240, 320, 240])
    b = np.repeat([-1.0, 2.0], [400, 400])
    s = rmt.rotated_sum_eigvals(a, b, rng=4)
    assert abs(s.sum() - a.sum() - b.sum()) < 1e-8  # tr(A + U B U^T) = tr A + tr B exactly
    grid = np.linspace(-3.5, 7.5, 3001)
    dens = rmt.free_additive_density(grid, [0, 1, 3], [-1, 2], [0.3, 0.4, 0.3], [0.5, 0.5])
    # O(1/n) by rigidity (measured 0.004); the commuting sum has atoms, far from this law.
    assert _ks_against_density(s, dens, grid) < 0.01
    naive = rmt.rotated_sum_eigvals(a, b, "commuting", rng=4)
    assert _ks_against_density(naive, dens, grid) > 0.1
    proj = np.repeat([0.0, 1.0], [n // 2, n // 2])
    pr = rmt.rotated_product_eigvals(proj, proj, rng=5)
    nz = pr[(pr > 1e-8) & (pr < 1 - 1e-8)]
    # Voiculescu (1987): the continuous part of two free projections of trace 1/2 is
    # 1/(2 pi sqrt(x(1 - x))) on (0, 1), mass 1/2; the atoms at 0 and 1 carry the rest.
    x = np.linspace(1e-6, 1 - 1e-6, 20001)
    assert _ks_against_density(nz, 1 / np.sqrt(x * (1 - x)), x) < 0.02
    assert abs(nz.size / n - 0.5) < 0.01


@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
@pytest.mark.slow
def test_jacobian_spectrum_matches_its_free_probability_law(weights):
    depth, q, width = 4, 0.5, 400
    eigs = rmt.simulate_jacobian_spectrum(depth, width, rng=2, weights=weights, active_fraction=q)
    mom = rmt.jacobian_moments(depth, weights=weights, active_fraction=q)
    # Mean and variance of the N eigenvalues: self-averaging, a few percent at N = 400 (the
    # variance, a fourth moment of a heavy-tailed law, fluctuates most).
    assert abs(eigs.mean() / mom.mean - 1) < 0.1 and abs(eigs.var() / mom.variance - 1) < 0.25
    nz = eigs[eigs > 1e-8]
    assert abs(nz.size - q * width) <= 3
    grid = np.concatenate([np.geomspace(1e-10, 1e-2, 400), np.linspace(0.0101, 2 * nz.max(), 3000)])
    dens = rmt.jacobian_density(grid, depth, weights=weights, active_fraction=q)
    assert _ks_against_density(nz, dens, grid) < 0.04


def test_deep_linear_jacobians():
    iso = rmt.simulate_jacobian_spectrum(6, 60, rng=0, weights="orthogonal")
    assert np.allclose(iso, 1.0, atol=1e-10)  # a product of orthogonal matrices
    eigs = rmt.simulate_jacobian_spectrum(2, 600, rng=1)
    # Fuss–Catalan moments for L = 2: 1, 3, 12 (Penson & Życzkowski 2011); relative
    # fluctuations of the k-th empirical moment are O(1/N) times a growing constant.
    for k, ref in ((1, 1.0), (2, 3.0), (3, 12.0)):
        assert abs(np.mean(eigs**k) / ref - 1) < 0.05 * k


def _dense_top(p, n, ell, reps, rng, complex_=False):
    out = np.empty(reps)
    for r in range(reps):
        X = rng.standard_normal((p, n))
        if complex_:
            X = (X + 1j * rng.standard_normal((p, n))) / np.sqrt(2)
        X[0] *= np.sqrt(1 + ell)
        out[r] = np.linalg.eigvalsh(X @ X.conj().T / n)[-1]
    return out


@pytest.mark.parametrize("ell,beta", [(0.0, 1), (2.0, 1), (0.0, 2)])
def test_bidiagonal_model_has_the_law_of_the_dense_simulation(ell, beta):
    p, n = 30, 60
    rng = np.random.default_rng(8)
    dense = _dense_top(p, n, ell, 500, rng, complex_=beta == 2)
    tri = rmt.laguerre_top_eigenvalues(p, n, 4000, ell, beta, rng=9)
    # Two-sample KS: same law means p-values uniform; reject only below 0.001.
    assert stats.ks_2samp(dense, tri).pvalue > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("beta", [1, 2])
def test_bidiagonal_top_eigenvalue_is_tracy_widom(beta):
    p, n, draws = 400, 800, 4000
    t = rmt.tracy_widom_scaling(n, p, beta)
    s = (rmt.laguerre_top_eigenvalues(p, n, draws, 0.0, beta, rng=10 + beta) - t.centre) / t.scale
    # The exact CDF on a grid of spacing 0.05, linearly interpolated (error h^2 max|F''|/8,
    # below 2e-4), not at each of the 4000 draws (7 ms of CPU per evaluation).
    grid = np.linspace(-8.0, 6.0, 281)
    cdf = np.interp(np.sort(s), grid, rmt.tracy_widom_cdf(grid, beta))
    ecdf = np.arange(1, draws + 1) / draws
    ks = max(np.max(ecdf - cdf), np.max(cdf - ecdf + 1 / draws))
    # 4000 draws: the KS distance of the exact law is below 0.021 with 95% probability; the
    # remaining margin is the O(n^-2/3) finite-size bias of the scaling (measured 0.02-0.03).
    assert ks < 0.05, ks


def test_spike_variance_matches_the_literature_parametrisation():
    ell, c = np.array([1.0, 2.5, 7.0]), 0.3
    lam = 1 + ell  # Paul (2007), Theorem 3: population eigenvalue lam, variance
    paul = 2 * lam**2 * (1 - c / (lam - 1) ** 2)  # 2 lam^2 (1 - gamma / (lam - 1)^2)
    assert np.allclose(rmt.spike_eigenvalue_variance(ell, c), paul, rtol=1e-14)
    assert np.allclose(rmt.spike_eigenvalue_variance(ell, c, beta=2), paul / 2, rtol=1e-14)
    with pytest.raises(ValueError, match="ell"):
        rmt.spike_eigenvalue_variance(0.5, 0.3)


@pytest.mark.parametrize("beta", [1, 2])
def test_spike_variance_matches_simulation(beta):
    p, n, ell, draws = 200, 1000, 2.0, 4000
    c = p / n
    top = rmt.laguerre_top_eigenvalues(p, n, draws, ell, beta, rng=20 + beta)
    z = np.sqrt(n) * (top - rmt.spike_eigenvalue(ell, c))
    v = rmt.spike_eigenvalue_variance(ell, c, beta)
    # Sample variance of 4000 near-Gaussian draws: relative standard error 2.2%; the O(1/n)
    # bias of the mean is a few tenths of a standard deviation at n = 1000.
    assert abs(z.var() / v - 1) < 0.1, (z.var(), v)
    assert abs(z.mean()) < 0.3 * np.sqrt(v)
