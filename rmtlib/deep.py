"""Deep random networks: conjugate-kernel (CK) and neural-tangent-kernel (NTK) equivalents.

Depth acts as an iterated Linear Equivalent. With the Fan–Wang normalisation
(unit-norm inputs, :math:`X_\\ell=\\sigma(W_\\ell X_{\\ell-1})/\\sqrt{d_\\ell}`, :math:`\\sigma`
centred with unit variance under :math:`N(0,1)`), each layer maps the Gram matrix
:math:`K_{\\ell-1}\\mapsto(1-b_\\sigma^2)I+b_\\sigma^2K_{\\ell-1}` and adds a fresh
Marchenko–Pastur sampling noise of ratio :math:`\\gamma_\\ell=n/d_\\ell`. This module computes

- the normalised activation and its two constants :math:`b_\\sigma, a_\\sigma`
  (:func:`normalised_activation`);
- the CK spectrum: Stieltjes transform by the nested recursion, density, moments
  (:func:`ck_stieltjes`, :func:`ck_density`, :func:`ck_moments`);
- the NTK spectrum: linear-equivalent weights, Stieltjes transform by the nested-trace algorithm,
  density, moments, support edges (:func:`ntk_weights`, :func:`ntk_stieltjes`, :func:`ntk_density`,
  :func:`ntk_moments`, :func:`ntk_edges`);
- structured (Gaussian-mixture) data and non-normalised activations: the per-layer scalars of
  Gu et al. and the equivalent kernel (:func:`gmm_ck_scalars`, :func:`gmm_ck_equivalent`), the
  ternary activation with the same scalars (:func:`ternary_activation`, :func:`match_ternary`);
- deep equilibrium (implicit) networks (:func:`deq_ck_coefficients`, :func:`simulate_deq`,
  :func:`deq_explicit_activation`);
- seeded simulators of deep CK/NTK Gram matrices (:func:`simulate_deep_network`).

Every function takes the activation by name, so a dashboard can compare two activations with
nothing but their names.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy import optimize, special

from . import _validate as V
from .activations import ACTIVATIONS, Activation, get_activation
from .fixedpoint import ConvergenceError, solve_fixed_point
from .gauss import gaussian_expectation

__all__ = [
    "NormalisedActivation",
    "normalised_activation",
    "ck_stieltjes",
    "ck_density",
    "ck_moments",
    "NTKWeights",
    "ntk_weights",
    "ntk_stieltjes",
    "ntk_density",
    "ntk_moments",
    "ntk_edges",
    "ntk_traces",
    "finite_width_density",
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

_SQRT2PI = np.sqrt(2 * np.pi)

# Derivatives of the named activations (σ' is needed for a_σ = E σ'(ξ)²). The step-like
# activations have no square-integrable derivative (a Dirac mass): a_σ is infinite for them.
_DERIVATIVES = {
    "linear": lambda t: np.ones_like(np.asarray(t, dtype=float)),
    "relu": lambda t: (np.asarray(t) > 0).astype(float),
    "leaky_relu": lambda t: np.where(np.asarray(t) > 0, 1.0, 0.1),
    "abs": np.sign,
    "tanh": lambda t: 1.0 / np.cosh(t) ** 2,
    "erf": lambda t: 2 / np.sqrt(np.pi) * np.exp(-np.square(t)),
    "sigmoid": lambda t: special.expit(t) * (1 - special.expit(t)),
    "sin": np.cos,
    "cos": lambda t: -np.sin(t),
    "gaussian": lambda t: -np.asarray(t) * np.exp(-np.square(t) / 2),
    "quadratic": lambda t: 2 * np.asarray(t, dtype=float),
    "exp": np.exp,
    "sign": None,
    "step": None,
}


# ----------------------------------------------------------------------------------------------
# The normalised activation
# ----------------------------------------------------------------------------------------------
class NormalisedActivation(NamedTuple):
    """An activation centred and scaled to unit variance under N(0, 1), with its constants.

    Attributes
    ----------
    name : str
    mean, scale : float
        ``E σ(ξ)`` and ``sqrt(Var σ(ξ))`` of the raw activation.
    b : float
        ``b_σ = E σ̃'(ξ) = E[ξ σ̃(ξ)]`` of the normalised activation ``σ̃ = (σ - mean)/scale``.
    a : float
        ``a_σ = E σ̃'(ξ)²`` (``inf`` when σ has jumps, e.g. ``"sign"``).
    fn : Activation
        The normalised activation (kinks preserved).
    derivative : callable or None
        ``σ̃'`` (None when it is a Dirac mass).
    """

    name: str
    mean: float
    scale: float
    b: float
    a: float
    fn: Activation
    derivative: object


def normalised_activation(activation="relu"):
    """Centre and scale an activation to unit Gaussian variance; return it with ``b_σ, a_σ``.

    Parameters
    ----------
    activation : str, callable or Activation
        A name of :data:`rmtlib.ACTIVATIONS` or a vectorised function.

    Returns
    -------
    NormalisedActivation

    Raises
    ------
    ValueError
        If σ(ξ) has (numerically) zero variance: a constant cannot be normalised.

    Notes
    -----
    :math:`\\tilde\\sigma=(\\sigma-E\\sigma(\\xi))/\\sqrt{\\operatorname{Var}\\sigma(\\xi)}`,
    :math:`b_\\sigma=E\\tilde\\sigma'(\\xi)=E[\\xi\\tilde\\sigma(\\xi)]` by Stein's lemma (so kinks
    and jumps need no derivative), :math:`a_\\sigma=E\\tilde\\sigma'(\\xi)^2` from the analytic
    derivative of a named activation. For a user callable, σ' is a central difference with step
    ``1e-6`` (the quadrature splits at declared kinks, so the O(h) error stays ~1e-6).
    Jensen gives :math:`a_\\sigma\\ge b_\\sigma^2` with equality only for linear σ.

    References
    ----------
    Fan & Wang, NeurIPS 2020, Assumption 2.1 and eq. (5).

    Examples
    --------
    >>> act = normalised_activation("relu")
    >>> round(act.b, 6), round(act.a, 6)   # b² = (1/4)/(1/2 - 1/2π), a = (1/2)/(1/2 - 1/2π)
    (0.856429, 1.466942)
    """
    return _normalised(_activation_key(activation))


def _activation_key(activation):
    # lru_cache needs a hashable key: names map to themselves, Activations/callables to themselves.
    if isinstance(activation, str):
        get_activation(activation)
        return activation
    return get_activation(activation)


@lru_cache(maxsize=64)
def _normalised(key):
    act = get_activation(key)
    mean = gaussian_expectation(act)
    second = gaussian_expectation(Activation("sq", lambda t: act(t) ** 2, act.kinks))
    var = second - mean**2
    if not np.isfinite(var) or var <= 1e-12 * max(1.0, second):
        raise ValueError(
            f"activation {act.name!r} cannot be normalised: Var σ(ξ) = {var:.3g} under N(0, 1) "
            "(a constant function has no centred unit-variance version)"
        )
    scale = float(np.sqrt(var))

    def fn(t):
        return (act(t) - mean) / scale

    b = gaussian_expectation(Activation("stein", lambda t: t * fn(t), act.kinks))
    if _is_registered(act) and act.name in _DERIVATIVES:
        raw = _DERIVATIVES[act.name]
        deriv = None if raw is None else (lambda t, raw=raw: raw(t) / scale)
    else:
        h = 1e-6

        def deriv(t):
            t = np.asarray(t, dtype=float)
            return (fn(t + h) - fn(t - h)) / (2 * h)

    if deriv is None:
        a = np.inf
    else:
        a = gaussian_expectation(Activation("dsq", lambda t: deriv(t) ** 2, act.kinks))
    return NormalisedActivation(
        act.name,
        float(mean),
        scale,
        float(b),
        float(a),
        Activation(f"normalised {act.name}", fn, act.kinks),
        deriv,
    )


def _is_registered(act):
    # Only the registered object may use the analytic derivative table (a user callable could
    # share a name with a registered activation).
    return ACTIVATIONS.get(act.name) is act


# ----------------------------------------------------------------------------------------------
# Input checks shared by the spectral functions
# ----------------------------------------------------------------------------------------------
def _check_gammas(gammas):
    g = np.atleast_1d(V.finite_real("gammas", gammas)).astype(float)
    if g.ndim != 1 or g.size < 1:
        raise ValueError(
            "gammas must be a sequence (γ₀, γ₁, …, γ_L) of length L + 1 >= 1 "
            f"(depth L >= 0); got {gammas!r}"
        )
    if np.any(g <= 0):
        raise ValueError(f"every ratio in gammas must lie in (0, inf); got {g.tolist()}")
    return g


def _layer_maps(gammas, b):
    """Per-layer affine maps Φ_ℓ = s_ℓ I + t_ℓ K_{ℓ-1} of the normalised network."""
    L = gammas.size - 1
    return np.full(L, 1.0 - b * b), np.full(L, b * b)


def _upper_bound(gammas, shifts, slopes):
    # Support of MP_γ ⊠ ν lies in [0, (1+√γ)² sup ν]: a rigorous right end for contours.
    u = (1 + np.sqrt(gammas[0])) ** 2
    for g, s, t in zip(gammas[1:], shifts, slopes):
        u = (1 + np.sqrt(g)) ** 2 * (s + t * u)
    return u


def _prepare_z(z, lower, upper):
    z = V.finite_complex("z", z)
    on_real = z.imag == 0
    if np.any(on_real & (z.real >= lower) & (z.real <= upper)):
        raise ValueError(
            f"z has zero imaginary part inside [{lower:.4g}, {upper:.4g}], which may contain the "
            "support: pass z with Im z > 0 (e.g. x + 1e-9j) for the limit from C⁺"
        )
    flip = z.imag < 0
    return np.where(flip, np.conj(z), z), flip


def _finish(m, flip):
    m = np.where(flip, np.conj(m), m)
    return complex(m) if m.ndim == 0 else m


# ----------------------------------------------------------------------------------------------
# The MP law of the input Gram
# ----------------------------------------------------------------------------------------------
def _mp_m(z, c):
    """Stieltjes transform of MP_c (mean 1, variance c), no validation (internal arguments)."""
    a, b = (1 - np.sqrt(c)) ** 2, (1 + np.sqrt(c)) ** 2
    return 2.0 / ((1 - c) - z - np.sqrt(z - a) * np.sqrt(z - b))


# ----------------------------------------------------------------------------------------------
# CK: the nested Stieltjes recursion
# ----------------------------------------------------------------------------------------------
def _ck_recursion(z, gammas, shifts, slopes, tol=1e-12):
    """m_L(z) from the m_ℓ form of the recursion (an independent route, used by the tests)."""
    L = gammas.size - 1
    return _continuation_solve(
        lambda zz: _ck_map(zz, gammas, shifts, slopes),
        np.atleast_1d(z),
        lambda zz: np.broadcast_to((-1.0 / zz)[..., None], zz.shape + (L,)).astype(complex),
        tol,
        "deep CK recursion",
    )[..., L - 1]


def _ck_map(z, gammas, shifts, slopes):
    """Fixed-point map on the unknowns m_ℓ(z_ℓ), ℓ = 1..L, evaluated jointly.

    With w_ℓ = 1 - γ_ℓ - γ_ℓ z_ℓ m_ℓ (= 1/(1+δ_ℓ)), the law μ_ℓ = MP_{γ_ℓ} ⊠ (s_ℓ + t_ℓ μ_{ℓ-1})
    satisfies m_ℓ(z_ℓ) = m_{ℓ-1}(z_{ℓ-1}) / (t_ℓ w_ℓ) with z_{ℓ-1} = (z_ℓ/w_ℓ - s_ℓ)/t_ℓ.
    """
    L = gammas.size - 1

    def F(m):
        zs = [z]
        ws = []
        for ell in range(L, 0, -1):
            w = 1 - gammas[ell] - gammas[ell] * zs[-1] * m[..., ell - 1]
            ws.append(w)
            zs.append((zs[-1] / w - shifts[ell - 1]) / slopes[ell - 1])
        ws, zs = ws[::-1], zs[::-1]  # ws[ℓ-1] = w_ℓ, zs[ℓ] = z_ℓ
        out = np.empty_like(m)
        prev = _mp_m(zs[0], gammas[0])
        for ell in range(1, L + 1):
            prev = prev / (slopes[ell - 1] * ws[ell - 1])
            out[..., ell - 1] = prev
        return out

    return F


_LIFTS = (1.0, 0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 0.0)


def _continuation_solve(make_map, z, x0_fn, tol, name, make_valid=None, scale=1.0):
    """Solve a batch of fixed points indexed by z in the closed upper half-plane.

    Problems with Im z >= 0.1 are solved directly. The others follow z + iλ as λ decreases
    from 1 to 0, each stage warm-starting the next: near the real axis (at an atom, inside the
    support, at negative reals when an atom sits at 0) a cold start can converge to a spurious
    root of the same equations, while continuation stays on the Stieltjes branch.

    ``make_valid(z)`` returns the branch test of the problems at ``z`` (default: Im >= 0 of
    every unknown). When the spectrum is wide (``scale``, an upper bound of the support, much
    above 1) the first ladder can start too close to the axis and end on a spurious branch;
    such problems are re-solved along a ladder that starts at ``10 max(scale, |z|)``, where the
    cold start lies in the basin of the Stieltjes branch, and halves λ at every stage. A
    problem still off the branch raises :class:`ConvergenceError` (never a wrong value).
    """
    base = lambda m: np.all(m.imag >= -1e-12, axis=-1)  # noqa: E731
    if make_valid is None:

        def make_valid(_z):
            return base

    out = np.empty(z.shape + x0_fn(z[:1]).shape[-1:], dtype=complex)

    def run(zn, lifts, cap):
        state = None
        for lift in lifts:
            zz = zn + 1j * lift
            state = solve_fixed_point(
                make_map(zz),
                x0_fn(zz) if state is None else state,
                tol=tol if lift == 0 else 1e-9,
                max_iter=cap,
                memory=6,
                valid=base,
                raise_on_failure=False,
                name=name,
            ).x
        return state

    def failed(zn, x):
        # unconverged (per problem) or converged to a root off the Stieltjes branch
        res = np.max(np.abs(make_map(zn)(x) - x), axis=-1) / (1 + np.max(np.abs(x), axis=-1))
        return ~(res <= 10 * tol) | ~np.asarray(make_valid(zn)(x), dtype=bool)

    far = z.imag >= 0.1
    if far.any():
        out[far] = run(z[far], (0.0,), 5000)
    if (~far).any():
        out[~far] = run(z[~far], _LIFTS, 1000)
    bad = failed(z, out)
    if bad.any():
        top = 10 * max(float(scale), float(np.max(np.abs(z[bad]))), 1.0)
        stages = int(np.ceil(np.log2(top / 1e-6)))
        out[bad] = run(z[bad], tuple(np.geomspace(top, 1e-6, stages)) + (0.0,), 5000)
        still = failed(z[bad], out[bad])
        if still.any():
            raise ConvergenceError(
                f"{name}: {int(still.sum())} point(s) (first z = {complex(z[bad][still][0]):.6g}) "
                "did not converge to the Stieltjes branch; move the point or raise eta"
            )
    return out


def _ck_solve(z, gammas, shifts, slopes, tol=1e-12):
    """m_L(z) for an array z in C⁺ (no validation)."""
    shape = np.shape(z)
    z = np.atleast_1d(z)
    return _ck_solve_1d(z, gammas, shifts, slopes, tol).reshape(shape)


def _ck_solve_1d(z, gammas, shifts, slopes, tol):
    L = gammas.size - 1
    if L == 0:
        return _mp_m(z, gammas[0])
    if np.all(slopes > 0):
        # The δ form (nested-trace algorithm with weight only on K_L) is used for evaluation:
        # the equivalent m_ℓ form of _ck_recursion can lock onto a spurious root near an atom
        # at 0 (γ_L > 1), the δ form started at δ = 0 does not.
        c = np.zeros(L + 1)
        c[L] = 1.0
        return _nested_trace(-z, c, gammas, shifts, slopes, tol)[0]
    # A layer with t_ℓ = 0 forgets everything below it: restart the recursion there.
    top = np.flatnonzero(slopes == 0).max() + 1  # layer index ℓ with t_ℓ = 0
    sub_g = np.concatenate([[gammas[top]], gammas[top + 1 :]])
    # μ_top = MP_{γ_top} ⊠ δ_{s_top}: an MP law of scale s_top; rescale the rest accordingly.
    s = shifts[top - 1]
    return _ck_scaled(z, sub_g, shifts[top:], slopes[top:], s, tol)


def _ck_scaled(z, gammas, shifts, slopes, scale, tol):
    # K = scale * K' where K' follows the recursion with s' = s/scale (t unchanged) and MP input.
    return _ck_solve(z / scale, gammas, shifts / scale, slopes, tol) / scale


def ck_stieltjes(z, gammas, activation="relu", *, tol=1e-12):
    """Limiting Stieltjes transform :math:`\\frac1n\\operatorname{tr}(X_L^\\top X_L-zI)^{-1}` of the deep CK.

    Parameters
    ----------
    z : complex or array_like
        Spectral argument(s): ``Im z != 0``, or real outside a rigorous enclosure
        ``[0, U]`` of the support (negative reals are always fine).
    gammas : sequence of float > 0, length L + 1
        ``(γ₀, γ₁, …, γ_L)`` with ``γ₀ = n/d₀`` (input Gram) and ``γ_ℓ = n/d_ℓ`` (hidden layers).
    activation : str or callable
        Normalised internally to zero mean and unit variance under N(0, 1).
    tol : float
        Relative tolerance of the nested fixed point (1e-12 suits inversion at η = 1e-6).

    Returns
    -------
    complex or ndarray of complex

    Notes
    -----
    Fan–Wang normalisation, i.i.d. isotropic unit-norm inputs. The limit law satisfies
    :math:`\\mu_\\ell=\\mathrm{MP}_{\\gamma_\\ell}\\boxtimes\\big((1-b_\\sigma^2)+b_\\sigma^2\\mu_{\\ell-1}\\big)`,
    :math:`\\mu_0=\\mathrm{MP}_{\\gamma_0}`. In Stieltjes form, with
    :math:`\\delta_\\ell=\\gamma_\\ell(1+\\delta_\\ell)(1+z\\,m_\\ell(z))`,

    .. math:: m_\\ell(z)=\\frac{1+\\delta_\\ell}{b^2}\\,m_{\\ell-1}\\Big(\\frac{z(1+\\delta_\\ell)-(1-b^2)}{b^2}\\Big).

    Evaluated in the equivalent δ form (the nested-trace algorithm of :func:`ntk_stieltjes`
    with all weight on :math:`K_L`); all L unknowns are solved jointly by vectorised Anderson
    mixing, with continuation from z + i towards the real axis.
    When :math:`b_\\sigma=0` every layer forgets its input and :math:`\\mu_L=\\mathrm{MP}_{\\gamma_L}`.

    References
    ----------
    Fan & Wang, NeurIPS 2020, Thm. 3.4; Pennington & Worah, NeurIPS 2017.

    Examples
    --------
    >>> round(ck_stieltjes(-1.0, [0.5, 0.5]).real, 6)   # real on the negative axis
    0.585429
    """
    tol = V.tolerance("tol", tol)
    g = _check_gammas(gammas)
    b = normalised_activation(activation).b
    shifts, slopes = _layer_maps(g, b)
    slopes = np.where(slopes < 1e-14, 0.0, slopes)
    zz, flip = _prepare_z(z, 0.0, _upper_bound(g, shifts, slopes))
    return _finish(_ck_solve(zz, g, shifts, slopes, tol), flip)


def ck_density(x, gammas, activation="relu", *, eta=1e-6, tol=1e-12):
    """Density of the limiting deep-CK spectrum, :math:`\\rho(x)=\\Im m(x+i\\eta)/\\pi`.

    Parameters
    ----------
    x : array_like of float
        Real grid.
    gammas, activation : as in :func:`ck_stieltjes`.
    eta : float > 0
        Distance to the real axis of the inversion (1e-6 by default).

    Returns
    -------
    ndarray
        The density of the continuous part (an atom at 0, present when ``γ_L > 1``, shows as a
        spike of height ~1/(πη) at x = 0; keep 0 off the grid).

    Notes
    -----
    Solved by continuation from x + i down to x + iη, each stage warm-starting the next (this
    keeps the Stieltjes branch and makes a 400-point density for L = 2 take well under a second).

    Examples
    --------
    >>> round(float(ck_density(1.0, [0.5, 0.5])), 4)
    0.3372
    """
    tol = V.tolerance("tol", tol)
    g = _check_gammas(gammas)
    eta = V.positive_scalar("eta", eta)
    x = V.finite_real("x", x)
    b = normalised_activation(activation).b
    shifts, slopes = _layer_maps(g, b)
    slopes = np.where(slopes < 1e-14, 0.0, slopes)
    m = _ck_solve(np.atleast_1d(x) + 1j * eta, g, shifts, slopes, tol)
    out = np.maximum(m.imag / np.pi, 0.0)
    return float(out[0]) if x.ndim == 0 else out


def _free_mp_moments(nu, gamma):
    """Moments 1..k of MP_γ ⊠ ν from those of ν (nu[j-1] = E t^j), in O(k³) operations.

    The n × n law MP_γ ⊠ ν is 1/γ times the d × d companion (a free compound Poisson law) minus
    its atom, whose free cumulants are κ_j = γ ν_j; moments follow from free cumulants by the
    functional equation M(z) = 1 + Σ_s κ_s (z M(z))^s, i.e.
    m_n = Σ_s κ_s [z^{n-s}] M(z)^s. Every term is >= 0: no cancellation at high order.
    (The same sum over non-crossing partitions as
    Σ_{π ∈ NC(k)} γ^{|π|-1} Π_{V ∈ π} ν_{|V|}, without enumerating them.)
    """
    k = len(nu)
    kappa = gamma * np.asarray(nu, dtype=float)
    m = np.zeros(k + 1)
    m[0] = 1.0
    # P[s, j] = [z^j] M(z)^s for s = 0..k, filled one column j at a time.
    P = np.zeros((k + 1, k + 1))
    P[:, 0] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(1, k + 1):
            s = np.arange(1, n + 1)
            m[n] = kappa[:n] @ P[s, n - s]
            P[1:, n] = np.cumsum(P[:k, n - 1 :: -1] @ m[1 : n + 1])
    return m[1:] / gamma


def _affine_moments(mom, s, t):
    """Moments of s + t λ from those of λ (mom[j-1] = E λ^j), s, t >= 0 (no cancellation)."""
    k = len(mom)
    full = np.concatenate([[1.0], mom])
    out = np.empty(k)
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(1, k + 1):
            j = np.arange(n + 1)
            out[n - 1] = np.sum(special.comb(n, j) * s ** (n - j) * t**j * full[: n + 1])
    return out


#: Largest moment order of :func:`ck_moments` and :func:`ntk_moments`.
MAX_MOMENT_ORDER = 400


def _check_moment_order(k_max):
    return V.integer("k_max", k_max, minimum=1, maximum=MAX_MOMENT_ORDER)


def _finite_moments(mom, what):
    bad = ~np.isfinite(mom)
    if bad.any():
        first = int(np.flatnonzero(bad)[0]) + 1
        raise ValueError(
            f"k_max: the {what} moment of order {first} exceeds the float64 range "
            f"(about 1.8e308); pass k_max <= {first - 1}"
        )
    return mom


def ck_moments(k_max, gammas, activation="relu"):
    """Moments :math:`\\int x^k\\mu_L(dx)`, k = 1..k_max, of the deep-CK limit law, in closed form.

    Parameters
    ----------
    k_max : int >= 1
    gammas, activation : as in :func:`ck_stieltjes`.

    Returns
    -------
    ndarray of shape (k_max,)

    Notes
    -----
    Independent of the Stieltjes recursion: moments of :math:`\\mathrm{MP}_\\gamma\\boxtimes\\nu`
    are :math:`\\sum_{\\pi\\in NC(k)}\\gamma^{|\\pi|-1}\\prod_{V\\in\\pi}\\nu_{|V|}` (e.g.
    :math:`\\nu_2+\\gamma\\nu_1^2` for k = 2), and the affine map is a binomial expansion.
    The second moment obeys :math:`v_\\ell=b^4v_{\\ell-1}+\\gamma_\\ell` for the variance.

    Examples
    --------
    >>> [round(float(v), 6) for v in ck_moments(2, [0.5, 0.5])]   # variance b⁴·0.5 + 0.5
    [1.0, 1.76899]
    """
    k_max = _check_moment_order(k_max)
    g = _check_gammas(gammas)
    b = normalised_activation(activation).b
    shifts, slopes = _layer_maps(g, b)
    return _finite_moments(_ck_moments_general(k_max, g, shifts, slopes), "CK")


def _ck_moments_general(k_max, g, shifts, slopes):
    mom = _free_mp_moments(np.ones(k_max), g[0])
    for ell in range(1, g.size):
        mom = _free_mp_moments(_affine_moments(mom, shifts[ell - 1], slopes[ell - 1]), g[ell])
    return mom


# ----------------------------------------------------------------------------------------------
# NTK: weights and the nested-trace algorithm
# ----------------------------------------------------------------------------------------------
class NTKWeights(NamedTuple):
    """Linear equivalent :math:`K^{NTK}\\simeq\\sum_{\\ell=0}^Lq_\\ell K_\\ell+r_+I` of the NTK.

    Attributes
    ----------
    q : ndarray, shape (L+1,)
        ``q_ℓ = b^{2(L-ℓ)}`` (``q_L = 1``: the gradient in the output weights).
    shift : float
        ``r_+ = Σ_{k=1}^L (a^k - b^{2k})``.
    trace : float
        ``lim (1/n) tr K^NTK = Σ_{k=0}^L a^k``.
    """

    q: np.ndarray
    shift: float
    trace: float


def ntk_weights(depth, activation="relu"):
    """Weights ``q_ℓ`` and identity shift ``r_+`` of the NTK's linear equivalent.

    Parameters
    ----------
    depth : int >= 0
        Number of hidden layers L.
    activation : str or callable
        Normalised internally; must have a square-integrable derivative.

    Returns
    -------
    NTKWeights

    Notes
    -----
    For :math:`f(x)=v^\\top x_L` with Rademacher v, the block of :math:`W_\\ell` in the gradient
    Gram is :math:`(X_{\\ell-1}^\\top X_{\\ell-1})\\odot(G_\\ell^\\top G_\\ell)` and
    :math:`G_\\ell^\\top G_\\ell\\simeq b^{2(L-\\ell+1)}\\mathbf 1\\mathbf 1^\\top+(a^{L-\\ell+1}-b^{2(L-\\ell+1)})I`, so

    .. math:: K^{\\rm NTK}\\simeq X_L^\\top X_L+\\sum_{\\ell=1}^L\\Big[b^{2(L-\\ell+1)}X_{\\ell-1}^\\top X_{\\ell-1}
              +\\big(a^{L-\\ell+1}-b^{2(L-\\ell+1)}\\big)I\\Big].

    Reconstructed from Fan & Wang (2020, Thm. 3.7) and checked here by simulation for L = 1, 2, 3
    (see ``tests/test_deep.py``).

    Examples
    --------
    >>> w = ntk_weights(2, "relu")
    >>> [round(float(v), 4) for v in w.q], round(w.shift, 4), round(w.trace, 4)
    ([0.538, 0.7335, 1.0], 2.3474, 4.6189)
    """
    L = V.integer("depth", depth, minimum=0, maximum=1000)
    act = normalised_activation(activation)
    if not np.isfinite(act.a):
        raise ValueError(
            f"activation {act.name!r} has no square-integrable derivative (a_σ = ∞): "
            "its NTK is not defined; use a Lipschitz activation"
        )
    b2, a = act.b**2, act.a
    q = np.array([b2 ** (L - ell) for ell in range(L + 1)])
    shift = float(sum(a**k - b2**k for k in range(1, L + 1)))
    return NTKWeights(q, shift, float(sum(a**k for k in range(L + 1))))


def _nested_trace(s, c, gammas, shifts, slopes, tol=1e-12):
    """Traces T = (1/n) tr M⁻¹ and U_j = (1/n) tr K_j M⁻¹ for M = Σ_j c_j K_j + s I.

    ``s`` is an array of complex shifts (one problem each), ``c`` real weights with c_L > 0.
    Unknowns: δ_1..δ_L, one per reduction c_ℓ K_ℓ → c_ℓ Φ_ℓ/(1+δ_ℓ), Φ_ℓ = s_ℓ I + t_ℓ K_{ℓ-1}.
    Returns (T, U) with U of shape s.shape + (L+1,).
    """
    L = gammas.size - 1
    c = np.asarray(c, dtype=float)
    shape = np.shape(s)
    s = np.atleast_1d(s)

    def _nt_map(s):
        return _nested_trace_map(s, c, gammas, shifts, slopes)

    if L == 0:
        T = _mp_m(-s / c[0], gammas[0]) / c[0]
        return T.reshape(shape), ((1 - s * T) / c[0]).reshape(shape + (1,))
    delta = _continuation_solve(
        lambda w: _nt_map(-w)[0],
        -s,
        lambda w: np.zeros(w.shape + (L,), dtype=complex),
        tol,
        "NTK nested-trace fixed point",
        make_valid=lambda w: _nt_map(-w)[2],
        scale=sum(
            c[j] * _upper_bound(gammas[: j + 1], shifts[:j], slopes[:j]) for j in range(L + 1)
        ),
    )
    T, U, _ = _nt_map(s)[1](delta)
    return T.reshape(shape), U.reshape(shape + (L + 1,))


def _nested_trace_map(s, c, gammas, shifts, slopes):
    """The fixed-point map on (δ_1..δ_L) and the descent that returns (T, U, coefficients)."""
    L = gammas.size - 1

    def descend(delta):
        coefs = [None] * (L + 1)
        shifts_lv = [None] * (L + 1)
        cur = np.broadcast_to(c, s.shape + (L + 1,)).astype(complex)
        cur_s = s.astype(complex)
        coefs[L], shifts_lv[L] = cur, cur_s
        for ell in range(L, 0, -1):
            top = cur[..., ell] / (1 + delta[..., ell - 1])
            nxt = cur[..., :ell].copy()
            nxt[..., ell - 1] += top * slopes[ell - 1]
            cur_s = cur_s + top * shifts[ell - 1]
            cur = nxt
            coefs[ell - 1], shifts_lv[ell - 1] = cur, cur_s
        c0, s0 = cur[..., 0], cur_s
        T = _mp_m(-s0 / c0, gammas[0]) / c0
        U = np.empty(s.shape + (L + 1,), dtype=complex)
        U[..., 0] = (1 - s0 * T) / c0
        for ell in range(1, L + 1):
            cl = coefs[ell]
            U[..., ell] = (
                1 - np.sum(cl[..., :ell] * U[..., :ell], axis=-1) - shifts_lv[ell] * T
            ) / cl[..., ell]
        return T, U, coefs

    def F(delta):
        T, U, coefs = descend(delta)
        new = np.empty_like(delta)
        for ell in range(1, L + 1):
            new[..., ell - 1] = (
                gammas[ell]
                * coefs[ell][..., ell]
                * (shifts[ell - 1] * T + slopes[ell - 1] * U[..., ell - 1])
            )
        return new

    def on_branch(delta):
        # The Stieltjes branch keeps every reduced matrix Σ c'_j K_j + s' I with Im c'_j <= 0
        # and Im s' <= 0 (for Im z > 0), so that it stays invertible with a resolvent of the
        # right sign; spurious roots of the same equations violate this at some level.
        cur = np.broadcast_to(c, s.shape + (L + 1,)).astype(complex)
        cur_s = s.astype(complex)
        ok = np.ones(s.shape, dtype=bool)
        for ell in range(L, 0, -1):
            top = cur[..., ell] / (1 + delta[..., ell - 1])
            cur = cur[..., :ell].copy()
            cur[..., ell - 1] += top * slopes[ell - 1]
            cur_s = cur_s + top * shifts[ell - 1]
            slack = 1e-9 * (np.abs(cur_s) + np.max(np.abs(cur), axis=-1))
            ok &= np.all(cur.imag <= slack[..., None], axis=-1) & (cur_s.imag <= slack)
        return ok

    return F, descend, on_branch


def _ntk_setup(gammas, activation):
    g = _check_gammas(gammas)
    act = normalised_activation(activation)
    w = ntk_weights(g.size - 1, activation)
    shifts, slopes = _layer_maps(g, act.b)
    return g, act, w, shifts, slopes


def _ntk_bounds(g, w, shifts, slopes):
    # Σ_ℓ q_ℓ K_ℓ ⪰ 0 and ‖K_ℓ‖ ≤ U_ℓ, so the support lies in [r_+, r_+ + Σ q_ℓ U_ℓ].
    upper = w.shift + sum(
        w.q[ell] * _upper_bound(g[: ell + 1], shifts[:ell], slopes[:ell]) for ell in range(g.size)
    )
    return w.shift, upper


def _ntk_solve(z, g, b, w, shifts, slopes, tol):
    if b * b < 1e-14:
        # b = 0: K^NTK = K_L + r_+ I exactly in the limit, with K_L ~ MP_{γ_L}.
        return _mp_m(z - w.shift, g[-1])
    return _nested_trace(w.shift - z, w.q, g, shifts, slopes, tol)[0]


def ntk_stieltjes(z, gammas, activation="relu", *, tol=1e-12):
    """Limiting Stieltjes transform :math:`\\frac1n\\operatorname{tr}(K^{\\rm NTK}-zI)^{-1}` of the deep NTK.

    Parameters
    ----------
    z : complex or array_like
        ``Im z != 0``, or real outside a rigorous enclosure ``[r_+, U]`` of the support.
    gammas : sequence of float > 0, length L + 1
        As in :func:`ck_stieltjes`.
    activation : str or callable
        Normalised internally; needs a square-integrable derivative (not ``"sign"``).

    Returns
    -------
    complex or ndarray of complex

    Notes
    -----
    Nested-trace algorithm on the linear equivalent of :func:`ntk_weights`: for
    :math:`M=\\sum_{j\\le\\ell}c_jK_j+sI`, replace :math:`c_\\ell K_\\ell` by
    :math:`c_\\ell\\Phi_\\ell/(1+\\delta_\\ell)` with :math:`\\Phi_\\ell=(1-b^2)I+b^2K_{\\ell-1}` and

    .. math:: \\delta_\\ell=\\gamma_\\ell c_\\ell\\big[(1-b^2)T+b^2U_{\\ell-1}\\big],\\quad
              T=\\tfrac1n\\operatorname{tr}M'^{-1},\\ U_j=\\tfrac1n\\operatorname{tr}K_jM'^{-1},

    computed recursively on the reduced :math:`M'`; at level 0 they are MP integrals and the top
    trace follows from :math:`\\sum_jc_jU_j+sT=1`. Then :math:`m_{\\rm NTK}(z)=T` for
    :math:`c=(b^{2L},\\dots,b^2,1)` and :math:`s=r_+-z`; the L unknowns δ are solved jointly.

    References
    ----------
    Fan & Wang, NeurIPS 2020, Thm. 3.7 (statement reconstructed; verified here by simulation).

    Examples
    --------
    >>> round(ntk_stieltjes(-1.0, [0.5, 0.5]).real, 6)
    0.323262
    """
    tol = V.tolerance("tol", tol)
    g, act, w, shifts, slopes = _ntk_setup(gammas, activation)
    lo, hi = _ntk_bounds(g, w, shifts, slopes)
    zz, flip = _prepare_z(z, lo, hi)
    T = _ntk_solve(np.asarray(zz), g, act.b, w, shifts, slopes, tol)
    return _finish(np.asarray(T), flip)


def ntk_traces(z, gammas, activation="relu", *, tol=1e-12):
    """Layer traces :math:`U_j(z)=\\frac1n\\operatorname{tr}K_j(K^{\\rm NTK}-zI)^{-1}`, j = 0..L.

    These are the "beyond eigenvalues" functionals needed for structured labels: for
    :math:`y=X_0^\\top\\beta_*+\\varepsilon` with :math:`\\|\\beta_*\\|^2=d_0\\,\\mathrm{snr}` and noise
    variance :math:`\\sigma^2`, :math:`\\frac1ny^\\top(K-zI)^{-1}y\\to\\mathrm{snr}\\,U_0(z)+\\sigma^2m(z)`.

    Returns
    -------
    ndarray of complex, shape ``np.shape(z) + (L+1,)``

    Examples
    --------
    >>> U = ntk_traces(-1.0, [0.5, 0.5])
    >>> w, m = ntk_weights(1), ntk_stieltjes(-1.0, [0.5, 0.5])
    >>> round(float((w.q @ U + (w.shift + 1.0) * m).real), 12)   # Σ q_j U_j + (r_+ - z) m = 1
    1.0
    >>> round(float(U[0].real), 3)   # simulation (tests/test_deep.py): 0.264 ± 0.003 at n = 400
    0.264
    """
    tol = V.tolerance("tol", tol)
    g, act, w, shifts, slopes = _ntk_setup(gammas, activation)
    lo, hi = _ntk_bounds(g, w, shifts, slopes)
    zz, flip = _prepare_z(z, lo, hi)
    if act.b**2 < 1e-14:
        raise ValueError(
            "b_σ = 0: the layers decouple and U_j (j < L) is the trace of a "
            "matrix independent of K^NTK; this case is not implemented"
        )
    _, U = _nested_trace(w.shift - np.asarray(zz), w.q, g, shifts, slopes, tol)
    return np.where(flip[..., None], np.conj(U), U)


def ntk_density(x, gammas, activation="relu", *, eta=1e-6, tol=1e-12):
    """Density of the limiting deep-NTK spectrum by Stieltjes inversion at ``x + iη``.

    Solved by continuation from x + i down to x + iη (see :func:`ck_density`).

    Examples
    --------
    >>> round(float(ntk_density(2.5, [0.5, 0.5])), 4)
    0.2366
    """
    tol = V.tolerance("tol", tol)
    g, act, w, shifts, slopes = _ntk_setup(gammas, activation)
    eta = V.positive_scalar("eta", eta)
    x = V.finite_real("x", x)
    T = _ntk_solve(np.atleast_1d(x) + 1j * eta, g, act.b, w, shifts, slopes, tol)
    out = np.maximum(np.asarray(T).imag / np.pi, 0.0)
    return float(out[0]) if x.ndim == 0 else out


def ntk_edges(gammas, activation="relu", *, resolution=1e-5):
    """Left and right edges of the limiting NTK support (for step sizes ``η < 2/λ_max``).

    Parameters
    ----------
    gammas, activation : as in :func:`ntk_stieltjes`.
    resolution : float > 0
        Width of the final bracket of each edge; at least ``1e-9`` times the mean eigenvalue
        (the inside/outside test itself is not sharper than that).

    Notes
    -----
    A point is inside the support when :math:`\\Im m(x+i\\eta)>10^{-4}` at :math:`\\eta=10^{-8}`
    (outside the support :math:`\\Im m=O(\\eta/\\sqrt{\\mathrm{dist}})`, inside it is
    :math:`\\pi\\rho(x)\\gtrsim\\sqrt{\\mathrm{dist}}`). The mean eigenvalue
    :math:`\\sum_{k\\le L}a^k` lies inside a support in one piece, so each edge is bracketed
    between the mean and the rigorous enclosure ``[r_+, r_+ + Σ q_ℓ U_ℓ]`` and bisected
    (the enclosure can be far wider than the support: a grid over it can miss the support
    entirely). Assumes a support in one piece (true for the activations and ratios of the
    book; a gap would be reported as part of the support).

    Examples
    --------
    >>> [round(v, 3) for v in ntk_edges([0.5, 0.5])]
    [0.968, 6.283]
    """
    g, act, w, shifts, slopes = _ntk_setup(gammas, activation)
    lo, hi = _ntk_bounds(g, w, shifts, slopes)
    mean = w.trace
    resolution = V.scalar("resolution", resolution)
    if not resolution >= 1e-9 * mean:
        raise ValueError(
            f"resolution must lie in [{1e-9 * mean:.3g}, inf) (1e-9 times the mean "
            f"eigenvalue {mean:.4g}); got {resolution!r}"
        )

    return _support_edges(
        lambda z: _ntk_solve(z, g, act.b, w, shifts, slopes, 1e-10), lo, hi, mean, resolution
    )


def _support_edges(m, lo, hi, mean, resolution):
    """Edges of a support in one piece containing ``mean``, inside the enclosure [lo, hi]."""

    def inside(x):
        return np.asarray(m(np.atleast_1d(x) + 1e-8j)).imag > 1e-4

    if not inside(mean)[0]:
        raise ConvergenceError(
            f"the mean eigenvalue {mean:.6g} is not inside the support "
            "(a support in several pieces is not supported)"
        )
    # Both brackets [outside, inside] are bisected together (one vectorised solve per round).
    out_pt = np.array([lo, hi], dtype=float)
    in_pt = np.array([mean, mean], dtype=float)
    for _ in range(200):
        if np.max(np.abs(in_pt - out_pt)) <= resolution:
            break
        mid = 0.5 * (out_pt + in_pt)
        ins = inside(mid)
        in_pt = np.where(ins, mid, in_pt)
        out_pt = np.where(ins, out_pt, mid)
    edges = 0.5 * (out_pt + in_pt)
    return float(edges[0]), float(edges[1])


def _edge_contour_moments(m, left, right, k_max):
    """Moments 1..k_max of the law with Stieltjes transform ``m`` supported in [left, right].

    Trapezoid rule on the Bernstein ellipse ``z = c + h (ρu + 1/(ρu))/2``, ``|u| = 1``, with
    foci at the support edges and ρ = 1.3: it passes 3.5 % of the half-width outside the
    edges, so the rounding of ``z^k`` is amplified by at most ``(1 + 0.035 h/right)^k``, and
    with ``2 (k_max + 200)`` nodes the aliasing error ``ρ^{k - N/2}`` is below 1e-16.
    """
    c, h, rho = (left + right) / 2, (right - left) / 2, 1.3
    half = k_max + 200
    theta = np.pi * (np.arange(half) + 0.5) / half
    u = np.exp(1j * theta)
    z = c + h * (rho * u + 1 / (rho * u)) / 2
    dz = 1j * h * (rho * u - 1 / (rho * u)) / 2
    mz = np.asarray(m(z))
    ks = np.arange(1, k_max + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.exp(ks[:, None] * np.log(z)[None, :]) * (mz * dz)[None, :]
    # m(z̄) = conj m(z): the lower half of the ellipse mirrors the upper one.
    return -np.sum(g.imag, axis=1) / half


def ntk_moments(k_max, gammas, activation="relu", *, nodes=None):
    """Moments :math:`\\int x^k\\mu_{\\rm NTK}(dx)`, k = 1..k_max, by a contour integral of m.

    Parameters
    ----------
    k_max : int in [1, 400]
    gammas, activation : as in :func:`ntk_stieltjes`.
    nodes : None
        Deprecated and ignored (the number of nodes now follows ``k_max``).

    Notes
    -----
    :math:`\\int x^k d\\mu=-\\frac1{2\\pi i}\\oint z^km(z)dz` on the Bernstein ellipse whose foci
    are the support edges (:func:`ntk_edges`), with ``2 (k_max + 200)`` trapezoid nodes: the
    contour hugs the support, so the rounding of :math:`z^k` is not amplified by a loose
    enclosure (a wide contour loses all digits by k ≈ 100), and the node count keeps the
    aliasing error below 1e-16 at every order. Checked at high order against the closed-form
    CK moments through the same contour (``tests/test_deep.py``). The first moment is
    :math:`\\sum_{k=0}^La^k` (the normalised trace).

    Raises
    ------
    ValueError
        If ``k_max`` exceeds 400, or a moment exceeds the float64 range.

    Examples
    --------
    >>> [round(float(v), 6) for v in ntk_moments(2, [0.5, 0.5])]
    [2.466942, 7.661764]
    """
    k_max = _check_moment_order(k_max)
    g, act, w, shifts, slopes = _ntk_setup(gammas, activation)
    left, right = ntk_edges(g, activation)
    if nodes is not None:
        warnings.warn(
            "ntk_moments(nodes=...) is ignored: the node count follows k_max",
            DeprecationWarning,
            stacklevel=2,
        )
    mom = _edge_contour_moments(
        lambda z: _ntk_solve(z, g, act.b, w, shifts, slopes, 1e-13), left, right, k_max
    )
    return _finite_moments(mom, "NTK")


def finite_width_density(x, kernel_eigs, gamma, *, eta=1e-6, tol=1e-12):
    """Density of :math:`\\mathrm{MP}_\\gamma\\boxtimes\\nu`: a width-d layer on top of a kernel with eigenvalues ν.

    A layer of finite width ``d`` (``γ = n/d``) turns its expected kernel Φ into
    :math:`\\frac1d\\sum_{i\\le d}s_is_i^\\top` with :math:`s_i\\sim N(0,\\Phi)`; its spectrum solves
    Silverstein's equation :math:`m(z)=\\int\\nu(dt)/(t(1-\\gamma-\\gamma zm)-z)` with ν the
    empirical law of ``kernel_eigs``.

    Examples
    --------
    >>> from rmtlib.mp import mp_density
    >>> bool(np.isclose(finite_width_density(1.0, np.ones(5), 0.5), mp_density(1.0, 0.5)))
    True
    """
    tol = V.tolerance("tol", tol)
    lam = np.ravel(V.nonnegative("kernel_eigs", kernel_eigs))
    g = V.positive_scalar("gamma", gamma)
    x = V.finite_real("x", x)
    xs = np.atleast_1d(x).astype(float)
    state = None
    for e in [e for e in (1e-1, 1e-2, 1e-3, 1e-4) if e > eta] + [eta]:
        z = xs + 1j * e

        def F(m, z=z):
            w = 1 - g - g * z * m
            return np.mean(1.0 / (lam[None, :] * w[:, None] - z[:, None]), axis=1)

        state = solve_fixed_point(
            F,
            -1.0 / z if state is None else state,
            tol=tol if e == eta else 1e-8,
            max_iter=5000,
            memory=6,
            valid=lambda m: m.imag >= -1e-14,
            name="finite-width Silverstein equation",
        ).x
    out = np.maximum(state.imag / np.pi, 0.0)
    return float(out[0]) if x.ndim == 0 else out


# ----------------------------------------------------------------------------------------------
# Simulators
# ----------------------------------------------------------------------------------------------
class DeepSample(NamedTuple):
    """One draw of a deep random network on data ``X0``.

    Attributes
    ----------
    ck : tuple of ndarray
        The Gram matrices ``K_ℓ = X_ℓᵀ X_ℓ``, ℓ = 0..L (``n × n``).
    ntk : ndarray or None
        The gradient Gram of ``f(x) = vᵀ x_L`` over ``v, W_L, …, W_1`` (Rademacher ``v``).
    """

    ck: tuple
    ntk: object


def simulate_deep_network(
    X0, widths, activation="relu", *, rng, ntk=True, normalise=True, taus=None
):
    """Draw one deep random network on data ``X0`` and return its CK and NTK Gram matrices.

    Parameters
    ----------
    X0 : ndarray, shape (d0, n)
        Input data as columns (unit-norm columns for the Fan–Wang setting; see
        :func:`rmtlib.sphere_data`).
    widths : sequence of int >= 1
        Hidden widths ``(d_1, …, d_L)`` (empty for L = 0).
    activation : str, callable, or sequence of them (one per layer)
    rng : Generator or int
    ntk : bool
        Also build the NTK Gram (needs the derivative of each activation).
    normalise : bool
        True: Fan–Wang (each σ centred, unit variance under N(0, 1)). False: Gu et al.'s setting,
        each σ_ℓ only centred at its input scale, ``σ_ℓ(t) - E σ_ℓ(τ_{ℓ-1} ξ)``, with ``taus``
        the column norms ``τ_ℓ`` (from :func:`gmm_ck_scalars`).

    Returns
    -------
    DeepSample

    Notes
    -----
    :math:`X_\\ell=\\sigma(W_\\ell X_{\\ell-1})/\\sqrt{d_\\ell}`, :math:`W_\\ell` i.i.d. N(0, 1).
    NTK blocks: :math:`(X_{\\ell-1}^\\top X_{\\ell-1})\\odot(G_\\ell^\\top G_\\ell)` with
    :math:`G_L=v\\odot\\sigma'(H_L)/\\sqrt{d_L}`,
    :math:`G_\\ell=\\sigma'(H_\\ell)\\odot(W_{\\ell+1}^\\top G_{\\ell+1})/\\sqrt{d_\\ell}`.
    Rademacher v removes the common-mode fluctuation of ``Σ v_i²``; for L >= 2 an
    O(d^{-1/2}) common mode remains, so average spectra over a few seeds.

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> s = simulate_deep_network(sphere_data(40, 20, rng=0), [60], rng=1)
    >>> round(float(np.trace(s.ntk) / 20), 2)      # 1 + a_σ = 2.47 (exact for Rademacher v at L = 1)
    2.47
    """
    X0 = V.matrix("X0", X0)
    widths = [
        V.integer("width", int(d) if isinstance(d, np.integer) else d, minimum=1) for d in widths
    ]
    L = len(widths)
    acts = list(activation) if isinstance(activation, (list, tuple)) else [activation] * L
    if len(acts) != L:
        raise ValueError(f"activation: got {len(acts)} activations for {L} layers")
    gen = V.rng(rng)
    fns, derivs = [], []
    for ell, a in enumerate(acts):
        if normalise:
            na = normalised_activation(a)
            fns.append(na.fn)
            derivs.append(na.derivative)
        else:
            if taus is None:
                raise ValueError("normalise=False needs taus (the column norms τ_ℓ)")
            raw = get_activation(a)
            mu = gaussian_expectation(raw, float(taus[ell]) ** 2)
            fns.append(lambda t, raw=raw, mu=mu: raw(t) - mu)
            derivs.append(None)
    if ntk and any(d is None for d in derivs):
        raise ValueError(
            "ntk=True needs activations with a square-integrable derivative and normalise=True"
        )
    Xs, Hs, Ws = [X0], [], []
    for d, fn in zip(widths, fns):
        W = gen.standard_normal((d, Xs[-1].shape[0]))
        H = W @ Xs[-1]
        Ws.append(W)
        Hs.append(H)
        Xs.append(fn(H) / np.sqrt(d))
    ck = tuple(X.T @ X for X in Xs)
    if not ntk:
        return DeepSample(ck, None)
    K = ck[-1].copy()
    if L:
        v = gen.choice([-1.0, 1.0], size=widths[-1])
        G = v[:, None] * derivs[-1](Hs[-1]) / np.sqrt(widths[-1])
        for ell in range(L, 0, -1):  # layer ℓ uses G_ℓ and X_{ℓ-1}
            K += ck[ell - 1] * (G.T @ G)
            if ell > 1:
                G = derivs[ell - 2](Hs[ell - 2]) * (Ws[ell - 1].T @ G) / np.sqrt(widths[ell - 2])
    return DeepSample(ck, K)


def sample_deep_spectrum(n, gammas, activation="relu", *, kernel="ck", seeds=1, rng):
    """Eigenvalues of simulated deep CK or NTK Gram matrices, one row per seed.

    The simulation counterpart of :func:`ck_stieltjes` / :func:`ntk_stieltjes` with the same
    arguments: sphere inputs with ``d_0 = round(n/γ_0)``, widths ``d_ℓ = round(n/γ_ℓ)``, a fresh
    draw of data and weights per seed (the NTK's common-mode fluctuation at L >= 2 averages out
    over seeds).

    Parameters
    ----------
    n : int
    gammas : sequence of float > 0, length L + 1
    activation : str or callable
    kernel : {"ck", "ntk"}
    seeds : int >= 1
    rng : Generator or int

    Returns
    -------
    ndarray, shape (seeds, n)

    Examples
    --------
    >>> ev = sample_deep_spectrum(200, [0.5, 0.5], kernel="ntk", seeds=2, rng=0)
    >>> ev.shape, round(float(ev.mean()), 2)       # mean → 1 + a_σ = 2.47
    ((2, 200), 2.48)
    """
    n = V.size("n", n, minimum=2)
    g = _check_gammas(gammas)
    seeds = V.size("seeds", seeds)
    kernel = V.choice("kernel", kernel, ("ck", "ntk"))
    gen = V.rng(rng)
    dims = [max(1, round(n / gi)) for gi in g]
    V.check_allocation(
        [(seeds, n)] + [(n, n)] * (len(dims) + 3) + [(d, n) for d in dims] * 3,
        "the data, hidden layers and Gram matrices",
        "n, gammas, seeds",
    )
    out = np.empty((seeds, n))
    for k in range(seeds):
        Z = gen.standard_normal((dims[0], n))
        X0 = Z / np.linalg.norm(Z, axis=0)
        s = simulate_deep_network(X0, dims[1:], activation, rng=gen, ntk=kernel == "ntk")
        out[k] = np.linalg.eigvalsh(s.ntk if kernel == "ntk" else s.ck[-1])
    return out


# ----------------------------------------------------------------------------------------------
# Structured data, non-normalised activations: Gu et al.'s scalars
# ----------------------------------------------------------------------------------------------
class LayerScalars(NamedTuple):
    """Per-layer scalars ``(τ_ℓ, α_{ℓ,1..4})``, ℓ = 0..L, of Gu et al. (arrays of length L+1)."""

    tau: np.ndarray
    alpha1: np.ndarray
    alpha2: np.ndarray
    alpha3: np.ndarray
    alpha4: np.ndarray


def _centred_moments(act, tau):
    """(E σ, Var σ, E σ', E σ'', E[(σ-Eσ)²(ξ²-1)]) at input N(0, τ²), by Stein's lemma."""
    f = get_activation(act)
    kinks = f.kinks

    def E(g):
        return gaussian_expectation(Activation("g", g, tuple(k / tau for k in kinks)), 1.0)

    mean = E(lambda x: f(tau * x))
    var = E(lambda x: (f(tau * x) - mean) ** 2)
    d1 = E(lambda x: x * f(tau * x)) / tau
    d2 = E(lambda x: (x * x - 1) * f(tau * x)) / tau**2
    c4 = E(lambda x: (f(tau * x) - mean) ** 2 * (x * x - 1))
    return mean, var, d1, d2, c4


def gmm_ck_scalars(activations, tau0=1.0):
    """Per-layer scalars ``(τ_ℓ, α_{ℓ,1..4})`` of the deep CK on Gaussian-mixture data.

    Parameters
    ----------
    activations : sequence of str/callable
        One (non-normalised) activation per layer; each is centred at its input scale.
    tau0 : float > 0
        Input scale, :math:`\\tau_0^2=\\operatorname{tr}C^\\circ/p` (1 for unit-norm data).

    Returns
    -------
    LayerScalars

    Notes
    -----
    From :math:`(\\tau_0,1,0,0,1)`, with expectations at input :math:`\\tau_{\\ell-1}\\xi`:

    .. math::
        \\alpha_{\\ell,1}=(E\\sigma')^2\\alpha_{\\ell-1,1},\\quad
        \\alpha_{\\ell,2}=(E\\sigma')^2\\alpha_{\\ell-1,2}+\\tfrac14(E\\sigma'')^2\\alpha_{\\ell-1,4}^2,\\quad
        \\alpha_{\\ell,3}=(E\\sigma')^2\\alpha_{\\ell-1,3}+\\tfrac12(E\\sigma'')^2\\alpha_{\\ell-1,1}^2,

    :math:`\\alpha_{\\ell,4}=\\tfrac12\\tau_{\\ell-1}^{-2}E[(\\sigma-E\\sigma)^2(\\xi^2-1)]\\alpha_{\\ell-1,4}`,
    :math:`\\tau_\\ell^2=\\operatorname{Var}\\sigma(\\tau_{\\ell-1}\\xi)`. The derivatives come from
    Stein's lemma (:math:`E\\sigma'(\\tau\\xi)=E[\\xi\\sigma(\\tau\\xi)]/\\tau`,
    :math:`E\\sigma''(\\tau\\xi)=E[(\\xi^2-1)\\sigma(\\tau\\xi)]/\\tau^2`), so jumps are fine.

    References
    ----------
    Gu et al., NeurIPS 2022, Thm. 1 (recursion as in their released code ``tilde_CK.py``).

    Examples
    --------
    >>> s = gmm_ck_scalars(["relu"])
    >>> round(float(s.tau[1] ** 2), 6), round(float(s.alpha1[1]), 6)
    (0.340845, 0.25)
    """
    acts = [activations] if isinstance(activations, str) else list(activations)
    tau = [V.positive_scalar("tau0", tau0)]
    a1, a2, a3, a4 = [1.0], [0.0], [0.0], [1.0]
    for act in acts:
        _, var, d1, d2, c4 = _centred_moments(act, tau[-1])
        a1.append(d1**2 * a1[-1])
        a2.append(d1**2 * a2[-1] + 0.25 * d2**2 * a4[-1] ** 2)
        a3.append(d1**2 * a3[-1] + 0.5 * d2**2 * a1[-2] ** 2)
        a4.append(0.5 * c4 / tau[-1] ** 2 * a4[-1])
        if var <= 0:
            raise ValueError(f"activation {act!r} is constant at scale {tau[-1]:.3g}")
        tau.append(float(np.sqrt(var)))
    return LayerScalars(*(np.array(v) for v in (tau, a1, a2, a3, a4)))


def gmm_ck_equivalent(X, labels, covariances, scalars):
    """The Gu et al. equivalent :math:`\\tilde K` of the infinite-width deep CK on GMM data.

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Data ``x_i = μ_a/√p + ω_i`` with ``ω_i ~ N(0, C_a/p)``.
    labels : int array, shape (n,)
    covariances : ndarray, shape (K, p)
        Diagonals of the class covariances ``C_a``.
    scalars : LayerScalars
        From :func:`gmm_ck_scalars` with ``tau0² = tr C°/p``.

    Returns
    -------
    ndarray, shape (n, n)

    Notes
    -----
    :math:`\\tilde K=\\alpha_{L,1}X^\\top X+VAV^\\top+(\\tau_L^2-\\alpha_{L,1}\\tau_0^2)I` with
    :math:`V=[J/\\sqrt p,\\psi]`,
    :math:`A=\\begin{bmatrix}\\alpha_{L,2}tt^\\top+\\alpha_{L,3}S&\\alpha_{L,2}t\\\\\\alpha_{L,2}t^\\top&\\alpha_{L,2}\\end{bmatrix}`,
    :math:`t_a=\\sqrt p(\\operatorname{tr}C_a/p-\\tau_0^2)`, :math:`S_{ab}=\\operatorname{tr}C_aC_b/p`,
    :math:`\\psi_i=\\|\\omega_i\\|^2-\\operatorname{tr}C_a/p`. The identity coefficient is
    :math:`\\tau_L^2-\\alpha_{L,1}\\tau_0^2` (the released code subtracts an extra
    :math:`\\alpha_{L,3}\\tau_0^4`, which misplaces the bulk; see the book plan §1.4).

    Examples
    --------
    >>> from rmtlib.sim import gaussian_mixture
    >>> p, n = 200, 100
    >>> X, lab = gaussian_mixture(p, n, np.zeros((2, p)), rng=0)
    >>> Kt = gmm_ck_equivalent(X / np.sqrt(p), lab, np.ones((2, p)), gmm_ck_scalars(["relu"]))
    >>> round(float(np.trace(Kt) / n), 2)
    0.34
    """
    X = V.matrix("X", X)
    p, n = X.shape
    labels = np.asarray(labels, dtype=int)
    C = V.nonnegative("covariances", covariances)
    k = C.shape[0]
    J = np.zeros((n, k))
    J[np.arange(n), labels] = 1.0
    trC = C.sum(axis=1) / p
    tau0sq = float(np.dot(np.bincount(labels, minlength=k) / n, trC))
    t = np.sqrt(p) * (trC - tau0sq)
    S = (C @ C.T) / p
    means = np.array(
        [X[:, labels == a].mean(axis=1) if np.any(labels == a) else np.zeros(p) for a in range(k)]
    )
    omega = X - means[labels].T
    psi = np.sum(omega**2, axis=0) - trC[labels]
    Vm = np.hstack([J / np.sqrt(p), psi[:, None]])
    L = scalars.tau.size - 1
    a1, a2, a3 = scalars.alpha1[L], scalars.alpha2[L], scalars.alpha3[L]
    A = np.zeros((k + 1, k + 1))
    A[:k, :k] = a2 * np.outer(t, t) + a3 * S
    A[:k, k] = A[k, :k] = a2 * t
    A[k, k] = a2
    identity = scalars.tau[L] ** 2 - a1 * scalars.tau[0] ** 2
    return a1 * (X.T @ X) + Vm @ A @ Vm.T + identity * np.eye(n)


def ternary_activation(s1, s2, low=1.0, high=1.0):
    """The ternary activation :math:`\\sigma(t)=\\mathrm{high}\\,\\mathbf 1_{t>s_2}-\\mathrm{low}\\,\\mathbf 1_{t<s_1}`.

    Values in ``{-low, 0, high}``; kinks declared at ``s1``, ``s2`` for the quadrature.

    Examples
    --------
    >>> f = ternary_activation(-1.0, 0.5)
    >>> f(np.array([-2.0, 0.0, 1.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    s1, s2 = float(s1), float(s2)
    low, high = V.nonnegative_scalar("low", low), V.nonnegative_scalar("high", high)
    if not s1 <= s2:
        raise ValueError(f"ternary thresholds need s1 <= s2; got s1 = {s1}, s2 = {s2}")
    return Activation(
        f"ternary({s1:.3g},{s2:.3g})",
        lambda t: (
            high * (np.asarray(t) > s2).astype(float) - low * (np.asarray(t) < s1).astype(float)
        ),
        (s1, s2),
    )


def _dens(u):
    return np.exp(-u * u / 2) / _SQRT2PI


def match_ternary(activation="relu"):
    """Symmetric ternary activation :math:`\\mathbf 1_{t>s}-\\mathbf 1_{t<-s}` with the same ``b_σ``.

    In the Fan–Wang setting (i.i.d. unit-norm data, normalised activations) the deep-CK limit
    law depends on the activation only through ``b_σ``, so the two networks have the same CK
    spectrum at every depth and width: the "lossless compression" rule in its simplest form.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If ``b_σ`` lies outside the range ``[√(2/π), 0.9018]`` reachable by symmetric ternary
        activations.

    Notes
    -----
    For the normalised symmetric ternary, :math:`b(s)=2\\varphi(s)/\\sqrt{2\\bar\\Phi(s)}`, which
    rises from :math:`\\sqrt{2/\\pi}` at s = 0 to its maximum 0.9018 at s ≈ 0.612; the smaller
    root of :math:`b(s)=b_\\sigma` is returned.

    References
    ----------
    Gu et al., NeurIPS 2022 (ternary activations with matched scalars).

    Examples
    --------
    >>> f = match_ternary("relu")
    >>> round(normalised_activation(f).b, 6) == round(normalised_activation("relu").b, 6)
    True
    """
    target = normalised_activation(activation).b

    def b_of(s):
        return 2 * _dens(s) / np.sqrt(2 * special.ndtr(-s))

    peak = optimize.minimize_scalar(lambda s: -b_of(s), bounds=(0, 2), method="bounded").x
    if not b_of(0.0) <= target <= b_of(peak):
        raise ValueError(
            f"b_σ = {target:.4f} of {activation!r} is outside the range "
            f"[{b_of(0.0):.4f}, {b_of(peak):.4f}] of symmetric ternary activations"
        )
    s = optimize.brentq(lambda u: b_of(u) - target, 0.0, peak, xtol=1e-14)
    return ternary_activation(-s, s)


def match_ternary_gmm(activation="relu", tau=1.0):
    """Ternary activation with the same ``E σ'`` and ``E σ''`` as ``activation`` at scale τ.

    It has the same ``α_{1,1}, α_{1,2}, α_{1,3}`` (the scalars that carry the GMM structure of a
    one-layer CK), hence the same equivalent :math:`\\tilde K` up to the identity shift
    :math:`\\Delta=\\tau_{1,T}^2-\\tau_{1,\\sigma}^2`, returned with it. (No ternary function
    also matches the variance of ReLU: ReLU has almost all its Gaussian energy in its first two
    Hermite coefficients, a three-level function cannot.)

    Returns
    -------
    activation : Activation
        :math:`c_2\\mathbf 1_{t>s}-c_1\\mathbf 1_{t<-s}`, with s chosen to minimise the variance.
    shift : float
        :math:`\\Delta\\ge0`, so that :math:`\\tilde K_T\\simeq\\tilde K_\\sigma+\\Delta I`.

    Notes
    -----
    With :math:`u=s/\\tau`: :math:`E\\sigma'=(c_1+c_2)\\varphi(u)/\\tau` and
    :math:`E\\sigma''=(c_2-c_1)u\\varphi(u)/\\tau^2` fix :math:`c_1, c_2` linearly for each u.

    Examples
    --------
    >>> f, shift = match_ternary_gmm("relu")
    >>> s, r = gmm_ck_scalars([f]), gmm_ck_scalars(["relu"])
    >>> bool(np.allclose([s.alpha1[1], s.alpha2[1], s.alpha3[1]], [r.alpha1[1], r.alpha2[1], r.alpha3[1]]))
    True
    >>> round(shift, 4)
    0.1441
    """
    tau = V.positive_scalar("tau", tau)
    _, var, d1, d2, _ = _centred_moments(activation, tau)

    def levels(u):
        total = d1 * tau / _dens(u)
        diff = d2 * tau**2 / (u * _dens(u))
        return (total - diff) / 2, (total + diff) / 2

    def variance(u):
        c1, c2 = levels(u)
        P = special.ndtr(-u)
        return c1 * c1 * P + c2 * c2 * P - (c2 - c1) ** 2 * P * P

    def feasible_var(u):
        c1, c2 = levels(u)
        return variance(u) if min(c1, c2) >= 0 else np.inf

    u = optimize.minimize_scalar(
        feasible_var, bounds=(1e-3, 4.0), method="bounded", options={"xatol": 1e-12}
    ).x
    c1, c2 = levels(u)
    if min(c1, c2) < 0:
        raise ValueError(f"no ternary activation matches E σ', E σ'' of {activation!r}")
    return ternary_activation(-u * tau, u * tau, c1, c2), float(variance(u) - var)


# ----------------------------------------------------------------------------------------------
# Deep equilibrium (implicit) networks
# ----------------------------------------------------------------------------------------------
class DEQCoefficients(NamedTuple):
    """Implicit CK of :math:`h=\\sigma(Ah+Bx)`: :math:`K^*\\simeq\\alpha X^\\top X+(q-\\alpha)I+\\text{low rank}`.

    Attributes
    ----------
    q : float
        Diagonal ``q* = E σ(sξ)²``.
    alpha : float
        Linear coefficient ``α* = σ_b² β² / (1 - σ_a² β²)``.
    beta : float
        ``β = E σ'(sξ)``.
    s2 : float
        Pre-activation variance ``s² = σ_a² q* + σ_b²``.
    """

    q: float
    alpha: float
    beta: float
    s2: float


def deq_ck_coefficients(activation="tanh", sigma_a2=0.2, sigma_b2=1.0):
    """Fixed point of the implicit (DEQ) conjugate kernel and its linear coefficient.

    Parameters
    ----------
    activation : str or callable
        Used as is (not normalised); should be odd (centred) so that no mean term appears.
    sigma_a2 : float in [0, 1)
        Variance scale of the recurrent weights, :math:`A_{ij}\\sim N(0,\\sigma_a^2/d)`.
    sigma_b2 : float > 0
        Variance of the input weights, :math:`B_{ij}\\sim N(0,\\sigma_b^2)` (unit-norm inputs).

    Returns
    -------
    DEQCoefficients

    Notes
    -----
    :math:`q^*=E\\sigma(s\\xi)^2` with :math:`s^2=\\sigma_a^2q^*+\\sigma_b^2`, solved by the
    vectorised fixed-point solver; linearising :math:`K^*_{ij}=E\\sigma(u)\\sigma(v)` with
    :math:`\\operatorname{Cov}(u,v)=\\sigma_a^2K^*_{ij}+\\sigma_b^2x_i^\\top x_j` gives
    :math:`\\alpha^*=\\sigma_b^2\\beta^2/(1-\\sigma_a^2\\beta^2)`, :math:`\\beta=E\\sigma'(s\\xi)`.

    References
    ----------
    Ling et al., ICML 2024 (the DEQ/explicit equivalence; simplified to i.i.d. data here).

    Examples
    --------
    >>> c = deq_ck_coefficients("tanh", 0.2, 1.0)
    >>> round(c.q, 6), round(c.alpha, 6)
    (0.408603, 0.376055)
    """
    sa = float(V.in_range("sigma_a2", V.scalar("sigma_a2", sigma_a2), 0.0, 1.0, high_open=True))
    sb = V.positive_scalar("sigma_b2", sigma_b2)
    act = get_activation(activation)

    def second(s2):
        return gaussian_expectation(Activation("sq", lambda t: act(t) ** 2, act.kinks), s2)

    res = solve_fixed_point(
        lambda q: np.array([second(sa * float(q[0]) + sb)]),
        np.array([1.0]),
        tol=1e-12,
        max_iter=500,
        name="DEQ diagonal q*",
    )
    q = float(res.x[0])
    s2 = sa * q + sb
    beta = gaussian_expectation(Activation("stein", lambda t: t * act(t), act.kinks), s2) / s2
    if sa * beta**2 >= 1:
        raise ValueError(f"σ_a² β² = {sa * beta**2:.3g} >= 1: the linearised DEQ is unstable")
    return DEQCoefficients(q, sb * beta**2 / (1 - sa * beta**2), beta, s2)


def simulate_deq(
    X, width, activation="tanh", sigma_a2=0.2, sigma_b2=1.0, *, rng, tol=1e-10, max_iter=500
):
    """Solve the implicit layer :math:`H=\\sigma(AH+BX)` for one draw and return ``HᵀH/d``.

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Unit-norm columns.
    width : int
        Hidden width d.
    rng : Generator or int

    Returns
    -------
    ndarray, shape (n, n)
        The implicit CK ``HᵀH / d``.

    Notes
    -----
    Plain fixed-point iteration (a contraction here: no acceleration needed), with an
    iteration cap; it converges when :math:`\\sigma_a\\,\\|A\\|\\,\\mathrm{Lip}(\\sigma)<1`
    (:math:`\\|A\\|\\approx2\\sigma_a`).

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> K = simulate_deq(sphere_data(50, 10, rng=0), 200, rng=1)
    >>> round(float(np.mean(np.diag(K))), 2)
    0.4
    """
    X = V.matrix("X", X)
    d = V.size("width", width)
    sa = float(V.in_range("sigma_a2", V.scalar("sigma_a2", sigma_a2), 0.0, 1.0, high_open=True))
    sb = V.positive_scalar("sigma_b2", sigma_b2)
    tol = V.tolerance("tol", tol)
    max_iter = V.iterations("max_iter", max_iter)
    act = get_activation(activation)
    gen = V.rng(rng)
    V.check_allocation(
        [(d, d), (d, X.shape[0])] + [(d, X.shape[1])] * 3,
        "the d × d recurrent weights and the d × n hidden states",
        "width",
    )
    A = gen.standard_normal((d, d)) * np.sqrt(sa / d)
    BX = np.sqrt(sb) * gen.standard_normal((d, X.shape[0])) @ X
    H = np.zeros_like(BX)
    for _ in range(max_iter):
        H_new = act(A @ H + BX)
        err = np.max(np.abs(H_new - H)) / (1 + np.max(np.abs(H_new)))
        H = H_new
        if err <= tol:
            return H.T @ H / d
    raise ConvergenceError(
        f"DEQ forward pass did not converge in {max_iter} iterations "
        f"(residual {err:.1e}); lower sigma_a2"
    )


def deq_explicit_activation(coefficients):
    """Activation of a one-layer explicit net with the same CK equivalent as the DEQ.

    With :math:`\\sigma_e(t)=\\sqrt{\\alpha^*}\\,t+\\sqrt{(q^*-\\alpha^*)/2}\\,(t^2-1)`, a layer
    :math:`\\sigma_e(Wx)` (W i.i.d. N(0, 1), unit-norm x) has
    :math:`E\\sigma_e(\\xi)^2=q^*` and :math:`(E\\sigma_e')^2=\\alpha^*`, i.e. the same
    :math:`\\alpha^*X^\\top X+(q^*-\\alpha^*)I` equivalent.

    Examples
    --------
    >>> c = deq_ck_coefficients("tanh", 0.2, 1.0)
    >>> f = deq_explicit_activation(c)
    >>> from rmtlib.gauss import gaussian_expectation
    >>> round(gaussian_expectation(lambda t: f(t) ** 2), 6) == round(c.q, 6)
    True
    """
    q, alpha = float(coefficients.q), float(coefficients.alpha)
    if q < alpha:
        raise ValueError(f"q* = {q:.4g} < α* = {alpha:.4g}: no explicit activation matches")
    c1, c2 = np.sqrt(alpha), np.sqrt((q - alpha) / 2)
    return Activation("DEQ-equivalent", lambda t: c1 * np.asarray(t) + c2 * (np.square(t) - 1))
