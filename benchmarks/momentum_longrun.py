"""Long-horizon momentum exponents (issue 13): each form optimised to T = 1e9 on the log-time solver.

    python -m benchmarks.momentum_longrun --a 1.3 --b 2.75 --T 1e3,1e4,1e5,1e6,1e7,1e8,1e9 \
        --json benchmarks/results/momentum_longrun_1.3_2.75.json

Model: sigma = 0.7, batch = 4 (the study's momentum runs), 1e15 modes (log-binned: no truncation
bias at these horizons). Per form, :func:`solvers.control.momentum_longrun.solve_longrun` at each
horizon, continued from the previous one. Per solve it records the loss, the KKT residual,
iterations, evaluations, CPU and wall seconds, and the error estimates of the loss: against the
exact recursion of the same piecewise-constant schedule on the same modes (``T <= --exact-up-to``),
against a finer time grid (``ratio 1.05``, intervals <= 1 % of T) and a finer mode quadrature
(8 bins per decade, 4 points, 64 exact modes; the optimiser's: 3, 2, 32). The JSON is rewritten after every solve.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from solvers.control.momentum_longrun import (
    LongrunOptions,
    continuation_starts,
    discretisation_errors,
    kkt_residual,
    solve_longrun,
)
from solvers.dynamics.momentum_forms import general_momentum_forward
from theory import PLRFModel


def _errors(model, res, opt, exact_up_to):
    """Relative loss errors of the optimum: exact recursion, finer time grid, finer quadrature."""
    grid = opt.grid(model, res.T)
    base = grid.loss(opt.controls(res.form, res.x, grid))[0][-1]
    out = discretisation_errors(res)
    if res.T <= exact_up_to:
        al, ga, bt, qq = grid.expand(opt.controls(res.form, res.x, grid))
        q = grid.quad
        ref = np.empty(1)
        general_momentum_forward(
            q.lam, q.weight, q.c0, al, ga, bt, qq, np.full(res.T, model.inv_batch),
            model.sigma**2, np.array([res.T]), ref,
        )  # fmt: skip
        out["exact_recursion"] = abs(base / ref[0] - 1.0)
    return out


def _record(model, r, opt, args):
    """The JSON entry of a solve (with its error estimates); prints its line."""
    err = _errors(model, r, opt, args.exact_up_to)
    other = "finite-difference" if opt.gradient == "adjoint" else "adjoint"
    check = kkt_residual(r, other) if np.isfinite(r.loss) else math.inf  # the other gradient's
    print(f"{r.form:>10} T={r.T:.0e} L={r.loss:.6e} kkt={r.kkt:.1e} ({other}: {check:.1e}) "
          f"it={r.iterations} "
          f"ev={r.evaluations} ok={r.success} cpu={r.cpu_seconds:.0f}s "
          f"wall={r.wall_seconds:.0f}s err={ {k: f'{v:.1e}' for k, v in err.items()} } "
          f"x={np.round(r.x, 3).tolist()}", flush=True)  # fmt: skip
    return r.to_dict() | {"errors": err, "kkt_history": list(r.kkt_history),
                          f"kkt_{other.replace('-', '_')}": check}  # fmt: skip


def _restart(model, opt, payload, args, Ts) -> None:
    """Re-solve the unconverged solves of ``--forms`` at ``Ts`` (every one with ``--repolish``)
    from their own optimum."""
    forms = args.forms.split(",")
    for i, s in enumerate(payload["solves"]):
        if (s["success"] and not args.repolish) or s["form"] not in forms or s["T"] not in Ts:
            continue
        start = np.array(list(s["params"].values()))
        r = solve_longrun(model, s["form"], s["T"], start=start, options=opt)
        payload["solves"][i] = _record(model, r, opt, args) | {"restarted_from_kkt": s["kkt"]}
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(payload, fh, indent=1, default=float)


def _between(model, opt, payload, args, Ts) -> None:
    """Solve the horizons of ``Ts`` the payload lacks, each from its nearest shorter optimum."""
    for form in args.forms.split(","):
        have = {s["T"]: s for s in payload["solves"] if s["form"] == form}
        for T in (T for T in Ts if T not in have):
            shorter = [t for t in have if t < T]
            x = np.array(list(have[max(shorter)]["params"].values())) if shorter else None
            start = None if x is None else continuation_starts(model, form, x, opt,
                                                                ratio=T / max(shorter))  # fmt: skip
            r = solve_longrun(model, form, T, start=start, options=opt)
            payload["solves"].append(_record(model, r, opt, args))
            if args.json:
                with open(args.json, "w") as fh:
                    json.dump(payload, fh, indent=1, default=float)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=float, default=1.3)
    ap.add_argument("--b", type=float, default=2.75)
    ap.add_argument("--sigma", type=float, default=0.7)
    ap.add_argument("--batch", type=float, default=4)
    ap.add_argument("--modes", type=float, default=1e15)
    ap.add_argument("--T", default="1e3,1e4,1e5,1e6,1e7,1e8,1e9")
    ap.add_argument("--forms", default="sgd,nesterov,heavy-ball,ema")
    ap.add_argument("--knots", type=int, default=3)
    ap.add_argument("--friction-knots", type=int, default=0,
                    help="free values of the Nesterov friction correction d(t)")  # fmt: skip
    ap.add_argument("--bins-per-decade", type=float, default=LongrunOptions.bins_per_decade,
                    help="mode quadrature of the optimiser (the friction family aliases on 3)")  # fmt: skip
    ap.add_argument("--points-per-bin", type=int, default=LongrunOptions.points_per_bin)
    ap.add_argument("--delta-bounds", default="1,50",
                    help="box of the Nesterov friction scale delta, 'low,high'")  # fmt: skip
    ap.add_argument("--exact-up-to", type=float, default=1e6)
    ap.add_argument("--gradient", default="adjoint", choices=("adjoint", "finite-difference"),
                    help="the optimiser's gradient (finite-difference: the solver before "
                    "2026-11-30i)")  # fmt: skip
    ap.add_argument("--json", default=None)
    ap.add_argument("--resume", default=None,
                    help="a JSON of an earlier run: keep its solves, continue each form from "
                    "its longest horizon's optimum at the horizons beyond it")  # fmt: skip
    ap.add_argument("--from-T", type=float, default=None,
                    help="with --resume: continue from the optimum at this horizon, not the "
                    "longest (another start for a multimodal horizon)")  # fmt: skip
    switches = {
        "--restart": "with --resume: first re-solve the file's unconverged solves of --forms at "
        "the horizons of --T, each from its own optimum (replaced in place)",
        "--repolish": "with --restart: re-solve every solve of --forms at the horizons of --T "
        "from its own optimum, converged or not (a finite-difference KKT test can pass a point "
        "the exact gradient does not: 2026-11-30i)",
        "--between": "with --resume: solve only the horizons of --T the file lacks, each "
        "continued from the file's optimum at the nearest shorter horizon (half-decade points "
        "inside a finished sweep)",
    }
    for flag, text in switches.items():
        ap.add_argument(flag, action="store_true", help=text)
    args = ap.parse_args(argv)
    model = PLRFModel(a=args.a, b=args.b, sigma=args.sigma, batch=args.batch,
                      n_modes=int(args.modes))  # fmt: skip
    opt = LongrunOptions(knots=args.knots, friction_knots=args.friction_knots,
                         bins_per_decade=args.bins_per_decade,
                         points_per_bin=args.points_per_bin, gradient=args.gradient,
                         delta_bounds=tuple(float(v) for v in args.delta_bounds.split(",")))  # fmt: skip
    Ts = [int(float(x)) for x in args.T.split(",")]
    payload = {"model": {"a": model.a, "b": model.b, "sigma": model.sigma, "batch": model.batch,
                         "n_modes": model.n_modes}, "options": opt.__dict__, "solves": []}  # fmt: skip
    done = {}
    if args.resume:
        with open(args.resume) as fh:
            payload["solves"] = json.load(fh)["solves"]
        for s in payload["solves"]:  # each form continues from its longest horizon
            if s["T"] > done.get(s["form"], (0, None))[0]:
                done[s["form"]] = (s["T"], np.array(list(s["params"].values())))
        for s in payload["solves"]:  # or from the one asked for
            if args.from_T is not None and s["T"] == int(args.from_T):
                done[s["form"]] = (s["T"], np.array(list(s["params"].values())))
    c0, w0 = time.process_time(), time.perf_counter()
    if args.restart:
        _restart(model, opt, payload, args, Ts)
    if args.between:
        _between(model, opt, payload, args, Ts)
    for form in [] if args.between else args.forms.split(","):
        last_T, x = done.get(form, (0, None))
        for T in (T for T in Ts if T > last_T):
            start = None if x is None else continuation_starts(model, form, x, opt,
                                                                ratio=T / last_T)  # fmt: skip
            r = solve_longrun(model, form, T, start=start, options=opt)
            x, last_T = r.x, T
            payload["solves"].append(_record(model, r, opt, args))
            if args.json:
                with open(args.json, "w") as fh:
                    json.dump(payload, fh, indent=1, default=float)
            if not math.isfinite(r.loss):
                break
    print(f"total: wall {time.perf_counter() - w0:.0f} s, cpu {time.process_time() - c0:.0f} s")


if __name__ == "__main__":
    main()
