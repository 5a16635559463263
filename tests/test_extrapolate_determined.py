"""The scheme spread over determined schemes (``ExtrapolationOptions.determined``,
benchmarks/results/window_2026-12-02/PROTOCOL.md): the test of a parameter against a closed
form, what the option leaves out, and what it does to intervals on sequences of known limit."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

from solvers.analysis import _determined as det
from solvers.analysis import extrapolate as ex
from solvers.claims.core import DEFAULT_RESOLUTION, statistical_verdict

#: The window at (2, 2.6): its derived correction exponents, the claim's horizons at the tail
#: (half-decades 1e10 .. 3.16e13), the prediction 6/7 and the stated per-slope error 1e-4
#: (claims.md 2026-12-01y; window_2026-12-02/PROTOCOL.md, H3).
OMEGAS = (1 / 7, 0.32967, 0.52747)
T = 10.0 ** (10 + np.arange(8) / 2)
X = np.sqrt(T[1:] * T[:-1])
P = 6 / 7
NOISE = 1e-4
RULE = ex.ExtrapolationOptions(undetermined="drop")


def test_t_ratios_match_the_straight_line_closed_form():
    """SE of a fitted line's slope and intercept, by the textbook formulas."""
    rng = np.random.default_rng(1)
    u = np.linspace(0.0, 1.0, 7)
    y = 0.3 + 0.02 * u + rng.normal(0, 0.01, 7)
    b, a = np.polyfit(u, y, 1)
    r = y - (a + b * u)
    s2 = float(r @ r) / 5
    sxx = float(((u - u.mean()) ** 2).sum())
    se_b = math.sqrt(s2 / sxx)
    se_a = math.sqrt(s2 * (1 / 7 + u.mean() ** 2 / sxx))
    t = det.t_ratios(np.column_stack([np.ones(7), u]), np.array([a, b]), float(r @ r), 5)
    assert t == pytest.approx([abs(a) / se_a, abs(b) / se_b], rel=1e-9)
    # 95 % two-sided Student-t: t_5 = 2.5706
    assert det.is_determined(np.array([2.58]), 5) and not det.is_determined(np.array([2.56]), 5)
    assert not det.is_determined(np.array([1e9]), 0)  # an exact fit determines nothing


def test_a_free_exponent_at_the_grids_end_determines_nothing():
    """A decay slower than the grid's slowest exponent pins omega at 0.05: a bound."""
    s = 0.5 + 0.3 * X**-0.01
    f = ex._free_omega(X, s, slice(0, X.size))
    assert f[3] == pytest.approx(ex.OMEGA_GRID[0])
    assert not det.is_determined(*f[6])
    s = 0.5 + 0.3 * X**-0.2 + np.random.default_rng(2).normal(0, 1e-7, X.size)
    f = ex._free_omega(X, s, slice(0, X.size))
    assert f[3] == pytest.approx(0.2, rel=0.05) and det.is_determined(*f[6])


@lru_cache(maxsize=2)
def _replicas(c2: float, n: int = 150, seed: int = 0):
    """Intervals of the slopes ``P + c1 x^-w1 + c2 x^-w2`` plus noise: with the rule, with every
    scheme, and with the primary alone (fit, solver and quadrature; no spread)."""
    rng = np.random.default_rng(seed)
    truth = P + 0.192 * X ** -OMEGAS[0] + c2 * X ** -OMEGAS[1]
    out = {"rule": [], "every scheme": [], "primary alone": []}
    for _ in range(n):
        s = truth + rng.normal(0, NOISE, X.size)
        e_rule = ex.extrapolate_sequence(X, s, omegas=OMEGAS, options=RULE)
        e_all = ex.extrapolate_sequence(X, s, omegas=OMEGAS)
        alone = math.sqrt(sum(v * v for k, v in e_all.budget.items() if k != "schemes"))
        out["rule"].append((e_rule.contains(P), e_rule.halfwidth, e_rule))
        out["every scheme"].append((e_all.contains(P), e_all.halfwidth, e_all))
        out["primary alone"].append((abs(e_all.value - P) <= 2 * alone, 2 * alone, None))
    return {k: (np.mean([c for c, _, _ in v]), np.mean([h <= DEFAULT_RESOLUTION for _, h, _ in v]),
                [e for _, _, e in v]) for k, v in out.items()}  # fmt: skip


def test_the_rule_on_a_one_term_truth_covers_and_resolves():
    """Truth: the derived slowest correction alone. The rule covers the limit (measured 98.7 % of
    150 replicas) and resolves it (hw <= 0.01 in 98 %); every scheme covers it too but leaves
    17 % inconclusive; the primary alone covers 85 %. Wrong rules: keeping every scheme fails the resolution, the primary alone fails
    the coverage."""
    r = _replicas(0.0)
    cover, resolved, es = r["rule"]
    assert cover >= 0.93 and resolved >= 0.95
    assert r["every scheme"][1] <= 0.9  # keep every scheme: often inconclusive
    assert r["primary alone"][0] <= cover - 0.05  # drop every scheme but one: undercovers
    # the shifted predictions flip to disagrees wherever the interval resolves the window
    for e in es:
        if e.halfwidth <= DEFAULT_RESOLUTION:
            for shift in (-0.02, 0.02):
                assert statistical_verdict(e, P + shift, DEFAULT_RESOLUTION) == "disagrees"
    assert any(e.undetermined for e in es)


@pytest.mark.xfail(
    strict=True,
    reason="honesty check H3 of window_2026-12-02/PROTOCOL.md fails: with (2, 2.6)'s two-term fit "
    "as the truth the second derived term is below detection at 1e-4 of slope noise but biases "
    "the one-term primary by ~6e-4; the rule covers 79 % of 150 replicas (every scheme: 100 %)",
)
def test_the_rule_covers_a_two_term_truth():
    cover, _, _ = _replicas(-2.5)["rule"]
    assert cover >= 0.9


def test_the_two_term_truths_undercoverage_is_the_rules():
    """The same replicas with every scheme in the spread cover the limit (measured 100 %)."""
    assert _replicas(-2.5)["every scheme"][0] >= 0.95


def test_options_reach_a_sequence_measurement():
    """An experiment's options (here ``min_terms``) apply to a slope sequence as to values: the
    window's readout arrives as a sequence since its grid term (claims.md 2026-12-01w), and
    without them a constant through the tail was its primary at (3.5, 4)."""
    from solvers.claims.core import Measurement, _with_corrections

    class Claim:
        correction = None

    s = 0.93 + 0.08 * X ** -OMEGAS[0] + np.random.default_rng(3).normal(0, 3e-4, X.size)
    opt = ex.ExtrapolationOptions(min_terms=1)
    base = {"sequence_input": {"x": X, "s": s}, "added_omegas": list(OMEGAS[:2])}
    m = Measurement(math.nan, math.nan, diagnostics={**base, "extrapolation_options": opt})
    fixed = _with_corrections(m, Claim(), None).extrapolation
    loose = ex.extrapolate_sequence(X, s, omegas=OMEGAS[:2])
    assert fixed.primary == "derived" and fixed.omega is not None  # at least one term
    assert loose.omega is None  # the same data without the option: a constant wins
