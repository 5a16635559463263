"""Fitting the theory to real training runs: load, fit, predict, compare with empirical laws."""

from ._data import DATASETS, Run, RunSet, RunsDataError, load_dataset, load_runs
from ._functional import LossParams, RunGrid, loss_curve, loss_parts, mode_nodes, run_grid

__all__ = [
    "DATASETS",
    "LossParams",
    "Run",
    "RunGrid",
    "RunSet",
    "RunsDataError",
    "load_dataset",
    "load_runs",
    "loss_curve",
    "loss_parts",
    "mode_nodes",
    "run_grid",
]
