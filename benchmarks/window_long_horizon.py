"""The hard window's default sweep continued 100x past the default cap, read by rules v2, v3, v4
at both horizons (issue 12; benchmarks/results/claims.md, 2026-12-01s17 (long17)).

The default run's optimal sweep (``optlr validate --a A --b B``: its horizons, solver options and
cache) continued over the half-decades up to ``--t-max`` (default 1e17; past ``2**53`` on the
grid of :func:`solvers.dynamics.grid_offsets`), each horizon warm-started from the last two as
the sweep does, without a CPU budget; then the window claim evaluated on the default horizons
(``T_max`` = the default cap, 1e15 at the hard points) and on the long sweep, with each of

* ``v2`` — the window rows' rule (``WINDOW_FIT``, the default);
* ``v3`` — v2 with ``span = 1.5`` and ``refute`` (window_2026-12-03/PROTOCOL.md);
* ``v4`` — v3 with the window-sensitivity scheme ``derived (half)`` (PROTOCOL_v4.md),

and, for v4, the half scheme's difference from the fit over the whole sequence against its
standard error (window16b's test of a window effect). Per horizon solved: CPU, KKT, cells.

Usage::

    python -m benchmarks.window_long_horizon --a 3 --b 3.5 --cache-dir DIR [--t-max 1e17]
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace
from unittest import mock

import numpy as np
from scipy import stats

from benchmarks.hard_point_budget import default_context
from solvers.analysis import extrapolate as X
from solvers.analysis._window import _embed
from solvers.claims import catalog
from solvers.claims._hard_sweep import hard_sweep_options
from solvers.claims.core import evaluate_claim
from solvers.claims.validate import _half_decades, default_horizons
from solvers.control.optimal_sweep import optimal_continuum_sweep

NAME = "hard annealing window"
RULES = {
    "v2": {},
    "v3": {"span": 1.5, "refute": True},
    "v4": {"span": 1.5, "refute": True, "window": "half"},
}


def half_difference(result) -> dict:
    """v4's ``derived (half)`` against ``derived`` on the claim's sequence: the values, their
    difference ``d``, its standard error and the t quantile it is tested against."""
    d = result.measurement.diagnostics
    x, s = (np.asarray(d["sequence_input"][k]) for k in ("x", "s"))
    fits = X._schemes(x, s, sorted(d["omegas"]), d["extrapolation_options"])
    whole, half = fits["derived"], fits["derived (half)"]
    sigma = whole.fit / math.sqrt(whole.row @ whole.row)
    se = sigma * np.linalg.norm(
        _embed(half.row, half.sl, s.size) - _embed(whole.row, whole.sl, s.size)
    )
    return {"half": half.value, "whole": whole.value, "d": half.value - whole.value, "se": se,
            "crit": float(stats.t.ppf(0.975, whole.det[1])), "values": half.sl.stop - half.sl.start}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--cache-dir", required=True)
    p.add_argument("--t-max", type=float, default=1e17)
    opt = p.parse_args()
    model, ctx = default_context(opt.a, opt.b, NAME, opt.cache_dir)
    claim = catalog.CLAIMS[NAME]
    short, long = default_horizons(model, claim), _half_decades(opt.t_max)
    options = {**hard_sweep_options(model), **ctx.solver_options}
    t0 = time.process_time()
    sol = optimal_continuum_sweep(model, long, cache_dir=opt.cache_dir, **options)
    for T, r in zip(long, sol, strict=True):
        if T > short[-1]:
            print(f"T = {T:.4g}: {r.diagnostics['cpu_seconds']:.1f} s CPU (solve), KKT "
                  f"{r.kkt_residual:.2g}, {r.eta.size} cells, L {r.final_loss:.9g}", flush=True)  # fmt: skip
    print(f"sweep to {long[-1]:.3g}: {time.process_time() - t0:.1f} s CPU here", flush=True)
    ctx.memo[("optimal", model)] = dict(zip(long, sol, strict=True))
    for rule, fields in RULES.items():
        fit = replace(catalog.WINDOW_FIT, **fields)
        for Ts in (short, long):
            t0 = time.process_time()
            with mock.patch.object(catalog, "WINDOW_FIT", fit):
                r = evaluate_claim(claim, model, Ts, ctx)
            e = r.measurement.extrapolation
            print(f"{rule} T_max {Ts[-1]:.3g}: {r.measured:.5f} (hw {r.resolution:.4f}) "
                  f"{r.verdict.split(':')[0]}; primary {e.primary}; last slopes "
                  f"{np.round(e.slopes[-4:], 5).tolist()} [{time.process_time() - t0:.1f} s CPU]",
                  flush=True)  # fmt: skip
            if rule == "v4":
                h = half_difference(r)
                print(f"    half ({h['values']} values) {h['half']:.5f} - whole {h['whole']:.5f} = "
                      f"{h['d']:+.4f}, se {h['se']:.4f}, t {abs(h['d']) / h['se']:.2f} against "
                      f"{h['crit']:.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
