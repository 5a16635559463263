r"""Optimal joint (learning-rate, momentum) schedules of EMA-momentum SGD, with an exact adjoint.

The state of each mode is :math:`(D, X, V) = (E[\Delta^2], E[\Delta v], E[v^2])`; one step
(:func:`solvers.dynamics._kernels.momentum_forward`, the closure of :func:`theory.momentum_closure`) is

.. math::

    G &= (1+\iota)\lambda^2 D + \iota\lambda(L + \sigma^2), \qquad
    E_v = \beta X + (1-\beta)\lambda D, \\
    V' &= \beta^2 V + 2\beta(1-\beta)\lambda X + (1-\beta)^2 G, \quad
    X' = E_v - \eta V', \quad D' = D - 2\eta E_v + \eta^2 V'.

:func:`momentum_loss_and_gradient` returns :math:`\log L(T)` and its exact gradient in
:math:`(\eta_t, \beta_t)` by the reverse-mode derivative of this map (a compiled kernel with
``sqrt(T)`` checkpointing). With ``frozen_tail=True`` the modes beyond ``n_modes`` are treated
as frozen (their :math:`\lambda_k\tau \ll 1`): their loss ``model.tail_loss`` is added to ``L``
both in the objective and in the SGD noise, which removes the truncation bias of the exponent
(docs/theory.md §1, "mode truncation is a trap").

:func:`solve_momentum` optimises both schedules, piecewise constant on a grid that is uniform
near both ends and geometric in between (:func:`solvers.time_grid`): ``~2 log T / log(ratio)``
blocks, so a horizon of ``1e5`` costs a few hundred parameters, not ``2e5``.
:func:`momentum_exponents` sweeps horizons and fits the loss exponent with and without momentum.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..analysis.fits import ExponentFit, fit_exponent
from ..dynamics._kernels import ema_step, ema_velocity
from ..dynamics._spectrum import initial_state, spectrum
from ._lbfgsb import BLOWUP, LbfgsbOptions, minimize_box
from ._parametrisation import DEFAULT_MAX_BLOCK, DEFAULT_RATIO, block_edges
from .result import STATUS_MESSAGES

__all__ = [
    "ExponentFit",
    "MomentumExponents",
    "MomentumResult",
    "block_edges",
    "fit_exponent",
    "momentum_exponents",
    "momentum_loss_and_gradient",
    "solve_momentum",
]

#: Default momentum bound (beta -> 1 freezes the velocity; keep it strictly below).
DEFAULT_BETA_MAX = 0.99
#: Stay this fraction below the plain-SGD stability limit in the initial guesses.
START_FRACTION = 0.9


# -- kernels ----------------------------------------------------------------------------------


@njit(cache=True)
def _step(lam, D, X, V, e, bt, im, Ls2):  # pragma: no cover
    """One step in place; returns the new loss (without the tail)."""
    ob = 1.0 - bt
    Ln = 0.0
    for k in range(lam.shape[0]):
        lk = lam[k]
        Dk = D[k]
        G = (1.0 + im) * lk * lk * Dk + im * lk * Ls2
        Dn, X[k], V[k] = ema_step(lk, Dk, X[k], V[k], G, e, bt, ob)
        D[k] = Dn
        Ln += lk * Dn
    return Ln


@njit(cache=True)
def _adjoint_step(lam, D, X, V, Ls2, e, bt, im, aD, aX, aV):  # pragma: no cover
    """One step of the reverse pass: updates the adjoints ``aD, aX, aV`` in place (from step
    ``t + 1`` to ``t``, the states ``D, X, V`` and noise level ``Ls2`` those of step ``t``)
    and returns the step's gradient in ``(eta_t, beta_t, inv_m_t)``."""
    ob = 1.0 - bt
    ge = 0.0
    gb = 0.0
    gi = 0.0
    aL = 0.0
    for k in range(lam.shape[0]):
        lk = lam[k]
        Dk = D[k]
        Xk = X[k]
        Vk = V[k]
        G = (1.0 + im) * lk * lk * Dk + im * lk * Ls2
        Ev, Vn = ema_velocity(lk, Dk, Xk, Vk, G, bt, ob)
        aDn = aD[k]
        aXn = aX[k]
        aVn = aV[k]
        gV = aVn - e * aXn + e * e * aDn
        gE = aXn - 2.0 * e * aDn
        ge += -aXn * Vn + aDn * (-2.0 * Ev + 2.0 * e * Vn)
        gb += gE * (Xk - lk * Dk) + gV * (
            2.0 * bt * Vk + 2.0 * (1.0 - 2.0 * bt) * lk * Xk - 2.0 * ob * G
        )
        gi += gV * ob * ob * (lk * lk * Dk + lk * Ls2)
        aL += gV * ob * ob * im * lk
        aD[k] = aDn + gE * ob * lk + gV * ob * ob * (1.0 + im) * lk * lk
        aX[k] = gE * bt + gV * 2.0 * bt * ob * lk
        aV[k] = gV * bt * bt
    # L(t) = sum_k lam_k D_k(t) feeds the noise of step t
    for k in range(lam.shape[0]):
        aD[k] += aL * lam[k]
    return ge, gb, gi


@njit(cache=True)
def momentum_adjoint(
    lam, c0, eta, beta, inv_m, s2, tail, stride, g_eta, g_beta, g_im
):  # pragma: no cover
    r"""``log(L(T) + tail)`` and its gradient (filled into ``g_eta, g_beta, g_im``).

    The noise uses ``L + tail + s2``. Checkpoints every ``stride`` steps; the backward pass
    recomputes one segment at a time. Returns ``(log_loss, L(T) + tail)``; ``inf`` when the
    loss is not finite (the gradients are then zero).
    """
    n = lam.shape[0]
    T = eta.shape[0]
    n_ck = (T + stride - 1) // stride
    ck = np.empty((n_ck, 3, n))
    ckL = np.empty(n_ck)
    D = c0.copy()
    X = np.zeros(n)
    V = np.zeros(n)
    L = 0.0
    for k in range(n):
        L += lam[k] * D[k]
    for t in range(T):
        if t % stride == 0:
            j = t // stride
            ck[j, 0] = D
            ck[j, 1] = X
            ck[j, 2] = V
            ckL[j] = L
        L = _step(lam, D, X, V, eta[t], beta[t], inv_m[t], L + tail + s2)
        if not math.isfinite(L):
            g_eta[:] = 0.0
            g_beta[:] = 0.0
            g_im[:] = 0.0
            return math.inf, math.inf
    LT = L + tail
    if LT <= 0.0:
        g_eta[:] = 0.0
        g_beta[:] = 0.0
        g_im[:] = 0.0
        return -math.inf, LT
    # terminal adjoints of log(L_T + tail)
    aD = lam / LT
    aX = np.zeros(n)
    aV = np.zeros(n)
    bufD = np.empty((stride, n))
    bufX = np.empty((stride, n))
    bufV = np.empty((stride, n))
    bufL = np.empty(stride)
    for j in range(n_ck - 1, -1, -1):
        t0 = j * stride
        t1 = min(T, t0 + stride)
        D[:] = ck[j, 0]
        X[:] = ck[j, 1]
        V[:] = ck[j, 2]
        L = ckL[j]
        for t in range(t0, t1):
            i = t - t0
            bufD[i] = D
            bufX[i] = X
            bufV[i] = V
            bufL[i] = L
            if t + 1 < t1:
                L = _step(lam, D, X, V, eta[t], beta[t], inv_m[t], L + tail + s2)
        for t in range(t1 - 1, t0 - 1, -1):
            i = t - t0
            g_eta[t], g_beta[t], g_im[t] = _adjoint_step(
                lam, bufD[i], bufX[i], bufV[i], bufL[i] + tail + s2,
                eta[t], beta[t], inv_m[t], aD, aX, aV,
            )  # fmt: skip
    return math.log(LT), LT


def momentum_loss_and_gradient(
    model: PLRFModel,
    eta,
    beta,
    *,
    batch=None,
    frozen_tail: bool = False,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    r"""Exact :math:`\log L(T)` of EMA-momentum SGD and its gradient in ``(eta, beta, 1/m)``.

    Parameters
    ----------
    model : PLRFModel
    eta, beta : array_like, shape (T,) (or scalars with the other an array)
    batch : float or array_like, optional
        Batch size per step (default ``model.batch``).
    frozen_tail : bool
        Add ``model.tail_loss`` (modes beyond ``n_modes``, treated as frozen) to the loss and to
        the noise.

    Returns
    -------
    log_loss : float
    grad_eta, grad_beta, grad_inv_batch : ndarray, shape (T,)

    Examples
    --------
    One mode, full batch, one step: :math:`D_1 = (1 - \eta(1-\beta)\lambda)^2 D_0`, so
    :math:`\partial\log D_1/\partial\eta = -2(1-\beta)/(1-\eta(1-\beta))` at :math:`\lambda=1`.

    >>> m = PLRFModel(a=2, b=2, n_modes=1, batch=math.inf)
    >>> f, ge, gb, _ = momentum_loss_and_gradient(m, [0.5], [0.5])
    >>> round(float(ge[0]), 12), round(f, 12) == round(2 * math.log(0.75), 12)
    (-1.333333333333, True)
    """
    from ..dynamics.momentum import as_momentum_schedule
    from ..dynamics.recursion import as_batch_schedule, as_schedule

    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    e_arr = np.asarray(eta, dtype=float)
    b_arr = np.asarray(beta, dtype=float)
    T = max(e_arr.size if e_arr.ndim else 1, b_arr.size if b_arr.ndim else 1)
    eta = as_schedule(eta, T)
    beta = as_momentum_schedule(beta, T)
    inv_m = as_batch_schedule(model.batch if batch is None else batch, T)
    tail = model.tail_loss if frozen_tail else 0.0
    g = [np.empty(T) for _ in range(3)]
    stride = max(1, math.isqrt(T))
    with np.errstate(over="ignore", invalid="ignore"):
        f, _ = momentum_adjoint(
            spectrum(model),
            initial_state(model),
            eta,
            beta,
            inv_m,
            model.sigma**2,
            tail,
            stride,
            *g,
        )
    return float(f), g[0], g[1], g[2]


# -- blocks and the solver --------------------------------------------------------------------


@dataclass(frozen=True)
class MomentumResult:
    r"""Optimal piecewise-constant ``(eta, beta)`` schedule of EMA-momentum SGD.

    Attributes
    ----------
    model : PLRFModel
    T : int
    edges : ndarray, shape (K + 1,)
        Block edges (steps).
    eta, beta : ndarray, shape (K,)
        Learning rate and momentum per block.
    final_loss : float
        :math:`L(T)` (plus ``model.tail_loss`` when ``frozen_tail``).
    sgd_loss : float
        The same optimisation with ``beta = 0`` fixed (plain SGD), for comparison.
    beta_max, frozen_tail
        Options used.
    success, status, message
        ``status`` 0: converged (relative KKT residual <= tol); 1: iteration limit; 2: the
        optimiser stopped otherwise; 3: not finite.
    kkt_residual : float
    iterations : int
    seconds : float
    """

    model: PLRFModel
    T: int
    edges: np.ndarray
    eta: np.ndarray
    beta: np.ndarray
    final_loss: float
    sgd_loss: float
    beta_max: float
    frozen_tail: bool
    success: bool
    status: int
    message: str
    kkt_residual: float
    iterations: int
    seconds: float
    sgd_eta: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def gain(self) -> float:
        """``sgd_loss / final_loss`` (>= 1 up to optimisation error)."""
        return self.sgd_loss / self.final_loss

    def to_dict(self) -> dict:
        return {
            "T": self.T,
            "final_loss": self.final_loss,
            "sgd_loss": self.sgd_loss,
            "gain": self.gain,
            "beta_max": self.beta_max,
            "frozen_tail": self.frozen_tail,
            "success": self.success,
            "status": self.status,
            "message": self.message,
            "kkt_residual": self.kkt_residual,
            "iterations": self.iterations,
            "seconds": self.seconds,
            "edges": self.edges.tolist(),
            "eta": self.eta.tolist(),
            "beta": self.beta.tolist(),
            "sgd_eta": self.sgd_eta.tolist(),
        }


def _box_kkt(lo: np.ndarray, width: np.ndarray):
    """The relative KKT residual in unit-box coordinates, ``sum |clip(u - g w, 0, 1) - u|``."""

    def kkt(x, g):
        u = (x - lo) / width
        return float(np.abs(np.clip(u - g * width, 0.0, 1.0) - u).sum())

    return kkt


def _optimise(fg, x0, lo, hi, tol, maxiter, scale=None, restarts=2):
    """Bounded L-BFGS-B (the shared driver) with each variable scaled by its box width (or by
    ``scale(x)``, refreshed at every restart); returns ``(x, f, status, kkt, iterations)``.
    Restarts refresh the L-BFGS memory on the flat annealing tail. The KKT test is the
    box-scaled one whatever the scaling."""
    width = np.where(hi > lo, hi - lo, 1.0)
    if scale is None:

        def scale(x):
            return width

    def fg_finite(x):
        f, g = fg(x)
        return (f, g) if math.isfinite(f) else (BLOWUP, None)

    r = minimize_box(
        fg_finite, x0, lo, hi, scale=scale, kkt=_box_kkt(lo, width), tol=tol, maxiter=maxiter,
        options=LbfgsbOptions(restarts=restarts, maxcor=30, ftol=1e-13, gtol=1e-10),
    )  # fmt: skip
    return r.theta, r.f, r.status, r.kkt, r.iterations


def _checked(model, T, beta_max, tol, maxiter) -> tuple:
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    beta_max = check_real("beta_max", beta_max, ge=0)
    if beta_max >= 1:
        raise ValueError(f"beta_max must be < 1, got {beta_max!r}")
    T = check_int("T", T, ge=2)
    return T, beta_max, check_real("tol", tol, gt=0), check_int("maxiter", maxiter, ge=1)


def _objectives(model: PLRFModel, T: int, edges: np.ndarray, frozen_tail: bool):
    """``(fg_joint, fg_sgd, f_max)``: log L(T) and its gradient in the block rates and
    momenta (and in the rates alone at ``beta = 0``), and the log of a loss no stable start
    exceeds (10x the initial loss)."""
    K = edges.size - 1
    index = np.repeat(np.arange(K), np.diff(edges))
    lam, c0 = spectrum(model), initial_state(model)
    inv_m = np.full(T, model.inv_batch)
    s2 = model.sigma**2
    tail = model.tail_loss if frozen_tail else 0.0
    stride = max(1, math.isqrt(T))
    ge, gb, gi = np.empty(T), np.empty(T), np.empty(T)

    def fg_joint(x):
        eta, beta = x[:K][index], x[K:][index]
        with np.errstate(over="ignore", invalid="ignore"):
            f, _ = momentum_adjoint(lam, c0, eta, beta, inv_m, s2, tail, stride, ge, gb, gi)
        g = np.concatenate(
            [np.bincount(index, ge, minlength=K), np.bincount(index, gb, minlength=K)]
        )
        return f, g

    def fg_sgd(x):
        f, g = fg_joint(np.concatenate([x, np.zeros(K)]))
        return f, g[:K]

    return fg_joint, fg_sgd, math.log(10.0 * (float(lam @ c0) + tail + s2))


def _continued_starts(initial, T: int, mid: np.ndarray, model: PLRFModel):
    """The SGD start and the joint starts (``None``: to be built from the SGD optimum): from a
    solution at another horizon, or SGD at 0.9 x the stability limit (or ``eta_max``) annealed
    over the last 10 %."""
    from ..dynamics.recursion import stability_limit

    if initial is None:
        cap = min(model.eta_max, START_FRACTION * stability_limit(model))
        return cap * np.clip((1 - mid / T) / 0.1, 0.02, 1.0), None
    if not isinstance(initial, MomentumResult):
        raise TypeError(f"initial must be a MomentumResult, got {type(initial).__name__}")
    joint = np.concatenate(
        [_continue(initial, initial.eta, T, mid), _continue(initial, initial.beta, T, mid)]
    )
    return _continue(initial, initial.sgd_eta, T, mid), [joint]


def _momentum_starts(fg_joint, x_sgd: np.ndarray, model: PLRFModel, beta_max: float) -> list:
    """Joint starts from the SGD optimum: ``beta = 0`` and ``beta = 0.5`` (with the plateau
    raised to 0.95 eta_max: momentum's stability region is wider)."""
    K = x_sgd.size
    starts = []
    for b0 in (0.0, min(0.5, beta_max)):
        x0 = np.concatenate([x_sgd, np.full(K, b0)])
        if b0 > 0:
            x0[:K] = np.where(x_sgd >= 0.95 * x_sgd.max(), model.eta_max * 0.95, x_sgd)
            if not math.isfinite(fg_joint(x0)[0]):
                x0[:K] = x_sgd
        starts.append(x0)
    return starts


def solve_momentum(
    model: PLRFModel,
    T: int,
    *,
    beta_max: float = DEFAULT_BETA_MAX,
    ratio: float = DEFAULT_RATIO,
    max_block: float = DEFAULT_MAX_BLOCK,
    frozen_tail: bool = True,
    tol: float = 1e-3,
    maxiter: int = 2000,
    initial: MomentumResult | None = None,
    **unknown,
) -> MomentumResult:
    r"""Minimise :math:`L(T)` of EMA-momentum SGD over block schedules ``(eta, beta)``.

    ``0 <= eta <= model.eta_max``, ``0 <= beta <= beta_max``; objective :math:`\log L(T)` with
    the exact adjoint gradient (:func:`momentum_loss_and_gradient`); blocks from
    :func:`block_edges`. Plain SGD (``beta = 0``) is solved first on the same blocks and used,
    with ``beta`` in ``{0, 0.5}``, as the starting point, so ``final_loss <= sgd_loss`` up to
    the optimiser's tolerance.

    Parameters
    ----------
    model : PLRFModel
    T : int
    beta_max : float
        Upper bound on the momentum, in ``[0, 1)``.
    ratio, max_block : float
        Block grid (see :func:`block_edges`).
    frozen_tail : bool
        Treat modes beyond ``n_modes`` as frozen (see module docs).
    tol : float
        Relative KKT residual (unit-box coordinates) for convergence.
    maxiter : int
        L-BFGS-B iterations per optimisation.
    initial : MomentumResult, optional
        A solution at another horizon: its schedules, as functions of the steps to go
        ``T - t``, start both optimisations (continuation; one joint start instead of two).
    """
    reject_unknown("solve_momentum", unknown)
    T, beta_max, tol, maxiter = _checked(model, T, beta_max, tol, maxiter)
    t_start = time.perf_counter()
    edges = block_edges(T, ratio=ratio, max_block=max_block)
    K = edges.size - 1
    fg_joint, fg_sgd, f_max = _objectives(model, T, edges, frozen_tail)
    mid = 0.5 * (edges[1:] + edges[:-1])
    lo_e, hi_e = np.zeros(K), np.full(K, model.eta_max)
    lo = np.concatenate([lo_e, np.zeros(K)])
    hi = np.concatenate([hi_e, np.full(K, beta_max)])
    e_sgd0, joint0 = _continued_starts(initial, T, mid, model)
    e_sgd0 = _stabilise(fg_sgd, e_sgd0, K, f_max)
    x_sgd, f_sgd, *_ = _optimise(fg_sgd, e_sgd0, lo_e, hi_e, tol, maxiter)
    if joint0 is None:
        joint0 = _momentum_starts(fg_joint, x_sgd, model, beta_max)
    best = None
    for x0 in joint0:
        x0 = _stabilise(fg_joint, x0, K, f_max)
        out = _optimise(fg_joint, x0, lo, hi, tol, maxiter)
        if best is None or out[1] < best[1]:
            best = out
    x, f, status, res, its = best
    x_plain = np.concatenate([x_sgd, np.zeros(K)])
    if f_sgd < f:  # beta = 0 is feasible: never report worse than plain SGD
        f_p, g_p = fg_joint(x_plain)
        res_p = _box_kkt(lo, np.where(hi > lo, hi - lo, 1.0))(x_plain, g_p)
        x, f, status, res = x_plain, f_p, (0 if res_p <= tol else 2), res_p
    if not math.isfinite(f) or f >= BLOWUP:
        status = 3
    msg = f"{STATUS_MESSAGES[status]} (relative KKT residual {res:.3g}, tol {tol:g})"
    return MomentumResult(
        model=model, T=T, edges=edges, eta=x[:K], beta=x[K:],
        final_loss=math.exp(f) if status != 3 else math.inf,
        sgd_loss=math.exp(f_sgd) if f_sgd < 700 else math.inf,
        beta_max=beta_max, frozen_tail=frozen_tail, success=status == 0, status=status,
        message=msg, kkt_residual=res, iterations=its, seconds=time.perf_counter() - t_start,
        sgd_eta=x_sgd,
    )  # fmt: skip


#: Shrink factor of the rates of a starting point that is unstable, and the number of tries.
_SHRINK, _SHRINK_TRIES = 0.9, 60


def _stabilise(fg, x0: np.ndarray, K: int, f_max: float) -> np.ndarray:
    """Shrink the rates (first ``K`` entries) of ``x0`` until the log-loss is at most ``f_max``.

    A schedule optimised at a short horizon can sit just inside the stability edge and blow up
    when continued to a longer one; the optimiser cannot leave a region of infinite loss, and
    from a finite but astronomically large one (growth over thousands of steps) it can fail to
    come back, so the caller passes the log of a loss no stable start exceeds.
    """
    x = np.array(x0, dtype=float)
    for _ in range(_SHRINK_TRIES):
        f, _g = fg(x)
        if math.isfinite(f) and f <= f_max:
            return x
        x[:K] *= _SHRINK
    return x


def _continue(prev: MomentumResult, values: np.ndarray, T: int, mid: np.ndarray) -> np.ndarray:
    """A previous block schedule as a function of the steps to go, on new block midpoints."""
    pm = 0.5 * (prev.edges[1:] + prev.edges[:-1])
    to_go_prev = np.log(prev.T - pm + 0.5)[::-1]
    return np.interp(np.log(T - mid + 0.5), to_go_prev, np.asarray(values)[::-1])


# -- exponent fits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MomentumExponents:
    """Loss exponents of optimal schedules with and without momentum over a sweep of horizons.

    Attributes
    ----------
    model : PLRFModel
    results : tuple of MomentumResult
    momentum, sgd : ExponentFit
        Fits of ``final_loss`` and ``sgd_loss`` against ``T``.
    gradient_flow_exponent : float
        SGD's asymptotic hard-phase exponent ``(a-1)/b`` for comparison.
    """

    model: PLRFModel
    results: tuple[MomentumResult, ...]
    momentum: ExponentFit
    sgd: ExponentFit
    gradient_flow_exponent: float

    def to_dict(self) -> dict:
        return {
            "a": self.model.a,
            "b": self.model.b,
            "sigma": self.model.sigma,
            "batch": self.model.batch,
            "n_modes": self.model.n_modes,
            "eta_max": self.model.eta_max,
            "momentum": self.momentum.to_dict(),
            "sgd": self.sgd.to_dict(),
            "gradient_flow_exponent": self.gradient_flow_exponent,
            "gain": [r.gain for r in self.results],
            "status": [r.status for r in self.results],
            "results": [r.to_dict() for r in self.results],
        }


def momentum_exponents(model: PLRFModel, Ts, *, progress=None, **options) -> MomentumExponents:
    """Solve :func:`solve_momentum` at each horizon (continued) and fit both loss exponents.

    ``progress(result)`` is called after each horizon.
    """
    Ts = [check_int("T", T, ge=2) for T in Ts]
    if len(Ts) < 2:
        raise ValueError(f"Ts must hold at least two horizons, got {Ts}")
    res: list[MomentumResult] = []
    for T in Ts:  # continuation: each horizon starts from the previous solution
        res.append(solve_momentum(model, T, initial=res[-1] if res else None, **options))
        if progress is not None:
            progress(res[-1])
    res = tuple(res)
    x = np.array(Ts, dtype=float)
    return MomentumExponents(
        model,
        res,
        fit_exponent(x, [r.final_loss for r in res]),
        fit_exponent(x, [r.sgd_loss for r in res]),
        model.gradient_flow_exponent,
    )
