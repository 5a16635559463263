"""Nothing lost (issue 15 item 6): damaged cache entries, code edits, atomic writes, orphan workers.

Every cache of optlr goes through one primitive (``theory._disk``); these tests damage its
entries the ways a crash or a disk can (truncated, empty, bit-flipped, another key's entry in
the file) and check the value is recomputed with a warning — never served corrupt, never a
crash — and that editing the code a computation depends on invalidates its entries.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import solvers._cache as cache_module
from solvers._cache import CacheWarning, DiskCache
from solvers.analysis.sweep import run_sweep
from solvers.cli import main
from theory import _disk
from theory._disk import atomic_write, load_entry, source_key, store_entry


def square(x):
    return x * x


def _damage(path: Path, how: str, other: Path | None = None) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "bitflip":  # the lowest mantissa bit of the pickled float (before STOP "."):
        i = len(data) - 2  # unpickles fine to a value off by one ulp; only the checksum sees it
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :])
    elif how == "foreign":  # a valid entry of another key under this entry's name
        path.write_bytes(other.read_bytes())


FAULTS = ["truncate", "empty", "bitflip", "foreign"]


@pytest.mark.parametrize("how", FAULTS)
def test_disk_cache_entry_fault_is_recomputed_with_a_warning(tmp_path, how):
    cache = DiskCache(tmp_path)
    assert cache.get_or_compute("sq", {"x": 3}, lambda: square(3.0)) == 9.0
    assert cache.get_or_compute("sq", {"x": 4}, lambda: square(4.0)) == 16.0
    path3, path4 = (cache._path("sq", cache.key("sq", {"x": x})) for x in (3, 4))
    _damage(path3, how, other=path4)
    calls = []
    with pytest.warns(CacheWarning, match="recomputing"):
        value = cache.get_or_compute("sq", {"x": 3}, lambda: calls.append(1) or square(3.0))
    assert value == 9.0 and calls == [1]  # recomputed: not 16 (foreign), not 9 + 1 ulp (flip)
    assert cache.get_or_compute("sq", {"x": 3}, lambda: -1) == 9.0  # stored again, verified
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("how", FAULTS)
def test_sweep_cache_entry_fault_is_recomputed_with_a_warning(tmp_path, how):
    tasks = [{"x": 2.0}, {"x": 5.0}]
    first = run_sweep(square, tasks, cache_dir=tmp_path, max_workers=1, progress=False)
    assert first.values == [4.0, 25.0] and first.computed == 2
    p2, p5 = sorted(tmp_path.rglob("*.pkl"), key=lambda p: load_entry_value(p))
    _damage(p2, how, other=p5)
    with pytest.warns(CacheWarning, match="recomputing"):
        again = run_sweep(square, tasks, cache_dir=tmp_path, max_workers=1, progress=False)
    assert again.values == [4.0, 25.0] and (again.computed, again.cached) == (1, 1)


def load_entry_value(path: Path):
    """The value in an entry file, whatever its key (reads the header's own key)."""
    key = path.read_bytes()[len(_disk.MAGIC) :].split(b"\n", 1)[0].decode()
    return load_entry(path, key)


def test_checksum_catches_every_single_bit_flip_of_the_value(tmp_path):
    """Not one lucky bit: flip each bit of the payload in turn; none is served."""
    path = tmp_path / "e.pkl"
    store_entry(path, "k", [1.0, 2.0, 3.0])
    data = path.read_bytes()
    start = len(_disk.MAGIC) + len(b"k\n") + 65  # after the key and digest lines
    assert load_entry(path, "k") == [1.0, 2.0, 3.0] and start < len(data)
    served = 0
    for i in range(start, len(data)):
        for bit in range(8):
            path.write_bytes(data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1 :])
            try:
                load_entry(path, "k")
                served += 1
            except _disk.CorruptEntry:
                pass
    assert served == 0 and len(data) - start > 20  # every bit of a 3-float pickle tried


def test_editing_the_code_invalidates_entries(tmp_path, monkeypatch):
    cache = DiskCache(tmp_path)
    assert cache.get_or_compute("sq", {"x": 3}, lambda: 9) == 9
    assert cache.get_or_compute("sq", {"x": 3}, lambda: -1) == 9  # same code: served
    monkeypatch.setattr(cache_module, "package_code_key", lambda: "edited")
    assert cache.get_or_compute("sq", {"x": 3}, lambda: 10) == 10  # edited code: recomputed


def test_source_key_follows_any_file_of_the_packages(tmp_path):
    """The code key hashes every .py file of the package (an edit in a temp copy changes it)."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "deep.py").write_text("X = 1\n")
    before = source_key(pkg)
    (pkg / "sub" / "deep.py").write_text("X = 2\n")
    _disk._hash_sources.cache_clear()  # the key is computed once per process
    assert source_key(pkg) != before
    assert cache_module.package_code_key() == source_key(
        Path(_disk.__file__).parent, Path(cache_module.__file__).parent
    )


def test_failed_atomic_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    atomic_write(path, b"old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        atomic_write(path, b"new and longer")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]  # no temp file left


def test_cli_out_is_atomic_and_a_failed_result_keeps_the_old_file(tmp_path, capsys):
    out = tmp_path / "curve.csv"
    args = ["simulate", "--T", "20", "--modes", "20", "--format", "csv", "--out", str(out)]
    assert main(args) == 0
    good = out.read_text()
    assert main([*args, "--schedule", "constant:1e200"]) == 1  # a nan loss: refused, not written
    err = capsys.readouterr().err
    assert "non-finite" in err and err.count("\n") == 1
    assert out.read_text() == good
    assert main([*args[:-2], "--out", str(tmp_path)]) == 2  # a directory is not a file
    assert out.read_text() == good and not list(tmp_path.glob(".*tmp"))


WORKER_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from solvers.report.core import ReportContext, ReportConfig
    from solvers._cache import DiskCache

    ctx = ReportContext(ReportConfig.default(quick=True), Path(sys.argv[1]), DiskCache(None), print)
    ctx.start_renderer()
    pids = [ctx._renderer.submit(os.getpid).result() for _ in range(4)]
    print(" ".join(map(str, sorted(set(pids)))), flush=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="process checks via /proc")
def test_report_workers_die_with_a_killed_parent(tmp_path):
    """kill -9 the process that owns the figure workers: they are gone within a few seconds."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert workers and all(_alive(p) for p in workers)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if _alive(p)]
    finally:
        proc.kill()
