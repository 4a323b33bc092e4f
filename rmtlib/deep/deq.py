"""Deep equilibrium (implicit) networks: the fixed-point CK and its explicit equivalent."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as V
from ..activations import Activation, get_activation
from ..fixedpoint import ConvergenceError, solve_fixed_point
from ..gauss import gaussian_expectation

__all__ = ["DEQCoefficients", "deq_ck_coefficients", "simulate_deq", "deq_explicit_activation"]


class DEQCoefficients(NamedTuple):
    """Implicit CK of :math:`h=\\sigma(Ah+Bx)`: :math:`K^*\\simeq\\alpha X^\\top X+(q-\\alpha)I+\\text{low rank}`.

    Attributes
    ----------
    q : float
        Diagonal ``q* = E σ(sξ)²``.
    alpha : float
        Linear coefficient ``α* = σ_b² β² / (1 - σ_a² β²)``.
    beta : float
        ``β = E σ'(sξ)``.
    s2 : float
        Pre-activation variance ``s² = σ_a² q* + σ_b²``.
    """

    q: float
    alpha: float
    beta: float
    s2: float


#: Largest input-weight variance σ_b² (the Gaussian expectations need scales below 1e12).
MAX_VARIANCE = 1e6
#: Largest |entry| of the input data of :func:`simulate_deq`.
MAX_ENTRY = 1e100


def deq_ck_coefficients(activation="tanh", sigma_a2=0.2, sigma_b2=1.0):
    """Fixed point of the implicit (DEQ) conjugate kernel and its linear coefficient.

    Parameters
    ----------
    activation : str or callable
        Used as is (not normalised); should be odd (centred) so that no mean term appears.
    sigma_a2 : float in [0, 1)
        Variance scale of the recurrent weights, :math:`A_{ij}\\sim N(0,\\sigma_a^2/d)`.
    sigma_b2 : float > 0
        Variance of the input weights, :math:`B_{ij}\\sim N(0,\\sigma_b^2)` (unit-norm inputs).

    Returns
    -------
    DEQCoefficients

    Notes
    -----
    :math:`q^*=E\\sigma(s\\xi)^2` with :math:`s^2=\\sigma_a^2q^*+\\sigma_b^2`, solved by the
    vectorised fixed-point solver; linearising :math:`K^*_{ij}=E\\sigma(u)\\sigma(v)` with
    :math:`\\operatorname{Cov}(u,v)=\\sigma_a^2K^*_{ij}+\\sigma_b^2x_i^\\top x_j` gives
    :math:`\\alpha^*=\\sigma_b^2\\beta^2/(1-\\sigma_a^2\\beta^2)`, :math:`\\beta=E\\sigma'(s\\xi)`.

    References
    ----------
    Ling et al., ICML 2024 (the DEQ/explicit equivalence; simplified to i.i.d. data here).

    Examples
    --------
    Both match a simulated DEQ at d = 1500 (``tests/test_deep.py``, seeds 0 and 1):

    >>> c = deq_ck_coefficients("tanh", 0.2, 1.0)
    >>> round(c.q, 6), round(c.alpha, 6)
    (0.408603, 0.376055)
    """
    sa = float(V.in_range("sigma_a2", V.scalar("sigma_a2", sigma_a2), 0.0, 1.0, high_open=True))
    sb = float(V.in_range("sigma_b2", V.positive_scalar("sigma_b2", sigma_b2), 0.0, MAX_VARIANCE))
    act = get_activation(activation)

    def second(s2):
        return gaussian_expectation(Activation("sq", lambda t: act(t) ** 2, act.kinks), s2)

    res = solve_fixed_point(
        lambda q: np.array([second(sa * float(q[0]) + sb)]),
        np.array([1.0]),
        tol=1e-12,
        max_iter=500,
        name="DEQ diagonal q*",
    )
    q = float(res.x[0])
    s2 = sa * q + sb
    beta = gaussian_expectation(Activation("stein", lambda t: t * act(t), act.kinks), s2) / s2
    if sa * beta**2 >= 1:
        raise ValueError(f"σ_a² β² = {sa * beta**2:.3g} >= 1: the linearised DEQ is unstable")
    return DEQCoefficients(q, sb * beta**2 / (1 - sa * beta**2), beta, s2)


def simulate_deq(
    X, width, activation="tanh", sigma_a2=0.2, sigma_b2=1.0, *, rng, tol=1e-10, max_iter=500
):
    """Solve the implicit layer :math:`H=\\sigma(AH+BX)` for one draw and return ``HᵀH/d``.

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Unit-norm columns.
    width : int
        Hidden width d.
    rng : Generator or int

    Returns
    -------
    ndarray, shape (n, n)
        The implicit CK ``HᵀH / d``.

    Notes
    -----
    Plain fixed-point iteration (a contraction here: no acceleration needed), with an
    iteration cap; it converges when :math:`\\sigma_a\\,\\|A\\|\\,\\mathrm{Lip}(\\sigma)<1`
    (:math:`\\|A\\|\\approx2\\sigma_a`).

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> K = simulate_deq(sphere_data(50, 10, rng=0), 200, rng=1)
    >>> round(float(np.mean(np.diag(K))), 2)   # → q* = 0.4086 of deq_ck_coefficients
    0.4
    """
    X = V.matrix("X", X)
    if np.max(np.abs(X)) > MAX_ENTRY:
        raise ValueError(
            f"X must have entries within [-{MAX_ENTRY:g}, {MAX_ENTRY:g}] (unit-norm columns)"
        )
    d = V.size("width", width)
    sa = float(V.in_range("sigma_a2", V.scalar("sigma_a2", sigma_a2), 0.0, 1.0, high_open=True))
    sb = float(V.in_range("sigma_b2", V.positive_scalar("sigma_b2", sigma_b2), 0.0, MAX_VARIANCE))
    tol = V.tolerance("tol", tol)
    max_iter = V.iterations("max_iter", max_iter)
    act = get_activation(activation)
    gen = V.rng(rng)
    V.check_allocation(
        [(d, d), (d, X.shape[0])] + [(d, X.shape[1])] * 3,
        "the d × d recurrent weights and the d × n hidden states",
        "width",
    )
    A = gen.standard_normal((d, d)) * np.sqrt(sa / d)
    BX = np.sqrt(sb) * gen.standard_normal((d, X.shape[0])) @ X
    H = np.zeros_like(BX)
    for _ in range(max_iter):
        H_new = act(A @ H + BX)
        err = np.max(np.abs(H_new - H)) / (1 + np.max(np.abs(H_new)))
        H = H_new
        if err <= tol:
            return H.T @ H / d
    raise ConvergenceError(
        f"DEQ forward pass did not converge in {max_iter} iterations "
        f"(residual {err:.1e}); lower sigma_a2"
    )


def deq_explicit_activation(coefficients):
    """Activation of a one-layer explicit net with the same CK equivalent as the DEQ.

    With :math:`\\sigma_e(t)=\\sqrt{\\alpha^*}\\,t+\\sqrt{(q^*-\\alpha^*)/2}\\,(t^2-1)`, a layer
    :math:`\\sigma_e(Wx)` (W i.i.d. N(0, 1), unit-norm x) has
    :math:`E\\sigma_e(\\xi)^2=q^*` and :math:`(E\\sigma_e')^2=\\alpha^*`, i.e. the same
    :math:`\\alpha^*X^\\top X+(q^*-\\alpha^*)I` equivalent.

    Examples
    --------
    >>> c = deq_ck_coefficients("tanh", 0.2, 1.0)
    >>> f = deq_explicit_activation(c)
    >>> from rmtlib.gauss import gaussian_expectation
    >>> round(gaussian_expectation(lambda t: f(t) ** 2), 6) == round(c.q, 6)
    True
    """
    if not isinstance(coefficients, DEQCoefficients):
        raise TypeError(
            f"coefficients must be a DEQCoefficients (from deq_ck_coefficients); got {coefficients!r}"
        )
    q, alpha = (
        V.positive_scalar("coefficients.q", coefficients.q),
        V.nonnegative_scalar("coefficients.alpha", coefficients.alpha),
    )
    if q < alpha:
        raise ValueError(f"q* = {q:.4g} < α* = {alpha:.4g}: no explicit activation matches")
    c1, c2 = np.sqrt(alpha), np.sqrt((q - alpha) / 2)
    return Activation("DEQ-equivalent", lambda t: c1 * np.asarray(t) + c2 * (np.square(t) - 1))
