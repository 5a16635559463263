"""Section 3: optimal schedules across horizons (direct solver, then the continuum solver)."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from theory import PLRFModel

from ..core import ReportContext, SectionOutput, _model_key, _model_label, latex_figure
from ._common import RATE_SEARCH_CODE, _fit_from


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
    from ...plots.figures import new_figure, paper_style, plot_collapse, plot_schedules

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
    from ...control.registry import solve

    method = "direct" if T < CONTINUUM_FROM_T else "continuum"
    r = solve(model, T, method=method)
    eta = np.repeat(np.asarray(r.eta), np.diff(np.asarray(r.t)).astype(np.int64))
    return eta, float(r.final_loss), method, bool(r.success), str(r.message)


def optimal_runs(ctx: ReportContext) -> dict[str, dict[int, tuple]]:
    """Optimal schedules for every point and horizon of the report (cached on disk)."""
    from ...control import _adjoint, _lbfgsb, _objective, _parametrisation
    from ...control import continuum as _continuum
    from ...control import direct as _direct
    from ...control import registry as _registry
    from ...dynamics import _continuum_kernels

    solver = (_direct, _objective, _parametrisation, _adjoint, _lbfgsb)  # the direct method
    code = (*RATE_SEARCH_CODE, *solver, _continuum, _continuum_kernels, _registry)
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


def optimal_section(ctx: ReportContext) -> SectionOutput:
    """Optimal schedules per point across horizons, their loss exponent against the derived one,
    and (easy phase) the scaling collapse with the derived :math:`\\xi`, :math:`\\delta`."""
    from theory import derive_scaling_laws

    from ...analysis.fits import fit_power_law, local_slopes

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
