"""Reference CPU seconds per unit of a tuned baseline's loss evaluation, per kernel.

The tuned baselines report their cost as evaluations x the size of one evaluation x a fixed
rate per kernel (``solvers.schedules.tuning.SECONDS_PER_UNIT``), so the default run's baseline
budget reaches the same horizons at any load. This measures those rates: the continuum forward
pass (intervals x substeps x mode nodes), the exact recursion (steps x grid modes) and the
constant rate's closed form (grid modes), in process CPU seconds (benchmarks/results/claims.md,
2026-11-30l).

Usage::

    python -m benchmarks.baseline_work_rate
"""

from __future__ import annotations

import time

import numpy as np

from solvers.dynamics.modes import ModeGrid, constant_rate_loss, grid_final_loss
from solvers.schedules.tuning import SECONDS_PER_UNIT
from solvers.schedules.tuning_continuum import continuum_problem
from theory import PLRFModel


def _per_call(f, repeats: int) -> float:
    f()  # compile / warm up
    c0 = time.process_time()
    for _ in range(repeats):
        f()
    return (time.process_time() - c0) / repeats


def main() -> None:
    print("| kernel | (a, b) | T | size of one evaluation | CPU s each | ns a unit | constant |")
    print("|---|---|---|---|---|---|---|")
    for a, b, n, T in [(1.2, 4, 10**12, 1e4), (1.2, 4, 10**12, 1e6), (3, 2, 10**8, 1e6),
                       (1.5, 3, 10**10, 1e8)]:  # fmt: skip
        p = continuum_problem(PLRFModel(a, b, n_modes=n), T)
        eta = np.full(p.h.size, 0.5 * p.upper)
        dt = _per_call(lambda p=p, eta=eta: p.loss_curve(eta), 30)
        size = p.h.size * p.substeps * p.quad.size
        print(f"| continuum | ({a}, {b}) | {T:g} | {size} | {dt:.3g} | {dt / size * 1e9:.1f} | "
              f"{SECONDS_PER_UNIT['continuum'] * 1e9:g} |")  # fmt: skip
    for a, b, n, T in [(1.2, 4, 10**5, 10**4), (3, 2, 10**4, 10**5)]:
        g = ModeGrid.from_model(PLRFModel(a, b, n_modes=n))
        eta = np.full(T, 0.1)
        dt = _per_call(lambda g=g, eta=eta: grid_final_loss(g, eta), 5)
        print(f"| recursion | ({a}, {b}) | {T} | {T * g.lam.size} | {dt:.3g} | "
              f"{dt / (T * g.lam.size) * 1e9:.2f} | {SECONDS_PER_UNIT['recursion'] * 1e9:g} |")  # fmt: skip
        dt = _per_call(lambda g=g, T=T: constant_rate_loss(g, 0.1, [T]), 200)
        print(f"| closed form | ({a}, {b}) | {T} | {g.lam.size} | {dt:.3g} | "
              f"{dt / g.lam.size * 1e9:.0f} | {SECONDS_PER_UNIT['closed form'] * 1e9:g} |")  # fmt: skip


if __name__ == "__main__":
    main()
