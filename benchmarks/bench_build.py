"""Benchmark: build the book from a cold execution cache and print the total and per-notebook times.

Usage: ``.venv/bin/python benchmarks/bench_build.py`` (after ``./rmtbook setup``). It deletes
``_build/`` first, so every notebook is executed, exactly as on a fresh clone. This is a
benchmark that prints numbers, not a test: nothing is asserted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run([str(ROOT / "rmtbook"), "build"], cwd=ROOT)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build failed after {total:.1f} s (see _build/build.log)")
    from jupyter_cache import get_cache

    cache = get_cache(ROOT / "_build" / ".jupyter_cache")
    rows = []
    for record in cache.list_cache_records():
        rows.append((Path(record.uri).name, record.data.get("execution_seconds", float("nan"))))
    print(f"\ncold build: {total:.1f} s in total")
    print(f"{'notebook':<40} {'execution (s)':>14}")
    for name, secs in sorted(rows):
        print(f"{name:<40} {secs:>14.1f}")
    print(f"{'sum of notebook executions':<40} {sum(s for _, s in rows):>14.1f}")


if __name__ == "__main__":
    main()
