"""Measure the fast loop's tests and list the slow ones in tests/slow_tests.txt.

Usage: ``.venv/bin/python tools/measure_test_times.py`` (runs the fast loop with
``--durations=0``, about two minutes), or ``... tools/measure_test_times.py DURATIONS.txt`` to
read the output of an earlier run. A test whose setup, call and teardown together take more than
THRESHOLD seconds (one BLAS thread, two workers on two cores) is listed; tests/conftest.py marks
every listed test ``slow``, so ``./rmtbook test --fast`` leaves it out and ``./rmtbook test``
still runs it. Tests already marked ``slow`` in their file are not measured (the fast loop
deselects them) and need no entry.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "slow_tests.txt"
THRESHOLD = 0.3


def _durations_text():
    cmd = [str(ROOT / "rmtbook"), "test", "--fast", "-q", "--durations=0"]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True).stdout


def main(argv):
    text = Path(argv[0]).read_text() if argv else _durations_text()
    seconds = collections.Counter()
    for line in text.splitlines():
        m = re.match(r"\s*([\d.]+)s (?:call|setup|teardown)\s+(\S+)", line)
        if m:
            seconds[m.group(2)] += float(m.group(1))
    if not seconds:
        sys.exit("no --durations lines found")
    old = set()
    if OUT.exists():
        old = {
            ln.split()[0] for ln in OUT.read_text().splitlines() if ln and not ln.startswith("#")
        }
    slow = sorted((k for k, t in seconds.items() if t > THRESHOLD), key=lambda k: -seconds[k])
    # a test listed before and not run now (deselected as slow) stays listed
    kept = sorted(old - set(seconds))
    lines = [
        f"# Tests of the fast loop measured over {THRESHOLD} s (tools/measure_test_times.py);",
        "# tests/conftest.py marks them slow. Seconds as measured, two workers, one BLAS thread.",
    ]
    lines += [f"{k}  # {seconds[k]:.2f} s" for k in slow] + kept
    OUT.write_text("\n".join(lines) + "\n")
    rest = sum(t for k, t in seconds.items() if t <= THRESHOLD)
    print(
        f"{len(slow)} tests over {THRESHOLD} s listed ({sum(seconds[k] for k in slow):.1f} s); "
        f"the rest take {rest:.1f} s in all"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
