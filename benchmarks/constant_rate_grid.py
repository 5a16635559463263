"""The constant-rate closed form against the recursion, and the tuned rate's slopes per mode grid.

Two tables at one ``(a, b)`` (default the hard corner (1.2, 4), with the mode count the default
``optlr validate`` run takes for T up to 1e11):

1. ``constant_rate_loss`` (the secular-equation form) and, for reference, the dense-eigensolver
   form it replaced, against the exact forward recursion ``grid_final_loss`` at a fixed rate, per
   grid (exact modes, bin ratio);
2. the local slopes of the tuned constant rate ``eta*(T)`` (``tune_constant``) per grid, over
   half-decades — the front of the tuned rate crosses into the binned tail where the default
   grid's slopes wander::

    python -m benchmarks.constant_rate_grid [--a 1.2 --b 4] [--eta 0.0679] [--T-max 1e11]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvers import tune_constant
from solvers.dynamics import ModeGrid, constant_rate_loss, grid_final_loss
from theory import PLRFModel, modes_for_horizon

GRIDS = [(256, 1.1), (256, 1.1 ** (1.5 / 4)), (1024, 1.1), (2048, 1.1)]


def eigh_loss(grid: ModeGrid, eta: float, T: int) -> float:
    """The replaced form: one dense symmetric eigendecomposition (for the comparison only)."""
    im = grid.model.inv_batch
    lam, w = grid.lam, grid.weight
    v = np.sqrt(w) * lam
    g = im * eta * eta
    beta, Q = np.linalg.eigh(
        np.diag(lam * (2 * eta - (1 + im) * eta * eta * lam)) - g * np.outer(v, v)
    )
    p, y0, yf = Q.T @ v, Q.T @ (np.sqrt(w) * grid.c0), Q.T @ (g * grid.model.sigma**2 * v)
    x = T * np.log1p(-beta)
    return float((np.exp(x) * p * y0).sum() + (-np.expm1(x) / beta * p * yf).sum())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=float, default=1.2)
    ap.add_argument("--b", type=float, default=4.0)
    ap.add_argument("--eta", type=float, default=0.0679)
    ap.add_argument("--T-max", type=float, default=1e11)
    args = ap.parse_args(argv)
    probe = PLRFModel(args.a, args.b, n_modes=10**12)
    N = max(10**12, modes_for_horizon(args.a, args.b, args.T_max, probe.eta_max, 1e-3))
    model = PLRFModel(args.a, args.b, sigma=0.5, batch=1, n_modes=N)
    print(f"(a, b) = ({args.a:g}, {args.b:g}), {N:.3g} modes, eta = {args.eta:g}\n")
    print("| grid (exact, ratio) | states | T | secular / recursion - 1 | eigh / recursion - 1 |")
    print("|---|---|---|---|---|")
    for ex, r in GRIDS:
        grid = ModeGrid.from_model(model, exact=ex, ratio=r)
        for T in (10**5, 10**6):
            ref, _ = grid_final_loss(grid, np.full(T, args.eta))
            sec = constant_rate_loss(grid, args.eta, [T])[0]
            print(f"| {ex}, {r:.4g} | {grid.lam.size} | {T:.0e} | {sec / ref - 1:.2e} | "
                  f"{eigh_loss(grid, args.eta, T) / ref - 1:.2e} |")  # fmt: skip
    Ts = [round(float(x)) for x in np.geomspace(args.T_max / 1e4, args.T_max, 9)]
    mids = np.sqrt(np.array(Ts[1:], float) * Ts[:-1])
    print("\nLocal slopes of the tuned rate (raw log eta*), at the midpoints:\n")
    print("| grid | states | CPU s | " + " | ".join(f"{x:.2g}" for x in mids) + " |")
    print("|---|---|---|" + "---|" * len(mids))
    for ex, r in GRIDS:
        grid = ModeGrid.from_model(model, exact=ex, ratio=r)
        t0 = time.process_time()
        res = tune_constant(model, Ts, grid=grid, xatol=1e-3)
        cpu = time.process_time() - t0
        eta = np.array([x.params["eta0"] for x in res])
        s = np.diff(np.log(eta)) / np.diff(np.log(Ts))
        print(f"| {ex}, {r:.4g} | {grid.lam.size} | {cpu:.1f} | "
              + " | ".join(f"{v:.5f}" for v in s) + " |")  # fmt: skip


if __name__ == "__main__":
    main()
