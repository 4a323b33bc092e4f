"""Tracy–Widom laws, the spike test and the linear-statistic CLT.

Each function is checked against an independent reference (literature moments, closed forms,
the book's Stieltjes transforms) and against a seeded simulation.
"""

import numpy as np
import pytest
from scipy import stats

import rmtlib as rmt
from rmtlib import edge

# Literature values (Bornemann 2010, Table 4; Tracy & Widom 1994, 1996): mean and variance.
TW_MOMENTS = {
    1: (-1.2065335745820, 1.607781034581),
    2: (-1.771086807411, 0.8131947928329),
    4: (-2.306884893241, 0.5177237207726),
}


@pytest.mark.slow  # 2-6 s measured in the fast loop (CONTRIBUTING: marks by time)
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


@pytest.mark.slow
def test_tracy_widom_quadrature_has_converged():
    pts = [-12.0, -7.5, -4.0, -2.2, -1.0, 0.0, 1.5, 4.0, 9.0]
    for beta in (1, 2, 4):
        for s in pts:
            ours = edge._cdf_pdf(s, beta, edge._NODES, True)
            fine = edge._cdf_pdf(s, beta, 160, True)
            assert abs(ours[0] - fine[0]) < 1e-12 and abs(ours[1] - fine[1]) < 1e-11, (beta, s)


@pytest.mark.slow
def test_tracy_widom_pdf_is_the_derivative_and_quantile_the_inverse():
    s, h = np.array([-3.0, -1.2, 0.4, 2.0]), 1e-4
    for beta in (1, 2, 4):
        diff = (rmt.tracy_widom_cdf(s + h, beta) - rmt.tracy_widom_cdf(s - h, beta)) / (2 * h)
        assert np.allclose(diff, rmt.tracy_widom_pdf(s, beta), atol=1e-7)
        q = np.array([0.01, 0.5, 0.95, 0.99])
        assert np.allclose(
            rmt.tracy_widom_cdf(rmt.tracy_widom_quantile(q, beta), beta), q, atol=1e-11
        )
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
    vals = np.array(
        [
            f(np.linalg.eigvalsh((X := rng.standard_normal((p, n))) @ X.T / n)).sum()
            for _ in range(reps)
        ]
    )
    s = rmt.mp_linear_statistic(f, n, p)
    se = np.sqrt(s.variance / reps)
    assert abs(vals.mean() - s.centre - s.mean) < 4 * se + 0.02, (vals.mean() - s.centre, s.mean)
    # The sample variance of 600 Gaussian draws is within 20% of the truth (about 3.5 sigma).
    assert abs(vals.var() / s.variance - 1) < 0.2, (vals.var(), s.variance)
