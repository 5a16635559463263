"""Section 6: batch size, momentum and compute-optimal scaling."""

from __future__ import annotations

import math
import time

from ..core import (
    ReportContext,
    SectionOutput,
    _model_key,
    _model_label,
    latex_figure,
    latex_number,
)
from ._common import CLAIMS_MODES, _beyond_context


def _derived_paragraphs() -> list[str]:
    """The batch-size degeneracy and the EMA-momentum bias dynamics, printed from the engine."""
    from theory import batch_degeneracy, momentum_bias_dynamics

    deg = batch_degeneracy().latex()
    mom = momentum_bias_dynamics().latex()
    return [
        "\\paragraph{Learning rate and batch size.} In sample time $s = m t$ the continuous "
        "dynamics depend on the rate and the batch only through $r = \\eta/m$ (derived):\n"
        f"\\[ {deg['continuous_per_sample']} \\]\n"
        "so at a fixed sample budget the joint optimality conditions are degenerate. The exact "
        "recursion breaks the degeneracy by its curvature term:\n"
        f"\\[ {deg['breaking']} \\]\n",
        "\\paragraph{Momentum.} For EMA momentum the engine derives the bias dynamics of one mode "
        f"(matrix ${mom['matrix']}$), a slow-mode rate ${mom['slow_rate']}$ independent of "
        f"$\\beta$ and the stability region ${mom['stability_boundary']}$: with "
        "$\\eta \\le \\eta_{\\max}$ the intrinsic time is bounded as for SGD, so no exponent gain "
        "is expected; \\texttt{optlr momentum} measures the optimal $(\\eta_t, \\beta_t)$ "
        "schedules (a constant-factor gain only, in both phases, at the horizons measured).\n",
    ]


def _cell(v) -> str:
    return f"${v[0]:.3f} \\pm {v[1]:.1g}$" if math.isfinite(v[1]) else f"${v[0]:.3f}$"


def _point(ctx: ReportContext, ectx, model) -> tuple[list, str, str]:
    """One point's three studies: ``(figure paths, LaTeX figures, table row)``."""
    from ...claims.beyond import compute_sweep, momentum_sweep, ramp_sweep
    from ...plots.beyond import batch_ramp_figure, compute_optimal_figure, momentum_figure
    from ...plots.figures import paper_style

    big = model.replace(n_modes=CLAIMS_MODES)
    key, label = _model_key(model), _model_label(model)
    t0 = time.perf_counter()
    ramps, mres, co = ramp_sweep(big, ectx), momentum_sweep(big, ectx), compute_sweep(big, ectx)
    ctx.progress(f"  beyond a={model.a:g} b={model.b:g}: {time.perf_counter() - t0:.1f} s")
    with paper_style():
        pdfs = [
            ctx.save(batch_ramp_figure(ramps), f"batch_ramp_{key}"),
            ctx.save(momentum_figure(mres), f"momentum_{key}"),
            ctx.save(compute_optimal_figure(co), f"compute_optimal_{key}"),
        ]
    r = ramps[-1]
    fig_tex = (
        latex_figure(
            ctx.relative(pdfs[0]),
            f"Wall-clock batch ramp at the {label} point: the optimal batch per step at "
            f"$\\eta=\\eta_{{\\max}}={r.model.eta_max:g}$ and $D = {r.budget / r.T:g}\\,T$ "
            f"samples ({r.model.n_modes} modes, KKT square-root rule), normalised by the mean "
            f"batch, against the steps to go; fitted $\\gamma$ on "
            f"$1-t/T\\in[{r.fit_range[0]:.2g}, {r.fit_range[1]:.2g}]$ and the derived power "
            f"$1/(2b)-1 = {r.derived:.3g}$ (dashed).",
            label=f"ramp-{key}",
            width=r"0.6\linewidth",
        )
        + latex_figure(
            ctx.relative(pdfs[1]),
            f"Momentum at the {label} point ({mres.model.n_modes} modes): optimal test loss "
            "with the joint $(\\eta_t, \\beta_t)$ schedule and with SGD, fitted slopes $p$, "
            "against the SGD law $T^{-(a-1)/\\max(a,b)}$ (left); the optimal controls at the "
            "longest horizon (right).",
            label=f"momentum-{key}",
        )
        + latex_figure(
            ctx.relative(pdfs[2]),
            f"Compute-optimal scaling at the {label} point: test loss against model size at "
            "fixed compute $C = NTm$ with the optimal schedule (solid; minimum $\\star$) and "
            "the best constant rate (dotted); right, the minima $L^*(C)$ with fitted and "
            "derived (dashed) slopes, and those of a cosine schedule with its peak rate tuned "
            "at every $(N, T)$ (no derived exponent).",
            label=f"compute-{key}",
        )
    )
    m = co.measured()
    d = co.derived

    row = (
        f"{label} & ${r.gamma:.3f}$ & ${r.derived:.3f}$ & "
        f"{_cell((mres.momentum.exponent, mres.momentum.stderr))} & "
        f"{_cell((mres.sgd.exponent, mres.sgd.stderr))} & "
        f"{_cell(m['model_size_exponent'])} & {d['model_size_exponent']:.3f} & "
        f"{_cell(m['loss_exponent'])} & {d['loss_exponent']:.3f} \\\\"
    )
    return pdfs, fig_tex, row


def beyond_section(ctx: ReportContext) -> SectionOutput:
    """Batch-size degeneracy and momentum (derived symbolically); the batch ramp, momentum and
    compute-optimal studies per point with their figures, at the claims' scale."""
    parts = _derived_paragraphs()
    ectx = _beyond_context(ctx)
    sc = ectx.beyond
    figs, rows, tex = [], [], []
    for model in ctx.config.models:
        pdfs, fig_tex, row = _point(ctx, ectx, model)
        figs.extend(pdfs)
        tex.append(fig_tex)
        rows.append(row)
    parts.append(
        "\\paragraph{Measured.} The batch ramp at horizons "
        f"${sc.ramp_T[0]}\\ldots{sc.ramp_T[-1]}$, momentum at ${sc.momentum_T[0]}\\ldots"
        f"{sc.momentum_T[-1]}$, compute-optimal at $C = {latex_number(sc.compute_C[0])}\\ldots"
        f"{latex_number(sc.compute_C[-1])}$ (the claims of these rows in the claims table come "
        "from the same solves). Loss exponents are decay rates; the batch exponent $\\gamma$ is "
        "the fit at the longest horizon.\n"
        "\\begin{center}\\footnotesize\\begin{tabular}{lcccccccc}\\toprule\n"
        "point & $\\gamma$ & derived & $p$ momentum & $p$ SGD & $N^*$ exp. & derived & "
        "$L^*$ exp. & derived \\\\\\midrule\n"
        + "\n".join(rows)
        + "\n\\bottomrule\\end{tabular}\\end{center}\n"
        + "".join(tex)
    )
    return SectionOutput("".join(parts), tuple(figs))
