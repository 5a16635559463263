r"""The built-in sections of ``optlr report``, in report order.

Each section is a provider (see :mod:`solvers.report.build`). Sections whose machinery lives in
modules that are not part of this installation (the Pontryagin engine, the direct and long-horizon
solvers, the claims registry, the batch/momentum/compute-optimal studies) detect them by import
and say plainly that they are not available, or not wired yet, instead of failing.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Mapping, Sequence

import numpy as np

import theory
from theory import PLRFModel
from theory import _model as _theory_model

from ..dynamics import _kernels, _spectrum
from ..dynamics import recursion as _dynamics
from ..dynamics.recursion import stability_limit
from ..schedules import families as _schedules
from ..schedules import rate_search as _rate_search
from ..schedules.rate_search import TunedSchedule, tune_peak_rate
from .core import (
    Provider,
    ReportContext,
    SectionOutput,
    SectionUnavailable,
    _model_key,
    _model_label,
    latex_escape,
    latex_figure,
    latex_number,
    provider,
)

#: The report's sections, in report order (each ``@section`` below appends one).
SECTIONS: list[Provider] = []


def section(name: str, title: str, **kw):
    """Decorator: append a provider to :data:`SECTIONS`."""
    return provider(name, title, registry=SECTIONS, **kw)


#: Code whose source text keys the cached rate searches: editing any of it invalidates them.
RATE_SEARCH_CODE = (_rate_search, _dynamics, _kernels, _schedules, _spectrum, _theory_model)

#: Share of the best final loss above which the dropped tail sum_{k>N} k^-a is flagged: beyond
#: it the N-mode loss visibly decays faster than the infinite model's.
TRUNCATION_SHARE = 0.02

#: Printable names of the baseline families.
SCHEDULE_NAMES = {
    "constant": "constant",
    "linear": "linear decay",
    "cosine": "cosine",
    "wsd": "WSD",
    "poly": "polynomial",
    "power": "power law",
}


def _present(modules: Sequence[str]) -> list[str]:
    out = []
    for mod in modules:
        try:
            if importlib.util.find_spec(mod) is not None:
                out.append(mod)
        except ModuleNotFoundError:
            pass
    return out


def _not_wired(what: str, modules: Mapping[str, str]) -> SectionUnavailable:
    """The reason a stub section gives: its modules are missing, or present but not wired."""
    found = _present(list(modules))
    if found:
        return SectionUnavailable(
            f"{what} ({', '.join(found)}) is installed, but this section is not wired to it yet"
        )
    listed = ", ".join(f"{desc} ({mod})" for mod, desc in modules.items())
    return SectionUnavailable(f"this installation has no {listed}")


def _panels(n: int, height: float = 2.6):
    """A page-wide figure with one panel per point, two per row."""
    from ..plots.figures import new_figure

    ncols = min(n, 2)
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, width="page", height=height * nrows, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


# -- 1. model -----------------------------------------------------------------------------------


@section("model", "Model and dynamics")
def model_section(ctx: ReportContext) -> SectionOutput:
    """The model, its exact dynamics as printed by the symbolic engine, the points, the phases."""
    from ..plots.figures import new_figure, paper_style, plot_phase_diagram

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


# -- 2.-4. sections of the other engines (wired by the lead) ---------------------------------------


@section("derivation", "Derivation: Hamiltonian, costates, stationarity, exponents")
def derivation_section(ctx: ReportContext) -> SectionOutput:
    """Pontryagin derivation and the exponents of both phases, printed from the symbolic engines.

    Nothing here is typed in: the steps come from :func:`theory.pontryagin` applied to the canned
    PLRF problem and from :func:`theory.derive_scaling_laws` (power-law ansatz, dominant balance).
    """
    from theory import (
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
    return SectionOutput("\n".join(parts), ())


def optimal_schedule_figures(
    ctx: ReportContext,
    model: PLRFModel,
    schedules: Mapping[int, np.ndarray],
    *,
    xi: float | None = None,
    delta: float | None = None,
    source: str = "optimal",
) -> SectionOutput:
    r"""Figures of optimal schedules across horizons for one point (for wiring the solvers in).

    Parameters
    ----------
    schedules : mapping T -> ndarray, shape (T,)
        The optimal ``eta[t]`` per horizon (e.g. ``{T: get_solver("direct")(model, T).eta}``).
    xi, delta : float, optional
        Exponents of the easy-phase collapse :math:`T^\xi\eta(t)` against
        :math:`(1-t/T)^\delta` (from the symbolic engine); no collapse figure without ``xi``.
    source : str
        Word used in captions (``"optimal"``, ``"continuum"``, ...).
    """
    from ..plots.figures import new_figure, paper_style, plot_collapse, plot_schedules

    key = _model_key(model)
    with paper_style():
        fig, axes = new_figure(1, 2, width="page", height=2.6)
        plot_schedules(schedules, axes[0], colorbar=False)
        plot_schedules(schedules, axes[1], x="step", logy=True)
        axes[0].set_title(_model_label(model))
        figs = [ctx.save(fig, f"{source}_schedules_{key}")]
        if xi is not None:
            fig, ax = new_figure(height=2.6)
            plot_collapse(schedules, xi, delta, ax)
            ax.set_title(_model_label(model))
            figs.append(ctx.save(fig, f"{source}_collapse_{key}"))
    Ts = sorted(schedules)
    tex = latex_figure(
        ctx.relative(figs[0]),
        f"The {source} schedules at the {_model_label(model)} point for $T={Ts[0]}\\ldots{Ts[-1]}$ "
        "against the training fraction (left) and the step on logarithmic axes (right); colour "
        "encodes $\\log T$.",
        label=f"{source}-schedules-{key}",
    )
    if xi is not None:
        ref = f" with the reference $(1-t/T)^{{{delta:.3g}}}$" if delta is not None else ""
        tex += latex_figure(
            ctx.relative(figs[1]),
            f"Scaling collapse $T^{{{xi:.3g}}}\\,\\eta(t)$ against $t/T${ref}.",
            label=f"{source}-collapse-{key}",
            width=r"0.6\linewidth",
        )
    return SectionOutput(tex, tuple(figs))


#: Horizons at and above which the optimal schedule comes from the long-horizon continuum solver
#: (log-spaced time, log-binned modes) rather than the full-resolution direct solver.
CONTINUUM_FROM_T = 3000


def _optimal_solve(model: PLRFModel, T: int):
    """Optimal schedule at one horizon: direct below :data:`CONTINUUM_FROM_T`, continuum above.

    Returns ``(per_step_eta, final_loss, method, success, message)`` (small, picklable).
    """
    from ..control.registry import solve

    method = "direct" if T < CONTINUUM_FROM_T else "continuum"
    r = solve(model, T, method=method)
    eta = np.repeat(np.asarray(r.eta), np.diff(np.asarray(r.t)).astype(np.int64))
    return eta, float(r.final_loss), method, bool(r.success), str(r.message)


def optimal_runs(ctx: ReportContext) -> dict[str, dict[int, tuple]]:
    """Optimal schedules for every point and horizon of the report (cached on disk)."""
    from ..control import _adjoint
    from ..control import continuum as _continuum
    from ..control import direct as _direct
    from ..control import registry as _registry
    from ..dynamics import _continuum_kernels

    code = (*RATE_SEARCH_CODE, _direct, _adjoint, _continuum, _continuum_kernels, _registry)
    out: dict[str, dict[int, tuple]] = {}
    for model in ctx.config.models:
        runs = {}
        for T in ctx.config.T_values:
            t0 = time.perf_counter()
            runs[T] = ctx.cached(
                "optimal",
                {"model": model, "T": T, "switch": CONTINUUM_FROM_T},
                lambda model=model, T=T: _optimal_solve(model, T),
                depends_on=code,
            )
            ctx.progress(
                f"  optimal schedule a={model.a:g} b={model.b:g} T={T}: {runs[T][2]} "
                f"({time.perf_counter() - t0:.1f} s)"
            )
        out[_model_key(model)] = runs
    return out


@section("optimal", "Optimal schedules across horizons")
def optimal_section(ctx: ReportContext) -> SectionOutput:
    """Optimal schedules per point across horizons, their loss exponent against the derived one,
    and (easy phase) the scaling collapse with the derived :math:`\\xi`, :math:`\\delta`."""
    from theory import derive_scaling_laws

    from ..analysis.fits import fit_power_law, local_slopes

    laws = derive_scaling_laws()
    runs = optimal_runs(ctx)
    body, figs = [], []
    for model in ctx.config.models:
        per_T = runs[_model_key(model)]
        Ts = sorted(per_T)
        losses = np.array([per_T[T][1] for T in Ts])
        phase = laws.easy if model.phase == "easy" else laws.hard
        predicted = phase.exponents["loss_exponent"].evaluate(model)
        lo = Ts.index(_fit_from(Ts))
        fit = fit_power_law(Ts[lo:], losses[lo:])
        slopes = local_slopes(Ts, losses)
        rows = "\n".join(
            f"{T} & {per_T[T][2]} & {L:.4e} & {per_T[T][0].max():.3g} & "
            f"{'yes' if per_T[T][3] else 'no'} \\\\"
            for T, L in zip(Ts, losses, strict=True)
        )
        xi = delta = None
        if model.phase == "easy":
            xi = float(phase.exponents["xi"].evaluate(model))
            delta = float(phase.exponents["delta"].evaluate(model))
        out = optimal_schedule_figures(ctx, model, {T: per_T[T][0] for T in Ts}, xi=xi, delta=delta)
        figs.extend(out.figures)
        body.append(
            f"\\paragraph{{{_model_label(model)}}} Optimal schedules (direct solver on the exact "
            f"recursion for $T < {CONTINUUM_FROM_T}$, long-horizon continuum solver above). "
            f"Fitted loss exponent over $T \\ge {Ts[lo]}$: "
            f"${-fit.exponent:.3f} \\pm {fit.stderr:.3f}$; derived: ${float(predicted):.3f}$; "
            f"last local slope ${-float(slopes.slope[-1]):.3f}$ (a drift between the two is "
            "pre-asymptotic, and mode truncation steepens it, docs/theory.md \\S1).\n"
            "\\begin{center}\\small\\begin{tabular}{rlrrl}\\toprule\n"
            "$T$ & method & $L(T)$ & peak $\\eta$ & converged \\\\\\midrule\n"
            + rows
            + "\n\\bottomrule\\end{tabular}\\end{center}\n"
            + out.latex
        )
    return SectionOutput("\n".join(body), tuple(figs))


def _math(cell: str) -> str:
    return cell if cell == "---" else f"${cell}$"


#: Columns of the claims table: the JSON keys of ``optlr validate`` (``resolution`` optional).
CLAIM_KEYS = ("claim", "a", "b", "predicted", "measured", "stderr", "verdict")
#: Verdicts that leave a cell of the claims table empty (the claim does not apply there).
NOT_APPLICABLE = "not applicable in this phase"


def _short_verdict(r: Mapping[str, object]) -> str:
    """The verdict's word with the resolution it was given at (the full text is in the JSON)."""
    v = str(r["verdict"])
    res = r.get("resolution")
    word = v.split(":")[0]
    if isinstance(res, int | float) and math.isfinite(res):
        return rf"{word} ($\pm{latex_number(float(res), 2)}$)"
    return latex_escape(word)


def claims_table(rows: Sequence[Mapping[str, object]], *, caption: str = "") -> str:
    r"""The claims table as LaTeX: one row per claim, the points ``(a, b)`` side by side.

    Each point's cell group holds the prediction, the measured value :math:`\pm` its total
    uncertainty and the verdict with its resolution (interval half-width). A claim that applies
    at none of the points is left out; where it does not apply the cells are dashes.

    Parameters
    ----------
    rows : sequence of mappings
        Keys :data:`CLAIM_KEYS` (the JSON objects of ``optlr validate``); ``predicted``,
        ``measured`` and ``stderr`` may be ``None`` (shown as a dash).
    """

    def num(x: object, digits: int = 4) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "---"
        return latex_number(float(x), digits)

    for r in rows:
        missing = [k for k in CLAIM_KEYS if k not in r]
        if missing:
            raise ValueError(f"claims_table: row {r!r} lacks {missing}")
    points = list(dict.fromkeys((float(r["a"]), float(r["b"])) for r in rows))
    by_claim: dict[str, dict] = {}
    for r in rows:
        by_claim.setdefault(str(r["claim"]), {})[(float(r["a"]), float(r["b"]))] = r
    lines = []
    for name, cells in by_claim.items():
        if all(c["verdict"] == NOT_APPLICABLE for c in cells.values()):
            continue
        parts = [latex_escape(name)]
        for pt in points:
            r = cells.get(pt)
            if r is None or r["verdict"] == NOT_APPLICABLE:
                parts += ["---", "---", "---"]
                continue
            meas = num(r["measured"])
            if meas != "---":
                err = num(r["stderr"], 2)
                meas = f"${meas}$" if err == "---" else rf"${meas}\pm{err}$"
            parts += [_math(num(r["predicted"])), meas, _short_verdict(r)]
        lines.append(" & ".join(parts) + " \\\\")
    head = " & ".join(f"\\multicolumn{{3}}{{c}}{{$(a, b) = ({a:g}, {b:g})$}}" for a, b in points)
    sub = " & ".join("pred. & measured & verdict" for _ in points)
    return (
        "\\begin{table}[htbp]\n\\centering\\scriptsize\n"
        f"\\caption{{{caption or 'Claims: predicted against measured.'}}}\n"
        "\\label{tab:claims}\n"
        f"\\begin{{tabular}}{{p{{0.2\\linewidth}}{'rrl' * len(points)}}}\n\\toprule\n"
        f"claim & {head} \\\\\n & {sub} \\\\\n\\midrule\n"
        + "\n".join(lines)
        + "\n\\bottomrule\n\\end{tabular}\n\\end{table}\n"
    )


#: Modes of the claims sweeps: the continuum solver log-bins them, so a practically infinite
#: model costs nothing and keeps the fitted exponents free of the truncation bias (docs/theory.md §1).
CLAIMS_MODES = 10**12
#: Horizons of the claims sweep: geometric, from 1e2 to the report's longest horizon.
CLAIMS_POINTS_PER_DECADE = 2
#: ``--quick`` claims sweep (T_min, T_max, points): seconds, for smoke tests.
QUICK_CLAIMS_SWEEP = (100, 3000, 3)


def _claim_rows(model: PLRFModel, Ts: Sequence[int], cache_dir, beyond, cache) -> list[dict]:
    from ..claims.validate import continuum_context, validate

    ctx = continuum_context(cache_dir=cache_dir, beyond=beyond, cache=cache)
    return [r.to_dict() for r in validate(model, Ts, ctx=ctx)]


@section("claims", "Claims: predicted against measured")
def claims_section(ctx: ReportContext) -> SectionOutput:
    """The claims table of docs/theory.md with measured exponents and verdicts.

    Every registered claim is evaluated at each point of the report over a horizon sweep
    (optimum from the continued, cached continuum sweep; baselines tuned on the same dynamics).
    """
    from ..claims.validate import horizons

    bctx = _beyond_context(ctx)
    if ctx.config.quick:  # a smoke test: three horizons, verdicts mostly pre-asymptotic
        Ts = horizons(*QUICK_CLAIMS_SWEEP)
    else:
        T_max = max(ctx.config.T_values)
        n = max(3, round(CLAIMS_POINTS_PER_DECADE * math.log10(T_max / 100)) + 1)
        Ts = horizons(100, T_max, n)
    rows: list[dict] = []
    for model in ctx.config.models:
        big = model.replace(n_modes=CLAIMS_MODES)
        t0 = time.perf_counter()
        rows.extend(
            ctx.cached(
                "claims",
                {"model": big, "Ts": list(Ts), "beyond": bctx.beyond},
                lambda big=big: _claim_rows(
                    big, Ts, ctx.cache_dir("claims-sweep"), bctx.beyond, bctx.cache
                ),
            )
        )
        ctx.progress(f"  claims at a={model.a:g} b={model.b:g}: {time.perf_counter() - t0:.1f} s")
    intro = (
        f"Each claim of docs/theory.md \\S3 is predicted by the symbolic engine and measured over "
        f"$T = {Ts[0]}\\ldots{Ts[-1]}$ ({len(Ts)} horizons) with $N = 10^{{12}}$ modes "
        "(log-binned): the measured value is the exponent extrapolated to $T\\to\\infty$ from "
        "the local slopes with the derived corrections to scaling, the error its total "
        "uncertainty (fit, solver, quadrature and the spread between extrapolation schemes). "
        "A claim \\emph{agrees} when the prediction lies in the interval, \\emph{disagrees} "
        "when it does not, and is \\emph{inconclusive} when the interval is wider than the "
        "resolution target (0.01 in an exponent); the interval half-width is printed with "
        "each verdict. Exponents follow the sign convention of the registry (a decay $T^{-p}$ "
        "is reported as $-p$).\n\n"
    )
    return SectionOutput(intro + claims_table(rows), ())


# -- 5. tuned baselines ---------------------------------------------------------------------------


def tuned_baselines(ctx: ReportContext) -> dict[str, dict[str, list[TunedSchedule]]]:
    """Every baseline family tuned at every horizon for every point (cached on disk).

    Returns ``{model_key: {kind: [TunedSchedule per T]}}``.
    """
    cfg = ctx.config
    out: dict[str, dict[str, list[TunedSchedule]]] = {}
    n_jobs = len(cfg.models) * len(cfg.schedules)
    job = 0
    for model in cfg.models:
        per_kind: dict[str, list[TunedSchedule]] = {}
        for kind in cfg.schedules:
            job += 1
            shape = cfg.shape_params(kind)
            before = ctx.cache.misses
            t0 = time.perf_counter()
            runs = []
            for T in cfg.T_values:
                params = {"model": model, "kind": kind, "T": T, "shape": shape}
                runs.append(
                    ctx.cached(
                        "rate-search",
                        params,
                        lambda model=model, kind=kind, T=T, shape=shape: tune_peak_rate(
                            model, kind, T, *shape
                        ),
                        depends_on=RATE_SEARCH_CODE,
                    )
                )
            solved = ctx.cache.misses - before
            ctx.progress(
                f"  baselines {job}/{n_jobs}: {kind} at a={model.a:g}, b={model.b:g} "
                f"({solved} solved, {len(cfg.T_values) - solved} cached, "
                f"{time.perf_counter() - t0:.1f} s)"
            )
            per_kind[kind] = runs
        out[_model_key(model)] = per_kind
    return out


def _fit_from(Ts: Sequence[int]) -> int:
    """Fits use the upper half of the horizons: the end closest to the asymptotic regime."""
    return int(Ts[len(Ts) // 2])


def _estimate(x: float, se: float) -> str:
    """``$x \\pm se$`` with the standard error to one significant digit."""
    if not math.isfinite(se):
        return f"${x:.3f}$"
    err = f"{se:.1g}" if se >= 1e-3 else latex_number(float(f"{se:.1g}"), 1)
    return f"${x:.3f}\\pm{err}$"


def _baseline_table(model: PLRFModel, runs: Mapping[str, list[TunedSchedule]], Ts) -> str:
    from ..analysis.fits import fit_power_law

    kinds = list(runs)
    head = " & ".join(SCHEDULE_NAMES.get(k, k) for k in kinds)
    lines = []
    flagged = False
    for i, T in enumerate(Ts):
        losses = [runs[k][i].final_loss for k in kinds]
        best = int(np.argmin(losses))
        cells = []
        for j, k in enumerate(kinds):
            r = runs[k][i]
            val = f"{latex_number(r.final_loss)}"
            val = rf"\mathbf{{{val}}}" if j == best else val
            mark = r"^{\dagger}" if r.at_bound else ""
            flagged |= r.at_bound
            cells.append(f"${val}$ ({r.eta0:.3g}{'$' + mark + '$' if mark else ''})")
        lines.append(f"{T} & " + " & ".join(cells) + r" \\")
    T0 = _fit_from(Ts)
    keep = np.asarray(Ts) >= T0
    fits_L, fits_eta = [], []
    for k in kinds:
        L = np.array([r.final_loss for r in runs[k]])
        e = np.array([r.eta0 for r in runs[k]])
        fit = fit_power_law(np.asarray(Ts)[keep], L[keep])
        p, se = fit.exponent, fit.stderr
        fit = fit_power_law(np.asarray(Ts)[keep], e[keep])
        q, sq = fit.exponent, fit.stderr
        fits_L.append(_estimate(-p, se))
        fits_eta.append(_estimate(q, sq))
    note = r" $^\dagger$: the best rate lies on the edge of the scanned range." if flagged else ""
    return (
        "\\begin{table}[htbp]\n\\centering\\small\n"
        f"\\caption{{Tuned baselines at the {_model_label(model)} point: final excess loss $L(T)$ "
        "and, in parentheses, the tuned peak rate $\\eta_0^*$; the best baseline at each $T$ in "
        f"bold. Exponents fitted on $T \\ge {T0}$: loss $L\\propto T^{{-p}}$ and peak rate "
        f"$\\eta_0^*\\propto T^{{q}}$ (least squares in log-log, $\\pm$ one standard error).{note}}}\n"
        f"\\label{{tab:baselines-{_model_key(model)}}}\n"
        f"\\begin{{tabular}}{{r{'l' * len(kinds)}}}\n\\toprule\n"
        f"$T$ & {head} \\\\\n\\midrule\n" + "\n".join(lines) + "\n\\midrule\n"
        "$p$ & " + " & ".join(fits_L) + " \\\\\n"
        "$q$ & " + " & ".join(fits_eta) + " \\\\\n"
        "\\bottomrule\n\\end{tabular}\n\\end{table}\n"
    )


@section("baselines", "Baseline schedules tuned per horizon")
def baselines_section(ctx: ReportContext) -> SectionOutput:
    """Named schedules tuned by a 1-D rate search at every horizon: loss, exponents, transfer."""
    from ..plots.figures import (
        paper_style,
        plot_local_slopes,
        plot_loss_vs_T,
        plot_schedule_and_loss,
        plot_schedules,
    )

    cfg = ctx.config
    data = tuned_baselines(ctx)
    Ts = np.asarray(cfg.T_values)
    T0 = _fit_from(cfg.T_values)
    figs: list = []
    with paper_style():
        fig, axes = _panels(len(cfg.models))
        for ax, m in zip(axes, cfg.models, strict=True):
            runs = data[_model_key(m)]
            curves = {
                SCHEDULE_NAMES[k]: (Ts, [r.final_loss for r in runs[k]]) for k in cfg.schedules
            }
            plot_loss_vs_T(curves, ax, fit_from=T0)
            ax.set_title(_model_label(m))
        figs.append(ctx.save(fig, "baselines_loss_vs_T"))

        fig, axes = _panels(len(cfg.models))
        for ax, m in zip(axes, cfg.models, strict=True):
            runs = data[_model_key(m)]
            curves = {
                SCHEDULE_NAMES[k]: (Ts, [r.final_loss for r in runs[k]]) for k in cfg.schedules
            }
            plot_local_slopes(
                curves,
                ax,
                theory={r"gradient flow $(a-1)/b$": m.gradient_flow_exponent},
            )
            ax.set_title(_model_label(m))
        figs.append(ctx.save(fig, "baselines_local_slopes"))

        fig, axes = _panels(len(cfg.models))
        for ax, m in zip(axes, cfg.models, strict=True):
            runs = data[_model_key(m)]
            curves = {SCHEDULE_NAMES[k]: (Ts, [r.eta0 for r in runs[k]]) for k in cfg.schedules}
            plot_loss_vs_T(
                curves, ax, fit_from=T0, ylabel=r"tuned peak rate $\eta_0^*$", slope_symbol="q"
            )
            ax.axhline(stability_limit(m), color="0.4", lw=0.8, ls=":")
            ax.set_title(_model_label(m))
        figs.append(ctx.save(fig, "baselines_peak_rate"))

        fig, axes = _panels(len(cfg.models))
        best_kind = {}
        for ax, m in zip(axes, cfg.models, strict=True):
            runs = data[_model_key(m)]
            best_kind[_model_key(m)] = kind = min(
                cfg.schedules, key=lambda k: runs[k][-1].final_loss
            )
            plot_schedules({r.T: r.schedule() for r in runs[kind]}, ax)
            ax.set_title(f"{SCHEDULE_NAMES[kind]}, {_model_label(m)}")
        figs.append(ctx.save(fig, "baselines_schedules"))

        from ..plots.figures import new_figure

        n = len(cfg.models)
        fig, axes = new_figure(2, n, width="page", height=4.2, sharex="col", squeeze=False)
        for j, m in enumerate(cfg.models):
            runs = data[_model_key(m)]
            sel = {
                SCHEDULE_NAMES[k]: {"t": r.t, "eta": r.schedule(), "loss": r.loss}
                for k in cfg.schedules
                for r in [runs[k][-1]]
            }
            plot_schedule_and_loss(sel, (axes[0, j], axes[1, j]))
            axes[0, j].set_title(f"$T={cfg.T_values[-1]}$, {_model_label(m)}")
        figs.append(ctx.save(fig, "baselines_schedule_and_loss"))

    names = ", ".join(SCHEDULE_NAMES[k] for k in cfg.schedules)
    rel = [ctx.relative(p) for p in figs]
    tables = "".join(_baseline_table(m, data[_model_key(m)], cfg.T_values) for m in cfg.models)
    best = "; ".join(
        f"{_model_label(m)}: {SCHEDULE_NAMES[best_kind[_model_key(m)]]}" for m in cfg.models
    )
    above = [
        f"{SCHEDULE_NAMES[k]} at the {_model_label(m)} point"
        for m in cfg.models
        for k in cfg.schedules
        if data[_model_key(m)][k][-1].eta0 > stability_limit(m)
    ]
    transient = (
        "At the longest horizon the tuned peak rate exceeds the stability limit $\\eta_c$ of a "
        f"constant rate for: {'; '.join(above)}. There the loss grows transiently until the decay "
        "brings the rate below $\\eta_c$ (Figure~\\ref{fig:schedule-and-loss}): the decay "
        "repays an unstable start."
        if above
        else ""
    )
    from ..analysis.fits import local_slopes

    steep = []
    for m in cfg.models:
        for k in cfg.schedules:
            runs = data[_model_key(m)][k]
            s = local_slopes(Ts, [r.final_loss for r in runs], window=2).slope
            if -s[-1] > m.gradient_flow_exponent:
                steep.append(f"{SCHEDULE_NAMES[k]} at the {_model_label(m)} point ({-s[-1]:.3f})")
    pre_asymptotic = (
        "At the longest horizons the local exponent still exceeds the gradient-flow exponent "
        f"$(a-1)/b$ for: {'; '.join(steep)}. The bound of Section~\\ref{{sec:model}} holds "
        "for infinitely many modes and constrains the loss, not its local slope: a steeper local "
        "exponent means the curve is pre-asymptotic, or biased by the mode truncation."
        if steep
        else ""
    )
    for m in cfg.models:
        best_L = min(data[_model_key(m)][k][-1].final_loss for k in cfg.schedules)
        share = m.tail_loss / best_L
        if share > TRUNCATION_SHARE:
            pre_asymptotic += (
                f" At the {_model_label(m)} point the $N={m.n_modes}$ learned modes leave out the "
                f"tail $\\sum_{{k>N}}k^{{-a}} = {latex_number(m.tail_loss)}$, "
                f"{100 * share:.0f}\\% of the best $L(T)$ at $T={cfg.T_values[-1]}$: the "
                "truncated excess loss decays faster than the infinite model's, so its fitted "
                "exponents are biased steeper (the truncation trap of the theory notes); more "
                "modes, or an analytic treatment of the tail, are needed there."
            )
    text = rf"""
Each baseline family $\eta_t = \eta_0 f(t/T)$ ({names}; WSD holds $\eta_0$ and decays linearly
over the last {cfg.wsd_fraction:g} of the steps) is tuned separately at every horizon by a
one-dimensional search over its peak rate $\eta_0 \in [10^{{-4}}\eta_{{\max}}, \eta_{{\max}}]$
(log-spaced scan, then Brent's method in $\log\eta_0$) minimising the final excess loss $L(T)$
of the exact recursion~\eqref{{eq:discrete}} (\texttt{{solvers.simulate}}). This is a crude
stand-in for the multi-parameter baselines of the claims machinery, but it is exact for what it
is: no sampling noise, no surrogate. Fitted exponents use the horizons $T \ge {T0}$; the local
slopes (Figure~\ref{{fig:slopes}}) show how far from asymptotic those horizons still are.

\paragraph{{Observations.}} At the longest horizon the best family is --- {best}.

{transient}

{pre_asymptotic}
"""
    body = (
        text
        + tables
        + latex_figure(
            rel[0],
            "Final excess loss of each tuned baseline against the horizon; the legend gives the "
            f"fitted slope on $T\\ge{T0}$ ($\\pm$ one standard error).",
            label="loss-vs-T",
        )
        + latex_figure(
            rel[1],
            "Local decay exponents $-\\Delta\\log L/\\Delta\\log T$ between neighbouring "
            "horizons. The dashed line is the gradient-flow exponent $(a-1)/b$, which no schedule "
            "bounded by $\\eta_{\\max}$ can beat asymptotically.",
            label="slopes",
        )
        + latex_figure(
            rel[2],
            "Learning-rate transfer across horizons: the tuned peak rate $\\eta_0^*$ against $T$ "
            "with fitted slopes $q$; the dotted line is the stability limit $\\eta_c$ of a "
            "constant rate.",
            label="peak-rate",
        )
        + latex_figure(
            rel[3],
            "The best baseline family (at the longest horizon), tuned at each horizon, against "
            "the training fraction $t/T$; colour encodes $\\log T$.",
            label="baseline-schedules",
        )
        + latex_figure(
            rel[4],
            f"Tuned schedules (top) and their excess loss (bottom) at $T={cfg.T_values[-1]}$.",
            label="schedule-and-loss",
        )
    )
    return SectionOutput(body, tuple(figs))


# -- 6. beyond the learning rate ------------------------------------------------------------------


def _beyond_context(ctx: ReportContext):
    """The experiment context of the beyond-the-learning-rate studies, shared by the claims and
    beyond sections: one scale and one on-disk cache, so the beyond section reuses the claims'
    solves (and a re-run reuses both)."""
    from .._cache import DiskCache
    from ..claims.beyond import BeyondScale
    from ..claims.catalog import ExperimentContext

    root = ctx.cache_dir("claims-sweep")
    return ExperimentContext(
        beyond=BeyondScale.quick() if ctx.config.quick else BeyondScale(),
        cache=None if root is None else DiskCache(root / "beyond"),
    )


@section("beyond", "Batch size, momentum and compute-optimal scaling")
def beyond_section(ctx: ReportContext) -> SectionOutput:
    """Batch-size degeneracy and momentum (derived symbolically); the batch ramp, momentum and
    compute-optimal studies per point (issue 6) with their figures, at the claims' scale."""
    from theory import batch_degeneracy, momentum_bias_dynamics

    deg = batch_degeneracy().latex()
    mom = momentum_bias_dynamics().latex()
    parts = [
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
    from ..claims.beyond import compute_sweep, momentum_sweep, ramp_sweep
    from ..plots.beyond import batch_ramp_figure, compute_optimal_figure, momentum_figure
    from ..plots.figures import paper_style

    ectx = _beyond_context(ctx)
    sc = ectx.beyond
    figs, rows, tex = [], [], []
    for model in ctx.config.models:
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
        figs.extend(pdfs)
        r = ramps[-1]
        tex.append(
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

        def cell(v):
            return f"${v[0]:.3f} \\pm {v[1]:.1g}$" if math.isfinite(v[1]) else f"${v[0]:.3f}$"

        rows.append(
            f"{label} & ${r.gamma:.3f}$ & ${r.derived:.3f}$ & "
            f"{cell((mres.momentum.exponent, mres.momentum.stderr))} & "
            f"{cell((mres.sgd.exponent, mres.sgd.stderr))} & "
            f"{cell(m['model_size_exponent'])} & {d['model_size_exponent']:.3f} & "
            f"{cell(m['loss_exponent'])} & {d['loss_exponent']:.3f} \\\\"
        )
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
