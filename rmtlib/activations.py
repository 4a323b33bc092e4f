"""Named activation functions used across the book, and the lookup that validates a choice.

Each entry records where the function has kinks or jumps, so that Gaussian quadrature can split
the integration range there (see :func:`rmtlib.gauss.gaussian_expectation`), and, for the
parametrised families (leaky ReLU, quadratic polynomial), the parameters that the closed-form
coefficient tables of :func:`rmtlib.gauss.activation_coefficients` need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from . import _validate as V

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "leaky_relu", "poly2"]


@dataclass(frozen=True)
class Activation:
    """An entrywise nonlinearity ``fn`` with its non-smooth points ``kinks``.

    ``family`` and ``params`` identify a parametrised closed form (e.g. ``"leaky_relu"`` with
    ``params=(s_plus, s_minus)``); they are empty for a plain callable.
    """

    name: str
    fn: object
    kinks: tuple = ()
    family: str = ""
    params: tuple = ()

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string; got {self.name!r}")
        V.function("fn", self.fn, nargs=1)
        if not isinstance(self.kinks, tuple):
            raise TypeError(f"kinks must be a tuple of numbers; got {self.kinks!r}")
        for k in self.kinks:
            V.scalar("kinks", k)

    def __call__(self, t):
        return self.fn(t)


def leaky_relu(s_plus=1.0, s_minus=-0.1):
    """The two-slope ReLU ``σ(t) = s₊ max(t, 0) + s₋ max(−t, 0)``.

    The usual leaky ReLU with slope ``α`` on the negative side is ``leaky_relu(1, -α)``; ReLU is
    ``(1, 0)`` and ``|t|`` is ``(1, 1)``. This is the "LReLU" row of Liao & Couillet (2018),
    Table 2, with ``ς₊ = s_plus`` and ``ς₋ = s_minus``.

    Examples
    --------
    >>> float(leaky_relu(1.0, -0.1)(np.array(-2.0)))
    -0.2
    """
    sp = V.scalar("s_plus", s_plus)
    sm = V.scalar("s_minus", s_minus)
    return Activation(
        f"leaky_relu({sp:g},{sm:g})",
        lambda t: sp * np.maximum(t, 0.0) + sm * np.maximum(-np.asarray(t, dtype=float), 0.0),
        (0.0,),
        "leaky_relu",
        (sp, sm),
    )


def poly2(c2=1.0, c1=0.0, c0=0.0):
    """The quadratic polynomial ``σ(t) = c₂ t² + c₁ t + c₀`` (the "poly2" row of Table 2).

    Examples
    --------
    >>> float(poly2(-0.5, 0.0, 1.0)(np.array(2.0)))
    -1.0
    """
    c2, c1, c0 = (V.scalar(k, v) for k, v in (("c2", c2), ("c1", c1), ("c0", c0)))
    return Activation(
        f"poly2({c2:g},{c1:g},{c0:g})",
        lambda t: c2 * np.square(t) + c1 * np.asarray(t, dtype=float) + c0,
        (),
        "poly2",
        (c2, c1, c0),
    )


def _named(name, act):
    return Activation(name, act.fn, act.kinks, act.family, act.params)


ACTIVATIONS = {
    a.name: a
    for a in [
        Activation("linear", lambda t: np.asarray(t, dtype=float)),
        Activation("relu", lambda t: np.maximum(t, 0.0), (0.0,)),
        _named("leaky_relu", leaky_relu(1.0, -0.1)),
        Activation("abs", np.abs, (0.0,)),
        Activation("sign", np.sign, (0.0,)),
        Activation("step", lambda t: (np.asarray(t) > 0).astype(float), (0.0,)),
        Activation("tanh", np.tanh),
        Activation("erf", special.erf),
        Activation("sigmoid", special.expit),
        Activation("sin", np.sin),
        Activation("cos", np.cos),
        Activation("gaussian", lambda t: np.exp(-np.square(t) / 2)),
        Activation("quadratic", np.square),
        # RMT4RFM's default poly2 (−t²/2 + 1): the row where the companion code's d₂ is c₀².
        _named("poly2", poly2(-0.5, 0.0, 1.0)),
        Activation("exp", np.exp),
    ]
}


def get_activation(activation, *, name="activation"):
    """Return an :class:`Activation` for a registered name or a callable.

    Parameters
    ----------
    activation : str or callable
        One of ``ACTIVATIONS`` (e.g. ``"relu"``, ``"tanh"``) or a vectorised function of one
        array argument (treated as smooth unless wrapped in an :class:`Activation` with kinks).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    TypeError
        For anything that is neither a string nor callable.

    Examples
    --------
    >>> get_activation("relu").kinks
    (0.0,)
    """
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(
                f"{name}: unknown activation {activation!r}; known: {', '.join(sorted(ACTIVATIONS))}"
            ) from None
    if callable(activation) and not isinstance(activation, type):
        V.function(name, activation, nargs=1)
        return Activation(getattr(activation, "__name__", "custom"), activation)
    raise TypeError(
        f"{name} must be an activation name or a function of one argument; got {activation!r}"
    )
