"""The book's launch links, all built from the one repository URL in _config.yml.

Jupyter Book builds the pages' repository and Binder buttons from ``repository.url`` and
``repository.branch`` itself; the README is plain Markdown, so its Binder badge is written from
the same two values here. To publish under another address, change ``repository.url`` in
_config.yml and run ``.venv/bin/python tools/launch_links.py --write``; the test suite fails
while the README is out of step.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
BADGE = "[![Binder](https://mybinder.org/badge_logo.svg)]"
BADGE_LINE = re.compile(r"^\[!\[Binder\]\([^)]*\)\]\([^)]*\)$", re.M)


def repository(config=ROOT / "_config.yml"):
    """``(owner/name, branch, binderhub_url)`` from the book's configuration."""
    cfg = yaml.safe_load(Path(config).read_text())
    url = urlparse(cfg["repository"]["url"])
    if url.scheme != "https" or url.netloc != "github.com" or url.path.count("/") != 2:
        raise ValueError(
            f"repository.url must be https://github.com/OWNER/NAME; got {url.geturl()}"
        )
    hub = cfg.get("launch_buttons", {}).get("binderhub_url") or "https://mybinder.org"
    return url.path.strip("/"), cfg["repository"].get("branch", "main"), hub.rstrip("/")


def binder_url(path="chapters", config=ROOT / "_config.yml"):
    """The Binder address that opens ``path`` of the repository in JupyterLab."""
    slug, branch, hub = repository(config)
    return f"{hub}/v2/gh/{slug}/{branch}?urlpath=lab/tree/{path}"


def readme_badge(config=ROOT / "_config.yml"):
    return f"{BADGE}({binder_url('chapters', config)})"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--write", action="store_true", help="rewrite the README's Binder badge")
    args = p.parse_args(argv)
    readme = ROOT / "README.md"
    text = readme.read_text()
    if len(BADGE_LINE.findall(text)) != 1:
        sys.exit("README.md must have exactly one Binder badge line")
    new = BADGE_LINE.sub(readme_badge(), text)
    if args.write and new != text:
        readme.write_text(new)
    print(readme_badge())


if __name__ == "__main__":
    main()
