"""Edge fluctuations: the Tracy–Widom laws and a spike-detection test built on them.

The largest eigenvalue of a white sample covariance matrix does not sit exactly at the
Marchenko–Pastur edge: at finite size it fluctuates on the scale ``n^{-2/3}`` around it, with a
Tracy–Widom law (chapter 1 shows the edge; chapter 3 the BBP transition). This module computes
those laws to about 1e-12 (not by a fitted approximation), the centring and scaling of the
largest eigenvalue, and the test "is there a spike?" whose false-alarm rate they control.

Method: Bornemann's Nyström discretisation of the Fredholm determinants (Bornemann 2010,
*Math. Comp.* 79, 871–915, with its error analysis: exponential convergence in the number of
Gauss–Legendre nodes). With the Airy operator ``A_s`` of kernel ``Ai(x + y + s)`` on
``L²(0, ∞)``,

    F₁(s) = det(I − A_s),   F₂(s) = det(I − A_s) det(I + A_s),
    F₄(s / √2) = (det(I − A_s) + det(I + A_s)) / 2

(Ferrari & Spohn 2005 for F₁, Tracy & Widom 1994 and 1996 for F₂ and F₄; F₄ in the convention
of Tracy & Widom 1996, mean −2.3069). Densities come from the exact derivative of the log
determinant, ``d/ds log det(I ∓ A_s) = ∓ tr((I ∓ A_s)^{-1} A_s')``, not from differences.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy import linalg, optimize, special

from . import _validate as V

__all__ = [
    "tracy_widom_cdf",
    "tracy_widom_pdf",
    "tracy_widom_quantile",
    "TracyWidomScaling",
    "tracy_widom_scaling",
    "SpikeTest",
    "spike_detection_test",
    "LinearStatistic",
    "mp_linear_statistic",
]

_BETAS = (1, 2, 4)
_LEFT = -14.0  # below this every F_beta is smaller than 1e-40: returned as exactly 0
_RIGHT = 40.0  # above this every 1 - F_beta is smaller than 1e-70: returned as exactly 1
_NODES = 56


def _beta(beta, allowed=_BETAS):
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, (int, np.integer)):
        raise TypeError(f"beta must be one of {allowed} (an integer); got {beta!r}")
    if beta not in allowed:
        raise ValueError(
            f"beta must be one of {allowed} (1 real, 2 complex, 4 quaternion); got {beta!r}"
        )
    return int(beta)


def _airy_operator(s, nodes):
    """Nyström matrices of A_s and its s-derivative, symmetrised by the quadrature weights."""
    length = max(14.0 - s, 6.0)  # Ai(x) < 1e-16 beyond x = 14: truncation error below that
    x, w = np.polynomial.legendre.leggauss(nodes)
    x = (x + 1) * length / 2
    w = w * length / 2
    sw = np.sqrt(w)
    iu = np.triu_indices(nodes)  # the kernel is symmetric: evaluate Airy on half the pairs
    ai_u, aip_u, _, _ = special.airy(s + x[iu[0]] + x[iu[1]])
    ai, aip = np.empty((nodes, nodes)), np.empty((nodes, nodes))
    ai[iu], aip[iu] = ai_u, aip_u
    ai.T[iu], aip.T[iu] = ai_u, aip_u
    return sw[:, None] * ai * sw[None, :], sw[:, None] * aip * sw[None, :]


def _dets(s, nodes, with_derivative):
    """det(I - A), det(I + A) and, if asked, their log-derivatives in s."""
    K, dK = _airy_operator(s, nodes)
    eye = np.eye(nodes)
    out = []
    for sign in (-1.0, 1.0):
        M = eye + sign * K
        lu, piv = linalg.lu_factor(M, check_finite=False)
        diag = np.diag(lu)
        det = np.prod(diag) * (-1.0) ** np.count_nonzero(piv != np.arange(nodes))
        dlog = None
        if with_derivative:
            dlog = sign * np.trace(linalg.lu_solve((lu, piv), dK, check_finite=False))
        out.append((det, dlog))
    return out


def _cdf_pdf(s, beta, nodes, want_pdf):
    if beta == 4:
        s = np.sqrt(2.0) * s
    if s < _LEFT:
        return 0.0, 0.0
    if s > _RIGHT:
        return 1.0, 0.0
    (dm, lm), (dp, lp) = _dets(s, nodes, want_pdf)
    if beta == 1:
        F, f = dm, (dm * lm if want_pdf else 0.0)
    elif beta == 2:
        F, f = dm * dp, (dm * dp * (lm + lp) if want_pdf else 0.0)
    else:
        F = (dm + dp) / 2
        f = np.sqrt(2.0) * (dm * lm + dp * lp) / 2 if want_pdf else 0.0
    return float(min(max(F, 0.0), 1.0)), float(max(f, 0.0))


def _evaluate(s, beta, want_pdf):
    beta = _beta(beta)
    arr = V.finite_real("s", s)
    flat = np.ravel(arr)
    values = np.empty(flat.shape)
    for i, si in enumerate(flat):
        F, f = _cdf_pdf(float(si), beta, _NODES, want_pdf)
        values[i] = f if want_pdf else F
    return V.scalar_or_array(values.reshape(arr.shape))


def tracy_widom_cdf(s, beta=1):
    """Tracy–Widom distribution function F_β(s) for β = 1, 2 or 4.

    The limit law of the centred and scaled largest eigenvalue of a Gaussian (β = 1 real,
    2 complex, 4 quaternion) Wigner or Wishart matrix; see :func:`tracy_widom_scaling` for the
    sample covariance.

    Parameters
    ----------
    s : float or array_like
        Points on the real line.
    beta : {1, 2, 4}
        Symmetry class.

    Returns
    -------
    float or ndarray
        F_β(s), absolute error below 1e-12 (56 Gauss–Legendre nodes; Bornemann 2010 shows the
        error decays exponentially in the node count; the tests compare 56 with 160 nodes, and
        the moments with the literature values to 1e-9).

    Notes
    -----
    Fredholm determinants of the Airy operator ``A_s`` (kernel ``Ai(x + y + s)`` on
    ``(0, ∞)``): :math:`F_1(s) = \\det(I - A_s)`, :math:`F_2(s) = \\det(I - A_s^2)` and
    :math:`F_4(s/\\sqrt2) = \\tfrac12[\\det(I - A_s) + \\det(I + A_s)]` (module docstring).

    References
    ----------
    Tracy & Widom, *Comm. Math. Phys.* 159 (1994) and 177 (1996); Ferrari & Spohn,
    *J. Phys. A* 38 (2005); Bornemann, *Math. Comp.* 79 (2010).

    Examples
    --------
    The median of TW₁ is near −1.27 (Bornemann 2010, Table 5: −1.2686):

    >>> round(tracy_widom_cdf(-1.2686, beta=1), 3)
    0.5

    See Also
    --------
    tracy_widom_pdf, tracy_widom_quantile, tracy_widom_scaling
    """
    return _evaluate(s, beta, want_pdf=False)


def tracy_widom_pdf(s, beta=1):
    """Tracy–Widom density f_β(s) = F_β'(s) for β = 1, 2 or 4 (see :func:`tracy_widom_cdf`).

    The derivative is exact (trace of the resolvent of the Airy operator times its derivative),
    with the same accuracy as the distribution function.

    Examples
    --------
    The density is the derivative of :func:`tracy_widom_cdf` (a central difference, whose error
    at step 1e-3 is about 1e-8; the tests also check that it integrates to one):

    >>> h = 1e-3
    >>> slope = (tracy_widom_cdf(-1.5 + h, beta=2) - tracy_widom_cdf(-1.5 - h, beta=2)) / (2 * h)
    >>> bool(abs(tracy_widom_pdf(-1.5, beta=2) - slope) < 1e-7)
    True
    """
    return _evaluate(s, beta, want_pdf=True)


def tracy_widom_quantile(q, beta=1):
    """The q-quantile of the Tracy–Widom law F_β (the s with F_β(s) = q).

    Parameters
    ----------
    q : float or array_like
        Probabilities in ``[1e-12, 1 - 1e-12]``.
    beta : {1, 2, 4}

    Examples
    --------
    The 95% quantile of TW₁, the threshold of a 5% test (0.9793, Johnstone 2001, Table 1):

    >>> round(tracy_widom_quantile(0.95, beta=1), 4)
    0.9793
    """
    beta = _beta(beta)
    qs = V.in_range("q", q, 1e-12, 1 - 1e-12)
    out = np.array([_quantile(float(qi), beta) for qi in np.ravel(qs)])
    return V.scalar_or_array(out.reshape(qs.shape))


@lru_cache(maxsize=256)  # a test's threshold is asked for again at every call
def _quantile(q, beta):
    return optimize.brentq(
        lambda s: _cdf_pdf(s, beta, _NODES, False)[0] - q,
        -10.0,
        12.0,
        xtol=1e-13,
        rtol=1e-13,
        maxiter=200,
    )


class TracyWidomScaling(NamedTuple):
    """Centring and scale of the largest eigenvalue: ``λ_max ≈ centre + scale · TW_β``."""

    centre: float
    scale: float


def tracy_widom_scaling(n, p, beta=1):
    """Centring and scaling of the largest eigenvalue of the sample covariance ``X Xᵀ / n``.

    For ``X`` of size ``p × n`` with i.i.d. standard Gaussian entries (real for β = 1, complex
    with ``E|X_ij|² = 1`` for β = 2), ``(λ_max − centre) / scale`` converges to TW_β.

    Parameters
    ----------
    n, p : int
        Number of samples and dimension, both >= 2.
    beta : {1, 2}

    Returns
    -------
    TracyWidomScaling
        ``centre = μ/n`` and ``scale = σ/n`` with, for β = 1 (Johnstone 2001, Theorem 1),
        :math:`\\mu = (\\sqrt{n-1} + \\sqrt p)^2` and
        :math:`\\sigma = (\\sqrt{n-1} + \\sqrt p)(1/\\sqrt{n-1} + 1/\\sqrt p)^{1/3}`, and for
        β = 2 (Johansson 2000) the same with ``n`` in place of ``n − 1``. The ``n − 1`` is
        Johnstone's finite-size refinement; the centre tends to the Marchenko–Pastur edge
        :math:`(1 + \\sqrt c)^2` and the scale is of order :math:`n^{-2/3}`.

    Examples
    --------
    >>> t = tracy_widom_scaling(1000, 500)
    >>> round(t.centre, 4), round(t.scale, 4)
    (2.9125, 0.0229)
    """
    n = V.integer("n", n, minimum=2)
    p = V.integer("p", p, minimum=2)
    beta = _beta(beta, (1, 2))
    m = n - 1 if beta == 1 else n
    root = np.sqrt(m) + np.sqrt(p)
    return TracyWidomScaling(
        float(root**2 / n), float(root * (1 / np.sqrt(m) + 1 / np.sqrt(p)) ** (1 / 3) / n)
    )


class SpikeTest(NamedTuple):
    """Result of :func:`spike_detection_test`."""

    statistic: float  #: (λ_max − centre) / scale
    threshold: float  #: the eigenvalue above which the test rejects "no spike"
    p_value: float  #: 1 − F_β(statistic)
    reject: bool  #: statistic above the (1 − level) quantile of TW_β


def spike_detection_test(X, level=0.05, beta=1):
    """Test "the population covariance is the identity" against "it has a spike" (Roy's test).

    The statistic is the largest eigenvalue of ``X Xᵀ / n`` centred and scaled by
    :func:`tracy_widom_scaling`; under the null hypothesis (i.i.d. standard Gaussian entries) it
    is asymptotically TW_β, so rejecting above the ``1 − level`` quantile has false-alarm rate
    ``level``. A spike ``ℓ`` is detected with probability tending to one when it is above the
    BBP threshold ``√c`` (its eigenvalue then leaves the bulk, chapter 3) and with probability
    tending to ``level`` below it.

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Data, columns are samples (real for β = 1, complex for β = 2).
    level : float
        False-alarm rate, in (0, 0.5].
    beta : {1, 2}

    Returns
    -------
    SpikeTest

    References
    ----------
    Johnstone, *Ann. Statist.* 29 (2001); Baik, Ben Arous & Péché, *Ann. Probab.* 33 (2005).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((100, 200))
    >>> spike_detection_test(X).reject
    False
    """
    level = float(V.in_range("level", V.scalar("level", level), 0.0, 0.5, low_open=True))
    beta = _beta(beta, (1, 2))
    X = np.asarray(X)
    if X.dtype.kind not in "biufc" or X.ndim != 2 or min(X.shape) < 2:
        raise ValueError(f"X must be a numeric p × n matrix with p, n >= 2; got shape {X.shape}")
    if not np.all(np.isfinite(X)) or np.max(np.abs(X)) > 1e150:
        raise ValueError("X must be finite, with entries below 1e150 (X Xᵀ would overflow)")
    p, n = X.shape
    scaling = tracy_widom_scaling(n, p, beta)
    small = X @ X.conj().T if p <= n else X.conj().T @ X
    top = float(np.linalg.eigvalsh(small / n)[-1])
    stat = (top - scaling.centre) / scaling.scale
    q = tracy_widom_quantile(1 - level, beta)
    return SpikeTest(
        stat,
        scaling.centre + q * scaling.scale,
        float(1 - tracy_widom_cdf(stat, beta)),
        bool(stat > q),
    )


class LinearStatistic(NamedTuple):
    """Gaussian limit of a linear spectral statistic ``Σ_i f(λ_i)`` of ``X Xᵀ / n``."""

    centre: float  #: p ∫ f dμ_{p/n, σ²}, the first-order value
    mean: float  #: the O(1) correction: E Σ f(λ_i) − centre → mean
    variance: float  #: Var Σ f(λ_i) → variance (no 1/p: the fluctuations are O(1))


def mp_linear_statistic(f, n, p, sigma2=1.0, beta=1, *, terms=128):
    """Centre, mean correction and variance of ``Σ_i f(λ_i)`` for a white sample covariance.

    For ``X`` of size ``p × n`` with i.i.d. Gaussian entries of variance ``σ²`` (real for β = 1,
    complex for β = 2) and ``p ≤ n``, the eigenvalues ``λ_i`` of ``X Xᵀ / n`` satisfy a central
    limit theorem with no normalisation: ``Σ f(λ_i) − p ∫ f dμ_{p/n, σ²}`` tends to a Gaussian
    of the ``mean`` and ``variance`` returned (Bai & Silverstein 2004). Error bars from it are
    what the theory predicts for a figure's Monte-Carlo spread.

    Parameters
    ----------
    f : callable
        Vectorised real function, analytic on a neighbourhood of the support.
    n, p : int
        Samples and dimension, ``1 <= p <= n``.
    sigma2 : float
    beta : {1, 2}
    terms : int
        Chebyshev terms used (the coefficients of an analytic ``f`` decay geometrically).

    Returns
    -------
    LinearStatistic

    Notes
    -----
    With :math:`x(\\theta) = \\sigma^2(1 + c + 2\\sqrt c\\cos\\theta)` and
    :math:`f(x(\\theta)) = \\sum_{k\\ge0} a_k \\cos k\\theta`, the limit has
    :math:`\\mathrm{Var} = \\frac{1}{2\\beta}\\sum_{k\\ge1} k\\,a_k^2` and, for β = 1,
    mean :math:`\\frac12\\sum_{k\\ge1} a_{2k}` (for β = 2 the mean is 0). This is Bai &
    Silverstein's Theorem 1.1 (contour integrals (1.6)–(1.7)) written in the Chebyshev basis;
    for ``f(x) = x`` it gives variance ``2cσ⁴`` (β = 1), the exact variance of ``tr X Xᵀ/n``.

    References
    ----------
    Bai & Silverstein, *Ann. Probab.* 32 (2004); Lytova & Pastur, *Ann. Probab.* 37 (2009).

    Examples
    --------
    ``Σ λ_i²``: variance :math:`4c(2c^2 + 5c + 2)` and mean ``c`` for real entries:

    >>> s = mp_linear_statistic(lambda x: x**2, 400, 200)
    >>> round(s.mean, 10), round(s.variance, 10)
    (0.5, 10.0)
    """
    f = V.function("f", f, nargs=1)
    n = V.integer("n", n, minimum=1)
    p = V.integer("p", p, minimum=1)
    if p > n:
        raise ValueError(
            f"p must be <= n (the MP law has an atom at 0 otherwise); got p={p}, "
            f"n={n}: use the n x n Gram matrix instead"
        )
    s2 = float(V.positive("sigma2", V.scalar("sigma2", sigma2)))
    beta = _beta(beta, (1, 2))
    terms = V.integer("terms", terms, minimum=8)
    if terms > 4096:
        raise ValueError(f"terms must be <= 4096; got {terms}")
    c = p / n
    m = 2 * terms
    theta = np.pi * (np.arange(m) + 0.5) / m  # Chebyshev–Gauss nodes: exact cosine transform
    values = np.asarray(f(s2 * (1 + c + 2 * np.sqrt(c) * np.cos(theta))), dtype=float)
    if values.shape != theta.shape or not np.all(np.isfinite(values)):
        raise ValueError("f must return finite values of the shape of its input on the support")
    k = np.arange(terms)
    a = (2.0 / m) * np.cos(np.outer(k, theta)) @ values
    a[0] /= 2
    # p ∫ f dμ_c: in θ the MP density is (2/π) sin²θ / (1 + c + 2√c cos θ) dθ.
    weight = (2 / np.pi) * np.sin(theta) ** 2 / (1 + c + 2 * np.sqrt(c) * np.cos(theta))
    centre = p * (np.pi / m) * weight @ values
    mean = 0.5 * a[2::2].sum() if beta == 1 else 0.0
    variance = (k[1:] * a[1:] ** 2).sum() / (2 * beta)
    return LinearStatistic(float(centre), float(mean), float(variance))
