"""The noise spectrum of its own (``LossParams.theta``, ``FitOptions.fit_theta``): the functional
against the closed form of a constant rate and the exact per-step solution of an anneal, ``theta = 1``
as the PLRF's functional, and the fit on runs generated with ``theta != 1``."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.runs import (
    FitOptions,
    LossParams,
    fit_runs,
    loss_parts,
    mode_nodes,
    predict_run,
    run_grid,
)
from solvers.runs._fit import fit_points
from tests.test_runs import HARD, synthetic

#: Twelve exact modes (``mode_nodes(n)`` for ``n <= 16`` is the plain sum over modes 1..n).
N = 12
K = np.arange(1.0, N + 1)


def test_constant_rate_noise_matches_the_closed_form():
    r"""At a constant rate the noise of mode ``k`` is :math:`\tfrac{\eta\nu}{2}\lambda_k^\theta
    (1 - e^{-2 s\eta\lambda_k t})` (the forcing :math:`s\eta^2\lambda_k^\theta\nu` against the
    decay :math:`2 s\eta\lambda_k`); the functional at ``theta = 0.6`` matches it to 1e-12 at
    every node. A functional that ignored ``theta`` is off by 12 % or more here."""
    p = LossParams(L_inf=0.0, A=0.0, s=2.0, nu=3.0, a=2.0, b=1.5, theta=0.6)
    eta = 0.01
    g = run_grid(np.full(3000, eta), n_grid=50)
    _, noise = loss_parts(p, g, mode_nodes(N))
    lam = K**-p.b
    t = g.t[:, None]
    exact = np.sum(0.5 * eta * p.nu * lam**p.theta * (1 - np.exp(-2 * p.s * eta * lam * t)), axis=1)
    np.testing.assert_allclose(noise, exact, rtol=1e-12, atol=1e-15)
    _, plrf = loss_parts(p.replace(theta=1.0), g, mode_nodes(N))
    assert np.min(np.abs(plrf[1:] / exact[1:] - 1)) > 0.1


def test_anneal_noise_matches_the_per_step_solution():
    """A WSD-like schedule (constant, then a linear anneal to zero): the functional's noise at
    ``theta = 0.5`` against the exact per-step solution of the per-mode ODE (the rate is constant
    within a step: ``c <- c e^-z + eta nu lambda^(theta-1) (1 - e^-z) / 2``, ``z = 2 s eta
    lambda``), within 2e-4 relative at the end of the stable phase and at the end; with
    ``theta = 1`` the end differs by > 10 %."""
    p = LossParams(L_inf=0.0, A=0.0, s=1.0, nu=1.0, a=2.0, b=2.0, theta=0.5)
    T, d = 2000, 800
    eta = np.full(T, 0.05)
    eta[T - d :] = 0.05 * np.linspace(1, 0, d)
    g = run_grid(eta, [T - d, T], n_grid=400)
    _, noise = loss_parts(p, g, mode_nodes(N))
    lam = K**-p.b
    c, want = np.zeros(N), []
    for i, e in enumerate(eta):
        z = 2 * p.s * e * lam
        c = c * np.exp(-z) + 0.5 * e * p.nu * lam ** (p.theta - 1) * -np.expm1(-z)
        if i + 1 in (T - d, T):
            want.append(lam @ c)
    got = noise[g.index([T - d, T])]
    np.testing.assert_allclose(got, want, rtol=2e-4)
    _, plrf = loss_parts(p.replace(theta=1.0), g, mode_nodes(N))
    assert abs(plrf[g.index([T])][0] / got[-1] - 1) > 0.1


def test_theta_one_is_the_plrf_functional():
    """``theta = 1`` takes the PLRF's weights (the same arrays): equal to the general path at
    ``theta = 1 + 1e-12`` to rounding, and the bias does not depend on ``theta`` at all."""
    g = run_grid(np.full(4000, 1e-3), n_grid=60)
    b1, n1 = loss_parts(HARD, g)
    b2, n2 = loss_parts(HARD.replace(theta=1 + 1e-12), g)
    b3, _ = loss_parts(HARD.replace(theta=0.4), g)
    np.testing.assert_allclose(n2, n1, rtol=1e-9)
    np.testing.assert_array_equal(b1, b2)
    np.testing.assert_array_equal(b1, b3)


def test_theta_must_be_positive():
    with pytest.raises(ValueError, match="theta"):
        HARD.replace(theta=0.0)
    with pytest.raises(TypeError, match="fit_theta"):
        FitOptions(fit_theta=1)


#: Runs of the functional with a noise spectrum of its own, cosine, WSD and constant at two rates.
SPECS = [("cos", 4000, 1e-3), ("wsd", 6000, 1e-3), ("wsd", 3000, 1e-3), ("const", 6000, 5e-4)]
OPTS = FitOptions(n_boot=0, max_points=15, n_grid=60, min_step=200, fit_power=False, n_starts=2)


def _rss_at(params, runs, opts) -> float:
    """Weighted sum of squared relative residuals of ``params`` on the fitted points of ``runs``."""
    total = 0.0
    for run in runs:
        steps, obs = fit_points(run, opts)
        pred = predict_run(params, run, steps, n_grid=opts.n_grid)[1]
        total += np.sum((pred / obs - 1) ** 2) / steps.size
    return total


@pytest.mark.slow
def test_fit_with_theta_reaches_the_noise_floor_along_the_b_theta_valley():
    """Runs generated at ``theta = 0.6``, hard point ``(1.4, 2.2)``, 1e-5 noise. The fit with
    ``theta`` free comes within 30 % of the truth's residual sum (measured 1.21x: the valley
    below is flat and ``least_squares`` stops short of its floor) and the one held at
    ``theta = 1`` does not (measured 2.17x; >= 1.8x required: a ``theta`` that changed nothing
    fails). What the free fit pins is the noise spectrum in ``k``, ``b theta`` (within 0.1;
    measured 1.28 against 1.32), and the bias exponent ``(a - 1)/b`` (within 0.02), not ``theta``
    and ``b`` apart: ``theta = 0.69``, ``b = 1.85`` against 0.6, 2.2 (a valley, like the mode
    count's in 2026-11-30f; ``benchmarks/results/fit.md`` 2026-11-30g)."""
    truth = HARD.replace(theta=0.6)
    runs = synthetic(truth, SPECS, noise=1e-5, seed=4)
    free = fit_runs(runs, FitOptions(**{**OPTS.__dict__, "fit_theta": True}))
    held = fit_runs(runs, OPTS)
    assert free.n_params == 7 and held.n_params == 6 and held.params.theta == 1.0
    floor = _rss_at(truth, runs, OPTS)
    rss = {k: min(f.phase_rss.values()) for k, f in (("free", free), ("held", held))}
    assert rss["free"] < 1.3 * floor, (rss, floor)
    assert rss["held"] > 1.8 * floor, (rss, floor)
    q = free.params
    assert abs(q.b * q.theta - truth.b * truth.theta) < 0.1, q
    assert abs((q.a - 1) / q.b - (truth.a - 1) / truth.b) < 0.02, q
