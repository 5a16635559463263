"""``optlr estimate``: which phase am I in? (a, b) from features/kernel and targets or losses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import (
    ANNOUNCE_ABOVE_S,
    CLIError,
    add_output_arguments,
    count,
    dumps,
    emit,
    real,
    refuse_given,
)


def _load(path: str, option: str):
    """A numeric array from ``.npy`` or ``.csv``; a bad file is an error naming option and file."""
    import numpy as np

    p = Path(path)
    try:
        data = np.load(p) if p.suffix == ".npy" else np.loadtxt(p, delimiter=",", ndmin=1)
        data = np.asarray(data, dtype=float)
    except (OSError, ValueError, EOFError, TypeError) as exc:
        raise CLIError(f"{option}: cannot read {str(p)!r} as a numeric array: {exc}") from None
    if data.size == 0:
        raise CLIError(f"{option}: {str(p)!r} holds no numbers")
    return data


#: Floating-point operations a second, a conservative rate for the "this will take" note.
FLOPS = 1e9


def _announce(M, n_boot: int) -> None:
    """Say how long the bootstrap will take when it is long (one spectrum per resample)."""
    if getattr(M, "ndim", 0) != 2:
        return
    lo, hi = sorted(M.shape)
    seconds = (n_boot + 1) * float(lo) ** 2 * hi / FLOPS
    if seconds > ANNOUNCE_ABOVE_S:
        print(f"optlr: note: estimate with {n_boot} resamples may take {seconds / 60:.1f} min "
              "or more", file=sys.stderr)  # fmt: skip


def _cmd_estimate(args: argparse.Namespace) -> None:
    from ..analysis.estimate import (
        digits_demo,
        estimate_from_features,
        estimate_from_kernel,
        estimate_from_losses,
    )

    k_range = tuple(args.k_range) if args.k_range else None
    _refuse_unused(args)
    if args.digits:
        out = digits_demo(features=args.digits, n_boot=args.boot, seed=args.seed)
    elif args.losses:
        data = _load(args.losses, "--losses")
        if data.ndim != 2 or data.shape[1] < 2:
            raise CLIError("--losses needs a CSV with columns t, loss_run1[, loss_run2 ...]")
        out = estimate_from_losses(
            data[:, 0], data[:, 1:].T, floor=args.floor or 0.0, b=args.b, b_err=args.b_err or 0.0
        ).to_dict()
    elif args.features or args.kernel:
        if args.targets is None:
            raise CLIError("--features/--kernel need --targets")
        y = _load(args.targets, "--targets")
        fn = estimate_from_features if args.features else estimate_from_kernel
        M = _load(args.features or args.kernel, "--features" if args.features else "--kernel")
        _announce(M, args.boot)
        out = fn(
            M,
            y,
            k_range=k_range,
            n_boot=args.boot,
            seed=args.seed,
        ).to_dict()
    else:
        raise CLIError("give --features/--kernel with --targets, --losses, or --digits")
    emit(dumps(out) if args.format == "json" else _text(out), args.out)


def _refuse_unused(args: argparse.Namespace) -> None:
    """Refuse the options that the chosen input (``--features``/``--kernel``, ``--losses`` or
    ``--digits``) would ignore."""
    if args.losses is not None:
        refuse_given(args, ("--targets", "--k-range", "--boot", "--seed"),
                     "applies to --features/--kernel (or --digits), not --losses")  # fmt: skip
    else:
        refuse_given(args, ("--floor", "--b", "--b-err"), "applies to --losses only")
    if args.digits is not None:
        refuse_given(args, ("--targets", "--k-range"), "applies to --features/--kernel only")


def _text(out: dict, indent: str = "") -> str:
    """The estimate's fields, one per line (nested records indented; long lists summarised)."""
    lines = []
    for k, v in out.items():
        if isinstance(v, dict):
            lines += [f"{indent}{k}:", _text(v, indent + "  ")]
        elif isinstance(v, list | tuple) and len(v) > 6:
            lines.append(f"{indent}{k}: [{len(v)} values]")
        else:
            lines.append(f"{indent}{k}: {v:.6g}" if isinstance(v, float) else f"{indent}{k}: {v}")
    return "\n".join(lines)


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
    p.add_argument("--k-range", type=count, nargs=2, metavar=("K_LO", "K_HI"))
    p.add_argument("--boot", type=count, default=100, help="bootstrap resamples")
    p.add_argument("--seed", type=count, default=0)
    p.add_argument("--floor", type=real, help="loss floor to subtract (--losses; default 0)")
    p.add_argument("--b", type=real, help="known b, to turn the loss exponent into a (--losses)")
    p.add_argument("--b-err", type=real, help="uncertainty of --b (--losses; default 0)")
    add_output_arguments(p, ("text", "json"))
    p.set_defaults(func=_cmd_estimate)
