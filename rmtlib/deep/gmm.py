"""Structured (Gaussian-mixture) data and non-normalised activations: Gu et al.'s equivalent."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize, special

from .. import _validate as V
from ..activations import Activation, get_activation
from ..gauss import gaussian_expectation
from .normalised import normalised_activation

__all__ = [
    "LayerScalars",
    "gmm_ck_scalars",
    "gmm_ck_equivalent",
    "ternary_activation",
    "match_ternary",
    "match_ternary_gmm",
]

_SQRT2PI = np.sqrt(2 * np.pi)


class LayerScalars(NamedTuple):
    """Per-layer scalars ``(τ_ℓ, α_{ℓ,1..4})``, ℓ = 0..L, of Gu et al. (arrays of length L+1)."""

    tau: np.ndarray
    alpha1: np.ndarray
    alpha2: np.ndarray
    alpha3: np.ndarray
    alpha4: np.ndarray


def _centred_moments(act, tau):
    """(E σ, Var σ, E σ', E σ'', E[(σ-Eσ)²(ξ²-1)]) at input N(0, τ²), by Stein's lemma."""
    f = get_activation(act)
    kinks = f.kinks

    def E(g):
        return gaussian_expectation(Activation("g", g, tuple(k / tau for k in kinks)), 1.0)

    mean = E(lambda x: f(tau * x))
    var = E(lambda x: (f(tau * x) - mean) ** 2)
    d1 = E(lambda x: x * f(tau * x)) / tau
    d2 = E(lambda x: (x * x - 1) * f(tau * x)) / tau**2
    c4 = E(lambda x: (f(tau * x) - mean) ** 2 * (x * x - 1))
    return mean, var, d1, d2, c4


#: Largest input scale τ (a standard deviation) of the Gaussian expectations here.
MAX_SCALE = 1e6
#: Largest |entry| of data, covariances and activation levels (their squares stay finite).
MAX_ENTRY = 1e100
#: Largest |threshold| of a ternary activation (the Gaussian scales here stay below 1e12).
MAX_THRESHOLD = 1e12
#: Largest level of a ternary activation (its Gaussian second moment stays finite).
MAX_LEVEL = 1e150


def _activation_list(activations):
    """One activation per layer (a single name or callable is one layer), errors naming them."""
    if isinstance(activations, str) or callable(activations):
        activations = [activations]
    if not isinstance(activations, (list, tuple)) or not activations:
        raise TypeError(
            "activations must be a non-empty sequence of activation names or callables (one "
            f"per layer); got {activations!r}"
        )
    for a in activations:
        if callable(a) and not isinstance(a, str):
            V.function("activations", a)
        try:
            get_activation(a)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"activations: {exc}") from exc
    return list(activations)


@V.renamed_keywords(tau0="tau")
def gmm_ck_scalars(activations, tau=1.0):
    """Per-layer scalars ``(τ_ℓ, α_{ℓ,1..4})`` of the deep CK on Gaussian-mixture data.

    Parameters
    ----------
    activations : sequence of str/callable
        One (non-normalised) activation per layer; each is centred at its input scale.
    tau : float > 0
        Input scale, :math:`\\tau_0^2=\\operatorname{tr}C^\\circ/p` (1 for unit-norm data).

    Returns
    -------
    LayerScalars

    Notes
    -----
    From :math:`(\\tau_0,1,0,0,1)`, with expectations at input :math:`\\tau_{\\ell-1}\\xi`:

    .. math::
        \\alpha_{\\ell,1}=(E\\sigma')^2\\alpha_{\\ell-1,1},\\quad
        \\alpha_{\\ell,2}=(E\\sigma')^2\\alpha_{\\ell-1,2}+\\tfrac14(E\\sigma'')^2\\alpha_{\\ell-1,4}^2,\\quad
        \\alpha_{\\ell,3}=(E\\sigma')^2\\alpha_{\\ell-1,3}+\\tfrac12(E\\sigma'')^2\\alpha_{\\ell-1,1}^2,

    :math:`\\alpha_{\\ell,4}=\\tfrac12\\tau_{\\ell-1}^{-2}E[(\\sigma-E\\sigma)^2(\\xi^2-1)]\\alpha_{\\ell-1,4}`,
    :math:`\\tau_\\ell^2=\\operatorname{Var}\\sigma(\\tau_{\\ell-1}\\xi)`. The derivatives come from
    Stein's lemma (:math:`E\\sigma'(\\tau\\xi)=E[\\xi\\sigma(\\tau\\xi)]/\\tau`,
    :math:`E\\sigma''(\\tau\\xi)=E[(\\xi^2-1)\\sigma(\\tau\\xi)]/\\tau^2`), so jumps are fine.

    References
    ----------
    Gu et al., NeurIPS 2022, Thm. 1 (recursion as in their released code ``tilde_CK.py``).

    Examples
    --------
    For ReLU, τ₁² = Var relu(ξ) = 1/2 − 1/(2π) and α₁,₁ = (E relu'(ξ))² = 1/4:

    >>> s = gmm_ck_scalars(["relu"])
    >>> round(float(s.tau[1] ** 2), 6), round(float(s.alpha1[1]), 6)
    (0.340845, 0.25)
    """
    acts = _activation_list(activations)
    taus = [float(V.in_range("tau", V.positive_scalar("tau", tau), 0.0, MAX_SCALE))]
    a1, a2, a3, a4 = [1.0], [0.0], [0.0], [1.0]
    for act in acts:
        _, var, d1, d2, c4 = _centred_moments(act, taus[-1])
        a1.append(d1**2 * a1[-1])
        a2.append(d1**2 * a2[-1] + 0.25 * d2**2 * a4[-1] ** 2)
        a3.append(d1**2 * a3[-1] + 0.5 * d2**2 * a1[-2] ** 2)
        a4.append(0.5 * c4 / taus[-1] ** 2 * a4[-1])
        if var <= 0:
            raise ValueError(f"activation {act!r} is constant at scale {taus[-1]:.3g}")
        taus.append(float(np.sqrt(var)))
    return LayerScalars(*(np.array(v) for v in (taus, a1, a2, a3, a4)))


def gmm_ck_equivalent(X, labels, covariances, scalars):
    """The Gu et al. equivalent :math:`\\tilde K` of the infinite-width deep CK on GMM data.

    Parameters
    ----------
    X : ndarray, shape (p, n)
        Data ``x_i = μ_a/√p + ω_i`` with ``ω_i ~ N(0, C_a/p)``.
    labels : int array, shape (n,)
    covariances : ndarray, shape (K, p)
        Diagonals of the class covariances ``C_a``.
    scalars : LayerScalars
        From :func:`gmm_ck_scalars` with ``tau0² = tr C°/p``.

    Returns
    -------
    ndarray, shape (n, n)

    Notes
    -----
    :math:`\\tilde K=\\alpha_{L,1}X^\\top X+VAV^\\top+(\\tau_L^2-\\alpha_{L,1}\\tau_0^2)I` with
    :math:`V=[J/\\sqrt p,\\psi]`,
    :math:`A=\\begin{bmatrix}\\alpha_{L,2}tt^\\top+\\alpha_{L,3}S&\\alpha_{L,2}t\\\\\\alpha_{L,2}t^\\top&\\alpha_{L,2}\\end{bmatrix}`,
    :math:`t_a=\\sqrt p(\\operatorname{tr}C_a/p-\\tau_0^2)`, :math:`S_{ab}=\\operatorname{tr}C_aC_b/p`,
    :math:`\\psi_i=\\|\\omega_i\\|^2-\\operatorname{tr}C_a/p`. The identity coefficient is
    :math:`\\tau_L^2-\\alpha_{L,1}\\tau_0^2` (the released code subtracts an extra
    :math:`\\alpha_{L,3}\\tau_0^4`, which misplaces the bulk on i.i.d.
    data, as chapter 11 explains).

    Examples
    --------
    >>> from rmtlib.sim import gaussian_mixture
    >>> p, n = 200, 100
    >>> X, lab = gaussian_mixture(p, n, np.zeros((2, p)), rng=0)
    >>> Kt = gmm_ck_equivalent(X / np.sqrt(p), lab, np.ones((2, p)), gmm_ck_scalars(["relu"]))
    >>> round(float(np.trace(Kt) / n), 2)   # τ₁² = 1/2 − 1/(2π) for isotropic classes
    0.34
    """
    X = V.matrix("X", X)
    p, n = X.shape
    if np.max(np.abs(X)) > MAX_ENTRY:
        raise ValueError(f"X must have entries within [-{MAX_ENTRY:g}, {MAX_ENTRY:g}]")
    labels = V.vector("labels", labels, length=n)
    C = V.matrix("covariances", covariances)
    if np.any(C < 0) or np.max(C) > MAX_ENTRY:
        raise ValueError(
            f"covariances must be the class covariances' diagonals, in [0, {MAX_ENTRY:g}]"
        )
    k = C.shape[0]
    if C.shape[1] != p:
        raise ValueError(f"covariances must have shape (K, p) = (K, {p}); got {C.shape}")
    if np.any(labels != np.round(labels)) or np.any(labels < 0) or np.any(labels >= k):
        raise ValueError(
            f"labels must be class indices 0, 1, …, K - 1 = {k - 1} (K = rows of covariances)"
        )
    labels = labels.astype(int)
    if not isinstance(scalars, LayerScalars):
        raise TypeError(f"scalars must be a LayerScalars (from gmm_ck_scalars); got {scalars!r}")
    J = np.zeros((n, k))
    J[np.arange(n), labels] = 1.0
    trC = C.sum(axis=1) / p
    tau0sq = float(np.dot(np.bincount(labels, minlength=k) / n, trC))
    t = np.sqrt(p) * (trC - tau0sq)
    S = (C @ C.T) / p
    means = np.array(
        [X[:, labels == a].mean(axis=1) if np.any(labels == a) else np.zeros(p) for a in range(k)]
    )
    omega = X - means[labels].T
    psi = np.sum(omega**2, axis=0) - trC[labels]
    Vm = np.hstack([J / np.sqrt(p), psi[:, None]])
    L = scalars.tau.size - 1
    a1, a2, a3 = scalars.alpha1[L], scalars.alpha2[L], scalars.alpha3[L]
    A = np.zeros((k + 1, k + 1))
    A[:k, :k] = a2 * np.outer(t, t) + a3 * S
    A[:k, k] = A[k, :k] = a2 * t
    A[k, k] = a2
    identity = scalars.tau[L] ** 2 - a1 * scalars.tau[0] ** 2
    return a1 * (X.T @ X) + Vm @ A @ Vm.T + identity * np.eye(n)


def ternary_activation(s1, s2, low=1.0, high=1.0):
    """The ternary activation :math:`\\sigma(t)=\\mathrm{high}\\,\\mathbf 1_{t>s_2}-\\mathrm{low}\\,\\mathbf 1_{t<s_1}`.

    Values in ``{-low, 0, high}``; kinks declared at ``s1``, ``s2`` for the quadrature.

    Examples
    --------
    >>> f = ternary_activation(-1.0, 0.5)
    >>> f(np.array([-2.0, 0.0, 1.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    s1 = float(V.in_range("s1", V.scalar("s1", s1), -MAX_THRESHOLD, MAX_THRESHOLD))
    s2 = float(V.in_range("s2", V.scalar("s2", s2), -MAX_THRESHOLD, MAX_THRESHOLD))
    low = float(V.in_range("low", V.nonnegative_scalar("low", low), 0.0, MAX_LEVEL))
    high = float(V.in_range("high", V.nonnegative_scalar("high", high), 0.0, MAX_LEVEL))
    if not s1 <= s2:
        raise ValueError(f"ternary thresholds need s1 <= s2; got s1 = {s1}, s2 = {s2}")
    return Activation(
        f"ternary({s1:.3g},{s2:.3g})",
        lambda t: (
            high * (np.asarray(t) > s2).astype(float) - low * (np.asarray(t) < s1).astype(float)
        ),
        (s1, s2),
    )


def _dens(u):
    return np.exp(-u * u / 2) / _SQRT2PI


def match_ternary(activation="relu"):
    """Symmetric ternary activation :math:`\\mathbf 1_{t>s}-\\mathbf 1_{t<-s}` with the same ``b_σ``.

    In the Fan–Wang setting (i.i.d. unit-norm data, normalised activations) the deep-CK limit
    law depends on the activation only through ``b_σ``, so the two networks have the same CK
    spectrum at every depth and width: the "lossless compression" rule in its simplest form.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If ``b_σ`` lies outside the range ``[√(2/π), 0.9018]`` reachable by symmetric ternary
        activations.

    Notes
    -----
    For the normalised symmetric ternary, :math:`b(s)=2\\varphi(s)/\\sqrt{2\\bar\\Phi(s)}`, which
    rises from :math:`\\sqrt{2/\\pi}` at s = 0 to its maximum 0.9018 at s ≈ 0.612; the smaller
    root of :math:`b(s)=b_\\sigma` is returned.

    References
    ----------
    Gu et al., NeurIPS 2022 (ternary activations with matched scalars).

    Examples
    --------
    >>> f = match_ternary("relu")
    >>> round(normalised_activation(f).b, 6) == round(normalised_activation("relu").b, 6)
    True
    """
    target = normalised_activation(activation).b

    def b_of(s):
        return 2 * _dens(s) / np.sqrt(2 * special.ndtr(-s))

    peak = optimize.minimize_scalar(lambda s: -b_of(s), bounds=(0, 2), method="bounded").x
    if not b_of(0.0) <= target <= b_of(peak):
        raise ValueError(
            f"b_σ = {target:.4f} of {activation!r} is outside the range "
            f"[{b_of(0.0):.4f}, {b_of(peak):.4f}] of symmetric ternary activations"
        )
    s = optimize.brentq(lambda u: b_of(u) - target, 0.0, peak, xtol=1e-14)
    return ternary_activation(-s, s)


def match_ternary_gmm(activation="relu", tau=1.0):
    """Ternary activation with the same ``E σ'`` and ``E σ''`` as ``activation`` at scale τ.

    It has the same ``α_{1,1}, α_{1,2}, α_{1,3}`` (the scalars that carry the GMM structure of a
    one-layer CK), hence the same equivalent :math:`\\tilde K` up to the identity shift
    :math:`\\Delta=\\tau_{1,T}^2-\\tau_{1,\\sigma}^2`, returned with it. (No ternary function
    also matches the variance of ReLU: ReLU has almost all its Gaussian energy in its first two
    Hermite coefficients, a three-level function cannot.)

    Returns
    -------
    activation : Activation
        :math:`c_2\\mathbf 1_{t>s}-c_1\\mathbf 1_{t<-s}`, with s chosen to minimise the variance.
    shift : float
        :math:`\\Delta\\ge0`, so that :math:`\\tilde K_T\\simeq\\tilde K_\\sigma+\\Delta I`.

    Notes
    -----
    With :math:`u=s/\\tau`: :math:`E\\sigma'=(c_1+c_2)\\varphi(u)/\\tau` and
    :math:`E\\sigma''=(c_2-c_1)u\\varphi(u)/\\tau^2` fix :math:`c_1, c_2` linearly for each u.

    Examples
    --------
    >>> f, shift = match_ternary_gmm("relu")
    >>> s, r = gmm_ck_scalars([f]), gmm_ck_scalars(["relu"])
    >>> bool(np.allclose([s.alpha1[1], s.alpha2[1], s.alpha3[1]], [r.alpha1[1], r.alpha2[1], r.alpha3[1]]))
    True
    >>> round(shift, 4)   # simulated ternary CK sits this far above ReLU's (tests/test_deep.py)
    0.1441
    """
    tau = float(V.in_range("tau", V.positive_scalar("tau", tau), 0.0, MAX_SCALE))
    _, var, d1, d2, _ = _centred_moments(activation, tau)

    def levels(u):
        total = d1 * tau / _dens(u)
        diff = d2 * tau**2 / (u * _dens(u))
        return (total - diff) / 2, (total + diff) / 2

    def variance(u):
        c1, c2 = levels(u)
        P = special.ndtr(-u)
        return c1 * c1 * P + c2 * c2 * P - (c2 - c1) ** 2 * P * P

    def feasible_var(u):
        c1, c2 = levels(u)
        return variance(u) if min(c1, c2) >= 0 else np.inf

    u = optimize.minimize_scalar(
        feasible_var, bounds=(1e-3, 4.0), method="bounded", options={"xatol": 1e-12}
    ).x
    c1, c2 = levels(u)
    if min(c1, c2) < 0:
        raise ValueError(f"no ternary activation matches E σ', E σ'' of {activation!r}")
    return ternary_activation(-u * tau, u * tau, c1, c2), float(variance(u) - var)
