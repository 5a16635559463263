"""Re-evaluate long-horizon momentum optima on converged grids (issue 13, 2026-11-30g).

    python -m benchmarks.momentum_refine --form nesterov --out benchmarks/results/momentum_refined_nesterov.json \
        benchmarks/results/momentum_longrun_nesterov_1.5_3.json ...

For every optimum of ``--form`` in the base-family files (:func:`benchmarks.momentum_exponents_table.load`):
:func:`solvers.control.momentum_longrun.refined_loss` — the schedule on time grids of ratio
1.02, 1.01, 1.005 with a 16 x 6 / 256 mode quadrature — its loss, its error (the larger of the
last two changes), the optimiser grid's loss and the CPU seconds. The JSON is rewritten after
every optimum (``{"a_b": {"T": {...}}}``); entries already in ``--out`` are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from benchmarks.momentum_exponents_table import load
from solvers.control.momentum_longrun import refined_loss


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--form", default="nesterov")
    ap.add_argument("--out", required=True)
    ap.add_argument("--T", default=None, help="only these horizons, comma-separated")
    args = ap.parse_args(argv)
    only = None if args.T is None else {int(float(v)) for v in args.T.split(",")}
    out = json.load(open(args.out)) if os.path.exists(args.out) else {}
    for (a, b), forms in sorted(load(args.files).items()):
        key = f"{a:g}_{b:g}"
        for T, (_model, r) in sorted(forms.get(args.form, {}).items()):
            if str(T) in out.get(key, {}) or (only is not None and T not in only):
                continue
            c0 = time.process_time()
            L, err = refined_loss(r)
            cpu = time.process_time() - c0
            out.setdefault(key, {})[str(T)] = {"form": args.form, "loss": L, "error": err,
                                               "optimiser_loss": r.loss, "cpu_seconds": cpu}  # fmt: skip
            print(
                f"({a:g}, {b:g}) T={T:.0e} L={L:.7g} err={err:.1e} "
                f"L/L_opt-1={L / r.loss - 1:+.2e} cpu={cpu:.0f}s",
                flush=True,
            )
            with open(args.out, "w") as fh:
                json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
