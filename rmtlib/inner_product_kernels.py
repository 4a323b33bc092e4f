"""El Karoui's inner-product kernels :math:`f(x_i^\\top x_j/p)` and their Linear Equivalent
(chapter 8).

Data have entries of order one, so :math:`\\|x_i\\|^2/p\\to\\tau` and the kernel argument is
divided by ``p`` (unlike the random-feature kernel of :mod:`rmtlib.kernels`, which takes data with
:math:`\\|x_i\\|^2\\approx\\tau`). To first order the kernel matrix is
:math:`\\text{const}\\,\\mathbf 1\\mathbf 1^\\top+f'(0)X^\\top X/p+\\text{shift}\\,I_n`, so its bulk is
an affine image of Marchenko–Pastur (El Karoui 2010).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._kernel_input import aspect_ratio, data_matrix, derivatives, kernel_function
from .activations import get_activation
from .mp import mp_density, mp_edges

__all__ = [
    "InnerProductEquivalent",
    "inner_product_kernel",
    "inner_product_kernel_coefficients",
    "inner_product_kernel_equivalent",
    "inner_product_kernel_density",
    "inner_product_kernel_edges",
]


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
    X = data_matrix(X)
    return kernel_function(f)(X.T @ X / X.shape[0])


class InnerProductEquivalent(NamedTuple):
    """Coefficients of El Karoui's equivalent ``const·11ᵀ + slope·XᵀX/p + shift·I``."""

    const: float
    slope: float
    shift: float


@V.renamed_keywords(tau="tau2")
def inner_product_kernel_coefficients(f, tau2=1.0, trC2_over_p2=0.0):
    """Coefficients of the Linear Equivalent of :math:`f(x_i^\\top x_j/p)` (El Karoui 2010).

    Parameters
    ----------
    f : str or callable
        Smooth near 0 and near τ.
    tau2 : float, > 0
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
    tau2 = V.scalar("tau2", tau2)
    if not 0 < tau2 <= 1e12:
        raise ValueError(f"tau2 must lie in (0, 1e12]; got {tau2!r}")
    t2 = V.scalar("trC2_over_p2", trC2_over_p2)
    if t2 < 0:
        raise ValueError(f"trC2_over_p2 must be >= 0; got {trC2_over_p2!r}")
    fn = kernel_function(f)
    f0, f1, f2 = derivatives(fn, 0.0)
    with np.errstate(all="ignore"):
        ftau = float(np.asarray(get_activation(f, name="f")(np.asarray(tau2)), dtype=float))
    if not np.isfinite(ftau):
        raise ValueError(f"tau2 = {tau2!r}: f(tau2) is not finite")
    return InnerProductEquivalent(f0 + f2 / 2 * t2, f1, ftau - f0 - tau2 * f1)


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
    X = data_matrix(X)
    p, n = X.shape
    G = X.T @ X / p
    tau = float(np.trace(G) / n)
    off = G[~np.eye(n, dtype=bool)]
    c = inner_product_kernel_coefficients(f, tau, float(np.mean(off**2)) if n > 1 else 0.0)
    return c.const * np.ones((n, n)) + c.slope * G + c.shift * np.eye(n)


@V.renamed_keywords(ratio="n_over_p", tau="tau2")
def inner_product_kernel_density(x, f, n_over_p, tau2=1.0):
    """Limiting bulk density of :math:`f(x_i^\\top x_j/p)` for ``x ~ N(0, I_p)``, n_over_p = n/p.

    The bulk is that of :math:`\\text{shift}+f'(0)\\,\\mathrm{MP}_{n/p}` (the rank-one
    :math:`\\mathbf 1\\mathbf 1^\\top` term adds one outlier of order n); for ``n > p`` the
    atom of MP at 0 becomes an atom at ``shift`` (not included in the density).

    Examples
    --------
    >>> round(float(inner_product_kernel_density(np.e - 1, np.exp, 0.5)), 4)  # shift + 1
    0.4211
    """
    x = V.finite_real("x", x)
    n_over_p = V.scalar("n_over_p", n_over_p)
    n_over_p = aspect_ratio("n_over_p", n_over_p)
    c = inner_product_kernel_coefficients(f, tau2)
    if c.slope == 0:
        raise ValueError("f'(0) = 0: the bulk degenerates to an atom at the shift")
    return mp_density((x - c.shift) / c.slope, n_over_p) / abs(c.slope)


@V.renamed_keywords(ratio="n_over_p", tau="tau2")
def inner_product_kernel_edges(f, n_over_p, tau2=1.0):
    """Edges of the bulk of El Karoui's kernel :math:`f(x_i^\\top x_j/p)`, n_over_p = n/p.

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
    n_over_p = aspect_ratio("n_over_p", n_over_p)
    c = inner_product_kernel_coefficients(f, tau2)
    a, b = mp_edges(n_over_p)
    lo, hi = sorted((c.shift + c.slope * a, c.shift + c.slope * b))
    return float(lo), float(hi)
