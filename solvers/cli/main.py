"""The ``optlr`` command line: the parser and the entry point.

Each command lives in its own module of this package (``register(subparsers)``) and is a thin
client of the public API: it parses arguments into model records and calls the packages. Bad
input exits with status 2 and a one-line message naming the argument, never a traceback; a
computation that gives no trustworthy answer (nan, inf) exits with status 1. Anything else that
escapes is a bug: one line, status 1 (``OPTLR_DEBUG=1`` re-raises it with its traceback).
Command modules import their numerics inside their handlers, so that ``optlr --help`` imports
nothing heavy, and a run of one command imports and registers that command's module only.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from collections.abc import Sequence

from ._common import CLIError, ResultError, _version, end_start_up

__all__ = ["build_parser", "main"]

#: One command of each command module, in help order (``beyond`` registers ``batch``,
#: ``momentum`` and ``compute-optimal``).
MODULE_COMMANDS = (
    "simulate", "derive", "solve", "validate", "mc", "export", "estimate", "fit", "report", "batch",
)  # fmt: skip


def _command_modules(command: str | None) -> tuple:
    """The modules that register the subcommands: every one in help order, or only the one
    that registers ``command`` (importing and registering all twelve costs a fresh
    ``optlr solve`` about 50 ms CPU; ``tests/test_cli.py`` holds this table to the parsers)."""
    match command:
        case "simulate":
            from . import simulate as module
        case "derive":
            from . import derive as module
        case "solve":
            from . import solve as module
        case "validate":
            from . import validate as module
        case "mc":
            from . import mc as module
        case "export":
            from . import export as module
        case "estimate":
            from . import estimate as module
        case "fit":
            from . import fit as module
        case "report":
            from . import report as module
        case "batch" | "momentum" | "compute-optimal":
            from . import beyond as module
        case _:
            return tuple(_command_modules(name)[0] for name in MODULE_COMMANDS)
    return (module,)


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked for."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.stdout.write(f"optlr {_version()}\n")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage is one ``--help`` away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``optlr`` parser with every subcommand, or with ``command``'s only (its module's)."""
    parser = _Parser(
        prog="optlr",
        description="Optimal learning-rate schedules for power-law random-feature models: "
        "derive exponents, solve the optimal control problem, validate claims.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules(command):
        module.register(sub)
    return parser


#: The default an option has while :func:`_given` finds out whether the user gave it.
_UNSET = object()


def _given(parser: argparse.ArgumentParser, words: Sequence[str]) -> frozenset[str]:
    """The options of the command line's subcommand that the user gave (their long spelling,
    abbreviations resolved), for :func:`~solvers.cli._common.refuse_given`: the command line
    parsed again with every default replaced by a marker (a value equal to the default counts
    as given)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = sub.choices[words[0]]
    actions = [a for a in command._actions if a.option_strings and a.dest != "help"]
    saved = [a.default for a in actions]
    try:
        for a in actions:  # ``append`` adds to its default: None is its marker
            a.default = None if isinstance(a, argparse._AppendAction) else _UNSET
        ns, _ = command.parse_known_args(list(words[1:]))
    finally:
        for a, default in zip(actions, saved, strict=True):
            a.default = default
    return frozenset(
        a.option_strings[-1] for a in actions if getattr(ns, a.dest, _UNSET) not in (_UNSET, None)
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if text else type(exc).__name__


def _fail(status: int, kind: str, message: str, caught: list) -> int:
    """Print one line (the warnings that led to it folded in) and return ``status``."""
    if caught:
        notes = "; ".join(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
        message += f" [after warnings: {notes}]"
    print(f"optlr: {kind}: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``optlr`` with ``argv``; the exit status (0 done, 1 failed, 2 bad input).

    Called without ``argv`` (as the program: the ``optlr`` script, ``python -m solvers.cli``),
    it runs the command's start-up hook, if it has one (``optlr solve``: collection paused
    while its numerics are imported, one BLAS thread; :func:`~solvers.cli._common.begin_start_up`),
    and it freezes the garbage collector before returning: the process exits next, and the
    interpreter's exit-time collections would walk the ~120,000 objects that NumPy, SciPy and
    numba leave and destroy numba's compiler state one object at a time (measured 0.27 s CPU
    of a 1.9 s ``optlr solve``, benchmarks/results/speed.md); frozen objects are left to the
    operating system. ``atexit`` handlers still run and the standard streams are still
    flushed; nothing of optlr relies on a finaliser at exit (its writes are closed and
    atomic before ``main`` returns).
    """
    status = _run(argv, program=argv is None)
    if argv is None:
        gc.freeze()
    return status


def _run(argv: Sequence[str] | None, program: bool = False) -> int:
    """:func:`main`'s work: parse ``argv``, run the command, map exceptions to a status.

    ``program``: this process runs ``optlr`` and exits next; the command's ``start_up(args)``
    (a parser default, if it has one) prepares the process before the command runs
    (:func:`~solvers.cli._common.begin_start_up`).
    """
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a one-line usage error (status 2)
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    args.given = _given(parser, words)
    if program and (start_up := getattr(args, "start_up", None)) is not None:
        start_up(args)
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                args.func(args)
            finally:
                end_start_up()
    except (ValueError, TypeError, CLIError, OSError) as exc:  # bad input, or a file named
        return _fail(2, "error", _one_line(exc), caught)
    except ResultError as exc:
        return _fail(1, "error", _one_line(exc), caught)
    except KeyboardInterrupt:
        return _fail(130, "error", "interrupted", caught)
    except Exception as exc:  # the last resort: a bug, or a limit the checks did not foresee
        if os.environ.get("OPTLR_DEBUG", "") not in ("", "0"):
            raise
        message = f"{type(exc).__name__}: {_one_line(exc)} (OPTLR_DEBUG=1 shows the traceback)"
        return _fail(1, "internal error", message, caught)
    for w in caught:
        print(f"optlr: warning: {w.message}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
