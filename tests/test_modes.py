"""The binned mode grid and the closed-form constant-rate loss against the exact recursion."""

import math

import numpy as np
import pytest
from scipy.special import zeta

from solvers import make_schedule, simulate, stability_limit
from solvers.dynamics import ModeGrid, constant_rate_loss, grid_final_loss, grid_stability_limit
from theory import PLRFModel


@pytest.mark.parametrize(("a", "b"), [(3.0, 2.0), (1.5, 3.0)])
def test_closed_form_constant_loss_matches_recursion(a, b):
    m = PLRFModel(a, b, n_modes=200)
    grid = ModeGrid.from_model(m, exact=200)  # no binning: the same modes as simulate
    Ts = [1, 7, 100, 3000]
    for eta in (0.05, 0.4):
        ref = [simulate(m, eta, T=T).final_loss for T in Ts]
        np.testing.assert_allclose(constant_rate_loss(grid, eta, Ts), ref, rtol=1e-10)
    assert grid_stability_limit(grid) == pytest.approx(stability_limit(m), rel=1e-12)
    assert np.isinf(constant_rate_loss(grid, 1.01 * stability_limit(m), [10])).all()


def test_closed_form_keeps_its_digits_over_seventy_decades_of_spectrum():
    """Near a = 1 with b = 4 and ~1e18 modes the grid spans lambda from 1 to 1e-72 and the initial
    errors c_j(0) grow to 1e47: a dense eigensolver's absolute rounding, carried by those errors,
    put the closed form 3.5e-7 off the recursion at T = 1e5 with 2048 exact modes (4e-6 at 1e6,
    79 % at 1e11). The secular-equation form stays at the recursion's own rounding."""
    m = PLRFModel(1.2, 4.0, sigma=0.5, n_modes=795_270_728_767_055_360)
    grid = ModeGrid.from_model(m, exact=2048)
    eta, T = 0.0679, 10**5
    ref, _ = grid_final_loss(grid, np.full(T, eta))
    assert constant_rate_loss(grid, eta, [T])[0] == pytest.approx(ref, rel=1e-11)


def test_weighted_recursion_equals_simulate_without_bins():
    m = PLRFModel(2.5, 1.5, n_modes=300)
    eta = make_schedule("cosine", 500, 0.3)
    got, rec = grid_final_loss(ModeGrid.from_model(m, exact=300), eta, record=[0, 250, 500])
    ref = simulate(m, eta)
    assert got == pytest.approx(ref.final_loss, rel=1e-12)
    np.testing.assert_allclose(rec, ref.loss[[0, 250, 500]], rtol=1e-12)


@pytest.mark.parametrize(("a", "b"), [(3.0, 2.0), (1.5, 3.0)])
def test_binned_tail_matches_full_spectrum(a, b):
    """Binning the tail keeps the loss to ~1e-6 relative (full 20000-mode recursion as truth)."""
    m = PLRFModel(a, b, n_modes=20_000)
    grid = ModeGrid.from_model(m, exact=64)
    assert grid.n_states < 200
    eta = make_schedule("linear", 2000, 0.3)
    got, _ = grid_final_loss(grid, eta)
    assert got == pytest.approx(simulate(m, eta).final_loss, rel=2e-5)


def test_bins_keep_bias_mass_and_count():
    m = PLRFModel(1.5, 3.0, n_modes=10**9)
    g = ModeGrid.from_model(m, exact=10)
    assert g.weight.sum() == 10**9
    assert g.initial_loss == pytest.approx(float(zeta(1.5, 1) - zeta(1.5, 10**9 + 1)), rel=1e-12)


def test_closed_form_reaches_long_horizons_finite():
    g = ModeGrid.from_model(PLRFModel(1.5, 3.0, n_modes=10**8))
    L = constant_rate_loss(g, 0.1, [10**6, 10**8])
    assert np.isfinite(L).all() and L[1] < L[0]


def test_errors():
    with pytest.raises(ValueError, match="ratio"):
        ModeGrid.from_model(PLRFModel(2, 1.5), ratio=1.0)
    with pytest.raises(TypeError, match="model"):
        ModeGrid.from_model("x")
    with pytest.raises(ValueError, match="T must be"):
        constant_rate_loss(ModeGrid.from_model(PLRFModel(2, 1.5, n_modes=5)), 0.1, [1.5])
    assert math.isinf(
        grid_final_loss(ModeGrid.from_model(PLRFModel(2, 1.5, n_modes=5)), np.full(5000, 3.0))[0]
    )
