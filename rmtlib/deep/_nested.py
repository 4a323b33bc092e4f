"""Shared machinery of the CK and NTK solvers (private module; its names are for rmtlib.deep)."""

from __future__ import annotations

import numpy as np

from .. import _validate as V
from ..fixedpoint import ConvergenceError, solve_fixed_point
from ..mp import mp_stieltjes

#: Largest ratio γ_ℓ = n/d_ℓ accepted by the CK/NTK functions.
MAX_RATIO = 1e6


def check_layer_ratios(layer_ratios):
    g = np.atleast_1d(V.finite_real("layer_ratios", layer_ratios)).astype(float)
    if g.ndim != 1 or g.size < 1:
        raise ValueError(
            "layer_ratios must be a sequence (γ₀, γ₁, …, γ_L) of length L + 1 >= 1 "
            f"(depth L >= 0); got {layer_ratios!r}"
        )
    if np.any(g <= 0) or np.any(g > MAX_RATIO):
        raise ValueError(
            f"every ratio in layer_ratios must lie in (0, {MAX_RATIO:g}] (a layer more than a million "
            f"times narrower than n is beyond what the nested solvers resolve); got {g.tolist()}"
        )
    return g


def layer_maps(gammas, b):
    """Per-layer affine maps Φ_ℓ = s_ℓ I + t_ℓ K_{ℓ-1} of the normalised network."""
    L = gammas.size - 1
    return np.full(L, 1.0 - b * b), np.full(L, b * b)


def upper_bound(gammas, shifts, slopes):
    # Support of MP_γ ⊠ ν lies in [0, (1+√γ)² sup ν]: a rigorous right end for contours.
    u = (1 + np.sqrt(gammas[0])) ** 2
    for g, s, t in zip(gammas[1:], shifts, slopes):
        u = (1 + np.sqrt(g)) ** 2 * (s + t * u)
    return u


def prepare_z(z, lower, upper):
    z = V.finite_complex("z", z)
    on_real = z.imag == 0
    if np.any(on_real & (z.real >= lower) & (z.real <= upper)):
        raise ValueError(
            f"z has zero imaginary part inside [{lower:.4g}, {upper:.4g}], which may contain the "
            "support: pass z with Im z > 0 (e.g. x + 1e-9j) for the limit from C⁺"
        )
    flip = z.imag < 0
    return np.where(flip, np.conj(z), z), flip


def finish(m, flip):
    m = np.where(flip, np.conj(m), m)
    return complex(m) if m.ndim == 0 else m


def mp_branch(z, c):
    """:func:`rmtlib.mp_stieltjes` (ratio ``c``, unit scale) on the iterates of a fixed point.

    The one MP transform of the library, with the boundary value from C⁺ where an iterate lands
    on the real axis inside the support, and NaN (rejected by the solver as unconverged) where an
    iterate is not finite or sits on the pole at 0 of ``c > 1``: inside an iteration these are
    transient states, not user errors.
    """
    z = np.asarray(z, dtype=complex)
    ok = np.isfinite(z) & ~((z == 0) & (c > 1))
    zz = np.where(ok, z, -1.0)
    # A real iterate z > 0 may lie on the support, where the limit from C⁺ is meant: the
    # smallest positive imaginary part selects it (off the support it changes m by less than
    # the smallest subnormal number; negative reals, never on the support, stay exact).
    zz = np.where((zz.imag == 0) & (zz.real > 0), zz.real + 1j * np.nextafter(0.0, 1.0), zz)
    return np.where(ok, np.asarray(mp_stieltjes(zz, c)), np.nan)


LIFTS = (1.0, 0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 0.0)


def continuation_solve(make_map, z, x0_fn, tol, name, make_valid=None, scale=1.0):
    """Solve a batch of fixed points indexed by z in the closed upper half-plane.

    Problems with Im z >= 0.1 are solved directly. The others follow z + iλ as λ decreases
    from 1 to 0, each stage warm-starting the next: near the real axis (at an atom, inside the
    support, at negative reals when an atom sits at 0) a cold start can converge to a spurious
    root of the same equations, while continuation stays on the Stieltjes branch.

    ``make_valid(z)`` returns the branch test of the problems at ``z`` (default: Im >= 0 of
    every unknown). When the spectrum is wide (``scale``, an upper bound of the support, much
    above 1) the first ladder can start too close to the axis and end on a spurious branch;
    such problems are re-solved along a ladder that starts at ``10 max(scale, |z|)``, where the
    cold start lies in the basin of the Stieltjes branch, and halves λ at every stage. A
    problem still off the branch raises :class:`ConvergenceError` (never a wrong value).
    """
    base = lambda m: np.all(m.imag >= -1e-12, axis=-1)  # noqa: E731
    if make_valid is None:

        def make_valid(_z):
            return base

    out = np.empty(z.shape + x0_fn(z[:1]).shape[-1:], dtype=complex)

    def run(zn, lifts, cap):
        state = None
        for lift in lifts:
            zz = zn + 1j * lift
            state = solve_fixed_point(
                make_map(zz),
                x0_fn(zz) if state is None else state,
                tol=tol if lift == 0 else 1e-9,
                max_iter=cap,
                memory=6,
                valid=base,
                raise_on_failure=False,
                name=name,
            ).x
        return state

    def failed(zn, x):
        # unconverged (per problem) or converged to a root off the Stieltjes branch
        res = np.max(np.abs(make_map(zn)(x) - x), axis=-1) / (1 + np.max(np.abs(x), axis=-1))
        return ~(res <= 10 * tol) | ~np.asarray(make_valid(zn)(x), dtype=bool)

    far = z.imag >= 0.1
    if far.any():
        out[far] = run(z[far], (0.0,), 5000)
    if (~far).any():
        out[~far] = run(z[~far], LIFTS, 1000)
    bad = failed(z, out)
    if bad.any():
        top = 10 * max(float(scale), float(np.max(np.abs(z[bad]))), 1.0)
        stages = int(np.ceil(np.log2(top / 1e-6)))
        out[bad] = run(z[bad], tuple(np.geomspace(top, 1e-6, stages)) + (0.0,), 5000)
        still = failed(z[bad], out[bad])
        if still.any():
            raise ConvergenceError(
                f"{name}: {int(still.sum())} point(s) (first z = {complex(z[bad][still][0]):.6g}) "
                "did not converge to the Stieltjes branch; move the point or raise eta"
            )
    return out


def nested_trace(s, c, gammas, shifts, slopes, tol=1e-12):
    """Traces T = (1/n) tr M⁻¹ and U_j = (1/n) tr K_j M⁻¹ for M = Σ_j c_j K_j + s I.

    ``s`` is an array of complex shifts (one problem each), ``c`` real weights with c_L > 0.
    Unknowns: δ_1..δ_L, one per reduction c_ℓ K_ℓ → c_ℓ Φ_ℓ/(1+δ_ℓ), Φ_ℓ = s_ℓ I + t_ℓ K_{ℓ-1}.
    Returns (T, U) with U of shape s.shape + (L+1,).
    """
    L = gammas.size - 1
    c = np.asarray(c, dtype=float)
    shape = np.shape(s)
    s = np.atleast_1d(s)

    def _nt_map(s):
        return nested_trace_map(s, c, gammas, shifts, slopes)

    if L == 0:
        T = mp_branch(-s / c[0], gammas[0]) / c[0]
        return T.reshape(shape), ((1 - s * T) / c[0]).reshape(shape + (1,))
    delta = continuation_solve(
        lambda w: _nt_map(-w)[0],
        -s,
        lambda w: np.zeros(w.shape + (L,), dtype=complex),
        tol,
        "NTK nested-trace fixed point",
        make_valid=lambda w: _nt_map(-w)[2],
        scale=sum(
            c[j] * upper_bound(gammas[: j + 1], shifts[:j], slopes[:j]) for j in range(L + 1)
        ),
    )
    T, U, _ = _nt_map(s)[1](delta)
    return T.reshape(shape), U.reshape(shape + (L + 1,))


def nested_trace_map(s, c, gammas, shifts, slopes):
    """The fixed-point map on (δ_1..δ_L) and the descent that returns (T, U, coefficients)."""
    L = gammas.size - 1

    def descend(delta):
        coefs = [None] * (L + 1)
        shifts_lv = [None] * (L + 1)
        cur = np.broadcast_to(c, s.shape + (L + 1,)).astype(complex)
        cur_s = s.astype(complex)
        coefs[L], shifts_lv[L] = cur, cur_s
        for ell in range(L, 0, -1):
            top = cur[..., ell] / (1 + delta[..., ell - 1])
            nxt = cur[..., :ell].copy()
            nxt[..., ell - 1] += top * slopes[ell - 1]
            cur_s = cur_s + top * shifts[ell - 1]
            cur = nxt
            coefs[ell - 1], shifts_lv[ell - 1] = cur, cur_s
        c0, s0 = cur[..., 0], cur_s
        T = mp_branch(-s0 / c0, gammas[0]) / c0
        U = np.empty(s.shape + (L + 1,), dtype=complex)
        U[..., 0] = (1 - s0 * T) / c0
        for ell in range(1, L + 1):
            cl = coefs[ell]
            U[..., ell] = (
                1 - np.sum(cl[..., :ell] * U[..., :ell], axis=-1) - shifts_lv[ell] * T
            ) / cl[..., ell]
        return T, U, coefs

    def F(delta):
        T, U, coefs = descend(delta)
        new = np.empty_like(delta)
        for ell in range(1, L + 1):
            new[..., ell - 1] = (
                gammas[ell]
                * coefs[ell][..., ell]
                * (shifts[ell - 1] * T + slopes[ell - 1] * U[..., ell - 1])
            )
        return new

    def on_branch(delta):
        # The Stieltjes branch keeps every reduced matrix Σ c'_j K_j + s' I with Im c'_j <= 0
        # and Im s' <= 0 (for Im z > 0), so that it stays invertible with a resolvent of the
        # right sign; spurious roots of the same equations violate this at some level.
        cur = np.broadcast_to(c, s.shape + (L + 1,)).astype(complex)
        cur_s = s.astype(complex)
        ok = np.ones(s.shape, dtype=bool)
        for ell in range(L, 0, -1):
            top = cur[..., ell] / (1 + delta[..., ell - 1])
            cur = cur[..., :ell].copy()
            cur[..., ell - 1] += top * slopes[ell - 1]
            cur_s = cur_s + top * shifts[ell - 1]
            slack = 1e-9 * (np.abs(cur_s) + np.max(np.abs(cur), axis=-1))
            ok &= np.all(cur.imag <= slack[..., None], axis=-1) & (cur_s.imag <= slack)
        return ok

    return F, descend, on_branch


#: Points tried inside each edge's bracket per round of :func:`support_edges`.
SECTIONS = 31


def support_edges(m, lo, hi, mean, resolution):
    """Edges of a support in one piece containing ``mean``, inside the enclosure [lo, hi].

    Each edge is bracketed between a point outside (the enclosure's end) and one inside (the
    mean), and the two brackets are narrowed together by multisection: every round tests
    :data:`SECTIONS` points in each bracket in one vectorised solve and keeps the sub-bracket
    where the test changes, so a bracket shrinks 32-fold per solve (bisection: 2-fold).
    """

    def inside(x):
        return np.asarray(m(np.atleast_1d(x) + 1e-8j)).imag > 1e-4

    if not inside(mean)[0]:
        raise ConvergenceError(
            f"the mean eigenvalue {mean:.6g} is not inside the support "
            "(a support in several pieces is not supported)"
        )
    out_pt = np.array([lo, hi], dtype=float)
    in_pt = np.array([mean, mean], dtype=float)
    frac = np.arange(1, SECTIONS + 1) / (SECTIONS + 1)
    for _ in range(60):
        if np.max(np.abs(in_pt - out_pt)) <= resolution:
            break
        pts = out_pt[:, None] + (in_pt - out_pt)[:, None] * frac[None, :]
        ins = inside(pts.ravel()).reshape(pts.shape)
        # The first point inside, counted from the outer end (the support is one interval).
        first = np.where(ins.any(axis=1), np.argmax(ins, axis=1), SECTIONS)
        rows = np.arange(2)
        ext_out = np.concatenate([out_pt[:, None], pts], axis=1)
        ext_in = np.concatenate([pts, in_pt[:, None]], axis=1)
        out_pt, in_pt = ext_out[rows, first], ext_in[rows, first]
    edges = 0.5 * (out_pt + in_pt)
    return float(edges[0]), float(edges[1])


def edge_contour_moments(m, left, right, k_max):
    """Moments 1..k_max of the law with Stieltjes transform ``m`` supported in [left, right].

    Trapezoid rule on the Bernstein ellipse ``z = c + h (ρu + 1/(ρu))/2``, ``|u| = 1``, with
    foci at the support edges and ρ = 1.3: it passes 3.5 % of the half-width outside the
    edges, so the rounding of ``z^k`` is amplified by at most ``(1 + 0.035 h/right)^k``, and
    with ``2 (k_max + 200)`` nodes the aliasing error ``ρ^{k - N/2}`` is below 1e-16.
    """
    c, h, rho = (left + right) / 2, (right - left) / 2, 1.3
    half = k_max + 200
    theta = np.pi * (np.arange(half) + 0.5) / half
    u = np.exp(1j * theta)
    z = c + h * (rho * u + 1 / (rho * u)) / 2
    dz = 1j * h * (rho * u - 1 / (rho * u)) / 2
    mz = np.asarray(m(z))
    ks = np.arange(1, k_max + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.exp(ks[:, None] * np.log(z)[None, :]) * (mz * dz)[None, :]
    # m(z̄) = conj m(z): the lower half of the ellipse mirrors the upper one.
    return -np.sum(g.imag, axis=1) / half


#: Largest moment order of :func:`ck_moments` and :func:`ntk_moments`.
MAX_MOMENT_ORDER = 400


def check_moment_order(k_max):
    return V.integer("k_max", k_max, minimum=1, maximum=MAX_MOMENT_ORDER)


def finite_moments(mom, what):
    bad = ~np.isfinite(mom)
    if bad.any():
        first = int(np.flatnonzero(bad)[0]) + 1
        raise ValueError(
            f"k_max: the {what} moment of order {first} exceeds the float64 range "
            f"(about 1.8e308); pass k_max <= {first - 1}"
        )
    return mom
