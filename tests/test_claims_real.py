"""Claims measured on real optima (continuum solver, small scale) with the extrapolating
estimator, checked against the symbolic engine within the estimator's own interval; and the
shifted-prediction test (a prediction moved by +-0.02 must fail when the interval resolves it):
at a small scale for the claims resolved there, at the default scale (slow) for every exponent
claim of the catalog, the unresolved ones strictly expected to fail (UNRESOLVED)."""

import time

import pytest

from solvers import CLAIMS, continuum_context
from solvers.claims import ExperimentContext, evaluate_claim
from solvers.claims.core import statistical_verdict
from solvers.claims.validate import (
    DEFAULT_BASELINE_BUDGET,
    DEFAULT_CPU_BUDGET,
    horizons,
    validate,
)
from theory import PLRFModel

EASY = PLRFModel(3.0, 2.0, n_modes=10**6)
HARD = PLRFModel(1.5, 3.0, n_modes=10**6)
#: Small scale: T = 1e2 .. 3e4, seven horizons (seconds of continuum solves per phase).
TS = horizons(100, 3e4, 7)
CASES = [(EASY, "xi"), (EASY, "delta"), (EASY, "easy optimal loss"),
         (HARD, "hard optimal loss"), (HARD, "hard annealing window")]  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    ctx = continuum_context(
        cache_dir=tmp_path_factory.mktemp("optima"), solver_options={"exact_modes": 16}
    )
    return {(m, n): evaluate_claim(CLAIMS[n], m, TS, ctx) for m, n in CASES}


@pytest.mark.parametrize("case", CASES, ids=[n for _, n in CASES])
def test_engine_prediction_lies_in_the_measured_interval(results, case):
    r = results[case]
    e = r.measurement.extrapolation
    assert e is not None and r.resolution == e.halfwidth
    assert e.contains(r.predicted), (r.claim, r.measured, r.resolution, r.predicted)
    assert r.verdict == "agrees" or r.verdict.startswith("inconclusive"), r.verdict
    # the raw sequence is kept: two-point local slopes, or delta's per-horizon fits
    assert len(r.local_slopes) == len(TS) - (case[1] != "delta")
    # the claim's derived correction exponents were used (delta: the schedule's, read at fixed u)
    # (the hard window reads W (sigma^2 + L)^kappa: the crossover T^-1/6 is divided out; its
    # own end-of-run boundary layer, omega_0/(2b), is divided out only where it is a
    # perturbation, |eps| <= r (solvers/claims/window_layer.py): at T <= 3e4 no horizon is
    # (eps = -0.62 .. -0.33 against r = 0.146), so the raw lost time is read with the layer's
    # first order, omega_0/(2b) = 7/60, the slowest in its list (7/30 where divided); the
    # hard loss's is the window's excess, (b - a)/(2b - 1) = 0.3: its noise is subleading, no
    # crossover T^-p, theory.hard_loss_source; xi and delta divide the easy end-of-run boundary
    # layer out, and their slowest is the learned modes' noise floor, T^-xi)
    slowest = {
        "easy": 1 / (2 * EASY.a),
        "hard": 0.3,
        "window": 7 / 60,
        "shape": 1 - EASY.b / EASY.a,
    }
    phase = "window" if case[1] == "hard annealing window" else case[0].phase
    phase = "shape" if case[1] in ("xi", "delta") else phase
    assert r.measurement.diagnostics["omegas"][0] == pytest.approx(slowest[phase])
    if phase == "window":
        assert "layer_fallback" in r.measurement.diagnostics


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
    """Shifted by +-0.02 the prediction disagrees whenever the interval resolves the shift: its
    half-width plus the measured value's distance from the prediction is below 0.02 (at this
    small scale not every claim resolves that finely: see benchmarks/results/claims.md for the
    default scale). The half-width alone is not enough: at T <= 3e4 xi with the end-of-run
    boundary layer divided out reads 0.344 +- 0.0148, an interval that holds 1/3 and 1/3 + 0.02
    alike (it read 0.355 +- 0.044 before)."""
    r = results[case]
    e = r.measurement.extrapolation
    if e.halfwidth + abs(e.value - r.predicted) < 0.02:
        for shift in (-0.02, 0.02):
            v = statistical_verdict(e, r.predicted + shift, CLAIMS[case[1]].resolution)
            assert v == "disagrees", (case[1], shift, e.value, e.halfwidth)


#: Claims whose interval at the small scale (T <= 3e4) resolves a +-0.02 shift (half-width plus
#: distance from the prediction below 0.02; measured, claims.md 2026-12-01s15): the tuned
#: constant rate and its loss in both phases (half-widths 0.0089 / 0.0014 easy, 0.0025 / 0.0009
#: hard), the constant-rate transfers (0.0032 hard; 0.0089 easy since it divides out the slow
#: modes' deficit as `optimal constant LR` does, claims.md 2026-12-01s16) and the hard optimal
#: loss (0.0035, in ``results``). The others are not resolved there (xi 0.344 +- 0.0148, the easy loss +- 0.045,
#: delta +- 0.34, the peak rate +- 0.09 / 0.024, the window +- 11, the power law +- 0.13 / 0.026,
#: the other transfers +- 0.057 .. 0.39): their shifted-prediction test runs at the default
#: scale (slow, below).
SMALL_SCALE_RESOLVED = [(EASY, "optimal constant LR"), (EASY, "optimal constant loss"),
                        (HARD, "optimal constant LR"), (HARD, "optimal constant loss"),
                        (EASY, "LR transfer: constant"), (HARD, "LR transfer: constant")]  # fmt: skip


@pytest.mark.parametrize(
    ("model", "name"), SMALL_SCALE_RESOLVED, ids=[f"{m.phase}-{n}" for m, n in SMALL_SCALE_RESOLVED]
)
def test_shifted_prediction_flips_at_a_small_scale(model, name):
    """The fast version of the shifted-prediction test, on the claims resolved at T <= 3e4: the
    true prediction agrees, shifted by +-0.02 it disagrees (unconditionally: an interval that
    widens past the shift, or a value that drifts 0.02 off, fails here)."""
    r = evaluate_claim(CLAIMS[name], model, TS, ExperimentContext())
    e = r.measurement.extrapolation
    assert r.verdict == "agrees" and e.halfwidth < 0.01, (r.measured, r.resolution)
    for shift in (-0.02, 0.02):
        assert statistical_verdict(e, r.predicted + shift, 0.01) == "disagrees"


def test_shifted_hard_loss_flips_at_a_small_scale(results):
    """The hard optimal loss on real optima at T <= 3e4 (-0.1672 +- 0.0035 for -1/6): it agrees,
    and shifted by +-0.02 its prediction disagrees, unconditionally."""
    r = results[(HARD, "hard optimal loss")]
    e = r.measurement.extrapolation
    assert r.verdict == "agrees" and e.halfwidth < 0.01, (r.measured, r.resolution)
    for shift in (-0.02, 0.02):
        assert statistical_verdict(e, r.predicted + shift, 0.01) == "disagrees"


#: Exponent claims of the shifted-prediction test at the default scale, with the shift that must
#: flip the verdict: 0.02 in an exponent (twice the 0.01 resolution target), 0.2 for delta
#: (twice its 0.1 target).
#: Every claim of the catalog whose prediction is an exponent is here (issue 12: "the
#: shifted-prediction test passes for every exponent claim"); the ones without a prediction
#: (the easy schedule's collapse, chi*) or without an exponent (LR and batch) are not.
SHIFTED = {"xi": 0.02, "delta": 0.2, "easy optimal loss": 0.02, "optimal constant LR": 0.02,
           "optimal constant loss": 0.02, "hard optimal loss": 0.02,
           "hard annealing window": 0.02, "phase boundary": 0.02,
           "hard schedule": 0.02, "optimal loss": 0.02, "hard annealing fraction": 0.02,
           "optimal power law": 0.02, "LR transfer: WSD peak": 0.02,
           "LR transfer: linear peak": 0.02, "LR transfer: constant": 0.02,
           "batch ramp": 0.02, "momentum": 0.02, "momentum loss": 0.02,
           "compute-optimal": 0.02, "compute-optimal model size": 0.02,
           "momentum, hard phase, ema": 0.02, "momentum, hard phase, heavy-ball": 0.02,
           "momentum, hard phase, nesterov": 0.02}  # fmt: skip


#: Claims with a prediction that is not an exponent: a relative loss spread (0 predicted).
NOT_EXPONENTS = {"LR and batch"}


def test_every_exponent_claim_has_a_shifted_prediction_test():
    """Issue 12's done-when, "the shifted-prediction test passes for every exponent claim": every
    registered claim with a prediction is in SHIFTED unless it is not an exponent, so a claim
    added to the catalog without the test fails here."""
    with_prediction = {c.name for c in CLAIMS if c.predicted_expr() is not None}
    assert with_prediction - NOT_EXPONENTS == set(SHIFTED), with_prediction ^ set(SHIFTED)


@pytest.fixture(scope="module")
def default_scale(tmp_path_factory):
    """Every claim of SHIFTED over its default horizons (``optlr validate`` without options),
    one phase at a time as the tests ask for it (``-k easy`` runs the easy sweep only)."""
    out = {}

    def measure(phase, name):
        if (phase, name) not in out:
            # one run per phase, with the optimal sweep's and the tuned baselines' CPU budgets
            # as in `optlr validate` without options (solvers/cli/validate.py, _context)
            ctx = continuum_context(
                cache_dir=tmp_path_factory.mktemp(f"default-{phase}"),
                cpu_budget=DEFAULT_CPU_BUDGET,
                baseline_budget=DEFAULT_BASELINE_BUDGET,
            )
            model = {"easy": EASY, "hard": HARD}[phase].replace(n_modes=10**12)
            names = [n for n in SHIFTED if phase in CLAIMS[n].phases]
            t0 = time.process_time()
            out.update({(phase, r.claim): r for r in validate(model, claims=names, ctx=ctx)})
            print(f"default scale, {phase}: {time.process_time() - t0:.1f} s CPU")
        return out[(phase, name)]

    return measure


#: Claims not resolved to +-0.02 at the default scale. The hard constant rate is resolved since it
#: subtracts its derived feedback correction (-0.1428 +- 0.0009 at (1.5, 3), T <= 1e11, where it
#: read -0.133 +- 0.069; solvers/claims/constant_rate.py, benchmarks/results/claims.md). The hard
#: window at (1.5, 3) is resolved to +-0.02 since the default sweep reaches 1e13 and solves the
#: hard phase to KKT 1e-9 (0.6995 +- 0.0058, where it read 0.6911 +- 0.0142 at 3.16e8;
#: claims.md, 2026-11-30q), and to 0.01 since the sweep's grid is anchored to the window's
#: derived width and reaches 1e15 (0.69995 +- 0.00039; claims.md, 2026-12-01a).
#:
#: The easy LR transfers are resolved since the constant divides out the tuned constant rate's
#: derived corrections (-0.500002 +- 0.00004 at (3, 2), T <= 5.6e7, where it read -0.5004 +- 0.041)
#: and the annealed peaks are measured against their reduced problem, whose logarithm at b = 2
#: held the raw slopes at -0.367 (linear -0.3376 +- 0.0082, WSD -0.3373 +- 0.0085, where both
#: read -0.367 +- 0.040; solvers/claims/transfer_reduced.py, claims.md 2026-12-01s16).
#: The momentum rows of EMA (its gain and loss exponent, both phases) and heavy ball are resolved
#: since their sweeps run half decades to the derived horizon (1e6 at (1.5, 3), 1e8 at (3, 2)) on
#: re-evaluated losses (claims.md, 2026-12-01s16 (mom16)): at (1.5, 3) 0.1671 +- 0.0036 and
#: -0.0001 +- 0.0022, at (3, 2) 0.6671 +- 0.0013 and 0.0000 +- 0.0029.
#: The hard annealed peaks are resolved since their transfers tune in a box above the stability
#: limit, carry the derived approach to it (theory.annealed_peak) and run to 1e12 (claims.md
#: 2026-12-01s17): the linear peak (it sat on the optimum's box bound 0.64978 at every horizon,
#: out of regime) lies above the limit and falls toward it like T^-0.385 at 1e15 (derived
#: T^-(b-1)/(2b-1), 0.4), -0.000002 +- 0.00003; the WSD peak (0.002 +- 0.040 to 1e6) climbs
#: toward it with a gap falling like T^-0.18 (derived T^-(b-a)/(3b-1), 0.1875),
#: 0.00005 +- 0.0070.
#: The compute-optimal rows (both phases, the loss and the model size) are resolved since the
#: claims' vertex is a quartic over 11 sizes at factor 1.04, their levels run from 1e4 over a
#: window of 1.5 e-folds of the slowest derived correction (to 1e10 at (3, 2), 3.16e8 at
#: (1.5, 3)) and their derived terms are judged over that window (claims.md 2026-12-01s18):
#: at (3, 2) -0.5009 +- 0.0035 and 0.2511 +- 0.0039, where they read -0.483 +- 0.025 and
#: 0.261 +- 0.171.
#:
#: Not resolved at the default scale (measured at (3, 2) / (1.5, 3), claims.md 2026-12-01s15 and
#: 2026-12-01s16), so their shifted-prediction test fails, strictly expected (it passes, and fails
#: here, the day they resolve):
#: * the dimension-adapted (Nesterov) form reads two local slopes to T = 1e4 at the default scale,
#:   an unbounded interval: at the default model its optimum turns its momentum step on between
#:   3e5 and 1e6 at (1.5, 3), and its recorded optima resolve it only from 1e11 (held in
#:   tests/test_momentum_corrections.py, slow);
UNRESOLVED: set = {
    ("hard", "momentum, hard phase, nesterov"),
}  # fmt: skip
SHIFT_CASES = [
    pytest.param(ph, n, marks=pytest.mark.xfail(reason="not resolved at the default scale",
                                                 strict=True))
    if (ph, n) in UNRESOLVED else (ph, n)
    for ph in ("easy", "hard") for n in SHIFTED if ph in CLAIMS[n].phases
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("phase", "name"), SHIFT_CASES)
def test_shifted_predictions_disagree_at_the_default_scale(default_scale, phase, name):
    """Issue 12: each exponent prediction shifted by +-0.02 (delta: +-0.2) flips to disagrees at
    the default scale, and the true one does not (it agrees, or is inconclusive in an interval
    narrower than the shift)."""
    r = default_scale(phase, name)
    e = r.measurement.extrapolation
    assert e is not None, (phase, name, r.measured, r.verdict)
    assert r.verdict != "disagrees", (phase, name, r.measured, r.resolution, r.verdict)
    # a measurement outside its regime (e.g. a tuned rate pinned on its bound) tests nothing
    assert not r.measurement.diagnostics.get("out_of_regime"), (phase, name, r.verdict)
    for shift in (-SHIFTED[name], SHIFTED[name]):
        v = statistical_verdict(e, r.predicted + shift, CLAIMS[name].resolution)
        assert v == "disagrees", (phase, name, shift, r.measured, r.resolution)


def _agrees_sharply_at_the_default_scale(model, claim, cache_dir):
    """``claim`` at ``model`` over its default horizons, the default run's CPU budget: it agrees
    with resolution <= 0.01, and the prediction shifted by +-0.02 disagrees."""
    ctx = continuum_context(cache_dir=cache_dir, cpu_budget=DEFAULT_CPU_BUDGET)
    (r,) = validate(model, claims=[claim], ctx=ctx)
    e = r.measurement.extrapolation
    assert r.verdict == "agrees" and r.resolution <= 0.01, (r.measured, r.resolution, r.verdict)
    for shift in (-0.02, 0.02):
        assert statistical_verdict(e, r.predicted + shift, 0.01) == "disagrees"


@pytest.mark.slow
@pytest.mark.parametrize("ab", [(1.2, 4.0), (1.2, 1.7)], ids=["1.2-4", "1.2-1.7"])
def test_hard_loss_near_a_1_resolved_at_the_default_scale(tmp_path, ab):
    """Near a = 1 the hard optimal loss divides out the window's derived excess (SGD's source
    sigma^2 + L; solvers/claims/hard_loss.py): at the default scale (CPU budget, the mode count
    `optlr validate` derives for T = 1e11) it agrees to <= 0.01 at (1.2, 4) and (1.2, 1.7) (sweeps
    as far as the budget or the hard cap allows), and the prediction shifted by +-0.02 disagrees
    (benchmarks/results/claims.md, 2026-11-30e: it read -0.065 +- 0.087 and -0.1105 +- 0.0059)."""
    from theory import modes_for_horizon

    a, b = ab
    n = max(10**12, modes_for_horizon(a, b, 1e11, 2.0, 1e-3))
    model = PLRFModel(a, b, sigma=0.5, batch=1, n_modes=n, eta_max=2.0)
    _agrees_sharply_at_the_default_scale(model, "hard optimal loss", tmp_path)


@pytest.mark.slow
def test_window_with_two_near_equal_corrections_resolved_at_the_default_scale(tmp_path):
    """At (2.5, 3.2) the window's two slowest derived corrections, 0.1296 and 0.1360, act as one
    of twice the size: the default sweep runs until they together fall to 0.02 (1e15, the hard
    cap), where the window agrees to <= 0.01 and the prediction shifted by +-0.02 disagrees. With
    the slowest alone the sweep stopped at 3.16e13 and read 0.8713 +- 0.013, inconclusive
    (benchmarks/results/claims.md, 2026-12-01c). The claim now divides the second (the window's
    boundary layer) out; the sweep's horizon still counts it (window_layer.sweep_omegas), and
    the default run reads 0.87098 +- 0.00182 (2026-12-01i)."""
    model = PLRFModel(2.5, 3.2, sigma=0.5, batch=1, n_modes=10**12, eta_max=2.0)
    _agrees_sharply_at_the_default_scale(model, "hard annealing window", tmp_path)


@pytest.mark.slow
def test_xi_where_the_floor_and_the_layer_share_an_exponent_resolved_at_the_default_scale(
    tmp_path,
):
    """At (4, 3.5) (a - b = 1/2) the learned modes' noise floor and the end-of-run layer both
    decay as T^-1/8: with both divided out (solvers/claims/noise_floor.py) xi agrees to <= 0.01
    at the default scale and the prediction shifted by +-0.02 disagrees. With the layer alone it
    read 0.1265 +- 0.0057 (half-width 0.0114), inconclusive (benchmarks/results/claims.md,
    2026-12-01e and 2026-12-01x (xi13))."""
    model = PLRFModel(4.0, 3.5, sigma=0.5, batch=1, n_modes=10**12, eta_max=2.0)
    _agrees_sharply_at_the_default_scale(model, "xi", tmp_path)
