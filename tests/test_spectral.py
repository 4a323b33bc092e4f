"""Cauchy-integral representation of eigenspectral functionals: quadrature, finite-n identity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rmtlib as rmt


@given(k=st.integers(0, 30), centre=st.floats(-3, 3), r=st.floats(0.1, 3))
@settings(max_examples=30, deadline=None)
def test_trapezoid_rule_is_exact_for_residues(k, centre, r):
    # (1/2πi)∮ z^k/(z - z0) dz = z0^k for z0 inside the circle
    z0 = centre + 0.5 * r
    val = rmt.contour_integral(lambda z: z**k / (z - z0), centre, r, n_nodes=128)
    assert abs(val - z0**k) < 1e-9 * max(1.0, abs(z0) ** k + (abs(centre) + r) ** k)


def test_empirical_resolvent_matches_direct_inverse():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((30, 30))
    M = G @ G.T / 30
    R = rmt.EmpiricalResolvent(M)
    z = np.array([-1.0, 0.7 + 0.2j])
    a, b = rng.standard_normal(30), rng.standard_normal(30)
    A = np.diag(rng.uniform(size=30))
    for k, zk in enumerate(z):
        Q = np.linalg.inv(M - zk * np.eye(30))
        assert abs(R.trace(z)[k] - np.trace(Q)) < 1e-10
        assert abs(R.trace(z, A)[k] - np.trace(A @ Q)) < 1e-10
        assert abs(R.quadratic_form(z, a, b)[k] - a @ Q @ b) < 1e-10


def test_cauchy_integral_recovers_the_eigenspectral_functional():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 80))
    M = X @ X.T / 80 + 4.0 * np.outer(np.eye(40)[0], np.eye(40)[0])
    R = rmt.EmpiricalResolvent(M)
    lam = R.eigenvalues
    lo, hi = (lam[-2] + lam[-1]) / 2, lam[-1] + 1.0  # enclose the top eigenvalue only
    A = np.diag(np.linspace(0, 1, 40))
    f = np.exp
    centre, radius = (lo + hi) / 2, (hi - lo) / 2
    count = rmt.cauchy_functional(R.trace, centre, radius)
    assert abs(count - 1) < 1e-9, "the contour of tr Q counts the enclosed eigenvalues"
    via_contour = rmt.cauchy_functional(lambda z: R.trace(z, A), centre, radius, f=f) / count
    assert abs(via_contour - R.functional((lo, hi), A=A, f=f)) < 1e-9
    # a contour around the whole bulk: the sum over many eigenvalues
    a_lo = lam[0] - 0.1
    b_hi = (lam[-2] + lam[-1]) / 2
    val = rmt.cauchy_functional(R.trace, (a_lo + b_hi) / 2, (b_hi - a_lo) / 2, n_nodes=2000)
    assert abs(val - 39) < 1e-6


def test_invalid_contours_and_resolvents_are_rejected():
    R = rmt.EmpiricalResolvent(np.diag([1.0, 2.0]))
    with pytest.raises(ValueError, match="radius"):
        rmt.circle_contour(0.0, 0.0)
    with pytest.raises(ValueError, match="eigenvalue"):
        R.trace(1.0)
    with pytest.raises(ValueError, match="no eigenvalue"):
        R.functional((5.0, 6.0))
    with pytest.raises(ValueError, match="imaginary"):
        rmt.cauchy_functional(lambda z: 1j / (z - 1.0), 1.0, 0.5)
    with pytest.raises(ValueError, match="symmetric"):
        rmt.EmpiricalResolvent([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="finite"), np.errstate(all="ignore"):
        rmt.contour_integral(lambda z: 1 / (z - 1.5), 1.0, 0.5, n_nodes=8)
