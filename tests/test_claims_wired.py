"""Claims wired to the theory and to the continuum solver: predictions, same-dynamics baselines,
annealing width, cached sweeps, solver lookup."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from solvers import CLAIMS, continuum_context, make_schedule, tune_constant
from solvers.analysis import fit_end_exponent
from solvers.claims import annealing_width, find_solver
from solvers.claims.validate import compare_baselines
from solvers.control import optimal_continuum_sweep, solve_continuum
from solvers.dynamics import continuum_loss, time_grid
from solvers.schedules import tune_baseline_continuum
from theory import PLRFModel

EASY = PLRFModel(3.0, 2.0, n_modes=10**6)
HARD = PLRFModel(1.5, 3.0, n_modes=10**6)

#: docs/theory.md §3 at the two reference points, as signed slopes y ~ T^slope (independent of code).
EXPECTED = {
    "xi": (1 / 3, None),
    "delta": (3.0, 5.0),
    "easy optimal loss": (-2 / 3, None),
    "hard optimal loss": (None, -1 / 6),
    "optimal loss": (-2 / 3, -1 / 6),
    "hard annealing window": (None, 3.5 / 5),
    "hard annealing fraction": (None, -1.5 / 5),
    "optimal constant LR": (-0.5, -0.5 / 3.5),
    "optimal constant loss": (-0.5, -0.5 / 3.5),
    "phase boundary": (-1 / 3, 0.0),
    "LR transfer: WSD peak": (-1 / 3, 0.0),
    "LR transfer: constant": (-0.5, -0.5 / 3.5),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_predictions_come_from_the_theory_and_match_the_table(name):
    expr = CLAIMS[name].predicted_expr()
    for model, want in zip((EASY, HARD), EXPECTED[name], strict=True):
        if want is not None:
            assert float(expr.subs(model.subs())) == pytest.approx(want, abs=1e-12)


def test_find_solver_uses_the_registry():
    assert find_solver("continuum") is solve_continuum
    with pytest.raises(ValueError, match="solver: method must be one of"):
        find_solver("nope")


def test_fit_end_exponent_accepts_a_callable():
    T = 2000
    eta = make_schedule("poly", T, 0.3, 2.5)
    arr = fit_end_exponent(eta, offset=0.0)
    fn = fit_end_exponent(lambda t: 0.3 * (1 - np.asarray(t) / T) ** 2.5, T=T, offset=0.0)
    assert fn.delta == pytest.approx(2.5, abs=1e-9)
    assert arr.delta == pytest.approx(fn.delta, abs=2e-3)
    with pytest.raises(TypeError, match="needs the horizon"):
        fit_end_exponent(lambda t: t)


def test_annealing_width_of_the_window_form():
    """eta_max ((T - t)/W)^delta on a geometric grid: W_l = W l^(1/delta), to the grid's resolution."""
    T, W, d = 1e6, 2e4, 5.0
    t = time_grid(T)
    mid = 0.5 * (t[1:] + t[:-1])
    eta = np.minimum(1.0, ((T - mid) / W) ** d)
    res = SimpleNamespace(t=t, eta=eta)
    for level in (0.5, 0.9, 0.1):
        assert annealing_width(res, T, level) == pytest.approx(W * level ** (1 / d), rel=0.02)


def test_continuum_baseline_is_the_recursion_on_the_grid():
    """A tuned constant on the continuum dynamics matches the closed-form optimum of the exact
    recursion (independent methods), and its projection is continuum_loss of that schedule."""
    T = 400
    r = tune_baseline_continuum("constant", EASY, T, exact_modes=32)
    exact = tune_constant(EASY, T)[0]
    assert r.params["eta0"] == pytest.approx(exact.params["eta0"], rel=0.02)
    assert r.final_loss == pytest.approx(exact.final_loss, rel=0.01)
    t = time_grid(T)
    L = continuum_loss(EASY, np.full(t.size - 1, r.params["eta0"]), t, exact_modes=32)
    assert L[-1] == pytest.approx(r.final_loss, rel=1e-12)


def test_optimum_beats_every_baseline_on_the_same_dynamics(tmp_path):
    ctx = continuum_context(cache_dir=tmp_path, solver_options={"exact_modes": 32})
    cmp = compare_baselines(HARD, [100, 300], ctx=ctx, names=["constant", "linear", "wsd"])
    assert cmp.dynamics == "continuum"
    assert all(cmp.beats.values()), cmp.margins
    assert sorted(cmp.recursion_check) == [100, 300]  # the optimum re-run on the exact recursion
    for L, rel in cmp.recursion_check.values():
        assert abs(rel) < 0.02 and math.isfinite(L)


def test_optimal_sweep_is_cached_and_resumes(tmp_path):
    Ts = [60.0, 120.0]
    first = optimal_continuum_sweep(EASY, Ts, cache_dir=tmp_path, exact_modes=16)
    files = list(tmp_path.rglob("*.pkl"))
    assert len(files) == 2
    again = optimal_continuum_sweep(EASY, [*Ts, 240.0], cache_dir=tmp_path, exact_modes=16)
    assert [r.final_loss for r in again[:2]] == [r.final_loss for r in first]
    assert len(list(tmp_path.rglob("*.pkl"))) == 3
    with pytest.raises(TypeError, match="initial"):
        optimal_continuum_sweep(EASY, Ts, initial=None)
