"""Ridge regression in the proportional regime: bias, variance, training error, double descent.

Conventions (see the book's notation page): data ``X`` is ``p × n`` with samples as columns,
``gamma = p / n``, responses ``y = Xᵀβ* + ε`` with ``Var ε = sigma2``, and the ridge estimator is

    β̂_λ = (X Xᵀ / n + λ I_p)^{-1} X y / n        (Hastie et al. normalisation),

with ``λ = 0`` meaning the limit ``λ → 0⁺`` (minimum-norm least squares). Every *risk* here is the
**excess** risk ``E_x[(xᵀ(β̂ - β*))²] = ‖Σ^{1/2}(β̂ - β*)‖²`` averaged over the noise; the test
mean-squared error is ``excess_risk + sigma2``. The training error is ``‖y - Xᵀβ̂‖² / n``.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np

from . import _validate as V
from .fixedpoint import ConvergenceError
from .mp import mp_stieltjes, mp_stieltjes_derivative
from .sweep import monte_carlo

__all__ = [
    "RidgeRisk",
    "AnisotropicRidgeRisk",
    "OptimalRidge",
    "ridge_risk",
    "ridge_optimal",
    "renormalised_ridge",
    "anisotropic_ridge_risk",
    "simulate_ridge",
    "empirical_renormalised_ridge",
]


class RidgeRisk(NamedTuple):
    """Bias, variance, excess risk (= bias + variance) and training error of a ridge estimator."""

    bias: np.ndarray | float
    variance: np.ndarray | float
    excess_risk: np.ndarray | float
    train_error: np.ndarray | float


class AnisotropicRidgeRisk(NamedTuple):
    """:class:`RidgeRisk` plus the renormalised ridge ``kappa`` and the degrees of freedom."""

    bias: np.ndarray | float
    variance: np.ndarray | float
    excess_risk: np.ndarray | float
    train_error: np.ndarray | float
    kappa: np.ndarray | float
    df1: np.ndarray | float
    df2: np.ndarray | float


class OptimalRidge(NamedTuple):
    """The optimal ridge parameter and the excess risk it achieves."""

    lam: np.ndarray | float
    excess_risk: np.ndarray | float


def _ridge_factors(g, lam):
    """``(λ² m', γ(m - λ m'), λ² m̃')`` at ``z = -λ`` (λ > 0), each without cancellation.

    For γ <= 1 they come from the MP(γ) transform ``m`` of ``X Xᵀ/n``. For γ > 1, ``m`` carries
    the atom ``(1 - 1/γ)/λ`` and ``m - λ m'`` would cancel two huge terms at small λ, so the
    companion transform ``m̃`` of the Gram ``Xᵀ X/n`` is used instead: its law is γ·MP(1/γ),
    which has no atom, and ``m̃ - λ m̃' = γ (m - λ m')``, ``λ² m' = (λ² m̃' + γ - 1)/γ``.
    """
    under = g <= 1
    g_lo = np.where(under, g, 1.0)
    g_hi = np.where(under, 2.0, g)
    # (γ = 1 entries may overflow here; they are replaced below)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        m = np.real(mp_stieltjes(-lam, g_lo))
        dm = np.real(mp_stieltjes_derivative(-lam, g_lo))
        mt = np.real(mp_stieltjes(-lam / g_hi, 1 / g_hi)) / g_hi
        dmt = np.real(mp_stieltjes_derivative(-lam / g_hi, 1 / g_hi)) / g_hi**2
        bias_f = np.where(under, lam**2 * dm, (lam**2 * dmt + g_hi - 1) / g_hi)
        var_f = np.where(under, g_lo * (m - lam * dm), mt - lam * dmt)
        noise_train_f = np.where(under, g_lo * lam**2 * dm + 1 - g_lo, lam**2 * dmt)
    # At γ = 1 the hard edge sits at 0 and, for λ near the underflow threshold, λ² m' and
    # m - λ m' from the generic transform lose everything (NaN, -inf at λ = 1e-300). The MP(1)
    # transform at -λ is m = 2/(R + λ), R = √λ √(λ + 4), and its derivative is
    # m' = 2 ((λ + 2)/R + 1)/(R + λ)²; written with √λ/(R + λ) nothing underflows or cancels.
    one = g == 1
    if np.any(one):
        lo = np.where(one, lam, 1.0)
        sq = np.sqrt(lo)
        R = sq * np.sqrt(lo + 4)
        ratio = sq / (np.sqrt(lo + 4) + sq)  # = λ/(R + λ)
        slope = (lo + 2) / R + 1
        b1 = 2 * ratio**2 * slope  # λ² m'
        v1 = 2 / (R + lo) - 2 * ratio**2 * slope / lo  # m - λ m'
        bias_f = np.where(one, b1, bias_f)
        var_f = np.where(one, v1, var_f)
        noise_train_f = np.where(one, b1, noise_train_f)
    return bias_f, var_f, noise_train_f


def ridge_risk(gamma, lam, r2=1.0, sigma2=1.0):
    """Limiting bias, variance, excess risk and training error of isotropic ridge regression.

    Parameters
    ----------
    gamma : float or array_like, > 0
        ``p / n``.
    lam : float or array_like, >= 0
        Ridge parameter; ``0`` means the ridgeless limit ``λ → 0⁺`` (minimum-norm interpolator
        when ``gamma > 1``). Broadcast against ``gamma``.
    r2 : float, >= 0
        Signal energy ``‖β*‖²``; the direction of ``β*`` is arbitrary (``x ~ N(0, I_p)``).
    sigma2 : float, >= 0
        Noise variance.

    Returns
    -------
    RidgeRisk
        ``bias``, ``variance``, ``excess_risk = bias + variance`` (add ``sigma2`` for the test MSE)
        and ``train_error`` (limit of ``‖y - Xᵀβ̂‖²/n``). At ``gamma = 1``, ``lam = 0`` the
        variance and the excess risk are ``inf`` (the interpolation peak).

    Notes
    -----
    With :math:`m = m(-\\lambda)` and :math:`m' = m'(-\\lambda)` the Stieltjes transform of the
    Marchenko–Pastur law :math:`\\mu_\\gamma` (:func:`rmtlib.mp_stieltjes`) and its derivative,

    .. math::
        B = r^2 \\lambda^2 m', \\qquad V = \\sigma^2\\gamma\\,(m - \\lambda m'), \\qquad
        \\mathrm{train} = \\lambda^2\\big[r^2 (m - \\lambda m') + \\sigma^2\\tilde m'\\big],

    where :math:`\\tilde m' = \\gamma m' + (1-\\gamma)/\\lambda^2` is the derivative of the
    Stieltjes transform of the ``n × n`` Gram matrix. The ridgeless limits are
    :math:`B = 0,\\ V = \\sigma^2\\gamma/(1-\\gamma),\\ \\mathrm{train} = \\sigma^2(1-\\gamma)` for
    :math:`\\gamma < 1` and :math:`B = r^2(1 - 1/\\gamma),\\ V = \\sigma^2/(\\gamma - 1),\\
    \\mathrm{train} = 0` for :math:`\\gamma > 1`.

    References
    ----------
    Hastie, Montanari, Rosset & Tibshirani, Ann. Statist. 50 (2022), Thm. 1 and Thm. 2 (ridgeless)
    and Thm. 5 (ridge); Dobriban & Wager, Ann. Statist. 46 (2018), Thm. 2.1.

    Examples
    --------
    >>> r = ridge_risk(2.0, 0.0, r2=1.0, sigma2=0.5)
    >>> round(r.bias, 6), round(r.variance, 6), r.train_error
    (0.5, 0.5, 0.0)
    >>> round(ridge_risk(0.5, 1.0).excess_risk, 6)
    0.455214
    """
    g = V.positive("gamma", gamma)
    lam = V.nonnegative("lam", lam)
    r2 = V.nonnegative("r2", r2)
    s2 = V.nonnegative("sigma2", sigma2)
    g, lam, r2, s2 = np.broadcast_arrays(g, lam, r2, s2)
    pos = lam > 0
    ls = np.where(pos, lam, 1.0)
    bias_f, var_f, noise_train_f = _ridge_factors(g, ls)
    bias_r = r2 * bias_f
    var_r = s2 * var_f
    train_r = ls**2 * r2 * var_f / g + s2 * noise_train_f

    under = g < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        var0 = np.where(
            under, s2 * g / np.where(under, 1 - g, 1.0), s2 / np.where(g > 1, g - 1, 0.0)
        )
    var0 = np.where((g == 1) & (s2 == 0), 0.0, var0)
    bias0 = np.where(under, 0.0, r2 * (1 - 1 / g))
    train0 = np.where(under, s2 * (1 - g), 0.0)

    bias = np.where(pos, bias_r, bias0)
    var = np.where(pos, var_r, var0)
    train = np.where(pos, train_r, train0)
    return RidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(bias + var),
        V.scalar_or_array(train),
    )


def ridge_optimal(gamma, r2=1.0, sigma2=1.0):
    """Optimal ridge parameter :math:`\\lambda^* = \\sigma^2\\gamma/r^2` and its excess risk.

    Parameters
    ----------
    gamma : float or array_like, > 0
    r2, sigma2 : float, > 0
        Signal energy and noise variance (``r2 / sigma2`` is the SNR).

    Returns
    -------
    OptimalRidge
        ``lam`` and ``excess_risk`` :math:`= \\sigma^2\\gamma\\, m(-\\lambda^*)`, which increases
        monotonically with ``gamma``: optimal regularisation removes the double-descent peak.

    Notes
    -----
    For isotropic :math:`\\beta^*` the ridge estimator with :math:`\\lambda^*` is the Bayes
    posterior mean under the prior :math:`\\beta^*\\sim\\mathcal N(0, r^2 I_p/p)`, hence optimal for
    every ``gamma``. The identity :math:`B + V = \\sigma^2\\gamma m(-\\lambda^*)` follows from
    :func:`ridge_risk` since :math:`r^2\\lambda^{*2} m' - \\sigma^2\\gamma\\lambda^* m'
    = 0` at :math:`\\lambda^* = \\sigma^2\\gamma/r^2`.

    References
    ----------
    Dobriban & Wager, Ann. Statist. 46 (2018), Thm. 2.1; Hastie et al. (2022), Cor. 5.

    Examples
    --------
    >>> opt = ridge_optimal(1.0, r2=1.0, sigma2=1.0)
    >>> opt.lam, round(opt.excess_risk, 6)
    (1.0, 0.618034)
    """
    g = V.positive("gamma", gamma)
    r2 = V.positive("r2", r2)
    s2 = V.positive("sigma2", sigma2)
    lam = s2 * g / r2
    risk = s2 * g * np.real(mp_stieltjes(-lam, g))
    return OptimalRidge(V.scalar_or_array(lam), V.scalar_or_array(risk))


def _check_spectrum(pop_eigs, target_energy=None):
    t = np.atleast_1d(V.nonnegative("pop_eigs", pop_eigs))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"pop_eigs must be a non-empty 1-d array; got shape {np.shape(pop_eigs)}")
    if not np.any(t > 0):
        raise ValueError("pop_eigs must contain at least one positive eigenvalue")
    if target_energy is None:
        return t
    e = np.atleast_1d(V.nonnegative("target_energy", target_energy))
    if e.shape != t.shape:
        raise ValueError(
            f"target_energy must have the same length as pop_eigs: {e.shape} != {t.shape}"
        )
    return t, e


def _solve_kappa(t, n, lam, *, tol=1e-14, max_iter=200):
    """κ > 0 with 1 - df1(κ)/n - λ/κ = 0, by safeguarded Newton in log κ (vectorised).

    The left side is strictly increasing in κ, negative at κ = λ and non-negative at
    κ = λ + Σt/n, so the bracket always contains the unique root. For λ = 0 and at most n
    positive eigenvalues, κ = 0 (the estimator does not interpolate).
    """
    n, lam = np.broadcast_arrays(np.asarray(n, float), np.asarray(lam, float))
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
    kappa = np.where(zero, 0.0, np.exp(u))
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
    >>> round(float(renormalised_ridge(100, np.ones(50), 1.0)), 6)
    1.280776
    """
    n = V.positive("n", n)
    t = _check_spectrum(pop_eigs)
    lam = V.nonnegative("lam", lam)
    return V.scalar_or_array(_solve_kappa(t, n, lam))


def anisotropic_ridge_risk(n, pop_eigs, target_energy, lam, sigma2=0.0):
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
    sigma2 : float, >= 0
        Noise variance.

    Returns
    -------
    AnisotropicRidgeRisk
        ``bias``, ``variance``, ``excess_risk`` (add ``sigma2`` for the test MSE), ``train_error``,
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
    :func:`ridge_risk`.

    References
    ----------
    Hastie et al., Ann. Statist. 50 (2022), Thm. 5; Bach (2024), Prop. 3;
    Atanasov, Zavatone-Veth & Pehlevan (2024), sec. 3.

    Examples
    --------
    >>> p, n = 200, 400
    >>> r = anisotropic_ridge_risk(n, np.ones(p), np.full(p, 1 / p), 1.0, sigma2=1.0)
    >>> round(float(r.excess_risk), 6), round(float(ridge_risk(0.5, 1.0).excess_risk), 6)
    (0.455214, 0.455214)
    """
    n = V.positive("n", n)
    t, energy = _check_spectrum(pop_eigs, target_energy)
    lam = V.nonnegative("lam", lam)
    s2 = V.nonnegative_scalar("sigma2", sigma2)
    kappa = _solve_kappa(t, n, lam)
    n_b = np.broadcast_to(n, kappa.shape)
    k = kappa[..., None]
    pos_t = t > 0
    denom = np.where(pos_t, t + k, 1.0)
    df1 = np.sum(np.where(pos_t, t / denom, 0.0), axis=-1)
    df2 = np.sum(np.where(pos_t, (t / denom) ** 2, 0.0), axis=-1)
    bias_num = kappa**2 * np.sum(np.where(pos_t, t * energy / denom**2, 0.0), axis=-1)
    slack = 1 - df2 / n_b
    at_peak = slack <= 0
    safe = np.where(at_peak, 1.0, slack)
    bias = np.where(at_peak, np.where(bias_num > 0, np.inf, 0.0), bias_num / safe)
    var = np.where(at_peak, np.inf if s2 > 0 else 0.0, s2 * (df2 / n_b) / safe)
    risk = bias + var
    with np.errstate(invalid="ignore"):
        train = np.where(at_peak, 0.0, (1 - df1 / n_b) ** 2 * (risk + s2))
    return AnisotropicRidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
        V.scalar_or_array(kappa),
        V.scalar_or_array(df1),
        V.scalar_or_array(df2),
    )


def _spectral_factors(X):
    """Eigenpairs of ``X Xᵀ / n`` restricted to its range, for a batch ``X`` of shape (r, p, n).

    Uses the ``n × n`` Gram matrix (dual form) when ``p > n``. Returns ``e`` (r, k) and ``U``
    (r, p, k) with orthonormal columns spanning the range of ``X``; numerically zero eigenvalues
    are flagged by ``e == 0``.
    """
    _, p, n = X.shape
    if p > n:
        e, Vn = np.linalg.eigh(np.swapaxes(X, 1, 2) @ X / n)
        e = np.clip(e, 0.0, None)
        keep = e > 1e-10 * e.max(axis=1, keepdims=True)
        scale = np.where(keep, 1.0 / np.sqrt(n * np.where(keep, e, 1.0)), 0.0)
        U = (X @ Vn) * scale[:, None, :]
    else:
        e, U = np.linalg.eigh(X @ np.swapaxes(X, 1, 2) / n)
        e = np.clip(e, 0.0, None)
        keep = e > 1e-10 * e.max(axis=1, keepdims=True)
    return np.where(keep, e, 0.0), U


def simulate_ridge(n, pop_eigs, target_energy, lam, sigma2=0.0, *, reps=10, rng, executor=None):
    """Monte-Carlo bias, variance, excess risk and training error of ridge regression.

    Draws ``reps`` independent data sets ``X = Σ^{1/2} Z`` (``p × n``, Gaussian, Σ diagonal with
    entries ``pop_eigs``) with ``β*_k = sqrt(target_energy_k)``. For each data set the noise is
    averaged analytically, so the returned values are the exact conditional expectations given
    ``X``; their spread across ``reps`` is the finite-size fluctuation.

    Parameters
    ----------
    n : int, >= 1
    pop_eigs, target_energy : array_like, shape (p,)
        As in :func:`anisotropic_ridge_risk` (isotropic case: ``np.ones(p)`` and
        ``np.full(p, r2 / p)``; by rotational invariance the direction of β* does not matter).
    lam : float or array_like, >= 0
        Ridge parameters (``0`` = minimum-norm least squares); all share one eigendecomposition.
    sigma2 : float, >= 0
    reps : int, >= 1
    rng : numpy.random.Generator or int
    executor : optional
        Where to run the repetitions, as in :func:`rmtlib.monte_carlo` (default: here, batched).
        The numbers do not depend on it: each repetition starts from the generator state the
        batched draw reaches, and only one data set at a time is held here.

    Returns
    -------
    RidgeRisk
        Arrays of shape ``(reps,) + np.shape(lam)``.

    Notes
    -----
    One eigendecomposition per repetition, batched over repetitions: of ``X Xᵀ/n`` when
    ``p <= n`` and of the dual ``Xᵀ X/n`` when ``p > n``. With :math:`\\hat\\Sigma = \\sum_i e_i
    u_iu_i^\\top` and filter :math:`s_i = e_i/(e_i+\\lambda)`:
    :math:`B = \\|\\Sigma^{1/2}(\\beta_* - \\sum_i s_i u_iu_i^\\top\\beta_*)\\|^2`,
    :math:`V = \\frac{\\sigma^2}{n}\\sum_i \\frac{e_i}{(e_i+\\lambda)^2}u_i^\\top\\Sigma u_i`,
    :math:`\\mathrm{train} = \\sum_i \\frac{\\lambda^2 e_i}{(e_i+\\lambda)^2}(u_i^\\top\\beta_*)^2
    + \\frac{\\sigma^2}{n}\\big[\\sum_i \\frac{\\lambda^2}{(e_i+\\lambda)^2} + (n - k)\\big]`
    (``k`` the rank).

    Examples
    --------
    >>> sim = simulate_ridge(200, np.ones(100), np.full(100, 0.01), 1.0, sigma2=1.0, reps=4, rng=0)
    >>> sim.excess_risk.shape, round(float(sim.excess_risk.mean()), 2)
    ((4,), 0.43)
    """
    n = V.size("n", n)
    t, energy = _check_spectrum(pop_eigs, target_energy)
    lam = V.nonnegative("lam", lam)
    s2 = V.scalar("sigma2", sigma2)
    if not s2 >= 0:
        raise ValueError(f"sigma2 must lie in [0, inf); got {sigma2!r}")
    reps = V.size("reps", reps)
    gen = V.rng(rng)
    p = t.size
    if executor is not None:
        starts = []
        for _ in range(reps):
            starts.append(copy.deepcopy(gen))
            gen.standard_normal((p, n))
        point = dict(n=n, pop_eigs=t, target_energy=energy, lam=lam, sigma2=s2, reps=1)
        runs = monte_carlo(simulate_ridge, [point], starts, executor=executor)[0]
        return RidgeRisk(*(np.concatenate(field) for field in zip(*runs)))
    k = min(p, n)
    V.check_allocation(
        [(reps, p, n)] * 2
        + [(reps, k, k), (reps, p, k)] * 2
        + [(reps, k, lam.size)] * 4
        + [(reps, p, lam.size)] * 2,
        "the reps × p × n data and its eigendecompositions",
        "n, pop_eigs, reps",
    )
    X = np.sqrt(t)[None, :, None] * gen.standard_normal((reps, p, n))
    e, U = _spectral_factors(X)
    beta = np.sqrt(energy)
    lam_f = lam.ravel()
    pos = e > 0
    ee = e[..., None]
    lamb = lam_f[None, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(pos[..., None], ee / (ee + lamb), 0.0)
        var_w = np.where(pos[..., None], ee / (ee + lamb) ** 2, 0.0)
        res_noise = np.where(pos[..., None], (lamb / (ee + lamb)) ** 2, 0.0)
    # At λ = 0 the filters take their λ → 0⁺ limits: projection, 1/e, and 0 on the range.
    res_signal = res_noise * ee
    v = beta @ U
    resid = beta[None, :, None] - U @ (shrink * v[..., None])
    bias = np.einsum("p,rpl->rl", t, resid**2)
    u_sig_u = np.einsum("p,rpk->rk", t, U**2)
    var = s2 / n * np.einsum("rkl,rk->rl", var_w, u_sig_u)
    rank = pos.sum(axis=1)[:, None]
    train = np.einsum("rkl,rk->rl", res_signal, v**2) + s2 / n * (
        res_noise.sum(axis=1) + (n - rank)
    )
    shape = (reps,) + lam.shape
    return RidgeRisk(
        bias.reshape(shape), var.reshape(shape), (bias + var).reshape(shape), train.reshape(shape)
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
    sample_eigs : array_like, shape (p,)
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
    e = np.ravel(V.finite_real("sample_eigs", sample_eigs)).astype(float)
    if e.size == 0:
        raise ValueError("sample_eigs must contain at least one eigenvalue")
    scale = max(float(np.max(np.abs(e))), 1.0)
    if np.min(e) < -1e-10 * scale:
        raise ValueError(
            f"sample_eigs must be >= 0 (eigenvalues of X Xᵀ / n); got minimum {np.min(e):.3g}"
        )
    e = np.clip(e, 0.0, None)
    n = float(V.positive("n", n))
    if np.count_nonzero(e > 1e-12 * scale) > n:
        raise ValueError(
            f"sample_eigs has more than n = {n:g} positive eigenvalues: they are "
            "not the eigenvalues of a sample covariance X Xᵀ / n with n samples"
        )
    lam = np.asarray(V.positive("lam", lam), dtype=float)
    df1 = np.sum(e[:, None] / (e[:, None] + lam.ravel()[None, :]), axis=0).reshape(lam.shape)
    return V.scalar_or_array(lam / (1.0 - df1 / n))
