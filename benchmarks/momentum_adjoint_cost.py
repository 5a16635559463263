"""CPU per evaluation of the per-step momentum objective (issue 13): ``log L(T)`` and its gradient.

    nice -n 10 python -m benchmarks.momentum_adjoint_cost --T 1000,10000,100000 --repeat 5

Times :func:`solvers.control.momentum_per_step.form_loss_and_gradient` (exact moment recursion,
exact adjoint) on the per-step solver's mode grid at (1.3, 2.75), sigma 0.7, batch 4 (151 states:
32 exact modes, bins of ratio 1.3), at a stable Nesterov family schedule, ``--repeat`` calls after
one warm-up call (compilation), on the solver's reused workspace (``--one-off``: the public
call that allocates its own, as every evaluation did before 2026-11-30k). Prints per ``T``: CPU seconds per evaluation (user + system),
its system part, wall seconds, and the value and a gradient checksum, so that two trees
(``PYTHONPATH=...``) can be compared for the same numbers to rounding. Only the public function
is called, so the script runs against an older tree unchanged.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from solvers.control.momentum_forms import form_schedule
from solvers.control.momentum_per_step import form_loss_and_gradient
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel

MODEL = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**15)
#: Parameters of a stable Nesterov family schedule (those of the adjoint's tests).
FAMILY = [-0.5, 0.0, 0.7, -1.0, 0.3]


def _objective(grid: ModeGrid, T: int):
    """The solver's evaluation: on one reused workspace where the tree has it (``--one-off``:
    the public one-off call, as every evaluation of the older tree)."""
    try:
        from solvers.control.momentum_per_step import _workspace
    except ImportError:  # the older tree: every call allocates
        return lambda coef: form_loss_and_gradient(grid, coef)
    return _workspace(grid, T)


def _measure(grid: ModeGrid, T: int, repeat: int, one_off: bool) -> str:
    coef = np.array(form_schedule("nesterov", FAMILY, T, MODEL.eta_max))
    fg = (lambda c: form_loss_and_gradient(grid, c)) if one_off else _objective(grid, T)
    fg(coef)  # compile / warm up
    t0, w0 = os.times(), time.perf_counter()
    for _ in range(repeat):
        f, g = fg(coef)
    t1, wall = os.times(), time.perf_counter() - w0
    user, system = (t1.user - t0.user) / repeat, (t1.system - t0.system) / repeat
    check = float(np.sum(g * np.arange(1, g.size + 1).reshape(g.shape)))
    return (f"| {T} | {user + system:.4f} | {system:.4f} | {wall / repeat:.4f} | {f:.15e} | "
            f"{check:.12e} |")  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--one-off", action="store_true", help="time the public one-off call")
    args = ap.parse_args(argv)
    grid = ModeGrid.from_model(MODEL, exact=32, ratio=1.3)
    print(f"states {grid.lam.size}; per evaluation:\n"
          "| T | CPU s | of which system | wall s | log L(T) | gradient checksum |\n"
          "|---|---|---|---|---|---|", flush=True)  # fmt: skip
    for T in (int(float(t)) for t in args.T.split(",")):
        print(_measure(grid, T, args.repeat, args.one_off), flush=True)


if __name__ == "__main__":
    main()
