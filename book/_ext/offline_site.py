"""Small Sphinx fixes that keep the static book clean when read offline.

- sphinx-thebe registers its inline configuration script twice under Jupyter Book 1, and the
  second copy is a JavaScript error (``THEBE_JS_URL`` declared twice); drop exact duplicates.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for js in context.get("script_files", []):
        # Inline scripts carry filename None or "" depending on who added them.
        key = (getattr(js, "filename", js) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
