"""Benchmark of the spectral laws of Part I (prints numbers; not a test).

Run: ``.venv/bin/python benchmarks/bench_stieltjes.py``

1. Generalised Marchenko–Pastur density (population atoms {1, 3, 7}, c = 0.3) on a 1000-point
   grid, and its accuracy against an independent computation (polynomial roots of Silverstein's
   equation) — target: 1e-6 accuracy well under 0.1 s.
2. Marchenko–Pastur pdf on 10^6 points: rmtlib.mp_density against the bare NumPy expression.
"""

import sys
import time
from pathlib import Path

import numpy as np

import rmtlib as rmt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_stieltjes import _mtilde_by_polynomial_roots  # noqa: E402


def best_of(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times)), out


def density_by_roots(x, c, t, w):
    # The tests' independent method (a root of Silverstein's equation as a polynomial), per point.
    mt = np.array([_mtilde_by_polynomial_roots(xi, c, t, w) for xi in x])
    return np.maximum((mt / c + (1 - c) / (c * x)).imag / np.pi, 0.0)


def main():
    c, t = 0.3, np.array([1.0, 3.0, 7.0])
    w = np.full(3, 1 / 3)
    x = np.linspace(0.01, 14.0, 1000)
    best, med, rho = best_of(lambda: rmt.silverstein_density(x, c, t))
    ref = density_by_roots(x, c, t, w)
    err = np.max(np.abs(rho - ref))
    print(
        f"generalised MP density, 1000 points, atoms {{1,3,7}}, c={c}: "
        f"best {best * 1e3:.1f} ms, median {med * 1e3:.1f} ms; "
        f"max |error| vs polynomial roots {err:.1e}"
    )
    s = rmt.silverstein_solve(x + 1e-9j, c, t)
    print(
        f"  solver report on the same grid (+1e-9 i): {s.iterations} map evaluations, "
        f"residual {s.residual:.1e}"
    )

    c = 0.5
    xs = np.linspace(0, 3, 1_000_000)
    best_r, med_r, a = best_of(lambda: rmt.mp_density(xs, c))

    def bare():
        lo, hi = (1 - np.sqrt(c)) ** 2, (1 + np.sqrt(c)) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.sqrt((hi - xs) * (xs - lo)) / (2 * np.pi * c * xs)
        return np.where((xs > lo) & (xs < hi), r, 0.0)

    best_b, med_b, b = best_of(bare)
    print(
        f"MP pdf on 1e6 points: rmtlib {best_r * 1e3:.1f} ms (median {med_r * 1e3:.1f}), "
        f"bare NumPy {best_b * 1e3:.1f} ms (median {med_b * 1e3:.1f}); "
        f"ratio {best_r / best_b:.2f}; max |difference| {np.max(np.abs(a - b)):.1e}"
    )


if __name__ == "__main__":
    main()
