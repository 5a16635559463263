"""Heavy ball per step: what a release's spike leaves in the slow modes, recursion against derivation (issue 13).

    python -m benchmarks.momentum_spike_cost benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz \\
        benchmarks/results/momentum_per_step_pn14c_heavy-ball_{1200,1500,1875,2350,2950,3700}.npz \\
        benchmarks/results/momentum_per_step_pn14_heavy-ball_4600.npz \\
        benchmarks/results/momentum_per_step_hb15_heavy-ball_10000.npz
    python -m benchmarks.momentum_spike_cost --synthetic

Per committed per-step heavy-ball optimum and per coast (friction on its cap for >= 10 steps;
its window runs to 60 steps after the coast, as in ``momentum_coast_releases``):

* *exact*: the fed-back noise the window's loss leaves at ``T`` in the modes at and beyond the
  learning front (``k >= k_front / 3``), from the closure's adjoint
  (:func:`solvers.dynamics.momentum_response.fed_back_response`; its sum over all steps and modes
  is checked against ``loss_split``'s fed-back part);
* *mean map*: the same with the mean-map kick response squared (no fourth-moment term): the
  derivation's lower bound;
* *derived*: ``iota sum_t L_t sum_k w_k lambda_k^2 Gamma_k(t)^2`` with the slow-mode form
  :func:`theory.spike_response`, and its closed form ``iota W Gamma(2 - 1/b) (2 Theta)^(1/b - 2)/b``
  (all modes; ``W = sum_t L_t G_t^2``, ``Theta`` the clock left after the coast);
* three wrong derivations: the velocity's conversion dropped (``G_t -> h_t``), the kick's gain
  taken as 1 (``G_t -> 1``), and the closed form with the front at ``tau^(1/a)``.

``--synthetic``: SGD at rate 0.5, one coast of 400 steps at a constant rate (``H`` chosen), a
30-step cleanup (no friction at rate 1, or friction 0.6 at rate 0.6), SGD to ``T = 3000``.
"""

from __future__ import annotations

import argparse
import functools
import math
import time

import numpy as np
import sympy as sp

from benchmarks.momentum_coast_releases import AFTER, coasts, loss_path
from benchmarks.momentum_per_step_anatomy import _setup, front
from benchmarks.momentum_per_step_kkt import _as_start
from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_response import fed_back_response, loss_split
from theory import PLRFModel, derive_spike_cost, small_rate_growth, spike_gains, spike_response
from theory.symbols import a as a_sym
from theory.symbols import b as b_sym

#: The friction cap of the per-step problems (1 - 1e-7).
CAP = 1.0 - 1e-7


def mean_response(lams, rate, friction) -> np.ndarray:
    """``|Gamma_k(T, t)|`` by the exact mean map ``[[1 - h lam, -h c], [lam, c]]`` (adjoint)."""
    z0, z1 = np.ones(lams.size), np.zeros(lams.size)
    out = np.empty((rate.size, lams.size))
    for t in range(rate.size - 1, -1, -1):
        out[t] = np.abs(-rate[t] * z0 + z1)
        z0, z1 = (
            (1 - rate[t] * lams) * z0 + lams * z1,
            -rate[t] * friction[t] * z0 + friction[t] * z1,
        )
    return out


@functools.cache
def _share():
    """``(b, theta) -> int k^-2b exp(-2 theta k^-b) dk`` from the derivation."""
    d = derive_spike_cost()
    th = next(x for x in d.noise_share.free_symbols if x.name == "theta")
    return sp.lambdify((b_sym, th), d.noise_share, "scipy")


def closed_form(W: float, theta: float, b: float, inv_b: float, front_power: float | None = None):
    """``iota W share(theta)``, ``share = Gamma(2 - 1/b) (2 theta)^(1/b - 2) / b`` (the derived
    power-law sum, the front at ``k_f = (2 theta)^(1/b)``); ``front_power`` p puts the front at
    ``(2 theta)^(1/p)`` in ``share ~ k_f^(1 - 2b)`` instead (a wrong derivation)."""
    wrong = 1.0 if front_power is None else (2 * theta) ** ((1 / front_power - 1 / b) * (1 - 2 * b))
    return inv_b * W * float(_share()(b, theta)) * wrong


def analyse(grid: ModeGrid, coef: np.ndarray, windows, L=None):
    """Per window ``(s, e)``: exact, mean-map, derived and wrong-derivation front noise at ``T``."""
    m = grid.model
    L = loss_path(grid, coef) if L is None else L
    Lt = L[:-1]
    R = fed_back_response(grid, coef)
    im = 1.0 / m.batch
    k = grid.lam ** (-1.0 / m.b)
    band = k >= front(grid, coef) / 3
    h, c = coef[1], coef[2]
    G, Theta = spike_gains(h, c)
    share = im * grid.weight * grid.lam**2
    exact = Lt[:, None] * R
    gam = {"derived": spike_response(grid.lam, h, c), "mean map": mean_response(grid.lam, h, c)}
    decay = np.exp(-np.outer(Theta, grid.lam))
    gam["G -> h"] = h[:, None] * decay
    gam["G -> 1"] = decay
    tau = float(G.sum())
    rows = []
    for s, e in windows:
        sl = slice(s, min(e + AFTER, coef.shape[1]))
        row = {"s": s, "e": e, "exact": exact[sl][:, band].sum(), "exact all": exact[sl].sum()}
        for name, g in gam.items():
            row[name] = (Lt[sl, None] * share * g[sl] ** 2)[:, band].sum()
        W = float((Lt[sl] * G[sl] ** 2).sum())
        th = Theta[min(e, coef.shape[1] - 1)]
        row.update(W=W, Theta=th, H=float(h[s:e].sum()), S=float(L[s : sl.stop + 1].max()),
                   Le=float(L[e]), closed=closed_form(W, th, m.b, im), tau=tau,
                   closed_tau=closed_form(W, tau, m.b, im),
                   front_a=closed_form(W, th, m.b, im, front_power=m.a))  # fmt: skip
        rows.append(row)
    total = float(exact.sum())
    return rows, total, L


def optima(paths: list[str]) -> None:
    names = ("mean map", "derived", "closed", "closed_tau", "G -> h", "G -> 1", "front_a")
    allrows, horizons = [], []
    kap = None
    for path in paths:
        c0 = time.process_time()
        T, grid, stored = _setup(path)
        coef = np.array(_as_start("heavy-ball", stored["controls"], T))
        if kap is None:
            kap = small_rate_growth(grid.lam, grid.weight, 1.0 / grid.model.batch)
        rows, total, L = analyse(grid, coef, coasts(coef, 10))
        split = loss_split(grid, coef)
        fb = split.feedback
        if abs(total / fb - 1) > 1e-9:
            raise SystemExit(f"{path}: adjoint sum {total!r} != loss_split {fb!r}")
        for r in rows:
            r["T"] = T
        allrows += rows
        horizons.append((T, grid.model, float(L[-1]), rows, split.bias))
        ratio = {n: np.array([r[n] / (r["exact all" if n in ("closed", "closed_tau", "front_a") else "exact"])
                              for r in rows]) for n in names}  # fmt: skip
        big = max(rows, key=lambda r: r["H"])
        print(f"| {T} | {len(rows)} | {sum(r['exact'] for r in rows) / L[-1]:.4f} | "
              + " | ".join(f"{ratio[n].min():.3g}-{ratio[n].max():.3g}" for n in names)
              + f" | {big['H']:.1f} | {big['W']:.3g} | {math.log(big['W']) - kap * big['H']:.2f} | "
              f"{min(r['W'] / r['S'] for r in rows):.3g} | {time.process_time() - c0:.1f} |")  # fmt: skip
    lnW = np.array([math.log(r["W"]) - kap * r["H"] for r in allrows])
    Ts = np.array([r["T"] for r in allrows])
    print(f"\nkappa_0 = {kap:.5f}; ln W - kappa_0 H over {len(allrows)} coasts: min {lnW.min():.2f}, "
          "mean by horizon " + ", ".join(f"{T}: {lnW[Ts == T].mean():.2f}" for T in sorted(set(Ts))))  # fmt: skip
    ratio = min(r["W"] / r["Le"] for r in allrows)
    print(f"min W / L(coast end) over the coasts: {ratio:.3g} (derived floor 2/(h_max kappa^3): "
          f"{2 / (2 * kap**3):.3g} at kappa_0, h_max 2)")  # fmt: skip
    bound_table(horizons, kap, float(lnW.min()))


def bound_table(horizons, kap: float, margin: float) -> None:
    """Per horizon: the largest spike weight against the derived allowance
    ``bias(tau) / (iota share(tau))`` (a spike of that weight costs the bias at ``T``), and the
    bound on ``H`` that ``L(T) >= iota W share(tau)`` and ``ln W >= kappa_0 H + margin`` give."""
    d = derive_spike_cost()
    th, ta = (next(x for x in d.noise_share.free_symbols | d.bias.free_symbols if x.name == n)
              for n in ("theta", "tau"))  # fmt: skip
    print(
        "\n| T | tau | largest W | W allowed (cost = bias) | ratio | W / (2 tau)^((2b-a)/b) | "
        "largest H | H bound from L(T) | L(T) | bias / its clock form |\n" + "|---" * 10 + "|"
    )
    for T, m, LT, rows, B in horizons:
        tau = rows[0]["tau"]
        sub = {a_sym: m.a, b_sym: m.b, th: tau, ta: tau}
        share, bias = float(d.noise_share.subs(sub)), float(d.bias.subs(sub))
        im = 1.0 / m.batch
        Wm = max(r["W"] for r in rows)
        Hm = max(r["H"] for r in rows)
        Hb = (math.log(LT / (im * share)) - margin) / kap
        expo = (2 * m.b - m.a) / m.b
        print(f"| {T} | {tau:.4g} | {Wm:.3g} | {bias / (im * share):.3g} | {Wm * im * share / bias:.3g} | "
              f"{Wm / (2 * tau) ** expo:.3g} | {Hm:.1f} | {Hb:.1f} | {LT:.4f} | {B / bias:.3f} |")  # fmt: skip


def synthetic(Hs=(4.0, 8.0, 12.0, 16.0, 20.0), T=3000) -> None:
    model = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4, n_modes=10**15)
    grid = ModeGrid.from_model(model, exact=32, ratio=1.3)
    s, ell, n_clean = 200, 400, 30
    for name, hc, cc in (("no friction, rate 1", 1.0, 0.0), ("friction 0.6, rate 0.6", 0.6, 0.6)):
        print(f"\ncleanup: {name}\n\n| H | S | W | exact | derived / exact | closed / exact (all) | "
              "closed at tau / exact | G -> h / exact | L(T) |\n|---|---|---|---|---|---|---|---|---|")  # fmt: skip
        for H in Hs:
            h = np.full(T, 0.5)
            c = np.zeros(T)
            h[s : s + ell], c[s : s + ell] = H / ell, CAP
            h[s + ell : s + ell + n_clean], c[s + ell : s + ell + n_clean] = hc, cc
            coef = np.array([np.zeros(T), h, c, np.ones(T)])
            (r,), _, L = analyse(grid, coef, [(s, s + ell)])
            print(f"| {H:g} | {r['S']:.3g} | {r['W']:.3g} | {r['exact']:.3g} | "
                  f"{r['derived'] / r['exact']:.3f} | {r['closed'] / r['exact all']:.3f} | "
                  f"{r['closed_tau'] / r['exact all']:.3f} | "
                  f"{r['G -> h'] / r['exact']:.3f} | {L[-1]:.4f} |")  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--synthetic", action="store_true")
    args = ap.parse_args(argv)
    if args.files:
        print("| T | coasts | their front noise / L(T) | mean map / exact | derived / exact | "
              "closed / exact (all modes) | closed at tau / exact | G -> h | G -> 1 | front at tau^(1/a) | largest H | "
              "its W | ln W - kappa_0 H | min W / S | CPU s |\n" + "|---" * 15 + "|")  # fmt: skip
        optima(args.files)
    if args.synthetic:
        synthetic()


if __name__ == "__main__":
    main()
