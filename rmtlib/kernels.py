"""Nonlinear kernel matrices of high-dimensional data and their Linear Equivalents (chapter 8).

Three kernel families appear in the book:

- the **expected random-feature kernel** :math:`\\Phi(x,y)=E_w[\\sigma(w^\\top x)\\sigma(w^\\top y)]`,
  ``w ~ N(0, I_p)`` (:func:`rf_kernel`, exact; :func:`rf_kernel_equivalent`, its Linear
  Equivalent);
- the **inner-product kernel** :math:`f(x_i^\\top x_j/p)` of El Karoui (2010)
  (:mod:`rmtlib.inner_product_kernels`);
- the **distance kernel** :math:`f(\\|x_i-x_j\\|^2/p)` on Gaussian mixtures of Couillet &
  Benaych-Georges (2016) (:mod:`rmtlib.distance_kernels`).

This module holds the first (and the bulk of its spectrum, used by chapter 9); the other two
lived here before they got their own modules, and their names are still importable from it.

Normalisations differ, as in the papers: the random-feature kernel takes data with
:math:`\\|x_i\\|^2\\approx\\tau` (columns of ``X``, e.g. :func:`rmtlib.sphere_data`), the
inner-product and distance kernels take data with entries of order one, so
:math:`\\|x_i\\|^2/p\\to\\tau` and the kernel argument is divided by ``p``.
"""

from __future__ import annotations

import numpy as np
from scipy import interpolate

from . import _validate as V
from ._kernel_input import aspect_ratio, data_matrix, data_pair, scale
from .activations import get_activation

# Moved to their own modules: rmtlib.kernels.<name> keeps working.
from .distance_kernels import (  # noqa: F401
    distance_kernel,
    distance_kernel_equivalent,
    distance_kernel_tau,
)
from .gauss import activation_coefficients, hermite_coefficients
from .inner_product_kernels import (  # noqa: F401
    InnerProductEquivalent,
    inner_product_kernel,
    inner_product_kernel_coefficients,
    inner_product_kernel_density,
    inner_product_kernel_edges,
    inner_product_kernel_equivalent,
)
from .mp import mp_density, mp_edges

__all__ = [
    "RF_KERNEL_CLOSED_FORMS",
    "rf_kernel",
    "rf_kernel_equivalent",
    "rf_kernel_bulk_density",
    "rf_kernel_bulk_edges",
]

#: Activations (families) whose expected random-feature kernel has a closed form.
RF_KERNEL_CLOSED_FORMS = (
    "linear",
    "relu",
    "leaky_relu",
    "abs",
    "sign",
    "step",
    "erf",
    "sin",
    "cos",
    "gaussian",
    "quadratic",
    "poly2",
    "exp",
)

_HERMITE_ORDER = 40


def _arccos_parts(nx, ny, G):
    """cos θ, θ and the two arc-cosine integrals k(θ)=E[u⁺v⁺], k̄(θ)=E[u⁺(−v)⁺]."""
    norm = np.outer(nx, ny)
    cos = np.clip(G / np.where(norm > 0, norm, 1.0), -1.0, 1.0)
    th = np.arccos(cos)
    sin = np.sqrt(1 - cos**2)
    k = norm / (2 * np.pi) * (sin + (np.pi - th) * cos)
    kbar = norm / (2 * np.pi) * (sin - th * cos)
    return cos, th, k, kbar


def rf_kernel(X, Y=None, activation="relu"):
    """Exact expected random-feature kernel :math:`\\Phi(x,y)=E_w[\\sigma(w^\\top x)\\sigma(w^\\top y)]`.

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Data points as columns (any norms).
    Y : ndarray, shape (p, m), optional
        Second set of points (default ``X``).
    activation : str, callable or Activation

    Returns
    -------
    ndarray, shape (n, m)

    Notes
    -----
    With :math:`w\\sim N(0,I_p)`, :math:`(w^\\top x, w^\\top y)` is a centred Gaussian pair with
    variances :math:`\\|x\\|^2,\\|y\\|^2` and covariance :math:`x^\\top y`, angle θ. Closed forms
    (:data:`RF_KERNEL_CLOSED_FORMS`): ReLU, the arc-cosine kernel
    :math:`\\frac{\\|x\\|\\|y\\|}{2\\pi}(\\sin\\theta+(\\pi-\\theta)\\cos\\theta)`; sign,
    :math:`\\frac2\\pi\\arcsin\\cos\\theta`; step, :math:`\\frac{\\pi-\\theta}{2\\pi}`; erf,
    :math:`\\frac2\\pi\\arcsin\\frac{2x^\\top y}{\\sqrt{(1+2\\|x\\|^2)(1+2\\|y\\|^2)}}`;
    cos and sin, :math:`e^{-(\\|x\\|^2+\\|y\\|^2)/2}\\cosh(x^\\top y)` and
    :math:`\\ldots\\sinh(x^\\top y)`; :math:`e^{-t^2/2}`,
    :math:`[(1+\\|x\\|^2)(1+\\|y\\|^2)-(x^\\top y)^2]^{-1/2}`; leaky ReLU and abs from the
    arc-cosine pieces; polynomials from Isserlis. Otherwise the Mehler series
    :math:`\\sum_{k\\le 40}c_k(\\|x\\|^2)c_k(\\|y\\|^2)\\rho^k` with Hermite coefficients of
    :func:`rmtlib.hermite_coefficients` (interpolated in the norm), exact on the diagonal; it is
    accurate for smooth σ and for correlations ``|ρ| < 0.9`` (high-dimensional data).

    References
    ----------
    Y. Cho and L. Saul, NeurIPS 2009 (arc-cosine kernels); C. Williams, NeurIPS 1997 (erf);
    Z. Liao and R. Couillet, ICML 2018, Table 1.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> np.round(rf_kernel(X, activation="relu"), 6).tolist()
    [[0.5, 0.159155], [0.159155, 0.5]]
    """
    act = get_activation(activation)
    X, Y = data_pair(X, Y)
    G = X.T @ Y
    ax, ay = np.sum(X * X, axis=0), np.sum(Y * Y, axis=0)
    nx, ny = np.sqrt(ax), np.sqrt(ay)
    fam = act.family or act.name
    if fam == "linear":
        return G
    if fam in ("relu", "leaky_relu", "abs", "sign", "step"):
        cos, th, k, kbar = _arccos_parts(nx, ny, G)
        if fam == "relu":
            return k
        if fam == "leaky_relu":
            sp, sm = act.params
            return (sp**2 + sm**2) * k + 2 * sp * sm * kbar
        if fam == "abs":
            return 2 * (k + kbar)
        if fam == "sign":
            return 2 / np.pi * np.arcsin(cos)
        return (np.pi - th) / (2 * np.pi)
    if fam == "erf":
        return 2 / np.pi * np.arcsin(2 * G / np.sqrt(np.outer(1 + 2 * ax, 1 + 2 * ay)))
    if fam in ("cos", "sin"):
        D = np.exp(-np.add.outer(ax, ay) / 2)
        return D * (np.cosh(G) if fam == "cos" else np.sinh(G))
    if fam == "gaussian":
        return 1 / np.sqrt(np.outer(1 + ax, 1 + ay) - G**2)
    if fam in ("quadratic", "poly2"):
        c2, c1, c0 = act.params if fam == "poly2" else (1.0, 0.0, 0.0)
        A = np.add.outer(ax, ay)
        return c2**2 * (np.outer(ax, ay) + 2 * G**2) + c1**2 * G + c2 * c0 * A + c0**2
    if fam == "exp":
        return np.exp(np.add.outer(ax, ay) / 2 + G)
    return _mehler_kernel(act, ax, ay, G, X is Y)


def _mehler_kernel(act, ax, ay, G, same):
    """Truncated Mehler series with Hermite coefficients interpolated in the squared norm."""
    allnorms = np.concatenate([ax, ay])
    if np.any(allnorms <= 0):
        raise ValueError("rf_kernel by quadrature needs nonzero data points")
    lo, hi = allnorms.min(), allnorms.max()
    if hi - lo < 1e-12 * hi:
        grid = np.array([lo])
    else:
        grid = np.linspace(lo, hi, 9)
    table = np.array([hermite_coefficients(act, _HERMITE_ORDER, t) for t in grid])
    nu = np.array([activation_coefficients(act, t, method="quadrature").nu for t in grid])

    def at(a, vals):
        if grid.size == 1:
            return np.broadcast_to(vals[0], (a.size,) + vals.shape[1:]).copy()
        return interpolate.CubicSpline(grid, vals, axis=0)(a)

    cx, cy = at(ax, table), at(ay, table)
    rho = np.clip(G / np.sqrt(np.outer(ax, ay)), -1.0, 1.0)
    out = np.zeros_like(G)
    power = np.ones_like(G)
    for k in range(_HERMITE_ORDER + 1):
        out += np.outer(cx[:, k], cy[:, k]) * power
        power = power * rho
    if same:
        np.fill_diagonal(out, at(ax, nu))
    return out


def rf_kernel_equivalent(X, activation="relu", *, labels=None):
    """Linear Equivalent :math:`\\tilde\\Phi` of the expected random-feature kernel (n × n).

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Data with :math:`\\|x_i\\|^2\\approx\\tau` (e.g. sphere data, or
        :math:`x\\sim N(\\mu_a, C_a/p)` mixtures).
    activation : str, callable or Activation
    labels : array_like of int, shape (n,), optional
        Class labels; the second-order term then uses class-block averages of
        :math:`(x_i^\\top x_j)^2` (traces :math:`\\operatorname{tr}C_aC_b/p^2`).

    Returns
    -------
    ndarray, shape (n, n)

    Notes
    -----
    With :math:`\\tau=\\frac1n\\sum_i\\|x_i\\|^2`, :math:`\\psi_i=\\|x_i\\|^2-\\tau` and the
    coefficients of :func:`rmtlib.activation_coefficients` at τ,

    .. math::
        \\tilde\\Phi=(a_0\\mathbf 1+\\tfrac{a_2}{2}\\psi)(a_0\\mathbf 1+\\tfrac{a_2}{2}\\psi)^\\top
        +d_1X^\\top X+\\tfrac{a_2^2}{2}S+d_0I_n,

    where :math:`S_{ij}` is the (class-block) mean of :math:`(x_i^\\top x_j)^2` over
    :math:`i\\ne j` (:math:`\\tau^2/p` on the sphere). It follows from the Mehler expansion
    :math:`\\sum_kc_k(\\|x_i\\|^2)c_k(\\|x_j\\|^2)\\rho_{ij}^k` to second order, with
    :math:`\\frac{d}{d\\tau}a_0=a_2/2`, and matches Theorem 1 of Liao & Couillet (2018) in the
    form :math:`d_1\\Omega^\\top\\Omega+VAV^\\top+d_0I`. On the unit sphere it reduces to
    :math:`a_0^2\\mathbf 1\\mathbf 1^\\top+a_1^2X^\\top X+(\\nu-a_0^2-a_1^2)I_n+\\frac{a_2^2}{2p}\\mathbf 1\\mathbf 1^\\top`.
    The identity coefficient :math:`d_0` goes with the off-diagonal second-order term used
    here; with the full matrix :math:`\\frac{a_2^2}2(X^\\top X)^{\\odot 2}` it would be
    :math:`d_0-\\frac{a_2^2}2\\tau^2`. The public code of Gu et al. (NeurIPS 2022,
    ``tilde_CK.py``) subtracts that term but keeps only the off-diagonal part, so its diagonal is
    short by :math:`\\frac{a_2^2}2\\tau^2` (chapter 8 checks it on the smallest eigenvalue).
    (The public ``RMT4RFM.py`` computes the :math:`d_2(tt^\\top+2S)` block as ``A11`` but does
    not put it into ``A``; it only matters when the class traces differ.)

    References
    ----------
    Z. Liao and R. Couillet, ICML 2018, Theorem 1; N. El Karoui, Ann. Statist. 38 (2010).

    Examples
    --------
    >>> X = np.linalg.qr(np.random.default_rng(0).standard_normal((200, 50)))[0]
    >>> E, K = rf_kernel_equivalent(X, "relu"), rf_kernel(X, activation="relu")
    >>> bool(np.linalg.norm(K - E, 2) < 0.05)
    True
    """
    X = data_matrix(X)
    p, n = X.shape
    sq = np.sum(X * X, axis=0)
    tau = float(sq.mean())
    c = activation_coefficients(activation, tau)
    G = X.T @ X
    psi = sq - tau
    # a0 at each point's own norm, to second order in ψ: the O(1/p) mean of ψ² times 1 1ᵀ
    # has operator norm O(n/p) and must be kept for Gaussian (not sphere) data.
    h = max(float(np.abs(psi).max()), 1e-3 * tau)
    if h > 0.9 * tau:
        raise ValueError("the squared norms of X vary too much for a Linear Equivalent")
    lo, hi = (activation_coefficients(activation, t).a0 for t in (tau - h, tau + h))
    u = c.a0 + (hi - lo) / (2 * h) * psi + (hi - 2 * c.a0 + lo) / (2 * h * h) * psi**2
    G2 = G**2
    np.fill_diagonal(G2, np.nan)
    if labels is None:
        S = np.full((n, n), np.nanmean(G2))
    else:
        lab = np.asarray(labels)
        if lab.shape != (n,) or lab.dtype.kind not in "iu":
            raise ValueError(f"labels must be integers of shape ({n},); got {lab!r:.60}")
        classes = np.unique(lab)
        blocks = np.array(
            [[np.nanmean(G2[np.ix_(lab == a, lab == b)]) for b in classes] for a in classes]
        )
        idx = np.searchsorted(classes, lab)
        S = blocks[np.ix_(idx, idx)]
    return np.outer(u, u) + c.d1 * G + c.a2**2 / 2 * S + c.d0 * np.eye(n)


@V.renamed_keywords(tau="tau2")
def rf_kernel_bulk_density(x, activation, n_over_p, tau2=1.0):
    """Limiting bulk density of the random-feature kernel Φ for data on the sphere.

    Model: :math:`x_i` uniform on the sphere of radius :math:`\\sqrt\\tau` in
    :math:`\\mathbb R^p`, :math:`n/p` fixed. By the Linear Equivalent
    :math:`\\Phi\\simeq a_0^2\\mathbf 1\\mathbf 1^\\top+d_1X^\\top X+d_0I_n` (the rank-one term
    makes one outlier), the bulk of Φ is the law of :math:`d_0+d_1\\lambda` with λ distributed
    as the eigenvalues of :math:`X^\\top X`, i.e. Marchenko–Pastur of ratio ``n/p`` and scale τ.

    Parameters
    ----------
    x : float or array_like
        Points at which to evaluate the density.
    activation : str, callable or Activation
    n_over_p : float, in [1e-12, 1e12]
        Ratio ``n/p`` of the ``n × n`` matrix :math:`X^\\top X` (``1/c`` with ``c = p/n``).
    tau2 : float, in (0, 1e100]
        Squared norm of the data points.

    Returns
    -------
    float or ndarray
        :math:`\\rho_{\\mathrm{MP}}((x-d_0)/d_1)/d_1`; for ``n > p`` the atom of mass
        ``1 - p/n`` at :math:`d_0` is not included.

    Raises
    ------
    ValueError
        If :math:`d_1=0` (even activations): the bulk is then an atom at :math:`d_0`.

    References
    ----------
    C. Louart, Z. Liao, R. Couillet, "A random matrix approach to neural networks",
    Ann. Appl. Probab. 28 (2018); Z. Liao, R. Couillet, "On the spectrum of random features
    maps of high dimensional data", ICML 2018.

    Examples
    --------
    >>> co = activation_coefficients("relu")
    >>> x = co.d0 + co.d1 * 1.0          # the image of MP's point 1
    >>> bool(np.isclose(rf_kernel_bulk_density(x, "relu", 0.5), mp_density(1.0, 0.5) / co.d1))
    True
    """
    x = V.finite_real("x", x)
    c = aspect_ratio("n_over_p", n_over_p)
    tau2 = scale("tau2", tau2)
    co = activation_coefficients(activation, tau2)
    if not co.d1 > 0:
        raise ValueError("d1 = 0 (an even activation): the bulk of Phi is an atom at d0")
    return mp_density((x - co.d0) / co.d1, c, tau2) / co.d1


@V.renamed_keywords(tau="tau2")
def rf_kernel_bulk_edges(activation, n_over_p, tau2=1.0):
    """Edges of the bulk of the random-feature kernel Φ for data on the sphere.

    Same model as :func:`rf_kernel_bulk_density`: the bulk of Φ is
    :math:`d_0+d_1\\,\\mathrm{MP}_{n/p}` (scale τ), with edges
    :math:`d_0+d_1\\tau(1\\mp\\sqrt{n/p})^2` (both equal to :math:`d_0` when :math:`d_1=0`).

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> co = activation_coefficients("relu")
    >>> lo, hi = rf_kernel_bulk_edges("relu", 0.25)
    >>> bool(np.isclose(lo, co.d0 + co.d1 * 0.25)), bool(np.isclose(hi, co.d0 + co.d1 * 2.25))
    (True, True)
    """
    c = aspect_ratio("n_over_p", n_over_p)
    tau2 = scale("tau2", tau2)
    co = activation_coefficients(activation, tau2)
    a, b = mp_edges(c, tau2)
    return float(co.d0 + co.d1 * a), float(co.d0 + co.d1 * b)
