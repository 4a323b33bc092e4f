"""The glossary of parameter names (book/api/glossary.md) is enforced on every public signature.

The glossary's table of names lists, for each quantity, the one name the library uses and the
spellings it replaced. A replaced spelling that is unambiguous (it names nothing else in the
new vocabulary) must not appear in any public signature, except in the functions listed in
``NOT_YET_RENAMED`` (empty: every rename is done, the old keywords are deprecated aliases). The
list is a ratchet: a new function using an old spelling fails, and a function that has been
renamed must leave the list.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import rmtlib

GLOSSARY = Path(__file__).resolve().parents[1] / "book" / "api" / "glossary.md"

#: Replaced spellings that mean one thing only, so their mere presence in a signature is a defect.
#: (``tau``, ``sigma2`` and ``eta`` stay in the vocabulary with one meaning each; whether a given
#: ``tau`` is a variance is a question for the docstring review, not for a name check.)
REPLACED = {"gamma", "gammas", "noise", "reg", "reps", "seeds", "n_points", "nodes", "tau0", "taus"}

#: ``monte_carlo(fn, grid, seeds)`` takes the list of seeds itself (one result per seed), a
#: different quantity from a number of draws; the glossary says so.
SEED_LISTS = {"monte_carlo"}

#: ``Contour.nodes`` holds the node positions themselves (``n_nodes`` is their number), not a count.
NODE_ARRAYS = {"Contour"}

#: Every rename of the planned convention is done; the old spellings are deprecated aliases
#: (tests/test_deprecations.py). The ratchet stays, empty, so that an old spelling cannot return.
NOT_YET_RENAMED: dict[str, set[str]] = {}


def _public_signatures():
    for info in pkgutil.iter_modules(rmtlib.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"rmtlib.{info.name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj):
                continue
            try:
                yield name, inspect.signature(obj)
            except (TypeError, ValueError):  # builtins without a signature
                continue


def _uses():
    found = {}
    for name, sig in _public_signatures():
        for param in sig.parameters:
            if param == "seeds" and name in SEED_LISTS or param == "nodes" and name in NODE_ARRAYS:
                continue
            if param in REPLACED:
                found.setdefault(param, set()).add(name)
    return found


def test_every_replaced_spelling_is_in_the_glossary():
    table = GLOSSARY.read_text().split("## Names", 1)[1].split("## Deprecated spellings", 1)[0]
    replaces = set()
    for row in re.findall(r"^\|(.+)\|\s*$", table, re.M):
        cells = [c.strip() for c in row.split("|")]
        if len(cells) == 3:
            replaces |= set(re.findall(r"`(\w+)`", cells[2]))
    assert REPLACED <= replaces, f"not in the glossary's Replaces column: {REPLACED - replaces}"
    assert "seeds" in GLOSSARY.read_text(), "the glossary explains the list-of-seeds keyword"


def test_no_public_signature_uses_a_replaced_spelling():
    new = {p: sorted(funcs - NOT_YET_RENAMED.get(p, set())) for p, funcs in _uses().items()}
    new = {p: f for p, f in new.items() if f}
    assert not new, f"public functions with a keyword the glossary replaces: {new}"


def test_renamed_functions_leave_the_list():
    uses = _uses()
    done = {p: sorted(funcs - uses.get(p, set())) for p, funcs in NOT_YET_RENAMED.items()}
    done = {p: f for p, f in done.items() if f}
    assert not done, f"renamed already: remove from NOT_YET_RENAMED: {done}"


#: Spellings that stay in the vocabulary with another meaning, banned from the modules where they
#: used to mean the replaced quantity: ``tau`` was a variance there (now ``tau2``; ``tau`` is a
#: standard deviation, in ``deep``), ``eta`` a gradient step (now ``step``; ``eta`` is Im z),
#: ``sigma2`` and ``tau2`` a label-noise variance (now ``noise_var``; ``sigma2`` is an entry
#: variance in ``mp``, ``free``, ``edge``).
BANNED_IN = {
    "tau": {"gauss", "kernels", "inner_product_kernels", "distance_kernels", "rf", "rf_spectrum"},
    "eta": {"dynamics", "lazy"},
    "sigma2": {"ridge", "anisotropic_ridge", "scaling", "dynamics", "lazy", "rf"},
    "tau2": {"mei_montanari"},
}


def test_no_module_keeps_a_spelling_whose_meaning_changed():
    found = {}
    for spelling, modules in BANNED_IN.items():
        for mod in modules:
            module = importlib.import_module(f"rmtlib.{mod}")
            for name in module.__all__:
                obj = getattr(module, name)
                if getattr(obj, "__module__", None) != module.__name__ or not callable(obj):
                    continue  # a re-export is checked in its own module
                try:
                    params = inspect.signature(obj).parameters
                except (TypeError, ValueError):
                    continue
                if spelling in params:
                    found.setdefault(spelling, []).append(f"{mod}.{name}")
    assert not found, f"a keyword whose meaning is another one in these modules: {found}"
