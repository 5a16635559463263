r"""What a per-step momentum schedule does: its slow-mode rate and the gain of its noise feedback.

The derivation (:func:`theory.derive_momentum_exponents`) bounds heavy ball's effective rate
:math:`\eta/(1-\beta)` by the noise feedback: at constant controls the loss obeys
:math:`L = \iota(L + \sigma^2)\sum_k G(\lambda_k)` and is stable only while
:math:`\iota\sum_k G(\lambda_k) < 1` (first order: :math:`\eta_{\rm eff} < 2/(\iota\zeta(b))`).
For a schedule that changes from step to step neither quantity is defined as it stands; this
module gives the time-dependent ones, on the exact second-moment closure of
:func:`theory.general_momentum` (lambdified once, :func:`theory.second_moment_closure`):

* :func:`slow_mode_rate` — the displacement per step of a mode too slow to move under a constant
  unit gradient, :math:`\rho_t = \alpha_t + \gamma_t V_t` with :math:`V_t = \beta_t V_{t-1} + q_t`
  (:math:`V_{-1} = 0`): the slow modes' effective rate, :math:`\eta/(1-\beta)` at constant heavy
  ball controls, and :math:`\sum_t\rho_t` their elapsed time (:math:`E[\Delta_T] =
  (1 - \lambda\sum_t\rho_t)\Delta_0 + O(\lambda^2)`).
* :func:`noise_feedback` — :math:`\Phi(t)`, the loss at ``t`` that a unit noise source
  :math:`L + \sigma^2 \equiv 1` applied at every earlier step leaves, from zero moments, with the
  loss *not* fed back: the row sum of the (nonnegative) feedback kernel. At constant controls
  :math:`\Phi(\infty) = \iota\sum_k w_k G(\lambda_k)`; the closed loop amplifies noise without
  bound only where :math:`\Phi` stays above 1.
* :func:`loss_split` — :math:`L(T)` as bias (the closure from the initial error, no source),
  open-loop label noise :math:`\sigma^2\Phi(T)` and the rest, the noise the loss feeds back.
* :func:`fed_back_response` — the closure's adjoint: what a unit of the source's loss at step
  ``t`` leaves in each mode's loss share at ``T``; the fed-back noise of :func:`loss_split` is its
  sum against the loss path, so a coast's share of it is a sum over the coast's steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from theory import general_momentum, second_moment_closure
from theory.symbols import L, inv_m, lam, sigma

from .modes import ModeGrid

__all__ = ["LossSplit", "fed_back_response", "loss_split", "noise_feedback", "slow_mode_rate"]


@cache
def _step():
    """The closure's one-step map ``(D, X, V, lam, L, alpha, gamma, beta, q, inv_m, sigma)``."""
    closure = second_moment_closure(general_momentum())
    args = (*closure.moments, lam, L, *closure.update.params, inv_m, sigma)
    return sp.lambdify(args, closure.recursion, "numpy", cse=True)


def _coefficients(coefficients) -> np.ndarray:
    c = np.asarray(coefficients, dtype=float)
    if c.ndim != 2 or c.shape[0] != 4 or c.shape[1] < 1:
        raise ValueError(
            f"coefficients must have shape (4, T) (alpha, gamma, beta, q), got {c.shape}"
        )
    return c


def slow_mode_rate(coefficients) -> np.ndarray:
    r"""The slow modes' rate :math:`\rho_t` of the per-step ``coefficients`` (shape ``(4, T)``:
    :math:`\alpha, \gamma, \beta, q`), shape ``(T,)``.

    .. math::

        V_t = \beta_t V_{t-1} + q_t,\quad V_{-1} = 0, \qquad \rho_t = \alpha_t + \gamma_t V_t .

    Heavy ball at constant :math:`(h, c)`: :math:`\rho_t = h(1 - c^{t+1})/(1 - c) \to h/(1-c)`;
    at :math:`c = 1` (no friction) :math:`\rho_t = h(t+1)` grows without bound.
    """
    al, ga, bt, q = _coefficients(coefficients)
    V, out = 0.0, np.empty(al.size)
    for t in range(al.size):
        V = bt[t] * V + q[t]
        out[t] = al[t] + ga[t] * V
    return out


def _run(grid: ModeGrid, coef: np.ndarray, D0, source: float | None, sig: float) -> np.ndarray:
    """Loss ``(T + 1,)`` of the closure from moments ``(D0, 0, 0)``; the noise source
    ``iota (L + sig^2)`` with the loss fed back (``source=None``) or ``L`` held at ``source``."""
    f, n = _step(), grid.lam.size
    im = 0.0 if math.isinf(grid.model.batch) else 1.0 / grid.model.batch
    wl = grid.weight * grid.lam
    S = np.zeros((3, n))
    S[0] = D0
    out = np.empty(coef.shape[1] + 1)
    out[0] = wl @ S[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(coef.shape[1]):
            Lt = out[t] if source is None else source
            new = f(*S, grid.lam, Lt, *coef[:, t], im, sig)
            S = np.array([np.broadcast_to(x, (n,)) for x in new])
            out[t + 1] = wl @ S[0]
    return out


def noise_feedback(grid: ModeGrid, coefficients) -> np.ndarray:
    r""":math:`\Phi(t)`, ``t = 0..T`` (shape ``(T + 1,)``): the loss the per-step ``coefficients``
    give at ``t`` from zero moments under the unit source :math:`L + \sigma^2 \equiv 1`, the loss
    not fed back — the gain of the noise feedback, :math:`\iota\sum_k w_k G(\lambda_k)` at
    constant controls in the limit."""
    return _run(grid, _coefficients(coefficients), 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class LossSplit:
    r""":math:`L(T)` of a schedule and its parts: ``loss = bias + label + feedback``.

    ``bias``: from the initial error with no noise source (the fourth-moment self-terms kept);
    ``label``: :math:`\sigma^2\Phi(T)`, the label noise with the loss not fed back; ``feedback``:
    the rest, the noise the loss itself injects. ``loss_path``: :math:`L(t)`, ``t = 0..T``;
    ``gain_path``: :math:`\Phi(t)` (:func:`noise_feedback`).
    """

    loss: float
    bias: float
    label: float
    feedback: float
    loss_path: np.ndarray
    gain_path: np.ndarray


def loss_split(grid: ModeGrid, coefficients) -> LossSplit:
    """:class:`LossSplit` of the per-step ``coefficients`` (shape ``(4, T)``) on ``grid``."""
    c = _coefficients(coefficients)
    path = _run(grid, c, grid.c0, None, grid.model.sigma)
    bias = _run(grid, c, grid.c0, 0.0, 0.0)[-1]
    gain = noise_feedback(grid, c)
    label = grid.model.sigma**2 * gain[-1]
    return LossSplit(float(path[-1]), float(bias), float(label),
                     float(path[-1] - bias - label), path, gain)  # fmt: skip


@cache
def _jacobian():
    """The closure's map ``A`` (3 x 3 on ``(D, X, V)``) and source ``u`` (per unit ``L``) as
    functions of ``(lam, alpha, gamma, beta, q, inv_m)``."""
    closure = second_moment_closure(general_momentum())
    rec = sp.Matrix(closure.recursion)
    args = (lam, *closure.update.params, inv_m)
    A = rec.jacobian(sp.Matrix(closure.moments))
    return (sp.lambdify(args, A.tolist(), "numpy", cse=True),
            sp.lambdify(args, list(rec.diff(L)), "numpy"))  # fmt: skip


def fed_back_response(grid: ModeGrid, coefficients) -> np.ndarray:
    r""":math:`R_{t,k}`, shape ``(T, n_states)``: what a unit of the noise source's loss at step
    ``t`` leaves in :math:`w_k\lambda_k D_k(T)` (the closure's adjoint, fourth-moment terms kept).

    The closure is linear in its moments with :math:`L_t` as input, so the fed-back noise of
    :func:`loss_split` is exactly :math:`\sum_{t,k} L_t R_{t,k}` and a coast's share of it is the
    sum over its steps.
    """
    c = _coefficients(coefficients)
    fA, fu = _jacobian()
    im = 0.0 if math.isinf(grid.model.batch) else 1.0 / grid.model.batch
    n, T = grid.lam.size, c.shape[1]
    y = np.zeros((3, n))
    y[0] = grid.weight * grid.lam
    out = np.empty((T, n))
    for t in range(T - 1, -1, -1):
        args = (grid.lam, *c[:, t], im)
        u = [np.broadcast_to(x, (n,)) for x in fu(*args)]
        out[t] = y[0] * u[0] + y[1] * u[1] + y[2] * u[2]
        A = fA(*args)
        y = np.array([sum(np.broadcast_to(A[i][j], (n,)) * y[i] for i in range(3))
                      for j in range(3)])  # fmt: skip
    return out
