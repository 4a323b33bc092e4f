"""The bad-value sweep behind tests/test_validation*.py (a helper module, not a test file).

A registry lists, for each public function, one valid example call (:func:`case`). The sweep
substitutes every bad-value class of :data:`CLASSES` into every parameter of the signature
(defaulted ones included) and requires, for each substitution,

- a :class:`TypeError` or :class:`ValueError` whose message names the parameter,
- raised within :data:`CPU_SECONDS` of CPU time (a per-call ``ITIMER_PROF`` timer, so a loaded
  machine does not make it flaky), and
- no allocation above :data:`BUDGET` while trying (``tracemalloc`` peak; NumPy reports its
  buffers to tracemalloc), with the library's memory budget set to that value.

A class can be declared legitimately valid for a parameter (``valid={"z": {"negative"}}``:
negative ``z`` is a valid spectral argument). A valid substitution must then return a result
with no NaN within the same limits, or be refused with an error naming the parameter; the
example call itself must return a result with no NaN.

Values substituted, by the kind of the example value (see :func:`bad_values`): ``None``; NaN,
+inf, -inf, 0, a negative value and a huge value (``1e300``; ``10**12`` for integers) placed in
a scalar or in one entry of an array; a string (or a number, for string parameters); a value of
the wrong shape (an array for a scalar, one more dimension for an array, a zero-argument
function for a callable); an empty array.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
import signal
import tracemalloc
from dataclasses import dataclass, field

import numpy as np

import rmtlib as rmt

CLASSES = (
    "none",
    "nan",
    "posinf",
    "neginf",
    "zero",
    "negative",
    "wrong_type",
    "wrong_shape",
    "empty",
    "huge",
)
CPU_SECONDS = 1.0
BUDGET = 256 * 1024**2
# tracemalloc also counts the interpreter's own bookkeeping; allow this much above the budget.
_SLACK = 16 * 1024**2


@dataclass
class Case:
    """One public function, a valid example call and the per-parameter declarations."""

    func: object
    args: tuple
    kwargs: dict
    valid: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    skip: dict = field(default_factory=dict)
    name: str = ""

    def bound(self):
        sig = inspect.signature(self.func)
        ba = sig.bind(*self.args, **self.kwargs)
        ba.apply_defaults()
        return sig, dict(ba.arguments)

    def params(self):
        sig, _ = self.bound()
        return [
            p
            for p, par in sig.parameters.items()
            if par.kind not in (par.VAR_POSITIONAL, par.VAR_KEYWORD) and p not in self.skip
        ]


def case(func, *args, valid=None, values=None, skip=None, name=None, **kwargs):
    """Register ``func(*args, **kwargs)`` as a valid example call.

    Parameters
    ----------
    valid : dict, optional
        ``{param: set of classes}`` that are legitimately valid for that parameter
        (``"all"`` for every class).
    values : dict, optional
        ``{param: {class: value}}``: a substitution to use instead of the default one
        (e.g. a wrong shape that means something for that parameter).
    skip : dict, optional
        ``{param: reason}``: parameters not swept (the reason is required).
    name : str, optional
        Test id (the function's qualified name by default).
    """
    qual = name or getattr(func, "__qualname__", getattr(func, "__name__", repr(func)))
    return Case(func, args, kwargs, valid or {}, values or {}, skip or {}, qual)


def _kind(value):
    if value is None:
        return "none"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, str):
        return "str"
    if isinstance(value, np.random.Generator):
        return "rng"
    if callable(value):
        return "callable"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    if isinstance(value, numbers.Complex):
        return "complex"
    if isinstance(value, tuple) and all(isinstance(v, numbers.Integral) for v in value):
        return "shape"
    try:
        arr = np.asarray(value)
    except Exception:
        return "other"
    return "array" if arr.dtype.kind in "biufc" else "other"


def _put(value, entry):
    """``value`` (a numeric example) with its first entry replaced by ``entry``."""
    arr = np.array(value, dtype=np.result_type(np.asarray(value).dtype, type(entry), float))
    if arr.ndim == 0:
        return entry
    arr.flat[0] = entry
    return arr


def bad_values(example):
    """``{class: value}`` substitutions for a parameter whose valid value is ``example``."""
    kind = _kind(example)
    out = {"none": None}
    if kind in ("int", "float", "complex", "array", "none", "other"):
        ex = 1.0 if kind in ("none", "other") else example
        mag = np.abs(np.asarray(ex, dtype=complex)).ravel()
        mag = float(mag[0]) if mag.size and mag[0] > 0 else 1.0
        out.update(
            nan=_put(ex, math.nan),
            posinf=_put(ex, math.inf),
            neginf=_put(ex, -math.inf),
            zero=_put(ex, 0 if kind == "int" else 0.0),
            negative=_put(ex, -1 if kind == "int" else -mag),
            huge=_put(ex, 10**12 if kind == "int" else 1e300),
        )
        out["wrong_type"] = "abc"
        arr = np.asarray(ex)
        out["wrong_shape"] = np.full((2, 3), arr) if arr.ndim == 0 else np.stack([arr, arr])
        out["empty"] = np.array([]) if arr.ndim <= 1 else np.empty((0,) + arr.shape[1:])
    elif kind == "shape":
        rest = example[1:]
        out.update(
            nan=(math.nan,) + rest,
            posinf=(math.inf,) + rest,
            negative=(-1,) + rest,
            wrong_type="abc",
            wrong_shape=(2.5,) + rest,
            empty=(),
            huge=(10**12,) + rest,
        )
    elif kind == "str":
        out.update(wrong_type=1.5, empty="", nan=math.nan, zero=0)
    elif kind == "callable":
        out.update(wrong_type=1.5, nan=math.nan, wrong_shape=lambda: 0.0)
    elif kind == "rng":
        out.update(wrong_type="abc", nan=math.nan, negative=-1, posinf=math.inf)
    elif kind == "bool":
        out.update(wrong_type="abc", nan=math.nan)
    return out


class _Timeout(BaseException):
    """Raised by the CPU timer (a BaseException so that no ``except Exception`` swallows it)."""


def _on_timer(signum, frame):
    raise _Timeout


def _has_nan(result, depth=0):
    if depth > 4:
        return False
    if isinstance(result, (tuple, list)):
        return any(_has_nan(r, depth + 1) for r in result)
    if hasattr(result, "__dict__") and not isinstance(result, np.ndarray):
        return any(_has_nan(v, depth + 1) for v in vars(result).values())
    try:
        arr = np.asarray(result)
    except Exception:
        return False
    return arr.dtype.kind in "fc" and bool(np.isnan(arr).any())


def _names(param, message):
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", message) is not None


def run(func, kwargs):
    """Call ``func(**kwargs)`` under the CPU timer and tracemalloc.

    Returns ``(outcome, detail)`` where outcome is ``"ok"`` (detail: the result),
    ``"error"`` (detail: the exception), ``"timeout"`` or ``"memory"`` (detail: peak bytes).
    """
    old = signal.signal(signal.SIGPROF, _on_timer)
    tracemalloc.reset_peak()
    try:
        with rmt.memory_budget(BUDGET), np.errstate(all="ignore"):
            signal.setitimer(signal.ITIMER_PROF, CPU_SECONDS)
            try:
                outcome = ("ok", func(**kwargs))
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
    except _Timeout:
        outcome = ("timeout", None)
    except Exception as exc:  # noqa: BLE001 - every exception is classified below
        outcome = ("error", exc)
    finally:
        signal.signal(signal.SIGPROF, old)
    peak = tracemalloc.get_traced_memory()[1]
    if peak > BUDGET + _SLACK:
        return "memory", peak
    return outcome


def sweep(c, param):
    """Failures (a list of strings) of the sweep of one parameter of one registered case."""
    sig, base = c.bound()
    problems = []
    outcome, detail = run(c.func, base)
    if outcome != "ok" or _has_nan(detail):
        return [f"the example call itself failed: {outcome} {detail!r}"]
    declared = c.valid.get(param, set())
    if declared == "all":
        declared = set(CLASSES)
    unknown = set(declared) - set(CLASSES)
    if unknown:
        return [f"unknown classes declared valid: {sorted(unknown)}"]
    # A seed is an integer, but its bad values are those of a random-state argument.
    subs = bad_values(np.random.default_rng(0) if param == "rng" else base[param])
    if sig.parameters[param].default is None:
        subs.pop("none", None)  # None is the documented default
    subs.update(c.values.get(param, {}))
    for klass, value in subs.items():
        kwargs = {**base, param: value}
        outcome, detail = run(c.func, kwargs)
        tag = f"{param}={klass} ({_short(value)})"
        if outcome == "timeout":
            problems.append(f"{tag}: no answer within {CPU_SECONDS} s of CPU time")
        elif outcome == "memory":
            problems.append(
                f"{tag}: allocated {detail / 2**20:.0f} MiB (budget {BUDGET / 2**20:.0f} MiB)"
            )
        elif outcome == "error":
            ok_type = isinstance(detail, (TypeError, ValueError))
            if not ok_type or not _names(param, str(detail)):
                problems.append(f"{tag}: {type(detail).__name__}: {str(detail)[:160]}")
        elif klass not in declared:
            problems.append(f"{tag}: accepted (returned {_short(detail)})")
        elif _has_nan(detail):
            problems.append(f"{tag}: declared valid but returned NaN")
    return problems


def _short(value):
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def items(registry):
    """pytest parameters ``(case, param)`` with readable ids, for ``@pytest.mark.parametrize``."""
    import pytest

    return [pytest.param(c, p, id=f"{c.name}-{p}") for c in registry for p in c.params()]


def public_functions(module):
    """Public functions and classes that a module defines (its ``__all__``, constants excluded).

    A deprecated alias (``__deprecated_alias_of__``) is left out: the new name is swept, and the
    alias is called by tests/test_deprecations.py."""
    out = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if hasattr(obj, "__deprecated_alias_of__"):
            continue
        if callable(obj) and getattr(obj, "__module__", None) == module.__name__:
            out.append(obj)
    return out


def start_tracing():
    """Start tracemalloc for a module's sweep (returns a function that stops it)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    return (lambda: tracemalloc.stop()) if started else (lambda: None)


def check(c, param, pending=()):
    """The sweep of one item as a test: items listed in ``pending`` that still fail are expected
    failures (not strict: some fail only by exceeding the CPU limit, which depends on the
    machine; a pending item that passes is simply a pass, remove it when you see it)."""
    import pytest

    problems = sweep(c, param)
    if f"{c.name}-{param}" in pending and problems:
        pytest.xfail("not yet validated: " + "; ".join(problems)[:200])
    assert not problems, f"{c.name}({param}=...):\n  " + "\n  ".join(problems)


def unswept(registry, modules, not_swept):
    """Public functions of ``modules`` with no case in ``registry`` and not in ``not_swept``."""
    registered = {c.func for c in registry}
    registered |= {getattr(f, "__func__", None) for f in registered}
    return [
        f"{m.__name__}.{f.__name__}"
        for m in modules
        for f in public_functions(m)
        if f not in registered and f.__name__ not in not_swept
    ]


def registry_tests(registry, modules, not_swept, pending=()):
    """The three pieces every sweep registry module binds at module level::

        _tracing, test_bad_values_are_refused_naming_the_parameter, \\
            test_every_public_function_is_swept = registry_tests(REGISTRY, MODULES, NOT_SWEPT)

    (an autouse tracemalloc fixture for the module, the parametrized sweep, and the check that
    every public function of ``modules`` has a case or a reason in ``not_swept``)."""
    import pytest

    @pytest.fixture(scope="module", autouse=True)
    def tracing():
        stop = start_tracing()
        yield
        stop()

    @pytest.mark.parametrize("c, param", items(registry))
    def test_bad_values_are_refused_naming_the_parameter(c, param):
        check(c, param, pending)

    def test_every_public_function_is_swept():
        missing = unswept(registry, modules, not_swept)
        assert not missing, f"public functions without a sweep case: {missing}"

    return (
        tracing,
        test_bad_values_are_refused_naming_the_parameter,
        test_every_public_function_is_swept,
    )
