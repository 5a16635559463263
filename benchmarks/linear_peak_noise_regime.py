"""The hard phase's tuned linear-decay peak where 2a > b + 2 (issue 12): it leaves the stability
limit and falls like the derived ``T^e`` of :func:`theory.linear_peak_noise_regime`.

Brent in ``log eta0`` (to 1e-6) on the continuum dynamics (``N = 1e18`` modes) at decades of
``T``; prints the tuned peak, its local exponent per decade and the derived one, and the
crossover horizon ``T_c`` where the feedback-free reduced problem's peak meets the stability
limit (:func:`solvers.claims.baselines.crossover_horizon`). With ``--wsd`` also the WSD tuned
jointly in ``(log eta0, log frac)`` (Nelder-Mead to 1e-8, warm-started, restarted from the
linear peak at ``frac = 1``): its fraction reaches 1 (the linear decay) near ``T_c``.

    python -m benchmarks.linear_peak_noise_regime --a 3 --b 3.5
    python -m benchmarks.linear_peak_noise_regime --a 3.5 --b 4 --wsd
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from solvers.claims.baselines import crossover_horizon
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


def tuned_wsd(model: PLRFModel, T: float, start) -> np.ndarray:
    """``log (eta0, frac)`` of the tuned WSD: Nelder-Mead from ``start`` (and from it at
    ``frac = 1``), ``frac <= 1``."""
    prob = continuum_problem(model, T)
    x = _projection_points(prob.t)

    def f(z):
        if z[1] > 0:
            return 1e3
        p = {"eta0": math.exp(z[0]), "frac": math.exp(z[1])}
        Ln, ok = prob.loss_curve(np.ascontiguousarray(BASELINES["wsd"].rate(x, T, p, {})))
        return math.log(Ln[-1]) if ok and math.isfinite(Ln[-1]) else 1e3

    best = None
    for s0 in (np.asarray(start, float), np.array([start[0], 0.0])):
        simplex = [s0, s0 + np.array([0.1, 0.0]), s0 + np.array([0.0, -0.1])]
        r = minimize(f, s0, method="Nelder-Mead", options={
            "xatol": 1e-8, "fatol": 1e-14, "maxfev": 2000, "initial_simplex": simplex})  # fmt: skip
        best = r if best is None or r.fun < best.fun else best
    return best.x


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--decades", default="8,15", help="first,last decade of T (default 8,15)")
    p.add_argument("--wsd", action="store_true", help="tune the WSD too")
    args = p.parse_args()
    lo, hi = (int(v) for v in args.decades.split(","))
    e, cond = linear_peak_noise_regime()
    pt = {a: args.a, b: args.b}
    print(f"(a, b) = ({args.a}, {args.b}): derived e = {float(e.subs(pt)):+.4f}, "
          f"regime (2a > b + 2) {bool(cond.subs(pt))}")  # fmt: skip
    model = PLRFModel(args.a, args.b, n_modes=10**18)
    t0, prev, z = time.process_time(), None, None
    lim0 = continuum_problem(model, 1.0).stability_limit
    print(f"crossover T_c = {crossover_horizon(model, lim0):.3g}")
    for d in range(lo, hi + 1):
        eta0, lim = tuned_peak(model, 10.0**d)
        slope = "" if prev is None else f"  local exponent {math.log10(eta0 / prev):+.4f}"
        wsd = ""
        if args.wsd:
            z = tuned_wsd(model, 10.0**d, (math.log(eta0), -0.2) if z is None else z)
            wsd = f"  WSD eta0 = {math.exp(z[0]):.5f}, frac = {math.exp(z[1]):.5f}"
        print(f"  T = 1e{d}: eta0 = {eta0:.5f} (limit {lim:.4f}){slope}{wsd}")
        prev = eta0
    print(f"CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
