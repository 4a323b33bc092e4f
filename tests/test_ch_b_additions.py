"""Formulas moved out of chapters 8 and 9 into the library: each checked against a closed form
or an independent computation, and against a seeded simulation."""

import numpy as np
import pytest
from scipy import integrate

import rmtlib as rmt

# --- rf_kernel_bulk_density / rf_kernel_bulk_edges (chapter 8) ------------------------------


@pytest.mark.parametrize("ratio", [0.5, 2.0])
def test_rf_bulk_density_integrates_to_mp_mass_and_matches_discretised_law(ratio):
    lo, hi = rmt.rf_kernel_bulk_edges("relu", ratio)
    mass = integrate.quad(
        lambda x: rmt.rf_kernel_bulk_density(x, "relu", ratio), lo, hi, limit=200
    )[0]
    assert mass == pytest.approx(min(1.0, 1.0 / ratio), abs=1e-6)
    # independent: the mean of the bulk against the quadrature law of rf_kernel_spectrum_iid
    mean = integrate.quad(
        lambda x: x * rmt.rf_kernel_bulk_density(x, "relu", ratio), lo, hi, limit=200
    )[0]
    t, w = rmt.rf_kernel_spectrum_iid("relu", ratio)
    bulk = t > lo - 1e-12 if ratio < 1 else np.arange(t.size) < t.size - 1  # drop the atom
    assert mean == pytest.approx(float(t[bulk] @ w[bulk]), rel=1e-6)


def test_rf_bulk_edges_closed_form_relu():
    tau, ratio = 2.0, 0.25
    d0, d1 = (0.25 - 1 / (2 * np.pi)) * tau, 0.25
    lo, hi = rmt.rf_kernel_bulk_edges("relu", ratio, tau)
    assert lo == pytest.approx(d0 + d1 * tau * (1 - 0.5) ** 2, rel=1e-10)
    assert hi == pytest.approx(d0 + d1 * tau * (1 + 0.5) ** 2, rel=1e-10)
    # an even activation: the bulk is an atom at d0, and the density refuses
    lo, hi = rmt.rf_kernel_bulk_edges("cos", ratio)
    assert lo == hi == pytest.approx(rmt.activation_coefficients("cos").d0)
    with pytest.raises(ValueError, match="d1 = 0"):
        rmt.rf_kernel_bulk_density(0.2, "cos", ratio)


def test_rf_bulk_against_simulated_relu_kernel():
    p, n = 1000, 500
    ev = np.linalg.eigvalsh(rmt.rf_kernel(rmt.sphere_data(p, n, rng=3), activation="relu"))
    lo, hi = rmt.rf_kernel_bulk_edges("relu", n / p)
    assert ev[0] == pytest.approx(lo, abs=0.005)
    assert ev[-2] == pytest.approx(hi, abs=0.02)  # ev[-1] is the outlier of a0² 1 1ᵀ
    mid = (lo + hi) / 2
    frac = integrate.quad(lambda x: rmt.rf_kernel_bulk_density(x, "relu", n / p), lo, mid)[0]
    assert np.mean(ev[:-1] < mid) == pytest.approx(frac, abs=0.02)


def test_rf_bulk_validates():
    with pytest.raises(ValueError, match="n_over_p"):
        rmt.rf_kernel_bulk_edges("relu", -1.0)
    with pytest.raises(ValueError, match="tau"):
        rmt.rf_kernel_bulk_density(0.1, "relu", 0.5, tau2=0.0)


# --- inner_product_kernel_edges (chapter 8) ------------------------------------------------


def test_inner_product_edges_closed_form():
    lo, hi = rmt.inner_product_kernel_edges(np.exp, 0.5)
    assert lo == pytest.approx(np.e - 2 + (1 - np.sqrt(0.5)) ** 2, abs=1e-8)
    assert hi == pytest.approx(np.e - 2 + (1 + np.sqrt(0.5)) ** 2, abs=1e-8)
    lo, hi = rmt.inner_product_kernel_edges(lambda t: -t, 0.5)  # f'(0) < 0 swaps the edges
    assert lo == pytest.approx(-((1 + np.sqrt(0.5)) ** 2), abs=1e-8) and lo < hi


def test_inner_product_edges_against_simulation():
    p, n = 1000, 500
    X = np.sqrt(p) * rmt.sphere_data(p, n, rng=2)
    ev = np.linalg.eigvalsh(rmt.inner_product_kernel(X, np.exp))
    lo, hi = rmt.inner_product_kernel_edges(np.exp, n / p)
    assert ev[0] == pytest.approx(lo, abs=0.01)
    assert ev[-2] == pytest.approx(hi, abs=0.1)  # the top edge converges like n^(-2/3)


# --- distance_kernel_tau (chapter 8) --------------------------------------------------------


def test_distance_kernel_tau_closed_form_and_identity():
    p = 400
    cov = np.ones((2, p))
    cov[1] *= 1 + 4 / np.sqrt(p)
    assert rmt.distance_kernel_tau(np.array([0, 1] * 10), cov) == pytest.approx(
        2 * (1 + 2 / np.sqrt(p)), rel=1e-12
    )
    assert rmt.distance_kernel_tau(np.array([0, 0, 0, 1]), cov) == pytest.approx(
        2 * (0.75 + 0.25 * (1 + 4 / np.sqrt(p))), rel=1e-12
    )
    assert rmt.distance_kernel_tau(np.array([0, 1]), None) == 2.0
    with pytest.raises(ValueError, match="labels"):
        rmt.distance_kernel_tau(np.array([0.5, 1.0]), cov)


def test_distance_kernel_tau_is_where_distances_concentrate():
    p, n = 800, 300
    M = np.zeros((2, p))
    M[0, 0], M[1, 0] = 1.5, -1.5
    cov = np.ones((2, p))
    cov[1] *= 1 + 4 / np.sqrt(p)
    X, lab = rmt.gaussian_mixture(p, n, M, rng=4, covariances=cov)
    D = rmt.distance_kernel(X, lambda t: t)
    off = D[~np.eye(n, dtype=bool)]
    assert np.median(off) == pytest.approx(rmt.distance_kernel_tau(lab, cov), abs=0.02)


# --- rf_features / rf_gram (chapter 9) ------------------------------------------------------


def test_rf_features_explicit_loop_and_nesting():
    X = rmt.sphere_data(6, 5, rng=0)
    S = rmt.rf_features(X, 4, "tanh", rng=7)
    W = np.random.default_rng(7).standard_normal((4, 6))
    loop = np.array([[np.tanh(W[k] @ X[:, i]) for i in range(5)] for k in range(4)])
    assert np.allclose(S, loop)
    assert np.array_equal(rmt.rf_features(X, 2, "tanh", rng=7), S[:2]), "nested widths"
    G = rmt.rf_gram(X, 4, "tanh", rng=7)
    assert np.allclose(G, loop.T @ loop / 4)
    with pytest.raises(ValueError, match="n_features"):
        rmt.rf_features(X, 0, rng=0)
    with pytest.raises(ValueError, match="10\\^8"):
        rmt.rf_features(np.zeros((2, 10**5)), 10**4, rng=0)


def test_rf_gram_expectation_is_the_kernel():
    X = rmt.sphere_data(30, 40, rng=1)
    # linear features: E[G] = XᵀX exactly; ReLU: the arc-cosine kernel of rf_kernel
    for act in ("linear", "relu"):
        G = rmt.rf_gram(X, 40_000, act, rng=2)
        Phi = rmt.rf_kernel(X, activation=act)
        assert np.linalg.norm(G - Phi, 2) / np.linalg.norm(Phi, 2) < 0.03, act


def test_rf_gram_stieltjes_against_deterministic_equivalent():
    p, n, N = 200, 400, 600
    X = rmt.sphere_data(p, n, rng=20)
    ev = np.linalg.eigvalsh(rmt.rf_gram(X, N, "relu", rng=21))
    t, w = rmt.rf_kernel_spectrum_iid("relu", n / p)
    m = rmt.rf_gram_stieltjes(-1.0 + 0j, n / N, t, w).real
    assert np.mean(1 / (ev + 1)) == pytest.approx(m, abs=0.01)
