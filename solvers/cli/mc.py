"""``optlr mc``: Monte-Carlo SGD (optionally with momentum) against the exact recursion."""

from __future__ import annotations

import argparse

from ._common import (
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
    model_dict,
    model_from_args,
    real,
)

#: Feature draws a second of the vectorised SGD (Gaussian sampling dominates): for the time note.
MC_RATE = 5e6


def _cmd_mc(args: argparse.Namespace) -> None:
    from ..dynamics import compare_curves, monte_carlo, simulate
    from ..schedules import parse_schedule

    end_start_up()  # the numerics are imported
    model = model_from_args(args)
    at_least("--record-every", args.record_every)
    batch = 1 if model.batch == float("inf") else int(model.batch)
    # per step: seeds x batch x modes Gaussian features (and the state, seeds x modes)
    check_size("mc", args.seeds * batch, model.n_modes, per=24)
    check_size("mc --T", args.T, 1, per=64)  # the schedule and the records, per step
    check_size("mc", args.T * args.seeds * batch, model.n_modes, per=0, rate=MC_RATE)
    eta = parse_schedule(args.schedule, args.T)
    beta = args.beta if args.beta else None
    mc = monte_carlo(
        model,
        eta,
        beta=beta,
        seeds=args.seeds,
        seed=args.seed,
        record_every=args.record_every,
        progress=args.progress,
    )
    if beta is None:
        exact = simulate(model, eta, record_every=args.record_every)
    else:  # the derived moment closure: SymPy is imported for momentum only (0.56 s)
        from ..dynamics import simulate_momentum

        exact = simulate_momentum(model, eta, beta, record_every=args.record_every)
    cmp = compare_curves(mc, exact)
    payload = {
        **mc.to_dict(),
        "schedule": args.schedule,
        "beta": args.beta,
        "recursion": exact.loss.tolist(),
        "z": cmp.z.tolist(),
        "max_abs_z": cmp.max_abs_z,
        "bonferroni_threshold": cmp.family_threshold,
        "agree_3sigma": cmp.agree,
        "agree_family": cmp.agree_family,
        "model": model_dict(model),
    }
    if args.format == "json":
        emit(dumps(payload), args.out)
    else:
        lines = [
            f"optlr mc: a={model.a:g} b={model.b:g} phase={model.phase} seeds={mc.seeds} "
            f"schedule {args.schedule} T={mc.T} beta={args.beta:g}",
            f"{'t':>8}  {'MC mean':>12}  {'sem':>10}  {'recursion':>12}  {'z':>6}",
            *(
                f"{int(t):>8}  {m:>12.5e}  {s:>10.2e}  {r:>12.5e}  {z:>6.2f}"
                for t, m, s, r, z in zip(
                    mc.t, mc.mean, mc.sem, payload["recursion"], cmp.z, strict=True
                )
            ),
            f"max |z| = {cmp.max_abs_z:.2f} (3-sigma: {'ok' if cmp.agree else 'exceeded'}; "
            f"Bonferroni 1% bound {cmp.family_threshold:.2f}: "
            f"{'ok' if cmp.agree_family else 'exceeded'})",
        ]
        emit("\n".join(lines), args.out)


def register(sub) -> None:
    p = add_model_command(
        sub,
        "mc",
        help="Monte-Carlo SGD over many seeds, compared with the exact recursion",
        description="Simulate one-pass minibatch SGD (EMA momentum optional) on Gaussian "
        "features for many seeds and compare the mean loss with the exact recursion.",
    )
    add_steps_argument(p, 200, "number of steps")
    p.add_argument("--schedule", default="constant:0.2", help="kind:params (see simulate)")
    p.add_argument("--beta", type=real, default=0.0, help="EMA momentum (default 0: SGD)")
    p.add_argument(
        "--seeds", type=count, default=1000, help="independent runs (default %(default)s)"
    )
    p.add_argument("--seed", type=count, default=0, help="random seed (default %(default)s)")
    p.add_argument("--record-every", type=count, default=10, help="record every k steps")
    p.add_argument("--progress", action="store_true", help="progress bar on stderr")
    add_output_arguments(p, ("text", "json"))
    p.set_defaults(func=_cmd_mc, start_up=_start_up)


def _start_up(args: argparse.Namespace) -> None:
    """A fresh ``optlr mc``'s start-up: collection paused until the Monte-Carlo and the
    recursion are imported (:func:`~solvers.cli._common.begin_start_up`)."""
    begin_start_up()
