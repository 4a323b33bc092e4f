"""The version is stated once (pyproject.toml) and every tool the code imports is declared."""

from __future__ import annotations

import tomllib
from pathlib import Path

import rmtlib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_version_is_read_from_the_package_metadata():
    assert rmtlib.__version__ == PROJECT["version"]
    assert PROJECT["version"] not in (ROOT / "rmtlib" / "__init__.py").read_text()


def test_course_tooling_dependencies_are_declared():
    course = " ".join(PROJECT["optional-dependencies"]["course"])
    assert "import psutil" in (ROOT / "tools" / "course.py").read_text()
    assert "psutil==" in course
