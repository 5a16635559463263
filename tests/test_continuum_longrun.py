"""Continuum solver at long horizons: converged means converged (issue 12, item 4).

Each check can fail: the residual is recomputed by finite differences of the loss, an
unconverged or stalled solve must say so, the optimum's loss is held against the exact
recursion, and the kernel's slow-mode decay against mpmath.
"""

import csv
import io
import json
import math

import mpmath
import numpy as np
import pytest

from solvers import ScheduleResult, simulate
from solvers.cli import main
from solvers.control import ContinuumResult, solve_continuum
from solvers.control.continuum import STATUS_MESSAGES, ContinuumOptions, build_problem
from solvers.dynamics._continuum_kernels import mode_rates
from theory import PLRFModel

EASY = PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=1000)
HARD = PLRFModel(a=1.5, b=3, sigma=0.5, batch=1, n_modes=1000)


def _fd_residual(res: ContinuumResult, rel: float = 1e-5) -> float:
    """sum_j |d log L(T) / d log eta_j| by central differences of the loss alone (no adjoint)."""
    o = ContinuumOptions(**{k: res.parameters[k] for k in ("substeps", "dynamics")})
    prob = build_problem(
        res.model, res.T, res.t, o.ratio, o.max_interval, o.substeps, o.dynamics, 64, 4, 4
    )
    total = 0.0
    for j in range(res.eta.size):
        if res.eta[j] >= res.eta_upper * (1 - 1e-9):
            continue  # held at the bound: the KKT test asks only that the loss would rise
        ep, em = res.eta.copy(), res.eta.copy()
        ep[j] *= 1 + rel
        em[j] *= 1 - rel
        lp, lm = (math.log(prob.loss_curve(e)[0][-1]) for e in (ep, em))
        total += abs(lp - lm) / (2 * rel)
    return total


@pytest.mark.parametrize("model", [EASY, HARD], ids=["easy", "hard"])
def test_converged_residual_is_the_true_log_gradient(model):
    res = solve_continuum(model, 1000, diagnostics=False)
    assert isinstance(res, ScheduleResult) and res.method == "continuum"
    assert res.success and res.status == 0 and res.kkt_residual <= 1e-6
    assert res.diagnostics["newton_iterations"] >= 1 and res.diagnostics["hessians"] >= 1
    # the residual recomputed from the loss alone: rounding of log L over a 1e-5 step is
    # ~1e-11 per rate, so a converged schedule reads < 1e-5 over ~150 rates
    assert _fd_residual(res) < 1e-5
    # a wrong answer fails it: one rate 1 % off the optimum is visible
    bad = res.eta.copy()
    bad[res.eta.size // 2] *= 1.01
    off = solve_continuum(model, 1000, initial=bad, maxiter=1, newton=False, diagnostics=False)
    assert not off.success and off.kkt_residual > 1e-6


def test_unconverged_and_stalled_solves_do_not_report_success():
    short = solve_continuum(EASY, 1000, maxiter=3, diagnostics=False)
    assert (short.status, short.success) == (1, False)
    assert short.message.startswith(STATUS_MESSAGES[1]) and "KKT residual" in short.message
    # L-BFGS-B alone stops on ftol far above 1e-6: that is a stall, not convergence
    lbfgs = solve_continuum(EASY, 1000, newton=False, diagnostics=False)
    assert (lbfgs.status, lbfgs.success) == (4, False) and lbfgs.kkt_residual > 1e-6
    assert lbfgs.message.startswith("stalled") and f"{lbfgs.kkt_residual:.1e}" in lbfgs.message
    # Newton cut short after its first step: the iteration limit, not success
    full = solve_continuum(EASY, 1000, diagnostics=False)
    cut = solve_continuum(
        EASY, 1000, maxiter=full.diagnostics["lbfgs_iterations"] + 1, diagnostics=False
    )
    assert full.success and full.diagnostics["newton_iterations"] > 1
    assert (cut.status, cut.success, cut.diagnostics["newton_iterations"]) == (1, False, 1)
    assert cut.kkt_residual > 1e-6 and cut.final_loss > full.final_loss
    # tol = 0: success only if the residual is exactly zero (every |d log L/d log eta| rounds
    # away against its rate), otherwise the solve ends as a stall or at the limit
    zero = solve_continuum(EASY, 1000, tol=0.0, maxiter=300, diagnostics=False)
    assert zero.success == (zero.kkt_residual == 0.0) and zero.kkt_residual < 1e-9


@pytest.mark.filterwarnings("ignore::solvers.FrontWarning")  # same 100 modes on both sides
def test_optimum_loss_agrees_with_the_exact_recursion():
    """The discrete-corrected optimum run through simulate(): agreement within time_error."""
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=100)
    res = solve_continuum(model, 3000, exact_modes=100)  # every mode exact: no quadrature
    assert res.success and res.diagnostics["n_bins"] == 0
    exact = simulate(model, res.per_step()).final_loss
    gap = abs(res.final_loss / exact - 1)
    # the substep error is what separates the two (the estimate doubles the substeps)
    assert gap < 3e-3 and gap < 10 * res.time_error + 1e-6


def test_slow_mode_decay_rate_keeps_full_precision():
    """r = -log(1 - 2 eta lam + (1+1/m) eta^2 lam^2) at eta lam = 1e-12 .. 1e-18 (mpmath).

    Rounding D to a double first gave a relative error ~1e-4 at 1e-12 (and no decay at all
    below 1e-16), which made L(T) jagged in eta at T = 1e12.
    """
    for x in (1e-12, 3e-15, 1e-18):
        r = mode_rates(x, 1.0, 1.0, True)[0]
        with mpmath.workdps(50):
            e = mpmath.mpf(x)
            want = -mpmath.log(1 - 2 * e + 2 * e * e)
        assert r == pytest.approx(float(want), rel=1e-13)


def test_adjoint_gradient_matches_the_loss_at_T_1e12():
    """Finite differences of L(T) agree with the adjoint at T = 1e12 (they disagreed in sign)."""
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=10**12)
    prob = build_problem(model, 1e12, None, 1.1, 0.01, 2, "discrete", 64, 4, 4)
    s = 0.5 * (prob.t[1:] + prob.t[:-1]) / prob.T
    eta = prob.upper * 1e-4 * (1 - s) ** 3 + 1e-16  # annealed to ~1e-13 of the bound
    LT, g, _, ok = prob.value_grad(eta)
    assert ok
    for j in np.argsort(-np.abs(eta * g))[:5]:
        ep, em = eta.copy(), eta.copy()
        ep[j] *= 1 + 1e-6
        em[j] *= 1 - 1e-6
        fd = (math.log(prob.loss_curve(ep)[0][-1]) - math.log(prob.loss_curve(em)[0][-1])) / 2e-6
        assert fd == pytest.approx(eta[j] * g[j] / LT, rel=1e-3, abs=1e-8)


def test_result_round_trip_and_old_attribute_names(tmp_path):
    res = solve_continuum(EASY, 500)
    assert res.evaluations == res.n_evaluations and res.kkt_scaled == res.kkt_residual
    assert res.eta_upper == res.diagnostics["eta_upper"] and res.levels[-1]["kkt"] <= 1e-6
    assert res.parameters["tol"] == 1e-6 and res.parameters["intervals"] == res.eta.size
    for suffix in (".json", ".npz"):
        res.save(tmp_path / f"r{suffix}")
        back = ContinuumResult.load(tmp_path / f"r{suffix}")
        np.testing.assert_array_equal(back.t, res.t)
        assert back.t.dtype == float and back.kkt_scaled == res.kkt_scaled
    with pytest.raises(TypeError, match="options"):
        solve_continuum(EASY, 100, options={"tol": 1e-3})
    with pytest.raises(ValueError, match="tol"):
        ContinuumOptions(tol=-1.0)
    assert solve_continuum(EASY, 300, options=ContinuumOptions(tol=1e-2), tol=1e-3).parameters[
        "tol"
    ] == pytest.approx(1e-3)


def test_cli_solve_continuum_in_every_format(capsys):
    args = ["solve", "--method", "continuum", "--T", "400", "--modes", "100", "--quiet"]
    assert main([*args, "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["method"] == "continuum" and d["success"] and d["kkt_residual"] <= 1e-6
    assert main([*args, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["t", "eta", "loss"] and len(rows) == len(d["t"]) + 1
    assert int(rows[-1][0]) == 400 and rows[-1][1] == ""
    assert float(rows[-1][2]) == pytest.approx(d["final_loss"], rel=1e-15)
    assert main([*args, "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "optlr solve (continuum)" in out and "converged" in out


@pytest.mark.slow
@pytest.mark.parametrize(("model", "T"), [((3, 2), 1e8), ((1.5, 3), 1e8)], ids=["easy", "hard"])
def test_long_horizon_reaches_the_tolerance(model, T):
    model = PLRFModel(a=model[0], b=model[1], sigma=0.5, batch=1, n_modes=10**12)
    res = solve_continuum(model, T, diagnostics=False)
    assert res.success and res.kkt_residual <= 1e-6, res.message


def test_newton_step_pins_a_pushed_rate_at_its_bound_and_resolves_the_rest():
    """The quadratic model ``q(d) = g.d + d.H.d/2`` with ``g = (-4, 0)``, ``H = [[2, 1], [1, 2]]``
    from ``eta = (0.5, 0.5)`` in ``[0, 1]`` (unit scales): the Newton step ``(8, -4)/3`` leaves
    the box in both rates, but only the first is pushed out by its gradient. Its face's
    minimiser is ``d = (0.5, -0.25)``, ``q = -1.8125``; clipping the Newton step gives
    ``(0.5, -0.5)``, ``q = -1.75``."""
    from solvers.control._continuum_optimise import _NewtonModel

    H = np.array([[2.0, 1.0], [1.0, 2.0]])
    model = _NewtonModel(np.arange(2), np.ones(2), H, *np.linalg.eigh(H))
    trial, pred, size = model.step(np.array([0.5, 0.5]), np.array([-4.0, 0.0]), 10.0, 1.0)
    assert trial == pytest.approx([1.0, 0.25], abs=1e-12)
    assert pred == pytest.approx(-1.8125, abs=1e-12)
    assert size == pytest.approx(math.hypot(0.5, 0.25), abs=1e-12)
