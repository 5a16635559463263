"""cos-to-wsd on runs of the exact PLRF recursion that mirror the llm-curves design (2026-11-30i).

    python -m benchmarks.fit_design --design                        # the real set's design, counted
    python -m benchmarks.fit_design --points easy --arms one,two-low --out FILE [--noiseless]
    python -m benchmarks.fit_design --table FILE [FILE ...]          # markdown tables
    python -m benchmarks.fit_design --signature FILE [FILE ...]      # residuals, real vs generated
    python -m benchmarks.fit_design --truth-misfit [--adamw] [--points P]  # model at the truth

Is cos-to-wsd's miss on the real runs (fitted on cosine runs at one base rate per family, the
WSD runs at half that rate predicted 0.79 % off) the design or the model? Here the truth is
known: every run of the 10 llm-curves families that have cosine runs is replayed on the PLRF
model by the exact expected-loss SGD recursion (``solvers.simulate``, an independent method
from the fitted functional, which is its continuum limit without the noise feedback) with the
real run's own schedule (warmup, horizon, decay fraction, cosine floor, branch point), scaled so
that the family's cosine base rate is ``COS_FRACTION`` of the stability limit, and observed at the
real run's own validation steps. The observed loss is ``L_off + L(t)`` (``L_off``: an
irreducible loss fixed per family by :func:`offset`, so that the final loss of the family's
constant-rate run exceeds its cosine run's at the same horizon by the same fraction as in the
real family) times ``1 + NOISE_REL z``, ``z`` standard normal, one fixed draw per run id (the
real curves' scatter, :func:`real_noise`). Then the real split's code path
(``solvers.runs.fit_and_predict``, ``FitOptions(n_boot=0)`` else default, the rate map resolved
by ``auto``: the power map with its power fitted, 7 parameters) fits the cosine runs and
predicts the WSD and constant-rate runs.

Arms (``ARMS``): the cosine runs at the base-rate factors listed (1 = the real design; every
other factor is a copy of each cosine run with its schedule scaled, id ``RUN@xF``). The held-out
runs are the same in every arm. ``benchmarks/results/fit_2026-11-30i/PROTOCOL.md`` fixes the
design, the metric and what each outcome means. Prints CPU (``time.process_time``) and wall
seconds per family.
"""

from __future__ import annotations

import argparse
import json
import time
import zlib

import numpy as np

from benchmarks.fit_generated import POINTS
from benchmarks.fit_splits import families, held_out_curves, split_ids
from solvers import simulate
from solvers.dynamics.recursion import stability_limit
from solvers.runs import (
    FitOptions,
    LossParams,
    Run,
    RunSet,
    fit_and_predict,
    load_dataset,
    predict_run,
    schedule_family,
)
from solvers.runs._functional import intrinsic_rates
from theory import PLRFModel

#: Cosine base-rate factors per arm (1: the family's real cosine rate).
ARMS = {"one": (1.0,), "two-low": (1.0, 0.5), "two-high": (1.0, 2.0),
        "sweep": (0.25, 0.5, 1.0, 2.0)}  # fmt: skip
#: The family's cosine base rate as a fraction of the recursion's stability limit (the upper of
#: ``benchmarks/fit_generated.py``'s two fitted rates; WSD runs then sit at 0.1, as there).
COS_FRACTION = 0.2
#: Relative scatter of the observed losses: the median over the 75 llm-curves runs with >= 10
#: validation points after step 2000 of the robust (MAD) scatter of second differences of
#: ``log loss`` divided by sqrt(6) (:func:`real_noise`: 2.5e-4).
NOISE_REL = 2.5e-4
#: The PLRF model's settings, as ``benchmarks/fit_generated.py``'s.
SIGMA, BATCH, N_MODES = 0.5, 1.0, 2000
#: Metadata copied from the real run (the optimiser's are left out: the recursion is SGD).
#: PROTOCOL addendum (``--adamw``): the real runs' weight decay, and the initial squared weight
#: norm as a fraction of its equilibrium at the cosine rate (the real fits' norm0 are 0.10-0.40
#: of it, 2026-11-30d).
ADAMW_WD, NORM0_FRACTION = 0.1, 0.25
META_KEYS = ("dataset", "params", "scheduler", "iterations", "warmup_steps", "wsd_fract_decay",
             "cos_final_lr")  # fmt: skip


def real_noise(runs) -> float:
    """The real curves' relative scatter (``NOISE_REL``'s definition)."""
    out = []
    for r in runs:
        s, loss = r.losses("val")
        x = np.log(loss[s >= 2000])
        if x.size >= 10:
            d2 = x[2:] - 2 * x[1:-1] + x[:-2]
            out.append(np.median(np.abs(d2)) / 0.6745 / np.sqrt(6))
    return float(np.median(out))


def design_table(runs) -> str:
    """Per family with cosine runs: its runs per schedule kind, base rate and horizon."""
    lines = ["| family | cosine: rate, horizons | WSD (decay 0.2): rate, horizons | constant: rate, horizon | held-out |",
             "|---|---|---|---|---|"]  # fmt: skip
    for key, fam in sorted(families(runs).items(), key=lambda kv: str(kv[0])):
        kinds: dict = {}
        for r in fam:
            kinds.setdefault(schedule_family(r), []).append(r)
        if "cos" not in kinds:
            continue
        cells = []
        for k in ("cos", "wsd", "constant"):
            rs = sorted(kinds.get(k, []), key=lambda r: r.horizon)
            rates = sorted({r.meta["lr"] for r in rs})
            cells.append(f"{'/'.join(f'{x:g}' for x in rates)}, "
                         f"{', '.join(str(int(r.meta['iterations'])) for r in rs)}")  # fmt: skip
        held = len(split_ids("cos-to-wsd", fam)[1])
        lines.append(f"| {key[0]} {int(key[1]) / 1e6:.0f}M | " + " | ".join(cells) + f" | {held} |")
    return "\n".join(lines)


def _truth(model, eta: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """The recursion's expected excess loss after ``steps`` updates with ``eta``."""
    tr = simulate(model, eta, record_every=1)
    if tr.blowup_step is not None:
        raise RuntimeError(f"the recursion blew up at step {tr.blowup_step}")
    return np.interp(steps, tr.t, tr.loss)


def offset(fam: list, truth: dict) -> float:
    """``L_off`` of a family: the real constant-rate run's final loss over the real cosine run's
    at its horizon, ``1 + g``, reproduced by ``(L_off + r_const) / (L_off + r_cos)`` with the
    recursion's final losses ``r``; 0 if that would be negative (PROTOCOL)."""
    cos_at = {r.horizon: r for r in fam if schedule_family(r) == "cos"}
    const = next(r for r in fam if schedule_family(r) == "constant" and r.horizon in cos_at)
    cos = cos_at[const.horizon]
    g = float(const.losses("val")[1][-1] / cos.losses("val")[1][-1] - 1)
    cos_final = truth[cos.id][-1]
    return max(0.0, (truth[const.id][-1] - cos_final) / g - cos_final)


def _rates(fam: list, model, adamw: bool):
    """``(optimiser rate scale, map)``: the factor from the real rate to the run's recorded
    ``lr``, and the map from a recorded schedule to the recursion's per-step rate. SGD: the
    recorded rate scaled so the family's cosine rate is ``COS_FRACTION`` of the stability
    limit, fed as is. ``adamw`` (PROTOCOL addendum): the real rates kept, the recursion fed
    AdamW's angular rate ``c lr_i / sqrt(N_i)`` (``solvers.runs._functional.intrinsic_rates``,
    weight decay ``ADAMW_WD``, ``N_0`` = ``NORM0_FRACTION`` of the equilibrium norm at the
    cosine rate ``R``), ``c`` such that the equilibrium rate at ``R`` is ``COS_FRACTION`` of the
    limit."""
    cos_rate = max(r.meta["lr"] for r in fam if schedule_family(r) == "cos")
    limit = stability_limit(model)
    if not adamw:
        scale = COS_FRACTION * limit / cos_rate
        return scale, lambda eta: eta
    c = COS_FRACTION * limit / np.sqrt(2 * ADAMW_WD * cos_rate)
    norm0 = NORM0_FRACTION * cos_rate / (2 * ADAMW_WD)
    return 1.0, lambda eta: c * intrinsic_rates(eta, ADAMW_WD, norm0)


def mirror_family(
    fam: list, point: str, factors, *, noise: float = NOISE_REL, seed: int = 0,
    adamw: bool = False, functional: bool = False,
):  # fmt: skip
    """The family's runs replayed at ``point`` (module docstring): ``(RunSet, fit_ids,
    predict_ids, L_off)``; the cosine runs at every base-rate factor of ``factors``; with
    ``adamw`` the recursion driven by AdamW's angular rate (:func:`_rates`); with
    ``functional`` (and ``adamw``) the functional itself with the norm map at the true
    parameters instead of the recursion (:func:`_functional_truth`)."""
    if functional and not adamw:
        raise ValueError("functional=True needs adamw=True (the norm map's truth)")
    a, b = POINTS[point]
    model = PLRFModel(a=a, b=b, sigma=SIGMA, batch=BATCH, n_modes=N_MODES)
    scale, to_model = _rates(fam, model, adamw)
    jobs = []  # (id, real run, rate factor)
    for r in fam:
        kind = schedule_family(r)
        for f in factors if kind == "cos" else (1.0,):
            jobs.append((r.id if f == 1.0 else f"{r.id}@x{f:g}", r, f))
    if functional:
        truth = {rid: _functional_truth(fam, point, r, f) for rid, r, f in jobs}
    else:
        truth = {rid: _truth(model, to_model(r.schedule() * scale * f), r.losses("val")[0])
                 for rid, r, f in jobs}  # fmt: skip
    l_off = offset(fam, truth)
    runs, fit_ids, pred_ids = {}, [], []
    extra = {"opt": "adamw", "weight_decay": ADAMW_WD} if adamw else {}
    for rid, r, f in jobs:
        steps = r.losses("val")[0]
        z = np.random.default_rng([seed, zlib.crc32(rid.encode())]).standard_normal(steps.size)
        meta = {k: r.meta[k] for k in META_KEYS if k in r.meta} | {"lr": r.meta["lr"] * scale * f}
        eta = r.schedule() * scale * f
        obs = (l_off + truth[rid]) * (1 + noise * z)
        runs[rid] = Run(rid, np.arange(eta.size), eta, {"val": (steps, obs)}, meta | extra)
        (fit_ids if schedule_family(r) == "cos" else pred_ids).append(rid)
    return RunSet(runs, f"generated-{point}"), fit_ids, pred_ids, l_off


def _true_params(fam: list, point: str) -> LossParams:
    """The AdamW-map truth in the functional's units (:func:`truth_misfit`), no floor."""
    a, b = POINTS[point]
    model = PLRFModel(a=a, b=b, sigma=SIGMA, batch=BATCH, n_modes=N_MODES)
    cos_rate = max(r.meta["lr"] for r in fam if schedule_family(r) == "cos")
    c = COS_FRACTION * stability_limit(model) / np.sqrt(2 * ADAMW_WD * cos_rate)
    norm0 = NORM0_FRACTION * cos_rate / (2 * ADAMW_WD)
    return LossParams(L_inf=0.0, A=1.0, a=a, b=b, s=c, nu=c * SIGMA**2, norm0=norm0)


def _functional_truth(fam: list, point: str, r: Run, f: float) -> np.ndarray:
    """The functional (1e9 modes, norm map, PROTOCOL addendum 2) at the true parameters on
    run ``r``'s schedule at ``f`` times its rate, at its validation steps."""
    run = Run(r.id, np.arange(r.horizon), r.schedule() * f, {}, {"weight_decay": ADAMW_WD})
    return predict_run(_true_params(fam, point), run, r.losses("val")[0])[1]


def _gain_residuals(curves: dict, runs) -> list:
    """Per held-out WSD run: its relative residual (%) at its first logged point at or above
    90 % of its peak rate's last (the end of its stable phase) and at its end."""
    out = []
    for rid, c in curves.items():
        if schedule_family(runs[rid]) == "wsd" and c["stable_end"] is not None:
            out.append({"run": rid, "stable": 100 * c["rel"][c["stable_end"]],
                        "end": 100 * c["rel"][-1]})  # fmt: skip
    return out


def run_arm(point: str, arm: str, noise: float = NOISE_REL, seed: int = 0,
            adamw: bool = False, functional: bool = False) -> list:  # fmt: skip
    """Every family of the real cos-to-wsd split, replayed at ``point`` with ``arm``'s rates."""
    rows = []
    real = load_dataset("llm-curves")
    for key, fam in sorted(families(real).items(), key=lambda kv: str(kv[0])):
        if not split_ids("cos-to-wsd", fam)[1] or not split_ids("cos-to-wsd", fam)[0]:
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        runs, fit_ids, pred_ids, l_off = mirror_family(fam, point, ARMS[arm], noise=noise,
                                                       seed=seed, adamw=adamw,
                                                       functional=functional)  # fmt: skip
        rep = fit_and_predict(runs, fit_ids, pred_ids, FitOptions(n_boot=0), baselines=(),
                              transfer=False)  # fmt: skip
        d = rep.to_dict()
        m = d["model"]
        a, b = POINTS[point]
        side = m["p_easy"] > 0.9 if a > b else m["p_easy"] < 0.1
        rec = {"family": [key[0], key[1]], "point": point, "arm": arm, "noise": noise,
               "truth": "functional" if functional else "adamw" if adamw else "sgd",
               "fit_ids": fit_ids, "predict_ids": pred_ids, "L_off": l_off,
               "error": d["error"], "predictions": d["predictions"],
               "model": {k: m.get(k) for k in ("L_inf", "A", "s", "nu", "a", "b", "p", "phase",
                                                "p_easy", "phase_note", "n_eff", "at_bound", "norm0",
                                                "rate_map", "n_params")},
               "recovered": bool(side and abs(m["a"] - a) <= 0.2 and abs(m["b"] - b) <= 0.2),
               "gain": _gain_residuals(held_out_curves(rep, runs.runs), runs.runs),
               "seconds": {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}}  # fmt: skip
        rows.append(rec)
        e = d["error"]
        print(f"{point} {arm} {rec['truth']} noise={noise:g} {key}: {100 * e['mean_rel']:.3f} / "
              f"{100 * e['max_rel']:.3f} %  a={m['a']:.2f} b={m['b']:.2f} p={m['p']:.2f} "
              f"p_easy={m['p_easy']:.2f} L_off={l_off:.4g}  cpu {rec['seconds']['cpu']:.1f}s "
              f"wall {rec['seconds']['wall']:.1f}s", flush=True)  # fmt: skip
    return rows


#: Label of the truth's rate map in the tables.
_TRUTH = {"sgd": "", "adamw": " [AdamW map]", "functional": " [functional, norm map]"}


def pooled(rows) -> dict:
    """Mean and worst final-loss relative error (%) over the held-out runs of ``rows``; the
    median missing anneal gain (end minus end-of-stable residual, points) of the WSD runs."""
    rel = [abs(q["predicted"] / q["observed"] - 1) for d in rows for q in d["predictions"]]
    miss = [g["end"] - g["stable"] for d in rows for g in d["gain"]]
    return {"mean": 100 * float(np.mean(rel)), "worst": 100 * float(np.max(rel)), "n": len(rel),
            "gain_miss": float(np.median(miss)) if miss else None,
            "recovered": sum(d["recovered"] for d in rows),
            "easy": sum(d["model"]["phase"] == "easy" for d in rows), "families": len(rows),
            "cpu": sum(d["seconds"]["cpu"] for d in rows)}  # fmt: skip


def table(paths) -> str:
    """Per file and (point, arm, noise): the pooled scores; then per family."""
    rows = [d for p in paths for d in json.load(open(p))]
    groups: dict = {}
    for d in rows:
        groups.setdefault((d["point"], d["arm"], d["noise"], d.get("truth", "sgd")), []).append(d)
    lines = ["| point | arm (cosine rate factors) | noise | held-out | mean % | worst % | "
             "missing anneal gain, median (points) | phase recovered | easy fits | CPU s |",
             "|" + "---|" * 10]  # fmt: skip
    for (pt, arm, noise, truth), rs in groups.items():
        s = pooled(rs)
        factors = ", ".join(f"{f:g}" for f in ARMS[arm])
        lines.append(f"| {pt} {POINTS[pt]} | {arm} ({factors}){_TRUTH[truth]} | {noise:g} | {s['n']} | "
                     f"{s['mean']:.3f} | {s['worst']:.3f} | {s['gain_miss']:+.3f} | "
                     f"{s['recovered']} of {s['families']} | {s['easy']} of {s['families']} | "
                     f"{s['cpu']:.0f} |")  # fmt: skip
    lines += ["", "| point | arm | noise | family | L_off | mean / worst % | (a, b) | p | "
              "p_easy | at bound |", "|" + "---|" * 10]  # fmt: skip
    for (pt, arm, noise, truth), rs in groups.items():
        for d in rs:
            m, e = d["model"], d["error"]
            lines.append(f"| {pt} | {arm}{_TRUTH[truth]} | {noise:g} | {d['family'][0]} "
                         f"{int(d['family'][1]) / 1e6:.0f}M | {d['L_off']:.4g} | "
                         f"{100 * e['mean_rel']:.3f} / {100 * e['max_rel']:.3f} | "
                         f"({m['a']:.2f}, {m['b']:.2f}) | {m['p']:.2f} | {m['p_easy']:.2f} | "
                         f"{', '.join(m['at_bound']) or '-'} |")  # fmt: skip
    return "\n".join(lines)


def truth_misfit(point: str, adamw: bool, keys=None) -> list:
    """The functional at the TRUE parameters against the noiseless replayed runs (points from
    step 1000 on): how far the recursion is from the fitted model family, per family. The
    truth in the functional's units: ``A = 1``, ``L_inf = L_off``, ``a, b``; the SGD map
    ``s = 1``, ``nu = sigma^2``; the AdamW map ``s = c``, ``nu = c sigma^2`` (the recursion's
    noise is ``(c r)^2``, the functional's ``s nu r^2``), ``norm0 = N_0``; no feedback."""
    a, b = POINTS[point]
    out = []
    for key, fam in sorted(families(load_dataset("llm-curves")).items(), key=lambda kv: str(kv[0])):
        if (keys and key not in keys) or not split_ids("cos-to-wsd", fam)[0]:
            continue
        runs, *_, l_off = mirror_family(fam, point, (1.0, 0.5), noise=0.0, adamw=adamw)
        truth = (_true_params(fam, point).replace(L_inf=l_off) if adamw else
                 LossParams(L_inf=l_off, A=1.0, a=a, b=b, s=1.0, nu=SIGMA**2))  # fmt: skip
        final, every = [], []
        for r in runs:
            steps, obs = r.losses("val")
            keep = steps >= 1000
            rel = predict_run(truth, r, steps[keep])[1] / obs[keep] - 1
            final.append(100 * rel[-1])
            every.append(rel)
        rms = 100 * float(np.sqrt(np.mean(np.concatenate(every) ** 2)))
        out.append({"family": list(key), "final_median": float(np.median(final)),
                    "final_range": [min(final), max(final)], "rms": rms})  # fmt: skip
        print(f"{point} {'AdamW' if adamw else 'SGD'} map {key}: final residual median "
              f"{np.median(final):+.3f} % ({min(final):+.3f} .. {max(final):+.3f}), rms over the "
              f"curves {rms:.3f} %", flush=True)  # fmt: skip
    return out


#: The real cos-to-wsd files with held-out residual curves (2026-11-30d), by rate map.
REAL_CURVES = {m: f"benchmarks/results/fit_2026-11-30d/{m}/fit_cos-to-wsd.json"
               for m in ("power", "norm")}  # fmt: skip


def _signature_row(name: str, rows, kind_of) -> str:
    """One row of :func:`signature_table` from rows holding ``predictions`` and ``gain``."""
    const = [100 * (q["predicted"] / q["observed"] - 1) for d in rows for q in d["predictions"]
             if kind_of(q["run"]) == "constant"]  # fmt: skip
    gains = [g for d in rows for g in d["gain"]]
    cols = [[g["stable"] for g in gains], [g["end"] for g in gains],
            [g["end"] - g["stable"] for g in gains], const]  # fmt: skip
    cells = [f"{np.median(v):+.2f} ({min(v):+.2f} .. {max(v):+.2f})" for v in cols]
    high = sum(g["end"] > 0 for g in gains)
    return (f"| {name} | {len(gains)} | {cells[0]} | {cells[1]} | {cells[2]} | "
            f"{high} of {len(gains)} | {cells[3]} |")  # fmt: skip


def signature_table(paths) -> str:
    """Where the held-out error sits, real (``REAL_CURVES``) against generated (``paths``):
    per WSD run the residual (%) at the end of its stable phase and at its end, the missing
    anneal gain (end minus stable, points), and the constant runs' final residual."""
    real = load_dataset("llm-curves")
    kind = {r.id: schedule_family(r) for r in real}
    lines = ["| fit | WSD runs | end of stable, median (range) % | end % | missing anneal gain, "
             "points | WSD runs ending too high | constant runs' end % |", "|" + "---|" * 7]  # fmt: skip
    for m, path in REAL_CURVES.items():
        rows = json.load(open(path))
        for d in rows:
            d["gain"] = _gain_residuals(d["curves"], real.runs)
        lines.append(_signature_row(f"real, {m} map (2026-11-30d)", rows, kind.get))
    groups: dict = {}
    for d in (d for p in paths for d in json.load(open(p))):
        groups.setdefault((d["point"], d["arm"], d["noise"], d.get("truth", "sgd")), []).append(d)
    for (pt, arm, noise, truth), rows in groups.items():
        name = f"generated {pt}, {arm}{_TRUTH[truth]}, noise {noise:g}"
        lines.append(_signature_row(name, rows, kind.get))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--design", action="store_true", help="count the real set's design")
    ap.add_argument("--points", default="easy,hard", help="generating points (POINTS keys)")
    ap.add_argument("--arms", default="one,two-low", help=f"arms, of {list(ARMS)}")
    ap.add_argument("--noiseless", action="store_true", help="observe the truth exactly")
    ap.add_argument("--out")
    ap.add_argument("--adamw", action="store_true",
                    help="the recursion driven by AdamW's angular rate (PROTOCOL addendum)")  # fmt: skip
    ap.add_argument("--functional", action="store_true",
                    help="with --adamw: the functional itself as the truth (PROTOCOL addendum 2)")  # fmt: skip
    ap.add_argument("--table", nargs="+", metavar="JSON")
    ap.add_argument("--truth-misfit", action="store_true",
                    help="the functional at the true parameters against the noiseless runs")  # fmt: skip
    ap.add_argument("--signature", nargs="+", metavar="JSON",
                    help="held-out residuals by phase of the run, real against generated")  # fmt: skip
    args = ap.parse_args()
    if args.design:
        real = load_dataset("llm-curves")
        print(design_table(real), f"\n\nreal relative scatter: {real_noise(real):.3g}")
        return
    if args.table:
        print(table(args.table))
        return
    if args.truth_misfit:
        for point in args.points.split(","):
            truth_misfit(point, args.adamw)
        return
    if args.signature:
        print(signature_table(args.signature))
        return
    c0, t0 = time.process_time(), time.perf_counter()
    rows = []
    for point in args.points.split(","):
        for arm in args.arms.split(","):
            if arm not in ARMS:
                raise SystemExit(f"--arms: unknown arm {arm!r} (expected one of {list(ARMS)})")
            rows += run_arm(point, arm, noise=0.0 if args.noiseless else NOISE_REL,
                            adamw=args.adamw, functional=args.functional)  # fmt: skip
            if args.out:
                with open(args.out, "w") as fh:
                    json.dump(rows, fh, indent=1)
    print(f"total cpu {time.process_time() - c0:.1f}s wall {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
