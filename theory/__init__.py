"""optlr.theory — the symbolic side of optlr.

The PLRF model record, its exact dynamics as SymPy expressions (the single source of truth for
every numeric kernel), and the conventions of the literature. Imports nothing from ``solvers``.
"""

from __future__ import annotations

from . import problems, symbols
from ._bridge import FamilyKernels, family_kernels
from ._conventions import CONVENTIONS, Convention, convention
from ._dynamics import ModeDynamics, plrf_dynamics
from ._model import Phase, PLRFModel
from ._pontryagin import (
    Control,
    IntegralConstraint,
    ModeFamily,
    ModeSum,
    OptimalControlProblem,
    PontryaginConditions,
    pontryagin,
)

__all__ = [
    "CONVENTIONS",
    "Control",
    "Convention",
    "FamilyKernels",
    "IntegralConstraint",
    "ModeDynamics",
    "ModeFamily",
    "ModeSum",
    "OptimalControlProblem",
    "PLRFModel",
    "Phase",
    "PontryaginConditions",
    "convention",
    "family_kernels",
    "plrf_dynamics",
    "pontryagin",
    "problems",
    "symbols",
]
