r"""Compiled kernels for the PLRF recursion (the hot loop).

Hand-written for speed; ``tests/test_dynamics.py`` holds each against the symbolic dynamics of
:func:`theory.plrf_dynamics`. Every kernel runs one fused pass over the modes per step, so the
cost is ``O(T * n_modes)`` with no temporaries.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "continuous_forward",
    "discrete_forward",
    "momentum_forward",
    "phi12",
    "weighted_forward",
]

#: Below this |z|, phi_1 and phi_2 use their Taylor series (cancellation otherwise loses digits).
_PHI_SERIES_BELOW = 1e-3


@njit(inline="always")
def start_record(wl, c, t_record, loss_out):  # pragma: no cover
    """The initial loss ``L = sum_k wl_k c_k``, written to ``loss_out[0]`` when ``t_record``
    starts at step 0. Returns ``(L, j)``, ``j`` the index of the next record.

    Inlined into the forward kernels (with their own compile flags); a kernel in another file
    that inlines it is recompiled only when its own file changes (numba's cache does not see
    this one): clear ``__pycache__`` after editing it."""
    L = 0.0
    for k in range(wl.shape[0]):
        L += wl[k] * c[k]
    j = 0
    if t_record[0] == 0:
        loss_out[0] = L
        j = 1
    return L, j


@njit(inline="always")
def record_step(L, t, j, t_record, loss_out, limit):  # pragma: no cover
    """After step ``t`` with loss ``L``: ``-1`` if ``L`` is not finite or above ``limit`` (the
    records not yet written become NaN), else the index of the next record (``L`` written to
    ``loss_out[j]`` first when ``t_record[j] == t + 1``). As :func:`start_record`, inlined."""
    if not math.isfinite(L) or L > limit:
        for i in range(j, loss_out.shape[0]):
            loss_out[i] = np.nan
        return -1
    if j < t_record.shape[0] and t_record[j] == t + 1:
        loss_out[j] = L
        j += 1
    return j


@njit(inline="always")
def ema_velocity(lk, Dk, Xk, Vk, G, bt, ob):  # pragma: no cover
    r"""One mode's EMA-momentum step (:math:`v' = \beta v + (1-\beta) g`, ``ob = 1 - bt``,
    ``G`` = :math:`E[g^2]`): :math:`E[\Delta v']` and :math:`V' = E[v'^2]`. Inlined into the
    forward kernel and the adjoint's (:mod:`solvers.control.momentum`)."""
    Ev = bt * Xk + ob * lk * Dk
    Vn = bt * bt * Vk + 2.0 * bt * ob * lk * Xk + ob * ob * G
    return Ev, Vn


@njit(inline="always")
def ema_step(lk, Dk, Xk, Vk, G, e, bt, ob):  # pragma: no cover
    r"""One mode's EMA-momentum moments after the step :math:`\Delta' = \Delta - \eta v'`:
    ``(D', X', V')`` from :func:`ema_velocity`."""
    Ev, Vn = ema_velocity(lk, Dk, Xk, Vk, G, bt, ob)
    return Dk - 2.0 * e * Ev + e * e * Vn, Ev - e * Vn, Vn


@njit(cache=True)
def weighted_forward(lam, weight, c0, eta, inv_m, sigma2, t_record, loss_out):  # pragma: no cover
    """Run the exact recursion for modes of multiplicity ``weight`` (``L = sum w_k lam_k c_k``);
    fill ``loss_out[j] = L(t_record[j])``.

    Unit weights are the plain model; log-binned mode grids (``solvers.dynamics.modes``) pass their
    bin multiplicities. Returns ``(c_T, t_fail)`` where ``t_fail`` is the first step whose loss
    is not finite (``-1`` if none); on failure the remaining entries of ``loss_out`` are NaN.
    """
    n = lam.shape[0]
    T = eta.shape[0]
    c = c0.copy()
    wl = weight * lam
    L, j = start_record(wl, c, t_record, loss_out)
    for t in range(T):
        e = eta[t]
        im = inv_m[t]
        noise = im * e * e * (L + sigma2)
        a1 = -2.0 * e
        a2 = (1.0 + im) * e * e
        Ln = 0.0
        for k in range(n):
            lk = lam[k]
            # add the change, never multiply by a rounded 1 + O(eta lam): see _adjoint's notes
            ck = c[k] + (lk * (a1 + a2 * lk) * c[k] + noise * lk)
            c[k] = ck
            Ln += wl[k] * ck
        L = Ln
        j = record_step(L, t, j, t_record, loss_out, math.inf)
        if j < 0:
            return c, t + 1
    return c, -1


@njit(cache=True)
def discrete_forward(lam, c0, eta, inv_m, sigma2, t_record, loss_out):  # pragma: no cover
    """:func:`weighted_forward` with unit weights: the plain ``n_modes``-mode model."""
    return weighted_forward(lam, np.ones_like(lam), c0, eta, inv_m, sigma2, t_record, loss_out)


@njit(cache=True)
def phi12(z):  # pragma: no cover
    r""":math:`\varphi_1(z) = (e^z - 1)/z` and :math:`\varphi_2(z) = (e^z - 1 - z)/z^2`, stably."""
    if abs(z) < _PHI_SERIES_BELOW:
        p1 = 1.0 + z * (0.5 + z * (1.0 / 6.0 + z / 24.0))
        p2 = 0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z / 120.0))
        return p1, p2
    ez = math.exp(z)
    p1 = (ez - 1.0) / z
    return p1, (ez - 1.0 - z) / (z * z)


@njit(cache=True)
def continuous_forward(
    lam, c0, eta, inv_m, sigma2, substeps, t_record, loss_out
):  # pragma: no cover
    r"""Integrate :math:`\dot c_k = -2\eta\lambda_k c_k + (\eta^2/m)\lambda_k(L + \sigma^2)`.

    ``eta`` and ``inv_m`` are constant on each unit time step; each step is split into
    ``substeps`` steps of exponential time differencing (Cox-Matthews ETD2RK): the decay is
    integrated exactly and the loss-coupled forcing to second order. Full-batch problems
    (``inv_m = 0``) are therefore solved exactly. Same outputs as :func:`discrete_forward`.
    """
    n = lam.shape[0]
    T = eta.shape[0]
    h = 1.0 / substeps
    c = c0.copy()
    a_half = np.empty(n)
    ez = np.empty(n)
    hp1 = np.empty(n)
    hp2 = np.empty(n)
    L, j = start_record(lam, c, t_record, loss_out)
    e_prev = -1.0
    for t in range(T):
        e = eta[t]
        g = inv_m[t] * e * e  # forcing per unit (L + sigma^2) per lambda_k
        if e != e_prev:  # the propagators depend on eta only: reuse them across equal steps
            for k in range(n):
                z = -2.0 * e * lam[k] * h
                p1, p2 = phi12(z)
                ez[k] = math.exp(z)
                hp1[k] = h * p1 * lam[k]
                hp2[k] = h * p2 * lam[k]
            e_prev = e
        for _ in range(substeps):
            f0 = g * (L + sigma2)
            La = 0.0
            for k in range(n):
                ak = ez[k] * c[k] + hp1[k] * f0
                a_half[k] = ak
                La += lam[k] * ak
            df = g * (La - L)
            Ln = 0.0
            for k in range(n):
                ck = a_half[k] + hp2[k] * df
                c[k] = ck
                Ln += lam[k] * ck
            L = Ln
        j = record_step(L, t, j, t_record, loss_out, math.inf)
        if j < 0:
            return c, t + 1
    return c, -1


@njit(cache=True)
def momentum_forward(lam, c0, eta, beta, inv_m, sigma2, t_record, loss_out):  # pragma: no cover
    r"""Moment recursion of EMA-momentum SGD (closure of :func:`theory._moments.momentum_closure`).

    Per mode, with :math:`D = E[\Delta^2]`, :math:`X = E[\Delta v]`, :math:`V = E[v^2]` and
    :math:`G = E[g^2] = (1+\iota)\lambda^2 D + \iota\lambda(L + \sigma^2)`:
    :math:`E[\Delta v'] = \beta X + (1-\beta)\lambda D`,
    :math:`V' = \beta^2 V + 2\beta(1-\beta)\lambda X + (1-\beta)^2 G`,
    :math:`X' = E[\Delta v'] - \eta V'`, :math:`D' = D - 2\eta E[\Delta v'] + \eta^2 V'`.
    Returns ``(D, X, V, t_fail)`` as :func:`discrete_forward`.
    """
    n = lam.shape[0]
    T = eta.shape[0]
    D = c0.copy()
    X = np.zeros(n)
    V = np.zeros(n)
    L, j = start_record(lam, D, t_record, loss_out)
    for t in range(T):
        e = eta[t]
        bt = beta[t]
        ob = 1.0 - bt
        im = inv_m[t]
        noise = im * (L + sigma2)
        Ln = 0.0
        for k in range(n):
            lk = lam[k]
            Dk = D[k]
            G = (1.0 + im) * lk * lk * Dk + noise * lk
            Dn, X[k], V[k] = ema_step(lk, Dk, X[k], V[k], G, e, bt, ob)
            D[k] = Dn
            Ln += lk * Dn
        L = Ln
        j = record_step(L, t, j, t_record, loss_out, math.inf)
        if j < 0:
            return D, X, V, t + 1
    return D, X, V, -1
