"""The default ``optlr validate --a A --b B`` with ``--jobs 1`` and ``--jobs 2``: wall and CPU.

Each run is a fresh process under ``/usr/bin/time -v`` (CPU = user + sys, the worker process
included: it is the run's waited-for child), with a fresh, empty ``--cache-dir`` and
``--format json``, ``nice -n 10``, one run at a time; the host's load average (``uptime``)
is recorded before and after each run. The two JSON documents of a point are compared as
strings (every claim, every number).

    python benchmarks/bench_validate_jobs.py [--points 3,3.5 1.2,4 1.5,3] [--jobs 1 2] [--out DIR]

Writes ``DIR/<a>_<b>_jobs<N>.json`` (the table), ``.err`` (time -v's report) and prints one
markdown row per run. Results: benchmarks/results/claims.md, 2026-12-01s17 (par17).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load() -> str:
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"


def _time_v(text: str) -> dict:
    """User, system and wall seconds from ``/usr/bin/time -v``'s report."""

    def field(name):
        return re.search(rf"{re.escape(name)}: (.+)", text).group(1).strip()

    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = 60 * wall + float(part)
    return {"user": float(field("User time (seconds)")),
            "sys": float(field("System time (seconds)")), "wall": wall}  # fmt: skip


def run(a: str, b: str, jobs: int, out: Path) -> dict:
    """One default run; its times, the loads around it and its JSON's path."""
    tag = f"{a}_{b}_jobs{jobs}"
    with tempfile.TemporaryDirectory(prefix="optlr-bench-cache-") as cache:
        cmd = ["nice", "-n", "10", "/usr/bin/time", "-v", sys.executable, "-m", "solvers.cli",
               "validate", "--a", a, "--b", b, "--format", "json", "--cache-dir", cache,
               "--jobs", str(jobs)]  # fmt: skip
        before = _load()
        with open(out / f"{tag}.json", "w") as fo, open(out / f"{tag}.err", "w") as fe:
            rc = subprocess.run(cmd, stdout=fo, stderr=fe, cwd=ROOT, check=False).returncode
        after = _load()
    t = _time_v((out / f"{tag}.err").read_text())
    return {"a": a, "b": b, "jobs": jobs, "rc": rc, "load": f"{before} -> {after}", **t,
            "json": out / f"{tag}.json"}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", nargs="+", default=["3,3.5", "1.2,4", "1.5,3"])
    p.add_argument("--jobs", nargs="+", type=int, default=[1, 2])
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bench_validate_jobs")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print("| (a, b) | jobs | wall | CPU s (user + sys) | load before -> after | rows identical |")
    print("|---|---|---|---|---|---|")
    for point in args.points:
        a, b = point.split(",")
        rs = [run(a, b, jobs, args.out) for jobs in args.jobs]
        same = len({r["json"].read_text() for r in rs}) == 1  # one run: trivially
        for r in rs:
            m, s = divmod(r["wall"], 60)
            status = ("yes" if same else "NO") + ("" if r["rc"] == 0 else f" (exit {r['rc']})")
            print(f"| ({a}, {b}) | {r['jobs']} | {int(m)}:{s:04.1f} | "
                  f"{r['user'] + r['sys']:.1f} ({r['user']:.1f} + {r['sys']:.1f}) | {r['load']} | "
                  f"{status} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
