"""The hard window's readouts of a default sweep's optima re-solved with changed discretisations.

Reads the optima of a default ``optlr validate --claim "hard annealing window" --cache-dir DIR``
run (any code version: the entries are read, not looked up by key), re-solves those in
``[--t-min, --t-max]`` from themselves with the hard sweep's options and each variant's changes
(``--variant name:key=value,...``), and prints per variant the relative change of the lost time
(raw), of the claim's readout ``y`` (divided lost time times the source to the kappa) and of
``L(T)``, then the local slopes of ``raw`` and ``y`` per half-decade and their decrements::

    python -m benchmarks.window_resolve_variants --a 3.5 --b 4 --cache-dir DIR \\
        --t-min 1e11 --t-max 1e13 --variant nodes8:points_per_bin=8 \\
        --variant cap001:max_interval=0.001

(benchmarks/results/claims.md, 2026-12-01s18 (win18): on main's sweep (4 nodes per mode bin)
the decrements alternate with the half-decades; with 8 nodes they do not, with the cap at
0.001 T they still do.)
"""

from __future__ import annotations

import argparse
import glob
import math
import pickle
import time

import numpy as np

from solvers.claims._hard_sweep import hard_sweep_options
from solvers.claims.catalog import window_noise_source
from solvers.claims.readouts import lost_time
from solvers.claims.window_layer import divided_lost_time
from solvers.control.continuum import solve_continuum
from theory import PLRFModel, window_source_response


def cached_optima(cache_dir: str) -> dict:
    """The continuum optima stored under ``cache_dir`` by horizon (entries: header + pickle)."""
    out = {}
    for path in glob.glob(f"{cache_dir}/continuum-optimum/*.pkl"):
        with open(path, "rb") as fh:
            res = pickle.loads(fh.read().split(b"\n", 3)[3])
        out[float(res.remaining[0]) if res.remaining is not None else float(res.t[-1])] = res
    return out


def _variant(text: str) -> tuple[str, dict]:
    name, _, body = text.partition(":")
    opts = {}
    for item in filter(None, body.split(",")):
        key, _, value = item.partition("=")
        opts[key] = int(value) if value.isdigit() else float(value)
    return name, opts


def _table(name: str, Ts: list, reads: dict) -> None:
    for label, values in reads.items():
        s = np.diff(np.log(values)) / np.diff(np.log(Ts))
        print(f"{name:10s} {label:3s} slopes {np.round(s, 5)} decrements (1e-4) "
              f"{np.round(-np.diff(s) * 1e4, 1)}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--cache-dir", required=True)
    p.add_argument("--t-min", type=float, required=True)
    p.add_argument("--t-max", type=float, required=True)
    p.add_argument("--variant", action="append", default=[], type=_variant)
    args = p.parse_args()
    model = PLRFModel(args.a, args.b, n_modes=10**12)  # the default run's model
    sol = cached_optima(args.cache_dir)
    Ts = [T for T in sorted(sol) if args.t_min * (1 - 1e-9) <= T <= args.t_max * (1 + 1e-9)]
    kappa = float(window_source_response().kappa.subs(model.subs()))

    def reads(d):
        y = [divided_lost_time(model, d[T], T) * window_noise_source(model, d[T].final_loss) ** kappa
             for T in Ts]  # fmt: skip
        return {"raw": np.array([lost_time(d[T], T) for T in Ts]), "y": np.array(y)}

    base = reads(sol)
    _table("sweep", Ts, base)
    for name, change in args.variant:
        new, cpu = {}, 0.0
        for T in Ts:
            c0 = time.process_time()
            new[T] = solve_continuum(
                model, T, initial=sol[T], **{**hard_sweep_options(model), **change}
            )
            cpu += time.process_time() - c0
        r = reads(new)
        _table(name, Ts, r)
        for i, T in enumerate(Ts):
            print(f"    T={T:.3g}: raw {r['raw'][i] / base['raw'][i] - 1:+.2e}, y "
                  f"{r['y'][i] / base['y'][i] - 1:+.2e}, L {new[T].final_loss / sol[T].final_loss - 1:+.2e}, "
                  f"cells {len(new[T].eta)}, success {new[T].success}")  # fmt: skip
        print(f"    {name}: {cpu:.1f} s CPU for {len(Ts)} re-solves")
    if not math.isfinite(base["y"][-1]):
        raise SystemExit("the last readout is not finite")


if __name__ == "__main__":
    main()
