"""The API reference (book/api/) documents every public name of every rmtlib module."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import rmtlib

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "book" / "api"
MODULES = sorted(
    m.name for m in pkgutil.iter_modules(rmtlib.__path__) if not m.name.startswith("_")
)


def test_every_module_has_a_page_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    (part,) = [p for p in toc["parts"] if p["caption"] == "API reference"]
    (index,) = part["chapters"]
    pages = {s["file"] for s in index["sections"]}
    assert index["file"] == "book/api/index"
    assert pages == {f"book/api/{m}" for m in MODULES} | {"book/api/glossary"}


@pytest.mark.parametrize("name", MODULES)
def test_page_lists_and_documents_exactly_the_public_names(name):
    text = (API / f"{name}.md").read_text()
    public = list(importlib.import_module(f"rmtlib.{name}").__all__)
    assert f".. automodule:: rmtlib.{name}" in text
    summary = re.search(r"\.\. autosummary::\n(?:   :\w+:.*\n)*\n((?:   \w+\n)+)", text)
    assert summary, "the page opens with an autosummary table"
    assert summary.group(1).split() == public, "the summary table follows the module's __all__"
    documented = re.findall(r"^\.\. auto(?:function|class|data):: (\w+)$", text, re.M)
    assert documented == public, "every public name has its entry, in __all__ order"
