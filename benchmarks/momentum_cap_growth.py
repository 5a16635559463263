"""Heavy ball on the friction cap: the derived growth constant against the coasts (issue 13).

    python -m benchmarks.momentum_cap_growth <the nine npz of 2026-12-01s15 §3>

1. The derived growth per unit integrated rate at frozen rate, ``kappa(h) = ln z_*(h) / h``
   (``theory.cap_growth_rate``) on the per-step optima's grid, its small-rate limit ``kappa_0``
   (``theory.small_rate_growth``; the infinite power law's by ``theory.power_law_small_rate_growth``)
   and what it depends on (``b``, the batch, the mode count).
2. Direct simulations of a coast at constant rate on the exact compiled recursion: the loss's
   growth per step over the last 20 % of a long coast against ``z_*(h)``.
3. For each optimum's largest coast: the measured slope of the noise's ln growth in ``H`` at fixed
   length (rates x 0.8, 0.9, 1, 1.1, as 2026-12-01s16 §2) against the frozen-rate prediction, and
   the ln growth against ``sum_t ln z_*(h_t) + 1/2 ln(h_end / h_start)``.
4. Over every coast (>= 10 steps) of the nine optima: ln growth - kappa_0 H - 1/2 ln(h_end/h_start)
   (the small-rate lower bound's margin) and ln growth - the frozen prediction, by horizon.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from benchmarks.momentum_coast_releases import AFTER, coasts, loss_path
from benchmarks.momentum_per_step_anatomy import _setup
from benchmarks.momentum_per_step_kkt import _as_start
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_cap import cap_growth_curve, frozen_growth
from theory import PLRFModel, cap_growth_root, power_law_small_rate_growth, small_rate_growth

RATES = (1e-4, 1e-3, 1e-2, 0.1, 0.3, 0.5, 1.0, 1.5, 2.0)


def dependence(grid: ModeGrid) -> None:
    """Part 1: kappa(h) on the grid, kappa_0 and what moves it."""
    k = cap_growth_curve(grid, RATES)
    io = 1.0 / grid.model.batch
    print("| h | " + " | ".join(f"{h:g}" for h in RATES) + " |\n|---|" + "---|" * len(RATES))
    print("| kappa(h) | " + " | ".join(f"{v:.4f}" for v in k) + " |")
    print(f"\nkappa_0: grid {small_rate_growth(grid.lam, grid.weight, io):.6f}, infinite power law "
          f"{power_law_small_rate_growth(grid.model.b, io):.6f}")  # fmt: skip
    print("\n| b | batch | modes | kappa_0 | kappa(1) |\n|---|---|---|---|---|")
    for b, m, n in ((2.75, 4, 10**15), (2.75, 4, 100), (2.75, 4, 10**4), (2.75, 1, 10**15),
                    (2.0, 4, 10**15), (1.5, 4, 10**15), (1.2, 4, 10**4), (1.2, 4, 10**8),
                    (4.0, 4, 10**15)):  # fmt: skip
        model = PLRFModel(a=min(1.3, b - 0.1), b=b, sigma=0.7, batch=float(m), n_modes=n)
        g = ModeGrid.from_model(model, exact=min(32, n), ratio=1.3)
        k0 = small_rate_growth(g.lam, g.weight, 1.0 / m)
        print(f"| {b} | {m} | {n:.0e} | {k0:.4f} | {cap_growth_curve(g, [1.0])[0]:.4f} |")


def constant_rate(grid: ModeGrid, steps: int = 4000) -> None:
    """Part 2: a coast at constant rate on the compiled recursion from the initial state."""
    print(
        "\n| h | steps | simulated ln(L_t+1/L_t), last 20 % | ln z_*(h) (derived) | rel. diff |\n|---|---|---|---|---|"
    )
    for h in (0.01, 0.1, 0.5, 1.0, 2.0):
        pred = cap_growth_root(grid.lam, grid.weight, h, 1.0 / grid.model.batch)
        n = min(10 * steps, int(500 / pred))  # ~500 e-folds: below overflow
        coef = np.array([np.zeros(n), np.full(n, h), np.ones(n), np.ones(n)])
        L = loss_path(grid, coef)
        tail = np.log(L[-n // 5 :])
        sim = (tail[-1] - tail[0]) / (tail.size - 1)
        print(f"| {h} | {n} | {sim:.6g} | {pred:.6g} | {sim / pred - 1:+.1e} |")


def _growth(grid, coef, s, e):
    L = loss_path(grid, coef)
    s2 = grid.model.sigma**2
    S = L[s : min(e + AFTER, coef.shape[1]) + 1].max()
    return math.log((S + s2) / (L[s] + s2))


def coasts_table(paths, fg) -> None:
    """Parts 3 and 4."""
    print("\n| T | largest coast | H | measured slope (x0.8-1.1) | frozen slope | ratio | ln growth | "
          "sum ln z* | 1/2 ln(h_e/h_s) | kappa_0 H |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    margins = {}
    for path in paths:
        T, grid, stored = _setup(path)
        coef = np.array(_as_start("heavy-ball", stored["controls"], T))
        s, e = max(coasts(coef, 10), key=lambda se: se[1] - se[0])
        rows = []
        for f in (0.8, 0.9, 1.0, 1.1):
            c = coef.copy()
            c[1, s:e] *= f
            rows.append((c[1, s:e].sum(), _growth(grid, c, s, e)))
        r = np.array(rows)
        meas = np.polyfit(r[:, 0], r[:, 1], 1)[0]
        h = coef[1, s:e]
        frozen = fg.slope(h)
        lz, ad = fg.log_growth(h)
        print(f"| {T} | [{s}, {e}) | {h.sum():.2f} | {meas:.4f} | {frozen:.4f} | {frozen / meas:.3f} | "
              f"{r[2, 1]:.2f} | {lz:.2f} | {ad:.2f} | {fg.kappa0 * h.sum():.2f} |")  # fmt: skip
        L = loss_path(grid, coef)
        s2 = grid.model.sigma**2
        out = []
        for cs, ce in coasts(coef, 10):
            hh = coef[1, cs:ce]
            g = math.log((L[cs : min(ce + AFTER, T) + 1].max() + s2) / (L[cs] + s2))
            lz, ad = fg.log_growth(hh)
            out.append((g - fg.kappa0 * hh.sum() - ad, g - lz - ad))
        margins[T] = np.array(out)
    print("\n| T | coasts | min of ln growth - kappa_0 H - 1/2 ln(h_e/h_s) | its mean | mean of "
          "ln growth - frozen prediction | its rms |\n|---|---|---|---|---|---|")  # fmt: skip
    for T, m in sorted(margins.items()):
        print(f"| {T} | {len(m)} | {m[:, 0].min():+.2f} | {m[:, 0].mean():+.2f} | "
              f"{m[:, 1].mean():+.2f} | {m[:, 1].std():.2f} |")  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    c0, w0 = time.process_time(), time.perf_counter()
    _, grid, _ = _setup(args.files[0])
    dependence(grid)
    constant_rate(grid)
    fg = frozen_growth(grid)
    coasts_table(args.files, fg)
    print(f"\ncpu {time.process_time() - c0:.0f} s, wall {time.perf_counter() - w0:.0f} s")


if __name__ == "__main__":
    main()
