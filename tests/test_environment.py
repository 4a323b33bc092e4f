"""Offline checks of what Binder and a fresh machine will install."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import launch_links  # noqa: E402

SELF = "rmtlib"


def _env():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def test_environment_yml_has_python_311_pip_and_one_pip_list():
    env = _env()
    deps = env["dependencies"]
    assert "python=3.11" in deps, "Binder must build Python 3.11, the version the book is pinned on"
    assert "pip" in deps
    pip_lists = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1 and pip_lists[0], "exactly one non-empty pip: list"
    assert any(line.startswith("-e .[") for line in pip_lists[0]), (
        "the pip list must install this project (with its extras) so pyproject stays the one source"
    )


def test_pyproject_pins_every_dependency_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    # pyyaml floats with the toolchain; "rmtlib[extra]" is this project's own extra (pinned there)
    loose = [r for r in reqs if "==" not in r and r != "pyyaml" and not r.startswith(SELF + "[")]
    assert not loose, f"unpinned requirements: {loose}"
    assert "jupyter-book==1.0.4.post1" in project["optional-dependencies"]["book"], (
        "Jupyter Book 1 on purpose (JB2 downloads its theme at build time)"
    )


def test_no_binder_folder_shadows_environment_yml():
    assert not (ROOT / "binder").exists(), "repo2docker would ignore the top-level environment.yml"


def _binder_extras():
    (pip_list,) = [d["pip"] for d in _env()["dependencies"] if isinstance(d, dict)]
    (line,) = [ln for ln in pip_list if ln.startswith("-e .[")]
    return set(line[len("-e .[") : -1].split(","))


def _requirements(extras):
    """Every requirement the extras pull in, following this project's own "rmtlib[x]" entries."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo, seen, reqs = list(extras), set(), list(project["dependencies"])
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        assert extra in project["optional-dependencies"], f"unknown extra {extra!r}"
        for r in project["optional-dependencies"][extra]:
            if r.startswith(SELF + "["):
                todo += r[len(SELF) + 1 : -1].split(",")
            else:
                reqs.append(r)
    return {re.split(r"[=<>\[ ;]", r)[0].lower() for r in reqs}


def test_binder_installs_the_readers_environment_not_the_course_tools():
    extras = _binder_extras()
    assert extras == {"book", "lab"}, (
        f"Binder's extras should be the reader's (book, lab): {extras}"
    )
    names = _requirements(extras)
    assert {"jupyterlab", "ipywidgets", "ipykernel", "numpy"} <= names
    assert "nbgrader" not in names, (
        "nbgrader's menus and sidebar are the instructors', not Binder's"
    )
    assert "nbgrader" in _requirements({"course"}), "the course extra must still carry nbgrader"


def test_the_repository_url_is_written_once_and_every_launch_link_is_built_from_it():
    slug, branch, hub = launch_links.repository()
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", slug) and branch and hub.startswith("https://")
    readme = (ROOT / "README.md").read_text()
    assert launch_links.readme_badge() in readme.splitlines(), (
        "README's Binder badge is not built from _config.yml's repository.url; run "
        "`.venv/bin/python tools/launch_links.py --write`"
    )
    # the one place: no other file of the book names the repository
    for path in [
        ROOT / "README.md",
        ROOT / "environment.yml",
        ROOT / "pyproject.toml",
        *(ROOT / "book").glob("*.md"),
        *(ROOT / "chapters").glob("*.ipynb"),
    ]:
        text = path.read_text()
        assert f"github.com/{slug}" not in text, f"{path.name} repeats the repository URL"
        other = set(re.findall(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)", text)) - {slug}
        assert not other, f"{path.name} launches another repository: {other}"
    cfg = (ROOT / "_config.yml").read_text()
    assert cfg.count(slug) == 1, "_config.yml must name the repository once (repository.url)"


def test_the_launch_link_follows_the_configured_repository(tmp_path):
    cfg = (ROOT / "_config.yml").read_text()
    slug, branch, _ = launch_links.repository()
    moved = tmp_path / "_config.yml"
    moved.write_text(
        cfg.replace(slug, "someone/elsewhere").replace(f"branch: {branch}", "branch: published")
    )
    assert launch_links.binder_url("chapters/01_proportional_regime.ipynb", moved) == (
        "https://mybinder.org/v2/gh/someone/elsewhere/published"
        "?urlpath=lab/tree/chapters/01_proportional_regime.ipynb"
    )
    moved.write_text(cfg.replace(f"https://github.com/{slug}", "https://gitlab.com/a/b"))
    with pytest.raises(ValueError, match="repository.url"):
        launch_links.repository(moved)


@pytest.mark.slow
def test_environment_pip_section_resolves(tmp_path):
    # conda hands the pip list to pip as a requirements file; do the same.
    (pip_list,) = [d["pip"] for d in _env()["dependencies"] if isinstance(d, dict)]
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("\n".join(pip_list) + "\n")
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--ignore-installed",
            "--report",
            str(report),
            "-r",
            str(reqs),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    errors = "\n".join(l for l in proc.stderr.splitlines() if not l.startswith("WARNING: Location"))
    assert proc.returncode == 0, f"pip cannot resolve environment.yml's pip list:\n{errors[-3000:]}"
    names = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert {"jupyterlab", "jupyter-book", "rmtlib"} <= names
    assert "nbgrader" not in names, "Binder would install the course tools"
