import json

import numpy as np

from solvers.control.compute_optimal import derived_compute_exponents
from solvers.control.momentum import fit_exponent
from theory import PLRFModel

for tag, a, b in (("easy", 3, 2), ("hard2", 1.5, 3)):
    pts = [
        json.loads(line)
        for line in open(f"benchmarks/beyond/results/co_{tag}.log")
        if line.startswith('{"C"')
    ]
    C = np.array([p["C"] for p in pts])
    print(
        tag,
        "levels",
        len(pts),
        "C",
        C.min(),
        C.max(),
        "all converged:",
        all(all(p["converged"]) for p in pts),
    )
    der = derived_compute_exponents(PLRFModel(a=a, b=b))
    for key, sign, name in (
        ("N_star", -1, "model_size_exponent"),
        ("T_star", -1, "steps_exponent"),
        ("L_star", 1, "loss_exponent"),
        ("N_star_constant", -1, "constant.model_size_exponent"),
        ("T_star_constant", -1, "constant.steps_exponent"),
        ("L_star_constant", 1, "constant.loss_exponent"),
    ):
        f = fit_exponent(C, [p[key] for p in pts])
        print(
            f"  {name:<30} {sign * f.exponent:.4f} +- {f.stderr:.4f}  local {np.round(sign * f.local_slopes, 3).tolist()}  derived {der[name]:.4f}"
        )
    print(
        "  N*",
        [round(p["N_star"], 1) for p in pts],
        "L*",
        [float("{:.4g}".format(p["L_star"])) for p in pts],
        "L*const/L*",
        [round(p["L_star_constant"] / p["L_star"], 2) for p in pts],
    )
