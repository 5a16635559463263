import json

import numpy as np

from solvers.control.batch import BatchRampResult, solve_batch_ramp
from theory import PLRFModel

m = PLRFModel(a=3, b=2, sigma=0.5, n_modes=300, eta_max=0.1)
d = json.loads(open("benchmarks/beyond/results/ramp_joint.jsonl").readline())
prev = BatchRampResult(
    m,
    d["T"],
    d["budget"],
    np.array(d["edges"]),
    np.array(d["eta"]),
    np.array(d["batch"]),
    d["final_loss"],
    d["constant_loss"],
    None,
    tuple(d["fit_range"]),
    d["derived"],
    d["eta_at_bound"],
    d["success"],
    d["status"],
    d["message"],
    d["seconds"],
)
r = solve_batch_ramp(
    m, 100000, 64 * 100000, fix_eta=True, maxiter=400, initial=prev, compare_constant=False
)
dd = r.to_dict()
open("benchmarks/beyond/results/ramp_cont.json", "w").write(json.dumps(dd))
print(
    "cont",
    r.T,
    r.status,
    r.message,
    "L",
    r.final_loss,
    "Lconst",
    r.constant_loss,
    "gamma",
    r.gamma,
    "+-",
    r.gamma_stderr,
    "local",
    np.round(dd["local_gammas"], 3).tolist(),
    "s",
    round(r.seconds),
    flush=True,
)
