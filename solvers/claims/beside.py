"""The claims of a validation run that need no optimal sweep, evaluated in a worker process
beside it (:func:`~solvers.claims.validate.validate` with ``jobs >= 2``).

The claims measured on optimal schedules (``Claim.needs_solver``) share the continued, budgeted
optimal sweep (``ctx.memo[("optimal", model)]``, and the easy layer's refined grids); the others
— the tuned baselines and the LR-transfer families, the tuned constant rate, the batch,
momentum and compute-optimal claims — share nothing with them: their memo entries (the
baselines' ledger of work, the constant-rate and momentum-forms sweeps, the beyond-the-rate
results) are their own. So they run in one worker, in registry order on a copy of the context
(every claim sees the memo, and the baselines' ledger the sequence of tunings, it would see in
one process), while this process runs the optimal sweep. The worker sends back its rows and the
memo entries it made, merged here, so that later work (the baseline comparison, the figures)
finds them as in one process. Each budget is a piece's own work (reference CPU seconds), spent
once, in one process: two processes neither double nor split it.

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

from .catalog import BUILT_IN, CLAIMS
from .core import ClaimRegistry, ClaimResult, ExperimentContext, evaluate_claim

__all__ = ["beside_names", "evaluate_beside", "merge_beside", "worker_context"]


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
    return [n for n in names if BUILT_IN.get(n) is registry[n] and not registry[n].needs_solver
            and model.phase in registry[n].phases]  # fmt: skip


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
) -> tuple[dict[str, ClaimResult], dict, tuple[int, int]]:
    """The worker's task: the claims ``horizons`` names (in its order, over its horizons), then
    ``then(ctx)``; returns the rows, the memo entries made or rebound (e.g. the baselines'
    ledger) and the disk cache's ``(hits, misses)`` in the worker."""
    before = dict(ctx.memo)
    start = (0, 0) if ctx.cache is None else (ctx.cache.hits, ctx.cache.misses)
    rows = {}
    for name, Ts in horizons.items():
        c0 = time.process_time()
        rows[name] = evaluate_claim(CLAIMS[name], model, Ts, ctx)
        if progress:
            print(f"[worker] {name}: {rows[name].verdict.split(':')[0]} "
                  f"({time.process_time() - c0:.1f} s CPU)", file=sys.stderr, flush=True)  # fmt: skip
    if then is not None:
        then(ctx)
    made = {k: v for k, v in ctx.memo.items() if k not in before or before[k] is not v}
    counts = (
        (0, 0) if ctx.cache is None else (ctx.cache.hits - start[0], ctx.cache.misses - start[1])
    )
    return rows, made, counts


def merge_beside(ctx: ExperimentContext, made: dict, counts: tuple[int, int]) -> None:
    """Take the worker's memo entries and its disk cache's hits and misses into ``ctx``."""
    ctx.memo.update(made)
    if ctx.cache is not None:
        ctx.cache.hits += counts[0]
        ctx.cache.misses += counts[1]
