"""The Mei–Montanari closed form of random-features ridge regression on the sphere (chapter 10).

Model (Mei & Montanari 2022): data :math:`x_i` and feature directions :math:`\\theta_a` uniform on
the sphere of radius :math:`\\sqrt d` in :math:`\\mathbb R^d`, features
:math:`\\sigma(\\theta_a^\\top x/\\sqrt d)`, proportional limit :math:`N/d\\to\\psi_1`,
:math:`n/d\\to\\psi_2`, and the ridge penalty :math:`\\frac{N\\lambda}d\\|a\\|^2` on the
:math:`\\frac1n\\sum` square loss. This λ is not the λ of :func:`rmtlib.rf_ridge_errors`
(Louart–Liao–Couillet normalisation): :func:`mei_montanari_simulate` converts one into the other.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from ._features import ridge_predictions
from .activations import get_activation
from .fixedpoint import solve_fixed_point
from .gauss import activation_coefficients
from .sim import sphere_data

# Ranges outside which the closed form is refused rather than computed inaccurately: ψ₁ψ₂ and ζ⁶
# enter its polynomials (ψ up to 1e8 already shows the N → ∞ or n → ∞ limit to 1e-7), and target
# energies whose sums stay finite.
_PSI_MAX = 1e8
_ZETA_MAX = 1e8
_ENERGY_MAX = 1e300
# Above this λ̄ the fixed point and the risk equal their λ → ∞ limits to machine precision.
_LAM_BAR_MAX = 1e200


def _ratio(name, value):
    """ψ₁ or ψ₂: positive, at most _PSI_MAX."""
    arr = V.positive(name, value)
    if np.any(arr > _PSI_MAX):
        raise ValueError(f"{name} must lie in (0, {_PSI_MAX:g}]; got {np.max(arr):.3g}")
    return arr


def _energy(name, value):
    """F₁², F⋆² or τ²: a scalar in [0, _ENERGY_MAX]."""
    x = V.nonnegative_scalar(name, value)
    if x > _ENERGY_MAX:
        raise ValueError(f"{name} must lie in [0, {_ENERGY_MAX:g}]; got {x:.3g}")
    return x


__all__ = [
    "MeiMontanariConstants",
    "mei_montanari_constants",
    "mei_montanari_fixed_point",
    "MeiMontanariRisk",
    "mei_montanari_risk",
    "mei_montanari_simulate",
]


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
    psi1, psi2 : float or array_like, in (0, 1e8]
        :math:`\\psi_1=N/d`, :math:`\\psi_2=n/d`.
    zeta : float or array_like, in [0, 1e8]
    nu0 : complex ndarray, shape (..., 2), optional
        Warm start in the upper half-plane, one pair per point of the broadcast of the other
        arguments (used by the continuation in :func:`mei_montanari_risk`).

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
        raise ValueError("xi must lie in the upper half-plane (Im xi > 0)")
    p1 = _ratio("psi1", psi1)
    p2 = _ratio("psi2", psi2)
    z = V.nonnegative("zeta", zeta)
    if np.any(z > _ZETA_MAX):
        raise ValueError(f"zeta must lie in [0, {_ZETA_MAX:g}]; got {np.max(z):.3g}")
    z2 = z**2
    try:
        xi, p1, p2, z2 = np.broadcast_arrays(xi, p1, p2, z2)
    except ValueError as exc:
        raise ValueError(f"xi, psi1, psi2 and zeta must broadcast together: {exc}") from None
    V.check_allocation([xi.shape + (2,)] * 12, "the batch of fixed points", "xi", itemsize=16)
    shape = xi.shape
    xi, p1, p2, z2 = (a.reshape(-1, 1) for a in (xi, p1, p2, z2))

    if nu0 is None:
        x0 = np.full((xi.shape[0], 2), 0.1j)
    else:
        x0 = V.finite_complex("nu0", nu0)
        if x0.shape != shape + (2,):
            raise ValueError(f"nu0 must have shape {shape + (2,)} (a pair per xi); got {x0.shape}")
        if np.any(x0.imag <= 0):
            raise ValueError("nu0 must lie in the upper half-plane (Im nu0 > 0), the branch solved")
        x0 = x0.reshape(-1, 2)

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
    """Mei–Montanari asymptotics: ``excess_risk = F1sq·bias + (noise_var + Fstar_sq)·variance + Fstar_sq``.

    ``test_mse = excess_risk + noise_var``. ``chi`` is ν₁ν₂ at ξ = i√(ψ₁ψ₂λ̄); ``lam_bar = λ/μ⋆²``.
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


@V.renamed_keywords(tau2="noise_var")
def mei_montanari_risk(psi1, psi2, lam, activation="relu", F1sq=1.0, Fstar_sq=0.0, noise_var=0.0):
    """Asymptotic bias, variance and excess risk of random-features ridge regression on the sphere.

    Parameters
    ----------
    psi1, psi2 : float or array_like, in (0, 1e8]
        :math:`\\psi_1=N/d` (features per dimension), :math:`\\psi_2=n/d` (samples per dimension).
    lam : float or array_like, >= 0
        Ridge λ in Mei–Montanari's normalisation (penalty :math:`\\frac{N\\lambda}d\\|a\\|^2`);
        internally :math:`\\bar\\lambda=\\lambda/\\mu_\\star^2`. λ = 0 is the ridgeless limit
        (computed at :math:`\\bar\\lambda=10^{-9}`); above :math:`\\bar\\lambda=10^{200}` the
        result is the λ → ∞ limit (bias 1, variance 0) to machine precision.
    activation : str, callable or Activation
        Enters only through :math:`\\zeta=\\mu_1/\\mu_\\star` and :math:`\\mu_\\star`.
    F1sq, Fstar_sq, noise_var : float, in [0, 1e300]
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
    of λ̄ from ``max(1, λ̄)`` down, each stage warm-started by geometric extrapolation from the
    previous two.

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
    p1 = _ratio("psi1", psi1)
    p2 = _ratio("psi2", psi2)
    lam = V.nonnegative("lam", lam)
    F1sq, Fs, noise_var = (
        _energy("F1sq", F1sq),
        _energy("Fstar_sq", Fstar_sq),
        _energy("noise_var", noise_var),
    )
    const = mei_montanari_constants(activation)
    zeta = const.zeta
    lb = np.clip(lam / const.mu_star**2, 1e-9, _LAM_BAR_MAX)
    try:
        p1, p2, lb = np.broadcast_arrays(p1, p2, lb)
    except ValueError as exc:
        raise ValueError(f"psi1, psi2 and lam must broadcast together: {exc}") from None
    shape = p1.shape
    p1, p2, lb = p1.ravel(), p2.ravel(), lb.ravel()
    top = np.maximum(lb, 1.0)
    nu = prev = None
    for s in np.linspace(1.0, 0.0, 13):
        level = lb * (top / lb) ** s
        guess = nu
        if prev is not None:
            # The ladder is geometric and ν₁, ν₂ behave like powers of λ̄ at small λ̄, so the
            # geometric extrapolation ν_k²/ν_{k−1} is a close warm start (Newton from ν_k alone
            # overshoots out of the upper half-plane once ν moves by a factor per stage).
            with np.errstate(all="ignore"):
                ext = nu * nu / prev
            ok = np.isfinite(ext) & (ext.imag > 0)
            guess = np.where(ok.all(axis=1, keepdims=True), ext, nu)
        prev = nu
        nu = mei_montanari_fixed_point(1j * np.sqrt(p1 * p2 * level), p1, p2, zeta, nu0=guess)
    chi = (nu[:, 0] * nu[:, 1]).real
    E0, E1, E2 = _mm_polynomials(chi, p1, p2, zeta)
    B, Vv = E1 / E0, E2 / E0
    ex = F1sq * B + (noise_var + Fs) * Vv + Fs

    def out(a):
        return a.reshape(shape)[()]

    return MeiMontanariRisk(out(B), out(Vv), out(ex), out(ex + noise_var), out(chi), zeta, out(lb))


@V.renamed_keywords(tau2="noise_var")
def mei_montanari_simulate(
    d,
    n_features,
    n_samples,
    lam,
    activation="relu",
    F1sq=1.0,
    Fstar_sq=0.0,
    noise_var=0.0,
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
    activation, F1sq, Fstar_sq, noise_var
        As in :func:`mei_montanari_risk` (energies in [0, 1e300]). The target is
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
    if lam.ndim != 1:
        raise ValueError(f"lam must be a scalar or a 1-d array; got shape {lam.shape}")
    F1, Fs, tau = (
        float(np.sqrt(_energy(name, value)))
        for name, value in (("F1sq", F1sq), ("Fstar_sq", Fstar_sq), ("noise_var", noise_var))
    )
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
            # λ_LLC is clipped to [1e-12, 1e200]: above, the predictions are 0 to machine precision.
            _, pred = ridge_predictions(Z, Zt, y, float(np.clip(lm * (N / d), 1e-12, 1e200)))
            out[k, j] = np.mean((ft - pred) ** 2)
    return out
