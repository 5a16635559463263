"""Claims: registry, derivation of the constant-rate exponents, verdicts, stand-in solver."""

from dataclasses import dataclass

import numpy as np
import pytest
import sympy as sp

from solvers import CLAIMS, Claim, evaluate_claim, register_claim
from solvers.analysis import LocalSlopes, slope_drift
from solvers.claims import (
    ClaimRegistry,
    ExperimentContext,
    Measurement,
    constant_rate_balance,
    default_claims,
)
from theory import PLRFModel
from theory.symbols import a, b

THEORY_ROWS = [
    "phase boundary", "easy schedule", "xi", "delta", "easy optimal loss", "hard schedule",
    "hard optimal loss", "hard annealing window", "optimal constant LR", "optimal constant loss",
    "optimal power law", "LR and batch", "momentum", "compute-optimal",
    "hard annealing fraction",
]  # fmt: skip
EASY = PLRFModel(3.0, 2.0, n_modes=10**6)
HARD = PLRFModel(1.5, 3.0, n_modes=10**6)
SMALL = {"exact": 64, "ratio": 1.3}


def test_registry_holds_every_theory_row():
    assert set(THEORY_ROWS) <= set(CLAIMS.names())


def test_constant_rate_balance_is_a_derivation():
    p = constant_rate_balance()
    # substitution check: bias (eta T)^(-(a-1)/b) and noise eta decay at the same rate
    assert sp.simplify(-(a - 1) / b * (p["eta"] + 1) - p["eta"]) == 0
    assert sp.simplify(p["eta"] + (a - 1) / (a + b - 1)) == 0  # docs/theory.md's row
    assert p["loss"] == p["eta"]


def test_pending_and_not_applicable():
    ctx = ExperimentContext()
    assert evaluate_claim(CLAIMS["xi"], EASY, [10, 100], ctx).verdict == (
        "pending: solver not available"
    )
    assert evaluate_claim(CLAIMS["xi"], HARD, [10, 100], ctx).verdict == (
        "not applicable in this phase"
    )


def _synthetic(value, trend):
    x = np.array([1e3, 1e4, 1e5])
    sl = LocalSlopes(x, value + trend * np.log10(x / x[-1]), np.full(3, 1e-3), 3)
    return Measurement(float(sl.slope[-1]), 1e-3, None, sl, slope_drift(sl))


@pytest.mark.parametrize(
    ("value", "trend", "verdict"),
    [
        (-0.51, 0.0, "agrees"),
        (-0.60, 0.0, "disagrees"),
        (-0.60, 0.05, "inconclusive (pre-asymptotic drift)"),  # moving up towards -0.5
        (-0.60, -0.05, "disagrees"),  # drifting away
    ],
)
def test_verdicts_of_user_claim(value, trend, verdict):
    reg = ClaimRegistry()
    claim = Claim(
        "mine", "y ~ T^(-1/2)", r"y \sim T^{-1/2}", prediction=lambda: -sp.Rational(1, 2),
        experiment=lambda model, Ts, ctx: _synthetic(value, trend),
    )  # fmt: skip
    register_claim(claim, registry=reg)
    with pytest.raises(ValueError, match="already registered"):
        register_claim(claim, registry=reg)
    r = evaluate_claim(reg["mine"], EASY, [1], ExperimentContext())
    assert r.verdict == verdict and r.predicted == -0.5
    assert set(r.to_dict()) == {"claim", "a", "b", "predicted", "measured", "stderr", "verdict",
                                "resolution", "local_slopes"}  # fmt: skip


def test_with_prediction_wires_theory_results():
    reg = default_claims()
    reg.with_prediction("xi", lambda: 1 - b / a)
    assert reg["xi"].predicted_expr() == 1 - b / a
    # the default registry is untouched
    assert reg["xi"].prediction is not CLAIMS["xi"].prediction


def test_constant_claims_measure_the_baseline():
    ctx = ExperimentContext(grid_options=SMALL)
    Ts = [10**2, 10**3, 10**4, 10**5]
    r = evaluate_claim(CLAIMS["optimal constant loss"], EASY, Ts, ctx)
    assert r.predicted == -0.5 and r.measurement.slopes.slope.size == 3  # two-point slopes
    assert r.verdict.split(":")[0] in {"agrees", "disagrees", "inconclusive"}
    assert abs(r.measured + 0.5) < 0.05  # loose: the short-sweep estimate, not the claim check


@dataclass(frozen=True)
class _StandIn:
    t: np.ndarray
    eta: np.ndarray
    loss: np.ndarray
    final_loss: float
    success: bool = True
    message: str = "stand-in"
    iterations: int = 0
    kkt_residual: float = 0.0
    seconds: float = 0.0


XI, DELTA, P = 1 / 3, 3.0, -2 / 3


def stand_in_solver(model, T, **options):
    """Exact easy-phase form with known exponents (the real solvers land on other branches)."""
    t = np.arange(T + 1)
    eta = 0.8 * T**-XI * (1 - np.arange(T) / T) ** DELTA
    return _StandIn(t, eta, np.full(T + 1, np.nan), 2.0 * T**P)


def test_solver_claims_run_with_injected_solver():
    reg = default_claims()
    reg.with_prediction("xi", lambda: sp.Rational(1, 3))
    reg.with_prediction("easy optimal loss", lambda: -sp.Rational(2, 3))
    ctx = ExperimentContext(solver=stand_in_solver)
    # per-step cells: the window means carry an O(1/T) discreteness term, negligible from 1e3
    Ts = [1000, 3162, 10000, 31623, 100000]
    xi = evaluate_claim(reg["xi"], EASY, Ts, ctx)
    assert xi.verdict == "agrees" and xi.measured == pytest.approx(XI, abs=1e-3)
    loss = evaluate_claim(reg["easy optimal loss"], EASY, Ts, ctx)
    assert loss.measured == pytest.approx(P, abs=1e-9) and loss.verdict == "agrees"
    d = evaluate_claim(reg["delta"], EASY, Ts, ctx)  # delta = 2b - 1 = 3 from the theory
    assert d.predicted == 3.0 and d.verdict == "agrees"
    assert d.measured == pytest.approx(DELTA, rel=0.05)  # midpoint convention vs t/T sampling
    col = evaluate_claim(reg["easy schedule"], EASY, Ts, ctx)
    assert col.measured < 1e-3 and col.verdict == "measured (no prediction)"


def test_claim_validation():
    with pytest.raises(ValueError, match="tolerance"):
        Claim("x", "s", "s", tolerance=0)
    with pytest.raises(ValueError, match="phases"):
        Claim("x", "s", "s", phases=("medium",))
    with pytest.raises(KeyError, match="unknown claim"):
        CLAIMS["nope"]


def test_power_law_prediction_is_the_tuned_family_at_a_above_2b():
    """At a > 2b the fixed-eta0 power law would lose to the constant rate, but the experiment
    tunes eta0 (the family contains the constant): the derived gain of that family is 0."""
    from theory import derive_scaling_laws, tuned_power_law_gain

    model = PLRFModel(4.5, 1.5, n_modes=10**5)
    laws = derive_scaling_laws()
    fixed = laws.easy["power_law_loss_exponent"].expr - laws.easy["constant_lr_loss_exponent"].expr
    assert float(fixed.subs(model.subs())) < -0.01  # the other family: a real difference
    assert tuned_power_law_gain()[0] == 0
    assert float(CLAIMS["optimal power law"].predicted_expr()) == 0.0


def test_power_law_gain_tunes_both_families_on_one_dynamics():
    """The gain is a difference of slopes of order 1e-4, so the constant it is measured against
    must be tuned on the power law's dynamics (the continuum grid, with continuum baselines).
    The constant of the constant-rate claims (exact recursion, binned modes) differs from it by
    ~1e-3 relative and wobbled the gain by 3e-4 at (2.5, 3.2): with it, the loss recomputed
    here on the continuum grid misses by far more than the tolerance, and the power law (a
    family containing the constant, chi = 0) need not beat it."""
    from solvers.claims.validate import continuum_context
    from solvers.schedules.tuning_continuum import continuum_problem

    model = PLRFModel(2.5, 3.2, sigma=0.5, n_modes=10**12)
    ctx = continuum_context(baselines="continuum")
    r = evaluate_claim(CLAIMS["optimal power law"], model, [10**4, 31623, 10**5], ctx)
    d = r.measurement.diagnostics
    rows = zip(d["T"], d["constant_eta0"], d["constant_loss"], d["power_loss"], strict=True)
    for T, eta0, L_const, L_pow in rows:
        prob = continuum_problem(model, T)
        L, ok = prob.loss_curve(np.full(prob.h.size, eta0))
        assert ok and L[-1] == pytest.approx(L_const, rel=1e-9), (T, L[-1], L_const)
        assert L_pow <= L_const * (1 + 1e-9), (T, L_pow, L_const)


@pytest.mark.slow
def test_power_law_claim_measures_with_the_prediction_sign_at_a_above_2b():
    """Measured gain has the prediction's sign convention (> 0 iff the power law decays
    faster) and does not disagree at a > 2b (before the fix it did)."""
    model = PLRFModel(4.5, 1.5, n_modes=10**5)
    ctx = ExperimentContext(grid_options=SMALL)
    r = evaluate_claim(CLAIMS["optimal power law"], model, [100, 300, 1000, 3000, 10000], ctx)
    assert r.predicted == 0.0
    # the tuned family contains the constant: its loss never decays slower (up to tuning)
    assert min(r.measurement.slopes.slope) > -0.02, r.measurement.slopes.slope
    assert r.verdict != "disagrees", (r.measured, r.resolution, r.verdict)


@pytest.mark.slow
def test_power_law_gain_with_its_derived_correction_at_4_1p2():
    """(4, 1.2): the tuned power law's gain over the tuned constant falls like T^-(b-1)/(a+b-1) =
    T^-0.048 (both families' slow-mode noise). Extrapolated model-free to 1e6 it read
    +0.0092 +- 0.004 and "disagreed" (reversed at 1e8); with the derived correction over the
    claim's default horizons (to 1e11) it agrees with 0 at resolution <= 0.01, a prediction
    moved by +-0.02 disagrees, and on the old horizons the model-free value still sits biased
    high (+0.0087 +- 0.0088 with both families on the continuum grid; against the constant of
    the exact recursion it excluded 0) where the derived form is honestly wide (the defect the
    derivation removes)."""
    from solvers.analysis.extrapolate import extrapolate_sequence
    from solvers.claims.core import statistical_verdict
    from solvers.claims.validate import continuum_context, default_horizons, validate

    model = PLRFModel(4.0, 1.2, n_modes=10**12)
    claim = CLAIMS["optimal power law"]
    Ts = default_horizons(model, claim)
    assert Ts[-1] >= 1e10
    ctx = continuum_context(baselines="continuum")
    (r,) = validate(model, Ts, claims=[claim.name], ctx=ctx)
    assert r.verdict == "agrees" and r.resolution <= 0.01, (r.measured, r.resolution, r.verdict)
    e = r.measurement.extrapolation
    for shift in (-0.02, 0.02):
        assert statistical_verdict(e, shift, claim.resolution) == "disagrees"
    # the old default (T <= 1e6): model-free excludes 0, the derived form holds it (wide)
    short = e.x < 1e6
    free = extrapolate_sequence(e.x[short], e.slopes[short])
    derived = extrapolate_sequence(
        e.x[short], e.slopes[short], omegas=r.measurement.diagnostics["omegas"]
    )
    assert free.value > 0.005, (free.value, free.halfwidth)
    assert derived.contains(0.0) and derived.halfwidth > 0.01, (derived.value, derived.halfwidth)


def test_balance_share_is_the_derived_rate_exponent():
    """The identity the constant-rate regime test rests on: for B (eta T)^-alpha + C eta, the
    optimum's label-noise share C eta*/L* is alpha/(1 + alpha), which is the engine's derived
    rate exponent zeta at alpha = (a - 1)/b (the bias of docs/theory.md §1), in both phases."""
    from theory import derive_scaling_laws

    x, B, C, T, al = sp.symbols("x B C T alpha", positive=True)
    f = B * (x * T) ** -al + C * x
    (x_star,) = sp.solve(sp.diff(f, x), x)
    share = sp.simplify(C * x_star / f.subs(x, x_star))
    assert sp.simplify(share - al / (1 + al)) == 0
    laws = derive_scaling_laws()
    for phase in (laws.easy, laws.hard):
        zeta = phase["constant_lr_exponent"].expr
        assert sp.simplify(share.subs(al, (a - 1) / b) - zeta) == 0


def test_constant_claims_remove_the_derived_feedback_correction():
    """The hard constant-rate claims subtract the derived feedback slopes
    (theory.derive_feedback_slopes) before extrapolating. At (1.2, 4) the raw slopes (rate
    ~-0.003, loss -0.050: the old "disagrees" with -0.0476) are what the feedback balance
    predicts horizon by horizon, to 1e-3; with it removed the loss agrees. Left in (the
    correction zeroed) the same data disagree, so the check has teeth. In the easy phase the
    slow modes' noise deficit is divided out instead (tests/test_constant_deficit.py)."""
    from solvers.claims import constant_rate as cr

    corner = PLRFModel(1.2, 4.0, n_modes=10**15)
    Ts = [10**k for k in range(4, 8)]
    grid = ExperimentContext(grid_options={"exact": 128, "ratio": 1.2}).grid(corner)
    etas = np.array([r.params["eta0"] for r in cr.tune_constant(corner, Ts, grid=grid, xatol=1e-4)])
    raw = np.diff(np.log(etas)) / np.diff(np.log(Ts))
    corr = cr.feedback_correction(corner, etas, "rate")
    zeta = 0.2 / 4.2
    predicted = (corr[1:] + corr[:-1]) / 2 - zeta
    assert np.abs(raw - predicted).max() < 1e-3, (raw, predicted)  # measured: <= 3e-4
    assert np.abs(raw + zeta).min() > 0.03  # the raw slopes are far from -zeta
    ctx = ExperimentContext(grid_options=SMALL)
    Ts = [10**k for k in range(2, 8)]
    loss = evaluate_claim(CLAIMS["optimal constant loss"], corner, Ts, ctx)
    assert loss.verdict == "agrees", (loss.measured, loss.resolution, loss.verdict)
    assert loss.measured == pytest.approx(-zeta, abs=1e-3)
    original = cr.feedback_correction
    try:  # the same tuned sweep (memoised in ctx), the correction zeroed
        cr.feedback_correction = lambda model, etas, kind: np.zeros(len(etas))
        left_in = evaluate_claim(CLAIMS["optimal constant loss"], corner, Ts, ctx)
    finally:
        cr.feedback_correction = original
    assert left_in.verdict == "disagrees", (left_in.measured, left_in.resolution)
    easy = evaluate_claim(CLAIMS["optimal constant loss"], EASY, Ts[:4], ctx)
    assert "feedback_correction" not in easy.measurement.diagnostics
    assert "deficit_correction" in easy.measurement.diagnostics


def test_hard_constant_loss_slope_is_the_feedback_envelope():
    """Why the hard constant-rate claims converge slowly, checked at finite T. With the SGD
    noise feedback the constant rate's loss is L = (B (eta T)^-alpha + sigma^2 S)/(1 - S),
    S = S(eta) the noise sum; at the tuned rate (d L/d eta = 0) the envelope theorem gives
    d log L*/d log T = -alpha (1 - s), s = sigma^2 S/((1 - S) L) the label-noise share. The
    share tends to alpha/(1 + alpha) = zeta only as S ~ eta* ~ T^-zeta vanishes, so the loss
    slope approaches -zeta at the rate of the feedback. The relation holds at every half-decade
    to 1e13 within 3e-4 on the exact recursion at (2, 3) and (1.5, 3), where the slopes
    themselves move by 0.03-0.02 (benchmarks/results/claims.md, 2026-11-30d); a bias exponent
    off by 0.02, or
    the share left out, misses by >= 0.01."""
    from solvers import stationary_loss, tune_constant

    eta, T, B, al, sig = sp.symbols("eta T B alpha sigma", positive=True)
    S = sp.Function("S")(eta)
    L = (B * (eta * T) ** -al + sig**2 * S) / (1 - S)
    partial = sp.simplify(T * sp.diff(sp.log(L), T))  # d log L / d log T at fixed eta
    share = sig**2 * S / ((1 - S) * L)
    assert sp.simplify(partial - (-al * (1 - share))) == 0
    Ts = [10**k for k in range(3, 7)]
    for a_, b_ in ((2.0, 3.0), (1.5, 3.0)):
        model = PLRFModel(a_, b_, n_modes=10**12)
        grid = ExperimentContext(grid_options={"exact": 128, "ratio": 1.2}).grid(model)
        res = [r for r in tune_constant(model, Ts, grid=grid, xatol=1e-3) if not r.at_bound]
        assert len(res) == len(Ts)
        t, L_ = (np.array([r.T for r in res], float), np.array([r.final_loss for r in res]))
        s = np.array([stationary_loss(model, r.params["eta0"]) for r in res]) / L_
        slope = np.diff(np.log(L_)) / np.diff(np.log(t))
        s_mid = (s[1:] + s[:-1]) / 2
        alpha = (a_ - 1) / b_
        assert np.abs(slope + alpha * (1 - s_mid)).max() < 1e-3, (slope, s_mid)
        assert np.ptp(slope) > 3e-3  # the slopes still move: the check is not of a constant
        for wrong in (slope + (alpha + 0.02) * (1 - s_mid), slope + alpha):
            assert np.abs(wrong).max() > 1e-2


def test_fixed_shape_family_has_its_own_peak_exponent():
    """The LR-transfer claims of the linear-decay and WSD families predict their own balance
    (theory.fixed_shape_peak_exponent): at the optimum's shape (1 - t/T)^(2b-1) the derivation
    returns the engine's xi (an independent check), for a linear decay xi only when b < 2 and
    (2a - 2 - b)/(2a - 2 + b) when b > 2 (measured at (4, 3.5): -0.264 +- 0.002 to 1e8 against
    0.263; xi = 0.125; benchmarks/results/claims.md, 2026-11-30d)."""
    from theory import derive_scaling_laws, fixed_shape_peak_at, fixed_shape_peak_exponent

    xi = derive_scaling_laws().easy["xi"].expr
    optimum = [v for c, v in fixed_shape_peak_exponent(2 * b - 1) if bool(c.subs({a: 3, b: 2}))]
    assert len(optimum) == 1 and sp.simplify(optimum[0] - xi) == 0
    assert fixed_shape_peak_at(1, 4.0, 1.2) == pytest.approx(0.7)  # b < 2: xi
    assert fixed_shape_peak_at(1, 3.0, 2.0) == pytest.approx(1 / 3)  # b = 2: both sides
    assert fixed_shape_peak_at(1, 4.0, 3.5) == pytest.approx(2.5 / 9.5)
    for name in ("LR transfer: WSD peak", "LR transfer: linear peak"):
        pred = CLAIMS[name].predicted_expr()
        assert float(pred.subs({a: 4.0, b: 3.5})) == pytest.approx(-2.5 / 9.5)
        assert float(pred.subs({a: 1.5, b: 3.0})) == 0.0  # hard phase: the plateau transfers
        # hard, 2a > b + 2: the linear decay's end outlasts its bias, (b + 2 - 2a)/(2a + b - 2)
        assert float(pred.subs({a: 3.0, b: 3.5})) == pytest.approx(-1 / 15)
        assert float(pred.subs({a: 2.5, b: 3.0})) == 0.0  # the boundary 2a = b + 2


@pytest.mark.slow
def test_linear_decay_peak_follows_its_own_balance_at_4_3p5(tmp_path):
    """Measured (baselines tuned on the continuum dynamics, as `optlr validate` does, T to 1e7):
    the tuned linear-decay peak at (4, 3.5) does not disagree with -(2a-2-b)/(2a-2+b) and
    disagrees with the optimum's -xi = -0.125 (the claim's old prediction)."""
    from solvers.claims.core import statistical_verdict
    from solvers.claims.validate import continuum_context

    model = PLRFModel(4.0, 3.5, n_modes=10**12)
    Ts = [int(x) for x in np.geomspace(100, 1e7, 11)]
    ctx = continuum_context(cache_dir=tmp_path)
    r = evaluate_claim(CLAIMS["LR transfer: linear peak"], model, Ts, ctx)
    assert r.verdict != "disagrees", (r.measured, r.resolution)
    e = r.measurement.extrapolation
    assert statistical_verdict(e, -0.125, 0.01) == "disagrees"
