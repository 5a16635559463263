"""The derived second-moment closure of momentum SGD: symbolic checks, kernel, Monte-Carlo."""

import math

import numpy as np
import pytest
import sympy as sp

from solvers import make_schedule, simulate
from solvers.dynamics._kernels import momentum_forward
from solvers.dynamics.momentum import simulate_closure, simulate_momentum
from solvers.dynamics.montecarlo import compare_curves, monte_carlo
from theory import PLRFModel, plrf_dynamics
from theory._moments import (
    Delta,
    OptimizerUpdate,
    beta,
    g,
    gaussian_expectation,
    gaussian_gradient_moments,
    momentum_closure,
    second_moment_closure,
    sgd_update,
    v,
)
from theory.symbols import L, c, eta, inv_m, lam, sigma


def test_isserlis_moments_of_one_gaussian():
    s = sp.Symbol("s", positive=True)
    x, y = sp.symbols("x y", real=True)
    assert gaussian_expectation(x**6, {x: s}) == 15 * s**3
    assert gaussian_expectation(x**3 * y**2, {x: s, y: 1}) == 0
    assert gaussian_expectation((x + y) ** 4, {x: s, y: 2}) == sp.expand(3 * (s + 2) ** 2)


def test_gradient_moments_against_explicit_multi_mode_minibatch():
    """Independent construction: two samples x two modes written out, no 'rest' variable."""
    l1, l2 = sp.symbols("l1 l2", positive=True)
    d1, d2 = sp.symbols("d1 d2", real=True)
    xs = sp.symbols("x11 x12 x21 x22", real=True)  # sample i, mode j
    zs = sp.symbols("z1 z2", real=True)
    var = {xs[0]: l1, xs[1]: l2, xs[2]: l1, xs[3]: l2, zs[0]: 1, zs[1]: 1}
    gi = [xs[2 * i] * (xs[2 * i] * d1 + xs[2 * i + 1] * d2 - sigma * zs[i]) for i in range(2)]
    gb = (gi[0] + gi[1]) / 2  # minibatch of m = 2, gradient along mode 1
    mu, second = gaussian_gradient_moments()
    sub = {Delta: d1, lam: l1, L: l1 * d1**2 + l2 * d2**2, inv_m: sp.Rational(1, 2)}
    assert sp.expand(gaussian_expectation(gb, var) - mu.subs(sub)) == 0
    assert sp.expand(gaussian_expectation(gb**2, var) - second.subs(sub)) == 0


def test_sgd_closure_is_the_plrf_recursion():
    clo = second_moment_closure(sgd_update())
    (new,) = clo.recursion
    assert sp.expand(new.subs(clo.moments[0], c) - plrf_dynamics().discrete) == 0


def test_momentum_closure_at_beta_zero_reduces_to_sgd():
    clo = momentum_closure()
    assert [str(m) for m in clo.moments] == ["M_DeltaDelta", "M_Deltav", "M_vv"]
    d0 = clo.recursion[0].subs(beta, 0)
    assert not (d0.free_symbols & set(clo.moments[1:]))  # decouples from the velocity
    assert sp.expand(d0.subs(clo.moments[0], c) - plrf_dynamics().discrete) == 0


def test_momentum_closure_gradient_flow_limit_is_heavy_ball_ode():
    """Noise-free, one mode: the mean dynamics are linear, so the second moments of a
    deterministic state are squares: M_DD = D^2, M_Dv = D v, M_vv = v^2 must map to
    (D')^2, D' v', (v')^2 with the deterministic update. A residual check by substitution."""
    clo = momentum_closure()
    D0, v0 = sp.symbols("D0 v0", real=True)
    v1 = beta * v0 + (1 - beta) * lam * D0
    D1 = D0 - eta * v1
    sub = {clo.moments[0]: D0**2, clo.moments[1]: D0 * v0, clo.moments[2]: v0**2, inv_m: 0}
    sub[L] = 0  # L only enters multiplied by iota
    for new, want in zip(clo.recursion, (D1**2, D1 * v1, v1**2), strict=True):
        assert sp.expand(new.subs(sub) - want) == 0


def test_custom_update_torch_style_momentum_matches_rescaled_ema():
    """A user's own update: v' = beta v + g, Delta' = Delta - eta v' (PyTorch SGD momentum).
    It is EMA momentum with eta_ema = eta/(1 - beta): the derived closures must agree."""
    torch_style = OptimizerUpdate(
        (Delta, v), (Delta - eta * (beta * v + g), beta * v + g), (eta, beta), name="torch"
    )
    clo = second_moment_closure(torch_style)
    model = PLRFModel(a=2.5, b=1.8, sigma=0.4, batch=3, n_modes=25)
    e = make_schedule("cosine", 60, 0.1)
    bt = np.linspace(0.8, 0.5, 60)
    custom = simulate_closure(clo, model, {"eta": e, "beta": bt[0]})
    ema = simulate_momentum(model, e / (1 - bt[0]), bt[0])
    np.testing.assert_allclose(custom.loss, ema.loss, rtol=1e-11)


def test_update_validation():
    with pytest.raises(ValueError, match="linear and homogeneous"):
        OptimizerUpdate((Delta,), (Delta - eta * g**2,), (eta,))
    with pytest.raises(ValueError, match="start with the error symbol"):
        OptimizerUpdate((v,), (v - g,), ())
    with pytest.raises(ValueError, match="neither"):
        OptimizerUpdate((Delta,), (Delta - sp.Symbol("q") * g,), (eta,))


def test_compiled_kernel_matches_symbolic_closure_step_by_step():
    clo = momentum_closure()
    f = clo.numeric()
    model = PLRFModel(a=2.2, b=1.6, sigma=0.6, n_modes=30)
    rng = np.random.default_rng(1)
    n = 25
    e, bt = rng.uniform(0, 0.5, n), rng.uniform(0, 0.95, n)
    im = 1 / rng.integers(1, 6, n).astype(float)
    lam_k = np.arange(1, 31.0) ** -1.6
    c0 = np.arange(1, 31.0) ** -(2.2 - 1.6)
    loss = np.empty(n + 1)
    D, X, V, fail = momentum_forward(lam_k, c0, e, bt, im, 0.36, np.arange(n + 1), loss)
    M = clo.initial(c0)
    for t in range(n):
        M = f(*M, lam_k, lam_k @ M[0], e[t], bt[t], im[t], 0.6)
        assert lam_k @ M[0] == pytest.approx(loss[t + 1], rel=1e-12)
    assert fail == -1
    for got, want in zip((D, X, V), M, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-300)
    del model


def test_simulate_momentum_beta_zero_is_simulate():
    model = PLRFModel(a=1.5, b=3.0, sigma=0.5, batch=4, n_modes=200)
    e = make_schedule("wsd", 500, 0.5, 0.3)
    np.testing.assert_allclose(
        simulate_momentum(model, e, 0.0).loss, simulate(model, e).loss, rtol=1e-12
    )


@pytest.mark.parametrize("phase", ["easy", "hard"])
def test_momentum_recursion_matches_monte_carlo(phase):
    """The numeric momentum recursion against momentum SGD simulated for real (Bonferroni
    criterion over the logged steps at family-wise 1%, as in test_montecarlo)."""
    a, b = (3.0, 2.0) if phase == "easy" else (1.5, 3.0)
    model = PLRFModel(a=a, b=b, sigma=0.5, batch=2, n_modes=30)
    T = 200
    e = make_schedule("linear", T, 0.25)
    bt = np.linspace(0.8, 0.3, T)
    mc = monte_carlo(model, e, beta=bt, seeds=3000, record_every=10, seed=7)
    cmp = compare_curves(mc, simulate_momentum(model, e, bt))
    assert cmp.agree_family, (cmp.max_abs_z, cmp.z)
    # power: the plain-SGD prediction is rejected for the same runs
    assert not compare_curves(mc, simulate(model, e)).agree_family


def test_simulate_momentum_validation():
    model = PLRFModel(a=3, b=2, n_modes=5)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        simulate_momentum(model, 0.1, 1.0, T=3)
    with pytest.raises(TypeError, match="params must give exactly"):
        simulate_closure(momentum_closure(), model, {"eta": 0.1}, T=3)
    assert math.isfinite(simulate_momentum(model, 0.1, 0.9, T=3).final_loss)


def test_nesterov_lookahead_closure_against_direct_monte_carlo():
    """A user update whose gradient is taken at a look-ahead point (Nesterov): the derived
    closure against an independent, inline simulation of the stochastic update."""
    from theory import nesterov_momentum

    clo = second_moment_closure(nesterov_momentum())
    assert (
        sp.expand(
            clo.coupling
            - (clo.moments[0] - 2 * eta * beta * clo.moments[1] + eta**2 * beta**2 * clo.moments[2])
        )
        == 0
    )
    model = PLRFModel(a=2.5, b=1.5, sigma=0.5, batch=2, n_modes=20)
    T, S, e, bt = 80, 3000, 0.3, 0.6
    pred = simulate_closure(clo, model, {"eta": e, "beta": bt}, T=T, record_every=10)
    rng = np.random.default_rng(17)
    lam_k = np.arange(1, 21.0) ** -1.5
    D = np.tile(-np.sqrt(np.arange(1, 21.0) ** -1.0), (S, 1))
    V = np.zeros_like(D)
    means, sems = [lam_k @ D[0] ** 2], [0.0]
    for t in range(T):
        P = D - e * bt * V
        x = rng.standard_normal((S, 2, 20)) * np.sqrt(lam_k)
        r = np.einsum("smn,sn->sm", x, P) - 0.5 * rng.standard_normal((S, 2))
        G = np.einsum("smn,sm->sn", x, r) / 2
        V = bt * V + (1 - bt) * G
        D = D - e * V
        if (t + 1) % 10 == 0:
            loss = (D**2) @ lam_k
            means.append(loss.mean())
            sems.append(loss.std(ddof=1) / math.sqrt(S))
    z = (np.array(means[1:]) - pred.loss[1:]) / np.array(sems[1:])
    assert np.max(np.abs(z)) < 3.2, z  # Bonferroni over 8 steps at family-wise 1%: 3.22
    # power: plain EMA momentum (no look-ahead) is a different prediction, rejected here
    ema = simulate_momentum(model, e, bt, T=T, record_every=10)
    assert np.max(np.abs((np.array(means[1:]) - ema.loss[1:]) / np.array(sems[1:]))) > 4
