"""Brent's scalar methods of solvers.dynamics._brent: closed forms, and SciPy's results exactly.

They replace ``scipy.optimize.brentq`` (the stability limit) and ``minimize_scalar(method=
"bounded")`` (the direct solver's best constant rate) on the study's path, so they must compute
what SciPy computed: the same iterates, hence the same floats and evaluation counts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from solvers.dynamics._brent import brent_bounded, brent_root
from solvers.dynamics.recursion import noise_sum, stability_limit
from theory import PLRFModel


def _roots_family(rng):
    """Functions with one sign change on [-3, 4]: odd powers, shifted even powers, a kink."""
    for _ in range(400):
        c, s, p = rng.uniform(-2, 3), rng.uniform(0.1, 10), int(rng.integers(1, 6))
        yield (lambda x, c=c, s=s, p=p: s * (x - c) ** p - (0.0 if p % 2 else 0.3))
        yield (lambda x, c=c, s=s: math.tanh(s * (x - c)) + 0.1 * (x - c) ** 3)
        yield (lambda x, c=c: math.copysign(abs(x - c) ** 0.5, x - c))


def test_root_closed_forms():
    assert brent_root(lambda x: x * x - 2.0, 0.0, 2.0, xtol=1e-15) == pytest.approx(
        math.sqrt(2.0), abs=2e-15
    )
    # the Dottie number, cos x = x
    x = brent_root(lambda x: math.cos(x) - x, 0.0, 1.0, xtol=1e-15)
    assert abs(math.cos(x) - x) < 1e-15 and x == pytest.approx(0.7390851332151607, abs=1e-15)
    assert brent_root(lambda x: x - 1.0, 1.0, 3.0) == 1.0  # a zero at the end of the bracket


def test_root_is_scipys_brentq_bit_for_bit():
    rng = np.random.default_rng(7)
    n = 0
    for f in _roots_family(rng):
        try:
            expected = brentq(f, -3.0, 4.0, xtol=1e-14)
        except ValueError:  # no sign change: both refuse
            with pytest.raises(ValueError, match="different signs"):
                brent_root(f, -3.0, 4.0, xtol=1e-14)
            continue
        except RuntimeError:
            with pytest.raises(RuntimeError):
                brent_root(f, -3.0, 4.0, xtol=1e-14)
            continue
        assert brent_root(f, -3.0, 4.0, xtol=1e-14) == expected
        n += 1
    assert n > 500


def test_root_refuses_a_bracket_without_sign_change_and_reports_non_convergence():
    with pytest.raises(ValueError, match="different signs"):
        brent_root(lambda x: x * x + 1.0, -1.0, 1.0)
    with pytest.raises(RuntimeError, match="no zero"):
        brent_root(lambda x: x**3 - 0.3, 0.0, 1.0, xtol=1e-300, rtol=0.0, maxiter=5)


def test_bounded_minimum_closed_forms():
    x, fx, n = brent_bounded(lambda x: (x - 1 / 3) ** 2, 0.0, 2.0, xatol=1e-9)
    assert abs(x - 1 / 3) < 1e-9 and fx == (x - 1 / 3) ** 2 and n < 20
    # a minimum on the bound: x within the tolerance of it
    x, _, _ = brent_bounded(lambda x: math.exp(x), 1.0, 3.0, xatol=1e-6)
    assert 1.0 <= x < 1.0 + 1e-6
    # a kink: |x - e/3|, no parabola fits, golden section still brackets it
    x, _, _ = brent_bounded(lambda x: abs(x - math.e / 3), 0.0, 2.0, xatol=1e-8)
    assert abs(x - math.e / 3) < 1e-8


def test_bounded_minimum_is_scipys_bit_for_bit():
    rng = np.random.default_rng(3)
    for _ in range(300):
        c, s, w, hi = (
            rng.uniform(-1, 3),
            rng.uniform(0.1, 10),
            rng.uniform(0.5, 4),
            rng.uniform(0.5, 3),
        )
        for f in (
            lambda x, c=c, s=s, w=w: s * abs(x - c) ** w,
            lambda x, c=c: math.log1p((x - c) ** 2) + 0.1 * math.sin(5 * x),
        ):
            xatol = 1e-3 * hi
            r = minimize_scalar(f, bounds=(0.0, hi), method="bounded", options={"xatol": xatol})
            x, fx, nfev = brent_bounded(f, 0.0, hi, xatol=xatol)
            assert (x, fx, nfev) == (float(r.x), float(r.fun), int(r.nfev))


def test_bounded_minimum_rejects_bad_bounds():
    for lo, hi in ((1.0, 0.0), (0.0, math.inf), (math.nan, 1.0)):
        with pytest.raises(ValueError, match="bounds"):
            brent_bounded(lambda x: x, lo, hi, xatol=1e-3)


@pytest.mark.parametrize(
    "model",
    [PLRFModel(a=2, b=2, sigma=0.5, batch=5, n_modes=500, eta_max=2),
     PLRFModel(a=1.5, b=2.5, sigma=0.5, batch=1, n_modes=500),
     PLRFModel(a=3, b=1.5, batch=2, n_modes=300)],
)  # fmt: skip
def test_stability_limit_is_what_brentq_gave(model):
    """The stability limit (the root of S(eta) = 1) equals SciPy's brentq's, bit for bit, and is
    the root: S crosses 1 there."""
    hi = 2.0 / (1.0 + model.inv_batch) * (1 - 1e-15)
    expected = brentq(lambda e: noise_sum(model, e) - 1.0, 0.0, hi, xtol=1e-14)
    limit = stability_limit(model)
    assert limit == expected
    assert noise_sum(model, limit * (1 - 1e-12)) < 1.0 < noise_sum(model, limit * (1 + 1e-12))
