"""Tuned baselines over a horizon sweep, within the run's budget of work, and the LR-transfer
experiments measured on them (the exponent of a family's tuned base rate ``eta0`` against T).

The constant family's transfer is the quantity `optimal constant LR` measures (the tuned
constant rate), tuned here on the baselines' dynamics; it divides out the same derived
corrections (:mod:`solvers.claims.constant_rate`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from theory import PLRFModel

from ..dynamics import ModeGrid
from ..schedules.tuning import BASELINES, BRENT_XATOL, NELDER_MEAD_XATOL, tune_baseline
from .constant_rate import (
    CONSTANT_RATE_TOL,
    constant_sweep,
    subtract_deficit,
    subtract_feedback,
    sweep_grid,
)
from .core import ExperimentContext, _exponent_measurement

__all__ = ["BASELINE_LEDGER", "CONTINUUM_GRID_OPTIONS", "baseline_sweep", "transfer_experiment"]


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
            ledger = f"{ANNEALED_LEDGER}-{name}" if kw.get("above_limit") else BASELINE_LEDGER
            ctx.memo[key] = _within_budget(
                ctx, Ts, lambda T: tune_baseline_continuum(name, model, T, **kw, **opts), ledger
            )
        return ctx.memo[key]
    if name == "constant":
        return constant_sweep(model, Ts, ctx)
    Ts = _time_domain_Ts(Ts, ctx)
    key = (name, model, tuple(Ts), tuple(sorted(kw.items())))
    if key not in ctx.memo:
        ctx.memo[key] = _within_budget(
            ctx, Ts, lambda T: tune_baseline(name, model, T, grid=ctx.grid(model), **kw)
        )
    return ctx.memo[key]


#: Key of the context's ledger of reference CPU seconds spent on tuned baselines.
BASELINE_LEDGER = "baseline-reference-seconds"
#: The ledgers (one per family) of the hard phase's annealed transfers, tuned in their own box
#: to 1e12 (at (1.5, 3) the WSD's 21 horizons cost 66 reference s), each with the same budget:
#: on the shared ledger they spent what the linear peak's sweep needed after them (it started no
#: horizon at (1.5, 3)); on one ledger for both, the WSD left the linear peak 3.2e5 at (1.2, 4)
#: (benchmarks/results/claims.md, 2026-12-01s17).
ANNEALED_LEDGER = "annealed-transfer-reference-seconds"


def _within_budget(
    ctx: ExperimentContext, Ts: Sequence[int], tune, ledger: str = BASELINE_LEDGER
) -> list:
    """``tune(T)`` for each horizon in order, starting none once the sweeps on ``ledger`` have
    spent ``ctx.baseline_budget`` reference CPU seconds (their results' ``cost``: the work, so
    the horizons reached do not depend on the machine's load)."""
    out = []
    for T in Ts:
        spent = ctx.memo.get(ledger, 0.0)
        if ctx.baseline_budget is not None and spent >= ctx.baseline_budget:
            break
        r = tune(T)
        ctx.memo[ledger] = spent + r.cost
        out.append(r)
    return out


def transfer_experiment(name: str):
    """Exponent of a tuned baseline's base rate (``eta0``) against T (LR transfer, issue 5.4)."""

    def experiment(model, Ts, ctx):
        above = _above_limit_box(name, model, ctx)
        res = baseline_sweep(name, model, Ts, ctx, **({"above_limit": True} if above else {}))
        bound = [r.T for r in res if "eta0" in r.at_bound]
        extra = {"frac": [r.params["frac"] for r in res]} if name == "wsd" else {}
        etas = [r.params["eta0"] for r in res]
        diag = {"eta0": etas, "eta0_at_bound_T": bound, "baselines": ctx.baselines, **extra}
        if above:  # the peak's distance to the limit it approaches (theory.annealed_peak)
            lim = _stability_limit(model, ctx)
            diag |= {"stability_limit": lim, "eta0_over_limit_minus_1": [e / lim - 1 for e in etas]}
        if pinned := _pinned_on_bound(model, res):
            diag["out_of_regime"] = pinned
        if (
            above
            and res
            and (held := _held_by_the_limit(model, res[-1].T, diag["stability_limit"]))
        ):
            diag["out_of_regime"] = held
        Ts_, ys = [r.T for r in res], etas
        if name == "constant":  # the tuned constant rate: the same derived corrections as
            # `optimal constant LR` (the same quantity, tuned here on the baselines' dynamics):
            # the slow modes' noise deficit (easy) or the feedback (hard) divided out
            Ts_, ys = _constant_rate_corrected(model, Ts_, etas, ctx, diag)
        # the polish's tolerance in log eta0 bounds each tuned rate's relative error
        tol = BRENT_XATOL if len(BASELINES[name].params) == 1 else NELDER_MEAD_XATOL
        if name == "constant" and ctx.baselines != "continuum":  # constant_sweep's Brent
            tol = CONSTANT_RATE_TOL
        m = _exponent_measurement(Ts_, ys, diagnostics=diag, rel_solver=np.full(len(ys), tol),
                                  rel_quadrature=_grid_jitter(name, diag))  # fmt: skip
        if name in ("linear", "wsd") and model.phase == "easy" and m.success:
            return _against_reduced(model, name, Ts_, ys, tol, m, ctx)
        return m

    experiment.__name__ = f"_exp_transfer_{name}"
    return experiment


#: Relative jitter of the hard phase's tuned WSD gap below the stability limit from horizon to
#: horizon: the tuned fraction locks onto the continuum time grid's nodes near the end (it
#: alternates between two ratios per half decade, 0.745 and 0.816 at (1.5, 3)), and the gap
#: follows it. Residuals of log gap about a smooth cubic in log T, 1e4 .. 1e12 at (1.5, 3): rms
#: 0.010, largest 0.021 (benchmarks/results/claims.md, 2026-12-01s17).
WSD_GRID_JITTER = 0.02


#: A tuned WSD fraction at least this is on its bound 1: the decay starts at t = 0, there is no
#: kink near the end to lock onto the grid's nodes, and no jitter (where 2a > b + 2 the fraction
#: reaches 1 near the crossover and the WSD is the linear decay: 0.99999 .. 1 from 1e8 at (3, 3.5)).
WSD_FRACTION_AT_BOUND = 1 - 1e-3


def _grid_jitter(name: str, diag: dict) -> list | None:
    """The tuned WSD peak's relative error from its gap's grid jitter (:data:`WSD_GRID_JITTER`
    of the gap), where it is measured against the stability limit and its fraction is below
    its bound (:data:`WSD_FRACTION_AT_BOUND`: 0 there); ``None`` elsewhere. Where 2a > b + 2
    the peak is not near the limit and the gap is no jitter's measure; at (3.5, 4) 2 % of it
    was 0.0035 of the claim's budget with the fraction at 1 from 1e5 on."""
    if name != "wsd" or "eta0_over_limit_minus_1" not in diag:
        return None
    return [0.0 if f >= WSD_FRACTION_AT_BOUND else WSD_GRID_JITTER * abs(d)
            for d, f in zip(diag["eta0_over_limit_minus_1"], diag["frac"], strict=True)]  # fmt: skip


def _above_limit_box(name: str, model: PLRFModel, ctx: ExperimentContext) -> bool:
    """Whether the transfer of ``name`` is tuned in a box above the constant-rate stability
    limit (up to ``eta_max``): the hard phase's annealed peaks on the continuum dynamics, whose
    tuned linear peak lies above that limit (theory.annealed_peak; on the optimum's own box it
    sat on the box's bound at every horizon, and the exponent measured was the bound's). The
    recursion's box already reaches ``eta_max``."""
    return name in ("linear", "wsd") and model.phase == "hard" and ctx.baselines == "continuum"


#: Where 2a > b + 2 the tuned annealed peak leaves the stability limit only past the horizon
#: ``T_c`` where the feedback-free balance's peak falls to the limit (:func:`crossover_horizon`),
#: and its local slopes reach the derived e some decades later: at (3, 3.5) (``T_c`` = 9.2e7)
#: they are -0.040 at 1.8e8, -0.061 at 1.8e9, -0.0641 at 5.6e9 (61 ``T_c``) and within 0.002
#: of -1/15 from 1.8e10 on; at (3.5, 4) (``T_c`` = 6.6e4) -0.102 at 3.2e6, -0.1065 at 1e7
#: (150 ``T_c``), -0.1087 at 3.2e7, within 0.0012 of -1/9 from 1e8 on
#: (benchmarks/results/claims.md, 2026-12-01s18). A sweep that ends before
#: ``CROSSOVER_FACTOR`` times ``T_c`` has not measured e.
CROSSOVER_FACTOR = 100.0


def crossover_horizon(model: PLRFModel, limit: float) -> float:
    """The horizon where the reduced problem's tuned linear peak (every mode exact, no noise
    feedback, the source held at sigma^2: :func:`~solvers.claims.transfer_reduced.reduced_peaks`)
    falls to the stability ``limit``: before it the feedback holds the tuned peak near the limit
    (the balance's peak lies above it), after it the peak follows the balance's ``T^e``
    (at 1e10 the two agree to 1 % at (3, 3.5)). Bisection in log T on 1e2 .. 1e60 (``inf`` if
    the reduced peak is above the limit at 1e60), on modes that hold the front there."""
    from .transfer_reduced import reduced_peaks

    front = (model.eta_max * 1e60) ** (1.0 / model.b)
    wide = model.replace(n_modes=max(model.n_modes, int(min(10 * front, 1e300))))
    grid = ModeGrid.from_model(wide)

    def above(logT):
        return reduced_peaks(wide, [10.0**logT], 1.0, grid=grid)[0] > limit

    lo, hi = 2.0, 60.0
    if not above(lo):
        return 10.0**lo
    if above(hi):
        return math.inf
    while hi - lo > 0.05:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if above(mid) else (lo, mid)
    return 10.0 ** (0.5 * (lo + hi))


def noise_regime(model: PLRFModel) -> bool:
    """Whether ``model`` lies where the linear decay's end outlasts its bias (2a > b + 2, hard
    phase: theory.linear_peak_noise_regime), where the annealed peaks fall like ``T^e``."""
    from theory import linear_peak_noise_regime
    from theory.symbols import a, b

    cond = linear_peak_noise_regime()[1].subs({a: model.a, b: model.b})
    return model.phase == "hard" and bool(cond)


def _held_by_the_limit(model: PLRFModel, T_last: float, limit: float) -> str:
    """Why the hard annealed transfer cannot test its exponent e where 2a > b + 2: the sweep
    ends before :data:`CROSSOVER_FACTOR` times :func:`crossover_horizon`. ``""`` otherwise
    (and outside that regime)."""
    if not noise_regime(model):
        return ""
    Tc = crossover_horizon(model, limit)
    if T_last >= CROSSOVER_FACTOR * Tc:
        return ""
    return (
        f"where 2a > b + 2 the tuned peak is held near the stability limit {limit:.4g} until the "
        f"feedback-free balance's peak falls below it, at T_c ~ {Tc:.1e}, and follows T^e only "
        f"from ~{CROSSOVER_FACTOR:g} T_c ~ {CROSSOVER_FACTOR * Tc:.1e}; the sweep ends at "
        f"{T_last:.3g}: in practice the base rate still transfers there"
    )


def _stability_limit(model: PLRFModel, ctx: ExperimentContext) -> float:
    """The constant-rate stability limit on the continuum quadrature (the solver's bound
    without its margin)."""
    from ..schedules.tuning_continuum import continuum_problem

    opts = {k: v for k, v in ctx.solver_options.items() if k in CONTINUUM_GRID_OPTIONS}
    return continuum_problem(model, 1.0, **opts).stability_limit


def _constant_rate_corrected(model, Ts, etas, ctx, diag) -> tuple[list, list]:
    """The tuned constant rates with their derived slope correction divided out, as
    :mod:`solvers.claims.constant_rate` does for `optimal constant LR`: the slow modes' noise
    deficit in the easy phase, summed on the exact recursion's grid of the model at the rates
    tuned here (a property of the mode sum, not of the tuner), the feedback in the hard
    phase."""
    if model.phase == "easy" and Ts:
        return subtract_deficit(sweep_grid(model, Ts, ctx), Ts, etas, etas, "rate", diag)
    return subtract_feedback(model, Ts, etas, etas, "rate", diag)


def _pinned_on_bound(model: PLRFModel, res) -> str:
    """Why the exponent of the tuned ``eta0`` is the tuner's bound's, not a measurement: the
    rate sits on the upper end of its search box at the last two horizons (the last local slope
    and the tail of the extrapolation are the bound's). ``""`` otherwise. On the continuum
    dynamics that end is the solver's own bound ``min(eta_max, stability limit)`` (the baseline
    must stay a feasible point of the optimum's problem), not ``eta_max``: at (1.5, 3) the
    linear peak sits on 0.64978 at every horizon from 316 on, while on the exact recursion,
    whose box reaches ``eta_max``, it is tuned just above the stability limit and falls back
    toward it (benchmarks/results/claims.md, 2026-12-01s16)."""
    if len(res) < 2:
        return ""
    ups = [r.bounds["eta0"][1] for r in res]
    on = [r.T for r, up in zip(res, ups, strict=True) if "eta0" in r.at_bound
          and r.params["eta0"] >= up * (1 - 1e-3)]  # fmt: skip
    if res[-1].T not in on or res[-2].T not in on:
        return ""
    up = ups[-1]
    what = (
        f"eta_max = {model.eta_max:g}"
        if up >= model.eta_max * (1 - 1e-9)
        else f"the dynamics' stability limit less its margin, below eta_max = {model.eta_max:g}"
    )
    return (
        f"the tuned eta0 sits on the tuner's upper bound {up:.5g} ({what}) at T = "
        f"{', '.join(f'{T:.3g}' for T in on)}: the exponent measured is the bound's, not a "
        "transfer"
    )


def _modes(model: PLRFModel, ctx: ExperimentContext):
    """The mode sum :func:`baseline_sweep` tunes on: the continuum solver's quadrature (with the
    context's grid options) or the recursion's grid."""
    if ctx.baselines != "continuum":
        return ctx.grid(model)
    from ..schedules.tuning_continuum import continuum_problem

    opts = {k: v for k, v in ctx.solver_options.items() if k in CONTINUUM_GRID_OPTIONS}
    return continuum_problem(model, 1.0, **opts).quad


def _against_reduced(model, name, Ts, etas, tol, m, ctx):
    """The easy-phase annealed peak measured against its reduced problem
    (:mod:`solvers.claims.transfer_reduced`): the raw local slopes and the global fit of ``m``
    stay for the report; the value and its interval are the ratio's plus the reduced
    problem's exponent."""
    from .transfer_reduced import reduced_transfer

    diag = {k: v for k, v in m.diagnostics.items() if k != "extrapolation_input"}
    fracs = diag["frac"][-len(Ts) :] if name == "wsd" else 1.0
    e = reduced_transfer(model, Ts, etas, fracs, tol, diag, lambda md: _modes(md, ctx))
    return replace(m, value=e.value, stderr=e.stderr, diagnostics=diag, extrapolation=e)
