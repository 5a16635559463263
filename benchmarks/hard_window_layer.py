"""The hard window's end-of-run boundary layer on the default run's optima (issue 12).

The window claim's optimal sweep as ``optlr validate`` runs it (the default model and mode
count for the longest horizon, the anchored grid, KKT 1e-11; same cache keys, so a default
run's ``--cache-dir`` is read back without solving), over the default half-decades up to
``--T-max``. Three tables:

1. **The layer on the schedule itself.** ``c s - A U^(1/(2b))`` along the window's lower part
   (``1 <= U <= 30``; ``c`` from the end rate) against the derived ``D(b)``
   (``theory.easy_end_layer``): where the layer relation holds it is ``D``.
2. **Local slopes**: the claim's readout ``Lambda n^kappa`` raw and with the layer's ``|D|/c``
   steps added back (``solvers.claims.window_layer``), and ``eps = D/(c Lambda)``.
3. **Wrong amplitudes**: the readout with ``k D`` for ``k = 0, 0.5, 1, 2`` extrapolated with the
   claim's derived list (``solvers.analysis.extrapolate_exponent``; fit and scheme spread only,
   without the solver and quadrature terms of the claim's budget).

Results: ``benchmarks/results/claims.md`` (2026-12-01i).

Usage::

    python -m benchmarks.hard_window_layer --a 1.2 --b 4 --T-max 3.2e14 --cache-dir DIR
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from solvers.analysis.extrapolate import extrapolate_exponent
from solvers.claims import CLAIMS, lost_time
from solvers.claims.catalog import optimal_sweep
from solvers.claims.core import claim_omegas
from solvers.claims.readouts import _integral
from solvers.claims.validate import _half_decades, continuum_context
from theory import PLRFModel, easy_end_layer, modes_for_horizon, window_source_response
from theory import symbols as S


def _model(a: float, b: float) -> PLRFModel:
    """The default run's model (its mode count for the default hard sweep's cap, 1e15)."""
    n = max(10**12, modes_for_horizon(a, b, 1e15, 2.0, 1e-3))
    return PLRFModel(a, b, sigma=0.5, batch=1, n_modes=n, eta_max=2.0)


def _read_shift(res, T, b, A, k0) -> float:
    c = float(res.eta[-1]) * math.sqrt(k0)
    F, lam = _integral(res, T), lost_time(res, T)
    s = np.geomspace(1e-3 * lam, lam, 200)
    U = F(T) - F(T - s)
    keep = (U >= 1) & (U <= 30)
    return float(np.median(c * s[keep] - A * U[keep] ** (1 / (2 * b)))) if keep.any() else math.nan


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--T-max", type=float, default=1e15)
    p.add_argument("--cache-dir", default=None)
    args = p.parse_args()
    model = _model(args.a, args.b)
    Ts = _half_decades(args.T_max)
    c0 = time.process_time()
    sol = optimal_sweep(model, Ts, continuum_context(cache_dir=args.cache_dir))
    print(f"{model}; sweep {time.process_time() - c0:.1f} s CPU; {len(sol)} horizons")
    Ts = list(sol)
    lay = easy_end_layer()
    D, k0 = lay.shift(model.b), lay.kernel(model.b, 0.0)
    A = float(lay.outer_coef.subs(S.b, model.b))
    kappa = float(window_source_response().kappa.subs(model.subs()))
    T = np.asarray(Ts, float)
    lam = np.array([lost_time(sol[t], t) for t in Ts])
    c = np.array([float(sol[t].eta[-1]) * math.sqrt(k0) for t in Ts])
    n = np.array([model.sigma**2 + sol[t].final_loss for t in Ts])
    print(
        f"\nD(b) = {D:.5f}\n\n| T | c s - A U^(1/(2b)) | eps = D/(c Lambda) | slope raw | divided |"
    )
    print("|---|---|---|---|---|")

    def slopes(k):
        y = (lam - k * D / c) * n**kappa
        return y, np.diff(np.log(y)) / np.diff(np.log(T))

    _, raw = slopes(0.0)
    _, div = slopes(1.0)
    for i, t in enumerate(Ts):
        sl = f"{raw[i - 1]:.5f} | {div[i - 1]:.5f}" if i else "- | -"
        eps = D / (c[i] * lam[i])
        print(f"| {t:.3g} | {_read_shift(sol[t], t, model.b, A, k0):.3f} | {eps:+.4f} | {sl} |")
    omegas = claim_omegas(CLAIMS["hard annealing window"], model)
    w0 = (model.a + model.b - 1) / (2 * model.b - 1)
    print(f"\nderived list {[round(w, 4) for w in omegas]}; prediction {w0:.5f}\n")
    print("| D times | last slopes | extrapolated | half-width |\n|---|---|---|---|")
    for k in (0.0, 0.5, 1.0, 2.0):
        y, s = slopes(k)
        if not np.all(y > 0):
            print(f"| {k:g} | (a negative readout) | | |")
            continue
        e = extrapolate_exponent(T, y, omegas=omegas)
        last = " ".join(f"{x:.5f}" for x in s[-3:])
        print(f"| {k:g} | {last} | {e.value:.5f} +- {e.stderr:.5f} | {e.halfwidth:.4f} |")


if __name__ == "__main__":
    main()
