"""LaTeX fragments of the beyond-the-learning-rate studies (``optlr batch --format latex``,
``optlr momentum``, ``optlr compute-optimal``): one table each, numbers through
:func:`~solvers.report.core.latex_number`."""

from __future__ import annotations

import math

from .core import latex_number

__all__ = ["batch_latex", "compute_latex", "momentum_latex"]


def _tex(x: float, spec: str = ".3f") -> str:
    return "---" if x is None or not math.isfinite(x) else format(x, spec)


def _pm(value: float, err: float, spec: str = ".4f") -> str:
    """``$v \\pm e$`` (``$v$`` when the error is unknown) for a table cell."""
    if value is None or not math.isfinite(value):
        return "---"
    if err is None or not math.isfinite(err):
        return f"${value:{spec}}$"
    return f"${value:{spec}} \\pm {err:.1g}$"


def _num(x: float) -> str:
    """``$x$`` in LaTeX, or ``---`` where the value is not available (nan: a skipped sweep)."""
    return "---" if x is None or not math.isfinite(x) else f"${latex_number(x, 4)}$"


def batch_latex(sym, deg, ramps) -> str:
    """LaTeX fragment: the derived degeneracy, its numerical check and the ramp fits."""
    lx = sym.latex()
    rows = "\n".join(
        f"{r.T} & {r.budget / r.T:g} & {_pm(r.gamma, r.gamma_stderr, '.3f')} & "
        f"{_tex(r.derived)} & {_num(r.final_loss)} & {_num(r.constant_loss)} \\\\"
        for r in ramps
    )
    table = (
        "\\begin{tabular}{rrcccc}\\toprule\n$T$ & $D/T$ & $\\gamma$ (measured) & derived "
        "& $L$ ramp & $L$ const. batch \\\\\\midrule\n" + rows + "\n\\bottomrule\\end{tabular}\n"
        if ramps
        else ""
    )
    return (
        "% optlr batch\n"
        f"\\[ {lx['continuous_per_sample']} \\]\n"
        f"\\[ {lx['breaking']} \\]\n"
        f"Ratio-equal schedules at equal samples: relative loss spread "
        f"{deg.continuous_spread:.2e} (continuous time), {deg.discrete_spread:.2e} (exact "
        "recursion).\n\n" + table
    )


def momentum_latex(mb, res) -> str:
    """LaTeX fragment: the derived bias dynamics and the measured exponents."""
    lx = mb.latex()
    rows = "\n".join(
        f"{r.T} & {_num(r.final_loss)} & {_num(r.sgd_loss)} & {r.gain:.3f} & "
        f"{'yes' if r.success else 'no'} \\\\"
        for r in res.results
    )

    def exp(f):
        return _pm(f.exponent, f.stderr)

    return (
        "% optlr momentum\n"
        f"Bias dynamics of one mode: ${lx['matrix']}$, slow-mode rate ${lx['slow_rate']}$, "
        f"stability ${lx['stability_boundary']}$.\n\n"
        "\\begin{tabular}{rcccc}\\toprule\n$T$ & $L^*$ momentum & $L^*$ SGD & ratio & KKT "
        "\\\\\\midrule\n" + rows + "\n\\midrule\n"
        f"exponent & {exp(res.momentum)} & {exp(res.sgd)} & \\multicolumn{{2}}{{c}}"
        f"{{$(a-1)/b = {res.gradient_flow_exponent:.4f}$}} \\\\\n"
        "\\bottomrule\\end{tabular}\n"
    )


def compute_latex(res) -> str:
    """LaTeX fragment: the compute-optimal points and the measured against derived exponents."""
    pts = "\n".join(
        f"{_num(p.C)} & {p.N_star:.3g} & {p.T_star:.4g} & {_num(p.L_star)} & "
        f"{_tex(p.N_star_constant, '.3g')} & {_num(p.L_star_constant)} \\\\"
        for p in res.points
    )
    symbol = {"model_size_exponent": "$N^*$", "steps_exponent": "$T^*$", "loss_exponent": "$L^*$"}

    def name(key: str) -> str:
        fam, _, q = key.rpartition(".")
        if not fam:
            return symbol[q]
        return f"{symbol[q]} ({'constant rate' if fam == 'constant' else 'tuned ' + fam})"

    ex = "\n".join(
        f"{name(k)} & {_pm(v[0], v[1])} & {_tex(res.derived.get(k, float('nan')), '.4f')} \\\\"
        for k, v in res.measured().items()
    )
    return (
        "% optlr compute-optimal\n"
        "\\begin{tabular}{rrrrrr}\\toprule\n$C$ & $N^*$ & $T^*$ & $L^*$ & $N^*_c$ & $L^*_c$ "
        "\\\\\\midrule\n" + pts + "\n\\bottomrule\\end{tabular}\n\n"
        "\\begin{tabular}{lcc}\\toprule\nexponent of $C$ & measured & derived \\\\\\midrule\n"
        + ex
        + "\n\\bottomrule\\end{tabular}\n"
    )
