r"""``optlr report``: one LaTeX document with the derivations, claims, comparisons and figures.

The report is a sequence of sections, each produced by a *provider*: a function of a
:class:`ReportContext` that returns a :class:`SectionOutput` (LaTeX body and figure files). The
providers are listed in :data:`PROVIDERS` in report order; adding a section is one decorated
function::

    @provider("momentum", "Momentum schedules", requires=("solvers.dynamics.momentum",))
    def _momentum(ctx: ReportContext) -> SectionOutput:
        result = ctx.cached("momentum-sweep", {...}, lambda: run_it(...), depends_on=[...])
        fig, ax = new_figure()
        plot_loss_vs_T(..., ax)
        return SectionOutput(latex_figure(ctx.save(fig, "momentum"), "Caption."))

A provider whose ``requires`` modules are missing (or that raises :class:`SectionUnavailable`, or
hits a ``ModuleNotFoundError``) becomes a short *not available* paragraph; any other exception
becomes a visible *failed* paragraph, a warning, and ``success = False`` on the result — the rest
of the report is still written. Expensive computations go through :meth:`ReportContext.cached`
(an on-disk :class:`solvers._cache.DiskCache`), so re-running with the same arguments recomputes
nothing.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.util
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real

from .._cache import DiskCache
from ..analysis.processes import die_with_parent
from ..analysis.sweep import horizons
from ..schedules.families import SCHEDULES
from .latex import (  # noqa: F401 (re-exported: the report API of 0.1)
    LATEX_TIMEOUT,
    CompileResult,
    compile_latex,
    latex_escape,
    latex_figure,
    latex_number,
    render_steps,
)

__all__ = [
    "CompileResult",
    "CurvesSpec",
    "Provider",
    "ReportConfig",
    "ReportContext",
    "ReportResult",
    "SectionOutput",
    "SectionRecord",
    "SectionUnavailable",
    "compile_latex",
    "latex_escape",
    "latex_figure",
    "provider",
    "render_steps",
]

Status = Literal["ok", "unavailable", "failed"]

#: The built-in points: one in each phase, at the noise level and batch of the issues' targets.
DEFAULT_POINTS: tuple[tuple[float, float], ...] = ((3.0, 2.0), (1.5, 3.0))
#: Horizons of the default report: half-decades from 1e2 to 1e5 (about two minutes on 2 cores).
DEFAULT_T_MAX = 100_000
#: Horizons of ``--quick``: 1e2 to 1e4 (seconds).
QUICK_T_MAX = 10_000
#: Smallest horizon of the sweeps.
T_MIN = 100
#: Baseline families tuned by the 1-D rate search.
DEFAULT_SCHEDULES = ("constant", "linear", "cosine", "wsd")
#: Decay fraction of the warmup-stable-decay baseline (a common practical choice).
WSD_FRACTION = 0.2


@dataclass(frozen=True)
class CurvesSpec:
    """Real training runs for the ``curves`` section (``optlr report --curves``).

    Parameters
    ----------
    curves : str
        A curves CSV (``run, step, lr, loss[, split]``) or a shipped data set name.
    runs : str, optional
        Per-run metadata CSV.
    fit, predict : tuple of str
        Run ids to fit and to predict; empty ``fit``: the first model family's runs, its
        longest horizon held out.
    boot : int
        Bootstrap refits of the fit (intervals).
    """

    curves: str
    runs: str | None = None
    fit: tuple[str, ...] = ()
    predict: tuple[str, ...] = ()
    boot: int = 10

    def __post_init__(self) -> None:
        if not isinstance(self.curves, str) or not self.curves:
            raise TypeError(f"curves must be a path or data set name, got {self.curves!r}")
        object.__setattr__(self, "fit", tuple(self.fit))
        object.__setattr__(self, "predict", tuple(self.predict))
        check_int("boot", self.boot, ge=0)
        if self.predict and not self.fit:
            raise ValueError("predict: needs fit (the runs to fit) as well")


@dataclass(frozen=True)
class ReportConfig:
    """What the report computes.

    Parameters
    ----------
    models : tuple of PLRFModel
        The ``(a, b, sigma, batch, ...)`` points; by default one easy (``a=3, b=2``) and one
        hard (``a=1.5, b=3``) point with ``sigma=0.5, batch=1``.
    T_values : tuple of int
        Horizons of the sweeps (increasing).
    schedules : tuple of str
        Baseline families tuned over their peak rate.
    wsd_fraction : float
        Decay fraction of the ``wsd`` baseline.
    quick : bool
        Smoke-test size (recorded in the document).
    sections : tuple of str, optional
        Provider names to run (all by default).
    curves : CurvesSpec, optional
        Real training runs: adds the ``curves`` section (:func:`sections_for`).
    """

    models: tuple[PLRFModel, ...] = tuple(PLRFModel(a=a, b=b) for a, b in DEFAULT_POINTS)
    T_values: tuple[int, ...] = horizons(T_MIN, DEFAULT_T_MAX)
    schedules: tuple[str, ...] = DEFAULT_SCHEDULES
    wsd_fraction: float = WSD_FRACTION
    quick: bool = False
    sections: tuple[str, ...] | None = None
    curves: CurvesSpec | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        models = tuple(self.models)
        if not models or not all(isinstance(m, PLRFModel) for m in models):
            raise TypeError(f"models must be a non-empty sequence of PLRFModel, got {models!r}")
        set_(self, "models", models)
        Ts = tuple(check_int("T_values", T, ge=1) for T in self.T_values)
        if len(Ts) < 2 or list(Ts) != sorted(set(Ts)):
            raise ValueError(f"T_values must be >= 2 increasing horizons, got {Ts}")
        set_(self, "T_values", Ts)
        for s in self.schedules:
            if s not in SCHEDULES:
                raise ValueError(f"schedules: unknown kind {s!r}; expected {sorted(SCHEDULES)}")
        set_(self, "schedules", tuple(self.schedules))
        set_(self, "wsd_fraction", check_real("wsd_fraction", self.wsd_fraction, gt=0, le=1))
        if self.sections is not None:
            set_(self, "sections", tuple(self.sections))
        if self.curves is not None and not isinstance(self.curves, CurvesSpec):
            raise TypeError(f"curves must be a CurvesSpec, got {type(self.curves).__name__}")

    @classmethod
    def default(
        cls,
        *,
        quick: bool = False,
        models: Sequence[PLRFModel] | None = None,
        T_max: int | None = None,
        **kwargs: Any,
    ) -> ReportConfig:
        """The built-in report (``quick``: horizons up to 1e4 instead of 1e5)."""
        if T_max is None:
            T_max = QUICK_T_MAX if quick else DEFAULT_T_MAX
        T_max = check_int("T_max", T_max, ge=2)  # an explicit 0 is an error, not the default
        if models is not None:
            kwargs["models"] = tuple(models)
        return cls(T_values=horizons(T_MIN, T_max), quick=quick, **kwargs)

    def shape_params(self, kind: str) -> tuple[float, ...]:
        """The fixed shape parameters of a baseline family (``wsd``: the decay fraction)."""
        return (self.wsd_fraction,) if kind == "wsd" else ()


# -- provider API -------------------------------------------------------------------------------


class SectionUnavailable(Exception):
    """Raised by a provider whose dependency is missing: the section says so and the run goes on."""


@dataclass(frozen=True)
class SectionOutput:
    """What a provider returns: the LaTeX body of its section and the figure files it wrote."""

    latex: str
    figures: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Provider:
    """A report section: ``build(ctx) -> SectionOutput``, skipped if ``requires`` is missing."""

    name: str
    title: str
    build: Callable[[ReportContext], SectionOutput]
    requires: tuple[str, ...] = ()
    appendix: bool = False

    def missing(self) -> list[str]:
        """The required modules that cannot be imported in this installation."""
        out = []
        for mod in self.requires:
            try:
                found = importlib.util.find_spec(mod) is not None
            except ModuleNotFoundError:  # the parent package is missing
                found = False
            if not found:
                out.append(mod)
        return out


def provider(
    name: str,
    title: str,
    *,
    requires: Iterable[str] = (),
    appendix: bool = False,
    registry: list[Provider],
) -> Callable[[Callable[[ReportContext], SectionOutput]], Callable[[ReportContext], SectionOutput]]:
    """Decorator: append a section provider to ``registry`` (a list kept by the caller, such as
    :data:`solvers.report.sections.SECTIONS`)."""
    reg = registry

    def deco(func: Callable[[ReportContext], SectionOutput]):
        if any(p.name == name for p in reg):
            raise ValueError(f"provider {name!r} is already registered")
        reg.append(Provider(name, title, func, tuple(requires), appendix))
        return func

    return deco


class ReportContext:
    """Everything a provider may use: the configuration, the output directory, the cache.

    Attributes
    ----------
    config : ReportConfig
    out : Path
        The report directory (``report.tex`` lives here).
    figures_dir : Path
        Where :meth:`save` writes figures (``out/figures``).
    cache : DiskCache
    """

    def __init__(
        self, config: ReportConfig, out: Path, cache: DiskCache, log: Callable[[str], None]
    ) -> None:
        self.config = config
        self.out = out
        self.figures_dir = out / "figures"
        self.cache = cache
        self._log = log
        self._renderer = None  # a process pool drawing figures (start_renderer)
        self._pending: list = []

    def start_renderer(self) -> None:
        """Draw saved figures in two worker processes while the providers go on computing.

        Laying out and writing a figure (mathtext, constrained layout, PDF + PNG) costs ~1.5 s of
        CPU; on two cores it overlaps with the next solve, and the backlog left when the last
        section ends is drawn on both cores. :meth:`finish_figures` waits for them.
        """
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._renderer = ProcessPoolExecutor(
            2,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def finish_figures(self) -> None:
        """Wait for the figures drawn in the background; re-raise the first error."""
        pending, self._pending = self._pending, []
        try:
            for fut in pending:
                fut.result()
        finally:
            if self._renderer is not None:
                self._renderer.shutdown()
                self._renderer = None

    def progress(self, message: str) -> None:
        """One progress line on standard error (silent with ``progress=False``)."""
        self._log(message)

    def cached(
        self,
        namespace: str,
        params: Mapping[str, Any],
        compute: Callable[[], Any],
        *,
        depends_on: Iterable[ModuleType | Callable | str] = (),
    ) -> Any:
        """:meth:`DiskCache.get_or_compute` on the report's cache."""
        return self.cache.get_or_compute(namespace, params, compute, depends_on=depends_on)

    def cache_dir(self, namespace: str) -> Path | None:
        """A sub-directory of the report's cache for a provider's own caching (``None``: disabled).

        For machinery with its own on-disk cache (e.g. a sweep executor's ``cache_dir``).
        """
        return None if self.cache.root is None else self.cache.root / namespace

    def save(self, fig: Any, name: str) -> Path:
        """Save ``fig`` as ``figures/name.pdf`` and ``.png``; return the PDF path (for LaTeX).

        With :meth:`start_renderer` the figure is pickled and drawn in the background (the files
        exist after :meth:`finish_figures`); a figure that cannot be pickled is drawn here.
        """
        import pickle

        from ..plots.figures import save_figure

        stem = self.figures_dir / name
        if self._renderer is not None:
            try:
                data = pickle.dumps(fig)
            except Exception:
                data = None
            if data is not None:
                self._pending.append(self._renderer.submit(_render_pickled, data, str(stem)))
                return stem.with_suffix(".pdf")
        return save_figure(fig, stem)[0]

    def relative(self, path: Path) -> str:
        """``path`` relative to the report directory, with forward slashes (for ``\\includegraphics``)."""
        return Path(path).resolve().relative_to(self.out.resolve()).as_posix()


def _model_label(model: PLRFModel) -> str:
    return f"{model.phase} ($a={model.a:g}$, $b={model.b:g}$)"


def _model_key(model: PLRFModel) -> str:
    return f"a{model.a:g}_b{model.b:g}".replace(".", "p")


# -- the build ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionRecord:
    """One section as built: status ``ok`` / ``unavailable`` / ``failed``, timing, files."""

    name: str
    title: str
    status: Status
    message: str
    seconds: float
    latex: str
    figures: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ReportResult:
    """Result of :func:`build_report`.

    ``success`` is False when a section failed or the PDF could not be compiled although a
    toolchain is present; ``message`` says why.
    """

    out: Path
    tex: Path
    pdf: Path | None
    sections: tuple[SectionRecord, ...]
    compile: CompileResult | None
    cache_hits: int
    cache_misses: int
    seconds: float
    success: bool
    message: str
    figures: tuple[Path, ...] = field(default=())


def _run_provider(p: Provider, ctx: ReportContext) -> SectionRecord:
    t0 = time.perf_counter()
    missing = p.missing()
    if missing:
        msg = "requires " + ", ".join(missing) + ", which this installation does not have"
        return SectionRecord(p.name, p.title, "unavailable", msg, 0.0, "")
    try:
        out = p.build(ctx)
        if isinstance(out, str):
            out = SectionOutput(out)
        return SectionRecord(
            p.name, p.title, "ok", "", time.perf_counter() - t0, out.latex, tuple(out.figures)
        )
    except SectionUnavailable as exc:
        return SectionRecord(p.name, p.title, "unavailable", str(exc), time.perf_counter() - t0, "")
    except ModuleNotFoundError as exc:
        msg = f"requires {exc.name}, which this installation does not have"
        return SectionRecord(p.name, p.title, "unavailable", msg, time.perf_counter() - t0, "")
    except Exception as exc:  # a failing section must not take the whole report down
        msg = f"{type(exc).__name__}: {exc}"
        return SectionRecord(p.name, p.title, "failed", msg, time.perf_counter() - t0, "")


def _section_tex(rec: SectionRecord) -> str:
    head = f"\\section{{{rec.title}}}\\label{{sec:{rec.name}}}\n"
    if rec.status == "ok":
        return head + rec.latex
    if rec.status == "unavailable":
        return head + f"\\emph{{Not available:}} {latex_escape(rec.message)}.\n"
    return head + (
        "\\textbf{This section failed:} "
        f"\\texttt{{{latex_escape(rec.message)}}}\n\n"
        "The other sections are unaffected; re-run \\texttt{optlr report} after fixing the cause.\n"
    )


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{booktabs}
\usepackage[hidelinks]{hyperref}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip}
\renewcommand{\floatpagefraction}{0.8}
"""


def _document(config: ReportConfig, records: Sequence[SectionRecord], appendix: str) -> str:
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    points = ", ".join(_model_label(m) for m in config.models)
    body = [
        PREAMBLE,
        r"\title{Optimal learning-rate schedules of the power-law random-feature model\\"
        r"\large an \texttt{optlr} report}",
        rf"\date{{{when}{' --- quick run' if config.quick else ''}}}",
        r"\author{}",
        r"\begin{document}",
        r"\maketitle",
        r"\begin{abstract}",
        "This report is generated by \\texttt{optlr report}. It studies one-pass minibatch SGD on "
        "a power-law random-feature model at the points " + points + ", over horizons "
        f"$T={config.T_values[0]}\\ldots{config.T_values[-1]}$. Each section is produced by one "
        "provider of the toolkit; a section whose machinery is not installed says so.",
        r"\end{abstract}",
        r"\tableofcontents",
    ]
    main = [r for r in records if not r.name.startswith("appendix:")]
    body += [_section_tex(r) for r in main]
    body += [r"\clearpage", r"\appendix", appendix, r"\end{document}", ""]
    return "\n".join(body)


def _appendix(
    config: ReportConfig,
    records: Sequence[SectionRecord],
    cache: DiskCache,
    seconds: float,
    command: str | None,
) -> str:
    import matplotlib
    import scipy
    import sympy

    rows = "\n".join(
        f"{latex_escape(r.title)} & {r.status} & {r.seconds:.1f} \\\\" for r in records
    )
    versions = (
        f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}, "
        f"SymPy {sympy.__version__}, Matplotlib {matplotlib.__version__}"
    )
    cmd = f"Command: \\texttt{{{latex_escape(command)}}}.\n\n" if command else ""
    models = "; ".join(
        f"$a={m.a:g}$, $b={m.b:g}$, $\\sigma={m.sigma:g}$, $m={m.batch:g}$, $N={m.n_modes}$, "
        f"$\\eta_{{\\max}}={m.eta_max:g}$"
        for m in config.models
    )
    return (
        "\\section{About this run}\\label{sec:run}\n"
        + cmd
        + f"Points: {models}. Horizons: {', '.join(map(str, config.T_values))}.\n\n"
        + f"Software: {latex_escape(versions)}.\n\n"
        + f"Cache: {cache.misses} computations run, {cache.hits} served from "
        + (f"\\texttt{{{latex_escape(str(cache.root))}}}" if cache.root else "(disabled)")
        + ". Entries are keyed by their parameters and the source code of the numerics, so "
        "a re-run with the same arguments and code recomputes nothing.\n\n"
        + "\\begin{center}\n\\begin{tabular}{lrr}\n\\toprule\n"
        + "section & status & seconds \\\\\n\\midrule\n"
        + rows
        + f"\n\\midrule\ntotal (before compilation) & & {seconds:.1f} \\\\\n"
        + "\\bottomrule\n\\end{tabular}\n\\end{center}\n"
    )


def _stderr_log(message: str) -> None:
    print(f"optlr report: {message}", file=sys.stderr, flush=True)


def _render_pickled(data: bytes, stem: str) -> None:
    """Worker of :meth:`ReportContext.start_renderer`: unpickle a figure and save it."""
    import pickle

    import matplotlib

    matplotlib.use("Agg")
    from ..plots.figures import paper_style, save_figure

    with paper_style():
        save_figure(pickle.loads(data), stem)
