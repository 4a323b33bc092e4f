"""R- and S-transforms: the transforms that linearise free addition and free multiplication.

For laws μ, ν of large matrices in general position (see :mod:`rmtlib.free`),
:math:`R_{\\mu\\boxplus\\nu} = R_\\mu + R_\\nu` and :math:`S_{\\mu\\boxtimes\\nu} = S_\\mu S_\\nu`.
Closed forms for the semicircle and Marchenko–Pastur laws, and the transforms of a discrete law
by Newton inversion of its Cauchy transform :math:`G(z) = \\int \\mu(dt)/(z-t)` (the convention of
:mod:`rmtlib.free`: :math:`G = -m`).
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from ._discrete import discrete_law
from .fixedpoint import ConvergenceError

__all__ = [
    "semicircle_r_transform",
    "mp_r_transform",
    "mp_s_transform",
    "discrete_r_transform",
    "discrete_s_transform",
]


def _cauchy(w, a, p):
    """G(w) and G'(w) of the discrete law sum_i p_i delta_{a_i}, vectorised over w."""
    d = 1.0 / (w[..., None] - a)
    return d @ p, -(d * d) @ p


def _real_if_real(out, w):
    """Real arguments give real values (a float for a scalar), as for the book's other laws."""
    if np.all(np.imag(w) == 0):
        return V.scalar_or_array(np.real(out))
    return out


def semicircle_r_transform(w, sigma2=1.0):
    """R-transform of the semicircle law of variance ``σ²``: ``R(w) = σ² w``.

    Its only non-zero free cumulant is the variance, which is why semicircles add:
    the sum of free semicircles of variances ``s`` and ``t`` is the semicircle of variance
    ``s + t`` (Voiculescu 1986; Mingo & Speicher 2017, §2.4).

    Examples
    --------
    >>> semicircle_r_transform(0.5, sigma2=2.0)
    1.0
    """
    w = V.finite_complex("w", w)
    s2 = float(V.positive("sigma2", V.scalar("sigma2", sigma2)))
    return _real_if_real(s2 * w, w)


def mp_r_transform(w, ratio, sigma2=1.0):
    """R-transform of the Marchenko–Pastur law ``μ_{c,σ²}``: ``R(w) = σ² / (1 − c σ² w)``.

    The free cumulants are :math:`\\kappa_k = c^{k-1}\\sigma^{2k}`: the MP law is the free
    Poisson law of rate ``1/c`` and jump size ``cσ²`` (Mingo & Speicher 2017, §2.5;
    Couillet & Liao 2022, §2.3), the free analogue of a sum of many independent rank-one
    Wishart increments.

    Parameters
    ----------
    w : complex or array_like
        Argument, ``|w| < 1/(cσ²)`` (where the series of free cumulants converges).
    ratio : float
        ``c = p/n > 0``.
    sigma2 : float
        Variance of the entries.

    Examples
    --------
    >>> mp_r_transform(0.0, 0.5)
    1.0
    """
    w = V.finite_complex("w", w)
    c = float(V.positive("ratio", V.scalar("ratio", ratio)))
    s2 = float(V.positive("sigma2", V.scalar("sigma2", sigma2)))
    if np.any(np.abs(w) >= 1 / (c * s2)):
        raise ValueError(f"w must satisfy |w| < 1/(ratio*sigma2) = {1 / (c * s2):.6g}")
    return _real_if_real(s2 / (1 - c * s2 * w), w)


def mp_s_transform(w, ratio, sigma2=1.0):
    """S-transform of the Marchenko–Pastur law ``μ_{c,σ²}``: ``S(w) = 1 / (σ² (1 + c w))``.

    S-transforms multiply under ⊠, so Silverstein's law ``μ_{c,1} ⊠ ν`` has
    ``S = S_ν(w) / (1 + c w)`` (Mingo & Speicher 2017, §3.6).

    Parameters
    ----------
    w : complex or array_like
        Argument in the domain of the inverse of ψ, ``w ≠ −1/c``.
    ratio, sigma2 : float

    Examples
    --------
    >>> mp_s_transform(1.0, 0.5)  # 1 / (1 + 0.5)
    0.6666666666666666
    """
    w = V.finite_complex("w", w)
    c = float(V.positive("ratio", V.scalar("ratio", ratio)))
    s2 = float(V.positive("sigma2", V.scalar("sigma2", sigma2)))
    if np.any(np.isclose(1 + c * w, 0)):
        raise ValueError("w = -1/ratio is a pole of the S-transform")
    return _real_if_real(1 / (s2 * (1 + c * w)), w)


def _newton(func, x0, *, what, tol=1e-13, max_iter=100):
    x = np.asarray(x0, dtype=complex)
    for _ in range(max_iter):
        f, df = func(x)
        step = f / df
        x = x - step
        if np.all(np.abs(step) <= tol * (1 + np.abs(x))):
            return x
    raise ConvergenceError(
        f"{what}: Newton's method did not converge in {max_iter} steps; "
        "|w| is probably outside the transform's domain (take it smaller)"
    )


def discrete_r_transform(w, atoms, weights=None):
    """R-transform of a discrete law: ``R(w) = G^{-1}(w) − 1/w``.

    Parameters
    ----------
    w : complex or array_like
        Non-zero arguments, small enough that ``G`` is invertible there (roughly
        ``|w| < 1/(4 max|a_i − mean|)``); a :class:`~rmtlib.fixedpoint.ConvergenceError` says
        when not.
    atoms, weights : array_like
        The law ``Σ w_i δ_{a_i}``.

    Examples
    --------
    The symmetric Bernoulli law has :math:`R(w) = (\\sqrt{1 + 4w^2} - 1)/(2w)`:

    >>> round(float(discrete_r_transform(0.2, [-1, 1]).real), 12)  # (sqrt(1.16) - 1)/0.4
    0.192582403567
    """
    w = np.asarray(V.finite_complex("w", w))
    if np.any(w == 0):
        raise ValueError("w must be non-zero (R(0) is the mean of the law)")
    a, p = discrete_law(atoms, weights, "atoms")
    spread = np.max(np.abs(a - a @ p))
    if spread > 0 and np.any(np.abs(w) > 1 / (4 * spread)):
        raise ValueError(
            f"w must satisfy |w| <= 1/(4 max|atom - mean|) = {1 / (4 * spread):.6g}, "
            "where the R-transform is analytic"
        )

    def func(z):
        g, dg = _cauchy(z, a, p)
        return g - w, dg

    z = _newton(func, 1 / w + a @ p, what="discrete_r_transform")
    return z - 1 / w


def discrete_s_transform(w, atoms, weights=None):
    """S-transform of a discrete law on [0, ∞): ``S(w) = χ(w)(1 + w)/w`` with ``χ = ψ^{-1}``.

    Parameters
    ----------
    w : complex or array_like
        Non-zero arguments near 0 (``ψ`` is inverted by Newton's method from ``w/mean``).
    atoms, weights : array_like
        The law; atoms >= 0 with a positive mean.

    Examples
    --------
    A projection of trace q has :math:`S(w) = (1 + w)/(q + w)`:

    >>> round(float(discrete_s_transform(0.2, [0, 1], [0.5, 0.5]).real), 12)
    1.714285714286
    """
    w = np.asarray(V.finite_complex("w", w))
    if np.any(w == 0):
        raise ValueError("w must be non-zero (S(0) is the inverse of the mean)")
    a, p = discrete_law(atoms, weights, "atoms", nonnegative=True)
    if a @ p <= 0:
        raise ValueError("the law must have a positive mean")

    mass0 = p[a == 0].sum()
    if np.all(np.imag(w) == 0):
        # psi increases from -(1 - mass at 0) to 0 on (-inf, 0) and from 0 to +inf on
        # (0, 1/max atom): a bracket gives the branch continuous with psi(0) = 0.
        from scipy import optimize

        def psi(z, wi):
            return (z * a / (1.0 - z * a)) @ p - wi

        top = 1.0 / a.max()
        chi = np.empty(w.shape)
        for idx, wi in np.ndenumerate(np.real(w)):
            if wi <= -(1 - mass0):
                raise ValueError(
                    f"w must be > -(1 - mass at 0) = {-(1 - mass0):.6g} for a real "
                    f"argument; got {wi}"
                )
            if wi > 0:
                lo, hi = 0.0, top * (1 - 1e-12)
                if psi(hi, wi) < 0:
                    raise ValueError(
                        f"w = {wi:.6g} is beyond the range of psi on (0, 1/max "
                        "atom) that the real branch reaches; take w smaller"
                    )
            else:
                lo, hi = -1.0, 0.0
                while psi(lo, wi) > 0:
                    lo *= 4
            chi[idx] = optimize.brentq(psi, lo, hi, args=(wi,), xtol=1e-15, rtol=1e-15)
        return V.scalar_or_array(chi * (1 + np.real(w)) / np.real(w))

    def func(z):
        d = 1.0 / (1.0 - z[..., None] * a)
        return (z[..., None] * a * d) @ p - w, (a * d * d) @ p

    chi = _newton(func, w / (a @ p), what="discrete_s_transform")
    return chi * (1 + w) / w
