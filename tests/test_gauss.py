"""Tests of rmtlib.gauss: Gaussian moments, Linear-Equivalent coefficients, Hermite coefficients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rmtlib as rmt
from rmtlib.activations import ACTIVATIONS

NAMED = sorted(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMED)
@pytest.mark.parametrize("tau", [0.5, 1.0, 2.5])
def test_closed_form_coefficients_equal_quadrature_for_every_named_activation(name, tau):
    q = rmt.activation_coefficients(name, tau, method="quadrature")
    if name in ("tanh", "sigmoid"):
        with pytest.raises(ValueError, match="no closed form"):
            rmt.activation_coefficients(name, tau, method="closed_form")
        return
    c = rmt.activation_coefficients(name, tau, method="closed_form")
    np.testing.assert_allclose(
        c,
        q,
        rtol=1e-9,
        atol=1e-10,
        err_msg="closed form and adaptive quadrature must agree to ~1e-10",
    )


@pytest.mark.parametrize(
    "act", [rmt.leaky_relu(0.7, 0.3), rmt.leaky_relu(1.0, -0.2), rmt.poly2(1.3, -0.4, 0.8)]
)
def test_parametrised_families_closed_form_equal_quadrature(act):
    c = rmt.activation_coefficients(act, 1.7, method="closed_form")
    q = rmt.activation_coefficients(act, 1.7, method="quadrature")
    np.testing.assert_allclose(c, q, rtol=1e-9, atol=1e-10)


def test_table2_rows_match_book_plan_closed_forms():
    tau = 1.3
    relu = rmt.activation_coefficients("relu", tau)
    assert np.allclose(
        [relu.d0, relu.d1, relu.d2], [(0.25 - 1 / (2 * np.pi)) * tau, 0.25, 1 / (8 * np.pi * tau)]
    )
    erf = rmt.activation_coefficients("erf", tau)
    r = 2 * tau / (2 * tau + 1)
    assert np.isclose(erf.d0, 2 / np.pi * (np.arcsin(r) - r)), "erf d0 has arcsin"
    g = rmt.activation_coefficients("gaussian", tau)
    assert np.allclose(
        [g.d0, g.d2], [1 / np.sqrt(2 * tau + 1) - 1 / (tau + 1), 1 / (4 * (tau + 1) ** 3)]
    )


def test_companion_code_erf_and_poly2_rows_are_errata():
    erf_code = rmt.COMPANION_CODE_TABLE["erf"](1.0)
    erf = rmt.activation_coefficients("erf", 1.0, method="quadrature")
    assert round(erf_code[0], 8) == 0.11102776 and round(erf.d0, 8) == 0.04014587, (
        "arccos (code) vs arcsin (quadrature) at tau = 1"
    )
    p2 = rmt.activation_coefficients("poly2", 1.0, method="quadrature")  # -t²/2 + 1
    assert np.isclose(p2.d2, 0.25) and rmt.COMPANION_CODE_TABLE["poly2"](1.0)[2] == 1.0, (
        "poly2 d2 is c2² = 1/4, the code has c0² = 1"
    )


def test_coefficients_match_monte_carlo():
    xi = np.random.default_rng(0).standard_normal(2_000_000)
    for name in ("relu", "tanh", "sign"):
        f = ACTIVATIONS[name]
        c = rmt.activation_coefficients(name, 1.0)
        mc = [f(xi).mean(), (xi * f(xi)).mean(), ((xi**2 - 1) * f(xi)).mean(), (f(xi) ** 2).mean()]
        np.testing.assert_allclose(
            [c.a0, c.a1, c.a2, c.nu],
            mc,
            atol=5e-3,
            err_msg="Monte Carlo with 2e6 draws: error ~ 1e-3",
        )


@settings(max_examples=20, deadline=None)
@given(tau=st.floats(0.05, 5.0), sp=st.floats(-2, 2), sm=st.floats(-2, 2))
def test_d0_is_nonnegative_and_d1_d2_are_squares(tau, sp, sm):
    c = rmt.activation_coefficients(rmt.leaky_relu(sp, sm), tau)
    assert c.d0 >= -1e-12 and np.isclose(c.d1, c.a1**2) and np.isclose(c.d2, c.a2**2 / 4)


@pytest.mark.parametrize("name", ["relu", "tanh", "erf", "cos", "step"])
def test_hermite_coefficients_low_orders_and_parseval(name):
    tau = 1.4
    c = rmt.activation_coefficients(name, tau)
    h = rmt.hermite_coefficients(name, 200, tau)
    np.testing.assert_allclose(
        h[:3], [c.a0, np.sqrt(tau) * c.a1, tau * c.a2 / np.sqrt(2)], atol=1e-10
    )
    assert abs((h**2).sum() - c.nu) < 0.02 * c.nu, "Parseval: sum c_k² = nu (slow tail for kinks)"


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'rleu'; known: .*relu"):
        rmt.activation_coefficients("rleu")
    with pytest.raises(ValueError, match=r"tau2 must lie in \(0, 1e12\]"):
        rmt.activation_coefficients("relu", tau2=0.0)
    with pytest.raises(ValueError, match="non-finite"):
        rmt.activation_coefficients(lambda t: np.where(t > 2, np.inf, t))
    with pytest.raises(ValueError, match="method"):
        rmt.activation_coefficients("relu", method="exact")
    with pytest.raises(TypeError):
        rmt.activation_coefficients(3.0)


# --- issue 12: extreme τ, against 30-digit quadrature and closed forms ----------------------

mpmath = pytest.importorskip("mpmath")
_MP = {
    "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
    "tanh": mpmath.tanh,
    "erf": mpmath.erf,
    "sin": mpmath.sin,
    "gaussian": lambda t: mpmath.exp(-t * t / 2),
}


def _mp_moments(name, tau):
    """a0, a1, ν, d0 by mpmath quadrature (30 digits), split where σ(√τ ξ) varies."""
    f = _MP[name]
    with mpmath.workdps(30):
        s = mpmath.sqrt(tau)
        g = lambda x: mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        pts = sorted(
            {-40.0, 40.0, 0.0}
            | {sg * r / float(s) for r in (1, 4, 16, 64) for sg in (-1, 1) if r / float(s) < 40}
        )
        a0 = mpmath.quad(lambda x: f(s * x) * g(x), pts)
        a1 = mpmath.quad(lambda x: x * f(s * x) * g(x), pts) / s
        nu = mpmath.quad(lambda x: f(s * x) ** 2 * g(x), pts)
        d0 = mpmath.quad(lambda x: (f(s * x) - a0 - a1 * s * x) ** 2 * g(x), pts)
        return [float(v) for v in (a0, a1, nu, d0)]


# sin at τ = 1e6 (sin(1000 ξ)) is beyond the reference quadrature: checked in closed form below.
@pytest.mark.parametrize(
    "name,tau",
    [
        (n, t)
        for n in ("sigmoid", "tanh", "erf", "sin", "gaussian")
        for t in (1e-8, 1e-3, 1.0, 1e6)
        if (n, t) != ("sin", 1e6)
    ],
)
@pytest.mark.slow
def test_coefficients_at_extreme_tau_match_high_precision_quadrature(name, tau):
    c = rmt.activation_coefficients(name, tau)
    a0, a1, nu, d0 = _mp_moments(name, tau)
    assert abs(c.a0 - a0) <= 1e-13 * max(abs(a0), 1e-300) + 1e-300 or abs(a0) < 1e-25
    assert c.a1 == pytest.approx(a1, rel=1e-12)
    assert c.nu == pytest.approx(nu, rel=1e-12)
    # d0 is a mean of squares (never negative); by quadrature its absolute accuracy is ~1e-16 ν
    # (relative at small τ only where a closed form exists: erf, sin, gaussian).
    assert c.d0 >= 0
    closed = name in ("erf", "sin", "gaussian")
    assert abs(c.d0 - d0) <= (1e-13 * d0 if closed else 1e-13 * d0 + 1e-16 * nu)


def test_issue_cases_at_extreme_tau():
    # sigmoid(t) - 1/2 is odd: a0 = 1/2 exactly (was 0.4997 at τ = 1e6); tanh converged; exp
    # overflows and says so; sin at tiny τ: d0 = e^{-τ}(sinh τ - τ) = τ³/6 + O(τ⁴), no cancellation.
    assert rmt.activation_coefficients("sigmoid", 1e6).a0 == pytest.approx(0.5, abs=1e-15)
    t = rmt.activation_coefficients("tanh", 1e6)
    assert t.a1 == pytest.approx(
        2 / np.sqrt(2 * np.pi * 1e6), rel=1e-6
    )  # ∫tanh' = 2, times φ(0)/√τ
    with pytest.raises(ValueError, match="tau2 = 1000000.0 is too large for 'exp'"):
        rmt.activation_coefficients("exp", 1e6)
    assert rmt.activation_coefficients("sin", 1e-6).d0 == pytest.approx(
        1e-18 / 6 * (1 - 1e-6), rel=1e-9
    )
    assert rmt.activation_coefficients("cos", 1e6).nu == 0.5
    s = rmt.activation_coefficients("sin", 1e6)  # ν = (1 - e^{-2τ})/2, d0 = ν - τ e^{-τ}
    assert (s.a1, s.nu, s.d0) == (0.0, 0.5, 0.5)
