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
    "ExportedSchedule",
    "FrontWarning",
    "InstabilityWarning",
    "MCResult",
    "ModeQuadrature",
    "Parametrisation",
    "PhaseEstimate",
    "ScheduleResult",
    "SolverRegistry",
    "StepRate",
    "Trajectory",
    "compare_curves",
    "continuum_loss",
    "continuum_sweep",
    "digits_demo",
    "estimate_from_features",
    "estimate_from_kernel",
    "estimate_from_losses",
    "export_schedule",
    "fit_power_decay",
    "fit_wsd",
    "gaussian_features",
    "get_solver",
    "initial_state",
    "load_schedule",
    "loss_and_gradient",
    "make_schedule",
    "mode_quadrature",
    "monte_carlo",
    "noise_sum",
    "oscillation_amplitude",
    "parse_schedule",
    "plot_schedule",
    "predict_recursion",
    "random_features",
    "simulate",
    "simulate_closure",
    "simulate_momentum",
    "solve",
    "solve_continuum",
    "solve_direct",
    "spectrum",
    "stability_limit",
    "stationary_loss",
    "time_grid",
    "to_optax",
    "to_torch_scheduler",
    "transfer",
]
