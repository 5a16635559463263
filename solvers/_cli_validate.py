"""``optlr validate``: claims table (text, JSON, LaTeX) and figures for one (a, b)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from .cli import CLIError, add_model_arguments, dumps, emit, model_from_args

__all__ = ["register"]

#: Default number of modes: effectively infinite, represented by a log-binned tail.
DEFAULT_VALIDATE_MODES = 10**8


def _fmt(x, spec=".4f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def _text(model, Ts, rows) -> str:
    head = (
        f"optlr validate: a={model.a:g} b={model.b:g} sigma={model.sigma:g} batch={model.batch:g} "
        f"modes={model.n_modes} phase={model.phase}; T = {Ts[0]} .. {Ts[-1]} ({len(Ts)} points)"
    )
    w = max(len(r.claim) for r in rows)
    lines = [head, f"{'claim':<{w}}  {'predicted':>10}  {'measured':>22}  verdict"]
    for r in rows:
        meas = "-" if r.measured is None else f"{_fmt(r.measured)} ± {_fmt(r.stderr)}"
        lines.append(f"{r.claim:<{w}}  {_fmt(r.predicted):>10}  {meas:>22}  {r.verdict}")
        m = r.measurement
        if m is not None and m.slopes is not None:
            pairs = ", ".join(
                f"{x:.3g}:{y:+.4f}" for x, y in zip(m.slopes.x, m.slopes.slope, strict=True)
            )
            lines.append(f"{'':<{w}}  local slopes (T: slope) {pairs}")
        if m is not None and m.drift is not None:
            lines.append(f"{'':<{w}}  {m.drift.verdict}")
    return "\n".join(lines)


def _latex(model, rows) -> str:
    def esc(s):
        return s.replace("_", r"\_").replace("%", r"\%")

    out = [
        r"\begin{tabular}{llll}",
        r"\hline",
        rf"\multicolumn{{4}}{{l}}{{$a={model.a:g},\ b={model.b:g}$ ({model.phase} phase)}}\\",
        r"claim & predicted & measured & verdict \\",
        r"\hline",
    ]
    for r in rows:
        meas = "--" if r.measured is None else f"${_fmt(r.measured)} \\pm {_fmt(r.stderr)}$"
        pred = "--" if r.predicted is None else f"${_fmt(r.predicted)}$"
        out.append(f"{esc(r.claim)} & {pred} & {meas} & {esc(r.verdict)} \\\\")
    out += [r"\hline", r"\end{tabular}"]
    return "\n".join(out)


def _figures(out: Path, model, Ts, rows, ctx, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._validate import compare_baselines
    from ._validation_plots import plot_collapse, plot_local_slopes, plot_loss_vs_T

    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots()
    plot_local_slopes([r for r in rows if r.measurement is not None], ax=ax)
    fig.savefig(out / "local_slopes.png", dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots()
    plot_loss_vs_T(compare_baselines(model, Ts, ctx=ctx), ax=ax)
    fig.savefig(out / "loss_vs_T.png", dpi=120)
    plt.close(fig)
    for r in rows:
        m = r.measurement
        if m is not None and "collapse" in m.diagnostics:
            fig, ax = plt.subplots()
            plot_collapse(m.diagnostics["collapse"], ax=ax)
            fig.savefig(out / "collapse.png", dpi=120)
            plt.close(fig)


def _cmd_validate(args: argparse.Namespace) -> None:
    from ._claims import CLAIMS, ExperimentContext
    from ._validate import find_solver, horizons, validate

    model = model_from_args(args)
    Ts = horizons(args.T_min, args.T_max, args.points)
    for name in args.claim or []:
        if name not in CLAIMS:
            raise CLIError(f"--claim: unknown claim {name!r}; known: {', '.join(CLAIMS.names())}")
    solver = None if args.solver is None else find_solver(args.solver)
    ctx = ExperimentContext(
        solver=solver,
        grid_options={"exact": args.exact_modes, "ratio": args.bin_ratio},
        max_T_time_domain=args.T_max_time_domain,
    )
    rows = validate(model, Ts, claims=args.claim, ctx=ctx)
    if args.format == "json":
        text = dumps([r.to_dict() for r in rows])
    elif args.format == "latex":
        text = _latex(model, rows)
    else:
        text = _text(model, Ts, rows)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        suffix = {"json": "json", "latex": "tex", "text": "txt"}[args.format]
        emit(text, args.out / f"claims.{suffix}")
        if args.format != "latex":
            emit(_latex(model, rows), args.out / "claims.tex")
        _figures(args.out, model, Ts, rows, ctx, args)
    emit(text, None)


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check the analytic claims numerically: predicted vs measured exponents",
        description="Measure every claim of the registry over a horizon sweep and give a verdict.",
    )
    add_model_arguments(p)
    p.set_defaults(modes=DEFAULT_VALIDATE_MODES)
    p.add_argument("--claim", action="append", help="claim name (repeatable; default all)")
    p.add_argument(
        "--T-min", type=float, default=100, help="shortest horizon (default %(default)s)"
    )
    p.add_argument("--T-max", type=float, default=1e6, help="longest horizon (default %(default)s)")
    p.add_argument(
        "--points", type=int, default=5, help="horizons, geometric (default %(default)s)"
    )
    p.add_argument(
        "--T-max-time-domain", type=int, default=10_000,
        help="cap on T for baselines tuned on the time-domain recursion (default %(default)s)",
    )  # fmt: skip
    p.add_argument("--exact-modes", type=int, default=256, help="modes kept one by one")
    p.add_argument("--bin-ratio", type=float, default=1.1, help="tail bin-edge ratio (> 1)")
    p.add_argument("--solver", help="optimal-control solver name (when available)")
    p.add_argument("--format", choices=("text", "json", "latex"), default="text")
    p.add_argument("--out", type=Path, help="directory for the table files and figures")
    p.set_defaults(func=_cmd_validate)
