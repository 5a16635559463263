"""Validation runs: claims over a horizon sweep, baselines against the optimum, (a, b) diagrams.

Thin orchestration on top of :mod:`solvers.claims.catalog`, :mod:`solvers.schedules.tuning` and
:mod:`solvers.analysis.sweep`; compute returns data, plotting lives in :mod:`solvers.plots`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real

from ..analysis.fits import PowerLawFit, fit_power_law, local_slopes
from ..analysis.sweep import SweepResult, horizons, run_sweep
from ..schedules.tuning import BASELINES, BaselineResult
from ._hard_sweep import HARD_SWEEP_TOL, hard_sweep_options, window_width_exponent
from ._horizon import summed_horizon
from .baselines import noise_regime
from .catalog import CLAIMS, baseline_sweep, default_claims, optimal_sweep
from .core import (
    CORRECTION_TARGET,
    Claim,
    ClaimRegistry,
    ClaimResult,
    ExperimentContext,
    claim_omegas,
    derived_horizon,
    evaluate_claim,
)
from .power_law import cap_binds
from .window_layer import sweep_omegas

__all__ = [
    "DEFAULT_BASELINE_BUDGET",
    "DEFAULT_CPU_BUDGET",
    "HARD_SWEEP_TOL",
    "BaselineComparison",
    "PhaseDiagram",
    "compare_baselines",
    "continuum_context",
    "default_horizons",
    "find_solver",
    "horizons",
    "phase_diagram",
    "tuned_baselines",
    "validate",
    "window_width_exponent",
]

#: Relative slack when checking that the optimum beats a baseline (solver tolerance).
BEATS_RTOL = 1e-6


#: Shortest default horizon and the density of the default horizon grids (half-decades: the
#: two-point local slopes span a factor sqrt(10)).
DEFAULT_T_MIN = 100
POINTS_PER_DECADE = 2
#: Longest default horizon of the claims measured on tuned baselines without a derived
#: correction (the power law, the LR-transfer families: each horizon is a two-parameter tuning).
BASELINE_T_MAX = 1e6
#: Bounds of the longest default horizon, per kind of sweep: at least four decades beyond the
#: pre-asymptotic start; at most where the sweep stays within the default run's CPU budget
#: (a continued optimal sweep: ~100 s CPU to 1e11 in the easy phase, ~3-6 s per half-decade
#: beyond 1e5 in the hard phase at (1.5, 3) and (1.2, 4) since the Newton Hessians reuse the base
#: pass (it was 30-60 s); the tuned constant rate on the exact recursion: ~5-13 s CPU to
#: 1e8-1e11, so its floor is 1e8: at (4, 3.5) omega = 0.38 asks for only 3e4, where the interval
#: is still +-0.05; benchmarks/results/claims.md). The hard cap is 1e15: the window's slowest
#: correction (T^-7/60 at (1.5, 3)) asks for 3.7e14, so 1e15; where it asks for more, the cap
#: or the CPU budget sets the reach (1e9 was the cap while a half-decade cost 30-60 s; 1e13
#: until the solver was checked beyond it: the grid's offsets from the end are exact below
#: 2**53 ~ 9e15, the kernel's loss and gradient match a long-double re-evaluation at 1e15, and
#: refining the time grid, the substeps or the modes moves the window's readout by amounts that
#: do not grow from 1e13 to 1e15; claims.md, 2026-11-30q and 2026-12-01a). Past 2**53 the grid
#: keeps its offsets from the end (grid_offsets), checked to 1e17 the same ways; a cap of 1e17
#: would cost a hard point ~85-110 s CPU more sweep and ~250-330 s of the window's refined
#: re-solves (against ~65 s at 1e15), past the default run's budget (claims.md, 2026-12-01s17).
SCHEDULE_T_MAX = {"easy": (1e6, 1e11), "hard": (1e6, 1e15)}
#: CPU seconds the default run's optimal sweep may spend (``optlr validate`` without sweep
#: options): the issue's 5 minutes on 2 cores less what the rest of the run costs (the tuned
#: baselines, the constant-rate sweep, the batch, momentum and compute-optimal claims and the
#: start-up: 70-110 s CPU at (3, 2) and (1.5, 3), benchmarks/results/claims.md). With
#: ``jobs=2`` (the CLI's default on two cores) that rest runs in a second process beside the sweep
#: (:mod:`solvers.claims.beside`), and the two share the window's refined re-solves and
#: Nesterov's row, so the wall is about half the total CPU: (3, 3.5) 469 s CPU, 4:01 idle, the
#: sides within 1 s (claims.md, 2026-12-02s21 (speed21) and the lead's timing after it).
DEFAULT_CPU_BUDGET = 150.0
#: The tuned constant rate's sweep (its floor, its cap). With the derived feedback correction
#: subtracted (solvers/claims/constant_rate.py) the hard-phase slopes sit at the derived value
#: from ~1e4-1e7 on, so 1e11 resolves (1.5, 3): -0.1428 +- 0.0009 (it read -0.133 +- 0.069 and
#: needed 1e13 without it; benchmarks/results/claims.md, 2026-11-30d).
CONSTANT_T_MAX = (1e8, 1e11)
#: The hard phase's annealed LR transfers (WSD, linear decay: theory.annealed_peak), their
#: floor and cap: 1e12 both. The peak approaches the stability limit like T^-0.18 (WSD) and
#: T^-0.385 (linear) at (1.5, 3) (derived 0.1875, 0.4); the WSD's four derived corrections,
#: two of them near-collinear, extrapolate its slopes to the derived horizon (3.2e9) with a
#: spread of +-0.09 and to 1e12 with +-0.007; each horizon is a tuning of ~1 s CPU on the
#: continuum dynamics (benchmarks/results/claims.md, 2026-12-01s17).
ANNEALED_T_MAX = (1e12, 1e12)
#: The same where the linear decay's end outlasts its bias (2a > b + 2,
#: theory.linear_peak_noise_regime): the peak leaves the limit and falls like T^e, and its three
#: derived corrections (the front's share T^-0.2, the feedback on it T^-0.267 and the end's
#: T^-0.533 at (3, 3.5)) extrapolate the slopes to 1e12 with +-0.013 (inconclusive), to 1e13
#: with +-0.0063, to 1e14 with +-0.0020 (the crossover from the limit-pinned peak ends near 1e9
#: there; benchmarks/results/claims.md, 2026-12-01s18).
ANNEALED_NOISE_T_MAX = (1e14, 1e14)
#: The tuned power law's gain (``optimal power law``) where the rate cap binds at long horizons
#: (easy phase, b < a < 2b; elsewhere :data:`CONSTANT_T_MAX`), its floor and cap. The tuned eta0
#: climbs to the cap like T^(chi_c - p), slowly near a = 2b, and the gain's slopes follow neither
#: family's corrections until it is there (:func:`~solvers.claims.power_law.cap_crossover`): at
#: (2.8, 1.6) eta0 reaches the cap near 1e13; to 1e11 the gain read +0.0014 +- 0.0013
#: (disagrees), to 1e15 -0.00001 +- 0.0016 (agrees) (claims.md, 2026-12-01s18 (lead)).
POWER_LAW_T_MAX = (1e8, 1e15)
#: Reference CPU seconds the tuned-baseline sweeps of the default run may spend together, counted
#: in their work (solvers.schedules.tuning.SECONDS_PER_UNIT), not the clock: once spent, they
#: start no further horizon, so the same run reaches the same horizons at any load. It replaces
#: a deadline of 220 s of process CPU from the start of the run; at the hard corner (1.2, 4) the
#: baselines' 64 tunings (every horizon, none cut) cost 54 reference s (49.6 s measured CPU) of a
#: 203 s run, so this cap keeps their reach there and bounds them elsewhere
#: (benchmarks/results/claims.md, 2026-11-30l).
DEFAULT_BASELINE_BUDGET = 100.0


def default_horizons(model: PLRFModel, claim: Claim) -> list[int]:
    r"""Default horizons of ``claim`` at ``model``, chosen from the derived corrections.

    Half-decades from :data:`DEFAULT_T_MIN` to the horizon where the derived corrections fall to
    :data:`CORRECTION_TARGET`, clipped to the bounds of the kind of sweep. Claims measured on
    optimal schedules (``claim.needs_solver``: one continued sweep per phase and ``(a, b)``,
    :data:`SCHEDULE_T_MAX`, bounded by the run's CPU budget) take the longest horizon any such
    claim of the phase asks for, where its corrections *together* at unit amplitude fall to the
    target (:func:`~solvers.claims._horizon.summed_horizon`); other claims with a derived
    correction (the tuned constant rate, :data:`CONSTANT_T_MAX`) where their slowest does,

    .. math:: T_{\max} = \mathrm{target}^{-1/\omega_{\min}};

    the rest run to :data:`BASELINE_T_MAX`.
    """
    if claim.needs_solver and model.phase in SCHEDULE_T_MAX:
        # a layer the readout divides out still sets the sweep's length (sweep_omegas)
        lists = [w for c in CLAIMS if c.needs_solver and model.phase in c.phases
                 if (w := sweep_omegas(c, model, claim_omegas(c, model)))]  # fmt: skip
        lo, hi = SCHEDULE_T_MAX[model.phase]
        # each claim's corrections together (summed_horizon): at (2.5, 3.2) the window's two
        # slowest, T^-0.130 and T^-0.136, are one correction to a fit; the slowest alone asked
        # for 3.16e13, where the window read 0.871 +- 0.013 (claims.md, 2026-12-01c)
        T_max = max((summed_horizon(w) for w in lists), default=hi)
        return _half_decades(min(max(T_max, lo), hi))
    if claim.correction is not None and not claim.needs_solver:
        omegas, (lo, hi) = claim_omegas(claim, model), CONSTANT_T_MAX
        if claim.correction == "power_law_gain" and cap_binds(model):
            lo, hi = POWER_LAW_T_MAX
        if claim.correction.startswith("annealed_peak."):  # the LR transfers' annealed peaks
            if not omegas:  # no row: the easy phase (its reduced problem)
                return _half_decades(BASELINE_T_MAX)
            lo, hi = ANNEALED_NOISE_T_MAX if noise_regime(model) else ANNEALED_T_MAX
    else:
        return _half_decades(BASELINE_T_MAX)
    T_max = derived_horizon(omegas, CORRECTION_TARGET) if omegas else hi
    return _half_decades(min(max(T_max, lo), hi))


def _half_decades(T_max: float) -> list[int]:
    """Horizons from :data:`DEFAULT_T_MIN` every ``1/POINTS_PER_DECADE`` decade, up to the first
    grid point at or beyond ``T_max``."""
    n = math.ceil(POINTS_PER_DECADE * math.log10(T_max / DEFAULT_T_MIN) - 1e-9)
    return horizons(DEFAULT_T_MIN, DEFAULT_T_MIN * 10 ** (n / POINTS_PER_DECADE), n + 1)


def validate(
    model: PLRFModel,
    Ts: Sequence[int] | None = None,
    *,
    claims: Sequence[str] | None = None,
    registry: ClaimRegistry | None = None,
    ctx: ExperimentContext | None = None,
    jobs: int = 1,
    then: Callable[[ExperimentContext], Any] | None = None,
    progress: bool = False,
) -> list[ClaimResult]:
    """Evaluate the named claims (default: all in ``registry``) for ``model`` over ``Ts``
    (``None``: each claim over its :func:`default_horizons`).

    ``jobs``: processes. ``1`` evaluates every claim here, in order. ``2`` (or more: two are
    used) evaluates the claims that need no optimal sweep in a spawned worker process while this
    one runs the sweep and the claims on it (:mod:`solvers.claims.beside`: the default
    registry's claims only, and only when both processes have claims; the worker, once done,
    shares the hard window's refined re-solves, and this process, once done, takes the
    claims of ``beside.FROM_THE_END`` from the back of the worker's list); the rows, and every
    number in them, are those of ``jobs=1``. ``then(ctx)``: more work on the context after the
    claims, where the claims without a solver ran (the worker's memo is merged into ``ctx``),
    e.g. ``functools.partial(tuned_baselines, model, Ts)``; it must pickle when ``jobs > 1``.
    ``progress``: one line per claim the worker finished, on standard error.
    """
    from ..analysis.processes import Beside, Ends, Shared
    from .beside import (
        beside_names,
        evaluate_beside,
        merge_beside,
        take_from_the_end,
        worker_context,
        worker_units,
    )

    check_int("jobs", jobs, ge=1)
    registry = CLAIMS if registry is None else registry
    ctx = ExperimentContext() if ctx is None else ctx
    names = registry.names() if not claims else list(claims)
    horizons_of = {n: default_horizons(model, registry[n]) if Ts is None else list(Ts)
                   for n in names}  # fmt: skip
    there = beside_names(names, registry, model, ctx) if jobs > 1 else []
    if not there:
        rows = [evaluate_claim(registry[n], model, horizons_of[n], ctx) for n in names]
        if then is not None:
            then(ctx)
        return rows
    theirs, ends, shared = (
        {n: horizons_of[n] for n in there},
        Ends(len(there), worker_units(there)),
        Shared(),
    )
    task = (model, theirs, worker_context(ctx), then, progress, ends, shared)
    with Beside(evaluate_beside, *task, name="optlr-validate-worker") as worker:
        ctx.share = partial(shared.map, alive=worker.alive, greedy=True)
        try:
            here = {n: evaluate_claim(registry[n], model, horizons_of[n], ctx)
                    for n in names if n not in there}  # fmt: skip
            here |= take_from_the_end(model, theirs, ctx, ends, progress)
        finally:
            ctx.share = None
        shared.stop()
        rows, made, counts = worker.result()
    merge_beside(ctx, made, counts)
    return [here[n] if n in here else rows[n] for n in names]


@dataclass(frozen=True)
class BaselineComparison:
    """Tuned baselines against the optimal schedule over a horizon sweep.

    Attributes
    ----------
    model : PLRFModel
    results : dict
        ``name -> list of BaselineResult`` (time-domain ones only up to the context's cap).
    optimal : dict
        ``T -> optimal final loss`` (empty without a solver).
    fits : dict
        ``name -> PowerLawFit`` of final loss against ``T`` (``"optimal"`` included).
    last_slopes : dict
        ``name -> local loss exponent at the longest horizons``.
    beats : dict
        ``name -> bool``: the optimum is no worse at every common horizon (``None`` without one).
    margins : dict
        ``name -> list of (T, baseline loss / optimal loss - 1)``: how much the optimum wins by.
    dynamics : str
        Where the baselines were tuned: ``"recursion"`` or ``"continuum"`` (the optimum's own
        grid and modes).
    recursion_check : dict
        ``T -> (L(T) of the optimal schedule re-run step by step on the exact recursion with a
        log-binned mode grid, relative difference to the solver's L(T))`` for piecewise-constant
        results on integer grids up to the context's time-domain cap.
    """

    model: PLRFModel
    results: dict
    optimal: dict
    fits: dict
    last_slopes: dict
    beats: dict
    margins: dict = field(default_factory=dict)
    dynamics: str = "recursion"
    recursion_check: dict = field(default_factory=dict)

    def curves(self) -> dict[str, tuple[list[int], list[float]]]:
        """``name -> (horizons, final losses)`` per baseline and the optimum (for plotting)."""
        out = {n: ([r.T for r in rs], [r.final_loss for r in rs]) for n, rs in self.results.items()}
        if self.optimal:
            out["optimal"] = (list(self.optimal), list(self.optimal.values()))
        return out


def compare_baselines(
    model: PLRFModel,
    Ts: Sequence[int],
    *,
    names: Sequence[str] | None = None,
    ctx: ExperimentContext | None = None,
    xi: float | None = None,
    delta: float | None = None,
) -> BaselineComparison:
    """Tune every baseline at every horizon and set it against the optimum (if a solver is set).

    The ``easy`` baseline is included only when ``xi`` and ``delta`` are given.
    """
    ctx = ExperimentContext() if ctx is None else ctx
    results = tuned_baselines(model, Ts, ctx, names=names, xi=xi, delta=delta)
    optimal = {}
    check = {}
    if ctx.has_solver:
        sol = optimal_sweep(model, Ts, ctx)
        optimal = {T: float(r.final_loss) for T, r in sol.items()}
        check = _recursion_check(model, sol, ctx)
    fits: dict[str, PowerLawFit] = {}
    last: dict[str, float] = {}
    series = {n: ([r.T for r in rs], [r.final_loss for r in rs]) for n, rs in results.items()}
    if optimal:
        series["optimal"] = (list(optimal), list(optimal.values()))
    for n, (x, y) in series.items():
        if len(x) >= 2:
            fits[n] = fit_power_law(x, y)
        if len(x) >= 3:
            last[n] = float(local_slopes(x, y, window=3).slope[-1])
    beats, margins = {}, {}
    for n, rs in results.items():
        common = [r for r in rs if r.T in optimal]
        if not common:  # no horizon in common (e.g. the baseline deadline cut it): no verdict
            beats[n] = None
            continue
        margins[n] = [(r.T, r.final_loss / optimal[r.T] - 1.0) for r in common]
        beats[n] = all(optimal[r.T] <= r.final_loss * (1 + BEATS_RTOL) for r in common)
    return BaselineComparison(
        model, results, optimal, fits, last, beats, margins, ctx.baselines, check
    )


def tuned_baselines(
    model: PLRFModel,
    Ts: Sequence[int],
    ctx: ExperimentContext,
    *,
    names: Sequence[str] | None = None,
    xi: float | None = None,
    delta: float | None = None,
) -> dict[str, list[BaselineResult]]:
    """``name -> tuned baseline at every horizon`` (:func:`baseline_sweep`, memoised in ``ctx``,
    in this order: the ledger of their budget), every baseline by default, the ``easy`` one only
    when ``xi`` and ``delta`` are given. :func:`compare_baselines` sets them against the optimum;
    :func:`validate`'s ``then`` may tune them beside the optimal sweep."""
    if names is None:
        names = [n for n in BASELINES if n != "easy" or (xi is not None and delta is not None)]
    results: dict[str, list[BaselineResult]] = {}
    for n in names:
        kw = {"xi": xi, "delta": delta} if n == "easy" else {}
        results[n] = baseline_sweep(n, model, Ts, ctx, **kw)
    return results


def _recursion_check(model: PLRFModel, sol: dict, ctx: ExperimentContext) -> dict:
    """Re-run integer-grid piecewise-constant optima step by step on the exact recursion."""
    from ..dynamics.modes import grid_final_loss

    out = {}
    for T, r in sol.items():
        if T > ctx.max_T_time_domain or not hasattr(r, "per_step"):
            continue
        try:
            eta = r.per_step()
        except ValueError:
            continue
        L, _ = grid_final_loss(ctx.grid(model), eta)
        out[T] = (float(L), float(L / r.final_loss - 1.0))
    return out


# -- (a, b) phase diagram ------------------------------------------------------------------------


def phase_point(
    a: float,
    b: float,
    Ts: list[int],
    claim: str,
    sigma: float = 0.5,
    batch: float = 1.0,
    n_modes: int = 10**6,
    grid_options: dict | None = None,
    prediction: str | None = None,
    solver: str | None = None,
    solver_options: dict | None = None,
) -> dict:
    """One cell of a phase diagram: the phase and one claim's verdict (a sweep task).

    ``prediction`` is the claim's predicted expression as a SymPy string, derived once by the
    caller (a worker process then need not re-run the symbolic derivation); ``solver`` is
    ``"continuum"`` for claims that need the optimal schedule (a continued continuum sweep,
    baselines on the same dynamics) or ``None``.
    """
    import sympy as sp

    from theory import symbols as S

    model = PLRFModel(a, b, sigma=sigma, batch=batch, n_modes=n_modes)
    registry = default_claims()
    if prediction is not None:
        expr = sp.sympify(prediction, locals={"a": S.a, "b": S.b})
        registry.with_prediction(claim, lambda: expr)
    if solver is None:
        ctx = ExperimentContext(grid_options=grid_options or {})
    elif solver == "continuum":
        ctx = continuum_context(grid_options=grid_options or {}, solver_options=solver_options)
    else:
        ctx = ExperimentContext(
            solver=find_solver(solver), grid_options=grid_options or {},
            solver_options=dict(solver_options or {}),
        )  # fmt: skip
    r = evaluate_claim(registry[claim], model, Ts, ctx)
    return {"phase": model.phase, **r.to_dict()}


@dataclass(frozen=True)
class PhaseDiagram:
    """Predicted and measured values of one claim over an ``(a, b)`` grid.

    Attributes
    ----------
    a_values, b_values : ndarray
    phase : ndarray of str, shape (n_a, n_b)
    predicted, measured, stderr : ndarray, shape (n_a, n_b)
    verdict : ndarray of str, shape (n_a, n_b)
    sweep : SweepResult
        Backend, and how many cells were computed or read from the cache.
    """

    claim: str
    a_values: np.ndarray
    b_values: np.ndarray
    phase: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    stderr: np.ndarray
    verdict: np.ndarray
    sweep: SweepResult


def phase_diagram(
    a_values: Sequence[float],
    b_values: Sequence[float],
    Ts: Sequence[int],
    *,
    claim: str = "optimal constant loss",
    sigma: float = 0.5,
    batch: float = 1.0,
    n_modes: int = 10**6,
    grid_options: dict | None = None,
    cache_dir: str | Path | None = None,
    scheduler: Any = None,
    max_workers: int | None = None,
    progress: bool = True,
    solver: str | None = None,
    solver_options: dict | None = None,
) -> PhaseDiagram:
    """Evaluate ``claim`` (a default-registry name) on the grid ``a_values x b_values``.

    Cells run through :func:`~solvers.analysis.sweep.run_sweep` (local processes, inline with
    ``max_workers=1``, or a Dask cluster given by ``scheduler``), cached in ``cache_dir``.
    The prediction is derived once here and passed to the cells as a SymPy string. Claims that
    need the optimal schedule take ``solver="continuum"`` (or another registered name).
    """
    if claim not in default_claims():
        raise ValueError(f"claim: unknown claim {claim!r}; expected a default-registry name")
    A = [float(check_real("a", x, gt=1)) for x in a_values]
    B = [float(check_real("b", x, gt=1)) for x in b_values]
    expr = default_claims()[claim].predicted_expr()
    pred = None if expr is None else str(expr)
    tasks = [
        {"a": a, "b": b, "Ts": [int(T) for T in Ts], "claim": claim, "sigma": sigma,
         "batch": batch, "n_modes": n_modes, "grid_options": grid_options or {},
         "prediction": pred, "solver": solver, "solver_options": solver_options or {}}
        for a in A for b in B
    ]  # fmt: skip
    sw = run_sweep(
        phase_point, tasks, cache_dir=cache_dir, scheduler=scheduler, max_workers=max_workers,
        progress=progress, description=f"phase diagram ({claim})",
    )  # fmt: skip
    shape = (len(A), len(B))

    def col(key, dtype=float):
        vals = [math.nan if v[key] is None and dtype is float else v[key] for v in sw.values]
        return np.array(vals, dtype=dtype).reshape(shape)

    return PhaseDiagram(
        claim, np.array(A), np.array(B), col("phase", object), col("predicted"),
        col("measured"), col("stderr"), col("verdict", object), sw,
    )  # fmt: skip


def find_solver(name: str) -> Callable[..., Any]:
    """The optimal-control solver registered as ``name`` in :data:`solvers.SOLVERS`.

    Raises
    ------
    ValueError
        For a name that is not registered, or whose module is absent in this build.
    """
    from ..control.registry import get_solver

    try:
        return get_solver(name)
    except ValueError as exc:
        raise ValueError(f"solver: {exc}") from None


def continuum_context(
    *,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    baselines: str = "continuum",
    solver_options: dict | None = None,
    cpu_budget: float | None = None,
    **kwargs,
) -> ExperimentContext:
    """An :class:`ExperimentContext` whose optimum is the continued, cached continuum sweep
    (:func:`~solvers.control.optimal_sweep.optimal_continuum_sweep`) and whose baselines are tuned on
    the same continuum dynamics (grid and mode quadrature), so "beats" compares like for like.

    ``cpu_budget``: CPU seconds each optimal sweep may spend (``None``: no budget); the horizons
    it leaves unsolved are left out of the claims, whose inconclusive verdicts say so."""
    from functools import partial

    from ..control.optimal_sweep import optimal_continuum_sweep

    if cpu_budget is not None:
        check_real("cpu_budget", cpu_budget, gt=0)
    swept = partial(
        optimal_continuum_sweep, cache_dir=cache_dir, progress=progress, cpu_budget=cpu_budget
    )

    def sweep(model, Ts, **options):
        # The polishing Newton step (a fresh Hessian per solve) is the hard window's shape error.
        # In the easy phase it moves xi's, delta's and the peak's readouts by <= 1.2e-9 relative
        # ((4, 3.5), T = 1e2 .. 1e11) but its work cost the budgeted sweep a half-decade of reach
        # there (1e11 -> 3.16e10, xi +-0.0053 -> +-0.0185): off unless asked for.
        # In the hard phase also HARD_SWEEP_TOL, and the grid's end cells at one place relative
        # to the window at every T: without it the window's local slopes wobbled by +-5e-4 with
        # the grid's phase (claims.md, 2026-12-01a)
        options = {"polish": False, **hard_sweep_options(model), **options}
        return swept(model, Ts, **options)

    return ExperimentContext(
        sweep=sweep, baselines=baselines, solver_options=dict(solver_options or {}), **kwargs
    )
