"""optlr.solvers — the numeric side of optlr: dynamics, schedules, solvers, CLI."""

from __future__ import annotations

from ._baselines import BASELINES, BaselineResult, tune_baseline, tune_constant
from ._bvp import BVPResult, solve_bvp_schedule, solve_bvp_schedule_mp
from ._claims import (
    CLAIMS,
    Claim,
    ClaimRegistry,
    ClaimResult,
    ExperimentContext,
    Measurement,
    annealing_width,
    constant_rate_balance,
    default_claims,
    evaluate_claim,
    register_claim,
)
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
from ._continuum_baselines import tune_baseline_continuum
from ._direct import (
    BatchBudget,
    BlockRate,
    Parametrisation,
    StepRate,
    loss_and_gradient,
    multilevel_blocks,
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
from ._momentum import simulate_closure, simulate_momentum
from ._montecarlo import (
    MCResult,
    compare_curves,
    gaussian_features,
    monte_carlo,
    predict_recursion,
    random_features,
)
from ._optimal_sweep import optimal_continuum_sweep
from ._plot import plot_schedule
from ._registry import METHODS, SOLVERS, SolverRegistry, get_solver, solve
from ._result import ScheduleResult
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum
from ._sweep import SweepResult, run_sweep, task_key
from ._validate import (
    BaselineComparison,
    PhaseDiagram,
    compare_baselines,
    continuum_context,
    find_solver,
    horizons,
    phase_diagram,
    validate,
)

__all__ = [
    "BASELINES",
    "CLAIMS",
    "METHODS",
    "SCHEDULES",
    "SOLVERS",
    "BVPResult",
    "BaselineComparison",
    "BaselineResult",
    "BatchBudget",
    "BlockRate",
    "Claim",
    "ClaimRegistry",
    "ClaimResult",
    "CollapseMeasure",
    "ContinuumResult",
    "EndExponentFit",
    "ExperimentContext",
    "ExportedSchedule",
    "FrontWarning",
    "InstabilityWarning",
    "LocalSlopes",
    "MCResult",
    "Measurement",
    "ModeGrid",
    "ModeQuadrature",
    "Parametrisation",
    "PhaseDiagram",
    "PhaseEstimate",
    "PowerLawFit",
    "ReportConfig",
    "ScheduleResult",
    "SlopeDrift",
    "SolverRegistry",
    "StepRate",
    "SweepResult",
    "Trajectory",
    "annealing_width",
    "build_report",
    "collapse_spread",
    "compare_baselines",
    "compare_curves",
    "constant_rate_balance",
    "constant_rate_loss",
    "continuum_context",
    "continuum_loss",
    "continuum_sweep",
    "default_claims",
    "digits_demo",
    "estimate_from_features",
    "estimate_from_kernel",
    "estimate_from_losses",
    "evaluate_claim",
    "export_schedule",
    "find_solver",
    "fit_collapse_exponent",
    "fit_end_exponent",
    "fit_power_decay",
    "fit_power_law",
    "fit_wsd",
    "gaussian_features",
    "get_solver",
    "grid_final_loss",
    "grid_stability_limit",
    "horizons",
    "initial_state",
    "load_schedule",
    "local_slopes",
    "loss_and_gradient",
    "make_schedule",
    "mode_quadrature",
    "monte_carlo",
    "multilevel_blocks",
    "new_figure",
    "noise_sum",
    "optimal_continuum_sweep",
    "oscillation_amplitude",
    "paper_style",
    "parse_schedule",
    "phase_diagram",
    "plot_collapse",
    "plot_local_slopes",
    "plot_loss_vs_T",
    "plot_phase_diagram",
    "plot_schedule",
    "plot_schedule_and_loss",
    "plot_schedules",
    "predict_recursion",
    "random_features",
    "register_claim",
    "run_sweep",
    "save_figure",
    "simulate",
    "simulate_closure",
    "simulate_momentum",
    "slope_drift",
    "solve",
    "solve_bvp_schedule",
    "solve_bvp_schedule_mp",
    "solve_continuum",
    "solve_direct",
    "spectrum",
    "stability_limit",
    "stationary_loss",
    "task_key",
    "time_grid",
    "to_optax",
    "to_torch_scheduler",
    "transfer",
    "tune_baseline",
    "tune_baseline_continuum",
    "tune_constant",
    "validate",
]

#: Names served lazily, so that ``import solvers`` does not import matplotlib.
_LAZY = {
    **dict.fromkeys(
        (
            "new_figure",
            "paper_style",
            "plot_collapse",
            "plot_local_slopes",
            "plot_loss_vs_T",
            "plot_phase_diagram",
            "plot_schedule_and_loss",
            "plot_schedules",
            "save_figure",
        ),
        "._plotting",
    ),
    **dict.fromkeys(("ReportConfig", "build_report"), "._report"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
