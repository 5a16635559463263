"""Figures of a validation run; each ``plot_*(result, ax=None)`` returns its artists.

Never calls ``show()``; the caller owns the figure.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_collapse", "plot_local_slopes", "plot_loss_vs_T"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def plot_loss_vs_T(comparison, ax=None) -> list:
    """Final loss against ``T`` for every tuned baseline (and the optimum), log-log.

    Parameters
    ----------
    comparison : BaselineComparison
    ax : matplotlib Axes, optional
    """
    ax = _axes(ax)
    artists = []
    for name, rs in comparison.results.items():
        fit = comparison.fits.get(name)
        label = name if fit is None else f"{name} (p = {fit.exponent:.3f})"
        artists += ax.loglog([r.T for r in rs], [r.final_loss for r in rs], "o-", label=label)
    if comparison.optimal:
        fit = comparison.fits.get("optimal")
        label = "optimal" if fit is None else f"optimal (p = {fit.exponent:.3f})"
        T = list(comparison.optimal)
        artists += ax.loglog(T, list(comparison.optimal.values()), "k*-", label=label)
    ax.set_xlabel("T")
    ax.set_ylabel("final excess loss L(T)")
    ax.legend(fontsize="small")
    return artists


def plot_local_slopes(results, ax=None) -> list:
    """Local exponents against ``T`` with error bars and the predicted value, per claim.

    Parameters
    ----------
    results : ClaimResult or sequence of ClaimResult
        Only results whose measurement carries local slopes are drawn.
    """
    ax = _axes(ax)
    results = [results] if not isinstance(results, list | tuple) else results
    artists = []
    for r in results:
        m = r.measurement
        if m is None or m.slopes is None:
            continue
        c = ax.errorbar(m.slopes.x, m.slopes.slope, yerr=m.slopes.stderr, fmt="o-", label=r.claim)
        artists.append(c)
        if r.predicted is not None:
            artists.append(ax.axhline(r.predicted, ls="--", color=c[0].get_color()))
    ax.set_xscale("log")
    ax.set_xlabel("T (window centre)")
    ax.set_ylabel("local exponent d log y / d log T")
    if artists:
        ax.legend(fontsize="small")
    return artists


def plot_collapse(collapse, ax=None) -> list:
    """Curves ``T^xi eta_T(sT)`` against ``s = t/T`` (a :class:`CollapseMeasure`)."""
    ax = _axes(ax)
    artists = []
    for curve in np.atleast_2d(collapse.curves):
        artists += ax.semilogy(collapse.s, curve)
    ax.set_xlabel("s = t/T")
    ax.set_ylabel(f"T^xi eta (xi = {collapse.xi:.3f}); spread {collapse.spread:.3g}")
    return artists
