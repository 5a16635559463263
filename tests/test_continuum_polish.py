"""The continuum solver's answer for a schedule's *shape*: a rate stuck in a dip is not converged,
a converged solve is polished by one fresh Newton step, and the step it still proposes is the
solver error of a shape readout (the hard annealing window's lost time)."""

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.ndimage import maximum_filter1d

from solvers.claims import (
    CLAIMS,
    ExperimentContext,
    bulk_peak,
    evaluate_claim,
    lost_time,
    step_error,
)
from solvers.control import solve_continuum
from solvers.control._continuum_optimise import (
    SCALE_FLOOR,
    SCALE_WINDOW,
    _kkt_scaled,
    _rate_scale,
)
from solvers.dynamics import time_grid
from theory import PLRFModel

HARD = PLRFModel(a=1.5, b=3, sigma=0.5, n_modes=10**12)


def _window(T, W=None, d=5.0):
    """The window form on the continuum grid: a plateau at 0.6, then ``((T - t)/W)^d``."""
    t = time_grid(T)
    W = 0.05 * T**0.7 if W is None else W
    mid = 0.5 * (t[1:] + t[:-1])
    return t, 0.6 * np.minimum(1.0, ((T - mid) / W) ** d)


def test_a_rate_in_a_dip_counts_at_its_neighbours_level():
    """Monotone schedules keep their scale (the rate, floored at SCALE_FLOOR of its
    neighbourhood); a rate at 5e-4 of its neighbours counts at the smaller side's level, so a
    log-gradient that would gain 7e-5 by raising it reads ~4e-5 (was 6e-7: "converged")."""
    _, eta = _window(1e10)
    prob = SimpleNamespace(upper=0.65)
    floor = np.maximum(SCALE_FLOOR * maximum_filter1d(eta, 2 * SCALE_WINDOW + 1, mode="nearest"),
                       1e-12 * prob.upper)  # fmt: skip
    np.testing.assert_array_equal(_rate_scale(eta, prob.upper), np.clip(eta, floor, prob.upper))
    j = int(np.flatnonzero(eta >= 0.3)[-1])  # a window cell, both neighbours inside the window
    holed = eta.copy()
    holed[j] *= 5e-4
    s = _rate_scale(holed, prob.upper)
    assert s[j] == pytest.approx(holed[j + 1])  # the smaller side's largest rate within reach
    keep = np.abs(np.arange(eta.size) - j) > SCALE_WINDOW  # (the floor's reach of the hole)
    np.testing.assert_array_equal(s[keep], _rate_scale(eta, prob.upper)[keep])
    G = np.zeros(eta.size)
    G[j] = -7e-5 / eta[j]  # d log L / d eta: raising the rate to its level gains ~7e-5
    assert _kkt_scaled(prob, holed, G) == pytest.approx(holed[j + 1] * 7e-5 / eta[j])
    assert _kkt_scaled(prob, holed, G) > 1e-5


def test_newton_does_not_stop_in_a_hole():
    """A converged hard optimum with one window cell set to 5e-4 of its value: 2e-3 above the
    optimum in L(T), yet with the old measure (the floor alone) its residual, 6.3e-3, passed a
    tolerance of 8e-3 and the solve kept the hole. Now it is refilled (without the polishing
    step, which could otherwise mend it on its own)."""
    T = 1000
    r = solve_continuum(HARD, T, diagnostics=False)
    j = int(np.flatnonzero(r.eta >= 0.5 * bulk_peak(r, T))[-1])
    holed = r.eta.copy()
    holed[j] *= 5e-4
    h = solve_continuum(HARD, T, initial=holed, tol=8e-3, polish=False, diagnostics=False)
    assert h.success and h.eta[j] > 0.25 * r.eta[j], h.eta[j] / r.eta[j]
    assert h.final_loss < r.final_loss * (1 + 1e-3)


@pytest.mark.slow
def test_polish_brings_converged_solves_of_one_horizon_together():
    """A continued and a cold solve at (1.5, 3), T = 1000, both at a residual below 1e-6: without
    the polishing step their lost times differ by 1.5e-5 at losses equal to 2.5e-11 (the shape is
    weakly determined by the loss; 3.4e-5 at T = 3162); with it, by 4e-9, each residual drops
    below 1e-8 and the steps they still propose (newton_step) cover their distance (6 s CPU)."""
    T = 1000
    warm = solve_continuum(HARD, 100, diagnostics=False)
    pair = [solve_continuum(HARD, T, initial=warm, diagnostics=False),
            solve_continuum(HARD, T, diagnostics=False)]  # fmt: skip
    lost = [lost_time(r, T) for r in pair]
    assert all(r.success and r.kkt_residual < 1e-8 for r in pair)
    gap = abs(lost[0] / lost[1] - 1)
    assert gap < 1e-7, gap
    err = [step_error(r, T, lost_time) for r in pair]
    assert all(math.isfinite(e) for e in err) and gap <= sum(err), (gap, err)


@dataclass(frozen=True)
class _Result:
    t: np.ndarray
    eta: np.ndarray
    final_loss: float = 0.1
    success: bool = True
    diagnostics: dict = field(default_factory=dict)


def test_step_error_is_the_readouts_change_under_the_remaining_step():
    t, eta = _window(1e8)
    step = np.where(eta < 0.6, 0.01 * eta, 0.0)  # the window's rates 1 % higher
    res = _Result(t, eta, diagnostics={"newton_step": step})
    moved = _Result(t, eta + step)
    exact = abs(lost_time(moved, 1e8) / lost_time(res, 1e8) - 1)
    assert step_error(res, 1e8, lost_time) == pytest.approx(exact, rel=1e-12) and exact > 1e-3
    assert math.isnan(step_error(_Result(t, eta), 1e8, lost_time))  # no step: unknown, not 0


def test_the_window_claims_solver_error_carries_the_remaining_step():
    """The same synthetic hard optima with and without a remaining step that moves each window
    by 2e-4 .. 3e-4 of its lost time: the claim's diagnostics hold the step errors, and the solver term
    of its budget grows from the KKT bound (~0 here) to the step's size (a claim that ignored the
    step would keep the KKT bound)."""
    model = PLRFModel(1.5, 3.0, n_modes=10**12)
    Ts = [round(10 ** (3 + k / 2)) for k in range(9)]

    def optimum(T, moved):
        t, eta = _window(T)
        step = np.where(eta < 0.6, 1e-3 * eta * (1 + (np.log10(T) % 1)), 0.0)
        return _Result(t, eta, diagnostics={"newton_step": step if moved else 0 * step})

    out = {}
    for moved in (False, True):
        ctx = ExperimentContext(
            sweep=lambda m, Ts, moved=moved, **_: [optimum(T, moved) for T in Ts]
        )
        out[moved] = evaluate_claim(CLAIMS["hard annealing window"], model, Ts, ctx)
    step = np.asarray(out[True].measurement.diagnostics["step_error"])
    exact = [abs(lost_time(_Result(o.t, o.eta + o.diagnostics["newton_step"]), T)
                 / lost_time(o, T) - 1) for T in Ts for o in [optimum(T, True)]]  # fmt: skip
    np.testing.assert_allclose(step, exact, rtol=1e-10)
    assert np.all(step > 1e-4)
    solver = [out[m].measurement.extrapolation.budget["solver"] for m in (False, True)]
    assert solver[0] < 1e-6 and solver[1] > 1e-5, solver


@pytest.mark.parametrize("name", ["xi", "delta", "phase boundary"])
def test_easy_shape_claims_carry_the_remaining_step_too(name):
    """xi, delta and the phase boundary read the easy optimum's shape (window means): a remaining
    step that moves the schedule by 1e-3 .. 2e-3 of itself raises the solver term of their budget
    from the KKT bound (0 here) to the step's size; a claim that ignored it keeps ~0."""
    model = PLRFModel(3.0, 2.0, n_modes=10**12)
    Ts = [round(10 ** (3 + k / 2)) for k in range(9)]

    def optimum(T, moved):
        t = time_grid(T)
        mid = 0.5 * (t[1:] + t[:-1])
        eta = 0.5 * T ** (-1 / 3) * (1 - mid / T) ** 3
        step = 1e-3 * eta * (1 + (np.log10(T) % 1))
        # the step's size varies with the position too, so that delta's halves move apart
        step *= 1 + (mid / T)
        return _Result(t, eta, diagnostics={"newton_step": step if moved else 0 * step})

    solver = []
    for moved in (False, True):
        ctx = ExperimentContext(
            sweep=lambda m, Ts, moved=moved, **_: [optimum(T, moved) for T in Ts]
        )
        r = evaluate_claim(CLAIMS[name], model, Ts, ctx)
        solver.append(r.measurement.extrapolation.budget["solver"])
    assert solver[0] < 1e-6 and solver[1] > 1e-5, solver
