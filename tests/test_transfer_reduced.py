"""The LR transfers (issue 12): the annealed families' reduced problem (theory and kernel, held
against an independent integration and the symbolic expression), the reduced problem's own
exponent against the derived one (a shifted exponent fails), the transfers' bound and the batch
ramp's settling texts."""

import math

import mpmath as mp
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from solvers.claims.baselines import _pinned_on_bound
from solvers.claims.beyond import (
    ramp_plan,
    ramp_settling,
)
from solvers.claims.core import BeyondScale, statistical_verdict
from solvers.claims.transfer_reduced import _reduced_exponent, reduced_loss
from solvers.dynamics import ModeGrid
from solvers.schedules.tuning import BaselineResult
from theory import PLRFModel, fixed_shape_peak_at, fixed_shape_reduced, reduced_problem_omegas
from theory import symbols as S


@pytest.mark.parametrize("frac", [1.0, 0.3])
@pytest.mark.parametrize("lam_eta_T", [0.05, 3.0, 200.0])
def test_reduced_mode_loss_solves_the_continuous_dynamics(frac, lam_eta_T):
    """The closed form of one mode's final loss equals a direct integration of
    dc/dt = -2 eta lambda c + iota eta^2 lambda sigma^2 under the WSD rate (an independent
    method): the plateau, the decay and the bias, for a slow, a front and a fast mode."""
    R = fixed_shape_reduced()
    lam, eta0, T, c0, iota, sigma = 0.01, 0.5, lam_eta_T / (0.01 * 0.5), 2.0, 1.0, 0.5

    def rate(t):
        return eta0 * min(1.0, (1.0 - t / T) / frac)

    sol = solve_ivp(lambda t, c: -2 * rate(t) * lam * c + iota * rate(t) ** 2 * lam * sigma**2,
                    (0.0, T), [c0], rtol=1e-11, atol=1e-14, max_step=T / 2000)  # fmt: skip
    closed = float(R.mode_loss.subs({S.lam: lam, sp.Symbol("c_0", positive=True): c0,
                                     sp.Symbol("eta_0", positive=True): eta0,
                                     sp.Symbol("T", positive=True): T,
                                     sp.Symbol("f", positive=True): frac,
                                     S.inv_m: iota, S.sigma: sigma}).evalf(30))  # fmt: skip
    assert closed == pytest.approx(lam * sol.y[0, -1], rel=1e-7)


def test_reduced_kernel_matches_the_symbolic_expression():
    """The numeric kernel (the series of J where its closed form cancels, expm1 for E) against
    the symbolic mode loss at 40 digits, mode by mode, on both sides of the series' switch."""
    R = fixed_shape_reduced()
    model = PLRFModel(3.0, 2.0, n_modes=10**9)
    grid = ModeGrid.from_model(model)
    f = sp.lambdify(R.symbols, R.mode_loss, "mpmath")
    for eta0, frac, T in [(0.02, 1.0, 1e6), (0.3, 0.2, 1e3), (1e-4, 0.7, 1e9)]:
        with mp.workdps(40):
            want = [f(mp.mpf(lam), mp.mpf(c0), eta0, T, frac, 1, 0.5)
                    for lam, c0 in zip(grid.lam, grid.c0, strict=True)]  # fmt: skip
            want = float(sum(w * x for w, x in zip(grid.weight, want, strict=True)))
        assert reduced_loss(model, grid, eta0, frac, T) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("ab", [(3.0, 2.0), (4.0, 1.2), (4.0, 3.5)], ids=["3-2", "4-1.2", "4-3.5"])
def test_reduced_problem_has_the_derived_exponent(ab):
    """The reduced problem's tuned linear peak, extrapolated from 1e6 to 1e60, agrees with the
    derived exponent of the fixed-shape balance (a log at b = 2, the front at b < 2, the top
    modes at b > 2) within its interval; the exponent shifted by +-0.02 does not."""
    a, b = ab
    e, _ = _reduced_exponent(PLRFModel(a, b, n_modes=10**12), 1.0, 1e6)
    nu = fixed_shape_peak_at(1, a, b)
    assert e.contains(-nu), (e.value, e.halfwidth, -nu)
    for shift in (-0.02, 0.02):
        assert statistical_verdict(e, -nu + shift, 0.01) == "disagrees", (e.value, e.halfwidth)


def test_reduced_problem_omegas_are_the_left_out_mechanisms():
    """Discrete time T^-nu and the loss in the source, T^-(1-nu) min(1, (a-1)/b): the early
    loss when (a-1)/b > 1 (it converges), the end's T^-p when it is < 1."""
    assert reduced_problem_omegas(4.0, 1.2, 0.7) == pytest.approx([0.3, 0.7])
    assert reduced_problem_omegas(3.0, 2.0, 1 / 3) == pytest.approx([1 / 3, 2 / 3])
    assert reduced_problem_omegas(2.0, 1.2, 0.4) == pytest.approx([0.4, 0.6 / 1.2])


def _result(T, eta0, up, at_bound):
    return BaselineResult("linear", T, {"eta0": eta0}, 1.0, ("eta0",) if at_bound else (),
                          {"eta0": (1e-6, up)}, 10, True, "")  # fmt: skip


def test_a_transfer_pinned_on_its_bound_says_so():
    """A tuned peak on the continuum box's upper end (the stability limit, below eta_max) at the
    last two horizons is not a transfer measurement; off the bound at the last, nothing."""
    m = PLRFModel(1.5, 3.0)
    up = 0.64978
    pinned = [_result(T, up, up, True) for T in (316, 1000, 3162)]
    text = _pinned_on_bound(m, pinned)
    assert "upper bound 0.64978" in text and "stability limit" in text and "eta_max = 2" in text
    assert _pinned_on_bound(m, [*pinned[:2], _result(3162, 0.6, up, False)]) == ""
    assert "(eta_max = 2)" in _pinned_on_bound(m, [_result(T, 2.0, 2.0, True) for T in (10, 30)])


def test_batch_ramp_names_modes_when_the_mode_cap_cuts_its_horizons():
    """At b = 1.2 the derived plan keeps one horizon under the 4000-mode cap: the text says more
    modes, and how many the next horizon needs (it needs more than the cap); at (3, 2) the plan
    is not cut and the text is the default."""
    sc = BeyondScale()
    N, Ts = ramp_plan(PLRFModel(4.0, 1.2), sc)
    text = ramp_settling(PLRFModel(4.0, 1.2), sc)
    assert len(Ts) == 1 and text.startswith("more modes settle it")
    need = int(text.split("needs ")[1].split(" ")[0])
    assert need > N
    # the plan with that many modes would reach the next horizon (what the text claims)
    assert ramp_settling(PLRFModel(3.0, 2.0), sc) == ""
    assert math.isfinite(need)
