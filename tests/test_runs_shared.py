"""The joint fit of several model sizes with ``(a, b)`` shared (``solvers.runs.fit_shared``)."""

import pytest

from solvers.runs import FitOptions, Run, fit_shared, predict_run
from tests.test_runs import HARD, synthetic

SPECS = [("cos", 4000, 1e-3), ("wsd", 6000, 1e-3), ("const", 8000, 5e-4)]
OPTS = FitOptions(n_boot=0, max_points=12, n_grid=40, min_step=200, fit_power=False, n_starts=2)
#: A second model size: its own time scale, noise level and irreducible loss.
LARGE = HARD.replace(s=3 * HARD.s, nu=0.5 * HARD.nu, L_inf=2.2)


def _sized(params, tag: str, seed: int) -> list[Run]:
    runs = synthetic(params, SPECS, noise=3e-4, seed=seed)
    return [Run(tag + r.id, r.sched_step, r.sched_lr, r.observed, r.meta) for r in runs]


@pytest.fixture(scope="module")
def consistent():
    groups = {"small": _sized(HARD, "S", 1), "large": _sized(LARGE, "L", 2)}
    return groups, fit_shared(groups, OPTS)


def test_shared_fit_recovers_a_and_b_common_to_two_sizes(consistent):
    """Two sizes of the functional with the same (a, b) = (1.4, 2.2) and different s, nu,
    L_inf: one (a, b) for both, within 0.1 of the truth, the hard phase, each size's own
    L_inf; 2 + 2 x 4 parameters (p held)."""
    groups, fit = consistent
    small, large = fit.fits["small"].params, fit.fits["large"].params
    assert (small.a, small.b) == (large.a, large.b) == (fit.a, fit.b)
    assert abs(fit.a - HARD.a) < 0.1 and abs(fit.b - HARD.b) < 0.1, (fit.a, fit.b)
    assert fit.phase == "hard" and fit.p_easy < 0.1 and fit.n_params == 10
    assert abs(small.L_inf - HARD.L_inf) < 0.02 and abs(large.L_inf - LARGE.L_inf) < 0.02
    # each size predicts its own runs from its own parameters
    run = groups["large"][-1]
    steps, obs = run.losses("val")
    pred = predict_run(fit.fits["large"], run, steps[-1:])[1]
    assert abs(pred[0] / obs[-1] - 1) < 2e-3


def test_sizes_with_different_b_do_not_fit_one_shared_b(consistent):
    """A wrong answer: the large size generated with b = 1.6 instead of 2.2. Sharing b must then
    cost: the joint residual sum is at least 5x that of the consistent sizes."""
    groups, fit = consistent
    wrong = {"small": groups["small"], "large": _sized(LARGE.replace(b=1.6), "M", 2)}
    assert fit_shared(wrong, OPTS).cost > 5 * fit.cost


def test_shared_fit_input_errors():
    runs = _sized(HARD, "S", 1)
    with pytest.raises(ValueError, match="at least two sizes"):
        fit_shared({"small": runs}, OPTS)
    with pytest.raises(ValueError, match="at least two sizes"):
        fit_shared({"small": runs, "large": []}, OPTS)
    with pytest.raises(ValueError, match="n_modes"):
        fit_shared({"small": runs[:1], "large": runs[1:]}, OPTS, n_modes={"huge": 10})
