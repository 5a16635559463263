"""The default run's CPU budget: the optimal sweep stops before a horizon it cannot afford, and
the claims measured on it say which horizon would settle them (issue 12)."""

import math
from types import SimpleNamespace

import pytest

from solvers import CLAIMS
from solvers.claims import ExperimentContext, derived_horizon, evaluate_claim, unsolved_horizons
from solvers.claims.validate import horizons
from solvers.control import optimal_continuum_sweep
from solvers.control.optimal_sweep import MAX_COST_GROWTH, predicted_cpu
from theory import PLRFModel

HARD = PLRFModel(1.2, 4.0, n_modes=10**12)


def test_predicted_cost_grows_with_the_last_step_and_is_capped():
    assert predicted_cpu([]) == 0.0
    assert predicted_cpu([3.0]) == 3.0
    assert predicted_cpu([1.0, 2.0]) == 4.0
    assert predicted_cpu([2.0, 1.0]) == 1.0  # a cheaper step does not predict a cheaper next
    assert predicted_cpu([1.0, 100.0]) == 100.0 * MAX_COST_GROWTH


def test_the_sweep_stops_before_a_horizon_it_cannot_afford():
    """With a budget below the first solve's cost, only the first horizon is solved (it always
    runs: nothing predicts its cost); without a budget every horizon is."""
    model = PLRFModel(3.0, 2.0, n_modes=10**4)
    Ts = [100.0, 300.0, 1000.0]
    rs = optimal_continuum_sweep(model, Ts, exact_modes=16, cpu_budget=1e-6)
    assert rs[0] is not None and rs[0].success and rs[1:] == [None, None]
    full = optimal_continuum_sweep(model, Ts, exact_modes=16)
    assert all(r is not None for r in full)
    assert full[0].final_loss == pytest.approx(rs[0].final_loss, rel=1e-12)
    with pytest.raises(ValueError, match="cpu_budget"):
        optimal_continuum_sweep(model, Ts, cpu_budget=-1.0)


def test_the_budget_counts_work_not_the_clock(monkeypatch):
    """The horizons a budgeted sweep reaches do not depend on how fast the machine runs: with
    the process clock slowed 100-fold the same budget reaches the same horizons: the cost is
    the solves' work at a fixed reference rate (its calibration is in
    benchmarks/results/longrun.md, not a unit test)."""
    import time

    from solvers.control.optimal_sweep import SECONDS_PER_SOLVE, SECONDS_PER_WORK, solve_cost

    model = PLRFModel(3.0, 2.0, n_modes=10**4)
    Ts = [100.0, 300.0, 1000.0, 3000.0, 1e4]
    full = optimal_continuum_sweep(model, Ts, exact_modes=16)
    costs = [solve_cost(r) for r in full]
    for r, c in zip(full, costs, strict=True):
        d = r.diagnostics
        work = r.n_evaluations * (len(r.t) - 1) * d["n_quadrature"] * d["substeps"]
        assert d["work"] == work and c == work * SECONDS_PER_WORK + SECONDS_PER_SOLVE
    budget = 0.5 * sum(costs)
    fast = optimal_continuum_sweep(model, Ts, exact_modes=16, cpu_budget=budget)
    clock = time.process_time
    monkeypatch.setattr(time, "process_time", lambda: 100.0 * clock())
    slow = optimal_continuum_sweep(model, Ts, exact_modes=16, cpu_budget=budget)
    reached = [r is not None for r in fast]
    assert reached == [r is not None for r in slow]
    assert reached[:2] == [True, True] and not reached[-1]


def _cut_sweep(T_stop):
    """A sweep whose budget ran out at ``T_stop``: the hard loss law at (1.2, 4), ``T^-0.05``,
    with its slow correction."""

    def sweep(model, Ts, **_):
        return [
            SimpleNamespace(final_loss=T**-0.05 * (1 + T**-0.05), success=True,
                            kkt_residual=1e-7, kkt_scaled=1e-7)
            if T < T_stop else None
            for T in Ts
        ]  # fmt: skip

    return sweep


def test_a_claim_cut_by_the_budget_says_which_horizon_would_settle_it():
    ctx = ExperimentContext(sweep=_cut_sweep(2e4))
    Ts = horizons(100, 1e7, 11)
    r = evaluate_claim(CLAIMS["hard optimal loss"], HARD, Ts, ctx)
    assert unsolved_horizons(HARD, ctx) == [T for T in Ts if T >= 2e4]
    assert r.measurement.diagnostics["T"] == [T for T in Ts if T < 2e4]
    assert r.verdict.startswith("inconclusive"), r.verdict
    first = min(T for T in Ts if T >= 2e4)
    assert f"before T = {first:.3g}" in r.verdict, r.verdict
    omegas = r.measurement.diagnostics["omegas"]
    need = derived_horizon(omegas)
    # at (1.2, 4) the slowest derived correction is the window's excess, T^-(b-a)/(2b-1) = T^-0.4
    # (theory.hard_loss_source: the noise is subleading, no crossover T^-(a-1)/b)
    assert min(omegas) == pytest.approx(0.4)
    assert need == pytest.approx(0.02**-2.5) and f"T ~ {need:.1e}" in r.verdict


def test_an_uncut_sweep_adds_no_budget_note():
    ctx = ExperimentContext(sweep=_cut_sweep(math.inf))
    r = evaluate_claim(CLAIMS["hard optimal loss"], HARD, horizons(100, 1e4, 5), ctx)
    assert "budget" not in r.verdict and "unsolved_T" not in r.measurement.diagnostics


def test_baseline_sweeps_start_no_horizon_past_the_deadline():
    """The default run's deadline: a passed one leaves a baseline claim without horizons
    (inconclusive, never a verdict from nothing); none tunes every horizon."""
    from solvers.claims.catalog import baseline_sweep

    model = PLRFModel(3.0, 2.0, n_modes=10**3)
    Ts = [100, 300, 1000]
    assert baseline_sweep("linear", model, Ts, ExperimentContext(cpu_deadline=0.0)) == []
    full = baseline_sweep("linear", model, Ts, ExperimentContext())
    assert [r.T for r in full] == Ts
    r = evaluate_claim(CLAIMS["LR transfer: linear peak"], model, Ts,
                       ExperimentContext(cpu_deadline=0.0))  # fmt: skip
    assert r.verdict.startswith("inconclusive"), r.verdict


def test_a_horizon_out_of_reach_is_words_not_inf_in_a_verdict(capsys):
    """At (1.2, 1.7) Nesterov's slowest derived correction is T^-0.0035: the horizon it asks for
    is past the largest float. The verdict says so in words; a printed ``inf`` made the default
    ``optlr validate --a 1.2 --b 1.7`` fail at its output check (and, before, overflow)."""
    from solvers.claims._horizon import _scaled_horizon, horizon_text
    from solvers.claims.momentum_forms import _unsettled
    from solvers.cli._common import emit

    text = _unsettled(PLRFModel(1.2, 1.7, n_modes=10**12), "nesterov", [1e2, 1e3, 1e4], 0.18)
    assert "out of reach" in text
    emit(text, None)  # raises ResultError on a printed nan or inf
    assert capsys.readouterr().out.strip() == text
    assert _scaled_horizon(1e4, 100.0, 0.00346) == math.inf and horizon_text(2e9) == "2e+09"
