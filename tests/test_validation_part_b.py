"""Bad input is refused at the public boundary: the parameter sweep of the part B modules
(ridge, dynamics, scaling, rf, deep, lazy).

Every public function is registered with one valid example call, ``case(func, *args,
valid=..., **kwargs)``; the framework (tests/sweep.py) sweeps every parameter with every
bad-value class. Items still failing are listed in ``PENDING`` (not strict: an item may pass on a faster machine; remove it then; it must keep failing
until it is fixed and removed).
"""

from __future__ import annotations

import numpy as np
import pytest
from sweep import case, check, items, start_tracing, unswept

import rmtlib as rmt
from rmtlib import deep, dynamics, lazy, rf, ridge, scaling

MODULES = (ridge, dynamics, scaling, rf, deep, lazy)
# rmtlib.deep is a subpackage: its functions are defined in (and found through) its modules.
MODULES += (deep.normalised, deep.ck, deep.ntk, deep.simulate, deep.gmm, deep.deq)

VEC = {"wrong_shape", "empty"}  # vectorised parameters broadcast (empty arrays too)
REAL_ARG = {"negative", "zero", "huge"} | VEC  # a vectorised real argument
_G = np.random.default_rng(0)
X = rmt.sphere_data(6, 8, rng=0)
XT = rmt.sphere_data(6, 5, rng=1)
Y, YT = np.sign(X[0]), np.sign(XT[0])
K3 = np.diag([1.0, 2.0, 3.0])
EIG = np.ones(4)
EN = np.full(4, 0.25)
GMM_X, GMM_LAB = rmt.gaussian_mixture(8, 6, np.zeros((2, 8)), rng=0)
GAM = [0.5, 0.5]
# Depth 0 for the calls that find the NTK edges first: the sweep checks the boundary, and the
# L >= 1 bisection takes about a second of CPU under tracemalloc.
GAM0 = [0.5]
# "huge" z or eta (1e300) is valid where the result is exact and finite: m(z) ≈ -1/z, and the
# smoothed density Im m(x + iη)/π ≈ 1/(πη).

REGISTRY = [
    # ridge
    case(
        rmt.ridge_risk,
        0.5,
        1.0,
        valid={"gamma": VEC, "lam": VEC | {"zero"}, "r2": VEC | {"zero"}, "sigma2": VEC | {"zero"}},
    ),
    case(rmt.ridge_optimal, 0.5, valid={"gamma": VEC}),
    case(
        rmt.renormalised_ridge,
        10,
        EIG,
        1.0,
        valid={"n": VEC, "lam": VEC | {"zero"}, "pop_eigs": {"zero", "wrong_shape"}},
    ),
    case(
        rmt.anisotropic_ridge_risk,
        10,
        EIG,
        EN,
        1.0,
        0.5,
        valid={
            "n": VEC,
            "lam": VEC | {"zero"},
            "sigma2": {"zero"},
            "pop_eigs": {"zero"},
            "target_energy": {"zero"},
        },
    ),
    case(
        rmt.simulate_ridge,
        10,
        EIG,
        EN,
        1.0,
        0.5,
        reps=2,
        rng=0,
        valid={
            "lam": VEC | {"zero"},
            "sigma2": {"zero"},
            "pop_eigs": {"zero"},
            "target_energy": {"zero"},
        },
    ),
    # dynamics
    case(rmt.gd_stability_limit, 0.5, valid={"gamma": VEC, "reg": VEC | {"zero"}}),
    case(
        rmt.gradient_flow_risk,
        1.0,
        0.5,
        valid={
            "t": VEC | {"zero", "huge", "posinf"},
            "gamma": VEC,
            "r2": {"zero"},
            "sigma2": {"zero"},
            "init_var": {"zero"},
        },
    ),
    case(
        rmt.gd_risk,
        10,
        0.5,
        0.1,
        valid={
            "k": VEC | {"zero"},
            "gamma": VEC,
            "eta": VEC,
            "r2": {"zero"},
            "sigma2": {"zero"},
            "init_var": {"zero"},
        },
    ),
    case(
        rmt.simulate_linear_dynamics,
        6,
        8,
        [0.0, 1.0],
        reps=2,
        rng=0,
        valid={"times": {"zero", "huge"}, "r2": {"zero"}, "sigma2": {"zero"}, "init_var": {"zero"}},
    ),
    case(rmt.gmm_spike, 0.5, 1.0, valid={"ratio": VEC | {"huge"}, "mu_norm2": VEC | {"huge"}}),
    case(
        rmt.gmm_gd_error,
        20,
        0.5,
        1.0,
        0.01,
        valid={"t": VEC | {"zero"}, "reg": {"zero"}, "init_var": {"zero"}},
    ),
    case(
        rmt.simulate_gmm_gd,
        6,
        8,
        1.0,
        [0, 5],
        0.05,
        reps=2,
        rng=0,
        valid={"times": {"zero"}, "reg": {"zero"}, "init_var": {"zero"}},
    ),
    # scaling
    case(rmt.power_law_spectrum, 5, 2.0, valid={"a": {"huge"}}),
    case(rmt.power_law_target, 5, 1.0, valid={"b": {"zero", "negative", "huge"}}),
    case(
        rmt.learning_curve,
        [10.0, 20.0],
        1.5,
        1.0,
        100,
        valid={
            "n": VEC | {"huge"},
            "b": {"zero", "huge"},
            "lam": VEC | {"zero"},
            "sigma2": {"zero"},
        },
    ),
    case(rmt.learning_curve_optimal, [50.0], 2.0, 1.0, 200, 1.0, valid={"b": {"zero", "huge"}}),
    case(
        rmt.model_size_curve, 10, 1.5, 1.0, 100, valid={"N": VEC | {"huge"}, "b": {"zero", "huge"}}
    ),
    case(rmt.scaling_exponents, 1.5, 1.0, valid={"a": {"huge"}, "b": {"zero", "huge"}}),
    case(
        rmt.simulate_learning_curve,
        [10, 20],
        1.5,
        1.0,
        30,
        reps=2,
        rng=0,
        valid={"b": {"zero", "huge"}, "lam": {"zero"}, "sigma2": {"zero"}},
    ),
    case(rmt.simulate_model_size, [5], 1.5, 1.0, 20, reps=2, rng=0, valid={"b": {"zero", "huge"}}),
    # rf
    case(rmt.rf_kernel_spectrum_iid, "relu", 0.5),
    case(rmt.rf_gram_stieltjes, -1.0 + 0.5j, 0.5, [1.0, 2.0], valid={"z": VEC}),
    case(rmt.rf_gram_density, 1.0, 0.5, [1.0, 2.0], valid={"x": REAL_ARG}),
    case(rmt.rf_ridge_errors, X, Y, XT, YT, 10, 0.1, valid={"n_features": VEC, "lam": VEC}),
    case(rmt.rff_ridge_errors, X, Y, XT, YT, 10, 0.1),
    case(rmt.rff_gaussian_kernel_train_error, X, Y, 10, 0.1, valid={"lam": VEC}),
    case(rmt.rf_ridge_simulate, X, Y, XT, YT, 10, 0.1, rng=0, n_draws=2, valid={"lam": VEC}),
    case(rmt.rff_ridge_simulate, X, Y, XT, YT, 10, 0.1, rng=0, n_draws=2, valid={"lam": VEC}),
    case(rmt.mei_montanari_constants, "relu"),
    case(
        rmt.mei_montanari_fixed_point,
        1j,
        2.0,
        3.0,
        1.0,
        valid={"xi": VEC, "psi1": VEC, "psi2": VEC, "zeta": VEC | {"zero"}},
    ),
    case(
        rmt.mei_montanari_risk,
        2.0,
        3.0,
        0.1,
        valid={
            "psi1": VEC,
            "psi2": VEC,
            "lam": VEC | {"zero"},
            "F1sq": {"zero"},
            "Fstar_sq": {"zero"},
            "tau2": {"zero"},
        },
    ),
    case(
        rmt.mei_montanari_simulate,
        10,
        12,
        12,
        0.1,
        rng=0,
        n_draws=1,
        n_test=20,
        valid={"lam": VEC | {"zero"}, "F1sq": {"zero"}, "Fstar_sq": {"zero"}, "tau2": {"zero"}},
    ),
    # deep
    case(rmt.normalised_activation, "tanh"),
    case(rmt.ck_stieltjes, -1.0, GAM, valid={"z": {"negative", "zero", "huge"} | VEC}),
    case(rmt.ck_density, 1.0, GAM, valid={"x": REAL_ARG, "eta": {"huge"}}),
    case(rmt.ck_moments, 3, GAM),
    case(rmt.ntk_weights, 2, valid={"depth": {"zero"}}),
    case(rmt.ntk_stieltjes, -1.0, GAM, valid={"z": {"negative", "zero", "huge"} | VEC}),
    case(rmt.ntk_traces, -1.0, GAM, valid={"z": {"negative", "zero"} | VEC}),
    case(rmt.ntk_resolvent_traces, -1.0, GAM, valid={"z": {"negative", "zero"} | VEC}),
    case(rmt.ntk_density, 2.5, GAM, valid={"x": REAL_ARG, "eta": {"huge"}}),
    case(rmt.ntk_edges, GAM0),
    case(rmt.ntk_moments, 2, GAM0),
    case(
        rmt.finite_width_density,
        1.0,
        np.ones(3),
        0.5,
        valid={"x": REAL_ARG, "kernel_eigs": {"zero"}, "eta": {"huge"}},
    ),
    # empty widths: the depth-0 network (K_0 only)
    case(
        rmt.simulate_deep_network,
        X,
        [10],
        rng=0,
        valid={"X0": {"zero", "negative"}, "widths": {"empty"}},
    ),
    case(rmt.sample_deep_spectrum, 10, GAM, rng=0),
    case(rmt.gmm_ck_scalars, ["relu"]),
    case(
        rmt.gmm_ck_equivalent,
        GMM_X / np.sqrt(8),
        GMM_LAB,
        np.ones((2, 8)),
        rmt.gmm_ck_scalars(["relu"]),
        valid={"X": {"zero", "negative"}, "covariances": {"zero"}, "labels": {"zero"}},
    ),
    case(
        rmt.ternary_activation,
        -1.0,
        0.5,
        valid={
            "s1": {"negative", "zero"},
            "s2": {"negative", "zero"},
            "low": {"zero"},
            "high": {"zero"},
        },
    ),
    case(rmt.match_ternary, "relu"),
    case(rmt.match_ternary_gmm, "relu"),
    case(rmt.deq_ck_coefficients, "tanh", 0.2, 1.0, valid={"sigma_a2": {"zero"}}),
    case(rmt.simulate_deq, X, 20, rng=0, valid={"X": {"zero", "negative"}, "sigma_a2": {"zero"}}),
    case(rmt.deq_explicit_activation, rmt.deq_ck_coefficients("tanh", 0.2, 1.0)),
    # lazy
    case(
        rmt.lazy_training_loss,
        0.5,
        GAM0,
        # huge t: the loss's exact limit 0 (no zero NTK eigenvalue); huge noise/snr scale it
        valid={"t": VEC | {"zero", "huge"}, "noise": {"zero", "huge"}, "snr": {"zero", "huge"}},
    ),
    case(
        rmt.empirical_training_loss,
        0.5,
        K3,
        np.ones(3),
        # huge t: e^{-2tλ} underflows to its exact limit 0 (K has no zero eigenvalue)
        valid={"t": VEC | {"zero", "huge"}, "K": {"zero"}, "y": {"zero", "negative"}},
    ),
    case(rmt.gd_step_limit, GAM0),
    case(
        rmt.lazy_predictions,
        K3,
        K3,
        np.ones(3),
        0.5,
        # huge t is the exact interpolating limit; huge K_cross or y scale the exact result
        valid={
            "t": VEC | {"zero", "posinf", "huge"},
            "K": {"zero"},
            "K_cross": {"zero", "negative", "huge"},
            "y": {"zero", "negative", "huge"},
        },
    ),
    case(
        rmt.one_step_feature_learning,
        1.0,
        20,
        10,
        20,
        rng=0,
        valid={"eta": {"zero"}, "noise": {"zero"}},
    ),
    # added with the chapter 4, 8 and 11 rewrites
    case(rmt.empirical_renormalised_ridge, [1.0, 2.0], 4, 1.0),
    case(rmt.rf_features, np.ones((3, 4)) / np.sqrt(3), 5, rng=0),
    case(rmt.rf_gram, np.ones((3, 4)) / np.sqrt(3), 5, rng=0),
    # zero or huge eigenvalues and noise give exact finite losses (a zero mode never decays)
    case(
        rmt.spectral_training_loss,
        1.0,
        np.ones(5),
        valid={
            "t": VEC | {"zero", "huge"},
            "eigenvalues": {"zero", "huge"},
            "noise": {"zero", "huge"},
        },
    ),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {
    name: "a result container (NamedTuple), not a computation"
    for name in (
        "RidgeRisk",
        "AnisotropicRidgeRisk",
        "OptimalRidge",
        "GMMDynamics",
        "ScalingExponents",
        "RFErrors",
        "MeiMontanariConstants",
        "MeiMontanariRisk",
        "NormalisedActivation",
        "NTKWeights",
        "NTKTraces",
        "DeepSample",
        "LayerScalars",
        "DEQCoefficients",
        "FeatureLearningStep",
    )
}

#: Sweep items still to be fixed (listed, not hidden: each is reported as an expected failure).
PENDING = {
    "empirical_renormalised_ridge-sample_eigs",
    "empirical_renormalised_ridge-n",
    "empirical_renormalised_ridge-lam",
    "rf_features-X",
    "rf_gram-X",
    "anisotropic_ridge_risk-lam",
    "anisotropic_ridge_risk-n",
    "anisotropic_ridge_risk-pop_eigs",
    "anisotropic_ridge_risk-sigma2",
    "anisotropic_ridge_risk-target_energy",
    "gd_risk-init_var",
    "gd_risk-r2",
    "gd_risk-require_stable",
    "gd_risk-sigma2",
    "gd_stability_limit-gamma",
    "gd_stability_limit-reg",
    "gd_stability_limit-spike",
    "gmm_gd_error-init_var",
    "gmm_gd_error-mu_norm2",
    "gmm_gd_error-ratio",
    "gmm_gd_error-reg",
    "gradient_flow_risk-gamma",
    "gradient_flow_risk-init_var",
    "gradient_flow_risk-r2",
    "gradient_flow_risk-sigma2",
    "learning_curve-a",
    "learning_curve-lam",
    "learning_curve-sigma2",
    "learning_curve_optimal-a",
    "learning_curve_optimal-lam_range",
    "learning_curve_optimal-n",
    "learning_curve_optimal-sigma2",
    "mei_montanari_fixed_point-nu0",
    "mei_montanari_fixed_point-psi1",
    "mei_montanari_fixed_point-psi2",
    "mei_montanari_fixed_point-zeta",
    "mei_montanari_risk-F1sq",
    "mei_montanari_risk-Fstar_sq",
    "mei_montanari_risk-lam",
    "mei_montanari_risk-psi1",
    "mei_montanari_risk-psi2",
    "mei_montanari_risk-tau2",
    "mei_montanari_simulate-F1sq",
    "mei_montanari_simulate-Fstar_sq",
    "mei_montanari_simulate-lam",
    "mei_montanari_simulate-tau2",
    "model_size_curve-a",
    "renormalised_ridge-lam",
    "renormalised_ridge-n",
    "renormalised_ridge-pop_eigs",
    "rf_gram_density-eta",
    "rf_gram_density-kernel_eigs",
    "rf_gram_density-n_over_N",
    "rf_gram_stieltjes-kernel_eigs",
    "rf_gram_stieltjes-n_over_N",
    "rf_gram_stieltjes-z",
    "rf_kernel_spectrum_iid-n_nodes",
    "rf_kernel_spectrum_iid-n_over_p",
    "rf_ridge_errors-X",
    "rf_ridge_errors-X_test",
    "rf_ridge_errors-lam",
    "rf_ridge_errors-n_features",
    "rf_ridge_errors-y",
    "rf_ridge_errors-y_test",
    "rf_ridge_simulate-X",
    "rf_ridge_simulate-X_test",
    "rf_ridge_simulate-lam",
    "rf_ridge_simulate-y",
    "rf_ridge_simulate-y_test",
    "rff_gaussian_kernel_train_error-X",
    "rff_gaussian_kernel_train_error-lam",
    "rff_gaussian_kernel_train_error-n_freq",
    "rff_gaussian_kernel_train_error-y",
    "rff_ridge_errors-X",
    "rff_ridge_errors-X_test",
    "rff_ridge_errors-lam",
    "rff_ridge_errors-n_freq",
    "rff_ridge_errors-y",
    "rff_ridge_errors-y_test",
    "rff_ridge_simulate-X",
    "rff_ridge_simulate-X_test",
    "rff_ridge_simulate-lam",
    "rff_ridge_simulate-y",
    "rff_ridge_simulate-y_test",
    "ridge_optimal-gamma",
    "ridge_optimal-r2",
    "ridge_optimal-sigma2",
    "ridge_risk-gamma",
    "ridge_risk-lam",
    "ridge_risk-r2",
    "ridge_risk-sigma2",
    "simulate_gmm_gd-init_var",
    "simulate_gmm_gd-mu_norm2",
    "simulate_gmm_gd-reg",
    "simulate_gmm_gd-step",
    "simulate_learning_curve-a",
    "simulate_learning_curve-lam",
    "simulate_learning_curve-sigma2",
    "simulate_linear_dynamics-eta",
    "simulate_linear_dynamics-init_var",
    "simulate_linear_dynamics-r2",
    "simulate_linear_dynamics-sigma2",
    "simulate_model_size-N_values",
    "simulate_model_size-a",
    "simulate_ridge-lam",
    "simulate_ridge-pop_eigs",
    "simulate_ridge-sigma2",
    "simulate_ridge-target_energy",
}


@pytest.fixture(scope="module", autouse=True)
def _tracing():
    stop = start_tracing()
    yield
    stop()


@pytest.mark.parametrize("c, param", items(REGISTRY))
def test_bad_values_are_refused_naming_the_parameter(c, param):
    check(c, param, PENDING)


def test_every_public_function_is_swept():
    missing = unswept(REGISTRY, MODULES, NOT_SWEPT)
    assert not missing, f"public functions without a sweep case: {missing}"
