"""The entry point reports bad setup clearly instead of half-working."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

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
    env = _sandbox(tmp_path, ["bash", "cksum", "cut", "cat", "dirname", "rm"])
    proc = subprocess.run(
        [shutil.which("bash"), "rmtbook", "build"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "Python 3.11 was not found" in proc.stderr and "Install Python 3.11" in proc.stderr
    assert not (tmp_path / "_build").exists(), "nothing may be built without an environment"


def test_unknown_command_prints_usage_and_fails(tmp_path):
    proc = subprocess.run([str(ROOT / "rmtbook"), "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2 and "./rmtbook build" in proc.stdout


# The build's failure path, exercised with a stub environment (every python call succeeds) and a
# fake jupyter-book that fails after leaving a half-built site behind.
BUILD_TOOLS = [
    "bash",
    "cat",
    "cksum",
    "cut",
    "dirname",
    "find",
    "grep",
    "mkdir",
    "mv",
    "rm",
    "sed",
    "tail",
]


def _stub_sandbox(tmp_path, fake_book="#!/bin/sh\nexit 0\n"):
    env = _sandbox(tmp_path, BUILD_TOOLS)
    stub = "#!/bin/sh\nexit 0\n"
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for path, text in [
        (tmp_path / "bin" / "python3.11", stub),
        (venv_bin / "python", stub),
        (venv_bin / "jupyter-book", fake_book),
    ]:
        path.write_text(text)
        path.chmod(0o755)
    return lambda *args: subprocess.run(
        [shutil.which("bash"), "rmtbook", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _failing_build(tmp_path, output):
    fake_book = (
        "#!/bin/sh\nmkdir -p _build/html/reports\necho '<html>' > _build/html/index.html\n"
        "echo 'Traceback: the kernel died' > _build/html/reports/ch01.err.log\n"
        f"cat <<'LOG'\n{output}\nLOG\nexit 1\n"
    )
    return _stub_sandbox(tmp_path, fake_book)("build")


def test_setup_reinstalls_only_when_pyproject_changes_without_sha256sum(tmp_path):
    rmtbook = _stub_sandbox(tmp_path)

    def installs():
        return "installing the pinned toolchain" in rmtbook("setup").stdout

    assert installs(), "a fresh .venv has no stamp"
    assert not installs(), "an unchanged pyproject.toml reuses the environment"
    with open(tmp_path / "pyproject.toml", "a") as f:
        f.write("\n# a new pin\n")
    assert installs(), "a changed pyproject.toml reinstalls"


@pytest.mark.parametrize(
    "output",
    ["Running Sphinx v7.4.7\nKilled", "WARNING: Location of the installed package"],
    ids=["no-warning-line", "only-filtered-warnings"],
)
def test_failed_build_without_warning_lines_still_explains_and_cleans_up(tmp_path, output):
    proc = _failing_build(tmp_path, output)
    assert proc.returncode == 1
    assert "the book build failed" in proc.stderr, f"silent failure:\n{proc.stderr}"
    assert output.splitlines()[-1] in proc.stderr, (
        "the end of the log is shown when no line matched"
    )
    assert "the kernel died" in proc.stderr, "the failed notebook's traceback is shown"
    assert not (tmp_path / "_build" / "html").exists(), "a half-built site was left behind"
    assert (tmp_path / "_build" / "reports" / "ch01.err.log").exists()


def test_failed_build_shows_its_warnings(tmp_path):
    proc = _failing_build(
        tmp_path,
        "reading sources...\n"
        "chapters/01.ipynb:3: WARNING: undefined label 'eq-mp'\n"
        "build finished with problems",
    )
    assert proc.returncode == 1 and "the book build failed" in proc.stderr
    assert "WARNING: undefined label 'eq-mp'" in proc.stderr
    assert not (tmp_path / "_build" / "html").exists()
