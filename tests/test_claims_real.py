"""Claims measured on real optima (continuum solver, small scale) with the extrapolating
estimator, checked against the symbolic engine within the estimator's own interval; and the
shifted-prediction test (a prediction moved by +-0.02 must fail when the interval resolves it)."""

import pytest

from solvers import CLAIMS, continuum_context
from solvers.claims import evaluate_claim
from solvers.claims.catalog import statistical_verdict
from solvers.claims.validate import horizons
from theory import PLRFModel

EASY = PLRFModel(3.0, 2.0, n_modes=10**6)
HARD = PLRFModel(1.5, 3.0, n_modes=10**6)
#: Small scale: T = 1e2 .. 1e5, nine horizons (a few seconds of continuum solves per phase).
TS = horizons(100, 1e5, 9)
CASES = [(EASY, "xi"), (EASY, "delta"), (EASY, "easy optimal loss"),
         (HARD, "hard optimal loss"), (HARD, "hard annealing window")]  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    ctx = continuum_context(
        cache_dir=tmp_path_factory.mktemp("optima"), solver_options={"exact_modes": 32}
    )
    return {(m, n): evaluate_claim(CLAIMS[n], m, TS, ctx) for m, n in CASES}


@pytest.mark.parametrize("case", CASES, ids=[n for _, n in CASES])
def test_engine_prediction_lies_in_the_measured_interval(results, case):
    r = results[case]
    e = r.measurement.extrapolation
    assert e is not None and r.resolution == e.halfwidth
    assert e.contains(r.predicted), (r.claim, r.measured, r.resolution, r.predicted)
    assert r.verdict == "agrees" or r.verdict.startswith("inconclusive"), r.verdict
    assert len(r.local_slopes) == len(TS) - 1  # the raw slopes are kept
    # the claim's derived correction exponents were used (delta: model-free by derivation)
    assert ("omegas" in r.measurement.diagnostics) == (case[1] != "delta")


@pytest.mark.parametrize("case", CASES, ids=[n for _, n in CASES])
def test_a_prediction_outside_the_interval_disagrees(results, case):
    """A wrong prediction just outside the interval fails: the check can fail."""
    r = results[case]
    e = r.measurement.extrapolation
    for sign in (-1, 1):
        wrong = r.measured + sign * (e.halfwidth + 0.005)
        assert statistical_verdict(e, wrong, CLAIMS[case[1]].resolution) == "disagrees"


@pytest.mark.parametrize("case", [c for c in CASES if c[1] != "delta"], ids=lambda c: c[1])
def test_shifted_prediction_flips_where_resolved(results, case):
    """Shifted by +-0.02 the prediction disagrees whenever the interval's half-width is below
    0.02 (at this small scale not every claim resolves that finely: see benchmarks/results/
    claims.md for the default scale)."""
    r = results[case]
    e = r.measurement.extrapolation
    if e.halfwidth < 0.02:
        for shift in (-0.02, 0.02):
            v = statistical_verdict(e, r.predicted + shift, CLAIMS[case[1]].resolution)
            assert v == "disagrees", (case[1], shift, e.value, e.halfwidth)
