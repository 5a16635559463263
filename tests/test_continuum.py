"""Long-horizon continuum solver: kernel, quadrature, gradient, optimum (issue 4, item 3)."""

import math
import pickle
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize, minimize_scalar

from solvers import FrontWarning, make_schedule, simulate
from solvers.control import ContinuumResult, continuum_sweep, solve_continuum
from solvers.control.continuum import build_problem
from solvers.dynamics import continuum_loss, mode_quadrature, time_grid
from solvers.dynamics._continuum_kernels import mode_rates, phi123
from solvers.dynamics.continuum import DEFAULT_RATIO
from theory import PLRFModel, plrf_dynamics
from theory.symbols import L, c, eta, inv_m, lam, sigma

EASY = PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=1000)


def _problem(model, T, dynamics="discrete", **kw):
    opts = dict(grid=None, ratio=1.05, max_interval=0.01, substeps=2, dynamics=dynamics)
    opts.update(exact_modes=64, bins_per_decade=4, points_per_bin=4)
    opts.update(kw)
    return build_problem(model, T, **opts)


def _test_schedule(t, T):
    mid = 0.5 * (t[1:] + t[:-1])
    return 0.4 * (1 - mid / T) ** 2 + 0.02


# -- kernel against the symbolic dynamics -----------------------------------------------------


@pytest.mark.parametrize("discrete", [False, True])
def test_mode_rates_match_symbolic_dynamics(discrete):
    dyn = plrf_dynamics()
    expr = dyn.discrete if discrete else dyn.continuous
    lin = sp.diff(expr, c)  # D (discrete) or -r (continuous)
    forcing = sp.cancel(sp.expand(expr - lin * c) / (L + sigma**2))
    vals = {lam: sp.Rational(1, 7), eta: sp.Rational(3, 10), inv_m: sp.Rational(1, 3)}
    lin_v, f_v = float(lin.subs(vals)), float(forcing.subs(vals))
    r, dr, q, dq = mode_rates(0.3, 1 / 7, 1 / 3, discrete)
    if discrete:  # per-step contraction exp(-r) = D; forcing scaled so a constant one sums exactly
        assert math.exp(-r) == pytest.approx(lin_v, rel=1e-14)
        assert q == pytest.approx(f_v * r / (1 - lin_v), rel=1e-13)
    else:
        assert r == pytest.approx(-lin_v, rel=1e-14)
        assert q == pytest.approx(f_v, rel=1e-14)
    d = 1e-6
    rp, _, qp, _ = mode_rates(0.3 + d, 1 / 7, 1 / 3, discrete)
    rm, _, qm, _ = mode_rates(0.3 - d, 1 / 7, 1 / 3, discrete)
    assert dr == pytest.approx((rp - rm) / (2 * d), rel=1e-8)
    assert dq == pytest.approx((qp - qm) / (2 * d), rel=1e-8)


@pytest.mark.parametrize("z", [1e-9, -0.05, 0.19, -0.2, 0.21, -0.7, -3.0, -40.0, -800.0, 2.0])
def test_phi_functions_against_mpmath(z):
    with mpmath.workdps(40):
        zz = mpmath.mpf(z)
        ez = mpmath.exp(zz)
        exact = [(ez - 1) / zz, (ez - 1 - zz) / zz**2, (ez - 1 - zz - zz**2 / 2) / zz**3]
        exact = [float(v) for v in exact]
    for got, want in zip(phi123(z), exact, strict=True):
        assert got == pytest.approx(want, rel=1e-13)


# -- dynamics against simulate ----------------------------------------------------------------


def test_continuous_kernel_converges_at_second_order_to_simulate():
    T = 1000
    t = time_grid(T)
    eta_j = _test_schedule(t, T)
    ref = simulate(EASY, np.repeat(eta_j, np.diff(t).astype(int)), time="continuous", substeps=64)
    errs = []
    for sub in (1, 2, 4, 8):
        Ln = continuum_loss(EASY, eta_j, t, dynamics="continuous", substeps=sub, exact_modes=1000)
        errs.append(abs(Ln[-1] / ref.final_loss - 1))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert errs[-1] < 1e-5
    assert np.all(orders > 1.8), orders


def test_discrete_dynamics_track_the_exact_recursion():
    T = 1000
    t = time_grid(T)
    eta_j = _test_schedule(t, T)
    steps = np.repeat(eta_j, np.diff(t).astype(int))
    exact = simulate(EASY, steps).final_loss
    cont = simulate(EASY, steps, time="continuous", substeps=16).final_loss
    ours = continuum_loss(EASY, eta_j, t, dynamics="discrete", substeps=8)[-1]
    gap = abs(cont / exact - 1)  # what the curvature correction is there to remove (~4%)
    assert abs(ours / exact - 1) < 0.005
    assert abs(ours / exact - 1) < gap / 10


def test_discrete_dynamics_exact_for_gradient_descent():
    # batch = inf: no forcing, each mode contracts by D^n over n steps: exact for any substeps.
    model = PLRFModel(a=2.5, b=1.5, batch=math.inf, n_modes=300)
    T = 500
    t = time_grid(T, ratio=1.2)
    eta_j = 0.9 * (1 - 0.5 * (t[1:] + t[:-1]) / T) + 0.05
    exact = simulate(model, np.repeat(eta_j, np.diff(t).astype(int)))
    ours = continuum_loss(model, eta_j, t, substeps=1, exact_modes=300)
    np.testing.assert_allclose(ours[-1], exact.final_loss, rtol=1e-11)


# -- mode quadrature --------------------------------------------------------------------------


def test_quadrature_of_bias_sum_within_error_bound():
    model = PLRFModel(a=1.5, b=3, n_modes=10**5)
    k = np.arange(1, model.n_modes + 1, dtype=float)
    q = mode_quadrature(model)
    fine = mode_quadrature(model, exact_modes=128, bins_per_decade=8, points_per_bin=8)
    # midpoint-rule bound for the pure power law, |sum - integral| <= a(a+1)/24 * int k^-(a+2)
    k0 = q.n_exact + 0.5
    bound_tail = model.a * (model.a + 1) / 24 * k0 ** (-(model.a + 1)) / (model.a + 1)
    for tau in np.logspace(0, 12, 7):

        def g(x, tau=tau):
            return x ** (-model.a) * np.exp(-2 * x ** (-model.b) * tau)

        exact = float(np.sum(g(k)))
        err = abs(q.sum(g) - exact)
        assert err <= bound_tail * 1.5 + 1e-13 * exact
        assert err <= 3 * abs(q.sum(g) - fine.sum(g)) + 1e-13 * exact  # refinement estimate holds


def test_binned_dynamics_match_exact_modes():
    model = PLRFModel(a=1.5, b=3, n_modes=20000)
    T = 2000
    t = time_grid(T)
    eta_j = _test_schedule(t, T)
    exact = continuum_loss(model, eta_j, t, exact_modes=20000)
    binned = continuum_loss(model, eta_j, t)
    assert mode_quadrature(model).size < 120
    np.testing.assert_allclose(binned, exact, rtol=2e-5)


# -- gradient ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dynamics", ["discrete", "continuous"])
def test_adjoint_gradient_matches_finite_differences(dynamics):
    p = _problem(PLRFModel(a=1.5, b=3, n_modes=10**4), 1000, dynamics)
    eta_j = _test_schedule(p.t, p.T)
    LT, g, _, ok = p.value_grad(eta_j)
    assert ok
    for j in (0, 7, 40, 100, eta_j.size - 1):
        d = 1e-6 * max(eta_j[j], 1e-3)
        ep, em = eta_j.copy(), eta_j.copy()
        ep[j] += d
        em[j] -= d
        fd = (p.loss_curve(ep)[0][-1] - p.loss_curve(em)[0][-1]) / (2 * d)
        assert g[j] == pytest.approx(fd, rel=1e-6, abs=1e-12 * LT)


def test_gradient_passes_share_a_workspace_without_sharing_state():
    """A problem reuses one workspace for all its gradient passes (no per-pass allocation):
    a pass after an unstable one, or after another schedule, gives exactly what a fresh
    problem gives, and a pickled problem leaves the workspace behind."""
    model = PLRFModel(a=1.5, b=3, n_modes=10**4)
    p = _problem(model, 1000, "discrete")
    eta_j = _test_schedule(p.t, p.T)
    unstable = np.full_like(eta_j, 10 * p.upper)
    assert not p.value_grad(unstable)[3]  # stops part-way, the workspace half written
    p.value_grad(0.5 * eta_j)
    LT, g, Ln, ok = p.value_grad(eta_j)
    LT0, g0, Ln0, _ = _problem(model, 1000, "discrete").value_grad(eta_j)
    assert ok and LT == LT0 and np.array_equal(g, g0) and np.array_equal(Ln, Ln0)
    q = pickle.loads(pickle.dumps(p))
    assert "_workspace" not in q.__dict__
    assert q.value_grad(eta_j)[0] == LT0


@pytest.mark.parametrize("substeps", [1, 2, 3])
def test_the_loss_only_pass_is_the_gradient_pass_forward(substeps):
    """``loss_curve`` (one state, the baselines' pass) and ``value_grad`` (every substep's state
    kept for the adjoint) integrate the same map: the same nodes, bit for bit."""
    model = PLRFModel(a=1.5, b=3, n_modes=10**4)
    p = build_problem(model, 1000, None, 1.1, 0.01, substeps, "discrete", 16, 4, 4)
    eta_j = _test_schedule(p.t, p.T)
    Ln, ok = p.loss_curve(eta_j)
    assert ok and np.array_equal(Ln, p.value_grad(eta_j)[2])


# -- optimum ----------------------------------------------------------------------------------


def test_small_horizon_matches_brute_force_block_optimum():
    model = PLRFModel(a=2.5, b=1.5, sigma=0.5, batch=2, n_modes=200)
    T, K = 200, 4
    grid = np.linspace(0, T, K + 1)
    ours = solve_continuum(
        model, T, grid=grid, dynamics="continuous", substeps=1000, exact_modes=200
    )

    def brute(x):
        return simulate(model, np.repeat(x, T // K), time="continuous", substeps=16).final_loss

    up = ours.eta_upper
    ref = minimize(brute, np.full(K, 0.3), method="L-BFGS-B", bounds=[(0, up)] * K,
                   options={"ftol": 1e-14, "gtol": 1e-12, "eps": 1e-7})  # fmt: skip
    assert ours.success
    assert ours.final_loss == pytest.approx(ref.fun, rel=1e-5)
    np.testing.assert_allclose(ours.eta, ref.x, atol=2e-3)


def test_optimum_beats_every_tuned_named_schedule():
    T = 500
    res = solve_continuum(EASY, T)
    assert res.success, res.message
    assert res.kkt_residual < 1e-2
    ours = simulate(EASY, res.per_step()).final_loss  # judged by the exact recursion
    assert ours == pytest.approx(res.final_loss, rel=5e-3)
    extra = {"wsd": (0.2,), "poly": (2.0,), "power": (0.5,)}
    for name in ("constant", "linear", "cosine", "wsd", "poly", "power"):

        def f(v, name=name):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = simulate(EASY, make_schedule(name, T, math.exp(v), *extra.get(name, ())))
            return math.log(out.final_loss) if math.isfinite(out.final_loss) else 50.0

        best = minimize_scalar(f, bounds=(-8, 0.5), method="bounded")
        assert ours < math.exp(best.fun), name


def test_result_fields_save_load_and_statuses(tmp_path):
    res = solve_continuum(EASY, 300, maxiter=1)
    assert res.status == 1 and not res.success and "iteration" in res.message
    assert res.t[0] == 0 and res.t[-1] == 300 and res.eta.shape == (res.t.size - 1,)
    assert res.loss.shape == res.t.shape and res.final_loss == res.loss[-1]
    for suffix in (".json", ".npz"):
        path = tmp_path / f"r{suffix}"
        res.save(path)
        back = ContinuumResult.load(path)
        np.testing.assert_array_equal(back.eta, res.eta)
        assert back.final_loss == res.final_loss and back.model == res.model


def test_front_warning_when_modes_too_few():
    with pytest.warns(FrontWarning, match="n_modes"):
        res = solve_continuum(PLRFModel(a=3, b=2, n_modes=20), 2000, maxiter=20)
    assert res.warnings and res.front_ratio > 0.1


def test_bad_input():
    with pytest.raises(TypeError, match="bogus"):
        solve_continuum(EASY, 100, bogus=1)
    with pytest.raises(ValueError, match="dynamics"):
        solve_continuum(EASY, 100, dynamics="exact")
    with pytest.raises(ValueError, match="grid"):
        solve_continuum(EASY, 100, grid=[0, 50, 40, 100])
    with pytest.raises(ValueError, match="initial"):
        solve_continuum(EASY, 100, initial=np.ones(3))
    with pytest.raises(ValueError, match="T"):
        solve_continuum(EASY, 0.5)
    with pytest.raises(TypeError, match="initial"):
        continuum_sweep(EASY, [100, 1000], initial=None)


def test_grid_size_grows_like_log_T():
    sizes = {T: time_grid(T).size - 1 for T in (1e4, 1e6, 1e8)}
    per_decade = 2 * math.log(10) / math.log(DEFAULT_RATIO)  # both ends refine geometrically
    assert sizes[1e8] - sizes[1e6] == pytest.approx(2 * per_decade, rel=0.05)
    t = time_grid(1e8)
    assert np.diff(t)[0] == 1 and np.diff(t)[-1] == 1


def test_sweep_returns_one_result_per_horizon_in_input_order():
    rs = continuum_sweep(EASY, [400, 100, 200], diagnostics=False)
    assert [r.T for r in rs] == [400, 100, 200]
    L = [r.final_loss for r in rs]
    assert L[0] < L[2] < L[1]


# -- scaled stopping test and multilevel start ------------------------------------------------


def test_scaled_kkt_is_the_log_eta_gradient_and_decides_convergence():
    """kkt_scaled = sum_j |d log L / d log eta_j| off the bounds, checked by finite differences."""
    from solvers.control._continuum_optimise import SCALE_FLOOR, _kkt_scaled

    res = solve_continuum(EASY, 500, diagnostics=False)
    assert res.success and res.criterion == "scaled"
    assert res.kkt_residual == res.kkt_scaled <= 1e-6 and "KKT residual" in res.message
    assert math.isfinite(res.kkt_metric)  # the earlier measure is still reported
    p = _problem(EASY, 500, ratio=DEFAULT_RATIO)
    np.testing.assert_array_equal(p.t, res.t)
    # an interior schedule (no rate near a bound): the measure is the sum of |dlogL/dlog eta|
    eta_j = _test_schedule(p.t, p.T)
    assert np.all(eta_j > SCALE_FLOOR * eta_j.max()) and np.all(eta_j < p.upper)
    LT, g, _, _ = p.value_grad(eta_j)
    fd = []
    for j in range(eta_j.size):
        ep, em = eta_j.copy(), eta_j.copy()
        ep[j] *= 1 + 1e-6
        em[j] *= 1 - 1e-6
        fd.append((math.log(p.loss_curve(ep)[0][-1]) - math.log(p.loss_curve(em)[0][-1])) / 2e-6)
    assert _kkt_scaled(p, eta_j, g / LT) == pytest.approx(np.abs(fd).sum(), rel=1e-5)
    # a looser tolerance stops earlier, at a residual that passes it
    loose = solve_continuum(EASY, 500, tol=3e-2, diagnostics=False)
    assert loose.success and loose.kkt_scaled <= 3e-2 and loose.iterations < res.iterations
    assert loose.final_loss >= res.final_loss * (1 - 1e-9)


def test_multilevel_start_solves_a_coarse_grid_first_and_beats_single_level():
    # L-BFGS-B alone (the Newton finish converges from either start in a few steps)
    opts = dict(newton=False, tol=1e-3, diagnostics=False)
    ml = solve_continuum(EASY, 500, **opts)
    assert ml.success and ml.kkt_scaled <= 1e-3
    assert [lv["intervals"] for lv in ml.levels] == [
        math.ceil((ml.t.size - 1) / 8),
        ml.t.size - 1,
    ]
    # with the same iteration budget, one level from the tuned start does not get there
    one = solve_continuum(EASY, 500, multilevel=False, maxiter=ml.iterations, **opts)
    assert len(one.levels) == 1 and one.status == 1 and not one.success
    assert ml.final_loss < one.final_loss and ml.kkt_scaled < one.kkt_scaled
    # the metric criterion is still available and reported
    met = solve_continuum(EASY, 300, criterion="metric", diagnostics=False)
    assert met.kkt_residual == met.kkt_metric and "metric" in met.message
    with pytest.raises(ValueError, match="criterion"):
        solve_continuum(EASY, 300, criterion="box")
    with pytest.raises(TypeError, match="multilevel"):
        solve_continuum(EASY, 300, multilevel=8)
