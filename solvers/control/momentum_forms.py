r"""Momentum forms: derived-shape schedule families, optimised per horizon, and their exponents.

Every form studied here is the per-mode update (fresh minibatch gradient ``g`` at the current
weights)

.. math::

    v' = \beta v + q\,g, \qquad \Delta' = \Delta - \alpha\,g - \gamma\,v',

with per-step coefficients :math:`(\alpha_t, \gamma_t, \beta_t, q_t)`
(:func:`theory.general_momentum`): EMA momentum is :math:`(0, \eta, \beta, 1-\beta)`, heavy ball
:math:`(0, \eta, \beta, 1)`, and the dimension-adapted form :math:`(\eta, \zeta, \beta, 1)` (a
plain SGD step plus a momentum step), iterated by
:func:`solvers.dynamics.momentum_forms.simulate_form`.

:func:`solve_form` optimises, for one horizon, the schedule *shape derived* for each form by
:func:`theory.derive_momentum_exponents` — a few parameters, not one per step:

* ``"sgd"``: :math:`\eta_t = \eta_0 A(t)`; ``"ema"`` and ``"heavy-ball"``: the same rate with a
  constant :math:`\beta_0` (their effective rate is bounded, so a constant plateau is the derived
  shape); ``"nesterov"``: :math:`\eta_t = \eta_0 A(t)`, :math:`\zeta_t = \zeta_0 (1+t)^{-p} A(t)`,
  :math:`\beta_t = 1 - \delta/(t + \delta + 1)`;
* :math:`A(t) = \min(1, (T - t)/(fT))^{\nu}` is the final annealing (fraction ``f``, power ``nu``).

The optimum *within the family* is an upper bound on the optimal loss; its exponent is a lower
bound on the optimal exponent of the form. :func:`form_exponents` sweeps horizons with
continuation and fits the loss exponent of every form.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from theory import PLRFModel
from theory._checks import check_int

from ..dynamics.modes import ModeGrid
from ..dynamics.momentum_forms import simulate_form
from .momentum import fit_exponent

__all__ = [
    "FORM_NAMES",
    "FormExponents",
    "FormSolve",
    "derived_exponent",
    "form_exponents",
    "form_extrapolation",
    "form_gain_extrapolation",
    "form_schedule",
    "forms_payload",
    "momentum_forms_latex",
    "solve_form",
]

#: Forms with a schedule family; ``"sgd"`` is the reference (no momentum).
FORM_NAMES = ("sgd", "ema", "heavy-ball", "nesterov")
#: Friction constant of the dimension-adapted form, :math:`\beta_t = 1 - \delta/(t+\delta+1)`
#: (delta > 2 so that the velocity's memory of the start decays faster than 1/t).
NESTEROV_DELTA = 3.0
#: Log-loss returned for an unstable trial schedule (any finite loss is far below it).
UNSTABLE_LOG_LOSS = 50.0
#: Initial plateau rate of every family (below the SGD stability limits of the tested models).
START_RATE = 0.5


# -- derived schedule families -----------------------------------------------------------------


#: Clip of the unconstrained log/logit parameters (keeps exp() finite on wild simplex steps).
PARAM_CLIP = 30.0


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(x, -PARAM_CLIP), PARAM_CLIP)))


def _exp(x: float) -> float:
    return math.exp(min(max(x, -PARAM_CLIP), PARAM_CLIP))


def _initial_params(form: str, model: PLRFModel) -> np.ndarray:
    """Unconstrained start: logit(eta0/eta_max), logit f, log nu, then the form's own ones."""
    e0 = min(START_RATE, 0.5 * model.eta_max) / model.eta_max
    base = [math.log(e0 / (1 - e0)), math.log(0.3 / 0.7), math.log(2.0)]
    if form in ("ema", "heavy-ball"):
        return np.array([*base, math.log(0.5 / 0.5)])  # logit beta0 = 0.5
    if form == "nesterov":
        return np.array([*base, math.log(0.1), 1.0 / model.b])  # zeta0, p at its stability bound
    return np.array(base)


def form_schedule(form: str, x, T: int, eta_max: float = 2.0) -> tuple[np.ndarray, ...]:
    r"""Per-step coefficients ``(alpha, gamma, beta, q)`` of ``form`` for parameters ``x``.

    ``x`` is unconstrained (see :func:`solve_form`); the step is
    :math:`\eta_0 = \eta_{\max}\,\mathrm{sigmoid}(x_0)`, so it never exceeds ``eta_max`` (the
    momentum step ``zeta`` of ``"nesterov"`` is not capped); each array has shape ``(T,)``.
    """
    if form not in FORM_NAMES:
        raise ValueError(f"form must be one of {FORM_NAMES}, got {form!r}")
    t = np.arange(T, dtype=float)
    f, nu = _sigmoid(x[1]), _exp(x[2])
    ann = np.clip((T - t) / (f * T), 0.0, 1.0) ** nu
    eta = eta_max * _sigmoid(x[0]) * ann
    zero, one = np.zeros(T), np.ones(T)
    if form == "sgd":
        return eta, zero, zero, one
    if form in ("ema", "heavy-ball"):
        bt = np.full(T, _sigmoid(x[3]))
        q = 1.0 - bt if form == "ema" else one
        return zero, eta, bt, q
    zeta = _exp(x[3]) * (1.0 + t) ** (-min(max(x[4], -PARAM_CLIP), PARAM_CLIP)) * ann
    bt = 1.0 - NESTEROV_DELTA / (t + NESTEROV_DELTA + 1.0)
    return eta, zeta, bt, one


# -- optimisation over a family ----------------------------------------------------------------

#: Nelder-Mead tolerances on the unconstrained parameters and on log L.
XATOL, FATOL = 1e-3, 1e-7


@dataclass(frozen=True)
class FormSolve:
    """Best schedule of one form's derived family at one horizon.

    Attributes
    ----------
    form : str
    T : int
    loss : float
        :math:`L(T)` of the best schedule.
    params : ndarray
        Unconstrained parameters (:func:`form_schedule`).
    success : bool
        The simplex met its tolerances (``XATOL``, ``FATOL``) before ``maxfev``.
    message : str
    evaluations : int
    cpu_seconds : float
    """

    form: str
    T: int
    loss: float
    params: np.ndarray
    success: bool
    message: str
    evaluations: int
    cpu_seconds: float

    def schedule(self, eta_max: float) -> tuple[np.ndarray, ...]:
        return form_schedule(self.form, self.params, self.T, eta_max)

    def sampled(self, t, eta_max: float) -> tuple[np.ndarray, ...]:
        """Per-step ``(alpha, gamma, beta, q)`` at the steps ``t``."""
        return tuple(c[np.asarray(t)] for c in self.schedule(eta_max))

    def to_dict(self) -> dict:
        return {
            "form": self.form,
            "T": self.T,
            "loss": self.loss,
            "params": self.params.tolist(),
            "success": self.success,
            "message": self.message,
            "evaluations": self.evaluations,
            "cpu_seconds": self.cpu_seconds,
        }


def solve_form(grid: ModeGrid, form: str, T: int, *, start=None, maxfev: int = 600) -> FormSolve:
    """Minimise :math:`\\log L(T)` over the parameters of ``form``'s family (Nelder-Mead).

    ``start`` (unconstrained parameters, e.g. a shorter horizon's optimum) defaults to the
    derived shape's start (:func:`_initial_params`: ``p = 1/b`` for ``"nesterov"``).
    """
    if not isinstance(grid, ModeGrid):
        raise TypeError(f"grid must be a ModeGrid, got {type(grid).__name__}")
    if form not in FORM_NAMES:
        raise ValueError(f"form must be one of {FORM_NAMES}, got {form!r}")
    T = check_int("T", T, ge=2)
    x0 = _initial_params(form, grid.model) if start is None else np.asarray(start, dtype=float)
    eta_max = grid.model.eta_max

    def objective(x):
        _, loss = simulate_form(grid, form_schedule(form, x, T, eta_max))
        return math.log(loss[0]) if math.isfinite(loss[0]) and loss[0] > 0 else UNSTABLE_LOG_LOSS

    t0 = time.process_time()
    res = minimize(
        objective,
        x0,
        method="Nelder-Mead",
        options={"maxfev": maxfev, "xatol": XATOL, "fatol": FATOL, "adaptive": True},
    )
    loss = math.exp(res.fun)
    return FormSolve(
        form,
        T,
        loss,
        res.x,
        bool(res.success),
        str(res.message),
        int(res.nfev),
        time.process_time() - t0,
    )


@dataclass(frozen=True)
class FormExponents:
    """Loss exponents of every form's best family schedule over a sweep of horizons.

    Attributes
    ----------
    model : PLRFModel
    horizons : ndarray
    solves : dict
        ``solves[form]``: tuple of :class:`FormSolve`, one per horizon.
    fits : dict
        ``fits[form]``: :class:`ExponentFit` of the losses against ``T``.
    """

    model: PLRFModel
    horizons: np.ndarray
    solves: dict
    fits: dict

    def losses(self, form: str) -> np.ndarray:
        return np.array([s.loss for s in self.solves[form]])

    def converged(self, form: str) -> bool:
        return all(s.success for s in self.solves[form])


def form_exponents(
    model: PLRFModel, forms, Ts, *, grid: ModeGrid | None = None, maxfev: int = 600, progress=None
) -> FormExponents:
    """Solve each form at each horizon (continued from the previous one) and fit the exponents."""
    forms = tuple(forms)
    for f in forms:
        if f not in FORM_NAMES:
            raise ValueError(f"forms must be among {FORM_NAMES}, got {f!r}")
    Ts = [check_int("T", T, ge=2) for T in Ts]
    if len(Ts) < 2:
        raise ValueError(f"Ts must hold at least two horizons, got {Ts}")
    grid = ModeGrid.from_model(model) if grid is None else grid
    solves, fits = {}, {}
    for f in forms:
        out: list[FormSolve] = []
        for T in Ts:
            out.append(solve_form(grid, f, T, start=out[-1].params if out else None, maxfev=maxfev))
            if progress is not None:
                progress(out[-1])
        solves[f] = tuple(out)
        fits[f] = fit_exponent(np.array(Ts, float), [s.loss for s in out])
    return FormExponents(model, np.array(Ts), solves, fits)


# -- report: JSON object and LaTeX fragment -------------------------------------------------------


def derived_exponent(form: str, model: PLRFModel) -> float | None:
    """Derived optimal loss exponent of ``form`` in ``model``'s phase (``None``: not derived)."""
    from theory import derive_momentum_exponents

    laws = derive_momentum_exponents()
    table = laws.sgd if form == "sgd" else laws.exponents[form]
    expr = table[model.phase]
    if expr is None:
        return None
    return float(expr.subs(model.subs()))


#: Smallest curvature of ``log L`` in a family's parameters (measured: the Nesterov family's
#: correction knots, ~1e-3; benchmarks/results/momentum.md, 2026-11-30b): a KKT residual ``g``
#: leaves the loss at most ``g**2 / (2 KKT_CURVATURE)`` (relative) above the family optimum.
KKT_CURVATURE = 1e-3


def form_extrapolation(fe: FormExponents, form: str, options=None, *, losses=None):
    r"""The loss exponent of ``form`` extrapolated to :math:`T \to \infty` with its derived
    corrections and error budget (``None`` below 3 horizons or with a failed solve).
    ``losses``: what to extrapolate in place of ``form``'s losses (one per horizon, e.g. with a
    derived correction divided out; their relative errors are the losses').

    The corrections are :func:`theory.momentum_omegas` (SGD's hard-loss corrections for the
    SGD-like forms; the stability-bound transients for Nesterov; SGD's easy ones in the easy
    phase); the budget adds to the fit and scheme spread the solver error of each optimum
    (``kkt**2 / (2 KKT_CURVATURE)``) and its discretisation error (``errors["time"]``,
    ``errors["quadrature"]`` of a :class:`~solvers.control.momentum_longrun.LongrunResult`: the
    loss re-evaluated on finer grids), as relative errors of the loss per horizon
    (:func:`solvers.analysis.extrapolate_exponent`).
    """
    from ..analysis.extrapolate import extrapolate_exponent

    losses = np.asarray(fe.losses(form) if losses is None else losses, dtype=float)
    if losses.shape != fe.horizons.shape:
        raise ValueError(f"losses must hold one value per horizon, got shape {losses.shape}")
    if fe.horizons.size < 3 or not np.all(np.isfinite(losses) & (losses > 0)):
        return None  # too few horizons, or a failed (unstable) solve: no exponent to extrapolate
    rs, rq = _relative_errors(fe, form)
    return extrapolate_exponent(
        fe.horizons.astype(float), losses, sign=-1.0, omegas=_omegas(fe, form),
        rel_err_solver=rs, rel_err_quadrature=rq, options=options,
    )  # fmt: skip


def form_gain_extrapolation(
    fe: FormExponents, form: str, reference: str = "sgd", options=None, *, losses=None
):
    """The gain of ``form``'s loss exponent over ``reference``'s, extrapolated from the
    differences of their local slopes with ``form``'s derived corrections and both budgets
    (:func:`form_extrapolation`; ``None`` where either has none). ``losses``: ``{form: ...,
    reference: ...}`` to difference in place of the raw losses (e.g. each with its derived
    excess divided out)."""
    from ..analysis.extrapolate import extrapolate_sequence, local_slope_sequence

    ys = {f: (losses or {}).get(f) for f in (form, reference)}
    if any(form_extrapolation(fe, f, losses=ys[f]) is None for f in (form, reference)):
        return None
    T = fe.horizons.astype(float)
    y = {f: fe.losses(f) if ys[f] is None else np.asarray(ys[f], float) for f in ys}
    x, s_form, D = local_slope_sequence(T, y[form])
    _, s_ref, _ = local_slope_sequence(T, y[reference])
    errs = [_relative_errors(fe, f) for f in (form, reference)]
    cov = [sum((D * e[i] ** 2) @ D.T for e in errs) for i in (0, 1)]
    return extrapolate_sequence(x, s_ref - s_form, omegas=_omegas(fe, form), cov_solver=cov[0],
                                cov_quadrature=cov[1], options=options)  # fmt: skip


def _omegas(fe: FormExponents, form: str) -> list[float]:
    from theory import momentum_omegas

    m = fe.model
    return momentum_omegas(form, str(m.phase), m.a, m.b) if m.phase in ("easy", "hard") else []


def _relative_errors(fe: FormExponents, form: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-horizon relative loss errors of ``form``'s optima: the solver's from its KKT residual
    (:data:`KKT_CURVATURE`) and the grids' (every entry of a solve's ``errors``, e.g. time and
    quadrature, in quadrature)."""
    solves = fe.solves[form]
    kkt = np.nan_to_num(np.array([getattr(s, "kkt", 0.0) for s in solves], float), posinf=0.0)
    errs = [getattr(s, "errors", None) or {} for s in solves]
    quad = np.array([math.hypot(*e.values()) if e else 0.0 for e in errs])
    return kkt**2 / (2 * KKT_CURVATURE), quad


def _extrapolated(fe: FormExponents, form: str, divided=None) -> dict | None:
    """:func:`form_extrapolation` as a JSON object (``None`` without one); ``divided``: the
    losses to extrapolate per form where a derived correction was divided out (the rest raw)."""
    e = form_extrapolation(fe, form, losses=(divided or {}).get(form))
    if e is None:
        return None

    def num(v):  # an unbounded interval (too few slopes to test a correction) is null in JSON
        return float(v) if math.isfinite(v) else None

    return {"value": num(e.value), "halfwidth": num(e.halfwidth), "stderr": num(e.stderr),
            "scheme": e.primary, "omega": e.omega, "budget": {k: num(v) for k, v in e.budget.items()},
            "local_slopes": e.slopes.tolist()}  # fmt: skip


def forms_payload(fe: FormExponents, divided=None) -> dict:
    """The ``optlr momentum --form`` JSON object: ``{"model": ..., "forms": [...]}``.

    Every entry of ``forms`` holds ``form, horizons, losses, sgd_losses, exponent, stderr,
    local_slopes, extrapolated, global_fit, derived_exponent, sgd_exponent, converged, divided``
    (exponents are positive decay rates, :math:`L \\sim T^{-\\text{exponent}}`; ``exponent`` and
    ``stderr`` are :func:`form_extrapolation`'s value and total uncertainty where it applies,
    else the global fit's, which ``global_fit`` always holds; ``converged``: every family
    optimisation met its tolerances). ``divided``: ``{form: losses}`` extrapolated in place of
    the raw losses (the claims' :func:`~solvers.claims.momentum_forms.divided_form_losses`: the
    hard phase's derived window excess divided out, as the claims rows do); an entry's
    ``divided`` says whether its exponent (and SGD's) came from them.
    """
    if "sgd" not in fe.solves:
        raise ValueError("the sweep must include the 'sgd' form (the reference)")
    sgd, ex_sgd = fe.losses("sgd"), _extrapolated(fe, "sgd", divided)
    forms = []
    for f in fe.solves:
        if f == "sgd":
            continue
        fit, ex = fe.fits[f], _extrapolated(fe, f, divided)
        forms.append(
            {
                "form": f,
                "horizons": fe.horizons.tolist(),
                "losses": fe.losses(f).tolist(),
                "sgd_losses": sgd.tolist(),
                # the extrapolated exponent and its total uncertainty (form_extrapolation)
                "exponent": fit.exponent if ex is None else ex["value"],
                "stderr": fit.stderr if ex is None else ex["stderr"],
                "local_slopes": fit.local_slopes.tolist(),
                "extrapolated": ex,
                "global_fit": {"exponent": fit.exponent, "stderr": fit.stderr},
                "derived_exponent": derived_exponent(f, fe.model),
                "sgd_exponent": fe.fits["sgd"].exponent if ex_sgd is None else ex_sgd["value"],
                "sgd_derived_exponent": derived_exponent("sgd", fe.model),
                "converged": fe.converged(f),
                "divided": f in (divided or {}),
                "solves": [s.to_dict() for s in fe.solves[f]],
            }
        )
    m = fe.model
    return {
        "model": {"a": m.a, "b": m.b, "sigma": m.sigma, "batch": m.batch, "n_modes": m.n_modes,
                  "eta_max": m.eta_max, "phase": str(m.phase)},
        "forms": forms,
    }  # fmt: skip


def momentum_forms_latex(fe: FormExponents, *, derivation: bool = True, divided=None) -> str:
    """LaTeX fragment for the report's momentum page.

    With ``derivation`` the steps of :func:`theory.derive_momentum_exponents` come first (an
    itemised list), then the table of derived against measured exponents per form
    (``divided``: as in :func:`forms_payload`).
    """
    from theory import derive_momentum_exponents

    def num(x):  # "--" where there is no value: one local slope has no uncertainty
        return "--" if x is None or not math.isfinite(x) else f"{x:.3f}"

    payload = forms_payload(fe, divided)
    sgd_fit, sgd = fe.fits["sgd"], _extrapolated(fe, "sgd", divided)
    rows = [
        f"SGD & {num(derived_exponent('sgd', fe.model))} & "
        f"${num(sgd['value'] if sgd else sgd_fit.exponent)} \\pm "
        f"{num(sgd['stderr'] if sgd else sgd_fit.stderr)}$ & "
        f"{', '.join(f'{x:.3f}' for x in sgd_fit.local_slopes)} & 1 \\\\"
    ]
    for f in payload["forms"]:
        if not all(math.isfinite(x) and x > 0 for x in f["losses"]):  # an unstable solve
            rows.append(
                f"{f['form']} & {num(f['derived_exponent'])} & \\multicolumn{{3}}{{l}}"
                "{not measured: a horizon's solve found no stable schedule} \\\\"
            )
            continue
        ratio = f["sgd_losses"][-1] / f["losses"][-1]
        rows.append(
            f"{f['form']} & {num(f['derived_exponent'])} & ${num(f['exponent'])} \\pm "
            f"{num(f['stderr'])}$ & {', '.join(f'{x:.3f}' for x in f['local_slopes'])} & "
            f"{ratio:.2f} \\\\"
        )
    T = fe.horizons
    head = ""
    if derivation:
        laws = derive_momentum_exponents()
        items = "\n".join(f"\\item {step}" for step in laws.steps)
        head = f"\\begin{{itemize}}\n{items}\n\\end{{itemize}}\n\n"
    return (
        "% optlr momentum --form\n"
        + head
        + f"Loss exponents ($L^* \\sim T^{{-p}}$) of the best schedule of each form's derived "
        f"family, $T = {T[0]}\\ldots{T[-1]}$, $a = {fe.model.a:g}$, $b = {fe.model.b:g}$; measured: "
        "extrapolated with the derived corrections"
        + (
            " (for " + ", ".join(sorted(divided)) + " after the derived window excess over each "
            "form's own rate cap is divided out, as the claims rows do; the local slopes shown are "
            "the raw ones)"
            if divided
            else ""
        )
        + ", $\\pm$ the total uncertainty (--: too few horizons).\n\n"
        "\\begin{tabular}{lcccc}\\toprule\nform & derived exponent & measured exponent & local slopes & "
        "$L_{\\rm SGD}/L$ at largest $T$ \\\\\\midrule\n" + "\n".join(rows) + "\n"
        "\\bottomrule\\end{tabular}\n\n" + _active_case(fe.model)
    )


def _active_case(model: PLRFModel) -> str:
    """One sentence: what sets the dimension-adapted form's derived exponent at ``model``."""
    from theory import derive_momentum_exponents

    try:
        case = derive_momentum_exponents().nesterov_case(model.a, model.b)
    except ValueError:  # on a case boundary: both hold
        return ""
    how = (
        f"the {case.binding[1]} bound binds ($p = {sp.latex(case.value)}$, {case.binding[0]} "
        "leads; the noise left by the final annealing is subdominant)"
        if case.kind == "bound"
        else f"{case.binding[0]} balances {case.binding[1]} at $p = {sp.latex(case.value)}$"
    )
    return f"Dimension-adapted form at this point: {how}.\n"
