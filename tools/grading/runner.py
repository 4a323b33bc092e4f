"""The student's side of grading: runs inside the sandbox, as an unprivileged user.

It executes the cells the grader sends, one at a time, in an IPython shell (the same semantics
as a notebook kernel: magics, ``display``, ``sys.exit`` stops only its cell), and answers the
grader's questions about the namespace: the value of a name, or the result of calling one of
the student's functions on inputs the grader sends. It never sees a test: the tests run in the
grader's own process with the values this runner sends back.

Commands arrive as JSON lines on one inherited pipe; answers leave on another. Everything
here can be undone by the student's code, which runs in this process; that is by design: all
it can change is the values reported as its own answers.
"""

import json
import os
import sys


def _main(cmd_fd, out_fd, config_path):
    with open(config_path) as fh:
        config = json.load(fh)
    os.makedirs(config["workdir"], exist_ok=True)
    os.makedirs(os.environ.get("HOME", "/tmp/home"), exist_ok=True)
    os.chdir(config["workdir"])
    # The notebook's own output is of no use to the grader: it stays inside the sandbox.
    log = os.open(os.path.join(config["tmp"], "output.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import codec
    import numpy as np
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    import rmtlib  # noqa: F401  (the notebook's first cell imports it: load it before the clock)

    cfg = Config()
    cfg.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=cfg)
    _forbid(config.get("forbidden", []))
    commands = os.fdopen(cmd_fd, "r", encoding="utf-8")

    def send(msg):
        data = (codec.dumps(msg) + "\n").encode()
        while data:
            data = data[os.write(out_fd, data) :]

    def resolve(name):  # callables the grader passes as arguments: "numpy.tanh", ...
        module, _, attr = name.rpartition(".")
        if module not in ("numpy", "scipy.special", "math", "cmath"):
            raise ValueError(f"cannot pass {name}")
        import importlib

        return getattr(importlib.import_module(module), attr)

    def describe(exc):
        return [type(exc).__name__, str(exc)[:300]]

    send({"id": 0, "ready": True})
    for line in commands:
        msg = json.loads(line)
        rid, op = msg["id"], msg["op"]
        if op == "cell":
            res = shell.run_cell(msg["code"], store_history=False)
            err = res.error_before_exec or res.error_in_exec
            send({"id": rid, "error": describe(err) if err is not None else None})
        elif op == "get":
            ns = shell.user_ns
            if msg["name"] not in ns:
                send({"id": rid, "missing": True})
                continue
            value = ns[msg["name"]]
            if callable(value) and not isinstance(value, np.ndarray):
                send({"id": rid, "callable": type(value).__name__})
            else:
                send({"id": rid, "value": _encode(codec, value)})
        elif op == "call":
            try:
                fn = shell.user_ns[msg["name"]]
                args = codec.decode(msg["args"], resolve)
                kwargs = codec.decode(msg["kwargs"], resolve)
                result = fn(*args, **kwargs)
            except BaseException as exc:  # the student's function may raise anything
                send({"id": rid, "raised": describe(exc)})
                continue
            send({"id": rid, "value": _encode(codec, result)})


def _encode(codec, value):
    try:
        return codec.encode(value)
    except Exception as exc:
        return {"?": [type(value).__name__, str(exc)[:100]]}


def _forbid(names):
    """Replace the library functions a question forbids by ones that raise."""
    import importlib
    import pkgutil

    import rmtlib

    modules = [rmtlib] + [
        importlib.import_module(f"rmtlib.{m.name}") for m in pkgutil.iter_modules(rmtlib.__path__)
    ]
    for name in names:
        original = getattr(rmtlib, name, None)

        def tripwire(*args, _name=name, **kwargs):
            raise RuntimeError(f"rmt.{_name} may not be used in this assignment")

        for mod in modules:
            if original is not None and getattr(mod, name, None) is original:
                setattr(mod, name, tripwire)


if __name__ == "__main__":
    _main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[1])
