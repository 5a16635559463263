"""Is the multi-power law's miss on cos-to-wsd its fit or its form? (fit.md 2026-12-01a)

    python -m benchmarks.fit_baseline_check [--families 208540416,166205312] [--starts 8] [--optlr]

Per model family with cosine runs, the multi-power law (``solvers.runs.fit_law``, the split's
baseline fit: its two fixed starts) against the same residuals minimised from ``--starts`` more
random starts in the box, and the same law fitted to ALL runs of the family (cosine at the
family's base rate, WSD and constant at half of it). Prints, per family, the in-sample rms
relative residual of each fit and the held-out final-loss error of the cosine-only fits on the
other runs. If the random starts find a lower cost, the split's baseline was stuck (the fit's
fault); if not, and the all-runs fit cannot reach the one-rate fit's rms, the law's form does
not carry the base-rate change between the split's fitted and held-out runs. ``--optlr`` adds
the same all-runs numbers for optlr's functional (``fit_runs``, default options, no bootstrap).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import least_squares

from solvers.runs import FitOptions, fit_runs, load_dataset, predict_run, schedule_family
from solvers.runs._fit import fit_points
from solvers.runs._functional import run_grid
from solvers.runs._laws import LAWS, _natural, _warmup, fit_law, multi_power_law

LAW = LAWS["multi_power"]


def _data(runs, opts) -> list:
    out = []
    for run in runs:
        steps, obs = fit_points(run, opts)
        eta = run.schedule(max(run.horizon, int(steps[-1]) + 1))
        W = _warmup(run, eta)
        out.append((eta, steps, obs, W, run_grid(eta[W:], steps - W + 1, n_grid=200),
                    1.0 / np.sqrt(steps.size)))  # fmt: skip
    return out


def _residuals(x, data) -> np.ndarray:
    th = _natural(LAW, x)
    r = np.concatenate([w * (multi_power_law(th, e, s, W, g) / o - 1) for e, s, o, W, g, w in data])
    return np.where(np.isfinite(r), r, 1e3)


def fit_from_starts(data, opts, n_random: int, seed: int = 0):
    """The law's fit from its two fixed starts plus ``n_random`` uniform starts in the box."""
    lo, hi = np.array(LAW.lower, float), np.array(LAW.upper, float)
    top = np.where(np.isfinite(hi), hi, 5.0)
    rng = np.random.default_rng(seed)
    starts = [np.array(s, float) for s in LAW.starts]
    starts += [lo + rng.uniform(0.05, 0.95, lo.size) * (top - lo) for _ in range(n_random)]
    best = None
    for x0 in starts:
        x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
        x0[0] = min(x0[0], min(d[2].min() for d in data) * 0.95)
        f = least_squares(_residuals, x0, args=(data,), bounds=(lo, hi), loss=opts.loss,
                          f_scale=opts.f_scale, max_nfev=2000)  # fmt: skip
        if best is None or f.cost < best.cost:
            best = f
    return _natural(LAW, best.x), float(best.cost)


def rms(theta, data) -> float:
    r = [multi_power_law(theta, e, s, W, g) / o - 1 for e, s, o, W, g, _ in data]
    return float(np.sqrt(np.mean(np.concatenate(r) ** 2)))


def final_errors(theta, runs, opts) -> np.ndarray:
    out = []
    for run in runs:
        steps, obs = run.losses(opts.split)
        eta = run.schedule(max(run.horizon, int(steps[-1]) + 1))
        out.append(abs(multi_power_law(theta, eta, steps[-1:], _warmup(run, eta))[0] / obs[-1] - 1))
    return np.array(out)


def optlr_all_runs(fam, rest, opts) -> tuple[float, np.ndarray]:
    """optlr's functional fitted to every run of ``fam``: its in-sample rms relative residual
    (the fit's own points) and its final-loss errors on ``rest``."""
    fit = fit_runs(fam, opts)
    res = []
    for run in fam:
        steps, obs = fit_points(run, opts)
        res.append(predict_run(fit, run, steps)[1] / obs - 1)
    fin = []
    for run in rest:
        steps, obs = run.losses(opts.split)
        fin.append(abs(predict_run(fit, run, steps[-1:])[1][0] / obs[-1] - 1))
    return float(np.sqrt(np.mean(np.concatenate(res) ** 2))), np.array(fin)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", help="comma-separated parameter counts (default: all)")
    ap.add_argument("--starts", type=int, default=8, help="random starts besides the law's two")
    ap.add_argument("--optlr", action="store_true", help="add optlr's functional on all runs")
    args = ap.parse_args()
    want = args.families.split(",") if args.families else None
    opts = FitOptions(n_boot=0)
    fams: dict = {}
    for r in load_dataset("llm-curves"):
        fams.setdefault(r.family, []).append(r)
    print(
        "| family | cost: split's fit / random starts | rms in-sample, cosine fit | "
        "held-out final err mean / max % (split's fit; random starts) | all-runs fit: rms; "
        "final err of the non-cosine runs, mean / max % | optlr, all-runs fit: the same |"
    )
    print("|---|---|---|---|---|---|")
    for key, fam in sorted(fams.items(), key=lambda kv: str(kv[0])):
        if want and str(int(float(key[1]))) not in want:
            continue
        cos = [r for r in fam if schedule_family(r) == "cos"]
        rest = [r for r in fam if schedule_family(r) != "cos"]
        if not cos or not rest:
            continue
        c0 = time.process_time()
        dcos, dall = _data(cos, opts), _data(fam, opts)
        split = fit_law("multi_power", cos, opts)
        many, cost = fit_from_starts(dcos, opts, args.starts)
        allfit, _ = fit_from_starts(dall, opts, args.starts)
        e1, e2 = 100 * final_errors(split.theta, rest, opts), 100 * final_errors(many, rest, opts)
        e3 = 100 * final_errors(allfit, rest, opts)
        mine = "-"
        if args.optlr:
            r, e4 = optlr_all_runs(fam, rest, opts)
            mine = f"{r:.3%}; {100 * e4.mean():.2f} / {100 * e4.max():.2f}"
        print(f"| {key[0]} {float(key[1]) / 1e6:.0f}M | {split.cost:.4g} / {cost:.4g} "
              f"| {rms(split.theta, dcos):.3%} | {e1.mean():.2f} / {e1.max():.2f}; "
              f"{e2.mean():.2f} / {e2.max():.2f} | {rms(allfit, dall):.3%}; "
              f"{e3.mean():.2f} / {e3.max():.2f} | {mine} |  "
              f"<!-- cpu {time.process_time() - c0:.0f} s -->", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
