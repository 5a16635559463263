"""Per-step momentum control (issue 13): how the KKT residual falls, in chunks of iterations.

    python -m benchmarks.momentum_per_step_kkt --form nesterov --T 10000 --chunks 5 --chunk 200

Starts from the long-horizon family optimum at ``T`` (``--start``: a JSON of
``benchmarks.momentum_longrun``), expands it per step, and runs
:func:`solvers.control.momentum_per_step.solve_per_step` (exact moment recursion, compiled adjoint,
bounded L-BFGS-B) in chunks, restarting each from the last controls; prints the loss, the KKT
residual (relative: the projected gradient of ``log L(T)`` scaled by the box widths), the
iterations and CPU seconds per chunk. Modes: ``ModeGrid`` with ``--exact`` modes and bins of
``--ratio`` (the long-run quadrature differs: the start is a schedule, not a claim).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks.momentum_longrun_table import _options
from solvers.control.momentum_per_step import solve_per_step
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel


def _start(path: str, form: str, T: int):
    """Per-step ``(alpha, gamma, beta, q)`` of the stored family optimum of ``form`` at ``T``."""
    with open(path) as fh:
        d = json.load(fh)
    m = d["model"]
    model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                      n_modes=int(m["n_modes"]))  # fmt: skip
    s = next(s for s in d["solves"] if s["form"] == form and s["T"] == T)
    opt = _options(d["options"])
    grid = opt.grid(model, T)
    x = np.array(list(s["params"].values()))
    return model, grid.expand(opt.controls(form, x, grid))


def _as_start(form: str, controls: np.ndarray, T: int):
    """Coefficients ``(alpha, gamma, beta, q)`` of the per-step controls of ``form``."""
    one, zero = np.ones(T), np.zeros(T)
    if form == "sgd":
        return controls[0], zero, zero, one
    if form in ("heavy-ball", "ema"):  # eta, beta
        return zero, controls[0], controls[1], one if form == "heavy-ball" else 1.0 - controls[1]
    return controls[0], controls[1], controls[2], one  # nesterov: eta, zeta, beta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--form", default="nesterov", choices=("sgd", "nesterov"))
    ap.add_argument("--T", type=int, default=10000)
    ap.add_argument("--start", required=True)
    ap.add_argument("--exact", type=int, default=32)
    ap.add_argument("--ratio", type=float, default=1.3)
    ap.add_argument("--chunks", type=int, default=5)
    ap.add_argument("--chunk", type=int, default=200)
    args = ap.parse_args(argv)
    model, start = _start(args.start, args.form, args.T)
    grid = ModeGrid.from_model(model, exact=args.exact, ratio=args.ratio)
    print(f"{args.form} T={args.T} states={grid.lam.size}", flush=True)
    total = 0
    for i in range(args.chunks):
        c0 = time.process_time()
        r = solve_per_step(grid, args.form, args.T, start, maxiter=args.chunk)
        total += r.iterations
        print(f"chunk {i}: L {r.start_loss:.8e} -> {r.loss:.8e} kkt {r.kkt_residual:.2e} "
              f"status {r.status} it {total} cpu {time.process_time() - c0:.0f}s", flush=True)  # fmt: skip
        if r.kkt_residual <= 1e-4:
            break
        start = _as_start(args.form, r.controls, args.T)


if __name__ == "__main__":
    main()
