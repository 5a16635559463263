"""Is the rate map's parameter a property of the optimiser (shared by families) or of each family?

    python -m benchmarks.fit_map_prior --look --out benchmarks/results/fit_2026-12-01s19/look.json
    python -m benchmarks.fit_map_prior --look-table benchmarks/results/fit_2026-12-01s19/look.json
    python -m benchmarks.fit_map_prior --secondary CANDIDATE_COS_TO_WSD_JSON [OTHER ...]
    python -m benchmarks.fit_map_prior --phase-table PHASE_JSON
    python -m benchmarks.fit_map_prior --drift PRIOR_SPLIT_JSON ALL_RUNS_PHASE_JSON

``--look`` (in sample, no held-out prediction): per llm-curves family, the profile of the norm
map's initial norm ``norm0`` (``log10``, absolute units of the squared update) on **all** its runs
and on its **cosine runs only** (the fitted set of cos-to-wsd): every other free parameter
refitted (both phases, the better kept) at each held value, warm-started from the neighbouring
value. The profile interval is where the data's weighted RSS stays within
``chi2_1(0.95) R_0 / n_eff`` of its minimum (``R_0``, ``n_eff`` of the free fit: the likelihood
scale that ``p_easy`` uses). The question (issue 14, 2026-12-01s19): does ``norm0`` vary across
families far beyond its per-family interval (then it is a property of each family), and is it
loose on the cosine runs alone (then a prior from other families has something to fix)?
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np

from solvers.runs import FitOptions, load_dataset, schedule_family
from solvers.runs._fit import _free, _Objective, _prepare, _refine, _start_grid, eta_ref
from solvers.runs._functional import mode_nodes, resolve_rate_map, weight_decay_ref
from solvers.runs._options import LOWER, UPPER, X_SCALE
from solvers.runs._phase import best_per_phase, effective_count

#: chi-square quantile of one parameter at 95 %.
CHI2_95 = 3.841
#: The profile's grid in log10 norm0 (absolute units): steps from the free optimum outward.
STEP, HALF_WIDTH = 0.125, 1.0
NORM0 = 8


def _setup(runs, opts):
    opts = replace(opts, rate_map=resolve_rate_map(opts.rate_map, runs))
    ref = eta_ref(runs)
    data, nodes = _prepare(runs, opts, ref), mode_nodes(opts.n_modes)
    return opts, ref, weight_decay_ref(runs), data, nodes


def profile(runs, opts: FitOptions | None = None) -> dict:
    """The free fit and the profile of ``log10 norm0`` over ``runs`` (module docstring)."""
    opts, ref, wd, data, nodes = _setup(runs, opts or FitOptions(n_boot=0))
    by_phase = best_per_phase(_start_grid(data, nodes, opts),
                              lambda x0, phase=None: _refine(x0, data, nodes, opts, phase),
                              opts.n_starts)  # fmt: skip
    best = min(by_phase.values(), key=lambda f: f.rss)
    cuts = np.cumsum([d.idx.size for d in data])[:-1]
    n_eff = effective_count(np.split(best.fun, cuts))
    shift = np.log10(ref / (2 * wd))  # vector x8 = log10 norm0 - shift
    x8 = best.x[NORM0]
    held = _free(opts).copy()
    held[NORM0] = False
    layout = (_Objective, held, LOWER, UPPER, X_SCALE)
    prof = {}
    for direction in (1, -1):
        warm = {k: v.x for k, v in by_phase.items()}
        for k in range(1, int(HALF_WIDTH / STEP) + 1):
            v = x8 + direction * k * STEP
            if not LOWER[NORM0] <= v <= UPPER[NORM0]:
                break
            fits = {}
            for phase, x0 in warm.items():
                x0 = np.array(x0, dtype=float)
                x0[NORM0] = v
                fits[phase] = _refine(x0, data, nodes, opts, phase, layout=layout)
            warm = {k2: f.x for k2, f in fits.items()}
            prof[float(v + shift)] = min(f.rss for f in fits.values())
    prof[float(x8 + shift)] = best.rss
    grid = sorted(prof)
    rss = np.array([prof[g] for g in grid])
    cut = rss.min() + CHI2_95 * best.rss / n_eff
    inside = [g for g, r in zip(grid, rss, strict=True) if r <= cut]
    edge = (inside[0] == grid[0], inside[-1] == grid[-1])
    return {"log10_norm0": float(x8 + shift), "rss": best.rss, "n_eff": n_eff,
            "interval": [inside[0], inside[-1]], "open": list(edge),
            "profile": [[g, float(r)] for g, r in zip(grid, rss, strict=True)],
            "a": float(best.x[4]), "b": float(best.x[5]), "eta_ref": ref}  # fmt: skip


def look(out: str | None) -> list:
    runs = load_dataset("llm-curves")
    fams: dict = {}
    for r in runs:
        fams.setdefault(r.family, []).append(r)
    rows = []
    for key, fam in sorted(fams.items(), key=lambda kv: str(kv[0])):
        row = {"family": [key[0], key[1]], "n_runs": len(fam)}
        cos = [r for r in fam if schedule_family(r) == "cos"]
        for name, sel in (("all", fam), ("cos", cos)):
            if not sel:
                continue
            c0, t0 = time.process_time(), time.perf_counter()
            row[name] = profile(sel)
            row[name]["cpu"], row[name]["wall"] = time.process_time() - c0, time.perf_counter() - t0
            p = row[name]
            print(f"{key} {name}: log10 norm0 {p['log10_norm0']:.3f} "
                  f"[{p['interval'][0]:.3f}, {p['interval'][1]:.3f}] open {p['open']} "
                  f"n_eff {p['n_eff']:.1f} cpu {p['cpu']:.1f}s", flush=True)  # fmt: skip
        rows.append(row)
        if out:
            json.dump(rows, open(out, "w"), indent=1)
    return rows


def _crossing(prof, v0: float, cut: float, side: int) -> tuple[float, bool]:
    """The outer end, on ``side`` of ``v0``, of the grid values whose RSS is within ``cut`` of
    the minimum (the hull: a warm-started profile can be bumpy), refined to where
    ``sqrt(RSS - RSS_min)`` (linear in the distance for a quadratic profile) reaches
    ``sqrt(cut)`` toward the next grid value; True with the grid's end if that is inside (open)."""
    pts = sorted([(g, r) for g, r in prof if (g - v0) * side >= 0], key=lambda t: abs(t[0] - v0))
    r_min = min(r for _, r in prof)
    d = [np.sqrt(max(r - r_min, 0.0)) for _, r in pts]
    last = max(i for i, di in enumerate(d) if di <= np.sqrt(cut))
    if last == len(pts) - 1:
        return pts[last][0], True
    f = (np.sqrt(cut) - d[last]) / (d[last + 1] - d[last])
    return pts[last][0] + f * (pts[last + 1][0] - pts[last][0]), False


def look_table(path: str) -> str:
    """Per family: ``log10 norm0`` with its profile interval on all runs and on the cosine runs,
    and the across-family spread against the per-family widths."""
    rows = json.load(open(path))
    lines = ["| family | runs | all runs: log10 norm0 [95 % profile] | cosine runs only: log10 norm0 "
             "[95 % profile] | cosine fit - all-runs fit (decades) | CPU s (all, cos) |",
             "|" + "---|" * 6]  # fmt: skip
    centres, widths, cos_widths = [], [], []
    for d in rows:
        cells = {}
        for name in ("all", "cos"):
            if name not in d:
                continue
            p = d[name]
            cut = CHI2_95 * p["rss"] / p["n_eff"]
            lo, lo_open = _crossing(p["profile"], p["log10_norm0"], cut, -1)
            hi, hi_open = _crossing(p["profile"], p["log10_norm0"], cut, 1)
            cells[name] = (p["log10_norm0"], lo, hi, lo_open, hi_open, p["cpu"])
            (widths if name == "all" else cos_widths).append(hi - lo)
        centres.append(cells["all"][0])
        fmt = [f"{c[0]:.2f} [{'<' if c[3] else ''}{c[1]:.2f}, {c[2]:.2f}{'+' if c[4] else ''}]"
               for c in (cells.get("all"), cells.get("cos")) if c is not None]  # fmt: skip
        diff = f"{cells['cos'][0] - cells['all'][0]:+.2f}" if "cos" in cells else "—"
        cos = fmt[1] if "cos" in cells else "— (no cosine runs)"
        cpu = "/".join(f"{cells[k][5]:.0f}" for k in cells)
        lines.append(f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | {d['n_runs']} "
                     f"| {fmt[0]} | {cos} | {diff} | {cpu} |")  # fmt: skip
    c = np.array(centres)
    size = np.log10([float(d["family"][1]) for d in rows])
    slope, icpt = np.polyfit(size, c, 1)
    resid = c - (slope * size + icpt)
    sets = sorted({d["family"][0] for d in rows})
    per_set = ", ".join(
        f"{k} {np.mean([x for x, d in zip(c, rows, strict=True) if d['family'][0] == k]):.2f}"
        for k in sets
    )
    lines.append(
        f"\nagainst size: Pearson r = {np.corrcoef(size, c)[0, 1]:.2f} with log10 params, slope "
        f"{slope:+.2f} decades per decade of params, residual sd {resid.std(ddof=2):.3f}; mean per "
        f"data set: {per_set}"
    )
    lines.append(
        f"\nacross the {c.size} families (all runs): mean {c.mean():.3f}, sample sd {c.std(ddof=1):.3f} "
        f"decades, range {c.min():.2f} .. {c.max():.2f}; per-family 95 % profile width, median "
        f"{np.median(widths):.2f} decades (all runs), {np.median(cos_widths):.2f} (cosine runs only, "
        f"'<'/'+': the grid's end, open)"
    )
    return "\n".join(lines)


def secondary(paths) -> str:
    """The PROTOCOL's secondary: per held-out WSD run of cos-to-wsd (``--curves`` files) the
    residual at the end of its stable phase and at its end, the missing anneal gain, against
    the default (2026-11-30d, norm map)."""
    from benchmarks.fit_design import REAL_CURVES, _gain_residuals, _signature_row

    real = load_dataset("llm-curves")
    kind = {r.id: schedule_family(r) for r in real}
    lines = ["| fit | WSD runs | end of stable, median (range) % | end % | missing anneal gain, "
             "points | WSD runs ending too high | constant runs' end % |", "|" + "---|" * 7]  # fmt: skip
    for name, path in (("default (2026-11-30d, norm)", REAL_CURVES["norm"]),
                       *((p, p) for p in paths)):  # fmt: skip
        rows = json.load(open(path))
        for d in rows:
            d["gain"] = _gain_residuals(d["curves"], real.runs)
        lines.append(_signature_row(name, rows, kind.get))
    return "\n".join(lines)


def phase_table(path: str) -> str:
    """Per family (a ``--split phase`` file with ``--prior``): phase, ``p_easy``, ``(a, b)`` and
    ``norm0`` with and without the prior, the prior's mean, and whether ``p_easy`` is outside
    (0.1, 0.9) with ``(a, b)`` off its bounds and off ``a = b`` (no bootstrap)."""
    lines = ["| family | runs | without: (a, b), phase, p_easy, log10 norm0 | prior on log10 "
             "norm0: mean [sd] | with: (a, b), phase, p_easy, log10 norm0 | at bound | "
             "phase outside (0.1, 0.9), off bounds and a = b |", "|" + "---|" * 7]  # fmt: skip
    for d in json.load(open(path)):
        m, w, pr = d["model"], d["model"]["without_prior"], d["model"]["prior"]
        ok = not 0.1 < m["p_easy"] < 0.9 and not {"a", "b"} & set(m["at_bound"]) and abs(
            m["a"] - m["b"]) > 0.02  # fmt: skip
        lines.append(
            f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | {len(d['fit_ids'])} "
            f"| ({w['a']:.2f}, {w['b']:.2f}), {w['phase']}, {w['p_easy']:.2f}, "
            f"{np.log10(w['norm0']):.2f} | {pr['mean'][0]:.2f} [{pr['sd'][0]:.2f}] "
            f"| ({m['a']:.2f}, {m['b']:.2f}), {m['phase']}, {m['p_easy']:.2f}, "
            f"{np.log10(m['norm0']):.2f} | {', '.join(m['at_bound']) or '-'} "
            f"| {m['phase'] if ok else 'no'} |"
        )  # fmt: skip
    return "\n".join(lines)


#: Parameters of the default (norm map) fit, and those compared in log10.
NAMES, LOGS = ("L_inf", "A", "s", "nu", "a", "b", "norm0"), frozenset({"A", "s", "nu", "norm0"})


def drift(split_path: str, all_path: str) -> str:
    """Post hoc: per family, how far a split's fit (without and with the prior) lies from the
    family's own all-run fit, per parameter, in units of the across-family spread of the all-run
    fits (``log10`` for ``A``, ``s``, ``nu``, ``norm0``): which directions the fitted runs leave
    loose beyond the one the prior holds."""

    def co(m, n):
        return float(np.log10(m[n])) if n in LOGS else float(m[n])

    ref = {tuple(d["family"]): d["model"] for d in json.load(open(all_path))}
    sd = {n: np.std([co(m, n) for m in ref.values()], ddof=1) for n in NAMES}
    lines = ["| family | " + " | ".join(NAMES) + " |", "|" + "---|" * (len(NAMES) + 1)]
    z = {"without": [], "with": []}
    for d in json.load(open(split_path)):
        m, a = d["model"], ref[tuple(d["family"])]
        pair = {k: [(co(f, n) - co(a, n)) / sd[n] for n in NAMES]
                for k, f in (("without", m["without_prior"]), ("with", m))}  # fmt: skip
        for k, v in pair.items():
            z[k].append(v)
        cells = [
            f"{x:+.1f} -> {y:+.1f}" for x, y in zip(pair["without"], pair["with"], strict=True)
        ]
        lines.append(
            f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | " + " | ".join(cells) + " |"
        )
    med = {k: np.median(np.abs(np.array(v)), axis=0) for k, v in z.items()}
    lines.append("| median abs, without -> with | " + " | ".join(
        f"{x:.2f} -> {y:.2f}" for x, y in zip(med["without"], med["with"], strict=True)) + " |")  # fmt: skip
    lines.append("\nacross-family sd of the all-run fits: " + ", ".join(
        f"{n} {sd[n]:.3f}" for n in NAMES))  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--look", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--look-table", metavar="JSON")
    ap.add_argument("--secondary", nargs="+", metavar="JSON")
    ap.add_argument("--phase-table", metavar="JSON")
    ap.add_argument("--drift", nargs=2, metavar=("PRIOR_SPLIT_JSON", "ALL_RUNS_PHASE_JSON"))
    args = ap.parse_args()
    if args.drift:
        print(drift(*args.drift))
    if args.secondary:
        print(secondary(args.secondary))
    if args.phase_table:
        print(phase_table(args.phase_table))
    if args.look_table:
        print(look_table(args.look_table))
    if args.look:
        look(args.out)


if __name__ == "__main__":
    main()
