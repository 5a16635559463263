"""What every ``optlr`` command shares: the model options, output options, JSON and errors."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Collection, Sequence
from pathlib import Path

__all__ = [
    "CLIError",
    "ResultError",
    "add_model_arguments",
    "add_model_command",
    "add_out_dir_argument",
    "add_output_arguments",
    "add_steps_argument",
    "at_least",
    "begin_start_up",
    "check_size",
    "count",
    "dumps",
    "emit",
    "end_start_up",
    "model_dict",
    "model_from_args",
    "model_text",
    "na",
    "out_dir",
    "path",
    "real",
    "refuse_given",
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


class ResultError(Exception):
    """A computation that produced no trustworthy answer (e.g. nan): one line, exit status 1."""


def count(text: str) -> int:
    """An argparse type for counts: ``1000``, ``1e8`` and ``1_000`` are accepted, ``1.5`` is not.

    argparse prefixes the message with the option's name (``argument --T: ...``).
    """
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer count such as 1000 or 1e8, got {text!r}"
        ) from None
    if not math.isfinite(x) or x != int(x):
        raise argparse.ArgumentTypeError(
            f"expected an integer count such as 1000 or 1e8, got {text!r}"
        )
    if abs(x) > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"expected a count up to 2^53 (~9e15), got {text!r}")
    return int(x)


#: Largest count accepted: every integer up to 2^53 is exact in float64 (1e300 is "integral" too).
MAX_COUNT = 2**53


def at_least(option: str, value: int, least: int = 1) -> int:
    """``value`` of ``option`` if it is at least ``least``; else a one-line error naming it."""
    if value < least:
        raise CLIError(f"{option}: expected an integer >= {least}, got {value}")
    return value


def path(text: str) -> Path:
    """An argparse type for a file or directory name (an empty name is refused)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file or directory name, got ''")
    return Path(text)


def real(text: str) -> float:
    """An argparse type for a finite real number (``nan`` and ``inf`` are refused)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a real number, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite real number, got {text!r}")
    return x


def real_or_inf(text: str) -> float:
    """A finite real number or ``inf`` (the batch size of full-batch gradient descent)."""
    x = float(text) if text.strip().lower() in ("inf", "+inf", "infinity") else real(text)
    return x


#: Bytes per (step, mode) pair of the largest arrays a solve or simulation keeps (float64 loss,
#: rate and adjoint terms with their work copies: a generous bound).
BYTES_PER_STEP_MODE = 64
#: Mode-steps a second, a conservative rate for the "this will take" note.
MODE_STEPS_PER_SECOND = 2e8
#: Runs estimated above this many seconds say so on standard error before they start.
ANNOUNCE_ABOVE_S = 10.0


def _available_memory() -> int:
    """Available memory in bytes (``MemAvailable`` on Linux; physical memory elsewhere)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import os

    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_size(
    what: str,
    steps: int,
    modes: int,
    *,
    per: int = BYTES_PER_STEP_MODE,
    rate: float = MODE_STEPS_PER_SECOND,
    reduce: str = "--T or --modes",
) -> None:
    """Refuse a run whose ``steps x modes`` arrays would not fit in available memory.

    ``per`` is the bytes kept per (step, mode) pair; ``0`` for a run whose memory does not grow
    with ``steps x modes`` (only the time note applies). ``rate``: (step, mode) pairs a second.
    ``reduce``: what the message tells the user to reduce.

    The message names the sizes and the limit; a run estimated to take long says so on
    standard error before it starts.
    """
    need = float(steps) * float(modes) * per
    have = _available_memory() if per else 0
    if per and need > have:
        size = f"{steps:g} steps x {modes:g} modes" if modes > 1 else f"{steps:g}"
        raise CLIError(
            f"{what}: {size} needs about {need / 2**30:.3g} GiB, "
            f"more than the {have / 2**30:.3g} GiB available; reduce {reduce}"
        )
    seconds = float(steps) * float(modes) / rate
    if seconds > ANNOUNCE_ABOVE_S:
        print(
            f"optlr: note: {what} of {steps:g}"
            + (f" steps x {modes:g} modes" if modes != 1 else "")
            + " may take "
            f"{seconds / 60:.1f} min or more",
            file=sys.stderr,
        )


#: Environment variables by which a user chooses the BLAS threads (any one set is respected).
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
    "GOTO_NUM_THREADS",
)  # fmt: skip

#: Whether :func:`begin_start_up` paused the automatic garbage collection.
_paused = False


def begin_start_up(*, one_blas_thread: bool = False) -> None:
    """Prepare a fresh ``optlr`` process for a command's start-up (``main`` calls a command's
    ``start_up(args)`` in the program only, after parsing and before the command imports its
    numerics).

    * Pauses the automatic garbage collection until :func:`end_start_up`: importing NumPy,
      SciPy and numba and loading numba's first kernel make ~200,000 objects and almost no
      garbage (a collector callback counted ~1,200 objects freed in the study's whole solve),
      yet the collector walked them 282 times (257 young, 23 middle, 2 full collections:
      0.12 s CPU of a 0.95 s fresh ``optlr solve``; benchmarks/results/speed.md).
    * ``one_blas_thread``: OpenBLAS is started with one thread (``OPENBLAS_NUM_THREADS=1``),
      for a command whose BLAS work all runs single-threaded anyway (its matrix algebra
      inside :func:`solvers.control._threads.single_threaded_blas`, its dot products too short
      for OpenBLAS to split): the second thread would only be created and spin in its wait
      loop (~0.05 s CPU at start). Not done if the user set any of
      :data:`BLAS_THREAD_VARIABLES`, or NumPy is already loaded (the setting would not
      apply); child processes inherit it.
    """
    global _paused
    if one_blas_thread and "numpy" not in sys.modules:
        if not any(v in os.environ for v in BLAS_THREAD_VARIABLES):
            os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if gc.isenabled():
        gc.disable()
        _paused = True


def end_start_up() -> None:
    """End a start-up that :func:`begin_start_up` paused (a no-op otherwise): freeze what it
    made (moved out of the collector's generations, never walked or freed again, as in
    ``gc.freeze``'s documented use) and resume automatic collection for the computation.

    A command calls this once its numerics are imported; ``main`` calls it again after the
    command (so an early error leaves no paused collector behind).
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def refuse_given(args: argparse.Namespace, options: Sequence[str], reason: str) -> None:
    """Refuse the options among ``options`` that the user gave where the command would ignore
    them (an explicit option is never silently dropped): one line naming the first and
    ``reason``. ``args.given`` is set by :func:`solvers.cli.main`; without it nothing is refused.
    """
    given = getattr(args, "given", frozenset())
    if bad := [o for o in options if o in given]:
        raise CLIError(f"{bad[0]}: {reason}")


def add_model_arguments(
    p: argparse.ArgumentParser,
    *,
    a: float | list[float] = 3.0,
    b: float | list[float] = 2.0,
    modes: int | None = 1000,
    modes_help: str = "default %(default)s",
    paired: bool = False,
) -> None:
    """The PLRF model's parameters, shared by every subcommand (``modes=None``: the command
    derives its mode count, described by ``modes_help``). ``paired``: ``--a`` and ``--b`` take
    one or more values, one model per pair (``a`` and ``b`` are then lists)."""
    if paired:
        g = p.add_argument_group("model (one point per pair of --a/--b values)")
        g.add_argument(
            "--a", type=real, nargs="+", default=a,
            help="source exponents a > 1 (default: %(default)s)",
        )  # fmt: skip
        g.add_argument(
            "--b", type=real, nargs="+", default=b,
            help="spectral exponents b > 1, paired with --a (default: %(default)s)",
        )  # fmt: skip
    else:
        g = p.add_argument_group("model")
        g.add_argument(
            "--a", type=real, default=a, help="source exponent a > 1 (default %(default)s)"
        )
        g.add_argument(
            "--b", type=real, default=b, help="spectral exponent b > 1 (default %(default)s)"
        )
    g.add_argument("--sigma", type=real, default=0.5, help="label-noise std (default %(default)s)")
    g.add_argument(
        "--batch", type=real_or_inf, default=1.0,
        help="batch size m >= 1, or inf (default %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--modes", type=count, default=modes, help=f"number of modes N, e.g. 1e4 ({modes_help})"
    )
    g.add_argument(
        "--eta-max", type=real, default=2.0, help="learning-rate bound (default %(default)s)"
    )


def add_model_command(sub, name: str, help: str, description: str, **model_options):
    """A subcommand that works on one PLRF model: its parser, with the model options
    (``model_options`` as for :func:`add_model_arguments`)."""
    p = sub.add_parser(name, help=help, description=description)
    add_model_arguments(p, **model_options)
    return p


def add_steps_argument(
    p: argparse.ArgumentParser, default: int, help: str = "number of steps, e.g. 1e5"
) -> None:
    """``--T``, the horizon: a count (``1e5`` accepted), ``help`` followed by the default."""
    p.add_argument("--T", type=count, default=default, help=help + " (default %(default)s)")


#: Bytes per mode of a command that keeps every mode (a few dozen float64 arrays of n_modes).
BYTES_PER_MODE = 512


def model_from_args(args: argparse.Namespace, *, dense: bool = True, a=None, b=None):
    """The :class:`theory.PLRFModel` of the model options (``a``, ``b``: one pair of
    ``add_model_arguments(paired=True)``'s lists instead of ``args.a``, ``args.b``).

    ``dense``: the command keeps arrays over all ``n_modes`` modes, so ``--modes`` is checked
    against available memory (``validate`` bins the tail and passes ``False``).
    """
    from theory import PLRFModel

    if dense:
        check_size("--modes", args.modes, 1, per=BYTES_PER_MODE)
    return PLRFModel(
        a=args.a if a is None else a,
        b=args.b if b is None else b,
        sigma=args.sigma,
        batch=args.batch,
        n_modes=args.modes,
        eta_max=args.eta_max,
    )


def model_text(model) -> str:
    """The model as the text formats print it: ``a=3 b=2 sigma=0.5 batch=1 modes=1000``."""
    return (
        f"a={model.a:g} b={model.b:g} sigma={model.sigma:g} batch={model.batch:g} "
        f"modes={model.n_modes}"
    )


def model_dict(model) -> dict:
    """The model as the JSON formats give it (under ``"model"``)."""
    return {
        "a": model.a,
        "b": model.b,
        "sigma": model.sigma,
        "batch": model.batch,
        "n_modes": model.n_modes,
        "eta_max": model.eta_max,
        "phase": str(model.phase),
    }


def add_output_arguments(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """``--format`` (``text`` by default: for a person; ``json`` for a program) and ``--out FILE``."""
    if "text" not in formats:
        raise ValueError(f"every command has a text format, got {formats}")
    p.add_argument(
        "--format", choices=formats, default="text",
        help="output format: text for a person, json for a program (default %(default)s)",
    )  # fmt: skip
    p.add_argument("--out", type=path, help="write to this file (atomically) instead of stdout")


def add_out_dir_argument(p: argparse.ArgumentParser, help: str, default: Path | None = None):
    """``--out-dir DIR`` for a command that writes a folder; ``--out`` still accepted, deprecated."""
    p.add_argument("--out-dir", type=path, default=None, help=help + (
        f" (default {default})" if default is not None else ""))  # fmt: skip
    p.add_argument("--out", type=path, dest="out_deprecated", help=argparse.SUPPRESS)
    p.set_defaults(out_dir_default=default)


def out_dir(args: argparse.Namespace) -> Path | None:
    """The ``--out-dir`` of ``args``; the deprecated ``--out`` with a warning on stderr."""
    if args.out_deprecated is not None:
        if args.out_dir is not None:
            raise CLIError("give --out-dir only (--out is its deprecated spelling)")
        warnings.warn(
            "--out DIR is deprecated here; use --out-dir DIR", FutureWarning, stacklevel=2
        )
        args.out_dir, args.out_deprecated = args.out_deprecated, None
    folder = args.out_dir if args.out_dir is not None else args.out_dir_default
    if folder is not None and folder.exists() and not folder.is_dir():
        raise CLIError(f"--out-dir: {folder} is a file; expected a directory")
    return folder


#: A nan or inf printed as a number (not inside a word); ``batch=inf`` is a valid model.
_NONFINITE = re.compile(r"(?<![\w.])[-+]?(nan|inf|infinity)(?![\w])", re.IGNORECASE)
_VALID_INF = re.compile(r"""(batch=|"batch": "?|batch |m=)inf"?""")


def emit(text: str, out: Path | None) -> None:
    """Print ``text`` or write it to ``out`` atomically; refuse a result showing nan or inf.

    Raises
    ------
    ResultError
        The text shows a non-finite number (other than an infinite batch size): a computation
        failed numerically and its result is not printed as if it were an answer.
    """
    if m := _NONFINITE.search(_VALID_INF.sub("", text)):
        start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 50)
        context = text[start : m.end()].strip()
        raise ResultError(
            f"the result has a non-finite value ({m.group(0)!r} in {context!r}): "
            "the inputs are outside the range where the numerics give an answer"
        )
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        from theory._disk import atomic_write

        if out.is_dir():
            raise CLIError(f"--out: {out} is a directory; expected a file name")
        atomic_write(out, text.encode())


def na(x, spec: str = ".4g") -> str:
    """``x`` formatted, or ``n/a`` where the library marks a value as not available (nan/None).

    For quantities that may legitimately be absent (a standard error from two points, a sweep
    that was skipped): printing ``n/a`` says so, where a bare ``nan`` would be refused by
    :func:`emit` as a failed computation.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec)


def _jsonable(x, optional: bool):
    if isinstance(x, float) and not math.isfinite(x):
        if optional:
            return None  # declared by the command: not available (nan) or unbounded (inf)
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")  # emit() refuses these
    return x


def dumps(obj, optional: Collection[str] = ()) -> str:
    """JSON in which a non-finite value under a key listed in ``optional`` is ``null`` (not
    available, or an unbounded interval) and any other non-finite float is a string (``"nan"``,
    ``"inf"``) that :func:`emit` refuses."""

    def clean(o, opt=False):
        if isinstance(o, dict):
            return {k: clean(v, opt or k in optional) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v, opt) for v in o]
        return _jsonable(o, opt)

    return json.dumps(clean(obj))
