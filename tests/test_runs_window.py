"""Where a run's fitted points start: ``FitOptions.window`` (``benchmarks/results/fit.md``,
2026-12-02s22). ``fixed`` (default) fits from ``min_step``; ``norm`` starts a run with weight
decay no earlier than its weight norm's relaxation time ``1 / (2 wd lr_peak)``.

Checked against the closed form of the relaxation time and through a fit: the points a fit
uses (its residuals) start where :func:`fit_start` says, a run that ends before its window is
left out, and a fit with every run before its window is refused. The held-out benefit the
option was pre-registered for did not appear on the real runs (the section above); it stays an
option, so these tests check what it does, not that it helps."""

from dataclasses import replace

import numpy as np
import pytest

from solvers.runs import FitOptions, LossParams, Run, fit_runs, fit_start, predict_run
from tests.test_runs import schedule

WD, RATE = 0.1, 2e-3
TRUTH = LossParams(L_inf=2.5, A=1.0, s=1.0, nu=2.0, a=2.2, b=1.4, norm0=0.05 * RATE / (2 * WD))
OPTS = FitOptions(n_boot=0, max_points=12, n_grid=40, min_step=1000, n_starts=1)


def _run(rid, kind, T, lr, wd=WD, every=200):
    eta, steps = schedule(kind, T, lr), np.arange(every, T + 1, every)
    meta = {"scheduler": kind, "iterations": T, "lr": lr, "opt": "adamw", "weight_decay": wd}
    loss = np.ones(steps.size)  # fit_start reads the schedule and metadata only
    if wd > 0:
        loss = predict_run(TRUTH, Run(rid, np.arange(T), eta, {}, meta), steps)[1]
    return Run(rid, np.arange(T), eta, {"val": (steps, loss)}, meta)


@pytest.mark.parametrize(
    ("lr", "wd", "min_step", "window", "expected"),
    [
        (2e-3, 0.1, 1000, "norm", 2500),  # 1 / (2 * 0.1 * 2e-3)
        (1e-3, 0.1, 1000, "norm", 5000),
        (1e-3, 0.3, 1000, "norm", 1667),  # 1666.7, rounded up
        (1e-3, 0.1, 8000, "norm", 8000),  # min_step is later
        (1e-3, 0.1, 1000, "fixed", 1000),
        (1e-3, 0.0, 1000, "norm", 1000),  # no weight decay: no norm to relax
    ],
)
def test_the_window_starts_at_the_norms_relaxation_time(lr, wd, min_step, window, expected):
    run = _run("r", "cos", 12000, lr, wd=wd)
    assert fit_start(run, replace(OPTS, min_step=min_step, window=window)) == expected


def test_a_fit_uses_the_points_in_each_runs_window_and_leaves_out_a_run_before_it():
    """Cosine runs at 2e-3 (window 2500) and 1e-3 (window 5000), and a 4000-step run at 1e-3
    that ends before its window: the fit's residuals start at each run's window, the short run
    has none, and ``fixed`` fits all three from ``min_step``."""
    runs = [_run("hi", "cos", 6000, RATE), _run("lo", "cos", 9000, RATE / 2),
            _run("short", "cos", 4000, RATE / 2)]  # fmt: skip
    fit = fit_runs(runs, replace(OPTS, window="norm"))
    assert fit.run_ids == ["hi", "lo", "short"] and set(fit.residuals) == {"hi", "lo"}
    assert fit.residuals["hi"][0][0] == 2600 and fit.residuals["lo"][0][0] == 5000
    fixed = fit_runs(runs, OPTS)
    assert set(fixed.residuals) == {"hi", "lo", "short"}
    assert all(v[0][0] == 1000 for v in fixed.residuals.values())


def test_a_fit_with_every_run_before_its_window_is_refused():
    with pytest.raises(ValueError, match="before its fit window"):
        fit_runs([_run("short", "cos", 4000, RATE / 2)], replace(OPTS, window="norm"))
    with pytest.raises(ValueError, match="window must be one of"):
        FitOptions(window="late")
