"""Laws every Stieltjes transform of the library satisfies (property tests).

For a probability measure μ on the real line, m(z) = ∫ μ(dt)/(t - z) has Im m > 0 on C⁺,
m(z̄) = conj m(z), -z m(z) → 1 as |z| → ∞, and its density (1/π) Im m(x + i0) is >= 0 with
mass 1 - (atoms). Each transform and density of mp and stieltjes is checked on random laws.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rmtlib as rmt

ratios = st.floats(0.1, 4.0)
atoms = st.lists(st.floats(0.2, 20.0), min_size=1, max_size=4)
upper = st.tuples(st.floats(-10.0, 30.0), st.floats(1e-3, 10.0))
angles = st.floats(0.05, np.pi - 0.05)

TRANSFORMS = {
    "mp": lambda z, c, t: rmt.mp_stieltjes(z, c, t[0]),
    "semicircle": lambda z, c, t: rmt.semicircle_stieltjes(z, t[0]),
    "silverstein": lambda z, c, t: rmt.silverstein_stieltjes(z, c, t),
    # the Gram law: a probability measure too (atom 1 - c at 0 when c < 1)
    "silverstein_co": lambda z, c, t: rmt.silverstein_co_stieltjes(z, c, t),
    "qbar_trace": lambda z, c, t: rmt.qbar_trace(z, c, np.repeat(t, 2)),
}
few = settings(max_examples=6, deadline=None)


@few
@given(c=ratios, t=atoms, xy=upper)
def test_imaginary_part_is_positive_and_conjugation_symmetric(c, t, xy):
    z = complex(xy[0], xy[1])
    for name, m in TRANSFORMS.items():
        mz = m(z, c, t)
        assert mz.imag > 0, f"{name}: Im m({z}) = {mz.imag}"
        assert abs(m(z.conjugate(), c, t) - mz.conjugate()) <= 1e-12 * abs(mz), name


@few
@given(c=ratios, t=atoms, theta=angles, r=st.floats(1e6, 1e12))
def test_minus_z_m_tends_to_one(c, t, theta, r):
    z = r * np.exp(1j * theta)
    for name, m in TRANSFORMS.items():
        # -z m(z) - 1 = β1/z + O(1/z²), β1 = the mean, at most a few times max(t)(1 + c)
        assert abs(-z * m(z, c, t) - 1) <= 100 * max(t) * (1 + c) / r, name


def _mass(density, intervals, n=400):
    """∫ density over intervals by Gauss-Legendre in θ, x = lo + (hi-lo)(1-cos θ)/2 (√ edges)."""
    g, w = np.polynomial.legendre.leggauss(n)
    total = 0.0
    for lo, hi in intervals:
        th = np.pi * (g + 1) / 2
        x = lo + (hi - lo) * (1 - np.cos(th)) / 2
        vals = density(x)
        assert np.all(vals >= 0)
        total += np.sum(w * vals * (hi - lo) / 2 * np.sin(th)) * np.pi / 2
    return total


def _graded(a, b):
    """[a, b] cut at a·2^k: near c = 1 the MP density behaves like 1/√x down to the tiny left
    edge a, which one cosine-mapped rule cannot resolve (c = 0.99999: a = 2.5e-11, mass off by
    3e-6); on each piece the density is smooth. Below 1e-16·b the mass is at most about 1e-8."""
    lo = max(a, 1e-16 * b)
    cuts = [lo]
    while cuts[-1] * 2 < b:
        cuts.append(cuts[-1] * 2)
    return list(zip(cuts, cuts[1:] + [b]))


@settings(max_examples=5, deadline=None)
@given(c=ratios, t=atoms)
@pytest.mark.slow
def test_densities_are_nonnegative_with_mass_one_minus_atom(c, t):
    s2 = t[0]
    a, b = rmt.mp_edges(c, s2)
    mass = _mass(lambda x: rmt.mp_density(x, c, s2), _graded(a, b), n=100)
    assert abs(mass + rmt.mp_atom(c) - 1) < 1e-6
    r = 2 * np.sqrt(s2)
    assert abs(_mass(lambda x: rmt.semicircle_density(x, s2), [(-r, r)]) - 1) < 1e-6
    supp = rmt.silverstein_support(c, t)
    mass = _mass(lambda x: rmt.silverstein_density(x, c, t), supp, n=200)
    assert abs(mass + rmt.silverstein_atom(c, t) - 1) < 1e-4  # density √-singular at inner edges
