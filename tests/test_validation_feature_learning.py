"""Bad input is refused at the public boundary: the parameter sweep of the one-step
feature-learning module (framework: tests/sweep.py)."""

from __future__ import annotations

import numpy as np
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import feature_learning

MODULES = (feature_learning,)
_g = np.random.default_rng(0)
W0 = _g.standard_normal((12, 8))
A = _g.choice([-1.0, 1.0], 12)
BETA = _g.standard_normal(8)

REGISTRY = [
    case(
        rmt.one_step_spike,
        1.0,
        0.5,
        0.5,
        valid={"step": {"zero", "wrong_shape"}, "noise_var": {"zero"}},
    ),
    case(
        rmt.spiked_step_weights,
        W0,
        A,
        BETA,
        1.0,
        0.5,
        rng=0,
        valid={
            "weights": {"zero", "negative"},
            "second_layer": {"zero", "negative"},
            "beta": {"zero", "negative"},
            "step": {"zero"},
            "noise_var": {"zero"},
        },
    ),
    case(
        rmt.readout_risk,
        W0,
        BETA,
        20,
        0.1,
        valid={
            "weights": {"zero", "negative"},
            "beta": {"zero", "negative"},
            "n": {"huge"},
            "lam": {"zero", "wrong_shape", "huge"},
            "noise_var": {"zero"},
        },
    ),
    case(
        rmt.simulate_one_step,
        [0.0, 1.0],
        20,
        8,
        12,
        rng=0,
        n_test=20,
        valid={
            "step": {"zero", "wrong_shape"},
            "lam": {"zero", "huge"},
            "noise_var": {"zero"},
        },
    ),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {
    "OneStepSpike": "a NamedTuple result",
    "ReadoutRisk": "a NamedTuple result",
    "OneStepSample": "a NamedTuple result",
}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
