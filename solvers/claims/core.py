r"""The model of a claim: statement, prediction, experiment, measurement, verdict.

A :class:`Claim` holds a statement (text and LaTeX), a *prediction* — a callable returning a SymPy
expression in ``a, b`` (or ``None`` while the symbolic derivation is pending) — and an
*experiment*: a callable ``experiment(model, Ts, ctx) -> Measurement`` measuring the same quantity
over a horizon sweep. :func:`evaluate_claim` compares them. An exponent is extrapolated to
``T -> oo`` with the claim's derived corrections (:mod:`solvers.analysis.extrapolate`) and judged
by :func:`statistical_verdict`:

* ``agrees`` — the prediction lies in the measured interval and the interval is narrower than
  the claim's resolution;
* ``disagrees`` — the prediction lies outside the interval;
* ``inconclusive: ...`` — inside an interval wider than the resolution, with the horizon that
  would settle it;
* ``not applicable in this phase``; ``pending: ...``; ``measured (no prediction)``.

Measurements that carry no extrapolation (a spread, a ratio) keep a fixed ``tolerance`` band.
This module imports no experiment; the catalogue (:mod:`solvers.claims.catalog`,
:mod:`solvers.claims.beyond`) builds on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from theory import PLRFModel, derive_beyond_corrections, derive_corrections, derive_scaling_laws
from theory._checks import check_int, check_real

from .._cache import DiskCache
from ..analysis.extrapolate import (
    Extrapolation,
    extrapolate_exponent,
    extrapolate_sequence,
    scaled_horizon,
)
from ..analysis.fits import LocalSlopes, PowerLawFit, SlopeDrift, fit_power_law, slope_drift
from ..dynamics.modes import ModeGrid
from ._horizon import CORRECTION_TARGET, derived_horizon, horizon_text
from ._reference import add_reference, settling_or

__all__ = [
    "BeyondScale",
    "Claim",
    "ClaimRegistry",
    "ClaimResult",
    "ExperimentContext",
    "Measurement",
    "evaluate_claim",
    "law",
    "statistical_verdict",
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
class BeyondScale:
    """Sizes of the beyond-the-learning-rate experiments.

    Attributes
    ----------
    ramp_T : tuple of int or None
        Horizons of the batch ramp (one fit per horizon); ``None``: derived from the model
        (:func:`solvers.claims.beyond.ramp_plan`).
    ramp_modes, ramp_eta, ramp_mean_batch : int, float, float
        Modes of the ramp problem (the least, when ``ramp_T`` is derived), its rate (held at the
        bound, the regime of the derivation) and the sample budget per step ``D / T``.
    degeneracy_samples : int
        Samples of the ``eta/m`` degeneracy check.
    momentum_T : tuple of int or None
        Horizons of the momentum sweep (``None``: per form, ``momentum_forms.momentum_horizons``).
    momentum_modes, momentum_maxiter : int
    compute_C : tuple of float
        Compute levels ``C = N T m`` of the compute-optimal sweep.
    compute_baselines : tuple of str
        Tuned schedule families compared at each compute level besides the constant rate
        (:data:`solvers.control.compute_optimal.FAMILIES`).
    compute_claim_C : tuple of float or None
        Compute levels of the compute-optimal claims (the optimal schedule alone); ``None``:
        :func:`solvers.claims.beyond.compute_claim_levels` (derived per model).
    """

    ramp_T: tuple[int, ...] | None = None
    ramp_modes: int = 300
    ramp_eta: float = 0.1
    ramp_mean_batch: float = 64.0
    degeneracy_samples: int = 1600
    momentum_T: tuple[int, ...] | None = None
    momentum_modes: int = 100
    momentum_maxiter: int = 300
    compute_C: tuple[float, ...] = (1e4, 3.16e4, 1e5)
    compute_baselines: tuple[str, ...] = ("cosine",)
    compute_claim_C: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("ramp_T", "momentum_T", "compute_C", "compute_claim_C"):
            vals = getattr(self, name)
            if vals is not None and len(vals) < 2:
                raise ValueError(f"{name} must hold at least two values, got {vals!r}")
        for T in (*(self.ramp_T or ()), *(self.momentum_T or ())):
            check_int("T", T, ge=10)
        check_int("ramp_modes", self.ramp_modes, ge=1)
        check_int("momentum_modes", self.momentum_modes, ge=1)
        check_real("ramp_eta", self.ramp_eta, gt=0)
        check_real("ramp_mean_batch", self.ramp_mean_batch, ge=1)

    @classmethod
    def quick(cls) -> BeyondScale:
        """Seconds in total, for smoke tests (verdicts mostly pre-asymptotic)."""
        return cls(
            ramp_T=(1_000, 3_000, 10_000),
            momentum_T=(100, 300, 1_000),
            momentum_maxiter=100,
            compute_C=(1e3, 3e3, 1e4),
            compute_claim_C=(1e3, 3e3, 1e4),
        )


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
    baseline_budget : float or None
        Reference CPU seconds the tuned-baseline sweeps may spend together, counted in their
        work (:attr:`~solvers.schedules.tuning.BaselineResult.cost`), not the clock: once spent,
        they start no further horizon (the default run's budget; ``None``: none). The same run
        reaches the same horizons at any load; a claim cut short is measured on the horizons
        reached.
    share : callable or None
        ``share(fn, args)`` -> ``[fn(*a) for a in args]``: deterministic tasks a two-process run
        shares with its worker (:class:`~solvers.analysis.processes.Shared`); ``None``: here.
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
    baseline_budget: float | None = None
    share: Callable[..., list] | None = None

    def __post_init__(self) -> None:
        if self.baselines not in ("recursion", "continuum"):
            msg = f"baselines must be 'recursion' or 'continuum', got {self.baselines!r}"
            raise ValueError(msg)
        if self.baseline_budget is not None and not self.baseline_budget >= 0:
            msg = f"expected reference CPU seconds >= 0 or None, got {self.baseline_budget!r}"
            raise ValueError(f"baseline_budget: {msg}")

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
        else statistical_verdict(
            m.extrapolation,
            pred,
            claim.resolution,
            omegas=m.diagnostics.get("omegas", ()),
            variable=m.diagnostics.get("variable", "T"),
        )
    )
    if m.extrapolation is not None:  # a reference of the same limit may set the interval
        verdict = settling_or(m.extrapolation, m.diagnostics, claim.resolution,
                              m.diagnostics.get("variable", "T"), verdict)  # fmt: skip
    if verdict.startswith("inconclusive") and m.diagnostics.get("unsolved_T"):
        verdict += "; " + _budget_note(m, claim_omegas(claim, model))
    if verdict.startswith("inconclusive") and m.diagnostics.get("unconverged"):
        verdict += "; " + m.diagnostics["unconverged"]  # what the experiment saw still moving
    if m.diagnostics.get("out_of_regime"):  # the measurement cannot test the prediction here
        verdict = f"inconclusive: {m.diagnostics['out_of_regime']} (its interval reads: {verdict})"
    return ClaimResult(claim.name, a, b, pred, pstr, m.value, m.stderr, verdict, m, res)


def _budget_note(m: Measurement, omegas: Sequence[float]) -> str:
    """What an inconclusive verdict lacks when a CPU budget stopped the sweep: the first horizon
    left unsolved, and the horizon the slowest derived correction asks for."""
    first = min(m.diagnostics["unsolved_T"])
    need = derived_horizon(omegas)
    ask = (
        f"its slowest derived correction T^-{min(omegas):.3g} falls to {CORRECTION_TARGET:g} "
        f"at T ~ {need:.1e}"
        if math.isfinite(need)
        else "no derived correction says which horizon would settle it"
    )
    return f"the CPU budget stopped the optimal sweep before T = {first:.3g} ({ask})"


def claim_omegas(claim: Claim, model: PLRFModel) -> list[float]:
    """Derived correction exponents of ``claim`` at ``model`` (slowest first; ``[]``: none)."""
    if claim.correction is None or model.phase not in ("easy", "hard"):
        return []
    row = derive_corrections()[model.phase].get(claim.correction)
    if row is None:  # the claims beyond the learning rate (batch ramp, compute-optimal)
        row = derive_beyond_corrections()[model.phase].get(claim.correction)
    return [] if row is None else row.omegas(model.a, model.b)


def _with_corrections(m: Measurement, claim: Claim, model: PLRFModel) -> Measurement:
    """Re-extrapolate a measurement with the claim's derived corrections: an exponent from its
    values (``extrapolation_input``) or a sequence of per-horizon estimates (``sequence_input``),
    less the corrections it removed itself (``removed_omegas``), plus those it kept in
    (``added_omegas``: the window's layer where its raw lost time is read). A
    ``reference_input`` (values of the same limit without an excess the corrections do not
    describe, e.g. the compute-optimal plateau) is extrapolated alike and its distance counted
    in the error budget (:func:`~solvers.analysis.extrapolate.with_reference`)."""
    removed = m.diagnostics.get("removed_omegas", ())  # subtracted by the experiment itself
    omegas = [w for w in claim_omegas(claim, model) if not any(math.isclose(w, r) for r in removed)]
    omegas = sorted({*omegas, *m.diagnostics.get("added_omegas", ())})  # left in by the experiment
    if not omegas:
        return m
    opt = m.diagnostics.get("extrapolation_options")  # an experiment's (None: the defaults)
    if (raw := m.diagnostics.get("extrapolation_input")) is not None:
        e = extrapolate_exponent(**raw, omegas=omegas, options=opt)
    elif (raw := m.diagnostics.get("sequence_input")) is not None:
        e = extrapolate_sequence(**raw, omegas=omegas, options=opt)
    else:
        return m
    diag = {**m.diagnostics, "omegas": omegas}
    if (ref := m.diagnostics.get("reference_input")) is not None:  # same limit, no excess
        e = add_reference(e, ref, omegas, diag)
    return replace(m, value=e.value, stderr=e.stderr, extrapolation=e, diagnostics=diag)


def statistical_verdict(
    e: Extrapolation,
    pred: float,
    resolution: float,
    *,
    omegas: Sequence[float] = (),
    variable: str = "T",
) -> str:
    """``agrees`` iff ``pred`` lies in the interval, ``disagrees`` iff not; ``inconclusive``
    when it lies inside an interval wider than ``resolution`` (with the horizon that would
    settle it, from the fitted correction or, when the primary scheme fitted none, from the
    slowest derived one of ``omegas``; ``variable`` names the horizon, e.g. ``"C"``)."""
    hw = e.halfwidth
    if not e.contains(pred):
        return "disagrees"
    if hw <= resolution:
        return "agrees"
    T_star = e.horizon_for(resolution)
    where = (
        f"the fitted correction falls below {resolution / 2:g} at {variable} ~ {T_star:.1g}"
        if math.isfinite(T_star) and T_star > e.last_T  # not already there: another term sets hw
        else _derived_settling(e, omegas, resolution, variable)
    )
    if not math.isfinite(hw):
        return f"inconclusive: unbounded interval (too few horizons to extrapolate); {where}"
    return f"inconclusive: interval ±{hw:.3g} > {resolution:g}; {where}"


def _derived_settling(e: Extrapolation, omegas, resolution: float, variable: str) -> str:
    """What would settle an interval the primary scheme fitted no correction for: when the
    spread between the extrapolation schemes dominates, it shrinks like the slowest derived
    correction, to ``resolution`` at ``last * (halfwidth / resolution)^(1/omega)``; when the
    values' own errors dominate, more values or less noisy ones."""
    w = [x for x in omegas if x > 0]
    spread = e.budget.get("schemes", math.nan)
    noise = math.sqrt(sum(e.budget.get(k, 0.0) ** 2 for k in ("fit", "solver", "quadrature")))
    if not w:
        return "no correction exponent to say which horizon would settle it"
    if not math.isfinite(spread):  # too few values for any scheme to fit the correction
        return (f"the slowest derived correction, {variable}^-{min(w):.3g}, falls to "
                f"{CORRECTION_TARGET:g} at {variable} ~ {horizon_text(derived_horizon(w))}: values up to "
                "there settle it")  # fmt: skip
    if spread < noise:
        return ("the interval is set by the errors of the values (fit, solver, interpolation), "
                "not by the extrapolation: more values, or less noisy ones, would narrow it")  # fmt: skip
    need = scaled_horizon(e.last_T, e.halfwidth / resolution, min(w))
    return (f"the spread of the extrapolations shrinks like the slowest derived correction "
            f"{variable}^-{min(w):.3g}: to {resolution:g} at {variable} ~ "
            f"{horizon_text(need, '.1g')}")  # fmt: skip


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
        msg = f"need >= {SLOPE_WINDOW} horizons with finite positive values, got {int(ok.sum())}"
        return Measurement(math.nan, math.nan, diagnostics=diag, success=False, message=msg)
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
