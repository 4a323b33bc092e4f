"""Eigenspectral functionals and their Cauchy-integral representation through the resolvent.

An *eigenspectral functional* of a symmetric matrix :math:`M = \\sum_i \\lambda_i u_iu_i^\\top`
mixes eigenvalues and eigenvectors:

.. math:: f_{\\mathcal I}(M) = \\frac1{|\\mathcal I|}\\sum_{i\\in\\mathcal I} f(\\lambda_i)\\,u_i^\\top A u_i .

Because :math:`\\operatorname{tr}AQ(z) = \\sum_i u_i^\\top Au_i/(\\lambda_i - z)`, Cauchy's formula
turns it into a contour integral of the resolvent :math:`Q(z) = (M - zI)^{-1}`,

.. math:: f_{\\mathcal I}(M) = -\\frac{1}{2\\pi i\\,|\\mathcal I|}\\oint_\\Gamma f(z)\\operatorname{tr}\\big(AQ(z)\\big)\\,dz,

with Γ a positively oriented contour enclosing exactly the eigenvalues indexed by
:math:`\\mathcal I` (and ``f`` analytic inside). Replacing ``Q`` by a deterministic equivalent
:math:`\\bar Q` inside the integral gives the limit of the functional: this is how the book goes
"beyond eigenvalues". This module provides the quadrature (:func:`contour_integral`,
:func:`cauchy_functional`) and the finite-``n`` objects to compare with
(:class:`EmpiricalResolvent`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V

__all__ = [
    "Contour",
    "circle_contour",
    "contour_integral",
    "cauchy_functional",
    "spectral_integral",
    "EmpiricalResolvent",
    "kolmogorov_distance",
]


class Contour(NamedTuple):
    """Quadrature of :math:`\\frac{1}{2\\pi i}\\oint_\\Gamma h(z)\\,dz \\approx \\sum_j w_j h(z_j)`.

    Attributes
    ----------
    nodes : ndarray of complex
        Points :math:`z_j` on the contour.
    weights : ndarray of complex
        Weights :math:`w_j`, including the factor :math:`1/(2\\pi i)`.
    """

    nodes: np.ndarray
    weights: np.ndarray


@V.renamed_keywords(n_points="n_nodes")
def circle_contour(center, radius, n_nodes=400):
    """Trapezoidal rule on the positively oriented circle :math:`|z - \\text{center}| = \\text{radius}`.

    Parameters
    ----------
    center : float
        Real centre (the spectra of the book are real).
    radius : float, > 0
    n_nodes : int, >= 8
        Number of equispaced nodes. For an integrand analytic in an annulus around the circle the
        error decays geometrically with ``n_nodes`` [Trefethen & Weideman, SIAM Rev. 56 (2014)].

    Returns
    -------
    Contour

    Notes
    -----
    With :math:`z_j = z_0 + r e^{i\\theta_j}`, :math:`\\theta_j = 2\\pi j/N`, :math:`dz = iz\\,d\\theta`
    gives :math:`w_j = r e^{i\\theta_j}/N`.

    Examples
    --------
    >>> C = circle_contour(0.0, 1.0, 64)
    >>> complex(np.round(np.sum(C.weights / C.nodes), 12))   # (1/2πi) ∮ dz/z = 1
    (1+0j)
    """
    center = V.scalar("center", center)
    radius = V.scalar("radius", radius)
    if not 0 < radius <= 1e150:
        raise ValueError(f"radius must lie in (0, 1e150]; got {radius!r}")
    if abs(center) > 1e150:
        raise ValueError(f"center must lie in [-1e150, 1e150]; got {center!r}")
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8, maximum=10**8)
    V.check_allocation([(n_nodes,)] * 4, "the contour's nodes and weights", "n_nodes", itemsize=16)
    e = np.exp(2j * np.pi * np.arange(n_nodes) / n_nodes)
    return Contour(center + radius * e, radius * e / n_nodes)


@V.renamed_keywords(n_points="n_nodes")
def contour_integral(func, center, radius, n_nodes=400):
    """:math:`\\frac{1}{2\\pi i}\\oint_\\Gamma \\text{func}(z)\\,dz` on a positively oriented circle.

    Parameters
    ----------
    func : callable
        Vectorised over a complex array of nodes.
    center, radius, n_nodes
        See :func:`circle_contour`.

    Returns
    -------
    complex
        By the residue theorem, the sum of the residues of ``func`` inside the circle.

    Examples
    --------
    >>> round(contour_integral(lambda z: z**3 / (z - 2) ** 2, 2.0, 1.0).real, 10)   # (z³)' at 2
    12.0
    """
    V.function("func", func)
    C = circle_contour(center, radius, n_nodes)
    vals = np.asarray(func(C.nodes))
    if vals.shape != C.nodes.shape:
        raise ValueError(
            f"func must return one value per node (shape {C.nodes.shape}); got {vals.shape}"
        )
    if not np.all(np.isfinite(vals)):
        raise ValueError("func is not finite on the contour: move the contour off the spectrum")
    return complex(np.sum(C.weights * vals))


@V.renamed_keywords(n_points="n_nodes")
def cauchy_functional(trace_fn, center, radius, f=None, n_nodes=400):
    """Un-normalised eigenspectral functional :math:`-\\frac1{2\\pi i}\\oint_\\Gamma f(z)\\,g(z)\\,dz`.

    Parameters
    ----------
    trace_fn : callable
        :math:`g(z)`: a resolvent trace :math:`\\operatorname{tr}AQ(z)`, a quadratic form
        :math:`a^\\top Q(z)b`, or their deterministic equivalents; vectorised over complex ``z``
        and real-symmetric (:math:`g(\\bar z) = \\overline{g(z)}`).
    center, radius : float
        The circle Γ; it must enclose the chosen eigenvalues (or the chosen isolated pole of the
        equivalent) and stay away from every other eigenvalue and from the limiting support.
    f : callable, optional
        Analytic function of the eigenvalue (1 if omitted), vectorised.
    n_nodes : int

    Returns
    -------
    float
        :math:`\\sum_{\\lambda_i\\in\\Gamma} f(\\lambda_i)\\,u_i^\\top Au_i` for a finite matrix
        (divide by the number of enclosed eigenvalues — the same integral with ``f = 1`` and
        ``A = I`` — to get :math:`f_{\\mathcal I}`).

    Raises
    ------
    ValueError
        If the integral has an imaginary part above ``1e-8`` relative: ``g`` is then not real
        symmetric, or the contour crosses the spectrum.

    References
    ----------
    Couillet & Liao (2022), §2.2 (eigenspace projections) and §2.5 (spiked models).

    Examples
    --------
    >>> M = np.diag([1.0, 2.0, 5.0])
    >>> R = EmpiricalResolvent(M)
    >>> round(cauchy_functional(R.trace, 1.5, 1.0, f=lambda z: z**2), 10)   # 1 + 4
    5.0
    """
    V.function("trace_fn", trace_fn)
    fn = (lambda z: np.ones_like(z)) if f is None else V.function("f", f)
    val = contour_integral(lambda z: fn(z) * trace_fn(z), center, radius, n_nodes)
    if abs(val.imag) > 1e-8 * max(1.0, abs(val.real)):
        raise ValueError(
            f"the contour integral has a non-negligible imaginary part ({val.imag:.2e}): the "
            "integrand is not real-symmetric or the contour crosses the spectrum"
        )
    return -val.real


@V.renamed_keywords(nodes="n_nodes")
def spectral_integral(f, stieltjes, lower, upper, *, n_nodes=400):
    """Contour integral :math:`-\\frac1{2\\pi i}\\oint_\\Gamma f(z)\\,m(z)\\,dz=\\int f\\,d\\mu`.

    Parameters
    ----------
    f : callable
        Entire (or analytic near the support) function, vectorised over complex arrays.
    stieltjes : callable
        ``m(z)`` for an array of z in the upper half-plane (returns the same shape; may return a
        trailing axis, integrated componentwise).
    lower, upper : float
        An interval that strictly contains the support; Γ is the ellipse through
        ``lower`` and ``upper`` with semi-minor axis half its semi-major axis.
    n_nodes : int
        Trapezoid nodes on Γ (geometric convergence for analytic ``f``).

    Returns
    -------
    float or ndarray

    Notes
    -----
    Only the upper half of Γ is evaluated: :math:`m(\\bar z)=\\overline{m(z)}` for a real
    measure, so the integral is :math:`-\\frac1\\pi\\Im\\int_{\\Gamma_+}f\\,m\\,dz`. Nodes are offset by
    half a step, so none lies on the real axis.

    Examples
    --------
    >>> from rmtlib.mp import mp_stieltjes
    >>> round(spectral_integral(lambda z: z**2, lambda z: mp_stieltjes(z, 0.5), 0.0, 3.1), 10)
    1.5
    """
    V.function("f", f)
    V.function("stieltjes", stieltjes)
    lower, upper = V.scalar("lower", lower), V.scalar("upper", upper)
    if not lower < upper:
        raise ValueError(f"lower must be below upper; got lower = {lower!r}, upper = {upper!r}")
    if max(abs(lower), abs(upper)) > 1e150:
        raise ValueError("lower and upper must lie within [-1e150, 1e150]")
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8, maximum=10**8)
    V.check_allocation([(n_nodes,)] * 6, "the contour's n_nodes", "n_nodes", itemsize=16)
    half = n_nodes // 2
    theta = np.pi * (np.arange(half) + 0.5) / half
    centre, ra = (lower + upper) / 2, (upper - lower) / 2
    rb = ra / 2
    z = centre + ra * np.cos(theta) + 1j * rb * np.sin(theta)
    dz = (-ra * np.sin(theta) + 1j * rb * np.cos(theta)) * (np.pi / half)
    m = np.asarray(stieltjes(z))
    fz = np.asarray(f(z))
    if m.ndim > 1:
        fz = fz.reshape(fz.shape + (1,) * (m.ndim - fz.ndim))
        dz = dz.reshape(dz.shape + (1,) * (m.ndim - 1))
    # Counter-clockwise Γ: the upper half runs from `upper` to `lower`, as θ goes 0 → π.
    val = -np.imag(np.sum(fz * m * dz, axis=0)) / np.pi
    return float(val) if np.ndim(val) == 0 else val


class EmpiricalResolvent:
    """The resolvent :math:`Q(z) = (M - zI)^{-1}` of one symmetric matrix, for any grid of ``z``.

    The matrix is diagonalised once; traces, quadratic forms and eigenspectral functionals are
    then evaluated on whole grids of ``z`` at the cost of a few vector products. This is the
    finite-``n`` side of every comparison with a deterministic equivalent.

    Parameters
    ----------
    M : array_like, shape (p, p)
        Symmetric matrix (e.g. a sample covariance).

    Attributes
    ----------
    eigenvalues : ndarray, shape (p,)
        Ascending.
    eigenvectors : ndarray, shape (p, p)
        Orthonormal columns.

    Examples
    --------
    >>> R = EmpiricalResolvent(np.diag([1.0, 3.0]))
    >>> complex(R.trace(0.0)), complex(R.quadratic_form(0.0, [0.0, 1.0]))   # 1 + 1/3, 1/3
    ((1.3333333333333333+0j), (0.3333333333333333+0j))
    """

    def __init__(self, M):
        M = V.matrix("M", M, square=True)
        if np.abs(M).max() > 1e150:
            raise ValueError("M has entries above 1e150 (its eigendecomposition would overflow)")
        if not np.allclose(M, M.T, atol=1e-10 * max(1.0, np.abs(M).max())):
            raise ValueError("M must be symmetric")
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(M)

    def _kernel(self, z):
        z = V.finite_complex("z", z)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = 1.0 / (self.eigenvalues - z[..., None])
        if not np.all(np.isfinite(k)):
            raise ValueError("z is an eigenvalue of M: the resolvent does not exist there")
        return z, k

    def trace(self, z, A=None):
        """:math:`\\operatorname{tr}AQ(z)` (``A = I`` if omitted), vectorised over ``z``."""
        z, k = self._kernel(z)
        if A is None:
            diag = np.ones(self.eigenvalues.size)
        else:
            A = V.matrix("A", A, square=True)
            if A.shape[0] != self.eigenvalues.size:
                raise ValueError(f"A must be {self.eigenvalues.size} × {self.eigenvalues.size}")
            U = self.eigenvectors
            diag = np.einsum("ij,ik,kj->j", U, A, U)
        out = k @ diag
        return complex(out) if z.ndim == 0 else out

    def quadratic_form(self, z, a, b=None):
        """:math:`a^\\top Q(z)\\,b` (``b = a`` if omitted), vectorised over ``z``."""
        z, k = self._kernel(z)
        p = self.eigenvalues.size
        a = V.finite_real("a", a)
        b = a if b is None else V.finite_real("b", b)
        if a.shape != (p,) or b.shape != (p,):
            raise ValueError(f"a and b must have shape ({p},); got {a.shape} and {b.shape}")
        # Bilinear: computed for unit vectors, then scaled (no overflow in the products).
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        a, b = a / (na if na > 0 else 1.0), b / (nb if nb > 0 else 1.0)
        U = self.eigenvectors
        out = k @ ((U.T @ a) * (U.T @ b)) * (na * nb)
        if not np.all(np.isfinite(out)):
            raise ValueError("a and b: the quadratic form overflows the floating-point range")
        return complex(out) if z.ndim == 0 else out

    def functional(self, interval, A=None, f=None):
        """Eigenspectral functional :math:`\\frac1{|\\mathcal I|}\\sum_{i\\in\\mathcal I}f(\\lambda_i)u_i^\\top Au_i`.

        Parameters
        ----------
        interval : (low, high)
            :math:`\\mathcal I = \\{i : \\text{low} < \\lambda_i < \\text{high}\\}`; must be non-empty.
        A : array_like, shape (p, p), optional
            Identity if omitted.
        f : callable, optional
            1 if omitted.

        Returns
        -------
        float
        """
        iv = V.vector("interval", interval, length=2)
        lo, hi = float(iv[0]), float(iv[1])
        if not lo < hi:
            raise ValueError(f"interval must be (low, high) with low < high; got {interval!r}")
        if f is not None:
            V.function("f", f)
        sel = (self.eigenvalues > lo) & (self.eigenvalues < hi)
        if not sel.any():
            raise ValueError(f"no eigenvalue of M lies in the interval ({lo:g}, {hi:g})")
        U = self.eigenvectors[:, sel]
        if A is not None:
            A = V.matrix("A", A, square=True)
            if A.shape[0] != self.eigenvalues.size:
                raise ValueError(f"A must be {self.eigenvalues.size} × {self.eigenvalues.size}")
        quad = np.ones(sel.sum()) if A is None else np.einsum("ij,ik,kj->j", U, A, U)
        lam = self.eigenvalues[sel]
        fv = np.ones_like(lam) if f is None else np.asarray(f(lam), dtype=float)
        return float(np.mean(fv * quad))


def kolmogorov_distance(samples, x, density):
    """Kolmogorov distance between an empirical spectrum and a limit density given on a grid.

    The distance is :math:`\\sup_t|F_n(t)-F(t)|`, where :math:`F_n(t)=\\frac1n\\#\\{i:\\lambda_i\\le t\\}`
    is the empirical CDF of ``samples`` (e.g. the eigenvalues of a simulated matrix) and
    :math:`F(t)=\\int_{x_0}^t\\rho` the CDF of the limit density :math:`\\rho`, integrated by the
    trapezoid rule on the grid ``x``. It is how the book measures how fast a spectrum
    approaches its High-dimensional Equivalent.

    Parameters
    ----------
    samples : array_like, shape (n,)
        Finite real values, in any order.
    x : array_like, shape (k,)
        Strictly increasing grid that covers the support of the density (and, ideally, every
        sample): mass outside the grid is not seen.
    density : array_like, shape (k,)
        The limit density :math:`\\rho` at ``x``, >= 0; its trapezoid integral over the grid
        must be 1 within 0.02 (a density without atoms; add atoms to ``F`` yourself).

    Returns
    -------
    float
        The supremum over the grid points. It underestimates the supremum over all ``t`` by at
        most the largest increment of ``F`` between two neighbouring grid points, plus the
        jump of :math:`F_n` at a sample that falls between them: use a grid much finer than the
        sample spacing.

    Examples
    --------
    Two samples against the uniform density on [0, 1]: the distance is 1/4.

    >>> x = np.linspace(0, 1, 4001)
    >>> round(kolmogorov_distance([0.25, 0.75], x, np.ones_like(x)), 3)
    0.25
    """
    lam = np.sort(V.finite_real("samples", samples).ravel())
    if lam.size == 0:
        raise ValueError("samples must contain at least one value")
    grid = V.matrix("x", x, ndim=1)
    rho = V.nonnegative("density", density)
    if rho.shape != grid.shape:
        raise ValueError(f"density must have the shape of x {grid.shape}; got {rho.shape}")
    if grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError("x must be a strictly increasing grid of at least two points")
    cdf = np.concatenate([[0.0], np.cumsum((rho[1:] + rho[:-1]) / 2 * np.diff(grid))])
    if abs(cdf[-1] - 1) > 0.02:
        raise ValueError(
            f"density must integrate to 1 over x (within 0.02); got {cdf[-1]:.4f}: "
            "widen or refine the grid"
        )
    emp = np.searchsorted(lam, grid, side="right") / lam.size
    return float(np.max(np.abs(emp - cdf)))
