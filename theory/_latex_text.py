"""The one LaTeX escaper of the project: plain text into LaTeX text mode."""

from __future__ import annotations

__all__ = ["latex_escape"]

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    r"""Escape plain text for LaTeX text mode (every special character of TeX).

    >>> latex_escape("a_b & 50%")
    'a\\_b \\& 50\\%'
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
