"""Optima of the direct and continuum solvers on a fixed set of problems, to compare two trees.

Solves 15 direct problems (three (a, b) points in both phases; K = 100 blocks and one rate per
step; T = 300 .. 3000; with and without the coarse multilevel level) and 6 continuum problems
(T = 1e3, 1e5), and writes per problem the final loss, iterations, evaluations, status, KKT
residual, a hash of the schedule and the CPU time. Run it in two trees and compare:

    PYTHONPATH=../main python -m benchmarks.solver_optima --out /tmp/before.json  # a checkout of main
    python -m benchmarks.solver_optima --out /tmp/after.json --compare /tmp/before.json

A port that must not change the numerics shows the same schedule hashes and iterations; a
change of the kernels' rounding shows losses equal to ~1e-8 on the block and easy-phase
problems, while hard-phase problems at one rate per step (non-convex, period-2 optima) may
end in a different local optimum.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

POINTS = [(2.0, 2.0, 0.5, 5), (3.0, 2.0, 0.5, 1), (1.5, 2.5, 0.5, 1)]
DIRECT = [(1000, 100, None), (1000, 100, False), (300, None, None), (3000, 100, None),
          (2000, None, None)]  # fmt: skip
CONTINUUM_T = (1e3, 1e5)


def solve_all() -> dict:
    from solvers.control import solve_continuum, solve_direct
    from theory import PLRFModel

    out = {}
    for a, b, s, m in POINTS:
        cases = [("direct", T, K, ml) for T, K, ml in DIRECT]
        cases += [("continuum", T, None, None) for T in CONTINUUM_T]
        for kind, T, K, ml in cases:
            n = 500 if kind == "direct" else 10**6
            model = PLRFModel(a=a, b=b, sigma=s, batch=m, n_modes=n, eta_max=2.0)
            c0 = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if kind == "direct":
                    r = solve_direct(model, T, blocks=K, multilevel=ml)
                else:
                    r = solve_continuum(model, T, diagnostics=False)
            key = f"{kind} a={a:g} b={b:g} m={m} T={T:g} K={K} multilevel={ml}"
            out[key] = {
                "loss": r.final_loss, "iterations": r.iterations, "evaluations": r.n_evaluations,
                "status": r.status, "kkt": r.kkt_residual, "cpu": time.process_time() - c0,
                "eta": hashlib.sha1(np.asarray(r.eta, dtype=float).tobytes()).hexdigest()[:12],
            }  # fmt: skip
            print(key, out[key], flush=True)
    return out


def compare(new: dict, old: dict) -> None:
    for k, y in new.items():
        x = old.get(k)
        if x is None:
            print(f"{k}: not in the other run")
            continue
        print(
            f"{k:48s} loss {y['loss'] / x['loss'] - 1:+.1e}  same schedule "
            f"{x['eta'] == y['eta']!s:5s} it {x['iterations']}->{y['iterations']} "
            f"evals {x['evaluations']}->{y['evaluations']} status {x['status']}->{y['status']} "
            f"cpu {x['cpu']:.2f}->{y['cpu']:.2f}"
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--compare", type=Path, help="a JSON written by an earlier run")
    args = p.parse_args(argv)
    new = solve_all()
    args.out.write_text(json.dumps(new, indent=1))
    if args.compare is not None:
        compare(new, json.loads(args.compare.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
