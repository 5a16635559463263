"""The easy phase's end-of-run boundary layer: its derivation, its shift D(b), and the xi/delta
readouts that divide it out of real optima (theory._easy_layer, solvers.claims.easy_layer)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

from theory import PLRFModel, derive_scaling_laws, easy_end_layer
from theory._easy_layer import _shift
from theory.symbols import a, b


@pytest.fixture(scope="module")
def layer():
    return easy_end_layer()


def test_outer_shape_and_amplitude_are_the_derived_laws(layer):
    """The constant Hamiltonian's outer schedule has the derived delta; the amplitude's power of
    1 + y is 2b (1 - 1/(2a)); the kernel constant is Gamma(2 - 1/b)/b (docs/theory.md §1)."""
    laws = derive_scaling_laws().easy
    assert sp.simplify(layer.outer_exponent - laws["delta"].expr) == 0
    assert sp.simplify(layer.amplitude_exponent - 2 * b * (1 - 1 / (2 * a))) == 0
    assert sp.simplify(layer.kernel_constant - sp.gamma(2 - 1 / b) / b) == 0
    # A U^(1/(2b)) is the integral of sqrt(K_oo(2U)): its derivative is sqrt(kappa (2U)^-(2-1/b))
    U = sp.Symbol("U", positive=True)
    lhs = sp.diff(layer.outer_coef * U ** (1 / (2 * b)), U)
    rhs = sp.sqrt(layer.kernel_constant * (2 * U) ** (-(2 - 1 / b)))
    assert abs(float((lhs / rhs).subs({b: 2.7, U: 3.1})) - 1) < 1e-12


def _shift_brute(b_val: float) -> float:
    """D(b) by brute force: the mode sum to 2e5 terms (no tail formula), scipy's quad, and the
    limit of int_0^U sqrt(K) - A U^(1/(2b)) read at a large U (an independent route)."""
    ks = np.arange(1, 200_000, dtype=float)
    lam = ks**-b_val

    def K(F):
        return float(np.sum(lam**2 * np.exp(-F * lam)))

    A = float(easy_end_layer().outer_coef.subs(b, b_val))
    U_big = 2e3
    pts = [1e-6, 1e-3, 1, 10, 100]
    head = sum(
        quad(lambda U: math.sqrt(K(2 * U)), lo, hi, limit=200)[0]
        for lo, hi in zip([0, *pts], [*pts, U_big], strict=True)
    )
    return head - A * U_big ** (1 / (2 * b_val))


@pytest.mark.parametrize("b_val", [2.0, 3.5])
def test_shift_converges_and_matches_a_brute_force_route(layer, b_val):
    D = layer.shift(b_val)
    assert D < 0  # the rate ends on a floor: the outer power's zero lies past T
    assert abs(_shift(b_val, layer, 128) - D) < 1e-7  # the quadrature has converged
    assert abs(_shift_brute(b_val) - D) < 1e-5  # measured: 3.4e-8 (b = 2), 3.6e-7 (3.5)


@pytest.fixture(scope="module")
def optima():
    """Continuum optima at (3, 2) (the default validate model) at T = 1e6 and 1e7."""
    from solvers.control.continuum import solve_continuum

    model = PLRFModel(3, 2, sigma=0.5, batch=1.0, n_modes=10**12)
    r6 = solve_continuum(model, 1e6)
    return model, {1e6: r6, 1e7: solve_continuum(model, 1e7, initial=r6)}


def _divided(model, res, T, scale=1.0):
    from solvers.claims.catalog import XI_WINDOW
    from solvers.claims.easy_layer import divided_shape_exponent, layer_epsilon, layer_factor
    from solvers.claims.readouts import window_mean_rate

    eps = scale * layer_epsilon(model, res, T)
    mean = window_mean_rate(res, T, *XI_WINDOW)
    return divided_shape_exponent(res, T, eps), mean / layer_factor(model, eps, XI_WINDOW)


def test_dividing_the_layer_out_of_real_optima(optima):
    """delta at T = 1e7 reads 2.59 raw and 3.00 divided (predicted 2b - 1 = 3); xi's local slope
    over 1e6 .. 1e7 reads 0.349 raw and 0.334 divided (1/3). A wrong amplitude (D x 2, D x 0.5)
    leaves delta more than 0.03 and xi more than 0.002 off."""
    from solvers.claims.easy_layer import divided_shape_exponent

    model, sol = optima
    raw = divided_shape_exponent(sol[1e7], 1e7, 0.0)
    assert abs(raw - 3) > 0.3
    for scale, ok in ((1.0, True), (2.0, False), (0.5, False)):
        (_, m6), (d7, m7) = (_divided(model, sol[T], T, scale) for T in (1e6, 1e7))
        xi = -math.log(m7 / m6) / math.log(10)
        assert (abs(d7 - 3) < 0.005) == ok, (scale, d7)
        assert (abs(xi - 1 / 3) < 0.002) == ok, (scale, xi)
        if not ok:
            assert abs(d7 - 3) > 0.03 and abs(xi - 1 / 3) > 0.002


def test_a_schedule_without_the_floor_is_read_raw(optima):
    """The division needs the layer: an optimum's end rate times zeta(2b)^(1/2) is its mid-run
    eta K(2U)^(1/2) (ratio 1.0-1.4); with the last 1 % of the run cut to the outer power's zero
    (no floor, as a stand-in of the outer form has) eps is 0 and the readouts are the raw ones."""
    from dataclasses import replace

    from solvers.claims.easy_layer import FLOOR_MATCH, layer_epsilon

    model, sol = optima
    r = sol[1e7]
    assert layer_epsilon(model, r, 1e7) < 0
    t = np.asarray(r.t)
    mid = 0.5 * (t[1:] + t[:-1])
    cut = np.where(mid > 0.99 * 1e7, np.asarray(r.eta) * ((1e7 - mid) / 1e7) ** 3, r.eta)
    assert cut[-1] * FLOOR_MATCH < r.eta[-1] / 1e3
    assert layer_epsilon(model, replace(r, eta=cut), 1e7) == 0.0
