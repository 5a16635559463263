r"""Readouts of an optimal schedule: the numbers the claims' experiments take from a solve.

A result holds a piecewise-constant schedule (the continuum solver's cells on its grid ``t``, or
one rate per step or per block). Integrals of it are exact; the readouts that the claims
extrapolate in ``T`` (:func:`window_mean_rate`, :func:`shape_exponent`, :func:`lost_time`) are
integrals of a continuous reconstruction with the cells' own means (:func:`_integral`), so they
move smoothly with ``T`` where a value read at one point (:func:`annealing_width`, the rate at
``t = T/2``) jumps with the cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..dynamics._grid_ends import cell_lengths

__all__ = [
    "annealing_width",
    "bulk_peak",
    "lost_time",
    "peak_rate",
    "realised_time",
    "shape_exponent",
    "shape_windows",
    "step_error",
    "window_mean_rate",
    "window_shape_exponent",
]


def _nodes(res, T) -> tuple[np.ndarray, np.ndarray]:
    """``(step, eta)`` nodes of a result's schedule: interval midpoints for a piecewise-constant
    schedule on a grid ``t`` of ``J + 1`` nodes, else one node per step (at ``t + 1/2``)."""
    eta = np.asarray(res.eta, float)
    t = np.asarray(getattr(res, "t", ()), float)
    if t.size == eta.size + 1:
        return 0.5 * (t[1:] + t[:-1]), eta
    return np.arange(eta.size) * (T / eta.size) + 0.5 * T / eta.size, eta


def _eta_fn(res, T) -> Callable[[np.ndarray], np.ndarray]:
    """The schedule as a function of the (fractional) step: ``eta_at`` for piecewise-constant
    results, a per-step array interpolated linearly, a per-block array held on its blocks."""
    if hasattr(res, "eta_at"):
        return res.eta_at
    eta = np.asarray(res.eta, float)
    if eta.size == T:  # one rate per step: linear interpolation between steps
        steps = np.arange(T, dtype=float)
        return lambda t: np.interp(np.asarray(t, float), steps, eta)
    edges = np.linspace(0.0, T, eta.size + 1)

    def fn(t):
        j = np.clip(np.searchsorted(edges, np.asarray(t, float), side="right") - 1, 0, eta.size - 1)
        return eta[j]

    return fn


def _cells(res, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(t, rem, h)``: a result's cell edges from the start and from the end (``rem = T - t``)
    and its cells' lengths. The solver's grid (``J + 1`` nodes) with its exact offsets from the
    end where it holds them (:func:`~solvers.dynamics.grid_offsets`: the last nodes' ``t``
    coincide beyond ``2**53``, their ``rem`` and lengths do not), else equal cells over
    ``[0, T]`` (one per step, or one per block)."""
    eta = np.asarray(res.eta, float)
    t = np.asarray(getattr(res, "t", ()), float)
    if t.size != eta.size + 1:
        t = np.linspace(0.0, float(T), eta.size + 1)
        return t, float(T) - t, np.diff(t)
    rem = getattr(res, "remaining", None)
    if rem is None:  # nodes alone (exact below 2**53)
        return t, float(T) - t, np.diff(t)
    rem = np.asarray(rem, float)
    return t, rem, cell_lengths(t, rem)


def realised_time(res, T: float) -> float:
    r"""The intrinsic time the run realised, :math:`\tau_T = \int_0^T \eta\,dt`, from the
    cells' exact means (the bias of the plateau is a function of it alone:
    :func:`theory.window_realised_time`)."""
    _, _, h = _cells(res, T)
    return float(np.dot(np.asarray(res.eta, float), h))


def _monotone_integral(x: np.ndarray, mass: np.ndarray) -> PchipInterpolator:
    """The monotone cubic through the cumulative ``mass`` at the edges ``x`` (ascending); edges
    that a double does not tell apart (the far end's, beyond ``2**53``) are one, the last of
    each run kept, so the far end's value stays exact."""
    y = np.concatenate([[0.0], np.cumsum(mass)])
    keep = np.r_[np.diff(x) > 0, True]
    return PchipInterpolator(x[keep], y[keep])


def _integral(res, T) -> PchipInterpolator:
    r"""The schedule's integral :math:`I(t) = \int_0^t \eta` as a monotone cubic through its exact
    values at the cell edges (:func:`_cells`).

    The cubic's derivative is a continuous reconstruction of the rate with the cells' own means:
    a window cut inside a cell reads the rate's shape there (:math:`O(h^3)` per cut) rather than
    the cell's constant (:math:`O(h^2)`), so readouts do not jump with the cells as ``T`` moves.
    For readouts near the end use :func:`_end_integral`: its coordinate is exact there.
    """
    t, _, h = _cells(res, T)
    return _monotone_integral(t, np.asarray(res.eta, float) * h)


def _end_integral(res, T) -> PchipInterpolator:
    r"""The schedule's integral over its last steps, :math:`R(u) = \int_{T-u}^T \eta`, as a
    monotone cubic in the steps left :math:`u` through its exact values at the cell edges.

    :func:`_integral` read from the other end, in the coordinate that is exact near ``T``: at
    ``T = 1e17`` the last cells' ``t`` coincide in doubles and :math:`I(T) - I(t)` of the last
    steps is lost in :math:`I`'s rounding (spacing 16), while ``u`` and :math:`R(u)` are exact.
    The rate at ``T - u`` is :math:`R'(u)`.
    """
    _, rem, h = _cells(res, T)
    return _monotone_integral(rem[::-1], (np.asarray(res.eta, float) * h)[::-1])


def window_mean_rate(res, T: float, lo: float, hi: float) -> float:
    r"""Mean rate over the fractions :math:`s = t/T \in [\mathrm{lo}, \mathrm{hi}]` of the run.

    .. math::

        \bar\eta(T) = \frac{1}{(\mathrm{hi} - \mathrm{lo})\,T}
        \int_{\mathrm{lo}\,T}^{\mathrm{hi}\,T} \eta(t)\,dt,

    from the cells' exact integral (:func:`_integral`). For
    :math:`\eta^* = T^{-\xi} g(t/T)` it is :math:`T^{-\xi}` times a constant; being an integral,
    it moves smoothly with ``T`` where a value read at one point jumps with the grid's cells.
    """
    if not 0 <= lo < hi <= 1:
        raise ValueError(f"window: need 0 <= lo < hi <= 1, got lo={lo!r}, hi={hi!r}")
    lo_int, hi_int = _integral(res, T)([lo * T, hi * T])
    return float((hi_int - lo_int) / ((hi - lo) * T))


#: Window of the remaining fraction u = 1 - t/T where delta is read: the outer (bulk) region.
#: Closer to the end the optimum has a boundary layer (it levels off at a floor instead of
#: vanishing; local exponent < 0.2 for u < 1e-2 up to T = 1e8) that is not the shape's power.
DELTA_U_RANGE = (0.1, 0.5)


def shape_exponent(res, T: float, u_range: tuple[float, float] = DELTA_U_RANGE) -> float:
    r"""Exponent :math:`\delta` of :math:`\eta \propto u^{\delta}`, :math:`u = 1 - t/T`, over
    ``u_range``, from the mean rates of its two geometric halves.

    With :math:`u_m = \sqrt{u_1 u_2}` and :math:`M_{[x, y]}` the mean rate over
    :math:`u \in [x, y]` (:func:`window_mean_rate`), a power gives
    :math:`M_{[u_m, u_2]} / M_{[u_1, u_m]} = (u_2/u_m)^{\delta}` exactly, so

    .. math::

        \delta(T) = \frac{\log\bigl(M_{[u_m, u_2]} / M_{[u_1, u_m]}\bigr)}{\log(u_2/u_m)}.

    Integrals rather than a fit to point values: the estimate moves smoothly with ``T``.
    """
    inner, outer = (window_mean_rate(res, T, *w) for w in shape_windows(u_range))
    return math.log(outer / inner) / (0.5 * math.log(u_range[1] / u_range[0]))


def shape_windows(u_range: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """The fractions ``(lo, hi)`` of ``t/T`` of :func:`shape_exponent`'s two geometric halves of
    ``u_range`` (``u = 1 - t/T``): the inner half ``[u1, um]`` first, then ``[um, u2]``."""
    u1, u2 = u_range
    if not 0 < u1 < u2 <= 1:
        raise ValueError(f"u_range: need 0 < u1 < u2 <= 1, got {u_range!r}")
    um = math.sqrt(u1 * u2)
    return (1 - um, 1 - u1), (1 - u2, 1 - um)


#: The base (peak) rate is the maximum over t >= BULK_START * T: the optimum has an early
#: transient (a bump over the first ~1e3 steps in the easy phase, ~1.5x the bulk value at
#: T = 1e8) that is not the schedule's T-scaling.
BULK_START = 0.05


def bulk_peak(res, T) -> float:
    """The schedule's largest rate over the bulk ``t >= BULK_START * T``."""
    x, eta = _nodes(res, T)
    return float(np.max(eta[x >= BULK_START * T]))


#: Width (fraction of ``T``) of the windows whose mean rates :func:`peak_rate` compares.
PEAK_WINDOW = 0.05
#: Window starts :func:`peak_rate` tries: fixed fractions of ``T`` (the same at every ``T``).
PEAK_STARTS = np.linspace(BULK_START, 1.0 - PEAK_WINDOW, 381)


def peak_rate(res, T) -> float:
    r"""The schedule's base rate as a scaling readout: the largest mean rate over the windows
    :math:`[s, s + w]\,T`, :math:`w` = :data:`PEAK_WINDOW`, starting in the bulk
    (:data:`PEAK_STARTS`, from :data:`BULK_START`).

    For :math:`\eta(t) = T^{-\xi} f(t/T)` it is :math:`T^{-\xi}` times a constant exactly, and
    being an integral (:func:`_integral`) it does not move with the solver's cells. The largest
    single rate of the bulk (:func:`bulk_peak`) does: where the rate falls through the bulk (the
    easy phase) it is the rate of the first cell whose midpoint passes :math:`0.05\,T`, and when
    that cell changes with ``T`` the readout jumps (by 1-2 % at (4, 3.5) between
    :math:`T = 3.16\times10^6` and :math:`10^7`, a jump of 0.007-0.02 in a local slope).
    """
    F = _integral(res, T)
    lo = PEAK_STARTS * T
    return float(np.max((F(lo + PEAK_WINDOW * T) - F(lo)) / (PEAK_WINDOW * T)))


#: Level (fraction of the peak rate) that defines the annealing window.
ANNEAL_LEVEL = 0.5


def annealing_width(res, T: float, level: float = ANNEAL_LEVEL) -> float:
    r"""Width :math:`W_\ell = T - t_\ell` of the final annealing, :math:`t_\ell` the last time the
    rate is at least ``level`` times its peak.

    The crossing is interpolated linearly in :math:`\log(T - t)` between the schedule's nodes
    (interval midpoints of a piecewise-constant schedule), so the width is resolved finer than
    the geometric grid. For the theory's window form
    :math:`\eta_{\max}((T - t)/W)^{\delta}` it is :math:`W\,\ell^{1/\delta}`: proportional to
    :math:`W` at any fixed level.
    """
    _, rem, _ = _cells(res, T)
    eta = np.asarray(res.eta, float)
    u = 0.5 * (rem[1:] + rem[:-1])  # remaining steps at the nodes (decreasing), exact near T
    thr = level * eta.max()
    above = np.nonzero(eta >= thr)[0]
    if above.size == 0:
        return float(T)
    j = int(above[-1])
    if j + 1 >= eta.size:
        return float(u[j])
    e0, e1 = eta[j], eta[j + 1]
    w = (e0 - thr) / (e0 - e1) if e0 != e1 else 0.0
    return float(math.exp((1 - w) * math.log(u[j]) + w * math.log(u[j + 1])))


#: Gauss-Legendre nodes per cell for the integral of the lost time (the deficit has a kink).
LOST_TIME_NODES = 8


def lost_time(res, T: float, level: float = ANNEAL_LEVEL) -> float:
    r"""Steps lost below ``level`` times the peak rate: an integral measure of the final annealing.

    .. math::

        \Lambda_\ell = \int_0^T \Bigl(1 - \frac{\eta(t)}{\ell\,\eta_{\rm peak}}\Bigr)_+ dt,

    :math:`\eta_{\rm peak}` the bulk maximum (:func:`bulk_peak`), over the **final** window only:
    from the last time the rate is at or above :math:`\ell\,\eta_{\rm peak}` to ``T``. For the
    window form :math:`\eta_{\rm peak}((T - t)/W)^{\delta}` it is
    :math:`W\,\ell^{1/\delta}\,\delta/(\delta + 1)`: proportional to :math:`W`. Unlike the
    crossing time of :func:`annealing_width` it is continuous in every cell's rate, and read
    from the reconstructed rate (:func:`_integral`) it does not jump with the cells as ``T``
    moves. A dip below the level that the rate climbs out of again is not part of the final
    annealing and is not counted: at (1.5, 3) the optima at ``T = 1e10`` and ``1e11`` dip before
    their final descent, and counting the dip put the local slopes of the lost time at 0.46-0.96
    between 3e9 and 3e11 where they sit at 0.68-0.72 without it (benchmarks/results/claims.md,
    2026-11-30k).
    """
    integral = _end_integral(res, T)  # in the steps left u: exact near the end at any T
    u = integral.x
    nodes, weights = np.polynomial.legendre.leggauss(LOST_TIME_NODES)  # per cell, on [-1, 1]
    mid, half = 0.5 * (u[1:] + u[:-1]), 0.5 * np.diff(u)
    x = mid[:, None] + half[:, None] * nodes[None, :]
    rate = integral.derivative()(x)  # the reconstructed rate, continuous across cells
    deficit = np.clip(1.0 - rate / (level * bulk_peak(res, T)), 0.0, None)
    flat = deficit.reshape(-1)  # cells backwards from the end, nodes in order of u within a cell
    reached = np.flatnonzero(flat == 0.0)  # at or above the level
    if reached.size:
        flat[reached[0] :] = 0.0  # before the final window
    return float(np.sum(half * (flat.reshape(deficit.shape) @ weights)))


#: Levels whose lost times give the window's shape exponent (:func:`window_shape_exponent`): the
#: window's lower part, where the balance's power applies (the upper part meets the plateau's
#: rounded corner: at (1.2, 1.7) the exponent from 0.25 and 0.75 sits at 1.42 from T = 1e5 to
#: 1e10, the one from 0.05 and 0.25 moves at the derived rate; benchmarks/results/claims.md).
WINDOW_SHAPE_LEVELS = (0.05, 0.25)


def window_shape_exponent(
    res, T: float, levels: tuple[float, float] = WINDOW_SHAPE_LEVELS
) -> float:
    r"""Exponent :math:`\delta` of the final annealing window's shape, from the lost times of two
    levels.

    For the window form :math:`\eta_{\rm peak}\min(1, ((T - t)/W)^{\delta})`,
    :math:`\Lambda_\ell = W\,\ell^{1/\delta}\,\delta/(\delta + 1)` (:func:`lost_time`), so

    .. math:: \delta = \frac{\log(\ell_1/\ell_2)}{\log(\Lambda_{\ell_1}/\Lambda_{\ell_2})},

    whatever ``W`` (``nan`` when the rate never falls below ``l1`` times its peak). The hard
    window's balance has :math:`\delta = 2b - 1`; on real optima the shape is not one power (the
    value depends on the levels) and it drifts with ``T`` at the rate of the window's derived
    boundary layer: the drift that moves every fixed-level readout of the window's width.
    """
    l1, l2 = levels
    if not 0 < l1 < l2 <= 1:
        raise ValueError(f"levels: need 0 < l1 < l2 <= 1, got {levels!r}")
    lost = (lost_time(res, T, l1), lost_time(res, T, l2))
    if not (0 < lost[0] < lost[1]):  # a schedule that never goes below l1: no window shape
        return math.nan
    return math.log(l1 / l2) / math.log(lost[0] / lost[1])


def step_error(res, T: float, readout: Callable[..., float]) -> float:
    r"""Relative solver error of ``readout(res, T)``: its change when the schedule takes the step
    the solver's last Newton Hessian still proposes (the result's ``newton_step``),

    .. math:: \epsilon = \left|\frac{R(\eta + \Delta\eta)}{R(\eta)} - 1\right|.

    A KKT residual bounds the loss's first-order change; a readout of the schedule's *shape*
    can still move along the Hessian's soft directions, which the loss hardly sees. ``nan``
    when the result holds no step (a solve without a Newton finish, or a result of another
    solver).
    """
    step = getattr(res, "diagnostics", {}).get("newton_step")
    if step is None:
        return math.nan
    eta = np.asarray(res.eta, float)
    moved = replace(res, eta=np.clip(eta + np.asarray(step, float), 0.0, None))
    return abs(readout(moved, T) / readout(res, T) - 1.0)
