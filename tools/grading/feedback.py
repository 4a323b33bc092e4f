"""A student's feedback page: their own code, the public tests, and what every test said.

It is written from the grader's record (``autograded/STUDENT/NAME/results.json``) and the
student version of the notebook: the public part of each test cell is shown with its output,
and the hidden tests only as passed / failed with their message, never their code.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from .trusted import public_part

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
pre {{ background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }}
.pass {{ color: #116611; }} .fail {{ color: #aa1111; }}
td, th {{ padding: .2rem .6rem; text-align: left; }}
</style></head><body>
<h1>{title}</h1>
<p>Score: <strong>{total:g} / {max_score:g}</strong></p>
{summary}
{cells}
</body></html>
"""


def _status(result):
    if result is None:
        return '<span class="fail">not run</span>'
    if result.get("passed") is None:
        return f"not run ({html.escape(result.get('message', ''))})"
    if result["passed"]:
        return '<span class="pass">passed</span>'
    msg = result.get("message", "")
    return '<span class="fail">failed</span>' + (f": {html.escape(msg)}" if msg else "")


def write_feedback(name, sid, build, source, out):
    """Write the feedback page of student ``sid`` for assignment ``name`` to ``out``."""
    import nbformat

    build = Path(build)
    res = json.loads((build / "autograded" / sid / name / "results.json").read_text())
    release = nbformat.read(build / "release" / name / f"{name}.ipynb", as_version=4)
    public = {
        c.metadata.get("nbgrader", {}).get("grade_id"): public_part(c.source)
        for c in release.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    src = nbformat.read(Path(source) / name / f"{name}.ipynb", as_version=4)
    points = {
        c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
        for c in src.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    grades = res.get("grades", {})
    rows = "".join(
        f"<tr><td>{html.escape(q)}</td><td>{grades.get(q, 0):g} / {p:g}</td></tr>"
        for q, p in points.items()
    )
    summary = f"<table><tr><th>question</th><th>points</th></tr>{rows}</table>"
    if res.get("message"):
        summary += f"<p>Grader's notes: {html.escape(res['message'])}</p>"
    submitted = nbformat.read(build / "submitted" / sid / name / f"{name}.ipynb", as_version=4)
    parts, shown = [], set()
    for cell in submitted.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code":
            continue
        if gid in public:
            if gid in shown:
                continue
            shown.add(gid)
            test = res.get("tests", {}).get(gid, {})
            pub = test.get("public")
            out_text = (pub or {}).get("output", "")
            parts.append(
                f"<h2>{html.escape(gid)} ({grades.get(gid, 0):g} / {points[gid]:g})</h2>"
                f"<p>Public tests:</p><pre>{html.escape(public[gid])}</pre>"
                + (f"<p>Their output:</p><pre>{html.escape(out_text)}</pre>" if out_text else "")
                + f"<p>Public tests: {_status(pub)}</p>"
                f"<p>Hidden tests: {_status(test.get('hidden'))}</p>"
                + (f"<p>{html.escape(test['forbidden'])}</p>" if test.get("forbidden") else "")
            )
        else:
            parts.append(f"<pre>{html.escape(str(cell.source))}</pre>")
    for gid in points:
        if gid not in shown:
            parts.append(
                f"<h2>{html.escape(gid)} (0 / {points[gid]:g})</h2>"
                "<p>This test cell is missing from the submitted notebook.</p>"
            )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        PAGE.format(
            title=html.escape(f"{name}: feedback for {sid}"),
            total=sum(grades.values()),
            max_score=sum(points.values()),
            summary=summary,
            cells="\n".join(parts),
        )
    )
    return out
