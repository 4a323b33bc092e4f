"""Tests of rmtlib.kernels, rmtlib.inner_product_kernels and rmtlib.distance_kernels: exact
random-feature kernels and the three Linear Equivalents."""

import numpy as np
import pytest

import rmtlib as rmt
from rmtlib.activations import ACTIVATIONS
from rmtlib.kernels import _mehler_kernel


@pytest.fixture(scope="module")
def small_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5))
    return X / np.linalg.norm(X, axis=0) * np.array([0.7, 1.0, 1.3, 0.9, 1.1])


@pytest.mark.parametrize("name", [n for n in sorted(ACTIVATIONS) if n != "exp"])
def test_rf_kernel_matches_monte_carlo_over_weights(name, small_data):
    W = np.random.default_rng(1).standard_normal((200_000, 20))
    S = ACTIVATIONS[name](W @ small_data)
    mc = S.T @ S / W.shape[0]
    K = rmt.rf_kernel(small_data, activation=name)
    scale = np.abs(K).max()
    assert np.abs(K - mc).max() < 0.02 * max(scale, 1), "2e5 weight draws: error ~ 0.5%"


@pytest.mark.parametrize(
    "name", ["relu", "abs", "sign", "step", "erf", "cos", "sin", "gaussian", "leaky_relu", "poly2"]
)
def test_closed_form_kernel_equals_hermite_series(name, small_data):
    a = np.sum(small_data**2, axis=0)
    H = _mehler_kernel(ACTIVATIONS[name], a, a, small_data.T @ small_data, True)
    np.testing.assert_allclose(
        rmt.rf_kernel(small_data, activation=name),
        H,
        atol=1e-4,
        err_msg="Mehler series with 40 terms at |rho| < 0.6",
    )


def test_rf_equivalent_operator_norm_error_shrinks_on_sphere():
    errs = []
    for p, n in [(150, 120), (600, 480)]:
        X = rmt.sphere_data(p, n, rng=3)
        errs.append(
            np.linalg.norm(
                rmt.rf_kernel(X, activation="relu") - rmt.rf_kernel_equivalent(X, "relu"), 2
            )
        )
    assert errs[1] < 0.7 * errs[0] and errs[1] < 0.02, f"O(p^-1/2) decay expected; got {errs}"


def test_rf_offdiagonal_regression_slope_and_intercept():
    p, n = 400, 300
    X = rmt.sphere_data(p, n, rng=4)
    K = rmt.rf_kernel(X, activation="relu")
    iu = np.triu_indices(n, 1)
    slope, icpt = np.polyfit((X.T @ X)[iu], K[iu], 1)
    c = rmt.activation_coefficients("relu")
    assert abs(slope - c.a1**2) < 0.01, "slope = a1² to the O(1/sqrt p) curvature"
    assert abs(icpt - (c.a0**2 + c.a2**2 / (2 * p))) < 2e-4, "intercept = a0² + a2²/(2p)"


def test_inner_product_equivalent_on_sphere_and_mp_bulk():
    p, n = 1000, 500
    X = np.sqrt(p) * rmt.sphere_data(p, n, rng=5)
    K = rmt.inner_product_kernel(X, np.exp)
    E = rmt.inner_product_kernel_equivalent(X, np.exp)
    assert np.linalg.norm(K - E, 2) < 0.05, "sphere data: El Karoui's error is O(p^-1/2)"
    ev = np.linalg.eigvalsh(K)[:-1]  # drop the outlier created by 1 1ᵀ
    lo = np.e - 2 + (1 - np.sqrt(n / p)) ** 2
    assert abs(ev.min() - lo) < 0.03, "smallest eigenvalue e − 2 + (1 − sqrt(n/p))²"
    x = np.linspace(lo + 0.01, np.e - 2 + (1 + np.sqrt(n / p)) ** 2 - 0.01, 400)
    mass = np.trapezoid(rmt.inner_product_kernel_density(x, np.exp, n / p), x)
    assert abs(mass - 1) < 0.02


def test_distance_equivalent_error_shrinks_with_p():
    errs = []
    for p in (200, 800):
        n = p // 2
        M = np.zeros((2, p))
        M[0, 0], M[1, 0] = 2.0, -2.0
        cov = np.ones((2, p))
        cov[1] *= 1 + 3 / np.sqrt(p)
        X, y = rmt.gaussian_mixture(p, n, M, rng=6, covariances=cov)
        g = lambda t: np.exp(-t / 2)  # noqa: E731
        errs.append(
            np.linalg.norm(
                rmt.distance_kernel(X, g) - rmt.distance_kernel_equivalent(X, g, y, M, cov), 2
            )
        )
    assert errs[1] < 0.6 * errs[0] and errs[1] < 0.08, f"errors {errs}"


def test_kernel_bad_inputs():
    with pytest.raises(ValueError, match="unknown activation"):
        rmt.rf_kernel(np.eye(2), activation="nope")
    with pytest.raises(ValueError, match="same dimension"):
        rmt.rf_kernel(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="non-finite"):
        rmt.inner_product_kernel(np.eye(2), lambda t: np.where(t >= 0.5, np.nan, t))
    with pytest.raises(ValueError, match="tau"):
        rmt.inner_product_kernel_coefficients(np.exp, -1.0)


def test_kernels_module_reexports_the_moved_names():
    from rmtlib import distance_kernels, inner_product_kernels, kernels

    for module in (inner_product_kernels, distance_kernels):
        for name in module.__all__:
            assert getattr(kernels, name) is getattr(module, name) is getattr(rmt, name)


def test_ratios_and_scales_out_of_range_are_refused_naming_them():
    with pytest.raises(ValueError, match=r"n_over_p must lie in \[1e-12, 1e\+12\]"):
        rmt.rf_kernel_bulk_edges("relu", 1e300)
    with pytest.raises(ValueError, match=r"n_over_p must lie in \[1e-12, 1e\+12\]"):
        rmt.inner_product_kernel_edges(np.exp, 1e300)
    with pytest.raises(ValueError, match=r"covariances must lie in \[0, 1e\+100\]"):
        rmt.distance_kernel_tau([0, 1], np.full((2, 3), 1e300))
