"""optlr.solvers — the numeric side of optlr: dynamics, schedules, solvers, CLI."""

from __future__ import annotations

from ._baselines import BASELINES, BaselineResult, tune_baseline, tune_constant
from ._claims import (
    CLAIMS,
    Claim,
    ClaimRegistry,
    ClaimResult,
    ExperimentContext,
    Measurement,
    constant_rate_balance,
    default_claims,
    evaluate_claim,
    register_claim,
)
from ._dynamics import (
    InstabilityWarning,
    Trajectory,
    noise_sum,
    simulate,
    stability_limit,
    stationary_loss,
)
from ._fits import (
    CollapseMeasure,
    EndExponentFit,
    LocalSlopes,
    PowerLawFit,
    SlopeDrift,
    collapse_spread,
    fit_collapse_exponent,
    fit_end_exponent,
    fit_power_law,
    local_slopes,
    slope_drift,
)
from ._modes import ModeGrid, constant_rate_loss, grid_final_loss, grid_stability_limit
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum
from ._sweep import SweepResult, run_sweep, task_key
from ._validate import (
    BaselineComparison,
    PhaseDiagram,
    compare_baselines,
    horizons,
    phase_diagram,
    validate,
)
from ._validation_plots import plot_collapse, plot_local_slopes, plot_loss_vs_T

__all__ = [
    "BASELINES",
    "CLAIMS",
    "SCHEDULES",
    "BaselineComparison",
    "BaselineResult",
    "Claim",
    "ClaimRegistry",
    "ClaimResult",
    "CollapseMeasure",
    "EndExponentFit",
    "ExperimentContext",
    "InstabilityWarning",
    "LocalSlopes",
    "Measurement",
    "ModeGrid",
    "PhaseDiagram",
    "PowerLawFit",
    "SlopeDrift",
    "SweepResult",
    "Trajectory",
    "collapse_spread",
    "compare_baselines",
    "constant_rate_balance",
    "constant_rate_loss",
    "default_claims",
    "evaluate_claim",
    "fit_collapse_exponent",
    "fit_end_exponent",
    "fit_power_law",
    "grid_final_loss",
    "grid_stability_limit",
    "horizons",
    "initial_state",
    "local_slopes",
    "make_schedule",
    "noise_sum",
    "parse_schedule",
    "phase_diagram",
    "plot_collapse",
    "plot_local_slopes",
    "plot_loss_vs_T",
    "register_claim",
    "run_sweep",
    "simulate",
    "slope_drift",
    "spectrum",
    "stability_limit",
    "stationary_loss",
    "task_key",
    "tune_baseline",
    "tune_constant",
    "validate",
]
