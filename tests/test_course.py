"""The course edition: student versions, sandboxed grading into a CSV, bundle, books.

Every assignment in assignments/source/ is graded end to end: its reference solution scores full
marks, the blank student version scores zero, and one deliberately wrong answer loses exactly
that question's points. For the first assignment, malformed submissions and a clever student's
attacks on the grader are graded in the same folder as honest ones: each gets exactly the points
it deserves. The feedback and the student bundle hold no hidden test; the student edition of the
book holds no solution text.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
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
    "a5_trained": (
        "q1_answer",
        "top_singular_init = 4.0\nspike_strength = 2.0\nalignment = 0.5",
        "q1_spike_reading",
    ),
}
# Loose enough for a loaded 2-core machine; the loop submission waits this long once.
CELL_TIMEOUT = 15


@pytest.fixture(scope="session", autouse=True)
def bubblewrap():
    """Grading needs bubblewrap: installed with apt-get like the browser check's chromium."""
    if shutil.which("bwrap") is None:
        res = subprocess.run(
            [str(ROOT / "tools" / "grading" / "install_bubblewrap.sh")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert res.returncode == 0, f"could not install bubblewrap:\n{res.stdout[-2000:]}"


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
        [
            sys.executable,
            str(ROOT / "tools" / "course.py"),
            "--build-dir",
            str(build),
            "book",
            "student",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
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


def _variant(name, answers, first=None, base=None):
    """A submission: the reference (or ``base``), some answer cells replaced, code added to the
    first cell."""
    nb = nbformat.read(base or _source(name), as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    if first is not None:
        code = next(c for c in nb.cells if c.cell_type == "code")
        code.source = code.source + "\n" + first
    return nb


def _attacks(name, course_dir, subs, out):
    """Submissions of a clever student: {id: (notebook, points it deserves)} (see the issue).

    Each one targets the grader, the gradebook, the score table or another student; none may
    gain a point it did not earn or change anyone else's score.
    """
    blank = course_dir / "release" / name / f"{name}.ipynb"
    wrong_values = {
        "q1_answer": "edge_lower, edge_upper = 0.1, 0.2",
        "q2_answer": "second_moment, zero_fraction = 1.0, 0.5",
        "q3_answer": "fraction_below_one = 0.5",
        "q4_answer": "def stieltjes_fixed_point(z, ratio):\n"
        "    return np.zeros(np.shape(z), dtype=complex)",
        "q5_answer": "def empirical_stieltjes(X, z):\n    return 0j",
        "q6_answer": "def norm_deviation(p, n, rng):\n    return 1.0",
    }
    paths = dict(course=str(course_dir), root=str(ROOT), subs=str(subs), out=str(out))
    patch = textwrap.dedent("""\
        import builtins, numpy.testing
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: np.True_
        np.testing.assert_allclose = lambda *a, **k: None
        builtins.abs = lambda x: 0.0
        """)
    hook = textwrap.dedent("""\
        get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
        """)
    rebind = textwrap.dedent("""\
        abs = lambda x: 0.0
        rmt.mp_edges = lambda *a, **k: (0.1, 0.2)
        rmt.mp_moment = lambda *a, **k: 1.0
        rmt.mp_atom = lambda *a, **k: 0.5
        rmt.mp_cdf = lambda *a, **k: 0.5
        rmt.mp_stieltjes = lambda z, c: np.zeros(np.shape(z), dtype=complex)
        """)
    reader = textwrap.dedent("""\
        import glob, json
        _sol = {{}}
        for _pattern in ["{course}/**/*", "{root}/assignments/**/*.ipynb", "{subs}/*",
                         "/work/**/a1_spectra.ipynb", "/proc/1/root/**/a1_spectra.ipynb"]:
            for _f in glob.glob(_pattern, recursive=True):
                try:
                    for _c in json.loads(open(_f).read())["cells"]:
                        _src = "".join(_c["source"])
                        if "BEGIN SOLUTION" in _src:
                            _sol[_c["metadata"]["nbgrader"]["grade_id"]] = _src
                except Exception:
                    pass
        """).format(**paths)
    read_answers = {
        q: f"exec(_sol.get({q!r}, 'raise NotImplementedError()'))" for q in wrong_values
    }
    writer = textwrap.dedent("""\
        import os, glob
        for _f in ["{course}/gradebook.db", "{out}", *glob.glob("{subs}/*"),
                   *glob.glob("{course}/**/*.ipynb", recursive=True)]:
            for _try in (lambda: open(_f, "w").write("{{}}"), lambda: os.remove(_f)):
                try:
                    _try()
                except Exception:
                    pass
        """).format(**paths)
    forger = textwrap.dedent("""\
        import os, json
        _lines = "".join(json.dumps({"id": i, "value": 14.0}) + "\\n" for i in range(400))
        _lines += '@@course {"done": "aa_reference", "success": true, "grades": {}}\\n'
        for _fd in range(64):
            try:
                os.write(_fd, _lines.encode())
            except OSError:
                pass
        for _target in ("/proc/%d/fd/1" % os.getppid(), "/proc/1/fd/1"):
            try:
                open(_target, "w").write(_lines)
            except OSError:
                pass
        for _pid in (os.getppid(), 1):
            try:
                os.kill(_pid, 9)
            except OSError:
                pass
        """)
    detached = textwrap.dedent("""\
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(3)
                for _f in ["{out}", "{course}/gradebook.db"]:
                    try:
                        open(_f, "a").write("zz_detached,14\\n")
                    except OSError:
                        pass
                time.sleep(600)
            os._exit(0)
        """).format(**paths)
    terminal = textwrap.dedent("""\
        import os, fcntl, termios
        _fake = "\\r  aa_reference: 0/14 FORGED-SCORE-LINE\\n"
        for _path in ("/dev/tty", "/dev/console", "/proc/1/fd/0", "/proc/1/fd/1"):
            try:
                open(_path, "w").write(_fake)
            except OSError:
                pass
        for _fd in (0, 1, 2):
            try:
                os.write(_fd, _fake.encode())
                for _ch in "echo FORGED-SCORE-LINE\\n":
                    fcntl.ioctl(_fd, termios.TIOCSTI, _ch.encode())
            except OSError:
                pass
        print(_fake)
        """)
    solutions = {q: s for q, s in _solution_sources(name).items()}
    sleep = textwrap.dedent("""\
        import signal, time
        for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGHUP):
            signal.signal(_s, signal.SIG_IGN)
        time.sleep(10**6)
        """)
    return {
        "patched": (_variant(name, wrong_values, patch), 0),
        "hooked": (_variant(name, wrong_values, hook, base=blank), 0),
        "rebound": (_variant(name, wrong_values, rebind), 0),
        "reader": (_variant(name, read_answers, reader, base=blank), 0),
        "writer": (_variant(name, {}, writer, base=blank), 0),
        "forger": (_variant(name, {}, forger, base=blank), 0),
        "detached": (
            _variant(
                name, {q: solutions[q] for q in ("q1_answer", "q2_answer")}, detached, base=blank
            ),
            4,
        ),
        "terminal": (_variant(name, {}, terminal, base=blank), 0),
        "osexit": (
            _variant(
                name,
                {
                    **{q: solutions[q] for q in ("q1_answer", "q2_answer", "q3_answer")},
                    "q4_answer": "import os\nos._exit(0)",
                },
                base=blank,
            ),
            6,
        ),
        "sysexit": (_variant(name, {"q3_answer": "import sys\nsys.exit(3)"}), 12),
        "sleeper": (_variant(name, {"q5_answer": sleep}), 12),
        "membomb": (
            _variant(
                name,
                {"q3_answer": "_bomb = np.empty(6 << 30, np.uint8)\n" + solutions["q3_answer"]},
            ),
            12,
        ),
        # Dies while a hidden test calls it: only that question is lost, q6 is still graded.
        "callexit": (
            _variant(
                name,
                {
                    "q5_answer": solutions["q5_answer"].replace(
                        "p, n = X.shape",
                        "p, n = X.shape\n    if p == 90:\n        import os\n        os._exit(1)",
                    )
                },
            ),
            12,
        ),
        "forbidden": (
            _variant(
                name,
                {
                    "q4_answer": "def stieltjes_fixed_point(z, ratio):\n"
                    "    return rmt.mp_stieltjes(z, ratio)"
                },
            ),
            11,
        ),
        "sneaky": (
            _variant(
                name,
                {
                    "q4_answer": "def stieltjes_fixed_point(z, ratio):\n"
                    "    return getattr(rmt, 'mp_' + 'stie' + "
                    "'ltjes')(z, ratio)"
                },
            ),
            11,
        ),
    }


def _solution_sources(name):
    nb = nbformat.read(_source(name), as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }


@pytest.fixture(scope="session")
def graded(course_dir, tmp_path_factory):
    """Grade, per assignment, one folder: reference, blank, wrong (+ malformed and adversarial
    submissions for a1, graded in the same folder as the honest ones)."""
    cache = {}

    def run(name):
        if name in cache:
            return cache[name]
        subs = tmp_path_factory.mktemp(f"subs_{name}")
        out = subs.parent / f"scores_{name}.csv"
        shutil.copy(_source(name), subs / "aa_reference.ipynb")
        shutil.copy(_source(name), subs / "reference.ipynb")
        shutil.copy(course_dir / "release" / name / f"{name}.ipynb", subs / "blank.ipynb")
        cell, wrong, _ = WRONG[name]
        nbformat.write(_with_answer(name, cell, wrong), subs / "wrong.ipynb")
        deserved = {}
        if name == ASSIGNMENTS[0]:
            (subs / "notjson.ipynb").write_text('{"cells": [')
            (subs / "notnotebook.ipynb").write_text('{"hello": "world"}')
            (subs / "script.py").write_text("print('a notebook was expected')\n")
            first, second = _answer_cells(name)[:2]
            nbformat.write(
                _with_answer(name, first, "raise RuntimeError('student bug')"),
                subs / "raises.ipynb",
            )
            nbformat.write(
                _with_answer(name, second, "while True:\n    pass"), subs / "loops.ipynb"
            )
            nb = nbformat.read(_source(name), as_version=4)
            nb.metadata["kernelspec"] = {
                "name": "conda-env-elsewhere-py",
                "language": "python",
                "display_name": "a kernel the grader does not have",
            }
            nbformat.write(nb, subs / "otherkernel.ipynb")
            lost = course.questions(name)[-1][0]
            nb.cells = [
                c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != lost
            ]
            nbformat.write(nb, subs / "deletedtest.ipynb")
            for sid, (nb, points) in _attacks(name, course_dir, subs, out).items():
                nbformat.write(nb, subs / f"{sid}.ipynb")
                deserved[sid] = points

        def snapshot():
            files = [
                *subs.iterdir(),
                *(course_dir / "release").rglob("*.ipynb"),
                *(course_dir / "source").rglob("*.ipynb"),
            ]
            return {str(f): f.read_bytes() for f in files if f.is_file()}

        before = snapshot()
        t0 = time.perf_counter()
        with tempfile.TemporaryFile() as terminal:  # whatever reaches the grader's own fds
            saved = os.dup(1), os.dup(2)
            os.dup2(terminal.fileno(), 1)
            os.dup2(terminal.fileno(), 2)
            try:
                rows = course.grade(
                    name, subs, out, course_dir, cell_timeout=CELL_TIMEOUT, timeout=240
                )
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
            terminal.seek(0)
            printed = terminal.read().decode("utf-8", "replace")
        seconds = time.perf_counter() - t0
        with open(out) as fh:
            csv_rows = {r["student"]: r for r in csv.DictReader(fh)}
        after = snapshot()
        cache[name] = ({r["student"]: r for r in rows}, csv_rows)
        cache[name, "extra"] = dict(
            deserved=deserved,
            subs=subs,
            out=out,
            seconds=seconds,
            untouched=before == after,
            printed=printed,
            ended=time.time(),
        )
        return cache[name]

    run.extra = lambda name: (run(name), cache[name, "extra"])[1]
    return run


def _answer_cells(name):
    nb = nbformat.read(_source(name), as_version=4)
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]


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
        for block in re.findall(
            r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.S
        ):
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
    """The per-submission backstop: the sandbox is killed and the next student graded."""
    name = ASSIGNMENTS[0]
    loop_cell = _answer_cells(name)[1]
    nbformat.write(_with_answer(name, loop_cell, "while True:\n    pass"), tmp_path / "a.ipynb")
    shutil.copy(_source(name), tmp_path / "b.ipynb")
    rows = {
        r["student"]: r
        for r in course.grade(
            name, tmp_path, tmp_path / "s.csv", course_dir, cell_timeout=600, timeout=20, quiet=True
        )
    }
    first = course.questions(name)[0]
    assert rows["a"]["total"] == first[1], "the question answered before the hang keeps its points"
    assert "limit per submission" in rows["a"]["message"]
    assert rows["b"]["total"] == rows["b"]["max_score"], rows["b"]


def test_adversarial_submissions_get_exactly_the_points_they_deserve(graded):
    """Graded in one folder with honest ones: nobody gains a point, nobody else loses one."""
    name = ASSIGNMENTS[0]
    rows, csv_rows = graded(name)
    extra = graded.extra(name)
    got = {sid: rows[sid]["total"] for sid in extra["deserved"]}
    assert got == extra["deserved"], {
        sid: rows[sid]["message"] for sid in got if got[sid] != extra["deserved"][sid]
    }
    full = rows["reference"]["max_score"]
    for sid in ("aa_reference", "reference", "otherkernel"):
        assert rows[sid]["total"] == full and rows[sid]["message"] == "", rows[sid]
    assert rows["blank"]["total"] == 0
    for sid, row in rows.items():
        assert float(csv_rows[sid]["total"]) == row["total"], f"CSV row of {sid} changed"
    assert extra["untouched"], "a submission changed a submission or a file of the course folder"


def test_crashes_and_limits_keep_earlier_points_and_say_what_happened(graded):
    rows, _ = graded(ASSIGNMENTS[0])
    msg = {sid: rows[sid]["message"] for sid in rows}
    assert "q4_answer: the notebook's process exited (status 0)" in msg["osexit"], msg["osexit"]
    assert "q3_answer: SystemExit: 3" in msg["sysexit"], msg["sysexit"]
    assert f"q5_answer: stopped after the {CELL_TIMEOUT} s time limit per cell" in msg["sleeper"]
    assert "q3_answer: MemoryError" in msg["membomb"], msg["membomb"]
    assert "forbids" in msg["forbidden"] and "q4_stieltjes" in msg["forbidden"]
    assert "may not be used" in msg["sneaky"], msg["sneaky"]
    assert "q5_empirical (the notebook's process exited (status 1))" in msg["callexit"], msg


def test_nothing_reaches_the_graders_terminal_and_no_process_outlives_grading(graded):
    name = ASSIGNMENTS[0]
    rows, _ = graded(name)
    extra = graded.extra(name)
    assert "FORGED" not in extra["printed"], "a submission wrote onto the grader's terminal"
    time.sleep(max(0.0, extra["ended"] + 4 - time.time()))  # the detached process's delay
    with open(extra["out"]) as fh:
        assert "zz_detached" not in fh.read(), "a detached process rewrote the score table"
    from grading.sandbox import RUN_TAG

    left = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if RUN_TAG.encode() in env.read_bytes():
                left.append(env.parent.name)
        except OSError:
            pass
    assert not left, f"processes of graded submissions still running: {left}"


def test_gradebook_and_score_table_agree(graded, course_dir):
    name = ASSIGNMENTS[0]
    rows, csv_rows = graded(name)
    book = course.gradebook_scores(name, course_dir)
    qs = [q for q, _ in course.questions(name)]
    for sid, row in csv_rows.items():
        assert sid in book, f"{sid} is in the CSV but not in the gradebook"
        assert {q: float(row[q]) for q in qs} == {q: book[sid][q] for q in qs}, sid


def _hidden_lines(name):
    nb = nbformat.read(_source(name), as_version=4)
    out = []
    for cell in nb.cells:
        for kind in ("SOLUTION", "HIDDEN TESTS"):
            for block in re.findall(rf"### BEGIN {kind}\n(.*?)### END", cell.source, re.S):
                out += [ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12]
    return out


def test_feedback_shows_results_but_never_hidden_tests(graded, course_dir):
    import html as _html

    name = ASSIGNMENTS[0]
    graded(name)
    course.feedback(name, course_dir, quiet=True)
    page = (course_dir / "feedback" / "wrong" / name / f"{name}.html").read_text()
    text = _html.unescape(page)
    assert "Public tests" in text and "Hidden tests" in text
    assert "second moment wrong" in text, "the failed hidden test's message is shown"
    hidden = [ln for ln in _hidden_lines(name) if "BEGIN SOLUTION" not in ln]
    tests_only = [ln for ln in hidden if ln not in _solution_text(name)]
    for page in (course_dir / "feedback").glob(f"*/{name}/{name}.html"):
        text = _html.unescape(page.read_text())
        leaked = [ln for ln in tests_only if ln in text]
        assert not leaked, f"{page.parent.parent.name}: hidden test text {leaked[:2]}"


def _solution_text(name):
    return "\n".join(_solution_sources(name).values())


def test_student_bundle_has_no_solution_or_hidden_test_text(course_dir, tmp_path):
    import zipfile

    name = ASSIGNMENTS[0]
    out = course.bundle(name, tmp_path / "bundle", course_dir, quiet=True)
    files = sorted(p.name for p in out.iterdir())
    wheels = [f for f in files if f.endswith(".whl")]
    assert {f"{name}.ipynb", "README.md", "environment.yml", "requirements.txt"} <= set(files)
    assert len(wheels) == 1, files
    texts = {f: (out / f).read_text() for f in files if not f.endswith(".whl")}
    with zipfile.ZipFile(out / wheels[0]) as whl:
        names = whl.namelist()
        assert all(n.startswith("rmtlib") for n in names), names
        for n in names:
            if n.startswith("rmtlib/"):  # the library itself, exactly as in the repository
                assert whl.read(n) == (ROOT / n).read_bytes(), f"{n} differs from the library"
            else:
                texts[n] = whl.read(n).decode("utf-8", "replace")
    hidden = [ln for nm in ASSIGNMENTS for ln in _hidden_lines(nm)]
    for fname, text in texts.items():
        leaked = [ln for ln in hidden if ln in text]
        assert not leaked, f"{fname} holds solution or hidden-test text: {leaked[:2]}"
    assert "requirements.txt" in texts["README.md"] and "Restart & Run All" in texts["README.md"]
    for phrase in ("launch", "Binder", "solution", "repository"):
        assert phrase.lower() not in texts["README.md"].lower(), phrase


def test_sandbox_is_isolated(course_dir):
    """What a submission's code can see and do, asked directly."""
    from grading.sandbox import Sandbox

    interpreter = [str(p) for p in Path(sys.base_prefix).resolve().parents]
    private = [p for p in ("/root", "/home") if p not in interpreter]  # pyenv lives in /root
    probe = textwrap.dedent(f"""\
        import os, socket, resource
        ids = (os.getuid(), os.geteuid(), os.getgid())
        seen = [p for p in ({str(course_dir)!r}, {str(ROOT / "assignments")!r},
                            {str(ROOT / "chapters")!r}, *{private!r}) if os.path.exists(p)
                and (not os.path.isdir(p) or os.listdir(p))]
        if os.path.isdir({str(ROOT)!r}):  # only the environment and the library
            seen += sorted(set(os.listdir({str(ROOT)!r})) - {{".venv", "rmtlib"}})
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=1)
            net = "connected"
        except OSError as err:
            net = type(err).__name__
        caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]
        limits = [resource.getrlimit(r)[1] for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU,
                                                     resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE)]
        try:
            open({str(ROOT / "rmtlib" / "x.txt")!r}, "w")
            ro = "writable"
        except OSError:
            ro = "read-only"
        pid = os.getpid()
        """)
    box = Sandbox()
    try:
        assert box.request("cell", 60, code=probe)["error"] is None
        got = {
            k: box.request("get", 10, name=k)["value"]
            for k in ("ids", "seen", "net", "caps", "limits", "ro", "pid")
        }
    finally:
        box.close()
    assert got["ids"] == {"t": [65534, 65534, 65534]}, got["ids"]
    assert got["seen"] == {"l": []}, f"visible inside the sandbox: {got['seen']}"
    assert got["net"] != "connected" and got["caps"] == "0000000000000000", got
    assert all(isinstance(v, int) and v > 0 for v in got["limits"]["l"]), got["limits"]
    assert got["ro"] == "read-only" and got["pid"] < 10, got


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
        if (
            f.is_file()
            and f.suffix in {".html", ".js", ".txt", ".ipynb", ".md", ".json"}
            and "vendor" not in f.parts
            and "_static" not in f.parts
        ):
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
    (book / "_config.yml").write_text(
        textwrap.dedent("""\
        title: Mini
        only_build_toc_files: true
        execute:
          execute_notebooks: cache
        sphinx:
          extra_extensions: [sphinx_exercise]
        """)
    )
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
    howto = _site_text(next(html.rglob("how_to_use.html")).parent)
    page = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", next(html.rglob("how_to_use.html")).read_text())
    )
    assert "Restart &amp; Run All" in page or "Restart & Run All" in page, "the student page"
    for phrase in (
        "launch button",
        "Solutions are collapsed",
        "README.md",
        "Binder",
        "student edition without solutions",
    ):
        assert phrase not in page, f"the student edition's How to use says {phrase!r}"
    assert howto


def test_command_line_lists_every_assignment(capsys):
    assert course.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ASSIGNMENTS:
        assert f"{name}: " in out
    assert course.main(["grade", "no_such_assignment", "."]) == 1, "a clear error, exit code 1"
    assert "unknown assignment" in capsys.readouterr().err


def test_sandbox_mounts_its_empty_tmp_before_the_environment(tmp_path):
    """Mounted after the binds, the sandbox's own /tmp hid a checkout or an environment living
    under /tmp: grading from a clone in /tmp/... could not import numpy inside the sandbox."""
    from grading import sandbox

    args = sandbox.command(tmp_path / "config.json", "/grader/config.json", [])
    tmpfs = args.index("--tmpfs")
    assert args[tmpfs + 1] == "/tmp"
    for path in (Path(sys.prefix).resolve(), ROOT / "rmtlib"):
        binds = [i for i, a in enumerate(args) if a == "--ro-bind" and args[i + 1] == str(path)]
        assert binds and tmpfs < binds[0], f"{path} is bound before /tmp is mounted"
