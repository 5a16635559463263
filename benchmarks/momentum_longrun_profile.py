"""Profile one continuation step of the long-horizon Nesterov solver (issue 13, 2026-11-30h).

    nice -n 10 python -m benchmarks.momentum_longrun_profile --a 1.5 --b 3 --from 1e5 --to 1e6 \\
        benchmarks/results/momentum_longrun_nesterov6_1.5_3.json

Prints the grid's size (intervals, modes) and the CPU seconds of one loss evaluation at the
target horizon, the loss of every continuation start, then solves from them and prints the
iterations, evaluations, CPU and wall seconds and the KKT residual. Runs against whichever
``solvers`` is first on the path (``PYTHONPATH=../main``, a checkout of the code before a change, gives that code):
the derived-shift start is used where :func:`continuation_starts` accepts ``ratio``.
``--gradient`` picks the solver's gradient where the code has the option (2026-11-30i), and the
CPU of one adjoint value-and-gradient is printed beside that of one loss evaluation.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import time

import numpy as np

from solvers.control.momentum_longrun import LongrunOptions, continuation_starts, solve_longrun
from theory import PLRFModel


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--a", type=float, required=True)
    ap.add_argument("--b", type=float, required=True)
    ap.add_argument("--from", dest="T0", type=float, required=True)
    ap.add_argument("--to", dest="T1", type=float, required=True)
    ap.add_argument("--evals", type=int, default=5, help="loss evaluations timed")
    ap.add_argument("--gradient", default=None, help="adjoint or finite-difference")
    args = ap.parse_args(argv)
    T0, T1 = int(args.T0), int(args.T1)
    with open(args.file) as fh:
        solves = json.load(fh)["solves"]
    x = next(np.array(list(s["params"].values())) for s in solves
             if s["form"] == "nesterov" and s["T"] == T0)  # fmt: skip
    model = PLRFModel(a=args.a, b=args.b, sigma=0.7, batch=4, n_modes=10**15)
    opt = LongrunOptions() if args.gradient is None else LongrunOptions(gradient=args.gradient)
    grid = opt.grid(model, T1)
    kw = {"ratio": T1 / T0} if "ratio" in inspect.signature(continuation_starts).parameters else {}
    starts = continuation_starts(model, "nesterov", x, opt, **kw)
    losses = []
    for row in starts:
        L, fail = grid.loss(opt.controls("nesterov", row, grid))
        losses.append(L[-1] if fail < 0 else math.inf)
    c0 = time.process_time()
    for _ in range(args.evals):
        grid.loss(opt.controls("nesterov", starts[int(np.argmin(losses))], grid))
    per_eval = (time.process_time() - c0) / args.evals
    best = opt.controls("nesterov", starts[int(np.argmin(losses))], grid)
    if hasattr(grid, "loss_gradient"):
        c0 = time.process_time()
        for _ in range(args.evals):
            grid.loss_gradient(best)
        per_grad = (time.process_time() - c0) / args.evals
        print(f"adjoint value and gradient: {per_grad:.3f} s CPU ({per_grad / per_eval:.2f} "
              f"evaluations; differences: {len(starts[0]) + 1} forward, "
              f"{2 * len(starts[0]) + 1} central)")  # fmt: skip
    print(f"T={T1:.0e}: {grid.steps.size} intervals ({int((grid.steps == 1).sum())} unit), "
          f"{grid.quad.lam.size} modes, {per_eval:.3f} s CPU per evaluation; start losses "
          f"{', '.join(f'{v:.6g}' for v in losses)} ({'with' if kw else 'without'} the derived "
          f"shift)", flush=True)  # fmt: skip
    r = solve_longrun(model, "nesterov", T1, start=starts, options=opt)
    print(f"L={r.loss:.7g} kkt={r.kkt:.1e} iterations={r.iterations} evaluations="
          f"{r.evaluations} cpu={r.cpu_seconds:.1f}s wall={r.wall_seconds:.1f}s {r.message}")  # fmt: skip


if __name__ == "__main__":
    main()
