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
    """The batch-size degeneracy and the momentum forms' derivation, printed from the engine."""
    from theory import batch_degeneracy

    deg = batch_degeneracy().latex()
    return [
        "\\paragraph{Learning rate and batch size.} In sample time $s = m t$ the continuous "
        "dynamics depend on the rate and the batch only through $r = \\eta/m$ (derived):\n"
        f"\\[ {deg['continuous_per_sample']} \\]\n"
        "so at a fixed sample budget the joint optimality conditions are degenerate. The exact "
        "recursion breaks the degeneracy by its curvature term:\n"
        f"\\[ {deg['breaking']} \\]\n",
        _momentum_paragraph(),
    ]


def _momentum_paragraph() -> str:
    """The momentum forms' derivation, printed from the engine (docs/theory.md §5)."""
    from theory import derive_momentum_exponents

    laws = derive_momentum_exponents()
    items = "\n".join(f"\\item {step}" for step in laws.steps)
    return (
        "\\paragraph{Momentum.} Three forms of one update $v' = \\beta v + q g$, "
        "$\\Delta' = \\Delta - \\alpha g - \\gamma v'$: EMA $(0, \\eta, 1-\\beta)$, heavy ball "
        "$(0, \\eta, 1)$ and the dimension-adapted Nesterov form $(\\eta, \\zeta, 1)$ with "
        "$\\zeta_t \\propto t^{-p}$, $\\beta_t = 1 - \\delta/(t+\\delta+1)$. The engine derives "
        "(\\texttt{theory.derive\\_momentum\\_exponents}):\n"
        f"\\begin{{itemize}}\n{items}\n\\end{{itemize}}\n"
        "Per point below: each form's derived schedule shape with a free correction, optimised "
        "on the long-horizon solver (log-spaced intervals propagated exactly, log-binned modes; "
        "L-BFGS-B to a KKT residual of $10^{-4}$), and the loss exponents against the derived "
        "ones.\n"
    )


def _cell(v) -> str:
    return f"${v[0]:.3f} \\pm {v[1]:.1g}$" if math.isfinite(v[1]) else f"${v[0]:.3f}$"


def _point(ctx: ReportContext, ectx, model) -> tuple[list, str, str]:
    """One point's three studies: ``(figure paths, LaTeX figures, table row)``."""
    from ...claims.beyond import compute_sweep, ramp_sweep
    from ...claims.momentum_forms import divided_form_losses, forms_sweep
    from ...control.momentum_forms import momentum_forms_latex
    from ...plots.beyond import batch_ramp_figure, compute_optimal_figure
    from ...plots.figures import paper_style
    from ...plots.momentum_forms import momentum_forms_figure

    big = model.replace(n_modes=CLAIMS_MODES)
    key, label = _model_key(model), _model_label(model)
    t0 = time.perf_counter()
    ramps, fe, co = ramp_sweep(big, ectx), forms_sweep(big, ectx), compute_sweep(big, ectx)
    ctx.progress(f"  beyond a={model.a:g} b={model.b:g}: {time.perf_counter() - t0:.1f} s")
    with paper_style():
        pdfs = [
            ctx.save(batch_ramp_figure(ramps), f"batch_ramp_{key}"),
            ctx.save(momentum_forms_figure(fe), f"momentum_{key}"),
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
        + momentum_forms_latex(fe, derivation=False, divided=divided_form_losses(fe))
        + latex_figure(
            ctx.relative(pdfs[1]),
            f"Momentum forms at the {label} point ({big.n_modes:.0e} log-binned modes): optimal "
            "test loss of SGD and of each form against the horizon, with the derived slopes "
            "(dashed) and the study's line $T^{-1.5(a-1)/b}$ (dotted), left; the optimal "
            "effective rate and friction $1-\\beta_t$ at the longest horizon, right.",
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
        f"{_cell((fe.fits['nesterov'].exponent, fe.fits['nesterov'].stderr))} & "
        f"{_cell((fe.fits['sgd'].exponent, fe.fits['sgd'].stderr))} & "
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
    from ...claims.momentum_forms import NESTEROV_T  # the sweep of every form: its horizons

    mT = sc.momentum_T or NESTEROV_T
    parts.append(
        "\\paragraph{Measured.} The batch ramp at horizons "
        + (
            f"${sc.ramp_T[0]}\\ldots{sc.ramp_T[-1]}$"
            if sc.ramp_T is not None
            else "chosen per point from its derived corrections"
        )
        + f", momentum at ${mT[0]}\\ldots{mT[-1]}$, compute-optimal at "
        f"$C = {latex_number(sc.compute_C[0])}\\ldots"
        f"{latex_number(sc.compute_C[-1])}$ (the claims of these rows in the claims table come "
        "from the same ramp solves; the compute-optimal claims from denser levels of the optimal "
        "schedule alone). Loss exponents are decay rates; the batch exponent $\\gamma$ is "
        "the fit at the longest horizon.\n"
        "\\begin{center}\\footnotesize\\begin{tabular}{lcccccccc}\\toprule\n"
        "point & $\\gamma$ & derived & $p$ Nesterov & $p$ SGD & $N^*$ exp. & derived & "
        "$L^*$ exp. & derived \\\\\\midrule\n"
        + "\n".join(rows)
        + "\n\\bottomrule\\end{tabular}\\end{center}\n"
        + "".join(tex)
    )
    return SectionOutput("".join(parts), tuple(figs))
