r"""Exact adjoint of the general momentum moment recursion, on work arrays allocated once.

Per mode the second moments :math:`(D, X, V) = (E\Delta^2, E\Delta v, Ev^2)` of the general
update :math:`v' = \beta v + q g`, :math:`\Delta' = \Delta - \alpha g - \gamma v'` step as in
:func:`solvers.dynamics.momentum_forms.general_momentum_forward` (its docstring has the map);
the loss is :math:`L = \sum_k w_k\lambda_k D_k`. :func:`momentum_forward_store` runs the
recursion storing every state, :func:`momentum_backward` the reverse sweep that gives the exact
gradient of :math:`\log L(T)` in :math:`(\alpha_t, \gamma_t, \beta_t, q_t)` (hand-derived from the
step; tested against the symbolic Jacobians and mpmath in ``tests/test_momentum_forms.py``).

:class:`MomentumWorkspace` owns the arrays (``3 (T+1) n`` states, the costates, the gradient) for
one solve. The per-step solver used to allocate them at every evaluation (36 MB at ``T = 1e4``,
a third of its CPU as system time); the mode loops are also compiled with reassociation
(``_FASTMATH``) so their sums vectorise (benchmarks/results/momentum.md, 2026-11-30k §1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["MomentumWorkspace", "general_momentum_adjoint"]

#: The SGD kernels' floating-point flags (:mod:`solvers.control._adjoint`): reassociation lets
#: the mode sums vectorise; no-NaN / no-inf are absent (the kernels test finiteness).
_FASTMATH = {"reassoc", "contract", "arcp", "nsz"}
#: A loss above this counts as blown up (the next steps overflow).
OVERFLOW_LOSS = 1e300


@njit(inline="always")
def costate_noise(pD, pX, pV, s, qq):  # pragma: no cover
    """``d log L(T) / d G`` of one mode's step (``G`` its gradient second moment): the costates
    ``(pD, pX, pV)`` after the step on the step's ``G`` coefficients ``(s^2, -s q, q^2)``."""
    return pV * qq * qq - pX * s * qq + pD * s * s


@njit(inline="always")
def costate_step(pD, pX, pV, gG, lk, s, qq, ga, bt, l2c, b2, gb, gqs):  # pragma: no cover
    """One mode's costates ``(aD, aX, aV)`` before a step from those after it (the transpose of
    the step's map, without the loss-feedback term ``1/m L`` that couples the modes); ``gG`` is
    :func:`costate_noise`. Inlined (the caller's fastmath flags apply), shared by
    :func:`momentum_backward` and :func:`momentum_costates` (one file: numba's cache of a
    caller is not invalidated by an edit of an inlined function in another file)."""
    # the change is added (not pD times the rounded 1 - 2 s lk, whose rounding repeats
    # at every step of a constant schedule: T eps / 2 of drift in a slow mode)
    aD = pD + (pX * qq * lk - 2.0 * s * lk * pD + gG * l2c * lk * lk)
    aX = (pV * 2.0 * bt * qq * lk + pX * (bt - gqs * bt * lk)
          + pD * (-2.0 * gb + 2.0 * gb * s * lk))  # fmt: skip
    aV = b2 * (pV - pX * ga + pD * ga * ga)
    return aD, aX, aV


@njit(cache=True, fastmath=_FASTMATH)
def momentum_forward_store(
    lam, wl, alpha, gamma, beta, q, inv_m, sigma2, D, X, V, Ls
):  # pragma: no cover
    """Forward recursion from ``D[0]`` (``X[0] = V[0] = 0``), storing every state in ``D, X, V``
    (shape ``(T+1, n)``) and the loss in ``Ls`` (``T+1``). Returns ``L(T)`` (``inf`` on a blow-up)."""
    n = lam.shape[0]
    T = alpha.shape[0]
    L = 0.0
    for k in range(n):
        X[0, k] = 0.0
        V[0, k] = 0.0
        L += wl[k] * D[0, k]
    Ls[0] = L
    for t in range(T):
        al, ga, bt, qq, im = alpha[t], gamma[t], beta[t], q[t], inv_m[t]
        s = al + ga * qq
        l2c = 1.0 + im
        noise = im * (L + sigma2)
        b2, gb, gqs = bt * bt, ga * bt, (ga * qq + s) * bt
        Ln = 0.0
        for k in range(n):
            lk, Dk, Xk, Vk = lam[k], D[t, k], X[t, k], V[t, k]
            G = l2c * lk * lk * Dk + noise * lk
            V[t + 1, k] = b2 * Vk + 2.0 * bt * qq * lk * Xk + qq * qq * G
            X[t + 1, k] = bt * Xk + qq * lk * Dk - ga * b2 * Vk - gqs * lk * Xk - s * qq * G
            Dn = (Dk - 2.0 * gb * Xk - 2.0 * s * lk * Dk + gb * gb * Vk
                  + 2.0 * gb * s * lk * Xk + s * s * G)  # fmt: skip
            D[t + 1, k] = Dn
            Ln += wl[k] * Dn
        L = Ln
        Ls[t + 1] = L
        if not (L < OVERFLOW_LOSS):  # also NaN
            return math.inf
    return L


@njit(cache=True, fastmath=_FASTMATH)
def momentum_backward(
    lam, wl, alpha, gamma, beta, q, inv_m, sigma2, D, X, V, Ls, aD, aX, aV, grad
):  # pragma: no cover
    """Reverse sweep after :func:`momentum_forward_store`: ``grad`` (shape ``(4, T)``) is the
    gradient of ``log L(T)`` in ``(alpha, gamma, beta, q)``; ``aD, aX, aV`` (shape ``(n,)``)
    are the costates' work arrays."""
    n = lam.shape[0]
    T = alpha.shape[0]
    LT = Ls[T]
    for k in range(n):
        aD[k] = wl[k] / LT
        aX[k] = 0.0
        aV[k] = 0.0
    for t in range(T - 1, -1, -1):
        al, ga, bt, qq, im = alpha[t], gamma[t], beta[t], q[t], inv_m[t]
        s = al + ga * qq
        l2c = 1.0 + im
        noise = im * (Ls[t] + sigma2)
        b2, gb, gqs = bt * bt, ga * bt, ga * qq + s
        dL = 0.0
        g_a = 0.0
        g_g = 0.0
        g_b = 0.0
        g_q = 0.0
        for k in range(n):
            lk, Dk, Xk, Vk = lam[k], D[t, k], X[t, k], V[t, k]
            G = l2c * lk * lk * Dk + noise * lk
            pD, pX, pV = aD[k], aX[k], aV[k]
            lX = lk * Xk
            gG = costate_noise(pD, pX, pV, s, qq)
            gs = pX * (-bt * lX - qq * G) + pD * (-2.0 * lk * Dk + 2.0 * gb * lX + 2.0 * s * G)
            g_a += gs
            g_g += (pX * (-b2 * Vk - qq * bt * lX)
                    + pD * (-2.0 * bt * Xk + 2.0 * ga * b2 * Vk + 2.0 * bt * s * lX) + gs * qq)  # fmt: skip
            g_b += (pV * (2.0 * bt * Vk + 2.0 * qq * lX)
                    + pX * (Xk - 2.0 * gb * Vk - gqs * lX)
                    + pD * (-2.0 * ga * Xk + 2.0 * ga * gb * Vk + 2.0 * ga * s * lX))  # fmt: skip
            g_q += (pV * (2.0 * bt * lX + 2.0 * qq * G)
                    + pX * (lk * Dk - gb * lX - s * G) + gs * ga)  # fmt: skip
            dL += gG * lk
            aD[k], aX[k], aV[k] = costate_step(pD, pX, pV, gG, lk, s, qq, ga, bt, l2c, b2, gb, gqs)
        dL *= im
        for k in range(n):
            aD[k] += dL * wl[k]
        grad[0, t] = g_a
        grad[1, t] = g_g
        grad[2, t] = g_b
        grad[3, t] = g_q


@njit(cache=True)
def momentum_costates(lam, wl, alpha, gamma, beta, q, inv_m, Ls, A):  # pragma: no cover
    """The costates ``A[:, t] = (aD, aX, aV)`` (shape ``(3, T+1, n)``) of ``log L(T)`` after a
    forward pass: the reverse sweep of :func:`momentum_backward` (the same per-mode
    :func:`costate_step`), each step's costates stored instead of a gradient accumulated (the
    Hessian's diagonal, :mod:`._momentum_hessian`)."""
    n = lam.shape[0]
    T = alpha.shape[0]
    for k in range(n):
        A[0, T, k] = wl[k] / Ls[T]
        A[1, T, k] = 0.0
        A[2, T, k] = 0.0
    for t in range(T - 1, -1, -1):
        ga, bt, qq, im = gamma[t], beta[t], q[t], inv_m[t]
        s = alpha[t] + ga * qq
        l2c = 1.0 + im
        b2, gb, gqs = bt * bt, ga * bt, ga * qq + s
        dL = 0.0
        for k in range(n):
            lk = lam[k]
            pD, pX, pV = A[0, t + 1, k], A[1, t + 1, k], A[2, t + 1, k]
            gG = costate_noise(pD, pX, pV, s, qq)
            dL += gG * lk
            A[0, t, k], A[1, t, k], A[2, t, k] = costate_step(
                pD, pX, pV, gG, lk, s, qq, ga, bt, l2c, b2, gb, gqs
            )
        dL *= im
        for k in range(n):
            A[0, t, k] += dL * wl[k]


@dataclass(frozen=True)
class MomentumWorkspace:
    """The arrays of one solve's evaluations: states ``(T+1, n)`` x 3, loss, costates, gradient.

    Calling it with coefficients ``(4, T)`` returns ``(log L(T), gradient (4, T))``; the gradient
    array is the workspace's own (overwritten by the next call; copy it to keep it).
    """

    lam: np.ndarray
    wl: np.ndarray
    sigma2: float
    inv_m: np.ndarray
    D: np.ndarray
    X: np.ndarray
    V: np.ndarray
    Ls: np.ndarray
    costates: np.ndarray
    grad: np.ndarray

    @classmethod
    def create(cls, lam, weight, c0, T: int, inv_m: float, sigma2: float) -> MomentumWorkspace:
        """Workspace for ``T`` steps on modes ``lam`` with weights and initial ``E Delta^2``."""
        lam = np.ascontiguousarray(lam, dtype=float)
        n = lam.size
        D = np.empty((T + 1, n))
        D[0] = c0
        return cls(lam, np.ascontiguousarray(weight * lam, dtype=float), float(sigma2),
                   np.full(T, float(inv_m)), D, np.empty((T + 1, n)), np.empty((T + 1, n)),
                   np.empty(T + 1), np.empty((3, n)), np.empty((4, T)))  # fmt: skip

    @property
    def nbytes(self) -> int:
        arrays = (self.D, self.X, self.V, self.Ls, self.costates, self.grad)
        return sum(a.nbytes for a in arrays)

    def __call__(self, coef: np.ndarray) -> tuple[float, np.ndarray]:
        al, ga, bt, q = (np.ascontiguousarray(c, dtype=float) for c in coef)
        args = (self.lam, self.wl, al, ga, bt, q, self.inv_m, self.sigma2, self.D, self.X, self.V,
                self.Ls)  # fmt: skip
        LT = momentum_forward_store(*args)
        if not (0.0 < LT < OVERFLOW_LOSS):
            self.grad[:] = 0.0
            return math.inf, self.grad
        momentum_backward(*args, *self.costates, self.grad)
        return math.log(LT), self.grad


def general_momentum_adjoint(lam, weight, c0, alpha, gamma, beta, q, inv_m, sigma2):
    r"""``log L(T)`` of :func:`~solvers.dynamics.momentum_forms.general_momentum_forward` and its
    exact gradient in ``(alpha, gamma, beta, q)`` (shape ``(4, T)``), on a fresh workspace
    (one-off calls; a solver keeps a :class:`MomentumWorkspace`). ``inv_m`` is ``1/m`` per step.
    """
    T = np.shape(alpha)[0]
    ws = MomentumWorkspace.create(lam, weight, c0, T, 0.0, sigma2)
    ws.inv_m[:] = inv_m
    f, g = ws(np.array([alpha, gamma, beta, q], dtype=float))
    return f, g.copy()
