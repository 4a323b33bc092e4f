"""Bad input is refused at the public boundary: the parameter sweep of the trained-weights and
heavy-tail modules (framework: tests/sweep.py)."""

from __future__ import annotations

import numpy as np
import sklearn.datasets  # noqa: F401  (imported once here, so no swept call pays for it)
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import heavy_tails, trained

MODULES = (trained, heavy_tails)
_gen = np.random.default_rng(0)
X = _gen.standard_normal((5, 20))
Y = np.tile(np.arange(2), 10)
WS = rmt.mlp_init((5, 4, 2), rng=0)
W12 = _gen.standard_normal((12, 15))
TAIL = _gen.pareto(1.5, 60) + 1.0

REGISTRY = [
    case(rmt.digits_split, 0.3, rng=0),
    case(rmt.mlp_init, (5, 4, 2), rng=0),
    case(rmt.mlp_loss_grad, WS, X, Y, valid={"X": {"zero", "negative", "huge"}}),
    case(rmt.mlp_predict, WS, X, valid={"X": {"zero", "negative", "huge"}}),
    case(rmt.mlp_activations, WS, X, valid={"X": {"zero", "negative", "huge"}}),
    case(
        rmt.train_mlp,
        X,
        Y,
        (5, 4, 2),
        step=0.1,
        batch_size=5,
        n_epochs=2,
        rng=0,
        valid={"X": {"zero", "negative", "huge"}},
    ),
    case(
        rmt.layer_spectrum, W12, 1.0, valid={"W": {"zero", "negative", "huge"}, "sigma2": {"huge"}}
    ),
    case(rmt.spike_strength_estimate, 3.0, 0.25, valid={"eig": {"huge", "wrong_shape"}}),
    case(
        rmt.class_mean_alignment,
        W12,
        _gen.standard_normal((15, 20)),
        Y,
        1,
        valid={"W": {"zero", "negative", "huge"}, "H": {"zero", "negative", "huge"}},
    ),
    case(rmt.esd_tail_exponent, 1.0, valid={"df": {"wrong_shape"}}),
    case(rmt.student_t_spectrum, 10, 20, 1.5, rng=0, valid={"df": {"huge"}}),
    case(rmt.hill_estimator, TAIL, 5),
    case(rmt.fit_power_law_tail, TAIL),
    case(rmt.spectral_metrics, [W12], valid={"weights": {"zero", "negative"}}),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {
    "TrainingRun": "a NamedTuple result",
    "TailFit": "a NamedTuple result",
    "SpectralMetrics": "a NamedTuple result",
}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
