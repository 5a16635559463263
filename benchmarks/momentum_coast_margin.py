"""Heavy ball per step: what a longer release costs at the optimum, by part and by mode (issue 13).

    python -m benchmarks.momentum_coast_margin benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz \\
        benchmarks/results/momentum_per_step_pn14_heavy-ball_4600.npz \\
        benchmarks/results/momentum_per_step_hb15_heavy-ball_10000.npz

At a converged per-step optimum the derivative of ``L(T)`` along any interior direction is ~0:
what a direction buys in bias it pays elsewhere. For the largest coast (the friction on its
cap for the most steps) the rates of its last ``--ramp`` steps (the release ramp) and of the rest
of the coast (the floor) are scaled by ``1 + eps`` (central differences, ``eps`` 1e-2) and
``dL/d eps`` is split

* by part (:func:`solvers.dynamics.momentum_response.loss_split`): bias (no noise source),
  open-loop label noise, fed-back noise;
* by mode (the compiled recursion's per-mode ``w_k lambda_k D_k(T)``, with and without gradient
  noise: the noise-free part is the mean dynamics): the modes in bands of ``k`` around the
  learning front (:func:`benchmarks.momentum_per_step_anatomy.front`).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math

import numpy as np

from benchmarks.momentum_coast_releases import coasts
from benchmarks.momentum_per_step_anatomy import _setup, front
from benchmarks.momentum_per_step_kkt import _as_start
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import general_momentum_forward
from solvers.dynamics.momentum_response import loss_split

#: Bands of k / k_front for the per-mode split.
BANDS = (0.0, 0.1, 0.33, 1.0, 3.0, math.inf)


def per_mode(grid: ModeGrid, coef, noisy: bool) -> np.ndarray:
    """``w_k lambda_k D_k(T)`` by the compiled recursion (gradient noise on or off)."""
    T, m = coef.shape[1], grid.model
    out = np.empty(1)
    D, *_ = general_momentum_forward(
        grid.lam, grid.weight, grid.c0, *[np.ascontiguousarray(c) for c in coef],
        np.full(T, 1.0 / m.batch if noisy else 0.0), m.sigma**2 if noisy else 0.0,
        np.array([T]), out,
    )  # fmt: skip
    return grid.weight * grid.lam * D


def _derivatives(grid, coef, sl, eps):
    """``(dL by part, d(noisy per mode), d(noise-free per mode))`` of scaling ``h[sl]``."""
    parts, modes = {}, {}
    for sgn in (1, -1):
        co = coef.copy()
        co[1, sl] *= 1 + sgn * eps
        parts[sgn] = loss_split(grid, co)
        modes[sgn] = (per_mode(grid, co, True), per_mode(grid, co, False))
    d = {f: (getattr(parts[1], f) - getattr(parts[-1], f)) / (2 * eps)
         for f in ("loss", "bias", "label", "feedback")}  # fmt: skip
    full = (modes[1][0] - modes[-1][0]) / (2 * eps)
    mean = (modes[1][1] - modes[-1][1]) / (2 * eps)
    return d, full, mean


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--ramp", type=int, default=200, help="steps counted as the release ramp")
    ap.add_argument("--eps", type=float, default=1e-2)
    args = ap.parse_args(argv)
    for path in args.files:
        T, grid, stored = _setup(path)
        coef = np.array(_as_start("heavy-ball", stored["controls"], T))
        s, e = max(coasts(coef, 10), key=lambda se: se[1] - se[0])
        ramp = min(args.ramp, (e - s) // 2)
        free = ModeGrid.from_model(dataclasses.replace(grid.model, sigma=0.0, batch=math.inf),
                                   exact=32, ratio=1.3)  # fmt: skip
        kf = front(free, coef)
        k = grid.lam ** (-1.0 / grid.model.b)
        print(
            f"\n## T = {T}: largest coast [{s}, {e}), ramp = its last {ramp} steps, front k {kf:.1f}\n"
        )
        print("| rates scaled | dL/deps | bias | label (open loop) | fed back |"
              + "".join(f" noise, k/k_f in [{lo:g}, {hi:g}) |" for lo, hi in itertools.pairwise(BANDS))
              + "".join(f" mean, k/k_f in [{lo:g}, {hi:g}) |" for lo, hi in itertools.pairwise(BANDS))
              + "\n|" + "---|" * (5 + 2 * (len(BANDS) - 1)))  # fmt: skip
        for name, sl in (("ramp", slice(e - ramp, e)), ("floor", slice(s, e - ramp))):
            d, full, mean = _derivatives(grid, coef, sl, args.eps)
            noise = full - mean
            bands = [(k >= lo * kf) & (k < hi * kf) for lo, hi in itertools.pairwise(BANDS)]
            print(f"| {name} | {d['loss']:.3g} | {d['bias']:.4g} | {d['label']:.3g} | "
                  f"{d['feedback']:.4g} |" + "".join(f" {noise[b].sum():+.3g} |" for b in bands)
                  + "".join(f" {mean[b].sum():+.3g} |" for b in bands))  # fmt: skip


if __name__ == "__main__":
    main()
