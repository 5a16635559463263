"""The direct solver's kernels compiled ahead of time (:mod:`solvers.control._aot`) against
numba's, the workspace that guards them, and the key that keeps a stale build from running."""

import sys
from dataclasses import replace

import numpy as np
import pytest

from solvers.control import _adjoint, _aot
from solvers.control._objective import _Workspace
from theory import PLRFModel

STUDY = PLRFModel(a=2, b=2, sigma=0.5, batch=5, n_modes=500, eta_max=2)
#: (model, T, rate): the study's problem (checkpointed, stride 31), a short one storing every
#: state, and a rate far beyond the stability limit (the state is renormalised every few steps).
CASES = [
    (STUDY, 1000, 0.4),
    (PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=200, eta_max=2), 300, 0.7),
    (STUDY, 400, 1.9),
]


def _passes(module, model, T, rate):
    """``(log L(T), loss curve, g_eta, g_im)`` of a decaying schedule, computed by ``module``."""
    ws = replace(_Workspace.create(model, T), kernels=module)
    eta = rate * (1 - np.arange(T) / T) ** 0.5
    inv_m = np.full(T, model.inv_batch)
    with np.errstate(over="ignore"):
        f = ws.forward(eta, inv_m)
        ws.backward(eta, inv_m)
        return f, ws.loss_curve(), ws.g_eta.copy(), ws.g_im.copy(), ws.stride


def _agree(compiled) -> None:
    assert compiled.build_key() == _aot.build_key()
    for model, T, rate in CASES:
        f0, L0, ge0, gi0, _ = _passes(_adjoint, model, T, rate)
        f1, L1, ge1, gi1, _ = _passes(compiled, model, T, rate)
        assert np.isfinite(f0) and f1 == pytest.approx(f0, rel=1e-13, abs=1e-13)
        np.testing.assert_allclose(L1, L0, rtol=1e-12)
        for g1, g0 in ((ge1, ge0), (gi1, gi0)):
            np.testing.assert_allclose(g1, g0, rtol=0, atol=1e-11 * np.abs(g0).max())


def test_cases_cover_both_memory_modes_and_renormalisation():
    strides = [_passes(_adjoint, m, T, r)[4] for m, T, r in CASES]
    assert strides[0] > 1 and strides[1] == 1
    ws = _Workspace.create(STUDY, 400)
    with np.errstate(over="ignore"):
        ws.forward(np.full(400, 1.9), np.full(400, STUDY.inv_batch))
    assert ws.logscale[-1] > 0  # the third case does renormalise


def test_built_kernels_agree_with_numba():
    """Runs where ``python -m solvers.control._aot`` has built the extension for this source."""
    try:
        from solvers.control import _adjoint_aot as compiled
    except ImportError:
        pytest.skip("the ahead-of-time kernels are not built here")
    if compiled.build_key() != _aot.build_key():
        pytest.skip("the ahead-of-time kernels here were built from another source")
    assert _aot.kernels() is compiled
    _agree(compiled)


def test_a_build_of_other_source_is_never_run(tmp_path, monkeypatch):
    other = tmp_path / "_adjoint.py"
    other.write_bytes(_aot.SOURCE.read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(_aot, "SOURCE", other)
    _aot.kernels.cache_clear()
    try:
        assert _aot.kernels() is _adjoint
    finally:
        monkeypatch.undo()
        _aot.kernels.cache_clear()


@pytest.mark.parametrize("module", ["numba", "kernels()"])
def test_workspace_hands_the_kernels_contiguous_float64(module):
    """Strided and float32 schedules give the contiguous float64 answer (the compiled kernels
    would read a strided array as contiguous and crash on float32); a wrong length is refused."""
    kernels = _adjoint if module == "numba" else _aot.kernels()
    ws = replace(_Workspace.create(STUDY, 300), kernels=kernels)
    eta, inv_m = np.linspace(0.5, 0.01, 300), np.full(300, STUDY.inv_batch)
    f = ws.forward(eta, inv_m)
    ws.backward(eta, inv_m)
    g = ws.g_eta.copy()
    wide = np.repeat(eta, 2)[::2]
    assert not wide.flags.c_contiguous and np.array_equal(wide, eta)
    assert ws.forward(wide, inv_m.astype(np.float32)) == pytest.approx(f, rel=1e-6)
    assert ws.forward(wide, inv_m) == f
    ws.backward(wide, inv_m)
    assert np.array_equal(ws.g_eta, g)
    with pytest.raises(ValueError, match=r"eta and inv_m must have shape \(300,\)"):
        ws.forward(eta[:-1], inv_m[:-1])


@pytest.mark.slow
def test_build_compiles_kernels_that_agree_with_numba(tmp_path, monkeypatch):
    """Builds the extension (a C compiler is needed; ~8 s CPU) and holds it to numba's."""
    path = _aot.build(tmp_path)
    assert path.parent == tmp_path and path.name.startswith(_aot.EXTENSION)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, _aot.EXTENSION, raising=False)
    compiled = __import__(_aot.EXTENSION)
    assert compiled.__file__ == str(path)
    _agree(compiled)
