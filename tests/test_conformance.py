"""Conformance suite: every registered solver on shared reference problems.

Independent methods are held against each other: the exact discrete optimum (direct, discrete
adjoint + L-BFGS-B), the continuous-time Pontryagin extremal (BVP, collocation on the
state-costate system) and the long-horizon continuum solver (log grids, its own adjoint).
"""

import warnings

import numpy as np
import pytest

from solvers import SOLVERS, FrontWarning, simulate, solve
from theory.problems import reference_model

pytestmark = pytest.mark.filterwarnings("ignore::solvers.FrontWarning")

T_CONF = 300


def _per_step(result) -> np.ndarray:
    """The schedule as one rate per step, for results on any integer grid."""
    t = np.asarray(result.t)
    return np.repeat(np.asarray(result.eta), np.diff(t).astype(np.int64))


def _rel_l2_interior(x, y, trim=0.05):
    """Relative L2 difference away from the endpoints (``trim`` of the steps cut at each end)."""
    n = len(y)
    sl = slice(int(trim * n), n - int(trim * n))
    return float(np.linalg.norm(x[sl] - y[sl]) / np.linalg.norm(y[sl]))


@pytest.fixture(scope="module")
def conformance_solutions():
    model = reference_model("conformance")
    with warnings.catch_warnings():  # 4 modes: the front warning is expected and irrelevant
        warnings.simplefilter("ignore", FrontWarning)
        return model, {
            "direct": solve(model, T_CONF, method="direct"),
            "bvp": solve(model, T_CONF, method="bvp"),
            "continuum": solve(model, T_CONF, method="continuum", dynamics="continuous"),
        }


def test_every_solver_returns_the_common_record(conformance_solutions):
    model, sols = conformance_solutions
    assert set(sols) <= set(SOLVERS)
    for name, r in sols.items():
        assert r.success, f"{name}: {r.message}"
        assert len(r.eta) == len(r.t) - 1 == len(r.loss) - 1, name
        assert r.t[0] == 0 and r.t[-1] == T_CONF, name
        assert np.all((r.eta >= 0) & (r.eta <= model.eta_max)), name
        assert r.final_loss == pytest.approx(r.loss[-1]), name
        assert isinstance(r.message, str) and r.seconds > 0, name


def test_direct_and_pontryagin_bvp_schedules_agree(conformance_solutions):
    _, sols = conformance_solutions
    d, b = _per_step(sols["direct"]), _per_step(sols["bvp"])
    assert _rel_l2_interior(b, d) < 0.02


def test_continuum_and_bvp_agree_on_the_continuous_problem(conformance_solutions):
    model, sols = conformance_solutions
    c, b = sols["continuum"], sols["bvp"]
    assert _rel_l2_interior(_per_step(c), _per_step(b)) < 0.02
    # both are continuous-time optima: their losses agree, and each equals the loss of its own
    # schedule integrated independently (ETD2 integrator of simulate)
    assert c.final_loss == pytest.approx(b.final_loss, rel=1e-3)
    for r in (c, b):
        rerun = simulate(model, _per_step(r), time="continuous", substeps=16).final_loss
        assert r.final_loss == pytest.approx(rerun, rel=2e-3)


def test_direct_optimum_is_exact_on_the_recursion_and_beats_the_others(conformance_solutions):
    model, sols = conformance_solutions
    d = sols["direct"]
    assert d.final_loss == pytest.approx(simulate(model, d.eta).final_loss, rel=1e-10)
    # the discrete optimum is optimal for the exact recursion: the continuous-time schedules,
    # run through the recursion, cannot do better
    for name in ("bvp", "continuum"):
        other = simulate(model, _per_step(sols[name])).final_loss
        assert d.final_loss <= other * (1 + 1e-9), name


def test_continuum_tracks_the_exact_recursion():
    """With its default discrete dynamics the continuum solver reproduces the direct optimum."""
    model = reference_model("easy", n_modes=200)
    T = 2000
    d = solve(model, T, method="direct")
    c = solve(model, T, method="continuum")
    assert d.success and c.success
    assert c.final_loss == pytest.approx(d.final_loss, rel=0.01)
    assert simulate(model, _per_step(c)).final_loss >= d.final_loss * (1 - 1e-9)
