"""Gap between two long-run momentum families, per horizon, on a converged mode quadrature.

    python -m benchmarks.momentum_family_gap \
        benchmarks/results/momentum_longrun_nesterov_1.3_2.75.json \
        benchmarks/results/momentum_longrun_nesterov_friction_1.3_2.75.json

For every horizon both JSON files (written by :mod:`benchmarks.momentum_longrun`) hold, the two
optima's losses on the optimiser's quadrature and on a 4x and a 12x finer one (8 and 16 bins per
decade, 4 and 6 points, 64 and 256 exact modes), their ratio, and the local slopes per decade of
each family on the finest quadrature: a gap whose logarithm stops growing is a prefactor, one
that grows by a constant per decade an exponent.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import replace

import numpy as np

from benchmarks.momentum_longrun_table import _options
from theory import PLRFModel

#: The finer quadratures: (bins per decade, points per bin, exact modes).
FINER = ((8, 4, 64), (16, 6, 256))


def _load(path: str, form: str):
    with open(path) as fh:
        d = json.load(fh)
    m = d["model"]
    model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                      n_modes=int(m["n_modes"]))  # fmt: skip
    solves = {s["T"]: s for s in d["solves"] if s["form"] == form and math.isfinite(s["loss"])}
    return model, _options(d["options"]), solves


def _losses(model, opt, solve) -> list[float]:
    """The optimum's ``L(T)`` on the optimiser's quadrature and on each of :data:`FINER`."""
    x = np.array(list(solve["params"].values()))
    out = []
    for o in (opt, *(replace(opt, bins_per_decade=b, points_per_bin=p, exact_modes=e)
                     for b, p, e in FINER)):  # fmt: skip
        g = o.grid(model, solve["T"])
        out.append(float(g.loss(opt.controls(solve["form"], x, g))[0][-1]))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reference")
    ap.add_argument("extended")
    ap.add_argument("--form", default="nesterov")
    args = ap.parse_args(argv)
    m0, o0, s0 = _load(args.reference, args.form)
    m1, o1, s1 = _load(args.extended, args.form)
    Ts = sorted(set(s0) & set(s1))
    rows = [(T, _losses(m0, o0, s0[T]), _losses(m1, o1, s1[T])) for T in Ts]
    print(f"a = {m0.a:g}, b = {m0.b:g}, form {args.form}\n")
    print("| T | L reference (opt. / finest quad.) | L extended (opt. / finest) | ratio (opt. / "
          "finest) | slope reference | slope extended |\n|---|---|---|---|---|---|")  # fmt: skip
    prev = None
    for T, a, b in rows:
        sl = ("--", "--")
        if prev is not None:
            dec = math.log10(T / prev[0])
            sl = tuple(f"{math.log10(p[-1] / c[-1]) / dec:.4f}"
                       for p, c in ((prev[1], a), (prev[2], b)))  # fmt: skip
        print(f"| {T:.0e} | {a[0]:.6f} / {a[-1]:.6f} | {b[0]:.6f} / {b[-1]:.6f} | "
              f"{a[0] / b[0]:.4f} / {a[-1] / b[-1]:.4f} | {sl[0]} | {sl[1]} |")  # fmt: skip
        prev = (T, a, b)


if __name__ == "__main__":
    main()
