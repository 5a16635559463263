"""The start-up hook on the numeric commands other than ``solve`` (issue 15 item 7), before/after.

``optlr solve`` pauses the garbage collector while a fresh process imports its numerics and
freezes what the imports made (``solvers.cli._common.begin_start_up``; speed.md 2026-12-01s).
This times ``optlr simulate``, ``optlr mc`` (its defaults, and a small run whose time is its
start-up) and a ``validate --quick``-size run as fresh
processes from this tree and from each ``--against`` checkout, **interleaved** (one run of each in
turn, ``--repeat`` rounds, so that a shared host's load falls on all alike), with the child's CPU
time (user + system, ``resource.getrusage``) beside the wall time, and checks that every tree
prints the same answer (standard output, byte for byte). Children run with bytecode caching on
(:data:`benchmarks.bench_speed.PYCACHE`) after one untimed warm-up run each.

    python -m benchmarks.bench_start_up [--repeat 7] [--only LABEL] --against DIR [--against DIR ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from benchmarks.bench_speed import spawn

#: The commands timed: a label and ``optlr``'s arguments (JSON, deterministic: seeds fixed).
COMMANDS = {
    "simulate (defaults: T 1000, 1000 modes)": ["simulate", "--format", "json"],
    "mc (defaults: T 200, 1000 seeds, 1000 modes)": ["mc", "--format", "json"],
    "mc (small: T 20, 10 seeds, 20 modes)": [
        "mc",
        "--T",
        "20",
        "--seeds",
        "10",
        "--modes",
        "20",
        "--format",
        "json",
    ],
    "validate --quick --claim xi": ["validate", "--quick", "--claim", "xi", "--format", "json"],
}


def run(roots: list[Path | None], repeat: int, only: str = "") -> list[str]:
    """Markdown rows: per command and tree, wall and CPU medians (minima), answers identical
    (the commands whose label contains ``only``)."""
    commands = {k: v for k, v in COMMANDS.items() if only in k}
    for argv in commands.values():  # warm-up: bytecode and numba caches filled
        for root in roots:
            spawn(["-m", "solvers.cli", *argv], root)
    rows = ["| command | tree | wall s median (min) | CPU s median (min) | same answer |",
            "|---|---|---|---|---|"]  # fmt: skip
    for label, argv in commands.items():
        walls = {r: [] for r in roots}
        cpus = {r: [] for r in roots}
        outs = {r: set() for r in roots}
        for _ in range(repeat):
            for root in roots:
                wall, cpu, p = spawn(["-m", "solvers.cli", *argv], root)
                walls[root].append(wall)
                cpus[root].append(cpu)
                outs[root].add(p.stdout)
        first = outs[roots[0]]
        for root in roots:
            same = "yes" if outs[root] == first and len(first) == 1 else "NO"
            rows.append(
                f"| {label} | {root or 'this tree'} | {_stats(walls[root])} | "
                f"{_stats(cpus[root])} | {same} |"
            )
    return rows


def _stats(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} (min {min(xs):.3f})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--against", type=Path, action="append", default=[])
    ap.add_argument("--only", default="", help="the commands whose label contains this")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    rows = run([None, *args.against], args.repeat, args.only)
    print(f"load average (1 min) {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
