"""The Pontryagin BVP solver: closed-form single mode, H constant, mpmath path, direct check."""

import itertools
import math

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import expm
from scipy.optimize import brentq, minimize

from solvers.control import BVPResult, solve_bvp_schedule, solve_bvp_schedule_mp
from solvers.dynamics import initial_state, spectrum
from theory import PLRFModel, plrf_dynamics
from theory.symbols import L, c, eta, inv_m, lam, sigma


def single_mode_closed_form(model):
    """Derive the single-mode optimum independently of the BVP (pointwise minimum of dc/dt).

    With one mode ``L = lambda c``; for a scalar state whose cost is c(T), the schedule that
    minimises dc/dt at every state is optimal (comparison principle). Returns the feedback
    eta(c) and t(c), the time at which the closed loop reaches c (a closed form).
    """
    rate = plrf_dynamics().continuous.subs(L, lam * c)
    (fb,) = sp.solve(sp.diff(rate, eta), eta)
    closed_loop = sp.simplify(rate.subs(eta, fb))
    cc = sp.Symbol("cc", positive=True)
    c0 = sp.Symbol("c0", positive=True)
    time_to = sp.integrate(sp.simplify(1 / closed_loop).subs(c, cc), (cc, c0, c))
    vals = {lam: 1, inv_m: sp.nsimplify(model.inv_batch), sigma: sp.nsimplify(model.sigma), c0: 1}
    return (
        sp.lambdify(c, fb.subs(vals), "numpy"),
        sp.lambdify(c, sp.simplify(time_to.subs(vals)), "numpy"),
    )


@pytest.fixture(scope="module")
def single_mode():
    model = PLRFModel(a=2.5, b=2, sigma=0.5, batch=1, n_modes=1, eta_max=2)
    return model, solve_bvp_schedule(model, 10.0, tol=1e-8)


def test_single_mode_reproduces_closed_form(single_mode):
    model, res = single_mode
    assert res.success, res.message
    feedback, time_to = single_mode_closed_form(model)
    T = 10.0
    c_T = brentq(lambda x: time_to(x) - T, 1e-12, 1.0, xtol=1e-15)
    assert res.final_loss == pytest.approx(c_T, rel=1e-7)  # lambda_1 = 1
    # The state follows the implicit closed form t(c) and eta follows the feedback eta(c).
    np.testing.assert_allclose(time_to(res.state[0]), res.t, atol=1e-6 * T)
    np.testing.assert_allclose(res.eta, feedback(res.state[0]), rtol=1e-6)
    assert res.eta.max() < model.eta_max  # interior: the closed form applies everywhere


def test_hamiltonian_constant_along_solution(single_mode):
    _, res = single_mode
    assert res.hamiltonian_deviation < 1e-6
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=2, n_modes=4, eta_max=2)
    r4 = solve_bvp_schedule(model, 20.0, tol=1e-7)
    assert r4.success, r4.message
    assert r4.hamiltonian_deviation < 1e-5
    # Not a constant schedule: the test would pass trivially if eta never moved.
    assert np.ptp(r4.eta) > 0.05
    assert r4.state.shape == r4.costate.shape == (4, r4.t.size)
    np.testing.assert_allclose(r4.state[:, 0], initial_state(model))
    np.testing.assert_allclose(r4.costate[:, -1], spectrum(model))


def _block_direct(model, T, K):
    """Brute force: eta piecewise constant on K blocks, exact propagation, L-BFGS-B (FD grads)."""
    lam_k, c0 = spectrum(model), initial_state(model)
    n, im, s2 = lam_k.size, model.inv_batch, model.sigma**2
    h = T / K

    def propagate(etas):
        y = np.append(c0, 1.0)
        for e in etas:
            M = np.zeros((n + 1, n + 1))  # dc/dt = A c + b, from docs/theory.md's continuous limit
            M[:n, :n] = np.diag(-2 * e * lam_k) + im * e**2 * np.outer(lam_k, lam_k)
            M[:n, n] = im * e**2 * lam_k * s2
            y = expm(M * h) @ y
        return float(lam_k @ y[:n])

    x0 = np.full(K, 0.5)
    opt = minimize(
        propagate,
        x0,
        method="L-BFGS-B",
        bounds=[(0, model.eta_max)] * K,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 300},
    )
    return opt.x, opt.fun


@pytest.mark.slow
def test_schedule_agrees_with_brute_force_direct_optimisation():
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=1, n_modes=2, eta_max=2)
    T, K = 8.0, 16
    res = solve_bvp_schedule(model, T, tol=1e-8)
    assert res.success, res.message
    etas, loss = _block_direct(model, T, K)
    # The continuous optimum is at least as good as any block schedule, and close to the best.
    assert res.final_loss <= loss * (1 + 1e-9)
    assert loss == pytest.approx(res.final_loss, rel=2e-3)
    edges = np.linspace(0, T, K + 1)
    fine = np.linspace(0, T, 4001)
    block_mean = np.array(
        [res.eta_at(fine[(fine >= a) & (fine <= b)]).mean() for a, b in itertools.pairwise(edges)]
    )
    rel_l2 = np.linalg.norm(etas - block_mean) / np.linalg.norm(block_mean)
    assert rel_l2 < 0.03


def test_mpmath_path_agrees_with_float_path():
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=1, n_modes=1, eta_max=2)
    T = 1.0
    flt = solve_bvp_schedule(model, T, tol=1e-9)
    hp = solve_bvp_schedule_mp(model, T, guess=flt, dps=30, steps=3, levels=12)
    assert hp.success, hp.message
    assert hp.meta["integration_error"] < 1e-30 and hp.meta["residual"] < 1e-30
    # Agreement to the float path's accuracy (collocation tolerance 1e-9).
    assert flt.final_loss == pytest.approx(float(hp.meta["final_loss_mp"]), rel=1e-8)
    np.testing.assert_allclose(flt.costate[:, 0], [float(v) for v in hp.meta["mu0_mp"]], rtol=1e-7)
    # Against the closed form at 30 digits: t(c(T)) = T.
    _, time_to = single_mode_closed_form(model)
    assert time_to(float(hp.meta["final_loss_mp"])) == pytest.approx(T, rel=1e-12)
    assert hp.hamiltonian_deviation < 1e-14


@pytest.mark.slow
def test_mpmath_two_modes_agrees_with_float_path():
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=1, n_modes=2, eta_max=2)
    flt = solve_bvp_schedule(model, 5.0, tol=1e-9)
    hp = solve_bvp_schedule_mp(model, 5.0, guess=flt, dps=30, steps=20, levels=12)
    assert hp.success, hp.message
    assert flt.final_loss == pytest.approx(float(hp.meta["final_loss_mp"]), rel=1e-8)


def test_non_convergence_is_a_status_not_an_exception():
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=1, n_modes=3, eta_max=2)
    res = solve_bvp_schedule(model, 30.0, tol=1e-10, max_nodes=12, n_nodes=10, continuation=0)
    assert isinstance(res, BVPResult)
    assert res.success is False and res.status != 0 and res.message
    hp = solve_bvp_schedule_mp(model.replace(n_modes=1), 1.0, dps=30, steps=1, levels=3)
    assert hp.success is False and "integration error" in hp.message


def test_result_schedule_per_step(single_mode):
    _, res = single_mode
    per_step = res.schedule()
    assert per_step.shape == (10,)
    np.testing.assert_allclose(per_step, res.eta_at(np.arange(10) + 0.5))
    assert math.isfinite(res.final_loss)


def test_bad_input_names_argument_and_value():
    model = PLRFModel(a=2.5, b=2, n_modes=2)
    with pytest.raises(ValueError, match=r"T must be > 0, got -1"):
        solve_bvp_schedule(model, -1)
    with pytest.raises(ValueError, match=r"model.n_modes must be <= 20.*got 1000"):
        solve_bvp_schedule(PLRFModel(a=2.5, b=2), 10)
    with pytest.raises(TypeError, match="model must be a PLRFModel"):
        solve_bvp_schedule("plrf", 10)
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\): tolerance"):
        solve_bvp_schedule(model, 10, tolerance=1e-3)
    with pytest.raises(ValueError, match=r"eta_guess must be <= 2, got 5"):
        solve_bvp_schedule(model, 10, eta_guess=5)
    with pytest.raises(ValueError, match=r"dps must be an integer >= 15, got 5"):
        solve_bvp_schedule_mp(model, 1, dps=5)
    with pytest.raises(ValueError, match=r"model.n_modes must be <= 8 for the mpmath path"):
        solve_bvp_schedule_mp(model.replace(n_modes=9), 1)
