"""Where the default run's optimal sweep spends its CPU (issue 12: reach per CPU second).

The continued continuum sweep of ``optlr validate --a A --b B`` (sigma 0.5, batch 1, the
default run's mode count for its longest horizon, the polishing step in the hard phase), solved
horizon by horizon without a cache and, unless ``--budget`` is given, without the CPU budget.
Per horizon: process CPU seconds in all and in the Newton Hessians' columns, L-BFGS-B
iterations, Newton steps, Hessians, full gradient passes and Hessian columns, intervals ``J``
and mode nodes ``n``, the scaled KKT residual, the solve's ``work`` in reference seconds (what
the budget spends) and ``L(T)`` (all digits, to compare two versions of the solver). Last, the
fit ``CPU = alpha x work + beta`` over the solves (the budget's ``SECONDS_PER_WORK`` and
``SECONDS_PER_SOLVE``). With ``--columns`` it measures instead the cost of one Hessian column
(``COLUMN_WORK``) against a full gradient pass on a few problems. Results:
``benchmarks/results/longrun.md`` and ``claims.md`` (2026-11-30q).

Usage::

    python benchmarks/bench_default_sweep.py --a 1.5 --b 3 [--T-max 1e13] [--budget 150]
    python benchmarks/bench_default_sweep.py --columns
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import solvers.control._continuum_optimise as _optimise
import solvers.control.optimal_sweep as _sweep
from solvers.claims import CLAIMS
from solvers.claims.validate import default_horizons, horizons
from solvers.control import optimal_continuum_sweep
from solvers.control.optimal_sweep import solve_cost
from solvers.dynamics import build_problem
from theory import PLRFModel, modes_for_horizon


def _instrument(rows: list) -> None:
    """Record every solve of the sweep in ``rows``: ``(result, CPU s, Hessian CPU s)``."""
    build, solve = _optimise._newton_model, _sweep.solve_continuum
    clock = [0.0]

    def timed_build(*args, **kwargs):
        t0 = time.process_time()
        try:
            return build(*args, **kwargs)
        finally:
            clock[0] += time.process_time() - t0

    def timed_solve(*args, **kwargs):
        clock[0] = 0.0
        t0 = time.process_time()
        r = solve(*args, **kwargs)
        rows.append((r, time.process_time() - t0, clock[0]))
        _print_row(*rows[-1])
        return r

    _optimise._newton_model, _sweep.solve_continuum = timed_build, timed_solve


def _print_row(r, cpu: float, hessian_cpu: float) -> None:
    d = r.diagnostics
    cols = d["hessian_columns"]
    print(f"| {r.T:.3g} | {cpu:.2f} | {hessian_cpu:.2f} | {d['lbfgs_iterations']} | "
          f"{d['newton_iterations']} | {d['hessians']} | {r.n_evaluations - cols} | {cols} | "
          f"{r.eta.size} | {d['n_quadrature']} | {r.kkt_residual:.1e} | {solve_cost(r):.2f} | "
          f"{r.final_loss!r} |", flush=True)  # fmt: skip


def sweep_table(a: float, b: float, T_max: float | None, budget: float | None) -> None:
    """The per-horizon table of the default run's sweep at ``(a, b)`` and the budget's fit."""
    probe = PLRFModel(a, b, sigma=0.5, n_modes=10**12)
    Ts = default_horizons(probe, CLAIMS["hard optimal loss" if a <= b else "xi"])
    if T_max is not None:
        n = round(2 * math.log10(T_max / 100))
        Ts = horizons(100, 100 * 10 ** (n / 2), n + 1)
    modes = max(10**12, modes_for_horizon(a, b, max(Ts), probe.eta_max, 1e-3))
    model = PLRFModel(a, b, sigma=0.5, n_modes=modes)
    print(f"(a, b) = ({a}, {b}), n_modes = {modes:.3g}, T = {Ts[0]:g} .. {Ts[-1]:g}, "
          f"budget {budget} reference s\n")  # fmt: skip
    print("| T | CPU s | Hessian CPU s | L-BFGS it | Newton | Hessians | passes | columns | J | n "
          "| KKT | ref s | L(T) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows: list = []
    _instrument(rows)
    t0 = time.process_time()
    optimal_continuum_sweep(model, Ts, cpu_budget=budget, polish=a <= b)
    total = time.process_time() - t0
    work = np.array([r.diagnostics["work"] for r, _, _ in rows])
    cpu = np.array([c for _, c, _ in rows])
    (alpha, beta), *_ = np.linalg.lstsq(np.c_[work, np.ones(work.size)], cpu, rcond=None)
    ref = sum(solve_cost(r) for r, _, _ in rows)
    print(f"\n{len(rows)} horizons, CPU {total:.1f} s, {ref:.1f} reference s; fit CPU = "
          f"{alpha * 1e9:.1f} ns x work + {beta:.2f} s per solve")  # fmt: skip


def column_cost() -> None:
    """One Hessian column against one full gradient pass (``COLUMN_WORK``)."""
    print(
        "| (a, b) | T | J | n | pass ms | column ms | column / pass |\n|---|---|---|---|---|---|---|"
    )
    for a, b, T, N in [(1.5, 3, 1e4, 1e12), (1.5, 3, 1e8, 1e12), (1.5, 3, 1e12, 1e12),
                       (1.2, 4, 1e6, 2.5e17), (4, 3.5, 1e10, 1e12)]:  # fmt: skip
        model = PLRFModel(a, b, sigma=0.5, n_modes=int(N))
        prob = build_problem(model, T, None, 1.1, 0.01, 2, "discrete", 64, 4, 4)
        J = prob.h.size
        eta = prob.upper * 0.5 * (1 - np.linspace(0, 0.999, J)) ** 2
        cols, steps = np.arange(J), 1e-6 * eta
        prob.perturbed_grads(eta, cols[:2], steps[:2])  # compile outside the clock
        best_c = best_p = math.inf
        for _ in range(3):
            t0 = time.process_time()
            prob.perturbed_grads(eta, cols, steps)
            t1 = time.process_time()
            for _ in range(20):
                prob.value_grad(eta)
            t2 = time.process_time()
            best_c, best_p = min(best_c, t1 - t0), min(best_p, (t2 - t1) / 20)
        col = (best_c - best_p) / J
        print(f"| ({a}, {b}) | {T:g} | {J} | {prob.quad.size} | {best_p * 1e3:.2f} | "
              f"{col * 1e3:.3f} | {col / best_p:.3f} |")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, default=1.5)
    p.add_argument("--b", type=float, default=3.0)
    p.add_argument("--T-max", type=float, default=None, help="default: the default run's")
    p.add_argument("--budget", type=float, default=None, help="reference s (default: none)")
    p.add_argument("--columns", action="store_true", help="measure COLUMN_WORK instead")
    args = p.parse_args()
    if args.columns:
        column_cost()
    else:
        sweep_table(args.a, args.b, args.T_max, args.budget)


if __name__ == "__main__":
    main()
