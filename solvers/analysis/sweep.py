"""Sweeps through an executor, with a progress bar and a content-addressed on-disk cache.

A sweep is a picklable module-level function applied to a list of keyword-argument dicts
(horizons, ``(a, b)`` points, ...). Tasks run in local processes by default
(:class:`concurrent.futures.ProcessPoolExecutor`), inline with ``max_workers=1``, or on a Dask
distributed cluster when a scheduler address (or a ``distributed.Client``) is given. Each finished
task is written to ``cache_dir`` under a key hashed from the function's qualified name, the
source of every ``theory`` and ``solvers`` module (the code version) and the parameters, so an
interrupted sweep resumes and a repeated one does no new work. Entries go through the one cache
primitive (:mod:`theory._disk`): atomic, keyed and checksummed; a damaged entry is recomputed
with a warning.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from theory._checks import check_int, check_real
from theory._disk import CacheWarning, CorruptEntry, load_entry, store_entry

from .._cache import package_code_key

__all__ = ["SweepResult", "horizons", "run_sweep", "task_key"]


def horizons(
    T_min: float, T_max: float, points: int | None = None, *, per_decade: float = 2
) -> tuple[int, ...]:
    """Geometrically spaced integer horizons from ``T_min`` to ``T_max`` (both included).

    ``points`` horizons, or ``per_decade`` of them per decade (at least two) when ``points`` is
    not given; duplicates left by the rounding are dropped.

    >>> horizons(100, 10_000)
    (100, 316, 1000, 3162, 10000)
    """
    T_min = check_real("T_min", T_min, ge=1)
    T_max = check_real("T_max", T_max, ge=T_min)
    if points is None:
        per_decade = check_real("per_decade", per_decade, gt=0)
        points = max(2, round(per_decade * math.log10(T_max / T_min)) + 1)
    points = check_int("points", points, ge=2)
    return tuple(int(T) for T in np.unique(np.round(np.geomspace(T_min, T_max, points))))


def task_key(func: Callable, params: dict, code_version: str | None = None) -> str:
    """Content-addressed key of one task: function, code version and parameters (sorted JSON)."""
    payload = {
        "func": f"{func.__module__}.{func.__qualname__}",
        "code": package_code_key() if code_version is None else code_version,
        "params": params,
    }
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SweepResult:
    """Results of :func:`run_sweep`, in the order of the tasks.

    Attributes
    ----------
    values : list
    computed, cached : int
        Tasks run in this call and tasks read from the cache.
    backend : str
    """

    values: list
    computed: int
    cached: int
    backend: str


def _load(path: Path, key: str) -> tuple[bool, Any]:
    """``(True, value)`` of a verified entry; ``(False, None)`` if absent or damaged (warned)."""
    try:
        return True, load_entry(path, key)
    except FileNotFoundError:
        return False, None
    except (CorruptEntry, OSError) as exc:
        warnings.warn(f"sweep cache entry {path} {exc}; recomputing it", CacheWarning, stacklevel=3)
        return False, None


def _call(func, params):
    return func(**params)


def _execute(func, tasks, todo, done, bar, scheduler, max_workers) -> str:
    """Run the tasks ``todo`` (Dask, inline or local processes); returns the backend's name."""
    if not todo:
        return "cache"
    if scheduler is not None:
        return _run_dask(func, tasks, todo, scheduler, done, bar)
    if max_workers == 1:
        for i in todo:
            done(i, func(**tasks[i]))
            bar.update()
        return "inline"
    with ProcessPoolExecutor(max_workers=max_workers) as pool:
        futs = {pool.submit(_call, func, tasks[i]): i for i in todo}
        for fut in as_completed(futs):
            done(futs[fut], fut.result())
            bar.update()
    return "processes"


def run_sweep(
    func: Callable[..., Any],
    tasks: Sequence[dict],
    *,
    cache_dir: str | Path | None = None,
    scheduler: Any = None,
    max_workers: int | None = None,
    progress: bool = True,
    code_version: str | None = None,
    description: str = "sweep",
) -> SweepResult:
    """Run ``func(**params)`` for every ``params`` in ``tasks``.

    Parameters
    ----------
    func : callable
        A picklable module-level function.
    tasks : sequence of dict
        Keyword arguments per task (JSON-serialisable for the cache key).
    cache_dir : path, optional
        Directory of the on-disk cache; no caching if omitted.
    scheduler : str or distributed.Client, optional
        Address of a Dask scheduler (``"tcp://host:port"``) or a connected client; the
        ``dask`` extra must be installed.
    max_workers : int, optional
        Local processes (default: the executor's own default); ``1`` runs tasks inline.
    progress : bool
        A tqdm bar on standard error.
    code_version : str, optional
        Overrides the version part of the cache key (default: hash of every source file of
        ``theory`` and ``solvers``).

    Returns
    -------
    SweepResult
    """
    from tqdm import tqdm

    tasks = [dict(t) for t in tasks]
    if max_workers is not None:
        max_workers = check_int("max_workers", max_workers, ge=1)
    cache = None if cache_dir is None else Path(cache_dir)
    keys = [task_key(func, t, code_version) for t in tasks]
    values: list = [None] * len(tasks)
    todo = []
    for i, k in enumerate(keys):
        found = False
        if cache is not None:
            found, values[i] = _load(cache / k[:2] / f"{k}.pkl", k)
        if not found:
            todo.append(i)
    n_cached = len(tasks) - len(todo)

    def done(i, value):
        values[i] = value
        if cache is not None:
            store_entry(cache / keys[i][:2] / f"{keys[i]}.pkl", keys[i], value)

    bar = tqdm(
        total=len(tasks), initial=n_cached, desc=description, file=sys.stderr, disable=not progress
    )
    try:
        backend = _execute(func, tasks, todo, done, bar, scheduler, max_workers)
    finally:
        bar.close()
    return SweepResult(values, len(todo), n_cached, backend)


def _run_dask(func, tasks, todo, scheduler, done, bar) -> str:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ImportError(
            "scheduler: a Dask scheduler needs the 'dask' extra (pip install optlr[dask])"
        ) from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futs = {client.submit(_call, func, tasks[i], pure=False): i for i in todo}
        for fut in dask_completed(list(futs)):
            done(futs[fut], fut.result())
            bar.update()
    finally:
        if own:
            client.close()
    return "dask"
