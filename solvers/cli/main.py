"""The ``optlr`` command line: the parser and the entry point.

Each command lives in its own module of this package (``register(subparsers)``) and is a thin
client of the public API: it parses arguments into model records and calls the packages. Bad
input exits with status 2 and a one-line message, never a traceback. Command modules import
their numerics inside their handlers, so that ``optlr --help`` imports nothing heavy.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from . import beyond, derive, estimate, export, mc, report, simulate, solve, validate
from ._common import CLIError, _version

__all__ = ["build_parser", "main"]

#: The commands, in help order.
COMMANDS = (simulate, derive, solve, validate, mc, export, estimate, report, beyond)


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked for."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.stdout.write(f"optlr {_version()}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optlr",
        description="Optimal learning-rate schedules for power-law random-feature models: "
        "derive exponents, solve the optimal control problem, validate claims.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
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
