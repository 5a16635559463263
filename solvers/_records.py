"""Saved results (a trajectory, an optimised schedule) in one record format:
:func:`save_record` / :func:`load_record`, ``.json`` (portable; non-finite numbers as
``null``/``"inf"``, so the file is strict JSON) or ``.npz`` (arrays plus the JSON metadata),
written atomically by the cache's primitive (:func:`theory._disk.atomic_write`).

Light on purpose: result types import it on every solve (``to_dict``), so the disk cache's
machinery (:mod:`solvers._cache`, :mod:`theory._disk`) is imported only when a record is written.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["float_array", "from_json", "json_ready", "load_record", "save_record"]


def json_ready(o):
    """JSON-ready copy: non-finite floats become ``None`` (nan) or ``"inf"``/``"-inf"``, arrays
    and tuples become lists, dict keys strings (:func:`from_json` reverses the infinities)."""
    if isinstance(o, dict):
        return {str(k): json_ready(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [json_ready(v) for v in o]
    if isinstance(o, np.ndarray):
        return json_ready(o.tolist())
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None if math.isnan(o) else ("inf" if o > 0 else "-inf")
    return o


def from_json(o):
    """Inverse of :func:`json_ready` for the infinities (``None`` stays ``None``)."""
    if isinstance(o, dict):
        return {k: from_json(v) for k, v in o.items()}
    if isinstance(o, list):
        return [from_json(v) for v in o]
    if o in ("inf", "-inf"):
        return float(o)
    return o


def float_array(x) -> np.ndarray:
    """``x`` (nested lists from JSON, or an array) as floats, ``None`` read as nan."""
    if isinstance(x, np.ndarray):
        return x.astype(float)
    if isinstance(x, list):
        return np.asarray([float_array(v) if isinstance(v, list) else v for v in x], dtype=float)
    return np.asarray(math.nan if x is None else x, dtype=float)


def _record_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix not in (".json", ".npz"):
        raise ValueError(f"path must end in .json or .npz, got {str(path)!r}")
    return path


def save_record(path: str | Path, meta: Mapping, arrays: Mapping[str, Any]) -> None:
    """Write ``meta`` (JSON-able) and ``arrays`` (``None`` entries are left out) to ``path``:
    ``.json`` (one object, arrays as lists) or ``.npz`` (arrays, the metadata as JSON),
    atomically."""
    from theory._disk import atomic_write

    path = _record_path(path)
    arrays = {k: np.asarray(v) for k, v in arrays.items() if v is not None}
    if path.suffix == ".npz":
        buf = io.BytesIO()
        np.savez_compressed(buf, meta=json.dumps(json_ready(dict(meta))), **arrays)
        atomic_write(path, buf.getvalue())
    else:
        text = json.dumps(json_ready({**meta, **arrays}), allow_nan=False)
        atomic_write(path, text.encode())


def load_record(path: str | Path, names: Iterable[str]) -> tuple[dict, dict]:
    """``(meta, arrays)`` of a record written by :func:`save_record`; ``arrays`` holds those of
    ``names`` present (as float arrays from ``.json``, nan for ``null``; as stored from
    ``.npz``)."""
    path = _record_path(path)
    if path.suffix == ".npz":
        with np.load(path) as z:
            meta = from_json(json.loads(str(z["meta"])))
            return meta, {k: z[k] for k in names if k in z.files}
    meta = from_json(json.loads(path.read_text()))
    return meta, {k: float_array(meta.pop(k)) for k in names if meta.get(k) is not None}
