"""``optlr export``: a schedule as CSV/JSON, optionally fitted and moved to another horizon."""

from __future__ import annotations

import argparse
import csv
import io

from ._common import CLIError, add_output_arguments, check_size, count, dumps, emit, real


def _cmd_export(args: argparse.Namespace) -> None:
    from ..schedules import parse_schedule
    from ..schedules.export import (
        export_schedule,
        fit_power_decay,
        fit_wsd,
        load_schedule,
        transfer,
    )

    if (args.schedule is None) == (args.input is None):
        raise CLIError("give exactly one of --schedule SPEC or --input FILE")
    for opt, T in (("--T", args.T if args.input is None else None), ("--to-T", args.to_T)):
        if T is not None:
            check_size(f"export {opt}", T, 1, per=64)
    if args.input is not None:
        sched = load_schedule(args.input)
    else:
        sched = export_schedule(parse_schedule(args.schedule, args.T), name=args.schedule)
    fit = None
    if args.fit == "power":
        f = fit_power_decay(sched.lr, xi=args.xi, bound=args.bound)
        fit = {
            "kind": "power",
            "A": f.A,
            "delta": f.delta,
            "c": f.c,
            "xi": f.xi,
            "rms_log": f.rms_log,
            "T": f.T,
        }
        sched = f.schedule()
    elif args.fit == "wsd":
        f = fit_wsd(sched.lr)
        fit = {"kind": "wsd", "eta0": f.eta0, "frac": f.frac, "rms": f.rms, "T": f.T}
        sched = f.schedule()
    if args.to_T is not None or args.base_lr is not None:
        sched = transfer(
            sched,
            T=args.to_T,
            base_lr=args.base_lr,
            phase=args.phase,
            xi=args.xi,
            window_exponent=args.window_exponent,
        )
    if args.format == "text":
        emit(_text(sched, fit), args.out)
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["step", "lr"])
        for t, x in enumerate(sched.lr):
            w.writerow([t, repr(float(x))])
        emit(buf.getvalue(), args.out)
    else:
        emit(
            dumps(
                {
                    "name": sched.name,
                    "T": sched.T,
                    "lr": sched.lr.tolist(),
                    "meta": sched.meta,
                    "fit": fit,
                }
            ),
            args.out,
        )


def _text(sched, fit) -> str:
    """A person's view: the schedule's name, horizon, rate at a few steps, and the fit."""
    import numpy as np

    T = sched.T
    steps = np.unique(np.linspace(0, T - 1, min(T, 11)).round().astype(int))
    lines = [f"optlr export: schedule {sched.name}, T={T}"]
    if fit is not None:
        lines.append("fit: " + ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in fit.items()))  # fmt: skip
    lines.append(f"{'step':>10}  {'lr':>14}")
    lines += [f"{int(t):>10}  {float(sched.lr[t]):>14.6e}" for t in steps]
    lines.append("(--format csv or json for every step)")
    return "\n".join(lines)


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export a schedule (fit, transfer to your horizon and base rate) as CSV/JSON",
        description="Export a learning-rate schedule for training: a named schedule or a "
        "CSV/JSON file, optionally fitted by c T^-xi (1-t/T)^delta or WSD, and moved to "
        "another horizon / base rate by the phase's transfer rule.",
    )
    p.add_argument("--schedule", help="kind:params, e.g. poly:0.5,3 (see simulate)")
    p.add_argument("--input", help="schedule file (.csv with step,lr or .json)")
    p.add_argument(
        "--T", type=count, default=1000, help="steps of --schedule (default %(default)s)"
    )
    p.add_argument("--fit", choices=("none", "power", "wsd"), default="none")
    p.add_argument("--bound", type=real, help="upper bound excluded from the power fit")
    p.add_argument("--to-T", type=count, help="new horizon")
    p.add_argument("--base-lr", type=real, help="your peak learning rate")
    p.add_argument("--phase", choices=("easy", "hard"), default="easy")
    p.add_argument("--xi", type=real, help="easy phase: level exponent eta ~ T^-xi")
    p.add_argument(
        "--window-exponent",
        type=real,
        default=1.0,
        help="hard phase: decay window ~ T^omega (default %(default)s)",
    )
    add_output_arguments(p, ("text", "json", "csv"))
    p.set_defaults(func=_cmd_export)
