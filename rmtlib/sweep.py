"""Monte-Carlo sweeps over a parameter grid and a list of seeds, here, on local processes or on
a Dask cluster, with the same numbers wherever they run.

A sweep is a function of parameters and a seed, ``fn(**point, rng=seed)`` (the signature of the
book's simulators), evaluated at every point of a grid for every seed. Each evaluation gets its own
copy of its seed, so the result of one cell never depends on which worker ran it, in which order,
or what ran before it on that worker; results come back ordered by grid point, then by seed, never
by completion. The distributed engine is Dask's (``dask.distributed``, the ``dask`` extra):
``pip install "rmtlib[dask]"``.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import itertools
import numbers
import pickle
from collections.abc import Callable, Iterable, Mapping

import numpy as np

__all__ = ["monte_carlo"]


def _points(grid):
    """The grid as a list of keyword dictionaries (Cartesian product of a mapping, or as given)."""
    if isinstance(grid, Mapping):
        names = list(grid)
        if not names:
            raise ValueError("grid must name at least one parameter; got an empty mapping")
        values = []
        for name in names:
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"grid keys must be parameter names; got {name!r}")
            vals = grid[name]
            if isinstance(vals, (str, bytes)) or not isinstance(vals, Iterable):
                raise TypeError(f"grid[{name!r}] must be a sequence of values; got {vals!r}")
            vals = list(vals)
            if not vals:
                raise ValueError(f"grid[{name!r}] is empty: a sweep needs at least one value")
            values.append(vals)
        return [dict(zip(names, combo)) for combo in itertools.product(*values)]
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(
            "grid must be a mapping {name: values} or a sequence of "
            f"{{name: value}} mappings; got {grid!r}"
        )
    points = list(grid)
    if not points:
        raise ValueError("grid is empty: a sweep needs at least one grid point")
    for k, point in enumerate(points):
        if not isinstance(point, Mapping):
            raise TypeError(f"grid[{k}] must be a mapping {{name: value}}; got {point!r}")
    return [dict(point) for point in points]


def _seeds(seeds):
    if isinstance(seeds, (numbers.Integral, np.random.Generator)):
        raise TypeError(
            f"seeds must be a sequence of seeds, e.g. range({seeds}) or a list of "
            f"Generators; got the single seed {seeds!r}"
        )
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a sequence of integer seeds or Generators; got {seeds!r}")
    out = list(seeds)
    if not out:
        raise ValueError("seeds is empty: a Monte-Carlo sweep needs at least one seed")
    for k, s in enumerate(out):
        if isinstance(s, np.random.Generator):
            continue
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(
                f"seeds[{k}] must be a non-negative integer or a numpy.random.Generator; got {s!r}"
            )
        out[k] = int(s)
    return out


def _run(task):
    """One cell of the sweep: ``fn(**point, rng=<a private copy of the seed>)``."""
    fn, i, point, seed = task
    try:
        return fn(**point, rng=copy.deepcopy(seed))
    except Exception as exc:
        exc.add_note(f"monte_carlo: raised at grid point {i} {point!r}, seed {seed!r}")
        raise


def _is_dask_client(obj):
    return type(obj).__name__ == "Client" and type(obj).__module__.startswith("distributed")


def _dask_client(address):
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(
            "executor: a scheduler address needs dask.distributed; install the "
            "'dask' extra (pip install \"rmtlib[dask]\")"
        ) from exc
    try:
        return Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"executor: no Dask scheduler answered at {address!r} "
            "(start one with 'dask scheduler' or pass a Client)"
        ) from exc


def monte_carlo(fn: Callable, grid, seeds, *, executor=None):
    """Evaluate ``fn(**point, rng=seed)`` at every grid point for every seed.

    Parameters
    ----------
    fn : callable
        A simulation taking the grid's parameters as keywords and a seed as ``rng`` (an int seed
        or a :class:`numpy.random.Generator`), like the book's simulators. To run on local
        processes it must be picklable (a module-level function); Dask also ships lambdas and
        notebook functions.
    grid : mapping or sequence of mappings
        ``{name: values}`` for the Cartesian product of the values (the last name varies
        fastest, as in ``itertools.product``), or an explicit list of ``{name: value}``
        points.
    seeds : sequence of int or numpy.random.Generator
        The same seeds are used at every grid point (common random numbers: differences between
        grid points are less noisy). Integer seed ``s`` reaches ``fn`` unchanged, so it builds
        ``numpy.random.default_rng(s)``, i.e. the stream of ``SeedSequence(s)``; a Generator is
        copied for every cell and never advanced.
    executor : None, int, concurrent.futures.Executor, dask.distributed.Client or str
        Where the cells run: ``None`` here, one after the other; an int ``k`` on ``k`` new local
        processes (closed afterwards); an Executor you manage (e.g. a ``ProcessPoolExecutor``);
        a Dask ``Client``; or the address of a Dask scheduler (``"tcp://host:8786"``), to which a
        client is connected for this call only.

    Returns
    -------
    list of list
        ``results[i][j] = fn(**points[i], rng=seeds[j])``, ordered by grid point then seed,
        whatever the order of completion; ``numpy.asarray(results)`` stacks array results into
        shape ``(n_points, n_seeds, ...)``.

    Notes
    -----
    Every cell starts from its own seed, so the three ways of running give the same numbers seed
    for seed on one machine (tested on a two-worker ``LocalCluster``). Across machines, BLAS
    round-off may differ in the last digits, as for any computation. An exception in a cell
    is re-raised here with a note naming the grid point and the seed.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from rmtlib import mp_sample
    >>> grid = {"size": [3], "ratio": [0.5, 2.0]}
    >>> out = monte_carlo(mp_sample, grid, seeds=[0, 1])
    >>> len(out), len(out[0])                     # 2 grid points × 2 seeds
    (2, 2)
    >>> bool(np.array_equal(out[1][0], mp_sample(3, 2.0, rng=0)))
    True
    >>> with ThreadPoolExecutor(2) as pool:
    ...     again = monte_carlo(mp_sample, grid, [0, 1], executor=pool)
    >>> bool(np.array_equal(np.asarray(out), np.asarray(again)))
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, fn(**point, rng=seed); got {fn!r}")
    points, seed_list = _points(grid), _seeds(seeds)
    tasks = [(fn, i, point, seed) for i, point in enumerate(points) for seed in seed_list]
    if executor is None:
        flat = [_run(task) for task in tasks]
    elif isinstance(executor, numbers.Integral) and not isinstance(executor, bool):
        if executor < 1:
            raise ValueError(
                f"executor: the number of local processes must be >= 1; got {executor}"
            )
        _check_picklable(fn, points)
        with cf.ProcessPoolExecutor(int(executor)) as pool:
            flat = list(pool.map(_run, tasks))
    elif isinstance(executor, cf.Executor):
        if isinstance(executor, cf.ProcessPoolExecutor):
            _check_picklable(fn, points)
        flat = list(executor.map(_run, tasks))
    elif _is_dask_client(executor):
        flat = _on_dask(executor, tasks)
    elif isinstance(executor, str):
        if "://" not in executor and ":" not in executor:
            raise ValueError(
                f"executor: a scheduler address looks like 'tcp://host:8786'; got {executor!r}"
            )
        client = _dask_client(executor)
        try:
            flat = _on_dask(client, tasks)
        finally:
            client.close()
    else:
        raise TypeError(
            "executor must be None, a number of local processes, a "
            "concurrent.futures.Executor, a dask.distributed.Client or a scheduler "
            f"address; got {executor!r}"
        )
    n = len(seed_list)
    return [flat[k * n : (k + 1) * n] for k in range(len(points))]


def _on_dask(client, tasks):
    # pure=False: two equal tasks are still two draws; gather keeps the order of the futures.
    futures = client.map(_run, tasks, pure=False)
    return client.gather(futures)


def _check_picklable(fn, points):
    try:
        pickle.dumps((fn, points))
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TypeError(
            f"fn and the grid must be picklable to run on local processes ({exc}); "
            "use a module-level function, or a Dask client (which ships lambdas and "
            "notebook functions)"
        ) from exc
