"""Figures of a fit: observed and predicted loss curves, and the fit's relative residuals."""

from __future__ import annotations

import numpy as np

from ._predict import predict_run

__all__ = ["plot_curves", "plot_report", "plot_residuals"]


def plot_curves(report, runs, ax=None):
    """Observed (dots) and predicted (lines) loss of the fitted and held-out runs; returns artists."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    fit = report.fit
    ids = list(fit.run_ids) + [p["run"] for p in report.predictions]
    artists = []
    for i, rid in enumerate(ids):
        run = runs[rid]
        color = f"C{i % 10}"
        steps, obs = run.losses(fit.options.split)
        grid = np.unique(
            np.r_[
                np.geomspace(max(fit.options.min_step, 1), run.horizon - 1, 80).astype(int),
                steps[steps >= fit.options.min_step],
            ]
        )
        _, pred, _ = predict_run(fit.params, run, grid)
        style = "-" if rid in fit.run_ids else "--"
        artists += ax.plot(
            grid, pred, style, color=color, label=f"{rid} ({'fit' if style == '-' else 'held out'})"
        )
        keep = steps >= fit.options.min_step
        artists.append(ax.scatter(steps[keep], obs[keep], s=4, color=color))
    ax.set_xscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(f"{fit.options.split} loss")
    ax.legend(fontsize=6, ncol=2)
    return artists


def plot_residuals(report, ax=None):
    """Relative residuals (model / observed - 1) of the fitted points per run; returns artists."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    artists = [ax.axhline(0.0, color="k", lw=0.5)]
    for i, (rid, (steps, res)) in enumerate(report.fit.residuals.items()):
        artists += ax.plot(steps, res, ".-", ms=2, lw=0.5, color=f"C{i % 10}", label=rid)
    ax.set_xscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("relative residual")
    return artists


def plot_report(report, runs, stem) -> list:
    """Write ``STEM.pdf`` and ``STEM.png``: curves (left) and residuals (right). Returns the paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (a0, a1) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    plot_curves(report, runs, a0)
    plot_residuals(report, a1)
    paths = [f"{stem}.pdf", f"{stem}.png"]
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths
