"""Benchmark of the long-horizon continuum solver (issue 4, item 3).

Parts (run all by default, or pick with ``--part``):

``big``     T = 1e8 cold solve (a=3, b=2, sigma=0.5, batch=1, n_modes=1e5) and the time of a
            continuation sweep 1e4 .. 1e8; the target is < 60 s.
``agree``   T = 1e4, n_modes = 1000: the continuum optimum (discrete-corrected dynamics) against an
            independent full-resolution optimum of the exact recursion (one rate per step,
            L-BFGS-B with the exact discrete adjoint written here, started from a tuned
            ``poly`` schedule, not from the continuum answer); the target is agreement within 1%.
``phases``  Sweeps 1e4 .. 1e8 (decades) in the easy (a=3, b=2) and hard (a=1.5, b=3) phase:
            final loss, local slopes d log L / d log T, peak eta, eta at t = T/2, and where the
            schedule falls below half its peak (annealing fraction).
``longrun`` Long horizons (issue 12, item 4): 1e12 log-binned modes, sigma = 0.5, batch 1, the
            default tolerance (relative KKT residual 1e-6); per T (easy 1e4 .. 1e12, hard 1e4
            .. 1e10, the hard corner (1.2, 4) 1e2 .. 1e5 with ``--phases corner``, every
            ``--step`` decades) the L-BFGS-B iterations, Newton steps, Hessians,
            gradient passes, final relative KKT residual, status, wall and CPU seconds, L(T)
            and the local slope d log L / d log T. Continued in T (each horizon starts from
            the previous two) unless ``--cold``. Results: ``benchmarks/results/longrun.md``.

Usage::

    python benchmarks/bench_continuum.py [--part big|agree|phases|longrun] [--step 2] [--cold]
"""

from __future__ import annotations

import argparse
import math
import os
import time
import warnings

import numpy as np
from numba import njit
from scipy.optimize import minimize, minimize_scalar

from solvers import make_schedule, simulate
from solvers.control import continuum_sweep, solve_continuum
from theory import PLRFModel


@njit(cache=True)
def _discrete_value_grad(lam, c0, eta, im, s2, grad):  # pragma: no cover
    """L(T) of the exact recursion and its exact gradient (discrete adjoint, states stored)."""
    n = lam.shape[0]
    T = eta.shape[0]
    C = np.empty((T + 1, n))
    Ls = np.empty(T + 1)
    L = 0.0
    for k in range(n):
        C[0, k] = c0[k]
        L += lam[k] * c0[k]
    Ls[0] = L
    for t in range(T):
        e = eta[t]
        f = im * e * e * (L + s2)
        a1 = -2.0 * e
        a2 = (1.0 + im) * e * e
        Ln = 0.0
        for k in range(n):
            lk = lam[k]
            ck = (1.0 + lk * (a1 + a2 * lk)) * C[t, k] + f * lk
            C[t + 1, k] = ck
            Ln += lk * ck
        L = Ln
        Ls[t + 1] = L
        if not math.isfinite(L):
            return np.inf
    g = lam.copy()
    for t in range(T - 1, -1, -1):
        e = eta[t]
        Lt = Ls[t] + s2
        gt = 0.0
        qn = 0.0
        for k in range(n):
            lk = lam[k]
            D = 1.0 + lk * (-2.0 * e + (1.0 + im) * e * e * lk)
            dD = lk * (-2.0 + 2.0 * (1.0 + im) * e * lk)
            gt += g[k] * (dD * C[t, k] + 2.0 * im * e * lk * Lt)
            qn += im * e * e * lk * g[k]
            g[k] = D * g[k]
        for k in range(n):
            g[k] += lam[k] * qn
        grad[t] = gt
    return L


def full_resolution_direct(model: PLRFModel, T: int, upper: float, maxiter: int = 20000):
    """Independent reference: optimise all T step sizes of the exact recursion."""
    k = np.arange(1, model.n_modes + 1, dtype=float)
    lam, c0 = k ** (-model.b), k ** (-(model.a - model.b))
    im, s2 = model.inv_batch, model.sigma**2

    def f_poly(v):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            L = simulate(model, make_schedule("poly", T, math.exp(v), 2.0)).final_loss
        return math.log(L) if math.isfinite(L) else 50.0

    v = minimize_scalar(f_poly, bounds=(-8, math.log(upper)), method="bounded").x
    x0 = make_schedule("poly", T, math.exp(v), 2.0)

    def fun(x):
        g = np.empty(T)
        L = _discrete_value_grad(lam, c0, x, im, s2, g)
        if not (math.isfinite(L) and L > 0):
            return 1e300, np.zeros(T)
        return math.log(L), g / L

    t0 = time.perf_counter()
    res = minimize(
        fun, x0, jac=True, method="L-BFGS-B", bounds=[(0.0, upper)] * T,
        options={"maxiter": maxiter, "ftol": 1e-12, "gtol": 1e-10, "maxcor": 30},
    )  # fmt: skip
    return res, math.exp(res.fun), time.perf_counter() - t0


def part_big():
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=10**5)
    solve_continuum(model, 100.0)  # JIT warm-up (numba caches to disk)
    print(f"[big] load average before: {os.getloadavg()}")
    c0 = time.process_time()
    r = solve_continuum(model, 1e8)
    cpu = time.process_time() - c0
    levels = getattr(r, "levels", ())
    print(
        f"[big] cold T=1e8: {r.seconds:.1f} s wall, {cpu:.1f} s CPU, levels={levels}, L(T)={r.final_loss:.6e}, iters={r.iterations}, "
        f"kkt={r.kkt_residual:.1e}, intervals={r.eta.size}, mode nodes={r.n_quadrature}, "
        f"quad err={r.quadrature_error:.1e}, time err={r.time_error:.1e}, front k*={r.front:.3g}, "
        f"{r.message}"
    )
    t0, c0 = time.perf_counter(), time.process_time()
    rs = continuum_sweep(model, [1e4, 1e5, 1e6, 1e7, 1e8])
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    for r in rs:
        print(
            f"[big] sweep T={r.T:.0e}: {r.seconds:.1f} s, L={r.final_loss:.6e}, iters={r.iterations}"
        )
    print(f"[big] sweep total {total:.1f} s wall, {cpu:.1f} s CPU")
    print(f"[big] load average after: {os.getloadavg()}")


def part_agree():
    model = PLRFModel(a=3, b=2, sigma=0.5, batch=1, n_modes=1000)
    T = 10_000
    r = solve_continuum(model, T)
    exact_of_ours = simulate(model, r.per_step()).final_loss
    print(
        f"[agree] continuum: {r.seconds:.1f} s, L(T)={r.final_loss:.6e} (model), exact recursion on "
        f"its schedule {exact_of_ours:.6e}, iters={r.iterations}, {r.message}"
    )
    res, L_ref, sec = full_resolution_direct(model, T, r.eta_upper)
    print(
        f"[agree] full-resolution direct (exact recursion, {T} variables): {sec:.1f} s, "
        f"L(T)={L_ref:.6e}, iters={res.nit}, {res.message}"
    )
    print(
        f"[agree] continuum/direct - 1: model {r.final_loss / L_ref - 1:+.4%}, "
        f"exact-recursion of continuum schedule {exact_of_ours / L_ref - 1:+.4%}"
    )


def part_phases():
    Ts = [10.0**j for j in range(4, 9)]
    for a, b in ((3.0, 2.0), (1.5, 3.0)):
        model = PLRFModel(a=a, b=b, sigma=0.5, batch=1, n_modes=10**7)
        t0 = time.perf_counter()
        rs = continuum_sweep(model, Ts)
        print(f"[phases] a={a} b={b} ({model.phase}): sweep {time.perf_counter() - t0:.1f} s")
        L = np.array([r.final_loss for r in rs])
        slopes = np.diff(np.log(L)) / np.diff(np.log(Ts))
        for i, r in enumerate(rs):
            mid = float(r.eta_at(r.T / 2))
            peak = float(r.eta.max())
            below = r.t[:-1][(r.eta < 0.5 * peak) & (r.t[:-1] > r.t[int(np.argmax(r.eta))])]
            frac = 1 - below[0] / r.T if below.size else float("nan")
            slope = f"{slopes[i - 1]:+.4f}" if i else "   -   "
            print(
                f"  T={r.T:9.3g} L={r.final_loss:.5e} slope={slope} peak={peak:.4f} "
                f"at t/T={r.t[int(np.argmax(r.eta))] / r.T:.2e} eta(T/2)={mid:.4e} "
                f"half-peak after 1-t/T={frac:.3e} up={r.eta_upper:.3f} it={r.iterations} "
                f"kkt={r.kkt_residual:.1e} ok={r.success} k*/N={r.front_ratio:.1e}"
            )


def part_longrun(step: float = 2.0, cold: bool = False, phases: str = "easy,hard") -> None:
    print(f"\n## longrun: 1e12 modes, tol 1e-6, {'cold starts' if cold else 'continued in T'}")
    print(
        "| phase | T | L-BFGS it | Newton steps | Hessians | gradients | KKT | status "
        "| wall s | CPU s | L(T) | slope |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    # (a, b), first and last log10 T; "corner": the hard corner (1.2, 4), whose nearly singular
    # Hessians made it the default run's most expensive sweep (from 1e2: a cold 1e4 start costs
    # more than the sweep to it)
    tops = {"easy": ((3.0, 2.0), 4, 12), "hard": ((1.5, 3.0), 4, 10), "corner": ((1.2, 4.0), 2, 5)}
    for phase in phases.split(","):
        (a, b), first, top = tops[phase]
        model = PLRFModel(a=a, b=b, sigma=0.5, batch=1, n_modes=10**12)
        done = []
        for e in np.arange(first, top + 1e-9, step):
            T = round(10.0**e)
            w, c = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = solve_continuum(
                    model, T, initial=None if cold or not done else done[-2:], diagnostics=False
                )
            wall, cpu = time.perf_counter() - w, time.process_time() - c
            d = r.diagnostics
            slope = (
                math.log(r.final_loss / done[-1].final_loss) / math.log(T / done[-1].T)
                if done
                else math.nan
            )
            done.append(r)
            print(f"| {phase} ({a:g}, {b:g}) | 1e{e:g} | {d['lbfgs_iterations']} | "
                  f"{d['newton_iterations']} | {d['hessians']} | {r.n_evaluations} | "
                  f"{r.kkt_residual:.1e} | {r.status} | {wall:.1f} | {cpu:.1f} | "
                  f"{r.final_loss:.6e} | {slope:.4f} |", flush=True)  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--part", choices=["big", "agree", "phases", "longrun", "all"], default="all")
    p.add_argument("--step", type=float, default=2.0, help="decades between horizons (longrun)")
    p.add_argument("--cold", action="store_true", help="cold-start every horizon (longrun)")
    p.add_argument(
        "--phases", default="easy,hard", help="easy, hard, corner, comma-separated (longrun)"
    )
    args = p.parse_args()
    for name, fn in (("big", part_big), ("agree", part_agree), ("phases", part_phases)):
        if args.part in (name, "all"):
            fn()
    if args.part in ("longrun", "all"):
        part_longrun(args.step, args.cold, args.phases)


if __name__ == "__main__":
    main()
