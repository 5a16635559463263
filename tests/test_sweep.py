"""Sweep executor: cache (resume, no new work on a rerun), local processes, Dask LocalCluster."""

import numpy as np
import pytest

from solvers import phase_diagram
from solvers.analysis import run_sweep, task_key
from solvers.claims.validate import phase_point

TS = [100, 300, 1000]
SMALL = {"exact": 32, "ratio": 1.5}


def test_cache_resumes_and_second_run_does_no_work(tmp_path):
    tasks = [{"a": a, "b": 2.0, "Ts": TS, "claim": "optimal constant loss", "n_modes": 10**4,
              "grid_options": SMALL} for a in (2.5, 3.0, 3.5)]  # fmt: skip
    first = run_sweep(phase_point, tasks[:2], cache_dir=tmp_path, max_workers=1, progress=False)
    assert (first.computed, first.cached) == (2, 0)
    resumed = run_sweep(phase_point, tasks, cache_dir=tmp_path, max_workers=1, progress=False)
    assert (resumed.computed, resumed.cached) == (1, 2)  # an interrupted sweep resumes
    again = run_sweep(phase_point, tasks, cache_dir=tmp_path, max_workers=1, progress=False)
    assert (again.computed, again.cached, again.backend) == (0, 3, "cache")
    assert again.values == resumed.values
    assert len(list(tmp_path.rglob("*.pkl"))) == 3


def test_key_depends_on_parameters_and_code_version():
    k = task_key(phase_point, {"a": 2.0})
    assert k == task_key(phase_point, {"a": 2.0})
    assert k != task_key(phase_point, {"a": 2.5})
    assert k != task_key(phase_point, {"a": 2.0}, code_version="other")


def _diagram(**kw):
    return phase_diagram([1.5, 3.0], [2.0, 2.5], TS, n_modes=10**4, grid_options=SMALL,
                         progress=False, **kw)  # fmt: skip


def test_phase_diagram_local_processes():
    d = _diagram(max_workers=2)
    assert d.sweep.backend == "processes"
    assert d.phase.tolist() == [["hard", "hard"], ["easy", "easy"]]
    expected = -(d.a_values[:, None] - 1) / (d.a_values[:, None] + d.b_values[None, :] - 1)
    np.testing.assert_allclose(d.predicted, expected, rtol=1e-12)
    assert np.isfinite(d.measured).all()


def test_phase_diagram_dask_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        d = _diagram(scheduler=cluster.scheduler_address)
    assert d.sweep.backend == "dask" and d.sweep.computed == 4
    cell = phase_point(3.0, 2.5, TS, "optimal constant loss", n_modes=10**4, grid_options=SMALL)
    assert d.measured[1, 1] == cell["measured"] and d.verdict[1, 1] == cell["verdict"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_phase_diagram_with_the_continuum_optimum(backend, tmp_path):
    """Optimal-loss exponent across the phase boundary, measured by the continuum solver in the
    cells: the easy cell follows -(a-1)/a, the hard one -(a-1)/b (0.5 apart at these points)."""
    kw = dict(claim="optimal loss", n_modes=10**8, solver="continuum", progress=False,
              solver_options={"exact_modes": 32}, cache_dir=tmp_path)  # fmt: skip
    Ts = [300, 1000, 3000]
    if backend == "dask":
        distributed = pytest.importorskip("distributed")
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
            host="127.0.0.1", dashboard_address=None,
        ) as cluster:  # fmt: skip
            d = phase_diagram([3.0, 1.5], [2.0, 3.0], Ts, scheduler=cluster.scheduler_address, **kw)
    else:
        d = phase_diagram([3.0, 1.5], [2.0, 3.0], Ts, max_workers=2, **kw)
    assert d.sweep.backend == backend
    assert d.phase[0, 0] == "easy" and d.phase[1, 1] == "hard"
    assert d.predicted[0, 0] == pytest.approx(-2 / 3) and d.predicted[1, 1] == pytest.approx(-1 / 6)
    for i in (0, 1):
        assert abs(d.measured[i, i] - d.predicted[i, i]) < 0.1
