"""Learning dynamics of linear models: gradient flow and gradient descent as spectral functionals.

Regression (chapter 6, setting of :mod:`rmtlib.ridge`): ``X`` is ``p × n`` with i.i.d.
``N(0, 1)`` entries, ``gamma = p / n``, ``y = Xᵀβ* + ε``, ``‖β*‖² = r2``, ``Var ε = sigma2``, and the
loss is ``L(β) = ‖y - Xᵀβ‖² / (2n)``. Gradient flow from ``β_0`` gives

    β_t - β̂ = e^{-t Σ̂}(β_0 - β̂)   with   Σ̂ = X Xᵀ / n,

so every error at time ``t`` is a spectral functional of ``Σ̂``, whose limit is the
Marchenko–Pastur law — including its atom at 0 when ``gamma > 1`` (directions that are never
learned). Risks are **excess** risks (add ``sigma2`` for the test MSE).

Classification (Liao & Couillet, 2018): two-class Gaussian mixture ``x = y μ + z``, trained by
gradient descent on the square loss; the test score is asymptotically Gaussian and the
misclassification rate is :math:`Q(E/\\sqrt{V})`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import erfc

from . import _validate as V
from ._grids import cosine_gauss
from .mp import mp_atom, mp_edges
from .ridge import RidgeRisk, ridge_risk, sample_covariance_eigenpairs
from .spiked import spike_eigenvalue

__all__ = [
    "GMMDynamics",
    "gd_stability_limit",
    "gradient_flow_risk",
    "gd_risk",
    "simulate_linear_dynamics",
    "gmm_spike",
    "gmm_gd_error",
    "simulate_gmm_gd",
]

# Largest p/n accepted: the bulk quadrature matches the ridgeless limit to 3e-14 up to here
# (tests/test_dynamics.py) and loses digits beyond (2e-7 at 1e20).
GAMMA_MAX = 1e12


def _mp_nodes(g):
    """Nodes ``x`` and weights ``w`` (shape ``g.shape + (400,)``) of the MP(γ) continuous part."""
    a, b = mp_edges(g)
    x, w = cosine_gauss(a, b, 400)
    a, b = np.asarray(a)[..., None], np.asarray(b)[..., None]
    density = np.sqrt(np.clip((b - x) * (x - a), 0.0, None)) / (
        2 * np.pi * np.asarray(g)[..., None] * x
    )
    return x, w * density


def _ratio(name, value):
    return V.in_range(name, value, 0.0, GAMMA_MAX, low_open=True)


def gd_stability_limit(gamma, reg=0.0, spike=None):
    """Largest stable step size ``2 / λ_max`` of gradient descent on the square loss.

    Parameters
    ----------
    gamma : float or array_like, > 0
        ``p / n``; the bulk of ``X Xᵀ/n`` ends at :math:`(1+\\sqrt\\gamma)^2`.
    reg : float, >= 0
        Ridge penalty added to the Hessian.
    spike : float or array_like, >= 0, optional
        An isolated eigenvalue (e.g. :func:`gmm_spike`); it sets the limit only if it lies above
        the bulk edge.

    Returns
    -------
    float or ndarray
        :math:`2/(\\max((1+\\sqrt\\gamma)^2, \\text{spike}) + \\text{reg})`: GD with step ``eta``
        converges iff ``eta`` is below it (asymptotically; at finite ``n`` the top eigenvalue
        fluctuates at scale :math:`n^{-2/3}`).

    Examples
    --------
    At ``gamma = 1`` the bulk ends at 4, so the limit is ``2/4``:

    >>> gd_stability_limit(1.0)
    0.5
    """
    g = V.positive("gamma", gamma)
    reg = V.nonnegative("reg", reg)
    top = (1 + np.sqrt(g)) ** 2
    if spike is not None:
        top = np.maximum(top, V.nonnegative("spike", spike))
    return V.scalar_or_array(2 / (top + reg))


def _dynamics(filt, g, r2, s2, init_var):
    """Bias, variance, train error for a residual filter ``filt(x)`` (e^{-tx} or (1-ηx)^k)."""
    x, w = _mp_nodes(g)
    f = filt(x)
    atom = np.asarray(mp_atom(g))
    signal = r2 + init_var
    mean_f2 = np.sum(w * f**2, axis=-1)
    bias = signal * (mean_f2 + atom)
    var = s2 * g * np.sum(w * (1 - f) ** 2 / x, axis=-1)
    train = signal * np.sum(w * x * f**2, axis=-1) + s2 * (np.maximum(0, 1 - g) + g * mean_f2)
    return bias, var, train


def _steps(name, k):
    """Numbers of GD steps: integers >= 0 (array), integral floats accepted, never truncated."""
    if isinstance(k, (str, bytes)) or k is None:
        raise TypeError(f"{name} must be an integer number of steps; got {k!r}")
    try:
        arr = np.asarray(k)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an integer number of steps; got {k!r}") from exc
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer number of steps; got {k!r}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0; got {k!r}")
    if np.any(arr > 10**9):
        raise ValueError(f"{name} must be <= 1e9 steps; got {k!r}")
    return arr


def _times(t):
    """Flow times: real, >= 0, ``np.inf`` allowed (the t → ∞ limit)."""
    if isinstance(t, (str, bytes)) or t is None:
        raise TypeError(f"t must be a real number or array; got {t!r}")
    t = np.asarray(t, dtype=float)
    if np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError(f"t must lie in [0, inf]; got {t if t.size <= 6 else 'an array'}")
    return t


def gradient_flow_risk(t, gamma, r2=1.0, sigma2=1.0, init_var=0.0):
    """Limiting bias, variance, excess risk and training error of gradient flow at time ``t``.

    Parameters
    ----------
    t : float or array_like, >= 0
        Time of the flow :math:`\\dot\\beta = -\\nabla L(\\beta)`, ``L = ‖y - Xᵀβ‖²/(2n)``;
        ``np.inf`` gives the limit (the ridgeless estimator plus the never-learned part of the
        initialisation). Broadcast against ``gamma``.
    gamma : float or array_like, in (0, 1e12]
        ``p / n`` (``GAMMA_MAX`` = 1e12).
    r2, sigma2 : float, >= 0
        ``‖β*‖²`` and the noise variance.
    init_var : float, >= 0
        Variance :math:`\\sigma_0^2` of a random start :math:`\\beta_0 \\sim \\mathcal N(0,
        \\sigma_0^2 I_p/p)`; 0 for :math:`\\beta_0 = 0`.

    Returns
    -------
    RidgeRisk
        ``bias`` (including the initialisation term), ``variance``, ``excess_risk`` (add
        ``sigma2`` for the test MSE) and ``train_error`` (:math:`\\|y - X^\\top\\beta_t\\|^2/n`).

    Notes
    -----
    With :math:`\\mu_\\gamma` the MP law including its atom :math:`(1-1/\\gamma)^+` at 0,

    .. math::
        B(t) = (r^2+\\sigma_0^2)\\!\\int e^{-2t\\lambda}\\mu_\\gamma(d\\lambda),\\quad
        V(t) = \\sigma^2\\gamma\\!\\int_{\\lambda>0}\\frac{(1-e^{-t\\lambda})^2}{\\lambda}
        \\mu_\\gamma(d\\lambda),

    .. math::
        \\mathrm{train}(t) = (r^2+\\sigma_0^2)\\!\\int\\lambda e^{-2t\\lambda}\\mu_\\gamma(d\\lambda)
        + \\sigma^2\\Big[(1-\\gamma)^+ + \\gamma\\!\\int_{\\lambda>0} e^{-2t\\lambda}
        \\mu_\\gamma(d\\lambda)\\Big].

    The bulk integrals use 400 Gauss–Legendre nodes after
    :math:`\\lambda = a + (b-a)(1-\\cos\\theta)/2`. Early stopping at ``t`` behaves like ridge with
    :math:`\\lambda = 1/t` (compare the filters :math:`1 - e^{-t\\lambda}` and
    :math:`\\lambda/(\\lambda + 1/t)`), but the two curves are not identical.

    References
    ----------
    Advani, Saxe & Sompolinsky, Neural Networks 132 (2020); Ali, Kolter & Tibshirani, AISTATS
    (2019) (early stopping vs ridge); Liao & Couillet, ICML (2018).

    Examples
    --------
    At ``t = ∞`` and ``gamma = 2`` the flow is the ridgeless estimator: bias
    ``r2 (1 - 1/γ) = 0.5`` plus variance ``σ²/(γ - 1) = 0.5``. At ``t = 1``, ``gamma = 0.5`` the
    seeded simulation ``simulate_linear_dynamics(200, 400, [1.0], reps=20, rng=0)`` averages
    0.422 (ridge at λ = 1/t gives 0.455):

    >>> r = gradient_flow_risk(np.inf, 2.0, r2=1.0, sigma2=0.5)
    >>> round(r.excess_risk, 6)
    1.0
    >>> round(gradient_flow_risk(1.0, 0.5).excess_risk, 4)
    0.429
    """
    t = _times(t)
    g = _ratio("gamma", gamma)
    r2 = V.nonnegative_scalar("r2", r2)
    s2 = V.nonnegative_scalar("sigma2", sigma2)
    v0 = V.nonnegative_scalar("init_var", init_var)
    t, g = np.broadcast_arrays(t, g)
    inf = np.isinf(t)
    tt = np.where(inf, 0.0, t)[..., None]
    bias, var, train = _dynamics(lambda x: np.exp(-tt * x), g, r2, s2, v0)
    if inf.any():
        lim = ridge_risk(g, 0.0, r2, s2)
        bias = np.where(inf, lim.bias + v0 * mp_atom(g), bias)
        var = np.where(inf, lim.variance, var)
        train = np.where(inf, lim.train_error, train)
    with np.errstate(over="ignore"):
        risk = bias + var
    V.finite_result("r2, sigma2, init_var", bias, var, risk, train)
    return RidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
    )


def gd_risk(k, gamma, eta, r2=1.0, sigma2=1.0, init_var=0.0, *, require_stable=True):
    """Limiting bias, variance, excess risk and training error of gradient descent after ``k`` steps.

    Parameters
    ----------
    k : int or array_like of int, >= 0
        Number of steps :math:`\\beta_{k+1} = \\beta_k - \\eta\\nabla L(\\beta_k)`.
    gamma : float, in (0, 1e12]
    eta : float, > 0
        Step size.
    r2, sigma2, init_var : float, >= 0
        As in :func:`gradient_flow_risk`.
    require_stable : bool
        Raise if ``eta`` is at or beyond :func:`gd_stability_limit` (default). With ``False`` the
        divergent curves are returned (they overflow to ``inf``).

    Returns
    -------
    RidgeRisk

    Notes
    -----
    The formulas of :func:`gradient_flow_risk` with :math:`e^{-t\\lambda}` replaced by
    :math:`(1-\\eta\\lambda)^k`; for small ``eta`` GD after ``k`` steps tracks the flow at
    :math:`t = \\eta k`.

    Examples
    --------
    100 steps of size 0.01 against the flow at ``t = ηk = 1`` (the two differ by O(η)):

    >>> round(gd_risk(100, 0.5, 0.01).excess_risk, 4), round(gradient_flow_risk(1.0, 0.5).excess_risk, 4)
    (0.4289, 0.429)
    """
    k = _steps("k", k)
    g = _ratio("gamma", gamma)
    eta = V.positive("eta", eta)
    require_stable = V.boolean("require_stable", require_stable)
    limit = gd_stability_limit(g)
    if require_stable and np.any(eta >= limit):
        raise ValueError(
            f"eta={float(np.max(eta)):.4g} is at or beyond the stability limit "
            f"2/(1+sqrt(gamma))^2 = {float(np.min(limit)):.4g}; gradient descent diverges "
            "(pass require_stable=False to see the divergence)"
        )
    r2 = V.nonnegative_scalar("r2", r2)
    s2 = V.nonnegative_scalar("sigma2", sigma2)
    v0 = V.nonnegative_scalar("init_var", init_var)
    k, g, eta = np.broadcast_arrays(k, g, eta)
    kk, ee = k[..., None].astype(float), eta[..., None]
    with np.errstate(over="ignore", invalid="ignore"):
        bias, var, train = _dynamics(lambda x: (1 - ee * x) ** kk, g, r2, s2, v0)
    with np.errstate(over="ignore", invalid="ignore"):
        risk = bias + var
    if require_stable:  # (unstable curves overflow by design: documented)
        V.finite_result("r2, sigma2, init_var", bias, var, risk, train)
    return RidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
    )


def simulate_linear_dynamics(
    p, n, times, r2=1.0, sigma2=1.0, init_var=0.0, *, eta=None, reps=10, rng
):
    """Exact gradient-flow (or GD) errors on simulated data, through one eigendecomposition.

    Parameters
    ----------
    p, n : int
    times : array_like
        Times ``t >= 0`` of the flow, or, when ``eta`` is given, numbers of GD steps.
    r2, sigma2, init_var : float, >= 0
        As in :func:`gradient_flow_risk`; ``β*`` has a fixed direction, ``β_0`` is drawn
        per repetition.
    eta : float, optional
        Step size of gradient descent (``None`` = gradient flow).
    reps : int
    rng : numpy.random.Generator or int

    Returns
    -------
    RidgeRisk
        Arrays of shape ``(reps, len(times))``; the noise is averaged analytically given ``X`` and
        ``β_0`` (as in :func:`rmtlib.simulate_ridge`).

    Notes
    -----
    With :math:`\\hat\\Sigma = \\sum_i e_iu_iu_i^\\top`, :math:`\\delta = \\beta_* - \\beta_0` and the
    filter :math:`f = e^{-te}` (or :math:`(1-\\eta e)^k`):
    :math:`B = \\|\\delta\\|^2 - \\sum_i (1 - f_i^2)(u_i^\\top\\delta)^2`,
    :math:`V = \\frac{\\sigma^2}{n}\\sum_i (1-f_i)^2/e_i`,
    :math:`\\mathrm{train} = \\sum_i e_i f_i^2 (u_i^\\top\\delta)^2 +
    \\frac{\\sigma^2}{n}\\big[\\sum_i f_i^2 + n - \\mathrm{rank}\\big]`.

    Examples
    --------
    At ``t = 0`` the estimate is ``β_0 = 0`` and the excess risk is exactly ``r2 = 1``:

    >>> sim = simulate_linear_dynamics(100, 200, [0.0, 1.0], reps=3, rng=0)
    >>> sim.excess_risk.shape, round(float(sim.excess_risk[:, 0].mean()), 3)
    ((3, 2), 1.0)
    """
    p = V.size("p", p)
    n = V.size("n", n)
    times = np.atleast_1d(V.nonnegative("times", times))
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"times must be a non-empty 1-d array; got shape {np.shape(times)}")
    r2 = V.nonnegative_scalar("r2", r2)
    s2 = V.nonnegative_scalar("sigma2", sigma2)
    v0 = V.nonnegative_scalar("init_var", init_var)
    reps = V.size("reps", reps)
    if eta is not None:
        eta = V.positive_scalar("eta", eta)
    k = min(p, n)
    V.check_allocation(
        [(reps, p, n)] * 2 + [(reps, k, k), (reps, p, k)] * 2 + [(reps, k, times.size)] * 6,
        "the reps × p × n data and its eigendecompositions",
        "p, n, reps",
    )
    gen = V.rng(rng)
    X = gen.standard_normal((reps, p, n))
    beta = np.full(p, np.sqrt(r2 / p))
    delta = beta[None, :] - np.sqrt(v0 / p) * gen.standard_normal((reps, p))
    e, U = sample_covariance_eigenpairs(X)
    pos = e > 0
    ee = e[..., None]
    tt = times[None, None, :]
    if eta is None:
        f = np.exp(-tt * ee)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            f = (1 - eta * ee) ** tt
    f = np.where(pos[..., None], f, 1.0)
    v2 = np.where(pos, (delta[:, None, :] @ U)[:, 0, :] ** 2, 0.0)
    norm2 = np.sum(delta**2, axis=1)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        bias = norm2 - np.einsum("rkt,rk->rt", 1 - f**2, v2)
        var = (
            s2
            / n
            * np.sum(
                np.where(pos[..., None], (1 - f) ** 2 / np.where(pos, e, 1.0)[..., None], 0.0),
                axis=1,
            )
        )
        rank = pos.sum(axis=1)[:, None]
        train = np.einsum("rkt,rk->rt", ee * f**2, v2) + s2 / n * (
            np.sum(np.where(pos[..., None], f**2, 0.0), axis=1) + n - rank
        )
    with np.errstate(over="ignore", invalid="ignore"):
        risk = bias + var
    V.finite_result("eta, r2, sigma2, init_var", bias, var, risk, train)
    return RidgeRisk(bias, var, risk, train)


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


def gmm_gd_error(t, ratio, mu_norm2, step, reg=0.0, init_var=0.0):
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
        Step size α, below :func:`gd_stability_limit` (with the spike).
    reg : float, >= 0
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
        E = \\int\\frac{1-f_t(x+\\gamma)}{x+\\gamma}\\omega(x)dx
        + \\frac{(\\|\\mu\\|^4-c)^+}{\\|\\mu\\|^2}\\frac{1-f_t(\\lambda_s+\\gamma)}{\\lambda_s+\\gamma},

    .. math::
        V = \\frac{\\|\\mu\\|^2+c}{\\|\\mu\\|^2}\\Big[\\int\\frac{(1-f_t(x+\\gamma))^2}{(x+\\gamma)^2}
        \\omega(x)dx + \\frac{(\\|\\mu\\|^4-c)^+}{\\|\\mu\\|^2}
        \\frac{(1-f_t(\\lambda_s+\\gamma))^2}{(\\lambda_s+\\gamma)^2}\\Big]
        + \\sigma_0^2\\Big[\\int f_t(x+\\gamma)^2\\nu(x)dx + (1-\\tfrac1c)^+f_t(\\gamma)^2\\Big].

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

    (the seeded simulation ``simulate_gmm_gd(256, 512, 1.0, [200], 0.01, reps=20, rng=0)``
    gives 0.230; after ``10**5`` steps the error has risen to 0.282: early stopping helps.)
    """
    t = _steps("t", t)
    c = float(_ratio("ratio", V.scalar("ratio", ratio)))
    m2 = V.positive_scalar("mu_norm2", mu_norm2)
    step = V.positive_scalar("step", step)
    reg = V.nonnegative_scalar("reg", reg)
    v0 = V.nonnegative_scalar("init_var", init_var)
    # The pole of ω: the outlier above the threshold, a point at or above the bulk edge below it.
    lam_s = 1 + c + m2 + c / m2
    spike_w = max(m2 - c / m2, 0.0)  # (‖μ‖⁴ - c)⁺/‖μ‖², without squaring a huge ‖μ‖²
    limit = gd_stability_limit(c, reg, gmm_spike(c, m2))
    if step >= limit:
        raise ValueError(
            f"step={step:.4g} is at or beyond the stability limit 2/(λ_max + reg) = {limit:.4g} "
            "set by ratio, mu_norm2 and reg: gradient descent diverges"
        )
    x, w_nu = _mp_nodes(np.asarray(c))
    a, b = mp_edges(c)
    w_omega = w_nu * c * x / (lam_s - x)
    tt = t[..., None].astype(float)

    def f(z):
        return (1 - step * z) ** tt

    xs, ss = x + reg, lam_s + reg
    fx, fs = f(xs), f(ss)[..., 0]
    mean = np.sum(w_omega * (1 - fx) / xs, axis=-1) + spike_w * (1 - fs) / ss
    second = (m2 + c) / m2 * (
        np.sum(w_omega * (1 - fx) ** 2 / xs**2, axis=-1) + spike_w * (1 - fs) ** 2 / ss**2
    ) + v0 * (np.sum(w_nu * fx**2, axis=-1) + max(0.0, 1 - 1 / c) * f(reg)[..., 0] ** 2)
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


def simulate_gmm_gd(p, n, mu_norm2, times, step, reg=0.0, init_var=0.0, *, reps=10, rng):
    """Exact GD on simulated two-class Gaussian-mixture data, through one eigendecomposition.

    Returns
    -------
    dict of ndarray, each of shape ``(reps, len(times))``
        ``"test_error"`` — the exact test misclassification :math:`Q(\\mu^\\top w_t/\\|w_t\\|)`
        of the trained ``w_t`` (no test sample needed); ``"train_error"`` — the fraction of
        misclassified training points; ``"mean"`` and ``"second_moment"`` — :math:`\\mu^\\top w_t`
        and :math:`\\|w_t\\|^2`.

    Notes
    -----
    :math:`w_t = f_t(M)w_0 + (I - f_t(M))M^{-1}Xy/n` with :math:`M = XX^\\top/n + \\gamma I` and
    :math:`f_t(x) = (1-\\alpha x)^t`, evaluated in the eigenbasis of ``M`` for all ``t`` at once.
    ``μ = sqrt(mu_norm2) e_1``; classes are balanced.

    Examples
    --------
    >>> out = simulate_gmm_gd(64, 128, 1.0, [0, 50], 0.05, reps=2, rng=0)
    >>> out["test_error"].shape
    (2, 2)
    """
    p = V.size("p", p)
    n = V.size("n", n, minimum=2)
    m2 = V.positive_scalar("mu_norm2", mu_norm2)
    times = _steps("times", times)
    times = np.atleast_1d(times)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"times must be a non-empty 1-d array; got shape {np.shape(times)}")
    step = V.positive_scalar("step", step)
    reg = V.nonnegative_scalar("reg", reg)
    v0 = V.nonnegative_scalar("init_var", init_var)
    reps = V.size("reps", reps)
    V.check_allocation(
        [(reps, p, n)] * 3
        + [(reps, p, p)] * 3
        + [(reps, p, times.size)] * 6
        + [(reps, n, times.size)] * 2,
        "the reps × p × n data and the p × p eigendecompositions",
        "p, n, reps",
    )
    gen = V.rng(rng)
    y = np.where(np.arange(n) < n // 2, -1.0, 1.0)
    mu = np.zeros(p)
    mu[0] = np.sqrt(m2)
    X = mu[None, :, None] * y[None, None, :] + gen.standard_normal((reps, p, n))
    w0 = np.sqrt(v0 / p) * gen.standard_normal((reps, p))
    e, U = np.linalg.eigh(X @ np.swapaxes(X, 1, 2) / n)
    e = np.clip(e, 0.0, None) + reg
    c0 = (w0[:, None, :] @ U)[:, 0, :]
    cb = ((X @ y / n)[:, None, :] @ U)[:, 0, :]
    with np.errstate(over="ignore", invalid="ignore"):
        f = (1 - step * e[..., None]) ** times[None, None, :].astype(float)
    V.finite_result("step, mu_norm2, reg (gradient descent diverges)", f)
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
    return {
        "test_error": 0.5 * erfc(z / np.sqrt(2)),
        "train_error": train,
        "mean": mean,
        "second_moment": second,
    }
