"""Execute the chapter notebooks several at a time into the build's cache, before Sphinx reads them.

Jupyter Book 1 executes notebooks while Sphinx reads them, one after another: one extension of the
toolchain (sphinx-multitoc-numbering) does not declare itself safe for parallel reading, so Sphinx
reads serially, and on two cores half the machine idles through the slowest part of the build.
This step runs every chapter whose code has no entry in ``_build/.jupyter_cache`` through the same
executor myst-nb uses (jupyter-cache's ``single_nb_execution``, with the timeout from
``_config.yml``), ``RMTBOOK_JOBS`` at a time (default: the CPUs this process may use), and stores
each result the way myst-nb does, so the build then finds every chapter cached.

A notebook that fails here is not cached: the build executes it again and reports its traceback
through the usual path (``./rmtbook build`` prints it and publishes nothing).

Usage (``./rmtbook build`` calls it): ``python tools/warm_cache.py [NOTEBOOK ...]``
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"


def _jobs() -> int:
    raw = os.environ.get("RMTBOOK_JOBS", "")
    if not raw:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not raw.isdigit() or int(raw) < 1:
        sys.exit(f"rmtbook: RMTBOOK_JOBS must be a positive integer, got {raw!r}")
    return int(raw)


def _one_blas_thread():
    # Two kernels each running a multithreaded BLAS on two cores spin against each other (the
    # CPU time tripled when tried); one thread per kernel keeps every core busy with real work.
    # The committed outputs print nothing at round-off level, so they do not depend on this.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def _execute(path: Path, timeout: int):
    nb = nbformat.read(path, as_version=4)
    # myst-nb's settings for cache mode: local working directory, no errors allowed, notebook
    # metadata may override the timeout.
    result = single_nb_execution(
        nb, cwd=str(path.parent), timeout=timeout, allow_errors=False, meta_override=True
    )
    return nb, result.time, result.exc_string if result.err is not None else None


def _uncached(cache, paths):
    todo = []
    for path in paths:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    return todo


def main() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    timeout = int(config.get("execute", {}).get("timeout", 300))
    chapters = [Path(a).resolve() for a in sys.argv[1:]] or sorted(
        (ROOT / "chapters").glob("[0-9]*.ipynb")
    )
    cache = get_cache(str(CACHE))
    todo = _uncached(cache, chapters)
    if not todo:
        return 0
    jobs = min(_jobs(), len(todo))
    print(f"rmtbook: executing {len(todo)} chapter notebook(s), {jobs} at a time...", flush=True)
    start = time.perf_counter()
    initializer = _one_blas_thread if jobs > 1 else None
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer) as pool:
        futures = {path: pool.submit(_execute, path, timeout) for path in todo}
        for path, future in futures.items():
            nb, seconds, failure = future.result()
            if failure is not None:
                print(f"  {path.name}: failed; the build will run it again and report it")
                continue
            record = cache.add_nb_to_project(str(path))
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, record.uri, data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            print(f"  {path.name}: {seconds:.1f} s")
    print(f"rmtbook: chapters executed in {time.perf_counter() - start:.0f} s (wall)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
