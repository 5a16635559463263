"""Optimal schedules over a horizon sweep with the continuum solver, continued and cached on disk.

:func:`optimal_continuum_sweep` is :func:`~solvers.continuum_sweep` (each horizon warm-started
from the previous two) with every solved horizon stored in a :class:`~solvers._cache.DiskCache`,
keyed by the model, the horizon, the solver options and the source of the solver modules: an
interrupted sweep resumes where it stopped, and a validation run reads what a long background
run computed. A CPU budget, counted in the solves' work (reference CPU seconds, not the
process's clock, so that the horizons reached do not depend on the machine's load), stops it
before a horizon whose predicted cost would exceed what is left (the default ``optlr validate``
run: minutes, not hours, where the solves grow expensive, as at the hard corner ``(1.2, 4)``).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from theory import PLRFModel
from theory._checks import check_real

from .._cache import DiskCache
from ..dynamics import _continuum_kernels
from ..dynamics.continuum import FrontWarning
from . import continuum as _continuum
from .continuum import ContinuumResult, solve_continuum

__all__ = ["optimal_continuum_sweep", "predicted_cpu", "solve_cost"]

#: Reference CPU seconds of one unit of a solve's ``work`` (one mode advanced by one substep of
#: one interval in a gradient pass, forward and adjoint), and of a solve's fixed costs (its
#: start, grids and two diagnostic passes): measured 43.4-47.9 ns over 21 continued hard-phase
#: solves at (1.5, 3), T = 3e3 .. 1e13, on the 2-core host with both cores busy
#: (benchmarks/results/longrun.md). A CPU budget is spent in these units, not in the process's
#: measured CPU time, so the horizons a budgeted sweep reaches — and the verdicts they give —
#: do not depend on the load of the machine (measured: three cold default runs at (4, 3.5)
#: reached 1e11, 1e10 and 3.16e9 with the same code).
SECONDS_PER_WORK = 45e-9
SECONDS_PER_SOLVE = 0.5
#: Largest factor by which the predicted CPU cost of the next horizon exceeds the last one's
#: (one warm-started step of the sweep; the cost per half-decade grows by 1-2x in the hard
#: phase, benchmarks/results/longrun.md).
MAX_COST_GROWTH = 3.0


def predicted_cpu(costs: Sequence[float]) -> float:
    """CPU seconds the next horizon of a sweep is predicted to cost, from the costs so far.

    The last cost times the growth from the one before (at least 1, at most
    :data:`MAX_COST_GROWTH`); ``0`` before the first horizon (the first always runs).

    >>> predicted_cpu([]), predicted_cpu([2.0]), predicted_cpu([2.0, 4.0]), predicted_cpu([4.0, 2.0])
    (0.0, 2.0, 8.0, 2.0)
    """
    if not costs:
        return 0.0
    if len(costs) == 1 or not costs[-2] > 0:
        return float(costs[-1])
    return float(costs[-1] * min(max(costs[-1] / costs[-2], 1.0), MAX_COST_GROWTH))


def optimal_continuum_sweep(
    model: PLRFModel,
    Ts: Sequence[float],
    *,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    cpu_budget: float | None = None,
    **options,
) -> list[ContinuumResult | None]:
    """Continuum-optimal schedules at every horizon of ``Ts`` (ascending order of solution).

    Parameters
    ----------
    model : PLRFModel
    Ts : sequence of float
    cache_dir : path, optional
        Directory of the on-disk cache (``None``: no cache).
    progress : bool
        Print one line per solved horizon (long sweeps).
    cpu_budget : float, optional
        Reference CPU seconds the sweep may spend: each solve costs its ``work`` times
        :data:`SECONDS_PER_WORK` plus :data:`SECONDS_PER_SOLVE` (:func:`solve_cost`), whatever
        the machine and its load, so that the same call always reaches the same horizons.
        Before each horizon the cost is predicted from the solves so far
        (:func:`predicted_cpu`; a cached horizon counts as its solve did); a horizon that would
        exceed what is left, and every longer one, is not solved. ``None``: no budget.
    **options
        Options of :func:`~solvers.solve_continuum` (not ``initial``).

    Returns
    -------
    list of ContinuumResult, in the order of ``Ts``; ``None`` for the horizons the CPU budget
    left unsolved. A :class:`FrontWarning` raised while solving is kept in the result's
    ``warnings`` rather than repeated.
    """
    if "initial" in options:
        raise TypeError("optimal_continuum_sweep() warm-starts itself; 'initial' is not accepted")
    Ts = [check_real("Ts[i]", T, ge=1) for T in Ts]
    if cpu_budget is not None:
        check_real("cpu_budget", cpu_budget, gt=0)
    cache = DiskCache(cache_dir)
    done: list[ContinuumResult] = []
    out: dict[float, ContinuumResult | None] = dict.fromkeys(Ts)
    costs: list[float] = []
    for T in sorted(set(Ts)):
        spent = sum(costs)
        if cpu_budget is not None and costs and spent + predicted_cpu(costs) > cpu_budget:
            if progress:
                print(f"T={T:.4g} not solved: CPU budget {cpu_budget:g} reference s ({spent:.0f} s spent, "
                      f"next predicted {predicted_cpu(costs):.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
            break
        init = done[-2:] or None

        def compute(T=T, init=init):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FrontWarning)
                return solve_continuum(model, T, initial=init, **options)

        r = cache.get_or_compute(
            "continuum-optimum", {"model": model, "T": float(T), "options": options}, compute,
            depends_on=[_continuum, _continuum_kernels],
        )  # fmt: skip
        if progress:
            print(
                f"T={T:.4g} L={r.final_loss:.6g} success={r.success} kkt={r.kkt_residual:.2g} "
                f"seconds={r.seconds:.1f}", file=sys.stderr, flush=True,
            )  # fmt: skip
        done.append(r)
        out[T] = r
        costs.append(solve_cost(r))
    return [out[T] for T in Ts]


def solve_cost(result: ContinuumResult) -> float:
    """Reference CPU seconds of a continuum solve: ``work x SECONDS_PER_WORK +
    SECONDS_PER_SOLVE`` (a cached result always has ``work``: the cache is keyed by the
    package's source, so no entry from before it existed is served)."""
    return float(result.diagnostics["work"]) * SECONDS_PER_WORK + SECONDS_PER_SOLVE
