"""Browser check of the built site in headless Debian Chromium, with the network cut off.

Every page is opened from file:// with every non-file request blocked and recorded, so a page
that needs another host to render fails here exactly as it would fail offline for a reader.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
RAW_TEX = ("$$", "\\frac", "\\begin{", "\\mathbb", "\\(", "\\[")


@dataclass
class PageReport:
    name: str
    math: int = 0
    raw_tex: list = field(default_factory=list)
    has_widgets: bool = False
    sliders: int = 0
    widget_images: int = 0
    readout_moved: tuple | None = None
    js_errors: list = field(default_factory=list)
    external: list = field(default_factory=list)


def _visit(browser, site, html):
    rep = PageReport(str(html.relative_to(site)))
    page = browser.new_page()
    page.on("pageerror", lambda exc: rep.js_errors.append(f"uncaught: {exc}"))
    page.on("console", lambda m: rep.js_errors.append(f"console: {m.text}")
            if m.type == "error" else None)

    def route(r):
        if r.request.url.startswith(("file://", "data:", "blob:")):
            r.continue_()
        else:
            rep.external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html.as_uri(), wait_until="load")
    if page.locator("script[src*='mathjax']").count():  # Sphinx loads MathJax only where needed
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=30_000)
        page.evaluate("() => MathJax.startup.promise")
    rep.math = page.locator("mjx-container").count()
    # Prose only: code cells legitimately contain TeX in matplotlib labels.
    text = page.evaluate("""() => {
        const main = document.querySelector("main").cloneNode(true);
        main.querySelectorAll("pre, code, .highlight, .cell_input, script, style")
            .forEach(e => e.remove());
        return main.innerText;
    }""")
    rep.raw_tex = [t for t in RAW_TEX if t in text]
    rep.has_widgets = "application/vnd.jupyter.widget-state+json" in html.read_text()
    if rep.has_widgets:
        try:
            page.wait_for_selector(".widget-slider", timeout=30_000)
        except playwright.TimeoutError:
            pass
        rep.sliders = page.locator(".widget-slider").count()
        rep.widget_images = page.locator(".widget-output img").count()
        if rep.sliders:
            readout = page.locator(".widget-slider .widget-readout").first
            before = readout.inner_text()
            page.locator(".widget-slider .noUi-handle").first.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(200)
            rep.readout_moved = (before, readout.inner_text())
    page.close()
    return rep


@pytest.fixture(scope="session")
def reports(built_site):
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is required for the browser check (./rmtbook test installs it)"
    # The site root's index.html is only a redirect to book/index.html, which is visited.
    pages = sorted(p for p in built_site.rglob("*.html") if p.parent.name in ("book", "chapters"))
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            out = [_visit(browser, built_site, p) for p in pages]
        finally:
            browser.close()
    return out


def test_site_has_front_matter_and_chapters(reports):
    names = {r.name for r in reports}
    for page in ["book/index.html", "book/how_to_use.html", "book/notation.html",
                 "book/bibliography.html", "book/execution_status.html",
                 "chapters/01_proportional_regime.html"]:
        assert page in names, f"{page} missing from the built site"


def test_every_page_typesets_its_math(reports):
    raw = {r.name: r.raw_tex for r in reports if r.raw_tex}
    assert not raw, f"raw TeX left on pages (MathJax did not typeset it): {raw}"
    chapters = [r for r in reports if r.name.startswith("chapters/")]
    assert all(r.math > 0 for r in chapters), \
        f"chapters without rendered math: {[r.name for r in chapters if not r.math]}"


def test_every_widget_page_shows_sliders_that_respond_to_keys(reports):
    widget_pages = [r for r in reports if r.has_widgets]
    assert widget_pages, "no page carries widget state: the panels would not render statically"
    for r in widget_pages:
        assert r.sliders > 0, f"{r.name}: widget state saved but no slider rendered"
        assert r.widget_images > 0, f"{r.name}: panels show no default figure without a kernel"
        before, after = r.readout_moved
        assert before != after, f"{r.name}: ArrowRight on a slider did not move it ({before})"


def test_no_javascript_errors(reports):
    errors = {r.name: r.js_errors for r in reports if r.js_errors}
    assert not errors, f"JavaScript errors: {errors}"


def test_no_request_leaves_the_site(reports):
    external = {r.name: sorted(set(r.external)) for r in reports if r.external}
    assert not external, f"pages asked another host (they would break offline): {external}"


def test_execution_status_page_lists_every_chapter(built_site):
    from pathlib import Path

    html = (built_site / "book" / "execution_status.html").read_text()
    for nb in sorted(Path(built_site.parent.parent / "chapters").glob("[0-9]*.ipynb")):
        assert nb.stem in html, f"{nb.stem} missing from the execution-status table"
    assert "Python 3.11" in html, "the build environment (Python and package versions) is missing"


def test_chapters_have_a_binder_jupyterlab_launch_button(built_site):
    html = (built_site / "chapters" / "01_proportional_regime.html").read_text()
    assert "mybinder.org/v2/gh/" in html and "urlpath=lab/tree/chapters/" in html
