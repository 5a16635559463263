r"""Projected truncated Newton on a box with a two-level (coarse-block) preconditioner.

The per-step momentum problems (``k T`` controls) end bang-bang in the friction: hundreds of
controls switch between a bound and the interior. SciPy's TNC (:mod:`._truncated_newton`) is an
active-set method that frees at most one bound per iteration and truncates each step at the
first bound it meets, and its Hessian (differences of the exact gradient) carries a dense,
smooth coupling between distant steps (benchmarks/results/momentum.md, 2026-11-30k §2).
:func:`projected_newton_box` treats both:

* **Active set by projection** (Bertsekas' two-metric projected Newton): a control within
  ``eps`` of a bound whose gradient pushes it outward is held (moved by a scaled gradient step,
  then projected); the others take a Newton step; the line search is along the projected arc
  :math:`P(y + \alpha d)`, so one iteration can fix or free any number of bounds.
* **Two-level preconditioner** for the conjugate gradients on the free controls: with ``P`` the
  prolongation of ``K`` equal blocks per control row (piecewise constant) and ``Z = H P`` (``k K``
  Hessian-vector products, refreshed every ``refresh`` iterations), the balancing preconditioner

  .. math::

      M^{-1} = (I - Q Z^T)(I - Z Q^T) + Q P^T, \qquad Q = P H_c^{-1}, \quad H_c = P^T Z,

  which solves the smooth (coarse) part exactly and leaves the rest in the caller's units.
  ``blocks=0`` gives unpreconditioned CG (the same method without the coarse level).

Measured (benchmarks/results/momentum.md, 2026-12-01e): on the per-step problems the reduced
Hessian is indefinite until the path reaches a convex region (CG meets negative curvature,
confirmed by central differences, in 79-99 % of the Newton iterations of the SGD, heavy-ball
and Nesterov solves at T = 1e3 and SGD's at 1e4), so the finish is mostly a preconditioned
gradient method there. Two variants are options, neither faster on every case:
``trust=True`` (Steihaug-Toint CG in a trust region, which follows negative curvature to the
boundary) and ``forcing_norm="l1"`` (CG's forcing test in the KKT sum's norm).

Hessian-vector products are forward differences of the exact gradient in the scaled variables
``y = (theta - lo)/s`` (``s = scale(theta)``, refreshed every iteration). Returns the bounded
drivers' :class:`~solvers.control._lbfgsb.BoxResult` (``iterations`` = evaluations of ``fg``;
``runs`` = Newton iterations); statuses of :data:`~solvers.control.result.STATUS_MESSAGES`:
0 converged, 1 evaluation limit, 4 stalled (the line search found no decrease).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._lbfgsb import BoxResult
from ._threads import single_threaded_blas
from .result import STATUS_MESSAGES

__all__ = ["projected_newton_box"]

#: Conjugate-gradient products per Newton step.
MAX_CG = 100
#: Newton iterations between two refreshes of the coarse level.
REFRESH = 5
#: Largest active-set margin ``eps`` (in the scaled variables).
EPS_MAX = 1e-3
#: Floor of the Jacobi fine level's diagonal, relative to its largest entry (controls the
#: loss does not see have a zero diagonal).
DIAGONAL_FLOOR = 1e-10
#: Evaluations charged for one call of ``diagonal`` (a forward and reverse pass, the costate
#: sweep and the compiled second derivatives: measured 3.0 (T = 1e3) and 3.4 (T = 1e4)
#: gradient evaluations of CPU, Nesterov; rounded up).
DIAGONAL_COST = 4
#: Armijo constant and the backtracking factor and cap of the projected line search.
ARMIJO, BACKTRACK, MAX_BACKTRACK = 1e-4, 0.5, 40


class _Counter:
    """``fg`` with an evaluation count; ``(f, None)`` where it cannot be evaluated."""

    def __init__(self, fg):
        self.fg, self.used = fg, 0

    def __call__(self, theta):
        self.used += 1
        f, g = self.fg(theta)
        return (math.inf, None) if g is None or not math.isfinite(f) else (f, np.array(g))


def _coarse(hvp, free, rows: int, blocks: int):
    """``(P, Z, Hc^{-1})`` of the coarse level on the free controls (``None`` if no block)."""
    n = free.size
    T = n // rows
    edges = np.linspace(0, T, blocks + 1).round().astype(int)
    col = (np.arange(n) // T) * blocks + np.searchsorted(edges, np.arange(n) % T, "right") - 1
    P = np.zeros((n, rows * blocks))
    P[np.arange(n), col] = free
    P = P[:, P.sum(axis=0) > 0]
    if P.shape[1] == 0:
        return None
    Z = np.column_stack([hvp(p) for p in P.T])
    Hc = P.T @ Z
    w, V = np.linalg.eigh(0.5 * (Hc + Hc.T))
    w = np.maximum(np.abs(w), 1e-12 * max(np.abs(w).max(), 1e-300))
    return P, Z, (V / w) @ V.T


def _preconditioner(level, free, dinv):
    """``M^{-1}`` on the free controls: balancing with the fine level ``dinv`` (the inverse
    diagonal, or ones), or ``dinv`` alone without a coarse level."""
    dinv = dinv[free]
    if level is None:
        return lambda r: dinv * r
    P, Z, Hci = level[0][free], level[1][free], level[2]
    Q = P @ Hci

    def apply(r):
        y = dinv * (r - Z @ (Q.T @ r))
        return y - Q @ (Z.T @ y) + Q @ (P.T @ r)

    return apply


#: Norms of the CG forcing test: ``"l2"``, or ``"l1"``, the norm of the KKT sum itself.
NORMS = {"l2": np.linalg.norm, "l1": lambda v: float(np.abs(v).sum())}


def _cg_start(g, precond, norm):
    """Preconditioned CG's start for ``H d = -g``: ``(d, r, z, p, rz, forcing)``, with the
    forcing tolerance ``min(0.5, sqrt|g|) |g|`` in ``norm`` (both CG variants' stopping test)."""
    d, r = np.zeros_like(g), -g
    z = precond(r)
    gnorm = norm(g)
    return d, r, z, z.copy(), r @ z, min(0.5, math.sqrt(gnorm)) * gnorm


def _cg(hvp, g, precond, max_cg, norm=np.linalg.norm, curvature=False):
    """Truncated preconditioned CG for ``H d = -g`` (``d`` descent; stops on negative curvature
    or the forcing test ``|r| <= min(0.5, sqrt|g|) |g|`` in ``norm``); returns ``(d, products,
    exit)``, ``exit`` one of ``"negative curvature"``, ``"forcing"``, ``"limit"``. With
    ``curvature`` a negative-curvature exit after the first product adds the direction of
    negative curvature, downhill and as long as the step so far (:func:`_with_curvature`)."""
    d, r, z, p, rz, forcing = _cg_start(g, precond, norm)
    for it in range(max_cg):
        Hp = hvp(p)
        curv = p @ Hp
        if not curv > 0:
            if it and curvature:
                d = _with_curvature(d, p, g)
            return (d if it else z), it + 1, "negative curvature"
        a = rz / curv
        d += a * p
        r -= a * Hp
        if norm(r) <= forcing:
            return d, it + 1, "forcing"
        z = precond(r)
        rz_new = r @ z
        p = z + (rz_new / rz) * p
        rz = rz_new
    return d, max_cg, "limit"


def _with_curvature(d, p, g):
    """``d + tau p``: the direction ``p`` of negative curvature turned downhill (``g p <= 0``)
    and scaled to ``|d|`` (2-norm of the scaled variables); the line search sets the length."""
    pn = float(np.linalg.norm(p))
    if pn == 0.0:
        return d
    return d - math.copysign(float(np.linalg.norm(d)) / pn, g @ p) * p


def _to_boundary(d, p, dMp, pMp, dMd, radius):
    """``d + tau p`` with ``tau >= 0`` and ``|d + tau p|_M = radius``, from the ``M``-inner
    products ``dMp = d M p``, ``pMp``, ``dMd`` (``|d|_M <= radius``)."""
    gap = max(radius * radius - dMd, 0.0)
    tau = (math.sqrt(dMp * dMp + pMp * gap) - dMp) / pMp if pMp > 0 else 0.0
    return d + tau * p


def _steihaug_cg(hvp, g, precond, max_cg, radius, norm=np.linalg.norm):
    """Steihaug-Toint truncated CG for ``min g d + d H d / 2`` subject to ``|d|_M <= radius``
    (``M`` the inverse of the preconditioner; the norms from the CG recurrences, Conn, Gould &
    Toint, *Trust-Region Methods*, alg. 7.5.1). Where :func:`_cg` stops short on negative
    curvature, this goes on along the direction to the boundary; it also stops there.
    Returns ``(d, products, exit, |d|_M)``, ``exit`` as :func:`_cg`'s or ``"boundary"``."""
    d, r, z, p, rz, forcing = _cg_start(g, precond, norm)
    dMd, dMp, pMp = 0.0, 0.0, rz
    for it in range(max_cg):
        Hp = hvp(p)
        curv = p @ Hp
        if not curv > 0:
            return _to_boundary(d, p, dMp, pMp, dMd, radius), it + 1, "negative curvature", radius
        a = rz / curv
        if dMd + 2 * a * dMp + a * a * pMp >= radius * radius:
            return _to_boundary(d, p, dMp, pMp, dMd, radius), it + 1, "boundary", radius
        d += a * p
        dMd += 2 * a * dMp + a * a * pMp
        r -= a * Hp
        if norm(r) <= forcing:
            return d, it + 1, "forcing", math.sqrt(dMd)
        z = precond(r)
        rz_new = r @ z
        b = rz_new / rz
        dMp = b * (dMp + a * pMp)
        pMp = rz_new + b * b * pMp
        p = z + b * p
        rz = rz_new
    return d, max_cg, "limit", math.sqrt(dMd)


class _Step:
    """The Newton direction on the free controls: :func:`_cg` (stops short on negative
    curvature), or with ``trust`` :func:`_steihaug_cg` with a radius that starts at the
    ``M``-norm of the first preconditioned gradient step, doubles after a full step to the
    boundary and shrinks to the accepted step otherwise; ``forcing_norm`` (``NORMS``) the norm
    of the CG forcing test."""

    def __init__(self, max_cg: int, trust: bool, forcing_norm: str, curvature: bool = False):
        if forcing_norm not in NORMS:
            raise ValueError(f"forcing_norm must be one of {tuple(NORMS)}, got {forcing_norm!r}")
        self.max_cg, self.trust, self.norm = max_cg, trust, NORMS[forcing_norm]
        self.curvature = curvature
        self.radius, self.dnorm = None, 0.0

    def __call__(self, hvp, g, precond):
        """``(d, products, exit)``."""
        if not self.trust:
            return _cg(hvp, g, precond, self.max_cg, self.norm, self.curvature)
        if self.radius is None:
            self.radius = math.sqrt(max(g @ precond(g), 0.0))
        d, n, why, self.dnorm = _steihaug_cg(hvp, g, precond, self.max_cg, self.radius, self.norm)
        return d, n, why

    def accepted(self, a: float) -> None:
        """Update the radius after a step of length ``a`` along the direction was accepted."""
        if self.trust:
            full = a == 1.0 and self.dnorm >= self.radius
            self.radius = 2.0 * self.radius if full else min(self.radius, a * self.dnorm)


def projected_newton_box(*args, **kwargs) -> BoxResult:
    """:func:`_projected_newton_box` with one BLAS thread (its small dense products thrash a
    shared machine's threads: the preconditioner cost as much as an evaluation at T = 1e4)."""
    with single_threaded_blas():
        return _projected_newton_box(*args, **kwargs)


def _projected_newton_box(
    fg: Callable[[np.ndarray], tuple[float, np.ndarray | None]],
    theta0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    scale: Callable[[np.ndarray], np.ndarray],
    kkt: Callable[[np.ndarray, np.ndarray], float],
    tol: float,
    maxfun: int,
    rows: int = 1,
    blocks: int = 16,
    refresh: int = REFRESH,
    max_cg: int = MAX_CG,
    diagonal: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    trust: bool = False,
    forcing_norm: str = "l2",
    trace: list | None = None,
    max_step: float | None = None,
    curvature: bool = False,
) -> BoxResult:
    """Minimise ``f`` over ``lo <= theta <= hi`` by projected truncated Newton until ``kkt <= tol``.

    ``fg``, ``scale``, ``kkt``, ``tol``, ``maxfun`` as in
    :func:`~solvers.control._truncated_newton.truncated_newton_box`; ``theta`` holds ``rows``
    rows of ``T`` steps (the coarse level's blocks are per row); ``blocks`` equal blocks per row
    (0: no coarse level), refreshed every ``refresh`` Newton iterations; ``diagonal(theta)
    -> (h, g)``, the Hessian's diagonal in ``theta`` (and the gradient), makes the fine level
    Jacobi (counted as one evaluation per iteration); without it the fine level is the
    identity in the scaled variables. ``trust``, ``forcing_norm``: :class:`_Step`; ``trace``: a
    list given one dict per Newton iteration (CG products and exit, free controls, step, KKT);
    ``max_step``: :func:`_clip_direction`; ``curvature``: :func:`_cg`'s."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    count, step = _Counter(fg), _Step(max_cg, trust, forcing_norm, curvature)
    theta = np.clip(np.asarray(theta0, dtype=float), lo, hi)
    f, g = count(theta)
    if g is None:
        return BoxResult(theta, f, None, math.inf, 4, "the start cannot be evaluated", 1, 0)
    res, level, its = kkt(theta, g), None, 0
    status, message = 0, "the start meets the KKT test"
    while res > tol:
        if count.used >= maxfun:
            status, message = 1, STATUS_MESSAGES[1]
            break
        s = scale(theta)
        y, ub, gy = (theta - lo) / s, (hi - lo) / s, g * s
        eps = min(EPS_MAX, float(np.linalg.norm(np.clip(y - gy, 0.0, ub) - y)))
        active = ((y <= eps) & (gy > 0)) | ((y >= ub - eps) & (gy < 0))
        free = ~active
        dinv = _jacobi(diagonal, theta, s, count) if diagonal is not None else np.ones_like(y)

        def hvp(v, y=y, s=s, gy=gy):
            h = math.sqrt(np.finfo(float).eps) * (1.0 + np.linalg.norm(y)) / np.linalg.norm(v)
            gv = count(lo + (y + h * v) * s)[1]
            return np.zeros_like(v) if gv is None else (gv * s - gy) / h

        def hvp_free(v, free=free, hvp=hvp):
            full = np.zeros(free.size)
            full[free] = v
            return hvp(full)[free]

        if blocks and its % refresh == 0:
            level = _coarse(lambda p, hvp=hvp, free=free: hvp(p * free) * free, free, rows, blocks)
        d = -gy.copy()
        d[free], products, why = step(hvp_free, gy[free], _preconditioner(level, free, dinv))
        its += 1
        d = _clip_direction(d, gy, max_step)  # the direction clipped in the scaled variables
        theta_new, f_new, g_new, a = _projected_search(count, f, gy, y, d, ub, lo, s)
        if g_new is None:
            status, message = 4, "projected line search found no decrease"
            break
        step.accepted(a)
        theta, f, g, df = theta_new, f_new, g_new, f - f_new
        res = kkt(theta, g)
        if trace is not None:
            trace.append(dict(products=products, exit=why, free=int(free.sum()), step=a,
                              decrease=df, kkt=res, evaluations=count.used))  # fmt: skip
        status, message = (0, "KKT test passed") if res <= tol else (1, STATUS_MESSAGES[1])
    return BoxResult(theta, float(f), g, float(res), status, message, count.used, its)


def _jacobi(diagonal, theta, s, count):
    """The fine level: the inverse of the Hessian's diagonal in the scaled variables (floored),
    charged as ``DIAGONAL_COST`` evaluations."""
    count.used += DIAGONAL_COST
    hy = np.abs(diagonal(theta)[0]) * s * s
    return 1.0 / np.maximum(hy, DIAGONAL_FLOOR * max(hy.max(), 1e-300))


def _clip_direction(d, gy, max_step):
    """``d`` with each component clipped to ``[-max_step, max_step]`` (``None``: unchanged), or
    ``d`` itself if clipping would leave no descent. Where the Hessian's diagonal nearly
    vanishes the preconditioned direction can move one control by hundreds of units while the
    loss is far from its quadratic model there (heavy ball, T = 3e3: one log-friction by 327;
    benchmarks/results/momentum.md 2026-12-01 perstep14)."""
    if max_step is None:
        return d
    c = np.clip(d, -max_step, max_step)
    return c if gy @ c < 0 else d


def _projected_search(count, f, gy, y, d, ub, lo, s):
    """Armijo backtracking along ``clip(y + a d, 0, ub)``; ``(theta, f, g, a)`` or ``g = None``."""
    a = 1.0
    for _ in range(MAX_BACKTRACK):
        y_new = np.clip(y + a * d, 0.0, ub)
        step = y_new - y
        decrease = gy @ step
        if decrease >= 0:
            a *= BACKTRACK
            continue
        theta = lo + y_new * s
        f_new, g_new = count(theta)
        if g_new is not None and f_new <= f + ARMIJO * decrease:
            return theta, f_new, g_new, a
        a *= BACKTRACK
    return None, None, None, a
