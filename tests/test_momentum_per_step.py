"""Per-step momentum control against the long-run family (issue 13): the per-step problem is the
family's superset, so its converged optimum must meet its KKT test and lie at or below the family
optimum on the same modes; and the family's friction profile nests the constant-friction family."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solvers.control.momentum_longrun import LongrunOptions, solve_longrun
from solvers.control.momentum_per_step import (
    BETA_MAX,
    ZETA_MAX,
    form_loss_and_gradient,
    solve_per_step,
)
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel

HARD = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**9)
#: A coarse quadrature (32 states): the test compares two solvers on the same modes.
COARSE = {"exact_modes": 16, "bins_per_decade": 2, "points_per_bin": 1}


def _same_modes(grid) -> ModeGrid:
    """The long-run grid's quadrature as the per-step solver's mode grid."""
    q = grid.quad
    return ModeGrid(grid.model, q.lam, q.c0, q.weight, q.n_exact, 1.0)


def _box_kkt_sum(modes: ModeGrid, controls: np.ndarray) -> float:
    """Box-scaled projected gradient of ``log L(T)`` in ``(eta, zeta, beta)``, summed: recomputed
    here from the adjoint, not read from the solver."""
    T = controls.shape[1]
    coef = np.array([controls[0], controls[1], controls[2], np.ones(T)])
    _, g = form_loss_and_gradient(modes, coef)
    width = np.array([HARD.eta_max, ZETA_MAX, BETA_MAX])[:, None]
    u = controls / width
    return float(np.abs(np.clip(u - g[:3] * width, 0.0, 1.0) - u).sum())


@pytest.mark.slow
def test_converged_per_step_optimum_meets_kkt_and_lies_below_the_family():
    """T = 200 (~5 s CPU): the per-step solve, started from the family's derived (unoptimised)
    shape, converges to KKT 1e-4 and ends at or below the optimised family on the same modes.
    A per-step solve stuck above the family (a wrong gradient, a bad scaling) fails the second
    assertion; a reported convergence that the recomputed residual does not confirm, the first."""
    T, opt = 200, LongrunOptions(knots=0, **COARSE)
    fam = solve_longrun(HARD, "nesterov", T, options=opt)
    assert fam.success
    grid = opt.grid(HARD, T)
    modes = _same_modes(grid)
    start = grid.expand(opt.controls("nesterov", opt.parameters("nesterov", HARD)[1], grid))
    ps = solve_per_step(modes, "nesterov", T, start, maxiter=20000, scaling="value")
    assert ps.status == 0 and ps.kkt_residual <= 1e-4
    assert _box_kkt_sum(modes, ps.controls) <= 1e-4
    assert ps.loss <= fam.loss * (1 + 1e-9)
    # the family on the per-step modes is the family's own loss (the two codes agree)
    fam_ps = solve_per_step(modes, "nesterov", T, grid.expand(opt.controls("nesterov", fam.x, grid)),
                            maxiter=1)  # fmt: skip
    assert fam_ps.start_loss == pytest.approx(fam.loss, rel=1e-10)


def test_friction_profile_nests_the_constant_friction_family():
    """``friction_knots`` at zero values is the constant-``delta`` family; nonzero values move
    ``beta_t`` only, and by ``delta(t) = delta e^{d(t)}``."""
    base = LongrunOptions(knots=2, **COARSE)
    ext = LongrunOptions(knots=2, friction_knots=3, delta_bounds=(1e-4, 1e4), **COARSE)
    grid = base.grid(HARD, 5000)
    names0, x0, _ = base.parameters("nesterov", HARD)
    names1, x1, bounds1 = ext.parameters("nesterov", HARD)
    assert names1[: len(names0) - 2] == names0[:-2] and names1[-2:] == names0[-2:]
    assert names1[6:9] == ("d1", "d2", "d3") and bounds1[5] == (math.log(1e-4), math.log(1e4))
    co0 = base.controls("nesterov", x0, grid)
    co1 = ext.controls("nesterov", x1, grid)
    for c0, c1 in zip(co0, co1, strict=True):
        np.testing.assert_array_equal(c0, c1)
    x1[8] = 2.0  # the last node, t = T: the friction at the end grows e^2-fold
    co2 = ext.controls("nesterov", x1, grid)
    for i in (0, 1, 3):
        np.testing.assert_array_equal(co2[i], co0[i])
    t = grid.midpoints
    s = np.log1p(t) / math.log1p(grid.T)
    d = np.interp(s, np.linspace(0, 1, 4), [0.0, 0.0, 0.0, 2.0])
    delta = math.exp(x1[5]) * np.exp(d)
    np.testing.assert_allclose(co2[2], delta / (t + delta + 1.0), rtol=1e-14)


def test_bad_friction_options_name_the_argument():
    with pytest.raises(ValueError, match="friction_knots"):
        LongrunOptions(friction_knots=-1)
    with pytest.raises(ValueError, match="delta_bounds"):
        LongrunOptions(delta_bounds=(50.0, 1.0))
    with pytest.raises(ValueError, match="delta_bounds"):
        LongrunOptions(delta_bounds=(0.0, 1.0))
    with pytest.raises(ValueError, match="scaling"):
        solve_per_step(None, "nesterov", 10, np.zeros((4, 10)), scaling="logs")


# -- the converging method (multilevel L-BFGS-B + truncated Newton) ------------------------------

#: T = 300 on the 61-state grid below: ~2 s CPU for the Newton method (1954 iterations and
#: evaluations), where the single-level L-BFGS-B run needs 7784 iterations (10 s).
SMALL_T = 300


def _small_problem(form: str = "nesterov", T: int = SMALL_T):
    """The ``ModeGrid`` (61 states) and the family's derived (unoptimised) start at ``T``."""
    grid = ModeGrid.from_model(HARD, exact=16, ratio=1.5)
    opt = LongrunOptions(knots=0, **COARSE)
    fam = opt.grid(HARD, T)
    return grid, fam.expand(opt.controls(form, opt.parameters(form, HARD)[1], fam))


def test_newton_method_converges_below_the_old_method():
    """The Newton method meets KKT 1e-4 — recomputed here from the adjoint — and ends no higher
    than the single-level L-BFGS-B run given the same budget (which stops at its iteration limit,
    status 1, and must say so)."""
    grid, start = _small_problem()
    new = solve_per_step(grid, "nesterov", SMALL_T, start, maxiter=4000, method="newton")
    assert new.success and new.status == 0 and new.kkt_residual <= 1e-4
    assert _box_kkt_sum(grid, new.controls) <= 1e-4
    assert [lv[0] for lv in new.levels] == [32, SMALL_T, "newton"]
    old = solve_per_step(grid, "nesterov", SMALL_T, start, maxiter=2000, scaling="value")
    assert old.status == 1 and not old.success and old.kkt_residual > 1e-4
    assert new.loss <= old.loss
    assert new.loss < 0.9 * new.start_loss  # the per-step optimum lies 10 % below the family


def test_a_stopped_newton_solve_does_not_read_converged():
    """Out of budget before the tolerance: status 1, ``success`` false, the true residual."""
    grid, start = _small_problem()
    r = solve_per_step(grid, "nesterov", SMALL_T, start, maxiter=300, method="newton")
    assert r.status == 1 and not r.success and "iteration limit" in r.message
    assert r.kkt_residual == pytest.approx(_box_kkt_sum(grid, r.controls), rel=1e-12)
    assert r.kkt_residual > 1e-4


def test_kkt_residual_against_finite_differences():
    """The reported KKT sum from central differences of ``log L(T)`` in every control (the
    adjoint not used): at a half-converged point (KKT ~1e-2, components of every sign and
    some controls on their bounds) the two agree to 1e-6 relative."""
    T = 60
    grid, start = _small_problem(T=T)
    r = solve_per_step(grid, "nesterov", T, start, maxiter=60, method="newton")
    assert not r.success
    x = r.controls
    width = np.array([HARD.eta_max, ZETA_MAX, BETA_MAX])[:, None]

    def log_loss(u):
        return form_loss_and_gradient(grid, np.array([u[0], u[1], u[2], np.ones(T)]))[0]

    g = np.empty_like(x)
    for i, t in np.ndindex(*x.shape):
        h = 1e-7 * width[i, 0]
        up, dn = x.copy(), x.copy()
        up[i, t] += h
        dn[i, t] -= h
        g[i, t] = (log_loss(up) - log_loss(dn)) / (2 * h)
    u = x / width
    fd_kkt = float(np.abs(np.clip(u - g * width, 0.0, 1.0) - u).sum())
    assert 1e-3 < fd_kkt < 1.0
    assert r.kkt_residual == pytest.approx(fd_kkt, rel=1e-6)


def test_bad_method_and_form_name_the_argument():
    with pytest.raises(ValueError, match="method"):
        solve_per_step(None, "nesterov", 10, np.zeros((4, 10)), method="bfgs")
    with pytest.raises(ValueError, match="form"):
        solve_per_step(None, "adam", 10, np.zeros((4, 10)))
    with pytest.raises(ValueError, match="start must be 4 rows of T = 12"):
        solve_per_step(None, "nesterov", 12, np.zeros((4, 10)), method="newton")
    with pytest.raises(ValueError, match="tol"):
        solve_per_step(None, "nesterov", 10, np.zeros((4, 10)), tol=0.0)


def test_truncated_newton_box_meets_its_test_or_says_why():
    """An ill-conditioned quadratic (condition 1e6) whose minimum lies partly outside the box:
    the driver ends on the bound and at the interior minimum, status 0 with the caller's KKT
    measure (the projected Newton step) below tol; with one chunk of 5 evaluations it returns status 1 and that residual."""
    from solvers.control._truncated_newton import truncated_newton_box

    n = 50
    d = np.logspace(0, 6, n)
    target = np.where(np.arange(n) % 2 == 0, 2.0, 0.5)  # even entries beyond hi = 1

    def fg(x):
        r = x - target
        return float(0.5 * r @ (d * r)), d * r

    lo, hi = np.zeros(n), np.ones(n)

    def kkt(x, g):  # the projected Newton step's length
        return float(np.abs(np.clip(x - g / d, 0.0, 1.0) - x).sum())

    r = truncated_newton_box(fg, np.full(n, 0.1), lo, hi, scale=lambda x: 1.0 / np.sqrt(d),
                             kkt=kkt, tol=1e-5, maxfun=5000)  # fmt: skip
    assert r.status == 0 and r.success and r.kkt <= 1e-5
    np.testing.assert_allclose(r.theta, np.minimum(target, 1.0), atol=1e-5)
    short = truncated_newton_box(fg, np.full(n, 0.1), lo, hi, scale=lambda x: 1.0 / np.sqrt(d),
                                 kkt=kkt, tol=1e-5, maxfun=5)  # fmt: skip
    assert short.status == 1 and not short.success
    assert short.kkt == pytest.approx(kkt(short.theta, fg(short.theta)[1])) and short.kkt > 1e-5


def _form_kkt_sum(modes: ModeGrid, form: str, controls: np.ndarray) -> float:
    """The box KKT sum of the SGD (eta) or EMA (eta, beta) controls, from the adjoint's
    coefficient gradient by the chain rule written out here (``q = 1 - beta`` for EMA)."""
    T = controls.shape[1]
    one, zero = np.ones(T), np.zeros(T)
    if form == "sgd":
        coef = np.array([controls[0], zero, zero, one])
        _, g = form_loss_and_gradient(modes, coef)
        grad, width = g[:1], np.array([[HARD.eta_max]])
    else:
        coef = np.array([zero, controls[0], controls[1], 1.0 - controls[1]])
        _, g = form_loss_and_gradient(modes, coef)
        grad, width = np.array([g[1], g[2] - g[3]]), np.array([[HARD.eta_max], [BETA_MAX]])
    u = controls / width
    return float(np.abs(np.clip(u - grad * width, 0.0, 1.0) - u).sum())


@pytest.mark.parametrize("form", ["sgd", "ema"])
@pytest.mark.parametrize("scaling", ["box", "value", "log"])
def test_newton_method_converges_in_both_units(form, scaling):
    """SGD and EMA forms, T = 300, the Newton phase in box and in value units, and every phase
    with the friction as ``log(1 - beta)`` (~0.5 s each): converged on the recomputed residual,
    and below the family start."""
    grid, start = _small_problem(form)
    r = solve_per_step(grid, form, SMALL_T, start, maxiter=4000, method="newton",
                       scaling=scaling)  # fmt: skip
    assert r.success and _form_kkt_sum(grid, form, r.controls) <= 1e-4
    assert r.loss < r.start_loss


def test_reused_workspace_gives_the_one_off_answer():
    """One workspace evaluated at a blow-up schedule and then at two stable ones returns, each
    time, exactly the one-off call's value and gradient (fresh arrays), and the symbolic
    Jacobians' to rounding: state or costates left over from an earlier call (a reset missed)
    would change the second answer."""
    from solvers.control._momentum_adjoint import MomentumWorkspace
    from solvers.control.momentum_forms import form_schedule
    from solvers.control.momentum_per_step import symbolic_loss_and_gradient

    grid = ModeGrid.from_model(HARD, exact=8, ratio=2.0)
    T = 40
    ws = MomentumWorkspace.create(grid.lam, grid.weight, grid.c0, T, 1 / HARD.batch, HARD.sigma**2)
    blow = np.array([np.full(T, 1e4), np.zeros(T), np.zeros(T), np.ones(T)])
    assert ws(blow)[0] == math.inf
    for x in ([-0.5, 0.0, 0.7, -1.0, 0.3], [0.5, 1.0, 0.0, -2.0, 0.6]):
        coef = np.array(form_schedule("nesterov", x, T, HARD.eta_max))
        f, g = ws(coef)
        f1, g1 = form_loss_and_gradient(grid, coef)
        assert f == f1 and np.array_equal(g, g1)
        f2, g2 = symbolic_loss_and_gradient(grid, coef)
        assert f == pytest.approx(f2, rel=1e-13)
        assert np.max(abs(g - g2)) <= 1e-12 * np.max(abs(g2))


def test_log_friction_units_converge_and_a_stopped_solve_says_so():
    """Nesterov, T = 300, every phase in log-friction units (~1.5 s): KKT 1e-4 met on the
    residual recomputed from the adjoint in the controls (a wrong chain rule for
    ``beta = 1 - e^y`` would stop the solver on its own residual and fail here), ``beta`` inside
    its box, the loss below the family start; with 400 iterations: status 1, not ``success``,
    the true residual."""
    grid, start = _small_problem()
    r = solve_per_step(grid, "nesterov", SMALL_T, start, maxiter=4000, method="newton",
                       scaling="log")  # fmt: skip
    assert r.success and _box_kkt_sum(grid, r.controls) <= 1e-4
    assert r.controls[2].min() >= 0.0 and r.controls[2].max() <= BETA_MAX
    assert r.loss < 0.9 * r.start_loss
    short = solve_per_step(grid, "nesterov", SMALL_T, start, maxiter=400, method="newton",
                           scaling="log")  # fmt: skip
    assert short.status == 1 and not short.success and "iteration limit" in short.message
    assert short.kkt_residual == pytest.approx(_box_kkt_sum(grid, short.controls), rel=1e-12)
    assert short.kkt_residual > 1e-4


def test_stretched_start_interpolates_in_relative_time():
    """Continuation in ``T``: the same ``T`` returns the controls exactly; a row linear in
    relative time stays linear; the friction is interpolated in ``log(1 - beta)`` (halfway
    between ``1 - beta`` = 1e-2 and 1e-4 lies 1e-3, not the arithmetic 5e-3); the coefficients
    are the form's (EMA: ``q = 1 - beta``); a wrong number of rows names the argument."""
    from solvers.control.momentum_per_step import stretched_start

    u = np.array([[0.5, 0.4, 0.3], [1 - 1e-2, 1 - 1e-4, 0.5]])
    same = stretched_start("ema", u, 3)
    np.testing.assert_allclose(same, [[0, 0, 0], u[0], u[1], 1 - u[1]], rtol=1e-15, atol=0)
    T = 6  # new midpoints (t + 1/2)/6: 1/12 .. 11/12; old ones 1/6, 1/2, 5/6
    co = stretched_start("ema", u, T)
    s = (np.arange(T) + 0.5) / T
    np.testing.assert_allclose(co[1], np.interp(s, [1 / 6, 1 / 2, 5 / 6], u[0]), rtol=1e-15)
    np.testing.assert_allclose(co[1][1:5], 0.55 - 0.3 * s[1:5], rtol=1e-14)  # linear inside
    np.testing.assert_allclose(1 - co[2][2], 10 ** (-2 - 2 * (s[2] - 1 / 6) * 3), rtol=1e-12)
    np.testing.assert_allclose(co[3], 1 - co[2], rtol=1e-15)
    with pytest.raises(ValueError, match="controls must have 3 rows"):
        stretched_start("nesterov", u, T)


def test_newton_finish_continues_a_stopped_solve():
    """``method="newton-finish"`` from the controls of a solve stopped at its iteration limit:
    only the Newton phase runs, from that point (its start loss is the stopped solve's loss),
    and it meets KKT 1e-4 on the recomputed residual.

    In log-friction units: in box units TNC's first line search from this point fails on some
    machines (an AVX-512 host, 2026-12-01: "Linear search failed" after 73 evaluations, KKT
    7.7e-3; value units 3917 and log units 3614 evaluations to KKT 1e-4 from the same point), so
    a box-unit finish tests the host's rounding, not the continuation (momentum.md, 2026-12-01b)."""
    from solvers.control.momentum_per_step import stretched_start

    grid, start = _small_problem()
    stopped = solve_per_step(grid, "nesterov", SMALL_T, start, maxiter=300, method="newton")
    assert not stopped.success
    again = stretched_start("nesterov", stopped.controls, SMALL_T)  # the same T: the controls
    r = solve_per_step(
        grid, "nesterov", SMALL_T, again, maxiter=6000, method="newton-finish", scaling="log"
    )
    assert r.start_loss == pytest.approx(stopped.loss, rel=1e-13)
    assert [lv[0] for lv in r.levels] == ["newton"]
    assert r.success and _box_kkt_sum(grid, r.controls) <= 1e-4 and r.loss < stopped.loss


def _finish_from_a_stopped_solve(method="cr-finish", tol=1e-6):
    """EMA, T = 300: a Newton solve stopped at 300 iterations, then the finish ``method``."""
    from solvers.control.momentum_per_step import stretched_start

    grid, start = _small_problem("ema")
    stopped = solve_per_step(grid, "ema", SMALL_T, start, maxiter=300, method="newton")
    assert not stopped.success
    again = stretched_start("ema", stopped.controls, SMALL_T)  # the same T: the controls
    r = solve_per_step(grid, "ema", SMALL_T, again, tol=tol, maxiter=6000, method=method)
    return grid, start, stopped, r


@pytest.mark.parametrize(("method", "level"), [("lbfgsb-finish", "lbfgsb"), ("cr-finish", "cr")])
def test_finish_converges_from_a_stopped_solve_to_the_newton_optimum(method, level):
    """The finishes of the EMA 3e4 solve, ``method="lbfgsb-finish"`` in box units (the KKT
    measure's own units, momentum.md 2026-12-02s22) and ``method="cr-finish"`` (Newton with
    conjugate residuals, 2026-12-02s23), EMA, T = 300, from a Newton solve stopped at 300
    iterations (~1.5 s): only the finish runs, from that point; the residual recomputed from the
    adjoint meets the tolerance 1e-6; and the loss equals the Newton solve's converged to 1e-7
    (an independent method: block levels, per-step L-BFGS-B and TNC) to 1e-10 relative
    (L-BFGS-B: measured 1.4e-12; at tolerance 1e-4 the two differ by 5.6e-9). A finish that
    stops on its own residual short of a KKT point fails one of them."""
    grid, start, stopped, r = _finish_from_a_stopped_solve(method)
    assert r.start_loss == pytest.approx(stopped.loss, rel=1e-13)
    assert [lv[0] for lv in r.levels] == [level]
    assert r.success and _form_kkt_sum(grid, "ema", r.controls) <= 1e-6
    ref = solve_per_step(grid, "ema", SMALL_T, start, tol=1e-7, maxiter=8000, method="newton")
    assert ref.success
    assert r.loss == pytest.approx(ref.loss, rel=1e-10)


def test_newton_cr_wrong_preconditioner_fails_loudly_or_still_converges(monkeypatch):
    """A preconditioner with a sign error is not positive: the finish raises instead of
    steering its conjugate residuals with it. One with a factor error (the rates' diagonal 10x
    too large: positive, wrong) is only a worse metric: the finish still meets 1e-6 on the
    recomputed residual."""
    from solvers.control import _newton_cr

    right = _newton_cr._preconditioner

    def sign_error(h, symbols):
        apply = right(h, symbols)
        return lambda r: -apply(r)

    monkeypatch.setattr(_newton_cr, "_preconditioner", sign_error)
    with pytest.raises(FloatingPointError, match="preconditioner not positive"):
        _finish_from_a_stopped_solve()

    def factor_error(h, symbols):
        wrong = h.copy()
        wrong[: h.size // 2] *= 10.0  # the rate row
        return right(wrong, symbols)

    monkeypatch.setattr(_newton_cr, "_preconditioner", factor_error)
    grid, _, _, r = _finish_from_a_stopped_solve()
    assert r.success and _form_kkt_sum(grid, "ema", r.controls) <= 1e-6
