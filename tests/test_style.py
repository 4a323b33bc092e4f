"""The repository is ruff-clean: lint and format, with the configuration in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.style


def _ruff(*args):
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is in the test extra (./rmtbook setup installs it)"
    return subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_check_is_clean():
    proc = _ruff("check", "--no-cache", "--output-format", "concise", ".")
    assert proc.returncode == 0, f"ruff check found problems:\n{proc.stdout[-6000:]}{proc.stderr}"


def test_ruff_format_is_clean():
    proc = _ruff("format", "--no-cache", "--check", "--diff", ".")
    assert proc.returncode == 0, (
        f"ruff format would change files:\n{proc.stdout[-6000:]}{proc.stderr}"
    )
