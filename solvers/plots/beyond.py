r"""Figures of the batch-size, momentum and compute-optimal studies, in the paper style.

Each ``*_figure`` takes the result objects of its study and returns a
:class:`matplotlib.figure.Figure` (draw inside :func:`solvers.plots.figures.paper_style`; save with
:func:`solvers.plots.figures.save_figure`):

* :func:`batch_ramp_figure` — the optimal batch :math:`m^*(t)/\bar m` against the steps to go
  :math:`1 - t/T` for each horizon, with the derived power :math:`(1-t/T)^{1/(2b)-1}`;
* :func:`momentum_figure` — :math:`L^*(T)` with and without momentum, and the optimal
  :math:`(\eta_t/\eta_{\max}, \beta_t)` at the longest horizon;
* :func:`compute_optimal_figure` — loss against model size at fixed compute (optimal schedule and
  best constant rate, minima marked), and :math:`L^*(C)` with fitted and derived slopes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ..analysis.fits import fit_power_law
from .figures import new_figure

__all__ = ["batch_ramp_figure", "compute_optimal_figure", "momentum_figure"]

#: Points per horizon drawn of a per-step batch schedule (geometric in the steps to go).
RAMP_PLOT_POINTS = 300


def _tex_count(x: float) -> str:
    """``3\times10^{4}`` / ``10^{5}`` / ``300`` for math mode."""
    k = math.floor(math.log10(x) + 1e-9)
    if k < 3:
        return f"{x:g}"
    m = x / 10**k
    return f"10^{{{k}}}" if abs(m - 1) < 1e-9 else f"{m:.3g}\\times10^{{{k}}}"


def _pm(se: float) -> str:
    r"""``\pm`` and a one-digit error for math mode (``\pm0.02``, ``\pm9\times10^{-5}``); empty
    when the error is unknown."""
    if not math.isfinite(se) or se <= 0:
        return ""
    if se >= 1e-3:
        return rf"\pm{se:.1g}"
    k = math.floor(math.log10(se))
    return rf"\pm{round(se / 10**k)}\times10^{{{k}}}"


def _loglog(ax) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())


def batch_ramp_figure(results: Sequence) -> Figure:
    r"""Optimal batch ramps (:class:`~solvers.control.batch.BatchRampResult`, one per horizon)."""
    if not results:
        raise ValueError("batch_ramp_figure needs at least one result")
    fig, ax = new_figure()
    for r in sorted(results, key=lambda r: r.T):
        y = 1.0 - 0.5 * (r.edges[1:] + r.edges[:-1]) / r.T
        m = np.asarray(r.batch, float) / (r.budget / r.T)
        keep = np.unique(np.geomspace(1, y.size, RAMP_PLOT_POINTS).astype(int)) - 1
        order = np.argsort(y)[keep]
        ax.plot(y[order], m[order], label=rf"$T = {_tex_count(r.T)}$ ($\gamma = "
                rf"{r.gamma:.3f}{_pm(r.gamma_stderr)}$)")  # fmt: skip
    last = max(results, key=lambda r: r.T)
    lo, hi = last.fit_range
    yy = np.geomspace(lo, hi, 20)
    y_mid = math.sqrt(lo * hi)
    sel = np.argmin(np.abs(1.0 - 0.5 * (last.edges[1:] + last.edges[:-1]) / last.T - y_mid))
    anchor = last.batch[sel] / (last.budget / last.T)
    ax.plot(yy, 1.6 * anchor * (yy / y_mid) ** last.derived, "k--", lw=0.9,
            label=rf"derived $(1-t/T)^{{{last.derived:.3g}}}$")  # fmt: skip
    _loglog(ax)
    ax.set_xlabel(r"steps to go $1 - t/T$")
    ax.set_ylabel(r"batch $m^*(t)\,/\,\bar m$")
    ax.set_title(rf"$\eta = \eta_{{\max}} = {last.model.eta_max:g}$, $\bar m = D/T = "
                 rf"{last.budget / last.T:g}$", fontsize=8)  # fmt: skip
    ax.legend(loc="lower left")
    return fig


def _optimal_loss_exponent(model) -> float:
    """The engine's optimal-schedule loss exponent of SGD in the model's phase."""
    from theory import derive_scaling_laws

    laws = derive_scaling_laws()
    phase = laws.easy if str(model.phase) == "easy" else laws.hard
    return float(phase["loss_exponent"].expr.subs(model.subs()))


def momentum_figure(exps) -> Figure:
    r"""Optimal schedules with and without EMA momentum
    (:class:`~solvers.control.momentum.MomentumExponents`)."""
    fig, (ax, bx) = new_figure(1, 2, width="page", height=2.5)
    T = np.array([r.T for r in exps.results], float)
    for key, name, marker in (("final_loss", "momentum", "o"), ("sgd_loss", "SGD", "s")):
        L = np.array([getattr(r, key) for r in exps.results])
        fit = fit_power_law(T, L)
        p, se = fit.exponent, fit.stderr
        err = _pm(se)
        ax.plot(T, L, marker=marker, label=rf"{name} ($p = {p:.3f}{err}$)")
    p_sgd = _optimal_loss_exponent(exps.model)
    L0 = exps.results[0].sgd_loss
    ax.plot(T, L0 * (T / T[0]) ** (-p_sgd), "k--", lw=0.9,
            label=rf"$T^{{-{p_sgd:.3g}}}$ (derived, SGD)")  # fmt: skip
    _loglog(ax)
    ax.set_xlabel(r"horizon $T$ (steps)")
    ax.set_ylabel(r"test loss $L^*(T)$")
    ax.legend(loc="upper right")
    last = exps.results[-1]
    mid = 0.5 * (last.edges[1:] + last.edges[:-1]) / last.T
    bx.step(mid, last.eta / last.model.eta_max, where="mid", label=r"$\eta_t/\eta_{\max}$")
    bx.step(mid, last.beta, where="mid", label=r"$\beta_t$")
    if last.sgd_eta.size == mid.size:
        bx.step(mid, last.sgd_eta / last.model.eta_max, where="mid", ls=":",
                label=r"$\eta_t/\eta_{\max}$ (SGD)")  # fmt: skip
    bx.set_xlabel(r"training fraction $t/T$")
    bx.set_ylabel("optimal control")
    bx.set_ylim(-0.02, 1.02)
    bx.set_title(rf"$T = {last.T}$", fontsize=8)
    bx.legend(loc="best")
    return fig


def compute_optimal_figure(scaling) -> Figure:
    r"""Compute-optimal sweep (:class:`~solvers.control.compute_optimal.ComputeOptimalScaling`)."""
    fig, (ax, bx) = new_figure(1, 2, width="page", height=2.6)
    import matplotlib as mpl

    cmap = mpl.colormaps["viridis"]
    Cs = np.array([p.C for p in scaling.points])
    norm = mpl.colors.LogNorm(Cs.min(), Cs.max() * 1.5)
    for p in scaling.points:
        col = cmap(norm(p.C))
        ax.plot(p.N, p.loss, "-o", color=col, ms=2.5)
        ax.plot(p.N, p.constant_loss, ":", color=col)
        ax.plot([p.N_star], [p.L_star], "k*", ms=6)
    ax.plot([], [], "k-o", ms=2.5, label="optimal schedule")
    ax.plot([], [], "k:", label="best constant rate")
    ax.plot([], [], "k*", ms=6, label=r"$N^*(C)$")
    _loglog(ax)
    ax.set_xlabel(r"model size $N$ (features)")
    ax.set_ylabel(r"test loss at $T = C/(Nm)$")
    ax.legend(loc="upper center")
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, location="top", label=r"compute $C$", shrink=0.8, aspect=30)
    d = scaling.derived
    for name, attr, key in (("optimal", "L_star", "loss_exponent"),
                            ("constant rate", "L_star_constant", "constant.loss_exponent")):  # fmt: skip
        L = np.array([getattr(p, attr) for p in scaling.points])
        if not np.all(np.isfinite(L)):
            continue
        fit = fit_power_law(Cs, L)
        p_, se = fit.exponent, fit.stderr
        err = _pm(se)
        (line,) = bx.plot(Cs, L, "o-", label=rf"{name}: ${p_:.3f}{err}$ (derived "
                          rf"${-d.get(key, math.nan):.3f}$)")  # fmt: skip
        bx.plot(Cs, L[0] * (Cs / Cs[0]) ** (-d.get(key, math.nan)), "--", lw=0.8,
                color=line.get_color())  # fmt: skip
    for fam in getattr(scaling, "baseline_fits", {}):
        L = np.array([p.baselines[fam]["L_star"] for p in scaling.points])
        fit = fit_power_law(Cs, L)
        p_, se = fit.exponent, fit.stderr
        err = _pm(se)
        bx.plot(Cs, L, "s:", label=rf"tuned {fam}: ${p_:.3f}{err}$")
    _loglog(bx)
    bx.set_xlabel(r"compute $C = N T m$")
    bx.set_ylabel(r"$L^*(C)$")
    bx.legend(loc="upper right", title="slope", title_fontsize=7)
    return fig
