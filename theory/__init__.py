"""optlr.theory — the symbolic side of optlr.

The PLRF model record, its exact dynamics as SymPy expressions (the single source of truth for
every numeric kernel), and the conventions of the literature. Imports nothing from ``solvers``.
"""

from __future__ import annotations

from . import problems, symbols
from ._asymptotics import (
    Derivation,
    DerivationStep,
    Exponent,
    PhaseLaws,
    ScalingLaws,
    derive_scaling_laws,
)
from ._balance import BalanceCase, minimise_leading_exponent
from ._beyond import BatchDegeneracy, MomentumBias, batch_degeneracy, momentum_bias_dynamics
from ._bridge import FamilyKernels, family_kernels
from ._conventions import CONVENTIONS, Convention, convention
from ._corrections import (
    CorrectionTerm,
    ScalingCorrection,
    corrections_latex,
    derive_corrections,
    tuned_power_law_gain,
)
from ._dynamics import ModeDynamics, plrf_dynamics
from ._latex_document import (
    derivation_document,
    derivation_fragments,
    dynamics_fragments,
    pontryagin_fragments,
    results_table,
)
from ._mode_sums import ModeSumAsymptotics, mode_sum_asymptotics
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
from ._pontryagin import (
    Control,
    IntegralConstraint,
    ModeFamily,
    ModeSum,
    OptimalControlProblem,
    PontryaginConditions,
    pontryagin,
)
from ._powerlaw import PowerLaw, power_integral, reduce_condition

__all__ = [
    "CONVENTIONS",
    "BalanceCase",
    "BatchDegeneracy",
    "Control",
    "Convention",
    "CorrectionTerm",
    "Derivation",
    "DerivationStep",
    "Exponent",
    "FamilyKernels",
    "IntegralConstraint",
    "ModeDynamics",
    "ModeFamily",
    "ModeSum",
    "ModeSumAsymptotics",
    "MomentClosure",
    "MomentumBias",
    "OptimalControlProblem",
    "OptimizerUpdate",
    "PLRFModel",
    "Phase",
    "PhaseLaws",
    "PontryaginConditions",
    "PowerLaw",
    "ScalingCorrection",
    "ScalingLaws",
    "batch_degeneracy",
    "convention",
    "corrections_latex",
    "derivation_document",
    "derivation_fragments",
    "derive_corrections",
    "derive_scaling_laws",
    "dynamics_fragments",
    "ema_momentum",
    "family_kernels",
    "gaussian_expectation",
    "gaussian_gradient_moments",
    "minimise_leading_exponent",
    "mode_sum_asymptotics",
    "momentum_bias_dynamics",
    "momentum_closure",
    "nesterov_momentum",
    "plrf_dynamics",
    "pontryagin",
    "pontryagin_fragments",
    "power_integral",
    "problems",
    "reduce_condition",
    "results_table",
    "second_moment_closure",
    "sgd_update",
    "symbols",
    "tuned_power_law_gain",
]
