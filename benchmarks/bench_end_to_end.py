"""The study's ``optlr solve`` end to end, before and after (issue 15 item 7: <= 0.7 s).

Times the original study's default problem (``optlr solve --a 2 --b 2 --sigma 0.5 --batch 5
--modes 500 --T 1000 --eta-max 2 --blocks 100 --quiet --format json``) as a fresh process from
this tree and from each ``--against`` checkout, and the floor under it as a program of its own
(the imports and numba's first dispatch, no optlr), **interleaved** (one run of each in turn,
``--repeat`` rounds), so that a shared host's load falls on all alike. Reports, per program,
the median and minimum of the wall time, of the child's CPU time (user + system,
``resource.getrusage``) and of its main thread's CPU time up to its exit handlers (what an idle
host's wall time would be: any helper thread runs on the other core), the solve's own
``seconds``, and whether its JSON answer (all of it but its timings) is identical to this
tree's. The solve runs as ``python -m solvers.cli`` does (``runpy``), behind an exit handler
that reports the main thread's CPU time.

Then the collector's work in the solve of each tree (collections per generation, the CPU time
inside them, the objects they freed: a ``gc.callbacks`` probe), and the floor piece by piece, each row a fresh process doing everything of the rows above it
(cumulative), run as ``optlr solve`` now runs (collection paused, one BLAS thread: "lean") and
as before (neither: "default"): the bare interpreter (``python -S -c pass``, ``python -c pass``), NumPy,
numba, and numba's first call of a trivial cached kernel (which imports ``scipy.linalg`` for
numba's BLAS check), and last what ``scipy.optimize`` adds to them: it was in the floor until the
direct method stopped importing it (2026-12-01 speed14); "floor until speed14" times that floor
as a program beside the others.

Children run with bytecode caching on (:data:`benchmarks.bench_speed.PYCACHE`) after one untimed
warm-up run each (numba's caches and the bytecode filled).

    python -m benchmarks.bench_end_to_end [--repeat 9] [--against DIR ...] [--section TITLE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_speed import (
    PYCACHE,
    STUDY,
    TRIVIAL,
    child,
    children_cpu,
    cli_args,
    spawn,
    stats,
)

#: The floor, cumulative: row ``i`` runs the statements of rows ``0..i``; ``{kernels}`` is the
#: folder holding :data:`~benchmarks.bench_speed.TRIVIAL`. The program's start-up settings are
#: put first when ``lean`` (see :func:`floor`).
FLOOR_ROWS = [
    ("import numpy", "import numpy"),
    ("import numba", "import numba"),
    (
        "numba's first call of a trivial cached kernel",
        "import sys; sys.path.insert(0, {kernels!r}); import trivial_kernel; "
        "trivial_kernel.total(numpy.ones(8))",
    ),
]
#: What the floor had until the direct method stopped importing ``scipy.optimize`` (2026-12-01
#: speed14): timed as a program of its own ("floor until speed14") and as a last cumulative
#: row. numba's first dispatch imports ``scipy`` and ``scipy.linalg`` (its BLAS check,
#: ``numba.np.linalg.ensure_blas``) in both.
SCIPY_OPTIMIZE_ROW = ("import scipy.optimize (in the floor until speed14)", "import scipy.optimize")
#: What ``optlr solve`` now sets before its imports (solvers.cli._common.begin_start_up).
LEAN = "import gc, os; gc.disable(); os.environ['OPENBLAS_NUM_THREADS'] = '1'"
#: What ``optlr`` does (before and after) as it exits: freeze, so that the interpreter's
#: exit-time collection, which runs even with the collector disabled, has nothing to walk
#: (without it the floor's exit takes ~0.2 s CPU more than its imports).
EXIT = "import gc; gc.freeze()"


#: Put first in every timed program: at exit (after ``main`` has returned, before the
#: interpreter's teardown) it writes the main thread's CPU time to stderr. On an idle host the
#: wall time is about this (the host's other core takes any helper thread's work); on a loaded
#: one it is the figure that says what an idle run would take.
THREAD_CPU = (
    "import atexit, sys, time; atexit.register(lambda: sys.stderr.write("
    "f'\\nmain-thread-cpu {time.thread_time()}\\n'))"
)
#: ``optlr`` as ``python -m solvers.cli`` does it, with :data:`THREAD_CPU` first.
OPTLR = (
    THREAD_CPU
    + "; import runpy; runpy.run_module('solvers.cli', run_name='__main__', alter_sys=True)"
)


#: Put first in a program: counts the collector's work (collections per generation, the CPU
#: time inside them, the objects they freed) and writes it to stderr at exit.
GC_PROBE = """
import atexit, gc, json, sys, time
_gc = {"collections": [0, 0, 0], "cpu": 0.0, "freed": 0, "start": 0.0}
def _probe(phase, info):
    if phase == "start":
        _gc["start"] = time.process_time()
    else:
        _gc["collections"][info["generation"]] += 1
        _gc["cpu"] += time.process_time() - _gc["start"]
        _gc["freed"] += info["collected"]
gc.callbacks.append(_probe)
atexit.register(lambda: sys.stderr.write("\\ngc-probe " + json.dumps(_gc) + "\\n"))
"""


def collector_work(roots: list[Path], repeat: int) -> list[str]:
    """The collector's work in the study's solve from each tree (median of ``repeat`` runs)."""
    lines = [
        "| tree | collections (young, middle, full) | CPU s in collections median (min) | "
        "objects freed |",
        "|---|---|---|---|",
    ]
    code = (
        GC_PROBE
        + "import runpy; runpy.run_module('solvers.cli', run_name='__main__', alter_sys=True)"
    )
    for r in roots:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(PYCACHE), PYTHONPATH=str(r))
        seen = []
        for _ in range(repeat):
            err = subprocess.run([sys.executable, "-c", code, *cli_args(STUDY)], cwd=r, env=env,
                                 capture_output=True, text=True, check=True).stderr  # fmt: skip
            seen.append(json.loads(err.split("gc-probe ")[-1]))
        lines.append(
            f"| `{r}` | {', '.join(map(str, seen[0]['collections']))} | "
            f"{stats([x['cpu'] for x in seen])} | {seen[0]['freed']} |"
        )
    return lines


def run(argv: list[str], root: Path | None = None) -> tuple[float, float, float, str]:
    """:func:`benchmarks.bench_speed.child`, also reading the main thread's CPU time that
    :data:`THREAD_CPU` writes: ``(wall, cpu, main-thread cpu, stdout)``."""
    wall, cpu, p = spawn(argv, root)
    marks = [x for x in p.stderr.splitlines() if x.startswith("main-thread-cpu ")]
    return wall, cpu, float(marks[-1].split()[1]), p.stdout


def answer(out: str) -> dict:
    """The JSON answer without its timings (``seconds``, and the direct method's
    ``diagnostics["kernel_load_seconds"]`` where present), for the identity check."""
    d = json.loads(out)
    d.pop("seconds")
    d.get("diagnostics", {}).pop("kernel_load_seconds", None)
    return d


def floor_program(kernels: str, lean: bool, rows=FLOOR_ROWS) -> list[str]:
    """The whole floor as one program (every row of ``rows``), lean or default."""
    body = [stmt.format(kernels=kernels) for _name, stmt in rows]
    return ["-c", "\n".join([THREAD_CPU, LEAN, *body, EXIT] if lean else [THREAD_CPU, *body, EXIT])]


def interleaved(roots: list[Path], repeat: int) -> list[str]:
    """The study's solve from each tree in ``roots`` (the first is this one), interleaved with
    the floor as a program (lean and default)."""
    argv = ["-c", OPTLR, *cli_args(STUDY)]
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "trivial_kernel.py").write_text(TRIVIAL)
        progs = {f"`{r}`": (argv, r) for r in roots}
        progs["floor, lean (no optlr)"] = (floor_program(tmp, True), None)
        progs["floor, default (no optlr)"] = (floor_program(tmp, False), None)
        progs["floor until speed14, lean (+ scipy.optimize)"] = (
            floor_program(tmp, True, [*FLOOR_ROWS, SCIPY_OPTIMIZE_ROW]),
            None,
        )
        for prog, root in progs.values():
            run(prog, root)  # warm-up: bytecode, numba's caches
        runs: dict[str, list] = {name: [] for name in progs}
        for _ in range(repeat):
            for name, (prog, root) in progs.items():
                runs[name].append(run(prog, root))
    ref = answer(runs[f"`{roots[0]}`"][0][3])
    lines = [
        "| program | wall s median (min) | CPU s median (min) | main thread's CPU s median (min) "
        "| `seconds` median (min) | iterations, evaluations | L(T) / first row's - 1 | "
        "answer identical to the first row's |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, v in runs.items():
        secs = same = work = rel = "-"
        if name.startswith("`"):
            d = json.loads(v[0][3])
            secs = stats([json.loads(x[3])["seconds"] for x in v])
            same = f"{'yes' if all(answer(x[3]) == ref for x in v) else 'NO'} ({len(v)} runs)"
            work = f"{d['iterations']}, {d['n_evaluations']}"
            rel = f"{d['final_loss'] / ref['final_loss'] - 1:+.1e}"
        lines.append(
            f"| {name} | {stats([x[0] for x in v])} | {stats([x[1] for x in v])} | "
            f"{stats([x[2] for x in v])} | {secs} | {work} | {rel} | {same} |"
        )
    return lines


def floor(repeat: int) -> list[str]:
    """The floor rows (cumulative fresh processes), lean and default settings interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "trivial_kernel.py").write_text(TRIVIAL)
        progs = {"python -S -c pass": (["-S", "-c", "pass"], ["-S", "-c", "pass"])}
        progs["python -c pass"] = (["-c", "pass"], ["-c", "pass"])
        body: list[str] = []
        for name, stmt in [*FLOOR_ROWS, SCIPY_OPTIMIZE_ROW]:
            body.append(stmt.format(kernels=tmp))
            progs[f"... + {name}"] = (
                ["-c", "\n".join([LEAN, *body, EXIT])],
                ["-c", "\n".join([*body, EXIT])],
            )
        child(progs[f"... + {FLOOR_ROWS[-1][0]}"][1])  # compiles and caches the kernel
        lines = [
            "| fresh process (cumulative) | lean: wall s median (min) | lean: CPU s median (min) "
            "| default: wall s median (min) | default: CPU s median (min) |",
            "|---|---|---|---|---|",
        ]
        for name, (lean, default) in progs.items():
            a, b = [], []
            for _ in range(repeat):
                a.append(child(lean))
                b.append(child(default))
            lines.append(
                f"| {name} | {stats([x[0] for x in a])} | {stats([x[1] for x in a])} | "
                f"{stats([x[0] for x in b])} | {stats([x[1] for x in b])} |"
            )
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--against", type=Path, action="append", default=[],
                   help="another checkout (e.g. main) to time beside (repeatable)")  # fmt: skip
    p.add_argument("--no-floor", action="store_true", help="skip the floor table")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/speed.md"))
    p.add_argument("--section", help="append the figures to --out under this title "
                   "(default: print them only)")  # fmt: skip
    args = p.parse_args(argv)
    load = [os.getloadavg()[0]]
    c0, w0 = time.process_time(), time.perf_counter()
    here = Path(__file__).resolve().parents[1]
    parts = ["### The study's `optlr solve` and the floor, interleaved", ""]
    parts += interleaved([here, *args.against], args.repeat)
    parts += ["", "### The collector's work in one solve", ""]
    parts += collector_work([here, *args.against], 3)
    load.append(os.getloadavg()[0])
    if not args.no_floor:
        parts += ["", "### The floor (fresh processes)", "", *floor(args.repeat)]
    load.append(os.getloadavg()[0])
    head = [
        f"`python -m benchmarks.bench_end_to_end {' '.join(argv or sys.argv[1:])}`, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average (1 min) {' / '.join(f'{x:.1f}' for x in load)} (start / mid / end); "
        f"this script: {time.process_time() - c0:.0f} s CPU ({children_cpu():.0f} s in its "
        f"children), {time.perf_counter() - w0:.0f} s wall.",
        "",
    ]
    text = "\n".join(head + parts) + "\n"
    print(text)
    if args.section is not None:
        with args.out.open("a") as fh:
            fh.write(f"\n## {args.section}\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
