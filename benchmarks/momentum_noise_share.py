"""How much of a momentum schedule's loss is noise: the same schedule with sigma = 0 and with
exact gradients (batch = inf), on the exact moment recursion.

    python -m benchmarks.momentum_noise_share --a 1.3 --b 2.75 --T 30000 \\
        --form nesterov --params=-0.406,0.201,1.208,0.438,0.298

``--params`` are the unconstrained family parameters printed by ``benchmarks.bench_momentum``.
The loss with sigma = 0 and batch = inf is the bias alone; the differences are the label-noise and
gradient-noise shares. Used to tell whether a horizon is bias-dominated (pre-asymptotic for the
derived noise balance) or noise-dominated.
"""

from __future__ import annotations

import argparse
import math

from solvers.control.momentum_forms import form_schedule
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import simulate_form
from theory import PLRFModel


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=float, default=1.3)
    ap.add_argument("--b", type=float, default=2.75)
    ap.add_argument("--T", type=int, default=30000)
    ap.add_argument("--form", default="nesterov")
    ap.add_argument("--params", required=True)
    args = ap.parse_args(argv)
    x = [float(v) for v in args.params.split(",")]
    out = {}
    for sigma, batch in ((0.7, 4), (0.0, 4), (0.0, math.inf)):
        model = PLRFModel(a=args.a, b=args.b, sigma=sigma, batch=batch, n_modes=10**9)
        grid = ModeGrid.from_model(model)
        _, L = simulate_form(grid, form_schedule(args.form, x, args.T, model.eta_max))
        out[(sigma, batch)] = L[0]
        print(f"sigma={sigma:g} batch={batch:g}: L(T) = {L[0]:.6g}")
    full, nolabel, bias = out[(0.7, 4)], out[(0.0, 4)], out[(0.0, math.inf)]
    print(f"label-noise share {(full - nolabel) / full:.3f}, gradient-noise share "
          f"{(nolabel - bias) / full:.3f}, bias share {bias / full:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
