"""optlr.solvers — the numeric side of optlr.

Concept subpackages, imports running one way (``theory`` below all of them):

* :mod:`solvers.dynamics` — forward models: the exact recursion, its continuum discretisation,
  log-binned modes, momentum moments, Monte-Carlo SGD;
* :mod:`solvers.analysis` — fits (one power-law fitter, local slopes), estimation, sweeps;
* :mod:`solvers.control` — one result type, the solver registry and the methods (direct,
  continuum, BVP) and the studies built on them (batch, momentum, compute-optimal);
* :mod:`solvers.schedules` — the table of schedule families, tuning, rate search, export;
* :mod:`solvers.claims` — claims as objects, their experiments, validation;
* :mod:`solvers.plots`, :mod:`solvers.report`, :mod:`solvers.cli` on top.

This module is the curated public face: the names below and the subpackages as namespaces
(``solvers.control.solve_direct``). Everything is loaded on first use (the SPEC-1 lazy-loading
pattern, :mod:`theory._lazy`), so ``import solvers`` and ``optlr --help`` import neither
SymPy nor numba. Names of
the 0.1 flat API that are not listed here still resolve, with a ``DeprecationWarning`` naming
their new home, for one release.
"""

from __future__ import annotations

import warnings

from theory._lazy import attach

#: The public names and the submodule that defines each.
_PUBLIC = {
    "estimate_from_features": "analysis.estimate",
    "estimate_from_losses": "analysis.estimate",
    "PhaseEstimate": "analysis.estimate",
    "fit_power_law": "analysis.fits",
    "local_slopes": "analysis.fits",
    "PowerLawFit": "analysis.fits",
    "BeyondScale": "claims.core",
    "Claim": "claims.core",
    "CLAIMS": "claims.catalog",
    "evaluate_claim": "claims.core",
    "register_claim": "claims.catalog",
    "compare_baselines": "claims.validate",
    "continuum_context": "claims.validate",
    "phase_diagram": "claims.validate",
    "validate": "claims.validate",
    "optimal_batch_at_rate": "control.batch",
    "compute_optimal_scaling": "control.compute_optimal",
    "momentum_exponents": "control.momentum",
    "solve_momentum": "control.momentum",
    "get_solver": "control.registry",
    "solve": "control.registry",
    "SOLVERS": "control.registry",
    "ScheduleResult": "control.result",
    "FrontWarning": "dynamics.continuum",
    "MCResult": "dynamics.montecarlo",
    "monte_carlo": "dynamics.montecarlo",
    "InstabilityWarning": "dynamics.recursion",
    "simulate": "dynamics.recursion",
    "stability_limit": "dynamics.recursion",
    "stationary_loss": "dynamics.recursion",
    "Trajectory": "dynamics.recursion",
    "paper_style": "plots.figures",
    "plot_schedule": "plots.schedule",
    "build_report": "report",
    "ReportConfig": "report",
    "export_schedule": "schedules.export",
    "ExportedSchedule": "schedules.export",
    "load_schedule": "schedules.export",
    "transfer": "schedules.export",
    "make_schedule": "schedules.families",
    "parse_schedule": "schedules.families",
    "SCHEDULES": "schedules.families",
    "BaselineResult": "schedules.tuning",
    "BASELINES": "schedules.tuning",
    "tune_baseline": "schedules.tuning",
    "tune_constant": "schedules.tuning",
}

#: The subpackages, served as namespaces.
_NAMESPACES = (
    "analysis",
    "claims",
    "control",
    "dynamics",
    "plots",
    "report",
    "runs",
    "schedules",
)

#: Names of the 0.1 flat API kept for one release (name -> submodule); they warn on use.
_DEPRECATED = {
    "digits_demo": "analysis.estimate",
    "estimate_from_kernel": "analysis.estimate",
    "collapse_spread": "analysis.fits",
    "CollapseMeasure": "analysis.fits",
    "EndExponentFit": "analysis.fits",
    "fit_collapse_exponent": "analysis.fits",
    "fit_end_exponent": "analysis.fits",
    "LocalSlopes": "analysis.fits",
    "slope_drift": "analysis.fits",
    "SlopeDrift": "analysis.fits",
    "run_sweep": "analysis.sweep",
    "SweepResult": "analysis.sweep",
    "task_key": "analysis.sweep",
    "compute_sweep": "claims.beyond",
    "momentum_sweep": "claims.beyond",
    "ramp_sweep": "claims.beyond",
    "annealing_width": "claims.readouts",
    "ClaimRegistry": "claims.core",
    "ClaimResult": "claims.core",
    "constant_rate_balance": "claims.catalog",
    "default_claims": "claims.catalog",
    "ExperimentContext": "claims.core",
    "Measurement": "claims.core",
    "BaselineComparison": "claims.validate",
    "find_solver": "claims.validate",
    "horizons": "analysis.sweep",
    "PhaseDiagram": "claims.validate",
    "BatchRampResult": "control.batch",
    "BlockBudget": "control.batch",
    "degeneracy_check": "control.degeneracy",
    "DegeneracyResult": "control.degeneracy",
    "EdgeRate": "control.batch",
    "solve_batch_ramp": "control.batch",
    "wall_clock_saving": "control.batch",
    "WallClockSaving": "control.batch",
    "BVPResult": "control.bvp",
    "solve_bvp_schedule": "control.bvp",
    "solve_bvp_schedule_mp": "control.bvp_mp",
    "best_constant_loss": "control.compute_optimal",
    "compute_optimal_point": "control.compute_optimal",
    "ComputeOptimalPoint": "control.compute_optimal",
    "ComputeOptimalScaling": "control.compute_optimal",
    "derived_compute_exponents": "control.compute_optimal",
    "optimal_loss": "control.compute_optimal",
    "continuum_sweep": "control.continuum",
    "ContinuumResult": "control.continuum",
    "solve_continuum": "control.continuum",
    "BatchBudget": "control.direct",
    "BlockRate": "control.direct",
    "loss_and_gradient": "control.direct",
    "multilevel_blocks": "control.direct",
    "oscillation_amplitude": "control.result",
    "Parametrisation": "control.direct",
    "solve_direct": "control.direct",
    "StepRate": "control.direct",
    "block_edges": "control.momentum",
    "ExponentFit": "analysis.fits",
    "fit_exponent": "analysis.fits",
    "momentum_loss_and_gradient": "control.momentum",
    "MomentumExponents": "control.momentum",
    "MomentumResult": "control.momentum",
    "optimal_continuum_sweep": "control.optimal_sweep",
    "METHODS": "control.registry",
    "SolverRegistry": "control.registry",
    "continuum_loss": "dynamics.continuum",
    "mode_quadrature": "dynamics.continuum",
    "ModeQuadrature": "dynamics.continuum",
    "time_grid": "dynamics.continuum",
    "constant_rate_loss": "dynamics.modes",
    "grid_final_loss": "dynamics.modes",
    "grid_stability_limit": "dynamics.modes",
    "ModeGrid": "dynamics.modes",
    "simulate_closure": "dynamics.momentum",
    "simulate_momentum": "dynamics.momentum",
    "compare_curves": "dynamics.montecarlo",
    "gaussian_features": "dynamics.montecarlo",
    "predict_recursion": "dynamics.montecarlo",
    "random_features": "dynamics.montecarlo",
    "noise_sum": "dynamics.recursion",
    "initial_state": "dynamics._spectrum",
    "spectrum": "dynamics._spectrum",
    "batch_ramp_figure": "plots.beyond",
    "compute_optimal_figure": "plots.beyond",
    "momentum_figure": "plots.beyond",
    "new_figure": "plots.figures",
    "plot_collapse": "plots.figures",
    "plot_local_slopes": "plots.figures",
    "plot_loss_vs_T": "plots.figures",
    "plot_phase_diagram": "plots.figures",
    "plot_schedule_and_loss": "plots.figures",
    "plot_schedules": "plots.figures",
    "save_figure": "plots.figures",
    "fit_power_decay": "schedules.export",
    "fit_wsd": "schedules.export",
    "to_optax": "schedules.export",
    "to_torch_scheduler": "schedules.export",
    "tune_baseline_continuum": "schedules.tuning_continuum",
}

_public_getattr, __dir__, __all__ = attach(
    __name__, {**_PUBLIC, **{name: name for name in _NAMESPACES}}
)


def __getattr__(name: str):
    if name in _DEPRECATED:
        home = _DEPRECATED[name]
        warnings.warn(
            f"solvers.{name} is deprecated and will be removed in optlr 0.3; "
            f"use solvers.{home.split('.')[0]}.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(_public_getattr(home.split(".")[0]), name)
    return _public_getattr(name)
