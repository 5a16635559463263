"""Raw local values of the batch-ramp and compute-optimal claims far beyond the default scale
(benchmarks/results/claims.md, 2026-11-30h).

    python -m benchmarks.beyond_claims_scan ramp 1.5 3 --T 1e3,3e3,1e4,3e4,1e5,3e5
    python -m benchmarks.beyond_claims_scan compute 3 2 --C-max 1e6

``ramp``: the per-step optimal batch at ``eta_max = 0.1`` (mean batch 64, 300 modes) at each
horizon; its exponent over fixed windows of ``y = 1 - t/T``, raw and with the source
``sigma^2 + L_t`` divided out, minus the prediction ``1/(2b) - 1``. ``compute``: the
compute-optimal sweep of the optimal schedule alone on the claims' grid (quarter decades from
1e3, model sizes spaced by 1.25); the local exponents of ``N*`` and ``L*``. CPU seconds
(``time.process_time``) are printed.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from solvers.claims.beyond import COMPUTE_CLAIM_FACTOR
from solvers.control import compute_optimal as co
from solvers.control.batch import binned_ramp_fit, optimal_batch_at_rate
from solvers.dynamics.recursion import simulate
from theory import PLRFModel

WINDOWS = ((0.01, 0.1), (0.003, 0.03), (0.03, 0.3))


def ramp(a: float, b: float, Ts: list[int], modes: int) -> None:
    model = PLRFModel(a, b).replace(n_modes=modes, eta_max=0.1)
    pred = 1 / (2 * b) - 1
    print(f"{model}; prediction {pred:.4f}; columns: window: raw, src (minus the prediction)")
    for T in Ts:
        c0 = time.process_time()
        r = optimal_batch_at_rate(model, T, 64.0 * T)
        cpu = time.process_time() - c0
        loss = simulate(model, r.eta, batch=r.batch).loss[:-1]
        y = 1 - (np.arange(T) + 0.5) / T
        cells = []
        for win in WINDOWS:
            if win[0] * T < 3:
                continue
            raw = -binned_ramp_fit(y, r.batch, win).exponent - pred
            src = -binned_ramp_fit(y, r.batch / np.sqrt(model.sigma**2 + loss), win).exponent
            cells.append(f"{win}: {raw:+.4f}, {src - pred:+.4f}")
        print(f"T = {T:.0e} ({cpu:.1f} s CPU, {r.message}): " + " | ".join(cells), flush=True)


def compute(a: float, b: float, C_max: float) -> None:
    n = round(4 * math.log10(C_max / 1e3))
    Cs = [float(f"{10 ** (3 + j / 4):.3g}") for j in range(n + 1)]
    c0 = time.process_time()
    res = co.compute_optimal_scaling(
        PLRFModel(a, b), Cs, constant=False, factor=COMPUTE_CLAIM_FACTOR
    )
    C = np.array([p.C for p in res.points])
    N = np.array([p.N_star for p in res.points])
    L = np.array([p.L_star for p in res.points])
    print("C", C.tolist())
    print("N*", np.round(N, 4).tolist())
    print("vertex error (log N*)", np.round([p.N_star_error for p in res.points], 4).tolist())
    print("local exponent of N*", np.round(np.diff(np.log(N)) / np.diff(np.log(C)), 4).tolist())
    print("local exponent of L*", np.round(np.diff(np.log(L)) / np.diff(np.log(C)), 4).tolist())
    print(f"{time.process_time() - c0:.1f} s CPU")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=("ramp", "compute"))
    p.add_argument("a", type=float)
    p.add_argument("b", type=float)
    p.add_argument("--T", default="1e3,3e3,1e4,3e4,1e5", help="ramp horizons")
    p.add_argument("--modes", type=int, default=300, help="ramp modes")
    p.add_argument("--C-max", type=float, default=1e5, help="largest compute level")
    args = p.parse_args()
    if args.what == "ramp":
        ramp(args.a, args.b, [int(float(x)) for x in args.T.split(",")], args.modes)
    else:
        compute(args.a, args.b, args.C_max)


if __name__ == "__main__":
    main()
