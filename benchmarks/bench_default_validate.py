"""The default ``optlr validate --a A --b B``: wall, CPU per process and per claim, and its JSON
against a reference run's, field by field.

Each point is one fresh run of ``benchmarks/profile_validate.py validate --a A --b B --format
json --progress --cache-dir EMPTY`` under ``nice -n 10 /usr/bin/time -v`` (one run at a time).
From it: the run's CPU (user + sys, the worker included), this process's CPU (the profile's
``# total``), the worker's (their difference), the CPU of each claim on each side (the worker's
``--progress`` lines, this process's ``evaluate_claim`` pieces), the shared re-solves each side
computed, and the predicted idle wall: the longer side's CPU plus the start-up (imports)::

    python benchmarks/bench_default_validate.py [--points 3,3.5 1.2,4] [--out DIR]
        [--reference DIR]

``--reference DIR``: compare each point's rows with ``DIR/<a>_<b>.json`` (another tree's run,
e.g. main's): every field of every row; a number that differs is printed with its change
relative to the row's interval (``resolution``, else ``stderr``), a horizon ``T``
of the local slopes relative to itself. Writes ``DIR/<a>_<b>.json``
and ``.err``. Results: benchmarks/results/claims.md, 2026-12-02s20 (speed20).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script: its sibling is imported as benchmarks.bench_validate_jobs
sys.path.insert(0, str(ROOT))

from benchmarks.bench_validate_jobs import _time_v  # noqa: E402


def parse(err: str) -> dict:
    """The figures of one run's standard error (profile lines, progress lines, time -v)."""
    t = _time_v(err)
    main_cpu = float(re.search(r"# total: cpu ([\d.]+)", err).group(1))
    start = float(re.search(r"# imports: cpu ([\d.]+)", err).group(1))
    # a claim's name may hold ': ', its verdict word does not
    worker = dict(re.findall(r"\[worker\] (.+): [^:\n]*\(([\d.]+) s CPU\)", err))
    here = dict(re.findall(r"\[here\] (.+): [^:\n]*\(([\d.]+) s CPU\)", err))
    shared = re.search(r"\[worker\] shared re-solves: ([\d.]+) s CPU", err)
    main = {m[0]: m[1] for m in re.findall(
        r"#\s+[\d.]+ evaluate_claim \[(.+?)\]\s+cpu\s+([\d.]+)", err)}  # fmt: skip
    total = t["user"] + t["sys"]
    return {**t, "total": total, "main": main_cpu, "worker": total - main_cpu, "start": start,
            "worker_shared": float(shared.group(1)) if shared else 0.0,
            "worker_claims": {k: float(v) for k, v in worker.items()},
            "here_taken": {k: float(v) for k, v in here.items()},
            "main_claims": {k: float(v) for k, v in main.items()}}  # fmt: skip


def run(a: str, b: str, out: Path) -> dict:
    """One default run of this tree; its figures."""
    tag = f"{a}_{b}"
    with tempfile.TemporaryDirectory(prefix="optlr-bench-cache-") as cache:
        cmd = ["nice", "-n", "10", "/usr/bin/time", "-v", sys.executable,
               "benchmarks/profile_validate.py", "validate", "--a", a, "--b", b, "--format",
               "json", "--progress", "--cache-dir", cache]  # fmt: skip
        with open(out / f"{tag}.json", "w") as fo, open(out / f"{tag}.err", "w") as fe:
            rc = subprocess.run(cmd, stdout=fo, stderr=fe, cwd=ROOT, check=False).returncode
    return {"rc": rc, **parse((out / f"{tag}.err").read_text())}


def _interval(row: dict) -> float:
    for k in ("resolution", "stderr"):
        v = row.get(k)
        if isinstance(v, int | float) and math.isfinite(v) and v > 0:
            return float(v)
    return math.nan


def compare(ref: list, new: list) -> list[str]:
    """Lines naming each field of ``new``'s rows that differs from ``ref``'s (none: equal)."""
    out = []
    if [r["claim"] for r in ref] != [r["claim"] for r in new]:
        return ["the claims differ"]

    def walk(x, y, where, width):
        if isinstance(x, dict) and isinstance(y, dict) and list(x) == list(y):
            for k in x:
                walk(x[k], y[k], f"{where}.{k}", width)
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                walk(u, v, f"{where}[{i}]", width)
        elif x != y:
            note = ""
            if isinstance(x, int | float) and isinstance(y, int | float):
                if where.endswith("][0]") and ".local_slopes[" in where:  # a horizon T
                    note = f" (relative change {(y - x) / x:+.3g})" if x else ""
                else:  # a value in the claim's units
                    note = f" (change {y - x:+.3g}, {abs(y - x) / width:.2%} of the interval)"
            out.append(f"{where}: {x!r} -> {y!r}{note}")

    for r, n in zip(ref, new, strict=True):
        walk(r, n, r["claim"], _interval(r))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", nargs="+", default=["3,3.5", "1.2,4"])
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bench_default")
    p.add_argument("--reference", type=Path, default=None)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for point in args.points:
        a, b = point.split(",")
        r = run(a, b, args.out)
        m, s = divmod(r["wall"], 60)
        pred = max(r["main"], r["worker"]) + r["start"]
        print(f"## ({a}, {b}): exit {r['rc']}, wall {int(m)}:{s:04.1f}, CPU {r['total']:.1f} s: "
              f"this process {r['main']:.1f}, worker {r['worker']:.1f}; predicted idle wall "
              f"{pred:.0f} s (longer side + start-up {r['start']:.1f}); the worker's share of "
              f"the re-solves {r['worker_shared']:.1f}")  # fmt: skip
        for side in ("main_claims", "here_taken", "worker_claims"):
            items = ", ".join(f"{k} {v:.1f}" for k, v in r[side].items() if v >= 1.0)
            print(f"  {side}: {items or '-'}")
        if args.reference is not None:
            ref = json.loads((args.reference / f"{a}_{b}.json").read_text())
            diff = compare(ref, json.loads((args.out / f"{a}_{b}.json").read_text()))
            print(f"  against {args.reference}: " + ("identical" if not diff else ""))
            for line in diff:
                print(f"    {line}")


if __name__ == "__main__":
    main()
