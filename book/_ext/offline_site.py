"""Small Sphinx fixes that keep the static book clean when read offline.

- sphinx-thebe registers its inline configuration script twice under Jupyter Book 1, and the
  second copy is a JavaScript error (``THEBE_JS_URL`` declared twice); drop exact duplicates.
- pydata-sphinx-theme loads ``fontawesome.js`` (1.5 MB) on every page only so that authors can add
  custom SVG icons; the theme's own icons come from its stylesheet's web fonts (a few hundred kB,
  fetched only for the glyphs a page shows), and the book adds no icon, so the script and its map
  are dropped (a sixth of what a chapter page loads). The widget manager's own icon fonts are
  found through the module paths set in ``offline-widgets.js``.
- A figure's image gets its caption as alt text (myst-nb leaves it empty or the file path), so a
  screen reader, or a reader whose images fail to load, gets what the figure shows.
"""

import re
from pathlib import Path

from docutils import nodes

_ALT_MAX = 400
_FONTAWESOME_JS = re.compile(
    r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>'
)


def _caption_alt(app, doctree, docname):
    for figure in doctree.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        if not captions:
            continue
        text = re.sub(r"\\(mathrm|mathbf|mathcal|operatorname|text|rm)\b", "", captions[0].astext())
        text = re.sub(r"\s+", " ", text.replace("\\", "")).strip()
        if len(text) > _ALT_MAX:
            text = text[:_ALT_MAX].rsplit(" ", 1)[0] + " …"
        for image in figure.findall(nodes.image):
            if not image.get("alt") or image.get("alt") == image.get("uri"):
                image["alt"] = text


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for js in context.get("script_files", []):
        # Inline scripts carry filename None or "" depending on who added them.
        key = (
            getattr(js, "filename", js) or "",
            tuple(sorted(getattr(js, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _drop_fontawesome_js(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lean = _FONTAWESOME_JS.sub("", text)
        if lean != text:
            page.write_text(lean, encoding="utf-8")
    for leftover in (out / "_static" / "scripts").glob("fontawesome.js*"):
        leftover.unlink()


def setup(app):
    app.connect("html-page-context", _dedupe_scripts)
    app.connect("doctree-resolved", _caption_alt)
    app.connect("build-finished", _drop_fontawesome_js)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
