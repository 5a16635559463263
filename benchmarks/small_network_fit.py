"""``optlr fit`` on the small-network runs (``benchmarks/small_network_runs.py``): held-out error.

The same four splits as ``benchmarks/fit_splits.py`` on the LLM curves, through the CLI a user
runs (``optlr fit CURVES --runs RUNS --fit ... --predict ... --format json``), nothing tuned per
split: cos-to-wsd (fit the cosine runs, predict WSD and constant), wsd-to-cos, short-to-long (fit
the horizons below the longest, predict the longest), long-to-short. Prints a markdown table of
mean / worst relative error of the final validation loss for optlr and every baseline, the fitted
phase and ``p_easy``, the transfer exponents, and CPU / wall seconds per split, beside the noise
of the targets themselves (the mean relative standard error of the held-out runs' final losses
over their seeds: no predictor of the expected loss can be judged more finely)::

    python -m benchmarks.small_network_fit [--stem benchmarks/results/small_network]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import time

from solvers.cli import main as optlr

SPLITS = ("wsd-to-cos", "cos-to-wsd", "short-to-long", "long-to-short")


def split(name: str, runs: list[dict]) -> tuple[list[str], list[str]]:
    if name in ("short-to-long", "long-to-short"):
        T = (max if name == "short-to-long" else min)(int(r["iterations"]) for r in runs)
        held = [r["run"] for r in runs if int(r["iterations"]) == T]
    else:
        cos = [r["run"] for r in runs if r["scheduler"] == "cosine"]
        held = [r["run"] for r in runs if r["run"] not in cos] if name == "cos-to-wsd" else cos
    return [r["run"] for r in runs if r["run"] not in held], held


def one(stem: str, name: str, runs: list[dict], min_step: int) -> tuple[dict, float, float]:
    fit, pred = split(name, runs)
    argv = ["fit", f"{stem}_curves.csv", "--runs", f"{stem}_runs.csv", "--fit", ",".join(fit),
            "--predict", ",".join(pred), "--boot", "0", "--min-step", str(min_step),
            "--format", "json"]  # fmt: skip
    c0, w0 = time.process_time(), time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = optlr(argv)
    if code:
        raise SystemExit(f"optlr fit failed on split {name} (exit {code})")
    return json.loads(buf.getvalue()), time.process_time() - c0, time.perf_counter() - w0


def row(name: str, rep: dict, cpu: float, wall: float, sem: dict) -> str:
    e, m = rep["error"], rep["model"]
    held = [sem[p["run"]] for p in rep["predictions"] if sem.get(p["run"])]
    floor = f"{100 * sum(held) / len(held):.2f}" if held else "-"
    base = " | ".join(
        f"{v['mean_rel'] * 100:.2f} / {v['max_rel'] * 100:.2f}" for v in rep["baselines"].values()
    )
    return (f"| {name} ({len(rep['predictions'])}) | {e['mean_rel'] * 100:.2f} / "
            f"{e['max_rel'] * 100:.2f} | {floor} | {base} | {m['phase']} ({m['p_easy']:.2f}), a = "
            f"{m['a']:.2f}, b = {m['b']:.2f} | {cpu:.0f} ({wall:.0f}) |")  # fmt: skip


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stem", default="benchmarks/results/small_network")
    p.add_argument("--min-step", type=int, default=100)
    p.add_argument("--json", help="also save every split's full report (JSON) here")
    p.add_argument("--only", choices=SPLITS, action="append", help="run only these splits")
    args = p.parse_args(argv)
    with open(f"{args.stem}_runs.csv", newline="") as f:
        runs = list(csv.DictReader(f))
    sem = {r["run"]: float(r["final_sem"]) for r in runs if r.get("final_sem")}
    lines, transfer, reports = [], {}, {}
    for name in args.only or SPLITS:
        rep, cpu, wall = one(args.stem, name, runs, args.min_step)
        reports[name] = rep
        if not lines:
            names = " | ".join(rep["baselines"])
            lines = [f"| split (held-out runs) | optlr | noise (mean sem) | {names} | fitted "
                     f"phase (p_easy), a, b | CPU s (wall) |",
                     "|---" * (5 + len(rep["baselines"])) + "|"]  # fmt: skip
        lines.append(row(name, rep, cpu, wall, sem))
        transfer.setdefault(name, rep.get("transfer"))
        print(lines[-1], flush=True)
    print("\nmean / worst relative error of the final validation loss, %\n")
    print("\n".join(lines))
    print("\ntransfer (fitted runs of each split):", json.dumps(transfer, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(reports, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
