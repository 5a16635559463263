"""optlr.theory — the symbolic side of optlr.

The PLRF model record, its exact dynamics as SymPy expressions (the single source of truth for
every numeric kernel), and the conventions of the literature. Imports nothing from ``solvers``.

Every name is loaded on first use (:mod:`theory._lazy`): ``from theory import PLRFModel``
imports the model record without SymPy's derivation machinery.
"""

from ._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "Derivation": "_asymptotics",
        "DerivationStep": "_asymptotics",
        "derive_scaling_laws": "_asymptotics",
        "Exponent": "_asymptotics",
        "PhaseLaws": "_asymptotics",
        "ScalingLaws": "_asymptotics",
        "BalanceCase": "_balance",
        "minimise_leading_exponent": "_balance",
        "batch_degeneracy": "_beyond",
        "BatchDegeneracy": "_beyond",
        "momentum_bias_dynamics": "_beyond",
        "MomentumBias": "_beyond",
        "family_kernels": "_bridge",
        "FamilyKernels": "_bridge",
        "Convention": "_conventions",
        "convention": "_conventions",
        "CONVENTIONS": "_conventions",
        "ModeDynamics": "_dynamics",
        "plrf_dynamics": "_dynamics",
        "derivation_document": "_latex_document",
        "derivation_fragments": "_latex_document",
        "dynamics_fragments": "_latex_document",
        "pontryagin_fragments": "_latex_document",
        "results_table": "_latex_document",
        "mode_sum_asymptotics": "_mode_sums",
        "ModeSumAsymptotics": "_mode_sums",
        "Phase": "_model",
        "PLRFModel": "_model",
        "derive_momentum_exponents": "_momentum_exponents",
        "FormDynamics": "_momentum_exponents",
        "FORMS": "_momentum_exponents",
        "form_dynamics": "_momentum_exponents",
        "general_momentum": "_momentum_exponents",
        "momentum_form": "_momentum_exponents",
        "MomentumExponentLaws": "_momentum_exponents",
        "ema_momentum": "_moments",
        "gaussian_expectation": "_moments",
        "gaussian_gradient_moments": "_moments",
        "MomentClosure": "_moments",
        "momentum_closure": "_moments",
        "nesterov_momentum": "_moments",
        "OptimizerUpdate": "_moments",
        "second_moment_closure": "_moments",
        "sgd_update": "_moments",
        "Control": "_pontryagin",
        "IntegralConstraint": "_pontryagin",
        "ModeFamily": "_pontryagin",
        "ModeSum": "_pontryagin",
        "OptimalControlProblem": "_pontryagin",
        "pontryagin": "_pontryagin",
        "PontryaginConditions": "_pontryagin",
        "power_integral": "_powerlaw",
        "PowerLaw": "_powerlaw",
        "reduce_condition": "_powerlaw",
        "problems": "problems",
        "symbols": "symbols",
    },
)
