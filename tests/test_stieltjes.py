"""Generalised Marchenko–Pastur: Silverstein solver against closed forms, polynomial roots,
quadrature, moments and seeded simulations; deterministic equivalents of traces and quadratic
forms; the δ-form; validation and convergence reporting."""

import numpy as np
import numpy.polynomial.polynomial as P
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import rmtlib as rmt
from rmtlib.fixedpoint import ConvergenceError

THREE = np.array([1.0, 3.0, 7.0])


def _mtilde_by_polynomial_roots(x, c, t, w):
    """Independent method: the root with Im > 0 of z m Π(1+t m) + Π(1+t m) - c m Σ w_k t_k Π_{j≠k}."""
    prod = np.array([1.0])
    for tk in t:
        prod = P.polymul(prod, [1.0, tk])
    cross = np.zeros(1)
    for k, tk in enumerate(t):
        pk = np.array([1.0])
        for j, tj in enumerate(t):
            if j != k:
                pk = P.polymul(pk, [1.0, tj])
        cross = P.polyadd(cross, w[k] * tk * pk)
    poly = P.polyadd(P.polyadd(x * P.polymulx(prod), prod), -c * P.polymulx(cross))
    roots = P.polyroots(poly)
    return roots[np.argmax(roots.imag)]


@pytest.mark.parametrize("c", [0.2, 0.5, 1.0, 2.0, 5.0])
def test_one_atom_equals_marchenko_pastur(c):
    z = np.array([-3.0, -0.5, 0.3 + 0.2j, 1.0 + 1e-3j, 2.0 - 1.0j, 40.0])
    assert np.max(np.abs(rmt.silverstein_stieltjes(z, c, [1.0]) - rmt.mp_stieltjes(z, c))) < 1e-10
    a, b = rmt.mp_edges(c)
    x = np.linspace(a - 0.1, b + 0.1, 301)
    err = np.max(np.abs(rmt.silverstein_density(x, c, [1.0]) - rmt.mp_density(x, c)))
    assert err < 1e-9, f"density on the real axis, edges included: max error {err:.1e}"
    assert np.allclose(rmt.silverstein_support(c, [1.0]), [[a, b]], atol=1e-12, rtol=0)
    assert rmt.silverstein_atom(c, [1.0]) == pytest.approx(rmt.mp_atom(c))


def test_one_atom_at_sigma2_is_scaled_marchenko_pastur():
    z = np.array([-1.0, 2.0 + 0.5j])
    assert np.allclose(
        rmt.silverstein_stieltjes(z, 0.4, [2.5]), rmt.mp_stieltjes(z, 0.4, 2.5), atol=1e-12
    )


@pytest.mark.parametrize("c", [0.1, 0.3, 1.0, 3.0])
def test_density_matches_polynomial_roots(c):
    w = np.array([0.2, 0.5, 0.3])
    sup = rmt.silverstein_support(c, THREE, w)
    x = np.concatenate([np.linspace(lo, hi, 40)[1:-1] for lo, hi in sup])
    rho = rmt.silverstein_density(x, c, THREE, w)
    mt = np.array([_mtilde_by_polynomial_roots(xi, c, THREE, w) for xi in x])
    m = mt / c + (1 - c) / (c * x)
    assert np.max(np.abs(rho - m.imag / np.pi)) < 1e-8, "boundary value vs polynomial root"


@pytest.mark.parametrize("c,pieces", [(0.1, 3), (0.3, 2), (1.0, 1)])
def test_bulk_splits_into_one_two_or_three_pieces(c, pieces):
    sup = rmt.silverstein_support(c, THREE)
    assert len(sup) == pieces
    inside = np.array([(lo + hi) / 2 for lo, hi in sup])
    assert np.all(rmt.silverstein_density(inside, c, THREE) > 0)
    if pieces > 1:
        gaps = (sup[:-1, 1] + sup[1:, 0]) / 2
        assert np.all(rmt.silverstein_density(gaps, c, THREE) == 0)


@pytest.mark.parametrize("c", [0.1, 0.3, 2.0])
def test_edges_are_critical_values_of_the_functional_inverse(c):
    for edge in rmt.silverstein_support(c, THREE).ravel():
        # just outside an edge, the equation has a real solution, inside it does not
        for sgn in (-1, 1):
            x = edge + sgn * 1e-6
            inside = rmt.silverstein_density(x, c, THREE) > 0
            if not inside:
                m = rmt.silverstein_co_stieltjes(x, c, THREE).real
                assert abs(rmt.silverstein_inverse(m, c, THREE) - x) < 1e-8, "round trip z(m̃(x))"


@pytest.mark.parametrize("c", [0.1, 0.5, 2.0])
def test_density_mass_plus_atom_is_one(c):
    sup = rmt.silverstein_support(c, THREE)
    mass = 0.0
    for lo, hi in sup:
        # Gauss–Chebyshev-like substitution absorbs the square-root edges.
        th = np.linspace(0, np.pi, 2001)
        x = lo + (hi - lo) * (1 - np.cos(th)) / 2
        dens = rmt.silverstein_density(x, c, THREE) * (hi - lo) * np.sin(th) / 2
        mass += integrate.simpson(dens, x=th)
    assert abs(mass + rmt.silverstein_atom(c, THREE) - 1) < 1e-5


@pytest.mark.parametrize("z", [-1.0, 0.5 + 1j, 20.0])
def test_stieltjes_is_integral_of_density(z):
    c = 0.3
    sup = rmt.silverstein_support(c, THREE)
    th = np.linspace(0, np.pi, 4001)
    total = 0j
    for lo, hi in sup:
        x = lo + (hi - lo) * (1 - np.cos(th)) / 2
        f = rmt.silverstein_density(x, c, THREE) / (x - z) * (hi - lo) * np.sin(th) / 2
        total += integrate.simpson(f.real, x=th) + 1j * integrate.simpson(f.imag, x=th)
    assert abs(total - rmt.silverstein_stieltjes(z, c, THREE)) < 1e-5


def test_moments_match_closed_forms_and_quadrature():
    c, w = 0.4, np.array([0.5, 0.3, 0.2])
    al = [np.sum(w * THREE**k) for k in range(5)]
    plan = [
        al[1],
        al[2] + c * al[1] ** 2,
        al[3] + 3 * c * al[1] * al[2] + c**2 * al[1] ** 3,
        al[4]
        + 4 * c * al[1] * al[3]
        + 2 * c * al[2] ** 2
        + 6 * c**2 * al[1] ** 2 * al[2]
        + c**3 * al[1] ** 4,
    ]
    for k, v in enumerate(plan, start=1):
        assert rmt.silverstein_moment(k, c, THREE, w) == pytest.approx(v, rel=1e-12)
    th = np.linspace(0, np.pi, 4001)
    for k in (1, 2, 3):
        q = 0.0
        for lo, hi in rmt.silverstein_support(c, THREE, w):
            x = lo + (hi - lo) * (1 - np.cos(th)) / 2
            q += integrate.simpson(
                x**k * rmt.silverstein_density(x, c, THREE, w) * (hi - lo) * np.sin(th) / 2, x=th
            )
        assert q == pytest.approx(rmt.silverstein_moment(k, c, THREE, w), rel=1e-5)


@given(c=st.floats(0.05, 5.0), k=st.integers(0, 7))
@settings(max_examples=40, deadline=None)
def test_one_atom_moments_are_marchenko_pastur_moments(c, k):
    assert rmt.silverstein_moment(k, c, [1.0]) == pytest.approx(rmt.mp_moment(k, c), rel=1e-12)


spectra = st.lists(st.floats(0.1, 10.0), min_size=1, max_size=5)


@given(t=spectra, c=st.floats(0.05, 4.0), x=st.floats(-20, 40), y=st.floats(1e-4, 20))
@settings(max_examples=40, deadline=None)
def test_stieltjes_maps_upper_half_plane_to_itself(t, c, x, y):
    s = rmt.silverstein_solve(x + 1j * y, c, t)
    assert s.m.imag > 0 and s.m_tilde.imag > 0
    assert s.residual < 1e-10


@given(t=spectra, c=st.floats(0.05, 4.0), theta=st.floats(0.05, 3.1))
@settings(max_examples=30, deadline=None)
def test_stieltjes_behaves_like_minus_one_over_z(t, c, theta):
    z = 1e5 * np.exp(1j * theta)
    assert abs(z * rmt.silverstein_stieltjes(z, c, t) + 1) < 1e-3


@given(t=spectra, c=st.floats(0.05, 4.0))
@settings(max_examples=25, deadline=None)
def test_density_is_nonnegative(t, c):
    sup = rmt.silverstein_support(c, t)
    x = np.linspace(sup[0, 0] - 1, sup[-1, 1] + 1, 200)
    assert np.all(rmt.silverstein_density(x, c, t) >= 0)


def test_conjugate_symmetry_and_report():
    z = np.array([1.0 + 0.3j, 1.0 - 0.3j])
    s = rmt.silverstein_solve(z, 0.3, THREE)
    assert abs(s.m[0] - np.conj(s.m[1])) < 1e-13
    assert s.iterations > 0 and s.residual < 1e-10 and s.m.shape == (2,)


def test_iteration_cap_raises_convergence_error():
    with pytest.raises(ConvergenceError):
        rmt.silverstein_solve(0.5 + 0.1j, 0.3, THREE, max_iter=2)
    with pytest.raises(ConvergenceError, match="did not converge.*after 2 iterations"):
        rmt.silverstein_density([2.0, 5.0], 0.3, THREE, max_iter=2)
    with pytest.raises(ConvergenceError):
        rmt.silverstein_stieltjes(0.5 + 0.1j, 0.3, THREE, max_iter=2)


def test_density_on_a_fine_grid_across_gaps_and_edges_matches_polynomial_roots():
    # The grid of benchmarks/bench_stieltjes.py (which prints the time): 1000 points crossing
    # the gap between the two bulks, all four edges and the outside, in one vectorised call.
    x = np.linspace(0.01, 14.0, 1000)
    rho = rmt.silverstein_density(x, 0.3, THREE)
    mt = np.array([_mtilde_by_polynomial_roots(xi, 0.3, THREE, np.full(3, 1 / 3)) for xi in x])
    ref = np.maximum((mt / 0.3 + 0.7 / (0.3 * x)).imag / np.pi, 0.0)
    assert len(rmt.silverstein_support(0.3, THREE)) == 2
    # 1e-13 seen; the roots method can lose ~sqrt(eps) at a point that falls on an edge
    assert np.max(np.abs(rho - ref)) < 1e-9
    assert np.all(rho[ref == 0] == 0), "zero exactly off the support"


def _sample_covariance(c_pop, n, rng):
    X = rmt.covariance_data(c_pop.size, n, c_pop, rng=rng)
    return X @ X.T / n


def test_trace_and_diagonal_of_resolvent_match_simulation():
    p, n = 300, 3000
    t = np.repeat(THREE, p // 3)
    Q = np.linalg.inv(_sample_covariance(t, n, 0) + np.eye(p))
    m = rmt.silverstein_stieltjes(-1.0, p / n, THREE)
    assert abs(np.trace(Q) / p - m.real) < 5e-3, "1/p tr Q(-1) - m(-1) = O(1/p)"
    qb = rmt.qbar_eigenvalues(-1.0, p / n, THREE).real
    emp = np.diag(Q).reshape(3, -1).mean(axis=1)
    assert np.max(np.abs(emp - qb)) < 5e-3, "eigenspace-averaged diagonal of Q(-1)"


def test_quadratic_form_of_a_rotated_covariance_matches_simulation():
    p, n = 200, 1000
    rng = np.random.default_rng(1)
    O, _ = np.linalg.qr(rng.standard_normal((p, p)))
    lam = np.repeat([1.0, 4.0], p // 2)
    C = O @ np.diag(lam) @ O.T
    a = O[:, 0] / np.sqrt(2) + O[:, -1] / np.sqrt(2)  # half in each eigenspace
    X = O @ (np.sqrt(lam)[:, None] * rng.standard_normal((p, n)))
    emp = a @ np.linalg.solve(X @ X.T / n + 2 * np.eye(p), a)
    theory = rmt.qbar_quadratic_form(-2.0, p / n, C, a)
    # the quadratic form fluctuates at O(p^{-1/2}) ≈ 0.07 relative; 0.05 absolute on a ~0.3 value
    assert abs(emp - theory.real) < 0.05
    # Independent: the diagonal-covariance formula on the coordinates of a in the eigenbasis.
    ca = O.T @ a
    direct = np.sum(ca**2 * rmt.qbar_eigenvalues(-2.0, p / n, lam)).real
    assert abs(direct - theory.real) < 1e-10
    assert abs(rmt.qbar_trace(-2.0, p / n, C) - rmt.silverstein_stieltjes(-2.0, p / n, lam)) < 1e-10
    A = np.diag(np.arange(p) % 2).astype(float)
    tr_emp = np.trace(A @ np.linalg.inv(X @ X.T / n + 2 * np.eye(p))) / p
    assert abs(rmt.qbar_trace(-2.0, p / n, C, A).real - tr_emp) < 0.02


def test_delta_form_solves_its_equation_and_matches_simulation():
    ratio, K = 0.5, THREE
    for z in (-1.0, 2.0 + 0.5j):
        d = rmt.delta_equivalent(z, ratio, K)
        rhs = ratio * np.mean(K / (K / (1 + d) - z))
        assert abs(d - rhs) < 1e-10, "δ = (1/d) tr K (K/(1+δ) - z)^{-1}"
    n, dd = 300, 600
    Kd = np.repeat(K, n // 3)
    Y = np.sqrt(Kd)[:, None] * np.random.default_rng(2).standard_normal((n, dd))
    Q = np.linalg.inv(Y @ Y.T / dd + np.eye(n))
    assert abs(np.trace(Kd[:, None] * Q) / dd - rmt.delta_equivalent(-1.0, ratio, K).real) < 0.01


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"ratio": 0.0}, "ratio"),
        ({"ratio": np.nan}, "ratio"),
        ({"ratio": -1.0}, "ratio"),
        ({"pop_eigs": [-1.0, 2.0]}, "pop_eigs"),
        ({"pop_weights": [0.5, 0.6]}, "sum to 1"),
        ({"pop_weights": [1.5, -0.5]}, "pop_weights"),
        ({"pop_weights": [1.0]}, "same shape"),
        ({"pop_eigs": [0.0, 0.0]}, "positive"),
    ],
)
def test_invalid_inputs_are_rejected(kwargs, match):
    args = {"z": -1.0, "ratio": 0.5, "pop_eigs": [1.0, 2.0], "pop_weights": None} | kwargs
    with pytest.raises(ValueError, match=match):
        rmt.silverstein_stieltjes(**args)


def test_real_z_inside_the_support_is_rejected():
    with pytest.raises(ValueError, match="support"):
        rmt.silverstein_stieltjes(2.0, 0.3, THREE)
    with pytest.raises(ValueError, match="pole"):
        rmt.silverstein_stieltjes(0.0, 0.3, THREE)
    with pytest.raises(ValueError, match="shape"):
        rmt.qbar_quadratic_form(-1.0, 0.5, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="positive semi-definite"):
        rmt.qbar_trace(-1.0, 0.5, -np.eye(3))


def test_power_law_population_with_many_atoms_matches_simulation():
    p, n = 600, 1200
    t = np.arange(1, p + 1) ** -1.5
    X = rmt.covariance_data(p, n, t, rng=5)
    R = rmt.EmpiricalResolvent(X @ X.T / n)
    z = np.array([-0.1, -0.01, 0.5 + 0.1j])
    s = rmt.silverstein_solve(z, p / n, t)
    assert s.residual < 1e-10
    # normalised traces: O(1/p) error relative to |m| (|m| up to ~40 at z=-0.01)
    rel = np.abs(R.trace(z) / p - s.m) / np.abs(s.m)
    assert np.all(rel < 0.02), rel


# --- issue 12: silent garbage at valid inputs, against independent references -----------------

mpmath = pytest.importorskip("mpmath")


def _density_reference(x, c, t, dps=20):
    """ρ(x) by Newton continuation in mpmath (20 digits) from Im z = 10 t_max down to 1e-25 x."""
    with mpmath.workdps(dps):
        t = [mpmath.mpf(float(v)) for v in t]
        c, x, K = mpmath.mpf(c), mpmath.mpf(x), len(t)

        def G(m, z):
            return -1 / m + c * mpmath.fsum(tk / (1 + tk * m) for tk in t) / K - z

        def dG(m):
            return 1 / m**2 - c * mpmath.fsum(tk**2 / (1 + tk * m) ** 2 for tk in t) / K

        eta = 10 * max(t) * (1 + mpmath.sqrt(c)) ** 2
        z = x + 1j * eta
        m = -1 / z
        for _ in range(200):  # a contraction this far from the axis
            m = 1 / (-z + c * mpmath.fsum(tk / (1 + tk * m) for tk in t) / K)
        while eta > 1e-25 * x:
            eta /= 4
            z = x + 1j * eta
            for _ in range(60):
                step = G(m, z) / dG(m)
                while (m - step).imag < 0:
                    step /= 2
                m -= step
                if abs(step) < mpmath.mpf(10) ** (5 - dps) * abs(m):
                    break
        mm = -mpmath.fsum(1 / (1 + tk * m) for tk in t) / K / x
        return float(mm.imag / mpmath.pi)


@pytest.mark.slow  # 2-6 s measured in the fast loop (CONTRIBUTING: marks by time)
def test_density_with_atoms_over_six_decades_matches_high_precision_continuation():
    # Issue 12: 10 of 64 interior points returned exactly 0 (e.g. x = 2.2, density ≈ 0.033).
    t = np.logspace(-3, 3, 50)
    xs = np.array([0.001, 2.2, 41.9])
    got = rmt.silverstein_density(xs, 0.5, t)
    for x, g in zip(xs, got):
        ref = _density_reference(x, 0.5, t)
        assert g == pytest.approx(ref, rel=1e-12), f"x = {x}"
    grid = np.linspace(0.001, 60, 64)
    assert np.all(rmt.silverstein_density(grid, 0.5, t) > 0), "the support is [~0, ~3000]"


@pytest.mark.slow  # 2-6 s measured in the fast loop (CONTRIBUTING: marks by time)
def test_density_with_many_bulks_at_small_ratio_converges():
    # Issue 12: ConvergenceError at valid points for c = 0.05. Inside the bulks the value matches
    # the reference; in the gaps it is 0 (the reference is O(1e-25), its final Im z).
    t = np.logspace(-3, 3, 50)
    xs = np.linspace(0.01, 50, 20)
    got = rmt.silverstein_density(xs, 0.05, t)
    for x, g in list(zip(xs, got))[1:6]:
        ref = _density_reference(x, 0.05, t)
        assert abs(g - ref) <= 1e-12 * ref + 1e-20, f"x = {x}"
    assert np.count_nonzero(got) == 9


@pytest.mark.parametrize("z", [1e6, -1e6, 1e9, -1e9, 1e9j, 1e12 + 1.0j, 1e300, -1e200j])
def test_transforms_at_large_z_follow_their_moment_series(z):
    # Issue 12: ConvergenceError at z = 1e9 where m ~ -1/z. Reference: -1/z - β1/z² - β2/z³
    # with the closed-form moments β1 = α1, β2 = α2 + c α1² (and m̃ = c m - (1 - c)/z).
    c, t = 0.5, np.array([1.0, 3.0])
    b1, b2 = 2.0, 5.0 + c * 4.0
    u = 1 / z
    m_ref = -u * (1 + b1 * u + b2 * u * u)
    assert abs(rmt.silverstein_stieltjes(z, c, t) - m_ref) <= 1e-14 * abs(m_ref)
    mt_ref = c * m_ref - (1 - c) * u
    assert abs(rmt.silverstein_co_stieltjes(z, c, t) - mt_ref) <= 1e-14 * abs(mt_ref)
    assert abs(rmt.qbar_trace(z, c, t) - m_ref) <= 1e-14 * abs(m_ref)


def _moments_by_fixed_point_exact(k, c, t, w):
    """The functional equation M(x) = Ψ(x(1 + cM(x))) iterated k times in exact rationals."""
    from fractions import Fraction

    c = Fraction(c)
    alpha = [sum(Fraction(wi) * Fraction(ti) ** j for ti, wi in zip(t, w)) for j in range(k + 1)]
    beta = [Fraction(0)] * (k + 1)

    def mul(p, q):
        out = [Fraction(0)] * (k + 1)
        for i, pi in enumerate(p):
            if pi:
                for j in range(k + 1 - i):
                    out[i + j] += pi * q[j]
        return out

    for _ in range(k):
        y = [Fraction(0)] + [Fraction(1) if i == 0 else c * beta[i] for i in range(k)]
        new, power = [Fraction(0)] * (k + 1), [Fraction(1)] + [Fraction(0)] * k
        for j in range(1, k + 1):
            power = mul(power, y)
            new = [a + alpha[j] * b for a, b in zip(new, power)]
        beta = new
    return beta[k]


def test_high_moments_by_lagrange_inversion_match_exact_references():
    # Independent references: the old fixed-point algorithm in exact rationals (k = 14), and the
    # Narayana polynomials in exact rationals for one atom (k = 1000, where the old O(k⁴) code
    # ran for minutes).
    t, w = [1.0, 3.0, 7.0], [0.5, 0.25, 0.25]
    exact = _moments_by_fixed_point_exact(14, 0.25, t, w)
    assert rmt.silverstein_moment(14, 0.25, t, w) == pytest.approx(float(exact), rel=1e-13)
    from fractions import Fraction
    from math import comb

    k, c, s2 = 1000, Fraction(1, 2), Fraction(3, 10)
    nar = s2**k * sum(c**r * Fraction(comb(k, r) * comb(k - 1, r), r + 1) for r in range(k))
    assert rmt.silverstein_moment(k, 0.5, [0.3]) == pytest.approx(float(nar), rel=1e-12)
    with pytest.raises(ValueError, match="outside the floating-point range"):
        rmt.silverstein_moment(1000, 0.5, [1.0])  # about 1e462
    with pytest.raises(ValueError, match="k must be an integer <= 5000"):
        rmt.silverstein_moment(10**6, 0.5, [1.0])


def test_kernel_spectrum_errors_name_the_kernel_parameters():
    with pytest.raises(ValueError, match="kernel_eigs"):
        rmt.delta_equivalent(-1.0, 0.5, [-1.0])
    with pytest.raises(ValueError, match="kernel_weights"):
        rmt.delta_equivalent(-1.0, 0.5, [1.0, 2.0], [0.5, 0.6])
    with pytest.raises(ValueError, match="pop_cov must not be empty"):
        rmt.qbar_trace(-1.0, 0.5, [])


def test_silverstein_names_stay_importable_from_stieltjes_and_share_one_solver():
    import rmtlib.silverstein as sil
    import rmtlib.stieltjes as old

    for name in sil.__all__:
        assert getattr(old, name) is getattr(sil, name) is getattr(rmt, name)
    # qbar_trace (identity A) and delta_equivalent are read off the same m̃ as the transform
    z = np.array([-1.0, 2.0 + 0.5j, 1e7])
    m = rmt.silverstein_stieltjes(z, 0.4, THREE)
    assert np.allclose(rmt.qbar_trace(z, 0.4, np.repeat(THREE, 2)), m, rtol=1e-14, atol=0)
    mt = rmt.silverstein_co_stieltjes(z, 0.4, THREE)
    assert np.allclose(rmt.delta_equivalent(z, 0.4, THREE), -1 / (z * mt) - 1, rtol=1e-14, atol=0)
