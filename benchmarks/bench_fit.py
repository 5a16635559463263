"""Speed of the runs functional and of a fit.

    python -m benchmarks.bench_fit

1. The loss functional of 1000 WSD schedules (T = 50000, decay fraction 0.05..0.5, base rate
   1e-3, the fitted parameters of a typical run): condensing each schedule onto its grid
   (``run_grid``, 200 uniform + 60 geometric intervals) and evaluating ``loss_curve`` there
   (88 mode nodes, 1e9 modes), timed separately.
2. One joint fit of the six cosine runs of the SlimPajama 210M family (``fit_runs``) without and
   with a 20-refit bootstrap.

Times are CPU seconds of this process (``time.process_time``) beside wall seconds.
"""

from __future__ import annotations

import time

import numpy as np

from solvers.runs import (
    FitOptions,
    LossParams,
    fit_runs,
    load_dataset,
    loss_curve,
    mode_nodes,
    run_grid,
    schedule_family,
)


def timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - t0


def wsd(T: int, frac: float, lr: float = 1e-3, warmup: int = 300) -> np.ndarray:
    eta = np.full(T, lr)
    eta[:warmup] = lr * (np.arange(warmup) + 1) / warmup
    d = int(frac * T)
    eta[T - d :] = lr * np.linspace(1, 0, d)
    return eta


def main() -> None:
    params = LossParams(L_inf=2.55, A=5.0, s=50.0, nu=84.0, a=1.48, b=1.1)
    nodes = mode_nodes()
    loss_curve(params, run_grid(wsd(1000, 0.2), [1000]), nodes)  # compile
    scheds = [wsd(50_000, f) for f in np.linspace(0.05, 0.5, 1000)]
    grids, c1, w1 = timed(lambda: [run_grid(e, [50_000]) for e in scheds])
    finals, c2, w2 = timed(lambda: [loss_curve(params, g, nodes)[-1] for g in grids])
    best = int(np.argmin(finals))
    print(f"functional, 1000 WSD schedules at T = 50000: grids {c1:.2f} s CPU ({w1:.2f} s wall), "
          f"evaluation {c2:.2f} s CPU ({w2:.2f} s wall); {grids[0].t.size - 1} intervals, "
          f"{nodes[0].size} mode nodes; best decay fraction {0.05 + 0.45 * best / 999:.3f}")  # fmt: skip
    runs = load_dataset("llm-curves")
    cos = [
        r for r in runs if r.family == ("slimpajama", 208540416.0) and schedule_family(r) == "cos"
    ]
    for n_boot in (0, 20):
        fit, c, w = timed(lambda n=n_boot: fit_runs(cos, FitOptions(n_boot=n)))
        print(f"fit of {len(cos)} cosine runs ({fit.n_points} points), n_boot = {n_boot}: "
              f"{c:.1f} s CPU ({w:.1f} s wall); a = {fit.params.a:.3f}, b = {fit.params.b:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
