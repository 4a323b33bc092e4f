"""Bad input is refused at the public boundary: the parameter sweep of the exact samplers
(framework: tests/sweep.py)."""

from __future__ import annotations

import numpy as np
from sweep import case, registry_tests

import rmtlib as rmt
from rmtlib import ensembles

MODULES = (ensembles,)
SPEC = np.array([0.0, 1.0, 2.0, 3.0])

REGISTRY = [
    case(rmt.haar_orthogonal, 4, rng=0),
    case(rmt.wigner_matrix, 4, 1.0, rng=0),
    case(
        rmt.rotated_sum_eigvals,
        SPEC,
        SPEC[::-1],
        "free",
        rng=0,
        valid={"eigs_a": {"negative", "zero"}, "eigs_b": {"negative", "zero"}},
    ),
    case(
        rmt.rotated_product_eigvals,
        SPEC,
        SPEC[::-1],
        "free",
        rng=0,
        valid={"eigs_a": {"zero"}, "eigs_b": {"zero"}},
    ),
    case(rmt.simulate_jacobian_spectrum, 2, 6, rng=0, active_fraction=0.5),
    case(rmt.laguerre_top_eigenvalues, 4, 8, 3, 0.5, 1, rng=0, valid={"ell": {"zero"}}),
]

#: Public names that are not swept, with the reason.
NOT_SWEPT = {"POSITIONS": "a tuple of option names"}


(
    _tracing,
    test_bad_values_are_refused_naming_the_parameter,
    test_every_public_function_is_swept,
) = registry_tests(REGISTRY, MODULES, NOT_SWEPT)
