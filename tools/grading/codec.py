"""Values across the sandbox boundary: plain JSON, never pickle.

The grader sends the inputs of a call and receives the student's values as JSON documents in
which numbers, complex numbers, NumPy scalars and numeric arrays, tuples, lists and dicts are
tagged. Decoding builds only those types (no code is run, no object is unpickled), so what a
submission sends can at worst be a wrong answer. Anything else becomes an ``Unreadable``
placeholder that the tests see as a value of the wrong type.

This module is imported both by the trusted grader and, inside the sandbox, by the runner.
"""

from __future__ import annotations

import json
import math

import numpy as np

MAX_DEPTH = 20
MAX_TEXT = 2000


class Unreadable:
    """A value of the submission that is not a number, array, string or container of them."""

    def __init__(self, kind, text=""):
        self.kind, self.text = str(kind)[:80], str(text)[:200]

    def __repr__(self):
        return f"<{self.kind} (not a number or an array)>"

    def _refuse(self, *_):
        raise TypeError(f"the answer is a {self.kind}, not a number or an array")

    __float__ = __complex__ = __int__ = __index__ = __array__ = __len__ = __iter__ = _refuse
    __abs__ = __neg__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __pow__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __getitem__ = _refuse

    def __eq__(self, other):
        return False

    __hash__ = None


def _num(x):
    return x if math.isfinite(x) else repr(x)  # "nan", "inf", "-inf" (strict JSON has none)


def _unnum(x):
    return float(x) if isinstance(x, str) else x


def encode(value, callables=None, depth=0):
    """A JSON-able tagged document for ``value``.

    ``callables`` maps a callable to the name under which the other side can find it (e.g. a
    NumPy ufunc passed as an argument to the student's function).
    """
    if depth > MAX_DEPTH:
        return {"?": ["nesting", "too deeply nested"]}
    if value is None or isinstance(value, (bool, str)) and not isinstance(value, np.generic):
        return value[:MAX_TEXT] if isinstance(value, str) else value
    if isinstance(value, np.generic):
        if value.dtype.kind in "biufc":
            return {"s": value.dtype.str, "v": encode(value.item(), callables, depth + 1)}
        return {"?": [type(value).__name__, ""]}
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"big": str(value)}
    if isinstance(value, float):
        return {"f": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, complex):
        return {"c": [_num(value.real), _num(value.imag)]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            return {"?": [f"array of {value.dtype}", ""]}
        if value.dtype.kind == "c":
            flat = [[_num(float(v.real)), _num(float(v.imag))] for v in value.ravel()]
        else:
            flat = [_num(v) for v in value.ravel().tolist()]
        return {"a": value.dtype.str, "shape": list(value.shape), "data": flat}
    if isinstance(value, (list, tuple)):
        items = [encode(v, callables, depth + 1) for v in value]
        return {"t": items} if isinstance(value, tuple) else {"l": items}
    if isinstance(value, dict):
        return {
            "d": [
                [encode(k, callables, depth + 1), encode(v, callables, depth + 1)]
                for k, v in value.items()
            ]
        }
    if callables is not None:
        name = callables(value)
        if name:
            return {"fn": name}
    return {"?": [type(value).__name__, ""]}


def decode(doc, resolve=None, depth=0):
    """The value of a document made by ``encode`` (``resolve`` turns a callable's name back)."""
    if depth > MAX_DEPTH:
        raise ValueError("document nested too deeply")
    if doc is None or isinstance(doc, (bool, int, float, str)):
        return doc
    if isinstance(doc, list) or not isinstance(doc, dict) or len(doc) == 0:
        raise ValueError("malformed document")
    if "f" in doc:
        return float(doc["f"])
    if "big" in doc:
        return int(str(doc["big"])[:400])
    if "c" in doc:
        re_, im = doc["c"]
        return complex(_unnum(re_), _unnum(im))
    if "s" in doc:
        return np.dtype(_dtype(doc["s"])).type(decode(doc["v"], resolve, depth + 1))
    if "a" in doc:
        dtype = np.dtype(_dtype(doc["a"]))
        shape = tuple(int(n) for n in doc["shape"])
        data = doc["data"]
        if dtype.kind == "c":
            data = [complex(_unnum(a), _unnum(b)) for a, b in data]
        else:
            data = [_unnum(v) for v in data]
        if len(data) != math.prod(shape):
            raise ValueError("array data does not match its shape")
        return np.array(data, dtype=dtype).reshape(shape)
    if "t" in doc:
        return tuple(decode(v, resolve, depth + 1) for v in doc["t"])
    if "l" in doc:
        return [decode(v, resolve, depth + 1) for v in doc["l"]]
    if "d" in doc:
        out = {}
        for k, v in doc["d"]:
            key = decode(k, resolve, depth + 1)
            if isinstance(key, (list, dict, np.ndarray)):
                raise ValueError("unhashable key")
            out[key] = decode(v, resolve, depth + 1)
        return out
    if "fn" in doc and resolve is not None:
        return resolve(str(doc["fn"]))
    if "?" in doc:
        kind, text = doc["?"]
        return Unreadable(kind, text)
    raise ValueError("malformed document")


def _dtype(text):
    dtype = np.dtype(str(text))
    if dtype.kind not in "biufc":
        raise ValueError(f"dtype {dtype} is not numeric")
    return dtype


def dumps(obj):
    return json.dumps(obj, allow_nan=False, separators=(",", ":"))
