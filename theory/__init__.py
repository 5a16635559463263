"""optlr.theory — the symbolic side of optlr.

The PLRF model record, its exact dynamics as SymPy expressions (the single source of truth for
every numeric kernel), and the conventions of the literature. Imports nothing from ``solvers``.
"""

from __future__ import annotations

from . import symbols
from ._conventions import CONVENTIONS, Convention, convention
from ._dynamics import ModeDynamics, plrf_dynamics
from ._model import Phase, PLRFModel
from ._moments import (
    MomentClosure,
    OptimizerUpdate,
    ema_momentum,
    gaussian_expectation,
    gaussian_gradient_moments,
    momentum_closure,
    nesterov_momentum,
    second_moment_closure,
    sgd_update,
)

__all__ = [
    "CONVENTIONS",
    "Convention",
    "ModeDynamics",
    "MomentClosure",
    "OptimizerUpdate",
    "PLRFModel",
    "Phase",
    "convention",
    "ema_momentum",
    "gaussian_expectation",
    "gaussian_gradient_moments",
    "momentum_closure",
    "nesterov_momentum",
    "plrf_dynamics",
    "second_moment_closure",
    "sgd_update",
    "symbols",
]
