"""The Nesterov form with the friction off mid-run: the derived balance against the recursion.

    python -m benchmarks.momentum_free_friction diagnose \\
        benchmarks/results/momentum_longrun_nesterov_friction_1.5_3.json
    python -m benchmarks.momentum_free_friction shape --a 1.5 --b 3 --p 0.3333,0.25
    python -m benchmarks.momentum_free_friction solve --a 1.5 --b 3 --T 1e4,1e5,1e6 \\
        [--fixed-p 0.3333] --json out.json

* ``diagnose``: along each optimum of a friction-knot family file, the momentum step's local
  decay ``p_loc`` between horizons (at ``t = 0.1 T`` and ``0.5 T``), the loss slope it implies
  through the derived bias law ``(2 - p)(a - 1)/b``, the measured slope, and the derived
  noise-feedback mass at ``0.1 T`` (friction off there), which grows as ``T^(1/b - p_loc)``.
* ``shape``: one fixed free-friction schedule (the family's parameters held, ``p`` given) at
  ``T = 1e3 .. 1e10``: its local slopes must tend to ``(2 - p)(a - 1)/b`` for ``p >= 1/b``, and a
  schedule with ``p < 1/b`` must lose stability once its feedback mass reaches 1.
* ``table``: a ``solve`` file's optima with the same diagnostics.
* ``solve``: multi-start optimum of the free-friction family per horizon (continued), losses
  re-evaluated on a finer quadrature, local slopes.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace

import numpy as np

from benchmarks.momentum_family_gap import _load
from solvers.control import (
    FreeFrictionOptions,
    feedback_mass,
    free_friction_controls,
    free_friction_start,
    solve_free_friction,
)
from theory import PLRFModel, derive_free_friction_exponent

#: The finer quadrature of the re-evaluation (as benchmarks/momentum_family_gap.py's finest).
FINE = {"bins_per_decade": 16, "points_per_bin": 6, "exact_modes": 256}
#: Held parameters of ``shape``: the free-friction optimum at (1.5, 3), T = 1e4, with p free
#: (solve_free_friction from its default start; KKT 7e-5), rounded.
SHAPE = (-0.73, -2.1, 7.45, None, -6.0, 4.58, 0.88, -1.41, 1.44)


def _model(a: float, b: float) -> PLRFModel:
    return PLRFModel(a=a, b=b, sigma=0.7, batch=4, n_modes=10**15)


def diagnose(path: str) -> None:
    model, opt, solves = _load(path, "nesterov")
    a, b = model.a, model.b
    print(f"a = {a:g}, b = {b:g}: 1/b = {1 / b:.4f}, derived {(2 - 1 / b) * (a - 1) / b:.4f}\n")
    print("| T | L(T) | zeta(0.1T) | zeta(0.5T) | feedback mass (0.1T) | p_loc (0.1T / 0.5T) "
          "| slope | (2 - p_loc)(a-1)/b |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    prev = None
    for T in sorted(solves):
        x = np.array(list(solves[T]["params"].values()))
        grid = opt.grid(model, T)
        co = opt.controls("nesterov", x, grid)
        L = grid.loss(co)[0][-1]
        z = [float(co[1][np.searchsorted(grid.t, f * T) - 1]) for f in (0.1, 0.5)]
        mass = feedback_mass(grid, co, 0.1 * T)
        row = f"| {T:.0e} | {L:.6g} | {z[0]:.4g} | {z[1]:.4g} | {mass:.3f} |"
        if prev is None:
            row += " -- | -- | -- |"
        else:
            dec = math.log10(T / prev[0])
            pl = [-math.log10(z[i] / prev[2][i]) / dec for i in (0, 1)]
            slope = -math.log10(L / prev[1]) / dec
            row += (f" {pl[0]:.3f} / {pl[1]:.3f} | {slope:.4f} | "
                    f"{(2 - pl[0]) * (a - 1) / b:.4f} / {(2 - pl[1]) * (a - 1) / b:.4f} |")  # fmt: skip
        print(row)
        prev = (T, L, z)


def shape(a: float, b: float, ps, Ts) -> None:
    model = _model(a, b)
    opt = FreeFrictionOptions()
    for p in ps:
        x = np.array([p if v is None else v for v in SHAPE])
        print(f"\np = {p:.4f}: (2 - p)(a-1)/b = {(2 - p) * (a - 1) / b:.4f}, derived "
              f"{(2 - 1 / b) * (a - 1) / b:.4f}\n\n| T | L(T) | feedback mass (0.1T) | slope |\n"
              "|---|---|---|---|")  # fmt: skip
        prev = None
        for T in Ts:
            grid = replace(opt.grid, **FINE).grid(model, T)
            co = free_friction_controls(x, grid)
            L, fail = grid.loss(co)
            LT = float(L[-1]) if fail < 0 else math.inf
            sl = "--" if prev is None or not math.isfinite(LT) else (
                f"{-math.log10(LT / prev[1]) / math.log10(T / prev[0]):.4f}")  # fmt: skip
            print(f"| {T:.0e} | {LT:.6g} | {feedback_mass(grid, co, 0.1 * T):.3f} | {sl} |")
            prev = (T, LT)


def _starts(model, prev) -> np.ndarray:
    """The previous horizon's optimum, the default start and two spread starts."""
    x0 = free_friction_start(model)
    rows = [x0, x0 + np.array([0, -0.7, 2.0, 0, -2.0, 0.5, 0, 0, 0])]
    rows.append(np.array([-0.73, -2.1, 7.45, 1 / model.b, -6.0, 4.58, 0.88, -1.41, 1.44]))
    if prev is not None:
        rows.insert(0, prev)
    return np.array(rows)


def solve(a: float, b: float, Ts, fixed_p, out: str | None) -> None:
    model = _model(a, b)
    opt = FreeFrictionOptions(fixed_p=fixed_p)
    fine = replace(opt.grid, **FINE)
    res, prev = [], None
    for T in Ts:
        c0, w0 = time.process_time(), time.perf_counter()
        r = solve_free_friction(model, T, starts=_starts(model, prev), options=opt)
        grid = fine.grid(model, T)
        Lf = float(grid.loss(free_friction_controls(r.x, grid))[0][-1])
        res.append({**r.to_dict(), "loss_fine": Lf})
        print(f"T {T:.0e}: L {r.loss:.6g} (fine {Lf:.6g}), KKT {r.kkt:.1e}, status {r.status}, "
              f"starts {[f'{v:.5g}' for v in r.start_losses]}, p {r.x[3]:.3f}, "
              f"{time.process_time() - c0:.0f} s CPU, {time.perf_counter() - w0:.0f} s wall",
              flush=True)  # fmt: skip
        prev = r.x
        if out:
            with open(out, "w") as fh:
                json.dump({"a": a, "b": b, "fixed_p": fixed_p, "solves": res}, fh, indent=1)
    for i in range(1, len(res)):
        dec = math.log10(res[i]["T"] / res[i - 1]["T"])
        print(
            f"slope {res[i - 1]['T']:.0e}-{res[i]['T']:.0e}: "
            f"{-math.log10(res[i]['loss_fine'] / res[i - 1]['loss_fine']) / dec:.4f}"
        )


def table(path: str) -> None:
    """The ``solve`` file's optima: fine losses, slopes, the T-scaling of zeta and the mass."""
    with open(path) as fh:
        d = json.load(fh)
    a, b = d["a"], d["b"]
    model = _model(a, b)
    opt = FreeFrictionOptions()
    print(f"a = {a:g}, b = {b:g}, fixed p = {d['fixed_p']}: derived {(2 - 1 / b) * (a - 1) / b:.4f}"
          "\n\n| T | L (opt. quad.) | L (fine) | KKT | starts' L | CPU s | zeta(0.1T) / zeta(0.5T) "
          "| mass (0.1T) | slope (fine) | q = -dlog zeta(0.5T)/dlog T | (2 - q)(a-1)/b |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    prev = None
    for s in d["solves"]:
        T, x = s["T"], np.array(list(s["params"].values()))
        grid = opt.grid.grid(model, T)
        co = free_friction_controls(x, grid)
        z = [float(co[1][np.searchsorted(grid.t, f * T) - 1]) for f in (0.1, 0.5)]
        row = (f"| {T:.0e} | {s['loss']:.6g} | {s['loss_fine']:.6g} | {s['kkt']:.1e} | "
               f"{', '.join(f'{v:.5g}' for v in s['start_losses'])} | {s['cpu_seconds']:.0f} | "
               f"{z[0]:.4g} / {z[1]:.4g} | {feedback_mass(grid, co, 0.1 * T):.3f} |")  # fmt: skip
        if prev is None:
            row += " -- | -- | -- |"
        else:
            dec = math.log10(T / prev[0])
            q = -math.log10(z[1] / prev[2]) / dec
            row += (f" {-math.log10(s['loss_fine'] / prev[1]) / dec:.4f} | {q:.3f} | "
                    f"{(2 - q) * (a - 1) / b:.4f} |")  # fmt: skip
        print(row)
        prev = (T, s["loss_fine"], z[1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("diagnose", "table"):
        sub.add_parser(name).add_argument("path")
    for name in ("shape", "solve"):
        s = sub.add_parser(name)
        s.add_argument("--a", type=float, required=True)
        s.add_argument("--b", type=float, required=True)
        s.add_argument("--T", default="1e3,1e4,1e5,1e6,1e7,1e8,1e9,1e10")
    sub.choices["shape"].add_argument("--p", default="0.3333")
    sub.choices["solve"].add_argument("--fixed-p", type=float, default=None)
    sub.choices["solve"].add_argument("--json", default=None)
    args = ap.parse_args(argv)
    derive_free_friction_exponent()  # once, before any timing
    if args.cmd in ("diagnose", "table"):
        (diagnose if args.cmd == "diagnose" else table)(args.path)
        return
    Ts = [int(float(t)) for t in args.T.split(",")]
    if args.cmd == "shape":
        shape(args.a, args.b, [float(p) for p in args.p.split(",")], Ts)
    else:
        solve(args.a, args.b, Ts, args.fixed_p, args.json)


if __name__ == "__main__":
    main()
