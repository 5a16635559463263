"""The 2026-11-30h rule and tables for ``fit_splits --prior`` files (PROTOCOL in
``benchmarks/results/fit_2026-11-30h/``).

    python -m benchmarks.fit_prior_rule --rule DIR           # the four held-out splits, verdict
    python -m benchmarks.fit_prior_rule --phase PHASE_JSON   # phase per family, with and without

Each row of a ``--prior`` file holds the fit with the leave-one-family-out prior and, fitted in
the same command with the same options, the fit without it (``without_prior``). Errors are
pooled over the held-out runs of all families (the tables' "all families" figures).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

SPLITS = ("cos-to-wsd", "wsd-to-cos", "short-to-long", "long-to-short")
#: The rule (PROTOCOL): the mean over splits must improve by this much (points of %) ...
MIN_GAIN = 0.02
#: ... and no split's mean (worst) may get worse by more than this (points of %).
MAX_MEAN_LOSS, MAX_WORST_LOSS = 0.03, 0.15
#: Identified phase (PROTOCOL): p_easy outside (0.1, 0.9), and at least 5 of 6 bootstrap refits
#: (this fraction) in the same phase.
P_CUT, BOOT_AGREE = 0.1, 5 / 6


def pooled(preds) -> tuple[float, float, int]:
    """Mean and worst final-loss relative error (%) of held-out predictions, and their count."""
    rel = [abs(p["predicted"] / p["observed"] - 1) for p in preds if p["observed"] is not None]
    return 100 * float(np.mean(rel)), 100 * float(np.max(rel)), len(rel)


def split_scores(rows) -> dict:
    """``{"prior": (M, W, n), "none": (M, W, n), "naive": ..., laws...}`` of a split file."""
    out = {"prior": pooled([p for d in rows for p in d["predictions"]]),
           "none": pooled([p for d in rows for p in d["without_prior"]["predictions"]])}  # fmt: skip
    for law in ("multi_power", "annealing", "naive"):
        cells = [
            (d["baselines"][law], len(d["predict_ids"])) for d in rows if law in d["baselines"]
        ]
        if len(cells) == len(rows):
            n = sum(k for _, k in cells)
            out[law] = (100 * sum(e["mean_rel"] * k for e, k in cells) / n,
                        100 * max(e["max_rel"] for e, _ in cells), n)  # fmt: skip
    return out


def rule(directory: str) -> str:
    """The per-split table and the PROTOCOL's verdict."""
    scores = {s: split_scores(json.load(open(f"{directory}/fit_{s}.json"))) for s in SPLITS}
    lines = ["| split | held-out runs | without prior (7) | **with prior** (7 + prior) | change of mean / worst | "
             "multi-power (7) | LR-annealing (4) | naive (0) |", "|" + "---|" * 8]  # fmt: skip
    ok = True
    for s, sc in scores.items():
        (m0, w0, n), (m1, w1, _) = sc["none"], sc["prior"]
        ok &= m1 <= m0 + MAX_MEAN_LOSS and w1 <= w0 + MAX_WORST_LOSS
        laws = " | ".join(f"{sc[k][0]:.2f} / {sc[k][1]:.2f}" if k in sc else "—"
                          for k in ("multi_power", "annealing", "naive"))  # fmt: skip
        lines.append(f"| {s} | {n} | {m0:.2f} / {w0:.2f} | **{m1:.2f} / {w1:.2f}** "
                     f"| {m1 - m0:+.2f} / {w1 - w0:+.2f} | {laws} |")  # fmt: skip
    mean0 = np.mean([sc["none"][0] for sc in scores.values()])
    mean1 = np.mean([sc["prior"][0] for sc in scores.values()])
    gain = mean1 <= mean0 - MIN_GAIN
    lines.append(
        f"\nmean over the four splits: {mean0:.3f} % without, {mean1:.3f} % with the prior "
        f"(change {mean1 - mean0:+.3f}; needed <= -{MIN_GAIN}): condition 1 "
        f"{'holds' if gain else 'fails'}; condition 2 (no split's mean worse by > {MAX_MEAN_LOSS}, "
        f"worst by > {MAX_WORST_LOSS}) {'holds' if ok else 'fails'}. The rule "
        f"{'**adopts**' if gain and ok else '**rejects**'} the prior."
    )
    return "\n".join(lines)


def _phase_of(a: float, b: float) -> str:
    return "easy" if a > b else "hard"


def _interval(iv: dict, k: str) -> str:
    return f"[{iv[k][0]:.2f}, {iv[k][1]:.2f}]" if k in iv else "—"


def phase_table(path: str) -> str:
    """Per family: the fit with and without the prior, the prior's own mean (a, b), bootstrap
    refits, bounds, and whether the PROTOCOL's criterion calls the phase identified."""
    lines = ["| family | runs | without prior: (a, b), phase, p_easy | prior mean (a, b) [sd] | "
             "with prior: (a, b), phase, p_easy | easy refits | a [95 %] | b [95 %] | at bound | identified |",
             "|" + "---|" * 10]  # fmt: skip
    for d in json.load(open(path)):
        m, w, pr = d["model"], d["model"]["without_prior"], d["model"]["prior"]
        mean = dict(zip(pr["names"], pr["mean"], strict=True))
        sd = dict(zip(pr["names"], pr["sd"], strict=True))
        iv = m.get("interval", {})
        easy = m["p_easy_boot"]
        agree = None if easy is None else (easy if m["phase"] == "easy" else 1 - easy)
        ok = (not P_CUT < m["p_easy"] < 1 - P_CUT and not {"a", "b"} & set(m["at_bound"])
              and abs(m["a"] - m["b"]) > 0.02 and agree is not None and agree >= BOOT_AGREE - 1e-9)  # fmt: skip
        lines.append(
            f"| {d['family'][0]} {int(d['family'][1]) / 1e6:.0f}M | {len(d['fit_ids'])} "
            f"| ({w['a']:.2f}, {w['b']:.2f}), {w['phase']}, {w['p_easy']:.2f} "
            f"| ({mean['a']:.2f}, {mean['b']:.2f}) [{sd['a']:.2f}, {sd['b']:.2f}], {_phase_of(mean['a'], mean['b'])} "
            f"| ({m['a']:.2f}, {m['b']:.2f}), {m['phase']}, {m['p_easy']:.2f} "
            f"| {'—' if easy is None else f'{easy:.2f}'} | {_interval(iv, 'a')} | {_interval(iv, 'b')} "
            f"| {', '.join(m['at_bound']) or '-'} | {'**yes**' if ok else 'no'} |"
        )  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", metavar="DIR", help="directory of the four --prior split files")
    ap.add_argument("--phase", metavar="PHASE_JSON", help="a --prior phase file")
    args = ap.parse_args()
    if args.rule:
        print(rule(args.rule))
    if args.phase:
        print(phase_table(args.phase))


if __name__ == "__main__":
    main()
