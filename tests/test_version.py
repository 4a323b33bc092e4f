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


def test_course_tooling_dependencies_are_declared():
    """Every third-party module the course tooling imports is pinned in the course extra."""
    import ast

    declared = " ".join(PROJECT["optional-dependencies"]["course"]).lower()
    # nbgrader brings its own dependencies (nbformat, nbclient, traitlets, sqlalchemy, ...).
    allowed = {"nbgrader", "nbformat", "nbclient", "traitlets", "sqlalchemy", "jupyter_client",
               "yaml", "numpy", "rmtlib"}
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
        for name in names - allowed:
            if (
                name in sys.stdlib_module_names
                or (ROOT / "tools" / f"{name}.py").exists()
                or (ROOT / "tools" / name).is_dir()
            ):
                continue
            assert name.lower() in declared, f"{path.name} imports {name}, not in the course extra"
