"""The claims of a validation run that need no optimal sweep, evaluated in a worker process
beside it (:func:`~solvers.claims.validate.validate` with ``jobs >= 2``).

The claims measured on optimal schedules (``Claim.needs_solver``) share the continued, budgeted
optimal sweep (``ctx.memo[("optimal", model)]``, and the easy layer's refined grids); the others
— the tuned baselines and the LR-transfer families, the tuned constant rate, the batch,
momentum and compute-optimal claims — share nothing with them: their memo entries (the
baselines' ledger of work, the constant-rate and momentum-forms sweeps, the beyond-the-rate
results) are their own. So they run in one worker, in registry order (those of
:data:`FROM_THE_END`, which spend no ledger, last) on a copy of the context (every claim sees
the memo, and the baselines' ledger the sequence of tunings, it would see in one process), while this process runs the optimal sweep. The worker sends back its rows and the
memo entries it made, merged here, so that later work (the baseline comparison, the figures)
finds them as in one process. Each budget is a piece's own work (reference CPU seconds), spent
once, in one process: two processes neither double nor split it.

The worker takes its claims from the front of its list (:class:`~solvers.analysis.processes.Ends`);
this process, once its own claims are done, takes from the back those of
:data:`FROM_THE_END` (:func:`take_from_the_end`), a unit of :data:`UNITS` (claims sharing a
sweep) whole, and the worker, once its claims and ``then`` are
done, computes the refined re-solves this process posts (:class:`~solvers.analysis.processes.Shared`,
``ctx.share``) until this process stops it: each side computes what the other has not taken,
and every number is the one process's.

Only claims the worker rebuilds the same — the default registry's, unchanged since import
(:data:`~solvers.claims.catalog.BUILT_IN`) — go there; a claim registered or replaced at run
time stays here.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from theory import PLRFModel

from ..analysis.processes import Ends, Shared
from .catalog import BUILT_IN, CLAIMS
from .core import ClaimRegistry, ClaimResult, ExperimentContext, evaluate_claim

__all__ = [
    "FROM_THE_END",
    "UNITS",
    "beside_names",
    "evaluate_beside",
    "merge_beside",
    "take_from_the_end",
    "worker_context",
    "worker_units",
]

#: The worker's claims this process may take from the back of the worker's list, in the order
#: they stand there (last: the first taken): a claim here spends no ledger of the tuned
#: baselines (the worker's ``then`` sees the ledger of one process), and what it computes is
#: deterministic, so taken here it gives the worker's numbers. :func:`beside_names` puts them
#: last in the worker's list, in this order. Nesterov's row, on its own horizons
#: (``NESTEROV_T``) with its own SGD sweep; the other momentum rows, which share the SGD and EMA
#: form sweeps (memoised per form); the compute-optimal pair, which shares one sweep. At
#: (1.2, 1.7) the worker is the longer side (272 s CPU against 60 of this process's own,
#: idle; benchmarks/results/claims.md 2026-12-02s23 (lead)).
FROM_THE_END = (
    "compute-optimal",
    "compute-optimal model size",
    "momentum",
    "momentum loss",
    "momentum, hard phase, ema",
    "momentum, hard phase, heavy-ball",
    "momentum, hard phase, nesterov",
)
#: Claims of :data:`FROM_THE_END` that share a memoised sweep: one unit of the worker's list
#: (:class:`~solvers.analysis.processes.Ends`), taken whole by one process, since split between
#: the two each would repeat the sweep (with single rows this process took EMA's and heavy
#: ball's rows while the worker made the same SGD and EMA sweeps for ``momentum``, and the
#: compute pair ran in both: 80 s CPU twice at (1.2, 1.7)).
UNITS = {
    "compute-optimal": "compute",
    "compute-optimal model size": "compute",
    "momentum": "forms",
    "momentum loss": "forms",
    "momentum, hard phase, ema": "forms",
    "momentum, hard phase, heavy-ball": "forms",
}


def beside_names(
    names: Sequence[str], registry: ClaimRegistry, model: PLRFModel, ctx: ExperimentContext
) -> list[str]:
    """The claims of ``names`` to evaluate in the worker: those of the default registry as built
    at import that need no solver and apply in ``model``'s phase — provided one that needs the
    optimal sweep stays here (otherwise the worker would only add its start-up: ``[]``)."""
    if registry is not CLAIMS:
        return []
    here = [n for n in names if registry[n].needs_solver and model.phase in registry[n].phases]
    if not here or not ctx.has_solver:
        return []
    there = [n for n in names if BUILT_IN.get(n) is registry[n] and not registry[n].needs_solver
             and model.phase in registry[n].phases]  # fmt: skip
    return [n for n in there if n not in FROM_THE_END] + [n for n in FROM_THE_END if n in there]


def worker_units(names: Sequence[str]) -> list[str | None]:
    """The unit label (:data:`UNITS`) of each claim of the worker's list ``names``."""
    return [UNITS.get(n) for n in names]


def _no_optimal_sweep(model, Ts, **options):
    """The worker's sweep: its claims need none (``needs_solver`` is False); one that asks for the
    optimal schedules is a mis-declared claim, an error rather than a second sweep."""
    raise RuntimeError(
        "a claim evaluated beside the optimal sweep asked for optimal schedules: set its "
        "needs_solver=True so that it runs where the sweep is"
    )


def worker_context(ctx: ExperimentContext) -> ExperimentContext:
    """A copy of ``ctx`` for the worker: the same options, caches and memo, no solver."""
    return replace(ctx, solver=None, sweep=_no_optimal_sweep, memo=dict(ctx.memo))


def evaluate_beside(
    model: PLRFModel,
    horizons: dict[str, list],
    ctx: ExperimentContext,
    then: Callable[[ExperimentContext], Any] | None = None,
    progress: bool = False,
    ends: Ends | None = None,
    shared: Shared | None = None,
) -> tuple[dict[str, ClaimResult], dict, tuple[int, int]]:
    """The worker's task: the claims ``horizons`` names (in its order, over its horizons; with
    ``ends``, those this process takes from the front before the caller takes the rest from
    the back), then ``then(ctx)``, then ``shared``'s tasks until the caller stops it; returns
    the rows, the memo entries made or rebound (e.g. the baselines' ledger) and the disk
    cache's ``(hits, misses)`` in the worker."""
    before = dict(ctx.memo)
    start = (0, 0) if ctx.cache is None else (ctx.cache.hits, ctx.cache.misses)
    names, rows = list(horizons), {}
    for i in _from_the_front(ends, len(names)):
        name, c0 = names[i], time.process_time()
        rows[name] = evaluate_claim(CLAIMS[name], model, horizons[name], ctx)
        if progress:
            print(f"[worker] {name}: {rows[name].verdict.split(':')[0]} "
                  f"({time.process_time() - c0:.1f} s CPU)", file=sys.stderr, flush=True)  # fmt: skip
    if then is not None:
        then(ctx)
    if shared is not None:
        c0 = time.process_time()
        shared.serve()
        if progress:
            print(f"[worker] shared re-solves: {time.process_time() - c0:.1f} s CPU",
                  file=sys.stderr, flush=True)  # fmt: skip
    made = {k: v for k, v in ctx.memo.items() if k not in before or before[k] is not v}
    counts = (
        (0, 0) if ctx.cache is None else (ctx.cache.hits - start[0], ctx.cache.misses - start[1])
    )
    return rows, made, counts


def take_from_the_end(
    model: PLRFModel, horizons: dict[str, list], ctx: ExperimentContext, ends: Ends,
    progress: bool = False,
) -> dict[str, ClaimResult]:  # fmt: skip
    """This process's share of the worker's claims (``horizons``, in the worker's order): those
    of :data:`FROM_THE_END` the worker has not started, taken from the back of its list."""
    names, rows = list(horizons), {}
    while (unit := ends.back(lambda j: names[j] in FROM_THE_END)) is not None:
        for i in unit:
            c0 = time.process_time()
            rows[names[i]] = evaluate_claim(CLAIMS[names[i]], model, horizons[names[i]], ctx)
            if progress:
                print(f"[here] {names[i]}: {rows[names[i]].verdict.split(':')[0]} "
                      f"({time.process_time() - c0:.1f} s CPU)", file=sys.stderr, flush=True)  # fmt: skip
    return rows


def _from_the_front(ends: Ends | None, n: int):
    """The worker's items: all ``n`` in order without ``ends``, else its units from the front
    until none is left."""
    if ends is None:
        yield from range(n)
        return
    while (unit := ends.front()) is not None:
        yield from unit


def merge_beside(ctx: ExperimentContext, made: dict, counts: tuple[int, int]) -> None:
    """Take the worker's memo entries and its disk cache's hits and misses into ``ctx``."""
    ctx.memo.update(made)
    if ctx.cache is not None:
        ctx.cache.hits += counts[0]
        ctx.cache.misses += counts[1]
