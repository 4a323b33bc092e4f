"""The version is stated once (pyproject.toml) and every tool the code imports is declared."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import rmtlib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_version_is_read_from_the_package_metadata():
    assert rmtlib.__version__ == PROJECT["version"]
    assert PROJECT["version"] not in (ROOT / "rmtlib" / "__init__.py").read_text()


def test_course_tooling_dependencies_are_installed_by_the_project():
    """Every module the course tooling imports comes with the project's extras (nbgrader and
    its dependencies, the book's toolchain) or the standard library: nothing installed by hand."""
    import ast
    import importlib.util

    for path in (ROOT / "tools").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        }
        names |= {
            n.module.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.level == 0
        }
        local = {p.stem for p in path.parent.glob("*.py")} | {"grading"}
        for name in names - local - set(sys.stdlib_module_names):
            assert importlib.util.find_spec(name), f"{path.name} imports {name}, not installed"
