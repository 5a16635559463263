"""What the hard window's readouts keep of SGD's noise source (``theory.window_source_residual``),
and the estimator's rule for a correction the claim measures present (``min_terms``)."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from solvers.analysis.extrapolate import ExtrapolationOptions, extrapolate_sequence
from theory import derive_corrections, derive_scaling_laws, window_source_residual
from theory import symbols as S


def test_the_residuals_are_the_source_decay_and_the_windows_relative_terms():
    """Against the closed forms of the two exponents it is built from: the lost time alone keeps
    ``T^-p`` (``p`` the hard loss exponent), the claim's readout ``T^-(p + 1 - omega_0)``; and
    the readout's term is in both window claims' derived lists."""
    hard = derive_scaling_laws().hard
    p, w0 = hard["loss_exponent"].expr, hard["anneal_window_exponent"].expr
    r = window_source_residual()
    assert sp.simplify(r.bare - p) == 0
    assert sp.simplify(r.divided - (p + 1 - w0)) == 0
    assert sp.simplify(r.divided - w0 * (S.b - 1) / S.b) == 0  # the noise the window leaves
    assert all(sp.simplify(e - r.divided) == 0 for e in r.terms.values()) and len(r.terms) == 3
    at = {S.a: 1.5, S.b: 3.0}
    q = float(r.divided.subs(at))
    for name in ("anneal_window_exponent", "anneal_fraction_exponent"):
        assert any(np.isclose(w, q) for w in derive_corrections()["hard"][name].omegas(1.5, 3.0))


@pytest.mark.parametrize("ab", [(1.5, 3.0), (2.0, 3.5), (1.2, 4.0)])
def test_the_readouts_residual_decays_at_the_derived_rate(ab):
    """An independent series, not the expansion: the source at the end ``sigma^2 + B(1 + cost)
    + noise left`` against the source over the window ``(sigma^2 + B(1 + drift)) x const``, with
    each small term at the window's own exponents and ``B = 0.4 T^-p``. The local slope of their
    ratio decays as ``T^-divided`` (measured from the slopes at 1e20 and 1e24), the source at the
    end alone as ``T^-bare``. A residual at another rate (``p``, or ``(b-a)/(2b-1)``) fails."""
    a, b = ab
    p, w0 = (a - 1) / b, (a + b - 1) / (2 * b - 1)
    s2, T = mpmath.mpf(0.25), [mpmath.mpf(10) ** k for k in (20, 22, 24)]

    def n_end(T):
        B = 0.4 * T**-p
        return s2 + B * (1 + 0.7 * T ** (w0 - 1)) + 0.3 * s2 * T ** -(w0 * (b - 1) / b)

    def n_win(T):
        return 1.3 * (s2 + 0.4 * T**-p * (1 + 0.5 * T ** (w0 - 1)))

    def decay(f):  # -d log|d log f / d log T| / d log T from slopes at T[0] and T[2]
        with mpmath.workdps(60):  # the slopes are 1e-12 .. 1e-3: beyond float differences
            s = [mpmath.diff(lambda u: mpmath.log(f(mpmath.exp(u))), mpmath.log(t)) for t in T]
            return float(-mpmath.log(abs(s[2] / s[0])) / mpmath.log(T[2] / T[0]))

    r = window_source_residual()
    at = {S.a: a, S.b: b}
    assert decay(lambda t: n_end(t) / n_win(t)) == pytest.approx(
        float(r.divided.subs(at)), abs=0.01
    )
    assert decay(n_end) == pytest.approx(float(r.bare.subs(at)), abs=0.01)


def test_a_correction_measured_present_is_kept_in_the_limit():
    """Local slopes ``0.70 + 0.15 x^-(7/60)`` with a scatter of 5e-4 (the hard window at (1.5, 3)
    between 1e10 and 1e13 looks like this): the residual-based choice prefers a constant through
    them (no correction; 0.707, biased by the trend it ignores); with ``min_terms=1`` the limit
    keeps the slowest derived correction and lands on 0.70, in a narrower interval."""
    x = np.geomspace(1.78e10, 5.62e12, 6)
    s = 0.70 + 0.15 * x ** (-7 / 60) + 5e-4 * np.array([1, -1, 1, -1, 1, -1])
    old = extrapolate_sequence(x, s, omegas=[7 / 60, 0.3])
    new = extrapolate_sequence(
        x, s, omegas=[7 / 60, 0.3], options=ExtrapolationOptions(min_terms=1)
    )
    assert old.omega is None and old.value > 0.705  # the constant, primary
    assert new.omega == pytest.approx(7 / 60) and abs(new.value - 0.70) < 1e-3
    assert new.halfwidth < old.halfwidth and new.contains(0.70)
    with pytest.raises(ValueError, match="min_terms"):
        ExtrapolationOptions(min_terms=-1)


def test_the_window_claim_keeps_its_measured_correction():
    """A synthetic hard optimum whose window has the derived width ``T^0.7`` and a shape that
    steepens as ``5 - 8 T^-0.24`` (a drift at the claim's slowest derived correction, the window
    layer's second order 7/30; the synthetic ends at rate 0, so no layer is divided out), with a
    scatter of 3e-4 in ``W`` between horizons (a converged solver's): the claim measures the
    drift, hands ``min_terms = 1`` to its extrapolation and reads 0.70 within 2e-3; with the
    estimator's defaults the same values extrapolate to a constant through the last slopes,
    0.702. (Before the window's layer was divided out the drift was ``T^-0.12`` at the layer's
    first order 7/60: 0.70 against 0.705.)"""
    import math
    from types import SimpleNamespace

    from solvers.analysis.extrapolate import extrapolate_exponent
    from solvers.claims import CLAIMS, ExperimentContext, evaluate_claim
    from tests.test_claims_readouts import _cells
    from theory import PLRFModel

    def optimum(T):
        d = 5 - 8 * T**-0.24
        W = 0.05 * T**0.7 * (1 + 3e-4 * (-1) ** round(2 * math.log10(T)))
        res = _cells(T, lambda t: 0.6 * np.minimum(1.0, ((T - t) / W) ** d))
        return SimpleNamespace(**vars(res), final_loss=0.01, success=True)

    ctx = ExperimentContext(sweep=lambda model, Ts, **_: [optimum(T) for T in Ts])
    Ts = [round(10 ** (3 + k / 2)) for k in range(13)]
    r = evaluate_claim(CLAIMS["hard annealing window"], PLRFModel(1.5, 3.0), Ts, ctx)
    m = r.measurement
    assert abs(r.measured - 0.70) < 2e-3 and m.extrapolation.omega == pytest.approx(7 / 30)
    assert m.diagnostics["layer_shift"] == [0.0] * len(Ts)  # no floor, nothing divided
    default = extrapolate_exponent(
        **m.diagnostics["extrapolation_input"], omegas=m.diagnostics["omegas"]
    )
    assert default.omega is None and default.value > r.measured + 1e-3  # what the rule removes
