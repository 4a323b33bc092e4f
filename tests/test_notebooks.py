"""Guards on the committed chapter notebooks (nbval passes an unexecuted notebook silently)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_BYTES = 1_500_000


def _code_cells(path):
    nb = json.loads(path.read_text())
    return nb, [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_chapters_exist_and_are_numbered():
    assert CHAPTERS, "no chapter notebooks"
    for nb in CHAPTERS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", nb.name), f"{nb.name}: use NN_name.ipynb"


def test_every_chapter_is_in_the_table_of_contents_and_vice_versa():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {ch["file"] for part in toc["parts"] for ch in part["chapters"]}
    listed = {f for f in files if f.startswith("chapters/")}
    present = {f"chapters/{nb.stem}" for nb in CHAPTERS}
    assert listed == present, f"_toc.yml and chapters/ disagree: {listed ^ present}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_fully_executed_top_to_bottom(path):
    _, cells = _code_cells(path)
    counts = [c.get("execution_count") for c in cells]
    assert all(counts), f"{path.name}: unexecuted code cells (run ./rmtbook execute {path})"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not one top-to-bottom run"
    )
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, f"{path.name}: a committed output is an error"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_small_and_uses_png_figures(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    _, cells = _code_cells(path)
    for c in cells:
        for o in c.get("outputs", []):
            assert "image/svg+xml" not in o.get("data", {}), f"{path.name}: SVG output (use PNG)"
            text = "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
            assert len(text) < 5000, f"{path.name}: a printed output of {len(text)} characters"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_widget_cells_are_saved_and_excluded_from_nbval(path):
    nb, cells = _code_cells(path)
    widget_cells = [
        c
        for c in cells
        if any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            for o in c.get("outputs", [])
        )
    ]
    for c in widget_cells:
        assert "nbval-ignore-output" in c["metadata"].get("tags", []), (
            f"{path.name}: widget cell not tagged nbval-ignore-output:\n{''.join(c['source'])[:200]}"
        )
        assert "continuous_update=True" not in "".join(c["source"])
    if widget_cells:
        state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
        assert state and state.get("state"), (
            f"{path.name}: widget state not stored (static page empty)"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_seeded_and_styled(path):
    _, cells = _code_cells(path)
    src = "\n".join("".join(c["source"]) for c in cells)
    assert not re.search(
        r"np\.random\.(seed|rand|randn|normal|uniform|choice|standard_normal)\(", src
    ), f"{path.name}: global NumPy random state (pass rng=seed to rmtlib)"
    assert "rmt.use_book_style()" in src, f"{path.name}: the house style is not set"
