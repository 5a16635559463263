r"""Baseline schedules tuned on the continuum solver's own dynamics (same grid, same modes).

To say that an optimal schedule *beats* a baseline, both must be evaluated on the same dynamics.
:func:`~solvers.solve_continuum` optimises a rate that is piecewise constant on its time grid
``t_0 < ... < t_J`` (unit steps at both ends, geometric in between) over a log-binned mode
quadrature. Here each baseline family (:data:`~solvers.schedules.tuning.BASELINES`) is projected on the
same grid — its value at the middle step of each interval,

.. math::

    \eta_j = f\bigl((t_j + t_{j+1} - 1)/2\bigr),

exact on the unit-step intervals at both ends and for linear pieces — and run through the same
discretised dynamics (:func:`~solvers.continuum_loss`'s problem). The projected baseline is then a
feasible point of the continuum optimisation, so the optimum can only be lower, up to the
optimiser's tolerance. Cost per evaluation ``O(J n)`` (independent of ``T`` up to ``log T``): the
baselines are tuned at every horizon the continuum solver reaches.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.optimize import minimize

from theory import PLRFModel
from theory._checks import check_real, reject_unknown

from ..dynamics.continuum import DEFAULT_BINS_PER_DECADE as _BPD
from ..dynamics.continuum import (
    DEFAULT_EXACT_MODES,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_RATIO,
    DEFAULT_SUBSTEPS,
    build_problem,
)
from ..dynamics.continuum import DEFAULT_POINTS_PER_BIN as _PPB
from .tuning import (
    BASELINES,
    BLOWUP,
    NELDER_MEAD_XATOL,
    SECONDS_PER_UNIT,
    BaselineResult,
    RateBox,
    tune_in_box,
)

__all__ = ["CONTINUOUS_FAMILIES", "continuum_problem", "tune_baseline_continuum"]


#: The baseline families as functions of the (fractional) step ``t``: the rates of
#: :data:`~solvers.schedules.tuning.BASELINES` (one formula per family).
CONTINUOUS_FAMILIES = {name: b.rate for name, b in BASELINES.items()}


def continuum_problem(
    model: PLRFModel,
    T: float,
    *,
    dynamics: str = "discrete",
    ratio: float = DEFAULT_RATIO,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    substeps: int = DEFAULT_SUBSTEPS,
    exact_modes: int = DEFAULT_EXACT_MODES,
    bins_per_decade: float = _BPD,
    points_per_bin: int = _PPB,
):
    """The discretised problem :func:`~solvers.solve_continuum` builds for these options."""
    return build_problem(
        model, T, None, ratio, max_interval, substeps, dynamics, exact_modes, bins_per_decade,
        points_per_bin,
    )  # fmt: skip


def _projection_points(t: np.ndarray) -> np.ndarray:
    """Middle step of each interval ``[t_j, t_{j+1})`` (its midpoint on a non-integer grid)."""
    lo, hi = t[:-1], t[1:]
    integer = np.all(t == np.round(t))
    return 0.5 * (lo + hi - 1.0) if integer else 0.5 * (lo + hi)


def tune_baseline_continuum(
    name: str,
    model: PLRFModel,
    T: float,
    *,
    xi: float | None = None,
    delta: float | None = None,
    max_evaluations: int = 200,
    problem=None,
    above_limit: bool = False,
    **options,
) -> BaselineResult:
    """Tune the baseline ``name`` at horizon ``T`` on the continuum solver's dynamics.

    Parameters
    ----------
    name : str
        One of :data:`~solvers.schedules.tuning.BASELINES`.
    model : PLRFModel
    T : float
    xi, delta : float, optional
        Exponents of the ``easy`` family (required for it).
    max_evaluations : int
        Budget of the two-parameter polish.
    problem : optional
        A prebuilt :func:`continuum_problem` (reused across families at one horizon).
    above_limit : bool
        Peaks up to ``eta_max``, not the solver's bound (the LR-transfer claims' box; not a
        feasible point of the optimum's problem, whose "beats" comparison keeps the bound).
    **options
        Grid and quadrature options of :func:`~solvers.solve_continuum` (``dynamics, ratio,
        max_interval, substeps, exact_modes, bins_per_decade, points_per_bin``); they must match
        the optimum's for a like-for-like comparison.

    Returns
    -------
    BaselineResult
        ``params`` tuned; rates are bounded by the solver's own upper bound ``eta_upper``
        (``min(eta_max, stability limit)``), which an ``at_bound`` entry reports.
    """
    allowed = {"dynamics", "ratio", "max_interval", "substeps", "exact_modes",
               "bins_per_decade", "points_per_bin"}  # fmt: skip
    reject_unknown(
        "tune_baseline_continuum", {k: v for k, v in options.items() if k not in allowed}
    )
    if name not in BASELINES:
        raise ValueError(f"name: unknown baseline {name!r}; expected one of {sorted(BASELINES)}")
    T = check_real("T", T, ge=1)
    prob = continuum_problem(model, T, **options) if problem is None else problem
    fixed = {}
    if name == "easy":
        if xi is None or delta is None:
            raise ValueError("the 'easy' baseline needs the theory's exponents xi and delta")
        fixed = {"xi": check_real("xi", xi), "delta": check_real("delta", delta, ge=0)}
    spec = BASELINES[name]
    up = prob.upper
    cap = model.eta_max if above_limit else up
    x = _projection_points(prob.t)
    # the families' own ranges up to the bound (or eta_max); the constant's floor as on the recursion
    bounds = spec.bounds(RateBox(up, cap, up, float(prob.quad.lam.max())), T, fixed)
    up = max(up, cap)

    def loss_of(params):
        eta = np.clip(spec.rate(x, T, params, fixed), 0.0, up)
        Ln, ok = prob.loss_curve(np.ascontiguousarray(eta))
        return Ln[-1] if ok else math.inf

    context = (
        f"continuum dynamics ({prob.dynamics}, {prob.h.size} intervals, {prob.quad.size} mode "
        "nodes); "
    )
    unit = prob.h.size * prob.substeps * prob.quad.size * SECONDS_PER_UNIT["continuum"]
    r = tune_in_box(
        name, round(T), spec, bounds, loss_of, fixed, max_evaluations, context=context,
        seconds_each=unit,
    )  # fmt: skip
    if above_limit and name == "wsd":
        r = _polish_gap(r, loss_of, prob.stability_limit, unit, max_evaluations)
    return r


def _polish_gap(r: BaselineResult, loss_of, limit: float, unit: float, max_evaluations: int):
    """WSD's tuning polished in ``(log g, log frac)``, ``g = 1 - eta0/limit`` its gap below the
    stability limit: Nelder-Mead to :data:`NELDER_MEAD_XATOL` in ``log g``, so ``eta0``'s
    relative error is that times ``g`` (in ``log eta0`` it was :data:`NELDER_MEAD_XATOL`
    itself, the size of the local slopes of the hard phase's peak beyond ~1e9: at (1.5, 3) the
    tuned fraction stood still between two horizons, benchmarks/results/claims.md,
    2026-12-01s17). Kept only where it lowers the loss; a peak at or above the limit is left."""
    e0, f0 = r.params["eta0"], r.params["frac"]
    if not (r.success and e0 < limit):
        return r
    z0 = np.log([1.0 - e0 / limit, f0])

    def f(z):
        if z[1] > 0:
            return math.log(BLOWUP)
        loss = loss_of({"eta0": limit * (1.0 - math.exp(z[0])), "frac": math.exp(z[1])})
        return math.log(loss) if math.isfinite(loss) and loss > 0 else math.log(BLOWUP)

    res = minimize(f, z0, method="Nelder-Mead", options={
        "xatol": NELDER_MEAD_XATOL, "fatol": 1e-12, "maxfev": max_evaluations,
        "initial_simplex": [z0, z0 + np.array([0.1, 0.0]), z0 + np.array([0.0, 0.1])]})  # fmt: skip
    n = r.evaluations + res.nfev
    if not math.exp(res.fun) < r.final_loss:
        return replace(r, evaluations=n, cost=n * unit)
    g, frac = (float(v) for v in np.exp(res.x))
    return replace(
        r, params={"eta0": limit * (1.0 - g), "frac": frac}, final_loss=math.exp(res.fun),
        evaluations=n, cost=n * unit,
        message=r.message + "; polished in (log gap, log frac) below the stability limit",
    )  # fmt: skip
