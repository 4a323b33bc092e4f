"""Moments of Silverstein's law :math:`\\mathrm{MP}_c \\boxtimes \\nu`: the power-series form of its equation.

The law and its equation are those of :mod:`rmtlib.silverstein`. Its moments
:math:`\\beta_k = \\int x^k\\,d(\\mathrm{MP}_c\\boxtimes\\nu)` depend on ν only through the moments
:math:`\\alpha_j = \\int t^j\\,\\nu(dt)`, by one recurrence (:func:`silverstein_moment`'s
*Notes*), implemented once here: :func:`silverstein_moment` takes the atoms of ν,
:func:`silverstein_moments` its moments (the deep-network CK moments, :func:`rmtlib.ck_moments`,
compose it layer by layer).
"""

from __future__ import annotations

import numpy as np

from . import _validate as V

__all__ = ["silverstein_moment", "silverstein_moments"]

# Highest order accepted by silverstein_moment (the cost is O(k²)) and number of moments accepted
# by silverstein_moments (O(K³): about a second at the cap).
MOMENT_MAX_ORDER = 5_000
MOMENTS_MAX_COUNT = 400


def _log_moments(ks, log_c, log_alpha):
    """log β_k of MP_c ⊠ ν for each order in ``ks`` (1-d, >= 1), from log α_j, j = 1..max(ks),
    of ν scaled so that α_j <= 1 (Notes of :func:`silverstein_moment`: Lagrange inversion and
    Miller's recurrence for the coefficients P_n of φ^k, in logarithms), all orders at once."""
    ks = np.asarray(ks, dtype=int)
    K = int(ks.max())
    j = np.arange(1, K + 1)
    log_alpha = log_alpha[:K]
    log_phi = log_c + log_alpha
    log_p = np.full((ks.size, K), -np.inf)  # log P_n for each order, n = 0 .. k-1
    log_p[:, 0] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for n in range(1, K):
            live = ks > n
            kk = ks[live][:, None]
            terms = np.log((kk + 1) * j[:n] - n) + log_phi[:n] + log_p[live, n - 1 :: -1]
            top = terms.max(axis=1)
            ok = np.isfinite(top)
            row = np.full(top.shape, -np.inf)
            row[ok] = top[ok] + np.log(np.exp(terms[ok] - top[ok, None]).sum(axis=1)) - np.log(n)
            log_p[live, n] = row
        valid = j <= ks[:, None]
        back = np.take_along_axis(log_p, np.where(valid, ks[:, None] - j, 0), axis=1)
        terms = np.where(valid, np.log(j) + log_alpha + back, -np.inf)
        top = terms.max(axis=1)
        out = np.full(ks.shape, -np.inf)  # every α_j = 0: ν = δ₀, so β_k = 0
        ok = np.isfinite(top)
        out[ok] = top[ok] + np.log(np.exp(terms[ok] - top[ok, None]).sum(axis=1)) - np.log(ks[ok])
    return out


def _check_range(k, log_beta):
    if not np.log(np.finfo(float).tiny) < log_beta < np.log(np.finfo(float).max):
        raise ValueError(
            f"the moment of order k = {k} (about 10^{log_beta / np.log(10):.0f}) is outside the "
            "floating-point range; lower k (or rescale pop_eigs)"
        )


def silverstein_moment(k, ratio, pop_eigs, pop_weights=None):
    """k-th moment :math:`\\int x^k\\,\\mu(dx)` of :math:`\\mu = \\mathrm{MP}_c \\boxtimes \\nu`.

    Parameters
    ----------
    k : int, >= 0
    ratio : float, > 0
        ``c = p / n`` (for an ``n × n`` Gram matrix ``S = Y Yᵀ/d``, use ``n / d``).
    pop_eigs, pop_weights : array_like
        Population spectral law ν, with moments :math:`\\alpha_j = \\sum_k w_k t_k^j`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``k`` above 5000, or a moment outside the double-precision range (it grows like
        :math:`(t_{\\max}(1+\\sqrt c)^2)^k`).

    Notes
    -----
    The moment generating series :math:`M(x) = \\sum_{j\\ge1}\\beta_jx^j` and
    :math:`\\Psi(x) = \\sum_{j\\ge1}\\alpha_jx^j` satisfy :math:`M(x) = \\Psi\\big(x(1 + cM(x))\\big)`
    (the power-series form of Silverstein's equation). With :math:`y = x(1 + cM(x))`,
    :math:`y = x\\,\\varphi(y)` for :math:`\\varphi = 1 + c\\Psi`, so Lagrange inversion gives

    .. math:: \\beta_k = \\frac1k\\,[y^{k-1}]\\,\\Psi'(y)\\,\\varphi(y)^k
              = \\frac1k\\sum_{j=1}^k j\\,\\alpha_j\\,[y^{k-j}]\\varphi(y)^k,

    and the coefficients :math:`P_n` of :math:`\\varphi^k` follow from J. C. P. Miller's
    recurrence :math:`P_n = \\frac1n\\sum_{i=1}^n((k+1)i - n)\\,c\\,\\alpha_i\\,P_{n-i}`:
    O(k²) operations on positive terms only (no cancellation), accumulated in logarithms with
    the atoms scaled by the largest one, so nothing overflows before the result does. This
    gives :math:`\\beta_2 = \\alpha_2 + c\\alpha_1^2`, :math:`\\beta_3 = \\alpha_3 + 3c\\alpha_1\\alpha_2 + c^2\\alpha_1^3`,
    :math:`\\beta_4 = \\alpha_4 + 4c\\alpha_1\\alpha_3 + 2c\\alpha_2^2 + 6c^2\\alpha_1^2\\alpha_2 + c^3\\alpha_1^4`.

    See Also
    --------
    silverstein_moments : all moments up to an order, from the moments of ν instead of its atoms.

    References
    ----------
    Bai & Silverstein (2010), Lemma 3.2 and §3.1.1; Couillet & Liao (2022), §2.3;
    J. C. P. Miller's power recurrence: Knuth, *TAOCP* vol. 2, §4.7.

    Examples
    --------
    >>> round(silverstein_moment(2, 0.5, [1.0]), 12)            # MP: 1 + c
    1.5
    >>> round(silverstein_moment(2, 0.1, [1.0, 3.0, 7.0]), 6)   # 59/3 + 0.1 * (11/3)^2
    21.011111
    """
    k = V.integer("k", k, minimum=0, maximum=MOMENT_MAX_ORDER)
    c, t, w = V.population_law(ratio, pop_eigs, pop_weights)
    if k == 0:
        return 1.0
    V.check_allocation((k, t.size), "the table of population moments", "k (or pop_eigs)")
    tmax = t.max()
    j = np.arange(1, k + 1)
    with np.errstate(divide="ignore"):  # atoms at 0 contribute log 0 = -inf terms
        log_alpha = np.log(np.sum(w * (t / tmax) ** j[:, None], axis=1))  # α_j / tmax^j
    log_beta = _log_moments([k], np.log(c), log_alpha)[0] + k * np.log(tmax)
    _check_range(k, log_beta)
    return float(np.exp(log_beta))


def silverstein_moments(ratio, pop_moments):
    """Moments :math:`\\beta_1,\\dots,\\beta_K` of :math:`\\mathrm{MP}_c\\boxtimes\\nu` from the moments of ν.

    Parameters
    ----------
    ratio : float, > 0
        ``c = p / n``, as in :func:`silverstein_moment` (``n / d`` for an ``n × n`` Gram matrix).
    pop_moments : array_like, >= 0, shape (K,), K <= 400
        :math:`\\alpha_j = \\int t^j\\,\\nu(dt)`, j = 1..K, of a law ν on :math:`[0, \\infty)`
        (only its moments enter, not its atoms).

    Returns
    -------
    ndarray, shape (K,)
        :math:`\\beta_k = \\int x^k\\,d(\\mathrm{MP}_c\\boxtimes\\nu)`, k = 1..K.

    Raises
    ------
    ValueError
        If a moment is outside the float64 range; the error's attribute ``order`` is the first
        such k (the moments below it are ``silverstein_moments(ratio, pop_moments[:order - 1])``).

    Notes
    -----
    The recurrence of :func:`silverstein_moment` (the one implementation), with the moments
    scaled by :math:`s^j`, :math:`s = \\max_j \\alpha_j^{1/j}`, so that every term is at most 1 and
    nothing overflows before the result does. Every term is nonnegative: no cancellation at high
    order. The result is the free multiplicative convolution computed by the deep-network CK
    recursion :func:`rmtlib.ck_moments`. Cost :math:`O(K^3)`.

    See Also
    --------
    silverstein_moment : one moment, from the atoms of ν.

    Examples
    --------
    With ν = δ₁ these are the Marchenko–Pastur moments, the Narayana polynomials
    :math:`1,\\ 1 + c,\\ 1 + 3c + c^2`:

    >>> silverstein_moments(0.5, [1.0, 1.0, 1.0]).round(12).tolist()
    [1.0, 1.5, 2.75]
    """
    c = V.positive_scalar("ratio", ratio)
    alpha = V.nonnegative("pop_moments", V.vector("pop_moments", pop_moments))
    K = alpha.size
    if K > MOMENTS_MAX_COUNT:
        raise ValueError(
            f"pop_moments must hold at most {MOMENTS_MAX_COUNT} moments (the cost is cubic); "
            f"got {K}"
        )
    if not np.any(alpha > 0):
        return np.zeros(K)  # ν = δ₀: so is MP_c ⊠ ν
    j = np.arange(1, K + 1)
    with np.errstate(divide="ignore"):
        log_raw = np.log(alpha)
    log_s = np.max(log_raw / j)
    log_alpha = log_raw - j * log_s
    log_beta = _log_moments(j, np.log(c), log_alpha) + j * log_s
    over = np.flatnonzero(log_beta >= np.log(np.finfo(float).max))
    if over.size:
        k = int(over[0]) + 1
        err = ValueError(
            f"pop_moments, ratio: the moment of order k = {k} (about "
            f"10^{log_beta[k - 1] / np.log(10):.0f}) exceeds the float64 range; pass at most "
            f"{k - 1} moments (or smaller ones)"
        )
        err.order = k
        raise err
    return np.exp(log_beta)
