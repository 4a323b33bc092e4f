"""Ridge regression with a general population covariance: the renormalised ridge κ.

Setting of :mod:`rmtlib.ridge` (data ``X`` is ``p × n`` with samples as columns, the estimator
``β̂_λ = (X Xᵀ/n + λ I_p)^{-1} X y/n``, excess risks) with ``x ~ N(0, Σ)`` for a general Σ given
by its eigenvalues ``pop_eigs`` and a target given by its energies ``target_energy`` in the
eigenbasis of Σ (chapter 5, second half; the power-law curves of chapter 6 are built on it).
Everything is a function of one scalar, the renormalised ridge κ of :func:`renormalised_ridge`.
The isotropic closed forms and the simulator :func:`rmtlib.simulate_ridge` are in
:mod:`rmtlib.ridge`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from .fixedpoint import ConvergenceError

__all__ = [
    "AnisotropicRidgeRisk",
    "renormalised_ridge",
    "anisotropic_ridge_risk",
    "empirical_renormalised_ridge",
]


class AnisotropicRidgeRisk(NamedTuple):
    """:class:`rmtlib.RidgeRisk` plus the renormalised ridge ``kappa`` and the degrees of freedom."""

    bias: np.ndarray | float
    variance: np.ndarray | float
    excess_risk: np.ndarray | float
    train_error: np.ndarray | float
    kappa: np.ndarray | float
    df1: np.ndarray | float
    df2: np.ndarray | float


def _solve_kappa(t, n, lam, *, tol=1e-14, max_iter=200):
    """κ > 0 with 1 - df1(κ)/n - λ/κ = 0, by safeguarded Newton in log κ (vectorised).

    The left side is strictly increasing in κ, negative at κ = λ and non-negative at
    κ = λ + Σt/n, so the bracket always contains the unique root. For λ = 0 and at most n
    positive eigenvalues, κ = 0 (the estimator does not interpolate).
    """
    try:
        n, lam = np.broadcast_arrays(np.asarray(n, float), np.asarray(lam, float))
    except ValueError:
        raise ValueError(
            f"n and lam must broadcast together; got shapes {np.shape(n)} and {np.shape(lam)}"
        ) from None
    shape = n.shape
    n, lam = n.ravel(), lam.ravel()
    rank = np.count_nonzero(t > 0)
    zero = (lam == 0) & (rank <= n)
    total = t.sum()
    lo = np.where(lam > 0, lam, 1e-300 * total)
    hi = lam + total / n
    # With λ = 0, h(κ) = 1 - df1/n is bounded below by 1 - rank/n, so a tiny lower bracket works.
    lo, hi = np.log(lo), np.log(hi)
    u = 0.5 * (lo + hi)
    tt = t[:, None]

    def h_and_slope(u):
        k = np.exp(u)
        frac = tt / (tt + k)
        h = 1 - frac.sum(0) / n - lam / k
        slope = (frac * k / (tt + k)).sum(0) / n + lam / k
        return h, slope

    done = zero.copy()
    for _ in range(max_iter):
        h, slope = h_and_slope(u)
        lo = np.where(h < 0, u, lo)
        hi = np.where(h >= 0, u, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = u - h / slope
        inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
        u_new = np.where(inside, newton, 0.5 * (lo + hi))
        done |= (
            (np.abs(u_new - u) <= tol * np.maximum(1.0, np.abs(u)))
            | (hi - lo <= tol)
            | (np.abs(h) <= tol)
        )
        u = np.where(done & ~zero, u, u_new)
        if done.all():
            break
    else:
        raise ConvergenceError(
            f"renormalised ridge κ did not converge in {max_iter} safeguarded Newton steps"
        )
    # κ >= λ holds exactly; the clamp removes the solver's relative round-off (tol) below it.
    kappa = np.where(zero, 0.0, np.maximum(np.exp(u), lam))
    return kappa.reshape(shape)


def renormalised_ridge(n, pop_eigs, lam):
    """The renormalised (effective) ridge κ of ridge regression with population spectrum ``pop_eigs``.

    Parameters
    ----------
    n : float or array_like, > 0
        Sample size (a real number is allowed, e.g. for smooth learning curves).
    pop_eigs : array_like, shape (p,), >= 0
        Eigenvalues :math:`t_k` of the population covariance Σ.
    lam : float or array_like, >= 0
        Ridge parameter, broadcast against ``n``.

    Returns
    -------
    float or ndarray
        The unique κ >= λ solving
        :math:`\\kappa - \\lambda = \\frac{\\kappa}{n}\\sum_k \\frac{t_k}{t_k + \\kappa}`
        (κ = 0 when λ = 0 and at most ``n`` eigenvalues are positive).

    Raises
    ------
    ConvergenceError
        If the safeguarded Newton iteration (cap 200 steps) does not reach machine precision.

    Notes
    -----
    κ is the deterministic equivalent of the ridge seen through the sample covariance:
    :math:`\\lambda(\\hat\\Sigma + \\lambda)^{-1} \\leftrightarrow \\kappa(\\Sigma + \\kappa)^{-1}`.
    With Σ = I it is tied to the Marchenko–Pastur transform by
    :math:`\\lambda m(-\\lambda) = \\kappa/(1+\\kappa)`.

    References
    ----------
    Bach, SIAM J. Math. Data Sci. (2024), eq. (9); Atanasov, Zavatone-Veth & Pehlevan (2024),
    eq. (12); Hastie et al. (2022), Thm. 5 (in the variable :math:`m(-\\lambda)`).

    Examples
    --------
    Σ = I_50, n = 100 (γ = 1/2), λ = 1: the positive root of κ² - κ/2 - 1 = 0 is
    (1/2 + √(17/4))/2 = 1.280776.

    >>> round(float(renormalised_ridge(100, np.ones(50), 1.0)), 6)
    1.280776
    """
    n = V.positive("n", n)
    t = V.population_spectrum(pop_eigs)
    lam = V.nonnegative("lam", lam)
    return V.scalar_or_array(_solve_kappa(t, n, lam))


@V.renamed_keywords(sigma2="noise_var")
def anisotropic_ridge_risk(n, pop_eigs, target_energy, lam, noise_var=0.0):
    """Deterministic equivalent of ridge regression with general population covariance and target.

    Parameters
    ----------
    n : float or array_like, > 0
        Sample size; broadcast against ``lam``.
    pop_eigs : array_like, shape (p,), >= 0
        Eigenvalues :math:`t_k` of Σ (``x ~ N(0, Σ)``).
    target_energy : array_like, shape (p,), >= 0
        :math:`\\theta_k^2 = (\\beta_*^\\top u_k)^2` in the eigenbasis :math:`(u_k)` of Σ.
    lam : float or array_like, >= 0
        Ridge parameter (``0`` = ridgeless limit).
    noise_var : float, >= 0
        Noise variance.

    Returns
    -------
    AnisotropicRidgeRisk
        ``bias``, ``variance``, ``excess_risk`` (add ``noise_var`` for the test MSE), ``train_error``,
        ``kappa`` (:func:`renormalised_ridge`), ``df1`` and ``df2``. At the interpolation threshold
        (``lam = 0`` and exactly ``n`` positive eigenvalues) the variance is ``inf``.

    Notes
    -----
    With κ from :func:`renormalised_ridge`,
    :math:`\\mathrm{df}_1 = \\sum_k \\frac{t_k}{t_k+\\kappa}` and
    :math:`\\mathrm{df}_2 = \\sum_k \\frac{t_k^2}{(t_k+\\kappa)^2}`,

    .. math::
        B = \\frac{\\kappa^2 \\sum_k t_k\\theta_k^2/(t_k+\\kappa)^2}{1 - \\mathrm{df}_2/n},\\qquad
        V = \\sigma^2 \\frac{\\mathrm{df}_2/n}{1 - \\mathrm{df}_2/n},\\qquad
        \\mathrm{train} = \\Big(1 - \\frac{\\mathrm{df}_1}{n}\\Big)^2 (B + V + \\sigma^2).

    The last identity (``λ/κ = 1 - df1/n``) is the population version of generalised
    cross-validation. With Σ = I, ``θ_k² = r2/p`` and ``p/n = gamma`` it reduces exactly to
    :func:`rmtlib.ridge_risk`.

    References
    ----------
    Hastie et al., Ann. Statist. 50 (2022), Thm. 5; Bach (2024), Prop. 3;
    Atanasov, Zavatone-Veth & Pehlevan (2024), sec. 3.

    Examples
    --------
    Σ = I with ``p/n = 1/2`` is the isotropic case of :func:`rmtlib.ridge_risk`, whose example
    derives 0.455214 by hand:

    >>> import rmtlib as rmt
    >>> p, n = 200, 400
    >>> r = anisotropic_ridge_risk(n, np.ones(p), np.full(p, 1 / p), 1.0, noise_var=1.0)
    >>> round(float(r.excess_risk), 6), round(float(rmt.ridge_risk(0.5, 1.0).excess_risk), 6)
    (0.455214, 0.455214)
    """
    n = V.positive("n", n)
    t, energy = V.population_spectrum(pop_eigs, target_energy)
    lam = V.nonnegative("lam", lam)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    kappa = _solve_kappa(t, n, lam)
    n_b = np.broadcast_to(n, kappa.shape)
    k = kappa[..., None]
    pos_t = t > 0
    denom = np.where(pos_t, t + k, 1.0)
    df1 = np.sum(np.where(pos_t, t / denom, 0.0), axis=-1)
    df2 = np.sum(np.where(pos_t, (t / denom) ** 2, 0.0), axis=-1)
    # κ² t θ²/(t + κ)² as (t q)(θ² q), q = κ/(t + κ) <= 1: no overflow or inf/inf at huge κ or t
    q = np.where(pos_t, k / denom, 0.0)
    bias_num = np.sum((t * q) * (energy * q), axis=-1)
    slack = 1 - df2 / n_b
    at_peak = slack <= 0
    safe = np.where(at_peak, 1.0, slack)
    bias = np.where(at_peak, np.where(bias_num > 0, np.inf, 0.0), bias_num / safe)
    var = np.where(at_peak, np.inf if s2 > 0 else 0.0, s2 * (df2 / n_b) / safe)
    with np.errstate(over="ignore", invalid="ignore"):
        risk = bias + var
        train = np.where(at_peak, 0.0, (1 - df1 / n_b) ** 2 * (risk + s2))
    V.finite_result("target_energy, noise_var", train, bias_num)
    V.finite_result("target_energy, noise_var", bias, var, risk, allowed=at_peak)
    return AnisotropicRidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
        V.scalar_or_array(kappa),
        V.scalar_or_array(df1),
        V.scalar_or_array(df2),
    )


def empirical_renormalised_ridge(sample_eigs, n, lam):
    """Estimate of the renormalised ridge κ from the eigenvalues of the sample covariance.

    Model and normalisation as in :func:`renormalised_ridge`: ``sample_eigs`` are the ``p``
    eigenvalues of :math:`\\hat C = X X^\\top / n` (zeros included when ``p > n``) and the
    estimate is

    .. math::

        \\hat\\kappa = \\frac{\\lambda}{1 - \\widehat{\\mathrm{df}}_1/n},\\qquad
        \\widehat{\\mathrm{df}}_1 = \\operatorname{tr}\\hat C(\\hat C + \\lambda I_p)^{-1}
        = \\sum_i \\frac{\\hat\\lambda_i}{\\hat\\lambda_i + \\lambda}.

    Since :math:`\\lambda(\\hat C+\\lambda)^{-1} \\leftrightarrow \\kappa(C+\\kappa)^{-1}`, the
    empirical degrees of freedom converge to :math:`\\mathrm{df}_1 = \\sum_k t_k/(t_k+\\kappa)`, and
    the defining equation of κ reads :math:`\\lambda/\\kappa = 1 - \\mathrm{df}_1/n`; so
    :math:`\\hat\\kappa \\to \\kappa` in the proportional limit. It needs no knowledge of the
    population covariance (it is the factor by which generalised cross-validation rescales the
    training error).

    Parameters
    ----------
    sample_eigs : 1-d array_like, shape (p,)
        Eigenvalues of the sample covariance (finite, >= 0 up to round-off: values above
        ``-1e-10`` times the largest are treated as 0).
    n : int or float, > 0
        Sample size used to form the sample covariance.
    lam : float or array_like, > 0
        Ridge parameter(s).

    Returns
    -------
    float or ndarray
        :math:`\\hat\\kappa` for each ``lam``.

    Raises
    ------
    ValueError
        If the eigenvalues are not those of a sample covariance with ``n`` samples (more than
        ``n`` positive eigenvalues make :math:`\\widehat{\\mathrm{df}}_1 \\ge n` possible).

    References
    ----------
    Bach, SIAM J. Math. Data Sci. (2024), eq. (9) and §3; Atanasov, Zavatone-Veth & Pehlevan
    (2024), eq. (12); Craven & Wahba (1979) for generalised cross-validation.

    Examples
    --------
    Two sample eigenvalues equal to 1, ``n = 4``, ``λ = 1``: each contributes ``1/2`` to the
    degrees of freedom, so ``κ̂ = 1 / (1 - 1/4) = 4/3``.

    >>> round(float(empirical_renormalised_ridge([1.0, 1.0], 4, 1.0)), 6)
    1.333333
    """
    e = V.vector("sample_eigs", sample_eigs)
    scale = max(float(np.max(np.abs(e))), 1.0)
    if np.min(e) < -1e-10 * scale:
        raise ValueError(
            f"sample_eigs must be >= 0 (eigenvalues of X Xᵀ / n); got minimum {np.min(e):.3g}"
        )
    e = np.clip(e, 0.0, None)
    n = V.positive_scalar("n", n)
    if np.count_nonzero(e > 1e-12 * scale) > n:
        raise ValueError(
            f"sample_eigs has more than n = {n:g} positive eigenvalues: they are "
            "not the eigenvalues of a sample covariance X Xᵀ / n with n samples"
        )
    lam = V.positive("lam", lam)
    df1 = np.sum(e[:, None] / (e[:, None] + lam.ravel()[None, :]), axis=0).reshape(lam.shape)
    return V.scalar_or_array(lam / (1.0 - df1 / n))
