"""``optlr batch``, ``optlr momentum``, ``optlr compute-optimal``: beyond the learning rate.

Quick defaults (seconds); the long-horizon figures of the report come from the same commands
with larger ``--T`` / ``--C`` values (see each ``--help``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import (
    CLIError,
    add_model_command,
    add_output_arguments,
    at_least,
    check_size,
    count,
    dumps,
    emit,
    model_dict,
    model_from_args,
    na,
    path,
    real,
    refuse_given,
)

#: Options of the ramp problem of ``optlr batch``: ignored without ``--T`` (refused).
RAMP_OPTIONS = ("--fix-eta", "--saving", "--mean-batch", "--ramp-eta-max", "--maxiter", "--plot")

#: (step, mode) pairs a second of the batch computations, for the time note (measured ~1e7).
BATCH_RATE = 5e6
#: (iteration x step, mode) triples a second of the EMA momentum solves, for the time note
#: (measured 0.8e7 to 2e7: ``--T 20,40 --modes 4e5 --maxiter 5`` 15 s CPU, ``--T 100,300
#: --modes 1e4 --maxiter 100`` 21 s; the common rate, 2e8, missed ``--modes 1e6`` by 10x).
MOMENTUM_RATE = 1e7
#: Result fields whose nan means "not available" (a standard error from two points): JSON null.
NOT_AVAILABLE = ("stderr", "gamma_stderr")
#: Fields of the constant-rate sweep, not available when ``--no-constant`` skipped it.
SKIPPED_CONSTANT = ("N_star_constant", "T_star_constant", "L_star_constant", "constant_loss")


def _horizons(text: str) -> list[int]:
    try:
        Ts = [count(x) for x in text.split(",") if x.strip()]
    except argparse.ArgumentTypeError:
        raise CLIError(f"--T: expected comma-separated integer horizons, got {text!r}") from None
    if any(T < 2 for T in Ts):
        raise CLIError(f"--T: every horizon must be >= 2, got {text!r}")
    return Ts


def _levels(text: str) -> list[float]:
    """``--C``: comma-separated positive, finite compute levels."""
    try:
        Cs = [real(x) for x in text.split(",") if x.strip()]
    except argparse.ArgumentTypeError:
        raise CLIError(f"--C: expected comma-separated compute levels, got {text!r}") from None
    if not Cs or any(C <= 0 for C in Cs):
        raise CLIError(f"--C: expected one or more positive compute levels, got {text!r}")
    return Cs


def _add_plot_argument(p) -> None:
    p.add_argument(
        "--plot", type=path, metavar="STEM",
        help="write the figure to STEM.pdf and STEM.png (paper style)",
    )  # fmt: skip


def _figure(draw, data, stem: Path) -> str:
    """Draw ``draw(data)`` in the paper style (the style applies when the figure is built),
    save it as ``stem.pdf`` and ``stem.png``; the line that says so."""
    from ..plots.figures import paper_style, save_figure

    with paper_style():
        paths = save_figure(draw(data), stem)
    return f"figure: {', '.join(map(str, paths))}"


def _tables():
    """:mod:`solvers.report.tables`, imported only for ``--format latex``."""
    from ..report import tables

    return tables


def _emit_result(args, lines: list[str], payload, latex, optional=NOT_AVAILABLE) -> None:
    """Emit a command's ``--format``: the text ``lines``, the JSON of ``payload`` (a non-finite
    value under a key in ``optional`` as null) or ``latex()`` (called for that format only)."""
    if args.format == "latex":
        text = latex()
    else:
        text = dumps(payload, optional) if args.format == "json" else "\n".join(lines)
    emit(text, args.out)


# -- batch -------------------------------------------------------------------------------------


def _ramps(args: argparse.Namespace, model, lines: list[str]) -> list:
    """The wall-clock ramps at the horizons of ``--T`` (each continued from the last)."""
    from ..control.batch import optimal_batch_at_rate, solve_batch_ramp

    ramps = []
    Ts = _horizons(args.T)
    if Ts:
        check_size("batch --T", max(Ts), model.n_modes)  # the ramp keeps T x modes arrays
    check_size("batch --T", args.maxiter * sum(Ts), model.n_modes, per=0, rate=BATCH_RATE)
    for T in Ts:
        rm = model.replace(eta_max=args.ramp_eta_max)
        D = args.mean_batch * T
        if args.fix_eta:  # per-step batch at eta = eta_max: KKT square-root rule
            ramp = optimal_batch_at_rate(rm, T, D, maxiter=args.maxiter)
        else:  # joint (eta, m) on blocks
            ramp = solve_batch_ramp(rm, T, D, initial=ramps[-1] if ramps else None,
                                    maxiter=args.maxiter)  # fmt: skip
        ramps.append(ramp)
        lines.append(
            f"wall-clock ramp T={T} D={D:g}: gamma = {ramp.gamma:.3f} +- "
            f"{ramp.gamma_stderr:.1g} over y in [{ramp.fit_range[0]:.2g}, "
            f"{ramp.fit_range[1]:.2g}] (derived {ramp.derived:.3f}); local "
            f"{[round(-float(s), 3) for s in ramp.fit.local_slopes]}; eta at bound "
            f"{ramp.eta_at_bound:.2f}; L ramp {ramp.final_loss:.4e} vs constant batch "
            f"{ramp.constant_loss:.4e} [{ramp.message}]"
        )
    return ramps


def _cmd_batch(args: argparse.Namespace) -> None:
    from theory import batch_degeneracy

    from ..control.batch import degeneracy_check, wall_clock_saving

    if not _horizons(args.T):
        refuse_given(args, RAMP_OPTIONS, "applies to the ramp problem only: give its --T")
    model = model_from_args(args)
    at_least("--factor", args.factor)  # a batch factor (0 overflowed in the profile's steps)
    check_size("batch --samples", args.samples, 1)  # per-step arrays of the degeneracy check
    check_size("batch --samples", args.samples, model.n_modes, per=0, rate=BATCH_RATE)
    sym = batch_degeneracy()
    deg = degeneracy_check(
        model,
        [args.samples // 2, args.samples // 2],
        [args.ratio, args.ratio / 4],
        [[1, 1], [args.factor, args.factor], [args.factor, 1]],
    )
    payload = {
        "model": model_dict(model),
        "degeneracy": {
            "symbolic": {
                "degenerate": sym.degenerate,
                "continuous_per_sample": str(sym.continuous_per_sample),
                "breaking": str(sym.breaking),
                "relative_breaking": str(sym.relative_breaking),
                "m_range": str(sym.m_range),
                "latex": sym.latex(),
            },
            "numeric": deg.to_dict(),
        },
    }
    lines = [
        f"optlr batch: a={model.a:g} b={model.b:g} sigma={model.sigma:g}",
        f"sample time: dc/ds = {sym.continuous_per_sample}  (m-free: {sym.degenerate})",
        f"discrete breaking per sample: {sym.breaking}; relative {sym.relative_breaking}",
        f"ratio-equal schedules at {args.samples} samples: continuous spread "
        f"{deg.continuous_spread:.2e}, discrete spread {deg.discrete_spread:.2e}",
    ]
    ramps = _ramps(args, model, lines)
    if ramps:
        payload["ramp"] = ramps[-1].to_dict()
        payload["ramps"] = [
            {k: v for k, v in r.to_dict().items() if k not in ("edges", "eta", "batch")}
            for r in ramps
        ]
        if args.saving:
            sv = wall_clock_saving(ramps[-1])
            payload["saving"] = sv.to_dict()
            lines.append(
                f"constant batch needs {sv.steps_needed:.4g} steps at equal samples "
                f"(saving x{sv.saving:.3g})"
            )
        if args.plot is not None:
            from ..plots.beyond import batch_ramp_figure

            lines.append(_figure(batch_ramp_figure, ramps, args.plot))
    _emit_result(args, lines, payload, lambda: _tables().batch_latex(sym, deg, ramps))


def _register_batch(sub) -> None:
    p = add_model_command(
        sub,
        "batch",
        help="eta/m degeneracy at fixed samples and the wall-clock batch ramp",
        description="Derive and check the eta/m degeneracy at a fixed sample budget; with --T, "
        "solve the wall-clock problem (T steps, D = mean_batch*T samples) and fit the ramp "
        "m*(t) ~ (1 - t/T)^gamma. Long run: --T 1000,10000,100000,1000000 --fix-eta --modes 300 "
        "--plot ramp.",
    )
    p.add_argument("--samples", type=count, default=1600, help="samples of the degeneracy check")
    p.add_argument("--ratio", type=real, default=0.05, help="eta/m of the first half")
    p.add_argument("--factor", type=count, default=8, help="batch factor of the second profile")
    p.add_argument(
        "--T", default="", help="comma-separated horizons of the ramp problem (empty: skip)"
    )
    p.add_argument("--mean-batch", type=real, default=64.0, help="D / T (default %(default)s)")
    p.add_argument("--ramp-eta-max", type=real, default=0.1, help="eta bound of the ramp")
    p.add_argument(
        "--fix-eta", action="store_true",
        help="hold eta = eta_max (the derivation's regime) and solve the batch per step by the "
        "KKT square-root rule (fast; T = 1e6 in ~30 s); default: joint (eta, m) on blocks",
    )  # fmt: skip
    p.add_argument("--saving", action="store_true", help="also the wall-clock saving")
    p.add_argument("--maxiter", type=count, default=300)
    _add_plot_argument(p)
    add_output_arguments(p, ("text", "json", "latex"))
    p.set_defaults(func=_cmd_batch)


# -- momentum ----------------------------------------------------------------------------------


def _cmd_momentum_forms(args: argparse.Namespace) -> None:
    """``--form``: the derived schedule family of each form, optimised per horizon (issue 13)."""
    from ..control.momentum_forms import (
        FORM_NAMES,
        form_exponents,
        forms_payload,
        momentum_forms_latex,
    )

    refuse_given(args, ("--maxiter", "--beta-max"), "applies to the EMA block control, not --form")
    if args.solver == "longrun":
        refuse_given(args, ("--maxfev",), "applies to --solver family only, not longrun")
    forms = [f.strip() for f in args.form.split(",") if f.strip()]
    bad = [f for f in forms if f not in FORM_NAMES or f == "sgd"]
    if bad or not forms:
        raise CLIError(f"--form must list forms among ema, heavy-ball, nesterov, got {args.form!r}")
    model = model_from_args(args, dense=False)  # log-binned beyond 256 modes
    if args.solver == "longrun":
        from ..control.momentum_longrun import longrun_exponents

        fe = longrun_exponents(model, ("sgd", *forms), _horizons(args.T))
    else:
        fe = form_exponents(model, ("sgd", *forms), _horizons(args.T), maxfev=args.maxfev)
    from ..claims.momentum_forms import divided_form_losses

    divided = divided_form_losses(fe)  # the hard phase's window excess, as the claims rows
    payload = forms_payload(fe, divided)
    lines = [f"optlr momentum --form: a={model.a:g} b={model.b:g} phase={model.phase}"]
    for f in payload["forms"]:
        lines.append(
            f"{f['form']:>10}: exponent {f['exponent']:.4f} +- {na(f['stderr'])} (derived "
            f"{f['derived_exponent']}), SGD {f['sgd_exponent']:.4f}, L/L_SGD at T={fe.horizons[-1]}: "
            f"{f['losses'][-1] / f['sgd_losses'][-1]:.3f}, converged {f['converged']}"
        )
    if args.plot is not None:
        from ..plots.momentum_forms import momentum_forms_figure

        lines.append(_figure(momentum_forms_figure, fe, args.plot))
    _emit_result(args, lines, payload, lambda: momentum_forms_latex(fe, divided=divided))


def _cmd_momentum(args: argparse.Namespace) -> None:
    from theory import momentum_bias_dynamics

    if args.form is not None:
        _cmd_momentum_forms(args)
        return
    from ..control.momentum import momentum_exponents

    refuse_given(args, ("--maxfev", "--solver"), "applies with --form only")
    model = model_from_args(args)
    mb = momentum_bias_dynamics()
    Ts = _horizons(args.T)
    # says if it is long
    check_size("momentum", args.maxiter * sum(Ts), model.n_modes, per=0, rate=MOMENTUM_RATE)
    res = momentum_exponents(model, Ts, beta_max=args.beta_max, maxiter=args.maxiter)
    payload = {
        "model": model_dict(model),
        "derived": {
            "slow_rate": str(mb.slow_rate),
            "stability_boundary": str(mb.stability_boundary),
            "ema_weight_sum": str(mb.ema_weight_sum),
            "latex": mb.latex(),
        },
        **res.to_dict(),
    }
    lines = [
        f"optlr momentum: a={model.a:g} b={model.b:g} phase={model.phase} (blocks: unit at the "
        "ends, geometric between)",
        f"derived: slow rate {mb.slow_rate}, stability eta*lam < {mb.stability_boundary}, "
        f"EMA weight sum {mb.ema_weight_sum}",
        *(
            f"T={r.T:>8}  L(momentum)={r.final_loss:.5e}  L(SGD)={r.sgd_loss:.5e}  "
            f"gain {r.gain:.3f}  [{r.message}]"
            for r in res.results
        ),
        f"exponent with momentum {res.momentum.exponent:.4f} +- {na(res.momentum.stderr)} "
        f"(local {[round(float(s), 4) for s in res.momentum.local_slopes]}); SGD "
        f"{res.sgd.exponent:.4f} +- {na(res.sgd.stderr)}; (a-1)/b = "
        f"{res.gradient_flow_exponent:.4f}",
    ]
    if args.plot is not None:
        from ..plots.beyond import momentum_figure

        lines.append(_figure(momentum_figure, res, args.plot))
    _emit_result(args, lines, payload, lambda: _tables().momentum_latex(mb, res))


def _register_momentum(sub) -> None:
    p = add_model_command(
        sub,
        "momentum",
        help="optimal (eta, beta) schedules of EMA momentum and their loss exponent",
        description="Optimise the learning rate and the EMA momentum jointly (exact adjoint of "
        "the moment recursion) at several horizons and fit the loss exponent with and without "
        "momentum. Report run: --a 1.5 --b 3 --sigma 0.7 --batch 4 --modes 300 "
        "--T 1000,3000,10000,30000,100000.",
        a=1.5,
        b=3.0,
    )
    p.set_defaults(modes=100)
    p.add_argument("--T", default="100,300", help="comma-separated horizons")
    p.add_argument("--beta-max", type=real, default=0.99)
    p.add_argument("--maxiter", type=count, default=100)
    p.add_argument(
        "--form",
        default=None,
        help="comma-separated momentum forms (ema, heavy-ball, nesterov): optimise each form's "
        "derived schedule family against SGD's instead of the EMA block control; --modes is "
        "then the total number of modes, log-binned beyond 256 (e.g. --modes 1000000000)",
    )
    p.add_argument("--maxfev", type=count, default=600, help="evaluations per family solve")
    p.add_argument(
        "--solver",
        choices=("family", "longrun"),
        default="family",
        help="with --form: 'family' optimises the derived families on the exact recursion "
        "(T <= 1e5); 'longrun' the derived shapes with a free correction on the log-time "
        "solver (L-BFGS-B to KKT 1e-4; T = 1e9 in minutes; e.g. --modes 1000000000000000 "
        "--T 1e3,1e4,1e5,1e6,1e7,1e8,1e9)",
    )
    _add_plot_argument(p)
    add_output_arguments(p, ("text", "json", "latex"))
    p.set_defaults(func=_cmd_momentum)


# -- compute-optimal ---------------------------------------------------------------------------


def _cmd_compute(args: argparse.Namespace) -> None:
    from ..control.compute_optimal import FAMILIES, compute_optimal_scaling

    model = model_from_args(args)
    if model.batch == float("inf"):  # C = N T m: no compute level holds an infinite batch
        raise CLIError("--batch: compute C = N T m needs a finite batch, got inf")
    Cs = _levels(args.C)
    fams = tuple(x.strip() for x in args.baselines.split(",") if x.strip())
    known = sorted(set(FAMILIES) - {"constant"})
    if bad := [f for f in fams if f not in known]:
        raise CLIError(f"--baselines: unknown {bad}; known: {', '.join(known)}")
    res = compute_optimal_scaling(model, Cs, constant=not args.no_constant, baselines=fams)
    d = res.to_dict()
    lines = [
        f"optlr compute-optimal: a={model.a:g} b={model.b:g} phase={model.phase} m={model.batch:g}",
        f"{'C':>10} {'N*':>9} {'T*':>10} {'L*':>11} {'N*const':>9} {'L*const':>11}",
        *(
            f"{p.C:>10.3g} {p.N_star:>9.3g} {p.T_star:>10.4g} {p.L_star:>11.4e} "
            f"{na(p.N_star_constant, '>9.3g'):>9} {na(p.L_star_constant, '>11.4e'):>11}"
            for p in res.points
        ),
        *(
            f"{k:<30} measured {na(v[0], '.4f')} +- {na(v[1], '.4f')}   derived "
            f"{na(res.derived.get(k), '.4f')}"
            for k, v in res.measured().items()
        ),
    ]
    if args.plot is not None:
        from ..plots.beyond import compute_optimal_figure

        lines.append(_figure(compute_optimal_figure, res, args.plot))
    # measured() pairs (exponent, stderr): the stderr is n/a with two compute levels
    optional = NOT_AVAILABLE + ("measured",) + (SKIPPED_CONSTANT if args.no_constant else ())
    _emit_result(args, lines, d, lambda: _tables().compute_latex(res), optional)


def _register_compute(sub) -> None:
    p = add_model_command(
        sub,
        "compute-optimal",
        help="compute-optimal model size, horizon and loss at C = N T m",
        description="Sweep N at fixed compute with the optimal (continuum) schedule and the best "
        "constant rate; fit N*, T*, L* against C. Report run: --C "
        "1e4,3.16e4,1e5,3.16e5,1e6,3.16e6,1e7.",
    )
    p.add_argument("--C", default="1e3,3e3", help="comma-separated compute levels")
    p.add_argument("--no-constant", action="store_true", help="skip the constant-rate sweep")
    p.add_argument(
        "--baselines", default="cosine",
        help="comma-separated tuned families compared too: cosine, linear (default %(default)s; "
        "'' for none)",
    )  # fmt: skip
    _add_plot_argument(p)
    add_output_arguments(p, ("text", "json", "latex"))
    p.set_defaults(func=_cmd_compute)


def register(sub) -> None:
    _register_batch(sub)
    _register_momentum(sub)
    _register_compute(sub)
