"""The conjugate kernel (CK) of a deep random network: Stieltjes transform, density, moments."""

from __future__ import annotations

import numpy as np
from scipy import special

from .. import _validate as V
from ..silverstein_moments import silverstein_moments
from ..stieltjes import silverstein_solve
from ._nested import (
    check_layer_ratios,
    check_moment_order,
    continuation_solve,
    finish,
    finite_moments,
    layer_maps,
    mp_branch,
    nested_trace,
    prepare_z,
    upper_bound,
)
from .normalised import normalised_activation

__all__ = ["ck_stieltjes", "ck_density", "ck_moments", "finite_width_density"]


def _ck_recursion(z, gammas, shifts, slopes, tol=1e-12):
    """m_L(z) from the m_ℓ form of the recursion (an independent route, used by the tests)."""
    L = gammas.size - 1
    return continuation_solve(
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
        prev = mp_branch(zs[0], gammas[0])
        for ell in range(1, L + 1):
            prev = prev / (slopes[ell - 1] * ws[ell - 1])
            out[..., ell - 1] = prev
        return out

    return F


def _ck_solve(z, gammas, shifts, slopes, tol=1e-12):
    """m_L(z) for an array z in C⁺ (no validation)."""
    shape = np.shape(z)
    z = np.atleast_1d(z)
    return _ck_solve_1d(z, gammas, shifts, slopes, tol).reshape(shape)


def _ck_solve_1d(z, gammas, shifts, slopes, tol):
    L = gammas.size - 1
    if L == 0:
        return mp_branch(z, gammas[0])
    if np.all(slopes > 0):
        # The δ form (nested-trace algorithm with weight only on K_L) is used for evaluation:
        # the equivalent m_ℓ form of _ck_recursion can lock onto a spurious root near an atom
        # at 0 (γ_L > 1), the δ form started at δ = 0 does not.
        c = np.zeros(L + 1)
        c[L] = 1.0
        return nested_trace(-z, c, gammas, shifts, slopes, tol)[0]
    # A layer with t_ℓ = 0 forgets everything below it: restart the recursion there.
    top = np.flatnonzero(slopes == 0).max() + 1  # layer index ℓ with t_ℓ = 0
    sub_g = np.concatenate([[gammas[top]], gammas[top + 1 :]])
    # μ_top = MP_{γ_top} ⊠ δ_{s_top}: an MP law of scale s_top; rescale the rest accordingly.
    s = shifts[top - 1]
    return _ck_scaled(z, sub_g, shifts[top:], slopes[top:], s, tol)


def _ck_scaled(z, gammas, shifts, slopes, scale, tol):
    # K = scale * K' where K' follows the recursion with s' = s/scale (t unchanged) and MP input.
    return _ck_solve(z / scale, gammas, shifts / scale, slopes, tol) / scale


@V.renamed_keywords(gammas="layer_ratios")
def ck_stieltjes(z, layer_ratios, activation="relu", *, tol=1e-12):
    """Limiting Stieltjes transform :math:`\\frac1n\\operatorname{tr}(X_L^\\top X_L-zI)^{-1}` of the deep CK.

    Parameters
    ----------
    z : complex or array_like
        Spectral argument(s): ``Im z != 0``, or real outside a rigorous enclosure
        ``[0, U]`` of the support (negative reals are always fine).
    layer_ratios : sequence of float > 0, length L + 1
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
    Real on the negative axis; the m_ℓ form of the recursion, an independent route, gives the
    same value (``tests/test_deep.py``):

    >>> round(ck_stieltjes(-1.0, [0.5, 0.5]).real, 6)
    0.585429
    """
    tol = V.tolerance("tol", tol)
    g = check_layer_ratios(layer_ratios)
    b = normalised_activation(activation).b
    shifts, slopes = layer_maps(g, b)
    slopes = np.where(slopes < 1e-14, 0.0, slopes)
    zz, flip = prepare_z(z, 0.0, upper_bound(g, shifts, slopes))
    return finish(_ck_solve(zz, g, shifts, slopes, tol), flip)


@V.renamed_keywords(gammas="layer_ratios")
def ck_density(x, layer_ratios, activation="relu", *, eta=1e-6, tol=1e-12):
    """Density of the limiting deep-CK spectrum, :math:`\\rho(x)=\\Im m(x+i\\eta)/\\pi`.

    Parameters
    ----------
    x : array_like of float
        Real grid.
    layer_ratios, activation : as in :func:`ck_stieltjes`.
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
    At L = 1 the law is MP_γ₁ ⊠ ((1 − b²) + b² MP_γ₀); :func:`rmtlib.silverstein_density` with
    that population by quadrature gives the same value (``tests/test_deep.py``):

    >>> round(float(ck_density(1.0, [0.5, 0.5])), 4)
    0.3372
    """
    tol = V.tolerance("tol", tol)
    g = check_layer_ratios(layer_ratios)
    eta = V.positive_scalar("eta", eta)
    x = V.finite_real("x", x)
    b = normalised_activation(activation).b
    shifts, slopes = layer_maps(g, b)
    slopes = np.where(slopes < 1e-14, 0.0, slopes)
    m = _ck_solve(np.atleast_1d(x) + 1j * eta, g, shifts, slopes, tol)
    out = np.maximum(m.imag / np.pi, 0.0)
    return float(out[0]) if x.ndim == 0 else out


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


@V.renamed_keywords(gammas="layer_ratios")
def ck_moments(k_max, layer_ratios, activation="relu"):
    """Moments :math:`\\int x^k\\mu_L(dx)`, k = 1..k_max, of the deep-CK limit law, in closed form.

    Parameters
    ----------
    k_max : int >= 1
    layer_ratios, activation : as in :func:`ck_stieltjes`.

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
    k_max = check_moment_order(k_max)
    g = check_layer_ratios(layer_ratios)
    b = normalised_activation(activation).b
    shifts, slopes = layer_maps(g, b)
    return finite_moments(_ck_moments_general(k_max, g, shifts, slopes), "CK")


def _moments_or_inf(c, nu):
    """silverstein_moments(c, nu), with inf from the first order that overflows float64 on (the
    caller, finite_moments, names that order); the moments below it are exact."""
    bad = np.flatnonzero(~np.isfinite(nu))
    k = nu.size if bad.size == 0 else int(bad[0])
    out = np.full(nu.size, np.inf)
    while k > 0:
        try:
            out[:k] = silverstein_moments(c, nu[:k])
            break
        except ValueError as exc:
            k = exc.order - 1
    return out


def _ck_moments_general(k_max, g, shifts, slopes):
    # Layer ℓ's Gram law is MP_{γ_ℓ} ⊠ (law of Φ_ℓ(K_{ℓ-1})): Silverstein's moments, layer by layer.
    mom = _moments_or_inf(g[0], np.ones(k_max))
    for ell in range(1, g.size):
        with np.errstate(over="ignore", invalid="ignore"):
            nu = _affine_moments(mom, shifts[ell - 1], slopes[ell - 1])
        mom = _moments_or_inf(g[ell], nu)
    return mom


@V.renamed_keywords(gamma="layer_ratio")
def finite_width_density(x, kernel_eigs, layer_ratio, *, eta=1e-6, tol=1e-12):
    """Density of :math:`\\mathrm{MP}_\\gamma\\boxtimes\\nu`: a width-d layer on top of a kernel with eigenvalues ν.

    Parameters
    ----------
    x : float or array_like
        Real grid.
    kernel_eigs : array_like, >= 0
        Eigenvalues of the expected kernel Φ (``n × n``); ν is their empirical law.
    layer_ratio : float > 0
        ``γ = n/d`` for a layer of width ``d``.
    eta : float > 0
        Distance to the real axis of the inversion, :math:`\\rho(x)=\\Im m(x+i\\eta)/\\pi`
        (as in :func:`ck_density`).
    tol : float
        Tolerance of the Silverstein solver.

    Returns
    -------
    float or ndarray

    Notes
    -----
    A layer of finite width ``d`` turns its expected kernel Φ into
    :math:`\\frac1d\\sum_{i\\le d}s_is_i^\\top` with :math:`s_i\\sim N(0,\\Phi)`, i.e.
    :math:`\\Phi^{1/2}ZZ^\\top\\Phi^{1/2}/d` with ``Z`` of size ``n × d``: the generalised MP law of
    :func:`rmtlib.silverstein_solve` with ratio ``n/d = γ`` and population ν. Its spectrum solves
    Silverstein's equation :math:`m(z)=\\int\\nu(dt)/(t(1-\\gamma-\\gamma zm)-z)`, here by the
    library's one Silverstein solver at :math:`z=x+i\\eta`.

    See Also
    --------
    rmtlib.silverstein_density : the same law at :math:`\\eta\\to0^+`, for a population given by
        atoms and weights.

    Examples
    --------
    >>> from rmtlib.mp import mp_density
    >>> bool(np.isclose(finite_width_density(1.0, np.ones(5), 0.5), mp_density(1.0, 0.5)))
    True
    """
    tol = V.tolerance("tol", tol)
    lam, _ = V.spectrum(kernel_eigs, eigs_name="kernel_eigs")
    g = V.positive_scalar("layer_ratio", layer_ratio)
    eta = V.positive_scalar("eta", eta)
    x = V.finite_real("x", x)
    try:
        m = silverstein_solve(np.atleast_1d(x) + 1j * eta, g, lam, tol=tol).m
    except ValueError as exc:
        # The core names its own parameters: say which of ours is out of its range.
        text = str(exc).replace("pop_eigs", "kernel_eigs").replace("ratio", "layer_ratio")
        raise ValueError(text) from exc
    out = np.maximum(m.imag / np.pi, 0.0)
    return float(out[0]) if x.ndim == 0 else out
