"""How far the optimiser's coarse mode quadrature moves a long-horizon optimum (issue 13, 2026-11-30i).

    nice -n 10 python -m benchmarks.momentum_quadrature_shift --a 1.5 --b 3 --T 1e10,1e11 \\
        --bins-per-decade 8 --points-per-bin 4 benchmarks/results/momentum_longrun_nesterov8_1.5_3.json

For each horizon: the file's optimum (solved on the optimiser's quadrature, 3 bins per decade x 2
points) is re-solved on a finer quadrature from its own parameters (adjoint gradient, KKT 1e-4),
and both schedules are evaluated on the converged grids of
:func:`solvers.control.momentum_longrun.refined_loss`. Their difference is the bias the coarse
optimiser leaves in the refined loss (the "shift" term of the error budget of
:mod:`benchmarks.momentum_exponents_table`, estimated there as ``delta^2 / (2 h)``).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np

from solvers.control.momentum_longrun import LongrunOptions, refined_loss, solve_longrun
from theory import PLRFModel


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--a", type=float, required=True)
    ap.add_argument("--b", type=float, required=True)
    ap.add_argument("--T", required=True)
    ap.add_argument("--bins-per-decade", type=float, default=8)
    ap.add_argument("--points-per-bin", type=int, default=4)
    ap.add_argument("--exact-modes", type=int, default=64)
    args = ap.parse_args(argv)
    with open(args.file) as fh:
        d = json.load(fh)
    m = d["model"]
    model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                      n_modes=int(m["n_modes"]))  # fmt: skip
    opt = LongrunOptions(knots=d["options"]["knots"])
    fine = replace(opt, bins_per_decade=args.bins_per_decade,
                   points_per_bin=args.points_per_bin, exact_modes=args.exact_modes)  # fmt: skip
    for T in (int(float(v)) for v in args.T.split(",")):
        s = next(s for s in d["solves"] if s["form"] == "nesterov" and s["T"] == T)
        x = np.array(list(s["params"].values()))
        r = solve_longrun(model, "nesterov", T, start=x, options=fine)
        c0 = time.process_time()
        Lc, ec = refined_loss(replace(r, x=x))  # the refined grids override the quadrature
        Lf, ef = refined_loss(r)
        print(f"T={T:.0e}: fine-quadrature solve L={r.loss:.7g} kkt={r.kkt:.1e} "
              f"it={r.iterations} cpu={r.cpu_seconds:.0f}s wall={r.wall_seconds:.0f}s; refined "
              f"coarse optimum {Lc:.7g} (err {ec:.1e}), fine optimum {Lf:.7g} (err {ef:.1e}): "
              f"shift {Lf / Lc - 1:+.2e} (refinement cpu {time.process_time() - c0:.0f}s); "
              f"x moved {np.round(r.x - x, 4).tolist()}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
