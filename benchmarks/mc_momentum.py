"""Monte-Carlo check of an optimised momentum schedule (issue 13.3): actual minibatch SGD with
the dimension-adapted Nesterov momentum, many seeds, against the exact moment recursion.

    python -m benchmarks.mc_momentum --T 1000 --modes 50 --seeds 4000

The family schedule of the form is optimised on the model itself (``solve_form``), then run by
:func:`solvers.dynamics.momentum_forms.monte_carlo_form` (Gaussian features, fresh batches) and compared
at a few steps: z = (MC mean - recursion) / MC standard error.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvers.control.momentum_forms import solve_form
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import monte_carlo_form, simulate_form
from theory import PLRFModel


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=float, default=1.5)
    ap.add_argument("--b", type=float, default=3.0)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--modes", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=4000)
    ap.add_argument("--form", default="nesterov")
    args = ap.parse_args(argv)
    model = PLRFModel(a=args.a, b=args.b, sigma=0.7, batch=4, n_modes=args.modes)
    grid = ModeGrid.from_model(model, exact=args.modes)
    c0 = time.process_time()
    sol = solve_form(grid, args.form, args.T)
    sgd = solve_form(grid, "sgd", args.T)
    print(f"{args.form}: L(T) = {sol.loss:.5e} (SGD {sgd.loss:.5e}), params "
          f"{np.round(sol.params, 3).tolist()}, converged {sol.success}, "
          f"cpu {time.process_time() - c0:.1f}s")  # fmt: skip
    coef = sol.schedule(model.eta_max)
    t_rec = np.unique(np.geomspace(1, args.T, 8).astype(int))
    t_rec = np.concatenate([[0], t_rec])
    _, exact = simulate_form(grid, coef, t_rec)
    c0, w0 = time.process_time(), time.perf_counter()
    _, mean, sem = monte_carlo_form(model, coef, seeds=args.seeds, t_record=t_rec)
    print(f"Monte-Carlo: {args.seeds} seeds, cpu {time.process_time() - c0:.1f}s, "
          f"wall {time.perf_counter() - w0:.1f}s")  # fmt: skip
    print(f"{'t':>6} {'recursion':>12} {'MC mean':>12} {'MC sem':>10} {'z':>6}")
    for t, e, m, s in zip(t_rec, exact, mean, sem, strict=True):
        z = (m - e) / s if s > 0 else 0.0
        print(f"{t:>6} {e:12.5e} {m:12.5e} {s:10.2e} {z:6.2f}")


if __name__ == "__main__":
    main()
