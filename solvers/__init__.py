"""optlr.solvers — the numeric side of optlr: dynamics, schedules, solvers, CLI."""

from __future__ import annotations

from ._dynamics import (
    InstabilityWarning,
    Trajectory,
    noise_sum,
    simulate,
    stability_limit,
    stationary_loss,
)
from ._momentum import simulate_closure, simulate_momentum
from ._montecarlo import (
    MCResult,
    compare_curves,
    gaussian_features,
    monte_carlo,
    random_features,
)
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum

__all__ = [
    "SCHEDULES",
    "InstabilityWarning",
    "MCResult",
    "Trajectory",
    "compare_curves",
    "gaussian_features",
    "initial_state",
    "make_schedule",
    "monte_carlo",
    "noise_sum",
    "parse_schedule",
    "random_features",
    "simulate",
    "simulate_closure",
    "simulate_momentum",
    "spectrum",
    "stability_limit",
    "stationary_loss",
]
