r"""Compiled kernels of the long-horizon continuum solver (forward pass and its exact adjoint).

On each time interval the learning rate is constant and every (binned) mode obeys the linear ODE

.. math::

    \dot c_k = -r_k(\eta)\, c_k + q_k(\eta)\,\bigl(L + \sigma^2\bigr),
    \qquad L = \sum_k u_k c_k, \quad u_k = w_k \lambda_k,

with ``(r, q) = (2 eta lam, eta^2 lam / m)`` for the continuous-time limit, or, for the
*discrete-corrected* dynamics, ``r = -log D``, ``D = 1 - 2 eta lam + (1 + 1/m) eta^2 lam^2``
(the exact per-step contraction of the recursion) and ``q = (eta^2 lam / m) r / (1 - D)`` (so
that a constant forcing accumulates exactly as in the recursion).

Each interval is split into ``n_sub`` equal substeps of length ``s``. On a substep the decay is
integrated exactly and the forcing with ``L`` linear in time between its two ends, the end
value being solved for (implicit exponential trapezoid rule, second order, unconditionally
stable for any stable learning rate):

.. math::

    c'_k = E_k c_k + A_k (L + \sigma^2) + B_k (L' + \sigma^2),\qquad
    E = e^{z},\ A = s q(\varphi_1 - \varphi_2),\ B = s q \varphi_2,\ z = -r s,

    L' = \frac{\sum_k u_k E_k c_k + (u\cdot A)(L + \sigma^2) + (u\cdot B)\sigma^2}{1 - u\cdot B}.

The adjoint below is the exact reverse-mode derivative of this discrete map (Sherman-Morrison
for the implicit rank-one solve), so the optimiser sees the exact gradient of what it minimises.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "forcing_weights",
    "forward",
    "mode_rates",
    "perturbed_gradients",
    "phi123",
    "substep_coefficients",
    "value_and_grad",
]

#: Below this |z| the phi functions use their Taylor series (the closed form of phi_3 loses
#: ~log10(6/|z|^3) digits to cancellation: <= 3 digits at this threshold).
_PHI_SERIES_BELOW = 0.2
#: Terms of that series: 0.2^12/14! < 1e-19, below double precision for |z| < 0.2.
_PHI_SERIES_TERMS = 12
_F = np.array([1.0 / math.factorial(j) for j in range(_PHI_SERIES_TERMS + 3)])
#: Below this |1 - D| the discrete forcing factor psi uses its series.
_PSI_SERIES_BELOW = 1e-3
#: Floor on the per-step contraction D (only reachable in full-batch GD at eta*lam = 1).
_D_FLOOR = 1e-300


@njit(cache=True)
def phi123(z):  # pragma: no cover
    r""":math:`\varphi_k(z) = \sum_{j\ge 0} z^j/(j+k)!` for ``k = 1, 2, 3``, accurately for all real z."""
    if abs(z) < _PHI_SERIES_BELOW:  # Horner on sum_j z^j / (j + k)!
        p1 = _F[_PHI_SERIES_TERMS]
        p2 = _F[_PHI_SERIES_TERMS + 1]
        p3 = _F[_PHI_SERIES_TERMS + 2]
        for j in range(_PHI_SERIES_TERMS - 1, -1, -1):
            p1 = p1 * z + _F[j + 1]
            p2 = p2 * z + _F[j + 2]
            p3 = p3 * z + _F[j + 3]
        return p1, p2, p3
    ez = math.exp(z)
    p1 = (ez - 1.0) / z
    p2 = (ez - 1.0 - z) / (z * z)
    p3 = (ez - 1.0 - z - 0.5 * z * z) / (z * z * z)
    return p1, p2, p3


@njit(cache=True)
def forcing_weights(z):  # pragma: no cover
    r"""The substep's forcing weights and their z-derivatives, accurately for all real z.

    Returns :math:`(\chi, \chi', \varphi_2, \varphi_2')` with :math:`\chi = \varphi_1 -
    \varphi_2 = (1 + (z-1)e^z)/z^2`, :math:`\chi' = ((z^2 - 2z + 2)e^z - 2)/z^3` and
    :math:`\varphi_2' = ((z-2)e^z + 2 + z)/z^3`. Written as differences of ``phi123`` these
    cancel to relative precision ``eps z^2`` when ``z`` is large and negative (a fast mode on a
    long interval: ``|z|`` reaches ``1e9`` at ``T = 1e12``), which made the adjoint gradient
    wrong in sign at long horizons; the closed forms above cancel only near ``z = 0``, where the
    series is used.
    """
    if abs(z) < _PHI_SERIES_BELOW:
        p1, p2, p3 = phi123(z)
        return p1 - p2, p1 - 2.0 * p2 + 2.0 * p3, p2, p2 - 2.0 * p3
    ez = math.exp(z)
    z2 = z * z
    z3 = z2 * z
    chi = (1.0 + (z - 1.0) * ez) / z2
    dchi = ((z2 - 2.0 * z + 2.0) * ez - 2.0) / z3
    p2 = (ez - 1.0 - z) / z2
    dp2 = ((z - 2.0) * ez + 2.0 + z) / z3
    return chi, dchi, p2, dp2


@njit(cache=True)
def mode_rates(eta, lam, im, discrete):  # pragma: no cover
    """Decay rate ``r``, forcing ``q`` and their derivatives in ``eta``: ``(r, dr, q, dq)``."""
    if not discrete:
        return 2.0 * eta * lam, 2.0 * lam, im * eta * eta * lam, 2.0 * im * eta * lam
    # x = 1 - D is formed directly: D rounded to a double loses the slow modes' decay (at
    # eta lam ~ 1e-12, r = -log(D) would carry a relative error ~1e-4, jagged in eta, and at
    # eta lam < 1e-16 no decay at all), which made L(T) jagged at 1e-8 relative at T = 1e12.
    x = eta * lam * (2.0 - (1.0 + im) * eta * lam)
    dD = -2.0 * lam + 2.0 * (1.0 + im) * eta * lam * lam
    if x > 1.0 - _D_FLOOR:
        x = 1.0 - _D_FLOOR
    D = 1.0 - x
    r = -math.log1p(-x)
    dr = -dD / D
    if abs(x) < _PSI_SERIES_BELOW:  # psi = -log(1-x)/x, dpsi/dx
        psi = 1.0 + x * (0.5 + x * (1.0 / 3.0 + x * (0.25 + x * (0.2 + x / 6.0))))
        dpsi = 0.5 + x * (2.0 / 3.0 + x * (0.75 + x * (0.8 + x * 5.0 / 6.0)))
    else:
        lg = math.log1p(-x)
        psi = -lg / x
        dpsi = (x / (1.0 - x) + lg) / (x * x)
    q0 = im * eta * eta * lam
    dq0 = 2.0 * im * eta * lam
    return r, dr, q0 * psi, dq0 * psi - q0 * dpsi * dD


@njit(cache=True)
def substep_coefficients(eta, lam, u, im, s, discrete, E, A, B, dE, dA, dB):  # pragma: no cover
    """Fill the substep propagators (and their eta-derivatives); return ``(u.A, u.B)``."""
    uA = 0.0
    uB = 0.0
    for k in range(lam.shape[0]):
        r, dr, q, dq = mode_rates(eta, lam[k], im, discrete)
        z = -r * s
        dz = -dr * s
        chi, dchi, p2, dp2 = forcing_weights(z)
        ez = math.exp(z)
        E[k] = ez
        A[k] = s * q * chi
        B[k] = s * q * p2
        dE[k] = ez * dz
        dA[k] = s * dq * chi + s * q * dchi * dz
        dB[k] = s * dq * p2 + s * q * dp2 * dz
        uA += u[k] * A[k]
        uB += u[k] * B[k]
    return uA, uB


@njit(cache=True)
def forward(lam, u, c0, eta, h, n_sub, im, sigma2, discrete, L_nodes):  # pragma: no cover
    """Integrate over all intervals; fill ``L_nodes`` (length J+1). Returns ``(c_T, ok)``.

    ``ok`` is False when an implicit solve is singular (``u.B >= 1``: an unstable rate) or the
    loss stops being finite; the remaining entries of ``L_nodes`` are then NaN.
    """
    n = lam.shape[0]
    J = eta.shape[0]
    c = c0.copy()
    E = np.empty(n)
    A = np.empty(n)
    B = np.empty(n)
    dE = np.empty(n)
    dA = np.empty(n)
    dB = np.empty(n)
    L = 0.0
    for k in range(n):
        L += u[k] * c[k]
    L_nodes[0] = L
    for j in range(J):
        s = h[j] / n_sub
        uA, uB = substep_coefficients(eta[j], lam, u, im, s, discrete, E, A, B, dE, dA, dB)
        if not uB < 1.0:
            for i in range(j + 1, J + 1):
                L_nodes[i] = np.nan
            return c, False
        P = 0.0  # u.E.c of the next substep, formed as in _advance
        for k in range(n):
            P += u[k] * E[k] * c[k]
        for r in range(n_sub):
            Ln = (P + uA * (L + sigma2) + uB * sigma2) / (1.0 - uB)
            P = 0.0
            if r < n_sub - 1:
                for k in range(n):
                    ck = E[k] * c[k] + A[k] * (L + sigma2) + B[k] * (Ln + sigma2)
                    c[k] = ck
                    P += u[k] * E[k] * ck
            else:
                for k in range(n):
                    c[k] = E[k] * c[k] + A[k] * (L + sigma2) + B[k] * (Ln + sigma2)
            L = Ln
        L_nodes[j + 1] = L
        if not math.isfinite(L):
            for i in range(j + 1, J + 1):
                L_nodes[i] = np.nan
            return c, False
    return c, True


@njit(cache=True)
def value_and_grad(
    lam, u, c0, eta, h, n_sub, im, sigma2, discrete, L_nodes, grad, C, Ls, P, uBs
):  # pragma: no cover
    """Final loss ``L(T)`` and its exact gradient w.r.t. ``eta`` (written to ``grad``).

    Returns ``(L_T, ok)``. The caller's workspace holds the state at every substep, ``C``
    ``(J n_sub + 1, n)`` and ``Ls`` ``(J n_sub + 1,)``, the propagators of every interval,
    ``P`` ``(6, J, n)``, and ``uBs`` ``(J,)``: reused across calls, it spares the
    ``(J n_sub + 6 J) n`` doubles a fresh allocation would page in on every gradient pass
    (a quarter of the CPU of a pass at J = 174, n = 324).
    """
    n = lam.shape[0]
    J = eta.shape[0]
    E, A, B, dE, dA, dB = P[0], P[1], P[2], P[3], P[4], P[5]
    L = 0.0
    for k in range(n):
        C[0, k] = c0[k]
        L += u[k] * c0[k]
    Ls[0] = L
    L_nodes[0] = L
    idx = 0
    for j in range(J):
        s = h[j] / n_sub
        Ej, Aj, Bj = E[j], A[j], B[j]
        uA, uB = substep_coefficients(
            eta[j], lam, u, im, s, discrete, Ej, Aj, Bj, dE[j], dA[j], dB[j]
        )
        uBs[j] = uB
        if not uB < 1.0:
            for i in range(j + 1, J + 1):
                L_nodes[i] = np.nan
            return np.nan, False
        idx, L = _advance(Ej, Aj, Bj, uA, uB, u, sigma2, n_sub, C, Ls, idx, L)
        L_nodes[j + 1] = L
        if not math.isfinite(L):
            for i in range(j + 1, J + 1):
                L_nodes[i] = np.nan
            return np.nan, False
    # reverse sweep: g = dL_T/dc at the current substep end
    g = u.copy()
    nu = np.empty(n)
    for j in range(J - 1, -1, -1):
        idx, grad[j] = _adjoint(
            E[j], A[j], B[j], dE[j], dA[j], dB[j], uBs[j], u, sigma2, n_sub, C, Ls, idx, g, nu
        )
    return L, True


@njit(cache=True)
def _advance(Ej, Aj, Bj, uA, uB, u, sigma2, n_sub, C, Ls, idx, L):  # pragma: no cover
    """The ``n_sub`` substeps of one interval from state row ``idx`` (loss ``L``), writing rows
    ``idx + 1 ..`` of ``C`` and ``Ls``; returns ``(idx, L)`` at the interval's end. The sum
    ``u.E.c`` of the next substep is formed as its states are written (the same terms in the
    same order: the same doubles, one pass over the modes fewer)."""
    n = u.shape[0]
    P = 0.0
    for k in range(n):
        P += u[k] * Ej[k] * C[idx, k]
    for r in range(n_sub):
        Ln = (P + uA * (L + sigma2) + uB * sigma2) / (1.0 - uB)
        P = 0.0
        if r < n_sub - 1:
            for k in range(n):
                c = Ej[k] * C[idx, k] + Aj[k] * (L + sigma2) + Bj[k] * (Ln + sigma2)
                C[idx + 1, k] = c
                P += u[k] * Ej[k] * c
        else:
            for k in range(n):
                C[idx + 1, k] = Ej[k] * C[idx, k] + Aj[k] * (L + sigma2) + Bj[k] * (Ln + sigma2)
        L = Ln
        idx += 1
        Ls[idx] = L
    return idx, L


@njit(cache=True)
def _adjoint(
    Ej, Aj, Bj, dEj, dAj, dBj, uB, u, sigma2, n_sub, C, Ls, idx, g, nu
):  # pragma: no cover
    """The reverse of :func:`_advance` over one interval ending at row ``idx``: ``g`` (``dL_T /
    dc`` there) is carried back to the interval's start; returns ``(idx, dL_T / d eta_j)``."""
    n = u.shape[0]
    gj = 0.0
    bg = 0.0
    for k in range(n):
        bg += Bj[k] * g[k]
    for r in range(n_sub):
        idx -= 1
        L0 = Ls[idx] + sigma2
        L1 = Ls[idx + 1] + sigma2
        f = bg / (1.0 - uB)
        an = 0.0
        for k in range(n):
            v = g[k] + u[k] * f
            nu[k] = v
            gj += v * (dEj[k] * C[idx, k] + dAj[k] * L0 + dBj[k] * L1)
            an += Aj[k] * v
        bg = 0.0
        if r < n_sub - 1:
            for k in range(n):
                gk = Ej[k] * nu[k] + u[k] * an
                g[k] = gk
                bg += Bj[k] * gk
        else:
            for k in range(n):
                g[k] = Ej[k] * nu[k] + u[k] * an
    return idx, gj


@njit(cache=True)
def _adjoint_weighted(Ej, Aj, Bj, uB, u, n_sub, W, idx, g, nu):  # pragma: no cover
    """:func:`_adjoint` over an interval whose states are the base pass's, with its gradient
    weights ``W[idx] = dE C[idx] + dA (Ls[idx] + sigma2) + dB (Ls[idx + 1] + sigma2)`` formed
    once (:func:`_gradient_weights`): the same operations on the same doubles, fewer of them."""
    n = u.shape[0]
    gj = 0.0
    bg = 0.0
    for k in range(n):
        bg += Bj[k] * g[k]
    for r in range(n_sub):
        idx -= 1
        f = bg / (1.0 - uB)
        an = 0.0
        for k in range(n):
            v = g[k] + u[k] * f
            nu[k] = v
            gj += v * W[idx, k]
            an += Aj[k] * v
        bg = 0.0
        if r < n_sub - 1:
            for k in range(n):
                gk = Ej[k] * nu[k] + u[k] * an
                g[k] = gk
                bg += Bj[k] * gk
        else:
            for k in range(n):
                g[k] = Ej[k] * nu[k] + u[k] * an
    return idx, gj


@njit(cache=True)
def _gradient_weights(P, sigma2, n_sub, C, Ls, W):  # pragma: no cover
    """``W[idx]`` of :func:`_adjoint_weighted` for every substep of the base pass."""
    J, n = P.shape[1], P.shape[2]
    for j in range(J):
        for r in range(n_sub):
            idx = j * n_sub + r
            L0 = Ls[idx] + sigma2
            L1 = Ls[idx + 1] + sigma2
            for k in range(n):
                W[idx, k] = P[3, j, k] * C[idx, k] + P[4, j, k] * L0 + P[5, j, k] * L1


@njit(cache=True)
def perturbed_gradients(
    lam, u, c0, eta, h, n_sub, im, sigma2, discrete, cols, steps, L_out, G_out, tail,
    C, Ls, P, uBs, C2, Ls2, Q, W,
):  # fmt: skip  # pragma: no cover
    """Exact gradients at ``eta + steps[i] e_cols[i]`` for every ``i``: the columns of a
    forward-difference Hessian, each for a fraction of a gradient pass.

    One :func:`value_and_grad` pass at ``eta`` fills the workspace (``C``, ``Ls``, ``P``,
    ``uBs``: the states at every substep and the propagators of every interval). Moving one rate
    ``eta_j`` changes only interval ``j``'s propagators and the states after it, so column ``i``
    recomputes the propagators of that one interval (into ``Q``, ``(6, n)``), integrates from
    ``t_j`` on (into ``C2``, ``Ls2``, shaped as ``C``, ``Ls``) and runs the reverse sweep over
    every interval with the stored propagators: operation for operation the arithmetic of
    :func:`value_and_grad` at the moved point, without the propagators of the ``J - 1``
    unmoved intervals (``substep_coefficients``, ~80 % of a pass) and the states before ``t_j``.

    Writes ``L_T`` of each moved schedule to ``L_out[i]`` (NaN where unstable) and its gradient
    to ``G_out[i]``; returns ``(L_T, ok)`` of the base pass (nothing written if not ok). With
    ``tail`` only the gradient's components from the moved rate on, ``G_out[i, cols[i]:]`` (the
    same doubles), are written: the reverse sweep stops at the moved interval, and the rest of
    a symmetric Hessian is the other columns' tails (:func:`~solvers.control._continuum_optimise
    ._newton_model`); the column then costs its forward and reverse passes from ``t_j`` on.
    """
    n, J = lam.shape[0], eta.shape[0]
    LT, ok = value_and_grad(lam, u, c0, eta, h, n_sub, im, sigma2, discrete, np.empty(J + 1),
                            np.empty(J), C, Ls, P, uBs)  # fmt: skip
    if not ok:
        return LT, False
    if not tail:
        _gradient_weights(P, sigma2, n_sub, C, Ls, W)  # the intervals before a moved one
    uAs = np.zeros(J)
    for j in range(J):  # u.A per interval, summed in substep_coefficients' order
        for k in range(n):
            uAs[j] += u[k] * P[1, j, k]
    g, nu = np.empty(n), np.empty(n)
    for i in range(cols.shape[0]):
        jm = cols[i]
        uAm, uBm = substep_coefficients(eta[jm] + steps[i], lam, u, im, h[jm] / n_sub, discrete,
                                        Q[0], Q[1], Q[2], Q[3], Q[4], Q[5])  # fmt: skip
        L_out[i] = np.nan
        if not uBm < 1.0:
            continue
        idx = jm * n_sub
        C2[idx] = C[idx]
        L = Ls2[idx] = Ls[idx]
        for j in range(jm, J):
            if j == jm:
                idx, L = _advance(Q[0], Q[1], Q[2], uAm, uBm, u, sigma2, n_sub, C2, Ls2, idx, L)
            else:
                idx, L = _advance(P[0, j], P[1, j], P[2, j], uAs[j], uBs[j], u, sigma2, n_sub,
                                  C2, Ls2, idx, L)  # fmt: skip
            if not math.isfinite(L):
                break
        if not math.isfinite(L):
            continue
        L_out[i] = L
        g[:] = u
        for j in range(J - 1, jm - 1 if tail else -1, -1):
            if j == jm:
                idx, G_out[i, j] = _adjoint(Q[0], Q[1], Q[2], Q[3], Q[4], Q[5], uBm, u, sigma2,
                                            n_sub, C2, Ls2, idx, g, nu)  # fmt: skip
            elif j > jm:
                idx, G_out[i, j] = _adjoint(P[0, j], P[1, j], P[2, j], P[3, j], P[4, j], P[5, j],
                                            uBs[j], u, sigma2, n_sub, C2, Ls2, idx, g, nu)  # fmt: skip
            else:
                idx, G_out[i, j] = _adjoint_weighted(P[0, j], P[1, j], P[2, j], uBs[j], u, n_sub,
                                                     W, idx, g, nu)  # fmt: skip
    return LT, True
