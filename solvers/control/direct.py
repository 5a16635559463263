r"""Direct optimal control of the exact discrete recursion (first-discretise-then-optimise).

Minimise the final excess loss :math:`L(T)` of the exact SGD recursion over a learning-rate
schedule :math:`0 \le \eta_t \le \eta_{\max}` — one rate per step, piecewise constant on blocks,
or any :class:`Parametrisation` — and optionally over a batch-size schedule under a sample
budget :math:`\sum_t m_t = D`. The objective is :math:`\log L(T)` (scale-free, and finite even
for unstable schedules, see :mod:`solvers.control._adjoint`); its exact gradient comes from the discrete
adjoint; the optimiser is a bounded limited-memory quasi-Newton method with each rate scaled by
its own size: optlr's two-metric projected L-BFGS for up to ``PROJECTED_MAX_VARIABLES`` (512)
variables, SciPy's L-BFGS-B above (``DirectOptions.optimiser`` chooses either), in the one
bounded driver :func:`~solvers.control._lbfgsb.minimize_box`.

Per-step schedules are found by multilevel continuation (:func:`multilevel_blocks`): the optimiser
on 32 equal blocks, then 8 times finer per level, each warm-started from the previous level's
schedule, and finally at full resolution, where only the short-scale detail is left to fit.
Convergence is judged by a projected-gradient (KKT) residual in the same rate-relative scaling
(``criterion="scaled"``), which for smooth gradients does not grow with ``T``; the original
unit-box measure is still computed and reported (``criterion="box"`` selects it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..dynamics._brent import brent_bounded
from ..dynamics.recursion import stability_limit
from ._direct_optimise import choose_optimiser, optimise
from ._objective import (
    KKT_DEFINITIONS,
    STORE_ALL_BYTES,
    _Problem,
    _Workspace,
    load_kernels,
    loss_and_gradient,
)
from ._optimisers import DIRECT_OPTIMISERS
from ._parametrisation import BatchBudget, BlockRate, Parametrisation, StepRate, _Smoothed
from .result import STATUS_MESSAGES, ScheduleResult, oscillation_amplitude

__all__ = [
    "KKT_DEFINITIONS",
    "BatchBudget",
    "BlockRate",
    "DirectOptions",
    "Parametrisation",
    "StepRate",
    "loss_and_gradient",
    "multilevel_blocks",
    "oscillation_amplitude",
    "solve_direct",
]

#: Fraction of the stability limit used by the hard-phase initial guess (stay clearly stable).
HARD_START_FRACTION = 0.9
#: Fraction of the horizon over which the hard-phase initial guess anneals.
HARD_DECAY_FRACTION = 0.1
#: Relative accuracy of the best-constant-rate search that scales the initial guesses.
CONSTANT_SEARCH_XTOL = 1e-3
#: A step difference below this fraction of eta_max is not counted as an oscillation.
OSCILLATION_FLOOR = 1e-3
#: Blocks of the coarsest multilevel level (the overall shape of the schedule).
MULTILEVEL_FIRST = 32
#: Refinement factor between multilevel levels (and the minimum steps per block at the finest).
MULTILEVEL_FACTOR = 8
#: KKT tolerance on the coarse levels: they only provide a start, whose error at the next
#: level is dominated by the block discretisation anyway.
MULTILEVEL_COARSE_TOL = 1e-3
#: A block-rate problem gets coarse levels with up to 1/3 of its blocks: measured on the CasADi
#: comparison (K = 100, T = 1000), 86-96 instead of 212 evaluations from 20-50 coarse blocks.
MULTILEVEL_BLOCK_RATIO = 3
#: Initial guesses from which a block-rate problem skips the coarse levels by default. Measured
#: on K = 100 blocks, T = 300..3000, n_modes = 500 (benchmarks/results/speed.md): from the
#: annealed start (hard phase, rates at the stability cap) the coarse level cost evaluations,
#: 60 -> 46 at the study's problem, 42 -> 34 and 58 -> 36 at (a, b) = (1.5, 2.5), to the same
#: optimum within 2e-8; from the decay start (easy phase) it saved 4-9 of 27-40.
BLOCK_SINGLE_LEVEL_STARTS = ("anneal",)
#: Iteration cap per coarse level (they converge in tens of iterations; this bounds a bad case).
MULTILEVEL_MAXITER = 200


# -- the solver --------------------------------------------------------------------------------


def _best_constant(ws: _Workspace, T: int, hi: float, inv_m: np.ndarray) -> float:
    def f(e):
        with np.errstate(over="ignore", invalid="ignore"):
            return ws.forward(np.full(T, e), inv_m)

    return float(brent_bounded(f, 0.0, hi, xatol=CONSTANT_SEARCH_XTOL * hi)[0])


def _initial_guesses(model: PLRFModel, T: int, ws: _Workspace, inv_m: np.ndarray) -> dict:
    """Named candidate schedules, all scaled to the best constant rate or the stability limit."""
    b0 = math.inf if inv_m[0] == 0 else 1.0 / float(np.mean(inv_m))
    stab = stability_limit(model, b0)
    cap = min(model.eta_max, HARD_START_FRACTION * stab)
    e_c = _best_constant(ws, T, min(model.eta_max, stab), inv_m)
    s = (np.arange(T) + 0.5) / T
    guesses = {
        "constant": np.full(T, e_c),
        # easy phase: a linear decay with the intrinsic time of the best constant rate
        "decay": np.minimum(2 * e_c * (1 - s), cap),
        # hard phase: ride the stability limit, then anneal over the last steps
        "anneal": cap * np.clip((1 - s) / HARD_DECAY_FRACTION, 0.0, 1.0),
    }
    return guesses


def _status_message(status: int, kkt: float, tol: float, extra: str) -> str:
    """``STATUS_MESSAGES[status]`` with the residual and what stopped the optimiser."""
    return f"{STATUS_MESSAGES[status]} (relative KKT residual {kkt:.3g}, tol {tol:g}; {extra})"


def multilevel_blocks(n: int, ratio: int = MULTILEVEL_FACTOR) -> list[int]:
    """Block counts of the coarse levels solved before a problem with ``n`` rate parameters.

    ``MULTILEVEL_FIRST``, then ``MULTILEVEL_FACTOR`` times more per level, while a level has at
    most ``n / ratio`` blocks (empty for small ``n``). Per-step rates use ``ratio =
    MULTILEVEL_FACTOR``; block rates :data:`MULTILEVEL_BLOCK_RATIO`.

    Examples
    --------
    >>> multilevel_blocks(100), multilevel_blocks(10_000), multilevel_blocks(100_000)
    ([], [32, 256], [32, 256, 2048])
    >>> multilevel_blocks(100, MULTILEVEL_BLOCK_RATIO)
    [32]
    """
    levels, K = [], MULTILEVEL_FIRST
    while K * ratio <= n:
        levels.append(K)
        K *= MULTILEVEL_FACTOR
    return levels


@dataclass(frozen=True)
class DirectOptions:
    r"""Options of :func:`solve_direct`, checked once.

    Attributes
    ----------
    blocks : int, optional
        Piecewise-constant rate on this many blocks (default: one rate per step).
    parametrisation : Parametrisation, optional
        Any parametrisation instead of ``blocks`` (must have ``T`` steps).
    budget : float, optional
        Sample budget :math:`D = \sum_t m_t`: optimise the batch sizes too (:class:`BatchBudget`),
        with ``m_min <= m_t`` exactly and ``m_t <= m_max`` by penalty.
    m_min, m_max : float, default 1 and inf
        Batch-size bounds under a ``budget`` (ignored without one).
    smoothness : float, default 0
        Weight :math:`\mu` of the penalty :math:`\mu\sum_t(\eta_{t+1}-\eta_t)^2/\eta_{\max}^2`
        added to :math:`\log L(T)`; 0 keeps the exact discrete optimum (period-2 patterns and all).
    compare_smooth : float, optional
        Also solve with this smoothness and report, in ``diagnostics``, the relative loss gap
        ``smooth_gap = L_smooth/L_free - 1`` and the smoothed schedule's oscillation.
    initial : array_like, shape (T,), or str, optional
        Initial rate schedule, or one of ``"constant"``, ``"decay"``, ``"anneal"``. By default
        all three (scaled to the best constant rate / the stability limit) are evaluated and the
        ``starts`` best are optimised.
    starts : int, default 1
        Number of initial guesses optimised; the best result is returned.
    restarts : int, default 10
        Fresh optimiser restarts from the current point when the optimiser stops early; each
        restart refreshes the diagonal scaling of the variables.
    tol : float, default 1e-4
        Converged when the KKT residual chosen by ``criterion`` is at most ``tol``.
    criterion : {"scaled", "box"}, default "scaled"
        ``"scaled"``: the projected-gradient residual in coordinates where each rate is
        measured in units of itself,

        .. math::

            r = \sum_i \bigl|\mathrm{clip}(\theta_i - s_i^2\,\partial_i f,\ lo_i, hi_i)
                - \theta_i\bigr| / s_i,\qquad
            s_i = \mathrm{clip}(\theta_i - lo_i,\ 10^{-3}(hi_i - lo_i),\ hi_i - lo_i),

        with :math:`f = \log L(T)` (+ penalties): to first order, the relative decrease of
        :math:`L(T)` still available by changing every rate by at most its own size (a rate at
        the bound by at most ``1e-3 eta_max``). For a smooth gradient density it tends to
        :math:`\int_0^1 |\eta\,\partial_\eta f|\,ds` as ``T`` grows (independent of the
        resolution). ``"box"``: the original measure, the same with :math:`s_i = hi_i - lo_i`
        (changes of up to ``eta_max`` in every rate); at rates far below ``eta_max`` it is
        larger by about ``eta_max / eta`` and much stricter. Both are reported in
        ``diagnostics`` (``kkt_scaled``, ``kkt_box``).
    multilevel : bool, optional
        Multilevel continuation (per-step or block rates without a batch budget): optimise the
        rate on :func:`multilevel_blocks` equal blocks, coarse to fine,
        each level warm-started from the previous one, then at full resolution. Default: on
        unless ``initial`` is an array (whose fine structure block averages would destroy),
        and off for block rates started from the annealed guess (hard phase), where the
        coarse level was measured to cost evaluations (``BLOCK_SINGLE_LEVEL_STARTS``).
        The levels are logged in ``diagnostics["levels"]``. If the result alternates (period-2
        steps above ``1e-3 eta_max``), a single-level solve from the same initial guess is run
        too and the lower loss kept (``diagnostics["single_level"]``): the two can end in
        different local optima of such non-convex problems.
    maxiter : int, default 5000
        Optimiser iterations (over all levels and restarts).
    memory : int
        Bytes allowed for storing states before switching to sqrt(T) checkpointing.
    optimiser : {"auto", "projected", "lbfgsb"}, default "auto"
        What runs inside the restarts at each level: ``"projected"``, optlr's two-metric
        projected L-BFGS (:mod:`solvers.control._projected_lbfgs`); ``"lbfgsb"``, SciPy's
        L-BFGS-B; ``"auto"``, the first on levels of at most ``PROJECTED_MAX_VARIABLES`` (512,
        :mod:`solvers.control._direct_optimise`) variables and L-BFGS-B above, chosen by the
        size of each level (logged in ``diagnostics["levels"]``). Both stop on the same KKT test.
    """

    blocks: int | None = None
    parametrisation: Parametrisation | None = None
    budget: float | None = None
    m_min: float = 1.0
    m_max: float = math.inf
    smoothness: float = 0.0
    compare_smooth: float | None = None
    initial: Any = None
    starts: int = 1
    restarts: int = 10
    tol: float = 1e-4
    criterion: str = "scaled"
    multilevel: bool | None = None
    maxiter: int = 5000
    memory: int = STORE_ALL_BYTES
    optimiser: str = "auto"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name, ge in (("starts", 1), ("restarts", 0), ("maxiter", 1), ("memory", 0)):
            set_(self, name, check_int(name, getattr(self, name), ge=ge))
        set_(self, "tol", check_real("tol", self.tol, gt=0))
        set_(self, "smoothness", check_real("smoothness", self.smoothness, ge=0))
        if self.compare_smooth is not None:
            set_(self, "compare_smooth", check_real("compare_smooth", self.compare_smooth, gt=0))
        if self.criterion not in KKT_DEFINITIONS:
            raise ValueError(
                f"criterion must be one of {sorted(KKT_DEFINITIONS)}, got {self.criterion!r}"
            )
        if self.optimiser not in DIRECT_OPTIMISERS:
            raise ValueError(
                f"optimiser must be one of {list(DIRECT_OPTIMISERS)}, got {self.optimiser!r}"
            )
        if self.multilevel is not None and not isinstance(self.multilevel, bool):
            raise TypeError(f"multilevel must be a bool or None, got {self.multilevel!r}")
        if self.parametrisation is not None:
            if self.blocks is not None:
                raise ValueError("give either blocks or parametrisation, not both")
            if not isinstance(self.parametrisation, Parametrisation):
                raise TypeError(
                    "parametrisation must be a Parametrisation, "
                    f"got {type(self.parametrisation).__name__}"
                )


@dataclass
class _Run:
    """What one solve shares between its stages: the problem, counters and the level log."""

    model: PLRFModel
    T: int
    opts: DirectOptions
    base: Parametrisation
    par: Parametrisation
    ws: _Workspace
    prob: _Problem
    fixed_inv_m: np.ndarray
    counter: dict
    progress: Any
    iterations: int = 0
    level_log: list = field(default_factory=list)


def _setup(model: PLRFModel, T: int, opts: DirectOptions, progress) -> _Run:
    """The parametrisation, the work arrays and the objective of the solve."""
    if opts.parametrisation is None:
        rate = (
            StepRate(T, model.eta_max)
            if opts.blocks is None
            else BlockRate(T, opts.blocks, model.eta_max)
        )
    elif opts.parametrisation.T != T:
        raise ValueError(f"parametrisation has T = {opts.parametrisation.T}, expected T = {T}")
    else:
        rate = opts.parametrisation
    base = rate
    if opts.smoothness > 0:
        rate = _Smoothed(rate, opts.smoothness, model.eta_max)
    par = (
        rate
        if opts.budget is None
        else BatchBudget(rate, opts.budget, m_min=opts.m_min, m_max=opts.m_max)
    )
    ws = _Workspace.create(model, T, opts.memory)
    fixed_inv_m = np.full(T, model.inv_batch)
    counter = {"nfev": 0}
    prob = _Problem(par, ws, fixed_inv_m, counter, opts.criterion)
    return _Run(model, T, opts, base, par, ws, prob, fixed_inv_m, counter, progress)


def _scored_starts(run: _Run) -> list[tuple[float, str, np.ndarray, np.ndarray]]:
    """The initial guesses ``(objective, name, theta, eta)``, best first."""
    model, T, opts = run.model, run.T, run.opts
    initial = opts.initial
    if initial is None or isinstance(initial, str):
        fixed = run.fixed_inv_m if opts.budget is None else np.full(T, T / opts.budget)
        guesses = _initial_guesses(model, T, run.ws, fixed)
        if isinstance(initial, str):
            if initial not in guesses:
                raise ValueError(
                    f"initial must be one of {sorted(guesses)} or an array, got {initial!r}"
                )
            guesses = {initial: guesses[initial]}
    else:
        from ..dynamics.recursion import as_schedule

        guesses = {"user": np.clip(as_schedule(initial, T, name="initial"), 0.0, model.eta_max)}
    scored = []
    for name, eta0 in guesses.items():
        theta0 = np.clip(run.par.from_eta(eta0), run.prob.lo, run.prob.hi)
        scored.append((run.prob.fg(theta0)[0], name, theta0, eta0))
    return sorted(scored, key=lambda s: s[0])


def _levels(run: _Run, start: str) -> list[int]:
    """Block counts of the multilevel continuation from the initial guess ``start`` (empty: a
    single level)."""
    opts = run.opts
    multilevel = opts.multilevel
    if multilevel is None:
        multilevel = opts.initial is None or isinstance(opts.initial, str)
    if not multilevel or opts.budget is not None:
        return []
    if type(run.base) is StepRate:
        return multilevel_blocks(run.T)
    if type(run.base) is BlockRate:
        if opts.multilevel is None and start in BLOCK_SINGLE_LEVEL_STARTS:
            return []
        return multilevel_blocks(run.base.n_params, MULTILEVEL_BLOCK_RATIO)
    return []


def _log_level(run: _Run, blocks: int, it: int, n0: int, f: float, kkt: float) -> None:
    run.level_log.append(
        {
            "blocks": blocks,
            "iterations": it,
            "evaluations": run.counter["nfev"] - n0,
            "log_loss": f,
            "kkt": kkt,
            "optimiser": choose_optimiser(run.opts.optimiser, blocks),
        }
    )


def _coarse_levels(run: _Run, eta_start: np.ndarray, levels: list[int]) -> np.ndarray:
    """Optimise on equal blocks, coarse to fine; the schedule to start the fine level from.

    Equal blocks: graded ones (geometric toward t = 0 and T) were measured worse, 126 vs 29
    iterations on 32 blocks at T = 1e4, as block lengths from 1 to T/2 make the block gradient
    badly scaled.
    """
    model, opts = run.model, run.opts
    for K in levels:
        coarse = BlockRate(run.T, K, model.eta_max)
        if opts.smoothness > 0:
            coarse = _Smoothed(coarse, opts.smoothness, model.eta_max)
        cprob = _Problem(coarse, run.ws, run.fixed_inv_m, run.counter, opts.criterion)
        th = np.clip(coarse.from_eta(eta_start), cprob.lo, cprob.hi)
        n0 = run.counter["nfev"]
        f_c, th, _st, _ex, k_c, it = optimise(
            cprob,
            th,
            max(opts.tol, MULTILEVEL_COARSE_TOL),
            min(MULTILEVEL_MAXITER, opts.maxiter - run.iterations),
            0,
            run.progress,
            run.iterations,
            opts.optimiser,
        )
        run.iterations += it
        _log_level(run, coarse.n_params, it, n0, f_c, k_c)
        eta_start = coarse.controls(th)["eta"]
    return eta_start


def _fine(run: _Run, theta: np.ndarray, logged: bool) -> tuple:
    """The optimiser at full resolution from ``theta``: ``(f, theta, status, extra, kkt)``."""
    opts = run.opts
    n0 = run.counter["nfev"]
    f_x, theta, status, extra, res_kkt, it = optimise(
        run.prob,
        theta,
        opts.tol,
        max(opts.maxiter - run.iterations, 1),
        opts.restarts,
        run.progress,
        run.iterations,
        opts.optimiser,
    )
    run.iterations += it
    if logged:
        _log_level(run, run.par.n_params, it, n0, f_x, res_kkt)
    return f_x, theta, status, extra, res_kkt, it


def _optimise_starts(run: _Run, scored: list) -> tuple:
    """Multilevel continuation from the ``starts`` best guesses; the best candidate
    ``(f, theta, status, extra, kkt, start_name)``."""
    best = None
    for _, name, theta0, eta0 in scored[: run.opts.starts]:
        theta, levels = theta0, _levels(run, name)
        if levels:
            eta_fine = _coarse_levels(run, eta0, levels)
            theta = np.clip(run.par.from_eta(eta_fine), run.prob.lo, run.prob.hi)
        f_x, theta, status, extra, res_kkt, _it = _fine(run, theta, logged=bool(levels))
        if best is None or f_x < best[0]:
            best = (f_x, theta, status, extra, res_kkt, name)
    return best


def _single_level_check(run: _Run, scored: list, best: tuple) -> tuple[tuple, dict | None]:
    """Period-2 optima are not smooth: block averages can steer the continuation into a
    different local optimum (measured both ways: 0.36% worse at T = 600, eta_max = 4; 0.03%
    better on the CasADi problem). When the multilevel result alternates, also solve at full
    resolution from the best initial guess and keep the lower loss."""
    eta_ml = run.par.controls(best[1])["eta"]
    if oscillation_amplitude(eta_ml, OSCILLATION_FLOOR * run.model.eta_max)[1] == 0:
        return best, None
    start = {s[1]: s[2] for s in scored}[best[5]]
    f_s, th_s, st_s, ex_s, k_s, it = _fine(run, start, logged=False)
    info = {"log_loss": f_s, "iterations": it, "kept": f_s < best[0]}
    if f_s < best[0]:
        best = (f_s, th_s, st_s, ex_s, k_s, best[5])
    return best, info


def _result(run: _Run, best: tuple, single_level: dict | None) -> ScheduleResult:
    """The :class:`ScheduleResult` of the best candidate (final forward pass, diagnostics)."""
    model, T, opts, par, prob = run.model, run.T, run.opts, run.par, run.prob
    _f, theta, status, extra, res_kkt, start_name = best
    prob.fg(theta)
    kkt_box, kkt_scaled = prob.kkt_box(*prob.last), prob.kkt_scaled(*prob.last)
    ctrl = par.controls(theta)
    eta = np.asarray(ctrl["eta"], dtype=float)
    inv_m = np.asarray(ctrl.get("inv_batch", run.fixed_inv_m), dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        run.ws.forward(eta, inv_m)
        loss = run.ws.loss_curve()
    if not np.all(np.isfinite(loss)) or loss[-1] > loss[0] * 1e50:
        status = 3
    amp, n_osc = oscillation_amplitude(eta, OSCILLATION_FLOOR * model.eta_max)
    diagnostics = {
        "oscillation": amp,
        "oscillating_steps": n_osc,
        "initial": start_name,
        "stride": run.ws.stride,
        "work_bytes": run.ws.nbytes,
        "kkt_box": kkt_box,
        "kkt_scaled": kkt_scaled,
        "levels": run.level_log,
        "single_level": single_level,
        "optimiser": choose_optimiser(opts.optimiser, par.n_params),
    }
    batch = None if opts.budget is None else par.batch(theta)
    if batch is not None:
        diagnostics["budget_error"] = float(batch.sum() - opts.budget)
        diagnostics["batch_bound_violation"] = float(max(0.0, (batch - opts.m_max).max()))
    with_budget = opts.budget is not None
    parameters = {
        "blocks": opts.blocks,
        "parametrisation": par.describe(),
        "budget": opts.budget,
        "m_min": opts.m_min if with_budget else None,
        "m_max": opts.m_max if with_budget else None,
        "smoothness": opts.smoothness,
        "tol": opts.tol,
        "maxiter": opts.maxiter,
        "starts": opts.starts,
        "restarts": opts.restarts,
        "objective": "log L(T)",
        "criterion": opts.criterion,
        "multilevel": [lv["blocks"] for lv in run.level_log[:-1]],
        "kkt_definition": KKT_DEFINITIONS[opts.criterion],
        "optimiser": opts.optimiser,
    }
    return ScheduleResult(
        method="direct", model=model, T=T, t=np.arange(T + 1), eta=eta, loss=loss,
        final_loss=float(loss[-1]), success=status == 0, status=status,
        message=_status_message(status, res_kkt, opts.tol, extra), iterations=run.iterations,
        n_evaluations=run.counter["nfev"], kkt_residual=res_kkt, seconds=0.0, batch=batch,
        parameters=parameters, diagnostics=diagnostics,
    )  # fmt: skip


def _compare_smooth(result: ScheduleResult, opts: DirectOptions) -> None:
    """Solve again with the smoothness penalty ``opts.compare_smooth`` from the result's
    schedule; record the loss gap and oscillation in ``result.diagnostics``."""
    mu = opts.compare_smooth
    sm = solve_direct(
        result.model,
        result.T,
        options=replace(opts, smoothness=mu, compare_smooth=None, initial=result.eta,
                        multilevel=False, starts=1),
    )  # fmt: skip
    d = result.diagnostics
    d["smooth_weight"] = mu
    d["smooth_final_loss"] = sm.final_loss
    d["smooth_gap"] = sm.final_loss / result.final_loss - 1.0
    d["smooth_oscillation"] = sm.diagnostics["oscillation"]


def solve_direct(
    model: PLRFModel,
    T: int,
    *,
    progress=None,
    options: DirectOptions | None = None,
    **kwargs,
) -> ScheduleResult:
    r"""Minimise :math:`L(T)` of the exact discrete recursion over the learning-rate schedule.

    Parameters
    ----------
    model : PLRFModel
        The model; ``model.eta_max`` bounds the rate and ``model.batch`` is the batch size
        unless a ``budget`` makes it a control.
    T : int
        Horizon (number of steps).
    progress : callable, optional
        Called as ``progress(iteration, log_loss)`` after every iteration.
    options : DirectOptions, optional
        All other options as one record (:class:`DirectOptions`, where each is documented).
    **kwargs
        Or the fields of :class:`DirectOptions` as keyword arguments (not both); anything else
        raises ``TypeError``.

    Returns
    -------
    ScheduleResult
        ``diagnostics`` holds ``oscillation`` (period-2 amplitude), ``oscillating_steps``,
        ``initial`` (the starting guess used), ``stride`` (checkpoint interval),
        ``work_bytes``, ``kkt_scaled`` and ``kkt_box`` (both measures at the result),
        ``levels`` (per multilevel level: blocks, iterations, evaluations, log loss, KKT) and
        ``kernel_load_seconds`` (the one-time kernel load before the solve's clock starts:
        :func:`~solvers.control._objective.load_kernels`).
    """
    if options is not None and kwargs:
        raise TypeError("give options or keyword arguments, not both")
    if options is None:
        try:
            options = DirectOptions(**kwargs)
        except TypeError:
            reject_unknown(
                "solve_direct",
                {k: v for k, v in kwargs.items() if k not in DirectOptions.__dataclass_fields__},
            )
            raise
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    T = check_int("T", T, ge=1)
    load = load_kernels()  # one-time: not the solve's time (``kernel_load_seconds``)
    t_start = time.perf_counter()
    run = _setup(model, T, options, progress)
    scored = _scored_starts(run)
    best = _optimise_starts(run, scored)
    multilevel = bool(_levels(run, best[5]))
    best, single_level = _single_level_check(run, scored, best) if multilevel else (best, None)
    result = _result(run, best, single_level)
    if options.compare_smooth is not None:
        _compare_smooth(result, options)
    seconds = time.perf_counter() - t_start
    return replace(result, seconds=seconds,
                   diagnostics={**result.diagnostics, "kernel_load_seconds": load})  # fmt: skip
