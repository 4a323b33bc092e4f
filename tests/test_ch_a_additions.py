"""Tests of the library functions added for chapters 1-5 (branch ch-a)."""

import numpy as np
import pytest

import rmtlib as rmt


def test_empirical_renormalised_ridge_matches_the_matrix_trace():
    # Independent route: the trace tr C_hat (C_hat + lam I)^{-1} from a linear solve on the
    # matrix itself, not from its eigenvalues.
    rng = np.random.default_rng(0)
    p, n = 40, 25
    X = rng.standard_normal((p, n))
    C_hat = X @ X.T / n
    eigs = np.linalg.eigvalsh(C_hat)
    for lam in (0.03, 0.5, 4.0):
        df1 = np.trace(np.linalg.solve(C_hat + lam * np.eye(p), C_hat))
        expected = lam / (1 - df1 / n)
        assert rmt.empirical_renormalised_ridge(eigs, n, lam) == pytest.approx(expected, rel=1e-10)


def test_empirical_renormalised_ridge_hand_example_and_broadcasting():
    # Two unit eigenvalues, n = 4: df1 = 2 / (1 + lam), which is 1 at lam = 1.
    assert rmt.empirical_renormalised_ridge([1.0, 1.0], 4, 1.0) == pytest.approx(4 / 3)
    lams = np.array([0.5, 1.0, 3.0])
    out = rmt.empirical_renormalised_ridge([1.0, 1.0], 4, lams)
    assert out.shape == (3,)
    assert out == pytest.approx(lams / (1 - 2 / (1 + lams) / 4))


@pytest.mark.parametrize("lam", [0.01, 0.1, 1.0])
def test_empirical_renormalised_ridge_converges_isotropic(lam):
    # Seeded simulation against two closed forms: the renormalised ridge of the population and,
    # for C = I, the Marchenko-Pastur identity kappa / (1 + kappa) = lam m(-lam).
    p, n = 800, 400
    eigs = rmt.sample_covariance_eigvals(rmt.covariance_data(p, n, rng=1))
    k_hat = rmt.empirical_renormalised_ridge(eigs, n, lam)
    k = rmt.renormalised_ridge(n, np.ones(p), lam)
    assert k_hat == pytest.approx(k, rel=0.02)
    m = rmt.mp_stieltjes(-lam, p / n).real
    assert k_hat / (1 + k_hat) == pytest.approx(lam * m, rel=0.02)


def test_empirical_renormalised_ridge_converges_power_law():
    p, n = 600, 200
    t = np.arange(1, p + 1) ** -1.5
    lams = np.logspace(-4, -0.5, 5)
    est = np.mean(
        [
            rmt.empirical_renormalised_ridge(
                rmt.sample_covariance_eigvals(rmt.covariance_data(p, n, t, rng=10 + r)), n, lams
            )
            for r in range(3)
        ],
        axis=0,
    )
    assert est == pytest.approx(rmt.renormalised_ridge(n, t, lams), rel=0.02)
    # and the estimate is far from lam itself at small lam (the implicit ridge is real)
    assert est[0] > 5 * lams[0]


def test_empirical_renormalised_ridge_rejects_bad_input():
    with pytest.raises(ValueError, match="sample_eigs"):
        rmt.empirical_renormalised_ridge([1.0, -0.5], 4, 1.0)
    with pytest.raises(ValueError, match="more than n"):
        rmt.empirical_renormalised_ridge(np.ones(5), 4, 1.0)
    with pytest.raises(ValueError, match="lam"):
        rmt.empirical_renormalised_ridge([1.0], 4, 0.0)
    with pytest.raises(ValueError, match="n"):
        rmt.empirical_renormalised_ridge([1.0], -1, 1.0)
    with pytest.raises(ValueError):
        rmt.empirical_renormalised_ridge([], 4, 1.0)
