"""Deprecated spellings of the public API (private module: the glossary renames,
book/api/glossary.md). Public functions use these through :mod:`rmtlib._validate` (``V.``)."""

from __future__ import annotations

import functools
import inspect
import warnings

#: The release in which the deprecated spellings below stop working.
DEPRECATED_UNTIL = "0.3"


def _warn_deprecated(old, new, stacklevel):
    warnings.warn(
        f"`{old}` is deprecated and goes away in rmtlib {DEPRECATED_UNTIL}; use `{new}`",
        DeprecationWarning,
        stacklevel=stacklevel + 1,
    )


def renamed_keywords(**old_to_new):
    """Decorator: accept the old keyword spellings ``old=new`` of a function, with a warning.

    A call with an old keyword warns :class:`DeprecationWarning` naming the new spelling (the
    warning points at the caller) and is forwarded under the new name; a call that gives both
    spellings is refused with a :class:`TypeError`. ``inspect.signature`` shows only the new
    names. A value ``(new, convert)`` forwards ``convert(old_value)``: for a quantity whose
    meaning changed with its name (a standard deviation that became a variance). The mapping
    ``old -> new`` is kept as ``func.__deprecated_keywords__`` (tests/test_deprecations.py checks
    that each old spelling is called).
    """
    convert = {old: (v[1] if isinstance(v, tuple) else None) for old, v in old_to_new.items()}
    old_to_new = {old: (v[0] if isinstance(v, tuple) else v) for old, v in old_to_new.items()}

    def decorate(func):
        params = inspect.signature(func).parameters
        for old, new in old_to_new.items():
            if new not in params or old in params:
                raise AssertionError(f"{func.__name__}: cannot rename {old!r} to {new!r}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both `{old}` (deprecated) and `{new}`; "
                            f"pass only `{new}`"
                        )
                    _warn_deprecated(old, new, 2)
                    value = kwargs.pop(old)
                    kwargs[new] = value if convert[old] is None else convert[old](value)
            return func(*args, **kwargs)

        wrapper.__deprecated_keywords__ = dict(
            getattr(func, "__deprecated_keywords__", {}), **old_to_new
        )
        return wrapper

    return decorate


def deprecated_alias(func, old_name):
    """A function ``old_name`` that warns (naming ``func``) and calls ``func``.

    Its docstring is the one line "Deprecated alias of :func:`new`", so the API reference shows
    it as such; ``__deprecated_alias_of__`` records the new function for the tests.
    """

    @functools.wraps(func)
    def alias(*args, **kwargs):
        _warn_deprecated(old_name, func.__name__, 2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name
    alias.__doc__ = f"Deprecated alias of :func:`{func.__name__}`."
    alias.__deprecated_alias_of__ = func
    # the alias is not the renamed function: it has no keyword metadata of its own to check
    alias.__dict__.pop("__deprecated_keywords__", None)
    alias.__dict__.pop("__wrapped__", None)
    alias.__signature__ = inspect.signature(func)
    return alias


def legacy_key_access(mapping):
    """A ``__getitem__`` for a NamedTuple that used to be a dict: ``result["old_key"]`` warns and
    returns the field ``mapping[old_key]``; integer indices and slices behave as for a tuple."""

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in mapping:
                raise KeyError(key)
            _warn_deprecated(f"result[{key!r}]", f"result.{mapping[key]}", 2)
            return getattr(self, mapping[key])
        return tuple.__getitem__(self, key)

    return __getitem__
