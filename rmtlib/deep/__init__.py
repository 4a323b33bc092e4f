"""Deep random networks: conjugate-kernel (CK) and neural-tangent-kernel (NTK) equivalents.

Depth acts as an iterated Linear Equivalent. With the Fan–Wang normalisation
(unit-norm inputs, :math:`X_\\ell=\\sigma(W_\\ell X_{\\ell-1})/\\sqrt{d_\\ell}`, :math:`\\sigma`
centred with unit variance under :math:`N(0,1)`), each layer maps the Gram matrix
:math:`K_{\\ell-1}\\mapsto(1-b_\\sigma^2)I+b_\\sigma^2K_{\\ell-1}` and adds a fresh
Marchenko–Pastur sampling noise of ratio :math:`\\gamma_\\ell=n/d_\\ell`. The subpackage has one
module per concept of chapter 11; every name is importable from ``rmtlib.deep`` (and ``rmt``):

- ``rmtlib.deep.normalised`` — the normalised activation and its two constants
  :math:`b_\\sigma, a_\\sigma` (:func:`normalised_activation`);
- ``rmtlib.deep.ck`` — the CK spectrum: Stieltjes transform by the nested recursion, density,
  moments (:func:`ck_stieltjes`, :func:`ck_density`, :func:`ck_moments`), and one finite-width
  layer on top of a given kernel (:func:`finite_width_density`, Silverstein's law solved by
  :mod:`rmtlib.stieltjes`);
- ``rmtlib.deep.ntk`` — the NTK spectrum: linear-equivalent weights, Stieltjes transform and
  layer traces by the nested-trace algorithm, density, moments, support edges
  (:func:`ntk_weights`, :func:`ntk_stieltjes`, :func:`ntk_traces`, :func:`ntk_resolvent_traces`,
  :func:`ntk_density`, :func:`ntk_moments`, :func:`ntk_edges`);
- ``rmtlib.deep.simulate`` — seeded simulators of deep CK/NTK Gram matrices
  (:func:`simulate_deep_network`, :func:`sample_deep_spectrum`);
- ``rmtlib.deep.gmm`` — structured (Gaussian-mixture) data and non-normalised activations: the
  per-layer scalars of Gu et al. and the equivalent kernel (:func:`gmm_ck_scalars`,
  :func:`gmm_ck_equivalent`), the ternary activation with the same scalars
  (:func:`ternary_activation`, :func:`match_ternary`, :func:`match_ternary_gmm`);
- ``rmtlib.deep.deq`` — deep equilibrium (implicit) networks (:func:`deq_ck_coefficients`,
  :func:`simulate_deq`, :func:`deq_explicit_activation`).

The nested fixed points that the CK and NTK solvers share live in the private module
``rmtlib.deep._nested``. Every function takes the activation by name, so a dashboard can
compare two activations with nothing but their names.
"""

from __future__ import annotations

from ._nested import MAX_MOMENT_ORDER  # noqa: F401 (the documented cap of ck/ntk_moments)
from .ck import ck_density, ck_moments, ck_stieltjes, finite_width_density
from .deq import DEQCoefficients, deq_ck_coefficients, deq_explicit_activation, simulate_deq
from .gmm import (
    LayerScalars,
    gmm_ck_equivalent,
    gmm_ck_scalars,
    match_ternary,
    match_ternary_gmm,
    ternary_activation,
)
from .normalised import NormalisedActivation, normalised_activation
from .ntk import (
    NTKTraces,
    NTKWeights,
    ntk_density,
    ntk_edges,
    ntk_moments,
    ntk_resolvent_traces,
    ntk_stieltjes,
    ntk_traces,
    ntk_weights,
)
from .simulate import DeepSample, sample_deep_spectrum, simulate_deep_network

__all__ = [
    "NormalisedActivation",
    "normalised_activation",
    "ck_stieltjes",
    "ck_density",
    "ck_moments",
    "finite_width_density",
    "NTKWeights",
    "ntk_weights",
    "ntk_stieltjes",
    "ntk_density",
    "ntk_moments",
    "ntk_edges",
    "ntk_traces",
    "NTKTraces",
    "ntk_resolvent_traces",
    "DeepSample",
    "simulate_deep_network",
    "sample_deep_spectrum",
    "LayerScalars",
    "gmm_ck_scalars",
    "gmm_ck_equivalent",
    "ternary_activation",
    "match_ternary",
    "match_ternary_gmm",
    "DEQCoefficients",
    "deq_ck_coefficients",
    "simulate_deq",
    "deq_explicit_activation",
]
