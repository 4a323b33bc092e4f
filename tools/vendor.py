"""Fetch the pinned browser assets of the static site and lay them out under book/_extra/vendor.

MathJax, require.js and the ipywidgets HTML manager are taken from the npm registry with
``npm pack`` (the package tarball only, no dependency tree), checked against the sha512
integrity recorded in ``tools/vendor.lock``, and unpacked. Sphinx copies ``book/_extra`` to the
site root (``html_extra_path``), so pages load ``vendor/...`` from the site itself and the book
reads offline. Re-running is a no-op when the assets are already in place.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "book" / "_extra" / "vendor"
STAMP = DEST / ".lock"

# (package, member prefix inside the tarball, destination folder under DEST)
LAYOUT = {
    "mathjax": [
        ("package/es5/tex-mml-chtml.js", "mathjax"),
        ("package/es5/input/", "mathjax"),
        ("package/es5/output/chtml", "mathjax"),
        ("package/es5/a11y/", "mathjax"),
        ("package/es5/ui/", "mathjax"),
        ("package/es5/adaptors/", "mathjax"),
        ("package/LICENSE", "mathjax"),
    ],
    "requirejs": [("package/require.js", "requirejs"), ("package/README.md", "requirejs")],
    "@jupyter-widgets/html-manager": [
        ("package/dist/embed-amd.js", "html-manager"),
        ("package/LICENSE", "html-manager"),
    ],
}
FONTS = (".woff2", ".woff", ".ttf", ".eot", ".svg")
STRIP = {
    "mathjax": "package/es5/",
    "requirejs": "package/",
    "@jupyter-widgets/html-manager": "package/dist/",
}


def read_lock():
    specs = []
    for line in (ROOT / "tools" / "vendor.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            spec, integrity = line.split()
            specs.append((spec, integrity))
    return specs


def main():
    lock_text = (ROOT / "tools" / "vendor.lock").read_text()
    if STAMP.exists() and STAMP.read_text() == lock_text:
        return 0
    if shutil.which("npm") is None:
        sys.exit(
            "vendor: npm is not installed; install Node.js and npm (Debian: apt-get install npm)"
        )
    shutil.rmtree(DEST, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, integrity in read_lock():
            name = spec.rsplit("@", 1)[0]
            proc = subprocess.run(
                ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                sys.exit(f"vendor: `npm pack {spec}` failed:\n{proc.stderr.strip()}")
            tgz = Path(tmp) / proc.stdout.strip().splitlines()[-1]
            data = tgz.read_bytes()
            algo, b64 = integrity.split("-", 1)
            digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
            if digest != b64:
                sys.exit(f"vendor: integrity mismatch for {spec}: got {algo}-{digest}")
            _extract(name, data)
    STAMP.write_text(lock_text)
    size = sum(f.stat().st_size for f in DEST.rglob("*") if f.is_file())
    print(f"vendor: {len(read_lock())} packages in {DEST.relative_to(ROOT)} ({size / 1e6:.1f} MB)")
    return 0


def _extract(name, data):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or member.name.endswith(".map"):
                continue
            for prefix, folder in LAYOUT[name]:
                # embed-amd.js refers to its Font Awesome files by hashed names in dist/.
                font = name.endswith("html-manager") and member.name.endswith(FONTS)
                if member.name.startswith(prefix) or font:
                    rel = (
                        member.name[len(STRIP[name]) :]
                        if member.name.startswith(STRIP[name])
                        else Path(member.name).name
                    )
                    target = DEST / folder / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
                    break


if __name__ == "__main__":
    sys.exit(main())
