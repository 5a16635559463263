"""optlr.solvers — the numeric side of optlr: dynamics, schedules, solvers, CLI."""

from __future__ import annotations

from ._bvp import BVPResult, solve_bvp_schedule, solve_bvp_schedule_mp
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
    "BVPResult",
    "InstabilityWarning",
    "Trajectory",
    "initial_state",
    "make_schedule",
    "noise_sum",
    "parse_schedule",
    "simulate",
    "solve_bvp_schedule",
    "solve_bvp_schedule_mp",
    "spectrum",
    "stability_limit",
    "stationary_loss",
]
