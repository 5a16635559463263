"""Tables of the long-horizon momentum runs: extrapolated exponents, local slopes, bias share, p.

    python -m benchmarks.momentum_longrun_table benchmarks/results/momentum_longrun_1.3_2.75.json ...

For every form in the JSON files written by :mod:`benchmarks.momentum_longrun`: the local slopes of
the optimal loss, the exponent extrapolated by :func:`solvers.analysis.extrapolate_exponent`
(free correction exponent; the discretisation errors of each horizon, the larger of the time-grid
and quadrature estimates, enter its budget), the derived exponent, and for each optimum the
bias share (the loss of the same schedule without gradient noise, ``batch = inf``, over the loss)
and the measured momentum exponent ``p`` of ``zeta_t`` (a log-log fit of ``zeta_t`` over
``T^(3/4) <= t <= T/10``, where the run's late decay sets the noise, correction included).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import fields

import numpy as np

from solvers.analysis.extrapolate import extrapolate_exponent
from solvers.control.momentum_forms import derived_exponent
from solvers.control.momentum_longrun import LongrunOptions
from theory import PLRFModel


def _options(d: dict) -> LongrunOptions:
    names = {f.name for f in fields(LongrunOptions)}
    return LongrunOptions(**{k: v for k, v in d.items() if k in names})


def bias_share_and_p(model: PLRFModel, opt: LongrunOptions, solve: dict) -> tuple[float, float]:
    """Bias share of the optimum's loss and the fitted exponent of its ``zeta_t`` (or NaN)."""
    x = np.array(list(solve["params"].values()))
    T, form = int(solve["T"]), solve["form"]
    grid = opt.grid(model, T)
    L = grid.loss(opt.controls(form, x, grid))[0][-1]
    free = PLRFModel(a=model.a, b=model.b, sigma=model.sigma, batch=math.inf,
                     n_modes=model.n_modes)  # fmt: skip
    g0 = opt.grid(free, T)
    bias = g0.loss(opt.controls(form, x, g0))[0][-1]
    p = math.nan
    if form == "nesterov":
        t = grid.midpoints
        sel = (t >= T**0.75) & (t <= T / 10)
        zeta = opt.controls(form, x, grid)[1]
        if sel.sum() >= 3:
            p = -float(np.polyfit(np.log1p(t[sel]), np.log(zeta[sel]), 1)[0])
    return bias / L, p


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--max-kkt", type=float, default=math.inf,
                    help="leave solves with a larger KKT residual out of the exponents "
                    "(they are still listed)")  # fmt: skip
    args = ap.parse_args(argv)
    for path in args.files:
        with open(path) as fh:
            d = json.load(fh)
        m = d["model"]
        model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                          n_modes=int(m["n_modes"]))  # fmt: skip
        opt = _options(d["options"])
        forms = dict.fromkeys(s["form"] for s in d["solves"])
        print(f"\n## {path}: a = {model.a:g}, b = {model.b:g}\n")
        print("| form | T | L | KKT | iters | CPU s | wall s | err time / quad / exact | "
              "bias share | p |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
        rows = []
        for f in forms:
            ss = [s for s in d["solves"] if s["form"] == f and math.isfinite(s["loss"])]
            for s in ss:
                share, p = bias_share_and_p(model, opt, s)
                e = s["errors"]
                print(f"| {f} | {s['T']:.0e} | {s['loss']:.6g} | {s['kkt']:.1e} | "
                      f"{s['iterations']} | {s['cpu_seconds']:.0f} | {s['wall_seconds']:.0f} | "
                      f"{e['time']:.0e} / {e['quadrature']:.0e} / "
                      f"{e.get('exact_recursion', math.nan):.0e} | {share:.3f} | {p:.3f} |")  # fmt: skip
            ss = [s for s in ss if s["kkt"] <= args.max_kkt]
            if len(ss) < 3:
                continue
            T = np.array([s["T"] for s in ss], float)
            y = np.array([s["loss"] for s in ss])
            rel = np.array([max(s["errors"]["time"], s["errors"]["quadrature"]) for s in ss])
            ex = extrapolate_exponent(T, y, sign=-1.0, rel_err_quadrature=rel)
            rows.append((f, ex, derived_exponent(f, model), all(s["success"] for s in ss)))
        print("\n| form | local slopes | extrapolated | ± (2 s.e.) | scheme | derived | "
              "|diff| | converged |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
        for f, ex, der, ok in rows:
            slopes = ", ".join(f"{v:.4f}" for v in ex.slopes)
            diff = "--" if der is None else f"{abs(ex.value - der):.4f}"
            dtxt = "--" if der is None else f"{der:.4f}"
            print(f"| {f} | {slopes} | {ex.value:.4f} | {ex.halfwidth:.4f} | {ex.primary} | "
                  f"{dtxt} | {diff} | {ok} |")  # fmt: skip
        print(f"\nstudy's line 1.5 (a-1)/b = {1.5 * (model.a - 1) / model.b:.4f}")


if __name__ == "__main__":
    main()
