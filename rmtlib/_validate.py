"""Input validation shared by every public function of :mod:`rmtlib`, and the memory budget.

Validation lives at the public boundary: each public function calls these helpers once on its
arguments, so the internals can assume finite, well-shaped input. Every error names the
parameter and the allowed range; a :class:`TypeError` means the kind of value is wrong, a
:class:`ValueError` that its value is out of range.

Memory budget
-------------
Simulators, samplers and grids refuse, before allocating, any request whose arrays would need
more than the *memory budget* (:class:`MemoryBudgetError`, a :class:`ValueError` naming the
size parameter). The budget is 2 GiB by default; it is read once from the environment variable
``RMTLIB_MEMORY_BUDGET`` (bytes, or with a suffix ``K``, ``M``, ``G``, ``T``: ``"8G"``) and can
be changed at run time with :func:`set_memory_budget` or, for a block, :func:`memory_budget`.
The estimate counts the largest arrays a call creates (inputs, outputs and the dominant
intermediates), not every temporary.
"""

from __future__ import annotations

import contextlib
import inspect
import numbers
import os

import numpy as np

__all__ = ["MemoryBudgetError", "get_memory_budget", "set_memory_budget", "memory_budget"]

DEFAULT_MEMORY_BUDGET = 2 * 1024**3
_SUFFIX = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


class MemoryBudgetError(ValueError):
    """A request whose arrays would exceed the memory budget (see :func:`set_memory_budget`)."""


def _parse_budget(text):
    s = str(text).strip().upper().removesuffix("B").removesuffix("I")
    unit = s[-1:] if s[-1:] in _SUFFIX else ""
    try:
        value = float(s[: len(s) - len(unit)]) * _SUFFIX[unit]
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"RMTLIB_MEMORY_BUDGET must be a positive number of bytes (e.g. 2147483648 or 2G); "
            f"got {text!r}"
        )
    return int(value)


_budget = None  # None: not read from the environment yet


def get_memory_budget():
    """The current memory budget in bytes (default 2 GiB, or ``RMTLIB_MEMORY_BUDGET``).

    Examples
    --------
    >>> get_memory_budget() > 0
    True
    """
    global _budget
    if _budget is None:
        env = os.environ.get("RMTLIB_MEMORY_BUDGET")
        _budget = DEFAULT_MEMORY_BUDGET if env in (None, "") else _parse_budget(env)
    return _budget


def set_memory_budget(nbytes):
    """Set the memory budget (bytes) that simulators and grids may allocate; returns the old one.

    Parameters
    ----------
    nbytes : int or str or None
        A positive number of bytes, a string such as ``"8G"``, or None to go back to the
        default (``RMTLIB_MEMORY_BUDGET`` if set, else 2 GiB).

    Examples
    --------
    >>> old = set_memory_budget("8G")
    >>> get_memory_budget() == 8 * 1024**3
    True
    >>> _ = set_memory_budget(old)
    """
    global _budget
    old = get_memory_budget()
    if nbytes is None:
        _budget = None
    elif isinstance(nbytes, str):
        _budget = _parse_budget(nbytes)
    else:
        value = scalar("nbytes", nbytes)
        if value < 1:
            raise ValueError(f"nbytes must be a positive number of bytes; got {nbytes!r}")
        _budget = int(value)
    return old


@contextlib.contextmanager
def memory_budget(nbytes):
    """Context manager: a different memory budget inside a ``with`` block.

    Examples
    --------
    >>> with memory_budget("1M"):
    ...     get_memory_budget()
    1048576
    """
    old = set_memory_budget(nbytes)
    try:
        yield get_memory_budget()
    finally:
        set_memory_budget(old)


def _human(nbytes):
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} bytes"


def check_allocation(size, what, param, *, itemsize=8):
    """Refuse a request whose arrays would exceed the memory budget.

    Parameters
    ----------
    size : int or tuple of int
        A number of bytes (int) or the shape of one array (tuple), or a list of shapes whose
        sizes add up (the arrays that live at the same time).
    what : str
        What would be allocated, for the message (e.g. ``"the p × n data matrix"``).
    param : str
        The parameter(s) to lower, named in the message.
    itemsize : int
        Bytes per element for shapes (8 for float64, 16 for complex128).

    Raises
    ------
    MemoryBudgetError
        A :class:`ValueError` naming ``param``, the request and the budget.

    Examples
    --------
    >>> check_allocation((1000, 1000), "a matrix", "n")
    >>> with memory_budget("1M"):
    ...     check_allocation((1000, 1000), "the n × n matrix", "n")
    Traceback (most recent call last):
    ...
    rmtlib._validate.MemoryBudgetError: n: the n × n matrix would need 7.63 MiB, above the memory budget of 1 MiB; lower n or raise the budget with rmtlib.set_memory_budget (or RMTLIB_MEMORY_BUDGET)
    """
    if isinstance(size, tuple):
        shapes = [size]
    elif isinstance(size, list):
        shapes = size
    else:
        shapes = None
    if shapes is None:
        nbytes = int(size)
    else:
        nbytes = 0
        for shape in shapes:
            count = 1
            for s in shape:  # Python integers: no overflow for absurd requests
                count *= max(int(s), 0)
            nbytes += count * itemsize
    budget = get_memory_budget()
    if nbytes > budget:
        raise MemoryBudgetError(
            f"{param}: {what} would need {_human(nbytes)}, above the memory budget of "
            f"{_human(budget)}; lower {param} or raise the budget with rmtlib.set_memory_budget "
            "(or RMTLIB_MEMORY_BUDGET)"
        )


def _fail_scalar(name, value):
    raise TypeError(f"{name} must be a scalar; got an array of shape {np.shape(value)}")


def positive(name, value, *, allow_zero=False):
    """Return ``value`` as a float array after checking it is finite and > 0 (or >= 0)."""
    arr = _real(name, value)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        rng = "[0, inf)" if allow_zero else "(0, inf)"
        raise ValueError(f"{name} must lie in {rng}; got {show_value(value)}")
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
        raise ValueError(f"{name} must lie in {interval}; got {show_value(value)}")
    return arr


def integer(name, value, *, minimum=None, maximum=None):
    """Return ``value`` as an int after checking its type and bounds.

    Python and NumPy integers are accepted, and floats with an integral value (``1e3``);
    a non-integral value such as ``10.5`` is refused, never truncated.
    """
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, numbers.Integral):
        if not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
        if not np.isfinite(value) or float(value) != int(value):
            raise TypeError(
                f"{name} must be an integer; got {value!r} (non-integers are not truncated)"
            )
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}; got {value}")
    return value


def size(name, value, *, minimum=1, maximum=None):
    """A size (count of rows, samples, points): an integer >= ``minimum`` (default 1)."""
    return integer(name, value, minimum=minimum, maximum=maximum)


def shape(name, value):
    """A shape: a non-negative integer or a tuple of them; returned as a tuple of ints."""
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return (integer(name, value, minimum=0),)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of non-negative integers; got {value!r}")
    return tuple(integer(f"{name}[{i}]", v, minimum=0) for i, v in enumerate(value))


def scalar(name, value):
    """A finite real scalar, returned as a Python float."""
    arr = _real(name, value)
    if arr.ndim != 0:
        _fail_scalar(name, value)
    return float(arr)


def tolerance(name, value, *, high=1.0):
    """A solver tolerance: a real scalar in ``(0, high)``."""
    t = scalar(name, value)
    if not 0 < t < high:
        raise ValueError(f"{name} must lie in (0, {high:g}); got {value!r}")
    return t


def iterations(name, value, *, maximum=100_000):
    """An iteration cap: an integer in ``[1, maximum]`` (a cap exists so a solver cannot hang)."""
    return integer(name, value, minimum=1, maximum=maximum)


def damping(name, value):
    """A mixing / damping parameter in ``(0, 1]``."""
    d = scalar(name, value)
    if not 0 < d <= 1:
        raise ValueError(f"{name} must lie in (0, 1]; got {value!r}")
    return d


def resolution(name, value, span, *, max_points=1_000_000):
    """A grid step: positive, and not so small that ``span / value`` exceeds ``max_points``."""
    r = scalar(name, value)
    if not r > 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    if span / r > max_points:
        raise ValueError(
            f"{name} = {value!r} would need {span / r:.3g} grid points over a range of "
            f"{span:.6g} (at most {max_points:g}); use a coarser {name}"
        )
    return r


def choice(name, value, options):
    """One of a fixed set of strings."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def boolean(name, value):
    """A bool (Python or NumPy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def function(name, value, *, nargs=1):
    """A callable that accepts ``nargs`` positional arguments (checked on its signature)."""
    if not callable(value) or isinstance(value, type):
        raise TypeError(f"{name} must be a function of {nargs} argument(s); got {value!r}")
    if isinstance(value, np.ufunc):
        ok = value.nin == nargs
    else:
        try:
            inspect.signature(value).bind(*range(nargs))
            ok = True
        except TypeError:
            ok = False
        except ValueError:  # builtins without a signature: accept
            ok = True
    if not ok:
        raise TypeError(
            f"{name} must be a function of {nargs} positional argument(s); "
            f"{getattr(value, '__name__', value)!r} does not accept {nargs}"
        )
    return value


def vector(name, value, *, length=None, nonempty=True):
    """A finite 1-d real array (optionally of a given length, non-empty by default)."""
    arr = _real(name, value)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array; got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if length is not None and arr.size != length:
        raise ValueError(f"{name} must have length {length}; got {arr.size}")
    return arr


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
        raise ValueError(f"{name} must be finite; got {show_value(value)}")
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
        raise ValueError(
            f"{eigs_name} must be >= 0 (a covariance spectrum); got {show_value(eigs)}"
        )
    if weights is None:
        return t, np.full(t.size, 1.0 / t.size)
    w = np.atleast_1d(_real(weights_name, weights))
    if w.shape != t.shape:
        raise ValueError(
            f"{weights_name} must have the same shape as {eigs_name}: {w.shape} != {t.shape}"
        )
    if np.any(w < 0):
        raise ValueError(f"{weights_name} must be >= 0; got {show_value(weights)}")
    if abs(w.sum() - 1.0) > 1e-8:
        raise ValueError(f"{weights_name} must sum to 1; they sum to {w.sum():.10g}")
    return t, w


def matrix(name, value, *, ndim=2, square=False, nonempty=True):
    """Return a finite float array of the given number of dimensions (non-empty by default)."""
    arr = _real(name, value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array; got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if square and arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square; got shape {arr.shape}")
    return arr


def rng(seed_or_rng):
    """Return a :class:`numpy.random.Generator` from a seed, a Generator, or raise."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if seed_or_rng is None or isinstance(seed_or_rng, (bool, np.bool_)):
        raise TypeError(
            "rng must be a numpy.random.Generator or an integer seed "
            "(the book never draws from global random state)"
        )
    if isinstance(seed_or_rng, numbers.Integral):
        if seed_or_rng < 0:
            raise ValueError(f"rng: an integer seed must be >= 0; got {seed_or_rng}")
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
            raise TypeError(f"{name} must be real; got a complex value {show_value(value)}")
        raise TypeError(f"{name} must be a real number or array; got {value!r}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {show_value(value)}")
    return arr


def show_value(value):
    """A short rendering of a bad value for an error message (arrays by shape when large)."""
    arr = np.asarray(value)
    if arr.size <= 6:
        return repr(value) if arr.ndim == 0 else np.array2string(arr, precision=6)
    return f"an array of shape {arr.shape}"


# --- part B validators ---
def positive_scalar(name, value):
    """A finite real scalar > 0, returned as a Python float (arrays are refused, naming ``name``)."""
    x = scalar(name, value)
    if not x > 0:
        raise ValueError(f"{name} must lie in (0, inf); got {value!r}")
    return x


def nonnegative_scalar(name, value):
    """A finite real scalar >= 0, returned as a Python float (arrays are refused, naming ``name``)."""
    x = scalar(name, value)
    if not x >= 0:
        raise ValueError(f"{name} must lie in [0, inf); got {value!r}")
    return x


# --- aspect ratios and population laws (mp, silverstein, stieltjes) ---
#: Aspect ratios ``c = p / n`` accepted by the laws of :mod:`rmtlib.mp` and
#: :mod:`rmtlib.silverstein`: outside, the continuous part of the law, of relative width about
#: ``4 / sqrt(c)`` (c > 1) or ``4 sqrt(c)`` (c < 1), cannot be resolved in double precision.
RATIO_RANGE = (1e-12, 1e12)


def population_law(ratio, eigs, weights=None, *, eigs_name="pop_eigs", weights_name="pop_weights"):
    """Check ``ratio`` (a scalar in :data:`RATIO_RANGE`) and a population law ν; return ``(c, t, w)``.

    The atoms ``t`` are sorted with repeated atoms merged and zero-weight atoms dropped (the
    equations only see ν). At least one atom must be positive, and the positive atoms must lie
    in [1e-100, 1e100] and span at most 12 decades: beyond, Silverstein's equation cannot be
    resolved in double precision.
    """
    c = scalar("ratio", ratio)
    lo, hi = RATIO_RANGE
    if not lo <= c <= hi:
        raise ValueError(f"ratio must lie in [{lo:g}, {hi:g}]; got {ratio!r}")
    t, w = spectrum(eigs, weights, eigs_name=eigs_name, weights_name=weights_name)
    pos = t[t > 0]
    if pos.size == 0:
        raise ValueError(f"{eigs_name} must contain at least one positive eigenvalue")
    if not 1e-100 <= pos.max() <= 1e100 or pos.max() > 1e12 * pos.min():
        raise ValueError(
            f"{eigs_name} must have positive atoms within [1e-100, 1e100] spanning at most 12 "
            f"decades (the equation cannot be resolved in double precision beyond); got "
            f"[{pos.min():.3g}, {pos.max():.3g}]"
        )
    tu, inv = np.unique(t, return_inverse=True)
    wu = np.bincount(inv, weights=w)
    keep = wu > 0
    return c, tu[keep], wu[keep]


# --- part B, linear models ---
def finite_result(params, *arrays, allowed=None):
    """Refuse a result that overflowed float64 although every input was finite.

    ``params`` names the parameters whose size caused it (e.g. ``"r2, sigma2"``). Entries where
    ``allowed`` is True (a documented ``inf``, such as an interpolation peak) are not checked.
    """
    for arr in arrays:
        bad = ~np.isfinite(np.asarray(arr, dtype=float))
        if allowed is not None:
            bad &= ~np.asarray(allowed, dtype=bool)
        if np.any(bad):
            raise ValueError(
                f"{params}: the result overflows float64 (above 1.8e308) for these values; "
                f"use smaller {params}"
            )


_NO_TARGET = object()  # target_energy not asked for (None is a bad value, not "absent")


def population_spectrum(pop_eigs, target_energy=_NO_TARGET):
    """Eigenvalues of a population covariance (1-d, >= 0, one positive, finite trace) and,
    if given, target energies of the same length (>= 0); returns ``t`` or ``(t, energy)``."""
    t = np.atleast_1d(nonnegative("pop_eigs", pop_eigs))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"pop_eigs must be a non-empty 1-d array; got shape {np.shape(pop_eigs)}")
    if not np.any(t > 0):
        raise ValueError("pop_eigs must contain at least one positive eigenvalue")
    if not np.isfinite(t.sum()):
        raise ValueError("pop_eigs must have a finite sum (the trace of Σ overflows float64)")
    if target_energy is _NO_TARGET:
        return t
    e = np.atleast_1d(nonnegative("target_energy", target_energy))
    if e.shape != t.shape:
        raise ValueError(
            f"target_energy must have the same length as pop_eigs: {e.shape} != {t.shape}"
        )
    return t, e


# --- gradient-descent step counts (dynamics and gmm_dynamics) ---
def step_counts(name, k):
    """Numbers of GD steps: integers >= 0 (array), integral floats accepted, never truncated."""
    if isinstance(k, (str, bytes)) or k is None:
        raise TypeError(f"{name} must be an integer number of steps; got {k!r}")
    try:
        arr = np.asarray(k)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an integer number of steps; got {k!r}") from exc
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer number of steps; got {k!r}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0; got {k!r}")
    if np.any(arr > 10**9):
        raise ValueError(f"{name} must be <= 1e9 steps; got {k!r}")
    return arr


# --- deprecated spellings: the mechanism lives in _deprecation (this module stays one concept) ---
from ._deprecation import (  # noqa: E402,F401
    DEPRECATED_UNTIL,
    deprecated_alias,
    legacy_key_access,
    renamed_keywords,
)
