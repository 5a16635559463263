"""The hard window against the realised intrinsic time (``theory.window_realised_time``).

The bias depends on the schedule through ``tau_T = int eta`` alone and the window's noise through
``W`` alone, so the exact balance makes the window a power of ``tau_T``:
``Lambda = C (T - Lambda)^w0``. Against ``log T`` its slope is tilted by ``1/(1 - x (1 - w0))``,
``x = Lambda/T`` (benchmarks/results/claims.md, 2026-12-02s20 (win20)). Checked here by
substitution (SymPy), on a closed form solved numerically, on the mode sums (the kept
unlearned-modes term) and on synthetic optima whose lost time obeys the law exactly.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

from solvers.claims.readouts import lost_time, realised_time
from solvers.claims.window_layer import realised_variable
from theory import PLRFModel, derive_scaling_laws, window_realised_time
from theory.symbols import a, b

MODEL = PLRFModel(3.0, 3.5, n_modes=10**12)
W0 = float(derive_scaling_laws().hard["anneal_window_exponent"].expr.subs(MODEL.subs()))


def test_the_exact_balance_gives_the_derived_window_and_the_tilt():
    r = window_realised_time()
    assert sp.simplify(r.w0 - (a + b - 1) / (2 * b - 1)) == 0
    # substitution: Lambda = x T into d log Lambda / d log T of Lambda = C (T - Lambda)^w0
    x, C, T, L = sp.symbols("x C T L", positive=True)
    w = sp.Rational(11, 12)
    dL = sp.idiff(sp.log(L) - sp.log(C) - w * sp.log(T - L), L, T)
    s = sp.simplify((T / L * dL).subs(L, x * T))
    assert sp.simplify(s - r.slope_in_T.subs({a: 3, b: sp.Rational(7, 2)})) == 0
    assert sp.simplify(r.removed - (b - a) / (2 * b - 1)) == 0
    assert sp.simplify(r.unlearned - (b - a) / b) == 0
    assert sp.simplify(r.rate_power + (b - 1) / (2 * b - 1)) == 0
    assert sp.simplify(r.division - b / (2 * b - 1)) == 0
    # removed: 1 - w0 and the bulk's deficit (b - a)/(2b) (theory.plateau_deficit)
    assert r.omegas(3, 3.5) == (
        [pytest.approx(1 / 12), pytest.approx(1 / 14)],
        [pytest.approx(1 / 7)],
    )


def _closed_form(Ts, C, w0):
    """``Lambda`` solving ``Lambda = C (T - Lambda)^w0`` at each ``T`` (brentq, independent of
    the SymPy derivation)."""
    return np.array([brentq(lambda L, T=T: L - C * (T - L) ** w0, 0.0, T) for T in Ts])


def test_closed_form_is_flat_against_log_tau_and_tilted_against_log_T():
    Ts = np.logspace(4, 12, 17)
    C = 0.6 * 1e4 ** (1 - W0)  # x = Lambda/T ~ 0.35 .. 0.08 over the range
    lam = _closed_form(Ts, C, W0)
    s_tau = np.diff(np.log(lam)) / np.diff(np.log(Ts - lam))
    np.testing.assert_allclose(s_tau, W0, atol=1e-10)
    s_T = np.diff(np.log(lam)) / np.diff(np.log(Ts))
    tilt = window_realised_time().slope_in_T.subs(MODEL.subs())
    x_mid = np.sqrt(lam[1:] * lam[:-1] / (Ts[1:] * Ts[:-1]))
    pred = np.array([float(tilt.subs(window_realised_time().x, xm)) for xm in x_mid])
    np.testing.assert_allclose(s_T, pred, atol=2e-4)  # a secant against a point slope
    assert np.all(s_T - W0 > 1e-3)


def test_the_unlearned_modes_noise_against_the_bias_on_the_mode_sums():
    """``K(2 tau)`` (the derivative of ``int_tau^oo K(2v) dv``) over ``B'(tau)``, both summed over
    the modes: its local slope in ``log tau`` tends to ``-(b - a)/b``."""
    av, bv = 3.0, 3.5
    k = np.arange(1, 200_001, dtype=float)
    lam = k**-bv
    taus = np.logspace(6, 9, 7)
    ratio = [np.sum(lam**2 * np.exp(-4 * lam * t)) / np.sum(2 * lam * k**-av * np.exp(-2 * lam * t))
             for t in taus]  # fmt: skip
    slopes = np.diff(np.log(ratio)) / np.diff(np.log(taus))
    nu = float(window_realised_time().unlearned.subs({a: av, b: bv}))
    np.testing.assert_allclose(slopes, -nu, atol=2e-3)


def test_the_divided_share_is_the_mode_sums():
    """``R(tau) = eta (sigma^2/m) K(2 tau) / (-B'(tau))`` of the engine against the mode sums
    ``K(F) = sum lambda^2 e^(-lambda F)``, ``B(tau) = sum k^-a e^(-2 lambda tau)``, summed here."""
    av, bv, rate = 3.0, 3.5, 0.645
    model = PLRFModel(av, bv, n_modes=10**12)
    r = window_realised_time()
    k = np.arange(1, 200_001, dtype=float)
    lam = k**-bv
    for tau in (1e7, 1e8, 1e9):
        K = np.sum(lam**2 * np.exp(-2 * lam * tau))
        dB = np.sum(2 * lam * k**-av * np.exp(-2 * lam * tau))
        R = rate * model.sigma**2 / model.batch * K / dB
        expect = (1 - R) ** (bv / (2 * bv - 1))  # the binding noise ~ W^-(b-1)/b: 1/(1-q)
        assert r.unlearned_factor(model, tau, rate) == pytest.approx(expect, rel=1e-6)
        assert 1e-4 < R < 1e-2  # the size it has at the default sweep's horizons


def test_the_rate_factor_brings_a_window_to_the_cap():
    """A window at fixed ``tau_T`` scales as ``eta_p^gamma``; the factor is ``(eta_p/cap)^-gamma``:
    two windows that differ only by their starting rate read the same after it."""
    model = PLRFModel(3.0, 3.5, n_modes=10**12)
    r = window_realised_time()
    gamma = -(3.5 - 1) / (2 * 3.5 - 1)
    for rate in (0.62, 0.645):
        W = 1e6 * (rate / 0.656) ** gamma
        assert W * r.rate_factor(model, rate, 0.656) == pytest.approx(1e6, rel=1e-12)


def _window_optimum(T, W, delta=6.0, eta_max=2.0, per_window=400):
    """A plateau at ``eta_max`` then ``eta_max ((T - t)/W)^delta`` over the last ``W`` steps, as
    cell means on a grid self-similar in ``W`` (so a readout's grid error is the same at every
    ``T``); the result carries ``eta`` and ``t`` as a solver's does."""
    edges = np.linspace(0.0, 1.0, per_window + 1) ** 2  # fine near the end, in units of W
    rem = np.concatenate([[T], W * edges[::-1]])  # T - t, from the start to the end
    t = T - rem
    lo, hi = rem[1:], rem[:-1]  # each cell's remaining steps
    inside = np.minimum(hi, W)
    mass = eta_max * np.clip(hi - W, 0.0, None) + eta_max * (inside ** (delta + 1) - np.minimum(
        lo, W) ** (delta + 1)) / ((delta + 1) * W**delta)  # fmt: skip
    return SimpleNamespace(eta=mass / (hi - lo), t=t)


def test_the_readout_is_flat_against_the_realised_time():
    """Synthetic optima whose lost intrinsic time is exactly ``C (T - Lambda)^w0``: the half-level
    lost time against ``log tau_T`` (``realised_variable``) has slope ``w0``; against ``log T``
    the derived tilt. A readout against ``log T`` (the mutant) fails the first."""
    delta, model = 6.0, PLRFModel(3.0, 3.5, n_modes=10**12)
    Ts = [float(T) for T in np.logspace(5, 11, 13)]
    lam = _closed_form(Ts, 0.5 * 1e5 ** (1 - W0), W0)  # lost intrinsic time, in steps
    W = lam * (delta + 1) / delta  # the window that loses it
    sol = {T: _window_optimum(T, w, delta, model.eta_max) for T, w in zip(Ts, W, strict=True)}
    taus, diag = realised_variable(model, sol, Ts)
    np.testing.assert_allclose(taus, model.eta_max * (np.array(Ts) - lam), rtol=1e-10)
    np.testing.assert_allclose(diag["lost_share"], lam / np.array(Ts), rtol=1e-6)
    y = np.array([lost_time(sol[T], T) for T in Ts])
    np.testing.assert_allclose(y / W, 0.5 ** (1 / delta) * delta / (delta + 1), rtol=1e-4)
    s_tau = np.diff(np.log(y)) / np.diff(np.log(taus))
    np.testing.assert_allclose(s_tau, W0, atol=2e-5)
    s_T = np.diff(np.log(y)) / np.diff(np.log(Ts))
    x = np.sqrt(lam[1:] * lam[:-1] / np.array(Ts[1:]) / np.array(Ts[:-1]))
    np.testing.assert_allclose(s_T, W0 / (1 - x * (1 - W0)), atol=2e-4)
    assert min(s_T - W0) > 2e-3  # the tilt the realised time removes is visible
    assert diag["removed_omegas"] == [pytest.approx(1 / 12), pytest.approx(1 / 14)]
    assert diag["added_omegas"] == []  # the unlearned modes' noise is divided, not listed
    assert all(0.9 < f < 1 for f in diag["unlearned_factor"])  # R ~ 1e-2 at tau ~ 1e5


def test_realised_time_is_the_integral_of_the_rate():
    res = _window_optimum(1e6, 1e5)
    assert realised_time(res, 1e6) == pytest.approx(2.0 * (1e6 - 1e5 * 6 / 7), rel=1e-12)
    assert math.isfinite(realised_time(SimpleNamespace(eta=np.ones(10)), 10.0))
