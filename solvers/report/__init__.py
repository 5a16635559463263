"""The report: LaTeX with derivations, claims, comparisons and figures, compiled to PDF.

:func:`build_report` runs the sections of :data:`SECTIONS` in order; a section is a
:class:`Provider` (a function of a :class:`ReportContext` returning a :class:`SectionOutput`)."""

from theory._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "build_report": "build",
        "compile_latex": "core",
        "CompileResult": "core",
        "CurvesSpec": "core",
        "latex_escape": "core",
        "latex_figure": "core",
        "latex_number": "core",
        "Provider": "core",
        "provider": "core",
        "ReportConfig": "core",
        "ReportContext": "core",
        "ReportResult": "core",
        "SectionOutput": "core",
        "SectionRecord": "core",
        "SectionUnavailable": "core",
        "SECTIONS": "sections",
        "sections_for": "sections",
    },
)
