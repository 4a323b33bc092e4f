"""Gaussian expectations of nonlinear functions, computed by robust adaptive quadrature.

These expectations are the coefficients of every Linear Equivalent in the book
(chapters 7–10): ``E f(√τ ξ)`` with ``ξ ~ N(0, 1)``.
"""
from __future__ import annotations

import numpy as np
from scipy import integrate

from . import _validate as V
from .activations import get_activation

__all__ = ["gaussian_expectation"]

_CUTOFF = 40.0  # exp(-40²/2) ≈ 1e-348: the Gaussian tail beyond ±40 is below double precision.


def gaussian_expectation(f, tau=1.0, *, tol=1e-12):
    """Expectation :math:`E f(\\sqrt{\\tau}\\,\\xi)` for :math:`\\xi \\sim N(0, 1)`.

    Parameters
    ----------
    f : str, callable or :class:`~rmtlib.activations.Activation`
        The function (an activation name is accepted). Kinks or jumps declared by an
        :class:`~rmtlib.activations.Activation` become break points of the quadrature.
    tau : float, > 0
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
    >>> round(gaussian_expectation(np.square, tau=2.0), 12)
    2.0
    """
    act = get_activation(f)
    tau = float(V.positive("tau", tau))
    s = np.sqrt(tau)
    pts = sorted({0.0, *(k / s for k in act.kinks if abs(k / s) < _CUTOFF)})
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
