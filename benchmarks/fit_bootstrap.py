"""The block bootstrap's interval on the phase: its coverage where the truth is known, then the
phase of every llm-curves family (``benchmarks/results/fit_2026-12-02s21/PROTOCOL.md``).

    python -m benchmarks.fit_bootstrap --coverage [--seeds 20] [--boot 40] [--control points] --out F
    python -m benchmarks.fit_bootstrap --families [--boot 40] --out F
    python -m benchmarks.fit_bootstrap --coverage-table F [--shift]
    python -m benchmarks.fit_bootstrap --family-table F [--runs-boot FILE]

``--coverage``: runs of the functional itself (norm map, the model exactly right) at an easy and
a hard point, a real family's design (cosine runs at ``R``, WSD and constant at ``R/2``), noise
AR(1) with lag-1 correlation ``RHO`` (:data:`NOISE`); per data set the fit with
``boot_kind="blocks"``, its 95 % intervals on ``a``, ``b`` and whether they hold the truth.
``--control points`` forces block length 1 (point resampling, the autocorrelation ignored): the
control that must fail. ``--families``: every run of each family, block bootstrap, and the
transfer of ``lr_transfer`` on its runs. Prints CPU (``time.process_time``) and wall seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter

import numpy as np

from solvers.runs import (
    FitOptions,
    LossParams,
    Run,
    _bootstrap,
    fit_runs,
    load_dataset,
    lr_transfer,
)
from solvers.runs._evaluate import schedule_family
from solvers.runs._predict import predict_run

WD, RATE = 0.1, 2e-3
#: Generating points (a, b); other parameters as ``tests/test_runs_map_prior.py``.
POINTS = {"easy": (2.2, 1.4), "hard": (1.4, 2.2)}
#: Multiplicative noise: marginal sd and lag-1 correlation of an AR(1) series.
NOISE, RHO = 5e-4, 0.9
#: A real family's design: (schedule, steps, base rate).
DESIGN = (("cos", 4000, RATE), ("cos", 8000, RATE), ("wsd", 8000, RATE / 2),
          ("const", 8000, RATE / 2))  # fmt: skip
GEN_OPTIONS = dict(max_points=40, n_grid=40, n_starts=2, boot_kind="blocks")


def schedule(kind: str, T: int, lr: float, warmup: int = 100) -> np.ndarray:
    """Cosine to 10 %, WSD with a 20 % linear decay, or constant, after a linear warmup."""
    t = np.arange(T)
    eta = np.full(T, lr)
    eta[:warmup] = lr * (t[:warmup] + 1) / warmup
    if kind == "cos":
        u = (t[warmup:] - warmup) / (T - warmup)
        eta[warmup:] = lr * (0.1 + 0.45 * (1 + np.cos(np.pi * u)))
    if kind == "wsd":
        d = T // 5
        eta[T - d :] = lr * np.linspace(1, 0, d)
    return eta


def truth(point: str) -> LossParams:
    a, b = POINTS[point]
    return LossParams(L_inf=2.5, A=1.0, s=1.0, nu=2.0, a=a, b=b, norm0=0.05 * RATE / (2 * WD))


def ar1(n: int, rng) -> np.ndarray:
    e = np.empty(n)
    e[0] = rng.standard_normal()
    for k in range(1, n):
        e[k] = RHO * e[k - 1] + np.sqrt(1 - RHO**2) * rng.standard_normal()
    return e


def generated(point: str, seed: int) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for i, (kind, T, lr) in enumerate(DESIGN):
        eta, steps = schedule(kind, T, lr), np.arange(200, T + 1, 200)
        meta = {"scheduler": kind, "iterations": T, "lr": lr, "dataset": "gen", "params": 1.0,
                "opt": "adamw", "weight_decay": WD}  # fmt: skip
        loss = predict_run(truth(point), Run(f"g{i}", np.arange(T), eta, {}, meta), steps)[1]
        loss = loss * (1 + NOISE * ar1(steps.size, rng))
        out.append(Run(f"g{i}", np.arange(T), eta, {"val": (steps, loss)}, meta))
    return out


def _row(fit) -> dict:
    a, b = fit.boot[:, 4], fit.boot[:, 5]
    ba = np.percentile(b - a, [2.5, 97.5]).tolist() if len(a) else None
    return {"a": fit.params.a, "b": fit.params.b, "phase": fit.phase, "p_easy": fit.p_easy,
            "p_easy_boot": fit.p_easy_boot, "n_boot": len(a), "n_easy": int(np.sum(a > b)),
            "interval": {k: [float(v) for v in fit.interval[k]] for k in ("a", "b")},
            "b-a": ba, "note": fit.phase_note, "at_bound": fit.at_bound,
            "boot_ab": fit.boot[:, 4:6].tolist()}  # fmt: skip


def coverage(seeds: int, n_boot: int, control: str | None, path=None, points=tuple(POINTS)):
    if control == "points":
        _bootstrap.block_length = lambda r: 1  # the control: point resampling
    out = {"noise": NOISE, "rho": RHO, "n_boot": n_boot, "control": control, "points": {}}
    for point in points:
        rows = []
        for seed in range(1, seeds + 1):
            c0, w0 = time.process_time(), time.time()
            fit = fit_runs(generated(point, seed), FitOptions(n_boot=n_boot, **GEN_OPTIONS))
            row = {"seed": seed, **_row(fit), "cpu": time.process_time() - c0}
            rows.append(row)
            print(f"{point} seed {seed}: a {row['a']:.3f} {row['interval']['a']} b "
                  f"{row['b']:.3f} {row['interval']['b']} p_easy_boot {row['p_easy_boot']:.2f} "
                  f"cpu {row['cpu']:.1f} s wall {time.time() - w0:.1f} s", flush=True)  # fmt: skip
            out["points"][point] = {"truth": POINTS[point], "rows": rows}
            if path:  # each data set as it comes
                with open(path, "w") as f:
                    json.dump(out, f, indent=1, default=float)
    return out


def from_log(path: str) -> dict:
    """The ``--coverage`` JSON rebuilt from its printed lines (a run stopped before its end
    wrote no file; each line holds the fit, its intervals, ``p_easy_boot`` and CPU)."""
    pat = re.compile(r"(\w+) seed (\d+): a (\S+) \[(\S+), (\S+)\] b (\S+) \[(\S+), (\S+)\] "
                     r"p_easy_boot (\S+) cpu (\S+) s")  # fmt: skip
    out = {"noise": NOISE, "rho": RHO, "from_log": path, "points": {}}
    for line in open(path):
        m = pat.match(line.replace("np.float64(", "").replace(")", ""))
        if not m:
            continue
        point, seed, a, a0, a1, b, b0, b1, share, cpu = m.groups()
        rec = out["points"].setdefault(point, {"truth": POINTS[point], "rows": []})
        rec["rows"].append({"seed": int(seed), "a": float(a), "b": float(b),
                            "interval": {"a": [float(a0), float(a1)], "b": [float(b0), float(b1)]},
                            "p_easy_boot": float(share), "cpu": float(cpu)})  # fmt: skip
    return out


def _held(rows, name: str, value: float) -> int:
    return sum(r["interval"][name][0] <= value <= r["interval"][name][1] for r in rows)


def coverage_table(d: dict) -> str:
    lines = ["| point (a, b) | data sets | a held | b held | median width a / b | shifted truth "
             "held a / b | p_easy_boot, right side >= 0.9 | wrong side >= 0.9 | CPU s / set |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for point, v in d["points"].items():
        rows, (a, b) = v["rows"], v["truth"]
        wa = float(np.median([r["interval"]["a"][1] - r["interval"]["a"][0] for r in rows]))
        wb = float(np.median([r["interval"]["b"][1] - r["interval"]["b"][0] for r in rows]))
        share = [r["p_easy_boot"] if point == "easy" else 1 - r["p_easy_boot"] for r in rows]
        lines.append(
            f"| {point} ({a}, {b}) | {len(rows)} | {_held(rows, 'a', a)} | {_held(rows, 'b', b)} "
            f"| {wa:.2f} / {wb:.2f} | {_held(rows, 'a', a + wa)} / {_held(rows, 'b', b + wb)} "
            f"| {sum(s >= 0.9 for s in share)} | {sum(s <= 0.1 for s in share)} "
            f"| {np.mean([r['cpu'] for r in rows]):.1f} |"
        )
    return "\n".join(lines)


def family_name(family) -> str:
    """``dataset NNNM`` of a run's ``(dataset, params)``."""
    dataset, params = family
    return f"{dataset} {round(float(params) / 1e6)}M"


def families(n_boot: int, path: str | None = None) -> dict:
    runs = load_dataset("llm-curves")
    groups: dict = {}
    for r in runs:
        groups.setdefault(r.family, []).append(r)
    out = {}
    for fam, members in sorted(groups.items(), key=lambda kv: str(kv[0])):
        c0, w0 = time.process_time(), time.time()
        fit = fit_runs(members, FitOptions(n_boot=n_boot, boot_kind="blocks"))
        cells = Counter((schedule_family(r), r.horizon, float(r.sched_lr.max())) for r in members)
        rates = Counter((k[0], k[1]) for k in cells)
        sizes = [fit.residuals[r.id][1].size for r in members]
        lengths = [_bootstrap.block_length(fit.residuals[r.id][1]) for r in members]
        key = family_name(fam)
        out[key] = {**_row(fit), "runs": len(members), "block_lengths": lengths,
                    "points": sizes, "transfer": lr_transfer(members, fit, fit.options.split),
                    "max_rates_per_cell": max(rates.values()),
                    "cpu": time.process_time() - c0}  # fmt: skip
        print(f"{key}: {out[key]['phase']} p_easy_boot {out[key]['p_easy_boot']:.2f} "
              f"a {out[key]['interval']['a']} b {out[key]['interval']['b']} cpu "
              f"{out[key]['cpu']:.1f} s wall {time.time() - w0:.1f} s", flush=True)  # fmt: skip
        if path:  # each family as it comes (a long run stopped early keeps what it has)
            with open(path, "w") as f:
                json.dump(out, f, indent=1, default=float)
    return out


def family_table(d: dict, runs_boot: dict | None = None) -> str:
    lines = ["| family | runs | a [95 %] | b [95 %] | b - a [95 %] | point fit: phase, p_easy "
             "| p_easy_boot (easy of n) | runs bootstrap (2026-11-30d) | block lengths / points "
             "| identified | transfer |", "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for fam, r in d.items():
        ia, ib, ba = r["interval"]["a"], r["interval"]["b"], r["b-a"]
        share = r["p_easy_boot"]
        block = (share >= 0.9 and r["phase"] == "easy") or (share <= 0.1 and r["phase"] == "hard")
        rb = (runs_boot or {}).get(fam)
        both = block and rb is not None and (rb >= 0.9 if r["phase"] == "easy" else rb <= 0.1)
        verdict = f"{r['phase']} (both)" if both else (
            f"{r['phase']} (blocks only)" if block else "no")  # fmt: skip
        tr = r["transfer"]
        tr = "none (<= 1 base rate per schedule and horizon)" if not tr else json.dumps(tr)
        lines.append(
            f"| {fam} | {r['runs']} | {r['a']:.2f} [{ia[0]:.2f}, {ia[1]:.2f}] | {r['b']:.2f} "
            f"[{ib[0]:.2f}, {ib[1]:.2f}] | {r['b'] - r['a']:+.2f} [{ba[0]:+.2f}, {ba[1]:+.2f}] "
            f"| {r['phase']}, {r['p_easy']:.2f} | {share:.2f} ({r['n_easy']} of {r['n_boot']}) "
            f"| {'—' if rb is None else f'{rb:.1f}'} | {min(r['block_lengths'])}-"
            f"{max(r['block_lengths'])} / {max(r['points'])} | {verdict} | {tr} |"
        )
    return "\n".join(lines)


#: Decay shape at the end of each schedule family, ``(1 - t/T)^delta``: cosine's is quadratic
#: (``benchmarks/fit_generated.py``), WSD's linear decay linear.
SHAPE_DELTA = {"cos": 2, "wsd": 1}


def predicted_transfer(d: dict) -> str:
    """The transfer exponent the fitted theory predicts per family, over its bootstrap refits
    of ``(a, b)``: the tuned peak's exponent in the model's intrinsic rate,
    ``-theory.fixed_shape_peak_at(delta, a, b)`` where ``a > b`` and 0 where ``a < b`` (the hard
    phase: the peak is set by stability and transfers); median [2.5, 97.5 %]. Not measured:
    no family sweeps the base rate."""
    from theory import fixed_shape_peak_at

    lines = ["| family | p_easy_boot | cosine: exponent in the intrinsic rate, median [95 %] | "
             "WSD: the same |", "|---|---|---|---|"]  # fmt: skip
    for fam, r in d.items():
        cells = []
        for delta in SHAPE_DELTA.values():
            e = [-fixed_shape_peak_at(delta, a, b) if a > b else 0.0 for a, b in r["boot_ab"]]
            lo, mid, hi = np.percentile(e, [2.5, 50, 97.5])
            cells.append(f"{mid:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        lines.append(f"| {fam} | {r['p_easy_boot']:.2f} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def _runs_boot(path: str) -> dict:
    """``family -> p_easy_boot`` of a ``fit_splits --split phase`` file."""
    with open(path) as f:
        rows = json.load(f)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    return {family_name(r["family"]): r["model"]["p_easy_boot"] for r in rows}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coverage", action="store_true")
    ap.add_argument("--families", action="store_true")
    ap.add_argument("--coverage-table")
    ap.add_argument("--from-log", help="rebuild a --coverage JSON (--out) from its log")
    ap.add_argument("--family-table")
    ap.add_argument("--predicted-transfer", help="a --families file")
    ap.add_argument("--runs-boot", help="a fit_splits phase file whose p_easy_boot to show")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--boot", type=int, default=40)
    ap.add_argument("--control", choices=("points",))
    ap.add_argument("--points", default=",".join(POINTS), help="generating points to cover")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    c0, w0 = time.process_time(), time.time()
    if args.from_log:
        with open(args.out, "w") as f:
            json.dump(from_log(args.from_log), f, indent=1)
        return
    if args.coverage_table:
        print(coverage_table(json.load(open(args.coverage_table))))
        return
    if args.predicted_transfer:
        print(predicted_transfer(json.load(open(args.predicted_transfer))))
        return
    if args.family_table:
        rb = _runs_boot(args.runs_boot) if args.runs_boot else None
        print(family_table(json.load(open(args.family_table)), rb))
        return
    if args.coverage:
        d = coverage(args.seeds, args.boot, args.control, args.out, args.points.split(","))
    else:
        d = families(args.boot, args.out)
    with open(args.out, "w") as f:
        json.dump(d, f, indent=1, default=float)
    print(f"total cpu {time.process_time() - c0:.1f} s wall {time.time() - w0:.1f} s")


if __name__ == "__main__":
    main()
