"""Bad input is refused at the public boundary: the parameter sweep of the loss-landscape module
(framework: tests/sweep.py)."""

from __future__ import annotations

import numpy as np
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import hessian, lanczos

MODULES = (hessian, lanczos)
_rng = np.random.default_rng(0)
W, V, X, Y = (_rng.standard_normal(s) for s in [(4, 3), 4, (3, 6), 6])
D = _rng.standard_normal(16)
A = np.diag(np.arange(1.0, 9.0))
NODES, WEIGHTS = rmt.lanczos_quadrature(A, 3, 2, rng=0)
# entries of weights, data and directions: zero and negative values are legitimate
DATA = {"zero", "negative"}
# evaluation points: any finite real array, of any shape
POINTS = {"zero", "negative", "huge", "wrong_shape", "empty"}

REGISTRY = [
    case(
        rmt.two_layer_loss, W, V, X, Y, "tanh", valid={"W": DATA, "v": DATA, "X": DATA, "y": DATA}
    ),
    case(rmt.two_layer_jacobian, W, V, X, "relu", valid={"W": DATA, "v": DATA, "X": DATA}),
    case(rmt.two_layer_ntk_gram, W, V, X, "tanh", valid={"W": DATA, "v": DATA, "X": DATA}),
    case(
        rmt.two_layer_hvp,
        W,
        V,
        X,
        Y,
        D,
        "tanh",
        part="hessian",
        valid={"W": DATA, "v": DATA, "X": DATA, "y": DATA, "vecs": DATA},
    ),
    case(
        rmt.two_layer_hessian_operator,
        W,
        V,
        X,
        Y,
        "tanh",
        part="residual",
        valid={"W": DATA, "v": DATA, "X": DATA, "y": DATA},
    ),
    case(rmt.lanczos_top_eigenvalues, A, 2, valid={"operator": DATA}),
    case(rmt.lanczos_quadrature, A, 3, 2, rng=0, valid={"operator": DATA}),
    case(
        rmt.slq_density,
        np.array([0.5, 1.0]),
        NODES,
        WEIGHTS,
        0.3,
        valid={"x": POINTS, "ritz_values": {"zero", "negative", "huge"}, "weights": {"zero"}},
    ),
    case(
        rmt.gauss_newton_density,
        np.array([0.01, 0.02]),
        100,
        0.5,
        0.5,
        "tanh",
        valid={"x": POINTS},
    ),
    case(
        rmt.mp_plus_semicircle_density,
        np.array([0.5, 1.0]),
        0.5,
        0.25,
        1.0,
        valid={"x": POINTS},
    ),
    case(rmt.class_mean_outliers, 2 * np.eye(2, 5), 0.5, valid={"means": DATA}),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
