r"""Long-horizon continuum solver: optimal learning-rate schedules at horizons up to ``1e8`` and beyond.

The problem is the continuous-time optimal control of the PLRF model,

.. math::

    \min_{0 \le \eta(t) \le \eta_{\max}} L(T), \qquad
    \dot c_k = -2\eta\lambda_k c_k + \frac{\eta^2}{m}\lambda_k\bigl(L + \sigma^2\bigr),

(or its *discrete-corrected* form, which reproduces the exact recursion's per-step contraction;
see :mod:`solvers.dynamics._continuum_kernels`), discretised so that the cost grows like ``log T``:

* **time**: ``eta`` is piecewise constant on a grid that is uniform (unit steps) for the first
  and last ``~1/(ratio-1)`` steps and geometric (ratio ``ratio``) in the distance to the nearer
  end, capped at ``max_interval * T``; both the start (``t`` spans decades) and the annealing
  region (``T - t`` spans decades) are resolved (:func:`time_grid`);
* **modes**: modes ``1..n_exact`` exactly, the rest in log-spaced bins with a Gauss-Legendre rule
  in ``log k`` applied to the Euler-Maclaurin (midpoint) integral
  :math:`\sum_{k=k_0}^{k_1} g(k) \approx \int_{k_0-1/2}^{k_1+1/2} g(x)\,dx`; each node is a
  fictitious mode with ``lambda = x^-b``, ``c(0) = x^-(a-b)`` and a weight (:func:`mode_quadrature`);
* **dynamics**: exact decay and implicit exponential-trapezoid forcing per substep, with the
  exact adjoint gradient; L-BFGS-B on ``log L(T)`` with box bounds, each rate scaled by its own
  size, cold starts solved on every 8th interval first (multilevel continuation), stopped by a
  scaled KKT test (``KKT_DEFINITIONS``).

Cost per objective-plus-gradient evaluation: ``J * substeps * n`` mode updates with
``J ~ 2 log T / log(ratio)`` (390 intervals at ``T = 1e8``) and ``n ~ 64 + 16 log10(N/64)``
nodes (116 at ``N = 1e5``, 227 at ``N = 1e12``): a million modes cost what a hundred do, so
``n_modes`` can be raised far above the front ``k* ~ (2 tau)^(1/b)`` (the infinite-``N`` model in
all but name; no analytic tail beyond ``n_modes`` is added, ``tail_loss`` reports it).

The upper bound is ``min(eta_max, (1 - 1e-3) x`` the stability limit of a constant rate of the
chosen dynamics``)``: above it the implicit solve is singular (``u.B >= 1``) and the loss grows
exponentially, so no optimum lives there. Register :func:`solve_continuum` as ``"continuum"``:
it takes ``(model, T, **options)`` and returns the common result fields ``t, eta, loss,
final_loss, success, status, message, iterations, kkt_residual, seconds``.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..dynamics.continuum import (
    DEFAULT_BINS_PER_DECADE,
    DEFAULT_EXACT_MODES,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_POINTS_PER_BIN,
    DEFAULT_RATIO,
    DEFAULT_SUBSTEPS,
    ContinuumProblem,
    Dynamics,
    FrontWarning,
    build_problem,
)

__all__ = ["ContinuumResult", "continuum_sweep", "solve_continuum"]


#: The front k* within this factor of n_modes triggers a FrontWarning (mode truncation bias).
FRONT_WARN_FACTOR = 10.0
#: Smallest optimisation scale of a rate, as a fraction of the upper bound: each rate is
#: optimised as ``eta_j / s_j`` with ``s_j`` its own size at the start of the run. Annealed
#: rates reach ~1e-4 of the bound at T = 1e8; one common scale left them badly conditioned.
PRECONDITION_FLOOR = 1e-6
#: Smallest rate scale in the scaled KKT measure, as a fraction of the upper bound (a rate at
#: the lower bound counts as movable by this much).
SCALE_FLOOR = 1e-3
#: Default tolerance of the scaled KKT test: sum_j |d log L(T) / d log eta_j| (projected), so a
#: relative change of eps in every rate changes L(T) by at most ~eps * tol to first order
#: (1% in every rate: <= 1e-5 in L(T)). 1e-2 left the 4-mode conformance problem 0.75% above
#: its optimum; 1e-3 gives 3e-5 there; the objective's noise floor is ~1e-3 (see DEFAULT_FTOL).
DEFAULT_TOL = 1e-3
#: Default ftol of L-BFGS-B (relative reduction of log L per iteration), the stop once the loss
#: stalls: at 1e-9 it ended T = 1e8 runs at a scaled residual ~7e-2; at 1e-12 a T = 1e4 run
#: iterated 4947 times at a residual stuck at 1.2e-3 with L(T) unchanged to 8 digits.
DEFAULT_FTOL = 1e-10
#: Coarsening factor of the multilevel start (every 8th grid node).
MULTILEVEL_FACTOR = 8
#: KKT tolerance on the coarse level: it only provides a start for the fine grid.
MULTILEVEL_COARSE_TOL = 1e-2
#: Iteration cap on the coarse level.
MULTILEVEL_MAXITER = 1000
#: What ``kkt_residual`` measures for each ``criterion`` of :func:`solve_continuum`.
KKT_DEFINITIONS = {
    "scaled": "sum_j |clip(eta_j - s_j^2 G_j, 0, U) - eta_j| / s_j, s_j = clip(eta_j, 1e-3 U, U), "
    "G = d log L(T) / d eta, U = eta_upper (|d log L / d log eta_j| at interior rates)",
    "metric": "max_j |clip(x_j - G_j, 0, U sqrt(h_j/T)) - x_j|, x_j = eta_j sqrt(h_j/T), "
    "G = d log L(T) / dx",
}
#: Floor on eta (relative to the upper bound) when schedules are interpolated in log eta.
LOG_ETA_FLOOR = 1e-12


# -- result ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContinuumResult:
    """Result of :func:`solve_continuum`.

    Attributes
    ----------
    model : PLRFModel
    T : float
    t : ndarray, shape (J + 1,)
        Time grid; ``eta[j]`` holds on ``[t[j], t[j+1])``.
    eta : ndarray, shape (J,)
        Optimised schedule.
    loss : ndarray, shape (J + 1,)
        Excess loss ``L(t_j)`` of the binned model.
    final_loss : float
        ``L(T)``.
    success : bool
        The KKT test passed (or the loss stalled on ``ftol``, said in the message) and the
        dynamics stayed finite.
    status : int
        0 converged (KKT test, or ftol stall); 1 iteration limit; 2 optimiser stopped otherwise
        (line search); 3 unstable.
    message : str
    iterations, evaluations : int
    kkt_residual : float
        The projected-gradient residual of ``log L(T)`` named by ``criterion`` (0 exactly at a
        KKT point); both measures are also reported.
    criterion : str
        ``"scaled"`` or ``"metric"`` (see ``KKT_DEFINITIONS``).
    kkt_scaled : float
        ``sum_j |clip(eta_j - s_j^2 G_j, 0, U) - eta_j| / s_j`` with ``s_j = clip(eta_j, 1e-3 U,
        U)``, ``G = d log L / d eta``: ``sum_j |d log L / d log eta_j|`` over the rates not held
        at a bound. It does not grow with ``T`` for a converged schedule.
    kkt_metric : float
        The earlier measure ``max_j |P(x - G) - x|_j`` in the variables ``x_j = eta_j
        sqrt(h_j/T)`` (``G = d log L / dx``, ``P`` the projection on the box).
    levels : tuple of dict
        Per multilevel level (coarse first): ``intervals``, ``iterations``, ``kkt``.
    seconds : float
    eta_upper : float
        Effective upper bound: ``min(eta_max, (1 - 1e-3) x stability limit)``.
    dynamics : str
    substeps : int
    n_quadrature, n_exact, n_bins : int
        Mode nodes used, exact modes, log-bins.
    quadrature_error : float
        Relative change of ``L(T)`` when bins, Gauss points and exact modes are doubled.
    time_error : float
        Relative change of ``L(T)`` when the substeps are doubled.
    front : float
        Learned front ``k* = (2 tau)^(1/b)``, ``tau = int eta``.
    tail_loss : float
        Unlearnable loss beyond ``n_modes`` (not in ``loss``).
    warnings : tuple of str
    """

    model: PLRFModel
    T: float
    t: np.ndarray
    eta: np.ndarray
    loss: np.ndarray
    final_loss: float
    success: bool
    status: int
    message: str
    iterations: int
    evaluations: int
    kkt_residual: float
    seconds: float
    eta_upper: float
    dynamics: str
    substeps: int
    n_quadrature: int
    n_exact: int
    n_bins: int
    quadrature_error: float
    time_error: float
    front: float
    tail_loss: float
    warnings: tuple[str, ...] = ()
    criterion: str = "scaled"
    kkt_scaled: float = math.nan
    kkt_metric: float = math.nan
    levels: tuple = ()
    meta: dict = field(default_factory=dict)

    @property
    def front_ratio(self) -> float:
        """``k* / n_modes``: keep it well below 1."""
        return self.front / self.model.n_modes

    def eta_at(self, t) -> np.ndarray:
        """The piecewise-constant schedule evaluated at times ``t``."""
        j = np.clip(
            np.searchsorted(self.t, np.asarray(t, dtype=float), side="right") - 1,
            0,
            self.eta.size - 1,
        )
        return self.eta[j]

    def per_step(self) -> np.ndarray:
        """The schedule as one rate per SGD step (integer grids only); shape ``(T,)``.

        Use it to run the exact recursion on the optimised schedule:
        ``simulate(result.model, result.per_step())``.
        """
        if np.any(self.t != np.round(self.t)):
            raise ValueError("per_step() needs an integer time grid")
        return np.repeat(self.eta, np.diff(self.t).astype(np.int64))

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("t", "eta", "loss"):
            d[k] = d[k].tolist()
        d["warnings"] = list(self.warnings)
        return d

    def save(self, path: str | Path) -> None:
        """Save to ``.json`` or ``.npz``."""
        path = Path(path)
        d = self.to_dict()
        if path.suffix == ".npz":
            arrays = {k: np.asarray(d.pop(k)) for k in ("t", "eta", "loss")}
            np.savez_compressed(path, meta=json.dumps(d), **arrays)
        else:
            path.write_text(json.dumps(d))

    @classmethod
    def load(cls, path: str | Path) -> ContinuumResult:
        """Reload a result written by :meth:`save`."""
        path = Path(path)
        if path.suffix == ".npz":
            with np.load(path) as z:
                d = json.loads(str(z["meta"]))
                d.update({k: z[k] for k in ("t", "eta", "loss")})
        else:
            d = json.loads(path.read_text())
        d["model"] = PLRFModel(**d["model"])
        for k in ("t", "eta", "loss"):
            d[k] = np.asarray(d[k], dtype=float)
        d["warnings"] = tuple(d["warnings"])
        return cls(**d)


# -- initial guesses and continuation ---------------------------------------------------------


def _midpoints(t: np.ndarray) -> np.ndarray:
    return 0.5 * (t[1:] + t[:-1])


def _logit(s: np.ndarray) -> np.ndarray:
    return np.log(s) - np.log1p(-s)


def _family_guess(prob: ContinuumProblem) -> np.ndarray:
    """Best of two tuned families: ``eta0 (1 - s)^delta`` (delta 1..3) and eta_upper then a linear decay."""
    s = _midpoints(prob.t) / prob.T
    up = prob.upper

    def loss(eta):
        Ln, ok = prob.loss_curve(eta)
        return Ln[-1] if ok and math.isfinite(Ln[-1]) else 1e300

    best, best_eta = math.inf, np.full(s.size, 0.5 * up)
    for delta in (1.0, 2.0, 3.0):
        shape = (1.0 - s) ** delta
        r = minimize_scalar(
            lambda v, shape=shape: math.log(loss(up * math.exp(v) * shape) + 1e-300),
            bounds=(-12.0, 0.0),
            method="bounded",
            options={"xatol": 1e-3},
        )
        if r.fun < best:
            best, best_eta = r.fun, up * math.exp(r.x) * shape
    for level in (1.0, 0.5):

        def wsd(v, level=level):
            return level * up * np.minimum(1.0, (1.0 - s) / math.exp(v))

        r = minimize_scalar(
            lambda v: math.log(loss(wsd(v)) + 1e-300),
            bounds=(math.log(1.0 / prob.T), 0.0),
            method="bounded",
            options={"xatol": 1e-3},
        )
        if r.fun < best:
            best, best_eta = r.fun, wsd(r.x)
    return best_eta


def _warm_start(previous: Sequence[ContinuumResult], prob: ContinuumProblem) -> np.ndarray:
    """Map earlier solutions to this grid in the logit of ``s = t/T``; extrapolate log eta in log T.

    With one earlier solution its schedule is reused as a function of ``logit(t/T)`` (which
    stretches both the start and the annealing end); with two or more, ``log eta`` at fixed
    ``logit(t/T)`` is extrapolated linearly in ``log T`` from the last two.
    """
    z = _logit(_midpoints(prob.t) / prob.T)
    floor = LOG_ETA_FLOOR * prob.upper

    def on_grid(r: ContinuumResult) -> np.ndarray:
        zr = _logit(_midpoints(r.t) / r.T)
        return np.interp(z, zr, np.log(np.maximum(r.eta, floor)))

    last = on_grid(previous[-1])
    if len(previous) >= 2 and previous[-2].T != previous[-1].T:
        prev = on_grid(previous[-2])
        x = math.log(prob.T / previous[-1].T) / math.log(previous[-1].T / previous[-2].T)
        last = last + x * (last - prev)
    return np.clip(np.exp(last), 0.0, prob.upper)


# -- optimisation ----------------------------------------------------------------------------


def _coarsen(t: np.ndarray, factor: int) -> np.ndarray:
    """Every ``factor``-th node of ``t``, always keeping the last."""
    tc = t[::factor]
    return tc if tc[-1] == t[-1] else np.append(tc, t[-1])


def _kkt_scaled(prob: ContinuumProblem, eta: np.ndarray, G: np.ndarray) -> float:
    """Projected-gradient residual with each rate scaled by its own size (``KKT_DEFINITIONS``)."""
    s = np.clip(eta, SCALE_FLOOR * prob.upper, prob.upper)
    return float(np.sum(np.abs(np.clip(eta - s * s * G, 0.0, prob.upper) - eta) / s))


def _kkt_metric(prob: ContinuumProblem, eta: np.ndarray, G: np.ndarray) -> float:
    """Projected-gradient residual in the variables ``eta_j sqrt(h_j/T)`` (``KKT_DEFINITIONS``)."""
    w = np.sqrt(prob.h / prob.T)
    x = eta * w
    return float(np.max(np.abs(np.clip(x - G / w, 0.0, prob.upper * w) - x)))


def _optimise(prob, eta, criterion, tol, maxiter, ftol, gtol, maxcor, restarts, n_eval):
    """L-BFGS-B on ``log L(T)`` from ``eta``; returns ``(eta, iterations, (res, kkt))``.

    Each rate is optimised as ``x_j = eta_j / s_j``, ``s_j`` its size at the start of the run
    (floored at ``PRECONDITION_FLOOR * upper``) and refreshed at each restart: ``log L`` depends
    on the rates roughly through ``log eta``. Stops when the KKT residual chosen by
    ``criterion`` is at most ``tol`` (tested after every iteration), on ``ftol``, or at
    ``maxiter`` iterations.
    """
    kkt_of = _kkt_scaled if criterion == "scaled" else _kkt_metric
    up = prob.upper
    last = {}

    def evaluate(e):
        n_eval[0] += 1
        LT, g, _, ok = prob.value_grad(e)
        if not ok or not LT > 0:
            last.clear()
            return 1e300, np.zeros_like(e)
        last["eta"], last["G"] = e, g / LT
        return math.log(LT), g / LT

    f_e, G = evaluate(eta)
    kkt = kkt_of(prob, eta, G) if last else math.inf
    nit, f_prev, res = 0, math.inf, None
    for _ in range(1 + restarts):  # a restart drops the curvature pairs and rescales
        if kkt <= tol or nit >= maxiter:
            break
        scale = np.maximum(eta, PRECONDITION_FLOOR * up)
        state = {"it": 0}

        def fun(x, scale=scale):
            f, g = evaluate(np.clip(x * scale, 0.0, up))
            return f, g * scale

        def callback(intermediate_result, state=state):
            state["it"] += 1
            if last and kkt_of(prob, last["eta"], last["G"]) <= tol:
                raise StopIteration

        res = minimize(
            fun, eta / scale, jac=True, method="L-BFGS-B",
            bounds=list(zip(np.zeros(eta.size), up / scale, strict=True)), callback=callback,
            options={"maxiter": maxiter - nit, "ftol": ftol, "gtol": gtol, "maxcor": maxcor,
                     "maxls": 50},
        )  # fmt: skip
        nit += state["it"]
        eta = np.clip(res.x * scale, 0.0, up)
        f_e, G = evaluate(eta)
        kkt = kkt_of(prob, eta, G) if last else math.inf
        improved = f_e < f_prev - ftol * abs(f_e)
        f_prev = f_e
        if not improved:
            break
    if res is None:
        res = _Stop(0, "initial schedule already satisfies the KKT test")
    elif nit >= maxiter and kkt > tol:
        res = _Stop(1, "iteration limit reached")
    return eta, nit, (res, kkt)


@dataclass(frozen=True)
class _Stop:
    status: int
    message: str


# -- the solver ------------------------------------------------------------------------------


def solve_continuum(
    model: PLRFModel,
    T: float,
    *,
    dynamics: Dynamics = "discrete",
    ratio: float = DEFAULT_RATIO,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    grid=None,
    substeps: int = DEFAULT_SUBSTEPS,
    exact_modes: int = DEFAULT_EXACT_MODES,
    bins_per_decade: float = DEFAULT_BINS_PER_DECADE,
    points_per_bin: int = DEFAULT_POINTS_PER_BIN,
    initial=None,
    maxiter: int = 5000,
    ftol: float = DEFAULT_FTOL,
    gtol: float = 1e-9,
    maxcor: int = 30,
    restarts: int = 1,
    tol: float = DEFAULT_TOL,
    criterion: str = "scaled",
    multilevel: bool | None = None,
    diagnostics: bool = True,
    **unknown,
) -> ContinuumResult:
    r"""Optimal piecewise-constant schedule of the continuum problem at horizon ``T``.

    Minimises ``log L(T)`` over ``eta_j in [0, eta_upper]`` with L-BFGS-B and the exact adjoint
    gradient of the discretised dynamics. The cost per evaluation is ``O(J * substeps * n)``
    with ``J ~ log T`` intervals and ``n ~ log n_modes`` mode nodes.

    Parameters
    ----------
    model : PLRFModel
        ``eta_max``, ``batch``, ``sigma`` and ``n_modes`` come from here.
    T : float
        Horizon (number of SGD steps), ``>= 1``.
    dynamics : {"discrete", "continuous"}
        ``"discrete"`` (default) adds the discrete-step curvature: each mode contracts by the
        recursion's exact per-step factor ``1 - 2 eta lam + (1+1/m) eta^2 lam^2``, so the
        solution tracks the exact recursion; ``"continuous"`` is the continuous-time limit.
    ratio, max_interval : float
        Time grid (see :func:`time_grid`); ignored when ``grid`` is given.
    grid : array_like, optional
        Own grid ``0 = t_0 < ... < t_J = T`` (e.g. ``K`` equal blocks).
    substeps : int
        Integration substeps per interval.
    exact_modes, bins_per_decade, points_per_bin
        Mode quadrature (see :func:`mode_quadrature`).
    initial : None, array_like of shape (J,), ContinuumResult or sequence of them
        Starting schedule: ``None`` tunes two named families; results are continued
        (see :func:`continuum_sweep`).
    maxiter, ftol, gtol, maxcor
        L-BFGS-B options (on ``log L(T)``, each rate scaled by its own size, see ``tol``);
        ``maxiter`` counts the iterations of all levels and runs; ``ftol`` (default 1e-12) and
        ``gtol`` are safety stops: a run they end with the KKT test unmet has status 2.
    restarts : int
        Restart L-BFGS-B (rescaling every rate by its current size) up to this many times
        while that still lowers the loss.
    tol : float
        Converged (status 0) when the KKT residual chosen by ``criterion`` is at most ``tol``
        (tested after every iteration). Default 1e-3.
    criterion : {"scaled", "metric"}
        ``"scaled"`` (default): :math:`\sum_j |\partial \log L(T)/\partial \log \eta_j|` over
        the rates off their bounds (rates below ``1e-3 eta_upper`` count at that size), so a
        relative change ``eps`` of every rate changes ``L(T)`` by at most ``~eps * tol``; it does
        not grow with ``T``. ``"metric"``: the earlier max-norm residual in the variables
        ``eta_j sqrt(h_j/T)``, dominated by tiny annealed rates whose relative effect is
        negligible (it stayed at 6.1e-2 in every T = 1e6 run measured). Both are reported.
    multilevel : bool, optional
        Cold starts (default when neither ``initial`` nor ``grid`` is given): tune the named
        families and solve on every 8th grid interval first (residual 1e-2 or 1000
        iterations), then refine on the full grid from the prolongated schedule. Measured cold
        at T = 1e6: 714 instead of 1295 iterations, 7.8 instead of 21 s CPU.
    diagnostics : bool
        Estimate the quadrature and time-stepping errors by one refined forward pass each.

    Returns
    -------
    ContinuumResult

    Warns
    -----
    FrontWarning
        If the learned front reaches within a factor 10 of ``n_modes``.
    """
    reject_unknown("solve_continuum", unknown)
    maxiter = check_int("maxiter", maxiter, ge=1)
    maxcor = check_int("maxcor", maxcor, ge=1)
    restarts = check_int("restarts", restarts, ge=0)
    ftol = check_real("ftol", ftol, ge=0)
    gtol = check_real("gtol", gtol, ge=0)
    tol = check_real("tol", tol, ge=0)
    if criterion not in KKT_DEFINITIONS:
        raise ValueError(f"criterion must be one of {sorted(KKT_DEFINITIONS)}, got {criterion!r}")
    if multilevel is not None and not isinstance(multilevel, bool):
        raise TypeError(f"multilevel must be a bool or None, got {multilevel!r}")
    t0 = time.perf_counter()
    prob = build_problem(
        model,
        T,
        grid,
        ratio,
        max_interval,
        substeps,
        dynamics,
        exact_modes,
        bins_per_decade,
        points_per_bin,
    )
    J = prob.h.size
    if multilevel is None:
        multilevel = initial is None and grid is None
    if initial is None:
        eta0 = None
    elif isinstance(initial, ContinuumResult):
        eta0 = _warm_start([initial], prob)
    elif (
        isinstance(initial, (list, tuple))
        and initial
        and all(isinstance(r, ContinuumResult) for r in initial)
    ):
        eta0 = _warm_start(list(initial), prob)
    else:
        eta0 = np.asarray(initial, dtype=float)
        if eta0.shape != (J,) or not np.all(np.isfinite(eta0)):
            raise ValueError(
                f"initial must be a finite array of shape ({J},) (one rate per interval), got shape {eta0.shape}"
            )

    n_eval = [0]
    levels: list[dict] = []
    if multilevel and eta0 is None and J >= 2 * MULTILEVEL_FACTOR:
        # Multilevel continuation: the tuned start and a first solve on every
        # MULTILEVEL_FACTOR-th interval (8x cheaper evaluations, 8x fewer variables), then the
        # coarse schedule, exactly representable on the fine grid, starts the fine solve.
        coarse = replace(prob, t=_coarsen(prob.t, MULTILEVEL_FACTOR))
        coarse = replace(coarse, h=np.diff(coarse.t))
        eta_c, it_c, res_c = _optimise(
            coarse, _family_guess(coarse), criterion, max(tol, MULTILEVEL_COARSE_TOL),
            min(MULTILEVEL_MAXITER, maxiter), ftol, gtol, maxcor, 0, n_eval,
        )  # fmt: skip
        nit_coarse = it_c
        levels.append({"intervals": coarse.h.size, "iterations": it_c, "kkt": res_c[1]})
        mid = _midpoints(prob.t)
        eta0 = eta_c[np.searchsorted(coarse.t, mid, side="right") - 1]
    else:
        nit_coarse = 0
        if eta0 is None:
            eta0 = _family_guess(prob)
    eta, nit, (res, kkt) = _optimise(
        prob, np.clip(eta0, 0.0, prob.upper), criterion, tol, max(maxiter - nit_coarse, 1),
        ftol, gtol, maxcor, restarts, n_eval,
    )  # fmt: skip
    levels.append({"intervals": J, "iterations": nit, "kkt": kkt})
    nit += nit_coarse
    LT, g, Ln, ok = prob.value_grad(eta)
    kkt_s, kkt_m = (_kkt_scaled(prob, eta, g / LT), _kkt_metric(prob, eta, g / LT)) if ok else (
        math.inf, math.inf,
    )  # fmt: skip
    kkt = kkt_s if criterion == "scaled" else kkt_m
    if not ok:
        status, success, message = 3, False, "the schedule is unstable (loss not finite)"
    elif kkt <= tol:
        status, success = 0, True
        message = f"converged: {criterion} KKT residual {kkt:.1e} <= tol = {tol:g}"
    elif res.status == 1:
        status, success = 1, False
        message = f"iteration limit reached: {criterion} KKT residual {kkt:.1e} > tol = {tol:g}"
    elif res.status == 0:  # ftol: the loss stopped improving before the KKT test passed
        status, success = 0, True
        message = (
            f"converged: loss no longer improving ({res.message}); {criterion} KKT residual "
            f"{kkt:.1e} > tol = {tol:g}: flat directions of the schedule may be unconverged"
        )
    else:
        status, success = 2, False
        message = f"optimiser stopped ({res.message}); {criterion} KKT residual {kkt:.1e} > tol"

    qerr = terr = math.nan
    if diagnostics and ok:
        fine = build_problem(
            model,
            prob.T,
            prob.t,
            ratio,
            max_interval,
            substeps,
            dynamics,
            2 * exact_modes,
            2 * bins_per_decade,
            2 * points_per_bin,
        )
        qerr = abs(fine.loss_curve(eta)[0][-1] / LT - 1.0)
        finer = replace(prob, substeps=2 * substeps)
        terr = abs(finer.loss_curve(eta)[0][-1] / LT - 1.0)
    tau = float(eta @ prob.h)
    front = (2.0 * tau) ** (1.0 / model.b)
    notes = []
    if front * FRONT_WARN_FACTOR > model.n_modes:
        msg = (
            f"the learned front k* = {front:.3g} is within a factor {FRONT_WARN_FACTOR:g} of n_modes = "
            f"{model.n_modes}: mode truncation biases the loss at this horizon; raise n_modes"
        )
        notes.append(msg)
        warnings.warn(msg, FrontWarning, stacklevel=2)
    return ContinuumResult(
        model=model, T=prob.T, t=prob.t, eta=eta, loss=Ln, final_loss=float(LT), success=success,
        status=status, message=message, iterations=nit, evaluations=n_eval[0],
        kkt_residual=kkt, seconds=time.perf_counter() - t0, eta_upper=prob.upper,
        dynamics=dynamics, substeps=prob.substeps, n_quadrature=prob.quad.size,
        n_exact=prob.quad.n_exact, n_bins=prob.quad.n_bins, quadrature_error=float(qerr),
        time_error=float(terr), front=front, tail_loss=model.tail_loss, warnings=tuple(notes),
        criterion=criterion, kkt_scaled=kkt_s, kkt_metric=kkt_m, levels=tuple(levels),
    )  # fmt: skip


def continuum_sweep(
    model: PLRFModel, Ts: Sequence[float], *, continuation: bool = True, **options
) -> list[ContinuumResult]:
    """Solve at each horizon of ``Ts`` (ascending), warm-starting each from the previous ones.

    The last two solutions are extrapolated in ``log T`` at fixed ``logit(t/T)`` (see
    :func:`solve_continuum`'s ``initial``); ``continuation=False`` cold-starts every horizon.
    Returns one :class:`ContinuumResult` per horizon, in the order of ``Ts``.
    """
    if "initial" in options:
        raise TypeError(
            "continuum_sweep() sets 'initial' itself; pass continuation=False to cold-start"
        )
    Ts = [check_real("Ts[i]", T, ge=1) for T in Ts]
    if not Ts:
        raise ValueError("Ts must hold at least one horizon")
    order = np.argsort(Ts, kind="stable")
    done: list[ContinuumResult] = []
    out: list[ContinuumResult | None] = [None] * len(Ts)
    for i in order:
        init = done[-2:] if (continuation and done) else None
        r = solve_continuum(model, Ts[i], initial=init, **options)
        done.append(r)
        out[i] = r
    return out  # type: ignore[return-value]
