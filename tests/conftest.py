"""Session set-up: a fresh on-disk cache per test session.

Every session derives the scaling laws afresh (nothing from an earlier run is loaded); the theory
disk cache then serves the notebook kernels and report subprocesses of this session only.
"""

import os
import shutil
import tempfile

import pytest

_SESSION_CACHE: list[str] = []


def pytest_configure(config):
    path = tempfile.mkdtemp(prefix="optlr-test-cache-")
    _SESSION_CACHE.append(path)
    os.environ["OPTLR_CACHE_DIR"] = path


def pytest_unconfigure(config):
    for path in _SESSION_CACHE:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def verdicts_where_resolved():
    """A check shared by the extrapolation rules' replica tests: wherever an interval resolves
    (half-width <= the default resolution), the prediction moved by +-0.02 is ``disagrees`` and the
    true value, when covered, ``agrees``."""
    from solvers.claims.core import DEFAULT_RESOLUTION, statistical_verdict

    def check(extrapolations, truth: float) -> None:
        for e in extrapolations:
            if e.halfwidth <= DEFAULT_RESOLUTION:
                for shift in (-0.02, 0.02):
                    assert statistical_verdict(e, truth + shift, DEFAULT_RESOLUTION) == "disagrees"
                if e.contains(truth):
                    assert statistical_verdict(e, truth, DEFAULT_RESOLUTION) == "agrees"

    return check
