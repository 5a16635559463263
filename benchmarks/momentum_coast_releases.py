"""Heavy ball per step: what each coast-and-release costs and buys, by horizon (issue 13).

    python -m benchmarks.momentum_coast_releases benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz \\
        benchmarks/results/momentum_per_step_pn14c_heavy-ball_{1200,1500,1875,2350,2950,3700}.npz \\
        benchmarks/results/momentum_per_step_pn14_heavy-ball_4600.npz \\
        benchmarks/results/momentum_per_step_hb15_heavy-ball_10000.npz

For every committed per-step heavy-ball optimum (the recursion's loss path by the compiled
kernel, checked against the stored loss to 1e-9) and every coast (friction on its cap for at
least ``--min`` steps), the quantities of the scaling argument of 2026-12-01s16 (hb16) in
benchmarks/results/momentum.md:

* ``ell``: the coast's length; ``H = sum h_t`` over it (its integrated rate); ``Q = sum_t
  h_t (t - s)``: what it adds to the slow modes' clock (``rho_t = h_t (t - s + V_s)``);
* ``S``: the largest loss from the coast's start to 60 steps after its end (the spike), and
  ``ln((S + sigma^2) / (L_s + sigma^2))``: how much the fed-back noise grew over the coast;
* per horizon: the clock ``tau = sum rho``, ``tau / T``, the largest ``H``, and the largest spike
  against ``tau^((2b - a)/b)`` (the argument's bound on a spike whose noise the modes beyond the
  front cannot shed).

Prints a table per horizon (coasts of at least ``--show`` steps), a summary row per horizon, and
the least-squares slope of ``ln`` growth against ``H`` over all coasts.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from benchmarks.momentum_per_step_anatomy import _setup
from benchmarks.momentum_per_step_coast_polish import AT_CAP
from benchmarks.momentum_per_step_kkt import _as_start
from solvers.dynamics.momentum_forms import general_momentum_forward
from solvers.dynamics.momentum_response import slow_mode_rate

#: Steps after a coast's end inside which its spike is looked for (the cleanups are 13-35 steps).
AFTER = 60


def loss_path(grid, coef) -> np.ndarray:
    """``L(t)``, ``t = 0..T``, by the compiled recursion."""
    T = coef.shape[1]
    m = grid.model
    out = np.empty(T + 1)
    inv_m = np.full(T, 1.0 / m.batch)
    general_momentum_forward(grid.lam, grid.weight, grid.c0, *[np.ascontiguousarray(c) for c in coef],
                             inv_m, m.sigma**2, np.arange(T + 1), out)  # fmt: skip
    return out


def coasts(coef, minimum: int) -> list[tuple[int, int]]:
    """``(s, e)`` of the runs of steps with the friction on its cap, at least ``minimum`` long."""
    cap = np.r_[False, coef[2] > AT_CAP, False]
    edges = np.flatnonzero(np.diff(cap.astype(int)))
    return [
        (int(s), int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True) if e - s >= minimum
    ]


def horizon(path: str, minimum: int, show: int):
    """Rows ``(T, ell, H, Q, ln growth, S)`` of every coast and the horizon's summary."""
    T, grid, stored = _setup(path)
    coef = np.array(_as_start("heavy-ball", stored["controls"], T))
    L = loss_path(grid, coef)
    if abs(L[-1] / float(stored["loss"]) - 1) > 1e-9:
        raise SystemExit(f"{path}: recomputed L {L[-1]!r} != stored {float(stored['loss'])!r}")
    s2 = grid.model.sigma**2
    h, rho = coef[1], slow_mode_rate(coef)
    rows = []
    for s, e in coasts(coef, minimum):
        t = np.arange(s, e)
        H, Q = float(h[s:e].sum()), float((h[s:e] * (t - s)).sum())
        S = float(L[s : min(e + AFTER, T) + 1].max())
        rows.append((T, e - s, H, Q, math.log((S + s2) / (L[s] + s2)), S, s, float(rho[s:e].max())))
    tau = float(rho.sum())
    return T, L[-1], tau, rows, [r for r in rows if r[1] >= show]


def scaled_growth(path: str, factors=(0.8, 0.9, 1.0, 1.1)) -> None:
    """The largest coast's rates scaled by each factor at fixed length: its ``H``, the noise's
    ln growth and ``L(T)``, and the slope of the growth in ``H`` (the causal test of the law the
    regression over coasts reads; across coasts ``H`` and ``ln ell`` are correlated)."""
    T, grid, stored = _setup(path)
    coef = np.array(_as_start("heavy-ball", stored["controls"], T))
    s2 = grid.model.sigma**2
    s, e = max(coasts(coef, 10), key=lambda se: se[1] - se[0])
    rows = []
    for f in factors:
        c = coef.copy()
        c[1, s:e] *= f
        L = loss_path(grid, c)
        S = L[s : min(e + AFTER, T) + 1].max()
        rows.append((f * coef[1, s:e].sum(), math.log((S + s2) / (L[s] + s2)), L[-1]))
    r = np.array(rows)
    print(f"| {T} | [{s}, {e}) | " + ", ".join(f"{v:.2f}" for v in r[:, 0]) + " | "
          + ", ".join(f"{v:.2f}" for v in r[:, 1]) + f" | {np.polyfit(r[:, 0], r[:, 1], 1)[0]:.3f} | "
          + ", ".join(f"{v:.4f}" for v in r[:, 2]) + " |")  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--min", type=int, default=10, help="shortest coast counted")
    ap.add_argument("--show", type=int, default=200, help="shortest coast printed")
    args = ap.parse_args(argv)
    allrows, summary = [], []
    for path in args.files:
        T, LT, tau, rows, shown = horizon(path, args.min, args.show)
        a, b = _setup(path)[1].model.a, _setup(path)[1].model.b
        allrows += rows
        print(
            f"\n## T = {T}: L {LT:.7f}, tau {tau:.4g} = {tau / T:.2f} T, {len(rows)} coasts >= {args.min}\n"
        )
        print("| start | ell | H = sum h | Q (clock added) | Q / (ell H) | ln growth | spike S | max rho / T |\n"
              "|---|---|---|---|---|---|---|---|")  # fmt: skip
        for _, ell, H, Q, g, S, s, rmax in shown:
            print(
                f"| {s} | {ell} | {H:.3g} | {Q:.4g} | {Q / (ell * H):.3f} | {g:.2f} | {S:.3g} | {rmax / T:.3f} |"
            )
        big = max(rows, key=lambda r: r[5])
        Qsum = sum(r[3] for r in rows)
        summary.append((T, tau / T, Qsum / tau, max(r[2] for r in rows), big[5],
                        big[5] / tau ** ((2 * b - a) / b), big[4]))  # fmt: skip
    print("\n| T | tau / T | share of tau in coasts | largest H | largest spike S | S / tau^((2b-a)/b) | "
          "its ln growth |\n|---|---|---|---|---|---|---|")  # fmt: skip
    for T, tt, share, Hm, S, ratio, g in summary:
        print(f"| {T} | {tt:.2f} | {share:.3f} | {Hm:.3g} | {S:.3g} | {ratio:.3g} | {g:.2f} |")
    H = np.array([r[2] for r in allrows])
    g = np.array([r[4] for r in allrows])
    slope, icpt = np.polyfit(H, g, 1)
    resid = g - (slope * H + icpt)
    Ts = np.array([r[0] for r in allrows])
    print("mean residual by horizon (a trend would mean a constant that moves with T): "
          + ", ".join(f"{T}: {resid[Ts == T].mean():+.2f}" for T in sorted(set(Ts.tolist()))))  # fmt: skip
    print(
        f"\nall {len(allrows)} coasts: ln growth = {slope:.4f} H + {icpt:.3f} (rms residual "
        f"{resid.std():.3f}; 1/slope = {1 / slope:.3g})"
    )
    if len(summary) > 2:
        _growth(summary)
    ell = np.log([r[1] for r in allrows])
    X = np.c_[H, ell, np.ones_like(H)]
    c, *_ = np.linalg.lstsq(X, g, rcond=None)
    print(f"ln growth = {c[0]:.3f} H + {c[1]:.3f} ln ell {c[2]:+.3f} (rms {(g - X @ c).std():.3f}; "
          f"corr(H, ln ell) {np.corrcoef(H, ell)[0, 1]:.2f})")  # fmt: skip
    print("\n| T | largest coast | H (rates x 0.8, 0.9, 1, 1.1) | ln growth | slope in H at fixed ell | "
          "L(T) |\n|---|---|---|---|---|---|")  # fmt: skip
    for path in args.files:
        scaled_growth(path)


def _growth(summary) -> None:
    """Least-squares fits over the horizons of ``tau / T``, the largest ``H`` and the largest
    spike: a power of ``T`` against linear in ``ln T``, with their relative rms residuals."""
    lt = np.log([s[0] for s in summary])
    for name, col in (("tau / T", 1), ("largest H", 3), ("largest spike", 4)):
        v = np.array([s[col] for s in summary])
        p, c = np.polyfit(lt, np.log(v), 1)
        rp = np.exp(c + p * lt) / v - 1
        sl, ic = np.polyfit(lt, v, 1)
        rl = (ic + sl * lt) / v - 1
        local = np.diff(np.log(v)) / np.diff(lt)
        print(
            f"{name}: power fit T^{p:.3f} (rms {rp.std():.2e}; local powers {local[0]:.3f} -> "
            f"{local[-1]:.3f}); linear in ln T: {sl:.3f} ln T {ic:+.2f} (rms {rl.std():.2e})"
        )


if __name__ == "__main__":
    main()
