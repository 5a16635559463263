"""A small on-disk cache for expensive symbolic results (``theory`` imports nothing from ``solvers``).

A value is stored as a pickle named by a key that hashes the source of every ``theory`` module,
the SymPy version and the Python version: editing the derivation, or upgrading SymPy, gives a new
key, so a stale result is never loaded. Writes are atomic (temporary file + rename); an
unreadable entry is recomputed and replaced. The directory is ``$OPTLR_CACHE_DIR/theory``, else
``$XDG_CACHE_HOME/optlr/theory``, else ``~/.cache/optlr/theory``; ``OPTLR_NO_DISK_CACHE=1``
turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

V = TypeVar("V")

__all__ = ["cache_root", "load_or_compute", "theory_code_key"]


def cache_root() -> Path:
    """The directory of the theory cache (see the module docs)."""
    if env := os.environ.get("OPTLR_CACHE_DIR"):
        return Path(env) / "theory"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "optlr" / "theory"


@cache
def theory_code_key() -> str:
    """Hash of the ``theory`` package's source files, SymPy's and Python's versions."""
    import sympy

    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    h.update(f"sympy {sympy.__version__}; python {sys.version_info[:2]}".encode())
    return h.hexdigest()[:16]


def load_or_compute(name: str, compute: Callable[[], V]) -> V:
    """``compute()``, or its pickle from an earlier process with the same code."""
    if os.environ.get("OPTLR_NO_DISK_CACHE", "") not in ("", "0"):
        return compute()
    path = cache_root() / f"{name}-{theory_code_key()}.pkl"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # missing, damaged or foreign: (re)compute and store it
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # a read-only home: the cache is an optimisation, never a requirement
        pass
    return value
