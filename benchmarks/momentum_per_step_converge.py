"""Per-step momentum control converged (issue 13): every form, several horizons, one table.

    nice -n 10 python -m benchmarks.momentum_per_step_converge --forms sgd,ema,heavy-ball,nesterov \
        --T 1000,10000 --maxiter 4000

For each form and horizon: :func:`solvers.control.momentum_per_step.solve_per_step` (exact moment
recursion, exact adjoint) from the long-horizon family optimum of that form at ``T`` (the JSON
files of :mod:`benchmarks.momentum_longrun`, expanded per step as in
:mod:`benchmarks.momentum_per_step_kkt`), with the multilevel L-BFGS-B + truncated Newton method (``--method newton``)
or with the projected Newton finish (``--method pnewton``: exact Hessian diagonal, coarse-block
balancing preconditioner, ``--blocks`` per control row), or the older single-level run
(``--method box`` / ``value``). Prints one markdown row per solve:
iterations, the KKT residual (box-scaled projected gradient of ``log L(T)``, summed and
largest), the family's and the per-step ``L(T)`` and their gap, CPU and wall seconds, status;
and the phases of a Newton solve. ``--out`` stores the per-step controls (``npz``). A horizon
that the family files do not hold (e.g. 3000) starts from the next stored one above, stretched
in relative time. ``--trust`` / ``--forcing-norm l1`` select the projected Newton variants of
2026-12-01e; after each projected Newton solve a comment line counts its CG exits (negative
curvature, forcing test, product limit, trust-region boundary), ``--trace`` stores them.
``--method cr-finish`` continues a stopped solve (``--resume``) by Newton with conjugate
residuals (:mod:`solvers.control._newton_cr`: the finish that converged EMA at 3e4, 2026-12-02s23).
``--from-ema PREFIX`` starts heavy ball from the EMA solve ``PREFIX_ema_T.npz`` by the exact map
of :mod:`solvers.control.momentum_maps` (2026-12-01i).
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from benchmarks.momentum_per_step_kkt import _as_start, _start
from solvers.control import momentum_per_step
from solvers.control.momentum_maps import ema_to_heavy_ball
from solvers.control.momentum_per_step import (
    BETA_MAX,
    form_loss_and_gradient,
    solve_per_step,
    stretched_start,
)
from solvers.dynamics.modes import ModeGrid

#: The family optimum of each form at (1.3, 2.75) (benchmarks/results/momentum.md).
STARTS = {
    "sgd": "benchmarks/results/momentum_longrun_sgd_1.3_2.75.json",
    "ema": "benchmarks/results/momentum_longrun_hb_ema_1.3_2.75.json",
    "heavy-ball": "benchmarks/results/momentum_longrun_hb_ema_1.3_2.75.json",
    "nesterov": "benchmarks/results/momentum_longrun_nesterov_1.3_2.75.json",
}


def _family_start(form: str, T: int):
    """``(model, start)``: the stored family optimum at ``T``, or, at a horizon not stored, the
    one at the next stored horizon above stretched to ``T`` (:func:`stretched_start`)."""
    with open(STARTS[form]) as fh:
        stored = sorted(s["T"] for s in json.load(fh)["solves"] if s["form"] == form)
    T0 = next(t for t in stored if t >= T)
    model, start = _start(STARTS[form], form, T0)
    if T0 != T:
        rows = {"nesterov": (0, 1, 2), "heavy-ball": (1, 2), "ema": (1, 2), "sgd": (0,)}[form]
        start = stretched_start(form, np.array([start[i] for i in rows]), T)
    return model, start


def _from_ema(prefix: str, T: int, grid: ModeGrid):
    """Heavy ball's start: the EMA controls ``PREFIX_ema_T.npz`` mapped exactly
    (:func:`ema_to_heavy_ball`), the frictions clipped to ``BETA_MAX``; prints the losses."""
    ema = np.load(f"{prefix}_ema_{T}.npz")["controls"]
    hb = ema_to_heavy_ball(ema)
    clipped = np.array([hb[0], np.minimum(hb[1], BETA_MAX)])
    losses = [math.exp(form_loss_and_gradient(grid, np.array(_as_start(f, u, T)))[0])
              for f, u in (("ema", ema), ("heavy-ball", hb), ("heavy-ball", clipped))]  # fmt: skip
    print(f"<!-- from EMA {prefix}: L ema {losses[0]:.12f}, mapped {losses[1]:.12f}, clipped "
          f"{losses[2]:.12f} ({int((hb[1] > BETA_MAX).sum())} frictions above BETA_MAX, "
          f"largest {hb[1].max():.6g}) -->", flush=True)  # fmt: skip
    return _as_start("heavy-ball", clipped, T)


def _row(form: str, T: int, method: str, maxiter: int, args) -> str:
    model, start = _family_start(form, T)
    grid = ModeGrid.from_model(model, exact=args.exact, ratio=args.ratio)
    family = solve_per_step(grid, form, T, start, maxiter=1).start_loss  # before any --resume
    if args.resume:  # continue from the per-step controls of an earlier run (--out)
        start = _as_start(form, np.load(f"{args.resume}_{form}_{T}.npz")["controls"], T)
    if args.stretch:  # continuation in T: an earlier optimum at a shorter horizon, stretched
        prefix, T0 = args.stretch.rsplit(":", 1)
        stretched = stretched_start(form, np.load(f"{prefix}_{form}_{T0}.npz")["controls"], T)
        if args.cap_by_family:  # the rates no higher than the family's (a stretched optimum
            # can be unstable: SGD's 1e4 optimum stretched to 1e5 diverges, 2026-12-01e)
            capped = 3 if args.cap_friction else 2  # rows (alpha, gamma[, beta])
            stretched[:capped] = np.minimum(
                stretched[:capped], np.asarray(start[:capped], dtype=float)
            )
        start = stretched
    if args.from_ema:  # heavy ball from an EMA solve by the exact map (2026-12-01i)
        start = _from_ema(args.from_ema, T, grid)
    c0, w0 = time.process_time(), time.perf_counter()
    r = solve_per_step(grid, form, T, start, tol=args.tol, maxiter=maxiter,
                       scaling="value" if method == "value" else args.scaling,
                       method=method if method not in ("box", "value") else "lbfgsb")  # fmt: skip
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if args.out:
        np.savez_compressed(f"{args.out}_{form}_{T}.npz", controls=r.controls, loss=r.loss,
                 family_loss=family, kkt=r.kkt_residual, status=r.status)  # fmt: skip
    levels = " ".join(f"{K}:{it}it/{kkt:.1e}" for K, it, kkt, _ in r.levels)
    return (f"| {form} | {T} | {method} | {r.iterations} | {r.kkt_residual:.2e} | "
            f"{r.kkt_max:.1e} | {family:.6f} | {r.loss:.6f} | "
            f"{100 * (1 - r.loss / family):.2f} % | {cpu:.0f} | {wall:.0f} | "
            f"{r.status}{' converged' if r.success else ''} | {levels} |")  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", default="sgd,ema,heavy-ball,nesterov")
    ap.add_argument("--T", default="1000,10000")
    ap.add_argument(
        "--method",
        default="newton",
        choices=(
            "newton",
            "newton-finish",
            "pnewton",
            "pnewton-finish",
            "lbfgsb-finish",
            "cr-finish",
            "box",
            "value",
        ),
    )
    ap.add_argument("--maxiter", type=int, default=4000)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--scaling", default="box", choices=("box", "value", "log", "loglog"),
                    help="units of the Newton phase (--method newton); log: the friction as "
                    "log(1 - beta) in every phase; loglog: the rates as log(eta) too")  # fmt: skip
    ap.add_argument("--exact", type=int, default=32)
    ap.add_argument("--ratio", type=float, default=1.3)
    ap.add_argument("--out", default=None, help="prefix of npz files of the per-step controls")
    ap.add_argument("--resume", default=None,
                    help="prefix of npz files (--out) of an earlier run to continue from (the block "
                    "levels of --method newton run again, on its block means)")  # fmt: skip
    ap.add_argument("--stretch", default=None,
                    help="PREFIX:T0 — start from the controls PREFIX_form_T0.npz (--out) of a "
                    "shorter horizon stretched in relative time (stretched_start)")  # fmt: skip
    ap.add_argument("--cap-by-family", action="store_true",
                    help="with --stretch: rates capped by the family's at T")  # fmt: skip
    ap.add_argument("--cap-friction", action="store_true",
                    help="with --cap-by-family: the frictions capped by the family's too")  # fmt: skip
    ap.add_argument("--beta-max", type=float, default=None,
                    help="the frictions' upper bound in place of BETA_MAX (above 1: anti-friction "
                    "steps allowed — a different problem; box or value units only)")  # fmt: skip
    ap.add_argument("--from-ema", default=None,
                    help="PREFIX — heavy ball from the EMA controls PREFIX_ema_T.npz (--out), mapped "
                    "exactly (solvers.control.momentum_maps), frictions clipped to BETA_MAX")  # fmt: skip
    ap.add_argument("--blocks", type=int, default=None,
                    help="coarse blocks per control row of --method pnewton (0: Jacobi only)")  # fmt: skip
    ap.add_argument("--trust", action="store_true",
                    help="--method pnewton: Steihaug-Toint CG in a trust region")  # fmt: skip
    ap.add_argument("--forcing-norm", default="l2", choices=("l2", "l1"),
                    help="--method pnewton: the norm of CG's forcing test")  # fmt: skip
    ap.add_argument("--max-step", type=float, default=None,
                    help="--method pnewton: each direction component clipped to this (scaled units)")  # fmt: skip
    ap.add_argument("--curvature", action="store_true",
                    help="--method pnewton: add CG's negative-curvature direction to the step")  # fmt: skip
    ap.add_argument("--trace", default=None,
                    help="--method pnewton: JSON file of the per-iteration trace (CG exits)")  # fmt: skip
    args = ap.parse_args(argv)
    if args.beta_max is not None:  # route (c) of 2026-12-01 perstep14: a different problem
        if args.beta_max >= 1.0 and args.scaling in ("log", "loglog"):
            ap.error("--beta-max >= 1 needs --scaling box or value (log(1 - beta) is undefined)")
        momentum_per_step.BETA_MAX = args.beta_max
    if args.blocks is not None:
        momentum_per_step.PNEWTON_BLOCKS = args.blocks
    trace: list = []
    momentum_per_step.PNEWTON_OPTIONS = {"trust": args.trust, "forcing_norm": args.forcing_norm,
                                         "trace": trace, "max_step": args.max_step,
                                         "curvature": args.curvature}  # fmt: skip
    print("| form | T | method | iterations | KKT sum | KKT max | L family | L per-step | "
          "per-step below family | CPU s | wall s | status | levels (blocks:iterations/KKT) |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)  # fmt: skip
    for T in (int(float(t)) for t in args.T.split(",")):
        for form in args.forms.split(","):
            print(_row(form, T, args.method, args.maxiter, args), flush=True)
            exits = {}
            for it in trace:
                exits[it["exit"]] = exits.get(it["exit"], 0) + 1
            print(f"<!-- {form} {T}: {len(trace)} Newton iterations, CG exits {exits} -->")
            if args.trace:
                with open(f"{args.trace}_{form}_{T}.json", "w") as fh:
                    json.dump(trace, fh)
            trace.clear()


if __name__ == "__main__":
    main()
