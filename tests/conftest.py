"""Session set-up: a fresh on-disk cache per test session.

Every session derives the scaling laws afresh (nothing from an earlier run is loaded); the theory
disk cache then serves the notebook kernels and report subprocesses of this session only.
"""

import os
import shutil
import tempfile

_SESSION_CACHE: list[str] = []


def pytest_configure(config):
    path = tempfile.mkdtemp(prefix="optlr-test-cache-")
    _SESSION_CACHE.append(path)
    os.environ["OPTLR_CACHE_DIR"] = path


def pytest_unconfigure(config):
    for path in _SESSION_CACHE:
        shutil.rmtree(path, ignore_errors=True)
