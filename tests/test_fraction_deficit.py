"""The annealing fraction with the plateau's deficit divided out (benchmarks/results/claims.md,
2026-12-02s23 (frac23)).

The fraction is read against ``log T``, so it carries the plateau's deficit below the cap through
the realised time and the window's rate response, a correction ``T^-(b-a)/(2b)`` within 0.012 of
its own ``1 - w0`` at (3, 3.5): listed as a second power it left the interval unbounded in practice
(+-0.85). It is divided out with each optimum's own deficit instead
(:func:`solvers.claims.window_layer.deficit_factor`). The stand-in optima below have the derived
structure with known parts: a plateau ``cap (1 - eps(u))``, ``eps = A T^-(b-a)/(2b)
(1-u)^-(2b-1)/(2b)``, and a window of width ``W = C tau_T^w0 eta_p^gamma`` solved exactly, so the
fraction's limit is ``w0 - 1`` and the deficit's share of each local slope is known by
construction (the same stand-in with ``A = 0``).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from theory import PLRFModel, derive_corrections, derive_scaling_laws, plateau_deficit
from theory.symbols import a, b

AB = (3.0, 3.5)
CAP = 0.66
#: The stand-ins' deficit amplitude and window constant: eps_bar 2-7 %, W/T 0.02-0.2 over
#: 1e4 .. 1e15, the deficit's share of the undivided slope 6-7e-4 (the optima at (3, 3.5): +0.001
#: at 1e15, +0.006 at 1e7; claims.md 2026-12-02s22 (frac22) section 2).
AMPLITUDE, WINDOW_C = 0.1, 0.5
HORIZONS = np.geomspace(1e4, 1e15, 23)


def _standin(model: PLRFModel, T: float, amplitude: float) -> SimpleNamespace:
    """A plateau ``cap (1 - eps(u))`` (its first 1 % at the cap) to ``T - 3W``, then the window
    ``eta_p min(1, (s/W)^(2b-1))`` (``s`` the steps left, on nodes at fixed multiples of ``W``),
    ``eta_p`` the bulk's largest rate, ``W = C tau_T^w0 eta_p^gamma`` by fixed point."""
    av, bv = model.a, model.b
    e, p = (bv - av) / (2 * bv), (2 * bv - 1) / (2 * bv)
    w0, gamma = (av + bv - 1) / (2 * bv - 1), -(bv - 1) / (2 * bv - 1)
    W = 0.01 * T
    for _ in range(200):
        un = np.append((u := np.linspace(0.0, 1.0, 401))[u < 1 - 3 * W / T], 1 - 3 * W / T)
        um = 0.5 * (un[1:] + un[:-1])
        eps = np.minimum(amplitude * T**-e * (1 - um) ** -p, 0.5)
        plateau = np.where(um < 0.01, CAP, CAP * (1 - eps))
        eta_p = float(plateau[um >= 0.05].max())
        s = W * np.geomspace(3.0, 1e-6, 1201)
        window = eta_p * np.minimum(1.0, (np.sqrt(s[1:] * s[:-1]) / W) ** (2 * bv - 1))
        t = np.concatenate([un * T, T - s[1:], [T]])
        eta = np.concatenate([plateau, window, window[-1:]])
        W, W_old = WINDOW_C * float(eta @ np.diff(t)) ** w0 * eta_p**gamma, W
        if abs(W / W_old - 1) < 1e-14:
            return SimpleNamespace(t=t, eta=eta)
    raise RuntimeError("stand-in: the window's fixed point did not converge")


def _slopes(model, amplitude, divided: bool) -> np.ndarray:
    from solvers.analysis.extrapolate import local_slope_sequence
    from solvers.claims.readouts import lost_time
    from solvers.claims.window_layer import deficit_factor

    ys = []
    for T in HORIZONS:
        res = _standin(model, T, amplitude)
        ys.append(lost_time(res, T) / T * (deficit_factor(model, res, T) if divided else 1.0))
    return local_slope_sequence(HORIZONS, np.array(ys))[1]


@pytest.fixture(scope="module")
def slopes():
    model = PLRFModel(*AB, n_modes=10**12)
    return {
        "free": _slopes(model, 0.0, True),
        "divided": _slopes(model, AMPLITUDE, True),
        "undivided": _slopes(model, AMPLITUDE, False),
    }


def _decay_exponent(d: np.ndarray) -> float:
    """The effective exponent of ``d ~ x^-omega`` between the sweep's first and last slopes."""
    x = np.sqrt(HORIZONS[1:] * HORIZONS[:-1])
    return math.log(d[0] / d[-1]) / math.log(x[-1] / x[0])


def test_the_division_leaves_only_the_fractions_own_correction(slopes):
    """Divided, the deficit's part of the slopes (against the deficit-free stand-in) decays like
    ``T^-(1-w0)``: the deficit near the window, ``T^-(b-a)/(2b) (W/T)^(1/(2b))``, the lost
    share's term that the row lists. Undivided it is the deficit's ``T^-(b-a)/(2b)`` times the
    slowly falling ``eps_bar``: it does not decay over the sweep (the stand-in has a deficit)."""
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    w = 1 - float(w0.subs({a: AB[0], b: AB[1]}))
    left = slopes["divided"] - slopes["free"]
    assert np.all(left < 0) and abs(_decay_exponent(-left) / w - 1) <= 0.2, left
    carried = slopes["undivided"] - slopes["free"]
    assert np.all(carried > 3e-4) and _decay_exponent(carried) < 0.5 * w, carried


def test_the_divided_readout_is_the_window_at_the_plateaus_own_share_of_the_cap():
    """The stand-in's ``W = C tau_T^w0 eta_p^gamma`` exactly and its lost time ``Lambda`` a fixed
    multiple of ``W``: the divided readout is ``T^(w0-1) (tau_T / (cap T (1 - eps_bar)))^w0``
    times a constant, ``tau_T`` the stand-in's own integral (no part of the factor's exponents
    or of its two readings may differ)."""
    from solvers.claims.readouts import lost_time
    from solvers.claims.window_layer import deficit_factor, plateau_mean_deficit

    model = PLRFModel(*AB, n_modes=10**12)
    w0 = float(derive_scaling_laws().hard["anneal_window_exponent"].expr.subs({a: AB[0], b: AB[1]}))
    logs = []
    for T in HORIZONS[::4]:
        res = _standin(model, T, AMPLITUDE)
        y = lost_time(res, T) / T * deficit_factor(model, res, T)
        tau = float(res.eta @ np.diff(res.t))
        share = tau / (CAP * T * (1 - plateau_mean_deficit(res, T)))
        logs.append(math.log(y) - (w0 - 1) * math.log(T) - w0 * math.log(share))
    assert np.ptp(logs) < 1e-9, np.ptp(logs)


@pytest.mark.parametrize("last", [1e12, 1e15])
def test_the_divided_fraction_holds_its_limit_and_rejects_a_shift(last, slopes):
    """The row's list and fit on the divided stand-in's slopes to ``last``: the interval holds
    ``w0 - 1`` and excludes ``w0 - 1 +- 0.02``."""
    from solvers.analysis.extrapolate import extrapolate_sequence
    from solvers.claims import CLAIMS
    from solvers.claims.core import claim_omegas
    from solvers.claims.window_layer import WINDOW_FIT

    model = PLRFModel(*AB, n_modes=10**12)
    x = np.sqrt(HORIZONS[1:] * HORIZONS[:-1])
    keep = x <= last
    omegas = claim_omegas(CLAIMS["hard annealing fraction"], model)
    e = extrapolate_sequence(x[keep], slopes["divided"][keep], omegas=omegas, options=WINDOW_FIT)
    truth = -0.5 / 6  # w0 - 1 = -(b-a)/(2b-1)
    assert e.contains(truth) and not e.contains(truth - 0.02) and not e.contains(truth + 0.02)


def test_the_fraction_lists_the_window_terms_with_the_deficit_divided():
    """The fraction's list is the window's: the deficit's entry is divided out by the readout
    (no exponent) and no power of ``(b-a)/(2b)`` is listed; the peak rate keeps its powers."""
    hard = derive_corrections()["hard"]
    frac, win = hard["anneal_fraction_exponent"], hard["anneal_window_exponent"]
    assert [t.omega for t in frac.terms] == [t.omega for t in win.terms]
    (entry,) = [t for t in frac.terms if t.mechanism.startswith("plateau below the rate cap")]
    assert entry.form == "divided out by the readout" and entry.omega is None
    w = plateau_deficit().exponents(*AB)["exponent"]
    assert not any(math.isclose(x, w) for x in frac.omegas(*AB))
    assert any(math.isclose(x, w) for x in hard["peak_rate"].omegas(*AB))


#: The window of the stand-ins below: ``bulk ((1-u)/WIDTH)^DELTA`` over the last ``WIDTH`` of the
#: run, so the lost time at half the peak is ``WIDTH 0.5^(1/DELTA) DELTA/(DELTA+1)`` of ``T``.
WIDTH, DELTA = 0.1, 6.0


def _plateau(T, bulk):
    """A stand-in optimum: the first 1 % at the cap, a bulk at ``bulk``, the window's power over
    the last ``WIDTH``."""
    t = np.linspace(0.0, T, 4001)
    u = 0.5 * (t[1:] + t[:-1]) / T
    eta = np.where(u < 0.01, CAP, bulk)
    return SimpleNamespace(t=t, eta=eta * np.minimum(1.0, ((1 - u) / WIDTH) ** DELTA))


def test_the_plateau_mean_deficit_against_its_closed_form():
    """1 % at the cap, then ``bulk``: up to ``T_p = T - 2 x lost time``, on the plateau,
    ``eps_bar = (1 - bulk/cap)(T_p - 0.01 T)/T_p``."""
    from solvers.claims.window_layer import PLATEAU_END, plateau_mean_deficit

    T, bulk = 1e9, CAP * 0.97
    end = 1 - PLATEAU_END * WIDTH * 0.5 ** (1 / DELTA) * DELTA / (DELTA + 1)
    want = 0.03 * (end - 0.01) / end
    assert math.isclose(plateau_mean_deficit(_plateau(T, bulk), T), want, rel_tol=1e-4)
