r"""Long-horizon continuum solver: optimal learning-rate schedules at horizons up to ``1e12``.

The problem is the continuous-time optimal control of the PLRF model,

.. math::

    \min_{0 \le \eta(t) \le \eta_{\max}} L(T), \qquad
    \dot c_k = -2\eta\lambda_k c_k + \frac{\eta^2}{m}\lambda_k\bigl(L + \sigma^2\bigr),

(or its *discrete-corrected* form, which reproduces the exact recursion's per-step contraction;
see :mod:`solvers.dynamics._continuum_kernels`), discretised by :mod:`solvers.dynamics.continuum`
so that the cost grows like ``log T``: ``eta`` piecewise constant on a grid refined
geometrically towards both ends (``J ~ 2 log T / log(ratio)`` intervals: 390 at ``T = 1e8``,
584 at ``T = 1e12``) and the modes in log-spaced Gauss-Legendre bins (227 nodes at
``N = 1e12``), with the exact adjoint gradient of the discretised map.

The solver is validate -> initial guess -> optimise -> result:

* **initial guess**: two tuned named families, then (cold starts) a first solve on every 8th
  interval (multilevel), or earlier solutions continued in ``log T`` (:func:`continuum_sweep`);
* **optimise**: L-BFGS-B on ``log L(T)`` (each rate scaled by its own size) until the scaled KKT
  residual is below ``newton_from``, then a projected trust-region Newton method whose Hessian
  is built column by column from forward differences of the exact gradient (``J`` moved
  gradients, each ``COLUMN_WORK`` ~ 0.15 of a pass: it reuses the unmoved intervals'
  propagators) and reused while each step cuts the residual tenfold. Newton converges quadratically
  to a relative KKT residual of ``1e-6`` in a few steps, where L-BFGS-B stalled at ``1e-2 ..
  1e2`` beyond ``T = 1e8``;
* **result**: a :class:`ContinuumResult` (the common :class:`~solvers.control.result.ScheduleResult`
  with the continuum's figures in ``diagnostics``); ``success`` is true only when the KKT
  residual is at most ``tol`` (``STATUS_MESSAGES`` lists the statuses, "stalled" included).

The upper bound is ``min(eta_max, (1 - 1e-3) x`` the stability limit of a constant rate of the
chosen dynamics``)``: above it the implicit solve is singular (``u.B >= 1``) and the loss grows
exponentially, so no optimum lives there.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
from scipy.optimize import minimize_scalar

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..dynamics.continuum import (
    COLUMN_WORK,
    DEFAULT_BINS_PER_DECADE,
    DEFAULT_EXACT_MODES,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_POINTS_PER_BIN,
    DEFAULT_RATIO,
    DEFAULT_SUBSTEPS,
    ContinuumProblem,
    Dynamics,
    FrontWarning,
    build_problem,
    mode_quadrature,
)
from ._continuum_optimise import (
    LOG_ETA_FLOOR,
    _coarsen,
    _kkt_metric,
    _kkt_scaled,
    _lbfgs,
    _log_loss,
    _optimise,
    _Stop,
)
from .result import STATUS_MESSAGES, ScheduleResult

__all__ = [
    "STATUS_MESSAGES",
    "ContinuumOptions",
    "ContinuumResult",
    "continuum_sweep",
    "solve_continuum",
]


#: The front k* within this factor of n_modes triggers a FrontWarning (mode truncation bias).
FRONT_WARN_FACTOR = 10.0
#: Default tolerance of the scaled KKT test, sum_j |d log L(T) / d log eta_j| over rates not held
#: at a bound: a relative change eps of every rate changes L(T) by at most ~eps * 1e-6.
DEFAULT_TOL = 1e-6
#: L-BFGS-B hands over to Newton at this scaled KKT residual (a Newton step from 0.1 lands at
#: ~1e-4 at T = 1e8 and the next at ~1e-6; from further away the trust region does the work).
DEFAULT_NEWTON_FROM = 1e-1
#: Default ftol of L-BFGS-B (relative reduction of log L per iteration): its stall stop.
DEFAULT_FTOL = 1e-10
#: Coarsening factor of the multilevel start (every 8th grid node).
MULTILEVEL_FACTOR = 8
#: KKT tolerance on the coarse level: it only provides a start for the fine grid.
MULTILEVEL_COARSE_TOL = 1e-2
#: Iteration cap on the coarse level.
MULTILEVEL_MAXITER = 1000
#: What ``kkt_residual`` measures for each ``criterion`` of :func:`solve_continuum`.
KKT_DEFINITIONS = {
    "scaled": "sum_j |clip(eta_j - s_j^2 G_j, 0, U) - eta_j| / s_j, s_j = clip(eta_j, "
    "1e-2 max_{|i-j|<=10} eta_i, U), G = d log L(T) / d eta, U = eta_upper "
    "(|d log L / d log eta_j| at interior rates)",
    "metric": "max_j |clip(x_j - G_j, 0, U sqrt(h_j/T)) - x_j|, x_j = eta_j sqrt(h_j/T), "
    "G = d log L(T) / dx",
}


# -- options and result ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContinuumOptions:
    """Options of :func:`solve_continuum` (each may also be passed as a keyword argument).

    Attributes
    ----------
    dynamics : {"discrete", "continuous"}
        ``"discrete"`` (default): each mode contracts by the recursion's exact per-step factor
        ``1 - 2 eta lam + (1+1/m) eta^2 lam^2``; ``"continuous"``: the continuous-time limit.
    ratio, max_interval : float
        Time grid (see :func:`~solvers.dynamics.time_grid`); ignored when a grid is given.
    anchor_exponent : float, optional
        The time grid's geometric part near the end passes through ``T**anchor_exponent``
        (``time_grid``'s ``anchor``): give the derived exponent of a feature's width (the hard
        window's ``omega_0``) to keep the cells at one place relative to it at every ``T``.
    substeps : int
        Integration substeps per interval.
    exact_modes, bins_per_decade, points_per_bin
        Mode quadrature (see :func:`~solvers.dynamics.mode_quadrature`).
    tol : float
        Converged (status 0, ``success``) when the KKT residual chosen by ``criterion`` is at
        most ``tol``. Default 1e-6.
    criterion : {"scaled", "metric"}
        ``"scaled"`` (default): :math:`\\sum_j |\\partial \\log L(T)/\\partial \\log \\eta_j|`
        over the rates off their bounds (see ``SCALE_FLOOR``); ``"metric"``: the max-norm
        residual in the variables ``eta_j sqrt(h_j/T)``. Both are reported.
    maxiter : int
        Iterations of all levels and phases together (L-BFGS-B iterations, Newton steps).
    newton : bool
        Finish with the trust-region Newton method (default); ``False`` is L-BFGS-B alone.
    newton_from : float
        Scaled KKT residual at which L-BFGS-B hands over to Newton (or earlier, if it stalls).
    polish : bool
        Once converged, take one more Newton step with a fresh Hessian (default): it lowers
        the residual ~100-fold where the loss hardly sees the schedule's shape, and its
        Hessian gives ``newton_step`` (the solver error of a shape readout). One Hessian (``J``
        columns, ~0.15 J gradient passes) per solve.
    ftol, gtol, maxcor, restarts
        L-BFGS-B options; ``restarts`` rescales every rate by its current size and restarts
        while that still lowers the loss.
    multilevel : bool, optional
        Cold starts (default when neither ``initial`` nor ``grid`` is given) solve on every 8th
        interval first.
    diagnostics : bool
        Estimate the quadrature and time-stepping errors by one refined forward pass each.
    """

    dynamics: Dynamics = "discrete"
    ratio: float = DEFAULT_RATIO
    max_interval: float = DEFAULT_MAX_INTERVAL
    anchor_exponent: float | None = None
    substeps: int = DEFAULT_SUBSTEPS
    exact_modes: int = DEFAULT_EXACT_MODES
    bins_per_decade: float = DEFAULT_BINS_PER_DECADE
    points_per_bin: int = DEFAULT_POINTS_PER_BIN
    tol: float = DEFAULT_TOL
    criterion: str = "scaled"
    maxiter: int = 5000
    newton: bool = True
    newton_from: float = DEFAULT_NEWTON_FROM
    polish: bool = True
    ftol: float = DEFAULT_FTOL
    gtol: float = 1e-9
    maxcor: int = 30
    restarts: int = 1
    multilevel: bool | None = None
    diagnostics: bool = True

    def __post_init__(self) -> None:
        if self.dynamics not in ("discrete", "continuous"):
            raise ValueError(f"dynamics must be 'discrete' or 'continuous', got {self.dynamics!r}")
        if self.criterion not in KKT_DEFINITIONS:
            raise ValueError(
                f"criterion must be one of {sorted(KKT_DEFINITIONS)}, got {self.criterion!r}"
            )
        check_real("ratio", self.ratio, gt=1)
        check_real("max_interval", self.max_interval, gt=0, le=1)
        if self.anchor_exponent is not None:
            check_real("anchor_exponent", self.anchor_exponent, gt=0, le=1)
        check_real("bins_per_decade", self.bins_per_decade, gt=0)
        for name in ("tol", "newton_from", "ftol", "gtol"):
            check_real(name, getattr(self, name), ge=0)
        for name in ("substeps", "exact_modes", "points_per_bin", "maxiter", "maxcor"):
            check_int(name, getattr(self, name), ge=1)
        check_int("restarts", self.restarts, ge=0)
        for name in ("newton", "polish", "diagnostics"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.multilevel is not None and not isinstance(self.multilevel, bool):
            raise TypeError(f"multilevel must be a bool or None, got {self.multilevel!r}")


@dataclass(frozen=True)
class ContinuumResult(ScheduleResult):
    """The :class:`~solvers.control.result.ScheduleResult` of :func:`solve_continuum`.

    ``t`` is the solver's grid (``J + 1`` nodes, not every step): ``eta[j]`` holds on
    ``[t[j], t[j+1])`` and ``loss[j]`` is ``L(t[j])`` of the binned model; :attr:`remaining`
    holds the nodes' offsets ``T - t`` from the end, exact there at any ``T`` (beyond ``2**53``
    the last nodes' ``t`` coincide in doubles: read the end from ``remaining``). ``diagnostics``
    holds ``eta_upper`` (``min(eta_max, (1 - 1e-3) x stability limit)``), ``kkt_scaled`` and
    ``kkt_metric`` (both measures, ``KKT_DEFINITIONS``), ``lbfgs_iterations``,
    ``newton_iterations``, ``hessians``, ``newton_step`` (the change of ``eta`` the last
    Newton Hessian still proposes from the result, shape ``(J,)``, or ``None`` without a Newton
    finish: how far the rates may still move along directions the loss hardly sees; the
    solver error of a readout of the schedule), ``levels`` (per multilevel level: intervals,
    iterations, KKT), ``cpu_seconds``, ``hessian_columns`` (moved gradients of the
    Newton Hessians, counted in ``evaluations``), ``work`` (the gradient passes'
    mode-interval-substep updates, ``(passes + COLUMN_WORK x columns) x J x n_quadrature x
    substeps``: the solve's cost, independent of the machine and its load), ``quadrature_error`` and ``time_error`` (relative change
    of ``L(T)`` when the quadrature, or the substeps, are doubled), ``front`` (learned front
    ``k* = (2 tau)^(1/b)``, ``tau = int eta``), ``tail_loss`` (unlearnable loss beyond
    ``n_modes``, not in ``loss``), ``n_quadrature``, ``n_exact``, ``n_bins``, ``dynamics``,
    ``substeps``, ``criterion`` and ``warnings``. The earlier attribute names of these
    figures (``result.eta_upper``, ``result.kkt_scaled``, ``result.evaluations``, ...) still
    read them.
    """

    _t_dtype = float  # the grid's nodes are not integers in general

    evaluations = property(lambda self: self.n_evaluations)
    eta_upper = property(lambda self: self.diagnostics["eta_upper"])
    kkt_scaled = property(lambda self: self.diagnostics["kkt_scaled"])
    kkt_metric = property(lambda self: self.diagnostics["kkt_metric"])
    criterion = property(lambda self: self.diagnostics["criterion"])
    levels = property(lambda self: tuple(self.diagnostics["levels"]))
    dynamics = property(lambda self: self.diagnostics["dynamics"])
    substeps = property(lambda self: self.diagnostics["substeps"])
    front = property(lambda self: self.diagnostics["front"])
    tail_loss = property(lambda self: self.diagnostics["tail_loss"])
    quadrature_error = property(lambda self: self.diagnostics["quadrature_error"])
    time_error = property(lambda self: self.diagnostics["time_error"])
    warnings = property(lambda self: tuple(self.diagnostics["warnings"]))

    @property
    def remaining(self) -> np.ndarray:
        """The steps left at the grid's nodes, ``T - t``, exact near the end at any ``T``
        (:func:`~solvers.dynamics.grid_offsets`; beyond ``2**53`` the last nodes' ``t`` round
        together); ``T - t`` for a result that does not hold them."""
        rem = self.diagnostics.get("remaining")
        return self.T - np.asarray(self.t, float) if rem is None else np.asarray(rem, float)

    @property
    def front_ratio(self) -> float:
        """``k* / n_modes``: keep it well below 1."""
        return self.front / self.model.n_modes

    def eta_at(self, t) -> np.ndarray:
        """The piecewise-constant schedule evaluated at times ``t`` (steps from the start: beyond
        ``2**53`` a time within ~``T * 2**-53`` steps of the end is not told apart)."""
        j = np.searchsorted(self.t, np.asarray(t, dtype=float), side="right") - 1
        return self.eta[np.clip(j, 0, self.eta.size - 1)]

    def per_step(self) -> np.ndarray:
        """The schedule as one rate per SGD step (integer grids only); shape ``(T,)``.

        Use it to run the exact recursion on the optimised schedule:
        ``simulate(result.model, result.per_step())``.
        """
        if np.any(self.t != np.round(self.t)):
            raise ValueError("per_step() needs an integer time grid")
        return np.repeat(self.eta, np.diff(self.t).astype(np.int64))


# -- initial guesses and continuation ---------------------------------------------------------


def _midpoints(t: np.ndarray) -> np.ndarray:
    return 0.5 * (t[1:] + t[:-1])


def _logit_midpoints(t: np.ndarray, rem: np.ndarray) -> np.ndarray:
    """``logit(s)`` at the intervals' midpoints, ``s = t/T``, as ``log(t) - log(T - t)`` with the
    remaining steps ``T - t`` taken from the nodes' offsets ``rem`` (exact near the end at any
    ``T``, :func:`~solvers.dynamics.grid_offsets`): ``1 - t/T`` of the last cells, formed from
    ``s`` rounded to a double, is off by ~20 % at ``T = 1e15`` and ``0`` (an infinite logit)
    beyond ``~1e16``; ``T - t`` formed from the nodes is ``0`` in the last cells beyond ``2**53``."""
    return np.log(_midpoints(t)) - np.log(_midpoints(rem))


def _family_guess(prob: ContinuumProblem) -> np.ndarray:
    """Best of two tuned families: ``eta0 (1 - s)^delta`` (delta 1..3) and eta_upper then a linear decay."""
    u = _midpoints(prob.remaining) / prob.T  # 1 - s, exact near the end
    up = prob.upper

    def loss(eta):
        Ln, ok = prob.loss_curve(eta)
        return Ln[-1] if ok and math.isfinite(Ln[-1]) else 1e300

    best, best_eta = math.inf, np.full(u.size, 0.5 * up)
    for delta in (1.0, 2.0, 3.0):
        shape = u**delta
        r = minimize_scalar(
            lambda v, shape=shape: math.log(loss(up * math.exp(v) * shape) + 1e-300),
            bounds=(-12.0, 0.0),
            method="bounded",
            options={"xatol": 1e-3},
        )
        if r.fun < best:
            best, best_eta = r.fun, up * math.exp(r.x) * shape
    for level in (1.0, 0.5):

        def wsd(v, level=level):
            return level * up * np.minimum(1.0, u / math.exp(v))

        r = minimize_scalar(
            lambda v: math.log(loss(wsd(v)) + 1e-300),
            bounds=(math.log(1.0 / prob.T), 0.0),
            method="bounded",
            options={"xatol": 1e-3},
        )
        if r.fun < best:
            best, best_eta = r.fun, wsd(r.x)
    return best_eta


def _warm_start(previous: Sequence[ContinuumResult], prob: ContinuumProblem) -> np.ndarray:
    """Map earlier solutions to this grid in the logit of ``s = t/T``; extrapolate log eta in log T.

    With one earlier solution its schedule is reused as a function of ``logit(t/T)`` (which
    stretches both the start and the annealing end); with two or more, ``log eta`` at fixed
    ``logit(t/T)`` is extrapolated linearly in ``log T`` from the last two.
    """
    z = _logit_midpoints(prob.t, prob.remaining)
    floor = LOG_ETA_FLOOR * prob.upper

    def on_grid(r: ContinuumResult) -> np.ndarray:
        zr = _logit_midpoints(r.t, r.remaining)
        return np.interp(z, zr, np.log(np.maximum(r.eta, floor)))

    last = on_grid(previous[-1])
    if len(previous) >= 2 and previous[-2].T != previous[-1].T:
        prev = on_grid(previous[-2])
        x = math.log(prob.T / previous[-1].T) / math.log(previous[-1].T / previous[-2].T)
        last = last + x * (last - prev)
    return np.clip(np.exp(last), 0.0, prob.upper)


# -- the solver ------------------------------------------------------------------------------


def _options(options: ContinuumOptions | None, kwargs: dict) -> ContinuumOptions:
    """``options`` (default ``ContinuumOptions()``) with the keyword arguments applied."""
    if options is not None and not isinstance(options, ContinuumOptions):
        raise TypeError(f"options must be a ContinuumOptions, got {type(options).__name__}")
    names = {f.name for f in fields(ContinuumOptions)}
    reject_unknown("solve_continuum", {k: v for k, v in kwargs.items() if k not in names})
    return replace(options or ContinuumOptions(), **kwargs)


def _validate(model, T, grid, initial, opts: ContinuumOptions):
    """The discretised problem and the caller's start (``None``, an array or earlier results)."""
    anchor = (
        None if opts.anchor_exponent is None else check_real("T", T, ge=1) ** opts.anchor_exponent
    )
    prob = build_problem(
        model, T, grid, opts.ratio, opts.max_interval, opts.substeps, opts.dynamics,
        opts.exact_modes, opts.bins_per_decade, opts.points_per_bin, anchor,
    )  # fmt: skip
    J = prob.h.size
    if initial is None:
        return prob, None
    if isinstance(initial, ContinuumResult):
        return prob, _warm_start([initial], prob)
    if isinstance(initial, list | tuple) and initial:
        if all(isinstance(r, ContinuumResult) for r in initial):
            return prob, _warm_start(list(initial), prob)
    eta0 = np.asarray(initial, dtype=float)
    if eta0.shape != (J,) or not np.all(np.isfinite(eta0)):
        raise ValueError(
            f"initial must be a finite array of shape ({J},) (one rate per interval), "
            f"got shape {eta0.shape}"
        )
    return prob, np.clip(eta0, 0.0, prob.upper)


def _initial_guess(prob, eta0, multilevel, opts, kkt_of, n_eval):
    """Start of the fine solve: the caller's, or tuned families (+ a coarse solve if multilevel).

    Returns ``(eta, coarse_iterations, levels)``.
    """
    if eta0 is not None:
        return eta0, 0, []
    if not multilevel or prob.h.size < 2 * MULTILEVEL_FACTOR:
        return _family_guess(prob), 0, []
    # Multilevel continuation: the tuned start and a first solve on every MULTILEVEL_FACTOR-th
    # interval (8x cheaper evaluations, 8x fewer variables); the coarse schedule, exactly
    # representable on the fine grid, starts the fine solve.
    coarse = _coarsen(prob, MULTILEVEL_FACTOR)
    coarse_tol = max(opts.tol, opts.newton_from if opts.newton else 0.0, MULTILEVEL_COARSE_TOL)
    eta_c, it_c, _ = _lbfgs(
        coarse, _family_guess(coarse), kkt_of, coarse_tol,
        min(MULTILEVEL_MAXITER, opts.maxiter), replace(opts, restarts=0), n_eval,
    )  # fmt: skip
    _, G_c = _log_loss(coarse, eta_c, n_eval)
    level = {"intervals": coarse.h.size, "iterations": it_c, "kkt": kkt_of(coarse, eta_c, G_c)}
    eta = eta_c[np.arange(prob.h.size) // MULTILEVEL_FACTOR]  # the coarse cell of each fine one
    return eta, it_c, [level]


def _status(ok: bool, kkt: float, stop: _Stop, opts: ContinuumOptions) -> tuple[int, str]:
    """Status code and message (``STATUS_MESSAGES``) of a finished solve."""
    if not ok:
        return 3, STATUS_MESSAGES[3]
    status = 0 if kkt <= opts.tol else (stop.status if stop.status in (1, 2) else 4)
    return status, (
        f"{STATUS_MESSAGES[status]}: {opts.criterion} KKT residual {kkt:.1e}, "
        f"tol = {opts.tol:g} ({stop.message})"
    )


def _errors(prob, eta, LT, opts) -> tuple[float, float]:
    """Relative change of ``L(T)`` when the quadrature, and the substeps, are doubled."""
    fine = replace(prob, quad=mode_quadrature(
        prob.model, exact_modes=2 * opts.exact_modes, bins_per_decade=2 * opts.bins_per_decade,
        points_per_bin=2 * opts.points_per_bin,
    ))  # fmt: skip
    qerr = abs(fine.loss_curve(eta)[0][-1] / LT - 1.0)
    terr = abs(replace(prob, substeps=2 * prob.substeps).loss_curve(eta)[0][-1] / LT - 1.0)
    return float(qerr), float(terr)


def _make_result(prob, eta, run: dict, opts, clocks) -> ContinuumResult:
    """Evaluate the final schedule and assemble the result (status, diagnostics, warnings)."""
    model = prob.model
    LT, g, Ln, ok = prob.value_grad(eta)
    G = g / LT if ok else g
    kkt_s = _kkt_scaled(prob, eta, G) if ok else math.inf
    kkt_m = _kkt_metric(prob, eta, G) if ok else math.inf
    kkt = kkt_s if opts.criterion == "scaled" else kkt_m
    status, message = _status(ok, kkt, run.pop("stop"), opts)
    qerr, terr = _errors(prob, eta, LT, opts) if (opts.diagnostics and ok) else (math.nan,) * 2
    front = (2.0 * float(eta @ prob.h)) ** (1.0 / model.b)
    notes = []
    if front * FRONT_WARN_FACTOR > model.n_modes:
        notes.append(
            f"the learned front k* = {front:.3g} is within a factor {FRONT_WARN_FACTOR:g} of "
            f"n_modes = {model.n_modes}: mode truncation biases the loss at this horizon; "
            "raise n_modes"
        )
        warnings.warn(notes[-1], FrontWarning, stacklevel=3)
    diagnostics = {
        **run, "kkt_scaled": kkt_s, "kkt_metric": kkt_m, "criterion": opts.criterion,
        "eta_upper": prob.upper, "dynamics": opts.dynamics, "substeps": prob.substeps,
        "n_quadrature": prob.quad.size, "n_exact": prob.quad.n_exact, "n_bins": prob.quad.n_bins,
        "quadrature_error": qerr, "time_error": terr, "front": front,
        "tail_loss": model.tail_loss, "warnings": notes, "remaining": prob.remaining,
        "cpu_seconds": time.process_time() - clocks[1],
        "work": (run["evaluations"] - (1.0 - COLUMN_WORK) * run["hessian_columns"])
        * prob.h.size * prob.quad.size * prob.substeps,
    }  # fmt: skip
    T = int(prob.T) if float(prob.T).is_integer() else prob.T
    return ContinuumResult(
        method="continuum", model=model, T=T, t=prob.t, eta=eta, loss=Ln, final_loss=float(LT),
        success=status == 0, status=status, message=message,
        iterations=run["lbfgs_iterations"] + run["newton_iterations"],
        n_evaluations=run["evaluations"], kkt_residual=kkt, seconds=time.perf_counter() - clocks[0],
        parameters={**asdict(opts), "intervals": int(prob.h.size)}, diagnostics=diagnostics,
    )  # fmt: skip


def solve_continuum(
    model: PLRFModel,
    T: float,
    *,
    grid=None,
    initial=None,
    options: ContinuumOptions | None = None,
    **kwargs,
) -> ContinuumResult:
    r"""Optimal piecewise-constant schedule of the continuum problem at horizon ``T``.

    Minimises ``log L(T)`` over ``eta_j in [0, eta_upper]`` with the exact adjoint gradient of
    the discretised dynamics: L-BFGS-B from a tuned (or continued) start, then a trust-region
    Newton method to a relative KKT residual of ``tol`` (default ``1e-6``). Cost per gradient:
    ``O(J * substeps * n)`` with ``J ~ log T`` intervals and ``n ~ log n_modes`` mode nodes; a
    Newton Hessian costs one gradient and ``J`` columns of ``COLUMN_WORK`` ~ 0.15 gradient each.

    Parameters
    ----------
    model : PLRFModel
        ``eta_max``, ``batch``, ``sigma`` and ``n_modes`` come from here.
    T : float
        Horizon (number of SGD steps), ``>= 1``.
    grid : array_like, optional
        Own grid ``0 = t_0 < ... < t_J = T`` (e.g. ``K`` equal blocks).
    initial : None, array_like of shape (J,), ContinuumResult or sequence of them
        Starting schedule: ``None`` tunes two named families; earlier results are mapped in
        ``logit(t/T)`` and extrapolated in ``log T`` (see :func:`continuum_sweep`).
    options : ContinuumOptions, optional
        All other options; each field may also be given as a keyword argument (which wins).
    **kwargs
        Fields of :class:`ContinuumOptions`; anything else raises ``TypeError``.

    Returns
    -------
    ContinuumResult
        ``success`` is true exactly when the KKT residual is at most ``tol`` (status 0);
        otherwise ``status`` (``STATUS_MESSAGES``) says why: 1 iteration limit, 2 line
        search, 3 unstable, 4 stalled, with the residual in ``message``.

    Warns
    -----
    FrontWarning
        If the learned front reaches within a factor 10 of ``n_modes``.

    Examples
    --------
    >>> r = solve_continuum(PLRFModel(a=3, b=2, sigma=0.5, n_modes=1000), 1000)
    >>> bool(r.success and r.kkt_residual <= 1e-6), r.status
    (True, 0)
    """
    clocks = (time.perf_counter(), time.process_time())
    opts = _options(options, kwargs)
    prob, eta0 = _validate(model, T, grid, initial, opts)
    kkt_of = _kkt_scaled if opts.criterion == "scaled" else _kkt_metric
    multilevel = (initial is None and grid is None) if opts.multilevel is None else opts.multilevel
    n_eval = [0, 0]  # gradient passes, Hessian columns
    eta, nit_c, levels = _initial_guess(prob, eta0, multilevel, opts, kkt_of, n_eval)
    eta, nit, steps, hessians, stop, remaining = _optimise(
        prob, eta, opts, kkt_of, max(opts.maxiter - nit_c, 1), n_eval
    )
    _, G = _log_loss(prob, eta, n_eval)
    kkt = kkt_of(prob, eta, G) if G is not None else math.inf
    levels.append({"intervals": int(prob.h.size), "iterations": nit + steps, "kkt": kkt})
    run = {
        "lbfgs_iterations": nit_c + nit, "newton_iterations": steps, "hessians": hessians,
        "evaluations": n_eval[0] + n_eval[1], "hessian_columns": n_eval[1], "levels": levels, "stop": stop, "newton_step": remaining,
    }  # fmt: skip
    return _make_result(prob, eta, run, opts, clocks)


def continuum_sweep(
    model: PLRFModel, Ts: Sequence[float], *, continuation: bool = True, **options
) -> list[ContinuumResult]:
    """Solve at each horizon of ``Ts`` (ascending), warm-starting each from the previous ones.

    The last two solutions are extrapolated in ``log T`` at fixed ``logit(t/T)`` (see
    :func:`solve_continuum`'s ``initial``); ``continuation=False`` cold-starts every horizon.
    Returns one :class:`ContinuumResult` per horizon, in the order of ``Ts``.
    """
    if "initial" in options:
        raise TypeError(
            "continuum_sweep() sets 'initial' itself; pass continuation=False to cold-start"
        )
    Ts = [check_real("Ts[i]", T, ge=1) for T in Ts]
    if not Ts:
        raise ValueError("Ts must hold at least one horizon")
    order = np.argsort(Ts, kind="stable")
    done: list[ContinuumResult] = []
    out: list[ContinuumResult | None] = [None] * len(Ts)
    for i in order:
        init = done[-2:] if (continuation and done) else None
        r = solve_continuum(model, Ts[i], initial=init, **options)
        done.append(r)
        out[i] = r
    return out  # type: ignore[return-value]
