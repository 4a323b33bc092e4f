"""What students get for an assignment: ``./rmtbook course bundle NAME --out DIR``.

The folder holds the student version of the notebook (no solutions, no hidden tests), the book's
library as a wheel (built from ``rmtlib/`` alone, so nothing else of the repository is in it),
an environment file pinned like the book's own, and a short README. Nothing in it comes from
``assignments/source/``, the gradebook or the chapters.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

README = """\
# {name}: how to work on this assignment

This folder holds the assignment notebook `{name}.ipynb`, the book's library `rmtlib` as a
wheel (`{wheel}`), and the list of packages to install with it.

## Set up (once)

With Python 3.11:

```bash
python3.11 -m venv .venv
.venv/bin/pip install -r requirements.txt
.venv/bin/jupyter lab {name}.ipynb
```

With conda: `conda env create -f environment.yml`, then `conda activate rmt-course` and
`jupyter lab {name}.ipynb`.

## Work and hand in

- Answer in the cells marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line).
- The cells that start with `# Tests` hold public tests: run them to check your work. The
  grader also runs hidden tests (other inputs, tighter tolerances), so passing the public tests
  does not guarantee full marks.
- Do not delete, copy or reorder cells, and do not rename what you are asked to define.
- Before you hand in, run **Kernel → Restart & Run All** and check that no cell fails. Then
  hand in `{name}.ipynb` as your instructor asks.

Inside the notebook the library is `import rmtlib as rmt`; `help(rmt.mp_density)` shows a
function's formula, normalisation and source.
"""


def _requirements():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in ("lab",):
        reqs += [r for r in meta["optional-dependencies"][extra] if r not in reqs]
    return reqs


def build_wheel(out, readme_text):
    """Build the rmtlib wheel into ``out`` from a copy holding only the package."""
    with tempfile.TemporaryDirectory(prefix="rmtlib-wheel-") as stage:
        stage = Path(stage)
        shutil.copytree(
            ROOT / "rmtlib", stage / "rmtlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        shutil.copy(ROOT / "pyproject.toml", stage / "pyproject.toml")
        shutil.copy(ROOT / "LICENSE", stage / "LICENSE")
        (stage / "README.md").write_text(readme_text)  # the wheel's long description
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--quiet",
                "-w",
                str(out),
                str(stage),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"building the rmtlib wheel failed:\n{res.stdout[-2000:]}")
    wheels = sorted(Path(out).glob("rmtlib-*.whl"))
    return wheels[-1]


def bundle(name, release_dir, out):
    """Write the student bundle of ``name`` (its student version is in ``release_dir``)."""
    out = Path(out).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for f in sorted(Path(release_dir).iterdir()):
        if f.is_file() and not f.name.startswith("."):
            shutil.copy(f, out / f.name)
    short = "The library of the book *Random Matrix Theory for Deep Learning*.\n"
    wheel = build_wheel(out, short)
    reqs = [f"./{wheel.name}"] + _requirements()
    (out / "requirements.txt").write_text("\n".join(reqs) + "\n")
    pip = "\n".join(f"      - {r}" for r in reqs)
    (out / "environment.yml").write_text(
        "name: rmt-course\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
        f"  - pip\n  - pip:\n{pip}\n"
    )
    (out / "README.md").write_text(README.format(name=name, wheel=wheel.name))
    return out
