"""optlr's projected L-BFGS (solvers.control._projected_lbfgs) against independent methods.

* Without active bounds it is L-BFGS, as SciPy's L-BFGS-B is: the same iterates.
* On a coupled convex quadratic over a box it reaches the exact minimiser, found independently
  by enumerating the active sets (every bound pattern's reduced linear system, kept when it is
  feasible and its multipliers have the right signs).
* On the direct method's problems (the study's and four more: easy and hard phase, 32 / 100 /
  300 blocks, the rate cap binding or not) its final loss equals L-BFGS-B's within the KKT
  tolerance, its KKT residual, recomputed from an independent gradient evaluation, meets the
  tolerance, and ``success`` says so.
* The study's ``optlr solve`` imports no ``scipy.optimize`` (and with ``--optimiser lbfgsb`` it
  does: the check sees the import when there is one).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from solvers.control import BlockRate, loss_and_gradient, solve_direct
from solvers.control._direct_optimise import PROJECTED_MAX_VARIABLES, choose_optimiser
from solvers.control._lbfgsb import LbfgsbOptions, minimize_box
from solvers.control._projected_lbfgs import projected_lbfgs_run
from theory import PLRFModel


def _box_kkt(lo, hi):
    return lambda th, g: float(np.abs(np.clip(th - g, lo, hi) - th).sum())


def _quadratic(A, c):
    """(x - c)^T A (x - c) / 2 and its gradient (minimum 0 at c: no cancellation near it)."""
    return lambda x: (float(0.5 * (x - c) @ A @ (x - c)), A @ (x - c))


def _spd(n, seed, cond=100.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return Q @ np.diag(np.geomspace(1.0, cond, n)) @ Q.T


def test_without_active_bounds_it_is_l_bfgs():
    """A coupled quadratic whose minimiser lies deep inside the box: the run is L-BFGS with 5
    pairs (two-loop recursion) and converges superlinearly, in about as many iterations as
    SciPy's L-BFGS-B (whose Wolfe line search takes other steps, so the paths differ)."""
    n = 12
    A = _spd(n, 1)
    x_star = np.random.default_rng(2).uniform(0.3, 0.7, n)
    lo, hi = np.full(n, -10.0), np.full(n, 10.0)
    its = {}
    for opt in ("lbfgsb", "projected"):
        r = minimize_box(
            _quadratic(A, x_star), np.zeros(n), lo, hi, scale=np.ones_like,
            kkt=_box_kkt(lo, hi), tol=1e-8, maxiter=200,
            options=LbfgsbOptions(optimiser=opt, maxcor=5),
        )  # fmt: skip
        assert r.success and r.runs == 1
        np.testing.assert_allclose(r.theta, x_star, atol=1e-8)
        its[opt] = r.iterations
    assert its["projected"] <= 1.5 * its["lbfgsb"]


def _qp_by_active_sets(A, b, lo, hi):
    """The minimiser of x^T A x / 2 - b^T x on [lo, hi]: enumerate the 3^n bound patterns."""
    n = b.size
    for pattern in itertools.product((0, 1, 2), repeat=n):  # free, at lo, at hi
        p = np.array(pattern)
        x = np.where(p == 1, lo, np.where(p == 2, hi, 0.0))
        F = p == 0
        if F.any():
            x[F] = np.linalg.solve(A[np.ix_(F, F)], b[F] - A[np.ix_(F, ~F)] @ x[~F])
        g = A @ x - b
        ok = np.all(x[F] >= lo[F]) and np.all(x[F] <= hi[F])
        ok = ok and np.all(g[p == 1] >= -1e-12) and np.all(g[p == 2] <= 1e-12)
        if ok:
            return x
    raise AssertionError("no KKT point found")


@pytest.mark.parametrize("seed", range(6))
def test_a_coupled_quadratic_on_a_box_reaches_the_active_set_solution(seed):
    n = 6
    rng = np.random.default_rng(seed)
    A = _spd(n, 10 + seed, cond=50.0)
    c = rng.uniform(-1.0, 2.0, n)  # the unconstrained minimiser, partly outside [0, 1]^n
    lo, hi = np.zeros(n), np.ones(n)
    exact = _qp_by_active_sets(A, A @ c, lo, hi)
    assert 0 < np.sum((exact == lo) | (exact == hi)) < n  # some bounds active, not all
    r = minimize_box(
        _quadratic(A, c), np.full(n, 0.5), lo, hi, scale=np.ones_like, kkt=_box_kkt(lo, hi),
        tol=1e-7, maxiter=500, options=LbfgsbOptions(optimiser="projected", restarts=5),
    )  # fmt: skip
    # tol 1e-7: a gradient of 1e-7 on the free variables is a decrease of ~1e-15 in f, the
    # working precision of f ~ 1 (the run stalls, status 4, a little below it)
    assert r.success, r.message
    np.testing.assert_allclose(r.theta, exact, atol=1e-7)
    # and about as fast as L-BFGS-B's Cauchy point and subspace minimisation (measured: 4-19
    # against 3-15 iterations; the free block of H instead of (B_FF)^-1 took 12-58)
    ref = minimize_box(
        _quadratic(A, c), np.full(n, 0.5), lo, hi, scale=np.ones_like, kkt=_box_kkt(lo, hi),
        tol=1e-7, maxiter=500, options=LbfgsbOptions(optimiser="lbfgsb", restarts=5),
    )  # fmt: skip
    assert r.iterations <= 2 * ref.iterations + 2


def test_the_reduced_step_is_the_inverse_of_the_free_block():
    """(B_FF)^-1 g_F from the compact form equals a dense solve with B = H^-1, H the two-loop
    recursion's matrix (an independent construction of the same approximation)."""
    from solvers.control._projected_lbfgs import _Memory

    rng = np.random.default_rng(0)
    n = 30
    A = _spd(n, 5, cond=1e3)
    mem = _Memory(8)
    for _ in range(10):  # more pairs than the memory: the oldest are dropped
        s = rng.normal(size=n)
        gamma = mem.push(s, A @ s)
    H = np.column_stack([mem.apply(e, gamma) for e in np.eye(n)])
    B = np.linalg.inv(H)
    g = rng.normal(size=n)
    for free in (rng.random(n) < 0.6, np.arange(n) < 5, np.ones(n, bool)):
        expected = np.linalg.solve(B[np.ix_(free, free)], g[free])
        np.testing.assert_allclose(mem.reduced_solve(g, free, gamma), expected, rtol=1e-9)


def test_a_run_reports_how_it_stopped():
    """The evaluation limit and a line search without decrease come back as such."""
    A = _spd(4, 0)
    fg = _quadratic(A, np.full(4, 0.5))
    x0 = np.zeros(4)
    never = lambda *a: False  # noqa: E731
    args = dict(budget=100, maxls=20, memory=5, stop=never)
    assert projected_lbfgs_run(fg, x0, *fg(x0), np.ones(4), maxfun=3, **args)[3] == (
        "evaluation limit reached"
    )
    lying = lambda x: (fg(x)[0], -fg(x)[1])  # noqa: E731  an ascent "gradient"
    _, it, stalled, msg = projected_lbfgs_run(lying, x0, *lying(x0), np.ones(4), maxfun=99, **args)
    assert (it, stalled, msg) == (0, False, "the line search found no decrease")


#: The study's problem and four more: (model, T, blocks).
HARD = {"a": 2.0, "b": 2.0, "sigma": 0.5, "batch": 5, "n_modes": 500}
EASY = {"a": 1.5, "b": 2.5, "sigma": 0.5, "batch": 1, "n_modes": 500}
PROBLEMS = {
    "study (hard, K=100, cap 0.9 x stability)": (PLRFModel(**HARD, eta_max=2), 1000, 100),
    "hard, K=32": (PLRFModel(**HARD, eta_max=2), 1000, 32),
    "hard, K=100, eta_max 0.5 binding": (PLRFModel(**HARD, eta_max=0.5), 1000, 100),
    "easy, K=100": (PLRFModel(**EASY, eta_max=2), 2000, 100),
    "easy, K=300, eta_max 0.3 binding": (PLRFModel(**EASY, eta_max=0.3), 3000, 300),
}


def _independent_kkt(model, T, blocks, eta):
    """The scaled KKT residual (KKT_DEFINITIONS["scaled"]) of block rates, from the per-step
    gradient of loss_and_gradient summed over each block."""
    _, g_step, _ = loss_and_gradient(model, eta)
    par = BlockRate(T, blocks, model.eta_max)
    theta = par.from_eta(eta)
    g = par.vjp(theta, {"eta": g_step})
    lo, hi = par.lower, par.upper
    w = hi - lo
    s = np.clip(theta - lo, 1e-3 * w, w)
    return float(np.sum(np.abs(np.clip(theta - s * s * g, lo, hi) - theta) / s))


@pytest.mark.parametrize("name", PROBLEMS)
def test_direct_problems_end_where_l_bfgs_b_ends(name):
    model, T, blocks = PROBLEMS[name]
    tol = 1e-4
    new = solve_direct(model, T, blocks=blocks, tol=tol)  # auto: projected at <= 512 variables
    old = solve_direct(model, T, blocks=blocks, tol=tol, optimiser="lbfgsb")
    assert new.diagnostics["optimiser"] == "projected" and old.diagnostics["optimiser"] == "lbfgsb"
    assert new.success and new.status == 0 and new.kkt_residual <= tol
    assert old.success
    # success means it: the residual recomputed from an independent gradient evaluation
    assert _independent_kkt(model, T, blocks, new.eta) == pytest.approx(new.kkt_residual, rel=1e-6)
    # the scaled residual bounds the relative decrease still available to first order
    assert abs(new.final_loss / old.final_loss - 1.0) <= tol
    if model.eta_max < 1.0:  # the cap binds: both hold the same rates on it
        on_cap = new.eta >= model.eta_max * (1 - 1e-12)
        assert on_cap.sum() >= 10
        np.testing.assert_array_equal(on_cap, old.eta >= model.eta_max * (1 - 1e-12))


def test_auto_chooses_by_size():
    assert choose_optimiser("auto", PROJECTED_MAX_VARIABLES) == "projected"
    assert choose_optimiser("auto", PROJECTED_MAX_VARIABLES + 1) == "lbfgsb"
    model = PLRFModel(**EASY)
    r = solve_direct(model, 600, maxiter=3)  # per step: 32 blocks, then 600 rates
    assert [lv["optimiser"] for lv in r.diagnostics["levels"]] == ["projected", "lbfgsb"]
    with pytest.raises(ValueError, match="optimiser"):
        solve_direct(model, 10, optimiser="bfgs")


STUDY = "solve --a 2 --b 2 --sigma 0.5 --batch 5 --modes 500 --T 1000 --eta-max 2 --blocks 100"
#: The program ``optlr`` runs, reporting at exit which SciPy packages it imported.
PROGRAM = """
import atexit, json, runpy, sys
atexit.register(lambda: print(json.dumps(sorted({".".join(m.split(".")[:2]) for m in sys.modules
                                                 if m.startswith("scipy.")})), file=sys.stderr))
runpy.run_module("solvers.cli", run_name="__main__", alter_sys=True)
"""


def test_the_study_solve_does_not_import_scipy_optimize():
    """Fresh processes: the study's ``optlr solve`` without ``scipy.optimize``; with
    ``--optimiser lbfgsb`` the same check sees it; the two answers agree within the tolerance.
    (numba's first dispatch imports ``scipy.linalg`` for its BLAS check, whatever optlr does.)"""
    answers = {}
    for extra in ([], ["--optimiser", "lbfgsb"]):
        child = subprocess.run(
            [sys.executable, "-c", PROGRAM, *STUDY.split(), *extra, "--quiet", "--format", "json"],
            capture_output=True, text=True, check=True, env=dict(os.environ),
        )  # fmt: skip
        packages = json.loads(child.stderr.strip().splitlines()[-1])
        answers[bool(extra)] = (packages, json.loads(child.stdout))
    packages, d = answers[False]
    assert "scipy.optimize" not in packages and d["success"] is True
    assert d["diagnostics"]["optimiser"] == "projected"
    packages_old, d_old = answers[True]
    assert "scipy.optimize" in packages_old and d_old["diagnostics"]["optimiser"] == "lbfgsb"
    assert abs(d["final_loss"] / d_old["final_loss"] - 1.0) <= 1e-4
