"""The adjoint gradient of the long-horizon momentum loss against central differences.

The interval kernel's adjoint (:meth:`MomentumGrid.loss_gradient`) and the complex-step
derivative of the controls (:func:`controls_jacobian`) are held against central differences of
the loss itself, on grids whose intervals are long (the squarings and the implicit loss feedback
are both exercised), for every coefficient and every form.
"""

from __future__ import annotations

import numpy as np
import pytest

from solvers.control.momentum_longrun import (
    LongrunOptions,
    controls_jacobian,
    kkt_residual,
    longrun_controls,
    longrun_parameters,
    solve_longrun,
)
from solvers.dynamics.momentum_longrun import momentum_grid
from theory import PLRFModel

MODEL = PLRFModel(a=1.5, b=3.0, sigma=0.7, batch=4, n_modes=10**15)


def _coefficients(grid):
    """A generic schedule (no coefficient constant, q != 1), stable on ``grid``."""
    t = grid.midpoints
    return [
        0.8 * (1.0 - 0.3 * t / grid.T),
        1.6 * (1.0 + t) ** -0.3,
        3.0 / (t + 4.0),
        0.9 + 0.05 * np.cos(t),
    ]


def _central(grid, co, c, j, rel=1e-6):
    h = rel * max(abs(co[c][j]), 1e-3)
    up, down = [x.copy() for x in co], [x.copy() for x in co]
    up[c][j] += h
    down[c][j] -= h
    return (grid.loss(up)[0][-1] - grid.loss(down)[0][-1]) / (2.0 * h)


def test_kernel_gradient_is_the_derivative_of_the_loss():
    """Every coefficient at intervals of 1 to 400 steps (up to 8 squarings): the adjoint equals
    the central difference (step 1e-6 relative) to 2e-8 of the largest component; the
    differences' own error measured 2e-9 at most. Leaving out one term of the adjoint (the
    source's share ``c g'`` of a squaring, or the bar of the implicit feedback's ``p_1``) was
    measured to move the first failing component by 1.7e-7 of the largest (0.25 % of itself):
    the test fails on either."""
    grid = momentum_grid(MODEL, 20000, unit_steps=20, ratio=1.3, exact_modes=8,
                         bins_per_decade=2, points_per_bin=2)  # fmt: skip
    co = _coefficients(grid)
    L, grad, fail = grid.loss_gradient(co)
    assert fail == -1 and np.array_equal(L, grid.loss(co)[0])
    J = grid.steps.size
    picks = sorted({0, 1, J // 4, J // 2, J - 30, J - 10, J - 1})
    assert grid.steps[picks].max() >= 256  # long intervals are among those checked
    scale = np.abs(grad).max()
    for c in range(4):
        for j in picks:
            fd = _central(grid, co, c, j)
            assert abs(grad[c, j] - fd) <= 2e-8 * scale, (c, j, grad[c, j], fd)


def test_kernel_gradient_of_an_unstable_schedule_is_flagged():
    grid = momentum_grid(MODEL, 2000, unit_steps=20)
    co = _coefficients(grid)
    co[0] = co[0] * 50.0  # far beyond the stable rate
    L, grad, fail = grid.loss_gradient(co)
    assert fail >= 0 and np.isnan(L[-1]) and not grad.any()


@pytest.mark.parametrize("form", ["nesterov", "sgd", "ema", "heavy-ball"])
def test_parameter_gradient_of_log_loss_against_central_differences(form):
    """The solver's gradient of ``log L(T)`` in each form's parameters (knots and, for Nesterov,
    friction knots included) at a generic point equals central differences (step 1e-5: error
    ~1e-8) to 1e-6 — the KKT tolerance is 1e-4."""
    fk = 2 if form == "nesterov" else 0
    opt = LongrunOptions(knots=3, friction_knots=fk)
    grid = opt.grid(MODEL, 10**4)
    x = longrun_parameters(form, MODEL, 3, friction_knots=fk)[1]
    x = x + 0.1 * np.random.default_rng(1).standard_normal(x.size)
    co, jac = controls_jacobian(form, x, grid, 3, friction_knots=fk)
    assert np.array_equal(co, np.array(longrun_controls(form, x, grid, 3, friction_knots=fk)))
    L, gL, fail = grid.loss_gradient(co)
    assert fail == -1
    g = np.einsum("icj,cj->i", jac, gL) / L[-1]
    h = 1e-5
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        up, down = (grid.loss(longrun_controls(form, y, grid, 3, friction_knots=fk))[0][-1]
                    for y in (x + e, x - e))  # fmt: skip
        assert abs(g[i] - (np.log(up) - np.log(down)) / (2 * h)) < 1e-6, (form, i)


def test_adjoint_solve_is_a_kkt_point_by_central_differences_too():
    """A Nesterov solve with the adjoint gradient meets KKT 1e-4; the central-difference residual
    of its optimum (the former solver's test) is below 1e-4 as well, and the two agree."""
    opt = LongrunOptions(knots=0)
    r = solve_longrun(MODEL, "nesterov", 1000, options=opt)
    assert r.success and r.kkt <= 1e-4
    central = kkt_residual(r, "finite-difference")
    assert central <= 1e-4 and abs(central - r.kkt) < 1e-6


def test_bad_gradient_names_the_argument():
    with pytest.raises(ValueError, match="gradient must be one of"):
        LongrunOptions(gradient="reverse")
    r = solve_longrun(MODEL, "sgd", 100, options=LongrunOptions(knots=0, maxiter=2))
    with pytest.raises(ValueError, match="gradient must be one of"):
        kkt_residual(r, "exact")
