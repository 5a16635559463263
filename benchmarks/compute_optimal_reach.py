"""Local exponents of the compute-optimal loss and model size far past the claims' levels.

The compute-optimal claims sweep C = 1e3 .. 1e5; this runs the same optimisation
(:func:`solvers.control.compute_optimal.compute_optimal_scaling`, schedule optimal, model sizes
spaced by the claims' factor) to a larger C and prints the local slopes of L*(C) and N*(C), to
check whether a verdict survives a 100x longer sweep (benchmarks/results/claims.md, 2026-11-30k),
beside the same slopes of the noiseless plateau's compute optimum (``plateau_compute_optimum``,
the claim's same-limit reference in the hard phase) and the excess share ``f = 1 - B/L_dyn`` of
the dynamic loss at the best model size (2026-11-30l). ``--sigma`` varies the label noise.

Usage::

    python -m benchmarks.compute_optimal_reach --a 1.2 --b 1.7 --C-max 1e7 [--points 17]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvers.claims.beyond import COMPUTE_CLAIM_FACTOR
from solvers.control import compute_optimal as co
from theory import PLRFModel


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--sigma", type=float, default=0.5)
    p.add_argument("--C-min", type=float, default=1e3)
    p.add_argument("--C-max", type=float, default=1e7)
    p.add_argument("--points", type=int, default=17)
    args = p.parse_args()
    model = PLRFModel(args.a, args.b, sigma=args.sigma, batch=1.0)
    Cs = np.logspace(np.log10(args.C_min), np.log10(args.C_max), args.points).tolist()
    c0 = time.process_time()
    pts = co.compute_optimal_scaling(model, Cs, constant=False, factor=COMPUTE_CLAIM_FACTOR).points
    C = np.array([q.C for q in pts])
    L = np.array([q.L_star for q in pts])
    N = np.array([q.N_star for q in pts])
    LB = np.array([co.plateau_compute_optimum(model, q.C, N_guess=q.N_star)[1] for q in pts])
    f = [_excess_share(model, q) for q in pts]
    dlc = np.diff(np.log(C))
    print("| C (midpoint) | d log L*/d log C | plateau's | gap | d log N*/d log C | N* | L* | "
          "f at N* | converged |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for i in range(len(pts) - 1):
        s, sb = np.log(L[i + 1] / L[i]) / dlc[i], np.log(LB[i + 1] / LB[i]) / dlc[i]
        print(f"| {np.sqrt(C[i] * C[i + 1]):.3g} | {s:.5f} | {sb:.5f} | {s - sb:+.5f} | "
              f"{np.log(N[i + 1] / N[i]) / dlc[i]:.4f} | {N[i + 1]:.4g} | {L[i + 1]:.5g} | "
              f"{f[i + 1]:.3f} | {bool(pts[i + 1].converged.all())} |")  # fmt: skip
    print(f"CPU {time.process_time() - c0:.1f} s")


def _excess_share(model: PLRFModel, point) -> float:
    """``1 - B/L_dyn`` at the grid size nearest ``N*``: the share of the dynamic loss that is
    the annealing window's excess over the plateau's bias."""
    j = int(np.argmin(np.abs(np.log(point.N / point.N_star))))
    N = int(point.N[j])
    T = round(point.C / N)
    tail = model.replace(n_modes=N).tail_loss
    return 1.0 - (co.plateau_loss(model, N, T) - tail) / (point.loss[j] - tail)


if __name__ == "__main__":
    main()
