"""The continuum solver's Newton Hessians from moved gradients that reuse the base pass: the same
numbers as full gradient passes at the moved schedules, so the same Newton steps and the same
optima, for a fraction of the work (issue 12: reach of the default run's hard sweep)."""

import numpy as np
import pytest

from solvers.control import solve_continuum
from solvers.control._continuum_optimise import (
    HESSIAN_STEP,
    _kkt_scaled,
    _newton_model,
    _rate_scale,
)
from solvers.dynamics import build_problem
from solvers.dynamics.continuum import COLUMN_WORK
from theory import PLRFModel

HARD = PLRFModel(a=1.5, b=3, sigma=0.5, n_modes=10**4)


def _problem(T=1e3, model=HARD):
    return build_problem(model, T, None, 1.1, 0.01, 2, "discrete", 16, 4, 4)


def _schedule(prob, seed=0):
    """A rough annealed schedule with jitter (not an optimum: every interval matters)."""
    rng = np.random.default_rng(seed)
    J = prob.h.size
    s = np.linspace(0.0, 0.999, J)
    return prob.upper * 0.5 * (1.0 - s) ** 2 * np.exp(0.1 * rng.standard_normal(J))


@pytest.mark.parametrize("dynamics", ["discrete", "continuous"])
def test_moved_gradients_are_full_passes_at_the_moved_schedules(dynamics):
    """Each row is value_grad at eta + step e_j, bit for bit (loss and gradient), for steps of
    both signs at every interval: the first, the last, and the rest."""
    prob = build_problem(HARD, 1e3, None, 1.1, 0.01, 2, dynamics, 16, 4, 4)
    eta = _schedule(prob)
    rng = np.random.default_rng(1)
    cols = rng.permutation(eta.size)  # any order: nothing carries over between columns
    steps = 1e-3 * eta[cols] * np.where(rng.random(cols.size) < 0.5, 1.0, -1.0)
    LT, L_moved, G, ok = prob.perturbed_grads(eta, cols, steps)
    assert ok and LT == prob.value_grad(eta)[0]
    for i, j in enumerate(cols):
        e = eta.copy()
        e[j] += steps[i]
        L, g, _, ok_j = prob.value_grad(e)
        assert ok_j
        assert L_moved[i] == L, j
        np.testing.assert_array_equal(G[i], g, err_msg=f"column {j}")


@pytest.mark.parametrize("dynamics", ["discrete", "continuous"])
def test_moved_gradients_tails_are_the_full_passes_from_the_moved_rate_on(dynamics):
    """With ``tail`` each row holds value_grad's gradient at eta + step e_j from component j
    on, bit for bit, and zeros before it (the reverse sweep stopped at the moved interval)."""
    prob = build_problem(HARD, 1e3, None, 1.1, 0.01, 2, dynamics, 16, 4, 4)
    eta = _schedule(prob)
    rng = np.random.default_rng(2)
    cols = np.concatenate([[0, eta.size - 1], rng.permutation(eta.size)[:20]])
    steps = 1e-3 * eta[cols] * np.where(rng.random(cols.size) < 0.5, 1.0, -1.0)
    _, L_moved, G, ok = prob.perturbed_grads(eta, cols, steps, tail=True)
    assert ok
    for i, j in enumerate(cols):
        e = eta.copy()
        e[j] += steps[i]
        L, g, _, _ = prob.value_grad(e)
        assert L_moved[i] == L, j
        np.testing.assert_array_equal(G[i, j:], g[j:], err_msg=f"column {j}")
        assert not G[i, :j].any(), j


def test_an_unstable_moved_schedule_reads_nan_and_the_others_stay_exact():
    """A step past the stability limit gives NaN for that column only."""
    prob = _problem()
    eta = _schedule(prob)
    cols = np.array([3, 5, 7])
    steps = np.array([1e-6, 50.0 * prob.upper, -1e-6])
    _, L_moved, G, ok = prob.perturbed_grads(eta, cols, steps)
    assert ok and np.isnan(L_moved[1]) and np.isfinite(L_moved[[0, 2]]).all()
    e = eta.copy()
    e[7] -= 1e-6
    np.testing.assert_array_equal(G[2], prob.value_grad(e)[1])
    with pytest.raises(ValueError, match="cols"):
        prob.perturbed_grads(eta, np.array([eta.size]), np.array([1e-6]))
    with pytest.raises(ValueError, match="eta must have shape"):
        prob.perturbed_grads(eta[:-1], cols, steps)


def test_the_newton_hessian_is_the_one_built_from_full_passes():
    """The Hessian of the Newton finish equals, bit for bit, forward differences of full
    gradient passes (the construction it replaces, written out here: each entry from the
    column of the earlier rate, mirrored), including a rate at the
    upper bound (backward difference) and one held at zero; its work counts one pass and a
    fraction COLUMN_WORK of a pass per column."""
    prob = _problem()
    eta = _schedule(prob)
    eta[0] = prob.upper  # backward difference there (if its gradient does not hold it)
    eta[-1] = 0.0
    LT, g, _, _ = prob.value_grad(eta)
    G = g / LT
    n_eval = [0, 0]
    model = _newton_model(prob, eta, G, n_eval)
    free, s = model.free, _rate_scale(eta, prob.upper)
    H = np.empty((free.size, free.size))
    for c, j in enumerate(free):
        h = HESSIAN_STEP * s[j] * (1.0 if eta[j] + HESSIAN_STEP * s[j] <= prob.upper else -1.0)
        e = eta.copy()
        e[j] += h
        L_j, g_j, _, _ = prob.value_grad(e)
        H[:, c] = (g_j[free] / L_j - G[free]) * (s[free] * (s[j] / h))
    # entry (j, k), j <= k: component k's difference when rate j moves (H[k, j] here), mirrored
    np.testing.assert_array_equal(model.H, np.tril(H) + np.tril(H, -1).T)
    assert n_eval == [1, free.size] and 0 < COLUMN_WORK < 0.5


def test_a_solve_reports_its_columns_in_its_work():
    """A continued hard solve converges (KKT recomputed from a fresh gradient) and its ``work``
    counts full passes at one unit and Hessian columns at COLUMN_WORK."""
    prob_T = 316
    first = solve_continuum(HARD, 100, exact_modes=16)
    r = solve_continuum(HARD, prob_T, initial=[first], exact_modes=16)
    d = r.diagnostics
    assert r.success and d["hessians"] >= 1 and d["hessian_columns"] > 0
    units = (len(r.t) - 1) * d["n_quadrature"] * d["substeps"]
    passes = r.n_evaluations - d["hessian_columns"]
    assert d["work"] == pytest.approx((passes + COLUMN_WORK * d["hessian_columns"]) * units)
    prob = build_problem(HARD, prob_T, None, 1.1, 0.01, 2, "discrete", 16, 4, 4)
    LT, g, _, _ = prob.value_grad(r.eta)
    assert LT == r.final_loss and _kkt_scaled(prob, r.eta, g / LT) <= 1e-6
