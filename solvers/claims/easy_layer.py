r"""xi's and delta's readouts with the easy phase's end-of-run boundary layer divided out.

The optimum's outer schedule is :math:`\eta \propto T^{-\xi}(1+y)^{2b-b/a}(u - \varepsilon)^{2b-1}`,
:math:`u = 1 - t/T`, with :math:`\varepsilon = D(b)/(cT) = y/(1+y)` and
:math:`c = \eta(T)\,\zeta(2b)^{1/2}` read from the end rate (:func:`theory.easy_end_layer`):
the layer's :math:`T^{-1/(2a)}` correction and all its powers are one function of
:math:`\varepsilon`. :func:`divided_shape_exponent` solves the window-mean ratio of
:func:`~solvers.claims.readouts.shape_exponent` for the power of :math:`(u - \varepsilon)`;
:func:`layer_factor` is what the layer does to a window mean of the rate.

On real optima (benchmarks/results/claims.md, 2026-12-01e): at (3, 2), ``T = 1e10``, delta
reads 2.859 raw and 3.0000 divided on a grid with 8x shorter cells (``max_interval`` 0.00125,
``ratio`` 1.025); at (4, 3.5), ``T = 1e9``, 4.970 and 5.994. On the default grid the divided
readout carries the grid's own error (+0.0047 at (3, 2), ``T = 1e10``), which :func:`grid_error`
and :func:`with_slope_grid_error` estimate by refined re-solves. Where the schedule does not end
on the layer's floor (:data:`FLOOR_MATCH`) nothing is divided.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.optimize import brentq

from theory import PLRFModel, easy_end_layer

from ..analysis.extrapolate import local_slope_sequence
from ._hard_sweep import hard_sweep_options
from .readouts import DELTA_U_RANGE, annealing_width, shape_windows, window_mean_rate

__all__ = [
    "BOUNDARY_REACH",
    "FLOOR_MATCH",
    "GRID_REFINEMENT",
    "divided_delta",
    "divided_mean",
    "divided_shape_exponent",
    "grid_error",
    "layer_epsilon",
    "layer_factor",
    "power_window_mean",
    "refined_grid",
    "with_slope_grid_error",
]

#: The refined re-solve of :func:`grid_error`: cells half as long in the bulk and a geometric
#: ratio half as far from 1 near the ends. Its change of delta's divided readout is 0.77x the
#: default grid's real error at (3, 2), T = 1e10, and 0.82x at (4, 3.5), T = 1e9 (against the
#: grid with 8x shorter cells and ratio 1.025), hence the factor :data:`GRID_SAFETY`.
GRID_REFINEMENT = {"max_interval": 0.5, "ratio": 0.5}
#: Multiplies the refined re-solve's change into the stated grid error (>= the measured 1/0.77).
GRID_SAFETY = 2.0
#: The grid's cap boundary (where its cells stop growing towards the bulk, ``max_interval /
#: (ratio - 1)`` of ``T`` from each end; 0.1 ``T`` by default) matters to a hard optimum's window
#: unless the window's half-level crossing lies this factor inside it (then the window is in the
#: anchored geometric cells): the refined re-solve puts its own boundary at most at half the
#: crossing (:func:`refined_grid`), and the halving rule's re-solve is kept beside it
#: (:func:`_refinements`). Halving the cap
#: and the ratio's step leaves the boundary where it was, and the drift of the default grid's
#: error as the crossing moves across it went unseen: at (3, 3.5), ``T`` = 3.16e14 -> 1e15
#: (crossing 0.090 -> 0.082 ``T``) the refined re-solve moved the window's last slope by -1.05e-4
#: where the cap at 0.001 ``T`` moved it by +7.7e-4 (benchmarks/results/claims.md,
#: 2026-12-01s18 (win18) section 4, 2026-12-01s19 (win19)).
BOUNDARY_REACH = 4.0
#: The hard sweep's optima re-solved with this many times their Gauss-Legendre nodes per mode bin
#: (same time grid) for the mode quadrature's error of a readout (:func:`with_slope_grid_error`).
#: The loss's own ``quadrature_error`` understates a window readout's: at (3.5, 4), 4 nodes, the
#: loss moved by 6e-5 and the lost time by up to 3.6e-4, alternating with the half-decades
#: (claims.md, 2026-12-01s18 (win18)).
MODE_REFINEMENT = 2


#: An optimum ends on the layer's floor: its end rate times :math:`\zeta(2b)^{1/2}` and its
#: mid-run :math:`\eta K(2U)^{1/2}` are the same ``c`` (ratio 1.00-1.37 on the continuum optima
#: at (3, 2), (4, 3.5) and (2.5, 1.5), T = 1e2 .. 1e11). A schedule farther off than this factor has no such
#: floor (not an optimum of this problem, e.g. a stand-in of the outer form): it is read raw.
FLOOR_MATCH = 2.0


def layer_epsilon(model: PLRFModel, res, T: float) -> float:
    """:math:`\\varepsilon = D(b)/(cT)` of an optimum, ``c`` from its end rate (last cell); 0 (no
    division) when that ``c`` is not the mid-run one to within :data:`FLOOR_MATCH`."""
    layer = easy_end_layer()
    end = float(np.asarray(res.eta)[-1])
    c_end = end * math.sqrt(layer.kernel(model.b, 0.0))
    U_mid = window_mean_rate(res, T, 0.5, 1.0) * 0.5 * T  # remaining intrinsic time at T/2
    c_mid = window_mean_rate(res, T, 0.49, 0.51) * math.sqrt(layer.kernel(model.b, 2 * U_mid))
    if not (c_mid > 0 and 1 / FLOOR_MATCH <= c_end / c_mid <= FLOOR_MATCH):
        return 0.0
    return layer.epsilon(model.b, end, T)


def power_window_mean(lo: float, hi: float, eps: float, power: float) -> float:
    r"""Mean of :math:`(u - \varepsilon)^{p}` over :math:`u \in [\mathrm{lo}, \mathrm{hi}]`.

    >>> power_window_mean(0.0, 1.0, 0.0, 2.0)  # int_0^1 u^2 du
    0.3333333333333333
    """
    return ((hi - eps) ** (power + 1) - (lo - eps) ** (power + 1)) / ((power + 1) * (hi - lo))


def divided_shape_exponent(
    res, T: float, eps: float, u_range: tuple[float, float] = DELTA_U_RANGE
) -> float:
    r"""delta with the layer divided out: the power ``p`` whose :math:`(u - \varepsilon)^{p}` has
    the optimum's ratio of window means over the two geometric halves of ``u_range`` (the
    windows of :func:`~solvers.claims.readouts.shape_exponent`; ``eps = 0`` gives its value)."""
    inner, outer = (window_mean_rate(res, T, *w) for w in shape_windows(u_range))
    ratio = outer / inner
    u1, u2 = u_range
    um = math.sqrt(u1 * u2)
    if eps == 0:
        return math.log(ratio) / math.log(u2 / um)
    if eps >= u1:  # D < 0: the derived shift is always negative
        raise ValueError(f"eps = {eps!r} is not below the window's start u1 = {u1!r}")

    def gap(p: float) -> float:
        return math.log(
            power_window_mean(um, u2, eps, p) / power_window_mean(u1, um, eps, p) / ratio
        )

    return brentq(gap, 1e-3, 64.0, xtol=1e-12)


def layer_factor(model: PLRFModel, eps: float, window: tuple[float, float]) -> float:
    r"""What the layer does to the mean rate over ``t/T in window``: :math:`(1+y)^{2b-b/a}` times
    the window mean of :math:`(u - \varepsilon)^{2b-1}` over that of :math:`u^{2b-1}`."""
    layer = easy_end_layer()
    y = eps / (1 - eps)
    lo, hi = 1 - window[1], 1 - window[0]
    p = 2 * model.b - 1
    shape = power_window_mean(lo, hi, eps, p) / power_window_mean(lo, hi, 0.0, p)
    return (1 + y) ** layer.amplitude_power(model.a, model.b) * shape


def divided_mean(model: PLRFModel, res, T: float, window: tuple[float, float]) -> float:
    """The mean rate over ``t/T in window`` with the layer divided out (:func:`layer_factor`)."""
    return window_mean_rate(res, T, *window) / layer_factor(
        model, layer_epsilon(model, res, T), window
    )


def divided_delta(model: PLRFModel, res, T: float) -> float:
    """delta over :data:`~solvers.claims.readouts.DELTA_U_RANGE` with the layer divided out."""
    return divided_shape_exponent(res, T, layer_epsilon(model, res, T))


def _refined(model: PLRFModel, res, T: float, ctx, halving: bool = False):
    """The optimum at ``T`` re-solved from itself on the refined grid (:func:`refined_grid`; with
    ``halving``, :data:`GRID_REFINEMENT`'s alone), memoised in ``ctx``; ``None`` for a result
    without a continuum grid."""
    from ..control.continuum import ContinuumResult

    if not isinstance(res, ContinuumResult):
        return None
    memo = ctx.memo.setdefault((GRID_KIND[halving], model), {})
    if T not in memo:
        memo[T] = _solve_from(model, T, res, _grid_options(model, res, T, ctx, halving))
    return memo[T]


#: The memo kinds of the re-solves: the grid term's two refinements (by ``halving``), the mode
#: term's.
GRID_KIND = {False: "refined grid", True: "refined grid (halving)"}
MODES_KIND = "refined modes"


def _solve_from(model: PLRFModel, T: float, res, options: dict):
    """The optimum at ``T`` re-solved from ``res`` with ``options`` (a task of :func:`_share`)."""
    from ..control.continuum import solve_continuum

    return solve_continuum(model, T, initial=res, **options)


def _share(model: PLRFModel, sol: dict, Ts, ctx) -> None:
    """The re-solves :func:`with_slope_grid_error` asks for at ``Ts`` (:func:`_refinements`',
    then :func:`_mode_error`'s), solved as one batch by ``ctx.share`` (a two-process run: the
    worker beside this process takes them from the front once its claims are done) and stored
    in the memo as :func:`_refined` and :func:`_refined_modes` would store them: the same
    solves from the same starts, the same numbers. Nothing without ``ctx.share``."""
    from ..control.continuum import ContinuumResult

    if ctx.share is None or not all(isinstance(sol[T], ContinuumResult) for T in Ts):
        return
    halvings = (False, True) if _boundary_moved(model, sol, Ts, ctx) else (False,)
    jobs = [
        (GRID_KIND[h], T, _grid_options(model, sol[T], T, ctx, h)) for h in halvings for T in Ts
    ]
    jobs += [(MODES_KIND, T, _modes_options(model, ctx)) for T in Ts]
    todo = [
        (k, T, o) for k, T, o in _costliest_first(jobs) if T not in ctx.memo.get((k, model), {})
    ]
    done = ctx.share(_solve_from, [(model, T, sol[T], o) for _, T, o in todo])
    got = {(k, T): r for (k, T, _), r in zip(todo, done, strict=True)}
    for k, T, _ in jobs:  # stored in the one-process order: each kind's horizons ascending
        if (k, T) in got:
            ctx.memo.setdefault((k, model), {})[T] = got[k, T]


def _costliest_first(jobs: list) -> list:
    """``jobs`` (grid re-solves, then the cheap mode re-solves; each kind at the earlier horizon
    first) ordered costliest first: the last horizon's grid re-solves, the earlier horizon's,
    then the mode re-solves. Both processes take the costliest left whenever free (``ctx.share``
    is greedy), so the last task either starts is a cheap one. Posted with the costly ones at
    both ends (this process from the back, the worker from the front), the worker joined late
    at (3, 3.5), took a grid re-solve after the cheap ones and ended 28-42 s of CPU after this
    process (claims.md, 2026-12-02s21). :func:`_share` stores the results in the memo in the
    jobs' own order."""
    grid = [j for j in jobs if j[0] != MODES_KIND]
    modes = [j for j in jobs if j[0] == MODES_KIND]
    early = [j for j in grid if j[1] != grid[-1][1]]
    late = [j for j in grid if j[1] == grid[-1][1]]
    return late + early + modes[::-1]


def _refined_options(model: PLRFModel, res, T: float, ctx, halving: bool = False):
    """The sweep's options (the hard sweep's own: its tolerance, polish and anchored grid; without
    them a "refined" hard solve stopped at KKT 1e-9 and moved the window by its missing polish,
    3.6e-3, not by the grid, claims.md 2026-12-01z) and the refined grid of :func:`_refined`."""
    from ..control.continuum import ContinuumOptions

    opts = _sweep_options(model, ctx)
    base = ContinuumOptions(**opts)
    hard = bool(hard_sweep_options(model)) and not halving
    crossing = annealing_width(res, T) / T if hard else None
    return opts, refined_grid(base.ratio, base.max_interval, crossing)


def _grid_options(model: PLRFModel, res, T: float, ctx, halving: bool = False) -> dict:
    """The solver options of :func:`_refined`'s re-solve: the sweep's with the refined grid."""
    opts, fine = _refined_options(model, res, T, ctx, halving)
    return {**opts, **fine}


def _boundary_moved(model: PLRFModel, sol: dict, Ts, ctx) -> bool:
    """Whether the boundary rule's refined grid differs from the halving rule's at any of ``Ts``
    (then both refinements are re-solved: :func:`_refinements`)."""
    return any(_refined_options(model, sol[T], T, ctx)[1]
               != _refined_options(model, sol[T], T, ctx, halving=True)[1] for T in Ts)  # fmt: skip


def _sweep_options(model: PLRFModel, ctx) -> dict:
    """The solver options the sweep's optima were solved with (the hard sweep's own, then the
    context's), restricted to the continuum solver's fields: the base of every re-solve."""
    from ..control.continuum import ContinuumOptions

    fields = ContinuumOptions.__dataclass_fields__
    return {k: v for k, v in {**hard_sweep_options(model), **ctx.solver_options}.items()
            if k in fields}  # fmt: skip


def _refinements(model: PLRFModel, sol: dict, Ts, ctx) -> list:
    """The refined re-solves of the optima at ``Ts``, one list per refinement: :func:`_refined`'s,
    and where its grid moved the boundary at any of them, also the halving rule's. Each alone
    missed a real error: at (3, 3.5) the halving rule stated 2.1e-4 of the window's last slope
    against a real 4.2e-4, at (3.2, 3.8) the boundary rule 4.1e-5 against 2.1e-4 (the reference
    with the cap at 0.001 ``T`` and ratio 1.05; claims.md, 2026-12-01s19 (win19)); the larger of
    the two covered both. Empty without a continuum grid."""
    fine = [_refined(model, sol[T], T, ctx) for T in Ts]
    if any(f is None for f in fine):
        return []
    if not _boundary_moved(model, sol, Ts, ctx):
        return [fine]
    return [fine, [_refined(model, sol[T], T, ctx, halving=True) for T in Ts]]


def refined_grid(ratio: float, max_interval: float, crossing: float | None = None) -> dict:
    """The refined grid of :func:`_refined` for a grid of ``ratio`` and ``max_interval``:
    :data:`GRID_REFINEMENT` (cells half as long in the bulk, the ratio's step halved), and where
    a hard window's half-level ``crossing`` (a fraction of ``T``) lies beyond
    ``1/`` :data:`BOUNDARY_REACH` of the grid's cap boundary ``max_interval / (ratio - 1)``, a
    cap no larger than the one that puts the refined grid's boundary at half the crossing: the
    window's part of the capped cells is refined and the refined grid has no boundary near the
    crossing.

    >>> refined_grid(1.1, 0.01)                    # the easy phase: both halved
    {'max_interval': 0.005, 'ratio': 1.05}
    >>> fine = refined_grid(1.1, 0.01, 0.082)       # (3, 3.5) at 1e15: boundary 0.1 T -> 0.041 T
    >>> round(fine["max_interval"] / (fine["ratio"] - 1), 6)
    0.041
    >>> refined_grid(1.1, 0.01, 0.001)             # a crossing deep in the geometric cells
    {'max_interval': 0.005, 'ratio': 1.05}
    """
    fine_ratio = 1 + (ratio - 1) * GRID_REFINEMENT["ratio"]
    cap = max_interval * GRID_REFINEMENT["max_interval"]
    boundary = max_interval / (ratio - 1)
    if crossing is not None and crossing >= boundary / BOUNDARY_REACH:
        cap = min(cap, (fine_ratio - 1) * 0.5 * crossing)  # beyond 2x: the halved cap
    return {"max_interval": cap, "ratio": fine_ratio}


def _refined_modes(model: PLRFModel, res, T: float, ctx):
    """The optimum at ``T`` re-solved from itself on its own time grid with
    :data:`MODE_REFINEMENT` times the sweep's nodes per mode bin, memoised in ``ctx``; ``None``
    for a result without a continuum grid. In the easy phase too: at (4, 3.5), T = 1e9 .. 1e11,
    8 nodes against the easy sweep's 4 move the local slopes of xi's mean rate by +-2.3e-4,
    alternating with the half-decades as in the hard phase (the front crosses a bin per
    3.5 decades); at (2.8, 1.6) by < 2e-6 (benchmarks/results/claims.md, 2026-12-01s19 lead)."""
    from ..control.continuum import ContinuumResult

    if not isinstance(res, ContinuumResult):
        return None
    memo = ctx.memo.setdefault((MODES_KIND, model), {})
    if T not in memo:
        memo[T] = _solve_from(model, T, res, _modes_options(model, ctx))
    return memo[T]


def _modes_options(model: PLRFModel, ctx) -> dict:
    """The solver options of :func:`_refined_modes`' re-solve: the sweep's with
    :data:`MODE_REFINEMENT` times its nodes per mode bin."""
    from ..control.continuum import ContinuumOptions

    opts = _sweep_options(model, ctx)
    return {**opts, "points_per_bin": ContinuumOptions(**opts).points_per_bin * MODE_REFINEMENT}


def _mode_error(model: PLRFModel, sol: dict, Ts, readout, ctx) -> float:
    """:data:`GRID_SAFETY` times the largest relative change of ``readout`` on the refined mode
    quadrature (:func:`_refined_modes`) at the last two horizons: a relative error of every
    horizon's value (the quadrature's error moves with the learning front, not as a common
    offset); 0 where nothing is refined."""
    fine = {T: _refined_modes(model, sol[T], T, ctx) for T in Ts[-2:]}
    if any(f is None for f in fine.values()):
        return 0.0
    return GRID_SAFETY * max(
        abs(math.log(readout(f, T) / readout(sol[T], T))) for T, f in fine.items()
    )


def grid_error(model: PLRFModel, res, T: float, readout, ctx) -> float:
    """The time grid's error of ``readout(result, T)`` at one horizon: :data:`GRID_SAFETY` times
    its larger change on the refined grids (:func:`_refinements`); ``nan`` without a continuum
    grid."""
    fines = _refinements(model, {T: res}, [T], ctx)
    if not fines:
        return math.nan
    return GRID_SAFETY * max(abs(readout(f[0], T) - readout(res, T)) for f in fines)


def with_slope_grid_error(model: PLRFModel, sol: dict, Ts, ctx, m, readout):
    """An exponent measurement (``extrapolation_input``, values ``readout``) turned into a
    sequence of signed local slopes whose covariance adds the time grid's error of the last
    local slope as a common offset: :data:`GRID_SAFETY` times the larger change of that slope on
    the refined grids (:func:`_refinements`). The grid's error of a level is nearly the same at every ``T`` (the cells sit
    at fixed fractions of the run), so the slopes see only how it changes: at (3, 2) the refined
    grid moves xi's last slope by ~6e-5 where the levels move by ~1.4e-3."""
    raw = m.diagnostics.get("extrapolation_input")
    if raw is None or len(Ts) < 3:
        return m
    _share(model, sol, Ts[-2:], ctx)
    fines = _refinements(model, sol, Ts[-2:], ctx)
    if not fines:
        return m

    def slope_change(fine):
        c = [
            math.log(readout(f, T) / readout(sol[T], T)) for f, T in zip(fine, Ts[-2:], strict=True)
        ]
        return abs(c[1] - c[0]) / math.log(Ts[-1] / Ts[-2])

    g = GRID_SAFETY * max(slope_change(fine) for fine in fines)
    modes = _mode_error(model, sol, Ts, readout, ctx)
    x, slopes, D = local_slope_sequence(raw["T"], raw["y"])

    def cov(rel):
        return None if rel is None else (D * np.asarray(rel, float) ** 2) @ D.T

    rq = raw["rel_err_quadrature"]
    rq = np.full(len(raw["T"]), modes) if rq is None else np.asarray(rq, float) + modes
    seq = {"x": x, "s": raw["sign"] * slopes, "cov_solver": cov(raw["rel_err_solver"]),
           "cov_quadrature": cov(rq) + g**2 * np.ones((x.size, x.size))}  # fmt: skip
    diag = {k: v for k, v in m.diagnostics.items() if k != "extrapolation_input"}
    return replace(m, diagnostics={**diag, "sequence_input": seq, "grid_error": g,
                                   "mode_error": modes})  # fmt: skip
