"""Nonlinear learning dynamics: lazy (NTK) training as a spectral functional, and one big step.

In the lazy regime, gradient flow on the squared loss of a wide network is kernel gradient flow
with the NTK ``K``: the residual is :math:`r_t=e^{-tK}r_0`. Training curves are therefore
eigenspectral functionals of the NTK, which :mod:`rmtlib.deep` gives through its Stieltjes
transform and layer traces. This module turns them into

- training-loss curves for gradient flow and for discrete gradient descent, for pure-noise and
  for structured labels (:func:`lazy_training_loss`), and their empirical counterpart
  (:func:`empirical_training_loss`);
- the largest stable step size (:func:`gd_step_limit`);
- kernel predictions at time t (:func:`lazy_predictions`);
- a simulation of one large gradient step on the first layer of a two-layer network, where
  the weights depend on the data and the CK acquires a spike (:func:`one_step_feature_learning`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._grids import cosine_map
from ._two_layer import gradient_step, named_activation
from .activations import get_activation
from .deep import ntk_edges, ntk_resolvent_traces, ntk_stieltjes
from .fixedpoint import ConvergenceError
from .sim import sphere_data
from .spectral import spectral_integral

__all__ = [
    "lazy_training_loss",
    "empirical_training_loss",
    "gd_step_limit",
    "lazy_predictions",
    "FeatureLearningStep",
    "one_step_feature_learning",
    "spectral_training_loss",
]


@lru_cache(maxsize=32)
def _cached_edges(layer_ratios, activation):
    return ntk_edges(list(layer_ratios), activation)


def _edges(layer_ratios, activation):
    """ntk_edges, cached per (layer_ratios, activation): the contour of every call needs them."""
    g = V.vector("layer_ratios", layer_ratios)
    key = activation if isinstance(activation, str) else get_activation(activation)
    return _cached_edges(tuple(g.tolist()), key)


def _decay(t, step):
    """e^{-2tz} (gradient flow) or (1 - step z)^{2t} (t steps of gradient descent)."""
    if step is None:
        return lambda z: np.exp(-2 * z[:, None] * t[None, :])
    return lambda z: (1 - step * z[:, None]) ** (2 * t[None, :])


@V.renamed_keywords(gammas="layer_ratios", noise="noise_var", nodes="n_nodes")
def lazy_training_loss(
    t, layer_ratios, activation="relu", *, noise_var=1.0, snr=0.0, step=None, n_nodes=600
):
    """Limiting training loss :math:`\\frac1n\\|f_t(X)-y\\|^2` of lazy (NTK) training from ``f_0 = 0``.

    Parameters
    ----------
    t : float or array_like, >= 0
        Time of gradient flow, or number of steps when ``step`` is given.
    layer_ratios, activation : as in :func:`rmtlib.ntk_stieltjes`.
    noise_var : float >= 0
        Label-noise variance σ² (pure-noise labels when ``snr = 0``).
    snr : float >= 0
        Signal strength of a linear target :math:`y=X_0^\\top\\beta_*+\\varepsilon` with
        :math:`\\|\\beta_*\\|^2=d_0\\,\\mathrm{snr}` (each label has signal variance snr).
    step : float, optional
        Gradient-descent step η (loss after ``t`` steps); ``None`` for gradient flow.
    n_nodes : int
        Trapezoid nodes on the contour.

    Returns
    -------
    float or ndarray
        The training loss (mean squared residual, not halved).

    Notes
    -----
    With :math:`K` the NTK, :math:`r_t=e^{-tK}r_0`, :math:`r_0=-y`, so

    .. math:: \\mathrm{train}(t)=\\frac1ny^\\top e^{-2tK}y\\to-\\frac1{2\\pi i}\\oint_\\Gamma e^{-2tz}
              \\big[\\sigma^2m(z)+\\mathrm{snr}\\,U_0(z)\\big]dz,

    :math:`m=\\frac1n\\operatorname{tr}(K-z)^{-1}` and
    :math:`U_0=\\frac1n\\operatorname{tr}K_0(K-z)^{-1}` (from the nested-trace algorithm):
    the structured part needs the overlaps of the NTK eigenvectors with the labels, an
    eigenspectral functional "beyond eigenvalues". Γ is an ellipse around the support
    (found by :func:`rmtlib.ntk_edges`). For GD, :math:`e^{-2tz}\\to(1-\\eta z)^{2t}`. Where the
    decay factor exceeds 1e9 on Γ or oscillates faster than the nodes resolve (large t), the
    contour sum would cancel catastrophically, and the same functional is integrated against
    the density on the support instead (Chebyshev-clustered trapezoid, 1201 nodes).

    References
    ----------
    Jacot et al., NeurIPS 2018; Lee et al., NeurIPS 2019 (lazy dynamics); Liao & Couillet,
    ICML 2018 (dynamics as a contour integral).

    Examples
    --------
    >>> round(float(lazy_training_loss(0.0, [0.5, 0.5])), 8)
    1.0
    >>> # ∫ e^{-2tx} ρ(x) dx with ntk_density gives the same (tests/test_lazy.py)
    >>> round(float(lazy_training_loss(0.5, [0.5, 0.5])), 4)
    0.1438
    """
    t_arr = V.nonnegative("t", t)
    noise_var = V.nonnegative_scalar("noise_var", noise_var)
    snr = V.nonnegative_scalar("snr", snr)
    if step is not None:
        step = V.positive_scalar("step", step)
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8, maximum=100_000)
    lo, hi = _edges(layer_ratios, activation)
    pad = 0.08 * (hi - lo)
    tt = np.atleast_1d(t_arr).astype(float).ravel()
    _whole_steps(tt, step)

    def weighted_m(z):
        if snr == 0:
            return (
                noise_var
                * np.asarray(ntk_stieltjes(z, layer_ratios, activation, tol=1e-13))[:, None]
            )
        r = ntk_resolvent_traces(z, layer_ratios, activation, tol=1e-13)
        return (noise_var * r.m + snr * r.U[..., 0])[:, None]

    decay = _decay(tt, step)
    out = np.asarray(
        spectral_integral(decay, weighted_m, lo - pad, hi + pad, n_nodes=n_nodes)
    ).reshape(-1)
    # Where the decay factor is huge on the contour (left of the support at large t, or an
    # unstable GD step) but the result is small, the contour sum cancels catastrophically:
    # there integrate the density ρ_w = Im(weighted m)/π on the support instead.
    ring = np.array([lo - pad, hi + pad, (lo + hi) / 2 + 0.25j * (hi - lo)])
    unsafe = np.max(np.abs(decay(ring)), axis=0) > 1e9
    # ... and where the factor oscillates too fast along Γ for the trapezoid nodes.
    unsafe |= 2 * tt * (1.0 if step is None else step) * (hi - lo + 2 * pad) > n_nodes / 8
    if unsafe.any():
        theta = np.linspace(0.0, np.pi, 1201)
        x, jac = cosine_map(lo, hi, theta)
        rho = np.maximum(weighted_m(x + 1e-9j)[:, 0].imag / np.pi, 0.0)
        vals = np.real(decay(x.astype(complex)))[:, unsafe] * (rho * jac)[:, None]
        out[unsafe] = np.trapezoid(vals, theta, axis=0)
    _check_finite_loss(out, "noise_var, snr")
    return float(out[0]) if t_arr.ndim == 0 else out.reshape(t_arr.shape)


def _whole_steps(tt, step):
    # (1 - ηλ)^{2t} is the loss after t steps of GD only for whole t (and real only then).
    if step is not None and np.any(tt != np.round(tt)):
        raise ValueError(
            "with step given, t counts gradient-descent steps: t must hold whole numbers >= 0"
        )


def empirical_training_loss(t, K, y, *, step=None):
    """Training loss :math:`\\frac1ny^\\top e^{-2tK}y` (or :math:`\\frac1ny^\\top(I-\\eta K)^{2t}y`) for a given kernel.

    Parameters
    ----------
    t : float or array_like, >= 0
    K : ndarray, shape (n, n)
        Symmetric PSD kernel (e.g. a simulated NTK Gram matrix).
    y : ndarray, shape (n,) or (n, r)
        Labels (several columns are averaged: one loss per t).
    step : float, optional
        GD step; ``t`` then counts steps.

    Returns
    -------
    float or ndarray

    Notes
    -----
    With :math:`K=\\sum_i\\lambda_iu_iu_i^\\top`, :math:`\\frac1n\\sum_i e^{-2t\\lambda_i}(u_i^\\top y)^2`:
    every mode decays at its own rate :math:`2\\lambda_i`.

    Examples
    --------
    >>> round(float(empirical_training_loss(1.0, np.eye(3), np.ones(3))), 6)  # e^{-2}
    0.135335
    """
    t_arr = V.nonnegative("t", t)
    lam, U = _psd_eigh("K", K)
    y = _labels("y", y, K.shape[0], columns=True)
    Y = y.reshape(K.shape[0], -1)
    proj = np.mean((U.T @ Y) ** 2, axis=1)
    tt = np.atleast_1d(t_arr)
    if step is not None:
        step = V.positive_scalar("step", step)
    _whole_steps(tt, step)
    if step is None:
        decay = np.exp(-2 * np.outer(tt, lam))
    else:
        with np.errstate(over="ignore"):
            decay = (1 - step * lam[None, :]) ** (2 * tt[:, None])
    out = decay @ proj / K.shape[0]
    _check_finite_loss(out, "y")
    return float(out[0]) if t_arr.ndim == 0 else out


def _psd_eigh(name, K):
    """Eigen-decomposition of a symmetric PSD kernel, refusing anything else by name."""
    K = V.matrix(name, K, square=True)
    scale = np.max(np.abs(K))
    if scale > 1e150:
        raise ValueError(f"{name} must have entries within [-1e150, 1e150] (eigh would overflow)")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12 * scale):
        raise ValueError(f"{name} must be symmetric (a kernel Gram matrix)")
    lam, U = np.linalg.eigh(K)
    if lam.min() < -1e-8 * max(scale, 1e-300):
        raise ValueError(
            f"{name} must be positive semi-definite (a kernel); its smallest eigenvalue is "
            f"{lam.min():.3g}"
        )
    return np.clip(lam, 0.0, None), U


def _labels(name, y, n, *, columns=False):
    """Labels of the n training points: shape (n,) (or (n, r) when ``columns``)."""
    y = V.finite_real(name, y)
    ok = y.ndim == 1 or (columns and y.ndim == 2)
    if not ok or y.shape[0] != n or y.size == 0:
        shape = f"({n},)" + (f" or ({n}, r)" if columns else "")
        raise ValueError(f"{name} must have shape {shape}; got shape {y.shape}")
    return y


def _check_finite_loss(out, scale_name):
    # A GD step above 2/λ_max diverges geometrically; huge labels overflow when squared.
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "the training loss exceeds the float64 range: lower step (gradient descent diverges "
            f"above 2/λ_max) or t, or rescale {scale_name}"
        )


@V.renamed_keywords(gammas="layer_ratios")
def gd_step_limit(layer_ratios, activation="relu"):
    """Largest stable gradient-descent step :math:`2/\\lambda_{\\max}` of lazy training.

    ``λ_max`` is the right edge of the limiting NTK spectrum (:func:`rmtlib.ntk_edges`); a spike
    above the bulk (e.g. from a non-centred activation or structured data) would lower it.

    See Also
    --------
    rmtlib.dynamics.linear_gd_step_limit : the same limit for linear least squares.

    Examples
    --------
    >>> round(gd_step_limit([0.5, 0.5]), 4)   # 2 / 6.283, the right edge of ntk_edges
    0.3183
    """
    return 2.0 / _edges(layer_ratios, activation)[1]


def lazy_predictions(K, K_cross, y, t):
    """Kernel predictions :math:`f_t=K_\\times K^{-1}(I-e^{-tK})y` of lazy training at time(s) t.

    Parameters
    ----------
    K : ndarray (n, n)
        Training NTK Gram.
    K_cross : ndarray (m, n)
        NTK between m test points and the n training points (``K`` itself for the training fit).
    y : ndarray (n,)
    t : float >= 0 or array_like of them (``np.inf`` for the interpolating limit)

    Returns
    -------
    ndarray, shape (m,) for a scalar t, (len(t), m) for an array

    Notes
    -----
    Linearised gradient flow from :math:`f_0=0`, one eigendecomposition for all times:
    :math:`K^{-1}(I-e^{-tK})=\\sum_i\\frac{1-e^{-t\\lambda_i}}{\\lambda_i}u_iu_i^\\top`, finite
    at :math:`\\lambda_i=0` (value t).

    Examples
    --------
    >>> K = np.diag([1.0, 2.0])
    >>> lazy_predictions(K, K, np.array([1.0, 1.0]), np.inf).tolist()
    [1.0, 1.0]
    """
    lam, U = _psd_eigh("K", K)
    K_cross = V.matrix("K_cross", K_cross)
    if K_cross.shape[1] != K.shape[0]:
        raise ValueError(
            f"K_cross must have shape (m, n) with n = {K.shape[0]} training points; "
            f"got {K_cross.shape}"
        )
    y = _labels("y", y, K.shape[0])
    if isinstance(t, str) or np.asarray(t).dtype.kind not in "biuf":
        raise TypeError(f"t must be a real time >= 0 or an array of them; got {t!r}")
    t_arr = np.asarray(t, dtype=float)
    if np.any(np.isnan(t_arr)) or np.any(t_arr < 0):
        raise ValueError(f"t must lie in [0, inf]; got {t!r}")
    tt = np.atleast_1d(t_arr)
    if np.any(np.isinf(tt)) and lam.min() <= 1e-12 * lam.max():
        raise ValueError("K is singular: the t = inf (interpolating) predictor does not exist")
    pos = lam > 1e-14
    safe = np.where(pos, lam, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        gain = np.where(
            pos[None, :],
            -np.expm1(-np.outer(tt, safe)) / safe[None, :],
            tt[:, None] * np.ones_like(lam)[None, :],
        )
    gain = np.where(np.isinf(tt)[:, None], 1.0 / safe[None, :], gain)
    coef = U.T @ y
    out = (gain * coef[None, :]) @ U.T @ K_cross.T
    return out[0] if t_arr.ndim == 0 else out


class FeatureLearningStep(NamedTuple):
    """Result of :func:`one_step_feature_learning` for one step size.

    Attributes
    ----------
    eigs_before, eigs_after : ndarray
        CK eigenvalues ``σ(WX)ᵀσ(WX)/N`` on fresh test inputs, before and after the step.
    top_eig : float
        Largest CK eigenvalue after the step.
    bulk_edge : float
        Largest eigenvalue before the step (the bulk edge at this size).
    alignment_weights : float
        :math:`(v_1^\\top\\beta_*)^2` for the top right singular vector of the updated weights.
    alignment_labels : float
        :math:`(u_1^\\top\\hat y)^2` for the top CK eigenvector and the normalised test target.
    """

    eigs_before: np.ndarray
    eigs_after: np.ndarray
    top_eig: float
    bulk_edge: float
    alignment_weights: float
    alignment_labels: float


#: Largest step and label-noise variance of :func:`one_step_feature_learning`: beyond, the
#: updated features overflow (the step's rank-one part has norm ≈ η b_σ √N).
MAX_STEP = 1e6
MAX_NOISE_VAR = 1e12


def _noise_std_to_var(noise):
    """The old ``noise`` of :func:`one_step_feature_learning` was a standard deviation."""
    return V.nonnegative_scalar("noise", noise) ** 2


@V.renamed_keywords(eta="step", noise=("noise_var", _noise_std_to_var))
def one_step_feature_learning(
    step, n=800, p=400, N=800, activation="relu", *, rng, target="tanh", noise_var=0.01
):
    """Simulate one large gradient step on the first layer of a two-layer network.

    Parameters
    ----------
    step : float >= 0
        Step size η (0: random features, the step does nothing).
    n, p, N : int
        Samples, input dimension, width.
    activation : str
        Normalised (Fan–Wang) activation of the hidden layer.
    rng : Generator or int
    target : str
        Single-index target :math:`y=g(\\sqrt p\\,\\beta_*^\\top x)+\\varepsilon`, g normalised.
    noise_var : float >= 0
        Label-noise variance σ² (the deprecated ``noise`` was the standard deviation σ:
        ``noise=s`` is ``noise_var=s**2``).

    Returns
    -------
    FeatureLearningStep

    Notes
    -----
    Inputs uniform on the unit sphere, :math:`W_0` i.i.d. N(0, 1) (pre-activations ~ N(0, 1)),
    second layer :math:`a\\in\\{\\pm1\\}^N` fixed, :math:`f(x)=a^\\top\\sigma(Wx)/N`. The gradient of
    :math:`\\frac1{2n}\\sum_i(f(x_i)-y_i)^2` at :math:`f\\approx0` is
    :math:`G\\approx-\\frac1{nN}\\,(a\\odot\\sigma'(W_0X))\\,y\\,X^\\top`, whose leading part is the rank-one
    :math:`-\\frac{b_\\sigma}{nN}a\\,(Xy)^\\top\\propto a\\beta_*^\\top` (Ba et al., 2022). The update is
    :math:`W_1=W_0-\\eta\\,N\\sqrt p\\,G`, scaled so that the rank-one part has operator norm
    :math:`\\approx\\eta\\,b_\\sigma\\mu_1\\sqrt N`, comparable with :math:`\\|W_0\\|\\approx\\sqrt N+\\sqrt p`.
    The CK is evaluated on n fresh inputs, so the spike is not an artefact of reusing the
    training labels. Simulation only: the spike's location is a BBP-type question for which the
    book gives no formula.

    References
    ----------
    Ba et al., NeurIPS 2022; Moniri et al., 2023.

    Examples
    --------
    >>> r = one_step_feature_learning(0.0, 100, 50, 100, rng=0)
    >>> bool(r.top_eig == r.bulk_edge)
    True
    """
    eta = float(V.in_range("step", V.scalar("step", step), 0.0, MAX_STEP))
    n = V.size("n", n, minimum=2)
    p = V.size("p", p, minimum=2)
    N = V.size("N", N, minimum=2)
    noise_var = float(V.in_range("noise_var", V.scalar("noise_var", noise_var), 0.0, MAX_NOISE_VAR))
    V.check_allocation(
        [(p, n)] * 4 + [(N, p)] * 3 + [(N, n)] * 4 + [(n, n)] * 3,
        "the inputs, weights, features and CK matrices",
        "n, p, N",
    )
    gen = V.rng(rng)
    act = named_activation("activation", activation)
    tgt = named_activation("target", target)
    if act.derivative is None:
        raise ValueError(f"activation {activation!r} needs a derivative for the gradient step")

    beta = gen.standard_normal(p)
    beta /= np.linalg.norm(beta)
    X, X_test = sphere_data(p, n, rng=gen), sphere_data(p, n, rng=gen)
    y = tgt.fn(np.sqrt(p) * beta @ X) + np.sqrt(noise_var) * gen.standard_normal(n)
    y_test = tgt.fn(np.sqrt(p) * beta @ X_test)
    W0 = gen.standard_normal((N, p))
    a = gen.choice([-1.0, 1.0], size=N)
    W1 = gradient_step(W0, a, X, y, act, eta)

    def ck_eigs(W):
        F = act.fn(W @ X_test) / np.sqrt(N)
        lam, U = np.linalg.eigh(F.T @ F)
        return lam, U[:, -1]

    before, _ = ck_eigs(W0)
    after, u1 = ck_eigs(W1)
    v1 = np.linalg.svd(W1, full_matrices=False)[2][0]
    yhat = y_test / np.linalg.norm(y_test)
    if not np.all(np.isfinite(after)):
        raise ConvergenceError("the updated CK is not finite; lower step")
    return FeatureLearningStep(
        before,
        after,
        float(after[-1]),
        float(before[-1]),
        float((v1 @ beta) ** 2),
        float((u1 @ yhat) ** 2),
    )


@V.renamed_keywords(noise="noise_var")
def spectral_training_loss(t, eigenvalues, *, noise_var=1.0, step=None):
    """Pure-noise training loss :math:`\\frac{\\sigma^2}n\\operatorname{tr}e^{-2tK}` from the eigenvalues of K.

    With labels of i.i.d. noise of variance :math:`\\sigma^2` (``noise_var``) and :math:`f_0=0`, the
    residual of kernel gradient flow is :math:`r_t=e^{-tK}y`, and its mean squared value,
    averaged over the labels, is :math:`\\frac{\\sigma^2}n\\sum_ie^{-2t\\lambda_i}`: a linear
    spectral statistic of the kernel. This is the finite-``n`` counterpart of
    :func:`lazy_training_loss` with ``snr=0``; for one draw of the labels use
    :func:`empirical_training_loss`.

    Parameters
    ----------
    t : float or array_like, >= 0
        Time of gradient flow, or number of steps when ``step`` is given.
    eigenvalues : array_like, shape (n,)
        Eigenvalues :math:`\\lambda_i\\ge0` of the kernel (e.g. of a simulated NTK Gram matrix).
    noise_var : float >= 0
        Label-noise variance :math:`\\sigma^2`.
    step : float > 0, optional
        Gradient-descent step :math:`\\eta`: the decay is :math:`(1-\\eta\\lambda_i)^{2t}` after
        ``t`` steps.

    Returns
    -------
    float or ndarray
        One loss per ``t`` (a float for scalar ``t``).

    Examples
    --------
    A kernel with every eigenvalue equal to 1 decays like :math:`e^{-2t}`:

    >>> round(spectral_training_loss(1.0, np.ones(5)), 6)
    0.135335
    """
    t_arr = V.nonnegative("t", t)
    lam = V.nonnegative("eigenvalues", V.vector("eigenvalues", eigenvalues, nonempty=False))
    if lam.size == 0:
        raise ValueError("eigenvalues must contain at least one value")
    sigma2 = V.nonnegative_scalar("noise_var", noise_var)
    tt = np.atleast_1d(t_arr).ravel()
    if step is not None:
        step = V.positive_scalar("step", step)
    _whole_steps(tt, step)
    if step is None:
        decay = np.exp(-2 * np.outer(tt, lam))
    else:
        with np.errstate(over="ignore"):
            decay = (1 - step * lam[None, :]) ** (2 * tt[:, None])
    out = sigma2 * decay.mean(axis=1)
    _check_finite_loss(out, "noise_var")
    return float(out[0]) if t_arr.ndim == 0 else out.reshape(t_arr.shape)
