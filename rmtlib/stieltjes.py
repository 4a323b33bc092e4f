"""Deterministic equivalents of the resolvent of a sample covariance, built on Silverstein's law.

Model (see the book's notation page): ``X = C^{1/2} Z`` is ``p × n`` with ``Z`` i.i.d. of mean 0
and variance 1, ``ratio = c = p / n``. The resolvent of the sample covariance is
:math:`Q(z) = (XX^\\top/n - zI_p)^{-1}`; its deterministic equivalent is

.. math:: \\bar Q(z) = -\\frac1z\\big(I_p + \\tilde m(z)\\,C\\big)^{-1},

with :math:`\\tilde m(z)` the solution of Silverstein's equation (:mod:`rmtlib.silverstein`,
whose names are also importable from here): traces :math:`\\frac1p\\operatorname{tr}A\\bar Q`,
quadratic forms :math:`a^\\top\\bar Q b`, the eigenvalues of :math:`\\bar Q` and the δ-form
reused by the nonlinear chapters.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V

# Silverstein's law lived here before it had its own module: its names stay importable from
# rmtlib.stieltjes (not listed in __all__, so that each is documented once, in its own module).
from .silverstein import (  # noqa: F401
    MOMENT_MAX_ORDER,
    SilversteinSolution,
    silverstein_atom,
    silverstein_co_stieltjes,
    silverstein_density,
    silverstein_inverse,
    silverstein_moment,
    silverstein_solve,
    silverstein_stieltjes,
    silverstein_support,
)

__all__ = [
    "qbar_eigenvalues",
    "qbar_trace",
    "qbar_quadratic_form",
    "delta_equivalent",
]


def _scalar(out):
    return complex(out) if np.ndim(out) == 0 else out


def qbar_eigenvalues(z, ratio, pop_eigs, pop_weights=None):
    """Eigenvalues of the deterministic equivalent :math:`\\bar Q(z)`, one per population atom.

    Parameters
    ----------
    z : complex or array_like
        Off the support.
    ratio : float, > 0
    pop_eigs, pop_weights : array_like
        Population spectral law ν (atoms ``t_k``).

    Returns
    -------
    ndarray of complex, shape ``z.shape + (K,)``
        :math:`-1/(z(1 + \\tilde m(z)t_k))` for each atom as given (in the order of
        ``pop_eigs``): the limit of :math:`v^\\top Q(z) v` for a unit ``v`` in the eigenspace
        of ``t_k`` — the "eigenvector information" of the resolvent.

    Notes
    -----
    :math:`\\bar Q(z) = -\\frac1z(I_p + \\tilde m(z)C)^{-1}`, so that
    :math:`\\frac1p\\operatorname{tr}A(Q - \\bar Q) \\to 0` and :math:`a^\\top(Q - \\bar Q)b \\to 0`
    for bounded ``A`` and unit ``a, b``.

    References
    ----------
    Couillet & Liao (2022), Thm. 2.6; Bai & Silverstein (2010), §6.

    Examples
    --------
    With m̃(-1) = 0.9304948 (see :func:`silverstein_stieltjes`) the eigenvalues are
    1/(1 + 0.9304948 t) for t = 1, 3, 7:

    >>> np.round(qbar_eigenvalues(-1.0, 0.1, [1.0, 3.0, 7.0]).real, 4).tolist()
    [0.518, 0.2637, 0.1331]
    """
    t_given, _ = V.spectrum(pop_eigs, pop_weights)
    s = silverstein_solve(z, ratio, pop_eigs, pop_weights)
    zz = np.asarray(s.z)[..., None]
    return -1.0 / (zz * (1.0 + s.m_tilde[..., None] * t_given))


def _pop_cov(pop_cov):
    C = V.finite_real("pop_cov", pop_cov)
    if C.size == 0:
        raise ValueError("pop_cov must not be empty")
    if C.ndim == 1:
        if np.any(C < 0):
            raise ValueError("pop_cov must be >= 0 (a diagonal covariance)")
        return C, None
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(
            f"pop_cov must be a square matrix or the 1-d diagonal; got shape {C.shape}"
        )
    if not np.allclose(C, C.T, atol=1e-10 * max(1.0, np.abs(C).max())):
        raise ValueError("pop_cov must be symmetric")
    lam, U = np.linalg.eigh(C)
    if lam.min() < -1e-10 * max(1.0, lam.max()):
        raise ValueError("pop_cov must be positive semi-definite (a covariance)")
    return np.clip(lam, 0, None), U


def qbar_quadratic_form(z, ratio, pop_cov, a, b=None):
    """Deterministic equivalent :math:`a^\\top\\bar Q(z)b` of the quadratic form :math:`a^\\top Q(z)b`.

    Parameters
    ----------
    z : complex or array_like
        Off the support.
    ratio : float, > 0
        ``c = p / n``.
    pop_cov : array_like, shape (p, p) or (p,)
        Population covariance ``C`` (a 1-d array is its diagonal); its eigenvalues, with equal
        weights ``1/p``, are the law ν.
    a, b : array_like, shape (p,)
        Deterministic vectors (``b = a`` if omitted).

    Returns
    -------
    complex or ndarray of complex, shape of ``z``

    Notes
    -----
    :math:`a^\\top\\bar Q(z)b = -\\frac1z\\sum_j \\frac{(a^\\top v_j)(v_j^\\top b)}{1 + \\tilde m(z)\\lambda_j}`
    with :math:`C = \\sum_j\\lambda_jv_jv_j^\\top`.

    Examples
    --------
    >>> e1 = np.eye(3)[0]     # in the eigenspace of t = 1: 1/(1 + 0.9304948), qbar_eigenvalues
    >>> complex(np.round(qbar_quadratic_form(-1.0, 0.1, [1.0, 3.0, 7.0], e1), 4))
    (0.518+0j)
    """
    lam, U = _pop_cov(pop_cov)
    p = lam.size
    a = V.finite_real("a", a)
    b = a if b is None else V.finite_real("b", b)
    if a.shape != (p,) or b.shape != (p,):
        raise ValueError(
            f"a and b must have shape ({p},) to match pop_cov; got {a.shape}, {b.shape}"
        )
    # Bilinear: computed for unit vectors, then scaled (no overflow in the products).
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    a, b = a / (na if na > 0 else 1.0), b / (nb if nb > 0 else 1.0)
    ca, cb = (a, b) if U is None else (U.T @ a, U.T @ b)
    c, t, w = V.population_law(ratio, lam, None, eigs_name="pop_cov", weights_name="pop_cov")
    s = silverstein_solve(z, c, t, w)
    zz = np.asarray(s.z)[..., None]
    out = np.sum(ca * cb * (-1.0 / (zz * (1.0 + s.m_tilde[..., None] * lam))), axis=-1) * (na * nb)
    if not np.all(np.isfinite(out)):
        raise ValueError("a and b: the quadratic form overflows the floating-point range")
    return _scalar(out)


def qbar_trace(z, ratio, pop_cov, A=None):
    """Deterministic equivalent :math:`\\frac1p\\operatorname{tr}A\\bar Q(z)` of :math:`\\frac1p\\operatorname{tr}AQ(z)`.

    Parameters
    ----------
    z : complex or array_like
    ratio : float, > 0
    pop_cov : array_like, shape (p, p) or (p,)
        Population covariance (or its diagonal).
    A : array_like, shape (p, p), optional
        Deterministic matrix of bounded norm; the identity if omitted (then this is ``m(z)``).

    Returns
    -------
    complex or ndarray of complex

    Examples
    --------
    >>> complex(np.round(qbar_trace(-1.0, 0.5, np.ones(4)), 6))   # = mp_stieltjes(-1, 0.5)
    (0.561553+0j)
    """
    lam, U = _pop_cov(pop_cov)
    p = lam.size
    if A is None:
        diag = np.ones(p)
    else:
        A = V.matrix("A", A, square=True)
        if A.shape != (p, p):
            raise ValueError(f"A must have shape ({p}, {p}) to match pop_cov; got {A.shape}")
        diag = np.diag(A) if U is None else np.einsum("ij,ik,kj->j", U, A, U)
    c, t, w = V.population_law(ratio, lam, None, eigs_name="pop_cov", weights_name="pop_cov")
    s = silverstein_solve(z, c, t, w)
    zz = np.asarray(s.z)[..., None]
    out = np.sum(diag * (-1.0 / (zz * (1.0 + s.m_tilde[..., None] * lam))), axis=-1) / p
    return _scalar(out)


def delta_equivalent(z, ratio, kernel_eigs, kernel_weights=None):
    """The δ of the "δ-form" deterministic equivalent of :math:`S = \\frac1d\\sum_{k=1}^d y_ky_k^\\top`.

    Parameters
    ----------
    z : complex or array_like
        Off the support.
    ratio : float, > 0
        ``n / d`` for ``S`` of size ``n × n`` built from ``d`` samples :math:`y_k \\sim N(0, K)`.
    kernel_eigs, kernel_weights : array_like
        Spectral law of ``K`` (atoms and weights).

    Returns
    -------
    complex or ndarray of complex
        δ(z), solution of :math:`\\delta = \\frac1d\\operatorname{tr}K\\bar Q_S(z)` with
        :math:`\\bar Q_S(z) = (K/(1+\\delta) - zI_n)^{-1}`.

    Notes
    -----
    ``S`` is a sample covariance with population ``K`` and ratio ``n/d``, so
    :math:`\\delta = -1/(z\\tilde m(z)) - 1` with :math:`\\tilde m` its co-resolvent transform
    (:func:`silverstein_solve`); the limit spectrum of ``S`` is :math:`\\mathrm{MP}_{n/d}\\boxtimes\\nu_K`.
    This is the form reused for random features (Louart, Liao & Couillet, Ann. Appl. Probab. 2018).

    Examples
    --------
    >>> d = delta_equivalent(-1.0, 0.5, [1.0])   # 1/m̃ - 1, m̃ = (√17 - 3)/4 + 1/2 (MP)
    >>> complex(np.round(d, 6))
    (0.280776+0j)
    """
    c, t, w = V.population_law(
        ratio, kernel_eigs, kernel_weights, eigs_name="kernel_eigs", weights_name="kernel_weights"
    )
    s = silverstein_solve(z, c, t, w)
    out = -1.0 / (s.z * s.m_tilde) - 1.0
    return _scalar(np.where(s.z.imag == 0, out.real + 0j, out))
