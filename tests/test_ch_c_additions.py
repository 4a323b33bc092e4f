"""Tests of the functions added for chapters 11 and 12: each against a closed form or an
independent method, and against a seeded simulation."""

import numpy as np
import pytest
from scipy import linalg, stats

import rmtlib as rmt

# --- rmt.kolmogorov_distance (rmtlib/spectral.py) ------------------------------------------


def test_kolmogorov_distance_closed_forms():
    x = np.linspace(0, 1, 20001)
    uniform = np.ones_like(x)
    # F_n jumps by 1/2 at 1/4 and 3/4 while F(t) = t: the largest gap is 1/4.
    assert rmt.kolmogorov_distance([0.75, 0.25], x, uniform) == pytest.approx(0.25, abs=1e-4)
    # One sample at the median: F_n jumps from 0 to 1 where F = 1/2.
    assert rmt.kolmogorov_distance([0.5], x, uniform) == pytest.approx(0.5, abs=1e-4)
    # Samples at the quantiles (i - 1/2)/n: the distance is exactly 1/(2n).
    n = 40
    assert rmt.kolmogorov_distance((np.arange(n) + 0.5) / n, x, uniform) == pytest.approx(
        1 / (2 * n), abs=1e-4
    )


def test_kolmogorov_distance_matches_scipy_kstest():
    """Independent method: scipy's exact one-sample Kolmogorov-Smirnov statistic."""
    samples = np.random.default_rng(0).standard_normal(500)
    x = np.linspace(-9, 9, 180001)
    ours = rmt.kolmogorov_distance(samples, x, stats.norm.pdf(x))
    exact = stats.kstest(samples, "norm").statistic
    # the grid sees F_n on both sides of each sample up to one grid step (density <= 0.4)
    assert ours == pytest.approx(exact, abs=1e-4)


@pytest.mark.slow
def test_kolmogorov_distance_of_simulated_mp_spectrum_shrinks():
    """Seeded simulation: Gaussian sample-covariance eigenvalues against the MP density."""
    c = 0.5
    lo, hi = rmt.mp_edges(c)
    x = np.linspace(lo, hi, 20001)
    rho = rmt.mp_density(x, c)
    dist = []
    for p in (100, 800):
        X = np.random.default_rng(p).standard_normal((p, int(p / c)))
        dist.append(rmt.kolmogorov_distance(np.linalg.eigvalsh(X @ X.T / X.shape[1]), x, rho))
    # rigidity of the eigenvalues: the distance is O(1/p) up to logarithms
    assert dist[0] < 0.03 and dist[1] < 0.006 and dist[1] < dist[0] / 4


def test_kolmogorov_distance_rejects_bad_input():
    x = np.linspace(0, 1, 11)
    with pytest.raises(ValueError, match="strictly increasing"):
        rmt.kolmogorov_distance([0.5], x[::-1], np.ones(11))
    with pytest.raises(ValueError, match="shape of x"):
        rmt.kolmogorov_distance([0.5], x, np.ones(10))
    with pytest.raises(ValueError, match="integrate to 1"):
        rmt.kolmogorov_distance([0.5], x, 3 * np.ones(11))
    with pytest.raises(ValueError, match="at least one"):
        rmt.kolmogorov_distance([], x, np.ones(11))
    with pytest.raises(ValueError, match="density"):
        rmt.kolmogorov_distance([0.5], x, -np.ones(11))


# --- rmt.spectral_training_loss (rmtlib/lazy.py) ------------------------------------------


def test_spectral_training_loss_equals_matrix_exponential_trace():
    """Closed form: (sigma^2/n) tr e^{-2tK} computed with scipy's matrix exponential."""
    A = np.random.default_rng(1).standard_normal((30, 60))
    K = A @ A.T / 60
    lam = np.linalg.eigvalsh(K)
    t = np.array([0.0, 0.3, 2.0])
    expected = [0.7 * np.trace(linalg.expm(-2 * s * K)) / 30 for s in t]
    assert np.allclose(rmt.spectral_training_loss(t, lam, noise_var=0.7), expected, rtol=1e-10)
    # gradient descent: (1/n) tr (I - eta K)^{2k}
    k, eta = 5, 0.4
    M = np.linalg.matrix_power(np.eye(30) - eta * K, 2 * k)
    assert rmt.spectral_training_loss(k, lam, step=eta) == pytest.approx(
        np.trace(M) / 30, rel=1e-10
    )


def test_spectral_training_loss_is_the_label_average_of_the_empirical_loss():
    """Seeded simulation: averaging (1/n) y' e^{-2tK} y over Gaussian labels."""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((50, 80))
    K = A @ A.T / 80
    y = rng.standard_normal((50, 4000))
    t = np.array([0.1, 0.5, 1.0])
    mc = rmt.empirical_training_loss(t, K, y)
    ours = rmt.spectral_training_loss(t, np.linalg.eigvalsh(K))
    assert np.allclose(mc, ours, rtol=0.03), "4000 label draws: Monte-Carlo error about 1%"


@pytest.mark.slow
def test_spectral_training_loss_of_simulated_ntk_matches_the_contour_integral():
    """Seeded simulation against the independent limit of rmt.lazy_training_loss."""
    X = rmt.sphere_data(800, 400, rng=3)
    ev = np.linalg.eigvalsh(rmt.simulate_deep_network(X, [800], rng=4).ntk)
    t = np.array([0.1, 0.5, 2.0])
    gap = np.abs(rmt.spectral_training_loss(t, ev) - rmt.lazy_training_loss(t, [0.5, 0.5]))
    assert np.max(gap) < 3e-3, "n = 400: O(1/n) finite-size gap"


def test_spectral_training_loss_shapes_and_errors():
    assert isinstance(rmt.spectral_training_loss(0.5, [1.0, 2.0]), float)
    assert rmt.spectral_training_loss(0.0, [1.0, 2.0], noise_var=2.5) == pytest.approx(2.5)
    assert rmt.spectral_training_loss(np.zeros((2, 3)), [1.0]).shape == (2, 3)
    with pytest.raises(ValueError, match="eigenvalues"):
        rmt.spectral_training_loss(1.0, [-1.0, 2.0])
    with pytest.raises(ValueError, match="t "):
        rmt.spectral_training_loss(-1.0, [1.0])
    with pytest.raises(ValueError, match="step"):
        rmt.spectral_training_loss(1.0, [1.0], step=0.0)
    with pytest.raises(ValueError, match="at least one"):
        rmt.spectral_training_loss(1.0, [])
