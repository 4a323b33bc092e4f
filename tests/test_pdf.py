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
import warnings
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf" / "rmt-deep-learning.pdf"
LOG = ROOT / "_build" / "pdf" / "rmt-deep-learning.log"
TOC = ROOT / "_build" / "latex" / "rmt-deep-learning.toc"
TEX = ROOT / "_build" / "latex" / "rmt-deep-learning.tex"
OVERFULL_PT = 3.0
# Overflows already reported and being fixed in the chapters (each must still overflow: the test
# fails once one fits, so that the list only shrinks).
KNOWN_OVERFLOWS = {
    "chapters/13_synthesis:the-map-of-the-book": "the object/equivalent/function table: LaTeX "
    "cannot wrap its long function names (the site breaks them)",
    "book/api/glossary:names": "a table of parameter names",
}

NUMBER_WORDS = dict(
    enumerate(
        "zero one two three four five six seven eight nine ten eleven "
        "twelve thirteen fourteen fifteen sixteen seventeen".split()
    )
)

pytestmark = pytest.mark.build


def _tex_available():
    return all(shutil.which(t) for t in ("xelatex", "latexmk", "pdftotext", "pdfimages"))


@pytest.fixture(scope="session")
def pdf(built_site):  # after the site build, whose execution cache it reuses
    if not _tex_available():
        can_install = os.geteuid() == 0 or shutil.which("sudo")
        if (
            not can_install
            or subprocess.run(
                [str(ROOT / "tools" / "install_tex.sh")], capture_output=True
            ).returncode
            != 0
        ):
            pytest.skip(
                "TeX Live cannot be installed here (tools/install_tex.sh needs apt-get "
                "as root or with sudo): the PDF edition is not checked"
            )
    proc = subprocess.run([str(ROOT / "rmtbook"), "pdf"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 or not PDF.exists():
        pytest.fail(
            f"`./rmtbook pdf` failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}", pytrace=False
        )
    return PDF


def _text(path, *pages):
    args = ["pdftotext", "-enc", "UTF-8"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run(
        args + [str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


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
    rows = re.findall(
        r"\\contentsline \{chapter\}\{\\numberline \{(\d+)\}(.*?)\}\{(\d+)\}"
        r"\{chapter\.\d+\}",
        text,
    )
    return [
        (
            int(n),
            _squash(re.sub(r"\\[a-zA-Z]+ ?|[{}]", "", re.sub(r"\\sphinxhyphen *\{\}", "-", t))),
            int(p),
        )
        for n, t, p in rows
    ]


def _plain(s):
    """A title as pdftotext prints it: TeX markup gone, dashes and quotes as typed."""
    return _squash(re.sub(r"\$[^$]*\$", "", s).replace("*", "").replace("`", ""))


def test_every_chapter_is_there_numbered_in_the_order_of_the_toc(pdf):
    chapters, in_toc = _chapters(), _toc_chapters()
    assert [n for n, _, _ in in_toc] == list(range(1, len(chapters) + 1)), in_toc
    pages = [p for _, _, p in in_toc]
    assert pages == sorted(pages) and len(set(pages)) == len(pages), "chapters out of order"
    body, last = _squash(_text(pdf)).lower(), 0
    for (file, title), (num, toc_title, _) in zip(chapters, in_toc):
        words = " ".join(_plain(title).split()[:4]).lower()
        assert words in toc_title.lower(), (file, toc_title)
        # the heading, as fncychap sets it: "CHAPTER ONE" above the title
        at = body.find(f"chapter {NUMBER_WORDS[num]} {words}", last)
        assert at > last, f"no heading 'Chapter {num}' for {file} after chapter {num - 1}"
        last = at


def test_no_unresolved_reference(pdf):
    text = _text(pdf)
    bad = [m.start() for m in re.finditer(r"\?\?", text)]
    assert not bad, "unresolved references in the PDF: " + "; ".join(
        _squash(text[max(0, i - 60) : i + 20]) for i in bad[:10]
    )
    log = LOG.read_text(errors="replace")
    undefined = sorted(
        set(re.findall(r"(?:Reference|Citation) `([^']+)' on page \d+ undefined", log))
    )
    assert not undefined, f"LaTeX could not resolve: {undefined}"
    assert "There were undefined references" not in log


def _overfull_boxes():
    """[(points, label)] of LaTeX's overfull \\hbox reports, each named by the last \\label
    before it in the .tex (the equation, figure or section it is in)."""
    log = LOG.read_text(errors="replace")
    tex = TEX.read_text().splitlines()
    labels = [
        (i + 1, m.group(1) or m.group(2))
        for i, line in enumerate(tex)
        for m in [re.search(r"\\label\{(?:\\detokenize\{([^}]+)\}|([^\\}]+))\}", line)]
        if m
    ]
    out = []
    for width, a, b in re.findall(
        r"Overfull \\hbox \(([\d.]+)pt too wide\) "
        r"(?:in paragraph at lines (\d+)--\d+|detected at line (\d+))",
        log,
    ):
        line = int(a or b)
        name = max(((i, lab) for i, lab in labels if i <= line), default=(0, f"line {line}"))[1]
        out.append((float(width), name))
    return out


def test_no_line_of_text_runs_into_the_margin(pdf):
    wide = [(w, name) for w, name in _overfull_boxes() if w > OVERFULL_PT]
    new = [(w, name) for w, name in wide if name not in KNOWN_OVERFLOWS]
    assert not new, (
        f"{len(new)} line(s) run more than {OVERFULL_PT} pt into the margin "
        "(_build/pdf/rmt-deep-learning.log): "
        + "; ".join(f"{w:.1f} pt in {name}" for w, name in new[:15])
    )
    fixed = set(KNOWN_OVERFLOWS) - {name for _, name in wide}
    assert not fixed, f"these fit the page now: remove them from KNOWN_OVERFLOWS: {sorted(fixed)}"
    for w, name in wide:
        warnings.warn(
            f"PDF: {name} runs {w:.1f} pt into the margin ({KNOWN_OVERFLOWS[name]})", stacklevel=2
        )


def test_every_figure_and_panel_frame_is_in_the_pdf(pdf):
    figures = 0
    for file, _ in _chapters():
        nb = json.loads((ROOT / (file + ".ipynb")).read_text())
        figures += sum(
            "image/png" in o.get("data", {})
            for c in nb["cells"]
            if c["cell_type"] == "code"
            for o in c.get("outputs", [])
        )
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    images = [row for row in listing if row.split()[2] == "image"]
    assert len(images) >= figures > 0, f"{len(images)} images in the PDF for {figures} figures"
    if "VBox(children" in _text(pdf):
        framed = all(
            "image/png" in o.get("data", {})
            for file, _ in _chapters()
            for c in json.loads((ROOT / (file + ".ipynb")).read_text())["cells"]
            for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        )
        if not framed:
            pytest.xfail(
                "the committed panels carry no image/png of their default frame yet, "
                "so LaTeX can only print their repr"
            )
        pytest.fail("a panel printed as its Python repr, not its figure")


def test_theorems_exercises_solutions_and_bibliography_are_typeset(pdf):
    text = _squash(_text(pdf))
    for block in ("Theorem", "Exercise", "Solution to Exercise", "Bibliography"):
        assert block in text, f"no {block!r} block in the PDF"
    assert re.search(r"\(\d+\.\d+\)", text), "no numbered equation (chapter.number)"
    assert "Liao" in text and "Mahoney" in text, "the bibliography does not list the main source"
