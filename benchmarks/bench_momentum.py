"""Momentum forms (issue 13): loss exponents of SGD and of each momentum form, with timings.

    python -m benchmarks.bench_momentum --a 1.3 --b 2.75 --T 1000,3000,10000,30000,100000
    python -m benchmarks.bench_momentum --a 1.5 --b 3 --json out.json

Model: sigma = 0.7, batch = 4 (the study's momentum runs), ``--modes`` modes (default 1e9,
256 exact then log-binned with ratio 1.1: the study's N = 1500 truncates the spectrum, which
steepens hard-phase slopes). For each form, the derived schedule family
(:func:`solvers.control.momentum_forms.form_schedule`) is optimised by Nelder-Mead at each horizon,
continued from the previous horizon. Printed per solve: loss, evaluations, whether the simplex
met its tolerances, CPU seconds (``time.process_time``); per form: the fitted exponent with its
standard error, the local slopes (their drift shows how far from asymptotic the horizons are),
the derived exponent (``theory.derive_momentum_exponents``) and the loss ratio to SGD.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from solvers.control.momentum_forms import derived_exponent, form_exponents, forms_payload
from solvers.dynamics.modes import ModeGrid
from theory import PLRFModel


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=float, default=1.3)
    ap.add_argument("--b", type=float, default=2.75)
    ap.add_argument("--sigma", type=float, default=0.7)
    ap.add_argument("--batch", type=float, default=4)
    ap.add_argument("--modes", type=int, default=10**9)
    ap.add_argument("--T", default="1000,3000,10000,30000,100000")
    ap.add_argument("--forms", default="sgd,nesterov,heavy-ball,ema")
    ap.add_argument("--maxfev", type=int, default=600)
    ap.add_argument("--json", default=None, help="write the forms payload here")
    args = ap.parse_args(argv)
    model = PLRFModel(a=args.a, b=args.b, sigma=args.sigma, batch=args.batch, n_modes=args.modes)
    grid = ModeGrid.from_model(model)
    Ts = [int(float(x)) for x in args.T.split(",")]
    forms = args.forms.split(",")
    print(f"a={model.a:g} b={model.b:g} sigma={model.sigma:g} m={model.batch:g} "
          f"modes={model.n_modes:g} ({grid.n_states} states)", flush=True)  # fmt: skip

    def progress(s):
        print(f"  {s.form:>10} T={s.T:>7} L={s.loss:.6e} evals={s.evaluations:>4} "
              f"converged={s.success} cpu={s.cpu_seconds:.1f}s params={np.round(s.params, 3).tolist()}",
              flush=True)  # fmt: skip

    t0, c0 = time.perf_counter(), time.process_time()
    fe = form_exponents(model, forms, Ts, grid=grid, maxfev=args.maxfev, progress=progress)
    print(f"total: wall {time.perf_counter() - t0:.0f} s, cpu {time.process_time() - c0:.0f} s")
    sgd = fe.losses("sgd") if "sgd" in fe.solves else None
    print(f"{'form':>10} {'exponent':>16} {'derived':>8}  local slopes;  L_SGD/L per T")
    for f in forms:
        fit = fe.fits[f]
        d = derived_exponent(f, model)
        ratio = "" if sgd is None else np.round(sgd / fe.losses(f), 3).tolist()
        print(f"{f:>10} {fit.exponent:8.4f} +- {fit.stderr:.4f} "
              f"{'--' if d is None else format(d, '.4f'):>8}  "
              f"{np.round(fit.local_slopes, 4).tolist()};  {ratio}")  # fmt: skip
    print(f"study's line 1.5(a-1)/b = {1.5 * (model.a - 1) / model.b:.4f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(forms_payload(fe), fh, indent=1)


if __name__ == "__main__":
    main()
