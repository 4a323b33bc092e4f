"""The PDF edition: `./rmtbook pdf` builds the whole book through LaTeX into _build/pdf/.

Checked on the PDF itself (poppler's pdftotext and pdfimages) and on LaTeX's own records (the .toc
and the .log): every chapter, in the order of _toc.yml, numbered; no unresolved reference ("??" in
the text, or LaTeX's undefined-reference warnings); every figure of the notebooks; theorem,
exercise and solution blocks; the bibliography; and no line of text running into the margin:
LaTeX's overfull-box report, with a threshold of OVERFULL_PT (about 1 mm; TeX reports anything
over 0.1 pt, most of which nobody can see).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf" / "rmt-deep-learning.pdf"
LOG = ROOT / "_build" / "pdf" / "rmt-deep-learning.log"
TOC = ROOT / "_build" / "latex" / "rmt-deep-learning.toc"
OVERFULL_PT = 3.0

pytestmark = pytest.mark.build


def _tex_available():
    return all(shutil.which(t) for t in ("xelatex", "latexmk", "pdftotext", "pdfimages"))


@pytest.fixture(scope="session")
def pdf():
    if not _tex_available():
        can_install = os.geteuid() == 0 or shutil.which("sudo")
        if not can_install or subprocess.run([str(ROOT / "tools" / "install_tex.sh")],
                                             capture_output=True).returncode != 0:
            pytest.skip("TeX Live cannot be installed here (tools/install_tex.sh needs apt-get "
                        "as root or with sudo): the PDF edition is not checked")
    proc = subprocess.run([str(ROOT / "rmtbook"), "pdf"], cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode != 0 or not PDF.exists():
        pytest.fail(f"`./rmtbook pdf` failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}",
                    pytrace=False)
    return PDF


def _text(path, *pages):
    args = ["pdftotext", "-enc", "UTF-8"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _squash(s):
    return re.sub(r"\s+", " ", s).strip()


def _chapters():
    """(file, title) of every numbered chapter, in _toc.yml order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    out = []
    for part in toc["parts"]:
        if not part.get("numbered"):
            continue
        for ch in part["chapters"]:
            nb = json.loads((ROOT / (ch["file"] + ".ipynb")).read_text())
            first = "".join(nb["cells"][0]["source"])
            out.append((ch["file"], re.search(r"^# (.+)$", first, re.M).group(1).strip()))
    return out


def _toc_chapters():
    """[(number, title, page)] of the chapters in LaTeX's table of contents."""
    text = TOC.read_text()
    rows = re.findall(r"\\contentsline \{chapter\}\{\\numberline \{(\d+)\}(.*?)\}\{(\d+)\}"
                      r"\{chapter\.\d+\}", text)
    return [(int(n), _squash(re.sub(r"\\[a-zA-Z]+ ?|[{}]", "", t)), int(p)) for n, t, p in rows]


def _plain(s):
    """A title as pdftotext prints it: TeX markup gone, dashes and quotes as typed."""
    return _squash(re.sub(r"\$[^$]*\$", "", s).replace("*", "").replace("`", ""))


def test_every_chapter_is_there_numbered_in_the_order_of_the_toc(pdf):
    chapters, in_toc = _chapters(), _toc_chapters()
    assert [n for n, _, _ in in_toc] == list(range(1, len(chapters) + 1)), in_toc
    pages = [p for _, _, p in in_toc]
    assert pages == sorted(pages) and len(set(pages)) == len(pages), "chapters out of order"
    for (file, title), (num, toc_title, page) in zip(chapters, in_toc):
        words = _plain(title).split()[:4]
        assert " ".join(words).lower() in toc_title.lower(), (file, toc_title)
        on_page = _squash(_text(pdf, page, page + 1)).lower()
        assert f"chapter {num}" in on_page and " ".join(words).lower() in on_page, \
            f"chapter {num} ({file}) does not start on page {page}"


def test_no_unresolved_reference(pdf):
    text = _text(pdf)
    bad = [m.start() for m in re.finditer(r"\?\?", text)]
    assert not bad, "unresolved references in the PDF: " + "; ".join(
        _squash(text[max(0, i - 60):i + 20]) for i in bad[:10])
    log = LOG.read_text(errors="replace")
    undefined = sorted(set(re.findall(r"(?:Reference|Citation) `([^']+)' on page \d+ undefined",
                                      log)))
    assert not undefined, f"LaTeX could not resolve: {undefined}"
    assert "There were undefined references" not in log


def test_no_line_of_text_runs_into_the_margin(pdf):
    log = LOG.read_text(errors="replace")
    boxes = [(float(w), where) for w, where in
             re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) (.*)", log)]
    wide = [(w, where) for w, where in boxes if w > OVERFULL_PT]
    assert not wide, (f"{len(wide)} line(s) run more than {OVERFULL_PT} pt into the margin "
                      f"(_build/pdf/rmt-deep-learning.log): "
                      + "; ".join(f"{w:.1f} pt {where}" for w, where in wide[:15]))


def test_every_figure_and_panel_frame_is_in_the_pdf(pdf):
    figures = 0
    for file, _ in _chapters():
        nb = json.loads((ROOT / (file + ".ipynb")).read_text())
        figures += sum("image/png" in o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code"
                       for o in c.get("outputs", []))
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    images = [row for row in listing if row.split()[2] == "image"]
    assert len(images) >= figures > 0, f"{len(images)} images in the PDF for {figures} figures"
    assert "VBox(children" not in _text(pdf), "a panel printed as its Python repr, not its figure"


def test_theorems_exercises_solutions_and_bibliography_are_typeset(pdf):
    text = _squash(_text(pdf))
    for block in ("Theorem", "Exercise", "Solution to Exercise", "Bibliography"):
        assert block in text, f"no {block!r} block in the PDF"
    assert re.search(r"\(\d+\.\d+\)", text), "no numbered equation (chapter.number)"
    assert "Liao" in text and "Mahoney" in text, "the bibliography does not list the main source"
