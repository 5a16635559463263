"""Fits and measurements: power laws, local slopes, collapse, estimation of (a, b), sweeps."""

from theory._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "digits_demo": "estimate",
        "estimate_from_features": "estimate",
        "estimate_from_kernel": "estimate",
        "estimate_from_losses": "estimate",
        "extrapolate_exponent": "extrapolate",
        "extrapolate_sequence": "extrapolate",
        "Extrapolation": "extrapolate",
        "ExtrapolationOptions": "extrapolate",
        "LossExponentEstimate": "estimate",
        "PhaseEstimate": "estimate",
        "collapse_spread": "fits",
        "CollapseMeasure": "fits",
        "EndExponentFit": "fits",
        "ExponentFit": "fits",
        "fit_exponent": "fits",
        "fit_collapse_exponent": "fits",
        "fit_end_exponent": "fits",
        "fit_power_law": "fits",
        "local_slopes": "fits",
        "LocalSlopes": "fits",
        "PowerLawFit": "fits",
        "slope_drift": "fits",
        "SlopeDrift": "fits",
        "horizons": "sweep",
        "run_sweep": "sweep",
        "SweepResult": "sweep",
        "task_key": "sweep",
    },
)
