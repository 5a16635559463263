"""The default hard-window claim evaluated in-process on a default run's stored optima.

Reads the optima of a default ``optlr validate --claim "hard annealing window" --cache-dir DIR``
run (any code version: the entries are read, not looked up by key; see
``window_resolve_variants.cached_optima``), evaluates the claim on them with this tree's code,
so the budget's grid and mode terms re-solve the last two horizons as a default run would, and
prints the value, half-width, verdict, the two terms and the CPU of the refined re-solves::

    python -m benchmarks.window_claim_on_cache --a 3 --b 3.5 --cache-dir DIR

Used to compare the grid term's refinement rules on one sweep (benchmarks/results/claims.md,
2026-12-01s19 (win19)): the sweep is the same, only the re-solves the budget asks for differ.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.window_resolve_variants import cached_optima
from solvers.claims.catalog import CLAIMS
from solvers.claims.core import ExperimentContext, evaluate_claim
from solvers.claims.easy_layer import refined_grid
from solvers.claims.readouts import annealing_width
from solvers.claims.validate import default_horizons
from theory import PLRFModel


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--cache-dir", required=True)
    args = p.parse_args()
    model = PLRFModel(args.a, args.b, n_modes=10**12)  # the default run's model
    sol = cached_optima(args.cache_dir)
    claim = CLAIMS["hard annealing window"]
    Ts = [T for T in default_horizons(model, claim) if T in sol]
    ctx = ExperimentContext(sweep=lambda *_, **__: 1 / 0)  # every optimum is stored
    ctx.memo[("optimal", model)] = sol
    for T in Ts[-2:]:
        c = annealing_width(sol[T], T) / T
        print(f"T = {T:.3g}: crossing {c:.4f} T, refined grid {refined_grid(1.1, 0.01, c)}")
    c0, w0 = time.process_time(), time.perf_counter()
    r = evaluate_claim(claim, model, Ts, ctx)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    for key in ("refined grid", "refined modes"):
        for T, f in sorted(ctx.memo.get((key, model), {}).items()):
            print(f"  {key} T = {T:.3g}: {len(f.eta)} cells, "
                  f"{f.diagnostics.get('cpu_seconds', float('nan')):.1f} s CPU, "
                  f"KKT {f.kkt_residual:.2g}, success {f.success}")  # fmt: skip
    d = r.measurement.diagnostics
    budget = {k: float(f"{v:.3g}") for k, v in r.measurement.extrapolation.budget.items()}
    print(f"({args.a:g}, {args.b:g}) T_max {Ts[-1]:.3g}: {r.measured:.5f} (half-width "
          f"{r.resolution:.4f}) {r.verdict.split(':')[0]}; grid term {d['grid_error']:.3g}, "
          f"mode term {d['mode_error']:.3g}; budget {budget}; {cpu:.1f} s CPU, {wall:.0f} s wall")  # fmt: skip


if __name__ == "__main__":
    main()
