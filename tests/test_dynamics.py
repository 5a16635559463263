import math
import warnings

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from solvers import (
    InstabilityWarning,
    Trajectory,
    make_schedule,
    simulate,
    stability_limit,
    stationary_loss,
)
from solvers.dynamics import initial_state, spectrum
from theory import PLRFModel, plrf_dynamics
from theory.symbols import L, c, eta, inv_m, lam, sigma

SYMS = (c, lam, L, eta, inv_m, sigma)


def _lambdified(expr):
    return sp.lambdify(SYMS, expr, "numpy")


def test_discrete_kernel_matches_symbolic_map_step_by_step():
    model = PLRFModel(a=2.3, b=1.7, sigma=0.7, batch=3, n_modes=40)
    f = _lambdified(plrf_dynamics().discrete)
    rng = np.random.default_rng(0)
    sched = rng.uniform(0, 0.4, size=25)
    batches = rng.integers(1, 9, size=25).astype(float)
    traj = simulate(model, sched, batch=batches)
    lam_k, ck = spectrum(model), initial_state(model)
    for t in range(25):
        ck = f(ck, lam_k, lam_k @ ck, sched[t], 1 / batches[t], model.sigma)
        assert lam_k @ ck == pytest.approx(traj.loss[t + 1], rel=1e-13)
    np.testing.assert_allclose(traj.state, ck, rtol=1e-13)


def test_continuous_kernel_solves_symbolic_ode():
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=2, n_modes=30)
    rhs = _lambdified(plrf_dynamics().continuous)
    lam_k = spectrum(model)
    sched = make_schedule("cosine", 40, 0.6)

    y = initial_state(model)
    for e in sched:  # integrate each unit interval separately: eta jumps there

        def f(_t, y, e=e):
            return rhs(y, lam_k, lam_k @ y, e, model.inv_batch, model.sigma)

        y = solve_ivp(f, (0, 1), y, method="DOP853", rtol=1e-12, atol=1e-15).y[:, -1]
    traj = simulate(model, sched, time="continuous", substeps=1024)
    assert traj.final_loss == pytest.approx(lam_k @ y, rel=1e-8)


def test_continuous_integrator_is_second_order():
    model = PLRFModel(a=2.5, b=2.0, sigma=0.5, batch=1, n_modes=50)
    sched = make_schedule("linear", 30, 0.5)
    ref = simulate(model, sched, time="continuous", substeps=256).final_loss
    errs = [
        abs(simulate(model, sched, time="continuous", substeps=s).final_loss - ref)
        for s in (2, 4, 8)
    ]
    orders = [math.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert orders == pytest.approx([2.0, 2.0], abs=0.15)


@pytest.mark.parametrize("time", ["discrete", "continuous"])
def test_full_batch_closed_form(time):
    model = PLRFModel(a=3, b=2, batch=math.inf, n_modes=200)
    sched = make_schedule("cosine", 500, 0.9)
    traj = simulate(model, sched, time=time)
    k = np.arange(1, 201, dtype=float)
    lam_k = k**-2.0
    if time == "discrete":
        factor = np.prod((1 - np.outer(sched, lam_k)) ** 2, axis=0)
    else:
        factor = np.exp(-2 * lam_k * sched.sum())
    expected = np.sum(k**-3.0 * factor)
    assert traj.final_loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("eta0", "batch"), [(0.2, 1.0), (0.5, 4.0)])
def test_constant_rate_reaches_fixed_point(eta0, batch):
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=batch, n_modes=20)
    traj = simulate(model, eta0, T=200_000, record_every=50_000)
    lam_k = spectrum(model)
    S = np.sum(eta0 * lam_k / (batch * (2 - (1 + 1 / batch) * eta0 * lam_k)))
    expected = model.sigma**2 * S / (1 - S)
    assert traj.final_loss == pytest.approx(expected, rel=1e-12)
    assert stationary_loss(model, eta0) == pytest.approx(expected, rel=1e-14)


def test_stability_limit_is_sharp():
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=5, n_modes=100)
    lim = stability_limit(model)
    # docs/theory.md's rough bound 2/((1+1/m) lambda_1 + tr/m) is below the exact limit
    rough = 2 / ((1 + 1 / 5) + spectrum(model).sum() / 5)
    assert rough < lim
    below = simulate(model, 0.98 * lim, T=20_000, record_every=1000)
    assert np.isfinite(below.loss).all() and below.loss[-1] < 10
    with pytest.warns(InstabilityWarning, match="above the stability limit"):
        above = simulate(model, 1.05 * lim, T=20_000, record_every=1000)
    assert above.loss[-1] > 1e3 or above.blowup_step is not None


def test_blowup_is_reported_not_silent():
    model = PLRFModel(a=3, b=2, n_modes=10)
    sched = np.full(2000, 0.1)
    sched[100:] = 3.0
    with pytest.warns(InstabilityWarning, match="stopped being finite"):
        traj = simulate(model, sched)
    assert traj.blowup_step is not None and traj.blowup_step > 100
    assert np.isnan(traj.loss[-1])


@pytest.mark.parametrize(
    ("eta_", "kwargs", "match"),
    [
        (np.array([0.1, -0.2]), {}, r"eta must be >= 0, got -0\.2 at step 1"),
        (np.array([0.1, np.nan]), {}, r"eta must be finite, got nan at step 1"),
        (np.array([0.1, np.inf]), {}, r"eta must be finite, got inf at step 1"),
        (np.ones(5), {"T": 4}, r"eta must have length T = 4, got length 5"),
        (np.ones((2, 2)), {}, r"eta must be 1-D"),
        (np.ones(0), {}, r"at least one step"),
        (0.1, {"T": 0}, r"T must be an integer >= 1, got 0"),
        (0.1, {}, r"a scalar schedule needs the horizon T"),
        (np.ones(3), {"batch": 0.5}, r"batch must be >= 1 \(or inf\), got 0\.5"),
        (np.ones(3), {"batch": np.ones(4)}, r"batch must be a scalar or have length T = 3"),
        (np.ones(3), {"time": "euler"}, r"time must be 'discrete' or 'continuous'"),
    ],
)
def test_simulate_bad_input(eta_, kwargs, match):
    model = PLRFModel(a=3, b=2, n_modes=5)
    with pytest.raises(ValueError, match=match):
        simulate(model, eta_, **kwargs)


def test_simulate_rejects_unknown_keyword():
    with pytest.raises(TypeError):
        simulate(PLRFModel(a=3, b=2), 0.1, T=3, schedule="x")  # type: ignore[call-arg]


def test_no_warning_for_stable_constant_rate():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate(PLRFModel(a=3, b=2, n_modes=50), 0.3, T=100)


def test_record_every_keeps_endpoints():
    traj = simulate(PLRFModel(a=3, b=2, n_modes=10), 0.2, T=10, record_every=4)
    assert traj.t.tolist() == [0, 4, 8, 10]
    full = simulate(PLRFModel(a=3, b=2, n_modes=10), 0.2, T=10)
    np.testing.assert_array_equal(traj.loss, full.loss[[0, 4, 8, 10]])


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_trajectory_save_load_roundtrip(tmp_path, suffix):
    traj = simulate(PLRFModel(a=3, b=2, n_modes=10, batch=math.inf), 0.2, T=30)
    path = tmp_path / f"traj{suffix}"
    traj.save(path)
    back = Trajectory.load(path)
    assert back.model == traj.model
    np.testing.assert_array_equal(back.loss, traj.loss)
    np.testing.assert_array_equal(back.state, traj.state)
    np.testing.assert_array_equal(back.inv_batch, traj.inv_batch)


def test_schedules_shapes_and_errors():
    assert make_schedule("wsd", 10, 1.0, 0.2).tolist()[-2:] == [1.0, 0.5]
    assert make_schedule("power", 3, 1.0, 1.0).tolist() == [1.0, 0.5, 1 / 3]
    with pytest.raises(ValueError, match="unknown kind 'foo'"):
        make_schedule("foo", 3, 1.0)
    with pytest.raises(ValueError, match=r"takes 2 parameter\(s\)"):
        make_schedule("wsd", 3, 1.0)
    with pytest.raises(ValueError, match=r"wsd.frac must be <= 1"):
        make_schedule("wsd", 3, 1.0, 2.0)


def _mp_recursion(lam_k, c0, eta0, inv_m0, sigma0, T, dps=30):
    """c(T) of the symbolic per-step map (theory.plrf_dynamics) in mpmath at ``dps`` digits."""
    import mpmath

    step = sp.lambdify(SYMS, plrf_dynamics().discrete, "mpmath")
    with mpmath.workdps(dps):
        lm = [mpmath.mpf(float(x)) for x in lam_k]
        cm = [mpmath.mpf(float(x)) for x in c0]
        e, im, s = (mpmath.mpf(float(x)) for x in (eta0, inv_m0, sigma0))
        for _ in range(T):
            Lm = mpmath.fsum(lk * x for lk, x in zip(lm, cm, strict=True))
            cm = [step(x, lk, Lm, e, im, s) for x, lk in zip(cm, lm, strict=True)]
        return np.array([float(x) for x in cm])


def test_exact_recursion_keeps_the_digits_of_slow_modes():
    """Slow modes (eta lam ~ 1e-9 .. 1e-12) over T = 1e4 steps, against mpmath at 30 digits.

    The kernels used to multiply by the rounded factor ``1 + lam(a1 + a2 lam)``, whose rounding
    is the same at every step of a constant rate: the mode at eta lam = 2.9e-9 drifted by 1.2e-12
    (T eps / 2 in size). Adding the change instead leaves 6e-15. The slowest mode keeps an error
    of order T eps (a near-constant increment rounds the same way at every step; only a
    compensated sum would remove it): bounded here so that it cannot grow."""
    from solvers.control._adjoint import forward_checkpointed
    from solvers.dynamics._kernels import weighted_forward

    T, lam_k, c0 = 10_000, np.array([1.3e-12, 2.9e-9, 1.7e-6]), np.array([1.0, 0.3, 0.2])
    eta_, im_, sig = np.full(T, 1.0), np.full(T, 0.2), 0.5
    ref = _mp_recursion(lam_k, c0, 1.0, 0.2, sig, T)
    c_w, _ = weighted_forward(lam_k, np.ones(3), c0, eta_, im_, sig**2, np.array([T]), np.empty(1))
    loss, logscale = np.empty(T + 1), np.empty(T + 1)
    c_a = forward_checkpointed(
        lam_k, c0, eta_, im_, sig**2, T + 1, np.empty((1, 3)), loss, logscale
    )
    eps = np.finfo(float).eps
    for c_T in (c_w, c_a * np.exp(logscale[-1])):
        err = np.abs(c_T / ref - 1)
        assert err[1] < 1e-13 and err[2] < 1e-13, err
        assert err[0] < 2 * T * eps, err
    assert loss[-1] * np.exp(logscale[-1]) == pytest.approx(lam_k @ ref, rel=1e-14)


@pytest.mark.parametrize("b", [1.02, 1.5, 3.0])
def test_noise_sum_tail_in_closed_form_matches_the_exact_sum(b):
    """Past DENSE_NOISE_MODES the noise sum's tail is three Hurwitz-zeta terms: equal to the
    exactly rounded dense sum (math.fsum over 3e6 modes) to rounding; a missing term errs by
    1e-11 at b = 1.02."""
    from solvers.dynamics import noise_sum, stability_limit
    from solvers.dynamics.recursion import DENSE_NOISE_MODES

    n = 3_000_000
    assert n > DENSE_NOISE_MODES
    model = PLRFModel(a=2.0, b=b, sigma=0.5, batch=1, n_modes=n)
    lam = np.arange(1, n + 1, dtype=float) ** -b
    for rate in (0.1, 0.5, 0.9):
        exact = math.fsum(rate * lam / (2 - 2 * rate * lam))
        assert noise_sum(model, rate) == pytest.approx(exact, rel=1e-14, abs=0)
    huge = model.replace(n_modes=10**12)  # no 7 TiB spectrum: a finite limit below n's
    assert 0 < stability_limit(huge) <= stability_limit(model)
