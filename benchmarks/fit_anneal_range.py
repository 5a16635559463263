"""Where in a held-out WSD anneal the prediction of a cosine fit goes wrong: within the rates the
fitted cosine runs visited, or below them (``benchmarks/results/fit.md``, 2026-12-02s22).

    python -m benchmarks.fit_anneal_range FILE [FILE ...]   # cos-to-wsd files written with --curves

The llm-curves cosine runs decay to 0.1 of their peak (``curves.csv``'s rates), the WSD runs to
0; a family's WSD runs are at half its cosine rate, so the cosine runs never saw a rate below
0.2 of the WSD peak. Per held-out WSD run with an anneal, the residual ``predicted / observed -
1`` at the end of its stable phase, at its last point with ``lr >= FLOOR`` times its peak (the
lowest rate the fitted cosines saw), and at its end; the missing gain split into the two parts
of the anneal (points: percent of the observed loss; positive = the model gains too little).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from solvers.runs import load_dataset

#: The fitted cosine runs' lowest rate in units of a held-out WSD run's peak (0.1 of a peak twice
#: as high).
FLOOR = 0.2


def rows(path: str) -> list:
    runs = load_dataset("llm-curves")
    out = []
    for fam in json.load(open(path)):
        cos_low = min(
            float(np.min(runs[r].sched_lr[runs[r].sched_lr > 0][-50:])) for r in fam["fit_ids"]
        )
        for rid, c in fam.get("curves", {}).items():
            run = runs[rid]
            if run.meta.get("scheduler") != "wsd" or c["stable_end"] is None:
                continue
            steps, rel = np.array(c["step"]), 100 * np.array(c["rel"])
            eta = run.schedule(max(run.horizon, int(steps[-1]) + 1))
            lr = eta[steps.clip(max=eta.size - 1)]
            i0 = c["stable_end"]
            seen = np.flatnonzero(lr >= cos_low)
            i1 = int(seen[-1])
            if i1 <= i0 or i1 >= steps.size - 1:
                continue
            out.append({"run": rid, "family": fam["family"], "low": cos_low / eta.max(),
                        "stable": rel[i0], "seen": rel[i1], "end": rel[-1],
                        "gain_seen": rel[i1] - rel[i0], "gain_below": rel[-1] - rel[i1]})  # fmt: skip
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    print("| file | WSD runs | cosines' lowest rate / WSD peak | residual at end of stable, "
          "median % | at the lowest rate the cosines saw | at the end | missing gain within "
          "the cosines' rates, median (range) | missing gain below them |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for path in args.files:
        r = rows(path)
        med = {k: np.median([x[k] for x in r]) for k in r[0] if k not in ("run", "family")}
        rng = {k: (min(x[k] for x in r), max(x[k] for x in r)) for k in ("gain_seen", "gain_below")}
        print(f"| {path} | {len(r)} | {med['low']:.2f} | {med['stable']:+.2f} | {med['seen']:+.2f} "
              f"| {med['end']:+.2f} | {med['gain_seen']:+.2f} ({rng['gain_seen'][0]:+.2f} .. "
              f"{rng['gain_seen'][1]:+.2f}) | {med['gain_below']:+.2f} ({rng['gain_below'][0]:+.2f}"
              f" .. {rng['gain_below'][1]:+.2f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
