"""Per-step momentum optimum against the long-run family optimum (issue 13): what differs.

    python -m benchmarks.momentum_per_step_compare --form nesterov --T 1000 \
        --start benchmarks/results/momentum_longrun_nesterov_1.3_2.75.json --maxiter 2000 \
        --scaling value --out /tmp/ps_nesterov_1e3.npz

Runs :func:`solvers.control.momentum_per_step.solve_per_step` from the family optimum at ``T``
(as :mod:`benchmarks.momentum_per_step_kkt`), prints the loss, the KKT residuals, iterations and
CPU seconds, and a table of ``eta_t``, ``zeta_t``, ``beta_t`` and the slow (effective) rate
``eta_t + zeta_t / (1 - beta_t)`` of both schedules at ``t = 1, 10, 100, ..., T`` (per-step
values averaged over the steps ``[t / sqrt(10^0.5), t sqrt(10^0.5)]``, the whole of a noisy
per-step schedule's local level). ``--out`` stores both schedules (``npz``) for the figure
(:mod:`benchmarks.momentum_per_step_figure`).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from benchmarks.momentum_per_step_kkt import _start
from solvers.control.momentum_per_step import solve_per_step
from solvers.dynamics.modes import ModeGrid


def _rows(form: str, coef) -> np.ndarray:
    """``(eta, zeta, beta, slow rate)`` per step of the coefficients ``(alpha, gamma, beta, q)``."""
    al, ga, bt, _ = (np.asarray(c, float) for c in coef)
    if form == "sgd":
        return np.array([al, 0 * al, 0 * al, al])
    with np.errstate(divide="ignore"):
        return np.array([al, ga, bt, al + ga / (1.0 - bt)])


def _family_loss(grid, form, start) -> float:
    return solve_per_step(grid, form, len(start[0]), start, maxiter=1).start_loss


def _window_means(rows: np.ndarray, T: int) -> list[tuple[int, np.ndarray]]:
    out = []
    for e in range(int(math.log10(T)) + 1):
        t = 10**e
        lo, hi = max(1, int(t / 10**0.25)), min(T, math.ceil(t * 10**0.25))
        out.append((t, rows[:, lo - 1 : hi].mean(axis=1)))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--form", default="nesterov", choices=("sgd", "nesterov"))
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--start", required=True)
    ap.add_argument("--exact", type=int, default=32)
    ap.add_argument("--ratio", type=float, default=1.3)
    ap.add_argument("--maxiter", type=int, default=2000)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--scaling", default="value", choices=("box", "value"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--resume", default=None,
                    help="an npz of an earlier run: continue from its per-step controls (the "
                    "family schedule, the table's reference, still from --start)")  # fmt: skip
    args = ap.parse_args(argv)
    model, start = _start(args.start, args.form, args.T)
    grid = ModeGrid.from_model(model, exact=args.exact, ratio=args.ratio)
    first = start
    if args.resume:
        first = tuple(np.load(args.resume)["per_step"])
    c0, w0 = time.process_time(), time.perf_counter()
    r = solve_per_step(grid, args.form, args.T, first, tol=args.tol, maxiter=args.maxiter,
                       scaling=args.scaling)  # fmt: skip
    fam = _family_loss(grid, args.form, start)
    print(f"{args.form} T={args.T} states={grid.lam.size} scaling={args.scaling} "
          f"family L {fam:.6e}: L {r.start_loss:.6e} -> {r.loss:.6e} "
          f"(family/per-step {fam / r.loss:.4f}) "
          f"kkt sum {r.kkt_residual:.2e} max {r.kkt_max:.2e} status {r.status} "
          f"it {r.iterations} cpu {time.process_time() - c0:.0f}s "
          f"wall {time.perf_counter() - w0:.0f}s", flush=True)  # fmt: skip
    one = np.ones(args.T)
    ps = (r.controls[0], 0 * one, 0 * one, one) if args.form == "sgd" else (*r.controls, one)
    fam_rows, ps_rows = _rows(args.form, start), _rows(args.form, ps)
    print("\n| t | eta fam / per-step | zeta fam / per-step | beta fam / per-step | "
          "slow rate fam / per-step |\n|---|---|---|---|---|")  # fmt: skip
    for (t, f), (_, p) in zip(_window_means(fam_rows, args.T), _window_means(ps_rows, args.T),
                              strict=True):  # fmt: skip
        print(f"| {t} | " + " | ".join(f"{f[i]:.4g} / {p[i]:.4g}" for i in range(4)) + " |")
    if args.out:
        np.savez(args.out, family=np.array(start), per_step=np.array(ps), loss=r.loss,
                 start_loss=r.start_loss, family_loss=fam, family_file=args.start, kkt=r.kkt_residual, kkt_max=r.kkt_max,
                 a=model.a, b=model.b, T=args.T, form=args.form)  # fmt: skip


if __name__ == "__main__":
    main()
