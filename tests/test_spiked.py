"""Spiked covariance: BBP closed forms against the contour integral of u^T Qbar u and simulation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rmtlib as rmt


def test_plan_values_for_c_half_ell_two():
    assert abs(rmt.spike_alignment_contour(2.0, 0.5) - 0.7) < 1e-10
    assert abs(rmt.spike_eigenvalue_contour(2.0, 0.5) - 3.75) < 1e-10


@given(c=st.floats(0.05, 4.0), excess=st.floats(0.05, 10.0))
@settings(max_examples=40, deadline=None)
def test_closed_forms_equal_contour_integrals(c, excess):
    ell = np.sqrt(c) + excess
    assert abs(rmt.spike_alignment_contour(ell, c) - rmt.spike_alignment(ell, c)) < 1e-8
    lam = rmt.spike_eigenvalue(ell, c)
    assert abs(rmt.spike_eigenvalue_contour(ell, c) - lam) < 1e-8 * lam


@given(c=st.floats(0.05, 4.0))
@settings(max_examples=20, deadline=None)
def test_continuity_at_the_threshold(c):
    th = rmt.bbp_threshold(c)
    assert abs(rmt.spike_eigenvalue(th * (1 + 1e-9), c) - (1 + np.sqrt(c)) ** 2) < 1e-6
    assert rmt.spike_alignment(th * (1 + 1e-9), c) < 1e-6
    assert rmt.spike_alignment(0.5 * th, c) == 0.0


def test_gaussian_mixture_outlier_location():
    c, mu2 = 0.5, 1.5  # C = I + mu mu^T, ell = |mu|^2
    assert rmt.spike_eigenvalue(mu2, c) == pytest.approx(c + 1 + mu2 + c / mu2)


def test_quadratic_form_is_real_off_support_and_matches_finite_n():
    p, n, ell = 400, 800, 2.0
    X, U = rmt.spiked_covariance_data(p, n, [ell], rng=3)
    R = rmt.EmpiricalResolvent(X @ X.T / n)
    emp = R.quadratic_form(-1.0, U[:, 0]).real
    # O(p^{-1/2}) fluctuation of a quadratic form; 0.03 on a value ≈ 0.30
    assert abs(emp - rmt.spike_quadratic_form(-1.0, ell, p / n).real) < 0.03
    # finite-n Cauchy identity: the contour around the top eigenvalue gives (û^T u)^2 exactly
    top = R.eigenvalues[-1]
    gap = top - R.eigenvalues[-2]
    align = rmt.cauchy_functional(lambda z: R.quadratic_form(z, U[:, 0]), top, gap / 2)
    assert abs(align - (R.eigenvectors[:, -1] @ U[:, 0]) ** 2) < 1e-9


@pytest.mark.slow
def test_simulated_top_eigenvalue_and_alignment_match_theory():
    p, n = 500, 1000
    c = p / n
    # above BBP the outlier has O(n^{-1/2}) fluctuations (sd ≈ 0.12 here, 0.045 for the mean of
    # 8 draws): tolerance 0.15 ≈ 3 sd; below, it sticks to the edge (n^{-2/3}) and the alignment
    # is O(1/p) in mean.
    for ell, tol_l, tol_a in [(2.0, 0.15, 0.06), (0.4, 0.15, 0.1)]:
        draws = [rmt.simulate_spikes(p, n, [ell], rng=s) for s in range(8)]
        lam = np.mean([d.eigenvalues[0] for d in draws])
        al = np.mean([d.alignments[0] for d in draws])
        assert abs(lam - rmt.spike_eigenvalue(ell, c)) < tol_l, (ell, lam)
        assert abs(al - rmt.spike_alignment(ell, c)) < tol_a, (ell, al)


def test_several_spikes_are_matched_in_order():
    s = rmt.simulate_spikes(300, 900, [1.0, 3.0], rng=0)
    th = rmt.spike_eigenvalue(np.array([1.0, 3.0]), 1 / 3)
    assert np.all(np.abs(s.eigenvalues - th) < 0.25)
    assert s.eigenvalues[1] > s.eigenvalues[0]


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="BBP"):
        rmt.spike_alignment_contour(0.5, 0.5)
    with pytest.raises(ValueError, match="ell"):
        rmt.spike_eigenvalue(-1.0, 0.5)
    with pytest.raises(ValueError, match="ratio"):
        rmt.spike_alignment(1.0, 0.0)
    with pytest.raises(ValueError, match="support"):
        rmt.spike_quadratic_form(1.0, 2.0, 0.5)


def test_contour_just_above_the_threshold_is_accurate_or_refused_clearly():
    # Issue 12: just above sqrt(c) the contour failed with an error about an internal radius.
    # The closed forms are the reference; the contour keeps 1e-9 down to a relative gap of 1e-8.
    c = 0.5
    for d in (1e-3, 3e-4):
        ell = np.sqrt(c) * (1 + d)
        assert rmt.spike_eigenvalue_contour(ell, c) == pytest.approx(
            rmt.spike_eigenvalue(ell, c), rel=1e-12
        )
        assert rmt.spike_alignment_contour(ell, c) == pytest.approx(
            rmt.spike_alignment(ell, c), rel=1e-8
        )
    for d in (1e-5, 1e-8, 1e-12):
        with pytest.raises(ValueError, match="ell = .* is too close to the BBP threshold"):
            rmt.spike_eigenvalue_contour(np.sqrt(c) * (1 + d), c)
