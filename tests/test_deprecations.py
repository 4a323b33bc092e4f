"""Every old spelling of the public API still works for one release, warns, and gives the same
answer as the new spelling (the glossary renames, book/api/glossary.md).

``RENAMED`` holds one call per renamed keyword, written with the new names; each test replaces one
new keyword by its old spelling, requires a :class:`DeprecationWarning` naming the new spelling,
and compares the two results exactly (same seed, same arithmetic). The coverage test derives the
renames from the library itself (``__deprecated_keywords__`` of the decorated functions,
``__deprecated_alias_of__`` of renamed functions), so a rename without an entry here fails.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings

import numpy as np
import pytest

import rmtlib
import rmtlib as rmt

POP, ENERGY = np.ones(10), np.full(10, 0.1)
EDGES = rmt.mp_edges(0.5)

#: function name -> a call in the new spelling (keywords only, so that any one can be renamed).
RENAMED = {
    "ridge_risk": dict(ratio=0.5, lam=1.0, r2=1.0, noise_var=0.5),
    "ridge_optimal": dict(ratio=0.5, noise_var=0.5),
    "simulate_ridge": dict(
        n=20, pop_eigs=POP, target_energy=ENERGY, lam=0.1, noise_var=0.1, n_draws=2, rng=0
    ),
    "anisotropic_ridge_risk": dict(
        n=20, pop_eigs=POP, target_energy=ENERGY, lam=0.1, noise_var=0.1
    ),
    "learning_curve": dict(n=50, a=1.5, b=1.0, p=200, lam=0.01, noise_var=0.1),
    "learning_curve_optimal": dict(n=50, a=1.5, b=1.0, p=200, noise_var=0.1),
    "simulate_learning_curve": dict(
        n_values=[20], a=1.5, b=1.0, p=50, noise_var=0.1, n_draws=2, rng=0
    ),
    "simulate_model_size": dict(N_values=[10], a=1.5, b=1.0, p=50, n_draws=2, rng=0),
    "linear_gd_step_limit": dict(ratio=0.5, lam=0.1),
    "gradient_flow_risk": dict(t=1.0, ratio=0.5, noise_var=0.5),
    "gd_risk": dict(k=10, ratio=0.5, step=0.1, noise_var=0.5),
    "simulate_linear_dynamics": dict(
        p=10, n=20, times=[0, 5], noise_var=0.5, step=0.1, n_draws=2, rng=0
    ),
    "gmm_gd_error": dict(t=[0, 10], ratio=0.5, mu_norm2=1.0, step=0.01, lam=0.1),
    "simulate_gmm_gd": dict(
        p=16, n=32, mu_norm2=1.0, times=[0, 10], step=0.05, lam=0.1, n_draws=2, rng=0
    ),
    "lazy_training_loss": dict(t=[0.5], layer_ratios=[0.5, 0.5], noise_var=0.5, n_nodes=200),
    "gd_step_limit": dict(layer_ratios=[0.5]),
    "spectral_training_loss": dict(t=[0.5], eigenvalues=[1.0, 2.0], noise_var=0.5),
    # noise was a standard deviation: noise=0.2 is noise_var=0.2**2 (see OLD_VALUE)
    "one_step_feature_learning": dict(step=1.0, n=40, p=20, N=40, rng=0, noise_var=0.2**2),
    "ck_stieltjes": dict(z=-1.0, layer_ratios=[0.5, 0.5]),
    "ck_density": dict(x=1.0, layer_ratios=[0.5, 0.5]),
    "ck_moments": dict(k_max=3, layer_ratios=[0.5, 0.5]),
    "finite_width_density": dict(x=1.0, kernel_eigs=[1.0], layer_ratio=0.5),
    "ntk_stieltjes": dict(z=-1.0, layer_ratios=[0.5, 0.5]),
    "ntk_density": dict(x=1.0, layer_ratios=[0.5, 0.5]),
    "ntk_edges": dict(layer_ratios=[0.5]),
    "ntk_traces": dict(z=-1.0, layer_ratios=[0.5, 0.5]),
    "ntk_resolvent_traces": dict(z=-1.0, layer_ratios=[0.5, 0.5]),
    "ntk_moments": dict(k_max=2, layer_ratios=[0.5], n_nodes=None),
    "simulate_deep_network": dict(
        X0=np.eye(8)[:, :6], widths=[8, 8], rng=0, ntk=False, normalise=False, tau=[1.0, 0.8]
    ),
    "sample_deep_spectrum": dict(n=20, layer_ratios=[0.5], n_draws=2, rng=0),
    "gmm_ck_scalars": dict(activations=["relu"], tau=1.2),
    "gaussian_expectation": dict(f=np.square, tau2=2.0),
    "activation_coefficients": dict(activation="tanh", tau2=2.0),
    "hermite_coefficients": dict(activation="tanh", kmax=3, tau2=2.0),
    "inner_product_kernel_coefficients": dict(f=np.exp, tau2=0.5),
    "inner_product_kernel_density": dict(x=1.0, f=np.exp, n_over_p=0.5, tau2=0.5),
    "inner_product_kernel_edges": dict(f=np.exp, n_over_p=0.5, tau2=0.5),
    "rf_kernel_bulk_density": dict(x=0.5, activation="relu", n_over_p=0.5, tau2=1.5),
    "rf_kernel_bulk_edges": dict(activation="relu", n_over_p=0.5, tau2=1.5),
    "rf_kernel_spectrum_iid": dict(activation="relu", n_over_p=0.5, tau2=1.5, n_nodes=50),
    "circle_contour": dict(center=0.0, radius=1.0, n_nodes=16),
    "contour_integral": dict(func=lambda z: 1 / z, center=0.0, radius=1.0, n_nodes=16),
    "cauchy_functional": dict(
        trace_fn=lambda z: 1 / (0.5 - z), center=0.0, radius=1.0, f=np.exp, n_nodes=32
    ),
    "spectral_integral": dict(
        f=lambda x: x,
        stieltjes=lambda z: rmt.mp_stieltjes(z, 0.5),
        lower=EDGES[0] - 0.1,
        upper=EDGES[1] + 0.1,
        n_nodes=64,
    ),
    "spike_eigenvalue_contour": dict(ell=2.0, ratio=0.5, n_nodes=64),
    "spike_alignment_contour": dict(ell=2.0, ratio=0.5, n_nodes=64),
    "mei_montanari_risk": dict(psi1=2.0, psi2=3.0, lam=0.1, noise_var=0.2),
    "mei_montanari_simulate": dict(
        d=10, n_features=20, n_samples=20, lam=0.1, noise_var=0.2, rng=0, n_draws=1, n_test=50
    ),
}

#: Where the old keyword's value means something else, the old value that gives the same call.
OLD_VALUE = {("one_step_feature_learning", "noise"): 0.2}

#: Renamed functions: old name -> (new name, a call of the new one).
ALIASES = {"gd_stability_limit": ("linear_gd_step_limit", dict(ratio=0.5, lam=0.1))}

#: Results that used to be a dict: (function, old key) -> the field it now is.
OLD_KEYS = {
    ("simulate_gmm_gd", "test_error"): "error",
    ("simulate_gmm_gd", "train_error"): "train_error",
    ("simulate_gmm_gd", "mean"): "mean",
    ("simulate_gmm_gd", "second_moment"): "second_moment",
}


def _renames():
    """(function name, old keyword, new keyword) for every renamed keyword of the library."""
    out = set()
    for info in pkgutil.walk_packages(rmtlib.__path__, "rmtlib."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if hasattr(obj, "__deprecated_alias_of__"):
                continue
            for old, new in getattr(obj, "__deprecated_keywords__", {}).items():
                out.add((obj.__name__, old, new))
    return sorted(out)


def _aliases():
    out = set()
    for info in pkgutil.walk_packages(rmtlib.__path__, "rmtlib."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            target = getattr(getattr(module, name), "__deprecated_alias_of__", None)
            if target is not None:
                out.add((name, target.__name__))
    return sorted(out)


def _same(a, b):
    if isinstance(a, tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if callable(a) or a is None:
        return a is b or (a is None and b is None)
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def _call(func, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        if func is rmt.ntk_moments:  # its n_nodes is itself deprecated (ignored): expected
            warnings.filterwarnings("ignore", "ntk_moments", DeprecationWarning)
        return func(**kwargs)


@pytest.mark.parametrize(("name", "old", "new"), _renames(), ids=lambda v: str(v))
def test_old_keyword_warns_and_gives_the_same_result(name, old, new):
    kwargs = RENAMED[name]
    func = getattr(rmt, name)
    expected = _call(func, kwargs)
    old_kwargs = {(old if k == new else k): v for k, v in kwargs.items()}
    old_kwargs[old] = OLD_VALUE.get((name, old), kwargs[new])
    with pytest.warns(DeprecationWarning, match=f"use `{new}`"):
        got = func(**old_kwargs)
    assert _same(got, expected), f"{name}({old}=...) differs from {name}({new}=...)"


@pytest.mark.parametrize(("name", "old", "new"), _renames()[:3], ids=lambda v: str(v))
def test_both_spellings_at_once_are_refused(name, old, new):
    kwargs = dict(RENAMED[name])
    kwargs[old] = kwargs[new]
    with pytest.raises(TypeError, match=f"both `{old}`.*`{new}`"):
        getattr(rmt, name)(**kwargs)


def test_the_warning_points_at_the_caller():
    with pytest.warns(DeprecationWarning) as record:
        rmt.ridge_risk(gamma=0.5, lam=1.0)
    assert record[0].filename == __file__


def test_signatures_show_only_the_new_names():
    import inspect

    for name, old, new in _renames():
        params = inspect.signature(getattr(rmt, name)).parameters
        assert new in params and old not in params, name


@pytest.mark.parametrize(("old", "new"), _aliases())
def test_renamed_function_warns_and_gives_the_same_result(old, new):
    new_name, kwargs = ALIASES[old]
    assert new_name == new
    expected = _call(getattr(rmt, new), kwargs)
    with pytest.warns(DeprecationWarning, match=f"use `{new}`"):
        got = getattr(rmt, old)(**kwargs)
    assert _same(got, expected)
    assert getattr(rmt, old).__doc__ == f"Deprecated alias of :func:`{new}`."


@pytest.mark.parametrize(("name", "key"), sorted(OLD_KEYS))
def test_old_dict_keys_of_results_warn_and_give_the_field(name, key):
    out = _call(getattr(rmt, name), RENAMED[name])
    field = OLD_KEYS[name, key]
    with pytest.warns(DeprecationWarning, match=f"use `result.{field}`"):
        value = out[key]
    assert value is getattr(out, field)


def test_simulators_return_their_theory_type():
    theory = rmt.gmm_gd_error(**RENAMED["gmm_gd_error"])
    assert type(_call(rmt.simulate_gmm_gd, RENAMED["simulate_gmm_gd"])) is type(theory)
    from rmtlib.sim import sphere_data

    X = sphere_data(10, 12, rng=0)
    sim = rmt.rf_ridge_simulate(X, X[0], X, X[0], 6, [0.1], rng=0, n_draws=2)
    assert type(sim) is type(rmt.rf_ridge_errors(X, X[0], X, X[0], 6, 0.1))
    tr, te = sim  # the old pair still unpacks
    assert tr is sim.train and te is sim.test


def test_the_registry_covers_every_rename():
    renamed = {name for name, _, _ in _renames()}
    assert renamed == set(RENAMED), (
        f"renamed but not called here: {sorted(renamed - set(RENAMED))}; "
        f"called here but not renamed: {sorted(set(RENAMED) - renamed)}"
    )
    for name, _, new in _renames():
        assert new in RENAMED[name], f"{name}: the registry call does not pass {new}"
    assert {old for old, _ in _aliases()} == set(ALIASES)
