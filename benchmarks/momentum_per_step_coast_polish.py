"""Heavy ball per step (issue 13): a finish that moves the coasting rates in their own units.

    nice -n 10 python -m benchmarks.momentum_per_step_coast_polish START.npz OUT.npz \\
        --full 2000 --coast 700 --minutes 55

At the heavy-ball 1e4 points of 2026-12-01p (perstep14) the box-scaled KKT sum sits almost
wholly (0.4925 of 0.4945 at ``P/r1``) in the rates of the steps whose friction is on its cap
(``h ~ 3e-4`` in a box of width 2), and the default projected Newton finish cuts its steps to
~1/1000 there (2026-12-01s15 §2). This driver alternates, until the KKT sum is at most
``--tol`` or ``--minutes`` have passed:

* **full**: :func:`~solvers.control._projected_newton.projected_newton_box` on every control,
  the rates in units of their own size (floored at ``VALUE_SCALE_FLOOR`` of the box), the
  frictions in box units (``--full`` evaluations);
* **coast**: the same on the rates of the steps with ``c_t`` on its cap only, every other control
  held (``--coast`` evaluations; 32 coarse blocks over those rates).

The box, objective and KKT sum are :func:`~solvers.control.momentum_per_step.solve_per_step`'s;
``OUT`` (``PREFIX_heavy-ball_T.npz``) keeps the point with the lowest KKT sum (``PREFIX-last_heavy-ball_T.npz``:
the last), in the format of ``benchmarks.momentum_per_step_converge --out`` (the recheck reads both).
"""

from __future__ import annotations

import argparse
import math
import re
import time

import numpy as np

from benchmarks.momentum_per_step_converge import _family_start
from solvers.control import momentum_per_step as mps
from solvers.control._log_controls import VALUE_SCALE_FLOOR
from solvers.control._projected_newton import projected_newton_box
from solvers.control.momentum import _box_kkt
from solvers.dynamics.modes import ModeGrid

#: A friction within this of 1 counts as on its cap (``BETA_MAX = 1 - 1e-7``).
AT_CAP = 1.0 - 2e-7


def _phase(fg, x, lo, hi, mask, rows, maxfun, tol):
    """Projected Newton on the controls ``mask`` of ``x`` (the rest held): rates in their own
    units, frictions (``rows == 2``'s second row) in box units; ``(x, result)``."""
    T = x.size // 2
    is_beta = np.repeat([False, True], T)[mask]
    width, low = (hi - lo)[mask], lo[mask]

    def embed(xs):
        z = x.copy()
        z[mask] = xs
        return z

    def fgs(xs):
        f, g = fg(embed(xs))
        return f, None if g is None else g[mask]

    def diagonal(xs):
        h, g = fg.diagonal(embed(xs))
        return h[mask], g[mask]

    def scale(th):
        return np.where(is_beta, width, np.maximum(th - low, VALUE_SCALE_FLOOR * width))

    r = projected_newton_box(fgs, x[mask], low, hi[mask], scale=scale, kkt=_box_kkt(low, width),
                             tol=tol, maxfun=maxfun, rows=rows, blocks=16 if rows == 2 else 32,
                             diagonal=diagonal)  # fmt: skip
    return embed(r.theta), r


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("start")
    ap.add_argument("out")
    ap.add_argument("--full", type=int, default=2000, help="evaluations of each full phase")
    ap.add_argument("--coast", type=int, default=700, help="evaluations of each coasting phase")
    ap.add_argument("--minutes", type=float, default=55.0, help="wall-clock budget")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    T = int(re.search(r"_heavy-ball_(\d+)\.npz$", args.start).group(1))
    model, _ = _family_start("heavy-ball", T)
    grid = ModeGrid.from_model(model, exact=32, ratio=1.3)
    lo, hi, k = mps._box(grid, "heavy-ball", T)
    fg = mps._step_objective(grid, "heavy-ball", k, T)
    kkt = _box_kkt(lo, hi - lo)
    x = np.load(args.start)["controls"].ravel().copy()
    c0, w0, used, best = time.process_time(), time.perf_counter(), 0, math.inf
    print(
        "| phase | evaluations (total) | L(T) | KKT sum | CPU s | wall s |\n|---|---|---|---|---|---|"
    )
    while time.perf_counter() - w0 < 60 * args.minutes:
        for phase in ("full", "coast"):
            full = phase == "full"
            mask = np.ones(k * T, bool) if full else np.r_[x[T:] > AT_CAP, np.zeros(T, bool)]
            x, r = _phase(fg, x, lo, hi, mask, 2 if full else 1,
                          args.full if full else args.coast, args.tol if full else 1e-6)  # fmt: skip
            used += r.iterations
            f, g = fg(x)
            res = kkt(x, g)
            print(f"| {phase} | {r.iterations} ({used}) | {math.exp(f):.10f} | {res:.3e} | "
                  f"{time.process_time() - c0:.0f} | {time.perf_counter() - w0:.0f} |", flush=True)  # fmt: skip
            keep = {"controls": x.reshape(k, T), "loss": math.exp(f), "kkt": res, "status": 1}
            np.savez(re.sub(r"(_heavy-ball_\d+\.npz)$", r"-last\1", args.out), **keep)
            if res < best:
                best = res
                np.savez(args.out, **keep)
            if res <= args.tol:
                return


if __name__ == "__main__":
    main()
