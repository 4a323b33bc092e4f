"""Input validation shared by every public function of :mod:`rmtlib`.

Validation lives at the public boundary: each public function calls these helpers once on its
arguments, so the internals can assume finite, well-shaped input.
"""
from __future__ import annotations

import numbers

import numpy as np


def positive(name, value, *, allow_zero=False):
    """Return ``value`` as a float array after checking it is finite and > 0 (or >= 0)."""
    arr = _real(name, value)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        rng = "[0, inf)" if allow_zero else "(0, inf)"
        raise ValueError(f"{name} must lie in {rng}; got {_show(value)}")
    return arr


def nonnegative(name, value):
    """Return ``value`` as a float array after checking it is finite and >= 0."""
    return positive(name, value, allow_zero=True)


def in_range(name, value, low, high, *, low_open=False, high_open=False):
    """Return ``value`` as a float array after checking ``low <(=) value <(=) high``."""
    arr = _real(name, value)
    lo_bad = arr <= low if low_open else arr < low
    hi_bad = arr >= high if high_open else arr > high
    if np.any(lo_bad | hi_bad):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}; got {_show(value)}")
    return arr


def integer(name, value, *, minimum=None):
    """Return ``value`` as an int after checking its type and lower bound."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def finite_real(name, value):
    """Return ``value`` as a finite float array."""
    return _real(name, value)


def finite_complex(name, value):
    """Return ``value`` as a finite complex array."""
    try:
        arr = np.asarray(value, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {_show(value)}")
    return arr


def spectrum(eigs, weights=None, *, eigs_name="pop_eigs", weights_name="pop_weights"):
    """Check a discrete spectral law given as atoms and weights.

    Returns 1-d float arrays ``(eigs, weights)``; equal weights when ``weights`` is None.
    Atoms must be finite and >= 0; weights >= 0 and summing to 1 (to 1e-8).
    """
    t = np.atleast_1d(_real(eigs_name, eigs))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"{eigs_name} must be a non-empty 1-d array; got shape {np.shape(eigs)}")
    if np.any(t < 0):
        raise ValueError(f"{eigs_name} must be >= 0 (a covariance spectrum); got {_show(eigs)}")
    if weights is None:
        return t, np.full(t.size, 1.0 / t.size)
    w = np.atleast_1d(_real(weights_name, weights))
    if w.shape != t.shape:
        raise ValueError(
            f"{weights_name} must have the same shape as {eigs_name}: {w.shape} != {t.shape}"
        )
    if np.any(w < 0):
        raise ValueError(f"{weights_name} must be >= 0; got {_show(weights)}")
    if abs(w.sum() - 1.0) > 1e-8:
        raise ValueError(f"{weights_name} must sum to 1; they sum to {w.sum():.10g}")
    return t, w


def matrix(name, value, *, ndim=2, square=False):
    """Return a finite float array of the given number of dimensions."""
    arr = _real(name, value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array; got shape {arr.shape}")
    if square and arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square; got shape {arr.shape}")
    return arr


def rng(seed_or_rng):
    """Return a :class:`numpy.random.Generator` from a seed, a Generator, or raise."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if seed_or_rng is None or isinstance(seed_or_rng, bool):
        raise TypeError(
            "rng must be a numpy.random.Generator or an integer seed "
            "(the book never draws from global random state)"
        )
    if isinstance(seed_or_rng, numbers.Integral):
        return np.random.default_rng(int(seed_or_rng))
    raise TypeError(f"rng must be a numpy.random.Generator or an integer seed; got {seed_or_rng!r}")


def scalar_or_array(x):
    """Return a real result the way it came in: a Python float for 0-d input, else an array."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _real(name, value):
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number or array; got {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or array; got {value!r}") from exc
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "c":
            raise TypeError(f"{name} must be real; got a complex value {_show(value)}")
        raise TypeError(f"{name} must be a real number or array; got {value!r}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {_show(value)}")
    return arr


def _show(value):
    arr = np.asarray(value)
    if arr.size <= 6:
        return repr(value) if arr.ndim == 0 else np.array2string(arr, precision=6)
    return f"an array of shape {arr.shape}"
