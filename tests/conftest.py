"""Shared fixtures: the built site (built once per test session) and its pages in Chromium."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def built_site():
    """Build the book exactly as the README's build command does; fail with the log tail."""
    proc = subprocess.run([str(ROOT / "rmtbook"), "build"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode != 0:
        log = (ROOT / "_build" / "build.log")
        tail = log.read_text()[-6000:] if log.exists() else ""
        pytest.fail(f"`./rmtbook build` failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}\n"
                    f"--- end of _build/build.log ---\n{tail}", pytrace=False)
    return SITE
