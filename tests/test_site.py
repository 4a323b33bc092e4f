"""Browser check of the built site in headless Debian Chromium, with the network cut off.

Every page is opened from file:// with every non-file request blocked and recorded, so a page
that needs another host to render fails here exactly as it would fail offline for a reader.
On every panel, every enabled control is moved and the frame on screen must follow it; display
equations must fit their box at a desktop width, a phone width and in print.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import launch_links  # noqa: E402

pytestmark = pytest.mark.build

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RAW_TEX = ("$$", "\\frac", "\\begin{", "\\mathbb", "\\(", "\\[")
DESKTOP, PHONE, PRINT = 1400, 390, 700  # CSS px; PRINT is an A4 text column at 96 dpi

_PANELS_JS = """() => Array.from(document.querySelectorAll('.rmt-static-note')).map((note, i) => {
    const panel = note.closest('.widget-vbox');
    panel.dataset.rmtPanel = i;
    const row = panel.querySelector('.widget-hbox');
    return Array.from(row.children).map(c => ({
        kind: c.querySelector('select') ? 'dropdown' : 'slider',
        disabled: !!(c.querySelector('select:disabled') || c.querySelector('.noUi-target[disabled]')
                     || c.classList.contains('mod-disabled')),
        title: c.getAttribute('title') || (c.querySelector('[title]') || {}).title || '',
        options: c.querySelector('select') ? c.querySelector('select').options.length : 0,
        current: c.querySelector('select') ? c.querySelector('select').selectedIndex : 0,
        note: note.textContent,
    }));
})"""

_FRAME_JS = """(i) => {
    const panel = document.querySelector(`[data-rmt-panel="${i}"]`);
    const frames = Array.from(panel.querySelectorAll('.rmt-frame'))
        .filter(f => f.offsetParent !== null);
    // a Dropdown shows the spaces of its labels as no-break spaces (ipywidgets keeps runs of them)
    const labels = Array.from(panel.querySelector('.widget-hbox').children)
        .filter(c => !(c.querySelector('select:disabled') || c.querySelector('.noUi-target[disabled]')))
        .map(c => c.querySelector('select')
             ? c.querySelector('select').selectedOptions[0].textContent.replace(/\u00a0/g, ' ')
             : c.querySelector('.widget-readout').textContent.trim());
    if (frames.length !== 1) return {count: frames.length, labels};
    const f = frames[0], img = f.querySelector('img');
    return {count: 1, labels, state: f.dataset.state, src: img ? img.src : '',
            alt: img ? img.alt : '', readout: (f.querySelector('.rmt-readout') || {}).textContent || ''};
}"""

_CODE_OVERFLOW_JS = """() => Array.from(document.querySelectorAll('main pre'))
    .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 60))"""

_IMAGES_JS = """() => Array.from(document.querySelectorAll('main img')).map(i => ({
    alt: i.alt || '', src: (i.getAttribute('src') || '').slice(0, 80)}))"""


@dataclass
class PageReport:
    name: str
    math: int = 0
    raw_tex: list = field(default_factory=list)
    has_widgets: bool = False
    panels: list = field(default_factory=list)  # per panel: list of control sweeps
    panel_errors: list = field(default_factory=list)
    overflow: dict = field(default_factory=dict)  # width name -> overflowing displays
    shrunk_on_desktop: list = field(default_factory=list)
    code_overflow_print: list = field(default_factory=list)
    bad_alt: list = field(default_factory=list)
    js_errors: list = field(default_factory=list)
    external: list = field(default_factory=list)


def _sweep_panels(page, rep):
    panels = page.evaluate(_PANELS_JS)
    for i, controls in enumerate(panels):
        sweeps = []
        first = page.evaluate(_FRAME_JS, i)
        if first["count"] != 1:
            rep.panel_errors.append(f"panel {i}: {first['count']} frames visible, expected 1")
            continue
        for k, ctl in enumerate(controls):
            if ctl["disabled"]:
                if "JupyterLab" not in ctl["title"] and "Greyed controls" not in ctl["note"]:
                    rep.panel_errors.append(
                        f"panel {i} control {k}: disabled, and neither a "
                        "tooltip nor the panel's note says where it works"
                    )
                sweeps.append(("disabled", 0))
                continue
            box = (
                page.locator(f'[data-rmt-panel="{i}"] .widget-hbox')
                .first.locator(":scope > *")
                .nth(k)
            )
            seen, before = [], page.evaluate(_FRAME_JS, i)
            for step in range(3 if ctl["kind"] == "slider" else min(3, ctl["options"] - 1)):
                if ctl["kind"] == "dropdown":
                    pick = (ctl["current"] + step + 1) % ctl["options"]
                    box.locator("select").select_option(index=pick)
                else:
                    box.locator(".noUi-handle").first.focus()
                    page.keyboard.press("ArrowRight")
                    page.wait_for_timeout(50)
                    if page.evaluate(_FRAME_JS, i).get("labels") == before.get("labels"):
                        page.keyboard.press("ArrowLeft")  # at the end of the range: go back
                        page.keyboard.press("ArrowLeft")
                page.wait_for_timeout(150)
                after = page.evaluate(_FRAME_JS, i)
                if after["count"] != 1:
                    rep.panel_errors.append(f"panel {i} control {k}: {after['count']} frames shown")
                    break
                if after["labels"] == before["labels"]:
                    rep.panel_errors.append(f"panel {i} control {k}: the control did not move")
                    break
                if after["state"] != "|".join(after["labels"]):
                    rep.panel_errors.append(
                        f"panel {i} control {k}: controls show "
                        f"{after['labels']} but the frame is {after['state']}"
                    )
                if after["src"] == before["src"]:
                    rep.panel_errors.append(
                        f"panel {i} control {k}: the figure did not change "
                        f"({before['state']} -> {after['state']})"
                    )
                if not after["alt"]:
                    rep.panel_errors.append(f"panel {i}: a frame without alt text")
                if before["readout"] and not after["readout"]:
                    rep.panel_errors.append(f"panel {i} control {k}: the readout vanished")
                seen.append(after["state"])
                before = after
            sweeps.append(("moved", len(seen)))
            if ctl["kind"] == "slider":
                _flip_fast(page, box, i, k, rep)
        rep.panels.append(sweeps)


def _flip_fast(page, box, i, k, rep):
    # A reader holding an arrow key flips faster than the page paints; the widget manager once
    # logged an error for every frame replaced before its first paint (offline-widgets.js, 3.).
    box.locator(".noUi-handle").first.focus()
    for key in ["ArrowRight"] * 3 + ["ArrowLeft"] * 6 + ["ArrowRight"] * 3:
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    after = page.evaluate(_FRAME_JS, i)
    if after["count"] != 1:
        rep.panel_errors.append(f"panel {i} control {k}: {after['count']} frames after fast flips")
    elif after["state"] != "|".join(after["labels"]):
        rep.panel_errors.append(
            f"panel {i} control {k}: after fast flips the controls show {after['labels']} "
            f"but the frame is {after['state']}"
        )


def _fit_report(page):
    return page.evaluate("() => window.rmtFitMath ? window.rmtFitMath() : null")


def _check_math_widths(page, rep):
    page.wait_for_timeout(50)
    desktop = _fit_report(page) or []
    rep.overflow["1400 px"] = [d for d in desktop if d["overflow"]]
    rep.shrunk_on_desktop = [d for d in desktop if d["scale"] < 1]
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.wait_for_timeout(150)
    rep.overflow["390 px"] = [d for d in (_fit_report(page) or []) if d["overflow"]]
    page.set_viewport_size({"width": PRINT, "height": 1000})
    page.emulate_media(media="print")
    page.wait_for_timeout(150)
    rep.overflow["print"] = [d for d in (_fit_report(page) or []) if d["overflow"]]
    rep.code_overflow_print = page.evaluate(_CODE_OVERFLOW_JS)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": DESKTOP, "height": 900})


def _visit(browser, site, html):
    rep = PageReport(str(html.relative_to(site)))
    page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
    page.on("pageerror", lambda exc: rep.js_errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda m: rep.js_errors.append(f"console: {m.text}") if m.type == "error" else None,
    )

    def route(r):
        if r.request.url.startswith(("file://", "data:", "blob:")):
            r.continue_()
        else:
            rep.external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html.as_uri(), wait_until="load")
    if page.locator("script[src*='mathjax']").count():  # Sphinx loads MathJax only where needed
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000
        )
        page.evaluate("() => MathJax.startup.promise")
    rep.math = page.locator("mjx-container").count()
    # Prose only: code cells legitimately contain TeX in matplotlib labels.
    text = page.evaluate("""() => {
        const main = document.querySelector("main").cloneNode(true);
        main.querySelectorAll("pre, code, .highlight, .cell_input, script, style, .widget-html")
            .forEach(e => e.remove());
        return main.innerText;
    }""")
    rep.raw_tex = [t for t in RAW_TEX if t in text]
    rep.has_widgets = "application/vnd.jupyter.widget-state+json" in html.read_text()
    if rep.has_widgets:
        try:
            page.wait_for_selector(".rmt-frame img", timeout=30_000)
        except playwright.TimeoutError:
            pass
        _sweep_panels(page, rep)
    rep.bad_alt = [
        i["src"]
        for i in page.evaluate(_IMAGES_JS)
        if not i["alt"].strip() or i["alt"].endswith((".png", ".svg", ".jpg"))
    ]
    # Reference pages render docstring formulas as written; the width rule is for the book's text.
    if rep.math and not rep.name.startswith("api/") and "/api/" not in rep.name:
        _check_math_widths(page, rep)
    page.close()
    return rep


@pytest.fixture(scope="session")
def reports(built_site):
    chromium = shutil.which("chromium")
    assert chromium, (
        "Debian's chromium is required for the browser check (./rmtbook test installs it)"
    )
    # The site root's index.html is only a redirect to book/index.html, which is visited.
    pages = sorted(
        p for p in built_site.rglob("*.html") if p.parent.name in ("book", "chapters", "api")
    )
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            out = [_visit(browser, built_site, p) for p in pages]
        finally:
            browser.close()
    return out


def test_site_has_front_matter_and_chapters(reports):
    names = {r.name for r in reports}
    for page in [
        "book/index.html",
        "book/how_to_use.html",
        "book/notation.html",
        "book/bibliography.html",
        "book/execution_status.html",
        "chapters/01_proportional_regime.html",
    ]:
        assert page in names, f"{page} missing from the built site"


def test_every_page_typesets_its_math(reports):
    raw = {r.name: r.raw_tex for r in reports if r.raw_tex}
    assert not raw, f"raw TeX left on pages (MathJax did not typeset it): {raw}"
    chapters = [r for r in reports if r.name.startswith("chapters/")]
    assert all(r.math > 0 for r in chapters), (
        f"chapters without rendered math: {[r.name for r in chapters if not r.math]}"
    )


def test_every_chapter_has_a_panel(reports):
    chapters = [r for r in reports if r.name.startswith("chapters/")]
    missing = [r.name for r in chapters if not r.panels]
    assert not missing, f"chapters without a working panel on the static page: {missing}"


def test_every_enabled_control_changes_the_frame(reports):
    errors = {r.name: r.panel_errors for r in reports if r.panel_errors}
    assert not errors, f"panel controls that lie on the static page: {errors}"
    for r in reports:
        for i, sweeps in enumerate(r.panels):
            moved = [n for kind, n in sweeps if kind == "moved"]
            assert moved, f"{r.name} panel {i}: no control works on the static page"


def test_display_equations_fit_at_desktop_phone_and_print(reports):
    problems = {}
    for r in reports:
        for width, bad in r.overflow.items():
            for d in bad:
                problems.setdefault(r.name, []).append(
                    f"{width}: {d['label'] or d['text'][:40]!r} needs {d['width']} px, has "
                    f"{round(d['room'])}"
                )
        for d in r.shrunk_on_desktop:
            problems.setdefault(r.name, []).append(
                f"1400 px: {d['label'] or d['text'][:40]!r} only fits shrunk to {d['scale']:.2f}"
            )
    assert not problems, f"display equations wider than their box: {problems}"


def test_code_fits_the_printed_page(reports):
    bad = {r.name: r.code_overflow_print for r in reports if r.code_overflow_print}
    assert not bad, f"code cut at the margin in print: {bad}"


def test_every_image_has_alt_text(reports):
    bad = {r.name: r.bad_alt for r in reports if r.bad_alt}
    assert not bad, f"images without real alt text: {bad}"


def test_no_javascript_errors(reports):
    errors = {r.name: r.js_errors for r in reports if r.js_errors}
    assert not errors, f"JavaScript errors: {errors}"


def test_no_request_leaves_the_site(reports):
    external = {r.name: sorted(set(r.external)) for r in reports if r.external}
    assert not external, f"pages asked another host (they would break offline): {external}"


def test_search_works_offline(built_site):
    errors = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((built_site / "search.html").as_uri() + "?q=Marchenko", wait_until="load")
        page.wait_for_selector("#search-results li", timeout=30_000)
        hits = page.locator("#search-results li a").all_inner_texts()
        page.wait_for_timeout(500)
        browser.close()
    assert hits, "offline search found nothing for 'Marchenko'"
    assert not errors, f"the search page logged errors from file://: {errors}"


def test_execution_status_page_lists_every_chapter(built_site):
    from pathlib import Path

    html = (built_site / "book" / "execution_status.html").read_text()
    for nb in sorted(Path(built_site.parent.parent / "chapters").glob("[0-9]*.ipynb")):
        assert nb.stem in html, f"{nb.stem} missing from the execution-status table"
    assert "Python 3.11" in html, "the build environment (Python and package versions) is missing"


def test_chapters_have_a_binder_jupyterlab_launch_button(built_site):
    html = (built_site / "chapters" / "01_proportional_regime.html").read_text()
    assert "mybinder.org/v2/gh/" in html and "urlpath=lab/tree/chapters/" in html


def test_the_sites_launch_and_repository_buttons_use_the_configured_repository(built_site):
    slug, branch, hub = launch_links.repository()
    html = (built_site / "chapters" / "01_proportional_regime.html").read_text()
    binder = set(re.findall(r"https://mybinder\.org/v2/gh/[^\"'\s<>\\]+", html))
    assert binder, "no Binder launch button on a chapter page"
    for link in binder:
        assert link.startswith(f"{hub}/v2/gh/{slug}/{branch}?urlpath=lab/tree/chapters/"), link
    repo_links = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", html))
    assert repo_links == {f"https://github.com/{slug}"}, repo_links
