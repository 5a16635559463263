"""The logarithmic control variables of the per-step momentum problems (issue 13): heavy ball in
``(log h, log(1 - c))`` (``scaling="loglog"``, a chart of the effective rate ``h / (1 - c)``).
Gradient and Hessian diagonal in the new variables against differences of the loss; the box
and the KKT measure against the controls'; a wrong chain rule fails."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.control import momentum_per_step as mps
from solvers.control._log_controls import RATE_FLOOR, LogControls
from solvers.control.momentum import _box_kkt
from solvers.control.momentum_per_step import BETA_MAX
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel

HARD = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**9)
T = 40


def _heavy_ball():
    """``(fg, chart, y)``: the heavy-ball loss at T = 40 on a coarse grid, the loglog chart, and
    a point off any family: rates over three decades, frictions from 0.5 to the cap."""
    grid = ModeGrid.from_model(HARD, exact=16, ratio=1.5)
    lo, hi, k = mps._box(grid, "heavy-ball", T)
    fg = mps._step_objective(grid, "heavy-ball", k, T)
    t = np.arange(T)
    h = 0.5 * np.geomspace(1.0, 1e-3, T) * (1.2 + np.sin(t))
    c = 1.0 - np.geomspace(0.5, 1e-7, T)
    c[T // 2 :] = np.minimum(c[T // 2 :], 1.0 - 1e-3 * (1.1 + np.cos(t[T // 2 :])))
    chart = LogControls(lo, hi, mps._beta_mask(k, T), log_rates=True)
    return fg, chart, chart.to_y(np.concatenate([h, c]))


def _central(f, y, i, step):
    e = np.zeros(y.size)
    e[i] = step
    return (f(y + e) - f(y - e)) / (2 * step)


def test_gradient_in_log_variables_against_differences_and_a_wrong_chain_fails():
    """Every component of the gradient of ``log L(T)`` in ``(log h, log(1 - c))`` against
    central differences of the loss in those variables: 1e-6 relative to the largest. Wrong
    chain rules, asserted to miss by more than 1e-2: the rate rows left unchained (``dx/dy = 1``,
    the ``"log"`` chart's), the friction's sign flipped (``d c / dz = +(1 - c)``)."""
    fg, chart, y = _heavy_ball()
    fy = chart.objective(fg)
    g = fy(y)[1]
    fd = np.array([_central(lambda v: fy(v)[0], y, i, 1e-6) for i in range(y.size)])
    scale = np.abs(fd).max()
    assert np.abs(g - fd).max() <= 1e-6 * scale
    gx = fg(chart.to_x(y))[1]
    x = chart.to_x(y)
    unchained = np.where(chart.is_rate, gx, g)
    flipped = np.where(chart.is_beta, gx * (1.0 - x), g)
    assert np.abs(unchained - fd).max() > 1e-2 * scale
    assert np.abs(flipped - fd).max() > 1e-2 * scale


def test_hessian_diagonal_in_log_variables_against_differences():
    """The diagonal in ``y`` (``h x'^2 + g x''``, ``x'' = x'`` on both rows) against central
    differences of the gradient in ``y``: 1e-6 relative; without the ``g x''`` term on the rate
    rows it is off (asserted)."""
    fg, chart, y = _heavy_ball()
    h, gy = chart.diagonal(fg.diagonal)(y)
    fy = chart.objective(fg)
    fd = np.array([_central(lambda v, i=i: fy(v)[1][i], y, i, 1e-5) for i in range(y.size)])
    scale = np.abs(fd).max()
    assert np.abs(h - fd).max() <= 1e-6 * scale
    assert np.abs((h - gy * chart.is_rate) - fd).max() > 1e-3 * scale


def test_box_and_kkt_measure_are_the_controls():
    """The bounds in ``y`` are heavy ball's box (rates floored at ``RATE_FLOOR`` of it), the
    chart is the effective rate's (``log g = log h - log(1 - c)``), the round trip returns the
    controls, and the KKT measure of a point in ``y`` is the controls' box KKT sum."""
    fg, chart, y = _heavy_ball()
    eta_max = HARD.eta_max
    lo_x, hi_x = chart.to_x(chart.ylo), chart.to_x(chart.yhi)
    np.testing.assert_allclose(lo_x[:T], RATE_FLOOR * eta_max, rtol=1e-14)
    np.testing.assert_allclose(hi_x[:T], eta_max, rtol=1e-14)
    np.testing.assert_allclose(lo_x[T:], BETA_MAX, rtol=1e-15)  # z = log(1 - c) runs downwards
    np.testing.assert_allclose(hi_x[T:], 0.0, atol=0)
    x = chart.to_x(y)
    np.testing.assert_allclose(chart.to_x(chart.to_y(x)), x, rtol=1e-13)
    h, c = x[:T], x[T:]
    np.testing.assert_allclose(y[:T] - y[T:], np.log(h / (1.0 - c)), rtol=1e-12)
    gx = fg(x)[1]
    kkt = _box_kkt(chart.lo, chart.hi - chart.lo)
    gy = chart.objective(fg)(y)[1]
    assert chart.kkt(kkt)(y, gy) == pytest.approx(kkt(x, gx), rel=1e-12)
    with pytest.raises(ValueError, match="lower bound 0"):
        LogControls(chart.lo + 1.0, chart.hi + 1.0, chart.is_beta, log_rates=True)
