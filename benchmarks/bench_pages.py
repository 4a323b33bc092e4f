"""Page weight and frame-flip time of the built site (run after ``./rmtbook build``).

Prints, for every chapter page: its own files (the HTML with its inline widget state, and the
figures it references), the bytes a browser loads to show it (shared scripts, styles and fonts
included, measured in headless Chromium from file://), the number of panel frames, and the
median time from a key press on a panel slider to the next frame on screen.

    .venv/bin/python benchmarks/bench_pages.py [_build/html]
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

FLIP_JS = """async () => {
    const handle = document.querySelector('.rmt-static-note')
        ?.closest('.widget-vbox')?.querySelector('.noUi-handle');
    if (!handle) return [];
    const panel = handle.closest('.widget-vbox');
    const visible = () => Array.from(panel.querySelectorAll('.rmt-frame'))
        .find(f => f.offsetParent !== null);
    const times = [];
    for (let k = 0; k < 6; k++) {
        const before = visible();
        const key = k < 3 ? 'ArrowRight' : 'ArrowLeft';
        const t0 = performance.now();
        handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
        const ok = await new Promise(resolve => {
            const check = () => {
                const now = visible(), img = now && now.querySelector('img');
                if (now && now !== before && img && img.complete) resolve(true);
                else if (performance.now() - t0 > 2000) resolve(false);
                else requestAnimationFrame(check);
            };
            check();
        });
        if (ok) times.push(performance.now() - t0);
    }
    return times;
}"""


def own_bytes(html: Path, site: Path) -> int:
    text = html.read_text()
    total = html.stat().st_size
    for src in set(re.findall(r'src="(\.\./_images/[^"]+)"', text)):
        path = (html.parent / unquote(src)).resolve()
        if path.is_file() and site in path.parents:
            total += path.stat().st_size
    return total


def main(site: Path) -> int:
    pages = sorted((site / "chapters").glob("*.html"))
    if not pages:
        sys.exit(f"no chapter pages under {site}: run ./rmtbook build first")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        print(f"{'page':36s} {'own MB':>7s} {'loaded MB':>9s} {'frames':>6s} {'flip ms':>8s}")
        for html in pages:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            loaded = {}

            def record(response, loaded=loaded):
                url = response.url
                if url.startswith("file://"):
                    path = Path(unquote(urlparse(url).path))
                    if path.is_file():
                        loaded[url] = path.stat().st_size

            page.on("response", record)
            page.goto(html.as_uri(), wait_until="networkidle")
            try:
                page.wait_for_selector(".rmt-frame img", timeout=20_000)
            except Exception:  # a page without panels
                pass
            frames = page.evaluate(
                "() => (document.documentElement.innerHTML.match(/rmt-frame/g) || []).length"
            )
            flips = page.evaluate(FLIP_JS)
            flip = f"{statistics.median(flips):.1f}" if flips else "-"
            print(
                f"{html.name:36s} {own_bytes(html, site) / 1e6:7.2f} "
                f"{sum(loaded.values()) / 1e6:9.2f} {frames:6d} {flip:>8s}"
            )
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "html").resolve()))
