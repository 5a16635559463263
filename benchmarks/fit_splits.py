"""Held-out prediction on the shipped llm-curves data: optlr's fit against the empirical laws.

    python -m benchmarks.fit_splits --split cos-to-wsd --out benchmarks/results/fit_cos-to-wsd.json
    python -m benchmarks.fit_splits --split phase --out benchmarks/results/fit_phase.json
    python -m benchmarks.fit_splits --table benchmarks/results/fit_*.json   # markdown table

Per model family (dataset x parameter count), splits of its runs (each run's final observed
validation loss is the target; the same FitOptions for every split, nothing tuned per split):

* ``cos-to-wsd``: fit the cosine runs, predict the WSD and constant-rate runs;
* ``wsd-to-cos``: fit the WSD and constant-rate runs, predict the cosine runs;
* ``short-to-long``: fit every run shorter than the family's longest horizon, predict those at it;
* ``long-to-short``: fit every run longer than the family's shortest horizon, predict those at it;
* ``phase``: fit every run of the family (no prediction): phase, p_easy, parameters.

``--p1`` holds the rate power at 1 (the 6-parameter model of plain SGD; default: fitted, 7).
``--rate-map norm`` / ``norm-eq``: AdamW's norm map instead of the rate power (7 / 6 parameters).
``--fit-theta`` frees the noise spectrum's exponent ``theta`` (one more parameter, 2026-11-30g).
``--curves`` stores each held-out run's residual curve.
``--window norm``: each run's fitted points start no earlier than its weight norm's relaxation
time (``FitOptions.window``, 2026-12-02s22; default ``fixed``, from ``min_step``).
``--prior PHASE_JSON``: each family's fit with the leave-one-family-out empirical-Bayes prior
(``solvers.runs.leave_one_out``) built from the OTHER families' rows of ``PHASE_JSON`` (a
``phase`` file: every run of each family fitted); the fitted set is then "this family's fitted
runs plus the other families' fits", said in each row (``fitted_set``). The same fit without
the prior (its first stage, same code and options) is scored in the same row
(``without_prior``); ``benchmarks/fit_prior_rule.py`` applies the 2026-11-30h rule.
``--prior-names norm0``: the prior on the named parameters only (2026-12-01s19: the rate map's
``norm0``; default every free parameter, 2026-11-30h).
``--shared``: one joint fit per data set with ``(a, b)`` shared by its model sizes
(``solvers.runs.fit_shared``; the same per-family run selection), rows per family as above plus
a ``shared`` record (the joint phase, ``p_easy``, intervals) in each family's row.
Prints CPU (``time.process_time``) and wall seconds per family.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import time

import numpy as np

from solvers.runs import (
    LAWS,
    FitOptions,
    fit_and_predict,
    fit_runs,
    fit_shared,
    leave_one_out,
    load_dataset,
    predict_run,
    schedule_family,
    sharing_test,
)

SPLITS = ("cos-to-wsd", "wsd-to-cos", "short-to-long", "long-to-short", "phase")


def families(runs) -> dict:
    out: dict = {}
    for r in runs:
        out.setdefault(r.family, []).append(r)
    return out


def split_ids(name: str, fam: list) -> tuple[list, list]:
    if name == "phase":
        return [r.id for r in fam], []
    if name in ("short-to-long", "long-to-short"):
        T = (max if name == "short-to-long" else min)(r.horizon for r in fam)
        return [r.id for r in fam if r.horizon != T], [r.id for r in fam if r.horizon == T]
    cos = [r.id for r in fam if schedule_family(r) == "cos"]
    rest = [r.id for r in fam if schedule_family(r) != "cos"]
    return (cos, rest) if name == "cos-to-wsd" else (rest, cos)


def held_out_curves(rep, runs) -> dict:
    """Per held-out run: its relative residual ``predicted / observed - 1`` at every observed
    point of the fit's split, and where the run's rate is at or above 90 % of its peak (the
    stable phase, as opposed to warmup and anneal: ``stable_end``, the index of its last such
    point). Where in a run a prediction goes wrong."""
    out = {}
    for rid in (p["run"] for p in rep.predictions):
        run = runs[rid]
        steps, obs = run.losses(rep.fit.options.split)
        if not steps.size:
            continue
        _, pred, _ = predict_run(rep.fit.params, run, steps)
        eta = run.schedule(max(run.horizon, int(steps[-1]) + 1))
        high = eta[steps.clip(max=eta.size - 1)] >= 0.9 * eta.max()
        out[rid] = {"step": steps.tolist(), "rel": [round(x, 7) for x in (pred / obs - 1).tolist()],
                    "stable_end": int(np.flatnonzero(high)[-1]) if high.any() else None,
                    "horizon": run.horizon}  # fmt: skip
    return out


def _without_prior(rep, runs, fit_ids, pred_ids) -> dict:
    """The held-out scores of a prior fit's first stage (``RunFit.base``: no prior)."""
    base = fit_and_predict(runs, fit_ids, pred_ids, rep.fit.base.options, baselines=(),
                           transfer=False, fit=rep.fit.base)  # fmt: skip
    return {"error": base.to_dict()["error"], "predictions": base.predictions}


def run_split(
    name: str, n_boot: int, fit_power: bool = True, baselines: bool = True, curves: bool = False,
    options: dict | None = None, prior_from: str | None = None, prior_names=None,
) -> list:  # fmt: skip
    runs = load_dataset("llm-curves")
    sources = None
    if prior_from:
        sources = {tuple(d["family"]): d["model"] for d in json.load(open(prior_from))}
    rows, names = [], {"names": tuple(prior_names)} if prior_names else {}
    for fam_key, fam in sorted(families(runs).items(), key=lambda kv: str(kv[0])):
        fit_ids, pred_ids = split_ids(name, fam)
        if not fit_ids or (name != "phase" and not pred_ids):
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        prior = None if sources is None else leave_one_out(sources, fam_key, **names)
        rep = fit_and_predict(
            runs, fit_ids, pred_ids,
            FitOptions(n_boot=n_boot, fit_power=fit_power, prior=prior, **(options or {})),
            baselines=tuple(LAWS) if baselines else (),
        )  # fmt: skip
        d = rep.to_dict()
        if prior is not None:
            d["without_prior"] = _without_prior(rep, runs, fit_ids, pred_ids)
            d["fitted_set"] = (f"{len(fit_ids)} runs of this family + the prior from the fits of "
                               f"{len(prior.families)} other families on all their runs")  # fmt: skip
        d["family"] = [fam_key[0], fam_key[1]]
        d["fit_ids"], d["predict_ids"] = fit_ids, pred_ids
        d["seconds"] = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}
        if curves:
            d["curves"] = held_out_curves(rep, runs)
        rows.append(d)
        e = d["error"]
        if prior is not None:
            w = d["without_prior"]["error"]
            print(f"{name} {fam_key}: without prior {w['mean_rel']} {w['max_rel']}  "
                  f"phase {d['model']['without_prior']['phase']} "
                  f"p_easy={d['model']['without_prior']['p_easy']:.2f}", flush=True)  # fmt: skip
        print(f"{name} {fam_key}: optlr {e['mean_rel']} {e['max_rel']}  "
              f"a={d['model']['a']:.3f} b={d['model']['b']:.3f} p_easy={d['model']['p_easy']:.2f}  "
              f"cpu {d['seconds']['cpu']:.1f}s wall {d['seconds']['wall']:.1f}s", flush=True)  # fmt: skip
    return rows


def _shared_rows(name, runs, dataset, fams, opts) -> list:
    """One data set's rows of a ``--shared`` split: the joint fit, then per family its
    predictions with its own size's parameters (a lone size is fitted alone)."""
    groups = {k: runs.select(split_ids(name, f)[0], argument="--fit") for k, f in fams.items()}
    t0, c0 = time.perf_counter(), time.process_time()
    if len(groups) > 1:
        joint = fit_shared(groups, opts)
        fits, shared = joint.fits, {k: v for k, v in joint.to_dict().items() if k != "sizes"}
    else:
        fits, shared = {k: fit_runs(v, opts) for k, v in groups.items()}, None
    seconds = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}
    rows = []
    for key, fam in fams.items():
        fit_ids, pred_ids = split_ids(name, fam)
        rep = fit_and_predict(runs, fit_ids, pred_ids, opts, baselines=(), transfer=False,
                              fit=fits[key])  # fmt: skip
        rows.append({**rep.to_dict(), "family": [key[0], key[1]], "fit_ids": fit_ids,
                     "predict_ids": pred_ids, "shared": shared, "seconds": seconds})  # fmt: skip
    print(f"{name} {dataset} ({len(groups)} sizes): a={rows[0]['model']['a']:.3f} "
          f"b={rows[0]['model']['b']:.3f} p_easy={rows[0]['model']['p_easy']:.2f} "
          f"cpu {seconds['cpu']:.1f}s wall {seconds['wall']:.1f}s", flush=True)  # fmt: skip
    return rows


def run_shared_split(name: str, n_boot: int, options: dict | None = None) -> list:
    """A split with one joint fit per data set (``--shared``; module docstring)."""
    runs = load_dataset("llm-curves")
    by_set: dict = {}
    for key, fam in sorted(families(runs).items(), key=lambda kv: str(kv[0])):
        fit_ids, pred_ids = split_ids(name, fam)
        if fit_ids and (name == "phase" or pred_ids):
            by_set.setdefault(key[0], {})[key] = fam
    opts = FitOptions(n_boot=n_boot, **(options or {}))
    return [row for ds, fams in by_set.items() for row in _shared_rows(name, runs, ds, fams, opts)]


def _g(x) -> str:
    return "—" if x is None else f"{x:.3g}"


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.2f}"


def phase_table(rows) -> str:
    """Per family: the exponents, rate power, phase, p_easy (likelihood ratio) and its note."""
    lines = ["\n### phase: every run of a family fitted\n",
             "| family | runs | L_inf | s | nu | a | b | p | norm0 | phase | p_easy | n_eff | R² min | at bound | note |",
             "|" + "---|" * 15]  # fmt: skip
    for d in rows:
        m = d["model"]
        note = m.get("phase_note", "").replace("|", "/")
        lines.append(
            f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | {len(d['fit_ids'])} "
            f"| {m['L_inf']:.3f} | {m['s']:.3g} | {m['nu']:.3g} | {m['a']:.2f} | {m['b']:.2f} | {m.get('p', 1.0):.2f} | {_g(m.get('norm0'))} | {m['phase']} "
            f"| {m['p_easy']:.2f} | {m.get('n_eff', float('nan')):.1f} "
            f"| {min(m['r2'].values()):.4f} | {', '.join(m['at_bound']) or '-'} | {note} |"
        )  # fmt: skip
    return "\n".join(lines)


def phase_detail(rows) -> str:
    """Per family: each phase's constrained optimum ``(a, b)``, its bias exponent ``(a - 1) / b``
    (the loss of a constant run decays as ``tau^-(a-1)/b`` in model time), the RSS ratio and the
    effective count that make ``p_easy``; where both phases reach the same exponent with
    RSS ratio near 1, loss curves identify ``(a - 1) / b`` and not the phase."""
    lines = ["\n### phase: the two constrained optima per family\n",
             "| family | easy (a, b) | hard (a, b) | (a-1)/b easy / hard | RSS hard / easy | n_eff | p_easy |",
             "|" + "---|" * 7]  # fmt: skip
    for d in rows:
        m, f = d["model"], d["model"]["phase_fits"]
        e, h = f["easy"], f["hard"]
        lines.append(
            f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | ({e['a']:.2f}, {e['b']:.2f}) "
            f"| ({h['a']:.2f}, {h['b']:.2f}) | {(e['a'] - 1) / e['b']:.3f} / {(h['a'] - 1) / h['b']:.3f} "
            f"| {h['rss'] / e['rss']:.3f} | {m['n_eff']:.1f} | {m['p_easy']:.2f} |"
        )  # fmt: skip
    return "\n".join(lines)


def table(paths) -> str:
    lines = []
    for path in sorted(paths):
        rows = json.load(open(path))
        split = path.rsplit("fit_", 1)[-1].removesuffix(".json")
        if split == "phase":
            lines += [phase_table(rows), phase_detail(rows)]
            continue
        lines += [f"\n### {split} (final-loss relative error, %: mean / max)\n",
                  f"| family | fit / predicted runs | optlr ({rows[0]['model']['n_params']}) | multi-power (7) | annealing (4) | naive (0) |",
                  "|" + "---|" * 6]  # fmt: skip
        agg: dict = {}
        for d in rows:
            cells = [("optlr", d["error"])] + [
                (k, d["baselines"][k]) for k in ("multi_power", "annealing", "naive")
            ]
            for k, e in cells:
                if e["mean_rel"] is not None:
                    agg.setdefault(k, []).append(
                        (e["mean_rel"], e["max_rel"], len(d["predict_ids"]))
                    )
            lines.append(
                f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | {len(d['fit_ids'])} / {len(d['predict_ids'])} | "
                + " | ".join(f"{_pct(e['mean_rel'])} / {_pct(e['max_rel'])}" for _, e in cells) + " |"
            )  # fmt: skip

        inside = [p["interval"][0] <= p["observed"] <= p["interval"][1] for d in rows
                  for p in d["predictions"] if p.get("interval") and p["observed"] is not None]  # fmt: skip
        if inside:  # runs without --boot have no bands
            lines.append(f"\nbootstrap band of optlr's prediction holds the observed loss in "
                         f"{sum(inside)} of {len(inside)} held-out runs\n")  # fmt: skip
        if any(d.get("baselines_from") for d in rows):
            lines.append(f"\nempirical laws: scores from {rows[0].get('baselines_from')} "
                         "(same runs and options; they do not depend on optlr's model)\n")  # fmt: skip

        def summary(k, agg=agg):
            v = agg.get(k, [])
            if not v:
                return "—"
            n = sum(x[2] for x in v)
            return f"**{_pct(sum(x[0] * x[2] for x in v) / n)} / {_pct(max(x[1] for x in v))}**"

        lines.append("| all families | | " + " | ".join(summary(k) for k in ("optlr", "multi_power", "annealing", "naive")) + " |")  # fmt: skip
    return "\n".join(lines)


def _at(c: dict, frac: float) -> float:
    """Residual of a held-out curve at the observed point nearest ``frac`` of the horizon."""
    steps = c["step"]
    i = min(range(len(steps)), key=lambda j: abs(steps[j] - frac * c["horizon"]))
    return c["rel"][i]


def residual_table(path: str) -> str:
    """Per held-out run of a ``--curves`` file: its relative residual (%) at 25 % and 50 % of its
    horizon, at the last point of its stable phase (rate >= 90 % of its peak) and at its end."""
    runs = load_dataset("llm-curves")
    lines = [f"\n### held-out residuals, {path} (predicted / observed - 1, %)\n",
             "| family | run | schedule | lr | T | 25 % | 50 % | end of stable | end |",
             "|" + "---|" * 9]  # fmt: skip
    for d in json.load(open(path)):
        fam = f"{d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M"
        for rid, c in d.get("curves", {}).items():
            meta = runs[rid].meta
            end = c["stable_end"]
            kind = schedule_family(runs[rid]) + (
                f" {meta['wsd_fract_decay']:g}" if meta.get("scheduler", "").startswith("wsd") else ""
            )  # fmt: skip
            cells = [
                _at(c, 0.25),
                _at(c, 0.5),
                None if end is None else c["rel"][end],
                c["rel"][-1],
            ]
            lines.append(f"| {fam} | {rid} | {kind} | {meta.get('lr', 0):g} | {c['horizon']} | "
                         + " | ".join(_pct(x) for x in cells) + " |")  # fmt: skip
    return "\n".join(lines)


def _pooled(rows) -> tuple:
    """Mean (over held-out runs) and worst final-loss relative error of a split's rows."""
    rel = [abs(q["predicted"] / q["observed"] - 1) for d in rows for q in d["predictions"]
           if q["observed"] is not None]  # fmt: skip
    return (float(np.mean(rel)), float(np.max(rel)), len(rel)) if rel else (None, None, 0)


def shared_table(paths, per_family_dir: str) -> str:
    """``--shared`` files: the joint phase per data set (``phase`` files), and per split the
    held-out error of the shared fit beside the per-family fit's file of the same name in
    ``per_family_dir``, over all runs and per data set."""
    lines = []
    for path in sorted(paths):
        rows = json.load(open(path))
        split = path.rsplit("fit_", 1)[-1].removesuffix(".json")
        by_set: dict = {}
        for d in rows:
            by_set.setdefault(d["family"][0], []).append(d)
        if split.startswith("phase"):
            lines += [f"\n#### {split}: (a, b) shared by each data set's sizes\n",
                      "| data set | sizes (runs) | a | b | (a-1)/b | phase | p_easy | n_eff | "
                      "p_easy (boot) | a [95 %] | b [95 %] | (a-1)/b [95 %] | params | note |",
                      "|" + "---|" * 14]  # fmt: skip
            sep = {
                tuple(d["family"]): d for d in json.load(open(f"{per_family_dir}/fit_phase.json"))
            }
            tests = ["\nsharing against the per-family fits (likelihood ratio with the joint "
                     "n_eff, 2 (G - 1) degrees of freedom):\n",
                     "| data set | RSS shared / per family | statistic | dof | p |", "|---|---|---|---|---|"]  # fmt: skip
            for ds, rs in by_set.items():
                rss = min(v["rss"] for v in rs[0]["shared"]["phase_fits"].values())
                apart = [min(v["rss"] for v in sep[tuple(d["family"])]["model"]["phase_fits"].values())
                         for d in rs]  # fmt: skip
                t = sharing_test(rss, apart, rs[0]["shared"]["n_eff"])
                tests.append(f"| {ds} | {rss / t['rss_apart']:.3f} | {t['statistic']:.1f} "
                             f"| {t['dof']} | {t['p']:.2g} |")  # fmt: skip
            for ds, rs in by_set.items():
                sh, m = rs[0]["shared"] or {}, rs[0]["model"]
                iv = {k: f"[{v[0]:.2f}, {v[1]:.2f}]" for k, v in sh.get("interval", {}).items()}
                sizes = ", ".join(
                    f"{int(d['family'][1]) / 1e6:.0f}M ({len(d['fit_ids'])})" for d in rs
                )
                lines.append(
                    f"| {ds} | {sizes} | {m['a']:.2f} | {m['b']:.2f} | {(m['a'] - 1) / m['b']:.3f} "
                    f"| {m['phase']} | {m['p_easy']:.2f} | {m['n_eff']:.1f} | {_g(sh.get('p_easy_boot'))} "
                    f"| {iv.get('a', '—')} | {iv.get('b', '—')} | {iv.get('(a-1)/b', '—')} "
                    f"| {m['n_params']} | {m['phase_note'].replace('|', '/')} |"
                )  # fmt: skip
            lines += tests
            continue
        ref = json.load(open(f"{per_family_dir}/fit_{split}.json"))
        lines += [f"\n#### {split}: held-out final-loss error, %: mean / worst (runs)\n",
                  "| data set | shared (a, b) | per family | the shared fit's (a, b), phase, p_easy |",
                  "|---|---|---|---|"]  # fmt: skip
        for ds, rs in [*by_set.items(), ("all", rows)]:
            mine = _pooled(rs)
            theirs = _pooled([d for d in ref if ds in ("all", d["family"][0])])
            m = rs[0]["model"]
            fit = (
                f"({m['a']:.2f}, {m['b']:.2f}), {m['phase']}, {m['p_easy']:.2f}"
                if ds != "all"
                else ""
            )
            lines.append(f"| {ds} | {_pct(mine[0])} / {_pct(mine[1])} ({mine[2]}) "
                         f"| {_pct(theirs[0])} / {_pct(theirs[1])} ({theirs[2]}) | {fit} |")  # fmt: skip
    return "\n".join(lines)


def _rss(d: dict) -> float:
    """Weighted residual sum of squares of the reported fit (its phase's constrained optimum)."""
    return d["model"]["phase_fits"][d["model"]["phase"]]["rss"]


def compare_in_sample(base: str, others) -> str:
    """Per family, each candidate's in-sample RSS over ``base``'s (``phase`` files: every run of
    the family fitted), and their geometric mean: the selection rule of the 2026-11-30d
    candidates (``benchmarks/results/fit_2026-11-30d/PROTOCOL.md``)."""
    ref = {tuple(d["family"]): d for d in json.load(open(base))}
    cands = {path: {tuple(d["family"]): d for d in json.load(open(path))} for path in others}
    lines = ["| family | " + " | ".join(f"{p} RSS / base" for p in cands) + " |",
             "|" + "---|" * (len(cands) + 1)]  # fmt: skip
    logs: dict = {p: [] for p in cands}
    for fam, d in sorted(ref.items(), key=lambda kv: str(kv[0])):
        cells = []
        for p, rows in cands.items():
            ratio = _rss(rows[fam]) / _rss(d)
            logs[p].append(math.log(ratio))
            cells.append(f"{ratio:.3f}")
        lines.append(f"| {fam[0]} {int(fam[1]) / 1e6:.0f}M | " + " | ".join(cells) + " |")
    gm = [f"**{math.exp(sum(v) / len(v)):.3f}**" for v in logs.values()]
    lines.append("| geometric mean | " + " | ".join(gm) + " |")
    return "\n".join(lines)


def bic_rule(base: str, others, majority: int = 7) -> str:
    """The 2026-11-30g selection rule (``benchmarks/results/fit_2026-11-30g/PROTOCOL.md``) on
    ``phase`` files: per family ``dBIC = n ln(R_cand / R_base) + dk ln(n)`` with ``n`` the base
    fit's ``n_eff``; a candidate passes if the sum is < 0 and ``dBIC < 0`` in at least
    ``majority`` families. Beside it, for the record: the AIC sum (``2 dk``), the geometric
    mean of the RSS ratios and each family's fitted ``theta``."""
    ref = {tuple(d["family"]): d for d in json.load(open(base))}
    lines = []
    for path in others:
        rows = {tuple(d["family"]): d for d in json.load(open(path))}
        lines += [f"\n#### {path} against {base}\n",
                  "| family | n_eff | RSS ratio | dk | dBIC | dAIC | theta | (a, b) | phase, p_easy |",
                  "|" + "---|" * 9]  # fmt: skip
        tot = {"bic": 0.0, "aic": 0.0, "log": 0.0, "wins": 0}
        for fam, d in sorted(ref.items(), key=lambda kv: str(kv[0])):
            c, n = rows[fam], d["model"]["n_eff"]
            ratio, dk = _rss(c) / _rss(d), c["model"]["n_params"] - d["model"]["n_params"]
            bic, aic = n * math.log(ratio) + dk * math.log(n), n * math.log(ratio) + 2 * dk
            tot["bic"] += bic
            tot["aic"] += aic
            tot["log"] += math.log(ratio)
            tot["wins"] += bic < 0
            m = c["model"]
            lines.append(
                f"| {fam[0]} {int(fam[1]) / 1e6:.0f}M | {n:.1f} | {ratio:.3f} | {dk} | {bic:.1f} "
                f"| {aic:.1f} | {_g(m.get('theta'))} | ({m['a']:.2f}, {m['b']:.2f}) "
                f"| {m['phase']}, {m['p_easy']:.2f} |"
            )  # fmt: skip
        passed = tot["bic"] < 0 and tot["wins"] >= majority
        lines.append(
            f"| **sum** | | geo. mean **{math.exp(tot['log'] / len(ref)):.3f}** | | "
            f"**{tot['bic']:.1f}** | **{tot['aic']:.1f}** | | | |\n\n"
            f"dBIC < 0 in {tot['wins']} of {len(ref)} families; the rule "
            f"{'**adopts**' if passed else '**rejects**'} this candidate."
        )  # fmt: skip
    return "\n".join(lines)


def dump(rows, path: str) -> None:
    """Write a split's rows; compact when they hold residual curves (thousands of numbers)."""
    with open(path, "w") as fh:
        json.dump(rows, fh, indent=None if any("curves" in d for d in rows) else 1)


def merge_baselines(old_path: str, new_path: str) -> None:
    """Copy the empirical laws' scores of ``old_path`` into the rows of ``new_path`` without
    them (a run with ``--no-baselines``): the empirical laws do not depend on optlr's model, so their scores
    on the same fitted and held-out runs with the same options stand. Rows must match by family
    and run ids, else this refuses."""
    old = {tuple(d["family"]): d for d in json.load(open(old_path))}
    rows = json.load(open(new_path))
    for d in rows:
        if set(LAWS) <= set(d["baselines"]):
            continue
        o = old.get(tuple(d["family"]))
        if o is None or (o["fit_ids"], o["predict_ids"]) != (d["fit_ids"], d["predict_ids"]):
            raise SystemExit(f"{old_path}: no row with the runs of {d['family']} in {new_path}")
        d["baselines"] = {**o["baselines"], **d["baselines"]}  # the naive one is recomputed
        d["baselines_from"] = old_path
    dump(rows, new_path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=SPLITS)
    ap.add_argument("--boot", type=int, default=20)
    ap.add_argument("--out")
    ap.add_argument("--table", nargs="*")
    ap.add_argument("--compare", nargs="+", metavar="PHASE_JSON",
                    help="in-sample RSS of candidates' phase files over the first one's")  # fmt: skip
    ap.add_argument("--bic", nargs="+", metavar="PHASE_JSON",
                    help="the 2026-11-30g BIC rule: candidates' phase files against the first")  # fmt: skip
    ap.add_argument("--residuals", help="per held-out run residual table of a --curves file")
    ap.add_argument("--shared-table", nargs="+", metavar=("PER_FAMILY_DIR", "JSON"),
                    help="--shared files against the per-family files in PER_FAMILY_DIR")  # fmt: skip
    ap.add_argument("--p1", action="store_true", help="hold the rate power p = 1 (6 parameters)")
    ap.add_argument("--no-baselines", action="store_true", help="skip the empirical laws")
    ap.add_argument("--shared", action="store_true",
                    help="one joint fit per data set, (a, b) shared by its sizes (no baselines)")  # fmt: skip
    ap.add_argument("--rate-map", choices=("auto", "power", "norm", "norm-eq"), default="auto",
                    help="map from the optimiser's rate to model time (FitOptions.rate_map)")  # fmt: skip
    ap.add_argument("--min-step", type=int, default=1000, help="FitOptions.min_step")
    ap.add_argument(
        "--window",
        choices=("fixed", "norm"),
        default="fixed",
        help="FitOptions.window: where each run's fitted points start (2026-12-02s22)",
    )
    ap.add_argument("--fit-theta", action="store_true",
                    help="fit the noise spectrum's exponent theta (FitOptions.fit_theta)")  # fmt: skip
    ap.add_argument("--prior", metavar="PHASE_JSON",
                    help="leave-one-family-out prior from the other families' rows of PHASE_JSON")  # fmt: skip
    ap.add_argument("--prior-names", metavar="NAMES",
                    help="comma-separated parameters the --prior holds (default all; "
                         "'norm0': the rate map's only, 2026-12-01s19)")  # fmt: skip
    ap.add_argument("--curves", action="store_true",
                    help="store each held-out run's residual curve (JSON 'curves')")  # fmt: skip
    ap.add_argument("--merge-baselines", nargs=2, metavar=("OLD", "NEW"),
                    help="copy OLD's baselines into NEW's rows that have none")  # fmt: skip
    args = ap.parse_args()
    if args.merge_baselines:
        merge_baselines(*args.merge_baselines)
        return
    if args.compare:
        print(compare_in_sample(args.compare[0], args.compare[1:]))
        return
    if args.bic:
        print(bic_rule(args.bic[0], args.bic[1:]))
        return
    if args.shared_table:
        print(shared_table(args.shared_table[1:], args.shared_table[0]))
        return
    if args.residuals:
        print(residual_table(args.residuals))
        return
    if args.table is not None:
        print(table([p for pat in args.table for p in glob.glob(pat)]))
        return
    if args.shared and args.prior:
        raise SystemExit("--prior: not with --shared (fit_shared takes no prior)")
    c0, t0 = time.process_time(), time.perf_counter()
    if args.shared:
        rows = run_shared_split(args.split, args.boot, {"rate_map": args.rate_map,
                                                        "fit_theta": args.fit_theta})  # fmt: skip
    else:
        rows = run_split(args.split, args.boot, fit_power=not args.p1,
                         baselines=not args.no_baselines, curves=args.curves,
                         options={"rate_map": args.rate_map, "fit_theta": args.fit_theta,
                                  "window": args.window, "min_step": args.min_step},
                         prior_from=args.prior,
                         prior_names=args.prior_names.split(",") if args.prior_names else None)  # fmt: skip
    print(f"total cpu {time.process_time() - c0:.1f}s wall {time.perf_counter() - t0:.1f}s")
    if args.out:
        dump(rows, args.out)


if __name__ == "__main__":
    main()
