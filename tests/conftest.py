"""Shared fixtures (the built site, built once per test session) and the marks that let a
selection leave the expensive groups out (the markers are declared in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
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


# First, so that the node ids are read before pytest-xdist appends the group names to them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark by what a test needs, so that `-m "not build and not course"` skips the book build.

    `build`: every test that uses the built site (directly or through another fixture);
    `course`: the graded-assignment tooling (tests/test_course.py, nbgrader kernels);
    `nbval`: the strict output comparison of the chapter notebooks;
    `slow`: the tests tests/slow_tests.txt lists (measured by tools/measure_test_times.py).

    Each of the first three also gets an ``xdist_group``, so that under ``--dist loadgroup``
    (how `./rmtbook test` runs) one worker builds the book once and runs every test of the
    site and the PDF, one worker sets up the course, and one worker runs a notebook's cells in
    order in one kernel; the other tests go to whichever worker is free.
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
        # the site and the PDF share the book's execution cache: one worker, one after the other
        if item.get_closest_marker("build"):
            item.add_marker(pytest.mark.xdist_group("build"))
        elif item.get_closest_marker("course"):
            item.add_marker(pytest.mark.xdist_group("course"))
        elif path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(f"nbval-{path.stem}"))


@pytest.fixture(scope="session")
def built_site():
    """Build the book exactly as the README's build command does; fail with the log tail."""
    proc = subprocess.run(
        [str(ROOT / "rmtbook"), "build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if proc.returncode != 0:
        log = ROOT / "_build" / "build.log"
        tail = log.read_text()[-6000:] if log.exists() else ""
        pytest.fail(
            f"`./rmtbook build` failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}\n"
            f"--- end of _build/build.log ---\n{tail}",
            pytrace=False,
        )
    return SITE
