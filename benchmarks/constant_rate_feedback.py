"""The constant-rate claims' slow correction, checked horizon by horizon: the noise feedback.

With the SGD noise feedback the constant rate's loss is, in the balance of docs/theory.md §5,
``L = (B (eta T)^-alpha + sigma^2 S(eta)) / (1 - S(eta))`` (``alpha = (a-1)/b``, ``S`` the
noise sum). At the tuned rate the local exponents of the rate and of the loss are exact
functions of ``alpha`` and of ``S, S_u, S_uu`` there (``theory.derive_feedback_slopes``); they
tend to ``-zeta = -alpha/(1 + alpha)`` only as ``S ~ eta* ~ T^-zeta`` vanishes. The table sets
the measured local slopes (tuned on the exact recursion, log-binned modes, half-decades) beside
them, and the slopes with the derived correction subtracted (what the claims extrapolate)::

    python -m benchmarks.constant_rate_feedback [--points 1.5,3 2,3 1.2,1.7 1.2,4] [--T-max 1e12]

The mode count is ``theory.modes_for_horizon(a, b, T_max, eta_max, 1e-3)`` (at least 1e12), as
``optlr validate`` takes it; ``--modes`` overrides it.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from solvers import tune_constant
from solvers.claims import ExperimentContext
from solvers.claims.validate import horizons
from solvers.dynamics import noise_sum_derivatives, stationary_loss
from theory import PLRFModel, derive_feedback_slopes, modes_for_horizon


def table(a: float, b: float, T_max: float, modes: int | None = None) -> list[str]:
    """Markdown rows for one point (every other half-decade from 1e3)."""
    N = modes or max(10**12, modes_for_horizon(a, b, T_max, 2.0, 1e-3))
    model = PLRFModel(a, b, sigma=0.5, batch=1, n_modes=N, eta_max=2.0)
    n = round(2 * math.log10(T_max / 100)) + 1
    grid = ExperimentContext().grid(model)
    res = [r for r in tune_constant(model, horizons(100, T_max, n), grid=grid, xatol=1e-4)
           if not r.at_bound]  # fmt: skip
    T = np.array([r.T for r in res], float)
    eta = np.array([r.params["eta0"] for r in res])
    L = np.array([r.final_loss for r in res])
    share = np.array([stationary_loss(model, e) for e in eta]) / L
    f, alpha = derive_feedback_slopes(), (a - 1) / b
    d = [noise_sum_derivatives(model, e) for e in eta]
    rate = np.array([f.rate_slope(alpha, 0.25, *x) for x in d])
    loss = np.array([f.loss_slope(alpha, 0.25, *x) for x in d])
    zeta, rows = alpha / (1 + alpha), []
    for i in range(2, len(T), 2):
        dl = math.log(T[i] / T[i - 1])
        r, ell = math.log(eta[i] / eta[i - 1]) / dl, math.log(L[i] / L[i - 1]) / dl
        pr, pl = (rate[i] + rate[i - 1]) / 2, (loss[i] + loss[i - 1]) / 2
        phi = d[i][1] / (1 - d[i][0])
        rows.append(
            f"| ({a:g}, {b:g}) | {T[i]:.0e} | {eta[i]:.3e} | {phi:.4f} | {share[i]:.4f} | "
            f"{r:+.4f} | {pr:+.4f} | {r - pr - zeta:+.4f} | {ell:+.4f} | {pl:+.4f} | "
            f"{ell - pl - zeta:+.4f} |"
        )
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", nargs="+", default=["1.5,3", "2,3", "1.2,1.7", "1.2,4"])
    p.add_argument("--T-max", type=float, default=1e12)
    p.add_argument("--modes", type=float, help="mode count (default: derived, see above)")
    args = p.parse_args(argv)
    print("| (a, b) | T | tuned rate | feedback phi | label share | rate slope | derived | "
          "subtracted | loss slope | derived | subtracted |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for point in args.points:
        c0 = time.process_time()
        a, b = map(float, point.split(","))
        modes = None if args.modes is None else int(args.modes)
        print("\n".join(table(a, b, args.T_max, modes)))
        print(f"<!-- ({a:g}, {b:g}): {time.process_time() - c0:.1f} s CPU -->", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
