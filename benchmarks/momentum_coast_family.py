"""Heavy ball: the coast-and-release family's gap to the plain family, by horizon (issue 13).

    nice -n 10 python -m benchmarks.momentum_coast_family --T 1000,4600,10000 --coasts 1 \\
        --json benchmarks/results/momentum_coast_hb16.json

At (1.3, 2.75), sigma 0.7, batch 4, on the per-step ``ModeGrid`` (32 exact modes, ratio 1.3;
the exact recursion, no time grid), for each horizon in increasing order:

* the plain heavy-ball family (:class:`solvers.control.momentum_coast.CoastFamily` with no
  window: the long-run family sampled per step), L-BFGS-B from the stored long-run optima within
  x20 in ``T`` and the previous horizon's optimum;
* the family with ``--coasts`` windows, from the ``--tries`` best of: the previous horizon's
  optimum (its relative parameters carried over), the plain optimum with the default windows or
  with those of a small grid (:func:`_window_starts`), and ``--start`` files;
* where a committed per-step optimum exists (``momentum_per_step_*_heavy-ball_T.npz``), its loss
  and the share of ``log(plain / per-step)`` the windows capture.

Prints one row per horizon (gap, its local power, KKT, evaluations, CPU) and writes the
parameters to ``--json``.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import time

import numpy as np

from benchmarks.momentum_per_step_anatomy import LONGRUN, _setup
from solvers.control.momentum_coast import CoastFamily, coast_loss_and_gradient, solve_coast

PER_STEP = "benchmarks/results/momentum_per_step_*_heavy-ball_{T}.npz"


def _per_step_loss(T: int) -> float:
    """The lowest committed per-step loss at ``T`` (NaN if none)."""
    losses = [float(np.load(p)["loss"]) for p in glob.glob(PER_STEP.format(T=T))
              if "-last_" not in p]  # fmt: skip
    return min(losses) if losses else math.nan


def _plain_starts(T: int, previous) -> list:
    with open(LONGRUN) as fh:
        d = json.load(fh)
    rows = [list(s["params"].values()) for s in d["solves"]
            if s["form"] == "heavy-ball" and T / 20 <= s["T"] <= 20 * T]  # fmt: skip
    return rows + ([previous] if previous is not None else [])


def _window_starts(fam: CoastFamily, plain_x) -> list:
    """Starts with every window ``[s, s + span (T - s))`` of a small grid (a window from the first
    steps, as the family's optimum at 1e3 has, and one from 0.025 T, as the per-step optima's
    largest coast has), floor rate ``0.015 (1000/T)^1.3`` (the per-step optima's floor scales so),
    ramp over ~7 steps to ~2, reset friction 0.05."""
    out = []
    for s_rel in (1.0 / fam.T, 0.025):
        for span in (0.1, 0.23, 0.3):
            w = [math.log(s_rel), math.log(span / (1 - span)),
                 math.log(0.015 * (1000 / fam.T) ** 1.3), 4.0, math.log(7 / (span * fam.T)),
                 math.log(1.5), math.log(0.05 / 0.95)]  # fmt: skip
            out.append(np.concatenate([plain_x, np.tile(w, fam.coasts)]))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", required=True, help="comma-separated horizons")
    ap.add_argument("--coasts", type=int, default=1)
    ap.add_argument("--maxiter", type=int, default=1500)
    ap.add_argument("--start", action="append", default=[], help="a .npy of parameters")
    ap.add_argument("--tries", type=int, default=3, help="best starts optimised per horizon")
    ap.add_argument("--resume", default=None,
                    help="a --json of an earlier run: its last row's optima start the first horizon")  # fmt: skip
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    _, grid, _ = _setup("benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz")
    model, rows = grid.model, []
    prev_plain = prev = None
    if args.resume:
        with open(args.resume) as fh:
            last = json.load(fh)["rows"][-1]
        prev_plain, prev = np.array(last["plain_x"]), np.array(last["x"])
    print("| T | plain L | coast L | plain / coast | local power | per-step L | share captured | "
          "KKT plain / coast | evaluations | CPU s |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    for T in sorted(int(float(v)) for v in args.T.split(",")):
        c0 = time.process_time()
        plain = solve_coast(grid, CoastFamily(model, T, 0), _plain_starts(T, prev_plain),
                            maxiter=args.maxiter)  # fmt: skip
        fam = CoastFamily(model, T, args.coasts)
        starts = [fam.start(plain.x), *_window_starts(fam, plain.x)]
        starts += [np.load(p) for p in args.start]
        if prev is not None:
            starts.insert(0, np.concatenate([plain.x, prev[plain.x.size :]]))
            starts.insert(0, prev)
        starts = [s for s in starts if s.size == len(fam.names())]
        starts.sort(key=lambda x: coast_loss_and_gradient(grid, fam, x)[0])
        coast = solve_coast(grid, fam, starts[: args.tries], maxiter=args.maxiter)
        cpu = time.process_time() - c0
        Lp = _per_step_loss(T)
        gap = plain.loss / coast.loss
        share = math.log(gap) / math.log(plain.loss / Lp) if math.isfinite(Lp) else math.nan
        power = math.log(gap / rows[-1]["gap"]) / math.log(T / rows[-1]["T"]) if rows else math.nan
        if args.resume and not rows:
            power = math.log(gap / last["gap"]) / math.log(T / last["T"])
        rows.append({"T": T, "plain_loss": plain.loss, "coast_loss": coast.loss, "gap": gap,
                     "per_step_loss": Lp, "share": share, "kkt_plain": plain.kkt,
                     "kkt_coast": coast.kkt, "evaluations": plain.evaluations + coast.evaluations,
                     "cpu_seconds": cpu, "plain_x": plain.x.tolist(), "x": coast.x.tolist(),
                     "names": list(fam.names())})  # fmt: skip
        print(f"| {T} | {plain.loss:.7f} | {coast.loss:.7f} | {gap:.4f} | {power:.4f} | {Lp:.7f} | "
              f"{share:.2f} | {plain.kkt:.1e} / {coast.kkt:.1e} | {rows[-1]['evaluations']} | "
              f"{cpu:.0f} |", flush=True)  # fmt: skip
        prev_plain, prev = plain.x, coast.x
        if args.json:
            with open(args.json, "w") as fh:
                json.dump({"coasts": args.coasts, "model": str(model), "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
