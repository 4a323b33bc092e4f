"""Spiked covariance models: the BBP phase transition, outlier locations, eigenvector alignments.

Model: ``X = C^{1/2} Z`` (``p × n``, ``ratio = c = p/n``) with
:math:`C = I_p + \\sum_k \\ell_k u_ku_k^\\top` (orthonormal :math:`u_k`, finitely many spikes).
The bulk of :math:`XX^\\top/n` follows the Marchenko–Pastur law; a spike :math:`\\ell_k > \\sqrt c`
produces an isolated eigenvalue whose eigenvector keeps a non-trivial alignment with
:math:`u_k`. Each quantity is given in closed form and through the contour integral of the
deterministic equivalent :math:`u^\\top\\bar Q(z)u` (:mod:`rmtlib.spectral`): the two must agree.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import eigh

from . import _validate as V
from .mp import mp_edges, mp_stieltjes
from .sim import spiked_covariance_data
from .spectral import contour_integral

__all__ = [
    "bbp_threshold",
    "spike_eigenvalue",
    "spike_alignment",
    "spike_eigenvalue_variance",
    "spike_quadratic_form",
    "spike_eigenvalue_contour",
    "spike_alignment_contour",
    "SpikeSample",
    "simulate_spikes",
]


def bbp_threshold(ratio):
    """BBP threshold :math:`\\sqrt c` on the spike strength ``ell``.

    Examples
    --------
    >>> bbp_threshold(0.25)
    0.5
    """
    return V.scalar_or_array(np.sqrt(V.positive("ratio", ratio)))


def spike_eigenvalue(ell, ratio):
    """Almost-sure limit of the sample eigenvalue associated with a spike of strength ``ell``.

    Parameters
    ----------
    ell : float or array_like, >= 0
        Spike strength: :math:`C = I + \\ell\\,uu^\\top`.
    ratio : float or array_like, > 0
        ``c = p / n``.

    Returns
    -------
    float or ndarray
        :math:`(1 + \\ell)(1 + c/\\ell) = 1 + \\ell + c + c/\\ell` if :math:`\\ell > \\sqrt c`,
        otherwise the bulk edge :math:`(1 + \\sqrt c)^2`.

    See Also
    --------
    spike_eigenvalue_contour : the same limit from a contour integral of the resolvent.
    simulate_spikes : the seeded simulation it is compared with.
    bbp_threshold : where the outlier appears.

    Notes
    -----
    Limit of the top eigenvalue of :math:`XX^\\top/n` for one spike (of the k-th for k spikes).
    Below the threshold the eigenvalue sticks to the edge, with fluctuations of order
    :math:`n^{-2/3}`.

    References
    ----------
    Baik, Ben Arous & Péché, Ann. Probab. 33 (2005); Baik & Silverstein, J. Multivariate Anal. 97
    (2006), Thm. 1.1; Couillet & Liao (2022), Thm. 2.13.

    Examples
    --------
    >>> spike_eigenvalue(2.0, 0.5), round(spike_eigenvalue(0.5, 0.5), 6)
    (3.75, 2.914214)
    """
    ell = V.nonnegative("ell", ell)
    c = V.positive("ratio", ratio)
    above = ell > np.sqrt(c)
    safe = np.where(above, ell, 1.0)
    return V.scalar_or_array(np.where(above, (1 + safe) * (1 + c / safe), (1 + np.sqrt(c)) ** 2))


def spike_alignment(ell, ratio):
    """Limit of the squared alignment :math:`(\\hat u^\\top u)^2` of the spike eigenvector.

    Parameters
    ----------
    ell : float or array_like, >= 0
    ratio : float or array_like, > 0

    Returns
    -------
    float or ndarray
        :math:`\\dfrac{1 - c/\\ell^2}{1 + c/\\ell}` if :math:`\\ell > \\sqrt c`, else 0.

    See Also
    --------
    spike_alignment_contour : the same limit from a contour integral of the resolvent.
    simulate_spikes : the seeded simulation it is compared with.

    Notes
    -----
    :math:`\\hat u` is the unit eigenvector of the isolated eigenvalue of :math:`XX^\\top/n`.
    Below the threshold the finite-``p`` alignment vanishes like :math:`O(1/p)` in mean (away from
    the threshold; the transition is smoothed over a window of width :math:`O(p^{-1/3})`).

    References
    ----------
    Paul, Statist. Sinica 17 (2007), Thm. 4; Couillet & Liao (2022), Thm. 2.14.

    Examples
    --------
    >>> round(spike_alignment(2.0, 0.5), 12), spike_alignment(0.5, 0.5)
    (0.7, 0.0)
    """
    ell = V.nonnegative("ell", ell)
    c = V.positive("ratio", ratio)
    above = ell > np.sqrt(c)
    safe = np.where(above, ell, 1.0)
    return V.scalar_or_array(np.where(above, (1 - c / safe**2) / (1 + c / safe), 0.0))


def spike_quadratic_form(z, ell, ratio):
    """Deterministic equivalent :math:`u^\\top\\bar Q(z)u` along a spike direction.

    Parameters
    ----------
    z : complex or array_like
        Off the MP support :math:`[(1-\\sqrt c)^2, (1+\\sqrt c)^2]` (and not 0).
    ell : float, >= 0
    ratio : float, > 0

    Returns
    -------
    complex or ndarray of complex
        :math:`-\\dfrac{1}{z\\,(1 + \\tilde m(z)(1 + \\ell))}` with
        :math:`\\tilde m(z) = c\\,m_{\\rm MP}(z) - (1 - c)/z` (a finite number of spikes does not
        change the limiting law ν = δ₁).

    Notes
    -----
    From :math:`\\bar Q(z) = -\\frac1z(I + \\tilde m(z)C)^{-1}` and :math:`Cu = (1+\\ell)u`. Its
    only singularity off the bulk is a pole where :math:`\\tilde m(z) = -1/(1+\\ell)`, at the
    outlier :func:`spike_eigenvalue`; the residue there is minus the alignment.

    Examples
    --------
    >>> round(spike_quadratic_form(-1.0, 2.0, 0.5).real, 6)
    0.299193
    """
    c = V.scalar("ratio", ratio)
    if not 0 < c <= 1e12:
        raise ValueError(f"ratio must lie in (0, 1e12]; got {ratio!r}")
    ell = V.scalar("ell", ell)
    if ell < 0:
        raise ValueError(f"ell must be >= 0; got {ell!r}")
    z = V.finite_complex("z", z)
    if np.any(z == 0):
        raise ValueError("z = 0 is a pole of u^T Q(z) u (zero eigenvalues); use z != 0")
    m = np.asarray(mp_stieltjes(z, c))
    mt = c * m - (1 - c) / z
    out = -1.0 / (z * (1 + mt * (1 + ell)))
    return complex(out) if out.ndim == 0 else out


# The contour around the outlier has radius half its gap to the bulk edge b; below this
# relative gap the transform near the edge loses more than ~1e-9 to rounding: refused.
_MIN_GAP = 1e-8


def _contour_moments(ell, ratio, n_nodes):
    ell = np.atleast_1d(V.nonnegative("ell", ell))
    c = V.scalar("ratio", ratio)
    if not 0 < c <= 1e12:
        raise ValueError(f"ratio must lie in (0, 1e12]; got {ratio!r}")
    if ell.size == 0:
        raise ValueError("ell must not be empty")
    if np.any(ell > 1e100):
        raise ValueError(f"ell must be at most 1e100; got {V.show_value(ell)}")
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8, maximum=10**6)
    if np.any(ell <= np.sqrt(c)):
        raise ValueError(
            f"ell must exceed the BBP threshold sqrt(ratio) = {np.sqrt(c):.6g} for an isolated "
            "eigenvalue (and a contour around it) to exist"
        )
    b = mp_edges(c)[1]
    out = []
    for e in ell.ravel():
        # A circle around the outlier that stays clear of the bulk [a, b].
        centre = spike_eigenvalue(e, c)
        radius = (centre - b) / 2
        if centre - b <= _MIN_GAP * b:
            raise ValueError(
                f"ell = {e:.10g} is too close to the BBP threshold sqrt(ratio) = {np.sqrt(c):.10g}: "
                f"the outlier is within {_MIN_GAP:g} (relative) of the bulk edge, where no "
                "contour separates them accurately; use spike_eigenvalue / spike_alignment"
            )

        def qf(z):  # integrated within this iteration only
            return spike_quadratic_form(z, e, c)  # noqa: B023

        I0 = -contour_integral(qf, centre, radius, n_nodes)
        I1 = -contour_integral(lambda z: z * qf(z), centre, radius, n_nodes)
        out.append((I0.real, I1.real))
    return np.array(out)


@V.renamed_keywords(n_points="n_nodes")
def spike_alignment_contour(ell, ratio, n_nodes=400):
    """Squared alignment :math:`(\\hat u^\\top u)^2` as the contour integral of :math:`u^\\top\\bar Q u`.

    Parameters
    ----------
    ell : float or array_like, > sqrt(ratio)
    ratio : float, > 0
    n_nodes : int
        Nodes of the trapezoidal rule on the circle.

    Returns
    -------
    float or ndarray
        :math:`-\\frac1{2\\pi i}\\oint_{\\Gamma_\\ell} u^\\top\\bar Q(z)u\\,dz` on a circle around the
        outlier of radius half its distance to the bulk edge. Equals :func:`spike_alignment`.

    Notes
    -----
    For finite ``n``, :math:`-\\frac1{2\\pi i}\\oint_\\Gamma u^\\top Q(z)u\\,dz = \\sum_{\\lambda_i\\in\\Gamma}(u_i^\\top u)^2`
    exactly; replacing ``Q`` by :math:`\\bar Q` (:func:`spike_quadratic_form`) gives the limit.

    Examples
    --------
    >>> round(spike_alignment_contour(2.0, 0.5), 10)
    0.7
    """
    ell_arr = np.asarray(ell)
    res = _contour_moments(ell, ratio, n_nodes)[:, 0]
    return float(res[0]) if ell_arr.ndim == 0 else res.reshape(ell_arr.shape)


@V.renamed_keywords(n_points="n_nodes")
def spike_eigenvalue_contour(ell, ratio, n_nodes=400):
    """Outlier location as :math:`\\oint z\\,u^\\top\\bar Q u\\,dz \\big/ \\oint u^\\top\\bar Q u\\,dz`.

    Parameters
    ----------
    ell : float or array_like, > sqrt(ratio)
    ratio : float, > 0
    n_nodes : int

    Returns
    -------
    float or ndarray
        Equals :func:`spike_eigenvalue` above the threshold.

    Examples
    --------
    >>> round(spike_eigenvalue_contour(2.0, 0.5), 10)
    3.75
    """
    ell_arr = np.asarray(ell)
    mom = _contour_moments(ell, ratio, n_nodes)
    res = mom[:, 1] / mom[:, 0]
    return float(res[0]) if ell_arr.ndim == 0 else res.reshape(ell_arr.shape)


class SpikeSample(NamedTuple):
    """Top sample eigenvalues and eigenvector alignments of one draw of a spiked model.

    Attributes
    ----------
    eigenvalues : ndarray, shape (r,)
        The ``r`` largest eigenvalues of :math:`XX^\\top/n`, matched to the spikes in the order
        given (the k-th largest spike gets the k-th largest eigenvalue).
    alignments : ndarray, shape (r,)
        :math:`(\\hat u_k^\\top u_k)^2` for the same pairs.
    spectrum : ndarray, shape (p,), or None
        All eigenvalues of :math:`XX^\\top/n`, ascending (for histograms of bulk and outliers),
        when requested with ``full_spectrum=True``.
    """

    eigenvalues: np.ndarray
    alignments: np.ndarray
    spectrum: np.ndarray


def simulate_spikes(p, n, ells, *, rng, distribution="gaussian", full_spectrum=False):
    """Draw a spiked sample covariance and measure its top eigenvalues and alignments.

    Parameters
    ----------
    p, n : int
        Dimension and sample size.
    ells : float or array_like, >= 0
        Spike strengths (at most ``p``).
    rng : numpy.random.Generator or int
    distribution : str
        Law of the entries of ``Z`` (see :func:`rmtlib.random_entries`).
    full_spectrum : bool
        Also return every eigenvalue (a full eigendecomposition; otherwise only the top ``r``
        eigenpairs are computed, which is faster).

    Returns
    -------
    SpikeSample

    Examples
    --------
    >>> s = simulate_spikes(400, 800, [2.0], rng=0)
    >>> bool(abs(s.eigenvalues[0] - 3.75) < 0.2), bool(abs(s.alignments[0] - 0.7) < 0.1)
    (True, True)
    """
    ells = np.atleast_1d(V.nonnegative("ells", ells))
    if ells.size == 0:
        raise ValueError("ells must contain at least one spike strength")
    full_spectrum = V.boolean("full_spectrum", full_spectrum)
    p, n = V.size("p", p), V.size("n", n)
    V.check_allocation(
        [(p, n), (p, n), (p, p), (p, p)], "the p × n data and p × p covariance", "p and n"
    )
    X, U = spiked_covariance_data(p, n, ells, rng=rng, distribution=distribution)
    r = ells.size
    S = X @ X.T / n
    if full_spectrum:
        spectrum, vec = np.linalg.eigh(S)
    else:
        spectrum = None
        _, vec = eigh(S, subset_by_index=[p - r, p - 1])
    vec = vec[:, ::-1][:, :r]
    # Rayleigh quotients give the eigenvalues of the returned vectors in both branches.
    lam = np.einsum("ij,ij->j", vec, S @ vec)
    order = np.argsort(-ells, kind="stable")
    eigs = np.empty(r)
    align = np.empty(r)
    eigs[order] = lam
    align[order] = np.sum(vec * U[:, order], axis=0) ** 2
    return SpikeSample(eigs, align, spectrum)


def spike_eigenvalue_variance(ell, ratio, beta=1):
    """Variance of the Gaussian limit of a supercritical spike eigenvalue.

    For ``C = I + ℓ u uᵀ`` with ``ℓ > √c`` the top eigenvalue :math:`\\hat\\lambda` of
    ``X Xᵀ / n`` satisfies :math:`\\sqrt n\\,(\\hat\\lambda - \\rho(\\ell)) \\to N(0, v)` with
    :math:`\\rho(\\ell) = (1 + \\ell)(1 + c/\\ell)` (:func:`spike_eigenvalue`) and

    .. math:: v = \\frac{2}{\\beta}\\,(1 + \\ell)^2\\Bigl(1 - \\frac{c}{\\ell^2}\\Bigr).

    Below the threshold the eigenvalue sticks to the edge with Tracy–Widom fluctuations of
    order ``n^{-2/3}`` instead, so ``ell <= √c`` is refused.

    Parameters
    ----------
    ell : float or array_like
        Spike strengths, all ``> √c``.
    ratio : float
        ``c = p/n > 0``.
    beta : {1, 2}
        1 for real data (Paul 2007, Theorem 3), 2 for complex (Baik, Ben Arous & Péché 2005,
        Theorem 1.1(b)).

    Examples
    --------
    >>> spike_eigenvalue_variance(1.0, 0.25)  # 2 · 4 · (1 − 0.25)
    6.0
    """
    c = V.positive_scalar("ratio", ratio)
    ells = V.finite_real("ell", ell)
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, (int, np.integer)):
        raise TypeError(f"beta must be 1 or 2 (an integer); got {beta!r}")
    if beta not in (1, 2):
        raise ValueError(f"beta must be 1 or 2; got {beta!r}")
    if np.any(ells <= np.sqrt(c)) or np.any(ells > 1e100):
        raise ValueError(
            f"ell must lie in (sqrt(ratio), 1e100] = ({np.sqrt(c):.6g}, 1e100] (above the BBP "
            f"threshold, where the fluctuations are Gaussian); got {V.show_value(ell)}"
        )
    return V.scalar_or_array((2.0 / beta) * (1 + ells) ** 2 * (1 - c / ells**2))
