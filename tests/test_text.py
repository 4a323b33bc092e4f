"""Reader-grade text: what a reader of a chapter must never meet, checked on the notebooks.

The browser check (test_site.py) sees the rendered page; these checks read the source, so they
run in the fast loop and name the cell to fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))
HIDDEN = {"hide-input", "remove-input", "remove-cell", "hide-cell"}
# "About 15 lines" (issue 11): a figure cell may run a few lines over; 20 is the hard limit.
MAX_LINES, MAX_CHARS = 20, 88

DOUBLED = re.compile(
    r"\b(Definition|Theorem|Proposition|Lemma|Corollary|Exercise|Figure|Fig\.|"
    r"Equation|Eq\.|Section|Chapter|Assumption|Remark)\s+\{(prf:ref|numref|ref)\}"
)
PRODUCTION = re.compile(r"book plan|BOOK_PLAN|RECONSTRUCTED|\breconstructed\b|from memory", re.I)
ROUND_OFF = re.compile(r"(?<!below )(?<![\w.])\d(?:\.\d+)?e-(1[2-9]|[2-9]\d)\b")
# One notation (book/notation.md): the sample covariance is \hat C, never \hat\Sigma; the
# dimension-to-sample ratio is c = p/n, never gamma = p/n or c = n/p.
NOTATION = [
    (re.compile(r"\\hat\s*\\Sigma"), "the sample covariance is \\hat C"),
    (re.compile(r"\\gamma\s*=\s*p\s*/\s*n"), "p/n is c, not \\gamma"),
    (re.compile(r"\bc\s*=\s*n\s*/\s*p\b"), "c is p/n; write n/p = 1/c"),
]


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _markdown(path):
    return [
        (i, "".join(c["source"]))
        for i, c in enumerate(_cells(path))
        if c["cell_type"] == "markdown"
    ]


def _texts():
    for path in CHAPTERS:
        for i, text in _markdown(path):
            yield f"{path.name} cell {i}", text
    for path in PAGES:
        yield path.name, path.read_text()


@pytest.mark.parametrize(
    "pattern,why",
    [
        (DOUBLED, "doubled reference word (the role writes it)"),
        (PRODUCTION, "production note in reader text"),
    ],
)
def test_no_doubled_reference_words_or_production_notes(pattern, why):
    bad = [f"{where}: {m.group(0)!r}" for where, text in _texts() for m in pattern.finditer(text)]
    assert not bad, f"{why}: {bad}"


def test_one_notation_across_chapters():
    bad = [
        f"{where}: {m.group(0)!r} ({why})"
        for where, text in _texts()
        for pattern, why in NOTATION
        for m in pattern.finditer(text)
    ]
    assert not bad, f"notation that book/notation.md does not use: {bad}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_visible_code_cells_are_short(path):
    long = []
    for i, c in enumerate(_cells(path)):
        if c["cell_type"] != "code" or HIDDEN & set(c["metadata"].get("tags", [])):
            continue
        lines = "".join(c["source"]).splitlines()
        wide = [len(line) for line in lines if len(line) > MAX_CHARS]
        if len(lines) > MAX_LINES or wide:
            long.append(f"cell {i}: {len(lines)} lines, widest {max(map(len, lines))} chars")
    assert not long, (
        f"{path.name}: visible code cells over {MAX_LINES} lines or {MAX_CHARS} "
        f"characters (plumbing belongs in rmtlib or a hide-input cell): {long}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_round_off_level_number_is_printed(path):
    bad = []
    for i, c in enumerate(_cells(path)):
        for o in c.get("outputs", []) if c["cell_type"] == "code" else []:
            text = "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
            bad += [f"cell {i}: {m.group(0)}" for m in ROUND_OFF.finditer(text)]
    assert not bad, (
        f"{path.name}: numbers at round-off level differ between CPUs (print "
        f"'below 1e-12' or round): {bad}"
    )
