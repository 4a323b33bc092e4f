"""Scaling laws of linear regression from the anisotropic deterministic equivalent.

Power-law data (chapter 6): population eigenvalues :math:`\\lambda_k = k^{-a}` (capacity exponent
``a > 1``) and target energies :math:`\\theta_k^2 = (\\beta_*^\\top u_k)^2 = k^{-b}` (source exponent
``b``), ``k = 1..p`` with ``p`` much larger than the sample sizes of interest; ``a + b > 1`` so
that the signal :math:`\\sum_k\\lambda_k\\theta_k^2` is finite. Learning curves in the sample size
``n`` come from :func:`rmtlib.anisotropic_ridge_risk`; the model-size curve in the number ``N`` of
random projections from the same κ equation with ``n`` replaced by ``N`` and ``λ = 0``. All risks
are **excess** risks (add ``noise_var`` for the test MSE).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from .anisotropic_ridge import anisotropic_ridge_risk, renormalised_ridge
from .ridge import OptimalRidge, simulate_ridge

__all__ = [
    "power_law_spectrum",
    "power_law_target",
    "learning_curve",
    "learning_curve_optimal",
    "model_size_curve",
    "ScalingExponents",
    "scaling_exponents",
    "simulate_learning_curve",
    "simulate_model_size",
]


def _exponents(a, b):
    a = float(V.in_range("a", V.scalar("a", a), 1.0, np.inf, low_open=True, high_open=True))
    b = V.scalar("b", b)
    if a + b <= 1:
        raise ValueError(f"a + b must exceed 1 (finite signal Σ k^-(a+b)); got a={a}, b={b}")
    return a, b


def _power_law(a, b, p):
    """Validated exponents and size, and the spectrum and target energies they define.

    Every eigenvalue ``k^-a`` must be a normal float64 (``a log10 p <= 300``): beyond, the tail
    underflows to exact zeros, the spectrum has fewer than ``p`` directions and the curves below
    (and the Gram matrices of the simulators) silently become those of a smaller problem.
    """
    a, b = _exponents(a, b)
    p = V.integer("p", p, minimum=1)
    if a * np.log10(p) > 300:
        raise ValueError(
            f"a, p: the smallest eigenvalue p^-a = 10^-{a * np.log10(p):.4g} underflows float64 "
            "(a log10 p must be at most 300); lower a or p"
        )
    if -b * np.log10(p) > 300:
        raise ValueError(
            f"b, p: the largest target energy p^-b = 10^{-b * np.log10(p):.4g} overflows float64 "
            "(-b log10 p must be at most 300); raise b or lower p"
        )
    return a, b, p, power_law_spectrum(p, a), power_law_target(p, b)


def _sizes(name, values, maximum=None):
    """A non-empty list of sample sizes (integers >= 1; integral floats accepted, none truncated)."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be a sequence of integers >= 1; got {values!r}")
    arr = np.atleast_1d(V.finite_real(name, values))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d sequence; got {values!r}")
    return [V.size(name, v, maximum=maximum) for v in arr.tolist()]


def power_law_spectrum(p, a):
    """Population eigenvalues :math:`\\lambda_k = k^{-a}`, ``k = 1..p``.

    Examples
    --------
    >>> power_law_spectrum(3, 2.0).tolist()
    [1.0, 0.25, 0.1111111111111111]
    """
    p = V.size("p", p)
    a = float(V.in_range("a", V.scalar("a", a), 1.0, np.inf, low_open=True, high_open=True))
    V.check_allocation([(p,)] * 4, "the spectrum and the κ-equation work arrays", "p")
    return np.arange(1, p + 1, dtype=float) ** -a


def power_law_target(p, b):
    """Target energies :math:`\\theta_k^2 = k^{-b}` in the eigenbasis of Σ, ``k = 1..p``.

    Examples
    --------
    >>> power_law_target(2, 1.0).tolist()
    [1.0, 0.5]
    """
    p = V.size("p", p)
    b = V.scalar("b", b)
    V.check_allocation([(p,)] * 4, "the target energies", "p")
    return np.arange(1, p + 1, dtype=float) ** -b


@V.renamed_keywords(sigma2="noise_var")
def learning_curve(n, a, b, p, lam=0.0, noise_var=0.0):
    """Excess risk of ridge regression on power-law data as a function of the sample size.

    Parameters
    ----------
    n : float or array_like, > 0
        Sample sizes (may be non-integer for a smooth curve); broadcast against ``lam``.
    a : float, > 1
        Capacity exponent, :math:`\\lambda_k = k^{-a}`.
    b : float, with ``a + b > 1``
        Source exponent, :math:`\\theta_k^2 = k^{-b}`.
    p : int
        Truncation of the spectrum; take ``p`` well above ``n`` (the ridgeless curve needs
        ``p > n``).
    lam : float or array_like, >= 0
        Ridge (``0`` = ridgeless).
    noise_var : float, >= 0
        Noise variance.

    Returns
    -------
    AnisotropicRidgeRisk
        As :func:`rmtlib.anisotropic_ridge_risk`.

    Notes
    -----
    Ridgeless and noiseless, :math:`\\kappa \\asymp n^{-a}` and
    :math:`R(n) \\asymp n^{-\\min(a+b-1,\\,2a)}` (:func:`scaling_exponents`). With noise the
    ridgeless variance tends to a constant: the curve flattens at a plateau.

    References
    ----------
    Bach (2024); Atanasov, Zavatone-Veth & Pehlevan (2024); Cui, Loureiro, Krzakala & Zdeborová
    (2021).

    Examples
    --------
    The local slope between ``n = 100`` and ``400`` is 1.57; it tends to the ridgeless
    exponent ``min(a + b - 1, 2a) = 1.5`` of :func:`scaling_exponents` as ``n`` grows.

    >>> r = learning_curve([100, 400], 1.5, 1.0, 4000)
    >>> round(float(np.log(r.excess_risk[0] / r.excess_risk[1]) / np.log(4)), 2)
    1.57
    """
    a, b, p, t, e = _power_law(a, b, p)
    return anisotropic_ridge_risk(n, t, e, lam, noise_var)


@V.renamed_keywords(sigma2="noise_var")
def learning_curve_optimal(n, a, b, p, noise_var, *, lam_range=(1e-10, 10.0)):
    """Learning curve of ridge with the ridge parameter tuned for each ``n``.

    Parameters
    ----------
    n : array_like, > 0
    a, b, p : as in :func:`learning_curve`
    noise_var : float, > 0
    lam_range : (float, float)
        Search interval for λ (golden-section search in log λ, 80 steps, vectorised over ``n``);
        an optimum found at one of its ends is refused (ValueError): widen the range.

    Returns
    -------
    OptimalRidge
        ``lam`` and ``excess_risk`` per ``n``.

    Notes
    -----
    Balancing the bias :math:`\\asymp \\lambda^{\\min(a+b-1,2a)/a}` against the variance
    :math:`\\asymp \\sigma^2\\lambda^{-1/a}/n` gives :math:`R^* \\asymp n^{-q/(q+1)}` with
    :math:`q = \\min(a+b-1, 2a)` (the minimax source/capacity rate of Caponnetto & De Vito).
    The search assumes the risk is unimodal in log λ on ``lam_range``.

    Examples
    --------
    The minimum of :func:`learning_curve` over 2000 values of λ in ``[1e-4, 10]`` is 0.0124
    too (at λ ≈ 0.0085):

    >>> opt = learning_curve_optimal([1000.0], 2.0, 1.0, 20000, 1.0)
    >>> round(float(opt.excess_risk[0]), 4)
    0.0124
    """
    a, b, p, t, e = _power_law(a, b, p)
    n = np.atleast_1d(V.positive("n", n))
    s2 = V.positive_scalar("noise_var", noise_var)
    lo, hi = np.log(V.positive("lam_range", V.vector("lam_range", lam_range, length=2)))
    if not lo < hi:
        raise ValueError(f"lam_range must be (low, high) with 0 < low < high; got {lam_range!r}")
    edges = (lo, hi)

    def risk(u):
        return anisotropic_ridge_risk(n, t, e, np.exp(u), s2).excess_risk

    lo, hi = np.full(n.shape, lo), np.full(n.shape, hi)
    phi = (np.sqrt(5) - 1) / 2
    u1, u2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
    r1, r2 = risk(u1), risk(u2)
    for _ in range(80):
        left = r1 < r2
        hi = np.where(left, u2, hi)
        lo = np.where(left, lo, u1)
        u2n = np.where(left, u1, lo + phi * (hi - lo))
        u1n = np.where(left, hi - phi * (hi - lo), u2)
        u_new = np.where(left, u1n, u2n)
        r_new = risk(u_new)
        r1, r2 = np.where(left, r_new, r2), np.where(left, r1, r_new)
        u1, u2 = u1n, u2n
    u = 0.5 * (u1 + u2)
    # An optimum at an end of the range is the end, not the optimum: say so instead.
    at_edge = np.minimum(u - edges[0], edges[1] - u) < 1e-3
    if np.any(at_edge):
        raise ValueError(
            f"n, noise_var, lam_range: the optimal λ lies at an end of lam_range = {lam_range!r} "
            f"for n = {n[at_edge].ravel()[:3].tolist()}; widen lam_range"
        )
    return OptimalRidge(np.exp(u), risk(u))


def model_size_curve(N, a, b, p):
    """Approximation-limited excess risk :math:`R_\\infty(N)` of regression on ``N`` random projections.

    Parameters
    ----------
    N : float or array_like, > 0
        Number of Gaussian random features ``z = F x``, ``F`` ``N × p`` with i.i.d. entries.
    a, b, p : as in :func:`learning_curve`

    Returns
    -------
    float or ndarray
        :math:`R_\\infty(N) = \\kappa_N \\sum_k \\frac{\\lambda_k\\theta_k^2}{\\lambda_k + \\kappa_N}`
        with :math:`1 = \\frac1N \\sum_k \\frac{\\lambda_k}{\\lambda_k+\\kappa_N}`: the error of
        the best linear predictor in ``z`` (infinite data, ``n = ∞``); 0 when ``N >= p``.

    Notes
    -----
    :math:`R_\\infty(N) \\asymp N^{-\\min(a+b-1,\\,a)}` (a log factor at ``b = 1``). It is the
    deterministic equivalent of :math:`\\|v\\|^2 - v^\\top A^\\top(AA^\\top)^{-1}Av`,
    :math:`A = F\\Sigma^{1/2}`, :math:`v = \\Sigma^{1/2}\\beta_*` (see :func:`simulate_model_size`).

    References
    ----------
    Bach (2024), sec. 5; Maloney, Roberts & Sully (2022); Atanasov, Zavatone-Veth & Pehlevan (2024).

    Examples
    --------
    The seeded simulation ``simulate_model_size([100], 1.5, 1.0, 5000, n_draws=20, rng=0)``
    averages 0.0143:

    >>> round(float(model_size_curve(100, 1.5, 1.0, 5000)), 5)
    0.01448
    """
    a, b, p, t, e = _power_law(a, b, p)
    N = V.positive("N", N)
    # κ_N: the renormalised ridge at λ = 0 with N in place of n (0 when N >= p)
    kappa = np.asarray(renormalised_ridge(N, t, 0.0))
    k = kappa[..., None]
    return V.scalar_or_array(kappa * np.sum(t * e / (t + k), axis=-1))


class ScalingExponents(NamedTuple):
    """Predicted decay exponents (risk ∝ size^(-exponent)) of the three curves."""

    ridgeless: float
    optimal_ridge: float
    model_size: float


def scaling_exponents(a, b):
    """Asymptotic exponents of :func:`learning_curve` (ridgeless, noiseless),
    :func:`learning_curve_optimal` (noisy) and :func:`model_size_curve`.

    Returns
    -------
    ScalingExponents
        ``ridgeless`` :math:`= \\min(a+b-1, 2a)`, ``optimal_ridge`` :math:`= q/(q+1)` with
        :math:`q = \\min(a+b-1, 2a)`, ``model_size`` :math:`= \\min(a+b-1, a)`.

    Notes
    -----
    Sketch: κ ≍ n^{-a}; the bias sum :math:`\\kappa^2\\sum_k k^{-(a+b)}/(k^{-a}+\\kappa)^2` splits at
    :math:`k \\approx n` into :math:`\\kappa^2\\sum_{k<n}k^{a-b}` and a tail
    :math:`\\sum_{k>n}k^{-(a+b)}`, each :math:`\\asymp n^{-(a+b-1)}` unless ``b > a + 1``, where the
    head converges and gives :math:`\\kappa^2 \\asymp n^{-2a}` (saturation). These are checked
    against the deterministic equivalents at large ``n`` in ``tests/test_scaling.py``.

    References
    ----------
    Caponnetto & De Vito, Found. Comput. Math. 7 (2007); Cui et al. (2021); Bach (2024).

    Examples
    --------
    >>> scaling_exponents(1.5, 1.0)
    ScalingExponents(ridgeless=1.5, optimal_ridge=0.6, model_size=1.5)
    """
    a, b = _exponents(a, b)
    q = min(a + b - 1, 2 * a)
    return ScalingExponents(q, q / (q + 1), min(a + b - 1, a))


@V.renamed_keywords(sigma2="noise_var", reps="n_draws")
def simulate_learning_curve(n_values, a, b, p, lam=0.0, noise_var=0.0, *, n_draws=10, rng):
    """Simulated excess risk of ridge on power-law data, one row per sample size.

    ``lam`` (>= 0) and ``noise_var`` (>= 0) are scalars; the model is that of :func:`learning_curve`.

    Returns
    -------
    ndarray, shape (len(n_values), n_draws)
        Noise-averaged excess risks of :func:`rmtlib.simulate_ridge` (dual form when ``p > n``).

    Examples
    --------
    >>> simulate_learning_curve([20, 40], 1.5, 1.0, 200, n_draws=2, rng=0).shape
    (2, 2)
    """
    a, b, p, t, e = _power_law(a, b, p)
    lam = V.nonnegative_scalar("lam", lam)
    noise_var = V.nonnegative_scalar("noise_var", noise_var)
    gen = V.rng(rng)
    ns = _sizes("n_values", n_values)
    n_draws = V.size("n_draws", n_draws)
    V.check_allocation(
        [(n_draws, p, max(ns))] * 2 + [(n_draws, p, min(p, max(ns)))] * 2,
        "the n_draws × p × n data",
        "n_values, p, n_draws",
    )
    rows = [
        simulate_ridge(n, t, e, lam, noise_var, n_draws=n_draws, rng=gen).excess_risk for n in ns
    ]
    return np.array(rows).reshape(len(rows), n_draws)


@V.renamed_keywords(reps="n_draws")
def simulate_model_size(N_values, a, b, p, *, n_draws=10, rng):
    """Simulated approximation error of the best linear predictor on ``N`` random projections.

    ``N_values`` are integers in ``[1, p]``.

    Returns
    -------
    ndarray, shape (len(N_values), n_draws)
        :math:`\\|v\\|^2 - v^\\top A^\\top(AA^\\top)^{-1}Av` with :math:`A = F\\Sigma^{1/2}`,
        ``F`` ``N × p`` i.i.d. Gaussian, :math:`v = \\Sigma^{1/2}\\beta_*`.

    Examples
    --------
    >>> simulate_model_size([10], 1.5, 1.0, 100, n_draws=3, rng=0).shape
    (1, 3)
    """
    a, b, p, t, e = _power_law(a, b, p)
    n_draws = V.integer("n_draws", n_draws, minimum=1)
    gen = V.rng(rng)
    v = np.sqrt(t * e)
    # N <= p: with more projections than dimensions A Aᵀ is singular (and the error is 0)
    Ns = _sizes("N_values", N_values, maximum=p)
    V.check_allocation(
        [(n_draws, max(Ns), p)] * 3 + [(n_draws, max(Ns), max(Ns))] * 2,
        "the n_draws × N × p projected features",
        "N_values, p, n_draws",
    )
    out = []
    for N in Ns:
        A = gen.standard_normal((n_draws, N, p)) * np.sqrt(t)
        Av = A @ v
        coef = np.linalg.solve(A @ np.swapaxes(A, 1, 2), Av[..., None])[..., 0]
        out.append(v @ v - np.sum(Av * coef, axis=1))
    return np.array(out)
