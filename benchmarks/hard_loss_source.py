"""The hard optimal loss's excess over the plateau's bias against the derived source response
(issue 12; ``theory.hard_loss_source``, ``solvers.claims.hard_loss``).

One continued, cached continuum sweep of ``(a, b)`` at ``optlr validate``'s default model
(sigma 0.5, batch 1, eta_max 2, the derived mode count for T = 1e11), half-decades from 1e2 to
``--T-max``; per horizon the optimal loss ``L*``, the bias ``B_cap`` of the plateau at the rate
cap (the model's own noiseless loss), the excess share ``f = 1 - B_cap/L*`` and the loss's share
of the source ``ell = L/(sigma^2 + L)``; per pair of horizons the local slopes of ``L*`` and of
``B_cap``, the measured excess part ``s_L - s_B`` against the derived ``s(f, ell) + p``, and the
slope the claim extrapolates (the derived part divided out). Results:
``benchmarks/results/claims.md`` (2026-11-30e).

Usage::

    python -m benchmarks.hard_loss_source --a 1.2 --b 1.7 --T-max 1e10 --cache-dir /tmp/optima
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvers.claims.hard_loss import excess_correction, plateau_bias
from solvers.control import optimal_continuum_sweep
from theory import PLRFModel, modes_for_horizon


def default_model(a: float, b: float) -> PLRFModel:
    """``optlr validate``'s default model at ``(a, b)`` (mode count for T = 1e11 within 1e-3)."""
    probe = PLRFModel(a, b, sigma=0.5, batch=1, n_modes=10**12, eta_max=2.0)
    n = max(10**12, modes_for_horizon(a, b, 1e11, probe.eta_max, 1e-3))
    return probe.replace(n_modes=n)


def table(model: PLRFModel, Ts, rs) -> str:
    """The markdown table of the module docstring over the optima ``rs`` at ``Ts``."""
    T = np.asarray(Ts, float)
    L = np.array([r.final_loss for r in rs])
    B = np.array([plateau_bias(model, r, t) for r, t in zip(rs, T, strict=True)])
    corr = excess_correction(model, L, B)
    f, ell = 1 - B / L, L / (model.sigma**2 + L)

    def slope(y):
        return np.diff(np.log(y)) / np.diff(np.log(T))

    s_L, s_B = slope(L), slope(B)
    derived = (corr[1:] + corr[:-1]) / 2
    rows = [
        "| T (midpoint) | f | label share | slope of L* | slope of B_cap | excess part | derived "
        "| ratio | divided out |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i in range(T.size - 1):
        rows.append(
            f"| {np.sqrt(T[i] * T[i + 1]):.3g} | {np.sqrt(f[i] * f[i + 1]):.4f} "
            f"| {1 - (ell[i] + ell[i + 1]) / 2:.3f} | {s_L[i]:+.5f} | {s_B[i]:+.5f} "
            f"| {s_L[i] - s_B[i]:+.5f} | {derived[i]:+.5f} | {derived[i] / (s_L[i] - s_B[i]):.2f} "
            f"| {s_L[i] - derived[i]:+.5f} |"
        )
    return "\n".join(rows)


def cli_sweep(description: str, T_max: float) -> tuple[PLRFModel, list, list]:
    """The command line ``--a --b --T-max --cache-dir`` and its continued, cached sweep over
    half-decades from 1e2 (``optlr validate``'s default horizons): ``(model, Ts, optima)``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--T-max", type=float, default=T_max)
    p.add_argument("--cache-dir", default=None)
    args = p.parse_args()
    model = default_model(args.a, args.b)
    n = round(2 * np.log10(args.T_max / 100))
    Ts = [round(100 * 10 ** (k / 2)) for k in range(n + 1)]
    c0, t0 = time.process_time(), time.perf_counter()
    rs = optimal_continuum_sweep(model, Ts, cache_dir=args.cache_dir, progress=True)
    print(
        f"{model}; sweep {time.process_time() - c0:.1f} s CPU, {time.perf_counter() - t0:.1f} s "
        f"wall; largest KKT residual {max(r.kkt_residual for r in rs):.2g}"
    )
    return model, Ts, rs


def main() -> None:
    model, Ts, rs = cli_sweep(__doc__.splitlines()[0], 1e7)
    print(table(model, Ts, rs))


if __name__ == "__main__":
    main()
