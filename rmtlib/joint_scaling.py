"""Ridge regression on random features at finite sample size *and* finite model size (chapter 17).

Model. Data ``x ~ N(0, C)``, ``C`` with eigenvalues ``pop_eigs`` :math:`t_k`, labels
:math:`y = \\beta_*^\\top x + \\varepsilon` (noise variance ``noise_var``), target energies
``target_energy`` :math:`\\theta_k^2 = (\\beta_*^\\top u_k)^2`. Features :math:`z = Fx` with
:math:`F \\in \\mathbb R^{N\\times p}` of i.i.d. :math:`N(0, 1/N)` entries (so that
:math:`F^\\top F \\to I_p` and ``N → ∞`` is ridge on ``x`` itself), and the ridge estimator
:math:`\\hat w = (Z Z^\\top/n + \\lambda I_N)^{-1} Z y / n` from ``n`` samples, ``Z = F X``. The
risk is the **excess** risk :math:`\\mathbb E_x(\\beta_*^\\top x - \\hat w^\\top F x)^2` (add
``noise_var`` for the test MSE). With ``N → ∞`` it is :func:`rmtlib.anisotropic_ridge_risk`
(chapter 5, and :func:`rmtlib.learning_curve` of chapter 6); with ``n → ∞`` and λ = 0 it is
:func:`rmtlib.model_size_curve`.

Power-law data (:func:`rmtlib.power_law_spectrum`, :func:`rmtlib.power_law_target`) give the
joint scaling law :func:`joint_scaling_curve` and the compute-optimal frontier
:func:`compute_optimal_frontier` under the cost model ``C = n N``. The seeded simulator of the
same model is :func:`rmtlib.simulate_joint_ridge` (:mod:`rmtlib.joint_scaling_sim`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as V
from .anisotropic_ridge import renormalised_ridge
from .fixedpoint import ConvergenceError
from .ridge import OptimalRidge
from .scaling import power_law_spectrum, power_law_target, scaling_exponents

__all__ = [
    "JointRidgeRisk",
    "joint_ridge_risk",
    "joint_scaling_curve",
    "joint_scaling_optimal",
    "ComputeOptimal",
    "compute_optimal_frontier",
    "FrontierExponents",
    "frontier_exponents",
    "fit_frontier_exponents",
]

# Sizes n, N up to this are accepted by the equivalent (the sums stay resolved in float64).
_SIZE_MAX = 1e15


def _power_law(a, b, p):
    """Validated power-law data: ``(a, b, p, t, e)`` (``a > 1``, ``a + b > 1``, no underflow)."""
    scaling_exponents(a, b)  # refuses a <= 1 and a + b <= 1, naming them
    a, b, p = float(a), float(b), V.size("p", p)
    if a * np.log10(p) > 300 or abs(b) * np.log10(p) > 300:
        raise ValueError(
            f"a, b, p: p^-a or p^-b leaves float64 (a log10 p and |b| log10 p must be at most 300); "
            f"got a={a}, b={b}, p={p}"
        )
    return a, b, p, power_law_spectrum(p, a), power_law_target(p, b)


class JointRidgeRisk(NamedTuple):
    """Deterministic equivalent of random-feature ridge regression at finite ``n`` and ``N``.

    ``kappa`` is the renormalised ridge seen by the data (the κ of chapter 5 when ``N = ∞``),
    ``kappa_features`` the one seen in feature space (λ when ``n = ∞``), ``df1`` and ``df2`` the
    degrees of freedom :math:`\\mathrm{df}_1(\\kappa)` and the feature-space
    :math:`\\Upsilon` of :func:`joint_ridge_risk`.
    """

    bias: np.ndarray | float
    variance: np.ndarray | float
    excess_risk: np.ndarray | float
    kappa: np.ndarray | float
    kappa_features: np.ndarray | float
    df1: np.ndarray | float
    df2: np.ndarray | float


def _sums(t, energy, kappa):
    """The spectral sums of the equivalent at κ (last axis: the spectrum)."""
    k = kappa[..., None]
    pos = t > 0
    denom = np.where(pos, t + k, 1.0)
    f = np.where(pos, t / denom, 0.0)  # t/(t+κ)
    q = np.where(pos, k / denom, 0.0)  # κ/(t+κ), so that 1 - f = q without cancellation
    s = t * energy
    return (
        f.sum(-1),  # df1
        (f * f).sum(-1),  # df2 of C
        (f * q).sum(-1),  # df1 - df2 = Σ tκ/(t+κ)²
        (s * q * q).sum(-1),  # κ² Σ tθ²/(t+κ)²
        (s * f * q).sum(-1),  # κ Σ t²θ²/(t+κ)²
    )


def _risk_at(kappa, n, N, sums, noise_var):
    """Bias, variance and Υ from κ and the sums: the one place the risk formula is written."""
    df1, df2, gap, b0, b1 = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        spare = N - df2
        ups = np.where(spare > 0, (df2 * (N - df1) + df1 * gap) / spare, np.inf)
        slack = 1.0 - ups / n
        peak = ~(slack > 0)
        num = b0 + np.where(spare > 0, gap / spare, 0.0) * b1
        bias = np.where(peak, np.where(num > 0, np.inf, 0.0), num / slack)
        var = np.where(peak, np.inf if noise_var > 0 else 0.0, noise_var * (ups / n) / slack)
    return bias, var, np.where(peak, np.minimum(n, N), ups), peak


def _solve_joint_kappa(t, n, N, lam, *, tol=1e-13, max_iter=200):
    """κ with λ = κ(1 - df1(κ)/n)(1 - df1(κ)/N), by safeguarded Newton in log κ (vectorised).

    The right side increases with κ above κ₀, the ridgeless renormalised ridge at
    ``min(n, N)`` samples (:func:`rmtlib.renormalised_ridge`), where it vanishes; so the root lies
    in ``[max(λ, κ₀), λ + Σt/n + Σt/N]``. λ = 0 gives κ = κ₀.
    """
    n, N, lam = (a.ravel() for a in np.broadcast_arrays(n, N, lam))
    k0 = np.atleast_1d(renormalised_ridge(np.minimum(n, N), t, 0.0)).astype(float)
    zero = lam == 0
    if zero.all():
        return k0
    lo, hi = (
        np.log(np.maximum(np.maximum(lam, k0), 1e-300)),
        np.log(lam + t.sum() * (1 / n + 1 / N)),
    )
    tt = t[:, None]
    u = 0.5 * (lo + hi)
    done = zero.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        log_lam = np.log(lam)
        for _ in range(max_iter):
            k = np.exp(u)
            f = tt / (tt + k)
            d1 = f.sum(0)
            gap = (f * (k / (tt + k))).sum(0)
            a, b = 1 - d1 / n, 1 - d1 / N
            h = u + np.log(a) + np.log(b) - log_lam
            h = np.where((a > 0) & (b > 0), h, -np.inf)
            slope = 1 + gap / n / a + gap / N / b
            lo = np.where(h < 0, u, lo)
            hi = np.where(h >= 0, u, hi)
            newton = u - h / slope
            inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
            u_new = np.where(inside, newton, 0.5 * (lo + hi))
            done |= (np.abs(u_new - u) <= tol * np.maximum(1.0, np.abs(u))) | (hi - lo <= tol)
            u = np.where(done, u, u_new)
            if done.all():
                break
        else:
            raise ConvergenceError(
                f"the joint renormalised ridge did not converge in {max_iter} Newton steps"
            )
    return np.where(zero, k0, np.exp(u))


def joint_ridge_risk(n, N, pop_eigs, target_energy, lam, noise_var=0.0):
    """Deterministic equivalent of ridge on ``N`` random features from ``n`` samples.

    Parameters
    ----------
    n : float or array_like, in (0, 1e15]
        Sample size (real values allowed for smooth curves); broadcast with ``N`` and ``lam``.
    N : float or array_like, in (0, 1e15]
        Number of random features ``z = F x``, ``F`` with i.i.d. :math:`N(0, 1/N)` entries.
    pop_eigs : array_like, shape (p,), >= 0
        Eigenvalues :math:`t_k` of the population covariance ``C``.
    target_energy : array_like, shape (p,), >= 0
        :math:`\\theta_k^2 = (\\beta_*^\\top u_k)^2`.
    lam : float or array_like, >= 0
        Ridge on the feature weights, penalty :math:`\\lambda\\|w\\|^2` added to the mean square
        loss (``0``: the minimum-norm interpolator or least squares).
    noise_var : float, >= 0
        Label-noise variance :math:`\\sigma^2`.

    Returns
    -------
    JointRidgeRisk
        Broadcast shape of ``(n, N, lam)``; ``inf`` at the interpolation peak (λ = 0 and
        ``n = N`` below the rank, or ``min(n, N)`` equal to the rank of ``C``).

    Notes
    -----
    With :math:`\\mathrm{df}_1 = \\sum_k\\frac{t_k}{t_k+\\kappa}`,
    :math:`\\mathrm{df}_2 = \\sum_k\\frac{t_k^2}{(t_k+\\kappa)^2}`, the data-space ridge κ and
    the feature-space ridge :math:`\\tilde\\kappa` solve

    .. math::
        \\tilde\\kappa = \\kappa\\Big(1-\\frac{\\mathrm{df}_1}{N}\\Big),\\qquad
        \\lambda = \\tilde\\kappa\\Big(1-\\frac{\\mathrm{df}_1}{n}\\Big).

    The first is :func:`rmtlib.renormalised_ridge` with ``N`` samples and ridge
    :math:`\\tilde\\kappa` (the projection ``F`` acts on ``C`` as ``N`` samples do); the second is
    the same equation in feature space. Then, with
    :math:`\\Upsilon = \\frac{\\mathrm{df}_2(N-\\mathrm{df}_1) + \\mathrm{df}_1(\\mathrm{df}_1-\\mathrm{df}_2)}{N-\\mathrm{df}_2}`,

    .. math::
        \\mathcal B = \\frac{\\kappa^2\\sum_k\\frac{t_k\\theta_k^2}{(t_k+\\kappa)^2}
        + \\frac{\\mathrm{df}_1-\\mathrm{df}_2}{N-\\mathrm{df}_2}\\,
        \\kappa\\sum_k\\frac{t_k^2\\theta_k^2}{(t_k+\\kappa)^2}}{1-\\Upsilon/n},\\qquad
        \\mathcal V = \\sigma^2\\frac{\\Upsilon/n}{1-\\Upsilon/n}.

    ``N → ∞`` gives :math:`\\Upsilon = \\mathrm{df}_2` and :func:`rmtlib.anisotropic_ridge_risk`;
    ``n → ∞`` at λ = 0 gives :func:`rmtlib.model_size_curve`. Derivation: conditionally on ``F``
    the problem is ridge on ``z`` with covariance :math:`FCF^\\top` and an extra noise (the part
    of the target outside the span of ``F``); its chapter-5 equivalent, with the traces over
    ``F`` replaced by theirs, gives the formulas (``tests/test_joint_scaling.py`` checks them
    against simulation and against the Mei–Montanari closed form with a linear activation).

    References
    ----------
    Defilippis, Loureiro & Misiakiewicz (2024), sec. 3 (a dimension-free equivalent of
    random-feature ridge regression for general feature maps; the linear-feature form here is
    derived as in the Notes); Atanasov, Zavatone-Veth & Pehlevan (2024) (linear random
    features, by renormalisation); Bach (2024), sec. 5 (random projections).

    Examples
    --------
    Isotropic ``C = I_p``, ``p = 400``, ``n = N = 800``, λ = 0.5, noiseless, ``θ_k² = 1/p``. The
    Mei–Montanari closed form with an almost linear activation
    (``rmt.mei_montanari_risk(2, 2, 0.5, rmt.poly2(1e-4, 1.0))``, ψ₁ = ψ₂ = 2) gives 0.3127 too:

    >>> p = 400
    >>> r = joint_ridge_risk(800, 800, np.ones(p), np.full(p, 1 / p), 0.5)
    >>> round(float(r.excess_risk), 4)
    0.3127
    """
    n = V.in_range("n", n, 0.0, _SIZE_MAX, low_open=True)
    N = V.in_range("N", N, 0.0, _SIZE_MAX, low_open=True)
    t, energy = V.population_spectrum(pop_eigs, target_energy)
    lam = V.nonnegative("lam", lam)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    try:
        shape = np.broadcast_shapes(n.shape, N.shape, lam.shape)
    except ValueError:
        raise ValueError(
            f"n, N and lam must broadcast together; got shapes {n.shape}, {N.shape}, {lam.shape}"
        ) from None
    count = int(np.prod(shape, dtype=np.int64))
    V.check_allocation(
        [(t.size, count)] * 4, "the p × (n, N, lam) work arrays", "n, N, lam, pop_eigs"
    )
    nb, Nb, lb = (np.broadcast_to(a, shape).ravel() for a in (n, N, lam))
    kappa = _solve_joint_kappa(t, nb, Nb, lb)
    sums = _sums(t, energy, kappa)
    bias, var, ups, peak = _risk_at(kappa, nb, Nb, sums, s2)
    with np.errstate(over="ignore", invalid="ignore"):
        risk = bias + var
    V.finite_result("target_energy, noise_var", sums[3], sums[4])
    V.finite_result("target_energy, noise_var", bias, var, risk, allowed=peak)
    kf = kappa * np.clip(1 - sums[0] / Nb, 0.0, None)
    out = (bias, var, risk, kappa, kf, sums[0], ups)
    return JointRidgeRisk(*(V.scalar_or_array(np.reshape(x, shape)) for x in out))


def joint_scaling_curve(n, N, a, b, p, lam=0.0, noise_var=0.0):
    """:func:`joint_ridge_risk` on power-law data :math:`t_k = k^{-a}`, :math:`\\theta_k^2 = k^{-b}`.

    Parameters
    ----------
    n, N, lam, noise_var : as in :func:`joint_ridge_risk`
    a, b, p : as in :func:`rmtlib.learning_curve` (``a > 1``, ``a + b > 1``, ``p`` the truncation)

    Returns
    -------
    JointRidgeRisk

    Notes
    -----
    Heuristically (chapter 6), :math:`\\mathcal R(n, N) \\approx \\mathcal R(n, \\infty) +
    \\mathcal R(\\infty, N)`: the learning curve plus the model-size curve, each with its own
    exponent (:func:`rmtlib.scaling_exponents`); the equivalent interpolates between them and
    adds the double-descent peak at ``n = N`` when λ = 0.

    Examples
    --------
    With ``N = 10^12`` the features are exact and the value is that of
    ``rmt.learning_curve(100, 1.5, 1.0, 4000, 1e-3).excess_risk``, 0.0044:

    >>> round(float(joint_scaling_curve(100, 1e12, 1.5, 1.0, 4000, 1e-3).excess_risk), 4)
    0.0044
    """
    a, b, p, t, e = _power_law(a, b, p)
    return joint_ridge_risk(n, N, t, e, lam, noise_var)


def _tuned_grid(n, N, t, e, s2, nk):
    """Risk minimised over λ >= 0 on a log grid of the data-space ridge κ, for broadcast (n, N).

    λ = κ(1 - df1/n)(1 - df1/N) is explicit in κ, so the spectral sums are computed once per κ
    and the risk of :func:`joint_ridge_risk` (through :func:`_risk_at`) is evaluated on the
    grid for every size at once. Returns the minimal risk, the λ there and the κ index.
    """
    kappas = np.logspace(np.log10(1e-3 * float(t[t > 0].min())), np.log10(10 * float(t.max())), nk)
    sums = _sums(t, e, kappas)
    n, N = np.broadcast_arrays(np.asarray(n, float), np.asarray(N, float))
    nb, Nb = n[..., None], N[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lam = kappas * (1 - sums[0] / nb) * (1 - sums[0] / Nb)
        bias, var, _, peak = _risk_at(kappas, nb, Nb, sums, s2)
        risk = np.where((sums[0] < np.minimum(nb, Nb)) & ~peak, bias + var, np.inf)
    i = risk.argmin(-1)
    pick = np.take_along_axis
    return pick(risk, i[..., None], -1)[..., 0], pick(lam, i[..., None], -1)[..., 0], i


def joint_scaling_optimal(n, N, a, b, p, noise_var, *, kappa_grid=241):
    """:func:`joint_scaling_curve` with the ridge λ >= 0 tuned for each ``(n, N)``.

    Parameters
    ----------
    n, N : float or array_like, in [1, 1e15]
        Broadcast together.
    a, b, p, noise_var : as in :func:`joint_scaling_curve`
    kappa_grid : int, in [9, 2001]
        Log-spaced values of the data-space ridge κ searched (κ determines λ at given
        ``(n, N)``), from ``10^-3`` times the smallest eigenvalue to 10 times the largest.

    Returns
    -------
    OptimalRidge
        ``lam`` and ``excess_risk`` (the grid minimum) per ``(n, N)``. An optimum at an end of
        the κ range is refused.

    Examples
    --------
    With ``N = 10^12`` this is the tuned learning curve of chapter 6:
    ``rmt.learning_curve_optimal([1000.0], 2.0, 1.0, 20000, 1.0)`` gives 0.0124 too.

    >>> round(float(joint_scaling_optimal(1000, 1e12, 2.0, 1.0, 20000, 1.0).excess_risk), 4)
    0.0124
    """
    a, b, p, t, e = _power_law(a, b, p)
    n = V.in_range("n", n, 1.0, _SIZE_MAX)
    N = V.in_range("N", N, 1.0, _SIZE_MAX)
    try:
        shape = np.broadcast_shapes(n.shape, N.shape)
    except ValueError:
        raise ValueError(f"n and N must broadcast together; got {n.shape} and {N.shape}") from None
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    nk = V.integer("kappa_grid", kappa_grid, minimum=9, maximum=2001)
    count = int(np.prod(shape, dtype=np.int64))
    V.check_allocation(
        [(nk, p)] * 4 + [(count, nk)] * 8,
        "the κ-grid sums and the risk grid",
        "n, N, kappa_grid, p",
    )
    risk, lam, i = _tuned_grid(n, N, t, e, s2, nk)
    if np.any((i == 0) | (i == nk - 1)) or not np.all(np.isfinite(risk)):
        raise ValueError(
            "n, N, p, noise_var: the optimal ridge lies at the end of the searched range; "
            "raise p or lower n, N (or noise_var)"
        )
    return OptimalRidge(V.scalar_or_array(lam), V.scalar_or_array(risk))


class ComputeOptimal(NamedTuple):
    """The compute-optimal allocation per budget ``compute = n N``: sizes, ridge and risk."""

    compute: np.ndarray
    n: np.ndarray
    N: np.ndarray
    lam: np.ndarray
    excess_risk: np.ndarray


def compute_optimal_frontier(compute, a, b, p, noise_var, *, n_grid=161, kappa_grid=241):
    """Allocation ``(n*, N*)`` and ridge λ* minimising the joint risk at fixed compute ``n N``.

    Parameters
    ----------
    compute : array_like, in [4, 1e14]
        Budgets :math:`C = nN`, the cost of the ``n × N`` feature matrix (one pass over the data
        with ``N`` parameters).
    a, b, p : as in :func:`joint_scaling_curve`
    noise_var : float, >= 0
    n_grid : int, in [9, 2001]
        Number of splits :math:`n = C^u`, ``u`` uniform on (0, 1) (``n, N >= 1``).
    kappa_grid : int, in [9, 2001]
        Number of log-spaced values of the data-space ridge κ searched (λ is a function of κ
        at given ``(n, N)``, so the search over κ is a search over λ >= 0).

    Returns
    -------
    ComputeOptimal
        Per budget, the best grid point refined by a parabola in ``log n``.

    Notes
    -----
    The risk is :func:`joint_ridge_risk` evaluated at κ directly (λ = κ(1 - df1/n)(1 - df1/N)
    is explicit), so the spectral sums are computed once per κ for every budget and split.
    An optimum at the end of the κ range is refused: raise ``p`` or lower ``compute``.

    Examples
    --------
    At ``C = 10^6`` (``a = 2``, ``b = 1``, σ² = 1) the optimum spends the budget on data:
    ``n* ≈ 10^4`` samples, ``N* ≈ 100`` features. A brute-force search of
    :func:`joint_scaling_curve` over a 36 × 36 grid of ``(n, λ)`` finds ``N ≈ 95``, λ ≈ 0.0012
    and the same risk 0.0044:

    >>> f = compute_optimal_frontier([1e6], 2.0, 1.0, 20000, 1.0)
    >>> int(round(float(f.N[0]), -1)), round(float(f.excess_risk[0]), 4)
    (100, 0.0044)
    """
    a, b, p, t, e = _power_law(a, b, p)
    C = np.atleast_1d(V.in_range("compute", compute, 4.0, 1e14))
    if C.ndim != 1 or C.size == 0:
        raise ValueError(f"compute must be a scalar or a non-empty 1-d array; got shape {C.shape}")
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    nu = V.integer("n_grid", n_grid, minimum=9, maximum=2001)
    nk = V.integer("kappa_grid", kappa_grid, minimum=9, maximum=2001)
    V.check_allocation(
        [(nk, p)] * 4 + [(C.size, nu, nk)] * 8,
        "the κ-grid sums and the risk grid",
        "compute, n_grid, kappa_grid, p",
    )
    u = np.linspace(0, 1, nu + 2)[1:-1]
    n = C[:, None] ** u[None, :]
    risk, lam, i = _tuned_grid(n, C[:, None] / n, t, e, s2, nk)
    j = risk.argmin(1)
    rows = np.arange(C.size)
    if np.any((i[rows, j] == 0) | (i[rows, j] == nk - 1)) or not np.all(np.isfinite(risk[rows, j])):
        raise ValueError(
            "compute, p, noise_var: the optimal ridge lies at the end of the searched range; "
            "raise p or lower compute (or noise_var)"
        )
    # Parabola through the best split and its neighbours (each minimised over κ), in u = log C n.
    prof = risk
    jc = np.clip(j, 1, nu - 2)
    r0, r1, r2 = prof[rows, jc - 1], prof[rows, jc], prof[rows, jc + 1]
    curv = r0 - 2 * r1 + r2
    h = u[1] - u[0]
    shift = np.where(curv > 0, 0.5 * h * (r0 - r2) / np.where(curv > 0, curv, 1.0), 0.0)
    shift = np.clip(shift + (u[jc] - u[j]), -h, h)
    u_star = u[j] + shift
    r_star = np.where(curv > 0, r1 - (r2 - r0) ** 2 / (8 * np.where(curv > 0, curv, 1.0)), r1)
    r_star = np.minimum(r_star, prof[rows, j])
    n_star = C**u_star
    return ComputeOptimal(C, n_star, C / n_star, lam[rows, j], r_star)


class FrontierExponents(NamedTuple):
    """Exponents of the compute-optimal frontier: ``n* ∝ C^data``, ``N* ∝ C^model``,
    ``risk ∝ C^(-risk)``."""

    data: float
    model: float
    risk: float


def frontier_exponents(a, b, noise_var):
    """Predicted exponents of :func:`compute_optimal_frontier` from the two one-parameter laws.

    Returns
    -------
    FrontierExponents
        With :math:`\\rho` the exponent of the learning curve (ridgeless
        :math:`\\min(a+b-1, 2a)` if ``noise_var = 0``, tuned ridge :math:`q/(q+1)` otherwise) and
        :math:`s = \\min(a+b-1, a)` that of the model-size curve, balancing
        :math:`n^{-\\rho} = N^{-s}` at :math:`nN = C` gives ``data`` :math:`= s/(\\rho+s)`,
        ``model`` :math:`= \\rho/(\\rho+s)`, ``risk`` :math:`= \\rho s/(\\rho+s)`.

    Notes
    -----
    A heuristic (the risk as a sum of the two curves); ``tests/test_joint_scaling.py`` checks it
    against the fitted slopes of :func:`compute_optimal_frontier`. Noisy, with
    :math:`a+b-1 \\le a`: ``model`` = :math:`1/(q+2)`, ``risk`` = :math:`q/(q+2)`.

    References
    ----------
    Defilippis, Loureiro & Misiakiewicz (2024), sec. 4 (the rates in ``(n, N, λ)``);
    Paquette, Paquette, Xiao & Pennington (2024) for the one-pass SGD counterpart.

    Examples
    --------
    >>> frontier_exponents(2.0, 1.0, 1.0)
    FrontierExponents(data=0.75, model=0.25, risk=0.5)
    """
    ex = scaling_exponents(a, b)
    s2 = V.nonnegative_scalar("noise_var", noise_var)
    rho = ex.optimal_ridge if s2 > 0 else ex.ridgeless
    s = ex.model_size
    return FrontierExponents(s / (rho + s), rho / (rho + s), rho * s / (rho + s))


def fit_frontier_exponents(frontier):
    """Least-squares slopes of ``log n*``, ``log N*`` and ``-log risk`` against ``log C``.

    Parameters
    ----------
    frontier : ComputeOptimal
        At least 3 budgets spanning at least one decade.

    Returns
    -------
    FrontierExponents

    Examples
    --------
    ``n* = C^0.7``, ``N* = C^0.3``, risk ``C^-0.4`` exactly:

    >>> C = np.logspace(2, 6, 5)
    >>> f = ComputeOptimal(C, C**0.7, C**0.3, C * 0, C**-0.4)
    >>> [round(x, 6) for x in fit_frontier_exponents(f)]
    [0.7, 0.3, 0.4]
    """
    if not isinstance(frontier, ComputeOptimal):
        raise TypeError(f"frontier must be a ComputeOptimal; got {type(frontier).__name__}")
    x = np.log(V.positive("frontier", frontier.compute))
    if x.ndim != 1 or x.size < 3 or x.max() - x.min() < np.log(10):
        raise ValueError("frontier must hold at least 3 budgets spanning at least one decade")
    cols = [frontier.n, frontier.N, frontier.excess_risk]
    ys = [np.log(V.positive("frontier", c)) for c in cols]
    slopes = [float(np.polyfit(x, y, 1)[0]) for y in ys]
    return FrontierExponents(slopes[0], slopes[1], -slopes[2])
