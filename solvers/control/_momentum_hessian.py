r"""The exact per-step diagonal of the Hessian of ``log L(T)`` in the momentum coefficients.

The moment map :math:`S_{t+1} = f(S_t, c_t)` of :mod:`._momentum_adjoint` is affine in the
states (the noise term is linear in :math:`L_t = w\lambda \cdot D_t`), so :math:`L(T)` is affine
in :math:`S_{t+1}` and the costate :math:`a_{t+1} = \nabla_{S_{t+1}} \log L(T)` depends on
:math:`c_t` only through :math:`1/L(T)`: :math:`\partial a_{t+1}/\partial c_t = -a_{t+1}
g_t^T`. Hence the per-step block of the Hessian is

.. math::

    \frac{\partial^2 \log L(T)}{\partial c_t \partial c_t^T}
    = \sum_k a_{t+1,k} \cdot \frac{\partial^2 f_k}{\partial c_t \partial c_t^T}(S_{t,k}, c_t)
      - g_t g_t^T,

with the second derivatives of the closure's step map differentiated symbolically (SymPy)
and the costates from one more reverse sweep
(:func:`._momentum_adjoint.momentum_costates`, stored per step).
:func:`control_hessian_diagonal` maps it to a form's controls (the linear chain of
:func:`~solvers.control.momentum_per_step._to_coef`): the diagonal preconditioner of the
projected Newton finish (:mod:`._projected_newton`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp
from numba import vectorize

from theory import general_momentum, second_moment_closure
from theory.symbols import L, inv_m, lam, sigma

from ._momentum_adjoint import MomentumWorkspace, momentum_costates

__all__ = ["control_hessian_diagonal", "momentum_costates"]


@cache
def _second_derivatives(pairs: tuple):
    """``sum_m a_m d^2 f_m / dc_i dc_j`` for the ``pairs`` ``(i, j)``: one compiled ufunc each
    (numpy's temporaries made the lambdified expressions 5x the cost of an evaluation)."""
    closure = second_moment_closure(general_momentum())
    M, P = closure.moments, closure.update.params
    a = sp.symbols("a_D a_X a_V")
    args = (*M, *a, lam, L, *P, inv_m, sigma)
    exprs = [sum(am * sp.diff(r, P[i], P[j]) for am, r in zip(a, closure.recursion, strict=True))
             for i, j in pairs]  # fmt: skip
    return tuple(vectorize(cache=False)(sp.lambdify(args, e, "math")) for e in exprs)


def coefficient_hessian_blocks(
    ws: MomentumWorkspace,
    coef: np.ndarray,
    grad: np.ndarray,
    pairs: tuple = tuple((i, j) for i in range(4) for j in range(i, 4)),
):
    """Per-step blocks ``(4, 4, T)`` of the Hessian of ``log L(T)`` in the coefficients, after
    ``ws(coef)`` (its states) returned the gradient ``grad`` (shape ``(4, T)``); only the
    entries ``pairs`` (``i <= j``) and their mirror images are filled (the rest are 0)."""
    T = coef.shape[1]
    al, ga, bt, q = (np.ascontiguousarray(c, dtype=float) for c in coef)
    A = np.empty((3, T + 1, ws.lam.size))
    momentum_costates(ws.lam, ws.wl, al, ga, bt, q, ws.inv_m, ws.Ls, A)
    fn = _second_derivatives(pairs)
    lamb, c = ws.lam[None, :], [x[:, None] for x in coef]
    vals = (f(ws.D[:T], ws.X[:T], ws.V[:T], A[0, 1:], A[1, 1:], A[2, 1:], lamb,
              ws.Ls[:T, None], *c, ws.inv_m[:, None], np.sqrt(ws.sigma2)) for f in fn)  # fmt: skip
    B = np.zeros((4, 4, T))
    for (i, j), v in zip(pairs, vals, strict=True):
        s = np.broadcast_to(v, (T, ws.lam.size)).sum(axis=1)
        B[i, j] = s - grad[i] * grad[j]
        B[j, i] = B[i, j]
    return B


def control_hessian_diagonal(ws, coef, grad, chain, k: int) -> np.ndarray:
    """The Hessian's diagonal ``(k, T)`` in a form's controls (``chain`` as in ``_to_coef``:
    ``(coefficient row, control row, sign)``), from :func:`coefficient_hessian_blocks`."""
    pairs = tuple(sorted({(min(ci, cj), max(ci, cj)) for ci, ui, _ in chain
                          for cj, uj, _ in chain if ui == uj}))  # fmt: skip
    B = coefficient_hessian_blocks(ws, coef, grad, pairs)
    out = np.zeros((k, coef.shape[1]))
    for ci, ui, s in chain:
        for cj, uj, sj in chain:
            if ui == uj:
                out[ui] += s * sj * B[ci, cj]
    return out
