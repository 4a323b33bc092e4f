"""Shared fixtures (the built site, built once per test session) and the marks that let a
selection leave the expensive groups out (the markers are declared in pyproject.toml)."""

from __future__ import annotations

import fcntl
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run, so that CI on a clean clone is
# reproducible (a random draw once found c = 0.99999 where the test's own quadrature, not the
# library, was too coarse: a red CI for nothing a change did). To explore new examples locally:
# HYPOTHESIS_PROFILE=explore ./rmtbook test --fast
settings.register_profile("book", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "book"))
SITE = ROOT / "_build" / "html"


def _work_unit(nodeid: str) -> str:
    """What a test must share a worker with: its file's session fixtures, its notebook's kernel."""
    path = nodeid.split("::", 1)[0]
    shared = path in ("tests/test_site.py", "tests/test_pdf.py", "tests/test_course.py")
    return path if shared or path.endswith(".ipynb") else nodeid


def pytest_xdist_make_scheduler(config, log):
    """`./rmtbook test` runs on every core with ``--dist loadgroup``, grouped by ``_work_unit``.

    pytest-xdist's own loadgroup reads ``xdist_group`` marks by appending the group to each node
    id, which pytest 9 ignores (node ids are no longer stored as strings), so the groups would
    be silently split; this scheduler takes them from the paths instead. Largest units first
    (the site tests, the course, the notebooks, the PDF tests), then single tests. The book is
    built once for all workers (:func:`built_site`).
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _work_unit(nodeid)

    return BookScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Mark by what a test needs, so that `-m "not build and not course"` skips the book build.

    `build`: every test that uses the built site (directly or through another fixture);
    `course`: the graded-assignment tooling (tests/test_course.py, nbgrader kernels);
    `nbval`: the strict output comparison of the chapter notebooks;
    `slow`: the tests tests/slow_tests.txt lists (measured by tools/measure_test_times.py).
    """
    measured_slow = {
        line.split()[0]
        for line in (ROOT / "tests" / "slow_tests.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    for item in items:
        path = Path(str(item.path))
        if item.nodeid in measured_slow:
            item.add_marker(pytest.mark.slow)
        if "built_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.build)
        if path.name == "test_course.py":
            item.add_marker(pytest.mark.course)
        if path.suffix == ".ipynb":
            item.add_marker(pytest.mark.nbval)


@contextmanager
def _book_lock():
    """One book build at a time across the parallel workers of a test run."""
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".test-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def built_site(request):
    """Build the book exactly as the README's build command does; fail with the log tail.

    Under pytest-xdist the first worker that needs the site builds it and the others wait for
    it and reuse it (the run's id in ``_build/.test-build-run`` says this run built it): a second
    build would delete the site under the tests reading it.
    """
    run = getattr(request.config, "workerinput", {}).get("testrunuid")
    stamp = ROOT / "_build" / ".test-build-run"
    with _book_lock():
        done = stamp.read_text().split() if run and stamp.exists() else []
        if done[:1] == [run]:
            if done[1:] != ["ok"]:
                pytest.fail(
                    "`./rmtbook build` failed on another worker: see its error", pytrace=False
                )
            return SITE
        proc = subprocess.run(
            [str(ROOT / "rmtbook"), "build"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if run:
            stamp.write_text(f"{run} {'ok' if proc.returncode == 0 else 'failed'}\n")
    if proc.returncode != 0:
        log = ROOT / "_build" / "build.log"
        tail = log.read_text()[-6000:] if log.exists() else ""
        pytest.fail(
            f"`./rmtbook build` failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}\n"
            f"--- end of _build/build.log ---\n{tail}",
            pytrace=False,
        )
    return SITE
