"""rmtlib.monte_carlo: the same numbers serially, on local processes and on a two-worker Dask
cluster (a real LocalCluster on 127.0.0.1), ordered by grid point and seed."""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import rmtlib as rmt

distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
cloudpickle = pytest.importorskip("cloudpickle")
# Dask workers cannot import this test module by name: ship its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    ) as lc:
        with distributed.Client(lc, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            yield lc, client


def ridge_cell(n, gamma, rng):
    """A cell with a real workload: data, an eigendecomposition, a risk (one draw)."""
    p = round(gamma * n)
    return rmt.simulate_ridge(
        n, np.ones(p), np.full(p, 1.0 / p), [0.0, 0.1], 0.25, n_draws=1, rng=rng
    ).excess_risk[0]


GRID = {"n": [30, 60], "gamma": [0.5, 2.0]}
SEEDS = [3, 1, 4]


def test_serial_results_are_direct_calls_in_grid_then_seed_order():
    out = rmt.monte_carlo(
        rmt.simulate_ridge,
        [
            {"n": 40, "pop_eigs": np.ones(20), "target_energy": np.full(20, 0.05), "lam": 0.1},
            {"n": 40, "pop_eigs": np.ones(80), "target_energy": np.full(80, 0.0125), "lam": 0.1},
        ],
        SEEDS,
    )
    assert len(out) == 2 and all(len(row) == len(SEEDS) for row in out)
    for i, p in enumerate((20, 80)):
        for j, s in enumerate(SEEDS):
            direct = rmt.simulate_ridge(40, np.ones(p), np.full(p, 1 / p), 0.1, rng=s)
            assert np.array_equal(out[i][j].excess_risk, direct.excess_risk)


def test_mapping_grid_is_the_cartesian_product_last_name_fastest():
    seen = rmt.monte_carlo(lambda a, b, rng: (a, b, rng), {"a": [1, 2], "b": ["x", "y"]}, [7])
    assert [row[0] for row in seen] == [(1, "x", 7), (1, "y", 7), (2, "x", 7), (2, "y", 7)]


def test_processes_agree_exactly_with_serial():
    serial = rmt.monte_carlo(rmt.mp_sample, {"size": [50], "ratio": [0.5, 2.0, 4.0]}, SEEDS)
    on_two = rmt.monte_carlo(
        rmt.mp_sample, {"size": [50], "ratio": [0.5, 2.0, 4.0]}, SEEDS, executor=2
    )
    with ProcessPoolExecutor(2) as pool:
        on_pool = rmt.monte_carlo(
            rmt.mp_sample, {"size": [50], "ratio": [0.5, 2.0, 4.0]}, SEEDS, executor=pool
        )
    assert np.array_equal(np.asarray(serial), np.asarray(on_two))
    assert np.array_equal(np.asarray(serial), np.asarray(on_pool))


@pytest.mark.slow  # 2-6 s measured in the fast loop (CONTRIBUTING: marks by time)
def test_dask_client_and_address_agree_exactly_with_serial_and_processes(cluster):
    lc, client = cluster
    serial = rmt.monte_carlo(ridge_cell, GRID, SEEDS)
    procs = rmt.monte_carlo(ridge_cell, GRID, SEEDS, executor=2)
    on_client = rmt.monte_carlo(ridge_cell, GRID, SEEDS, executor=client)
    on_address = rmt.monte_carlo(ridge_cell, GRID, SEEDS, executor=lc.scheduler_address)
    ref = np.asarray(serial)
    assert ref.shape == (4, 3, 2)
    for other in (procs, on_client, on_address):
        assert np.array_equal(ref, np.asarray(other))
    # the work really was spread over both workers
    assert len(client.scheduler_info()["workers"]) == 2


@pytest.mark.slow
def test_dask_results_are_ordered_by_grid_not_by_completion(cluster):
    _, client = cluster
    # the first cells finish last; gather must still return them first
    delays = [0.6, 0.3, 0.0]
    out = rmt.monte_carlo(
        lambda delay, rng: (time.sleep(delay), delay, rng)[1:],
        {"delay": delays},
        [0, 1],
        executor=client,
    )
    assert [[cell for cell in row] for row in out] == [[(d, 0), (d, 1)] for d in delays]


def test_generator_seeds_are_copied_per_cell_and_never_advanced(cluster):
    _, client = cluster
    gens = [np.random.default_rng(5), np.random.default_rng(6)]
    state = [g.bit_generator.state for g in gens]
    grid = {"size": [10], "ratio": [1.0, 1.0]}  # two equal points: each cell gets a fresh copy
    serial = np.asarray(rmt.monte_carlo(rmt.mp_sample, grid, gens))
    assert [g.bit_generator.state for g in gens] == state
    assert np.array_equal(serial[0], serial[1])
    assert np.array_equal(serial[0, 0], rmt.mp_sample(10, 1.0, rng=np.random.default_rng(5)))
    assert np.array_equal(
        serial, np.asarray(rmt.monte_carlo(rmt.mp_sample, grid, gens, executor=client))
    )


def test_simulate_ridge_gives_the_batched_numbers_on_every_executor(cluster):
    _, client = cluster
    args = (60, np.ones(120), np.full(120, 1 / 120), [0.0, 0.05, 1.0], 0.25)
    gen = np.random.default_rng(11)
    batched = rmt.simulate_ridge(*args, n_draws=5, rng=gen)
    after = gen.standard_normal(3)
    for executor in (2, client):
        gen = np.random.default_rng(11)
        got = rmt.simulate_ridge(*args, n_draws=5, rng=gen, executor=executor)
        for field in batched._fields:
            assert getattr(got, field).shape == (5, 3)
            assert np.array_equal(getattr(got, field), getattr(batched, field)), field
        # the caller's generator is left where the batched draw leaves it
        assert np.array_equal(gen.standard_normal(3), after)


def test_an_error_in_a_cell_names_its_grid_point_and_seed(cluster):
    _, client = cluster
    with pytest.raises(ValueError, match="ratio") as info:
        rmt.monte_carlo(rmt.mp_sample, {"size": [5], "ratio": [1.0, -1.0]}, [0, 9])
    assert any(
        "grid point 1 {'size': 5, 'ratio': -1.0}, seed 0" in note for note in info.value.__notes__
    )
    with pytest.raises(ValueError, match="ratio"):
        rmt.monte_carlo(rmt.mp_sample, {"size": [5], "ratio": [-1.0]}, [0], executor=client)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"fn": 3}, TypeError, "fn must be callable"),
        ({"grid": {}}, ValueError, "grid must name at least one parameter"),
        ({"grid": {"ratio": []}}, ValueError, r"grid\['ratio'\] is empty"),
        ({"grid": {"ratio": 0.5}}, TypeError, r"grid\['ratio'\] must be a sequence"),
        ({"grid": {"ratio": "0.5"}}, TypeError, r"grid\['ratio'\] must be a sequence"),
        ({"grid": []}, ValueError, "grid is empty"),
        ({"grid": [0.5]}, TypeError, r"grid\[0\] must be a mapping"),
        ({"grid": {"no such": [1]}}, ValueError, "grid keys must be parameter names"),
        ({"seeds": 20}, TypeError, r"range\(20\)"),
        ({"seeds": []}, ValueError, "seeds is empty"),
        ({"seeds": [0, -1]}, ValueError, r"seeds\[1\] must be a non-negative integer"),
        ({"seeds": [0, 1.5]}, ValueError, r"seeds\[1\]"),
        ({"seeds": [True]}, ValueError, r"seeds\[0\]"),
        ({"executor": 0}, ValueError, "number of local processes must be >= 1"),
        ({"executor": 2.0}, TypeError, "executor must be None"),
        ({"executor": "localhost"}, ValueError, "tcp://host:8786"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(kwargs, error, match):
    call = {"fn": rmt.mp_sample, "grid": {"size": [5], "ratio": [0.5]}, "seeds": [0]} | kwargs
    with pytest.raises(error, match=match):
        rmt.monte_carlo(call.pop("fn"), call.pop("grid"), call.pop("seeds"), **call)


def test_local_processes_refuse_an_unpicklable_function_and_say_what_works():
    with pytest.raises(TypeError, match="module-level function, or a Dask client"):
        rmt.monte_carlo(lambda size, rng: size, {"size": [1]}, [0], executor=2)
