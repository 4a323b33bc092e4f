"""Execute chapter notebooks in place, top to bottom, the way they are committed.

Usage: ``./rmtbook execute chapters/01_proportional_regime.ipynb [...]`` (or no argument for
all chapters). Each notebook runs in a fresh kernel with the widget state stored in its metadata
(so the static site can render the panels); the wall time of each is printed. A notebook that
raises stops the run with the failing cell's traceback and is left unchanged on disk.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, path)
    return elapsed


def main(argv):
    paths = [Path(a) for a in argv] or sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
    for path in paths:
        try:
            elapsed = execute(path)
        except CellExecutionError as exc:
            sys.exit(f"{path}: a cell failed; the notebook was not written.\n{exc}")
        print(f"{path.name}: executed in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
