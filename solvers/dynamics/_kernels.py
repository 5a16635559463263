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
    L = 0.0
    for k in range(n):
        L += wl[k] * c[k]
    j = 0
    if t_record[0] == 0:
        loss_out[0] = L
        j = 1
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
        if not math.isfinite(L):
            for i in range(j, loss_out.shape[0]):
                loss_out[i] = np.nan
            return c, t + 1
        if j < t_record.shape[0] and t_record[j] == t + 1:
            loss_out[j] = L
            j += 1
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
    L = 0.0
    for k in range(n):
        L += lam[k] * c[k]
    j = 0
    if t_record[0] == 0:
        loss_out[0] = L
        j = 1
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
        if not math.isfinite(L):
            for i in range(j, loss_out.shape[0]):
                loss_out[i] = np.nan
            return c, t + 1
        if j < t_record.shape[0] and t_record[j] == t + 1:
            loss_out[j] = L
            j += 1
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
    L = 0.0
    for k in range(n):
        L += lam[k] * D[k]
    j = 0
    if t_record[0] == 0:
        loss_out[0] = L
        j = 1
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
            Ev = bt * X[k] + ob * lk * Dk
            Vn = bt * bt * V[k] + 2.0 * bt * ob * lk * X[k] + ob * ob * G
            X[k] = Ev - e * Vn
            Dn = Dk - 2.0 * e * Ev + e * e * Vn
            D[k] = Dn
            V[k] = Vn
            Ln += lk * Dn
        L = Ln
        if not math.isfinite(L):
            for i in range(j, loss_out.shape[0]):
                loss_out[i] = np.nan
            return D, X, V, t + 1
        if j < t_record.shape[0] and t_record[j] == t + 1:
            loss_out[j] = L
            j += 1
    return D, X, V, -1
