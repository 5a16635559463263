r"""The catalogue of claims: the experiments that measure each row of docs/theory.md §3 and the
default registry :data:`CLAIMS` (the rows beyond the learning rate in
:mod:`solvers.claims.beyond`). The model of a claim lives in :mod:`solvers.claims.core`.

Experiments needing the optimal-control solver take it from ``ctx.solver`` (a callable
``solver(model, T, **options)`` returning a result with ``t, eta, final_loss, success``), so the
registry works the moment a solver is injected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import numpy as np
import sympy as sp

from theory import (
    PLRFModel,
    annealed_peak_exponent,
    derive_scaling_laws,
    fixed_shape_peak_exponent,
    tuned_power_law_gain,
    window_source_response,
)
from theory import symbols as S

from ..analysis.extrapolate import extrapolate_sequence
from ..analysis.fits import LocalSlopes, fit_collapse_exponent, fit_end_exponent, slope_drift
from . import easy_layer as layer
from . import noise_floor as floor
from ._hard_sweep import hard_sweep_options
from .baselines import baseline_sweep, transfer_experiment
from .beyond import beyond_claims
from .constant_rate import exp_constant_loss, exp_constant_rate
from .core import (
    Claim,
    ClaimRegistry,
    ExperimentContext,
    Measurement,
    _exponent_measurement,
    law,
)
from .hard_loss import divide_out_excess
from .power_law import cap_crossover, power_chi_measurement, subtract_rate_cap
from .readouts import (
    ANNEAL_LEVEL,
    BULK_START,
    DELTA_U_RANGE,
    _eta_fn,
    peak_rate,
    shape_exponent,
    shape_windows,
    step_error,
    window_mean_rate,
)
from .window_layer import (
    WINDOW_FIT,
    WINDOW_REALISED_TIME,
    deficit_division,
    deficit_factor,
    realised_variable,
    window_readouts,
)

__all__ = [
    "BUILT_IN",
    "CLAIMS",
    "constant_rate_balance",
    "default_claims",
    "peak_rate_exponent",
    "register_claim",
]


def _exp_power_vs_constant(model, Ts, ctx):
    """Loss-exponent gain of the tuned power law over the tuned constant (<= 0: no gain),
    extrapolated from the differences of their local slopes, the power law's derived rate-cap
    correction divided out where its ``eta0`` is on the bound (:func:`subtract_rate_cap`). Both
    on one dynamics (:func:`baseline_sweep`): :func:`constant_sweep`'s binned modes wobble its
    slope by +-3e-4."""
    pw = baseline_sweep("power", model, Ts, ctx)
    cst = {r.T: r for r in baseline_sweep("constant", model, [r.T for r in pw], ctx)}
    pw, Ts_ = [r for r in pw if r.T in cst], [r.T for r in pw if r.T in cst]  # the budget
    diag = {"T": Ts_, "constant_loss": [cst[T].final_loss for T in Ts_],
            "constant_eta0": [cst[T].params["eta0"] for T in Ts_]}  # fmt: skip
    mp = _exponent_measurement(Ts_, subtract_rate_cap(model, pw, diag))
    if note := cap_crossover(model, pw):  # the sweep ends before eta0 reaches the cap
        diag["out_of_regime"] = note
    mc = _exponent_measurement(Ts_, diag["constant_loss"])
    if not (mp.success and mc.success):
        return Measurement(math.nan, math.nan, success=False, message=mp.message or mc.message)
    x = mp.extrapolation.x
    gains = mc.extrapolation.slopes - mp.extrapolation.slopes  # > 0: the power law decays faster
    e = extrapolate_sequence(x, gains)
    sl = LocalSlopes(x, gains, np.full(x.size, math.nan), 2)
    dr = slope_drift(sl, tail=min(3, sl.slope.size)) if sl.slope.size >= 2 else None
    return Measurement(
        e.value, e.stderr, mp.fit, sl, dr,
        {**diag, "power_loss": [r.final_loss for r in pw],
         "loss_ratio_power_over_constant": [r.final_loss / cst[r.T].final_loss for r in pw],
         "power_exponent": mp.value, "constant_exponent": mc.value,
         "sequence_input": {"x": x.tolist(), "s": gains.tolist()}},
        True, "gain = power-law loss decay exponent - constant's (local slopes, extrapolated; "
        "the power law's rate-cap correction divided out)", e,
    )  # fmt: skip


def _exp_power_chi(model, Ts, ctx):
    return power_chi_measurement(baseline_sweep("power", model, Ts, ctx))


# -- experiments that need the optimal-control solver ---------------------------------------------


def optimal_sweep(model: PLRFModel, Ts: Sequence[int], ctx: ExperimentContext) -> dict:
    """``{T: result}`` of the injected optimal solver or sweep, memoised per horizon in ``ctx``
    (claims on different horizon lists share the horizons they have in common).

    A sweep may leave horizons unsolved (``None``: its CPU budget ran out); they are left out
    of the result and listed by :func:`unsolved_horizons`.
    """
    memo = ctx.memo.setdefault(("optimal", model), {})
    missing = [T for T in dict.fromkeys(Ts) if T not in memo]
    if missing and ctx.sweep is not None:
        memo.update(zip(missing, ctx.sweep(model, missing, **ctx.solver_options), strict=True))
    elif missing:
        memo.update({T: ctx.solver(model, T, **ctx.solver_options) for T in missing})
    return {T: memo[T] for T in Ts if memo[T] is not None}


def unsolved_horizons(model: PLRFModel, ctx: ExperimentContext) -> list:
    """Horizons the optimal sweep of ``model`` left unsolved in ``ctx`` (its CPU budget)."""
    return sorted(T for T, r in ctx.memo.get(("optimal", model), {}).items() if r is None)


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


def shape_solver_errors(sol: dict, Ts, rs, *readouts) -> np.ndarray:
    """``rs`` (the KKT bound) raised to the largest change of any of ``readouts`` under each
    solve's remaining Newton step (:func:`~solvers.claims.readouts.step_error`): a shape moves
    along directions the loss hardly sees (lost times 1.4e-3 apart within KKT 1e-6)."""
    steps = [[step_error(sol[T], T, r) for T in Ts] for r in readouts]
    return np.fmax(np.asarray(rs, float), np.nanmax(np.asarray(steps, float), axis=0, initial=0.0))


def _solved(model, Ts, ctx) -> tuple[dict, list]:
    """The optimal sweep over ``Ts`` and the horizons it solved (all, unless a CPU budget
    stopped it: the claim is then measured on the horizons reached)."""
    sol = optimal_sweep(model, Ts, ctx)
    return sol, list(sol)


def _budgeted(experiment):
    """``experiment`` with the horizons its optimal sweep left unsolved (a CPU budget) in its
    diagnostics, ``"unsolved_T"``: :func:`~solvers.claims.core.evaluate_claim` says so in an
    inconclusive verdict, with the horizon the derived correction asks for."""

    def budgeted(model, Ts, ctx):
        m = experiment(model, Ts, ctx)
        cut = [T for T in unsolved_horizons(model, ctx) if T in set(Ts)]
        return replace(m, diagnostics={**m.diagnostics, "unsolved_T": cut}) if cut else m

    budgeted.__name__ = budgeted.__qualname__ = experiment.__name__
    budgeted.__doc__ = experiment.__doc__
    return budgeted


def _exp_optimal_loss(model, Ts, ctx):
    """Exponent of L*(T); in the hard phase with the window's derived excess divided out
    (:func:`~solvers.claims.hard_loss.divide_out_excess`)."""
    sol, Ts = _solved(model, Ts, ctx)
    diag = {
        "success": [bool(sol[T].success) for T in Ts],
        "kkt_residual": [float(getattr(sol[T], "kkt_residual", math.nan)) for T in Ts],
    }
    # the plateau's bias on the sweep's own mode quadrature (the hard sweep sets its own nodes);
    # the loss of the modes the model lacks added back: the claim is about the infinite model
    opts = {**hard_sweep_options(model), **ctx.solver_options}
    diag["unlearned_tail"] = tail = model.tail_loss
    ys = [sol[T].final_loss + tail for T in Ts]
    ys = divide_out_excess(model, Ts, sol, ys, diag, opts, tail=tail)
    rs, rq = solver_errors(sol, Ts, order=2)
    return _exponent_measurement(Ts, ys, diagnostics=diag, rel_solver=rs, rel_quadrature=rq)


#: Fractions ``s = t/T`` over which the xi experiment averages the optimal rate: centred on the
#: middle of the run, clear of the early transient (first ~5 %) and of the final annealing.
XI_WINDOW = (0.3, 0.7)


def _exp_xi(model, Ts, ctx):
    """xi from the mean optimal rate over ``s in XI_WINDOW`` against ``T``, the layer and the noise
    floor divided out (:func:`.noise_floor.divided_readout`); raw means, collapse fit kept."""
    sol, Ts = _solved(model, Ts, ctx)
    sch = {T: _eta_fn(sol[T], T) for T in Ts}
    pooled = fit_collapse_exponent(sch)
    readout, floor_diag = floor.divided_readout(model, sol, Ts, XI_WINDOW)
    mean = [readout(sol[T], T) for T in Ts]
    mid = [float(sch[T](np.array([0.5 * T]))[0]) for T in Ts]
    rs, rq = solver_errors(sol, Ts, order=1)
    rs = shape_solver_errors(sol, Ts, rs, lambda r, T: window_mean_rate(r, T, *XI_WINDOW))
    m = _exponent_measurement(
        Ts, mean, sign=-1.0, rel_solver=rs, rel_quadrature=rq,
        diagnostics={"pooled_xi": -pooled.exponent, "pooled_xi_stderr": pooled.stderr,
                     "window": XI_WINDOW, "eta_at_half": mid, "mean_raw": [window_mean_rate(
                         sol[T], T, *XI_WINDOW) for T in Ts], **floor_diag},
    )  # fmt: skip
    return layer.with_slope_grid_error(model, sol, Ts, ctx, m, readout)


def _exp_collapse(model, Ts, ctx):
    """Spread of T^xi eta*(sT) across T at the best-collapsing xi (0 = perfect collapse)."""
    from ..analysis.fits import collapse_spread

    sol, Ts = _solved(model, Ts, ctx)
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


def _exp_delta(model, Ts, ctx):
    """delta per horizon (:func:`shape_exponent`'s windows over DELTA_U_RANGE) with the
    end-of-run boundary layer divided out (:func:`.easy_layer.divided_shape_exponent`),
    extrapolated in ``T``.

    The per-horizon values play the role of local slopes; :func:`evaluate_claim`
    re-extrapolates them with the derived corrections of the schedule's shape. The solver's
    relative schedule error ``r`` moves each half's mean by ``r``: delta by
    ``sqrt(2) r / log(u2/um)``. The time grid's error (:func:`.easy_layer.grid_error`, at the
    longest horizon) enters as a common offset of every value.
    """
    sol, Ts = _solved(model, Ts, ctx)
    divided = lambda r, T: layer.divided_delta(model, r, T)  # noqa: E731
    deltas = np.array([divided(sol[T], T) for T in Ts])
    fitted = [fit_end_exponent(_eta_fn(sol[T], T), T=round(T), u_range=DELTA_U_RANGE).delta
              for T in Ts]  # fmt: skip
    rs, _ = solver_errors(sol, Ts, order=1)
    halves = [lambda r, T, w=w: window_mean_rate(r, T, *w) for w in shape_windows(DELTA_U_RANGE)]
    rs = shape_solver_errors(sol, Ts, rs, *halves)
    half = 0.5 * math.log(DELTA_U_RANGE[1] / DELTA_U_RANGE[0])
    x = np.asarray(Ts, float)
    grid = layer.grid_error(model, sol[Ts[-1]], Ts[-1], divided, ctx) if Ts else math.nan
    raw = {"x": x, "s": deltas, "cov_solver": np.diag(2 * (rs / half) ** 2),
           "cov_quadrature": np.full((x.size,) * 2, np.nan_to_num(grid) ** 2)}  # fmt: skip
    sl = LocalSlopes(x, deltas, np.full(x.size, math.nan), 1)
    dr = slope_drift(sl, tail=min(3, len(Ts))) if len(Ts) >= 2 else None
    e = extrapolate_sequence(**raw)
    return Measurement(
        e.value, e.stderr, None, sl, dr,
        {"T": list(Ts), "delta": deltas.tolist(), "u_range": DELTA_U_RANGE,
         "delta_raw": [shape_exponent(sol[T], T) for T in Ts], "grid_error": grid,
         "delta_fitted": fitted, "sequence_input": raw},
        True, "", e,
    )  # fmt: skip


def _exp_peak(model, Ts, ctx):
    """Exponent of the optimal schedule's base rate (the largest window mean over the bulk
    t >= 0.05 T, :func:`~solvers.claims.readouts.peak_rate`) against T."""
    sol, Ts = _solved(model, Ts, ctx)
    peaks = [peak_rate(sol[T], T) for T in Ts]
    glob = [float(np.max(sol[T].eta)) for T in Ts]
    upper = [float(getattr(sol[T], "eta_upper", model.eta_max)) for T in Ts]
    at_bound = [p >= (1 - 1e-6) * u for p, u in zip(peaks, upper, strict=True)]
    rs, rq = solver_errors(sol, Ts, order=1)
    rs = shape_solver_errors(sol, Ts, rs, peak_rate)
    return _exponent_measurement(
        Ts, peaks, rel_solver=rs, rel_quadrature=rq, diagnostics={"peak": peaks, "global_max": glob, "eta_upper": upper,
                                "at_bound": at_bound, "bulk_start": BULK_START},
    )  # fmt: skip


def window_noise_source(model: PLRFModel, final_loss: float) -> float:
    r"""The noise source of the final annealing, :math:`n = \sigma^2 + L(T)` (SGD injects
    :math:`(\sigma^2 + L)/m`; the batch is constant and drops out of the exponent).

    On the plateau the loss is :math:`(B + S\sigma^2)/(1 - S)` (bias ``B``, noise share ``S``
    at the plateau rate), so the source there is :math:`(\sigma^2 + B)/(1 - S)`; at the end it is
    :math:`\sigma^2 + L(T)` with :math:`L(T) = B\,(1 + O(T^{-(b-a)/(2b-1)}))`: both are
    :math:`\sigma^2 + L(T)` up to a constant factor and the window's own correction.
    """
    return model.sigma**2 + final_loss


#: Drift of the window's shape exponent per decade of ``T`` that an inconclusive window verdict
#: mentions: below it the lost time's local slope moves by < 1e-3 (``d log Lambda/d delta`` is
#: 0.1-0.3 for delta = 2-5 at the claim's level).
SHAPE_DRIFT_NOTED = 0.01


def _exp_anneal_width(model, Ts, ctx, *, fraction: bool = False, realised=WINDOW_REALISED_TIME):
    r"""Exponent of the annealing window read as the lost time :func:`lost_time` (``/ T``: the
    fraction) times :math:`n^{\kappa}`, :math:`n` the noise source (:func:`window_noise_source`)
    and :math:`\kappa` derived (:func:`theory.window_source_response`): the window's balance
    gives :math:`W \propto T^{\omega_0} n^{-\kappa}`, and while the loss is not small against
    :math:`\sigma^2` the source decays with ``T`` (claims.md, 2026-11-30d). The lost time alone,
    the label noise's share of the source, :func:`annealing_width`'s crossings and the shape
    exponent (:func:`window_shape_exponent`, against ``2b - 1``) are diagnostics. The lost time is
    the outer window's, the fit :data:`.window_layer.WINDOW_FIT`, the grid error xi's (12-01z).
    ``realised``: the slopes against the realised intrinsic time, two derived factors divided
    out (:func:`.window_layer.realised_variable`; claims.md, 2026-12-02s20 (win20))."""
    sol, Ts = _solved(model, Ts, ctx)
    Ts, lost, other, readout = window_readouts(model, sol, Ts)  # the layer divided where small
    source = np.array([window_noise_source(model, sol[T].final_loss) for T in Ts])
    kappa = float(window_source_response().kappa.subs(model.subs()))
    shape = other["window_shape_exponent"]  # against the balance's 2b - 1: drift = correction
    drift = (shape[-1] - shape[-2]) / math.log10(Ts[-1] / Ts[-2]) if len(Ts) >= 2 else math.nan
    unsettled = abs(drift) >= SHAPE_DRIFT_NOTED  # measured: no limit without it (2026-11-30o)
    other["extrapolation_options"] = replace(WINDOW_FIT, min_terms=int(unsettled))
    if unsettled:
        other["unconverged"] = (f"the window's shape still changes: its exponent "
                                f"(window_shape_exponent) moves by {drift:+.2f} per decade at "
                                f"T = {Ts[-1]:.3g}, where it is {shape[-1]:.2f}")  # fmt: skip
    ys = lost * source**kappa / (np.asarray(Ts, float) if fraction else 1.0)
    if fraction:  # the plateau's deficit, divided out with each optimum's own (not fitted)
        other.update(deficit_division(model, sol, Ts))
        ys = ys * np.asarray(other["deficit_factor"])
    xs, realised = realised_variable(model, sol, Ts) if realised and not fraction else (Ts, {})
    ys = ys * np.asarray(realised.get("unlearned_factor", 1.0)) * realised.get("rate_factor", 1.0)
    rs, rq = solver_errors(sol, Ts, order=1)
    # the window's shape may move along directions the loss hardly sees: the lost time's change
    # under the solver's remaining Newton step, where it exceeds the KKT residual's bound
    other["step_error"] = step = [step_error(sol[T], T, readout) for T in Ts]
    rs = np.fmax(rs, np.asarray(step, float))  # unknown steps (nan) leave the KKT bound
    # the source enters as L**|kappa|: the loss's own relative errors (a value at a minimum)
    rs_l, rq_l = solver_errors(sol, Ts, order=2)
    share_L = 1.0 - model.sigma**2 / source
    if realised:  # the layer's first order where the raw lost time is read stays added
        realised["added_omegas"] = [*other.get("added_omegas", ()), *realised["added_omegas"]]
    m = _exponent_measurement(
        xs, ys, rel_solver=rs + abs(kappa) * share_L * rs_l,
        rel_quadrature=rq + abs(kappa) * share_L * rq_l,
        diagnostics={"lost_time": lost.tolist(), "level": ANNEAL_LEVEL, "source": source.tolist(),
                     "kappa": kappa, "source_label_share": (1.0 - share_L).tolist(), **other,
                     **realised},
    )  # fmt: skip

    def y(r, T):  # the readout of one optimum, for the time grid's drift (claims.md 2026-12-01z)
        f = deficit_factor(model, r, T) if fraction else 1.0
        return f * readout(r, T) * window_noise_source(model, r.final_loss) ** kappa

    return layer.with_slope_grid_error(model, sol, Ts, ctx, m, y)


def _exp_anneal_fraction(model, Ts, ctx):
    return _exp_anneal_width(model, Ts, ctx, fraction=True)


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


def annealed_family_peak_exponent(family: str = "linear") -> sp.Expr:
    r"""Prediction of the LR-transfer claims of the linear-decay and WSD families: in the easy
    phase the tuned peak of a family that decays linearly (:math:`\delta = 1`) has its own
    balance (:func:`theory.fixed_shape_peak_exponent`) — :math:`T^{-\xi}` for :math:`b < 2`,
    :math:`T^{-(2a-2-b)/(2a-2+b)}` for :math:`b > 2` (both :math:`\xi` at :math:`b = 2`, the last
    branch); in the hard phase :func:`theory.annealed_peak_exponent`: 0 (the stability limit)
    where :math:`2a \le b + 2`, and :math:`T^{e}`, :math:`e = (b+2-2a)/(2a+b-2) < 0`, where
    the linear decay's end outlasts its bias (the base rate does not transfer; the WSD's tuned
    fraction is 1 there, so it follows)."""
    laws = derive_scaling_laws()
    easy = [(-v, c) for c, v in fixed_shape_peak_exponent(1)]
    easy.append((-laws.easy["xi"].expr, True))
    hard = annealed_peak_exponent(family)
    return sp.Piecewise((sp.Piecewise(*easy), laws.phase_boundary), (hard, True))


def _gain_prediction() -> sp.Expr:
    """Loss-exponent gain of the power law with tuned ``eta0`` (the family the experiment tunes)
    over the tuned constant, derived by :func:`theory.tuned_power_law_gain`."""
    return tuned_power_law_gain()[0]


# -- the registry ----------------------------------------------------------------------------------


def default_claims() -> ClaimRegistry:
    """A fresh registry with every row of docs/theory.md §3, predictions from the symbolic engine
    (:func:`theory.derive_scaling_laws`); signs follow the measured slopes (``y ~ T^slope``)."""
    return ClaimRegistry([*_schedule_claims(), *_baseline_claims(), *beyond_claims()])


def _schedule_claims() -> list[Claim]:
    """The claims measured on optimal schedules (they need the solver)."""
    C = Claim
    return [
            C("phase boundary", "easy phase iff a > b (peak rate shrinks); hard iff a < b (transfers)",
              r"\text{easy} \iff a > b", "exponent of the optimal peak rate max eta*(T)",
              prediction=peak_rate_exponent, experiment=_budgeted(_exp_peak), needs_solver=True,
              correction="peak_rate",
              provenance="study, paper, derivation"),
            C("easy schedule", "eta*(t) ~ T^(-xi) (1 - t/T)^delta",
              r"\eta^*(t) \sim T^{-\xi}(1 - t/T)^{\delta}", "collapse spread",
              prediction=lambda: None, experiment=_budgeted(_exp_collapse), phases=("easy",),
              needs_solver=True, provenance="stated by the study"),
            C("xi", "xi = 1 - b/a", r"\xi = 1 - b/a", "xi: eta*(T/2) ~ T^(-xi)",
              prediction=law("xi", phase="easy"), experiment=_budgeted(_exp_xi), phases=("easy",),
              correction="xi",
              needs_solver=True, provenance="study code (collapse) and an independent paper"),
            C("delta", "delta = 2b - 1", r"\delta = 2b - 1",
              "delta of eta* ~ (1 - t/T)^delta over 1 - t/T in [0.1, 0.5]", prediction=law("delta"),
              experiment=_budgeted(_exp_delta), phases=("easy",), needs_solver=True, resolution=0.1,
              correction="delta",
              provenance="same; slow approach in T"),
            C("easy optimal loss", "L* ~ T^(-(a-1)/a)", r"L^* \sim T^{-(a-1)/a}",
              "exponent of L*(T)", prediction=law("loss_exponent", sign=-1, phase="easy"),
              experiment=_budgeted(_exp_optimal_loss), phases=("easy",), needs_solver=True,
              correction="loss_exponent",
              provenance="study and paper"),
            C("hard schedule", "eta = eta_max (constant in T), then annealing",
              r"\eta^* = \eta_{\max}\ \text{then anneal}", "exponent of max eta*(T)",
              prediction=peak_rate_exponent, experiment=_budgeted(_exp_peak), phases=("hard",),
              correction="peak_rate",
              needs_solver=True, provenance="stated by the study"),
            C("hard optimal loss", "L* ~ T^(-(a-1)/b)", r"L^* \sim T^{-(a-1)/b}",
              "exponent of L*(T)", prediction=law("loss_exponent", sign=-1, phase="hard"),
              experiment=_budgeted(_exp_optimal_loss), phases=("hard",), needs_solver=True,
              correction="loss_exponent",
              provenance="study code; derivation"),
            C("optimal loss", "L* ~ T^(-(a-1)/a) (easy), T^(-(a-1)/b) (hard)",
              r"L^* \sim T^{-(a-1)/\max(a, b)}", "exponent of L*(T)",
              prediction=law("loss_exponent", sign=-1), experiment=_budgeted(_exp_optimal_loss),
              correction="loss_exponent",
              needs_solver=True, provenance="both phase rows (phase diagrams)"),
            C("hard annealing window", "width ~ T^((a+b-1)/(2b-1))",
              r"w \sim T^{(a+b-1)/(2b-1)}",
              "exponent of the steps lost below half the peak rate, times (sigma^2 + L)^kappa",
              prediction=law("anneal_window_exponent", phase="hard"),
              experiment=_budgeted(_exp_anneal_width), phases=("hard",), needs_solver=True,
              correction="anneal_window_exponent",
              provenance="derived only"),
            C("hard annealing fraction", "fraction ~ T^(-(b-a)/(2b-1))",
              r"w/T \sim T^{-(b-a)/(2b-1)}", "exponent of the lost steps / T (half the peak), times (sigma^2 + L)^kappa",
              prediction=law("anneal_fraction_exponent", phase="hard"),
              experiment=_budgeted(_exp_anneal_fraction), phases=("hard",), needs_solver=True,
              correction="anneal_fraction_exponent",
              provenance="derived only"),
    ]  # fmt: skip


def _baseline_claims() -> list[Claim]:
    """The claims measured on tuned baselines (constant, power law, LR-transfer families)."""
    C = Claim
    return [
            C("optimal constant LR", "eta ~ T^(-(a-1)/(a+b-1))",
              r"\eta_c \sim T^{-(a-1)/(a+b-1)}", "exponent p of eta_c(T) ~ T^p",
              prediction=law("constant_lr_exponent", sign=-1), experiment=exp_constant_rate,
              correction="constant_lr_exponent",
              provenance="derived only"),
            C("optimal constant loss", "L ~ T^(-(a-1)/(a+b-1))",
              r"L_c \sim T^{-(a-1)/(a+b-1)}", "exponent p of L_c(T) ~ T^p",
              prediction=law("constant_lr_loss_exponent", sign=-1),
              experiment=exp_constant_loss, correction="constant_lr_loss_exponent",
              provenance="derived only"),
            C("optimal power law", "eta0 t^(-chi), eta0 tuned: no better loss exponent than constant",
              r"\eta_0 t^{-\chi}:\ \text{no exponent gain}",
              "loss-exponent gain of the tuned power law over the tuned constant",
              prediction=_gain_prediction, experiment=_exp_power_vs_constant,
              correction="power_law_gain", provenance="derived only, weak"),
            # with eta0 tuned too, only mu = nu + chi enters the leading exponents
            # (theory.tuned_power_law_gain): chi* is set by prefactors, not predicted
            C("optimal power law chi", "chi* with eta0 tuned: not fixed by the exponents",
              r"\chi^*", "tuned chi at the longest horizon", prediction=lambda: None,
              experiment=_exp_power_chi, provenance="open; derived by the engine"),
            C("LR transfer: WSD peak",
              "annealed base rate: transfers (hard, 2a <= b + 2); does NOT transfer where "
              "2a > b + 2, ~T^((b+2-2a)/(2a+b-2)) (the fraction goes to 1: a linear decay); "
              "~T^(-nu_1) (easy)",
              r"\eta_0^{\mathrm{WSD}} \sim T^{-\nu_1}\ /\ T^0\ /\ T^{(b+2-2a)/(2a+b-2)}",
              "exponent of the tuned WSD peak rate",
              prediction=partial(annealed_family_peak_exponent, "wsd"),
              experiment=transfer_experiment("wsd"), correction="annealed_peak.wsd",
              provenance="study (practical message); fails where 2a > b + 2 (derived)"),
            C("LR transfer: linear peak",
              "annealed base rate: transfers (hard, 2a <= b + 2); does NOT transfer where "
              "2a > b + 2: its end's noise outlasts the bias, ~T^((b+2-2a)/(2a+b-2)); "
              "~T^(-nu_1) (easy)",
              r"\eta_0^{\mathrm{lin}} \sim T^{-\nu_1}\ /\ T^0\ /\ T^{(b+2-2a)/(2a+b-2)}",
              "exponent of the tuned linear-decay peak rate",
              prediction=partial(annealed_family_peak_exponent, "linear"),
              experiment=transfer_experiment("linear"), correction="annealed_peak.linear",
              provenance="study (practical message); fails where 2a > b + 2 (derived)"),
            C("LR transfer: constant", "unannealed base rate shrinks in both phases",
              r"\eta_c \sim T^{-(a-1)/(a+b-1)}", "exponent of the tuned constant rate",
              prediction=law("constant_lr_exponent", sign=-1),
              experiment=transfer_experiment("constant"), correction="constant_lr_exponent",
              provenance="derived only"),
    ]  # fmt: skip


#: The default registry; :func:`register_claim` adds to it.
CLAIMS = default_claims()
#: Its claims as built at import: a worker process of a validation run rebuilds these, so only
#: they may run there (:func:`solvers.claims.beside.beside_names`), not one registered later.
BUILT_IN = {c.name: c for c in CLAIMS}


def register_claim(claim: Claim, *, replace: bool = False, registry: ClaimRegistry | None = None):
    """Add ``claim`` to ``registry`` (default :data:`CLAIMS`); returns it."""
    return (CLAIMS if registry is None else registry).register(claim, replace=replace)
