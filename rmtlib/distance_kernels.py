"""Distance kernels :math:`f(\\|x_i-x_j\\|^2/p)` on Gaussian mixtures and their Linear Equivalent
(chapter 8, Couillet & Benaych-Georges 2016).

Data :math:`x_i=\\mu_a+w_i`, :math:`w_i\\sim N(0,C_a)`, have entries of order one; every distance
:math:`\\|x_i-x_j\\|^2/p` concentrates around one τ (:func:`distance_kernel_tau`), and the
kernel matrix is expanded around it.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from ._kernel_input import covariance_diagonals, data_matrix, derivatives, kernel_function

__all__ = [
    "distance_kernel",
    "distance_kernel_equivalent",
    "distance_kernel_tau",
]


def distance_kernel(X, f):
    """Distance kernel matrix :math:`K_{ij}=f(\\|x_i-x_j\\|^2/p)` (n × n, entries of X of order 1).

    Examples
    --------
    >>> distance_kernel(np.eye(2), lambda t: np.exp(-t / 2)).round(4).tolist()
    [[1.0, 0.6065], [0.6065, 1.0]]
    """
    X = data_matrix(X)
    sq = np.sum(X * X, axis=0)
    D = np.maximum(np.add.outer(sq, sq) - 2 * X.T @ X, 0.0) / X.shape[0]
    return kernel_function(f)(D)


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
        \\tilde K&=f(\\tau)\\mathbf 1\\mathbf 1^\\top
        +f'(\\tau)\\Big[u\\mathbf 1^\\top+\\mathbf 1u^\\top+\\frac{\\|\\mu_a-\\mu_b\\|^2}{p}\\\\
        &\\qquad+\\frac{2(\\mu_a-\\mu_b)^\\top(w_i-w_j)}{p}-\\frac{2}{p}W^\\top W\\Big]\\\\
        &\\quad+\\frac{f''(\\tau)}2\\Big[(u_i+u_j)^2+\\frac{4\\operatorname{tr}C_aC_b}{p^2}\\Big]\\\\
        &\\quad+\\big(f(0)-f(\\tau)+\\tau f'(\\tau)\\big)I_n .

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
    X = data_matrix(X)
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
    cov = (
        np.ones((K, p)) if covariances is None else covariance_diagonals("covariances", covariances)
    )
    if cov.shape != (K, p):
        raise ValueError(f"covariances must have shape ({K}, {p}); got {cov.shape}")
    fn = kernel_function(f)
    props = np.bincount(lab, minlength=K) / n
    tau = 2 * float(props @ cov.sum(axis=1)) / p
    f_tau, f1, f2 = derivatives(fn, tau)
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
        Diagonals of :math:`C_a` (entries in [0, 1e100]); ``None`` means identity (then τ = 2).

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
    cov = covariance_diagonals("covariances", covariances)
    if cov.ndim != 2 or lab.max() >= cov.shape[0]:
        raise ValueError(f"covariances must have shape (K, p) with K > max(labels) = {lab.max()}")
    props = np.bincount(lab, minlength=cov.shape[0]) / lab.size
    return 2.0 * float(props @ cov.sum(axis=1)) / cov.shape[1]
