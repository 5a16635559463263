"""The direct method's two optimisers side by side: optlr's projected L-BFGS and SciPy's L-BFGS-B.

``DirectOptions(optimiser="auto")`` runs the projected L-BFGS (:mod:`solvers.control._projected_lbfgs`)
on levels of at most 512 variables so that the study's solve needs no ``scipy.optimize``. This
solves the same problems with both (``optimiser="projected"`` and ``"lbfgsb"``, all else equal)
and reports, per optimiser, the final loss, status, KKT residual, iterations, evaluations and
CPU time (warm kernels; both runs limit BLAS to one thread themselves), and the relative loss difference:

1. the study's problem and more: hard and easy phase, 32 / 100 / 300 blocks, the rate cap
   binding or not, and two per-step problems (multilevel, one of them a period-2 optimum);
2. three small per-step families at T = 20 ... 300 from the default and the annealed start:
   ``P`` (eta_max = 4, twice 2/lambda_1: a period-2 optimum, tests/test_direct.py's), ``Q`` (the
   study's model per step), ``R`` (hard phase, batch 1, 100 modes), counting which optimiser
   ends lower (a tie within 1e-6).

    python -m benchmarks.bench_optimisers [--section TITLE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from solvers.control import solve_direct
from theory import PLRFModel

HARD = {"a": 2.0, "b": 2.0, "sigma": 0.5, "batch": 5, "n_modes": 500}
EASY = {"a": 1.5, "b": 2.5, "sigma": 0.5, "batch": 1, "n_modes": 500}
#: (label, model, T, options)
PROBLEMS = [
    ("study: hard, K=100, T=1000, eta_max 2", PLRFModel(**HARD, eta_max=2), 1000, {"blocks": 100}),
    ("hard, K=32, T=1000", PLRFModel(**HARD, eta_max=2), 1000, {"blocks": 32}),
    ("hard, K=300, T=3000", PLRFModel(**HARD, eta_max=2), 3000, {"blocks": 300}),
    ("hard, K=100, T=1000, eta_max 0.5 (binding)", PLRFModel(**HARD, eta_max=0.5), 1000,
     {"blocks": 100}),
    ("easy, K=100, T=2000", PLRFModel(**EASY, eta_max=2), 2000, {"blocks": 100}),
    ("easy, K=32, T=300", PLRFModel(**EASY, eta_max=2), 300, {"blocks": 32}),
    ("easy, K=300, T=3000, eta_max 0.3 (binding)", PLRFModel(**EASY, eta_max=0.3), 3000,
     {"blocks": 300}),
    ("hard, per step, T=300 (period 2)", PLRFModel(**HARD, eta_max=2), 300, {}),
    ("easy (3, 1.5), per step, T=500", PLRFModel(a=3, b=1.5, sigma=0.5, batch=2, n_modes=300,
                                                 eta_max=2), 500, {}),
]  # fmt: skip
FAMILIES = {
    "P": PLRFModel(a=3, b=2, sigma=0.5, batch=100, n_modes=50, eta_max=4.0),
    "Q": PLRFModel(**HARD, eta_max=2),
    "R": PLRFModel(a=1.5, b=3, sigma=0.5, batch=1, n_modes=100),
}
OPTIMISERS = ("projected", "lbfgsb")


def _solve(model, T, opts, optimiser):
    c = time.process_time()
    r = solve_direct(model, T, optimiser=optimiser, **opts)
    return r, time.process_time() - c


def problems() -> list[str]:
    lines = [
        "| problem | optimiser | L(T) | status, KKT | iterations, evaluations | CPU s | "
        "L / L(L-BFGS-B) - 1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, model, T, opts in PROBLEMS:
        for o in OPTIMISERS:  # kernels loaded, scipy.optimize imported
            _solve(model, min(T, 50), {"blocks": 10} if opts else {}, o)
        res = {o: _solve(model, T, opts, o) for o in OPTIMISERS}
        ref = res["lbfgsb"][0].final_loss
        for o, (r, cpu) in res.items():
            lines.append(
                f"| {label} | {o} | {r.final_loss:.10e} | {r.status}, {r.kkt_residual:.2g} | "
                f"{r.iterations}, {r.n_evaluations} | {cpu:.3f} | {r.final_loss / ref - 1:+.1e} |"
            )
    return lines


def families() -> list[str]:
    lines = [
        "| family | T | start | L(projected) / L(L-BFGS-B) - 1 | lower | evaluations "
        "(projected, L-BFGS-B) |",
        "|---|---|---|---|---|---|",
    ]
    wins = {"projected": 0, "lbfgsb": 0, "tie": 0}
    for name, model in FAMILIES.items():
        for T in (20, 30, 40, 60, 100, 300):
            for start in ("anneal", None):
                opts = {} if start is None else {"initial": start}
                r = {o: _solve(model, T, opts, o)[0] for o in OPTIMISERS}
                rel = r["projected"].final_loss / r["lbfgsb"].final_loss - 1
                low = "tie" if abs(rel) < 1e-6 else ("projected" if rel < 0 else "lbfgsb")
                wins[low] += 1
                lines.append(
                    f"| {name} | {T} | {start or 'default'} | {rel:+.2e} | {low} | "
                    f"{r['projected'].n_evaluations}, {r['lbfgsb'].n_evaluations} |"
                )
    lines += ["", f"Lower: projected {wins['projected']}, L-BFGS-B {wins['lbfgsb']}, "
              f"tie {wins['tie']}."]  # fmt: skip
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="benchmarks/results/speed.md")
    p.add_argument("--section", help="append to --out under this title (default: print only)")
    args = p.parse_args(argv)
    c0, w0, load = time.process_time(), time.perf_counter(), os.getloadavg()[0]
    parts = ["### The study's problem and more", "", *problems(), "",
             "### Small per-step families (non-convex where they alternate)", "", *families()]  # fmt: skip
    head = (
        f"`python -m benchmarks.bench_optimisers`, load average (1 min) {load:.1f} at the start; "
        f"{time.process_time() - c0:.0f} s CPU, {time.perf_counter() - w0:.0f} s wall."
    )
    text = "\n".join([head, "", *parts]) + "\n"
    print(text)
    if args.section is not None:
        with open(args.out, "a") as fh:
            fh.write(f"\n## {args.section}\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
