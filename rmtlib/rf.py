"""Random features: ridge regression train/test errors, random Fourier features (chapter 9).

Conventions (see the book's notation page): ``X`` is ``p × n`` with columns of norm about ``√τ``;
``W`` is ``N × p`` with i.i.d. N(0, 1) entries; features ``Σ = σ(WX)`` (``N × n``); the
expected kernel is ``Φ = E[ΣᵀΣ]/N`` (:func:`rmtlib.rf_kernel`). Ridge regression on random
features uses the Louart–Liao–Couillet normalisation

    β = (1/n) Σ (ΣᵀΣ/n + λ I_n)⁻¹ y,   i.e.  min_β (1/n)‖y − Σᵀβ‖² + λ‖β‖²,

while the Mei–Montanari closed form (chapter 10, :mod:`rmtlib.mei_montanari`) uses Mei &
Montanari's (penalty ``Nλ/d ‖a‖²`` on the sphere of radius ``√d``). Do not mix the two λ. The Gram
matrix ``ΣᵀΣ/N`` and its spectrum are :mod:`rmtlib.rf_spectrum`. This module re-exports the names
of both, which lived here before.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._features import bounded_entries, ridge_predictions
from .activations import get_activation
from .fixedpoint import solve_fixed_point
from .kernels import rf_kernel

# Chapter 10's closed form lived here before it got its own module: rmtlib.rf.<name> keeps working.
from .mei_montanari import (  # noqa: F401
    MeiMontanariConstants,
    MeiMontanariRisk,
    mei_montanari_constants,
    mei_montanari_fixed_point,
    mei_montanari_risk,
    mei_montanari_simulate,
)

# The Gram matrix and its spectrum lived here before they got their own module, likewise.
from .rf_spectrum import (  # noqa: F401
    rf_features,
    rf_gram,
    rf_gram_density,
    rf_gram_stieltjes,
    rf_kernel_spectrum_iid,
)

__all__ = [
    "RFErrors",
    "rf_ridge_errors",
    "rff_ridge_errors",
    "rff_gaussian_kernel_train_error",
    "rf_ridge_simulate",
    "rff_ridge_simulate",
]


class RFErrors(NamedTuple):
    """Training and test mean squared errors (test MSE against the given noisy test labels)."""

    train: np.ndarray
    test: np.ndarray


# Data and labels are refused above this magnitude: their squares and Gram matrices stay finite.
_DATA_MAX = 1e100


def _data(name, X):
    return bounded_entries(name, V.matrix(name, X), _DATA_MAX)


def _labels(y, n, name):
    y = bounded_entries(name, np.ravel(V.finite_real(name, y)), _DATA_MAX)
    if y.shape != (n,):
        raise ValueError(f"{name} must have {n} entries (one per column of the data); got {y.size}")
    return y


def _check_data(X, y, X_test, y_test):
    X = _data("X", X)
    Xt = _data("X_test", X_test)
    if Xt.shape[0] != X.shape[0]:
        raise ValueError("X and X_test must have the same dimension p")
    return X, _labels(y, X.shape[1], "y"), Xt, _labels(y_test, Xt.shape[1], "y_test")


def rf_ridge_errors(X, y, X_test, y_test, n_features, lam, activation="relu"):
    """Deterministic equivalents of the training and test MSE of random-features ridge regression.

    Parameters
    ----------
    X, X_test : ndarray, shapes (p, n), (p, n̂)
        Training and test data (columns, norms about √τ).
    y, y_test : array_like, shapes (n,), (n̂,)
    n_features : int or array_like of int, >= 1
        Number N of random features.
    lam : float or array_like, > 0
        Ridge λ of :math:`\\min_\\beta\\frac1n\\|y-\\Sigma^\\top\\beta\\|^2+\\lambda\\|\\beta\\|^2`
        (broadcast against ``n_features``).
    activation : str, callable or Activation

    Returns
    -------
    RFErrors
        ``train`` and ``test`` (test MSE, noise included since it is measured against
        ``y_test``), with the broadcast shape of ``(n_features, lam)``.

    Notes
    -----
    With :math:`K=\\Phi(X,X)`, δ the solution of
    :math:`\\delta=\\frac1n\\operatorname{tr}K(\\frac Nn\\frac{K}{1+\\delta}+\\lambda I_n)^{-1}`,
    :math:`\\bar K_{AB}=\\frac{N}{n(1+\\delta)}\\Phi(A,B)`, :math:`\\bar Q=(\\bar K+\\lambda I_n)^{-1}`,

    .. math::
        \\bar E_{\\rm train}&=\\frac{\\lambda^2}n\\Big[\\|\\bar Qy\\|^2
        +\\frac{\\frac1N\\operatorname{tr}\\bar K\\bar Q^2}{1-\\frac1N\\operatorname{tr}(\\bar K\\bar Q)^2}
        y^\\top\\bar Q\\bar K\\bar Qy\\Big],\\\\
        \\bar E_{\\rm test}&=\\frac1{\\hat n}\\|\\hat y-\\bar K_{\\hat XX}\\bar Qy\\|^2
        +\\Theta\\Big[\\frac1{\\hat n}\\operatorname{tr}\\bar K_{\\hat X\\hat X}\\\\
        &\\qquad-\\frac1{\\hat n}\\operatorname{tr}\\bar K_{\\hat XX}(\\lambda\\bar Q^2+\\bar Q)\\bar K_{X\\hat X}\\Big],

    :math:`\\Theta=\\frac{\\frac1Ny^\\top\\bar Q\\bar K\\bar Qy}{1-\\frac1N\\operatorname{tr}(\\bar K\\bar Q)^2}`.
    Computed in the eigenbasis of K, vectorised over (N, λ).

    References
    ----------
    C. Louart, Z. Liao, R. Couillet, "A random matrix approach to neural networks",
    Ann. Appl. Probab. 28 (2018), Theorems 2–3; Couillet & Liao (2022), §5.1.

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X, Xt = sphere_data(50, 100, rng=0), sphere_data(50, 100, rng=1)
    >>> y, yt = np.sign(X[0]), np.sign(Xt[0])
    >>> e = rf_ridge_errors(X, y, Xt, yt, 200, 1e-2)
    >>> bool(e.train < e.test)
    True
    """
    act = get_activation(activation)
    X, y, Xt, yt = _check_data(X, y, X_test, y_test)
    Nf = np.asarray(n_features)
    if Nf.dtype.kind not in "iu" or np.any(Nf < 1):
        raise ValueError(f"n_features must be integers >= 1; got {n_features!r}")
    lam = V.positive("lam", lam)
    try:
        Nb, lb = np.broadcast_arrays(Nf.astype(float), lam)
    except ValueError as exc:
        raise ValueError(f"n_features and lam must broadcast together: {exc}") from None
    shape = Nb.shape
    Nb, lb = Nb.ravel(), lb.ravel()
    n, nt = X.shape[1], Xt.shape[1]
    V.check_allocation(
        [(Nb.size, n)] * 6 + [(Nb.size, nt)], "the (N, λ) grid times the n samples", "n_features"
    )
    phi, U = np.linalg.eigh(rf_kernel(X, activation=act))
    phi = np.maximum(phi, 0.0)
    q = U.T @ y
    B = rf_kernel(Xt, X, activation=act) @ U  # (n̂, n)
    tr_tt = float(np.trace(rf_kernel(Xt, activation=act))) / nt
    B2 = np.sum(B * B, axis=0) / nt
    r = (Nb / n)[:, None]

    def F(delta):
        return np.sum(phi / (r * phi / (1 + delta[:, None]) + lb[:, None]), axis=1) / n

    # δ > 0 is the relevant root (K ⪰ 0); Anderson steps that leave it are replaced by plain ones
    delta = solve_fixed_point(
        F,
        np.ones_like(Nb),
        tol=1e-12,
        max_iter=20000,
        valid=lambda d: d > 0,
        name="random-features ridge δ",
    ).x
    s = r[:, 0] / (1 + delta)  # N / (n (1 + δ))
    kb = s[:, None] * phi
    qb = 1 / (kb + lb[:, None])
    Nc = Nb[:, None]
    denom = 1 - np.sum(kb**2 * qb**2, axis=1) / Nb
    # λ q̄ = λ/(k̄ + λ) lies in [0, 1]: written this way, no λ² overflows at large λ.
    lq = lb[:, None] * qb
    train = (
        np.sum(q**2 * lq**2, axis=1)
        + np.sum(kb * qb**2, axis=1) / Nb / denom * np.sum(q**2 * lq**2 * kb, axis=1)
    ) / n
    theta = np.sum(q**2 * qb**2 * kb / Nc, axis=1) / denom
    pred = (s[:, None] * (qb * q)) @ B.T  # (m, n̂)
    bias = np.mean((yt - pred) ** 2, axis=1)
    var = theta * (s * tr_tt - s**2 * np.sum((lq * qb + qb) * B2, axis=1))
    return RFErrors(train.reshape(shape)[()], (bias + var).reshape(shape)[()])


def _multi_kernel_errors(Ks, Kts, Ktt_diags, y, yt, n_groups, lam):
    """General deterministic equivalent with several feature groups of N rows each.

    Features are G groups (e.g. cos and sin) of N rows sharing nothing but W; group g has
    expected kernel K_g. Same structure as :func:`rf_ridge_errors`, with a G-vector δ and a
    G × G matrix Ω (Liao, Couillet & Mahoney 2020).
    """
    n = y.size
    G = len(Ks)
    ratio = n_groups / n
    I = np.eye(n)

    def Qbar(delta):
        return np.linalg.inv(ratio * sum(K / (1 + d) for K, d in zip(Ks, delta)) + lam * I)

    def F(delta):
        Q = Qbar(delta[0].real)
        return np.array([[np.sum(K * Q) / n for K in Ks]])

    delta = solve_fixed_point(
        F,
        np.ones((1, G)),
        tol=1e-11,
        max_iter=5000,
        valid=lambda d: np.all(d > 0, axis=-1),
        name="random Fourier features δ",
    ).x[0]
    Q = Qbar(delta)
    Kbar = ratio * sum(K / (1 + d) for K, d in zip(Ks, delta))
    Kbar_t = ratio * sum(K / (1 + d) for K, d in zip(Kts, delta))
    QK = [Q @ K for K in Ks]
    M = np.array(
        [[np.sum(QK[a] * QK[b].T) / n / (1 + delta[b]) ** 2 for b in range(G)] for a in range(G)]
    )
    Omega_inv = np.linalg.inv(np.eye(G) - ratio * M)
    Qy = Q @ y
    quad = np.array([Qy @ K @ Qy for K in Ks])

    def errors(Kbar_x, Kx_list, Kxx_diag, target):
        # B_g = (1/m) tr[K_g(x,x) − 2 K_g(x,X) Q K̄(X,x) + K̄(x,X) Q K_g Q K̄(X,x)]
        m = target.size
        QKbx = Q @ Kbar_x.T  # (n, m)
        B = np.array(
            [
                (
                    Kxx_diag[g].sum()
                    - 2 * np.sum(Kx_list[g] * QKbx.T)
                    + np.sum(QKbx * (Ks[g] @ QKbx))
                )
                / m
                for g in range(G)
            ]
        )
        b = B / (1 + delta) ** 2
        bias = np.mean((target - Kbar_x @ Qy) ** 2)
        return bias + ratio / n * b @ Omega_inv @ quad

    train = errors(Kbar, Ks, [np.diag(K) for K in Ks], y)
    test = errors(Kbar_t, Kts, Ktt_diags, yt)
    return train, test


def _fourier_kernels(A, B=None):
    return [rf_kernel(A, B, activation="cos"), rf_kernel(A, B, activation="sin")]


def rff_ridge_errors(X, y, X_test, y_test, n_freq, lam):
    """Deterministic equivalents of the training and test MSE of random Fourier features ridge.

    Parameters
    ----------
    X, y, X_test, y_test : as in :func:`rf_ridge_errors`.
    n_freq : int, >= 1
        Number N of random frequencies; the feature map ``[cos(WX); sin(WX)]`` has 2N rows.
    lam : float, > 0 (scalar; loop over λ outside)

    Returns
    -------
    RFErrors
        Floats ``train`` and ``test`` (test MSE against ``y_test``).

    Notes
    -----
    Two kernels, :math:`K_{\\cos}=D\\cosh(X^\\top X)D` and :math:`K_{\\sin}=D\\sinh(X^\\top X)D`,
    :math:`D=\\mathrm{diag}(e^{-\\|x_i\\|^2/2})` (their sum is the Gaussian kernel), enter with
    their own :math:`\\delta_{\\cos},\\delta_{\\sin}`:
    :math:`\\bar Q=(\\frac Nn(\\frac{K_{\\cos}}{1+\\delta_{\\cos}}+\\frac{K_{\\sin}}{1+\\delta_{\\sin}})+\\lambda I)^{-1}`,
    :math:`\\delta_\\sigma=\\frac1n\\operatorname{tr}K_\\sigma\\bar Q`. With
    :math:`M_{ab}=\\frac1n\\operatorname{tr}(\\bar QK_a\\bar QK_b)/(1+\\delta_b)^2` and
    :math:`\\Omega=I_2-\\frac NnM`, an error on points ``x`` (training or test) is

    .. math::
        \\frac1m\\|y_x-\\bar K_{xX}\\bar Qy\\|^2+\\frac N{n^2}\\sum_{a,b}
        \\frac{B_a}{(1+\\delta_a)^2}(\\Omega^{-1})_{ab}\\,y^\\top\\bar QK_b\\bar Qy,

    :math:`B_a=\\frac1m\\operatorname{tr}[K_a(x,x)-2K_a(x,X)\\bar Q\\bar K_{Xx}+\\bar K_{xX}\\bar QK_a\\bar Q\\bar K_{Xx}]`.
    On the training points this is the training formula of Liao, Couillet & Mahoney (2020)
    (:math:`B_a=\\frac{\\lambda^2}n\\operatorname{tr}\\bar QK_a\\bar Q`); with one kernel it is
    Louart–Liao–Couillet's. The test form is this book's generalisation, checked against
    simulation in ``tests/test_rf.py``. The peak sits at 2N = n when λ → 0.

    References
    ----------
    Z. Liao, R. Couillet, M. Mahoney, "A random matrix analysis of random Fourier features",
    NeurIPS 2020, Theorems 1–2.

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X, Xt = sphere_data(40, 80, rng=0), sphere_data(40, 80, rng=1)
    >>> e = rff_ridge_errors(X, np.sign(X[0]), Xt, np.sign(Xt[0]), 20, 1e-2)
    >>> bool(0 < e.train < e.test)
    True
    """
    X, y, Xt, yt = _check_data(X, y, X_test, y_test)
    N = V.integer("n_freq", n_freq, minimum=1)
    lam = V.positive_scalar("lam", lam)
    Ks, Kts = _fourier_kernels(X), _fourier_kernels(Xt, X)
    sq = np.sum(Xt * Xt, axis=0)
    diags = [np.exp(-sq) * np.cosh(sq), np.exp(-sq) * np.sinh(sq)]
    tr, te = _multi_kernel_errors(Ks, Kts, diags, y, yt, N, lam)
    return RFErrors(float(tr), float(te))


def rff_gaussian_kernel_train_error(X, y, n_freq, lam):
    """The naive prediction of the RFF training MSE that replaces ΣᵀΣ/N by the Gaussian kernel.

    :math:`\\frac{\\lambda^2}n\\|(\\frac NnK_{\\rm Gauss}+\\lambda I_n)^{-1}y\\|^2` with
    :math:`K_{\\rm Gauss}=K_{\\cos}+K_{\\sin}=e^{-\\|x_i-x_j\\|^2/2}` (vectorised over λ).
    Correct only when N ≫ n; chapter 9 shows where it fails.

    Examples
    --------
    >>> X = np.eye(3)
    >>> round(float(rff_gaussian_kernel_train_error(X, [1, -1, 1], 3, 1.0)), 4)
    0.3485
    """
    X = _data("X", X)
    n = X.shape[1]
    y = _labels(y, n, "y")
    N = V.integer("n_freq", n_freq, minimum=1)
    lam = V.positive("lam", lam)
    k, U = np.linalg.eigh(sum(_fourier_kernels(X)))
    q = U.T @ y
    out = np.sum(q**2 * (lam[..., None] / (N / n * k + lam[..., None])) ** 2, axis=-1) / n
    return out[()]


def _simulate(featurise, X, y, Xt, yt, N, lam, rng, n_draws, rows=1):
    lam = np.atleast_1d(V.positive("lam", lam))
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"lam must be a scalar or a non-empty 1-d array; got shape {lam.shape}")
    n_draws = V.size("n_draws", n_draws)
    V.check_allocation([(n_draws, lam.size)] * 2, "the results", "n_draws")
    gen = V.rng(rng)
    p, n, nt = X.shape[0], X.shape[1], Xt.shape[1]
    F = rows * N
    V.check_allocation(
        [(N, p), (F, n), (F, nt), (min(F, n),) * 2] + [(F, n)] * 2,
        "the random weights and the feature matrices",
        "n_features" if rows == 1 else "n_freq",
    )
    tr = np.empty((n_draws, lam.size))
    te = np.empty((n_draws, lam.size))
    for k in range(n_draws):
        W = gen.standard_normal((N, X.shape[0]))
        S, St = featurise(W @ X), featurise(W @ Xt)
        for j, lm in enumerate(lam):
            ptr, pte = ridge_predictions(S, St, y, lm)
            tr[k, j], te[k, j] = np.mean((y - ptr) ** 2), np.mean((yt - pte) ** 2)
    return RFErrors(tr, te)


def rf_ridge_simulate(X, y, X_test, y_test, n_features, lam, activation="relu", *, rng, n_draws=10):
    """Monte-Carlo training and test MSE of random-features ridge regression (given data).

    Draws ``W`` (N × p, N(0, 1)) ``n_draws`` times and fits
    :math:`\\beta=\\frac1n\\Sigma(\\frac1n\\Sigma^\\top\\Sigma+\\lambda I_n)^{-1}y`.

    Returns
    -------
    RFErrors
        The type :func:`rf_ridge_errors` returns, ``train`` and ``test`` of shape
        ``(n_draws, len(lam))`` (a plain pair in 0.1: ``tr, te = ...`` still unpacks).

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X = sphere_data(20, 30, rng=0)
    >>> tr, te = rf_ridge_simulate(X, X[0], X, X[0], 10, [0.1, 1.0], rng=0, n_draws=2)
    >>> tr.shape
    (2, 2)
    """
    act = get_activation(activation)
    X, y, Xt, yt = _check_data(X, y, X_test, y_test)
    N = V.integer("n_features", n_features, minimum=1)
    return _simulate(act, X, y, Xt, yt, N, lam, rng, n_draws)


def rff_ridge_simulate(X, y, X_test, y_test, n_freq, lam, *, rng, n_draws=10):
    """Monte-Carlo training and test MSE of random Fourier features ``[cos(WX); sin(WX)]`` ridge.

    Returns
    -------
    RFErrors
        The type :func:`rff_ridge_errors` returns, ``train`` and ``test`` of shape
        ``(n_draws, len(lam))`` (a plain pair in 0.1: ``tr, te = ...`` still unpacks).

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X = sphere_data(20, 30, rng=0)
    >>> tr, te = rff_ridge_simulate(X, X[0], X, X[0], 10, 1.0, rng=0, n_draws=2)
    >>> te.shape
    (2, 1)
    """
    X, y, Xt, yt = _check_data(X, y, X_test, y_test)
    N = V.integer("n_freq", n_freq, minimum=1)
    return _simulate(
        lambda Z: np.vstack([np.cos(Z), np.sin(Z)]), X, y, Xt, yt, N, lam, rng, n_draws, rows=2
    )
