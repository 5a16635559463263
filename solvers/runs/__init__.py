"""The theory on real training runs: load, fit, predict held-out schedules, score baselines.

>>> from solvers.runs import load_dataset
>>> len(load_dataset("llm-curves"))
82
"""

from ._data import DATASETS, Run, RunsDataError, RunSet, load_dataset, load_runs
from ._evaluate import FitReport, fit_and_predict, lr_transfer, schedule_family
from ._fit import FitOptions, RunFit, fit_points, fit_runs, predict_run
from ._functional import LossParams, RunGrid, loss_curve, loss_parts, mode_nodes, run_grid
from ._laws import LAWS, LawFit, annealing_law, fit_law, multi_power_law, naive_final
from ._plot import plot_curves, plot_report, plot_residuals
from ._recommend import Recommendation, parametric_schedule, recommend

__all__ = [
    "DATASETS",
    "LAWS",
    "FitOptions",
    "FitReport",
    "LawFit",
    "LossParams",
    "Recommendation",
    "Run",
    "RunFit",
    "RunGrid",
    "RunSet",
    "RunsDataError",
    "annealing_law",
    "fit_and_predict",
    "fit_law",
    "fit_points",
    "fit_runs",
    "load_dataset",
    "load_runs",
    "loss_curve",
    "loss_parts",
    "lr_transfer",
    "mode_nodes",
    "multi_power_law",
    "naive_final",
    "parametric_schedule",
    "plot_curves",
    "plot_report",
    "plot_residuals",
    "predict_run",
    "recommend",
    "run_grid",
    "schedule_family",
]
