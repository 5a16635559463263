"""One table of schedule families: every user of a family evaluates the same formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solvers.control.compute_optimal import FAMILIES
from solvers.schedules import SCHEDULES, make_schedule
from solvers.schedules.tuning import BASELINES
from solvers.schedules.tuning_continuum import CONTINUOUS_FAMILIES

T = 8
#: Closed forms written here, independently of the code, at the steps t = 0..T-1.
CLOSED = {
    "constant": ((0.3,), lambda t: 0.3 + 0 * t),
    "linear": ((0.3,), lambda t: 0.3 * (T - t) / T),
    "cosine": ((0.3,), lambda t: 0.15 * (1 + np.cos(math.pi * t / T))),
    "wsd": ((0.3, 0.25), lambda t: 0.3 * np.minimum(1, (T - t) / 2)),
    "poly": ((0.3, 2.0), lambda t: 0.3 * ((T - t) / T) ** 2),
    "power": ((0.3, 0.5), lambda t: 0.3 / np.sqrt(t + 1)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_make_schedule_matches_closed_form(name):
    params, closed = CLOSED[name]
    t = np.arange(T, dtype=float)
    np.testing.assert_allclose(make_schedule(name, T, *params), closed(t), rtol=1e-15)


@pytest.mark.parametrize("name", ["constant", "linear", "cosine", "wsd", "power"])
def test_baselines_and_continuum_families_are_the_table(name):
    """The tuners evaluate the table's formula, at the steps and between them."""
    kind = SCHEDULES[name]
    params, closed = CLOSED[name]
    p = dict(zip(kind.params, params, strict=True))
    np.testing.assert_allclose(BASELINES[name].build(T, p, {}), closed(np.arange(T)), rtol=1e-15)
    t = np.linspace(0, T, 17)  # real t: midpoints included
    np.testing.assert_allclose(CONTINUOUS_FAMILIES[name](t, float(T), p, {}), closed(t), rtol=1e-15)
    assert BASELINES[name].formula == kind.formula


def test_easy_form_is_the_poly_family_with_derived_exponents():
    fx = {"xi": 1 / 3, "delta": 3.0}
    t = np.linspace(0, 1000, 11)
    got = CONTINUOUS_FAMILIES["easy"](t, 1000.0, {"c": 2.0}, fx)
    np.testing.assert_allclose(got, 2.0 * 1000 ** (-1 / 3) * (1 - t / 1000) ** 3, rtol=1e-14)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_compute_optimal_shapes_are_the_table(name):
    s = np.linspace(0, 1, 9)
    params, closed = CLOSED[name]
    np.testing.assert_allclose(FAMILIES[name](s) * params[0], closed(s * T), rtol=1e-14)
