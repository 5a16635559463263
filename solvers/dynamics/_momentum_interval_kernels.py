r"""Compiled kernel of the long-horizon momentum dynamics: exact propagation over long intervals.

Per mode, the second moments :math:`s = (D, X, V) = (E\Delta^2, E\Delta v, Ev^2)` of the general
momentum update (:func:`solvers.dynamics.momentum_forms.general_momentum_forward`) obey, at
constant coefficients :math:`(\alpha, \gamma, \kappa = 1 - \beta, q)`, the affine recursion

.. math::

    s_{i+1} = M s_i + f\,\iota (L_i + \sigma^2), \qquad
    f = \lambda\,(s_g^2,\ -s_g q,\ q^2),\ s_g = \alpha + \gamma q,

with ``M`` the 3x3 matrix of that kernel's docstring. On an interval of ``n`` steps the loss is
taken linear in the step index between its two ends, :math:`L_i = L_0 + (L_n - L_0)\,i/n`, and
the end value is solved for (implicit, exact when ``n = 1``). Then

.. math::

    s_n = M^n s_0 + \iota (L_0 + \sigma^2) P_0 + \iota \frac{L_n - L_0}{n} P_1,\quad
    P_0 = \sum_{i<n} M^{n-1-i} f,\ P_1 = \sum_{i<n} i\,M^{n-1-i} f,

read off powers of the 5x5 matrix :math:`\begin{pmatrix} M & f & 0\\ 0 & 1 & 1\\ 0&0&1
\end{pmatrix}` (``log2 n`` squarings; see :func:`interval_forward` for the pieces). Rounding safety: every power is kept as
:math:`I + N` with :math:`N` stored (``N_{a+b} = N_a + N_b + N_a N_b``), and ``M - I`` is formed
from :math:`\kappa` and the steps directly, so a slow mode's decay (``1e-12`` per step at
``T = 1e10``) is not lost to the rounding of ``1 - small``. The block structure of ``N``
(``[[E, f, g], [0, 0, c], [0, 0, 0]]``) keeps a product at ~50 multiplications.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["interval_forward"]


@njit(cache=True)
def _compose(Ea, fa, ga, ca, Eb, fb, gb, cb, Eo, fo, go):  # pragma: no cover
    """``N_o = N_a + N_b + N_a N_b`` for the block form ``[[E, f, g], [0, 0, c], [0, 0, 0]]``.

    Returns ``c_o``; ``Eo, fo, go`` may not alias the inputs.
    """
    for i in range(3):
        fi = fa[i] + fb[i]
        gi = ga[i] + gb[i] + fa[i] * cb
        for j in range(3):
            e = Ea[i, 0] * Eb[0, j] + Ea[i, 1] * Eb[1, j] + Ea[i, 2] * Eb[2, j]
            Eo[i, j] = Ea[i, j] + Eb[i, j] + e
            fi += Ea[i, j] * fb[j]
            gi += Ea[i, j] * gb[j]
        fo[i] = fi
        go[i] = gi
    return ca + cb


@njit(cache=True)
def _step_matrix(al, ga, ka, qq, lk, im, E1, f1):  # pragma: no cover
    """``M - I`` and ``f`` of one step (closure of ``general_momentum_forward``), from kappa."""
    bt = 1.0 - ka
    s = al + ga * qq
    l2 = (1.0 + im) * lk * lk
    E1[0, 0] = -2.0 * s * lk + s * s * l2
    E1[0, 1] = -2.0 * ga * bt + 2.0 * ga * bt * s * lk
    E1[0, 2] = ga * ga * bt * bt
    E1[1, 0] = qq * lk - s * qq * l2
    E1[1, 1] = -ka - (ga * qq + s) * bt * lk
    E1[1, 2] = -ga * bt * bt
    E1[2, 0] = qq * qq * l2
    E1[2, 1] = 2.0 * bt * qq * lk
    E1[2, 2] = -ka * (2.0 - ka)
    f1[0] = s * s * lk
    f1[1] = -s * qq * lk
    f1[2] = qq * qq * lk


@njit(cache=True)
def _pieces(n, out):  # pragma: no cover
    """Split ``n`` steps into powers of two, small first: ``1, 1, 2, 4, ...``, then the rest's bits
    from high to low. Writes the exponents into ``out``; returns their count."""
    K = 0
    while (2 << K) <= n:  # 2^(K+1) <= n
        K += 1
    m = 0
    if n >= 2:
        out[0] = 0
        m = 1
    for i in range(K):  # 1 + (1 + 2 + ... + 2^(K-1)) = 2^K
        out[m] = i
        m += 1
    rest = n - (1 << K) if n >= 2 else n
    for i in range(K, -1, -1):
        if rest & (1 << i):
            out[m] = i
            m += 1
    return m


@njit(cache=True)
def _powers(PE, Pf, Pg, f1, top):  # pragma: no cover
    """The affine maps of ``2^i`` steps, ``i = 0 .. top``, by repeated squaring of the one-step
    map already in ``PE[0]`` (its source in ``f1``)."""
    Pf[0, :] = f1
    Pg[0, :] = 0.0
    c = 1.0
    for i in range(1, top + 1):
        c = _compose(
            PE[i - 1], Pf[i - 1], Pg[i - 1], c,
            PE[i - 1], Pf[i - 1], Pg[i - 1], c,
            PE[i], Pf[i], Pg[i],
        )  # fmt: skip


@njit(cache=True)
def _piece(S, Snew, E, Pf, Pg, u, L, im, sigma2, width):  # pragma: no cover
    """Advance the moments ``S`` over one piece of ``width`` steps in place, the loss feedback
    linear across it (implicit end value); returns the loss at its end (NaN when not finite
    or the implicit solve is singular)."""
    src = im * (L + sigma2)
    a_hom = 0.0  # u . (M^w s + src P0)_D
    p1 = 0.0  # u . P1_D / w
    for k in range(S.shape[0]):
        Ek = E[k]
        for i in range(3):
            acc = S[k, i] + Ek[i, 0] * S[k, 0] + Ek[i, 1] * S[k, 1] + Ek[i, 2] * S[k, 2]
            Snew[k, i] = acc + src * Pf[k, i]
        a_hom += u[k] * Snew[k, 0]
        p1 += u[k] * Pg[k, 0]
    p1 /= width
    den = 1.0 - im * p1
    Ln = (a_hom - im * L * p1) / den
    if not (den > 0.0 and math.isfinite(Ln) and Ln < 1e300):
        return np.nan
    slope = im * (Ln - L) / width
    for k in range(S.shape[0]):
        for i in range(3):
            S[k, i] = Snew[k, i] + slope * Pg[k, i]
    return Ln


@njit(cache=True)
def _interval_powers(
    j, steps, order, lam, alpha, gamma, kappa, q, im, PE, Pf, Pg, f1
):  # pragma: no cover
    """Interval ``j``'s pieces (into ``order``) and every mode's powers up to the largest;
    returns ``(number of pieces, top exponent)``."""
    npieces = _pieces(steps[j], order)
    top = 0
    for i in range(npieces):
        top = max(top, order[i])
    for k in range(lam.shape[0]):
        _step_matrix(alpha[j], gamma[j], kappa[j], q[j], lam[k], im, PE[0, k], f1)
        _powers(PE[:, k], Pf[:, k], Pg[:, k], f1, top)
    return npieces, top


@njit(cache=True)
def _start(c0, u, steps):  # pragma: no cover
    """The moments and loss at ``t = 0`` and the number of power levels the intervals need."""
    n = c0.shape[0]
    S = np.zeros((n, 3))
    S[:, 0] = c0
    L = 0.0
    for k in range(n):
        L += u[k] * c0[k]
    nmax = 1
    for j in range(steps.shape[0]):
        nmax = max(nmax, steps[j])
    K = 1
    while (1 << K) <= nmax:
        K += 1
    return S, L, K


@njit(cache=True)
def interval_forward(
    lam, u, c0, alpha, gamma, kappa, q, steps, im, sigma2, L_nodes
):  # pragma: no cover
    r"""Loss at the interval ends for coefficients constant on each interval.

    Each interval is cut into pieces of ``1, 1, 2, 4, ...`` steps (then the remainder's binary
    digits, large first), so the fast transient that follows a change of the coefficients at
    the interval's start is resolved, while the powers :math:`A^{2^i}` come from ``log2 n``
    squarings. The loss is linear in time across each piece (implicit end value).

    Parameters
    ----------
    lam, u, c0 : ndarray, shape (n,)
        Mode eigenvalues, loss weights (``weight * lam``) and initial :math:`E\Delta^2`.
    alpha, gamma, kappa, q : ndarray, shape (J,)
        Coefficients per interval (:math:`\kappa = 1 - \beta`).
    steps : ndarray of int64, shape (J,)
        Steps per interval.
    im, sigma2 : float
        :math:`\iota = 1/m` and :math:`\sigma^2`.
    L_nodes : ndarray, shape (J + 1,)
        Output: the loss at the interval ends (NaN after a failure).

    Returns
    -------
    int
        ``-1``, or the first interval whose loss is not finite (an unstable schedule) or whose
        implicit solve is singular.
    """
    return _forward(lam, u, c0, alpha, gamma, kappa, q, steps, im, sigma2, L_nodes,
                    np.empty((0, lam.shape[0], 3)))  # fmt: skip


@njit(cache=True)
def _buffers(K, n):  # pragma: no cover
    """Work arrays of one interval: powers ``(E, f, g)`` per level and mode, the one-step
    source, the pieces' exponents and a state."""
    return (np.empty((K, n, 3, 3)), np.empty((K, n, 3)), np.empty((K, n, 3)), np.empty(3),
            np.empty(2 * K + 2, dtype=np.int64), np.empty((n, 3)))  # fmt: skip


@njit(cache=True)
def _forward(
    lam, u, c0, alpha, gamma, kappa, q, steps, im, sigma2, L_nodes, S_start
):  # pragma: no cover
    """:func:`interval_forward`; records the moments at each interval's start into ``S_start``
    when it has a row per interval (the adjoint's forward pass)."""
    J = alpha.shape[0]
    S, L, K = _start(c0, u, steps)
    L_nodes[0] = L
    PE, Pf, Pg, f1, order, Snew = _buffers(K, lam.shape[0])
    for j in range(J):
        if S_start.shape[0] == J:
            S_start[j] = S
        npieces, _ = _interval_powers(j, steps, order, lam, alpha, gamma, kappa, q, im,
                                      PE, Pf, Pg, f1)  # fmt: skip
        for ip in range(npieces):
            e = order[ip]
            L = _piece(S, Snew, PE[e], Pf[e], Pg[e], u, L, im, sigma2, float(1 << e))
            if not math.isfinite(L):
                for i in range(j + 1, J + 1):
                    L_nodes[i] = np.nan
                return j
        L_nodes[j + 1] = L
    return -1
