"""What the per-step heavy-ball optimum does that the family cannot (issue 13, 2026-12-01s15).

    python -m benchmarks.momentum_per_step_anatomy benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz \\
        benchmarks/results/momentum_per_step_pn14_heavy-ball_4600.npz \\
        benchmarks/results/momentum_per_step_pn14j4e_heavy-ball_10000.npz

For each stored per-step heavy-ball solve (``benchmarks.momentum_per_step_converge --out``) at
(1.3, 2.75), sigma 0.7, batch 4, on the per-step ``ModeGrid`` (32 exact modes, ratio 1.3):

* the family optimum *on the same grid* at the same ``T`` (the long-run family's 7 parameters,
  Powell then Nelder-Mead from the stored long-run optima within x20 in ``T``, best kept), so the
  gap is like with like at every horizon (the converge driver's family at a horizon the long-run
  file does not hold is the next stored one's, stretched);
* the slow modes' rate :math:`\\rho_t` and elapsed time :math:`\\tau = \\sum_t\\rho_t`
  (:func:`solvers.dynamics.momentum_response.slow_mode_rate`), the noise feedback's gain
  :math:`\\Phi(t)` and the loss path (:func:`~solvers.dynamics.momentum_response.loss_split`),
  per window of log time, against the derived bound on heavy ball's effective rate
  (``derive_momentum_exponents().heavy_ball_rate_bound``) and the stationary feedback gain 1;
* ``L(T)`` split into bias, open-loop label noise and fed-back noise, for both schedules;
* the learning front: the ``k`` where a mode's mean-dynamics error ``E[Delta_k]^2 / Delta_k(0)^2``
  crosses 1/2 (noise-free recursion), and ``tau lambda_front``;
* hybrid schedules: the family before ``t0`` and the per-step controls after, and the reverse.

Every loss is recomputed from the controls; the per-step loss must equal the stored one to 1e-9
(else the script stops).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import re
import time

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from benchmarks.momentum_longrun_table import _options
from benchmarks.momentum_per_step_coast_polish import AT_CAP
from benchmarks.momentum_per_step_kkt import _as_start
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_forms import general_momentum_forward, simulate_form
from solvers.dynamics.momentum_response import loss_split, slow_mode_rate
from theory import PLRFModel, derive_momentum_exponents
from theory.symbols import a, b, inv_m

LONGRUN = "benchmarks/results/momentum_longrun_hb_ema_1.3_2.75.json"


def family_on_grid(grid: ModeGrid, T: int, path: str = LONGRUN):
    """``(L, coefficients, evaluations)``: the long-run heavy-ball family optimised for the
    per-step loss on ``grid`` at ``T``, from each stored optimum within x20 in ``T``."""
    with open(path) as fh:
        d = json.load(fh)
    opt = _options(d["options"])
    model = grid.model
    _, _, bounds = opt.parameters("heavy-ball", model)

    def coef(x):
        g = opt.grid(model, T)
        return np.array(g.expand(opt.controls("heavy-ball", x, g)))

    def f(x):
        L = simulate_form(grid, coef(x))[1][0]
        return math.log(L) if math.isfinite(L) and L > 0 else 50.0

    best, evals = None, 0
    for s in d["solves"]:
        if s["form"] != "heavy-ball" or not T / 20 <= s["T"] <= 20 * T:
            continue
        x0 = np.array(list(s["params"].values()))
        r = minimize(f, x0, method="Powell", bounds=bounds,
                     options={"xtol": 1e-4, "ftol": 1e-10, "maxfev": 4000})  # fmt: skip
        r = minimize(f, r.x, method="Nelder-Mead",
                     options={"xatol": 1e-5, "fatol": 1e-11, "maxfev": 4000})  # fmt: skip
        evals += r.nfev
        if best is None or r.fun < best.fun:
            best = r
    return math.exp(best.fun), coef(best.x), evals


def front(grid: ModeGrid, coef: np.ndarray) -> float:
    """The mode index ``k`` where the noise-free error ``E[Delta_k(T)]^2 / Delta_k(0)^2`` crosses
    1/2 (log-interpolated between grid states; bins at their representative ``k``)."""
    T = coef.shape[1]
    D, *_ = general_momentum_forward(grid.lam, grid.weight, grid.c0, *coef, np.zeros(T), 0.0,
                                     np.array([T]), np.empty(1))  # fmt: skip
    left = D / grid.c0
    k = grid.lam ** (-1.0 / grid.model.b)
    i = int(np.argmax(left > 0.5))
    if i == 0:
        return math.nan
    w = (math.log(0.5) - math.log(left[i - 1])) / (math.log(left[i]) - math.log(left[i - 1]))
    return float(math.exp(math.log(k[i - 1]) + w * (math.log(k[i]) - math.log(k[i - 1]))))


def windows(T: int, n: int = 12) -> list[tuple[int, int]]:
    edges = np.unique(np.round(np.logspace(0, math.log10(T), n + 1)).astype(int))
    return [(int(lo), int(hi)) for lo, hi in itertools.pairwise(edges)]


def _report(path: str, bound: float) -> None:
    T, grid, stored = _setup(path)
    model = grid.model
    ps = np.array(_as_start("heavy-ball", stored["controls"], T))
    c0 = time.process_time()
    Lf, fam, evals = family_on_grid(grid, T)
    cpu_fam = time.process_time() - c0
    sp_, sf = loss_split(grid, ps), loss_split(grid, fam)
    if abs(sp_.loss / float(stored["loss"]) - 1) > 1e-9:
        raise SystemExit(f"{path}: recomputed L {sp_.loss!r} != stored {float(stored['loss'])!r}")
    rp, rf = slow_mode_rate(ps), slow_mode_rate(fam)
    free = ModeGrid.from_model(dataclasses.replace(model, sigma=0.0, batch=math.inf), exact=32,
                               ratio=1.3)  # fmt: skip
    kp, kf = front(free, ps), front(free, fam)
    over = rp > bound
    print(f"\n## T = {T} ({path.rsplit('/', 1)[-1]}, stored KKT {float(stored['kkt']):.3g})\n")
    print(f"family optimum on this grid: L {Lf:.7f} ({evals} evaluations, {cpu_fam:.0f} s CPU); "
          f"per-step L {sp_.loss:.7f}; **family / per-step {Lf / sp_.loss:.4f}**\n")  # fmt: skip
    print("| schedule | L(T) | bias | label (open loop) | fed back | tau = sum rho | "
          "max rho | max Phi | max L(t) | front k | tau / k^b |\n|---|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    for name, s, r, k in (("per-step", sp_, rp, kp), ("family", sf, rf, kf)):
        print(f"| {name} | {s.loss:.5f} | {s.bias:.5f} | {s.label:.5f} | {s.feedback:.5f} | "
              f"{r.sum():.4g} | {r.max():.4g} | {s.gain_path.max():.4g} | {s.loss_path.max():.4g} | "
              f"{k:.2f} | {r.sum() / k**model.b:.3f} |")  # fmt: skip
    print(f"\nratios family / per-step: bias {sf.bias / sp_.bias:.4f}, tau {rf.sum() / rp.sum():.4f} "
          f"(per-step / family {rp.sum() / rf.sum():.3f}), front {kp / kf:.4f} (per-step / family; "
          f"^(a-1) = {(kp / kf) ** (model.a - 1):.4f}); steps with rho > bound {bound:.3f}: "
          f"{int(over.sum())} ({100 * over.mean():.1f} %), holding {100 * rp[over].sum() / rp.sum():.1f} % "
          f"of tau; steps with Phi > 1: {int((sp_.gain_path[1:] > 1).sum())}; friction on its cap: "
          f"{100 * np.mean(ps[2] > AT_CAP):.1f} % of the steps\n")  # fmt: skip
    print("| window | rho mean (per-step) | rho max | max Phi | max L(t) | c on cap | rho mean (family) | "
          "max Phi (family) |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    for lo, hi in windows(T):
        s = slice(lo - 1, hi - 1)
        print(f"| [{lo}, {hi}) | {rp[s].mean():.3g} | {rp[s].max():.4g} | "
              f"{sp_.gain_path[lo:hi].max():.3g} | {sp_.loss_path[lo:hi].max():.3g} | "
              f"{np.mean(ps[2][s] > AT_CAP):.2f} | {rf[s].mean():.3f} | {sf.gain_path[lo:hi].max():.3f} |")  # fmt: skip
    print("\n| t0 / T | family then per-step | per-step then family | share of per-step tau before t0 |\n"
          "|---|---|---|---|")  # fmt: skip
    for frac in (0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9):
        t0 = int(frac * T)
        h1, h2 = fam.copy(), ps.copy()
        h1[:, t0:], h2[:, t0:] = ps[:, t0:], fam[:, t0:]
        L1, L2 = (simulate_form(grid, h)[1][0] for h in (h1, h2))
        print(f"| {frac} | {L1:.5g} | {L2:.5g} | {rp[:t0].sum() / rp.sum():.3f} |")


def _setup(path: str):
    """``(T, grid, stored npz)`` of a stored heavy-ball solve."""
    T = int(re.search(r"_heavy-ball_(\d+)\.npz$", path).group(1))
    with open(LONGRUN) as fh:
        m = json.load(fh)["model"]
    model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                      n_modes=int(m["n_modes"]))  # fmt: skip
    stored = np.load(path)
    return T, ModeGrid.from_model(model, exact=32, ratio=1.3), stored


def _summary(paths: list[str]) -> None:
    """One row per stored solve (sorted by ``T``): the gap to the family optimum on the grid,
    its local power between neighbouring horizons, the clocks' ratio and the coasting share."""
    rows = []
    for path in paths:
        T, grid, stored = _setup(path)
        ps = np.array(_as_start("heavy-ball", stored["controls"], T))
        Lf, fam, _ = family_on_grid(grid, T)
        Lp = simulate_form(grid, ps)[1][0]
        if abs(Lp / float(stored["loss"]) - 1) > 1e-9:
            raise SystemExit(f"{path}: recomputed L {Lp!r} != stored {float(stored['loss'])!r}")
        rp = slow_mode_rate(ps)
        tau = rp.sum() / slow_mode_rate(fam).sum()
        rows.append((T, Lf, Lp, float(stored["kkt"]), tau, rp.max() / T, np.mean(ps[2] > AT_CAP)))
    rows.sort()
    print("| T | KKT | family L | per-step L | family / per-step | local power of the gap | "
          "tau ratio | its local power | max rho / T | c on cap |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    for i, (T, Lf, Lp, kkt, tau, top, cap) in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        span = math.log(nxt[0] / T) if nxt else math.nan
        power = math.log((nxt[1] / nxt[2]) / (Lf / Lp)) / span if nxt else math.nan
        tpow = math.log(nxt[4] / tau) / span if nxt else math.nan
        print(f"| {T} | {kkt:.2g} | {Lf:.7f} | {Lp:.7f} | {Lf / Lp:.4f} | {power:.4f} | {tau:.3f} | "
              f"{tpow:.3f} | {top:.3f} | {100 * cap:.0f} % |")  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--summary", action="store_true",
                    help="one row per file: the gap and its local power (no per-window tables)")  # fmt: skip
    args = ap.parse_args(argv)
    if args.summary:
        _summary(args.files)
        return
    with open(LONGRUN) as fh:
        m = json.load(fh)["model"]
    subs = {a: sp.nsimplify(m["a"]), b: sp.nsimplify(m["b"]), inv_m: 1 / sp.nsimplify(m["batch"])}
    bound = float(derive_momentum_exponents().heavy_ball_rate_bound.subs(subs))
    print(
        f"derived bound on heavy ball's effective rate (noise feedback, first order): {bound:.4f}"
    )
    for path in args.files:
        _report(path, bound)


if __name__ == "__main__":
    main()
