"""Bad input is refused at the public boundary: the parameter sweep of the free-probability,
edge-fluctuation and product-of-layers modules (framework: tests/sweep.py)."""
from __future__ import annotations

import numpy as np
import pytest

import rmtlib as rmt
from rmtlib import edge, free, products
from sweep import case, items, public_functions, start_tracing, sweep

MODULES = (edge, free, products)
REAL_ARG = {"negative", "zero", "huge", "wrong_shape", "empty"}
VEC = {"wrong_shape", "empty"}
X = np.random.default_rng(0).standard_normal((6, 12))

REGISTRY = [
    case(rmt.tracy_widom_cdf, 0.0, 1, valid={"s": REAL_ARG}),
    case(rmt.tracy_widom_pdf, 0.0, 2, valid={"s": REAL_ARG}),
    case(rmt.tracy_widom_quantile, 0.5, 1, valid={"q": VEC}),
    case(rmt.tracy_widom_scaling, 200, 100, 1, valid={"n": {"huge"}, "p": {"huge"}}),
    case(rmt.spike_detection_test, X, 0.05, 1, valid={"X": {"zero", "negative"}}),
    case(rmt.mp_linear_statistic, np.log, 40, 20, 1.0, 1, valid={"sigma2": {"huge"},
                                                                 "n": {"huge"}}),
    case(rmt.free_additive_density, 0.0, [-1.0, 1.0], [-1.0, 1.0],
         valid={"x": REAL_ARG, "atoms_a": {"negative", "zero"}, "atoms_b": {"negative", "zero"},
                "weights_a": {"none"}, "weights_b": {"none"}}),
    case(rmt.free_multiplicative_density, 0.25, [0.0, 1.0], [0.0, 1.0],
         valid={"x": {"huge", "wrong_shape", "empty"}, "atoms_a": {"zero"},
                "atoms_b": {"zero"}, "weights_a": {"none"}, "weights_b": {"none"}}),
    case(rmt.semicircle_r_transform, 0.5, 1.0, valid={"w": REAL_ARG, "sigma2": VEC | {"huge"}}),
    case(rmt.mp_r_transform, 0.1, 0.5, 1.0, valid={"w": {"negative", "zero", "wrong_shape",
                                                            "empty"}}),
    case(rmt.mp_s_transform, 0.5, 0.5, 1.0,
         valid={"w": {"zero", "negative", "huge", "wrong_shape", "empty"}, "sigma2": {"huge"},
                "ratio": {"huge"}}),
    case(rmt.discrete_r_transform, 0.2, [-1.0, 1.0],
         valid={"w": {"negative", "wrong_shape", "empty"}, "atoms": {"zero", "negative"}}),
    case(rmt.discrete_s_transform, 0.2, [0.0, 1.0], [0.5, 0.5],
         valid={"w": {"negative", "wrong_shape", "empty"}, "atoms": {"zero"}}),
    case(rmt.fuss_catalan_moment, 3, 2, valid={"k": {"zero"}}),
    case(rmt.jacobian_moments, 3, weights="gaussian", active_fraction=0.5),
    case(rmt.jacobian_density, 1.0, 2, weights="orthogonal", active_fraction=0.5,
         valid={"x": {"huge", "wrong_shape", "empty"}, "sigma_w2": {"none"}}),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {"TracyWidomScaling": "a NamedTuple result", "SpikeTest": "a NamedTuple result",
             "LinearStatistic": "a NamedTuple result", "JacobianMoments": "a NamedTuple result"}


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
