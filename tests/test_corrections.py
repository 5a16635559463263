"""Corrections to scaling (theory._corrections): derived gaps, checked by substitution and numerics."""

import numpy as np
import pytest
import sympy as sp

from theory import PLRFModel, derive_corrections, derive_scaling_laws
from theory._corrections import DIVIDED, POWER
from theory.symbols import a, b


@pytest.fixture(scope="module")
def corr():
    return derive_corrections()


def test_every_power_correction_is_positive_in_its_phase(corr):
    rng = np.random.default_rng(0)
    for phase, rows in corr.items():
        for _ in range(20):
            x, y = 1.2 + 2.8 * rng.random(2)
            aa, bb = (max(x, y), min(x, y)) if phase == "easy" else (min(x, y), max(x, y))
            if abs(aa - bb) < 0.05:
                continue
            for c in rows.values():
                for t in c.terms:
                    if t.form == POWER:
                        assert t.omega_at(aa, bb) > 0, (phase, c.name, t.mechanism, aa, bb)


def test_easy_boundary_layer_gap_is_the_end_term_against_the_loss(corr):
    """The gap equals (end-of-run noise exponent) - (loss exponent), both from the laws."""
    laws = derive_scaling_laws()
    xi = laws.easy["xi"].expr
    end_exponent = -(2 * b + xi - 1) / (2 * b)  # final-noise term at the optimum
    lead = -laws.easy["loss_exponent"].expr
    w = corr["easy"]["loss_exponent"].leading(3, 2)
    assert w.mechanism == "end-of-run boundary layer"
    assert sp.simplify(w.omega - (lead - end_exponent)) == 0


def test_hard_window_gap_is_window_terms_against_the_bias(corr):
    h = derive_scaling_laws().hard
    gap = h["anneal_window_loss_exponent"].expr - h["loss_exponent"].expr
    t = next(t for t in corr["hard"]["loss_exponent"].terms if t.mechanism.startswith("annealing"))
    assert sp.simplify(t.omega - gap) == 0
    assert sp.simplify(t.omega - (b - a) / (2 * b - 1)) == 0


def test_easy_delta_carries_the_schedules_corrections_hard_delta_none(corr):
    """delta is read at fixed u = 1 - t/T: its corrections are xi's (the schedule's), with the
    end-of-run boundary layer divided out by both readouts (theory.easy_end_layer) and the
    learned modes' noise floor (T^-xi) in its place; the loss keeps the layer as a power."""
    c, x = corr["easy"]["delta"], corr["easy"]["xi"]
    assert c.derivable and c.omegas(3, 2) == x.omegas(3, 2)
    for row in (c, x):
        layer = next(t for t in row.terms if t.mechanism == "end-of-run boundary layer")
        assert layer.form == DIVIDED and layer.omega is None
        assert sp.simplify(row.leading(3, 2).omega - (1 - b / a)) == 0
    loss = corr["easy"]["loss_exponent"].leading(3, 2)
    assert (
        loss.mechanism == "end-of-run boundary layer" and sp.simplify(loss.omega - 1 / (2 * a)) == 0
    )
    h = corr["hard"]["delta"]
    assert not h.derivable and h.leading(1.5, 3) is None and h.omegas(1.5, 3) == []


def test_latex_has_every_row(corr):
    from theory import corrections_latex

    tex = corrections_latex()
    # one paragraph per row, the constant rate's noise feedback in closed form, and the
    # window's response to a decaying noise source (and the hard loss against the same source),
    # and the tuned power law under the rate cap, and the easy phase's end-of-run boundary layer
    # and its learned modes' noise floor (theory.noise_floor), and the hard window's end-of-run
    # boundary layer (theory.window_end_layer), and the window in the realised intrinsic time
    # (theory.window_realised_time), and the plateau below the stability limit
    # (theory.plateau_deficit)
    assert tex.count(r"\paragraph") == sum(len(r) for r in corr.values()) + 9
    assert r"The hard window in the realised intrinsic time" in tex
    assert r"The hard plateau below the stability limit" in tex
    assert r"end-of-run boundary layer, divided out" in tex
    assert r"noise floor, divided out" in tex
    assert r"The tuned power law under the rate cap" in tex and r"a < 2 b" in tex
    assert r"\kappa = - \frac{b}{2 b - 1}" in tex
    assert r"\omega = \frac{1}{2 a}" in tex
    assert r"noise feedback" in tex and r"\frac{S_{u} \alpha}" in tex


def _local_slopes(T, y):
    lT, ly = np.log(T), np.log(y)
    return np.sqrt(T[1:] * T[:-1]), np.diff(ly) / np.diff(lT)


def test_constant_rate_correction_omega_from_the_loss_of_a_constant_rate():
    """Numerical check of a derived omega: the bias + noise loss of a constant rate, evaluated
    by the exact mode sums at its optimum over eta, has local slopes approaching -p like T^-omega
    with the derived omega = (b - 1)/(a + b - 1) (noise of the slow modes) up to the discrete-
    time term (absent here: continuous-time mode sums)."""
    from scipy.optimize import minimize_scalar

    A, B = 3.0, 2.0
    k = np.arange(1, 100_001, dtype=float)  # front k* ~ (eta T)^(1/b) < 100
    lam = k**-B

    def loss(eta, T):  # continuous time, sigma^2 >> L: bias + sigma^2 eta sum lam (1-e^-2lam tau)/2
        tau = eta * T
        return (k**-A * np.exp(-2 * lam * tau)).sum() + eta * (
            lam * (1 - np.exp(-2 * lam * tau))
        ).sum() / 2

    Ts = np.geomspace(1e2, 1e6, 9)
    Ls = np.array([minimize_scalar(lambda le, T=T: np.log(loss(np.exp(le), T)), bounds=(-12, 0),
                   method="bounded", options={"xatol": 1e-10}).fun for T in Ts])  # fmt: skip
    x, s = _local_slopes(Ts, np.exp(Ls))
    c = derive_corrections()["easy"]["constant_lr_loss_exponent"]
    p = float(c.exponent.subs({a: 3, b: 2}))
    # the easy claims divide this term out (tests/test_constant_deficit.py): its exponent is the
    # shared derivation's (theory._corrections._constant_terms), kept in the hard phase's row
    (slow,) = [t for t in c.terms if "slow modes" in t.mechanism]
    assert slow.form == "divided out by the readout"
    hard = derive_corrections()["hard"]["constant_lr_loss_exponent"]
    (same,) = [t for t in hard.terms if t.mechanism == slow.mechanism]
    w = same.omega_at(A, B)
    assert w < c.leading(A, B).omega_at(A, B)  # what is left converges faster
    # residual of the local slopes: s + p = c' T^-omega  ->  its log-log slope is -omega
    r = s + p
    wfit = -np.polyfit(np.log(x[-4:]), np.log(np.abs(r[-4:])), 1)[0]
    assert abs(wfit - w) < 0.03, (wfit, w)


def test_window_answers_a_decaying_noise_source_through_n_T_to_the_1_plus_p():
    """The window balance redone with the source ~ T^-e (SGD's sigma^2 + L while L is not small):
    omega(e) is the derived window at e = 0, linear in e with kappa = -b/(2b - 1), and the
    window depends on T only through n T^(1+p) (its cost ~ W T^-(1+p) against noise ~ n
    W^-gamma), i.e. omega_0 = -kappa (1 + p)."""
    from theory import window_source_response

    r = window_source_response()
    h = derive_scaling_laws().hard
    w0, p = h["anneal_window_exponent"].expr, h["loss_exponent"].expr
    assert sp.simplify(r.omega.subs(r.e, 0) - w0) == 0
    assert sp.simplify(sp.diff(r.omega, r.e, 2)) == 0 and not r.kappa.has(r.e)
    assert sp.simplify(w0 + r.kappa * (1 + p)) == 0
    assert sp.simplify(r.kappa + b / (2 * b - 1)) == 0
    assert "window cost" in r.binding


def test_window_boundary_layer_is_its_final_stretch_against_its_noise(corr):
    """The window's final stretch (kernel argument O(1)) leaves noise W^(-delta/(delta + 1)) =
    W^(-(2b-1)/(2b)) against the balanced window noise W^(-(b-1)/b): relative W^(-1/(2b)), i.e.
    T^(-omega_0/(2b)) at W ~ T^omega_0 (the easy phase's 1/(2a) with X = W). The window claims'
    readout divides it out (theory.window_end_layer): its second order, omega_0/b, is left."""
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    for name in ("anneal_window_exponent", "anneal_fraction_exponent"):
        terms = corr["hard"][name].terms
        t = next(t for t in terms if t.mechanism == "end-of-run boundary layer of the window")
        assert t.form == "divided out by the readout"
        t = next(t for t in terms if t.mechanism == "second order of the window's boundary layer")
        assert sp.simplify(t.omega - 2 * w0 / (2 * b)) == 0
        # the crossover is divided out by the readout: no T^-p left to extrapolate
        assert all(not (t.form == POWER and t.mechanism == "noise against bias") for t in terms)
    # ... and what the readout's division by the source at the end keeps, p + (b - a)/(2b - 1)
    # (theory.window_source_residual; benchmarks/results/claims.md 2026-11-30o, R1)
    omegas = corr["hard"]["anneal_window_exponent"].omegas(1.5, 3)
    assert omegas == pytest.approx([7 / 30, 0.3, 1 / 6 + 0.3])
    # the bulk's deficit below the stability limit, T^-(b-a)/(2b) (theory.plateau_deficit), is
    # listed as divided out by the readout, without an exponent for the fits or the sweep
    (t,) = [t for t in corr["hard"]["anneal_window_exponent"].terms
            if t.mechanism == "plateau below the rate cap"]  # fmt: skip
    assert t.form == "divided out by the readout" and t.omega is None


def test_modes_for_horizon_bounds_the_bias_the_model_lacks():
    """The finite-N correction, on the model's own dynamics: the derived fraction
    (k*/N)^(a-1) of the bias a model with N modes lacks, solved for N, gives the bias of a
    constant-rate run (no noise) within 10 % of the asked fraction at (1.2, 1.7), and 1000x
    fewer modes lack 1000^(a-1) = 4x more (a wrong exponent of N, or a front off by a power,
    fails both)."""
    from solvers.dynamics.continuum import continuum_loss
    from theory import missing_mode_fraction, modes_for_horizon

    k, N = sp.symbols("k_* N", positive=True)
    assert sp.simplify(missing_mode_fraction() - (k / N) ** (a - 1)) == 0
    T, eta, t = 10**6, 0.5, np.array([0.0, 1e6])

    def bias(n):
        model = PLRFModel(1.2, 1.7, sigma=0.0, batch=float("inf"), n_modes=n)
        return continuum_loss(model, np.array([eta]), t)[-1]

    ref = bias(10**40)
    for rel in (1e-2, 1e-3):
        n = modes_for_horizon(1.2, 1.7, T, eta, rel)
        assert 1 - bias(n) / ref == pytest.approx(rel, rel=0.1)
        assert 1 - bias(n // 1000) / ref == pytest.approx(1000**0.2 * rel, rel=0.1)
    with pytest.raises(ValueError, match="a > 1"):
        modes_for_horizon(1.0, 1.7, T, eta, 1e-3)


def test_hard_loss_excess_answers_the_source_through_the_window_balance(corr):
    """theory.hard_loss_source: the window's relative excess decays as T^-g(e), g(e) = 1 - omega(e)
    (its cost W T^-(1+p) at the window of window_source_response); the local exponent solves
    s = -p - f g(-ell s) (substitution) and is -p without excess; the hard loss's corrections are
    g(0), g(p) and the window's boundary layer on g(0): the crossover T^-p is gone."""
    from theory import hard_loss_source, window_source_response

    h, r = hard_loss_source(), window_source_response()
    laws = derive_scaling_laws().hard
    p = laws["loss_exponent"].expr
    f, ell = h.symbols
    assert sp.simplify(h.gap - (1 - r.omega.subs(r.e, h.e))) == 0
    # the balanced excess over the bias: the window balance's own leading exponent, -(p + g(e))
    from theory._window_source import decaying_source_balance

    case = decaying_source_balance(h.e)
    assert sp.simplify(-case.exponent - p - h.gap) == 0
    assert sp.simplify(h.slope + p + f * h.gap.subs(h.e, -ell * h.slope)) == 0
    assert sp.simplify(h.slope.subs(f, 0) + p) == 0
    assert sp.simplify(h.label_gap - (laws["anneal_window_loss_exponent"].expr - p)) == 0
    assert sp.simplify(h.loss_gap - (b - 1) / (2 * b - 1)) == 0
    c = corr["hard"]["loss_exponent"]
    assert c.omegas(1.2, 4) == pytest.approx([0.4, 3 / 7, 0.4 + 0.075])
    assert all(t.estimate is False for t in c.terms if t.form == POWER)
    assert 0.05 not in [pytest.approx(w) for w in c.omegas(1.2, 4)]


def test_hard_loss_slope_against_a_self_consistent_excess():
    """Independent numerics: L = B T^-p (1 + phi), phi = C T^-g(0) (sigma^2 + L)^(b/(2b-1)) (the
    window balance's excess with SGD's source), solved for L at each T by fixed point; its
    finite-difference local exponent is the derived s(f, ell) within 1e-6; the slope without the
    source's decay (ell = 0) misses it by 50-1000x that."""
    from theory import hard_loss_source

    h = hard_loss_source()
    a_, b_, s2 = 1.2, 1.7, 0.25
    p, g0, m = (a_ - 1) / b_, (b_ - a_) / (2 * b_ - 1), b_ / (2 * b_ - 1)

    def loss(T):
        L = 1.0
        for _ in range(200):
            L = 3.0 * T**-p * (1 + 0.4 * T**-g0 * (s2 + L) ** m)
        return L

    for T in (1e4, 1e7, 1e10):
        L = loss(T)
        fd = (np.log(loss(T * 1.001)) - np.log(loss(T / 1.001))) / (2 * np.log(1.001))
        f = 1 - 3.0 * T**-p / L
        s = h.slope_at(a_, b_, f, L / (s2 + L))
        assert s == pytest.approx(fd, abs=1e-6), (T, s, fd)
        # the label-noise-only response (ell = 0: phi ~ T^-g(0)) misses the self-consistent slope
        assert abs(h.slope_at(a_, b_, f, 0.0) - fd) > 5e-5, (T, h.slope_at(a_, b_, f, 0.0), fd)


def test_power_law_gain_corrections_are_both_tuned_families(corr):
    """The tuned power law's own balance (in mu = nu + chi, theory._corrections) leaves the bulk
    noise of the slow modes as its subleading term, with the gap the constant rate's balance
    (in zeta, a separate derivation) gives its upper-end noise: (b - 1)/(a + b - 1). The gain's
    corrections are the union, and its slowest is that gap at every easy point; the hard phase
    has none derived."""
    gain = corr["easy"]["power_law_gain"]
    const = corr["easy"]["constant_lr_loss_exponent"]
    assert gain.exponent == 0
    for aa, bb in [(4, 1.2), (3, 2), (2.5, 1.5), (4, 3.5)]:
        want = (bb - 1) / (aa + bb - 1)
        assert gain.omegas(aa, bb)[0] == pytest.approx(want, rel=1e-9)
        assert set(const.omegas(aa, bb)) <= set(gain.omegas(aa, bb))
    (bulk,) = [t for t in gain.terms if "slow modes" in t.mechanism and "bulk" in t.note]
    assert sp.simplify(bulk.omega - (b - 1) / (a + b - 1)) == 0
    assert not corr["hard"]["power_law_gain"].derivable
