"""The ``optlr`` command line.

Each subcommand is a thin client of the public API: it parses arguments into model records and
calls the packages. Bad input exits with status 2 and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from theory import PLRFModel

__all__ = ["main"]

#: Rows of the loss table that the text format prints (log-spaced in t).
TEXT_ROWS = 21


def _version() -> str:
    try:
        return version("optlr")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def add_model_arguments(p: argparse.ArgumentParser, *, a: float = 3.0, b: float = 2.0) -> None:
    """The PLRF model's parameters, shared by every subcommand."""
    g = p.add_argument_group("model")
    g.add_argument("--a", type=float, default=a, help="source exponent a > 1 (default %(default)s)")
    g.add_argument(
        "--b", type=float, default=b, help="spectral exponent b > 1 (default %(default)s)"
    )
    g.add_argument("--sigma", type=float, default=0.5, help="label-noise std (default %(default)s)")
    g.add_argument(
        "--batch", type=float, default=1.0, help="batch size m >= 1, or inf (default %(default)s)"
    )
    g.add_argument(
        "--modes", type=int, default=1000, help="number of modes N (default %(default)s)"
    )
    g.add_argument(
        "--eta-max", type=float, default=2.0, help="learning-rate bound (default %(default)s)"
    )


def model_from_args(args: argparse.Namespace) -> PLRFModel:
    return PLRFModel(
        a=args.a,
        b=args.b,
        sigma=args.sigma,
        batch=args.batch,
        n_modes=args.modes,
        eta_max=args.eta_max,
    )


def add_output_arguments(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    p.add_argument(
        "--format", choices=formats, default=formats[0], help="output format (default %(default)s)"
    )
    p.add_argument("--out", type=Path, help="write to this file instead of standard output")


def emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)


def _jsonable(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def dumps(obj) -> str:
    """JSON with non-finite floats written as strings (``"inf"``) or null, never invalid JSON."""

    def clean(o):
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v) for v in o]
        return _jsonable(o)

    return json.dumps(clean(obj))


# -- simulate --------------------------------------------------------------------------------


def _cmd_simulate(args: argparse.Namespace) -> None:
    from solvers import parse_schedule, simulate

    model = model_from_args(args)
    eta = parse_schedule(args.schedule, args.T)
    traj = simulate(model, eta, time=args.time, record_every=args.record_every)
    if args.format == "json":
        payload = {
            "t": traj.t.tolist(),
            "loss": traj.loss.tolist(),
            "final_loss": traj.final_loss,
            "schedule": args.schedule,
            "T": traj.T,
            "time": traj.time,
            **asdict(model),
        }
        emit(dumps(payload), args.out)
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["t", "eta", "loss"])
        for t, loss in zip(traj.t, traj.loss, strict=True):
            w.writerow([int(t), repr(float(traj.eta[min(t, traj.T - 1)])), repr(float(loss))])
        emit(buf.getvalue(), args.out)
    else:
        import numpy as np

        idx = np.unique(np.geomspace(1, traj.t.size, TEXT_ROWS).astype(int) - 1)
        lines = [
            f"optlr simulate: a={model.a:g} b={model.b:g} sigma={model.sigma:g} "
            f"batch={model.batch:g} modes={model.n_modes} phase={model.phase}",
            f"schedule {args.schedule}, T={traj.T}, {traj.time} time",
            f"{'t':>10}  {'excess loss':>14}",
            *(f"{int(traj.t[i]):>10}  {traj.loss[i]:>14.6e}" for i in idx),
            f"final excess loss L(T) = {traj.final_loss:.10e}",
        ]
        emit("\n".join(lines), args.out)


def _add_simulate(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="run the exact recursion for a schedule and print the loss curve",
        description="Run the PLRF dynamics (exact SGD recursion) for a named schedule.",
    )
    add_model_arguments(p)
    p.add_argument("--T", type=int, default=1000, help="number of steps (default %(default)s)")
    p.add_argument(
        "--schedule",
        default="constant:0.2",
        help="constant:ETA | linear:ETA | cosine:ETA | wsd:ETA,FRAC | poly:ETA,DELTA | "
        "power:ETA,CHI (default %(default)s)",
    )
    p.add_argument("--time", choices=("discrete", "continuous"), default="discrete")
    p.add_argument("--record-every", type=int, default=1, help="record L every k steps")
    add_output_arguments(p, ("text", "json", "csv"))
    p.set_defaults(func=_cmd_simulate)


#: Subcommands defined in this module.
SUBCOMMANDS: list[Callable] = [_add_simulate]

#: Modules defining further subcommands through ``register(subparsers)``, in help order.
#: Imported when the parser is built, so that they may import helpers from this module.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "solvers._cli_derive",
    "solvers._cli_solve",
    "solvers._cli_validate",
    "solvers._cli_mc",
    "solvers._cli_export",
    "solvers._cli_estimate",
    "solvers._cli_report",
    "solvers._cli_beyond",
    "solvers._cli_fit",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optlr",
        description="Optimal learning-rate schedules for power-law random-feature models: "
        "derive exponents, solve the optimal control problem, validate claims.",
    )
    parser.add_argument("--version", action="version", version=f"optlr {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(sub)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                args.func(args)
            finally:
                for w in caught:
                    print(f"optlr: warning: {w.message}", file=sys.stderr)
    except (ValueError, TypeError, CLIError, OSError) as exc:
        print(f"optlr: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
