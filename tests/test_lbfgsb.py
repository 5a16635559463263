"""The shared bounded driver (solvers.control._lbfgsb): KKT stop, statuses, restarts — with either
run inside it, SciPy's L-BFGS-B or optlr's projected L-BFGS (``optimiser``)."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.control._lbfgsb import BLOWUP, LbfgsbOptions, minimize_box
from solvers.control._optimisers import BOX_RUNS
from solvers.control.result import STATUS_MESSAGES

each_run = pytest.mark.parametrize("optimiser", BOX_RUNS)


def box_kkt(lo, hi):
    def kkt(theta, g):
        return float(np.abs(np.clip(theta - g, lo, hi) - theta).sum())

    return kkt


def quadratic(center, weights):
    def fg(theta):
        d = theta - center
        return float(weights @ (d * d)), 2 * weights * d

    return fg


@each_run
def test_bounded_quadratic_ends_at_the_clipped_centre(optimiser):
    """The minimiser of sum w_i (theta_i - c_i)^2 over a box is clip(c, lo, hi), whatever the
    (badly scaled) weights; the scale callable undoes the scaling."""
    rng = np.random.default_rng(0)
    n = 40
    center = rng.uniform(-1, 2, n)
    weights = 10.0 ** rng.uniform(-3, 3, n)
    lo, hi = np.zeros(n), np.ones(n)
    r = minimize_box(
        quadratic(center, weights), np.full(n, 0.5), lo, hi,
        scale=lambda th: 1 / np.sqrt(weights), kkt=box_kkt(lo, hi), tol=1e-10, maxiter=500,
        options=LbfgsbOptions(optimiser=optimiser),
    )  # fmt: skip
    assert r.status == 0 and r.success and r.kkt <= 1e-10
    np.testing.assert_allclose(r.theta, np.clip(center, lo, hi), atol=1e-9)
    assert r.f == pytest.approx(quadratic(center, weights)(r.theta)[0])


@each_run
def test_kkt_test_stops_the_run_early_and_progress_counts_iterations(optimiser):
    """A loose tolerance stops after fewer iterations than a tight one (the callback test), and
    progress sees every iteration once, in order."""
    lo, hi = np.zeros(2), np.full(2, 3.0)

    def rosen(x):
        a, b = x
        f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        return f, np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])

    seen = []
    loose = minimize_box(
        rosen, np.array([2.5, 0.5]), lo, hi, scale=np.ones_like, kkt=box_kkt(lo, hi),
        tol=1e-1, maxiter=500, progress=lambda i, f: seen.append(i),
        options=LbfgsbOptions(optimiser=optimiser),
    )  # fmt: skip
    tight = minimize_box(
        rosen, np.array([2.5, 0.5]), lo, hi, scale=np.ones_like, kkt=box_kkt(lo, hi),
        tol=1e-10, maxiter=500, options=LbfgsbOptions(optimiser=optimiser),
    )  # fmt: skip
    assert loose.status == tight.status == 0
    assert loose.iterations < tight.iterations
    assert seen == list(range(1, loose.iterations + 1))
    np.testing.assert_allclose(tight.theta, [1.0, 1.0], atol=1e-6)


@each_run
def test_iteration_limit_is_status_1_and_never_success(optimiser):
    lo, hi = np.zeros(2), np.full(2, 3.0)
    r = minimize_box(
        quadratic(np.array([2.0, 0.5]), np.array([1.0, 1e4])), np.array([0.0, 3.0]), lo, hi,
        scale=np.ones_like, kkt=box_kkt(lo, hi), tol=1e-12, maxiter=2,
        options=LbfgsbOptions(optimiser=optimiser),
    )  # fmt: skip
    assert (r.status, r.success, r.iterations) == (1, False, 2)
    assert r.message == STATUS_MESSAGES[1] or "L-BFGS-B" in r.message


@each_run
def test_points_that_cannot_be_evaluated_are_never_accepted(optimiser):
    """fg returns g = None above 0.5: the minimiser at 0.8 is out of reach, so the driver must end
    at a valid point below 0.5 without claiming convergence."""
    calls = []

    def fg(theta):
        calls.append(theta.copy())
        if theta[0] > 0.5:
            return BLOWUP, None
        return float((theta[0] - 0.8) ** 2), np.array([2 * (theta[0] - 0.8)])

    lo, hi = np.zeros(1), np.ones(1)
    r = minimize_box(
        fg, np.array([0.1]), lo, hi, scale=np.ones_like, kkt=box_kkt(lo, hi), tol=1e-8,
        maxiter=100, options=LbfgsbOptions(restarts=3, optimiser=optimiser),
    )  # fmt: skip
    assert not r.success and r.status in (2, 4)
    assert r.theta[0] <= 0.5 and r.g is not None and r.kkt > 1e-8
    assert any(c[0] > 0.5 for c in calls)  # the line search did try the invalid region


def _log_loss_with_an_edge(th):
    """A log-loss that cannot be evaluated past the stability edge ``sum(th) >= 2``; its
    minimum lies inside, near 0.58 in each coordinate."""
    if th.sum() >= 2.0:
        return 0.0, None
    r = ((th - 0.6) ** 2).sum() + 1e-2
    f = np.log(r) - np.log(2.0 - th.sum())
    return float(f), 2 * (th - 0.6) / r + 1 / (2.0 - th.sum())


@pytest.mark.parametrize(
    ("optimiser", "blowup", "converges"),
    [("lbfgsb", BLOWUP, False), ("lbfgsb", 50.0, True), ("projected", BLOWUP, True)],
)
def test_a_blowup_of_the_objectives_size_keeps_the_line_search_going(optimiser, blowup, converges):
    """The first step crosses the edge. Shown 1e300 there, L-BFGS-B's line search shrinks the
    step to nothing and the run ends by its relative reduction at the start (KKT 0.73); a value
    of the log-loss's own size lets it back off and converge (the long-horizon momentum solver
    met the first at T = 1000). The projected L-BFGS counts such a point as a failed trial of
    its line search whatever the value, and shrinks the step."""
    lo, hi = np.zeros(3), np.full(3, 5.0)
    r = minimize_box(
        _log_loss_with_an_edge, np.full(3, 0.1), lo, hi, scale=np.ones_like,
        kkt=box_kkt(lo, hi), tol=1e-6, maxiter=200,
        options=LbfgsbOptions(restarts=5, ftol=1e-15, blowup=blowup, optimiser=optimiser),
    )  # fmt: skip
    assert r.success is converges
    if converges:
        assert np.allclose(r.theta, r.theta[0]) and 0.5 < r.theta[0] < 0.6


@each_run
def test_restarts_are_bounded_and_stop_when_a_run_no_longer_lowers_f(optimiser):
    """The first restart always runs (the first run is compared with nothing); the second does
    not, as the first restart ended no lower than the run before it."""
    lo, hi = np.zeros(1), np.ones(1)
    r = minimize_box(
        lambda th: (float(th[0] ** 3), np.array([0.0])),  # a wrong (zero) gradient: no progress
        np.array([0.7]), lo, hi, scale=np.ones_like,
        kkt=lambda th, g: 1.0, tol=1e-8, maxiter=100,
        options=LbfgsbOptions(restarts=5, optimiser=optimiser),
    )  # fmt: skip
    assert r.runs == 2 and r.status == 4 and not r.success


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"restarts": -1}, "restarts"), ({"maxcor": 0}, "maxcor"), ({"ftol": -1.0}, "ftol"),
     ({"maxfun_per_iteration": 0}, "maxfun_per_iteration"), ({"maxls": 2.5}, "maxls"),
     ({"blowup": float("nan")}, "blowup"), ({"optimiser": "bfgs"}, "optimiser")],
)  # fmt: skip
def test_options_name_the_bad_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        LbfgsbOptions(**kwargs)


@each_run
def test_a_start_that_cannot_be_evaluated_is_not_converged(optimiser):
    lo, hi = np.zeros(1), np.ones(1)
    r = minimize_box(
        lambda th: (BLOWUP, None), np.array([0.9]), lo, hi, scale=np.ones_like,
        kkt=box_kkt(lo, hi), tol=1e-8, maxiter=10, options=LbfgsbOptions(optimiser=optimiser),
    )  # fmt: skip
    assert not r.success and r.g is None and r.kkt == np.inf
