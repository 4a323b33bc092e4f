"""Random features: Gram spectrum, ridge regression train/test errors, random Fourier features
and the Mei–Montanari closed form (chapters 8–9).

Conventions (Part 2 of the book plan): ``X`` is ``p × n`` with columns of norm about ``√τ``;
``W`` is ``N × p`` with i.i.d. N(0, 1) entries; features ``Σ = σ(WX)`` (``N × n``); the
expected kernel is ``Φ = E[ΣᵀΣ]/N`` (:func:`rmtlib.rf_kernel`). Ridge regression on random
features uses the Louart–Liao–Couillet normalisation

    β = (1/n) Σ (ΣᵀΣ/n + λ I_n)⁻¹ y,   i.e.  min_β (1/n)‖y − Σᵀβ‖² + λ‖β‖²,

while :func:`mei_montanari_risk` uses Mei & Montanari's (penalty ``Nλ/d ‖a‖²`` on the sphere of
radius ``√d``). Do not mix the two λ.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from .activations import get_activation
from .fixedpoint import solve_fixed_point
from .gauss import activation_coefficients
from .kernels import rf_kernel
from .mp import mp_atom, mp_density, mp_edges
from .sim import sphere_data

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
    "MeiMontanariConstants",
    "mei_montanari_constants",
    "mei_montanari_fixed_point",
    "MeiMontanariRisk",
    "mei_montanari_risk",
    "mei_montanari_simulate",
    "rf_features",
    "rf_gram",
]


# ----------------------------------------------------------------------------------------------
# Spectrum of the random-features Gram matrix G = ΣᵀΣ / N
# ----------------------------------------------------------------------------------------------


def rf_kernel_spectrum_iid(activation, n_over_p, tau=1.0, n_nodes=400):
    """Discretised limiting spectrum of Φ for i.i.d. data: the law of ``d0 + d1 · MP_{n/p}``.

    Parameters
    ----------
    activation : str, callable or Activation
    n_over_p : float, > 0
        Ratio ``n/p`` of the ``n × n`` Gram matrix ``XᵀX`` (unit-norm columns).
    tau : float, > 0
    n_nodes : int
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
    Gauss–Legendre in θ; an atom at ``d0`` of mass ``1 - p/n`` when ``n > p``.

    Examples
    --------
    >>> t, w = rf_kernel_spectrum_iid("relu", 0.5)
    >>> round(float(w.sum()), 10), round(float(t @ w), 6)  # mean d0 + d1 τ = ν − a0²
    (1.0, 0.340845)
    """
    c = V.positive_scalar("n_over_p", n_over_p)
    tau = V.positive_scalar("tau", tau)
    n_nodes = V.integer("n_nodes", n_nodes, minimum=8)
    co = activation_coefficients(activation, tau)
    a, b = mp_edges(c, tau)
    g, gw = np.polynomial.legendre.leggauss(n_nodes)
    th = (g + 1) * np.pi / 2
    x = a + (b - a) * (1 - np.cos(th)) / 2
    w = mp_density(x, c, tau) * (b - a) / 2 * np.sin(th) * gw * np.pi / 2
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
    z : complex array_like, Im z > 0
    n_over_N : float, > 0
        Ratio n/N.
    kernel_eigs, kernel_weights : array_like
        Spectrum of Φ (eigenvalues of a given Φ with equal weights, or the law of
        :func:`rf_kernel_spectrum_iid`).

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

    For i.i.d. data this is :math:`\\mathrm{MP}_{n/N}\\boxtimes(d_0+d_1\\mathrm{MP}_{n/p})`
    (Pennington & Worah 2017). Solved for every z at once by :func:`rmtlib.solve_fixed_point`.

    Examples
    --------
    >>> m = rf_gram_stieltjes(-1.0 + 1e-9j, 0.5, [1.0])  # Φ = I: MP with ratio n/N = 1/2
    >>> round(m.real, 6)
    0.561553
    """
    z = V.finite_complex("z", z)
    if not np.all((z.imag > 0) | ((z.imag == 0) & (z.real < 0))):
        raise ValueError("z must lie in the upper half-plane (Im z > 0) or on the negative axis")
    ratio = V.positive_scalar("n_over_N", n_over_N)
    tol = V.tolerance("tol", tol)
    t, w = V.spectrum(
        kernel_eigs, kernel_weights, eigs_name="kernel_eigs", weights_name="kernel_weights"
    )
    zb = np.atleast_1d(z).ravel()

    def F(delta):
        d = delta[:, None]
        return ratio * np.sum(w * t * (1 + d) / (t - zb[:, None] * (1 + d)), axis=1)

    d0 = np.full(zb.shape, ratio * (t @ w) / (1.0 + 0j)) / (1 - zb / max(t.max(), 1e-300))
    res = solve_fixed_point(
        F,
        d0.astype(complex),
        tol=tol,
        max_iter=5000,
        damping=0.7,
        valid=lambda d: d.imag >= -1e-14,
        name="random-features δ",
    )
    d = res.x[:, None]
    m = np.sum(w * (1 + d) / (t - zb[:, None] * (1 + d)), axis=1)
    return complex(m[0]) if z.ndim == 0 else m.reshape(z.shape)


def rf_gram_density(x, n_over_N, kernel_eigs, kernel_weights=None, *, eta=None):
    """Limiting eigenvalue density of ``G = ΣᵀΣ/N`` by Stieltjes inversion (atom at 0 excluded).

    Parameters
    ----------
    x : array_like
        Grid of eigenvalues.
    n_over_N : float, > 0
    kernel_eigs, kernel_weights : see :func:`rf_gram_stieltjes`.
    eta : float, optional
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
    ratio = V.positive_scalar("n_over_N", n_over_N)
    t, _ = V.spectrum(
        kernel_eigs, kernel_weights, eigs_name="kernel_eigs", weights_name="kernel_weights"
    )
    eta = 1e-3 * float(np.mean(t)) if eta is None else V.scalar("eta", eta)
    if not eta > 0:
        raise ValueError(f"eta must lie in (0, inf); got {eta!r}")
    m = rf_gram_stieltjes(x + 1j * eta, ratio, kernel_eigs, kernel_weights)
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


def _labels(y, n, name):
    y = np.ravel(V.finite_real(name, y))
    if y.shape != (n,):
        raise ValueError(f"{name} must have {n} entries (one per column of the data); got {y.size}")
    return y


def _check_data(X, y, X_test, y_test):
    X = V.matrix("X", X)
    Xt = V.matrix("X_test", X_test)
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
    Nb, lb = np.broadcast_arrays(Nf.astype(float), lam)
    shape = Nb.shape
    Nb, lb = Nb.ravel(), lb.ravel()
    n, nt = X.shape[1], Xt.shape[1]
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
    train = (
        lb**2
        / n
        * (
            np.sum(q**2 * qb**2, axis=1)
            + np.sum(kb * qb**2, axis=1) / Nb / denom * np.sum(q**2 * qb**2 * kb, axis=1)
        )
    )
    theta = np.sum(q**2 * qb**2 * kb / Nc, axis=1) / denom
    pred = (s[:, None] * (qb * q)) @ B.T  # (m, n̂)
    bias = np.mean((yt - pred) ** 2, axis=1)
    var = theta * (s * tr_tt - s**2 * np.sum((lb[:, None] * qb**2 + qb) * B2, axis=1))
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
    X = V.matrix("X", X)
    n = X.shape[1]
    y = _labels(y, n, "y")
    N = V.integer("n_freq", n_freq, minimum=1)
    lam = V.positive("lam", lam)
    k, U = np.linalg.eigh(sum(_fourier_kernels(X)))
    q = U.T @ y
    out = np.sum(q**2 * (lam[..., None] / (N / n * k + lam[..., None])) ** 2, axis=-1) / n
    return out[()]


def _ridge_on_features(S, St, y, lam):
    """Train/test predictions of β = (1/n) S (SᵀS/n + λI)⁻¹ y, with an n×n or N×N solve."""
    F, n = S.shape
    if F <= n:
        beta = np.linalg.solve(S @ S.T / n + lam * np.eye(F), S @ y / n)
    else:
        beta = S @ np.linalg.solve(S.T @ S / n + lam * np.eye(n), y) / n
    return S.T @ beta, St.T @ beta


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
            ptr, pte = _ridge_on_features(S, St, y, lm)
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


# ----------------------------------------------------------------------------------------------
# Mei–Montanari closed form on the sphere
# ----------------------------------------------------------------------------------------------


class MeiMontanariConstants(NamedTuple):
    """``mu0 = Eσ(ξ)``, ``mu1 = E ξσ(ξ)``, ``mu_star² = Eσ² − mu0² − mu1²``, ``zeta = mu1/mu_star``."""

    mu0: float
    mu1: float
    mu_star: float
    zeta: float


def mei_montanari_constants(activation="relu"):
    """Activation constants of Mei & Montanari: :math:`\\mu_0,\\mu_1,\\mu_\\star,\\zeta=\\mu_1/\\mu_\\star`.

    :math:`\\mu_\\star^2=d_0` of :func:`rmtlib.activation_coefficients` at τ = 1, the identity
    coefficient of the Linear Equivalent.

    Examples
    --------
    >>> round(mei_montanari_constants("relu").zeta, 8)
    1.65889674
    """
    c = activation_coefficients(activation, 1.0)
    if c.d0 <= 1e-14:
        raise ValueError("the activation is (almost) affine: mu_star = 0 and zeta is undefined")
    ms = float(np.sqrt(c.d0))
    return MeiMontanariConstants(c.a0, c.a1, ms, c.a1 / ms)


def _mm_map(xi, p1, p2, z2):
    """The map (ν₁, ν₂) ↦ right-hand side of the Mei–Montanari fixed point, batch of problems."""

    def F(v):
        n1, n2 = v[:, :1], v[:, 1:]
        den = 1 - z2 * n1 * n2
        return np.hstack([p1 / (-xi - n2 - z2 * n2 / den), p2 / (-xi - n1 - z2 * n1 / den)])

    return F


def _newton_map(F):
    """Newton's map for v = F(v) with F holomorphic (complex difference quotients for F')."""

    def newton(v):
        f = F(v)
        h = 1e-7 * (1 + np.abs(v))
        cols = []
        for j in range(2):
            e = np.zeros_like(v)
            e[:, j] = h[:, j]
            cols.append((F(v + e) - f) / h[:, j : j + 1])
        a, b = 1 - cols[0][:, 0], -cols[1][:, 0]
        c, d = -cols[0][:, 1], 1 - cols[1][:, 1]
        r0, r1 = v[:, 0] - f[:, 0], v[:, 1] - f[:, 1]
        det = a * d - b * c
        with np.errstate(divide="ignore", invalid="ignore"):
            new = v - np.stack([(d * r0 - b * r1) / det, (a * r1 - c * r0) / det], axis=1)
        # a singular Jacobian falls back to the plain step; stay in the upper half-plane
        new = np.where(np.isfinite(new), new, f)
        return np.where(new.imag > 0, new, v.real + 0.5j * v.imag)

    return newton


def mei_montanari_fixed_point(xi, psi1, psi2, zeta, *, nu0=None):
    """Solution :math:`(\\nu_1,\\nu_2)` of the Mei–Montanari fixed point at ``xi`` (Im ξ > 0).

    Parameters
    ----------
    xi : complex array_like, Im > 0
    psi1, psi2 : float or array_like, > 0
        :math:`\\psi_1=N/d`, :math:`\\psi_2=n/d`.
    zeta : float or array_like, >= 0
    nu0 : complex ndarray, shape (..., 2), optional
        Warm start (used by the continuation in :func:`mei_montanari_risk`).

    Returns
    -------
    complex ndarray, shape (..., 2)

    Notes
    -----
    .. math::
        \\nu_1=\\psi_1\\Big(-\\xi-\\nu_2-\\frac{\\zeta^2\\nu_2}{1-\\zeta^2\\nu_1\\nu_2}\\Big)^{-1},\\qquad
        \\nu_2=\\psi_2\\Big(-\\xi-\\nu_1-\\frac{\\zeta^2\\nu_1}{1-\\zeta^2\\nu_1\\nu_2}\\Big)^{-1},

    the branch analytic in ξ with :math:`\\Im\\nu_i>0` (Mei & Montanari 2022, Def. 1).

    Examples
    --------
    >>> v = mei_montanari_fixed_point(1j, 2.0, 3.0, 1.0)
    >>> bool(v[0].imag > 0 and v[1].imag > 0)
    True
    """
    xi = V.finite_complex("xi", xi)
    if np.any(xi.imag <= 0):
        raise ValueError("xi must lie in the upper half-plane")
    p1 = V.positive("psi1", psi1)
    p2 = V.positive("psi2", psi2)
    z2 = V.nonnegative("zeta", zeta) ** 2
    xi, p1, p2, z2 = np.broadcast_arrays(xi, p1, p2, z2)
    shape = xi.shape
    xi, p1, p2, z2 = (a.reshape(-1, 1) for a in (xi, p1, p2, z2))

    x0 = (
        np.full((xi.shape[0], 2), 0.1j)
        if nu0 is None
        else np.asarray(nu0, dtype=complex).reshape(-1, 2)
    )

    def valid(v):
        return np.all(v.imag > 0, axis=-1)

    # From a warm start (continuation) Newton's map v ↦ v − (I − F'(v))⁻¹(v − F(v)) converges in
    # a few steps; from the cold start, and wherever Newton fails, Anderson mixing is used.
    # Either way the iteration runs through the capped solver.
    if nu0 is None:
        order = (("anderson", 2000), ("newton", 200))
    else:
        order = (("newton", 100), ("anderson", 20000))
    x = x0.copy()
    todo = np.ones(x.shape[0], dtype=bool)
    for k, (method, cap) in enumerate(order):
        sub = [a[todo] for a in (xi, p1, p2, z2)]
        Fs = _mm_map(*sub)
        last = k == len(order) - 1
        if method == "newton":
            res = solve_fixed_point(
                _newton_map(Fs),
                x0[todo],
                tol=1e-13,
                max_iter=cap,
                memory=0,
                raise_on_failure=last,
                name="Mei–Montanari (ν₁, ν₂), Newton",
            )
        else:
            res = solve_fixed_point(
                Fs,
                x0[todo],
                tol=1e-13,
                max_iter=cap,
                damping=0.5,
                valid=valid,
                raise_on_failure=last,
                name="Mei–Montanari (ν₁, ν₂)",
            )
        x[todo] = res.x
        ok = np.all(np.abs(Fs(res.x) - res.x) <= 1e-11 * (1 + np.abs(res.x)), axis=1)
        ok &= np.all(res.x.imag > 0, axis=1)
        idx = np.flatnonzero(todo)
        todo[idx[ok]] = False
        if not todo.any():
            break
    return x.reshape(shape + (2,))


class MeiMontanariRisk(NamedTuple):
    """Mei–Montanari asymptotics: ``excess_risk = F1sq·bias + (tau2 + Fstar_sq)·variance + Fstar_sq``.

    ``test_mse = excess_risk + tau2``. ``chi`` is ν₁ν₂ at ξ = i√(ψ₁ψ₂λ̄); ``lam_bar = λ/μ⋆²``.
    """

    bias: np.ndarray
    variance: np.ndarray
    excess_risk: np.ndarray
    test_mse: np.ndarray
    chi: np.ndarray
    zeta: float
    lam_bar: np.ndarray


def _mm_polynomials(chi, p1, p2, z):
    z2, z4, z6 = z**2, z**4, z**6
    c2, c3, c4, c5 = chi**2, chi**3, chi**4, chi**5
    E0 = (
        -c5 * z6
        + 3 * c4 * z4
        + (p1 * p2 - p2 - p1 + 1) * c3 * z6
        - 2 * c3 * z4
        - 3 * c3 * z2
        + (p1 + p2 - 3 * p1 * p2 + 1) * c2 * z4
        + 2 * c2 * z2
        + c2
        + 3 * p1 * p2 * chi * z2
        - p1 * p2
    )
    E1 = p2 * c3 * z4 - p2 * c2 * z2 + p1 * p2 * chi * z2 - p1 * p2
    E2 = (
        c5 * z6
        - 3 * c4 * z4
        + (p1 - 1) * c3 * z6
        + 2 * c3 * z4
        + 3 * c3 * z2
        - (p1 + 1) * c2 * z4
        - 2 * c2 * z2
        - c2
    )
    return E0, E1, E2


def mei_montanari_risk(psi1, psi2, lam, activation="relu", F1sq=1.0, Fstar_sq=0.0, tau2=0.0):
    """Asymptotic bias, variance and excess risk of random-features ridge regression on the sphere.

    Parameters
    ----------
    psi1, psi2 : float or array_like, > 0
        :math:`\\psi_1=N/d` (features per dimension), :math:`\\psi_2=n/d` (samples per dimension).
    lam : float or array_like, >= 0
        Ridge λ in Mei–Montanari's normalisation (penalty :math:`\\frac{N\\lambda}d\\|a\\|^2`);
        internally :math:`\\bar\\lambda=\\lambda/\\mu_\\star^2`. λ = 0 is the ridgeless limit
        (computed at :math:`\\bar\\lambda=10^{-9}`).
    activation : str, callable or Activation
        Enters only through :math:`\\zeta=\\mu_1/\\mu_\\star` and :math:`\\mu_\\star`.
    F1sq, Fstar_sq, tau2 : float, >= 0
        Energy of the linear part of the target, of its nonlinear part, and noise variance.

    Returns
    -------
    MeiMontanariRisk
        ``bias`` :math:`\\mathscr B`, ``variance`` :math:`\\mathscr V`, ``excess_risk``
        :math:`F_1^2\\mathscr B+(\\tau^2+F_\\star^2)\\mathscr V+F_\\star^2` (the noise is not
        included: it is :math:`E_x(f(x)-\\hat f(x))^2`), ``test_mse`` (excess + τ²), ``chi``,
        ``zeta``, ``lam_bar``; broadcast shape of (psi1, psi2, lam).

    Notes
    -----
    With :math:`\\chi=\\nu_1\\nu_2` at :math:`\\xi=i\\sqrt{\\psi_1\\psi_2\\bar\\lambda}`
    (:func:`mei_montanari_fixed_point`), :math:`\\mathscr B=\\mathcal E_1/\\mathcal E_0` and
    :math:`\\mathscr V=\\mathcal E_2/\\mathcal E_0` with

    .. math::
        \\mathcal E_0&=-\\chi^5\\zeta^6+3\\chi^4\\zeta^4+(\\psi_1\\psi_2-\\psi_2-\\psi_1+1)\\chi^3\\zeta^6
        -2\\chi^3\\zeta^4-3\\chi^3\\zeta^2\\\\&\\quad+(\\psi_1+\\psi_2-3\\psi_1\\psi_2+1)\\chi^2\\zeta^4
        +2\\chi^2\\zeta^2+\\chi^2+3\\psi_1\\psi_2\\chi\\zeta^2-\\psi_1\\psi_2,\\\\
        \\mathcal E_1&=\\psi_2\\chi^3\\zeta^4-\\psi_2\\chi^2\\zeta^2+\\psi_1\\psi_2\\chi\\zeta^2-\\psi_1\\psi_2,\\\\
        \\mathcal E_2&=\\chi^5\\zeta^6-3\\chi^4\\zeta^4+(\\psi_1-1)\\chi^3\\zeta^6+2\\chi^3\\zeta^4
        +3\\chi^3\\zeta^2-(\\psi_1+1)\\chi^2\\zeta^4-2\\chi^2\\zeta^2-\\chi^2 .

    Small λ̄ is reached by continuation: the fixed point is solved along a geometric ladder
    of λ̄ from ``max(1, λ̄)`` down, each stage warm-started from the previous one.

    References
    ----------
    S. Mei and A. Montanari, "The generalization error of random features regression: precise
    asymptotics and the double descent curve", Comm. Pure Appl. Math. 75 (2022), Theorem 1.

    Examples
    --------
    >>> r = mei_montanari_risk(2.0, 3.0, 0.1)
    >>> round(float(r.bias), 4), round(float(r.variance), 4)
    (0.3987, 0.185)
    """
    p1 = V.positive("psi1", psi1)
    p2 = V.positive("psi2", psi2)
    lam = V.nonnegative("lam", lam)
    F1sq = V.nonnegative_scalar("F1sq", F1sq)
    Fs = V.nonnegative_scalar("Fstar_sq", Fstar_sq)
    tau2 = V.nonnegative_scalar("tau2", tau2)
    const = mei_montanari_constants(activation)
    zeta = const.zeta
    lb = np.maximum(lam / const.mu_star**2, 1e-9)
    p1, p2, lb = np.broadcast_arrays(p1, p2, lb)
    shape = p1.shape
    p1, p2, lb = p1.ravel(), p2.ravel(), lb.ravel()
    top = np.maximum(lb, 1.0)
    nu = None
    for s in np.linspace(1.0, 0.0, 13):
        level = lb * (top / lb) ** s
        nu = mei_montanari_fixed_point(1j * np.sqrt(p1 * p2 * level), p1, p2, zeta, nu0=nu)
    chi = (nu[:, 0] * nu[:, 1]).real
    E0, E1, E2 = _mm_polynomials(chi, p1, p2, zeta)
    B, Vv = E1 / E0, E2 / E0
    ex = F1sq * B + (tau2 + Fs) * Vv + Fs

    def out(a):
        return a.reshape(shape)[()]

    return MeiMontanariRisk(out(B), out(Vv), out(ex), out(ex + tau2), out(chi), zeta, out(lb))


def mei_montanari_simulate(
    d,
    n_features,
    n_samples,
    lam,
    activation="relu",
    F1sq=1.0,
    Fstar_sq=0.0,
    tau2=0.0,
    *,
    rng,
    n_draws=5,
    n_test=2000,
):
    """Monte-Carlo excess risk of random-features ridge regression on the sphere (Mei–Montanari).

    Parameters
    ----------
    d, n_features, n_samples : int
        Dimension, N and n.
    lam : float or array_like, >= 0
        Mei–Montanari λ (penalty :math:`\\frac{N\\lambda}d\\|a\\|^2` on :math:`\\frac1n\\sum` loss).
    activation, F1sq, Fstar_sq, tau2
        As in :func:`mei_montanari_risk`. The target is
        :math:`\\langle\\beta_1,x\\rangle+F_\\star\\,(\\langle\\beta_2,x\\rangle^2-1)/s_d+\\varepsilon`
        with unit-variance normalisation :math:`s_d=\\sqrt{2d/(d+2)}`, :math:`\\|\\beta_1\\|^2=F_1^2`.
    rng : Generator or int
    n_draws, n_test : int

    Returns
    -------
    ndarray, shape (n_draws, len(lam))
        Excess risk :math:`E_x(f(x)-\\hat f(x))^2` on ``n_test`` fresh points per draw.

    Examples
    --------
    >>> r = mei_montanari_simulate(30, 60, 60, 0.1, rng=0, n_draws=2, n_test=200)
    >>> r.shape
    (2, 1)
    """
    d = V.size("d", d, minimum=2)
    N = V.size("n_features", n_features)
    n = V.size("n_samples", n_samples)
    n_test = V.size("n_test", n_test)
    n_draws = V.size("n_draws", n_draws)
    V.check_allocation([(n_draws, np.size(lam))], "the results", "n_draws")
    V.check_allocation(
        [(d, N), (d, n), (d, n_test), (N, n), (N, n_test), (min(N, n),) * 2],
        "the sphere samples and the N × n feature matrices",
        "d, n_features, n_samples, n_test",
    )
    lam = np.atleast_1d(V.nonnegative("lam", lam))
    F1 = float(np.sqrt(V.nonnegative("F1sq", F1sq)))
    Fs = float(np.sqrt(V.nonnegative("Fstar_sq", Fstar_sq)))
    tau = float(np.sqrt(V.nonnegative("tau2", tau2)))
    act = get_activation(activation)
    gen = V.rng(rng)
    sd = np.sqrt(2 * d / (d + 2))
    out = np.empty((n_draws, lam.size))
    for k in range(out.shape[0]):
        b1 = gen.standard_normal(d)
        b1 *= F1 / np.linalg.norm(b1)
        b2 = gen.standard_normal(d)
        b2 /= np.linalg.norm(b2)
        Th = sphere_data(d, N, rng=gen, radius=np.sqrt(d))
        X = sphere_data(d, n, rng=gen, radius=np.sqrt(d))
        Xt = sphere_data(d, n_test, rng=gen, radius=np.sqrt(d))

        def target(A):  # used within this iteration only
            return b1 @ A + Fs * ((b2 @ A) ** 2 - 1) / sd  # noqa: B023

        y = target(X) + tau * gen.standard_normal(n)
        Z = act(Th.T @ X / np.sqrt(d))  # (N, n)
        Zt = act(Th.T @ Xt / np.sqrt(d))
        ft = target(Xt)
        for j, lm in enumerate(lam):
            # min (1/n)‖y − Zᵀa‖² + (Nλ/d)‖a‖²  ⇔  ridge with λ_LLC = Nλ/d on features Z
            _, pred = _ridge_on_features(Z, Zt, y, max(N * lm / d, 1e-12))
            out[k, j] = np.mean((ft - pred) ** 2)
    return out


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
    X = V.matrix("X", X)
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
