"""Learning dynamics of linear models: gradient flow and gradient descent as spectral functionals.

Regression (chapter 7, setting of :mod:`rmtlib.ridge`): ``X`` is ``p × n`` with i.i.d.
``N(0, 1)`` entries, ``ratio = p / n``, ``y = Xᵀβ* + ε``, ``‖β*‖² = r2``, ``Var ε = noise_var``, and the
loss is ``L(β) = ‖y - Xᵀβ‖² / (2n)``. Gradient flow from ``β_0`` gives

    β_t - β̂ = e^{-t Σ̂}(β_0 - β̂)   with   Σ̂ = X Xᵀ / n,

so every error at time ``t`` is a spectral functional of ``Σ̂``, whose limit is the
Marchenko–Pastur law — including its atom at 0 when ``ratio > 1`` (directions that are never
learned). Risks are **excess** risks (add ``noise_var`` for the test MSE).

Classification of a Gaussian mixture by gradient descent (the same chapter) lives in
:mod:`rmtlib.gmm_dynamics`; its names are importable from here as well.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from ._grids import mp_continuous_nodes
from .mp import mp_atom, mp_edges
from .ridge import RidgeRisk, ridge_risk, sample_covariance_eigenpairs

__all__ = [
    "linear_gd_step_limit",
    "gradient_flow_risk",
    "gd_risk",
    "simulate_linear_dynamics",
    "gd_stability_limit",
]

# Largest p/n accepted: the bulk quadrature matches the ridgeless limit to 3e-14 up to here
# (tests/test_dynamics.py) and loses digits beyond (2e-7 at 1e20).
GAMMA_MAX = 1e12


def _ratio(name, value):
    return V.in_range(name, value, 0.0, GAMMA_MAX, low_open=True)


@V.renamed_keywords(gamma="ratio", reg="lam")
def linear_gd_step_limit(ratio, lam=0.0, spike=None):
    """Largest stable step size ``2 / λ_max`` of gradient descent on the square loss.

    Parameters
    ----------
    ratio : float or array_like, > 0
        ``p / n``; the bulk of ``X Xᵀ/n`` ends at :math:`(1+\\sqrt\\gamma)^2`.
    lam : float, >= 0
        Ridge penalty added to the Hessian.
    spike : float or array_like, >= 0, optional
        An isolated eigenvalue (e.g. :func:`gmm_spike`); it sets the limit only if it lies above
        the bulk edge.

    Returns
    -------
    float or ndarray
        :math:`2/(\\max((1+\\sqrt\\gamma)^2, \\text{spike}) + \\lambda)`: GD with ``step``
        converges iff ``step`` is below it (asymptotically; at finite ``n`` the top eigenvalue
        fluctuates at scale :math:`n^{-2/3}`).

    See Also
    --------
    rmtlib.lazy.gd_step_limit : the same limit for the NTK of a deep network (lazy training).

    Examples
    --------
    At ``ratio = 1`` the bulk ends at 4, so the limit is ``2/4``:

    >>> linear_gd_step_limit(1.0)
    0.5
    """
    g = V.positive("ratio", ratio)
    lam = V.nonnegative("lam", lam)
    top = (1 + np.sqrt(g)) ** 2
    if spike is not None:
        top = np.maximum(top, V.nonnegative("spike", spike))
    return V.scalar_or_array(2 / (top + lam))


gd_stability_limit = V.deprecated_alias(linear_gd_step_limit, "gd_stability_limit")


def _dynamics(filt, g, r2, s2, init_var):
    """Bias, variance, train error for a residual filter ``filt(x)`` (e^{-tx} or (1-ηx)^k)."""
    x, w = mp_continuous_nodes(g, *mp_edges(g))
    f = filt(x)
    atom = np.asarray(mp_atom(g))
    signal = r2 + init_var
    mean_f2 = np.sum(w * f**2, axis=-1)
    bias = signal * (mean_f2 + atom)
    var = s2 * g * np.sum(w * (1 - f) ** 2 / x, axis=-1)
    train = signal * np.sum(w * x * f**2, axis=-1) + s2 * (np.maximum(0, 1 - g) + g * mean_f2)
    return bias, var, train


def _times(t):
    """Flow times: real, >= 0, ``np.inf`` allowed (the t → ∞ limit)."""
    if isinstance(t, (str, bytes)) or t is None:
        raise TypeError(f"t must be a real number or array; got {t!r}")
    t = np.asarray(t, dtype=float)
    if np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError(f"t must lie in [0, inf]; got {t if t.size <= 6 else 'an array'}")
    return t


@V.renamed_keywords(gamma="ratio", sigma2="noise_var")
def gradient_flow_risk(t, ratio, r2=1.0, noise_var=1.0, init_var=0.0):
    """Limiting bias, variance, excess risk and training error of gradient flow at time ``t``.

    Parameters
    ----------
    t : float or array_like, >= 0
        Time of the flow :math:`\\dot\\beta = -\\nabla L(\\beta)`, ``L = ‖y - Xᵀβ‖²/(2n)``;
        ``np.inf`` gives the limit (the ridgeless estimator plus the never-learned part of the
        initialisation). Broadcast against ``ratio``.
    ratio : float or array_like, in (0, 1e12]
        ``p / n`` (``GAMMA_MAX`` = 1e12).
    r2, noise_var : float, >= 0
        ``‖β*‖²`` and the noise variance.
    init_var : float, >= 0
        Variance :math:`\\sigma_0^2` of a random start :math:`\\beta_0 \\sim \\mathcal N(0,
        \\sigma_0^2 I_p/p)`; 0 for :math:`\\beta_0 = 0`.

    Returns
    -------
    RidgeRisk
        ``bias`` (including the initialisation term), ``variance``, ``excess_risk`` (add
        ``noise_var`` for the test MSE) and ``train_error`` (:math:`\\|y - X^\\top\\beta_t\\|^2/n`).

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
    At ``t = ∞`` and ``ratio = 2`` the flow is the ridgeless estimator: bias
    ``r2 (1 - 1/γ) = 0.5`` plus variance ``σ²/(γ - 1) = 0.5``. At ``t = 1``, ``ratio = 0.5`` the
    seeded simulation ``simulate_linear_dynamics(200, 400, [1.0], n_draws=20, rng=0)`` averages
    0.422 (ridge at λ = 1/t gives 0.455):

    >>> r = gradient_flow_risk(np.inf, 2.0, r2=1.0, noise_var=0.5)
    >>> round(r.excess_risk, 6)
    1.0
    >>> round(gradient_flow_risk(1.0, 0.5).excess_risk, 4)
    0.429
    """
    t = _times(t)
    g = _ratio("ratio", ratio)
    r2 = V.nonnegative_scalar("r2", r2)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
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
    V.finite_result("r2, noise_var, init_var", bias, var, risk, train)
    return RidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
    )


@V.renamed_keywords(gamma="ratio", eta="step", sigma2="noise_var")
def gd_risk(k, ratio, step, r2=1.0, noise_var=1.0, init_var=0.0, *, require_stable=True):
    """Limiting bias, variance, excess risk and training error of gradient descent after ``k`` steps.

    Parameters
    ----------
    k : int or array_like of int, >= 0
        Number of steps :math:`\\beta_{k+1} = \\beta_k - \\eta\\nabla L(\\beta_k)`.
    ratio : float, in (0, 1e12]
    step : float, > 0
        Step size.
    r2, noise_var, init_var : float, >= 0
        As in :func:`gradient_flow_risk`.
    require_stable : bool
        Raise if ``step`` is at or beyond :func:`linear_gd_step_limit` (default). With ``False`` the
        divergent curves are returned (they overflow to ``inf``).

    Returns
    -------
    RidgeRisk

    Notes
    -----
    The formulas of :func:`gradient_flow_risk` with :math:`e^{-t\\lambda}` replaced by
    :math:`(1-\\eta\\lambda)^k`; for small ``step`` GD after ``k`` steps tracks the flow at
    :math:`t = \\eta k`.

    Examples
    --------
    100 steps of size 0.01 against the flow at ``t = ηk = 1`` (the two differ by O(η)):

    >>> round(gd_risk(100, 0.5, 0.01).excess_risk, 4), round(gradient_flow_risk(1.0, 0.5).excess_risk, 4)
    (0.4289, 0.429)
    """
    k = V.step_counts("k", k)
    g = _ratio("ratio", ratio)
    step = V.positive("step", step)
    require_stable = V.boolean("require_stable", require_stable)
    limit = linear_gd_step_limit(g)
    if require_stable and np.any(step >= limit):
        raise ValueError(
            f"step={float(np.max(step)):.4g} is at or beyond the stability limit "
            f"2/(1+sqrt(ratio))^2 = {float(np.min(limit)):.4g}; gradient descent diverges "
            "(pass require_stable=False to see the divergence)"
        )
    r2 = V.nonnegative_scalar("r2", r2)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    v0 = V.nonnegative_scalar("init_var", init_var)
    k, g, step = np.broadcast_arrays(k, g, step)
    kk, ee = k[..., None].astype(float), step[..., None]
    with np.errstate(over="ignore", invalid="ignore"):
        bias, var, train = _dynamics(lambda x: (1 - ee * x) ** kk, g, r2, s2, v0)
    with np.errstate(over="ignore", invalid="ignore"):
        risk = bias + var
    if require_stable:  # (unstable curves overflow by design: documented)
        V.finite_result("r2, noise_var, init_var", bias, var, risk, train)
    return RidgeRisk(
        V.scalar_or_array(bias),
        V.scalar_or_array(var),
        V.scalar_or_array(risk),
        V.scalar_or_array(train),
    )


@V.renamed_keywords(sigma2="noise_var", eta="step", reps="n_draws")
def simulate_linear_dynamics(
    p, n, times, r2=1.0, noise_var=1.0, init_var=0.0, *, step=None, n_draws=10, rng
):
    """Exact gradient-flow (or GD) errors on simulated data, through one eigendecomposition.

    Parameters
    ----------
    p, n : int
    times : array_like
        Times ``t >= 0`` of the flow, or, when ``step`` is given, numbers of GD steps.
    r2, noise_var, init_var : float, >= 0
        As in :func:`gradient_flow_risk`; ``β*`` has a fixed direction, ``β_0`` is drawn
        per repetition.
    step : float, optional
        Step size of gradient descent (``None`` = gradient flow).
    n_draws : int
    rng : numpy.random.Generator or int

    Returns
    -------
    RidgeRisk
        Arrays of shape ``(n_draws, len(times))``; the noise is averaged analytically given ``X`` and
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

    >>> sim = simulate_linear_dynamics(100, 200, [0.0, 1.0], n_draws=3, rng=0)
    >>> sim.excess_risk.shape, round(float(sim.excess_risk[:, 0].mean()), 3)
    ((3, 2), 1.0)
    """
    p = V.size("p", p)
    n = V.size("n", n)
    times = np.atleast_1d(V.nonnegative("times", times))
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"times must be a non-empty 1-d array; got shape {np.shape(times)}")
    r2 = V.nonnegative_scalar("r2", r2)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    v0 = V.nonnegative_scalar("init_var", init_var)
    n_draws = V.size("n_draws", n_draws)
    if step is not None:
        step = V.positive_scalar("step", step)
    k = min(p, n)
    V.check_allocation(
        [(n_draws, p, n)] * 2
        + [(n_draws, k, k), (n_draws, p, k)] * 2
        + [(n_draws, k, times.size)] * 6,
        "the n_draws × p × n data and its eigendecompositions",
        "p, n, n_draws",
    )
    gen = V.rng(rng)
    X = gen.standard_normal((n_draws, p, n))
    beta = np.full(p, np.sqrt(r2 / p))
    delta = beta[None, :] - np.sqrt(v0 / p) * gen.standard_normal((n_draws, p))
    e, U = sample_covariance_eigenpairs(X)
    pos = e > 0
    ee = e[..., None]
    tt = times[None, None, :]
    if step is None:
        f = np.exp(-tt * ee)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            f = (1 - step * ee) ** tt
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
    V.finite_result("step, r2, noise_var, init_var", bias, var, risk, train)
    return RidgeRisk(bias, var, risk, train)


# The mixture classifier builds on linear_gd_step_limit above, so it is imported last; its names
# lived in this module before and stay importable from it.
from .gmm_dynamics import GMMDynamics, gmm_gd_error, gmm_spike, simulate_gmm_gd  # noqa: E402,F401
