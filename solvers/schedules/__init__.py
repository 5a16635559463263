"""Learning-rate schedules: the table of families, tuning them per horizon, peak-rate search, export."""

from theory._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "export_schedule": "export",
        "ExportedSchedule": "export",
        "fit_power_decay": "export",
        "fit_wsd": "export",
        "hf_scheduler": "export",
        "load_schedule": "export",
        "LRMultiplier": "export",
        "PowerDecayFit": "export",
        "to_optax": "export",
        "to_torch_scheduler": "export",
        "transfer": "export",
        "WSDFit": "export",
        "make_schedule": "families",
        "parse_schedule": "families",
        "ScheduleKind": "families",
        "SCHEDULES": "families",
        "tune_peak_rate": "rate_search",
        "TunedSchedule": "rate_search",
        "BaselineResult": "tuning",
        "BASELINES": "tuning",
        "tune_baseline": "tuning",
        "tune_constant": "tuning",
        "CONTINUOUS_FAMILIES": "tuning_continuum",
        "continuum_problem": "tuning_continuum",
        "tune_baseline_continuum": "tuning_continuum",
    },
)
