"""The entry point reports bad setup clearly instead of half-working."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sandbox(tmp_path, tools):
    """A copy of the entry point with a PATH that holds only the given tools."""
    shutil.copy(ROOT / "rmtbook", tmp_path / "rmtbook")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        os.symlink(shutil.which(tool), bin_dir / tool)
    return {"PATH": str(bin_dir), "HOME": str(tmp_path)}


def test_missing_python_311_stops_with_instructions(tmp_path):
    env = _sandbox(tmp_path, ["bash", "sha256sum", "cut", "cat", "dirname", "rm"])
    proc = subprocess.run([shutil.which("bash"), "rmtbook", "build"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Python 3.11 was not found" in proc.stderr and "Install Python 3.11" in proc.stderr
    assert not (tmp_path / "_build").exists(), "nothing may be built without an environment"


def test_unknown_command_prints_usage_and_fails(tmp_path):
    proc = subprocess.run([str(ROOT / "rmtbook"), "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2 and "./rmtbook build" in proc.stdout
