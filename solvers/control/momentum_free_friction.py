r"""The free-friction Nesterov family: no friction mid-run, then a final friction stage.

The shape of the per-step optimum (benchmarks/results/momentum.md, 2026-11-30d) and of the
derivation :func:`theory.derive_free_friction_exponent`, with nine parameters instead of the
friction-knot family's thirteen:

.. math::

    \eta_t = \eta_{\max}\,\mathrm{sigmoid}(y_0)\,A(t), \qquad
    \zeta_t = \zeta_0\,(1 + t/t_0)^{-p}\,A(t), \qquad
    \kappa_t = \min\bigl(1, \tfrac{C}{T}\,u^{\mu}\bigr),\ u = \max\bigl(0, \tfrac{t/T - s}{1 - s}\bigr),

:math:`\beta_t = 1 - \kappa_t` (no friction before :math:`sT`), :math:`A(t)` the long-run
families' final annealing (:func:`solvers.control.momentum_longrun.longrun_controls`). The
derived exponent needs :math:`p \to 1/b` (bounded noise-feedback mass); ``fixed_p`` holds ``p``
there, or anywhere, to test that.

:func:`solve_free_friction` minimises :math:`\log L(T)` on the long-run grid
(:class:`~solvers.dynamics.momentum_longrun.MomentumGrid`) from several starts with the one
L-BFGS-B driver (:func:`solvers.control._lbfgsb.minimize_box`, central differences) and keeps
every start's end point: the problem is not convex. :func:`feedback_mass` is the derivation's
mass :math:`\iota g_0\sum_k(1 - e^{-\eta\lambda_k t})` along a schedule.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import sympy as sp

from theory import PLRFModel, derive_free_friction_exponent
from theory._checks import check_int, check_real
from theory._momentum_exponents import zeta as zeta_s
from theory.symbols import eta as eta_s
from theory.symbols import inv_m

from ..dynamics.momentum_longrun import MomentumGrid
from ._lbfgsb import LbfgsbOptions, minimize_box
from .momentum_forms import UNSTABLE_LOG_LOSS
from .momentum_longrun import LongrunOptions
from .result import STATUS_MESSAGES

__all__ = [
    "FREE_FRICTION_NAMES",
    "FreeFrictionOptions",
    "FreeFrictionResult",
    "feedback_mass",
    "free_friction_controls",
    "free_friction_start",
    "solve_free_friction",
]

#: Parameter names, their box and the start (the 1e8 friction-knot optimum at (1.5, 3), read
#: off: friction off to ~0.25 T, kappa T ~ 130 at the end rising like u^2.5).
FREE_FRICTION_NAMES = ("logit eta0", "log zeta0", "log t0", "p", "logit s", "log C", "log mu",
                       "log f", "log nu")  # fmt: skip
_BOUNDS = ((-12.0, 12.0), (-12.0, 3.0), (0.0, 16.0), (-0.5, 1.5), (-6.0, 6.0),
           (math.log(1e-2), math.log(1e5)), (math.log(0.1), math.log(10.0)),
           (math.log(1e-3), 0.0), (math.log(0.25), math.log(8.0)))  # fmt: skip
_START = (math.log(0.4 / 0.6), math.log(0.3), math.log(30.0), None, math.log(0.25 / 0.75),
          math.log(100.0), math.log(2.5), math.log(0.2), math.log(4.0))  # fmt: skip


#: Scale of the optimiser's variables: L-BFGS-B's first step moves the parameters by about this
#: much (a unit step took ``p`` from 1/3 to -0.27, into the unstable region, and the line
#: search, seeing no gradient there, ended the run).
_SCALE = 0.05


def free_friction_start(model: PLRFModel) -> np.ndarray:
    """The default start (``p`` at the derived ``1/b``)."""
    return np.array([1.0 / model.b if v is None else v for v in _START])


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def free_friction_controls(x, grid: MomentumGrid) -> tuple[np.ndarray, ...]:
    """Per-interval ``(alpha, gamma, kappa, q)`` of the parameters ``x`` (:data:`FREE_FRICTION_NAMES`)."""
    x = np.asarray(x, dtype=float)
    if x.shape != (len(FREE_FRICTION_NAMES),):
        raise ValueError(f"x must have shape ({len(FREE_FRICTION_NAMES)},), got {x.shape}")
    y0, lz, lt0, p, ls, lc, lmu, lf, lnu = x
    t, T = grid.midpoints, float(grid.T)
    f, nu = math.exp(lf), math.exp(lnu)
    r = np.maximum(1.0 - t / T, 0.0)
    ann = (1.0 + f**nu) * r**nu / (r**nu + f**nu)
    eta = grid.model.eta_max * _sigmoid(y0) * ann
    zeta = math.exp(lz) * (1.0 + t / math.exp(lt0)) ** -p * ann
    s = float(_sigmoid(ls))
    u = np.clip((t / T - s) / (1.0 - s), 0.0, 1.0)
    kappa = np.minimum(1.0, math.exp(lc) / T * u ** math.exp(lmu))
    return eta, zeta, kappa, np.ones_like(t)


@cache
def _plateau_gain():
    """The derived plateau gain ``g0(eta, zeta, iota)`` as a NumPy function."""
    return sp.lambdify((eta_s, zeta_s, inv_m), derive_free_friction_exponent().plateau_gain)


def feedback_mass(grid: MomentumGrid, controls, t: float) -> float:
    r"""The derived noise-feedback mass :math:`\iota g_0\sum_k(1 - e^{-\eta\lambda_k t})` at the
    interval holding step ``t`` (:func:`theory.derive_free_friction_exponent`: ``g_0`` the
    plateau gain at :math:`\beta = 1`; meaningful where the friction is off)."""
    g0 = _plateau_gain()
    j = int(np.clip(np.searchsorted(grid.t, t, side="right") - 1, 0, grid.steps.size - 1))
    eta, zeta = float(controls[0][j]), float(controls[1][j])
    iota = grid.model.inv_batch
    q = grid.quad
    return float(iota * g0(eta, zeta, iota) * np.sum(q.weight * -np.expm1(-eta * q.lam * t)))


@dataclass(frozen=True)
class FreeFrictionOptions:
    """Settings of :func:`solve_free_friction`.

    Attributes
    ----------
    grid : LongrunOptions
        Time grid and mode quadrature (only its grid fields are used).
    fixed_p : float or None
        Hold ``p`` at this value (``None``: free).
    tol : float
        KKT tolerance: largest projected gradient component of ``log L(T)``.
    maxiter : int
        L-BFGS-B iterations per start.
    step : float
        Central-difference step (error ~``step**2`` times the third derivative).
    """

    grid: LongrunOptions = field(default_factory=lambda: LongrunOptions(knots=0))
    fixed_p: float | None = None
    tol: float = 1e-4
    maxiter: int = 150
    step: float = 1e-5

    def __post_init__(self) -> None:
        if not isinstance(self.grid, LongrunOptions):
            raise TypeError(f"grid must be LongrunOptions, got {type(self.grid).__name__}")
        if self.fixed_p is not None:
            check_real("fixed_p", self.fixed_p, ge=-0.5, le=1.5)
        check_real("tol", self.tol, gt=0)
        check_int("maxiter", self.maxiter, ge=1)
        check_real("step", self.step, gt=0, le=0.1)


@dataclass(frozen=True)
class FreeFrictionResult:
    """Best end point of :func:`solve_free_friction` and every start's.

    Attributes
    ----------
    T : int
    loss : float
        :math:`L(T)` at the best end point.
    x : ndarray
        Its parameters (:data:`FREE_FRICTION_NAMES`).
    success : bool
        ``kkt <= tol`` at the best end point.
    status : int
        Key of :data:`~solvers.control.result.STATUS_MESSAGES`.
    message : str
    kkt : float
    start_losses : tuple of float
        :math:`L(T)` at every start's end point (``inf`` where unstable): the spread shows the
        local optima.
    start_kkts : tuple of float
    iterations : int
        Over all starts.
    cpu_seconds, wall_seconds : float
    """

    T: int
    loss: float
    x: np.ndarray
    success: bool
    status: int
    message: str
    kkt: float
    start_losses: tuple
    start_kkts: tuple
    iterations: int
    cpu_seconds: float
    wall_seconds: float

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("T", "loss", "success", "status", "message", "kkt",
                                             "start_losses", "start_kkts", "iterations",
                                             "cpu_seconds", "wall_seconds")}  # fmt: skip
        out["params"] = dict(zip(FREE_FRICTION_NAMES, self.x.tolist(), strict=True))
        return out


def _projected(x, g, lo, hi) -> np.ndarray:
    pg = g.copy()
    pg[(x <= lo) & (g > 0)] = 0.0
    pg[(x >= hi) & (g < 0)] = 0.0
    return pg


def solve_free_friction(
    model: PLRFModel, T: int, *, starts=None, options: FreeFrictionOptions | None = None
) -> FreeFrictionResult:
    """Minimise :math:`\\log L(T)` over the free-friction family from each row of ``starts``
    (default :func:`free_friction_start`); non-convergence is reported in the result."""
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    opt = FreeFrictionOptions() if options is None else options
    if not isinstance(opt, FreeFrictionOptions):
        raise TypeError(f"options must be FreeFrictionOptions, got {type(opt).__name__}")
    T = check_int("T", T, ge=2)
    X0 = np.atleast_2d(free_friction_start(model) if starts is None else np.asarray(starts, float))
    if X0.shape[1] != len(FREE_FRICTION_NAMES):
        raise ValueError(f"starts must have {len(FREE_FRICTION_NAMES)} columns, got {X0.shape}")
    grid = opt.grid.grid(model, T)
    lo, hi = (np.array([b[i] for b in _BOUNDS]) for i in (0, 1))
    if opt.fixed_p is not None:  # p held: its box shrinks to the point
        lo[3] = hi[3] = opt.fixed_p
    free = lo < hi

    def value(x) -> float:
        L, fail = grid.loss(free_friction_controls(x, grid))
        return math.log(L[-1]) if fail < 0 and L[-1] > 0 else UNSTABLE_LOG_LOSS

    def fg(x):
        f0 = value(x)
        if f0 >= UNSTABLE_LOG_LOSS:
            return f0, None
        g = np.zeros(x.size)
        for i in np.flatnonzero(free):
            e = np.zeros(x.size)
            e[i] = opt.step
            g[i] = (value(x + e) - value(x - e)) / (2.0 * opt.step)
        return f0, g

    def kkt(x, g) -> float:
        return float(np.abs(_projected(x, g, lo, hi)).max())

    c0, w0 = time.process_time(), time.perf_counter()
    ends = []
    for x0 in X0:
        x0 = np.clip(x0, lo, hi)
        if value(x0) >= UNSTABLE_LOG_LOSS:
            ends.append((math.inf, x0, math.inf, 3, STATUS_MESSAGES[3], 0))
            continue
        r = minimize_box(fg, x0, lo, hi, scale=lambda th: np.full_like(th, _SCALE), kkt=kkt,
                         tol=opt.tol, maxiter=opt.maxiter,
                         options=LbfgsbOptions(restarts=3, maxcor=20))  # fmt: skip
        ends.append((math.exp(r.f), r.theta, r.kkt, r.status, r.message, r.iterations))
    best = min(ends, key=lambda e: e[0])
    return FreeFrictionResult(
        T, best[0], best[1], best[3] == 0, best[3], best[4], best[2],
        tuple(e[0] for e in ends), tuple(e[2] for e in ends), sum(e[5] for e in ends),
        time.process_time() - c0, time.perf_counter() - w0,
    )  # fmt: skip
