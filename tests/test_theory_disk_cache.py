"""The on-disk cache of symbolic results (theory._disk) and of derive_scaling_laws."""

import pickle

import pytest
import sympy as sp

from theory import derive_scaling_laws
from theory._disk import CacheWarning, cache_root, load_entry, load_or_compute, theory_code_key


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return {"x": sp.Symbol("a", positive=True) + 1}

    return calls, compute


def test_second_call_loads_what_the_first_wrote(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTLR_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OPTLR_NO_DISK_CACHE", raising=False)
    calls, compute = _counter()
    first = load_or_compute("thing", compute)
    second = load_or_compute("thing", compute)
    assert len(calls) == 1 and first == second
    assert (cache_root() / f"thing-{theory_code_key()}.pkl").exists()
    assert cache_root() == tmp_path / "theory"


def test_damaged_entry_is_recomputed_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTLR_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OPTLR_NO_DISK_CACHE", raising=False)
    path = tmp_path / "theory" / f"thing-{theory_code_key()}.pkl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    calls, compute = _counter()
    with pytest.warns(CacheWarning, match="bad header"):
        assert load_or_compute("thing", compute) == compute()
    assert len(calls) == 2  # once through the cache (damaged entry), once here
    assert load_entry(path, f"theory/thing/{theory_code_key()}") == compute()


def test_switch_off(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTLR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("OPTLR_NO_DISK_CACHE", "1")
    calls, compute = _counter()
    load_or_compute("thing", compute)
    load_or_compute("thing", compute)
    assert len(calls) == 2 and not (tmp_path / "theory").exists()


def test_key_hashes_the_theory_sources():
    key = theory_code_key()
    assert len(key) == 16 and int(key, 16) >= 0


@pytest.mark.parametrize("phase", ["easy", "hard"])
def test_stored_scaling_laws_equal_the_derived_ones(phase):
    """What the cache stores (a pickle) is the derivation: every exponent and the boundary."""
    laws = derive_scaling_laws()
    back = pickle.loads(pickle.dumps(laws))
    assert back.phase_boundary == laws.phase_boundary
    for name, exp in getattr(laws, phase).exponents.items():
        assert sp.simplify(getattr(back, phase)[name].expr - exp.expr) == 0, name
    # symbols keep their assumptions, so numbers substitute as before
    assert back.easy["xi"].evaluate(a=3, b=2) == pytest.approx(1 / 3)
