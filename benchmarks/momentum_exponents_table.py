"""Derived against measured momentum exponents, with the derived corrections and error budget.

    python -m benchmarks.momentum_exponents_table benchmarks/results/momentum_longrun_*.json

Reads the long-horizon optima of :mod:`benchmarks.momentum_longrun` (the base families only: no
friction knots, the default friction bounds; for a form, point and horizon the file listed last
wins, so a resumed file extends its source) and, per point and form, prints the exponent of
:func:`solvers.control.momentum_forms.form_extrapolation` — the estimator of ``optlr momentum
--form`` and of the claims — with its budget (fit, scheme spread, solver error from the KKT
residual, discretisation error from the finer grids), the derived exponent, the verdict at
resolution 0.02 and 0.01 (:func:`solvers.claims.core.statistical_verdict`), the verdicts of the
prediction shifted by +-0.02, and the solves' convergence figures. ``--check`` adds, per form,
the residuals of the derived-correction fit against the model-free (free omega) one.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import fields

import numpy as np

from solvers.claims.core import statistical_verdict
from solvers.control._momentum_grid_errors import SHIFT_CURVATURE  # the optimum's shift
from solvers.control.momentum_forms import (
    FormExponents,
    derived_exponent,
    form_extrapolation,
    form_gain_extrapolation,
)
from solvers.control.momentum_longrun import DELTA_BOUNDS, LongrunOptions, LongrunResult
from theory import PLRFModel, momentum_omegas


def _options(d: dict) -> LongrunOptions:
    names = {f.name for f in fields(LongrunOptions)}
    return LongrunOptions(**{k: v for k, v in d.items() if k in names})


def _base_family(opt: LongrunOptions) -> bool:
    return opt.friction_knots == 0 and tuple(opt.delta_bounds) == DELTA_BOUNDS


def load(paths, max_kkt: float = math.inf) -> dict:
    """``{(a, b): {form: {T: LongrunResult}}}`` from the base-family files (later files win),
    without the solves whose KKT residual exceeds ``max_kkt``."""
    out: dict = {}
    for path in paths:
        with open(path) as fh:
            d = json.load(fh)
        opt = _options(d["options"])
        if not _base_family(opt) or opt.bins_per_decade != LongrunOptions.bins_per_decade:
            continue
        m = d["model"]
        model = PLRFModel(a=m["a"], b=m["b"], sigma=m["sigma"], batch=m["batch"],
                          n_modes=int(m["n_modes"]))  # fmt: skip
        for s in d["solves"]:
            if not math.isfinite(s["loss"]) or s["kkt"] > max_kkt:
                continue
            names = tuple(s["params"])
            r = LongrunResult(
                s["form"], int(s["T"]), s["loss"], np.array(list(s["params"].values())), names,
                s["success"], s["status"], s["message"], s["kkt"], s["iterations"],
                s["evaluations"], s["cpu_seconds"], s["wall_seconds"], (), model, opt,
                {k: v for k, v in s.get("errors", {}).items() if k in ("time", "quadrature")},
            )  # fmt: skip
            out.setdefault((model.a, model.b), {}).setdefault(s["form"], {})[r.T] = (model, r)
    return out


def refine(data: dict, path: str) -> None:
    """Replace losses by the refined ones of ``path`` where it has them; their errors become the
    refinement error and the optimum's shift (:data:`SHIFT_CURVATURE`)."""
    from dataclasses import replace

    with open(path) as fh:
        ref = json.load(fh)
    for (a, b), forms in data.items():
        for form, by_T in forms.items():
            for T, (model, r) in by_T.items():
                e = ref.get(f"{a:g}_{b:g}", {}).get(str(T))
                if e is None or e["form"] != form:
                    continue
                delta = e["loss"] / e["optimiser_loss"] - 1.0  # r.loss may be refined already
                errs = {"refinement": e["error"], "shift": delta**2 / (2 * SHIFT_CURVATURE)}
                by_T[T] = (model, replace(r, loss=e["loss"], errors=errs))


def sweep(entries: dict) -> FormExponents:
    """One form's optima as a :class:`FormExponents` (its horizons, sorted)."""
    Ts = sorted(entries)
    model = entries[Ts[0]][0]
    form = entries[Ts[0]][1].form
    return FormExponents(model, np.array(Ts), {form: tuple(entries[T][1] for T in Ts)}, {})


def row(fe: FormExponents, form: str, check: bool) -> list[str]:
    """The table line of one form (and with ``check`` the fit residuals)."""
    e = form_extrapolation(fe, form)
    m = fe.model
    der = derived_exponent(form, m)
    solves = fe.solves[form]
    b = e.budget
    verdicts = [statistical_verdict(e, der + d, r).split(":")[0]
                for d, r in ((0, 0.02), (0, 0.01), (-0.02, 0.02), (0.02, 0.02))]  # fmt: skip
    conv = max(s.kkt for s in solves)
    line = (
        f"| ({m.a:g}, {m.b:g}) {m.phase} | {form} | {der:.4f} | **{e.value:.4f} ± {e.halfwidth:.4f}** | "
        f"{abs(e.value - der):.4f} | {b['fit']:.1e} / {b['schemes']:.1e} / {b['solver']:.1e} / "
        f"{b['quadrature']:.1e} | {e.primary} | {', '.join(f'{v:.4f}' for v in e.slopes)} | "
        f"{fe.horizons[0]:.0e}–{fe.horizons[-1]:.0e} | {conv:.1e} | "
        f"{' / '.join(verdicts)} |"
    )  # fmt: skip
    out = [line]
    if check:
        om = momentum_omegas(form, str(m.phase), m.a, m.b)
        free = form_extrapolation(fe, form)  # the primary (derived) fit's omega vs free omega
        out.append(f"    omegas {[round(w, 4) for w in om]}; schemes "
                   f"{ {k: round(v, 4) for k, v in free.schemes.items()} }")  # fmt: skip
        for s in solves:
            out.append(f"    T={s.T:.0e} L={s.loss:.6g} kkt={s.kkt:.1e} it={s.iterations} "
                       f"cpu={s.cpu_seconds:.0f}s err={ {k: f'{v:.1e}' for k, v in s.errors.items()} }")  # fmt: skip
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--check", action="store_true", help="per-solve figures and every scheme")
    ap.add_argument("--refined", action="append", default=[],
                    help="JSON of benchmarks.momentum_refine: its losses replace the optimiser "
                    "grid's, with its refinement error and the optimum's shift in the budget")  # fmt: skip
    ap.add_argument("--max-kkt", type=float, default=math.inf,
                    help="leave out the solves whose KKT residual exceeds this (e.g. 1e-4)")  # fmt: skip
    ap.add_argument("--T", default=None,
                    help="only these horizons, comma-separated (e.g. the decades of a file that "
                    "also holds a half-decade)")  # fmt: skip
    args = ap.parse_args(argv)
    data = load(args.files, args.max_kkt)
    if args.T is not None:
        keep = {int(float(v)) for v in args.T.split(",")}
        for forms in data.values():
            for by_T in forms.values():
                for T in set(by_T) - keep:
                    del by_T[T]
    for path in args.refined:
        refine(data, path)
    print("| point | form | derived | measured ± half-width | |diff| | budget fit / schemes / "
          "solver / discretisation (s.e.) | scheme | local slopes | horizons | max KKT | "
          "verdict at 0.02 / 0.01 / pred - 0.02 / pred + 0.02 |\n" + "|---" * 11 + "|")  # fmt: skip
    for point in sorted(data):
        for form in ("sgd", "ema", "heavy-ball", "nesterov"):
            if form in data[point] and len(data[point][form]) >= 3:
                print("\n".join(row(sweep(data[point][form]), form, args.check)))
    print("\n| point | form | gain over SGD ± half-width | derived gain | local slope gains |\n"
          "|---|---|---|---|---|")  # fmt: skip
    for point in sorted(data):
        for form in ("ema", "heavy-ball", "nesterov"):
            if "sgd" in data[point] and form in data[point]:
                print(gain_row(data[point], form))


def pair_sweep(forms: dict, form: str) -> FormExponents:
    """SGD's and ``form``'s optima at one point on their common horizons."""
    Ts = sorted(set(forms["sgd"]) & set(forms[form]))
    model = forms["sgd"][Ts[0]][0]
    return FormExponents(model, np.array(Ts), {f: tuple(forms[f][T][1] for T in Ts)
                                               for f in ("sgd", form)}, {})  # fmt: skip


def gain_row(forms: dict, form: str) -> str:
    """The gain of ``form``'s exponent over SGD's on their common horizons."""
    fe = pair_sweep(forms, form)
    model = fe.model
    g = form_gain_extrapolation(fe, form)
    der = derived_exponent(form, model) - derived_exponent("sgd", model)
    return (
        f"| ({model.a:g}, {model.b:g}) | {form} | {g.value:+.4f} ± {g.halfwidth:.4f} | "
        f"{der:+.4f} | {', '.join(f'{v:+.4f}' for v in g.slopes)} |"
    )


if __name__ == "__main__":
    main()
