"""Heavy ball per step: which parts of the optimum carry its gain, by surgery (issue 13).

    python -m benchmarks.momentum_coast_surgery benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz \\
        benchmarks/results/momentum_per_step_hb15_heavy-ball_10000.npz

For a committed per-step heavy-ball optimum at ``T`` and the plain family optimum on the same grid
(:class:`solvers.control.momentum_coast.CoastFamily` with no window), the loss (exact recursion)
of schedules made of pieces of the two:

* the optimum with its steps off the friction cap (the cleanups between coasts) replaced by the
  family's controls, and with its coasts shorter than ``n`` steps replaced by the family's;
* the family with the optimum's coasts of at least ``n`` steps (and the 30 steps after each)
  pasted in;
* the optimum with every cleanup of about one length replaced by one of them (a template);
* the optimum stretched in relative time to ``k T`` (``stretched_start``, the continuation
  start of the per-step solver) against the family at ``k T``.

The share is ``log(family / schedule) / log(family / optimum)``: 1 keeps the whole gain.
"""

from __future__ import annotations

import argparse
import itertools
import math

import numpy as np

from benchmarks.momentum_coast_family import _plain_starts
from benchmarks.momentum_coast_releases import coasts
from benchmarks.momentum_per_step_anatomy import _setup
from benchmarks.momentum_per_step_kkt import _as_start
from solvers.control.momentum_coast import CoastFamily, solve_coast
from solvers.control.momentum_per_step import stretched_start
from solvers.dynamics.momentum_forms import simulate_form


def _cleanups(coef) -> list[tuple[int, int]]:
    """The runs of steps off the cap between the first coast and the last."""
    cs = coasts(coef, 1)
    return [(e, s) for (_, e), (s, _) in itertools.pairwise(cs)]


def _loss(grid, c) -> float:
    return float(simulate_form(grid, c)[1][0])


def _family(grid, T: int):
    """The plain family and its optimum on ``grid`` at ``T``."""
    fam = CoastFamily(grid.model, T, 0)
    return fam, solve_coast(grid, fam, _plain_starts(T, None))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    for path in args.files:
        T, grid, stored = _setup(path)
        ps = np.array(_as_start("heavy-ball", stored["controls"], T))

        fam0, plain = _family(grid, T)
        fam = fam0.coefficients(plain.x)
        Lp, Lf = _loss(grid, ps), plain.loss

        def row(name, c, grid=grid, Lf=Lf, Lp=Lp):
            Lc = _loss(grid, c)
            share = math.log(Lf / Lc) / math.log(Lf / Lp) if math.isfinite(Lc) else -math.inf
            print(f"| {name} | {Lc:.6g} | {share:.2f} |")

        print(f"\n## T = {T}: optimum {Lp:.7f}, family {Lf:.7f} (gap {Lf / Lp:.4f})\n")
        print("| schedule | L(T) | share of the gain |\n|---|---|---|")
        off = ps[2] <= 1 - 2e-7
        c = ps.copy()
        c[:, off] = fam[:, off]
        row("optimum, steps off the cap -> family", c)
        for n in (10, 20, 40, 100):
            c = ps.copy()
            for s, e in coasts(ps, 1):
                if e - s < n:
                    c[:, s:e] = fam[:, s:e]
            row(f"optimum, coasts < {n} steps -> family", c)
        for n in (10, 40):
            c = fam.copy()
            for s, e in coasts(ps, n):
                c[:, s : e + 30] = ps[:, s : e + 30]
            row(f"family + the optimum's coasts >= {n} steps (and 30 after)", c)
        cl = _cleanups(ps)
        for a, b in (cl[len(cl) // 3], cl[len(cl) // 2]):
            c, n = ps.copy(), 0
            for s, e in cl:
                if abs((e - s) - (b - a)) <= 3:
                    m = min(e - s, b - a)
                    c[:, s : s + m], n = ps[:, a : a + m], n + 1
            row(f"optimum, {n} cleanups of ~{b - a} steps -> the one at {a}", c)
        for k in (1.2, 1.5, 2.0):
            Tk = int(k * T)
            Lk = _loss(grid, stretched_start("heavy-ball", stored["controls"], Tk))
            Lfk = _family(grid, Tk)[1].loss
            print(f"| optimum stretched to {Tk} (family there {Lfk:.6f}) | {Lk:.6g} | "
                  f"gap {Lfk / Lk:.4g} |")  # fmt: skip


if __name__ == "__main__":
    main()
