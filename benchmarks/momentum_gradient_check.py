"""Adjoint gradient against central differences at a recorded long-horizon optimum (2026-11-30i).

    nice -n 10 python -m benchmarks.momentum_gradient_check --a 1.5 --b 3 --T 1e11 \\
        benchmarks/results/momentum_longrun_nesterov7_1.5_3.json

Prints, at the file's Nesterov optimum of horizon ``T`` on the optimiser's grid, the exact
gradient of ``log L(T)`` (the interval kernel's adjoint) and the central differences at steps
3e-7 (the finite-difference solver's step) to 1e-4 for the parameters where they differ, and the
loss along ``p`` at offsets 1e-5 .. 1e-3: a difference error growing like ``h^2`` is truncation
(the loss's third derivative), not rounding.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from solvers.control.momentum_longrun import LongrunOptions, controls_jacobian
from theory import PLRFModel

STEPS = (3e-7, 1e-6, 3e-6, 1e-5, 1e-4)
OFFSETS = (-1e-3, -1e-4, -1e-5, 1e-5, 1e-4, 1e-3)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--a", type=float, required=True)
    ap.add_argument("--b", type=float, required=True)
    ap.add_argument("--T", type=float, required=True)
    args = ap.parse_args(argv)
    T = int(args.T)
    with open(args.file) as fh:
        d = json.load(fh)
    s = next(s for s in d["solves"] if s["form"] == "nesterov" and s["T"] == T)
    names, x = list(s["params"]), np.array(list(s["params"].values()))
    model = PLRFModel(a=args.a, b=args.b, sigma=0.7, batch=4, n_modes=10**15)
    opt = LongrunOptions(knots=d["options"]["knots"])
    grid = opt.grid(model, T)

    def value(y):
        return math.log(grid.loss(opt.controls("nesterov", y, grid))[0][-1])

    co, jac = controls_jacobian("nesterov", x, grid, opt.knots)
    L, gL, _ = grid.loss_gradient(co)
    g = np.einsum("icj,cj->i", jac, gL) / L[-1]
    print(f"T={T:.0e} L={L[-1]:.7g} recorded kkt {s['kkt']:.1e}; adjoint gradient:")
    print("  " + ", ".join(f"{n} {v:+.2e}" for n, v in zip(names, g, strict=True)))
    for h in STEPS:
        c = np.array([(value(x + h * e) - value(x - h * e)) / (2 * h) for e in np.eye(x.size)])
        worst = int(np.argmax(np.abs(c - g)))
        print(f"  central, step {h:.0e}: largest error {abs(c[worst] - g[worst]):.2e} "
              f"({names[worst]}: {c[worst]:+.3e})")  # fmt: skip
    f0, ip = value(x), names.index("p")
    print("  log L(p + dp) - log L(p): " + ", ".join(
        f"{dp:+.0e}: {value(x + dp * np.eye(x.size)[ip]) - f0:+.2e}" for dp in OFFSETS))  # fmt: skip


if __name__ == "__main__":
    main()
