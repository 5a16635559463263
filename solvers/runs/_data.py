r"""Training runs read from CSV: schedules, observed losses and per-run metadata, validated.

A *curves* file has one row per logged step, columns ``run, step, lr, loss`` and optionally
``split`` (``train`` or ``val``). A row with an empty ``loss`` gives the schedule only (warmup
rows, the part of a branched run before its branch point, or a whole run whose loss is to be
predicted). A *runs* file (optional) has one row per run, a ``run`` column and any metadata
(``dataset``, ``params``, ``scheduler``, ``iterations``, ...).

Every defect is reported as one line naming the file, the row (line number in the file, the
header being line 1) and the column: :class:`RunsDataError`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np

from ._names import DATASETS

__all__ = ["DATASETS", "Run", "RunSet", "RunsDataError", "load_dataset", "load_runs"]

#: Columns a curves file must have (``split`` is optional).
CURVE_COLUMNS = ("run", "step", "lr", "loss")
#: Metadata columns turned into numbers when they parse as numbers.
_NUMERIC_META = (
    "params", "lr", "iterations", "warmup_steps", "wsd_fract_decay", "cos_final_lr", "weight_decay",
)  # fmt: skip


class RunsDataError(ValueError):
    """A defect in a curves or runs file, reported as ``file, row N, column 'c': what``."""


def _where(path: str, row: int, column: str) -> str:
    return f"{path}, row {row}, column {column!r}"


@dataclass(frozen=True)
class Run:
    """One training run: its schedule per logged step and its observed losses.

    Attributes
    ----------
    id : str
    sched_step, sched_lr : ndarray, shape (n,)
        Logged steps (increasing, unique) and the rate used there.
    observed : dict
        ``split -> (steps, losses)``, each an increasing array of the steps with a loss.
    meta : dict
        The run's row of the runs file (empty without one).
    """

    id: str
    sched_step: np.ndarray
    sched_lr: np.ndarray
    observed: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        """Number of steps: ``iterations`` from the metadata, else the last logged step + 1."""
        T = self.meta.get("iterations")
        last = int(self.sched_step[-1]) + 1
        return max(int(T), last) if isinstance(T, (int, float)) and T > 0 else last

    def schedule(self, T: int | None = None) -> np.ndarray:
        """The rate at every step ``0..T-1`` (default the horizon), linear between logged steps."""
        T = self.horizon if T is None else int(T)
        steps = np.arange(T, dtype=float)
        return np.interp(steps, self.sched_step.astype(float), self.sched_lr)

    def losses(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, losses)`` observed on ``split`` (empty arrays when there are none)."""
        return self.observed.get(split, (np.zeros(0, int), np.zeros(0)))

    @property
    def family(self) -> tuple:
        """Runs that share a model and data: ``(dataset, params)`` from the metadata."""
        return (self.meta.get("dataset"), self.meta.get("params"))


@dataclass(frozen=True)
class RunSet:
    """Runs by id, with the files they came from."""

    runs: dict
    source: str = ""

    def __getitem__(self, run_id: str) -> Run:
        return self.runs[run_id]

    def __iter__(self):
        return iter(self.runs.values())

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def ids(self) -> list[str]:
        return list(self.runs)

    def select(self, ids, *, argument: str = "ids") -> list[Run]:
        """The runs ``ids`` in order; an unknown id raises naming ``argument``."""
        out = []
        for rid in ids:
            if rid not in self.runs:
                known = ", ".join(sorted(self.runs)[:8])
                raise RunsDataError(
                    f"{argument}: unknown run id {rid!r} (not in {self.source}; known: {known}, ...)"
                )
            out.append(self.runs[rid])
        return out

    def default_split(self) -> str:
        """``val`` when any run has validation losses, else ``train``."""
        return "val" if any(r.losses("val")[0].size for r in self) else "train"


def _number(text: str, where: str, *, allow_empty: bool = False) -> float:
    text = text.strip()
    if text == "" and allow_empty:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise RunsDataError(f"{where}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise RunsDataError(f"{where}: expected a finite number, got {text!r}")
    return value


def _header(reader, path: str, required) -> list[str]:
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RunsDataError(f"{path}, row 1: empty file (expected a header)") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise RunsDataError(
            f"{path}, row 1, column {missing[0]!r}: missing (header has {', '.join(header)})"
        )
    return header


def _read_meta(path: Path) -> dict:
    meta: dict = {}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = _header(reader, str(path), ("run",))
        for row_no, row in enumerate(reader, start=2):
            rec = dict(zip(header, (v.strip() for v in row), strict=False))
            rid = rec.get("run", "")
            if not rid:
                raise RunsDataError(f"{_where(str(path), row_no, 'run')}: empty run id")
            for key in _NUMERIC_META:
                if rec.get(key, "") != "":
                    rec[key] = _number(rec[key], _where(str(path), row_no, key))
            rec["_row"] = row_no
            meta[rid] = rec
    return meta


def _read_curves(path: Path) -> dict:
    rows: dict = {}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = _header(reader, str(path), CURVE_COLUMNS)
        col = {c: header.index(c) for c in header}
        has_split = "split" in col
        for row_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < len(header):
                raise RunsDataError(
                    f"{_where(str(path), row_no, header[len(row)])}: missing value "
                    f"(row has {len(row)} of {len(header)} fields)"
                )
            rid = row[col["run"]].strip()
            if not rid:
                raise RunsDataError(f"{_where(str(path), row_no, 'run')}: empty run id")
            step = _number(row[col["step"]], _where(str(path), row_no, "step"))
            if step < 0 or step != int(step):
                raise RunsDataError(
                    f"{_where(str(path), row_no, 'step')}: expected an integer >= 0, got {step:g}"
                )
            lr = _number(row[col["lr"]], _where(str(path), row_no, "lr"), allow_empty=True)
            if lr < 0:
                raise RunsDataError(f"{_where(str(path), row_no, 'lr')}: expected >= 0, got {lr:g}")
            loss = _number(row[col["loss"]], _where(str(path), row_no, "loss"), allow_empty=True)
            split = row[col["split"]].strip() if has_split else "train"
            if split not in ("train", "val"):
                raise RunsDataError(
                    f"{_where(str(path), row_no, 'split')}: expected train or val, got {split!r}"
                )
            rows.setdefault(rid, []).append((row_no, split, int(step), lr, loss))
    return rows


def _build_run(rid: str, rows: list, meta: dict, path: str) -> Run:
    sched = {}
    for _, split, step, lr, _ in rows:
        if not math.isnan(lr) and (split == "train" or step not in sched):
            sched[step] = lr  # the training log's rate wins over an interpolated val rate
    if not sched:
        raise RunsDataError(
            f"{_where(path, rows[0][0], 'lr')}: run {rid!r} has no schedule (no row with a rate)"
        )
    steps = np.array(sorted(sched))
    observed = {}
    for split in ("train", "val"):
        pts = sorted({s: v for _, sp, s, _, v in rows if sp == split and not math.isnan(v)}.items())
        if pts:
            observed[split] = (np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    return Run(rid, steps, np.array([sched[s] for s in steps]), observed, meta)


def load_runs(curves: str | Path, runs: str | Path | None = None) -> RunSet:
    """Read a curves CSV (and optionally a runs CSV of metadata) into a :class:`RunSet`.

    Parameters
    ----------
    curves : path
        Columns ``run, step, lr, loss[, split]``; an empty ``loss`` marks a schedule-only row.
    runs : path, optional
        One row per run with a ``run`` column; every run of ``curves`` must appear in it and
        every run in it must have schedule rows in ``curves``.

    Raises
    ------
    RunsDataError
        One line naming the file, row and column of the first defect.
    """
    curves = Path(curves)
    for name, p in (("curves", curves), ("runs", runs)):
        if p is not None and not Path(p).is_file():
            raise RunsDataError(f"{name}: no such file {str(p)!r}")
    rows = _read_curves(curves)
    meta = _read_meta(Path(runs)) if runs is not None else {}
    if runs is not None:
        for rid, rr in rows.items():
            if rid not in meta:
                raise RunsDataError(
                    f"{_where(str(curves), rr[0][0], 'run')}: unknown run id {rid!r} "
                    f"(not in {runs})"
                )
        for rid, rec in meta.items():
            if rid not in rows:
                raise RunsDataError(
                    f"{_where(str(runs), rec['_row'], 'run')}: run {rid!r} has no schedule "
                    f"(no rows in {curves})"
                )
    built = {rid: _build_run(rid, rr, meta.get(rid, {}), str(curves)) for rid, rr in rows.items()}
    return RunSet(built, str(curves))


def load_dataset(name: str = "llm-curves") -> RunSet:
    """A data set shipped with optlr (see ``solvers/runs/data/*/README.md`` for its source).

    >>> runs = load_dataset("llm-curves")
    >>> len(runs), runs["d026"].meta["scheduler"]
    (82, 'cos')
    """
    if name not in DATASETS:
        raise ValueError(f"name must be one of {sorted(DATASETS)}, got {name!r}")
    root = files("solvers.runs") / "data" / DATASETS[name]
    return load_runs(Path(str(root / "curves.csv")), Path(str(root / "runs.csv")))
