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
from ._estimate import (
    PhaseEstimate,
    digits_demo,
    estimate_from_features,
    estimate_from_kernel,
    estimate_from_losses,
)
from ._export import (
    ExportedSchedule,
    export_schedule,
    fit_power_decay,
    fit_wsd,
    load_schedule,
    to_optax,
    to_torch_scheduler,
    transfer,
)
from ._momentum import simulate_closure, simulate_momentum
from ._montecarlo import (
    MCResult,
    compare_curves,
    gaussian_features,
    monte_carlo,
    predict_recursion,
    random_features,
)
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum

__all__ = [
    "SCHEDULES",
    "ExportedSchedule",
    "InstabilityWarning",
    "MCResult",
    "PhaseEstimate",
    "Trajectory",
    "compare_curves",
    "digits_demo",
    "estimate_from_features",
    "estimate_from_kernel",
    "estimate_from_losses",
    "export_schedule",
    "fit_power_decay",
    "fit_wsd",
    "gaussian_features",
    "initial_state",
    "load_schedule",
    "make_schedule",
    "monte_carlo",
    "noise_sum",
    "parse_schedule",
    "predict_recursion",
    "random_features",
    "simulate",
    "simulate_closure",
    "simulate_momentum",
    "spectrum",
    "stability_limit",
    "stationary_loss",
    "to_optax",
    "to_torch_scheduler",
    "transfer",
]
