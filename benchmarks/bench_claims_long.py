"""Claims read from long continued optimal sweeps, extrapolated at several longest horizons
(issue 12: the default horizons, and whether a verdict survives a 100x longer horizon).

One continued, cached continuum sweep of ``(a, b)`` (half-decades from 1e2 to ``--T-max``,
1e12 log-binned modes, sigma 0.5, batch 1), then for each cut-off in ``--cuts`` the claim's
readout (:mod:`solvers.claims.readouts`) over the horizons up to it, extrapolated with the
derived corrections exactly as ``optlr validate`` does: easy phase the loss, xi, delta and the
peak; hard phase the loss, the peak and the annealing window (the lost time times the noise
source ``(sigma^2 + L)^kappa``, as the claim reads it; the lost time alone beside it), plus the
local exponents of the crossing widths at fixed levels of the peak. Results:
``benchmarks/results/claims.md``.

Usage::

    python benchmarks/bench_claims_long.py --a 1.5 --b 3 --T-max 1e9 --cuts 1e6 1e7 1e8 1e9 \
        --cache-dir /tmp/optima
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvers.analysis.extrapolate import extrapolate_exponent, extrapolate_sequence
from solvers.claims import annealing_width, bulk_peak, lost_time, shape_exponent
from solvers.claims import window_mean_rate as mean_rate
from solvers.claims.catalog import XI_WINDOW, window_noise_source
from solvers.control import optimal_continuum_sweep
from theory import PLRFModel, derive_corrections, derive_scaling_laws, window_source_response


def _readouts(model, Ts, rs) -> dict[str, tuple]:
    """``name -> (extrapolation, prediction)`` over the horizons ``Ts``."""
    om = derive_corrections()[model.phase]
    laws = getattr(derive_scaling_laws(), model.phase)
    a, b = model.a, model.b

    def w(name):
        return om[name].omegas(a, b)

    def pred(name, sign=1):
        return sign * laws[name].evaluate(model)

    out = {"loss": (extrapolate_exponent(Ts, [r.final_loss for r in rs], omegas=w("loss_exponent")),
                    pred("loss_exponent", -1)),
           "peak": (extrapolate_exponent(Ts, [bulk_peak(r, T) for r, T in zip(rs, Ts, strict=True)],
                                         omegas=w("peak_rate")), -pred("xi") if a > b else 0.0)}  # fmt: skip
    if model.phase == "easy":
        y = [mean_rate(r, T, *XI_WINDOW) for r, T in zip(rs, Ts, strict=True)]
        out["xi"] = (extrapolate_exponent(Ts, y, sign=-1, omegas=w("xi")), pred("xi"))
        d = [shape_exponent(r, T) for r, T in zip(rs, Ts, strict=True)]
        out["delta"] = (extrapolate_sequence(Ts, d, omegas=w("delta")), pred("delta"))
    else:
        lost = np.array([lost_time(r, T) for r, T in zip(rs, Ts, strict=True)])
        kappa = float(window_source_response().kappa.subs(model.subs()))
        n = np.array([window_noise_source(model, r.final_loss) for r in rs])
        # the claim's readout (the lost time times the source to the derived kappa), and the
        # lost time alone extrapolated with the crossover it then carries (for comparison)
        out["window"] = (
            extrapolate_exponent(Ts, lost * n**kappa, omegas=w("anneal_window_exponent")),
            pred("anneal_window_exponent"),
        )
        raw_w = [*w("anneal_window_exponent"), pred("loss_exponent")]  # + the crossover T^-p
        out["lost"] = (extrapolate_exponent(Ts, lost, omegas=raw_w), pred("anneal_window_exponent"))  # fmt: skip
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--T-max", type=float, default=1e9)
    p.add_argument("--cuts", type=float, nargs="+", default=[1e6, 1e7, 1e8, 1e9])
    p.add_argument("--cache-dir", default=None)
    args = p.parse_args()
    model = PLRFModel(args.a, args.b, sigma=0.5, batch=1, n_modes=10**12)
    n = round(2 * np.log10(args.T_max / 100))
    Ts_all = [round(100 * 10 ** (k / 2)) for k in range(n + 1)]
    c0, t0 = time.process_time(), time.perf_counter()
    rs_all = optimal_continuum_sweep(model, Ts_all, cache_dir=args.cache_dir, progress=True)
    print(f"sweep: {time.process_time() - c0:.1f} s CPU, {time.perf_counter() - t0:.1f} s wall")
    for cut in args.cuts:
        keep = [i for i, T in enumerate(Ts_all) if T <= cut * 1.0001]
        Ts, rs = np.array([Ts_all[i] for i in keep], float), [rs_all[i] for i in keep]
        print(f"T = {Ts[0]:.0f} .. {Ts[-1]:.3g} ({Ts.size} horizons)")
        for name, (e, want) in _readouts(model, Ts, rs).items():
            slopes = " ".join(f"{s:.4f}" for s in e.slopes[-5:])
            print(f"  {name:7s} {e.value:+.4f} +- {e.halfwidth:.4f} (predicted {want:+.4f}, "
                  f"contains: {e.contains(want)}); last values {slopes}")  # fmt: skip
    if model.phase == "hard":
        for level in (0.9, 0.5, 0.1, 0.02):
            W = np.array(
                [annealing_width(r, T, level) for r, T in zip(rs_all, Ts_all, strict=True)]
            )
            s = np.diff(np.log(W)) / np.diff(np.log(Ts_all))
            print(f"width at {level:g} of the peak: local exponents {np.round(s[-5:], 4)}")


if __name__ == "__main__":
    main()
