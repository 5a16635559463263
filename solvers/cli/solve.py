"""``optlr solve``: optimise the learning-rate schedule with a registered method."""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import warnings

from ..control._optimisers import DIRECT_OPTIMISERS
from ..control.registry import METHODS
from ._common import (
    ANNOUNCE_ABOVE_S,
    MODE_STEPS_PER_SECOND,
    CLIError,
    add_model_command,
    add_output_arguments,
    add_steps_argument,
    begin_start_up,
    check_size,
    count,
    dumps,
    emit,
    end_start_up,
    model_from_args,
    model_text,
    path,
    real,
)

__all__ = ["register"]

#: Progress bars only for solves at least this large (T * n_modes); small ones finish at once.
PROGRESS_ABOVE = 10**6


def _progress(args, model):
    """A tqdm progress callback on stderr, or None (no TTY, --quiet, or a small problem)."""
    if args.quiet or not sys.stderr.isatty() or args.T * model.n_modes < PROGRESS_ABOVE:
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:  # the optional "progress" extra is not installed
        return None, None

    bar = tqdm(total=args.maxiter, desc="optlr solve", unit="it", file=sys.stderr, leave=False)

    def update(iteration: int, log_loss: float) -> None:
        bar.n = iteration
        bar.set_postfix_str(f"L={math.exp(log_loss):.4e}", refresh=False)
        bar.refresh()

    return update, bar


#: Forward + adjoint passes per multilevel level that the direct method's time note assumes
#: (measured: the study's problem took 46 passes over its 2 levels; ``--T 1e6 --modes 20
#: --maxiter 20`` 14.3 s CPU over 5 levels, about 25 a level), at most ``--maxiter + 1``.
PASSES_PER_LEVEL = 20
#: A checkpointed pass (``T x modes`` past ``STORE_ALL_BYTES``) recomputes the forward pass once
#: more in segments: a forward, a recompute and an adjoint sweep against two.
CHECKPOINT_COST = 1.5


def _announce_direct(args: argparse.Namespace, n_modes: int) -> None:
    """Say before it starts when a direct solve will take long: its levels (multilevel
    continuation) times :data:`PASSES_PER_LEVEL` passes of ``T`` steps by ``n_modes`` at
    ``MODE_STEPS_PER_SECOND`` (a lower estimate; the solve's own count is not known before)."""
    from ..control._objective import STORE_ALL_BYTES
    from ..control.direct import MULTILEVEL_BLOCK_RATIO, multilevel_blocks

    n = args.T if args.blocks is None else args.blocks
    ratio = {} if args.blocks is None else {"ratio": MULTILEVEL_BLOCK_RATIO}
    levels = 1 if args.no_multilevel else 1 + len(multilevel_blocks(n, **ratio))
    per_level = (
        PASSES_PER_LEVEL if args.maxiter is None else min(PASSES_PER_LEVEL, args.maxiter + 1)
    )
    cost = CHECKPOINT_COST if args.T * n_modes * 8 > STORE_ALL_BYTES else 1.0
    seconds = float(args.T) * n_modes * levels * per_level * cost / MODE_STEPS_PER_SECOND
    if seconds > ANNOUNCE_ABOVE_S:
        print(f"optlr: note: solve --method direct of {args.T:g} steps x {n_modes:g} modes "
              f"({levels} levels of {per_level} passes or more) may take {seconds / 60:.1f} "
              "min or more", file=sys.stderr)  # fmt: skip


def _cmd_solve(args: argparse.Namespace) -> None:
    from ..control import SOLVERS, get_solver

    model = model_from_args(args, dense=args.method != "continuum")  # continuum bins the modes
    if args.method not in SOLVERS:
        get_solver(args.method)  # raises the informative error
    if args.method != "continuum":  # its grid and mode bins grow like log T and log N
        check_size(f"solve --method {args.method}", args.T, model.n_modes)
    if args.method == "direct":
        _announce_direct(args, model.n_modes)
    options: dict = {}
    if args.blocks is not None:
        options["blocks"] = args.blocks
    direct_only = {
        "maxiter": args.maxiter,
        "tol": args.tol,
        "criterion": args.criterion,
        "optimiser": args.optimiser,
    }
    if args.method == "direct":
        options["optimiser"] = "auto" if args.optimiser is None else args.optimiser
        options["maxiter"] = 5000 if args.maxiter is None else args.maxiter
        options["tol"] = 1e-4 if args.tol is None else args.tol
        options["criterion"] = "scaled" if args.criterion is None else args.criterion
        options["multilevel"] = False if args.no_multilevel else None  # None: the solver's default
    elif given := [k for k, v in direct_only.items() if v is not None] + (
        ["no-multilevel"] if args.no_multilevel else []
    ):
        raise CLIError(f"--{given[0]} applies to --method direct only, not --method {args.method}")
    solver = SOLVERS[args.method]  # imports the method's numerics: the start-up ends here
    end_start_up()
    progress, bar = _progress(args, model)
    if progress is not None:
        options["progress"] = progress
    try:
        result = solver(model, args.T, **options)
    finally:
        if bar is not None:
            bar.close()
    if not result.success:
        warnings.warn(result.message, stacklevel=1)
    if args.save is not None:
        result.save(args.save)
    if args.plot is not None:
        import matplotlib

        from ..plots import plot_schedule

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        artists = plot_schedule(result)
        fig = artists["ax"].figure
        fig.tight_layout()
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.plot)
        plt.close(fig)
    if args.format == "json":
        emit(dumps(result.to_dict()), args.out)
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["t", "eta", "loss"])
        # one row per node of the result's grid: every step for the per-step solvers, the
        # J + 1 nodes of the continuum grid (eta[i] holds from t[i] to t[i+1])
        for i, t in enumerate(result.t):
            eta = repr(float(result.eta[i])) if i < result.eta.size else ""
            w.writerow(
                [int(t) if float(t).is_integer() else float(t), eta, repr(float(result.loss[i]))]
            )
        emit(buf.getvalue(), args.out)
    else:  # text
        lines = [
            f"optlr solve ({result.method}): {model_text(model)} eta_max={model.eta_max:g} "
            f"T={result.T} phase={model.phase}",
            f"final excess loss L(T) = {result.final_loss:.10e}",
            f"{result.message}; {result.iterations} iterations, {result.n_evaluations} "
            f"evaluations, {result.seconds:.2f} s",
        ]
        emit("\n".join(lines), args.out)


def _start_up(args: argparse.Namespace) -> None:
    """A fresh ``optlr solve``'s start-up: collection paused until the solver is imported; one
    BLAS thread for the direct method, whose BLAS work (L-BFGS-B's) runs single-threaded."""
    begin_start_up(one_blas_thread=args.method == "direct")


def _add_solve(sub) -> None:
    p = add_model_command(
        sub,
        "solve",
        help="optimise the learning-rate schedule (direct, bvp or continuum method)",
        description="Minimise the final excess loss L(T) over the learning-rate schedule.",
    )
    add_steps_argument(p, 1000, "number of steps, e.g. 1e4")
    p.add_argument(
        "--method",
        choices=tuple(METHODS),
        default="direct",
        help="solver (default %(default)s)",
    )
    p.add_argument("--blocks", type=count, help="piecewise-constant rate on K blocks")
    p.add_argument(
        "--maxiter", type=count, default=None,
        help="optimiser iterations (direct only; default 5000)",
    )  # fmt: skip
    p.add_argument(
        "--tol", type=real, default=None, help="relative KKT tolerance (direct only; default 1e-4)"
    )
    p.add_argument(
        "--criterion",
        choices=("scaled", "box"),
        default=None,
        help="KKT measure: rates changed by up to their own size (scaled) or up to eta_max "
        "(box, stricter) (direct only; default scaled)",
    )
    p.add_argument(
        "--optimiser",
        choices=DIRECT_OPTIMISERS,
        default=None,
        help="optlr's projected L-BFGS, SciPy's L-BFGS-B, or auto: the first up to 512 "
        "variables (direct only; default auto)",
    )
    p.add_argument(
        "--no-multilevel",
        action="store_true",
        help="optimise at the final resolution only, without coarse block levels (direct only)",
    )
    p.add_argument("--plot", type=path, help="write a figure of the schedule and loss here")
    p.add_argument("--save", type=path, help="save the result (.json or .npz) for reloading")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_output_arguments(p, ("text", "json", "csv"))
    p.set_defaults(func=_cmd_solve, start_up=_start_up)


def register(sub) -> None:
    """Add the ``solve`` subcommand."""
    _add_solve(sub)
