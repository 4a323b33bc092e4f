"""The two-layer network of chapters 12 and 15, shared by their simulators (private module).

:math:`f(x) = a^\\top\\sigma(Wx)/N` with a normalised activation, second layer :math:`a\\in\\{\\pm1\\}^N`
fixed, trained on :math:`\\frac1{2n}\\lVert f(X)-y\\rVert^2`. :func:`rmtlib.one_step_feature_learning`
(chapter 12) and :func:`rmtlib.simulate_one_step` (chapter 15) take the same gradient step, so it is
written once here.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from .deep import normalised_activation


def named_activation(param, value):
    """normalised_activation(value), with errors naming ``param``."""
    if not (isinstance(value, str) or callable(value)):
        raise TypeError(f"{param} must be an activation name or a callable; got {value!r}")
    if callable(value) and not isinstance(value, str):
        V.function(param, value)
    try:
        return normalised_activation(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{param}: {exc}") from exc


def gradient_step(W, a, X, y, act, step):
    """:math:`W-\\eta N\\sqrt p\\,\\nabla_W\\frac1{2n}\\lVert f(X)-y\\rVert^2`, η = ``step``.

    The scaling makes the rank-one part of the update of order one in operator norm when η is
    (Ba et al., 2022; the docstring of :func:`rmtlib.one_step_feature_learning`).
    """
    N, p = W.shape
    H = W @ X
    resid = a @ act.fn(H) / N - y
    grad = ((a[:, None] * act.derivative(H)) * resid[None, :]) @ X.T / (X.shape[1] * N)
    return W - step * N * np.sqrt(p) * grad
