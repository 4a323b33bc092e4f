"""The course edition: nbgrader student versions, grading into a CSV, student/instructor books.

Every assignment in assignments/source/ is checked end to end with nbgrader itself: its reference
solution scores full marks, the blank student version scores zero, and one deliberately wrong
answer loses exactly that question's points. Malformed submissions get zeros and a message
while the others are graded. The student edition of the book holds no solution text.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)

ASSIGNMENTS = course.assignments()

# One deliberately wrong answer per assignment: (answer cell, its wrong source, question lost).
WRONG = {
    "a1_spectra": ("q2_answer", "second_moment = 5.0\nzero_fraction = 0.6", "q2_moments"),
    "a2_linear": ("q1_answer", "ridgeless_risk = 1.0", "q1_ridgeless"),
    "a3_shallow": ("q1_answer", "relu_d0 = 0.25\nrelu_d1 = 0.25", "q1_coefficients"),
    "a4_deep": ("q1_answer", "ck_mean = 2.0\nntk_mean = 2.0", "q1_traces"),
}
# Loose enough for a loaded 2-core machine; the loop submission waits this long once.
CELL_TIMEOUT = 15


def test_every_assignment_has_a_wrong_answer_case():
    assert ASSIGNMENTS, "no assignment found in assignments/source"
    assert set(ASSIGNMENTS) <= set(WRONG), "add the new assignment to WRONG"


def _source(name):
    return ROOT / "assignments" / "source" / name / f"{name}.ipynb"


def _with_answer(name, grade_id, new_source):
    nb = nbformat.read(_source(name), as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(cells) == 1, f"{name} has no single cell {grade_id}"
    cells[0].source = new_source
    return nb


@pytest.fixture(scope="module", autouse=True)
def student_edition(tmp_path_factory):
    """The real book's student edition, built in the background while the grading tests run."""
    build = tmp_path_factory.mktemp("edition")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "course.py"), "--build-dir", str(build), "book",
         "student"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield proc, build / "student_book" / "_build" / "html"
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory):
    """A course folder with every assignment generated (student versions + gradebook)."""
    build = tmp_path_factory.mktemp("course_build")
    course.generate(ASSIGNMENTS, build, quiet=True)
    return build


@pytest.fixture(scope="session")
def graded(course_dir, tmp_path_factory):
    """Grade, per assignment, one folder: reference, blank, wrong (+ malformed ones for a1)."""
    cache = {}

    def run(name):
        if name in cache:
            return cache[name]
        subs = tmp_path_factory.mktemp(f"subs_{name}")
        shutil.copy(_source(name), subs / "reference.ipynb")
        shutil.copy(course_dir / "release" / name / f"{name}.ipynb", subs / "blank.ipynb")
        cell, wrong, _ = WRONG[name]
        nbformat.write(_with_answer(name, cell, wrong), subs / "wrong.ipynb")
        if name == ASSIGNMENTS[0]:
            (subs / "notjson.ipynb").write_text('{"cells": [')
            (subs / "notnotebook.ipynb").write_text('{"hello": "world"}')
            (subs / "script.py").write_text("print('a notebook was expected')\n")
            first, second = _answer_cells(name)[:2]
            nbformat.write(_with_answer(name, first, "raise RuntimeError('student bug')"),
                           subs / "raises.ipynb")
            nbformat.write(_with_answer(name, second, "while True:\n    pass"),
                           subs / "loops.ipynb")
            nb = nbformat.read(_source(name), as_version=4)
            nb.metadata["kernelspec"] = {"name": "conda-env-elsewhere-py", "language": "python",
                                         "display_name": "a kernel the grader does not have"}
            nbformat.write(nb, subs / "otherkernel.ipynb")
            lost = course.questions(name)[-1][0]
            nb.cells = [c for c in nb.cells
                        if c.metadata.get("nbgrader", {}).get("grade_id") != lost]
            nbformat.write(nb, subs / "deletedtest.ipynb")
        out = subs / "scores.csv"
        rows = course.grade(name, subs, out, course_dir, cell_timeout=CELL_TIMEOUT, timeout=240,
                            quiet=True)
        with open(out) as fh:
            csv_rows = {r["student"]: r for r in csv.DictReader(fh)}
        cache[name] = ({r["student"]: r for r in rows}, csv_rows)
        return cache[name]

    return run


def _answer_cells(name):
    nb = nbformat.read(_source(name), as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")]


def _question_of(name, answer_cell):
    """The test cell that follows an answer cell (the question it answers)."""
    nb = nbformat.read(_source(name), as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    i = [m.get("grade_id") for m in meta].index(answer_cell)
    return next(m["grade_id"] for m in meta[i:] if m.get("grade"))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_assignment_has_four_to_eight_questions_with_hidden_tests(name):
    nb = nbformat.read(_source(name), as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert 4 <= len(tests) <= 8, f"{name}: {len(tests)} questions (want 4–8)"
    for c in tests:
        gid = c.metadata["nbgrader"]["grade_id"]
        assert c.metadata["nbgrader"]["locked"], f"{gid} must be locked"
        assert "### BEGIN HIDDEN TESTS" in c.source, f"{gid} has no hidden tests"
        public = c.source.split("### BEGIN HIDDEN TESTS")[0]
        assert "assert" in public, f"{gid} has no public test"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_has_no_solutions_and_no_hidden_tests(name, course_dir):
    release = nbformat.read(course_dir / "release" / name / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    code = "\n".join(c.source for c in release.cells if c.cell_type == "code")
    source = nbformat.read(_source(name), as_version=4)
    for cell in source.cells:
        for block in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source,
                                re.S):
            for line in block.splitlines():
                if len(line.strip()) > 12:  # skip trivial lines that may also appear as stubs
                    assert line.strip() not in code, f"{name}: leaked line {line.strip()!r}"
    assert code.count("raise NotImplementedError()") == len(_answer_cells(name))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_solution_scores_full_marks(name, graded):
    rows, csv_rows = graded(name)
    ref = rows["reference"]
    assert ref["total"] == ref["max_score"] > 0, f"{name} reference: {ref}"
    assert ref["message"] == "", ref["message"]
    assert float(csv_rows["reference"]["total"]) == ref["max_score"], "CSV agrees with the rows"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_student_version_scores_zero(name, graded):
    rows, _ = graded(name)
    blank = rows["blank"]
    assert blank["total"] == 0, f"{name} blank: {blank}"
    assert "no answer in" in blank["message"], blank["message"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_one_wrong_answer_loses_exactly_that_question(name, graded):
    rows, _ = graded(name)
    ref, wrong = rows["reference"], rows["wrong"]
    _, _, lost = WRONG[name]
    points = dict(course.questions(name))
    assert wrong[lost] == 0, f"{name}: the wrong answer kept {wrong[lost]} points"
    assert wrong["total"] == ref["max_score"] - points[lost], f"{name} wrong: {wrong}"
    assert lost in wrong["message"]


def test_malformed_submissions_get_zero_and_a_message(graded):
    rows, csv_rows = graded(ASSIGNMENTS[0])
    expect = {
        "notjson": "invalid JSON",
        "notnotebook": "not a valid Jupyter notebook",
        "script": "not a notebook",
    }
    for sid, text in expect.items():
        assert rows[sid]["total"] == 0 and text in rows[sid]["message"], rows[sid]
        assert text in csv_rows[sid]["message"], "the message reaches the CSV"
    # The others were graded in the same run, before and after the broken ones.
    assert rows["reference"]["total"] == rows["reference"]["max_score"]


def test_a_raising_cell_costs_only_its_question(graded):
    name = ASSIGNMENTS[0]
    rows, _ = graded(name)
    first = _answer_cells(name)[0]
    lost = _question_of(name, first)
    points = dict(course.questions(name))
    row = rows["raises"]
    assert row[lost] == 0 and row["total"] == row["max_score"] - points[lost], row
    assert f"{first}: RuntimeError: student bug" in row["message"]


def test_an_infinite_loop_is_interrupted_and_costs_only_its_question(graded):
    name = ASSIGNMENTS[0]
    rows, _ = graded(name)
    second = _answer_cells(name)[1]
    lost = _question_of(name, second)
    points = dict(course.questions(name))
    row = rows["loops"]
    assert row[lost] == 0 and row["total"] == row["max_score"] - points[lost], row
    assert f"{second}: stopped after the {CELL_TIMEOUT} s time limit per cell" in row["message"]


def test_a_foreign_kernelspec_is_graded_with_the_book_kernel(graded):
    rows, _ = graded(ASSIGNMENTS[0])
    row = rows["otherkernel"]
    assert row["total"] == row["max_score"], row


def test_a_deleted_test_cell_scores_zero_for_its_question(graded):
    name = ASSIGNMENTS[0]
    rows, _ = graded(name)
    lost, points = course.questions(name)[-1]
    row = rows["deletedtest"]
    assert row[lost] == 0 and row["total"] == row["max_score"] - points, row
    assert f"{lost}: test cell deleted" in row["message"]


@pytest.mark.slow
def test_submission_time_limit_stops_one_and_grades_the_next(course_dir, tmp_path):
    """The per-submission backstop: the worker is killed and restarted for the next student."""
    name = ASSIGNMENTS[0]
    loop_cell = _answer_cells(name)[1]
    nbformat.write(_with_answer(name, loop_cell, "while True:\n    pass"), tmp_path / "a.ipynb")
    shutil.copy(_source(name), tmp_path / "b.ipynb")
    rows = {r["student"]: r for r in course.grade(
        name, tmp_path, tmp_path / "s.csv", course_dir, cell_timeout=600, timeout=20, quiet=True)}
    assert rows["a"]["total"] == 0
    assert "limit per submission" in rows["a"]["message"]
    assert rows["b"]["total"] == rows["b"]["max_score"], rows["b"]


def test_collect_reads_files_and_student_folders(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "work.ipynb").write_text("{}")
    (tmp_path / "cy").mkdir()
    found = {sid: (path, msg) for sid, path, msg in course.collect(tmp_path)}
    assert found["ann"][0].name == "ann.ipynb" and found["bob"][0].name == "work.ipynb"
    assert found["cy"] == (None, "no .ipynb notebook in the folder")


def test_unknown_assignment_is_a_clear_error(tmp_path):
    with pytest.raises(course.CourseError, match="unknown assignment"):
        course.grade("no_such_assignment", tmp_path, quiet=True)


# --------------------------------------------------------------------------- book editions

def _site_text(html_dir):
    """All the text a reader can reach in a built site (pages, search index, copied sources)."""
    chunks = []
    for f in Path(html_dir).rglob("*"):
        if f.is_file() and f.suffix in {".html", ".js", ".txt", ".ipynb", ".md", ".json"} \
                and "vendor" not in f.parts and "_static" not in f.parts:
            text = f.read_text(errors="replace")
            text = re.sub(r"<[^>]+>", " ", text)
            chunks.append(re.sub(r"\s+", " ", text))
    return "\n".join(chunks)


MINI_PAGE = """\
# A chapter

```{exercise}
:label: ex-mini-1
Show that the spectrum is compact.
```

```{solution} ex-mini-1
:class: dropdown
Bounded operators have compact spectra because wombats dance.
```
"""


@pytest.fixture(scope="module")
def mini_book(tmp_path_factory):
    book = tmp_path_factory.mktemp("mini_book")
    (book / "_config.yml").write_text(textwrap.dedent("""\
        title: Mini
        only_build_toc_files: true
        execute:
          execute_notebooks: cache
        sphinx:
          extra_extensions: [sphinx_exercise]
        """))
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: ch\n")
    (book / "index.md").write_text("# Mini book\n")
    (book / "ch.md").write_text(MINI_PAGE)
    return book


def test_student_edition_removes_solutions_instructor_edition_keeps_them(mini_book, tmp_path):
    student = course.build_book("student", book=mini_book, build=tmp_path, quiet=True)
    instructor = course.build_book("instructor", book=mini_book, build=tmp_path, quiet=True)
    s, i = _site_text(student), _site_text(instructor)
    assert "wombats dance" in i, "control: the instructor edition shows the solution"
    assert "wombats dance" not in s, "the student edition leaks the solution"
    assert "Show that the spectrum is compact" in s, "the exercise itself stays"
    assert not (student / "_sources").exists(), "page sources (with solutions) are not copied"


_DIRECTIVE = r"(`{3,}|:{3,})\{%s\}[^\n]*\n(.*?)\n\1"


def _toc_notebooks():
    """The notebooks the book's table of contents includes (a chapter outside it is not built)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def _chapter_markdown():
    for path in _toc_notebooks():
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                yield "".join(cell["source"])


def _directive_phrases(kind):
    """Plain-word phrases of the {exercise}/{solution} bodies of the chapters.

    For solutions, only phrases that appear nowhere else in the chapters' text (so that finding
    one in the student edition can only mean a leaked solution).
    """
    phrases, elsewhere = [], []
    for src in _chapter_markdown():
        for _, body in re.findall(_DIRECTIVE % kind, src, re.S):
            text = "\n".join(ln for ln in body.splitlines() if not ln.startswith(":"))
            for run in re.findall(r"(?:[A-Za-z]{2,}[ ,]+){3,}[A-Za-z]{3,}", text):
                if len(run) >= 20:
                    phrases.append(re.sub(r"\s+", " ", run).strip(" ,"))
        elsewhere.append(re.sub(r"\s+", " ", re.sub(_DIRECTIVE % "solution", " ", src, flags=re.S)))
    if kind == "solution":
        rest = "\n".join(elsewhere)
        phrases = [p for p in phrases if p not in rest]
    return phrases


def test_student_edition_of_the_book_has_no_solution_text(student_edition):
    """The real book's student edition (committed outputs, no execution), searched for solutions."""
    proc, html = student_edition
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-2000:]
    text = _site_text(html)
    solutions = _directive_phrases("solution")
    if any("{solution}" in src for src in _chapter_markdown()):
        assert solutions, "could not extract any solution text to look for"
    leaked = [p for p in solutions if p in text]
    assert not leaked, f"solution text in the student edition: {leaked[:3]}"
    shown = _directive_phrases("exercise")
    missing = [p for p in shown if p not in text]
    assert not missing, f"control: exercise text should be in the pages: {missing[:3]}"


def test_command_line_lists_every_assignment(capsys):
    assert course.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ASSIGNMENTS:
        assert f"{name}: " in out
    assert course.main(["grade", "no_such_assignment", "."]) == 1, "a clear error, exit code 1"
    assert "unknown assignment" in capsys.readouterr().err
