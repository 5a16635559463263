r"""Brent's scalar methods: a bracketed root and a bounded minimum, without ``scipy.optimize``.

* :func:`brent_root` finds a zero of a function that changes sign on ``[a, b]``: Brent's
  method (*Algorithms for Minimization without Derivatives*, 1973, ch. 4) as SciPy's ``brentq``
  runs it — inverse quadratic (or secant) interpolation from the last three points, accepted
  while it is short enough, else bisection of the bracket; no step shorter than
  ``(xtol + rtol |x|)/2``. Used by the stability limit
  (:func:`solvers.dynamics.recursion.stability_limit`).
* :func:`brent_bounded` minimises a function of one variable on ``[lo, hi]`` without
  derivatives: the algorithm ``fmin`` of Forsythe, Malcolm and Moler (*Computer Methods for
  Mathematical Computations*, 1977, §8.2; Brent, ch. 5), the one SciPy's
  ``minimize_scalar(method="bounded")`` runs. It keeps three points, ``x`` (lowest value so
  far), ``w`` (second lowest) and ``v`` (the previous ``w``); each step is the minimiser of the
  parabola through them when that lands inside the bracket and moves less than half the step
  before last, else a golden-section step into the larger part of the bracket; no step is
  shorter than ``tol1 = sqrt(eps) |x| + xatol / 3``. It stops when the bracket around ``x`` is
  shorter than about ``4 tol1``. Used for the direct solver's best constant rate
  (:func:`solvers.control.direct._initial_guesses`).

Both follow SciPy's iterations step for step, so that the study's solve needs no import of
``scipy.optimize`` (its package ``__init__`` loads ~320 modules, ~0.3 s of a fresh process)
and computes what it computed with SciPy (``tests/test_brent.py`` compares them). They live in
:mod:`solvers.dynamics` because the stability limit, a property of the dynamics, needs the root;
the control solvers import them from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["brent_bounded", "brent_root"]

#: Square root of the machine epsilon (relative resolution of a minimum's position).
SQRT_EPS = math.sqrt(2.2e-16)
#: Default relative tolerance of :func:`brent_root` (SciPy's ``brentq``: 4 machine epsilons).
RTOL = 4 * 2.220446049250313e-16
#: (3 - sqrt 5) / 2: the golden-section fraction of the larger half taken by a golden step.
GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))


def _parabolic_step(x, w, v, fx, fw, fv, a, b, e):
    """Step from ``x`` to the vertex of the parabola through ``(x, w, v)``, or ``None`` when it
    falls outside ``(a, b)`` or is not shorter than half of ``e`` (the step before last)."""
    r = (x - w) * (fx - fv)
    q = (x - v) * (fx - fw)
    p = (x - v) * q - (x - w) * r
    q = 2.0 * (q - r)
    if q > 0.0:
        p = -p
    q = abs(q)
    if abs(p) < abs(0.5 * q * e) and q * (a - x) < p < q * (b - x):
        return p / q
    return None


def brent_bounded(
    f: Callable[[float], float], lo: float, hi: float, *, xatol: float, maxfun: int = 500
) -> tuple[float, float, int]:
    r"""Minimise ``f`` on ``[lo, hi]`` to absolute accuracy ``xatol`` in ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; a ``nan`` counts as larger than every number.
    lo, hi : float
        Finite bounds, ``lo <= hi``.
    xatol : float
        Absolute tolerance on the minimiser's position (relative ``sqrt(eps)`` is added).
    maxfun : int
        Evaluation limit.

    Returns
    -------
    x, fx : float
        The best point found and ``f(x)``.
    nfev : int
        Evaluations of ``f``.

    Examples
    --------
    The minimum of :math:`(x - 1/3)^2` on ``[0, 2]`` to ``1e-8``, and a minimum on the bound:

    >>> x, fx, n = brent_bounded(lambda x: (x - 1 / 3) ** 2, 0.0, 2.0, xatol=1e-8)
    >>> abs(x - 1 / 3) < 1e-8
    True
    >>> x, fx, n = brent_bounded(lambda x: x, 0.0, 1.0, xatol=1e-6)
    >>> 0.0 <= x < 1e-6
    True
    """
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"bounds must be finite with lo <= hi, got ({lo!r}, {hi!r})")
    a, b = lo, hi
    x = w = v = a + GOLDEN * (b - a)
    fx = fw = fv = f(x)
    nfev = 1
    d = e = 0.0  # the last step and the one before it
    while True:
        xm = 0.5 * (a + b)
        tol1 = SQRT_EPS * abs(x) + xatol / 3.0
        tol2 = 2.0 * tol1
        if abs(x - xm) <= tol2 - 0.5 * (b - a) or nfev >= maxfun:
            return x, fx, nfev
        step = None
        if abs(e) > tol1:
            e_before, e = e, d
            step = _parabolic_step(x, w, v, fx, fw, fv, a, b, e_before)
            if step is not None and (x + step - a < tol2 or b - (x + step) < tol2):
                step = tol1 if xm >= x else -tol1  # do not evaluate next to a bound
        if step is None:  # golden section into the larger part of the bracket
            e = (a - x) if x >= xm else (b - x)
            step = GOLDEN * e
        d = step
        u = x + math.copysign(max(abs(d), tol1), d if d != 0 else 1.0)
        fu = f(u)
        nfev += 1
        if fu <= fx:
            a, b = (x, b) if u >= x else (a, x)
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            a, b = (u, b) if u < x else (a, u)
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu


def _interpolation_step(xcur, xpre, xblk, fcur, fpre, fblk):
    """Secant step (two distinct points) or inverse quadratic interpolation (three)."""
    if xpre == xblk:
        return -fcur * (xcur - xpre) / (fcur - fpre)
    dpre = (fpre - fcur) / (xpre - xcur)
    dblk = (fblk - fcur) / (xblk - xcur)
    return -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))


def brent_root(
    f: Callable[[float], float],
    a: float,
    b: float,
    *,
    xtol: float = 2e-12,
    rtol: float = RTOL,
    maxiter: int = 100,
) -> float:
    r"""A zero of ``f`` in ``[a, b]``, where ``f(a)`` and ``f(b)`` differ in sign.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, continuous on ``[a, b]``.
    a, b : float
        The bracket.
    xtol, rtol : float
        The zero is within ``xtol + rtol |x|`` (SciPy's defaults).
    maxiter : int
        Iteration limit.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``f(a)`` and ``f(b)`` have the same sign.
    RuntimeError
        No convergence in ``maxiter`` iterations.

    Examples
    --------
    >>> abs(brent_root(lambda x: x * x - 2.0, 0.0, 2.0, xtol=1e-15) - 2 ** 0.5) < 1e-15
    True
    """
    xpre, xcur = a, b
    fpre, fcur = f(xpre), f(xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError(f"f(a) and f(b) must have different signs, got {fpre!r} and {fcur!r}")
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre  # the point that brackets the zero with xcur
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):  # keep the best point in xcur
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        stry = None
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            stry = _interpolation_step(xcur, xpre, xblk, fcur, fpre, fblk)
        if stry is not None and 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
            spre, scur = scur, stry  # a good short step
        else:
            spre = scur = sbis  # bisect
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = f(xcur)
    raise RuntimeError(f"no zero to xtol {xtol:g} in {maxiter} iterations")
