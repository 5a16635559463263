r"""Crude tuning of a named schedule: a 1-D search over its peak learning rate.

For a schedule family :math:`\eta_t = \eta_0 f(t/T)` with its shape ``f`` fixed (constant, linear,
cosine, warmup-stable-decay with a fixed decay fraction, ...), minimise the final excess loss
:math:`L(T)` of the exact recursion over :math:`\eta_0 \in [\eta_{\max}\,10^{-4}, \eta_{\max}]`:
a log-spaced scan brackets the minimum, then a bounded Brent search refines it in
:math:`\log\eta_0`. Rates that blow up count as a huge loss. A minimum on the edge of the search
range is reported (``at_bound``), not hidden.

This is the report's stand-in baseline; the tuned multi-parameter baselines of the claims
machinery replace it where available.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar

from theory import PLRFModel
from theory._checks import check_int

from ..dynamics.recursion import InstabilityWarning, simulate
from .families import SCHEDULES, make_schedule

__all__ = ["TunedSchedule", "tune_peak_rate"]

#: Points of the coarse log-spaced scan over eta0 (half-decade spacing over four decades).
SCAN_POINTS = 9
#: Lowest peak rate scanned, relative to ``eta_max``.
SCAN_LOW = 1e-4
#: Absolute tolerance of the refinement in log(eta0): 0.1% in the rate.
LOG_XTOL = 1e-3
#: Loss-curve points kept for plotting, log-uniform in ``t + 1`` (dense enough for a smooth curve).
RECORD_POINTS = 400
#: Stands in for the loss of a run that blew up: finite, so Brent's parabolic steps stay defined.
BLOWUP_LOSS = 1e100


@dataclass(frozen=True)
class TunedSchedule:
    """The best peak rate of a schedule family at one horizon, with its loss curve.

    Attributes
    ----------
    kind : str
        Schedule family (a key of ``solvers.SCHEDULES``).
    shape_params : tuple of float
        The family's parameters after ``eta0``, held fixed (e.g. the WSD decay fraction).
    T : int
    eta0 : float
        Tuned peak rate.
    final_loss : float
        :math:`L(T)` at ``eta0``.
    at_bound : bool
        The minimum sits on the edge of the scanned range (the true optimum may lie outside).
    evaluations : int
        Simulations run by the search.
    t, loss : ndarray
        Steps (log-uniform, including 0 and T) and excess loss of the tuned run.
    """

    kind: str
    shape_params: tuple[float, ...]
    T: int
    eta0: float
    final_loss: float
    at_bound: bool
    evaluations: int
    t: np.ndarray = field(repr=False)
    loss: np.ndarray = field(repr=False)

    def schedule(self) -> np.ndarray:
        """The tuned schedule ``eta[t]``, shape ``(T,)``."""
        return make_schedule(self.kind, self.T, self.eta0, *self.shape_params)


def tune_peak_rate(
    model: PLRFModel, kind: str, T: int, *shape_params: float, record: bool = True
) -> TunedSchedule:
    r"""Minimise :math:`L(T)` over the peak rate of schedule ``kind`` (shape fixed).

    Parameters
    ----------
    model : PLRFModel
    kind : str
        Schedule family, e.g. ``"linear"`` or ``"wsd"``.
    T : int
        Horizon.
    *shape_params : float
        The family's remaining parameters (``wsd``: decay fraction; ``poly``: delta; ...).
    record : bool
        Keep the tuned run's loss curve.

    Examples
    --------
    Full-batch gradient descent on one mode, constant rate: :math:`L = (1-\eta)^{2T}` is
    minimised at :math:`\eta = 1` (the loss is exactly zero there).

    >>> m = PLRFModel(a=2, b=1.5, n_modes=1, batch=math.inf)
    >>> r = tune_peak_rate(m, "constant", 5)
    >>> abs(r.eta0 - 1) < 1e-2 and r.final_loss < 1e-15
    True
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    if kind not in SCHEDULES:
        raise ValueError(f"kind: unknown schedule {kind!r}; expected one of {sorted(SCHEDULES)}")
    T = check_int("T", T, ge=1)
    make_schedule(kind, T, 1.0, *shape_params)  # validates the shape parameters
    evaluations = 0

    def final_loss(log_eta0: float) -> float:
        nonlocal evaluations
        evaluations += 1
        eta = make_schedule(kind, T, math.exp(log_eta0), *shape_params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InstabilityWarning)
            value = simulate(model, eta, record_every=T).final_loss
        return value if math.isfinite(value) else BLOWUP_LOSS

    grid = np.linspace(math.log(SCAN_LOW * model.eta_max), math.log(model.eta_max), SCAN_POINTS)
    values = np.array([final_loss(g) for g in grid])
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(
        final_loss, bounds=(lo, hi), method="bounded", options={"xatol": LOG_XTOL}
    )
    best_log, best = (float(res.x), float(res.fun)) if res.fun < values[i] else (grid[i], values[i])
    at_bound = abs(best_log - grid[0]) < 2 * LOG_XTOL or abs(best_log - grid[-1]) < 2 * LOG_XTOL
    eta0 = math.exp(best_log)
    if record:
        eta = make_schedule(kind, T, eta0, *shape_params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InstabilityWarning)
            run = simulate(model, eta)
        keep = np.unique(np.geomspace(1, T + 1, RECORD_POINTS).astype(np.int64) - 1)
        keep[-1] = T
        t, loss = run.t[keep], run.loss[keep]
    else:
        t, loss = np.array([T]), np.array([best])
    return TunedSchedule(
        kind=kind,
        shape_params=tuple(float(p) for p in shape_params),
        T=T,
        eta0=eta0,
        final_loss=float(best),
        at_bound=bool(at_bound),
        evaluations=evaluations,
        t=t,
        loss=loss,
    )
