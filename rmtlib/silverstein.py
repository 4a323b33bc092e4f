"""Silverstein's law: the generalised Marchenko–Pastur law :math:`\\mathrm{MP}_c \\boxtimes \\nu`.

Model (see the book's notation page): ``X = C^{1/2} Z`` is ``p × n`` with ``Z`` i.i.d. of mean 0
and variance 1, ``ratio = c = p / n`` and the population covariance ``C`` has spectral law
:math:`\\nu = \\sum_k w_k \\delta_{t_k}` (atoms ``pop_eigs``, weights ``pop_weights``).

Everything follows from one scalar: the Stieltjes transform :math:`\\tilde m(z)` of the limiting
law of :math:`X^\\top X/n`, the solution in :math:`\\mathbb C^+` of Silverstein's equation

.. math:: \\tilde m(z) = \\Big(-z + c\\int \\frac{t\\,\\nu(dt)}{1 + t\\tilde m(z)}\\Big)^{-1}.

This module is the one solver of that equation in :mod:`rmtlib` (the random-features and deep
modules call it): :func:`silverstein_solve` computes it on a whole grid of ``z`` at once, with an
iteration cap and a convergence report; the transform, the density, the support (through the
functional inverse :func:`silverstein_inverse`) are read off from it, and the moments come from
the power-series form of the same equation (:mod:`rmtlib.silverstein_moments`). The
resolvent's deterministic equivalents built on it are in :mod:`rmtlib.stieltjes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from . import _validate as V
from .fixedpoint import ConvergenceError, solve_fixed_point

# The moments (the power-series form of the same equation) live in silverstein_moments; imported
# here so that rmtlib.silverstein.<name> keeps working for the names that lived in this module.
from .silverstein_moments import MOMENT_MAX_ORDER, silverstein_moment  # noqa: F401

__all__ = [
    "SilversteinSolution",
    "silverstein_solve",
    "silverstein_stieltjes",
    "silverstein_co_stieltjes",
    "silverstein_density",
    "silverstein_atom",
    "silverstein_support",
    "silverstein_inverse",
]

# Continuation in Im z: from the scale of the support down to the target, by this factor per
# Newton stage, until Im z is below _ETA_FLOOR times |Re z| (then one jump to the target).
_ETA_RATIO = 0.1
_ETA_FLOOR = 1e-8
_MAX_STAGES = 120
# A solution is accepted when Silverstein's equation holds to this relative accuracy. At a
# spectral edge the root is double, so the iterate itself is only accurate to ~sqrt(eps), but
# the equation (hence the density) is satisfied to rounding.
_EQ_TOL = 1e-10


@dataclass(frozen=True)
class SilversteinSolution:
    """Solution of Silverstein's equation on a grid of ``z``, with its convergence report.

    Attributes
    ----------
    z : ndarray of complex
        The spectral arguments.
    m : ndarray of complex
        :math:`m(z) = \\frac1p\\operatorname{tr}\\bar Q(z)`, limiting Stieltjes transform of
        :math:`XX^\\top/n` (``p × p``).
    m_tilde : ndarray of complex
        :math:`\\tilde m(z)`, limiting Stieltjes transform of :math:`X^\\top X/n` (``n × n``).
    iterations : int
        Total number of map evaluations over all continuation stages.
    residual : float
        Largest relative residual of Silverstein's equation over the grid.
    """

    z: np.ndarray
    m: np.ndarray
    m_tilde: np.ndarray
    iterations: int
    residual: float


def _equation_map(mt, z, c, t, w):
    return 1.0 / (-z + c * ((1.0 / (1.0 + mt[..., None] * t)) @ (w * t)))


def _equation_residual(mt, z, c, t, w):
    with np.errstate(all="ignore"):
        f = _equation_map(mt, z, c, t, w)
        r = np.abs(f - mt) / np.abs(mt)
    return np.where(np.isfinite(r), r, np.inf)


def _newton_map(z, c, t, w):
    """Newton step on G(m) = -1/m + c Σ w t/(1+tm) - z, kept in the closed upper half-plane."""

    wt, wt2 = c * w * t, c * w * t**2

    def step(mt):
        inv = 1.0 / (1.0 + mt[..., None] * t)
        G = -1.0 / mt + inv @ wt - z
        dG = 1.0 / mt**2 - (inv * inv) @ wt2
        delta = G / dG
        new = mt - delta
        # Halve the step where it would leave C⁺ (the solution sought has Im m ≥ 0).
        for _ in range(40):
            bad = new.imag < -1e-15 * np.abs(new)
            if not bad.any():
                break
            delta = np.where(bad, delta / 2, delta)
            new = mt - delta
        return np.where(new.imag < 0, new.real + 0j, new)

    return step


def _solve_mtilde(z, c, t, w, tol, max_iter, dist=None):
    """m̃(z) for complex z with Im z >= 0 (flattened); returns (m̃, iterations, residual).

    ``dist`` is the distance of Re z to the singularities of m̃ (support and 0), 0 inside the
    support. The continuation lowers Im z geometrically from the scale of the support; a point
    leaves it once the level is below half its ``dist`` (m̃ is analytic in that disc, so Newton's
    method can jump from there straight to the target) or below ``_ETA_FLOOR |Re z|`` (inside
    the support, where the solution in C⁺ of the equation at Im z = 0 is the one continued).
    """
    if dist is None:
        dist = np.zeros(z.shape)
    scale = t.max() * (1 + np.sqrt(c)) ** 2
    eta0 = scale
    z0 = z.real + 1j * np.maximum(z.imag, eta0)
    # Iterate on u = z m̃ (of order 1 at Im z >= eta0), so the tolerance is relative.
    r = solve_fixed_point(
        lambda u: z0 * _equation_map(u / z0, z0, c, t, w),
        -np.ones_like(z0),
        tol=tol,
        max_iter=max_iter,
        valid=lambda u: (u / z0).imag >= 0,
        name="Silverstein equation (far from the axis)",
    )
    mt, its = r.x / z0, r.iterations
    level = np.maximum(z.imag, eta0)
    stop = np.maximum(dist / 2, _ETA_FLOOR * np.abs(z.real))
    eta = eta0
    for _ in range(_MAX_STAGES):
        eta *= _ETA_RATIO
        todo = (level > z.imag) & (level > stop) & (eta > z.imag)
        if not todo.any():
            break
        mt, its = _newton_stage(mt, z.real + 1j * eta, todo, c, t, w, tol, max_iter, its)
        level = np.where(todo, eta, level)
    todo = level > z.imag
    if todo.any():
        mt, its = _newton_stage(mt, z, todo, c, t, w, tol, max_iter, its)
    res = _equation_residual(mt, z, c, t, w)
    if not np.all(res <= _EQ_TOL):
        k = int(np.argmax(res))
        raise ConvergenceError(
            f"Silverstein equation not solved at z = {z[k]:.6g}: relative residual "
            f"{res[k]:.2e} > {_EQ_TOL:.0e} after {its} iterations"
        )
    return mt, its, float(res.max(initial=0.0))


def _newton_stage(mt, zs, todo, c, t, w, tol, max_iter, its):
    r = solve_fixed_point(
        _newton_map(zs[todo], c, t, w),
        mt[todo],
        tol=tol,
        max_iter=max_iter,
        memory=0,
        raise_on_failure=False,
        residual_floor=0.0,
        name="Silverstein equation (Newton)",
    )
    mt = mt.copy()
    mt[todo] = r.x
    return mt, its + r.iterations


def silverstein_atom(ratio, pop_eigs, pop_weights=None):
    """Mass of the atom at 0 of the limiting spectral law of :math:`XX^\\top/n`.

    Returns :math:`\\max(1 - 1/c,\\ \\nu(\\{0\\}))`: ``p - rank(X)`` zero eigenvalues.

    Examples
    --------
    >>> silverstein_atom(2.0, [1.0, 3.0])   # 1 - 1/c: p - n of the p eigenvalues are 0
    0.5
    """
    c, t, w = V.population_law(ratio, pop_eigs, pop_weights)
    return float(max(1.0 - 1.0 / c, w[t == 0].sum()))


def silverstein_inverse(m_tilde, ratio, pop_eigs, pop_weights=None):
    """Functional inverse :math:`z(\\tilde m)` of Silverstein's equation, for real ``m_tilde``.

    Parameters
    ----------
    m_tilde : float or array_like
        Real values, not 0 and not equal to ``-1/t`` for an atom ``t``.
    ratio : float, > 0
    pop_eigs, pop_weights : array_like
        Atoms (>= 0) and weights (>= 0, summing to 1; equal if omitted) of ν.

    Returns
    -------
    float or ndarray
        :math:`z(\\tilde m) = -\\frac1{\\tilde m} + c\\sum_k \\frac{w_k t_k}{1 + t_k\\tilde m}`.

    Notes
    -----
    A real ``x`` lies outside the support of the limiting law iff ``x = z(m̃)`` for some real
    admissible ``m̃`` with :math:`z'(\\tilde m) > 0`; the support edges are the values of ``z`` at
    its local extrema [Silverstein & Choi, J. Multivariate Anal. 54 (1995), Thm. 4.1–4.2].

    Examples
    --------
    >>> round(float(silverstein_inverse(-1/3, 0.5, [1.0])), 6)   # 3 + 0.5 * 1.5
    3.75
    """
    c, t, w = V.population_law(ratio, pop_eigs, pop_weights)
    m = V.finite_real("m_tilde", m_tilde)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -1.0 / m + c * np.sum(w * t / (1.0 + t * m[..., None]), axis=-1)
    if not np.all(np.isfinite(out)):
        raise ValueError("m_tilde must avoid 0 and the poles -1/t of the population atoms")
    return float(out) if out.ndim == 0 else out


def silverstein_support(ratio, pop_eigs, pop_weights=None):
    """Support of the continuous part of the limiting law of :math:`XX^\\top/n`, as intervals.

    Parameters
    ----------
    ratio : float, > 0
    pop_eigs, pop_weights : array_like
        Atoms and weights of the population spectral law ν.

    Returns
    -------
    ndarray, shape (k, 2)
        Disjoint intervals ``[left, right]``, sorted. The atom at 0 (:func:`silverstein_atom`) is
        not included.

    Notes
    -----
    In the variable :math:`v = -1/\\tilde m` the functional inverse reads
    :math:`x(v) = v\\,(1 + c\\sum_k w_k t_k/(v - t_k))` and
    :math:`x'(v) = 1 - g(v)` with :math:`g(v) = c\\sum_k w_k t_k^2/(t_k - v)^2`, a convex
    function between consecutive atoms. The region :math:`g < 1` of each interval between atoms
    (at most one sub-interval, by convexity) is mapped increasingly onto a gap of the spectrum;
    the support is the complement of these images. Each edge is found by Brent's method.

    References
    ----------
    Silverstein & Choi, J. Multivariate Anal. 54 (1995); Couillet & Liao (2022), §2.3.

    Examples
    --------
    >>> np.round(silverstein_support(0.5, [1.0]), 6).tolist()   # MP: (1 ± sqrt(c))^2
    [[0.085786, 2.914214]]
    >>> len(silverstein_support(0.1, [1.0, 3.0, 7.0]))          # one bulk per atom at small c
    3
    """
    c, t, w = V.population_law(ratio, pop_eigs, pop_weights)
    pos = t > 0
    T, Wt = t[pos], w[pos]

    def g(v):
        return c * np.sum(Wt * T**2 / (T - v) ** 2)

    def dg(v):
        return 2 * c * np.sum(Wt * T**2 / (T - v) ** 3)

    def x(v):
        return v * (1 + c * np.sum(Wt * T / (v - T)))

    # g exceeds 1 within distance delta_k of atom k from its own term alone.
    delta = T * np.sqrt(c * Wt) / 2
    far = 2 * T[-1] * np.sqrt(c) + 1
    vL = brentq(lambda v: g(v) - 1, T[0] - far, T[0] - delta[0], xtol=1e-15, rtol=1e-15)
    vR = brentq(lambda v: g(v) - 1, T[-1] + delta[-1], T[-1] + far, xtol=1e-15, rtol=1e-15)
    edges = [x(vL)]
    # Cheap lower bound of g between two atoms from their two terms: skip intervals without gap.
    A, B = c * Wt * T**2, np.roll(c * Wt * T**2, -1)
    widths = np.diff(T)
    bound = (np.cbrt(A[:-1]) + np.cbrt(B[:-1])) ** 3 / widths**2
    for k in np.flatnonzero(bound < 1):
        half = widths[k] / 2
        lo, hi = T[k] + min(delta[k], half), T[k + 1] - min(delta[k + 1], half)
        if lo >= hi or dg(lo) >= 0 or dg(hi) <= 0:
            continue
        vmin = brentq(dg, lo, hi, xtol=1e-15, rtol=1e-15)
        if g(vmin) >= 1:
            continue
        v1 = brentq(lambda v: g(v) - 1, lo, vmin, xtol=1e-15, rtol=1e-15)
        v2 = brentq(lambda v: g(v) - 1, vmin, hi, xtol=1e-15, rtol=1e-15)
        edges += [x(v1), x(v2)]
    edges.append(x(vR))
    return np.array(edges).reshape(-1, 2)


def _check_off_support(z, c, t, w, intervals):
    on_real = z.imag == 0
    x = z.real[on_real]
    inside = np.zeros(x.shape, bool)
    for lo, hi in intervals:
        inside |= (x >= lo) & (x <= hi)
    if inside.any():
        lo, hi = intervals[
            np.argmax([(x[inside][0] >= a) & (x[inside][0] <= b) for a, b in intervals])
        ]
        raise ValueError(
            f"z = {x[inside][0]:.6g} lies in the support [{lo:.6g}, {hi:.6g}] of the limiting "
            "law, where m(z) needs a limit from C⁺: pass x + 1e-9j (or use silverstein_density)"
        )
    if np.any(on_real & (z.real == 0)):
        raise ValueError(
            "z = 0 is a pole of m̃(z) (zero eigenvalues of the Gram matrix); use a small negative z"
        )


def silverstein_solve(z, ratio, pop_eigs, pop_weights=None, *, tol=1e-13, max_iter=500):
    """Solve Silverstein's equation on a grid of ``z``: :math:`m(z)`, :math:`\\tilde m(z)` and a report.

    Parameters
    ----------
    z : complex or array_like
        Spectral arguments, anywhere off the support: complex, or real outside the support
        (:func:`silverstein_support`) and not 0.
    ratio : float, > 0
        ``c = p / n``.
    pop_eigs : array_like, >= 0
        Atoms :math:`t_k` of the population spectral law ν (eigenvalues of ``C``).
    pop_weights : array_like, optional
        Their weights (>= 0, summing to 1); equal weights if omitted.
    tol : float
        Tolerance of each fixed-point stage.
    max_iter : int
        Iteration cap of each stage.

    Returns
    -------
    SilversteinSolution
        ``m``, ``m_tilde`` with the shape of ``z``, iterations and residual.

    Raises
    ------
    ValueError
        Invalid ratio or spectrum; real ``z`` inside the support, or ``z = 0``.
    ConvergenceError
        If the equation is not satisfied to 1e-10 (relative) at some ``z``.

    Notes
    -----
    Solves :math:`\\tilde m = (-z + c\\sum_k w_k t_k/(1 + t_k\\tilde m))^{-1}` for
    :math:`\\Im\\tilde m \\ge 0` (the solution in :math:`\\mathbb C^+` is unique when
    :math:`\\Im z > 0`), then
    :math:`m(z) = -\\frac1z\\sum_k \\frac{w_k}{1 + t_k\\tilde m(z)} = \\frac{\\tilde m}{c} + \\frac{1-c}{cz}`.
    The whole grid is solved at once: first by Anderson-accelerated iteration at
    ``Im z`` of the order of the support's scale (a contraction there), then by Newton steps
    along a continuation ``Im z = scale·10^{-k} → Im z_target`` (at most 120 warm-started
    stages; a point leaves it once the level is below half its distance to the support, where
    Newton can jump straight to the target), which reaches the real axis, where the Picard
    iteration stalls. ``m(z̄) = conj m(z)``.

    References
    ----------
    Silverstein & Bai, J. Multivariate Anal. 54 (1995), Thm. 1.1; Couillet & Liao (2022), Thm. 2.6.

    Examples
    --------
    >>> s = silverstein_solve(-1.0, 0.5, [1.0])     # MP: m = (√17 - 3)/2, m̃ = c m + (c - 1)/z
    >>> round(float(s.m.real), 6), round(float(s.m_tilde.real), 6)
    (0.561553, 0.780776)
    """
    c, t, w = V.population_law(ratio, pop_eigs, pop_weights)
    z = V.finite_complex("z", z)
    return _solve(z, c, t, w, V.tolerance("tol", tol), V.iterations("max_iter", max_iter))


# Beyond this multiple of the support's scale, m̃ is its moment series (error below 1e-24).
_FAR = 1e6


def _solve(z, c, t, w, tol=1e-13, max_iter=500):
    """silverstein_solve on validated input."""
    V.check_allocation([z.shape + t.shape] * 4, "the grid of z times the atoms", "z", itemsize=16)
    intervals = silverstein_support(c, t, w)
    _check_off_support(z, c, t, w, intervals)
    scale = t.max() * (1 + np.sqrt(c)) ** 2
    if np.any((np.abs(z) < 1e-100 * scale) & (np.abs(z) > 0)):
        raise ValueError(f"z is too close to the pole at 0 (|z| < 1e-100 × {scale:.3g})")
    zf = z.ravel()
    far = np.abs(zf) > _FAR * scale
    mt = np.empty(zf.shape, complex)
    mt[far] = _moment_series(zf[far], c, t, w)
    its, res = 0, 0.0
    if not far.all():
        zn = zf[~far]
        lower = zn.imag < 0
        zu = np.where(lower, zn.conj(), zn)
        x = zu.real[:, None]
        to_support = np.where(
            (x >= intervals[:, 0]) & (x <= intervals[:, 1]),
            0.0,
            np.minimum(np.abs(x - intervals[:, 0]), np.abs(x - intervals[:, 1])),
        )
        dist = np.minimum(to_support.min(axis=1), np.abs(zu.real))
        mtn, its, res = _solve_mtilde(zu, c, t, w, tol, max_iter, dist=dist)
        mt[~far] = np.where(lower, mtn.conj(), mtn)
    # Off the support on the real axis the transforms are real: drop rounding-level Im parts.
    mt = np.where(zf.imag == 0, mt.real + 0j, mt)
    m = -np.sum(w / (1.0 + t * mt[:, None]), axis=-1) / zf
    return SilversteinSolution(z, m.reshape(z.shape), mt.reshape(z.shape), its, res)


def _moment_series(z, c, t, w):
    """m̃(z) = -1/z - Σ_k c β_k / z^{k+1} for |z| ≫ scale (β_k the moments of μ, k <= 3)."""
    a1, a2, a3 = (np.sum(w * t**j) for j in (1, 2, 3))
    b1, b2, b3 = a1, a2 + c * a1**2, a3 + 3 * c * a1 * a2 + c**2 * a1**3
    u = 1.0 / z
    # m = -u(1 + b1 u + b2 u² + b3 u³); m̃ = c m - (1 - c) u
    return -u * (1 + c * u * (b1 + u * (b2 + u * b3)))


def _scalar(out):
    return complex(out) if np.ndim(out) == 0 else out


def silverstein_stieltjes(z, ratio, pop_eigs, pop_weights=None, *, tol=1e-13, max_iter=500):
    """Limiting Stieltjes transform :math:`m(z)` of :math:`C^{1/2}ZZ^\\top C^{1/2}/n` (``p × p``).

    Parameters
    ----------
    z : complex or array_like
        Off the support (see :func:`silverstein_solve`).
    ratio : float, > 0
        ``c = p / n``.
    pop_eigs, pop_weights : array_like
        Atoms (>= 0) and weights (>= 0, sum 1; equal if omitted) of the spectrum of ``C``.
    tol, max_iter : float, int
        Tolerance and iteration cap of each stage of the solver (see :func:`silverstein_solve`);
        :class:`~rmtlib.fixedpoint.ConvergenceError` if the equation is not solved within them.

    Returns
    -------
    complex or ndarray of complex
        :math:`m(z) = \\int \\mu(dx)/(x - z)`, the generalised Marchenko–Pastur law
        :math:`\\mu = \\mathrm{MP}_c \\boxtimes \\nu`.

    Notes
    -----
    See :func:`silverstein_solve`. With one atom ``t = σ²`` this is :func:`rmtlib.mp_stieltjes`.

    Examples
    --------
    >>> complex(np.round(silverstein_stieltjes(-1.0, 0.1, [1.0, 3.0, 7.0]), 6))
    (0.304948+0j)

    Cleared of denominators, Silverstein's equation at ``z = -1`` is a quartic in m̃ whose only
    positive root is m̃ = 0.9304948 (``numpy.polynomial.polynomial.polyroots``), and
    m = m̃/c - (1 - c)/c = 9.304948 - 9.
    """
    return _scalar(silverstein_solve(z, ratio, pop_eigs, pop_weights, tol=tol, max_iter=max_iter).m)


def silverstein_co_stieltjes(z, ratio, pop_eigs, pop_weights=None, *, tol=1e-13, max_iter=500):
    """Limiting Stieltjes transform :math:`\\tilde m(z)` of the Gram matrix :math:`X^\\top X/n` (``n × n``).

    :math:`\\tilde m = c\\,m + (c - 1)/z`, see :func:`silverstein_solve` (also for ``tol`` and
    ``max_iter``).

    Examples
    --------
    >>> complex(np.round(silverstein_co_stieltjes(-1.0, 0.5, [1.0]), 6))   # c(√17 - 3)/2 + 1 - c
    (0.780776+0j)
    """
    s = silverstein_solve(z, ratio, pop_eigs, pop_weights, tol=tol, max_iter=max_iter)
    return _scalar(s.m_tilde)


def silverstein_density(x, ratio, pop_eigs, pop_weights=None, *, tol=1e-13, max_iter=500):
    """Density of the continuous part of the generalised Marchenko–Pastur law.

    Parameters
    ----------
    x : float or array_like
        Real points.
    ratio : float, > 0
    pop_eigs, pop_weights : array_like
        Population spectral law ν.
    tol, max_iter : float, int
        Tolerance and iteration cap of each stage of the solver (see :func:`silverstein_solve`);
        :class:`~rmtlib.fixedpoint.ConvergenceError` if the equation is not solved within them.

    Returns
    -------
    float or ndarray
        :math:`\\rho(x) = \\frac1\\pi\\Im m(x + i0)`, 0 outside :func:`silverstein_support`. It
        integrates to ``1 - silverstein_atom(...)``.

    Notes
    -----
    The boundary value :math:`m(x + i0)` is computed exactly on the real axis by the
    continuation of :func:`silverstein_solve` (no smoothing parameter η is left in the result).

    Examples
    --------
    >>> round(float(silverstein_density(1.0, 0.5, [1.0])), 6)   # = mp_density(1.0, 0.5)
    0.421084
    """
    c, t, w = V.population_law(ratio, pop_eigs, pop_weights)
    xv = V.finite_real("x", x)
    tol, max_iter = V.tolerance("tol", tol), V.iterations("max_iter", max_iter)
    V.check_allocation([xv.shape + t.shape] * 4, "the grid of x times the atoms", "x", itemsize=16)
    intervals = silverstein_support(c, t, w)
    flat = xv.ravel()
    inside = np.zeros(flat.shape, bool)
    for lo, hi in intervals:
        inside |= (flat > lo) & (flat < hi)
    out = np.zeros(flat.shape)
    if inside.any():
        # Inside the support the solution in C⁺ is unique, so a short continuation suffices.
        mt, _, _ = _solve_mtilde(flat[inside] + 0j, c, t, w, tol, max_iter)
        m = -np.sum(w / (1.0 + t * mt[:, None]), axis=-1) / flat[inside]
        out[inside] = np.maximum(m.imag, 0.0) / np.pi
    out = out.reshape(xv.shape)
    return float(out) if out.ndim == 0 else out
