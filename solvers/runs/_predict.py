"""Held-out prediction: the loss of a run from its schedule alone, with the fit's bootstrap band."""

from __future__ import annotations

import numpy as np

from . import _functional as fn
from ._data import Run
from ._fit import RunFit, params_from_row

__all__ = ["predict_run"]


def predict_run(
    fit: RunFit | fn.LossParams, run: Run, steps=None, *, n_grid: int = fn.DEFAULT_GRID
):
    """The predicted loss of ``run`` at ``steps`` from its schedule alone.

    ``steps`` defaults to every observed step of the fit's split, else the run's last logged
    step. Returns ``(steps, loss, band)``: ``band`` is ``(lo, hi)``, the 2.5 and 97.5
    percentiles of the prediction over the bootstrap refits of a :class:`RunFit`, or None
    (plain :class:`LossParams`, or no bootstrap). The band is the spread of the *parameters*
    only: it leaves out the error of the model itself, which dominates on real runs (on the
    llm-curves splits it covers few held-out losses; ``benchmarks/results/fit.md``).
    """
    params = fit.params if isinstance(fit, RunFit) else fit
    split = fit.options.split if isinstance(fit, RunFit) else "val"
    n_modes = fit.options.n_modes if isinstance(fit, RunFit) else fn.DEFAULT_MODES
    if steps is None:
        steps = run.losses(split)[0]
        steps = steps if steps.size else np.array([int(run.sched_step[-1])])
    steps = np.atleast_1d(np.asarray(steps, dtype=int))
    eta = run.schedule(max(run.horizon, int(steps.max())))
    grid = fn.run_grid(eta, steps, n_grid=n_grid)
    nodes = fn.mode_nodes(n_modes)
    idx = grid.index(steps)
    wd = run.meta.get("weight_decay")
    bias, noise = fn.loss_parts(params, fn.model_grid(eta, grid.t, params, wd), nodes)
    pred = params.L_inf + bias[idx] + noise[idx]
    if not isinstance(fit, RunFit) or not len(fit.boot):
        return steps, pred, None
    draws = []
    for row in fit.boot:
        p = params_from_row(row)
        b2, n2 = fn.loss_parts(p, fn.model_grid(eta, grid.t, p, wd), nodes)
        draws.append(p.L_inf + b2[idx] + n2[idx])
    lo, hi = np.percentile(np.array(draws), [2.5, 97.5], axis=0)
    return steps, pred, (lo, hi)
