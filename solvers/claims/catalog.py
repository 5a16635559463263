r"""Analytic claims as first-class objects: statement, prediction, experiment, verdict.

A :class:`Claim` holds a statement (text and LaTeX), a *prediction* — a callable returning a SymPy
expression in ``a, b`` (or ``None`` while the symbolic derivation is pending) — and an
*experiment*: a callable ``experiment(model, Ts, ctx) -> Measurement`` measuring the same quantity
over a horizon sweep. :func:`evaluate_claim` compares them and gives one of the verdicts

* ``agrees`` — the estimate at the longest horizons is within ``tolerance`` of the prediction;
* ``disagrees`` — it is not, and the local slopes have settled (or drift away);
* ``inconclusive (pre-asymptotic drift)`` — it is not, but the local slopes still trend towards it;
* ``not applicable in this phase``;
* ``pending: ...`` — the prediction or the solver the experiment needs is not available yet;
* ``measured (no prediction)`` — the claim leaves the value open and the experiment measured it.

Experiments needing the optimal-control solver take it from ``ctx.solver`` (a callable
``solver(model, T, **options)`` returning a result with ``t, eta, final_loss, success``), so the
registry works the moment a solver is injected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from theory import PLRFModel, derive_corrections, derive_scaling_laws, tuned_power_law_gain
from theory import symbols as S
from theory._checks import check_real

from .._cache import DiskCache
from ..analysis.extrapolate import Extrapolation, extrapolate_exponent, extrapolate_sequence
from ..analysis.fits import (
    LocalSlopes,
    PowerLawFit,
    SlopeDrift,
    fit_collapse_exponent,
    fit_end_exponent,
    fit_power_law,
    slope_drift,
)
from ..dynamics.modes import ModeGrid
from ..schedules.tuning import tune_baseline, tune_constant
from .beyond import BeyondScale, beyond_claims

__all__ = [
    "CLAIMS",
    "Claim",
    "ClaimRegistry",
    "ClaimResult",
    "ExperimentContext",
    "Measurement",
    "annealing_width",
    "constant_rate_balance",
    "default_claims",
    "evaluate_claim",
    "law",
    "peak_rate_exponent",
    "register_claim",
]

#: Default agreement tolerance of claims measured without an extrapolation (a fixed band).
DEFAULT_TOLERANCE = 0.03
#: Default resolution target of an extrapolated exponent: an interval wider than this is
#: inconclusive (issue 12: "0.01 in an exponent").
DEFAULT_RESOLUTION = 0.01
#: Points per local-slope window (the "measured" value is the slope of the last window).
SLOPE_WINDOW = 3
#: Horizons above this are skipped by time-domain baselines (two-parameter tuning costs
#: ~150 runs of the recursion per horizon).
DEFAULT_MAX_T_TIME_DOMAIN = 20_000

PENDING_SOLVER = "pending: solver not available"
PENDING_PREDICTION = "pending: prediction not available"


@dataclass(frozen=True)
class Measurement:
    """What an experiment measured.

    Attributes
    ----------
    value, stderr : float
        The exponent extrapolated to ``T -> oo`` and its total uncertainty (the error budget of
        ``extrapolation``); for measurements without one, the value at the longest horizons.
    fit : PowerLawFit or None
        The global fit over the whole sweep (for reference: pre-asymptotic points bias it).
    slopes : LocalSlopes or None
    drift : SlopeDrift or None
    diagnostics : dict
        Raw data (horizons, values, tuned parameters, bound flags ...).
    success, message
    extrapolation : Extrapolation or None
        The extrapolation (schemes, budget, raw local slopes) behind ``value``.
    """

    value: float
    stderr: float
    fit: PowerLawFit | None = None
    slopes: LocalSlopes | None = None
    drift: SlopeDrift | None = None
    diagnostics: dict = field(default_factory=dict)
    success: bool = True
    message: str = ""
    extrapolation: Extrapolation | None = None


@dataclass
class ExperimentContext:
    """What experiments share during one validation run (not global: made per run).

    Attributes
    ----------
    solver : callable or None
        ``solver(model, T, **options)`` -> result with ``t, eta, final_loss, success``.
    sweep : callable or None
        ``sweep(model, Ts, **options)`` -> one result per horizon (e.g. a continued, cached
        continuum sweep); used instead of ``solver`` when given.
    baselines : {"recursion", "continuum"}
        Dynamics on which the baselines are tuned: the exact recursion on a :class:`ModeGrid`
        (time domain, capped at ``max_T_time_domain``), or the continuum solver's own grid and
        mode quadrature (every horizon; ``solver_options`` pass the grid options) so that they
        compare like for like with a continuum optimum.
    grid_options : dict
        Passed to :meth:`ModeGrid.from_model`.
    max_T_time_domain : int
        Largest horizon for baselines tuned on the time-domain recursion.
    memo : dict
        Sweep results shared between claims (e.g. the constant-rate sweep).
    beyond : BeyondScale
        Sizes of the batch-size, momentum and compute-optimal experiments (their own solvers
        and horizons; :meth:`BeyondScale.quick` for smoke tests).
    cache : DiskCache or None
        On-disk cache of those experiments (``None``: memoised in this context only).
    """

    solver: Callable[..., Any] | None = None
    sweep: Callable[..., Any] | None = None
    baselines: str = "recursion"
    grid_options: dict = field(default_factory=dict)
    max_T_time_domain: int = DEFAULT_MAX_T_TIME_DOMAIN
    solver_options: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)
    beyond: BeyondScale = field(default_factory=BeyondScale)
    cache: DiskCache | None = None

    def __post_init__(self) -> None:
        if self.baselines not in ("recursion", "continuum"):
            raise ValueError(
                f"baselines must be 'recursion' or 'continuum', got {self.baselines!r}"
            )

    @property
    def has_solver(self) -> bool:
        return self.solver is not None or self.sweep is not None

    def grid(self, model: PLRFModel) -> ModeGrid:
        key = ("grid", model)
        if key not in self.memo:
            self.memo[key] = ModeGrid.from_model(model, **self.grid_options)
        return self.memo[key]


@dataclass(frozen=True)
class Claim:
    """An analytic claim and how to check it.

    Attributes
    ----------
    name : str
        Registry key.
    statement : str
        Plain-text statement.
    latex : str
        LaTeX statement.
    quantity : str
        What is measured (e.g. "exponent p of eta* ~ T^p").
    prediction : callable or None
        ``prediction() -> sympy.Expr`` in ``theory.symbols.a, b`` or ``None`` if pending.
    experiment : callable or None
        ``experiment(model, Ts, ctx) -> Measurement``.
    tolerance : float
        Agreement band of measurements without an extrapolation.
    resolution : float
        Resolution target of an extrapolated exponent: a wider interval is inconclusive.
    correction : str or None
        Name of the exponent in :func:`theory.derive_corrections` whose derived correction
        exponents the extrapolation uses (``None``: model-free).
    phases : tuple of str
        Phases where the claim applies.
    needs_solver : bool
        The experiment needs ``ctx.solver``.
    provenance : str
    """

    name: str
    statement: str
    latex: str
    quantity: str = ""
    prediction: Callable[[], sp.Expr | None] | None = None
    experiment: Callable[[PLRFModel, Sequence[int], ExperimentContext], Measurement] | None = None
    tolerance: float = DEFAULT_TOLERANCE
    resolution: float = DEFAULT_RESOLUTION
    correction: str | None = None
    phases: tuple[str, ...] = ("easy", "hard")
    needs_solver: bool = False
    provenance: str = ""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        check_real("tolerance", self.tolerance, gt=0)
        check_real("resolution", self.resolution, gt=0)
        bad = set(self.phases) - {"easy", "hard", "boundary"}
        if bad:
            raise ValueError(f"phases must be among easy, hard, boundary; got {sorted(bad)}")

    def predicted_expr(self) -> sp.Expr | None:
        return None if self.prediction is None else self.prediction()


@dataclass(frozen=True)
class ClaimResult:
    """Verdict of one claim at one model (:func:`evaluate_claim`)."""

    claim: str
    a: float
    b: float
    predicted: float | None
    predicted_expr: str | None
    measured: float | None
    stderr: float | None
    verdict: str
    measurement: Measurement | None = None
    resolution: float | None = None

    @property
    def local_slopes(self) -> list[tuple[float, float]]:
        """``(T, slope)`` pairs the value was extrapolated from (empty without them)."""
        e = None if self.measurement is None else self.measurement.extrapolation
        if e is None:
            return []
        return [(float(x), float(y)) for x, y in zip(e.x, e.slopes, strict=True)]

    def to_dict(self) -> dict:
        """The JSON row: claim, a, b, predicted, measured (extrapolated), stderr (total
        uncertainty), verdict, resolution (interval half-width of the verdict), local_slopes."""
        return {
            "claim": self.claim,
            "a": self.a,
            "b": self.b,
            "predicted": self.predicted,
            "measured": self.measured,
            "stderr": self.stderr,
            "verdict": self.verdict,
            "resolution": self.resolution,
            "local_slopes": [list(p) for p in self.local_slopes],
        }


class ClaimRegistry:
    """Claims keyed by name, in registration order."""

    def __init__(self, claims: Iterable[Claim] = ()) -> None:
        self._claims: dict[str, Claim] = {}
        for c in claims:
            self.register(c)

    def register(self, claim: Claim, *, replace: bool = False) -> Claim:
        if not isinstance(claim, Claim):
            raise TypeError(f"claim must be a Claim, got {type(claim).__name__}")
        if claim.name in self._claims and not replace:
            raise ValueError(f"claim {claim.name!r} is already registered (pass replace=True)")
        self._claims[claim.name] = claim
        return claim

    def with_prediction(self, name: str, prediction: Callable[[], sp.Expr | None]) -> Claim:
        """Wire a prediction (e.g. from the theory package) into the claim ``name``."""
        return self.register(replace(self[name], prediction=prediction), replace=True)

    def __getitem__(self, name: str) -> Claim:
        try:
            return self._claims[name]
        except KeyError:
            raise KeyError(f"unknown claim {name!r}; known: {sorted(self._claims)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._claims

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    def names(self) -> list[str]:
        return list(self._claims)


# -- the evaluation --------------------------------------------------------------------------------


def _numeric(expr: sp.Expr, model: PLRFModel) -> float:
    return float(sp.N(expr.subs(model.subs())))


def evaluate_claim(
    claim: Claim,
    model: PLRFModel,
    Ts: Sequence[int],
    ctx: ExperimentContext | None = None,
) -> ClaimResult:
    """Measure ``claim`` for ``model`` over the horizons ``Ts`` and give a verdict."""
    ctx = ExperimentContext() if ctx is None else ctx
    a, b = model.a, model.b
    expr = claim.predicted_expr()
    pred = None if expr is None else _numeric(expr, model)
    pstr = None if expr is None else str(expr)
    if model.phase not in claim.phases:
        return ClaimResult(claim.name, a, b, pred, pstr, None, None, "not applicable in this phase")
    if claim.needs_solver and not ctx.has_solver:
        return ClaimResult(claim.name, a, b, pred, pstr, None, None, PENDING_SOLVER)
    if claim.experiment is None:
        return ClaimResult(
            claim.name, a, b, pred, pstr, None, None, "pending: experiment not implemented"
        )
    m = claim.experiment(model, list(Ts), ctx)
    if not m.success:
        return ClaimResult(
            claim.name, a, b, pred, pstr, m.value, m.stderr, f"inconclusive: {m.message}", m
        )
    m = _with_corrections(m, claim, model)
    res = None if m.extrapolation is None else m.extrapolation.halfwidth
    if pred is None:
        verdict = "measured (no prediction)" if claim.prediction is not None else PENDING_PREDICTION
        return ClaimResult(claim.name, a, b, pred, pstr, m.value, m.stderr, verdict, m, res)
    verdict = (
        _band_verdict(m, pred, claim.tolerance)
        if m.extrapolation is None
        else statistical_verdict(m.extrapolation, pred, claim.resolution)
    )
    return ClaimResult(claim.name, a, b, pred, pstr, m.value, m.stderr, verdict, m, res)


def claim_omegas(claim: Claim, model: PLRFModel) -> list[float]:
    """Derived correction exponents of ``claim`` at ``model`` (slowest first; ``[]``: none)."""
    if claim.correction is None or model.phase not in ("easy", "hard"):
        return []
    row = derive_corrections()[model.phase].get(claim.correction)
    return [] if row is None else row.omegas(model.a, model.b)


def _with_corrections(m: Measurement, claim: Claim, model: PLRFModel) -> Measurement:
    """Re-extrapolate an exponent measurement with the claim's derived corrections."""
    raw = m.diagnostics.get("extrapolation_input")
    omegas = claim_omegas(claim, model)
    if raw is None or not omegas:
        return m
    e = extrapolate_exponent(**raw, omegas=omegas)
    diag = {**m.diagnostics, "omegas": omegas}
    return replace(m, value=e.value, stderr=e.stderr, extrapolation=e, diagnostics=diag)


def statistical_verdict(e: Extrapolation, pred: float, resolution: float) -> str:
    """``agrees`` iff ``pred`` lies in the interval, ``disagrees`` iff not; ``inconclusive``
    when it lies inside an interval wider than ``resolution`` (with the horizon that would
    settle it, from the fitted correction)."""
    hw = e.halfwidth
    if not e.contains(pred):
        return "disagrees"
    if hw <= resolution:
        return "agrees"
    T_star = e.horizon_for(resolution)
    where = (
        f"the fitted correction falls below {resolution / 2:g} at T ~ {T_star:.1g}"
        if math.isfinite(T_star)
        else "no correction exponent to say which horizon would settle it"
    )
    return f"inconclusive: interval ±{hw:.3g} > {resolution:g}; {where}"


def _band_verdict(m: Measurement, pred: float, tol: float) -> str:
    gap = m.value - pred
    if abs(gap) <= tol:
        return "agrees"
    d = m.drift
    if d is not None and not d.settled and math.isfinite(d.trend_per_decade):
        toward = d.trend_per_decade * gap < 0
        if toward:
            return "inconclusive (pre-asymptotic drift)"
    return "disagrees"


# -- measurements over sweeps ----------------------------------------------------------------------


def _exponent_measurement(
    Ts, ys, *, sign: float = 1.0, diagnostics=None, rel_solver=None, rel_quadrature=None
) -> Measurement:
    """Exponent of ``y ~ T^p`` (times ``sign``) extrapolated to ``T -> oo`` (model-free here;
    :func:`evaluate_claim` re-extrapolates with the claim's derived corrections), the raw local
    slopes, their drift and the global fit alongside.

    ``rel_solver``, ``rel_quadrature``: relative errors of ``y`` per horizon (solver, mode grid).
    """
    Ts, ys = np.asarray(Ts, float), np.asarray(ys, float)
    diag = {"T": Ts.tolist(), "y": ys.tolist(), **(diagnostics or {})}
    ok = np.isfinite(ys) & (ys > 0)
    if ok.sum() < SLOPE_WINDOW:
        return Measurement(
            math.nan, math.nan, diagnostics=diag, success=False,
            message=f"need >= {SLOPE_WINDOW} horizons with finite positive values, got {int(ok.sum())}",
        )  # fmt: skip
    fit = fit_power_law(Ts[ok], ys[ok])

    def errs(r):
        return None if r is None else np.nan_to_num(np.asarray(r, float)[ok], nan=0.0)

    raw = {"T": Ts[ok], "y": ys[ok], "sign": sign, "rel_err_solver": errs(rel_solver),
           "rel_err_quadrature": errs(rel_quadrature)}  # fmt: skip
    e = extrapolate_exponent(**raw)
    sl = LocalSlopes(e.x, e.slopes, np.full(e.x.size, math.nan), 2)
    dr = slope_drift(sl, tail=min(3, sl.slope.size)) if sl.slope.size >= 2 else None
    diag["extrapolation_input"] = raw
    return Measurement(e.value, e.stderr, fit, sl, dr, diag, True, fit.message, e)


def constant_sweep(model: PLRFModel, Ts: Sequence[int], ctx: ExperimentContext):
    """Tuned optimal constant rates at every horizon (memoised in ``ctx``)."""
    key = ("constant", model, tuple(Ts))
    if key not in ctx.memo:
        ctx.memo[key] = tune_constant(model, Ts, grid=ctx.grid(model))
    return ctx.memo[key]


def _time_domain_Ts(Ts, ctx):
    return [T for T in Ts if T <= ctx.max_T_time_domain]


#: Options of the continuum solver that fix its grid and mode quadrature (shared with baselines).
CONTINUUM_GRID_OPTIONS = ("dynamics", "ratio", "max_interval", "substeps", "exact_modes",
                          "bins_per_decade", "points_per_bin")  # fmt: skip


def baseline_sweep(name: str, model: PLRFModel, Ts: Sequence[int], ctx: ExperimentContext, **kw):
    """A tuned baseline at every horizon.

    With ``ctx.baselines == "continuum"`` every family (the constant too) is tuned on the
    continuum solver's grid and modes at every horizon
    (:func:`~solvers.schedules.tuning_continuum.tune_baseline_continuum`); otherwise on the exact
    recursion, time-domain families capped at ``ctx.max_T_time_domain``.
    """
    if ctx.baselines == "continuum":
        from ..schedules.tuning_continuum import tune_baseline_continuum

        opts = {k: v for k, v in ctx.solver_options.items() if k in CONTINUUM_GRID_OPTIONS}
        key = ("continuum-baseline", name, model, tuple(Ts), tuple(sorted(kw.items())))
        if key not in ctx.memo:
            ctx.memo[key] = [tune_baseline_continuum(name, model, T, **kw, **opts) for T in Ts]
        return ctx.memo[key]
    if name == "constant":
        return constant_sweep(model, Ts, ctx)
    Ts = _time_domain_Ts(Ts, ctx)
    key = (name, model, tuple(Ts), tuple(sorted(kw.items())))
    if key not in ctx.memo:
        ctx.memo[key] = [tune_baseline(name, model, T, grid=ctx.grid(model), **kw) for T in Ts]
    return ctx.memo[key]


def _exp_constant_rate(model, Ts, ctx):
    res = constant_sweep(model, Ts, ctx)
    bound = [r.T for r in res if r.at_bound]
    return _exponent_measurement(
        [r.T for r in res], [r.params["eta0"] for r in res], diagnostics={"at_bound_T": bound}
    )


def _exp_constant_loss(model, Ts, ctx):
    res = constant_sweep(model, Ts, ctx)
    return _exponent_measurement([r.T for r in res], [r.final_loss for r in res])


def _exp_power_vs_constant(model, Ts, ctx):
    """Loss-exponent gain of the tuned power law over the tuned constant (<= 0: no gain),
    extrapolated from the differences of their local slopes (model-free)."""
    pw = baseline_sweep("power", model, Ts, ctx)
    Ts_ = [r.T for r in pw]
    cst = {r.T: r for r in constant_sweep(model, Ts, ctx)}
    mp = _exponent_measurement(Ts_, [r.final_loss for r in pw])
    mc = _exponent_measurement(Ts_, [cst[T].final_loss for T in Ts_])
    if not (mp.success and mc.success):
        return Measurement(math.nan, math.nan, success=False, message=mp.message or mc.message)
    x = mp.extrapolation.x
    gains = mc.extrapolation.slopes - mp.extrapolation.slopes  # > 0: the power law decays faster
    e = extrapolate_sequence(x, gains)
    ratio = [r.final_loss / cst[r.T].final_loss for r in pw]
    sl = LocalSlopes(x, gains, np.full(x.size, math.nan), 2)
    dr = slope_drift(sl, tail=min(3, sl.slope.size)) if sl.slope.size >= 2 else None
    return Measurement(
        e.value, e.stderr, mp.fit, sl, dr,
        {"T": Ts_, "power_loss": [r.final_loss for r in pw], "loss_ratio_power_over_constant": ratio,
         "power_exponent": mp.value, "constant_exponent": mc.value},
        True, "gain = power-law loss decay exponent - constant's (local slopes, extrapolated)", e,
    )  # fmt: skip


def _exp_power_chi(model, Ts, ctx):
    pw = baseline_sweep("power", model, Ts, ctx)
    chis = [r.params["chi"] for r in pw]
    if len(chis) < 2:
        return Measurement(math.nan, math.nan, success=False, message="too few horizons")
    # chi* itself, not an exponent: report the last value, its change over the last decade
    Ts_ = np.array([r.T for r in pw], float)
    last = chis[-1]
    x = np.log10(Ts_[-3:])
    trend = float(np.polyfit(x, chis[-3:], 1)[0]) if x.size >= 2 else math.nan
    return Measurement(
        float(last), abs(trend), diagnostics={"T": Ts_.tolist(), "chi": chis,
        "eta0": [r.params["eta0"] for r in pw], "trend_per_decade": trend,
        "at_bound": [r.at_bound for r in pw]},
        message="stderr column holds |d chi*/d log10 T| over the last horizons (drift)",
    )  # fmt: skip


# -- experiments that need the optimal-control solver ---------------------------------------------


def optimal_sweep(model: PLRFModel, Ts: Sequence[int], ctx: ExperimentContext) -> dict:
    """``{T: result}`` of the injected optimal solver or sweep (memoised in ``ctx``)."""
    key = ("optimal", model, tuple(Ts))
    if key not in ctx.memo:
        if ctx.sweep is not None:
            res = ctx.sweep(model, list(Ts), **ctx.solver_options)
            ctx.memo[key] = dict(zip(Ts, res, strict=True))
        else:
            ctx.memo[key] = {T: ctx.solver(model, T, **ctx.solver_options) for T in Ts}
    return ctx.memo[key]


def _nodes(res, T) -> tuple[np.ndarray, np.ndarray]:
    """``(step, eta)`` nodes of a result's schedule: interval midpoints for a piecewise-constant
    schedule on a grid ``t`` of ``J + 1`` nodes, else one node per step (at ``t + 1/2``)."""
    eta = np.asarray(res.eta, float)
    t = np.asarray(getattr(res, "t", ()), float)
    if t.size == eta.size + 1:
        return 0.5 * (t[1:] + t[:-1]), eta
    return np.arange(eta.size) * (T / eta.size) + 0.5 * T / eta.size, eta


def _eta_fn(res, T) -> Callable[[np.ndarray], np.ndarray]:
    """The schedule as a function of the (fractional) step: ``eta_at`` for piecewise-constant
    results, a per-step array interpolated linearly, a per-block array held on its blocks."""
    if hasattr(res, "eta_at"):
        return res.eta_at
    eta = np.asarray(res.eta, float)
    if eta.size == T:  # one rate per step: linear interpolation between steps
        steps = np.arange(T, dtype=float)
        return lambda t: np.interp(np.asarray(t, float), steps, eta)
    edges = np.linspace(0.0, T, eta.size + 1)

    def fn(t):
        j = np.clip(np.searchsorted(edges, np.asarray(t, float), side="right") - 1, 0, eta.size - 1)
        return eta[j]

    return fn


def solver_errors(sol: dict, Ts, *, order: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Relative errors per horizon from each solve's own diagnostics: ``(solver, quadrature)``.

    The solver's scaled KKT residual :math:`r = \sum_j |\partial\log L/\partial\log\eta_j|`
    (rates off their bounds) bounds how far it is from the optimum: with :math:`O(1)`
    curvature in :math:`\log\eta` the loss exceeds the minimum by :math:`\sim r^2/2`
    (``order=2``: a value at a minimum) and the schedule is off by :math:`\sim r` (``order=1``).
    The quadrature error is the result's ``quadrature_error`` plus ``time_error`` (relative
    change of :math:`L(T)` when the mode grid or the substeps are refined); unknown values
    count as 0.
    """
    kkt, quad = [], []
    for T in Ts:
        r = sol[T]
        k = getattr(r, "kkt_scaled", math.nan)
        k = k if math.isfinite(k) else getattr(r, "kkt_residual", math.nan)
        kkt.append(k if math.isfinite(k) else 0.0)
        q = [abs(getattr(r, n, math.nan)) for n in ("quadrature_error", "time_error")]
        quad.append(sum(v for v in q if math.isfinite(v)))
    kkt = np.asarray(kkt)
    return (0.5 * kkt**2 if order == 2 else kkt), np.asarray(quad)


def _exp_optimal_loss(model, Ts, ctx):
    sol = optimal_sweep(model, Ts, ctx)
    diag = {
        "success": [bool(sol[T].success) for T in Ts],
        "kkt_residual": [float(getattr(sol[T], "kkt_residual", math.nan)) for T in Ts],
    }
    rs, rq = solver_errors(sol, Ts, order=2)
    return _exponent_measurement(
        Ts, [sol[T].final_loss for T in Ts], diagnostics=diag, rel_solver=rs, rel_quadrature=rq
    )


#: Phase ``s = t/T`` at which the xi experiment reads the optimal rate (inside the collapse range).
XI_PHASE = 0.5


def _exp_xi(model, Ts, ctx):
    """xi from the local slopes of ``eta*(T/2)`` against ``T`` (pooled collapse fit alongside)."""
    sol = optimal_sweep(model, Ts, ctx)
    sch = {T: _eta_fn(sol[T], T) for T in Ts}
    pooled = fit_collapse_exponent(sch)
    mid = [float(sch[T](np.array([XI_PHASE * T]))[0]) for T in Ts]
    rs, rq = solver_errors(sol, Ts, order=1)
    return _exponent_measurement(
        Ts, mid, sign=-1.0, rel_solver=rs, rel_quadrature=rq,
        diagnostics={"pooled_xi": -pooled.exponent, "pooled_xi_stderr": pooled.stderr},
    )  # fmt: skip


def _exp_collapse(model, Ts, ctx):
    """Spread of T^xi eta*(sT) across T at the best-collapsing xi (0 = perfect collapse)."""
    from ..analysis.fits import collapse_spread

    sol = optimal_sweep(model, Ts, ctx)
    sch = {T: _eta_fn(sol[T], T) for T in Ts}
    pooled = fit_collapse_exponent(sch)
    cm = collapse_spread(sch, -pooled.exponent)
    return Measurement(
        cm.spread,
        math.nan,
        pooled,
        diagnostics={"xi": -pooled.exponent, "collapse": cm},
        message="value is the collapse spread (std of log T^xi eta across T) at the fitted xi",
    )


#: Window of the remaining fraction u = 1 - t/T where delta is fitted: the outer (bulk) region.
#: Closer to the end the optimum has a boundary layer (it levels off at a floor instead of
#: vanishing; measured local exponent < 0.2 for u < 1e-2 up to T = 1e8) whose weight in a
#: log-spaced fit down to u = 20/T would swamp the bulk exponent.
DELTA_U_RANGE = (0.1, 0.5)


def _exp_delta(model, Ts, ctx):
    """delta per horizon: fit of eta* ~ (1 - t/T)^delta over u = 1 - t/T in DELTA_U_RANGE."""
    sol = optimal_sweep(model, Ts, ctx)
    deltas, errs, inner = [], [], []
    for T in Ts:
        f = fit_end_exponent(_eta_fn(sol[T], T), T=round(T), u_range=DELTA_U_RANGE)
        deltas.append(f.delta)
        errs.append(f.fit.stderr)
        lo = min(max(20.0 / T, 1e-3), 0.05)
        inner.append(fit_end_exponent(_eta_fn(sol[T], T), T=round(T), u_range=(lo, 0.1)).delta)
    # the per-horizon estimates play the role of local slopes: extrapolated model-free (the
    # correction of delta is not derivable: theory.derive_corrections says so)
    x = np.asarray(Ts, float)
    sl = LocalSlopes(x, np.asarray(deltas), np.asarray(errs), 1)
    dr = slope_drift(sl, tail=min(3, len(Ts))) if len(Ts) >= 2 else None
    e = extrapolate_sequence(x, np.asarray(deltas), cov_solver=np.diag(np.square(errs)))
    return Measurement(
        e.value, e.stderr, None, sl, dr,
        {"T": list(Ts), "delta": deltas, "u_range": DELTA_U_RANGE, "delta_near_end": inner},
        True, "", e,
    )  # fmt: skip


#: The base (peak) rate is the maximum over t >= BULK_START * T: the optimum has an early
#: transient (a bump over the first ~1e3 steps in the easy phase, ~1.5x the bulk value at
#: T = 1e8) that is not the schedule's T-scaling.
BULK_START = 0.05


def _peak(res, T) -> float:
    x, eta = _nodes(res, T)
    return float(np.max(eta[x >= BULK_START * T]))


def _exp_peak(model, Ts, ctx):
    """Exponent of the optimal schedule's base rate (max over the bulk t >= 0.05 T) against T."""
    sol = optimal_sweep(model, Ts, ctx)
    peaks = [_peak(sol[T], T) for T in Ts]
    glob = [float(np.max(sol[T].eta)) for T in Ts]
    upper = [float(getattr(sol[T], "eta_upper", model.eta_max)) for T in Ts]
    at_bound = [p >= (1 - 1e-6) * u for p, u in zip(peaks, upper, strict=True)]
    rs, rq = solver_errors(sol, Ts, order=1)
    return _exponent_measurement(
        Ts, peaks, rel_solver=rs, rel_quadrature=rq, diagnostics={"peak": peaks, "global_max": glob, "eta_upper": upper,
                                "at_bound": at_bound, "bulk_start": BULK_START},
    )  # fmt: skip


#: Level (fraction of the peak rate) that defines the annealing window.
ANNEAL_LEVEL = 0.5


def annealing_width(res, T: float, level: float = ANNEAL_LEVEL) -> float:
    r"""Width :math:`W_\ell = T - t_\ell` of the final annealing, :math:`t_\ell` the last time the
    rate is at least ``level`` times its peak.

    The crossing is interpolated linearly in :math:`\log(T - t)` between the schedule's nodes
    (interval midpoints of a piecewise-constant schedule), so the width is resolved finer than
    the geometric grid. For the theory's window form
    :math:`\eta_{\max}((T - t)/W)^{\delta}` it is :math:`W\,\ell^{1/\delta}`: proportional to
    :math:`W` at any fixed level.
    """
    x, eta = _nodes(res, T)
    u = T - x  # remaining steps at the nodes (decreasing)
    thr = level * eta.max()
    above = np.nonzero(eta >= thr)[0]
    if above.size == 0:
        return float(T)
    j = int(above[-1])
    if j + 1 >= eta.size:
        return float(u[j])
    e0, e1 = eta[j], eta[j + 1]
    w = (e0 - thr) / (e0 - e1) if e0 != e1 else 0.0
    return float(math.exp((1 - w) * math.log(u[j]) + w * math.log(u[j + 1])))


def _exp_anneal_width(model, Ts, ctx, *, fraction: bool = False):
    sol = optimal_sweep(model, Ts, ctx)
    widths = [annealing_width(sol[T], T) for T in Ts]
    other = {f"width_{lv:g}": [annealing_width(sol[T], T, lv) for T in Ts] for lv in (0.9, 0.1)}
    ys = [w / T for w, T in zip(widths, Ts, strict=True)] if fraction else widths
    rs, rq = solver_errors(sol, Ts, order=1)
    return _exponent_measurement(
        Ts, ys, rel_solver=rs, rel_quadrature=rq,
        diagnostics={"width": widths, "level": ANNEAL_LEVEL, **other},
    )  # fmt: skip


def _exp_anneal_fraction(model, Ts, ctx):
    return _exp_anneal_width(model, Ts, ctx, fraction=True)


def _transfer_experiment(name: str):
    """Exponent of a tuned baseline's base rate (``eta0``) against T (LR transfer, issue 5.4)."""

    def experiment(model, Ts, ctx):
        res = baseline_sweep(name, model, Ts, ctx)
        bound = [r.T for r in res if "eta0" in r.at_bound]
        extra = {"frac": [r.params["frac"] for r in res]} if name == "wsd" else {}
        return _exponent_measurement(
            [r.T for r in res], [r.params["eta0"] for r in res],
            diagnostics={"eta0": [r.params["eta0"] for r in res], "eta0_at_bound_T": bound,
                         "baselines": ctx.baselines, **extra},
        )  # fmt: skip

    experiment.__name__ = f"_exp_transfer_{name}"
    return experiment


# -- predictions that this module derives ----------------------------------------------------------


def constant_rate_balance() -> dict[str, sp.Expr]:
    r"""Exponents of the optimal constant rate by dominant balance (SymPy).

    With a constant rate the loss is bias plus noise floor,
    :math:`L \asymp (\eta T)^{-(a-1)/b} + \eta` (docs/theory.md §1: bias decays as
    :math:`\tau^{-(a-1)/b}`, :math:`\tau = \eta T`; the stationary noise term
    :math:`\sigma^2 S(\eta)` is linear in :math:`\eta`). Setting :math:`\eta = T^{p}` and
    balancing the two exponents gives :math:`p`, and the loss exponent follows.

    Returns
    -------
    dict with keys ``"eta"`` and ``"loss"`` (SymPy expressions in ``a, b``).
    """
    a, b = S.a, S.b
    p = sp.Symbol("p", real=True)
    bias = -(a - 1) / b * (p + 1)  # exponent of T in (eta T)^(-(a-1)/b)
    noise = p  # exponent of T in eta
    (p_star,) = sp.solve(sp.Eq(bias, noise), p)
    return {"eta": sp.simplify(p_star), "loss": sp.simplify(noise.subs(p, p_star))}


# -- predictions from the symbolic engine -----------------------------------------------------


def law(name: str, *, sign: int = 1, phase: str | None = None) -> Callable[[], sp.Expr]:
    """Prediction: ``sign`` times the exponent ``name`` of :func:`theory.derive_scaling_laws`.

    With ``phase=None`` the row of both phases is used: one expression if they agree, else a
    ``Piecewise`` over the derived phase boundary (so a single claim spans the ``(a, b)`` plane).
    Nothing is typed in: the expressions are the symbolic engine's (computed once per process).
    """

    def prediction() -> sp.Expr:
        laws = derive_scaling_laws()
        if phase is not None:
            return sign * getattr(laws, phase)[name].expr
        e, h = laws.easy[name].expr, laws.hard[name].expr
        if sp.simplify(e - h) == 0:
            return sign * e
        return sign * sp.Piecewise((e, laws.phase_boundary), (h, True))

    prediction.__name__ = f"law_{name}"
    return prediction


def peak_rate_exponent() -> sp.Expr:
    r"""Exponent of ``T`` in the derived optimal schedule's peak (its value at ``t = 0``; the
    plateau branch in the hard phase): :math:`T\,\partial_T \log \eta^*(0)`, over the boundary."""
    laws = derive_scaling_laws()
    out = []
    for ph in (laws.easy, laws.hard):
        expr = ph.schedule_derived
        if isinstance(expr, sp.Piecewise):
            expr = expr.args[0][0]  # the plateau (the first branch holds for t < T - W)
        expr = expr.subs(S.t, 0)
        out.append(sp.simplify(S.T * sp.diff(sp.log(expr), S.T)))
    return sp.Piecewise((out[0], laws.phase_boundary), (out[1], True))


def _gain_prediction() -> sp.Expr:
    """Loss-exponent gain of the power law with tuned ``eta0`` (the family the experiment tunes)
    over the tuned constant, derived by :func:`theory.tuned_power_law_gain`."""
    return tuned_power_law_gain()[0]


# -- the registry ----------------------------------------------------------------------------------


def default_claims() -> ClaimRegistry:
    """A fresh registry with every row of docs/theory.md §3, predictions from the symbolic engine
    (:func:`theory.derive_scaling_laws`); signs follow the measured slopes (``y ~ T^slope``)."""
    C = Claim
    return ClaimRegistry(
        [
            C("phase boundary", "easy phase iff a > b (peak rate shrinks); hard iff a < b (transfers)",
              r"\text{easy} \iff a > b", "exponent of the optimal peak rate max eta*(T)",
              prediction=peak_rate_exponent, experiment=_exp_peak, needs_solver=True,
              correction="peak_rate",
              provenance="study, paper, derivation"),
            C("easy schedule", "eta*(t) ~ T^(-xi) (1 - t/T)^delta",
              r"\eta^*(t) \sim T^{-\xi}(1 - t/T)^{\delta}", "collapse spread",
              prediction=lambda: None, experiment=_exp_collapse, phases=("easy",),
              needs_solver=True, provenance="stated by the study"),
            C("xi", "xi = 1 - b/a", r"\xi = 1 - b/a", "xi: eta*(T/2) ~ T^(-xi)",
              prediction=law("xi", phase="easy"), experiment=_exp_xi, phases=("easy",),
              correction="xi",
              needs_solver=True, provenance="study code (collapse) and an independent paper"),
            C("delta", "delta = 2b - 1", r"\delta = 2b - 1",
              "delta of eta* ~ (1 - t/T)^delta near the end", prediction=law("delta"),
              experiment=_exp_delta, phases=("easy",), needs_solver=True, resolution=0.1,
              provenance="same; slow approach in T"),
            C("easy optimal loss", "L* ~ T^(-(a-1)/a)", r"L^* \sim T^{-(a-1)/a}",
              "exponent of L*(T)", prediction=law("loss_exponent", sign=-1, phase="easy"),
              experiment=_exp_optimal_loss, phases=("easy",), needs_solver=True,
              correction="loss_exponent",
              provenance="study and paper"),
            C("hard schedule", "eta = eta_max (constant in T), then annealing",
              r"\eta^* = \eta_{\max}\ \text{then anneal}", "exponent of max eta*(T)",
              prediction=peak_rate_exponent, experiment=_exp_peak, phases=("hard",),
              correction="peak_rate",
              needs_solver=True, provenance="stated by the study"),
            C("hard optimal loss", "L* ~ T^(-(a-1)/b)", r"L^* \sim T^{-(a-1)/b}",
              "exponent of L*(T)", prediction=law("loss_exponent", sign=-1, phase="hard"),
              experiment=_exp_optimal_loss, phases=("hard",), needs_solver=True,
              correction="loss_exponent",
              provenance="study code; derivation"),
            C("optimal loss", "L* ~ T^(-(a-1)/a) (easy), T^(-(a-1)/b) (hard)",
              r"L^* \sim T^{-(a-1)/\max(a, b)}", "exponent of L*(T)",
              prediction=law("loss_exponent", sign=-1), experiment=_exp_optimal_loss,
              correction="loss_exponent",
              needs_solver=True, provenance="both phase rows (phase diagrams)"),
            C("hard annealing window", "width ~ T^((a+b-1)/(2b-1))",
              r"w \sim T^{(a+b-1)/(2b-1)}",
              "exponent of W = T - (last t with eta* >= peak/2)",
              prediction=law("anneal_window_exponent", phase="hard"),
              experiment=_exp_anneal_width, phases=("hard",), needs_solver=True,
              correction="anneal_window_exponent",
              provenance="derived only"),
            C("hard annealing fraction", "fraction ~ T^(-(b-a)/(2b-1))",
              r"w/T \sim T^{-(b-a)/(2b-1)}", "exponent of W/T (W at half the peak)",
              prediction=law("anneal_fraction_exponent", phase="hard"),
              experiment=_exp_anneal_fraction, phases=("hard",), needs_solver=True,
              correction="anneal_fraction_exponent",
              provenance="derived only"),
            C("optimal constant LR", "eta ~ T^(-(a-1)/(a+b-1))",
              r"\eta_c \sim T^{-(a-1)/(a+b-1)}", "exponent p of eta_c(T) ~ T^p",
              prediction=law("constant_lr_exponent", sign=-1), experiment=_exp_constant_rate,
              correction="constant_lr_exponent",
              provenance="derived only"),
            C("optimal constant loss", "L ~ T^(-(a-1)/(a+b-1))",
              r"L_c \sim T^{-(a-1)/(a+b-1)}", "exponent p of L_c(T) ~ T^p",
              prediction=law("constant_lr_loss_exponent", sign=-1),
              experiment=_exp_constant_loss, correction="constant_lr_loss_exponent",
              provenance="derived only"),
            C("optimal power law", "eta0 t^(-chi), eta0 tuned: no better loss exponent than constant",
              r"\eta_0 t^{-\chi}:\ \text{no exponent gain}",
              "loss-exponent gain of the tuned power law over the tuned constant",
              prediction=_gain_prediction, experiment=_exp_power_vs_constant,
              provenance="derived only, weak"),
            # with eta0 tuned too, only mu = nu + chi enters the leading exponents
            # (theory.tuned_power_law_gain): chi* is set by prefactors, not predicted
            C("optimal power law chi", "chi* with eta0 tuned: not fixed by the exponents",
              r"\chi^*", "tuned chi at the longest horizon", prediction=lambda: None,
              experiment=_exp_power_chi, provenance="open; derived by the engine"),
            C("LR transfer: WSD peak", "annealed base rate: transfers (hard), ~T^(-xi) (easy)",
              r"\eta_0^{\mathrm{WSD}} \sim T^{-\xi}\ /\ T^0",
              "exponent of the tuned WSD peak rate", prediction=peak_rate_exponent,
              experiment=_transfer_experiment("wsd"), provenance="study (practical message)"),
            C("LR transfer: linear peak", "annealed base rate: transfers (hard), ~T^(-xi) (easy)",
              r"\eta_0^{\mathrm{lin}} \sim T^{-\xi}\ /\ T^0",
              "exponent of the tuned linear-decay peak rate", prediction=peak_rate_exponent,
              experiment=_transfer_experiment("linear"), provenance="study (practical message)"),
            C("LR transfer: constant", "unannealed base rate shrinks in both phases",
              r"\eta_c \sim T^{-(a-1)/(a+b-1)}", "exponent of the tuned constant rate",
              prediction=law("constant_lr_exponent", sign=-1),
              experiment=_transfer_experiment("constant"), provenance="derived only"),
            *beyond_claims(),
        ]
    )  # fmt: skip


#: The default registry; :func:`register_claim` adds to it.
CLAIMS = default_claims()


def register_claim(claim: Claim, *, replace: bool = False, registry: ClaimRegistry | None = None):
    """Add ``claim`` to ``registry`` (default :data:`CLAIMS`); returns it."""
    return (CLAIMS if registry is None else registry).register(claim, replace=replace)
