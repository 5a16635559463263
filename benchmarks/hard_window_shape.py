"""Why the hard annealing window resolves slowly at (1.5, 3): its shape drifts (issue 12).

One continued, cached continuum sweep of ``(a, b)`` at ``optlr validate``'s default model and
horizons (half-decades from 1e2, cut at ``--T-max``), read three ways:

1. **Readouts at several levels.** The local slopes of the lost time ``Lambda_l`` times
   ``n^kappa`` (the claim's readout at ``l = 0.5``; ``n = sigma^2 + L(T)``) at levels
   0.1 .. 0.9, against the prediction ``omega_0 = (a + b - 1)/(2b - 1)``.
2. **The window's shape.** Its exponent from two lost times
   (``solvers.claims.window_shape_exponent``) per horizon, against the balance's ``2b - 1``,
   and the rate at which it drifts: ``-d log(delta_{i+1} - delta_i)/d log T`` over successive
   increments, against the derived boundary-layer exponent ``omega_0/(2b)``.
3. **The fixed-shape balance's own correction.** The window balance of
   ``theory.derive_scaling_laws`` (cost, window noise, plateau noise and the subleading final
   noise, with their derived coefficients, the source ``n`` and the rate cap of the solve)
   minimised exactly in ``W`` at each ``T``: the local slope of ``W_full/W_lead`` (the
   correction the balance itself predicts, with the shape held at ``2b - 1``) beside the
   measured excess ``slope - omega_0``.

Then the claim's readout extrapolated (``solvers.analysis.extrapolate_exponent`` with the derived
corrections) on the horizons up to each cut. Results: ``benchmarks/results/claims.md``
(2026-11-30g).

Usage::

    python -m benchmarks.hard_window_shape --a 1.5 --b 3 --T-max 1e9 --cache-dir /tmp/optima
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar

from benchmarks.hard_loss_source import cli_sweep
from solvers.analysis.extrapolate import extrapolate_exponent
from solvers.claims import CLAIMS, lost_time, window_shape_exponent
from solvers.claims.core import claim_omegas
from theory import PLRFModel, derive_corrections, derive_scaling_laws, window_source_response
from theory import symbols as S

#: Levels of the lost-time readouts compared in table 1.
LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Pairs of levels whose lost times give the window's shape exponent (table 2).
SHAPE_PAIRS = ((0.25, 0.75), (0.05, 0.25))


def _slopes(T, y) -> np.ndarray:
    return np.diff(np.log(y)) / np.diff(np.log(T))


def window_readout(model: PLRFModel, T, rs, level: float = 0.5) -> np.ndarray:
    """The claim's readout at ``level``: the lost time times ``(sigma^2 + L(T))^kappa``."""
    kappa = float(window_source_response().kappa.subs(model.subs()))
    lost = np.array([lost_time(r, t, level) for r, t in zip(rs, T, strict=True)])
    return lost * (model.sigma**2 + np.array([r.final_loss for r in rs])) ** kappa


def readout_table(model: PLRFModel, T, rs) -> str:
    """Table 1: local slopes of ``Lambda_l n^kappa`` per level."""
    rows = ["| T (midpoint) | " + " | ".join(f"level {lv:g}" for lv in LEVELS) + " |",
            "|---" * (len(LEVELS) + 1) + "|"]  # fmt: skip
    cols = [_slopes(T, window_readout(model, T, rs, lv)) for lv in LEVELS]
    for i in range(T.size - 1):
        cells = " | ".join(f"{c[i]:.4f}" for c in cols)
        rows.append(f"| {math.sqrt(T[i] * T[i + 1]):.3g} | {cells} |")
    return "\n".join(rows)


def shape_table(model: PLRFModel, T, rs) -> str:
    """Table 2: the window's shape exponent per horizon and the rate of its drift."""
    d = {pr: np.array([window_shape_exponent(r, t, pr) for r, t in zip(rs, T, strict=True)])
         for pr in SHAPE_PAIRS}  # fmt: skip
    rows = ["| T | " + " | ".join(f"delta ({l1:g}/{l2:g}) | drift rate" for l1, l2 in SHAPE_PAIRS)
            + " |", "|---" * (2 * len(SHAPE_PAIRS) + 1) + "|"]  # fmt: skip
    for i in range(T.size):
        cells = []
        for pr in SHAPE_PAIRS:
            rate = math.nan
            if 1 <= i < T.size - 1:  # successive increments d_{i+1}-d_i against d_i-d_{i-1}
                inc = np.diff(d[pr][i - 1 : i + 2])
                if np.all(inc > 0):
                    rate = -math.log(inc[1] / inc[0]) / math.log(T[i + 1] / T[i])
            cells.append(f"{d[pr][i]:.3f} | {rate:.3f}")
        rows.append(f"| {T[i]:.3g} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def balance_correction(model: PLRFModel, T, rs) -> np.ndarray:
    """Per horizon, ``log(W_full/W_lead)`` of the fixed-shape window balance (module docstring,
    item 3), with the source ``n = sigma^2 + L(T)`` and the solve's rate cap."""
    from theory._asymptotics import _derive_delta, _derive_window, _response, omega

    r = _response()
    d_star, _ = _derive_delta(r)
    _, _, _, terms = _derive_window(r, d_star)
    out = []
    for res, t in zip(rs, T, strict=True):
        n = model.sigma**2 + res.final_loss
        sub = {S.a: model.a, S.b: model.b}
        sub |= {s: v for s in set().union(*(x.coef.free_symbols for x in terms))
                for name, v in (("eta_max", res.diagnostics["eta_upper"]), ("iota", 1 / model.batch),
                                ("sigma", math.sqrt(n))) if s.name == name}  # fmt: skip
        coef = [(float(sp.N(x.coef.subs(sub))), sp.lambdify(omega, x.exponent.subs(sub)), x.name)
                for x in terms]  # fmt: skip

        def J(w, final, coef=coef, t=t):
            return sum(c * t ** e(w) for c, e, nm in coef if final or nm != "window final noise")

        w = [minimize_scalar(lambda w, f=f: J(w, f), bounds=(0, 1), method="bounded",
                             options={"xatol": 1e-13}).x for f in (True, False)]  # fmt: skip
        out.append((w[0] - w[1]) * math.log(t))
    return np.array(out)


def balance_table(model: PLRFModel, T, rs) -> str:
    """Table 3: the fixed-shape balance's slope correction against the measured excess."""
    w0 = float(derive_scaling_laws().hard["anneal_window_exponent"].expr.subs(model.subs()))
    measured = _slopes(T, window_readout(model, T, rs)) - w0
    derived = np.diff(balance_correction(model, T, rs)) / np.diff(np.log(T))
    rows = ["| T (midpoint) | measured slope - omega_0 | fixed-shape balance |", "|---|---|---|"]
    for i in range(T.size - 1):
        rows.append(
            f"| {math.sqrt(T[i] * T[i + 1]):.3g} | {measured[i]:+.4f} | {derived[i]:+.4f} |"
        )
    return "\n".join(rows)


def cuts_table(model: PLRFModel, T, rs, cuts) -> str:
    """The claim's readout extrapolated with the derived corrections up to each cut."""
    y = window_readout(model, T, rs)
    omegas = claim_omegas(CLAIMS["hard annealing window"], model)
    rows = ["| T_max | value +- half-width | primary | schemes |", "|---|---|---|---|"]
    for cut in [c for c in cuts if c <= T[-1] * 1.001] or [T[-1]]:  # each cut once
        m = T <= cut * 1.001
        if m.sum() < 4:
            continue
        e = extrapolate_exponent(T[m], y[m], omegas=omegas)
        sch = ", ".join(f"{k} {v:.4f}" for k, v in e.schemes.items())
        rows.append(
            f"| {T[m][-1]:.3g} | {e.value:.4f} +- {e.halfwidth:.4f} | {e.primary} | {sch} |"
        )
    return "\n".join(rows)


def boundary_layer_omega(model: PLRFModel) -> float:
    """The window's derived end-of-run boundary layer exponent, ``omega_0/(2b)``."""
    row = derive_corrections()["hard"]["anneal_window_exponent"]
    (term,) = [t for t in row.terms if t.mechanism.startswith("end-of-run boundary layer")]
    return term.omega_at(model.a, model.b)


def main() -> None:
    model, Ts, rs = cli_sweep(__doc__.splitlines()[0], 1e9)
    if model.phase != "hard":
        raise SystemExit(f"{model} is not in the hard phase")
    T = np.asarray(Ts, float)
    for title, tab in (("Local slopes of the lost time times n^kappa, per level",
                        readout_table(model, T, rs)),
                       ("The window's shape exponent (2b - 1 = "
                        f"{2 * model.b - 1:g}) and its drift rate (omega_0/(2b) = "
                        f"{boundary_layer_omega(model):.4f})",
                        shape_table(model, T, rs)),
                       ("The fixed-shape balance's correction", balance_table(model, T, rs)),
                       ("The claim's readout extrapolated up to each cut",
                        cuts_table(model, T, rs, [1e7, 10**7.5, 1e8, 10**8.5, 1e9]))):  # fmt: skip
        print(f"\n{title}\n\n{tab}")


if __name__ == "__main__":
    main()
