"""Saved results share one record format (solvers._records.save_record / load_record): a
trajectory and an optimised schedule round-trip through ``.json`` and ``.npz`` with their
non-finite values, the ``.json`` is strict JSON, and the write is atomic."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from solvers import ScheduleResult, Trajectory, simulate
from solvers._records import load_record, save_record
from theory import PLRFModel


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def blown_up():
    """A trajectory that blows up: its loss holds inf/nan past the blow-up step."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(PLRFModel(a=3, b=2, n_modes=10, batch=math.inf), 5.0, T=2000)


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_trajectory_with_non_finite_values_round_trips(tmp_path, blown_up, suffix):
    assert not np.isfinite(blown_up.loss).all()  # the case is not trivial
    path = tmp_path / f"traj{suffix}"
    blown_up.save(path)
    if suffix == ".json":
        _strict(path.read_text())  # NaN / Infinity would fail here
    back = Trajectory.load(path)
    np.testing.assert_array_equal(back.loss, blown_up.loss)  # nan == nan here
    np.testing.assert_array_equal(back.state, blown_up.state)
    assert back.t.dtype == np.int64 and back.blowup_step == blown_up.blowup_step


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_schedule_result_with_nan_round_trips(tmp_path, suffix):
    """A result whose loss holds nan (an unstable schedule) reloads from both formats (the
    ``.npz`` once stored it as a pickled object array that ``np.load`` refuses)."""
    model = PLRFModel(a=2, b=2, n_modes=10)
    loss = np.array([1.0, 0.5, math.nan, math.inf])
    r = ScheduleResult(
        "direct", model, 3, np.arange(4), np.full(3, 0.1), loss, math.nan, False, 3,
        "unstable", 0, 1, math.nan, 0.0,
    )  # fmt: skip
    path = tmp_path / f"r{suffix}"
    r.save(path)
    back = ScheduleResult.load(path)
    np.testing.assert_array_equal(back.loss, loss)
    assert math.isnan(back.final_loss) and math.isnan(back.kkt_residual)
    np.testing.assert_array_equal(back.t, r.t)
    for f in ("method", "model", "T", "success", "status", "message", "batch", "parameters"):
        assert getattr(back, f) == getattr(r, f), f


def test_a_failed_write_leaves_the_old_record(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    save_record(path, {"x": 1}, {"y": np.arange(3)})

    def fail(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError):
        save_record(path, {"x": 2}, {"y": np.arange(5)})
    meta, arrays = load_record(path, ["y"])
    assert meta["x"] == 1 and arrays["y"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.json or \.npz"):
        save_record(tmp_path / "r.csv", {}, {})
