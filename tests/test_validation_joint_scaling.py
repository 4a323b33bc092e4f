"""Bad input is refused at the public boundary: the parameter sweep of the joint (n, N) scaling
module (framework: tests/sweep.py)."""

from __future__ import annotations

import numpy as np
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import joint_scaling, joint_scaling_sim

MODULES = (joint_scaling, joint_scaling_sim)
VEC = {"wrong_shape", "empty"}
T, E = rmt.power_law_spectrum(30, 1.5), rmt.power_law_target(30, 1.0)
C = np.logspace(3, 5, 3)
FRONTIER = rmt.ComputeOptimal(C, C**0.7, C**0.3, C * 0 + 0.1, C**-0.4)

REGISTRY = [
    case(
        rmt.joint_ridge_risk,
        [10.0, 40.0],
        20.0,
        T,
        E,
        0.01,
        0.1,
        valid={
            # sizes broadcast: arrays of another shape or empty ones are valid grids
            "n": VEC,
            "N": VEC,
            "lam": VEC | {"zero", "huge"},  # λ = 1e300: κ → λ, every risk the signal
            "pop_eigs": {"zero", "huge"},  # one zero eigenvalue, or a huge one: valid spectra
            "target_energy": {"zero", "huge", "wrong_shape"},
            "noise_var": {"zero", "huge"},
        },
    ),
    case(
        rmt.joint_scaling_curve,
        [10.0, 40.0],
        20.0,
        1.5,
        1.0,
        30,
        valid={
            "n": VEC,
            "N": VEC,
            "b": {"zero", "huge"},
            "lam": VEC | {"zero", "huge"},
            "noise_var": {"zero", "huge"},
        },
    ),
    case(
        rmt.joint_scaling_optimal,
        [10.0, 40.0],
        20.0,
        1.5,
        1.0,
        300,
        0.5,
        kappa_grid=41,
        valid={"n": VEC, "N": VEC, "b": {"zero", "huge"}, "noise_var": {"zero"}},
    ),
    case(
        rmt.compute_optimal_frontier,
        [1e3, 1e4],
        2.0,
        1.0,
        2000,
        1.0,
        n_grid=21,
        kappa_grid=41,
        valid={"compute": {"wrong_shape"}, "b": {"zero", "huge"}, "noise_var": {"zero"}},
    ),
    case(
        rmt.frontier_exponents,
        2.0,
        1.0,
        1.0,
        valid={"a": {"huge"}, "b": {"zero", "huge"}, "noise_var": {"zero", "huge"}},
    ),
    case(rmt.fit_frontier_exponents, FRONTIER),
    case(
        rmt.simulate_joint_ridge,
        12,
        8,
        T,
        E,
        0.01,
        0.1,
        n_draws=2,
        rng=0,
        n_test=20,
        valid={
            "pop_eigs": {"zero"},
            "target_energy": {"zero", "wrong_shape"},
            "lam": {"zero", "huge"},
            "noise_var": {"zero", "huge"},
        },
    ),
]

#: Public callables that are not swept, with the reason.
NOT_SWEPT = {
    "JointRidgeRisk": "a NamedTuple result",
    "ComputeOptimal": "a NamedTuple result",
    "FrontierExponents": "a NamedTuple result",
    "JointRidgeSimulation": "a NamedTuple result",
}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
