"""``optlr estimate``: which phase am I in? (a, b) from features/kernel and targets or losses."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import CLIError, add_output_arguments, dumps, emit


def _load(path: str):
    import numpy as np

    p = Path(path)
    if p.suffix == ".npy":
        return np.load(p)
    return np.loadtxt(p, delimiter=",", ndmin=1)


def _cmd_estimate(args: argparse.Namespace) -> None:
    from ..analysis.estimate import (
        digits_demo,
        estimate_from_features,
        estimate_from_kernel,
        estimate_from_losses,
    )

    k_range = tuple(args.k_range) if args.k_range else None
    if args.digits:
        out = digits_demo(features=args.digits, n_boot=args.boot, seed=args.seed)
    elif args.losses:
        data = _load(args.losses)
        if data.ndim != 2 or data.shape[1] < 2:
            raise CLIError("--losses needs a CSV with columns t, loss_run1[, loss_run2 ...]")
        out = estimate_from_losses(
            data[:, 0], data[:, 1:].T, floor=args.floor, b=args.b, b_err=args.b_err
        ).to_dict()
    elif args.features or args.kernel:
        if args.targets is None:
            raise CLIError("--features/--kernel need --targets")
        y = _load(args.targets)
        fn = estimate_from_features if args.features else estimate_from_kernel
        out = fn(
            _load(args.features or args.kernel),
            y,
            k_range=k_range,
            n_boot=args.boot,
            seed=args.seed,
        ).to_dict()
    else:
        raise CLIError("give --features/--kernel with --targets, --losses, or --digits")
    emit(dumps(out), args.out)


def register(sub) -> None:
    p = sub.add_parser(
        "estimate",
        help="estimate (a, b) and the phase from data, with uncertainty",
        description="Which phase am I in? Estimate the source and capacity exponents (a, b) "
        "from a feature matrix or kernel and targets (.npy or .csv), or the gradient-flow "
        "exponent (a-1)/b from loss curves; report the phase and its probability.",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--features", help="feature matrix (n x p), .npy or .csv")
    g.add_argument("--kernel", help="kernel matrix (n x n), .npy or .csv")
    g.add_argument("--losses", help="CSV: t, loss of run 1, run 2, ...")
    g.add_argument("--digits", choices=("rbf", "pixels"), help="demo on scikit-learn digits")
    p.add_argument("--targets", help="targets (n,), .npy or .csv")
    p.add_argument("--k-range", type=int, nargs=2, metavar=("K_LO", "K_HI"))
    p.add_argument("--boot", type=int, default=100, help="bootstrap resamples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--floor", type=float, default=0.0, help="loss floor to subtract (--losses)")
    p.add_argument("--b", type=float, help="known b, to turn the loss exponent into a")
    p.add_argument("--b-err", type=float, default=0.0)
    add_output_arguments(p, ("json",))
    p.set_defaults(func=_cmd_estimate)
