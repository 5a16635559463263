r"""The grid errors of a long-horizon momentum optimum: its schedule on finer grids.

:func:`discretisation_errors` (the optimiser grid's error, in the error budget of
:func:`~solvers.control.momentum_forms.form_extrapolation`) and :func:`refined_loss` (the loss on
converged grids, which the benchmarks extrapolate) of a
:class:`~solvers.control.momentum_longrun.LongrunResult`.
"""

from __future__ import annotations

from dataclasses import replace

__all__ = ["FINE_QUADRATURE", "FINE_TIME", "REFINED_QUADRATURE", "REFINED_TIME",
           "discretisation_errors", "refined_loss"]  # fmt: skip

#: Finer grids of :func:`discretisation_errors`: time grid ratio 1.05 with intervals <= 1 % of T;
#: 4x the modes (8 bins per decade, 4 points, 64 exact; the optimiser's: 3, 2, 32).
FINE_TIME = {"ratio": 1.05, "max_interval": 0.01}
FINE_QUADRATURE = {"bins_per_decade": 8, "points_per_bin": 4, "exact_modes": 64}


#: Grids of :func:`refined_loss`: 16 bins per decade, 6 points, 256 exact modes (converged: the
#: same loss to 1e-6 with 32 x 8 and 64 x 8) and time grids of ratio 1.02, 1.01, 1.005 (intervals
#: <= 0.5, 0.25, 0.125 % of T); measured on the Nesterov optima at (1.5, 3), 1e6-1e8: successive
#: changes 2e-4-1.1e-3, then 5e-5-8e-5 (benchmarks/results/momentum.md, 2026-11-30g).
REFINED_QUADRATURE = {"bins_per_decade": 16, "points_per_bin": 6, "exact_modes": 256}
REFINED_TIME = ((1.02, 0.005), (1.01, 0.0025), (1.005, 0.00125))


def refined_loss(res) -> tuple[float, float]:
    """``res``'s schedule on the finest grid of :data:`REFINED_TIME` (with
    :data:`REFINED_QUADRATURE`) and its relative error: the larger of the last two changes under
    refinement (the time grid converges at order ~1 in ``ratio - 1``, not monotonically)."""
    opt = res.options
    L = []
    for ratio, interval in REFINED_TIME:
        o = replace(opt, ratio=ratio, max_interval=interval, **REFINED_QUADRATURE)
        g = o.grid(res.model, res.T)
        L.append(float(g.loss(opt.controls(res.form, res.x, g))[0][-1]))
    return L[-1], max(abs(L[i + 1] / L[i] - 1.0) for i in range(len(L) - 1))


def discretisation_errors(res) -> dict:
    """Relative change of ``res``'s loss when its schedule is re-evaluated on a finer time grid
    (``"time"``) and a finer mode quadrature (``"quadrature"``) (:data:`FINE_TIME`,
    :data:`FINE_QUADRATURE`): the discretisation error of the optimum's loss."""
    opt = res.options
    grid = opt.grid(res.model, res.T)
    base = grid.loss(opt.controls(res.form, res.x, grid))[0][-1]
    out = {}
    for name, fine in (("time", FINE_TIME), ("quadrature", FINE_QUADRATURE)):
        g = replace(opt, **fine).grid(res.model, res.T)
        out[name] = abs(g.loss(opt.controls(res.form, res.x, g))[0][-1] / base - 1.0)
    return out
