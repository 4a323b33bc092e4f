"""Heavy tails of weight spectra: power-law tail fits, Student-t controls, layer metrics.

Martin & Mahoney's heavy-tailed self-regularisation (JMLR 22, 2021) reads a trained layer by the
tail of the empirical spectral density (ESD) of :math:`W^\\top W`: a power law
:math:`\\rho(\\lambda) \\propto \\lambda^{-\\alpha}` above some :math:`\\lambda_{\\min}`. This module

- fits that tail with the maintained ``powerlaw`` package (Alstott, Bullmore & Plenz, PLoS ONE 9,
  e85777, 2014: Clauset–Shalizi–Newman maximum likelihood, :math:`\\lambda_{\\min}` chosen by the
  Kolmogorov–Smirnov distance) in :func:`fit_power_law_tail`, and states the fit's reliability
  (its standard error, the number of tail points, a likelihood-ratio test against a log-normal);
- gives an independent estimator, Hill's (:func:`hill_estimator`);
- draws the controls whose tail exponent is known: Gram matrices of i.i.d. Student-t entries
  (:func:`student_t_spectrum`, :func:`esd_tail_exponent`);
- computes the per-layer quantities and the weighted alpha of Martin, Peng & Mahoney (Nature
  Communications 12, 4122, 2021) in :func:`spectral_metrics`.

``powerlaw`` is imported only inside :func:`fit_power_law_tail`; it makes no network access (it
imports numpy, scipy, mpmath and matplotlib only).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from . import _validate as V

__all__ = [
    "ALPHA_RANGE",
    "esd_tail_exponent",
    "student_t_spectrum",
    "hill_estimator",
    "TailFit",
    "fit_power_law_tail",
    "SpectralMetrics",
    "spectral_metrics",
]

#: Range searched for the exponent. ``powerlaw`` 2.0 searches ``[0, 3]`` by default, which
#: silently caps every fitted exponent at 3 (a Marchenko–Pastur layer would then look
#: "heavy-tailed"); the range here is wide enough for any spectrum this book fits.
ALPHA_RANGE = (1.0, 50.0)
#: Samples spanning more decades than this are refused (the xmin search does not end in time).
_MAX_DECADES = 30


def esd_tail_exponent(df):
    """Tail exponent :math:`\\alpha = 1 + \\mu/2` of the ESD of a Gram matrix with tail index μ.

    Parameters
    ----------
    df : float or array_like, in (0, 4)
        The tail index :math:`\\mu` of the entries, :math:`P(|x| > t) \\sim t^{-\\mu}`; for
        Student-t entries it is the number of degrees of freedom.

    Returns
    -------
    float or ndarray
        :math:`\\alpha = 1 + \\mu/2`, the exponent of the density
        :math:`\\rho(\\lambda) \\propto \\lambda^{-\\alpha}` of the large eigenvalues of
        :math:`XX^\\top/n`.

    Notes
    -----
    Model: :math:`X` is :math:`p\\times n` with i.i.d. symmetric entries of tail index
    :math:`\\mu`, :math:`p/n \\to c`. The statement has two regimes.

    - :math:`0 < \\mu < 2` (infinite variance): the limiting ESD of the suitably rescaled Gram
      matrix itself has the power-law tail :math:`\\lambda^{-1-\\mu/2}` (Belinschi, Dembo &
      Guionnet, Commun. Math. Phys. 289, 2009; recalled by Martin & Mahoney, JMLR 22, 2021).
    - :math:`2 < \\mu < 4`: the limiting ESD is Marchenko–Pastur, but the largest eigenvalues,
      rescaled by :math:`a_{np}^2` with :math:`a_{np}` the :math:`1/(np)` quantile of
      :math:`|x|`, form a Poisson process of intensity :math:`\\tfrac\\mu2 x^{-1-\\mu/2}`
      (Auffinger, Ben Arous & Péché, Ann. Inst. H. Poincaré Probab. Statist. 45, 2009):
      only the extreme eigenvalues carry the exponent, which a fit on a finite matrix mixes with
      the bulk.

    For :math:`\\mu > 4` the edge is Tracy–Widom and there is no power-law tail: the value is
    refused.

    Examples
    --------
    >>> esd_tail_exponent(1.0), esd_tail_exponent(3.0)    # 1 + μ/2
    (1.5, 2.5)
    """
    mu = V.in_range("df", df, 0.0, 4.0, low_open=True, high_open=True)
    if mu.size == 0:
        raise ValueError("df must not be empty")
    return V.scalar_or_array(1.0 + mu / 2.0)


def student_t_spectrum(p, n, df, *, rng):
    """Eigenvalues of :math:`XX^\\top/n` for a :math:`p\\times n` matrix of i.i.d. Student-t entries.

    Parameters
    ----------
    p, n : int
        ``p <= n``, ``p * n`` within the memory budget.
    df : float, > 0
        Degrees of freedom (the tail index μ of the entries). The entries are *not* rescaled, so
        any ``df > 0`` is allowed (for ``df <= 2`` the variance is infinite).
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray, shape (p,)
        Ascending eigenvalues.

    See Also
    --------
    esd_tail_exponent : the tail exponent these controls should show.
    rmtlib.sim.random_entries : standardised Student-t entries (``df > 2``).

    Examples
    --------
    >>> student_t_spectrum(50, 100, 1.5, rng=0).shape
    (50,)
    """
    p = V.size("p", p)
    n = V.size("n", n)
    if p > n:
        raise ValueError(f"p must be <= n (the Gram matrix of the shorter side); got p={p}, n={n}")
    V.check_allocation([(p, n), (p, p)], "the p × n matrix and its Gram matrix", "p and n")
    nu = V.positive_scalar("df", df)
    X = V.rng(rng).standard_t(nu, size=(p, n))
    return np.linalg.eigvalsh(X @ X.T / n)


def _tail_sample(name, samples):
    x = np.sort(V.positive(name, V.matrix(name, samples, ndim=1, nonempty=False)))
    if x.size < 10:
        raise ValueError(f"{name} needs at least 10 positive values for a tail fit; got {x.size}")
    if np.log10(x[-1] / x[0]) > _MAX_DECADES:
        raise ValueError(
            f"{name} spans more than {_MAX_DECADES} decades "
            f"([{x[0]:.3g}, {x[-1]:.3g}]); drop the extreme values"
        )
    return x


def hill_estimator(samples, k):
    """Hill's estimator of the density exponent α from the ``k`` largest of ``samples``.

    Parameters
    ----------
    samples : array_like
        Positive values (e.g. the eigenvalues of a layer), at least 10.
    k : int, in [2, len(samples) - 1]
        Number of upper order statistics used.

    Returns
    -------
    float
        :math:`\\hat\\alpha = 1 + k \\big/ \\sum_{i=1}^{k} \\log(x_{(i)}/x_{(k+1)})`, with
        :math:`x_{(1)} \\ge x_{(2)} \\ge \\cdots` the order statistics: the density exponent of
        :math:`\\rho(x)\\propto x^{-\\alpha}` (Hill, Ann. Statist. 3, 1975, there for the tail
        index :math:`\\alpha - 1`).

    Notes
    -----
    Independent of ``powerlaw``: the threshold is the ``(k+1)``-th largest value, chosen by the
    caller, not by a goodness-of-fit search. For an exact Pareto law the estimator is unbiased for
    :math:`1/(\\alpha-1)` with variance :math:`1/(k(\\alpha-1)^2)`.

    Examples
    --------
    Pareto samples of density exponent 3 (tail index 2):

    >>> x = np.random.default_rng(0).pareto(2.0, 20000) + 1.0
    >>> round(hill_estimator(x, 5000), 1)
    3.0
    """
    x = _tail_sample("samples", samples)[::-1]
    k = V.integer("k", k, minimum=2, maximum=x.size - 1)
    s = np.sum(np.log(x[:k] / x[k]))
    if not s > 0:
        raise ValueError("the k largest samples are all equal: no tail to fit; increase k")
    return float(1.0 + k / s)


class TailFit(NamedTuple):
    """Result of :func:`fit_power_law_tail`.

    Attributes
    ----------
    alpha : float
        Maximum-likelihood density exponent above ``xmin``.
    sigma : float
        Its asymptotic standard error :math:`(\\alpha - 1)/\\sqrt{n_{\\rm tail}}`.
    xmin : float
        Lower end of the fitted tail.
    n_tail : int
        Number of samples at or above ``xmin``.
    ks_distance : float
        Kolmogorov–Smirnov distance between the tail and the fitted power law.
    lognormal_ratio : float or None
        Normalised log-likelihood ratio power law vs log-normal on the tail (> 0 favours the
        power law); ``None`` if the comparison was not asked for (``compare=False``).
    lognormal_p : float or None
        Its p-value: above about 0.1 the data cannot tell the two apart (Clauset, Shalizi &
        Newman 2009, Sect. 5).
    """

    alpha: float
    sigma: float
    xmin: float
    n_tail: int
    ks_distance: float
    lognormal_ratio: float
    lognormal_p: float


def fit_power_law_tail(samples, xmin=None, *, compare=True):
    """Fit a continuous power law to the upper tail of ``samples`` with the ``powerlaw`` package.

    Parameters
    ----------
    samples : array_like
        Positive values (at least 10), e.g. the eigenvalues of :math:`W^\\top W`.
    xmin : float, optional
        Lower end of the tail; by default the value minimising the Kolmogorov–Smirnov distance
        between the tail and its fit (Clauset, Shalizi & Newman, SIAM Rev. 51, 2009, Sect. 3.3).
    compare : bool
        Also run the likelihood-ratio test against a log-normal tail (slower).

    Returns
    -------
    TailFit

    Notes
    -----
    With ``xmin`` fixed, the estimate is the closed form
    :math:`\\hat\\alpha = 1 + n_{\\rm tail}/\\sum_{x_i\\ge x_{\\min}}\\log(x_i/x_{\\min})`
    (Clauset et al. 2009, eq. 3.1); it is Hill's estimator with the threshold counted among the
    tail points. The automatic ``xmin`` is what makes the result a fit rather than a formula, and
    what Martin & Mahoney (JMLR 22, 2021) and the tests of this module use. Computed by
    ``powerlaw.Fit`` (Alstott, Bullmore & Plenz 2014) with ``verbose=False`` and the exponent
    searched in :data:`ALPHA_RANGE` (the package's default range ``[0, 3]`` would cap it at 3);
    its warnings are silenced, and an unusable result (fewer than two tail points, a
    non-finite alpha, or an alpha at the end of the range) is refused.

    See Also
    --------
    hill_estimator : the independent estimator.
    esd_tail_exponent : the exponent the Student-t controls should show.

    Examples
    --------
    Pareto samples of density exponent 2.5, above their minimum 1:

    >>> x = np.random.default_rng(1).pareto(1.5, 5000) + 1.0
    >>> fit = fit_power_law_tail(x, xmin=1.0, compare=False)
    >>> round(fit.alpha, 1), fit.n_tail
    (2.5, 5000)
    """
    x = _tail_sample("samples", samples)
    if xmin is not None:
        xmin = V.in_range("xmin", V.scalar("xmin", xmin), 0.0, x[-1], low_open=True, high_open=True)
        xmin = float(xmin)
    compare = V.boolean("compare", compare)
    import powerlaw  # optional dependency (the book's extras), imported only when fitting

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fit = powerlaw.Fit(
            x, xmin=xmin, verbose=False, parameter_ranges={"alpha": list(ALPHA_RANGE)}
        )
        alpha, sigma = float(fit.power_law.alpha), float(fit.power_law.sigma)
        x0 = float(fit.xmin)
        n_tail = int(np.sum(x >= x0))
        ks = float(fit.power_law.D)
        R = p_val = None
        if compare:
            R, p_val = fit.distribution_compare("power_law", "lognormal", normalized_ratio=True)
            R, p_val = float(R), float(p_val)
    if n_tail < 2 or not np.isfinite(alpha) or alpha >= ALPHA_RANGE[1] * (1 - 1e-6):
        raise ValueError(
            f"the power-law fit found no usable tail in samples (alpha={alpha}, "
            f"{n_tail} tail points); pass more samples or an explicit xmin"
        )
    return TailFit(alpha, sigma, x0, n_tail, ks, R, p_val)


class SpectralMetrics(NamedTuple):
    """Result of :func:`spectral_metrics`, one entry per layer and the network-level summary.

    Attributes
    ----------
    alpha : ndarray
        Fitted tail exponent of each layer (:func:`fit_power_law_tail`).
    lambda_max : ndarray
        Largest eigenvalue of :math:`W_l^\\top W_l`, i.e. :math:`\\|W_l\\|_2^2`.
    log_spectral_norm : ndarray
        :math:`\\log_{10}\\lambda_{\\max}`.
    log_frobenius_norm : ndarray
        :math:`\\log_{10}\\|W_l\\|_F^2 = \\log_{10}\\sum_i\\lambda_i`.
    stable_rank : ndarray
        :math:`\\|W_l\\|_F^2/\\|W_l\\|_2^2`.
    weighted_alpha : float
        :math:`\\hat\\alpha = \\frac1L\\sum_l \\alpha_l\\log_{10}\\lambda_{\\max,l}`.
    """

    alpha: np.ndarray
    lambda_max: np.ndarray
    log_spectral_norm: np.ndarray
    log_frobenius_norm: np.ndarray
    stable_rank: np.ndarray
    weighted_alpha: float


def spectral_metrics(weights):
    """Martin–Peng–Mahoney layer metrics and the weighted alpha of a list of weight matrices.

    Parameters
    ----------
    weights : list of ndarray
        Weight matrices (any shapes), each with at least 10 singular values (smaller layers,
        such as a 10-class readout, cannot be fitted: pass them out of the list).

    Returns
    -------
    SpectralMetrics

    Notes
    -----
    Eigenvalues are those of :math:`X_l = W_l^\\top W_l` (the squared singular values, no
    normalisation), as in Martin, Peng & Mahoney (Nature Communications 12, 4122, 2021):
    the weighted alpha
    :math:`\\hat\\alpha = \\frac1L\\sum_l\\alpha_l\\log_{10}\\lambda_{\\max,l}` mixes a shape
    (:math:`\\alpha_l`) and a scale (:math:`\\lambda_{\\max,l}`), so it changes under a rescaling of
    the weights while :math:`\\alpha_l` does not.

    Examples
    --------
    For ``diag(1, ..., 12)`` the eigenvalues are the squares 1, ..., 144: the log spectral norm is
    log10(144) and the stable rank 650/144 (sum of squares 12·13·25/6 = 650):

    >>> m = spectral_metrics([np.diag(np.arange(1.0, 13.0))])
    >>> round(float(m.log_spectral_norm[0]), 4), round(float(m.stable_rank[0]), 4)
    (2.1584, 4.5139)
    """
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError("weights must be a non-empty list of 2-d arrays")
    alpha, lmax, lfro, srank = [], [], [], []
    for i, W in enumerate(weights):
        A = V.matrix(f"weights[{i}]", W)
        ev = np.linalg.svd(A, compute_uv=False) ** 2
        if ev.size < 10:
            raise ValueError(f"weights[{i}] has {ev.size} singular values; a tail fit needs >= 10")
        alpha.append(fit_power_law_tail(ev[ev > 0], compare=False).alpha)
        lmax.append(ev.max())
        lfro.append(ev.sum())
        srank.append(ev.sum() / ev.max())
    alpha, lmax = np.array(alpha), np.array(lmax)
    return SpectralMetrics(
        alpha,
        lmax,
        np.log10(lmax),
        np.log10(lfro),
        np.array(srank),
        float(np.mean(alpha * np.log10(lmax))),
    )
