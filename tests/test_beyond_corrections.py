"""The derived corrections of the batch-ramp and compute-optimal claims (issue 12), held against
independent numerics, and their verdicts against shifted predictions.

What a wrong answer does: a wrong discrete-time ``omega`` (say 1/2) misses the measured order of
the discrete kernel's slope error; a wrong missing-kernel exponent misses the slope of the direct
sums in ``N``; a wrong end-point exponent misses the order of the Hurwitz tail's deviation; and
a prediction shifted by 0.02 must come out ``disagrees`` on data built from the model.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import solvers.claims as claims
from solvers.analysis.extrapolate import extrapolate_sequence
from theory import (
    PLRFModel,
    derive_beyond_corrections,
    ramp_front,
    ramp_missing_kernel_fraction,
    symbols,
)


def _window_slope(n_lo, n_hi, kernel) -> float:
    """Slope of log sqrt(K) against log n over [n_lo, n_hi] (the ramp's exponent)."""
    n = np.geomspace(n_lo, n_hi, 7)
    return float(np.polyfit(np.log(n), 0.5 * np.log([kernel(x) for x in n]), 1)[0])


def test_ramp_discrete_time_correction_has_the_derived_order():
    """The recursion's per-step factor (1 - eta lam)^2 against exp(-2 eta lam): the ramp exponent
    read over a fixed window y in [0.01, 0.1] differs by ~T^-omega, omega derived = 1."""
    b, eta = 2.0, 0.1
    lam = np.arange(1, 20_001, dtype=float) ** -b  # the front at 0.1 T = 2e4 steps is k ~ 63
    log_step = np.log1p(-eta * lam)

    def slope_gap(T):
        disc = _window_slope(0.01 * T, 0.1 * T, lambda n: np.sum(lam**2 * np.exp(2 * n * log_step)))
        cont = _window_slope(
            0.01 * T, 0.1 * T, lambda n: np.sum(lam**2 * np.exp(-2 * eta * lam * n))
        )
        return abs(disc - cont)

    # beyond T ~ 1e4 the modes' discreteness has died out (below it the order reads 1.4)
    Ts = np.array([2e4, 2e5])
    order = -math.log(slope_gap(Ts[1]) / slope_gap(Ts[0])) / math.log(Ts[1] / Ts[0])
    (omega,) = [t.omega_at(3, b) for t in derive_beyond_corrections()["easy"]["batch_ramp_exponent"].terms
                if t.mechanism == "discrete time"]  # fmt: skip
    assert omega == 1.0
    assert order == pytest.approx(omega, abs=0.05)


def test_ramp_missing_kernel_fraction_scales_like_the_direct_sums():
    """The fraction of the kernel beyond N modes falls like N^-(2b-1) at a fixed front."""
    b, eta, n = 2.0, 0.1, 500.0
    lam = np.arange(1, 100_001, dtype=float) ** -b
    w = lam**2 * np.exp(-2 * eta * lam * n)
    Ns = np.array([100, 400])
    missing = [w[N:].sum() / w.sum() for N in Ns]
    slope = math.log(missing[1] / missing[0]) / math.log(Ns[1] / Ns[0])
    frac = ramp_missing_kernel_fraction()
    expo = float(frac.as_base_exp()[1].subs(symbols.b, b))  # (k_*/N)^(2b - 1)
    assert slope == pytest.approx(-expo, abs=0.05)
    assert ramp_front(b, eta, n) == pytest.approx((2 * eta * n) ** (1 / b))


def test_compute_mode_cut_correction_has_the_derived_order():
    """sum_{k>N} k^-a against N^(1-a)/(a-1): a relative N^-1, i.e. C^-nu at N* = C^nu."""
    a = 1.5
    rel = [float(mpmath.zeta(a, N + 1)) / (N ** (1 - a) / (a - 1)) - 1 for N in (100, 1000)]
    order = -math.log(abs(rel[1] / rel[0])) / math.log(10)
    nu = 1 / (3 + 1)  # (a, b) = (1.5, 3): N* ~ C^(1/(b+1))
    row = derive_beyond_corrections()["hard"]["compute_optimal.model_size_exponent"]
    (cut,) = [t for t in row.terms if t.mechanism.startswith("mode cut")]
    assert order == pytest.approx(1.0, abs=0.02)
    assert cut.omega_at(1.5, 3) == pytest.approx(order * nu, abs=0.01)


def test_compute_corrections_carry_the_loss_corrections_to_compute():
    """Each T^-omega of the optimal loss appears as C^-(1 - nu) omega."""
    from theory import derive_corrections

    for phase, (a, b), nu in (("easy", (3, 2), 1 / 4), ("hard", (1.5, 3), 1 / 4)):
        loss = derive_corrections()[phase]["loss_exponent"].omegas(a, b)
        comp = derive_beyond_corrections()[phase]["compute_optimal.loss_exponent"].omegas(a, b)
        assert set(np.round(np.multiply(loss, 1 - nu), 9)) <= set(np.round(comp, 9))


def _synthetic_verdicts(claim_name: str, model: PLRFModel, x, noise: float) -> dict:
    """Verdicts of the true and the shifted predictions on a sequence built from the derived
    form: the exponent plus the slowest derived correction, plus independent noise."""
    claim = claims.CLAIMS[claim_name]
    omegas = claims.resolvable_omegas(claims.claim_omegas(claim, model), x)
    pred = float(claim.predicted_expr().subs(model.subs()))
    rng = np.random.default_rng(1)
    s = pred + 0.3 * x ** -omegas[0] + noise * rng.standard_normal(x.size)
    e = extrapolate_sequence(x, s, omegas=omegas, cov_solver=np.diag(np.full(x.size, noise**2)))
    return {shift: claims.statistical_verdict(e, pred + shift, claim.resolution)
            for shift in (0.0, 0.02, -0.02)}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "ab", "x", "noise"),
    [
        ("batch ramp", (3, 2), np.geomspace(6e3, 6e4, 5), 2e-4),
        # the default compute levels, at the scatter they would need (5e-5: the measured local
        # slopes of N* scatter by ~2e-3 and leave the claim inconclusive, claims.md)
        ("compute-optimal model size", (1.5, 3), np.geomspace(1.3e3, 7.5e4, 8), 5e-5),
    ],
)
def test_shifted_prediction_disagrees_on_model_data(name, ab, x, noise):
    v = _synthetic_verdicts(name, PLRFModel(*ab), x, noise=noise)
    assert v[0.0] == "agrees"
    assert v[0.02] == v[-0.02] == "disagrees"


# -- slow: the real experiments -----------------------------------------------------------------


def _shifted(claim_name: str, model: PLRFModel):
    from solvers.claims.core import ExperimentContext, evaluate_claim

    claim = claims.CLAIMS[claim_name]
    r = evaluate_claim(claim, model, [], ExperimentContext())
    e = r.measurement.extrapolation
    return r, {d: claims.statistical_verdict(e, r.predicted + d, claim.resolution)
               for d in (0.02, -0.02)}  # fmt: skip


@pytest.mark.slow
def test_batch_ramp_settles_and_shifted_predictions_disagree():
    """(3, 2), derived horizons (~5 s CPU): agrees within 0.01; +-0.02 disagrees."""
    r, shifted = _shifted("batch ramp", PLRFModel(3, 2))
    assert r.verdict == "agrees" and r.resolution <= 0.01
    assert set(shifted.values()) == {"disagrees"}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["compute-optimal", "compute-optimal model size"])
def test_compute_optimal_interval_covers_the_prediction(name):
    """(3, 2), the default compute levels (~20 s CPU). The +-0.02 shifts do not flip at this
    scale (resolution 0.025 and 0.17: the derived C^-1/8 is too slow for two decades, claims.md
    2026-11-30h), so what is held is that the interval covers the prediction (an interval too
    narrow for the real error fails here), that the inconclusive verdict names the compute from
    the derived correction, and that a prediction 0.02 beyond the interval disagrees."""
    r, _ = _shifted(name, PLRFModel(3, 2))
    e = r.measurement.extrapolation
    assert r.verdict != "disagrees" and e.contains(r.predicted)
    if r.resolution <= 0.01:
        assert r.verdict == "agrees"
    else:
        assert r.verdict.startswith("inconclusive") and "at C ~" in r.verdict
    for edge, step in ((e.interval[0], -0.02), (e.interval[1], 0.02)):
        assert claims.statistical_verdict(e, edge + step, 0.01) == "disagrees"


def test_an_unbounded_interval_names_the_horizon_of_its_derived_correction():
    """Two values fit no correction (the interval is unbounded): with a derived omega the verdict
    names where that correction falls to the target, without one it says it has none."""
    from solvers.analysis.extrapolate import extrapolate_sequence
    from solvers.claims.core import CORRECTION_TARGET

    e = extrapolate_sequence(np.array([1e3, 1e4]), np.array([-0.9, -0.88]), omegas=[1.0])
    assert not np.isfinite(e.halfwidth)
    named = claims.statistical_verdict(e, -0.875, 0.01, omegas=[1.0])
    assert named.startswith("inconclusive: unbounded interval")
    assert f"T ~ {1 / CORRECTION_TARGET:.2g}" in named, named
    bare = claims.statistical_verdict(e, -0.875, 0.01)
    assert bare.endswith("no correction exponent to say which horizon would settle it")
