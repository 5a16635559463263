"""An on-disk cache of expensive computations, keyed by their parameters and the code version.

A cached value is reused only when the *same* computation (its namespace and parameters) ran
with the *same* code: the key hashes the parameters (canonical JSON) together with
:func:`package_code_key` — every source file of ``theory`` and ``solvers`` — and the source text
of anything else the caller declares it depends on. Editing any code invalidates the entry, so a
stale result is never served after the numerics change.

Entries are written and verified by the one cache primitive, :mod:`theory._disk`: each file
holds its full key and a checksum, is written atomically, and an entry that fails its check
(truncated, empty, bit-flipped, another key's) is recomputed with a :class:`CacheWarning`. The
cache holds no process-global state: each :class:`DiskCache` counts its own hits and misses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import numpy as np

from theory._disk import CacheWarning, load_or_store, source_key

__all__ = ["CacheWarning", "DiskCache", "code_version", "default_cache_dir", "package_code_key"]

V = TypeVar("V")

#: Bumped when the on-disk entry layout changes (old entries are then ignored, not misread).
CACHE_FORMAT = 2


def package_code_key() -> str:
    """Hash of every ``.py`` file of the ``theory`` and ``solvers`` packages (once per process).

    The simplest honest code version: a cached computation may run any of that code.
    """
    import theory

    return source_key(Path(theory.__file__).parent, Path(__file__).parent)


def default_cache_dir() -> Path:
    """``$OPTLR_CACHE_DIR``, else ``$XDG_CACHE_HOME/optlr``, else ``~/.cache/optlr``."""
    if env := os.environ.get("OPTLR_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "optlr"


def code_version(*parts: ModuleType | Callable | str) -> str:
    """A short hash of the source text of modules and functions (strings are hashed as given).

    Examples
    --------
    >>> code_version("x") == code_version("x") != code_version("y")
    True
    """
    h = hashlib.sha256()
    for part in parts:
        text = part if isinstance(part, str) else inspect.getsource(part)
        h.update(text.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _canonical(obj: Any) -> Any:
    """JSON-able, order-independent form of parameters (floats by ``repr``: exact round trip)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"__type__": type(obj).__name__, **_canonical(dataclasses.asdict(obj))}
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [_canonical(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__array__": hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()}
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return repr(x) if math.isfinite(x) else str(x)
    raise TypeError(f"cache parameters must be JSON-like, got {type(obj).__name__}: {obj!r}")


class DiskCache:
    """Cache of computed values under ``root`` (``None``: compute every time, store nothing).

    Parameters
    ----------
    root : path or None
        Directory of the entries (created on first store).

    Attributes
    ----------
    hits, misses : int
        Values served from disk and values computed, by this instance.

    Examples
    --------
    >>> import tempfile
    >>> cache = DiskCache(tempfile.mkdtemp())
    >>> cache.get_or_compute("square", {"x": 3}, lambda: 9, depends_on=["v1"])
    9
    >>> cache.get_or_compute("square", {"x": 3}, lambda: -1, depends_on=["v1"])   # served
    9
    >>> cache.hits, cache.misses
    (1, 1)
    """

    def __init__(self, root: str | Path | None) -> None:
        self.root = None if root is None else Path(root)
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"DiskCache({str(self.root)!r}, hits={self.hits}, misses={self.misses})"

    def key(
        self,
        namespace: str,
        params: Mapping[str, Any],
        depends_on: Iterable[ModuleType | Callable | str] = (),
    ) -> str:
        """The entry's key: hash of namespace, canonical parameters and code version."""
        payload = json.dumps(
            {
                "format": CACHE_FORMAT,
                "namespace": namespace,
                "params": _canonical(params),
                "code": code_version(package_code_key(), *depends_on),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def _path(self, namespace: str, key: str) -> Path:
        assert self.root is not None
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in namespace)
        return self.root / safe / f"{key}.pkl"

    def get_or_compute(
        self,
        namespace: str,
        params: Mapping[str, Any],
        compute: Callable[[], V],
        *,
        depends_on: Iterable[ModuleType | Callable | str] = (),
    ) -> V:
        """Return the cached value for ``(namespace, params, code)``, computing it if absent.

        Parameters
        ----------
        namespace : str
            Kind of computation (also the sub-directory of its entries).
        params : mapping
            Everything the value depends on besides code: numbers, strings, dataclasses such as
            :class:`theory.PLRFModel`, arrays (hashed by content).
        compute : callable
            Called without arguments on a miss.
        depends_on : iterable of modules, functions or strings
            Code whose source text is part of the key (include ``compute``'s own function).
        """
        if self.root is None:
            self.misses += 1
            return compute()
        key = self.key(namespace, params, depends_on)
        value, hit = load_or_store(self._path(namespace, key), f"{namespace}/{key}", compute)
        if hit:
            self.hits += 1
        else:
            self.misses += 1
        return value
