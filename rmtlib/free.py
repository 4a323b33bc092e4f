"""Free probability: sums and products of large random matrices in general position.

If ``A`` and ``B`` are large symmetric matrices with eigenvalue laws ``μ_A`` and ``μ_B``, and
``U`` is a Haar-distributed orthogonal matrix, the eigenvalue law of ``A + U B Uᵀ`` tends to the
*free additive convolution* ``μ_A ⊞ μ_B``, and (for ``A, B ⪰ 0``) that of
``A^{1/2} U B Uᵀ A^{1/2}`` to the *free multiplicative convolution* ``μ_A ⊠ μ_B``. The
Marchenko–Pastur law is the free Poisson law, and Silverstein's law of chapter 2 is
``μ_{c,1} ⊠ ν``. The transforms that linearise the two operations are the R-transform
(``R_{μ⊞ν} = R_μ + R_ν``) and the S-transform (``S_{μ⊠ν} = S_μ S_ν``), in
:mod:`rmtlib.free_transforms`.

Conventions. This module uses the *Cauchy transform* ``G(z) = ∫ μ(dt)/(z − t) = −m(z)``, the
negative of the book's Stieltjes transform :math:`m`, because the free-probability literature
states subordination with it; densities are ``ρ(x) = −Im G(x + i0)/π``.

The densities of convolutions of discrete laws are computed by *subordination*
(Biane 1998; Belinschi & Bercovici 2007): for each ``z`` an analytic self-map of the upper
half-plane has a unique attracting (Denjoy–Wolff) fixed point ``ω(z)``. For ⊞ it is computed
at real ``x`` directly, each value with a certificate (an interior fixed point, or a real one of
multiplier < 1, where the density is exactly 0); for ⊠ by iteration from far in the half-plane,
continued towards the real axis and polished by Newton's method. Both have an iteration cap and
raise :class:`~rmtlib.fixedpoint.ConvergenceError` naming the points that failed.
"""

from __future__ import annotations

import numpy as np

from . import _validate as V
from ._discrete import discrete_law
from .fixedpoint import ConvergenceError

# The R- and S-transforms live in free_transforms; imported here so that rmtlib.free.<name> keeps
# working for the names that lived in this module before.
from .free_transforms import (  # noqa: F401
    discrete_r_transform,
    discrete_s_transform,
    mp_r_transform,
    mp_s_transform,
    semicircle_r_transform,
)

__all__ = ["free_additive_density", "free_multiplicative_density"]

_LADDER = 10.0 ** -np.arange(0, 11)  # distance to the real axis, 1 down to 1e-10
_WARM_STEPS = 60  # iterations per intermediate level: it only has to bring omega close


def _solve(step, omega, z, *, tol, max_iter, what, final=True):
    """Fixed point omega = f(omega) of the subordination map, iteration then Newton.

    ``step(omega)`` returns ``(f(omega), f'(omega))``.
    """
    for _ in range(max_iter):
        f, df = step(omega)
        res = f - omega
        done = np.abs(res) <= tol * (1 + np.abs(omega))
        if np.all(done):
            return omega
        delta = -res / (df - 1.0)
        # The plain iterate (a contraction towards the Denjoy–Wolff point) unless a Newton step,
        # halved up to three times, shrinks the residual: the iterate alone slows down near the
        # real axis.
        nxt, taken = f, np.zeros(omega.shape, dtype=bool)
        for t in (1.0, 0.5, 0.25, 0.125):
            trial = omega + t * delta
            ok = np.isfinite(trial) & (np.imag(trial) * np.sign(np.imag(z)) >= 0)
            f_t, _ = step(np.where(ok, trial, omega))
            better = ok & ~taken & (np.abs(f_t - trial) < np.abs(res))
            nxt, taken = np.where(better, trial, nxt), taken | better
        omega = np.where(done, omega, nxt)
    f, _ = step(omega)
    bad = np.abs(f - omega) > tol * (1 + np.abs(omega))
    if not final:  # an intermediate level of the continuation: carry on from where it got
        return omega
    raise ConvergenceError(
        f"{what}: subordination did not converge within {max_iter} steps "
        f"at {np.count_nonzero(bad)} point(s), e.g. z = {z[bad][:3]}"
    )


def _grid(x, tol, max_iter):
    xs = V.finite_real("x", x)
    tol = V.tolerance("tol", tol, high=1e-3)
    if tol < 1e-15:
        raise ValueError(f"tol must be >= 1e-15 (round-off); got {tol!r}")
    max_iter = V.iterations("max_iter", max_iter, maximum=100_000)
    return xs, np.ravel(xs).astype(float), tol, max_iter


_BURST = 16  # Denjoy–Wolff iterations between two attempts at certifying a Newton polish
_NEWTON = 40
_EDGE = 1e-9  # margin of the certificates (see _additive_subordination)


def _nd(w, atoms, p):
    """N = Σ p a d, D = Σ p d and their w-derivatives, d = 1/(w − a): h = F − id = −N/D."""
    d = 1.0 / (w[..., None] - atoms)
    pd, pad = p * d, p * atoms * d
    return pad.sum(-1), pd.sum(-1), -(pad * d).sum(-1), -(pd * d).sum(-1)


def _compose(w, z, a, pa, b, pb):
    """f(w) = z + h_B(z + h_A(w)) and f'(w), without cancellation near the poles of h_A.

    h(w) = F(w) − w = −Σ p_i a_i/(w − a_i) / Σ p_i/(w − a_i) is a weighted mean of the atoms,
    so it is computed as one (no F − w cancellation for large w). The inner value
    t = z + h_A(w) is infinite where G_A(w) = 0; there h_B is evaluated through u = 1/t, in which
    h_B(1/u) = −Σ q_j b_j e_j / Σ q_j e_j with e_j = 1/(1 − b_j u) is analytic at u = 0.
    """
    n, d, dn, dd = _nd(w, a, pa)
    top, jac = z * d - n, d * dn - n * dd  # t = top/d, h_A' = -jac/d**2
    near = np.abs(top) <= np.abs(d)  # |t| <= 1: evaluate h_B at t itself
    t = np.where(near, top / np.where(near, d, 1.0), 0.0)
    nb, db, dnb, ddb = _nd(t, b, pb)
    f_near = z - nb / db
    df_near = ((db * dnb - nb * ddb) / db**2) * (jac / d**2)
    u = np.where(near, 0.0, d / np.where(near, 1.0, top))
    e = 1.0 / (1.0 - u[..., None] * b)
    qe, qbe = pb * e, pb * b * e
    P, Q = qbe.sum(-1), qe.sum(-1)
    dP, dQ = (qbe * b * e).sum(-1), (qe * b * e).sum(-1)
    f_far = z - P / Q
    df_far = -((dP * Q - P * dQ) / Q**2) * (jac / top**2)
    return np.where(near, f_near, f_far), np.where(near, df_near, df_far)


def _additive_subordination(x, a, pa, b, pb, tol, max_iter):
    """ω₁(x + i0) for real x: the Denjoy–Wolff point of f_x(w) = x + h_B(x + h_A(w)).

    Returns ``(omega, exterior, failed)``. Every returned value carries a certificate:

    - *interior*: a fixed point with Im ω > 0 (well above round-off). A holomorphic self-map of
      the upper half-plane has at most one interior fixed point unless it is the identity
      (Schwarz–Pick), so it is ω₁(x). Its multiplier has modulus <= 1, and exactly 1 when f_x is
      an elliptic automorphism: two-atom laws have Möbius h (e.g. h(w) = −1/w for ±1), the
      plain iteration then rotates about ω₁ instead of converging, and only Newton finds it;
    - *exterior*: a real fixed point with 0 <= f_x'(ω) < 1. By the Julia–Wolff–Carathéodory
      theorem the Denjoy–Wolff point is the only fixed point in the closed half-plane with
      angular derivative <= 1, and then f_x has no interior fixed point: x is outside the
      support of the continuous part and the density is exactly 0.

    The plain iteration converges from any start in the half-plane (Denjoy–Wolff), but only
    linearly, with rate |f_x'(ω)| → 1 at the edges; every ``_BURST`` steps a Newton polish is
    started from the current iterate and kept only if it passes a certificate (so a Newton step
    towards a spurious real fixed point, one with f_x' > 1, is never returned).
    """

    def f(w, xx):
        return _compose(w, xx, a, pa, b, pb)

    def newton(v, xx):
        for _ in range(_NEWTON):
            fv, dfv = f(v, xx)
            v = v - (fv - v) / (dfv - 1.0)
        return v

    spread = np.ptp(a) + np.ptp(b) + 1.0
    scale = 1e4 * (1 + np.abs(x) + np.abs(a).max() + np.abs(b).max())
    w = x + 1j * spread
    # Where f_x is the identity (two two-atom laws make it a Möbius map, the identity at
    # isolated x), every point is a fixed point: there the limit from the half-plane is taken
    # at z = x + i eta instead, with eta balancing the O(eta) shift against the O(eps/eta)
    # conditioning of the fixed point.
    with np.errstate(all="ignore"):
        flat_map = np.ones(x.shape, dtype=bool)
        for t in (1.0, 2.0):
            ft, _ = f(x + 1j * t * spread, x + 0j)
            flat_map &= np.abs(ft - (x + 1j * t * spread)) <= 1e3 * tol * spread
    z = x + 1j * np.where(flat_map, 1e-8 * spread, 0.0)
    omega = np.full(x.shape, np.nan + 0j)
    exterior = np.zeros(x.shape, dtype=bool)
    todo = np.ones(x.shape, dtype=bool)
    steps = 0
    with np.errstate(all="ignore"):
        while steps < max_iter and todo.any():
            idx = np.flatnonzero(todo)
            zz, ww = z[idx], w[idx]
            for _ in range(_BURST):
                ww, _ = f(ww, zz)
            steps += _BURST
            w[idx] = ww
            # Exterior certificate (real z only): a real fixed point with multiplier in [0, 1).
            xx = zz.real
            r = newton(ww.real.copy(), xx)
            fr, dfr = f(r, xx)
            ext = (
                ~flat_map[idx]
                & (np.abs(r) <= scale[idx])
                & (np.abs(fr - r) <= tol * (1 + np.abs(r)))
                & (dfr >= 0)
                & (dfr < 1 - _EDGE)
            )
            # Interior certificate: a fixed point clearly inside the half-plane.
            v = newton(ww, zz)
            fv, dfv = f(v, zz)
            inner = (
                ~ext
                & (np.abs(v) <= scale[idx])
                & (np.abs(fv - v) <= tol * (1 + np.abs(v)))
                & (v.imag > _EDGE * (1 + np.abs(v)))
                & (np.abs(dfv) <= 1 + _EDGE)
            )
            omega[idx[ext]], exterior[idx[ext]] = r[ext], True
            omega[idx[inner]] = v[inner]
            todo[idx[ext | inner]] = False
    return omega, exterior, todo


def free_additive_density(
    x, atoms_a, atoms_b, weights_a=None, weights_b=None, *, tol=1e-12, max_iter=2000
):
    """Density of the free additive convolution ``μ_A ⊞ μ_B`` of two discrete laws.

    The limit law of the eigenvalues of ``A + U B Uᵀ`` (``U`` Haar orthogonal) when ``A`` and
    ``B`` have eigenvalue laws ``μ_A = Σ w_i δ_{a_i}`` and ``μ_B = Σ v_j δ_{b_j}``.

    Parameters
    ----------
    x : float or array_like
        Points at which the density is evaluated.
    atoms_a, atoms_b : array_like
        Atoms (eigenvalues) of the two laws.
    weights_a, weights_b : array_like, optional
        Their masses (>= 0, summing to 1); equal masses by default.
    tol : float
        Relative tolerance of the subordination fixed point.
    max_iter : int
        Iteration cap per step of the continuation towards the real axis.

    Returns
    -------
    float or ndarray
        The density (the laws' atoms, where the sum has any, are not included).

    Raises
    ------
    ConvergenceError
        Where no certified fixed point is found within ``max_iter`` steps: only within about
        1e-16 of an edge of the support, where the multiplier of the fixed point is 1.

    Notes
    -----
    With the Cauchy transforms :math:`G`, :math:`F = 1/G` and :math:`h = F - \\mathrm{id}`, the
    subordination function :math:`\\omega_1(z)` is the attracting fixed point of
    :math:`w \\mapsto z + h_B(z + h_A(w))` and :math:`G_{A\\boxplus B}(z) = G_A(\\omega_1(z))`
    (Belinschi & Bercovici 2007, Theorem 4.1). It is computed on the real axis itself, as the
    Denjoy–Wolff point of the map at real :math:`x`, with a certificate for every point: an
    interior fixed point (unique by Schwarz–Pick) or a real one of multiplier in [0, 1)
    (unique by Julia–Wolff–Carathéodory; then the density is exactly 0). Where
    :math:`\\omega_1` has a pole (a zero of :math:`G` in a gap of the support) the symmetric
    function :math:`\\omega_2` is used.

    References
    ----------
    Voiculescu, *J. Funct. Anal.* 66 (1986); Biane, *J. reine angew. Math.* 500 (1998);
    Belinschi & Bercovici, *Math. Z.* 248 (2004); Mingo & Speicher, *Free Probability and
    Random Matrices* (2017), chapter 3.

    Examples
    --------
    Two free symmetric Bernoulli laws add up to the arcsine law on [−2, 2],
    of density :math:`1/(\\pi\\sqrt{4 - x^2})`:

    >>> import numpy as np
    >>> d = free_additive_density([0.0, 1.0], [-1, 1], [-1, 1])
    >>> np.allclose(d, 1 / (np.pi * np.sqrt(4 - np.array([0.0, 1.0])**2)), rtol=1e-7)
    True

    See Also
    --------
    free_multiplicative_density, semicircle_r_transform, discrete_r_transform
    """
    xs, flat, tol, max_iter = _grid(x, tol, max_iter)
    a, pa = discrete_law(atoms_a, weights_a, "atoms_a")
    b, pb = discrete_law(atoms_b, weights_b, "atoms_b")
    # Points in chunks: the work arrays are (points x atoms), kept near 16 MiB whatever the grid.
    chunk = max(1, 2**20 // (a.size + b.size))
    dens = (
        np.concatenate(
            [
                _additive_chunk(flat[i : i + chunk], a, pa, b, pb, tol, max_iter)
                for i in range(0, flat.size, chunk)
            ]
        )
        if flat.size
        else np.zeros(0)
    )
    return V.scalar_or_array(dens.reshape(np.shape(xs)))


def _additive_chunk(flat, a, pa, b, pb, tol, max_iter):
    omega, exterior, failed = _additive_subordination(flat, a, pa, b, pb, tol, max_iter)
    g = np.zeros(flat.shape, dtype=complex)
    with np.errstate(all="ignore"):
        g[~failed] = (1.0 / (omega[~failed, None] - a)) @ pa
    # omega_1 has a pole where G vanishes in a gap of the support (G_A(omega_1) = G = 0 there);
    # omega_2, the subordination function of the other law, is finite at that point (both
    # cannot be infinite: omega_1 + omega_2 = z + 1/G), so such points are solved for omega_2.
    swap = failed | ~np.isfinite(g)
    if swap.any():
        o2, ext2, fail2 = _additive_subordination(flat[swap], b, pb, a, pa, tol, max_iter)
        with np.errstate(all="ignore"):
            g2 = (1.0 / (o2[:, None] - b)) @ pb
        g[swap], exterior[swap], failed[swap] = g2, ext2, fail2
    if failed.any():
        raise ConvergenceError(
            f"free_additive_density: no certified subordination point within {max_iter} steps at "
            f"{np.count_nonzero(failed)} point(s), e.g. x = {flat[failed][:3]}: such points lie "
            "within about 1e-16 of an edge of the support, where the multiplier of the fixed "
            "point is 1 and neither certificate can be decided in double precision"
        )
    return np.where(exterior, 0.0, np.maximum(-g.imag / np.pi, 0.0))


def free_multiplicative_density(
    x, atoms_a, atoms_b, weights_a=None, weights_b=None, *, tol=1e-12, max_iter=2000
):
    """Density of the free multiplicative convolution ``μ_A ⊠ μ_B`` of two laws on [0, ∞).

    The limit law of the eigenvalues of ``A^{1/2} U B Uᵀ A^{1/2}`` (``U`` Haar orthogonal) for
    positive semi-definite ``A`` and ``B`` with discrete eigenvalue laws. The atom at 0, of
    mass ``max(μ_A({0}), μ_B({0}))``, is not included in the density.

    Parameters
    ----------
    x : float or array_like
        Points (> 0) at which the density is evaluated.
    atoms_a, atoms_b : array_like
        Atoms (>= 0) of the two laws.
    weights_a, weights_b : array_like, optional
        Their masses; equal by default.
    tol, max_iter
        As in :func:`free_additive_density`.

    Notes
    -----
    With :math:`\\psi_\\mu(z) = \\int \\frac{zt}{1 - zt}\\,\\mu(dt)`,
    :math:`\\eta_\\mu = \\psi_\\mu/(1 + \\psi_\\mu)` and :math:`h_\\mu(z) = \\eta_\\mu(z)/z`,
    the subordination function :math:`\\omega_1(z)` is the attracting fixed point of
    :math:`w \\mapsto z\\, h_B(z\\, h_A(w))`, and
    :math:`\\eta_{A\\boxtimes B}(z) = \\eta_A(\\omega_1(z))` (Belinschi & Bercovici 2007,
    Theorem 4.1). The Cauchy transform at :math:`x + i\\eta` follows from
    :math:`G(1/z) = z / (1 - \\eta(z))` at :math:`z = 1/(x + i\\eta)`, for
    :math:`\\eta = 1, 10^{-1}, \\dots, 10^{-10}` (times :math:`1 + x`), each solve warm-started
    from the last. The value returned is therefore the density smoothed at that last distance
    to the axis (a Poisson kernel of width :math:`10^{-10}(1 + x)`), not the real-axis certified
    value of :func:`free_additive_density`: outside the support it is small but not exactly 0
    (about :math:`10^{-10} d^{-3/2}` at a distance :math:`d` from a square-root edge, 1e-8 at
    d = 0.05), and within :math:`10^{-4}` of an edge the relative error reaches 1e-4.

    References
    ----------
    Voiculescu, *J. Operator Theory* 18 (1987); Belinschi & Bercovici, *Math. Z.* 248 (2004)
    and *Int. Math. Res. Not.* (2007); Mingo & Speicher (2017), chapter 3.

    Examples
    --------
    Two free projections of trace 1/2: the continuous part is
    :math:`1/(2\\pi\\sqrt{x(1-x)})` on (0, 1) (Voiculescu 1987):

    >>> import numpy as np
    >>> d = free_multiplicative_density([0.25, 0.5], [0, 1], [0, 1])
    >>> x = np.array([0.25, 0.5])
    >>> np.allclose(d, 1 / (2 * np.pi * np.sqrt(x * (1 - x))), rtol=1e-7)
    True

    See Also
    --------
    free_additive_density, mp_s_transform, discrete_s_transform,
    rmtlib.silverstein.silverstein_density : the case ``μ_{c,1} ⊠ ν``
    """
    xs, flat, tol, max_iter = _grid(x, tol, max_iter)
    if np.any(flat <= 0):
        raise ValueError("x must be > 0 (the atom at 0 is reported separately)")
    a, pa = discrete_law(atoms_a, weights_a, "atoms_a", nonnegative=True)
    b, pb = discrete_law(atoms_b, weights_b, "atoms_b", nonnegative=True)

    def h(w, atoms, p):
        d = 1.0 / (1.0 - w[..., None] * atoms)
        s1, ds1 = d @ p, (d * d * atoms) @ p
        eta, deta = 1 - 1 / s1, ds1 / s1**2
        return eta / w, (deta * w - eta) / w**2

    def eta_of(w, atoms, p):
        return 1 - 1 / ((1.0 / (1.0 - w[..., None] * atoms)) @ p)

    omega = None
    for eta in _LADDER:
        z = 1.0 / (flat + 1j * eta * (1.0 + flat))
        if omega is None:
            omega = z.copy()

        def step(w, z=z):
            ha, dha = h(w, a, pa)
            hb, dhb = h(z * ha, b, pb)
            return z * hb, z * dhb * z * dha

        final = eta == _LADDER[-1]
        omega = _solve(
            step,
            omega,
            z,
            tol=tol,
            max_iter=max_iter if final else _WARM_STEPS,
            what="free_multiplicative_density",
            final=final,
        )
    g = z / (1 - eta_of(omega, a, pa))
    return V.scalar_or_array(np.maximum(-g.imag / np.pi, 0.0).reshape(np.shape(xs)))
