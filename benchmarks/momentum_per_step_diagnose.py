"""Why the per-step SGD form stalled where ``solve_direct`` converges (issue 13): like with like.

    nice -n 10 python -m benchmarks.momentum_per_step_diagnose --T 10000 --modes 1000

One model, ``(1.3, 2.75)``, sigma 0.7, batch 4, with ``--modes`` exact modes (no binning, so
:func:`solvers.control.direct.solve_direct` and the per-step solver of
:mod:`solvers.control.momentum_per_step` see the same loss). Prints, per solve, the status,
iterations, ``L(T)``, both KKT measures recomputed from the per-step adjoint at the result (box:
``sum |clip(u - w g, 0, 1) - u|``; scaled: the direct solver's rate-relative one) and CPU
seconds: ``solve_direct`` under its two criteria, and the per-step SGD form from the annealed
start with ``--methods`` (``box``/``value``: the single-level L-BFGS-B runs; ``newton``; empty:
none).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from solvers.control.direct import DirectOptions, solve_direct
from solvers.control.momentum_per_step import form_loss_and_gradient, solve_per_step
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel


def _kkts(grid: ModeGrid, eta: np.ndarray) -> tuple[float, float, float]:
    """``L(T)`` and the box and scaled KKT sums of the SGD schedule ``eta``."""
    T, w = eta.size, grid.model.eta_max
    f, g = form_loss_and_gradient(grid, np.array([eta, 0 * eta, 0 * eta, np.ones(T)]))
    box = np.abs(np.clip(eta / w - g[0] * w, 0, 1) - eta / w).sum()
    s = np.clip(eta, 1e-3 * w, w)
    scaled = (np.abs(np.clip(eta - s * s * g[0], 0, w) - eta) / s).sum()
    return math.exp(f), float(box), float(scaled)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--modes", type=int, default=1000)
    ap.add_argument("--maxiter", type=int, default=5000)
    ap.add_argument("--methods", default="box,value,newton")
    args = ap.parse_args(argv)
    T = args.T
    model = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=args.modes)
    grid = ModeGrid.from_model(model, exact=args.modes)
    print("| solver | status | iterations | L(T) | KKT box | KKT scaled | CPU s |\n"
          "|---|---|---|---|---|---|---|")  # fmt: skip
    for crit in ("scaled", "box"):
        c0 = time.process_time()
        r = solve_direct(model, T, options=DirectOptions(criterion=crit, maxiter=args.maxiter))
        L, box, sc = _kkts(grid, np.asarray(r.eta))
        print(f"| solve_direct, criterion {crit} | {r.status} | {r.iterations} | {L:.7f} | "
              f"{box:.2e} | {sc:.2e} | {time.process_time() - c0:.1f} |", flush=True)  # fmt: skip
    s = (np.arange(T) + 0.5) / T  # the direct solver's annealed start: 0.9 x the stable plateau
    eta0 = 0.9 * 1.27 * np.clip((1 - s) / 0.1, 0, 1)
    one = np.ones(T)
    for method in filter(None, args.methods.split(",")):
        c0 = time.process_time()
        r = solve_per_step(grid, "sgd", T, (eta0, 0 * one, 0 * one, one), maxiter=args.maxiter,
                           scaling="value" if method == "value" else "box",
                           method="newton" if method == "newton" else "lbfgsb")  # fmt: skip
        L, box, sc = _kkts(grid, r.controls[0])
        print(f"| per step, {method} | {r.status} | {r.iterations} | {L:.7f} | {box:.2e} | "
              f"{sc:.2e} | {time.process_time() - c0:.1f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
