"""Benchmark: direct solver at full resolution, easy phase (issue 4 performance target).

    python -m benchmarks.bench_direct --T 10000     # target: converged in < 10 s
    python -m benchmarks.bench_direct --T 100000    # target: < 2 min within 2 GB

Run one horizon per process so the peak resident memory (``resource.getrusage``) belongs to it.
The first solve of a fresh checkout also compiles the numba kernels; a tiny warm-up solve
excludes that from the timing. Timed: ``solve_direct`` alone (initial guesses, multilevel
continuation, full-resolution L-BFGS-B), as CPU seconds of this process (``time.process_time``,
all threads) and wall seconds; the load average is printed because the host is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

from solvers.control import solve_direct
from theory import PLRFModel


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--T", type=int, default=10_000)
    p.add_argument("--modes", type=int, default=1000)
    p.add_argument("--a", type=float, default=3.0)
    p.add_argument("--b", type=float, default=2.0)
    p.add_argument("--sigma", type=float, default=0.5)
    p.add_argument("--batch", type=float, default=1.0)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--maxiter", type=int, default=5000)
    p.add_argument("--criterion", choices=("scaled", "box"), default="scaled")
    p.add_argument("--no-multilevel", action="store_true", help="single level (full resolution)")
    args = p.parse_args(argv)
    model = PLRFModel(a=args.a, b=args.b, sigma=args.sigma, batch=args.batch, n_modes=args.modes)
    solve_direct(model.replace(n_modes=4), 8)  # warm-up: load the compiled kernels
    t0, c0 = time.perf_counter(), time.process_time()
    load0 = os.getloadavg()[0]
    r = solve_direct(
        model,
        args.T,
        tol=args.tol,
        maxiter=args.maxiter,
        criterion=args.criterion,
        multilevel=not args.no_multilevel,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"model: {model}")
    # On a shared machine wall time includes waiting for a core; CPU time is the solver's own.
    print(f"T = {args.T}: wall {wall:.2f} s, CPU {cpu:.2f} s (solver's clock {r.seconds:.2f} s)")
    print(f"  final loss L(T) = {r.final_loss:.12e}")
    print(
        f"  load average (1 min) {load0:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    )
    print(f"  {r.message}")
    d = r.diagnostics
    print(f"  KKT residuals: scaled {d['kkt_scaled']:.3g}, box (old measure) {d['kkt_box']:.3g}")
    for lv in d["levels"]:
        print(
            f"  level {lv['blocks']:>7} blocks: {lv['iterations']:4d} it, {lv['evaluations']:4d} evals,"
            f" log L {lv['log_loss']:.12f}, KKT {lv['kkt']:.2g}"
        )
    print(f"  iterations {r.iterations}, gradient evaluations {r.n_evaluations}")
    print(
        f"  checkpoint stride {r.diagnostics['stride']}, work arrays {r.diagnostics['work_bytes'] / 2**20:.1f} MiB"
    )
    print(f"  peak RSS {rss_mb:.0f} MiB")
    return 0 if r.success else 1


if __name__ == "__main__":
    sys.exit(main())
