"""Sections 1 and 2: the model and its dynamics; the Pontryagin derivation and the exponents."""

from __future__ import annotations

import theory

from ...dynamics.recursion import stability_limit
from ..core import ReportContext, SectionOutput, latex_escape, latex_figure, latex_number


def model_section(ctx: ReportContext) -> SectionOutput:
    """The model, its exact dynamics as printed by the symbolic engine, the points, the phases."""
    from ...plots.figures import new_figure, paper_style, plot_phase_diagram

    dyn = theory.plrf_dynamics().latex()
    rows = []
    for m in ctx.config.models:
        rows.append(
            " & ".join(
                [
                    m.phase,
                    f"{m.a:g}",
                    f"{m.b:g}",
                    f"{m.sigma:g}",
                    f"{m.batch:g}",
                    f"{m.n_modes}",
                    f"{m.eta_max:g}",
                    f"{m.gradient_flow_exponent:.4g}",
                    f"{stability_limit(m):.4g}",
                    f"${latex_number(m.tail_loss)}$",
                ]
            )
            + r" \\"
        )
    table = (
        "\\begin{table}[htbp]\n\\centering\\small\n"
        "\\caption{The points of this report. $\\eta_c$ is the largest stable constant rate of "
        "the exact recursion (\\texttt{solvers.stability\\_limit}); the tail "
        "$\\sum_{k>N}k^{-a}$ is the loss of the features beyond the $N$ learned ones.}\n"
        "\\label{tab:points}\n"
        "\\begin{tabular}{lrrrrrrrrr}\n\\toprule\n"
        "phase & $a$ & $b$ & $\\sigma$ & $m$ & $N$ & $\\eta_{\\max}$ & $(a-1)/b$ & $\\eta_c$ "
        "& tail \\\\\n\\midrule\n"
        + "\n".join(rows)
        + "\n\\bottomrule\n\\end{tabular}\n\\end{table}\n"
    )

    hi = max(4.0, *(max(m.a, m.b) + 0.5 for m in ctx.config.models))
    pts = [
        {"a": m.a, "b": m.b, "label": f"{m.phase} ({m.a:g}, {m.b:g})"} for m in ctx.config.models
    ]
    with paper_style():
        fig, ax = new_figure(height=3.0)
        plot_phase_diagram(pts, ax, a_range=(1.0, hi), b_range=(1.0, hi))
        pdf = ctx.save(fig, "phase_diagram")
    figure = latex_figure(
        ctx.relative(pdf),
        "The two phases in the $(b, a)$ plane and the points of this report. Easy phase "
        "$a>b$: the target is learned faster than the SGD noise accumulates; hard phase $a<b$.",
        label="phase",
        width=r"0.55\linewidth",
    )
    text = rf"""
Features in their eigenbasis have covariance eigenvalues $\lambda_k = k^{{-b}}$; the teacher has
$\lambda_k (w^*_k)^2 = k^{{-a}}$; labels carry Gaussian noise of variance $\sigma^2$. One-pass SGD
with batch size $m$ and learning rate $\eta_t$ starts from $w_0=0$ and learns the top $N$ features.
For Gaussian features the per-mode errors $c_k(t) = \mathbb{{E}}[(w_k(t)-w^*_k)^2]$,
$c_k(0)=k^{{-(a-b)}}$, obey the closed recursion
\begin{{equation}}
{dyn["discrete"]}
\label{{eq:discrete}}
\end{{equation}}
and, dropping the curvature term $\eta^2\lambda^2 c$, its continuous-time limit
\begin{{equation}}
{dyn["continuous"]}
\label{{eq:continuous}}
\end{{equation}}
with $c = c_k(t)$, $\lambda = \lambda_k$ and $L = L(t) = \sum_k \lambda_k c_k(t)$ the excess loss.
Both equations are printed from the symbolic model (\texttt{{theory.plrf\_dynamics()}}), the single
source of truth of every numerical kernel. The optimal-control problem is to minimise $L(T)$ over
$\eta_t \in [0, \eta_{{\max}}]$. Without noise and with infinitely many modes the loss decays as
$t^{{-(a-1)/b}}$ (gradient flow); since $c_k(t+1) \ge (1-\eta_t\lambda_k)^2 c_k(t)$, SGD noise only
adds to the gradient-descent loss, so no schedule bounded by $\eta_{{\max}}$ decays faster.
"""
    return SectionOutput(text + table + figure, (pdf,))


def derivation_section(ctx: ReportContext) -> SectionOutput:
    """Pontryagin derivation and the exponents of both phases, printed from the symbolic engines.

    Nothing here is typed in: the steps come from :func:`theory.pontryagin` applied to the canned
    PLRF problem and from :func:`theory.derive_scaling_laws` (power-law ansatz, dominant balance).
    """
    from theory import (
        beyond_corrections_latex,
        corrections_latex,
        derivation_fragments,
        derive_scaling_laws,
        pontryagin_fragments,
        results_table,
        tuned_power_law_gain,
    )

    ctx.progress("  derivation: Pontryagin conditions and dominant balance (SymPy)")
    laws = derive_scaling_laws()
    parts = [
        "\\subsection*{Necessary conditions (Pontryagin)}\n"
        "The symbolic engine derives the Hamiltonian, the costate equations and the stationarity "
        "condition of the continuous-time problem from the dynamics; the optimal rate is a ratio "
        "of mode sums, and $H$ is a first integral (an accuracy check of every numerical solve).\n"
    ]
    for title, tex in pontryagin_fragments():
        parts.append(f"\\paragraph{{{latex_escape(title)}}}\n{tex}\n")
    parts.append("\\subsection*{Scaling laws (dominant balance)}\n" + results_table(laws) + "\n")
    for title, tex in derivation_fragments(laws):
        parts.append(f"\\paragraph{{{latex_escape(title)}}}\n{tex}\n")
    parts.append(f"\\paragraph{{Power law with a tuned base rate}}\n{tuned_power_law_gain()[1]}\n")
    parts.append(corrections_latex())
    parts.append(beyond_corrections_latex())
    return SectionOutput("\n".join(parts), ())
