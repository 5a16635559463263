"""Start-up and end-to-end times of the command line (issue 15 item 7).

Runs each command as a fresh process ``--repeat`` times and reports the best wall time and the
CPU time of that run (user + system of the child, from ``resource.getrusage``): on a shared host
the CPU time is the figure to compare. The solve command is the original study's default
problem (``a = b = 2``, ``sigma = 0.5``, ``m = 5``, 500 modes, ``T = 1000``, ``eta_max = 2``,
100 blocks); its own ``seconds`` field (the solve alone) is reported too.

    python -m benchmarks.bench_cli [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

STUDY_SOLVE = (
    "solve --a 2 --b 2 --sigma 0.5 --batch 5 --modes 500 --T 1000 --eta-max 2 --blocks 100 "
    "--quiet --format json"
).split()
COMMANDS = {
    "optlr --version": ["--version"],
    "optlr --help": ["--help"],
    "optlr solve (study's default problem)": STUDY_SOLVE,
}


def run(args: list[str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "solvers.cli", *args], capture_output=True, text=True, check=True
    ).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, argv in COMMANDS.items():
        runs = [run(argv) for _ in range(args.repeat)]
        wall, cpu, out = min(runs, key=lambda r: r[0])
        extra = ""
        if argv is STUDY_SOLVE:
            res = json.loads(out)
            solve_s = min(json.loads(r[2])["seconds"] for r in runs)
            extra = f"; solve alone {solve_s:.3f} s (best), L(T) = {res['final_loss']:.10e}"
        cpu_best = min(r[1] for r in runs)
        print(f"{name}: best wall {wall:.3f} s (CPU {cpu:.3f} s; best CPU {cpu_best:.3f} s){extra}")


if __name__ == "__main__":
    main()
