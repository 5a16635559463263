r"""Claims beyond the learning rate: batch size, momentum, compute-optimal scaling (issue 6).

Each experiment runs its own solver at its own scale — the wall-clock batch ramp
(:func:`~solvers.control.batch.optimal_batch_at_rate`), the long-horizon momentum forms sweep
(:func:`solvers.claims.momentum_forms.forms_sweep`, shared with the per-form rows; the joint
``(eta, beta)`` block control :func:`momentum_sweep` is kept for the report's figure), the
compute-optimal sweep over model
size (:func:`~solvers.control.compute_optimal.compute_optimal_scaling`) — so they do not use the
context's learning-rate solver or its horizons ``Ts``: the scale is :class:`BeyondScale`
(``ExperimentContext.beyond``; :meth:`BeyondScale.quick` for smoke tests). Results are memoised
in the context and, when it has a :class:`~solvers._cache.DiskCache`, on disk.

Predictions come from the symbolic engine: the ramp and compute-optimal exponents from
:func:`theory.derive_scaling_laws`, the degeneracy from :func:`theory.batch_degeneracy` (the
sample-time dynamics are free of ``m``), the momentum gain from
:func:`theory.momentum_bias_dynamics` (the slow-mode rate does not involve ``beta``, so the
intrinsic time, and with it the loss exponent, is SGD's).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import sympy as sp

from theory import PLRFModel

from ..analysis.extrapolate import ExtrapolationOptions, extrapolate_sequence
from ..analysis.fits import LocalSlopes, slope_drift
from .core import BeyondScale

__all__ = [
    "BeyondScale",
    "beyond_claims",
    "compute_claim_sweep",
    "compute_sweep",
    "momentum_gain_prediction",
    "momentum_sweep",
    "ramp_plan",
    "ramp_sweep",
    "resolvable_omegas",
]


def _cached(ctx, namespace: str, params: dict, compute: Callable, depends_on=()):
    """``compute()`` memoised in ``ctx.memo`` and, if the context has one, its disk cache."""
    key = (namespace, repr(sorted(params.items())))
    if key not in ctx.memo:
        if ctx.cache is None:
            ctx.memo[key] = compute()
        else:
            ctx.memo[key] = ctx.cache.get_or_compute(
                namespace, params, compute, depends_on=depends_on
            )
    return ctx.memo[key]


def _window_centres(fit) -> np.ndarray:
    """Geometric centres of the windows between consecutive points of an :class:`ExponentFit`
    (where its ``local_slopes`` sit)."""
    x = np.asarray(fit.x, float)
    return np.sqrt(x[1:] * x[:-1])


def _series_measurement(x, values, errors, diagnostics, message="", settle=""):
    """An exponent from a per-horizon series (local slopes, or one fit per horizon),
    extrapolated in the horizon by the model-free schemes of
    :func:`~solvers.analysis.extrapolate.extrapolate_sequence`: its interval adds the series'
    own errors (``errors``: standard errors per value, independent) and the spread between the
    schemes, and the verdict is statistical (:func:`~solvers.claims.core.statistical_verdict`).
    With fewer values than a model-free extrapolation needs, the interval is unbounded: the
    series does not say where it is going, and the verdict says so instead of a fixed band.
    (The series' own errors show in the budget as its ``solver`` term.) ``settle``: what would
    give more values (the ramp's horizons may be cut by its mode count)."""
    from .core import Measurement

    x = np.asarray(x, float)
    v = np.asarray(values, float)
    e = np.nan_to_num(np.asarray(errors, float), nan=0.0, posinf=0.0)
    sl = LocalSlopes(x, v, e, 1)
    dr = slope_drift(sl, tail=min(3, v.size)) if v.size >= 2 else None
    if v.size < 2:
        msg = "one value: nothing to extrapolate (unbounded interval); " + (
            settle or "more horizons settle it"
        )
        return Measurement(float(v[-1]), math.inf, None, sl, dr, diagnostics, False, msg)
    cov = np.diag(e**2)
    ex = extrapolate_sequence(x, v, cov_solver=cov)
    diagnostics = {**diagnostics, "sequence_input": {"x": x, "s": v, "cov_solver": cov}}
    return Measurement(ex.value, ex.stderr, None, sl, dr, diagnostics, True, message, ex)


# -- batch size -----------------------------------------------------------------------------------

#: Window of ``y = 1 - t/T`` over which the ramp is read at every horizon: fixed, so that its
#: corrections are powers of ``T`` (:func:`theory.derive_beyond_corrections`).
RAMP_WINDOW = (0.01, 0.1)
#: Front mode ``k_* = (2 eta n)^(1/b)`` at the window's near end (``n = 0.01 T`` steps left) from
#: which the discreteness of the modes has died out: at (1.5, 3) the source-divided exponent is
#: off by -0.0066 at k_* = 2.7 (T = 1e4), -0.0006 at 3.9, +0.0002 beyond (claims.md, 2026-11-30h).
RAMP_FRONT_MIN = 3.5
#: Largest fraction of the ramp's kernel the finite mode count may lack at the window's far end
#: (``theory.ramp_missing_kernel_fraction``): measured, the exponent moves by ~0.12 times it
#: ((3, 2), N = 300: -0.0003 at 0.0033, -0.0021 at 0.017); at (2.5, 1.5) 0.005 (N = 1067) left
#: the last value 0.0005 low and a free-omega scheme at -0.676 (interval +-0.018), 0.001
#: (N = 2385) agrees within +-0.006.
RAMP_MISSING_MAX = 0.001
#: Horizons per decade and how many, from the first one the front allows.
RAMP_PER_DECADE, RAMP_POINTS = 4, 5
#: Caps of the derived plan (CPU: one solve costs ~2 s per 1e5 steps x 300 modes).
RAMP_T_CAP, RAMP_MODES_CAP = 2e5, 4000


def ramp_plan(model: PLRFModel, sc: BeyondScale) -> tuple[int, list[int]]:
    """Modes and horizons of the batch ramp: ``sc.ramp_T`` with ``sc.ramp_modes`` when given;
    otherwise derived — from the horizon where the front at the window's near end reaches
    :data:`RAMP_FRONT_MIN` (mode discreteness), :data:`RAMP_POINTS` quarter-decades, with the
    mode count that keeps the kernel's missing fraction below :data:`RAMP_MISSING_MAX` at the
    last (at least ``sc.ramp_modes``, at most :data:`RAMP_MODES_CAP`), and no horizon past
    :data:`RAMP_T_CAP` or past the mode count's reach."""
    from theory import ramp_front

    if sc.ramp_T is not None:
        return sc.ramp_modes, [int(T) for T in sc.ramp_T]
    eta, b, hi, reach, Ts = _ramp_candidates(model, sc)
    N = min(max(sc.ramp_modes, math.ceil(ramp_front(b, eta, hi * Ts[-1]) / reach)), RAMP_MODES_CAP)
    T_N = (N * reach) ** b / (2 * eta * hi)  # the last horizon N modes reach
    return N, [round(T) for T in Ts if T <= min(RAMP_T_CAP, T_N)]


def _ramp_candidates(model: PLRFModel, sc: BeyondScale):
    """The derived plan's rate, ``b``, the window's far end, the front-to-modes ratio at the
    allowed missing fraction and the candidate horizons (before the caps)."""
    eta, (lo, hi), b = min(model.eta_max, sc.ramp_eta), RAMP_WINDOW, model.b
    T0 = RAMP_FRONT_MIN**b / (2 * eta * lo)  # k_*(lo T0) = RAMP_FRONT_MIN
    Ts = [T0 * 10 ** (j / RAMP_PER_DECADE) for j in range(RAMP_POINTS)]
    reach = RAMP_MISSING_MAX ** (1 / (2 * b - 1))  # k_* / N at the allowed missing fraction
    return eta, b, hi, reach, Ts


def ramp_settling(model: PLRFModel, sc: BeyondScale) -> str:
    """What would give the ramp's derived plan (:func:`ramp_plan`) more horizons: more modes
    when :data:`RAMP_MODES_CAP` cut them (at b = 1.2 the kernel's missing fraction needs
    ``N >= k_* / 0.0072`` and 4000 modes reach one horizon); ``""`` otherwise (more horizons
    would, up to :data:`RAMP_T_CAP`)."""
    from theory import ramp_front

    if sc.ramp_T is not None:
        return ""
    eta, b, hi, reach, Ts = _ramp_candidates(model, sc)
    N, kept = ramp_plan(model, sc)
    cut = [T for T in Ts[len(kept) :] if T <= RAMP_T_CAP]
    if N < RAMP_MODES_CAP or not cut:
        return ""
    need = [math.ceil(ramp_front(b, eta, hi * T) / reach) for T in (cut[0], cut[-1])]
    last = f"{kept[-1]:.3g}" if kept else "none"
    return (
        f"more modes settle it, not more horizons: {N} modes (RAMP_MODES_CAP) keep the "
        f"kernel's missing fraction below {RAMP_MISSING_MAX:g} up to T = {last}; the plan's "
        f"next horizon, {cut[0]:.3g}, needs {need[0]} modes, its last, {cut[-1]:.3g}, {need[1]}"
    )


def ramp_sweep(model: PLRFModel, ctx) -> list:
    """:func:`~solvers.control.batch.optimal_batch_at_rate` at each horizon of :func:`ramp_plan`."""
    from ..control import batch as _batch

    sc = ctx.beyond
    N, Ts = ramp_plan(model, sc)
    rm = model.replace(n_modes=N, eta_max=min(model.eta_max, sc.ramp_eta))

    def run(T):
        return _cached(
            ctx,
            "claims-batch-ramp",
            {"model": rm, "T": T, "D": sc.ramp_mean_batch * T},
            lambda: _batch.optimal_batch_at_rate(rm, T, sc.ramp_mean_batch * T),
            depends_on=(_batch,),
        )

    return [run(T) for T in Ts]


def _exp_batch_ramp(model, Ts, ctx):
    """The ramp exponent over :data:`RAMP_WINDOW` with the noise source divided out, one value
    per horizon, extrapolated in ``T`` (with the derived corrections, by the claim)."""
    from ..control.batch import source_divided_ramp_fit

    res = ramp_sweep(model, ctx)
    fits = [source_divided_ramp_fit(r, RAMP_WINDOW) for r in res]
    gam = [-f.exponent for f in fits]
    return _series_measurement(
        [r.T for r in res], gam, [f.stderr for f in fits],
        {"T": [r.T for r in res], "gamma": gam, "gamma_with_source": [r.gamma for r in res],
         "kkt_converged": [r.success for r in res], "messages": [r.message for r in res],
         "window": list(RAMP_WINDOW), "ramp_loss": [r.final_loss for r in res],
         "constant_batch_loss_same_rate": [r.constant_loss for r in res],
         "eta": res[-1].model.eta_max, "n_modes": res[-1].model.n_modes},
        f"gamma of m*(t)/sqrt(sigma^2 + L_t) ~ (1 - t/T)^gamma over y in {RAMP_WINDOW} at "
        "eta = eta_max, per-step KKT solution, one value per horizon",
        ramp_settling(model, ctx.beyond),
    )  # fmt: skip


def _degeneracy_prediction() -> sp.Expr | None:
    """0 (relative loss spread of ratio-equal schedules) iff the engine finds the sample-time
    continuous dynamics free of ``m``; ``None`` (no prediction) otherwise."""
    from theory import batch_degeneracy

    return sp.Integer(0) if batch_degeneracy().degenerate else None


def _exp_degeneracy(model, Ts, ctx):
    from ..control import batch as _batch
    from .core import Measurement

    n = ctx.beyond.degeneracy_samples // 2
    dm = model.replace(n_modes=min(model.n_modes, ctx.beyond.ramp_modes))
    d = _cached(
        ctx,
        "claims-batch-degeneracy",
        {"model": dm, "samples": n},
        lambda: _batch.degeneracy_check(dm, [n, n], [0.05, 0.0125], [[1, 1], [8, 8], [8, 1]]),
        depends_on=(_batch,),
    )
    subs = sorted(d.continuous)
    spreads = [float(np.ptp(d.continuous[s]) / np.min(d.continuous[s])) for s in subs]
    order = (
        math.log(spreads[-2] / spreads[-1]) / math.log(subs[-1] / subs[-2])
        if len(subs) >= 2 and spreads[-1] > 0
        else math.nan
    )
    return Measurement(
        d.continuous_spread, spreads[-2] if len(spreads) >= 2 else math.nan,
        diagnostics={"substeps": subs, "continuous_spread": spreads,
                     "convergence_order": order, "discrete_spread": d.discrete_spread,
                     "admissible": list(d.admissible)},
        message="relative loss spread of ratio-equal (eta, m) schedules at equal samples in "
        "continuous time (falls with the integration step: discretisation error); the stderr "
        "column holds the spread at the next coarser step; the exact recursion's spread is the "
        "degeneracy breaking",
    )  # fmt: skip


# -- momentum -------------------------------------------------------------------------------------


def momentum_gain_prediction() -> sp.Expr | None:
    r"""Loss-exponent gain of optimal EMA momentum over SGD predicted by the engine.

    :func:`theory.momentum_bias_dynamics` gives the slow-mode rate of one mode's bias dynamics;
    if it does not involve :math:`\beta`, the intrinsic time :math:`\sum_t\eta_t` (bounded by
    :math:`\eta_{\max} T`) sets the bias decay as for SGD, and the gain is 0. ``None`` (no
    prediction) if :math:`\beta` appears.
    """
    from theory import momentum_bias_dynamics

    rate = momentum_bias_dynamics().slow_rate
    return None if any(s.name == "beta" for s in rate.free_symbols) else sp.Integer(0)


#: Horizons of the block-control sweep when ``momentum_T`` is ``None`` (the forms sweep's former
#: default; the block control is too slow for the forms' derived horizons).
BLOCK_CONTROL_T = (1_000, 3_000, 10_000)


def momentum_sweep(model: PLRFModel, ctx):
    from ..control import momentum as mc

    sc = ctx.beyond
    mm = model.replace(n_modes=sc.momentum_modes)
    Ts = list(sc.momentum_T or BLOCK_CONTROL_T)
    return _cached(
        ctx,
        "claims-momentum",
        {"model": mm, "T": Ts, "maxiter": sc.momentum_maxiter},
        lambda: mc.momentum_exponents(mm, Ts, maxiter=sc.momentum_maxiter),
        depends_on=(mc,),
    )


def _exp_momentum_gain(model, Ts, ctx):
    """Gain of EMA momentum's loss exponent over SGD's: the optimal schedules of the long-horizon
    forms sweep, extrapolated with the derived corrections and their error budgets
    (:func:`solvers.claims.momentum_forms.form_measurement`); in the hard phase the slopes are
    differenced after each form's derived excess over its own rate cap is divided out."""
    from .momentum_forms import form_measurement

    return form_measurement(model, ctx, "ema", gain_over="sgd")


def _exp_momentum_loss(model, Ts, ctx):
    """Loss-decay exponent of EMA momentum's optimal schedules (the long-horizon forms sweep)."""
    from .momentum_forms import form_measurement

    return form_measurement(model, ctx, "ema")


# -- compute-optimal ------------------------------------------------------------------------------


def compute_sweep(model: PLRFModel, ctx):
    """The compute-optimal sweep of the report: ``ctx.beyond.compute_C`` with the tuned constant
    rate and the baseline families at each level."""
    from ..control import compute_optimal as co

    Cs = [float(c) for c in ctx.beyond.compute_C]
    return _cached(
        ctx,
        "claims-compute-optimal",
        {"model": model, "C": Cs, "baselines": list(ctx.beyond.compute_baselines)},
        lambda: co.compute_optimal_scaling(
            model, Cs, constant=True, baselines=ctx.beyond.compute_baselines
        ),
        depends_on=(co,),
    )


#: Compute levels of the compute-optimal claims at the quick scale and in the report's scans
#: (quarter decades 1e3 .. 1e5; the claims' default levels are :func:`compute_claim_levels`).
COMPUTE_CLAIM_C = tuple(float(f"{10 ** (3 + j / 4):.3g}") for j in range(9))
#: Spacing of the model sizes of the claims' sweep and how many (11 at 1.04: the fine grid of
#: :data:`~solvers.control.compute_optimal.CLAIM_VERTEX`'s quartic; the report's scans keep 1.25).
COMPUTE_CLAIM_FACTOR = 1.25
CLAIM_GRID = (11, 1.04)
#: First level of the claims' sweep: below it N* < 10 at (3, 2) and (1.5, 3) and the integer
#: sizes are too coarse for a vertex (dense references at (3, 2) disagree by 1e-3 .. 5e-2 in
#: log N* below 1e4, by 1e-4 above; claims.md, 2026-12-01s18).
COMPUTE_CLAIM_C_MIN = 1e4
#: Last level accepted (the solver's T* ~ C^(1 - nu) stays far inside its checked 1e12).
COMPUTE_CLAIM_C_CAP = 1e10
#: Where the fit's window ends beyond this many times :data:`COMPUTE_CLAIM_C_CAP`, levels up to
#: the cap cannot settle the claims (their slowest correction is too slow), and the sweep stops
#: at :data:`COMPUTE_CLAIM_C_SHORT`: the verdict is inconclusive either way and names the level
#: that would settle it. At (3, 3.5) (C^-0.065, window 3.6e15) the levels to 1e10 read +-0.059
#: and +-0.032 and made the default run's worker the longer side (6:47 wall idle, 631 s CPU);
#: the two claims cost 230 s CPU with the comparison's tuned baselines to 1e10, 26 s without
#: them to 1e7. At (3, 2) (window 5.2e10, 5x the cap) the levels settle both (claims.md,
#: 2026-12-01s18 (lead)).
COMPUTE_CLAIM_REACH = 100.0
COMPUTE_CLAIM_C_SHORT = 1e7
#: The claims' extrapolation: tail7's variant v2 (benchmarks/results/claims_tail7_PROTOCOL.md)
#: — a window of 1.5 e-folds of the slowest derived correction, the free-omega scheme with the
#: second order of its power on >= 8 values — chosen by comp18's protocol
#: (claims_comp18_PROTOCOL.md) because every derived compute omega at (3, 2) is a multiple of
#: the slowest (1/8 .. 1/2): a single free power over a long window misses -0.5 by 0.01.
COMPUTE_FIT = ExtrapolationOptions(span=1.5, harmonic=True, harmonic_derived=False,
                                   harmonic_min_points=8)  # fmt: skip


def compute_claim_levels(model: PLRFModel) -> tuple[float, ...]:
    """The claims' compute levels at ``model``: quarter decades from
    :data:`COMPUTE_CLAIM_C_MIN` to where :data:`COMPUTE_FIT`'s window (1.5 e-folds of the
    slowest derived correction) fits with the six slopes of its short schemes after it, or to
    where that correction falls to ``CORRECTION_TARGET`` if later; at most
    :data:`COMPUTE_CLAIM_C_CAP`, and only to :data:`COMPUTE_CLAIM_C_SHORT` where the window lies
    beyond :data:`COMPUTE_CLAIM_REACH` times the cap."""
    from theory import derive_beyond_corrections

    from ._horizon import derived_horizon

    rows = derive_beyond_corrections()[model.phase]
    omegas = [w for k in ("compute_optimal.loss_exponent", "compute_optimal.model_size_exponent")
              for w in rows[k].omegas(model.a, model.b)]  # fmt: skip
    window = COMPUTE_CLAIM_C_MIN * math.exp(COMPUTE_FIT.span / min(omegas)) * 10**1.5
    need = min(max(window, derived_horizon(omegas)), COMPUTE_CLAIM_C_CAP)
    if window > COMPUTE_CLAIM_REACH * COMPUTE_CLAIM_C_CAP:  # out of reach: a short sweep says so
        need = COMPUTE_CLAIM_C_SHORT
    n = math.ceil(4 * math.log10(need / COMPUTE_CLAIM_C_MIN) - 1e-9)
    return tuple(float(f"{COMPUTE_CLAIM_C_MIN * 10 ** (j / 4):.3g}") for j in range(n + 1))


def compute_claim_sweep(model: PLRFModel, ctx):
    """The compute-optimal claims' sweep: the optimal schedule alone at
    ``ctx.beyond.compute_claim_C`` (``None``: :func:`compute_claim_levels`), on
    :data:`CLAIM_GRID` with the quartic vertex (the first grid centred on the derived
    ``C^nu``)."""
    from theory import derive_scaling_laws

    from ..control import compute_optimal as co

    sc = ctx.beyond
    levels = compute_claim_levels(model) if sc.compute_claim_C is None else sc.compute_claim_C
    Cs = [float(c) for c in levels]
    nu = getattr(derive_scaling_laws(), model.phase)["compute_optimal.model_size_exponent"].expr
    guess = Cs[0] ** float(nu.subs(model.subs()))
    n, f = CLAIM_GRID
    return _cached(
        ctx,
        "claims-compute-optimal-claim",
        {"model": model, "C": Cs, "grid": CLAIM_GRID, "vertex": co.CLAIM_VERTEX},
        lambda: co.compute_optimal_scaling(model, Cs, constant=False, n_points=n, factor=f,
                                           first_guess=guess, vertex_fit=co.CLAIM_VERTEX),
        depends_on=(co,),
    )  # fmt: skip


#: Two correction exponents are told apart over a sweep only if their ratio of powers changes
#: by at least this factor over it (closer ones are near-collinear: a fit with both extrapolates
#: noise; at (1.5, 3) the four derived C^-0.225 ... C^-0.3125 gave intercepts up to 42, and at
#: (3, 2) over three decades a factor 2 still let four terms in, intercept -4.6).
RESOLVABLE_RATIO = 4.0


def resolvable_omegas(omegas, x, options: ExtrapolationOptions | None = None) -> list[float]:
    """The derived correction exponents a sweep over ``x`` can tell apart: the slowest, then
    each whose power changes by :data:`RESOLVABLE_RATIO` against the last kept over the values
    the fit holds (the slowest of a near-collinear group stands for it). With ``options`` those
    values are the extrapolation's window (its last ``tail`` values, longer with ``span``), not
    the whole sweep: a term told apart over the sweep but not over the window the fit uses is
    near-collinear there (at (3, 2) to C = 1e10, four terms over 6 values gave a scheme at 0.34).

    >>> resolvable_omegas([0.225, 0.25, 0.3, 0.3125], [1e3, 1e5])
    [0.225]
    >>> resolvable_omegas([0.125, 0.25, 0.375, 0.5], [1e3, 1e5])
    [0.125, 0.5]
    >>> resolvable_omegas([0.125, 0.25, 0.375, 0.5], np.geomspace(1e4, 1e10, 25),
    ...                   ExtrapolationOptions())   # the last 6 values: 1.25 decades
    [0.125]
    """
    x = np.asarray(x, float)
    if options is not None and len(omegas):
        x = x[_window_of(x, min(omegas), options)]
    span = max(x) / min(x)
    kept: list[float] = []
    for w in sorted(omegas):
        if not kept or span ** (w - kept[-1]) >= RESOLVABLE_RATIO:
            kept.append(w)
    return kept


def _window_of(x: np.ndarray, omega: float, opt: ExtrapolationOptions) -> slice:
    """The values of ``x`` an extrapolation with ``opt`` fits (the last ``tail``, extended back
    until ``omega log(x_last/x_first) >= span``), as ``_tail`` of the estimator takes them."""
    n, m = x.size, min(opt.tail, x.size)
    while opt.span > 0 and m < n and omega * math.log(x[-1] / x[n - m]) < opt.span * (1 - 1e-9):
        m += 1
    return slice(n - m, n)


def _compute_experiment(attr: str):
    """Exponent of the optimal ``attr`` (``"N_star"`` or ``"L_star"``) against ``C``, with the
    vertex's interpolation error per level in the budget; the claim extrapolates it with its
    derived corrections, less those the sweep cannot resolve (``removed_omegas``)."""
    from theory import derive_beyond_corrections

    from .core import _exponent_measurement

    correction = {"N_star": "compute_optimal.model_size_exponent",
                  "L_star": "compute_optimal.loss_exponent"}[attr]  # fmt: skip

    def experiment(model, Ts, ctx):
        res = compute_claim_sweep(model, ctx)
        pts = res.points
        C = [p.C for p in pts]
        err = [getattr(p, f"{attr}_error") for p in pts]
        row = derive_beyond_corrections()[model.phase][correction]
        omegas = row.omegas(model.a, model.b)
        x_mid = np.sqrt(np.multiply(C[1:], C[:-1]))
        kept = resolvable_omegas(omegas, x_mid, COMPUTE_FIT)
        merged = [w for w in omegas if w not in kept]
        if len(pts) < 3:  # one slope: nothing to extrapolate (an unbounded interval)
            y = np.log([getattr(p, attr) for p in pts])
            return _series_measurement(x_mid, np.diff(y) / np.diff(np.log(C)), [0.0], {"C": C})
        diag = {"variable": "C", "C": C, "vertex_error": err, "removed_omegas": merged,
                "N_star": [p.N_star for p in pts], "L_star": [p.L_star for p in pts],
                "converged": [bool(p.converged.all()) for p in pts], "derived": res.derived,
                "extrapolation_options": COMPUTE_FIT,
                **_plateau_reference(model, pts, attr, ctx)}  # fmt: skip
        return _exponent_measurement(
            C,
            [getattr(p, attr) for p in pts],
            rel_solver=np.nan_to_num(err, nan=0.0),
            diagnostics=diag,
        )

    experiment.__name__ = f"_exp_compute_{attr}"
    return experiment


def _plateau_reference(model: PLRFModel, pts, attr: str, ctx) -> dict:
    """Hard phase: the noiseless plateau's compute optimum at the sweep's levels
    (:func:`~solvers.control.compute_optimal.plateau_compute_optimum`) as the ``reference_input``
    of the claim's error budget; ``{}`` in the easy phase, where the optimum is not the plateau.

    Why: at (1.2, 1.7) the window's excess is 2-5 times the plateau's bias at C = 1e3 .. 1e5
    (an excess share f = 0.84 .. 0.65 of the dynamic loss), far from the first order the derived
    corrections describe; it steepens the local slopes of L* by 0.005-0.007 (0.004 at sigma =
    0.25, 0.007 at sigma = 1, where it does not yet decay), while the plateau's slopes approach
    the derived exponent (benchmarks/results/claims.md, 2026-11-30l)."""
    if model.phase != "hard":
        return {}
    from ..control import compute_optimal as co

    C = [p.C for p in pts]
    ref = _cached(ctx, "claims-compute-plateau", {"model": model, "C": C},
                  lambda: [co.plateau_compute_optimum(model, p.C, N_guess=p.N_star) for p in pts],
                  depends_on=(co,))  # fmt: skip
    y = [r[0] if attr == "N_star" else r[1] for r in ref]
    return {"reference_input": {"T": np.asarray(C), "y": np.asarray(y), "sign": 1.0},
            f"plateau_{attr}": y}  # fmt: skip


# -- the claims -----------------------------------------------------------------------------------


def beyond_claims() -> list:
    """The claims of docs/theory.md §3 beyond the learning rate, with their experiments."""
    from .core import Claim, law
    from .momentum_forms import momentum_form_claims

    return [
        Claim("LR and batch", "at fixed samples only eta/m matters (continuous time)",
              r"L(\eta, m) = L(\eta/m)\ \text{at fixed samples}",
              "relative loss spread of ratio-equal (eta, m) schedules, continuous time",
              prediction=_degeneracy_prediction, experiment=_exp_degeneracy, tolerance=1e-6,
              provenance="abstract; derived by the engine"),
        Claim("batch ramp", "wall-clock optimum: m*(t) ~ (1 - t/T)^(1/(2b) - 1) at eta = eta_max",
              r"m^*(t) \sim (1 - t/T)^{1/(2b) - 1}", "gamma of m*(t) ~ (1 - t/T)^gamma",
              prediction=law("batch_ramp_exponent"), experiment=_exp_batch_ramp,
              correction="batch_ramp_exponent", provenance="derived only"),
        Claim("momentum", "no exponent gain (easy); better loss exponent (hard) [study]; the "
              "engine derives no gain for EMA momentum with eta <= eta_max",
              r"\Delta p_{\mathrm{mom}} = 0", "loss-exponent gain of optimal EMA momentum over SGD",
              prediction=momentum_gain_prediction, experiment=_exp_momentum_gain,
              provenance="abstract; derived by the engine (docs/theory.md §5)"),
        Claim("momentum loss", "loss exponent of optimal (eta, beta) EMA schedules: SGD's "
              "(a-1)/max(a, b), momentum bringing no exponent gain",
              r"L^*_{\mathrm{mom}} \sim T^{-(a-1)/\max(a,b)}", "decay exponent of L*_mom(T)",
              prediction=law("loss_exponent"), experiment=_exp_momentum_loss,
              provenance="derived by the engine (docs/theory.md §5)"),
        Claim("compute-optimal", "easy: L* ~ C^(-(a-1)/(a+1)); hard: L* ~ C^(-(a-1)/(b+1))",
              r"L^* \sim C^{-(a-1)/(a+1)}\ /\ C^{-(a-1)/(b+1)}", "exponent of L*(C)",
              prediction=law("compute_optimal.loss_exponent", sign=-1),
              experiment=_compute_experiment("L_star"),
              correction="compute_optimal.loss_exponent", provenance="derived only"),
        Claim("compute-optimal model size", "easy: N* ~ C^(1/(a+1)); hard: N* ~ C^(1/(b+1))",
              r"N^* \sim C^{1/(a+1)}\ /\ C^{1/(b+1)}", "exponent of N*(C)",
              prediction=law("compute_optimal.model_size_exponent"),
              experiment=_compute_experiment("N_star"),
              correction="compute_optimal.model_size_exponent", provenance="derived only"),
        *momentum_form_claims(),
    ]  # fmt: skip
