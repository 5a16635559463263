"""Batch size, momentum control and compute-optimal scaling (issue 6)."""

import json
import math

import numpy as np
import pytest
import sympy as sp

from solvers import simulate
from solvers.cli import main
from solvers.control.batch import BlockBudget, EdgeRate, degeneracy_check
from solvers.control.compute_optimal import _vertex, compute_optimal_point, optimal_loss
from solvers.control.momentum import (
    block_edges,
    fit_exponent,
    momentum_adjoint,
    momentum_loss_and_gradient,
    solve_momentum,
)
from solvers.dynamics import simulate_momentum
from theory import (
    PLRFModel,
    batch_degeneracy,
    momentum_bias_dynamics,
    momentum_closure,
    nesterov_momentum,
    sgd_update,
)
from theory._beyond import ratio
from theory._moments import beta
from theory.symbols import L, c, eta, lam, m, sigma

# -- batch degeneracy: symbolic -----------------------------------------------------------------


def test_sample_time_dynamics_depend_on_the_ratio_only():
    d = batch_degeneracy()
    assert d.degenerate
    r = ratio
    expected = -2 * r * lam * c + r**2 * lam * (L + sigma**2)  # docs/theory.md §1 with s = m t
    assert sp.simplify(d.continuous_per_sample - expected) == 0
    # substitution back: the per-sample form times m is the step-time form at eta = r m
    from theory import plrf_dynamics
    from theory.symbols import inv_m

    step_form = plrf_dynamics().continuous.subs({eta: r * m, inv_m: 1 / m})
    assert sp.simplify(m * d.continuous_per_sample - step_form) == 0


def test_discrete_breaking_term_and_its_relative_size():
    d = batch_degeneracy()
    assert sp.simplify(d.breaking - ratio**2 * (m + 1) * lam**2 * c) == 0
    assert sp.simplify(d.discrete_per_sample - d.continuous_per_sample - d.breaking) == 0
    assert sp.simplify(d.relative_breaking - eta * lam * (1 + 1 / m) / 2) == 0
    assert "eta_max" in str(d.m_range)
    assert set(d.latex()) >= {"continuous_per_sample", "breaking", "m_range"}


# -- batch degeneracy: numeric ------------------------------------------------------------------

MODEL = PLRFModel(a=3, b=2, sigma=0.5, n_modes=200)


def test_ratio_equal_schedules_agree_to_solver_precision_in_continuous_time():
    r = degeneracy_check(
        MODEL, [400, 800, 800], [0.05, 0.02, 0.005], [[1, 1, 1], [4, 2, 8], [8, 8, 4]]
    )
    spreads = [
        (v.max() / v.min() - 1) for _, v in sorted(r.continuous.items())
    ]  # substeps 2, 8, 32
    # second-order integrator: each 4x refinement cuts the spread ~16x (not just "small")
    assert spreads[1] < spreads[0] / 8 and spreads[2] < spreads[1] / 8
    assert r.continuous_spread < 1e-6
    # the exact recursion breaks the degeneracy by orders of magnitude more
    assert r.discrete_spread > 100 * r.continuous_spread


def test_discrete_degeneracy_is_restored_as_eta_vanishes():
    spreads = [
        degeneracy_check(MODEL, [800, 800], [s, s / 4], [[1, 1], [8, 8]], substeps=(2,))
        for s in (0.1, 0.05, 0.025)
    ]
    d = [x.discrete_spread for x in spreads]
    assert d[0] > d[1] > d[2]
    assert all(x.discrete_spread < x.predicted_discrete for x in spreads)


def test_degeneracy_family_is_bounded_by_eta_max():
    # r = 0.05 with m = 64 needs eta = 3.2 > eta_max = 2: equal loss, but not admissible
    r = degeneracy_check(MODEL, [640, 640], [0.05, 0.01], [[1, 1], [64, 64]], substeps=(2,))
    assert r.admissible == (True, False)


def test_degeneracy_check_rejects_non_divisible_blocks():
    with pytest.raises(ValueError, match="multiple of the batch"):
        degeneracy_check(MODEL, [10, 10], [0.1, 0.1], [[1, 1], [3, 3]])


def _fd_vjp(par, theta, key, h=1e-7):
    """Finite-difference check of a parametrisation's vjp for a random cotangent."""
    rng = np.random.default_rng(1)
    ct = rng.normal(size=par.T)
    grads = {"eta": np.zeros(par.T), "inv_batch": np.zeros(par.T)}
    grads[key] = ct
    g = par.vjp(theta, grads)
    num = np.empty_like(theta)
    for i in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        num[i] = (ct @ par.controls(tp)[key] - ct @ par.controls(tm)[key]) / (2 * h)
    return g, num


def test_block_budget_holds_budget_and_pulls_back_gradients():
    edges = block_edges(200)
    par = BlockBudget(edges, 0.5, 1600.0, m_min=1.0)
    rng = np.random.default_rng(0)
    theta = np.concatenate([rng.uniform(0.1, 0.5, par.K), rng.uniform(0.1, 1, par.K)])
    m_t = 1 / par.controls(theta)["inv_batch"]
    assert abs(m_t.sum() - 1600.0) < 1e-9 * 1600 and m_t.min() >= 1.0
    for key in ("eta", "inv_batch"):
        g, num = _fd_vjp(par, theta, key)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)
    fixed = BlockBudget(edges, 0.5, 1600.0, fix_eta=True)
    assert fixed.n_params == par.K
    assert np.all(fixed.controls(theta[par.K :])["eta"] == 0.5)
    er = EdgeRate(edges, 0.5)
    g, num = _fd_vjp(er, theta[: par.K], "eta")
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


# -- momentum: derived bias dynamics ------------------------------------------------------------


def test_ema_momentum_slow_rate_and_stability_boundary():
    mb = momentum_bias_dynamics()
    assert sp.simplify(mb.slow_rate - eta) == 0
    assert sp.simplify(mb.stability_boundary - 2 * (1 + beta) / (1 - beta)) == 0
    (tt,) = mb.ema_weight_sum.free_symbols - {beta}
    assert sp.simplify(mb.ema_weight_sum - (1 - beta ** (tt + 1))) == 0
    # independent check: spectral radius of the numeric matrix across the boundary
    for bv in (0.0, 0.5, 0.9):
        xb = 2 * (1 + bv) / (1 - bv)
        for x, inside in ((0.98 * xb, True), (1.02 * xb, False)):
            A = np.array(mb.matrix.subs({beta: bv, eta: 1.0, lam: x}).evalf(), dtype=float)
            assert (max(abs(np.linalg.eigvals(A))) < 1) == inside


def test_bias_dynamics_of_sgd_and_a_user_update():
    sg = momentum_bias_dynamics(sgd_update())
    assert sg.slow_rate == eta and sg.stability_boundary == 2 and sg.ema_weight_sum is None
    ne = momentum_bias_dynamics(nesterov_momentum())
    assert sp.simplify(ne.slow_rate - eta) == 0


# -- momentum: adjoint --------------------------------------------------------------------------

MOM = PLRFModel(a=1.5, b=3, n_modes=30, batch=4, sigma=0.7)


def test_momentum_adjoint_matches_finite_differences_and_the_forward_kernel():
    rng = np.random.default_rng(0)
    T = 23
    e = rng.uniform(0.2, 1.0, T)
    bt = rng.uniform(0, 0.9, T)
    bs = rng.uniform(1, 8, T)
    f, ge, gb, gi = momentum_loss_and_gradient(MOM, e, bt, batch=bs)
    assert abs(f - math.log(simulate_momentum(MOM, e, bt, batch=bs).final_loss)) < 1e-12
    h = 1e-6
    for t in (0, 11, T - 1):
        for arr, g, k in ((e, ge, 0), (bt, gb, 1), (1 / bs, gi, 2)):
            p, q = arr.copy(), arr.copy()
            p[t] += h
            q[t] -= h
            args = [
                [p, bt, bs],
                [e, p, bs],
                [e, bt, 1 / p],
            ][k]
            argm = [[q, bt, bs], [e, q, bs], [e, bt, 1 / q]][k]
            fp = momentum_loss_and_gradient(MOM, args[0], args[1], batch=args[2])[0]
            fm = momentum_loss_and_gradient(MOM, argm[0], argm[1], batch=argm[2])[0]
            assert abs((fp - fm) / (2 * h) - g[t]) < 1e-6 * max(1, abs(g[t]))


def test_momentum_adjoint_matches_the_symbolic_closure_jacobian():
    """Two steps of the derived closure on one mode, differentiated by SymPy."""
    cl = momentum_closure()
    one = PLRFModel(a=2, b=2, n_modes=1, batch=2.0, sigma=0.5)
    e1, e2, b1, b2 = sp.symbols("e1 e2 b1 b2", positive=True)
    from theory.symbols import inv_m

    state = (sp.Integer(1), sp.Integer(0), sp.Integer(0))  # D0 = c0 = 1 for k = 1
    for ee, bb in ((e1, b1), (e2, b2)):
        sub = dict(zip(cl.moments, state, strict=True))
        sub.update({lam: 1, L: state[0], inv_m: sp.Rational(1, 2), sigma: sp.Rational(1, 2)})
        sub.update({eta: ee, beta: bb})
        state = tuple(sp.expand(r.subs(sub)) for r in cl.recursion)
    logD = sp.log(state[0])
    vals = {e1: 0.7, e2: 0.4, b1: 0.3, b2: 0.6}
    f, ge, gb, _ = momentum_loss_and_gradient(one, [0.7, 0.4], [0.3, 0.6])
    assert abs(f - float(logD.subs(vals))) < 1e-12
    for sym, g in ((e1, ge[0]), (e2, ge[1]), (b1, gb[0]), (b2, gb[1])):
        assert abs(float(sp.diff(logD, sym).subs(vals)) - g) < 1e-10


def test_momentum_kernel_reduces_to_sgd_and_reports_blowups():
    e = np.full(40, 0.5)
    f = momentum_loss_and_gradient(MOM, e, 0.0)[0]
    assert abs(f - math.log(simulate(MOM, e).final_loss)) < 1e-12
    g = [np.empty(3) for _ in range(3)]
    from solvers.dynamics import initial_state, spectrum

    out = momentum_adjoint(
        spectrum(MOM),
        initial_state(MOM),
        np.full(3, 1e200),
        np.zeros(3),
        np.full(3, 0.25),
        0.49,
        0.0,
        1,
        *g,
    )
    assert out[0] == math.inf and not np.any(g[0])


def test_solve_momentum_small_is_no_worse_than_sgd_and_respects_bounds():
    r = solve_momentum(MOM, 200, maxiter=80, beta_max=0.9)
    assert r.status in (0, 1, 2)
    assert r.final_loss <= r.sgd_loss * (1 + 1e-9)
    assert r.beta.min() >= 0 and r.beta.max() <= 0.9 + 1e-12
    assert r.eta.max() <= MOM.eta_max + 1e-12
    # the reported loss is the loss of the reported schedule (+ the frozen tail)
    idx = np.repeat(np.arange(r.eta.size), np.diff(r.edges))
    L = simulate_momentum(MOM, r.eta[idx], r.beta[idx]).final_loss
    # frozen tail: the tail enters the loss additively and, as noise, raises L slightly
    assert L + MOM.tail_loss == pytest.approx(r.final_loss, rel=0.05)
    with pytest.raises(ValueError, match="beta_max"):
        solve_momentum(MOM, 10, beta_max=1.0)
    with pytest.raises(TypeError):
        solve_momentum(MOM, 10, bogus=1)


def test_fit_exponent_recovers_a_power_law_with_noise_free_zero_stderr():
    x = np.array([1e3, 1e4, 1e5])
    f = fit_exponent(x, 3 * x**-0.25)
    assert abs(f.exponent - 0.25) < 1e-12 and f.stderr < 1e-12
    np.testing.assert_allclose(f.local_slopes, 0.25)
    with pytest.raises(ValueError):
        fit_exponent([1, 2], [1, -1])


# -- compute-optimal ----------------------------------------------------------------------------


def test_vertex_of_an_exact_parabola():
    N = np.array([10.0, 15.0, 22.5, 33.75])
    x = np.log(N)
    L = np.exp((x - math.log(18.0)) ** 2 + math.log(0.01))
    Nv, Lv = _vertex(N, L)
    assert Nv == pytest.approx(18.0, rel=1e-9) and Lv == pytest.approx(0.01, rel=1e-9)


@pytest.mark.slow
def test_compute_optimal_minimum_against_brute_force():
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=1.0)
    C = 600.0
    p = compute_optimal_point(model, C, N_guess=8, factor=1.5, constant=False)
    brute = {N: optimal_loss(model.replace(n_modes=N), round(C / N))[0] for N in range(3, 16)}
    N_b = min(brute, key=brute.get)
    assert abs(math.log(p.N_star / N_b)) < math.log(1.3)
    assert p.L_star <= min(brute.values()) * 1.02
    assert p.L_star >= min(brute.values()) * 0.95


# -- CLI ----------------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_batch_json(capsys):
    code, out, _ = run(capsys, "batch", "--modes", "50", "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["degeneracy"]["symbolic"]["degenerate"] is True
    assert d["degeneracy"]["numeric"]["continuous_spread"] < 1e-5


def test_cli_momentum_json(capsys):
    code, out, _ = run(
        capsys, "momentum", "--T", "40,80", "--modes", "10", "--maxiter", "15", "--format", "json"
    )
    assert code == 0
    d = json.loads(out)
    assert d["derived"]["slow_rate"] == "eta"
    assert len(d["results"]) == 2 and "exponent" in d["momentum"]


def test_cli_compute_optimal_rejects_a_single_level(capsys):
    code, _, err = run(capsys, "compute-optimal", "--C", "200")
    assert code == 2 and "at least two" in err


@pytest.mark.slow
def test_cli_compute_optimal_json(capsys):
    code, out, _ = run(
        capsys, "compute-optimal", "--C", "200,400", "--no-constant", "--format", "json"
    )
    assert code == 0
    d = json.loads(out)
    assert len(d["points"]) == 2 and "model_size_exponent" in d["measured"]


def test_batch_ramp_small_reports_the_schedule_it_optimised():
    from solvers.control.batch import solve_batch_ramp

    model = PLRFModel(a=3, b=2, sigma=0.5, n_modes=50, eta_max=0.1)
    T, D = 400, 64 * 400
    r = solve_batch_ramp(model, T, D, maxiter=60, fit_range=(0.01, 0.5))
    sizes = np.diff(r.edges)
    assert abs(float(r.batch @ sizes) - D) < 1e-8 * D and r.batch.min() >= 1.0
    idx = np.repeat(np.arange(sizes.size), sizes)
    L = simulate(model, r.eta[idx], batch=r.batch[idx]).final_loss
    assert L == pytest.approx(r.final_loss, rel=1e-10)
    assert r.final_loss <= r.constant_loss * (1 + 1e-6)  # the constant batch is feasible
    assert r.derived == -0.75  # 1/(2b) - 1 at b = 2, from the engine


@pytest.mark.slow
def test_momentum_gives_no_exponent_gain_in_the_hard_phase_short_horizons():
    """Derived: EMA momentum's slow rate is eta, so at eta <= eta_max the exponent is SGD's."""
    from solvers import momentum_exponents

    model = PLRFModel(a=1.5, b=3, n_modes=200, batch=4, sigma=0.7)
    res = momentum_exponents(model, [300, 1000, 3000], maxiter=80)
    assert abs(res.momentum.exponent - res.sgd.exponent) < 0.02
    assert all(1.0 <= r.gain < 1.3 for r in res.results)
