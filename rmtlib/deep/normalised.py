"""The normalised activation of the deep random network and its two constants b_σ, a_σ."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy import special

from ..activations import ACTIVATIONS, Activation, get_activation
from ..gauss import gaussian_expectation

__all__ = ["NormalisedActivation", "normalised_activation"]


_DERIVATIVES = {
    "linear": lambda t: np.ones_like(np.asarray(t, dtype=float)),
    "relu": lambda t: (np.asarray(t) > 0).astype(float),
    "leaky_relu": lambda t: np.where(np.asarray(t) > 0, 1.0, 0.1),
    "abs": np.sign,
    "tanh": lambda t: 1.0 / np.cosh(t) ** 2,
    "erf": lambda t: 2 / np.sqrt(np.pi) * np.exp(-np.square(t)),
    "sigmoid": lambda t: special.expit(t) * (1 - special.expit(t)),
    "sin": np.cos,
    "cos": lambda t: -np.sin(t),
    "gaussian": lambda t: -np.asarray(t) * np.exp(-np.square(t) / 2),
    "quadratic": lambda t: 2 * np.asarray(t, dtype=float),
    "exp": np.exp,
    "sign": None,
    "step": None,
}


class NormalisedActivation(NamedTuple):
    """An activation centred and scaled to unit variance under N(0, 1), with its constants.

    Attributes
    ----------
    name : str
    mean, scale : float
        ``E σ(ξ)`` and ``sqrt(Var σ(ξ))`` of the raw activation.
    b : float
        ``b_σ = E σ̃'(ξ) = E[ξ σ̃(ξ)]`` of the normalised activation ``σ̃ = (σ - mean)/scale``.
    a : float
        ``a_σ = E σ̃'(ξ)²`` (``inf`` when σ has jumps, e.g. ``"sign"``).
    fn : Activation
        The normalised activation (kinks preserved).
    derivative : callable or None
        ``σ̃'`` (None when it is a Dirac mass).
    """

    name: str
    mean: float
    scale: float
    b: float
    a: float
    fn: Activation
    derivative: object


def normalised_activation(activation="relu"):
    """Centre and scale an activation to unit Gaussian variance; return it with ``b_σ, a_σ``.

    Parameters
    ----------
    activation : str, callable or Activation
        A name of :data:`rmtlib.ACTIVATIONS` or a vectorised function.

    Returns
    -------
    NormalisedActivation

    Raises
    ------
    ValueError
        If σ(ξ) has (numerically) zero variance: a constant cannot be normalised.

    Notes
    -----
    :math:`\\tilde\\sigma=(\\sigma-E\\sigma(\\xi))/\\sqrt{\\operatorname{Var}\\sigma(\\xi)}`,
    :math:`b_\\sigma=E\\tilde\\sigma'(\\xi)=E[\\xi\\tilde\\sigma(\\xi)]` by Stein's lemma (so kinks
    and jumps need no derivative), :math:`a_\\sigma=E\\tilde\\sigma'(\\xi)^2` from the analytic
    derivative of a named activation. For a user callable, σ' is a central difference with step
    ``1e-6`` (the quadrature splits at declared kinks, so the O(h) error stays ~1e-6).
    Jensen gives :math:`a_\\sigma\\ge b_\\sigma^2` with equality only for linear σ.

    References
    ----------
    Fan & Wang, NeurIPS 2020, Assumption 2.1 and eq. (5).

    Examples
    --------
    >>> act = normalised_activation("relu")
    >>> round(act.b, 6), round(act.a, 6)   # b² = (1/4)/(1/2 - 1/2π), a = (1/2)/(1/2 - 1/2π)
    (0.856429, 1.466942)
    """
    return _normalised(_activation_key(activation))


def _activation_key(activation):
    # lru_cache needs a hashable key: names map to themselves, Activations/callables to themselves.
    if isinstance(activation, str):
        get_activation(activation)
        return activation
    return get_activation(activation)


@lru_cache(maxsize=64)
def _normalised(key):
    act = get_activation(key)
    mean = gaussian_expectation(act)
    second = gaussian_expectation(Activation("sq", lambda t: act(t) ** 2, act.kinks))
    var = second - mean**2
    if not np.isfinite(var) or var <= 1e-12 * max(1.0, second):
        raise ValueError(
            f"activation {act.name!r} cannot be normalised: Var σ(ξ) = {var:.3g} under N(0, 1) "
            "(a constant function has no centred unit-variance version)"
        )
    scale = float(np.sqrt(var))

    def fn(t):
        return (act(t) - mean) / scale

    b = gaussian_expectation(Activation("stein", lambda t: t * fn(t), act.kinks))
    if _is_registered(act) and act.name in _DERIVATIVES:
        raw = _DERIVATIVES[act.name]
        deriv = None if raw is None else (lambda t, raw=raw: raw(t) / scale)
    else:
        h = 1e-6

        def deriv(t):
            t = np.asarray(t, dtype=float)
            return (fn(t + h) - fn(t - h)) / (2 * h)

    if deriv is None:
        a = np.inf
    else:
        a = gaussian_expectation(Activation("dsq", lambda t: deriv(t) ** 2, act.kinks))
    return NormalisedActivation(
        act.name,
        float(mean),
        scale,
        float(b),
        float(a),
        Activation(f"normalised {act.name}", fn, act.kinks),
        deriv,
    )


def _is_registered(act):
    # Only the registered object may use the analytic derivative table (a user callable could
    # share a name with a registered activation).
    return ACTIVATIONS.get(act.name) is act
