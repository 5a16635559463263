"""``optlr simulate``: run the exact recursion for a named schedule."""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import asdict

from ._common import (
    TEXT_ROWS,
    add_model_command,
    add_output_arguments,
    add_steps_argument,
    at_least,
    begin_start_up,
    check_size,
    count,
    dumps,
    emit,
    end_start_up,
    model_from_args,
    model_text,
)


def _cmd_simulate(args: argparse.Namespace) -> None:
    from ..dynamics import simulate
    from ..schedules import parse_schedule

    end_start_up()  # the numerics are imported
    model = model_from_args(args)
    at_least("--record-every", args.record_every)  # was a ZeroDivisionError at 0
    # the recorded curve is T / record_every floats; the recursion costs T x modes operations
    check_size("simulate", args.T // args.record_every + 1 + model.n_modes, 1, per=64)
    check_size("simulate", args.T, model.n_modes, per=0)
    check_size("simulate --T", args.T, 1, per=32)  # the schedule, per step (parsed and kept)
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
            f"optlr simulate: {model_text(model)} phase={model.phase}",
            f"schedule {args.schedule}, T={traj.T}, {traj.time} time",
            f"{'t':>10}  {'excess loss':>14}",
            *(f"{int(traj.t[i]):>10}  {traj.loss[i]:>14.6e}" for i in idx),
            f"final excess loss L(T) = {traj.final_loss:.10e}",
        ]
        emit("\n".join(lines), args.out)


def register(sub) -> None:
    p = add_model_command(
        sub,
        "simulate",
        help="run the exact recursion for a schedule and print the loss curve",
        description="Run the PLRF dynamics (exact SGD recursion) for a named schedule.",
    )
    add_steps_argument(p, 1000)
    p.add_argument(
        "--schedule",
        default="constant:0.2",
        help="constant:ETA | linear:ETA | cosine:ETA | wsd:ETA,FRAC | poly:ETA,DELTA | "
        "power:ETA,CHI (default %(default)s)",
    )
    p.add_argument("--time", choices=("discrete", "continuous"), default="discrete")
    p.add_argument("--record-every", type=count, default=1, help="record L every k steps")
    add_output_arguments(p, ("text", "json", "csv"))
    p.set_defaults(func=_cmd_simulate, start_up=_start_up)


def _start_up(args: argparse.Namespace) -> None:
    """A fresh ``optlr simulate``'s start-up: collection paused until the recursion is imported
    (:func:`~solvers.cli._common.begin_start_up`; benchmarks/results/house.md)."""
    begin_start_up()
