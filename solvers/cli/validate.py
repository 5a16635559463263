"""``optlr validate``: claims table (text, JSON, LaTeX) and figures for one (a, b)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..control.registry import METHODS
from ._common import (
    CLIError,
    add_model_command,
    add_out_dir_argument,
    begin_start_up,
    count,
    dumps,
    emit,
    end_start_up,
    model_from_args,
    model_text,
    out_dir,
    path,
    real,
)

__all__ = ["register"]

#: Least default number of modes (log-binned tail / mode quadrature): effectively infinite when
#: ``a`` is not near 1. The default run takes more where the bias its model would lack at its
#: longest horizon, (k*/N)^(a-1) (theory.modes_for_horizon), exceeds MISSING_MODES_TOL: at
#: (1.2, 1.7) N = 1e12 lacks 9 % of the bias at T = 1e13 and steepens the constant-rate loss
#: slope by 0.013; with N = 1e18, by 0.001 (benchmarks/results/claims.md, 2026-11-30d).
DEFAULT_VALIDATE_MODES = 10**12
#: Fraction of the bias the default run's model may lack at its longest horizon: local
#: exponents move by about this fraction of theirs, far below the 0.01 resolution.
MISSING_MODES_TOL = 1e-3
#: ``--quick``: a short sweep for tests and smoke runs (seconds, not minutes).
QUICK = {"T_min": 100.0, "T_max": 3000.0, "points": 3}
#: Most horizons in one sweep: each is a solve; a finer sweep than this is a mistake, not a plan.
MAX_POINTS = 200
#: The sweep's defaults when some sweep option is given (each also settable on its own); with
#: none, every claim runs over its own default horizons (:func:`solvers.claims.default_horizons`).
SWEEP_DEFAULTS = {"T_min": 100.0, "T_max": 1e6, "points": 9}


#: ``--solver``: the registered methods, and ``none`` for the solver-free claims.
SOLVER_CHOICES = tuple(dict.fromkeys(("continuum", *METHODS, "none")))


def _fmt(x, spec=".4f", unbounded="unbounded") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):  # an unbounded interval (unextrapolated value)
        return unbounded
    if 0 < abs(x) < 1e-3:  # e.g. a relative spread: fixed-point would print 0.0000
        return format(x, ".2e")
    return format(x, spec)


def _sweep_text(Ts) -> str:
    return f"T = {Ts[0]} .. {Ts[-1]} ({len(Ts)} points)"


def _text(model, Ts, rows, schedule_Ts=None) -> str:
    """The claims table; ``Ts`` is the common sweep, or the others' when the optimal schedules
    ran over their own default horizons ``schedule_Ts``."""
    sweep = (
        _sweep_text(Ts)
        if schedule_Ts is None
        else f"optimal schedules {_sweep_text(schedule_Ts)}, others {_sweep_text(Ts)}"
    )
    head = f"optlr validate: {model_text(model)} phase={model.phase}; {sweep}"
    w = max(len(r.claim) for r in rows)
    lines = [
        head,
        f"{'claim':<{w}}  {'predicted':>10}  {'measured':>22}  {'resolution':>10}  verdict",
    ]
    for r in rows:
        meas = "-" if r.measured is None else f"{_fmt(r.measured)} ± {_fmt(r.stderr)}"
        res = "-" if r.resolution is None else f"±{_fmt(r.resolution)}"
        lines.append(f"{r.claim:<{w}}  {_fmt(r.predicted):>10}  {meas:>22}  {res:>10}  {r.verdict}")
        m = r.measurement
        if m is not None and m.slopes is not None:
            pairs = ", ".join(
                f"{x:.3g}:{y:+.4f}" for x, y in zip(m.slopes.x, m.slopes.slope, strict=True)
            )
            lines.append(f"{'':<{w}}  per window (T or C: value) {pairs}")
        raw = None if m is None else m.diagnostics.get("uncorrected_y")
        if raw is not None:  # the constant-rate claims (solvers/claims/constant_rate.py)
            T_ = m.diagnostics["T"]
            s_ = [math.log(raw[i] / raw[i - 1]) / math.log(T_[i] / T_[i - 1])
                  for i in range(1, len(raw))]  # fmt: skip
            what = (
                "the slow modes' noise deficit"
                if "deficit_correction" in m.diagnostics
                else "the noise-feedback correction"
            )  # easy / hard phase
            lines.append(f"{'':<{w}}  with {what} (derived) divided out; raw "
                         f"slopes {s_[0]:+.4f} .. {s_[-1]:+.4f}")  # fmt: skip
        e = None if m is None else m.extrapolation
        if e is not None:
            sch = ", ".join(f"{k} {_fmt(v, '+.4f')}" for k, v in e.schemes.items())
            bud = ", ".join(f"{k} {_fmt(v, '.2g')}" for k, v in e.budget.items())
            lines.append(f"{'':<{w}}  extrapolated ({e.message}): {sch}; budget: {bud}")
        elif m is not None and m.drift is not None:
            lines.append(f"{'':<{w}}  {m.drift.verdict}")
        share = [] if m is None else m.diagnostics.get("label_noise_share", [])
        if len(share):
            lines.append(f"{'':<{w}}  label noise's share of the tuned loss: {share[0]:.3g} at the "
                         f"shortest horizon, {share[-1]:.3g} at the longest")  # fmt: skip
    return "\n".join(lines)


def _baselines_text(cmp) -> str:
    """Final loss of every tuned baseline against the optimum, fitted and local exponents."""
    names = list(cmp.results)
    Ts = sorted(cmp.optimal) or sorted({r.T for rs in cmp.results.values() for r in rs})
    lines = [f"baselines (tuned per T on the {cmp.dynamics} dynamics) vs optimum: L(T)"]
    lines.append(f"{'T':>10}  {'optimal':>11}  " + "  ".join(f"{n:>11}" for n in names))
    for T in Ts:
        by = {n: {r.T: r for r in cmp.results[n]} for n in names}
        cells = [f"{by[n][T].final_loss:11.5g}" if T in by[n] else f"{'-':>11}" for n in names]
        opt = f"{cmp.optimal[T]:11.5g}" if T in cmp.optimal else f"{'-':>11}"
        lines.append(f"{T:>10}  {opt}  " + "  ".join(cells))
    lines.append(f"{'fit':>10}  " + "  ".join(
        f"{cmp.fits[n].exponent:+11.4f}" if n in cmp.fits else f"{'-':>11}"
        for n in ["optimal", *names]))  # fmt: skip
    lines.append(f"{'last slope':>10}  " + "  ".join(
        f"{cmp.last_slopes[n]:+11.4f}" if n in cmp.last_slopes else f"{'-':>11}"
        for n in ["optimal", *names]))  # fmt: skip
    for n in names:
        if cmp.beats.get(n) is not None:
            worst = min((m for _, m in cmp.margins[n]), default=math.nan)
            lines.append(
                f"optimum beats {n} at every T: {cmp.beats[n]} (smallest margin {worst:+.3g})"
            )
    for T, (L, rel) in sorted(cmp.recursion_check.items()):
        lines.append(f"exact recursion re-run of the optimum at T={T}: L={L:.6g} ({rel:+.2e})")
    return "\n".join(lines)


def _latex(model, rows) -> str:
    from theory import latex_escape as esc

    out = [
        r"\begin{tabular}{llll}",
        r"\hline",
        rf"\multicolumn{{4}}{{l}}{{$a={model.a:g},\ b={model.b:g}$ ({model.phase} phase)}}\\",
        r"claim & predicted & measured & verdict \\",
        r"\hline",
    ]
    for r in rows:
        err = _fmt(r.stderr, unbounded=r"\infty")
        meas = "--" if r.measured is None else f"${_fmt(r.measured)} \\pm {err}$"
        pred = "--" if r.predicted is None else f"${_fmt(r.predicted)}$"
        out.append(f"{esc(r.claim)} & {pred} & {meas} & {esc(r.verdict)} \\\\")
    out += [r"\hline", r"\end{tabular}"]
    return "\n".join(out)


def _easy_law(model) -> dict:
    """The ``easy`` baseline's exponents (derived) in the easy phase; none in the hard one."""
    if model.phase != "easy":
        return {"xi": None, "delta": None}
    from theory import derive_scaling_laws

    laws = derive_scaling_laws()
    return {"xi": laws.easy["xi"].evaluate(model), "delta": laws.easy["delta"].evaluate(model)}


def _comparison(model, Ts, ctx):
    from ..claims.validate import compare_baselines

    return compare_baselines(model, Ts, ctx=ctx, **_easy_law(model))


def _figures(out: Path, model, Ts, rows, ctx, args, cmp=None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..claims.validate import compare_baselines
    from ..plots.figures import plot_collapse, plot_local_slopes, plot_loss_vs_T

    out.mkdir(parents=True, exist_ok=True)
    measured = [r for r in rows if r.measurement is not None and r.measurement.slopes is not None]
    if measured:
        fig, ax = plt.subplots()
        plot_local_slopes(
            {r.claim: r.measurement.slopes for r in measured},
            ax,
            theory={
                f"{r.claim} (predicted)": r.predicted for r in measured if r.predicted is not None
            },
            ylabel="local exponent d log y / d log T",
            sign=1.0,
        )
        fig.savefig(out / "local_slopes.png", dpi=120)
        plt.close(fig)
    fig, ax = plt.subplots()
    cmp = compare_baselines(model, Ts, ctx=ctx) if cmp is None else cmp
    plot_loss_vs_T(cmp.curves(), ax)
    fig.savefig(out / "loss_vs_T.png", dpi=120)
    plt.close(fig)
    for r in rows:
        m = r.measurement
        if m is not None and "collapse" in m.diagnostics:
            fig, ax = plt.subplots()
            plot_collapse(m.diagnostics["collapse"], ax=ax)
            fig.savefig(out / "collapse.png", dpi=120)
            plt.close(fig)


def _context(args: argparse.Namespace, per_claim: bool):
    """The experiment context of a run: the solver, the caches and, for the default run
    (``per_claim`` without ``--cpu-budget``), its CPU budgets (the optimal sweep's and the tuned
    baselines', both counted in work, not the clock)."""
    from .._cache import DiskCache
    from ..claims.core import BeyondScale, ExperimentContext
    from ..claims.validate import (
        DEFAULT_BASELINE_BUDGET,
        DEFAULT_CPU_BUDGET,
        continuum_context,
        find_solver,
    )

    default_run = per_claim and args.cpu_budget is None
    common = {
        "baseline_budget": DEFAULT_BASELINE_BUDGET if default_run else None,
        "grid_options": {"ratio": args.bin_ratio}
        | ({} if args.exact_modes is None else {"exact": args.exact_modes}),
        "max_T_time_domain": args.T_max_time_domain,
        # the batch/momentum/compute-optimal claims run their own solvers at their own scale
        "beyond": BeyondScale.quick() if args.quick else BeyondScale(),
        "cache": None if args.cache_dir is None else DiskCache(args.cache_dir / "beyond"),
    }
    if args.solver == "none":
        ctx = ExperimentContext(**common)
    elif args.solver == "continuum":
        # the default run caps its optimal sweep by CPU; an explicit sweep runs as asked
        budget = args.cpu_budget
        if budget is None:
            budget = DEFAULT_CPU_BUDGET if per_claim else 0.0
        ctx = continuum_context(
            cache_dir=args.cache_dir, progress=args.progress, baselines=args.baselines,
            cpu_budget=budget or None, **common,
        )  # fmt: skip
    else:
        ctx = ExperimentContext(solver=find_solver(args.solver), baselines=args.baselines, **common)
    return ctx


def _default_modes(args: argparse.Namespace, Ts) -> int:
    """The default run's mode count: :data:`DEFAULT_VALIDATE_MODES`, or more where its model
    would lack over :data:`MISSING_MODES_TOL` of the bias at its longest horizon (``Ts``, or
    with ``None`` the default horizons of every claim of the phase, whichever ``--claim`` asks
    for: a row run alone is the row of the whole run, on the same model)."""
    from theory import modes_for_horizon

    from ..claims.catalog import CLAIMS
    from ..claims.validate import default_horizons

    args.modes = DEFAULT_VALIDATE_MODES
    probe = model_from_args(args, dense=False)
    if Ts is None:
        Ts = [T for n in CLAIMS.names() if probe.phase in CLAIMS[n].phases
              for T in default_horizons(probe, CLAIMS[n])]  # fmt: skip
    need = modes_for_horizon(probe.a, probe.b, max(Ts), probe.eta_max, MISSING_MODES_TOL)
    return max(DEFAULT_VALIDATE_MODES, need)


def _cmd_validate(args: argparse.Namespace) -> None:
    from functools import partial

    from ..analysis.processes import default_jobs
    from ..claims.catalog import CLAIMS, unsolved_horizons
    from ..claims.validate import default_horizons, horizons, tuned_baselines, validate

    folder = out_dir(args)  # checked before the sweep, not after it
    # no sweep option and no --quick: every claim over its default horizons (chosen from its
    # derived corrections: long continued sweeps for the optimal-schedule claims)
    per_claim = not args.quick and all(getattr(args, k) is None for k in QUICK)
    for k, v in QUICK.items():  # --quick fills the sweep options not given, never replaces them
        if getattr(args, k) is None:
            setattr(args, k, v if args.quick else SWEEP_DEFAULTS[k])
    if args.points > MAX_POINTS:
        raise CLIError(
            f"--points: at most {MAX_POINTS} horizons (each is a solve), got {args.points}"
        )
    if args.cpu_budget is not None and args.cpu_budget < 0:
        raise CLIError(f"--cpu-budget: expected CPU seconds >= 0 (0: none), got {args.cpu_budget}")
    if args.jobs is not None and args.jobs < 1:
        raise CLIError(f"--jobs: expected a number of processes >= 1, got {args.jobs}")
    if args.cpu_budget is not None and args.solver != "continuum":
        # only the continued sweep predicts a horizon's cost; another solver would ignore it
        raise CLIError(
            f"--cpu-budget: caps the continuum solver's sweep only; not with --solver {args.solver}"
        )
    Ts = horizons(args.T_min, args.T_max, args.points)
    for name in args.claim or []:
        if name not in CLAIMS:
            raise CLIError(f"--claim: unknown claim {name!r}; known: {', '.join(CLAIMS.names())}")
    if args.modes is None:  # --modes given is used as given
        args.modes = _default_modes(args, None if per_claim else Ts)
    model = model_from_args(args, dense=False)  # a log-binned tail, not every mode
    ctx = _context(args, per_claim)
    compare = args.compare and ctx.has_solver
    # the comparison's tuned baselines are tuned where the other baselines are (the worker with
    # --jobs 2), after them: their ledger of work sees the order of one process
    then = partial(tuned_baselines, model, Ts, **_easy_law(model)) if compare else None
    end_start_up()  # the claims, the solver and the caches are imported
    rows = validate(model, None if per_claim else Ts, claims=args.claim, ctx=ctx,
                    jobs=default_jobs() if args.jobs is None else args.jobs, then=then,
                    progress=args.progress)  # fmt: skip
    # the header names both default sweeps; baselines compare on the short one (Ts)
    schedule_Ts = None
    if per_claim:
        cut = set(unsolved_horizons(model, ctx))
        schedule_Ts = [T for T in default_horizons(model, CLAIMS["optimal loss"]) if T not in cut]
        schedule_Ts = schedule_Ts or None
    cmp = _comparison(model, Ts, ctx) if compare else None
    if args.format == "json":
        # an unextrapolated or unresolved exponent has an unbounded interval: null
        text = dumps([r.to_dict() for r in rows], optional=("stderr", "resolution", "measured"))
    elif args.format == "latex":
        text = _latex(model, rows)
    else:
        text = _text(model, Ts, rows, schedule_Ts)
        if cmp is not None:
            text += "\n" + _baselines_text(cmp)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        suffix = {"json": "json", "latex": "tex", "text": "txt"}[args.format]
        emit(text, folder / f"claims.{suffix}")
        if args.format != "latex":
            emit(_latex(model, rows), folder / "claims.tex")
        if cmp is not None:
            emit(_baselines_text(cmp), folder / "baselines.txt")
        _figures(folder, model, Ts, rows, ctx, args, cmp)
    emit(text, None)


def register(sub) -> None:
    p = add_model_command(
        sub, "validate",
        help="check the analytic claims numerically: predicted vs measured exponents",
        description="Measure every claim of the registry over a horizon sweep and give a verdict.",
        modes=None,
        modes_help=f"default {DEFAULT_VALIDATE_MODES:.0e}, or more where the model would lack over "
        f"{MISSING_MODES_TOL:g} of the bias at the longest horizon",
    )  # fmt: skip
    p.add_argument("--claim", action="append", help="claim name (repeatable; default all)")
    p.add_argument("--T-min", type=real, help="shortest horizon (default 100)")
    p.add_argument(
        "--T-max", type=real,
        help="longest horizon (default: per claim, from its derived corrections: up to 1e11 "
        "for the optimal schedules, 1e6 for tuned baselines; 1e6 when another sweep option is "
        "given)",
    )  # fmt: skip
    p.add_argument("--points", type=count, help="horizons, geometric (default 9)")
    p.add_argument(
        "--quick", action="store_true",
        help=f"short sweep T = {QUICK['T_min']:g} .. {QUICK['T_max']:g} ({QUICK['points']} points) "
        "for the sweep options not given explicitly",
    )  # fmt: skip
    p.add_argument(
        "--T-max-time-domain", type=count, default=10_000,
        help="cap on T for baselines tuned on the time-domain recursion (default %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--exact-modes",
        type=count,
        default=None,
        help="modes kept one by one (default 256; the constant-rate sweep keeps its "
        "learning front exact where affordable)",
    )
    p.add_argument("--bin-ratio", type=real, default=1.1, help="tail bin-edge ratio (> 1)")
    p.add_argument(
        "--solver", default="continuum", choices=SOLVER_CHOICES,
        help="optimal-control solver: 'continuum' (continued, cached sweep; default), another "
        "registered method, or 'none' (solver-free claims only)",
    )  # fmt: skip
    p.add_argument(
        "--baselines", choices=("continuum", "recursion"), default="continuum",
        help="dynamics the baselines are tuned on: the continuum solver's grid and modes "
        "(like for like with its optimum; default) or the exact recursion (T capped)",
    )  # fmt: skip
    p.add_argument(
        "--no-compare", dest="compare", action="store_false",
        help="skip the table of tuned baselines against the optimum",
    )  # fmt: skip
    p.add_argument(
        "--cpu-budget", type=real,
        help="CPU seconds the optimal sweep may spend; it stops before a horizon predicted to "
        "exceed them and the claims say which horizon would settle them (default: "
        "solvers.claims.validate.DEFAULT_CPU_BUDGET with the default horizons, when the "
        "tuned baselines also start no horizon once their work has cost "
        "DEFAULT_BASELINE_BUDGET reference CPU seconds; "
        "none when a sweep option is given; 0: none)",
    )  # fmt: skip
    p.add_argument("--cache-dir", type=path, help="on-disk cache of the optimal sweep (resumes)")
    p.add_argument(
        "--jobs", type=count,
        help="processes (default: 2 on a machine with two or more cores, else 1): with 2, the "
        "claims that need no optimal schedule (tuned baselines and constant rate, batch, "
        "momentum, compute-optimal) run in a second process beside the optimal sweep, each "
        "with its own CPU budget as in one process, and give the same numbers; 1: one process",
    )  # fmt: skip
    p.add_argument("--progress", action="store_true",
                   help="one line per solved horizon (and per claim done in the second process)")  # fmt: skip
    p.add_argument(
        "--format", choices=("text", "json", "latex"), default="text",
        help="output format: text for a person, json for a program (default %(default)s)",
    )  # fmt: skip
    add_out_dir_argument(p, "directory for the table files and figures")
    p.set_defaults(func=_cmd_validate, start_up=_start_up)


def _start_up(args: argparse.Namespace) -> None:
    """A fresh ``optlr validate``'s start-up: collection paused until the claims and the solver
    are imported (:func:`~solvers.cli._common.begin_start_up`)."""
    begin_start_up()
