"""Recompute a saved per-step solve's KKT sum and loss outside the solver (issue 13).

    python -m benchmarks.momentum_per_step_recheck P/run_nesterov_10000.npz [...]

Reads the controls stored by ``benchmarks.momentum_per_step_converge --out`` and recomputes,
with none of the solver's objective code: ``log L(T)`` and its gradient in the coefficients
``(alpha, gamma, beta, q)`` from a fresh one-off adjoint call (:func:`form_loss_and_gradient`),
each form's chain rule to its controls written out here (EMA: ``q = 1 - beta``), the box
``[0, eta_max] x [0, ZETA_MAX] x [0, BETA_MAX]`` and the box-scaled KKT sum of
:func:`~solvers.control.momentum_per_step.solve_per_step`. Prints one row per file beside the
values the solver stored.
"""

from __future__ import annotations

import argparse
import math
import re

import numpy as np

from benchmarks.momentum_per_step_converge import _family_start
from solvers.control.momentum_per_step import BETA_MAX, ZETA_MAX, form_loss_and_gradient
from solvers.dynamics.modes import ModeGrid


def recheck(
    form: str, T: int, controls: np.ndarray, grid: ModeGrid, beta_max: float = BETA_MAX
) -> tuple[float, float]:
    """``(L(T), KKT sum)`` of ``form``'s per-step ``controls`` (shape ``(k, T)``) in the box
    with the frictions' upper bound ``beta_max``."""
    u = np.asarray(controls, dtype=float)
    one, zero = np.ones(T), np.zeros(T)
    eta_max = grid.model.eta_max
    if form == "sgd":
        coef, hi = np.array([u[0], zero, zero, one]), [eta_max]
    elif form == "heavy-ball":
        coef, hi = np.array([zero, u[0], u[1], one]), [eta_max, beta_max]
    elif form == "ema":
        coef, hi = np.array([zero, u[0], u[1], 1.0 - u[1]]), [eta_max, beta_max]
    else:
        coef, hi = np.array([u[0], u[1], u[2], one]), [eta_max, ZETA_MAX, beta_max]
    f, g = form_loss_and_gradient(grid, coef)
    grad = {"sgd": lambda: [g[0]], "heavy-ball": lambda: [g[1], g[2]],
            "ema": lambda: [g[1], g[2] - g[3]], "nesterov": lambda: [g[0], g[1], g[2]]}[form]()  # fmt: skip
    width = np.array(hi)[:, None]
    x = u / width
    kkt = float(np.abs(np.clip(x - np.array(grad) * width, 0.0, 1.0) - x).sum())
    return math.exp(f), kkt


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--exact", type=int, default=32)
    ap.add_argument("--ratio", type=float, default=1.3)
    ap.add_argument("--beta-max", type=float, default=BETA_MAX,
                    help="the frictions' upper bound of the solve (its --beta-max)")  # fmt: skip
    args = ap.parse_args(argv)
    print("| file | form | T | L(T) recomputed | L stored | KKT recomputed | KKT stored |\n"
          "|---|---|---|---|---|---|---|")  # fmt: skip
    for path in args.files:
        form, T = re.search(r"_(sgd|ema|heavy-ball|nesterov)_(\d+)\.npz$", path).groups()
        T = int(T)
        model, _ = _family_start(form, T)
        grid = ModeGrid.from_model(model, exact=args.exact, ratio=args.ratio)
        d = np.load(path)
        L, kkt = recheck(form, T, d["controls"], grid, args.beta_max)
        print(f"| {path.rsplit('/', 1)[-1]} | {form} | {T} | {L:.10f} | {float(d['loss']):.10f} | "
              f"{kkt:.3e} | {float(d['kkt']):.3e} |")  # fmt: skip


if __name__ == "__main__":
    main()
