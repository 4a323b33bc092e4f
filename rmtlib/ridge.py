"""Ridge regression in the proportional regime: bias, variance, training error, double descent.

Conventions (see the book's notation page): data ``X`` is ``p × n`` with samples as columns,
``ratio = p / n``, responses ``y = Xᵀβ* + ε`` with ``Var ε = noise_var``, and the ridge estimator is

    β̂_λ = (X Xᵀ / n + λ I_p)^{-1} X y / n        (Hastie et al. normalisation),

with ``λ = 0`` meaning the limit ``λ → 0⁺`` (minimum-norm least squares). Every *risk* here is the
**excess** risk ``E_x[(xᵀ(β̂ - β*))²] = ‖Σ^{1/2}(β̂ - β*)‖²`` averaged over the noise; the test
mean-squared error is ``excess_risk + noise_var``. The training error is ``‖y - Xᵀβ̂‖² / n``.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np

from . import _validate as V

# The general-covariance theory lives in anisotropic_ridge; imported here so that
# rmtlib.ridge.<name> keeps working for the names that lived in this module before.
from .anisotropic_ridge import (  # noqa: F401
    AnisotropicRidgeRisk,
    anisotropic_ridge_risk,
    empirical_renormalised_ridge,
    renormalised_ridge,
)
from .sweep import monte_carlo

__all__ = [
    "RidgeRisk",
    "OptimalRidge",
    "ridge_risk",
    "ridge_optimal",
    "simulate_ridge",
    "sample_covariance_eigenpairs",
]


class RidgeRisk(NamedTuple):
    """Bias, variance, excess risk (= bias + variance) and training error of a ridge estimator."""

    bias: np.ndarray | float
    variance: np.ndarray | float
    excess_risk: np.ndarray | float
    train_error: np.ndarray | float


class OptimalRidge(NamedTuple):
    """The optimal ridge parameter and the excess risk it achieves."""

    lam: np.ndarray | float
    excess_risk: np.ndarray | float


def _isotropic_kappa(g, lam):
    """Renormalised ridge κ for Σ = I: the root κ >= 0 of κ² + (1 - λ - γ)κ - λ = 0.

    This is the equation of :func:`renormalised_ridge` with ``p`` unit eigenvalues and
    ``p/n = γ``, solved in closed form; the two algebraic forms of the root avoid cancellation
    on either sign of ``a = λ + γ - 1`` and ``hypot`` avoids overflow at huge λ or γ.
    """
    a = lam + (g - 1)  # γ - 1 is exact near γ = 1, where λ may be far below its round-off
    root = np.hypot(a, 2 * np.sqrt(lam))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a >= 0, (a + root) / 2, 2 * lam / (root - a))


@V.renamed_keywords(gamma="ratio", sigma2="noise_var")
def ridge_risk(ratio, lam, r2=1.0, noise_var=1.0):
    """Limiting bias, variance, excess risk and training error of isotropic ridge regression.

    Parameters
    ----------
    ratio : float or array_like, > 0
        ``p / n``.
    lam : float or array_like, >= 0
        Ridge parameter; ``0`` means the ridgeless limit ``λ → 0⁺`` (minimum-norm interpolator
        when ``ratio > 1``). Broadcast against ``ratio``.
    r2 : float, >= 0
        Signal energy ``‖β*‖²``; the direction of ``β*`` is arbitrary (``x ~ N(0, I_p)``).
    noise_var : float, >= 0
        Noise variance.

    Returns
    -------
    RidgeRisk
        ``bias``, ``variance``, ``excess_risk = bias + variance`` (add ``noise_var`` for the test MSE)
        and ``train_error`` (limit of ``‖y - Xᵀβ̂‖²/n``). At ``ratio = 1``, ``lam = 0`` the
        variance and the excess risk are ``inf`` (the interpolation peak).

    Raises
    ------
    ValueError
        If a result overflows float64 (``r2`` or ``noise_var`` near 1e308 times a large factor).

    Notes
    -----
    With :math:`m = m(-\\lambda)` and :math:`m' = m'(-\\lambda)` the Stieltjes transform of the
    Marchenko–Pastur law :math:`\\mu_\\gamma` (:func:`rmtlib.mp_stieltjes`) and its derivative,

    .. math::
        B = r^2 \\lambda^2 m', \\qquad V = \\sigma^2\\gamma\\,(m - \\lambda m'), \\qquad
        \\mathrm{train} = \\lambda^2\\big[r^2 (m - \\lambda m') + \\sigma^2\\tilde m'\\big],

    where :math:`\\tilde m' = \\gamma m' + (1-\\gamma)/\\lambda^2` is the derivative of the
    Stieltjes transform of the ``n × n`` Gram matrix. They are evaluated in the equivalent
    form of :func:`rmtlib.anisotropic_ridge_risk` with Σ = I: the renormalised ridge
    :math:`\\kappa` (:math:`\\lambda m = \\kappa/(1+\\kappa)`) is the positive root of
    :math:`\\kappa^2 + (1-\\lambda-\\gamma)\\kappa - \\lambda = 0`, and

    .. math::
        B = \\frac{r^2\\kappa^2}{(1+\\kappa)(\\kappa + \\lambda/\\kappa)},\\qquad
        V = \\frac{\\sigma^2\\gamma}{(1+\\kappa)(\\kappa + \\lambda/\\kappa)},\\qquad
        \\mathrm{train} = \\Big(\\frac{\\lambda}{\\kappa}\\Big)^2 (B + V + \\sigma^2),

    which has no cancellation at any λ > 0 (the transform form loses digits like
    :math:`\\lambda\\varepsilon` at large λ). The ridgeless limits are
    :math:`B = 0,\\ V = \\sigma^2\\gamma/(1-\\gamma),\\ \\mathrm{train} = \\sigma^2(1-\\gamma)` for
    :math:`\\gamma < 1` and :math:`B = r^2(1 - 1/\\gamma),\\ V = \\sigma^2/(\\gamma - 1),\\
    \\mathrm{train} = 0` for :math:`\\gamma > 1`.

    References
    ----------
    Hastie, Montanari, Rosset & Tibshirani, Ann. Statist. 50 (2022), Thm. 1 and Thm. 2 (ridgeless)
    and Thm. 5 (ridge); Dobriban & Wager, Ann. Statist. 46 (2018), Thm. 2.1.

    Examples
    --------
    Ridgeless at ``ratio = 2``: bias ``r2 (1 - 1/γ) = 0.5`` and variance ``σ²/(γ - 1) = 0.5``.

    >>> r = ridge_risk(2.0, 0.0, r2=1.0, noise_var=0.5)
    >>> round(r.bias, 6), round(r.variance, 6), r.train_error
    (0.5, 0.5, 0.0)

    At ``ratio = 0.5``, ``lam = 1``: κ = (1/2)(1/2 + √(17/4)) = 1.280776, so
    ``B + V = (κ² + 1/2)/((1 + κ)(κ + 1/κ))`` = 0.455214.

    >>> round(ridge_risk(0.5, 1.0).excess_risk, 6)
    0.455214
    """
    g = V.positive("ratio", ratio)
    lam = V.nonnegative("lam", lam)
    r2 = V.nonnegative("r2", r2)
    s2 = V.nonnegative("noise_var", noise_var)
    g, lam, r2, s2 = np.broadcast_arrays(g, lam, r2, s2)
    pos = lam > 0
    ls = np.where(pos, lam, 1.0)
    kappa = _isotropic_kappa(g, ls)
    shrink = ls / kappa  # = 1 - γ/(1 + κ), in (0, 1]
    with np.errstate(over="ignore"):
        # (each factor is at most of the size of its inputs: no overflow at huge γ or λ)
        bias_r = r2 * (kappa / (1 + kappa)) * (kappa / (kappa + shrink))
        var_r = s2 * (g / (1 + kappa)) / (kappa + shrink)
        train_r = shrink**2 * (bias_r + var_r + s2)

    under = g < 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        var0 = np.where(
            under, s2 * g / np.where(under, 1 - g, 1.0), s2 / np.where(g > 1, g - 1, 0.0)
        )
    peak = ~pos & (g == 1) & (s2 > 0)
    var0 = np.where((g == 1) & (s2 == 0), 0.0, var0)
    bias0 = np.where(under, 0.0, r2 * (1 - 1 / g))
    train0 = np.where(under, s2 * (1 - g), 0.0)

    bias = np.where(pos, bias_r, bias0)
    var = np.where(pos, var_r, var0)
    train = np.where(pos, train_r, train0)
    with np.errstate(over="ignore"):
        risk = bias + var
    V.finite_result("r2, noise_var", bias, train)
    V.finite_result("r2, noise_var", var, risk, allowed=peak)
    return RidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
    )


@V.renamed_keywords(gamma="ratio", sigma2="noise_var")
def ridge_optimal(ratio, r2=1.0, noise_var=1.0):
    """Optimal ridge parameter :math:`\\lambda^* = \\sigma^2\\gamma/r^2` and its excess risk.

    Parameters
    ----------
    ratio : float or array_like, > 0
    r2, noise_var : float or array_like, > 0
        Signal energy and noise variance (``r2 / noise_var`` is the SNR); broadcast with ``ratio``.

    Returns
    -------
    OptimalRidge
        ``lam`` and ``excess_risk`` :math:`= \\sigma^2\\gamma\\, m(-\\lambda^*)`, which increases
        monotonically with ``ratio``: optimal regularisation removes the double-descent peak.

    Raises
    ------
    ValueError
        If :math:`\\lambda^*` overflows float64.

    Notes
    -----
    For isotropic :math:`\\beta^*` the ridge estimator with :math:`\\lambda^*` is the Bayes
    posterior mean under the prior :math:`\\beta^*\\sim\\mathcal N(0, r^2 I_p/p)`, hence optimal for
    every ``ratio``. The identity :math:`B + V = \\sigma^2\\gamma m(-\\lambda^*)` follows from
    :func:`ridge_risk` since :math:`r^2\\lambda^{*2} m' - \\sigma^2\\gamma\\lambda^* m'
    = 0` at :math:`\\lambda^* = \\sigma^2\\gamma/r^2`. It is evaluated as
    :math:`r^2\\kappa/(1+\\kappa)` (:math:`\\lambda m(-\\lambda) = \\kappa/(1+\\kappa)`, κ as in
    :func:`ridge_risk`), exact also when :math:`\\lambda^*` is huge or tiny.

    References
    ----------
    Dobriban & Wager, Ann. Statist. 46 (2018), Thm. 2.1; Hastie et al. (2022), Cor. 5.

    Examples
    --------
    At ``ratio = 1`` and SNR 1: λ* = 1, κ = 1 and the risk is ``1/φ = (√5 - 1)/2``.

    >>> opt = ridge_optimal(1.0, r2=1.0, noise_var=1.0)
    >>> opt.lam, round(opt.excess_risk, 6)
    (1.0, 0.618034)
    """
    g = V.positive("ratio", ratio)
    r2 = V.positive("r2", r2)
    s2 = V.positive("noise_var", noise_var)
    with np.errstate(over="ignore"):
        lam = s2 * g / r2
    V.finite_result("ratio, r2, noise_var", lam)
    kappa = _isotropic_kappa(g, lam)
    risk = r2 * kappa / (1 + kappa)
    return OptimalRidge(V.scalar_or_array(lam), V.scalar_or_array(risk))


def sample_covariance_eigenpairs(X):
    """Eigenpairs of the sample covariance ``X Xᵀ / n`` on its range, for a batch of data sets.

    Parameters
    ----------
    X : array_like, shape (r, p, n)
        ``r`` data matrices with samples as columns (the book's convention).

    Returns
    -------
    e : ndarray, shape (r, k), ``k = min(p, n)``
        Eigenvalues of :math:`\\hat\\Sigma = XX^\\top/n`, in increasing order; eigenvalues
        below ``1e-10`` times the largest of their data set (round-off of the decomposition)
        are set to exactly 0.
    U : ndarray, shape (r, p, k)
        Matching unit eigenvectors (columns); those of the zeroed eigenvalues are not meaningful
        when ``p > n`` and are set to 0 there.

    Notes
    -----
    When ``p > n`` the ``n × n`` Gram matrix :math:`X^\\top X/n = V E V^\\top` is decomposed
    instead (cost :math:`O(n^3)` rather than :math:`O(p^3)`) and :math:`U = XV(nE)^{-1/2}`:
    both matrices have the same non-zero eigenvalues. This is the one decomposition behind the
    exact finite-``n`` errors of :func:`simulate_ridge` and
    :func:`rmtlib.simulate_linear_dynamics`, which are spectral functions of
    :math:`\\hat\\Sigma`.

    Examples
    --------
    Two samples of ``X = [[1, 1], [1, -1], [0, 0]]``: :math:`XX^\\top/2 = \\mathrm{diag}(1, 1, 0)`.

    >>> X = np.array([[[1.0, 1.0], [1.0, -1.0], [0.0, 0.0]]])
    >>> e, U = sample_covariance_eigenpairs(X)
    >>> e.round(12).tolist(), U.shape
    ([[1.0, 1.0]], (1, 3, 2))
    """
    X = V.matrix("X", X, ndim=3)
    r, p, n = X.shape
    k = min(p, n)
    V.check_allocation([(r, k, k)] * 2 + [(r, p, k)] * 2, "the Gram matrices and eigenvectors", "X")
    if p > n:
        with np.errstate(over="ignore", invalid="ignore"):
            G = np.swapaxes(X, 1, 2) @ X / n
        V.finite_result("X", G)
        e, Vn = np.linalg.eigh(G)
        e = np.clip(e, 0.0, None)
        keep = e > 1e-10 * e.max(axis=1, keepdims=True)
        scale = np.where(keep, 1.0 / np.sqrt(n * np.where(keep, e, 1.0)), 0.0)
        U = (X @ Vn) * scale[:, None, :]
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            S = X @ np.swapaxes(X, 1, 2) / n
        V.finite_result("X", S)
        e, U = np.linalg.eigh(S)
        e = np.clip(e, 0.0, None)
        keep = e > 1e-10 * e.max(axis=1, keepdims=True)
    return np.where(keep, e, 0.0), U


@V.renamed_keywords(sigma2="noise_var", reps="n_draws")
def simulate_ridge(
    n, pop_eigs, target_energy, lam, noise_var=0.0, *, n_draws=10, rng, executor=None
):
    """Monte-Carlo bias, variance, excess risk and training error of ridge regression.

    Draws ``n_draws`` independent data sets ``X = Σ^{1/2} Z`` (``p × n``, Gaussian, Σ diagonal with
    entries ``pop_eigs``) with ``β*_k = sqrt(target_energy_k)``. For each data set the noise is
    averaged analytically, so the returned values are the exact conditional expectations given
    ``X``; their spread across ``n_draws`` is the finite-size fluctuation.

    Parameters
    ----------
    n : int, >= 1
    pop_eigs, target_energy : array_like, shape (p,)
        As in :func:`rmtlib.anisotropic_ridge_risk` (isotropic case: ``np.ones(p)`` and
        ``np.full(p, r2 / p)``; by rotational invariance the direction of β* does not matter).
    lam : float or array_like, >= 0
        Ridge parameters (``0`` = minimum-norm least squares); all share one eigendecomposition.
    noise_var : float, >= 0
    n_draws : int, >= 1
    rng : numpy.random.Generator or int
    executor : optional
        Where to run the repetitions, as in :func:`rmtlib.monte_carlo` (default: here, batched).
        The numbers do not depend on it: each repetition starts from the generator state the
        batched draw reaches, and only one data set at a time is held here.

    Returns
    -------
    RidgeRisk
        Arrays of shape ``(n_draws,) + np.shape(lam)``.

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
    The isotropic case ``p/n = 1/2``, λ = 1, whose limit :func:`ridge_risk` gives as 0.455; four
    draws at ``n = 200`` average 0.43 (finite-size fluctuations of a few percent):

    >>> sim = simulate_ridge(200, np.ones(100), np.full(100, 0.01), 1.0, noise_var=1.0, n_draws=4, rng=0)
    >>> sim.excess_risk.shape, round(float(sim.excess_risk.mean()), 2)
    ((4,), 0.43)
    """
    n = V.size("n", n)
    t, energy = V.population_spectrum(pop_eigs, target_energy)
    lam = V.nonnegative("lam", lam)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    n_draws = V.size("n_draws", n_draws)
    gen = V.rng(rng)
    p = t.size
    if executor is not None:
        starts = []
        for _ in range(n_draws):
            starts.append(copy.deepcopy(gen))
            gen.standard_normal((p, n))
        point = dict(n=n, pop_eigs=t, target_energy=energy, lam=lam, noise_var=s2, n_draws=1)
        runs = monte_carlo(simulate_ridge, [point], starts, executor=executor)[0]
        return RidgeRisk(*(np.concatenate(field) for field in zip(*runs)))
    k = min(p, n)
    V.check_allocation(
        [(n_draws, p, n)] * 2
        + [(n_draws, k, k), (n_draws, p, k)] * 2
        + [(n_draws, k, lam.size)] * 4
        + [(n_draws, p, lam.size)] * 2,
        "the n_draws × p × n data and its eigendecompositions",
        "n, pop_eigs, n_draws",
    )
    X = np.sqrt(t)[None, :, None] * gen.standard_normal((n_draws, p, n))
    e, U = sample_covariance_eigenpairs(X)
    lost = min(np.count_nonzero(t > 0), n) - np.count_nonzero(e > 0, axis=1).min()
    if lost > 0:
        raise ValueError(
            f"pop_eigs spans too many decades: {lost} sample eigenvalue(s) fall below the "
            "round-off of the eigendecomposition (1e-10 of the largest), so their directions "
            "would count as never learned; rescale or truncate pop_eigs"
        )
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
    with np.errstate(over="ignore"):
        risk = bias + var
    V.finite_result("target_energy, noise_var", bias, var, risk, train)
    shape = (n_draws,) + lam.shape
    return RidgeRisk(
        bias.reshape(shape), var.reshape(shape), risk.reshape(shape), train.reshape(shape)
    )
