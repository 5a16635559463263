"""Figures (compute returns data; these only draw it): the paper style and every plotter."""

from theory._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "momentum_forms_figure": "momentum_forms",
        "batch_ramp_figure": "beyond",
        "compute_optimal_figure": "beyond",
        "momentum_figure": "beyond",
        "new_figure": "figures",
        "PAPER_STYLE": "figures",
        "paper_style": "figures",
        "plot_collapse": "figures",
        "plot_local_slopes": "figures",
        "plot_loss_vs_T": "figures",
        "plot_phase_diagram": "figures",
        "plot_schedule_and_loss": "figures",
        "plot_schedules": "figures",
        "save_figure": "figures",
        "plot_schedule": "schedule",
    },
)
