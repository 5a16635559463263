r"""Long-horizon optimal momentum schedules: derived shapes with a free correction, to T = 1e10.

Each form's schedule is its derived shape (:func:`theory.derive_momentum_exponents`) times a
free correction, evaluated at the midpoints of the intervals of a
:class:`~solvers.dynamics.momentum_longrun.MomentumGrid` (exact per-interval propagation, cost
``~log T``):

* ``"sgd"``: :math:`\eta_t = \eta_{\rm s}\,\mathrm{sigmoid}(y_0 + c(t))\,A(t)`, with
  :math:`\eta_{\rm s}` the largest stable constant rate (:func:`stable_rate`);
* ``"ema"``, ``"heavy-ball"``: the same rate and a constant :math:`\beta_0` (their effective
  rate is bounded: a plateau is the derived shape);
* ``"nesterov"`` (dimension-adapted): :math:`\eta_t = \eta_{\max}\,\mathrm{sigmoid}(y_0)A(t)`,
  :math:`\zeta_t = \zeta_0 (1+t)^{-p} e^{c(t)} A(t)`, :math:`\beta_t = 1 - \delta/(t+\delta+1)`
  (the derived :math:`r = 1`), with :math:`p` and :math:`\delta` free; with
  ``friction_knots`` the friction scale varies, :math:`\delta(t) = \delta e^{d(t)}`
  (the per-step optimum switches the friction off mid-run and on again at the end:
  benchmarks/results/momentum.md, 2026-11-30d);

:math:`A(t) = (1 + f^\nu)\,r^\nu/(r^\nu + f^\nu)`, :math:`r = 1 - t/T`, a smooth final
annealing over a fraction ~``f`` of the run, and :math:`c(t)` piecewise linear in
:math:`\log(1+t)/\log(1+T)`, zero at both ends, with ``knots`` free interior values; :math:`d(t)` is piecewise linear in the same variable on
``friction_knots + 1`` equally spaced nodes, zero at :math:`t = 0`, free at the others (the
end included: the final annealing can be done by friction).

:func:`solve_longrun` minimises :math:`\log L(T)` over these bounded parameters with L-BFGS-B
(the exact gradient by the interval kernel's adjoint, or finite differences:
:attr:`LongrunOptions.gradient`) and reports ``success`` only
when the KKT residual — the largest projected gradient component of :math:`\log L(T)` in the
parameters — is at most ``tol``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real

from ..dynamics.momentum_longrun import (
    DEFAULT_EXACT_MODES,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_UNIT_STEPS,
    MomentumGrid,
    momentum_grid,
)
from ._lbfgsb import LbfgsbOptions, minimize_box
from ._momentum_grid_errors import discretisation_errors, fine_loss, refined_loss
from ._momentum_longrun_family import (
    COMPLEX_STEP,
    DELTA_BOUNDS,
    FRICTION_KNOT_BOUND,
    controls_jacobian,
    longrun_controls,
    longrun_parameters,
    stable_rate,
)
from .continuum import STATUS_MESSAGES  # one status table
from .momentum import fit_exponent
from .momentum_forms import FORM_NAMES, UNSTABLE_LOG_LOSS, FormExponents

__all__ = [
    "COMPLEX_STEP",
    "DELTA_BOUNDS",
    "FRICTION_KNOT_BOUND",
    "LONGRUN_FORMS",
    "LongrunOptions",
    "LongrunResult",
    "continuation_starts",
    "controls_jacobian",
    "derived_momentum_shift",
    "discretisation_errors",
    "fine_loss",
    "first_horizon_starts",
    "kkt_residual",
    "longrun_controls",
    "longrun_exponents",
    "longrun_parameters",
    "refined_loss",
    "solve_longrun",
    "stable_rate",
]

#: The forms of the family solver (one list of forms).
LONGRUN_FORMS = FORM_NAMES
#: The optimiser's grid is coarser than the dynamics' defaults (half the cost): at T = 1e9 its
#: loss differs from a 4x finer grid by 2e-3 relative (1e-3 for the defaults), a slope error
#: below 1e-3 per decade; the benchmark re-evaluates every optimum on finer grids.
OPT_RATIO = 1.15
OPT_BINS_PER_DECADE = 3
OPT_POINTS_PER_BIN = 2
#: L-BFGS-B restarts (with central differences) after a stopped line search: forward
#: differences stall near KKT ~1e-4 on the nine-parameter Nesterov family.
RESTARTS = 5
#: Central-difference step: truncation 6e7 h^2 / 6 = 1e-6 and rounding 4e-16 / h = 1e-9 in the
#: worst component measured (Nesterov, (1.3, 2.75), T = 1e8, its ``p``), both below ``tol``.
CENTRAL_STEP = 3e-7
#: Gradients of :func:`solve_longrun` (:attr:`LongrunOptions.gradient`).
GRADIENTS = ("adjoint", "finite-difference")
#: ``log zeta0`` of the second start of a Nesterov sweep's first horizon
#: (:func:`first_horizon_starts`). The loss has a second KKT point with the momentum step off
#: (``p`` on its upper bound, ``zeta0 ~ e^-8``: SGD's loss to 2e-4): at the default model of
#: ``optlr validate`` (sigma 0.5, batch 1) the derived start (``zeta0 = 0.5``) lands there at
#: T = 1e3, 1e5 and 3.16e5 at (1.5, 3) and at 1e4 at (1.3, 2.75), and continuation keeps it
#: (up to 3.16e5 at (1.5, 3)); from ``zeta0 = e^-2`` the solve reaches the momentum branch,
#: 14-34 % below SGD at 1e4 at (1.5, 3), (1.2, 4), (1.3, 2.75)
#: (benchmarks/results/claims.md, 2026-12-01s19 (nest19)).
LOW_LOG_ZETA0 = -2.0


@dataclass(frozen=True)
class LongrunOptions:
    """Grid, parametrisation and optimiser settings of :func:`solve_longrun`.

    Attributes
    ----------
    ratio, max_interval, unit_steps
        Time grid (:func:`solvers.dynamics.momentum_longrun.momentum_grid`).
    exact_modes, bins_per_decade, points_per_bin
        Mode quadrature.
    knots : int
        Free values of the correction :math:`c(t)` (0: the derived shape alone).
    friction_knots : int
        Free values of the Nesterov friction correction :math:`d(t)` (0: constant ``delta``).
    delta_bounds : tuple of float
        Box of the Nesterov friction scale ``delta`` (:data:`DELTA_BOUNDS`).
    tol : float
        KKT tolerance: largest projected gradient component of ``log L(T)`` (tested with
        central differences, error ~1e-9).
    maxiter : int
        L-BFGS-B iterations.
    fd_step : float
        Forward-difference step of the optimiser's first attempt (half the evaluations; error
        ~``fd_step`` times the curvature).
    gradient : str
        ``"adjoint"`` (default): the exact gradient of the grid's loss, by the adjoint of the
        interval kernel (:meth:`MomentumGrid.loss_gradient`) and the complex-step derivative of
        the controls, for every attempt and the KKT test; ``"finite-difference"``: forward
        differences (``fd_step``), then central ones (``central_step``) after a stopped line
        search and for the KKT test (the solver before 2026-11-30i).
    central_step : float
        Central-difference step of the restarts and of the KKT test (error
        ~``central_step**2`` times the third derivative, plus the loss's rounding ~4e-16 over
        the step). Near the noise-feedback stability edge the Nesterov optimum at T = 1e8 has
        curvature 2e4 and third derivative 6e7 in ``p``: the former step 1e-5 erred by 1e-3,
        above the tolerance (:data:`CENTRAL_STEP`).
    """

    ratio: float = OPT_RATIO
    max_interval: float = DEFAULT_MAX_INTERVAL
    unit_steps: int = DEFAULT_UNIT_STEPS
    exact_modes: int = DEFAULT_EXACT_MODES
    bins_per_decade: float = OPT_BINS_PER_DECADE
    points_per_bin: int = OPT_POINTS_PER_BIN
    knots: int = 3
    friction_knots: int = 0
    delta_bounds: tuple = DELTA_BOUNDS
    tol: float = 1e-4
    maxiter: int = 300
    fd_step: float = 1e-6
    central_step: float = CENTRAL_STEP
    gradient: str = "adjoint"

    def __post_init__(self) -> None:
        check_real("ratio", self.ratio, gt=1)
        check_real("max_interval", self.max_interval, gt=0, le=1)
        check_int("unit_steps", self.unit_steps, ge=0)
        check_int("exact_modes", self.exact_modes, ge=1)
        check_real("bins_per_decade", self.bins_per_decade, gt=0)
        check_int("points_per_bin", self.points_per_bin, ge=1)
        check_int("knots", self.knots, ge=0)
        check_int("friction_knots", self.friction_knots, ge=0)
        lo, hi = (check_real("delta_bounds", float(v), gt=0) for v in self.delta_bounds)
        if not lo < hi:
            raise ValueError(f"delta_bounds must be (low, high) with 0 < low < high, got "
                             f"{self.delta_bounds!r}")  # fmt: skip
        object.__setattr__(self, "delta_bounds", (lo, hi))  # a JSON list becomes a tuple
        check_real("tol", self.tol, gt=0)
        check_int("maxiter", self.maxiter, ge=1)
        check_real("fd_step", self.fd_step, gt=0, le=0.1)
        check_real("central_step", self.central_step, gt=0, le=0.1)
        if self.gradient not in GRADIENTS:
            raise ValueError(f"gradient must be one of {GRADIENTS}, got {self.gradient!r}")

    def grid(self, model: PLRFModel, T: int) -> MomentumGrid:
        return momentum_grid(
            model, T, ratio=self.ratio, max_interval=self.max_interval,
            exact_modes=self.exact_modes, bins_per_decade=self.bins_per_decade,
            points_per_bin=self.points_per_bin, unit_steps=self.unit_steps,
        )  # fmt: skip

    def parameters(self, form: str, model: PLRFModel):
        """:func:`longrun_parameters` of ``form`` with these options' knots and bounds."""
        return longrun_parameters(form, model, self.knots, friction_knots=self.friction_knots,
                                  delta_bounds=self.delta_bounds)  # fmt: skip

    def controls(self, form: str, x, grid: MomentumGrid) -> tuple[np.ndarray, ...]:
        """:func:`longrun_controls` of ``form`` with these options' knots."""
        return longrun_controls(form, x, grid, self.knots, friction_knots=self.friction_knots)


class _Objective:
    """``log L(T)`` of ``form``'s parameters on ``grid`` and its gradient (:attr:`LongrunOptions.
    gradient`); counts the evaluations and keeps the last gradient for the KKT history."""

    def __init__(self, form: str, grid: MomentumGrid, opt: LongrunOptions) -> None:
        self.form, self.grid, self.opt = form, grid, opt
        self.evaluations = 0
        self.last: dict = {}

    def value(self, x) -> float:
        self.evaluations += 1
        L, fail = self.grid.loss(self.opt.controls(self.form, x, self.grid))
        return math.log(L[-1]) if fail < 0 and L[-1] > 0 else UNSTABLE_LOG_LOSS

    def value_grad(self, x, central: bool = False) -> tuple[float, np.ndarray]:
        """Value and gradient: the adjoint's, or differences (forward; ``central`` ones)."""
        opt = self.opt
        if opt.gradient == "adjoint":
            self.evaluations += 1
            co, jac = controls_jacobian(self.form, x, self.grid, opt.knots,
                                        friction_knots=opt.friction_knots)  # fmt: skip
            L, gL, fail = self.grid.loss_gradient(co)
            if fail >= 0 or not L[-1] > 0:
                f0, g = UNSTABLE_LOG_LOSS, np.zeros(x.size)
            else:
                f0, g = math.log(L[-1]), np.einsum("icj,cj->i", jac, gL) / L[-1]
        else:
            f0 = self.value(x)
            g = np.empty(x.size)
            h = opt.central_step if central else opt.fd_step
            for i in range(x.size):
                e = np.zeros(x.size)
                e[i] = h
                back = self.value(x - e) if central else f0
                g[i] = (self.value(x + e) - back) / (h * (2.0 if central else 1.0))
        self.last.update(x=np.array(x, float), g=g)
        return f0, g

    def gradient_at(self, x) -> np.ndarray:
        """The last gradient if it was taken at ``x``, else a new one."""
        same = np.array_equal(x, self.last.get("x"))
        return self.last["g"] if same else self.value_grad(x)[1]


# -- solve ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LongrunResult:
    """Optimal schedule of one form's parametrised family at one horizon.

    Attributes
    ----------
    form : str
    T : int
    loss : float
        :math:`L(T)` at the optimum.
    x : ndarray
        Parameters (``names``).
    names : tuple of str
    success : bool
        ``kkt <= tol``.
    status : int
        Key of :data:`STATUS_MESSAGES`.
    message : str
    kkt : float
        Largest projected gradient component of ``log L(T)``.
    iterations, evaluations : int
    cpu_seconds, wall_seconds : float
    kkt_history : tuple of float
        KKT residual after every iteration.
    model : PLRFModel
    options : LongrunOptions
    errors : dict
        Relative errors of ``loss``: of the optimum's grid, ``{"time", "quadrature"}``
        (:func:`discretisation_errors`), or of the re-evaluated loss, ``{"fine", "shift"}``
        (:func:`fine_loss`); filled by :func:`longrun_exponents`, empty otherwise.
    optimiser_loss : float or None
        The loss on the optimiser's grid when ``loss`` is the schedule re-evaluated on a finer
        one (:func:`fine_loss`, by :func:`longrun_exponents`); ``None``: ``loss`` is it.
    """

    form: str
    T: int
    loss: float
    x: np.ndarray
    names: tuple
    success: bool
    status: int
    message: str
    kkt: float
    iterations: int
    evaluations: int
    cpu_seconds: float
    wall_seconds: float
    kkt_history: tuple = field(default=(), repr=False)
    model: PLRFModel | None = field(default=None, repr=False)
    options: LongrunOptions | None = field(default=None, repr=False)
    errors: dict = field(default_factory=dict, repr=False)
    optimiser_loss: float | None = None

    def sampled(self, t, eta_max: float | None = None) -> tuple[np.ndarray, ...]:
        """Per-step ``(alpha, gamma, beta, q)`` at the steps ``t`` (without expanding to ``T``;
        ``eta_max`` is the model's, accepted for the figure's common call)."""
        grid = self.options.grid(self.model, self.T)
        co = self.options.controls(self.form, self.x, grid)
        j = np.searchsorted(grid.t, np.asarray(t), side="right") - 1
        j = np.clip(j, 0, grid.steps.size - 1)
        al, ga, ka, qq = (c[j] for c in co)
        return al, ga, 1.0 - ka, qq

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("form", "T", "loss", "success", "status",
                                             "message", "kkt", "iterations", "evaluations",
                                             "cpu_seconds", "wall_seconds")}  # fmt: skip
        out["params"] = dict(zip(self.names, self.x.tolist(), strict=True))
        if self.errors:
            out["errors"] = dict(self.errors)
        if self.optimiser_loss is not None:
            out["optimiser_loss"] = self.optimiser_loss
        return out


def _projected(x, g, bounds) -> np.ndarray:
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    pg = g.copy()
    pg[(x <= lo) & (g > 0)] = 0.0
    pg[(x >= hi) & (g < 0)] = 0.0
    return pg


#: Step (in the logit / log parameters) and number of tries of :func:`_stable_start`.
_STABLE_STEP, _STABLE_TRIES = 0.5, 40


def _stable_start(x0, value, names, bounds) -> np.ndarray:
    """Lower the start's rates (and its momentum) until the loss is finite: the derived start
    sits at a fixed fraction of ``eta_max``, which can lie beyond a model's stability edge
    (heavy ball and Nesterov at batch 1); the optimiser cannot leave a region of infinite loss.
    Every start row is lowered before the best is taken: a shorter horizon's optimum, unstable
    at ``T`` but lowered, was the better start for Nesterov (1.5, 3), 1e7 -> 1e8 (L 0.01515,
    against 0.01683 from the stable flat start, on a schedule the coarse grid does not resolve)."""
    x = np.array(x0, dtype=float)
    lower = ("logit eta0", "log zeta0", "logit beta0")
    idx = [names.index(n) for n in lower if n in names]
    lo = np.array([b[0] for b in bounds])
    for _ in range(_STABLE_TRIES):
        if value(x) < UNSTABLE_LOG_LOSS:
            break
        x[idx] = np.maximum(x[idx] - _STABLE_STEP, lo[idx])
    return x


def solve_longrun(
    model: PLRFModel,
    form: str,
    T: int,
    *,
    start=None,
    options: LongrunOptions | None = None,
) -> LongrunResult:
    """Minimise :math:`\\log L(T)` over ``form``'s parametrised schedule (L-BFGS-B).

    ``start`` (e.g. a shorter horizon's optimum, clipped into the bounds; or several as the
    rows of an array, the one with the lowest loss is taken, :func:`continuation_starts`)
    defaults to the derived shape (:func:`longrun_parameters`). Non-convergence is reported in the result.
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    opt = LongrunOptions() if options is None else options
    if not isinstance(opt, LongrunOptions):
        raise TypeError(f"options must be LongrunOptions, got {type(opt).__name__}")
    names, x0, bounds = opt.parameters(form, model)
    T = check_int("T", T, ge=2)
    obj = _Objective(form, opt.grid(model, T), opt)
    value, value_grad = obj.value, obj.value_grad
    history = []

    c0, w0 = time.process_time(), time.perf_counter()
    if start is not None:  # one start, or several (rows): the lowest loss once made stable
        lo, hi = [b[0] for b in bounds], [b[1] for b in bounds]
        starts = np.clip(np.atleast_2d(np.asarray(start, float)), lo, hi)
        # a shorter horizon's optimum unstable at T is lowered, not dropped (_stable_start)
        x0 = min((_stable_start(x, value, names, bounds) for x in starts), key=value)
    x0 = _stable_start(x0, value, names, bounds)
    if value(x0) >= UNSTABLE_LOG_LOSS:
        return LongrunResult(form, T, math.inf, x0, names, False, 3, STATUS_MESSAGES[3],
                             math.inf, 0, obj.evaluations, time.process_time() - c0,
                             time.perf_counter() - w0, (), model, opt)  # fmt: skip
    box = _minimize(obj, x0, bounds, opt, history)
    if opt.gradient == "adjoint" and box.g is not None:  # the driver's last evaluation is there
        f, g = box.f, box.g
    else:  # the KKT test by central differences (a forward-difference run's cross-check)
        f, g = value_grad(box.theta, central=True)
    kkt = float(np.abs(_projected(box.theta, g, bounds)).max())
    status = 0 if kkt <= opt.tol else (box.status if box.status else 2)
    return LongrunResult(
        form, T, math.exp(f), box.theta, names, status == 0, status, STATUS_MESSAGES[status],
        kkt, box.iterations, obj.evaluations, time.process_time() - c0,
        time.perf_counter() - w0, tuple(history), model, opt,
    )  # fmt: skip


def _minimize(obj: _Objective, x0, bounds, opt: LongrunOptions, history: list):
    """The project's bounded L-BFGS-B driver on ``log L(T)`` in the unscaled parameters, its
    KKT test the largest projected gradient component (recorded per iteration in ``history``).

    The adjoint gradient runs with :data:`RESTARTS` fresh restarts; the finite-difference one
    first with forward differences, then restarts with central ones (a stopped line search)."""
    lo, hi = (np.array([b[i] for b in bounds], float) for i in (0, 1))

    def kkt(x, g):
        history.append(float(np.abs(_projected(x, g, bounds)).max()))
        return history[-1]

    def fg(central: bool):
        def f_g(x):
            f, g = obj.value_grad(x, central=central)
            return (f, None) if f >= UNSTABLE_LOG_LOSS else (f, g)

        return f_g

    lbfgsb = LbfgsbOptions(maxcor=20, ftol=1e-15, gtol=opt.tol, blowup=UNSTABLE_LOG_LOSS)
    runs = [(False, RESTARTS)] if opt.gradient == "adjoint" else [(False, 0), (True, RESTARTS - 1)]
    box, used = None, 0
    for central, restarts in runs:
        box_ = minimize_box(
            fg(central), x0 if box is None else box.theta, lo, hi, scale=np.ones_like,
            kkt=kkt, tol=opt.tol, maxiter=opt.maxiter - used,
            options=replace(lbfgsb, restarts=restarts),
        )  # fmt: skip
        used += box_.iterations
        box = replace(box_, iterations=used)
        if box.success or used >= opt.maxiter:
            break
    return box


def kkt_residual(res: LongrunResult, gradient: str = "finite-difference") -> float:
    """The KKT residual of ``res``'s parameters with the other gradient: central differences
    (``central_step``) cross-check an adjoint solve, the adjoint a finite-difference one."""
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
    opt = replace(res.options, gradient=gradient)
    bounds = opt.parameters(res.form, res.model)[2]
    obj = _Objective(res.form, opt.grid(res.model, res.T), opt)
    g = obj.value_grad(np.asarray(res.x, float), central=True)[1]
    return float(np.abs(_projected(np.asarray(res.x, float), g, bounds)).max())


def continuation_starts(
    model: PLRFModel, form: str, x, options: LongrunOptions, *, ratio: float | None = None
) -> np.ndarray:
    """Starts for the next horizon from an optimum ``x``: itself, without its correction (the
    correction's knots move with ``log T``), and the derived start; rows of an array.

    With ``ratio`` (next horizon over ``x``'s) a Nesterov optimum also gives the start whose
    momentum step scales with ``T`` as derived (:func:`derived_momentum_shift`), first: at fixed
    ``log zeta0`` the noise-feedback mass grows like ``T^(1/b - p)`` and the previous optimum is
    unstable at the next decade (at (1.5, 3), 1e9 -> 1e10), where the derived shift keeps it
    within 0.2-4 % of the next optimum in loss (benchmarks/results/momentum.md, 2026-11-30h).
    """
    x = np.asarray(x, float)
    flat = x.copy()
    if options.knots:
        flat[-options.knots :] = 0.0
    rows = [x, flat, options.parameters(form, model)[1]]
    if ratio is not None and form == "nesterov":
        rows.insert(0, derived_momentum_shift(model, x, check_real("ratio", ratio, gt=0)))
    return np.array(rows)


def first_horizon_starts(model: PLRFModel, form: str, options: LongrunOptions) -> list:
    """Starts of a sweep's first horizon, each solved, the lowest loss kept
    (:func:`longrun_exponents`): the derived start; for Nesterov also the derived start with
    its momentum step lowered to :data:`LOW_LOG_ZETA0` (the derived one can land on the
    momentum-off KKT point)."""
    x0 = options.parameters(form, model)[1]
    if form != "nesterov":
        return [x0]
    low = x0.copy()
    low[3] = LOW_LOG_ZETA0
    return [x0, low]


def derived_momentum_shift(model: PLRFModel, x, ratio: float) -> np.ndarray:
    r"""A Nesterov optimum ``x`` moved to the horizon ``ratio`` times longer by the derived
    scaling of its momentum step: :math:`\zeta(\theta T) \propto T^{-p^*}` at a fixed fraction
    :math:`\theta` of the run, :math:`p^*` the derived optimal ``p``
    (:attr:`theory.MomentumExponentLaws.optimal_p`; ``1/b`` at the stability bound, where the
    noise-feedback mass :math:`\propto \zeta\,t^{1/b}` stays fixed). With
    :math:`\zeta_t = \zeta_0 (1+t)^{-p}` that is
    :math:`\log\zeta_0 \mathrel{+}= (p - p^*)\log(\mathrm{ratio})`; the other parameters are kept.
    """
    from theory import derive_momentum_exponents

    p_star = float(derive_momentum_exponents().optimal_p.subs(model.subs()))
    out = np.array(x, dtype=float)
    out[3] += (out[4] - p_star) * math.log(ratio)
    return out


def longrun_exponents(
    model: PLRFModel,
    forms,
    Ts,
    *,
    options: LongrunOptions | None = None,
    fine: bool = True,
    progress=None,
) -> FormExponents:
    """:func:`solve_longrun` for each form at each horizon, continued from the previous horizon's
    optimum (:func:`continuation_starts`, Nesterov's with the derived shift of its momentum
    step; the first horizon from each of :func:`first_horizon_starts`, the lowest kept), as a :class:`~solvers.control.momentum_forms.FormExponents` (the ``optlr momentum
    --form`` payload, figure and claims read it).

    With ``fine`` (default) every converged optimum's ``loss`` is its schedule re-evaluated on
    a finer grid, with that loss's errors (:func:`fine_loss`; the optimiser's loss is kept as
    ``optimiser_loss``); without, the optimiser's loss with its grid's errors
    (:func:`discretisation_errors`). The optimiser's coarse quadrature errs with a period of a
    third of a decade in ``T``: on half-decade horizons its local slopes zigzag by +-0.002-0.004
    and the extrapolation's scheme spread is 10-100x wider (benchmarks/results/claims.md,
    2026-12-01s16 (mom16)). Continuation is what makes the long horizons converge: from the
    derived start heavy ball at (1.5, 3), T = 1e8, stops at its iteration limit with KKT 0.13
    after 94 s CPU, continued it converges in 7 s."""
    opt = LongrunOptions() if options is None else options
    forms = tuple(forms)
    for f in forms:
        if f not in LONGRUN_FORMS:
            raise ValueError(f"forms must be among {LONGRUN_FORMS}, got {f!r}")
    Ts = [check_int("T", T, ge=2) for T in Ts]
    if len(Ts) < 2:
        raise ValueError(f"Ts must hold at least two horizons, got {Ts}")
    solves, fits = {}, {}
    for f in forms:
        out: list[LongrunResult] = []
        for T in Ts:
            if out:
                start = continuation_starts(model, f, out[-1].x, opt, ratio=T / out[-1].T)
                r = solve_longrun(model, f, T, start=start, options=opt)
            else:  # each first start solved: the lowest converged loss (a KKT point is local)
                rs = [solve_longrun(model, f, T, start=x, options=opt)
                      for x in first_horizon_starts(model, f, opt)]  # fmt: skip
                r = min(rs, key=lambda r: (not r.success, r.loss))
            out.append(_measured(r, fine))
            if progress is not None:
                progress(out[-1])
        solves[f] = tuple(out)
        fits[f] = fit_exponent(np.array(Ts, float), [s.loss for s in out])
    return FormExponents(model, np.array(Ts), solves, fits)


def _measured(r: LongrunResult, fine: bool) -> LongrunResult:
    """A converged optimum with its loss's errors (:func:`longrun_exponents`)."""
    if not r.success:
        return r
    if not fine:
        return replace(r, errors=discretisation_errors(r))
    L, errors = fine_loss(r)
    return replace(r, loss=L, errors=errors, optimiser_loss=r.loss)
