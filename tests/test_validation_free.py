"""Bad input is refused at the public boundary: the parameter sweep of the free-probability and
product-of-layers modules (framework: tests/sweep.py; the edge module has
tests/test_validation_edge.py)."""

from __future__ import annotations

from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import free, free_transforms, products

MODULES = (free, free_transforms, products)
REAL_ARG = {"negative", "zero", "huge", "wrong_shape", "empty"}
VEC = {"wrong_shape", "empty"}

REGISTRY = [
    case(
        rmt.free_additive_density,
        0.0,
        [-1.0, 1.0],
        [-1.0, 1.0],
        valid={
            "x": REAL_ARG,
            "atoms_a": {"negative", "zero"},
            "atoms_b": {"negative", "zero"},
            "weights_a": {"none"},
            "weights_b": {"none"},
        },
    ),
    case(
        rmt.free_multiplicative_density,
        0.25,
        [0.0, 1.0],
        [0.0, 1.0],
        valid={
            "x": {"huge", "wrong_shape", "empty"},
            "atoms_a": {"zero"},
            "atoms_b": {"zero"},
            "weights_a": {"none"},
            "weights_b": {"none"},
        },
    ),
    case(rmt.semicircle_r_transform, 0.5, 1.0, valid={"w": REAL_ARG, "sigma2": VEC | {"huge"}}),
    case(
        rmt.mp_r_transform, 0.1, 0.5, 1.0, valid={"w": {"negative", "zero", "wrong_shape", "empty"}}
    ),
    case(
        rmt.mp_s_transform,
        0.5,
        0.5,
        1.0,
        valid={
            "w": {"zero", "negative", "huge", "wrong_shape", "empty"},
            "sigma2": {"huge"},
            "ratio": {"huge"},
        },
    ),
    case(
        rmt.discrete_r_transform,
        0.2,
        [-1.0, 1.0],
        valid={"w": {"negative", "wrong_shape", "empty"}, "atoms": {"zero", "negative"}},
    ),
    case(
        rmt.discrete_s_transform,
        0.2,
        [0.0, 1.0],
        [0.5, 0.5],
        valid={"w": {"negative", "wrong_shape", "empty"}, "atoms": {"zero"}},
    ),
    case(rmt.fuss_catalan_moment, 3, 2, valid={"k": {"zero"}}),
    case(rmt.jacobian_moments, 3, weights="gaussian", active_fraction=0.5),
    case(
        rmt.jacobian_density,
        1.0,
        2,
        weights="orthogonal",
        active_fraction=0.5,
        valid={"x": {"huge", "wrong_shape", "empty"}, "sigma_w2": {"none"}},
    ),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {"JacobianMoments": "a NamedTuple result"}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
