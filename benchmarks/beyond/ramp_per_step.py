"""Per-step wall-clock batch ramp at eta = eta_max (KKT square-root rule) at long horizons.

Run from the repository root: ``python benchmarks/beyond/ramp_per_step.py 10000 100000 1000000``.
Prints per horizon: CPU seconds, the KKT status, gamma +- stderr against the derived 1/(2b) - 1,
the local exponents, and the loss against the constant batch at the same rate.
"""

import sys
import time

import numpy as np

from solvers.control.batch import optimal_batch_at_rate
from theory import PLRFModel

model = PLRFModel(a=3, b=2, sigma=0.5, n_modes=300, eta_max=0.1)
optimal_batch_at_rate(model, 100, 6400)  # compile the kernels outside the timings
for T in map(int, sys.argv[1:] or ["10000", "100000"]):
    t0 = time.process_time()
    r = optimal_batch_at_rate(model, T, 64 * T)
    cpu = time.process_time() - t0
    print(
        f"T={T}: {cpu:.2f} s CPU, {r.message}; gamma = {r.gamma:.4f} +- {r.gamma_stderr:.4f} "
        f"(derived {r.derived:.4f}); local {np.round(-r.fit.local_slopes, 3).tolist()}; "
        f"L ramp {r.final_loss:.4e}, constant batch at the same rate {r.constant_loss:.4e}",
        flush=True,
    )
