r"""Claims of the momentum-forms study: one per form, the hard-phase loss exponent.

Each claim compares the exponent derived by :func:`theory.derive_momentum_exponents` for a form
with the exponent extrapolated from the optimal schedules of that form's derived shape with a free
correction on the long-horizon solver (:func:`solvers.control.momentum_longrun.longrun_exponents`,
L-BFGS-B to its KKT tolerance, continued in ``T``, each optimum's loss re-evaluated on a finer
grid) over the horizons :func:`momentum_horizons` (``ctx.beyond.momentum_T`` when given), on
log-binned modes (``model.n_modes`` of them), by the estimator of ``optlr momentum --form``
(:func:`~solvers.control.momentum_forms.form_extrapolation`: the derived corrections of
:func:`theory.momentum_omegas` and the error budget); in the hard phase the SGD-like forms'
losses first have their derived window excess over the plateau's bias at their own rate cap
divided out (:func:`divided_losses`, as the hard optimal loss claim does). The sweep is
memoised per run (``ctx.memo``) and also serves the "momentum" and "momentum loss" rows
(:mod:`solvers.claims.beyond`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from theory import PLRFModel

__all__ = [
    "divided_form_losses",
    "divided_losses",
    "form_plateau_bias",
    "momentum_form_claims",
    "nesterov_regime",
    "sgd_plateau_bias",
]

#: Forms with a claim (SGD is each claim's reference, solved alongside).
CLAIM_FORMS = ("ema", "heavy-ball", "nesterov")


#: First horizon of the default momentum sweeps (the optimal family's slopes from here on follow
#: the derived corrections at (3, 2) and (1.5, 3); benchmarks/results/claims.md, 2026-12-01s16).
MOMENTUM_T_MIN = 1_000
#: Bounds of the SGD-like forms' last default horizon. Measured (claims.md, 2026-12-01s16): at
#: (1.5, 3) half-decades to 1e6 resolve SGD, EMA and heavy ball to +-0.0023-0.0036 (31 s CPU of
#: solves for the three); at (3, 2), where the boundary layer's T^-1/6 asks for 1.6e10, half
#: decades to 1e7 leave +-0.013-0.016 and to 1e8 +-0.0008-0.0013 (SGD and EMA, 33 s CPU).
MOMENTUM_T_MAX = (1e6, 1e8)
#: Default horizons of a sweep holding the dimension-adapted (Nesterov) form: half decades
#: 1e4 .. 1e6 (~25 s CPU of solves at (1.5, 3), (1.2, 4), (1.3, 2.75)). At the default model
#: (batch 1, sigma 0.5) the optimum has its momentum step on from T ~ 1e2 (14-34 % below SGD at
#: 1e4; the "switch" at 3e5-1e6 of 2026-12-01s16 was the solver's momentum-off KKT point,
#: :data:`~solvers.control.momentum_longrun.LOW_LOG_ZETA0`), but its local slopes rise and fall
#: by ~0.005-0.01 up to 1e8 (0.280 .. 0.286 .. 0.282 at (1.5, 3); 0.096 .. 0.099 .. 0.094 at
#: (1.2, 4)), so no affordable window settles them and short windows can exclude the derived
#: value falsely (decades 1e4 .. 1e7 at (1.2, 4): 0.0988 +- 0.0021 against 0.0875): the row is
#: out of regime (:func:`nesterov_regime`) and says so (benchmarks/results/claims.md,
#: 2026-12-01s19 (nest19)).
NESTEROV_T = (10_000, 31_623, 100_000, 316_228, 1_000_000)
#: A Nesterov optimum within this relative distance of SGD's loss has its momentum step off.
MOMENTUM_ON_MARGIN = 1e-3


def momentum_horizons(model: PLRFModel, ctx, forms) -> tuple[int, ...]:
    r"""Horizons of the forms sweep of ``forms``: ``ctx.beyond.momentum_T`` when given; else
    :data:`NESTEROV_T` for a sweep holding ``"nesterov"``, and for the SGD-like forms half
    decades from :data:`MOMENTUM_T_MIN` to where their slowest derived correction
    (:func:`theory.momentum_omegas`, SGD's) falls to the correction target,
    :math:`T = \mathrm{target}^{-1/\omega_{\min}}`, clipped to :data:`MOMENTUM_T_MAX` and
    rounded up to a half decade."""
    from theory import momentum_omegas

    from ..analysis.sweep import horizons
    from ._horizon import derived_horizon

    if ctx.beyond.momentum_T is not None:
        return tuple(ctx.beyond.momentum_T)
    if "nesterov" in forms:
        return NESTEROV_T
    phase = str(model.phase)
    ws = momentum_omegas("sgd", phase, model.a, model.b) if phase in ("easy", "hard") else []
    lo, hi = MOMENTUM_T_MAX
    n = math.ceil(2 * math.log10(min(max(derived_horizon(ws), lo), hi) / MOMENTUM_T_MIN) - 1e-9)
    return horizons(MOMENTUM_T_MIN, MOMENTUM_T_MIN * 10 ** (n / 2), n + 1)


def forms_sweep(model: PLRFModel, ctx, forms=("sgd", *CLAIM_FORMS)):
    """:func:`~solvers.control.momentum_longrun.longrun_exponents` for ``forms`` (default: SGD
    and every form) over :func:`momentum_horizons`, memoised per form (a row needing two forms
    solves only those two) or as a whole sweep stored under ``("momentum-forms", model, Ts)``."""
    from ..control.momentum_forms import FormExponents
    from ..control.momentum_longrun import longrun_exponents

    Ts = momentum_horizons(model, ctx, forms)
    whole = ctx.memo.get(("momentum-forms", model, Ts))
    if whole is not None and set(forms) <= set(whole.solves):
        return whole
    solves, fits = {}, {}
    for f in forms:
        key = ("momentum-forms", model, Ts, f)
        if key not in ctx.memo:
            ctx.memo[key] = longrun_exponents(model, (f,), Ts)
        solves[f], fits[f] = ctx.memo[key].solves[f], ctx.memo[key].fits[f]
    return FormExponents(model, np.array(Ts), solves, fits)


def form_measurement(model: PLRFModel, ctx, form: str, *, gain_over: str | None = None):
    """The :class:`~solvers.claims.core.Measurement` of ``form``'s loss exponent (or, with
    ``gain_over``, of its exponent minus that form's) from the memoised sweep, by
    :func:`~solvers.control.momentum_forms.form_extrapolation`: derived corrections, error
    budget (fit, schemes, KKT, discretisation). With too few local slopes to extrapolate, or an
    unconverged solve, it is unsuccessful and says which horizon the derived correction asks
    for."""
    from ..analysis.fits import LocalSlopes
    from ..control.momentum_forms import _omegas, form_extrapolation, form_gain_extrapolation
    from .core import Measurement

    fe = forms_sweep(model, ctx, tuple(dict.fromkeys(("sgd", form, gain_over or "sgd"))))
    diag = {"T": fe.horizons.tolist(), "loss": fe.losses(form).tolist(),
            "sgd_loss": fe.losses("sgd").tolist(), "converged": bool(fe.converged(form)),
            "kkt": [float(getattr(s, "kkt", math.nan)) for s in fe.solves[form]],
            "omegas": _omegas(fe, form)}  # the verdict's settling horizon  # fmt: skip
    if gain_over is None:
        e = form_extrapolation(fe, form, losses=divided_losses(fe, form, diag))
    else:  # both forms' excess divided out (each over its own cap), or both raw
        ys = {f: divided_losses(fe, f, diag if f == form else {}) for f in (form, gain_over)}
        both = all(y is not None for y in ys.values())
        e = form_gain_extrapolation(fe, form, gain_over, losses=ys if both else None)
    if e is None:  # fewer than three horizons: the last local slope, unextrapolated
        s = -np.diff(np.log(fe.losses(form))) / np.diff(np.log(fe.horizons.astype(float)))
        if gain_over is not None:
            s = s + np.diff(np.log(fe.losses(gain_over))) / np.diff(np.log(fe.horizons))
        return Measurement(float(s[-1]), math.inf, diagnostics=diag, success=False,
                           message=_unsettled(model, form, fe.horizons, s[-1]))  # fmt: skip
    sl = LocalSlopes(e.x, e.slopes, np.full(e.x.size, math.nan), 2)
    if form == "nesterov" and gain_over is None:
        note = nesterov_regime(model, fe.horizons, fe.losses(form), fe.losses("sgd"))
        if note:
            diag["out_of_regime"] = note
    ok = fe.converged(form) and (gain_over is None or fe.converged(gain_over))
    msg = e.message if ok else "some optimisations stopped above their KKT tolerance"
    if ok and not math.isfinite(e.halfwidth):
        ok, msg = False, _unsettled(model, form, fe.horizons, e.slopes[-1])
    return Measurement(e.value, e.stderr, None, sl, None, diag, ok, msg, e)


def sgd_plateau_bias(model: PLRFModel, Ts) -> np.ndarray:
    """The noiseless loss after each ``T`` of ``Ts`` at SGD's rate cap, the largest stable
    constant rate (the long-run SGD family's :func:`~solvers.control.momentum_longrun.stable_rate`
    and the continuum sweep's ``eta_upper``), on the hard sweep's mode quadrature."""
    from ..dynamics.continuum import _stable_upper, mode_quadrature, noiseless_constant_loss
    from ._hard_sweep import HARD_POINTS_PER_BIN

    quad = mode_quadrature(model, points_per_bin=HARD_POINTS_PER_BIN)
    eta = _stable_upper(model, quad, "discrete")
    return np.array([noiseless_constant_loss(quad, eta, float(T), "discrete") for T in Ts])


def divided_losses(fe, form: str, diag: dict) -> np.ndarray | None:
    r"""``form``'s losses with its derived window excess divided out (hard phase, SGD-like
    forms), or ``None`` (extrapolate the raw losses).

    The SGD-like forms are SGD's plateau-and-window at a bounded effective rate
    (:func:`theory.momentum_omegas`), so their loss carries the excess of the window over the
    plateau's bias, which the hard optimal loss claim divides out before it extrapolates
    (:func:`~solvers.claims.hard_loss.divide_out_excess`). It is not a perturbation: at (3.5, 4)
    it is 47-60 % of the SGD family's loss at T = 1e3 .. 1e8 and decays like ``T^-0.07``, and
    the raw local slopes of every optimum (the continuum's too) rise to ~0.65-0.66 against the
    derived 0.625 before they turn (benchmarks/results/claims.md, 2026-12-02s22 (verdict22)).
    The correction is :func:`~solvers.claims.hard_loss.excess_correction` of the form's losses
    over the bias at the form's **own** cap (:func:`form_plateau_bias`: EMA's and heavy ball's
    effective rate is bounded by :func:`theory.effective_rate_limit` at their friction, 0.98
    at ``b = 4``, batch 1, against SGD's 0.66); measured against SGD's cap their excess read
    the higher rate's smaller bias as a gain, +0.005 in their slopes at (3.5, 4)
    (benchmarks/results/momentum.md, 2026-12-02s23 (ema23)). A solve without its friction
    (``x``, ``names``) takes SGD's correction, as before (``diag["excess_reference"]``)."""
    if form == "nesterov" or (corr := _sgd_excess(fe, diag)) is None:
        return None
    return _divide(fe, form, _own_excess(fe, form, diag, corr))


def divided_form_losses(fe) -> dict:
    """``{form: losses}`` of every form of the sweep ``fe`` whose losses :func:`divided_losses`
    divides (the hard phase's SGD-like forms, SGD included), SGD's correction computed once:
    what ``optlr momentum --form`` and the report's momentum table extrapolate, so that they
    read what the claims rows read."""
    if (corr := _sgd_excess(fe, {})) is None:
        return {}
    return {f: _divide(fe, f, _own_excess(fe, f, {}, corr)) for f in fe.solves if f != "nesterov"}


def _own_excess(fe, form: str, diag: dict, sgd_corr: np.ndarray) -> np.ndarray:
    """``form``'s excess correction over its own plateau bias, or SGD's ``sgd_corr`` (SGD
    itself, a solve without its friction, or the check's reasons in ``diag``)."""
    from .hard_loss import checked_excess_correction

    biases = (
        None if form == "sgd" else form_plateau_bias(fe.model, fe.horizons, fe.solves[form], form)
    )
    own = None
    if biases is not None:
        own = checked_excess_correction(fe.model, fe.horizons.astype(float), fe.losses(form),
                                        biases, mine := {})  # fmt: skip
        diag.update({f"own_{k}": v for k, v in mine.items()})
    diag["excess_reference"] = "sgd" if own is None else "own cap"
    return sgd_corr if own is None else own


def form_plateau_bias(model: PLRFModel, Ts, solves, form: str) -> np.ndarray | None:
    r"""The noiseless loss after each ``T`` of ``Ts`` at EMA's or heavy ball's own cap: the
    largest stable constant effective rate at the optimum's friction :math:`1 - \beta_0`
    (:func:`theory.effective_rate_limit` on the hard sweep's mode quadrature, the solver's
    :data:`~solvers.dynamics.continuum.STABILITY_MARGIN` below it, and ``eta_max`` for EMA,
    whose effective rate is its step; ``form`` is ``"ema"`` or ``"heavy-ball"``), or ``None``
    if a solve does not carry ``logit beta0``."""
    if form not in ("ema", "heavy-ball"):
        raise ValueError(f"form must be 'ema' or 'heavy-ball', got {form!r}")
    name = "logit beta0"
    if not all(name in getattr(s, "names", ()) for s in solves):
        return None
    logits = tuple(float(s.x[list(s.names).index(name)]) for s in solves)
    return np.array(_own_cap_losses(model, tuple(float(T) for T in Ts), logits, form))


@functools.lru_cache(maxsize=64)
def _own_cap_losses(model: PLRFModel, Ts: tuple, logits: tuple, form: str) -> tuple:
    """:func:`form_plateau_bias` of the frictions ``logit beta0`` = ``logits``, memoised: the
    EMA form's rows (its loss, the gain over SGD, the momentum loss) and the report ask for the
    same sweep's biases, ~0.17 s of root finding per horizon."""
    from theory import effective_rate_limit

    from ..dynamics.continuum import STABILITY_MARGIN, mode_quadrature, noiseless_constant_loss
    from ._hard_sweep import HARD_POINTS_PER_BIN

    quad = mode_quadrature(model, points_per_bin=HARD_POINTS_PER_BIN)
    out = []
    for T, logit in zip(Ts, logits, strict=True):
        beta0 = 1.0 / (1.0 + math.exp(-logit))
        cap = (1.0 - STABILITY_MARGIN) * effective_rate_limit(
            quad.lam, quad.weight, model.inv_batch, beta0
        )
        if form == "ema":
            cap = min(cap, model.eta_max)
        out.append(noiseless_constant_loss(quad, cap, T, "discrete"))
    return tuple(out)


def _sgd_excess(fe, diag: dict) -> np.ndarray | None:
    """SGD's derived window excess's part of the local exponent at the sweep's horizons
    (:func:`~solvers.claims.hard_loss.checked_excess_correction` of the SGD family's losses
    over :func:`sgd_plateau_bias`), or ``None`` where it does not apply (not the hard phase,
    fewer than three horizons, a failed SGD solve, or the check's reasons in ``diag``)."""
    from .hard_loss import checked_excess_correction

    model = fe.model
    if str(model.phase) != "hard" or fe.horizons.size < 3:
        return None
    T = fe.horizons.astype(float)
    sgd = fe.losses("sgd")
    if not np.all(np.isfinite(sgd) & (sgd > 0)):
        return None
    return checked_excess_correction(model, T, sgd, sgd_plateau_bias(model, T), diag)


def _divide(fe, form: str, corr: np.ndarray) -> np.ndarray:
    """``form``'s losses with the slope correction ``corr`` removed."""
    from ..analysis.extrapolate import remove_slope_correction

    return remove_slope_correction(fe.horizons.astype(float), fe.losses(form), corr)


def nesterov_regime(model: PLRFModel, horizons, losses, sgd_losses) -> str | None:
    r"""Why a Nesterov sweep cannot test the derived exponent, or ``None``: an optimum with its
    momentum step off (within :data:`MOMENTUM_ON_MARGIN` of SGD's loss: a different family,
    not to be fitted across), or a last horizon before the slowest derived correction
    (:func:`theory.momentum_omegas`) falls to the correction target (the local slopes still
    drift there; none is derived in the balance case)."""
    from theory import momentum_omegas

    from ._horizon import derived_horizon, horizon_text

    off = [float(T) for T, L, s in zip(horizons, losses, sgd_losses, strict=True)
           if L >= (1.0 - MOMENTUM_ON_MARGIN) * s]  # fmt: skip
    if off:
        return (f"the optimum has its momentum step off (SGD's loss) at T = "
                f"{', '.join(f'{T:.3g}' for T in off)}")  # fmt: skip
    ws = momentum_omegas("nesterov", str(model.phase), model.a, model.b) if model.phase in (
        "easy", "hard") else []  # fmt: skip
    need, last = derived_horizon(ws), float(horizons[-1])
    if last >= need:
        return None
    where = (f"before its slowest derived correction T^-{min(ws):.3g} settles at T ~ "
             f"{horizon_text(need, '.1e')}" if ws else "and no correction is derived here "
             "(the balance case) to say where the local slopes settle")  # fmt: skip
    return f"the sweep ends at T = {last:.3g}, {where}"


def _unsettled(model: PLRFModel, form: str, horizons, last: float) -> str:
    """Why the sweep cannot settle the exponent, and the horizon its slowest derived correction
    asks for (:func:`~solvers.claims.core.derived_horizon`)."""
    from theory import derive_momentum_corrections, momentum_omegas

    from ._horizon import CORRECTION_TARGET, derived_horizon, horizon_text

    head = (f"{len(horizons) - 1} local slopes up to T = {horizons[-1]:.3g} (the last "
            f"{last:.4g}, pre-asymptotic) leave the extrapolated interval unbounded")  # fmt: skip
    ws = momentum_omegas(form, str(model.phase), model.a, model.b) if model.phase in (
        "easy", "hard") else []  # fmt: skip
    if not ws:
        return head + "; no correction is derived here to say which horizon settles it"
    row = derive_momentum_corrections()[form][str(model.phase)]
    lead = row.leading(model.a, model.b)
    return (f"{head}; the slowest derived correction, T^-{ws[0]:.3g} ({lead.mechanism}), falls "
            f"to {CORRECTION_TARGET:g} at T ~ {horizon_text(derived_horizon(ws), '.1e')}: a "
            "long-horizon sweep to there (optlr momentum --form ... --solver longrun --T "
            "1e3,...) is needed")  # fmt: skip


def _experiment(form: str):
    def experiment(model, Ts, ctx):
        return form_measurement(model, ctx, form)

    return experiment


def _prediction(form: str):
    def prediction():
        from theory import derive_free_friction_exponent, derive_momentum_exponents

        derived = derive_momentum_exponents().exponents[form]["hard"]
        if form == "nesterov":  # two derivations (friction ~ 1/t, friction free): one exponent
            free = derive_free_friction_exponent().exponent
            if free != derived:
                raise RuntimeError(f"nesterov: friction-free exponent {free} != {derived}")
        return derived

    return prediction


def momentum_form_claims() -> list:
    """One claim per momentum form: its hard-phase loss exponent."""
    from .core import Claim

    texts = {
        "ema": ("SGD's (a-1)/b: the slow rate is eta <= eta_max", r"p = (a-1)/b"),
        "heavy-ball": ("SGD's (a-1)/b: the effective rate eta/(1-beta) is bounded by the noise "
                       "feedback for slowly varying controls (the family measured here); for "
                       "a per-step coast-and-release schedule too, derived up to two measured "
                       "O(1) constants and the bias-clock bound: a spike of weight W costs at "
                       "least iota W share(tau) at T (theory.derive_spike_cost), on a coast the "
                       "fed-back noise grows as exp(kappa H) (theory.derive_cap_growth), so "
                       "H = O(ln tau), tau = O(T ln T)",
                       r"p = (a-1)/b"),
        "nesterov": ("(a-1)(2b-1)/b^2 for a < b^2/(2b-1): the growing effective rate at the "
                     "noise-feedback stability bound zeta_t ~ t^(-1/b) (the constraint binds; "
                     "the noise the final annealing leaves is subdominant), (a-1)/a above; the "
                     "same with the friction switched off mid-run (ballistic progress, same "
                     "bound: theory.derive_free_friction_exponent)",
                     r"p = \frac{(a-1)(2b-1)}{b^2}\ (a < \tfrac{b^2}{2b-1})"),
    }  # fmt: skip
    return [
        Claim(
            f"momentum, hard phase, {form}",
            f"loss exponent {texts[form][0]}",
            texts[form][1],
            "loss exponent of the best schedule of the form",
            prediction=_prediction(form),
            experiment=_experiment(form),
            phases=("hard",),
            provenance="derived by the engine (docs/theory.md §5)",
        )
        for form in CLAIM_FORMS
    ]
