"""optlr.solvers — the numeric side of optlr: dynamics, schedules, solvers, CLI."""

from __future__ import annotations

from ._direct import (
    BatchBudget,
    BlockRate,
    Parametrisation,
    StepRate,
    loss_and_gradient,
    oscillation_amplitude,
    solve_direct,
)
from ._dynamics import (
    InstabilityWarning,
    Trajectory,
    noise_sum,
    simulate,
    stability_limit,
    stationary_loss,
)
from ._plot import plot_schedule
from ._registry import METHODS, SOLVERS, SolverRegistry, get_solver, solve
from ._result import ScheduleResult
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum

__all__ = [
    "METHODS",
    "SCHEDULES",
    "SOLVERS",
    "BatchBudget",
    "BlockRate",
    "InstabilityWarning",
    "Parametrisation",
    "ScheduleResult",
    "SolverRegistry",
    "StepRate",
    "Trajectory",
    "get_solver",
    "initial_state",
    "loss_and_gradient",
    "make_schedule",
    "noise_sum",
    "oscillation_amplitude",
    "parse_schedule",
    "plot_schedule",
    "simulate",
    "solve",
    "solve_direct",
    "spectrum",
    "stability_limit",
    "stationary_loss",
]
