"""The one on-disk cache primitive of optlr: atomic writes and checked, keyed entries.

Both packages cache through this module (``theory`` imports nothing from ``solvers``, so the
primitive lives here and ``solvers._cache`` builds on it):

* :func:`atomic_write` writes a file through a temporary file in the same directory and
  ``os.replace``: a reader sees the old file or the new one, never a half-written one, and a
  failed write leaves the old file intact and no temporary file behind.
* :func:`store_entry` / :func:`load_entry` keep one value per file with a header holding the
  entry's full key and a SHA-256 checksum of the pickled value. A load verifies both; an entry
  that is truncated, empty, bit-flipped or belongs to another key is reported as
  :class:`CorruptEntry`, which callers turn into a warning and a recomputation.
* :func:`source_key` hashes every ``.py`` file of the given package directories (once per
  process), so editing any code a cached computation may run invalidates its entries.

The symbolic results of ``theory`` are cached by :func:`load_or_compute` in
``$OPTLR_CACHE_DIR/theory``, else ``$XDG_CACHE_HOME/optlr/theory``, else
``~/.cache/optlr/theory``; ``OPTLR_NO_DISK_CACHE=1`` turns that cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

V = TypeVar("V")

__all__ = [
    "CacheWarning",
    "CorruptEntry",
    "atomic_write",
    "cache_root",
    "load_entry",
    "load_or_compute",
    "load_or_store",
    "source_key",
    "store_entry",
    "theory_code_key",
]

#: First line of every entry; bumped when the layout changes (old entries then read as corrupt).
MAGIC = b"optlr-cache-entry 2\n"


class CacheWarning(UserWarning):
    """A cache entry failed its check and was recomputed."""


class CorruptEntry(Exception):
    """An entry exists but does not verify (the message says why)."""


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory + rename).

    On any failure the temporary file is removed and an existing ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_entry(path: str | Path, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` at ``path``: header (key, checksum) + pickle, atomically."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest()
    atomic_write(path, MAGIC + key.encode() + b"\n" + digest.encode() + b"\n" + payload)


def load_entry(path: str | Path, key: str) -> Any:
    """The value stored under ``key`` at ``path``.

    Raises
    ------
    FileNotFoundError
        No entry.
    CorruptEntry
        The entry is empty, truncated, altered, of another key or format, or does not unpickle.
    """
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC):
        raise CorruptEntry("is empty, of an old format or damaged (bad header)")
    parts = data[len(MAGIC) :].split(b"\n", 2)
    if len(parts) != 3:
        raise CorruptEntry("is truncated (incomplete header)")
    stored_key, digest, payload = parts
    if stored_key.decode(errors="replace") != key:
        raise CorruptEntry(f"holds another key ({stored_key[:40].decode(errors='replace')}...)")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        raise CorruptEntry("fails its checksum (truncated or altered)")
    try:
        return pickle.loads(payload)
    except Exception as exc:  # a checksummed pickle of classes that changed meanwhile
        raise CorruptEntry(f"does not unpickle ({type(exc).__name__}: {exc})") from None


def load_or_store(path: Path, key: str, compute: Callable[[], V]) -> tuple[V, bool]:
    """``(value, hit)``: the verified entry, or ``compute()`` stored (a bad entry warns)."""
    try:
        return load_entry(path, key), True
    except FileNotFoundError:
        pass
    except (CorruptEntry, OSError) as exc:
        warnings.warn(f"cache entry {path} {exc}; recomputing it", CacheWarning, stacklevel=3)
    value = compute()
    try:
        store_entry(path, key, value)
    except OSError as exc:  # a read-only cache: an optimisation, never a requirement
        warnings.warn(f"cache entry {path} not written: {exc}", CacheWarning, stacklevel=3)
    return value, False


@cache
def _hash_sources(roots: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for root in roots:
        base = Path(root)
        for path in sorted(base.rglob("*.py")):
            h.update(path.relative_to(base.parent).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def source_key(*package_dirs: str | Path) -> str:
    """Hash of every ``.py`` file under the package directories (computed once per process)."""
    return _hash_sources(tuple(str(Path(d).resolve()) for d in package_dirs))


def cache_root() -> Path:
    """The directory of the theory cache (see the module docs)."""
    if env := os.environ.get("OPTLR_CACHE_DIR"):
        return Path(env) / "theory"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "optlr" / "theory"


def theory_code_key() -> str:
    """Hash of the ``theory`` package's source files, SymPy's and Python's versions."""
    import sympy

    text = f"{source_key(Path(__file__).parent)}; sympy {sympy.__version__}; {sys.version_info[:2]}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_or_compute(name: str, compute: Callable[[], V]) -> V:
    """``compute()``, or its verified entry from an earlier process with the same code."""
    if os.environ.get("OPTLR_NO_DISK_CACHE", "") not in ("", "0"):
        return compute()
    key = f"theory/{name}/{theory_code_key()}"
    return load_or_store(cache_root() / f"{name}-{theory_code_key()}.pkl", key, compute)[0]
