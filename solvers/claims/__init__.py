"""Analytic claims as objects: the registry, the experiments that measure them, validation."""

from theory._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "momentum_form_claims": "momentum_forms",
        "beyond_claims": "beyond",
        "BeyondScale": "core",
        "compute_sweep": "beyond",
        "momentum_gain_prediction": "beyond",
        "momentum_sweep": "beyond",
        "ramp_sweep": "beyond",
        "annealing_width": "catalog",
        "Claim": "core",
        "ClaimRegistry": "core",
        "ClaimResult": "core",
        "CLAIMS": "catalog",
        "constant_rate_balance": "catalog",
        "default_claims": "catalog",
        "evaluate_claim": "core",
        "ExperimentContext": "core",
        "law": "core",
        "statistical_verdict": "core",
        "Measurement": "core",
        "peak_rate_exponent": "catalog",
        "register_claim": "catalog",
        "BaselineComparison": "validate",
        "compare_baselines": "validate",
        "continuum_context": "validate",
        "find_solver": "validate",
        "horizons": "validate",
        "default_horizons": "validate",
        "phase_diagram": "validate",
        "PhaseDiagram": "validate",
        "validate": "validate",
    },
)
