"""The report's LaTeX: numbers, figures, derivation steps, and compiling the document.

The one text escaper is :func:`theory.latex_escape` (re-exported here).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from theory._latex_text import latex_escape

__all__ = [
    "CompileResult",
    "compile_latex",
    "latex_escape",
    "latex_figure",
    "latex_number",
    "render_steps",
]

#: Seconds allowed to one LaTeX compilation before it is abandoned.
LATEX_TIMEOUT = 180


def latex_number(x: float, digits: int = 3) -> str:
    r"""``x`` in math mode: ``1.23\times10^{-4}`` for small or large values, else plain.

    >>> latex_number(0.000123), latex_number(0.5), latex_number(1000.0)
    ('1.23\\times10^{-4}', '0.5', '1000')
    """
    if not math.isfinite(x):
        return r"\infty" if x > 0 else (r"-\infty" if x < 0 else r"\text{nan}")
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    if -2 <= e <= 3:  # enough significant digits that "g" never switches to exponent form
        return f"{x:.{max(digits, e + 1)}g}"
    mant = x / 10**e
    return rf"{mant:.{digits - 1}f}\times10^{{{e}}}"


def latex_figure(
    pdf: Path | str, caption: str, *, label: str = "", width: str = r"\linewidth"
) -> str:
    """A ``figure`` environment around ``\\includegraphics`` of ``pdf`` (a path relative to out)."""
    lab = rf"\label{{fig:{label}}}" if label else ""
    return (
        "\\begin{figure}[htbp]\n\\centering\n"
        f"\\includegraphics[width={width}]{{{Path(pdf).as_posix()}}}\n"
        f"\\caption{{{caption}}}{lab}\n\\end{{figure}}\n"
    )


def render_steps(steps: Iterable[tuple[str, str]]) -> str:
    r"""Derivation steps ``(title, latex_math)`` as headed, numbered displays.

    The Pontryagin and asymptotics engines return their derivations in this form; a fragment may
    hold several equations separated by ``\\`` (each gets its own number).

    >>> print(render_steps([("Hamiltonian", "H = 0")]))
    \paragraph{Hamiltonian}
    \begin{gather}
    H = 0
    \end{gather}
    <BLANKLINE>
    """
    parts = []
    for title, math_tex in steps:
        parts.append(
            f"\\paragraph{{{latex_escape(title)}}}\n\\begin{{gather}}\n{math_tex}\n\\end{{gather}}\n"
        )
    return "\n".join(parts)


# -- compilation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileResult:
    """Outcome of :func:`compile_latex`: ``success``, the PDF (if any), the tool and a message."""

    success: bool
    pdf: Path | None
    tool: str | None
    message: str


def _log_errors(log: Path, lines: int = 12) -> str:
    if not log.exists():
        return ""
    text = log.read_text(errors="replace").splitlines()
    errs = [i for i, ln in enumerate(text) if ln.startswith("!")]
    if not errs:
        return "\n".join(text[-lines:])
    i = errs[0]
    return "\n".join(text[i : i + lines])


def compile_latex(tex: Path, *, timeout: float = LATEX_TIMEOUT) -> CompileResult:
    """Compile ``tex`` to PDF with ``latexmk`` (preferred) or ``pdflatex`` (twice), if installed.

    Never raises for a missing toolchain or a LaTeX error: the result says what happened.
    """
    tex = Path(tex)
    cwd, name = tex.parent, tex.name
    pdf = tex.with_suffix(".pdf")
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        tool = "latexmk"
        cmds = [["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", name]]
    elif shutil.which("pdflatex"):
        tool = "pdflatex"
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name]
        cmds = [cmd, cmd]  # the second pass resolves the table of contents and references
    else:
        return CompileResult(
            False,
            None,
            None,
            f"no LaTeX toolchain found (latexmk or pdflatex); {tex} was written — compile it "
            "with `pdflatex report.tex` after installing TeX Live "
            "(Debian: texlive-latex-base texlive-latex-recommended latexmk)",
        )
    for cmd in cmds:
        try:
            proc = subprocess.run(
                cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return CompileResult(False, None, tool, f"{tool} did not finish within {timeout:g} s")
        if proc.returncode != 0:
            detail = _log_errors(tex.with_suffix(".log")) or proc.stdout[-2000:]
            return CompileResult(
                False, None, tool, f"{tool} failed (exit {proc.returncode}):\n{detail}"
            )
    if not pdf.exists() or pdf.stat().st_size == 0:
        return CompileResult(False, None, tool, f"{tool} reported success but wrote no {pdf.name}")
    return CompileResult(True, pdf, tool, f"compiled {pdf} with {tool}")
