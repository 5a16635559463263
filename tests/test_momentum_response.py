"""The slow-mode rate and the noise-feedback gain of a per-step momentum schedule (issue 13).

Checked against closed forms and independent computations, never against earlier output:

* :func:`slow_mode_rate` against its closed form at constant heavy-ball controls (``c < 1`` and
  ``c = 1``), and its sum against the response of a mode with ``lambda = 1e-8`` in the compiled
  moment recursion (:func:`general_momentum_forward`, which knows nothing of ``rho``) under a
  schedule that coasts at ``c = 1`` in stretches. ``rho = h / (1 - c)`` step by step (the
  stationary value) is infinite at ``c = 1`` and off by 1e2 on the coasting stretches (asserted).
* :func:`noise_feedback` at constant controls against the derivation's stationary gain
  :math:`\\iota\\sum_k G(\\lambda_k)` (``form_dynamics("heavy-ball").noise_gain``, Cramer's rule
  on the symbolic closure): 1e-9. Fed back (the source ``L + sigma^2`` with ``L`` the run's own
  loss) it converges to :math:`\\iota S/(1 - \\iota S)` instead (asserted different).
* :func:`loss_split`'s closed loop against :func:`simulate_form` (compiled kernel), 1e-11; its
  parts add up, each nonnegative; with no gradient noise (``batch = inf``) label and feedback
  vanish.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import general_momentum_forward, simulate_form
from solvers.dynamics.momentum_response import loss_split, noise_feedback, slow_mode_rate
from theory import PLRFModel, form_dynamics

SMALL = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=6)
HARD = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**9)


def _heavy_ball(h, c):
    h, c = np.asarray(h, dtype=float), np.asarray(c, dtype=float)
    return np.array([np.zeros_like(h), h, c, np.ones_like(h)])


def _coasting_schedule(T=300, seed=5):
    """Chattering heavy-ball controls with stretches at ``c = 1`` (as the per-step optima)."""
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.0, 0.6, T)
    c = rng.uniform(0.0, 0.95, T)
    for lo, hi in ((20, 60), (120, 200), (240, 270)):
        c[lo:hi], h[lo:hi] = 1.0, rng.uniform(0.0, 0.01, hi - lo)
    return _heavy_ball(h, c)


def test_slow_mode_rate_closed_forms():
    t = np.arange(50)
    rho = slow_mode_rate(_heavy_ball(np.full(50, 0.3), np.full(50, 0.9)))
    np.testing.assert_allclose(rho, 0.3 * (1 - 0.9 ** (t + 1)) / 0.1, rtol=1e-13)
    assert rho[-1] == pytest.approx(0.3 / 0.1, rel=1e-2)
    np.testing.assert_allclose(slow_mode_rate(_heavy_ball(np.full(50, 0.3), np.ones(50))),
                               0.3 * (t + 1), rtol=1e-14)  # fmt: skip
    sgd = np.array([np.full(50, 0.7), np.zeros(50), np.zeros(50), np.ones(50)])
    np.testing.assert_allclose(slow_mode_rate(sgd), 0.7)
    with pytest.raises(ValueError, match="coefficients"):
        slow_mode_rate(np.ones((3, 5)))


def test_slow_mode_rate_sums_to_a_slow_mode_response():
    coef = _coasting_schedule()
    tau = slow_mode_rate(coef).sum()
    lam = 1e-8
    out = np.empty(1)
    general_momentum_forward(np.array([lam]), np.ones(1), np.ones(1), *coef, np.zeros(coef.shape[1]),
                             0.0, np.array([coef.shape[1]]), out)  # fmt: skip
    moved = (1.0 - math.sqrt(out[0] / lam)) / lam  # E[Delta_T] = 1 - lam tau + O(lam^2)
    assert moved == pytest.approx(tau, rel=1e-5)
    with np.errstate(divide="ignore"):
        stationary = (coef[1] / (1.0 - coef[2])).sum()  # h / (1 - c) step by step: wrong
    assert not stationary < 2 * tau
    release = np.array([60, 200, 270])  # the first step after each coasting stretch
    rho = slow_mode_rate(coef)[release]
    assert np.all(rho > 4 * coef[1, release] / (1.0 - coef[2, release]))


def test_noise_feedback_reaches_the_derived_stationary_gain():
    grid = ModeGrid.from_model(SMALL, exact=6, ratio=2.0)
    h, c, T = 0.2, 0.8, 3000
    phi = noise_feedback(grid, _heavy_ball(np.full(T, h), np.full(T, c)))
    gain = form_dynamics("heavy-ball").noise_gain
    sym = {s.name: s for s in gain.free_symbols}
    G = sp.lambdify([sym["lambda"]], gain.subs({sym["eta"]: sp.Rational(1, 5),
                    sym["kappa"]: sp.Rational(1, 5), sym["iota"]: sp.Rational(1, 4)}))  # fmt: skip
    S = 0.25 * float(np.sum(grid.weight * G(grid.lam)))
    assert 0.05 < S < 1.0
    assert phi[-1] == pytest.approx(S, rel=1e-9)
    assert np.all(phi >= 0.0)
    fed = loss_split(
        ModeGrid.from_model(PLRFModel(a=1.3, b=2.75, sigma=1.0, batch=4, n_modes=6), exact=6,
                            ratio=2.0), _heavy_ball(np.full(T, h), np.full(T, c)))  # fmt: skip
    assert fed.loss == pytest.approx(S / (1 - S), rel=1e-6)  # the closed loop: L = S (L + 1)
    assert not fed.loss == pytest.approx(S, rel=1e-2)


def test_loss_split_closes_on_the_compiled_recursion():
    grid = ModeGrid.from_model(HARD, exact=8, ratio=2.0)
    coef = _coasting_schedule()
    split = loss_split(grid, coef)
    _, ref = simulate_form(grid, coef, np.arange(coef.shape[1] + 1))
    np.testing.assert_allclose(split.loss_path, ref, rtol=1e-11)
    assert split.loss == pytest.approx(split.bias + split.label + split.feedback, rel=1e-13)
    assert min(split.bias, split.label, split.feedback) > 0.0
    assert split.label == pytest.approx(0.49 * split.gain_path[-1], rel=1e-13)
    free = ModeGrid.from_model(PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=math.inf,
                                         n_modes=10**9), exact=8, ratio=2.0)  # fmt: skip
    none = loss_split(free, coef)
    assert none.label == 0.0 and abs(none.feedback) < 1e-12 * none.loss
    assert none.bias == pytest.approx(simulate_form(free, coef)[1][0], rel=1e-11)


def test_slow_mode_rate_clock_bounds():
    """The clock bounds of momentum.md 2026-12-01s15 §3: EMA's ``rho_t <= eta_max`` whatever its
    friction (``V_t`` is a running average of ones), heavy ball's ``rho_t <= h_max / (1 - c_max)``
    under a friction cap, reached at constant controls; no bound at ``c = 1``."""
    rng = np.random.default_rng(11)
    T = 2000
    eta, b = rng.uniform(0, 2.0, T), rng.uniform(0, 1.0, T) ** 0.1
    ema = np.array([np.zeros(T), eta, b, 1.0 - b])
    assert slow_mode_rate(ema).max() <= 2.0 * (1 + 1e-12)
    h, c = rng.uniform(0, 2.0, T), rng.uniform(0.9, 0.99, T)
    assert slow_mode_rate(_heavy_ball(h, c)).max() <= 2.0 / (1 - 0.99) * (1 + 1e-12)
    tight = slow_mode_rate(_heavy_ball(np.full(T, 2.0), np.full(T, 0.99)))
    assert tight[-1] == pytest.approx(2.0 / (1 - 0.99), rel=1e-8)
    assert slow_mode_rate(_heavy_ball(np.full(T, 2.0), np.ones(T)))[-1] == pytest.approx(2.0 * T)
