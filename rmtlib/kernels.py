"""Nonlinear kernel matrices of high-dimensional data and their Linear Equivalents (chapter 7).

Three kernel families appear in the book:

- the **expected random-feature kernel** :math:`\\Phi(x,y)=E_w[\\sigma(w^\\top x)\\sigma(w^\\top y)]`,
  ``w ~ N(0, I_p)`` (:func:`rf_kernel`, exact; :func:`rf_kernel_equivalent`, its Linear
  Equivalent);
- the **inner-product kernel** :math:`f(x_i^\\top x_j/p)` of El Karoui (2010)
  (:func:`inner_product_kernel`, :func:`inner_product_kernel_equivalent`);
- the **distance kernel** :math:`f(\\|x_i-x_j\\|^2/p)` on Gaussian mixtures of Couillet &
  Benaych-Georges (2016) (:func:`distance_kernel`, :func:`distance_kernel_equivalent`).

Normalisations differ, as in the papers: the random-feature kernel takes data with
:math:`\\|x_i\\|^2\\approx\\tau` (columns of ``X``, e.g. :func:`rmtlib.sphere_data`), the
inner-product and distance kernels take data with entries of order one, so
:math:`\\|x_i\\|^2/p\\to\\tau` and the kernel argument is divided by ``p``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import interpolate

from . import _validate as V
from .activations import get_activation
from .gauss import activation_coefficients, hermite_coefficients
from .mp import mp_density, mp_edges

__all__ = [
    "RF_KERNEL_CLOSED_FORMS",
    "rf_kernel",
    "rf_kernel_equivalent",
    "InnerProductEquivalent",
    "inner_product_kernel",
    "inner_product_kernel_coefficients",
    "inner_product_kernel_equivalent",
    "inner_product_kernel_density",
    "distance_kernel",
    "distance_kernel_equivalent",
    "rf_kernel_bulk_density",
    "rf_kernel_bulk_edges",
    "inner_product_kernel_edges",
    "distance_kernel_tau",
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


def _data(X, name="X"):
    X = V.matrix(name, X)
    if np.abs(X).max() > 1e100:
        raise ValueError(f"{name} has entries above 1e100: its Gram matrix would overflow")
    V.check_allocation([(X.shape[1], X.shape[1])] * 4, "the n × n kernel matrix", name)
    return X


def _data_pair(X, Y):
    X = _data(X)
    Y = X if Y is None else _data(Y, "Y")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X and Y must have the same dimension p: {X.shape[0]} != {Y.shape[0]}")
    V.check_allocation([(X.shape[1], Y.shape[1])] * 6, "the n × m kernel matrix", "X and Y")
    return X, Y


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
    X, Y = _data_pair(X, Y)
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
    short by :math:`\\frac{a_2^2}2\\tau^2` (chapter 7 checks it on the smallest eigenvalue).
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
    X = _data(X)
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


def _scalar_function(f):
    act = get_activation(f, name="f")

    def call(t):
        val = np.asarray(act(np.asarray(t, dtype=float)), dtype=float)
        if not np.all(np.isfinite(val)):
            raise ValueError(f"the kernel function {act.name!r} returned non-finite values")
        return val

    return call


def _derivatives(fn, t, h=1e-3):
    """f(t), f'(t), f''(t) by fourth-order central differences (f smooth near t)."""
    f = [fn(t + k * h) for k in (-2, -1, 0, 1, 2)]
    d1 = (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)
    d2 = (-f[0] + 16 * f[1] - 30 * f[2] + 16 * f[3] - f[4]) / (12 * h * h)
    return float(f[2]), float(d1), float(d2)


def inner_product_kernel(X, f):
    """Inner-product kernel matrix :math:`K_{ij}=f(x_i^\\top x_j/p)` (n × n).

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Data with entries of order one (:math:`\\|x_i\\|^2/p\\to\\tau`).
    f : str or callable
        Kernel function (smooth near 0 and τ for the Linear Equivalent to hold).

    Examples
    --------
    >>> inner_product_kernel(np.eye(2), np.exp).round(4).tolist()
    [[1.6487, 1.0], [1.0, 1.6487]]
    """
    X = _data(X)
    return _scalar_function(f)(X.T @ X / X.shape[0])


class InnerProductEquivalent(NamedTuple):
    """Coefficients of El Karoui's equivalent ``const·11ᵀ + slope·XᵀX/p + shift·I``."""

    const: float
    slope: float
    shift: float


def inner_product_kernel_coefficients(f, tau=1.0, trC2_over_p2=0.0):
    """Coefficients of the Linear Equivalent of :math:`f(x_i^\\top x_j/p)` (El Karoui 2010).

    Parameters
    ----------
    f : str or callable
        Smooth near 0 and near τ.
    tau : float, > 0
        :math:`\\operatorname{tr}C/p`, the limit of :math:`\\|x_i\\|^2/p`.
    trC2_over_p2 : float, >= 0
        :math:`\\operatorname{tr}C^2/p^2` (``1/p`` for ``C = I``).

    Returns
    -------
    InnerProductEquivalent
        ``const`` :math:`=f(0)+\\frac{f''(0)}2\\frac{\\operatorname{tr}C^2}{p^2}`,
        ``slope`` :math:`=f'(0)`, ``shift`` :math:`=f(\\tau)-f(0)-\\tau f'(0)`.

    Notes
    -----
    :math:`K=\\text{const}\\,\\mathbf 1\\mathbf 1^\\top+\\text{slope}\\,\\frac{X^\\top X}p
    +\\text{shift}\\,I_n+o_{\\|\\cdot\\|}(1)`; derivatives by fourth-order finite differences.

    References
    ----------
    N. El Karoui, "The spectrum of kernel random matrices", Ann. Statist. 38 (2010), Thm. 2.1.

    Examples
    --------
    >>> c = inner_product_kernel_coefficients(np.exp, 1.0)
    >>> round(c.const, 6), round(c.slope, 6), round(c.shift, 6)
    (1.0, 1.0, 0.718282)
    """
    tau = V.scalar("tau", tau)
    if not 0 < tau <= 1e12:
        raise ValueError(f"tau must lie in (0, 1e12]; got {tau!r}")
    t2 = V.scalar("trC2_over_p2", trC2_over_p2)
    if t2 < 0:
        raise ValueError(f"trC2_over_p2 must be >= 0; got {trC2_over_p2!r}")
    fn = _scalar_function(f)
    f0, f1, f2 = _derivatives(fn, 0.0)
    with np.errstate(all="ignore"):
        ftau = float(np.asarray(get_activation(f, name="f")(np.asarray(tau)), dtype=float))
    if not np.isfinite(ftau):
        raise ValueError(f"tau = {tau!r}: f(tau) is not finite")
    return InnerProductEquivalent(f0 + f2 / 2 * t2, f1, ftau - f0 - tau * f1)


def inner_product_kernel_equivalent(X, f):
    """El Karoui's Linear Equivalent of :math:`f(x_i^\\top x_j/p)`, with τ and tr C² from data.

    Uses :math:`\\tau=\\frac1{np}\\sum_i\\|x_i\\|^2` and
    :math:`\\operatorname{tr}C^2/p^2\\approx` mean of :math:`(x_i^\\top x_j/p)^2` over
    :math:`i\\ne j`; see :func:`inner_product_kernel_coefficients`.

    Examples
    --------
    >>> Z = np.random.default_rng(0).standard_normal((400, 100))
    >>> X = np.sqrt(400) * Z / np.linalg.norm(Z, axis=0)  # sphere data: no norm fluctuations
    >>> K, E = inner_product_kernel(X, np.exp), inner_product_kernel_equivalent(X, np.exp)
    >>> bool(np.linalg.norm(K - E, 2) < 0.05)
    True
    """
    X = _data(X)
    p, n = X.shape
    G = X.T @ X / p
    tau = float(np.trace(G) / n)
    off = G[~np.eye(n, dtype=bool)]
    c = inner_product_kernel_coefficients(f, tau, float(np.mean(off**2)) if n > 1 else 0.0)
    return c.const * np.ones((n, n)) + c.slope * G + c.shift * np.eye(n)


def inner_product_kernel_density(x, f, ratio, tau=1.0):
    """Limiting bulk density of :math:`f(x_i^\\top x_j/p)` for ``x ~ N(0, I_p)``, ratio = n/p.

    The bulk is that of :math:`\\text{shift}+f'(0)\\,\\mathrm{MP}_{n/p}` (the rank-one
    :math:`\\mathbf 1\\mathbf 1^\\top` term adds one outlier of order n); for ``n > p`` the
    atom of MP at 0 becomes an atom at ``shift`` (not included in the density).

    Examples
    --------
    >>> round(float(inner_product_kernel_density(np.e - 1, np.exp, 0.5)), 4)  # shift + 1
    0.4211
    """
    x = V.finite_real("x", x)
    ratio = V.scalar("ratio", ratio)
    c = inner_product_kernel_coefficients(f, tau)
    if c.slope == 0:
        raise ValueError("f'(0) = 0: the bulk degenerates to an atom at the shift")
    return mp_density((x - c.shift) / c.slope, ratio) / abs(c.slope)


def distance_kernel(X, f):
    """Distance kernel matrix :math:`K_{ij}=f(\\|x_i-x_j\\|^2/p)` (n × n, entries of X of order 1).

    Examples
    --------
    >>> distance_kernel(np.eye(2), lambda t: np.exp(-t / 2)).round(4).tolist()
    [[1.0, 0.6065], [0.6065, 1.0]]
    """
    X = _data(X)
    sq = np.sum(X * X, axis=0)
    D = np.maximum(np.add.outer(sq, sq) - 2 * X.T @ X, 0.0) / X.shape[0]
    return _scalar_function(f)(D)


def distance_kernel_equivalent(X, f, labels, means, covariances=None):
    """Linear Equivalent of :math:`f(\\|x_i-x_j\\|^2/p)` for a Gaussian mixture (Couillet–Benaych-Georges).

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Samples :math:`x_i=\\mu_a+w_i`, :math:`w_i\\sim N(0,C_a)` (entries of order one), as
        produced by :func:`rmtlib.gaussian_mixture`.
    f : str or callable
        Smooth near τ.
    labels : array_like of int, shape (n,)
    means : array_like, shape (K, p)
        Class means (:math:`\\|\\mu_a-\\mu_b\\|=O(1)`).
    covariances : array_like, shape (K, p), optional
        Diagonals of :math:`C_a` (identity by default), with
        :math:`\\operatorname{tr}(C_a-C^\\circ)=O(\\sqrt p)`.

    Returns
    -------
    ndarray, shape (n, n)

    Notes
    -----
    With :math:`C^\\circ=\\sum_a\\frac{n_a}nC_a`, :math:`\\tau=\\frac2p\\operatorname{tr}C^\\circ`,
    :math:`u_i=\\|w_i\\|^2/p-\\tau/2` (class trace shift plus norm fluctuation, both
    :math:`O(p^{-1/2})`),

    .. math::
        \\tilde K=f(\\tau)\\mathbf 1\\mathbf 1^\\top
        +f'(\\tau)\\Big[u\\mathbf 1^\\top+\\mathbf 1u^\\top+\\frac{\\|\\mu_a-\\mu_b\\|^2}{p}
        +\\frac{2(\\mu_a-\\mu_b)^\\top(w_i-w_j)}{p}-\\frac{2}{p}W^\\top W\\Big]
        +\\frac{f''(\\tau)}2\\Big[(u_i+u_j)^2+\\frac{4\\operatorname{tr}C_aC_b}{p^2}\\Big]
        +\\big(f(0)-f(\\tau)+\\tau f'(\\tau)\\big)I_n .

    :math:`f'(\\tau)` carries the means and the trace shifts (first order), :math:`f''(\\tau)`
    the squared trace shifts and :math:`\\operatorname{tr}C_aC_b` (second order). Derived by
    Taylor expansion of :math:`f` at τ entrywise, keeping every term whose matrix has
    operator norm of order one (Couillet & Benaych-Georges 2016, Thm. 1, in random-matrix form).

    References
    ----------
    R. Couillet and F. Benaych-Georges, "Kernel spectral clustering of large dimensional data",
    Electron. J. Statist. 10 (2016), Theorem 1.

    Examples
    --------
    >>> from rmtlib.sim import gaussian_mixture
    >>> M = np.zeros((2, 300)); M[0, 0], M[1, 0] = 1.5, -1.5
    >>> X, y = gaussian_mixture(300, 200, M, rng=0)
    >>> g = lambda t: np.exp(-t / 2)
    >>> bool(np.linalg.norm(distance_kernel(X, g) - distance_kernel_equivalent(X, g, y, M), 2) < 0.2)
    True
    """
    X = _data(X)
    p, n = X.shape
    lab = np.asarray(labels)
    if lab.shape != (n,) or lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers of shape ({n},)")
    mu = V.matrix("means", means)
    if np.abs(mu).max() > 1e100:
        raise ValueError("means has entries above 1e100: the distances would overflow")
    K = mu.shape[0]
    if mu.shape[1] != p or lab.min() < 0 or lab.max() >= K:
        raise ValueError(f"means must have shape (K, {p}) with labels in 0..K-1")
    cov = np.ones((K, p)) if covariances is None else V.nonnegative("covariances", covariances)
    if cov.shape != (K, p):
        raise ValueError(f"covariances must have shape ({K}, {p}); got {cov.shape}")
    fn = _scalar_function(f)
    props = np.bincount(lab, minlength=K) / n
    tau = 2 * float(props @ cov.sum(axis=1)) / p
    f_tau, f1, f2 = _derivatives(fn, tau)
    f0 = float(fn(0.0))
    W = X - mu[lab].T
    u = np.sum(W * W, axis=0) / p - tau / 2
    Mn = mu @ mu.T
    dmu2 = (np.add.outer(np.diag(Mn), np.diag(Mn)) - 2 * Mn)[np.ix_(lab, lab)] / p
    A = (mu @ W)[lab]  # A[i, j] = μ_{a(i)}ᵀ w_j
    own = np.diag(A)
    # (μ_{a(i)} − μ_{a(j)})ᵀ(w_i − w_j)
    cross = own[:, None] - A - A.T + own[None, :]
    trCC = (cov @ cov.T)[np.ix_(lab, lab)] / p**2
    first = np.add.outer(u, u) + dmu2 + 2 * cross / p - 2 * W.T @ W / p
    second = np.add.outer(u, u) ** 2 + 4 * trCC
    return (
        f_tau * np.ones((n, n)) + f1 * first + f2 / 2 * second + (f0 - f_tau + tau * f1) * np.eye(n)
    )


def rf_kernel_bulk_density(x, activation, n_over_p, tau=1.0):
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
    n_over_p : float, > 0
        Ratio ``n/p`` of the ``n × n`` matrix :math:`X^\\top X` (``1/c`` with ``c = p/n``).
    tau : float, > 0
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
    ratio = float(V.positive("n_over_p", n_over_p))
    tau = float(V.positive("tau", tau))
    co = activation_coefficients(activation, tau)
    if not co.d1 > 0:
        raise ValueError("d1 = 0 (an even activation): the bulk of Phi is an atom at d0")
    return mp_density((x - co.d0) / co.d1, ratio, tau) / co.d1


def rf_kernel_bulk_edges(activation, n_over_p, tau=1.0):
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
    ratio = float(V.positive("n_over_p", n_over_p))
    tau = float(V.positive("tau", tau))
    co = activation_coefficients(activation, tau)
    a, b = mp_edges(ratio, tau)
    return float(co.d0 + co.d1 * a), float(co.d0 + co.d1 * b)


def inner_product_kernel_edges(f, ratio, tau=1.0):
    """Edges of the bulk of El Karoui's kernel :math:`f(x_i^\\top x_j/p)`, ratio = n/p.

    Model: :math:`x_i` with i.i.d. entries of variance one (or on the sphere of radius
    :math:`\\sqrt p`), so :math:`\\tau=1`, and ``n/p`` fixed. By
    :func:`inner_product_kernel_coefficients` the bulk is
    :math:`\\text{shift}+f'(0)\\,\\mathrm{MP}_{n/p}`, with edges
    :math:`f(\\tau)-f(0)-\\tau f'(0)+f'(0)(1\\mp\\sqrt{n/p})^2` (ordered, so a negative
    :math:`f'(0)` swaps them).

    Returns
    -------
    (low, high) : tuple of float

    References
    ----------
    N. El Karoui, "The spectrum of kernel random matrices", Ann. Statist. 38 (2010), Thm. 2.1.

    Examples
    --------
    >>> lo, hi = inner_product_kernel_edges(np.exp, 0.5)     # e - 2 + (1 -/+ sqrt(1/2))^2
    >>> round(lo, 4), round(hi, 4)
    (0.8041, 3.6325)
    """
    ratio = float(V.positive("ratio", ratio))
    c = inner_product_kernel_coefficients(f, tau)
    a, b = mp_edges(ratio)
    lo, hi = sorted((c.shift + c.slope * a, c.shift + c.slope * b))
    return float(lo), float(hi)


def distance_kernel_tau(labels, covariances=None):
    """The point τ around which all distances :math:`\\|x_i-x_j\\|^2/p` of a mixture concentrate.

    Model: the Gaussian mixture of :func:`distance_kernel_equivalent`, :math:`x_i=\\mu_a+w_i`,
    :math:`w_i\\sim N(0,C_a)`; :math:`\\tau=\\frac2p\\operatorname{tr}C^\\circ` with
    :math:`C^\\circ=\\sum_a\\frac{n_a}nC_a` (class proportions read from ``labels``). This is
    the τ at which :func:`distance_kernel_equivalent` expands ``f``.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    covariances : array_like, shape (K, p), optional
        Diagonals of :math:`C_a`; ``None`` means identity (then τ = 2).

    Returns
    -------
    float

    References
    ----------
    R. Couillet and F. Benaych-Georges, "Kernel spectral clustering of large dimensional data",
    Electron. J. Statist. 10 (2016).

    Examples
    --------
    >>> p = 400
    >>> cov = np.ones((2, p)); cov[1] *= 1 + 4 / np.sqrt(p)
    >>> round(distance_kernel_tau([0, 1, 0, 1], cov), 6)   # 2 (1 + 2 / sqrt(p))
    2.2
    """
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.size == 0 or lab.dtype.kind not in "iu" or lab.min() < 0:
        raise ValueError("labels must be a non-empty 1-d array of non-negative integers")
    if covariances is None:
        return 2.0
    cov = V.nonnegative("covariances", covariances)
    if cov.ndim != 2 or lab.max() >= cov.shape[0]:
        raise ValueError(f"covariances must have shape (K, p) with K > max(labels) = {lab.max()}")
    props = np.bincount(lab, minlength=cov.shape[0]) / lab.size
    return 2.0 * float(props @ cov.sum(axis=1)) / cov.shape[1]
