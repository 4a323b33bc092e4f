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
    >>> mp_edges(0.25)
    (0.25, 2.25)
    """
    c, s2 = _params(ratio, sigma2)
    a, b = s2 * (1 - np.sqrt(c)) ** 2, s2 * (1 + np.sqrt(c)) ** 2
    return (float(a), float(b)) if np.ndim(a) == 0 else (a, b)


def mp_atom(ratio):
    """Mass ``max(0, 1 - 1/c)`` of the Marchenko–Pastur atom at 0 (zero eigenvalues when p > n).

    Examples
    --------
    >>> mp_atom(4.0)
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
    >>> round(float(mp_density(1.0, 0.5)), 6)
    0.421084
    """
    c, s2 = _params(ratio, sigma2)
    x = V.finite_real("x", x)
    a, b = s2 * (1 - np.sqrt(c)) ** 2, s2 * (1 + np.sqrt(c)) ** 2
    inside = (x > a) & (x < b)
    xs = np.where(inside, x, 1.0)
    val = np.sqrt(np.clip((b - xs) * (xs - a), 0, None)) / (2 * np.pi * s2 * c * xs)
    out = np.where(inside, val, 0.0)
    return float(out) if out.ndim == 0 else out


def mp_cdf(x, ratio, sigma2=1.0):
    r"""Cumulative distribution function of the Marchenko–Pastur law, atom included.

    Returns :math:`\mu_{c,\sigma^2}((-\infty, x])`; it jumps by ``max(0, 1 - 1/c)`` at 0.

    Notes
    -----
    Closed form: with :math:`s(x) = \sqrt{(b-x)(x-a)}`, an antiderivative of
    :math:`s(x)/x` on ``[a, b]`` is

    .. math:: G(x) = s(x) + \frac{a+b}{2}\arcsin\frac{2x-a-b}{b-a}
              - \sqrt{ab}\,\arcsin\frac{(a+b)x-2ab}{x(b-a)},

    and the continuous part is :math:`(G(x) - G(a))/(2\pi\sigma^2 c)`. Both arcsines are
    evaluated as ``arctan2`` with the exact complementary term
    (:math:`2s(x)` and :math:`2\sqrt{ab}\,s(x)` respectively), which keeps full accuracy at
    the edges and at ``c = 1``, where the density has a :math:`1/\sqrt x` singularity at 0.

    Examples
    --------
    >>> round(float(mp_cdf(0.0, 2.0)), 6), round(float(mp_cdf(100.0, 2.0)), 6)
    (0.5, 1.0)
    """
    c, s2 = _params(ratio, sigma2)
    x = V.finite_real("x", x)
    a, b = s2 * (1 - np.sqrt(c)) ** 2, s2 * (1 + np.sqrt(c)) ** 2
    xc = np.clip(x, a, b)

    def G(u):
        s = np.sqrt(np.clip((b - u) * (u - a), 0.0, None))
        return (s + (a + b) / 2 * np.arctan2(2 * u - a - b, 2 * s)
                - np.sqrt(a * b) * np.arctan2((a + b) * u - 2 * a * b, 2 * np.sqrt(a * b) * s))

    cont = (G(xc) - G(np.asarray(a))) / (2 * np.pi * s2 * c)
    atom = np.where(x >= 0, np.maximum(0.0, 1 - 1 / c), 0.0)
    out = np.clip(cont + atom, 0.0, 1.0)
    return float(out) if out.ndim == 0 else out


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
    >>> round(float(np.mean(s == 0)), 2)
    0.5
    """
    size = V.integer("size", size, minimum=0)
    c, s2 = _params(ratio, sigma2)
    if c.ndim or s2.ndim:
        raise ValueError("mp_sample takes scalar ratio and sigma2")
    gen = V.rng(rng)
    V.check_allocation([(size,)] * 3, f"{size} samples", "size")
    a, b = mp_edges(float(c), float(s2))
    grid = a + (b - a) * (1 - np.cos(np.linspace(0, np.pi, 4097))) / 2
    cdf = mp_cdf(grid, float(c), float(s2))
    atom = max(0.0, 1 - 1 / float(c))
    u = gen.uniform(size=size)
    return np.where(u < atom, 0.0, np.interp(u, cdf, grid))


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
    >>> complex(np.round(mp_stieltjes(-1.0, 0.5), 6))
    (0.561553+0j)
    """
    c, s2 = _params(ratio, sigma2)
    z = V.finite_complex("z", z)
    a, b = s2 * (1 - np.sqrt(c)) ** 2, s2 * (1 + np.sqrt(c)) ** 2
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
        out = np.where(c > 1, 2.0 / (c * (s2 * (c - 1) - z - s)) - (1 - 1 / c) / z,
                       2.0 / (s2 * (1 - c) - z - s))
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
    >>> complex(np.round(mp_stieltjes_derivative(-1.0, 0.5), 6))
    (0.348875+0j)
    """
    c, s2 = _params(ratio, sigma2)
    m = np.asarray(mp_stieltjes(z, c, s2))
    z = np.asarray(z, dtype=complex)
    out = (c * s2 * m**2 + m) / (s2 * (1 - c) - z - 2 * c * s2 * z * m)
    return complex(out) if out.ndim == 0 else out


def mp_moment(k, ratio, sigma2=1.0):
    """k-th moment :math:`\\int t^k \\mu_{c,\\sigma^2}(dt)` of the Marchenko–Pastur law.

    Notes
    -----
    Narayana polynomials: :math:`\\sigma^{2k} \\sum_{r=0}^{k-1} \\frac{c^r}{r+1}\\binom{k}{r}\\binom{k-1}{r}`,
    e.g. ``1 + c`` for ``k = 2`` and ``1 + 3c + c²`` for ``k = 3`` (``sigma2 = 1``).

    Examples
    --------
    >>> mp_moment(3, 0.5)
    2.75
    """
    k = V.integer("k", k, minimum=0)
    c, s2 = _params(ratio, sigma2)
    if k == 0:
        out = np.ones(np.broadcast(c, s2).shape)
    else:
        out = s2**k * sum(c**r / (r + 1) * comb(k, r) * comb(k - 1, r) for r in range(k))
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
    >>> mp_norm_deviation(0.25)
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
    >>> round(mp_ks_distance([0.0, 0.0, 1.0, 3.0], 2.0), 3)   # atom 1/2 matched exactly
    0.159
    """
    ev = np.sort(np.ravel(V.finite_real("eigs", eigs)))
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
    >>> round(float(semicircle_density(0.0)), 6)
    0.31831
    """
    s2 = V.positive("sigma2", sigma2)
    x = V.finite_real("x", x)
    out = np.sqrt(np.clip(4 * s2 - x**2, 0, None)) / (2 * np.pi * s2)
    return float(out) if out.ndim == 0 else out


def semicircle_stieltjes(z, sigma2=1.0):
    """Stieltjes transform of the semicircle law, :math:`(-z + \\sqrt{z-2\\sigma}\\sqrt{z+2\\sigma})/(2\\sigma^2)`.

    Same branch convention and domain rules as :func:`mp_stieltjes` (support ``[-2σ, 2σ]``).

    Examples
    --------
    >>> complex(np.round(semicircle_stieltjes(3.0), 6))
    (-0.381966+0j)
    """
    s2 = V.positive("sigma2", sigma2)
    z = V.finite_complex("z", z)
    r = 2 * np.sqrt(s2)
    if np.any((z.imag == 0) & (np.abs(z.real) <= r)):
        raise ValueError("z lies on the support [-2σ, 2σ]: pass z + 1e-9j for the limit from C⁺")
    out = (-z + np.sqrt(z - r) * np.sqrt(z + r)) / (2 * s2)
    return complex(out) if out.ndim == 0 else out
