"""The grader's side: runs a submission's cells in a sandbox and its tests in this process.

A submission's own cells (answers and any cell the student added) run in the sandbox, in the
order of the submitted notebook. Each test cell is taken from the assignment's source (never
from the submission) and executed *here*, with the trusted ``numpy`` and ``rmtlib``: the names it
reads that the test does not define itself are fetched from the sandbox as values, and the
student's functions become stand-ins that send the call's inputs to the sandbox and decode the
result. So patching numpy, builtins or IPython in the notebook changes nothing in the
comparison, and the hidden tests never enter the sandbox (only the inputs of the calls do).

If the notebook's process dies, hangs past the time limit of a cell, or exceeds its resource
limits, the points already earned stay; the offending cell is skipped and the notebook is
restarted in a fresh sandbox from its first cell, so that only the questions depending on that
cell are lost.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import re
import time

import numpy as np

from . import codec
from .sandbox import Ended, Pool

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MAX_RESTARTS = 6


class StudentError(Exception):
    """The student's function raised (in the sandbox) while a test called it."""


def clean(text, limit=160):
    """Text from a submission made safe for a terminal, a CSV cell and one line of HTML."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_test(source):
    """(public part, hidden part) of a test cell's source."""
    if HIDDEN_BEGIN not in source:
        return source, ""
    public, rest = source.split(HIDDEN_BEGIN, 1)
    hidden = rest.split(HIDDEN_END, 1)[0]
    return public, hidden


def public_part(source):
    return split_test(source)[0].rstrip() + "\n"


def _free_names(code):
    """Names a piece of code reads without defining them anywhere in it."""
    tree = ast.parse(code)
    loaded, stored = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded.append(node.id) if isinstance(node.ctx, ast.Load) else stored.add(node.id))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            stored.add(node.name)
    return list(dict.fromkeys(n for n in loaded if n not in stored))


def _callable_name(fn):
    """How the sandbox can find a callable the tests pass to a student's function."""
    import cmath
    import math

    import scipy.special

    name = getattr(fn, "__name__", None)
    if not name:
        return None
    for module, label in (
        (np, "numpy"),
        (scipy.special, "scipy.special"),
        (math, "math"),
        (cmath, "cmath"),
    ):
        if getattr(module, name, None) is fn:
            return f"{label}.{name}"
    return None


class _Remote:
    """Stands in, in the tests, for a function defined by the student's notebook."""

    def __init__(self, session, name):
        self._session, self.__name__ = session, name

    def __call__(self, *args, **kwargs):
        return self._session.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<the student's {self.__name__}>"


class _Session:
    """One sandbox with the timing rules of a submission."""

    def __init__(self, grader):
        self.grader = grader
        self.box = grader.pool.take()

    def request(self, op, **fields):
        budget = self.grader.budget()
        try:
            return self.box.request(op, budget, **fields)
        except Ended as end:
            if "time limit" in end.reason and budget < self.grader.cell_timeout:
                raise Ended(
                    f"stopped after the {self.grader.timeout} s limit per submission"
                ) from None
            raise

    def call(self, name, args, kwargs):
        doc_args = codec.encode(tuple(args), _callable_name)
        doc_kwargs = codec.encode(dict(kwargs), _callable_name)
        msg = self.request("call", name=name, args=doc_args, kwargs=doc_kwargs)
        if "raised" in msg:
            ename, evalue = (list(msg["raised"]) + ["", ""])[:2]
            raise StudentError(
                f"{name} raised {clean(ename, 40)}" + (f": {clean(evalue, 100)}" if evalue else "")
            )
        return _decode(msg.get("value"))

    def fetch(self, name):
        """The value of ``name`` in the notebook, a stand-in if it is a function, or _MISSING."""
        msg = self.request("get", name=name)
        if msg.get("missing"):
            return _MISSING
        if "callable" in msg:
            return _Remote(self, name)
        return _decode(msg.get("value"))

    def close(self):
        self.box.close()


_MISSING = object()


def _decode(doc):
    try:
        return codec.decode(doc)
    except Exception:
        return codec.Unreadable("malformed value")


class _Aborted(BaseException):
    """Raised through the tests when the sandbox ended (a test must not catch it)."""

    def __init__(self, end):
        self.end = end


class Grader:
    """Grades one submission: ``cells`` is [(kind, label, code)], kind "student" or "test"."""

    def __init__(self, cells, points, forbidden=None, cell_timeout=60, timeout=300, pool=None):
        self.cells, self.points = cells, dict(points)
        self.forbid_by_question = dict(forbidden or {})
        self.forbidden = sorted({f for names in self.forbid_by_question.values() for f in names})
        self.pool = pool or Pool(self.forbidden, spares=0)
        self.cell_timeout, self.timeout = cell_timeout, timeout
        self.t0 = None
        self.results = {}  # grade_id -> result of its test cell
        self.errors, self.unanswered = [], []
        self.stopped = ""
        self.restarts = 0

    # time ----------------------------------------------------------------------------------
    def budget(self):
        left = self.timeout - (time.monotonic() - self.t0)
        if left <= 0:
            raise Ended(f"stopped after the {self.timeout} s limit per submission")
        return min(self.cell_timeout, left)

    def _why(self, end):
        reason = end.reason
        if "time limit" in reason and "per submission" not in reason:
            return f"stopped after the {self.cell_timeout} s time limit per cell"
        return reason

    # one run -------------------------------------------------------------------------------
    def run(self):
        self.t0 = time.monotonic()
        present = {label for kind, label, _ in self.cells if kind == "test"}
        for qid in self.points:
            if qid not in present:
                self.errors.append(f"{qid}: test cell deleted from the notebook")
        skipped, resume = set(), 0
        import rmtlib

        # The tests' own namespace survives restarts of the notebook (names a test cell defines
        # may be used by a later one); the student's names in it are fetched afresh each time.
        ns = {"np": np, "rmt": rmtlib, "__builtins__": builtins}
        while True:
            session = _Session(self)  # SandboxError: this machine cannot grade at all
            try:
                position = self._pass(session, skipped, resume, ns)
            finally:
                session.close()
            if position is None:
                break
            index, end, in_test = position
            label = self.cells[index][1]
            if "per submission" in end.reason:
                self.stopped = f"grading stopped after the {self.timeout} s limit per submission"
                break
            why = self._why(end)
            if in_test:
                self.results[label] = {
                    "public": {"passed": False, "message": why, "output": ""},
                    "hidden": {"passed": None, "message": "not run"},
                    "passed": False,
                }
            else:
                self.errors.append(f"{label}: {why}")
                skipped.add(index)
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                self.stopped = f"grading stopped after {MAX_RESTARTS} restarts of the notebook"
                break
            resume = index + 1
        return self.report()

    def _pass(self, session, skipped, resume, ns):
        """Run the cells; ``None`` when done, else (index, Ended, in a test?) where it ended."""
        for index, (kind, label, code) in enumerate(self.cells):
            if index in skipped:
                continue
            if kind == "student":
                try:
                    msg = session.request("cell", code=code)
                except Ended as end:
                    return index, end, False
                if index >= resume and msg.get("error"):
                    self._student_error(label, msg["error"])
            elif index >= resume and label not in self.results:
                try:
                    self.results[label] = self._test(session, label, code, ns)
                except _Aborted as stop:
                    return index, stop.end, True
        return None

    def _student_error(self, label, error):
        ename, evalue = (list(error) + ["", ""])[:2]
        ename, evalue = clean(ename, 40), clean(evalue, 120)
        if ename == "NotImplementedError":
            self.unanswered.append(label)
        else:
            self.errors.append(f"{label}: {ename}" + (f": {evalue}" if evalue else ""))

    def _test(self, session, qid, code, ns):
        public, hidden = split_test(code)
        fetched = ns.setdefault("__student_names__", set())
        out = {"passed": False}
        try:
            for name in _free_names(public + "\n" + hidden):
                if name in ns and name not in fetched or hasattr(builtins, name):
                    continue
                fetched.add(name)
                value = session.fetch(name)
                if value is _MISSING:
                    ns.pop(name, None)
                else:
                    ns[name] = value
        except Ended as end:
            raise _Aborted(end) from None
        out["public"] = self._exec(public, ns, f"{qid} (public tests)")
        if not out["public"]["passed"]:
            out["hidden"] = {"passed": None, "message": "not run (the public tests failed)"}
        elif hidden.strip():
            out["hidden"] = self._exec(hidden, ns, f"{qid} (hidden tests)")
            out["hidden"].pop("output", None)  # what the hidden tests print stays private
        else:
            out["hidden"] = {"passed": True, "message": ""}
        out["passed"] = bool(out["public"]["passed"] and out["hidden"]["passed"])
        for name in self.forbid_by_question.get(qid, ()):
            if self._mentions(name):
                out["passed"] = False
                out["forbidden"] = f"the answer uses rmt.{name}, which the question forbids"
        return out

    def _mentions(self, name):
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        return any(kind == "student" and pattern.search(code) for kind, _, code in self.cells)

    @staticmethod
    def _exec(code, ns, filename):
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, filename, "exec"), ns)
        except Ended as end:  # the sandbox ended during a call to the student's function
            raise _Aborted(end) from None
        except AssertionError as err:
            return {
                "passed": False,
                "message": clean(err) or "an assertion failed",
                "output": buf.getvalue()[-2000:],
            }
        except StudentError as err:
            return {"passed": False, "message": clean(err), "output": buf.getvalue()[-2000:]}
        except Exception as err:  # a value of the wrong type, a missing name...
            return {
                "passed": False,
                "message": clean(f"{type(err).__name__}: {err}"),
                "output": buf.getvalue()[-2000:],
            }
        return {"passed": True, "message": "", "output": buf.getvalue()[-2000:]}

    # summary -------------------------------------------------------------------------------
    def report(self):
        grades, failed = {}, []
        for qid, pts in self.points.items():
            res = self.results.get(qid)
            grades[qid] = pts if res and res["passed"] else 0.0
            if res and not res["passed"]:
                part = res["public"] if not res["public"]["passed"] else res["hidden"]
                why = res.get("forbidden") or part["message"]
                failed.append(f"{qid} ({why})" if why else qid)
        msgs = list(self.errors)
        if self.unanswered:
            msgs.append("no answer in " + ", ".join(self.unanswered))
        if failed:
            msgs.append("failed " + ", ".join(failed))
        if self.stopped:
            msgs.append(self.stopped)
        return {
            "grades": grades,
            "message": "; ".join(msgs),
            "tests": self.results,
            "seconds": round(time.monotonic() - self.t0, 1),
        }
