"""``optlr fit``: fit the theory to real training runs, predict held-out runs, score baselines."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..runs._names import DATASETS, RATE_MAPS
from ._common import (
    CLIError,
    add_output_arguments,
    check_size,
    count,
    dumps,
    emit,
    na,
    path,
    real,
)

#: Steps a second of ``--recommend`` (the tuned baselines and the optimum's L-BFGS-B, each
#: evaluation a pass over the T steps), for the time note: ~12 s plus T / (2.4e3 to 3.8e3) s
#: measured (T = 1e3 .. 1e6: 13, 16, 42, 266 s CPU); T / 5e3 is a lower bound.
RECOMMEND_RATE = 5e3
#: Bootstrap refits a second, for the time note: each is a fit from the optimum's start (about
#: 0.3 s on the smallest data, more on real runs), so ``--boot / 3`` s is a lower bound.
REFITS_PER_SECOND = 3.0
#: Most bootstrap refits accepted: the interval's quantiles settle long before (``--boot 1e12``
#: computed for ever without a word).
MAX_BOOT = 10_000
#: Refits of ``--boot`` when neither it nor ``--bootstrap`` is given.
DEFAULT_BOOT = 40


def _ids(text: str | None, flag: str) -> list[str]:
    if text is None:
        return []
    ids = [t.strip() for t in text.split(",") if t.strip()]
    if not ids:
        raise CLIError(f"{flag}: expected run ids separated by commas, got {text!r}")
    return ids


def _load(args):
    from solvers.runs import load_dataset, load_runs

    if args.curves in DATASETS and not Path(args.curves).exists():
        if args.runs is not None:
            raise CLIError(f"--runs: not used with the shipped data set {args.curves!r}")
        return load_dataset(args.curves)
    return load_runs(args.curves, args.runs)


def _model_text(m: dict, held=()) -> list[str]:
    """The fitted model's lines; a parameter in ``held`` (``RunFit.held``) is printed as held,
    without the degenerate interval its bootstrap refits give."""
    lines = [f"fitted on {', '.join(m['fit_runs'])} ({m['n_points']} points, {m['n_params']} "
             f"parameters; {m['message']})"]  # fmt: skip
    for name in ("L_inf", "A", "s", "nu", "a", "b", "p", "norm0", "theta"):
        if m.get(name) is None or (
            name == "theta"
            and m["theta"] == 1.0
            and ("theta" in held or "theta" not in m["interval"])
        ):
            continue  # norm0: the norm map only; theta: when not the PLRF's
        if name in held:
            lines.append(f"  {name:6s} = {m[name]:.6g}   (held)")
            continue
        # no interval without bootstrap refits (--boot 0): n/a, not a nan that emit refuses
        lo, hi = m["interval"].get(name, (None, None))
        lines.append(f"  {name:6s} = {m[name]:.6g}   95% [{na(lo)}, {na(hi)}]")
    boot = m.get("bootstrap")
    source = " from the block bootstrap" if boot and boot["kind"] == "blocks" else ""
    lines.append(f"  phase  = {m['phase']}  (p_easy = {m['p_easy']:.2f}{source}; "
                 f"{m['phase_note']})")  # fmt: skip
    if boot and boot["kind"] == "blocks":
        lo, hi = boot["b_minus_a_interval"]
        lines.append(f"  b - a  = {boot['b_minus_a']:.4g}   95% [{lo:.4g}, {hi:.4g}]  (block "
                     f"bootstrap: {boot['n_easy']} of {boot['n']} refits easy; likelihood "
                     f"p_easy = {m['p_easy_likelihood']:.2f})")  # fmt: skip
    lines.append("  R^2    = " + ", ".join(f"{k} {v:.4f}" for k, v in m["r2"].items()))
    return lines


def _text(d: dict, held=()) -> str:
    """Text of a fit: the model (``None``: left out; ``held`` its held parameters'
    names), predictions, scores and transfer."""
    lines = [] if d["model"] is None else _model_text(d["model"], held)
    for p in d["predictions"]:
        obs = "unknown" if p["observed"] is None else f"{p['observed']:.4f}"
        lines.append(f"predict {p['run']} step {p['step']}: {p['predicted']:.4f} (observed {obs})")
    e = d["error"]
    if e["mean_rel"] is not None:
        lines.append(f"optlr       mean rel {e['mean_rel']:.4%}  max rel {e['max_rel']:.4%}")
    for name, b in d["baselines"].items():
        if b["mean_rel"] is not None:
            lines.append(f"{name:11s} mean rel {b['mean_rel']:.4%}  max rel {b['max_rel']:.4%}  "
                         f"({b['n_params']} parameters)")  # fmt: skip
    for kind, t in d["transfer"].items():
        lines.append(f"transfer {kind}: lr* ~ T^{t['exponent']:.3f} +- {t['stderr']:.3f} "
                     f"({t['n_horizons']} horizons; theory {t['theory_exponent']})")  # fmt: skip
    return "\n".join(lines)


def _shared_text(d: dict) -> str:
    """Text of ``--shared``: the shared ``(a, b)``, the test of sharing, each size's own
    parameters, then the predictions and scores as without it."""
    m, t = d["model"], d["sharing"]
    lines = [f"(a, b) shared by {len(m['sizes'])} model sizes ({m['n_params']} parameters; "
             f"{m['message']})",
             f"  a = {m['a']:.4g}, b = {m['b']:.4g}, phase = {m['phase']} (p_easy = "
             f"{m['p_easy']:.2f}; {m['phase_note']})",
             f"  sharing: RSS shared / apart = {t['rss_shared'] / t['rss_apart']:.3f}, "
             f"likelihood ratio {t['statistic']:.2f} on {t['dof']} dof, p = {t['p']:.3g}"]  # fmt: skip
    for key, f in m["sizes"].items():
        names = ("L_inf", "A", "s", "nu", "p", "norm0", "theta")
        vals = ", ".join(f"{n} {f[n]:.4g}" for n in names if f.get(n) is not None)
        lines.append(f"  size {key}: {vals}; R^2 min {min(f['r2'].values()):.4f}")
    return "\n".join([*lines, _text({**d, "model": None})])


def _recommend_spec(text: str | None) -> tuple[int, float | None] | None:
    """``--recommend T[,PEAK]``: a count ``T >= 2`` (``1e5`` accepted) and a finite ``PEAK > 0``,
    ``T`` checked against memory and announced when long before the fit starts."""
    if text is None:
        return None
    parts = text.split(",")
    try:  # T a count as everywhere (it was int(float(T)): 'inf' overflowed, '1.5' became 1)
        T = count(parts[0])
        peak = real(parts[1]) if len(parts) > 1 else None
    except argparse.ArgumentTypeError as exc:
        raise CLIError(f"--recommend: expected T[,PEAK] ({exc}), got {text!r}") from None
    if len(parts) > 2 or T < 2 or (peak is not None and not peak > 0):
        raise CLIError(f"--recommend: expected T >= 2 and PEAK > 0, got {text!r}")
    # the optimised schedule and its baselines are a few float64 arrays of T steps (the time
    # note, RECOMMEND_RATE, comes once every input is checked: _announce)
    check_size("fit --recommend", T, 1, rate=math.inf, reduce="T")
    return T, peak


def _announce(args: argparse.Namespace, n_fit: int) -> None:
    """The time notes of a long fit of ``n_fit`` runs, once every input is checked (an error
    stays one line)."""
    if n_fit > 1 or args.bootstrap is not None:  # runs: one run is not resampled (a warning)
        flag = "--boot" if args.bootstrap is None else "--bootstrap"
        check_size(f"fit {flag}", args.boot, 1, per=0, rate=REFITS_PER_SECOND)
    if args.recommend is not None:
        T, _ = _recommend_spec(args.recommend)
        check_size("fit --recommend", T, 1, per=0, rate=RECOMMEND_RATE)


def _recommend(args, runs, report) -> dict:
    from solvers.runs import recommend

    T, peak = _recommend_spec(args.recommend)
    fitted = [runs[i] for i in report.fit.run_ids]
    peak = peak or max(float(r.sched_lr.max()) for r in fitted)
    warmup = int(fitted[0].meta.get("warmup_steps", 0) or 0)
    rec = recommend(report.fit.params, T, peak, warmup=min(warmup, T - 2),
                    weight_decay=report.fit.wd_ref)  # fmt: skip
    if args.export:
        rec.optimal.save(args.export)
    return rec.to_dict()


def _boot_kind(args: argparse.Namespace) -> str:
    """``blocks`` with ``--bootstrap N`` (its count moved to ``args.boot``), else ``runs``."""
    if args.bootstrap is None:
        args.boot = DEFAULT_BOOT if args.boot is None else args.boot
        return "runs"
    if args.boot is not None:
        raise CLIError("--bootstrap: not with --boot (one bootstrap per fit: blocks or runs)")
    if args.shared:
        raise CLIError("--bootstrap: not with --shared (its bootstrap resamples runs: --boot)")
    args.boot = args.bootstrap
    return "blocks"


def _cmd_fit(args: argparse.Namespace) -> None:
    from solvers.runs import FitOptions, fit_and_predict, fit_and_predict_shared

    _recommend_spec(args.recommend)  # bad input fails before the fit
    kind = _boot_kind(args)
    if args.boot > MAX_BOOT:
        flag = "--boot" if kind == "runs" else "--bootstrap"
        raise CLIError(f"{flag}: at most {MAX_BOOT:g} bootstrap refits, got {args.boot:g}")
    if args.export and not args.recommend:
        raise CLIError("--export: needs --recommend T[,PEAK]")
    for flag in ("recommend", "plot"):
        if args.shared and getattr(args, flag):
            raise CLIError(f"--{flag}: not with --shared (it takes one fitted model)")
    runs = _load(args)
    split = args.split or runs.default_split()
    opts = FitOptions(split=split, min_step=args.min_step, n_boot=args.boot, seed=args.seed,
                      fit_power=not args.sgd, rate_map=args.rate_map,
                      fit_theta=args.fit_theta, boot_kind=kind)  # fmt: skip
    fit_ids, predict_ids = _ids(args.fit, "--fit"), _ids(args.predict, "--predict")
    runs.select(fit_ids, argument="--fit")  # unknown ids fail before the notes and the fit
    runs.select(predict_ids, argument="--predict")
    _announce(args, len(fit_ids))
    report = (fit_and_predict_shared if args.shared else fit_and_predict)(
        runs, fit_ids, predict_ids, opts,
        baselines=() if args.no_baselines else ("multi_power", "annealing"),
    )  # fmt: skip
    d = report.to_dict()
    if args.shared:
        emit(dumps(d) if args.format == "json" else _shared_text(d), args.out)
        return
    if args.recommend:
        d["recommend"] = _recommend(args, runs, report)
    emit(dumps(d) if args.format == "json" else _text(d, report.fit.held), args.out)
    if args.plot:
        from solvers.runs import plot_report

        plot_report(report, runs, args.plot)


def register(sub) -> None:
    p = sub.add_parser(
        "fit",
        help="fit the theory to real training runs; predict held-out runs",
        description="Fit the PLRF loss functional (7 parameters: L_inf, A, s, nu, a, b and the "
        "rate power p of the intrinsic rate s*lr^p; --sgd holds p = 1) jointly to the --fit runs, "
        "give the phase from the likelihood of the best fit in each phase, predict the final "
        "loss of the --predict runs from their schedules, score the multi-power and LR-annealing laws and the naive predictor the same way, and "
        "measure learning-rate transfer where the runs sweep the base rate.",
    )
    p.add_argument(
        "curves", help="CSV with columns run, step, lr, loss[, split], or a shipped data set "
        f"name ({', '.join(DATASETS)})",
    )  # fmt: skip
    p.add_argument("--runs", help="CSV of per-run metadata with a 'run' column")
    p.add_argument("--fit", required=True, help="run ids to fit, comma-separated")
    p.add_argument("--predict", help="run ids to predict, comma-separated")
    p.add_argument("--split", choices=("val", "train"), help="loss to use (default val if present)")
    p.add_argument("--min-step", type=count, default=1000, help="fit from this step (default 1000)")
    p.add_argument(
        "--boot", type=count, help=f"bootstrap refits over runs (default {DEFAULT_BOOT})"
    )
    p.add_argument("--bootstrap", type=count, metavar="N",
                   help="instead of --boot: N refits on block-resampled residuals, every run "
                        "kept (blocks as long as the residuals' correlation; 100 is a good "
                        "count); JSON model.p_easy is then the refits' easy share, "
                        "model.bootstrap its count and the interval of b - a. Too narrow where "
                        "the truth is known: a sensitivity, not a calibrated p_easy "
                        "(benchmarks/results/fit.md, 2026-12-02s21)")  # fmt: skip
    p.add_argument("--seed", type=count, default=0)
    p.add_argument("--no-baselines", action="store_true", help="skip the empirical laws")
    p.add_argument(
        "--sgd", action="store_true", help="power map: hold the rate power p = 1 (6 parameters)"
    )
    p.add_argument("--rate-map", choices=RATE_MAPS, default="auto",
                   help="rate to model time: s*lr^p (power); AdamW's weight-norm map with its "
                        "initial norm fitted (norm, 7 parameters) or at equilibrium (norm-eq, 6; "
                        "both need a weight_decay column in --runs); auto (default): norm when "
                        "every fitted run has opt adamw and weight_decay > 0, else power")  # fmt: skip
    p.add_argument("--fit-theta", action="store_true",
                   help="fit the exponent theta of the noise spectrum (mode k's noise forcing "
                        "~ lambda_k^theta; one more parameter; default theta = 1, the PLRF's)")  # fmt: skip
    p.add_argument("--shared", action="store_true",
                   help="one fit with (a, b) shared by the model sizes (dataset, params) of the "
                        "--fit runs, each size its own other parameters; JSON 'sharing': the "
                        "likelihood-ratio test against each size fitted alone")  # fmt: skip
    p.add_argument("--plot", type=path, metavar="STEM", help="write STEM.pdf and STEM.png")
    p.add_argument(
        "--recommend", metavar="T[,PEAK]", help="optimal schedule of the fitted model at horizon T "
        "with rates <= PEAK (default: the fitted runs' largest rate), against tuned cosine and WSD",
    )  # fmt: skip
    p.add_argument(
        "--export", type=path, metavar="PATH", help="with --recommend: save it (.csv or .json)"
    )
    add_output_arguments(p, ("text", "json"))
    p.set_defaults(func=_cmd_fit)
