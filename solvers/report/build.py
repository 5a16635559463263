"""Build the report: run the sections in order, write ``report.tex`` and figures, compile."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from .._cache import DiskCache
from .core import (
    Provider,
    ReportConfig,
    ReportContext,
    ReportResult,
    _appendix,
    _document,
    _run_provider,
    _stderr_log,
    compile_latex,
)
from .sections import SECTIONS

__all__ = ["build_report"]


def _chosen(config: ReportConfig, providers: Sequence[Provider]) -> list[Provider]:
    """The providers the configuration selects, in report order (unknown names refused)."""
    chosen = list(providers)
    if config.sections is not None:
        known = {p.name for p in chosen}
        unknown = sorted(set(config.sections) - known)
        if unknown:
            raise ValueError(f"sections: unknown {unknown}; expected some of {sorted(known)}")
        chosen = [p for p in chosen if p.name in config.sections]
    return chosen


def _run_sections(ctx: ReportContext, chosen: Sequence[Provider], parallel_figures: bool) -> list:
    """Run the sections in order, logging each; the figure workers finish before returning."""
    records = []
    if parallel_figures:
        ctx.start_renderer()
    try:
        for i, p in enumerate(chosen, 1):
            ctx.progress(f"[{i}/{len(chosen)}] {p.title} ...")
            rec = _run_provider(p, ctx)
            records.append(rec)
            extra = f": {rec.message}" if rec.message else ""
            ctx.progress(
                f"[{i}/{len(chosen)}] {p.title}: {rec.status} ({rec.seconds:.1f} s){extra}"
            )
    finally:
        ctx.finish_figures()
    return records


def build_report(
    config: ReportConfig | None = None,
    out: str | Path = "optlr-report",
    *,
    compile_pdf: bool = True,
    cache_dir: str | Path | Literal[False] | None = None,
    progress: bool | Callable[[str], None] = True,
    providers: Sequence[Provider] | None = None,
    command: str | None = None,
    parallel_figures: bool = True,
) -> ReportResult:
    """Build the report: run every provider, write ``out/report.tex`` and figures, compile.

    Parameters
    ----------
    config : ReportConfig, optional
        Defaults to :meth:`ReportConfig.default`.
    out : path
        Output directory (created).
    compile_pdf : bool
        Compile ``report.pdf`` when a LaTeX toolchain is present.
    cache_dir : path, None or False
        On-disk cache of solves; ``None`` means ``out/.cache``; ``False`` disables caching.
    progress : bool or callable
        Progress lines on standard error (or to this callable).
    providers : sequence of Provider, optional
        The sections; :data:`solvers.report.sections.SECTIONS` by default.
    parallel_figures : bool
        Draw figures in worker processes while the sections compute (the files are complete
        when this returns).
    command : str, optional
        The command line, recorded in the document.
    """
    config = config if config is not None else ReportConfig.default()
    if not isinstance(config, ReportConfig):
        raise TypeError(f"config must be a ReportConfig, got {type(config).__name__}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = None if cache_dir is False else Path(cache_dir) if cache_dir else out / ".cache"
    cache = DiskCache(root)
    log = progress if callable(progress) else (_stderr_log if progress else lambda _m: None)
    ctx = ReportContext(config, out, cache, log)

    chosen = _chosen(config, SECTIONS if providers is None else providers)
    t0 = time.perf_counter()
    records = _run_sections(ctx, chosen, parallel_figures)
    seconds = time.perf_counter() - t0

    tex = out / "report.tex"
    tex.write_text(_document(config, records, _appendix(config, records, cache, seconds, command)))
    failed = [r.name for r in records if r.status == "failed"]
    messages = [f"wrote {tex}"]
    if failed:
        messages.append(f"section(s) failed: {', '.join(failed)}")

    comp = None
    pdf = None
    ok = not failed
    if compile_pdf:
        log("compiling LaTeX ...")
        comp = compile_latex(tex)
        messages.append(comp.message)
        pdf = comp.pdf
        if comp.tool is not None and not comp.success:
            ok = False
    figures = tuple(f for r in records for f in r.figures)
    return ReportResult(
        out=out,
        tex=tex,
        pdf=pdf,
        sections=tuple(records),
        compile=comp,
        cache_hits=cache.hits,
        cache_misses=cache.misses,
        seconds=time.perf_counter() - t0,
        success=ok,
        message="; ".join(messages),
        figures=figures,
    )
