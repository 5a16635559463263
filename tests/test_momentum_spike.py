"""Heavy ball's release: what a spike leaves in the slow modes, derived (issue 13).

Checked against the compiled recursion, the closure's adjoint, explicit matrix products and
quadrature, never against earlier output:

* the decomposition the lower bound rests on: one step of the compiled kernel
  (:func:`general_momentum_forward`) equals the mean map's ``M P M^T`` plus the noise and the
  fourth-moment term, each a multiple of the kick's ``k k^T``;
* the filter's slow-mode closed forms: ``prod_j M_j(0) = [[1, -G], [0, C]]`` on a random 7-step
  cleanup; :func:`theory.spike_gains` against explicit products; the first-order response;
* the power-law sums of the derivation against quadrature, and the cost exponent;
* the closure's adjoint (:func:`fed_back_response`) sums to ``loss_split``'s fed-back noise, and
  bounds the mean-map Duhamel part from above at every step and mode;
* on synthetic coasts (two cleanups) and on the stored T = 1e3 optimum: the derived front noise
  against the adjoint's; three wrong derivations (the velocity's conversion dropped, the kick's
  gain taken as 1, the front at ``tau^(1/a)``) miss by more than the tolerance.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.integrate as si
import scipy.special as sc
import sympy as sp

from benchmarks.momentum_per_step_anatomy import _setup, front
from benchmarks.momentum_per_step_kkt import _as_start
from benchmarks.momentum_spike_cost import closed_form, mean_response
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import general_momentum_forward
from solvers.dynamics.momentum_response import fed_back_response, loss_split
from theory import PLRFModel, derive_spike_cost, small_rate_growth, spike_gains, spike_response
from theory.symbols import a, b, lam

OPT_1000 = (
    Path(__file__).parents[1] / "benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz"
)
CAP = 1.0 - 1e-7


@pytest.fixture(scope="module")
def derivation():
    return derive_spike_cost()


def _kick_outer(h):
    return np.array([h * h, -h, 1.0])


def _kernel(lk, h, c, im, s2, D0):
    """``(D, X, V)`` of one mode (weight 1) after the steps ``h, c`` of the compiled kernel."""
    T, one = len(h), np.ones(len(h))
    D, X, V, _ = general_momentum_forward(
        np.array([lk]), np.ones(1), np.array([D0]), np.zeros(T), np.array(h, dtype=float),
        np.array(c, dtype=float), one, np.full(T, im), s2, np.array([T]), np.empty(1),
    )  # fmt: skip
    return np.array([D[0], X[0], V[0]])


def test_one_step_is_mean_map_plus_kick_injections(derivation):
    """Step 2 of the compiled kernel from the (D, X, V) its step 1 left: ``M P M^T`` plus
    ``iota lam (L + sigma^2) k k^T`` plus the fourth-moment ``iota lam^2 D k k^T``."""
    rng = np.random.default_rng(3)
    hs, cs = sp.Symbol("h", nonnegative=True), sp.Symbol("c", nonnegative=True)
    Mf = sp.lambdify((lam, hs, cs), derivation.mean_map, "numpy")
    assert derivation.kick == sp.Matrix([-hs, 1])
    for _ in range(6):
        lk, im, s2 = rng.uniform(0.05, 1.5), 0.25, 0.49
        h, c = rng.uniform(0, 2, 2), rng.uniform(0, 1, 2)
        D1, X1, V1 = _kernel(lk, h[:1], c[:1], im, s2, 1.3)
        got = _kernel(lk, h, c, im, s2, 1.3)
        M = np.array(Mf(lk, h[1], c[1]), dtype=float)
        Q = M @ np.array([[D1, X1], [X1, V1]]) @ M.T
        inj = (im * lk * (lk * D1 + s2) + im * lk**2 * D1) * _kick_outer(h[1])
        want = np.array([Q[0, 0], Q[0, 1], Q[1, 1]]) + inj
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def _mean_product(lk, h, c):
    """``prod_j M_j(lk)`` by explicit 2 x 2 products (the first step applied first)."""
    P = np.eye(2)
    for hh, cc in zip(h, c, strict=True):
        P = np.array([[1 - hh * lk, -hh * cc], [lk, cc]]) @ P
    return P


def test_filter_slow_mode_gain_and_spike_gains(derivation):
    rng = np.random.default_rng(7)
    h, c = rng.uniform(0, 2, 7), rng.uniform(0, 1, 7)
    P0 = _mean_product(0.0, h, c)
    G = sum(h[j] * c[j] * np.prod(c[:j]) for j in range(7))
    np.testing.assert_allclose(P0, [[1, -G], [0, np.prod(c)]], rtol=1e-13, atol=1e-15)
    # the symbolic closed form of the derivation (3 steps) at the first three steps
    sub = {sp.Symbol(f"h{j}", nonnegative=True): h[j - 1] for j in range(1, 4)}
    sub |= {sp.Symbol(f"c{j}", nonnegative=True): c[j - 1] for j in range(1, 4)}
    G3 = sum(h[j] * c[j] * np.prod(c[:j]) for j in range(3))
    assert float(derivation.filter_gain.subs(sub)) == pytest.approx(G3, rel=1e-13)
    # spike_gains: G_t is the displacement a unit velocity kick at t gives a frozen mode by T;
    # Theta_t the clock still to run, Theta_{-1} + G_0 = tau = sum of slow_mode_rate
    Gt, Theta = spike_gains(h, c)
    for t in range(7):
        kick = _mean_product(0.0, h[t + 1 :], c[t + 1 :]) @ np.array([-h[t], 1.0])
        assert -kick[0] == pytest.approx(Gt[t], rel=1e-13)
        assert Theta[t] == pytest.approx(Gt[t + 1 :].sum(), rel=1e-13, abs=1e-15)
    V, tau = 0.0, 0.0
    for t in range(7):
        V = c[t] * V + 1.0
        tau += h[t] * V
    assert Gt.sum() == pytest.approx(tau, rel=1e-13)
    # a slow mode's energy through the filter: 1 - 2 lam tau_c + O(lam^2), tau_c its own clock
    lk = 1e-7
    gain = _mean_product(lk, h, c)[0, 0] ** 2
    assert (1 - gain) / (2 * lk) == pytest.approx(tau, rel=1e-5)
    V, tau3 = 0.0, 0.0
    for t in range(3):
        V = c[t] * V + 1.0
        tau3 += h[t] * V
    assert float(derivation.energy_first_order.subs(sub)) == pytest.approx(-2 * tau3, rel=1e-12)


def test_first_order_and_resummed_response():
    """|Gamma(lam)| of a kick: first order sum_j d_j (1 - lam Theta_j) to O(lam^2); the resummed
    form agrees at first order too."""
    rng = np.random.default_rng(11)
    h, c = rng.uniform(0, 2, 40), rng.uniform(0, 1, 40)
    c[5:25] = CAP  # a coast
    lams = np.array([1e-6, 1e-5])
    exact = mean_response(lams, h, c)
    first = spike_response(lams, h, c, first_order_only=True)
    resum = spike_response(lams, h, c)
    G, Theta = spike_gains(h, c)
    for j, lk in enumerate(lams):
        err1 = np.abs(exact[:, j] - first[:, j]).max()
        assert err1 < 10 * (lk * Theta.max()) ** 2 * G.max()
        assert np.abs(exact[:, j] - resum[:, j]).max() < 10 * (lk * Theta.max()) ** 2 * G.max()
    # and at first order it is not the kick's own displacement only (G -> h fails at lam -> 0)
    assert np.abs(exact[:, 0] - h).max() > 0.5


def test_power_law_sums_and_cost_exponent(derivation):
    av, bv, th = 1.3, 2.75, 57.0
    sub = {a: av, b: bv, sp.Symbol("theta", positive=True): th, sp.Symbol("tau", positive=True): th}
    q_share, _ = si.quad(
        lambda k: k ** (-2 * bv) * math.exp(-2 * th * k**-bv), 0, np.inf, limit=400
    )
    q_bias, _ = si.quad(lambda k: k**-av * math.exp(-2 * th * k**-bv), 0, np.inf, limit=400)
    assert float(derivation.noise_share.subs(sub)) == pytest.approx(q_share, rel=1e-7)
    assert float(derivation.bias.subs(sub)) == pytest.approx(q_bias, rel=1e-7)
    assert float(derivation.noise_share.subs(sub)) == pytest.approx(
        sc.gamma(2 - 1 / bv) * (2 * th) ** (1 / bv - 2) / bv, rel=1e-12
    )
    assert sp.simplify(derivation.cost_exponent - (2 * b - a) / b) == 0
    kap = sp.Symbol("kappa", positive=True)
    assert float(derivation.coast_weight.subs(kap, 0.3)) == pytest.approx(
        si.quad(lambda x: x * x * math.exp(-0.3 * x), 0, np.inf)[0], rel=1e-10
    )
    assert sp.simplify(derivation.h_max_coefficient - (2 * b - a) / (b * kap)) == 0


def _synthetic(H, clean_rate, clean_friction, T=1500):
    h, c = np.full(T, 0.5), np.zeros(T)
    s, ell = 100, 300
    h[s : s + ell], c[s : s + ell] = H / ell, CAP
    h[s + ell : s + ell + 30], c[s + ell : s + ell + 30] = clean_rate, clean_friction
    return np.array([np.zeros(T), h, c, np.ones(T)]), (s, s + ell)


@pytest.fixture(scope="module")
def grid():
    return ModeGrid.from_model(PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**15),
                               exact=32, ratio=1.3)  # fmt: skip


def _front_noise(grid, coef, coast):
    """(exact, derived, mean-map, G -> h, G -> 1) front noise at T of the loss from the coast's
    start to 60 steps after its end, in the band k >= k_front / 3; and (W, Theta after the
    coast, exact over all modes)."""
    m = grid.model
    T = coef.shape[1]
    window = (coast[0], min(coast[1] + 60, T))
    out = np.empty(T + 1)
    general_momentum_forward(grid.lam, grid.weight, grid.c0, *coef, np.full(T, 1 / m.batch),
                             m.sigma**2, np.arange(T + 1), out)  # fmt: skip
    R = fed_back_response(grid, coef)
    Lt = out[:-1]
    band = grid.lam ** (-1 / m.b) >= front(grid, coef) / 3
    sl = slice(*window)
    h, c = coef[1], coef[2]
    G, Theta = spike_gains(h, c)
    share = grid.weight * grid.lam**2 / m.batch
    decay = np.exp(-np.outer(Theta, grid.lam))
    gams = (
        spike_response(grid.lam, h, c),
        mean_response(grid.lam, h, c),
        h[:, None] * decay,
        decay,
    )
    res = [(Lt[sl, None] * R[sl])[:, band].sum()]
    res += [(Lt[sl, None] * share * g[sl] ** 2)[:, band].sum() for g in gams]
    W = float((Lt[sl] * G[sl] ** 2).sum())
    return res, (W, Theta[min(coast[1], T - 1)], (Lt[sl, None] * R[sl]).sum()), out


def test_adjoint_is_the_fed_back_noise_and_bounds_the_mean_map(grid):
    coef, _ = _synthetic(10.0, 0.6, 0.6, T=600)
    R = fed_back_response(grid, coef)
    split = loss_split(grid, coef)
    assert (split.loss_path[:-1, None] * R).sum() == pytest.approx(split.feedback, rel=1e-10)
    gam = mean_response(grid.lam, coef[1], coef[2])
    lower = grid.weight * grid.lam**2 / grid.model.batch * gam**2
    assert np.all(lower <= R * (1 + 1e-10) + 1e-300)


@pytest.mark.parametrize(("rate", "friction"), [(1.0, 0.0), (0.6, 0.6)])
def test_synthetic_coast_front_noise(grid, rate, friction):
    Ws, Es = [], []
    for H in (8.0, 16.0):
        coef, coast = _synthetic(H, rate, friction)
        (ex, der, mean, no_memory, unit), (W, theta, ex_all), _ = _front_noise(grid, coef, coast)
        assert 0.99 <= mean / ex <= 1.0 + 1e-9  # the lower bound, tight at the front
        assert 0.95 <= der / ex <= 1.15
        assert no_memory / ex < 0.1  # the velocity's conversion dropped
        assert not 0.5 <= unit / ex <= 2  # the kick's gain taken as 1
        assert 0.3 <= closed_form(W, theta, 2.75, 0.25) / ex_all <= 2.0
        tau = spike_gains(coef[1], coef[2])[0].sum()
        assert closed_form(W, tau, 2.75, 0.25) <= ex_all  # the bound's form: the whole clock
        assert closed_form(W, theta, 2.75, 0.25, front_power=1.3) / ex_all < 0.05
        Ws.append(W)
        Es.append(ex)
    # the front noise follows the spike's weight W, not a fixed cost
    assert 0.85 <= math.log(Es[1] / Es[0]) / math.log(Ws[1] / Ws[0]) <= 1.05


def test_stored_optimum_per_coast():
    from benchmarks.momentum_coast_releases import coasts

    T, grid, stored = _setup(str(OPT_1000))
    coef = np.array(_as_start("heavy-ball", stored["controls"], T))
    kap = small_rate_growth(grid.lam, grid.weight, 1 / grid.model.batch)
    for s, e in coasts(coef, 10):
        (ex, der, mean, no_memory, unit), (W, theta, ex_all), _ = _front_noise(grid, coef, (s, e))
        assert 0.99 <= mean / ex <= 1.0 + 1e-9
        assert 0.9 <= der / ex <= 1.35
        assert no_memory / ex < 0.1 and unit / ex < 0.25
        assert 0.3 <= closed_form(W, theta, 2.75, 0.25) / ex_all <= 2.0
        assert closed_form(W, spike_gains(coef[1], coef[2])[0].sum(), 2.75, 0.25) <= ex_all
        assert closed_form(W, theta, 2.75, 0.25, front_power=1.3) / ex_all < 0.02
        assert math.log(W) - kap * coef[1, s:e].sum() >= 5.0


def test_inputs_checked():
    with pytest.raises(ValueError, match="one length"):
        spike_gains([1.0, 2.0], [0.5])
    with pytest.raises(ValueError, match="friction in"):
        spike_response([1e-3], [1.0], [1.5])


def test_optimum_bias_is_the_clocks(derivation):
    """The chain's remaining input, measured: the 1e3 optimum's bias (no noise source) is the
    derived clock form ``Gamma((a-1)/b) (2 tau)^(-(a-1)/b) / b`` at its clock ``tau = sum G``; at
    the plain integrated rate ``sum h`` (no momentum in the clock) it is not."""
    T, grid, stored = _setup(str(OPT_1000))
    coef = np.array(_as_start("heavy-ball", stored["controls"], T))
    bias = loss_split(grid, coef).bias
    form = sp.lambdify((a, b, sp.Symbol("tau", positive=True)), derivation.bias, "scipy")
    tau = spike_gains(coef[1], coef[2])[0].sum()
    assert 0.97 <= bias / form(1.3, 2.75, tau) <= 1.01
    # the bias moves as tau^-0.109 only: the wrong clock (27x shorter) is off by 30 %
    assert bias / form(1.3, 2.75, coef[1].sum()) < 0.9
