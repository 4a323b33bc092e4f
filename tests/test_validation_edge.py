"""Bad input is refused at the public boundary: the parameter sweep of the edge-fluctuation
module (framework: tests/sweep.py)."""

from __future__ import annotations

import numpy as np
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import edge

MODULES = (edge,)
REAL_ARG = {"negative", "zero", "huge", "wrong_shape", "empty"}
VEC = {"wrong_shape", "empty"}
X = np.random.default_rng(0).standard_normal((6, 12))

REGISTRY = [
    case(rmt.tracy_widom_cdf, 0.0, 1, valid={"s": REAL_ARG}),
    case(rmt.tracy_widom_pdf, 0.0, 2, valid={"s": REAL_ARG}),
    case(rmt.tracy_widom_quantile, 0.5, 1, valid={"q": VEC}),
    case(rmt.tracy_widom_scaling, 200, 100, 1, valid={"n": {"huge"}, "p": {"huge"}}),
    case(rmt.spike_detection_test, X, 0.05, 1, valid={"X": {"zero", "negative"}}),
    case(
        rmt.mp_linear_statistic, np.log, 40, 20, 1.0, 1, valid={"sigma2": {"huge"}, "n": {"huge"}}
    ),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {
    "TracyWidomScaling": "a NamedTuple result",
    "SpikeTest": "a NamedTuple result",
    "LinearStatistic": "a NamedTuple result",
}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
