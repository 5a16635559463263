r"""LaTeX rendering of the scaling-law derivations: fragments and a standalone document.

A fragment is a ``(title, latex)`` pair. :func:`derivation_document` accepts a list of such pairs
from elsewhere (e.g. the Pontryagin steps: dynamics, Hamiltonian, costates, stationarity) and puts
them before the asymptotic derivation, so the document reads dynamics -> ... -> balance ->
exponents. The output compiles with ``pdflatex`` (amsmath, amssymb, geometry only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sympy as sp

from ._asymptotics import ScalingLaws, derive_scaling_laws
from ._dynamics import plrf_dynamics
from ._latex_text import latex_escape

__all__ = [
    "derivation_document",
    "derivation_fragments",
    "dynamics_fragments",
    "pontryagin_fragments",
    "results_table",
]

Fragment = tuple[str, str]


def dynamics_fragments() -> list[Fragment]:
    """The model's dynamics (discrete recursion and continuous limit) as one fragment."""
    d = plrf_dynamics().latex()
    return [
        (
            "Dynamics",
            r"Exact recursion and continuous-time limit (docs/theory.md \S1): "
            rf"\[ {d['discrete']} \] \[ {d['continuous']} \]",
        )
    ]


def pontryagin_fragments(time: str = "continuous") -> list[Fragment]:
    """The Pontryagin derivation of the PLRF problem (dynamics, Hamiltonian, costates,
    stationarity, optimal control, first integral) as text-mode fragments with displayed math."""
    from .problems import plrf_problem

    steps = plrf_problem(time).conditions.latex_steps()
    return [(title, "\\begin{gather*}\n" + tex + "\n\\end{gather*}") for title, tex in steps]


def derivation_fragments(laws: ScalingLaws | None = None) -> list[Fragment]:
    """Every derivation step, in order, as ``(title, latex)`` pairs."""
    laws = derive_scaling_laws() if laws is None else laws
    return [(f"{d.title}: {s.title}", s.latex) for d in laws.derivations.values() for s in d.steps]


def results_table(laws: ScalingLaws) -> str:
    """One table per phase (a tabular cannot break across pages)."""
    parts = [
        rf"\noindent\textbf{{Phase boundary}}: easy phase iff ${sp.latex(laws.phase_boundary)}$."
    ]
    for p in (laws.easy, laws.hard):
        rows = [
            rf"\texttt{{{latex_escape(name)}}} & ${e.latex()}$ & {latex_escape(e.meaning)} \\"
            for name, e in p.exponents.items()
        ]
        parts.append(
            rf"\paragraph{{{p.phase.capitalize()} phase}} (${sp.latex(p.condition)}$): "
            rf"$\eta^*(t) = {sp.latex(p.schedule_derived)}$."
            r"\begin{center}\small\renewcommand{\arraystretch}{1.5}\begin{tabular}{lll}\hline "
            + "\n".join(rows)
            + r"\hline\end{tabular}\end{center}"
        )
    return "\n".join(parts)


def derivation_document(
    prefix: Sequence[Fragment] | Iterable[Fragment] = (),
    *,
    laws: ScalingLaws | None = None,
    title: str = "Optimal learning-rate schedules of the PLRF model: derivation",
    model_note: str = "",
) -> str:
    r"""A standalone LaTeX document with the derivation and the table of results.

    Parameters
    ----------
    prefix : sequence of (title, latex)
        Steps placed first (e.g. the Pontryagin derivation). Titles are plain text.
    laws : ScalingLaws, optional
        Defaults to :func:`theory.derive_scaling_laws`.
    title : str
        Document title (plain text).
    model_note : str
        Optional LaTeX paragraph (e.g. numeric values for a given ``(a, b)``).
    """
    laws = derive_scaling_laws() if laws is None else laws
    body = []
    for t, tex in (*prefix, *derivation_fragments(laws)):
        body.append(rf"\subsection*{{{latex_escape(t)}}}" + "\n" + tex + "\n")
    status = latex_escape(laws.message)
    return "\n".join(
        [
            r"\documentclass[11pt]{article}",
            r"\usepackage[margin=2cm]{geometry}",
            r"\usepackage{amsmath,amssymb}",
            r"\allowdisplaybreaks",
            r"\sloppy",
            rf"\title{{{latex_escape(title)}}}",
            r"\date{}",
            r"\begin{document}",
            r"\maketitle",
            r"Every exponent below is derived by the asymptotics engine of \texttt{optlr.theory} "
            r"from the dynamics, the asymptotic forms of the bias and of the noise kernel, and "
            r"power-law ans\"atze; the phase boundary is the validity condition of the interior "
            rf"balance. Engine status: {status}.",
            r"\section*{Results}",
            results_table(laws),
            model_note,
            r"\section*{Derivation}",
            *body,
            r"\end{document}",
            "",
        ]
    )
