import json
import sys

from solvers.control.momentum import fit_exponent, solve_momentum
from theory import PLRFModel

a, b, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
Ts = [int(float(x)) for x in sys.argv[4].split(",")]
iters = [int(x) for x in sys.argv[5].split(",")]
m = PLRFModel(
    a=a,
    b=b,
    n_modes=n,
    batch=float(sys.argv[7]) if len(sys.argv) > 7 else 4,
    sigma=0.7 if len(sys.argv) <= 8 else float(sys.argv[8]),
    eta_max=2.0,
)
out = open(sys.argv[6], "w")
res = []
for T, it in zip(Ts, iters, strict=False):
    r = solve_momentum(m, T, initial=res[-1] if res else None, maxiter=it)
    res.append(r)
    out.write(json.dumps(r.to_dict()) + "\n")
    out.flush()
    print(
        T,
        r.final_loss,
        r.sgd_loss,
        r.gain,
        r.status,
        r.kkt_residual,
        r.iterations,
        round(r.seconds),
        flush=True,
    )
    if len(res) >= 2:
        fm = fit_exponent([x.T for x in res], [x.final_loss for x in res])
        fs = fit_exponent([x.T for x in res], [x.sgd_loss for x in res])
        print(
            "  momentum",
            fm.exponent,
            fm.stderr,
            fm.local_slopes,
            " sgd",
            fs.exponent,
            fs.stderr,
            fs.local_slopes,
            " gf",
            m.gradient_flow_exponent,
            flush=True,
        )
