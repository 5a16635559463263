"""The EMA <-> heavy-ball map (issue 13): derived symbolically, the same loss to round-off.

The map is checked against the closed form written in the test and by substitution into the two
updates, and numerically by the loss of the exact moment recursion (a computation that knows
nothing of the map): EMA controls and their heavy-ball image give the same ``L(T)``. A map off
by one step in the scale ``s_t`` (``1 - b_t`` in place of ``1 - b_{t-1}``) or in the step
(``eta_t (1 - b_{t-1})``) changes the loss by far more than round-off (asserted).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from solvers.control import ema_to_heavy_ball, heavy_ball_to_ema
from solvers.control.momentum_per_step import form_loss_and_gradient
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel, ema_heavy_ball_map, momentum_form
from theory.symbols import eta

HARD = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**9)
T = 40


def _loss(grid, form, u):
    one, zero = np.ones(T), np.zeros(T)
    q = 1.0 - u[1] if form == "ema" else one
    return float(np.exp(form_loss_and_gradient(grid, np.array([zero, u[0], u[1], q]))[0]))


@pytest.fixture(scope="module")
def grid():
    return ModeGrid.from_model(HARD, exact=8, ratio=2.0)


@pytest.fixture(scope="module")
def ema_controls():
    """EMA controls off any family: rates up to eta_max, frictions rising and falling."""
    rng = np.random.default_rng(3)
    b = np.clip(0.5 + 0.45 * np.sin(np.arange(T) / 3.0) + 0.03 * rng.standard_normal(T), 0, 0.99)
    return np.array([rng.uniform(0.2, 1.0, T) * HARD.eta_max, b])


def test_the_derived_map_is_the_closed_form_and_matches_the_updates():
    m = ema_heavy_ball_map()
    e, b, s = m.ema_symbols
    h, c, _ = m.heavy_ball_symbols
    assert sp.simplify(m.to_heavy_ball["h"] - e * (1 - b)) == 0
    assert sp.simplify(m.to_heavy_ball["c"] - b * s / (1 - b)) == 0
    assert sp.simplify(m.to_heavy_ball["s_next"] - (1 - b)) == 0
    assert sp.simplify(m.to_ema["beta"] - c / (c + s)) == 0
    # substitution into the updates themselves: v = s u before, v' = s_next u' after
    ema, hb = momentum_form("ema"), momentum_form("heavy-ball")
    v, u = ema.state[1], sp.Symbol("u")
    sub = {v: s * u}
    d_e, v_e = (x.subs(sub) for x in ema.update)
    d_h, v_h = (x.subs({v: u, eta: h, b: c}, simultaneous=True) for x in hb.update)
    hb_sol = {h: m.to_heavy_ball["h"], c: m.to_heavy_ball["c"]}
    assert sp.simplify((d_e - d_h).subs(hb_sol)) == 0
    assert sp.simplify((v_e - m.to_heavy_ball["s_next"] * v_h).subs(hb_sol)) == 0


def test_same_loss_to_round_off_and_a_wrong_index_fails(grid, ema_controls):
    hb = ema_to_heavy_ball(ema_controls)
    l_ema, l_hb = _loss(grid, "ema", ema_controls), _loss(grid, "heavy-ball", hb)
    assert abs(l_hb / l_ema - 1) < 1e-12
    assert np.any(hb[1] > 1.0)  # the frictions leave heavy ball's box: the test covers that
    # the first friction is invisible (both velocities start at zero): any s0 gives the same loss
    assert (
        abs(_loss(grid, "heavy-ball", ema_to_heavy_ball(ema_controls, s0=0.3)) / l_ema - 1) < 1e-12
    )
    # round trip
    np.testing.assert_allclose(heavy_ball_to_ema(hb), ema_controls, rtol=1e-12, atol=1e-14)
    # wrong indices: the scale of the same step, the step scaled by the previous friction
    et, b = ema_controls
    wrong_c = np.array([hb[0], b])  # s_t = 1 - b_t (c_t = b_t)
    wrong_h = np.array([et * np.concatenate([[1 - b[0]], 1 - b[:-1]]), hb[1]])
    for wrong in (wrong_c, wrong_h):
        assert abs(_loss(grid, "heavy-ball", wrong) / l_ema - 1) > 1e-3


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="shape"):
        ema_to_heavy_ball(np.ones((3, 4)))
    with pytest.raises(ValueError, match="frictions"):
        ema_to_heavy_ball(np.array([[1.0, 1.0], [0.5, 1.0]]))
    with pytest.raises(ValueError, match="s0"):
        heavy_ball_to_ema(np.array([[1.0], [1.5]]))
