r"""Reverse-mode (adjoint) gradient of the long-horizon momentum loss through the interval kernel.

:func:`interval_gradient` returns :math:`\partial L(T)/\partial(\alpha_j, \gamma_j, \kappa_j,
q_j)` for every interval ``j`` of :func:`~solvers.dynamics._momentum_interval_kernels.
interval_forward`, exact for the discretised loss (to rounding), at the cost of a few loss
evaluations whatever the number of parameters: the forward pass records the moments at the
interval starts; the backward pass, interval by interval from the last, recomputes that
interval's matrix powers and pieces and runs their adjoints:

* a piece (:func:`~solvers.dynamics._momentum_interval_kernels._piece`):
  :math:`\tilde s = s + E s + \iota(L + \sigma^2) P_f`,
  :math:`L' = (u\cdot\tilde s_D - \iota L p_1)/(1 - \iota p_1)`,
  :math:`s' = \tilde s + \iota (L' - L)/w\,P_g`, :math:`p_1 = u\cdot P_{g,D}/w`;
* a squaring of the block form ``N = [[E, f, g], [0, 0, c], [0, 0, 0]]``:
  :math:`E' = 2E + E^2`, :math:`f' = 2f + Ef`, :math:`g' = 2g + cf + Eg`, whose adjoints are
  :math:`\bar E \mathrel{+}= 2\bar E' + \bar E' E^\top + E^\top \bar E' + \bar f' f^\top +
  \bar g' g^\top`, :math:`\bar f \mathrel{+}= 2\bar f' + E^\top \bar f' + c\,\bar g'`,
  :math:`\bar g \mathrel{+}= 2\bar g' + E^\top \bar g'`;
* the one-step map (:func:`~solvers.dynamics._momentum_interval_kernels._step_matrix`), whose
  derivatives in :math:`(\alpha, \gamma, \kappa, q)` are written out in :func:`_step_adjoint`.

``tests/test_momentum_longrun_adjoint.py`` holds the gradient against central differences of the
loss (and of the parameters' log-loss) and shows that a dropped term fails.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._momentum_interval_kernels import (
    _buffers,
    _forward,
    _interval_powers,
    _piece,
    _start,
)

__all__ = ["interval_gradient"]


@njit(cache=True)
def _step_adjoint(al, ga, ka, qq, lk, im, Eb, fb, out):  # pragma: no cover
    """Add the adjoint of one mode's one-step map (``Eb`` for ``M - I``, ``fb`` for ``f``) to
    ``out = (alpha, gamma, kappa, q)``-bars (the derivatives of :func:`_step_matrix`)."""
    bt = 1.0 - ka
    s = al + ga * qq
    l2 = (1.0 + im) * lk * lk
    sb = (
        Eb[0, 0] * (-2.0 * lk + 2.0 * s * l2)
        + Eb[0, 1] * 2.0 * ga * bt * lk
        - Eb[1, 0] * qq * l2
        - Eb[1, 1] * bt * lk
        + fb[0] * 2.0 * s * lk
        - fb[1] * qq * lk
    )
    gb = (
        Eb[0, 1] * (-2.0 * bt + 2.0 * bt * s * lk)
        + Eb[0, 2] * 2.0 * ga * bt * bt
        - Eb[1, 1] * qq * bt * lk
        - Eb[1, 2] * bt * bt
    )
    btb = (
        Eb[0, 1] * (-2.0 * ga + 2.0 * ga * s * lk)
        + Eb[0, 2] * 2.0 * ga * ga * bt
        - Eb[1, 1] * (ga * qq + s) * lk
        - Eb[1, 2] * 2.0 * ga * bt
        + Eb[2, 1] * 2.0 * qq * lk
    )
    qb = (
        Eb[1, 0] * (lk - s * l2)
        - Eb[1, 1] * ga * bt * lk
        + Eb[2, 0] * 2.0 * qq * l2
        + Eb[2, 1] * 2.0 * bt * lk
        - fb[1] * s * lk
        + fb[2] * 2.0 * qq * lk
    )
    kb = -Eb[1, 1] - Eb[2, 2] * (2.0 - 2.0 * ka) - btb
    out[0] += sb
    out[1] += gb + sb * qq
    out[2] += kb
    out[3] += qb + sb * ga


@njit(cache=True)
def _powers_adjoint(PE, Pf, Pg, PEb, Pfb, Pgb, top):  # pragma: no cover
    """Back through the squarings of :func:`_powers` (one mode): the bars of level ``i`` are
    added into level ``i - 1``, down to level 0 (the one-step map)."""
    c = float(1 << (top - 1)) if top > 0 else 1.0
    for i in range(top, 0, -1):
        E, f, g = PE[i - 1], Pf[i - 1], Pg[i - 1]
        Eo, fo, go = PEb[i], Pfb[i], Pgb[i]
        for a in range(3):
            fsum = 2.0 * fo[a] + c * go[a]
            gsum = 2.0 * go[a]
            for r in range(3):
                fsum += E[r, a] * fo[r]
                gsum += E[r, a] * go[r]
                acc = 2.0 * Eo[a, r] + fo[a] * f[r] + go[a] * g[r]
                for m in range(3):
                    acc += Eo[a, m] * E[r, m] + E[m, a] * Eo[m, r]
                PEb[i - 1, a, r] += acc
            Pfb[i - 1, a] += fsum
            Pgb[i - 1, a] += gsum
        c *= 0.5


@njit(cache=True)
def _piece_adjoint(
    S0, L0, Ln, E, Pf, Pg, u, im, sigma2, width, Sb, Lb, Eb, Pfb, Pgb
):  # pragma: no cover
    """Back through one :func:`_piece` from ``S0, L0`` to ``Ln``: ``Sb`` (the bar of the state
    after the piece) becomes the bar of ``S0`` in place, ``Eb, Pfb, Pgb`` (the bars of the
    piece's power) are added to; takes the bar of ``Ln`` and returns that of ``L0``."""
    src = im * (L0 + sigma2)
    p1 = 0.0
    slope_b = 0.0
    for k in range(S0.shape[0]):
        p1 += u[k] * Pg[k, 0]
        for i in range(3):
            slope_b += Sb[k, i] * Pg[k, i]
    p1 /= width
    den = 1.0 - im * p1
    slope = im * (Ln - L0) / width
    Ln_b = Lb + slope_b * im / width
    L0_b = -slope_b * im / width - im * p1 / den * Ln_b
    ahom_b = Ln_b / den
    p1_b = Ln_b * im * (Ln - L0) / den
    src_b = 0.0
    for k in range(S0.shape[0]):
        Ek = E[k]
        for i in range(3):
            Pgb[k, i] += slope * Sb[k, i]
        Pgb[k, 0] += p1_b * u[k] / width
        Sb[k, 0] += ahom_b * u[k]  # now the bar of the state before the slope term
        for i in range(3):
            src_b += Sb[k, i] * Pf[k, i]
            Pfb[k, i] += src * Sb[k, i]
            for j in range(3):
                Eb[k, i, j] += Sb[k, i] * S0[k, j]
        b0, b1, b2 = Sb[k, 0], Sb[k, 1], Sb[k, 2]
        for j in range(3):
            Sb[k, j] += Ek[0, j] * b0 + Ek[1, j] * b1 + Ek[2, j] * b2
    return L0_b + im * src_b


@njit(cache=True)
def interval_gradient(
    lam, u, c0, alpha, gamma, kappa, q, steps, im, sigma2, L_nodes, grad
):  # pragma: no cover
    r"""Loss at the interval ends and the gradient of the last one in the coefficients.

    Parameters are those of :func:`~solvers.dynamics._momentum_interval_kernels.
    interval_forward`; ``grad`` (shape ``(4, J)``) receives
    :math:`\partial L(T)/\partial(\alpha_j, \gamma_j, \kappa_j, q_j)`.

    Returns
    -------
    int
        ``-1``, or the first failed interval (``grad`` is then left at zero).
    """
    n, J = lam.shape[0], alpha.shape[0]
    grad[:, :] = 0.0
    S_start = np.empty((J, n, 3))  # the state at each interval's start
    fail = _forward(lam, u, c0, alpha, gamma, kappa, q, steps, im, sigma2, L_nodes, S_start)
    if fail >= 0:
        return fail
    K = _start(c0, u, steps)[2]
    PE, Pf, Pg, f1, order, Snew = _buffers(K, n)
    PEb = np.empty((K, n, 3, 3))
    Pfb = np.empty((K, n, 3))
    Pgb = np.empty((K, n, 3))
    Sp = np.empty((2 * K + 3, n, 3))  # the state before each piece of one interval
    Lp = np.empty(2 * K + 3)
    Sb = np.zeros((n, 3))
    Lb = 1.0
    g4 = np.empty(4)
    for j in range(J - 1, -1, -1):  # backward: recompute the interval, then its adjoint
        npieces, top = _interval_powers(j, steps, order, lam, alpha, gamma, kappa, q, im,
                                        PE, Pf, Pg, f1)  # fmt: skip
        Sp[0] = S_start[j]
        Lp[0] = L_nodes[j]
        for ip in range(npieces):
            e = order[ip]
            Sp[ip + 1] = Sp[ip]
            Lp[ip + 1] = _piece(Sp[ip + 1], Snew, PE[e], Pf[e], Pg[e], u, Lp[ip], im, sigma2,
                                float(1 << e))  # fmt: skip
        PEb[: top + 1] = 0.0
        Pfb[: top + 1] = 0.0
        Pgb[: top + 1] = 0.0
        for ip in range(npieces - 1, -1, -1):
            e = order[ip]
            Lb = _piece_adjoint(Sp[ip], Lp[ip], Lp[ip + 1], PE[e], Pf[e], Pg[e], u, im, sigma2,
                                float(1 << e), Sb, Lb, PEb[e], Pfb[e], Pgb[e])  # fmt: skip
        g4[:] = 0.0
        for k in range(n):
            _powers_adjoint(PE[:, k], Pf[:, k], Pg[:, k], PEb[:, k], Pfb[:, k], Pgb[:, k], top)
            _step_adjoint(alpha[j], gamma[j], kappa[j], q[j], lam[k], im, PEb[0, k], Pfb[0, k], g4)
        for i in range(4):
            grad[i, j] = g4[i]
    return -1
