"""Do the error budgets of the two default ``disagrees`` at (1.5, 4) cover the real error?

(benchmarks/results/claims.md, 2026-12-01z (diag14); issue 12.)

``constant``: the ``optimal constant loss`` claim as ``optlr validate`` runs it, then the last
eight horizons' losses on finer tail bins (ratio 1.1 -> 1.1^(1/2), 1.1^(1/4), same exact modes)
and re-tuned with Brent's tolerance 1e-6 instead of 1e-3; each variant re-read by the claim's own
pipeline (feedback division, derived corrections). ~10 s CPU with a warm theory cache.

``window``: the ``hard annealing window`` claim on the default sweep (``--cache-dir`` reuses a
default run's optima), then the last ``--refine`` horizons re-solved from their optima on the
time grid :func:`solvers.claims.easy_layer._refined` uses (cells 2x shorter, ratio step halved),
with the sweep's own options (polish, ``HARD_SWEEP_TOL``, the grid anchored to ``omega_0``);
``--twice`` refines once more. ~60 s CPU for 10 horizons, plus the sweep if not cached.

    python benchmarks/hard_point_budget.py constant
    python benchmarks/hard_point_budget.py window --cache-dir DIR --refine 10 [--twice]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import solvers.cli.validate as CV
from solvers.claims.catalog import CLAIMS
from solvers.claims.constant_rate import front_exact_modes, subtract_feedback
from solvers.claims.core import (
    ExperimentContext,
    _exponent_measurement,
    _with_corrections,
    evaluate_claim,
)
from solvers.claims.easy_layer import _refined
from solvers.claims.validate import (
    HARD_SWEEP_TOL,
    default_horizons,
    validate,
    window_width_exponent,
)
from solvers.cli.main import build_parser
from solvers.control.continuum import ContinuumOptions
from solvers.dynamics import ModeGrid
from solvers.dynamics.modes import constant_rate_loss
from solvers.schedules.tuning import tune_constant


def default_context(a: float, b: float, claim: str, cache_dir: str | None):
    """The model and context ``optlr validate --a A --b B --claim CLAIM`` builds."""
    argv = ["validate", "--a", str(a), "--b", str(b), "--claim", claim]
    args = build_parser().parse_args(argv + (["--cache-dir", cache_dir] if cache_dir else []))
    for k in CV.QUICK:
        if getattr(args, k) is None:
            setattr(args, k, CV.SWEEP_DEFAULTS[k])
    args.modes = CV._default_modes(args, None)
    return CV.model_from_args(args, dense=False), CV._context(args, True)


def show(tag: str, e, n: int = 8) -> None:
    budget = {k: f"{v:.2e}" for k, v in e.budget.items()}
    print(f"{tag}: {e.value:.10g} hw {e.halfwidth:.2e} budget {budget}")
    print("   schemes", {k: f"{v:.10g}" for k, v in e.schemes.items()})
    print("   last slopes", " ".join(f"{s:.9f}" for s in e.slopes[-n:]), flush=True)


def constant(a: float, b: float) -> None:
    name = "optimal constant loss"
    model, ctx = default_context(a, b, name, None)
    claim = CLAIMS[name]
    r = validate(model, None, claims=[name], ctx=ctx)[0]
    print(f"claim: {r.verdict}")
    show("as run", r.measurement.extrapolation)
    (res,) = [v for k, v in ctx.memo.items() if isinstance(k, tuple) and k[0] == "constant"]
    res = [x for x in res if not x.at_bound]
    Ts, etas = [x.T for x in res], [x.params["eta0"] for x in res]
    ys = [x.final_loss for x in res]

    def read(etas_, ys_):
        diag: dict = {}
        T2, y2 = subtract_feedback(model, Ts, etas_, ys_, "loss", diag)
        m = _exponent_measurement(T2, y2, diagnostics=diag)
        return _with_corrections(m, claim, model).extrapolation

    n, exact = 8, front_exact_modes(model, max(Ts))
    for p in (0.5, 0.25):
        grid = ModeGrid.from_model(model, exact=exact, ratio=1.1**p)
        fine = [
            float(constant_rate_loss(grid, e, [T])[0])
            for e, T in zip(etas[-n:], Ts[-n:], strict=True)
        ]
        rel = (np.array(ys[-n:]) - fine) / np.array(fine)
        print(f"bins 1.1^{p}: (L_1.1 - L)/L", " ".join(f"{x:.2e}" for x in rel))
        show(f"losses on bins 1.1^{p} (no quadrature term)", read(etas, ys[:-n] + fine))
    grid = ModeGrid.from_model(model, exact=exact, ratio=1.1**0.25)
    tuned = tune_constant(model, Ts[-n:], grid=grid, xatol=1e-6)
    e2 = [x.params["eta0"] for x in tuned]
    print(
        "log eta shift",
        " ".join(f"{math.log(u / v):+.1e}" for u, v in zip(e2, etas[-n:], strict=True)),
    )
    show("bins 1.1^0.25, Brent 1e-6", read(etas[:-n] + e2, ys[:-n] + [x.final_loss for x in tuned]))


def no_solve(*args, **kwargs):
    raise RuntimeError("every horizon should be in the memo")


def window(a: float, b: float, cache_dir: str | None, n: int, twice: bool) -> None:
    name = "hard annealing window"
    model, ctx = default_context(a, b, name, cache_dir)
    claim = CLAIMS[name]
    Ts = default_horizons(model, claim)
    r0 = evaluate_claim(claim, model, Ts, ctx)
    print(f"claim: {r0.verdict}")
    show("as run", r0.measurement.extrapolation)
    sol = dict(ctx.memo[("optimal", model)])
    base = ContinuumOptions()
    opts = {"polish": True, "tol": HARD_SWEEP_TOL, "anchor_exponent": window_width_exponent(model)}
    levels = [{}] + ([{"max_interval": base.max_interval / 2, "ratio": 1 + (base.ratio - 1) / 2}]
                     if twice else [])  # fmt: skip
    y0 = np.array(r0.measurement.diagnostics["extrapolation_input"]["y"])
    for i, level in enumerate(levels, 1):
        rctx = ExperimentContext(solver_options={**opts, **level})
        t0, w0 = time.process_time(), time.time()
        sol = {**sol, **{T: _refined(model, sol[T], T, rctx) for T in Ts[-n:]}}
        print(
            f"refinement {i}: cpu {time.process_time() - t0:.1f} s, wall {time.time() - w0:.1f} s"
        )
        octx = ExperimentContext(sweep=no_solve)  # every horizon is in the memo
        octx.memo[("optimal", model)] = sol
        r = evaluate_claim(claim, model, Ts, octx)
        print(f"claim: {r.verdict}")
        show(f"last {n} refined x{i}", r.measurement.extrapolation, n)
        y = np.array(r.measurement.diagnostics["extrapolation_input"]["y"])
        print("   log(y_refined/y_default)", " ".join(f"{v:+.2e}" for v in np.log(y / y0)[-n:]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("which", choices=["constant", "window"])
    p.add_argument("--a", type=float, default=1.5)
    p.add_argument("--b", type=float, default=4.0)
    p.add_argument("--cache-dir", default=None)
    p.add_argument("--refine", type=int, default=10)
    p.add_argument("--twice", action="store_true")
    args = p.parse_args()
    t0 = time.process_time()
    if args.which == "constant":
        constant(args.a, args.b)
    else:
        window(args.a, args.b, args.cache_dir, args.refine, args.twice)
    print(f"total cpu {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
