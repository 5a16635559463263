"""Momentum forms: derived closures and exponents (theory) and their numerics (solvers)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from solvers import simulate
from solvers.control.momentum_forms import form_schedule, solve_form
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum import simulate_momentum
from solvers.dynamics.momentum_forms import (
    general_momentum_forward,
    monte_carlo_form,
    simulate_form,
)
from theory import PLRFModel
from theory._moments import beta, ema_momentum, second_moment_closure, sgd_update
from theory._momentum_exponents import (
    FORMS,
    _gain_sum_exponent,
    derive_momentum_exponents,
    form_dynamics,
    general_momentum,
    kappa,
    momentum_form,
    zeta,
)
from theory.symbols import a, b, eta, inv_m, lam

# -- theory --------------------------------------------------------------------------------------


def test_ema_form_is_ema_momentum():
    mine = second_moment_closure(momentum_form("ema")).recursion
    ref = second_moment_closure(ema_momentum()).recursion
    assert all(sp.expand(x - y) == 0 for x, y in zip(mine, ref, strict=True))


@pytest.mark.parametrize("name, off", [("heavy-ball", {beta: 0}), ("nesterov", {zeta: 0, beta: 0})])
def test_forms_reduce_to_sgd(name, off):
    """Heavy ball at beta = 0 and the dimension-adapted form without momentum are SGD."""
    rec = second_moment_closure(momentum_form(name)).recursion[0].subs(off)
    sgd = second_moment_closure(sgd_update()).recursion[0]
    assert sp.expand(rec - sgd) == 0
    assert sp.expand(rec.subs(eta, 2 * eta) - sgd) != 0  # the comparison can fail


def test_unknown_form_is_rejected():
    with pytest.raises(ValueError, match="name must be one of"):
        momentum_form("adam")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_slow_rate_matches_the_numeric_eigenvalue(name):
    """The derived slow rate against numpy's eigenvalues of the mean map at small lambda."""
    fd = form_dynamics(name)
    vals = {eta: 0.3, zeta: 0.05, beta: 0.9}
    from theory._beyond import momentum_bias_dynamics

    A = momentum_bias_dynamics(fd.update).matrix
    lam0 = 1e-6
    M = np.array(A.subs(vals).subs(lam, lam0), dtype=float)
    z = np.linalg.eigvals(M)
    slow = z[np.argmin(abs(z - 1))].real
    assert (1 - slow) / lam0 == pytest.approx(float(fd.slow_rate.subs(vals)), rel=1e-4)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_noise_gain_is_the_stationary_variance_of_the_compiled_kernel(name):
    """G(lambda) from the closure's fixed point against the hand-written kernel run to rest."""
    fd = form_dynamics(name)
    (al, ga, qq), _ = FORMS[name]
    vals = {eta: 0.4, zeta: 0.08, kappa: 0.2, beta: 0.8, lam: 0.7, inv_m: 0.25}
    T = 4000
    coef = [np.full(T, float(sp.sympify(c).subs(vals))) for c in (al, ga, vals[beta], qq)]
    lamv, w, c0 = np.array([0.7]), np.array([1e-14]), np.array([0.0])  # L ~ 0: source iota sigma^2
    D, *_ = general_momentum_forward(
        lamv, w, c0, *coef, np.full(T, 0.25), 1.0, np.array([T]), np.empty(1)
    )
    gain = float(fd.noise_gain.subs(vals))
    assert 0.7 * D[0] / 0.25 == pytest.approx(gain, rel=1e-10)


def test_what_bounds_the_effective_rate():
    """Heavy ball: every mode's gain grows as the effective rate (no saturation: the gain sum
    is not the kappa^(-1/b) law); dimension-adapted: the SGD step saturates the gain."""
    assert form_dynamics("heavy-ball").gain_slope == sp.factor(eta / (2 * kappa))
    assert _gain_sum_exponent(form_dynamics("heavy-ball"))[1] == sp.false
    assert _gain_sum_exponent(form_dynamics("nesterov")) == (-1 / b, sp.true)
    fd = form_dynamics("nesterov")
    assert sp.simplify(fd.gain_slope - fd.slow_rate.subs(beta, 1 - kappa) / 2) == 0


@pytest.mark.slow
def test_derived_exponents():
    laws = derive_momentum_exponents()
    stat = laws.stationary_cases[0]
    assert all(r == 0 for r in stat.residuals())  # the stationary balance holds at its p
    # substitution: at p*, bias and stationary noise exponents are equal
    assert sp.simplify(laws.stationary_exponent - (a - 1) * (2 * b - 1) / (b * (a + b - 1))) == 0
    assert sp.simplify(laws.stationary_p - (2 * a - 1) / (a + b - 1)) == 0
    bound = next(c for c in laws.nesterov_cases if c.kind == "bound")
    assert bound.binding == ("bias", "noise-feedback stability") and bound.value == 1 / b
    assert sp.simplify(-bound.exponent - (a - 1) * (2 * b - 1) / b**2) == 0
    balance = next(c for c in laws.nesterov_cases if c.kind == "balance")
    assert all(r == 0 for r in balance.residuals())
    assert sp.simplify(-balance.exponent - laws.statistical_limit) == 0
    assert laws.exponents["heavy-ball"] == {"easy": (a - 1) / a, "hard": (a - 1) / b}
    assert sp.simplify(laws.bias_only_limit - 2 * (a - 1) / b) == 0
    assert sp.simplify(laws.heavy_ball_rate_bound - 2 / (inv_m * sp.zeta(b))) == 0
    sub = {a: sp.Rational(13, 10), b: sp.Rational(11, 4)}
    ratio = float((laws.stationary_exponent / ((a - 1) / b)).subs(sub))
    assert ratio == pytest.approx(1.4754, abs=1e-4)  # the study's "1.5 (a-1)/b" at (1.3, 2.75)


@pytest.mark.parametrize("ab", [(1.3, 2.75), (1.5, 3.0), (1.8, 2.0), (1.2, 4.0), (3.0, 2.0)])
def test_nesterov_exponent_is_the_numeric_optimum_over_p(ab):
    """Independent of the engine's balance: the exponents written from the estimation-variance
    argument (bias ``tau^(-(a-1)/b)`` with ``tau ~ T^(2-p)``; noise left by the annealing, the
    variance of the ``tau^(1/b)`` learned modes, ``T^(tau-exponent / b - 1)``), maximised over
    ``p >= 1/b`` (noise-feedback stability) on a fine grid. The stationary-floor balance
    (0.161 at (1.3, 2.75)) or an unconstrained optimum would fail it."""
    av, bv = ab
    laws = derive_momentum_exponents()
    p = np.linspace(1.0 / bv, 2.0, 400001)
    bias = (2.0 - p) * (av - 1.0) / bv
    noise = 1.0 - (2.0 - p) / bv
    brute = float(np.max(np.minimum(bias, noise)))
    phase = "hard" if av < bv else "easy"
    assert laws.evaluate("nesterov", phase, av, bv) == pytest.approx(brute, abs=1e-5)
    p_best = float(p[np.argmax(np.minimum(bias, noise))])
    p_engine = float(laws.optimal_p.subs({a: sp.nsimplify(av), b: sp.nsimplify(bv)}))
    assert p_engine == pytest.approx(p_best, abs=1e-4)
    case = laws.nesterov_case(av, bv)
    on_bound = p_best <= 1.0 / bv + 1e-9
    assert (case.kind == "bound") == on_bound
    if on_bound:  # the noise must then be subdominant: its exponent exceeds the bias's
        assert noise[0] > bias[0]


def test_which_constraint_binds_at_the_study_points():
    laws = derive_momentum_exponents()
    for ab in ((1.3, 2.75), (1.5, 3.0)):
        case = laws.nesterov_case(*ab)
        assert case.kind == "bound" and "noise-feedback stability" in case.binding
    assert laws.nesterov_case(3.0, 2.0).kind == "balance"
    with pytest.raises(ValueError, match="one case"):
        laws.nesterov_case(4.0 / 3.0, 2.0)  # on the boundary a = b^2/(2b - 1)


# -- numerics ------------------------------------------------------------------------------------


def test_general_kernel_against_the_lambdified_closure():
    closure = second_moment_closure(general_momentum())
    step = closure.numeric()
    rng = np.random.default_rng(1)
    lamv = np.array([1.0, 0.3, 0.05])
    c0 = np.array([0.5, 1.0, 2.0])
    T = 7
    coef = [
        rng.uniform(0.05, 0.4, T),
        rng.uniform(0.05, 0.4, T),
        rng.uniform(0, 0.9, T),
        rng.uniform(0.2, 1, T),
    ]
    t_rec = np.arange(T + 1)
    loss = np.empty(T + 1)
    general_momentum_forward(lamv, np.ones(3), c0, *coef, np.full(T, 0.5), 0.49, t_rec, loss)
    M = closure.initial(c0)
    for t in range(T):
        Lt = float(lamv @ M[0])
        M = step(*M, lamv, Lt, *(c[t] for c in coef), 0.5, 0.7)
        assert float(lamv @ M[0]) == pytest.approx(loss[t + 1], rel=1e-12)


def test_kernel_reduces_to_the_sgd_and_ema_simulators():
    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=200)
    grid = ModeGrid.from_model(model, exact=200)
    T = 500
    eta = np.linspace(0.8, 0.1, T)
    _, loss = simulate_form(grid, (eta, 0 * eta, 0 * eta, 1 + 0 * eta))
    assert loss[0] == pytest.approx(simulate(model, eta).final_loss, rel=1e-11)
    bt = np.full(T, 0.7)
    _, loss = simulate_form(grid, (0 * eta, eta, bt, 1 - bt))
    assert loss[0] == pytest.approx(simulate_momentum(model, eta, bt).final_loss, rel=1e-11)


@pytest.mark.slow
def test_monte_carlo_agrees_with_the_recursion():
    """Actual SGD with dimension-adapted momentum, 2000 seeds, against the exact moments."""
    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=30)
    grid = ModeGrid.from_model(model, exact=30)
    T = 300
    coef = form_schedule("nesterov", [math.log(0.5), 0.0, math.log(2.0), math.log(0.3), 0.3], T)
    t_rec = np.array([0, 30, 100, 300])
    _, exact = simulate_form(grid, coef, t_rec)
    _, mean, sem = monte_carlo_form(model, coef, seeds=2000, t_record=t_rec)
    z = (mean - exact) / sem
    assert np.all(abs(z[1:]) < 4), z
    # a wrong recursion (momentum step halved) is rejected by the same check
    wrong = (coef[0], 0.5 * coef[1], coef[2], coef[3])
    _, bad = simulate_form(grid, wrong, t_rec)
    assert np.any(abs((mean - bad) / sem)[1:] > 4)


@pytest.mark.slow
def test_family_optimum_beats_its_start_and_reports():
    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**6)
    grid = ModeGrid.from_model(model, exact=32, ratio=1.3)
    res = solve_form(grid, "nesterov", 300, maxfev=200)
    start = solve_form(grid, "nesterov", 300, maxfev=1)
    assert res.loss < start.loss
    assert res.to_dict()["evaluations"] <= 200 + 10
    with pytest.raises(ValueError, match="form must be one of"):
        solve_form(grid, "adam", 300)


# -- claims, JSON, LaTeX, figure -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sweep():
    from solvers.control.momentum_forms import form_exponents

    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**6)
    grid = ModeGrid.from_model(model, exact=32, ratio=1.3)
    return form_exponents(model, ("sgd", "ema", "heavy-ball", "nesterov"), [100, 300, 1000],
                          grid=grid, maxfev=150)  # fmt: skip


@pytest.mark.slow
def test_forms_payload_contract(small_sweep):
    from solvers.control.momentum_forms import forms_payload, momentum_forms_latex

    out = forms_payload(small_sweep)
    assert [f["form"] for f in out["forms"]] == ["ema", "heavy-ball", "nesterov"]
    keys = {"form", "horizons", "losses", "sgd_losses", "exponent", "stderr",
            "derived_exponent", "sgd_exponent", "converged"}  # fmt: skip
    for f in out["forms"]:
        assert keys <= set(f)
        assert f["exponent"] > 0  # decay rates are positive
        assert f["losses"][-1] <= f["sgd_losses"][-1] * 1.001  # a form can switch momentum off
    nest = out["forms"][2]
    assert nest["derived_exponent"] == pytest.approx(0.5 * 5 / 3**2)  # on the stability bound
    assert out["forms"][0]["derived_exponent"] == pytest.approx(0.5 / 3)
    tex = momentum_forms_latex(small_sweep)
    assert "\\begin{tabular}" in tex and "noise-feedback stability bound binds" in tex


@pytest.mark.slow
def test_momentum_forms_figure(small_sweep):
    from solvers.plots.momentum_forms import momentum_forms_figure

    fig = momentum_forms_figure(small_sweep)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) >= 5


@pytest.mark.slow
def test_form_claims_are_evaluated(small_sweep):
    from solvers.claims.core import BeyondScale, ExperimentContext, evaluate_claim
    from solvers.claims.momentum_forms import momentum_form_claims

    model = small_sweep.model
    ctx = ExperimentContext(beyond=BeyondScale(momentum_T=(100, 300, 1000)))
    ctx.memo[("momentum-forms", model, (100, 300, 1000))] = small_sweep
    claims = momentum_form_claims()
    assert [c.name for c in claims] == [
        "momentum, hard phase, ema", "momentum, hard phase, heavy-ball",
        "momentum, hard phase, nesterov"]  # fmt: skip
    res = evaluate_claim(claims[2], model, [100, 300, 1000], ctx)
    assert res.predicted == pytest.approx(0.5 * 5 / 3**2)  # (a-1)(2b-1)/b^2: the bound binds
    assert res.measured == pytest.approx(small_sweep.fits["nesterov"].local_slopes[-1])
    easy = evaluate_claim(claims[0], PLRFModel(a=3, b=2), [100, 300], ctx)
    assert easy.verdict == "not applicable in this phase"


@pytest.mark.slow
def test_cli_momentum_forms_json(capsys):
    import json

    from solvers.cli import main

    argv = ["momentum", "--form", "heavy-ball,nesterov", "--a", "1.5", "--b", "3", "--sigma",
            "0.7", "--batch", "4", "--modes", "1000", "--T", "100,300", "--maxfev", "40",
            "--format", "json"]  # fmt: skip
    assert main(argv) in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert [f["form"] for f in out["forms"]] == ["heavy-ball", "nesterov"]
    assert out["forms"][1]["horizons"] == [100, 300]
    assert main(["momentum", "--form", "adam", "--T", "100,300"]) == 2
    assert "--form must list forms" in capsys.readouterr().err


@pytest.mark.parametrize("form, x", [("nesterov", [-0.5, 0.0, 0.7, -1.0, 0.3]),
                                     ("ema", [-0.5, 0.0, 0.7, 0.5])])  # fmt: skip
def test_compiled_adjoint_against_the_symbolic_jacobians(form, x):
    from solvers.control.momentum_per_step import (
        form_loss_and_gradient,
        symbolic_loss_and_gradient,
    )

    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**6)
    grid = ModeGrid.from_model(model, exact=32, ratio=1.3)
    coef = np.array(form_schedule(form, x, 60, 2.0))
    f1, g1 = form_loss_and_gradient(grid, coef)
    f2, g2 = symbolic_loss_and_gradient(grid, coef)
    assert f1 == pytest.approx(f2, rel=1e-13)
    assert np.max(abs(g1 - g2)) <= 1e-12 * np.max(abs(g2))


def test_per_step_gradient_against_finite_differences():
    from solvers.control.momentum_per_step import form_loss_and_gradient

    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**6)
    grid = ModeGrid.from_model(model, exact=32, ratio=1.3)
    T = 50
    coef = np.array(form_schedule("nesterov", [-0.5, 0.0, 0.7, -1.0, 0.3], T, 2.0))
    f, g = form_loss_and_gradient(grid, coef)
    assert f == pytest.approx(math.log(simulate_form(grid, coef)[1][0]), rel=1e-12)
    h = 1e-6
    for k, t in [(0, 3), (1, 10), (2, 20), (3, 40), (2, 49)]:
        cp, cm = coef.copy(), coef.copy()
        cp[k, t] += h
        cm[k, t] -= h
        fd = (form_loss_and_gradient(grid, cp)[0] - form_loss_and_gradient(grid, cm)[0]) / (2 * h)
        assert g[k, t] == pytest.approx(fd, rel=1e-5, abs=1e-10)


def test_per_step_solve_improves_on_the_family_and_reports_kkt():
    from solvers.control.momentum_per_step import solve_per_step

    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**6)
    grid = ModeGrid.from_model(model, exact=16, ratio=1.5)
    fam = solve_form(grid, "heavy-ball", 60, maxfev=200)
    ps = solve_per_step(grid, "heavy-ball", 60, fam.schedule(model.eta_max), maxiter=50)
    assert ps.loss <= fam.loss * (1 + 1e-12)
    assert ps.start_loss == pytest.approx(fam.loss, rel=1e-10)
    assert ps.controls.shape == (2, 60) and math.isfinite(ps.kkt_residual)


def test_statistical_limit_is_the_numeric_minimax_of_its_two_terms():
    """The engine's balance against a brute-force min over the cutoff exponent."""
    laws = derive_momentum_exponents()
    cut = np.linspace(0.0, 2.0, 200001)
    for av in (1.3, 1.5, 3.0):
        brute = -np.min(np.maximum(cut * (1 - av), cut - 1))
        assert abs(float(laws.statistical_limit.subs(a, av)) - brute) < 1e-4


def test_easy_phase_no_gain_and_hard_phase_below_the_limit():
    laws = derive_momentum_exponents()
    assert sp.simplify(laws.exponents["nesterov"]["easy"] - laws.sgd["easy"]) == 0
    assert laws.beats_sgd["nesterov"]["easy"] == sp.false
    nest, lim = laws.exponents["nesterov"]["hard"], laws.statistical_limit
    for av, bv in ((1.3, 2.75), (1.5, 3.0), (1.25, 3.0)):
        sub = {a: av, b: bv}
        assert float(nest.subs(sub)) < float(lim.subs(sub))
    # beyond its region the stability-bound exponent would exceed the limit: the case's
    # condition a < b^2/(2b - 1) is what keeps it below (not vacuous)
    assert float(laws.nesterov_bound_exponent.subs({a: 3, b: 2})) > float(lim.subs({a: 3, b: 2}))
    assert float(nest.subs({a: 3, b: 2})) == pytest.approx(float(lim.subs({a: 3, b: 2})))


def _mp_log_loss_gradient(lam_k, c0, coef, dps=30):
    """``log L(T)`` and its gradient in ``coef`` (shape ``(4, T)``) by a reverse sweep in mpmath
    over the symbolic closure's Jacobians (one mode, no noise: ``1/m = sigma = 0``)."""
    import mpmath

    from theory import general_momentum
    from theory.symbols import L, sigma

    cl = second_moment_closure(general_momentum())
    args = (*cl.moments, lam, L, *cl.update.params, inv_m, sigma)
    step = sp.lambdify(args, cl.recursion, "mpmath")
    jm = sp.lambdify(args, [[sp.diff(r, m) for m in cl.moments] for r in cl.recursion], "mpmath")
    jp = sp.lambdify(
        args, [[sp.diff(r, p) for p in cl.update.params] for r in cl.recursion], "mpmath"
    )
    T = coef.shape[1]
    with mpmath.workdps(dps):
        lk, zero = mpmath.mpf(float(lam_k)), mpmath.mpf(0)
        cf = [[mpmath.mpf(float(x)) for x in row] for row in coef]
        S = [(mpmath.mpf(float(c0)), zero, zero)]
        for t in range(T):
            S.append(tuple(step(*S[t], lk, zero, *(r[t] for r in cf), zero, zero)))
        adj, grad = [1 / S[T][0], zero, zero], np.empty((4, T))
        for t in range(T - 1, -1, -1):
            x = (*S[t], lk, zero, *(r[t] for r in cf), zero, zero)
            J, P = jm(*x), jp(*x)
            grad[:, t] = [float(mpmath.fsum(adj[i] * P[i][c] for i in range(3))) for c in range(4)]
            adj = [mpmath.fsum(adj[i] * J[i][j] for i in range(3)) for j in range(3)]
        return float(mpmath.log(lk * S[T][0])), grad


def test_per_step_adjoint_keeps_the_digits_of_slow_modes():
    """A slow mode (2 eta lam = 2.8e-9) over 200 steps: the adjoint against mpmath.

    The adjoint used to multiply its costate by the rounded factor ``1 - 2 s lam``; at this
    ``lam`` that rounding is 5.5e-17 and repeats at every step, a drift of 1.1e-14 in the
    gradient at t = 0 (fails the 4e-15 bound); adding the change leaves ~1e-15."""
    import mpmath

    from solvers.control.momentum_per_step import general_momentum_adjoint

    T, lk = 200, 1.409e-9
    with mpmath.workdps(40):  # the test is sensitive: this lam's factor rounds by >= 4e-17
        assert abs(mpmath.mpf(1.0 - 2.0 * lk) - (1 - 2 * mpmath.mpf(lk))) > 4e-17
    one, zero = np.ones(T), np.zeros(T)
    f_ref, g_ref = _mp_log_loss_gradient(lk, 1.0, np.array([one, zero, zero, one]))
    f, g = general_momentum_adjoint(
        np.array([lk]), np.ones(1), np.ones(1), one, zero, zero, one, zero, 0.0
    )
    assert f == pytest.approx(f_ref, abs=1e-15)
    rows = [0, 1]  # alpha, gamma (beta and q do not reach Delta at gamma = beta = 0)
    assert np.max(np.abs(g[rows] / g_ref[rows] - 1)) < 4e-15
