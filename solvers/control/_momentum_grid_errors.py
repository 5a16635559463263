r"""The grid errors of a long-horizon momentum optimum: its schedule on finer grids.

:func:`discretisation_errors` (the optimiser grid's error, in the error budget of
:func:`~solvers.control.momentum_forms.form_extrapolation`) and :func:`refined_loss` (the loss on
converged grids, which the benchmarks extrapolate) of a
:class:`~solvers.control.momentum_longrun.LongrunResult`, and :func:`fine_loss` (the loss on a
grid fine enough for the exponent estimator, cheap enough for the default claims).
"""

from __future__ import annotations

from dataclasses import replace

__all__ = ["FINE_LOSS", "FINE_LOSS_CHECK", "FINE_QUADRATURE", "FINE_TIME", "REFINED_QUADRATURE",
           "REFINED_TIME", "SHIFT_CURVATURE", "discretisation_errors", "fine_loss",
           "refined_loss"]  # fmt: skip

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
    L = [_loss_on(res, ratio=r, max_interval=i, **REFINED_QUADRATURE) for r, i in REFINED_TIME]
    return L[-1], max(abs(L[i + 1] / L[i] - 1.0) for i in range(len(L) - 1))


def discretisation_errors(res) -> dict:
    """Relative change of ``res``'s loss when its schedule is re-evaluated on a finer time grid
    (``"time"``) and a finer mode quadrature (``"quadrature"``) (:data:`FINE_TIME`,
    :data:`FINE_QUADRATURE`): the discretisation error of the optimum's loss."""
    base = _loss_on(res)
    return {name: abs(_loss_on(res, **fine) / base - 1.0)
            for name, fine in (("time", FINE_TIME), ("quadrature", FINE_QUADRATURE))}  # fmt: skip


def _loss_on(res, **grid) -> float:
    """``res``'s schedule's final loss on its optimiser's grid with ``grid``'s options changed."""
    opt = res.options
    g = replace(opt, **grid).grid(res.model, res.T)
    return float(g.loss(opt.controls(res.form, res.x, g))[0][-1])


#: Grid of :func:`fine_loss`: time ratio 1.02 (intervals <= 0.5 % of T) and 8 bins per decade x 4
#: points, 64 exact modes. The optimiser's quadrature (3 x 2) errs by 1e-3-3e-3 with a period of a
#: third of a decade in T, which half-decade horizons read as a zigzag of +-0.002-0.004 in the local
#: slopes; on this grid the loss is within 1e-5-7e-5 of :func:`refined_loss` at (3, 2), T = 1e3-1e8,
#: and 1e-7-1.1e-3 at (1.5, 3) (every form, 1e3-1e7), each time inside :func:`fine_loss`'s stated
#: error; 0.02-0.9 s per optimum (benchmarks/results/claims.md, 2026-12-01s16 (mom16)).
FINE_LOSS = FINE_QUADRATURE | {"ratio": 1.02, "max_interval": 0.005}
#: The next coarser time grid on the same quadrature (:data:`FINE_TIME`): :func:`fine_loss`'s
#: error is the change.
FINE_LOSS_CHECK = FINE_QUADRATURE | FINE_TIME
#: Curvature scale of the optimum's shift between grids, ``shift = delta**2 / (2 h)`` for a loss
#: change ``delta`` from the optimiser's grid to a finer one (the stationary optimum moves at
#: second order): from the one pair measured, the friction-knot family at (1.5, 3), 1e7 — coarse
#: optimum 1.0 % above the fine-grid optimum on the fine grid, with a 3.2 % coarse-grid error
#: (benchmarks/results/momentum.md, 2026-11-30d/e).
SHIFT_CURVATURE = 0.032**2 / (2 * 0.010)


def fine_loss(res) -> tuple[float, dict]:
    """``res``'s schedule on :data:`FINE_LOSS` and its relative errors: ``"fine"``, the change
    from :data:`FINE_LOSS_CHECK` (it covers the measured distance to :func:`refined_loss`, e.g.
    1.5e-5 against 3e-6 at (1.5, 3), 1e6, 3.1e-3 against 1.1e-3 for Nesterov at 1e7), and
    ``"shift"``, the fine grid's optimum below the optimiser's (:data:`SHIFT_CURVATURE`)."""
    L = [_loss_on(res, **FINE_LOSS_CHECK), _loss_on(res, **FINE_LOSS)]
    delta = L[1] / res.loss - 1.0
    return L[1], {"fine": abs(L[1] / L[0] - 1.0), "shift": delta**2 / (2 * SHIFT_CURVATURE)}
