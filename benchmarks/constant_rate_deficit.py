"""The easy-phase constant-rate claims' slowest correction, divided out: the slow modes' noise.

The tuned constant rate's local slopes approach ``-zeta = -(a-1)/(a+b-1)`` like
``T^-omega_1``, ``omega_1 = (b-1)/(a+b-1)``: the modes with ``2 eta lambda_k T <~ 1`` have not
reached their stationary noise. ``theory.derive_deficit_slopes`` puts that deficit into the
tuned balance exactly, and ``solvers.claims.constant_rate.deficit_correction`` evaluates its part
of the slopes at each tuned rate (what the claims divide out). The table gives, per half-decade,
the two-point slopes plus ``zeta`` (the residual) raw, with the deficit divided out, and with
three wrong variants (sign flipped, doubled), and the residuals' decay rates per unit
``log T`` over two decades (the derived next correction is ``zeta``)::

    python -m benchmarks.constant_rate_deficit [--points 2,1.2 3,2 1.7,1.2 3.5,1.5]
        [--T-max 1e11] [--ratio 1.1]

Tuned as the claim's sweep tunes them (``constant_sweep``, ``n_modes = 1e12``); ``--ratio`` sets
the grid's bin ratio (the default grid's 1.1 leaves a ~1e-4 wobble at (3, 2) and (3.5, 1.5)).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from solvers.analysis.extrapolate import remove_slope_correction
from solvers.claims import ExperimentContext
from solvers.claims.constant_rate import constant_sweep, deficit_correction, sweep_grid
from solvers.claims.validate import horizons
from theory import PLRFModel

VARIANTS = {"raw": 0.0, "divided": 1.0, "flipped": -1.0, "doubled": 2.0}


def residuals(a: float, b: float, T_max: float, ratio: float) -> tuple[np.ndarray, dict, float]:
    """Midpoints, ``{kind: {variant: slope + zeta}}`` and the CPU seconds."""
    t0 = time.process_time()
    model = PLRFModel(a, b, n_modes=10**12)
    n = round(2 * math.log10(T_max / 100)) + 1
    Ts = horizons(100, T_max, n)
    ctx = ExperimentContext(grid_options={"ratio": ratio})
    res = [r for r in constant_sweep(model, Ts, ctx) if not r.at_bound]
    grid = sweep_grid(model, Ts, ctx)
    T = np.array([r.T for r in res], float)
    eta = np.array([r.params["eta0"] for r in res])
    zeta = (a - 1) / (a + b - 1)
    out = {}
    for kind, y in (("loss", np.array([r.final_loss for r in res])), ("rate", eta)):
        out[kind] = {}
        for name, scale in VARIANTS.items():
            c = deficit_correction(grid, eta, T, kind, scale=scale)
            ys = remove_slope_correction(T, y, c) if scale else y
            out[kind][name] = np.diff(np.log(ys)) / np.diff(np.log(T)) + zeta
    return np.sqrt(T[1:] * T[:-1]), out, time.process_time() - t0


def decay(x: np.ndarray, r: np.ndarray, i: int, j: int) -> float:
    """``-d log|r| / d log T`` between midpoints ``i`` and ``j`` (nan across a sign change)."""
    if r[i] * r[j] <= 0:
        return math.nan
    return math.log(abs(r[i] / r[j])) / math.log(x[j] / x[i])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", nargs="+", default=["2,1.2", "3,2", "1.7,1.2", "3.5,1.5"])
    p.add_argument("--T-max", type=float, default=1e11)
    p.add_argument("--ratio", type=float, default=1.1)
    args = p.parse_args()
    for point in args.points:
        a, b = (float(v) for v in point.split(","))
        x, out, cpu = residuals(a, b, args.T_max, args.ratio)
        print(f"\n## ({a:g}, {b:g}): zeta = {(a - 1) / (a + b - 1):.4f}, omega_1 = "
              f"{(b - 1) / (a + b - 1):.4f}, bin ratio {args.ratio:g}, {cpu:.1f} s CPU\n")  # fmt: skip
        print("| T | " + " | ".join(f"{k} {v}" for k in out for v in VARIANTS) + " |")
        print("|---" * (1 + 2 * len(VARIANTS)) + "|")
        for i in range(len(x) - 1, -1, -2):
            cells = " | ".join(f"{out[k][v][i]:+.2e}" for k in out for v in VARIANTS)
            print(f"| {x[i]:.3g} | {cells} |")
        n = len(x) - 1
        for lo, hi in ((n - 8, n - 4), (n - 4, n)):
            rates = " | ".join(f"{decay(x, out[k][v], lo, hi):.3f}" for k in out for v in VARIANTS)
            print(f"| decay {x[lo]:.2g}-{x[hi]:.2g} | {rates} |")


if __name__ == "__main__":
    main()
