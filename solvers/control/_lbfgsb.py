r"""The one bounded L-BFGS-B driver of the control solvers: scaled variables, restarts, KKT test.

Every optimiser of :mod:`solvers.control` that runs SciPy's L-BFGS-B on a box goes through
:func:`minimize_box`; so does optlr's own two-metric projected L-BFGS
(``LbfgsbOptions(optimiser="projected")``, :mod:`solvers.control._projected_lbfgs`, which needs
no ``scipy.optimize``), which replaces the SciPy run inside the same loop. It

* optimises in **scaled variables** :math:`x_i = (\theta_i - lo_i)/s_i`, with the caller's
  per-variable scale :math:`s(\theta)` refreshed from the current iterate at every restart
  (the control objectives depend on the rates roughly through :math:`\log\eta`, so scaling
  each rate by its own size turns a condition number of thousands into a handful);
* stops as soon as the caller's **KKT test** ``kkt(theta, g) <= tol`` passes, tested in the
  callback after every iteration on the gradient of the last evaluation (L-BFGS-B evaluates at
  the accepted iterate at the end of each line search), and again after every run;
* **restarts** (fresh L-BFGS memory, fresh scale) while the test fails, iterations remain and
  the last run ended lower than the run before it by more than ``ftol`` relative (a restart
  from a point that did not move would repeat the run exactly);
* returns the statuses of :data:`~solvers.control.result.STATUS_MESSAGES`: 0 converged,
  1 iteration limit, 2 the optimiser stopped (line search, evaluation limit), 4 stalled (its
  own ``ftol``/``gtol`` test, or the projected run's "no decrease at working precision", ended
  the run before the KKT test passed). Status 3 (unstable)
  is the caller's to decide on the returned point.

An objective that cannot be evaluated (``fg`` returns ``g = None``) is shown to L-BFGS-B as
:data:`BLOWUP` with a zero gradient, so the line search backs off, and is never accepted by
the KKT test.

Porting a solver: give ``fg(theta) -> (f, g)`` in the caller's variables, the box, ``scale``
and ``kkt`` callables, and map the returned :class:`BoxResult` to the solver's result. A
driver in unit-box coordinates ``u = (theta - lo) / (hi - lo)`` is ``scale=lambda th: hi - lo``
with its box KKT measure written in ``theta`` (``u - g (hi - lo)`` projected on ``[0, 1]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._optimisers import BOX_RUNS
from ._projected_lbfgs import projected_lbfgs_run
from ._threads import single_threaded_blas
from .result import STATUS_MESSAGES

__all__ = ["BLOWUP", "BoxResult", "LbfgsbOptions", "minimize_box"]

#: Objective value reported to L-BFGS-B where the objective cannot be evaluated.
BLOWUP = 1e300


@dataclass(frozen=True)
class LbfgsbOptions:
    """Options of :func:`minimize_box` (SciPy's names where they are SciPy's).

    Attributes
    ----------
    restarts : int
        Fresh runs after the first while the KKT test fails and the objective still decreases.
    maxcor : int
        L-BFGS memory (correction pairs).
    ftol, gtol : float
        SciPy's own stopping tests (0 disables them: only the KKT test, the iteration limit
        or a failed line search stop a run).
    maxls : int
        Line-search steps per iteration.
    maxfun_per_iteration : int or None
        Evaluation limit of a run as a multiple of its iteration budget (``None``: SciPy's
        default of 15000).
    blowup : float
        Value shown to L-BFGS-B where the objective cannot be evaluated (:data:`BLOWUP`). An
        objective of modest range (a log-loss) needs one of its own size: against ``1e300`` the
        line search's interpolation shrinks the step to nothing and the run "converges" by its
        relative reduction (the long-horizon momentum solver at T = 1000: KKT 0.53 after 2
        iterations, against 6.5e-6 after 27 with 50).
    optimiser : {"lbfgsb", "projected"}
        What one run is: SciPy's L-BFGS-B (imports ``scipy.optimize``), or optlr's two-metric
        projected L-BFGS (:mod:`solvers.control._projected_lbfgs`; ``blowup`` unused there: a
        point without a gradient is a failed line-search trial). Both keep ``maxcor`` pairs.
    """

    restarts: int = 0
    maxcor: int = 10
    ftol: float = 0.0
    gtol: float = 0.0
    maxls: int = 20
    maxfun_per_iteration: int | None = None
    blowup: float = BLOWUP
    optimiser: str = "lbfgsb"

    def __post_init__(self) -> None:
        for name, least in (("restarts", 0), ("maxcor", 1), ("maxls", 1)):
            _check_count(name, getattr(self, name), least)
        if self.maxfun_per_iteration is not None:
            _check_count("maxfun_per_iteration", self.maxfun_per_iteration, 1)
        for name in ("ftol", "gtol"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if not (isinstance(self.blowup, int | float) and math.isfinite(self.blowup)):
            raise ValueError(f"blowup must be a finite number, got {self.blowup!r}")
        if self.optimiser not in BOX_RUNS:
            raise ValueError(f"optimiser must be one of {sorted(BOX_RUNS)}, got {self.optimiser!r}")


def _check_count(name: str, value, least: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


@dataclass(frozen=True)
class BoxResult:
    """Outcome of :func:`minimize_box`.

    Attributes
    ----------
    theta : ndarray
        Best point found (inside the box).
    f : float
        Objective at ``theta``.
    g : ndarray or None
        Gradient at ``theta`` (``None`` if ``fg`` could not evaluate it).
    kkt : float
        ``kkt(theta, g)`` (``inf`` without a gradient).
    status : int
        Key of :data:`~solvers.control.result.STATUS_MESSAGES`.
    message : str
        What stopped the last run (SciPy's message, or the KKT test).
    iterations : int
        L-BFGS-B iterations over all runs.
    runs : int
        Number of L-BFGS-B runs (1 + restarts used; 0 when the start passed the test).
    """

    theta: np.ndarray
    f: float
    g: np.ndarray | None
    kkt: float
    status: int
    message: str
    iterations: int
    runs: int

    @property
    def success(self) -> bool:
        return self.status == 0


class _Tracker:
    """Wraps ``fg`` and remembers the last evaluation that had a gradient."""

    def __init__(self, fg: Callable) -> None:
        self.fg, self.last = fg, None

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray | None]:
        f, g = self.fg(theta)
        self.last = None if g is None else (theta.copy(), f, g)
        return f, g

    def at(self, theta: np.ndarray) -> tuple[float, np.ndarray | None]:
        """The objective at ``theta``: the last evaluation if it was there, else a new one."""
        if self.last is not None and np.array_equal(self.last[0], theta):
            return self.last[1], self.last[2]
        return self(theta)


def _scipy_run(track, theta, lo, hi, scale, kkt, tol, budget, options, progress, offset):
    """One SciPy L-BFGS-B run from ``theta`` in the variables ``x = (theta - lo) / scale``;
    ``(theta, iterations, stalled, message)``. ``progress`` counts from ``offset``."""
    from scipy.optimize import minimize

    def fx(x):
        f, g = track(np.clip(lo + x * scale, lo, hi))
        return (options.blowup, np.zeros_like(x)) if g is None else (f, g * scale)

    count = [0]

    def callback(intermediate_result):
        count[0] += 1
        if progress is not None:
            progress(offset + count[0], float(intermediate_result.fun))
        if track.last is not None and kkt(track.last[0], track.last[2]) <= tol:
            raise StopIteration

    scipy_options = {
        "maxiter": budget,
        "ftol": options.ftol,
        "gtol": options.gtol,
        "maxcor": options.maxcor,
        "maxls": options.maxls,
    }
    if options.maxfun_per_iteration is not None:
        scipy_options["maxfun"] = options.maxfun_per_iteration * budget
    # L-BFGS-B's small dense algebra (its compact (2m x 2m) matrices) gains nothing from
    # BLAS threads; on the shared 2-core host they contended: 14 ms per L-BFGS-B update
    # with 100 variables, 80% of a K = 100 solve.
    with single_threaded_blas():
        r = minimize(
            fx, (theta - lo) / scale, jac=True, method="L-BFGS-B", callback=callback,
            bounds=list(zip(np.zeros_like(scale), (hi - lo) / scale, strict=True)),
            options=scipy_options,
        )  # fmt: skip
    # SciPy's status 0 is its own ftol/gtol test: the run stalled before the KKT test passed
    return np.clip(lo + r.x * scale, lo, hi), count[0], r.status == 0, f"L-BFGS-B: {r.message}"


def _projected_run(track, theta, lo, hi, scale, kkt, tol, budget, options, progress, offset):
    """One projected L-BFGS run (:func:`~solvers.control._projected_lbfgs.projected_lbfgs_run`) in
    the same scaled variables and with the same KKT test as :func:`_scipy_run`."""

    def to_theta(x):
        return np.clip(lo + x * scale, lo, hi)

    def fx(x):
        f, g = track(to_theta(x))
        return (f, None) if g is None else (f, g * scale)

    def stop(it, x, f, g):
        if progress is not None:
            progress(offset + it, float(f))
        return kkt(to_theta(x), g / scale) <= tol

    f0, g0 = track.at(theta)
    if g0 is None:  # the driver's start could not be evaluated: nothing to descend from
        return theta, 0, False, "projected L-BFGS: the start cannot be evaluated"
    maxfun = (
        15000 if options.maxfun_per_iteration is None else options.maxfun_per_iteration * budget
    )
    # its (2m x n) products thread in OpenBLAS and contend like L-BFGS-B's: the hard per-step
    # problem at T = 300 took 8.6 s CPU with two BLAS threads on a loaded host, 1.0 s with one
    with single_threaded_blas():
        x, it, stalled, message = projected_lbfgs_run(
            fx, (theta - lo) / scale, f0, g0 * scale, (hi - lo) / scale, budget=budget,
            maxfun=maxfun, maxls=options.maxls, memory=options.maxcor, stop=stop,
        )  # fmt: skip
    return to_theta(x), it, stalled, f"projected L-BFGS: {message}"


#: The runs :func:`minimize_box` can restart (``LbfgsbOptions.optimiser``).
RUNS = {"lbfgsb": _scipy_run, "projected": _projected_run}


def _run_status(stalled: bool, iterations: int, maxiter: int) -> int:
    """Status of a run that ended without passing the KKT test."""
    if iterations >= maxiter:
        return 1
    return 4 if stalled else 2


def minimize_box(
    fg: Callable[[np.ndarray], tuple[float, np.ndarray | None]],
    theta0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    scale: Callable[[np.ndarray], np.ndarray],
    kkt: Callable[[np.ndarray, np.ndarray], float],
    tol: float,
    maxiter: int,
    options: LbfgsbOptions = LbfgsbOptions(),
    progress: Callable[[int, float], None] | None = None,
) -> BoxResult:
    r"""Minimise ``f`` over the box ``lo <= theta <= hi`` by L-BFGS-B until ``kkt <= tol``.

    Parameters
    ----------
    fg : callable
        ``fg(theta) -> (f, g)``, the objective and its gradient, shape ``(n,)``; ``g = None``
        where the objective cannot be evaluated (shown to L-BFGS-B as :data:`BLOWUP`).
    theta0, lo, hi : ndarray, shape (n,)
        Start (clipped to the box) and bounds; ``lo <= hi``.
    scale : callable
        ``scale(theta) -> s``, positive per-variable scales (the run optimises
        ``x = (theta - lo) / s``), refreshed at every restart.
    kkt : callable
        ``kkt(theta, g) -> float``, the caller's projected-gradient residual.
    tol : float
        Converged when ``kkt <= tol``.
    maxiter : int
        Iterations over all runs.
    options : LbfgsbOptions
    progress : callable, optional
        ``progress(iteration, f)`` after every iteration (counted over all runs).

    Returns
    -------
    BoxResult

    Examples
    --------
    A quadratic whose minimum lies outside the box ends on the bound:

    >>> box = lambda th, g: float(np.abs(np.clip(th - g, 0, 1) - th).sum())
    >>> r = minimize_box(lambda th: (float((th - 2) @ (th - 2)), 2 * (th - 2)), np.zeros(2),
    ...                  np.zeros(2), np.ones(2), scale=np.ones_like, kkt=box, tol=1e-12,
    ...                  maxiter=50)
    >>> r.status, r.theta.tolist()
    (0, [1.0, 1.0])
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    track = _Tracker(fg)
    theta = np.clip(np.asarray(theta0, dtype=float), lo, hi)
    f, g = track(theta)
    res = kkt(theta, g) if g is not None else math.inf
    status, message, total, runs = 0, "the start meets the KKT test", 0, 0
    f_prev = math.inf  # the objective after the previous run
    while res > tol:
        if total >= maxiter:
            status, message = 1, STATUS_MESSAGES[1]
            break
        if runs > options.restarts:
            break  # status and message of the last run stand
        theta, it, stalled, run_message = RUNS[options.optimiser](
            track, theta, lo, hi, scale(theta), kkt, tol, maxiter - total, options, progress, total
        )
        total, runs = total + it, runs + 1
        f, g = track.at(theta)
        res = kkt(theta, g) if g is not None else math.inf
        if res <= tol:
            status, message = 0, "KKT test passed"
            break
        status, message = _run_status(stalled, total, maxiter), run_message
        improved = f < f_prev - options.ftol * abs(f)
        f_prev = f
        if not improved:
            break  # a restart from where this run stalled would repeat it
    return BoxResult(theta, float(f), g, float(res), status, message, total, runs)
