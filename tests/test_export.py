"""Exported schedules: callables, files, fits, horizon transfer, torch and optax adapters."""

import math

import numpy as np
import pytest

from solvers import make_schedule, simulate
from solvers.schedules.export import (
    export_schedule,
    fit_power_decay,
    fit_wsd,
    load_schedule,
    to_optax,
    to_torch_scheduler,
    transfer,
)
from theory import PLRFModel


def test_callable_and_plain_function():
    s = export_schedule(make_schedule("linear", 4, 1.0))
    f = s.as_function()
    assert [s(t) for t in range(4)] == [1.0, 0.75, 0.5, 0.25]
    assert [f(t) for t in range(6)] == [1.0, 0.75, 0.5, 0.25, 0.25, 0.25]
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        s(-1)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_file_round_trip_is_exact(tmp_path, suffix):
    rng = np.random.default_rng(0)
    s = export_schedule(rng.uniform(0, 1, 37), name="rand", meta={"phase": "easy"})
    path = tmp_path / f"sched{suffix}"
    s.save(path)
    back = load_schedule(path)
    np.testing.assert_array_equal(back.lr, s.lr)
    if suffix == ".json":
        assert back.meta == {"phase": "easy"} and back.name == "rand"
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        s.save(tmp_path / "x.txt")


def test_power_decay_fit_recovers_parameters_with_active_bound():
    T, A, delta = 400, 3.0, 2.5
    lr = np.minimum(make_schedule("poly", T, A, delta), 1.0)  # bound active early on
    fit = fit_power_decay(lr, bound=1.0, xi=0.25)
    assert fit.A == pytest.approx(A, rel=1e-10) and fit.delta == pytest.approx(delta, rel=1e-10)
    assert fit.c == pytest.approx(A * T**0.25)
    np.testing.assert_allclose(fit.schedule().lr, make_schedule("poly", T, A, delta))
    # the formula at another horizon carries the T^-xi level
    assert fit.schedule(4 * T).lr[0] == pytest.approx(A * 4**-0.25)


def test_wsd_fit_recovers_parameters():
    lr = make_schedule("wsd", 500, 0.7, 0.12)
    fit = fit_wsd(lr)
    assert fit.eta0 == pytest.approx(0.7, rel=1e-6) and fit.frac == pytest.approx(0.12, rel=1e-4)
    assert fit.rms < 1e-6


def test_fit_of_a_tuned_schedule_keeps_its_loss():
    """Fit the closed form to a cheaply tuned schedule; the formula loses little loss.
    (Stand-in for the direct solver's optimum, not merged on this branch.)"""
    from scipy.optimize import minimize

    model = PLRFModel(a=3.0, b=2.0, sigma=0.5, batch=4, n_modes=200)
    T = 500
    knots = np.linspace(0, 1, 6)

    def build(p):  # piecewise-linear in t/T, positive: a free-form shape, not the fit's family
        return np.interp(np.arange(T) / T, knots, np.exp(p))

    res = minimize(
        lambda p: simulate(model, build(p)).final_loss,
        np.log(np.full(6, 0.3)),
        method="Nelder-Mead",
        options={"maxiter": 600, "xatol": 1e-3, "fatol": 1e-9},
    )
    tuned = build(res.x)
    fit = fit_power_decay(tuned)
    ratio = simulate(model, fit.schedule().lr).final_loss / simulate(model, tuned).final_loss
    assert 0.9 < ratio < 1.2, ratio
    assert fit.delta > 0  # a decaying schedule


def test_transfer_easy_scales_level_by_T_to_minus_xi():
    T, T2, xi = 200, 800, 1 / 3
    src = export_schedule(make_schedule("poly", T, 0.5, 3.0))
    out = transfer(src, T=T2, phase="easy", xi=xi)
    want = make_schedule("poly", T2, 0.5 * 4**-xi, 3.0)
    np.testing.assert_allclose(out.lr, want, atol=2e-4 * want.max())
    with pytest.raises(ValueError, match="needs xi"):
        transfer(src, T=T2, phase="easy")


def test_transfer_hard_keeps_peak_and_scales_window():
    src = export_schedule(make_schedule("wsd", 1000, 0.8, 0.2))  # window of 200 steps
    out = transfer(src, T=4000, phase="hard", window_exponent=0.5)  # window x 4^0.5 = 400
    assert out.peak == pytest.approx(0.8)
    fit = fit_wsd(out.lr)
    assert fit.frac * 4000 == pytest.approx(400, abs=2)
    assert fit.eta0 == pytest.approx(0.8, rel=1e-6)


def test_transfer_to_users_base_rate():
    out = transfer(make_schedule("cosine", 100, 0.2), base_lr=3e-4, phase="easy")
    assert out.peak == pytest.approx(3e-4)
    np.testing.assert_allclose(out.lr / out.peak, make_schedule("cosine", 100, 1.0))


def test_optax_adapter_with_numpy_stub():
    """optax/jax are not installed here: the adapter's indexing logic is checked with NumPy as
    the array namespace (jax.numpy has the same asarray/clip/indexing semantics)."""
    s = export_schedule(make_schedule("linear", 4, 1.0))
    f = to_optax(s, xp=np)
    assert [float(f(c)) for c in (0, 1, 3, 10)] == [1.0, 0.75, 0.25, 0.25]
    np.testing.assert_allclose(f(np.array([0, 2])), [1.0, 0.5])


def test_optax_adapter_with_jax():
    jnp = pytest.importorskip("jax.numpy", reason="jax not installed (optional)")
    s = export_schedule(make_schedule("linear", 4, 1.0))
    assert float(to_optax(s)(jnp.asarray(2))) == pytest.approx(0.5)
    del jnp


def test_exported_schedule_drives_torch_training_loop():
    torch = pytest.importorskip("torch", reason="torch not installed (optional extra 'torch')")
    torch.manual_seed(0)
    d, T = 20, 300
    lam = torch.arange(1, d + 1, dtype=torch.float64) ** -1.5
    w_star = torch.arange(1, d + 1, dtype=torch.float64) ** -0.75
    model = torch.nn.Linear(d, 1, bias=False, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    sched = export_schedule(make_schedule("wsd", T, 0.5, 0.3))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = to_torch_scheduler(sched, opt)
    seen = []
    for _ in range(T):
        x = torch.randn(8, d, dtype=torch.float64) * lam.sqrt()
        y = x @ w_star + 0.1 * torch.randn(8, dtype=torch.float64)
        loss = 0.5 * ((model(x).squeeze(-1) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(seen, sched.lr, rtol=1e-12)
    excess = float((((model.weight.detach().squeeze() - w_star) ** 2) * lam).sum())
    initial = float((w_star**2 * lam).sum())
    assert excess < 0.05 * initial
    assert math.isfinite(excess)


@pytest.mark.parametrize("form", ["torch", "hf", "optax"])
def test_cli_snippet_runs_with_the_real_library(tmp_path, capsys, form):
    """The Python ``optlr export --format torch|hf|optax`` prints runs as written, and the rates
    it drives are the schedule's (torch and HF through a reloaded ``state_dict``)."""
    import pickle
    import runpy

    from solvers.cli import main

    lib = pytest.importorskip(
        "optax" if form == "optax" else "torch",
        reason="optax/torch not installed (optional extras jax, torch)",
    )
    assert main(["export", "--schedule", "cosine:0.1", "--T", "50", "--format", form]) == 0
    snippet = tmp_path / f"sched_{form}.py"
    snippet.write_text(capsys.readouterr().out)
    ns = runpy.run_path(str(snippet))
    expected = make_schedule("cosine", 50, 0.1)
    if form == "optax":
        tx = lib.sgd(ns["schedule"])
        params = np.zeros(2, dtype=np.float32)
        state = tx.init(params)
        for _ in range(3):
            updates, state = tx.update(np.ones(2, dtype=np.float32), state, params)
            params = lib.apply_updates(params, updates)
        np.testing.assert_allclose(np.asarray(params), -expected[:3].sum(), rtol=1e-6)
        return
    make = ns["make_scheduler"]
    opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
    sched = make(opt, 50) if form == "hf" else make(opt)
    seen = []
    for _ in range(20):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(seen, expected[:20], rtol=1e-12)
    state = pickle.loads(pickle.dumps(sched.state_dict()))
    opt2 = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
    again = make(opt2, 50) if form == "hf" else make(opt2)
    again.load_state_dict(state)
    assert again.lr_lambdas[0](30) * 0.1 == pytest.approx(expected[30], rel=1e-12)
