"""Long-horizon momentum solver: interval propagation against the exact recursion, and its optimiser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solvers import simulate
from solvers.control.momentum_longrun import (
    LongrunOptions,
    longrun_controls,
    longrun_parameters,
    solve_longrun,
)
from solvers.dynamics.momentum import simulate_momentum
from solvers.dynamics.momentum_forms import general_momentum_forward
from solvers.dynamics.momentum_longrun import momentum_grid
from theory import PLRFModel

HARD = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**9)


def _nesterov(grid, zeta0=1.6, p=0.3, eta0=0.8):
    """A dimension-adapted schedule (the family optimum's size at T ~ 1e4) on the intervals."""
    t = grid.midpoints
    one = np.ones_like(t)
    return eta0 * one, zeta0 * (1 + t) ** -p, 3.0 / (t + 4.0), one


def _exact(grid, coefficients):
    """The exact per-step recursion of the same piecewise-constant schedule on the same modes."""
    al, ga, bt, qq = grid.expand(coefficients)
    q, m = grid.quad, grid.model
    t = grid.t.astype(np.int64)
    out = np.empty(t.size)
    general_momentum_forward(
        q.lam, q.weight, q.c0, al, ga, bt, qq, np.full(al.size, m.inv_batch), m.sigma**2, t, out
    )
    return out


def test_without_feedback_the_intervals_are_exact():
    """Batch -> infinity: the moment map is linear, so the matrix powers are exact (to rounding)."""
    model = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=math.inf, n_modes=10**9)
    grid = momentum_grid(model, 20000, unit_steps=10)
    co = _nesterov(grid)
    L, fail = grid.loss(co)
    ref = _exact(grid, co)
    assert fail == -1
    assert np.max(np.abs(L / ref - 1)) < 1e-11
    co_wrong = (co[0], co[1] * 1.001, co[2], co[3])  # a 0.1 % error in zeta is seen
    assert abs(grid.loss(co_wrong)[0][-1] / ref[-1] - 1) > 1e-5


def test_unit_intervals_reproduce_the_recursion():
    grid = momentum_grid(HARD, 500, unit_steps=500)
    assert np.all(grid.steps == 1)
    co = _nesterov(grid)
    assert np.max(np.abs(grid.loss(co)[0] / _exact(grid, co) - 1)) < 1e-12


def test_feedback_error_is_small_and_shrinks_with_the_grid():
    """With the loss feedback (batch 4) the only approximation is L linear across a piece."""
    errs = []
    for ratio, cap in ((1.3, 0.05), (1.1, 0.02), (1.03, 0.005)):
        grid = momentum_grid(HARD, 10**4, ratio=ratio, max_interval=cap, unit_steps=50)
        co = _nesterov(grid)
        errs.append(abs(grid.loss(co)[0][-1] / _exact(grid, co)[-1] - 1))
    assert errs[1] < 3e-4
    assert errs[2] < errs[1] < errs[0]


@pytest.mark.parametrize("form", ["sgd", "ema"])
def test_forms_against_independent_kernels(form):
    """The form -> coefficient map against SGD's and EMA momentum's own recursions."""
    model = PLRFModel(a=1.5, b=3.0, sigma=0.7, batch=4, n_modes=100)
    opt = LongrunOptions(unit_steps=3000, exact_modes=100, knots=2)
    grid = opt.grid(model, 3000)
    _, x, _ = longrun_parameters(form, model, opt.knots)
    x = x + np.linspace(0.1, 0.3, x.size)  # a generic point, not the start
    co = longrun_controls(form, x, grid, opt.knots)
    L = grid.loss(co)[0][-1]
    if form == "sgd":
        ref = simulate(model, co[0]).loss[-1]
    else:
        ref = simulate_momentum(model, co[1], 1.0 - co[2]).loss[-1]
    assert abs(L / ref - 1) < 1e-11


def test_solve_longrun_meets_its_kkt_tolerance():
    opt = LongrunOptions(knots=1, tol=1e-5)
    r = solve_longrun(HARD, "sgd", 300, options=opt)
    assert r.success and r.status == 0 and r.kkt <= 1e-5
    grid = opt.grid(HARD, 300)
    _, _, bounds = longrun_parameters("sgd", HARD, 1)
    for i in range(r.x.size):  # an optimum: no coordinate move lowers the loss
        for h in (-0.05, 0.05):
            y = r.x.copy()
            y[i] = np.clip(y[i] + h, *bounds[i])
            assert grid.loss(longrun_controls("sgd", y, grid, 1))[0][-1] >= r.loss * (1 - 1e-9)


def test_non_convergence_is_reported():
    r = solve_longrun(HARD, "nesterov", 300, options=LongrunOptions(maxiter=1, knots=0))
    assert not r.success and r.status == 1 and r.kkt > 1e-5
    assert "iteration limit" in r.message


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="form must be one of"):
        solve_longrun(HARD, "adam", 100)
    with pytest.raises(ValueError, match="T"):
        solve_longrun(HARD, "sgd", 1)
    with pytest.raises(ValueError, match="ratio"):
        LongrunOptions(ratio=1.0)
    with pytest.raises(TypeError, match="options"):
        solve_longrun(HARD, "sgd", 100, options={"tol": 1e-3})
    grid = momentum_grid(HARD, 100)
    with pytest.raises(ValueError, match="coefficients must be 4 arrays"):
        grid.loss([np.ones(3)] * 4)


@pytest.mark.slow
def test_long_interval_solver_against_the_recursion_at_1e6():
    grid = momentum_grid(HARD, 10**6)
    co = _nesterov(grid, zeta0=1.6, p=0.4)
    assert abs(grid.loss(co)[0][-1] / _exact(grid, co)[-1] - 1) < 3e-4


@pytest.mark.slow
def test_longrun_sweep_feeds_the_payload_and_the_figure():
    from solvers.control.momentum_forms import forms_payload
    from solvers.control.momentum_longrun import longrun_exponents
    from solvers.plots.momentum_forms import momentum_forms_figure

    model = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**4)
    opt = LongrunOptions(knots=0, maxiter=40)
    fe = longrun_exponents(model, ("sgd", "nesterov"), [100, 300, 1000], options=opt)
    out = forms_payload(fe)
    (nest,) = out["forms"]
    assert nest["form"] == "nesterov" and nest["horizons"] == [100, 300, 1000]
    assert {"value", "halfwidth", "stderr", "scheme", "budget"} <= set(nest["extrapolated"])
    assert nest["global_fit"]["exponent"] == fe.fits["nesterov"].exponent
    assert all(  # the re-evaluated loss's errors (fine_loss), the optimiser's loss kept
        s.errors.keys() == {"fine", "shift"} and s.optimiser_loss > 0
        for s in fe.solves["nesterov"]
        if s.success
    )
    raw = longrun_exponents(model, ("sgd",), [100, 300], options=opt, fine=False)
    assert all(s.errors.keys() == {"time", "quadrature"} for s in raw.solves["sgd"])
    assert nest["converged"] == all(s.kkt <= opt.tol for s in fe.solves["nesterov"])
    assert nest["losses"][-1] < nest["sgd_losses"][-1]  # momentum helps in the hard phase
    fig = momentum_forms_figure(fe)
    assert len(fig.axes[1].lines) == 3  # SGD's rate, Nesterov's rate and friction
    t = np.array([0, 10, 999])
    _, ga, bt, _ = fe.solves["nesterov"][-1].sampled(t)
    grid = opt.grid(model, 1000)
    ref = grid.expand(longrun_controls("nesterov", fe.solves["nesterov"][-1].x, grid, 0))
    assert np.allclose(ga, ref[1][t]) and np.allclose(bt, ref[2][t])


@pytest.mark.slow
def test_cli_momentum_longrun_json(capsys):
    import json

    from solvers.cli import main

    argv = ["momentum", "--form", "heavy-ball,nesterov", "--solver", "longrun", "--a", "1.3",
            "--b", "2.75", "--sigma", "0.7", "--batch", "4", "--modes", "100000",
            "--T", "100,300,1000", "--format", "json"]  # fmt: skip
    assert main(argv) in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert [f["form"] for f in out["forms"]] == ["heavy-ball", "nesterov"]
    assert all(f["converged"] for f in out["forms"])


def test_report_momentum_paragraph_prints_the_derivation():
    from solvers.report.sections.beyond import _momentum_paragraph
    from theory import derive_momentum_exponents

    text = _momentum_paragraph()
    assert text.count("\\item") == len(derive_momentum_exponents().steps)
    assert "Statistical limit" in text and "\\begin{itemize}" in text


def test_an_unstable_derived_start_is_lowered_until_the_loss_is_finite():
    """At batch 1 with eta_max = 2 the derived start (0.4 eta_max, beta0 = 0.5) is beyond heavy
    ball's stability edge; the solve lowers it instead of reporting an unstable result."""
    from solvers.control.momentum_longrun import (
        UNSTABLE_LOG_LOSS,
        LongrunOptions,
        _stable_start,
        longrun_controls,
        longrun_parameters,
    )

    model = PLRFModel(a=3.0, b=2.0, sigma=0.5, batch=1, n_modes=10**6, eta_max=2.0)
    opt = LongrunOptions()
    grid = opt.grid(model, 1000)
    names, x0, bounds = longrun_parameters("heavy-ball", model, opt.knots)

    def value(x):
        L, fail = grid.loss(longrun_controls("heavy-ball", x, grid, opt.knots))
        return math.log(L[-1]) if fail < 0 and L[-1] > 0 else UNSTABLE_LOG_LOSS

    assert value(x0) >= UNSTABLE_LOG_LOSS  # the case the helper exists for
    x = _stable_start(x0, value, names, bounds)
    assert value(x) < UNSTABLE_LOG_LOSS
    assert x[names.index("logit eta0")] < x0[names.index("logit eta0")]


def _stored_optimum(form: str, T: int, path: str):
    """Model, options and parameters of a stored long-run optimum (benchmarks/results)."""
    import json
    from pathlib import Path

    d = json.loads((Path(__file__).parent.parent / path).read_text())
    m = d["model"]
    model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                      n_modes=int(m["n_modes"]))  # fmt: skip
    s = next(s for s in d["solves"] if s["form"] == form and s["T"] == T)
    return model, LongrunOptions(knots=d["options"]["knots"]), np.array(list(s["params"].values()))


def _projected_gradient(model, opt, form, T, x, h):
    grid = opt.grid(model, T)
    _, _, bounds = longrun_parameters(form, model, opt.knots)

    def val(y):
        return math.log(grid.loss(longrun_controls(form, y, grid, opt.knots))[0][-1])

    g = np.array([(val(x + h * e) - val(x - h * e)) / (2 * h) for e in np.eye(x.size)])
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    g[((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0))] = 0.0
    return g


@pytest.mark.slow
def test_nesterov_optimum_at_1e8_meets_kkt_with_the_accurate_step():
    """Near the stability edge the loss's third derivative in ``p`` is ~6e7: the former central
    step 1e-5 saw a spurious gradient above 1e-4 there; the step 3e-7 (error ~1e-6) shows the
    stored optimum (1.3, 2.75), T = 1e8 is a KKT point, and its ``p`` gradient is stable to
    halving the step."""
    model, opt, x = _stored_optimum(
        "nesterov", 10**8, "benchmarks/results/momentum_longrun_nesterov_1.3_2.75.json"
    )
    g = _projected_gradient(model, opt, "nesterov", 10**8, x, opt.central_step)
    assert np.abs(g).max() <= 1e-4
    half = _projected_gradient(model, opt, "nesterov", 10**8, x, opt.central_step / 2)
    assert np.abs(g - half).max() < 1e-5
    coarse = _projected_gradient(model, opt, "nesterov", 10**8, x, 1e-5)
    assert np.abs(coarse).max() > 1e-4  # what stopped the former solve


def test_nesterov_solve_meets_its_kkt_tolerance_at_small_scale():
    """The small-scale version of the 1e8 check: a dimension-adapted solve from the derived start
    reaches KKT 1e-4 with the central restarts, and no coordinate move lowers its loss."""
    opt = LongrunOptions(knots=0)
    r = solve_longrun(HARD, "nesterov", 1000, options=opt)
    assert r.success and r.kkt <= 1e-4
    g = _projected_gradient(HARD, opt, "nesterov", 1000, r.x, opt.central_step)
    assert np.abs(g).max() <= 1e-4
    grid = opt.grid(HARD, 1000)
    _, _, bounds = longrun_parameters("nesterov", HARD, 0)
    for i in range(r.x.size):
        for h in (-0.02, 0.02):
            y = r.x.copy()
            y[i] = np.clip(y[i] + h, *bounds[i])
            assert grid.loss(longrun_controls("nesterov", y, grid, 0))[0][-1] >= r.loss * (1 - 1e-9)


@pytest.mark.slow
def test_nesterov_slope_in_the_balance_case_is_the_derived_one():
    """At (2.4, 3), inside ``b^2/(2b-1) < a < b`` (hard phase for SGD), the engine predicts the
    balance case: exponent ``(a-1)/a`` = 0.583, against SGD's ``(a-1)/b`` = 0.467 and the bound
    case's ``(a-1)(2b-1)/b^2`` = 0.778. The optimum's local slope over 1e3..1e4 must lie within
    0.04 of the derived value: the pre-asymptotic drift of the first decade's slope measured at the
    bound-case points was <= 0.012 for Nesterov (benchmarks/results/momentum.md, 2026-11-30b), and
    0.04 is under half the distance to either wrong exponent, so either fails the check."""
    from solvers.control.momentum_forms import derived_exponent
    from solvers.control.momentum_longrun import continuation_starts
    from theory import derive_momentum_exponents

    model = PLRFModel(a=2.4, b=3.0, sigma=0.7, batch=4, n_modes=10**15)
    assert derive_momentum_exponents().nesterov_case(2.4, 3.0).kind == "balance"
    opt = LongrunOptions(knots=3)
    lo = solve_longrun(model, "nesterov", 10**3, options=opt)
    start = continuation_starts(model, "nesterov", lo.x, opt)
    hi = solve_longrun(model, "nesterov", 10**4, start=start, options=opt)
    assert lo.success and hi.success and max(lo.kkt, hi.kkt) <= 1e-4
    slope = math.log(lo.loss / hi.loss) / math.log(10.0)
    derived = derived_exponent("nesterov", model)
    assert abs(derived - 1.4 / 2.4) < 1e-12  # the balance case's (a-1)/a, not the bound's
    assert abs(slope - derived) < 0.04


@pytest.mark.parametrize(("a", "b", "p_star"), [(1.5, 3.0, 1 / 3), (2.4, 3.0, (4.8 - 3.0) / 2.4)])
def test_derived_shift_moves_the_momentum_step_by_the_derived_power_of_T(a, b, p_star):
    """The continuation start for a horizon ``r`` times longer keeps the schedule's shape in
    ``t/T`` and scales its momentum step at a fixed fraction of the run by ``r^(-p*)``: ``1/b``
    at the stability bound (1.5, 3), ``(2a - b)/a`` in the balance case (2.4, 3) (the closed
    forms of theory.derive_momentum_exponents().optimal_p, typed here). Using the optimum's own
    ``p`` (no shift: the unstable start it replaces), or the bound's ``1/b`` at (2.4, 3), misses
    by >= 0.08 in the exponent against a 1e-7 tolerance."""
    from types import SimpleNamespace

    from solvers.control.momentum_longrun import continuation_starts, derived_momentum_shift

    model = PLRFModel(a=a, b=b, sigma=0.7, batch=4, n_modes=10**15)
    x = np.array([-0.1, -0.7, 1.3, -3.0, 0.07, 2.7])  # a 1e9 optimum's size, no knots
    T, ratio = 10**9, 10.0
    y = derived_momentum_shift(model, x, ratio)
    assert np.array_equal(np.delete(y, 3), np.delete(x, 3))  # only log zeta0 moves

    def zeta_at(params, horizon, theta):
        grid = SimpleNamespace(midpoints=np.array([theta * horizon]), T=horizon, model=model)
        return longrun_controls("nesterov", params, grid, 0)[1][0]

    for theta in (0.01, 0.1, 0.5):
        q = -math.log(zeta_at(y, ratio * T, theta) / zeta_at(x, T, theta)) / math.log(ratio)
        assert abs(q - p_star) < 1e-7  # log(1 + t) against log t: 3e-9 at t = 1e7
    opt = LongrunOptions(knots=0)
    rows = continuation_starts(model, "nesterov", x, opt, ratio=ratio)
    assert np.array_equal(rows[0], y) and rows.shape == (4, x.size)
    assert continuation_starts(model, "nesterov", x, opt).shape == (3, x.size)
    with pytest.raises(ValueError, match="ratio"):
        continuation_starts(model, "nesterov", x, opt, ratio=-1.0)
