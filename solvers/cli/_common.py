"""What every ``optlr`` command shares: the model options, output options, JSON and errors."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "CLIError",
    "add_model_arguments",
    "add_output_arguments",
    "dumps",
    "emit",
    "model_from_args",
]

#: Rows of the loss table that the text format prints (log-spaced in t).
TEXT_ROWS = 21


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

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


def model_from_args(args: argparse.Namespace):
    """The :class:`theory.PLRFModel` of the model options."""
    from theory import PLRFModel

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
