"""Loss-landscape spectra (rmtlib.hessian).

Each function is checked against an independent reference (finite differences, the explicit
Jacobian, a dense eigendecomposition, closed forms, another algorithm of the library) and
against a seeded simulation at a stated tolerance.
"""

import numpy as np
import pytest

import rmtlib as rmt
from rmtlib.fixedpoint import ConvergenceError


def _net(p=12, N=9, n=40, seed=0, labels=True):
    rng = np.random.default_rng(seed)
    X = rmt.sphere_data(p, n, rng=seed + 1)
    W, v = rng.standard_normal((N, p)), rng.choice([-1.0, 1.0], N)
    y = rng.choice([-1.0, 1.0], n) if labels else np.zeros(n)
    return W, v, X, y


def _grad(theta, N, p, X, y, act):
    return rmt.two_layer_loss(theta[: N * p].reshape(N, p), theta[N * p :], X, y, act)[1]


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_gradient_matches_finite_differences_of_the_loss(act):
    W, v, X, y = _net()
    N, p = W.shape
    theta = np.concatenate([W.ravel(), v])
    d = np.random.default_rng(5).standard_normal(theta.size)
    eps = 1e-6

    def loss(t):
        return rmt.two_layer_loss(t[: N * p].reshape(N, p), t[N * p :], X, y, act)[0]

    fd = (loss(theta + eps * d) - loss(theta - eps * d)) / (2 * eps)
    # central differences: O(eps^2) truncation, O(1e-16/eps) round-off
    assert abs(fd - _grad(theta, N, p, X, y, act) @ d) < 1e-7 * (1 + abs(fd))


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_hvp_matches_finite_differences_of_the_gradient(act):
    W, v, X, y = _net()
    N, p = W.shape
    theta = np.concatenate([W.ravel(), v])
    d = np.random.default_rng(6).standard_normal(theta.size)
    eps = 1e-5
    fd = (_grad(theta + eps * d, N, p, X, y, act) - _grad(theta - eps * d, N, p, X, y, act)) / (
        2 * eps
    )
    hv = rmt.two_layer_hvp(W, v, X, y, d, act)
    # ReLU: a step of 1e-5 crosses a kink with probability ~1e-5 per unit; none at this seed
    assert np.linalg.norm(fd - hv) < 1e-6 * np.linalg.norm(hv)


def test_gauss_newton_part_is_jacobian_gram_and_parts_add_up():
    W, v, X, y = _net()
    J = rmt.two_layer_jacobian(W, v, X)
    P, n = J.shape[1], X.shape[1]
    E = np.eye(P)
    G = rmt.two_layer_hvp(W, v, X, y, E, part="gauss_newton")
    H = rmt.two_layer_hvp(W, v, X, y, E)
    H1 = rmt.two_layer_hvp(W, v, X, y, E, part="residual")
    assert np.allclose(G, J.T @ J / n, atol=1e-13)
    assert np.allclose(H, G + H1, atol=1e-13)
    assert np.allclose(H, H.T, atol=1e-13)
    # at zero residual (targets equal to the outputs) the residual part vanishes
    f = J[:, -W.shape[0] :] @ v  # the v-block of J is sigma(Wx)/sqrt(N): f = v . that
    assert np.abs(rmt.two_layer_hvp(W, v, X, f, E, part="residual")).max() < 1e-13


def test_ntk_gram_is_jacobian_gram():
    W, v, X, _ = _net(seed=3)
    J = rmt.two_layer_jacobian(W, v, X, "relu")
    assert np.allclose(rmt.two_layer_ntk_gram(W, v, X, "relu"), J @ J.T, atol=1e-12)


def test_operator_matches_hvp():
    W, v, X, y = _net(seed=2)
    op = rmt.two_layer_hessian_operator(W, v, X, y, "tanh", part="residual")
    d = np.random.default_rng(0).standard_normal((op.shape[0], 3))
    assert np.allclose(op @ d, rmt.two_layer_hvp(W, v, X, y, d, "tanh", part="residual"))


@pytest.mark.slow
@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_ntk_gram_spectrum_matches_the_deep_ntk_law(act):
    # Simulation: n = 400, p = N = 800, three seeds; the Kolmogorov distance of one draw at this
    # size is about 1/n plus edge effects (chapter 11 measures ~1e-2 at n = 300).
    n, p, N = 400, 800, 800
    grid = np.linspace(0.0, 8.0, 4001)
    rho = rmt.ntk_density(grid, [n / p, n / N], act)
    dists = []
    for s in range(3):
        rng = np.random.default_rng(10 + s)
        X = rmt.sphere_data(p, n, rng=20 + s)
        K = rmt.two_layer_ntk_gram(rng.standard_normal((N, p)), rng.choice([-1.0, 1.0], N), X, act)
        dists.append(rmt.kolmogorov_distance(np.linalg.eigvalsh(K), grid, rho))
    assert np.mean(dists) < 0.03


def test_gauss_newton_density_is_the_rescaled_ntk_law():
    n = 300
    x = np.linspace(0.0, 8.0 / n, 2001)
    rho = rmt.gauss_newton_density(x, n, 0.5, 0.5, "tanh")
    a = rmt.normalised_activation("tanh").a
    # closed forms: mass 1 and mean (1 + a_sigma)/n (the NTK trace of ntk_weights)
    assert abs(np.trapezoid(rho, x) - 1) < 1e-3
    assert abs(n * np.trapezoid(x * rho, x) - (1 + a)) < 5e-3
    assert np.allclose(rho / n, rmt.ntk_density(n * x, [0.5, 0.5], "tanh"))


def test_gauss_newton_nonzero_spectrum_by_hvp_matches_the_law():
    # Simulation: Lanczos on the matrix-free G = J^T J / n (P = 2 211) against the n x n Gram
    # (to round-off), and the Gram's n = 60 eigenvalues against the law: a Kolmogorov distance
    # of a few 1/sqrt(n) at this size (measured 0.045).
    p, N, n = 66, 33, 60
    rng = np.random.default_rng(4)
    X = rmt.sphere_data(p, n, rng=5)
    W, v = rng.standard_normal((N, p)), rng.choice([-1.0, 1.0], N)
    P = N * (p + 1)
    op = rmt.two_layer_hessian_operator(W, v, X, np.zeros(n), part="gauss_newton")
    top = rmt.lanczos_top_eigenvalues(op, 5)
    gram = np.linalg.eigvalsh(rmt.two_layer_ntk_gram(W, v, X)) / n
    assert np.allclose(top, gram[::-1][:5], rtol=1e-8)
    assert P > n
    grid = np.linspace(0.0, 14.0 / n, 2001)
    ks = rmt.kolmogorov_distance(gram, grid, rmt.gauss_newton_density(grid, n, n / p, n / N))
    assert ks < 0.15


def test_lanczos_top_eigenvalues_match_dense_eigendecomposition():
    W, v, X, y = _net(p=20, N=15, n=80, seed=7)
    op = rmt.two_layer_hessian_operator(W, v, X, y)
    ev = np.linalg.eigvalsh(op @ np.eye(op.shape[0]))
    assert np.allclose(rmt.lanczos_top_eigenvalues(op, 4), ev[::-1][:4], rtol=1e-8)
    low = rmt.lanczos_top_eigenvalues(op, 3, which="smallest")
    assert np.allclose(low, ev[:3], rtol=1e-7, atol=1e-12)
    # one restart cannot resolve 4 eigenvalues of a spectrum with 1e-6 gaps at the top
    clustered = np.diag(np.concatenate([np.linspace(0, 1, 300), 2 + 1e-6 * np.arange(4)]))
    with pytest.raises(ConvergenceError, match="max_iter"):
        rmt.lanczos_top_eigenvalues(clustered, 4, max_iter=1, tol=1e-9)


def test_lanczos_quadrature_is_exact_for_low_moments_of_a_diagonal_matrix():
    # closed form: for diagonal A and a Rademacher probe, u^T A^k u = mean(diag^k) exactly
    d = np.linspace(-1.0, 2.0, 50)
    nodes, w = rmt.lanczos_quadrature(np.diag(d), 6, 3, rng=1)
    for k in range(12):  # exact up to 2 * n_steps - 1 = 11
        assert np.allclose(np.sum(w * nodes**k, axis=1), np.mean(d**k), rtol=1e-9, atol=1e-12)
    assert np.allclose(w.sum(axis=1), 1)


def test_lanczos_quadrature_closes_early_on_a_small_spectrum():
    nodes, w = rmt.lanczos_quadrature(np.diag([1.0, 1.0, 3.0, 3.0, 3.0]), 5, 2, rng=0)
    mass_at = [np.sum(w[0][np.isclose(nodes[0], t)]) for t in (1.0, 3.0)]
    assert np.allclose(mass_at, [0.4, 0.6])


def test_slq_density_matches_smoothed_dense_spectrum():
    # Simulation: a rotated Wishart matrix P = 600; 20 probes x 80 steps against its own
    # eigenvalues smoothed by the same kernel. The probe average has relative error about
    # 1/sqrt(20 P) of the density (below 1e-2); the tolerance is 5e-2 of its maximum.
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((600, 900))
    A = Z @ Z.T / 900
    ev = np.linalg.eigvalsh(A)
    nodes, w = rmt.lanczos_quadrature(A, 80, 20, rng=4)
    x = np.linspace(0, 3.5, 71)
    ref = rmt.slq_density(x, ev, np.full(ev.size, 1 / ev.size), 0.08)
    est = rmt.slq_density(x, nodes, w, 0.08)
    assert np.max(np.abs(est - ref)) < 5e-2 * ref.max()
    # and both are close to the MP law (c = 2/3) smoothed: its variance is c = 0.667
    mean2 = np.sum(w * nodes**2) / 20 - 1
    assert abs(mean2 - 600 / 900) < 0.02


def test_slq_density_of_one_node_is_gaussian():
    x = np.linspace(-3, 3, 7)
    ref = np.exp(-0.5 * ((x - 0.5) / 0.7) ** 2) / (0.7 * np.sqrt(2 * np.pi))
    assert np.allclose(rmt.slq_density(x, [[0.5]], [[1.0]], 0.7), ref)


@pytest.mark.parametrize("c,s2", [(0.5, 0.25), (2.0, 0.1), (0.3, 1.0)])
def test_mp_plus_semicircle_density_has_the_free_cumulants(c, s2):
    # closed form: free cumulants add; kappa_1 = 1, kappa_2 = c + s2, kappa_3 = c^2 (sigma2 = 1),
    # and the first three cumulants are the mean and the central moments.
    x = np.linspace(-8, 12, 20001)
    r = rmt.mp_plus_semicircle_density(x, c, s2)
    assert abs(np.trapezoid(r, x) - 1) < 1e-4
    mu = np.trapezoid(x * r, x)
    assert abs(mu - 1) < 1e-4
    assert abs(np.trapezoid((x - mu) ** 2 * r, x) - (c + s2)) < 1e-4
    assert abs(np.trapezoid((x - mu) ** 3 * r, x) - c**2) < 1e-3


def test_mp_plus_semicircle_density_limits_are_mp_and_semicircle():
    x = np.linspace(0.2, 2.8, 14)
    mp = rmt.mp_density(x, 0.5)
    near_mp = rmt.mp_plus_semicircle_density(x, 0.5, 1e-6)
    assert np.max(np.abs(near_mp - mp)) < 2e-2  # semicircle of radius 2e-3 smooths MP
    y = np.linspace(-1.8, 1.8, 13)
    sc = np.sqrt(4 - y**2) / (2 * np.pi)
    assert np.max(np.abs(rmt.mp_plus_semicircle_density(y, 1e-4, 1.0, 1e-4) - sc)) < 1e-3


def test_mp_plus_semicircle_density_matches_subordination_on_quantile_atoms():
    # Independent algorithm: rmtlib.free_additive_density on 400 quantile atoms of each law
    m = 400
    u = (np.arange(m) + 0.5) / m
    a, b = rmt.mp_edges(0.5)
    g = np.linspace(a, b, 40001)
    mp_atoms = np.interp(u, rmt.mp_cdf(g, 0.5), g)
    t = np.linspace(-1, 1, 40001)
    sc_cdf = 0.5 + (t * np.sqrt(1 - t**2) + np.arcsin(t)) / np.pi
    sc_atoms = np.interp(u, sc_cdf, t)  # semicircle of variance 1/4 (radius 1)
    x = np.array([-0.2, 0.4, 1.0, 1.8, 2.6])
    ref = rmt.free_additive_density(x, mp_atoms, sc_atoms)
    # the discretisation error of 400 atoms in the smooth sum (measured below 1e-4)
    assert np.max(np.abs(rmt.mp_plus_semicircle_density(x, 0.5, 0.25) - ref)) < 1e-3


@pytest.mark.slow
def test_mp_plus_semicircle_density_matches_wishart_plus_goe():
    # Simulation: P = 1000, n = 500 (c = 2, an MP atom at 0 spread by the GOE), s2 = 0.1.
    # One draw has a Kolmogorov distance of order 1/P.
    rng = np.random.default_rng(0)
    P, n, s2 = 1000, 500, 0.1
    Z = rng.standard_normal((P, n))
    A = rng.standard_normal((P, P))
    ev = np.linalg.eigvalsh(Z @ Z.T / n + np.sqrt(s2) * (A + A.T) / np.sqrt(2 * P))
    grid = np.linspace(ev.min() - 0.5, ev.max() + 0.5, 4001)
    rho = rmt.mp_plus_semicircle_density(grid, P / n, s2)
    assert rmt.kolmogorov_distance(ev, grid, rho) < 0.01


def test_class_mean_outliers_closed_form_and_contour():
    # closed form: K orthogonal means of squared norm r2 give ell = r2 / K (K-fold)
    K, p, r2, c = 3, 30, 6.0, 0.25
    means = np.sqrt(r2) * np.eye(K, p)
    got = rmt.class_mean_outliers(means, c)
    ell = r2 / K
    assert np.allclose(got, (1 + ell) * (1 + c / ell))
    # an independent method: the contour integral of the resolvent along the spike
    assert np.allclose(got, rmt.spike_eigenvalue_contour(ell, c), rtol=1e-6)
    # unequal proportions: M = sum pi_a mu_a mu_a^T, here diagonal with entries pi_a r2
    pi = np.array([0.5, 0.3, 0.2])
    got = rmt.class_mean_outliers(means, c, pi)
    ell = np.sort(pi * r2)[::-1]
    assert np.allclose(got, rmt.spike_eigenvalue(ell, c))
    # below sqrt(c), the outlier sticks to the edge
    assert np.allclose(rmt.class_mean_outliers(0.1 * means, c), (1 + np.sqrt(c)) ** 2)


def test_class_mean_outliers_match_the_linear_model_hessian():
    # Simulation: p = 400, n = 1600 (c = 1/4), three classes with non-orthogonal means. The
    # outliers fluctuate at O(n^{-1/2}) (about 0.05 here); tolerance 3%.
    p, n, K = 400, 1600, 3
    rng = np.random.default_rng(11)
    means = rng.standard_normal((K, p)) * np.sqrt(8.0 / p)
    means[1] += 0.5 * means[0]
    X, _ = rmt.gaussian_mixture(p, n, means, rng=12)
    ev = np.linalg.eigvalsh(X @ X.T / n)[::-1]
    pred = rmt.class_mean_outliers(means, p / n)
    assert np.all(pred > (1 + np.sqrt(p / n)) ** 2 + 0.3)
    assert np.allclose(ev[:K], pred, rtol=0.03)
    assert ev[K] < (1 + np.sqrt(p / n)) ** 2 + 0.1
