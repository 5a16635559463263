"""Section ``curves`` (only with ``optlr report --curves``): the theory on real training runs.

The fit of the loss functional to the runs of :class:`~solvers.report.core.CurvesSpec` (its
parameters, phase, ``p_easy`` and why the phase is or is not identified), the held-out runs'
predicted final losses against the observed ones and against the empirical laws, the curves
and residuals, and learning-rate transfer where the runs sweep the base rate.
"""

from __future__ import annotations

from ...runs import (
    FitOptions,
    _evaluate,
    _fit,
    _functional,
    _laws,
    _phase,
    fit_and_predict,
    load_dataset,
    load_runs,
)
from ..core import ReportContext, SectionOutput, latex_escape, latex_figure

#: Modules whose code a cached fit depends on.
FIT_CODE = (_evaluate, _fit, _functional, _laws, _phase)


def _load(spec):
    from ...runs import DATASETS

    if spec.curves in DATASETS:
        return load_dataset(spec.curves)
    return load_runs(spec.curves, spec.runs)


def _digest(spec) -> dict:
    """Content hashes of the spec's files (a shipped data set: its name), for the cache key."""
    import hashlib
    from pathlib import Path

    out = {}
    for name in (spec.curves, spec.runs):
        if name is not None and Path(name).is_file():
            out[name] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    return out


def _default_split(runs) -> tuple[list, list]:
    """The first model family's runs: fit the shorter horizons, predict the longest."""
    fam = sorted({r.family for r in runs}, key=str)[0]
    members = [r for r in runs if r.family == fam]
    T = max(r.horizon for r in members)
    return [r.id for r in members if r.horizon < T], [r.id for r in members if r.horizon == T]


def _pct(x) -> str:
    return "--" if x is None else f"{100 * x:.2f}\\%"


#: The map from the optimiser's rate to model time, as the report words it (``FitOptions.rate_map``).
_MAPS = {
    "power": "the rate power $p$ of the intrinsic rate $s\\eta^p$",
    "norm": "AdamW's weight-norm map $s\\eta/\\sqrt{N}$ with the initial norm \\texttt{norm0}",
    "norm-eq": "AdamW's weight-norm map $s\\eta/\\sqrt{N}$ from the equilibrium norm",
}


def _params_table(d: dict) -> str:
    m = d["model"]
    rows = []
    for name in ("L_inf", "A", "s", "nu", "a", "b", "p", "norm0"):
        if m.get(name) is None:
            continue  # norm0: the norm map only
        lo, hi = m["interval"].get(name, (None, None))
        band = "--" if lo is None else f"[{lo:.4g}, {hi:.4g}]"
        rows.append(f"\\texttt{{{latex_escape(name)}}} & {m[name]:.5g} & {band} \\\\")
    return (
        "\\begin{tabular}{lrr}\\hline parameter & fit & 95\\% bootstrap \\\\ \\hline\n"
        + "\n".join(rows)
        + "\n\\hline\\end{tabular}\n"
    )


def _predictions_table(d: dict) -> str:
    rows = []
    for p in d["predictions"]:
        obs = "--" if p["observed"] is None else f"{p['observed']:.4f}"
        err = "--" if p["observed"] is None else _pct(abs(p["predicted"] / p["observed"] - 1))
        rows.append(
            f"\\texttt{{{latex_escape(p['run'])}}} & {p['step']} & {p['predicted']:.4f} & "
            f"{obs} & {err} \\\\"
        )
    scores = [("optlr", d["error"], d["model"]["n_params"])] + [
        (k, v, v["n_params"]) for k, v in d["baselines"].items()
    ]
    score_rows = [
        f"{latex_escape(k)} ({n}) & {_pct(e['mean_rel'])} & {_pct(e['max_rel'])} \\\\"
        for k, e, n in scores
    ]
    return (
        "\\begin{tabular}{lrrrr}\\hline run & step & predicted & observed & error \\\\ \\hline\n"
        + "\n".join(rows)
        + "\n\\hline\\end{tabular}\n\n\\medskip\n"
        "\\begin{tabular}{lrr}\\hline predictor (parameters) & mean error & worst \\\\ \\hline\n"
        + "\n".join(score_rows)
        + "\n\\hline\\end{tabular}\n"
    )


def _transfer_text(d: dict) -> str:
    if not d["transfer"]:
        return (
            "No schedule family holds three base rates at two or more horizons: no optimal base "
            "rate can be located and no transfer exponent is measured.\n"
        )
    rows = [
        f"{latex_escape(k)}: $\\eta^* \\propto T^{{{t['exponent']:.3f} \\pm {t['stderr']:.3f}}}$ "
        f"over {t['n_horizons']} horizons (fitted theory: {t['theory_exponent']})"
        for k, t in d["transfer"].items()
    ]
    return "Learning-rate transfer: " + "; ".join(rows) + ".\n"


def curves_section(ctx: ReportContext) -> SectionOutput:
    """Fit, held-out predictions, figure and transfer for ``ctx.config.curves``."""
    import matplotlib.pyplot as plt

    from ...runs import plot_curves, plot_residuals

    spec = ctx.config.curves
    runs = _load(spec)
    fit_ids, predict_ids = (spec.fit, spec.predict) if spec.fit else _default_split(runs)
    opts = FitOptions(split=runs.default_split(), n_boot=spec.boot)
    key = {"curves": spec, "data": _digest(spec), "fit": list(fit_ids),
           "predict": list(predict_ids), "opts": opts}  # fmt: skip
    report = ctx.cached(
        "curves-fit",
        key,
        lambda: fit_and_predict(runs, fit_ids, predict_ids, opts),
        depends_on=FIT_CODE,
    )
    d = report.to_dict()
    m = d["model"]
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    plot_curves(report, runs, a0)
    plot_residuals(report, a1)
    pdf = ctx.save(fig, "curves_fit")
    body = (
        f"Runs from \\texttt{{{latex_escape(str(spec.curves))}}}: fitted on "
        f"{len(fit_ids)} runs ({m['n_points']} points, {m['n_params']} parameters: "
        "$L_\\infty, A, s, \\nu, a, b$ and the map from the rate to model time: "
        + _MAPS[m.get("rate_map", "power")]
        + "), "
        f"predicted {len(predict_ids)} held-out runs from their schedules alone.\n\n"
        + _params_table(d)
        + f"\n\\medskip\nPhase: {m['phase']}, $p_{{\\rm easy}} = {m['p_easy']:.2f}$ "
        f"(likelihood ratio of the best fit in each phase, {m['n_eff']:.1f} effective "
        f"independent residuals); {latex_escape(m['phase_note'])}. Parameters on a bound of "
        f"the fit (their intervals are one-sided): {latex_escape(', '.join(m['at_bound']) or 'none')}.\n\n"
        + _predictions_table(d)
        + "\n"
        + latex_figure(
            ctx.relative(pdf),
            "Observed (dots) and predicted (lines; dashed: held out) loss curves, and the "
            "relative residuals of the fitted points.",
            label="curves-fit",
        )
        + _transfer_text(d)
    )
    return SectionOutput(body, (pdf,))
