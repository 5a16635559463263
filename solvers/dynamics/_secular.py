r"""Eigen-decomposition of a diagonal matrix minus a rank-one term, to relative accuracy.

The constant-rate recursion on a mode grid is linear with the matrix
:math:`B = \mathrm{diag}(d) - g\,v v^\top` (:func:`solvers.dynamics.modes.constant_rate_loss`).
A dense symmetric eigensolver (LAPACK ``syevd``) computes its eigenvectors to an *absolute*
accuracy of about :math:`\epsilon \lVert B \rVert`; on a grid whose modes span 70 decades of
:math:`\lambda` (``a`` near 1, ``b = 4``, :math:`10^{18}` modes) the projections of the initial
state then carry rounding from modes whose initial errors are :math:`10^{40}` times larger, and
the loss drifts away from the recursion in proportion to ``T`` (measured: 4e-6 relative at
:math:`T = 10^6` with 2048 exact modes, 79 % at :math:`10^{11}`; benchmarks/results/claims.md,
2026-11-30i).

Here the eigenvalues come from the secular equation instead. With :math:`d` sorted increasing,
the eigenvalues interlace, :math:`\mu_i = d_i - \tau_i` with :math:`0 < \tau_i < d_i - d_{i-1}`
(:math:`\tau_0 \le g\,v^\top v`), and :math:`\tau_i` solves

.. math:: f_i(\tau) = g \sum_j \frac{v_j^2}{(d_j - d_i) + \tau} - 1 = 0,

in which every denominator is formed from exact differences of the data, so each :math:`\tau_i`
— and with it the small eigenvalues — is found to relative accuracy. The eigenvector is
:math:`q_i \propto (\mathrm{diag}(d) - \mu_i)^{-1} v`; the loss needs only the products

.. math::

    (v^\top q_i)(q_i^\top y) = \frac{1}{g}\,
    \frac{\sum_j v_j y_j / (d_j - \mu_i)}{\sum_j v_j^2 / (d_j - \mu_i)^2},
    \qquad (v^\top q_i)^2 = \frac{1}{g^2 \sum_j v_j^2/(d_j - \mu_i)^2},

sums of terms of one scale each (``y_j v_j`` is a mode's bias mass, not its huge initial error).
States with equal :math:`d` (to 1e-14 relative) are merged first: an eigenvector orthogonal to
:math:`v` in their span never reaches the loss (the deflation of divide-and-conquer solvers).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["secular_modes"]

#: Relative width at which a root's bracket counts as closed (a few ulps).
_ROOT_RTOL = 4e-16
#: Iterations per root: Newton steps that leave the bracket are replaced by bisections
#: (geometric while the bracket spans more than a factor 4), so each root converges.
_MAX_ITER = 200


@njit(cache=True)
def _roots(d, v2, m, g, tau, s1, s2):  # pragma: no cover
    """Fill ``tau[i]``, ``s1[i] = sum_j m_j/(d_j - mu_i)``, ``s2[i] = sum_j v2_j/(d_j - mu_i)^2``
    for sorted, distinct ``d``."""
    n = d.shape[0]
    total = 0.0
    for j in range(n):
        total += v2[j]
    for i in range(n):
        hi = g * total if i == 0 else d[i] - d[i - 1]
        lo = min(g * v2[i], hi) * 1e-30
        # first guess: the other states held at tau = 0 (exact in the weak-coupling limit)
        rest = 0.0
        for j in range(n):
            if j != i:
                rest += v2[j] / (d[j] - d[i])
        c = 1.0 - g * rest
        t = g * v2[i] / c if c > 0.0 else 0.5 * hi
        if not (lo < t < hi):
            t = 0.5 * hi
        a = b = 0.0
        for _ in range(_MAX_ITER):
            # f, its derivative -g b and the sum a in one pass; at convergence t moves by a few
            # ulps at most, so a and b need no pass of their own
            a = 0.0
            b = 0.0
            s = 0.0
            for j in range(n):
                x = (d[j] - d[i]) + t
                y = v2[j] / x  # (v2 / x) / x, not v2 / x^2: x^2 underflows at small rates
                s += y
                b += y / x
                a += m[j] / x
            f = g * s - 1.0
            if f > 0.0:
                lo = t
            else:
                hi = t
            if f == 0.0 or hi - lo <= _ROOT_RTOL * hi:
                break
            tn = t + f / (g * b)
            if not (lo < tn < hi):
                tn = np.sqrt(lo) * np.sqrt(hi) if hi > 4.0 * lo else 0.5 * (lo + hi)
            if abs(tn - t) <= _ROOT_RTOL * t:
                break
            t = tn
        tau[i] = t
        s1[i] = a
        s2[i] = b


def secular_modes(d, v2, m, g: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Eigenvalues of :math:`\mathrm{diag}(d) - g v v^\top` and the loss's projections.

    Parameters
    ----------
    d : ndarray, shape (n,)
        Diagonal, positive.
    v2 : ndarray, shape (n,)
        :math:`v_j^2`, positive.
    m : ndarray, shape (n,)
        :math:`v_j y_j` for the vector :math:`y` to project (a mode's bias mass).
    g : float
        Coupling, positive.

    Returns
    -------
    mu : ndarray
        Eigenvalues (of the merged states).
    bias : ndarray
        :math:`(v^\top q_i)(q_i^\top y)`.
    noise : ndarray
        :math:`(v^\top q_i)^2`.

    Examples
    --------
    Two states against ``numpy.linalg.eigh``:

    >>> d, v = np.array([1.0, 2.0]), np.array([0.3, 0.5])
    >>> mu, bias, noise = secular_modes(d, v**2, v * np.array([1.0, -2.0]), 0.7)
    >>> beta, Q = np.linalg.eigh(np.diag(d) - 0.7 * np.outer(v, v))
    >>> bool(np.allclose(mu, beta)), bool(np.allclose(noise, (Q.T @ v) ** 2))
    (True, True)
    """
    o = np.argsort(d, kind="stable")
    d, v2, m = (np.asarray(x, float)[o] for x in (d, v2, m))
    # merge states of equal d (their v-orthogonal combinations never reach the loss)
    new = np.empty(d.size, bool)
    new[0] = True
    new[1:] = np.diff(d) > 1e-14 * d[1:]
    if not new.all():
        start = np.flatnonzero(new)
        d = d[start]
        v2 = np.add.reduceat(v2, start)
        m = np.add.reduceat(m, start)
    tau, s1, s2 = np.empty(d.size), np.empty(d.size), np.empty(d.size)
    _roots(d, v2, m, float(g), tau, s1, s2)
    return d - tau, s1 / (g * s2), 1.0 / (g * g * s2)
