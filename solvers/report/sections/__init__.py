"""The built-in sections of ``optlr report``, one module per section, listed in report order.

Each section is a function ``build(ctx) -> SectionOutput`` (see :mod:`solvers.report.core`);
:data:`SECTIONS` lists them explicitly — no registration by import side effect. Sections whose
machinery is missing from an installation raise :class:`~solvers.report.core.SectionUnavailable`
and the report says so instead of failing.
"""

from __future__ import annotations

from ..core import Provider
from .baselines import baselines_section, tuned_baselines
from .beyond import beyond_section
from .claims import claims_section, claims_table
from .model import derivation_section, model_section
from .optimal import optimal_runs, optimal_schedule_figures, optimal_section

__all__ = [
    "SECTIONS",
    "baselines_section",
    "beyond_section",
    "claims_section",
    "claims_table",
    "derivation_section",
    "model_section",
    "optimal_runs",
    "optimal_schedule_figures",
    "optimal_section",
    "tuned_baselines",
]

#: The report's sections, in report order.
SECTIONS: list[Provider] = [
    Provider("model", "Model and dynamics", model_section),
    Provider(
        "derivation",
        "Derivation: Hamiltonian, costates, stationarity, exponents",
        derivation_section,
    ),
    Provider("optimal", "Optimal schedules across horizons", optimal_section),
    Provider("claims", "Claims: predicted against measured", claims_section),
    Provider("baselines", "Baseline schedules tuned per horizon", baselines_section),
    Provider("beyond", "Batch size, momentum and compute-optimal scaling", beyond_section),
]
