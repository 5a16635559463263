r"""The direct solver's objective: :math:`\log L(T)` of the exact recursion, its adjoint gradient
and the KKT measures, on work arrays allocated once per solve.

:class:`_Workspace` runs the compiled forward pass and discrete adjoint of
:mod:`solvers.control._adjoint` (storing every state, or checkpointing every ``sqrt(T)``
steps); :class:`_Problem` composes it with a :class:`~solvers.control._parametrisation.Parametrisation`
into the objective of the optimiser, ``f(theta) = log L(T) (+ penalties)``, and measures how far
a point is from first-order optimality (``KKT_DEFINITIONS``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from theory import PLRFModel

from ..dynamics._spectrum import initial_state, spectrum
from ._adjoint import adjoint_gradient, forward_checkpointed
from ._parametrisation import Parametrisation

__all__ = ["KKT_DEFINITIONS", "STORE_ALL_BYTES", "load_kernels", "loss_and_gradient"]

#: Store every c(t) (no recomputation) while the store costs at most this many bytes; above it,
#: checkpoint every sqrt(T) steps and recompute each segment in a cache-sized buffer. Measured
#: (CPU per forward + backward pass, 2026-11-30, AMD EPYC, 512 KiB L2 per core): store-all
#: faster up to 1.1 MiB (n = 500, T = 300: 0.35 vs 0.38 ms), checkpointing faster from 3.8 MiB
#: (n = 500, T = 1000: 1.26 vs 1.60 ms; n = 2000, T = 300: 1.51 vs 1.84 ms; earlier, at
#: T = 1e4, n_modes = 1000: 124 vs 141 ms).
STORE_ALL_BYTES = 2 * 2**20
#: Smallest rate scale in the scaled KKT measure, as a fraction of the box width (a rate at the
#: lower bound counts as movable by this much).
SCALE_FLOOR = 1e-3
#: What ``kkt_residual`` measures for each ``criterion`` of :func:`solve_direct`.
KKT_DEFINITIONS = {
    "scaled": "sum_i |clip(theta_i - s_i^2 d_i f, lo, hi) - theta_i| / s_i, "
    "s_i = clip(theta_i - lo_i, 1e-3 (hi_i - lo_i), hi_i - lo_i), f = log L(T) (+ penalty)",
    "box": "sum_i |clip(u_i - (hi_i - lo_i) d_i f, 0, 1) - u_i|, u = theta scaled to the unit box, "
    "f = log L(T) (+ penalty)",
}


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
            s2=float(model.sigma**2),
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


def load_kernels() -> float:
    """Load the forward and adjoint kernels (numba's on-disk cache, or a compile) by one call on a
    one-mode, one-step problem of the argument types every solve passes; return the seconds it
    took. A solve's ``seconds`` starts after it, so it counts the solve, not the one-time load
    (about 0.1-0.3 s in a fresh process, dominated by numba's first dispatch; nothing the second
    time). The load is reported beside it as ``diagnostics["kernel_load_seconds"]``."""
    t0 = time.perf_counter()
    one, eta = np.ones(1), np.full(1, 0.5)
    ckpt, buf = np.empty((1, 1)), np.empty((1, 1))
    loss, logscale = np.empty(2), np.empty(2)
    forward_checkpointed(one, one, eta, one, 0.25, 1, ckpt, loss, logscale)
    adjoint_gradient(one, eta, one, 0.25, 1, ckpt, loss, logscale, buf, np.empty(1), np.empty(1))
    return time.perf_counter() - t0


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


class _Problem:
    """Objective, gradient and KKT measures of one parametrisation on a shared workspace.

    ``counter["nfev"]`` counts the evaluations of every problem sharing the counter; ``last``
    holds ``(theta, gradient)`` of the latest evaluation.
    """

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
