"""The coast-and-release heavy-ball family (issue 13, 2026-12-01s16).

Checked against closed forms and independent kernels, never against earlier output:

* with no window the family is the long-run heavy-ball family on a grid of unit steps
  (:func:`momentum_grid` with every step a unit interval, :meth:`MomentumGrid.expand`);
* inside a window the friction is on the cap and the rate is the ramp's closed form
  :math:`h_c + h_r (d/(e + d - t))^\\pi`, peaking at :math:`h_c + h_r` at the window's end; the
  step after it carries the reset friction; far from the window the base family is untouched;
* the loss of :func:`coast_loss_and_gradient` (the adjoint workspace's forward sweep) equals
  :func:`simulate_form` (the compiled forward recursion) and its gradient equals central
  differences of the loss in every parameter;
* :func:`solve_coast` reaches its KKT tolerance and does not end above its start.

Mutation tried: the complex-step pullback with the sign of the imaginary part flipped, or
the friction mixed in ``log(1 - c)`` (the cap swamps the reset: 0.94 at the reset step); the
first fails the gradient test, the second the closed-form test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from solvers.control.momentum_coast import (
    COAST_PARAMETERS,
    CoastFamily,
    coast_loss_and_gradient,
    solve_coast,
)
from solvers.control.momentum_longrun import longrun_controls
from solvers.control.momentum_per_step import BETA_MAX
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import simulate_form
from solvers.dynamics.momentum_longrun import momentum_grid
from theory import PLRFModel

HARD = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**6)
T = 400


def _window_point(fam: CoastFamily) -> np.ndarray:
    """Base start, one window over steps ~[40, 160): floor 3e-3, ramp to ~1.5, reset 0.05."""
    x = fam.start()
    j = fam.base_size
    x[j : j + 7] = [math.log(40 / T), math.log(120 / 360 / (1 - 120 / 360)), math.log(3e-3),
                    math.log(1.497 / 1.503), math.log(8 / 120), math.log(1.5), math.log(0.05 / 0.95)]  # fmt: skip
    return x


def test_no_window_is_the_long_run_family_per_step():
    fam = CoastFamily(HARD, T, 0)
    x = fam.start() + np.linspace(-0.3, 0.3, fam.base_size)
    g = momentum_grid(HARD, T, unit_steps=T)
    assert np.all(g.steps == 1)
    want = g.expand(longrun_controls("heavy-ball", x, g, fam.knots))
    got = fam.coefficients(x)
    for w, c in zip(want, got, strict=True):
        np.testing.assert_allclose(c, np.broadcast_to(w, (T,)), rtol=1e-13, atol=1e-15)


def test_window_closed_form():
    fam = CoastFamily(HARD, T, 1)
    x = _window_point(fam)
    co = fam.coefficients(x)
    base = CoastFamily(HARD, T, 0).coefficients(x[: fam.base_size])
    p = x[fam.base_size :]
    s = T * math.exp(p[0])
    e = s + (T - s) / (1 + math.exp(-p[1]))
    hc, hr = math.exp(p[2]), (2 - math.exp(p[2])) / (1 + math.exp(-p[3]))
    d, power = (e - s) * math.exp(p[4]), math.exp(p[5])
    inside = np.arange(math.ceil(s) + 40, math.floor(e) - 40)
    assert inside.size > 20
    np.testing.assert_allclose(1 - co[2, inside], 1 - BETA_MAX, rtol=1e-6)
    ramp = hc + hr * (d / (e + d - inside)) ** power
    np.testing.assert_allclose(co[1, inside], ramp, rtol=1e-8)
    # the ramp's last full step is near its peak h_c + h_r, far above the floor
    last = math.floor(e) - 1
    assert co[1, last] > 0.5 * (hc + hr) > 100 * hc
    reset = round(e)  # asked 0.05; the soft edges leak the cap (0.12) and the base (0.1) into it
    assert co[2, reset] < 0.3 and co[2, reset] < base[2, reset] - 0.2
    far = np.arange(int(e) + 60, T)
    np.testing.assert_allclose(co[:, far], base[:, far], rtol=1e-12)


def test_loss_and_gradient_against_independent_kernel_and_differences():
    grid = ModeGrid.from_model(HARD, exact=8, ratio=1.5)
    fam = CoastFamily(HARD, T, 1)
    x = _window_point(fam)
    f, g = coast_loss_and_gradient(grid, fam, x)
    L = simulate_form(grid, fam.coefficients(x))[1][0]
    assert math.isfinite(f) and abs(math.exp(f) / L - 1) < 1e-10
    h = 1e-6
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        fd = (coast_loss_and_gradient(grid, fam, x + e)[0]
              - coast_loss_and_gradient(grid, fam, x - e)[0]) / (2 * h)  # fmt: skip
        assert abs(g[i] - fd) <= 1e-6 + 1e-5 * abs(fd), (fam.names()[i], g[i], fd)
    assert len(fam.names()) == fam.base_size + len(COAST_PARAMETERS)


@pytest.mark.parametrize("coasts", [0, 1])
def test_solve_reaches_tolerance(coasts):
    grid = ModeGrid.from_model(HARD, exact=8, ratio=1.5)
    fam = CoastFamily(HARD, T, coasts)
    x0 = _window_point(fam) if coasts else fam.start()
    start = math.exp(coast_loss_and_gradient(grid, fam, x0)[0])
    r = solve_coast(grid, fam, [x0], tol=1e-5)
    assert r.kkt <= 1e-4 and r.loss <= start
    assert abs(r.loss / simulate_form(grid, fam.coefficients(r.x))[1][0] - 1) < 1e-10
