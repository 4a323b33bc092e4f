"""Gaussian expectations of nonlinear functions, computed by robust adaptive quadrature.

These expectations are the coefficients of every Linear Equivalent in the book
(chapters 8–11): ``E f(√τ ξ)`` with ``ξ ~ N(0, 1)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import integrate

from . import _validate as V
from .activations import Activation, get_activation

__all__ = [
    "gaussian_expectation",
    "ActivationCoefficients",
    "activation_coefficients",
    "hermite_coefficients",
    "CLOSED_FORM_NAMES",
    "COMPANION_CODE_TABLE",
]

_CUTOFF = 40.0  # exp(-40²/2) ≈ 1e-348: the Gaussian tail beyond ±40 is below double precision.


@V.renamed_keywords(tau="tau2")
def gaussian_expectation(f, tau2=1.0, *, tol=1e-12):
    """Expectation :math:`E f(\\sqrt{\\tau}\\,\\xi)` for :math:`\\xi \\sim N(0, 1)`.

    Parameters
    ----------
    f : str, callable or :class:`~rmtlib.activations.Activation`
        The function (an activation name is accepted). Kinks or jumps declared by an
        :class:`~rmtlib.activations.Activation` become break points of the quadrature.
    tau2 : float, > 0
        Variance of the Gaussian argument.
    tol : float
        Absolute and relative tolerance of the adaptive quadrature.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``f`` returns a non-finite value on the integration range, or the quadrature does not
        reach ``100 * tol`` (the estimated error is in the message).

    Notes
    -----
    Adaptive Gauss–Kronrod (``scipy.integrate.quad``) on ``ξ ∈ (-40, 40)``, split at 0 and at
    every declared kink ``k`` (at ``ξ = k/√τ``), which keeps the rule accurate for ReLU-like and
    step-like functions where a fixed Gauss–Hermite rule converges slowly.

    Examples
    --------
    >>> round(gaussian_expectation("relu"), 12)  # 1/√(2π)
    0.398942280401
    >>> round(gaussian_expectation(np.square, tau2=2.0), 12)   # E[(√2 ξ)²] = τ²
    2.0
    """
    act = get_activation(f, name="f")
    tau2 = _tau(tau2)
    tol = V.tolerance("tol", tol, high=1e-2)
    s = np.sqrt(tau2)
    # Activations vary on the scale |t| ~ 1, i.e. |ξ| ~ 1/√τ: at large τ that is a narrow layer
    # that adaptive quadrature would miss, so it becomes break points too.
    layer = (
        {sign * r / s for r in (1.0, 4.0, 16.0, 64.0) for sign in (-1, 1)} if tau2 > 1 else set()
    )
    pts = sorted(v for v in {0.0, *(k / s for k in act.kinks), *layer} if abs(v) < _CUTOFF)
    edges = [-_CUTOFF, *pts, _CUTOFF]

    def integrand(x):
        val = float(np.asarray(act(np.asarray(s * x))))
        if not np.isfinite(val):
            raise ValueError(
                f"the function {act.name!r} returned a non-finite value {val} at {s * x:.6g}"
            )
        return val * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)

    total, err = 0.0, 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        val, e = integrate.quad(integrand, lo, hi, epsabs=tol, epsrel=tol, limit=200)
        total, err = total + val, err + e
    if err > 100 * tol * max(1.0, abs(total)):
        raise ValueError(
            f"Gaussian quadrature of {act.name!r} did not converge (estimated error {err:.1e})"
        )
    return total


class ActivationCoefficients(NamedTuple):
    """Gaussian moments of an activation at scale τ and the Linear-Equivalent coefficients.

    Attributes
    ----------
    a0, a1, a2 : float
        :math:`E\\sigma^{(k)}(\\sqrt\\tau\\xi)`, k = 0, 1, 2 (derivatives in the weak sense).
    nu : float
        :math:`E\\sigma(\\sqrt\\tau\\xi)^2`.
    d0, d1, d2 : float
        :math:`\\nu - a_0^2 - \\tau d_1`, :math:`a_1^2`, :math:`(a_2/2)^2`.
    """

    a0: float
    a1: float
    a2: float
    nu: float
    d0: float
    d1: float
    d2: float


def _tau(tau2):
    """τ² > 0, a finite real scalar, below the range where e^{-ξ²/2} quadrature is meaningful."""
    t = V.scalar("tau2", tau2)
    if not 0 < t <= 1e12:
        raise ValueError(f"tau2 must lie in (0, 1e12]; got {tau2!r}")
    return t


def _d0_closed(fam, tau):
    """d0 = ν - a0² - τ a1² without cancellation where the closed forms would cancel."""
    if fam == "sin":
        # e^{-τ}(sinh τ - τ), with the series of sinh τ - τ for small τ
        shm = tau**3 / 6 * (1 + tau**2 / 20 * (1 + tau**2 / 42 * (1 + tau**2 / 72)))
        return np.exp(-tau) * shm if tau < 0.1 else -np.expm1(-2 * tau) / 2 - tau * np.exp(-tau)
    if fam == "cos":
        return np.expm1(-tau) ** 2 / 2
    if fam == "gaussian":
        r = np.sqrt(1 + 2 * tau)
        return tau**2 / ((1 + tau + r) * (1 + tau) * r)
    if fam == "erf":
        u = 2 * tau / (1 + 2 * tau)
        # arcsin u - u = u³/6 + 3u⁵/40 + 5u⁷/112 + ...
        small = u**3 / 6 * (1 + u**2 * (9 / 20 + u**2 * (75 / 280 + u**2 * 1225 / 6480)))
        return 2 / np.pi * (small if u < 0.05 else np.arcsin(u) - u)
    return None


def _closed_forms(act, tau):
    """(a0, a1, a2, nu) in closed form, or None when the activation has none."""
    s = np.sqrt(tau)
    r2pi = np.sqrt(2 * np.pi)
    fam = act.family or act.name
    if fam == "linear":
        return 0.0, 1.0, 0.0, tau
    if fam == "relu":
        return s / r2pi, 0.5, 1 / (r2pi * s), tau / 2
    if fam == "leaky_relu":
        sp, sm = act.params
        return (
            (sp + sm) * s / r2pi,
            (sp - sm) / 2,
            (sp + sm) / (r2pi * s),
            (sp**2 + sm**2) * tau / 2,
        )
    if fam == "abs":
        return 2 * s / r2pi, 0.0, 2 / (r2pi * s), tau
    if fam == "sign":
        return 0.0, 2 / (r2pi * s), 0.0, 1.0
    if fam == "step":
        return 0.5, 1 / (r2pi * s), 0.0, 0.5
    if fam == "erf":
        return (
            0.0,
            2 / np.sqrt(np.pi * (1 + 2 * tau)),
            0.0,
            2 / np.pi * np.arcsin(2 * tau / (1 + 2 * tau)),
        )
    if fam == "sin":
        return 0.0, np.exp(-tau / 2), 0.0, -np.expm1(-2 * tau) / 2
    if fam == "cos":
        return np.exp(-tau / 2), 0.0, -np.exp(-tau / 2), (1 + np.exp(-2 * tau)) / 2
    if fam == "gaussian":
        return 1 / np.sqrt(1 + tau), 0.0, -((1 + tau) ** -1.5), 1 / np.sqrt(1 + 2 * tau)
    if fam == "quadratic":
        return tau, 0.0, 2.0, 3 * tau**2
    if fam == "poly2":
        c2, c1, c0 = act.params
        return (
            c2 * tau + c0,
            c1,
            2 * c2,
            3 * c2**2 * tau**2 + c1**2 * tau + c0**2 + 2 * c2 * c0 * tau,
        )
    if fam == "exp":
        if tau > 354:
            raise ValueError(
                f"tau2 = {tau!r} is too large for 'exp': E exp(τ ξ)² = e^(2τ²) "
                "overflows the floating-point range (tau2 must be <= 354)"
            )
        e = np.exp(tau / 2)
        return e, e, e, np.exp(2 * tau)
    return None


def _weighted(act, weight, label):
    return Activation(
        f"{label}·{act.name}", lambda t: weight(np.asarray(t, dtype=float)) * act(t), act.kinks
    )


def _quadrature(act, tau):
    a0 = gaussian_expectation(act, tau)
    a1 = gaussian_expectation(_weighted(act, lambda t: t, "t"), tau) / tau
    a2 = gaussian_expectation(_weighted(act, lambda t: t * t / tau - 1, "(t²/τ-1)"), tau) / tau
    nu = gaussian_expectation(_weighted(act, lambda t: act(t), "σ"), tau)
    # d0 = E[(σ(√τξ) - a0 - a1√τξ)²]: a mean of squares, so never negative, and no
    # cancellation between ν, a0² and τa1² (which are nearly equal at small τ).
    resid = Activation(
        f"σ-linear·{act.name}",
        lambda t: (np.asarray(act(t), dtype=float) - a0 - a1 * np.asarray(t)) ** 2,
        act.kinks,
    )
    d0 = gaussian_expectation(resid, tau)
    return a0, a1, a2, nu, d0


@V.renamed_keywords(tau="tau2")
def activation_coefficients(activation, tau2=1.0, *, method="auto"):
    """Gaussian moments ``a0, a1, a2, nu`` of an activation and its ``d0, d1, d2`` at scale τ.

    Parameters
    ----------
    activation : str, callable or Activation
        A name of :data:`rmtlib.ACTIVATIONS`, an :class:`~rmtlib.Activation` (e.g. from
        :func:`rmtlib.leaky_relu` or :func:`rmtlib.poly2`), or any vectorised callable.
    tau2 : float, > 0
        Variance of the pre-activation, ``τ = ‖x‖²`` for a standard Gaussian weight vector.
    method : {"auto", "closed_form", "quadrature"}
        ``"auto"`` uses the closed form when the activation has one (every named activation
        except ``tanh`` and ``sigmoid``) and adaptive quadrature otherwise.

    Returns
    -------
    ActivationCoefficients
        Named tuple ``(a0, a1, a2, nu, d0, d1, d2)``.

    Raises
    ------
    ValueError
        Unknown name (the known ones are listed), ``tau2 <= 0``, a callable returning non-finite
        values, or ``method="closed_form"`` for an activation without one.

    Notes
    -----
    With :math:`\\xi\\sim N(0,1)` and Stein's lemma (so kinks and jumps are fine: the
    derivatives are never evaluated),

    .. math::
        a_0 = E\\sigma(\\sqrt\\tau\\xi),\\quad
        a_1 = E\\sigma'(\\sqrt\\tau\\xi) = \\tfrac1\\tau E[\\sqrt\\tau\\xi\\,\\sigma(\\sqrt\\tau\\xi)],\\quad
        a_2 = E\\sigma''(\\sqrt\\tau\\xi) = \\tfrac1\\tau E[(\\xi^2-1)\\sigma(\\sqrt\\tau\\xi)],

    :math:`\\nu = E\\sigma(\\sqrt\\tau\\xi)^2`, :math:`d_1=a_1^2`,
    :math:`d_2=(\\tfrac{d}{d\\tau}a_0)^2=(a_2/2)^2` and :math:`d_0=\\nu-a_0^2-\\tau d_1`.
    For data with :math:`\\|x_i\\|^2=\\tau` the expected random-feature kernel is, in operator
    norm, :math:`a_0^2\\mathbf 1\\mathbf 1^\\top + d_1X^\\top X + d_0 I_n` plus an
    :math:`O(1/p)` rank-one term (:func:`rmtlib.rf_kernel_equivalent`).

    **Errata in the companion code of Liao & Couillet (2018)** (``RMT4RFM.py``, whose
    ``gen_sig`` is labelled "a copy-paste of Table 2"; see :data:`COMPANION_CODE_TABLE`):

    * erf: the code has :math:`d_0=\\frac2\\pi(\\arccos\\frac{2\\tau}{2\\tau+1}-\\frac{2\\tau}{2\\tau+1})`;
      the correct value has :math:`\\arcsin`, since
      :math:`E\\,\\mathrm{erf}(\\sqrt\\tau\\xi)^2=\\frac2\\pi\\arcsin\\frac{2\\tau}{2\\tau+1}`
      (0.11102776 vs 0.04014587 at τ = 1).
    * poly2 :math:`c_2t^2+c_1t+c_0`: the code has :math:`d_2=c_0^2`; the definition gives
      :math:`d_2=c_2^2`.

    Both are checked here against quadrature for every named activation (``tests/test_gauss.py``).

    References
    ----------
    Z. Liao and R. Couillet, "On the spectrum of random features maps of high dimensional
    data", ICML 2018, Table 2. C. Louart, Z. Liao, R. Couillet, Ann. Appl. Probab. 28 (2018).

    Examples
    --------
    >>> c = activation_coefficients("relu")   # d0 = 1/4 - 1/(2π), d1 = 1/4, d2 = 1/(8π)
    >>> round(c.d0, 6), c.d1, round(c.d2, 6)
    (0.090845, 0.25, 0.039789)
    >>> round(activation_coefficients("erf").d0, 8)   # (2/π)(arcsin(2/3) - 2/3), see the errata
    0.04014587
    >>> # E[ξ tanh ξ] = 0.6057055 (scipy.integrate.quad over the real line, error 3e-9)
    >>> round(activation_coefficients(np.tanh, method="quadrature").a1, 6)
    0.605706
    """
    act = get_activation(activation)
    tau2 = _tau(tau2)
    method = V.choice("method", method, ("auto", "closed_form", "quadrature"))
    vals = None if method == "quadrature" else _closed_forms(act, tau2)
    if vals is None:
        if method == "closed_form":
            raise ValueError(
                f"no closed form for {act.name!r}; closed forms exist for {', '.join(CLOSED_FORM_NAMES)}"
            )
        a0, a1, a2, nu, d0 = (float(v) for v in _quadrature(act, tau2))
    else:
        a0, a1, a2, nu = (float(v) for v in vals)
        d0 = _d0_closed(act.family or act.name, tau2)
        d0 = nu - a0 * a0 - tau2 * a1 * a1 if d0 is None else float(d0)
    d1, d2 = a1 * a1, (a2 / 2) ** 2
    out = ActivationCoefficients(a0, a1, a2, nu, d0, d1, d2)
    if not all(np.isfinite(out)):
        raise ValueError(
            f"the coefficients of {act.name!r} at tau2 = {tau2!r} are not finite (overflow): {out}"
        )
    return out


#: Named activations (and families) whose coefficients have a closed form.
CLOSED_FORM_NAMES = (
    "linear",
    "relu",
    "leaky_relu",
    "abs",
    "sign",
    "step",
    "erf",
    "sin",
    "cos",
    "gaussian",
    "quadratic",
    "poly2",
    "exp",
)

#: The (d0, d1, d2) rows of ``gen_sig`` in the RMT4RFM companion code (Liao & Couillet 2018),
#: kept to show the two rows that disagree with the definitions (erf's d0, poly2's d2).
COMPANION_CODE_TABLE = {
    "erf": lambda tau: (
        2 / np.pi * (np.arccos(2 * tau / (2 * tau + 1)) - 2 * tau / (2 * tau + 1)),
        4 / np.pi / (2 * tau + 1),
        0.0,
    ),
    "poly2": lambda tau, c2=-0.5, c1=0.0, c0=1.0: (2 * tau**2 * c2**2, c1**2, c0**2),
}


@V.renamed_keywords(tau="tau2")
def hermite_coefficients(activation, kmax, tau2=1.0):
    """Normalised Hermite coefficients :math:`c_k=E[\\sigma(\\sqrt\\tau\\xi)h_k(\\xi)]`, k ≤ kmax.

    Parameters
    ----------
    activation : str, callable or Activation
    kmax : int, >= 0
    tau2 : float, > 0

    Returns
    -------
    ndarray, shape (kmax + 1,)

    Notes
    -----
    :math:`h_k=\\mathrm{He}_k/\\sqrt{k!}` are orthonormal under :math:`N(0,1)`. For unit-variance
    Gaussians :math:`u, v` with correlation ρ, Mehler's formula gives
    :math:`E[\\sigma(\\sqrt\\tau u)\\sigma(\\sqrt\\tau v)]=\\sum_k c_k^2\\rho^k`, and
    :math:`\\sum_k c_k^2=\\nu`. Also :math:`c_0=a_0`, :math:`c_1=\\sqrt\\tau a_1`,
    :math:`c_2=\\tau a_2/\\sqrt2` (so :math:`c_2=a_2/\\sqrt2` at τ = 1).
    Computed by composite Gauss–Legendre quadrature on :math:`[-14, 14]`, split at the kinks.

    Examples
    --------
    >>> [round(float(c), 6) for c in hermite_coefficients("relu", 2)]   # 1/√(2π), 1/2, 1/(2√π)
    [0.398942, 0.5, 0.282095]
    """
    act = get_activation(activation)
    kmax = V.integer("kmax", kmax, minimum=0)
    tau2 = _tau(tau2)
    x, w = _gl_rule(act, tau2)
    V.check_allocation([(kmax + 1, x.size)], "the table of Hermite functions", "kmax")
    f = np.asarray(act(np.sqrt(tau2) * x), dtype=float)
    if not np.all(np.isfinite(f)):
        raise ValueError(f"the function {act.name!r} returned non-finite values")
    return _hermite_matrix(x, kmax) @ (w * f)


def _gl_rule(act, tau, n_per=160, half_width=14.0):
    """Nodes/weights (Gaussian weight included) of a composite Gauss–Legendre rule."""
    s = np.sqrt(tau)
    cuts = sorted({-half_width, half_width, *(k / s for k in act.kinks if abs(k / s) < half_width)})
    # panels of width ≤ 1 keep the rule exact to machine precision for smooth pieces
    edges = np.unique(np.concatenate([np.arange(-half_width, half_width + 1e-9, 1.0), cuts]))
    g, gw = np.polynomial.legendre.leggauss(n_per // 8)
    lo, hi = edges[:-1, None], edges[1:, None]
    x = ((hi - lo) / 2 * g + (hi + lo) / 2).ravel()
    w = ((hi - lo) / 2 * gw).ravel() * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    return x, w


def _hermite_matrix(x, kmax):
    """Rows h_0(x) ... h_kmax(x) of orthonormal probabilists' Hermite functions."""
    H = np.empty((kmax + 1, x.size))
    H[0] = 1.0
    if kmax >= 1:
        H[1] = x
    for k in range(1, kmax):
        H[k + 1] = (x * H[k] - np.sqrt(k) * H[k - 1]) / np.sqrt(k + 1)
    return H
