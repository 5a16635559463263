"""The hard window's end-of-run boundary layer (theory.window_end_layer), divided out of the window
claims' lost time (solvers/claims/window_layer.py): its exponent against the window balance's own
subleading term, the vanishing first-order response of the width, and the shift D(b)/c against
real optima, where a wrong amplitude (D x 2, D / 2, -D) or a wrong exponent fails."""

import math

import numpy as np
import pytest
import sympy as sp

from solvers import continuum_context
from solvers.claims.catalog import optimal_sweep
from solvers.claims.readouts import ANNEAL_LEVEL, _integral, lost_time
from solvers.claims.validate import horizons
from solvers.claims.window_layer import (
    LAYER_SLOPE_SHARE,
    divided_lost_time,
    layer_bound,
    layer_shift,
    window_readouts,
)
from theory import (
    PLRFModel,
    derive_corrections,
    derive_scaling_laws,
    easy_end_layer,
    window_end_layer,
)
from theory.symbols import a, b

HARD = PLRFModel(1.5, 3.0, n_modes=10**6)
TS = horizons(100, 3e4, 7)


def _sweep(tmp_path_factory, name, model, Ts):
    """Continuum optima of ``model`` over ``Ts`` (16 exact modes) in a fresh cache."""
    ctx = continuum_context(
        cache_dir=tmp_path_factory.mktemp(name), solver_options={"exact_modes": 16}
    )
    return optimal_sweep(model, Ts, ctx)


@pytest.fixture(scope="module")
def optima(tmp_path_factory):
    return _sweep(tmp_path_factory, "optima", HARD, TS)


def test_the_layer_exponent_is_the_window_balances_subleading_term():
    """r omega_0 (the layer's relative shift D/(cW), c ~ U_W^-(1 - 1/(2b))) equals the gap of the
    window balance's final-noise term (theory._corrections: the subleading terms of
    _derive_window at the derived width), an independent route; 1/b instead of 1/(2b) fails."""
    from theory._corrections import _window_boundary_layer

    layer = window_end_layer()
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    (gap,) = [t.omega for t in _window_boundary_layer() if t.mechanism.startswith("end-of-run")]
    assert sp.simplify(layer.omega(w0) - gap) == 0
    assert sp.simplify(layer.rate_exponent + 1 - 1 / (2 * b)) == 0
    for a_val, b_val in ((1.2, 4), (1.5, 3), (2.5, 3.2)):
        pt = {a: a_val, b: b_val}
        assert float(gap.subs(pt)) != pytest.approx(float((w0 / b).subs(pt)), rel=1e-3)


def test_the_widths_first_order_response_vanishes_with_dL_dT_equal_to_H():
    """The first-order response is zero because dL*/dT = H = -(n/m) c^2; with the plateau's bias
    rate at the window's start (-2 (n/m) c^2) or without the horizon term it is not."""
    layer = window_end_layer()
    assert layer.first_order_amplitude == 0
    U, C, nu, D = sp.symbols("U C nu D", positive=True)
    c = C * U**layer.rate_exponent
    L_T = sp.Symbol("L_T")  # dL/dT, a number at the optimum while U_W varies
    grad = sp.diff(L_T * (-D / c) + nu * D * c, U)
    assert sp.simplify(grad.subs(L_T, -nu * c**2)) == 0
    for wrong in (-2 * nu * c**2, 0):
        assert sp.simplify(grad.subs(L_T, wrong)) != 0


def test_the_window_rows_divide_the_layer_and_keep_its_second_order():
    corr = derive_corrections()["hard"]
    for name in ("anneal_window_exponent", "anneal_fraction_exponent"):
        terms = corr[name].terms
        (t,) = [t for t in terms if t.mechanism == "end-of-run boundary layer of the window"]
        assert t.form == "divided out by the readout" and t.omega is None
        (s,) = [t for t in terms if t.mechanism == "second order of the window's boundary layer"]
        w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
        assert sp.simplify(s.omega - w0 / b) == 0
    # (1.5, 3): 2 x 7/60, the lost intrinsic time's 0.3, the source residual 1/6 + 0.3
    assert corr["anneal_window_exponent"].omegas(1.5, 3) == pytest.approx([7 / 30, 0.3, 7 / 15])


def _shift_read_from_the_schedule(res, T, b_val, kernel_at_zero, A):
    """``c s - A U^(1/(2b))`` along the window's lower part (``1 <= U <= 30``, where ``K`` is its
    power law and the rate is far below the cap): the layer's shift read from the schedule
    itself, not from the claim's readout."""
    c = float(res.eta[-1]) * math.sqrt(kernel_at_zero)
    F, lam = _integral(res, T), lost_time(res, T)
    s = np.geomspace(1e-3 * lam, lam, 200)
    U = F(T) - F(T - s)
    keep = (U >= 1) & (U <= 30)
    return c * s[keep] - A * U[keep] ** (1 / (2 * b_val))


def test_the_optimum_ends_on_the_derived_layer(optima):
    """On real optima (1.5, 3), T = 1e3 .. 3e4: c s - A U^(1/(2b)) sits at the derived D(3)
    (the easy layer's quadrature) to 10 %; D x 2, D / 2 and -D are >= 40 % off."""
    lay = easy_end_layer()
    D, k0 = lay.shift(HARD.b), lay.kernel(HARD.b, 0.0)
    A = float(lay.outer_coef.subs(b, HARD.b))
    checked = 0
    for T in TS[2:]:
        read = _shift_read_from_the_schedule(optima[T], T, HARD.b, k0, A)
        if read.size < 5:
            continue
        checked += 1
        med = float(np.median(read))
        assert med == pytest.approx(D, rel=0.1), (T, med, D)
        for wrong in (2 * D, D / 2, -D):
            assert abs(med - wrong) > 0.4 * abs(D), (T, med, wrong)
    assert checked >= 2


def test_the_readout_adds_the_layers_steps_back(optima):
    """divided_lost_time is the lost time plus |D|/c steps (c from the end rate); a schedule
    without the layer's floor (its end rate far from eta K(2U)^1/2 inside) is read raw."""
    from dataclasses import replace

    lay = easy_end_layer()
    T = TS[-1]
    res = optima[T]
    c = float(res.eta[-1]) * math.sqrt(lay.kernel(HARD.b, 0.0))
    assert layer_shift(HARD, res, T) == pytest.approx(lay.shift(HARD.b) / c, rel=1e-12)
    assert divided_lost_time(HARD, res, T) == pytest.approx(
        lost_time(res, T) - lay.shift(HARD.b) / c, rel=1e-12
    )
    eta = np.array(res.eta, float)
    eta[-1] *= 100.0  # no floor: the end rate 100x the layer's
    assert layer_shift(HARD, replace(res, eta=eta), T) == 0.0


# -- the fit rule: the divided readout only where the layer is a perturbation (PROTOCOL.md of
# benchmarks/results/window_2026-12-01) --------------------------------------------------------


def test_the_layers_second_order_moves_a_slope_by_minus_two_w_eps_squared():
    """SymPy's -2 against a finite difference of log(1 + eps^2), eps = E T^-w (1/2 or -1 in its
    place are >= 40 % off), and the bound it gives at (2, 2.6): (rho/(2w))^(1/2)."""
    lay = window_end_layer()
    assert lay.second_order_slope == -2
    w, E = 0.165, 0.05
    f = lambda x: math.log(1 + (E * math.exp(-w * x)) ** 2)  # noqa: E731  (x = log T)
    x, h = math.log(1e4), 1e-4
    eps2 = (E * math.exp(-w * x)) ** 2
    slope = (f(x + h) - f(x - h)) / (2 * h)
    assert slope == pytest.approx(float(lay.second_order_slope) * w * eps2, rel=1e-3)
    for wrong in (-1.0, -0.5):
        assert abs(slope - wrong * w * eps2) > 0.4 * abs(slope)
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    pt = {a: 2, b: sp.Rational(13, 5)}
    wv = float(lay.omega(w0).subs(pt))
    assert float(lay.perturbative_bound(w0, 0.005).subs(pt)) == pytest.approx(
        math.sqrt(0.005 / (2 * wv)), rel=1e-12
    )


RULE = PLRFModel(2.0, 2.6, n_modes=10**9)
TS_RULE = horizons(100, 1e8, 13)


@pytest.fixture(scope="module")
def optima_rule(tmp_path_factory):
    return _sweep(tmp_path_factory, "optima_rule", RULE, TS_RULE)


def _ratio_slopes(optima, Ts, sign):
    """Local slopes of the lost time with ``sign`` times the layer's shift taken off, over the
    layer-free scale ``Lambda_0.25 - Lambda_0.05``: the layer moves the window's end, so it shifts
    the lost time at every level by the same ``D/c`` and the difference is free of it at first
    order. Where the division holds the ratio is flat (the outer window's shape)."""
    R = []
    for T in Ts:
        res = optima[T]
        lam = {lv: lost_time(res, T, lv) for lv in (0.05, 0.25, ANNEAL_LEVEL)}
        shift = layer_shift(RULE, res, T)
        R.append((lam[ANNEAL_LEVEL] - sign * shift) / (lam[0.25] - lam[0.05]))
    with np.errstate(invalid="ignore"):  # the wrong sign makes small-T ratios negative
        return np.diff(np.log(R)) / np.diff(np.log(Ts))


def test_the_fit_rule_keeps_the_horizons_where_the_layers_second_order_is_small(optima_rule):
    """Real optima at (2, 2.6), T = 1e2 .. 1e8. The bound r = (rho/(2w))^(1/2) (0.123) keeps the
    horizons where the divided lost time's slope, against a scale the layer does not shift, moves
    by <= rho = 0.005 (measured <= 5e-4; a bound 3x too large keeps T = 3.16e3, eps = -0.345,
    where it moves by 0.018). With the shift's sign flipped, or none, it moves by > rho at every
    kept horizon. eps = D/(c Lambda_out) falls like the derived T^-w the bound assumes."""
    r, Ts = layer_bound(RULE), TS_RULE
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    w = float(window_end_layer().omega(w0).subs(RULE.subs()))
    assert r == pytest.approx(math.sqrt(LAYER_SLOPE_SHARE / (2 * w)), rel=1e-12)
    shift = np.array([layer_shift(RULE, optima_rule[T], T) for T in Ts])
    eps = shift / (np.array([lost_time(optima_rule[T], T) for T in Ts]) - shift)
    assert np.all((eps < 0) & (eps > -1))
    assert np.allclose(np.diff(np.log(-eps)) / np.diff(np.log(Ts)), -w, rtol=0.1)
    pairs = lambda bound: (np.abs(eps[:-1]) <= bound) & (np.abs(eps[1:]) <= bound)  # noqa: E731
    kept = pairs(r)
    assert kept.sum() >= 3
    divided = np.abs(_ratio_slopes(optima_rule, Ts, 1.0))
    assert divided[kept].max() <= LAYER_SLOPE_SHARE, divided
    assert divided[pairs(3 * r)].max() > LAYER_SLOPE_SHARE  # a bound 3x too large
    for sign in (-1.0, 0.0):  # the shift with the wrong sign, or not divided
        assert np.abs(_ratio_slopes(optima_rule, Ts, sign))[kept].min() > LAYER_SLOPE_SHARE


def test_the_claims_readout_falls_back_to_the_raw_lost_time_with_too_few_horizons(optima_rule):
    """window_readouts on the same optima: the horizons up to the last |eps| > r are dropped; the
    4 left (3.16e6 .. 1e8) are fewer than a full tail (7), so the raw lost time over every
    horizon is read, with the layer's first order w back in the derived list; with all 13
    horizons kept (a bound of 1) the divided lost times from the first."""
    from solvers.claims import window_layer as wl

    Ts, lost, other, _ = window_readouts(RULE, optima_rule, TS_RULE)
    raw = [lost_time(optima_rule[T], T) for T in TS_RULE]
    assert Ts == list(TS_RULE) and np.allclose(lost, raw, rtol=1e-12)
    assert "layer_fallback" in other and other["layer_fit_from"] is None
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    assert other["added_omegas"] == [
        pytest.approx(float(window_end_layer().omega(w0).subs(RULE.subs())))
    ]
    eps = np.abs(other["layer_epsilon"])
    assert (eps > other["layer_bound"]).sum() == 9 and np.all(eps[9:] <= other["layer_bound"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wl, "layer_bound", lambda model: 1.0)
        Ts, lost, other, _ = window_readouts(RULE, optima_rule, TS_RULE)
    assert other["layer_fit_from"] == TS_RULE[0] and other["layer_dropped"] == []
    assert np.allclose(lost, [divided_lost_time(RULE, optima_rule[T], T) for T in TS_RULE])


def test_a_refined_hard_solve_keeps_the_sweeps_options(monkeypatch, optima):
    """The window's time-grid error re-solves an optimum on a finer grid with the hard sweep's
    own options (its tolerance, polish and anchored grid) and nothing else changed: without them
    a "refined" solve at (1.5, 4) stopped at KKT 1e-9 and moved the window by 3.6e-3 through the
    missing polish, not the grid (claims.md 2026-12-01z). A ``_refined`` that passed only the
    context's ``solver_options`` (empty in a default run) fails here."""
    from solvers.claims import ExperimentContext, easy_layer
    from solvers.claims._hard_sweep import HARD_SWEEP_TOL, window_width_exponent
    from solvers.control import continuum

    seen = {}

    def stub(model, T, initial=None, **options):
        seen.update(options)
        return initial

    monkeypatch.setattr(continuum, "solve_continuum", stub)
    T = TS[-1]
    assert easy_layer._refined(HARD, optima[T], T, ExperimentContext()) is optima[T]
    assert seen["tol"] == HARD_SWEEP_TOL and seen["polish"] is True
    assert seen["anchor_exponent"] == pytest.approx(window_width_exponent(HARD))
    default = continuum.ContinuumOptions()
    assert seen["max_interval"] < default.max_interval and 1 < seen["ratio"] < default.ratio
