"""The hard plateau's deficit below the stability limit (theory.plateau_deficit).

Default suite: the derivation by substitution, its asymptotics against direct mode sums, and
the pointwise-versus-constant balance minimised numerically on its own closed-form costs.
Slow: the deficit of real continuum optima against the derived amplitude and exponent.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from theory import derive_scaling_laws, plateau_deficit
from theory.symbols import a, b

POINTS = [(1.5, 3.0), (2.0, 3.0), (3.0, 3.5), (1.2, 4.0)]


def test_the_stationary_deficit_solves_the_pointwise_balance():
    d = plateau_deficit()
    eps, G, n0, S1, D, eta = sp.symbols("epsilon G n_0 S' D eta_s", positive=True)
    cost = D * eta * eps + G * n0 / (S1 * eta * eps)
    at = sp.sqrt(d.square)
    assert sp.simplify(sp.diff(cost, eps).subs(eps, at)) == 0
    assert sp.simplify(sp.diff(cost, eps, 2).subs(eps, at)).is_positive
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    assert sp.simplify(d.exponent - (b - a) / (2 * b)) == 0
    assert sp.simplify(d.naive - (1 - w0) / 2) == 0
    assert sp.simplify(d.exponent - d.naive) != 0  # the naive balance is not the optimum's


@pytest.mark.parametrize("ab", POINTS)
def test_the_exponents_against_direct_mode_sums(ab):
    """-B'(tau) and the surviving noise K(v), summed mode by mode, decay with the powers the
    derivation uses: their log-slopes between v = 1e7 and 1e9 give the deficit's exponent."""
    av, bv = ab
    k = np.arange(1, 1_000_001, dtype=float)
    lam = k**-bv

    def slope(f, x1=1e7, x2=1e9):
        return np.log(f(x2) / f(x1)) / np.log(x2 / x1)

    d_bias = slope(lambda t: np.sum(2 * lam * k**-av * np.exp(-2 * lam * t)))
    surviving = slope(lambda v: np.sum(lam**2 * np.exp(-2 * lam * v)))
    ex = plateau_deficit().exponents(av, bv)
    assert -(surviving - d_bias) / 2 == pytest.approx(ex["exponent"], abs=2e-3)
    assert surviving / 2 == pytest.approx(ex["profile"], abs=2e-3)
    assert 0 < ex["relaxation"] < 1  # quasi-stationary: the feedback relaxes within T


def _optimal_deficit(T, ab, pointwise, u=0.05, n=400):
    """Minimise the balance's cost numerically: per node (pointwise) or one deficit for the
    whole plateau (constant), with G ~ (T (1 - u))^(1/b - 2), -B' ~ T^-(a-1)/b-1, the plateau
    ending W = T^w0 before T. Returns the deficit at ``u``."""
    av, bv = ab
    w0 = float(derive_scaling_laws().hard["anneal_window_exponent"].expr.subs({a: av, b: bv}))
    uu = 1.0 - np.geomspace(1.0, T ** (w0 - 1.0), n)  # resolves the plateau's last stretch
    G = (T * (1.0 - uu)) ** (1.0 / bv - 2.0)
    D = T ** (-(av - 1.0) / bv - 1.0)
    if pointwise:
        return float(np.interp(u, uu, [minimize_scalar(
            lambda e, g=g: D * e + g / e, bounds=(1e-12, 1.0), method="bounded",
            options={"xatol": 1e-14}).x for g in G]))  # fmt: skip
    res = minimize_scalar(lambda e: T * np.trapezoid(D * e + G / e, uu), bounds=(1e-12, 1.0),
                          method="bounded", options={"xatol": 1e-14})  # fmt: skip
    return float(res.x)


@pytest.mark.parametrize("ab", [(1.5, 3.0), (2.0, 3.0)])
def test_a_numerical_minimisation_gives_the_pointwise_exponent_not_the_naive(ab):
    ex = plateau_deficit().exponents(*ab)
    Ts = (1e8, 1e10)
    for pointwise, want in ((True, ex["exponent"]), (False, ex["naive"])):
        e1, e2 = (_optimal_deficit(T, ab, pointwise) for T in Ts)
        got = -np.log(e2 / e1) / np.log(Ts[1] / Ts[0])
        assert got == pytest.approx(want, abs=0.01), (pointwise, got, want)


# ---------------------------------------------------------------------------------------------
# real continuum optima (slow)
# ---------------------------------------------------------------------------------------------

SLOW_POINT = (2.0, 3.0)
SLOW_T = (1e5, 1e6, 1e7)
# measured (2, 3) source-divided slopes at u = 0.05 (claims.md 2026-12-02s21): 0.1706, 0.1698
# against 1/6; 0.1702-0.1690 at 1e4..1e8: the drift stays below 0.004, half the tolerance
SLOPE_TOL = 0.008
# measured / predicted at u = 0.05 and 0.2: 0.997-1.013 at T = 1e5..1e8 (claims.md)
AMPLITUDE_TOL = 0.03


@pytest.fixture(scope="module")
def optima(tmp_path_factory):
    from benchmarks.plateau_deficit import table
    from solvers.control import solve_continuum
    from theory import PLRFModel

    model = PLRFModel(a=SLOW_POINT[0], b=SLOW_POINT[1], sigma=0.5, batch=1, n_modes=10**9)
    paths = []
    for T in SLOW_T:
        res = solve_continuum(model, T)
        assert res.success, res.message
        path = tmp_path_factory.mktemp("plateau") / f"opt_{T:.0e}.npz"
        res.save(path)
        paths.append(str(path))
    return table(paths, us=(0.05, 0.2))


def check_slopes(slopes, exponent, tol=SLOPE_TOL):
    """Every local slope within ``tol`` of ``exponent``."""
    return bool(np.all(np.abs(np.asarray(slopes) - exponent) <= tol))


@pytest.mark.slow
def test_the_optima_hold_the_derived_amplitude(optima):
    for T, _, cells in optima["rows"]:
        for u, (measured, predicted) in cells.items():
            assert measured / predicted == pytest.approx(1.0, abs=AMPLITUDE_TOL), (T, u)


@pytest.mark.slow
def test_the_optima_decay_with_the_derived_exponent_and_not_the_naive(optima):
    ex = plateau_deficit().exponents(*SLOW_POINT)
    assert check_slopes(optima["divided"], ex["exponent"])
    assert not check_slopes(optima["divided"], ex["naive"])  # (1 - w0)/2
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr.subs(
        {a: SLOW_POINT[0], b: SLOW_POINT[1]})  # fmt: skip
    assert not check_slopes(optima["divided"], float(1 - w0))  # the lead's W/T reading
