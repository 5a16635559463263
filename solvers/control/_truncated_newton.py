r"""A bounded truncated-Newton finish with the control solvers' KKT test (SciPy's TNC).

L-BFGS-B (:func:`~solvers.control._lbfgsb.minimize_box`) stalls on the per-step momentum problems
(``3 T`` controls, curvature coupled across steps and between ``zeta_t`` and ``beta_t``): its
20-pair memory does not hold the spectrum of such a Hessian. A truncated Newton method solves each
Newton system by conjugate gradients with Hessian-vector products from differences of the exact
gradient, so it uses the curvature of all the free controls at once; SciPy's TNC does this with an
active set for the box (controls on a bound whose gradient pushes outward are held there).

:func:`truncated_newton_box` runs TNC in chunks of evaluations in the caller's scaled variables
``x = (theta - lo) / s`` (``s`` refreshed from the iterate before each chunk) and tests the
caller's KKT measure at the end of each chunk — on an iterate, not on a point where TNC probed
a Hessian-vector product. It returns the one result type of the bounded drivers,
:class:`~solvers.control._lbfgsb.BoxResult`, with the statuses of
:data:`~solvers.control.result.STATUS_MESSAGES`: 0 converged, 1 evaluation limit, 4 stalled (a
chunk that did not lower the objective).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._lbfgsb import BLOWUP, BoxResult
from ._threads import single_threaded_blas
from .result import STATUS_MESSAGES

__all__ = ["truncated_newton_box"]

#: Evaluations per TNC run between two KKT tests (each run restarts TNC's inner state; 300 is
#: a few Newton steps of up to 50 conjugate-gradient products each).
CHUNK = 300
#: Conjugate-gradient products per Newton step (TNC's own default for large problems).
MAX_CG = 50


def truncated_newton_box(
    fg: Callable[[np.ndarray], tuple[float, np.ndarray | None]],
    theta0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    scale: Callable[[np.ndarray], np.ndarray],
    kkt: Callable[[np.ndarray, np.ndarray], float],
    tol: float,
    maxfun: int,
    chunk: int = CHUNK,
) -> BoxResult:
    """Minimise ``f`` over ``lo <= theta <= hi`` by truncated Newton until ``kkt <= tol``.

    Parameters
    ----------
    fg : callable
        ``fg(theta) -> (f, g)``; ``g = None`` where ``f`` cannot be evaluated.
    theta0, lo, hi : ndarray, shape (n,)
        Start (clipped to the box) and bounds.
    scale : callable
        ``scale(theta) -> s``, positive per-variable scales, refreshed before every chunk.
    kkt : callable
        ``kkt(theta, g) -> float``, the caller's projected-gradient residual.
    tol : float
        Converged when ``kkt <= tol`` at the end of a chunk.
    maxfun : int
        Evaluations of ``fg`` over all chunks (gradient differences included).
    chunk : int
        Evaluations per TNC run.

    Returns
    -------
    BoxResult
        ``iterations`` counts evaluations of ``fg`` (TNC's unit of work), ``runs`` the chunks.
    """
    from scipy.optimize import minimize

    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    theta = np.clip(np.asarray(theta0, dtype=float), lo, hi)
    used = [0]

    def counted(th):
        used[0] += 1
        f, g = fg(th)
        return (BLOWUP, None) if g is None or not math.isfinite(f) else (f, g)

    f, g = counted(theta)
    res = kkt(theta, g) if g is not None else math.inf
    status, message, runs = 0, "the start meets the KKT test", 0
    while res > tol:
        if used[0] >= maxfun:
            status, message = 1, STATUS_MESSAGES[1]
            break
        s = scale(theta)

        def fy(y, s=s):
            fv, gv = counted(np.clip(lo + y * s, lo, hi))
            return (fv, np.zeros_like(y)) if gv is None else (fv, gv * s)

        with single_threaded_blas():
            r = minimize(
                fy, (theta - lo) / s, jac=True, method="TNC",
                bounds=list(zip(np.zeros_like(s), (hi - lo) / s, strict=True)),
                options={"maxfun": min(chunk, maxfun - used[0]), "scale": np.ones_like(s),
                         "offset": np.zeros_like(s), "ftol": 0.0, "xtol": 0.0, "gtol": 0.0,
                         "maxCGit": MAX_CG},
            )  # fmt: skip
        runs += 1
        new = np.clip(lo + r.x * s, lo, hi)
        f_new, g_new = counted(new)
        if g_new is None or f_new >= f:
            status, message = 4, f"TNC: {r.message} (no decrease over a chunk)"
            break
        theta, f, g = new, f_new, g_new
        res = kkt(theta, g)
        status, message = (0, "KKT test passed") if res <= tol else (1, f"TNC: {r.message}")
    return BoxResult(theta, float(f), g, float(res), status, message, used[0], runs)
