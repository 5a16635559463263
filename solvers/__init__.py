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
from ._schedules import SCHEDULES, make_schedule, parse_schedule
from ._spectrum import initial_state, spectrum

__all__ = [
    "SCHEDULES",
    "InstabilityWarning",
    "ReportConfig",
    "Trajectory",
    "build_report",
    "initial_state",
    "make_schedule",
    "new_figure",
    "noise_sum",
    "paper_style",
    "parse_schedule",
    "plot_collapse",
    "plot_local_slopes",
    "plot_loss_vs_T",
    "plot_phase_diagram",
    "plot_schedule_and_loss",
    "plot_schedules",
    "save_figure",
    "simulate",
    "spectrum",
    "stability_limit",
    "stationary_loss",
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
