"""Benchmark against the original study's method: CasADi + IPOPT single shooting, 100 blocks.

    pip install 'optlr[bench]'     # casadi
    python -m benchmarks.bench_casadi

Problem (the study's solver defaults): a = b = 2, sigma = 0.5, batch = 5, n_modes = 500,
T = 1000, eta_max = 2, eta piecewise constant on K = 100 blocks. The peer formulation below is
written from the description: the exact recursion unrolled symbolically over all T steps with
the block schedule as the only decision variables (single shooting), objective L(T), bounds
[0, eta_max], IPOPT with its defaults (exact Hessian by CasADi's AD). Both solvers start from
the same constant schedule. optlr is timed on the same 100 blocks and at full resolution; its
final losses are re-evaluated with ``solvers.simulate`` (independent of both optimisers).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from solvers import initial_state, simulate, solve_direct, spectrum
from theory import PLRFModel

MODEL = PLRFModel(a=2.0, b=2.0, sigma=0.5, batch=5, n_modes=500, eta_max=2.0)
T, K = 1000, 100
#: Common starting schedule (well inside the stability region).
ETA0 = 0.2
#: optlr's KKT tolerance on the blocks: tight enough to match IPOPT's loss to all printed digits.
BLOCK_TOL = 1e-6


def casadi_single_shooting(model: PLRFModel, T: int, K: int, hessian: str):
    import casadi as ca

    lam = ca.DM(spectrum(model))
    c = ca.DM(initial_state(model))
    s2 = model.sigma**2
    im = model.inv_batch
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
    c0 = time.process_time()
    sol = solver(x0=np.full(K, ETA0), lbx=0.0, ubx=model.eta_max)
    secs = time.process_time() - c0
    eta = np.repeat(np.asarray(sol["x"]).ravel(), np.diff(edges))
    return eta, secs, solver.stats()["return_status"], solver.stats().get("iter_count")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--hessian", choices=("exact", "limited-memory"), default="exact")
    args = p.parse_args(argv)
    solve_direct(MODEL.replace(n_modes=4), 8)  # warm-up: load the compiled kernels

    # CPU seconds of this process (single-threaded throughout): the machine may be shared.
    t0 = time.process_time()
    rb = solve_direct(MODEL, T, blocks=K, initial=np.full(T, ETA0), tol=BLOCK_TOL)
    t_blocks = time.process_time() - t0
    t0 = time.process_time()
    rf = solve_direct(MODEL, T)
    t_full = time.process_time() - t0

    t0 = time.process_time()
    eta_c, t_ipopt, status, iters = casadi_single_shooting(MODEL, T, K, args.hessian)
    t_casadi_total = time.process_time() - t0

    def loss(eta):
        return simulate(MODEL, eta).final_loss

    print(f"model: {MODEL}, T = {T}")
    print(
        f"casadi+ipopt ({args.hessian} Hessian), K={K}: {t_casadi_total:.2f} CPU s total "
        f"(graph + IPOPT; IPOPT solve {t_ipopt:.2f} s, {iters} iterations, {status}); L(T) = {loss(eta_c):.12e}"
    )
    print(
        f"optlr direct, K={K}:          {t_blocks:.2f} CPU s ({rb.iterations} it, {rb.message}); "
        f"L(T) = {loss(rb.eta):.12e}"
    )
    print(
        f"optlr direct, full (T={T}):   {t_full:.2f} CPU s ({rf.iterations} it, {rf.message}); "
        f"L(T) = {loss(rf.eta):.12e}"
    )
    print(
        f"speed-up on K={K}: {t_casadi_total / t_blocks:.1f}x (vs IPOPT solve only {t_ipopt / t_blocks:.1f}x)"
    )
    print(
        f"loss ratio optlr/casadi on K={K}: {loss(rb.eta) / loss(eta_c):.8f}; full/casadi: {loss(rf.eta) / loss(eta_c):.8f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
