r"""A projected (two-metric) limited-memory BFGS run on a box, without ``scipy.optimize``.

One run of :func:`projected_lbfgs_run` is what one SciPy L-BFGS-B run is to the bounded driver
:func:`~solvers.control._lbfgsb.minimize_box` (``options.optimiser = "projected"``): it minimises
:math:`f(x)` over :math:`0 \le x \le u` in the driver's scaled variables, tests the caller's KKT
measure after every iteration and reports how it stopped; the driver owns the restarts, the
scaling and the statuses of :data:`~solvers.control.result.STATUS_MESSAGES`. It exists so that
small problems (the study's, 100 block rates) need no import of ``scipy.optimize``.

**Method** (Bertsekas' two-metric projection, *SIAM J. Control Optim.* 20 (1982) 221, with a
quasi-Newton metric as in Kelley, *Iterative Methods for Optimization*, 1999, §5.5):

* the **active set** :math:`A` holds the variables within :math:`\epsilon` of a bound whose
  gradient pushes them outward, :math:`\epsilon = \min(\epsilon_0, \|x - P(x - g)\|_2)`
  (:math:`P` the projection on the box); the others are free (:math:`F`);
* the **direction** on the free variables is the quasi-Newton step of the problem restricted
  to them, :math:`d_F = -(B_{FF})^{-1} g_F`, with :math:`B` the L-BFGS approximation of the
  Hessian from the last ``memory`` pairs (compact form, Byrd, Nocedal & Schnabel 1994; see
  :meth:`_Memory.reduced_solve`; a principal block of a positive definite matrix is positive
  definite, so :math:`d_F` descends), and a scaled gradient step :math:`d_A = -\gamma\, g_A` on
  the active ones (:math:`\gamma = s^T y / y^T y` of the newest pair; with no bound active
  :math:`d = -H g` by the two-loop recursion, :math:`H_0 = \gamma I`, Nocedal & Wright Alg. 7.4);
* the **line search** backtracks along the projected arc :math:`x(\alpha) = P(x + \alpha d)` from
  :math:`\alpha = 1` (first iteration: :math:`1/\|d\|_2`, as L-BFGS-B) until Bertsekas'
  Armijo condition
  :math:`f(x) - f(x(\alpha)) \ge \sigma\,[\alpha \sum_F -g_i d_i + \sum_A g_i (x_i - x_i(\alpha))]`
  holds, by safeguarded quadratic interpolation; a point where ``fg`` gives no gradient counts
  as a failed trial;
* the **update** stores the full step :math:`s` and gradient change :math:`y` (as L-BFGS-B
  does), skipped when :math:`s^T y \le \epsilon_{mach}\, y^T y` (no positive curvature along
  the step, which an Armijo search alone does not guarantee).

Measured on the way (benchmarks/results/speed.md, 2026-12-01u): the free block
:math:`H_{FF}` of the inverse approximation in place of :math:`(B_{FF})^{-1}` is not the
reduced problem's quasi-Newton step and converged linearly once the active set was found (a
coupled 6-variable box QP: 40 iterations to KKT 2e-7, against 7). With that step, a dense BFGS
matrix instead of 20 pairs ended the hard per-step T = 300 problem (period-2 optimum) at the
5000-iteration limit with KKT 2.5e-3, where 20 pairs converged in 1438 iterations (with
:math:`(B_{FF})^{-1}`: 1383; L-BFGS-B: 1329); a dense matrix with the right step was not tried.
Limited memory, as L-BFGS-B's, costs O(m n) per iteration.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["projected_lbfgs_run"]

#: Largest active-set margin (in the driver's scaled variables, where a rate is ~1).
EPS_ACTIVE = 1e-3
#: Sufficient-decrease constant of the Armijo condition.
ARMIJO = 1e-4
#: Bounds of a backtracking step as fractions of the last trial (quadratic interpolation
#: safeguarded to this interval; a failed evaluation takes the smallest).
SHRINK_MIN, SHRINK_MAX = 0.1, 0.5
#: Machine epsilon: an update with s^T y at most this times y^T y is skipped.
EPS_MACH = np.finfo(float).eps


class _Memory:
    """The last ``size`` curvature pairs ``(s, y, 1 / s^T y)`` of the L-BFGS approximation."""

    def __init__(self, size: int) -> None:
        self.size, self.pairs = size, []

    def push(self, s: np.ndarray, y: np.ndarray) -> float | None:
        """Store the pair; its ``gamma = s^T y / y^T y``, or ``None`` when it is skipped."""
        sy, yy = float(s @ y), float(y @ y)
        if not sy > EPS_MACH * yy or yy == 0.0:
            return None
        self.pairs.append((s, y, 1.0 / sy))
        if len(self.pairs) > self.size:
            self.pairs.pop(0)
        return sy / yy

    def apply(self, q: np.ndarray, gamma: float) -> np.ndarray:
        """``H q`` by the two-loop recursion with ``H_0 = gamma I`` (all variables free)."""
        q = q.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):
            a = rho * float(s @ q)
            alphas.append(a)
            q -= a * y
        r = gamma * q
        for (s, y, rho), a in zip(self.pairs, reversed(alphas), strict=True):
            r += (a - rho * float(y @ r)) * s
        return r

    def reduced_solve(self, g: np.ndarray, free: np.ndarray, gamma: float) -> np.ndarray:
        r"""``(B_FF)^{-1} g_F``: the inverse of the free variables' block of the L-BFGS Hessian
        approximation :math:`B = \theta I - W M W^T` (compact form, Byrd, Nocedal & Schnabel
        1994; :math:`\theta = 1/\gamma`, :math:`W = [Y, \theta S]`,
        :math:`M^{-1} = [[-D, L^T], [L, \theta S^T S]]`), by Sherman-Morrison-Woodbury:
        :math:`(B_{FF})^{-1} = I/\theta + W_F K^{-1} W_F^T/\theta^2`,
        :math:`K = M^{-1} - W_F^T W_F/\theta` (a ``2m x 2m`` solve). Not the free block of
        :math:`H = B^{-1}`, whose step is not the reduced problem's quasi-Newton step (measured:
        linear convergence on a coupled quadratic whose active set was already found)."""
        if free.all():
            return self.apply(g, gamma)
        S = np.array([p[0] for p in self.pairs])  # k x n, oldest first
        Y = np.array([p[1] for p in self.pairs])
        k, theta = len(self.pairs), 1.0 / gamma
        SY = S @ Y.T  # (i, j) = s_i^T y_j
        m_inv = np.empty((2 * k, 2 * k))
        m_inv[:k, :k] = -np.diag(np.diag(SY))
        m_inv[k:, :k] = np.tril(SY, -1)
        m_inv[:k, k:] = m_inv[k:, :k].T
        m_inv[k:, k:] = theta * (S @ S.T)
        WF = np.concatenate([Y[:, free], theta * S[:, free]])  # W_F^T, 2k x n_F
        gF = g[free]
        try:
            z = np.linalg.solve(m_inv - (WF @ WF.T) / theta, WF @ gF)
        except np.linalg.LinAlgError:  # a singular K: the scaled gradient step
            return gamma * gF
        return gF / theta + (z @ WF) / theta**2


def _direction(x, g, u, memory: _Memory, gamma):
    """Two-metric direction ``d`` and the free mask: quasi-Newton on the free variables,
    ``-gamma g`` on the active ones."""
    eps = min(EPS_ACTIVE, float(np.linalg.norm(x - np.clip(x - g, 0.0, u))))
    active = ((x <= eps) & (g > 0)) | ((x >= u - eps) & (g < 0))
    free = ~active
    d = -gamma * g
    if memory.pairs and free.any():
        d[free] = -memory.reduced_solve(g, free, gamma)
    return d, free


def _search(fx, x, f, g, d, free, u, alpha, maxls):
    """Backtracking Armijo search on the projected arc; ``(x, f, g, evaluations)`` of the
    accepted point, or ``(None, None, None, evaluations)`` after ``maxls`` failed trials."""
    slope = float(g[free] @ d[free])  # < 0: the free part descends
    for n in range(1, maxls + 1):
        xa = np.clip(x + alpha * d, 0.0, u)
        pred = alpha * -slope + float(g[~free] @ (x[~free] - xa[~free]))
        fa, ga = fx(xa)
        if ga is not None and fa <= f - ARMIJO * pred:
            return xa, fa, ga, n
        if ga is None or not math.isfinite(fa):
            alpha *= SHRINK_MIN
            continue
        # minimiser of the quadratic through f, the slope along the arc's start, and fa
        lin = -pred
        den = 2.0 * (fa - f - lin)
        t = -lin / den if den > 0 else SHRINK_MAX
        alpha *= min(max(t, SHRINK_MIN), SHRINK_MAX)
    return None, None, None, maxls


def projected_lbfgs_run(
    fx: Callable[[np.ndarray], tuple[float, np.ndarray | None]],
    x0: np.ndarray,
    f0: float,
    g0: np.ndarray,
    u: np.ndarray,
    *,
    budget: int,
    maxfun: int,
    maxls: int,
    memory: int,
    stop: Callable[[int, np.ndarray, float, np.ndarray], bool],
) -> tuple[np.ndarray, int, bool, str]:
    r"""Minimise ``f`` over ``0 <= x <= u`` from ``x0`` (where ``f0, g0`` were evaluated).

    Parameters
    ----------
    fx : callable
        ``fx(x) -> (f, g)``, ``g = None`` where ``f`` cannot be evaluated.
    x0, g0 : ndarray, shape (n,)
        Start (inside the box) and the gradient there; ``f0`` the objective.
    u : ndarray, shape (n,)
        Upper bounds (lower bounds 0), positive.
    budget, maxfun, maxls : int
        Iteration limit, evaluation limit, trials per line search.
    memory : int
        Curvature pairs kept (L-BFGS memory).
    stop : callable
        ``stop(iteration, x, f, g) -> bool`` after every accepted iteration (the caller's KKT
        test and progress report); ``True`` ends the run.

    Returns
    -------
    x : ndarray
        The last accepted iterate.
    iterations : int
    stalled : bool
        The run ended by its own test (no decrease left at working precision) rather than by a
        failed line search or the evaluation limit.
    message : str
        What ended the run.

    Examples
    --------
    A convex quadratic whose minimum :math:`(2, 0.5)` lies outside the box :math:`[0, 1]^2`
    ends at :math:`(1, 0.5)`:

    >>> fg = lambda x: (float((x[0] - 2) ** 2 + 10 * (x[1] - 0.5) ** 2),
    ...                 np.array([2 * (x[0] - 2), 20 * (x[1] - 0.5)]))
    >>> x0 = np.zeros(2)
    >>> x, it, stalled, msg = projected_lbfgs_run(
    ...     fg, x0, *fg(x0), np.ones(2), budget=50, maxfun=200, maxls=20, memory=5,
    ...     stop=lambda i, x, f, g: abs(np.clip(x - g, 0, 1) - x).sum() < 1e-12)
    >>> np.round(x, 9).tolist(), msg
    ([1.0, 0.5], 'the stop test passed')
    """
    x, f, g = x0, f0, g0
    pairs, gamma = _Memory(memory), 1.0
    nfev = 0
    for it in range(1, budget + 1):
        d, free = _direction(x, g, u, pairs, gamma)
        if not float(g[free] @ d[free]) < 0.0 and not np.any(np.clip(x + d, 0.0, u) != x):
            return x, it - 1, True, "no descent direction left at working precision"
        alpha = 1.0 if pairs.pairs else 1.0 / max(float(np.linalg.norm(d)), 1e-300)
        xn, fn, gn, n = _search(fx, x, f, g, d, free, u, min(alpha, 1.0), maxls)
        nfev += n
        if xn is None:
            return x, it - 1, False, "the line search found no decrease"
        if not fn < f:
            return xn, it, True, "no decrease at working precision"
        gam = pairs.push(xn - x, gn - g)
        gamma = gam if gam is not None else gamma
        x, f, g = xn, fn, gn
        if stop(it, x, f, g):
            return x, it, False, "the stop test passed"
        if nfev >= maxfun:
            return x, it, False, "evaluation limit reached"
    return x, budget, False, "iteration limit reached"
