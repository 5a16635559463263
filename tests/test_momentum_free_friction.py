"""Nesterov with the friction off mid-run: the derivation against the exact recursion.

Each derived ingredient of :func:`theory.derive_free_friction_exponent` is held against a
computation that does not use it: the first-order progress and the plateau gain against the
per-mode moment recursion, the feedback mass's power law (exponent and constant) against the
long-run recursion's noise response, and the exponent against the friction-1/t derivation and
against a fixed schedule's local slopes out to T = 1e12 (slow).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

import theory
from solvers.control import (
    FreeFrictionOptions,
    free_friction_controls,
    free_friction_start,
    solve_free_friction,
)
from solvers.dynamics.momentum_forms import general_momentum_forward
from solvers.dynamics.momentum_longrun import momentum_grid
from theory import PLRFModel
from theory.symbols import a, b, eta, inv_m
from theory.symbols import lam as LAM

ZETA, P = sp.Symbol("zeta", nonnegative=True), sp.Symbol("p", real=True)

POINT = PLRFModel(a=1.5, b=3, sigma=0.7, batch=4, n_modes=10**15)


@pytest.fixture(scope="module")
def ff():
    return theory.derive_free_friction_exponent()


def _one_mode(lam, alpha, gamma, beta, inv_batch, sigma2, c0=1.0):
    """``E[Delta^2]`` of one mode (weight 1) after ``alpha.size`` steps of the exact recursion."""
    T = alpha.size
    out = np.empty(1)
    D, _, _, fail = general_momentum_forward(
        np.array([lam]), np.ones(1), np.array([c0]), alpha, gamma, beta, np.ones(T),
        np.full(T, inv_batch), sigma2, np.array([T]), out,
    )  # fmt: skip
    assert fail == -1
    return float(D[0])


def test_first_order_progress_is_the_recursions(ff):
    """Without friction a mode moves by lambda (sum eta_s + sum_j w(j) zeta_j), w derived: on the
    noiseless recursion 1 - Delta_T/Delta_0 agrees to second order in lambda tau. A weight of
    ``j`` (or the friction-1/t rate zeta/kappa) misses by O(1)."""
    rng = np.random.default_rng(3)
    T, lam = 400, 1e-9
    al, ga = rng.uniform(0.1, 0.9, T), rng.uniform(0.0, 0.5, T)
    D = _one_mode(lam, al, ga, np.ones(T), 0.0, 0.0)
    weight = sp.lambdify(sp.Symbol("j", nonnegative=True), ff.progress_weight)
    tau = al.sum() + float(np.sum(weight(np.arange(T)) * ga))
    moved = 1.0 - math.sqrt(D)
    assert moved == pytest.approx(lam * tau, rel=10 * lam * tau)
    assert ff.progress.exponent == 2 - P


def test_plateau_gain_is_the_recursions_fixed_point(ff):
    """The plateau gain g0 at beta = 1 against the recursion run to its stationary state on a
    slow mode (no bias, unit noise): lambda E[Delta^2] / (iota (L + sigma^2)) -> g0 + O(lambda)."""
    e, z, im, lam = 0.6, 0.05, 0.25, 1e-4
    T = 400_000  # 24 damping times 1/(eta lambda)
    D = _one_mode(lam, np.full(T, e), np.full(T, z), np.ones(T), im, 1.0, c0=0.0)
    L = lam * D
    measured = lam * D / (im * (L + 1.0))
    g0 = float(ff.plateau_gain.subs({eta: e, ZETA: z, inv_m: im}))
    assert measured == pytest.approx(g0, rel=5e-3)
    assert sp.simplify(ff.damping - eta * LAM) == 0


def test_feedback_mass_follows_the_derived_power_law(ff):
    """The noise response of the whole spectrum without friction, L(sigma = 1) - L(sigma = 0) per
    unit iota, grows as iota g0 Gamma(1 - 1/b) (eta t)^(1/b): its increments between t = 1e5,
    1e6 and 1e7 match the derived law's to 1 % (a constant offset from the top modes cancels).
    An exponent off by 0.02 misses the increments by ~35 % (t^0.02 at t ~ 1e6)."""
    e, z, im = 0.5, 0.05, 1e-6
    T = 10**7
    losses = []
    for sigma in (1.0, 0.0):
        m = PLRFModel(a=1.5, b=3, sigma=sigma, batch=1 / im, n_modes=10**15)
        grid = momentum_grid(m, T)
        n = grid.steps.size
        L, fail = grid.loss((np.full(n, e), np.full(n, z), np.zeros(n), np.ones(n)))
        assert fail == -1
        losses.append(L)
    noise = (losses[0] - losses[1]) / im
    law = ff.feedback_mass
    t_s = law.variable
    sub = {b: 3, eta: e, inv_m: 1, P: 0}
    pred = sp.lambdify(t_s, law.expr.subs(sub) * z)  # p = 0: zeta_t = zeta, times zeta
    idx = [int(np.searchsorted(grid.t, v)) for v in (1e5, 1e6, 1e7)]
    tt = grid.t[idx]
    for i, j in ((0, 1), (1, 2)):
        ratio = (noise[idx[j]] - noise[idx[i]]) / (pred(tt[j]) - pred(tt[i]))
        assert ratio == pytest.approx(1.0, abs=0.01)


def test_exponent_is_the_friction_family_bound(ff):
    """Independent routes, one exponent: the free-friction balance equals the friction-1/t
    derivation's piecewise exponent; the stability bound is p = 1/b, the study's 1.5(a-1)/b is
    the bias exponent at p = 1/2, and at both study points the bound binds."""
    laws = theory.derive_momentum_exponents()
    assert sp.simplify(ff.stability_p - 1 / b) == 0
    assert ff.study_p == sp.Rational(1, 2)
    for point in ((1.5, 3), (1.3, 2.75)):
        case = ff.case(*point)
        assert case.kind == "bound"
        assert sp.simplify(-case.exponent - (a - 1) * (2 * b - 1) / b**2) == 0
        at = {a: sp.nsimplify(point[0]), b: sp.nsimplify(point[1])}
        assert ff.exponent.subs(at) == laws.exponents["nesterov"]["hard"].subs(at)
    assert sp.simplify(ff.local_exponent.subs(P, 1 / b)
                       - laws.nesterov_bound_exponent) == 0  # fmt: skip


def test_friction_is_off_before_the_onset_and_bad_options_name_the_argument():
    grid = momentum_grid(POINT, 10**4)
    x = free_friction_start(POINT)
    _, _, ka, qq = free_friction_controls(x, grid)
    s = 1.0 / (1.0 + math.exp(-x[4]))
    assert np.all(ka[grid.midpoints < s * grid.T] == 0.0)
    assert ka[-1] > 0 and np.all(qq == 1.0)
    with pytest.raises(ValueError, match="fixed_p"):
        FreeFrictionOptions(fixed_p=3.0)
    with pytest.raises(ValueError, match="x must have shape"):
        free_friction_controls(x[:-1], grid)


@pytest.mark.slow
def test_fixed_shape_slope_tends_to_the_derived_exponent():
    """A fixed free-friction schedule with p = 1/b: local slope at 1e11-1e12 within 0.001 of
    (a-1)(2b-1)/b^2 = 0.2778 (0.3124 at 1e3-1e4). With p = 1/4 its slope is larger (0.29) until
    its feedback mass reaches 1, then the loss grows (by T = 1e12): p < 1/b cannot last."""
    from benchmarks.momentum_free_friction import FINE, SHAPE

    fine = replace(FreeFrictionOptions().grid, **FINE)  # the optimiser's quadrature: 0.2801

    def loss(p, T):
        grid = fine.grid(POINT, T)
        L, fail = grid.loss(free_friction_controls([p if v is None else v for v in SHAPE], grid))
        return float(L[-1]) if fail < 0 else math.inf

    slope = math.log10(loss(1 / 3, 10**11) / loss(1 / 3, 10**12))
    assert slope == pytest.approx(5 / 18, abs=1e-3)
    assert loss(0.25, 10**12) > loss(0.25, 10**10)


@pytest.mark.slow
def test_solve_free_friction_meets_kkt_at_short_horizon():
    """The multi-start solve converges at T = 1e3 and holds a fixed p."""
    opt = FreeFrictionOptions(fixed_p=1 / 3, maxiter=100)
    r = solve_free_friction(POINT, 1000, options=opt)
    assert r.success and r.x[3] == pytest.approx(1 / 3)
    assert r.loss <= min(r.start_losses) + 1e-15
