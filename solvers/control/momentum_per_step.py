r"""Per-step optimal control of a momentum form on the exact moment recursion (small horizons).

The one-step map of the moments is the closure of :func:`theory.general_momentum`; its Jacobians
in the moments, in the coupling ``L`` and in the coefficients :math:`(\alpha, \gamma, \beta, q)`
are differentiated symbolically once (:func:`_derivatives`) and evaluated vectorised over the
modes. :func:`form_loss_and_gradient` returns :math:`\log L(T)` and its exact gradient in the
form's per-step controls (the compiled kernels of :mod:`solvers.control._momentum_adjoint`:
reverse sweep over stored states, memory ``3 T n``, one workspace per solve; ``T`` up to ~1e4
in practice). :func:`solve_per_step` minimises it from a family schedule
(:func:`solvers.control.momentum_forms.form_schedule`) and reports the KKT residual — the check of how
much the derived family leaves on the table. Its ``method="newton"`` converges where bounded
L-BFGS-B alone stalls (benchmarks/results/momentum.md, 2026-11-30j): L-BFGS-B on equal blocks,
coarse to fine, then per step, in units of each control's size (``1 - beta`` for the friction),
then a truncated-Newton finish (:mod:`solvers.control._truncated_newton`) whose conjugate
gradients see the curvature that couples ``zeta_t``, ``beta_t`` and neighbouring steps. With
``scaling="log"`` every phase optimises the friction as ``log(1 - beta)``, which converged the
EMA form at ``T = 1e4`` (2026-11-30k); :func:`stretched_start` gives a start from a shorter
horizon's optimum (continuation in ``T``). ``method="pnewton"`` replaces the TNC finish by a
projected Newton method (bounds fixed and freed by projection, CG preconditioned by the exact
Hessian diagonal and a coarse-block level), which needs 2-3x fewer evaluations on the momentum
forms (2026-12-01).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import sympy as sp

from theory import general_momentum, second_moment_closure
from theory._checks import check_int, check_real
from theory.symbols import L, inv_m, lam, sigma

from ..dynamics.modes import ModeGrid
from ._lbfgsb import BLOWUP, BoxResult, LbfgsbOptions, minimize_box
from ._log_controls import VALUE_SCALE_FLOOR, LogControls
from ._momentum_adjoint import MomentumWorkspace, general_momentum_adjoint
from ._momentum_hessian import control_hessian_diagonal
from ._newton_cr import newton_cr_box
from ._projected_newton import projected_newton_box
from ._truncated_newton import truncated_newton_box
from .direct import multilevel_blocks
from .momentum import _box_kkt, _optimise
from .result import STATUS_MESSAGES

__all__ = [
    "PerStepSolve",
    "form_loss_and_gradient",
    "general_momentum_adjoint",
    "solve_per_step",
    "stretched_start",
    "symbolic_loss_and_gradient",
]

#: Upper bound of beta in the per-step problems (beta -> 1 freezes the velocity).
BETA_MAX = 1.0 - 1e-7
#: Per-step scaling modes of :func:`solve_per_step` (see there).
SCALINGS = ("box", "value", "log", "loglog")
#: Upper bound of the momentum step zeta: above every family optimum seen (<= 1.7); a wider box
#: (50) made L-BFGS-B's first unit-box steps unstable and its line search fail.
ZETA_MAX = 4.0


@cache
def _derivatives():
    """Lambdified step map and its Jacobians in moments, ``L`` and coefficients."""
    closure = second_moment_closure(general_momentum())
    M, P = closure.moments, closure.update.params
    args = (*M, lam, L, *P, inv_m, sigma)
    rec = closure.recursion
    jac_m = [[sp.diff(r, m) for m in M] for r in rec]
    jac_L = [sp.diff(r, L) for r in rec]
    jac_p = [[sp.diff(r, p) for p in P] for r in rec]
    f = sp.lambdify(args, rec, "numpy", cse=True)
    fm = sp.lambdify(args, jac_m, "numpy", cse=True)
    fL = sp.lambdify(args, jac_L, "numpy", cse=True)
    fp = sp.lambdify(args, jac_p, "numpy", cse=True)
    return f, fm, fL, fp


def _broadcast(x, n):
    return np.broadcast_to(np.asarray(x, dtype=float), (n,))


def symbolic_loss_and_gradient(grid: ModeGrid, coef: np.ndarray) -> tuple[float, np.ndarray]:
    """``log L(T)`` and its gradient from the symbolic Jacobians (slow reference, small ``T``)."""
    f, fm, fL, fp = _derivatives()
    m = grid.model
    im = 0.0 if math.isinf(m.batch) else 1.0 / m.batch
    n, T = grid.lam.size, coef.shape[1]
    wl = grid.weight * grid.lam
    S = np.empty((T + 1, 3, n))
    S[0] = 0.0
    S[0, 0] = grid.c0
    Ls = np.empty(T + 1)
    Ls[0] = wl @ S[0, 0]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            new = f(*S[t], grid.lam, Ls[t], *coef[:, t], im, m.sigma)
            S[t + 1] = [_broadcast(x, n) for x in new]
            Ls[t + 1] = wl @ S[t + 1, 0]
    if not math.isfinite(Ls[T]) or Ls[T] <= 0:
        return math.inf, np.zeros_like(coef)
    adj = np.zeros((3, n))
    adj[0] = wl / Ls[T]
    grad = np.empty_like(coef)
    for t in range(T - 1, -1, -1):
        a_ = (*S[t], grid.lam, Ls[t], *coef[:, t], im, m.sigma)
        jm, jl, jp = fm(*a_), fL(*a_), fp(*a_)
        grad[:, t] = [sum(float(adj[i] @ _broadcast(jp[i][k], n)) for i in range(3))
                      for k in range(4)]  # fmt: skip
        dL = sum(float(adj[i] @ _broadcast(jl[i], n)) for i in range(3))
        new = np.zeros((3, n))
        for j in range(3):
            new[j] = sum(adj[i] * _broadcast(jm[i][j], n) for i in range(3))
        new[0] += dL * wl
        adj = new
    return math.log(Ls[T]), grad


@dataclass(frozen=True)
class PerStepSolve:
    """Per-step optimum of one form: controls ``(3 or 2, T)``, loss, KKT residual, timing."""

    form: str
    T: int
    controls: np.ndarray
    loss: float
    start_loss: float
    status: int
    kkt_residual: float
    iterations: int
    cpu_seconds: float
    kkt_max: float = math.nan
    message: str = ""
    levels: tuple = ()

    @property
    def success(self) -> bool:
        """``kkt_residual <= tol`` was met (status 0); a stall is a nonzero ``status``."""
        return self.status == 0


def _to_coef(form: str, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(4, T)`` from the form's controls and the chain-rule map ``(4, k)``."""
    T = u.shape[1]
    zero, one = np.zeros(T), np.ones(T)
    if form == "nesterov":  # controls eta, zeta, beta
        coef = np.array([u[0], u[1], u[2], one])
        chain = [(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0)]
    elif form == "heavy-ball":  # eta, beta
        coef = np.array([zero, u[0], u[1], one])
        chain = [(1, 0, 1.0), (2, 1, 1.0)]
    elif form == "ema":
        coef = np.array([zero, u[0], u[1], 1.0 - u[1]])
        chain = [(1, 0, 1.0), (2, 1, 1.0), (3, 1, -1.0)]
    else:  # sgd: eta
        coef = np.array([u[0], zero, zero, one])
        chain = [(0, 0, 1.0)]
    return coef, chain


def stretched_start(form: str, controls: np.ndarray, T: int) -> np.ndarray:
    r"""Continuation in ``T``: the per-step controls of a solve at ``T0`` as a start at ``T``.

    Each row of ``controls`` (shape ``(k, T0)``, the form's controls as in
    :attr:`PerStepSolve.controls`) is read as a function of relative time, its value at step
    ``s`` placed at :math:`(s + 1/2)/T_0`, and interpolated linearly at :math:`(t + 1/2)/T`
    (held constant beyond the end points); the friction row is interpolated in
    :math:`\log(1 - \beta)`. Returns the coefficients ``(alpha, gamma, beta, q)``, shape
    ``(4, T)``, the ``start`` of :func:`solve_per_step`.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    T = check_int("T", T, ge=1)
    u = np.atleast_2d(np.asarray(controls, dtype=float))
    k = {"nesterov": 3, "heavy-ball": 2, "ema": 2, "sgd": 1}[form]
    if u.shape[0] != k or u.shape[1] < 1:
        raise ValueError(f"controls must have {k} rows for form {form!r}, got shape {u.shape}")
    s_old = (np.arange(u.shape[1]) + 0.5) / u.shape[1]
    s_new = (np.arange(T) + 0.5) / T
    rows = [np.interp(s_new, s_old, r) for r in u]
    if k > 1:
        rows[-1] = -np.expm1(np.interp(s_new, s_old, np.log1p(-np.minimum(u[-1], BETA_MAX))))
    return _to_coef(form, np.array(rows))[0]


def _box(grid: ModeGrid, form: str, T: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Bounds ``(lo, hi)`` of the flattened ``(k, T)`` controls of ``form``, and ``k``."""
    hi_row = {"nesterov": (grid.model.eta_max, ZETA_MAX, BETA_MAX),
              "heavy-ball": (grid.model.eta_max, BETA_MAX), "ema": (grid.model.eta_max, BETA_MAX),
              "sgd": (grid.model.eta_max,)}[form]  # fmt: skip
    k = len(hi_row)
    return np.zeros(k * T), np.repeat(np.array(hi_row), T), k


def _step_objective(grid: ModeGrid, form: str, k: int, T: int):
    """``fg(x)``: ``log L(T)`` and its gradient in the flattened ``(k, T)`` controls."""

    ws = _workspace(grid, T)

    def evaluate(x):
        """``(coef, chain, log L, gradient in the coefficients, gradient in the controls)``."""
        coef, chain = _to_coef(form, x.reshape(k, T))
        f, g = ws(coef)
        out = np.zeros((k, T))
        for ci, ui, s in chain:
            out[ui] += s * g[ci]
        return coef, chain, f, g, out.ravel()

    def fg(x):
        _, _, f, _, gu = evaluate(x)
        return f, gu

    def diagonal(x):
        """The Hessian's exact diagonal in the controls (and the gradient) at ``x``."""
        coef, chain, f, g, gu = evaluate(x)
        if not math.isfinite(f):
            return np.ones(k * T), np.zeros(k * T)
        return control_hessian_diagonal(ws, coef, g, chain, k).ravel(), gu

    fg.diagonal = diagonal
    return fg


def solve_per_step(
    grid: ModeGrid,
    form: str,
    T: int,
    start,
    *,
    tol: float = 1e-4,
    maxiter: int = 2000,
    scaling: str = "box",
    method: str = "lbfgsb",
) -> PerStepSolve:
    r"""Minimise ``log L(T)`` over per-step controls of ``form`` from the coefficients ``start``.

    ``start`` is a family schedule ``(alpha, gamma, beta, q)`` (e.g. ``FormSolve.schedule``).
    Controls: ``nesterov`` (eta, zeta, beta), ``heavy-ball``/``ema`` (eta, beta), ``sgd`` (eta);
    ``eta`` in ``[0, eta_max]``, ``beta`` in ``[0, BETA_MAX]``, ``zeta`` in ``[0, ZETA_MAX]``.

    ``method="newton"`` (the method that converges, :func:`_solve_newton`): L-BFGS-B on the
    controls on equal blocks first (:func:`solvers.control.direct.multilevel_blocks`, coarse to
    fine, each level started from the last), then per step until the KKT sum is below
    ``NEWTON_FROM``, then a truncated-Newton finish
    (:func:`~solvers.control._truncated_newton.truncated_newton_box`) to ``tol``; every phase in
    friction-value units (``eta``, ``zeta`` in units of their own size, ``beta`` in units of
    ``1 - beta``) but the Newton phase, whose units ``scaling`` chooses (``"box"``, or
    ``"value"``: the friction-value units); ``scaling="log"`` runs every phase with the
    friction as ``log(1 - beta)`` (:class:`_LogFriction`; the rates in their own size's
    units), for optima whose friction spans decades near 1; ``scaling="loglog"`` the rates as
    ``log eta`` too (:mod:`solvers.control._log_controls`: for heavy ball a box-exact chart of
    the effective rate ``eta / (1 - beta)``; rates floored at ``RATE_FLOOR`` of their box).
    ``method="newton-finish"``: the truncated-Newton phase alone from ``start`` (to continue);
    ``method="pnewton"`` / ``"pnewton-finish"``: the same with the finish replaced by the
    projected Newton method of :mod:`solvers.control._projected_newton` (active set by
    projection, CG preconditioned by the exact Hessian diagonal of
    :mod:`solvers.control._momentum_hessian` and ``PNEWTON_BLOCKS`` coarse blocks per control
    row; 2026-12-01 in benchmarks/results/momentum.md);
    ``maxiter`` bounds the L-BFGS-B iterations plus the Newton phase's gradient evaluations.
    ``method="lbfgsb-finish"``: per-step L-BFGS-B alone from ``start`` (:func:`_lbfgsb_finish`);
    ``method="cr-finish"``: Newton with conjugate residuals from ``start`` (:func:`_cr_finish`).
    ``method="lbfgsb"``: the older single-level L-BFGS-B run; ``scaling="box"`` optimises each
    control in units of its box width, ``"value"`` in units of its own size or of the distance
    of ``beta`` to its bound (refreshed at every restart).

    The convergence test is the same for every method: ``kkt_residual``, the box-scaled
    projected gradient of ``log L(T)`` summed over the controls,

    .. math::

        r = \sum_i \bigl|\mathrm{clip}(u_i - w_i \partial_i \log L, 0, 1) - u_i\bigr|,
        \qquad u_i = (x_i - lo_i) / w_i,\ w_i = hi_i - lo_i,

    at most ``tol`` (``success``); ``kkt_max`` is its largest component. A run that stops
    above ``tol`` returns its status (:data:`~solvers.control.result.STATUS_MESSAGES`) and
    residual.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    T, maxiter = check_int("T", T, ge=1), check_int("maxiter", maxiter, ge=1)
    tol = check_real("tol", tol, gt=0)
    al, ga, bt, _ = (np.asarray(c, dtype=float) for c in start)
    if not al.shape == ga.shape == bt.shape == (T,):
        raise ValueError(f"start must be 4 rows of T = {T} coefficients, got shapes "
                         f"{[np.shape(c) for c in start]}")  # fmt: skip
    rows = {"nesterov": (al, ga, bt), "heavy-ball": (ga, bt), "ema": (ga, bt), "sgd": (al,)}[form]
    u0 = np.array(rows)
    lo, hi, k = _box(grid, form, T)
    fg = _step_objective(grid, form, k, T)
    start_loss = math.exp(fg(u0.ravel())[0])
    c0 = time.process_time()
    x, f, status, kkt, its, levels = _run(method, scaling, fg, u0.ravel(), lo, hi, k, T, tol,
                                          maxiter)  # fmt: skip
    width = hi - lo
    u = (x - lo) / width
    kmax = float(np.abs(np.clip(u - fg(x)[1] * width, 0.0, 1.0) - u).max())
    msg = f"{STATUS_MESSAGES[status]} (KKT sum {kkt:.3g}, tol {tol:g})"
    return PerStepSolve(form, T, x.reshape(k, T), math.exp(f), start_loss, status, kkt, its,
                        time.process_time() - c0, kmax, msg, levels)  # fmt: skip


def _run(method, scaling, fg, x0, lo, hi, k, T, tol, maxiter):
    """``(x, f, status, kkt, iterations, levels)`` of ``method`` (see :func:`solve_per_step`)."""
    if method in ("newton", "pnewton"):
        return _solve_newton(fg, x0, lo, hi, k, T, tol, maxiter, scaling, method)
    if method == "cr-finish":
        r = _cr_finish(fg, x0, lo, hi, k, T, tol, maxiter)
        return r.theta, r.f, r.status, r.kkt, r.iterations, (("cr", r.iterations, r.kkt, r.f),)
    if method == "lbfgsb-finish":
        r = _lbfgsb_finish(fg, x0, lo, hi, k, T, tol, maxiter, scaling)
        return r.theta, r.f, r.status, r.kkt, r.iterations, (("lbfgsb", r.iterations, r.kkt, r.f),)
    if method in ("newton-finish", "pnewton-finish"):
        r = _newton_phase(fg, x0, lo, hi, k, T, tol, maxiter, scaling, method[: -len("-finish")])
        return r.theta, r.f, r.status, r.kkt, r.iterations, (("newton", r.iterations, r.kkt, r.f),)
    if scaling == "box":
        return (*_optimise(fg, x0, lo, hi, tol, maxiter), ())
    return (*_optimise_value_scaled(fg, x0, lo, hi, k, T, tol, maxiter), ())


#: Forms of :func:`solve_per_step`.
FORMS = ("sgd", "ema", "heavy-ball", "nesterov")
#: Methods of :func:`solve_per_step`.
METHODS = ("lbfgsb", "newton", "newton-finish", "pnewton", "pnewton-finish", "lbfgsb-finish",
           "cr-finish")  # fmt: skip
#: Coarse blocks per control row of the projected Newton finish's two-level preconditioner
#: (:func:`~solvers.control._projected_newton.projected_newton_box`; 0: none).
PNEWTON_BLOCKS = 16
#: Further keywords of the projected Newton finish (``trust``, ``forcing_norm``, ``trace``:
#: :func:`~solvers.control._projected_newton.projected_newton_box`); none by default. Measured
#: (2026-12-01e): neither ``trust=True`` nor ``forcing_norm="l1"`` is faster on every case.
PNEWTON_OPTIONS: dict = {}
#: KKT sum at which the per-step L-BFGS-B phase hands over to the Newton finish (measured,
#: Nesterov T = 1e3: L-BFGS-B falls to ~3e-3 in 1000 iterations, then crawls; from there
#: TNC reached 1e-5 in 4000 evaluations, 2026-11-30j).
NEWTON_FROM = 3e-3
#: Iteration cap of the per-step L-BFGS-B phase before the Newton finish.
PER_STEP_LBFGSB_MAXITER = 1000
#: L-BFGS-B settings of the multilevel method: the SGD direct solver's (memory 20, no SciPy
#: ftol/gtol stop, fresh restarts while the loss falls), which converge per step where the older
#: settings (memory 30, ftol 1e-13, 2 restarts) stalled (benchmarks/results/momentum.md, 2026-11-30j).
MULTILEVEL_LBFGSB = LbfgsbOptions(restarts=10, maxcor=20, maxfun_per_iteration=4)
#: KKT tolerance of the coarse levels (they only provide a start for the next level).
COARSE_TOL = 1e-3
#: Iteration cap of one coarse level (bounds a bad case; the per-step level gets the rest).
COARSE_MAXITER = 200


#: The logarithmic variables of ``scaling="log"`` (friction) and ``"loglog"`` (rates too):
#: :class:`~solvers.control._log_controls.LogControls`.
_LogFriction = LogControls


def _beta_mask(k: int, T: int) -> np.ndarray:
    """Which of the flattened ``(k, T)`` controls are ``beta`` (the last row of a form with
    momentum)."""
    is_beta = np.zeros((k, T), dtype=bool)
    if k > 1:
        is_beta[-1] = True
    return is_beta.ravel()


def _friction_scale(lo, hi, k, T):
    """``scale(x)``: rates in units of their own size (floored at ``VALUE_SCALE_FLOOR`` of the
    box), ``beta`` (the last row of a form with momentum) in units of ``1 - beta`` — the loss
    depends on the friction roughly through ``log(1 - beta)``, and ``1 - beta`` reaches
    ``1 - BETA_MAX`` on the bound, where a box-relative floor would be 10x too coarse."""
    width, is_beta = hi - lo, _beta_mask(k, T)

    def scale(x):
        rate = np.clip(x - lo, VALUE_SCALE_FLOOR * width, width)
        return np.where(is_beta, np.clip(1.0 - x, 1.0 - hi, width), rate)

    return scale


def _solve_newton(fg, x0, lo, hi, k, T, tol, maxiter, scaling, finish="newton"):
    """Block levels coarse to fine and per step by L-BFGS-B, then truncated Newton;
    ``(x, f, status, kkt, iterations, levels)`` with ``levels`` a tuple of ``(blocks or
    "newton", iterations or evaluations, kkt, log L)`` per phase."""
    x, its, log = np.asarray(x0, dtype=float), 0, []
    for K in multilevel_blocks(T):
        edges = np.linspace(0, T, K + 1).round().astype(int)
        index = np.repeat(np.arange(K), np.diff(edges))

        def fg_block(xb, index=index, edges=edges):
            f, g = fg(xb.reshape(k, -1)[:, index].ravel())
            return f, np.add.reduceat(g.reshape(k, T), edges[:-1], axis=1).ravel()

        xb0 = np.add.reduceat(x.reshape(k, T), edges[:-1], axis=1) / np.diff(edges)
        lob, hib = lo.reshape(k, T)[:, :K].ravel(), hi.reshape(k, T)[:, :K].ravel()
        r = _minimise(fg_block, xb0.ravel(), lob, hib, k, K, max(tol, COARSE_TOL),
                      min(COARSE_MAXITER, maxiter - its), scaling)  # fmt: skip
        its += r.iterations
        log.append((K, r.iterations, r.kkt, r.f))
        x = r.theta.reshape(k, K)[:, index].ravel()
    r = _minimise(fg, x, lo, hi, k, T, max(tol, NEWTON_FROM),
                  max(1, min(PER_STEP_LBFGSB_MAXITER, maxiter - its)), scaling)  # fmt: skip
    its += r.iterations
    log.append((T, r.iterations, r.kkt, r.f))
    if r.kkt > tol and its < maxiter:
        r = _newton_phase(fg, r.theta, lo, hi, k, T, tol, maxiter - its, scaling, finish)
        its += r.iterations
        log.append(("newton", r.iterations, r.kkt, r.f))
    status = r.status if r.kkt > tol else 0
    if r.kkt > tol and status == 0:
        status = 1  # the L-BFGS-B phase met NEWTON_FROM, not tol, and the budget is spent
    return r.theta, r.f, status, r.kkt, its, tuple(log)


#: Iterations of one L-BFGS-B run of the box-unit finish before a restart with fresh memory:
#: at the EMA 3e4 point a fresh run cut the KKT sum 5-10x in its first ~100 evaluations and
#: then hovered (0.031 -> 0.0057 after 100, 0.0041-0.0075 after 400-500; 2026-12-02s22).
LBFGSB_FINISH_RUN = 100


def _lbfgsb_finish(fg, x, lo, hi, k, T, tol, maxiter, scaling):
    """Per-step L-BFGS-B alone from ``x`` (no block levels), the multilevel settings, in the
    units ``scaling`` names: ``"box"`` the box widths — the KKT measure's own units, in which a
    friction's gradient is its component of the measure (for ``1 - beta`` in 1e-4 .. 1e-3 it is
    ``1/(1 - beta)`` times the gradient in ``log(1 - beta)``); ``"value"`` / ``"log"`` /
    ``"loglog"`` those of :func:`_minimise`. A :class:`~solvers.control._lbfgsb.BoxResult`.

    Measured on the stalled EMA points (benchmarks/results/momentum.md, 2026-12-02s22): box units
    take the KKT sum from 0.352 to 0.018 in 400 evaluations at ``T = 3e4`` where every
    log-friction method stays at 0.2-0.4, and from 5.7 to 0.88 at ``1e5``; then it hovers
    (3e4: 2e-3 .. 8e-3), neither converged."""
    if scaling != "box":
        return _minimise(fg, x, lo, hi, k, T, tol, maxiter, scaling)
    width = np.where(hi > lo, hi - lo, 1.0)

    def fg_finite(y):
        f, g = fg(y)
        return (f, g) if math.isfinite(f) else (BLOWUP, None)

    total, runs = 0, 0
    while True:  # fresh L-BFGS memory every LBFGSB_FINISH_RUN iterations
        r = minimize_box(fg_finite, x, lo, hi, scale=lambda _: width, kkt=_box_kkt(lo, width),
                         tol=tol, maxiter=min(LBFGSB_FINISH_RUN, maxiter - total),
                         options=MULTILEVEL_LBFGSB)  # fmt: skip
        x, total, runs = r.theta, total + r.iterations, runs + r.runs
        if r.kkt <= tol or total >= maxiter or r.status not in (0, 1) or r.iterations == 0:
            return BoxResult(x, r.f, r.g, r.kkt, r.status, r.message, total, runs)


#: Windows of the friction row's circulant preconditioner in the Newton-CR finish (0: Jacobi
#: only). Measured at the EMA 3e4 point (2026-12-02s23 §1): windows of 2048, 8192 and 30000
#: steps did not lower CG's largest Ritz value (1985-6453 against Jacobi's 1817).
CR_WINDOW = 0
#: Conjugate-residual products per Newton step of the finish.
CR_MAX_PRODUCTS = 50


def _cr_finish(fg, x, lo, hi, k, T, tol, maxfun):
    """:func:`~solvers.control._newton_cr.newton_cr_box` from ``x`` in box units: the capped
    rates held, Jacobi preconditioner from the exact Hessian diagonal, products by forward
    differences at a step of ``FD_STEP`` of each control's scale (a friction's ``1 - beta``).
    Measured (benchmarks/results/momentum.md, 2026-12-02s23): at the EMA 3e4 point the KKT sum
    fell 5.4e-3 -> 3.7e-4 in 160 evaluations where box-unit L-BFGS-B hovers at 2e-3 .. 8e-3."""
    width = np.where(hi > lo, hi - lo, 1.0)
    is_beta = _beta_mask(k, T)

    def fd_scale(y):
        return np.where(is_beta, np.clip(1.0 - (lo + width * y), 1.0 - hi, 1.0) / width, 1.0)

    return newton_cr_box(fg, x, lo, hi, band=((k - 1) * T, k * T), diagonal=fg.diagonal,
                         kkt=_box_kkt(lo, width), tol=tol, maxfun=maxfun, window=CR_WINDOW,
                         max_cg=CR_MAX_PRODUCTS, fd_scale=fd_scale)  # fmt: skip


def _newton_phase(fg, x, lo, hi, k, T, tol, maxfun, scaling, finish="newton"):
    """:func:`~solvers.control._truncated_newton.truncated_newton_box` (``finish="newton"``) or
    :func:`~solvers.control._projected_newton.projected_newton_box` (``"pnewton"``) from ``x``
    in the units ``scaling`` names; a :class:`~solvers.control._lbfgsb.BoxResult` in the
    controls."""
    width = np.where(hi > lo, hi - lo, 1.0)
    kkt = _box_kkt(lo, width)
    if finish == "pnewton":
        solver = partial(projected_newton_box, rows=k, blocks=PNEWTON_BLOCKS,
                         diagonal=getattr(fg, "diagonal", None), **PNEWTON_OPTIONS)  # fmt: skip
    else:
        solver = truncated_newton_box
    if scaling in ("log", "loglog"):
        lf = _LogFriction(lo, hi, _beta_mask(k, T), scaling == "loglog")
        if finish == "pnewton" and hasattr(fg, "diagonal"):
            solver = partial(solver, diagonal=lf.diagonal(fg.diagonal))
        r = solver(lf.objective(fg), lf.to_y(x), lf.ylo, lf.yhi, scale=lf.scale,
                   kkt=lf.kkt(kkt), tol=tol, maxfun=maxfun)  # fmt: skip
        return lf.result(r)
    # box units by default (measured, Nesterov T = 1e3: KKT 7e-5 in 4224 evaluations against
    # 3e-4 after 6802 in friction units; at T = 1e4 the friction units progressed where box
    # units did not, 2026-11-30j)
    scale = _friction_scale(lo, hi, k, T) if scaling == "value" else (lambda th: width)
    return solver(fg, x, lo, hi, scale=scale, kkt=kkt, tol=tol, maxfun=maxfun)


def _minimise(fg, x0, lo, hi, k, n, tol, maxiter, scaling="box"):
    """:func:`~solvers.control._lbfgsb.minimize_box` on ``k`` rows of ``n`` controls, friction
    scaled (or in :class:`_LogFriction` variables for ``scaling`` ``"log"`` / ``"loglog"``), box
    KKT test; the result in the controls."""
    width = np.where(hi > lo, hi - lo, 1.0)

    def fg_finite(x):
        f, g = fg(x)
        return (f, g) if math.isfinite(f) else (BLOWUP, None)

    kkt = _box_kkt(lo, width)
    if scaling in ("log", "loglog"):
        lf = _LogFriction(lo, hi, _beta_mask(k, n), scaling == "loglog")
        r = minimize_box(lf.objective(fg_finite), lf.to_y(x0), lf.ylo, lf.yhi, scale=lf.scale,
                         kkt=lf.kkt(kkt), tol=tol, maxiter=maxiter, options=MULTILEVEL_LBFGSB)  # fmt: skip
        return lf.result(r)
    return minimize_box(
        fg_finite, x0, lo, hi, scale=_friction_scale(lo, hi, k, n), kkt=kkt,
        tol=tol, maxiter=maxiter, options=MULTILEVEL_LBFGSB,
    )  # fmt: skip


#: Restarts of the value-scaled runs: each refreshes the scales from the iterate.
VALUE_RESTARTS = 20


def _optimise_value_scaled(fg, x0, lo, hi, k, T, tol, maxiter):
    """:func:`_optimise` with each control scaled by its own size (``1 - beta`` for ``beta``,
    the last row of a form with momentum)."""
    width, is_beta = hi - lo, _beta_mask(k, T)

    def scale(x):
        return np.maximum(np.where(is_beta, hi - x, x - lo), VALUE_SCALE_FLOOR * width)

    return _optimise(fg, x0, lo, hi, tol, maxiter, scale=scale, restarts=VALUE_RESTARTS)


def _workspace(grid: ModeGrid, T: int) -> MomentumWorkspace:
    m = grid.model
    inv_m = 0.0 if math.isinf(m.batch) else 1.0 / m.batch
    return MomentumWorkspace.create(grid.lam, grid.weight, grid.c0, T, inv_m, m.sigma**2)


def form_loss_and_gradient(grid: ModeGrid, coef: np.ndarray) -> tuple[float, np.ndarray]:
    """``log L(T)`` and its gradient in the coefficients ``coef`` (shape ``(4, T)``); a one-off
    call (a solve reuses one :class:`~solvers.control._momentum_adjoint.MomentumWorkspace`)."""
    f, g = _workspace(grid, np.shape(coef)[1])(coef)
    return float(f), g.copy()
