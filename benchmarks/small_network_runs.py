"""Real small-network training runs for ``optlr fit`` (issue 14): a network we train ourselves.

A student MLP (3 layers, width 128, ReLU) learns a fixed random teacher MLP (2 layers, width 32,
tanh) by one-pass minibatch SGD on fresh Gaussian inputs with a power-law covariance
(``lambda_k = k^-1.5``, ``d = 256``) and label noise 0.1 — an online regression problem, so every
step sees new data as in the theory, but the learner is a real nonlinear network, not the PLRF
model. Each run follows one schedule (a 2 % linear warmup, then constant, cosine to zero, or WSD
with a linear decay over the last 20 %) at one horizon and one base rate; the validation loss on a
fixed set of 4096 inputs is recorded 60 times per run (split ``val``) beside the running mean of
the minibatch loss (split ``train``). The theory predicts the expected loss, and a single SGD run
at a constant rate fluctuates by tens of per cent at its last step, so each run is the mean over
``--seeds`` independent trainings (initialisation and data; default 3); ``RUNS`` records the
relative standard error of each run's final validation loss (``final_sem``).

Writes ``CURVES`` (columns ``run, step, lr, loss, split``) and ``RUNS`` (``run, scheduler, lr,
iterations, warmup_steps, wsd_fract_decay``) in the format ``optlr fit`` reads. Needs torch (the
optional extra ``optlr[torch]``)::

    python -m benchmarks.small_network_runs --out benchmarks/results/small_network
    optlr fit benchmarks/results/small_network_curves.csv \
        --runs benchmarks/results/small_network_runs.csv --fit ... --predict ...
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from solvers import make_schedule

D, WIDTH, TEACHER_WIDTH, NOISE, BATCH, N_VAL, POINTS = 256, 128, 32, 0.1, 32, 4096, 60
HORIZONS = (500, 1000, 2000, 4000)
RATES = (0.05, 0.1, 0.2, 0.4)
SCHEDULES = ("constant", "cosine", "wsd")
WARMUP, DECAY = 0.02, 0.2


def schedule(kind: str, base: float, T: int) -> np.ndarray:
    """The ``T`` learning rates of a run: a linear warmup, then optlr's ``kind`` family."""
    w = max(1, round(WARMUP * T))
    args = (round(DECAY * T) / (T - w),) if kind == "wsd" else ()  # decay over the last 20 %
    return np.concatenate([base * np.arange(1, w + 1) / w, make_schedule(kind, T - w, base, *args)])


def problem(torch, seed: int = 0):
    """The teacher, the input scales and the fixed validation set (the same for every run)."""
    g = torch.Generator().manual_seed(seed)
    scale = torch.arange(1, D + 1, dtype=torch.float32) ** -0.75  # sqrt(lambda_k)
    w1 = torch.randn(D, TEACHER_WIDTH, generator=g) / math.sqrt(D) * 8
    w2 = torch.randn(TEACHER_WIDTH, 1, generator=g) / math.sqrt(TEACHER_WIDTH)

    def teacher(x):
        return torch.tanh(x @ w1) @ w2

    x_val = torch.randn(N_VAL, D, generator=g) * scale
    return scale, teacher, x_val, teacher(x_val)


def train(torch, kind: str, base: float, T: int, seed: int, prob) -> list[tuple]:
    """One run: rows ``(step, lr, loss, split)``, 60 validation points and as many train means."""
    scale, teacher, x_val, y_val = prob
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(D, WIDTH), torch.nn.ReLU(),
        torch.nn.Linear(WIDTH, WIDTH), torch.nn.ReLU(),
        torch.nn.Linear(WIDTH, 1),
    )  # fmt: skip
    opt = torch.optim.SGD(net.parameters(), lr=base)
    every = max(1, T // POINTS)
    rows, running, n = [], 0.0, 0
    for t, lr in enumerate(schedule(kind, base, T).tolist()):
        for group in opt.param_groups:
            group["lr"] = lr
        x = torch.randn(BATCH, D) * scale
        y = teacher(x) + NOISE * torch.randn(BATCH, 1)
        loss = 0.5 * ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        running, n = running + loss.item(), n + 1
        if (t + 1) % every == 0 or t + 1 == T:
            with torch.no_grad():
                val = 0.5 * float(((net(x_val) - y_val) ** 2).mean()) + 0.5 * NOISE**2
            if not math.isfinite(val):
                raise RuntimeError(f"{kind} lr={base} T={T}: the loss diverged at step {t + 1}")
            rows += [(t + 1, lr, val, "val"), (t + 1, lr, running / n, "train")]
            running, n = 0.0, 0
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/small_network"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", type=int, default=3, help="trainings averaged per run")
    args = p.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("small_network_runs: needs torch (pip install 'optlr[torch]')", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    prob = problem(torch, args.seed)
    curves, runs = [], []
    c0, w0 = time.process_time(), time.perf_counter()
    for i, (kind, base, T) in enumerate(
        (k, r, T) for k in SCHEDULES for r in RATES for T in HORIZONS
    ):
        rid = f"{kind}_lr{base:g}_T{T}"
        seeds = [train(torch, kind, base, T, 1000 * j + args.seed + 1 + i, prob)
                 for j in range(args.seeds)]  # fmt: skip
        rows = [(s, lr, sum(x[k][2] for x in seeds) / len(seeds), sp)
                for k, (s, lr, _loss, sp) in enumerate(seeds[0])]  # fmt: skip
        finals = [x[-2][2] for x in seeds]
        sem = (
            statistics.stdev(finals) / math.sqrt(len(finals)) / rows[-2][2]
            if len(finals) > 1
            else ""
        )
        curves += [(rid, *r) for r in rows]
        runs.append((rid, kind, base, T, max(1, round(WARMUP * T)),
                     DECAY if kind == "wsd" else "", sem))  # fmt: skip
        print(f"{rid}: final val {rows[-2][2]:.5f} (sem {sem:.1%}; "
              f"{time.process_time() - c0:.0f} s CPU)", flush=True)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{args.out}_curves.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "step", "lr", "loss", "split"])
        w.writerows((r, s, f"{lr:.6g}", f"{loss:.7g}", sp) for r, s, lr, loss, sp in curves)
    with open(f"{args.out}_runs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "scheduler", "lr", "iterations", "warmup_steps", "wsd_fract_decay",
                    "final_sem"])  # fmt: skip
        w.writerows(runs)
    print(f"{len(runs)} runs, {time.process_time() - c0:.0f} s CPU, "
          f"{time.perf_counter() - w0:.0f} s wall -> {args.out}_curves.csv, {args.out}_runs.csv")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
