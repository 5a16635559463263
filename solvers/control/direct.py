r"""Direct optimal control of the exact discrete recursion (first-discretise-then-optimise).

Minimise the final excess loss :math:`L(T)` of the exact SGD recursion over a learning-rate
schedule :math:`0 \le \eta_t \le \eta_{\max}` — one rate per step, piecewise constant on blocks,
or any :class:`Parametrisation` — and optionally over a batch-size schedule under a sample
budget :math:`\sum_t m_t = D`. The objective is :math:`\log L(T)` (scale-free, and finite even
for unstable schedules, see :mod:`solvers.control._adjoint`); its exact gradient comes from the discrete
adjoint; the optimiser is SciPy's bounded L-BFGS-B with each rate scaled by its own size.

Per-step schedules are found by multilevel continuation (:func:`multilevel_blocks`): L-BFGS-B
on 32 equal blocks, then 8 times finer per level, each warm-started from the previous level's
schedule, and finally at full resolution, where only the short-scale detail is left to fit.
Convergence is judged by a projected-gradient (KKT) residual in the same rate-relative scaling
(``criterion="scaled"``), which for smooth gradients does not grow with ``T``; the original
unit-box measure is still computed and reported (``criterion="box"`` selects it).
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..dynamics._spectrum import initial_state, spectrum
from ..dynamics.modes import _blas_limit
from ..dynamics.recursion import stability_limit
from ._adjoint import adjoint_gradient, forward_checkpointed
from .result import ScheduleResult

__all__ = [
    "KKT_DEFINITIONS",
    "BatchBudget",
    "BlockRate",
    "DirectOptions",
    "Parametrisation",
    "StepRate",
    "loss_and_gradient",
    "multilevel_blocks",
    "oscillation_amplitude",
    "solve_direct",
]

#: Store every c(t) (no recomputation) while the store costs at most this many bytes. Small on
#: purpose: sqrt(T) checkpointing keeps the recompute buffer in cache and measured faster
#: (124 vs 141 ms per gradient at T = 1e4, n_modes = 1000) than streaming a full store.
STORE_ALL_BYTES = 8 * 2**20
#: Fraction of the stability limit used by the hard-phase initial guess (stay clearly stable).
HARD_START_FRACTION = 0.9
#: Fraction of the horizon over which the hard-phase initial guess anneals.
HARD_DECAY_FRACTION = 0.1
#: Relative accuracy of the best-constant-rate search that scales the initial guesses.
CONSTANT_SEARCH_XTOL = 1e-3
#: Smallest rate scale in the scaled KKT measure, as a fraction of the box width (a rate at the
#: lower bound counts as movable by this much).
SCALE_FLOOR = 1e-3
#: Smallest preconditioning scale, as a fraction of the box width: annealed rates reach
#: ~1e-4 eta_max at T = 1e5, and flooring their scale at SCALE_FLOOR made the last blocks
#: badly scaled (measured: >100 iterations on 32 blocks at T = 1e5).
PRECONDITION_FLOOR = 1e-6
#: L-BFGS-B memory (correction pairs).
LBFGS_MEMORY = 20
#: A step difference below this fraction of eta_max is not counted as an oscillation.
OSCILLATION_FLOOR = 1e-3
#: Blocks of the coarsest multilevel level (the overall shape of the schedule).
MULTILEVEL_FIRST = 32
#: Refinement factor between multilevel levels (and the minimum steps per block at the finest).
MULTILEVEL_FACTOR = 8
#: KKT tolerance on the coarse levels: they only provide a start, whose error at the next
#: level is dominated by the block discretisation anyway.
MULTILEVEL_COARSE_TOL = 1e-3
#: A block-rate problem gets coarse levels with up to 1/3 of its blocks: measured on the CasADi
#: comparison (K = 100, T = 1000), 86-96 instead of 212 evaluations from 20-50 coarse blocks.
MULTILEVEL_BLOCK_RATIO = 3
#: Iteration cap per coarse level (they converge in tens of iterations; this bounds a bad case).
MULTILEVEL_MAXITER = 200

#: What ``kkt_residual`` measures for each ``criterion`` of :func:`solve_direct`.
KKT_DEFINITIONS = {
    "scaled": "sum_i |clip(theta_i - s_i^2 d_i f, lo, hi) - theta_i| / s_i, "
    "s_i = clip(theta_i - lo_i, 1e-3 (hi_i - lo_i), hi_i - lo_i), f = log L(T) (+ penalty)",
    "box": "sum_i |clip(u_i - (hi_i - lo_i) d_i f, 0, 1) - u_i|, u = theta scaled to the unit box, "
    "f = log L(T) (+ penalty)",
}


# -- the objective and its adjoint gradient ---------------------------------------------------


def _stride(T: int, n: int, memory: int) -> int:
    return 1 if T * n * 8 <= memory else max(1, math.isqrt(T))


@dataclass(frozen=True)
class _Workspace:
    """Arrays reused by every evaluation of one solve (no allocation in the loop)."""

    lam: np.ndarray
    c0: np.ndarray
    s2: float
    stride: int
    ckpt: np.ndarray
    buf: np.ndarray
    loss: np.ndarray
    logscale: np.ndarray
    g_eta: np.ndarray
    g_im: np.ndarray

    @classmethod
    def create(cls, model: PLRFModel, T: int, memory: int = STORE_ALL_BYTES) -> _Workspace:
        n = model.n_modes
        stride = _stride(T, n, memory)
        n_ckpt = -(-T // stride)
        return cls(
            lam=spectrum(model),
            c0=initial_state(model),
            s2=model.sigma**2,
            stride=stride,
            ckpt=np.empty((n_ckpt, n)),
            buf=np.empty((stride if stride > 1 else 1, n)),
            loss=np.empty(T + 1),
            logscale=np.empty(T + 1),
            g_eta=np.empty(T),
            g_im=np.empty(T),
        )

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.ckpt, self.buf, self.loss, self.logscale, self.g_eta))

    def forward(self, eta: np.ndarray, inv_m: np.ndarray) -> float:
        """``log L(T)``."""
        forward_checkpointed(
            self.lam, self.c0, eta, inv_m, self.s2, self.stride, self.ckpt, self.loss, self.logscale
        )
        LT = self.loss[-1]
        return float(math.log(LT) + self.logscale[-1]) if LT > 0 else -math.inf

    def backward(self, eta: np.ndarray, inv_m: np.ndarray) -> None:
        """Fill ``g_eta``, ``g_im`` (call right after :meth:`forward` with the same arguments)."""
        adjoint_gradient(
            self.lam,
            eta,
            inv_m,
            self.s2,
            self.stride,
            self.ckpt,
            self.loss,
            self.logscale,
            self.buf,
            self.g_eta,
            self.g_im,
        )

    def loss_curve(self) -> np.ndarray:
        with np.errstate(over="ignore"):
            return self.loss * np.exp(self.logscale)


def loss_and_gradient(
    model: PLRFModel, eta, *, batch=None, memory: int = STORE_ALL_BYTES
) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Exact :math:`\log L(T)` and its gradient by the discrete adjoint.

    Parameters
    ----------
    model : PLRFModel
    eta : array_like, shape (T,)
    batch : float or array_like, shape (T,), optional
        Batch sizes (default ``model.batch``).
    memory : int
        Store every state while ``T * n_modes * 8`` bytes fit in this; otherwise checkpoint
        every ``sqrt(T)`` steps and recompute.

    Returns
    -------
    log_loss : float
    grad_eta : ndarray, shape (T,)
        :math:`\partial \log L(T) / \partial \eta_t`.
    grad_inv_batch : ndarray, shape (T,)
        :math:`\partial \log L(T) / \partial (1/m_t)`.

    Examples
    --------
    One mode, full batch: :math:`L(1) = (1-\eta)^2`, so :math:`d\log L/d\eta = -2/(1-\eta)`.

    >>> m = PLRFModel(a=2, b=2, n_modes=1, batch=math.inf)
    >>> f, g, _ = loss_and_gradient(m, [0.5])
    >>> round(f, 12) == round(2 * math.log(0.5), 12), float(g[0])
    (True, -4.0)
    """
    from ..dynamics.recursion import as_batch_schedule, as_schedule

    eta = as_schedule(eta)
    inv_m = as_batch_schedule(model.batch if batch is None else batch, eta.size)
    ws = _Workspace.create(model, eta.size, memory)
    with np.errstate(over="ignore", invalid="ignore"):
        f = ws.forward(eta, inv_m)
        ws.backward(eta, inv_m)
    return f, ws.g_eta.copy(), ws.g_im.copy()


# -- parametrisations --------------------------------------------------------------------------


class Parametrisation(ABC):
    r"""Map from optimisation parameters :math:`\theta` (in a box) to per-step controls.

    Subclasses define ``T``, ``n_params``, the box (``lower``, ``upper``), :meth:`controls`
    and its vector-Jacobian product :meth:`vjp`. This is the extension point for new controls:
    a parametrisation returns every control it sets (``"eta"`` always; ``"inv_batch"`` when it
    sets the batch size) and pulls back the matching gradients.
    """

    T: int
    n_params: int

    @property
    @abstractmethod
    def lower(self) -> np.ndarray: ...

    @property
    @abstractmethod
    def upper(self) -> np.ndarray: ...

    @abstractmethod
    def controls(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Per-step controls, each of shape ``(T,)``: ``"eta"`` and optionally ``"inv_batch"``."""

    @abstractmethod
    def vjp(self, theta: np.ndarray, grads: dict[str, np.ndarray]) -> np.ndarray:
        """Pull back per-step gradients (same keys as :meth:`controls`) to ``theta``."""

    @abstractmethod
    def from_eta(self, eta: np.ndarray) -> np.ndarray:
        """Parameters whose rate schedule approximates ``eta`` (used for initial guesses)."""

    def penalty(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Extra objective term and its gradient (default none)."""
        return 0.0, np.zeros_like(theta)

    def describe(self) -> dict:
        return {"kind": type(self).__name__, "n_params": self.n_params}


class StepRate(Parametrisation):
    """One learning rate per step (full resolution), ``0 <= eta_t <= eta_max``."""

    def __init__(self, T: int, eta_max: float) -> None:
        self.T = check_int("T", T, ge=1)
        self.eta_max = check_real("eta_max", eta_max, gt=0)
        self.n_params = self.T

    @property
    def lower(self) -> np.ndarray:
        return np.zeros(self.n_params)

    @property
    def upper(self) -> np.ndarray:
        return np.full(self.n_params, self.eta_max)

    def controls(self, theta):
        return {"eta": theta}

    def vjp(self, theta, grads):
        return grads["eta"]

    def from_eta(self, eta):
        return np.clip(eta, 0.0, self.eta_max)


class BlockRate(Parametrisation):
    """Learning rate piecewise constant on ``K`` blocks of steps.

    The blocks are (nearly) equal by default; ``edges`` (``K + 1`` increasing integers from 0
    to ``T``) sets them explicitly.
    """

    def __init__(self, T: int, K: int, eta_max: float, *, edges=None) -> None:
        self.T = check_int("T", T, ge=1)
        K = check_int("K", K, ge=1)
        if K > self.T:
            raise ValueError(f"K (number of blocks) must be <= T = {self.T}, got {K}")
        self.eta_max = check_real("eta_max", eta_max, gt=0)
        self.n_params = K
        if edges is None:
            self.edges = np.linspace(0, self.T, K + 1).round().astype(np.int64)
        else:
            e = np.asarray(edges)
            if (
                e.shape != (K + 1,)
                or not np.issubdtype(e.dtype, np.integer)
                or e[0] != 0
                or e[-1] != self.T
                or np.any(np.diff(e) < 1)
            ):
                raise ValueError(
                    f"edges must be K + 1 = {K + 1} strictly increasing integers from 0 to "
                    f"T = {self.T}, got {edges!r}"
                )
            self.edges = e.astype(np.int64)
        self.index = np.repeat(np.arange(K), np.diff(self.edges))

    @property
    def lower(self):
        return np.zeros(self.n_params)

    @property
    def upper(self):
        return np.full(self.n_params, self.eta_max)

    def controls(self, theta):
        return {"eta": theta[self.index]}

    def vjp(self, theta, grads):
        return np.add.reduceat(grads["eta"], self.edges[:-1])

    def from_eta(self, eta):
        s = np.add.reduceat(np.asarray(eta, dtype=float), self.edges[:-1])
        return np.clip(s / np.diff(self.edges), 0.0, self.eta_max)

    def describe(self):
        return {**super().describe(), "K": self.n_params}


class BatchBudget(Parametrisation):
    r"""Joint learning rate and batch size under a sample budget :math:`\sum_t m_t = D`.

    .. math::

        m_t = m_{\min} + (D - T m_{\min})\,\frac{w_t}{\sum_s w_s},\qquad 0 \le w_t \le 1,

    so the budget holds exactly and :math:`m_t \ge m_{\min}` for every parameter in the box.
    An upper bound ``m_max`` is enforced by the quadratic penalty
    :math:`\mu\sum_t (\max(0, m_t - m_{\max})/m_{\max})^2`. The rate is any rate
    parametrisation (per step by default); ``theta = (rate parameters, w)``.
    """

    def __init__(
        self,
        rate: Parametrisation,
        budget: float,
        *,
        m_min: float = 1.0,
        m_max: float = math.inf,
        penalty_weight: float = 1e3,
    ) -> None:
        if not isinstance(rate, Parametrisation):
            raise TypeError(f"rate must be a Parametrisation, got {type(rate).__name__}")
        self.rate = rate
        self.T = rate.T
        self.m_min = check_real("m_min", m_min, ge=1)
        self.m_max = check_real("m_max", m_max, ge=self.m_min, allow_inf=True)
        self.budget = check_real("budget", budget, ge=self.T * self.m_min)
        if self.budget > self.T * self.m_max:
            raise ValueError(
                f"budget must be <= T * m_max = {self.T * self.m_max:g}, got {budget!r}"
            )
        self.penalty_weight = check_real("penalty_weight", penalty_weight, ge=0)
        self.n_params = rate.n_params + self.T

    @property
    def lower(self):
        return np.concatenate([self.rate.lower, np.zeros(self.T)])

    @property
    def upper(self):
        return np.concatenate([self.rate.upper, np.ones(self.T)])

    def _split(self, theta):
        return theta[: self.rate.n_params], theta[self.rate.n_params :]

    def batch(self, theta: np.ndarray) -> np.ndarray:
        """Batch sizes ``m_t``, shape ``(T,)``."""
        _, w = self._split(theta)
        W = max(float(w.sum()), np.finfo(float).tiny)
        return self.m_min + (self.budget - self.T * self.m_min) * w / W

    def controls(self, theta):
        r, _ = self._split(theta)
        return {**self.rate.controls(r), "inv_batch": 1.0 / self.batch(theta)}

    def _pull_m(self, theta, g_m):
        _, w = self._split(theta)
        W = max(float(w.sum()), np.finfo(float).tiny)
        R = self.budget - self.T * self.m_min
        return R / W * (g_m - float(g_m @ w) / W)

    def vjp(self, theta, grads):
        r, _ = self._split(theta)
        m = self.batch(theta)
        g_w = self._pull_m(theta, -grads["inv_batch"] / m**2)
        return np.concatenate([self.rate.vjp(r, grads), g_w])

    def penalty(self, theta):
        r, _ = self._split(theta)
        p_r, g_r = self.rate.penalty(r)
        g = np.concatenate([g_r, np.zeros(self.T)])
        if math.isinf(self.m_max) or self.penalty_weight == 0:
            return p_r, g
        m = self.batch(theta)
        excess = np.maximum(m - self.m_max, 0.0) / self.m_max
        g[self.rate.n_params :] = self._pull_m(theta, 2 * self.penalty_weight * excess / self.m_max)
        return p_r + self.penalty_weight * float(excess @ excess), g

    def from_eta(self, eta):
        return np.concatenate([self.rate.from_eta(eta), np.full(self.T, 0.5)])

    def describe(self):
        return {
            **super().describe(),
            "rate": self.rate.describe(),
            "budget": self.budget,
            "m_min": self.m_min,
            "m_max": self.m_max,
        }


class _Smoothed(Parametrisation):
    r"""Adds :math:`\mu\sum_t(\eta_{t+1}-\eta_t)^2/\eta_{\max}^2` to a rate parametrisation."""

    def __init__(self, inner: Parametrisation, weight: float, eta_max: float) -> None:
        self.inner, self.weight, self.eta_max = inner, weight, eta_max
        self.T, self.n_params = inner.T, inner.n_params

    lower = property(lambda self: self.inner.lower)
    upper = property(lambda self: self.inner.upper)

    def controls(self, theta):
        return self.inner.controls(theta)

    def vjp(self, theta, grads):
        return self.inner.vjp(theta, grads)

    def from_eta(self, eta):
        return self.inner.from_eta(eta)

    def penalty(self, theta):
        p, g = self.inner.penalty(theta)
        eta = self.inner.controls(theta)["eta"]
        d = np.diff(eta) / self.eta_max
        g_eta = np.zeros(self.T)
        g_eta[1:] += 2 * self.weight * d / self.eta_max
        g_eta[:-1] -= 2 * self.weight * d / self.eta_max
        return p + self.weight * float(d @ d), g + self.inner.vjp(theta, {"eta": g_eta})

    def describe(self):
        return {**self.inner.describe(), "smoothness": self.weight}


# -- diagnostics -------------------------------------------------------------------------------


def oscillation_amplitude(eta, floor: float = 0.0) -> tuple[float, int]:
    r"""Period-2 content of a schedule: ``(amplitude, n_steps)``.

    A step ``t`` alternates when :math:`\Delta_{t-1}\Delta_t < 0` with
    :math:`\Delta_t = \eta_{t+1} - \eta_t`; its amplitude is :math:`\min(|\Delta_{t-1}|,|\Delta_t|)/2`
    (exactly ``d`` for ``eta0 ± d`` alternating). Returns the largest amplitude and the number of
    alternating steps whose amplitude exceeds ``floor``. A monotone schedule or a single jump gives 0.

    Examples
    --------
    >>> oscillation_amplitude([1.0, 1.4, 1.0, 1.4, 1.0])
    (0.2, 3)
    """
    d = np.diff(np.asarray(eta, dtype=float))
    if d.size < 2:
        return 0.0, 0
    alt = d[:-1] * d[1:] < 0
    amp = np.where(alt, np.minimum(np.abs(d[:-1]), np.abs(d[1:])) / 2, 0.0)
    return float(round(amp.max(), 15)), int(np.count_nonzero(amp > floor))


# -- the solver --------------------------------------------------------------------------------


def _best_constant(ws: _Workspace, T: int, hi: float, inv_m: np.ndarray) -> float:
    def f(e):
        with np.errstate(over="ignore", invalid="ignore"):
            return ws.forward(np.full(T, e), inv_m)

    r = minimize_scalar(
        f, bounds=(0.0, hi), method="bounded", options={"xatol": CONSTANT_SEARCH_XTOL * hi}
    )
    return float(r.x)


def _initial_guesses(model: PLRFModel, T: int, ws: _Workspace, inv_m: np.ndarray) -> dict:
    """Named candidate schedules, all scaled to the best constant rate or the stability limit."""
    b0 = math.inf if inv_m[0] == 0 else 1.0 / float(np.mean(inv_m))
    stab = stability_limit(model, b0)
    cap = min(model.eta_max, HARD_START_FRACTION * stab)
    e_c = _best_constant(ws, T, min(model.eta_max, stab), inv_m)
    s = (np.arange(T) + 0.5) / T
    guesses = {
        "constant": np.full(T, e_c),
        # easy phase: a linear decay with the intrinsic time of the best constant rate
        "decay": np.minimum(2 * e_c * (1 - s), cap),
        # hard phase: ride the stability limit, then anneal over the last steps
        "anneal": cap * np.clip((1 - s) / HARD_DECAY_FRACTION, 0.0, 1.0),
    }
    return guesses


def _status_message(status: int, kkt: float, tol: float, extra: str) -> str:
    return {
        0: f"converged: relative KKT residual {kkt:.3g} <= tol {tol:g}",
        1: f"iteration limit reached with relative KKT residual {kkt:.3g} > tol {tol:g}",
        2: f"optimiser stopped ({extra}) with relative KKT residual {kkt:.3g} > tol {tol:g}",
        3: "the optimised schedule is unstable: the loss is not finite",
    }[status]


def _make_callback(state, offset, progress, prob, tol):
    """L-BFGS-B callback: count iterations, report progress, stop once the KKT test passes.

    The test uses the gradient of the last evaluation, which L-BFGS-B makes at the accepted
    iterate (the end of its line search).
    """

    def callback(intermediate_result):
        state["it"] += 1
        if progress is not None:
            progress(offset + state["it"], float(intermediate_result.fun))
        if prob.last is not None and prob.kkt(*prob.last) <= tol:
            raise StopIteration

    return callback


class _Problem:
    """Objective, gradient and KKT measures of one parametrisation on a shared workspace."""

    def __init__(self, par: Parametrisation, ws: _Workspace, fixed_inv_m, counter, criterion):
        self.par, self.ws, self.fixed_inv_m, self.counter = par, ws, fixed_inv_m, counter
        self.criterion = criterion
        self.lo, self.hi = par.lower, par.upper
        self.width = np.where(self.hi > self.lo, self.hi - self.lo, 1.0)
        self.last = None

    def fg(self, theta):
        """Objective and its gradient with respect to the parameters theta."""
        par, ws = self.par, self.ws
        ctrl = par.controls(theta)
        eta = np.ascontiguousarray(ctrl["eta"], dtype=float)
        inv_m = np.ascontiguousarray(ctrl.get("inv_batch", self.fixed_inv_m), dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            f = ws.forward(eta, inv_m)
            ws.backward(eta, inv_m)
        self.counter["nfev"] += 1
        g = par.vjp(theta, {"eta": ws.g_eta, "inv_batch": ws.g_im})
        p, gp = par.penalty(theta)
        f, g = f + p, g + gp
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            # a loss that is exactly 0 (log = -inf) or a numerical failure: report, never crash
            f, g = (-1e300 if f == -math.inf else 1e300), np.nan_to_num(g)
        self.last = (theta.copy(), g.copy())
        return f, g

    def scale(self, theta, floor=SCALE_FLOOR):
        """Per-parameter scale: the distance to the lower bound, floored at ``floor * width``."""
        return np.clip(theta - self.lo, floor * self.width, self.width)

    def kkt_box(self, theta, g):
        """Projected-gradient residual in unit-box coordinates (the original measure)."""
        u = (theta - self.lo) / self.width
        return float(np.abs(np.clip(u - g * self.width, 0.0, 1.0) - u).sum())

    def kkt_scaled(self, theta, g):
        """Projected-gradient residual in coordinates scaled by each rate's own size."""
        s = self.scale(theta)
        return float((np.abs(np.clip(theta - g * s * s, self.lo, self.hi) - theta) / s).sum())

    def kkt(self, theta, g):
        return (self.kkt_scaled if self.criterion == "scaled" else self.kkt_box)(theta, g)


def _optimise(prob: _Problem, theta, tol, maxiter, restarts, progress, offset):
    """L-BFGS-B with restarts from ``theta``; returns ``(f, theta, status, extra, kkt, iters)``."""
    lo, hi, width = prob.lo, prob.hi, prob.width
    status, extra, total_iter = 1, "", 0
    f_x, g_x = prob.fg(theta)
    res_kkt = prob.kkt(theta, g_x)
    if res_kkt <= tol:
        return f_x, theta, 0, extra, res_kkt, 0
    for _attempt in range(restarts + 1):
        budget_left = maxiter - total_iter
        if budget_left <= 0:
            break
        # Diagonal preconditioning: log L depends on the rates roughly through log(eta), so
        # its Hessian diagonal scales like 1/eta_t^2 (measured: condition number ~2000 in
        # box units, ~5 after this scaling). Optimise x = (theta - lo)/scale, with the scale
        # refreshed from the current iterate at every restart.
        scale = prob.scale(theta, PRECONDITION_FLOOR)
        state = {"it": 0}

        def fg(x, scale=scale):
            f, g = prob.fg(lo + x * scale)
            return f, g * scale

        # L-BFGS-B's small dense algebra (its compact (2m x 2m) matrices) gains nothing from
        # BLAS threads; on the shared 2-core host they contended: 14 ms per L-BFGS-B update
        # with 100 variables, 80% of a K = 100 solve.
        with _blas_limit():
            r = minimize(
                fg,
                (theta - lo) / scale,
                jac=True,
                method="L-BFGS-B",
                bounds=list(zip(np.zeros_like(scale), width / scale, strict=True)),
                callback=_make_callback(state, offset + total_iter, progress, prob, tol),
                options={
                    "maxiter": budget_left,
                    "maxfun": 4 * budget_left,
                    "ftol": 0.0,
                    "gtol": 0.0,
                    "maxcor": LBFGS_MEMORY,
                },
            )
        total_iter += state["it"]
        theta = np.clip(lo + r.x * scale, lo, hi)
        if prob.last is not None and np.array_equal(prob.last[0], theta):
            f_x, g_x = r.fun, prob.last[1]
        else:
            f_x, g_x = prob.fg(theta)
        res_kkt = prob.kkt(theta, g_x)
        if res_kkt <= tol:
            status = 0
            break
        status, extra = (1, "") if total_iter >= maxiter else (2, str(r.message))
    return f_x, theta, status, extra, res_kkt, total_iter


def multilevel_blocks(n: int, ratio: int = MULTILEVEL_FACTOR) -> list[int]:
    """Block counts of the coarse levels solved before a problem with ``n`` rate parameters.

    ``MULTILEVEL_FIRST``, then ``MULTILEVEL_FACTOR`` times more per level, while a level has at
    most ``n / ratio`` blocks (empty for small ``n``). Per-step rates use ``ratio =
    MULTILEVEL_FACTOR``; block rates :data:`MULTILEVEL_BLOCK_RATIO`.

    Examples
    --------
    >>> multilevel_blocks(100), multilevel_blocks(10_000), multilevel_blocks(100_000)
    ([], [32, 256], [32, 256, 2048])
    >>> multilevel_blocks(100, MULTILEVEL_BLOCK_RATIO)
    [32]
    """
    levels, K = [], MULTILEVEL_FIRST
    while K * ratio <= n:
        levels.append(K)
        K *= MULTILEVEL_FACTOR
    return levels


@dataclass(frozen=True)
class DirectOptions:
    """Options of :func:`solve_direct`, checked once (see its parameters for their meaning)."""

    blocks: int | None = None
    parametrisation: Parametrisation | None = None
    budget: float | None = None
    m_min: float = 1.0
    m_max: float = math.inf
    smoothness: float = 0.0
    compare_smooth: float | None = None
    initial: Any = None
    starts: int = 1
    restarts: int = 10
    tol: float = 1e-4
    criterion: str = "scaled"
    multilevel: bool | None = None
    maxiter: int = 5000
    memory: int = STORE_ALL_BYTES

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name, ge in (("starts", 1), ("restarts", 0), ("maxiter", 1), ("memory", 0)):
            set_(self, name, check_int(name, getattr(self, name), ge=ge))
        set_(self, "tol", check_real("tol", self.tol, gt=0))
        set_(self, "smoothness", check_real("smoothness", self.smoothness, ge=0))
        if self.compare_smooth is not None:
            set_(self, "compare_smooth", check_real("compare_smooth", self.compare_smooth, gt=0))
        if self.criterion not in KKT_DEFINITIONS:
            raise ValueError(
                f"criterion must be one of {sorted(KKT_DEFINITIONS)}, got {self.criterion!r}"
            )
        if self.multilevel is not None and not isinstance(self.multilevel, bool):
            raise TypeError(f"multilevel must be a bool or None, got {self.multilevel!r}")
        if self.parametrisation is not None:
            if self.blocks is not None:
                raise ValueError("give either blocks or parametrisation, not both")
            if not isinstance(self.parametrisation, Parametrisation):
                raise TypeError(
                    "parametrisation must be a Parametrisation, "
                    f"got {type(self.parametrisation).__name__}"
                )


@dataclass
class _Run:
    """What one solve shares between its stages: the problem, counters and the level log."""

    model: PLRFModel
    T: int
    opts: DirectOptions
    base: Parametrisation
    par: Parametrisation
    ws: _Workspace
    prob: _Problem
    fixed_inv_m: np.ndarray
    counter: dict
    progress: Any
    iterations: int = 0
    level_log: list = field(default_factory=list)


def _setup(model: PLRFModel, T: int, opts: DirectOptions, progress) -> _Run:
    """The parametrisation, the work arrays and the objective of the solve."""
    if opts.parametrisation is None:
        rate = (
            StepRate(T, model.eta_max)
            if opts.blocks is None
            else BlockRate(T, opts.blocks, model.eta_max)
        )
    elif opts.parametrisation.T != T:
        raise ValueError(f"parametrisation has T = {opts.parametrisation.T}, expected T = {T}")
    else:
        rate = opts.parametrisation
    base = rate
    if opts.smoothness > 0:
        rate = _Smoothed(rate, opts.smoothness, model.eta_max)
    par = (
        rate
        if opts.budget is None
        else BatchBudget(rate, opts.budget, m_min=opts.m_min, m_max=opts.m_max)
    )
    ws = _Workspace.create(model, T, opts.memory)
    fixed_inv_m = np.full(T, model.inv_batch)
    counter = {"nfev": 0}
    prob = _Problem(par, ws, fixed_inv_m, counter, opts.criterion)
    return _Run(model, T, opts, base, par, ws, prob, fixed_inv_m, counter, progress)


def _scored_starts(run: _Run) -> list[tuple[float, str, np.ndarray, np.ndarray]]:
    """The initial guesses ``(objective, name, theta, eta)``, best first."""
    model, T, opts = run.model, run.T, run.opts
    initial = opts.initial
    if initial is None or isinstance(initial, str):
        fixed = run.fixed_inv_m if opts.budget is None else np.full(T, T / opts.budget)
        guesses = _initial_guesses(model, T, run.ws, fixed)
        if isinstance(initial, str):
            if initial not in guesses:
                raise ValueError(
                    f"initial must be one of {sorted(guesses)} or an array, got {initial!r}"
                )
            guesses = {initial: guesses[initial]}
    else:
        from ..dynamics.recursion import as_schedule

        guesses = {"user": np.clip(as_schedule(initial, T, name="initial"), 0.0, model.eta_max)}
    scored = []
    for name, eta0 in guesses.items():
        theta0 = np.clip(run.par.from_eta(eta0), run.prob.lo, run.prob.hi)
        scored.append((run.prob.fg(theta0)[0], name, theta0, eta0))
    return sorted(scored, key=lambda s: s[0])


def _levels(run: _Run) -> list[int]:
    """Block counts of the multilevel continuation (empty: a single level)."""
    opts = run.opts
    multilevel = opts.multilevel
    if multilevel is None:
        multilevel = opts.initial is None or isinstance(opts.initial, str)
    if not multilevel or opts.budget is not None:
        return []
    if type(run.base) is StepRate:
        return multilevel_blocks(run.T)
    if type(run.base) is BlockRate:
        return multilevel_blocks(run.base.n_params, MULTILEVEL_BLOCK_RATIO)
    return []


def _log_level(run: _Run, blocks: int, it: int, n0: int, f: float, kkt: float) -> None:
    run.level_log.append(
        {
            "blocks": blocks,
            "iterations": it,
            "evaluations": run.counter["nfev"] - n0,
            "log_loss": f,
            "kkt": kkt,
        }
    )


def _coarse_levels(run: _Run, eta_start: np.ndarray, levels: list[int]) -> np.ndarray:
    """Optimise on equal blocks, coarse to fine; the schedule to start the fine level from.

    Equal blocks: graded ones (geometric toward t = 0 and T) were measured worse, 126 vs 29
    iterations on 32 blocks at T = 1e4, as block lengths from 1 to T/2 make the block gradient
    badly scaled.
    """
    model, opts = run.model, run.opts
    for K in levels:
        coarse = BlockRate(run.T, K, model.eta_max)
        if opts.smoothness > 0:
            coarse = _Smoothed(coarse, opts.smoothness, model.eta_max)
        cprob = _Problem(coarse, run.ws, run.fixed_inv_m, run.counter, opts.criterion)
        th = np.clip(coarse.from_eta(eta_start), cprob.lo, cprob.hi)
        n0 = run.counter["nfev"]
        f_c, th, _st, _ex, k_c, it = _optimise(
            cprob,
            th,
            max(opts.tol, MULTILEVEL_COARSE_TOL),
            min(MULTILEVEL_MAXITER, opts.maxiter - run.iterations),
            0,
            run.progress,
            run.iterations,
        )
        run.iterations += it
        _log_level(run, coarse.n_params, it, n0, f_c, k_c)
        eta_start = coarse.controls(th)["eta"]
    return eta_start


def _fine(run: _Run, theta: np.ndarray, logged: bool) -> tuple:
    """L-BFGS-B at full resolution from ``theta``: ``(f, theta, status, extra, kkt)``."""
    opts = run.opts
    n0 = run.counter["nfev"]
    f_x, theta, status, extra, res_kkt, it = _optimise(
        run.prob,
        theta,
        opts.tol,
        max(opts.maxiter - run.iterations, 1),
        opts.restarts,
        run.progress,
        run.iterations,
    )
    run.iterations += it
    if logged:
        _log_level(run, run.par.n_params, it, n0, f_x, res_kkt)
    return f_x, theta, status, extra, res_kkt, it


def _optimise_starts(run: _Run, scored: list, levels: list[int]) -> tuple:
    """Multilevel continuation from the ``starts`` best guesses; the best candidate
    ``(f, theta, status, extra, kkt, start_name)``."""
    best = None
    for _, name, theta0, eta0 in scored[: run.opts.starts]:
        theta = theta0
        if levels:
            eta_fine = _coarse_levels(run, eta0, levels)
            theta = np.clip(run.par.from_eta(eta_fine), run.prob.lo, run.prob.hi)
        f_x, theta, status, extra, res_kkt, _it = _fine(run, theta, logged=bool(levels))
        if best is None or f_x < best[0]:
            best = (f_x, theta, status, extra, res_kkt, name)
    return best


def _single_level_check(run: _Run, scored: list, best: tuple) -> tuple[tuple, dict | None]:
    """Period-2 optima are not smooth: block averages can steer the continuation into a
    different local optimum (measured both ways: 0.36% worse at T = 600, eta_max = 4; 0.03%
    better on the CasADi problem). When the multilevel result alternates, also solve at full
    resolution from the best initial guess and keep the lower loss."""
    eta_ml = run.par.controls(best[1])["eta"]
    if oscillation_amplitude(eta_ml, OSCILLATION_FLOOR * run.model.eta_max)[1] == 0:
        return best, None
    start = {s[1]: s[2] for s in scored}[best[5]]
    f_s, th_s, st_s, ex_s, k_s, it = _fine(run, start, logged=False)
    info = {"log_loss": f_s, "iterations": it, "kept": f_s < best[0]}
    if f_s < best[0]:
        best = (f_s, th_s, st_s, ex_s, k_s, best[5])
    return best, info


def _result(run: _Run, best: tuple, single_level: dict | None) -> ScheduleResult:
    """The :class:`ScheduleResult` of the best candidate (final forward pass, diagnostics)."""
    model, T, opts, par, prob = run.model, run.T, run.opts, run.par, run.prob
    _f, theta, status, extra, res_kkt, start_name = best
    prob.fg(theta)
    kkt_box, kkt_scaled = prob.kkt_box(*prob.last), prob.kkt_scaled(*prob.last)
    ctrl = par.controls(theta)
    eta = np.asarray(ctrl["eta"], dtype=float)
    inv_m = np.asarray(ctrl.get("inv_batch", run.fixed_inv_m), dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        run.ws.forward(eta, inv_m)
        loss = run.ws.loss_curve()
    if not np.all(np.isfinite(loss)) or loss[-1] > loss[0] * 1e50:
        status = 3
    amp, n_osc = oscillation_amplitude(eta, OSCILLATION_FLOOR * model.eta_max)
    diagnostics = {
        "oscillation": amp,
        "oscillating_steps": n_osc,
        "initial": start_name,
        "stride": run.ws.stride,
        "work_bytes": run.ws.nbytes,
        "kkt_box": kkt_box,
        "kkt_scaled": kkt_scaled,
        "levels": run.level_log,
        "single_level": single_level,
    }
    batch = None if opts.budget is None else par.batch(theta)
    if batch is not None:
        diagnostics["budget_error"] = float(batch.sum() - opts.budget)
        diagnostics["batch_bound_violation"] = float(max(0.0, (batch - opts.m_max).max()))
    with_budget = opts.budget is not None
    parameters = {
        "blocks": opts.blocks,
        "parametrisation": par.describe(),
        "budget": opts.budget,
        "m_min": opts.m_min if with_budget else None,
        "m_max": opts.m_max if with_budget else None,
        "smoothness": opts.smoothness,
        "tol": opts.tol,
        "maxiter": opts.maxiter,
        "starts": opts.starts,
        "restarts": opts.restarts,
        "objective": "log L(T)",
        "criterion": opts.criterion,
        "multilevel": [lv["blocks"] for lv in run.level_log[:-1]],
        "kkt_definition": KKT_DEFINITIONS[opts.criterion],
    }
    return ScheduleResult(
        method="direct", model=model, T=T, t=np.arange(T + 1), eta=eta, loss=loss,
        final_loss=float(loss[-1]), success=status == 0, status=status,
        message=_status_message(status, res_kkt, opts.tol, extra), iterations=run.iterations,
        n_evaluations=run.counter["nfev"], kkt_residual=res_kkt, seconds=0.0, batch=batch,
        parameters=parameters, diagnostics=diagnostics,
    )  # fmt: skip


def _compare_smooth(result: ScheduleResult, opts: DirectOptions) -> None:
    """Solve again with the smoothness penalty ``opts.compare_smooth`` from the result's
    schedule; record the loss gap and oscillation in ``result.diagnostics``."""
    mu = opts.compare_smooth
    sm = solve_direct(
        result.model,
        result.T,
        options=replace(opts, smoothness=mu, compare_smooth=None, initial=result.eta,
                        multilevel=False, starts=1),
    )  # fmt: skip
    d = result.diagnostics
    d["smooth_weight"] = mu
    d["smooth_final_loss"] = sm.final_loss
    d["smooth_gap"] = sm.final_loss / result.final_loss - 1.0
    d["smooth_oscillation"] = sm.diagnostics["oscillation"]


def solve_direct(
    model: PLRFModel,
    T: int,
    *,
    progress=None,
    options: DirectOptions | None = None,
    **kwargs,
) -> ScheduleResult:
    r"""Minimise :math:`L(T)` of the exact discrete recursion over the learning-rate schedule.

    Parameters
    ----------
    model : PLRFModel
        The model; ``model.eta_max`` bounds the rate and ``model.batch`` is the batch size
        unless a ``budget`` makes it a control.
    T : int
        Horizon (number of steps).
    blocks : int, optional
        Piecewise-constant rate on this many blocks (default: one rate per step).
    parametrisation : Parametrisation, optional
        Any parametrisation instead of ``blocks`` (must have ``T`` steps).
    budget : float, optional
        Sample budget :math:`D = \sum_t m_t`: optimise the batch sizes too (:class:`BatchBudget`),
        with ``m_min <= m_t`` exactly and ``m_t <= m_max`` by penalty.
    smoothness : float, default 0
        Weight :math:`\mu` of the penalty :math:`\mu\sum_t(\eta_{t+1}-\eta_t)^2/\eta_{\max}^2`
        added to :math:`\log L(T)`; 0 keeps the exact discrete optimum (period-2 patterns and all).
    compare_smooth : float, optional
        Also solve with this smoothness and report, in ``diagnostics``, the relative loss gap
        ``smooth_gap = L_smooth/L_free - 1`` and the smoothed schedule's oscillation.
    initial : array_like, shape (T,), or str, optional
        Initial rate schedule, or one of ``"constant"``, ``"decay"``, ``"anneal"``. By default
        all three (scaled to the best constant rate / the stability limit) are evaluated and the
        ``starts`` best are optimised.
    starts : int, default 1
        Number of initial guesses optimised; the best result is returned.
    restarts : int, default 10
        Fresh L-BFGS-B restarts from the current point when the optimiser stops early; each
        restart refreshes the diagonal scaling of the variables.
    tol : float, default 1e-4
        Converged when the KKT residual chosen by ``criterion`` is at most ``tol``.
    criterion : {"scaled", "box"}, default "scaled"
        ``"scaled"``: the projected-gradient residual in coordinates where each rate is
        measured in units of itself,

        .. math::

            r = \sum_i \bigl|\mathrm{clip}(\theta_i - s_i^2\,\partial_i f,\ lo_i, hi_i)
                - \theta_i\bigr| / s_i,\qquad
            s_i = \mathrm{clip}(\theta_i - lo_i,\ 10^{-3}(hi_i - lo_i),\ hi_i - lo_i),

        with :math:`f = \log L(T)` (+ penalties): to first order, the relative decrease of
        :math:`L(T)` still available by changing every rate by at most its own size (a rate at
        the bound by at most ``1e-3 eta_max``). For a smooth gradient density it tends to
        :math:`\int_0^1 |\eta\,\partial_\eta f|\,ds` as ``T`` grows (independent of the
        resolution). ``"box"``: the original measure, the same with :math:`s_i = hi_i - lo_i`
        (changes of up to ``eta_max`` in every rate); at rates far below ``eta_max`` it is
        larger by about ``eta_max / eta`` and much stricter. Both are reported in
        ``diagnostics`` (``kkt_scaled``, ``kkt_box``).
    multilevel : bool, optional
        Multilevel continuation (per-step or block rates without a batch budget): optimise the
        rate on :func:`multilevel_blocks` equal blocks, coarse to fine,
        each level warm-started from the previous one, then at full resolution. Default: on
        unless ``initial`` is an array (whose fine structure block averages would destroy).
        The levels are logged in ``diagnostics["levels"]``. If the result alternates (period-2
        steps above ``1e-3 eta_max``), a single-level solve from the same initial guess is run
        too and the lower loss kept (``diagnostics["single_level"]``): the two can end in
        different local optima of such non-convex problems.
    maxiter : int, default 5000
        L-BFGS-B iterations (over all restarts).
    memory : int
        Bytes allowed for storing states before switching to sqrt(T) checkpointing.
    progress : callable, optional
        Called as ``progress(iteration, log_loss)`` after every iteration.
    options : DirectOptions, optional
        All the options above as one record (instead of keyword arguments).

    Returns
    -------
    ScheduleResult
        ``diagnostics`` holds ``oscillation`` (period-2 amplitude), ``oscillating_steps``,
        ``initial`` (the starting guess used), ``stride`` (checkpoint interval),
        ``work_bytes``, ``kkt_scaled`` and ``kkt_box`` (both measures at the result) and
        ``levels`` (per multilevel level: blocks, iterations, evaluations, log loss, KKT).
    """
    if options is not None and kwargs:
        raise TypeError("give options or keyword arguments, not both")
    if options is None:
        try:
            options = DirectOptions(**kwargs)
        except TypeError:
            reject_unknown(
                "solve_direct",
                {k: v for k, v in kwargs.items() if k not in DirectOptions.__dataclass_fields__},
            )
            raise
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    T = check_int("T", T, ge=1)
    t_start = time.perf_counter()
    run = _setup(model, T, options, progress)
    scored = _scored_starts(run)
    levels = _levels(run)
    best = _optimise_starts(run, scored, levels)
    best, single_level = _single_level_check(run, scored, best) if levels else (best, None)
    result = _result(run, best, single_level)
    if options.compare_smooth is not None:
        _compare_smooth(result, options)
    return replace(result, seconds=time.perf_counter() - t_start)
