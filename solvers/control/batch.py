r"""Learning rate with batch size: the ``eta/m`` degeneracy and the wall-clock batch ramp.

* :func:`~solvers.control.degeneracy.degeneracy_check` (re-exported here) checks the
  ``eta/m`` degeneracy on the dynamics.
* :func:`solve_batch_ramp` solves the wall-clock problem: minimise :math:`L(T)` after ``T`` steps
  over :math:`0\le\eta_t\le\eta_{\max}` and :math:`m_t\ge m_{\min}` with
  :math:`\sum_t m_t = D`, both piecewise constant on :func:`block_edges` (unit blocks at both
  ends, geometric between), with the direct solver's exact adjoint. It fits
  :math:`m^*(t)\propto(1-t/T)^{\gamma}` over a stated range and compares with
  ``theory.derive_scaling_laws()``'s ``batch_ramp_exponent``; :func:`wall_clock_saving` finds the
  steps a constant batch needs, at the same samples, to reach the ramp's loss.
* :func:`optimal_batch_at_rate` solves the same problem with the rate held at ``eta_max`` (the
  regime of the derivation) at full resolution — one batch per step — by the square-root rule
  of its KKT conditions, with a measured KKT residual: the independent, fast method for long
  horizons.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..analysis.fits import ExponentFit, fit_exponent
from .degeneracy import DegeneracyResult, degeneracy_check
from .direct import BlockRate, Parametrisation, loss_and_gradient, solve_direct
from .momentum import block_edges

__all__ = [
    "BatchRampResult",
    "BlockBudget",
    "DegeneracyResult",
    "EdgeRate",
    "WallClockSaving",
    "degeneracy_check",
    "optimal_batch_at_rate",
    "solve_batch_ramp",
    "source_divided_ramp_fit",
    "wall_clock_saving",
]

#: Default fit range of the ramp in y = 1 - t/T: from this many steps before the end ...
RAMP_FIT_MIN_STEPS = 100
#: ... to this fraction of the horizon (beyond it the bias and the start matter).
RAMP_FIT_MAX_FRACTION = 0.1


# -- (b) wall-clock batch ramp ----------------------------------------------------------------


class BlockBudget(Parametrisation):
    r"""Rate and batch piecewise constant on blocks, under the sample budget :math:`\sum_t m_t = D`.

    .. math::

        m_t = m_{\min} + (D - T m_{\min})\,\frac{w_{j(t)}}{\sum_j n_j w_j},\qquad 0\le w_j\le 1,

    with ``n_j`` the steps of block ``j``: the budget holds exactly for every parameter.
    ``theta = (eta_1..eta_K, w_1..w_K)``.
    """

    def __init__(
        self,
        edges,
        eta_max: float,
        budget: float,
        *,
        m_min: float = 1.0,
        fix_eta: bool = False,
        initial_batch=None,
    ) -> None:
        edges = np.asarray(edges, dtype=np.int64)
        if edges.ndim != 1 or edges.size < 2 or edges[0] != 0 or np.any(np.diff(edges) < 1):
            raise ValueError("edges must be increasing integers starting at 0")
        self.edges = edges
        self.T = int(edges[-1])
        self.K = edges.size - 1
        self.fix_eta = bool(fix_eta)
        self.n_eta = 0 if self.fix_eta else self.K
        self.n_params = self.n_eta + self.K
        self.size = np.diff(edges).astype(float)
        self.index = np.repeat(np.arange(self.K), np.diff(edges))
        self.eta_max = check_real("eta_max", eta_max, gt=0)
        self.m_min = check_real("m_min", m_min, ge=1)
        self.budget = check_real("budget", budget, ge=self.T * self.m_min)
        # starting weights: proportional to m - m_min of a given batch profile (else uniform)
        self.w0 = np.full(self.K, 0.5)
        if initial_batch is not None:
            excess = np.maximum(np.asarray(initial_batch, dtype=float) - self.m_min, 0.0)
            if excess.shape != (self.K,) or not np.any(excess > 0):
                raise ValueError(f"initial_batch must have shape ({self.K},) with some m > m_min")
            self.w0 = np.clip(excess / excess.max(), 1e-6, 1.0)

    @property
    def lower(self):
        return np.zeros(self.n_params)

    @property
    def upper(self):
        return np.concatenate([np.full(self.n_eta, self.eta_max), np.ones(self.K)])

    def block_eta(self, theta) -> np.ndarray:
        """Rate per block, shape ``(K,)`` (``eta_max`` everywhere when ``fix_eta``)."""
        return np.full(self.K, self.eta_max) if self.fix_eta else theta[: self.K]

    def block_batch(self, theta) -> np.ndarray:
        """Batch size per block, shape ``(K,)``."""
        w = theta[self.n_eta :]
        W = max(float(self.size @ w), np.finfo(float).tiny)
        return self.m_min + (self.budget - self.T * self.m_min) * w / W

    def controls(self, theta):
        # solve_direct's last call is at the returned optimum: keep it to report the batch
        self.last_theta = np.array(theta, dtype=float)
        return {
            "eta": self.block_eta(theta)[self.index],
            "inv_batch": 1.0 / self.block_batch(theta)[self.index],
        }

    def vjp(self, theta, grads):
        g_eta = np.bincount(self.index, grads["eta"], minlength=self.K)
        mb = self.block_batch(theta)
        g_m = np.bincount(self.index, -grads["inv_batch"], minlength=self.K) / mb**2
        w = theta[self.n_eta :]
        W = max(float(self.size @ w), np.finfo(float).tiny)
        R = self.budget - self.T * self.m_min
        g_w = R / W * (g_m - self.size * float(g_m @ w) / W)
        return g_w if self.fix_eta else np.concatenate([g_eta, g_w])

    def from_eta(self, eta):
        s = np.bincount(self.index, eta, minlength=self.K) / self.size
        w = self.w0.copy()
        return w if self.fix_eta else np.concatenate([np.clip(s, 0, self.eta_max), w])


@dataclass(frozen=True)
class BatchRampResult:
    r"""Optimal wall-clock schedule and its batch-ramp fit.

    Attributes
    ----------
    model : PLRFModel
    T : int
    budget : float
    edges : ndarray, shape (K + 1,)
    eta, batch : ndarray, shape (K,)
        Optimal rate and batch per block.
    final_loss : float
    constant_loss : float
        Optimal rate schedule (same blocks) at the constant batch ``budget / T``.
    fit : ExponentFit
        :math:`m^* \propto y^{\gamma}`, ``y = 1 - t/T`` at block midpoints; ``exponent`` is
        ``-gamma`` in :class:`ExponentFit`'s decay convention, so :attr:`gamma` gives ``gamma``.
    fit_range : tuple of float
        ``(y_min, y_max)`` used.
    derived : float
        The engine's ``batch_ramp_exponent`` at this ``b``.
    eta_at_bound : float
        Fraction of the steps of the fit range's window ``y <= y_max`` with
        ``eta >= 0.99 eta_max`` (the derivation assumes 1).
    success, status, message, seconds
    """

    model: PLRFModel
    T: int
    budget: float
    edges: np.ndarray
    eta: np.ndarray
    batch: np.ndarray
    final_loss: float
    constant_loss: float
    fit: ExponentFit
    fit_range: tuple[float, float]
    derived: float
    eta_at_bound: float
    success: bool
    status: int
    message: str
    seconds: float

    @property
    def gamma(self) -> float:
        return -self.fit.exponent

    @property
    def gamma_stderr(self) -> float:
        return self.fit.stderr

    def to_dict(self) -> dict:
        return {
            "a": self.model.a,
            "b": self.model.b,
            "sigma": self.model.sigma,
            "n_modes": self.model.n_modes,
            "eta_max": self.model.eta_max,
            "T": self.T,
            "budget": self.budget,
            "final_loss": self.final_loss,
            "constant_loss": self.constant_loss,
            "gamma": self.gamma,
            "gamma_stderr": self.gamma_stderr,
            "local_gammas": (-self.fit.local_slopes).tolist(),
            "fit_range": list(self.fit_range),
            "derived": self.derived,
            "eta_at_bound": self.eta_at_bound,
            "success": self.success,
            "status": self.status,
            "message": self.message,
            "seconds": self.seconds,
            "edges": self.edges.tolist(),
            "eta": self.eta.tolist(),
            "batch": self.batch.tolist(),
        }


def _derived_ramp(model: PLRFModel) -> float:
    import sympy as sp

    from theory import derive_scaling_laws

    laws = derive_scaling_laws()
    expr = laws.easy["batch_ramp_exponent"].expr
    return float(expr.subs(model.subs()).evalf()) if isinstance(expr, sp.Expr) else float(expr)


def _continued_batch(initial: BatchRampResult, edges: np.ndarray, T: int) -> np.ndarray:
    """The batch of a solution at another horizon on ``edges``, matched in the steps to go."""
    mid = 0.5 * (edges[1:] + edges[:-1])
    pm = 0.5 * (initial.edges[1:] + initial.edges[:-1])
    return np.interp(np.log(T - mid + 0.5), np.log(initial.T - pm + 0.5)[::-1], initial.batch[::-1])


def _block_ramp_fit(edges: np.ndarray, mb: np.ndarray, T: int, fit_range) -> ExponentFit:
    """The ramp exponent of block batches over ``y = 1 - t/T`` in ``fit_range``."""
    y = 1.0 - 0.5 * (edges[1:] + edges[:-1]) / T
    sel = (y >= fit_range[0]) & (y <= fit_range[1])
    if np.count_nonzero(sel) < 3:
        raise ValueError(f"fit_range {fit_range} holds fewer than 3 blocks at T = {T}")
    return fit_exponent(y[sel], mb[sel])  # m ~ y^-p in ExponentFit's convention: gamma = -p


def _constant_batch_loss(model, T, budget, edges, tol, maxiter) -> float:
    """The optimal loss on the same blocks of the rate alone, at the constant batch ``D/T``."""
    par = EdgeRate(edges, model.eta_max)
    res = solve_direct(
        model.replace(batch=budget / T), T, parametrisation=par, tol=tol, maxiter=maxiter
    )
    return res.final_loss


def solve_batch_ramp(
    model: PLRFModel,
    T: int,
    budget: float,
    *,
    m_min: float = 1.0,
    ratio: float = 1.3,
    max_block: float = 0.05,
    fit_range: tuple[float, float] | None = None,
    fix_eta: bool = False,
    initial: BatchRampResult | None = None,
    compare_constant: bool = True,
    tol: float = 1e-4,
    maxiter: int = 3000,
    **unknown,
) -> BatchRampResult:
    r"""Minimise :math:`L(T)` over block schedules of ``eta`` and ``m`` with :math:`\sum m_t = D`.

    Parameters
    ----------
    model : PLRFModel
        ``eta_max`` bounds the rate; ``batch`` is ignored.
    T : int
        Steps (the wall-clock budget).
    budget : float
        Samples ``D >= T m_min``.
    m_min : float
        Smallest batch.
    ratio, max_block : float
        Block grid (:func:`block_edges`).
    fit_range : (float, float), optional
        Range of ``y = 1 - t/T`` for the ramp fit; default from
        :data:`RAMP_FIT_MIN_STEPS` steps before the end to :data:`RAMP_FIT_MAX_FRACTION`.
    fix_eta : bool
        Hold ``eta = eta_max`` (the regime of the derivation) and optimise the batch only:
        half the parameters, for long horizons once a joint solve has shown the bound binds.
    compare_constant : bool
        Also solve the rate schedule at the constant batch ``D/T`` (``constant_loss``; NaN
        when skipped).
    initial : BatchRampResult, optional
        A solution at another horizon; its batch profile, as a function of the steps to go,
        starts the optimisation (continuation).
    tol, maxiter
        Passed to :func:`solve_direct`.
    """
    reject_unknown("solve_batch_ramp", unknown)
    T = check_int("T", T, ge=2)
    t0 = time.perf_counter()
    edges = block_edges(T, ratio=ratio, max_block=max_block)
    init_m = None if initial is None else _continued_batch(initial, edges, T)
    par = BlockBudget(
        edges, model.eta_max, budget, m_min=m_min, fix_eta=fix_eta, initial_batch=init_m
    )
    res = solve_direct(model, T, parametrisation=par, tol=tol, maxiter=maxiter)
    # recover the block controls
    starts = edges[:-1]
    eta = res.eta[starts]
    mb = par.block_batch(par.last_theta)
    if not np.allclose(par.block_eta(par.last_theta), eta):
        raise RuntimeError("could not recover the optimal batch schedule")  # pragma: no cover
    const_loss = (
        _constant_batch_loss(model, T, budget, edges, tol, maxiter)
        if compare_constant
        else math.nan
    )
    if fit_range is None:
        fit_range = (RAMP_FIT_MIN_STEPS / T, RAMP_FIT_MAX_FRACTION)
    fit = _block_ramp_fit(edges, mb, T, fit_range)
    at_bound = float(
        np.mean(res.eta[T - np.round(fit_range[1] * T).astype(int) :] >= 0.99 * model.eta_max)
    )
    return BatchRampResult(
        model, T, float(budget), edges, eta, mb, res.final_loss, const_loss, fit,
        tuple(float(v) for v in fit_range), _derived_ramp(model), at_bound, res.success,
        res.status, res.message, time.perf_counter() - t0,
    )  # fmt: skip


class EdgeRate(BlockRate):
    """Learning rate piecewise constant on given integer block edges (e.g. :func:`block_edges`):
    :class:`~solvers.control.direct.BlockRate` with its blocks given by ``edges`` alone."""

    def __init__(self, edges, eta_max: float) -> None:
        edges = np.asarray(edges, dtype=np.int64)
        if edges.ndim != 1 or edges.size < 2:
            raise ValueError("edges must be increasing integers starting at 0")
        super().__init__(int(edges[-1]), edges.size - 1, eta_max, edges=edges)


@dataclass(frozen=True)
class WallClockSaving:
    """Steps a constant batch needs, at the same samples, to match the ramp's loss.

    Attributes
    ----------
    ramp : BatchRampResult
    steps : ndarray
        Horizons ``T'`` tried with the constant batch ``D / T'``.
    losses : ndarray
        Their optimal losses.
    steps_needed : float
        ``T'`` at which the constant batch reaches ``ramp.final_loss`` (log-log interpolation;
        ``nan`` if outside the tried range).
    saving : float
        ``steps_needed / T``: the wall-clock factor the ramp saves.
    """

    ramp: BatchRampResult
    steps: np.ndarray
    losses: np.ndarray
    steps_needed: float
    saving: float

    def to_dict(self) -> dict:
        return {
            "T": self.ramp.T,
            "budget": self.ramp.budget,
            "ramp_loss": self.ramp.final_loss,
            "steps": self.steps.tolist(),
            "constant_batch_losses": self.losses.tolist(),
            "steps_needed": self.steps_needed,
            "saving": self.saving,
        }


def wall_clock_saving(ramp: BatchRampResult, factors=(1.0, 1.25, 1.5, 2.0, 3.0)) -> WallClockSaving:
    """Constant batch ``D/T'`` at ``T' = f T``: the optimal loss, and the ``T'`` that matches."""
    model, D = ramp.model, ramp.budget
    Ts, Ls = [], []
    for f in factors:
        Tp = round(f * ramp.T)
        if D / Tp < 1.0:
            break
        edges = block_edges(Tp)
        r = solve_direct(
            model.replace(batch=D / Tp), Tp, parametrisation=EdgeRate(edges, model.eta_max)
        )
        Ts.append(Tp)
        Ls.append(r.final_loss)
    Ts, Ls = np.array(Ts, dtype=float), np.array(Ls)
    need = math.nan
    target = ramp.final_loss
    for i in range(Ts.size - 1):
        if (Ls[i] - target) * (Ls[i + 1] - target) <= 0:
            lx = np.log(Ts[i : i + 2])
            ly = np.log(Ls[i : i + 2])
            need = float(
                np.exp(lx[0] + (math.log(target) - ly[0]) * (lx[1] - lx[0]) / (ly[1] - ly[0]))
            )
            break
    return WallClockSaving(ramp, Ts, Ls, need, need / ramp.T if math.isfinite(need) else math.nan)


# -- (b') the ramp at a fixed rate: per-step batch by the KKT square-root rule ------------------


#: Geometric bins per decade of ``y = 1 - t/T`` in which a per-step batch is averaged for the fit.
RAMP_FIT_BINS_PER_DECADE = 6


def _water_fill(shape: np.ndarray, budget: float, m_min: float) -> np.ndarray:
    r"""``m_t = max(m_min, s shape_t)`` with the scale ``s`` such that ``sum m_t = budget``."""
    from scipy.optimize import brentq

    r = np.maximum(shape, 0.0)
    if not np.any(r > 0):
        return np.full(r.size, budget / r.size)

    def excess(log_s):
        return float(np.maximum(m_min, math.exp(log_s) * r).sum()) - budget

    lo = math.log(m_min / r.max())  # every step at m_min: sum = T m_min <= budget
    hi = math.log(budget / r[r > 0].min()) + 1.0
    return np.maximum(m_min, math.exp(brentq(excess, lo, hi, xtol=1e-14)) * r)


def binned_ramp_fit(y: np.ndarray, m: np.ndarray, fit_range: tuple[float, float]) -> ExponentFit:
    """Fit ``m ~ y^gamma`` on geometric bins of ``y`` (:data:`RAMP_FIT_BINS_PER_DECADE`):
    each bin contributes the geometric mean of its steps, so the many steps far from the end do
    not outweigh the few close to it."""
    lo, hi = fit_range
    n_bins = max(3, round(RAMP_FIT_BINS_PER_DECADE * math.log10(hi / lo)))
    edges = np.geomspace(lo, hi, n_bins + 1)
    xs, ys = [], []
    for y0, y1 in itertools.pairwise(edges):
        sel = (y >= y0) & (y < y1)
        if np.any(sel):
            xs.append(math.exp(float(np.mean(np.log(y[sel])))))
            ys.append(math.exp(float(np.mean(np.log(m[sel])))))
    if len(xs) < 3:
        raise ValueError(f"fit_range {fit_range} holds fewer than 3 bins of steps")
    return fit_exponent(xs, ys)


def optimal_batch_at_rate(
    model: PLRFModel,
    T: int,
    budget: float,
    *,
    m_min: float = 1.0,
    fit_range: tuple[float, float] | None = None,
    tol: float = 1e-6,
    maxiter: int = 500,
    damping: float = 0.5,
    progress=None,
    **unknown,
) -> BatchRampResult:
    r"""Optimal batch per step at the rate ``eta = eta_max``, under :math:`\sum_t m_t = D`.

    The KKT conditions of :math:`\min L(T)` over :math:`m_t \ge m_{\min}` with the budget give,
    with :math:`h_t = \partial L(T)/\partial(1/m_t) \ge 0` (the exact discrete adjoint) and a
    multiplier :math:`\nu`,

    .. math:: m_t = \max\bigl(m_{\min},\ \sqrt{h_t/\nu}\bigr),

    solved by a damped fixed-point iteration (geometric mixing with weight ``damping``; the
    multiplier by water-filling the budget). The iteration stops when the KKT residual
    :math:`\max_t |h_t / (m_t^2 \nu) - 1|` (:math:`\nu` the median) over the steps above ``m_min`` falls below
    ``tol``. At fixed rate the loss depends on :math:`1/m_t` only through the noise injection, so
    the map is a contraction unless the loss feedback :math:`L_t` dominates the noise; non-
    convergence is reported in ``status`` / ``message``, never hidden.

    Returns a :class:`BatchRampResult` on unit blocks (``edges = 0..T``), fitted on
    :func:`binned_ramp_fit`; ``constant_loss`` is the loss of the constant batch ``D/T`` at the
    same rate.
    """
    reject_unknown("optimal_batch_at_rate", unknown)
    T = check_int("T", T, ge=2)
    m_min = check_real("m_min", m_min, ge=1)
    budget = check_real("budget", budget, ge=T * m_min)
    damping = check_real("damping", damping, gt=0, le=1)
    maxiter = check_int("maxiter", maxiter, ge=1)
    t0 = time.perf_counter()
    eta = np.full(T, model.eta_max)
    m = np.full(T, budget / T)
    const_loss = math.nan
    status, kkt, it = 1, math.inf, 0
    for it in range(1, maxiter + 1):
        logL, _, g = loss_and_gradient(model, eta, batch=m)
        if it == 1:
            const_loss = math.exp(logL)
        h = g * math.exp(logL)  # dL/d(1/m_t)
        free = m > m_min * (1 + 1e-9)
        r = h[free] / m[free] ** 2  # = the budget multiplier nu on every free step
        kkt = float(np.max(np.abs(r / np.median(r) - 1))) if r.size else 0.0
        if progress is not None:
            progress(it, math.exp(logL), kkt)
        if kkt <= tol:
            status = 0
            break
        target = _water_fill(np.sqrt(np.maximum(h, 0.0)), budget, m_min)
        m = _water_fill(m ** (1 - damping) * target**damping, budget, m_min)  # renormalised
    if status != 0:  # m was updated after the last evaluation
        logL = loss_and_gradient(model, eta, batch=m)[0]
    final = math.exp(logL)
    y = 1.0 - (np.arange(T) + 0.5) / T
    if fit_range is None:  # at least one decade, even at short horizons
        fit_range = (min(RAMP_FIT_MIN_STEPS / T, RAMP_FIT_MAX_FRACTION / 10), RAMP_FIT_MAX_FRACTION)
    fit = binned_ramp_fit(y, m, fit_range)
    message = (
        f"converged: KKT residual {kkt:.2e} <= {tol:g} after {it} iterations"
        if status == 0
        else f"iteration limit: KKT residual {kkt:.2e} > {tol:g} after {it} iterations"
    )
    return BatchRampResult(
        model, T, float(budget), np.arange(T + 1), eta, m, final, const_loss, fit,
        tuple(float(v) for v in fit_range), _derived_ramp(model), 1.0, status == 0, status,
        message, time.perf_counter() - t0,
    )  # fmt: skip


def source_divided_ramp_fit(result: BatchRampResult, fit_range: tuple[float, float]) -> ExponentFit:
    r"""The ramp exponent of ``result``'s per-step batch with the noise source divided out.

    The square-root rule is :math:`m_t \propto \sqrt{(\sigma^2 + L_t)\,G_t}` with :math:`G_t` the
    propagation of step ``t``'s injected noise to :math:`L(T)`; the derivation's
    :math:`K(2\eta_{\max}T y)` is :math:`G_t`. This fits :math:`m_t/\sqrt{\sigma^2 + L_t}`
    (:math:`L_t` from the exact recursion under the optimal controls) on
    :func:`binned_ramp_fit` over ``fit_range`` of ``y = 1 - t/T``. Needs a per-step result
    (:func:`optimal_batch_at_rate`).
    """
    from ..dynamics.recursion import simulate

    if result.batch.size != result.T:
        raise ValueError(f"result must hold one batch per step (T = {result.T}), got "
                         f"{result.batch.size} blocks")  # fmt: skip
    model = result.model
    loss = simulate(model, np.full(result.T, model.eta_max), batch=result.batch).loss[:-1]
    y = 1.0 - (np.arange(result.T) + 0.5) / result.T
    return binned_ramp_fit(y, result.batch / np.sqrt(model.sigma**2 + loss), fit_range)
