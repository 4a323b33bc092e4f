"""The glossary of parameter names (book/api/glossary.md) is enforced on every public signature.

The glossary's planned convention lists, for each quantity, the one name the library moves to and
the spellings it replaces. A replaced spelling that is unambiguous (it names nothing else in the
new vocabulary) must not appear in any public signature, except in the functions listed in
``NOT_YET_RENAMED``: the renames still to do, each of which will keep its old keyword as a
deprecated alias. The list is a ratchet: a new function using an old spelling fails, and a
function that has been renamed must leave the list.
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

NOT_YET_RENAMED = {
    "gamma": {
        "finite_width_density",
        "gd_risk",
        "gd_stability_limit",
        "gradient_flow_risk",
        "ridge_optimal",
        "ridge_risk",
    },
    "gammas": {
        "ck_density",
        "ck_moments",
        "ck_stieltjes",
        "gd_step_limit",
        "lazy_training_loss",
        "ntk_density",
        "ntk_edges",
        "ntk_moments",
        "ntk_stieltjes",
        "ntk_traces",
        "sample_deep_spectrum",
    },
    "n_points": {
        "cauchy_functional",
        "circle_contour",
        "contour_integral",
        "spike_alignment_contour",
        "spike_eigenvalue_contour",
    },
    "nodes": {"Contour", "lazy_training_loss", "ntk_moments", "spectral_integral"},
    "noise": {"lazy_training_loss", "one_step_feature_learning", "spectral_training_loss"},
    "reg": {"gd_stability_limit", "gmm_gd_error", "simulate_gmm_gd"},
    "reps": {
        "simulate_gmm_gd",
        "simulate_learning_curve",
        "simulate_linear_dynamics",
        "simulate_model_size",
        "simulate_ridge",
    },
    "seeds": {"sample_deep_spectrum"},
    "tau0": {"gmm_ck_scalars"},
    "taus": {"simulate_deep_network"},
}


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
            if param in REPLACED and not (param == "seeds" and name in SEED_LISTS):
                found.setdefault(param, set()).add(name)
    return found


def test_every_replaced_spelling_is_in_the_glossary():
    table = GLOSSARY.read_text().split("## The planned convention", 1)[1]
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
