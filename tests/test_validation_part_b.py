"""Bad input is refused at the public boundary: the parameter sweep of the part B modules
(ridge, dynamics, scaling, rf, deep, lazy).

Every public function is registered with one valid example call, ``case(func, *args,
valid=..., **kwargs)``; the framework (tests/sweep.py) sweeps every parameter with every
bad-value class. Items still failing are listed in ``PENDING`` (not strict: an item may pass on a faster machine; remove it then; it must keep failing
until it is fixed and removed).
"""

from __future__ import annotations

import numpy as np
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import (
    anisotropic_ridge,
    deep,
    dynamics,
    gmm_dynamics,
    lazy,
    mei_montanari,
    rf,
    rf_spectrum,
    ridge,
    scaling,
)

MODULES = (
    ridge,
    anisotropic_ridge,
    dynamics,
    gmm_dynamics,
    scaling,
    rf_spectrum,
    rf,
    mei_montanari,
    deep,
    lazy,
)
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
RF_DATA = {"zero", "negative"}  # data and labels: any finite entries of moderate size
RF_XY = {"X": RF_DATA, "X_test": RF_DATA, "y": RF_DATA, "y_test": RF_DATA}
# Depth 0 for the calls that find the NTK edges first: the sweep checks the boundary, and the
# L >= 1 bisection takes about a second of CPU under tracemalloc.
GAM0 = [0.5]
# "huge" z or eta (1e300) is valid where the result is exact and finite: m(z) ≈ -1/z, and the
# smoothed density Im m(x + iη)/π ≈ 1/(πη).

REGISTRY = [
    # ridge
    # huge: the closed κ form has no cancellation, so a huge γ, λ (→ their limits) or a huge
    # r2, sigma2 (linear factors) give the exact float64 answer; overflow is refused
    case(
        rmt.ridge_risk,
        0.5,
        1.0,
        valid={
            "ratio": VEC | {"huge"},
            "lam": VEC | {"zero", "huge"},
            "r2": VEC | {"zero", "huge"},
            "noise_var": VEC | {"zero", "huge"},
        },
    ),
    case(
        rmt.ridge_optimal,
        0.5,
        valid={"ratio": VEC | {"huge"}, "r2": VEC | {"huge"}, "noise_var": VEC | {"huge"}},
    ),
    # huge n, λ or eigenvalue: κ is exact (κ → λ, t/(t + κ) → 1)
    case(
        rmt.renormalised_ridge,
        10,
        EIG,
        1.0,
        valid={
            "n": VEC | {"huge"},
            "lam": VEC | {"zero", "huge"},
            "pop_eigs": {"zero", "wrong_shape", "huge"},
        },
    ),
    case(
        rmt.anisotropic_ridge_risk,
        10,
        EIG,
        EN,
        1.0,
        0.5,
        valid={
            "n": VEC | {"huge"},
            "lam": VEC | {"zero", "huge"},
            "noise_var": {"zero", "huge"},
            "pop_eigs": {"zero", "huge"},
            "target_energy": {"zero", "huge"},
        },
    ),
    # huge λ: the estimator is 0, exactly; sigma2 and target_energy enter linearly
    case(
        rmt.simulate_ridge,
        10,
        EIG,
        EN,
        1.0,
        0.5,
        n_draws=2,
        rng=0,
        valid={
            "lam": VEC | {"zero", "huge"},
            "noise_var": {"zero", "huge"},
            "pop_eigs": {"zero"},
            "target_energy": {"zero", "huge"},
        },
    ),
    # zero or negative entries are data like any other
    case(
        rmt.sample_covariance_eigenpairs,
        _G.standard_normal((2, 4, 6)),
        valid={"X": {"zero", "negative"}},
    ),
    # dynamics
    # 2/(max(bulk edge, spike) + reg) is exact for huge values too (it underflows gracefully)
    case(
        rmt.linear_gd_step_limit,
        0.5,
        valid={
            "ratio": VEC | {"huge"},
            "lam": VEC | {"zero", "huge"},
            "spike": VEC | {"zero", "huge"},
        },
    ),
    # r2, sigma2, init_var enter linearly: a huge value gives the exact result (overflow refused)
    case(
        rmt.gradient_flow_risk,
        1.0,
        0.5,
        valid={
            "t": VEC | {"zero", "huge", "posinf"},
            "ratio": VEC,
            "r2": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
            "init_var": {"zero", "huge"},
        },
    ),
    case(
        rmt.gd_risk,
        10,
        0.5,
        0.1,
        valid={
            "k": VEC | {"zero"},
            "ratio": VEC,
            "step": VEC,
            "r2": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
            "init_var": {"zero", "huge"},
        },
    ),
    case(
        rmt.simulate_linear_dynamics,
        6,
        8,
        [0.0, 1.0],
        n_draws=2,
        rng=0,
        valid={
            "times": {"zero", "huge"},
            "r2": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
            "init_var": {"zero", "huge"},
        },
    ),
    case(rmt.gmm_spike, 0.5, 1.0, valid={"ratio": VEC | {"huge"}, "mu_norm2": VEC | {"huge"}}),
    case(
        rmt.gmm_gd_error,
        20,
        0.5,
        1.0,
        0.01,
        valid={"t": VEC | {"zero"}, "lam": {"zero"}, "init_var": {"zero", "huge"}},
    ),
    case(
        rmt.simulate_gmm_gd,
        6,
        8,
        1.0,
        [0, 5],
        0.05,
        n_draws=2,
        rng=0,
        valid={"times": {"zero"}, "lam": {"zero"}, "init_var": {"zero", "huge"}},
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
            "lam": VEC | {"zero", "huge"},  # huge λ: κ → λ, the exact limit
            "noise_var": {"zero", "huge"},  # linear
        },
    ),
    case(
        rmt.learning_curve_optimal,
        [50.0],
        2.0,
        1.0,
        200,
        1.0,
        valid={"n": VEC, "b": {"zero", "huge"}},
    ),
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
        n_draws=2,
        rng=0,
        valid={"b": {"zero", "huge"}, "lam": {"zero", "huge"}, "noise_var": {"zero", "huge"}},
    ),
    case(
        rmt.simulate_model_size, [5], 1.5, 1.0, 20, n_draws=2, rng=0, valid={"b": {"zero", "huge"}}
    ),
    # rf (data and labels: zero and negative entries are valid data; counts of features: the
    # deterministic equivalents hold for any N, 10**12 included; λ = 1e300: every error is the
    # mean square of the labels, computed exactly)
    case(rmt.rf_kernel_spectrum_iid, "relu", 0.5),
    case(
        rmt.rf_gram_stieltjes,
        -1.0 + 0.5j,
        0.5,
        [1.0, 2.0],
        valid={"z": VEC | {"negative"}, "kernel_eigs": {"zero"}},
    ),
    case(rmt.rf_gram_density, 1.0, 0.5, [1.0, 2.0], valid={"x": REAL_ARG, "kernel_eigs": {"zero"}}),
    case(
        rmt.rf_ridge_errors,
        X,
        Y,
        XT,
        YT,
        10,
        0.1,
        valid={
            "X": RF_DATA,
            "X_test": RF_DATA,
            "y": RF_DATA,
            "y_test": RF_DATA,
            "n_features": VEC | {"huge"},
            "lam": VEC | {"huge"},
        },
    ),
    case(
        rmt.rff_ridge_errors,
        X,
        Y,
        XT,
        YT,
        10,
        0.1,
        valid={**RF_XY, "n_freq": {"huge"}, "lam": {"huge"}},
    ),
    case(
        rmt.rff_gaussian_kernel_train_error,
        X,
        Y,
        10,
        0.1,
        valid={"X": RF_DATA, "y": RF_DATA, "n_freq": {"huge"}, "lam": VEC | {"huge"}},
    ),
    case(
        rmt.rf_ridge_simulate,
        X,
        Y,
        XT,
        YT,
        10,
        0.1,
        rng=0,
        n_draws=2,
        valid={**RF_XY, "lam": VEC | {"huge"}},
    ),
    case(
        rmt.rff_ridge_simulate,
        X,
        Y,
        XT,
        YT,
        10,
        0.1,
        rng=0,
        n_draws=2,
        valid={**RF_XY, "lam": VEC | {"huge"}},
    ),
    # mei_montanari (huge λ: the λ → ∞ limit, exact; huge energies: the risk is linear in them)
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
            "lam": VEC | {"zero", "huge"},
            "F1sq": {"zero", "huge"},
            "Fstar_sq": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
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
        valid={
            "lam": VEC | {"zero", "huge"},
            "F1sq": {"zero", "huge"},
            "Fstar_sq": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
        },
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
        valid={"t": VEC | {"zero", "huge"}, "noise_var": {"zero", "huge"}, "snr": {"zero", "huge"}},
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
        valid={"step": {"zero"}, "noise_var": {"zero"}},
    ),
    # added with the chapter 5, 9 and 12 rewrites
    # a zero or huge sample eigenvalue adds exactly 0 or 1 to df1; huge n or λ: κ̂ → λ exactly
    case(
        rmt.empirical_renormalised_ridge,
        [1.0, 2.0],
        4,
        1.0,
        valid={"sample_eigs": {"zero", "huge"}, "n": {"huge"}, "lam": VEC | {"huge"}},
    ),
    case(rmt.rf_features, np.ones((3, 4)) / np.sqrt(3), 5, rng=0, valid={"X": RF_DATA}),
    case(rmt.rf_gram, np.ones((3, 4)) / np.sqrt(3), 5, rng=0, valid={"X": RF_DATA}),
    # zero or huge eigenvalues and noise give exact finite losses (a zero mode never decays)
    case(
        rmt.spectral_training_loss,
        1.0,
        np.ones(5),
        valid={
            "t": VEC | {"zero", "huge"},
            "eigenvalues": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
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
PENDING = {}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT, PENDING)
