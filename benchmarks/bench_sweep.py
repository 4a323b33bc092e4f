"""Wall time of chapter 5's heaviest Monte-Carlo sweep on 1 and 2 Dask workers, and at research size.

The sweep is the finite-size figure of chapter 5 (fig-ridge-finite-size): ridge at γ = p/n = 2,
λ = 0.05, r² = 1, σ² = 0.25, 20 draws per size, seeds 100 + k for the k-th size, through
``rmt.simulate_ridge(..., executor=...)``, which gives the chapter's numbers whatever runs it
(checked below). The research sizes continue the doubling to n = 2560 (p = 5120) by default, on 1 and 2
workers, and write the figure's data to book/research_scale.json for the "At research scale"
page. The page's data: `--workers 2 --largest-reps 4` (20 draws up to n = 1280, 4 at n = 2560).

    .venv/bin/python benchmarks/bench_sweep.py                 # book sizes, then n up to 2560
    .venv/bin/python benchmarks/bench_sweep.py --largest 5120  # larger still (hours on 2 cores)
    .venv/bin/python benchmarks/bench_sweep.py --workers 2 --largest-reps 4   # the page's data
    .venv/bin/python benchmarks/bench_sweep.py --skip-research # book sizes only (a minute)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per worker: workers scale

import numpy as np  # noqa: E402

import rmtlib as rmt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GAMMA, LAM, R2, SIGMA2, REPS = 2.0, 0.05, 1.0, 0.25, 20
BOOK_NS = [20, 40, 80, 160, 320]


def sweep_at(n, k, executor, reps=REPS):
    """Excess risks of the chapter's k-th size (seed 100 + k), shape (reps,)."""
    p = round(GAMMA * n)
    return rmt.simulate_ridge(
        n, np.ones(p), np.full(p, R2 / p), LAM, SIGMA2, n_draws=reps, rng=100 + k, executor=executor
    ).excess_risk


def sweep(ns, executor, reps=REPS):
    """The chapter's loop over sizes: excess risks, shape (len(ns), reps)."""
    return np.array([sweep_at(n, k, executor, reps) for k, n in enumerate(ns)])


def timed(ns, executor, reps=REPS):
    t0 = time.perf_counter()
    risks = sweep(ns, executor, reps)
    return time.perf_counter() - t0, risks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--largest", type=int, default=2560, help="largest n of the research sweep")
    ap.add_argument("--largest-reps", type=int, default=REPS, help="draws at the largest n")
    ap.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="Dask workers for the research sizes"
    )
    ap.add_argument("--skip-research", action="store_true")
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; one BLAS thread per worker"
    )
    t_serial, ref = timed(BOOK_NS, None)
    print(f"chapter 5 sweep, n = {BOOK_NS[0]}..{BOOK_NS[-1]}, {REPS} draws each:")
    print(f"  here, batched (executor=None)     {t_serial:7.2f} s")
    clusters = {}
    for w in sorted({1, 2} | set(args.workers)):
        lc = LocalCluster(
            n_workers=w,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
        )
        client = Client(lc, set_as_default=False)
        client.wait_for_workers(w)
        sweep(BOOK_NS[:1], client, reps=2)  # warm the workers (imports)
        t, risks = timed(BOOK_NS, client)
        assert np.array_equal(risks, ref), "the Dask sweep must give the batched numbers"
        print(f"  Dask LocalCluster, {w} worker(s)     {t:7.2f} s   (same numbers: yes)")
        clusters[w] = (lc, client)
    if not args.skip_research:
        ns = list(BOOK_NS)
        while ns[-1] < args.largest:
            ns.append(2 * ns[-1])
        reps = [REPS] * (len(ns) - 1) + [args.largest_reps]
        print("research sizes (p = 2n), wall time per size:")
        runs, times = {}, {}
        for w in args.workers:
            runs[w], times[w] = [], []
            for k in range(len(BOOK_NS), len(ns)):
                t0 = time.perf_counter()
                runs[w].append(sweep_at(ns[k], k, clusters[w][1], reps[k]))
                times[w].append(time.perf_counter() - t0)
            print(
                f"  {w} worker(s): "
                + ", ".join(
                    f"n = {n} ({r} draws): {t:6.1f} s"
                    for n, r, t in zip(ns[len(BOOK_NS) :], reps[len(BOOK_NS) :], times[w])
                )
            )
        first = runs[args.workers[0]]
        assert all(all(np.array_equal(a, b) for a, b in zip(first, runs[w])) for w in runs)
        risks = list(ref) + first
        theory = rmt.ridge_risk(GAMMA, LAM, R2, SIGMA2).excess_risk
        data = {
            "about": "chapter 5 finite-size sweep (fig-ridge-finite-size) continued to research "
            "size by benchmarks/bench_sweep.py",
            "gamma": GAMMA,
            "lam": LAM,
            "r2": R2,
            "sigma2": SIGMA2,
            "seeds": [100 + k for k in range(len(ns))],
            "n": ns,
            "reps": reps,
            "mean": [round(float(np.mean(r)), 6) for r in risks],
            "std": [round(float(np.std(r)), 6) for r in risks],
            "theory_excess_risk": round(float(theory), 6),
        }
        out = ROOT / "book" / "research_scale.json"
        out.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")
    for lc, client in clusters.values():
        client.close()
        lc.close()


if __name__ == "__main__":
    main()
