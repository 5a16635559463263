r"""Baseline schedules, each tuned per horizon ``T`` on the exact recursion.

Each baseline is a family of schedules with one or two parameters; :func:`tune_baseline`
minimises the final excess loss :math:`L(T)` over them on a :class:`~solvers.dynamics.modes.ModeGrid`
(the exact recursion of docs/theory.md §1 with a log-binned tail): a coarse grid in the transformed
parameters (log of rates), then a bounded Brent polish (1-D) or Nelder-Mead (2-D). The optimal
constant rate uses the closed form :func:`~solvers.dynamics.modes.constant_rate_loss`, whose cost does not
grow with ``T``.

==========  =========================================  ==========================
name        schedule                                   tuned parameters
==========  =========================================  ==========================
constant    :math:`\eta_0`                             ``eta0`` (< stability limit)
power       :math:`\eta_0 (t+1)^{-\chi}`               ``eta0``, ``chi``
linear      :math:`\eta_0 (1 - t/T)`                   ``eta0``
cosine      :math:`\eta_0 (1 + \cos(\pi t/T))/2`       ``eta0``
wsd         :math:`\eta_0 \min(1, (1 - t/T)/f)`        ``eta0`` (<= eta_max), ``frac``
easy        :math:`c\,T^{-\xi} (1 - t/T)^\delta`       ``c`` (``xi``, ``delta`` given)
==========  =========================================  ==========================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from theory import PLRFModel
from theory._checks import check_int, check_real, reject_unknown

from ..dynamics.modes import (
    ModeGrid,
    constant_rate_loss,
    grid_final_loss,
    grid_stability_limit,
)
from .families import SCHEDULES

__all__ = ["BASELINES", "BaselineResult", "tune_baseline", "tune_constant"]

#: Lowest rate searched, relative to the stability limit (six decades below it).
ETA_FLOOR = 1e-6
#: Smallest ``eta T lambda_1`` a tuned constant rate searches (far below any optimum: at it the
#: top mode has not started to learn).
LEARN_FLOOR = 1e-2
#: Smallest WSD decay fraction searched (:func:`frac_bounds`).
FRAC_FLOOR = 1e-5
#: Relative distances below the upper bound of a rate (a family's first parameter, log-scaled)
#: added to its coarse grid.
#: The hard phase's tuned WSD peak sits just below the stability limit, where the loss rises
#: steeply (at (1.5, 3), T = 1e6: eta0 = 0.972 of the limit, loss 0.18154; on the limit 0.18832
#: at best): between the log grid's last two points (the limit and 0.46 of it) neither start
#: found it, and the polish kept the peak on the limit (3.6 % above the tuned loss).
NEAR_BOUND = (0.3, 0.1, 0.03, 0.01, 0.003)
#: Coarse-grid points per decade of a rate before polishing.
GRID_PER_DECADE = 3
#: Relative distance (in the transformed parameter's range) that counts as "at a bound".
AT_BOUND_RTOL = 1e-3
#: Largest power-law exponent chi searched.
CHI_MAX = 1.5
#: Stand-in for an infinite loss inside optimisers (they need finite comparisons).
BLOWUP = 1e300
#: Tolerances of the polish in the transformed parameters (log of a rate): bounded Brent for one
#: parameter, Nelder-Mead for two. They bound a tuned rate's relative error, which the claims on
#: tuned rates count as the values' solver error (solvers/claims/baselines.py).
BRENT_XATOL = 1e-5
NELDER_MEAD_XATOL = 1e-4
#: Reference CPU seconds of one unit of a loss evaluation, per kernel: ``continuum`` a mode
#: node advanced one substep of one interval of the continuum grid (forward pass only),
#: ``recursion`` a grid mode advanced one step of the exact recursion, ``closed form`` a grid
#: mode of the constant rate's closed-form loss. Measured at (1.2, 4), (3, 2) and (1.5, 3),
#: T = 1e4 .. 1e8, with both cores busy: 36.7-39.1 ns, 1.75-1.80 ns and 6.3-8.0 us
#: (benchmarks/results/claims.md, 2026-11-30l).
SECONDS_PER_UNIT = {"continuum": 40e-9, "recursion": 1.8e-9, "closed form": 7e-6}


@dataclass(frozen=True)
class BaselineResult:
    """A baseline schedule tuned at one horizon.

    Attributes
    ----------
    name : str
    T : int
    params : dict
        Tuned parameters by name.
    final_loss : float
        :math:`L(T)` at the tuned parameters.
    at_bound : tuple of str
        Parameters whose optimum sits at a search bound (the true optimum may lie beyond it).
    bounds : dict
        Search bounds per parameter.
    evaluations : int
    success, message
    cost : float
        Reference CPU seconds of the tuning: its loss evaluations times the size of one, at the
        fixed rate of the kernel it ran on (:data:`SECONDS_PER_UNIT`), not the process's clock,
        so that a budget spent in it reaches the same horizons at any load of the machine.
    """

    name: str
    T: int
    params: dict
    final_loss: float
    at_bound: tuple[str, ...]
    bounds: dict
    evaluations: int
    success: bool
    message: str
    fixed: dict = field(default_factory=dict)
    cost: float = 0.0

    def schedule(self) -> np.ndarray:
        """The tuned schedule, shape ``(T,)``."""
        return BASELINES[self.name].build(self.T, self.params, self.fixed)


@dataclass(frozen=True)
class Baseline:
    """A schedule family to tune: parameter names, log-scaled flags, search bounds, and its
    rate ``rate(t, T, params, fixed)`` over real ``t`` (the time-domain tuner evaluates it at
    the steps, the continuum tuner at its grid's midpoints)."""

    name: str
    params: tuple[str, ...]
    log: tuple[bool, ...]
    bounds: Callable[[RateBox, int, dict], list[tuple[float, float]]]
    rate: Callable[[np.ndarray, float, dict, dict], np.ndarray]
    formula: str

    def build(self, T: int, params: dict, fixed: dict) -> np.ndarray:
        """The schedule at the steps ``t = 0..T-1``, shape ``(T,)``."""
        return self.rate(np.arange(T, dtype=float), float(T), params, fixed)


@dataclass(frozen=True)
class RateBox:
    """The rates a tuner searches, one set of numbers per dynamics: ``limit`` the largest stable
    constant rate (every family's rate range starts :data:`ETA_FLOOR` below it), ``cap`` a
    family's largest peak rate, ``constant_cap`` the constant's largest rate, ``lam_max`` the
    top mode's eigenvalue. The families' :attr:`Baseline.bounds` are functions of it, so the
    time-domain and the continuum tuner search the same ranges of their own dynamics."""

    limit: float
    cap: float
    constant_cap: float
    lam_max: float

    @classmethod
    def of_grid(cls, grid: ModeGrid) -> RateBox:
        """The exact recursion on ``grid``: peaks up to ``eta_max`` (a rate above the stability
        limit blows up and scores as such), the constant just below the limit."""
        limit = grid_stability_limit(grid)
        return cls(limit, grid.model.eta_max, limit * (1 - 1e-9), float(grid.lam.max()))


def _rate_bounds(box: RateBox) -> tuple[float, float]:
    return (ETA_FLOOR * box.limit, box.cap)


def constant_floor(upper: float, T: float, lam_max: float) -> float:
    """Lowest constant rate searched at horizon ``T``: :data:`ETA_FLOOR` below the upper bound,
    or lower, down to where ``eta T lambda_1 = LEARN_FLOOR`` (a fixed floor cut the optimum off
    at long horizons: at (4, 1.2) ``eta_c ~ T^-0.71`` reached it near T = 3e9)."""
    return min(ETA_FLOOR * upper, LEARN_FLOOR / (T * lam_max))


def frac_bounds(T: float) -> tuple[float, float]:
    """WSD's decay fraction, searched on a log axis from one step (or :data:`FRAC_FLOOR`) to the
    whole run. The optimal fraction shrinks with ``T`` (in the hard phase like the annealing
    window, ``~T^(omega_0 - 1)``: 0.39 at 1e3, 0.13 at 1e5 at (1.5, 3)); a linear grid in
    ``[0, 1]`` (0, 0.2, ...) put its basin between the first two points and the polish
    kept the peak on its bound with the wrong fraction (7 % above the tuned loss at 1e5)."""
    return (max(1.0 / T, FRAC_FLOOR), 1.0)


def _easy_rate(t: np.ndarray, T: float, p: dict, fx: dict) -> np.ndarray:
    """``c T^-xi (1 - t/T)^delta``: the ``poly`` family with the derived exponents ``fx``."""
    return SCHEDULES["poly"].rate(t, T, p["c"] * T ** (-fx["xi"]), fx["delta"])


def _family(name: str, log: tuple[bool, ...], bounds) -> Baseline:
    """A family of :data:`~solvers.schedules.SCHEDULES` as a baseline (same formula)."""
    kind = SCHEDULES[name]

    def rate(t, T, p, fx):
        return kind.rate(t, T, *(p[k] for k in kind.params))

    return Baseline(name, kind.params, log, bounds, rate, kind.formula)


def _easy_bounds(box: RateBox, T: int, fx: dict):
    return [(ETA_FLOOR * box.limit * T ** fx["xi"], box.cap * T ** fx["xi"])]


BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        _family("constant", (True,), lambda box, T, fx: [
            (constant_floor(box.limit, T, box.lam_max), box.constant_cap)]),
        _family("power", (True, False), lambda box, T, fx: [_rate_bounds(box), (0.0, CHI_MAX)]),
        _family("linear", (True,), lambda box, T, fx: [_rate_bounds(box)]),
        _family("cosine", (True,), lambda box, T, fx: [_rate_bounds(box)]),
        _family("wsd", (True, True), lambda box, T, fx: [_rate_bounds(box), frac_bounds(T)]),
        Baseline("easy", ("c",), (True,), _easy_bounds, _easy_rate, "c T^-xi (1 - t/T)^delta"),
    )
}  # fmt: skip


def _to_z(x, log, bounds):
    return [math.log(v) if lg else v for v, lg in zip(x, log, strict=True)], [
        (math.log(lo), math.log(hi)) if lg else (lo, hi)
        for (lo, hi), lg in zip(bounds, log, strict=True)
    ]


def _at_bound(z, zb, names) -> tuple[str, ...]:
    out = []
    for v, (lo, hi), n in zip(z, zb, names, strict=True):
        width = hi - lo
        if v - lo <= AT_BOUND_RTOL * width or hi - v <= AT_BOUND_RTOL * width:
            out.append(n)
    return tuple(out)


def tune_constant(
    model: PLRFModel,
    T: int | Sequence[int],
    *,
    grid: ModeGrid | None = None,
    xatol: float = 1e-3,
) -> list[BaselineResult]:
    r"""The optimal constant rate at every horizon in ``T``, from the closed-form loss.

    One coarse scan of :math:`\log\eta` (every horizon at once: the cost of
    :func:`~solvers.dynamics.modes.constant_rate_loss` does not depend on ``T``), then a bounded Brent
    search in :math:`\log\eta` per horizon, between the neighbours of the best grid point.

    Parameters
    ----------
    model : PLRFModel
    T : int or sequence of int
    grid : ModeGrid, optional
        Default :meth:`ModeGrid.from_model`.
    xatol : float
        Absolute tolerance in :math:`\log\eta`.

    Returns
    -------
    list of BaselineResult, one per horizon
    """
    grid = ModeGrid.from_model(model) if grid is None else grid
    Ts = [check_int("T", t, ge=1) for t in np.atleast_1d(T).tolist()]
    ((lo, hi),) = BASELINES["constant"].bounds(RateBox.of_grid(grid), max(Ts), {})  # every T
    zlo, zhi = math.log(lo), math.log(hi)
    n = max(8, int(GRID_PER_DECADE * (zhi - zlo) / math.log(10)) + 1)
    zs = np.linspace(zlo, zhi, n)
    out = _tune_constant_scan(grid, Ts, zs, lo, hi, xatol)
    if bad := [r.T for r in out if not r.success]:
        raise ValueError(
            f"tune_constant: no constant rate in [{lo:.3g}, {hi:.3g}] gives a finite loss at "
            f"T = {bad} for the model a={model.a:g}, b={model.b:g} (its spectrum is outside "
            "what float64 represents, or every rate diverges)"
        )
    return out


def _tune_constant_scan(grid, Ts, zs, lo, hi, xatol):
    n = zs.size
    zlo, zhi = zs[0], zs[-1]
    table = np.array([constant_rate_loss(grid, math.exp(z), Ts) for z in zs])  # (n, nT)
    cache: dict[float, np.ndarray] = {}  # every evaluation gives the loss at every horizon

    def logloss(z: float, j: int) -> float:
        if z not in cache:
            cache[z] = constant_rate_loss(grid, math.exp(z), Ts)
        v = float(cache[z][j])
        return math.log(v) if math.isfinite(v) and v > 0 else math.log(BLOWUP)

    out: list = [None] * len(Ts)
    found: list[tuple[float, float]] = []  # (log T, log eta*) of the horizons done, increasing T
    for j in sorted(range(len(Ts)), key=lambda j: Ts[j]):
        T_ = Ts[j]
        col = np.log(np.where(np.isfinite(table[:, j]), table[:, j], BLOWUP))
        i = int(np.argmin(col))
        a_, b_ = zs[max(i - 1, 0)], zs[min(i + 1, n - 1)]
        before = len(cache)
        z, fz = _bracketed_near(lambda z, j=j: logloss(z, j), _predict(found, T_), a_, b_, xatol)
        if z is None:
            res = minimize_scalar(lambda z, j=j: logloss(z, j), bounds=(a_, b_), method="bounded",
                                  options={"xatol": xatol})  # fmt: skip
            z, fz = float(res.x), float(res.fun)
        if fz > col[i]:
            z, fz = float(zs[i]), float(col[i])
        found.append((math.log(T_), z))
        ab = _at_bound([z], [(zlo, zhi)], ["eta0"])
        loss = math.exp(fz)
        # the penalty itself (or a value within rounding of it) is not a loss
        ok = bool(np.isfinite(table[:, j]).any()) and math.isfinite(loss) and loss < BLOWUP / 10
        evals = n + len(cache) - before
        out[j] = BaselineResult(
            "constant", T_, {"eta0": math.exp(z)}, loss, ab, {"eta0": (lo, hi)},
            evals, ok, "closed-form scan + bounded search in log eta"
            + (f"; optimum at bound {ab}" if ab else ""),
            cost=evals * grid.lam.size * SECONDS_PER_UNIT["closed form"],
        )  # fmt: skip
    return out


def _predict(found: list[tuple[float, float]], T: int) -> float | None:
    """``log eta*`` at ``T`` extrapolated linearly in ``log T`` from the last two horizons done
    (the tuned rate is a smooth power of ``T``), or ``None`` before two are done."""
    if len(found) < 2:
        return None
    (x0, z0), (x1, z1) = found[-2:]
    return z1 + (z1 - z0) / (x1 - x0) * (math.log(T) - x1) if x1 > x0 else z1


def _bracketed_near(f, guess, a_, b_, xatol):
    """Three points ``guess + (-xatol, 0, xatol)``, stepped toward the lower side until the
    middle one is lowest: the minimum then lies within ``xatol`` of it, and the vertex of the
    parabola through the three (evaluated; error ~xatol^2) is returned if lower.
    ``(None, None)`` when there is no guess or the steps leave ``[a_, b_]`` (Brent takes over)."""
    if guess is None or not a_ + xatol <= guess <= b_ - xatol:
        return None, None
    z = guess
    for _ in range(8):
        fl, fm, fr = f(z - xatol), f(z), f(z + xatol)
        if fm <= fl and fm <= fr:
            curv = fl - 2.0 * fm + fr
            if curv > 0:
                zv = z + 0.5 * xatol * (fl - fr) / curv
                fv = f(zv)
                if fv < fm:
                    return zv, fv
            return z, fm
        z = z - xatol if fl < fr else z + xatol
        if not a_ + xatol <= z <= b_ - xatol:
            break
    return None, None


def _optimise(f, spec: Baseline, zb, max_evaluations: int):
    """Minimise ``f(z)`` over the transformed parameters ``z`` in the box ``zb``: a coarse grid,
    then a bounded Brent polish (one parameter) or Nelder-Mead (two). Returns
    ``(z_opt, f_opt, method)``."""
    axes = []
    for i, ((lo, hi), lg) in enumerate(zip(zb, spec.log, strict=True)):
        n = max(6, int(GRID_PER_DECADE * (hi - lo) / math.log(10)) + 1) if lg else 6
        ax = np.linspace(lo, hi, n)
        if lg and i == 0:  # the rate: also just below its bound, where a cliff may follow
            near = hi + np.log1p(-np.asarray(NEAR_BOUND))
            ax = np.union1d(ax, near[near > ax[-2]])
        axes.append(ax)
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(axes))
    vals = np.array([f(z) for z in mesh])
    best = mesh[int(np.argmin(vals))]
    if len(axes) == 1:
        step = axes[0][1] - axes[0][0]
        lo_, hi_ = max(best[0] - step, zb[0][0]), min(best[0] + step, zb[0][1])
        res = minimize_scalar(
            lambda z: f([z]), bounds=(lo_, hi_), method="bounded", options={"xatol": BRENT_XATOL}
        )
        z_opt, f_opt = [float(res.x)], float(res.fun)
        method = "coarse grid + bounded Brent"
    else:
        starts = _grid_minima(vals.reshape([ax.size for ax in axes]), mesh, MAX_STARTS)
        runs = [_nelder_mead(f, z0, [ax[1] - ax[0] for ax in axes], zb, max_evaluations)
                for z0 in starts]  # fmt: skip
        z_opt, f_opt = min(runs, key=lambda r: r[1])
        method = f"coarse grid + Nelder-Mead from {len(starts)} grid minima"
    if f_opt > vals.min():
        z_opt, f_opt = [float(v) for v in best], float(vals.min())
    return z_opt, f_opt, method


#: Most Nelder-Mead starts of a two-parameter tuning: the grid's lowest local minima. The power
#: law has two basins (its constant edge ``chi = 0`` and an interior ``chi ~ 0.3``); from the grid
#: best alone the polish kept the edge at (4.5, 1.5), T = 1000 (loss 0.003222 against 0.002917).
MAX_STARTS = 3


def _grid_minima(vals: np.ndarray, mesh: np.ndarray, k: int) -> list[np.ndarray]:
    """The ``k`` lowest points of the grid ``vals`` (shape of the axes) no higher than any of
    their neighbours along an axis, lowest first (the grid's best is always the first; points
    scored as blow-ups are none)."""
    is_min = np.ones(vals.shape, bool)
    for ax in range(vals.ndim):
        for shift in (1, -1):
            nb = np.roll(vals, shift, axis=ax)
            edge = [slice(None)] * vals.ndim
            edge[ax] = 0 if shift == 1 else -1
            nb[tuple(edge)] = np.inf  # no wrap-around across the box
            is_min &= vals <= nb
    is_min &= vals < math.log(BLOWUP) / 2  # no point of a blow-up plateau
    idx = np.flatnonzero(is_min.ravel())
    idx = idx[np.argsort(vals.ravel()[idx], kind="stable")][:k]
    return [mesh[i] for i in idx]


def _nelder_mead(f, best, steps, zb, max_evaluations: int) -> tuple[list[float], float]:
    """Bounded Nelder-Mead from ``best`` with a simplex of half grid steps inside the box."""
    lo_, hi_ = np.array([b[0] for b in zb]), np.array([b[1] for b in zb])
    # the simplex steps into the box: a grid best on a bound (the power law's eta0 at the
    # stability limit) stepped across it scored BLOWUP, and the search returned the grid
    # point unchanged (chi = 0.3 exactly at (2.5, 3.2), T = 1e11; claims.md 2026-11-30p)
    simplex = [best] + [
        best + np.eye(len(best))[i] * steps[i] * (0.5 if best[i] + steps[i] * 0.5 <= hi_[i]
                                                  else -0.5)
        for i in range(len(best))
    ]  # fmt: skip
    res = minimize(
        f, best, method="Nelder-Mead", bounds=list(zip(lo_, hi_, strict=True)),
        options={"initial_simplex": np.array(simplex), "xatol": NELDER_MEAD_XATOL, "fatol": 1e-9,
                 "maxfev": max_evaluations},
    )  # fmt: skip
    return [float(v) for v in res.x], float(res.fun)


def tune_baseline(
    name: str,
    model: PLRFModel,
    T: int,
    *,
    grid: ModeGrid | None = None,
    xi: float | None = None,
    delta: float | None = None,
    max_evaluations: int = 200,
    **kwargs,
) -> BaselineResult:
    r"""Tune the baseline ``name`` (see :data:`BASELINES`) at horizon ``T``.

    Parameters
    ----------
    name : str
        One of ``constant, power, linear, cosine, wsd, easy``.
    model : PLRFModel
    T : int
    grid : ModeGrid, optional
        Mode representation (default :meth:`ModeGrid.from_model`).
    xi, delta : float, optional
        The easy-phase exponents (required for ``name = "easy"``; from the theory).
    max_evaluations : int
        Budget of the polish step.

    Returns
    -------
    BaselineResult
    """
    reject_unknown(tune_baseline, kwargs)
    if name not in BASELINES:
        raise ValueError(f"name: unknown baseline {name!r}; expected one of {sorted(BASELINES)}")
    T = check_int("T", T, ge=1)
    grid = ModeGrid.from_model(model) if grid is None else grid
    if name == "constant":
        return tune_constant(model, T, grid=grid)[0]
    fixed = {}
    if name == "easy":
        if xi is None or delta is None:
            raise ValueError("the 'easy' baseline needs the theory's exponents xi and delta")
        fixed = {"xi": check_real("xi", xi), "delta": check_real("delta", delta, ge=0)}
    spec = BASELINES[name]
    bounds = spec.bounds(RateBox.of_grid(grid), T, fixed)

    def loss_of(params):
        return grid_final_loss(grid, spec.build(T, params, fixed))[0]

    unit = T * grid.lam.size * SECONDS_PER_UNIT["recursion"]
    return tune_in_box(name, T, spec, bounds, loss_of, fixed, max_evaluations, seconds_each=unit)


def tune_in_box(
    name, T, spec, bounds, loss_of, fixed, max_evaluations, *, context: str = "",
    seconds_each: float = 0.0,
):  # fmt: skip
    """Minimise ``log loss_of(params)`` over the box ``bounds`` of ``spec``'s parameters.

    The driver shared by the time-domain tuner (:func:`tune_baseline`) and the continuum one
    (:func:`solvers.schedules.tuning_continuum.tune_baseline_continuum`); they differ only in how a
    schedule's loss is evaluated. Trials outside the box or with a non-finite loss score as
    :data:`BLOWUP`. ``context`` prefixes the result's message; ``seconds_each`` is the
    reference cost of one evaluation (the result's ``cost`` is the evaluations times it).
    """
    _, zb = _to_z([b[0] for b in bounds], spec.log, bounds)
    count = [0]

    def params_of(z):
        return {
            n: (math.exp(v) if lg else v) for n, v, lg in zip(spec.params, z, spec.log, strict=True)
        }

    def f(z):
        if any(v < lo or v > hi for v, (lo, hi) in zip(z, zb, strict=True)):
            return math.log(BLOWUP)
        count[0] += 1
        loss = loss_of(params_of(z))
        return math.log(loss) if math.isfinite(loss) and loss > 0 else math.log(BLOWUP)

    z_opt, f_opt, method = _optimise(f, spec, zb, max_evaluations)
    loss = math.exp(f_opt)
    ok = loss < BLOWUP / 10  # exp(log(BLOWUP)) rounds to just below BLOWUP: still the penalty
    ab = _at_bound(z_opt, zb, spec.params)
    bnds = {n: tuple(b) for n, b in zip(spec.params, bounds, strict=True)}
    msg = (
        context
        + method
        + (f"; optimum at bound {ab}" if ab else "")
        + ("" if ok else "; every trial blew up")
    )
    return BaselineResult(
        name, T, params_of(z_opt), loss if ok else math.inf, ab, bnds, count[0], ok, msg, fixed,
        count[0] * seconds_each,
    )  # fmt: skip
