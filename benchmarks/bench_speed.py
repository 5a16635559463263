"""Speed where users feel it (issue 15 item 7): the study's problem end to end, side by side.

Runs, on the original study's default problem (``optlr solve --a 2 --b 2 --sigma 0.5 --batch 5
--modes 500 --T 1000 --eta-max 2 --blocks 100``) and a few others (easy and hard phase, several
``T``):

* ``optlr solve`` as a fresh process, ``--repeat`` times: wall time, CPU time of the child
  (user + system, ``resource.getrusage``) and the result's own ``seconds`` (the solve alone);
* where a fresh process spends its time (a child timing each import, the first call of the
  compiled kernels, the solve, and its start and exit), and the floor of the stack piece by
  piece (numpy; numba's import and its first call of a trivial cached kernel, which imports
  scipy.linalg for numba's BLAS check), which any solve on it pays before its first pass, and
  what ``scipy.optimize`` would add (no longer on the study's path);
* the same solve warm in-process (kernels loaded), ``--repeat`` times;
* the study's method, CasADi + IPOPT single shooting with the exact Hessian
  (:func:`benchmarks.bench_casadi.casadi_single_shooting`, from a constant 0.2), if ``casadi``
  imports: its CPU and wall time, and both final losses re-evaluated by ``solvers.simulate``.

Medians (and minima) are reported with the load average; on the shared 2-core host CPU time is
the figure to compare. Children run with bytecode caching on (:data:`PYCACHE`) after one untimed
warm-up run each. Writes ``benchmarks/results/speed.md`` (``--out``), or appends to it as a
section (``--section TITLE``).

    python -m benchmarks.bench_speed [--repeat 5] [--casadi all|default|none] [--against DIR ...]
        [--section TITLE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

STUDY = {"a": 2.0, "b": 2.0, "sigma": 0.5, "batch": 5, "T": 1000}
#: Further problems of the side-by-side check: hard and easy phase, shorter and longer T.
OTHERS = [
    {"a": 2.0, "b": 2.0, "sigma": 0.5, "batch": 5, "T": 300},
    {"a": 2.0, "b": 2.0, "sigma": 0.5, "batch": 5, "T": 2000},
    {"a": 3.0, "b": 2.0, "sigma": 0.5, "batch": 1, "T": 1000},
    {"a": 1.5, "b": 2.5, "sigma": 0.5, "batch": 1, "T": 1000},
]
MODES, ETA_MAX, BLOCKS = 500, 2.0, 100

#: The child that times each stage of a fresh ``optlr solve`` in the order the program meets
#: them (one JSON line: the stages, and the module whose kernels ran); like the program, it
#: pauses the collector and starts one BLAS thread for its start-up (the imports), then
#: freezes and resumes collection (``solvers.cli._common.begin_start_up``, where it exists),
#: and freezes the garbage collector before it exits (``solvers.cli.main``).
STAGES = """
import gc, json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
try:
    from solvers.cli._common import begin_start_up, end_start_up
except ImportError:  # a tree from before the start-up hook
    begin_start_up = end_start_up = lambda **kwargs: None
begin_start_up(one_blas_thread=True)
out = []
def mark(name):
    out.append((name, time.perf_counter() - t0, time.process_time() - c0))
import numpy; mark("import numpy")
import solvers.cli; mark("import solvers.cli (the parser)")
from theory import PLRFModel
from solvers.control import direct
m = PLRFModel(a=2, b=2, sigma=0.5, batch=5, n_modes=500, eta_max=2)
ws = direct._Workspace.create(m, 1000)
end_start_up()
mark("import theory, solvers.control.direct" + (" (and numba)" if "numba" in sys.modules else ""))
e = numpy.full(1000, 0.2)
ws.forward(e, e); ws.backward(e, e); mark("first call of the compiled kernels")
direct.solve_direct(m, 1000, blocks=100); mark("solve_direct (kernels loaded)")
print(json.dumps([out, "solvers.control._adjoint"]))
gc.freeze()
"""

#: The stack's floor, one piece per line, each timed in the same fresh process after the ones
#: above it (one JSON line of ``(piece, cpu)``); ``argv[1]`` holds a trivial cached kernel.
FLOOR = """
import json, sys, time
out, c = [], time.process_time()
def mark(name):
    global c
    c2 = time.process_time(); out.append((name, c2 - c)); c = c2
import numpy; mark("import numpy")
import numba; mark("import numba")
sys.path.insert(0, sys.argv[1])
import trivial_kernel
trivial_kernel.total(numpy.ones(8))
mark("numba's first call of a cached kernel (registries, runtime; scipy.linalg for its BLAS check)")
import scipy.optimize; mark("import scipy.optimize (off the study's path since 2026-12-01 speed14)")
print(json.dumps(out))
"""
TRIVIAL = """
import numba

@numba.njit(cache=True)
def total(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s
"""


def cli_args(p: dict) -> list[str]:
    return (
        f"solve --a {p['a']} --b {p['b']} --sigma {p['sigma']} --batch {p['batch']} "
        f"--modes {MODES} --T {p['T']} --eta-max {ETA_MAX} --blocks {BLOCKS} --quiet --format json"
    ).split()


#: Children run as a user's Python does, with bytecode caching on: with
#: ``PYTHONDONTWRITEBYTECODE`` set (as in the shell this was measured from) every fresh process
#: compiles optlr's modules from source, ~45 ms CPU more. Their ``.pyc`` files go to this
#: separate tree (``PYTHONPYCACHEPREFIX``), so no checkout is written to; :func:`warm_up`
#: fills it before anything is timed.
PYCACHE = Path(tempfile.gettempdir(), "optlr-bench-pycache")


def spawn(argv: list[str], root: Path | None = None):
    """Run ``python argv`` as a fresh process (with ``root`` first on the path, if given):
    ``(wall, cpu, completed process)``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    if root is not None:
        env["PYTHONPATH"] = str(root)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, check=True, env=env, cwd=root
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p


def child(argv: list[str], root: Path | None = None) -> tuple[float, float, str]:
    """:func:`spawn`, keeping the process's stdout: ``(wall, cpu, stdout)``."""
    wall, cpu, p = spawn(argv, root)
    return wall, cpu, p.stdout


def warm_up(roots: list[Path]) -> None:
    """One untimed run of each timed program (the bytecode and numba caches filled)."""
    for argv in (["--version"], ["--help"]):
        child(["-m", "solvers.cli", *argv])
    for root in [None, *roots]:
        child(["-m", "solvers.cli", *cli_args(STUDY)], root)
    child(["-c", STAGES])


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def stats(xs) -> str:
    return f"{statistics.median(xs):.3f} (min {min(xs):.3f})"


def fresh_cli(repeat: int) -> tuple[list[str], dict]:
    lines = ["| command (fresh process) | wall s median (min) | CPU s median (min) | `seconds` |",
             "|---|---|---|---|"]  # fmt: skip
    solve = None
    for name, argv in (
        ("optlr --version", ["--version"]),
        ("optlr --help", ["--help"]),
        ("optlr solve (study's problem)", cli_args(STUDY)),
    ):
        runs = [child(["-m", "solvers.cli", *argv]) for _ in range(repeat)]
        secs = "-"
        if argv[0] == "solve":
            solve = [json.loads(r[2]) for r in runs]
            secs = stats([d["seconds"] for d in solve])
        lines.append(f"| `{name}` | {stats([r[0] for r in runs])} | "
                     f"{stats([r[1] for r in runs])} | {secs} |")  # fmt: skip
    return lines, {"runs": runs, "results": solve}


def against(roots: list[Path], repeat: int) -> list[str]:
    """The study's solve from this tree and from the checkouts ``roots``, interleaved."""
    here = Path(__file__).resolve().parents[1]
    runs: dict[Path, list] = {here: [], **{root: [] for root in roots}}
    for _ in range(repeat):
        for r in runs:
            wall, cpu, out = child(["-m", "solvers.cli", *cli_args(STUDY)], r)
            runs[r].append((wall, cpu, json.loads(out)))
    lines = ["| tree | wall s median (min) | CPU s median (min) | `seconds` | L(T) | passes | kernels |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r, v in runs.items():
        d = v[0][2]
        lines.append(f"| `{r}` | {stats([x[0] for x in v])} | {stats([x[1] for x in v])} | "
                     f"{stats([x[2]['seconds'] for x in v])} | {d['final_loss']:.16e} | "
                     f"{d['n_evaluations']} | {d['diagnostics'].get('kernels', '-')} |")  # fmt: skip
    return lines


def stage_profile(repeat: int) -> list[str]:
    """The stages of :data:`STAGES`, and what the process spends outside them (interpreter start
    and exit: the child's CPU from ``getrusage`` less its last stage)."""
    runs = [child(["-c", STAGES]) for _ in range(repeat)]
    inner = [json.loads(r[2]) for r in runs]
    marks, kernels = [x[0] for x in inner], inner[0][1]
    lines = [f"Kernels: `{kernels}`.", "",
             "| stage of a fresh process | wall s (median) | CPU s (median) |", "|---|---|---|"]  # fmt: skip
    for i, (name, *_rest) in enumerate(marks[0]):
        dw = [r[i][1] - (r[i - 1][1] if i else 0.0) for r in marks]
        dc = [r[i][2] - (r[i - 1][2] if i else 0.0) for r in marks]
        lines.append(f"| {name} | {statistics.median(dw):.3f} | {statistics.median(dc):.3f} |")
    outside = [r[1] - m[-1][2] for r, m in zip(runs, marks, strict=True)]
    total = [r[1] for r in runs]
    lines += [f"| interpreter start and exit (gc frozen at exit) | - | {statistics.median(outside):.3f} |",
              f"| the whole process | {stats([r[0] for r in runs])} | {stats(total)} |"]  # fmt: skip
    return lines


def floor(repeat: int) -> list[str]:
    """What any solve on this stack pays before its own first pass, piece by piece in one fresh
    process: numpy, numba and numba's first call of a trivial cached kernel (compiled once
    first), then what scipy.optimize adds; and a bare interpreter's start and exit."""
    import tempfile

    bare = [child(["-c", "pass"])[1] for _ in range(repeat)]
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "trivial_kernel.py").write_text(TRIVIAL)
        child(["-c", FLOOR, tmp])  # compiles and caches the kernel
        runs = [json.loads(child(["-c", FLOOR, tmp])[2]) for _ in range(repeat)]
    lines = ["| piece of the floor (fresh process, after the rows above it) | CPU s median (min) |",
             "|---|---|", f"| interpreter start and exit (`python -c pass`) | {stats(bare)} |"]  # fmt: skip
    for i, (name, _cpu) in enumerate(runs[0]):
        lines.append(f"| {name} | {stats([r[i][1] for r in runs])} |")
    return lines


def warm(repeat: int) -> list[str]:
    from solvers.control import solve_direct
    from theory import PLRFModel

    m = PLRFModel(a=2, b=2, sigma=0.5, batch=5, n_modes=MODES, eta_max=ETA_MAX)
    solve_direct(m, 100, blocks=10)
    cpu, secs = [], []
    for _ in range(repeat):
        c0 = time.process_time()
        r = solve_direct(m, STUDY["T"], blocks=BLOCKS)
        cpu.append(time.process_time() - c0)
        secs.append(r.seconds)
    return [f"Warm in-process `solve_direct` (kernels loaded), {repeat} runs: `seconds` "
            f"{stats(secs)} s, CPU {stats(cpu)} s; {r.n_evaluations} objective + gradient "
            f"passes, {r.iterations} iterations."]  # fmt: skip


def side_by_side(problems: list[dict]) -> list[str]:
    import casadi  # noqa: F401  (loaded before the thread limit so that it applies to it)

    from benchmarks.bench_casadi import _one_blas_thread, casadi_single_shooting
    from solvers import simulate
    from theory import PLRFModel

    lines = [
        "| a | b | m | T | CasADi+IPOPT CPU s (wall) | optlr end to end CPU s (wall) | "
        "CPU ratio | L(T) CasADi | L(T) optlr | optlr/CasADi - 1 | optlr status, KKT |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in problems:
        model = PLRFModel(a=p["a"], b=p["b"], sigma=p["sigma"], batch=p["batch"],
                          n_modes=MODES, eta_max=ETA_MAX)  # fmt: skip
        with _one_blas_thread():
            eta_c, build, solve, status, _it = casadi_single_shooting(
                model, p["T"], BLOCKS, "exact"
            )
        wall, cpu, out = child(["-m", "solvers.cli", *cli_args(p)])
        d = json.loads(out)
        lc = simulate(model, eta_c).final_loss
        lo = simulate(model, np.asarray(d["eta"], dtype=float)).final_loss
        lines.append(
            f"| {p['a']:g} | {p['b']:g} | {p['batch']} | {p['T']} | {build[0] + solve[0]:.2f} "
            f"({build[1] + solve[1]:.2f}) {status} | {cpu:.2f} ({wall:.2f}) | "
            f"{(build[0] + solve[0]) / cpu:.1f}x | {lc:.10e} | {lo:.10e} | {lo / lc - 1:+.1e} | "
            f"{d['status']}, {d['kkt_residual']:.1e} |"
        )
        print(lines[-1], flush=True)
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--casadi", choices=("all", "default", "none"), default="all")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/speed.md"))
    p.add_argument(
        "--against",
        type=Path,
        action="append",
        default=[],
        help="another checkout (e.g. main) to time beside (repeatable)",
    )
    p.add_argument("--section", help="append the figures to --out as a section of this title "
                   "(default: --out holds only them)")  # fmt: skip
    args = p.parse_args(argv)
    load = [os.getloadavg()[0]]
    c0, w0 = time.process_time(), time.perf_counter()
    warm_up(args.against)
    parts = ["## Fresh processes", ""]
    table, _ = fresh_cli(args.repeat)
    parts += table
    if args.against:
        parts += [
            "",
            f"Interleaved with {', '.join(f'`{a}`' for a in args.against)}:",
            "",
            *against(args.against, args.repeat),
        ]
    parts += ["", "## Where a fresh process spends its time", ""]
    parts += [*stage_profile(max(3, args.repeat // 2)), "", *floor(args.repeat)]
    parts += ["", "## Warm", "", *warm(args.repeat)]
    load.append(os.getloadavg()[0])
    if args.casadi != "none":
        try:
            probs = [STUDY] + (OTHERS if args.casadi == "all" else [])
            parts += ["", "## Side by side with CasADi + IPOPT (K = 100 blocks)", ""]
            parts += side_by_side(probs)
        except ImportError as exc:
            parts += ["", f"CasADi not importable ({exc}): side-by-side skipped."]
    load.append(os.getloadavg()[0])
    title = "Speed of the study's problem (issue 15 item 7)"
    level = "#" if args.section is None else "##"
    head = [
        f"{level} {title if args.section is None else args.section}", "",
        f"`python -m benchmarks.bench_speed {' '.join(argv or sys.argv[1:])}`, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average (1 min) {' / '.join(f'{x:.1f}' for x in load)} (start / mid / end); "
        f"this script: {time.process_time() - c0:.0f} s CPU ({children_cpu():.0f} s more in its "
        f"children), {time.perf_counter() - w0:.0f} s wall.",
        "",
    ]  # fmt: skip
    if args.section is not None:  # one level down: the section's parts are its subsections
        parts = [f"#{x}" if x.startswith("## ") else x for x in parts]
    text = "\n".join(head + parts) + "\n"
    print(text)
    if args.section is None:
        args.out.write_text(text)
    else:
        with args.out.open("a") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
