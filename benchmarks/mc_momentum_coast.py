"""Monte-Carlo check of the per-step heavy-ball optimum's coast-and-release (issue 13, item 3 of
2026-12-01s17): actual minibatch SGD with heavy-ball momentum, many seeds, against the exact
moment recursion on the same finite model.

    python -m benchmarks.mc_momentum_coast benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz \\
        --modes 256 --seeds 20000 --chunk 1000 --out /tmp/NAME/mc.npz          # run
    python -m benchmarks.mc_momentum_coast --summary /tmp/NAME/mc.npz             # the tables

The controls ``(eta_t, beta_t)`` are the stored per-step optimum (solved on the 151-state grid of
a 1e15-mode model); here they drive a finite model of ``--modes`` Gaussian features
(``lambda_k = k^-b``, same ``a, b, sigma, batch``), and the recursion is run on the same
``--modes`` exact modes, so the two compute the same expectation (the closure is exact for
Gaussian features). Each seed's loss ``sum_k lambda_k Delta_k^2`` is kept at every step.

The summary compares, at the recursion's largest spike and at a few steps, the MC mean (with its
standard error) against the recursion, on the log scale, and says how the seeds' losses are
distributed: median and mean of ``ln L`` against ``ln`` of the mean — a spike that is real in SGD
shows in the typical seed, not only in the mean of a heavy tail.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from benchmarks.momentum_per_step_kkt import _as_start
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import general_momentum_forward
from solvers.dynamics.montecarlo import gaussian_features, minibatch_gradient
from theory import PLRFModel


def _model(modes: int) -> PLRFModel:
    """The study's model (the per-step optima's) with ``modes`` features."""
    return PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4.0, n_modes=modes)


def recursion_path(model: PLRFModel, coef: np.ndarray) -> np.ndarray:
    """``L(t)``, ``t = 0..T``, of the exact recursion on the model's modes (all exact)."""
    grid = ModeGrid.from_model(model, exact=int(model.n_modes))
    T = coef.shape[1]
    out = np.empty(T + 1)
    general_momentum_forward(grid.lam, grid.weight, grid.c0, *[np.ascontiguousarray(c) for c in coef],
                             np.full(T, 1.0 / model.batch), model.sigma**2, np.arange(T + 1), out)  # fmt: skip
    return out


def seed_losses(model: PLRFModel, coef: np.ndarray, seeds: int, seed: int) -> np.ndarray:
    """Per-seed loss at every step, shape ``(T + 1, seeds)``: heavy ball ``v <- beta v + g``,
    ``w <- w - eta v`` on fresh batches of ``model.batch`` Gaussian samples."""
    _, eta, bt, _ = coef
    data = gaussian_features(model)
    rng = np.random.default_rng(seed)
    delta = np.tile(data.delta0, (seeds, 1))
    v = np.zeros_like(delta)
    out = np.empty((eta.size + 1, seeds))
    out[0] = (delta**2) @ data.lam
    m = int(model.batch)
    for t in range(eta.size):
        v = bt[t] * v + minibatch_gradient(data, rng, delta, m)
        delta = delta - eta[t] * v
        out[t + 1] = (delta**2) @ data.lam
    return out


def run(path: str, modes: int, seeds: int, chunk: int, out: str) -> None:
    stored = np.load(path)
    T = stored["controls"].shape[1]
    coef = np.array(_as_start("heavy-ball", stored["controls"], T))
    model = _model(modes)
    rec = recursion_path(model, coef)
    paths, cpu0, wall0 = [], time.process_time(), time.perf_counter()
    for i in range(0, seeds, chunk):
        paths.append(seed_losses(model, coef, min(chunk, seeds - i), seed=1000 + i))
        print(f"{i + chunk} seeds: cpu {time.process_time() - cpu0:.0f} s, "
              f"wall {time.perf_counter() - wall0:.0f} s", flush=True)  # fmt: skip
    losses = np.concatenate(paths, axis=1).astype(np.float32)
    np.savez(out, recursion=rec, losses=losses, modes=modes, T=T, source=path,
             cpu=time.process_time() - cpu0, wall=time.perf_counter() - wall0)  # fmt: skip


def summary(out: str) -> None:
    d = np.load(out)
    rec, Ls = d["recursion"], d["losses"].astype(float)
    n = Ls.shape[1]
    mean, sem = Ls.mean(1), Ls.std(1, ddof=1) / math.sqrt(n)
    logs = np.log(Ls)
    print(f"{n} seeds, {int(d['modes'])} modes, T = {int(d['T'])}; cpu {float(d['cpu']):.0f} s, "
          f"wall {float(d['wall']):.0f} s\n")  # fmt: skip
    peak = int(np.argmax(rec))
    steps = sorted({0, 10, 100, peak - 20, peak - 5, peak, peak + 5, peak + 30, peak + 100,
                    int(d["T"]) // 2, int(d["T"]) - 1, int(d["T"])} & set(range(rec.size)))  # fmt: skip
    print("| t | recursion L | MC mean | MC s.e. | z | ln(mean / rec) | its s.e. | median L | "
          "exp(mean ln L) | share of seeds above rec |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    for t in steps:
        z = (mean[t] - rec[t]) / sem[t] if sem[t] > 0 else 0.0
        print(f"| {t} | {rec[t]:.5g} | {mean[t]:.5g} | {sem[t]:.3g} | {z:+.2f} | "
              f"{math.log(mean[t] / rec[t]):+.4f} | {sem[t] / mean[t]:.4f} | {np.median(Ls[t]):.4g} | "
              f"{math.exp(logs[t].mean()):.4g} | {np.mean(Ls[t] > rec[t]):.3f} |")  # fmt: skip
    zs = (mean - rec)[1:] / sem[1:]
    print(f"\nall {rec.size} steps: |z| max {np.abs(zs).max():.2f}, share |z| > 2: "
          f"{np.mean(np.abs(zs) > 2):.3f}, > 3: {np.mean(np.abs(zs) > 3):.4f}")  # fmt: skip
    top = Ls[max(peak - 60, 0) : peak + 61].max(0)
    print(
        f"per-seed largest L within 60 steps of the recursion's peak ({rec[peak]:.4g} at t = "
        f"{peak}): quantiles 5/25/50/75/95 % = "
        + ", ".join(f"{q:.4g}" for q in np.quantile(top, [0.05, 0.25, 0.5, 0.75, 0.95]))
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?")
    ap.add_argument("--modes", type=int, default=256)
    ap.add_argument("--seeds", type=int, default=20000)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--out", default="mc_momentum_coast.npz")
    ap.add_argument("--summary")
    args = ap.parse_args(argv)
    if args.summary:
        summary(args.summary)
    else:
        run(args.path, args.modes, args.seeds, args.chunk, args.out)


if __name__ == "__main__":
    main()
