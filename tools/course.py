"""Instructor tools of the course edition: student materials, grading, student/instructor books.

Run through the book's entry point (it sets up .venv first)::

    ./rmtbook course list
    ./rmtbook course generate [ASSIGNMENT ...]
    ./rmtbook course bundle ASSIGNMENT --out DIR
    ./rmtbook course grade ASSIGNMENT SUBMISSIONS_DIR [--out scores.csv]
    ./rmtbook course feedback ASSIGNMENT
    ./rmtbook course book student|instructor

``nbgrader generate_assignment`` makes the student versions (solutions and hidden tests
stripped) and the gradebook. Grading does not run nbgrader's autograder, which executes the
hidden tests inside the student's kernel: each submission's own cells run in a bubblewrap
sandbox as an unprivileged user (tools/grading/sandbox.py), and every test cell, taken from the
assignment's source, runs in this process against the values and functions the sandbox reports
(tools/grading/trusted.py). The scores go to the CSV and to nbgrader's gradebook.

Everything runs offline. Every output goes under ``course_build/`` (git-ignored) unless
``--build-dir`` says otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "assignments" / "source"
BUILD = ROOT / "course_build"
EDITION_OVERRIDES = ROOT / "assignments" / "student_edition.yml"
# Pages of the book replaced in the student edition: {page in the book: replacement}.
STUDENT_PAGES = {"book/how_to_use.md": ROOT / "assignments" / "student_how_to_use.md"}
BIN = Path(sys.executable).parent  # nbgrader, alembic and jupyter-book live beside python
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/grading

CONFIG_TEMPLATE = """\
# Written by tools/course.py; edit the options there, not here.
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "rmt-deep-learning"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
# A cell that runs longer is interrupted (CellTimeoutError) and grading goes on.
c.Execute.timeout = {cell_timeout}
c.Execute.interrupt_on_timeout = True
# Always the book's kernel, whatever kernelspec the student's Jupyter wrote into the notebook.
c.Execute.kernel_name = "python3"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
"""


class CourseError(RuntimeError):
    """A problem the instructor can fix (missing assignment, bad folder...)."""


# --------------------------------------------------------------------------- course folder


def assignments(source=SOURCE):
    """Names of the assignments: folders ``source/NAME/`` holding ``NAME.ipynb``."""
    return sorted(p.name for p in Path(source).iterdir() if (p / f"{p.name}.ipynb").is_file())


def _env():
    env = dict(os.environ)
    # nbgrader calls the `alembic` executable and starts the `python3` kernel found on PATH.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def prepare(build=BUILD, source=SOURCE, cell_timeout=60):
    """Create the nbgrader course folder under ``build`` with a fresh copy of the sources."""
    build = Path(build).resolve()
    build.mkdir(parents=True, exist_ok=True)
    (build / "nbgrader_config.py").write_text(
        CONFIG_TEMPLATE.format(root=str(build), cell_timeout=int(cell_timeout))
    )
    dst = build / "source"
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(source, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return build


def generate(names=None, build=BUILD, source=SOURCE, quiet=False):
    """Student versions (``release/NAME/NAME.ipynb``) and the gradebook with the hidden tests."""
    names = list(names or assignments(source))
    unknown = set(names) - set(assignments(source))
    if unknown:
        raise CourseError(f"unknown assignment(s) {sorted(unknown)}; known: {assignments(source)}")
    build = prepare(build, source)
    res = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--build-dir",
            str(build),
            "_generate",
            *names,
        ],
        cwd=build,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if res.returncode != 0:
        raise CourseError(f"nbgrader generate_assignment failed:\n{res.stdout[-3000:]}")
    if not quiet:
        for name in names:
            print(f"{name}: student version  {build / 'release' / name / (name + '.ipynb')}")
    if not quiet:
        print(
            f"autograder material (sources with hidden tests + gradebook): {build}/source, "
            f"{build}/gradebook.db"
        )
    return build


# --------------------------------------------------------------------------- grading


def questions(name, source=SOURCE):
    """``[(grade_id, points), ...]`` of the autograded test cells, in notebook order."""
    nb = json.loads((Path(source) / name / f"{name}.ipynb").read_text())
    out = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            out.append((meta["grade_id"], float(meta["points"])))
    return out


def _student_id(path):
    sid = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem if path.is_file() else path.name).strip("_")
    return sid or "student"


def collect(folder):
    """Submissions in ``folder``: each file ``ID.ext``, or each sub-folder ``ID/`` with one file.

    Returns ``[(student_id, path or None, message)]``; the message says why nothing is gradable.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"no such folder of submissions: {folder}")
    found, seen = [], set()
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        sid = base = _student_id(entry)
        k = 1
        while sid in seen:  # e.g. alice.ipynb and alice/: grade both, under distinct ids
            k += 1
            sid = f"{base}_{k}"
        seen.add(sid)
        if entry.is_dir():
            files = [
                f
                for f in sorted(entry.rglob("*"))
                if f.is_file() and ".ipynb_checkpoints" not in f.parts
            ]
            nbs = [f for f in files if f.suffix == ".ipynb"]
            if len(nbs) == 1:
                found.append((sid, nbs[0], ""))
            elif not nbs:
                found.append((sid, None, "no .ipynb notebook in the folder"))
            else:
                found.append((sid, None, f"{len(nbs)} notebooks in the folder; expected one"))
        else:
            found.append((sid, entry, ""))
    return found


def check_notebook(path):
    """Return "" if ``path`` is a readable notebook, else a message saying what is wrong."""
    import nbformat

    if path.suffix != ".ipynb":
        return f"not a notebook: {path.name} (expected a .ipynb file)"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return f"not a notebook: {path.name} is not UTF-8 text"
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        return f"invalid JSON in {path.name}: {err.msg} at line {err.lineno} column {err.colno}"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several kinds
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"not a valid Jupyter notebook: {path.name}: {first[:200]}"
    return ""


def _api(build):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    os.chdir(build)
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(build)).load_config()
    return NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)


def _generate_worker(build, names):
    """``nbgrader generate_assignment`` for each name, in one process (one import of nbgrader)."""
    api = _api(Path(build).resolve())
    for name in names:
        res = api.generate_assignment(name, force=True)
        if not res["success"]:
            print(res.get("log", ""), res.get("error", ""), file=sys.stderr)
            raise SystemExit(f"generate_assignment {name} failed")


def forbidden(name, source=SOURCE):
    """``{grade_id: [rmtlib function, ...]}``: what a question's answer may not call."""
    nb = json.loads((Path(source) / name / f"{name}.ipynb").read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        names = meta.get("rmtbook", {}).get("forbid")
        if names and meta.get("nbgrader", {}).get("grade"):
            out[meta["nbgrader"]["grade_id"]] = list(names)
    return out


def plan(name, submission, source=SOURCE):
    """The cells to run for a submission: ``[("student"|"test", label, code)]``.

    The student's own code cells come from the submission, in its order; every test cell is
    the assignment's own (hidden tests included), matched by its nbgrader id, so that editing
    or duplicating a test cell in the submission changes nothing.
    """
    import nbformat

    src = nbformat.read(Path(source) / name / f"{name}.ipynb", as_version=4)
    tests, answers = {}, set()
    for cell in src.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            tests[meta["grade_id"]] = cell.source
        elif meta.get("solution"):
            answers.add(meta["grade_id"])
    nb = nbformat.read(submission, as_version=4)
    cells, seen = [], set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {}) if isinstance(cell.metadata, dict) else {}
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid in tests:
            if gid not in seen:
                seen.add(gid)
                cells.append(("test", gid, tests[gid]))
            continue
        label = gid if gid in answers else f"cell {i + 1}"
        cells.append(("student", label, str(cell.source)))
    return cells


def _gradebook_write(build, name, rows, qs):
    """Record the scores in nbgrader's gradebook (``nbgrader export`` reads them from there)."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    with Gradebook(f"sqlite:///{Path(build) / 'gradebook.db'}") as gb, warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush warning; the rows are written.
        warnings.simplefilter("ignore", SAWarning)
        for row in rows:
            sid = row["student"]
            gb.update_or_create_student(sid)
            try:
                gb.find_submission(name, sid)
            except MissingEntry:
                gb.add_submission(name, sid)
            for qid, _ in qs:
                g = gb.find_grade(qid, name, name, sid)
                g.auto_score = float(row[qid])
            gb.db.commit()


def gradebook_scores(name, build=BUILD):
    """``{student: {grade_id: points}}`` as recorded in the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{Path(build).resolve() / 'gradebook.db'}") as gb:
        assignment = gb.find_assignment(name)
        for sub in assignment.submissions:
            nb = sub.notebooks[0]
            out[sub.student.id] = {g.name: float(g.score) for g in nb.grades}
    return out


def grade(
    name, folder, out=None, build=BUILD, source=SOURCE, cell_timeout=60, timeout=300, quiet=False
):
    """Grade every submission in ``folder`` for assignment ``name``; write and return the rows.

    Each submission runs in its own sandbox (tools/grading/sandbox.py) and its tests run in
    this process (tools/grading/trusted.py). A submission that is not a readable notebook,
    raises, crashes or runs too long loses the questions it could not pass and gets a message;
    the other submissions are graded regardless.
    """
    from grading.sandbox import Pool

    if name not in assignments(source):
        raise CourseError(f"unknown assignment {name!r}; known: {assignments(source)}")
    build = Path(build).resolve()
    if not (build / "gradebook.db").exists() or not (build / "release" / name).is_dir():
        generate([name], build, source, quiet=True)
    prepare(build, source, cell_timeout)
    qs = questions(name, source)
    banned = forbidden(name, source)
    # One sandbox starts (imports numpy, scipy, rmtlib) while the previous one is graded.
    pool = Pool(
        sorted({f for names in banned.values() for f in names}),
        spares=max(1, min(2, (os.cpu_count() or 1) - 1)),
    )
    try:
        rows = _grade_all(
            name, folder, build, source, qs, banned, pool, cell_timeout, timeout, quiet
        )
    finally:
        pool.close()
    _gradebook_write(build, name, rows, qs)
    out = Path(out) if out else build / f"scores_{name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(
            fh,
            fieldnames=[
                "student",
                "file",
                *[q for q, _ in qs],
                "total",
                "max_score",
                "seconds",
                "message",
            ],
        )
        w.writeheader()
        w.writerows(rows)
    if not quiet:
        print(f"score table: {out}")
    return rows


def _grade_all(name, folder, build, source, qs, banned, pool, cell_timeout, timeout, quiet):
    """One row per submission in ``folder`` (see ``grade``)."""
    from grading.sandbox import SandboxError
    from grading.trusted import Grader, clean

    rows = []
    for sid, path, msg in collect(folder):
        for sub in ("submitted", "autograded"):
            shutil.rmtree(build / sub / sid / name, ignore_errors=True)
        if path is not None and not msg:
            msg = check_notebook(path)
        res = {"grades": {}, "seconds": 0.0, "message": msg, "tests": {}}
        if not msg:
            dest = build / "submitted" / sid / name
            dest.mkdir(parents=True)
            shutil.copy(path, dest / f"{name}.ipynb")
            try:
                res = Grader(
                    plan(name, dest / f"{name}.ipynb", source),
                    qs,
                    banned,
                    cell_timeout=cell_timeout,
                    timeout=timeout,
                    pool=pool,
                ).run()
            except SandboxError as err:
                raise CourseError(str(err)) from None
            done = build / "autograded" / sid / name
            done.mkdir(parents=True)
            (done / "results.json").write_text(json.dumps(res, indent=1))
        row = {"student": sid, "file": path.name if path else ""}
        for qid, _ in qs:
            row[qid] = float(res["grades"].get(qid, 0.0))
        row["total"] = sum(row[qid] for qid, _ in qs)
        row["max_score"] = sum(p for _, p in qs)
        row["seconds"] = res["seconds"]
        row["message"] = res["message"]
        rows.append(row)
        if not quiet:
            print(
                f"{sid:>20}: {row['total']:g}/{row['max_score']:g} ({row['seconds']} s)"
                + (f"  {clean(row['message'], 300)}" if row["message"] else "")
            )
    return rows


def feedback(name, build=BUILD, source=SOURCE, quiet=False):
    """An HTML page per graded student: their code, the public tests and every test's result."""
    from grading.feedback import write_feedback

    build = Path(build).resolve()
    graded = sorted((build / "autograded").glob(f"*/{name}/results.json"))
    if not graded:
        raise CourseError(f"nothing graded yet for {name} in {build}; run `grade` first")
    for res in graded:
        sid = res.parent.parent.name
        write_feedback(name, sid, build, source, build / "feedback" / sid / name / f"{name}.html")
    if not quiet:
        print(f"feedback: {build}/feedback/STUDENT/{name}/{name}.html")


def bundle(name, out, build=BUILD, source=SOURCE, quiet=False):
    """What students get: student notebook, rmtlib wheel, environment file, README."""
    from course_bundle import bundle as _bundle

    if name not in assignments(source):
        raise CourseError(f"unknown assignment {name!r}; known: {assignments(source)}")
    build = Path(build).resolve()
    if not (build / "release" / name).is_dir():
        generate([name], build, source, quiet=True)
    try:
        path = _bundle(name, build / "release" / name, out)
    except RuntimeError as err:
        raise CourseError(str(err)) from None
    if not quiet:
        print(f"student bundle: {path} ({', '.join(sorted(p.name for p in path.iterdir()))})")
    return path


# --------------------------------------------------------------------------- book editions


def _merge(base, over):
    out = dict(base)
    for key, val in over.items():
        out[key] = (
            _merge(base[key], val)
            if isinstance(val, dict) and isinstance(base.get(key), dict)
            else val
        )
    return out


def edition_config(edition, book=ROOT, build=BUILD):
    """Write the Jupyter Book config of an edition: the book's _config.yml + the overrides."""
    import yaml

    base = yaml.safe_load((Path(book) / "_config.yml").read_text())
    over = yaml.safe_load(EDITION_OVERRIDES.read_text())
    cfg = _merge(base, over["common"])
    cfg = _merge(cfg, over[edition])
    # Jupyter Book resolves local extension folders against the config file's folder.
    local = cfg.get("sphinx", {}).get("local_extensions") or {}
    for ext, folder in local.items():
        local[ext] = str((Path(book).resolve() / folder).resolve())
    path = Path(build).resolve() / f"{edition}_config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))
    return path


def _student_source(book, build):
    """The book as the student edition sees it: links to the book, with STUDENT_PAGES swapped.

    Only the replaced pages are copies; everything else is a symbolic link into the book, so
    the committed notebook outputs are used as they are.
    """
    stage = build / "student_source"
    if stage.exists():
        shutil.rmtree(stage)
    swaps = {Path(k): v for k, v in STUDENT_PAGES.items() if (book / k).exists()}
    swap_dirs = {p.parent for p in swaps}
    skip = {".git", ".venv", "_build", "course_build"}

    def mirror(src, dst):
        dst.mkdir(parents=True, exist_ok=True)
        for entry in src.iterdir():
            rel = entry.relative_to(book)
            if entry.name in skip or build.is_relative_to(entry.resolve()):
                continue
            if rel in swaps:
                shutil.copy(swaps[rel], dst / entry.name)
            elif entry.is_dir() and any(d == rel or d.is_relative_to(rel) for d in swap_dirs):
                mirror(entry, dst / entry.name)
            else:
                (dst / entry.name).symlink_to(entry.resolve())

    mirror(book, stage)
    return stage


def build_book(edition, book=ROOT, build=BUILD, out=None, quiet=False):
    """Build the student or instructor edition from the committed outputs (no execution)."""
    if edition not in ("student", "instructor"):
        raise CourseError("edition must be 'student' or 'instructor'")
    book, build = Path(book).resolve(), Path(build).resolve()
    build.mkdir(parents=True, exist_ok=True)
    if edition == "student":
        book = _student_source(book, build)
    out = Path(out).resolve() if out else build / f"{edition}_book"
    cfg = edition_config(edition, book, build)
    shutil.rmtree(out / "_build" / "html", ignore_errors=True)
    t0 = time.perf_counter()
    cmd = [
        str(BIN / "jupyter-book"),
        "build",
        str(book),
        "--config",
        str(cfg),
        "--path-output",
        str(out),
        "--keep-going",
    ]
    res = subprocess.run(
        cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    (out / "build.log").parent.mkdir(parents=True, exist_ok=True)
    (out / "build.log").write_text(res.stdout)
    if res.returncode != 0:
        warn = [ln for ln in res.stdout.splitlines() if "WARNING" in ln or "ERROR" in ln]
        raise CourseError(
            f"the {edition} edition failed to build (log: {out / 'build.log'}):\n"
            + "\n".join(warn[-20:])
        )
    html = out / "_build" / "html"
    # Warnings do not stop an edition (the book's own build, `./rmtbook build`, is the strict
    # one); they are reported so that the instructor sees them.
    warnings = [ln for ln in res.stdout.splitlines() if "WARNING" in ln]
    if not quiet:
        print(
            f"{edition} edition built in {time.perf_counter() - t0:.0f} s"
            + (f" with {len(warnings)} warning(s), see {out / 'build.log'}" if warnings else "")
            + f": file://{html / 'index.html'}"
        )
    return html


# --------------------------------------------------------------------------- command line


def main(argv=None):
    p = argparse.ArgumentParser(prog="./rmtbook course", description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", default=str(BUILD), help="course folder (default course_build/)")
    sub = p.add_subparsers(
        dest="cmd", required=True, metavar="{list,generate,grade,feedback,bundle,book}"
    )
    sub.add_parser("list", help="list the assignments and their questions")
    g = sub.add_parser("generate", help="student versions + autograder material")
    g.add_argument("names", nargs="*", help="assignments (default: all)")
    r = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    r.add_argument("name", help="assignment, e.g. a1_spectra")
    r.add_argument("submissions", help="folder: one file ID.ipynb (or one folder ID/) per student")
    r.add_argument("--out", help="CSV path (default course_build/scores_NAME.csv)")
    r.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (default 60)")
    r.add_argument(
        "--timeout", type=int, default=300, help="seconds per submission, a backstop (default 300)"
    )
    f = sub.add_parser("feedback", help="HTML feedback per graded student (no hidden tests)")
    f.add_argument("name", help="assignment")
    d = sub.add_parser("bundle", help="the folder to hand students (no solutions, no hidden tests)")
    d.add_argument("name", help="assignment")
    d.add_argument("--out", required=True, help="output folder (replaced)")
    b = sub.add_parser("book", help="build the student or instructor edition of the book")
    b.add_argument("edition", choices=["student", "instructor"])
    b.add_argument("--out", help="output folder (default course_build/EDITION_book)")
    w = sub.add_parser("_generate")  # internal: run by `generate` in a child process
    w.add_argument("names", nargs="+")
    args = p.parse_args(argv)
    if args.cmd == "_generate":
        _generate_worker(args.build_dir, args.names)
        return 0
    try:
        if args.cmd == "list":
            for name in assignments():
                qs = questions(name)
                print(f"{name}: {len(qs)} questions, {sum(x for _, x in qs):g} points")
                for qid, pts in qs:
                    print(f"    {qid:<28} {pts:g}")
        elif args.cmd == "generate":
            generate(args.names, args.build_dir)
        elif args.cmd == "grade":
            grade(
                args.name,
                args.submissions,
                args.out,
                args.build_dir,
                cell_timeout=args.cell_timeout,
                timeout=args.timeout,
            )
        elif args.cmd == "feedback":
            feedback(args.name, args.build_dir)
        elif args.cmd == "bundle":
            bundle(args.name, args.out, args.build_dir)
        elif args.cmd == "book":
            build_book(args.edition, build=args.build_dir, out=args.out)
    except CourseError as err:
        print(f"course: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
