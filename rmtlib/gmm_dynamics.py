"""Gradient descent on a two-class Gaussian mixture: the classification half of chapter 7.

Data ``x = y μ + z`` with balanced labels ``y = ±1``, ``z ~ N(0, I_p)``, ``n`` samples, ``ratio =
p / n``; the linear classifier ``w`` is trained by gradient descent on the regularised square loss.
The test score is asymptotically Gaussian and the misclassification rate is
:math:`Q(E/\\sqrt{V})` (Liao & Couillet, 2018). :func:`gmm_gd_error` is the theory and
:func:`simulate_gmm_gd` the seeded simulation; both return :class:`GMMDynamics`, so they are
compared field by field.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import erfc

from . import _validate as V
from ._grids import mp_continuous_nodes
from .dynamics import GAMMA_MAX, linear_gd_step_limit
from .mp import mp_edges
from .spiked import spike_eigenvalue

__all__ = ["GMMDynamics", "gmm_spike", "gmm_gd_error", "simulate_gmm_gd"]


class GMMDynamics(NamedTuple):
    """Asymptotic statistics of GD on a two-class Gaussian mixture.

    ``mean`` is the limit of :math:`\\mu^\\top w_t`, ``second_moment`` that of
    :math:`\\|w_t\\|^2`, ``error`` the test misclassification rate
    :math:`Q(\\mathrm{mean}/\\sqrt{\\mathrm{second\\_moment}})` and ``train_error`` the
    fraction of misclassified training points.
    """

    mean: np.ndarray | float
    second_moment: np.ndarray | float
    error: np.ndarray | float
    train_error: np.ndarray | float

    # simulate_gmm_gd returned a dict in 0.1: its keys keep working, with a warning
    __getitem__ = V.legacy_key_access(
        {
            "test_error": "error",
            "train_error": "train_error",
            "mean": "mean",
            "second_moment": "second_moment",
        }
    )


def gmm_spike(ratio, mu_norm2):
    """Limit of the top eigenvalue of ``X Xᵀ/n`` for two-class mixture data ``x = ±μ + z``.

    Parameters
    ----------
    ratio : float or array_like, > 0
        ``c = p / n``.
    mu_norm2 : float or array_like, > 0
        :math:`\\|\\mu\\|^2`.

    Returns
    -------
    float or ndarray
        :math:`\\lambda_s = 1 + c + \\|\\mu\\|^2 + c/\\|\\mu\\|^2` when
        :math:`\\|\\mu\\|^2 > \\sqrt c` (an isolated eigenvalue above the bulk); otherwise
        no outlier exists and the value is the bulk edge :math:`(1 + \\sqrt c)^2`.

    Notes
    -----
    With balanced labels the mixture has population covariance
    :math:`E[xx^\\top] = I_p + \\mu\\mu^\\top`: a rank-one spike of strength
    :math:`\\ell = \\|\\mu\\|^2`, so this is :func:`rmtlib.spike_eigenvalue` (the BBP
    transition), which it calls.

    Examples
    --------
    Above the threshold (``1 > √0.5``): ``1 + 0.5 + 1 + 0.5 = 3``. Below it (``0.3 < √0.5``)
    the top eigenvalue is the bulk edge ``(1 + √0.5)² = 2.914214``.

    >>> gmm_spike(0.5, 1.0), round(gmm_spike(0.5, 0.3), 6)
    (3.0, 2.914214)
    """
    c = V.positive("ratio", ratio)
    m2 = V.positive("mu_norm2", mu_norm2)
    return spike_eigenvalue(m2, c)


@V.renamed_keywords(reg="lam")
def gmm_gd_error(t, ratio, mu_norm2, step, lam=0.0, init_var=0.0):
    """Test misclassification rate of gradient descent on a two-class Gaussian mixture.

    Parameters
    ----------
    t : int or array_like of int, >= 0
        Number of GD steps :math:`w_{t+1} = w_t - \\alpha[(XX^\\top/n + \\gamma I)w_t - Xy/n]`.
    ratio : float, in (0, 1e12]
        ``c = p / n``.
    mu_norm2 : float, > 0
        :math:`\\|\\mu\\|^2`; data :math:`x = y\\mu + z`, ``y = ±1`` equiprobable,
        :math:`z\\sim\\mathcal N(0, I_p)`.
    step : float, > 0
        Step size α, below :func:`linear_gd_step_limit` (with the spike).
    lam : float, >= 0
        Ridge penalty γ.
    init_var : float, >= 0
        :math:`w_0 \\sim \\mathcal N(0, \\sigma_0^2 I_p/p)`.

    Returns
    -------
    GMMDynamics

    Notes
    -----
    With :math:`f_t(x) = (1-\\alpha x)^t`, the MP(c) bulk :math:`[a, b]`,
    :math:`\\omega(x) = \\sqrt{(b-x)(x-a)}/(2\\pi(\\lambda_s - x))`, the MP density
    :math:`\\nu` and :math:`\\lambda_s = 1 + c + \\|\\mu\\|^2 + c/\\|\\mu\\|^2`,

    .. math::
        E &= \\int\\frac{1-f_t(x+\\gamma)}{x+\\gamma}\\omega(x)dx\\\\
        &\\quad + \\frac{(\\|\\mu\\|^4-c)^+}{\\|\\mu\\|^2}\\frac{1-f_t(\\lambda_s+\\gamma)}{\\lambda_s+\\gamma},

    .. math::
        V &= \\frac{\\|\\mu\\|^2+c}{\\|\\mu\\|^2}\\Big[\\int\\frac{(1-f_t(x+\\gamma))^2}{(x+\\gamma)^2}
        \\omega(x)dx\\\\
        &\\qquad + \\frac{(\\|\\mu\\|^4-c)^+}{\\|\\mu\\|^2}
        \\frac{(1-f_t(\\lambda_s+\\gamma))^2}{(\\lambda_s+\\gamma)^2}\\Big]\\\\
        &\\quad + \\sigma_0^2\\Big[\\int f_t(x+\\gamma)^2\\nu(x)dx + (1-\\tfrac1c)^+f_t(\\gamma)^2\\Big].

    Below the threshold (:math:`\\|\\mu\\|^2 \\le \\sqrt c`) the spike terms vanish and
    :math:`\\lambda_s` is no eigenvalue (:func:`gmm_spike` is then the bulk edge) but still the
    pole of :math:`\\omega`, which stays at or above the bulk edge (it reaches it at the
    threshold); the step must then be below the bulk limit :math:`2/((1+\\sqrt c)^2+\\gamma)`.

    The training scores :math:`y_iw_t^\\top x_i` are asymptotically Gaussian with mean
    :math:`E_{tr} = \\frac{\\|\\mu\\|^2+c}{\\|\\mu\\|^2}E` and second moment :math:`V_{tr}`
    given by the bracket terms of ``V`` with an extra factor ``x`` in the integrands (``λ_s`` for
    the spike, and no atom term); the training error is :math:`Q(E_{tr}/\\sqrt{V_{tr}-E_{tr}^2})`.
    This formula, transcribed from the companion code of Couillet & Liao (2022, sec. 5.2), is
    checked against simulation in ``tests/test_dynamics.py`` for ``c`` = 0.5, 1 and 2.
    The paper's flow version uses :math:`f_t(x) = e^{-\\alpha xt}`; the discrete filter used here
    is exact for the GD iteration.

    References
    ----------
    Liao & Couillet, "The dynamics of learning: a random matrix approach", ICML (2018), Thm. 1;
    Couillet & Liao (2022), sec. 5.2.

    Examples
    --------
    >>> gmm_gd_error(0, 0.5, 1.0, 0.01).error        # w_0 = 0: a coin flip
    0.5
    >>> round(gmm_gd_error(200, 0.5, 1.0, 0.01).error, 2)
    0.23

    (the seeded simulation ``simulate_gmm_gd(256, 512, 1.0, [200], 0.01, n_draws=20, rng=0)``
    gives 0.230; after ``10**5`` steps the error has risen to 0.282: early stopping helps.)
    """
    t = V.step_counts("t", t)
    c = float(V.in_range("ratio", V.scalar("ratio", ratio), 0.0, GAMMA_MAX, low_open=True))
    m2 = V.positive_scalar("mu_norm2", mu_norm2)
    step = V.positive_scalar("step", step)
    lam = V.nonnegative_scalar("lam", lam)
    v0 = V.nonnegative_scalar("init_var", init_var)
    # The pole of ω: the outlier above the threshold, a point at or above the bulk edge below it.
    lam_s = 1 + c + m2 + c / m2
    spike_w = max(m2 - c / m2, 0.0)  # (‖μ‖⁴ - c)⁺/‖μ‖², without squaring a huge ‖μ‖²
    limit = linear_gd_step_limit(c, lam, gmm_spike(c, m2))
    if step >= limit:
        raise ValueError(
            f"step={step:.4g} is at or beyond the stability limit 2/(λ_max + lam) = {limit:.4g} "
            "set by ratio, mu_norm2 and lam: gradient descent diverges"
        )
    x, w_nu = mp_continuous_nodes(np.asarray(c), *mp_edges(c))
    a, b = mp_edges(c)
    w_omega = w_nu * c * x / (lam_s - x)
    tt = t[..., None].astype(float)

    def f(z):
        return (1 - step * z) ** tt

    xs, ss = x + lam, lam_s + lam
    fx, fs = f(xs), f(ss)[..., 0]
    mean = np.sum(w_omega * (1 - fx) / xs, axis=-1) + spike_w * (1 - fs) / ss
    second = (m2 + c) / m2 * (
        np.sum(w_omega * (1 - fx) ** 2 / xs**2, axis=-1) + spike_w * (1 - fs) ** 2 / ss**2
    ) + v0 * (np.sum(w_nu * fx**2, axis=-1) + max(0.0, 1 - 1 / c) * f(lam)[..., 0] ** 2)
    # Training scores y_i w_tᵀx_i: mean (‖μ‖²+c)/‖μ‖² E and a second moment whose integrands
    # carry an extra factor x (the atom at 0 then drops out).
    train_mean = (m2 + c) / m2 * mean
    train_second = (m2 + c) / m2 * (
        np.sum(x * w_omega * (1 - fx) ** 2 / xs**2, axis=-1)
        + spike_w * lam_s * (1 - fs) ** 2 / ss**2
    ) + v0 * np.sum(x * w_nu * fx**2, axis=-1)
    train_var = np.clip(train_second - train_mean**2, 0.0, None)
    return GMMDynamics(
        V.scalar_or_array(mean),
        V.scalar_or_array(second),
        V.scalar_or_array(_q_ratio(mean, second)),
        V.scalar_or_array(_q_ratio(train_mean, train_var)),
    )


def _q_ratio(num, var):
    """Gaussian tail Q(num / sqrt(var)), with Q = 1/2 when var = 0 (the start w_0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, num / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return 0.5 * erfc(z / np.sqrt(2))


@V.renamed_keywords(reg="lam", reps="n_draws")
def simulate_gmm_gd(p, n, mu_norm2, times, step, lam=0.0, init_var=0.0, *, n_draws=10, rng):
    """Exact GD on simulated two-class Gaussian-mixture data, through one eigendecomposition.

    Returns
    -------
    GMMDynamics
        The type :func:`gmm_gd_error` returns, each field of shape ``(n_draws, len(times))``:
        ``mean`` and ``second_moment`` (:math:`\\mu^\\top w_t` and :math:`\\|w_t\\|^2`),
        ``error`` — the exact test misclassification :math:`Q(\\mu^\\top w_t/\\|w_t\\|)` of
        the trained ``w_t`` (no test sample needed) — and ``train_error``, the fraction of
        misclassified training points. (In 0.1 a dict; ``out["test_error"]`` and the other
        keys still work, with a :class:`DeprecationWarning`.)

    Notes
    -----
    :math:`w_t = f_t(M)w_0 + (I - f_t(M))M^{-1}Xy/n` with :math:`M = XX^\\top/n + \\gamma I` and
    :math:`f_t(x) = (1-\\alpha x)^t`, evaluated in the eigenbasis of ``M`` for all ``t`` at once.
    ``μ = sqrt(mu_norm2) e_1``; classes are balanced.

    Examples
    --------
    >>> out = simulate_gmm_gd(64, 128, 1.0, [0, 50], 0.05, n_draws=2, rng=0)
    >>> out.error.shape
    (2, 2)
    """
    p = V.size("p", p)
    n = V.size("n", n, minimum=2)
    m2 = V.positive_scalar("mu_norm2", mu_norm2)
    times = V.step_counts("times", times)
    times = np.atleast_1d(times)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"times must be a non-empty 1-d array; got shape {np.shape(times)}")
    step = V.positive_scalar("step", step)
    lam = V.nonnegative_scalar("lam", lam)
    v0 = V.nonnegative_scalar("init_var", init_var)
    n_draws = V.size("n_draws", n_draws)
    V.check_allocation(
        [(n_draws, p, n)] * 3
        + [(n_draws, p, p)] * 3
        + [(n_draws, p, times.size)] * 6
        + [(n_draws, n, times.size)] * 2,
        "the n_draws × p × n data and the p × p eigendecompositions",
        "p, n, n_draws",
    )
    gen = V.rng(rng)
    y = np.where(np.arange(n) < n // 2, -1.0, 1.0)
    mu = np.zeros(p)
    mu[0] = np.sqrt(m2)
    X = mu[None, :, None] * y[None, None, :] + gen.standard_normal((n_draws, p, n))
    w0 = np.sqrt(v0 / p) * gen.standard_normal((n_draws, p))
    e, U = np.linalg.eigh(X @ np.swapaxes(X, 1, 2) / n)
    e = np.clip(e, 0.0, None) + lam
    c0 = (w0[:, None, :] @ U)[:, 0, :]
    cb = ((X @ y / n)[:, None, :] @ U)[:, 0, :]
    with np.errstate(over="ignore", invalid="ignore"):
        f = (1 - step * e[..., None]) ** times[None, None, :].astype(float)
    V.finite_result("step, mu_norm2, lam (gradient descent diverges)", f)
    safe = np.where(e > 1e-12, e, 1.0)[..., None]
    coef = (
        f * c0[..., None]
        + np.where(e[..., None] > 1e-12, (1 - f) / safe, step * times[None, None, :])
        * cb[..., None]
    )
    mean = np.sqrt(m2) * np.einsum("rk,rkt->rt", U[:, 0, :], coef)
    second = np.sum(coef**2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(second > 0, mean / np.sqrt(np.where(second > 0, second, 1.0)), 0.0)
    V.finite_result("init_var", second)
    scores = (np.swapaxes(X, 1, 2) @ U @ coef) * y[None, :, None]
    train = np.mean(scores <= 0, axis=1)
    return GMMDynamics(mean, second, 0.5 * erfc(z / np.sqrt(2)), train)
