"""optlr.solvers — the numeric side of optlr: dynamics, schedules, solvers, CLI."""

from __future__ import annotations

from ._continuum import (
    ContinuumResult,
    FrontWarning,
    ModeQuadrature,
    continuum_loss,
    continuum_sweep,
    mode_quadrature,
    solve_continuum,
    time_grid,
)
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
    "ContinuumResult",
    "FrontWarning",
    "InstabilityWarning",
    "ModeQuadrature",
    "Parametrisation",
    "ScheduleResult",
    "SolverRegistry",
    "StepRate",
    "Trajectory",
    "continuum_loss",
    "continuum_sweep",
    "get_solver",
    "initial_state",
    "loss_and_gradient",
    "make_schedule",
    "mode_quadrature",
    "noise_sum",
    "oscillation_amplitude",
    "parse_schedule",
    "plot_schedule",
    "simulate",
    "solve",
    "solve_continuum",
    "solve_direct",
    "spectrum",
    "stability_limit",
    "stationary_loss",
    "time_grid",
]
