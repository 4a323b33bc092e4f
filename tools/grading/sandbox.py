"""One submission's sandbox: bubblewrap, an unprivileged user, resource limits, one channel.

The sandbox sees a private root made of: the operating system's ``/usr`` (read-only), the book's
Python environment and the ``rmtlib`` package (read-only), this folder's runner (read-only) and
an empty ``/tmp`` of bounded size. It does not see the repository, the course folder, the
gradebook, the other submissions or the instructor's home. Every namespace but the user one is
unshared (no network, its own process tree, no terminal: ``--new-session``), and the runner is
started as uid/gid 65534 with no capabilities and ``no_new_privs``, under ``prlimit`` limits.
When the runner ends, or the grader kills the sandbox, the kernel kills every process left in
the sandbox's process namespace (``--die-with-parent`` covers the grader's own death).

As root the user namespace is not unshared: bubblewrap's user namespace would map the sandbox's
uid 65534 back to root outside; ``setpriv`` instead switches to the real uid 65534.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOBODY = 65534
INSTALL = HERE / "install_bubblewrap.sh"

# Per process in the sandbox; the wall-clock limits are the grader's (per cell and per run).
LIMITS = {
    "as": 2 << 30,  # address space, bytes (the runner peaks at 0.4 GiB): MemoryError beyond
    "cpu": 600,  # seconds of CPU time per process
    "nproc": 8,  # processes and threads of uid 65534, all sandboxes together (see README)
    "fsize": 64 << 20,  # bytes per file written
    "nofile": 256,
    "core": 0,
}
# Marks every process of this grader's sandboxes (the tests look for survivors by it).
RUN_TAG = secrets.token_hex(8)
TMP_SIZE = 256 << 20  # the sandbox's whole writable file system (a tmpfs)
MAX_REPLY = 64 << 20  # bytes of one answer (the largest array a test asks for is far smaller)


class SandboxError(RuntimeError):
    """The sandbox cannot be started on this machine (the message says how to fix it)."""


class Ended(Exception):
    """The sandboxed process ended or stopped answering; ``reason`` says how, for the message."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxError(
            "bubblewrap (`bwrap`) is not installed; run "
            f"{INSTALL.relative_to(HERE.parent.parent)} (Debian package bubblewrap)"
        )
    return path


def _python_mounts():
    """Read-only binds for the interpreter, its environment and the rmtlib package."""
    binds = {Path("/usr")}
    prefix = Path(sys.prefix).resolve()
    binds.add(prefix)
    binds.add(Path(sys.base_prefix).resolve())
    import rmtlib

    binds.add(Path(rmtlib.__file__).resolve().parent)
    # Keep the outermost of nested paths (e.g. /usr covers /usr/lib/python3.11).
    out = []
    for p in sorted(binds, key=lambda q: len(q.parts)):
        if not any(p.is_relative_to(q) for q in out):
            out.append(p)
    return out


def command(config_path, inner_config, fds):
    """The bubblewrap command line that runs the runner with ``inner_config`` (sandbox path)."""
    args = [
        bwrap_path(),
        "--die-with-parent",
        "--new-session",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
    ]
    root = os.geteuid() == 0
    if not root:  # an unprivileged grader: the user namespace maps it to 65534 inside
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    for top in ("bin", "lib", "lib64", "sbin"):
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    # The empty /tmp first: mounted after the binds it would hide an environment or a checkout
    # that lives under /tmp (a clone in /tmp/... could not import numpy inside the sandbox).
    args += ["--size", str(TMP_SIZE), "--perms", "1777", "--tmpfs", "/tmp"]
    mounts = _python_mounts()
    parents = sorted(
        {a for p in mounts for a in p.parents if a != Path("/")}, key=lambda q: len(q.parts)
    )
    for p in parents:  # bubblewrap would create them mode 0700, closed to uid 65534
        if p not in mounts and not any(p.is_relative_to(m) for m in mounts):
            args += ["--perms", "0755", "--dir", str(p)]
    for p in mounts:
        args += ["--ro-bind", str(p), str(p)]
    if Path("/etc/ld.so.cache").exists():
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    args += [
        "--ro-bind",
        str(HERE),
        "/grader",
        "--ro-bind",
        str(config_path),
        inner_config,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
        "--clearenv",
    ]
    env = {
        "HOME": "/tmp/home",
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/mpl",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "RMTBOOK_SANDBOX": RUN_TAG,
    }
    for key, val in env.items():
        args += ["--setenv", key, val]
    args.append("--")
    args += [shutil.which("prlimit") or "/usr/bin/prlimit"]
    args += [f"--{k}={v}" for k, v in LIMITS.items()] + ["--"]
    if root:
        args += [
            shutil.which("setpriv") or "/usr/bin/setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    args += [
        str(Path(sys.executable)),
        "-I",
        "-B",
        "/grader/runner.py",
        inner_config,
        *(str(fd) for fd in fds),
    ]
    return args


class Sandbox:
    """A running sandbox and the two pipes to its runner (commands in, answers out)."""

    def __init__(self, forbidden=(), start_timeout=120, wait=True):
        self._dir = tempfile.TemporaryDirectory(prefix="rmt-sandbox-")
        cfg = Path(self._dir.name) / "config.json"
        cfg.write_text(
            json.dumps({"workdir": "/tmp/work", "tmp": "/tmp", "forbidden": list(forbidden)})
        )
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()
        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                command(cfg, "/grader-config.json", (cmd_r, out_w)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                pass_fds=(cmd_r, out_w),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(cmd_r)
            os.close(out_w)
        self._buf = b""
        os.set_blocking(self._cmd_w, False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._out_r, selectors.EVENT_READ)
        self._start_timeout, self._ready = start_timeout, False
        if wait:
            self.wait_ready()

    def wait_ready(self):
        """Block until the runner has started (its imports done); SandboxError if it cannot."""
        if self._ready:
            return
        try:
            self._read(0, self._start_timeout)
            self._ready = True
        except Ended as end:
            detail = self.startup_error()
            self.close()
            raise SandboxError(
                f"the grading sandbox did not start ({end.reason})"
                + (f": {detail}" if detail else "")
            ) from None

    def startup_error(self):
        self._stderr.seek(0)
        text = self._stderr.read(4000).decode("utf-8", "replace")
        return " ".join(text.split())[:400]

    def request(self, op, timeout, **fields):
        """Send one command and return its answer; raises ``Ended`` on death or time-out."""
        # A fresh random id per request: an answer forged blindly by the student's code (e.g.
        # written to every descriptor) matches no request and is dropped.
        rid = secrets.randbits(62) or 1
        data = (json.dumps({"id": rid, "op": op, **fields}) + "\n").encode()
        deadline = time.monotonic() + timeout
        while data:  # non-blocking: a runner that stops reading cannot hang the grader
            try:
                data = data[os.write(self._cmd_w, data) :]
            except BlockingIOError:
                left = deadline - time.monotonic()
                _, writable, _ = select.select([], [self._cmd_w], [], max(0.0, left))
                if not writable:
                    self.kill()
                    raise Ended(f"stopped after the {timeout:g} s time limit") from None
            except OSError:
                raise Ended(self._death()) from None
        return self._read(rid, max(0.0, deadline - time.monotonic()))

    def _read(self, rid, timeout):
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue  # not an answer of the runner: ignored
                if isinstance(msg, dict) and msg.get("id") == rid:
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(timeout=left):
                self.kill()
                raise Ended(f"stopped after the {timeout:g} s time limit")
            chunk = os.read(self._out_r, 1 << 20)
            if not chunk:
                raise Ended(self._death())
            self._buf += chunk
            if len(self._buf) > MAX_REPLY:
                self.kill()
                raise Ended(f"an answer larger than {MAX_REPLY >> 20} MiB")

    def _death(self):
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            return "the notebook's process stopped answering"
        if code < 0:
            return f"the notebook's process was killed by signal {signal.Signals(-code).name}"
        if code > 128:
            try:
                name = signal.Signals(code - 128).name
            except ValueError:
                name = str(code - 128)
            return f"the notebook's process was killed by signal {name}"
        return f"the notebook's process exited (status {code})"

    def kill(self):
        if self.proc.poll() is None:
            try:  # bwrap and its pid namespace; the namespace's init takes every process along
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.kill()
        self.proc.wait()

    def close(self):
        self.kill()
        for fd in (self._cmd_w, self._out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._sel.close()
        self._stderr.close()
        self._dir.cleanup()


class Pool:
    """Sandboxes started ahead of time, so that one starts while another one is graded.

    Each sandbox serves one run of one submission and is then killed; sandboxes never share a
    process tree, a file system or a network namespace, so a spare cannot be reached by the
    submission being graded (only the process limit of uid 65534 is shared: a spare that fails
    to start because of it is replaced).
    """

    def __init__(self, forbidden=(), spares=1):
        self.forbidden, self.spares = tuple(forbidden), spares
        self._spare = []

    def take(self):
        for attempt in range(3):
            box = self._spare.pop(0) if self._spare else Sandbox(self.forbidden, wait=False)
            self._fill()
            try:
                box.wait_ready()
                return box
            except SandboxError:  # wait_ready has closed it
                if attempt == 2:
                    raise
                time.sleep(1)

    def _fill(self):
        while len(self._spare) < self.spares:
            self._spare.append(Sandbox(self.forbidden, wait=False))

    def close(self):
        for box in self._spare:
            box.close()
        self._spare = []
