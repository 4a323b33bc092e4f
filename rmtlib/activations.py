"""Named activation functions used across the book, and the lookup that validates a choice.

Each entry records where the function has kinks or jumps, so that Gaussian quadrature can split
the integration range there (see :func:`rmtlib.gauss.gaussian_expectation`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]


@dataclass(frozen=True)
class Activation:
    """An entrywise nonlinearity ``fn`` with its non-smooth points ``kinks``."""

    name: str
    fn: object
    kinks: tuple = ()

    def __call__(self, t):
        return self.fn(t)


ACTIVATIONS = {
    a.name: a
    for a in [
        Activation("linear", lambda t: np.asarray(t, dtype=float)),
        Activation("relu", lambda t: np.maximum(t, 0.0), (0.0,)),
        Activation("leaky_relu", lambda t: np.where(t > 0, t, 0.1 * t), (0.0,)),
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
        Activation("exp", np.exp),
    ]
}


def get_activation(activation):
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
                f"unknown activation {activation!r}; known: {', '.join(sorted(ACTIVATIONS))}"
            ) from None
    if callable(activation):
        return Activation(getattr(activation, "__name__", "custom"), activation)
    raise TypeError(f"activation must be a name or a callable; got {activation!r}")
