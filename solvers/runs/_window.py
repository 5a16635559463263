"""Where a run's fitted points start (``FitOptions.window``): at ``min_step``, or for a run with
weight decay no earlier than its weight norm's relaxation time (``benchmarks/results/fit.md``,
2026-12-02s22)."""

from __future__ import annotations

import numpy as np

from ._data import Run
from ._options import FitOptions

__all__ = ["fit_start", "in_window"]


def fit_start(run: Run, opts: FitOptions) -> int:
    r"""The first step of ``run`` that a fit uses: ``opts.min_step``, or with
    ``opts.window == "norm"`` and a run with ``weight_decay > 0`` the later of it and the
    weight norm's relaxation time :math:`t_N = \lceil 1 / (2\,wd\,\eta_{peak}) \rceil`
    (the squared norm relaxes as :math:`(1 - \eta\,wd)^{2t}`).

    >>> from solvers.runs import FitOptions, load_dataset
    >>> run = load_dataset("llm-curves")["d000"]  # AdamW, wd 0.1, peak rate 1e-3
    >>> fit_start(run, FitOptions()), fit_start(run, FitOptions(window="norm"))
    (1000, 5000)
    """
    wd = run.meta.get("weight_decay")
    if opts.window == "fixed" or not isinstance(wd, (int, float)) or not wd > 0:
        return opts.min_step
    peak = float(np.max(run.sched_lr))
    return max(opts.min_step, int(np.ceil(1.0 / (2.0 * wd * peak))))


def in_window(runs, opts: FitOptions) -> list:
    """``runs`` without those that end before their window (``window="norm"`` only; with
    ``fixed`` a run without points is an error of ``_fit.fit_points``)."""
    if opts.window == "fixed":
        return list(runs)
    kept = [r for r in runs if np.any(r.losses(opts.split)[0] >= fit_start(r, opts))]
    if not kept:
        ids = [r.id for r in runs]
        raise ValueError(f"runs: every run ({ids}) ends before its fit window (window='norm')")
    return kept
