"""The random-features Gram matrix G = ΣᵀΣ/N and its limiting spectrum (chapter 9).

Model (see the book's notation page): ``X`` is ``p × n`` with columns of norm about ``√τ``; ``W`` is
``N × p`` with i.i.d. N(0, 1) entries; features ``Σ = σ(WX)`` (``N × n``, :func:`rf_features`);
``G = ΣᵀΣ/N`` (:func:`rf_gram`) has expectation the kernel ``Φ`` of :func:`rmtlib.rf_kernel`.
Given the data, the rows of Σ are i.i.d. with second moment Φ, so the limiting spectrum of G is
Silverstein's law MP_{n/N} ⊠ ν_Φ (:func:`rf_gram_stieltjes`, solved by
:func:`rmtlib.silverstein_solve`); for i.i.d. data ν_Φ is the law of d₀ + d₁·MP_{n/p}
(:func:`rf_kernel_spectrum_iid`). Ridge regression on these features is :mod:`rmtlib.rf`.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from ._features import bounded_entries
from ._grids import cosine_gauss
from ._kernel_input import SCALE_MAX, aspect_ratio, scale
from .activations import get_activation
from .gauss import activation_coefficients
from .mp import mp_atom, mp_density, mp_edges
from .stieltjes import silverstein_solve

__all__ = [
    "rf_kernel_spectrum_iid",
    "rf_gram_stieltjes",
    "rf_gram_density",
    "rf_features",
    "rf_gram",
]


# Refused rather than computed inaccurately: ratios and scales outside the ranges of
# _kernel_input (the kernels' checks), and Gauss–Legendre rules above _MAX_NODES (O(n²) to build).
_MAX_NODES = 1000


def _kernel_spectrum(kernel_eigs, kernel_weights):
    """The law of Φ, in the range where Silverstein's equation is solved accurately."""
    t, w = V.spectrum(
        kernel_eigs, kernel_weights, eigs_name="kernel_eigs", weights_name="kernel_weights"
    )
    pos = t[t > 0]
    if pos.size == 0:
        raise ValueError("kernel_eigs must contain at least one positive eigenvalue")
    if not 1e-100 <= pos.max() <= 1e100 or pos.max() > 1e12 * pos.min():
        raise ValueError(
            "kernel_eigs must have positive eigenvalues within [1e-100, 1e100] spanning at most "
            f"12 decades; got [{pos.min():.3g}, {pos.max():.3g}]"
        )
    return t, w


@V.renamed_keywords(tau="tau2")
def rf_kernel_spectrum_iid(activation, n_over_p, tau2=1.0, n_nodes=400):
    """Discretised limiting spectrum of Φ for i.i.d. data: the law of ``d0 + d1 · MP_{n/p}``.

    Parameters
    ----------
    activation : str, callable or Activation
    n_over_p : float, in [1e-12, 1e12]
        Ratio ``n/p`` of the ``n × n`` Gram matrix ``XᵀX`` (unit-norm columns).
    tau2 : float, in (0, 1e100]
        Squared norm of the data points.
    n_nodes : int, in [8, 1000]
        Quadrature nodes for the continuous part.

    Returns
    -------
    eigs, weights : ndarray
        Atoms and weights (summing to 1) of the law, ready for :func:`rf_gram_density`.

    Notes
    -----
    :math:`\\Phi\\simeq a_0^2\\mathbf 1\\mathbf 1^\\top+d_1X^\\top X+d_0I_n` (chapter 8); the
    rank-one term does not change the limiting spectral law, and :math:`X^\\top X` has law
    :math:`\\mathrm{MP}_{n/p}` (scaled by τ). Nodes :math:`x=a+(b-a)(1-\\cos\\theta)/2` with
    Gauss–Legendre in θ (``rmtlib._grids``); an atom at ``d0`` of mass ``1 - p/n`` when
    ``n > p``.

    Examples
    --------
    >>> t, w = rf_kernel_spectrum_iid("relu", 0.5)
    >>> round(float(w.sum()), 10), round(float(t @ w), 6)  # mean d0 + d1 τ = ν − a0²
    (1.0, 0.340845)
    """
    c = aspect_ratio("n_over_p", n_over_p)
    tau2 = scale("tau2", tau2)
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8, maximum=_MAX_NODES)
    co = activation_coefficients(activation, tau2)
    a, b = mp_edges(c, tau2)
    x, w = cosine_gauss(a, b, n_nodes)
    w = w * mp_density(x, c, tau2)
    atom = mp_atom(c)
    w = w * (1 - atom) / w.sum()
    eigs, weights = co.d0 + co.d1 * x, w
    if atom > 0:
        eigs, weights = np.append(eigs, co.d0), np.append(weights, atom)
    return eigs, weights


def rf_gram_stieltjes(z, n_over_N, kernel_eigs, kernel_weights=None, *, tol=1e-11):
    """Stieltjes transform of the limiting spectrum of ``G = ΣᵀΣ/N`` (n × n) given that of Φ.

    Parameters
    ----------
    z : complex array_like
        Spectral argument: Im z > 0, or real z < 0.
    n_over_N : float, in [1e-12, 1e12]
        Ratio n/N.
    kernel_eigs, kernel_weights : array_like
        Spectrum of Φ (eigenvalues of a given Φ with equal weights, or the law of
        :func:`rf_kernel_spectrum_iid`): eigenvalues >= 0, the positive ones within
        [1e-100, 1e100] and spanning at most 12 decades; weights >= 0 summing to 1.
    tol : float, in (0, 1)
        Tolerance of each fixed-point stage of :func:`rmtlib.silverstein_solve`.

    Returns
    -------
    complex ndarray (scalar in, scalar out)

    Notes
    -----
    Rows of Σ are i.i.d. given X with second moment Φ, so G is a sample covariance of N
    samples with population Φ (Louart, Liao & Couillet 2018, Thm. 1):

    .. math::
        \\bar Q(z)=\\Big(\\frac{\\Phi}{1+\\delta}-zI_n\\Big)^{-1},\\quad
        \\delta=\\frac1N\\operatorname{tr}\\Phi\\bar Q(z),\\quad m(z)=\\frac1n\\operatorname{tr}\\bar Q(z).

    This is Silverstein's law :math:`\\mathrm{MP}_{n/N}\\boxtimes\\nu_\\Phi` (for i.i.d. data
    :math:`\\mathrm{MP}_{n/N}\\boxtimes(d_0+d_1\\mathrm{MP}_{n/p})`, Pennington & Worah 2017):
    ``m`` is :func:`rmtlib.silverstein_stieltjes` with ``ratio = n/N`` and population law that of
    Φ: this function calls its solver, :func:`rmtlib.silverstein_solve`.

    See Also
    --------
    rmtlib.silverstein_stieltjes : the same transform in the notation of sample covariances.
    rf_gram_density : its Stieltjes inversion.
    rf_gram : the matrix G itself, to simulate.

    Examples
    --------
    >>> m = rf_gram_stieltjes(-1.0, 0.5, [1.0])  # Φ = I: MP_{1/2}, m(-1) = (√17 − 3)/2
    >>> round(m.real, 6), round(float(np.sqrt(17) - 3) / 2, 6)
    (0.561553, 0.561553)
    """
    z = V.finite_complex("z", z)
    if not np.all((z.imag > 0) | ((z.imag == 0) & (z.real < 0))):
        raise ValueError("z must lie in the upper half-plane (Im z > 0) or on the negative axis")
    ratio = aspect_ratio("n_over_N", n_over_N)
    tol = V.tolerance("tol", tol)
    t, w = _kernel_spectrum(kernel_eigs, kernel_weights)
    m = silverstein_solve(z, ratio, t, w, tol=tol).m
    return complex(m) if z.ndim == 0 else m


def rf_gram_density(x, n_over_N, kernel_eigs, kernel_weights=None, *, eta=None):
    """Limiting eigenvalue density of ``G = ΣᵀΣ/N`` by Stieltjes inversion (atom at 0 excluded).

    Parameters
    ----------
    x : array_like
        Grid of eigenvalues.
    n_over_N : float, in [1e-12, 1e12]
    kernel_eigs, kernel_weights : see :func:`rf_gram_stieltjes`.
    eta : float, in (0, 1e100], optional
        Imaginary part used for the inversion (default ``1e-3 × mean eigenvalue of Φ``, small
        compared with the grid spacing of a histogram).

    Returns
    -------
    ndarray
        :math:`\\frac1\\pi\\Im m(x+i\\eta)`, minus the contribution of the atom of mass
        ``max(0, 1 - N/n)`` at 0.

    Examples
    --------
    >>> round(float(rf_gram_density(1.0, 0.5, [1.0], eta=1e-7)), 4)  # MP_{1/2} density at 1
    0.4211
    """
    x = V.finite_real("x", x)
    ratio = aspect_ratio("n_over_N", n_over_N)
    t, w = _kernel_spectrum(kernel_eigs, kernel_weights)
    if eta is None:
        eta = 1e-3 * float(np.mean(t))
    else:
        eta = scale("eta", eta)
    m = rf_gram_stieltjes(x + 1j * eta, ratio, t, w)
    atom = max(0.0, 1 - 1 / ratio)
    rho = np.imag(m) / np.pi - atom * eta / (np.pi * (x**2 + eta**2))
    return np.maximum(rho, 0.0)


def rf_features(X, n_features, activation="relu", *, rng):
    """Random features :math:`\\Sigma=\\sigma(WX)` (``N × n``), ``W`` with i.i.d. N(0, 1) entries.

    Model: ``X`` is ``p × n`` (columns are samples, norms about :math:`\\sqrt\\tau`),
    ``W ∈ R^{N×p}`` is drawn from ``rng`` row by row, so the first ``N'`` rows drawn with a seed
    are the features of width ``N' < N`` drawn with the same seed (nested models).

    Parameters
    ----------
    X : ndarray, shape (p, n)
    n_features : int, >= 1
        Number of features ``N``.
    activation : str, callable or Activation
    rng : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (N, n)

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X = sphere_data(5, 4, rng=0)
    >>> S = rf_features(X, 3, rng=1)
    >>> W = np.random.default_rng(1).standard_normal((3, 5))
    >>> S.shape, bool(np.allclose(S, np.maximum(W @ X, 0)))
    ((3, 4), True)
    """
    X = bounded_entries("X", V.matrix("X", X), SCALE_MAX)
    N = V.integer("n_features", n_features, minimum=1)
    if N * max(X.shape) > 10**8:
        raise ValueError(
            f"n_features = {N} with X of shape {X.shape} would need more than "
            "10^8 entries; use a smaller N"
        )
    act = get_activation(activation)
    W = V.rng(rng).standard_normal((N, X.shape[0]))
    return act(W @ X)


def rf_gram(X, n_features, activation="relu", *, rng):
    """Random-features Gram matrix :math:`G=\\frac1N\\Sigma^\\top\\Sigma` (``n × n``).

    With :math:`\\Sigma=\\sigma(WX)` from :func:`rf_features`; its expectation over ``W`` is the
    kernel :math:`\\Phi` of :func:`rmtlib.rf_kernel`, and its resolvent has the Deterministic
    Equivalent of :func:`rf_gram_stieltjes` (Louart, Liao & Couillet 2018).

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X = sphere_data(5, 4, rng=0)
    >>> S = rf_features(X, 3, rng=1)
    >>> bool(np.allclose(rf_gram(X, 3, rng=1), S.T @ S / 3))
    True
    """
    S = rf_features(X, n_features, activation, rng=rng)
    return S.T @ S / S.shape[0]
