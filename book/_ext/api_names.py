"""Resolve ``rmtlib.name`` references in docstrings to the module that defines ``name``.

Docstrings refer to the public spelling, ``rmtlib.mp_stieltjes`` (what ``rmt.mp_stieltjes``
calls), while autodoc documents each object in its own module (``rmtlib.mp.mp_stieltjes``).
Only a reference that matches exactly one documented object is resolved; anything else stays
a missing reference, so ``-n`` still catches a misspelt name.
"""

from __future__ import annotations


def _resolve(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    if target.startswith("rmtlib."):
        name = target[len("rmtlib.") :]
    elif "." not in target:
        name = target
    else:
        return None
    if "." in name:
        return None
    domain = env.get_domain("py")
    found = [
        full
        for full in domain.objects
        if full.startswith("rmtlib.") and full.rsplit(".", 1)[-1] == name and full.count(".") == 2
    ]
    if len(found) != 1:
        return None
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], found[0], node, contnode
    )


def setup(app):
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
