"""The hard window's local slopes against ``log T`` and against the realised intrinsic time
``log tau_T``, and the claim read both ways, on a default run's stored optima::

    python -m benchmarks.window_realised_time --a 3 --b 3.5 --cache-dir DIR [--cut 4] [--budget]

``DIR`` is a default ``optlr validate --claim "hard annealing window" --cache-dir DIR`` run's
(read as :mod:`benchmarks.window_claim_on_cache` does). Without ``--budget`` the budget's grid and
mode terms are left out (no re-solves: the slopes and the schemes' spread only); ``--cut N``
drops the last ``N`` horizons (``--cut 4``: the sweep to ``T_max/100``, the protocol's H1).
Readouts: ``T`` = the claim as on main; ``tau`` = against ``log tau_T``, the plateau's unlearned
modes' noise and the bulk's rate deficit divided out, ``1 - w0`` removed from the derived list
(the protocol's rule, :func:`theory.window_realised_time`); ``tau1`` = the same without the
rate deficit's division; ``tau+`` = neither divided, the unlearned modes' exponent ``(b - a)/b``
in the list; ``T+`` = main's readout with ``(b - a)/b`` added to its list.
(benchmarks/results/claims.md, 2026-12-02s20 (win20); window_2026-12-04/PROTOCOL.md.)
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace

import numpy as np

from benchmarks.window_resolve_variants import cached_optima
from solvers.claims import catalog
from solvers.claims.catalog import CLAIMS, _budgeted, _exp_anneal_width
from solvers.claims.core import ExperimentContext, _numeric, _with_corrections, statistical_verdict
from solvers.claims.validate import default_horizons
from theory import PLRFModel, derive_scaling_laws, window_realised_time


def _slopes(x, y):
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return np.diff(ly) / np.diff(lx)


def _named(realised: int):
    """The claim's experiment with the realised-time readout on or off."""

    def exp(model, Ts, ctx):
        return _exp_anneal_width(model, Ts, ctx, realised=bool(realised))

    return exp


def _variants(model, m_T, m_tau):
    """The readouts' measurements before the derived corrections (see the docstring); the
    variants that change the values only where the values are still there (no ``--budget``)."""
    out = {"T": m_T, "tau": m_tau}
    raw = m_tau.diagnostics.get("extrapolation_input")
    if raw is None:
        return out
    _, added = window_realised_time().omegas(model.a, model.b)
    rate = np.asarray(m_tau.diagnostics["rate_factor"])
    d1 = {**m_tau.diagnostics, "extrapolation_input": {**raw, "y": raw["y"] / rate}}
    out["tau1"] = replace(m_tau, diagnostics=d1)
    undiv = raw["y"] / rate / np.asarray(m_tau.diagnostics["unlearned_factor"])
    d = {**m_tau.diagnostics, "extrapolation_input": {**raw, "y": undiv}}
    out["tau+"] = replace(m_tau, diagnostics={**d, "added_omegas": added})
    d_T = {**m_T.diagnostics, "added_omegas": [*m_T.diagnostics.get("added_omegas", ()), *added]}
    out["T+"] = replace(m_T, diagnostics=d_T)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--cache-dir", required=True)
    p.add_argument("--cut", type=int, default=0)
    p.add_argument("--budget", action="store_true")
    args = p.parse_args()
    model = PLRFModel(args.a, args.b, n_modes=10**12)  # the default run's model
    sol = cached_optima(args.cache_dir)
    claim = CLAIMS["hard annealing window"]
    Ts = [T for T in default_horizons(model, claim) if T in sol]
    Ts = Ts[: len(Ts) - args.cut]
    if not args.budget:  # no re-solves: the grid and mode terms left out
        catalog.layer.with_slope_grid_error = lambda model, sol, Ts, ctx, m, readout: m
    ctx = ExperimentContext(sweep=lambda *_, **__: 1 / 0)  # every optimum is stored
    ctx.memo[("optimal", model)] = sol
    pred = _numeric(claim.predicted_expr(), model)
    w0 = float(derive_scaling_laws().hard["anneal_window_exponent"].expr.subs(model.subs()))
    c0 = time.process_time()
    ms = {r: _budgeted(_named(r))(model, Ts, ctx) for r in (0, 1)}
    cpu = time.process_time() - c0
    m_T, m_tau = ms[0], ms[1]
    d = m_tau.diagnostics
    Tf, taus, share, ys = d["horizons_T"], d["realised_time"], d["lost_share"], m_T.diagnostics["y"]
    fac = np.asarray(d["unlearned_factor"]) * np.asarray(d["rate_factor"])
    sT, stau, sdiv = _slopes(Tf, ys), _slopes(taus, ys), _slopes(taus, np.asarray(ys) * fac)
    xm = 0.5 * (np.asarray(share[1:]) + np.asarray(share[:-1]))
    print(f"({args.a:g}, {args.b:g}) w0 = {w0:.5f}, T {Tf[0]:.3g} .. {Tf[-1]:.3g}, {cpu:.1f} s CPU")
    print(
        " T_mid      x=Lam_tau/T  slope(lnT)  slope(ln tau)  dec_T(1e-4) dec_tau  tilt  1/(1-x(1-w0))  slope(tau, divided)  1-factor"
    )
    for i in range(sT.size):
        dT = (sT[i - 1] - sT[i]) * 1e4 if i else math.nan
        dt = (stau[i - 1] - stau[i]) * 1e4 if i else math.nan
        print(f" {math.sqrt(Tf[i] * Tf[i + 1]):9.3g}  {xm[i]:.5f}     {sT[i]:.5f}     {stau[i]:.5f}"
              f"        {dT:6.1f}     {dt:6.1f}  {sT[i] / stau[i]:.5f} {1 / (1 - xm[i] * (1 - w0)):.5f}  {sdiv[i]:.5f}  {1 - fac[i]:.2e}")  # fmt: skip
    for name, m in _variants(model, m_T, m_tau).items():
        e = _with_corrections(m, claim, model).extrapolation
        om = [round(w, 4) for w in _with_corrections(m, claim, model).diagnostics["omegas"]]
        v = statistical_verdict(e, pred, claim.resolution).split(":")[0]
        h2 = [
            statistical_verdict(e, pred + s, claim.resolution).split(":")[0] for s in (-0.02, 0.02)
        ]
        sch = {k: round(x, 5) for k, x in e.schemes.items()}
        bud = {k: float(f"{x:.3g}") for k, x in e.budget.items()}
        print(f"{name:4s} omegas {om}: {e.value:.5f} (hw {e.halfwidth:.5f}) {v}; pred {pred:.5f};"
              f" shifted -0.02/+0.02: {h2}; primary {e.primary}; budget {bud}; schemes {sch}")  # fmt: skip
    if args.budget:
        print(f"grid term {d.get('grid_error')}, mode term {d.get('mode_error')}")


if __name__ == "__main__":
    main()
