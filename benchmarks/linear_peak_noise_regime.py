"""The hard phase's tuned linear-decay peak where 2a > b + 2 (issue 12): it leaves the stability
limit and falls like the derived ``T^e`` of :func:`theory.linear_peak_noise_regime`.

Brent in ``log eta0`` (to 1e-6) on the continuum dynamics (``N = 1e18`` modes) at decades of
``T``; prints the tuned peak, its local exponent per decade and the derived one.

    python -m benchmarks.linear_peak_noise_regime --a 3 --b 3.5
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.optimize import minimize_scalar

from solvers.schedules.tuning import BASELINES
from solvers.schedules.tuning_continuum import _projection_points, continuum_problem
from theory import PLRFModel, linear_peak_noise_regime
from theory.symbols import a, b


def tuned_peak(model: PLRFModel, T: float) -> tuple[float, float]:
    """``(eta0, limit)``: the linear decay's tuned peak and the constant-rate stability limit."""
    prob = continuum_problem(model, T)
    x = _projection_points(prob.t)
    lim = prob.stability_limit

    def f(z):
        eta = BASELINES["linear"].rate(x, T, {"eta0": math.exp(z)}, {})
        Ln, ok = prob.loss_curve(np.ascontiguousarray(eta))
        return math.log(Ln[-1]) if ok and math.isfinite(Ln[-1]) else 1e3

    r = minimize_scalar(f, bounds=(math.log(1e-3), math.log(1.2 * lim)), method="bounded",
                        options={"xatol": 1e-6})  # fmt: skip
    return math.exp(r.x), lim


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--decades", default="8,15", help="first,last decade of T (default 8,15)")
    args = p.parse_args()
    lo, hi = (int(v) for v in args.decades.split(","))
    e, cond = linear_peak_noise_regime()
    pt = {a: args.a, b: args.b}
    print(f"(a, b) = ({args.a}, {args.b}): derived e = {float(e.subs(pt)):+.4f}, "
          f"regime (2a > b + 2) {bool(cond.subs(pt))}")  # fmt: skip
    model = PLRFModel(args.a, args.b, n_modes=10**18)
    t0, prev = time.process_time(), None
    for d in range(lo, hi + 1):
        eta0, lim = tuned_peak(model, 10.0**d)
        slope = "" if prev is None else f"  local exponent {math.log10(eta0 / prev):+.4f}"
        print(f"  T = 1e{d}: eta0 = {eta0:.5f} (limit {lim:.4f}){slope}")
        prev = eta0
    print(f"CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
