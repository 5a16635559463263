"""Section 4: the claims table, every claim predicted by the engine and measured."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

from theory import PLRFModel

from ..core import ReportContext, SectionOutput, latex_escape, latex_number
from ._common import CLAIMS_MODES, _beyond_context


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


#: Horizons of the claims sweep: geometric, from 1e2 to the report's longest horizon.
CLAIMS_POINTS_PER_DECADE = 2
#: ``--quick`` claims sweep (T_min, T_max, points): seconds, for smoke tests.
QUICK_CLAIMS_SWEEP = (100, 3000, 3)


def _claim_rows(model: PLRFModel, Ts: Sequence[int], cache_dir, beyond, cache) -> list[dict]:
    from ...claims.validate import continuum_context, validate

    ctx = continuum_context(cache_dir=cache_dir, beyond=beyond, cache=cache)
    return [r.to_dict() for r in validate(model, Ts, ctx=ctx)]


def claims_section(ctx: ReportContext) -> SectionOutput:
    """The claims table of docs/theory.md with measured exponents and verdicts.

    Every registered claim is evaluated at each point of the report over a horizon sweep
    (optimum from the continued, cached continuum sweep; baselines tuned on the same dynamics).
    """
    from ...claims.validate import horizons

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
