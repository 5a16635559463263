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
from ._dynamics import (
    InstabilityWarning,
    Trajectory,
    noise_sum,
    simulate,
    stability_limit,
    stationary_loss,
)
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum

__all__ = [
    "SCHEDULES",
    "ContinuumResult",
    "FrontWarning",
    "InstabilityWarning",
    "ModeQuadrature",
    "Trajectory",
    "continuum_loss",
    "continuum_sweep",
    "initial_state",
    "make_schedule",
    "mode_quadrature",
    "noise_sum",
    "parse_schedule",
    "simulate",
    "solve_continuum",
    "spectrum",
    "stability_limit",
    "stationary_loss",
    "time_grid",
]
