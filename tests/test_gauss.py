"""Tests of rmtlib.gauss: Gaussian moments, Linear-Equivalent coefficients, Hermite coefficients."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

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
    np.testing.assert_allclose(c, q, rtol=1e-9, atol=1e-10,
                               err_msg="closed form and adaptive quadrature must agree to ~1e-10")


@pytest.mark.parametrize("act", [rmt.leaky_relu(0.7, 0.3), rmt.leaky_relu(1.0, -0.2),
                                 rmt.poly2(1.3, -0.4, 0.8)])
def test_parametrised_families_closed_form_equal_quadrature(act):
    c = rmt.activation_coefficients(act, 1.7, method="closed_form")
    q = rmt.activation_coefficients(act, 1.7, method="quadrature")
    np.testing.assert_allclose(c, q, rtol=1e-9, atol=1e-10)


def test_table2_rows_match_book_plan_closed_forms():
    tau = 1.3
    relu = rmt.activation_coefficients("relu", tau)
    assert np.allclose([relu.d0, relu.d1, relu.d2],
                       [(0.25 - 1 / (2 * np.pi)) * tau, 0.25, 1 / (8 * np.pi * tau)])
    erf = rmt.activation_coefficients("erf", tau)
    r = 2 * tau / (2 * tau + 1)
    assert np.isclose(erf.d0, 2 / np.pi * (np.arcsin(r) - r)), "erf d0 has arcsin"
    g = rmt.activation_coefficients("gaussian", tau)
    assert np.allclose([g.d0, g.d2], [1 / np.sqrt(2 * tau + 1) - 1 / (tau + 1),
                                      1 / (4 * (tau + 1) ** 3)])


def test_companion_code_erf_and_poly2_rows_are_errata():
    erf_code = rmt.COMPANION_CODE_TABLE["erf"](1.0)
    erf = rmt.activation_coefficients("erf", 1.0, method="quadrature")
    assert round(erf_code[0], 8) == 0.11102776 and round(erf.d0, 8) == 0.04014587, \
        "arccos (code) vs arcsin (quadrature) at tau = 1"
    p2 = rmt.activation_coefficients("poly2", 1.0, method="quadrature")  # -t²/2 + 1
    assert np.isclose(p2.d2, 0.25) and rmt.COMPANION_CODE_TABLE["poly2"](1.0)[2] == 1.0, \
        "poly2 d2 is c2² = 1/4, the code has c0² = 1"


def test_coefficients_match_monte_carlo():
    xi = np.random.default_rng(0).standard_normal(2_000_000)
    for name in ("relu", "tanh", "sign"):
        f = ACTIVATIONS[name]
        c = rmt.activation_coefficients(name, 1.0)
        mc = [f(xi).mean(), (xi * f(xi)).mean(), ((xi**2 - 1) * f(xi)).mean(), (f(xi) ** 2).mean()]
        np.testing.assert_allclose([c.a0, c.a1, c.a2, c.nu], mc, atol=5e-3,
                                   err_msg="Monte Carlo with 2e6 draws: error ~ 1e-3")


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
    np.testing.assert_allclose(h[:3], [c.a0, np.sqrt(tau) * c.a1, tau * c.a2 / np.sqrt(2)],
                               atol=1e-10)
    assert abs((h**2).sum() - c.nu) < 0.02 * c.nu, "Parseval: sum c_k² = nu (slow tail for kinks)"


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'rleu'; known: .*relu"):
        rmt.activation_coefficients("rleu")
    with pytest.raises(ValueError, match=r"tau must lie in \(0, inf\)"):
        rmt.activation_coefficients("relu", tau=0.0)
    with pytest.raises(ValueError, match="non-finite"):
        rmt.activation_coefficients(lambda t: np.where(t > 2, np.inf, t))
    with pytest.raises(ValueError, match="method"):
        rmt.activation_coefficients("relu", method="exact")
    with pytest.raises(TypeError):
        rmt.activation_coefficients(3.0)
