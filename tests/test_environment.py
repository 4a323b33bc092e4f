"""Offline checks of what Binder and a fresh machine will install."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _env():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_environment_yml_has_python_311_pip_and_one_pip_list():
    env = _env()
    deps = env["dependencies"]
    assert "python=3.11" in deps, "Binder must build Python 3.11, the version the book is pinned on"
    assert "pip" in deps
    pip_lists = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1 and pip_lists[0], "exactly one non-empty pip: list"
    assert any(line.startswith("-e .[") for line in pip_lists[0]), \
        "the pip list must install this project (with its extras) so pyproject stays the one source"


def test_pyproject_pins_every_dependency_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                      for r in extra]
    loose = [r for r in reqs if "==" not in r and r != "pyyaml"]
    assert not loose, f"unpinned requirements: {loose}"
    assert "jupyter-book==1.0.4.post1" in project["optional-dependencies"]["book"], \
        "Jupyter Book 1 on purpose (JB2 downloads its theme at build time)"


def test_no_binder_folder_shadows_environment_yml():
    assert not (ROOT / "binder").exists(), "repo2docker would ignore the top-level environment.yml"


@pytest.mark.slow
def test_environment_pip_section_resolves(tmp_path):
    # conda hands the pip list to pip as a requirements file; do the same.
    (pip_list,) = [d["pip"] for d in _env()["dependencies"] if isinstance(d, dict)]
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("\n".join(pip_list) + "\n")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
                           "--ignore-installed", "-r", str(reqs)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    errors = "\n".join(l for l in proc.stderr.splitlines() if not l.startswith("WARNING: Location"))
    assert proc.returncode == 0, f"pip cannot resolve environment.yml's pip list:\n{errors[-3000:]}"
