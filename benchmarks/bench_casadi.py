"""Benchmark against the original study's method: CasADi + IPOPT single shooting, 100 blocks.

    pip install 'optlr[bench]'     # casadi
    python -m benchmarks.bench_casadi

Problem (the study's solver defaults): a = b = 2, sigma = 0.5, batch = 5, n_modes = 500,
T = 1000, eta_max = 2, eta piecewise constant on K = 100 blocks. The peer formulation below is
written from the description: the exact recursion unrolled symbolically over all T steps with
the block schedule as the only decision variables (single shooting), objective L(T), bounds
[0, eta_max], IPOPT with its defaults (exact Hessian by CasADi's AD). Both solvers start from
the same constant schedule (optlr: multilevel on, i.e. 32 equal blocks first, then the 100). optlr is timed on the same 100 blocks and at full resolution; its
final losses are re-evaluated with ``solvers.simulate`` (independent of both optimisers).

Timed (CPU seconds of this process, ``time.process_time``, all threads; wall also printed):
casadi "build" = symbolic graph over T steps + ``nlpsol`` construction; "IPOPT solve" = the
``solver(...)`` call only. optlr = the whole ``solve_direct`` call (initial-guess evaluation,
optimisation, final forward pass). Every BLAS library threadpoolctl finds is limited to one
thread for both (on the shared 2-core host extra BLAS threads only contend).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

import numpy as np

from solvers import simulate
from solvers.control import solve_direct
from solvers.dynamics import initial_state, spectrum
from theory import PLRFModel

MODEL = PLRFModel(a=2.0, b=2.0, sigma=0.5, batch=5, n_modes=500, eta_max=2.0)
T, K = 1000, 100
#: Common starting schedule (well inside the stability region).
ETA0 = 0.2
#: optlr's (scaled) KKT tolerance on the blocks: tight enough to match IPOPT's loss to all
#: printed digits.
BLOCK_TOL = 1e-6


def casadi_single_shooting(model: PLRFModel, T: int, K: int, hessian: str):
    import casadi as ca

    lam = ca.DM(spectrum(model))
    c = ca.DM(initial_state(model))
    s2 = model.sigma**2
    im = model.inv_batch
    c0, w0 = time.process_time(), time.perf_counter()
    x = ca.MX.sym("eta", K)
    edges = np.linspace(0, T, K + 1).round().astype(int)
    ck = ca.MX(c)
    for j in range(K):
        e = x[j]
        A = 1 - 2 * e * lam + (1 + im) * e**2 * lam**2
        for _ in range(edges[j + 1] - edges[j]):
            L = ca.dot(lam, ck)
            ck = A * ck + im * e**2 * lam * (L + s2)
    obj = ca.dot(lam, ck)
    opts = {"ipopt.print_level": 0, "print_time": False, "ipopt.hessian_approximation": hessian}
    solver = ca.nlpsol("peer", "ipopt", {"x": x, "f": obj}, opts)
    build = (time.process_time() - c0, time.perf_counter() - w0)
    c0, w0 = time.process_time(), time.perf_counter()
    sol = solver(x0=np.full(K, ETA0), lbx=0.0, ubx=model.eta_max)
    solve = (time.process_time() - c0, time.perf_counter() - w0)
    eta = np.repeat(np.asarray(sol["x"]).ravel(), np.diff(edges))
    return eta, build, solve, solver.stats()["return_status"], solver.stats().get("iter_count")


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--hessian", choices=("exact", "limited-memory"), default="exact")
    args = p.parse_args(argv)
    import casadi  # noqa: F401  (loaded before the thread limit so that it applies to it)

    solve_direct(MODEL.replace(n_modes=4), 8)  # warm-up: load the compiled kernels
    load0 = os.getloadavg()[0]
    with _one_blas_thread():
        rb, t_blocks, w_blocks = _timed(
            lambda: solve_direct(
                MODEL, T, blocks=K, initial=np.full(T, ETA0), tol=BLOCK_TOL, multilevel=True
            )
        )
        rf, t_full, w_full = _timed(lambda: solve_direct(MODEL, T))
        eta_c, build, solve, status, iters = casadi_single_shooting(MODEL, T, K, args.hessian)
    t_casadi_total = build[0] + solve[0]

    def loss(eta):
        return simulate(MODEL, eta).final_loss

    print(f"model: {MODEL}, T = {T}")
    print(
        f"load average (1 min) {load0:.1f} before, {os.getloadavg()[0]:.1f} after, "
        f"on {os.cpu_count()} cores; times are CPU s (wall s)"
    )
    print(
        f"casadi+ipopt ({args.hessian} Hessian), K={K}: build {build[0]:.2f} ({build[1]:.2f}), "
        f"IPOPT solve {solve[0]:.2f} ({solve[1]:.2f}), total {t_casadi_total:.2f}; "
        f"{iters} iterations, {status}; L(T) = {loss(eta_c):.12e}"
    )
    print(
        f"optlr direct, K={K}:          {t_blocks:.3f} ({w_blocks:.3f}); {rb.iterations} it, "
        f"{rb.n_evaluations} evals, {rb.message}; L(T) = {loss(rb.eta):.12e}"
    )
    print(
        f"optlr direct, full (T={T}):   {t_full:.3f} ({w_full:.3f}); {rf.iterations} it, "
        f"{rf.n_evaluations} evals, levels {rf.parameters['multilevel']}, {rf.message}; "
        f"L(T) = {loss(rf.eta):.12e}, period-2 amplitude {rf.diagnostics['oscillation']:.3f}"
    )
    print(
        f"speed-up on K={K} (CPU): {t_casadi_total / t_blocks:.1f}x vs casadi total, "
        f"{solve[0] / t_blocks:.1f}x vs IPOPT solve only"
    )
    print(
        f"loss ratio optlr/casadi on K={K}: {loss(rb.eta) / loss(eta_c):.10f}; "
        f"full/casadi: {loss(rf.eta) / loss(eta_c):.8f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
