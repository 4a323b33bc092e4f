"""Bad input is refused at the public boundary: the parameter sweep of the part B modules
(ridge, dynamics, scaling, rf, deep, lazy).

Register each public function with one valid example call, ``case(func, *args, valid=...,
**kwargs)``; the framework (tests/sweep.py) sweeps every parameter with every bad-value class.
See tests/test_validation.py for the part A registry and examples of declarations.
"""
from __future__ import annotations

import pytest

from rmtlib import deep, dynamics, lazy, rf, ridge, scaling  # noqa: F401
from sweep import case, items, public_functions, start_tracing, sweep  # noqa: F401

MODULES = ()  # fill in: (ridge, dynamics, scaling, rf, deep, lazy)

REGISTRY = []

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {}


@pytest.fixture(scope="module", autouse=True)
def _tracing():
    stop = start_tracing()
    yield
    stop()


@pytest.mark.parametrize("c, param", items(REGISTRY))
def test_bad_values_are_refused_naming_the_parameter(c, param):
    problems = sweep(c, param)
    assert not problems, f"{c.name}({param}=...):\n  " + "\n  ".join(problems)


def test_every_public_function_is_swept():
    registered = {c.func for c in REGISTRY}
    missing = [f"{m.__name__}.{f.__name__}" for m in MODULES for f in public_functions(m)
               if f not in registered and f.__name__ not in NOT_SWEPT]
    assert not missing, f"public functions without a sweep case: {missing}"
