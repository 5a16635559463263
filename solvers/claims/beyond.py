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

from ..analysis.extrapolate import extrapolate_sequence
from ..analysis.fits import LocalSlopes, slope_drift
from .core import BeyondScale

__all__ = [
    "BeyondScale",
    "beyond_claims",
    "compute_sweep",
    "momentum_gain_prediction",
    "momentum_sweep",
    "ramp_sweep",
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


def _series_measurement(x, values, errors, diagnostics, message=""):
    """An exponent from a per-horizon series (local slopes, or one fit per horizon),
    extrapolated in the horizon by the model-free schemes of
    :func:`~solvers.analysis.extrapolate.extrapolate_sequence`: its interval adds the series'
    own errors (``errors``: standard errors per value, independent) and the spread between the
    schemes, and the verdict is statistical (:func:`~solvers.claims.core.statistical_verdict`).
    With fewer values than a model-free extrapolation needs, the interval is unbounded: the
    series does not say where it is going, and the verdict says so instead of a fixed band.
    (The series' own errors show in the budget as its ``solver`` term.)"""
    from .core import Measurement

    x = np.asarray(x, float)
    v = np.asarray(values, float)
    e = np.nan_to_num(np.asarray(errors, float), nan=0.0, posinf=0.0)
    sl = LocalSlopes(x, v, e, 1)
    dr = slope_drift(sl, tail=min(3, v.size)) if v.size >= 2 else None
    if v.size < 2:
        msg = "one value: nothing to extrapolate (unbounded interval); more horizons settle it"
        return Measurement(float(v[-1]), math.inf, None, sl, dr, diagnostics, False, msg)
    ex = extrapolate_sequence(x, v, cov_solver=np.diag(e**2))
    return Measurement(ex.value, ex.stderr, None, sl, dr, diagnostics, True, message, ex)


# -- batch size -----------------------------------------------------------------------------------


def ramp_sweep(model: PLRFModel, ctx) -> list:
    """:func:`~solvers.control.batch.optimal_batch_at_rate` at each horizon of ``ctx.beyond``."""
    from ..control import batch as _batch

    sc = ctx.beyond
    rm = model.replace(n_modes=sc.ramp_modes, eta_max=min(model.eta_max, sc.ramp_eta))

    def run(T):
        return _cached(
            ctx,
            "claims-batch-ramp",
            {"model": rm, "T": T, "D": sc.ramp_mean_batch * T},
            lambda: _batch.optimal_batch_at_rate(rm, T, sc.ramp_mean_batch * T),
            depends_on=(_batch,),
        )

    return [run(int(T)) for T in sc.ramp_T]


def _exp_batch_ramp(model, Ts, ctx):
    res = ramp_sweep(model, ctx)
    conv = [r.success for r in res]
    return _series_measurement(
        [r.T for r in res], [r.gamma for r in res], [r.gamma_stderr for r in res],
        {"T": [r.T for r in res], "gamma": [r.gamma for r in res],
         "kkt_converged": conv, "messages": [r.message for r in res],
         "fit_range": [list(r.fit_range) for r in res],
         "ramp_loss": [r.final_loss for r in res],
         "constant_batch_loss_same_rate": [r.constant_loss for r in res],
         "eta": res[-1].model.eta_max, "n_modes": res[-1].model.n_modes},
        "gamma of m*(t) ~ (1 - t/T)^gamma at eta = eta_max, per-step KKT solution",
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


def momentum_sweep(model: PLRFModel, ctx):
    from ..control import momentum as mc

    sc = ctx.beyond
    mm = model.replace(n_modes=sc.momentum_modes)
    return _cached(
        ctx,
        "claims-momentum",
        {"model": mm, "T": list(sc.momentum_T), "maxiter": sc.momentum_maxiter},
        lambda: mc.momentum_exponents(mm, list(sc.momentum_T), maxiter=sc.momentum_maxiter),
        depends_on=(mc,),
    )


def _exp_momentum_gain(model, Ts, ctx):
    """Gain of EMA momentum's loss exponent over SGD's: the optimal schedules of the long-horizon
    forms sweep, extrapolated with the derived corrections and their error budgets
    (:func:`solvers.claims.momentum_forms.form_measurement`)."""
    from .momentum_forms import form_measurement

    return form_measurement(model, ctx, "ema", gain_over="sgd")


def _exp_momentum_loss(model, Ts, ctx):
    """Loss-decay exponent of EMA momentum's optimal schedules (the long-horizon forms sweep)."""
    from .momentum_forms import form_measurement

    return form_measurement(model, ctx, "ema")


# -- compute-optimal ------------------------------------------------------------------------------


def compute_sweep(model: PLRFModel, ctx):
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


def _compute_experiment(attr: str):
    """Slope of ``attr``'s quantity against ``C`` (:class:`ExponentFit` holds decay exponents,
    so the slope is minus theirs)."""

    def experiment(model, Ts, ctx):
        res = compute_sweep(model, ctx)
        f = getattr(res, attr)
        return _series_measurement(
            _window_centres(f), -np.asarray(f.local_slopes), np.full(f.local_slopes.size, f.stderr),
            {"C": f.x.tolist(), attr: f.y.tolist(), "global_exponent": -f.exponent,
             "constant_rate": res.measured().get("constant.loss_exponent"),
             "derived": res.derived},
            f"local slope of {attr[0]}*(C) over the last pair of compute levels; stderr of the "
            "global fit",
        )  # fmt: skip

    experiment.__name__ = f"_exp_compute_{attr}"
    return experiment


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
              tolerance=0.03, provenance="derived only"),
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
              experiment=_compute_experiment("L_fit"), tolerance=0.05,
              provenance="derived only"),
        Claim("compute-optimal model size", "easy: N* ~ C^(1/(a+1)); hard: N* ~ C^(1/(b+1))",
              r"N^* \sim C^{1/(a+1)}\ /\ C^{1/(b+1)}", "exponent of N*(C)",
              prediction=law("compute_optimal.model_size_exponent"),
              experiment=_compute_experiment("N_fit"), tolerance=0.05,
              provenance="derived only"),
        *momentum_form_claims(),
    ]  # fmt: skip
