"""Input checks and numerical helpers shared by the kernel modules (private module: not part of
the API; :mod:`rmtlib.kernels`, :mod:`rmtlib.inner_product_kernels` and
:mod:`rmtlib.distance_kernels` call it).
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from .activations import get_activation


def data_matrix(X, name="X"):
    """A finite p × n data matrix whose n × n kernel matrices fit the memory budget."""
    X = V.matrix(name, X)
    if np.abs(X).max() > 1e100:
        raise ValueError(f"{name} has entries above 1e100: its Gram matrix would overflow")
    V.check_allocation([(X.shape[1], X.shape[1])] * 4, "the n × n kernel matrix", name)
    return X


def data_pair(X, Y):
    """Two data matrices of the same dimension p (``Y = X`` when None)."""
    X = data_matrix(X)
    Y = X if Y is None else data_matrix(Y, "Y")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X and Y must have the same dimension p: {X.shape[0]} != {Y.shape[0]}")
    V.check_allocation([(X.shape[1], Y.shape[1])] * 6, "the n × m kernel matrix", "X and Y")
    return X, Y


def kernel_function(f):
    """The kernel function ``f`` as a callable that refuses non-finite values."""
    act = get_activation(f, name="f")

    def call(t):
        val = np.asarray(act(np.asarray(t, dtype=float)), dtype=float)
        if not np.all(np.isfinite(val)):
            raise ValueError(f"the kernel function {act.name!r} returned non-finite values")
        return val

    return call


def derivatives(fn, t, h=1e-3):
    """f(t), f'(t), f''(t) by fourth-order central differences (f smooth near t)."""
    f = [fn(t + k * h) for k in (-2, -1, 0, 1, 2)]
    d1 = (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)
    d2 = (-f[0] + 16 * f[1] - 30 * f[2] + 16 * f[3] - f[4]) / (12 * h * h)
    return float(f[2]), float(d1), float(d2)


# Marchenko–Pastur ratios outside this range have supports too narrow or too wide to resolve in
# double precision (the range of rmtlib.mp); scales and covariances are kept where their squares
# and sums stay finite.
RATIO_RANGE = V.RATIO_RANGE
SCALE_MAX = 1e100


def aspect_ratio(name, value):
    """A Marchenko–Pastur aspect ratio: a real scalar in RATIO_RANGE."""
    x = V.scalar(name, value)
    lo, hi = RATIO_RANGE
    if not lo <= x <= hi:
        raise ValueError(f"{name} must lie in [{lo:g}, {hi:g}]; got {value!r}")
    return x


def scale(name, value):
    """A positive scalar scale (a squared norm τ) at most SCALE_MAX."""
    x = V.positive_scalar(name, value)
    if x > SCALE_MAX:
        raise ValueError(f"{name} must lie in (0, {SCALE_MAX:g}]; got {value!r}")
    return x


def covariance_diagonals(name, value):
    """Diagonals of class covariances: finite, >= 0 and at most SCALE_MAX."""
    cov = V.nonnegative(name, value)
    if cov.size and cov.max() > SCALE_MAX:
        raise ValueError(f"{name} must lie in [0, {SCALE_MAX:g}]; got an entry {cov.max():.3g}")
    return cov
