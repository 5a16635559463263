"""``optlr export``: a schedule as CSV/JSON, optionally fitted and moved to another horizon."""

from __future__ import annotations

import argparse
import csv
import io

from ._common import (
    CLIError,
    add_output_arguments,
    add_steps_argument,
    check_size,
    count,
    dumps,
    emit,
    real,
    refuse_given,
)


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
    _refuse_unused(args)
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
    nearest = _nearest(args, sched) if args.nearest else None
    if args.format in ADAPTERS:
        emit(_adapter_code(sched, args.format), args.out)
    elif args.format == "text":
        emit(_text(sched, fit) + _nearest_text(nearest), args.out)
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
                    "nearest": nearest,
                }
            ),
            args.out,
        )


#: ``--format`` values that write Python code building a framework's scheduler from the schedule
#: (through optlr's adapters in ``solvers.schedules.export``): name -> (import, statement).
ADAPTERS = {
    "torch": ("to_torch_scheduler",
              "def make_scheduler(optimizer):\n"
              "    \"\"\"A LambdaLR whose multipliers (LRMultiplier objects, not lambdas) are "
              "saved by its state_dict.\"\"\"\n"
              "    return to_torch_scheduler(SCHEDULE, optimizer)\n"),
    "optax": ("to_optax", "schedule = to_optax(SCHEDULE)  # count -> lr, traceable by JAX\n"),
    "hf": ("hf_scheduler",
           "# Trainer(..., optimizers=(optimizer, make_scheduler(optimizer, num_training_steps)))\n"
           "make_scheduler = hf_scheduler(SCHEDULE)\n"),
}  # fmt: skip


def _refuse_unused(args: argparse.Namespace) -> None:
    """Refuse the options that this export would ignore (each names what it applies to)."""
    if args.input is not None:
        refuse_given(args, ("--T",), "sets the steps of --schedule, not of --input (its own)")
    if args.fit != "power":
        refuse_given(args, ("--bound",), "applies to --fit power only")
    if args.to_T is None and args.base_lr is None:
        refuse_given(args, ("--phase", "--window-exponent"), "applies with --to-T or --base-lr")
        if args.fit != "power":
            refuse_given(args, ("--xi",), "applies to --fit power or with --to-T/--base-lr")
    if not args.nearest:
        refuse_given(args, ("--model", "--warmup"), "applies with --nearest only")


def _adapter_code(sched, kind: str) -> str:
    """Python source building the ``kind`` scheduler of ``sched`` (rates embedded, exact repr)."""
    name, statement = ADAPTERS[kind]
    rates = ", ".join(repr(float(x)) for x in sched.lr)
    return (
        f"# optlr export: {sched.name}, T={sched.T}, peak {sched.peak:.6g} ({kind})\n"
        f"from solvers.schedules.export import export_schedule, {name}\n\n"
        f"SCHEDULE = export_schedule([{rates}], name={sched.name!r})\n" + statement
    )


def _nearest(args, sched) -> dict:
    """The nearest built-in parametric forms; priced by the fitted model of ``--model``."""
    import json

    from solvers.runs import LossParams, nearest_forms

    params, wd = None, None
    if args.model is not None:
        try:
            m = json.loads(open(args.model).read())["model"]
            params = LossParams(m["L_inf"], m["A"], m["s"], m["nu"], m["a"], m["b"],
                                p=m.get("p", 1.0), norm0=m.get("norm0"),
                                theta=m.get("theta", 1.0))  # fmt: skip
            wd = m.get("weight_decay")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CLIError(
                f"--model: {args.model}: expected the JSON of optlr fit ({exc})"
            ) from None
    return nearest_forms(sched.lr, warmup=args.warmup, params=params, weight_decay=wd)


def _nearest_text(nearest) -> str:
    if nearest is None:
        return ""
    lines = ["", "nearest built-in forms (poly: torch PolynomialLR(power=shape) / "
                 "optax.polynomial_schedule(power=shape); wsd: decay over shape*T):"]  # fmt: skip
    for form, d in nearest.items():
        price = f", predicted loss {d['loss']:.5g} (+{d['penalty']:.3g})" if "loss" in d else ""
        lines.append(
            f"  {form:8s} peak {d['peak']:.6g} shape {d['shape']:g} rms {d['rms']:.3g}{price}"
        )
    return "\n".join(lines)


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
    add_steps_argument(p, 1000, "steps of --schedule")
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
    p.add_argument(
        "--nearest", action="store_true",
        help="also give the nearest built-in forms (PolynomialLR / optax.polynomial_schedule, WSD)",
    )  # fmt: skip
    p.add_argument("--model", help="with --nearest: the JSON of optlr fit, to price each form")
    p.add_argument("--warmup", type=count, default=0, help="with --nearest: warmup steps kept")
    add_output_arguments(p, ("text", "json", "csv", *ADAPTERS))
    p.set_defaults(func=_cmd_export)
