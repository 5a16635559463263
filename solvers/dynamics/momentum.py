r"""Numeric second-moment recursion of SGD with EMA momentum (and of any derived closure).

The one-step map is the closure derived symbolically by :func:`theory.second_moment_closure`
(per mode: :math:`E[\Delta^2], E[\Delta v], E[v^2]`), turned into a NumPy function by one
``lambdify`` bridge and iterated here; the loss is :math:`L = \sum_k \lambda_k E[\Delta_k^2]`.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from theory import PLRFModel
from theory._checks import check_int
from theory._moments import MomentClosure, momentum_closure

from ._kernels import momentum_forward
from ._spectrum import initial_state, spectrum
from .recursion import (
    Trajectory,
    _record_steps,
    as_batch_schedule,
    as_schedule,
    blowup_step,
    per_step,
)

__all__ = ["as_momentum_schedule", "simulate_closure", "simulate_momentum"]


def as_momentum_schedule(beta, T: int) -> np.ndarray:
    """Validate a momentum schedule (scalar or length ``T``, each in ``[0, 1)``)."""
    arr = per_step(beta, T, "beta", "in [0, 1)", lambda a: ~np.isfinite(a) | (a < 0) | (a >= 1))
    return np.ascontiguousarray(arr)


@cache
def _step_function(closure: MomentClosure):
    return closure.numeric()


def simulate_closure(
    closure: MomentClosure,
    model: PLRFModel,
    params: dict[str, object],
    *,
    batch=None,
    record_every: int = 1,
    T: int | None = None,
) -> Trajectory:
    """Iterate any derived :class:`~theory._moments.MomentClosure` on the model's modes.

    ``params`` maps each of ``closure.update.params`` (by name) to a scalar or a length-``T``
    schedule; the learning rate ``eta`` is validated as one. Returns a :class:`Trajectory` whose
    ``state`` is :math:`E[\\Delta_k^2](T)` and whose ``meta['moments']`` holds every final moment.
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    names = [str(p) for p in closure.update.params]
    unknown = set(params) - set(names)
    if unknown or set(names) - set(params):
        raise TypeError(f"params must give exactly {names}, got {sorted(params)}")
    if T is not None:
        T = check_int("T", T, ge=1)
    eta_name = "eta" if "eta" in names else names[0]
    eta = as_schedule(params[eta_name], T, name=eta_name)
    T = eta.size
    sched = {}
    for n in names:
        if n == eta_name:
            sched[n] = eta
        elif n == "beta":
            sched[n] = as_momentum_schedule(params[n], T)
        else:
            arr = np.asarray(params[n], dtype=float)
            sched[n] = np.full(T, float(arr)) if arr.ndim == 0 else as_schedule(arr, T, name=n)
    inv_m = as_batch_schedule(model.batch if batch is None else batch, T)
    record_every = check_int("record_every", record_every, ge=1)
    t_rec = _record_steps(T, record_every)

    step = _step_function(closure)
    coupling = closure.numeric_coupling()
    lam = spectrum(model)
    M = closure.initial(initial_state(model))
    loss = np.full(t_rec.size, np.nan)
    loss[0] = float(lam @ M[0])
    j = 1
    fail = -1
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            p = [sched[n][t] for n in names]
            Lg = float(lam @ (coupling(*M, *p) + 0 * lam))  # sum_k lam_k E[p_k^2]
            M = step(*M, lam, Lg, *p, inv_m[t], model.sigma)
            L = float(lam @ M[0])
            if not math.isfinite(L):
                fail = t + 1
                break
            if j < t_rec.size and t_rec[j] == t + 1:
                loss[j] = L
                j += 1
    blowup = blowup_step(fail, eta, eta_name)
    meta = {
        "closure": closure.update.name,
        "moments": {str(s): m for s, m in zip(closure.moments, M, strict=True)},
    }
    meta.update({n: sched[n] for n in names if n != eta_name})
    return Trajectory(model, eta, inv_m, t_rec, loss, np.asarray(M[0]), "discrete", blowup, meta)


def simulate_momentum(
    model: PLRFModel,
    eta,
    beta,
    *,
    batch=None,
    record_every: int = 1,
    T: int | None = None,
) -> Trajectory:
    r"""Exact expected loss of SGD with EMA momentum on the PLRF model.

    The update (per step ``t``, fresh minibatch gradient ``g_t`` at ``w_t``, ``v_0 = 0``):

    .. math::

        v_{t+1} = \beta_t v_t + (1 - \beta_t) g_t, \qquad w_{t+1} = w_t - \eta_t v_{t+1},

    iterated through the exact moment closure of :func:`theory._moments.momentum_closure` (a
    compiled kernel, :func:`solvers.dynamics._kernels.momentum_forward`, tested against it; the generic
    :func:`simulate_closure` iterates the lambdified closure itself).
    ``beta = 0`` gives exactly :func:`simulate` (discrete time).

    Parameters
    ----------
    model : PLRFModel
    eta : array_like, shape (T,), or float
    beta : array_like, shape (T,), or float
        Momentum per step in ``[0, 1)``.
    batch : float or array_like, optional
        Batch size per step (defaults to ``model.batch``).
    record_every, T
        As in :func:`simulate`.

    Returns
    -------
    Trajectory
        ``meta['beta']`` is the momentum schedule; ``meta['moments']`` the final moments.
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    if T is not None:
        T = check_int("T", T, ge=1)
    eta = as_schedule(eta, T)
    T = eta.size
    beta = as_momentum_schedule(beta, T)
    inv_m = as_batch_schedule(model.batch if batch is None else batch, T)
    record_every = check_int("record_every", record_every, ge=1)
    t_rec = _record_steps(T, record_every)
    lam = spectrum(model)
    loss = np.empty(t_rec.size)
    with np.errstate(over="ignore", invalid="ignore"):
        D, X, V, fail = momentum_forward(
            lam, initial_state(model), eta, beta, inv_m, model.sigma**2, t_rec, loss
        )
    blowup = blowup_step(fail, eta)
    moments = {str(s): m for s, m in zip(momentum_closure().moments, (D, X, V), strict=True)}
    return Trajectory(
        model, eta, inv_m, t_rec, loss, D, "discrete", blowup, {"beta": beta, "moments": moments}
    )
