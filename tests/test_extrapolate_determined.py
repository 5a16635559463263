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


MODES = {"v1": ex.ExtrapolationOptions(undetermined="drop"),
         "v2": ex.ExtrapolationOptions(undetermined="noise")}  # fmt: skip


@lru_cache(maxsize=2)
def _replicas(c2: float, n: int = 120, seed: int = 0) -> dict:
    """Coverage of ``P``, the share resolved (hw <= 0.01) and the extrapolations of the slopes
    ``P + c1 x^-w1 + c2 x^-w2`` plus noise, with each rule, with every scheme (main's
    ``"distance"``) and with the primary alone (fit, solver, quadrature; no spread)."""
    rng = np.random.default_rng(seed)
    truth = P + 0.192 * X ** -OMEGAS[0] + c2 * X ** -OMEGAS[1]
    out = {k: [] for k in (*MODES, "every scheme", "primary alone")}
    for _ in range(n):
        s = truth + rng.normal(0, NOISE, X.size)
        for k, opt in MODES.items():
            e = ex.extrapolate_sequence(X, s, omegas=OMEGAS, options=opt)
            out[k].append((e.contains(P), e.halfwidth, e))
        e = ex.extrapolate_sequence(X, s, omegas=OMEGAS)
        out["every scheme"].append((e.contains(P), e.halfwidth, e))
        alone = math.sqrt(sum(v * v for k, v in e.budget.items() if k != "schemes"))
        out["primary alone"].append((abs(e.value - P) <= 2 * alone, 2 * alone, None))
    return {k: (np.mean([c for c, _, _ in v]), np.mean([h <= DEFAULT_RESOLUTION for _, h, _ in v]),
                [e for _, _, e in v]) for k, v in out.items()}  # fmt: skip


@pytest.mark.parametrize("c2", [0.0, -2.5])
def test_v2_covers_and_resolves_and_wrong_rules_do_not(c2):
    """Truth: the derived slowest correction alone (``c2 = 0``) or with (2, 2.6)'s second term
    (``c2 = -2.5``, below detection at this noise). v2 covers the limit (measured 100 % of 120
    replicas, both) and resolves it (hw <= 0.01 in 97.5 %). Wrong rules: keeping every scheme
    leaves 17.5 % / 32 % inconclusive; the primary alone covers 87.5 % / 27.5 %."""
    r = _replicas(c2)
    cover, resolved, es = r["v2"]
    assert cover >= 0.93 and resolved >= 0.95
    assert r["every scheme"][1] <= 0.9  # keep every scheme: often inconclusive
    assert r["primary alone"][0] <= 0.9  # drop every scheme but one: undercovers
    for e in es:  # the shifted predictions flip to disagrees wherever the window resolves
        if e.halfwidth <= DEFAULT_RESOLUTION:
            for shift in (-0.02, 0.02):
                assert statistical_verdict(e, P + shift, DEFAULT_RESOLUTION) == "disagrees"
    assert all(statistical_verdict(e, P, DEFAULT_RESOLUTION) == "agrees"
               for e in es if e.contains(P) and e.halfwidth <= DEFAULT_RESOLUTION)  # fmt: skip
    assert any(e.undetermined for e in es)


def test_v1_covers_a_one_term_truth():
    """v1 (drop the undetermined schemes) where the primary's model is the truth: 98.3 %."""
    cover, resolved, _ = _replicas(0.0)["v1"]
    assert cover >= 0.93 and resolved >= 0.95


@pytest.mark.xfail(
    strict=True,
    reason="honesty check H3 of window_2026-12-02/PROTOCOL.md fails for v1: with (2, 2.6)'s "
    "two-term fit as the truth the second derived term is below detection at 1e-4 of slope noise "
    "but biases the one-term primary by ~6e-4; v1 covers 84 % of these 120 replicas, 79 % of 150 (every scheme: 100 %)",
)
def test_v1_covers_a_two_term_truth():
    assert _replicas(-2.5)["v1"][0] >= 0.9


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
