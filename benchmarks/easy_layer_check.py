r"""The easy phase's end-of-run boundary layer divided out of xi's and delta's readouts (issue 12).

One continued, cached continuum sweep of ``(a, b)`` at ``optlr validate``'s default model
(``sigma = 0.5``, ``m = 1``, ``N = 1e12``; half-decades from 1e2 to ``--T-max``; grid options
as given), read two ways per horizon:

* **raw**: the claims' readouts — xi from the mean rate over ``t/T in [0.3, 0.7]``, delta from
  :func:`solvers.claims.shape_exponent` over ``u = 1 - t/T in [0.1, 0.5]``;
* **divided**: the same with the derived boundary layer (:func:`theory.easy_end_layer`) divided
  out: ``eps = D(b)/(c T)``, ``c = eta(T) zeta(2b)^(1/2)`` from the end rate, delta solved from
  the window-mean ratio of ``(u - eps)^delta``, the mean rate divided by
  ``(1 + y)^(2b - b/a)`` times the window mean of ``(u - eps)^(2b-1)`` over that of ``u^(2b-1)``,
  ``y = eps/(1 - eps)``.

Then both sequences extrapolated (``solvers.analysis.extrapolate_exponent`` /
``extrapolate_sequence``) with the omegas given by ``--omegas`` (the derived list at the point,
or the list with the divided term left out). ``--D-scale`` multiplies ``D`` (a wrong amplitude:
``-1`` flips the sign, ``2`` doubles it).

``--floor`` (exploratory, *not* in the claims): the fully derived outer profile with the learned
modes' noise floor to first order as well. With :math:`S(\eta) \simeq \eta\zeta(b)/(2m)` the
source is :math:`\sigma^2/(1-S)` and the costate sum :math:`K/(1-S)` (the top modes relax
quasi-statically), so the constant Hamiltonian gives :math:`\eta = c K^{-1/2}(1 - S)`, hence
:math:`c(T - t) = A U^{1/(2b)} + D + c\,\kappa_1 U`, :math:`\kappa_1 = \zeta(b)/(2m)`, and the
loss :math:`(\sigma^2/m) c^2 (T - \kappa_1 U_0) + B(U_0)` is minimised over :math:`U_0`; the
readouts of that profile, less their limits, are subtracted from the measured ones (hand
derivation, first order in :math:`S`; its second order is :math:`T^{-2\xi}`).
Results: ``benchmarks/results/claims.md`` (2026-12-01e).

``--reduced`` (what xi's claim divides since 2026-12-01x (xi13)): the floor's factor of the
derived reduced problem (:func:`solvers.claims.noise_floor.floor_factor`, all orders in
:math:`S`, with the layer) per horizon, and xi's two-point slopes with the layer and the floor
divided out; then that sequence extrapolated with ``--omegas``.

Usage::

    python -m benchmarks.easy_layer_check --a 4 --b 3.5 --T-max 1e11 --omegas 0.125,0.25,0.75 \
        --cache-dir /tmp/optima [--max-interval 0.0025 --ratio 1.05] [--reduced]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.optimize import brentq

from solvers.analysis.extrapolate import extrapolate_exponent, extrapolate_sequence
from solvers.analysis.sweep import horizons
from solvers.claims.catalog import XI_WINDOW
from solvers.claims.readouts import DELTA_U_RANGE, shape_windows, window_mean_rate
from solvers.claims.validate import continuum_context
from theory import PLRFModel, easy_end_layer


def power_mean(x: float, y: float, eps: float, d: float) -> float:
    """Mean of ``(u - eps)^d`` over ``u in [x, y]``."""
    return ((y - eps) ** (d + 1) - (x - eps) ** (d + 1)) / ((d + 1) * (y - x))


def readouts(res, T: float, a: float, b: float, d_scale: float) -> dict:
    """Raw and divided xi/delta readouts of one optimum."""
    layer = easy_end_layer()
    eps = d_scale * layer.epsilon(b, float(np.asarray(res.eta)[-1]), T)
    y = eps / (1 - eps)
    inner, outer = (window_mean_rate(res, T, *w) for w in shape_windows(DELTA_U_RANGE))
    u1, u2 = DELTA_U_RANGE
    um = math.sqrt(u1 * u2)
    ratio = outer / inner
    delta_div = brentq(
        lambda d: power_mean(um, u2, eps, d) / power_mean(u1, um, eps, d) - ratio, 0.05, 40
    )
    lo, hi = 1 - XI_WINDOW[1], 1 - XI_WINDOW[0]
    d0 = 2 * b - 1
    amp = layer.amplitude_power(a, b)
    factor = (1 + y) ** amp * power_mean(lo, hi, eps, d0) / power_mean(lo, hi, 0.0, d0)
    mean = window_mean_rate(res, T, *XI_WINDOW)
    return {"eps": eps, "delta_raw": math.log(ratio) / math.log(u2 / um),
            "delta_div": delta_div, "mean_raw": mean, "mean_div": mean / factor}  # fmt: skip


def floor_profile(a: float, b: float, T: float, sigma2: float = 0.25, m: float = 1.0) -> dict:
    """The derived outer profile with the layer and the first-order noise floor (``--floor``):
    its xi-window mean and its delta readout at horizon ``T``."""
    from scipy.optimize import minimize_scalar
    from scipy.special import gamma, zeta

    layer = easy_end_layer()
    D, A = (
        layer.shift(b),
        float(layer.outer_coef.subs({next(iter(layer.outer_coef.free_symbols)): b})),
    )
    k1, al = zeta(b) / (2 * m), (a - 1) / b
    bias = gamma(al) / b * 2**-al  # B(U0) = bias U0^-al (theory._mode_sums, z = 2 U0)

    def G(U):
        return A * U ** (1 / (2 * b)) + D

    def loss(lu):
        U = math.exp(lu)
        ok = T - k1 * U > 0 and G(U) > 0
        return math.log(sigma2 / m * G(U) ** 2 / (T - k1 * U) + bias * U**-al) if ok else 1e300

    g = T ** (b / a)
    lu0 = minimize_scalar(loss, bounds=(math.log(g * 1e-4), math.log(g * 1e3)), method="bounded",
                          options={"xatol": 1e-12}).x  # fmt: skip
    c = G(math.exp(lu0)) / (T - k1 * math.exp(lu0))

    def U_at(s):  # remaining intrinsic time at t = s T
        f = lambda lu: G(math.exp(lu)) / c + k1 * math.exp(lu) - (1 - s) * T  # noqa: E731
        return math.exp(brentq(f, -40, lu0 + 1e-9))

    mean = (U_at(XI_WINDOW[0]) - U_at(XI_WINDOW[1])) / ((XI_WINDOW[1] - XI_WINDOW[0]) * T)
    (i0, i1), (o0, o1) = shape_windows(DELTA_U_RANGE)
    inner = (U_at(i0) - U_at(i1)) / ((i1 - i0) * T)
    outer = (U_at(o0) - U_at(o1)) / ((o1 - o0) * T)
    u1, u2 = DELTA_U_RANGE
    return {"mean": mean, "delta": math.log(outer / inner) / math.log(u2 / math.sqrt(u1 * u2))}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--T-max", type=float, default=1e11)
    p.add_argument("--omegas", type=str, required=True)
    p.add_argument("--cache-dir", type=str, default=None)
    p.add_argument("--max-interval", type=float, default=None)
    p.add_argument("--ratio", type=float, default=None)
    p.add_argument("--D-scale", type=float, default=1.0)
    p.add_argument("--floor", action="store_true", help="also the derived floor profile")
    p.add_argument("--reduced", action="store_true", help="also the reduced problem's floor")
    args = p.parse_args(argv)
    model = PLRFModel(args.a, args.b, sigma=0.5, batch=1.0, n_modes=10**12)
    grid = {k: v for k, v in (("max_interval", args.max_interval), ("ratio", args.ratio)) if v}
    Ts = list(horizons(100, args.T_max))
    t0 = time.process_time()
    sol = dict(zip(Ts, continuum_context(cache_dir=args.cache_dir).sweep(model, Ts, **grid),
                   strict=True))  # fmt: skip
    print(
        f"# sweep: {time.process_time() - t0:.1f} s CPU; D(b) = {easy_end_layer().shift(args.b):.6f}"
    )
    rows = [readouts(sol[T], T, args.a, args.b, args.D_scale) for T in Ts]
    print("| T | eps | delta raw | delta divided | xi slope raw | xi slope divided |")
    print("|---|---|---|---|---|---|")
    for i, (T, r) in enumerate(zip(Ts, rows, strict=True)):
        sl = ["", ""]
        if i:
            h = math.log(T / Ts[i - 1])
            sl = [f"{-math.log(r[k] / rows[i - 1][k]) / h:.5f}" for k in ("mean_raw", "mean_div")]
        print(f"| {T:.3g} | {r['eps']:.4f} | {r['delta_raw']:.4f} | {r['delta_div']:.4f} | "
              f"{sl[0]} | {sl[1]} |")  # fmt: skip
    if args.floor:
        xi, d0 = 1 - args.b / args.a, 2 * args.b - 1
        fl = [floor_profile(args.a, args.b, T) for T in Ts]
        print("| T | delta, profile subtracted | xi slope, profile subtracted |")
        print("|---|---|---|")
        for i, T in enumerate(Ts):
            dd = rows[i]["delta_raw"] - fl[i]["delta"] + d0
            sl = ""
            if i:
                h = math.log(T / Ts[i - 1])
                sm = -math.log(rows[i]["mean_raw"] / rows[i - 1]["mean_raw"]) / h
                sl = f"{sm + math.log(fl[i]['mean'] / fl[i - 1]['mean']) / h + xi:.5f}"
            print(f"| {T:.3g} | {dd:.4f} | {sl} |")
    oms = [float(w) for w in args.omegas.split(",") if w]
    if args.reduced:
        _reduced_table(model, Ts, rows, oms)
    x = np.asarray(Ts, float)
    for kind in ("raw", "div"):
        e = extrapolate_exponent(x, [r[f"mean_{kind}"] for r in rows], sign=-1.0, omegas=oms)
        d = extrapolate_sequence(x, np.array([r[f"delta_{kind}"] for r in rows]), omegas=oms)
        print(f"{kind}: xi {e.value:.5f} +- {e.stderr:.5f} (hw {e.halfwidth:.5f}); "
              f"delta {d.value:.4f} +- {d.stderr:.4f} (hw {d.halfwidth:.4f})")  # fmt: skip


def _reduced_table(model, Ts, rows, oms) -> None:
    """``--reduced``: the floor's factor per horizon and xi's slopes with it divided out."""
    from solvers.claims.noise_floor import floor_factor

    t0 = time.process_time()
    R = [floor_factor(model, T, tuple(XI_WINDOW)) for T in Ts]
    print(f"# reduced problem: {time.process_time() - t0:.1f} s CPU")
    print("| T | floor factor | xi slope, layer divided | xi slope, layer and floor divided |")
    print("|---|---|---|---|")
    for i, T in enumerate(Ts):
        sl = ["", ""]
        if i and math.isfinite(R[i]) and math.isfinite(R[i - 1]):
            h = math.log(T / Ts[i - 1])
            d = -math.log(rows[i]["mean_div"] / rows[i - 1]["mean_div"]) / h
            sl = [f"{d:.5f}", f"{d + math.log(R[i] / R[i - 1]) / h:.5f}"]
        print(f"| {T:.3g} | {R[i]:.6f} | {sl[0]} | {sl[1]} |")
    ok = [i for i, r in enumerate(R) if math.isfinite(r)]
    x = np.asarray([Ts[i] for i in ok], float)
    y = [rows[i]["mean_div"] / R[i] for i in ok]
    e = extrapolate_exponent(x, y, sign=-1.0, omegas=oms)
    print(f"layer and floor: xi {e.value:.5f} +- {e.stderr:.5f} (hw {e.halfwidth:.5f})")


if __name__ == "__main__":
    main()
