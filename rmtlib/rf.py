"""Random features: Gram spectrum, ridge regression train/test errors and random Fourier features
(chapter 8).

Conventions (see the book's notation page): ``X`` is ``p × n`` with columns of norm about ``√τ``;
``W`` is ``N × p`` with i.i.d. N(0, 1) entries; features ``Σ = σ(WX)`` (``N × n``); the
expected kernel is ``Φ = E[ΣᵀΣ]/N`` (:func:`rmtlib.rf_kernel`). Ridge regression on random
features uses the Louart–Liao–Couillet normalisation

    β = (1/n) Σ (ΣᵀΣ/n + λ I_n)⁻¹ y,   i.e.  min_β (1/n)‖y − Σᵀβ‖² + λ‖β‖²,

while the Mei–Montanari closed form (chapter 9, :mod:`rmtlib.mei_montanari`, whose names this
module re-exports) uses Mei & Montanari's (penalty ``Nλ/d ‖a‖²`` on the sphere of radius ``√d``).
Do not mix the two λ.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._features import ridge_predictions
from ._grids import cosine_gauss
from .activations import get_activation
from .fixedpoint import solve_fixed_point
from .gauss import activation_coefficients
from .kernels import rf_kernel

# Chapter 9's closed form lived here before it got its own module: rmtlib.rf.<name> keeps working.
from .mei_montanari import (  # noqa: F401
    MeiMontanariConstants,
    MeiMontanariRisk,
    mei_montanari_constants,
    mei_montanari_fixed_point,
    mei_montanari_risk,
    mei_montanari_simulate,
)
from .mp import mp_atom, mp_density, mp_edges
from .stieltjes import silverstein_solve

__all__ = [
    "rf_kernel_spectrum_iid",
    "rf_gram_stieltjes",
    "rf_gram_density",
    "RFErrors",
    "rf_ridge_errors",
    "rff_ridge_errors",
    "rff_gaussian_kernel_train_error",
    "rf_ridge_simulate",
    "rff_ridge_simulate",
    "rf_features",
    "rf_gram",
]

# Ranges refused rather than computed inaccurately: the ratios of the Marchenko–Pastur laws
# (outside, the support is too narrow or too wide to resolve in double precision), data and labels
# whose squares and Gram matrices stay finite, and the Gauss–Legendre rule (O(n²) to build).
_RATIO_MIN, _RATIO_MAX = 1e-12, 1e12
_DATA_MAX = 1e100
_MAX_NODES = 1000


def _ratio(name, value):
    x = V.scalar(name, value)
    if not _RATIO_MIN <= x <= _RATIO_MAX:
        raise ValueError(f"{name} must lie in [{_RATIO_MIN:g}, {_RATIO_MAX:g}]; got {value!r}")
    return x


def _scale(name, value):
    """A positive scale (a squared norm, an imaginary part) at most _DATA_MAX."""
    x = V.positive_scalar(name, value)
    if x > _DATA_MAX:
        raise ValueError(f"{name} must lie in (0, {_DATA_MAX:g}]; got {value!r}")
    return x


def _kernel_spectrum(kernel_eigs, kernel_weights):
    """The law of Φ, in the range where Silverstein's equation is solved accurately."""
    t, w = V.spectrum(
        kernel_eigs, kernel_weights, eigs_name="kernel_eigs", weights_name="kernel_weights"
    )
    pos = t[t > 0]
    if pos.size == 0:
        raise ValueError("kernel_eigs must contain at least one positive eigenvalue")
    if not 1e-100 <= pos.max() <= 1e100 or pos.max() > 1e12 * pos.min():
        raise ValueError(
            "kernel_eigs must have positive eigenvalues within [1e-100, 1e100] spanning at most "
            f"12 decades; got [{pos.min():.3g}, {pos.max():.3g}]"
        )
    return t, w


# ----------------------------------------------------------------------------------------------
# Spectrum of the random-features Gram matrix G = ΣᵀΣ / N
# ----------------------------------------------------------------------------------------------


def rf_kernel_spectrum_iid(activation, n_over_p, tau=1.0, n_nodes=400):
    """Discretised limiting spectrum of Φ for i.i.d. data: the law of ``d0 + d1 · MP_{n/p}``.

    Parameters
    ----------
    activation : str, callable or Activation
    n_over_p : float, in [1e-12, 1e12]
        Ratio ``n/p`` of the ``n × n`` Gram matrix ``XᵀX`` (unit-norm columns).
    tau : float, in (0, 1e100]
        Squared norm of the data points.
    n_nodes : int, in [8, 1000]
        Quadrature nodes for the continuous part.

    Returns
    -------
    eigs, weights : ndarray
        Atoms and weights (summing to 1) of the law, ready for :func:`rf_gram_density`.

    Notes
    -----
    :math:`\\Phi\\simeq a_0^2\\mathbf 1\\mathbf 1^\\top+d_1X^\\top X+d_0I_n` (chapter 7); the
    rank-one term does not change the limiting spectral law, and :math:`X^\\top X` has law
    :math:`\\mathrm{MP}_{n/p}` (scaled by τ). Nodes :math:`x=a+(b-a)(1-\\cos\\theta)/2` with
    Gauss–Legendre in θ (:mod:`rmtlib._grids`); an atom at ``d0`` of mass ``1 - p/n`` when
    ``n > p``.

    Examples
    --------
    >>> t, w = rf_kernel_spectrum_iid("relu", 0.5)
    >>> round(float(w.sum()), 10), round(float(t @ w), 6)  # mean d0 + d1 τ = ν − a0²
    (1.0, 0.340845)
    """
    c = _ratio("n_over_p", n_over_p)
    tau = _scale("tau", tau)
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8, maximum=_MAX_NODES)
    co = activation_coefficients(activation, tau)
    a, b = mp_edges(c, tau)
    x, w = cosine_gauss(a, b, n_nodes)
    w = w * mp_density(x, c, tau)
    atom = mp_atom(c)
    w = w * (1 - atom) / w.sum()
    eigs, weights = co.d0 + co.d1 * x, w
    if atom > 0:
        eigs, weights = np.append(eigs, co.d0), np.append(weights, atom)
    return eigs, weights


def rf_gram_stieltjes(z, n_over_N, kernel_eigs, kernel_weights=None, *, tol=1e-11):
    """Stieltjes transform of the limiting spectrum of ``G = ΣᵀΣ/N`` (n × n) given that of Φ.

    Parameters
    ----------
    z : complex array_like
        Spectral argument: Im z > 0, or real z < 0.
    n_over_N : float, in [1e-12, 1e12]
        Ratio n/N.
    kernel_eigs, kernel_weights : array_like
        Spectrum of Φ (eigenvalues of a given Φ with equal weights, or the law of
        :func:`rf_kernel_spectrum_iid`): eigenvalues >= 0, the positive ones within
        [1e-100, 1e100] and spanning at most 12 decades; weights >= 0 summing to 1.
    tol : float, in (0, 1)
        Tolerance of each fixed-point stage of :func:`rmtlib.silverstein_solve`.

    Returns
    -------
    complex ndarray (scalar in, scalar out)

    Notes
    -----
    Rows of Σ are i.i.d. given X with second moment Φ, so G is a sample covariance of N
    samples with population Φ (Louart, Liao & Couillet 2018, Thm. 1):

    .. math::
        \\bar Q(z)=\\Big(\\frac{\\Phi}{1+\\delta}-zI_n\\Big)^{-1},\\quad
        \\delta=\\frac1N\\operatorname{tr}\\Phi\\bar Q(z),\\quad m(z)=\\frac1n\\operatorname{tr}\\bar Q(z).

    This is Silverstein's law :math:`\\mathrm{MP}_{n/N}\\boxtimes\\nu_\\Phi` (for i.i.d. data
    :math:`\\mathrm{MP}_{n/N}\\boxtimes(d_0+d_1\\mathrm{MP}_{n/p})`, Pennington & Worah 2017):
    ``m`` is :func:`rmtlib.silverstein_stieltjes` with ``ratio = n/N`` and population law that of
    Φ: this function calls its solver, :func:`rmtlib.silverstein_solve`.

    See Also
    --------
    rmtlib.silverstein_stieltjes : the same transform in the notation of sample covariances.
    rf_gram_density : its Stieltjes inversion.
    rf_gram : the matrix G itself, to simulate.

    Examples
    --------
    >>> m = rf_gram_stieltjes(-1.0, 0.5, [1.0])  # Φ = I: MP_{1/2}, m(-1) = (√17 − 3)/2
    >>> round(m.real, 6), round(float(np.sqrt(17) - 3) / 2, 6)
    (0.561553, 0.561553)
    """
    z = V.finite_complex("z", z)
    if not np.all((z.imag > 0) | ((z.imag == 0) & (z.real < 0))):
        raise ValueError("z must lie in the upper half-plane (Im z > 0) or on the negative axis")
    ratio = _ratio("n_over_N", n_over_N)
    tol = V.tolerance("tol", tol)
    t, w = _kernel_spectrum(kernel_eigs, kernel_weights)
    m = silverstein_solve(z, ratio, t, w, tol=tol).m
    return complex(m) if z.ndim == 0 else m


def rf_gram_density(x, n_over_N, kernel_eigs, kernel_weights=None, *, eta=None):
    """Limiting eigenvalue density of ``G = ΣᵀΣ/N`` by Stieltjes inversion (atom at 0 excluded).

    Parameters
    ----------
    x : array_like
        Grid of eigenvalues.
    n_over_N : float, in [1e-12, 1e12]
    kernel_eigs, kernel_weights : see :func:`rf_gram_stieltjes`.
    eta : float, in (0, 1e100], optional
        Imaginary part used for the inversion (default ``1e-3 × mean eigenvalue of Φ``, small
        compared with the grid spacing of a histogram).

    Returns
    -------
    ndarray
        :math:`\\frac1\\pi\\Im m(x+i\\eta)`, minus the contribution of the atom of mass
        ``max(0, 1 - N/n)`` at 0.

    Examples
    --------
    >>> round(float(rf_gram_density(1.0, 0.5, [1.0], eta=1e-7)), 4)  # MP_{1/2} density at 1
    0.4211
    """
    x = V.finite_real("x", x)
    ratio = _ratio("n_over_N", n_over_N)
    t, w = _kernel_spectrum(kernel_eigs, kernel_weights)
    if eta is None:
        eta = 1e-3 * float(np.mean(t))
    else:
        eta = _scale("eta", eta)
    m = rf_gram_stieltjes(x + 1j * eta, ratio, t, w)
    atom = max(0.0, 1 - 1 / ratio)
    rho = np.imag(m) / np.pi - atom * eta / (np.pi * (x**2 + eta**2))
    return np.maximum(rho, 0.0)


# ----------------------------------------------------------------------------------------------
# Ridge regression on random features (Louart–Liao–Couillet) and random Fourier features
# ----------------------------------------------------------------------------------------------


class RFErrors(NamedTuple):
    """Training and test mean squared errors (test MSE against the given noisy test labels)."""

    train: np.ndarray
    test: np.ndarray


def _bounded(name, arr):
    if arr.size and np.abs(arr).max() > _DATA_MAX:
        raise ValueError(
            f"{name} must have entries of magnitude at most {_DATA_MAX:g} (its squares and Gram "
            f"matrix must stay finite); got {np.abs(arr).max():.3g}"
        )
    return arr


def _data(name, X):
    return _bounded(name, V.matrix(name, X))


def _labels(y, n, name):
    y = _bounded(name, np.ravel(V.finite_real(name, y)))
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
        \\bar E_{\\rm train}=\\frac{\\lambda^2}n\\Big[\\|\\bar Qy\\|^2
        +\\frac{\\frac1N\\operatorname{tr}\\bar K\\bar Q^2}{1-\\frac1N\\operatorname{tr}(\\bar K\\bar Q)^2}
        y^\\top\\bar Q\\bar K\\bar Qy\\Big],\\qquad
        \\bar E_{\\rm test}=\\frac1{\\hat n}\\|\\hat y-\\bar K_{\\hat XX}\\bar Qy\\|^2
        +\\Theta\\Big[\\frac1{\\hat n}\\operatorname{tr}\\bar K_{\\hat X\\hat X}
        -\\frac1{\\hat n}\\operatorname{tr}\\bar K_{\\hat XX}(\\lambda\\bar Q^2+\\bar Q)\\bar K_{X\\hat X}\\Big],

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
    Correct only when N ≫ n; chapter 8 shows where it fails.

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
    return tr, te


def rf_ridge_simulate(X, y, X_test, y_test, n_features, lam, activation="relu", *, rng, n_draws=10):
    """Monte-Carlo training and test MSE of random-features ridge regression (given data).

    Draws ``W`` (N × p, N(0, 1)) ``n_draws`` times and fits
    :math:`\\beta=\\frac1n\\Sigma(\\frac1n\\Sigma^\\top\\Sigma+\\lambda I_n)^{-1}y`.

    Returns
    -------
    train, test : ndarray, shape (n_draws, len(lam))

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
    train, test : ndarray, shape (n_draws, len(lam))

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


def rf_features(X, n_features, activation="relu", *, rng):
    """Random features :math:`\\Sigma=\\sigma(WX)` (``N × n``), ``W`` with i.i.d. N(0, 1) entries.

    Model: ``X`` is ``p × n`` (columns are samples, norms about :math:`\\sqrt\\tau`),
    ``W ∈ R^{N×p}`` is drawn from ``rng`` row by row, so the first ``N'`` rows drawn with a seed
    are the features of width ``N' < N`` drawn with the same seed (nested models).

    Parameters
    ----------
    X : ndarray, shape (p, n)
    n_features : int, >= 1
        Number of features ``N``.
    activation : str, callable or Activation
    rng : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (N, n)

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X = sphere_data(5, 4, rng=0)
    >>> S = rf_features(X, 3, rng=1)
    >>> W = np.random.default_rng(1).standard_normal((3, 5))
    >>> S.shape, bool(np.allclose(S, np.maximum(W @ X, 0)))
    ((3, 4), True)
    """
    X = _data("X", X)
    N = V.integer("n_features", n_features, minimum=1)
    if N * max(X.shape) > 10**8:
        raise ValueError(
            f"n_features = {N} with X of shape {X.shape} would need more than "
            "10^8 entries; use a smaller N"
        )
    act = get_activation(activation)
    W = V.rng(rng).standard_normal((N, X.shape[0]))
    return act(W @ X)


def rf_gram(X, n_features, activation="relu", *, rng):
    """Random-features Gram matrix :math:`G=\\frac1N\\Sigma^\\top\\Sigma` (``n × n``).

    With :math:`\\Sigma=\\sigma(WX)` from :func:`rf_features`; its expectation over ``W`` is the
    kernel :math:`\\Phi` of :func:`rmtlib.rf_kernel`, and its resolvent has the Deterministic
    Equivalent of :func:`rf_gram_stieltjes` (Louart, Liao & Couillet 2018).

    Examples
    --------
    >>> from rmtlib.sim import sphere_data
    >>> X = sphere_data(5, 4, rng=0)
    >>> S = rf_features(X, 3, rng=1)
    >>> bool(np.allclose(rf_gram(X, 3, rng=1), S.T @ S / 3))
    True
    """
    S = rf_features(X, n_features, activation, rng=rng)
    return S.T @ S / S.shape[0]
