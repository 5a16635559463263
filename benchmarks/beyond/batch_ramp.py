import json
import sys

import numpy as np

from solvers.control.batch import BatchRampResult, solve_batch_ramp, wall_clock_saving
from theory import PLRFModel

"""Wall-clock batch ramp at (3, 2): ``python benchmarks/beyond/batch_ramp.py joint|fixeta|continued``
(``continued`` starts the T = 1e5 fixed-rate solve from the joint T = 1e4 result)."""

m = PLRFModel(a=3, b=2, sigma=0.5, n_modes=300, eta_max=0.1)
M = 64
mode = sys.argv[1]
out = open(f"benchmarks/beyond/results/ramp_{mode}.jsonl", "w")


def _saved_joint() -> BatchRampResult:
    d = json.loads(open("benchmarks/beyond/results/ramp_joint.jsonl").readline())
    keys = ("edges", "eta", "batch")
    arrays = [np.array(d[k]) for k in keys]
    return BatchRampResult(
        m, d["T"], d["budget"], *arrays, d["final_loss"], d["constant_loss"], None,
        tuple(d["fit_range"]), d["derived"], d["eta_at_bound"], d["success"], d["status"],
        d["message"], d["seconds"],
    )  # fmt: skip


def show(r, tag):
    d = r.to_dict()
    d["tag"] = tag
    out.write(json.dumps(d) + "\n")
    out.flush()
    print(
        tag,
        r.T,
        "status",
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
        np.round(d["local_gammas"], 3).tolist(),
        "derived",
        r.derived,
        "eta@bound",
        r.eta_at_bound,
        "s",
        round(r.seconds),
        flush=True,
    )


if mode == "joint":
    r4 = solve_batch_ramp(m, 10000, M * 10000, maxiter=300)
    show(r4, "joint")
    print("eta tail", np.round(r4.eta[-30:], 4).tolist(), flush=True)
    print("m tail", np.round(r4.batch[-30:], 1).tolist(), flush=True)
    s = wall_clock_saving(r4, factors=(1.0, 1.5, 2.0, 3.0, 4.0))
    out.write(json.dumps({"saving": s.to_dict()}) + "\n")
    out.flush()
    print("saving", s.to_dict(), flush=True)
elif mode == "continued":
    r = solve_batch_ramp(
        m, 100000, M * 100000, fix_eta=True, maxiter=400, initial=_saved_joint(),
        compare_constant=False,
    )  # fmt: skip
    show(r, "cont")
else:
    r5 = solve_batch_ramp(m, 100000, M * 100000, fix_eta=True, maxiter=200)
    show(r5, "fixeta")
    print("m tail", np.round(r5.batch[-40:], 1).tolist(), flush=True)
