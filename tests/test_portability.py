"""The chapter notebooks' committed outputs do not depend on the machine's BLAS kernel.

nbval runs on every chapter a second time, in a subprocess with two OpenBLAS threads (the main
run has one) and an OpenBLAS kernel (``OPENBLAS_CORETYPE``) other than the one this CPU selects,
which changes the order of floating-point operations of every matrix product and decomposition. An output that
prints a number at round-off level differs there, as it would on another x86-64 machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Kernels that every x86-64 OpenBLAS build has (DYNAMIC_ARCH); the first that differs is used.
KERNELS = ("Sandybridge", "Nehalem", "Prescott")
_PROBE = (
    "import json, threadpoolctl, numpy; print(json.dumps([i.get('architecture') for i in "
    "threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas']))"
)


def _kernels(env):
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    return [str(k).lower() for k in json.loads(out.stdout)]


CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))


@pytest.fixture(scope="module")
def other_kernel_env():
    """The environment of the second run: another OpenBLAS kernel and two threads.

    `./rmtbook test` runs nbval with one thread of this CPU's kernel; this run changes both the
    kernel and the thread count (which splits the matrix products differently).
    """
    base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    native = _kernels(base)
    assert native, "numpy is expected to use OpenBLAS (the wheel's BLAS)"
    other = next(k for k in KERNELS if k.lower() not in native)
    env = {
        **base,
        "OPENBLAS_NUM_THREADS": "2",
        "OPENBLAS_CORETYPE": other,
        "PYTHONWARNINGS": "ignore",
    }
    assert _kernels(env) == [other.lower()] * len(native), "OPENBLAS_CORETYPE was not applied"
    return env, other, native[0]


# nbval of a chapter (tens of seconds each): not part of the fast loop, like nbval itself; one
# test per chapter, so that parallel workers share them
@pytest.mark.slow
@pytest.mark.nbval
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_passes_nbval_under_another_blas_kernel(chapter, other_kernel_env):
    env, other, native = other_kernel_env
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-q",
        "--nbval",
        "--nbval-sanitize-with",
        "tests/sanitize.cfg",
        "--nbval-cell-timeout",
        "300",
        f"chapters/{chapter}",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"nbval of {chapter} under OPENBLAS_CORETYPE={other} (native: {native}), two threads, "
        "failed: a committed output depends on round-off.\n"
        + proc.stdout[-8000:]
        + proc.stderr[-2000:]
    )
