"""The derived Nesterov corrections against a fixed derived schedule evaluated to T = 1e12.

    python -m benchmarks.momentum_free_friction shape --a 1.5 --b 3 --p 0.333333333333 \\
        --T 1000,3162.28,10000,...,1e12 > shape_1.5_3.md      # half-decades, fine quadrature
    python -m benchmarks.momentum_shape_check shape_1.5_3.md --a 1.5 --b 3

Reads the ``| T | L(T) | ...`` table the ``shape`` command prints (horizons ``10**(k/2)``,
``k = 6, 7, ...``, truncated to integers as that command does) and extrapolates the exponent from
the horizons ``1e4 <= T <= Tmax`` with the derived corrections
(:func:`theory.momentum_omegas`) and model-free, each with a 1e-3 relative error per horizon (the
fine quadrature's scatter of the half-decade slopes): the schedule has exactly the derived
asymptotics (``p = 1/b``), so its exponent is the derived one, which the slopes only reach by
1e10-1e12.
"""

from __future__ import annotations

import argparse
import re

import numpy as np

from solvers.analysis.extrapolate import ExtrapolationOptions, extrapolate_exponent
from theory import momentum_omegas


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table")
    ap.add_argument("--a", type=float, required=True)
    ap.add_argument("--b", type=float, required=True)
    args = ap.parse_args(argv)
    with open(args.table) as fh:
        rows = re.findall(r"^\| ([0-9.e+]+) \| ([0-9.e+-]+) \|", fh.read(), re.M)
    L = np.array([float(r[1]) for r in rows])
    T = np.array([int(float(f"{10 ** (k / 2):g}")) for k in range(6, 6 + L.size)], float)
    a, b = args.a, args.b
    pred = (a - 1) * (2 * b - 1) / b**2
    om = momentum_omegas("nesterov", "hard", a, b)
    print(f"({a:g}, {b:g}): derived {pred:.4f}, omegas {[round(w, 4) for w in om]}\n")
    print("| T max | derived corrections | model-free | last slope |\n|---|---|---|---|")
    for t_max in (1e6, 1e7, 1e8, 1e9, 1e10, 1e12):
        k = (T >= 1e4) & (T <= 1.01 * t_max)
        cells = []
        for oo in (om, ()):
            e = extrapolate_exponent(T[k], L[k], sign=-1.0, omegas=oo,
                                     rel_err_quadrature=np.full(k.sum(), 1e-3),
                                     options=ExtrapolationOptions(tail=8))  # fmt: skip
            cells.append(
                f"{e.value:.4f} ± {e.halfwidth:.4f}" + ("" if e.contains(pred) else " (excludes)")
            )
        print(f"| {t_max:.0e} | {cells[0]} | {cells[1]} | {e.slopes[-1]:.4f} |")


if __name__ == "__main__":
    main()
