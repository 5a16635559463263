"""``optlr report``: build the LaTeX report (and its PDF) in one command."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ._common import add_model_arguments, add_out_dir_argument, count, path, refuse_given

__all__ = ["register"]


def _cmd_report(args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")  # figures are files; never open a window

    from ..report import ReportConfig, build_report
    from ._common import CLIError, ResultError, model_from_args, out_dir

    if len(args.a) != len(args.b):
        raise CLIError(
            f"--a and --b must list the same number of points, got {len(args.a)} and {len(args.b)}"
        )
    models = [
        model_from_args(args, dense=False, a=a, b=b) for a, b in zip(args.a, args.b, strict=True)
    ]
    config = ReportConfig.default(
        quick=args.quick,
        models=models,
        T_max=args.T_max,
        sections=tuple(args.sections) if args.sections else None,
        curves=_curves(args),
    )
    if args.no_cache:
        refuse_given(args, ("--cache-dir",), "not with --no-cache (it stores nothing)")
        cache_dir = False
    else:
        cache_dir = args.cache_dir
    result = build_report(
        config,
        out_dir(args),
        compile_pdf=not args.no_pdf,
        cache_dir=cache_dir,
        progress=not args.quiet,
        command="optlr " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["report"] else None,
    )
    print(result.message.replace("; ", "\n"))
    print(
        f"{len(result.sections)} sections, {len(result.figures)} figures, "
        f"{result.cache_misses} computed / {result.cache_hits} cached, {result.seconds:.1f} s"
    )
    if not result.success:
        failed = [f"{r.name!r}: {r.message}" for r in result.sections if r.status == "failed"]
        raise ResultError("report incomplete; failed sections: " + ("; ".join(failed) or "-"))


def _curves(args: argparse.Namespace):
    """The ``CurvesSpec`` of ``--curves`` (None without it); its options need it."""
    from ..report import CurvesSpec
    from ._common import CLIError

    if args.curves is None:
        refuse_given(args, ("--runs", "--fit", "--predict", "--curves-boot"), "needs --curves")
        return None
    if args.predict is not None and args.fit is None:
        raise CLIError("--predict: needs --fit")
    ids = {
        k: tuple(t.strip() for t in (v or "").split(",") if t.strip())
        for k, v in (("fit", args.fit), ("predict", args.predict))
    }
    return CurvesSpec(args.curves, args.runs, ids["fit"], ids["predict"], args.curves_boot)


def register(sub) -> None:
    """Add the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="write a LaTeX report with derivations, claims, comparisons and figures",
        description="Build report.tex (sections, tables, figures in PDF and PNG) in --out-dir and "
        "compile it to report.pdf with latexmk or pdflatex when installed. Solves are cached, so "
        "a re-run with the same arguments recomputes nothing.",
    )
    add_model_arguments(p, a=[3.0, 1.5], b=[2.0, 3.0], paired=True)
    add_out_dir_argument(p, "output directory", default=Path("optlr-report"))
    p.add_argument(
        "--quick", action="store_true", help="smoke-test size: horizons up to 1e4 (seconds)"
    )
    p.add_argument(
        "--T-max",
        type=count,
        default=None,
        help="longest horizon (default 1e5, or 1e4 with --quick)",
    )
    p.add_argument(
        "--sections",
        nargs="+",
        metavar="NAME",
        help="build only these sections (model, derivation, optimal, claims, baselines, beyond; "
        "curves with --curves)",
    )
    g = p.add_argument_group("real training runs (adds the 'curves' section)")
    g.add_argument("--curves", help="CSV with columns run, step, lr, loss[, split], or llm-curves")
    g.add_argument("--runs", help="CSV of per-run metadata with a 'run' column")
    g.add_argument(
        "--fit", help="run ids to fit (default: the first model family, longest horizon held out)"
    )
    g.add_argument("--predict", help="run ids to predict, comma-separated")
    g.add_argument("--curves-boot", type=count, default=10, help="bootstrap refits (default 10)")
    p.add_argument("--no-pdf", action="store_true", help="write report.tex only; do not compile")
    p.add_argument(
        "--cache-dir", type=path, default=None, help="cache directory (default OUT/.cache)"
    )
    p.add_argument("--no-cache", action="store_true", help="recompute everything, store nothing")
    p.add_argument("--quiet", action="store_true", help="no progress lines on standard error")
    p.set_defaults(func=_cmd_report)
