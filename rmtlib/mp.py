"""The Marchenko–Pastur law and the Wigner semicircle: edges, densities, Stieltjes transforms.

Conventions (see the book's notation page): ``X`` is ``p × n`` with i.i.d. entries of mean 0 and
variance ``sigma2``; the sample covariance is ``X Xᵀ / n``; ``ratio = c = p / n``. The law of
its eigenvalues converges to :math:`\\mu_{c,\\sigma^2}`, with an atom of mass ``1 - 1/c`` at 0
when ``c > 1``. The Stieltjes transform is :math:`m(z) = \\int \\mu(dt) / (t - z)`.
"""

from __future__ import annotations

from math import comb

import numpy as np

from . import _validate as V
from ._grids import cosine_map

__all__ = [
    "mp_edges",
    "mp_atom",
    "mp_density",
    "mp_cdf",
    "mp_sample",
    "mp_stieltjes",
    "mp_stieltjes_derivative",
    "mp_moment",
    "mp_norm_deviation",
    "mp_ks_distance",
    "semicircle_density",
    "semicircle_stieltjes",
]


def _params(ratio, sigma2):
    return V.positive("ratio", ratio), V.positive("sigma2", sigma2)


def _resolvable(ratio, sigma2):
    c, s2 = _params(ratio, sigma2)
    lo, hi = V.RATIO_RANGE  # outside, the support cannot be resolved: refused, not approximated
    if np.any((c < lo) | (c > hi)):
        raise ValueError(
            f"ratio must lie in [{lo:g}, {hi:g}] for the density, CDF and transform (the "
            f"support is too narrow to resolve in double precision outside); got {V.show_value(ratio)}"
        )
    return c, s2


def _edges(c, s2):
    """Edges with 1 - sqrt(c) computed as (1 - c)/(1 + sqrt(c)): accurate for c near 1."""
    return s2 * ((1 - c) / (1 + np.sqrt(c))) ** 2, s2 * (1 + np.sqrt(c)) ** 2


def mp_edges(ratio, sigma2=1.0):
    """Edges ``(a, b)`` of the support of the continuous part of the Marchenko–Pastur law.

    Parameters
    ----------
    ratio : float or array_like, > 0
        ``c = p / n``.
    sigma2 : float or array_like, > 0
        Variance of the entries of ``X``.

    Returns
    -------
    (a, b) : tuple of floats or arrays
        :math:`a = \\sigma^2 (1 - \\sqrt c)^2`, :math:`b = \\sigma^2 (1 + \\sqrt c)^2`.

    References
    ----------
    Marchenko & Pastur, Math. USSR Sbornik 1 (1967); Bai & Silverstein, *Spectral Analysis of
    Large Dimensional Random Matrices* (2010), Thm. 3.6.

    Examples
    --------
    >>> mp_edges(0.25)             # (1 ∓ √0.25)² = (1 ∓ 1/2)²
    (0.25, 2.25)
    """
    c, s2 = _params(ratio, sigma2)
    a, b = _edges(c, s2)
    return (float(a), float(b)) if np.ndim(a) == 0 else (a, b)


def mp_atom(ratio):
    """Mass ``max(0, 1 - 1/c)`` of the Marchenko–Pastur atom at 0 (zero eigenvalues when p > n).

    Examples
    --------
    >>> mp_atom(4.0)               # 1 - 1/4
    0.75
    """
    c = V.positive("ratio", ratio)
    out = np.maximum(0.0, 1.0 - 1.0 / c)
    return float(out) if out.ndim == 0 else out


def mp_density(x, ratio, sigma2=1.0):
    """Density of the absolutely continuous part of the Marchenko–Pastur law.

    Parameters
    ----------
    x : float or array_like
        Points at which to evaluate the density.
    ratio, sigma2 : float, > 0
        ``c = p / n`` and the entry variance.

    Returns
    -------
    float or ndarray
        :math:`\\rho(x) = \\sqrt{(b - x)(x - a)} / (2\\pi \\sigma^2 c x)` on ``[a, b]``, 0
        elsewhere. It integrates to ``min(1, 1/c)``; the rest is the atom :func:`mp_atom`.

    Notes
    -----
    Law of the eigenvalues of ``X Xᵀ / n`` (``p × p``) with ``p / n → c``.

    References
    ----------
    Marchenko & Pastur (1967); Couillet & Liao, *Random Matrix Methods for Machine Learning*
    (2022), Thm. 2.4.

    Examples
    --------
    >>> round(float(mp_density(1.0, 0.5)), 6)   # sqrt((b - 1)(1 - a))/π, a, b = (1 ∓ sqrt(1/2))²
    0.421084
    """
    c, s2 = _resolvable(ratio, sigma2)
    x = V.finite_real("x", x) / s2  # the law of σ² times the σ² = 1 law
    a, b = _edges(c, 1.0)
    inside = (x > a) & (x < b)
    xs = np.where(inside, x, 1.0)
    val = (
        np.sqrt(np.clip(b - xs, 0, None)) * np.sqrt(np.clip(xs - a, 0, None)) / (2 * np.pi * c * xs)
    )
    out = np.where(inside, val, 0.0) / s2
    return float(out) if out.ndim == 0 else out


def mp_cdf(x, ratio, sigma2=1.0):
    r"""Cumulative distribution function of the Marchenko–Pastur law, atom included.

    Returns :math:`\mu_{c,\sigma^2}((-\infty, x])`; it jumps by ``max(0, 1 - 1/c)`` at 0.

    Notes
    -----
    With :math:`x = \sigma^2(1 + c - 2\sqrt c\cos\varphi)` the density becomes smooth in φ:

    .. math:: F(x) - F(0) = \frac2\pi\int_0^{\Phi}
              \frac{\sin^2\varphi}{a/\sigma^2 + 4\sqrt c\sin^2(\varphi/2)}\,d\varphi,
              \qquad \Phi = 2\arctan\sqrt{(x-a)/(b-x)},

    a sum of positive terms, computed by Gauss–Legendre quadrature (16 nodes) on panels graded
    geometrically towards φ = 0 down to the scale :math:`|1-c|/(1+\sqrt c)^2` of the near
    singularity that appears as ``c → 1`` (the hard edge, where the density has a
    :math:`1/\sqrt x` singularity at 0). The closed-form antiderivative (arcsines) loses
    relative accuracy at the edges by cancellation; this does not: the relative error is at
    rounding level times the condition number :math:`1 + x/(x-a)` of the CDF (checked against
    40-digit quadrature in ``tests/test_mp.py``), e.g. ``mp_cdf(1e-24, 1.0)`` is
    :math:`\frac{2}{\pi}10^{-12}(1 - O(10^{-24}))` to the last digit.

    Examples
    --------
    >>> round(float(mp_cdf(0.0, 2.0)), 6), round(float(mp_cdf(100.0, 2.0)), 6)   # atom 1 - 1/c
    (0.5, 1.0)
    >>> float(mp_cdf(1e-24, 1.0)) / (2e-12 / np.pi)           # F(x) ~ (2/π) sqrt(x) at c = 1
    1.0
    """
    c, s2 = _resolvable(ratio, sigma2)
    x = V.finite_real("x", x)
    out = _cdf_unit(x / s2, c)
    return float(out) if out.ndim == 0 else out


_GL16 = np.polynomial.legendre.leggauss(16)


def _cdf_unit(x, c):
    """CDF of the σ² = 1 law, vectorised over x and c (see :func:`mp_cdf`)."""
    x, c = np.broadcast_arrays(np.asarray(x, float), np.asarray(c, float))
    sc = np.sqrt(c)
    a, b = _edges(c, 1.0)
    phi = 2 * np.arctan2(np.sqrt(np.clip(x - a, 0, None)), np.sqrt(np.clip(b - x, 0, None)))
    # Panels [0, 2^-J], [2^-J, 2^-J+1], ..., [1/2, 1] of φ/Φ: J resolves the scale r of the
    # poles at ±i·O(r) that approach the interval as c → 1 (none at c = 1 exactly).
    r = np.abs(1 - c) / (1 + sc) ** 2
    r_min = r[r > 0].min(initial=1.0) if r.size else 1.0
    J = int(min(64, max(0, np.ceil(np.log2(np.pi / r_min)) + 1)))
    g, gw = _GL16
    edges = np.concatenate([[0.0], 2.0 ** -np.arange(J, -1, -1.0)])
    lo, hi = edges[:-1, None], edges[1:, None]
    nodes = ((hi - lo) * (g + 1) / 2 + lo).ravel()
    wts = ((hi - lo) * gw / 2).ravel()
    ph = phi[..., None] * nodes
    den = a[..., None] + 4 * sc[..., None] * np.sin(ph / 2) ** 2
    h = np.sin(ph) ** 2 / np.where(den > 0, den, 1.0)  # den = 0 only at φ = 0 with c = 1
    cont = (h @ wts) * phi * 2 / np.pi
    atom = np.where(x >= 0, np.maximum(0.0, 1 - 1 / c), 0.0)
    return np.clip(cont + atom, 0.0, 1.0)


def mp_sample(size, ratio, sigma2=1.0, *, rng):
    """Draw i.i.d. samples from the limiting Marchenko–Pastur law (atom included).

    Sampling is by inversion of :func:`mp_cdf`, so pdf, cdf and samples agree on the atom.

    Parameters
    ----------
    size : int
        Number of samples.
    ratio, sigma2 : float, > 0
    rng : numpy.random.Generator or int
        Source of randomness (a seed is turned into ``default_rng(seed)``).

    Examples
    --------
    >>> s = mp_sample(100_000, 2.0, rng=0)
    >>> round(float(np.mean(s == 0)), 2)   # the atom 1 - 1/c; its binomial s.d. is 0.0016
    0.5
    """
    size = V.size("size", size, minimum=0)
    c, s2 = _resolvable(V.scalar("ratio", ratio), V.scalar("sigma2", sigma2))
    gen = V.rng(rng)
    V.check_allocation([(size,)] * 3, f"{size} samples", "size")
    a, b = _edges(float(c), 1.0)
    grid, _ = cosine_map(a, b, np.linspace(0, np.pi, 4097))
    cdf = _cdf_unit(grid, float(c))
    atom = max(0.0, 1 - 1 / float(c))
    u = gen.uniform(size=size)
    return float(s2) * np.where(u < atom, 0.0, np.interp(u, cdf, grid))


def mp_stieltjes(z, ratio, sigma2=1.0):
    """Stieltjes transform :math:`m(z) = \\int \\mu_{c,\\sigma^2}(dt) / (t - z)` of the MP law.

    Parameters
    ----------
    z : complex or array_like
        Any point off the support: complex with ``Im z != 0``, or real outside ``[a, b]``
        (and ``z != 0`` when ``c > 1``, where the atom makes ``m`` blow up).
    ratio, sigma2 : float, > 0

    Returns
    -------
    complex or ndarray of complex

    Raises
    ------
    ValueError
        For real ``z`` inside ``[a, b]`` (the boundary value needs a side: pass
        ``x + 1e-9j`` for the limit from the upper half-plane) or at the pole ``z = 0``, ``c > 1``.

    Notes
    -----
    ``m`` is the root of :math:`c\\sigma^2 z m^2 - (\\sigma^2(1-c) - z) m + 1 = 0` that behaves
    like ``-1/z`` at infinity:

    .. math:: m(z) = \\frac{2}{\\sigma^2(1-c) - z - \\sqrt{z-a}\\,\\sqrt{z-b}},

    the rationalised form of :math:`(\\sigma^2(1-c) - z + \\sqrt{z-a}\\sqrt{z-b})/(2c\\sigma^2 z)`,
    which stays accurate at ``z = 0``. The product of two principal square roots (not the root
    of the product) is the branch that is analytic off ``[a, b]``, negative real axis included.

    References
    ----------
    Silverstein & Bai, J. Multivariate Anal. 54 (1995); Couillet & Liao (2022), Thm. 2.4.

    Examples
    --------
    >>> complex(np.round(mp_stieltjes(-1.0, 0.5), 6))   # (√17 - 3)/2: root of m² + 3m - 2 = 0
    (0.561553+0j)
    """
    c, s2 = _params(ratio, sigma2)
    z = V.finite_complex("z", z)
    a, b = _edges(c, s2)
    on_real = z.imag == 0
    if np.any(on_real & (z.real >= a) & (z.real <= b)):
        raise ValueError(
            "z lies on the support [a, b] of the Marchenko–Pastur law, where m(z) needs a limit "
            "from C⁺: pass z + 1e-9j (or use mp_density for the density)"
        )
    if np.any(on_real & (z.real == 0) & (c > 1)):
        raise ValueError("z = 0 is the pole of m(z) created by the atom at 0 when ratio > 1")
    s = np.sqrt(z - a) * np.sqrt(z - b)
    # For c > 1 the denominator below cancels near z = 0 (relative error ~ eps/|z|, visible in
    # ridgeless limits); there use the n × n Gram law, which has the same edges and no atom,
    # and add the atom's term -(1 - 1/c)/z exactly.
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(
            c > 1,
            2.0 / (c * (s2 * (c - 1) - z - s)) - (1 - 1 / c) / z,
            2.0 / (s2 * (1 - c) - z - s),
        )
    return complex(out) if out.ndim == 0 else out


def mp_stieltjes_derivative(z, ratio, sigma2=1.0):
    """Derivative :math:`m'(z) = \\int \\mu(dt) / (t - z)^2` of :func:`mp_stieltjes`.

    Notes
    -----
    Differentiating the quadratic equation of ``m`` gives

    .. math:: m'(z) = \\frac{c\\sigma^2 m^2 + m}{\\sigma^2(1 - c) - z - 2 c \\sigma^2 z m}.

    Same domain and errors as :func:`mp_stieltjes`.

    Examples
    --------
    >>> complex(np.round(mp_stieltjes_derivative(-1.0, 0.5), 6))   # (m²/2 + m)/(3/2 + m), m = (√17-3)/2
    (0.348875+0j)
    """
    c, s2 = _params(ratio, sigma2)
    m = np.asarray(mp_stieltjes(z, c, s2))
    z = np.asarray(z, dtype=complex)
    out = (c * s2 * m**2 + m) / (s2 * (1 - c) - z - 2 * c * s2 * z * m)
    return complex(out) if out.ndim == 0 else out


#: Highest order accepted by :func:`mp_moment` (the cost is O(k) per ratio).
MP_MOMENT_MAX_ORDER = 100_000


def mp_moment(k, ratio, sigma2=1.0):
    r"""k-th moment :math:`\int t^k \mu_{c,\sigma^2}(dt)` of the Marchenko–Pastur law.

    Parameters
    ----------
    k : int, 0 <= k <= 100000
    ratio, sigma2 : float or array_like, > 0

    Raises
    ------
    ValueError
        If the moment exceeds the double-precision range (about 1.8e308): it grows like
        :math:`(\sigma^2(1+\sqrt c)^2)^k`.

    Notes
    -----
    Narayana polynomials: :math:`\sigma^{2k} \sum_{r=0}^{k-1} \frac{c^r}{r+1}\binom{k}{r}\binom{k-1}{r}`,
    e.g. ``1 + c`` for ``k = 2`` and ``1 + 3c + c²`` for ``k = 3`` (``sigma2 = 1``)
    [Bai & Silverstein (2010), Lemma 3.1]. The positive terms are generated by their ratio
    :math:`c\,(k-r)(k-1-r)/((r+1)(r+2))` in logarithms and summed relative to the largest, so
    no intermediate overflows; the relative error is a few units of rounding times
    :math:`\sqrt k` (checked against exact rational arithmetic at k = 2000 in
    ``tests/test_mp.py``).

    Examples
    --------
    >>> mp_moment(3, 0.5)          # 1 + 3c + c² = 1 + 1.5 + 0.25
    2.75
    """
    k = V.integer("k", k, minimum=0, maximum=MP_MOMENT_MAX_ORDER)
    c, s2 = _params(ratio, sigma2)
    c, s2 = np.broadcast_arrays(c, s2)
    if k == 0:
        out = np.ones(c.shape)
    elif k <= 40:
        # Small orders: the direct sum (binomials exact as Python integers, no overflow).
        with np.errstate(over="ignore"):
            out = s2**k * sum(c**r * (comb(k, r) * comb(k - 1, r) // (r + 1)) for r in range(k))
    else:
        r = np.arange(k - 1, dtype=float)
        # log of term_{r+1}/term_r; term_0 = 1
        steps = np.log((k - r) * (k - 1 - r) / ((r + 1) * (r + 2)))
        logt = np.concatenate([[0.0], np.cumsum(steps)])
        lt = logt + np.arange(k) * np.log(c)[..., None]
        top = lt.max(axis=-1)
        log_m = top + np.log(np.exp(lt - top[..., None]).sum(axis=-1)) + k * np.log(s2)
        with np.errstate(over="ignore"):
            out = np.exp(log_m)
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"the moment of order k = {k} exceeds the floating-point range (about 1.8e308) "
            f"for ratio = {V.show_value(ratio)}, sigma2 = {V.show_value(sigma2)}; lower k"
        )
    return float(out) if np.ndim(out) == 0 else out


def mp_norm_deviation(ratio, sigma2=1.0):
    r"""Limit of the operator-norm error :math:`\|XX^\top/n - \sigma^2 I_p\|` in the proportional regime.

    Parameters
    ----------
    ratio, sigma2 : float or array_like, > 0

    Returns
    -------
    float or ndarray
        :math:`\sigma^2\max\{(1+\sqrt c)^2 - 1,\ 1 - (1-\sqrt c)^2\} = \sigma^2(2\sqrt c + c)`
        (for ``c > 1`` the zero eigenvalues give 1, which is smaller).

    Notes
    -----
    The distance of the extreme eigenvalues to :math:`\sigma^2`; it converges (entries with a
    finite fourth moment, Bai & Yin, Ann. Probab. 21 (1993)) to a positive constant although every
    entry of :math:`XX^\top/n` converges: the sample covariance is not consistent in operator
    norm when ``p/n → c > 0``. In the classical regime (``p`` fixed) the error is
    :math:`O(\sqrt{p/n})`.

    Examples
    --------
    >>> mp_norm_deviation(0.25)    # 2 √0.25 + 0.25
    1.25
    """
    c, s2 = _params(ratio, sigma2)
    out = s2 * (2 * np.sqrt(c) + c)
    return float(out) if out.ndim == 0 else out


def mp_ks_distance(eigs, ratio, sigma2=1.0):
    r"""Kolmogorov distance :math:`\sup_x |F_p(x) - F_{c,\sigma^2}(x)|` between an empirical
    spectrum and the Marchenko–Pastur law.

    Parameters
    ----------
    eigs : array_like
        Eigenvalues of one sample covariance.
    ratio, sigma2 : float, > 0

    Returns
    -------
    float
        Evaluated at the jumps of the empirical CDF (where the supremum is attained).
        For Gaussian data it decays like :math:`O(1/p)` up to logarithms [Götze & Tikhomirov,
        Bernoulli 10 (2004)].

    Examples
    --------
    >>> round(mp_ks_distance([0.0, 0.0, 1.0, 3.0], 2.0), 3)   # F(1) - 1/2 = 1/(2π), see below
    0.159

    The atom 1/2 at 0 is matched exactly; the largest gap is just below the sample at 1, where
    the empirical CDF is 1/2 and the law has added the continuous mass 1/(2π) on (0, 1] (at
    c = 2, :math:`F(1) = 1/2 + 1/(2\pi)`: 30-digit quadrature of the density agrees to 1e-31):

    >>> abs(float(mp_cdf(1.0, 2.0)) - 0.5 - 1 / (2 * np.pi)) < 1e-12
    True
    """
    ev = np.sort(np.ravel(V.finite_real("eigs", eigs)))
    if ev.size == 0:
        raise ValueError("eigs must contain at least one eigenvalue")
    ratio, sigma2 = V.scalar("ratio", ratio), V.scalar("sigma2", sigma2)
    F = mp_cdf(ev, ratio, sigma2)
    F_left = mp_cdf(np.nextafter(ev, -np.inf), ratio, sigma2)
    # Ties: the empirical CDF at a repeated value is the last index of the run.
    upper = np.searchsorted(ev, ev, side="right") / ev.size
    lower = np.searchsorted(ev, ev, side="left") / ev.size
    return float(max(np.max(np.abs(upper - F)), np.max(np.abs(lower - F_left))))


def semicircle_density(x, sigma2=1.0):
    """Wigner semicircle density :math:`\\sqrt{(4\\sigma^2 - x^2)^+} / (2\\pi\\sigma^2)`.

    Limit of the eigenvalues of a symmetric ``n × n`` matrix with entries of variance
    ``sigma2 / n`` [Wigner, Ann. Math. 67 (1958)].

    Examples
    --------
    >>> round(float(semicircle_density(0.0)), 6)   # 1/π
    0.31831
    """
    s2 = V.positive("sigma2", sigma2)
    x = V.finite_real("x", x)
    out = np.sqrt(np.clip(4 * s2 - x**2, 0, None)) / (2 * np.pi * s2)
    return float(out) if out.ndim == 0 else out


def semicircle_stieltjes(z, sigma2=1.0):
    r"""Stieltjes transform of the semicircle law, :math:`(-z + \sqrt{z-2\sigma}\sqrt{z+2\sigma})/(2\sigma^2)`.

    Same branch convention and domain rules as :func:`mp_stieltjes` (support ``[-2σ, 2σ]``).

    Notes
    -----
    Evaluated in the rationalised form :math:`-2/(z + \sqrt{z-2\sigma}\sqrt{z+2\sigma})`
    (the two roots' product is :math:`z^2 - 4\sigma^2`), which has no cancellation at large
    ``|z|``: ``semicircle_stieltjes(1e9)`` is :math:`-10^{-9}(1 + 10^{-18})`.

    Examples
    --------
    >>> complex(np.round(semicircle_stieltjes(3.0), 6))    # (-3 + sqrt 5)/2
    (-0.381966+0j)
    """
    s2 = V.positive("sigma2", sigma2)
    z = V.finite_complex("z", z)
    r = 2 * np.sqrt(s2)
    on = (z.imag == 0) & (np.abs(z.real) <= r)
    if np.any(on):
        z0, r0 = np.broadcast_arrays(z, r)
        k = np.flatnonzero(on.ravel())[0]
        raise ValueError(
            f"z = {z0.ravel()[k].real:.6g} lies on the support [-2σ, 2σ] = "
            f"[{-r0.ravel()[k]:.6g}, {r0.ravel()[k]:.6g}] (sigma2 = {float(r0.ravel()[k]) ** 2 / 4:.6g}): "
            "pass z + 1e-9j for the limit from C⁺"
        )
    out = -2.0 / (z + np.sqrt(z - r) * np.sqrt(z + r))
    return complex(out) if out.ndim == 0 else out
